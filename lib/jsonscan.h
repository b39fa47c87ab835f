/* jsonscan.h — strict JSON syntax check of one record line, with the raw
 * text of some of its top-level members.
 *
 * cJSON is lenient: it takes 01, 1. and raw control characters inside
 * strings, and it keeps every number as a double, so an id such as
 * 1234567890123456789 (a post id) comes back as 1.2345678901234568e+18
 * and two distinct ids can collide.  mz_json_scan() checks a line against
 * RFC 8259 exactly, before cJSON reads it, and gives the bytes of the
 * values of the top-level keys asked for, so that a number is kept as it
 * was written.
 *
 * Contract: returns 0 when s[0..n) is one JSON value (any type) with only
 * JSON whitespace around it (and maybe a UTF-8 byte-order mark before,
 * which a file's first line keeps and cJSON skips too), nested at most MZ_JSON_MAX_DEPTH deep; else -1
 * with *bad the offset of the first byte it could not accept and *why a
 * static reason.  It does not check UTF-8 (the caller does, before).  For
 * each keys[i] (compared with the member's key once its escapes are
 * decoded, as cJSON reads it: "te\u0078t" is "text"), span[i] is that member's
 * value in s (off, len), or len 0 when the top level is not an object or
 * has no such member; a key asked for that the top level gives twice is an
 * error (which value was meant cannot be told).  No allocation; no
 * recursion. */
#ifndef MZ_JSONSCAN_H
#define MZ_JSONSCAN_H

#include <stddef.h>

#define MZ_JSON_MAX_DEPTH 512
#define MZ_JSON_TWICE "a field given twice" /* *why for a key asked for that is repeated */

typedef struct mz_jspan {
    size_t off, len;
} mz_jspan;

int mz_json_scan(const char *s, size_t n, const char *const *keys, size_t nkeys, mz_jspan *span, size_t *bad,
                 const char **why);

/* 1 when the JSON text s[0..n) (a line, or one value's span) holds a
 * \u0000 escape: cJSON keeps strings NUL-terminated and would cut such a
 * string short without a word.  *any_u (may be NULL) tells whether there
 * is any \u escape.  Escapes are consumed in pairs from the left, so the
 * second backslash of an escaped backslash never starts one. */
int mz_json_nul_escape(const char *s, size_t n, int *any_u);

/* s[0..n) read by cJSON (leniently, as it reads: a raw tab in a string is
 * kept) as exactly one value: NULL when cJSON refuses it or when anything
 * but JSON white space follows the value, which cJSON would drop without
 * a word (a stray "}" mid-file ending it there).  Then *bad (may be NULL)
 * is where reading stopped, or NULL if unknown, and *more (may be NULL) is
 * 1 when the value was whole and more followed it.  Thread-safe (cJSON's
 * global error pointer is not used). */
struct cJSON;
struct cJSON *mz_json_parse_one(const char *s, size_t n, const char **bad, int *more);

#endif
