/* corpus.h — labelled corpora and JSON records, the trainer's input.
 *
 * Three layouts are read, chosen by what the path is:
 *   - a directory: one sub-directory per label, each holding *.txt files
 *     (one article per file; DIR/<label>/<name>.txt);
 *   - a file ending in .tsv: `label<TAB>text` per line;
 *   - anything else: JSONL, one object per line, with configurable field
 *     names for text, title (optional), label and id.
 * A record's label is kept as JSON (string, list of strings, number or
 * null) and interpreted by the head being trained, so one reader serves
 * topic, multi-label frames and stance scales.  Every record's text must be
 * valid UTF-8, non-empty and under the size limit; errors name file:line
 * (or the file for folder corpora).  Lines that are blank are skipped.
 * Corpora in another encoding are decoded as they are read (fields.dec),
 * each file by its byte-order mark if it has one: JSONL and TSV a line at
 * a time in an encoding that keeps ASCII, else whole (encoding.h's
 * mz_text_open: a spreadsheet's UTF-16 "Unicode text"); a folder's files
 * whole. */
#ifndef MZ_CORPUS_H
#define MZ_CORPUS_H

#include <cJSON.h>
#include <stddef.h>

#include "encoding.h"
#include "err.h"

#define MZ_FIELDS_ALSO 3

typedef struct mz_fields {
    const char *id, *text, *title, *label;
    const char *raw;   /* a field also kept as written (mz_record.raw), or NULL */
    /* other fields the caller reads from mz_record.obj (a target, an
     * outlet), or NULL: refused when given twice, as the ones above are */
    const char *also[MZ_FIELDS_ALSO];
    size_t max_text;   /* bytes; longer texts are an error */
    mz_decoder *dec;   /* the corpora's encoding when not UTF-8, else NULL;
                        * used by one reader at a time (encoding.h) */
    int unlabelled;    /* texts without labels (--lsa-corpus): a folder's
                        * subfolders are not labels, and may be empty */
} mz_fields;

void mz_fields_default(mz_fields *f);

/* 0 when the text, title and label fields f names are distinct fields (a
 * NULL one, none), else -1 with e saying which two are one. */
int mz_fields_distinct(const mz_fields *f, mz_err *e);

/* The longest JSONL line read for records whose text and title may each
 * hold max_text bytes: six times that plus 64 KiB for the other fields, as
 * a writer that escapes every non-ASCII character (Python's json.dumps)
 * spends six bytes on each two-byte Arabic letter.  Saturates at SIZE_MAX. */
size_t mz_jsonl_line_max(size_t max_text);

typedef struct mz_record {
    char src[4096];
    size_t line;
    char *id;
    int id_number;            /* the id is a JSON number: id holds it as written */
    const char *title, *text; /* point into obj or owned buffers */
    size_t title_len, text_len;
    cJSON *obj;               /* the record as JSON (synthesised for TSV/dir) */
    const cJSON *label;       /* obj's label field, or NULL when absent */
    char *raw;                /* JSONL: the fields' raw member as written, or NULL */
    int made;                 /* TSV or folder: obj made here, with no fields of the
                               * corpus's own (its id is a line number or a path) */
} mz_record;

void mz_record_free(mz_record *r);

/* Parse one JSON line; `what` distinguishes training (label required
 * elsewhere) from classification.  Errors are "src:line: ...". */
int mz_record_parse_json(const char *line, size_t len, const char *src, size_t lineno,
                         const mz_fields *f, mz_record *out, mz_err *e);

/* Validate a text field's bytes (UTF-8, non-empty, size); whether it holds
 * words is for the tokeniser to tell.
 * Bytes that are not UTF-8 but read as Arabic in a code page get the
 * --encoding to use in the message (encoding.h's mz_hint_encoding), here
 * and for a JSON line. */
int mz_check_text(const char *s, size_t n, size_t max, const char *what, mz_err *e);

typedef int (*mz_record_fn)(void *arg, const mz_record *r, mz_err *e);

/* Read every record of a corpus in file order (directories: labels and
 * files sorted by name), calling fn for each; stops at the first error. */
int mz_corpus_read(const char *path, const mz_fields *f, mz_record_fn fn, void *arg, mz_err *e);

/* A folder corpus's digest: SHA-256 over one line per article the reader
 * takes (each regular file DIR/LABEL/NAME.txt, in its order), "LABEL/NAME
 * <the file's SHA-256>", so that a renamed, moved, added or edited article
 * changes it; *bytes sums the articles' sizes.  unlabelled: as
 * mz_fields.unlabelled. */
int mz_corpus_folder_digest(const char *dir, int unlabelled, char hex[65], long long *bytes, mz_err *e);

#endif
