/* encoding.c — see encoding.h.
 *
 * Decoding is two ICU steps: bytes to UTF-16 by the converter (its "stop"
 * callback turns an undefined sequence into an error instead of U+FFFD),
 * then UTF-16 to UTF-8.  A single-byte encoding makes one UTF-16 unit per
 * byte; no converter makes more than two, which bounds the buffer. */
#include "encoding.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>

#include "fsutil.h"

struct mz_decoder {
    UConverter *cnv;
    char name[64];
    int utf8, ascii;
};

/* ASCII bytes that line readers and JSON depend on: each must decode to
 * itself for a line to be decoded alone. */
static int ascii_compatible(UConverter *c)
{
    if (ucnv_getMinCharSize(c) != 1) return 0;
    char in[128];
    size_t n = 0;
    for (int b = 1; b < 128; b++) in[n++] = (char)b;
    UChar out[256];
    UErrorCode st = U_ZERO_ERROR;
    ucnv_resetToUnicode(c);
    int32_t k = ucnv_toUChars(c, out, 256, in, (int32_t)n, &st);
    ucnv_resetToUnicode(c);
    if (U_FAILURE(st) || k != (int32_t)n) return 0;
    for (size_t i = 0; i < n; i++)
        if (out[i] != (UChar)(unsigned char)in[i]) return 0;
    return 1;
}

mz_decoder *mz_decoder_new(const char *name, mz_err *e)
{
    if (!name || !*name || strlen(name) >= 64) {
        mz_fail(e, "--encoding: expected an encoding name such as windows-1256, got '%s'", name ? name : "");
        return NULL;
    }
    UErrorCode st = U_ZERO_ERROR;
    UConverter *c = ucnv_open(name, &st);
    if (U_FAILURE(st) || !c) {
        if (c) ucnv_close(c);
        mz_fail(e, "--encoding: unknown encoding '%s' (for Arabic: windows-1256, iso-8859-6, utf-16)", name);
        return NULL;
    }
    ucnv_setToUCallBack(c, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    mz_decoder *d = calloc(1, sizeof *d);
    if (!d || U_FAILURE(st)) {
        ucnv_close(c);
        free(d);
        mz_fail(e, "out of memory");
        return NULL;
    }
    d->cnv = c;
    snprintf(d->name, sizeof d->name, "%s", name);
    UErrorCode s2 = U_ZERO_ERROR;
    const char *canon = ucnv_getName(c, &s2);
    d->utf8 = U_SUCCESS(s2) && canon && !strcmp(canon, "UTF-8");
    d->ascii = ascii_compatible(c);
    return d;
}

void mz_decoder_free(mz_decoder *d)
{
    if (!d) return;
    ucnv_close(d->cnv);
    free(d);
}

int mz_decoder_utf8(const mz_decoder *d) { return d->utf8; }
int mz_decoder_ascii(const mz_decoder *d) { return d->ascii; }
const char *mz_decoder_name(const mz_decoder *d) { return d->name; }

/* in[0..n) in the converter's encoding to a malloc'd UTF-8 string. */
static int decode(UConverter *c, const char *name, const char *in, size_t n, char **out, size_t *outlen, mz_err *e)
{
    if (n > (size_t)INT32_MAX / 4) return mz_fail(e, "text too large to decode");
    UChar *u = malloc((2 * n + 2) * sizeof *u);
    if (!u) return mz_fail(e, "out of memory");
    UErrorCode st = U_ZERO_ERROR;
    ucnv_resetToUnicode(c);
    const char *src = in;
    UChar *dst = u;
    ucnv_toUnicode(c, &dst, u + 2 * n + 2, &src, in + n, NULL, 1, &st);
    if (U_FAILURE(st)) {
        /* src is past the bad sequence; the converter kept its bytes */
        char bad[32];
        int8_t nb = (int8_t)sizeof bad;
        UErrorCode s2 = U_ZERO_ERROR;
        ucnv_getInvalidChars(c, bad, &nb, &s2);
        size_t at = (size_t)(src - in);
        if (U_SUCCESS(s2) && nb > 0 && (size_t)nb <= at) at -= (size_t)nb;
        ucnv_resetToUnicode(c);
        free(u);
        return mz_fail(e, "not valid %s at byte %zu%s", name, at,
                       st == U_TRUNCATED_CHAR_FOUND ? " (truncated sequence)" : "");
    }
    int32_t ulen = (int32_t)(dst - u), need = 0;
    st = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &need, u, ulen, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
        free(u);
        return mz_fail(e, "not valid %s (an unpaired surrogate)", name);
    }
    char *o = malloc((size_t)need + 1);
    if (!o) {
        free(u);
        return mz_fail(e, "out of memory");
    }
    st = U_ZERO_ERROR;
    u_strToUTF8(o, need + 1, NULL, u, ulen, &st);
    free(u);
    if (U_FAILURE(st)) {
        free(o);
        return mz_fail(e, "not valid %s (an unpaired surrogate)", name);
    }
    o[need] = '\0';
    *out = o;
    *outlen = (size_t)need;
    return 0;
}

static int utf16_bom(const char *s, size_t n)
{
    const unsigned char *b = (const unsigned char *)s;
    return n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF));
}

/* FF FE 00 00 also starts UTF-16LE, but only before a U+0000, which no
 * text holds: it is UTF-32's mark */
static int utf32_bom(const char *s, size_t n)
{
    const unsigned char *b = (const unsigned char *)s;
    return n >= 4 && ((b[0] == 0xFF && b[1] == 0xFE && !b[2] && !b[3]) || (!b[0] && !b[1] && b[2] == 0xFE && b[3] == 0xFF));
}

const char *mz_bom(const char *s, size_t n)
{
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) return "utf-8";
    return utf32_bom(s, n) ? "utf-32" : utf16_bom(s, n) ? "utf-16" : NULL;
}

int mz_text_utf8(mz_decoder *d, char **buf, size_t *len, mz_err *e)
{
    char *out;
    size_t n;
    /* a byte-order mark outranks --encoding: a folder of Windows-1256
     * files may hold some saved as UTF-8 or UTF-16 since, and no Arabic
     * text in a code page begins with those bytes */
    int utf8_bom = *len >= 3 && !memcmp(*buf, "\xEF\xBB\xBF", 3);
    if (utf8_bom) {
        return 0;
    } else if (utf16_bom(*buf, *len) || utf32_bom(*buf, *len)) {
        const char *cs = utf32_bom(*buf, *len) ? "UTF-32" : "UTF-16";
        UErrorCode st = U_ZERO_ERROR;
        UConverter *c = ucnv_open(cs, &st);
        if (U_SUCCESS(st)) ucnv_setToUCallBack(c, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
        if (U_FAILURE(st) || !c) {
            if (c) ucnv_close(c);
            return mz_fail(e, "out of memory");
        }
        int rc = decode(c, cs, *buf, *len, &out, &n, e);
        ucnv_close(c);
        if (rc != 0) return -1;
    } else if (d && !d->utf8) {
        if (decode(d->cnv, d->name, *buf, *len, &out, &n, e) != 0) return -1;
    } else {
        return 0;
    }
    free(*buf);
    *buf = out;
    *len = n;
    return 0;
}

#define WHOLE_MAX ((size_t)512 << 20)

FILE *mz_text_open(const char *path, mz_decoder *d, int *lines, mz_err *e)
{
    int is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    *lines = 0;
    if (!f) {
        mz_fail(e, "%s: cannot open: %m", path);
        return NULL;
    }
    /* the first bytes, where the file can be read again from its start;
     * read with pread, as line readers read the descriptor itself and a
     * stdio read would move its offset */
    unsigned char head[4] = {0, 0, 0, 0};
    size_t nh = 0;
    ssize_t k = is_stdin ? -1 : pread(fileno(f), head, 4, 0);
    int seekable = k >= 0;
    if (k > 0) nh = (size_t)k;
    const char *bom = mz_bom((const char *)head, nh);
    int bom8 = bom && !strcmp(bom, "utf-8");
    int bom16 = bom && !bom8; /* UTF-16's or UTF-32's mark, which outranks --encoding */
    int other = d && !d->utf8;
    if (bom8 || (!bom16 && !other)) return f;
    if (!bom16 && d->ascii) {
        *lines = 1;
        return f;
    }
    const char *enc = bom16 ? bom : d->name;
    if (!seekable) {
        if (!is_stdin) fclose(f);
        mz_fail(e, "%s: a stream in %s cannot be read line by line; convert it to UTF-8 first (iconv -f %s -t utf-8)",
                name, enc, enc);
        return NULL;
    }
    /* a UTF-16 file (a spreadsheet's "Unicode text"): decoded whole */
    fclose(f);
    char *buf;
    size_t n;
    if (mz_read_file(path, WHOLE_MAX, &buf, &n, e) != 0) {
        if (strstr(e->msg, "larger than"))
            mz_fail(e, "%s: larger than %zu MiB, the most decoded whole; convert it to UTF-8 first (iconv -f %s -t utf-8)",
                    path, WHOLE_MAX >> 20, enc);
        return NULL;
    }
    if (mz_text_utf8(bom16 ? NULL : d, &buf, &n, e) != 0) {
        free(buf);
        mz_wrap(e, "%s: ", path);
        return NULL;
    }
    FILE *t = tmpfile();
    if (!t || fwrite(buf, 1, n, t) != n || fflush(t) != 0 || fseek(t, 0, SEEK_SET) != 0) {
        if (t) fclose(t);
        free(buf);
        mz_fail(e, "%s: cannot write a temporary file for its UTF-8 text: %m", path);
        return NULL;
    }
    free(buf);
    return t;
}

/* Windows-1256's Arabic letters (hamza to yeh, less the few Latin and
 * symbol positions among them) and its harakat. */
static int cp1256_arabic(unsigned char b)
{
    if (b >= 0xC1 && b <= 0xDF) return b != 0xD7;
    if (b == 0xE1 || (b >= 0xE3 && b <= 0xE6) || b == 0xEC || b == 0xED) return 1;
    return (b >= 0xF0 && b <= 0xF3) || b == 0xF5 || b == 0xF6 || b == 0xF8 || b == 0xFA;
}

void mz_hint_encoding(const char *s, size_t n, mz_err *e)
{
    const char *guess = strstr(e->msg, "UTF-8") ? mz_guess_encoding(s, n) : NULL;
    if (!guess) return;
    char m[MZ_ERR_MAX];
    snprintf(m, sizeof m, "%s", e->msg);
    /* UTF-16 reaches here only as a stream (a file is decoded by its mark),
     * which no --encoding reads line by line */
    if (!strcmp(guess, "utf-16") || !strcmp(guess, "utf-32"))
        mz_fail(e, "%s; it is %s: convert it to UTF-8 first (iconv -f %s -t utf-8)", m,
                guess[4] == '1' ? "UTF-16" : "UTF-32", guess);
    else mz_fail(e, "%s; it reads as %s: try --encoding %s", m, guess, guess);
}

const char *mz_guess_encoding(const char *s, size_t n)
{
    if (utf32_bom(s, n)) return "utf-32";
    if (utf16_bom(s, n)) return "utf-16";
    size_t high = 0, arabic = 0, space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b >= 0x80) high++, arabic += cp1256_arabic(b);
        else space += b == ' ';
    }
    /* words of Arabic letters between spaces, as prose is */
    return high >= 4 && arabic * 10 >= high * 8 && space * 20 >= high ? "windows-1256" : NULL;
}
