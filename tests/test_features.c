/* test_features.c — vocabularies and TF-IDF vectors: df pruning (min_df,
 * max_df, max_features), the idf formula, sublinear tf, title weight, L2
 * norm, n-grams that never cross a sentence, stopwords removed before
 * n-grams, context and named features, training vectors identical to
 * classification vectors, and the vocabulary file: round trip and every
 * rejection of a corrupt one. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "features.h"
#include "vocabfile.h"
#include "testutil.h"

/* ------------------------------------------------------------ fixture */

typedef struct fx {
    mz_normalizer *nz;
    mz_stopwords sw;
    mz_featopts o;
    mz_vocab_builder *b;
    mz_termizer *tz;
    mz_termdoc *td;
    size_t n;
    mz_vocab v;
    mz_vectorizer *vz;
    int built;
} fx;

static void fx_init(fx *f, const mz_featopts *o, const char *stopwords)
{
    memset(f, 0, sizeof *f);
    mz_err e = {{0}};
    f->nz = mz_normalizer_new(&e);
    ck_assert_msg(f->nz != NULL, "%s", e.msg);
    f->o = *o;
    if (stopwords)
        ck_assert_msg(mz_stopwords_parse(&f->sw, stopwords, strlen(stopwords), "stopwords", f->nz, &e) == 0, "%s",
                      e.msg);
}

static void fx_init_file(fx *f, const mz_featopts *o, const char *stopwords_path)
{
    fx_init(f, o, NULL);
    mz_err e = {{0}};
    ck_assert_msg(mz_stopwords_load(&f->sw, stopwords_path, f->nz, &e) == 0, "%s", e.msg);
}

static void doc_of(fx *f, mz_doc *d, const char *title, const char *text)
{
    mz_err e = {{0}};
    ck_assert_msg(mz_doc_build(d, f->nz, title, title ? strlen(title) : 0, text, strlen(text), &e) == 0, "%s",
                  e.msg);
}

/* Build the vocabulary of n documents; ctx (per doc, may be NULL) and one
 * optional extra per document. */
static void fx_build_ex(fx *f, const char *const *titles, const char *const *texts, size_t n,
                        const uint8_t *const *ctx, const mz_extra *extra)
{
    mz_err e = {{0}};
    f->b = mz_vocab_builder_new(&f->o, &f->sw, &e);
    ck_assert_msg(f->b != NULL, "%s", e.msg);
    f->tz = mz_termizer_new(&f->o, &f->sw, &e);
    ck_assert_msg(f->tz != NULL, "%s", e.msg);
    f->td = calloc(n + 1, sizeof *f->td);
    ck_assert_ptr_nonnull(f->td);
    f->n = n;
    mz_doc d;
    mz_doc_init(&d);
    for (size_t i = 0; i < n; i++) {
        doc_of(f, &d, titles ? titles[i] : NULL, texts[i]);
        mz_stemdoc sd;
        ck_assert_msg(mz_termize(f->tz, &d, ctx ? ctx[i] : NULL, extra ? &extra[i] : NULL, extra ? 1 : 0, &sd, &e) == 0,
                      "%s", e.msg);
        ck_assert_msg(mz_vocab_builder_add(f->b, &sd, &f->td[i], &e) == 0, "%s", e.msg);
        mz_stemdoc_free(&sd);
    }
    mz_doc_free(&d);
    ck_assert_msg(mz_vocab_builder_finish(f->b, f->td, n, &f->v, &e) == 0, "%s", e.msg);
    f->vz = mz_vectorizer_new(&f->v, &e);
    ck_assert_msg(f->vz != NULL, "%s", e.msg);
    f->built = 1;
}

static void fx_build(fx *f, const char *const *texts, size_t n) { fx_build_ex(f, NULL, texts, n, NULL, NULL); }

static void fx_free(fx *f)
{
    for (size_t i = 0; i < f->n; i++) mz_termdoc_free(&f->td[i]);
    free(f->td);
    mz_vectorizer_free(f->vz);
    mz_termizer_free(f->tz);
    mz_vocab_builder_free(f->b);
    mz_vocab_free(&f->v);
    mz_stopwords_free(&f->sw);
    mz_normalizer_free(f->nz);
    memset(f, 0, sizeof *f);
}

static void opts_plain(mz_featopts *o, int ngram, int min_df)
{
    mz_featopts_default(o);
    o->ngram_max = ngram;
    o->stem = 0;
    o->stopwords = 0;
    o->sublinear = 1;
    o->title_weight = 1.0;
    o->min_df = min_df;
    o->max_df = 1.0;
    o->max_features = 0;
}

/* 0-based feature index of kind k over 1..3 terms (NULL-terminated), or -1. */
static int64_t feat(const mz_vocab *v, char k, const char *t1, const char *t2, const char *t3)
{
    unsigned char key[64];
    size_t kl = 1;
    key[0] = (unsigned char)k;
    if (k == 'x') {
        memcpy(key + 1, t1, strlen(t1));
        return mz_strmap_find(v->feats, key, 1 + strlen(t1));
    }
    const char *t[3] = {t1, t2, t3};
    for (int i = 0; i < 3 && t[i]; i++) {
        int64_t s = mz_strmap_find(v->stems, t[i], strlen(t[i]));
        if (s < 0) return -1;
        int32_t id = (int32_t)s;
        memcpy(key + kl, &id, 4);
        kl += 4;
    }
    return mz_strmap_find(v->feats, key, kl);
}

/* Value of feature f (0-based) in x, 0 when absent. */
static double val(const mz_sparse *x, int64_t f)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->idx[i] == f + 1) return x->val[i];
    return 0.0;
}

static void check_vector(const mz_sparse *x, size_t nfeat)
{
    double norm = 0;
    for (size_t i = 0; i < x->n; i++) {
        ck_assert_int_ge(x->idx[i], 1);
        ck_assert_int_le(x->idx[i], (int32_t)nfeat);
        if (i) ck_assert_int_gt(x->idx[i], x->idx[i - 1]);
        ck_assert_msg(isfinite(x->val[i]) && x->val[i] > 0, "value %g", x->val[i]);
        norm += x->val[i] * x->val[i];
    }
    if (x->n) ck_assert_double_eq_tol(sqrt(norm), 1.0, 1e-12);
}

static void vec_termdoc(fx *f, size_t i, mz_sparse *x)
{
    mz_err e = {{0}};
    ck_assert_msg(mz_vectorize_termdoc(f->b, f->vz, &f->td[i], x, &e) == 0, "%s", e.msg);
}

static void vec_doc(fx *f, mz_vectorizer *vz, const char *title, const char *text, const uint8_t *ctx,
                    const mz_extra *ex, size_t nex, mz_sparse *x)
{
    mz_err e = {{0}};
    mz_doc d;
    mz_doc_init(&d);
    doc_of(f, &d, title, text);
    ck_assert_msg(mz_vectorize(vz, &d, ctx, ex, nex, x, &e) == 0, "%s", e.msg);
    mz_doc_free(&d);
}

static void same_vector(const mz_sparse *a, const mz_sparse *b, const char *what)
{
    ck_assert_msg(a->n == b->n, "%s: %zu vs %zu features", what, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        ck_assert_msg(a->idx[i] == b->idx[i], "%s: index %zu differs", what, i);
        ck_assert_msg(a->val[i] == b->val[i], "%s: value %zu: %.17g vs %.17g", what, i, a->val[i], b->val[i]);
    }
}

/* ------------------------------------------------------------- tests */

START_TEST(test_min_df_max_df_pruning)
{
    const char *docs[] = {"شمس قمر نجم", "شمس قمر بحر", "شمس جبل"};
    mz_featopts o;
    fx f;

    opts_plain(&o, 1, 2);
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 3);
    ck_assert_uint_eq(f.v.nfeat, 2);
    ck_assert_uint_eq(f.v.ndocs, 3);
    ck_assert_int_ge(feat(&f.v, 'u', "شمس", NULL, NULL), 0);
    ck_assert_int_ge(feat(&f.v, 'u', "قمر", NULL, NULL), 0);
    ck_assert_int_eq(feat(&f.v, 'u', "نجم", NULL, NULL), -1);
    ck_assert_int_eq(feat(&f.v, 'u', "جبل", NULL, NULL), -1);
    fx_free(&f);

    /* max_df 0.9 of 3 documents drops the word in all three */
    o.max_df = 0.9;
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 3);
    ck_assert_uint_eq(f.v.nfeat, 1);
    ck_assert_int_eq(feat(&f.v, 'u', "شمس", NULL, NULL), -1);
    ck_assert_int_ge(feat(&f.v, 'u', "قمر", NULL, NULL), 0);
    fx_free(&f);

    /* min_df 1, bigrams: 5 unigrams + 4 bigrams */
    opts_plain(&o, 2, 1);
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 3);
    ck_assert_uint_eq(f.v.nfeat, 9);
    ck_assert_int_ge(feat(&f.v, 'b', "شمس", "جبل", NULL), 0);
    ck_assert_int_eq(feat(&f.v, 'b', "جبل", "شمس", NULL), -1);
    fx_free(&f);

    /* min_df 2 applies to bigrams too */
    opts_plain(&o, 2, 2);
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 3);
    ck_assert_uint_eq(f.v.nfeat, 3);
    ck_assert_int_ge(feat(&f.v, 'b', "شمس", "قمر", NULL), 0);
    fx_free(&f);
}
END_TEST

START_TEST(test_df_counts_documents_not_occurrences)
{
    /* a word repeated in one document still has df 1 */
    const char *docs[] = {"شمس شمس شمس شمس", "قمر", "قمر شمس"};
    mz_featopts o;
    opts_plain(&o, 1, 1);
    fx f;
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 3);
    int64_t s = feat(&f.v, 'u', "شمس", NULL, NULL), q = feat(&f.v, 'u', "قمر", NULL, NULL);
    ck_assert_int_ge(s, 0);
    ck_assert_int_ge(q, 0);
    ck_assert_double_eq_tol(f.v.idf[s], log(4.0 / 3.0) + 1.0, 1e-15);
    ck_assert_double_eq_tol(f.v.idf[q], log(4.0 / 3.0) + 1.0, 1e-15);
    /* order of features: first appearance in the corpus */
    ck_assert_int_eq(s, 0);
    ck_assert_int_eq(q, 1);
    fx_free(&f);
}
END_TEST

START_TEST(test_idf_formula)
{
    const char *docs[] = {"شمس قمر قمر", "شمس قمر", "شمس نجم", "شمس بحر", "بحر"};
    mz_featopts o;
    opts_plain(&o, 1, 1);
    fx f;
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 5);
    struct {
        const char *w;
        int df;
    } want[] = {{"شمس", 4}, {"قمر", 2}, {"نجم", 1}, {"بحر", 2}};
    for (size_t i = 0; i < 4; i++) {
        int64_t k = feat(&f.v, 'u', want[i].w, NULL, NULL);
        ck_assert_int_ge(k, 0);
        double idf = log((1.0 + 5.0) / (1.0 + want[i].df)) + 1.0;
        ck_assert_msg(fabs(f.v.idf[k] - idf) < 1e-15, "%s: idf %.17g, want %.17g", want[i].w, f.v.idf[k], idf);
    }
    ck_assert_uint_eq(f.v.nfeat, 4);
    fx_free(&f);
}
END_TEST

START_TEST(test_tfidf_values_and_l2)
{
    const char *docs[] = {"شمس قمر قمر", "شمس قمر", "شمس نجم"};
    mz_featopts o;
    opts_plain(&o, 1, 1);
    for (int sub = 0; sub <= 1; sub++) {
        o.sublinear = sub;
        fx f;
        fx_init(&f, &o, NULL);
        fx_build(&f, docs, 3);
        mz_sparse x = {0};
        vec_termdoc(&f, 0, &x);
        ck_assert_uint_eq(x.n, 2);
        check_vector(&x, f.v.nfeat);
        double a = 1.0 * 1.0;                                              /* شمس: tf 1, idf 1 */
        double b = (sub ? 1.0 + log(2.0) : 2.0) * (log(4.0 / 3.0) + 1.0); /* قمر: tf 2 */
        double nrm = sqrt(a * a + b * b);
        ck_assert_double_eq_tol(val(&x, feat(&f.v, 'u', "شمس", NULL, NULL)), a / nrm, 1e-14);
        ck_assert_double_eq_tol(val(&x, feat(&f.v, 'u', "قمر", NULL, NULL)), b / nrm, 1e-14);
        ck_assert_double_eq(val(&x, feat(&f.v, 'u', "نجم", NULL, NULL)), 0.0);
        for (size_t i = 0; i < 3; i++) {
            vec_termdoc(&f, i, &x);
            check_vector(&x, f.v.nfeat);
        }
        mz_sparse_free(&x);
        fx_free(&f);
    }
}
END_TEST

/* Long documents (thousands of occurrences, few distinct features, ids
 * interleaved) take another summing path than articles do: every value
 * must still be the TF-IDF of its counts, with idx increasing.  Words
 * a..l (Arabic letters doubled), a text of 6,000 tokens in a fixed
 * pseudo-random order, in lines of 500 (a sentence is at most 16 KiB),
 * unigrams and bigrams. */
START_TEST(test_long_document_values)
{
    static const char *w[12] = {"بب", "تت", "ثث", "جج", "حح", "خخ", "دد", "ذذ", "رر", "زز", "سس", "شش"};
    enum { NTOK = 6000 };
    char *text = malloc(NTOK * 6 + 1);
    ck_assert_ptr_nonnull(text);
    int seq[NTOK];
    size_t len = 0;
    uint32_t r = 12345;
    for (int i = 0; i < NTOK; i++) {
        r = r * 1103515245u + 12345u;
        seq[i] = (int)((r >> 16) % 12);
        len += (size_t)sprintf(text + len, "%s%s", i ? (i % 500 ? " " : "\n") : "", w[seq[i]]);
    }
    /* the vocabulary: 400 filler words first (so the features of interest
     * have ids above 255 and every radix pass matters), then every word
     * and every pair, in documents of their own */
    static const char *const L[20] = {"ا", "ب", "ت", "ث", "ج", "ح", "خ", "د", "ذ", "ر",
                                      "ز", "س", "ش", "ص", "ض", "ط", "ظ", "ع", "غ", "ف"};
    enum { NFILL = 400 };
    const char *docs[NFILL + 12 * 12 + 1];
    char fill[NFILL][32], pairs[12 * 12][16];
    for (int k = 0; k < NFILL; k++) {
        snprintf(fill[k], sizeof fill[0], "ق%s%sك", L[k % 20], L[k / 20]);
        docs[k] = fill[k];
    }
    for (int a = 0; a < 12; a++)
        for (int b = 0; b < 12; b++) {
            snprintf(pairs[a * 12 + b], sizeof pairs[0], "%s %s", w[a], w[b]);
            docs[NFILL + a * 12 + b] = pairs[a * 12 + b];
        }
    docs[NFILL + 144] = text;
    mz_featopts o;
    opts_plain(&o, 2, 1);
    fx f;
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, NFILL + 145);
    ck_assert_int_gt(feat(&f.v, 'u', w[0], NULL, NULL), 255);
    mz_sparse x = {0}, y = {0};
    vec_termdoc(&f, NFILL + 144, &x);
    vec_doc(&f, f.vz, NULL, text, NULL, NULL, 0, &y);
    same_vector(&x, &y, "long document");
    check_vector(&x, f.v.nfeat);
    int cu[12] = {0}, cb[12][12] = {{0}};
    for (int i = 0; i < NTOK; i++) {
        cu[seq[i]]++;
        if (i + 1 < NTOK && (i + 1) % 500) cb[seq[i]][seq[i + 1]]++;
    }
    double want[12 + 144], norm = 0;
    int64_t fid[12 + 144];
    for (int k = 0; k < 12 + 144; k++) {
        int tf = k < 12 ? cu[k] : cb[(k - 12) / 12][(k - 12) % 12];
        fid[k] = k < 12 ? feat(&f.v, 'u', w[k], NULL, NULL) : feat(&f.v, 'b', w[(k - 12) / 12], w[(k - 12) % 12], NULL);
        ck_assert_int_ge(fid[k], 0);
        want[k] = tf ? (1.0 + log((double)tf)) * f.v.idf[fid[k]] : 0.0;
        norm += want[k] * want[k];
    }
    for (int k = 0; k < 12 + 144; k++)
        ck_assert_double_eq_tol(val(&x, fid[k]), want[k] / sqrt(norm), 1e-12);
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    fx_free(&f);
    free(text);
}
END_TEST

/* An article's few hundred occurrences are bucketed by the octave of their
 * feature id (acc_sort) before an insertion sort: with ids from 0 to past
 * 4,096 (a vocabulary of 5,000 one-word documents) and an article of 700
 * tokens drawn about evenly from each octave, repeats included, every
 * value must be the TF-IDF of its count, with idx increasing. */
START_TEST(test_article_values_across_octaves)
{
    static const char *const L[20] = {"ا", "ب", "ت", "ث", "ج", "ح", "خ", "د", "ذ", "ر",
                                      "ز", "س", "ش", "ص", "ض", "ط", "ظ", "ع", "غ", "ف"};
    enum { NFILL = 5000, NTOK = 700 };
    static char fill[NFILL][40];
    const char **docs = malloc((NFILL + 1) * sizeof *docs);
    char *text = malloc(NTOK * 40);
    int *cnt = calloc(NFILL, sizeof *cnt);
    ck_assert(docs && text && cnt);
    for (int k = 0; k < NFILL; k++) {
        snprintf(fill[k], sizeof fill[0], "ق%s%s%sك", L[k % 20], L[k / 20 % 20], L[k / 400]);
        docs[k] = fill[k];
    }
    size_t len = 0;
    uint32_t r = 777;
    for (int i = 0; i < NTOK; i++) {
        r = r * 1103515245u + 12345u;
        /* 1 to 2^12.3: an octave picked evenly, then a place in it */
        int k = i < 2 ? i : (int)exp((double)(r >> 8) / (double)(1u << 24) * log((double)NFILL)) - 1;
        if (k >= NFILL) k = NFILL - 1;
        cnt[k]++;
        len += (size_t)snprintf(text + len, (size_t)NTOK * 40 - len, "%s%s", i ? (i % 100 ? " " : "\n") : "", fill[k]);
    }
    docs[NFILL] = text;
    mz_featopts o;
    opts_plain(&o, 1, 1);
    fx f;
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, NFILL + 1);
    ck_assert_int_eq(feat(&f.v, 'u', fill[1], NULL, NULL), 1);
    ck_assert_int_gt(feat(&f.v, 'u', fill[NFILL - 1], NULL, NULL), 4096);
    mz_sparse x = {0}, y = {0};
    vec_termdoc(&f, NFILL, &x);
    vec_doc(&f, f.vz, NULL, text, NULL, NULL, 0, &y);
    same_vector(&x, &y, "article across octaves");
    check_vector(&x, f.v.nfeat);
    double norm = 0;
    size_t distinct = 0;
    for (int k = 0; k < NFILL; k++)
        if (cnt[k]) {
            double v = (1.0 + log((double)cnt[k])) * f.v.idf[feat(&f.v, 'u', fill[k], NULL, NULL)];
            norm += v * v;
            distinct++;
        }
    ck_assert_uint_eq(y.n, distinct);
    for (int k = 0; k < NFILL; k++) {
        if (!cnt[k]) continue;
        int64_t id = feat(&f.v, 'u', fill[k], NULL, NULL);
        double want = (1.0 + log((double)cnt[k])) * f.v.idf[id] / sqrt(norm);
        ck_assert_msg(fabs(val(&y, id) - want) < 1e-12, "word %d (feature %lld): %.17g, want %.17g", k,
                      (long long)id, val(&y, id), want);
    }
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    fx_free(&f);
    free(text);
    free(cnt);
    free(docs);
}
END_TEST

START_TEST(test_title_weight)
{
    const char *titles[] = {"شمس", NULL};
    const char *texts[] = {"قمر", "شمس قمر"};
    mz_featopts o;
    opts_plain(&o, 1, 1);
    o.sublinear = 0;
    o.title_weight = 2.0;
    fx f;
    fx_init(&f, &o, NULL);
    fx_build_ex(&f, titles, texts, 2, NULL, NULL);
    mz_sparse x = {0};
    vec_termdoc(&f, 0, &x);
    /* both words have df 2 → idf 1; the title word counts twice */
    ck_assert_double_eq_tol(val(&x, feat(&f.v, 'u', "شمس", NULL, NULL)), 2.0 / sqrt(5.0), 1e-14);
    ck_assert_double_eq_tol(val(&x, feat(&f.v, 'u', "قمر", NULL, NULL)), 1.0 / sqrt(5.0), 1e-14);
    mz_sparse y = {0};
    vec_doc(&f, f.vz, "شمس", "قمر", NULL, NULL, 0, &y);
    same_vector(&x, &y, "title doc");
    fx_free(&f);

    /* title_weight 0 ignores the title entirely */
    o.title_weight = 0.0;
    fx_init(&f, &o, NULL);
    fx_build_ex(&f, titles, texts, 2, NULL, NULL);
    vec_termdoc(&f, 0, &x);
    ck_assert_uint_eq(x.n, 1);
    ck_assert_double_eq(val(&x, feat(&f.v, 'u', "قمر", NULL, NULL)), 1.0);
    ck_assert_double_eq(val(&x, feat(&f.v, 'u', "شمس", NULL, NULL)), 0.0);
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    fx_free(&f);
}
END_TEST

START_TEST(test_ngrams_do_not_cross_sentences)
{
    const char *docs[] = {"شمس قمر. نجم بحر", "قمر نجم\nجبل بحر", "شمس قمر نجم بحر"};
    mz_featopts o;
    opts_plain(&o, 3, 1);
    fx f;
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 3);
    int64_t qn = feat(&f.v, 'b', "قمر", "نجم", NULL);
    int64_t nb = feat(&f.v, 'b', "نجم", "بحر", NULL);
    int64_t sq = feat(&f.v, 'b', "شمس", "قمر", NULL);
    int64_t jb = feat(&f.v, 'b', "جبل", "بحر", NULL);
    int64_t nj = feat(&f.v, 'b', "نجم", "جبل", NULL);
    int64_t sqn = feat(&f.v, 't', "شمس", "قمر", "نجم");
    ck_assert_int_ge(qn, 0); /* from docs 1 and 2 */
    ck_assert_int_ge(nb, 0);
    ck_assert_int_ge(sq, 0);
    ck_assert_int_ge(jb, 0);
    ck_assert_int_eq(nj, -1); /* only ever across the newline in doc 1 */
    ck_assert_int_ge(sqn, 0); /* doc 2 only */
    mz_sparse x = {0};
    vec_termdoc(&f, 0, &x); /* "شمس قمر. نجم بحر" */
    ck_assert_double_gt(val(&x, sq), 0);
    ck_assert_double_gt(val(&x, nb), 0);
    ck_assert_double_eq(val(&x, qn), 0.0);  /* across ". " */
    ck_assert_double_eq(val(&x, sqn), 0.0);
    ck_assert_double_eq(val(&x, feat(&f.v, 't', "قمر", "نجم", "بحر")), 0.0);
    vec_termdoc(&f, 1, &x); /* "قمر نجم\nجبل بحر" */
    ck_assert_double_gt(val(&x, qn), 0);
    ck_assert_double_eq(val(&x, nb), 0.0);  /* across the newline */
    vec_termdoc(&f, 2, &x);
    ck_assert_double_gt(val(&x, qn), 0);
    ck_assert_double_gt(val(&x, sqn), 0);
    ck_assert_double_gt(val(&x, feat(&f.v, 't', "قمر", "نجم", "بحر")), 0);
    mz_sparse_free(&x);
    fx_free(&f);
}
END_TEST

START_TEST(test_stopwords_removed_before_ngrams)
{
    /* the list is normalised too: إلى in the file matches الى in text */
    const char *docs[] = {"وزير الخارجية في روسيا", "ذهب إلى السوق", "وزير الخارجية روسيا"};
    mz_featopts o;
    opts_plain(&o, 2, 1);
    o.stopwords = 1;
    fx f;
    fx_init(&f, &o, "# test list\nفي\n  إلى  \n\n");
    fx_build(&f, docs, 3);
    ck_assert_int_eq(feat(&f.v, 'u', "في", NULL, NULL), -1);
    ck_assert_int_eq(feat(&f.v, 'u', "الي", NULL, NULL), -1); /* إلى normalised: ى → ي */
    int64_t b = feat(&f.v, 'b', "الخارجية", "روسيا", NULL);
    ck_assert_int_ge(b, 0);
    ck_assert_double_eq_tol(f.v.idf[b], log(4.0 / 3.0) + 1.0, 1e-15); /* docs 1 and 3 share it */
    ck_assert_int_ge(feat(&f.v, 'b', "ذهب", "السوق", NULL), 0);
    /* the vocabulary carries the stopword set */
    ck_assert_ptr_nonnull(f.v.sw.set);
    ck_assert(mz_is_stopword(&f.v.sw, "في", strlen("في")));
    ck_assert(!mz_is_stopword(&f.v.sw, "وزير", strlen("وزير")));
    /* classification removes them the same way */
    mz_sparse x = {0}, y = {0};
    vec_termdoc(&f, 0, &x);
    vec_doc(&f, f.vz, NULL, docs[0], NULL, NULL, 0, &y);
    same_vector(&x, &y, "stopword doc");
    /* a document of stopwords only is an empty vector, not NaN */
    vec_doc(&f, f.vz, NULL, "في إلى في", NULL, NULL, 0, &y);
    ck_assert_uint_eq(y.n, 0);
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    fx_free(&f);
    /* a list saved with Windows line ends is the same list */
    fx_init(&f, &o, "في\r\nإلى\r\n");
    fx_build(&f, docs, 3);
    ck_assert_int_eq(feat(&f.v, 'u', "في", NULL, NULL), -1);
    ck_assert_int_eq(feat(&f.v, 'u', "الي", NULL, NULL), -1);
    ck_assert(mz_is_stopword(&f.v.sw, "في", strlen("في")));
    fx_free(&f);
}
END_TEST

START_TEST(test_stemming_merges_clitic_forms)
{
    const char *docs[] = {"الرئيس يزور المدينة", "والرئيس يغادر", "فالرئيس هنا"};
    mz_featopts o;
    opts_plain(&o, 1, 3);
    o.stem = 1;
    fx f;
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 3);
    /* one feature in all three documents (min_df 3 keeps only it) */
    ck_assert_uint_eq(f.v.nfeat, 1);
    ck_assert_double_eq_tol(f.v.idf[0], 1.0, 1e-15);
    /* its printable surface form is the shortest form seen */
    ck_assert_str_eq(f.v.surface[0], "الرئيس");
    fx_free(&f);
}
END_TEST

/* Training numbers a document's tokens with the termizer's own lexicon
 * as the document is built (prefetched), and termizes by those numbers;
 * the stems, surfaces, hashes and sentences must be those of the token by
 * token path, memo hits and misses alike. */
START_TEST(test_termize_numbered_equals_token_by_token)
{
    const char *titles[] = {"الرئيس في موسكو", NULL, "عنوان"};
    const char *docs[] = {"الرئيس يزور المدينة. والرئيس يغادر من المدينة", "فالرئيس هنا في المدينة والمدينة هنا",
                          "من في على الرئيس 2024 يزور"};
    mz_featopts o;
    opts_plain(&o, 1, 1);
    o.stem = 1;
    o.stopwords = 1;
    fx f;
    fx_init(&f, &o, "في\nمن\nعلى\n");
    mz_err e = {{0}};
    mz_termizer *plain = mz_termizer_new(&f.o, &f.sw, &e), *numbered = mz_termizer_new(&f.o, &f.sw, &e);
    ck_assert_ptr_nonnull(plain);
    ck_assert_ptr_nonnull(numbered);
    mz_doc a, b;
    mz_doc_init(&a);
    mz_doc_init(&b);
    b.lex = mz_termizer_lexicon(numbered);
    for (int round = 0; round < 2; round++) /* the second round hits the memos */
        for (size_t i = 0; i < 3; i++) {
            doc_of(&f, &a, titles[i], docs[i]);
            doc_of(&f, &b, titles[i], docs[i]);
            ck_assert_int_ge(b.tok[0].gid, 0);
            mz_stemdoc sa, sb;
            ck_assert_msg(mz_termize(plain, &a, NULL, NULL, 0, &sa, &e) == 0, "%s", e.msg);
            ck_assert_msg(mz_termize(numbered, &b, NULL, NULL, 0, &sb, &e) == 0, "%s", e.msg);
            ck_assert_uint_gt(sa.nterm, 0);
            ck_assert_uint_lt(sa.nterm, a.ntok); /* stopwords were dropped */
            ck_assert_uint_eq(sa.nterm, sb.nterm);
            ck_assert_uint_eq(sa.ntitle_terms, sb.ntitle_terms);
            ck_assert_uint_eq(sa.len, sb.len);
            ck_assert(memcmp(sa.buf, sb.buf, sa.len) == 0);
            ck_assert(memcmp(sa.hash, sb.hash, sa.nterm * sizeof *sa.hash) == 0);
            ck_assert(memcmp(sa.sent, sb.sent, sa.nterm * sizeof *sa.sent) == 0);
            mz_stemdoc_free(&sa);
            mz_stemdoc_free(&sb);
        }
    mz_doc_free(&a);
    mz_doc_free(&b);
    mz_termizer_free(plain);
    mz_termizer_free(numbered);
    fx_free(&f);
}
END_TEST

START_TEST(test_max_features_keeps_most_frequent)
{
    const char *docs[] = {"نجم قمر شمس", "قمر شمس", "شمس بحر", "شمس"};
    mz_featopts o;
    opts_plain(&o, 1, 1);
    o.max_features = 2;
    fx f;
    fx_init(&f, &o, NULL);
    fx_build(&f, docs, 4);
    ck_assert_uint_eq(f.v.nfeat, 2);
    int64_t s = feat(&f.v, 'u', "شمس", NULL, NULL), q = feat(&f.v, 'u', "قمر", NULL, NULL);
    ck_assert_int_ge(s, 0);
    ck_assert_int_ge(q, 0);
    ck_assert_int_eq(feat(&f.v, 'u', "نجم", NULL, NULL), -1);
    ck_assert_int_eq(feat(&f.v, 'u', "بحر", NULL, NULL), -1);
    /* kept features stay in order of first appearance */
    ck_assert_int_lt(q, s);
    fx_free(&f);
}
END_TEST

START_TEST(test_context_and_named_features)
{
    const char *docs[] = {"شمس قمر. نجم بحر", "نجم بحر. شمس قمر"};
    uint8_t c0[] = {1, 0}, c1[] = {0, 0};
    const uint8_t *ctx[] = {c0, c1};
    mz_extra ex[] = {{"@mention", 3.0}, {"@mention", 0.0}};
    mz_featopts o;
    opts_plain(&o, 2, 1);
    o.context = 1;
    o.min_df = 2; /* named features survive any df */
    fx f;
    fx_init(&f, &o, NULL);
    fx_build_ex(&f, NULL, docs, 2, ctx, ex);
    int64_t xm = feat(&f.v, 'x', "@mention", NULL, NULL);
    ck_assert_int_ge(xm, 0);
    ck_assert_double_eq_tol(f.v.idf[xm], log(3.0 / 2.0) + 1.0, 1e-15); /* df 1 (count 0 is not emitted) */
    /* context features of doc 0 have df 1 and are pruned; the plain ones stay */
    ck_assert_int_eq(feat(&f.v, 'c', "شمس", NULL, NULL), -1);
    ck_assert_int_ge(feat(&f.v, 'u', "شمس", NULL, NULL), 0);
    ck_assert_int_ge(feat(&f.v, 'b', "شمس", "قمر", NULL), 0);
    mz_sparse x = {0}, y = {0};
    vec_termdoc(&f, 0, &x);
    check_vector(&x, f.v.nfeat);
    ck_assert_double_gt(val(&x, xm), 0);
    vec_doc(&f, f.vz, NULL, docs[0], c0, &ex[0], 1, &y);
    same_vector(&x, &y, "context doc");
    fx_free(&f);

    /* with min_df 1 the 'c'/'d' features exist, for context sentences only */
    o.min_df = 1;
    fx_init(&f, &o, NULL);
    fx_build_ex(&f, NULL, docs, 2, ctx, ex);
    int64_t cs = feat(&f.v, 'c', "شمس", NULL, NULL), dsq = feat(&f.v, 'd', "شمس", "قمر", NULL);
    ck_assert_int_ge(cs, 0);
    ck_assert_int_ge(dsq, 0);
    ck_assert_int_eq(feat(&f.v, 'c', "نجم", NULL, NULL), -1);
    vec_termdoc(&f, 0, &x);
    ck_assert_double_gt(val(&x, cs), 0);
    ck_assert_double_gt(val(&x, dsq), 0);
    vec_termdoc(&f, 1, &x);
    ck_assert_double_eq(val(&x, cs), 0.0);
    /* without flags at classification, no context features */
    vec_doc(&f, f.vz, NULL, docs[0], NULL, NULL, 0, &y);
    ck_assert_double_eq(val(&y, cs), 0.0);
    ck_assert_double_gt(val(&y, feat(&f.v, 'u', "شمس", NULL, NULL)), 0);
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    fx_free(&f);
}
END_TEST

/* ---- the real mini corpus: training vectors == classification vectors ---- */

typedef struct texts {
    char **title, **text;
    size_t n, cap;
} texts;

static int collect(void *arg, const mz_record *r, mz_err *e)
{
    (void)e;
    texts *t = arg;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->title = realloc(t->title, t->cap * sizeof *t->title);
        t->text = realloc(t->text, t->cap * sizeof *t->text);
        ck_assert_ptr_nonnull(t->title);
        ck_assert_ptr_nonnull(t->text);
    }
    t->title[t->n] = r->title ? strndup(r->title, r->title_len) : NULL;
    t->text[t->n] = strndup(r->text, r->text_len);
    t->n++;
    return 0;
}

static void texts_free(texts *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->title[i]);
        free(t->text[i]);
    }
    free(t->title);
    free(t->text);
    memset(t, 0, sizeof *t);
}

static void load_topic(texts *t)
{
    memset(t, 0, sizeof *t);
    mz_fields fl;
    mz_fields_default(&fl);
    mz_err e = {{0}};
    ck_assert_msg(mz_corpus_read(mz_test_path("corpora/mini/topic.jsonl"), &fl, collect, t, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(t->n, 36);
}

START_TEST(test_train_vector_equals_classify_vector)
{
    texts t;
    load_topic(&t);
    mz_featopts o;
    mz_featopts_default(&o);
    fx f;
    fx_init_file(&f, &o, mz_test_path("models/stopwords-ar.txt"));
    fx_build_ex(&f, (const char *const *)t.title, (const char *const *)t.text, t.n, NULL, NULL);
    ck_assert_uint_gt(f.v.nfeat, 50);
    mz_sparse x = {0}, y = {0};
    size_t nonempty = 0;
    for (size_t i = 0; i < t.n; i++) {
        vec_termdoc(&f, i, &x);
        vec_doc(&f, f.vz, t.title[i], t.text[i], NULL, NULL, 0, &y);
        char what[32];
        snprintf(what, sizeof what, "doc %zu", i);
        same_vector(&x, &y, what);
        check_vector(&x, f.v.nfeat);
        nonempty += x.n > 0;
    }
    ck_assert_uint_ge(nonempty, 34);
    /* a second vectorizer (another thread's) agrees, its cache cold */
    mz_err e = {{0}};
    mz_vectorizer *z2 = mz_vectorizer_new(&f.v, &e);
    ck_assert_ptr_nonnull(z2);
    for (size_t i = t.n; i-- > 0;) {
        vec_termdoc(&f, i, &x);
        vec_doc(&f, z2, t.title[i], t.text[i], NULL, NULL, 0, &y);
        same_vector(&x, &y, "second vectorizer");
    }
    mz_vectorizer_free(z2);
    /* unseen words only: empty vector */
    vec_doc(&f, f.vz, NULL, "xyzzy plugh qwerty", NULL, NULL, 0, &y);
    ck_assert_uint_eq(y.n, 0);
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    fx_free(&f);
    texts_free(&t);
}
END_TEST

/* Two vocabularies of one corpus, one with context features and another
 * title weight, looked up through one union: each member's vectors are
 * the very doubles mz_vectorize gives, with and without context flags,
 * through the lexicon (as the classifier numbers tokens) and without. */
START_TEST(test_union_vectors_equal_own_vectors)
{
    texts t;
    load_topic(&t);
    mz_featopts o1, o2;
    mz_featopts_default(&o1);
    mz_featopts_default(&o2);
    o2.context = 1;
    o2.title_weight = 1.0;
    o2.min_df = 1;
    fx f1, f2;
    fx_init_file(&f1, &o1, mz_test_path("models/stopwords-ar.txt"));
    fx_init_file(&f2, &o2, mz_test_path("models/stopwords-ar.txt"));
    uint8_t **ctx = calloc(t.n, sizeof *ctx);
    ck_assert_ptr_nonnull(ctx);
    for (size_t i = 0; i < t.n; i++) {
        ctx[i] = calloc(4096, 1);
        ck_assert_ptr_nonnull(ctx[i]);
        for (size_t s = 0; s < 4096; s++) ctx[i][s] = (uint8_t)((s + i) % 3 == 0);
    }
    fx_build_ex(&f1, (const char *const *)t.title, (const char *const *)t.text, t.n, NULL, NULL);
    fx_build_ex(&f2, (const char *const *)t.title, (const char *const *)t.text, t.n, (const uint8_t *const *)ctx, NULL);
    ck_assert_int_eq(mz_vocab_union_fits(&f1.v, &f2.v), 1);
    mz_err e = {{0}};
    const mz_vocab *vs[2] = {&f1.v, &f2.v};
    mz_vocab_union *u = mz_vocab_union_new(vs, 2, &e);
    ck_assert_msg(u != NULL, "%s", e.msg);
    mz_unidoc *ud = mz_unidoc_new(u, &e);
    ck_assert_msg(ud != NULL, "%s", e.msg);
    mz_vectorizer *z1 = mz_vectorizer_new(&f1.v, &e), *z2 = mz_vectorizer_new(&f2.v, &e);
    ck_assert_ptr_nonnull(z1);
    ck_assert_ptr_nonnull(z2);
    mz_lexicon lex;
    ck_assert_int_eq(mz_lexicon_init(&lex, 1u << 10), 0);
    mz_sparse x = {0}, y = {0};
    size_t with_ctx = 0;
    for (int numbered = 0; numbered < 2; numbered++)
        for (size_t i = 0; i < t.n; i++) {
            mz_doc d;
            mz_doc_init(&d);
            d.lex = numbered ? &lex : NULL;
            doc_of(&f1, &d, t.title[i], t.text[i]);
            ck_assert_uint_le(d.nsent, 4096);
            ck_assert_msg(mz_unidoc_build(ud, &d, &e) == 0, "%s", e.msg);
            ck_assert_msg(mz_vectorize(z1, &d, NULL, NULL, 0, &x, &e) == 0, "%s", e.msg);
            ck_assert_msg(mz_vectorize_member(z1, ud, 0, &d, NULL, NULL, 0, &y, &e) == 0, "%s", e.msg);
            same_vector(&x, &y, "member 0");
            for (int c = 0; c < 2; c++) {
                const uint8_t *cx = c ? ctx[i] : NULL;
                ck_assert_msg(mz_vectorize(z2, &d, cx, NULL, 0, &x, &e) == 0, "%s", e.msg);
                ck_assert_msg(mz_vectorize_member(z2, ud, 1, &d, cx, NULL, 0, &y, &e) == 0, "%s", e.msg);
                same_vector(&x, &y, c ? "member 1, context" : "member 1");
                for (size_t k = 0; c && k < x.n; k++) with_ctx += f2.v.kind[x.idx[k] - 1] == 'd';
            }
            mz_doc_free(&d);
        }
    ck_assert_uint_gt(with_ctx, 0);
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    mz_lexicon_free(&lex);
    mz_vectorizer_free(z1);
    mz_vectorizer_free(z2);
    mz_unidoc_free(ud);
    mz_vocab_union_free(u);
    for (size_t i = 0; i < t.n; i++) free(ctx[i]);
    free(ctx);
    fx_free(&f1);
    fx_free(&f2);
    texts_free(&t);
}
END_TEST

START_TEST(test_vocab_round_trip)
{
    texts t;
    load_topic(&t);
    mz_featopts o;
    mz_featopts_default(&o);
    o.ngram_max = 3;
    fx f;
    fx_init_file(&f, &o, mz_test_path("models/stopwords-ar.txt"));
    fx_build_ex(&f, (const char *const *)t.title, (const char *const *)t.text, t.n, NULL, NULL);
    char *data = NULL;
    size_t len = 0;
    mz_err e = {{0}};
    ck_assert_msg(mz_vocab_write(&f.v, &data, &len, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(len, strlen(data));

    mz_vocab v2;
    memset(&v2, 0, sizeof v2);
    v2.opt = f.v.opt;
    ck_assert_msg(mz_stopwords_load(&v2.sw, mz_test_path("models/stopwords-ar.txt"), f.nz, &e) == 0, "%s", e.msg);
    ck_assert_msg(mz_vocab_parse(&v2, data, len, "vocab.tsv", &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(v2.nfeat, f.v.nfeat);
    ck_assert_uint_eq(v2.ndocs, f.v.ndocs);
    for (size_t i = 0; i < v2.nfeat; i++) {
        ck_assert_msg(v2.idf[i] == f.v.idf[i], "idf %zu: %.17g vs %.17g", i, v2.idf[i], f.v.idf[i]);
        ck_assert_str_eq(v2.surface[i], f.v.surface[i]);
    }
    /* writing the parsed vocabulary gives the same bytes */
    char *data2 = NULL;
    size_t len2 = 0;
    ck_assert_int_eq(mz_vocab_write(&v2, &data2, &len2, &e), 0);
    ck_assert_uint_eq(len2, len);
    ck_assert_int_eq(memcmp(data, data2, len), 0);
    /* and vectors through the parsed vocabulary are identical */
    mz_vectorizer *z2 = mz_vectorizer_new(&v2, &e);
    ck_assert_ptr_nonnull(z2);
    mz_sparse x = {0}, y = {0};
    for (size_t i = 0; i < t.n; i++) {
        vec_doc(&f, f.vz, t.title[i], t.text[i], NULL, NULL, 0, &x);
        vec_doc(&f, z2, t.title[i], t.text[i], NULL, NULL, 0, &y);
        same_vector(&x, &y, "parsed vocab");
    }
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    mz_vectorizer_free(z2);
    mz_vocab_free(&v2);
    free(data);
    free(data2);
    fx_free(&f);
    texts_free(&t);
}
END_TEST

/* ---- parsing hand-written vocabularies ---- */

#define MAGIC "# mizan vocabulary 1\n"

static int parse(const char *text, size_t len, mz_vocab *v, mz_err *e)
{
    memset(v, 0, sizeof *v);
    mz_featopts_default(&v->opt);
    v->opt.stopwords = 0;
    return mz_vocab_parse(v, text, len, "bad.tsv", e);
}

#define REJECT(text, needle)                                                                   \
    do {                                                                                       \
        mz_vocab v_;                                                                           \
        mz_err e_ = {{0}};                                                                     \
        ck_assert_msg(parse((text), strlen(text), &v_, &e_) == -1, "accepted: %s", (text));   \
        ck_assert_msg(strstr(e_.msg, "bad.tsv") != NULL, "message lacks the name: %s", e_.msg); \
        ck_assert_msg(strstr(e_.msg, (needle)) != NULL, "message '%s' lacks '%s'", e_.msg,     \
                      (needle));                                                               \
        mz_vocab_free(&v_);                                                                    \
    } while (0)

static const char good_vocab[] = MAGIC "# features 4 documents 7\n"
                                       "u\t1.5\tشمس\tالشمس\n"
                                       "u\t2\tقمر\tقمر\n"
                                       "b\t2.5\tشمس قمر\tالشمس قمر\n"
                                       "x\t1.25\t@mention\t@mention\n";

START_TEST(test_vocab_parse_good)
{
    mz_vocab v;
    mz_err e = {{0}};
    ck_assert_msg(parse(good_vocab, strlen(good_vocab), &v, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(v.nfeat, 4);
    ck_assert_uint_eq(v.ndocs, 7);
    ck_assert_int_eq(feat(&v, 'u', "شمس", NULL, NULL), 0);
    ck_assert_int_eq(feat(&v, 'u', "قمر", NULL, NULL), 1);
    ck_assert_int_eq(feat(&v, 'b', "شمس", "قمر", NULL), 2);
    ck_assert_int_eq(feat(&v, 'x', "@mention", NULL, NULL), 3);
    ck_assert_double_eq(v.idf[2], 2.5);
    ck_assert_str_eq(v.surface[0], "الشمس");
    mz_vocab_free(&v);
}
END_TEST

/* Every idf read equals strtod's reading of its bytes, whether the bytes
 * were seen before or not: 6,000 features, 3,000 distinct 17-digit values
 * (each twice, far apart), more than the loader's memo of parsed values
 * has slots, so slots are shared and overwritten. */
START_TEST(test_vocab_parse_idf_exact)
{
    enum { N = 6000, DISTINCT = 3000 };
    size_t cap = 64 + (size_t)N * 48, n = 0;
    char *text = malloc(cap);
    char (*num)[32] = malloc(DISTINCT * sizeof *num);
    ck_assert(text && num);
    uint64_t r = 12345;
    for (int i = 0; i < DISTINCT; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        /* half spread over [1, 10), half a few units in the last place
         * apart, whose strings differ only in their last digits */
        double x = i % 2 ? 1.0 + (double)(r >> 11) / 9007199254740992.0 * 9.0 : 3.3218192154426225 + i * 4e-16;
        snprintf(num[i], sizeof num[i], "%.17g", x);
    }
    n += (size_t)snprintf(text, cap, MAGIC "# features %d documents 9\n", N);
    for (int f = 0; f < N; f++)
        n += (size_t)snprintf(text + n, cap - n, "u\t%s\tw%d\tw%d\n", num[f % DISTINCT], f, f);
    mz_vocab v;
    mz_err e = {{0}};
    ck_assert_msg(parse(text, n, &v, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(v.nfeat, N);
    for (int f = 0; f < N; f++) {
        char key[16];
        snprintf(key, sizeof key, "w%d", f);
        int64_t id = feat(&v, 'u', key, NULL, NULL);
        ck_assert_msg(id >= 0, "w%d missing", f);
        double want = strtod(num[f % DISTINCT], NULL);
        ck_assert_msg(v.idf[id] == want, "feature %d: %.17g, strtod gives %.17g", f, v.idf[id], want);
    }
    mz_vocab_free(&v);
    free(text);
    free(num);
}
END_TEST

START_TEST(test_vocab_parse_rejects)
{
    REJECT("# mizan vocabulary 2\n# features 0 documents 0\n", "not a mizan vocabulary");
    REJECT("", "not a mizan vocabulary");
    REJECT("u\t1\tx\tx\n", "not a mizan vocabulary");
    REJECT(MAGIC, "truncated header");
    REJECT(MAGIC "# features x documents 1\n", "bad header");
    /* counts are plain digits: "-1" would wrap to SIZE_MAX documents */
    REJECT(MAGIC "# features 1 documents -1\nu\t1.5\ta\ta\n", "bad header");
    REJECT(MAGIC "# features +1 documents 7\nu\t1.5\ta\ta\n", "bad header");
    REJECT(MAGIC "# features 1 documents  7\nu\t1.5\ta\ta\n", "bad header");
    REJECT(MAGIC "# features 1 documents 7 \nu\t1.5\ta\ta\n", "bad header");
    REJECT(MAGIC "# features 1 documents 99999999999999999999999\nu\t1.5\ta\ta\n", "bad header");
    /* counts that disagree with the lines present */
    REJECT(MAGIC "# features 3 documents 7\nu\t1.5\ta\ta\nu\t2\tb\tb\n", "header says 3");
    REJECT(MAGIC "# features 1 documents 7\nu\t1.5\ta\ta\nu\t2\tb\tb\n", "more features than");
    /* numbers */
    REJECT(MAGIC "# features 1 documents 7\nu\tnan\ta\ta\n", "bad idf");
    REJECT(MAGIC "# features 1 documents 7\nu\tinf\ta\ta\n", "bad idf");
    REJECT(MAGIC "# features 1 documents 7\nu\t-1\ta\ta\n", "bad idf");
    REJECT(MAGIC "# features 1 documents 7\nu\t0\ta\ta\n", "bad idf");
    REJECT(MAGIC "# features 1 documents 7\nu\t1.5x\ta\ta\n", "bad idf");
    REJECT(MAGIC "# features 1 documents 7\nu\t\ta\ta\n", "bad idf");
    /* duplicates */
    REJECT(MAGIC "# features 2 documents 7\nu\t1.5\ta\ta\nu\t2\ta\tb\n", "duplicate feature");
    REJECT(MAGIC "# features 2 documents 7\nb\t1.5\ta b\ta\nb\t2\ta b\tb\n", "duplicate feature");
    /* the first bad line of the file is the one named, whatever comes
     * after it: features are inserted in blocks after their lines are read */
    REJECT(MAGIC "# features 3 documents 7\nu\t1.5\ta\ta\nu\t2\ta\tb\nz\t2\tc\tc\n", "bad.tsv:4: duplicate feature");
    REJECT(MAGIC "# features 3 documents 7\nu\t1.5\ta\ta\nz\t2\tc\tc\nu\t2\ta\tb\n", "bad.tsv:4: bad feature kind");
    /* and its line number holds past the first blocks */
    {
        char big[16384];
        for (int dup = 0; dup < 2; dup++) {
            size_t n = (size_t)snprintf(big, sizeof big, MAGIC "# features 100 documents 7\n");
            for (int f = 0; f < 100; f++)
                n += (size_t)snprintf(big + n, sizeof big - n, "u\t1.5\tw%d\tw\n", f == 70 && dup ? 3 : f);
            mz_vocab v;
            mz_err e = {{0}};
            int rc = parse(big, n, &v, &e);
            if (dup) {
                ck_assert_int_eq(rc, -1);
                ck_assert_msg(strstr(e.msg, "bad.tsv:73: duplicate feature") != NULL, "%s", e.msg);
            } else {
                ck_assert_msg(rc == 0, "%s", e.msg);
                ck_assert_int_eq(v.nfeat, 100);
                for (int f = 0; f < 100; f += 33) {
                    char key[16];
                    snprintf(key, sizeof key, "w%d", f);
                    ck_assert_int_eq(feat(&v, 'u', key, NULL, NULL), f);
                }
            }
            mz_vocab_free(&v);
        }
    }
    /* truncation: no final newline, or a line cut short */
    REJECT(MAGIC "# features 2 documents 7\nu\t1.5\ta\ta\nu\t2\tb\tb", "truncated");
    REJECT(MAGIC "# features 2 documents 7\nu\t1.5\ta\ta\nu\t2\n", "missing term");
    REJECT(MAGIC "# features 2 documents 7\nu\t1.5\ta\ta\nu\t2\tb\n", "missing surface");
    /* kinds and terms */
    REJECT(MAGIC "# features 1 documents 7\nz\t1.5\ta\ta\n", "bad feature kind");
    REJECT(MAGIC "# features 1 documents 7\nuu\t1.5\ta\ta\n", "bad feature kind");
    REJECT(MAGIC "# features 1 documents 7\nb\t1.5\ta\ta\n", "does not match its kind");
    REJECT(MAGIC "# features 1 documents 7\nu\t1.5\ta b\ta\n", "does not match its kind");
    REJECT(MAGIC "# features 1 documents 7\nt\t1.5\ta b\ta\n", "does not match its kind");
    REJECT(MAGIC "# features 1 documents 7\nb\t1.5\ta  b\ta\n", "does not match its kind");
    REJECT(MAGIC "# features 1 documents 7\nu\t1.5\t\ta\n", "bad term");
    REJECT(MAGIC "# features 1 documents 7\nx\t1.5\ta b\ta\n", "bad name");
    /* the good vocabulary cut anywhere is never accepted */
    size_t n = strlen(good_vocab);
    for (size_t cut = 0; cut < n; cut++) {
        mz_vocab v;
        mz_err e = {{0}};
        if (parse(good_vocab, cut, &v, &e) == 0) ck_abort_msg("prefix of %zu bytes accepted", cut);
        mz_vocab_free(&v);
    }
}
END_TEST

Suite *suite_features(void)
{
    Suite *s = suite_create("features");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_min_df_max_df_pruning);
    tcase_add_test(tc, test_df_counts_documents_not_occurrences);
    tcase_add_test(tc, test_idf_formula);
    tcase_add_test(tc, test_tfidf_values_and_l2);
    tcase_add_test(tc, test_title_weight);
    tcase_add_test(tc, test_ngrams_do_not_cross_sentences);
    tcase_add_test(tc, test_stopwords_removed_before_ngrams);
    tcase_add_test(tc, test_stemming_merges_clitic_forms);
    tcase_add_test(tc, test_termize_numbered_equals_token_by_token);
    tcase_add_test(tc, test_max_features_keeps_most_frequent);
    tcase_add_test(tc, test_context_and_named_features);
    tcase_add_test(tc, test_train_vector_equals_classify_vector);
    tcase_add_test(tc, test_long_document_values);
    tcase_add_test(tc, test_article_values_across_octaves);
    tcase_add_test(tc, test_vocab_round_trip);
    tcase_add_test(tc, test_vocab_parse_good);
    tcase_add_test(tc, test_vocab_parse_rejects);
    tcase_add_test(tc, test_vocab_parse_idf_exact);
    tcase_add_test(tc, test_union_vectors_equal_own_vectors);
    suite_add_tcase(s, tc);
    return s;
}
