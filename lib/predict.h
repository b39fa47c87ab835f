/* predict.h — scoring one article with a loaded bundle.
 *
 * A predictor is per thread and per bundle: it owns the vectoriser scratch
 * (stemmer, token cache, accumulator) while the bundle itself stays shared
 * and read-only.  Results hold, per head, the pair decision values, the
 * class probabilities (libsvm's Platt coupling) and the predicted class
 * (highest probability, as svm_predict_probability picks it, or highest
 * probability times weight for a head with label weights).
 *
 * Evidence for class c is, per feature present in the article, its value
 * times the slope of c's score along that feature, where c's score is the
 * mean over c's pairs of the decision value oriented towards c.  For a
 * linear head the slope is the primal weight, so this is the contribution
 * that pushed c above the other classes; an RBF head has no weights, and
 * value times slope (gradient times input) is the first-order share of each
 * word in its score: words that make the article resemble c's support
 * vectors more count for c.  It does not add up to the decision value. */
#ifndef MZ_PREDICT_H
#define MZ_PREDICT_H

#include <stddef.h>

#include "bundle.h"
#include "features.h"
#include "tokenize.h"

typedef struct mz_head_result {
    int label;
    double prob[MZ_MAX_CLASSES];
    double dec[MZ_MAX_CLASSES * (MZ_MAX_CLASSES - 1) / 2];
} mz_head_result;

typedef struct mz_evidence {
    const char *term; /* points into the vocabulary */
    double weight;
    int32_t sid;      /* the term's surface id (vocab.surf_id) */
} mz_evidence;

/* Evidence scratch: a context feature's push, by the id it prints as. */
typedef struct mz_ctxpush {
    int32_t sid, i; /* vocab.surf_id; position in x */
    double w;
    int used;       /* added to its article feature's push */
} mz_ctxpush;

typedef struct mz_predictor {
    const mz_bundle *b;
    mz_vectorizer *vz;
    mz_sparse x;
    double *sv_a;    /* rbf evidence scratch: per support vector, its weight */
    size_t *sv_cur;  /* in c's score and a cursor into its features */
    mz_ctxpush *cp;  /* evidence scratch, npw_cap entries each: the context */
    double *pw;      /* features' pushes (cp) and every feature's push (pw) */
    size_t npw_cap;
} mz_predictor;

mz_predictor *mz_predictor_new(const mz_bundle *b, mz_err *e);
void mz_predictor_free(mz_predictor *p);

/* Vectorise d (ctx/extras as for mz_vectorize) into p->x. */
int mz_predictor_vectorize(mz_predictor *p, const mz_doc *d, const uint8_t *ctx,
                           const mz_extra *ex, size_t nex, mz_err *e);

/* The same through a union of vocabularies (features.h): ud built on d,
 * p's vocabulary its member `member`. */
int mz_predictor_vectorize_member(mz_predictor *p, const mz_unidoc *ud, size_t member, const mz_doc *d,
                                  const uint8_t *ctx, const mz_extra *ex, size_t nex, mz_err *e);

/* 1 when a feature of p->x is a word of the vocabulary (an n-gram of
 * stems, plain or of the target's sentences, or a character n-gram), as
 * opposed to the pseudo-terms a text has whatever its words (punctuation,
 * mention counts, cue counts): 0 when the head would answer from those and
 * its bias alone. */
int mz_predictor_knows_words(const mz_predictor *p);
/* The same for a row x of vocabulary v (training's and evaluate's rows,
 * which count the texts the classifier would refuse so). */
int mz_row_knows_words(const mz_vocab *v, const mz_sparse *x);

/* For a bundle with an auxiliary head: predict it on p->x and append its
 * class probabilities (times the bundle's scale) as the features fid[c],
 * exactly as training did with out-of-fold probabilities.  No-op without
 * an auxiliary head; -1 on out-of-memory. */
int mz_predict_aux(mz_predictor *p);
int mz_aux_augment(const mz_bundle *b, mz_sparse *x);
int mz_aux_append(mz_sparse *x, const double *prob, int k, const int32_t *fid, double scale);

/* Score head h on p->x. */
void mz_predict_head(const mz_predictor *p, const mz_head *h, mz_head_result *r);

/* The class whose prob[c] × lw[c] is highest (lw NULL: the most probable),
 * the first on ties: the rule mz_predict_head applies and training's CV
 * figures are computed with. */
int mz_pick_label(const double *prob, const double *lw, int k);

/* Three-way stance label (0 critical, 1 neutral, 2 favourable) from class
 * probabilities and per-class cut-offs chosen on cross-validation: the rare
 * classes win as soon as their probability passes their cut-off (the larger
 * margin when both do), which argmax alone almost never lets them do.  A
 * cut-off <= 0 means plain argmax. */
int mz_stance_label(const double *p, double tcrit, double tfav);

/* The stance score in [−1, 1] by method (bundle.h mz_score_method) from the
 * class probabilities p (critical, neutral, favourable) and the SVR
 * prediction svr on the −2..2 scale (ignored by MZ_SCORE_PROB). */
double mz_stance_score(int method, const double *p, double svr);

/* The labels of a multilabel bundle for one text, from the k binary
 * heads' probabilities p and, if the bundle has a primary head, that
 * head's class probabilities pm (NULL: none).  The primary is the argmax
 * of w·pm + (1 − w)·p/Σp (of p alone without pm): the multiclass head knows
 * which frame leads, the binary ones only whether each is present.  Every
 * other label whose p reaches thr[label] joins, the most probable first,
 * until there are max_labels (0: no cap).  chosen[0..k-1] gets 1 for the
 * labels picked, 0 otherwise; returns the primary.  Ties go to the lower
 * index. */
int mz_multilabel_select(size_t k, const double *p, const double *pm, double w, const double *thr, int max_labels,
                         unsigned char *chosen);
/* The labels chosen[] picks in a reader's order, into rank[] (room for k),
 * returning how many: the primary, then the others most probable first by
 * p (ties in label order), as answers and records list them. */
size_t mz_multilabel_rank(size_t k, size_t primary, const unsigned char *chosen, const double *p, size_t *rank);

/* Top-k evidence for class c of head h on p->x; returns how many. Positive
 * weights push towards c; with signed = 1 the k largest |weight| are kept
 * (for stance, where the words against matter too).  Features that print
 * alike (a word in the article and in the target's context) are one term,
 * their pushes added.  Uses p's scratch: not concurrently on one p. */
size_t mz_head_evidence(mz_predictor *p, const mz_head *h, int c, size_t k, int signed_, mz_evidence *out);

/* What a linear head has learnt: the k word features (article or context)
 * of vocabulary v weighing most toward class c, the weights evidence
 * multiplies by an article's values, strongest first, ties to the lower
 * feature.  out[i].sid is here the feature's own index (0-based), not its
 * surface id: a listing keeps a word's article and context features apart.
 * 0 for an RBF or SVR head. */
size_t mz_head_top_terms(const mz_vocab *v, const mz_linmodel *m, int c, size_t k, mz_evidence *out);

#endif
