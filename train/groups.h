/* groups.h — figures per value of a record field (`mizan-train --by FIELD`
 * for the cross-validated ones, `mizan-train evaluate --by FIELD` for the
 * held-out ones): an outlet, a year, a genre, so that a model's weak spots
 * show where they are.
 *
 * Groups are ordered by size, largest first, then by value in byte order; a
 * record without the field (or with null or "") belongs to the group whose
 * value is NULL, printed "(none)".  A group's figures are computed on its
 * records alone, gathered in record order, by the very functions that
 * compute the whole corpus', so evaluating a group's records on their own
 * gives the same numbers; the work is linear in the records whatever the
 * number of groups (--by id makes one per record).
 * Each reporter prints a table to g->out unless quiet (the value last, so
 * columns stay aligned whatever the script) and returns the figures as a
 * JSON array of {"value", "n", ...}, or NULL on out-of-memory. */
#ifndef MZ_TRAIN_GROUPS_H
#define MZ_TRAIN_GROUPS_H

#include <cJSON.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

typedef struct mz_groups {
    const char *field;
    const char *what;  /* the figures' kind, for the tables' title */
    FILE *out;         /* where the tables go */
    size_t n;          /* groups */
    char **value;      /* per group; NULL: records without the field */
    size_t *size;      /* records per group */
    size_t *member;    /* records by group, each group's in record order: */
    size_t *start;     /* group k's are member[start[k] .. start[k + 1]) */
    size_t nrec;
} mz_groups;

/* value: per record, the field's value or NULL (the collection's); what
 * ("held-out", "cross-validated") and out as the struct's.  Refused when
 * no record has the field (records: what they are called in the message). */
int mz_groups_build(mz_groups *g, const char *field, const char *what, FILE *out, char *const *value, size_t nrec,
                    const char *records, mz_err *e);
void mz_groups_free(mz_groups *g);

/* Single-label bundles (multiclass, target): the labels pred, or where
 * pred is NULL those the probabilities prob (nrec × k) give with weights
 * lw (predict.h mz_pick_label; NULL: the most probable), against the truth
 * y (−1: not scored) over k labels.  f1_names, the --f1-labels list (a
 * JSON array) or NULL, adds each group's macro-F1 over those labels. */
cJSON *mz_groups_class(const mz_groups *g, const int *pred, const double *prob, const double *lw, const int *y, int k,
                       char *const *labels, const cJSON *f1_names, int quiet);

/* Stance: presence as its probabilities P (nrec × 2) label it against
 * the truth py (over plabels: 0 present, 1 absent), the three-way label
 * (spred, y2 over slabels; y2 −1 where the target is absent) and the
 * ROC-AUC of the bundle's score method from the probabilities P2 (nrec ×
 * 3) and SVR values sv (may be NULL). */
cJSON *mz_groups_stance(const mz_groups *g, const double *P, const int *py, char *const *plabels, const int *spred,
                        const int *y2, char *const *slabels, int score, const double *P2, const double *sv, int quiet);

/* Multi-label: mz_ml_score (tasks.h) on each group's rows, with the
 * thresholds thr, or where fold is given each row with tfold[fold[row]]
 * for every label (cross-validation's thresholds chosen on other folds). */
cJSON *mz_groups_multilabel(const mz_groups *g, int k, const double *P, const double *PM, double w,
                            const double *thr, const int *fold, const double *tfold, int max_labels,
                            const unsigned char *truth, const int *prim, int quiet);

#endif
