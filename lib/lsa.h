/* lsa.h — latent semantic features: what an article is about, in a few
 * hundred numbers learned from unlabelled text.
 *
 * A bundle's vocabulary knows the words its labelled corpus used; a
 * truncated SVD of many more, unlabelled articles learns which of those
 * words go together, so two texts on one subject in different words end up
 * near each other.  Fitted once at
 * training time over the unigram ('u') columns of the unlabelled articles'
 * own feature rows (TF-IDF and L2 as for any article of the bundle); V holds
 * the top `dims` right singular vectors, one row per unigram feature that
 * occurs in them (the others have no row and add nothing).
 *
 * An article's block: z = x_u · V over its unigram features, scaled to
 * length `weight` and appended as the features base+1 .. base+dims, which
 * are named "@lsa:0" .. in the vocabulary (idf 1, never emitted by the
 * pipeline) and come after every other feature but an auxiliary head's.
 * Training and classification append through the same function and the
 * same float values of V (training rounds V to float before using it), so
 * a text's row is the same bytes in both.
 *
 * The fit is deterministic for a given corpus, vocabulary, dims and seed,
 * whatever the thread count: every sum runs in a fixed order.
 *
 * File (lsa.bin, little-endian): the 8 bytes "MZLSA1\n\0", dims and nrow
 * as uint32, nrow increasing 0-based feature indices (uint32, each a 'u'
 * feature of the vocabulary), then nrow × dims float32, row by row.  A
 * file of any other size, or with a value that is not finite or outside
 * [-1, 1] (V's columns have unit length), is refused. */
#ifndef MZ_LSA_H
#define MZ_LSA_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "features.h"

#define MZ_LSA_MAX_DIMS 1000

typedef struct mz_lsa {
    uint32_t dims, nrow;
    uint32_t *feat;   /* per row: its 0-based vocabulary feature */
    float *V;         /* nrow × dims */
    int32_t *row_of;  /* per vocabulary feature: its row, or -1 */
    size_t nfeat;     /* length of row_of */
    size_t base;      /* 0-based vocabulary index of "@lsa:0" */
    double weight;    /* length of an article's block */
} mz_lsa;

/* Fit on n feature rows of vocabulary v (1-based sorted indices); seed
 * draws the starting subspace.  The block's features are not added to v
 * here (mz_lsa_name_features does it).  Fails, saying why, when the rows
 * or the unigram columns are too few for dims. */
int mz_lsa_fit(mz_lsa *l, const mz_vocab *v, const mz_sparse *rows, size_t n, int dims, double weight,
               unsigned long seed, int threads, int quiet, mz_err *e);

/* Add the named features "@lsa:0" .. to v (after every other) and set
 * l->base; the caller then appends blocks. */
int mz_lsa_name_features(mz_lsa *l, mz_vocab *v, mz_err *e);

/* Append the article's block to x, whose indices must all be <= base
 * (nothing but aux features come later).  A text without a unigram with a
 * row gets no block.  -1 on out-of-memory. */
int mz_lsa_append(const mz_lsa *l, mz_sparse *x);

int mz_lsa_write(const mz_lsa *l, char **data, size_t *len, mz_err *e);
/* Parse and check a file against the loaded vocabulary; weight comes from
 * the manifest. The "@lsa:j" features must be in v, consecutive. */
int mz_lsa_parse(mz_lsa *l, const mz_vocab *v, const char *data, size_t len, double weight, const char *name,
                 mz_err *e);
void mz_lsa_free(mz_lsa *l);

#endif
