/* features.c — see features.h.
 *
 * One function, emit(), turns a term sequence into feature occurrences, and
 * both training (df counting, vectors) and classification go through it; the
 * two sides therefore cannot disagree about what a feature is.  Feature keys
 * are binary: a kind byte followed by 1-3 int32 stem ids (or a name for 'x'),
 * so a lookup hashes at most 13 bytes. */
#include "features.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem.h"
#include "numparse.h"

#define CACHE_MAX_ENTRIES (1u << 18)
#define TERM_STOP (-2)
#define TERM_UNKNOWN (-1)
#define GENT_UNSET UINT64_MAX

void mz_featopts_default(mz_featopts *o)
{
    memset(o, 0, sizeof *o);
    o->ngram_max = 2;
    o->stem = 1;
    o->stopwords = 1;
    o->sublinear = 1;
    o->title_weight = 2.0;
    o->context = 0;
    o->window = 0;
    o->min_df = 2;
    o->max_df = 0.9;
    o->max_features = 0;
    o->char_min = 0;
    o->char_max = 0;
    o->char_max_features = 0;
}

void mz_sparse_free(mz_sparse *s)
{
    free(s->idx);
    free(s->val);
    memset(s, 0, sizeof *s);
}

int mz_sparse_reserve(mz_sparse *s, size_t n)
{
    if (n <= s->cap) return 0;
    size_t c = s->cap ? s->cap : 64;
    while (c < n) c *= 2;
    int32_t *i = realloc(s->idx, c * sizeof *i);
    if (!i) return -1;
    s->idx = i;
    double *v = realloc(s->val, c * sizeof *v);
    if (!v) return -1;
    s->val = v;
    s->cap = c;
    return 0;
}

/* ------------------------------------------------------------------ emit */

typedef int (*emit_fn)(void *arg, const unsigned char *key, size_t klen, double w);

static int emit(const int32_t *id, const uint32_t *sent, size_t n, size_t ntitle,
                const uint8_t *ctx, size_t nsent, const mz_featopts *o,
                const mz_extra *ex, size_t nex, emit_fn fn, void *arg)
{
    unsigned char key[1 + 3 * 4];
    for (size_t i = 0; i < n; i++) {
        double w = i < ntitle ? o->title_weight : 1.0;
        if (w == 0.0 || id[i] < 0) continue;
        key[0] = 'u';
        memcpy(key + 1, &id[i], 4);
        if (fn(arg, key, 5, w)) return -1;
        int inctx = o->context && ctx && sent[i] < nsent && ctx[sent[i]];
        if (inctx) {
            key[0] = 'c';
            if (fn(arg, key, 5, w)) return -1;
        }
        if (o->ngram_max >= 2 && i + 1 < n && id[i + 1] >= 0 && sent[i + 1] == sent[i]) {
            key[0] = 'b';
            memcpy(key + 5, &id[i + 1], 4);
            if (fn(arg, key, 9, w)) return -1;
            if (inctx) {
                key[0] = 'd';
                if (fn(arg, key, 9, w)) return -1;
            }
            if (o->ngram_max >= 3 && i + 2 < n && id[i + 2] >= 0 && sent[i + 2] == sent[i]) {
                key[0] = 't';
                memcpy(key + 9, &id[i + 2], 4);
                if (fn(arg, key, 13, w)) return -1;
            }
        }
    }
    for (size_t k = 0; k < nex; k++) {
        unsigned char xk[64];
        size_t nl = strlen(ex[k].name);
        if (nl > sizeof xk - 1) nl = sizeof xk - 1;
        xk[0] = 'x';
        memcpy(xk + 1, ex[k].name, nl);
        if (ex[k].count > 0 && fn(arg, xk, nl + 1, ex[k].count)) return -1;
    }
    return 0;
}

/* The kinds fast_emit leaves out: 't' trigrams and 'x' pseudo-terms, with
 * emit()'s exact rules. */
static int emit_rare(const int32_t *id, const uint32_t *sent, size_t n, size_t ntitle, const mz_featopts *o,
                     const mz_extra *ex, size_t nex, emit_fn fn, void *arg)
{
    unsigned char key[1 + 3 * 4];
    for (size_t i = 0; o->ngram_max >= 3 && i + 2 < n; i++) {
        double w = i < ntitle ? o->title_weight : 1.0;
        if (w == 0.0 || id[i] < 0 || id[i + 1] < 0 || id[i + 2] < 0) continue;
        if (sent[i + 1] != sent[i] || sent[i + 2] != sent[i]) continue;
        key[0] = 't';
        memcpy(key + 1, &id[i], 4);
        memcpy(key + 5, &id[i + 1], 4);
        memcpy(key + 9, &id[i + 2], 4);
        if (fn(arg, key, 13, w)) return -1;
    }
    return emit(NULL, NULL, 0, 0, NULL, 0, o, ex, nex, fn, arg);
}

/* Character n-grams of " token ": calls fn with each 'g' key. */
static int grams(const char *t, size_t len, int nmin, int nmax, emit_fn fn, void *arg)
{
    char pad[4 * 64 + 2];
    size_t pos[64 + 3];
    if (nmin <= 0 || len + 2 > sizeof pad) return 0;
    pad[0] = ' ';
    memcpy(pad + 1, t, len);
    pad[len + 1] = ' ';
    size_t pl = len + 2, np = 0;
    for (size_t i = 0; i < pl && np < 64 + 2; i++)
        if (((unsigned char)pad[i] & 0xC0) != 0x80) pos[np++] = i;
    pos[np] = pl;
    unsigned char key[1 + 4 * 10];
    key[0] = 'g';
    for (int n = nmin; n <= nmax; n++)
        for (size_t s = 0; s + (size_t)n <= np; s++) {
            size_t a = pos[s], b = pos[s + (size_t)n];
            if (b - a > sizeof key - 1) continue;
            memcpy(key + 1, pad + a, b - a);
            if (fn(arg, key, 1 + b - a, 1.0)) return -1;
        }
    return 0;
}

/* ------------------------------------------------- accumulate → TF-IDF/L2 */

/* A document's feature occurrences are appended in emission order and
 * summed after a stable sort by feature: per feature the additions happen
 * in the same order as into a dense per-feature array, so the sums are the
 * same doubles, but nothing indexed by feature (hundreds of kilobytes per
 * bundle) is touched at random per token, which is what bounded speed. */
typedef struct acc {
    int32_t *f, *f2; /* occurrences (f2: sort scratch) */
    double *w, *w2;
    size_t n, cap;
    int oom;         /* an append failed: acc_finish reports it */
} acc;

static void acc_init(acc *a) { memset(a, 0, sizeof *a); }

static void acc_free(acc *a)
{
    free(a->f);
    free(a->f2);
    free(a->w);
    free(a->w2);
    memset(a, 0, sizeof *a);
}

static int acc_grow(acc *a)
{
    size_t nc = a->cap ? a->cap * 2 : 4096;
    int32_t *f = realloc(a->f, nc * sizeof *f);
    if (f) a->f = f;
    int32_t *f2 = realloc(a->f2, nc * sizeof *f2);
    if (f2) a->f2 = f2;
    double *w = realloc(a->w, nc * sizeof *w);
    if (w) a->w = w;
    double *w2 = realloc(a->w2, nc * sizeof *w2);
    if (w2) a->w2 = w2;
    if (!f || !f2 || !w || !w2) return -1;
    a->cap = nc;
    return 0;
}

static inline void acc_add(acc *a, int32_t f, double w)
{
    if (a->n == a->cap && acc_grow(a) != 0) {
        a->oom = 1;
        return;
    }
    a->f[a->n] = f;
    a->w[a->n] = w;
    a->n++;
}

/* Stable sort of the occurrences by feature.  An article's few hundred:
 * one counting pass into buckets (acc_bucket), then an insertion sort that
 * only moves entries within a bucket.  Long documents, where a bucket can
 * hold thousands of interleaved features and insertion would be quadratic,
 * get 8-bit LSD radix passes instead: linear whatever the ids.  Both keep
 * equal features in emission order. */
#define ACC_RADIX_MIN 2048
#define ACC_KEEP (1u << 16) /* occurrences kept allocated between documents */

/* Feature f's bucket: f as a float, its exponent and the top m bits of its
 * mantissa (sh = 23 - m; off = (127 << m) - 1, so that 1 is bucket 1 and 0
 * bucket 0), 2^m buckets to each octave of ids.  Rounding to a float never
 * reverses two ids, so the buckets come in id order (the insertion sort
 * would put any order right: the buckets only spare it moves).  Features
 * are numbered in the order the training corpus first showed them, so an
 * article's common words have small ids and its occurrences fall about
 * evenly into each octave from 2^8 to 2^17; buckets of equal width (the
 * top bits of f, before) put most of them in the first few, and the
 * insertion sort then moved each entry about four places. */
static inline uint32_t acc_bucket(int32_t f, int sh, uint32_t off)
{
    float x = (float)f;
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return f > 0 ? (b >> sh) - off : 0;
}

static void acc_sort(acc *a)
{
    size_t n = a->n;
    int32_t *f = a->f;
    double *w = a->w;
    if (n < 48) goto insertion;
    uint32_t max = 0;
    for (size_t i = 0; i < n; i++)
        if ((uint32_t)f[i] > max) max = (uint32_t)f[i];
    int32_t *fo = a->f2;
    double *wo = a->w2;
    if (n >= ACC_RADIX_MIN) {
        for (int sh = 0; sh < 32 && (max >> sh) != 0; sh += 8) {
            size_t cnt[257] = {0};
            for (size_t i = 0; i < n; i++) cnt[((uint32_t)f[i] >> sh & 0xFF) + 1]++;
            for (int b = 0; b < 256; b++) cnt[b + 1] += cnt[b];
            for (size_t i = 0; i < n; i++) {
                size_t d = cnt[(uint32_t)f[i] >> sh & 0xFF]++;
                fo[d] = f[i];
                wo[d] = w[i];
            }
            int32_t *tf = f;
            f = fo, fo = tf;
            double *tw = w;
            w = wo, wo = tw;
        }
        a->f = f, a->f2 = fo;
        a->w = w, a->w2 = wo;
        return;
    }
    /* 2^m buckets an octave, the least power of two of n/8 or more: a few
     * entries a bucket over the ten octaves an article's ids mostly span
     * (half as many buckets were 10% slower on the benchmark's articles'
     * occurrences, twice as many no faster) */
    int m = 1;
    while (((size_t)16 << (m - 1)) < n) m++;
    int sh = 23 - m;
    uint32_t off = (127u << m) - 1;
    /* ids are under 2^31: keys under 32 << m, and n < ACC_RADIX_MIN keeps
     * m at 8 at most */
    _Static_assert(ACC_RADIX_MIN <= 16 << 7, "acc_sort's m would pass 8");
    uint32_t cnt[(32u << 8) + 1];
    size_t nb = (size_t)acc_bucket((int32_t)max, sh, off) + 1;
    memset(cnt, 0, (nb + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++) cnt[acc_bucket(f[i], sh, off) + 1]++;
    for (size_t b = 0; b < nb; b++) cnt[b + 1] += cnt[b];
    for (size_t i = 0; i < n; i++) {
        uint32_t d = cnt[acc_bucket(f[i], sh, off)]++;
        fo[d] = f[i];
        wo[d] = w[i];
    }
    a->f2 = f, a->w2 = w;
    a->f = f = fo, a->w = w = wo;
insertion:
    for (size_t i = 1; i < n; i++) {
        int32_t x = f[i];
        if (f[i - 1] <= x) continue;
        double y = w[i];
        size_t j = i;
        while (j > 0 && f[j - 1] > x) f[j] = f[j - 1], w[j] = w[j - 1], j--;
        f[j] = x, w[j] = y;
    }
}

/* 1 + ln(tf) for the small whole counts nearly every tf is: the same
 * doubles log() returns, without its cost per feature. */
#define SUBLIN_TABLE 64
static double sublin_table[SUBLIN_TABLE];
static pthread_once_t sublin_once = PTHREAD_ONCE_INIT;

static void sublin_init(void)
{
    for (int k = 1; k < SUBLIN_TABLE; k++) sublin_table[k] = 1.0 + log((double)k);
}

static inline double sublin(double tf)
{
    if (tf >= 1.0 && tf < SUBLIN_TABLE && tf == (double)(int)tf) return sublin_table[(int)tf];
    return 1.0 + log(tf);
}

static int acc_finish(acc *a, const mz_vocab *v, mz_sparse *out)
{
    out->n = 0;
    if (a->oom) {
        a->oom = 0;
        a->n = 0;
        return -1;
    }
    if (mz_sparse_reserve(out, a->n) != 0) {
        a->n = 0;
        return -1;
    }
    acc_sort(a);
    /* Words and character n-grams are L2-normalised as two blocks of equal
     * weight (then scaled to unit length together): n-grams outnumber words
     * about fifteen to one and would otherwise drown them.  Pseudo-terms
     * count as words (an equal block of their own was measured to hurt). */
    double norm[2] = {0, 0};
    /* without n-grams every feature is in the first block, and no
     * feature's kind need be read (a cache miss each); a vocabulary holds
     * n-grams only with char_min set (a bundle with them otherwise is
     * refused at load) */
    int g = v->opt.char_min > 0;
    for (size_t i = 0; i < a->n;) {
        int32_t f = a->f[i];
        double tf = 0.0;
        for (; i < a->n && a->f[i] == f; i++) tf += a->w[i];
        /* the next features' idf and kind, in increasing order: prefetch
         * a few ahead, as they miss the cache */
        if (i + 8 < a->n) {
            __builtin_prefetch(&v->idf[a->f[i + 8]]);
            if (g) __builtin_prefetch(&v->kind[a->f[i + 8]]);
        }
        double x = (v->opt.sublinear ? sublin(tf) : tf) * v->idf[f];
        out->idx[out->n] = f + 1;
        out->val[out->n] = x;
        out->n++;
        norm[g && v->kind[f] == 'g'] += x * x;
    }
    a->n = 0;
    int blocks = (norm[0] > 0) + (norm[1] > 0);
    double inv[2];
    for (int b = 0; b < 2; b++) inv[b] = norm[b] > 0 ? 1.0 / sqrt(norm[b] * blocks) : 0;
    for (size_t k = 0; k < out->n; k++) out->val[k] *= inv[g && v->kind[out->idx[k] - 1] == 'g'];
    /* an exceptionally long document does not leave its high-water mark
     * behind in every thread and bundle */
    if (a->cap > ACC_KEEP) {
        acc_free(a);
        acc_init(a);
    }
    return 0;
}

/* -------------------------------------------------------------- vocab */

typedef struct mz_pairtab mz_pairtab;
static void pairtab_free(mz_pairtab *t);

void mz_vocab_free(mz_vocab *v)
{
    if (!v) return;
    mz_strmap_free(v->stems);
    mz_strmap_free(v->feats);
    free(v->idf);
    free(v->kind);
    free(v->ufid);
    free(v->cfid);
    free(v->surf_id);
    pairtab_free(v->bt);
    pairtab_free(v->dt);
    if (v->surface)
        for (size_t i = 0; i < v->nfeat; i++) free(v->surface[i]);
    free(v->surface);
    mz_stopwords_free(&v->sw);
    memset(v, 0, sizeof *v);
}

/* An open-addressing table from a pair of stem ids to a feature index.
 * Key and value share a 16-byte slot, so a hit costs one cache miss.  Most
 * pairs an article holds are not features (about three in four), and the
 * table is megabytes, so a miss there costs a trip to memory (and a TLB
 * walk) that prefetching was measured not to hide.  A blocked Bloom filter
 * of 16 bits per pair (two bits in one 64-bit word; a few hundred kB, so
 * it stays in cache) answers most of those misses without the table. */
typedef struct pairslot {
    uint64_t key; /* (a << 32 | b) + 1; 0 = empty */
    int32_t val;
} pairslot;

/* The filter in front of a pair table (this one's and the union's): 16
 * bits per pair, two set per pair in one 64-bit word. */
typedef struct pairbloom {
    uint64_t *w;
    size_t mask; /* words - 1 */
} pairbloom;

struct mz_pairtab {
    pairslot *s;
    size_t mask;
    pairbloom f;
};

static inline uint64_t pair_key(int32_t a, int32_t b)
{
    return (((uint64_t)(uint32_t)a << 32) | (uint32_t)b) + 1;
}

static inline uint64_t pair_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

/* A filter for npairs pairs, zeroed; -1 when out of memory. */
static int bloom_init(pairbloom *f, size_t npairs)
{
    size_t words = 1;
    while (words * 64 < npairs * 16) words <<= 1;
    f->w = calloc(words, sizeof *f->w);
    f->mask = words - 1;
    return f->w ? 0 : -1;
}

/* the filter word of hash h and its two bits, from bits the slot index
 * does not use */
static inline uint64_t *bloom_word(const pairbloom *f, uint64_t h, uint64_t *bits)
{
    *bits = (1ULL << (h >> 52 & 63)) | (1ULL << (h >> 58));
    return &f->w[(h >> 20) & f->mask];
}

static inline void bloom_add(pairbloom *f, uint64_t h)
{
    /* two statements: in one, reading bits is unsequenced with the call
     * that sets it (clang read it first, and the filter dropped pairs) */
    uint64_t bits, *w = bloom_word(f, h, &bits);
    *w |= bits;
}

/* 0: the pair of hash h is surely not in the table */
static inline int bloom_may(const pairbloom *f, uint64_t h)
{
    uint64_t bits;
    return (*bloom_word(f, h, &bits) & bits) == bits;
}

static void pairtab_free(mz_pairtab *t)
{
    if (!t) return;
    free(t->s);
    free(t->f.w);
    free(t);
}

static mz_pairtab *pairtab_new(size_t n)
{
    mz_pairtab *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    t->s = mz_huge_calloc(cap, sizeof *t->s);
    t->mask = cap - 1;
    if (bloom_init(&t->f, n) != 0 || !t->s) {
        pairtab_free(t);
        return NULL;
    }
    return t;
}

static void pairtab_put(mz_pairtab *t, int32_t a, int32_t b, int32_t v)
{
    uint64_t k = pair_key(a, b), h = pair_hash(k);
    size_t i = (size_t)h & t->mask;
    while (t->s[i].key && t->s[i].key != k) i = (i + 1) & t->mask;
    t->s[i].key = k;
    t->s[i].val = v;
    bloom_add(&t->f, h);
}

/* A prefetch the compiler keeps.  GCC 12 deletes a __builtin_prefetch
 * whose only use is a branch of its own, as below: the bigram prefetches
 * compiled to nothing until they were written this way. */
static inline void keep_prefetch(const void *p)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p);
#endif
}

/* For the pairs of a token sequence, looked up in order: prefetch a pair's
 * filter word some tokens ahead (stage 0), then, once it has arrived and
 * only if the filter lets the pair through, its slot (stage 1).  Both are
 * misses at random places: the filters of several bundles together
 * outgrow the core's cache. */
static inline void pairtab_prefetch(const mz_pairtab *t, int32_t a, int32_t b, int stage)
{
    uint64_t h = pair_hash(pair_key(a, b)), bits;
    if (stage == 0) keep_prefetch(bloom_word(&t->f, h, &bits));
    else if (bloom_may(&t->f, h)) keep_prefetch(&t->s[(size_t)h & t->mask]);
}

static inline int32_t pairtab_get(const mz_pairtab *t, int32_t a, int32_t b)
{
    uint64_t k = pair_key(a, b), h = pair_hash(k);
    if (!bloom_may(&t->f, h)) return -1;
    size_t i = (size_t)h & t->mask;
    while (t->s[i].key) {
        if (t->s[i].key == k) return t->s[i].val;
        i = (i + 1) & t->mask;
    }
    return -1;
}

int mz_vocab_index(mz_vocab *v)
{
    free(v->kind);
    free(v->ufid);
    free(v->cfid);
    pairtab_free(v->bt);
    pairtab_free(v->dt);
    v->kind = NULL;
    v->ufid = v->cfid = NULL;
    v->bt = v->dt = NULL;
    v->nstems = v->stems ? mz_strmap_count(v->stems) : 0;
    size_t nb = 0, nd = 0;
    for (size_t f = 0; f < v->nfeat; f++) {
        char k = *mz_strmap_key(v->feats, f, NULL);
        nb += k == 'b';
        nd += k == 'd';
    }
    v->ufid = malloc((v->nstems + 1) * sizeof *v->ufid);
    v->cfid = malloc((v->nstems + 1) * sizeof *v->cfid);
    v->bt = pairtab_new(nb);
    v->dt = pairtab_new(nd);
    v->kind = malloc(v->nfeat + 1);
    free(v->surf_id);
    v->surf_id = malloc((v->nfeat + 1) * sizeof *v->surf_id);
    if (!v->surf_id || !v->ufid || !v->cfid || !v->bt || !v->dt || !v->kind) return -1;
    for (size_t s = 0; s < v->nstems; s++) v->ufid[s] = v->cfid[s] = -1;
    for (size_t f = 0; f < v->nfeat; f++) {
        size_t kl;
        const unsigned char *k = (const unsigned char *)mz_strmap_key(v->feats, f, &kl);
        int32_t a, b;
        v->kind[f] = (char)k[0];
        if ((k[0] == 'u' || k[0] == 'c') && kl == 5) {
            memcpy(&a, k + 1, 4);
            if (a >= 0 && (size_t)a < v->nstems) (k[0] == 'u' ? v->ufid : v->cfid)[a] = (int32_t)f;
        } else if ((k[0] == 'b' || k[0] == 'd') && kl == 9) {
            memcpy(&a, k + 1, 4);
            memcpy(&b, k + 5, 4);
            pairtab_put(k[0] == 'b' ? v->bt : v->dt, a, b, (int32_t)f);
        }
    }
    /* Features that print alike: a stem's 'u' and 'c' (its surface), a
     * pair's 'b' and 'd'.  No two stems share a surface (it is one of their
     * tokens, and a token has one stem), so these are the only ones; each
     * is given the id of its article feature when that exists. */
    for (size_t f = 0; f < v->nfeat; f++) {
        size_t kl;
        const unsigned char *k = (const unsigned char *)mz_strmap_key(v->feats, f, &kl);
        int32_t a, b, same = -1;
        if (k[0] == 'c' && kl == 5) {
            memcpy(&a, k + 1, 4);
            if (a >= 0 && (size_t)a < v->nstems) same = v->ufid[a];
        } else if (k[0] == 'd' && kl == 9) {
            memcpy(&a, k + 1, 4);
            memcpy(&b, k + 5, 4);
            same = pairtab_get(v->bt, a, b);
        }
        v->surf_id[f] = same >= 0 ? same : (int32_t)f;
    }
    return 0;
}

int mz_vocab_bad_term(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == ' ') return 1;
    return n == 0;
}

int mz_aux_feature_name(const char *label, char *out, size_t n)
{
    int k = snprintf(out, n, "@aux:%s", label);
    if (k < 0 || (size_t)k >= n) return -1;
    for (char *c = out; *c; c++)
        if ((unsigned char)*c <= ' ') *c = '_';
    return 0;
}

int64_t mz_vocab_add_named(mz_vocab *v, const char *name)
{
    unsigned char key[64];
    size_t nl = strlen(name);
    if (nl > sizeof key - 1 || mz_vocab_bad_term(name, nl)) return -1; /* mz_vocab_parse would refuse the bundle */
    key[0] = 'x';
    memcpy(key + 1, name, nl);
    int ins;
    int64_t f = mz_strmap_intern(v->feats, key, nl + 1, 0, &ins);
    if (f < 0 || !ins) return -1;
    double *idf = realloc(v->idf, (v->nfeat + 1) * sizeof *idf);
    if (!idf) return -1;
    v->idf = idf;
    char **sf = realloc(v->surface, (v->nfeat + 1) * sizeof *sf);
    if (!sf) return -1;
    v->surface = sf;
    v->idf[f] = 1.0;
    v->surface[f] = strdup(name);
    if (!v->surface[f]) return -1;
    v->nfeat++;
    return mz_vocab_index(v) == 0 ? f : -1;
}

/* The caller's pseudo-terms plus, when the pipeline counts punctuation,
 * one per punctuation character present; out has room for
 * nin + MZ_NPUNCT. */
static size_t with_punct(const mz_featopts *o, const mz_doc *d, const mz_extra *in, size_t nin, mz_extra *out)
{
    size_t n = 0;
    for (size_t i = 0; i < nin; i++) out[n++] = in[i];
    if (o->punct)
        for (int k = 0; k < MZ_NPUNCT; k++)
            if (d->punct[k]) out[n++] = (mz_extra){mz_punct_names[k], (double)d->punct[k]};
    return n;
}

/* ------------------------------------------------ token → term (shared) */

typedef struct tokstem {
    mz_stemmer *stemmer;
    const mz_featopts *o;
    const mz_stopwords *sw;
} tokstem;

/* Returns 0 and the term (stem or token) of a token, 1 for a stopword, -1
 * on out-of-memory.  With a lexicon (lex, gid), the stem is taken from its
 * memo, or computed and left there for the worker's other bundles; the
 * stopword test stays per caller, as stopword lists travel per bundle. */
static int token_term(const tokstem *ts, const char *tok, size_t len, mz_lexicon *lex, int32_t gid,
                      const char **term, size_t *tlen)
{
    if (ts->o->stopwords && mz_is_stopword(ts->sw, tok, len)) return 1;
    if (!ts->o->stem) {
        *term = tok;
        *tlen = len;
    } else if (!lex || !(*term = mz_lexicon_memo(lex, gid, tlen))) {
        *term = mz_stem(ts->stemmer, tok, len, tlen);
        if (lex && mz_lexicon_set_memo(lex, gid, *term, *tlen) != 0) return -1;
    }
    return 0;
}

/* ----------------------------------------------------------- vectorizer */

typedef struct tokentry {
    int32_t stem;        /* stem id, TERM_UNKNOWN or TERM_STOP */
    uint32_t goff, glen; /* its 'g' feature ids in gid[] */
} tokentry;

struct mz_vectorizer {
    const mz_vocab *v;
    tokstem ts;
    mz_strmap *cache; /* token → index into ent[] */
    tokentry *ent;
    size_t nent, entcap;
    int32_t *gid;
    size_t ngid, gidcap;
    int32_t *id, *tix;
    uint32_t *sent;
    size_t cap;
    acc a;
    uint64_t *ent_of_gid; /* lexicon id → ent[] index << 32 | stem id, or GENT_UNSET */
    size_t gcap;
    uint32_t gen;        /* lexicon generation ent_of_gid belongs to */
};

mz_vectorizer *mz_vectorizer_new(const mz_vocab *v, mz_err *e)
{
    pthread_once(&sublin_once, sublin_init);
    mz_vectorizer *z = calloc(1, sizeof *z);
    if (!z) goto oom;
    z->v = v;
    z->ts.o = &v->opt;
    z->ts.sw = &v->sw;
    z->ts.stemmer = mz_stemmer_new(e);
    if (!z->ts.stemmer) {
        free(z);
        return NULL;
    }
    z->cache = mz_strmap_new(1 << 12);
    acc_init(&z->a);
    if (!z->cache) {
        mz_vectorizer_free(z);
        goto oom;
    }
    return z;
oom:
    mz_fail(e, "out of memory");
    return NULL;
}

void mz_vectorizer_free(mz_vectorizer *z)
{
    if (!z) return;
    mz_stemmer_free(z->ts.stemmer);
    mz_strmap_free(z->cache);
    free(z->ent);
    free(z->ent_of_gid);
    free(z->gid);
    free(z->id);
    free(z->tix);
    free(z->sent);
    acc_free(&z->a);
    free(z);
}

/* Exactly emit()'s 'u', 'c', 'b' and 'd' features, through the integer
 * indexes instead of hashing byte keys; the tests check that training
 * (emit) and classification (this) produce identical vectors.  Token
 * i + PF_AHEAD's unigram entry and its bigram's filter word are prefetched
 * while token i is looked up, and the bigram's slot PF_SLOT tokens ahead
 * (the article bigrams' lookups were most of this loop's time, stalled on
 * those two loads). */
#define PF_AHEAD 12
#define PF_SLOT 6
static void fast_emit(mz_vectorizer *z, size_t n, size_t ntitle, const uint8_t *ctx, size_t nsent)
{
    const mz_vocab *v = z->v;
    const mz_featopts *o = &v->opt;
    const int32_t *id = z->id;
    const uint32_t *sent = z->sent;
    int bigrams = o->ngram_max >= 2;
    for (size_t i = 0; i < n; i++) {
        size_t j = i + PF_AHEAD;
        if (j < n && id[j] >= 0) __builtin_prefetch(&v->ufid[id[j]]);
        if (bigrams && j + 1 < n && id[j] >= 0 && id[j + 1] >= 0) pairtab_prefetch(v->bt, id[j], id[j + 1], 0);
        j = i + PF_SLOT;
        if (bigrams && j + 1 < n && id[j] >= 0 && id[j + 1] >= 0) pairtab_prefetch(v->bt, id[j], id[j + 1], 1);
        double w = i < ntitle ? o->title_weight : 1.0;
        int32_t a = id[i];
        if (w == 0.0 || a < 0) continue;
        int32_t f = v->ufid[a];
        if (f >= 0) acc_add(&z->a, f, w);
        int inctx = o->context && ctx && sent[i] < nsent && ctx[sent[i]];
        if (inctx && (f = v->cfid[a]) >= 0) acc_add(&z->a, f, w);
        if (bigrams && i + 1 < n && id[i + 1] >= 0 && sent[i + 1] == sent[i]) {
            if ((f = pairtab_get(v->bt, a, id[i + 1])) >= 0) acc_add(&z->a, f, w);
            if (inctx && (f = pairtab_get(v->dt, a, id[i + 1])) >= 0) acc_add(&z->a, f, w);
        }
    }
}

static int lookup_cb(void *arg, const unsigned char *key, size_t klen, double w)
{
    mz_vectorizer *z = arg;
    int64_t f = mz_strmap_find(z->v->feats, key, klen);
    if (f >= 0) acc_add(&z->a, (int32_t)f, w);
    return 0;
}

static int gram_lookup_cb(void *arg, const unsigned char *key, size_t klen, double w)
{
    (void)w;
    mz_vectorizer *z = arg;
    int64_t f = mz_strmap_find(z->v->feats, key, klen);
    if (f < 0) return 0;
    if (z->ngid == z->gidcap) {
        size_t nc = z->gidcap ? z->gidcap * 2 : 4096;
        int32_t *g = realloc(z->gid, nc * sizeof *g);
        if (!g) return -1;
        z->gid = g;
        z->gidcap = nc;
    }
    z->gid[z->ngid++] = (int32_t)f;
    return 0;
}

static int reserve_doc(mz_vectorizer *z, size_t n)
{
    if (n <= z->cap) return 0;
    size_t c = n * 2;
    int32_t *id = realloc(z->id, c * sizeof *id);
    if (!id) return -1;
    z->id = id;
    int32_t *tx = realloc(z->tix, c * sizeof *tx);
    if (!tx) return -1;
    z->tix = tx;
    uint32_t *s = realloc(z->sent, c * sizeof *s);
    if (!s) return -1;
    z->sent = s;
    z->cap = c;
    return 0;
}

/* The entry of a token: its term and its resolved 'g' features.  Cached by
 * its bytes unless the caller keeps it by lexicon id instead (lex != NULL),
 * which saves a second table per bundle; the lexicon also memoises the
 * stem, which every bundle of a worker shares. */
static int64_t token_entry(mz_vectorizer *z, const char *tok, size_t len, mz_lexicon *lex, int32_t gid)
{
    if (!lex) {
        int64_t c = mz_strmap_find(z->cache, tok, len);
        if (c >= 0) return mz_strmap_value(z->cache, (size_t)c);
    }
    if (z->nent == z->entcap) {
        size_t nc = z->entcap ? z->entcap * 2 : 1024;
        tokentry *ne = realloc(z->ent, nc * sizeof *ne);
        if (!ne) return -1;
        z->ent = ne;
        z->entcap = nc;
    }
    tokentry *t = &z->ent[z->nent];
    const char *term = NULL;
    size_t tl = 0;
    t->goff = (uint32_t)z->ngid;
    t->glen = 0;
    int st = token_term(&z->ts, tok, len, lex, gid, &term, &tl);
    if (st < 0) return -1;
    if (st) {
        t->stem = TERM_STOP;
    } else {
        int64_t s = mz_strmap_find(z->v->stems, term, tl);
        t->stem = s >= 0 ? (int32_t)s : TERM_UNKNOWN;
        if (z->v->opt.char_min > 0) {
            if (grams(tok, len, z->v->opt.char_min, z->v->opt.char_max, gram_lookup_cb, z) != 0) return -1;
            t->glen = (uint32_t)(z->ngid - t->goff);
        }
    }
    int64_t idx = (int64_t)z->nent++;
    if (!lex && mz_strmap_intern(z->cache, tok, len, (int32_t)idx, NULL) < 0) return -1;
    return idx;
}

int mz_vectorize(mz_vectorizer *z, const mz_doc *d, const uint8_t *ctx,
                 const mz_extra *extras, size_t nextra, mz_sparse *out, mz_err *e)
{
    if (reserve_doc(z, d->ntok) != 0) return mz_fail(e, "out of memory");
    /* bounded cache, emptied between documents (never during one, since
     * entries of the current document are referenced by index) */
    int fresh = d->lex && z->gen != d->lex->generation;
    if (mz_strmap_count(z->cache) >= CACHE_MAX_ENTRIES || z->nent >= CACHE_MAX_ENTRIES || fresh) {
        mz_strmap_clear(z->cache);
        z->nent = 0;
        z->ngid = 0;
        for (size_t g = 0; g < z->gcap; g++) z->ent_of_gid[g] = GENT_UNSET;
        if (d->lex) z->gen = d->lex->generation;
    }
    size_t n = 0, ntitle = 0;
    for (size_t i = 0; i < d->ntok; i++) {
        int32_t g = d->tok[i].gid;
        /* a token seen before costs one load: its entry index and stem id
         * packed in one word per lexicon id (prefetched a few tokens on) */
        if (i + PF_AHEAD < d->ntok) {
            int32_t ga = d->tok[i + PF_AHEAD].gid;
            if (ga >= 0 && (size_t)ga < z->gcap) __builtin_prefetch(&z->ent_of_gid[ga]);
        }
        int64_t en;
        int32_t id;
        if (g >= 0 && (size_t)g < z->gcap && z->ent_of_gid[g] != GENT_UNSET) {
            uint64_t x = z->ent_of_gid[g];
            en = (int64_t)(x >> 32);
            id = (int32_t)(uint32_t)x;
        } else {
            en = token_entry(z, mz_doc_tok(d, i), d->tok[i].len, g < 0 ? NULL : d->lex, g);
            if (en < 0) return mz_fail(e, "out of memory");
            id = z->ent[en].stem;
            if (g >= 0) {
                if ((size_t)g >= z->gcap) {
                    size_t nc = z->gcap ? z->gcap : 4096;
                    while (nc <= (size_t)g) nc *= 2;
                    uint64_t *a = realloc(z->ent_of_gid, nc * sizeof *a);
                    if (!a) return mz_fail(e, "out of memory");
                    for (size_t k = z->gcap; k < nc; k++) a[k] = GENT_UNSET;
                    z->ent_of_gid = a;
                    z->gcap = nc;
                }
                z->ent_of_gid[g] = (uint64_t)en << 32 | (uint32_t)id;
            }
        }
        if (id == TERM_STOP) continue;
        if (i < d->ntitle) ntitle++;
        z->id[n] = id;
        z->tix[n] = (int32_t)en;
        z->sent[n] = d->tok[i].sent;
        n++;
    }
    mz_extra ex[8 + MZ_NPUNCT];
    if (nextra > 8) nextra = 8;
    size_t nex = with_punct(&z->v->opt, d, extras, nextra, ex);
    fast_emit(z, n, ntitle, ctx, d->nsent);
    /* trigrams and pseudo-terms, the rare kinds, through the generic path */
    if (z->v->opt.ngram_max >= 3 || nex) {
        mz_featopts o3 = z->v->opt;
        o3.context = 0;
        emit_rare(z->id, z->sent, n, ntitle, &o3, ex, nex, lookup_cb, z);
    }
    for (size_t i = 0; z->v->opt.char_min > 0 && i < n; i++) {
        double w = i < ntitle ? z->v->opt.title_weight : 1.0;
        if (w == 0.0) continue;
        const tokentry *t = &z->ent[z->tix[i]];
        for (uint32_t k = 0; k < t->glen; k++) acc_add(&z->a, z->gid[t->goff + k], w);
    }
    if (acc_finish(&z->a, z->v, out) != 0) return mz_fail(e, "out of memory");
    return 0;
}

/* ------------------------------------------- one index for several vocabs */

/* Bundles classified together look up the same stems and stem pairs, each
 * in its own tables: with four bundles an article's pairs were hashed,
 * filtered and probed three times over (a stance bundle only where its
 * target is named), the slots a miss each, and every new token's stem was
 * looked up once per bundle.  The union keeps one stem table and one pair
 * table for the members, each entry holding every member's feature ids
 * side by side (a column per member, and one more per member with context
 * features for its 'c' and 'd'), so each lookup is done once per article
 * and each member's loop reads its column. */
struct mz_vocab_union {
    int *ccol;          /* per member: its 'c'/'d' column, or -1 */
    size_t ncol;
    tokstem ts;         /* the members' common options and stopwords (stemmer unused) */
    mz_strmap *stems;   /* stem → union stem id */
    int32_t *srow;      /* per union stem, ncol ids: 'u' (member columns), 'c' */
    int32_t *pslot;     /* pair slots of stride int32s: key (2), then ncol ids of 'b', 'd' */
    size_t stride, pmask, npairs;
    pairbloom f;
};

static int same_stopwords(const mz_vocab *a, const mz_vocab *b)
{
    if (a->opt.stopwords != b->opt.stopwords) return 0;
    if (!a->opt.stopwords) return 1;
    const mz_strmap *x = a->sw.set, *y = b->sw.set;
    size_t nx = x ? mz_strmap_count(x) : 0, ny = y ? mz_strmap_count(y) : 0;
    if (nx != ny) return 0;
    for (size_t i = 0; i < nx; i++) {
        size_t kl;
        const char *k = mz_strmap_key(x, i, &kl);
        if (mz_strmap_find(y, k, kl) < 0) return 0;
    }
    return 1;
}

int mz_vocab_union_fits(const mz_vocab *a, const mz_vocab *b)
{
    /* fast_emit's kinds only (no trigrams, no character n-grams), from the
     * same term sequence: stemmed alike, the same stopwords dropped */
    const mz_vocab *s[2] = {a, b};
    for (int k = 0; k < 2; k++)
        if (s[k]->opt.ngram_max > 2 || s[k]->opt.char_min > 0 || !s[k]->stems || !s[k]->ufid || !s[k]->cfid)
            return 0;
    return a->opt.stem == b->opt.stem && same_stopwords(a, b);
}

void mz_vocab_union_free(mz_vocab_union *u)
{
    if (!u) return;
    free(u->ccol);
    mz_strmap_free(u->stems);
    free(u->srow);
    free(u->pslot);
    free(u->f.w);
    free(u);
}

static inline int32_t *union_slot(const mz_vocab_union *u, size_t i) { return u->pslot + i * u->stride; }

static inline uint64_t union_key(const int32_t *s)
{
    uint64_t k;
    memcpy(&k, s, sizeof k);
    return k;
}

/* The slot of pair key k, or where it would go (key 0 there). */
static size_t union_find(const mz_vocab_union *u, uint64_t k)
{
    size_t i = (size_t)pair_hash(k) & u->pmask;
    for (uint64_t s; (s = union_key(union_slot(u, i))) && s != k;) i = (i + 1) & u->pmask;
    return i;
}

static int union_rehash(mz_vocab_union *u, size_t cap)
{
    int32_t *old = u->pslot;
    size_t oldcap = old ? u->pmask + 1 : 0;
    u->pslot = mz_huge_calloc(cap * u->stride, sizeof *u->pslot);
    if (!u->pslot) {
        u->pslot = old;
        return -1;
    }
    u->pmask = cap - 1;
    for (size_t i = 0; i < oldcap; i++) {
        const int32_t *s = old + i * u->stride;
        uint64_t k = union_key(s);
        if (k) memcpy(union_slot(u, union_find(u, k)), s, u->stride * sizeof *s);
    }
    free(old);
    return 0;
}

/* Member m's feature f of pair (a, b) in union stem ids, in column col. */
static int union_put_pair(mz_vocab_union *u, int32_t a, int32_t b, size_t col, int32_t f)
{
    /* at most two thirds full: slots are 32 bytes, two to a cache line, so
     * a probe's next slot is mostly in the line already fetched */
    if ((u->npairs + 1) * 3 > (u->pmask + 1) * 2 && union_rehash(u, (u->pmask + 1) * 2) != 0) return -1;
    uint64_t k = pair_key(a, b);
    int32_t *s = union_slot(u, union_find(u, k));
    if (!union_key(s)) {
        memcpy(s, &k, sizeof k);
        for (size_t c = 0; c < u->ncol; c++) s[2 + c] = -1;
        u->npairs++;
    }
    s[2 + col] = f;
    return 0;
}

mz_vocab_union *mz_vocab_union_new(const mz_vocab *const *v, size_t n, mz_err *e)
{
    mz_vocab_union *u = calloc(1, sizeof *u);
    int32_t *map = NULL;
    if (!u || !(u->ccol = malloc(n * sizeof *u->ccol))) goto oom;
    u->ncol = n;
    for (size_t m = 0; m < n; m++) {
        u->ccol[m] = v[m]->opt.context ? (int)u->ncol++ : -1;
    }
    u->ts.o = &v[0]->opt;
    u->ts.sw = &v[0]->sw;
    u->stride = 2 + u->ncol;
    /* up to 8 ids a slot never straddles a cache line; more, and rounding to
     * a power of two would double the table (many bundles) for little */
    if (u->stride <= 8)
        while (u->stride & (u->stride - 1)) u->stride++;
    else
        u->stride = (u->stride + 3) & ~(size_t)3;
    size_t most = 0;
    for (size_t m = 0; m < n; m++) most = v[m]->nstems > most ? v[m]->nstems : most;
    if (!(u->stems = mz_strmap_new(most * 2 + 16)) || union_rehash(u, 1 << 12) != 0) goto oom;
    size_t rowcap = 0;
    for (size_t m = 0; m < n; m++) {
        const mz_vocab *w = v[m];
        free(map);
        if (!(map = malloc((w->nstems + 1) * sizeof *map))) goto oom;
        for (size_t s = 0; s < w->nstems; s++) {
            size_t kl;
            const char *k = mz_strmap_key(w->stems, s, &kl);
            int64_t id = mz_strmap_intern(u->stems, k, kl, 0, NULL);
            if (id < 0) goto oom;
            if ((size_t)id >= rowcap) {
                size_t nc = rowcap ? rowcap * 2 : 1 << 14;
                while (nc <= (size_t)id) nc *= 2;
                int32_t *r = realloc(u->srow, nc * u->ncol * sizeof *r);
                if (!r) goto oom;
                for (size_t i = rowcap * u->ncol; i < nc * u->ncol; i++) r[i] = -1;
                u->srow = r;
                rowcap = nc;
            }
            map[s] = (int32_t)id;
            u->srow[(size_t)id * u->ncol + m] = w->ufid[s];
            if (u->ccol[m] >= 0) u->srow[(size_t)id * u->ncol + (size_t)u->ccol[m]] = w->cfid[s];
        }
        for (size_t f = 0; f < w->nfeat; f++) {
            size_t kl;
            const unsigned char *k = (const unsigned char *)mz_strmap_key(w->feats, f, &kl);
            int32_t a, b;
            if (kl != 9 || (k[0] != 'b' && !(k[0] == 'd' && u->ccol[m] >= 0))) continue;
            memcpy(&a, k + 1, 4);
            memcpy(&b, k + 5, 4);
            /* a pair of stems the vocabulary does not hold is never looked up */
            if (a < 0 || b < 0 || (size_t)a >= w->nstems || (size_t)b >= w->nstems) continue;
            if (union_put_pair(u, map[a], map[b], k[0] == 'b' ? m : (size_t)u->ccol[m], (int32_t)f) != 0) goto oom;
        }
    }
    free(map);
    map = NULL;
    if (bloom_init(&u->f, u->npairs) != 0) goto oom;
    for (size_t i = 0; i <= u->pmask; i++) {
        uint64_t k = union_key(union_slot(u, i));
        if (k) bloom_add(&u->f, pair_hash(k));
    }
    return u;
oom:
    free(map);
    mz_vocab_union_free(u);
    mz_fail(e, "out of memory");
    return NULL;
}

static inline void union_prefetch(const mz_vocab_union *u, int32_t a, int32_t b, int stage)
{
    uint64_t h = pair_hash(pair_key(a, b)), bits;
    if (stage == 0) keep_prefetch(bloom_word(&u->f, h, &bits));
    else if (bloom_may(&u->f, h)) keep_prefetch(union_slot(u, (size_t)h & u->pmask));
}

static inline const int32_t *union_get(const mz_vocab_union *u, int32_t a, int32_t b)
{
    uint64_t k = pair_key(a, b), h = pair_hash(k);
    if (!bloom_may(&u->f, h)) return NULL;
    for (size_t i = (size_t)h & u->pmask;; i = (i + 1) & u->pmask) {
        const int32_t *s = union_slot(u, i);
        uint64_t sk = union_key(s);
        if (sk == k) return s + 2;
        if (!sk) return NULL;
    }
}

#define UNI_UNSET (-3)

struct mz_unidoc {
    const mz_vocab_union *u;
    tokstem ts;          /* the union's, with this thread's stemmer */
    int32_t *of_gid;     /* lexicon id → union stem id, TERM_*, or UNI_UNSET */
    size_t gcap;
    uint32_t gen;
    int32_t *id;         /* per term (stopwords dropped): union stem id or TERM_UNKNOWN */
    uint32_t *sent;
    int32_t *fu, *fb;    /* per term, ncol ids: its unigram's, its pair's with the next term */
    size_t n, ntitle, cap;
};

mz_unidoc *mz_unidoc_new(const mz_vocab_union *u, mz_err *e)
{
    mz_unidoc *ud = calloc(1, sizeof *ud);
    if (!ud) {
        mz_fail(e, "out of memory");
        return NULL;
    }
    ud->u = u;
    ud->ts = u->ts;
    if (!(ud->ts.stemmer = mz_stemmer_new(e))) {
        free(ud);
        return NULL;
    }
    return ud;
}

void mz_unidoc_free(mz_unidoc *ud)
{
    if (!ud) return;
    mz_stemmer_free(ud->ts.stemmer);
    free(ud->of_gid);
    free(ud->id);
    free(ud->sent);
    free(ud->fu);
    free(ud->fb);
    free(ud);
}

/* A token's union stem id, TERM_STOP or TERM_UNKNOWN; -4 on out-of-memory. */
static int32_t union_term(mz_unidoc *ud, const char *tok, size_t len, mz_lexicon *lex, int32_t gid)
{
    const char *term;
    size_t tl;
    int st = token_term(&ud->ts, tok, len, lex, gid, &term, &tl);
    if (st < 0) return -4;
    if (st) return TERM_STOP;
    int64_t s = mz_strmap_find(ud->u->stems, term, tl);
    return s >= 0 ? (int32_t)s : TERM_UNKNOWN;
}

int mz_unidoc_build(mz_unidoc *ud, const mz_doc *d, mz_err *e)
{
    const mz_vocab_union *u = ud->u;
    size_t nc = u->ncol;
    if (d->ntok > ud->cap) {
        size_t c = d->ntok * 2;
        int32_t *id = realloc(ud->id, c * sizeof *id);
        if (id) ud->id = id;
        uint32_t *s = realloc(ud->sent, c * sizeof *s);
        if (s) ud->sent = s;
        int32_t *fu = realloc(ud->fu, c * nc * sizeof *fu);
        if (fu) ud->fu = fu;
        int32_t *fb = realloc(ud->fb, c * nc * sizeof *fb);
        if (fb) ud->fb = fb;
        if (!id || !s || !fu || !fb) return mz_fail(e, "out of memory");
        ud->cap = c;
    }
    if (d->lex && ud->gen != d->lex->generation) {
        for (size_t g = 0; g < ud->gcap; g++) ud->of_gid[g] = UNI_UNSET;
        ud->gen = d->lex->generation;
    }
    size_t n = 0, ntitle = 0;
    for (size_t i = 0; i < d->ntok; i++) {
        int32_t g = d->tok[i].gid, id;
        if (i + PF_AHEAD < d->ntok) {
            int32_t ga = d->tok[i + PF_AHEAD].gid;
            if (ga >= 0 && (size_t)ga < ud->gcap) __builtin_prefetch(&ud->of_gid[ga]);
        }
        if (g >= 0 && (size_t)g < ud->gcap && ud->of_gid[g] != UNI_UNSET) {
            id = ud->of_gid[g];
        } else {
            id = union_term(ud, mz_doc_tok(d, i), d->tok[i].len, g < 0 ? NULL : d->lex, g);
            if (id < TERM_STOP) return mz_fail(e, "out of memory");
            if (g >= 0) {
                if ((size_t)g >= ud->gcap) {
                    size_t c = ud->gcap ? ud->gcap : 4096;
                    while (c <= (size_t)g) c *= 2;
                    int32_t *a = realloc(ud->of_gid, c * sizeof *a);
                    if (!a) return mz_fail(e, "out of memory");
                    for (size_t k = ud->gcap; k < c; k++) a[k] = UNI_UNSET;
                    ud->of_gid = a;
                    ud->gcap = c;
                }
                ud->of_gid[g] = id;
            }
        }
        if (id == TERM_STOP) continue;
        if (i < d->ntitle) ntitle++;
        ud->id[n] = id;
        ud->sent[n] = d->tok[i].sent;
        n++;
    }
    ud->n = n;
    ud->ntitle = ntitle;
    /* Every member's ids, term by term, with fast_emit's prefetches: the
     * stem rows and the pairs' filter words some terms ahead, a pair's slot
     * once its filter word has let it through. */
    const int32_t *id = ud->id;
    const uint32_t *sent = ud->sent;
    for (size_t i = 0; i < n; i++) {
        size_t j = i + PF_AHEAD;
        if (j < n && id[j] >= 0) __builtin_prefetch(&u->srow[(size_t)id[j] * nc]);
        if (j + 1 < n && id[j] >= 0 && id[j + 1] >= 0) union_prefetch(u, id[j], id[j + 1], 0);
        j = i + PF_SLOT;
        if (j + 1 < n && id[j] >= 0 && id[j + 1] >= 0) union_prefetch(u, id[j], id[j + 1], 1);
        int32_t *fu = ud->fu + i * nc, *fb = ud->fb + i * nc;
        const int32_t *p = NULL;
        if (id[i] >= 0) memcpy(fu, &u->srow[(size_t)id[i] * nc], nc * sizeof *fu);
        else
            for (size_t c = 0; c < nc; c++) fu[c] = -1;
        if (id[i] >= 0 && i + 1 < n && id[i + 1] >= 0 && sent[i + 1] == sent[i]) p = union_get(u, id[i], id[i + 1]);
        if (p) memcpy(fb, p, nc * sizeof *fb);
        else
            for (size_t c = 0; c < nc; c++) fb[c] = -1;
    }
    return 0;
}

int mz_vectorize_member(mz_vectorizer *z, const mz_unidoc *ud, size_t member, const mz_doc *d, const uint8_t *ctx,
                        const mz_extra *extras, size_t nextra, mz_sparse *out, mz_err *e)
{
    const mz_vocab *v = z->v;
    const mz_featopts *o = &v->opt;
    size_t nc = ud->u->ncol, cu = member;
    int cc = ud->u->ccol[member];
    int bigrams = o->ngram_max >= 2, context = o->context && ctx && cc >= 0;
    /* fast_emit's occurrences, in its order */
    for (size_t i = 0; i < ud->n; i++) {
        double w = i < ud->ntitle ? o->title_weight : 1.0;
        if (w == 0.0 || ud->id[i] < 0) continue;
        const int32_t *fu = ud->fu + i * nc, *fb = ud->fb + i * nc;
        int32_t f = fu[cu];
        if (f >= 0) acc_add(&z->a, f, w);
        int inctx = context && ud->sent[i] < d->nsent && ctx[ud->sent[i]];
        if (inctx && (f = fu[cc]) >= 0) acc_add(&z->a, f, w);
        if (bigrams) {
            if ((f = fb[cu]) >= 0) acc_add(&z->a, f, w);
            if (inctx && (f = fb[cc]) >= 0) acc_add(&z->a, f, w);
        }
    }
    mz_extra ex[8 + MZ_NPUNCT];
    if (nextra > 8) nextra = 8;
    size_t nex = with_punct(o, d, extras, nextra, ex);
    if (nex) {
        mz_featopts o3 = *o;
        o3.context = 0;
        emit_rare(NULL, NULL, 0, 0, &o3, ex, nex, lookup_cb, z);
    }
    if (acc_finish(&z->a, v, out) != 0) return mz_fail(e, "out of memory");
    return 0;
}

/* ------------------------------------------------------------ termizer */

/* Stems are kept per token in a lexicon's memo (a corpus repeats its
 * words; Snowball was a sixth of training time), a stopword as an empty
 * memo (a stem is never empty).  Bounded: the lexicon restarts when it
 * holds TERM_CACHE_MAX tokens. */
#define TERM_CACHE_MAX (1u << 18)
struct mz_termizer {
    tokstem ts;
    mz_featopts o;
    mz_lexicon lex;
};

/* As token_term(), through the memo of the token's gid g. */
static int cached_term(mz_termizer *t, int32_t g, const char *tok, size_t len, const char **term, size_t *tlen)
{
    const char *m = mz_lexicon_memo(&t->lex, g, tlen);
    if (m) {
        *term = m;
        return *tlen == 0;
    }
    int stop = token_term(&t->ts, tok, len, NULL, -1, term, tlen);
    if (stop < 0) return -1;
    if (stop) return mz_lexicon_set_memo(&t->lex, g, "", 0) != 0 ? -1 : 1;
    if (*tlen <= 255 && mz_lexicon_set_memo(&t->lex, g, *term, *tlen) != 0) return -1;
    return 0;
}

mz_termizer *mz_termizer_new(const mz_featopts *o, const mz_stopwords *sw, mz_err *e)
{
    mz_termizer *t = calloc(1, sizeof *t);
    if (!t) {
        mz_fail(e, "out of memory");
        return NULL;
    }
    t->o = *o;
    t->ts.o = &t->o;
    t->ts.sw = sw;
    t->ts.stemmer = mz_stemmer_new(e);
    if (!t->ts.stemmer) {
        free(t);
        return NULL;
    }
    if (mz_lexicon_init(&t->lex, TERM_CACHE_MAX) != 0) {
        mz_termizer_free(t);
        mz_fail(e, "out of memory");
        return NULL;
    }
    return t;
}

mz_lexicon *mz_termizer_lexicon(mz_termizer *t) { return &t->lex; }

void mz_termizer_free(mz_termizer *t)
{
    if (!t) return;
    mz_stemmer_free(t->ts.stemmer);
    mz_lexicon_free(&t->lex);
    free(t);
}

void mz_stemdoc_free(mz_stemdoc *s)
{
    free(s->buf);
    free(s->hash);
    free(s->sent);
    free(s->ctx);
    for (size_t i = 0; i < s->nextra; i++) free((char *)s->extras[i].name);
    free(s->extras);
    memset(s, 0, sizeof *s);
}

int mz_termize(mz_termizer *t, const mz_doc *d, const uint8_t *ctx,
               const mz_extra *extras_in, size_t nextra_in, mz_stemdoc *out, mz_err *e)
{
    memset(out, 0, sizeof *out);
    mz_extra extras[8 + MZ_NPUNCT];
    if (nextra_in > 8) nextra_in = 8;
    size_t nextra = with_punct(&t->o, d, extras_in, nextra_in, extras);
    size_t cap = d->buf_len * 2 + 16;
    out->buf = malloc(cap);
    out->sent = malloc((d->ntok + 1) * sizeof *out->sent);
    out->hash = malloc((d->ntok + 1) * sizeof *out->hash);
    if (!out->buf || !out->sent || !out->hash) goto oom;
    /* numbered as it was built (mz_termizer_lexicon), or here */
    int numbered = d->lex == &t->lex;
    for (size_t i = 0; i < d->ntok; i++) {
        const char *tok = mz_doc_tok(d, i);
        size_t len = d->tok[i].len, tl;
        const char *term;
        if (numbered && i + 8 < d->ntok) mz_lexicon_prefetch_memo(&t->lex, d->tok[i + 8].gid, 0);
        if (numbered && i + 4 < d->ntok) mz_lexicon_prefetch_memo(&t->lex, d->tok[i + 4].gid, 1);
        int32_t g = numbered ? d->tok[i].gid : mz_lexicon_id(&t->lex, tok, len);
        if (g < 0) goto oom;
        int st = cached_term(t, g, tok, len, &term, &tl);
        if (st < 0) goto oom;
        if (st) continue;
        if (out->len + tl + len + 2 > cap) {
            while (out->len + tl + len + 2 > cap) cap *= 2;
            char *b = realloc(out->buf, cap);
            if (!b) goto oom;
            out->buf = b;
        }
        memcpy(out->buf + out->len, term, tl);
        out->len += tl;
        out->buf[out->len++] = '\0';
        memcpy(out->buf + out->len, tok, len);
        out->len += len;
        out->buf[out->len++] = '\0';
        out->sent[out->nterm] = d->tok[i].sent;
        out->hash[out->nterm] = numbered ? t->lex.hash[i] : mz_hash_bytes(tok, len);
        if (i < d->ntitle) out->ntitle_terms++;
        out->nterm++;
    }
    out->nsent = d->nsent;
    if (ctx && d->nsent) {
        out->ctx = malloc(d->nsent);
        if (!out->ctx) goto oom;
        memcpy(out->ctx, ctx, d->nsent);
    }
    if (nextra) {
        out->extras = calloc(nextra, sizeof *out->extras);
        if (!out->extras) goto oom;
        for (size_t k = 0; k < nextra; k++) {
            out->extras[k].name = strdup(extras[k].name);
            out->extras[k].count = extras[k].count;
            out->nextra++;
            if (!out->extras[k].name) goto oom;
        }
    }
    return 0;
oom:
    mz_stemdoc_free(out);
    return mz_fail(e, "out of memory");
}

/* ------------------------------------------------------------- builder */

/* A feature's document frequency and the last document that counted it. */
typedef struct dfcount {
    int32_t n, last;
} dfcount;

typedef struct ucount {
    int32_t f; /* -1: not seen yet */
    dfcount c;
} ucount;

typedef struct dfslot {
    uint64_t key; /* pair_key(); 0 = empty */
    int32_t f;
    dfcount c;
} dfslot;

struct mz_vocab_builder {
    mz_featopts o;
    const mz_stopwords *sw;
    mz_strmap *stems;     /* builder stem ids */
    int32_t *best_surf;   /* per stem: its most frequent surface form (the
                           * first seen on ties) as a surf_count entry, or
                           * -1; what evidence shows */
    int32_t *best_count;
    mz_strmap *surf_count; /* surface → occurrences; a surface (a token)
                            * has one stem, surf_stem[entry] */
    int32_t *surf_stem;
    size_t ss_cap;
    size_t surf_cap;
    /* Features are numbered in order of first sight (which makes equal
     * corpora give equal vocabularies); df[f] counts their documents.  A
     * 'u'/'c'/'b'/'d' feature is its kind and stem ids (fkind, fa, fb); any
     * other kind is an entry of `feats`, its byte key (fa: entry index;
     * the entry's value is f). */
    mz_strmap *feats;
    size_t nf;
    char *fkind;
    int32_t *fa, *fb;
    dfcount *df; /* next to the last document that counted, one cache line */
    size_t fcap;
    /* while counting df, the same indexes by integer key, so that each of
     * the corpus' millions of occurrences is one array or table access and
     * not a byte-key hash lookup: per stem its 'u'/'c' feature, per stem
     * pair its 'b'/'d' feature (-1: not seen yet).  These kinds keep their
     * counts there, in the entry the lookup has just brought into the
     * cache, rather than in df[] (another miss per occurrence: counting
     * was most of fitting the vocabulary, and serial); finish() moves them
     * into df[].  The pair tables, a hundred megabytes on a news corpus,
     * are on huge pages (hugemem.h): the prefetch of a slot waited on its
     * TLB miss. */
    ucount *uf, *cf;
    size_t ufcap;
    dfslot *pm[2];
    size_t pmask[2], pcount[2];
    int32_t cur_doc;
    int32_t *stem_map;    /* builder stem id → vocab stem id (after finish) */
    /* character n-grams: per distinct token, its 'g' features as builder
     * feature ids (tg), then after finish as vocab feature ids (vg) */
    mz_strmap *toks;
    int32_t *tg_off, *tg_len;
    size_t tcap;
    int32_t *tg, *vg;
    size_t ntg, tgcap;
};

mz_vocab_builder *mz_vocab_builder_new(const mz_featopts *o, const mz_stopwords *sw, mz_err *e)
{
    mz_vocab_builder *b = calloc(1, sizeof *b);
    if (!b) goto oom;
    b->o = *o;
    b->sw = sw;
    b->stems = mz_strmap_new(1 << 16);
    b->feats = mz_strmap_new(1 << 18);
    b->toks = mz_strmap_new(1 << 16);
    b->surf_count = mz_strmap_new(1 << 16);
    if (!b->stems || !b->feats || !b->toks || !b->surf_count) {
        mz_vocab_builder_free(b);
        goto oom;
    }
    return b;
oom:
    mz_fail(e, "out of memory");
    return NULL;
}

void mz_vocab_builder_free(mz_vocab_builder *b)
{
    if (!b) return;
    mz_strmap_free(b->stems);
    free(b->best_surf);
    free(b->best_count);
    mz_strmap_free(b->surf_count);
    free(b->surf_stem);
    mz_strmap_free(b->feats);
    free(b->df);
    free(b->fkind);
    free(b->fa);
    free(b->fb);
    free(b->uf);
    free(b->cf);
    free(b->pm[0]);
    free(b->pm[1]);
    free(b->stem_map);
    mz_strmap_free(b->toks);
    free(b->tg_off);
    free(b->tg_len);
    free(b->tg);
    free(b->vg);
    free(b);
}

void mz_termdoc_free(mz_termdoc *d)
{
    free(d->term);
    free(d->tok);
    free(d->sent);
    free(d->ctx);
    for (size_t i = 0; i < d->nextra; i++) free((char *)d->extras[i].name);
    free(d->extras);
    memset(d, 0, sizeof *d);
}

/* A new feature number, with its slots grown to cover it. */
static int64_t new_feature(mz_vocab_builder *b, char kind, int32_t a, int32_t c)
{
    if (b->nf >= INT32_MAX - 1) return -1;
    if (b->nf == b->fcap) {
        size_t nc = b->fcap ? b->fcap * 2 : 1 << 16;
        dfcount *df = realloc(b->df, nc * sizeof *df);
        if (df) b->df = df;
        char *k = realloc(b->fkind, nc);
        if (k) b->fkind = k;
        int32_t *fa = realloc(b->fa, nc * sizeof *fa);
        if (fa) b->fa = fa;
        int32_t *fb = realloc(b->fb, nc * sizeof *fb);
        if (fb) b->fb = fb;
        if (!df || !k || !fa || !fb) return -1;
        for (size_t i = b->fcap; i < nc; i++) b->df[i] = (dfcount){0, -1};
        b->fcap = nc;
    }
    size_t f = b->nf++;
    b->fkind[f] = kind;
    b->fa[f] = a;
    b->fb[f] = c;
    return (int64_t)f;
}

/* Builder feature index of a byte key ('t', 'x', 'g' kinds). */
static int64_t feat_slot(mz_vocab_builder *b, const unsigned char *key, size_t klen)
{
    int ins;
    int64_t en = mz_strmap_intern(b->feats, key, klen, 0, &ins);
    if (en < 0) return -1;
    if (!ins) return mz_strmap_value(b->feats, (size_t)en);
    int64_t f = new_feature(b, (char)key[0], (int32_t)en, 0);
    if (f < 0) return -1;
    mz_strmap_set_value(b->feats, (size_t)en, (int32_t)f);
    return f;
}

/* The byte key of builder feature f (at most 13 bytes). */
static size_t feat_key(const mz_vocab_builder *b, size_t f, unsigned char key[64])
{
    char k = b->fkind[f];
    key[0] = (unsigned char)k;
    if (k == 'u' || k == 'c') {
        memcpy(key + 1, &b->fa[f], 4);
        return 5;
    }
    if (k == 'b' || k == 'd') {
        memcpy(key + 1, &b->fa[f], 4);
        memcpy(key + 5, &b->fb[f], 4);
        return 9;
    }
    size_t kl;
    const char *s = mz_strmap_key(b->feats, (size_t)b->fa[f], &kl);
    if (kl > 63) kl = 63;
    memcpy(key, s, kl);
    return kl;
}

static int tg_cb(void *arg, const unsigned char *key, size_t klen, double w)
{
    (void)w;
    mz_vocab_builder *b = arg;
    int64_t f = feat_slot(b, key, klen);
    if (f < 0) return -1;
    if (b->ntg == b->tgcap) {
        size_t nc = b->tgcap ? b->tgcap * 2 : 1 << 16;
        int32_t *g = realloc(b->tg, nc * sizeof *g);
        if (!g) return -1;
        b->tg = g;
        b->tgcap = nc;
    }
    b->tg[b->ntg++] = (int32_t)f;
    return 0;
}

/* Token id of a surface form; its n-grams are interned on first sight. */
static int64_t builder_token(mz_vocab_builder *b, const char *t, size_t len)
{
    int ins;
    int64_t id = mz_strmap_intern(b->toks, t, len, 0, &ins);
    if (id < 0 || !ins) return id;
    if ((size_t)id >= b->tcap) {
        size_t nc = b->tcap ? b->tcap * 2 : 1 << 14;
        int32_t *o = realloc(b->tg_off, nc * sizeof *o);
        if (!o) return -1;
        b->tg_off = o;
        int32_t *l = realloc(b->tg_len, nc * sizeof *l);
        if (!l) return -1;
        b->tg_len = l;
        b->tcap = nc;
    }
    b->tg_off[id] = (int32_t)b->ntg;
    if (grams(t, len, b->o.char_min, b->o.char_max, tg_cb, b) != 0) return -1;
    b->tg_len[id] = (int32_t)(b->ntg - (size_t)b->tg_off[id]);
    return id;
}

int mz_vocab_builder_add(mz_vocab_builder *b, const mz_stemdoc *s, mz_termdoc *out, mz_err *e)
{
    memset(out, 0, sizeof *out);
    out->term = malloc((s->nterm + 1) * sizeof *out->term);
    out->sent = malloc((s->nterm + 1) * sizeof *out->sent);
    if (!out->term || !out->sent) goto oom;
    if (b->o.char_min > 0 && !(out->tok = malloc((s->nterm + 1) * sizeof *out->tok))) goto oom;
    const char *p = s->buf;
    /* Surfaces are looked up at random places in a table of the corpus'
     * distinct tokens: prefetch the slot PF_FAR terms ahead, the key
     * position it names PF_MID terms ahead, the key PF_NEAR terms ahead. */
    enum { PF_FAR = 16, PF_MID = 12, PF_NEAR = 8 };
    for (size_t i = 0; i < s->nterm; i++) {
        if (i + PF_FAR < s->nterm) mz_strmap_prefetch(b->surf_count, s->hash[i + PF_FAR], 0);
        if (i + PF_MID < s->nterm) mz_strmap_prefetch(b->surf_count, s->hash[i + PF_MID], 1);
        if (i + PF_NEAR < s->nterm) mz_strmap_prefetch(b->surf_count, s->hash[i + PF_NEAR], 2);
        size_t tl = strlen(p);
        const char *surf = p + tl + 1;
        size_t sl = strlen(surf);
        /* one lookup per occurrence, by its surface; the stem table is
         * consulted once per distinct surface */
        int ins;
        int64_t k = mz_strmap_intern_h(b->surf_count, surf, sl, s->hash[i], 0, &ins);
        if (k < 0) goto oom;
        if (ins) {
            if ((size_t)k >= b->ss_cap) {
                size_t nc = b->ss_cap ? b->ss_cap * 2 : 1 << 14;
                int32_t *ss = realloc(b->surf_stem, nc * sizeof *ss);
                if (!ss) goto oom;
                b->surf_stem = ss;
                b->ss_cap = nc;
            }
            int64_t sid = mz_strmap_intern(b->stems, p, tl, 0, NULL);
            if (sid < 0) goto oom;
            b->surf_stem[k] = (int32_t)sid;
        }
        int64_t id = b->surf_stem[k];
        if ((size_t)id >= b->surf_cap) {
            size_t nc = b->surf_cap ? b->surf_cap * 2 : 1024;
            int32_t *bs = realloc(b->best_surf, nc * sizeof *bs);
            if (!bs) goto oom;
            for (size_t j = b->surf_cap; j < nc; j++) bs[j] = -1;
            b->best_surf = bs;
            int32_t *bc = realloc(b->best_count, nc * sizeof *bc);
            if (!bc) goto oom;
            memset(bc + b->surf_cap, 0, (nc - b->surf_cap) * sizeof *bc);
            b->best_count = bc;
            b->surf_cap = nc;
        }
        if (sl <= 256) {
            int32_t cnt = mz_strmap_value(b->surf_count, (size_t)k) + 1;
            mz_strmap_set_value(b->surf_count, (size_t)k, cnt);
            if (cnt > b->best_count[id]) {
                b->best_count[id] = cnt;
                b->best_surf[id] = (int32_t)k;
            }
        }
        out->term[i] = (int32_t)id;
        out->sent[i] = s->sent[i];
        if (out->tok) {
            int64_t tid = builder_token(b, surf, sl);
            if (tid < 0) goto oom;
            out->tok[i] = (int32_t)tid;
        }
        p = surf + sl + 1;
    }
    out->nterm = s->nterm;
    out->ntitle_terms = s->ntitle_terms;
    out->nsent = s->nsent;
    if (s->ctx) {
        out->ctx = malloc(s->nsent ? s->nsent : 1);
        if (!out->ctx) goto oom;
        memcpy(out->ctx, s->ctx, s->nsent);
    }
    if (s->nextra) {
        out->extras = calloc(s->nextra, sizeof *out->extras);
        if (!out->extras) goto oom;
        for (size_t k = 0; k < s->nextra; k++) {
            out->extras[k].name = strdup(s->extras[k].name);
            out->extras[k].count = s->extras[k].count;
            out->nextra++;
            if (!out->extras[k].name) goto oom;
        }
    }
    return 0;
oom:
    mz_termdoc_free(out);
    return mz_fail(e, "out of memory");
}

static inline void count_doc(dfcount *c, int32_t doc)
{
    if (c->last != doc) {
        c->last = doc;
        c->n++;
    }
}

static void df_mark(mz_vocab_builder *b, int64_t f) { count_doc(&b->df[f], b->cur_doc); }

/* The entry of the kind 'u' or 'c' feature of builder stem a, the feature
 * interned on first sight; NULL on out-of-memory. */
static ucount *df_unigram(mz_vocab_builder *b, char kind, int32_t a)
{
    if ((size_t)a >= b->ufcap) {
        size_t nc = b->ufcap ? b->ufcap : 1 << 16;
        while (nc <= (size_t)a) nc *= 2;
        ucount *u = realloc(b->uf, nc * sizeof *u);
        if (u) b->uf = u;
        ucount *c = realloc(b->cf, nc * sizeof *c);
        if (c) b->cf = c;
        if (!u || !c) return NULL;
        for (size_t i = b->ufcap; i < nc; i++) b->uf[i] = b->cf[i] = (ucount){-1, {0, -1}};
        b->ufcap = nc;
    }
    ucount *u = kind == 'u' ? &b->uf[a] : &b->cf[a];
    if (u->f < 0) {
        int64_t f = new_feature(b, kind, a, 0);
        if (f < 0) return NULL;
        u->f = (int32_t)f;
    }
    return u;
}

/* The entry of the kind 'b' or 'd' feature for the stem pair (a, c),
 * interned on first sight; the pair tables grow at half full.  NULL on
 * out-of-memory. */
static dfslot *df_pair(mz_vocab_builder *b, char kind, int32_t a, int32_t c)
{
    int t = kind == 'd';
    if ((b->pcount[t] + 1) * 2 > (b->pm[t] ? b->pmask[t] + 1 : 0)) {
        size_t nc = b->pm[t] ? (b->pmask[t] + 1) * 2 : 1 << 16;
        dfslot *ns = mz_huge_calloc(nc, sizeof *ns);
        if (!ns) return NULL;
        for (size_t i = 0; b->pm[t] && i <= b->pmask[t]; i++) {
            if (!b->pm[t][i].key) continue;
            size_t j = (size_t)pair_hash(b->pm[t][i].key) & (nc - 1);
            while (ns[j].key) j = (j + 1) & (nc - 1);
            ns[j] = b->pm[t][i];
        }
        free(b->pm[t]);
        b->pm[t] = ns;
        b->pmask[t] = nc - 1;
    }
    uint64_t k = pair_key(a, c);
    size_t i = (size_t)pair_hash(k) & b->pmask[t];
    while (b->pm[t][i].key && b->pm[t][i].key != k) i = (i + 1) & b->pmask[t];
    dfslot *p = &b->pm[t][i];
    if (!p->key) {
        int64_t f = new_feature(b, kind, a, c);
        if (f < 0) return NULL;
        *p = (dfslot){k, (int32_t)f, {0, -1}};
        b->pcount[t]++;
    }
    return p;
}

/* The counts kept beside the indexes, into df[] (at the end of counting). */
static void df_gather(mz_vocab_builder *b)
{
    for (size_t a = 0; a < b->ufcap; a++) {
        if (b->uf[a].f >= 0) b->df[b->uf[a].f].n = b->uf[a].c.n;
        if (b->cf[a].f >= 0) b->df[b->cf[a].f].n = b->cf[a].c.n;
    }
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; b->pm[t] && i <= b->pmask[t]; i++)
            if (b->pm[t][i].key) b->df[b->pm[t][i].f].n = b->pm[t][i].c.n;
}

static int df_cb(void *arg, const unsigned char *key, size_t klen, double w);

/* Document frequencies of one document's features: emit()'s features in
 * emit()'s order (which fixes the feature numbering), 'u', 'c', 'b', 'd'
 * through the integer indexes above, the rare kinds through df_cb. */
static int df_doc(mz_vocab_builder *b, const mz_termdoc *t)
{
    const mz_featopts *o = &b->o;
    const int32_t *id = t->term;
    const uint32_t *sent = t->sent;
    size_t n = t->nterm;
    /* bigram slots are cache misses at random places: prefetch ahead */
    enum { PF_PAIR = 8 };
    for (size_t i = 0; i < n; i++) {
        if (o->ngram_max >= 2 && b->pm[0] && i + PF_PAIR + 1 < n)
            __builtin_prefetch(&b->pm[0][pair_hash(pair_key(id[i + PF_PAIR], id[i + PF_PAIR + 1])) & b->pmask[0]]);
        double w = i < t->ntitle_terms ? o->title_weight : 1.0;
        if (w == 0.0 || id[i] < 0) continue;
        ucount *u = df_unigram(b, 'u', id[i]);
        if (!u) return -1;
        count_doc(&u->c, b->cur_doc);
        int inctx = o->context && t->ctx && sent[i] < t->nsent && t->ctx[sent[i]];
        if (inctx) {
            if (!(u = df_unigram(b, 'c', id[i]))) return -1;
            count_doc(&u->c, b->cur_doc);
        }
        if (o->ngram_max >= 2 && i + 1 < n && id[i + 1] >= 0 && sent[i + 1] == sent[i]) {
            dfslot *p = df_pair(b, 'b', id[i], id[i + 1]);
            if (!p) return -1;
            count_doc(&p->c, b->cur_doc);
            if (inctx) {
                if (!(p = df_pair(b, 'd', id[i], id[i + 1]))) return -1;
                count_doc(&p->c, b->cur_doc);
            }
            if (o->ngram_max >= 3 && i + 2 < n && id[i + 2] >= 0 && sent[i + 2] == sent[i]) {
                unsigned char key[13] = {'t'};
                memcpy(key + 1, &id[i], 4);
                memcpy(key + 5, &id[i + 1], 4);
                memcpy(key + 9, &id[i + 2], 4);
                if (df_cb(b, key, 13, w) != 0) return -1;
            }
        }
    }
    return emit(NULL, NULL, 0, 0, NULL, 0, o, t->extras, t->nextra, df_cb, b);
}

static int df_cb(void *arg, const unsigned char *key, size_t klen, double w)
{
    (void)w;
    mz_vocab_builder *b = arg;
    int64_t f = feat_slot(b, key, klen);
    if (f < 0) return -1;
    df_mark(b, f);
    return 0;
}

typedef struct rank {
    int32_t df;
    int32_t f;
} rank;

static int cmp_rank(const void *x, const void *y)
{
    const rank *a = x, *b = y;
    if (a->df != b->df) return a->df > b->df ? -1 : 1;
    return (a->f > b->f) - (a->f < b->f);
}

/* Printable term of a feature key: each stem as its most frequent surface. */
static char *key_text(const mz_vocab_builder *b, const unsigned char *key, size_t klen)
{
    char buf[1024];
    size_t n = 0;
    if (key[0] == 'x' || key[0] == 'g') {
        snprintf(buf, sizeof buf, "%.*s", (int)(klen - 1), (const char *)key + 1);
        return strdup(buf);
    }
    for (size_t p = 1; p + 4 <= klen; p += 4) {
        int32_t id;
        memcpy(&id, key + p, 4);
        /* the stem's most frequent surface (the stem itself when every
         * surface was too long to be counted) */
        size_t sl;
        const char *sf = b->best_surf[id] >= 0 ? mz_strmap_key(b->surf_count, (size_t)b->best_surf[id], &sl)
                                               : mz_strmap_key(b->stems, (size_t)id, &sl);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.*s", p > 1 ? " " : "", (int)sl, sf);
        if (n >= sizeof buf) break;
    }
    return strdup(buf);
}

/* Each feature's document frequency over the documents (a character
 * n-gram's through its word's, in words that count), gathered. */
static int count_df(mz_vocab_builder *b, const mz_termdoc *docs, size_t ndocs)
{
    for (size_t d = 0; d < ndocs; d++) {
        b->cur_doc = (int32_t)d;
        const mz_termdoc *t = &docs[d];
        if (df_doc(b, t) != 0) return -1;
        for (size_t i = 0; t->tok && i < t->nterm; i++) {
            if ((i < t->ntitle_terms ? b->o.title_weight : 1.0) == 0.0) continue;
            const int32_t *g = b->tg + b->tg_off[t->tok[i]];
            for (int32_t k = 0; k < b->tg_len[t->tok[i]]; k++)
                df_mark(b, g[k]);
        }
    }
    df_gather(b);
    return 0;
}

/* The features kept (min and max document frequency, the caps): keep[f]
 * is 1 for each, *nkept their count.  NULL when out of memory. */
static int32_t *choose_features(const mz_vocab_builder *b, size_t ndocs, size_t *nkept)
{
    size_t nall = b->nf;
    rank *r = malloc((nall + 1) * sizeof *r), *rg = malloc((nall + 1) * sizeof *rg);
    int32_t *keep = calloc(nall + 1, sizeof *keep);
    if (!r || !rg || !keep) {
        free(r);
        free(rg);
        free(keep);
        return NULL;
    }
    size_t nk = 0, ng = 0;
    double maxdf = b->o.max_df * (double)ndocs;
    for (size_t f = 0; f < nall; f++) {
        char kind = b->fkind[f];
        /* named pseudo-terms are kept whatever their df */
        int named = kind == 'x';
        if (!named && (b->df[f].n < b->o.min_df || (b->o.max_df < 1.0 && b->df[f].n > maxdf))) continue;
        rank *dst = kind == 'g' ? &rg[ng++] : &r[nk++];
        dst->df = b->df[f].n;
        dst->f = (int32_t)f;
    }
    /* words and character n-grams are capped separately: n-grams are far
     * more frequent and would crowd words out of a shared budget */
    if (b->o.max_features > 0 && nk > (size_t)b->o.max_features) {
        qsort(r, nk, sizeof *r, cmp_rank);
        nk = (size_t)b->o.max_features;
    }
    if (b->o.char_max_features > 0 && ng > (size_t)b->o.char_max_features) {
        qsort(rg, ng, sizeof *rg, cmp_rank);
        ng = (size_t)b->o.char_max_features;
    }
    /* final order: first appearance in the corpus (builder index order) */
    for (size_t i = 0; i < nk; i++) keep[r[i].f] = 1;
    for (size_t i = 0; i < ng; i++) keep[rg[i].f] = 1;
    free(r);
    free(rg);
    *nkept = nk + ng;
    return keep;
}

/* A copy of the string set `from` into *to. */
static int copy_set(const mz_strmap *from, mz_strmap **to)
{
    *to = mz_strmap_new(mz_strmap_count(from) + 16);
    if (!*to) return -1;
    for (size_t i = 0; i < mz_strmap_count(from); i++) {
        size_t kl;
        const char *k = mz_strmap_key(from, i, &kl);
        if (mz_strmap_intern(*to, k, kl, 0, NULL) < 0) return -1;
    }
    return 0;
}

int mz_vocab_builder_finish(mz_vocab_builder *b, const mz_termdoc *docs, size_t ndocs,
                            mz_vocab *out, mz_err *e)
{
    memset(out, 0, sizeof *out);
    if (count_df(b, docs, ndocs) != 0) return mz_fail(e, "out of memory");
    size_t nall = b->nf, nk;
    int32_t *keep = choose_features(b, ndocs, &nk);
    if (!keep) return mz_fail(e, "out of memory");
    out->opt = b->o;
    out->ndocs = ndocs;
    out->stems = mz_strmap_new(1 << 14);
    out->feats = mz_strmap_new(nk + 16);
    out->idf = malloc((nk + 1) * sizeof *out->idf);
    out->surface = calloc(nk + 1, sizeof *out->surface);
    size_t nstems_b = mz_strmap_count(b->stems);
    b->stem_map = malloc((nstems_b + 1) * sizeof *b->stem_map);
    if (!out->stems || !out->feats || !out->idf || !out->surface || !b->stem_map) goto oom;
    for (size_t s = 0; s < nstems_b; s++) b->stem_map[s] = -1;
    for (size_t f = 0; f < nall; f++) {
        if (!keep[f]) continue;
        unsigned char k[64], nkey[64];
        size_t kl = feat_key(b, f, k);
        memcpy(nkey, k, kl);
        if (k[0] != 'x' && k[0] != 'g') {
            for (size_t p = 1; p + 4 <= kl; p += 4) {
                int32_t id;
                memcpy(&id, k + p, 4);
                if (b->stem_map[id] < 0) {
                    size_t sl;
                    const char *st = mz_strmap_key(b->stems, (size_t)id, &sl);
                    int64_t ns = mz_strmap_intern(out->stems, st, sl, 0, NULL);
                    if (ns < 0) goto oom;
                    b->stem_map[id] = (int32_t)ns;
                }
                memcpy(nkey + p, &b->stem_map[id], 4);
            }
        }
        int64_t nf = mz_strmap_intern(out->feats, nkey, kl, 0, NULL);
        if (nf < 0) goto oom;
        keep[f] = (int32_t)nf + 1; /* now: vocab index + 1 */
        out->idf[nf] = log((1.0 + (double)ndocs) / (1.0 + (double)b->df[f].n)) + 1.0;
        out->surface[nf] = key_text(b, k, kl);
        if (!out->surface[nf]) goto oom;
        out->nfeat = (size_t)nf + 1;
    }
    if (mz_vocab_index(out) != 0) {
        free(keep);
        mz_vocab_free(out);
        return mz_fail(e, "out of memory");
    }
    if (b->ntg) {
        b->vg = malloc(b->ntg * sizeof *b->vg);
        if (!b->vg) {
            free(keep);
            mz_vocab_free(out);
            return mz_fail(e, "out of memory");
        }
        for (size_t i = 0; i < b->ntg; i++) b->vg[i] = keep[b->tg[i]] - 1;
    }
    free(keep);
    /* the stopword set, into the vocabulary */
    if (b->sw->set && copy_set(b->sw->set, &out->sw.set) != 0) return mz_fail(e, "out of memory");
    return 0;
oom:
    free(keep);
    mz_vocab_free(out);
    return mz_fail(e, "out of memory");
}

int mz_vectorize_termdoc(const mz_vocab_builder *b, mz_vectorizer *z, const mz_termdoc *d,
                         mz_sparse *out, mz_err *e)
{
    /* Translate to vocab stem ids exactly as mz_vectorize would see them:
     * a stem absent from the vocabulary becomes TERM_UNKNOWN. */
    if (reserve_doc(z, d->nterm) != 0) return mz_fail(e, "out of memory");
    for (size_t i = 0; i < d->nterm; i++) z->id[i] = b->stem_map[d->term[i]];
    if (d->nterm) memcpy(z->sent, d->sent, d->nterm * sizeof *z->sent);
    /* the classifier's own path (integer indexes), so training vectors are
     * the classifier's by construction, and fast */
    fast_emit(z, d->nterm, d->ntitle_terms, d->ctx, d->nsent);
    if (z->v->opt.ngram_max >= 3 || d->nextra) {
        mz_featopts o3 = z->v->opt;
        o3.context = 0;
        emit_rare(z->id, z->sent, d->nterm, d->ntitle_terms, &o3, d->extras, d->nextra, lookup_cb, z);
    }
    for (size_t i = 0; d->tok && b->vg && i < d->nterm; i++) {
        double w = i < d->ntitle_terms ? z->v->opt.title_weight : 1.0;
        if (w == 0.0) continue;
        const int32_t *g = b->vg + b->tg_off[d->tok[i]];
        for (int32_t k = 0; k < b->tg_len[d->tok[i]]; k++)
            if (g[k] >= 0) acc_add(&z->a, g[k], w);
    }
    return acc_finish(&z->a, z->v, out) == 0 ? 0 : mz_fail(e, "out of memory");
}
