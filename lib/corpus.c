/* corpus.c — see corpus.h. */
#include "corpus.h"

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "jsonscan.h"
#include "linereader.h"
#include "parallel.h"
#include "sha256.h"
#include "utf8.h"

void mz_fields_default(mz_fields *f)
{
    f->id = "id";
    f->text = "text";
    f->title = "title";
    f->label = "label";
    f->raw = NULL;
    for (int k = 0; k < MZ_FIELDS_ALSO; k++) f->also[k] = NULL;
    f->max_text = 4u << 20;
    f->unlabelled = 0;
    f->dec = NULL;
}

int mz_fields_distinct(const mz_fields *f, mz_err *e)
{
    /* one field in two roles: a title that is the text reads it twice, and
     * a text or title that is the label puts the answer in the article,
     * and the figures measured on it would be the label's own */
    const char *role[] = {"text", "title", "label"}, *name[] = {f->text, f->title, f->label};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (name[i] && name[j] && !strcmp(name[i], name[j]))
                return mz_fail(e, "the %s and the %s are one field, \"%s\"%s: give each its own (--%s-field, --%s-field)",
                               role[i], role[j], name[i],
                               j == 2 ? " (the model would read the answer in the article)" : "", role[i], role[j]);
    return 0;
}

/* cJSON answers NULL both for bad JSON and for a failed allocation; its
 * allocations go through here so that the second is told apart (and the
 * record is not blamed for the machine's memory).  Per thread: records are
 * parsed by several at once. */
static __thread int cjson_alloc_failed;

static void *cjson_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p) cjson_alloc_failed = 1;
    return p;
}

/* Before main: the hooks are global, and any thread may be using cJSON
 * once the programs run. */
__attribute__((constructor)) static void cjson_hooks(void)
{
    cJSON_Hooks h = {cjson_malloc, free};
    cJSON_InitHooks(&h);
}

size_t mz_jsonl_line_max(size_t max_text)
{
    if (max_text > (SIZE_MAX - 65536) / 6) return SIZE_MAX;
    return max_text * 6 + 65536;
}

/* A line in f->dec's encoding (mz_text_open said so), decoded into a
 * malloc'd copy in *line. */
static int decode_line(const mz_fields *f, char **line, size_t *len, const char *path, size_t lineno, mz_err *e)
{
    if (mz_text_utf8(f->dec, line, len, e) != 0) return mz_wrap(e, "%s:%zu: ", path, lineno);
    return 0;
}

void mz_record_free(mz_record *r)
{
    free(r->id);
    free(r->raw);
    cJSON_Delete(r->obj);
    memset(r, 0, sizeof *r);
}

static int check_field(const char *s, size_t n, size_t max, const char *what, int utf8_known, mz_err *e)
{
    if (n == 0) return mz_fail(e, "%s is empty", what);
    if (max && n > max) return mz_fail(e, "%s is %zu bytes, over the limit of %zu (--max-bytes)", what, n, max);
    size_t bad;
    const char *why;
    if (!utf8_known && mz_utf8_check(s, n, &bad, &why) != 0) {
        mz_fail(e, "%s: invalid UTF-8 at byte %zu (%s)", what, bad, why);
        /* text in a code page says which --encoding reads it (text read
         * with one is UTF-8 by now) */
        mz_hint_encoding(s, n, e);
        return -1;
    }
    return 0;
}

int mz_check_text(const char *s, size_t n, size_t max, const char *what, mz_err *e)
{
    return check_field(s, n, max, what, 0, e);
}

/* The line's strict syntax (cJSON would take 01, 1. and raw control
 * characters in strings, and keeps numbers only as doubles), with the
 * fields read, so that one given twice is refused, not half read:
 * spans[0] is the id's as written, spans[*rawk] the raw field's. */
static int scan_fields(const char *line, size_t len, const char *src, size_t lineno, const mz_fields *f,
                       mz_jspan *spans, size_t *rawk, mz_err *e)
{
    size_t at;
    const char *bad_why;
    const char *keys[5 + MZ_FIELDS_ALSO] = {f->id};
    size_t nk = 1;
    if (f->text) keys[nk++] = f->text;
    if (f->title) keys[nk++] = f->title;
    if (f->label) keys[nk++] = f->label;
    *rawk = nk;
    /* a raw field that is also one read would be "given twice" */
    for (size_t k = 0; f->raw && k < nk; k++)
        if (!strcmp(keys[k], f->raw)) *rawk = k;
    if (f->raw && *rawk == nk) keys[nk++] = f->raw;
    for (int q = 0; q < MZ_FIELDS_ALSO; q++) {
        size_t k = 0;
        while (f->also[q] && k < nk && strcmp(keys[k], f->also[q])) k++;
        if (f->also[q] && k == nk) keys[nk++] = f->also[q];
    }
    if (mz_json_scan(line, len, keys, nk, spans, &at, &bad_why) == 0) return 0;
    if (!strcmp(bad_why, MZ_JSON_TWICE))
        return mz_fail(e, "%s:%zu: a field given twice, at byte %zu: which value is meant cannot be told", src, lineno,
                       at);
    /* a second record after a carriage return: lines that end in CR
     * alone (old Mac exports) read as one line, said as TSV says it */
    size_t b = at;
    while (b > 0 && (line[b - 1] == ' ' || line[b - 1] == '\t')) b--;
    if (!strcmp(bad_why, "more after the value") && b > 0 && line[b - 1] == '\r')
        return mz_fail(e, "%s:%zu: malformed JSON near byte %zu (more after the value, past a carriage return: the "
                          "file's lines end in CR alone? convert them: tr '\\r' '\\n')",
                       src, lineno, at);
    return mz_fail(e, "%s:%zu: malformed JSON near byte %zu (%s)", src, lineno, at, bad_why);
}

/* r->id from the record's id field: a string, or a number as written
 * (idspan), or as the double gives it when its key was spelled with
 * escapes, which the scan does not match.  None is no id, not an error. */
static int record_id(mz_record *r, const cJSON *id, const char *line, mz_jspan idspan, const mz_fields *f, mz_err *e)
{
    /* kept as written, but the JSON readers an answer goes to read it as
     * infinity, where two such ids are one */
    if (cJSON_IsNumber(id) && !isfinite(id->valuedouble))
        return mz_fail(e, "%s:%zu: \"%s\" is a number beyond a double's range, which readers take as infinity; "
                          "give it as a string", r->src, r->line, f->id);
    if (cJSON_IsString(id)) {
        r->id = strdup(id->valuestring);
    } else if (cJSON_IsNumber(id) && idspan.len) {
        /* as written: a double would round a 19-digit id, and make two
         * distinct ones equal */
        r->id = strndup(line + idspan.off, idspan.len);
        r->id_number = 1;
    } else if (cJSON_IsNumber(id)) {
        char idbuf[64];
        snprintf(idbuf, sizeof idbuf, "%.17g", id->valuedouble);
        r->id = strdup(idbuf);
        r->id_number = 1;
    }
    if ((cJSON_IsString(id) || cJSON_IsNumber(id)) && !r->id) return mz_fail(e, "out of memory");
    return 0;
}

/* r->text and r->title from the record's fields, checked; known: their
 * strings are valid UTF-8 already. */
static int record_texts(mz_record *r, const mz_fields *f, int known, mz_err *e)
{
    const char *src = r->src;
    size_t lineno = r->line;
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(r->obj, f->text);
    if (!text) return mz_fail(e, "%s:%zu: missing field \"%s\"", src, lineno, f->text);
    if (!cJSON_IsString(text)) return mz_fail(e, "%s:%zu: field \"%s\" must be a string", src, lineno, f->text);
    r->text = text->valuestring;
    r->text_len = strlen(text->valuestring);
    if (check_field(r->text, r->text_len, f->max_text, f->text, known, e) != 0)
        return mz_wrap(e, "%s:%zu: ", src, lineno);
    const cJSON *title = f->title ? cJSON_GetObjectItemCaseSensitive(r->obj, f->title) : NULL;
    if (!title || cJSON_IsNull(title)) return 0;
    if (!cJSON_IsString(title)) return mz_fail(e, "%s:%zu: field \"%s\" must be a string", src, lineno, f->title);
    r->title = title->valuestring;
    r->title_len = strlen(title->valuestring);
    if (r->title_len && check_field(r->title, r->title_len, f->max_text, f->title, known, e) != 0)
        return mz_wrap(e, "%s:%zu: ", src, lineno);
    return 0;
}

int mz_record_parse_json(const char *line, size_t len, const char *src, size_t lineno,
                         const mz_fields *f, mz_record *r, mz_err *e)
{
    memset(r, 0, sizeof *r);
    snprintf(r->src, sizeof r->src, "%s", src);
    r->line = lineno;
    size_t bad;
    const char *why;
    if (mz_utf8_check(line, len, &bad, &why) != 0) {
        mz_fail(e, "%s:%zu: invalid UTF-8 at byte %zu (%s)", src, lineno, bad, why);
        mz_hint_encoding(line, len, e);
        return -1;
    }
    /* The line is valid UTF-8, so its strings are too unless a \u escape
     * made bytes of its own (a lone surrogate): only then check again. */
    int any_u;
    if (mz_json_nul_escape(line, len, &any_u)) return mz_fail(e, "%s:%zu: NUL character (\\u0000) in a string", src, lineno);
    mz_jspan spans[5 + MZ_FIELDS_ALSO];
    size_t rawk;
    if (scan_fields(line, len, src, lineno, f, spans, &rawk, e) != 0) return -1;
    const char *end = NULL;
    cjson_alloc_failed = 0;
    /* one object per line: anything but spaces after it is an error, or a
     * second glued record would vanish silently */
    r->obj = mz_json_parse_one(line, len, &end, NULL);
    if (!r->obj && cjson_alloc_failed) return mz_fail(e, "out of memory");
    if (!r->obj) {
        size_t at = end && end >= line ? (size_t)(end - line) : 0;
        return mz_fail(e, "%s:%zu: malformed JSON near byte %zu", src, lineno, at);
    }
    if (!cJSON_IsObject(r->obj)) {
        mz_record_free(r);
        return mz_fail(e, "%s:%zu: expected a JSON object", src, lineno);
    }
    if (record_id(r, cJSON_GetObjectItemCaseSensitive(r->obj, f->id), line, spans[0], f, e) != 0 ||
        record_texts(r, f, !any_u, e) != 0)
        goto fail;
    r->label = f->label ? cJSON_GetObjectItemCaseSensitive(r->obj, f->label) : NULL;
    if (f->raw && spans[rawk].len && !(r->raw = strndup(line + spans[rawk].off, spans[rawk].len))) {
        mz_fail(e, "out of memory");
        goto fail;
    }
    return 0;
fail:
    mz_record_free(r);
    return -1;
}

/* JSONL records are parsed in batches by all cores (parsing was most of
 * reading a corpus), then handed to fn one by one in file order, so the
 * first bad line is still the one reported. */
#define JSONL_BATCH 1024

/* Slots grow with the corpus up to JSONL_BATCH: a parsed record holds its
 * source name (4 KiB) and an error buffer, so a full batch is about 5 MB,
 * too much to set up for a corpus of a few lines. */
typedef struct jsonl_batch {
    const char *path;
    const mz_fields *f;
    char **line;
    size_t *len, *lineno;
    mz_record *rec;
    mz_err *err;
    int *rc;
    size_t n, cap;
} jsonl_batch;

static void batch_free(jsonl_batch *b)
{
    for (size_t i = 0; i < b->n; i++) free(b->line[i]);
    free(b->line);
    free(b->len);
    free(b->lineno);
    free(b->rec);
    free(b->err);
    free(b->rc);
}

/* Room for one more line; -1 on out-of-memory. */
static int batch_reserve(jsonl_batch *b)
{
    if (b->n < b->cap) return 0;
    size_t nc = b->cap ? b->cap * 2 : 16;
    if (nc > JSONL_BATCH) nc = JSONL_BATCH;
    char **l = realloc(b->line, nc * sizeof *l);
    if (l) b->line = l;
    size_t *n1 = l ? realloc(b->len, nc * sizeof *n1) : NULL;
    if (n1) b->len = n1;
    size_t *n2 = n1 ? realloc(b->lineno, nc * sizeof *n2) : NULL;
    if (n2) b->lineno = n2;
    mz_record *r = n2 ? realloc(b->rec, nc * sizeof *r) : NULL;
    if (r) b->rec = r;
    mz_err *er = r ? realloc(b->err, nc * sizeof *er) : NULL;
    if (er) b->err = er;
    int *rc = er ? realloc(b->rc, nc * sizeof *rc) : NULL;
    if (rc) b->rc = rc;
    if (!rc) return -1;
    b->cap = nc;
    return 0;
}

static int jsonl_parse_item(void *arg, int wk, size_t i, mz_err *e)
{
    (void)wk, (void)e;
    jsonl_batch *b = arg;
    b->rc[i] = mz_record_parse_json(b->line[i], b->len[i], b->path, b->lineno[i], b->f, &b->rec[i], &b->err[i]);
    return 0;
}

/* Parse and deliver the batch; 0, or -1 with e set (the batch is emptied
 * either way). */
static int jsonl_flush(jsonl_batch *b, size_t *nrec, mz_record_fn fn, void *arg, mz_err *e)
{
    int rc = 0;
    /* a few records are parsed here: starting threads would cost more */
    int threads = b->n >= 64 ? mz_ncpu() : 1;
    if (b->n && mz_parallel_for(b->n, threads, jsonl_parse_item, b, e) != 0) {
        for (size_t i = 0; i < b->n; i++) free(b->line[i]);
        b->n = 0;
        return -1;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (rc == 0 && b->rc[i] != 0) {
            *e = b->err[i];
            rc = -1;
        } else if (rc == 0) {
            (*nrec)++;
            rc = fn(arg, &b->rec[i], e);
        }
        if (b->rc[i] == 0) mz_record_free(&b->rec[i]);
        free(b->line[i]);
    }
    b->n = 0;
    return rc;
}

/* Bytes of UTF-8's byte-order mark at the start of s[0..n), or 0. */
static size_t utf8_mark(const char *s, size_t n) { return n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3) ? 3 : 0; }

static int read_jsonl(const char *path, const mz_fields *f, mz_record_fn fn, void *arg, mz_err *e)
{
    int lines;
    FILE *fp = mz_text_open(path, f->dec, &lines, e);
    if (!fp) return -1;
    jsonl_batch *b = calloc(1, sizeof *b);
    if (!b) {
        fclose(fp);
        return mz_fail(e, "out of memory");
    }
    b->path = path;
    b->f = f;
    mz_linereader lr;
    mz_linereader_init(&lr, fp, mz_jsonl_line_max(f->max_text));
    lr.stop_at_limit = 1; /* an over-long line ends the read */
    int rc = 0, st;
    size_t nrec = 0;
    while ((st = mz_linereader_next(&lr)) != MZ_LINE_EOF) {
        if (st == MZ_LINE_IOERR || st == MZ_LINE_TOO_LONG) {
            /* the lines before it come first */
            if ((rc = jsonl_flush(b, &nrec, fn, arg, e)) != 0) break;
            char why[128];
            if (st == MZ_LINE_IOERR) rc = mz_fail(e, "%s:%zu: %s", path, lr.lineno + 1, mz_linereader_why(&lr, why, sizeof why));
            else rc = mz_fail(e, "%s:%zu: line longer than %zu bytes (--max-bytes)", path, lr.lineno, lr.max_line);
            break;
        }
        /* UTF-8's mark outranks --encoding, on a pipe too (where
         * mz_text_open cannot look ahead for it), as the classifier reads */
        if (lines && lr.lineno == 1 && utf8_mark(lr.buf, lr.len)) lines = 0;
        size_t i = 0;
        while (i < lr.len && (lr.buf[i] == ' ' || lr.buf[i] == '\t')) i++;
        if (i == lr.len) continue;
        /* a TSV corpus given through a pipe, or without its .tsv name: its
         * first line would be "malformed JSON near byte 0", saying nothing
         * of why */
        size_t at = utf8_mark(lr.buf, lr.len);
        while (at < lr.len && (lr.buf[at] == ' ' || lr.buf[at] == '\t')) at++;
        if (nrec == 0 && b->n == 0 && at < lr.len && lr.buf[at] != '{' && lr.buf[at] != '[' &&
            memchr(lr.buf + at, '\t', lr.len - at)) {
            rc = mz_fail(e, "%s:%zu: a line of label<TAB>text, not JSON: a TSV corpus is read as one only from a path "
                            "ending in .tsv (save a piped one to a file NAME.tsv)",
                         path, lr.lineno);
            break;
        }
        char *copy = batch_reserve(b) == 0 ? malloc(lr.len + 1) : NULL;
        if (!copy) {
            rc = mz_fail(e, "out of memory");
            break;
        }
        memcpy(copy, lr.buf, lr.len);
        copy[lr.len] = '\0';
        size_t clen = lr.len;
        if (lines && decode_line(f, &copy, &clen, path, lr.lineno, e) != 0) {
            free(copy);
            /* the lines before it come first */
            mz_err fe;
            if (jsonl_flush(b, &nrec, fn, arg, &fe) != 0) *e = fe;
            rc = -1;
            break;
        }
        b->line[b->n] = copy;
        b->len[b->n] = clen;
        b->lineno[b->n] = lr.lineno;
        if (++b->n == JSONL_BATCH && (rc = jsonl_flush(b, &nrec, fn, arg, e)) != 0) break;
    }
    if (rc == 0) rc = jsonl_flush(b, &nrec, fn, arg, e);
    batch_free(b);
    free(b);
    mz_linereader_free(&lr);
    fclose(fp);
    if (rc == 0 && nrec == 0) rc = mz_fail(e, "%s: no records", path);
    return rc;
}

/* Line `lineno` of a TSV corpus, [line, line + len), not blank: split at
 * its one tab into label and text (*tab), or said why it cannot be. */
static int tsv_split(char *line, size_t len, const char *path, size_t lineno, char **tab, mz_err *e)
{
    if (memchr(line, '\0', len)) {
        mz_fail(e, "%s:%zu: NUL byte", path, lineno);
        /* the NULs of UTF-16 without its mark: said so, as JSONL does */
        const char *g = mz_guess_encoding(line, len);
        if (g && !strncmp(g, "utf-16", 6)) mz_hint_guess(g, e);
        return -1;
    }
    /* a carriage return ends a line only before its line feed: one
     * inside it is a file whose lines end in CR alone (old Mac exports),
     * read as one line of many records under the first one's label */
    const char *cr = memchr(line, '\r', len);
    if (cr && cr + 1 < line + len)
        return mz_fail(e, "%s:%zu: a carriage return inside the line (byte %zu): the file's lines end in CR alone? "
                          "convert them: tr '\\r' '\\n'",
                       path, lineno, (size_t)(cr - line) + 1);
    *tab = memchr(line, '\t', len);
    if (!*tab || *tab == line) return mz_fail(e, "%s:%zu: expected label<TAB>text", path, lineno);
    /* a third column (an outlet, a date) would be read as words of
     * the text: a sheet exported with more columns than the two */
    const char *tab2 = memchr(*tab + 1, '\t', len - (size_t)(*tab + 1 - line));
    if (tab2)
        return mz_fail(e, "%s:%zu: a second tab (byte %zu): a TSV corpus has two columns, label<TAB>text (a tab "
                          "inside a text: replace it with a space)",
                       path, lineno, (size_t)(tab2 - line) + 1);
    **tab = '\0';
    return 0;
}

/* The record of a split line (label, then text at tab + 1), the corpus's
 * record number nrec; its id is the line number. */
static int tsv_record(const char *line, size_t len, const char *tab, const char *path, size_t lineno, size_t nrec,
                      const mz_fields *f, mz_record *r, mz_err *e)
{
    memset(r, 0, sizeof *r);
    snprintf(r->src, sizeof r->src, "%s", path);
    r->line = lineno;
    r->text = tab + 1;
    r->text_len = len - (size_t)(tab + 1 - line);
    if (mz_check_text(r->text, r->text_len, f->max_text, "text", e) != 0 ||
        mz_check_text(line, strlen(line), f->max_text, "label", e) != 0)
        return mz_wrap(e, "%s:%zu: ", path, lineno);
    /* A spreadsheet's column names would be a record of a class
     * "label".  Refused rather than skipped: a real first record that
     * looked like one would be dropped unseen, and a header taken for
     * a record changes every class table the model reports. */
    size_t tl = r->text_len;
    while (tl > 0 && (r->text[tl - 1] == ' ' || r->text[tl - 1] == '\r')) tl--;
    int lh = !strcasecmp(line, "label"), th = tl == 4 && !strncasecmp(r->text, "text", 4);
    if (nrec == 0 && (lh || th))
        return mz_fail(e, "%s:%zu: a header line (a column named label or text); a TSV corpus has none, every "
                          "line is label<TAB>text: remove it", path, lineno);
    /* further down, both names: the header of a second export joined on */
    if (lh && th)
        return mz_fail(e, "%s:%zu: a header line (label<TAB>text) after records: files joined together? remove it",
                       path, lineno);
    char idb[64];
    snprintf(idb, sizeof idb, "%zu", lineno);
    r->id = strdup(idb);
    r->made = 1;
    r->obj = cJSON_CreateObject();
    if (!r->id || !r->obj || !cJSON_AddStringToObject(r->obj, "label", line)) {
        mz_record_free(r);
        return mz_fail(e, "out of memory");
    }
    r->label = cJSON_GetObjectItemCaseSensitive(r->obj, "label");
    return 0;
}

static int read_tsv(const char *path, const mz_fields *f, mz_record_fn fn, void *arg, mz_err *e)
{
    int lines;
    FILE *fp = mz_text_open(path, f->dec, &lines, e);
    if (!fp) return -1;
    mz_linereader lr;
    mz_linereader_init(&lr, fp, f->max_text + 4096);
    lr.stop_at_limit = 1;
    int rc = 0, st;
    size_t nrec = 0;
    char *decoded = NULL; /* the line decoded from f->dec, when there is one */
    while ((st = mz_linereader_next(&lr)) != MZ_LINE_EOF) {
        if (st != MZ_LINE_OK) {
            if (st == MZ_LINE_TOO_LONG)
                rc = mz_fail(e, "%s:%zu: line longer than %zu bytes (a text of --max-bytes and its label)", path,
                             lr.lineno, lr.max_line);
            else
                rc = mz_fail(e, "%s:%zu: read error", path, lr.lineno);
            break;
        }
        char *line = lr.buf;
        size_t len = lr.len;
        /* as read_jsonl: UTF-8's mark outranks --encoding, on a pipe too */
        if (lines && lr.lineno == 1 && utf8_mark(line, len)) lines = 0;
        if (lines) {
            free(decoded);
            if (!(decoded = malloc(len + 1))) {
                rc = mz_fail(e, "out of memory");
                break;
            }
            memcpy(decoded, line, len);
            decoded[len] = '\0';
            if ((rc = decode_line(f, &decoded, &len, path, lr.lineno, e)) != 0) break;
            line = decoded;
        }
        /* a byte-order mark (spreadsheet exports write one) would become
         * part of the first label, a label of its own */
        if (lr.lineno == 1 && utf8_mark(line, len)) line += 3, len -= 3;
        size_t sp = 0;
        while (sp < len && (line[sp] == ' ' || line[sp] == '\t' || line[sp] == '\r')) sp++;
        if (sp == len) continue; /* blank, as a JSONL reader skips one */
        char *tab = NULL;
        mz_record r;
        if ((rc = tsv_split(line, len, path, lr.lineno, &tab, e)) != 0 ||
            (rc = tsv_record(line, len, tab, path, lr.lineno, nrec, f, &r, e)) != 0)
            break;
        nrec++;
        rc = fn(arg, &r, e);
        mz_record_free(&r);
        if (rc != 0) break;
    }
    free(decoded);
    mz_linereader_free(&lr);
    fclose(fp);
    if (rc == 0 && nrec == 0) rc = mz_fail(e, "%s: no records", path);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted names of entries in dir (excluding dot files). */
static char **list_dir(const char *dir, size_t *n, mz_err *e)
{
    DIR *d = opendir(dir);
    if (!d) {
        mz_fail(e, "%s: cannot open directory: %m", dir);
        return NULL;
    }
    size_t cap = 64;
    char **v = malloc(cap * sizeof *v);
    *n = 0;
    struct dirent *de;
    while (v && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (*n == cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) {
                for (size_t i = 0; i < *n; i++) free(v[i]);
                free(v);
                v = NULL;
                break;
            }
            v = nv;
        }
        if ((v[*n] = strdup(de->d_name)) == NULL) {
            for (size_t i = 0; i < *n; i++) free(v[i]);
            free(v);
            v = NULL;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (!v) {
        mz_fail(e, "out of memory");
        return NULL;
    }
    qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* A folder corpus's articles, in reading order: each regular file
 * DIR/LABEL/NAME.txt (a pipe or device named so would block the read or
 * never end), handed to visit with its label, name, path and size.  The
 * reader and the digest both walk through here, so they cannot disagree
 * on what a folder holds.  What looks meant as an article but would not be
 * read is refused rather than dropped unseen: a folder inside a label's,
 * a *.txt that cannot be reached (a dangling link), a label's folder that
 * cannot be reached or holds no *.txt, and a name that is not UTF-8 (the
 * path is the article's id in JSON).  Files directly in DIR (a
 * README) are not articles.  Returns the articles visited, or -1. */
typedef int (*article_fn)(void *arg, const char *label, const char *name, const char *path, off_t size,
                          mz_err *e);

static long walk_articles(const char *dir, int unlabelled, article_fn visit, void *arg, mz_err *e)
{
    size_t nl;
    char **labels = list_dir(dir, &nl, e);
    if (!labels) return -1;
    long n = 0;
    for (size_t i = 0; i < nl && n >= 0; i++) {
        char sub[4096];
        struct stat st;
        if (mz_path_join(sub, sizeof sub, dir, labels[i], e) != 0) n = -1;
        if (n < 0) continue;
        if (stat(sub, &st) != 0) {
            /* a label's folder on a drive not mounted, say: its articles
             * would be missing from the model without a word */
            n = mz_fail(e, "%s: cannot open: %s (a link that leads nowhere?)", sub, strerror(errno));
            continue;
        }
        if (!S_ISDIR(st.st_mode)) continue;
        size_t nf;
        char **files = list_dir(sub, &nf, e);
        if (!files) {
            n = -1;
            break;
        }
        long before = n;
        const char *other = NULL; /* a file of the folder that is no article */
        for (size_t j = 0; j < nf && n >= 0; j++) {
            size_t l = strlen(files[j]);
            char fp[4096];
            if (mz_path_join(fp, sizeof fp, sub, files[j], e) != 0) {
                n = -1;
                break;
            }
            int txt = l >= 5 && !strcmp(files[j] + l - 4, ".txt");
            size_t bad;
            const char *why;
            if (stat(fp, &st) == 0 && S_ISDIR(st.st_mode))
                n = mz_fail(e, "%s: a folder inside the label's; articles go in %s/<label>/*.txt", fp, dir);
            else if (!txt) {
                if (!other) other = files[j];
                continue;
            }
            else if (stat(fp, &st) != 0) n = mz_fail(e, "%s: cannot open: %s", fp, strerror(errno));
            else if (!S_ISREG(st.st_mode)) continue;
            else if (mz_utf8_check(files[j], l, &bad, &why) != 0)
                n = mz_fail(e, "%s: its name is not UTF-8 (at byte %zu), and it would be in the article's id", fp, bad);
            else if (visit(arg, labels[i], files[j], fp, st.st_size, e) != 0) n = -1;
            else n++;
        }
        /* a label's folder without an article (its files all *.TXT, or
         * emptied) would drop the label from the model without a word */
        if (n >= 0 && n == before && !unlabelled) {
            if (other)
                n = mz_fail(e, "%s: a label's folder with no *.txt article (it holds %s, which is not read: articles "
                               "are *.txt)", sub, other);
            else
                n = mz_fail(e, "%s: a label's folder with no *.txt article: remove it, or put its articles in", sub);
        }
        free_list(files, nf);
    }
    free_list(labels, nl);
    return n;
}

typedef struct digest_walk {
    mz_sha256 h;
    long long bytes;
} digest_walk;

static int digest_article(void *arg, const char *label, const char *name, const char *path, off_t size, mz_err *e)
{
    digest_walk *d = arg;
    char fh[65];
    if (mz_sha256_file(path, fh, e) != 0) return -1;
    d->bytes += (long long)size;
    mz_sha256_update(&d->h, label, strlen(label));
    mz_sha256_update(&d->h, "/", 1);
    mz_sha256_update(&d->h, name, strlen(name));
    mz_sha256_update(&d->h, " ", 1);
    mz_sha256_update(&d->h, fh, 64);
    mz_sha256_update(&d->h, "\n", 1);
    return 0;
}

int mz_corpus_folder_digest(const char *dir, int unlabelled, char hex[65], long long *bytes, mz_err *e)
{
    digest_walk d;
    mz_sha256_init(&d.h);
    d.bytes = 0;
    if (walk_articles(dir, unlabelled, digest_article, &d, e) < 0) return -1;
    unsigned char out[32];
    mz_sha256_final(&d.h, out);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
    *bytes = d.bytes;
    return 0;
}

typedef struct read_walk {
    const mz_fields *f;
    mz_record_fn fn;
    void *arg;
} read_walk;

static int read_article(void *arg, const char *label, const char *name, const char *fp, off_t size, mz_err *e)
{
    (void)name, (void)size;
    const read_walk *w = arg;
    const mz_fields *f = w->f;
    char *buf;
    size_t len;
    if (mz_read_text_file(fp, 1, f->dec, f->max_text, &buf, &len, e) != 0) return -1;
    if (mz_text_utf8(f->dec, &buf, &len, e) != 0 || mz_check_text(buf, len, f->max_text, "text", e) != 0) {
        free(buf);
        return mz_wrap(e, "%s: ", fp);
    }
    mz_record r;
    memset(&r, 0, sizeof r);
    snprintf(r.src, sizeof r.src, "%s", fp);
    r.made = 1;
    r.obj = cJSON_CreateObject();
    cJSON *t = r.obj ? cJSON_AddStringToObject(r.obj, "text", buf) : NULL;
    free(buf);
    r.id = strdup(fp);
    if (!t || !r.id || !cJSON_AddStringToObject(r.obj, "label", label)) {
        mz_record_free(&r);
        return mz_fail(e, "out of memory");
    }
    r.text = t->valuestring;
    r.text_len = strlen(r.text);
    r.label = cJSON_GetObjectItemCaseSensitive(r.obj, "label");
    int rc = w->fn(w->arg, &r, e);
    mz_record_free(&r);
    return rc;
}

static int read_dir(const char *path, const mz_fields *f, mz_record_fn fn, void *arg, mz_err *e)
{
    read_walk w = {f, fn, arg};
    long n = walk_articles(path, f->unlabelled, read_article, &w, e);
    if (n < 0) return -1;
    if (n == 0) return mz_fail(e, "%s: no DIR/<label>/*.txt files found", path);
    return 0;
}

int mz_corpus_read(const char *path, const mz_fields *f, mz_record_fn fn, void *arg, mz_err *e)
{
    struct stat st;
    if (stat(path, &st) != 0) return mz_fail(e, "%s: %m", path);
    if (S_ISDIR(st.st_mode)) return read_dir(path, f, fn, arg, e);
    size_t l = strlen(path);
    if (l > 4 && strcasecmp(path + l - 4, ".tsv") == 0) return read_tsv(path, f, fn, arg, e);
    return read_jsonl(path, f, fn, arg, e);
}
