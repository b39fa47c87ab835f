/* tasks.h — how a corpus' labels become heads, one function per task (the
 * tasks are described in train.c), and what held-out evaluation shares
 * with them.
 *
 * Each function fits its heads on t's rows, adds their files to the
 * bundle, their entries to t->heads, their cross-validated figures to
 * t->cv and their solver settings to t->solver; y and y2 are n-row label
 * arrays the caller owns (a task may use them as scratch).  On error
 * nothing it allocated is left behind; the caller aborts the bundle. */
#ifndef MZ_TRAIN_TASKS_H
#define MZ_TRAIN_TASKS_H

#include "heads.h"

/* One head over L's labels (y: 0..L->n-1); --aux-field, --f1-labels. */
int mz_train_multiclass(const mz_task *t, const mz_labelset *L, const int *y, mz_err *e);

/* One head per value of --target-field, each over its own records. */
int mz_train_targets(const mz_task *t, const mz_labelset *L, const int *y, int *y2, mz_err *e);

/* One binary head per label of L, an optional primary head and the
 * threshold; labels are read from the collection again (lists). */
int mz_train_multilabel(const mz_task *t, const mz_labelset *L, int *y, mz_err *e);

/* Presence, stance and SVR heads of one target; mentions: per record, the
 * target's mentions in the lexicon's words. */
int mz_train_stance(const mz_task *t, const char *label_field, const long *mentions, int *y, int *y2, mz_err *e);

/* Multi-label figures of label sets chosen as the classifier chooses them
 * (predict.h mz_multilabel_select) from the binary heads' probabilities P
 * (n × k), the primary head's PM (NULL: none) with weight w, thresholds
 * thr and the label cap; macro-F1 counts a label never found as 0. */
typedef struct mz_ml_figures {
    double micro_f1, macro_f1, primary_accuracy;
} mz_ml_figures;
void mz_ml_score(size_t n, int k, const double *P, const double *PM, double w, const double *thr, int max_labels,
                 const unsigned char *truth, const int *prim, mz_ml_figures *out);
/* The same with each row's labels chosen with the threshold tfold[fold[row]]
 * for every label (cross-validation: thresholds chosen on other folds). */
void mz_ml_score_folds(size_t n, int k, const double *P, const double *PM, double w, const int *fold,
                       const double *tfold, int max_labels, const unsigned char *truth, const int *prim,
                       mz_ml_figures *out);

/* Each record's labels as a truth matrix (n × k) over names, and its first
 * listed label in prim; an error names a label not among names. */
int mz_ml_truth(const mz_collection *c, char *const *names, int k, unsigned char *truth, int *prim, mz_err *e);

/* ROC-AUC for critical (y2 == 0) against the rest (y2 > 0) of the stance
 * score by method (bundle.h) from probabilities ps (n × 3) and SVR
 * predictions pv (NULL: none); NAN when it cannot be computed. */
double mz_stance_auc(int method, const double *ps, const double *pv, const int *y2, size_t n);

/* Critical F1 over every row as the classifier answers it: a row whose
 * presence probabilities pp (n × 2, present first) call it absent gets no
 * label, so it is never critical, and one called present gets pred, so a
 * row the annotators saw no target in (y2 < 0) answered critical is a
 * false positive.  The stance table counts pred on the rows with y2 >= 0
 * regardless of presence. */
/* NaN when no row is critical, in the truth or the answers. */
double mz_stance_answered_f1(const int *pred, const int *y2, const double *pp, size_t n);
/* That figure added to a stance table's JSON m as "critical_f1_answered",
 * and printed to out unless NULL. */
void mz_stance_answered(cJSON *m, const int *pred, const int *y2, const double *pp, size_t n, FILE *out);

#endif
