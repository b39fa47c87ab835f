/* normalize.c — see normalize.h.
 *
 * Speed matters here (every byte of every article passes through), so NFKC
 * runs only on the suffix that ICU's quick check cannot prove is already
 * normalised — for ordinary Arabic news that is usually nothing — and the
 * folding of steps 2–5 is one pass with an ASCII/Arabic fast path before
 * any ICU property lookup. */
#include "normalize.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "utf8.h"

struct mz_normalizer {
    const UNormalizer2 *nfkc;
    UChar *a, *b; /* scratch: UTF-16 of the input, NFKC output */
    size_t acap, bcap;
};

mz_normalizer *mz_normalizer_new(mz_err *e)
{
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st)) {
        mz_fail(e, "ICU: cannot load NFKC data: %s", u_errorName(st));
        return NULL;
    }
    mz_normalizer *n = calloc(1, sizeof *n);
    if (!n) {
        mz_fail(e, "out of memory");
        return NULL;
    }
    n->nfkc = nfkc;
    return n;
}

void mz_normalizer_free(mz_normalizer *n)
{
    if (!n) return;
    free(n->a);
    free(n->b);
    free(n);
}

static int reserve(UChar **p, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    UChar *q = realloc(*p, c * sizeof *q);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* A buffer's capacity as ICU takes it: an int32_t, which a buffer grown by
 * doubling can pass; ICU is then told less room than there is, never more. */
static int32_t icu_cap(size_t cap) { return cap > (size_t)INT32_MAX ? INT32_MAX : (int32_t)cap; }

int mz_normalize(mz_normalizer *n, const char *utf8, size_t len,
                 const UChar **out, size_t *outlen, mz_err *e)
{
    if (len > (size_t)INT32_MAX / 2) return mz_fail(e, "text too large to normalise (%zu bytes)", len);
    /* UTF-16 never needs more units than UTF-8 has bytes. */
    if (reserve(&n->a, &n->acap, len + 1) != 0) return mz_fail(e, "out of memory");
    UErrorCode st = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(n->a, icu_cap(n->acap), &ulen, utf8, (int32_t)len, &st);
    if (U_FAILURE(st)) return mz_fail(e, "ICU: UTF-8 conversion failed: %s", u_errorName(st));
    /* The presentation forms of the harakat and of shadda with a haraka
     * (U+FE70-FE7F, U+FC5E-FC63) are dropped before NFKC, which would make
     * the isolated ones a space and a mark: the mark goes, and the space
     * would cut the word in two. */
    int32_t kept = 0;
    for (int32_t i = 0; i < ulen; i++) {
        UChar c = n->a[i];
        if ((c >= 0xFE70 && c <= 0xFE7F) || (c >= 0xFC5E && c <= 0xFC63)) continue;
        n->a[kept++] = c;
    }
    ulen = kept;

    const UChar *src = n->a;
    int32_t srclen = ulen;
    int32_t span = unorm2_spanQuickCheckYes(n->nfkc, n->a, ulen, &st);
    if (U_FAILURE(st)) return mz_fail(e, "ICU: NFKC check failed: %s", u_errorName(st));
    if (span < ulen) {
        /* NFKC can expand (ligatures such as U+FDFA become many letters);
         * 18x is ICU's documented worst case per code point. */
        size_t need = (size_t)span + (size_t)(ulen - span) * 18 + 1;
        if (need > (size_t)INT32_MAX) return mz_fail(e, "text too large to normalise (%zu bytes)", len);
        if (reserve(&n->b, &n->bcap, need) != 0) return mz_fail(e, "out of memory");
        memcpy(n->b, n->a, (size_t)span * sizeof(UChar));
        int32_t rest = unorm2_normalize(n->nfkc, n->a + span, ulen - span, n->b + span,
                                        icu_cap(n->bcap - (size_t)span), &st);
        if (U_FAILURE(st)) return mz_fail(e, "ICU: NFKC failed: %s", u_errorName(st));
        src = n->b;
        srclen = span + rest;
    }
    /* Fold in place into whichever buffer is not the source, or into the
     * source itself: folding never lengthens the text, so writing behind the
     * read position is safe. */
    UChar *dst = (UChar *)src;
    size_t w = 0;
    for (int32_t i = 0; i < srclen; i++) {
        UChar c = src[i];
        /* the Arabic alphabet proper, most of every article: only tatweel
         * (U+0640, in its midst) is dropped, and only alef with hamza or
         * madda and alef maqsura fold */
        if (c >= 0x0621 && c <= 0x064A && c != 0x0640) {
            dst[w++] = (c == 0x0622 || c == 0x0623 || c == 0x0625) ? 0x0627 : c == 0x0649 ? 0x064A : c;
            continue;
        }
        if ((c >= 0x0600 || c == 0x00AD || c == 0x034F) && mz_norm_dropped(c)) continue;
        dst[w++] = mz_norm_fold(c);
    }
    *out = dst;
    *outlen = w;
    return 0;
}

int mz_normalize_utf8(mz_normalizer *n, const char *utf8, size_t len,
                      char **out, size_t *outlen, mz_err *e)
{
    size_t bad;
    const char *why;
    if (mz_utf8_check(utf8, len, &bad, &why) != 0)
        return mz_fail(e, "invalid UTF-8 at byte %zu: %s", bad, why);
    const UChar *u;
    size_t ul;
    if (mz_normalize(n, utf8, len, &u, &ul, e) != 0) return -1;
    size_t cap = ul * 3 + 1;
    if (cap > (size_t)INT32_MAX) return mz_fail(e, "text too large to normalise (%zu bytes)", len);
    char *s = malloc(cap);
    if (!s) return mz_fail(e, "out of memory");
    UErrorCode st = U_ZERO_ERROR;
    int32_t got = 0;
    u_strToUTF8(s, (int32_t)cap, &got, u, (int32_t)ul, &st);
    if (U_FAILURE(st)) {
        free(s);
        return mz_fail(e, "ICU: UTF-16 to UTF-8 failed: %s", u_errorName(st));
    }
    s[got] = '\0';
    *out = s;
    *outlen = (size_t)got;
    return 0;
}

/* mz_nfc_utf8: see normalize.h. */
int mz_nfc_utf8(const char *s, size_t l, char *buf, size_t n)
{
    size_t k = 0;
    while (k < l && (unsigned char)s[k] < 0x80) k++;
    if (k == l) { /* ASCII, as nearly every label is */
        if (l >= n) return 1;
        memcpy(buf, s, l + 1);
        return 0;
    }
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
    /* names are short: on the stack; a long --by value on the heap */
    UChar su[2048], sv[3 * 2048], *u = su, *v = sv; /* NFC makes at most three of one (U+1D160) */
    size_t cap = 2048;
    if (l >= 1 << 28) return 1;
    if (l >= 2048) {
        cap = l + 1;
        u = malloc(cap * sizeof *u);
        v = malloc(3 * cap * sizeof *v);
        if (!u || !v) {
            free(u == su ? NULL : u), free(v == sv ? NULL : v);
            return -1;
        }
    }
    int32_t ul = 0, vl = 0, bl = 0, rc = 0;
    u_strFromUTF8(u, (int32_t)cap, &ul, s, (int32_t)l, &st);
    if (U_FAILURE(st) || (size_t)ul >= cap) rc = -1;
    if (rc == 0) {
        vl = unorm2_normalize(nfc, u, ul, v, (int32_t)(3 * cap), &st);
        if (U_FAILURE(st) || (size_t)vl >= 3 * cap) rc = 1;
    }
    if (rc == 0) {
        u_strToUTF8(buf, (int32_t)(n < INT32_MAX ? n : INT32_MAX), &bl, v, vl, &st);
        if (st == U_BUFFER_OVERFLOW_ERROR || st == U_STRING_NOT_TERMINATED_WARNING || (size_t)bl >= n) rc = 1;
        else if (U_FAILURE(st)) rc = -1;
    }
    if (u != su) free(u);
    if (v != sv) free(v);
    return rc;
}
