/* learn.h — fitting linear heads with liblinear, with cross-validation and
 * Platt calibration.
 *
 * A head over k classes is fitted one-vs-rest (k binary L2-regularised
 * L2-loss SVMs, liblinear's dual coordinate descent; one problem when k = 2)
 * and stored as the equivalent one-vs-one libsvm model: pair (i, j) gets
 * w_i − w_j and rho = −(b_i − b_j), so libsvm's pairwise vote picks the same
 * class as the one-vs-rest argmax (the per-class vectors are kept as well,
 * so the file can hold one support vector per class; svmfile.h).
 * Probabilities are Platt sigmoids per
 * pair, fitted as libsvm does on decision values that each example received
 * from a model that did not see it (K-fold cross-validation), and the same
 * out-of-fold values give the reported CV metrics.
 *
 * With rbf set, a head is instead libsvm's C-SVC with an RBF kernel
 * (one-vs-one, as libsvm fits it), over the same folds and with the same
 * out-of-fold Platt calibration; the model keeps its support vectors.  Its
 * cost grows with the square of the number of rows: for small corpora.
 *
 * Determinism: folds come from a seeded splitmix64 shuffle within each
 * class; liblinear's and libsvm's solvers may draw from the C library's
 * rand(), so every solve is seeded from (seed, task) and parallel solves
 * run in separate processes (whose rand() states cannot interleave). */
#ifndef MZ_LEARN_H
#define MZ_LEARN_H

#include <stddef.h>

#include "err.h"
#include "features.h"
#include "svmfile.h"

struct feature_node;

/* Rows 0..nscored-1 are scored: cross-validated, calibrated on and counted
 * in every metric.  The rows after them (a training-only corpus) are in
 * the training part of every fold and never predicted, so the figures and
 * the folds of the scored rows are those of a run without them. */
typedef struct mz_trainset {
    size_t n, nfeat;
    size_t nscored; /* mz_trainset_build sets n */
    /* per row, the earlier scored row whose text it repeats, else -1; or
     * NULL when none does.  Folds keep a copy with its original (below). */
    const int32_t *same;
    struct feature_node **x;
    struct feature_node *pool;
} mz_trainset;

int mz_trainset_build(mz_trainset *t, const mz_sparse *rows, size_t n, size_t nfeat, mz_err *e);
void mz_trainset_free(mz_trainset *t);

typedef struct mz_learnopts {
    double C;
    int balanced;     /* class weights n / (k * n_c) */
    double eps;       /* liblinear stopping tolerance */
    unsigned long seed;
    int folds;        /* >= 2: CV for calibration and metrics */
    int quiet;
    int procs;        /* solver processes in parallel (1: in this process) */
    int rbf;          /* 0: linear (liblinear); 1: RBF kernel (libsvm) */
    double gamma;     /* RBF: K(x, z) = exp(-gamma ||x - z||²) */
    double cache_mb;  /* RBF: libsvm's kernel cache per solve */
    double svr_p;     /* epsilon-SVR: width of the loss-free tube */
    int answer_unlabelled; /* mz_fit_head's *oof answers scored rows with
                            * y < 0 too (a stance head's absent texts);
                            * else they are left 0 (another target's rows,
                            * whose decisions would be spent for nothing) */
    /* If set, called in this process once solver processes have been
     * forked, before waiting for them: other work to overlap with theirs.
     * Not a thread's: a thread running across the fork would leave its
     * allocations to the children with no owner.  It may be called more
     * than once (once per batch of processes) and must not fork. */
    void (*idle)(void *arg);
    void *idle_arg;
} mz_learnopts;

void mz_learnopts_default(mz_learnopts *o);

/* libsvm's stopping tolerance for RBF heads (its own default). */
#define MZ_LIBSVM_EPS 1e-3

/* Deterministic stratified fold (0..folds-1) of each of the first nscored
 * examples, -1 (always trained on) for the other n - nscored.  A row that
 * repeats an earlier one (same, as in mz_trainset; may be NULL) takes that
 * row's fold: a copy scored by a model trained on its original would
 * flatter every figure by as much as the corpus repeats itself.  The folds
 * are dealt over the originals, so none is empty while there are at least
 * as many distinct texts as folds. */
int *mz_make_folds(const int *y, size_t n, size_t nscored, int k, int folds, unsigned long seed, const int32_t *same);

/* Fit a k-class head on rows whose y >= 0 (rows with y < 0 are ignored, so
 * one trainset serves heads over different subsets).  Fills out (with
 * probA/probB, from the scored rows) and, if oof is non-NULL, *oof = n *
 * npair out-of-fold decision values.  A scored row with y < 0 is left 0,
 * or with o->answer_unlabelled gets its fold's, as a labelled one does (no
 * model saw it), so a caller can answer it as the classifier would;
 * training-only rows are left 0 when there are folds; without folds the
 * rows answered get their training decision.  Every class must have scored
 * rows for its sigmoids:
 * the caller checks that.  label k names nothing: the
 * caller keeps names; out->labels are 0..k-1. */
int mz_fit_head(const mz_trainset *t, const int *y, int k, const mz_learnopts *o,
                mz_linmodel *out, double **oof, mz_err *e);

/* Fit an epsilon-SVR (liblinear's L2R_L2LOSS_SVR_DUAL, C = o->C, epsilon =
 * o->svr_p) on targets z of the rows whose y >= 0.  y (0..k-1) only
 * stratifies the folds, which are those mz_fit_head draws for the same y,
 * k, folds and seed, so the two heads' out-of-fold values pair up.  out is
 * a regression model (svr = 1: W[.,0] and rho, prediction w·x − rho);
 * *oof, if oof is non-NULL, gets n out-of-fold predictions (0 where
 * y < 0).  It is linear whatever o->rbf says: the scores built on it were
 * measured linear, and bundles load only a linear SVR head. */
int mz_fit_svr(const mz_trainset *t, const int *y, int k, const double *z, const mz_learnopts *o,
               mz_linmodel *out, double **oof, mz_err *e);

#endif
