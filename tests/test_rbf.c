/* test_rbf.c — RBF heads end to end: bin/mizan-train --kernel rbf on the
 * mini corpora for every task, byte-identical retraining whatever
 * --threads, bin/mizan-classify on the result, and, in process, the loaded
 * bundle's numbers against libsvm's own svm_load_model() of the same file:
 * decision values to 1e-9 and probabilities to 1e-6.  Evidence of an RBF
 * head is value times slope of the class score: checked against central
 * differences of the decision values.  A cut model file whose digest was
 * updated to match is refused with a message naming it. */
#include <check.h>
#include <cJSON.h>
#include <libsvm/svm.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bundle.h"
#include "fsutil.h"
#include "normalize.h"
#include "predict.h"
#include "sha256.h"
#include "tokenize.h"
#include "testutil.h"

MZ_TEST_SCRATCH("mz_rbf", tmpdir)

MZ_TEST_SHELL(tmpdir)


/* mizan-train --kernel rbf with extra options into T(dir); aborts on error. */
static void train_rbf(const char *dir, const char *opts)
{
    int rc = run("train.out", "train.err", "'%s' --kernel rbf --C 4 --cv 3 --quiet %s --out '%s'", TRAIN, opts, T(dir));
    if (rc != 0) {
        char *err = slurp(T("train.err"), NULL);
        ck_abort_msg("mizan-train %s exited %d: %s", opts, rc, err);
    }
}

static void same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(T(a), &la), *y = slurp(T(b), &lb);
    ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s and %s differ", a, b);
    free(x);
    free(y);
}

START_TEST(test_rbf_topic_bundle)
{
    char opts[4096];
    snprintf(opts, sizeof opts, "--corpus '%s' --threads 1", mz_test_path("corpora/mini/topic.jsonl"));
    train_rbf("m", opts);
    char *first[4];
    size_t flen[4];
    const char *files[] = {"m/manifest.json", "m/vocab.tsv", "m/model.svm", "m/stopwords.txt"};
    for (int i = 0; i < 4; i++) first[i] = slurp(T(files[i]), &flen[i]);
    /* the same command again over it: every file the same bytes */
    train_rbf("m", opts);
    for (int i = 0; i < 4; i++) {
        size_t l;
        char *again = slurp(T(files[i]), &l);
        ck_assert_msg(l == flen[i] && memcmp(again, first[i], l) == 0, "%s differs between two trainings", files[i]);
        free(again);
        free(first[i]);
    }
    /* folds solved in two processes: the same model */
    snprintf(opts, sizeof opts, "--corpus '%s' --threads 2", mz_test_path("corpora/mini/topic.jsonl"));
    train_rbf("two", opts);
    same_file("m/model.svm", "two/model.svm");
    same_file("m/vocab.tsv", "two/vocab.tsv");
    /* another seed: other folds, other probabilities */
    snprintf(opts, sizeof opts, "--corpus '%s' --seed 7", mz_test_path("corpora/mini/topic.jsonl"));
    train_rbf("seed7", opts);
    size_t la, lb;
    char *a = slurp(T("m/model.svm"), &la), *b = slurp(T("seed7/model.svm"), &lb);
    ck_assert_msg(la != lb || memcmp(a, b, la) != 0, "--seed changed nothing");
    ck_assert_ptr_nonnull(strstr(a, "svm_type c_svc\nkernel_type rbf\ngamma 1\nnr_class 6\n"));
    free(a);
    free(b);
    /* the manifest says what was trained */
    char *m = slurp(T("m/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    ck_assert_ptr_nonnull(j);
    const cJSON *solver = cJSON_GetObjectItemCaseSensitive(j, "solver");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(solver, "kernel")->valuestring, "rbf");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(solver, "library")->valuestring, "libsvm");
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(solver, "gamma")->valuedouble, 1.0);
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(solver, "C")->valuedouble, 4.0);
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "cv"), "topic");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(cv, "n")->valueint, 36);
    cJSON_Delete(j);
    free(m);
    /* the classifier uses it: every sample, with evidence */
    int rc = run("out.json", "err.txt", "'%s' --models '%s' --explain 3 '%s'", CLASSIFY, T("m"),
                 mz_test_path("corpora/samples"));
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("out.json"), NULL);
    char *save = NULL;
    int lines = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), lines++) {
        cJSON *r = cJSON_Parse(line);
        ck_assert_msg(r != NULL, "not JSON: %s", line);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "topic");
        ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "label")));
        double sum = 0;
        const cJSON *s;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(t, "scores")) sum += s->valuedouble;
        ck_assert_double_eq_tol(sum, 1.0, 0.002);
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(t, "evidence");
        ck_assert_int_le(cJSON_GetArraySize(ev), 3);
        cJSON_ArrayForEach(s, ev) ck_assert(cJSON_GetObjectItemCaseSensitive(s, "weight")->valuedouble > 0);
        cJSON_Delete(r);
    }
    ck_assert_int_eq(lines, 6);
    free(out);
}
END_TEST

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

/* c's score: the mean of its pairs' decision values oriented towards c. */
static double class_score(const mz_linmodel *m, const mz_sparse *x, int c)
{
    double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2], s = 0;
    mz_linmodel_decision(m, x, dec);
    for (int o = 0; o < m->nclass; o++)
        if (o != c) s += c < o ? dec[mz_pair_index(m->nclass, c, o)] : -dec[mz_pair_index(m->nclass, o, c)];
    return s / (m->nclass - 1);
}

START_TEST(test_rbf_bundle_matches_libsvm_and_evidence_is_a_slope)
{
    char opts[4096];
    snprintf(opts, sizeof opts, "--corpus '%s'", mz_test_path("corpora/mini/topic.jsonl"));
    train_rbf("m", opts);
    mz_bundle b;
    mz_err e = {{0}};
    ck_assert_msg(mz_bundle_load(&b, T("m"), &e) == 0, "%s", e.msg);
    const mz_head *h = &b.heads[0];
    ck_assert_int_eq(h->lm.kernel_rbf, 1);
    struct svm_model *sm = svm_load_model(T("m/model.svm"));
    ck_assert_ptr_nonnull(sm);
    ck_assert_int_eq(svm_check_probability_model(sm), 1);
    mz_normalizer *nz = mz_normalizer_new(&e);
    ck_assert_ptr_nonnull(nz);
    mz_predictor *p = mz_predictor_new(&b, &e);
    ck_assert_msg(p != NULL, "%s", e.msg);
    static const char *const samples[] = {"csto-kazakhstan-oped.txt", "culture-festival.txt", "nato-summit-2018.txt",
                                          "wire-2018-economy.txt",    "wire-2018-sport.txt",  "wire-2018-tech.txt"};
    mz_doc d;
    mz_doc_init(&d);
    int checked = 0;
    for (size_t s = 0; s < 6; s++) {
        char rel[128];
        snprintf(rel, sizeof rel, "corpora/samples/%s", samples[s]);
        size_t len;
        char *text = slurp(mz_test_path(rel), &len);
        ck_assert_int_eq(mz_doc_build(&d, nz, NULL, 0, text, len, &e), 0);
        free(text);
        ck_assert_int_eq(mz_predictor_vectorize(p, &d, NULL, NULL, 0, &e), 0);
        mz_head_result r;
        mz_predict_head(p, h, &r);
        struct svm_node *n = to_nodes(&p->x);
        double sdec[15], sprob[6];
        double slabel = svm_predict_values(sm, n, sdec);
        for (int q = 0; q < 15; q++)
            ck_assert_msg(fabs(r.dec[q] - sdec[q]) <= 1e-9, "%s: pair %d %.17g, libsvm %.17g", samples[s], q,
                          r.dec[q], sdec[q]);
        ck_assert_double_eq(slabel, (double)mz_linmodel_vote(&h->lm, r.dec));
        double plabel = svm_predict_probability(sm, n, sprob);
        for (int c = 0; c < 6; c++)
            ck_assert_msg(fabs(r.prob[c] - sprob[c]) <= 1e-6, "%s: class %d %.17g, libsvm %.17g", samples[s], c,
                          r.prob[c], sprob[c]);
        ck_assert_double_eq(plabel, (double)r.label);
        free(n);
        /* evidence: each term's weight is value × d(score)/d(value) */
        mz_evidence ev[64];
        size_t nev = mz_head_evidence(p, h, r.label, 64, 1, ev);
        ck_assert_uint_gt(nev, 0);
        for (size_t i = 0; i < nev; i++) {
            size_t at = p->x.n;
            for (size_t j = 0; j < p->x.n; j++)
                if (b.vocab.surface[p->x.idx[j] - 1] == ev[i].term) at = j;
            ck_assert_uint_lt(at, p->x.n);
            double v = p->x.val[at], step = 1e-5;
            p->x.val[at] = v + step;
            double up = class_score(&h->lm, &p->x, r.label);
            p->x.val[at] = v - step;
            double down = class_score(&h->lm, &p->x, r.label);
            p->x.val[at] = v;
            double want = v * (up - down) / (2 * step);
            ck_assert_msg(fabs(ev[i].weight - want) <= 1e-6 + 1e-4 * fabs(want), "%s: %s weight %.10g, slope says %.10g",
                          samples[s], ev[i].term, ev[i].weight, want);
            checked++;
        }
    }
    ck_assert_int_gt(checked, 50);
    mz_doc_free(&d);
    mz_predictor_free(p);
    mz_normalizer_free(nz);
    svm_free_and_destroy_model(&sm);
    mz_bundle_free(&b);
}
END_TEST

/* A stance head sees a word of the target's sentences twice (article and
 * context features, printed alike): its evidence weight is the sum of the
 * two slopes times values, each slope taken with the features in order. */
START_TEST(test_rbf_stance_evidence_adds_both_slopes)
{
    char opts[4096];
    snprintf(opts, sizeof opts, "--task stance --target russia --label-field russia --corpus '%s'",
             mz_test_path("corpora/mini/stance.jsonl"));
    train_rbf("st", opts);
    mz_bundle b;
    mz_err e = {{0}};
    ck_assert_msg(mz_bundle_load(&b, T("st"), &e) == 0, "%s", e.msg);
    const mz_head *h = mz_bundle_head(&b, "stance");
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(h->lm.kernel_rbf, 1);
    mz_normalizer *nz = mz_normalizer_new(&e);
    mz_predictor *p = mz_predictor_new(&b, &e);
    ck_assert_msg(nz && p, "%s", e.msg);
    size_t len;
    char *text = slurp(mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"), &len);
    mz_doc d;
    mz_doc_init(&d);
    ck_assert_int_eq(mz_doc_build(&d, nz, NULL, 0, text, len, &e), 0);
    free(text);
    /* every sentence in the context: every word has both features */
    uint8_t *ctx = malloc(d.nsent);
    ck_assert_ptr_nonnull(ctx);
    memset(ctx, 1, d.nsent);
    ck_assert_int_eq(mz_predictor_vectorize(p, &d, ctx, NULL, 0, &e), 0);
    int doubled = 0, checked = 0;
    for (int c = 0; c < 3; c++) {
        mz_evidence ev[64];
        size_t nev = mz_head_evidence(p, h, c, 64, 1, ev);
        ck_assert_uint_gt(nev, 0);
        for (size_t i = 0; i < nev; i++) {
            double want = 0;
            int parts = 0;
            for (size_t j = 0; j < p->x.n; j++) {
                size_t f = (size_t)p->x.idx[j];
                char kind = b.vocab.kind[f - 1];
                if (kind == 'g' || kind == 'x' || strcmp(b.vocab.surface[f - 1], ev[i].term) != 0) continue;
                double v = p->x.val[j], step = 1e-5;
                p->x.val[j] = v + step;
                double up = class_score(&h->lm, &p->x, c);
                p->x.val[j] = v - step;
                double down = class_score(&h->lm, &p->x, c);
                p->x.val[j] = v;
                want += v * (up - down) / (2 * step);
                parts++;
            }
            ck_assert_int_ge(parts, 1);
            doubled += parts == 2;
            ck_assert_msg(fabs(ev[i].weight - want) <= 1e-6 + 1e-4 * fabs(want), "class %d, %s: weight %.10g, slopes say %.10g",
                          c, ev[i].term, ev[i].weight, want);
            checked++;
        }
    }
    ck_assert_int_gt(doubled, 10);
    ck_assert_int_gt(checked, 50);
    free(ctx);
    mz_doc_free(&d);
    mz_predictor_free(p);
    mz_normalizer_free(nz);
    mz_bundle_free(&b);
}
END_TEST

START_TEST(test_rbf_every_task)
{
    char opts[4096];
    ck_assert_int_eq(mkdir(T("models"), 0700), 0);
    const char *stance = mz_test_path("corpora/mini/stance.jsonl");
    /* blend: the score needs the SVR head, which stays linear */
    snprintf(opts, sizeof opts, "--task stance --target russia --label-field russia --stance-score blend --corpus '%s'",
             stance);
    train_rbf("models/russia", opts);
    char *svm = slurp(T("models/russia/stance.svm"), NULL);
    ck_assert_ptr_nonnull(strstr(svm, "kernel_type rbf\n"));
    free(svm);
    svm = slurp(T("models/russia/svr.svm"), NULL);
    ck_assert_ptr_nonnull(strstr(svm, "svm_type epsilon_svr\nkernel_type linear\n"));
    free(svm);
    /* the op-eds list every frame first somewhere: a primary head, rbf too */
    snprintf(opts, sizeof opts, "--label-field frames --name frames --corpus '%s'",
             mz_test_path("corpora/opinion/train.jsonl"));
    train_rbf("models/frames", opts);
    svm = slurp(T("models/frames/primary.svm"), NULL);
    ck_assert_ptr_nonnull(strstr(svm, "kernel_type rbf\n"));
    free(svm);
    snprintf(opts, sizeof opts, "--corpus '%s' --aux-field label", mz_test_path("corpora/mini/topic.jsonl"));
    train_rbf("models/topic", opts);
    snprintf(opts, sizeof opts, "--task target --target-field target --corpus '%s'",
             mz_test_path("corpora/mini/mawqif_like.jsonl"));
    train_rbf("mawqif", opts);
    int rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("models"),
                 mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
    if (rc != 0) ck_abort_msg("classify exited %d: %s", rc, slurp(T("err.txt"), NULL));
    char *out = slurp(T("out.json"), NULL);
    cJSON *j = cJSON_Parse(out);
    ck_assert_msg(j != NULL, "not JSON: %s", out);
    ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "topic"), "label")));
    const cJSON *fr = cJSON_GetObjectItemCaseSensitive(j, "frames");
    ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(fr, "primary")));
    const cJSON *ru = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "stance"), "russia");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ru, "present")));
    ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ru, "label")));
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ru, "svr")));
    cJSON_Delete(j);
    free(out);
    /* generic target stance: the record's target picks the head */
    rc = run("t.json", "t.err", "'%s' --models '%s' --jsonl '%s'", CLASSIFY, T("mawqif"),
             mz_test_path("corpora/mini/mawqif_like.jsonl"));
    if (rc != 0) ck_abort_msg("classify exited %d: %s", rc, slurp(T("t.err"), NULL));
    out = slurp(T("t.json"), NULL);
    ck_assert_ptr_nonnull(strstr(out, "\"target_stance\""));
    free(out);
    rc = run("evf.out", "evf.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("models/frames"),
             mz_test_path("corpora/opinion/test.jsonl"));
    if (rc != 0) ck_abort_msg("evaluate of the frames exited %d: %s", rc, slurp(T("evf.err"), NULL));
    /* held-out evaluation reads rbf heads too */
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("models/topic"),
             mz_test_path("corpora/mini/topic.tsv"));
    if (rc != 0) ck_abort_msg("evaluate exited %d: %s", rc, slurp(T("ev.err"), NULL));
    out = slurp(T("ev.out"), NULL);
    ck_assert_ptr_nonnull(strstr(out, "macro-F1"));
    free(out);
}
END_TEST

START_TEST(test_rbf_usage_errors)
{
    const char *corpus = mz_test_path("corpora/mini/topic.jsonl");
    int rc = run("o", "e", "'%s' --corpus '%s' --out '%s' --kernel poly", TRAIN, corpus, T("x"));
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("e"), NULL);
    ck_assert_ptr_nonnull(strstr(err, "--kernel: linear or rbf"));
    free(err);
    rc = run("o", "e", "'%s' --corpus '%s' --out '%s' --gamma 2", TRAIN, corpus, T("x"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("e"), NULL);
    ck_assert_ptr_nonnull(strstr(err, "--gamma needs --kernel rbf"));
    free(err);
    rc = run("o", "e", "'%s' --corpus '%s' --out '%s' --kernel rbf --gamma 0", TRAIN, corpus, T("x"));
    ck_assert_int_eq(rc, 2);
    rc = run("o", "e", "'%s' --help", TRAIN);
    ck_assert_int_eq(rc, 0);
    char *help = slurp(T("o"), NULL);
    ck_assert_ptr_nonnull(strstr(help, "--kernel linear|rbf"));
    free(help);
}
END_TEST

START_TEST(test_rbf_cut_model_refused)
{
    char opts[4096];
    snprintf(opts, sizeof opts, "--corpus '%s'", mz_test_path("corpora/mini/topic.jsonl"));
    train_rbf("m", opts);
    size_t len;
    char *model = slurp(T("m/model.svm"), &len);
    char *man = slurp(T("m/manifest.json"), NULL);
    char old[65], hex[65];
    mz_sha256_hex(model, len, old);
    /* cut in the header, at the SV line, and one SV short: with the
     * manifest's digest updated, the model's own parser must say no */
    size_t cuts[3] = {len / 50, (size_t)(strstr(model, "\nSV\n") - model) + 4, 0};
    const char *last = model + len - 1;
    while (last > model && last[-1] != '\n') last--;
    cuts[2] = (size_t)(last - model);
    for (int i = 0; i < 3; i++) {
        mz_err e = {{0}};
        ck_assert_int_eq(mz_write_file_atomic(T("m/model.svm"), model, cuts[i], &e), 0);
        mz_sha256_hex(model, cuts[i], hex);
        char *m2 = strdup(man);
        char *at = strstr(m2, old);
        ck_assert_ptr_nonnull(at);
        memcpy(at, hex, 64);
        ck_assert_int_eq(mz_write_file_atomic(T("m/manifest.json"), m2, strlen(m2), &e), 0);
        free(m2);
        int rc = run("o", "e", "'%s' --models '%s' '%s'", CLASSIFY, T("m"),
                     mz_test_path("corpora/samples/wire-2018-sport.txt"));
        ck_assert_int_eq(rc, 2);
        char *err = slurp(T("e"), NULL);
        ck_assert_msg(strstr(err, "model.svm") != NULL, "cut %zu: %s", cuts[i], err);
        ck_assert_msg(strstr(err, "SHA-256") == NULL, "cut %zu: refused for its digest: %s", cuts[i], err);
        free(err);
    }
    free(model);
    free(man);
}
END_TEST

Suite *suite_rbf(void)
{
    Suite *s = suite_create("rbf");
    TCase *tc = tcase_create("rbf");
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_rbf_topic_bundle);
    tcase_add_test(tc, test_rbf_bundle_matches_libsvm_and_evidence_is_a_slope);
    tcase_add_test(tc, test_rbf_stance_evidence_adds_both_slopes);
    tcase_add_test(tc, test_rbf_every_task);
    tcase_add_test(tc, test_rbf_usage_errors);
    tcase_add_test(tc, test_rbf_cut_model_refused);
    suite_add_tcase(s, tc);
    return s;
}
