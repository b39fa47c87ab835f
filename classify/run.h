/* run.h — one mizan-classify run's state, shared by the files that read
 * its inputs, answer its batches and end it (main.c).
 *
 * An mz_item is one article on its way through: filled by the input side
 * (inputs.c; stream.c leaves a JSONL line unparsed, for a worker), parsed
 * and answered in a worker (record.h, batch.h), then written and emptied
 * in input order.  An mz_run is the rest: the options, the workers and the
 * batch, the stream being read, what was read already, the output and how
 * the run is going.  While a batch is answered the workers only read the
 * run, and each writes the items it was handed and its own mz_worker. */
#ifndef MZ_CLASSIFY_RUN_H
#define MZ_CLASSIFY_RUN_H

#include <cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

#include "corpus.h"
#include "encoding.h"
#include "engine.h"
#include "strmap.h"
#include "summary.h"

#define MZ_BATCH 512
/* ...or fewer, once the records waiting hold this many bytes: a line may be
 * tens of megabytes (mz_jsonl_line_max), and 512 of them must not be held
 * at once */
#define MZ_BATCH_BYTES ((size_t)64 << 20)

typedef struct mz_item {
    char *id, *title, *text, *target;
    char *target_json; /* a target given otherwise than as a string: its JSON */
    char *source; /* the record's source field (per-source heads), or NULL */
    int source_other; /* the record names a source, but not as a string */
    size_t tlen, len;
    char *error; /* set when the input itself failed (unreadable, bad JSON) */
    char *line;  /* a JSONL record not parsed yet (the workers parse it) */
    char *kept;  /* --keep: the record's kept fields as raw JSON members */
    size_t line_len, lineno;
    int has_id;  /* parsed with an id: takes part in the duplicate check */
    int id_number; /* the id is a JSON number, id its digits as written */
    int oom;       /* memory ran out on it: the run stops (no record is
                    * blamed for the machine's memory) */
    mz_buf out;
    int status;  /* 0 ok, 1 record error */
    cJSON *ans;  /* --summary: out, parsed back by the worker */
} mz_item;

typedef struct mz_dupset mz_dupset;

typedef struct mz_run {
    /* every folder, and every file met in one, read so far, by device and
     * inode, with the path it was first read by: one reached again (a link
     * to a sibling folder, a folder given twice or inside another given
     * one, a hard link) is not answered twice */
    mz_strmap *read;
    char **read_path;
    size_t nread, read_cap;
    mz_worker *w;
    int threads;
    mz_item *items;
    size_t n;
    mz_copts o;
    const char *target_field;
    const char *source_field;  /* the field the bundles' per-source heads read, or NULL */
    int reads_target;          /* a target bundle reads target_field */
    const char *fields[3];     /* a record's id, text and title fields */
    const char *source_given;  /* --source: the source of articles that name none */
    char **keep; /* --keep field names */
    int nkeep;
    const char *keep_as; /* the answer key a single kept field goes under (--summary-by's), or NULL */
    /* the JSONL stream being read: its name, fields, and the ids seen */
    const char *stream;
    mz_fields fl;
    mz_dupset *seen;
    int any_record_error;
    int any_input_error; /* inputs (files, streams) that could not be read whole */
    FILE *out;     /* stdout, or the temporary of --output */
    int write_err; /* errno of the first failed write: the run stops */
    /* where each answer handed to out ends, counted from the run's first
     * byte: every one flushed whole (out_done), then those of the batch
     * being written, so that a file cut by a failed write can be cut back
     * to a whole answer (mz_run_trim) */
    size_t out_done, out_ends[MZ_BATCH + 2];
    int nends;
    int oom;       /* an answer could not be made: the run stops and fails */
    char oom_at[PATH_MAX + 32]; /* the record it was, "file:line" or a file */
    int out_exists;     /* -o FILE exists, as this file: never read as an input */
    int out_stdout;     /* ... or, without -o, the regular file stdout is */
    dev_t out_dev;
    ino_t out_ino;
    mz_decoder *dec;    /* --encoding, or NULL: UTF-8 */
    mz_summary *sum;    /* --summary: answers are counted, not written */
    double batch_t0; /* when the batch's first record arrived */
    size_t batch_bytes; /* the input bytes its records hold */
    /* at a terminal, while the answers go elsewhere: a line of progress */
    int progress;
    size_t answered, failed;
    double shown_ms;
} mz_run;

#endif
