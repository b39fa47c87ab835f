/* jsonscan.c — see jsonscan.h.
 *
 * A loop over three states (a value is expected, a member's key is
 * expected, a value has ended) with the open containers on a fixed stack:
 * the grammar of RFC 8259 and nothing more.  A member asked for is marked
 * when its key is read at the top level; its value's span closes when the
 * scan is back at the top level after that value. */
#include "jsonscan.h"

#include <cJSON.h>

#include <string.h>

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

static int is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* The value of four hex digits at p (checked before). */
static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) v = v << 4 | (unsigned)(p[k] <= '9' ? p[k] - '0' : (p[k] | 0x20) - 'a' + 10);
    return v;
}

/* A string from its opening quote at s[i]; the offset after its closing
 * quote, or 0 with *bad and *why set.  A \u escape of half a surrogate
 * pair without its other half is refused here: it spells no character,
 * and cJSON refuses it with no reason given. */
static size_t string_end(const char *s, size_t n, size_t i, size_t *bad, const char **why)
{
    for (i++; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') return i + 1;
        if (c < 0x20) {
            *bad = i, *why = "control character in a string (escape it)";
            return 0;
        }
        if (c != '\\') continue;
        if (i + 1 >= n) break;
        char x = s[++i];
        if (x == 'u') {
            for (int k = 1; k <= 4; k++)
                if (i + (size_t)k >= n || !is_hex(s[i + (size_t)k])) {
                    *bad = i - 1, *why = "bad \\u escape";
                    return 0;
                }
            unsigned v = hex4(s + i + 1);
            int low_next = i + 10 < n && s[i + 5] == '\\' && s[i + 6] == 'u' && is_hex(s[i + 7]) && is_hex(s[i + 8]) &&
                           is_hex(s[i + 9]) && is_hex(s[i + 10]) && hex4(s + i + 7) >= 0xDC00 &&
                           hex4(s + i + 7) <= 0xDFFF;
            if ((v >= 0xD800 && v <= 0xDBFF && !low_next) || (v >= 0xDC00 && v <= 0xDFFF)) {
                *bad = i - 1, *why = "a \\u escape of half a surrogate pair";
                return 0;
            }
            i += v >= 0xD800 && v <= 0xDBFF ? 10 : 4;
        } else if (!strchr("\"\\/bfnrt", x) || x == '\0') {
            *bad = i - 1, *why = "bad escape in a string";
            return 0;
        }
    }
    *bad = n, *why = "unterminated string";
    return 0;
}

/* A number at s[i]; the offset after it, or 0 with *bad and *why set. */

/* 1 when the string body r[0..rn) (escapes checked by string_end) spells
 * key once its escapes are decoded: "te\u0078t" is the key "text", which
 * cJSON would read as such. */
static int key_is(const char *r, size_t rn, const char *key)
{
    size_t kl = strlen(key);
    if (!memchr(r, '\\', rn)) return rn == kl && !memcmp(r, key, kl);
    size_t i = 0, j = 0;
    while (i < rn) {
        unsigned char out[4];
        size_t on = 1;
        if (r[i] != '\\') {
            out[0] = (unsigned char)r[i++];
        } else {
            char c = r[i + 1];
            i += 2;
            if (c != 'u') {
                static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
                const char *f = strchr(from, c);
                if (!f) return 0;
                out[0] = (unsigned char)to[f - from];
            } else {
                unsigned u = hex4(r + i);
                i += 4;
                if (u >= 0xD800 && u < 0xDC00 && i + 6 <= rn && r[i] == '\\' && r[i + 1] == 'u') {
                    unsigned lo = hex4(r + i + 2);
                    if (lo < 0xDC00 || lo > 0xDFFF) return 0;
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                } else if (u >= 0xD800 && u < 0xE000) {
                    return 0; /* a lone surrogate names no key */
                }
                if (u < 0x80) out[0] = (unsigned char)u;
                else if (u < 0x800) out[0] = (unsigned char)(0xC0 | u >> 6), out[1] = (unsigned char)(0x80 | (u & 0x3F)), on = 2;
                else if (u < 0x10000)
                    out[0] = (unsigned char)(0xE0 | u >> 12), out[1] = (unsigned char)(0x80 | (u >> 6 & 0x3F)),
                    out[2] = (unsigned char)(0x80 | (u & 0x3F)), on = 3;
                else
                    out[0] = (unsigned char)(0xF0 | u >> 18), out[1] = (unsigned char)(0x80 | (u >> 12 & 0x3F)),
                    out[2] = (unsigned char)(0x80 | (u >> 6 & 0x3F)), out[3] = (unsigned char)(0x80 | (u & 0x3F)), on = 4;
            }
        }
        if (j + on > kl || memcmp(key + j, out, on)) return 0;
        j += on;
    }
    return j == kl;
}

static size_t number_end(const char *s, size_t n, size_t i, size_t *bad, const char **why)
{
    size_t st = i;
    if (i < n && s[i] == '-') i++;
    if (i < n && s[i] == '0') {
        i++;
    } else if (i < n && s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    } else {
        *bad = st, *why = "bad number";
        return 0;
    }
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d) {
            *bad = st, *why = "bad number (no digit after the point)";
            return 0;
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d) {
            *bad = st, *why = "bad number (no digit in the exponent)";
            return 0;
        }
    }
    if (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
        *bad = st, *why = "bad number (a leading zero?)";
        return 0;
    }
    return i;
}

int mz_json_scan(const char *s, size_t n, const char *const *keys, size_t nkeys, mz_jspan *span, size_t *bad,
                 const char **why)
{
    char stack[MZ_JSON_MAX_DEPTH];
    size_t depth = 0, i = 0, pend_at = 0;
    long pend = -1; /* the key asked for whose value is being read */
    for (size_t k = 0; k < nkeys; k++) span[k].off = span[k].len = 0;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) i = 3; /* a file's mark, on its first line */
    enum { VALUE, KEY, AFTER } st = VALUE;
    for (;;) {
        i = skip_ws(s, n, i);
        if (st == VALUE) {
            if (i >= n) {
                *bad = i, *why = depth ? "unexpected end (unclosed object or array)" : "no value";
                return -1;
            }
            char c = s[i];
            if (c == '{' || c == '[') {
                if (depth == MZ_JSON_MAX_DEPTH) {
                    *bad = i, *why = "nested too deep";
                    return -1;
                }
                stack[depth++] = c;
                size_t j = skip_ws(s, n, i + 1);
                if (j < n && s[j] == (c == '{' ? '}' : ']')) {
                    depth--;
                    i = j + 1;
                    st = AFTER;
                } else {
                    i++;
                    st = c == '{' ? KEY : VALUE;
                }
                continue;
            }
            size_t e;
            if (c == '"') e = string_end(s, n, i, bad, why);
            else if (c == '-' || (c >= '0' && c <= '9')) e = number_end(s, n, i, bad, why);
            else if (n - i >= 4 && !memcmp(s + i, "true", 4)) e = i + 4;
            else if (n - i >= 5 && !memcmp(s + i, "false", 5)) e = i + 5;
            else if (n - i >= 4 && !memcmp(s + i, "null", 4)) e = i + 4;
            else {
                *bad = i, *why = "unexpected character";
                return -1;
            }
            if (!e) return -1;
            i = e;
            st = AFTER;
            continue;
        }
        if (st == KEY) {
            if (i >= n || s[i] != '"') {
                *bad = i, *why = "expected a member's key (a string)";
                return -1;
            }
            size_t e = string_end(s, n, i, bad, why);
            if (!e) return -1;
            if (depth == 1)
                for (size_t k = 0; k < nkeys; k++) {
                    if (!key_is(s + i + 1, e - i - 2, keys[k])) continue;
                    if (span[k].len) {
                        /* readers take the first, cJSON too: the second
                         * would be dropped without a word */
                        *bad = i, *why = MZ_JSON_TWICE;
                        return -1;
                    }
                    pend = (long)k;
                }
            i = skip_ws(s, n, e);
            if (i >= n || s[i] != ':') {
                *bad = i, *why = "expected ':' after a key";
                return -1;
            }
            i = skip_ws(s, n, i + 1);
            if (depth == 1) pend_at = i;
            st = VALUE;
            continue;
        }
        /* AFTER: a value has ended at i (before its trailing space) */
        if (depth == 1 && pend >= 0) {
            size_t e = i;
            while (e > pend_at && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r')) e--;
            span[pend].off = pend_at;
            span[pend].len = e - pend_at;
            pend = -1;
        }
        if (depth == 0) {
            if (i < n) {
                *bad = i, *why = "more after the value";
                return -1;
            }
            return 0;
        }
        if (i >= n) {
            *bad = i, *why = "unexpected end (unclosed object or array)";
            return -1;
        }
        char top = stack[depth - 1];
        if (s[i] == ',') {
            i++;
            st = top == '{' ? KEY : VALUE;
        } else if (s[i] == (top == '{' ? '}' : ']')) {
            depth--;
            i++;
            st = AFTER;
        } else {
            *bad = i, *why = top == '{' ? "expected ',' or '}'" : "expected ',' or ']'";
            return -1;
        }
    }
}

int mz_json_nul_escape(const char *s, size_t n, int *any_u)
{
    const char *p = s, *end = s + n;
    if (any_u) *any_u = 0;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL && p + 1 < end) {
        if (p[1] == 'u') {
            if (any_u) *any_u = 1;
            if (end - p >= 6 && memcmp(p + 2, "0000", 4) == 0) return 1;
        }
        p += 2;
    }
    return 0;
}

cJSON *mz_json_parse_one(const char *s, size_t n, const char **bad, int *more)
{
    const char *end = NULL;
    if (bad) *bad = NULL;
    if (more) *more = 0;
    cJSON *j = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    if (!j) {
        /* on failure cJSON leaves its error position there too */
        if (bad && end >= s && end <= s + n) *bad = end;
        return NULL;
    }
    const char *p = end ? end : s + n;
    while (p < s + n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    if (p < s + n) {
        cJSON_Delete(j);
        if (bad) *bad = p;
        if (more) *more = 1;
        return NULL;
    }
    return j;
}
