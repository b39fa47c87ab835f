/* args.h — mizan-classify's command line.
 *
 * Parsing only: nothing is opened or loaded here, so every usage error is
 * found before any work, and main decides what to print.  Errors follow
 * err.h; "help" and "version" come back as errors of those exact texts,
 * for main to answer on stdout with status 0. */
#ifndef MZ_CLASSIFY_ARGS_H
#define MZ_CLASSIFY_ARGS_H

#include <stddef.h>

#include "engine.h"

typedef struct mz_classify_args {
    mz_copts o;               /* what the engine needs per article */
    int jsonl;                /* every input is a JSONL stream */
    int threads;              /* -j (default: all cores) */
    int list;                 /* --list-models instead of reading articles */
    size_t terms;             /* --terms K: the listing's K strongest words per label */
    int terms_given;          /* --terms was given (0 included) */
    int summary;              /* --summary: one account of all the answers */
    const char *summary_by;   /* --summary-by F: and one per value of field F */
    const char *target_field; /* JSONL field naming a record's target */
    const char *fields[3];    /* --id-field, --text-field, --title-field, or NULL (the bundles') */
    const char *source;       /* --source: the source of articles that name none */
    const char *output;       /* -o FILE, or NULL for stdout */
    const char *keep;         /* --keep's comma-separated names, or NULL */
    const char *encoding;     /* --encoding of the inputs, or NULL for UTF-8 */
    const char **inputs;      /* files, folders, "-" (at least one) */
    int ninputs;
    const char **models;      /* --models folders, in order (may be none) */
    size_t nmodels;
} mz_classify_args;

extern const char mz_classify_usage[];

int mz_classify_args_parse(mz_classify_args *a, int argc, char **argv, mz_err *e);
void mz_classify_args_free(mz_classify_args *a);

#endif
