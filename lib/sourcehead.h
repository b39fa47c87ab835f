/* sourcehead.h — per-source heads: a multiclass head that knows where an
 * article comes from.
 *
 * Outlets file the same story under different labels (one files a Gulf
 * summit under international news, another under the Middle East), which a
 * head over words alone cannot express.  A bundle trained with
 * --source-field keeps its plain head, which answers articles of any other
 * source or none, and adds a second-stage head over
 *
 *     z = [scale · s(x),  x's kept features copied into its source's block]
 *
 * where s(x) are the plain head's class scores centred on their mean, read
 * off its pair decisions (s_c = (1/k) Σ_j ±dec(c, j), + when c < j), and
 * the kept features are the K the plain head weighs most, kept[0..K)
 * in increasing order: source d's block holds kept[j] at index
 * k + d·K + j + 1.  Trained on the plain head's out-of-fold scores, it
 * learns what each source does differently from the plain head's opinion.
 * On disk it is an ordinary libsvm model file over that index space, and
 * the bundle lists the kept features.
 *
 * Everything in z is linear in x, so for each source the two stages
 * collapse into one linear head over x, with the second stage's Platt
 * sigmoids: mz_source_combine builds them when a bundle loads.  The
 * scores' share of their weights is the same for every source, so they
 * share it and each adds its own block's K features.  An article of a
 * known source then costs what one of any other source costs, and its
 * evidence is read off the combined weights as any head's is. */
#ifndef MZ_SOURCEHEAD_H
#define MZ_SOURCEHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "features.h"
#include "svmfile.h"

/* 1 when s can name a source in a bundle: 1..255 bytes, no control
 * character (reports print it).  Training treats any other value as no
 * source; loading refuses a bundle listing one. */
int mz_source_name_ok(const char *s);

/* Centred class scores s[0..k-1] from k-class pair decisions dec (libsvm's
 * pair order). */
void mz_centred_scores(int k, const double *dec, double *s);

/* slot[f] for f in 1..nfeat: the position of feature f among the K kept
 * ones, or -1 (slot[0] is -1).  NULL on out-of-memory. */
int32_t *mz_source_slots(const int32_t *kept, size_t K, size_t nfeat);

/* The second stage's row of an article into out (reset first): scale·s as
 * features 1..k, then, when d >= 0, every feature f of x (1-based, f <=
 * nfeat) with slot[f] >= 0 at k + d·K + slot[f] + 1.  -1 on out-of-memory. */
int mz_source_row(const mz_sparse *x, const double *s, int k, double scale, int d, const int32_t *slot, size_t nfeat,
                  size_t K, mz_sparse *out);

/* out[0..nsrc-1]: per source, the linear head over features 1..nfeat that
 * gives the second stage's decisions on the row mz_source_row builds from
 * the plain head's scores (to rounding), with the second stage's labels
 * and sigmoids.  Both heads linear with probabilities, over the same
 * classes; stage2 indexes k + nsrc·K features at most.  The heads share
 * one set of weights, the plain scores' share, which out[0] owns (free it
 * last); each adds its block's weights (svmfile.h dslot/dval) from *dval,
 * which the caller frees after them, and reads slot, which the caller
 * keeps as long. */
int mz_source_combine(const mz_linmodel *plain, const mz_linmodel *stage2, int nsrc, const int32_t *slot,
                      size_t nfeat, size_t K, double scale, mz_linmodel *out, double **dval, mz_err *e);

#endif
