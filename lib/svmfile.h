/* svmfile.h — libsvm model files: write, validate, and predict with them.
 *
 * Every head is stored as a libsvm C-SVC model file that svm_load_model()
 * accepts.  A linear head is kept in memory in primal form: for each class
 * pair p = (i, j), i < j, in libsvm's order, a weight vector W[.,p] and rho[p]
 * with decision value W[.,p]·x − rho[p] (> 0 votes for class i).  On disk
 * that is one support vector per pair, assigned to class i, whose
 * coefficient is 1 for pair (i, j) and 0 for every other pair — so libsvm's
 * own svm_predict_values() computes exactly the same numbers.  A
 * one-vs-rest head (Wc set) is written more compactly: one SV per class
 * holding w_c, with coefficient +1 in its pairs with later classes and −1
 * in those with earlier ones, which libsvm evaluates as (w_i − w_j)·x − rho:
 * k vectors on disk instead of k(k−1)/2.
 *
 * A regression head (svr = 1) is an epsilon-SVR file: svm_type epsilon_svr,
 * nr_class 2 (libsvm's convention for regression), no labels, nr_sv or
 * probA/probB, one support vector holding the weight vector with
 * coefficient 1 and rho = −bias, so that svm_predict() returns w·x − rho,
 * which is dec[0] here.
 *
 * mz_svmfile_parse() is the only way a model file is read.  It is strict,
 * because model files are passed around and may be crafted: every header
 * field is checked for range and consistency (class and SV counts against
 * the lines present, one rho/probA/probB per pair), feature indices must be
 * positive, increasing and within the vocabulary, every number finite.  Only
 * a file that passes may later be given to libsvm.  Linear models of any
 * shape libsvm writes (many SVs per class) are folded into primal weights.
 * RBF models keep their support vectors (there is no primal form): they are
 * written with every coefficient and value at full precision ("%.17g"), so a
 * head reads back exactly as it was trained.
 *
 * mz_linmodel_decision() uses the feature-major weight matrix of a linear
 * model, so one article costs (#features × #pairs) multiply-adds, whatever
 * the SV count — or (#features × #classes) for a one-vs-rest file, kept
 * per class (Wk) and combined per pair exactly as libsvm combines its SVs; an RBF model costs one kernel value per support vector,
 * summed in libsvm's order so that the numbers are svm_predict_values'. */
#ifndef MZ_SVMFILE_H
#define MZ_SVMFILE_H

#include <stddef.h>

#include "err.h"
#include "features.h"
#include "platt.h"

/* One head: linear (primal weights) or RBF (support vectors). */
typedef struct mz_linmodel {
    int nclass, npair;
    int labels[MZ_MAX_CLASSES];
    int kernel_rbf;        /* 0: linear (W valid); 1: rbf (W NULL, sv_* valid) */
    int svr;               /* 1: epsilon-SVR (nclass 2, npair 1, no labels or probA/B) */
    double gamma;
    size_t nfeat;          /* W has rows 1..nfeat */
    double *W;             /* (nfeat + 1) * npair, row-major by feature */
    double *rho;           /* npair */
    double *probA, *probB; /* npair each, or NULL */
    double *Wc;            /* optional, k > 2: per-class vectors, (nfeat+1) each,
                            * with W[.,(i,j)] = Wc[i] - Wc[j] (one-vs-rest) */
    double *Wk;            /* instead of W, for a parsed one-vs-rest file (one SV
                            * per class, k > 2): the SVs feature-major,
                            * (nfeat+1) * nclass; a decision costs k multiply-adds
                            * per feature instead of k(k-1)/2, and follows
                            * svm_predict_values' own arithmetic */
    /* a per-source head (sourcehead.h) shares W or Wk with the bundle's
     * other sources (shared = 1: not freed with it) and adds weights of its
     * own for the features f with dslot[f] >= 0: dval[dslot[f] * width + j],
     * width being nclass with Wk, npair with W (both borrowed) */
    int shared;
    const int32_t *dslot;
    const double *dval;
    /* rbf: support vectors grouped by class in label order, as libsvm
     * stores them; SV s is sv_idx/sv_val[sv_start[s] .. sv_start[s+1]) and
     * its coefficient row r (libsvm's sv_coef[r][s]) is sv_coef[s*(k-1)+r] */
    size_t nsv;
    int nsv_class[MZ_MAX_CLASSES];
    size_t *sv_start;      /* nsv + 1 */
    int32_t *sv_idx;
    double *sv_val;
    double *sv_coef;
} mz_linmodel;

void mz_linmodel_free(mz_linmodel *m);

/* Serialise a model (linear: W or Wc, rho; rbf: the SVs; probA/B when
 * present; svr: an epsilon_svr file) in libsvm's text format. */
int mz_svmfile_write(const mz_linmodel *m, char **out, size_t *len, mz_err *e);

/* Validate and load; max_index bounds feature indices (vocabulary size). */
int mz_svmfile_parse(const char *text, size_t len, const char *name, size_t max_index,
                     mz_linmodel *out, mz_err *e);

/* dec[npair] for x.  Linear: features beyond nfeat are ignored.  RBF: every
 * entry of x counts in ||x - sv||² (as in libsvm). */
void mz_linmodel_decision(const mz_linmodel *m, const mz_sparse *x, double *dec);

/* RBF: exp(-gamma ||x - sv_s||²), computed as libsvm's k_function does. */
double mz_rbf_kernel(const mz_linmodel *m, size_t s, const mz_sparse *x);

/* Coefficient row of a class-`cls` SV in its pair with class `other`. */
static inline int mz_coef_row(int cls, int other) { return other < cls ? other : other - 1; }

/* Class index (0..nclass-1) by libsvm's one-vs-one vote. */
int mz_linmodel_vote(const mz_linmodel *m, const double *dec);

/* Class probabilities (needs probA/probB). */
void mz_linmodel_probability(const mz_linmodel *m, const double *dec, double *prob);

/* Pair index of classes (i, j), i < j, in libsvm order. */
static inline int mz_pair_index(int k, int i, int j) { return i * (2 * k - i - 1) / 2 + (j - i - 1); }

#endif
