/* features.h — vocabulary, n-grams, TF-IDF and L2: bag-of-words vectors.
 *
 * Terms are the stems of non-stopword tokens (stem.h, stopwords.h).  From a
 * term sequence the features are:
 *   'u' unigrams, 'b' bigrams, 't' trigrams (up to ngram_max, never crossing
 *       a sentence boundary; stopwords are removed first, so "وزير خارجية
 *       روسيا" and "وزير الخارجية في روسيا" share the bigram);
 *   'c' unigrams and 'd' bigrams of the sentences around a target's mentions
 *       (context features, stance heads only), kept apart from the article's;
 *   'x' named pseudo-terms supplied by the caller (e.g. mention counts);
 *   'g' character n-grams (char_min..char_max code points) of each
 *       non-stopword token padded with a space on both sides, before
 *       stemming — robust to the clitics and inflections a light stemmer
 *       leaves, which is where Arabic topic words vary most.
 * A feature's value is tf' * idf, tf' = 1 + ln(tf) when sublinear, where tf
 * counts title tokens title_weight times; idf = ln((1+N)/(1+df)) + 1; the
 * vector is then L2-normalised, words and 'g' n-grams as two blocks of
 * equal weight.  Feature indices are 1-based, as libsvm and
 * liblinear expect, and vectors are sorted by index.
 *
 * A vocabulary is immutable once built or loaded and may be shared by any
 * number of threads; each thread vectorises through its own mz_vectorizer,
 * which holds the stemmer, a token→term cache (bounded, cleared when full so
 * memory stays flat on endless streams) and an accumulator. */
#ifndef MZ_FEATURES_H
#define MZ_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "stem.h"
#include "stopwords.h"
#include "strmap.h"
#include "tokenize.h"

typedef struct mz_featopts {
    int ngram_max;       /* 1..3 */
    int stem;            /* Snowball light stemming on/off */
    int stopwords;       /* drop stopwords (the list travels with the model) */
    int sublinear;       /* tf' = 1 + ln tf */
    double title_weight; /* count of a title token; 0 ignores the title */
    int context;         /* emit 'c'/'d' context features (stance heads) */
    int window;          /* sentences either side of a mention in the context */
    int min_df;          /* keep features seen in at least this many documents */
    double max_df;       /* ...and in at most this fraction of them */
    int max_features;    /* keep the most frequent word features (by df); 0 = all */
    int char_min, char_max;   /* character n-grams; 0 = off */
    int char_max_features;    /* cap for 'g' features, as max_features */
    int punct;                /* 'x' pseudo-terms "@p:<char>" counting punctuation */
} mz_featopts;

void mz_featopts_default(mz_featopts *o);

typedef struct mz_vocab {
    mz_featopts opt;
    mz_stopwords sw;
    mz_strmap *stems;  /* stem → stem id (value: unused) */
    mz_strmap *feats;  /* binary key → feature index 0-based (entry order) */
    double *idf;       /* per feature */
    char **surface;    /* per feature, printable term for evidence */
    int32_t *surf_id;  /* per feature, equal for equal surfaces (a word's
                        * article and context features print alike) */
    size_t nfeat;
    size_t ndocs;      /* training documents the idf came from */
    char *kind;        /* per feature, its kind ('u', 'b', 'g', 'x', ...): the
                        * first byte of its key, kept where the hot path reads it */
    /* Lookup indexes derived from feats (mz_vocab_index), for the hot path:
     * per stem its 'u' and 'c' feature (-1 if none), and 'b'/'d' bigrams
     * in an integer-keyed table. */
    int32_t *ufid, *cfid;
    size_t nstems;
    struct mz_pairtab *bt, *dt;
} mz_vocab;

void mz_vocab_free(mz_vocab *v);
/* Derive feature kinds and lookup indexes from the feature keys (done by
 * building and parsing; needed again only if feats is changed by hand). */
int mz_vocab_index(mz_vocab *v);
/* Append a named 'x' feature (idf 1) that the pipeline never emits, for
 * values the caller sets itself; returns its 0-based index or -1. */
int64_t mz_vocab_add_named(mz_vocab *v, const char *name);
/* The name of an auxiliary head's feature for its class `label`: "@aux:"
 * and the label, with the bytes a vocabulary line cannot hold (space, tab,
 * control) as '_', so "Sky News" stays loadable.  Training and loading
 * both name it here.  0, or -1 when it does not fit in n bytes. */
int mz_aux_feature_name(const char *label, char *out, size_t n);

/* Sparse vector; idx are 1-based and increasing. */
typedef struct mz_sparse {
    int32_t *idx;
    double *val;
    size_t n, cap;
} mz_sparse;

void mz_sparse_free(mz_sparse *s);
/* Room for n entries in s (capacity doubles); -1 on out-of-memory. */
int mz_sparse_reserve(mz_sparse *s, size_t n);

/* Extra named pseudo-terms for one document. */
typedef struct mz_extra {
    const char *name;
    double count;
} mz_extra;

typedef struct mz_vectorizer mz_vectorizer;

mz_vectorizer *mz_vectorizer_new(const mz_vocab *v, mz_err *e);
void mz_vectorizer_free(mz_vectorizer *z);

/* ctx: per-sentence flags (1 = context sentence) or NULL; extras may be
 * NULL/0.  Writes the document's TF-IDF/L2 vector into out. */
int mz_vectorize(mz_vectorizer *z, const mz_doc *d, const uint8_t *ctx,
                 const mz_extra *extras, size_t nextra, mz_sparse *out, mz_err *e);

/* ---- one index for the vocabularies of bundles classified together ----
 * Vocabularies that turn an article into the same term sequence (the same
 * stopwords dropped, stemmed alike) and emit only unigrams and bigrams,
 * plain or of the context, can share one index: one stem table and one pair
 * table, each entry holding every member's feature ids.  An article's terms
 * and pairs are then looked up once for all members (mz_unidoc_build), and
 * each member's vector is summed from its columns (mz_vectorize_member),
 * with the occurrences of mz_vectorize in its order: the same doubles.  The
 * vocabularies must outlive the union; a unidoc is per thread. */
typedef struct mz_vocab_union mz_vocab_union;
typedef struct mz_unidoc mz_unidoc;

/* 1 when a and b may be members of one union. */
int mz_vocab_union_fits(const mz_vocab *a, const mz_vocab *b);
/* v[0..n), each fitting v[0]; member m is v[m]. */
mz_vocab_union *mz_vocab_union_new(const mz_vocab *const *v, size_t n, mz_err *e);
void mz_vocab_union_free(mz_vocab_union *u);

mz_unidoc *mz_unidoc_new(const mz_vocab_union *u, mz_err *e);
void mz_unidoc_free(mz_unidoc *ud);
/* Look d's terms up for every member (d as given to mz_vectorize, its
 * tokens numbered by d->lex or not). */
int mz_unidoc_build(mz_unidoc *ud, const mz_doc *d, mz_err *e);
/* mz_vectorize(z, d, ...) for z's vocabulary, member `member` of ud's
 * union, from ud built on d. */
int mz_vectorize_member(mz_vectorizer *z, const mz_unidoc *ud, size_t member, const mz_doc *d, const uint8_t *ctx,
                        const mz_extra *extras, size_t nextra, mz_sparse *out, mz_err *e);

/* ---- building a vocabulary (training) ----
 * Documents are first reduced to term sequences, in parallel; then the
 * vocabulary is fitted once over all of them in document order, which keeps
 * it deterministic whatever the thread count. */
typedef struct mz_termdoc {
    int32_t *term;      /* term ids (into the builder's stem table) */
    int32_t *tok;       /* token ids (builder's token table), for 'g' */
    uint32_t *sent;     /* sentence of each term */
    uint8_t *ctx;       /* per-sentence context flags, or NULL */
    size_t nterm, nsent, ntitle_terms;
    mz_extra *extras;   /* owned copies of names */
    size_t nextra;
} mz_termdoc;

typedef struct mz_vocab_builder mz_vocab_builder;

mz_vocab_builder *mz_vocab_builder_new(const mz_featopts *o, const mz_stopwords *sw, mz_err *e);
void mz_vocab_builder_free(mz_vocab_builder *b);

/* Per-thread reducer from mz_doc to a list of stem strings (no shared state). */
typedef struct mz_termizer mz_termizer;
mz_termizer *mz_termizer_new(const mz_featopts *o, const mz_stopwords *sw, mz_err *e);
void mz_termizer_free(mz_termizer *t);
/* The termizer's token lexicon.  A document built with it (d->lex) has its
 * tokens numbered while it is built, their lookups prefetched a few tokens
 * ahead, and mz_termize() then reads each token's stem by that number;
 * any other document is looked up token by token. */
mz_lexicon *mz_termizer_lexicon(mz_termizer *t);

/* A document as stems in a private encoding, safe to build in any thread. */
typedef struct mz_stemdoc {
    char *buf;          /* NUL-separated stem, then its surface form */
    size_t len;
    uint64_t *hash;     /* mz_hash_bytes of each surface form, computed
                         * here so the sequential builder need not */
    uint32_t *sent;
    size_t nterm, nsent, ntitle_terms;
    uint8_t *ctx;
    mz_extra *extras;
    size_t nextra;
} mz_stemdoc;

int mz_termize(mz_termizer *t, const mz_doc *d, const uint8_t *ctx,
               const mz_extra *extras, size_t nextra, mz_stemdoc *out, mz_err *e);
void mz_stemdoc_free(mz_stemdoc *s);

/* Sequential, in document order: intern a stemdoc's terms (frees nothing). */
int mz_vocab_builder_add(mz_vocab_builder *b, const mz_stemdoc *s, mz_termdoc *out, mz_err *e);

/* Count document frequencies over all docs, prune, and produce the final
 * vocabulary (the builder's stopwords are copied into it). */
int mz_vocab_builder_finish(mz_vocab_builder *b, const mz_termdoc *docs, size_t ndocs,
                            mz_vocab *out, mz_err *e);

/* Vectorise an interned training document against the finished vocab. */
int mz_vectorize_termdoc(const mz_vocab_builder *b, mz_vectorizer *z, const mz_termdoc *d,
                         mz_sparse *out, mz_err *e);
void mz_termdoc_free(mz_termdoc *d);

/* A vocabulary line's term or name is bad: empty, or holding a control
 * byte or a space (the file's separators). */
int mz_vocab_bad_term(const char *s, size_t n);

#endif
