/* trainset.h — the labelled collection and its feature vectors.
 *
 * mz_collection_load() reads every --corpus in order into memory (texts,
 * titles, raw JSON labels, optional target field), then every --train-only
 * corpus after them, and records each corpus' size, record count and
 * SHA-256 for the manifest.  mz_featurize() runs the
 * article pipeline over the collection in parallel and fits the vocabulary
 * in document order, so the result is identical for any --threads.
 * mz_train() and mz_evaluate() are the two commands built on them. */
#ifndef MZ_TRAINSET_H
#define MZ_TRAINSET_H

#include <cJSON.h>

#include "args.h"
#include "features.h"
#include "targets.h"

typedef struct mz_collection {
    size_t n, cap;
    char **title, **text, **target, **aux, **where;
    char **source; /* --source-field's value, or NULL (none, or not asked) */
    char **id; /* the record's id (--id-field; a TSV line's number, a file's name), or NULL */
    char **group; /* evaluate --by: the field's value as text, or NULL (absent, null or "") */
    cJSON **label;
    const char *label_field; /* the field labels are read from, for messages */
    size_t nscored; /* documents of --corpus; those of --train-only follow them */
    int32_t *same;  /* per scored document, the earlier one whose text (for the same target) it
                     * repeats, else -1; NULL when none repeats (mz_trainset's) */
    size_t with_title, with_id; /* records holding the title and id fields (any value) */
    size_t with_fields;         /* records of JSONL corpora, which can hold those fields */
    cJSON *corpora; /* [{path, bytes, records, sha256[, train_only]}] */
} mz_collection;

int mz_collection_load(mz_collection *c, const mz_train_args *a, mz_err *e);
void mz_collection_free(mz_collection *c);
/* Remove from u, in place and keeping the order of the rest, every record
 * whose text is one of c's scored texts; *dropped counts them. */
int mz_collection_drop_scored(mz_collection *u, const mz_collection *c, size_t *dropped, mz_err *e);

/* Build vocab (when fit != 0) or use the given one, and vectorise all
 * documents.  target may be NULL (no context features); cues, the lexicon
 * holding the optional "@critical"/"@favourable" cue lists, may be NULL. mentions (may be
 * NULL) receives per-document mention counts. */
int mz_featurize(const mz_collection *c, const mz_featopts *o, const mz_stopwords *sw, const mz_target *target,
                 const mz_targets *cues, int threads, int quiet, int fit, mz_vocab *vocab, mz_sparse **rows, long **mentions, mz_err *e);

/* Warn (on stderr, --quiet or not: the figures count them) when rows of
 * the first n records hold no word of vocab v, only pseudo-terms: the
 * classifier answers such a text with an error, while training's
 * cross-validation and evaluate score it from the heads' bias alone.
 * mentions (a stance bundle's, or NULL): only texts that name the target
 * count, as a stance bundle answers the others as not naming it.  `what`
 * names the records ("scored texts", "held-out records"). */
/* Whether the scored records y selects (y[i] >= 0; y NULL: all of them)
 * fill `folds` cross-validation folds: else some would be empty, and the
 * manifest would record folds that were not there.  A copy goes in its
 * original's fold, so distinct texts count.  `of` ends the message (""
 * or " of target \"NAME\""). */
int mz_folds_filled(const mz_collection *c, const int *y, int folds, const char *of, mz_err *e);

void mz_warn_wordless(const mz_collection *c, const mz_vocab *v, const mz_sparse *rows, size_t n,
                      const long *mentions, const char *what);

int mz_train(const mz_train_args *a, mz_err *e);
int mz_evaluate(const mz_train_args *a, mz_err *e);

#endif
