/* test_metrics.c — confusion matrix, accuracy, per-class precision/recall/F1,
 * macro-F1 on hand-computed examples (including classes with no support or
 * no predictions), the printed table, and ROC-AUC: perfect, reversed, ties,
 * an undefined case and a brute-force cross-check. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "utf8.h"
#include "testutil.h"

#define EPS 1e-12

START_TEST(test_hand_computed_three_classes)
{
    /* truth: 0 0 0 0 1 1 1 2 2 2, pred: 0 0 1 2 1 1 0 2 2 1
     * confusion rows (truth) [2 1 1] [1 2 0] [0 1 2] */
    const int t[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    const int p[] = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};
    mz_metrics m;
    ck_assert_int_eq(mz_metrics_init(&m, 3), 0);
    for (int i = 0; i < 10; i++) mz_metrics_add(&m, t[i], p[i]);
    mz_metrics_finish(&m);
    const long conf[9] = {2, 1, 1, 1, 2, 0, 0, 1, 2};
    for (int i = 0; i < 9; i++) ck_assert_int_eq(m.conf[i], conf[i]);
    ck_assert_int_eq(m.n, 10);
    ck_assert_double_eq_tol(m.accuracy, 0.6, EPS);
    ck_assert_double_eq_tol(m.precision[0], 2.0 / 3.0, EPS);
    ck_assert_double_eq_tol(m.recall[0], 0.5, EPS);
    ck_assert_double_eq_tol(m.f1[0], 4.0 / 7.0, EPS);
    ck_assert_double_eq_tol(m.precision[1], 0.5, EPS);
    ck_assert_double_eq_tol(m.recall[1], 2.0 / 3.0, EPS);
    ck_assert_double_eq_tol(m.f1[1], 4.0 / 7.0, EPS);
    ck_assert_double_eq_tol(m.precision[2], 2.0 / 3.0, EPS);
    ck_assert_double_eq_tol(m.recall[2], 2.0 / 3.0, EPS);
    ck_assert_double_eq_tol(m.f1[2], 2.0 / 3.0, EPS);
    ck_assert_double_eq_tol(m.macro_f1, 38.0 / 63.0, EPS);
    ck_assert_int_eq(m.support[0], 4);
    ck_assert_int_eq(m.support[1], 3);
    ck_assert_int_eq(m.support[2], 3);
    mz_metrics_free(&m);
}
END_TEST

START_TEST(test_binary_example)
{
    /* 8 positives (class 1): 6 found; 12 negatives: 3 false alarms */
    mz_metrics m;
    ck_assert_int_eq(mz_metrics_init(&m, 2), 0);
    for (int i = 0; i < 6; i++) mz_metrics_add(&m, 1, 1);
    for (int i = 0; i < 2; i++) mz_metrics_add(&m, 1, 0);
    for (int i = 0; i < 3; i++) mz_metrics_add(&m, 0, 1);
    for (int i = 0; i < 9; i++) mz_metrics_add(&m, 0, 0);
    mz_metrics_finish(&m);
    ck_assert_double_eq_tol(m.accuracy, 15.0 / 20.0, EPS);
    ck_assert_double_eq_tol(m.precision[1], 6.0 / 9.0, EPS);
    ck_assert_double_eq_tol(m.recall[1], 6.0 / 8.0, EPS);
    double f1 = 2 * (6.0 / 9.0) * (6.0 / 8.0) / (6.0 / 9.0 + 6.0 / 8.0);
    ck_assert_double_eq_tol(m.f1[1], f1, EPS);
    ck_assert_double_eq_tol(m.precision[0], 9.0 / 11.0, EPS);
    ck_assert_double_eq_tol(m.recall[0], 9.0 / 12.0, EPS);
    double f0 = 2 * (9.0 / 11.0) * (9.0 / 12.0) / (9.0 / 11.0 + 9.0 / 12.0);
    ck_assert_double_eq_tol(m.macro_f1, (f0 + f1) / 2, EPS);
    mz_metrics_free(&m);
}
END_TEST

START_TEST(test_macro_f1_skips_unused_classes)
{
    /* class 2 is neither in the truth nor predicted: left out of macro-F1 */
    mz_metrics m;
    ck_assert_int_eq(mz_metrics_init(&m, 3), 0);
    mz_metrics_add(&m, 0, 0);
    mz_metrics_add(&m, 0, 0);
    mz_metrics_add(&m, 1, 1);
    mz_metrics_add(&m, 1, 0);
    mz_metrics_finish(&m);
    double f0 = 2 * (2.0 / 3.0) * 1.0 / (2.0 / 3.0 + 1.0), f1 = 2 * 1.0 * 0.5 / 1.5;
    ck_assert_double_eq_tol(m.macro_f1, (f0 + f1) / 2, EPS);
    ck_assert(isnan(m.f1[2]) && isnan(m.precision[2]) && isnan(m.recall[2]));
    ck_assert_int_eq(m.support[2], 0);
    char *t = mz_metrics_table(&m, (char *[]){"a", "b", "c"});
    ck_assert_msg(strstr(t, "\nc                 -         -         -         0\n"), "%s", t);
    free(t);
    mz_metrics_free(&m);

    /* a class that is predicted but never true counts, with F1 0 */
    ck_assert_int_eq(mz_metrics_init(&m, 3), 0);
    mz_metrics_add(&m, 0, 0);
    mz_metrics_add(&m, 1, 1);
    mz_metrics_add(&m, 1, 2);
    mz_metrics_finish(&m);
    ck_assert_double_eq(m.precision[2], 0.0);
    ck_assert_double_eq(m.recall[2], 0.0);
    ck_assert_double_eq_tol(m.macro_f1, (1.0 + 2.0 / 3.0 + 0.0) / 3.0, EPS);
    mz_metrics_free(&m);
}
END_TEST

START_TEST(test_perfect_and_empty)
{
    mz_metrics m;
    ck_assert_int_eq(mz_metrics_init(&m, 4), 0);
    for (int r = 0; r < 5; r++)
        for (int c = 0; c < 4; c++) mz_metrics_add(&m, c, c);
    mz_metrics_finish(&m);
    ck_assert_double_eq(m.accuracy, 1.0);
    ck_assert_double_eq(m.macro_f1, 1.0);
    for (int c = 0; c < 4; c++) {
        ck_assert_double_eq(m.precision[c], 1.0);
        ck_assert_double_eq(m.recall[c], 1.0);
        ck_assert_int_eq(m.support[c], 5);
    }
    mz_metrics_free(&m);
    /* nothing added: accuracy and macro-F1 0, never NaN; each class's
     * figures undefined (NaN: null in a report) */
    ck_assert_int_eq(mz_metrics_init(&m, 3), 0);
    mz_metrics_finish(&m);
    ck_assert_int_eq(m.n, 0);
    ck_assert(!isnan(m.accuracy) && m.accuracy == 0.0);
    ck_assert(!isnan(m.macro_f1) && m.macro_f1 == 0.0);
    for (int c = 0; c < 3; c++) ck_assert(isnan(m.f1[c]) && isnan(m.precision[c]) && isnan(m.recall[c]));
    mz_metrics_free(&m);
}
END_TEST

START_TEST(test_table_text)
{
    const int t[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    const int p[] = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};
    mz_metrics m;
    ck_assert_int_eq(mz_metrics_init(&m, 3), 0);
    for (int i = 0; i < 10; i++) mz_metrics_add(&m, t[i], p[i]);
    mz_metrics_finish(&m);
    char *labels[] = {"economy", "sport", "internationalNews"};
    char *s = mz_metrics_table(&m, labels);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(strstr(s, "economy"));
    ck_assert_ptr_nonnull(strstr(s, "internationalNews"));
    ck_assert_ptr_nonnull(strstr(s, "accuracy 0.6000"));
    ck_assert_ptr_nonnull(strstr(s, "macro-F1 0.6032"));
    ck_assert_ptr_nonnull(strstr(s, "n 10"));
    ck_assert_ptr_nonnull(strstr(s, "0.6667")); /* a precision */
    ck_assert_ptr_nonnull(strstr(s, "0.5714")); /* an F1 */
    /* the confusion row of economy: 2 1 1 */
    const char *row = strstr(strstr(s, "confusion"), "\neconomy");
    ck_assert_ptr_nonnull(row);
    long a, b, c;
    ck_assert_int_eq(sscanf(row + strlen("\neconomy"), "%ld %ld %ld", &a, &b, &c), 3);
    ck_assert_int_eq(a, 2);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(c, 1);
    free(s);
    mz_metrics_free(&m);
}
END_TEST

/* Arabic labels, and one longer than the 40-column cap: every line stays
 * valid UTF-8 (no label cut inside a character) and the columns line up by
 * characters, so each row's numbers start at the same code point. */
START_TEST(test_table_arabic_labels)
{
    mz_metrics m;
    ck_assert_int_eq(mz_metrics_init(&m, 3), 0);
    const int t[] = {0, 1, 2, 0, 1, 2};
    const int p[] = {0, 1, 2, 1, 1, 2};
    for (int i = 0; i < 6; i++) mz_metrics_add(&m, t[i], p[i]);
    mz_metrics_finish(&m);
    char *labels[] = {"\u0631\u064a\u0627\u0636\u0629", "\u0633\u064a\u0627\u0633\u0629",
                      "\u0627\u0642\u062a\u0635\u0627\u062f \u0648\u0645\u0627\u0644 \u0648\u0623\u0639\u0645\u0627\u0644 "
                      "\u0648\u0628\u0648\u0631\u0635\u0627\u062a \u0648\u0634\u0631\u0643\u0627\u062a "
                      "\u0648\u0623\u0633\u0648\u0627\u0642 \u0639\u0627\u0644\u0645\u064a\u0629"};
    char *s = mz_metrics_table(&m, labels);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(mz_utf8_check(s, strlen(s), NULL, NULL), 0);
    /* the per-class rows: the precision column starts at code point 41 */
    const char *line = strchr(s, '\n') + 1;
    for (int c = 0; c < 3; c++) {
        size_t cps = 0;
        const char *q = line;
        for (; *q && cps < 40; q++) cps += ((unsigned char)q[1] & 0xC0) != 0x80;
        ck_assert_int_eq(cps, 40);
        ck_assert_int_eq(*q, ' ');
        double prec;
        ck_assert_int_eq(sscanf(q, "%lf", &prec), 1);
        ck_assert_double_eq_tol(prec, c == 0 ? 1.0 : c == 1 ? 2.0 / 3.0 : 1.0, 1e-4);
        line = strchr(line, '\n') + 1;
    }
    /* the confusion header: each label cut to 7 characters, whole ones */
    const char *h0 = strstr(s, "predicted)\n") + strlen("predicted)\n");
    char hdr[512];
    size_t hl = (size_t)(strchr(h0, '\n') - h0);
    ck_assert_uint_lt(hl, sizeof hdr);
    memcpy(hdr, h0, hl);
    hdr[hl] = '\0';
    ck_assert_int_eq(mz_utf8_check(hdr, hl, NULL, NULL), 0);
    ck_assert_ptr_nonnull(strstr(hdr, "\u0627\u0642\u062a\u0635\u0627\u062f "));
    ck_assert_ptr_null(strstr(hdr, "\u0627\u0642\u062a\u0635\u0627\u062f \u0648"));
    ck_assert_ptr_nonnull(strstr(hdr, "  \u0631\u064a\u0627\u0636\u0629 "));
    free(s);
    mz_metrics_free(&m);
}
END_TEST

START_TEST(test_auc_perfect_reversed_ties)
{
    const double s[] = {0.1, 0.2, 0.3, 0.7, 0.8, 0.9};
    const int good[] = {0, 0, 0, 1, 1, 1};
    const int bad[] = {1, 1, 1, 0, 0, 0};
    ck_assert_double_eq_tol(mz_roc_auc(s, good, 6), 1.0, EPS);
    ck_assert_double_eq_tol(mz_roc_auc(s, bad, 6), 0.0, EPS);
    const double same[] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    ck_assert_double_eq_tol(mz_roc_auc(same, good, 6), 0.5, EPS);
    /* the classic example: 0.75 */
    const double s2[] = {0.1, 0.4, 0.35, 0.8};
    const int t2[] = {0, 0, 1, 1};
    ck_assert_double_eq_tol(mz_roc_auc(s2, t2, 4), 0.75, EPS);
    /* one tie between classes counts half: (0.5 + 1 + 1 + 1) / 4 */
    const double s3[] = {0.5, 0.7, 0.5, 0.2};
    const int t3[] = {1, 1, 0, 0};
    ck_assert_double_eq_tol(mz_roc_auc(s3, t3, 4), 0.875, EPS);
    /* order of the input does not matter */
    const double s4[] = {0.2, 0.5, 0.7, 0.5};
    const int t4[] = {0, 0, 1, 1};
    ck_assert_double_eq_tol(mz_roc_auc(s4, t4, 4), 0.875, EPS);
}
END_TEST

START_TEST(test_auc_undefined_without_both_classes)
{
    const double s[] = {0.1, 0.9, 0.5};
    const int pos[] = {1, 1, 1}, neg[] = {0, 0, 0};
    ck_assert(isnan(mz_roc_auc(s, pos, 3)));
    ck_assert(isnan(mz_roc_auc(s, neg, 3)));
    ck_assert(isnan(mz_roc_auc(s, pos, 0)));
}
END_TEST

START_TEST(test_auc_brute_force)
{
    /* many ties (scores on a coarse grid), against the O(n^2) definition */
    enum { N = 300 };
    double s[N];
    int t[N];
    unsigned seed = 17;
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = (seed >> 16) % 3 == 0;
            seed = seed * 1103515245u + 12345u;
            s[i] = (double)((seed >> 16) % 11) / 10.0 + (t[i] ? 0.1 * round : 0.0);
        }
        double num = 0;
        long np = 0, nn = 0;
        for (int i = 0; i < N; i++) {
            if (t[i]) np++;
            else nn++;
            if (!t[i]) continue;
            for (int j = 0; j < N; j++)
                if (!t[j]) num += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
        }
        ck_assert_double_eq_tol(mz_roc_auc(s, t, N), num / ((double)np * (double)nn), 1e-12);
    }
}
END_TEST

Suite *suite_metrics(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hand_computed_three_classes);
    tcase_add_test(tc, test_binary_example);
    tcase_add_test(tc, test_macro_f1_skips_unused_classes);
    tcase_add_test(tc, test_perfect_and_empty);
    tcase_add_test(tc, test_table_text);
    tcase_add_test(tc, test_table_arabic_labels);
    tcase_add_test(tc, test_auc_perfect_reversed_ties);
    tcase_add_test(tc, test_auc_undefined_without_both_classes);
    tcase_add_test(tc, test_auc_brute_force);
    suite_add_tcase(s, tc);
    return s;
}
