/* test_frames.c — multilabel bundles with a primary head and a label cap:
 * the selection rule itself (mz_multilabel_select), then the real programs
 * on a small multilabel corpus written here: the manifest records the new
 * fields, classification and `evaluate` apply them, retraining is
 * byte-identical, a bundle without them (as made before) keeps the old
 * rule, and malformed fields are refused.  Scratch files live under
 * $TMPDIR (else /tmp) and are removed afterwards. */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle.h"
#include "fsutil.h"
#include "predict.h"
#include "testutil.h"

/* ------------------------------------------------------------ the rule */

START_TEST(test_select_without_primary_head)
{
    double p[4] = {0.2, 0.9, 0.5, 0.45}, thr[4] = {0.4, 0.4, 0.4, 0.4};
    unsigned char on[4];
    /* argmax of the binary heads, then every label over its threshold */
    ck_assert_int_eq(mz_multilabel_select(4, p, NULL, 0.5, thr, 0, on), 1);
    ck_assert(!on[0] && on[1] && on[2] && on[3]);
    /* a cap keeps the most probable */
    ck_assert_int_eq(mz_multilabel_select(4, p, NULL, 0.5, thr, 2, on), 1);
    ck_assert(!on[0] && on[1] && on[2] && !on[3]);
    ck_assert_int_eq(mz_multilabel_select(4, p, NULL, 0.5, thr, 1, on), 1);
    ck_assert(!on[0] && on[1] && !on[2] && !on[3]);
    /* the primary is chosen even below every threshold; thresholds are per label */
    double low[4] = {0.1, 0.3, 0.05, 0.2}, thr2[4] = {0.5, 0.5, 0.5, 0.15};
    ck_assert_int_eq(mz_multilabel_select(4, low, NULL, 0.5, thr2, 0, on), 1);
    ck_assert(!on[0] && on[1] && !on[2] && on[3]);
    /* ties go to the lower index */
    double tie[3] = {0.3, 0.7, 0.7}, t3[3] = {0.9, 0.9, 0.9};
    ck_assert_int_eq(mz_multilabel_select(3, tie, NULL, 0.5, t3, 0, on), 1);
}
END_TEST

START_TEST(test_select_with_primary_head)
{
    double p[3] = {0.8, 0.7, 0.1}, thr[3] = {0.5, 0.5, 0.5};
    double pm[3] = {0.1, 0.85, 0.05};
    unsigned char on[3];
    /* fused: 0.5·pm + 0.5·p/Σp gives label 1 (0.425 + 0.219 against 0.05 + 0.25) */
    ck_assert_int_eq(mz_multilabel_select(3, p, pm, 0.5, thr, 0, on), 1);
    ck_assert(on[0] && on[1] && !on[2]);
    /* weight 0: the binary heads alone; weight 1: the primary head alone */
    ck_assert_int_eq(mz_multilabel_select(3, p, pm, 0.0, thr, 0, on), 0);
    double pm2[3] = {0.1, 0.2, 0.7};
    ck_assert_int_eq(mz_multilabel_select(3, p, pm2, 1.0, thr, 0, on), 2);
    /* the primary counts towards the cap; the others by their own probability */
    ck_assert(on[2] && on[0] && on[1]);
    ck_assert_int_eq(mz_multilabel_select(3, p, pm2, 1.0, thr, 2, on), 2);
    ck_assert(on[2] && on[0] && !on[1]);
    /* a small primary weight only breaks near-ties of the binary heads */
    double q[2] = {0.60, 0.58}, pq[2] = {0.2, 0.8}, t2[2] = {0.9, 0.9};
    ck_assert_int_eq(mz_multilabel_select(2, q, pq, 0.1, t2, 0, on), 1);
    ck_assert_int_eq(mz_multilabel_select(2, q, pq, 0.01, t2, 0, on), 0);
}
END_TEST

/* Answers list the chosen labels as a reader ranks them: the primary
 * (which need not be the most probable by its binary head), then the
 * others most probable first, whatever their order in the bundle. */
START_TEST(test_rank_of_chosen_labels)
{
    double p[5] = {0.55, 0.2, 0.9, 0.7, 0.55}, thr[5] = {0.5, 0.5, 0.5, 0.5, 0.5};
    double pm[5] = {0.05, 0.9, 0.02, 0.02, 0.01};
    unsigned char on[5];
    size_t rank[5];
    int best = mz_multilabel_select(5, p, pm, 1.0, thr, 0, on);
    ck_assert_int_eq(best, 1);
    ck_assert_uint_eq(mz_multilabel_rank(5, (size_t)best, on, p, rank), 5);
    /* 1, then 0.9, 0.7, and the tie at 0.55 in label order */
    ck_assert_uint_eq(rank[0], 1);
    ck_assert_uint_eq(rank[1], 2);
    ck_assert_uint_eq(rank[2], 3);
    ck_assert_uint_eq(rank[3], 0);
    ck_assert_uint_eq(rank[4], 4);
    /* with a cap, only the chosen, in the same order */
    best = mz_multilabel_select(5, p, pm, 1.0, thr, 3, on);
    ck_assert_uint_eq(mz_multilabel_rank(5, (size_t)best, on, p, rank), 3);
    ck_assert(rank[0] == 1 && rank[1] == 2 && rank[2] == 3);
    /* the primary alone */
    unsigned char one[5] = {0, 0, 0, 1, 0};
    ck_assert_uint_eq(mz_multilabel_rank(5, 3, one, p, rank), 1);
    ck_assert_uint_eq(rank[0], 3);
}
END_TEST

/* ------------------------------------------------------- the programs */

MZ_TEST_SCRATCH("mz_frames", tmpdir)

MZ_TEST_SHELL(tmpdir)

static void put(const char *path, const char *data)
{
    mz_err e = {{0}};
    ck_assert_msg(mz_write_file_atomic(path, data, strlen(data), &e) == 0, "%s", e.msg);
}


/* Three made-up frames, each with its own words; a text leads with its
 * first frame (its words repeated) and mentions the second in passing. */
static const char *const words[3][6] = {
    {"مباراة", "الفريق", "الملعب", "اللاعب", "البطولة", "الهدف"},
    {"الأسعار", "السوق", "النفط", "التضخم", "الاستثمار", "الميزانية"},
    {"الجيش", "الصواريخ", "الهجوم", "القوات", "الدفاع", "الحدود"},
};
static const char *const fname[3] = {"Sport", "Money", "Army"};

static void write_corpus(const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 60; i++) {
        int a = i % 3, b = (i / 3) % 3, two = b != a && i % 2;
        fprintf(f, "{\"id\": \"d%d\", \"title\": \"%s %s\", \"text\": \"", i, words[a][i % 6], words[a][(i + 1) % 6]);
        for (int r = 0; r < 4; r++) fprintf(f, "%s %s %s. ", words[a][(i + r) % 6], words[a][(i + r + 2) % 6], "قال");
        if (two) fprintf(f, "%s %s.", words[b][i % 6], words[b][(i + 3) % 6]);
        /* each text its own: a copy would share its original's fold */
        fprintf(f, " %d", i);
        fprintf(f, "\", \"frames\": [\"%s\"", fname[a]);
        if (two) fprintf(f, ", \"%s\"", fname[b]);
        fprintf(f, "]}\n");
    }
    fclose(f);
}

static void train(const char *dir, const char *extra)
{
    int rc = run("train.out", "train.err",
                 "'%s' --corpus '%s' --label-field frames --name frames --cv 3 --min-df 1 --quiet --threads 1 --out '%s' %s",
                 TRAIN, T("frames.jsonl"), T(dir), extra);
    if (rc != 0) {
        char *err = slurp(T("train.err"), NULL);
        ck_abort_msg("mizan-train exited %d: %s", rc, err);
    }
}

/* Classify `text` with the bundle in T(models)/frames; the "frames" object. */
static cJSON *classify(const char *models, const char *text, cJSON **root)
{
    put(T("in.txt"), text);
    int rc = run("cls.out", "cls.err", "'%s' --models '%s' '%s'", CLASSIFY, T(models), T("in.txt"));
    if (rc != 0) {
        char *err = slurp(T("cls.err"), NULL);
        ck_abort_msg("mizan-classify exited %d: %s", rc, err);
    }
    char *out = slurp(T("cls.out"), NULL);
    *root = cJSON_Parse(out);
    free(out);
    ck_assert_ptr_nonnull(*root);
    cJSON *fr = cJSON_GetObjectItemCaseSensitive(*root, "frames");
    ck_assert(cJSON_IsObject(fr));
    return fr;
}

static const char *const mixed = "مباراة الفريق في الملعب. اللاعب سجل الهدف في البطولة. الأسعار في السوق. "
                                 "الجيش على الحدود.";

START_TEST(test_primary_head_bundle)
{
    write_corpus(T("frames.jsonl"));
    ck_assert_int_eq(mkdir(T("models"), 0700), 0);
    train("models/frames", "");
    char *m = slurp(T("models/frames/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    free(m);
    ck_assert_ptr_nonnull(j);
    const cJSON *pj = cJSON_GetObjectItemCaseSensitive(j, "primary");
    ck_assert(cJSON_IsObject(pj));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(pj, "file")->valuestring, "primary.svm");
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(pj, "weight")->valuedouble, 0.5);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "max_labels")->valueint, 3);
    ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "files"),
                                                             "primary.svm")));
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "cv"), "frames");
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(cv, "primary_accuracy_binary_heads")));
    /* and the figures with each fold labelled by the threshold chosen on
     * the other folds */
    const cJSON *nj = cJSON_GetObjectItemCaseSensitive(cv, "threshold_chosen_on_other_folds");
    const char *keys[] = {"micro_f1", "macro_f1", "primary_accuracy"};
    for (int k = 0; k < 3; k++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(nj, keys[k]);
        ck_assert_msg(cJSON_IsNumber(x) && x->valuedouble > 0 && x->valuedouble <= 1, "no figure %s", keys[k]);
    }
    cJSON_Delete(j);

    cJSON *root;
    cJSON *fr = classify("models", mixed, &root);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(fr, "primary")->valuestring, "Sport");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(fr, "labels");
    ck_assert_int_ge(cJSON_GetArraySize(labels), 1);
    ck_assert_int_le(cJSON_GetArraySize(labels), 3);
    ck_assert_str_eq(cJSON_GetArrayItem(labels, 0)->valuestring, "Sport");
    cJSON_Delete(root);

    /* a cap of one: the primary alone */
    train("models/frames", "--max-labels 1");
    fr = classify("models", mixed, &root);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fr, "labels")), 1);
    cJSON_Delete(root);

    /* evaluate applies the bundle's rule: on its own training texts it is
     * near perfect, and the line carries the three figures */
    train("models/frames", "");
    int rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --label-field frames --threads 1", TRAIN,
                 T("models/frames"), T("frames.jsonl"));
    char *ev = slurp(T("ev.out"), NULL);
    ck_assert_msg(rc == 0, "evaluate exited %d: %s", rc, ev);
    double mi, ma, pa;
    const char *line = strstr(ev, "micro-F1");
    ck_assert_ptr_nonnull(line);
    ck_assert_int_eq(sscanf(line, "micro-F1 %lf macro-F1 %lf primary accuracy %lf", &mi, &ma, &pa), 3);
    ck_assert_msg(mi > 0.9 && ma > 0.9 && pa > 0.95, "%s", ev);
    free(ev);
    /* an unknown label is one the model missed, said with its count */
    FILE *f = fopen(T("bad.jsonl"), "w");
    fprintf(f, "{\"id\": \"x1\", \"text\": \"الجيش\", \"frames\": [\"Army\", \"Weather\"]}\n");
    fclose(f);
    rc = run("ev2.out", "ev2.err", "'%s' evaluate --model '%s' --corpus '%s' --label-field frames --threads 1", TRAIN,
             T("models/frames"), T("bad.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *err = slurp(T("ev2.err"), NULL);
    ck_assert_msg(strstr(err, "1 of the 1 held-out records have a label the model does not know (\"Weather\" 1)"), "%s",
                  err);
    free(err);
}
END_TEST

START_TEST(test_frames_training_is_byte_identical)
{
    write_corpus(T("frames.jsonl"));
    train("a", "");
    int rc = run("b.out", "b.err",
                 "'%s' --corpus '%s' --label-field frames --name frames --cv 3 --min-df 1 --quiet --threads 2 --out '%s'",
                 TRAIN, T("frames.jsonl"), T("b"));
    ck_assert_int_eq(rc, 0);
    const char *files[] = {"manifest.json", "vocab.tsv", "primary.svm", "head-00.svm", "head-02.svm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char ra[64], rb[64];
        size_t la, lb;
        snprintf(ra, sizeof ra, "a/%s", files[i]);
        snprintf(rb, sizeof rb, "b/%s", files[i]);
        char *x = slurp(T(ra), &la), *y = slurp(T(rb), &lb);
        /* the manifest records the command, which differs in --threads and --out */
        if (i > 0) ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s differs between two trainings", files[i]);
        free(x);
        free(y);
    }
}
END_TEST

/* Rewrite the manifest of T(dir) through edit. */
static void edit_manifest(const char *dir, void (*edit)(cJSON *))
{
    char rel[256];
    snprintf(rel, sizeof rel, "%s/manifest.json", dir);
    char *m = slurp(T(rel), NULL);
    cJSON *j = cJSON_Parse(m);
    free(m);
    ck_assert_ptr_nonnull(j);
    edit(j);
    char *s = cJSON_Print(j);
    put(T(rel), s);
    free(s);
    cJSON_Delete(j);
}

static void drop_new_fields(cJSON *j)
{
    cJSON_DeleteItemFromObjectCaseSensitive(j, "primary");
    cJSON_DeleteItemFromObjectCaseSensitive(j, "max_labels");
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "files"), "primary.svm");
}

START_TEST(test_bundle_without_new_fields_keeps_old_rule)
{
    write_corpus(T("frames.jsonl"));
    ck_assert_int_eq(mkdir(T("old"), 0700), 0);
    train("old/frames", "");
    edit_manifest("old/frames", drop_new_fields);
    unlink(T("old/frames/primary.svm"));
    mz_bundle b;
    mz_err e = {{0}};
    ck_assert_msg(mz_bundle_load(&b, T("old/frames"), &e) == 0, "%s", e.msg);
    ck_assert_int_eq(b.primary.nclass, 0);
    ck_assert_int_eq(b.max_labels, 0);
    mz_bundle_free(&b);
    /* the old rule: the binary heads' argmax, then every label over its
     * threshold, however many */
    cJSON *root;
    cJSON *fr = classify("old", mixed, &root);
    const cJSON *scores = cJSON_GetObjectItemCaseSensitive(fr, "scores"), *s;
    const char *best = NULL;
    double bp = -1;
    int over = 0;
    char *m = slurp(T("old/frames/manifest.json"), NULL);
    cJSON *mj = cJSON_Parse(m);
    free(m);
    double t = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(mj, "heads"), 0),
                                                "threshold")
                   ->valuedouble;
    cJSON_Delete(mj);
    cJSON_ArrayForEach(s, scores)
    {
        if (s->valuedouble > bp) bp = s->valuedouble, best = s->string;
        over += s->valuedouble >= t;
    }
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(fr, "primary")->valuestring, best);
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(fr, "labels");
    ck_assert_int_eq(cJSON_GetArraySize(labels), over > 0 ? over : 1);
    cJSON_Delete(root);
}
END_TEST

/* Texts about the army that also name prices lead with Money: the
 * binary heads see both frames present, only the primary head learns the
 * order. */
static void write_ordered_corpus(const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 80; i++) {
        int g = i % 4, a = g == 0 ? 0 : g == 1 ? 1 : 2;
        fprintf(f, "{\"id\": \"o%d\", \"text\": \"", i);
        for (int r = 0; r < 4; r++) fprintf(f, "%s %s %s. ", words[a][(i + r) % 6], words[a][(i + r + 2) % 6], "قال");
        if (g == 3) fprintf(f, "%s %s.", words[1][i % 6], words[1][(i + 1) % 6]);
        if (g == 3) fprintf(f, "\", \"frames\": [\"Money\", \"Army\"]}\n");
        else fprintf(f, "\", \"frames\": [\"%s\"]}\n", fname[a]);
    }
    fclose(f);
}

START_TEST(test_classifier_uses_primary_head)
{
    write_ordered_corpus(T("frames.jsonl"));
    ck_assert_int_eq(mkdir(T("with"), 0700), 0);
    ck_assert_int_eq(mkdir(T("without"), 0700), 0);
    train("with/frames", "--primary-weight 1");
    train("without/frames", "--primary-weight 0");
    const char *text = "الجيش على الحدود. القوات والصواريخ. الهجوم والدفاع. الجيش والقوات. الأسعار في السوق.";
    cJSON *root;
    cJSON *fr = classify("with", text, &root);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(fr, "primary")->valuestring, "Money");
    cJSON_Delete(root);
    fr = classify("without", text, &root);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(fr, "primary")->valuestring, "Army");
    cJSON_Delete(root);
    char *m = slurp(T("without/frames/manifest.json"), NULL);
    ck_assert_ptr_null(strstr(m, "primary.svm"));
    free(m);
}
END_TEST

static void weight_too_big(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItemCaseSensitive(j, "primary"), "weight", cJSON_CreateNumber(1.5));
}
static void cap_too_big(cJSON *j) { cJSON_ReplaceItemInObject(j, "max_labels", cJSON_CreateNumber(4)); }
static void cap_fraction(cJSON *j) { cJSON_ReplaceItemInObject(j, "max_labels", cJSON_CreateNumber(1.5)); }
static void primary_names_head(cJSON *j)
{
    /* a binary head's file in place of the three-class primary head */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItemCaseSensitive(j, "primary"), "file", cJSON_CreateString("head-00.svm"));
}
static void primary_unlisted(cJSON *j)
{
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "files"), "primary.svm");
}
static void primary_on_multiclass(cJSON *j) { cJSON_ReplaceItemInObject(j, "kind", cJSON_CreateString("multiclass")); }

START_TEST(test_malformed_fields_refused)
{
    write_corpus(T("frames.jsonl"));
    struct {
        void (*edit)(cJSON *);
        const char *msg;
    } cases[] = {
        {weight_too_big, "weight"},
        {cap_too_big, "max_labels"},
        {cap_fraction, "max_labels"},
        {primary_names_head, "primary head"},
        {primary_unlisted, "primary.svm"},
        {primary_on_multiclass, "multilabel bundles only"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        train("m", "");
        edit_manifest("m", cases[i].edit);
        mz_bundle b;
        mz_err e = {{0}};
        ck_assert_msg(mz_bundle_load(&b, T("m"), &e) == -1, "case %zu accepted", i);
        ck_assert_msg(strstr(e.msg, cases[i].msg), "case %zu: %s", i, e.msg);
    }
    /* and the options themselves */
    ck_assert_int_eq(run("o.out", "o.err", "'%s' --corpus '%s' --out '%s' --primary-weight 2", TRAIN,
                         T("frames.jsonl"), T("x")),
                     2);
    ck_assert_int_eq(run("o.out", "o.err", "'%s' --corpus '%s' --out '%s' --max-labels 2.5", TRAIN,
                         T("frames.jsonl"), T("x")),
                     2);
}
END_TEST

Suite *suite_frames(void)
{
    Suite *s = suite_create("frames");
    TCase *tr = tcase_create("rule");
    tcase_set_timeout(tr, 60);
    tcase_add_test(tr, test_select_without_primary_head);
    tcase_add_test(tr, test_select_with_primary_head);
    tcase_add_test(tr, test_rank_of_chosen_labels);
    suite_add_tcase(s, tr);
    TCase *tc = tcase_create("programs");
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_primary_head_bundle);
    tcase_add_test(tc, test_frames_training_is_byte_identical);
    tcase_add_test(tc, test_classifier_uses_primary_head);
    tcase_add_test(tc, test_bundle_without_new_fields_keeps_old_rule);
    tcase_add_test(tc, test_malformed_fields_refused);
    suite_add_tcase(s, tc);
    return s;
}
