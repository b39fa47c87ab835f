/* tokenize.c — see tokenize.h.
 *
 * Each sentence is normalised and split on its own, which keeps the mapping
 * from tokens back to original sentences exact without tracking offsets
 * through NFKC. */
#include "tokenize.h"

#include "strmap.h"
#include "utf8.h"

#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf16.h>

const UChar32 mz_punct_chars[MZ_NPUNCT] = {
    '#', '@', '"', '\'', '(', '[', ':', ';', '!', '?', '.', ',', '-', '_', '/', '%', '&', '*', '+',
    0x00AB, 0x00BB, 0x201C, 0x201D, 0x060C, 0x061B, 0x061F, 0x2026, 0x2013,
};

const char *const mz_punct_names[MZ_NPUNCT] = {"@p:#", "@p:@", "@p:\"", "@p:'", "@p:(", "@p:[", "@p::", "@p:;", "@p:!", "@p:?", "@p:.", "@p:,", "@p:-", "@p:_", "@p:/", "@p:%", "@p:&", "@p:*", "@p:+", "@p:\xC2\xAB", "@p:\xC2\xBB", "@p:\xE2\x80\x9C", "@p:\xE2\x80\x9D", "@p:\xD8\x8C", "@p:\xD8\x9B", "@p:\xD8\x9F", "@p:\xE2\x80\xA6", "@p:\xE2\x80\x93"};

static int punct_index(UChar32 c)
{
    for (int i = 0; i < MZ_NPUNCT; i++)
        if (mz_punct_chars[i] == c) return i;
    return -1;
}

static inline void count_punct(uint32_t *punct, UChar32 c)
{
    int k = punct_index(c);
    if (k >= 0) punct[k]++;
}

void mz_doc_init(mz_doc *d) { memset(d, 0, sizeof *d); }

int mz_lexicon_init(mz_lexicon *l, size_t limit)
{
    memset(l, 0, sizeof *l);
    l->map = mz_strmap_new(1 << 14);
    l->generation = 1;
    l->limit = limit;
    return l->map ? 0 : -1;
}

void mz_lexicon_free(mz_lexicon *l)
{
    mz_strmap_free(l->map);
    free(l->memo);
    free(l->hash);
    memset(l, 0, sizeof *l);
}

const char *mz_lexicon_memo(const mz_lexicon *l, int32_t gid, size_t *len)
{
    int32_t v = mz_strmap_value(l->map, (size_t)gid);
    if (v <= 0) return NULL;
    const char *m = l->memo + (v - 1);
    *len = (unsigned char)m[0];
    return m + 1;
}

void mz_lexicon_prefetch_memo(const mz_lexicon *l, int32_t gid, int stage)
{
    if (gid < 0) return;
    if (stage == 0) {
        mz_strmap_prefetch_value(l->map, (size_t)gid);
        return;
    }
    int32_t v = mz_strmap_value(l->map, (size_t)gid);
    if (v > 0) __builtin_prefetch(l->memo + (v - 1));
}

int mz_lexicon_set_memo(mz_lexicon *l, int32_t gid, const char *s, size_t len)
{
    if (len > 255 || l->memo_len + 1 + len > INT32_MAX - 1) return -1;
    if (l->memo_len + 1 + len > l->memo_cap) {
        size_t nc = l->memo_cap ? l->memo_cap * 2 : 1 << 16;
        while (nc < l->memo_len + 1 + len) nc *= 2;
        char *m = realloc(l->memo, nc);
        if (!m) return -1;
        l->memo = m;
        l->memo_cap = nc;
    }
    l->memo[l->memo_len] = (char)(unsigned char)len;
    memcpy(l->memo + l->memo_len + 1, s, len);
    mz_strmap_set_value(l->map, (size_t)gid, (int32_t)l->memo_len + 1);
    l->memo_len += 1 + len;
    return 0;
}

/* Start the lexicon over if n more tokens would overfill it. */
static void make_room(mz_lexicon *l, size_t n)
{
    if (mz_strmap_count(l->map) + n > l->limit) {
        mz_strmap_clear(l->map);
        l->memo_len = 0;
        l->generation++;
    }
}

int32_t mz_lexicon_id(mz_lexicon *l, const char *tok, size_t len)
{
    make_room(l, 1);
    int64_t g = mz_strmap_intern(l->map, tok, len, 0, NULL);
    return g < 0 ? -1 : (int32_t)g;
}

/* Number the document's tokens; restarts the lexicon first if it is full. */
static int assign_gids(mz_doc *d)
{
    mz_lexicon *l = d->lex;
    make_room(l, d->ntok);
    /* hashes first, so each token's slot and entry can be prefetched a few
     * tokens ahead: the lookups are independent cache misses */
    if (d->ntok > l->hcap) {
        uint64_t *h = realloc(l->hash, d->ntok * 2 * sizeof *h);
        if (!h) return -1;
        l->hash = h;
        l->hcap = d->ntok * 2;
    }
    for (size_t i = 0; i < d->ntok; i++) l->hash[i] = mz_hash_bytes(d->buf + d->tok[i].off, d->tok[i].len);
    for (size_t i = 0; i < d->ntok; i++) {
        if (i + 12 < d->ntok) mz_strmap_prefetch(l->map, l->hash[i + 12], 0);
        if (i + 8 < d->ntok) mz_strmap_prefetch(l->map, l->hash[i + 8], 1);
        if (i + 4 < d->ntok) mz_strmap_prefetch(l->map, l->hash[i + 4], 2);
        int64_t g = mz_strmap_intern_h(l->map, d->buf + d->tok[i].off, d->tok[i].len, l->hash[i], 0, NULL);
        if (g < 0) return -1;
        d->tok[i].gid = (int32_t)g;
    }
    return 0;
}

void mz_doc_free(mz_doc *d)
{
    free(d->buf);
    free(d->tok);
    free(d->sent);
    memset(d, 0, sizeof *d);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static inline int is_word_char(UChar32 c)
{
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    if (c >= 0x0621 && c <= 0x064A) return 1; /* the Arabic alphabet */
    if (c >= 0x0600 && c <= 0x06FF) return u_isalnum(c);
    return u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

/* Close the token written at buf[start..*w): keep it, NUL-terminated, or
 * drop it when over MZ_TOKEN_MAX_CHARS (then *w returns to start). */
static void end_token(mz_doc *d, size_t start, size_t chars, size_t *w, size_t sent)
{
    /* past 4 GiB an offset cannot be kept: add_text refuses the document */
    if (chars > MZ_TOKEN_MAX_CHARS || *w - start > UINT16_MAX || start > UINT32_MAX) {
        d->dropped++;
        *w = start;
        return;
    }
    d->buf[(*w)++] = '\0';
    mz_tok *t = &d->tok[d->ntok++];
    t->off = (uint32_t)start;
    t->len = (uint16_t)(*w - 1 - start);
    t->sent = (uint32_t)sent; /* fewer sentences than bytes, and those under 4 GiB */
    t->gid = -1;
}

/* Split normalised UTF-16 into tokens of sentence `sent`.  Capacity is
 * checked inline (a compare per character, growth rarely), never reserved
 * for a whole sentence up front: one "sentence" may be a 30 MB text with no
 * full stop, of which --max-tokens keeps a sliver.  Arabic letters are
 * written without decoding. */
static int split(mz_doc *d, const UChar *u, size_t n, size_t sent, mz_err *e)
{
    size_t i = 0;
    while (i < n) {
        UChar32 c;
        U16_NEXT(u, i, n, c);
        if (c != ' ' && !is_word_char(c)) count_punct(d->punct, c);
        /* a combining mark continues a word but never starts one (U+FE0F
         * after an emoji would otherwise be an invisible token) */
        if (!is_word_char(c) || (c >= 0x300 && !u_isalnum(c))) continue;
        if (d->max_tokens && d->ntok >= d->max_tokens) {
            d->truncated = 1;
            return 0;
        }
        if (d->ntok == d->tok_cap && grow((void **)&d->tok, &d->tok_cap, d->ntok + 1, sizeof *d->tok) != 0)
            return mz_fail(e, "out of memory");
        size_t start = d->buf_len, chars = 0;
        char *o = d->buf;
        size_t w = d->buf_len;
        for (;;) {
            /* room for one character (at most 4 bytes) and the NUL */
            if (w + 5 > d->buf_cap) {
                if (grow((void **)&d->buf, &d->buf_cap, w + 5, 1) != 0) return mz_fail(e, "out of memory");
                o = d->buf;
            }
            if (c >= 0x0621 && c <= 0x064A) {
                o[w++] = (char)(0xC0 | (c >> 6));
                o[w++] = (char)(0x80 | (c & 0x3F));
            } else if (c < 0x80) {
                o[w++] = (char)c;
            } else if (c < 0x800) {
                o[w++] = (char)(0xC0 | (c >> 6));
                o[w++] = (char)(0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                o[w++] = (char)(0xE0 | (c >> 12));
                o[w++] = (char)(0x80 | ((c >> 6) & 0x3F));
                o[w++] = (char)(0x80 | (c & 0x3F));
            } else {
                o[w++] = (char)(0xF0 | (c >> 18));
                o[w++] = (char)(0x80 | ((c >> 12) & 0x3F));
                o[w++] = (char)(0x80 | ((c >> 6) & 0x3F));
                o[w++] = (char)(0x80 | (c & 0x3F));
            }
            chars++;
            if (i >= n) break;
            size_t j = i;
            UChar32 c2;
            U16_NEXT(u, j, n, c2);
            i = j;
            if (!is_word_char(c2)) {
                if (c2 != ' ') count_punct(d->punct, c2);
                break;
            }
            c = c2;
        }
        end_token(d, start, chars, &w, sent);
        d->buf_len = w;
    }
    return 0;
}

/* add_text's fast path: normalise and split one sentence straight from its
 * UTF-8 when NFKC maps every code point on its own (mz_norm_image), as in
 * all but 3 in 10,000 sentences of Arabic news (an ellipsis, a ligature or
 * an emoji sends one to ICU).  Mapping and folding each code point
 * and splitting as split() does then gives exactly the general path's
 * tokens, punctuation counts and truncation; the tests compare the two.
 *
 * What split() and the fold decide for a code point below U+0800 is looked
 * up in a table built from the same functions: its folded unit, its kind,
 * and its punctuation counter.  Word characters that may continue a word
 * but not start one (combining marks) are left to the general path. */
enum { FK_GENERAL, FK_DROP, FK_WORD, FK_BREAK };
#define FT_UNIT(x)  ((UChar)((x) & 0xFFFF))
#define FT_KIND(x)  (((x) >> 16) & 3)
#define FT_PUNCT(x) ((int)((x) >> 24) - 1)
static uint32_t fast_tab[0x800];
static pthread_once_t fast_once = PTHREAD_ONCE_INIT;

static uint32_t fast_entry(UChar32 c)
{
    if ((c = mz_norm_image(c)) < 0) return FK_GENERAL << 16;
    if (mz_norm_dropped((UChar)c)) return FK_DROP << 16;
    UChar f = mz_norm_fold((UChar)c);
    if (is_word_char(f)) {
        /* only units of at most two UTF-8 bytes are written by fast_split */
        if ((f >= 0x300 && !u_isalnum(f)) || f >= 0x800) return FK_GENERAL << 16;
        return (uint32_t)FK_WORD << 16 | f;
    }
    int k = f == ' ' ? -1 : punct_index(f);
    return (uint32_t)(k + 1) << 24 | (uint32_t)FK_BREAK << 16 | f;
}

static void fast_init(void)
{
    for (UChar32 c = 0; c < 0x800; c++) fast_tab[c] = fast_entry(c);
}

/* Returns 1 when done; 0 when the sentence holds any other code point or a
 * malformed sequence, with the doc left as it was, for the general path;
 * -1 on out-of-memory. */
static int fast_split(mz_doc *d, const char *s, size_t n, size_t sent, mz_err *e)
{
    pthread_once(&fast_once, fast_init);
    const unsigned char *p = (const unsigned char *)s;
    const size_t ntok0 = d->ntok, len0 = d->buf_len, dropped0 = d->dropped;
    uint32_t punct[MZ_NPUNCT] = {0};
    size_t start = 0, chars = 0, w = d->buf_len;
    int inword = 0, cut = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t c = p[i], x;
        if (c < 0x80) {
            x = fast_tab[c];
            i++;
        } else if (c >= 0xC2 && c < 0xE0 && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
            x = fast_tab[(c & 0x1F) << 6 | (p[i + 1] & 0x3F)];
            i += 2;
        } else if (c >= 0xE0 && c < 0xF0 && i + 2 < n && (p[i + 1] & 0xC0) == 0x80 &&
                   (p[i + 2] & 0xC0) == 0x80) {
            c = (c & 0x0F) << 12 | (p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F);
            x = c < 0x800 ? FK_GENERAL << 16 : fast_entry((UChar32)c);
            i += 3;
        } else {
            goto general;
        }
        unsigned kind = FT_KIND(x);
        if (kind == FK_GENERAL) goto general;
        /* past --max-tokens only the rest's eligibility matters */
        if (cut || kind == FK_DROP) continue;
        if (kind == FK_BREAK) {
            int k = FT_PUNCT(x);
            if (k >= 0) punct[k]++;
            if (inword) end_token(d, start, chars, &w, sent);
            inword = 0;
            continue;
        }
        if (!inword) {
            if (d->max_tokens && d->ntok >= d->max_tokens) {
                cut = 1;
                continue;
            }
            if (d->ntok == d->tok_cap && grow((void **)&d->tok, &d->tok_cap, d->ntok + 1, sizeof *d->tok) != 0)
                return mz_fail(e, "out of memory");
            inword = 1;
            start = w;
            chars = 0;
        }
        if (w + 3 > d->buf_cap && grow((void **)&d->buf, &d->buf_cap, w + 3, 1) != 0)
            return mz_fail(e, "out of memory");
        UChar f = FT_UNIT(x);
        if (f < 0x80) {
            d->buf[w++] = (char)f;
        } else {
            d->buf[w++] = (char)(0xC0 | (f >> 6));
            d->buf[w++] = (char)(0x80 | (f & 0x3F));
        }
        chars++;
    }
    if (inword) end_token(d, start, chars, &w, sent);
    d->buf_len = w;
    for (int k = 0; k < MZ_NPUNCT; k++) d->punct[k] += punct[k];
    if (cut) d->truncated = 1;
    return 1;
general:
    d->ntok = ntok0;
    d->buf_len = len0;
    d->dropped = dropped0;
    return 0;
}

/* Byte length of the sentence starting at s[0]: up to and including a
 * terminator followed by whitespace/end, or a line break.  Terminators are
 * found by their last byte, which a table flags: in Arabic text half the
 * bytes are 0xD8, the first byte of ؟, so testing first bytes would stop on
 * every other character. */
static const unsigned char sent_last_byte[256] = {
    ['\n'] = 1, ['.'] = 1, ['!'] = 1, ['?'] = 1, [0x9F] = 1 /* ؟ D8 9F */, [0xA6] = 1 /* … E2 80 A6 */,
};

static size_t sentence_len_uncapped(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
#ifdef __SSE2__
        /* sixteen bytes without a candidate at a time: 9% of the 16-byte
         * blocks of the ANT test texts hold one */
        while (n - i >= 16) {
            __m128i b = _mm_loadu_si128((const __m128i *)(p + i));
            __m128i m = _mm_or_si128(
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(b, _mm_set1_epi8('.'))),
                             _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('!')), _mm_cmpeq_epi8(b, _mm_set1_epi8('?')))),
                _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8((char)0x9F)), _mm_cmpeq_epi8(b, _mm_set1_epi8((char)0xA6))));
            int mask = _mm_movemask_epi8(m);
            if (mask) {
                i += (size_t)__builtin_ctz((unsigned)mask);
                break;
            }
            i += 16;
        }
        if (i >= n) break;
#endif
        if (!sent_last_byte[p[i]]) continue;
        unsigned char c = p[i];
        if (c == '\n') return i + 1;
        if ((c == 0x9F && !(i >= 1 && p[i - 1] == 0xD8)) ||
            (c == 0xA6 && !(i >= 2 && p[i - 2] == 0xE2 && p[i - 1] == 0x80)))
            continue;
        if (i + 1 >= n || p[i + 1] == ' ' || p[i + 1] == '\n' || p[i + 1] == '\t' || p[i + 1] == '\r')
            return i + 1;
    }
    return n;
}

/* The same, cut after MZ_SENTENCE_MAX_BYTES: after the last space before
 * the limit (an ASCII one, or a no-break or fixed-width one, as space_at
 * counts them), or, in a run without one, at the last character that
 * starts there.  A text without sentence breaks (a scraped page with its
 * paragraphs glued together) would otherwise be one "sentence", shown whole
 * for every target it names; no sentence of the training corpora comes near
 * the limit, so no model sees the cut. */
static size_t sentence_len(const char *s, size_t n)
{
    size_t l = sentence_len_uncapped(s, n < MZ_SENTENCE_MAX_BYTES + 1 ? n : MZ_SENTENCE_MAX_BYTES + 1);
    if (l <= MZ_SENTENCE_MAX_BYTES) return l;
    const unsigned char *p = (const unsigned char *)s;
    size_t cut = 0;
    for (size_t j = MZ_SENTENCE_MAX_BYTES / 2; j < MZ_SENTENCE_MAX_BYTES;) {
        size_t k = p[j] == ' ' || p[j] == '\t' ? 1 : mz_utf8_wide_space(s + j, MZ_SENTENCE_MAX_BYTES - j);
        if (k) cut = j + k;
        j += k ? k : 1;
    }
    if (cut) return cut;
    size_t i = MZ_SENTENCE_MAX_BYTES;
    while (i > 1 && (p[i] & 0xC0) == 0x80) i--;
    return i;
}

/* Bytes of the white space starting at s[i] (before end), or 0: ASCII
 * spaces and line breaks, and the no-break and fixed-width spaces (U+00A0,
 * U+2000..U+200A, U+202F, U+205F, U+3000) that news copy pads lines with,
 * so that a sentence shown to a person does not start with a run of them. */
static size_t space_at(const char *s, size_t i, size_t end)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t n = end - i;
    if (*u == ' ' || *u == '\n' || *u == '\t' || *u == '\r') return 1;
    return mz_utf8_wide_space(s + i, n);
}

/* The same for the white space ending at s[end] (after start). */
static size_t space_before(const char *s, size_t start, size_t end)
{
    for (size_t k = 1; k <= 3 && k <= end - start; k++)
        if (space_at(s, end - k, end) == k) return k;
    return 0;
}

static int add_text(mz_doc *d, mz_normalizer *nz, const char *s, size_t n, int in_title, mz_err *e)
{
    size_t pos = 0;
    while (pos < n) {
        size_t l = sentence_len(s + pos, n - pos);
        size_t a = pos, b = pos + l;
        pos += l;
        /* a file's UTF-8 byte-order mark is no part of its first sentence */
        if (a == 0 && b >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) a = 3;
        size_t k;
        while (a < b && (k = space_at(s, a, b))) a += k;
        while (b > a && (k = space_before(s, a, b))) b -= k;
        if (a == b) continue;
        if (grow((void **)&d->sent, &d->sent_cap, d->nsent + 1, sizeof *d->sent) != 0)
            return mz_fail(e, "out of memory");
        int fast = d->general_only ? 0 : fast_split(d, s + a, b - a, d->nsent, e);
        if (fast < 0) return -1;
        if (!fast) {
            const UChar *u;
            size_t ul;
            if (mz_normalize(nz, s + a, b - a, &u, &ul, e) != 0) return -1;
            if (split(d, u, ul, d->nsent, e) != 0) return -1;
        }
        /* normalising can grow the text (a ligature such as ㌀ becomes
         * four letters): tokens are addressed by 32-bit offsets */
        if (d->buf_len > UINT32_MAX) return mz_fail(e, "text too large: over 4 GiB once normalised");
        d->sent[d->nsent].start = (uint32_t)a;
        d->sent[d->nsent].end = (uint32_t)b;
        d->sent[d->nsent].in_title = (uint8_t)in_title;
        d->nsent++;
        if (d->truncated) return 0;
    }
    return 0;
}

int mz_doc_build(mz_doc *d, mz_normalizer *n, const char *title, size_t tlen,
                 const char *text, size_t len, mz_err *e)
{
    d->buf_len = 0;
    d->ntok = 0;
    d->nsent = 0;
    d->ntitle = 0;
    d->truncated = 0;
    d->dropped = 0;
    memset(d->punct, 0, sizeof d->punct);
    if (len > UINT32_MAX || tlen > UINT32_MAX) return mz_fail(e, "text larger than 4 GiB");
    if (title && tlen) {
        if (add_text(d, n, title, tlen, 1, e) != 0) return -1;
        d->ntitle = d->ntok;
    }
    if (!d->truncated && add_text(d, n, text, len, 0, e) != 0) return -1;
    if (d->lex && assign_gids(d) != 0) return mz_fail(e, "out of memory");
    return 0;
}
