/* test_svmfile.c — libsvm model files.  Heads fitted by mz_fit_head and
 * written by mz_svmfile_write must mean to libsvm itself exactly what they
 * mean to mizan: svm_load_model() accepts them, and svm_predict_values,
 * svm_predict_probability and svm_predict agree with mz_linmodel_decision,
 * mz_linmodel_probability and mz_linmodel_vote.  The same holds for models
 * libsvm trains and saves itself (many SVs per class, labels in any order),
 * and for a hand-written one; and the same for RBF heads (fitted by libsvm
 * through mz_fit_head, or trained and saved by libsvm itself).  An
 * epsilon-SVR head (mz_fit_svr) written as a libsvm epsilon_svr file
 * predicts with svm_predict exactly what mizan predicts.  Then the strict
 * parser: every malformed file is refused with a message naming it. */
#include <check.h>
#include <libsvm/svm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "features.h"
#include "fsutil.h"
#include "learn.h"
#include "svmfile.h"
#include "testutil.h"

MZ_TEST_SCRATCH("mz_svmfile", tmpdir)

static const char *write_tmp(const char *name, const char *data, size_t len)
{
    static char path[2048];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static void quiet(const char *s) { (void)s; }

/* ------------------------------------------------- data: the mini corpus */

typedef struct corpus {
    char **title, **text, **label;
    size_t n, cap;
} corpus;

static int collect(void *arg, const mz_record *r, mz_err *e)
{
    (void)e;
    corpus *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->title = realloc(c->title, c->cap * sizeof(char *));
        c->text = realloc(c->text, c->cap * sizeof(char *));
        c->label = realloc(c->label, c->cap * sizeof(char *));
    }
    c->title[c->n] = r->title ? strndup(r->title, r->title_len) : NULL;
    c->text[c->n] = strndup(r->text, r->text_len);
    c->label[c->n] = strdup(cJSON_IsString(r->label) ? r->label->valuestring : "?");
    c->n++;
    return 0;
}

static void corpus_load(corpus *c, const char *rel)
{
    memset(c, 0, sizeof *c);
    mz_fields fl;
    mz_fields_default(&fl);
    mz_err e = {{0}};
    ck_assert_msg(mz_corpus_read(mz_test_path(rel), &fl, collect, c, &e) == 0, "%s", e.msg);
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->title[i]);
        free(c->text[i]);
        free(c->label[i]);
    }
    free(c->title);
    free(c->text);
    free(c->label);
}

static const char *const topic_labels[] = {"culture", "economy", "internationalNews", "middleEast", "sport",
                                           "technology"};

static int label_index(const char *l)
{
    for (int i = 0; i < 6; i++)
        if (!strcmp(l, topic_labels[i])) return i;
    return -1;
}

/* Vectors of topic.jsonl (training) and topic.tsv (held out) through one
 * vocabulary built on the training side. */
typedef struct topicdata {
    mz_sparse *train, *test;
    int *ytrain, *ytest;
    size_t ntrain, ntest, nfeat;
} topicdata;

/* How many of rows x[0..n) the head's pairwise vote assigns to y. */
static int votes_right(const mz_linmodel *m, const mz_sparse *x, const int *y, size_t n)
{
    int right = 0;
    for (size_t i = 0; i < n; i++) {
        double dec[MZ_MAX_CLASSES * (MZ_MAX_CLASSES - 1) / 2];
        mz_linmodel_decision(m, &x[i], dec);
        right += mz_linmodel_vote(m, dec) == y[i];
    }
    return right;
}

static void topic_vectors(topicdata *d)
{
    memset(d, 0, sizeof *d);
    corpus tr, te;
    corpus_load(&tr, "corpora/mini/topic.jsonl");
    corpus_load(&te, "corpora/mini/topic.tsv");
    mz_err e = {{0}};
    mz_normalizer *nz = mz_normalizer_new(&e);
    ck_assert_ptr_nonnull(nz);
    mz_stopwords sw = {0};
    ck_assert_msg(mz_stopwords_load(&sw, mz_test_path("models/stopwords-ar.txt"), nz, &e) == 0, "%s", e.msg);
    mz_featopts o;
    mz_featopts_default(&o);
    mz_vocab_builder *b = mz_vocab_builder_new(&o, &sw, &e);
    mz_termizer *tz = mz_termizer_new(&o, &sw, &e);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(tz);
    mz_termdoc *td = calloc(tr.n, sizeof *td);
    mz_doc doc;
    mz_doc_init(&doc);
    for (size_t i = 0; i < tr.n; i++) {
        ck_assert_int_eq(mz_doc_build(&doc, nz, tr.title[i], tr.title[i] ? strlen(tr.title[i]) : 0, tr.text[i],
                                      strlen(tr.text[i]), &e),
                         0);
        mz_stemdoc sd;
        ck_assert_int_eq(mz_termize(tz, &doc, NULL, NULL, 0, &sd, &e), 0);
        ck_assert_int_eq(mz_vocab_builder_add(b, &sd, &td[i], &e), 0);
        mz_stemdoc_free(&sd);
    }
    mz_vocab v;
    ck_assert_msg(mz_vocab_builder_finish(b, td, tr.n, &v, &e) == 0, "%s", e.msg);
    mz_vectorizer *vz = mz_vectorizer_new(&v, &e);
    ck_assert_ptr_nonnull(vz);
    d->ntrain = tr.n;
    d->ntest = te.n;
    d->nfeat = v.nfeat;
    d->train = calloc(tr.n, sizeof *d->train);
    d->test = calloc(te.n, sizeof *d->test);
    d->ytrain = calloc(tr.n, sizeof *d->ytrain);
    d->ytest = calloc(te.n, sizeof *d->ytest);
    for (size_t i = 0; i < tr.n; i++) {
        ck_assert_int_eq(mz_vectorize_termdoc(b, vz, &td[i], &d->train[i], &e), 0);
        d->ytrain[i] = label_index(tr.label[i]);
        ck_assert_int_ge(d->ytrain[i], 0);
        mz_termdoc_free(&td[i]);
    }
    for (size_t i = 0; i < te.n; i++) {
        ck_assert_int_eq(mz_doc_build(&doc, nz, NULL, 0, te.text[i], strlen(te.text[i]), &e), 0);
        ck_assert_int_eq(mz_vectorize(vz, &doc, NULL, NULL, 0, &d->test[i], &e), 0);
        d->ytest[i] = label_index(te.label[i]);
        ck_assert_int_ge(d->ytest[i], 0);
    }
    free(td);
    mz_doc_free(&doc);
    mz_vectorizer_free(vz);
    mz_vocab_free(&v);
    mz_termizer_free(tz);
    mz_vocab_builder_free(b);
    mz_stopwords_free(&sw);
    mz_normalizer_free(nz);
    corpus_free(&tr);
    corpus_free(&te);
}

/* Default learning options with `folds`-fold CV and no progress output. */
static mz_learnopts quiet_opts(int folds)
{
    mz_learnopts o;
    mz_learnopts_default(&o);
    o.folds = folds;
    o.quiet = 1;
    return o;
}

static void topicdata_free(topicdata *d)
{
    for (size_t i = 0; i < d->ntrain; i++) mz_sparse_free(&d->train[i]);
    for (size_t i = 0; i < d->ntest; i++) mz_sparse_free(&d->test[i]);
    free(d->train);
    free(d->test);
    free(d->ytrain);
    free(d->ytest);
}

/* --------------------------------------------------- libsvm comparison */

static struct svm_node *to_nodes(const mz_sparse *x)
{
    struct svm_node *n = malloc((x->n + 1) * sizeof *n);
    ck_assert_ptr_nonnull(n);
    for (size_t i = 0; i < x->n; i++) {
        n[i].index = x->idx[i];
        n[i].value = x->val[i];
    }
    n[x->n].index = -1;
    n[x->n].value = 0;
    return n;
}

/* Compare mizan's parsed model m with libsvm's model on x. */
static void agree(const mz_linmodel *m, const struct svm_model *sm, const mz_sparse *x, const char *what)
{
    double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES], sdec[MZ_MAX_CLASSES * MZ_MAX_CLASSES];
    double prob[MZ_MAX_CLASSES], sprob[MZ_MAX_CLASSES];
    struct svm_node *n = to_nodes(x);
    mz_linmodel_decision(m, x, dec);
    double slabel = svm_predict_values(sm, n, sdec);
    for (int p = 0; p < m->npair; p++)
        ck_assert_msg(fabs(dec[p] - sdec[p]) <= 1e-9, "%s: pair %d decision %.17g, libsvm %.17g", what, p, dec[p],
                      sdec[p]);
    int vote = mz_linmodel_vote(m, dec);
    ck_assert_msg((double)m->labels[vote] == slabel, "%s: vote %d, libsvm %g", what, m->labels[vote], slabel);
    ck_assert_msg((double)m->labels[vote] == svm_predict(sm, n), "%s: svm_predict differs", what);
    if (m->probA && svm_check_probability_model(sm)) {
        mz_linmodel_probability(m, dec, prob);
        svm_predict_probability(sm, n, sprob);
        double sum = 0;
        for (int c = 0; c < m->nclass; c++) {
            ck_assert_msg(fabs(prob[c] - sprob[c]) <= 1e-6, "%s: class %d probability %.17g, libsvm %.17g", what, c,
                          prob[c], sprob[c]);
            ck_assert(prob[c] >= 0 && prob[c] <= 1);
            sum += prob[c];
        }
        ck_assert_double_eq_tol(sum, 1.0, 1e-6);
    }
    free(n);
}

/* A reproducible sparse vector over 1..dim (some indices beyond the model's
 * features when overshoot > 0, which both sides must ignore). */
static void random_sparse(mz_sparse *x, size_t dim, size_t overshoot, unsigned *seed)
{
    x->n = 0;
    for (size_t f = 1; f <= dim + overshoot; f++) {
        *seed = *seed * 1103515245u + 12345u;
        if (((*seed >> 16) & 7) != 0) continue;
        *seed = *seed * 1103515245u + 12345u;
        double v = ((double)((*seed >> 8) & 0xffff) / 65535.0 - 0.3) * 2.0;
        if (x->n == x->cap) {
            x->cap = x->cap ? 2 * x->cap : 16;
            x->idx = realloc(x->idx, x->cap * sizeof *x->idx);
            x->val = realloc(x->val, x->cap * sizeof *x->val);
        }
        x->idx[x->n] = (int32_t)f;
        x->val[x->n] = v;
        x->n++;
    }
}

/* Write m, load it in libsvm and mizan, compare on the given vectors and on
 * random ones; returns the mizan-parsed model in *pm. */
static void write_and_compare(const mz_linmodel *m, size_t nfeat, const mz_sparse *xs, size_t nx, const char *name,
                              mz_linmodel *pm)
{
    char *text = NULL;
    size_t len = 0;
    mz_err e = {{0}};
    ck_assert_msg(mz_svmfile_write(m, &text, &len, &e) == 0, "%s", e.msg);
    const char *path = write_tmp(name, text, len);
    struct svm_model *sm = svm_load_model(path);
    ck_assert_msg(sm != NULL, "libsvm refused the file mizan wrote");
    ck_assert_int_eq(svm_get_nr_class(sm), m->nclass);
    ck_assert_int_eq(svm_check_probability_model(sm), m->probA != NULL);
    ck_assert_msg(mz_svmfile_parse(text, len, name, nfeat, pm, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(pm->nclass, m->nclass);
    ck_assert_int_eq(pm->npair, m->npair);
    for (size_t i = 0; i < nx; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s row %zu", name, i);
        agree(pm, sm, &xs[i], what);
        /* the in-memory model (weights not yet rounded to 8 digits) is close */
        double d1[MZ_MAX_CLASSES * MZ_MAX_CLASSES], d2[MZ_MAX_CLASSES * MZ_MAX_CLASSES];
        mz_linmodel_decision(m, &xs[i], d1);
        mz_linmodel_decision(pm, &xs[i], d2);
        for (int p = 0; p < m->npair; p++) ck_assert_double_eq_tol(d1[p], d2[p], 1e-6);
    }
    unsigned seed = 12345;
    mz_sparse r = {0};
    for (int k = 0; k < 50; k++) {
        random_sparse(&r, nfeat, k % 5 == 0 ? 20 : 0, &seed);
        agree(pm, sm, &r, "random");
    }
    mz_sparse_free(&r);
    svm_free_and_destroy_model(&sm);
    free(text);
}

START_TEST(test_fit_head_topic_matches_libsvm)
{
    topicdata d;
    topic_vectors(&d);
    mz_trainset ts;
    mz_err e = {{0}};
    ck_assert_msg(mz_trainset_build(&ts, d.train, d.ntrain, d.nfeat, &e) == 0, "%s", e.msg);
    mz_learnopts o = quiet_opts(3);
    mz_linmodel lm;
    double *oof = NULL;
    ck_assert_msg(mz_fit_head(&ts, d.ytrain, 6, &o, &lm, &oof, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(lm.nclass, 6);
    ck_assert_int_eq(lm.npair, 15);
    for (int c = 0; c < 6; c++) ck_assert_int_eq(lm.labels[c], c);
    ck_assert_ptr_nonnull(lm.probA);
    ck_assert_ptr_nonnull(oof);
    /* the training set is learnt, and held-out texts are mostly right */
    ck_assert_int_ge(votes_right(&lm, d.train, d.ytrain, d.ntrain), 33);
    int right = votes_right(&lm, d.test, d.ytest, d.ntest);
    ck_assert_int_ge(right, 12); /* of 24; chance is 4 */

    mz_linmodel pm;
    write_and_compare(&lm, d.nfeat, d.train, d.ntrain, "topic.svm", &pm);
    /* held-out vectors too */
    char *text;
    size_t len;
    ck_assert_int_eq(mz_svmfile_write(&lm, &text, &len, &e), 0);
    struct svm_model *sm = svm_load_model(write_tmp("topic2.svm", text, len));
    ck_assert_ptr_nonnull(sm);
    for (size_t i = 0; i < d.ntest; i++) agree(&pm, sm, &d.test[i], "held out");
    svm_free_and_destroy_model(&sm);
    /* writing is deterministic */
    char *text2;
    size_t len2;
    ck_assert_int_eq(mz_svmfile_write(&lm, &text2, &len2, &e), 0);
    ck_assert_uint_eq(len, len2);
    ck_assert_int_eq(memcmp(text, text2, len), 0);
    free(text);
    free(text2);
    free(oof);
    mz_linmodel_free(&pm);
    mz_linmodel_free(&lm);
    mz_trainset_free(&ts);
    topicdata_free(&d);
}
END_TEST

/* Training-only rows (after nscored): in the training part of every fold,
 * never predicted, and the scored rows keep the folds they have without
 * them; the final model is the one every row trains. */
START_TEST(test_training_only_rows)
{
    topicdata d;
    topic_vectors(&d);
    size_t n = d.ntrain + d.ntest, ns = d.ntrain;
    mz_sparse *rows = malloc(n * sizeof *rows);
    int *y = malloc(n * sizeof *y);
    ck_assert_ptr_nonnull(rows);
    ck_assert_ptr_nonnull(y);
    for (size_t i = 0; i < n; i++) {
        rows[i] = i < ns ? d.train[i] : d.test[i - ns]; /* shallow: d owns them */
        y[i] = i < ns ? d.ytrain[i] : d.ytest[i - ns];
    }
    int *f_all = mz_make_folds(y, n, ns, 6, 3, 1, NULL), *f_own = mz_make_folds(y, ns, ns, 6, 3, 1, NULL);
    ck_assert_ptr_nonnull(f_all);
    ck_assert_ptr_nonnull(f_own);
    for (size_t i = 0; i < n; i++) ck_assert_int_eq(f_all[i], i < ns ? f_own[i] : -1);
    free(f_all);
    free(f_own);
    /* a copy takes its original's fold, and nothing else moves */
    int32_t *same = malloc(ns * sizeof *same);
    ck_assert_ptr_nonnull(same);
    for (size_t i = 0; i < ns; i++) same[i] = i >= 10 && i % 7 == 3 ? (int32_t)(i - 10) : -1;
    int *f_plain = mz_make_folds(y, n, ns, 6, 3, 1, NULL), *f_same = mz_make_folds(y, n, ns, 6, 3, 1, same);
    ck_assert_ptr_nonnull(f_plain);
    ck_assert_ptr_nonnull(f_same);
    size_t moved = 0, copies = 0, per[3] = {0, 0, 0}, orig[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (i >= ns) {
            ck_assert_int_eq(f_same[i], -1);
            continue;
        }
        ck_assert(f_same[i] >= 0 && f_same[i] < 3);
        per[f_same[i]]++;
        if (same[i] >= 0) {
            ck_assert_int_eq(f_same[i], f_same[same[i]]);
            moved += f_plain[i] != f_plain[same[i]];
            copies++;
        } else {
            orig[f_same[i]]++;
        }
    }
    ck_assert_uint_gt(moved, 0); /* the test means something: copies were split before */
    /* the folds are dealt over the originals: as even as without copies */
    for (int f = 0; f < 3; f++) ck_assert_msg(orig[f] + 1 >= (ns - copies) / 3 && per[f] > 0, "fold %d", f);
    free(f_plain);
    free(f_same);
    free(same);

    mz_err e = {{0}};
    mz_trainset ts;
    ck_assert_int_eq(mz_trainset_build(&ts, rows, n, d.nfeat, &e), 0);
    ck_assert_uint_eq(ts.nscored, n);
    mz_learnopts o = quiet_opts(3);
    mz_linmodel every, only;
    double *oe = NULL, *oo = NULL;
    ck_assert_int_eq(mz_fit_head(&ts, y, 6, &o, &every, &oe, &e), 0);
    ts.nscored = ns;
    ck_assert_int_eq(mz_fit_head(&ts, y, 6, &o, &only, &oo, &e), 0);
    /* the final model saw every row either way */
    size_t nw = (d.nfeat + 1) * 15;
    ck_assert_int_eq(memcmp(every.W, only.W, nw * sizeof *every.W), 0);
    ck_assert_int_eq(memcmp(every.rho, only.rho, 15 * sizeof *every.rho), 0);
    /* training-only rows are never predicted; scored rows all are */
    int predicted = 0;
    for (size_t i = 0; i < n; i++) {
        int nz = 0;
        for (int p = 0; p < 15; p++) nz |= oo[i * 15 + (size_t)p] != 0.0;
        if (i >= ns) ck_assert_msg(!nz, "training-only row %zu was predicted", i);
        predicted += nz;
    }
    ck_assert_int_eq(predicted, (int)ns);
    /* and calibration saw fewer rows, so it differs */
    ck_assert(memcmp(every.probA, only.probA, 15 * sizeof *every.probA) != 0);
    free(oe);
    free(oo);
    mz_linmodel_free(&every);
    mz_linmodel_free(&only);
    mz_trainset_free(&ts);
    free(rows);
    free(y);
    topicdata_free(&d);
}
END_TEST

START_TEST(test_fit_head_deterministic)
{
    topicdata d;
    topic_vectors(&d);
    mz_trainset ts;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_trainset_build(&ts, d.train, d.ntrain, d.nfeat, &e), 0);
    mz_learnopts o = quiet_opts(3);
    mz_linmodel a, b;
    double *oa = NULL, *ob = NULL;
    ck_assert_int_eq(mz_fit_head(&ts, d.ytrain, 6, &o, &a, &oa, &e), 0);
    ck_assert_int_eq(mz_fit_head(&ts, d.ytrain, 6, &o, &b, &ob, &e), 0);
    char *ta, *tb;
    size_t la, lb;
    ck_assert_int_eq(mz_svmfile_write(&a, &ta, &la, &e), 0);
    ck_assert_int_eq(mz_svmfile_write(&b, &tb, &lb, &e), 0);
    ck_assert_uint_eq(la, lb);
    ck_assert_int_eq(memcmp(ta, tb, la), 0);
    ck_assert_int_eq(memcmp(oa, ob, d.ntrain * 15 * sizeof(double)), 0);
    /* folds are stratified: every fold has each class */
    int *fold = mz_make_folds(d.ytrain, d.ntrain, d.ntrain, 6, 3, 1, NULL);
    ck_assert_ptr_nonnull(fold);
    int count[3][6] = {{0}};
    for (size_t i = 0; i < d.ntrain; i++) {
        ck_assert(fold[i] >= 0 && fold[i] < 3);
        count[fold[i]][d.ytrain[i]]++;
    }
    for (int f = 0; f < 3; f++)
        for (int c = 0; c < 6; c++) ck_assert_int_eq(count[f][c], 2);
    free(fold);
    free(ta);
    free(tb);
    free(oa);
    free(ob);
    mz_linmodel_free(&a);
    mz_linmodel_free(&b);
    mz_trainset_free(&ts);
    topicdata_free(&d);
}
END_TEST

/* Two Gaussian-ish blobs in 12 dimensions, labels 0/1 (and 2 for a third). */
static void blobs(mz_sparse *rows, int *y, size_t n, int k, size_t dim)
{
    unsigned s = 7;
    for (size_t i = 0; i < n; i++) {
        y[i] = (int)(i % (size_t)k);
        rows[i].n = 0;
        rows[i].cap = dim;
        rows[i].idx = malloc(dim * sizeof(int32_t));
        rows[i].val = malloc(dim * sizeof(double));
        for (size_t f = 1; f <= dim; f++) {
            s = s * 1103515245u + 12345u;
            if (((s >> 16) & 3) == 0) continue;
            s = s * 1103515245u + 12345u;
            double noise = (double)((s >> 8) & 0xffff) / 65535.0 - 0.5;
            double centre = ((f + (size_t)y[i] * 4) % 12) < 4 ? 1.0 : 0.0;
            rows[i].idx[rows[i].n] = (int32_t)f;
            rows[i].val[rows[i].n] = centre + noise;
            rows[i].n++;
        }
    }
}

START_TEST(test_binary_head_matches_libsvm)
{
    enum { N = 60, DIM = 12 };
    mz_sparse rows[N];
    int y[N];
    blobs(rows, y, N, 2, DIM);
    mz_trainset ts;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_trainset_build(&ts, rows, N, DIM, &e), 0);
    mz_learnopts o = quiet_opts(4);
    mz_linmodel lm;
    ck_assert_msg(mz_fit_head(&ts, y, 2, &o, &lm, NULL, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(lm.nclass, 2);
    ck_assert_int_eq(lm.npair, 1);
    int right = 0;
    for (int i = 0; i < N; i++) {
        double dec[1];
        mz_linmodel_decision(&lm, &rows[i], dec);
        right += mz_linmodel_vote(&lm, dec) == y[i];
        /* class 0 is the positive side of the one pair */
        ck_assert_int_eq(mz_linmodel_vote(&lm, dec), dec[0] > 0 ? 0 : 1);
    }
    ck_assert_int_ge(right, 50);
    mz_linmodel pm;
    write_and_compare(&lm, DIM, rows, N, "binary.svm", &pm);
    mz_linmodel_free(&pm);
    mz_linmodel_free(&lm);
    mz_trainset_free(&ts);
    for (int i = 0; i < N; i++) mz_sparse_free(&rows[i]);
}
END_TEST

/* Blobs with a graded target: z = (centre score) + 1 clipped to -2..2 (the
 * offset needs a bias), and
 * strata from its sign, as stance training stratifies by class. */
static void graded(mz_sparse *rows, int *y, double *z, size_t n, size_t dim)
{
    blobs(rows, y, n, 3, dim);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < rows[i].n; j++) s += (rows[i].idx[j] <= 4 ? 1 : rows[i].idx[j] > 8 ? -1 : 0) * rows[i].val[j];
        z[i] = s + 1 > 2 ? 2 : s + 1 < -2 ? -2 : round(s + 1);
        y[i] = z[i] < 0 ? 0 : z[i] > 0 ? 2 : 1;
    }
}

START_TEST(test_svr_head_matches_libsvm)
{
    enum { N = 90, DIM = 12 };
    mz_sparse rows[N];
    int y[N];
    double z[N];
    graded(rows, y, z, N, DIM);
    y[5] = -1; /* a row outside the regression */
    mz_trainset ts;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_trainset_build(&ts, rows, N, DIM, &e), 0);
    mz_learnopts o = quiet_opts(3);
    o.svr_p = 0;
    mz_linmodel lm;
    double *oof = NULL;
    ck_assert_msg(mz_fit_svr(&ts, y, 3, z, &o, &lm, &oof, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(lm.svr, 1);
    ck_assert_int_eq(lm.npair, 1);
    ck_assert_ptr_null(lm.probA);
    ck_assert_double_eq(oof[5], 0);
    /* out-of-fold predictions follow the target */
    double sz = 0, sp = 0, szz = 0, spp = 0, szp = 0, m = 0;
    for (int i = 0; i < N; i++)
        if (y[i] >= 0) {
            sz += z[i], sp += oof[i], szz += z[i] * z[i], spp += oof[i] * oof[i], szp += z[i] * oof[i];
            m++;
        }
    double r = (szp - sz * sp / m) / sqrt((szz - sz * sz / m) * (spp - sp * sp / m));
    ck_assert_msg(r > 0.6, "out-of-fold Pearson r %.3f", r);
    /* the final model fits its training rows: bias included, no offset */
    double err = 0;
    for (int i = 0; i < N; i++)
        if (y[i] >= 0) {
            double d;
            mz_linmodel_decision(&lm, &rows[i], &d);
            err += d - z[i];
        }
    ck_assert_msg(fabs(err / m) < 0.05, "mean residual %.3f on the training rows", err / m);

    char *text = NULL;
    size_t len = 0;
    ck_assert_msg(mz_svmfile_write(&lm, &text, &len, &e) == 0, "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(text, "svm_type epsilon_svr\nkernel_type linear\n"));
    struct svm_model *sm = svm_load_model(write_tmp("svr.svm", text, len));
    ck_assert_msg(sm != NULL, "libsvm refused the SVR file mizan wrote");
    ck_assert_int_eq(svm_get_svm_type(sm), EPSILON_SVR);
    ck_assert_int_eq(svm_get_nr_sv(sm), 1);
    mz_linmodel pm;
    ck_assert_msg(mz_svmfile_parse(text, len, "svr.svm", DIM, &pm, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(pm.svr, 1);
    unsigned seed = 99;
    mz_sparse rnd = {0};
    for (int k = 0; k < N + 50; k++) {
        const mz_sparse *x = k < N ? &rows[k] : &rnd;
        if (k >= N) random_sparse(&rnd, DIM, k % 5 == 0 ? 20 : 0, &seed);
        struct svm_node *nodes = to_nodes(x);
        double ours, mem, sdec;
        mz_linmodel_decision(&pm, x, &ours);
        mz_linmodel_decision(&lm, x, &mem);
        double spred = svm_predict(sm, nodes);
        svm_predict_values(sm, nodes, &sdec);
        ck_assert_msg(fabs(ours - spred) <= 1e-9, "row %d: mizan %.17g, svm_predict %.17g", k, ours, spred);
        ck_assert_msg(fabs(ours - sdec) <= 1e-9, "row %d: mizan %.17g, svm_predict_values %.17g", k, ours, sdec);
        ck_assert_double_eq_tol(ours, mem, 1e-6);
        free(nodes);
    }
    mz_sparse_free(&rnd);
    svm_free_and_destroy_model(&sm);
    /* the same fit again: the same bytes and the same out-of-fold values */
    mz_linmodel lm2;
    double *oof2 = NULL;
    ck_assert_int_eq(mz_fit_svr(&ts, y, 3, z, &o, &lm2, &oof2, &e), 0);
    char *text2;
    size_t len2;
    ck_assert_int_eq(mz_svmfile_write(&lm2, &text2, &len2, &e), 0);
    ck_assert_msg(len == len2 && memcmp(text, text2, len) == 0, "two SVR fits differ");
    ck_assert_int_eq(memcmp(oof, oof2, N * sizeof *oof), 0);
    /* and in solver processes */
    o.procs = 2;
    mz_linmodel lm3;
    double *oof3 = NULL;
    ck_assert_int_eq(mz_fit_svr(&ts, y, 3, z, &o, &lm3, &oof3, &e), 0);
    ck_assert_int_eq(memcmp(oof, oof3, N * sizeof *oof), 0);
    ck_assert_int_eq(memcmp(lm.W, lm3.W, (DIM + 1) * sizeof *lm.W), 0);
    free(text);
    free(text2);
    free(oof);
    free(oof2);
    free(oof3);
    mz_linmodel_free(&pm);
    mz_linmodel_free(&lm);
    mz_linmodel_free(&lm2);
    mz_linmodel_free(&lm3);
    mz_trainset_free(&ts);
    for (int i = 0; i < N; i++) mz_sparse_free(&rows[i]);
}
END_TEST

START_TEST(test_rows_without_label_are_ignored)
{
    /* y < 0 rows take no part: the head equals the one fitted without them */
    enum { N = 45, DIM = 12 };
    mz_sparse rows[N];
    int y[N];
    blobs(rows, y, N, 3, DIM);
    mz_err e = {{0}};
    mz_learnopts o = quiet_opts(0); /* no CV: Platt on training decisions */
    mz_trainset ts;
    ck_assert_int_eq(mz_trainset_build(&ts, rows, N, DIM, &e), 0);
    int y2[N];
    for (int i = 0; i < N; i++) y2[i] = y[i] == 2 ? -1 : y[i];
    mz_linmodel a;
    ck_assert_int_eq(mz_fit_head(&ts, y2, 2, &o, &a, NULL, &e), 0);
    mz_sparse sub[N];
    int ys[N], m = 0;
    for (int i = 0; i < N; i++)
        if (y[i] != 2) {
            sub[m] = rows[i];
            ys[m] = y[i];
            m++;
        }
    mz_trainset ts2;
    ck_assert_int_eq(mz_trainset_build(&ts2, sub, (size_t)m, DIM, &e), 0);
    mz_linmodel b;
    ck_assert_int_eq(mz_fit_head(&ts2, ys, 2, &o, &b, NULL, &e), 0);
    double da[1], db[1];
    for (int i = 0; i < N; i++) {
        mz_linmodel_decision(&a, &rows[i], da);
        mz_linmodel_decision(&b, &rows[i], db);
        ck_assert_double_eq_tol(da[0], db[0], 1e-12);
    }
    /* but they are answered: out of fold with CV (a stance head's texts
     * where the target is absent, which the classifier would label if its
     * presence head said present), by the model itself without */
    double *oof = NULL;
    mz_linmodel a2;
    mz_learnopts oa = o;
    oa.answer_unlabelled = 1;
    ck_assert_int_eq(mz_fit_head(&ts, y2, 2, &oa, &a2, &oof, &e), 0);
    for (int i = 0; i < N; i++) {
        mz_linmodel_decision(&a2, &rows[i], da);
        ck_assert_double_eq_tol(oof[i], da[0], 1e-12);
    }
    free(oof);
    mz_linmodel_free(&a2);
    for (int ask = 0; ask < 2; ask++) {
        mz_learnopts o3 = quiet_opts(3);
        o3.answer_unlabelled = ask; /* not asked (another target's rows): left 0 */
        ck_assert_int_eq(mz_fit_head(&ts, y2, 2, &o3, &a2, &oof, &e), 0);
        int unlabelled = 0;
        for (int i = 0; i < N; i++)
            if (y2[i] < 0) {
                ck_assert_msg((oof[i] != 0.0) == ask, "unlabelled row %d: out-of-fold decision %g", i, oof[i]);
                unlabelled++;
            }
        ck_assert_int_gt(unlabelled, 0);
        free(oof);
        mz_linmodel_free(&a2);
    }
    /* a head needs two classes */
    mz_linmodel c;
    ck_assert_int_eq(mz_fit_head(&ts, y, 1, &o, &c, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "2.."));
    mz_linmodel_free(&a);
    mz_linmodel_free(&b);
    mz_trainset_free(&ts);
    mz_trainset_free(&ts2);
    for (int i = 0; i < N; i++) mz_sparse_free(&rows[i]);
}
END_TEST

/* libsvm's own models: many SVs per class, labels in first-seen order. */
static void libsvm_trained(int k, int kernel)
{
    enum { N = 90, DIM = 12 };
    static const int names[] = {7, -3, 42};
    mz_sparse rows[N];
    int y[N];
    blobs(rows, y, N, k, DIM);
    struct svm_node *nodes[N];
    double yy[N];
    /* class names that are not 0..k-1 and not sorted (libsvm keeps the
     * order of first appearance: 7, -3, 42) */
    for (int i = 0; i < N; i++) {
        nodes[i] = to_nodes(&rows[i]);
        yy[i] = names[y[i]];
    }
    struct svm_problem prob = {N, yy, nodes};
    struct svm_parameter par;
    memset(&par, 0, sizeof par);
    par.svm_type = C_SVC;
    par.kernel_type = kernel;
    par.gamma = 0.2;
    par.cache_size = 10;
    par.eps = 1e-3;
    par.C = 1;
    par.shrinking = 1;
    par.probability = 1;
    svm_set_print_string_function(quiet);
    ck_assert_ptr_null(svm_check_parameter(&prob, &par));
    srand(1);
    struct svm_model *trained = svm_train(&prob, &par);
    ck_assert_ptr_nonnull(trained);
    char name[32];
    snprintf(name, sizeof name, "libsvm%d-%d.svm", k, kernel);
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    ck_assert_int_eq(svm_save_model(path, trained), 0);
    ck_assert_int_gt(svm_get_nr_sv(trained), k); /* really many SVs */
    struct svm_model *sm = svm_load_model(path);
    ck_assert_ptr_nonnull(sm);
    char *text = NULL;
    size_t len = 0;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_read_file(path, 1u << 24, &text, &len, &e), 0);
    mz_linmodel pm;
    ck_assert_msg(mz_svmfile_parse(text, len, name, DIM, &pm, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(pm.nclass, k);
    ck_assert_int_eq(pm.kernel_rbf, kernel == RBF);
    int labels[3];
    svm_get_labels(sm, labels);
    for (int c = 0; c < k; c++) ck_assert_int_eq(pm.labels[c], labels[c]);
    for (int i = 0; i < N; i++) agree(&pm, sm, &rows[i], "libsvm-trained");
    unsigned seed = 99;
    mz_sparse r = {0};
    for (int j = 0; j < 40; j++) {
        random_sparse(&r, DIM, 0, &seed);
        agree(&pm, sm, &r, "libsvm-trained random");
    }
    mz_sparse_free(&r);
    mz_linmodel_free(&pm);
    free(text);
    svm_free_and_destroy_model(&sm);
    svm_free_and_destroy_model(&trained);
    for (int i = 0; i < N; i++) {
        free(nodes[i]);
        mz_sparse_free(&rows[i]);
    }
}

START_TEST(test_libsvm_trained_models_3class)
{
    libsvm_trained(3, LINEAR);
}
END_TEST

START_TEST(test_libsvm_trained_models_2class)
{
    libsvm_trained(2, LINEAR);
}
END_TEST

START_TEST(test_libsvm_trained_rbf_models)
{
    libsvm_trained(3, RBF);
    libsvm_trained(2, RBF);
}
END_TEST

/* ------------------------------------------------------ hand-written */

static const char base_model[] = "svm_type c_svc\n"
                                 "kernel_type linear\n"
                                 "nr_class 3\n"
                                 "total_sv 5\n"
                                 "rho 0.1 -0.2 0.3\n"
                                 "label 0 1 2\n"
                                 "probA -1.5 -2 -1\n"
                                 "probB 0.1 0 -0.2\n"
                                 "nr_sv 2 1 2\n"
                                 "SV\n"
                                 "0.5 -0.25 1:0.5 3:-1 7:0.25 \n"
                                 "1 0 2:1 3:0.5\n"
                                 "-0.75 0.5 1:1 5:2\n"
                                 "0.25 -1 4:-0.5 8:1\n"
                                 "-0.5 0.75 2:0.3 6:0.7\n";

START_TEST(test_hand_written_model_matches_libsvm)
{
    mz_linmodel pm;
    mz_err e = {{0}};
    ck_assert_msg(mz_svmfile_parse(base_model, strlen(base_model), "base.svm", 8, &pm, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(pm.nclass, 3);
    ck_assert_int_eq(pm.npair, 3);
    ck_assert_int_eq(pm.kernel_rbf, 0);
    ck_assert_double_eq(pm.rho[1], -0.2);
    ck_assert_double_eq(pm.probB[2], -0.2);
    /* folded weights by hand: pair (0,1) gets class-0 SVs' first coefficient
     * and the class-1 SV's first coefficient */
    ck_assert_double_eq_tol(pm.W[1 * 3 + 0], 0.5 * 0.5 + -0.75 * 1, 1e-15);
    ck_assert_double_eq_tol(pm.W[3 * 3 + 0], 0.5 * -1 + 1 * 0.5, 1e-15);
    ck_assert_double_eq_tol(pm.W[2 * 3 + 0], 1.0, 1e-15);
    /* pair (1,2): the class-1 SV's second coefficient and class-2 SVs' second */
    ck_assert_double_eq_tol(pm.W[8 * 3 + 2], -1.0, 1e-15);
    ck_assert_double_eq_tol(pm.W[2 * 3 + 2], 0.0 + 0.75 * 0.3, 1e-15);
    struct svm_model *sm = svm_load_model(write_tmp("base.svm", base_model, strlen(base_model)));
    ck_assert_ptr_nonnull(sm);
    unsigned seed = 4242;
    mz_sparse r = {0};
    for (int j = 0; j < 200; j++) {
        random_sparse(&r, 8, 0, &seed);
        agree(&pm, sm, &r, "hand-written");
    }
    mz_sparse_free(&r);
    svm_free_and_destroy_model(&sm);
    mz_linmodel_free(&pm);
    /* a larger max_index is fine (unused rows stay zero) */
    ck_assert_int_eq(mz_svmfile_parse(base_model, strlen(base_model), "base.svm", 100, &pm, &e), 0);
    ck_assert_uint_eq(pm.nfeat, 100);
    mz_linmodel_free(&pm);
}
END_TEST

/* base_model with line `ln` (0-based) replaced by `repl` (NULL: removed). */
static char *with_line(int ln, const char *repl)
{
    static char out[4096];
    size_t n = 0;
    const char *p = base_model;
    for (int i = 0; *p; i++) {
        const char *nl = strchr(p, '\n');
        size_t l = (size_t)(nl - p) + 1;
        if (i == ln) {
            if (repl) n += (size_t)snprintf(out + n, sizeof out - n, "%s\n", repl);
        } else {
            memcpy(out + n, p, l);
            n += l;
        }
        p += l;
    }
    out[n] = 0;
    return out;
}

#define REJECT_LEN(text, len, max_index, needle)                                                     \
    do {                                                                                             \
        mz_linmodel m_;                                                                              \
        mz_err e_ = {{0}};                                                                           \
        ck_assert_msg(mz_svmfile_parse((text), (len), "bad.svm", (max_index), &m_, &e_) == -1,       \
                      "accepted a bad model (%s)", (needle));                                        \
        ck_assert_msg(strstr(e_.msg, "bad.svm") != NULL, "message lacks the file name: %s", e_.msg); \
        ck_assert_msg(strstr(e_.msg, (needle)) != NULL, "message '%s' lacks '%s'", e_.msg, (needle)); \
        ck_assert_ptr_null(m_.W);                                                                    \
        ck_assert_ptr_null(m_.rho);                                                                  \
        ck_assert_ptr_null(m_.sv_start);                                                             \
    } while (0)

#define REJECT(text, needle) REJECT_LEN((text), strlen(text), 8, (needle))

START_TEST(test_parse_rejects_structure)
{
    /* truncated: in the header, and in the SV section */
    REJECT_LEN(base_model, (size_t)(strstr(base_model, "rho") - base_model), 8, "truncated: no SV section");
    const char *sv = strstr(base_model, "SV\n") + 3;
    REJECT_LEN(base_model, (size_t)(sv - base_model), 8, "truncated: 0 of 5");
    REJECT_LEN(base_model, (size_t)(strstr(sv, "0.25 -1") - base_model), 8, "truncated: 3 of 5");
    /* counts */
    REJECT(with_line(8, "nr_sv 2 1 1"), "nr_sv does not add up");
    REJECT(with_line(8, "nr_sv 2 1 3"), "nr_sv does not add up");
    REJECT(with_line(8, "nr_sv 2 1"), "expected 3 SV counts");
    REJECT(with_line(2, "nr_class 1"), "nr_class must be 2..");
    REJECT(with_line(2, "nr_class 65"), "nr_class must be 2..");
    REJECT(with_line(2, "nr_class 2.5"), "nr_class must be 2..");
    REJECT(with_line(3, "total_sv 0"), "bad total_sv");
    /* missing or repeated fields */
    REJECT(with_line(4, NULL), "incomplete header");
    REJECT(with_line(5, NULL), "incomplete header");
    REJECT(with_line(0, NULL), "incomplete header");
    REJECT(with_line(7, NULL), "probA and probB must come together");
    REJECT(with_line(7, "rho 0.1 -0.2 0.3"), "repeated field");
    REJECT(with_line(1, "kernel_type linear\nkernel_type linear"), "repeated field \"kernel_type\"");
    REJECT(with_line(0, "svm_type c_svc\nsvm_type epsilon_svr"), "repeated field \"svm_type\"");
    REJECT(with_line(3, "total_sv 3\ntotal_sv 3"), "repeated field \"total_sv\"");
    /* cut inside its last line, the rest still parses: refused all the same */
    {
        const char *whole = with_line(99, NULL);
        size_t wl = strlen(whole);
        for (size_t cut = 1; cut <= 3; cut++) REJECT_LEN(whole, wl - cut, 8, "truncated (no newline at the end)");
    }
    REJECT(with_line(0, "svm_type nu_svc"), "only svm_type c_svc");
    REJECT(with_line(1, "kernel_type polynomial"), "kernel_type must be linear or rbf");
    REJECT(with_line(1, "kernel_type rbf"), "rbf kernel without gamma");
    REJECT(with_line(1, "kernel_type linear\ndegree 3"), "unknown header line");
    REJECT(with_line(1, "kernel_type linear\nfoo bar"), "unknown header line");
    REJECT(with_line(2, "label 0 1 2\nnr_class 3"), "label before nr_class");
    REJECT(with_line(5, "label 0 1 1"), "repeated label 1");
    REJECT(with_line(5, "label 0 1 2 3"), "too many labels");
    REJECT(with_line(5, "label 0 1"), "expected 3 integer labels");
    /* a vocabulary of no features leaves the weights one row, 0, which
     * no feature index names (each was written past it) */
    REJECT_LEN(base_model, strlen(base_model), 0, "the vocabulary has no features");
    /* data after the last support vector */
    char buf[4096];
    snprintf(buf, sizeof buf, "%s1 0 1:1\n", base_model);
    REJECT(buf, "data after the last support vector");
    /* blank lines after the SVs are fine */
    snprintf(buf, sizeof buf, "%s\n\n", base_model);
    mz_linmodel m;
    mz_err e = {{0}};
    ck_assert_msg(mz_svmfile_parse(buf, strlen(buf), "ok.svm", 8, &m, &e) == 0, "%s", e.msg);
    mz_linmodel_free(&m);
}
END_TEST

START_TEST(test_parse_rejects_numbers_and_indices)
{
    /* header numbers */
    REJECT(with_line(4, "rho 0.1 nan 0.3"), "expected 3 finite numbers");
    REJECT(with_line(4, "rho 0.1 inf 0.3"), "expected 3 finite numbers");
    REJECT(with_line(4, "rho 0.1 -0.2"), "expected 3 finite numbers");
    REJECT(with_line(4, "rho 0.1 -0.2 0.3 0.4"), "expected 3 finite numbers");
    REJECT(with_line(6, "probA -1.5 x -1"), "expected 3 finite numbers");
    /* finite but beyond any trained model: overflows once multiplied */
    REJECT(with_line(4, "rho 0.1 1e308 0.3"), "expected 3 finite numbers of magnitude at most 1e+100");
    REJECT(with_line(6, "probA -1.5 -1 -1.0000001e100"), "expected 3 finite numbers");
    REJECT(with_line(7, "probB 0 0 2e200"), "expected 3 finite numbers");
    REJECT(with_line(10, "0.5 -0.25 1:1e308"), "bad feature value (a number of magnitude at most 1e+100)");
    REJECT(with_line(10, "0.5 -0.25 1:-1e101"), "bad feature value");
    REJECT(with_line(10, "0.5 1e300 1:0.5"), "expected 2 coefficients");
    {
        mz_linmodel m1;
        mz_err e1 = {{0}};
        const char *t1 = with_line(10, "0.5 -0.25 1:1e100 3:-1e100");
        ck_assert_msg(mz_svmfile_parse(t1, strlen(t1), "ok.svm", 8, &m1, &e1) == 0, "%s", e1.msg);
        mz_linmodel_free(&m1);
    }
    /* SV lines: index order and range */
    REJECT(with_line(10, "0.5 -0.25 3:0.5 1:-1"), "feature indices must increase");
    REJECT(with_line(10, "0.5 -0.25 3:0.5 3:-1"), "feature indices must increase");
    REJECT(with_line(10, "0.5 -0.25 1:0.5 9:-1"), "bad feature index");
    REJECT(with_line(10, "0.5 -0.25 0:0.5"), "bad feature index");
    REJECT(with_line(10, "0.5 -0.25 -1:0.5"), "bad feature index");
    REJECT(with_line(10, "0.5 -0.25 1.5:0.5"), "bad feature index");
    REJECT(with_line(10, "0.5 -0.25 1 0.5"), "bad feature index");
    REJECT(with_line(10, "0.5 -0.25 1:nan"), "bad feature value");
    REJECT(with_line(10, "0.5 -0.25 1:inf"), "bad feature value");
    REJECT(with_line(10, "0.5 -0.25 1:"), "bad feature value");
    REJECT(with_line(10, "0.5 -0.25 1:0x"), "bad feature value");
    REJECT(with_line(10, "0.5 nan 1:0.5"), "expected 2 coefficients");
    REJECT(with_line(10, "0.5"), "expected 2 coefficients");
    /* the max_index bound is the caller's: 7 features reject index 8 */
    REJECT_LEN(base_model, strlen(base_model), 7, "bad feature index");
    /* an SV with no features at all is legal */
    mz_linmodel m;
    mz_err e = {{0}};
    const char *t = with_line(10, "0.5 -0.25");
    ck_assert_msg(mz_svmfile_parse(t, strlen(t), "ok.svm", 8, &m, &e) == 0, "%s", e.msg);
    mz_linmodel_free(&m);
    /* every prefix that ends before the last support vector is refused (a
     * cut inside the last line's final number cannot be told from a shorter
     * number: the bundle's SHA-256 is what catches that) */
    size_t last = (size_t)(strstr(base_model, "-0.5 0.75") - base_model);
    for (size_t cut = 0; cut <= last; cut++) {
        if (mz_svmfile_parse(base_model, cut, "cut.svm", 8, &m, &e) == 0) {
            mz_linmodel_free(&m);
            ck_abort_msg("prefix of %zu bytes accepted", cut);
        }
    }
}
END_TEST

static const char svr_model[] = "svm_type epsilon_svr\n"
                                "kernel_type linear\n"
                                "nr_class 2\n"
                                "total_sv 1\n"
                                "rho 0.25\n"
                                "SV\n"
                                "1 1:0.5 3:-1.5\n";

START_TEST(test_svr_file_parsed_and_refused)
{
    mz_linmodel m;
    mz_err e = {{0}};
    ck_assert_msg(mz_svmfile_parse(svr_model, strlen(svr_model), "svr.svm", 4, &m, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(m.svr, 1);
    int32_t idx[2] = {1, 3};
    double val[2] = {2, 1}, dec;
    mz_sparse x = {idx, val, 2, 2};
    mz_linmodel_decision(&m, &x, &dec);
    ck_assert_double_eq_tol(dec, 0.5 * 2 - 1.5 - 0.25, 1e-12);
    mz_linmodel_free(&m);
    /* what libsvm never writes for a regression is refused */
    char buf[1024];
    const char *tail = strstr(svr_model, "rho");
    snprintf(buf, sizeof buf, "svm_type epsilon_svr\nkernel_type linear\nnr_class 3\ntotal_sv 1\nrho 0 0 0\nSV\n1 1:1\n");
    REJECT(buf, "epsilon_svr model has nr_class 2");
    snprintf(buf, sizeof buf, "svm_type epsilon_svr\nkernel_type linear\nnr_class 2\ntotal_sv 1\nlabel 0 1\n%s", tail);
    REJECT(buf, "epsilon_svr model has nr_class 2");
    snprintf(buf, sizeof buf, "svm_type epsilon_svr\nkernel_type linear\nnr_class 2\ntotal_sv 1\nprobA 0.5\nprobB 0\n%s",
             tail);
    REJECT(buf, "epsilon_svr model has nr_class 2");
    snprintf(buf, sizeof buf, "svm_type epsilon_svr\nkernel_type linear\nnr_class 2\ntotal_sv 1\nnr_sv 1 0\n%s", tail);
    REJECT(buf, "epsilon_svr model has nr_class 2");
    snprintf(buf, sizeof buf, "svm_type epsilon_svr\nkernel_type linear\nnr_class 2\ntotal_sv 2\n%s", tail);
    REJECT(buf, "truncated: 1 of 2");
    REJECT("svm_type nu_svr\nkernel_type linear\nnr_class 2\ntotal_sv 1\nrho 0\nSV\n1 1:1\n", "only svm_type");
}
END_TEST

START_TEST(test_hand_written_rbf_model)
{
    /* base_model's SVs under an RBF kernel: what libsvm computes, mizan
     * computes, and mizan writes it back in a form both read the same way */
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", with_line(1, "kernel_type rbf\ngamma 0.5"));
    mz_linmodel m;
    mz_err e = {{0}};
    ck_assert_msg(mz_svmfile_parse(buf, strlen(buf), "rbf.svm", 8, &m, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(m.kernel_rbf, 1);
    ck_assert_double_eq(m.gamma, 0.5);
    ck_assert_ptr_null(m.W);
    ck_assert_uint_eq(m.nsv, 5);
    ck_assert_int_eq(m.nsv_class[0], 2);
    ck_assert_int_eq(m.nsv_class[2], 2);
    /* SV 2 (class 1): coefficients -0.75 0.5, features 1:1 5:2 */
    ck_assert_double_eq(m.sv_coef[2 * 2 + 0], -0.75);
    ck_assert_double_eq(m.sv_coef[2 * 2 + 1], 0.5);
    ck_assert_uint_eq(m.sv_start[3] - m.sv_start[2], 2);
    ck_assert_int_eq(m.sv_idx[m.sv_start[2] + 1], 5);
    ck_assert_double_eq(m.sv_val[m.sv_start[2] + 1], 2.0);
    /* one kernel value by hand: x = {1:1, 2:1} against SV 0 {1:0.5 3:-1 7:0.25} */
    int32_t xi[2] = {1, 2};
    double xv[2] = {1, 1};
    mz_sparse x = {xi, xv, 2, 2};
    ck_assert_double_eq_tol(mz_rbf_kernel(&m, 0, &x), exp(-0.5 * (0.25 + 1 + 1 + 0.0625)), 1e-15);
    struct svm_model *sm = svm_load_model(write_tmp("rbf.svm", buf, strlen(buf)));
    ck_assert_ptr_nonnull(sm);
    unsigned seed = 777;
    mz_sparse r = {0};
    for (int j = 0; j < 200; j++) {
        random_sparse(&r, 8, j % 4 == 0 ? 3 : 0, &seed);
        agree(&m, sm, &r, "hand-written rbf");
    }
    svm_free_and_destroy_model(&sm);
    /* round trip through mizan's writer: the same numbers, bit for bit */
    char *out = NULL;
    size_t len = 0;
    ck_assert_msg(mz_svmfile_write(&m, &out, &len, &e) == 0, "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(out, "kernel_type rbf\ngamma 0.5\n"));
    mz_linmodel m2;
    ck_assert_msg(mz_svmfile_parse(out, len, "again.svm", 8, &m2, &e) == 0, "%s", e.msg);
    sm = svm_load_model(write_tmp("again.svm", out, len));
    ck_assert_ptr_nonnull(sm);
    seed = 778;
    for (int j = 0; j < 50; j++) {
        random_sparse(&r, 8, 0, &seed);
        double d1[3], d2[3];
        mz_linmodel_decision(&m, &r, d1);
        mz_linmodel_decision(&m2, &r, d2);
        ck_assert_int_eq(memcmp(d1, d2, sizeof d1), 0);
        agree(&m2, sm, &r, "rewritten rbf");
    }
    mz_sparse_free(&r);
    svm_free_and_destroy_model(&sm);
    free(out);
    mz_linmodel_free(&m2);
    mz_linmodel_free(&m);
    REJECT(with_line(1, "kernel_type rbf\ngamma -1"), "bad gamma");
    REJECT(with_line(1, "kernel_type rbf\ngamma nan"), "bad gamma");
    /* the strict checks hold for rbf files too, and a cut one is refused */
    snprintf(buf, sizeof buf, "%s", with_line(10, "0.5 -0.25 3:0.5 1:-1"));
    char rbf[4096];
    const char *nl = strchr(buf, '\n');
    snprintf(rbf, sizeof rbf, "%.*s\nkernel_type rbf\ngamma 0.5%s", (int)(nl - buf), buf, strchr(nl + 1, '\n'));
    REJECT(rbf, "feature indices must increase");
    snprintf(buf, sizeof buf, "%s", with_line(1, "kernel_type rbf\ngamma 0.5"));
    size_t last = (size_t)(strstr(buf, "-0.5 0.75") - buf);
    for (size_t cut = 0; cut <= last; cut++) {
        if (mz_svmfile_parse(buf, cut, "cut.svm", 8, &m, &e) == 0) {
            mz_linmodel_free(&m);
            ck_abort_msg("rbf prefix of %zu bytes accepted", cut);
        }
        ck_assert_ptr_null(m.sv_start);
    }
}
END_TEST

static void rbf_opts(mz_learnopts *o)
{
    mz_learnopts_default(o);
    o->folds = 3;
    o->quiet = 1;
    o->rbf = 1;
    o->gamma = 1.0;
    o->C = 4;
}

START_TEST(test_rbf_fit_head_topic_matches_libsvm)
{
    topicdata d;
    topic_vectors(&d);
    mz_trainset ts;
    mz_err e = {{0}};
    ck_assert_msg(mz_trainset_build(&ts, d.train, d.ntrain, d.nfeat, &e) == 0, "%s", e.msg);
    mz_learnopts o;
    rbf_opts(&o);
    mz_linmodel lm;
    double *oof = NULL;
    ck_assert_msg(mz_fit_head(&ts, d.ytrain, 6, &o, &lm, &oof, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(lm.kernel_rbf, 1);
    ck_assert_int_eq(lm.nclass, 6);
    ck_assert_int_eq(lm.npair, 15);
    ck_assert_ptr_null(lm.W);
    ck_assert_ptr_nonnull(lm.probA);
    ck_assert_uint_gt(lm.nsv, 6);
    ck_assert_uint_le(lm.nsv, d.ntrain);
    for (int c = 0; c < 6; c++) ck_assert_int_gt(lm.nsv_class[c], 0);
    /* the training set is learnt, held-out texts are mostly right */
    ck_assert_int_ge(votes_right(&lm, d.train, d.ytrain, d.ntrain), 33);
    int right = votes_right(&lm, d.test, d.ytest, d.ntest);
    ck_assert_int_ge(right, 10); /* of 24; chance is 4 */
    /* out-of-fold values are really out of fold: not the final model's */
    int differ = 0;
    for (size_t i = 0; i < d.ntrain; i++) {
        double dec[15];
        mz_linmodel_decision(&lm, &d.train[i], dec);
        differ += fabs(dec[0] - oof[i * 15]) > 1e-6;
    }
    ck_assert_int_gt(differ, (int)d.ntrain / 2);
    /* libsvm reads the file and computes the same numbers */
    mz_linmodel pm;
    write_and_compare(&lm, d.nfeat, d.train, d.ntrain, "rbf-topic.svm", &pm);
    char *text;
    size_t len;
    ck_assert_int_eq(mz_svmfile_write(&lm, &text, &len, &e), 0);
    struct svm_model *sm = svm_load_model(write_tmp("rbf-topic2.svm", text, len));
    ck_assert_ptr_nonnull(sm);
    for (size_t i = 0; i < d.ntest; i++) agree(&pm, sm, &d.test[i], "rbf held out");
    /* the file holds the trained model exactly (full precision) */
    for (size_t i = 0; i < d.ntest; i++) {
        double d1[15], d2[15];
        mz_linmodel_decision(&lm, &d.test[i], d1);
        mz_linmodel_decision(&pm, &d.test[i], d2);
        ck_assert_int_eq(memcmp(d1, d2, sizeof d1), 0);
    }
    svm_free_and_destroy_model(&sm);
    /* deterministic, and the same whether the folds run in child processes */
    mz_linmodel lm2;
    double *oof2 = NULL;
    o.procs = 2;
    ck_assert_msg(mz_fit_head(&ts, d.ytrain, 6, &o, &lm2, &oof2, &e) == 0, "%s", e.msg);
    char *text2;
    size_t len2;
    ck_assert_int_eq(mz_svmfile_write(&lm2, &text2, &len2, &e), 0);
    ck_assert_uint_eq(len, len2);
    ck_assert_int_eq(memcmp(text, text2, len), 0);
    ck_assert_int_eq(memcmp(oof, oof2, d.ntrain * 15 * sizeof(double)), 0);
    free(text);
    free(text2);
    free(oof);
    free(oof2);
    mz_linmodel_free(&lm2);
    mz_linmodel_free(&pm);
    mz_linmodel_free(&lm);
    mz_trainset_free(&ts);
    topicdata_free(&d);
}
END_TEST

START_TEST(test_rbf_absent_class_and_unlabelled_rows)
{
    /* three classes named, class 1 never present, some rows unlabelled: the
     * head still has three classes; class 1 has no SVs and always loses */
    enum { N = 60, DIM = 12 };
    mz_sparse rows[N];
    int y[N];
    blobs(rows, y, N, 3, DIM);
    for (int i = 0; i < N; i++)
        if (y[i] == 1) y[i] = i % 2 ? -1 : 2;
    mz_trainset ts;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_trainset_build(&ts, rows, N, DIM, &e), 0);
    mz_learnopts o;
    rbf_opts(&o);
    o.balanced = 1;
    o.gamma = 0.3;
    mz_linmodel lm;
    ck_assert_msg(mz_fit_head(&ts, y, 3, &o, &lm, NULL, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(lm.nclass, 3);
    ck_assert_int_eq(lm.nsv_class[1], 0);
    ck_assert_int_gt(lm.nsv_class[0], 0);
    ck_assert_int_gt(lm.nsv_class[2], 0);
    for (int i = 0; i < N; i++) {
        double dec[3];
        mz_linmodel_decision(&lm, &rows[i], dec);
        ck_assert_double_eq(dec[0], 1.0); /* (0, 1): class 0 wins */
        ck_assert_double_eq(dec[2], -1.0); /* (1, 2): class 2 wins */
        ck_assert_int_ne(mz_linmodel_vote(&lm, dec), 1);
    }
    mz_linmodel pm;
    write_and_compare(&lm, DIM, rows, N, "rbf-absent.svm", &pm);
    mz_linmodel_free(&pm);
    mz_linmodel_free(&lm);
    /* the same head without the unlabelled rows */
    mz_sparse sub[N];
    int ys[N], m = 0;
    for (int i = 0; i < N; i++)
        if (y[i] >= 0) sub[m] = rows[i], ys[m++] = y[i];
    mz_trainset ts2;
    ck_assert_int_eq(mz_trainset_build(&ts2, sub, (size_t)m, DIM, &e), 0);
    o.folds = 0;
    mz_linmodel a, b;
    ck_assert_int_eq(mz_fit_head(&ts, y, 3, &o, &a, NULL, &e), 0);
    ck_assert_int_eq(mz_fit_head(&ts2, ys, 3, &o, &b, NULL, &e), 0);
    char *ta, *tb;
    size_t la, lb;
    ck_assert_int_eq(mz_svmfile_write(&a, &ta, &la, &e), 0);
    ck_assert_int_eq(mz_svmfile_write(&b, &tb, &lb, &e), 0);
    ck_assert_uint_eq(la, lb);
    ck_assert_int_eq(memcmp(ta, tb, la), 0);
    free(ta);
    free(tb);
    mz_linmodel_free(&a);
    mz_linmodel_free(&b);
    mz_trainset_free(&ts);
    mz_trainset_free(&ts2);
    for (int i = 0; i < N; i++) mz_sparse_free(&rows[i]);
}
END_TEST

START_TEST(test_pair_index_order)
{
    /* libsvm's pair order (0,1),(0,2),...,(k-2,k-1) */
    for (int k = 2; k <= 8; k++) {
        int p = 0;
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++) ck_assert_int_eq(mz_pair_index(k, i, j), p++);
        ck_assert_int_eq(p, k * (k - 1) / 2);
    }
}
END_TEST

Suite *suite_svmfile(void)
{
    Suite *s = suite_create("svmfile");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fit_head_topic_matches_libsvm);
    tcase_add_test(tc, test_fit_head_deterministic);
    tcase_add_test(tc, test_training_only_rows);
    tcase_add_test(tc, test_binary_head_matches_libsvm);
    tcase_add_test(tc, test_rows_without_label_are_ignored);
    tcase_add_test(tc, test_svr_head_matches_libsvm);
    tcase_add_test(tc, test_libsvm_trained_models_3class);
    tcase_add_test(tc, test_libsvm_trained_models_2class);
    tcase_add_test(tc, test_hand_written_model_matches_libsvm);
    tcase_add_test(tc, test_parse_rejects_structure);
    tcase_add_test(tc, test_parse_rejects_numbers_and_indices);
    tcase_add_test(tc, test_libsvm_trained_rbf_models);
    tcase_add_test(tc, test_hand_written_rbf_model);
    tcase_add_test(tc, test_rbf_fit_head_topic_matches_libsvm);
    tcase_add_test(tc, test_rbf_absent_class_and_unlabelled_rows);
    tcase_add_test(tc, test_svr_file_parsed_and_refused);
    tcase_add_test(tc, test_pair_index_order);
    suite_add_tcase(s, tc);
    return s;
}
