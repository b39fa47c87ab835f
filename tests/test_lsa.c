/* test_lsa.c — latent semantic features: the fit finds the directions a
 * corpus of known structure has (also when the corpus spans fewer
 * directions than the subspace searched), the same bytes for any thread
 * count, an article's block, and the file: round trip and every refusal. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsa.h"
#include "vocabfile.h"
#include "testutil.h"

enum { NW = 30, NDOC = 40, NR = 20 /* words 0..19 occur */ };

/* A vocabulary of NW unigrams w0..w29, then one bigram (w0 w1). */
static void make_vocab(mz_vocab *v)
{
    char *s = malloc(64 + NW * 32 + 64);
    ck_assert_ptr_nonnull(s);
    size_t n = (size_t)sprintf(s, "# mizan vocabulary 1\n# features %d documents 9\n", NW + 1);
    for (int w = 0; w < NW; w++) n += (size_t)sprintf(s + n, "u\t1\tw%d\tw%d\n", w, w);
    n += (size_t)sprintf(s + n, "b\t1\tw0 w1\tw0 w1\n");
    memset(v, 0, sizeof *v);
    mz_featopts_default(&v->opt);
    v->opt.stopwords = 0;
    mz_err e = {{0}};
    ck_assert_msg(mz_vocab_parse(v, s, n, "t.tsv", &e) == 0, "%s", e.msg);
    free(s);
}

static void set_row(mz_sparse *r, const int *col, const double *val, size_t n)
{
    r->idx = malloc((n + 1) * sizeof *r->idx);
    r->val = malloc((n + 1) * sizeof *r->val);
    ck_assert(r->idx && r->val);
    for (size_t k = 0; k < n; k++) r->idx[k] = col[k] + 1, r->val[k] = val[k];
    r->n = r->cap = n;
}

/* Rows 0..19 are a_i times pattern A on words 0..9 (plus the bigram,
 * which must be ignored), rows 20..39 b_i times pattern B on words
 * 10..19; words 20..29 never occur.  XᵀX has rank 2: its eigenvectors are
 * A/|A| (the larger: A and the a_i are bigger) and B/|B|. */
static mz_sparse *make_rows(double *A, double *B)
{
    mz_sparse *rows = calloc(NDOC, sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    for (int j = 0; j < 10; j++) A[j] = j + 1, B[j] = 1;
    for (int i = 0; i < NDOC; i++) {
        int col[11];
        double val[11];
        size_t n = 0;
        if (i < 20) {
            double a = 1 + i % 5;
            for (int j = 0; j < 10; j++) col[n] = j, val[n++] = a * A[j];
            col[n] = NW, val[n++] = 5.0; /* the bigram */
        } else {
            double b = 1 + i % 3;
            for (int j = 0; j < 10; j++) col[n] = 10 + j, val[n++] = b * B[j];
        }
        set_row(&rows[i], col, val, n);
    }
    return rows;
}

static void free_rows(mz_sparse *rows)
{
    for (int i = 0; i < NDOC; i++) mz_sparse_free(&rows[i]);
    free(rows);
}

START_TEST(test_fit_finds_the_directions)
{
    mz_vocab v;
    make_vocab(&v);
    double A[10], B[10];
    mz_sparse *rows = make_rows(A, B);
    double na = 0, nb = 0;
    for (int j = 0; j < 10; j++) na += A[j] * A[j], nb += B[j] * B[j];
    na = sqrt(na), nb = sqrt(nb);
    mz_lsa l;
    mz_err e = {{0}};
    /* 2 directions asked, 12 searched: 10 of them must be made up */
    ck_assert_msg(mz_lsa_fit(&l, &v, rows, NDOC, 2, 0.5, 7, 2, 1, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(l.dims, 2);
    ck_assert_uint_eq(l.nrow, NR);
    for (uint32_t r = 0; r < l.nrow; r++) {
        ck_assert_uint_eq(l.feat[r], r); /* the unigrams that occur, in order */
        double want0 = r < 10 ? A[r] / na : 0, want1 = r >= 10 && r < 20 ? B[r - 10] / nb : 0;
        ck_assert_msg(fabs(l.V[r * 2] - want0) < 1e-5, "row %u dim 0: %g, want %g", r, l.V[r * 2], want0);
        ck_assert_msg(fabs(l.V[r * 2 + 1] - want1) < 1e-5, "row %u dim 1: %g, want %g", r, l.V[r * 2 + 1], want1);
    }
    for (int f = NR; f <= NW; f++) ck_assert_int_eq(l.row_of[f], -1); /* unseen words, the bigram */
    mz_lsa_free(&l);
    free_rows(rows);
    mz_vocab_free(&v);
}
END_TEST

START_TEST(test_fit_same_bytes_any_threads)
{
    mz_vocab v;
    make_vocab(&v);
    double A[10], B[10];
    mz_sparse *rows = make_rows(A, B);
    /* a fuller matrix: every row gets some of every word */
    for (int i = 0; i < NDOC; i++) {
        int col[NW];
        double val[NW];
        for (int w = 0; w < NW; w++) col[w] = w, val[w] = sin(1.0 + i * 0.37 + w * w * 0.11);
        mz_sparse_free(&rows[i]);
        set_row(&rows[i], col, val, NW);
    }
    mz_lsa a, b, c;
    mz_err e = {{0}};
    ck_assert_msg(mz_lsa_fit(&a, &v, rows, NDOC, 5, 0.5, 3, 1, 1, &e) == 0, "%s", e.msg);
    ck_assert_msg(mz_lsa_fit(&b, &v, rows, NDOC, 5, 0.5, 3, 2, 1, &e) == 0, "%s", e.msg);
    ck_assert_msg(mz_lsa_fit(&c, &v, rows, NDOC, 5, 0.5, 4, 2, 1, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(memcmp(a.V, b.V, (size_t)a.nrow * a.dims * sizeof *a.V), 0);
    /* columns orthonormal */
    for (uint32_t j = 0; j < a.dims; j++)
        for (uint32_t k = j; k < a.dims; k++) {
            double d = 0;
            for (uint32_t r = 0; r < a.nrow; r++) d += (double)a.V[r * a.dims + j] * a.V[r * a.dims + k];
            ck_assert_msg(fabs(d - (j == k)) < 1e-5, "columns %u, %u: %g", j, k, d);
        }
    /* another seed finds the same leading direction (up to rounding) */
    for (uint32_t r = 0; r < a.nrow; r++) ck_assert(fabs(a.V[r * a.dims] - c.V[r * c.dims]) < 1e-4);
    mz_lsa_free(&a);
    mz_lsa_free(&b);
    mz_lsa_free(&c);
    /* too few texts or words for the dimensions asked */
    ck_assert_int_eq(mz_lsa_fit(&a, &v, rows, NDOC, 29, 0.5, 3, 1, 1, &e), -1);
    ck_assert_msg(strstr(e.msg, "at least 39") != NULL, "%s", e.msg);
    free_rows(rows);
    mz_vocab_free(&v);
}
END_TEST

START_TEST(test_block_of_a_text)
{
    mz_vocab v;
    make_vocab(&v);
    double A[10], B[10];
    mz_sparse *rows = make_rows(A, B);
    mz_lsa l;
    mz_err e = {{0}};
    ck_assert_msg(mz_lsa_fit(&l, &v, rows, NDOC, 2, 0.5, 7, 1, 1, &e) == 0, "%s", e.msg);
    ck_assert_msg(mz_lsa_name_features(&l, &v, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(l.base, NW + 1);
    ck_assert_uint_eq(v.nfeat, NW + 3);
    /* a text of words 0 and 12 (and the bigram): z = x0 V[0] + x12 V[12] */
    mz_sparse x = {0};
    int col[] = {0, 12, NW};
    double val[] = {0.6, 0.3, 0.7};
    set_row(&x, col, val, 3);
    ck_assert_int_eq(mz_lsa_append(&l, &x), 0);
    ck_assert_uint_eq(x.n, 5);
    double z0 = 0.6 * l.V[0] + 0.3 * l.V[24], z1 = 0.6 * l.V[1] + 0.3 * l.V[25], nz = sqrt(z0 * z0 + z1 * z1);
    ck_assert_int_eq(x.idx[3], NW + 2);
    ck_assert_int_eq(x.idx[4], NW + 3);
    ck_assert_double_eq_tol(x.val[3], 0.5 * z0 / nz, 1e-6); /* summed in floats */
    ck_assert_double_eq_tol(x.val[4], 0.5 * z1 / nz, 1e-6);
    /* a text of words the unlabelled texts never used gets no block */
    mz_sparse y = {0};
    int col2[] = {25, NW};
    double val2[] = {1, 1};
    set_row(&y, col2, val2, 2);
    ck_assert_int_eq(mz_lsa_append(&l, &y), 0);
    ck_assert_uint_eq(y.n, 2);
    mz_sparse_free(&x);
    mz_sparse_free(&y);
    mz_lsa_free(&l);
    free_rows(rows);
    mz_vocab_free(&v);
}
END_TEST

/* Copies, and texts with none of the vocabulary's words, add no direction:
 * a fit that would fill its dimensions at random is refused, whatever the
 * number of texts. */
START_TEST(test_fit_needs_distinct_texts)
{
    mz_vocab v;
    make_vocab(&v);
    mz_sparse *rows = calloc(NDOC, sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    for (int i = 0; i < NDOC; i++) {
        int col[20];
        double val[20];
        for (int j = 0; j < 20; j++) col[j] = j, val[j] = 1 + j % 3;
        /* one text, over and over; a third of them with no word at all */
        set_row(&rows[i], col, val, i % 3 ? 20 : 0);
    }
    mz_lsa l;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_lsa_fit(&l, &v, rows, NDOC, 2, 0.5, 7, 1, 1, &e), -1);
    ck_assert_msg(strstr(e.msg, "needs at least 2 distinct texts holding a word of the vocabulary, and has 1 among its 40"),
                  "%s", e.msg);
    /* a second text makes two directions */
    rows[1].val[0] = 9;
    ck_assert_msg(mz_lsa_fit(&l, &v, rows, NDOC, 2, 0.5, 7, 1, 1, &e) == 0, "%s", e.msg);
    mz_lsa_free(&l);
    free_rows(rows);
    mz_vocab_free(&v);
}
END_TEST

/* A fitted block with its features named, written out. */
static void fitted(mz_vocab *v, mz_lsa *l, char **data, size_t *len)
{
    make_vocab(v);
    double A[10], B[10];
    mz_sparse *rows = make_rows(A, B);
    mz_err e = {{0}};
    ck_assert_msg(mz_lsa_fit(l, v, rows, NDOC, 2, 0.5, 7, 1, 1, &e) == 0, "%s", e.msg);
    ck_assert_msg(mz_lsa_name_features(l, v, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(mz_lsa_write(l, data, len, &e), 0);
    free_rows(rows);
}

START_TEST(test_file_round_trip)
{
    mz_vocab v;
    mz_lsa l, p;
    char *data;
    size_t len;
    fitted(&v, &l, &data, &len);
    ck_assert_uint_eq(len, 16 + 4 * NR + 4 * NR * 2);
    mz_err e = {{0}};
    ck_assert_msg(mz_lsa_parse(&p, &v, data, len, 0.5, "lsa.bin", &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(p.dims, 2);
    ck_assert_uint_eq(p.nrow, NR);
    ck_assert_uint_eq(p.base, l.base);
    ck_assert_int_eq(memcmp(p.V, l.V, (size_t)NR * 2 * sizeof *p.V), 0);
    ck_assert_int_eq(memcmp(p.feat, l.feat, NR * sizeof *p.feat), 0);
    for (size_t f = 0; f < NW; f++) ck_assert_int_eq(p.row_of[f], l.row_of[f]);
    mz_lsa_free(&p);
    mz_lsa_free(&l);
    free(data);
    mz_vocab_free(&v);
}
END_TEST

static void refused(const mz_vocab *v, const char *data, size_t len, double weight, const char *needle)
{
    mz_lsa p;
    mz_err e = {{0}};
    ck_assert_msg(mz_lsa_parse(&p, v, data, len, weight, "lsa.bin", &e) == -1, "accepted (%s)", needle);
    ck_assert_msg(strstr(e.msg, "lsa.bin") && strstr(e.msg, needle), "message '%s' lacks '%s'", e.msg, needle);
}

START_TEST(test_file_refusals)
{
    mz_vocab v;
    mz_lsa l;
    char *data;
    size_t len;
    fitted(&v, &l, &data, &len);
    char *bad = malloc(len + 4);
    ck_assert_ptr_nonnull(bad);
#define FRESH() memcpy(bad, data, len)
    FRESH();
    bad[0] = 'X';
    refused(&v, bad, len, 0.5, "not a mizan semantic-feature file");
    refused(&v, data, 10, 0.5, "not a mizan semantic-feature file");
    refused(&v, data, len - 1, 0.5, "truncated");
    FRESH();
    memset(bad + len, 0, 4);
    refused(&v, bad, len + 4, 0.5, "truncated");
    FRESH();
    bad[8] = 0, bad[9] = 0; /* 0 dimensions */
    refused(&v, bad, len, 0.5, "bad size");
    FRESH();
    bad[12] = (char)0xFF, bad[13] = (char)0xFF; /* more rows than features */
    refused(&v, bad, len, 0.5, "bad size");
    FRESH();
    bad[16 + 4] = 0; /* row 1 names feature 0 again: not increasing */
    refused(&v, bad, len, 0.5, "not a next word");
    FRESH();
    bad[16 + 4 * (NR - 1)] = (char)NW; /* the bigram cannot have a row */
    refused(&v, bad, len, 0.5, "not a next word");
    float big = 2.0f, nan_ = NAN;
    FRESH();
    memcpy(bad + 16 + 4 * NR + 8, &big, 4);
    refused(&v, bad, len, 0.5, "out of [-1, 1]");
    FRESH();
    memcpy(bad + 16 + 4 * NR, &nan_, 4);
    refused(&v, bad, len, 0.5, "out of [-1, 1]");
    refused(&v, data, len, 0, "weight");
    refused(&v, data, len, NAN, "weight");
    /* the vocabulary lacks the block's features */
    mz_vocab plain;
    make_vocab(&plain);
    refused(&plain, data, len, 0.5, "lacks the feature @lsa:0");
    mz_vocab_free(&plain);
#undef FRESH
    free(bad);
    free(data);
    mz_lsa_free(&l);
    mz_vocab_free(&v);
}
END_TEST

Suite *suite_lsa(void)
{
    Suite *s = suite_create("lsa");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* the sanitizer build, on a loaded machine, is far slower */
    tcase_add_test(tc, test_fit_finds_the_directions);
    tcase_add_test(tc, test_fit_same_bytes_any_threads);
    tcase_add_test(tc, test_fit_needs_distinct_texts);
    tcase_add_test(tc, test_block_of_a_text);
    tcase_add_test(tc, test_file_round_trip);
    tcase_add_test(tc, test_file_refusals);
    suite_add_tcase(s, tc);
    return s;
}
