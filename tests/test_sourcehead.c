/* test_sourcehead.c — per-source heads (sourcehead.h).  The head built for
 * a source at load must give, on an article's own vector, the decisions
 * the second stage gives on the row training built for it (the plain
 * head's centred scores and the article's block), whichever form the two
 * heads are kept in (per class, per pair; 2 and 4 classes); and libsvm,
 * loading the second stage as written to disk, must compute the same
 * decisions on that row.  Then the pieces: centred scores, the row's
 * layout, and refusals. */
#include <check.h>
#include <libsvm/svm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "fsutil.h"
#include "predict.h"
#include "sourcehead.h"
#include "testutil.h"

MZ_TEST_SCRATCH("mz_sourcehead", tmpdir)

static uint64_t rng = 88172645463325252ULL;
static double rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* A random linear k-class head over nfeat features, per class (Wk) or per
 * pair (W), with sigmoids; a feature is zero with probability `sparse`. */
static void random_head(mz_linmodel *m, int k, size_t nfeat, int per_class, double sparse)
{
    memset(m, 0, sizeof *m);
    m->nclass = k;
    m->npair = k * (k - 1) / 2;
    m->nfeat = nfeat;
    for (int c = 0; c < k; c++) m->labels[c] = c;
    int width = per_class ? k : m->npair;
    double *W = calloc((nfeat + 1) * (size_t)width, sizeof *W);
    for (size_t f = 1; f <= nfeat; f++)
        for (int j = 0; j < width; j++) W[f * (size_t)width + (size_t)j] = fabs(rnd()) < sparse ? 0 : rnd();
    if (per_class) m->Wk = W;
    else m->W = W;
    m->rho = malloc((size_t)m->npair * sizeof *m->rho);
    m->probA = malloc((size_t)m->npair * sizeof *m->probA);
    m->probB = malloc((size_t)m->npair * sizeof *m->probB);
    for (int p = 0; p < m->npair; p++) {
        m->rho[p] = rnd();
        m->probA[p] = -2 + rnd();
        m->probB[p] = rnd() / 4;
    }
}

static void random_article(mz_sparse *x, size_t nfeat)
{
    x->n = 0;
    mz_sparse_reserve(x, nfeat);
    for (size_t f = 1; f <= nfeat; f++)
        if (rnd() > 0.2) {
            x->idx[x->n] = (int32_t)f;
            x->val[x->n++] = rnd();
        }
}

/* The evidence of a per-source head, which shares its weights and adds
 * its own, is that of the same head with the two written out as one. */
static void check_evidence(const mz_linmodel *m, const mz_sparse *x, size_t F)
{
    mz_bundle b;
    memset(&b, 0, sizeof b);
    char kind[64], names[64][8], *surface[64];
    int32_t sid[64];
    for (size_t f = 0; f < F; f++) {
        kind[f] = 'u';
        sid[f] = (int32_t)f;
        snprintf(names[f], sizeof names[f], "w%zu", f);
        surface[f] = names[f];
    }
    b.vocab.kind = kind;
    b.vocab.surf_id = sid;
    b.vocab.surface = surface;
    b.vocab.nfeat = F;
    mz_linmodel dense = *m;
    int width = m->Wk ? m->nclass : m->npair;
    double *W = malloc((F + 1) * (size_t)width * sizeof *W);
    memcpy(W, m->Wk ? m->Wk : m->W, (F + 1) * (size_t)width * sizeof *W);
    for (size_t f = 1; f <= F; f++)
        for (int j = 0; m->dslot[f] >= 0 && j < width; j++)
            W[f * (size_t)width + (size_t)j] += m->dval[(size_t)m->dslot[f] * (size_t)width + (size_t)j];
    if (m->Wk) dense.Wk = W;
    else dense.W = W;
    dense.dslot = NULL;
    dense.dval = NULL;
    mz_head h1, h2;
    memset(&h1, 0, sizeof h1);
    h1.nclass = m->nclass;
    h1.lm = *m;
    h2 = h1;
    h2.lm = dense;
    mz_predictor p;
    memset(&p, 0, sizeof p);
    p.b = &b;
    p.x = *x;
    for (int c = 0; c < m->nclass; c++) {
        mz_evidence e1[64], e2[64];
        size_t n1 = mz_head_evidence(&p, &h1, c, F, 1, e1), n2 = mz_head_evidence(&p, &h2, c, F, 1, e2);
        ck_assert_uint_eq(n1, n2);
        ck_assert_uint_gt(n1, 0);
        for (size_t i = 0; i < n1; i++) {
            ck_assert_str_eq(e1[i].term, e2[i].term);
            ck_assert_double_eq_tol(e1[i].weight, e2[i].weight, 1e-12);
        }
    }
    free(p.pw);
    free(p.cp);
    free(W);
}

static void check_forms(int k, int plain_per_class, int st_per_class)
{
    enum { F = 40 };
    const int nsrc = 3;
    const double scale = 0.37;
    int32_t kept[F];
    size_t K = 0;
    for (int32_t f = 1; f <= F; f++)
        if (f % 3 != 0) kept[K++] = f; /* not every feature has a block */
    int32_t *slot = mz_source_slots(kept, K, F);
    ck_assert_ptr_nonnull(slot);
    mz_linmodel plain, st, comb[3];
    random_head(&plain, k, F, plain_per_class, 0);
    random_head(&st, k, (size_t)k + nsrc * K, st_per_class, 0);
    mz_err e = {{0}};
    double *dval;
    ck_assert_msg(mz_source_combine(&plain, &st, nsrc, slot, F, K, scale, comb, &dval, &e) == 0, "%s", e.msg);

    /* the second stage as libsvm reads it from disk */
    char *text;
    size_t len;
    ck_assert_msg(mz_svmfile_write(&st, &text, &len, &e) == 0, "%s", e.msg);
    char path[2048];
    snprintf(path, sizeof path, "%s/stage2.svm", tmpdir);
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
    free(text);
    struct svm_model *lib = svm_load_model(path);
    ck_assert_ptr_nonnull(lib);

    mz_sparse x = {0}, row = {0};
    for (int trial = 0; trial < 20; trial++) {
        random_article(&x, F);
        double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES], s[MZ_MAX_CLASSES];
        mz_linmodel_decision(&plain, &x, dec);
        mz_centred_scores(k, dec, s);
        for (int d = 0; d < nsrc; d++) {
            ck_assert_int_eq(mz_source_row(&x, s, k, scale, d, slot, F, K, &row), 0);
            for (size_t i = 1; i < row.n; i++) ck_assert_int_gt(row.idx[i], row.idx[i - 1]);
            double want[MZ_MAX_CLASSES * MZ_MAX_CLASSES], got[MZ_MAX_CLASSES * MZ_MAX_CLASSES];
            double libdec[MZ_MAX_CLASSES * MZ_MAX_CLASSES];
            mz_linmodel_decision(&st, &row, want);
            mz_linmodel_decision(&comb[d], &x, got);
            struct svm_node *nodes = calloc(row.n + 1, sizeof *nodes);
            for (size_t i = 0; i < row.n; i++) nodes[i] = (struct svm_node){row.idx[i], row.val[i]};
            nodes[row.n].index = -1;
            svm_predict_values(lib, nodes, libdec);
            free(nodes);
            for (int p = 0; p < st.npair; p++) {
                ck_assert_double_eq_tol(got[p], want[p], 1e-9);
                /* the file holds 8 significant digits of each weight */
                ck_assert_double_eq_tol(libdec[p], want[p], 1e-5);
            }
            double pg[MZ_MAX_CLASSES], pw[MZ_MAX_CLASSES];
            mz_linmodel_probability(&comb[d], got, pg);
            mz_linmodel_probability(&st, want, pw);
            for (int c = 0; c < k; c++) ck_assert_double_eq_tol(pg[c], pw[c], 1e-9);
            check_evidence(&comb[d], &x, F);
        }
    }
    svm_free_and_destroy_model(&lib);
    mz_sparse_free(&x);
    mz_sparse_free(&row);
    for (int d = nsrc - 1; d >= 0; d--) mz_linmodel_free(&comb[d]);
    free(dval);
    free(slot);
    mz_linmodel_free(&plain);
    mz_linmodel_free(&st);
}

START_TEST(test_combined_equals_two_stages)
{
    check_forms(4, 1, 1);
    check_forms(4, 0, 1);
    check_forms(4, 1, 0);
    check_forms(2, 0, 0);
}
END_TEST

START_TEST(test_centred_scores)
{
    /* three classes with scores 3, 1, -1 (up to a constant): pairs
     * (0,1) = 2, (0,2) = 4, (1,2) = 2; centred: 2, 0, -2 */
    double dec[3] = {2, 4, 2}, s[3];
    mz_centred_scores(3, dec, s);
    ck_assert_double_eq_tol(s[0], 2, 1e-15);
    ck_assert_double_eq_tol(s[1], 0, 1e-15);
    ck_assert_double_eq_tol(s[2], -2, 1e-15);
    double d2[1] = {-1.5}, s2[2];
    mz_centred_scores(2, d2, s2);
    ck_assert_double_eq_tol(s2[0], -0.75, 1e-15);
    ck_assert_double_eq_tol(s2[1], 0.75, 1e-15);
}
END_TEST

START_TEST(test_row_layout)
{
    mz_sparse x = {0}, row = {0};
    mz_sparse_reserve(&x, 4);
    int32_t idx[] = {1, 3, 4, 7};
    double val[] = {0.5, 0.25, -1, 2};
    memcpy(x.idx, idx, sizeof idx);
    memcpy(x.val, val, sizeof val);
    x.n = 4;
    int32_t kept[] = {1, 2, 4, 5, 6, 7}; /* 3 is not kept */
    int32_t *slot = mz_source_slots(kept, 6, 7);
    ck_assert_int_eq(slot[0], -1);
    ck_assert_int_eq(slot[3], -1);
    ck_assert_int_eq(slot[4], 2);
    double s[2] = {1, -1};
    /* source 1, 2 classes, 6 kept features: its block starts after the 2
     * scores and source 0's 6 features; feature f sits at its slot */
    ck_assert_int_eq(mz_source_row(&x, s, 2, 0.5, 1, slot, 7, 6, &row), 0);
    int32_t want_idx[] = {1, 2, 2 + 6 + 0 + 1, 2 + 6 + 2 + 1, 2 + 6 + 5 + 1};
    double want_val[] = {0.5, -0.5, 0.5, -1, 2};
    ck_assert_uint_eq(row.n, 5);
    for (size_t i = 0; i < row.n; i++) {
        ck_assert_int_eq(row.idx[i], want_idx[i]);
        ck_assert_double_eq(row.val[i], want_val[i]);
    }
    /* no source: the scores alone */
    ck_assert_int_eq(mz_source_row(&x, s, 2, 0.5, -1, slot, 7, 6, &row), 0);
    ck_assert_uint_eq(row.n, 2);
    free(slot);
    mz_sparse_free(&x);
    mz_sparse_free(&row);
}
END_TEST

START_TEST(test_combine_refuses_mismatch)
{
    mz_linmodel plain, st, comb[2];
    int32_t kept[] = {1, 2, 3, 4, 5};
    int32_t *slot = mz_source_slots(kept, 5, 5);
    random_head(&plain, 3, 5, 1, 0);
    random_head(&st, 4, 3 + 2 * 5, 1, 0);
    mz_err e = {{0}};
    double *dval;
    ck_assert_int_eq(mz_source_combine(&plain, &st, 2, slot, 5, 5, 1, comb, &dval, &e), -1);
    ck_assert_msg(strstr(e.msg, "4 classes, the plain head 3"), "%s", e.msg);
    ck_assert_ptr_null(dval);
    free(st.probA);
    st.probA = NULL;
    ck_assert_int_eq(mz_source_combine(&plain, &st, 2, slot, 5, 5, 1, comb, &dval, &e), -1);
    free(slot);
    ck_assert_msg(strstr(e.msg, "probabilities"), "%s", e.msg);
    mz_linmodel_free(&plain);
    mz_linmodel_free(&st);
}
END_TEST

Suite *suite_sourcehead(void)
{
    Suite *s = suite_create("sourcehead");
    TCase *tc = tcase_create("sourcehead");
    tcase_set_timeout(tc, 60); /* the sanitizer build, on a loaded machine, is far slower */
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_combined_equals_two_stages);
    tcase_add_test(tc, test_centred_scores);
    tcase_add_test(tc, test_row_layout);
    tcase_add_test(tc, test_combine_refuses_mismatch);
    suite_add_tcase(s, tc);
    return s;
}
