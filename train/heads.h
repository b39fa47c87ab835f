/* heads.h — what every task's training shares: label sets, fitting a head
 * with cross-validation, its metrics, and writing it into the bundle.
 *
 * Every figure is computed on out-of-fold probabilities (each record scored
 * by a model that did not see it) over the scored rows 0..ns-1 alone; the
 * rows after them (--train-only corpora) are in every fold's training part
 * and never scored.  A task function (tasks.h) gets an mz_task: the
 * collection, its feature rows and the manifest parts it fills. */
#ifndef MZ_TRAIN_HEADS_H
#define MZ_TRAIN_HEADS_H

#include <cJSON.h>
#include <stdio.h>

#include "args.h"
#include "bundle.h"
#include "fsutil.h"
#include "learn.h"
#include "trainset.h"

/* Distinct label names, at most MZ_MAX_CLASSES, in order of first sight
 * until sorted (byte order: the class numbering of the heads). */
typedef struct mz_labelset {
    char **name;
    int n;
} mz_labelset;

void mz_labelset_free(mz_labelset *l);
int mz_labelset_add(mz_labelset *l, const char *s); /* -1: one too many, or out of memory */
int mz_labelset_index(const mz_labelset *l, const char *s); /* -1: not there */
void mz_labelset_sort(mz_labelset *l);

/* A label value as text in buf: strings as they are, integral numbers
 * printed.  NULL when it is one, else what is wrong with it ("is empty",
 * "holds a control character", ...), to follow "label" in a message
 * (white space at either end is said quoting the label, and then the
 * answer is buf itself).  A label is printed in tables and written in
 * manifests, so control characters and invalid UTF-8 are refused rather
 * than carried there. */
const char *mz_label_text(const cJSON *j, char *buf, size_t n);

/* s as labels are read (composed, NFC) into buf (n bytes); NULL when it
 * does not fit or cannot be converted.  For names a label is compared with
 * that did not come through mz_label_text: a bundle trained before labels
 * were composed, --f1-labels as typed. */
const char *mz_label_nfc(const char *s, char *buf, size_t n);

/* --f1-labels: "all" or comma-separated names, each of L (in either
 * composition), each once; want[c] = 1 for each label named.  Checked as
 * soon as the corpus' labels are known, so a typo costs no training. */
int mz_f1_labels_want(const char *spec, const mz_labelset *L, unsigned char *want, mz_err *e);

/* names[0..k) as a message lists them ("a", "b", "c"), cut with "..."
 * where out (n bytes) is too small; returns out. */
const char *mz_names_text(char *out, size_t n, char *const *names, int k);

/* A stance record's label l (field `field`, read from `where`): a whole
 * number -2..2 (present; *cls 0 critical, 1 neutral, 2 favourable) or null
 * (absent; *cls -1).  A missing field is an error, not an absence: a
 * corpus that forgets the field would otherwise be read as never naming
 * the target. */
int mz_stance_truth(const cJSON *l, const char *where, const char *field, int *present, int *cls, mz_err *e);

/* Refuses a class (0..k-1 of y) that only training-only rows (i >= ns)
 * have: it could be neither calibrated nor measured.  what prefixes the
 * message, names[c] names the class. */
int mz_scored_cover(const int *y, size_t n, size_t ns, int k, char *const *names, const char *what, mz_err *e);

/* What a task trains on and where its heads and figures go. */
typedef struct mz_task {
    const mz_collection *c;
    const mz_train_args *a;
    mz_vocab *vocab;   /* an auxiliary head adds its features to the */
    mz_sparse *rows;   /* vocabulary and the rows, and rebuilds ts */
    mz_trainset *ts;
    size_t ns;         /* scored rows */
    const char *name;  /* the bundle's output key */
    cJSON *manifest, *solver, *heads, *cv;
    mz_bundle_writer *w;
    size_t plain_nfeat; /* --lsa-heads binary: the features before the
                         * semantic block, which a multi-label bundle's
                         * primary head is trained on alone (0: every head
                         * sees every feature) */
    cJSON **oof;        /* --cv-predictions: one object per scored row, to
                         * which the task adds the row's truth and its
                         * out-of-fold answer (NULL: not asked) */
    const struct mz_groups *by; /* --by: the scored rows' groups, whose
                                 * figures the task prints after its own,
                                 * from the same answers (NULL: not asked) */
} mz_task;

/* Per-record answers (--cv-predictions, evaluate --predictions): one JSON
 * object per record of c's first n, holding its "id" (null if it has
 * none) and "where"; the same keys whether cross-validation or a held-out
 * evaluation fills them.  Numbers have four decimals, as the classifier
 * writes them.  mz_records_new returns NULL on out-of-memory. */
cJSON **mz_records_new(const mz_collection *c, size_t n);
void mz_records_free(cJSON **rec, size_t n);
/* "label", "predicted" and "scores" of a k-class head. */
void mz_record_class(cJSON *o, char *const *names, int k, int truth, int pred, const double *p);
/* A stance record: its "label" (−2..2 or null), "present" (truth),
 * "predicted_present" and "p_present" from the presence probabilities pp;
 * then, where the target is present, the stance head's "predicted" and
 * "scores", and the bundle's "score" (and the SVR's "svr", when svr). */
void mz_record_presence(cJSON *o, const cJSON *label, int present, const double *pp);
void mz_record_stance(cJSON *o, char *const *names, int pred, const double *ps);
void mz_record_score(cJSON *o, double score, const double *svr);
/* A multi-label record: its "labels", and the set chosen (the primary
 * first) with the binary heads' "scores". */
void mz_record_labels(cJSON *o, const cJSON *truth, char *const *names, int k, const double *p, int primary,
                      const unsigned char *chosen);
/* The records as JSON lines at path, written to a temporary file (which
 * the interrupt handler removes) and renamed into place.  prepare writes
 * and syncs it, so that a full disk is found, and leaves the rename to
 * mz_outfile_commit (or mz_outfile_abort): training renames it once its
 * bundle is in place.  Errors start with what (the option). */
int mz_records_prepare(mz_outfile *o, const char *path, cJSON **rec, size_t n, const char *what, mz_err *e);
int mz_write_records(const char *path, cJSON **rec, size_t n, const char *what, mz_err *e);

/* Out-of-fold class probabilities (n × k) from out-of-fold decisions, the
 * rows on `threads` threads; NULL on out-of-memory. */
double *mz_oof_probs(const mz_linmodel *lm, const double *oof, size_t n, int threads);

/* --grid: sets lo->C to the C of the grid (0.1 … 4) whose figure fn gives
 * highest (the first on ties), reporting each on stderr unless quiet. */
typedef int (*mz_grid_fn)(void *ctx, const mz_learnopts *lo, double *score, mz_err *e);
int mz_grid_C(const char *what, const char *metric, int quiet, mz_learnopts *lo, mz_grid_fn fn, void *ctx, mz_err *e);

/* Fit a k-class head on the rows whose y >= 0 (with --grid, C by CV
 * macro-F1); *prob gets its out-of-fold probabilities (n × k) and, when
 * oof_dec is not NULL, *oof_dec the out-of-fold decisions they come from
 * (n × k(k−1)/2, learn.h mz_fit_head). */
int mz_fit(const mz_trainset *ts, const int *y, int k, const mz_train_args *a, const char *what, mz_linmodel *lm,
           double **prob, double *C_used, double **oof_dec, mz_err *e);

/* Metrics of the labels pred over rows 0..n-1 with y >= 0, as the JSON
 * the manifest keeps; the table goes to out unless quiet.  mz_report
 * labels each row from prob (n × k) with weights lw (NULL: the most
 * probable; predict.h mz_pick_label). */
cJSON *mz_report_labels(const char *title, const int *pred, const int *y, size_t n, int k, char *const *labels,
                        int quiet, FILE *out);
cJSON *mz_report(const char *title, const double *prob, const double *lw, const int *y, size_t n, int k,
                 char *const *labels, int quiet, FILE *out);

/* A figure (a rate, an F1, an AUC) as manifests and reports keep it: six
 * decimals, so that a manifest does not change with the last bits of a
 * sum's order; null when it cannot be computed (NaN). */
void mz_add_figure(cJSON *o, const char *key, double v);

/* The macro-F1 over the labels --f1-labels names (names: the manifest's
 * "f1_labels"), from a report's per-class F1s: added to out as
 * "f1_labels_macro_f1" and said on fp unless quiet; nothing when none of
 * the names has a row. */
void mz_f1_labels_figure(const cJSON *report, const cJSON *names, cJSON *out, int quiet, FILE *fp);

/* A head's manifest entry, and its libsvm model file added to the bundle. */
cJSON *mz_head_json(const char *name, const char *file, char *const *labels, int k);
int mz_add_model(mz_bundle_writer *w, const char *file, const mz_linmodel *lm, mz_err *e);

/* The same in steps, for a head fitted before a second stage: printing a
 * large head's text takes a quarter second of one core, which can be spent
 * while the second stage's solver processes have both cores' work.  The
 * text is formatted by mz_model_text_format(), given to that stage as its
 * learn.idle callback (learn.h: the parent calls it while its solver
 * processes run), or else by mz_model_text_add(), which adds it to the
 * bundle and frees it; mz_model_text_drop() frees it on a path that adds
 * none.  Not on a thread of its own: a solver process forked while that
 * thread held its buffer would inherit the buffer with no owner (valgrind
 * counted it lost in the child).  lm must not change until the text is
 * added or dropped. */
typedef struct mz_model_text {
    const mz_linmodel *lm;
    int done, rc;
    char *txt;
    size_t len;
    mz_err e;
} mz_model_text;

void mz_model_text_init(mz_model_text *m, const mz_linmodel *lm);
void mz_model_text_format(void *m); /* an mz_model_text; once, later calls do nothing */
int mz_model_text_add(mz_model_text *m, mz_bundle_writer *w, const char *file, mz_err *e);
void mz_model_text_drop(mz_model_text *m);

/* Stance and target heads are balanced unless the command chose: a2 is a
 * with that weighting, and the manifest's solver records it. */
void mz_heads_balanced(const mz_train_args *a, mz_train_args *a2, cJSON *solver);

#endif
