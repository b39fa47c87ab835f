/* metrics.h — honest classification metrics.
 *
 * A confusion matrix over k classes (rows: truth, columns: prediction) and
 * everything derived from it: accuracy, per-class precision/recall/F1 and
 * support, macro-F1 (unweighted mean over classes with support or
 * predictions; a class with neither has NaN precision, recall and F1).  Also ROC-AUC of a score for a binary truth (ties counted
 * half, by the Mann-Whitney formulation), for stance scores. */
#ifndef MZ_METRICS_H
#define MZ_METRICS_H

#include <stddef.h>

typedef struct mz_metrics {
    int k;
    long *conf; /* k*k */
    double accuracy, macro_f1;
    double *precision, *recall, *f1;
    long *support;
    long n;
} mz_metrics;

int mz_metrics_init(mz_metrics *m, int k);
void mz_metrics_free(mz_metrics *m);
void mz_metrics_add(mz_metrics *m, int truth, int pred);
void mz_metrics_finish(mz_metrics *m);

/* Readable table: per-class rows, then accuracy/macro-F1, then confusion. */
char *mz_metrics_table(const mz_metrics *m, char *const *labels);

/* ROC-AUC of score for truth (1 = positive); NAN when a class is empty. */
double mz_roc_auc(const double *score, const int *truth, size_t n);

#endif
