/* utf8.h — strict UTF-8 validation.
 *
 * Every byte the engine tokenizes passes through here first, so that later
 * stages may assume well-formed text and so that bad input is reported once,
 * at a precise byte offset, instead of turning into garbage tokens.  "Strict"
 * means exactly the Unicode definition (RFC 3629 / Unicode table 3-7):
 * shortest-form sequences only, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF.  In addition the NUL byte is rejected, because buffers are also
 * handed to C string APIs and an embedded NUL would silently cut text short.
 *
 * Contract: mz_utf8_check never reads past s[n-1] (s need not be
 * NUL-terminated; s may be NULL when n is 0).  On failure *bad_offset is the
 * offset of the first byte of the first bad sequence and *why points to a
 * static string; either out-pointer may be NULL.  A multi-byte sequence whose
 * continuation bytes are missing (end of buffer or a non-continuation byte) is
 * "truncated sequence"; only a structurally complete sequence is classified as
 * overlong, surrogate or above U+10FFFF.  Runs of ASCII and two-byte
 * characters (Arabic) are scanned a word at a time. */
#ifndef MZ_UTF8_H
#define MZ_UTF8_H

#include <stddef.h>

/* Returns 0 if s[0..n) is valid UTF-8 without NUL bytes, else -1. */
int mz_utf8_check(const char *s, size_t n, size_t *bad_offset,
                  const char **why);

/* Bytes of the no-break or fixed-width space at s[0..n) (U+00A0,
 * U+2000..U+200A, U+202F, U+205F, U+3000: NFKC makes each a space), or 0.
 * ASCII white space is each caller's own rule. */
size_t mz_utf8_wide_space(const char *s, size_t n);

#endif
