/* jsonout.c — see jsonout.h. */
#include "jsonout.h"

#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mz_buf_free(mz_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

void mz_buf_reset(mz_buf *b)
{
    b->n = 0;
    b->oom = 0;
}

static int reserve(mz_buf *b, size_t more)
{
    if (b->oom) return -1;
    if (b->n + more + 1 <= b->cap) return 0;
    size_t c = b->cap ? b->cap : 1024;
    while (c < b->n + more + 1) c *= 2;
    char *s = realloc(b->s, c);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = c;
    return 0;
}

void mz_buf_put(mz_buf *b, const char *s, size_t n)
{
    if (reserve(b, n)) return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void mz_buf_puts(mz_buf *b, const char *s) { mz_buf_put(b, s, strlen(s)); }

size_t mz_buf_cell(mz_buf *b, const char *s, size_t width, int cut, int right)
{
    size_t bytes = 0, cps = 0;
    while (s[bytes] && !(cut && cps == width)) {
        bytes++;
        while (((unsigned char)s[bytes] & 0xC0) == 0x80) bytes++;
        cps++;
    }
    for (size_t i = cps; right && i < width; i++) mz_buf_put(b, " ", 1);
    mz_buf_put(b, s, bytes);
    for (size_t i = cps; !right && i < width; i++) mz_buf_put(b, " ", 1);
    return cps;
}

void mz_buf_printf(mz_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if ((size_t)k < sizeof tmp) {
        mz_buf_put(b, tmp, (size_t)k);
        return;
    }
    if (reserve(b, (size_t)k)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

static void raw_json_str(mz_buf *b, const char *s, size_t n);

/* Run put over s, with every byte that is not valid UTF-8 (file names can
 * hold any) or is a NUL replaced by U+FFFD, so every line written is valid
 * UTF-8. */
static void put_clean(mz_buf *b, const char *s, size_t n, void (*put)(mz_buf *, const char *, size_t))
{
    size_t bad;
    const char *why;
    if (mz_utf8_check(s, n, &bad, &why) == 0) {
        put(b, s, n);
        return;
    }
    char *clean = malloc(n * 3 + 1);
    if (!clean) {
        b->oom = 1;
        return;
    }
    size_t i = 0, o = 0;
    while (i < n) {
        if (mz_utf8_check(s + i, n - i, &bad, &why) == 0) bad = n - i;
        memcpy(clean + o, s + i, bad);
        o += bad;
        i += bad;
        if (i < n) {
            memcpy(clean + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    put(b, clean, o);
    free(clean);
}

void mz_buf_json_str(mz_buf *b, const char *s, size_t n) { put_clean(b, s, n, raw_json_str); }

/* Bytes of a line break or control character in UTF-8 at s[i..n): 1 for
 * C0 and DEL, 2 for C1 (NEL among them), 3 for U+2028/U+2029, which
 * Unicode-aware readers split lines at; 0 for anything else.  s is valid
 * UTF-8. */
static size_t control_at(const unsigned char *s, size_t i, size_t n)
{
    if (s[i] < 0x20 || s[i] == 0x7F) return 1;
    if (s[i] == 0xC2 && i + 1 < n && s[i + 1] <= 0x9F) return 2;
    if (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) return 3;
    return 0;
}

static void raw_tsv_cell(mz_buf *b, const char *s, size_t n)
{
    if (reserve(b, n)) return;
    char *o = b->s + b->n;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = control_at(u, i, n);
        if (k) {
            *o++ = ' ';
            i += k;
        } else {
            *o++ = s[i++];
        }
    }
    b->n = (size_t)(o - b->s);
    b->s[b->n] = '\0';
}

void mz_buf_tsv_cell(mz_buf *b, const char *s, size_t n) { put_clean(b, s, n, raw_tsv_cell); }

void mz_buf_tsv_quote_row(mz_buf *b, size_t start)
{
    if (b->oom || start > b->n) return;
    size_t quotes = 0, opening = 0;
    for (size_t i = start; i < b->n; i++) {
        quotes += b->s[i] == '"';
        opening += b->s[i] == '"' && (i == start || b->s[i - 1] == '\t');
    }
    if (!opening) return;
    size_t len = b->n - start;
    char *row = malloc(len + 1);
    if (!row || reserve(b, quotes + 2 * opening)) {
        free(row);
        b->oom = 1;
        return;
    }
    memcpy(row, b->s + start, len);
    char *o = b->s + start;
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && row[end] != '\t' && row[end] != '\n') end++;
        if (row[i] == '"') {
            *o++ = '"';
            for (size_t k = i; k < end; k++) {
                if (row[k] == '"') *o++ = '"';
                *o++ = row[k];
            }
            *o++ = '"';
        } else {
            memcpy(o, row + i, end - i);
            o += end - i;
        }
        if (end < len) *o++ = row[end++];
        i = end;
    }
    free(row);
    b->n = (size_t)(o - b->s);
    b->s[b->n] = '\0';
}

/* A JSON value copied as written, from a line no strict reader may have
 * accepted: inside strings a control character is escaped, outside them
 * white space of any kind becomes a space, so the copy never breaks the
 * output line, whatever the input line held. */
static void raw_json_value(mz_buf *b, const char *s, size_t n)
{
    if (reserve(b, n * 6)) return;
    char *o = b->s + b->n;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (in_str && c == '\\' && i + 1 < n && (unsigned char)s[i + 1] >= 0x20) {
            *o++ = (char)c;
            *o++ = s[++i];
            continue;
        }
        if (c == '"') in_str = !in_str;
        if (c < 0x20 || c == 0x7F) {
            if (in_str) o += sprintf(o, "\\u%04x", c);
            else *o++ = ' ';
        } else {
            *o++ = (char)c;
        }
    }
    b->n = (size_t)(o - b->s);
    b->s[b->n] = '\0';
}

void mz_buf_json_raw(mz_buf *b, const char *s, size_t n) { put_clean(b, s, n, raw_json_value); }

static void raw_json_str(mz_buf *b, const char *s, size_t n)
{
    if (reserve(b, n * 6 + 2)) return;
    char *o = b->s + b->n;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': *o++ = '\\'; *o++ = 'n'; break;
            case '\t': *o++ = '\\'; *o++ = 't'; break;
            case '\r': *o++ = '\\'; *o++ = 'r'; break;
            default: o += sprintf(o, "\\u%04x", c); break;
            }
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    b->n = (size_t)(o - b->s);
    b->s[b->n] = '\0';
}

void mz_buf_num(mz_buf *b, double v, int decimals)
{
    static const double p10[10] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (!isfinite(v)) v = 0;
    /* the same exact powers pow() gives, without its call per number */
    double r = decimals >= 0 && decimals <= 9 ? p10[decimals] : pow(10, decimals);
    double q = round(v * r);
    /* Every output line holds a dozen or more of these and printf's
     * conversion showed in profiles.  q / r is the double nearest the
     * decimal q·10^-decimals, and printed with `decimals` places it gives
     * q's digits back while |q| < 10^15 (15 digits survive a double), so
     * the digits of q are written directly; the tests compare with printf. */
    if (decimals >= 1 && decimals <= 9 && fabs(q) < 1e15) {
        char tmp[32], *e = tmp + sizeof tmp, *o = e;
        long long n = (long long)q;
        unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
        for (int d = 0; d < decimals; d++, u /= 10) *--o = (char)('0' + u % 10);
        *--o = '.';
        do *--o = (char)('0' + u % 10); while (u /= 10);
        if (n < 0) *--o = '-'; /* q == 0 is never "-0.0000" */
        mz_buf_put(b, o, (size_t)(e - o));
        return;
    }
    v = q / r;
    if (v == 0) v = 0; /* no "-0.0000" */
    mz_buf_printf(b, "%.*f", decimals, v);
}
