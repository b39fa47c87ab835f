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
#include "utf8.h"

struct mz_decoder {
    UConverter *cnv;
    char name[64];
    int utf8, ascii;
    int cp1256; /* Windows-1256 by any of its names */
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
    UConverter *w = ucnv_open("windows-1256", &s2);
    const char *wcanon = U_SUCCESS(s2) && w ? ucnv_getName(w, &s2) : NULL;
    d->cp1256 = U_SUCCESS(s2) && canon && wcanon && !strcmp(canon, wcanon);
    if (w) ucnv_close(w);
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

/* Windows-1256's Arabic letters (hamza to yeh, less the few Latin and
 * symbol positions among them) and its harakat. */
static int cp1256_arabic(unsigned char b)
{
    if (b >= 0xC1 && b <= 0xDF) return b != 0xD7;
    if (b == 0xE1 || (b >= 0xE3 && b <= 0xE6) || b == 0xEC || b == 0xED) return 1;
    return (b >= 0xF0 && b <= 0xF3) || b == 0xF5 || b == 0xF6 || b == 0xF8 || b == 0xFA;
}

/* Windows-1256's Latin letters among its Arabic ones (à â ç è é ê ë î ï ô
 * ù û ü), where ISO-8859-6 has ـ ق ه و ى ي and harakat. */
static int cp1256_latin(unsigned char b)
{
    return b == 0xE0 || b == 0xE2 || (b >= 0xE7 && b <= 0xEB) || b == 0xEE || b == 0xEF || b == 0xF4 || b == 0xF9 ||
           b == 0xFB || b == 0xFC;
}

/* ISO-8859-6's Arabic letters and harakat. */
static int iso_8859_6_arabic(unsigned char b) { return (b >= 0xC1 && b <= 0xDA) || (b >= 0xE0 && b <= 0xF2); }

/* ISO-8859-6's assigned bytes beyond ASCII (C1 controls left out: no text
 * holds them). */
static int iso_8859_6_assigned(unsigned char b)
{
    return b == 0xA0 || b == 0xA4 || b == 0xAC || b == 0xAD || b == 0xBB || b == 0xBF || iso_8859_6_arabic(b);
}

/* 1 when s reads as ISO-8859-6 rather than Windows-1256: every byte is one
 * ISO-8859-6 assigns (Windows-1256 Arabic nearly always has ـ ف ق ك or غ,
 * at bytes ISO-8859-6 leaves out), and read as Windows-1256, Latin
 * letters stand inside Arabic words, two at least and one for every twelve
 * Arabic letters, as ISO-8859-6's و ي ه read so become è ê ç: a French
 * word glued to an Arabic article (الété) is one such letter.  Measured on
 * texts and titles of the training corpora (the annotated stance corpus,
 * Mawqif, an ANT shard; 3,000 records each): none of 13,895 written in
 * Windows-1256 is taken for ISO-8859-6, and 13,095 of 13,209 written in
 * ISO-8859-6 are (the rest are too short to tell). */
static int reads_as_iso_8859_6(const char *s, size_t n)
{
    const unsigned char *b = (const unsigned char *)s;
    size_t arabic = 0, inside = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x80 && !iso_8859_6_assigned(b[i])) return 0;
        if (cp1256_arabic(b[i])) arabic++;
        else if (cp1256_latin(b[i]) && ((i > 0 && cp1256_arabic(b[i - 1])) || (i + 1 < n && cp1256_arabic(b[i + 1]))))
            inside++;
    }
    return inside >= 2 && inside * 12 >= arabic;
}

/* 1 when s holds bytes over 0x7F and is valid UTF-8 all the same: UTF-8
 * text, which any single-byte decoding would turn into other letters
 * (Arabic in Windows-1256 or ISO-8859-6 is never valid UTF-8: its letters
 * are lead bytes that no continuation byte follows). */
static int utf8_beyond_ascii(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (unsigned char)s[i] < 0x80) i++;
    return i < n && mz_utf8_check(s, n, NULL, NULL) == 0;
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
        /* the mark is no part of the text (a copy without it is the same
         * text); where the rest is no UTF-8, kept, so that the check that
         * follows names the bad byte where the file has it */
        if (mz_utf8_check(*buf + 3, *len - 3, NULL, NULL) == 0) {
            memmove(*buf, *buf + 3, *len - 3 + 1);
            *len -= 3;
        }
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
        /* a decoding that succeeds and gives other letters is the one
         * mistake that would pass silently: said instead */
        if (d->ascii && utf8_beyond_ascii(*buf, *len))
            return mz_fail(e, "the text is UTF-8, not %s: leave --encoding out for it", d->name);
        if (d->cp1256 && reads_as_iso_8859_6(*buf, *len))
            return mz_fail(e, "the text reads as iso-8859-6, not %s (Latin letters inside Arabic words): try "
                              "--encoding iso-8859-6", d->name);
        if (decode(d->cnv, d->name, *buf, *len, &out, &n, e) != 0) return -1;
    } else {
        return 0;
    }
    free(*buf);
    *buf = out;
    *len = n;
    return 0;
}

size_t mz_read_cap(size_t max) { return max > SIZE_MAX / 4 ? SIZE_MAX : max * 4; }

int mz_read_over(const mz_decoder *d, const char *buf, size_t len, size_t max)
{
    if (len <= max) return 0;
    const char *bom = mz_bom(buf, len);
    if (bom && strcmp(bom, "utf-8")) return 0;
    return !d || d->utf8 || d->ascii;
}

int mz_read_text_file(const char *path, int listed, const mz_decoder *d, size_t max, char **buf, size_t *len,
                      mz_err *e)
{
    int rc = (listed ? mz_read_regular : mz_read_file)(path, mz_read_cap(max), buf, len, e), over = 0;
    if (rc == 0 && mz_read_over(d, *buf, *len, max)) {
        free(*buf);
        *buf = NULL;
        *len = 0;
        rc = -1, over = 1;
    }
    if (rc != 0 && (over || strstr(e->msg, "larger than")))
        return mz_fail(e, "%s: file is larger than the limit of %zu bytes", path, max);
    return rc;
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

void mz_hint_encoding(const char *s, size_t n, mz_err *e)
{
    if (strstr(e->msg, "UTF-8")) mz_hint_guess(mz_guess_encoding(s, n), e);
}

void mz_hint_guess(const char *guess, mz_err *e)
{
    if (!guess) return;
    char m[MZ_ERR_MAX];
    snprintf(m, sizeof m, "%s", e->msg);
    /* UTF-16 reaches here only as a stream (a file is decoded by its mark),
     * which no --encoding reads line by line */
    if (!strcmp(guess, "utf-16") || !strcmp(guess, "utf-32"))
        mz_fail(e, "%s; it is %s: convert it to UTF-8 first (iconv -f %s -t utf-8)", m,
                guess[4] == '1' ? "UTF-16" : "UTF-32", guess);
    else if (!strncmp(guess, "utf-16", 6))
        /* a stream's lines after the first start on the newline's second
         * byte, where little-endian reads as big-endian: both are named */
    {
        const char *other = guess[6] == 'l' ? "utf-16be" : "utf-16le";
        mz_fail(e, "%s; it reads as UTF-16 without a byte-order mark: try --encoding %s or %s (a JSONL stream: convert "
                   "it to UTF-8 first, iconv -f %s or %s -t utf-8)", m, guess, other, guess, other);
    }
    else mz_fail(e, "%s; it reads as %s: try --encoding %s", m, guess, guess);
}

const char *mz_guess_encoding(const char *s, size_t n)
{
    if (utf32_bom(s, n)) return "utf-32";
    if (utf16_bom(s, n)) return "utf-16";
    /* UTF-16 without its mark: Arabic letters are xx 06 and ASCII xx 00,
     * so the bytes of one of the two positions are nearly all 06 and 00
     * (punctuation such as “ ” — is xx 20) (a Windows tool's "Unicode"
     * export, its mark cut off by another) */
    size_t look = n < 4096 ? n & ~(size_t)1 : 4096, lo = 0, hi = 0, six = 0, pairs = look / 2;
    for (size_t i = 0; i + 1 < look; i += 2) {
        unsigned char a = (unsigned char)s[i], b = (unsigned char)s[i + 1];
        lo += b == 0x00 || b == 0x06, hi += a == 0x00 || a == 0x06;
        six += a == 0x06 || b == 0x06;
    }
    if (pairs >= 4 && six * 4 >= pairs) {
        if (lo * 10 >= pairs * 9 && hi * 4 < pairs) return "utf-16le";
        if (hi * 10 >= pairs * 9 && lo * 4 < pairs) return "utf-16be";
    }
    size_t high = 0, arabic = 0, iso = 0, space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b >= 0x80) high++, arabic += cp1256_arabic(b), iso += iso_8859_6_arabic(b);
        else space += b == ' ';
    }
    /* words of Arabic letters between spaces, as prose is, in either */
    if (high < 4 || space * 20 < high) return NULL;
    if (reads_as_iso_8859_6(s, n)) return iso * 10 >= high * 8 ? "iso-8859-6" : NULL;
    return arabic * 10 >= high * 8 ? "windows-1256" : NULL;
}
