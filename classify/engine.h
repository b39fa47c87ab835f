/* engine.h — the classifier's per-article work, shared by every input mode.
 *
 * An mz_models is every bundle found under the models directories, loaded
 * once (bundles in parallel, each from its own bytes: libsvm's
 * non-reentrant loader is never used) and then shared read-only.  An mz_worker is one
 * thread's scratch: normaliser, document, one predictor per bundle and one
 * target matcher per stance bundle.  mz_classify_one() turns one article
 * into one complete JSON (or text, or TSV) record in the worker's buffer; failures
 * of the article itself become {"id": ..., "error": ...} records. */
#ifndef MZ_CLASSIFY_ENGINE_H
#define MZ_CLASSIFY_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "jsonout.h"
#include "predict.h"
#include "targets.h"
#include "tokenize.h"

/* Output groups, in the order an article's record lists them. */
enum { MZ_GROUP_MULTICLASS, MZ_GROUP_MULTILABEL, MZ_GROUP_STANCE, MZ_GROUP_TARGET, MZ_NGROUPS };

typedef struct mz_models {
    mz_bundle *b;
    size_t n;
    mz_targets *tg; /* per bundle: parsed lexicon of stance bundles */
    int *group;     /* per bundle: its MZ_GROUP_*, from its kind */
    const char *source_field; /* the record field every bundle with per-source
                               * heads reads the source from (NULL: none has) */
    mz_vocab_union *un; /* the vocabularies of two or more bundles that can
                         * share their lookups (features.h), or NULL */
    int *member;        /* per bundle: its member index in un, or -1 */
} mz_models;

/* Every bundle of dirs[0..ndirs), in that order: a directory holding
 * manifest.json is one bundle, any other its bundle subdirectories in
 * name order.  Refused, naming both directories: two bundles whose answers
 * would share a key of the output record (two of one name, two stance
 * bundles of one target), or a name the record itself uses; and two
 * bundles whose per-source heads read the source from different fields. */
int mz_models_load(mz_models *m, const char *const *dirs, size_t ndirs, mz_err *e);
void mz_models_free(mz_models *m);

/* The JSONL fields of a record's id, text and title (out[0..2]): given[k]
 * where not NULL, else the one every bundle was trained to read (manifest
 * "fields"; "id", "text", "title" for a bundle that records none), so that
 * a bundle trained on {"body": ...} reads "body" as evaluate does; out[2] is
 * NULL (no title) for bundles trained without one ("title": null).  Refused
 * when bundles read one from different fields and none is given. */
int mz_models_fields(const mz_models *m, const char *const given[3], const char *out[3], mz_err *e);

/* The JSONL field target bundles read a record's target from: given when
 * not NULL, else the one they were trained on (manifest "target_field"),
 * else "target".  Refused when target bundles disagree and none is given. */
int mz_models_target_field(const mz_models *m, const char *given, const char **out, mz_err *e);

/* The key bundle i answers under: its name at the top of the record, or,
 * for a stance bundle, its target within "stance". */
const char *mz_models_answer_key(const mz_models *m, size_t i);

/* 1 when key is a top-level key of an article's record with these bundles
 * (id, stance, truncated, error, or a bundle's answer), so no input field
 * may be kept under it. */
int mz_models_key_taken(const mz_models *m, const char *key);

typedef struct mz_copts {
    int text_format;  /* --format text */
    int tsv;          /* --format tsv: a header, then one row per article */
    size_t tsv_cols;  /* the bundles' columns of a row (mz_models_tsv_header) */
    size_t tsv_kept;  /* --keep's columns: a record without them gets empty cells */
    size_t explain;   /* evidence terms per head */
    size_t max_bytes; /* article size limit */
    size_t max_tokens;
    const char *target_field; /* where a record names its target, for messages */
} mz_copts;

typedef struct mz_worker {
    const mz_models *m;
    const mz_copts *o;
    mz_normalizer *nz;
    mz_lexicon lex;
    mz_doc doc;
    mz_predictor **pred;
    mz_unidoc *ud;  /* the article looked up in m->un (NULL without one) */
    int ud_built;   /* ud holds the current article */
    mz_matcher **match;
    uint8_t *hit, *ctx;
    size_t scap;
    mz_buf out;
    char errmsg[MZ_ERR_MAX]; /* the plain message of the last failed record */
    int oom;                 /* that failure was memory running out */
    /* set per record by the caller: the input fields kept in the answer, as
     * raw JSON members each led by ", " and written after the id (TSV:
     * cells each led by a tab; text output: none), or NULL */
    const char *kept;
    /* set per record by the caller: the article's source (its outlet), which
     * picks a bundle's per-source head when it has one for it, or NULL */
    const char *source;
    /* set per record by the caller: a target the record gives otherwise
     * than as a string (a number), as JSON, which no head is named by, or
     * NULL */
    const char *target_json;
    /* set per record by the caller: the stream and line of a record read
     * from one, which lead its error messages as they lead the reader's,
     * or NULL (a file's id is its path already); formatted only for an
     * error */
    const char *stream;
    size_t line;
    /* set per record by the caller: the id is a JSON number (its digits as
     * written), which the answer gives back as a number */
    int id_number;
} mz_worker;

int mz_worker_init(mz_worker *w, const mz_models *m, const mz_copts *o, mz_err *e);
void mz_worker_free(mz_worker *w);

/* Classify one article into w->out (one line, newline-terminated).
 * Returns 0 on success, 1 when the record was answered with an error. */
/* target: the record's stance target for "target" bundles (may be NULL).
 * checked: text and title already passed mz_check_text (a parsed JSONL
 * record), so they are not scanned again. */
int mz_classify_one(mz_worker *w, const char *id, const char *title, size_t tlen, const char *text, size_t len,
                    const char *target, int checked);

/* An error record for input that never became an article; id_number and
 * kept as in mz_worker (kept may be NULL). */
void mz_error_record(mz_buf *b, const char *id, int id_number, const char *kept, const char *msg, const mz_copts *o);

/* --format tsv: the header row (id, the kept fields, each bundle's columns
 * in the order of a JSON record, truncated, error) into b; returns the
 * bundles' column count, for mz_copts.tsv_cols.  A cell never holds a tab
 * or a line break (each becomes a space), so rows need no quoting. */
size_t mz_models_tsv_header(const mz_models *m, char *const *keep, int nkeep, mz_buf *b);

#endif
