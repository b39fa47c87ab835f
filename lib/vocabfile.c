/* vocabfile.c — see vocabfile.h. */
#include "vocabfile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

#define VOCAB_MAGIC "# mizan vocabulary 1\n"
#define VOCAB_MAX_FEATURES 20000000u

static int kind_ngram(char k)
{
    switch (k) {
    case 'u': case 'c': return 1;
    case 'b': case 'd': return 2;
    case 't': return 3;
    case 'x': case 'g': return 0;
    default: return -1;
    }
}

int mz_vocab_write(const mz_vocab *v, char **data, size_t *len, mz_err *e)
{
    size_t cap = 4096 + v->nfeat * 64, n = 0;
    char *s = malloc(cap);
    if (!s) return mz_fail(e, "out of memory");
    n += (size_t)snprintf(s + n, cap - n, VOCAB_MAGIC "# features %zu documents %zu\n", v->nfeat, v->ndocs);
    for (size_t f = 0; f < v->nfeat; f++) {
        size_t kl;
        const unsigned char *k = (const unsigned char *)mz_strmap_key(v->feats, f, &kl);
        size_t need = n + kl * 64 + strlen(v->surface[f]) + 64;
        if (need > cap) {
            while (need > cap) cap *= 2;
            char *ns = realloc(s, cap);
            if (!ns) {
                free(s);
                return mz_fail(e, "out of memory");
            }
            s = ns;
        }
        n += (size_t)snprintf(s + n, cap - n, "%c\t%.17g\t", k[0], v->idf[f]);
        if (k[0] == 'x' || k[0] == 'g') {
            memcpy(s + n, k + 1, kl - 1);
            n += kl - 1;
        } else {
            for (size_t p = 1; p + 4 <= kl; p += 4) {
                int32_t id;
                memcpy(&id, k + p, 4);
                size_t sl;
                const char *st = mz_strmap_key(v->stems, (size_t)id, &sl);
                if (p > 1) s[n++] = ' ';
                memcpy(s + n, st, sl);
                n += sl;
            }
        }
        n += (size_t)snprintf(s + n, cap - n, "\t%s\n", v->surface[f]);
    }
    *data = s;
    *len = n;
    return 0;
}

static int bad_gram(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20) return 1;
    return n == 0;
}

/* The first two lines; returns the offset of the third, or 0 with e set. */

/* The header's words exactly, and its counts as plain digits: sscanf's %zu
 * would take "-1" and wrap it to SIZE_MAX documents. */
static int header_word(const char **h, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(*h, w, n) != 0) return 0;
    *h += n;
    return 1;
}

static int header_count(const char **h, size_t *out)
{
    const char *p = *h;
    size_t v = 0;
    if (*p < '0' || *p > '9') return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (SIZE_MAX - 9) / 10) return 0;
        v = v * 10 + (size_t)(*p - '0');
    }
    *out = v;
    *h = p;
    return 1;
}
static size_t vocab_header(const char *data, size_t len, size_t *nfeat, size_t *ndocs, const char *name, mz_err *e)
{
    size_t ml = strlen(VOCAB_MAGIC);
    if (len < ml || memcmp(data, VOCAB_MAGIC, ml) != 0)
        return mz_fail(e, "%s: not a mizan vocabulary (bad first line)", name), 0;
    const char *nl = memchr(data + ml, '\n', len - ml);
    if (!nl) return mz_fail(e, "%s:2: truncated header", name), 0;
    char hdr[128];
    size_t hl = (size_t)(nl - (data + ml));
    if (hl >= sizeof hdr) return mz_fail(e, "%s:2: bad header", name), 0;
    memcpy(hdr, data + ml, hl);
    hdr[hl] = 0;
    const char *h = hdr;
    if (!header_word(&h, "# features ") || !header_count(&h, nfeat) || !header_word(&h, " documents ") ||
        !header_count(&h, ndocs) || *h || *nfeat > VOCAB_MAX_FEATURES)
        return mz_fail(e, "%s:2: bad header (features/documents)", name), 0;
    return ml + hl + 1;
}

int mz_vocab_header_nfeat(const char *data, size_t len, size_t *nfeat)
{
    size_t ndocs;
    mz_err e;
    return vocab_header(data, len, nfeat, &ndocs, "", &e) ? 0 : -1;
}

/* An idf is a function of a feature's document frequency, so a vocabulary
 * of 100,000 features holds a few hundred distinct ones (468 in the frames
 * bundle, 1,448 in the topic one), each written with 17 digits, which the
 * exact parser hands to strtod: that was a sixth of loading a bundle.  The
 * same bytes always parse to the same double, so each is parsed once and
 * found again by its bytes in a small direct-mapped table. */
#define IDF_MEMO 2048
typedef struct idf_memo {
    uint8_t n; /* 0: empty */
    char s[31];
    double v;
} idf_memo;

static int memo_parse(idf_memo *m, const char *s, size_t n, double *v)
{
    if (!m || n == 0 || n > sizeof m->s) return mz_parse_double(s, n, v);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    idf_memo *slot = &m[h & (IDF_MEMO - 1)];
    if (slot->n == n && memcmp(slot->s, s, n) == 0) {
        *v = slot->v;
        return 0;
    }
    if (mz_parse_double(s, n, v) != 0) return -1;
    slot->n = (uint8_t)n;
    memcpy(slot->s, s, n);
    slot->v = *v;
    return 0;
}

/* A feature line checked and its stems interned, waiting for its own
 * entry in the feature table. */
typedef struct pending {
    unsigned char key[64];
    size_t kl;
    uint64_t h;
} pending;

/* Feature i is on line i + 3, after the magic and the header lines: a
 * line that is not a feature is an error. */
static size_t feature_line(size_t i) { return i + 3; }

/* The line at *pos, the vocabulary's feature i: checked, its idf and
 * surface form stored at i, its stems interned and its key built into
 * *pd.  On failure nothing of it is left allocated. */
static int parse_one(mz_vocab *v, const char *data, size_t len, size_t *pos, size_t i, size_t nfeat, idf_memo *memo,
                     const char *name, pending *pd, mz_err *e)
{
    size_t line = feature_line(i);
    const char *s = data + *pos;
    const char *nl = memchr(s, '\n', len - *pos);
    if (!nl) return mz_fail(e, "%s:%zu: truncated line (no newline)", name, line);
    size_t l = (size_t)(nl - s);
    *pos += l + 1;
    if (i >= nfeat) return mz_fail(e, "%s:%zu: more features than the header's %zu", name, line, nfeat);
    const char *t1 = memchr(s, '\t', l);
    if (!t1 || t1 - s != 1 || kind_ngram(s[0]) < 0) return mz_fail(e, "%s:%zu: bad feature kind", name, line);
    const char *t2 = memchr(t1 + 1, '\t', l - (size_t)(t1 + 1 - s));
    if (!t2) return mz_fail(e, "%s:%zu: missing term", name, line);
    size_t nlen = (size_t)(t2 - t1 - 1);
    double idf;
    if (memo_parse(memo, t1 + 1, nlen, &idf) != 0 || !(idf > 0 && idf < 1e6))
        return mz_fail(e, "%s:%zu: bad idf '%.*s'", name, line, nlen > 40 ? 40 : (int)nlen, t1 + 1);
    const char *term = t2 + 1;
    const char *t3 = memchr(term, '\t', l - (size_t)(term - s));
    if (!t3) return mz_fail(e, "%s:%zu: missing surface form", name, line);
    size_t tl = (size_t)(t3 - term);
    const char *surf = t3 + 1;
    size_t sl = l - (size_t)(surf - s);
    if (tl == 0 || tl > 512 || sl > 2048 || memchr(surf, '\t', sl)) return mz_fail(e, "%s:%zu: bad term", name, line);
    unsigned char *key = pd->key;
    size_t kl = 1;
    key[0] = (unsigned char)s[0];
    int want = kind_ngram(s[0]);
    if (want == 0) {
        /* 'g' n-grams carry the padding spaces of word edges */
        int bad = s[0] == 'g' ? bad_gram(term, tl) : mz_vocab_bad_term(term, tl);
        if (tl > sizeof pd->key - 1 || bad) return mz_fail(e, "%s:%zu: bad name", name, line);
        memcpy(key + 1, term, tl);
        kl += tl;
    } else {
        int got = 0;
        size_t a = 0;
        while (a <= tl) {
            const char *sp = memchr(term + a, ' ', tl - a);
            size_t b = sp ? (size_t)(sp - term) : tl;
            if (++got > want || mz_vocab_bad_term(term + a, b - a))
                return mz_fail(e, "%s:%zu: term does not match its kind", name, line);
            int64_t id = mz_strmap_intern(v->stems, term + a, b - a, 0, NULL);
            if (id < 0) return mz_fail(e, "out of memory");
            int32_t id32 = (int32_t)id;
            memcpy(key + kl, &id32, 4);
            kl += 4;
            a = b + 1;
        }
        if (got != want) return mz_fail(e, "%s:%zu: term does not match its kind", name, line);
    }
    pd->kl = kl;
    pd->h = mz_hash_bytes(key, kl);
    v->idf[i] = idf;
    v->surface[i] = strndup(surf, sl);
    if (!v->surface[i]) return mz_fail(e, "out of memory");
    return 0;
}

/* The feature lines from pos on, into v (its tables sized for nfeat).
 * Every key is new to the feature table, so each insertion is a cache miss
 * at a random slot of a table of megabytes (a seventh of loading, in
 * perf): lines are read in blocks, their slots fetched together, then
 * inserted in order.  A block's lines are inserted before a later line's
 * error is returned, so the first bad line of the file is the one named. */
static int parse_lines(mz_vocab *v, const char *data, size_t len, size_t pos, size_t nfeat, idf_memo *memo,
                       const char *name, mz_err *e)
{
    enum { BLOCK = 32 };
    pending blk[BLOCK];
    while (pos < len) {
        int nb = 0, rc = 0;
        while (nb < BLOCK && pos < len) {
            rc = parse_one(v, data, len, &pos, v->nfeat + (size_t)nb, nfeat, memo, name, &blk[nb], e);
            if (rc != 0) break;
            mz_strmap_prefetch(v->feats, blk[nb].h, 0);
            nb++;
        }
        for (int j = 0; j < nb; j++) {
            int ins;
            int64_t f = mz_strmap_intern_h(v->feats, blk[j].key, blk[j].kl, blk[j].h, 0, &ins);
            if (f < 0 || !ins) {
                /* the block's surface forms not yet counted in nfeat */
                for (int t = j; t < nb; t++) {
                    free(v->surface[v->nfeat + (size_t)(t - j)]);
                    v->surface[v->nfeat + (size_t)(t - j)] = NULL;
                }
                if (f < 0) return mz_fail(e, "out of memory");
                return mz_fail(e, "%s:%zu: duplicate feature", name, feature_line(v->nfeat));
            }
            v->nfeat++; /* f == the line's index: entries are numbered in insertion order */
        }
        if (rc != 0) return -1;
    }
    if (v->nfeat != nfeat) return mz_fail(e, "%s: %zu features, header says %zu (truncated?)", name, v->nfeat, nfeat);
    return 0;
}

int mz_vocab_parse(mz_vocab *v, const char *data, size_t len, const char *name, mz_err *e)
{
    size_t nfeat = 0, ndocs = 0;
    size_t pos = vocab_header(data, len, &nfeat, &ndocs, name, e);
    if (!pos) return -1;
    v->stems = mz_strmap_new(nfeat / 2 + 16);
    v->feats = mz_strmap_new(nfeat + 16);
    v->idf = malloc((nfeat + 1) * sizeof *v->idf);
    v->surface = calloc(nfeat + 1, sizeof *v->surface);
    v->ndocs = ndocs;
    v->nfeat = 0;
    if (!v->stems || !v->feats || !v->idf || !v->surface) return mz_fail(e, "out of memory");
    idf_memo *memo = calloc(IDF_MEMO, sizeof *memo); /* NULL: every idf is parsed */
    int rc = parse_lines(v, data, len, pos, nfeat, memo, name, e);
    free(memo);
    if (rc != 0) return -1;
    return mz_vocab_index(v) == 0 ? 0 : mz_fail(e, "out of memory");
}
