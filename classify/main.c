/* mizan-classify — topic, frames and stance of Arabic articles, as JSON.
 *
 * The command line is args.h's; the bundles and the work on one article
 * are engine.h's; this file reads the inputs, hands articles to the
 * threads and writes their answers in order.
 *
 * Inputs are files (one article each; a *.jsonl file, or any with --jsonl,
 * a stream of {"id", "text", "title"?} objects), folders (read whole,
 * subfolders included) and stdin.  Articles are
 * processed in batches by N threads; results are written in input order,
 * one whole line per article, flushed per batch, so memory stays flat on
 * endless streams and a consumer never reads half a line.  A bad record is
 * answered with {"id", "error"} and the rest go on.  Exit status: 0 all
 * answered, 1 some records failed, 2 usage, input or model errors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "args.h"
#include "corpus.h"
#include "describe.h"
#include "encoding.h"
#include "engine.h"
#include "flatrecord.h"
#include "fsutil.h"
#include "jsonscan.h"
#include "linereader.h"
#include "parallel.h"
#include "progress.h"
#include "strmap.h"
#include "summary.h"
#include "utf8.h"


#define BATCH 512
/* ...or fewer, once the records waiting hold this many bytes: a line may be
 * tens of megabytes (mz_jsonl_line_max), and 512 of them must not be held
 * at once */
#define BATCH_BYTES ((size_t)64 << 20)
#define DUP_WINDOW (1u << 18)

typedef struct item {
    char *id, *title, *text, *target;
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
} item;

typedef struct dupset dupset;

typedef struct run {
    /* every folder, and every file met in one, read so far, by device and
     * inode, with the path it was first read by: one reached again (a link
     * to a sibling folder, a folder given twice or inside another given
     * one, a hard link) is not answered twice */
    mz_strmap *read;
    char **read_path;
    size_t nread, read_cap;
    mz_worker *w;
    int threads;
    item *items;
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
    dupset *seen;
    int any_record_error, any_input_error;
    FILE *out;     /* stdout, or the temporary of --output */
    int write_err; /* errno of the first failed write: the run stops */
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
} run;

/* A stream that pauses has what it sent answered once it has been idle
 * IDLE_MS or its oldest unanswered record is MAX_WAIT_MS old; a producer
 * that is merely slower than mizan for a moment still fills whole batches,
 * which is what keeps both cores busy. */
#define IDLE_MS 100
#define MAX_WAIT_MS 1000

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int dupset_add(dupset *d, const char *id, size_t lineno, size_t *first);

/* The --keep fields of a parsed record as ", \"f\": value" members, null
 * where it lacks one (TSV: a cell each, led by a tab, holding a string as
 * it is, any other value as JSON, nothing for null); NULL without --keep
 * or on out-of-memory.  A value that is not a string is copied as the line
 * (line, len) writes it, when that line is strict JSON: cJSON would give a
 * number back as a double (a 19-digit id rounded).  *twice (may be NULL)
 * gets the byte of a kept field the line gives twice, else SIZE_MAX. */
static char *kept_members(const run *r, const cJSON *obj, const char *line, size_t len, size_t *twice)
{
    if (twice) *twice = SIZE_MAX;
    if (!r->nkeep) return NULL;
    mz_jspan *span = calloc((size_t)r->nkeep, sizeof *span);
    size_t bad;
    const char *why;
    if (!span) return NULL;
    if (line && mz_json_scan(line, len, (const char *const *)r->keep, (size_t)r->nkeep, span, &bad, &why) != 0) {
        memset(span, 0, (size_t)r->nkeep * sizeof *span);
        if (twice && !strcmp(why, MZ_JSON_TWICE)) *twice = bad;
    }
    mz_buf b = {0};
    for (int k = 0; k < r->nkeep; k++) {
        mz_buf_puts(&b, r->o.tsv ? "\t" : ", ");
        if (!r->o.tsv) {
            const char *as = r->keep_as ? r->keep_as : r->keep[k];
            mz_buf_json_str(&b, as, strlen(as));
            mz_buf_puts(&b, ": ");
        }
        const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, r->keep[k]) : NULL;
        if (r->o.tsv && cJSON_IsString(v)) {
            mz_buf_tsv_cell(&b, v->valuestring, strlen(v->valuestring));
            continue;
        }
        if (r->o.tsv && (!v || cJSON_IsNull(v))) continue;
        char *j = NULL;
        const char *text = "null";
        size_t tl = 4;
        /* as written (a string's escapes included), where the scan found it;
         * a TSV cell wants a string's text */
        if (v && span[k].len && !(r->o.tsv && cJSON_IsString(v))) {
            text = line + span[k].off;
            tl = span[k].len;
        } else if (v) {
            if (!(j = cJSON_PrintUnformatted(v))) {
                b.oom = 1;
                continue;
            }
            text = j, tl = strlen(j);
        }
        if (r->o.tsv) mz_buf_tsv_cell(&b, text, tl);
        else if (r->keep_as && v && !cJSON_IsNull(v) && !cJSON_IsString(v))
            mz_buf_json_str(&b, text, tl); /* read back as written, not as a double */
        else mz_buf_json_raw(&b, text, tl);
        cJSON_free(j);
    }
    free(span);
    if (b.oom) {
        mz_buf_free(&b);
        return NULL;
    }
    return b.s;
}

/* What a JSON value is, for a message. */
static const char *json_type(const cJSON *v)
{
    return cJSON_IsObject(v)   ? "an object"
           : cJSON_IsArray(v)  ? "an array"
           : cJSON_IsBool(v)   ? "true or false"
           : cJSON_IsNull(v)   ? "null"
           : cJSON_IsNumber(v) ? "a number"
                               : "a string";
}

/* A line's id member as the strict scan finds it: rc 0 when the whole
 * line is JSON, else the fault at bad, why. */
typedef struct idscan {
    int rc;
    mz_jspan sp;
    size_t bad;
    const char *why;
} idscan;

static void id_scan(const run *r, const char *s, size_t n, idscan *q)
{
    q->rc = mz_json_scan(s, n, &r->fl.id, 1, &q->sp, &q->bad, &q->why);
}

/* 1 when the scan failed on the id given twice: which is meant cannot be
 * told, so an error answer gives neither. */
static int id_twice(const idscan *q) { return q->rc != 0 && !strcmp(q->why, MZ_JSON_TWICE); }

/* The id of a line known by its first bytes alone (one too long to read),
 * or whose JSON fails further on, so that its error answer joins back to
 * the feed: taken when the scan q of s met the whole id member before the
 * cut or the fault (a number cut there is not whole). */
static void salvage_id(item *it, const char *s, const idscan *q)
{
    const mz_jspan *sp = &q->sp;
    size_t bad = q->bad;
    if (q->rc == 0 || !sp->len || sp->off + sp->len >= bad || id_twice(q)) return;
    /* whole means its member ended: "12 34" stops at 12 before the fault */
    size_t after = sp->off + sp->len;
    while (after < bad && (s[after] == ' ' || s[after] == '\t' || s[after] == '\r' || s[after] == '\n')) after++;
    if (after >= bad || (s[after] != ',' && s[after] != '}')) return;
    const char *v = s + sp->off;
    if (*v == '"') {
        /* cJSON would end the id at a \u0000, making another one */
        if (mz_json_nul_escape(v, sp->len, NULL)) return;
        cJSON *j = cJSON_ParseWithLength(v, sp->len);
        /* bytes never checked as the whole record is: UTF-8 or no id */
        if (cJSON_IsString(j) && mz_utf8_check(j->valuestring, strlen(j->valuestring), NULL, NULL) == 0)
            it->id = strdup(j->valuestring);
        cJSON_Delete(j);
    } else if (*v == '-' || (*v >= '0' && *v <= '9')) {
        it->id = strndup(v, sp->len);
        it->id_number = it->id != NULL;
    }
}

/* Parse a JSONL record into the item (in a worker: parsing costs about a
 * fifth of classifying, and done by the reading thread it was serial). */
static void parse_line(run *r, item *it)
{
    mz_record rec;
    mz_err e;
    char m[600];
    const char *name = r->stream;
    /* a flat record of strings, as nearly every feed line is, is read
     * without a JSON tree; anything else the full way, which words errors */
    mz_flat fr;
    /* kept fields are copied from the JSON tree, so --keep takes the full way */
    const char *extra[MZ_FLAT_EXTRA] = {r->target_field, r->source_field};
    int flat = r->nkeep ? 0 : mz_flat_record(it->line, it->line_len, &r->fl, extra, &fr);
    if (flat < 0) {
        it->oom = 1;
        return;
    }
    if (flat) {
        it->id = fr.id;
        it->has_id = 1;
        it->text = fr.text;
        it->len = fr.text_len;
        it->title = fr.title;
        it->tlen = fr.title_len;
        it->target = fr.extra[0];
        it->source = fr.extra[1];
        return;
    }
    if (mz_record_parse_json(it->line, it->line_len, name, it->lineno, &r->fl, &rec, &e) != 0) {
        /* salvage the id for the error record if the line is JSON */
        cJSON *j = cJSON_ParseWithLength(it->line, it->line_len);
        const cJSON *id = j ? cJSON_GetObjectItemCaseSensitive(j, r->fl.id) : NULL;
        idscan q;
        id_scan(r, it->line, it->line_len, &q);
        const mz_jspan *sp = &q.sp;
        int found = q.rc == 0 && sp->len;
        if (id_twice(&q)) id = NULL;
        if (cJSON_IsString(id)) {
            /* cJSON ends a string at a \u0000, which would make another id */
            if (!found || !mz_json_nul_escape(it->line + sp->off, sp->len, NULL)) it->id = strdup(id->valuestring);
        } else if (cJSON_IsNumber(id) && found) {
            /* a number as written, as a good record's is */
            it->id = strndup(it->line + sp->off, sp->len);
            it->id_number = it->id != NULL;
        }
        /* JSON cJSON cannot read (a lone \ud800 in some other field): the
         * id may still stand whole before the fault */
        if (!j && !it->id) salvage_id(it, it->line, &q);
        it->kept = kept_members(r, j, it->line, it->line_len, NULL);
        cJSON_Delete(j);
        it->error = strdup(e.msg);
        return;
    }
    if (!rec.id) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec.obj, r->fl.id);
        if (id)
            snprintf(m, sizeof m, "%s:%zu: \"%s\" must be a string or a number, not %s", name, it->lineno, r->fl.id,
                     json_type(id));
        else snprintf(m, sizeof m, "%s:%zu: missing \"%s\" (string or number)", name, it->lineno, r->fl.id);
        it->error = strdup(m);
        /* the kept fields are how such a record is found again */
        it->kept = kept_members(r, rec.obj, it->line, it->line_len, NULL);
        mz_record_free(&rec);
        return;
    }
    it->id = rec.id;
    it->id_number = rec.id_number;
    rec.id = NULL;
    it->has_id = 1;
    it->text = strndup(rec.text, rec.text_len);
    it->len = rec.text_len;
    if (rec.title) {
        it->title = strndup(rec.title, rec.title_len);
        it->tlen = rec.title_len;
    }
    const cJSON *tg = cJSON_GetObjectItemCaseSensitive(rec.obj, r->target_field);
    if (cJSON_IsString(tg)) it->target = strdup(tg->valuestring);
    const cJSON *so = r->source_field ? cJSON_GetObjectItemCaseSensitive(rec.obj, r->source_field) : NULL;
    if (cJSON_IsString(so) && !(it->source = strdup(so->valuestring))) it->oom = 1;
    /* a number (an outlet's code) names a source too, one no head knows
     * (heads are named by strings, and "24" is not 24): the plain head
     * answers, not --source's */
    it->source_other = so && !cJSON_IsString(so) && !cJSON_IsNull(so);
    size_t twice;
    if (r->nkeep && !(it->kept = kept_members(r, rec.obj, it->line, it->line_len, &twice))) {
        it->oom = 1;
    } else if (r->nkeep && twice != SIZE_MAX && !it->error) {
        /* which value to copy cannot be told, as for the fields read */
        snprintf(m, sizeof m, "%s:%zu: a field given twice, at byte %zu: which value to keep cannot be told", name,
                 it->lineno, twice);
        it->error = strdup(m);
        free(it->kept);
        it->kept = kept_members(r, NULL, NULL, 0, NULL);
    }
    if (!it->text || (rec.title && !it->title)) it->oom = 1;
    mz_record_free(&rec);
}

static int work(void *arg, int wk, size_t i, mz_err *e)
{
    (void)e;
    run *r = arg;
    item *it = &r->items[i];
    mz_buf_reset(&it->out);
    if (it->line) {
        parse_line(r, it);
        free(it->line);
        it->line = NULL;
    }
    /* a file, stdin or a line never parsed: its kept fields are null, so
     * that every answer of a run has the same members */
    if (r->nkeep && !it->kept && !(it->kept = kept_members(r, NULL, NULL, 0, NULL)) && !it->error)
        it->oom = 1;
    if (it->error && mz_err_is_oom(it->error)) it->oom = 1;
    if (it->oom) {
        it->status = 1;
    } else if (it->error) {
        mz_error_record(&it->out, it->id, it->id_number, it->kept, it->error, &r->o);
        it->status = 1;
    } else {
        mz_worker *w = &r->w[wk];
        w->kept = it->kept;
        w->source = it->source ? it->source : it->source_other ? NULL : r->source_given;
        w->stream = it->lineno ? r->stream : NULL;
        w->line = it->lineno;
        w->id_number = it->id_number;
        it->status = mz_classify_one(w, it->id, it->title, it->tlen, it->text, it->len, it->target, it->has_id);
        if (it->status && w->oom) it->oom = 1;
        else if (it->status) it->error = strdup(w->errmsg);
        /* swap buffers: the worker's becomes the item's, no copy */
        mz_buf tmp = it->out;
        it->out = w->out;
        w->out = tmp;
    }
    /* the summary's tally is serial: its parsing is done here */
    if (r->sum) it->ans = cJSON_ParseWithLength(it->out.s, it->out.n);
    return 0;
}

/* Print s with control characters shown as '?': ids and messages come
 * from the input and must not split a log line or reach the terminal. */
/* main's messages: "mizan-classify: " and the formatted text on one line,
 * masked as mz_err_print does (they name files and options as given). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char m[2 * PATH_MAX + 1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    mz_progress_clear();
    mz_err_print(stderr, "mizan-classify", m);
}

/* A message about an input as a whole, on one line (mz_err_print). */
static void input_msg(const char *msg)
{
    mz_progress_clear();
    mz_err_print(stderr, "mizan-classify", msg);
}

/* 1 (and a note on stderr) when the file or folder st, met as path, was
 * read already in this run; else it is remembered and 0.  Out of memory
 * counts as not read: answering twice is better than not at all. */
static int read_already(run *r, const struct stat *st, const char *path)
{
    unsigned char key[sizeof st->st_dev + sizeof st->st_ino];
    memcpy(key, &st->st_dev, sizeof st->st_dev);
    memcpy(key + sizeof st->st_dev, &st->st_ino, sizeof st->st_ino);
    if (!r->read && !(r->read = mz_strmap_new(1024))) return 0;
    if (r->nread == r->read_cap) {
        size_t nc = r->read_cap ? 2 * r->read_cap : 256;
        char **np = realloc(r->read_path, nc * sizeof *np);
        if (!np) return 0;
        r->read_path = np, r->read_cap = nc;
    }
    int ins = 0;
    int64_t k = mz_strmap_intern(r->read, key, sizeof key, (int32_t)r->nread, &ins);
    if (k < 0) return 0;
    if (ins) {
        r->read_path[r->nread++] = strdup(path);
        return 0;
    }
    const char *first = r->read_path[mz_strmap_value(r->read, (size_t)k)];
    char m[2 * PATH_MAX + 64];
    if (first && !strcmp(first, path)) /* met by that name inside a folder named before it */
        snprintf(m, sizeof m, "%s: read already, inside a folder named before it; not read again", path);
    else
        snprintf(m, sizeof m, "%s: the same %s as %s, read already; not read again", path,
                 S_ISDIR(st->st_mode) ? "folder" : "file", first ? first : "an input before it");
    input_msg(m);
    return 1;
}

static void flush_batch(run *r)
{
    mz_err e;
    mz_parallel_for(r->n, r->threads, work, r, &e);
    for (size_t i = 0; i < r->n; i++) {
        item *it = &r->items[i];
        size_t first;
        /* repeats are found here, in input order, so "first" means first;
         * an id is held by a record answered under it, not by one that
         * failed, so that a corrected record sent again is answered */
        if (it->has_id && !it->status && r->seen && dupset_add(r->seen, it->id, it->lineno, &first)) {
            char m[600];
            snprintf(m, sizeof m, "%s:%zu: duplicate id (first at line %zu)", r->stream, it->lineno, first);
            free(it->error);
            it->error = strdup(m);
            mz_buf_reset(&it->out);
            mz_error_record(&it->out, it->id, it->id_number, it->kept, m, &r->o);
            it->status = 1;
            if (r->sum) {
                cJSON_Delete(it->ans);
                it->ans = cJSON_ParseWithLength(it->out.s, it->out.n);
            }
        }
        /* an answer or its message that could not be stored would be
         * written as nothing: a record lost from the output, in silence */
        if (!r->oom && (it->oom || it->out.oom || !it->out.n || (it->status && !it->error) || (r->sum && !it->ans))) {
            r->oom = 1;
            if (it->lineno && r->stream) snprintf(r->oom_at, sizeof r->oom_at, "%s:%zu", r->stream, it->lineno);
            else if (it->id && !r->stream) snprintf(r->oom_at, sizeof r->oom_at, "%s", it->id);
        }
        if (r->oom) {
            /* the run fails (as a failed write does): nothing more is said
             * or written */
        } else if (it->status) {
            r->any_record_error = 1;
            r->failed++;
            /* the same message on stderr, one line, whatever the id holds */
            const char *msg = it->error ? it->error : "error";
            mz_progress_clear();
            fputs("mizan-classify: ", stderr);
            /* a file's messages name it already: its id is its path */
            size_t il = it->id ? strlen(it->id) : 0;
            if (!il || strncmp(msg, it->id, il) != 0 || msg[il] != ':') {
                mz_err_put(stderr, it->id ? it->id : "(no id)");
                fputs(": ", stderr);
            }
            mz_err_put(stderr, msg);
            fputc('\n', stderr);
        }
        if (r->oom) {
        } else if (r->sum) {
            if (it->status) mz_summary_error(r->sum, it->ans);
            else mz_summary_add(r->sum, it->ans);
        } else if (!r->write_err) {
            fwrite(it->out.s, 1, it->out.n, r->out);
        }
        cJSON_Delete(it->ans);
        it->ans = NULL;
        free(it->id);
        free(it->title);
        free(it->text);
        free(it->error);
        free(it->target);
        free(it->source);
        free(it->line);
        free(it->kept);
        it->id = it->title = it->text = it->error = it->target = it->source = it->line = it->kept = NULL;
        it->has_id = it->id_number = it->source_other = it->oom = 0;
    }
    /* a full disk or a closed reader stops the run at once, rather than
     * classifying the rest of a stream nobody will see */
    if (!r->write_err && (fflush(r->out) != 0 || ferror(r->out))) r->write_err = errno ? errno : EIO;
    r->answered += r->n;
    r->n = 0;
    double t = r->progress ? now_ms() : 0;
    if (r->progress && t - r->shown_ms >= 250) {
        mz_progress("mizan-classify: %zu answered, %zu of them errors", r->answered, r->failed);
        r->shown_ms = t;
    }
}

static item *next_item(run *r)
{
    if (r->n == BATCH || r->batch_bytes >= BATCH_BYTES) flush_batch(r);
    if (r->n == 0) r->batch_t0 = now_ms(), r->batch_bytes = 0;
    item *it = &r->items[r->n++];
    it->tlen = it->len = 0;
    it->lineno = 0;
    it->status = 0;
    return it;
}

/* An article's bytes as UTF-8: decoded from --encoding, or from UTF-16
 * when they say so (the engine checks the result, and says which encoding
 * text that is not UTF-8 reads as).  -1 (buf freed, it->error set) when
 * they cannot be. */
static int to_utf8(run *r, item *it, char **buf, size_t *len)
{
    mz_err e;
    if (mz_text_utf8(r->dec, buf, len, &e) == 0) return 0;
    it->error = strdup(e.msg);
    free(*buf);
    *buf = NULL;
    return -1;
}

/* listed: met in a folder as a regular file, so never anything else */
static void add_file(run *r, const char *path, int listed)
{
    item *it = next_item(r);
    it->id = strdup(path);
    mz_err e;
    char *buf;
    size_t len;
    if ((listed ? mz_read_regular : mz_read_file)(path, r->o.max_bytes, &buf, &len, &e) != 0) {
        it->error = strdup(e.msg);
        if (!strstr(e.msg, "larger than")) r->any_input_error = 1;
        return;
    }
    if (to_utf8(r, it, &buf, &len) != 0) return;
    it->text = buf;
    it->len = len;
    r->batch_bytes += len;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void add_jsonl(run *r, const char *path);

static int has_ext(const char *name, const char *ext)
{
    size_t l = strlen(name), k = strlen(ext);
    return l > k && !strcmp(name + l - k, ext);
}

/* An input that could not be read: answered with an error record, as an
 * unreadable file is, and the run ends with status 2. */
static void input_error(run *r, const char *path, const char *why)
{
    item *it = next_item(r);
    it->id = strdup(path);
    char m[4400];
    snprintf(m, sizeof m, "%s: %s", path, why);
    it->error = strdup(m);
    r->any_input_error = 1;
}

/* The folders being read, outermost first: a link back to one of them
 * would be read forever. */
#define MAX_DEPTH 64
typedef struct dirchain {
    dev_t dev;
    ino_t ino;
    const struct dirchain *up;
} dirchain;

/* Every article below dir: a *.txt file is one article, a *.jsonl file a
 * stream (by its name, with or without --jsonl, as a folder may hold
 * both), and subfolders are read the same way, each folder's entries in
 * name order; hidden entries and other files are skipped.  Links are
 * followed.  Returns the inputs found, a folder that could not be read
 * counting as one (its error answers it). */
static size_t walk_dir(run *r, const char *dir, const dirchain *up, int depth)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        input_error(r, dir, strerror(errno));
        return 1;
    }
    for (const dirchain *c = up; c; c = c->up)
        if (c->dev == st.st_dev && c->ino == st.st_ino) {
            input_error(r, dir, "a link back to a folder being read (a loop); not read again");
            return 1;
        }
    if (depth > MAX_DEPTH) {
        input_error(r, dir, "folders nested too deep (more than 64 levels); not read");
        return 1;
    }
    if (read_already(r, &st, dir)) return 1;
    dirchain here = {st.st_dev, st.st_ino, up};
    DIR *d = opendir(dir);
    if (!d) {
        char m[256];
        snprintf(m, sizeof m, "cannot open directory: %s", strerror(errno));
        input_error(r, dir, m);
        return 1;
    }
    size_t n = 0, cap = 64, found = 0;
    char **names = malloc(cap * sizeof *names);
    struct dirent *de;
    int short_of_memory = !names;
    while (!short_of_memory && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) {
            char **nn = realloc(names, (cap *= 2) * sizeof *names);
            if (!nn) {
                short_of_memory = 1;
                break;
            }
            names = nn;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) short_of_memory = 1;
        else n++;
    }
    closedir(d);
    /* a folder read in part would be answered as if whole */
    if (short_of_memory) {
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        input_error(r, dir, "out of memory listing it; not read");
        return 1;
    }
    qsort(names, n, sizeof *names, cmp_str);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    for (size_t i = 0; i < n; i++) {
        char p[4096];
        const char *name = names[i];
        if (r->write_err || r->oom) continue;
        if (snprintf(p, sizeof p, "%.*s/%s", (int)dl, dir, name) >= (int)sizeof p) {
            char m[320];
            snprintf(m, sizeof m, "%.200s%s: its path in this folder is longer than %zu bytes; not read", name,
                     strlen(name) > 200 ? "..." : "", sizeof p - 1);
            input_error(r, dir, m);
            found++;
            continue;
        }
        int txt = has_ext(name, ".txt"), jsonl = has_ext(name, ".jsonl");
        /* a link to nothing, or a file gone since the listing, is read
         * all the same, to be reported as a named file is */
        int gone = stat(p, &st) != 0;
        /* -o's file, reached through a link (run_all refuses it when named
         * in the folder): the answers would be renamed over the article, so
         * the run fails, and the old file is kept */
        if (r->out_exists && !gone && st.st_dev == r->out_dev && st.st_ino == r->out_ino && (txt || jsonl)) {
            char m[4200];
            /* standard output redirected into the folder: its own answers
             * would be read back as articles, or forever */
            if (r->out_stdout)
                snprintf(m, sizeof m,
                         "%s is the file standard output is written to, an input; write the answers elsewhere", p);
            else
                snprintf(m, sizeof m,
                         "-o: %s is the file -o names (through a link), an input; write the answers elsewhere", p);
            input_msg(m);
            r->any_input_error = 1;
            found++;
            continue;
        }
        if (!gone && S_ISDIR(st.st_mode)) {
            found += walk_dir(r, p, &here, depth + 1);
        } else if (!gone && S_ISREG(st.st_mode) && (txt || jsonl) && read_already(r, &st, p)) {
            found++;
        } else if ((gone || S_ISREG(st.st_mode)) && jsonl) {
            add_jsonl(r, p);
            found++;
        } else if ((gone || S_ISREG(st.st_mode)) && txt) {
            add_file(r, p, !gone);
            found++;
        }
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return found;
}

static void add_dir(run *r, const char *dir)
{
    if (walk_dir(r, dir, NULL, 0) == 0) {
        char m[4200];
        snprintf(m, sizeof m, "%s: no .txt or .jsonl files in it or its subfolders", dir);
        input_msg(m);
        r->any_input_error = 1;
    }
}

/* Standard input was closed when the program started.  Found in main, and fd 0
 * taken by /dev/null: the next file opened (-o's temporary) would get fd
 * 0 and be read as the article on stdin. */
static int stdin_closed;

static void add_stdin_article(run *r)
{
    /* stdin closed, or a folder: not an article, and not an empty one */
    struct stat st;
    if (stdin_closed || fstat(STDIN_FILENO, &st) != 0 || S_ISDIR(st.st_mode)) {
        input_error(r, "-", stdin_closed ? "standard input is closed" : "read error: Is a directory");
        return;
    }
    item *it = next_item(r);
    it->id = strdup("-");
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    for (;;) {
        if (!buf) break;
        got = fread(buf + n, 1, cap - n, stdin);
        if (got == 0 && ferror(stdin) && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            clearerr(stdin);
            if (mz_wait_input(fileno(stdin)) == 0) continue;
        }
        if (got == 0) break;
        n += got;
        if (n > r->o.max_bytes) {
            free(buf);
            buf = NULL;
            char m[256];
            snprintf(m, sizeof m, "-: article is larger than the limit of %zu bytes (--max-bytes)", r->o.max_bytes);
            it->error = strdup(m);
            return;
        }
        if (n == cap) {
            char *nb = realloc(buf, (cap *= 2) + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else buf = nb;
        }
    }
    if (!buf) {
        it->oom = 1;
        return;
    }
    if (ferror(stdin)) {
        char m[256];
        snprintf(m, sizeof m, "-: read error: %s", strerror(errno));
        free(buf);
        it->error = strdup(m);
        r->any_input_error = 1;
        return;
    }
    buf[n] = '\0';
    if (to_utf8(r, it, &buf, &n) != 0) return;
    it->text = buf;
    it->len = n;
}

/* A fixed-size set of 64-bit id hashes with the line each was first seen
 * on, in two generations: ids go into the newer, and when it holds
 * DUP_WINDOW / 2 the older is emptied and becomes the newer.  So a repeat
 * is found whenever fewer than DUP_WINDOW / 2 distinct ids came between
 * (emptying a single table at once forgot the id of the line before), and
 * memory is the same from the first record of a stream to the last.  Two
 * different ids sharing a 64-bit hash would be reported as a repeat; at
 * 2^18 ids the odds are about 1 in 10^8. */
struct dupset {
    uint64_t *key[2]; /* 0 = empty; [cur] is the newer generation */
    size_t *line[2];
    size_t mask, count; /* count: ids in the newer */
    int cur;
};

static void dupset_free(dupset *d)
{
    for (int g = 0; g < 2; g++) {
        free(d->key[g]);
        free(d->line[g]);
        d->key[g] = NULL;
        d->line[g] = NULL;
    }
}

static int dupset_init(dupset *d)
{
    size_t n = (size_t)DUP_WINDOW; /* slots per generation: half used at most */
    memset(d, 0, sizeof *d);
    d->mask = n - 1;
    for (int g = 0; g < 2; g++) {
        d->key[g] = calloc(n, sizeof *d->key[g]);
        d->line[g] = malloc(n * sizeof *d->line[g]);
        if (!d->key[g] || !d->line[g]) {
            dupset_free(d);
            return -1;
        }
    }
    return 0;
}

/* The slot of h in generation g: where it is, or the empty one it would
 * take. */
static size_t dupset_slot(const dupset *d, int g, uint64_t h)
{
    size_t i = (size_t)(h >> 7) & d->mask;
    while (d->key[g][i] && d->key[g][i] != h) i = (i + 1) & d->mask;
    return i;
}

/* Returns 1 (and the first line) if id was seen before, else records it. */
static int dupset_add(dupset *d, const char *id, size_t lineno, size_t *first)
{
    uint64_t h = mz_hash_bytes(id, strlen(id)) | 1;
    for (int k = 0; k < 2; k++) {
        int g = k ? !d->cur : d->cur;
        size_t i = dupset_slot(d, g, h);
        if (d->key[g][i] == h) {
            *first = d->line[g][i];
            return 1;
        }
    }
    if (d->count == DUP_WINDOW / 2) {
        d->cur = !d->cur;
        memset(d->key[d->cur], 0, (d->mask + 1) * sizeof *d->key[d->cur]);
        d->count = 0;
    }
    size_t i = dupset_slot(d, d->cur, h);
    d->key[d->cur][i] = h;
    d->line[d->cur][i] = lineno;
    d->count++;
    return 0;
}

static void add_jsonl(run *r, const char *path)
{
    const char *name = strcmp(path, "-") ? path : "<stdin>";
    int lines;
    mz_err oe;
    if (!strcmp(path, "-") && stdin_closed) {
        /* not an empty stream: there is none */
        input_msg("-: standard input is closed");
        r->any_input_error = 1;
        return;
    }
    FILE *f = mz_text_open(path, r->dec, &lines, &oe);
    if (!f) {
        input_msg(oe.msg);
        r->any_input_error = 1;
        return;
    }
    mz_linereader lr;
    mz_linereader_init(&lr, f, mz_jsonl_line_max(r->o.max_bytes));
    /* a batch never mixes two streams: each has its name and its ids */
    if (r->n) flush_batch(r);
    r->stream = name;
    mz_fields_default(&r->fl);
    r->fl.max_text = r->o.max_bytes;
    r->fl.label = NULL;
    r->fl.id = r->fields[0], r->fl.text = r->fields[1], r->fl.title = r->fields[2];
    /* the fields that change an answer are refused when given twice */
    r->fl.also[0] = r->reads_target ? r->target_field : NULL;
    r->fl.also[1] = r->source_field;
    int st;
    char m[PATH_MAX + 512]; /* a stream's path, up to PATH_MAX, and what is wrong */
    size_t nlines = 0;
    int refused = 0;
    /* ids seen in this stream, to report repeats (repeats further apart
     * than DUP_WINDOW / 2 distinct ids may go undetected) */
    dupset seen;
    int have_seen = dupset_init(&seen) == 0;
    r->seen = have_seen ? &seen : NULL;
    for (;;) {
        /* a stream that pauses (a feed, a pipeline) gets the records it
         * sent answered, not only when a batch fills */
        if (r->n) {
            double left = MAX_WAIT_MS - (now_ms() - r->batch_t0);
            int wait = left <= 0 ? 0 : left < IDLE_MS ? (int)left : IDLE_MS;
            if (left <= 0 || !mz_linereader_ready(&lr, wait)) flush_batch(r);
        }
        if (r->write_err || r->oom) break;
        if ((st = mz_linereader_next(&lr)) == MZ_LINE_EOF) break;
        nlines++;
        if (st == MZ_LINE_IOERR) {
            char why[128];
            snprintf(m, sizeof m, "%s:%zu: %s", name, lr.lineno + 1, mz_linereader_why(&lr, why, sizeof why));
            if (lr.err == ENOMEM) {
                r->oom = 1;
                snprintf(r->oom_at, sizeof r->oom_at, "%s:%zu", name, lr.lineno + 1);
            }
            else input_msg(m);
            r->any_input_error = 1;
            break;
        }
        size_t i = 0;
        const char *bom = st == MZ_LINE_OK && lr.lineno == 1 ? mz_bom(lr.buf, lr.len) : NULL;
        if (bom && strcmp(bom, "utf-8")) {
            /* a stream's mark, which mz_text_open cannot look at on a
             * pipe: UTF-16 and UTF-32 cannot be read line by line */
            snprintf(m, sizeof m,
                     "%s: a stream in %s cannot be read line by line; convert it to UTF-8 first (iconv -f %s -t utf-8)",
                     name, bom, bom);
            input_msg(m);
            r->any_input_error = refused = 1;
            break;
        }
        if (bom) {
            lines = 0; /* UTF-8's mark outranks --encoding, on a pipe too */
            i = 3;
        }
        while (i < lr.len && (lr.buf[i] == ' ' || lr.buf[i] == '\t')) i++;
        if (bom && i == lr.len) {
            nlines--; /* a mark alone says nothing: not a record */
            continue;
        }
        item *it = next_item(r);
        if (st == MZ_LINE_TOO_LONG) {
            snprintf(m, sizeof m, "%s:%zu: line longer than %zu bytes", name, lr.lineno, lr.max_line);
            it->error = strdup(m);
            /* a line read in another encoding is not decoded, being skipped */
            if (!lines && lr.buf) {
                idscan q;
                id_scan(r, lr.buf, lr.len, &q);
                salvage_id(it, lr.buf, &q);
            }
            continue;
        }
        if (i == lr.len) {
            snprintf(m, sizeof m, "%s:%zu: empty line", name, lr.lineno);
            it->error = strdup(m);
            continue;
        }
        it->lineno = lr.lineno;
        it->line_len = lr.len;
        if (!(it->line = malloc(lr.len + 1))) {
            it->oom = 1;
            continue;
        }
        memcpy(it->line, lr.buf, lr.len);
        it->line[lr.len] = '\0';
        r->batch_bytes += lr.len;
        if (lines) {
            mz_err e;
            if (mz_text_utf8(r->dec, &it->line, &it->line_len, &e) != 0) {
                snprintf(m, sizeof m, "%s:%zu: %s", name, lr.lineno, e.msg);
                it->error = strdup(m);
                    free(it->line);
                it->line = NULL;
            }
        }
    }
    flush_batch(r);
    r->seen = NULL;
    r->stream = NULL;
    mz_linereader_free(&lr);
    if (have_seen) dupset_free(&seen);
    if (f != stdin) fclose(f);
    if (nlines == 0 && !refused) {
        snprintf(m, sizeof m, "%s: no records (empty input)", name);
        input_msg(m);
        r->any_input_error = 1;
    }
}

/* The first column name of a TSV header row (s[0..n), tab-separated,
 * newline-ended) that an earlier column already has, or NULL. */
static const char *tsv_repeated_column(const char *s, size_t n)
{
    const char *end = memchr(s, '\n', n);
    if (!end) end = s + n;
    for (const char *a = s; a < end;) {
        size_t al = strcspn(a, "\t\n");
        for (const char *b = s; b < a;) {
            size_t bl = strcspn(b, "\t\n");
            if (al == bl && !memcmp(a, b, al)) return a;
            b += bl + 1;
        }
        a += al + 1;
    }
    return NULL;
}

/* --keep's comma-separated names: each once, none a key the answer holds
 * already (of the bundles m; NULL: names kept under a key of their own).
 * The names point into spec, which is cut in place; -1 after a one-line
 * complaint. */
static int keep_list(char *spec, const char *opt, const mz_models *m, char ***names, int *n)
{
    *n = 0;
    *names = NULL;
    size_t cap = 1;
    for (const char *c = spec; *c; c++) cap += *c == ',';
    char **v = calloc(cap, sizeof *v);
    if (!v) {
        say("out of memory");
        return -1;
    }
    char *save = NULL, *bad = NULL;
    const char *why = NULL;
    int k = 0;
    if (!*spec || spec[0] == ',' || spec[strlen(spec) - 1] == ',' || strstr(spec, ",,")) why = "an empty field name";
    for (char *f = why ? NULL : strtok_r(spec, ",", &save); f && !why; f = strtok_r(NULL, ",", &save)) {
        for (int j = 0; j < k && !why; j++)
            if (!strcmp(v[j], f)) why = "a field named twice";
        if (!why && m && mz_models_key_taken(m, f)) why = "a key the answer holds already";
        if (why) bad = f;
        else v[k++] = f;
    }
    if (why) {
        say("%s: %s%s%s", opt, why, bad ? ": " : "", bad ? bad : "");
        free(v);
        return -1;
    }
    *names = v;
    *n = k;
    return 0;
}

/* With --output, an interrupt removes the temporary; the old file stays. */
static void on_signal(int sig)
{
    const char *t = mz_outfile_pending();
    if (*t) unlink(t);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The end of the answers: a failed write is reported; with -o, FILE is
 * replaced when the run succeeded (status 0 or 1) and left as it was
 * otherwise.  Returns the exit status. */
static int close_output(const char *output, mz_outfile *of, int rc, int write_err)
{
    mz_progress_clear();
    if (write_err) {
        say("%s: write error: %s%s", output ? output : "standard output", strerror(write_err),
            of->tmp[0] ? "; the old file is left as it was" : "");
        rc = 2;
    }
    if (!output) return rc;
    if (rc == 2) {
        /* like sort -o: a run that failed does not replace the old answers */
        if (of->tmp[0] && !write_err)
            say("%s: not written, as the run failed; the old file is left as it was", output);
        mz_outfile_abort(of);
        return rc;
    }
    mz_err e;
    if (mz_outfile_commit(of, &e) != 0) {
        mz_err_print(stderr, "mizan-classify", e.msg);
        return 2;
    }
    return rc;
}

/* The run proper: models, inputs, answers.  Every way out passes through
 * `out`, which frees what was made, reports a failed write and, once -o's
 * temporary exists, decides whether it replaces FILE. */
/* --source NAME must name a source some bundle has a head for: a name
 * spelt otherwise ("Sky News" for "skynews") would quietly get the plain
 * heads.  Says which sources there are; -1 after saying it. */
static int known_source(const mz_models *m, const char *name)
{
    mz_buf b = {0};
    for (size_t i = 0; i < m->n; i++) {
        const mz_bundle *bd = &m->b[i];
        if (mz_bundle_source(bd, name) >= 0) return 0;
        for (int d = 0; d < bd->nsource; d++) {
            mz_buf_puts(&b, d ? ", " : b.n ? "; " : "");
            if (!d) mz_buf_printf(&b, "%s: ", bd->name);
            mz_buf_puts(&b, bd->source_values[d]);
        }
    }
    if (b.n) say("--source %s: no bundle has a head for it (%s)", name, b.s);
    else say("--source %s: no bundle has per-source heads", name);
    mz_buf_free(&b);
    return -1;
}

/* 1 when rel (a path below a walked folder) has walk_dir's name: no hidden
 * part on the way, and a *.txt or *.jsonl at the end. */
static int walked_name(const char *rel)
{
    for (const char *c = rel; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
        if (*c == '.') return 0;
    return has_ext(rel, ".txt") || has_ext(rel, ".jsonl");
}

/* 1 when reading folder dir would read path, a file that exists or that
 * writing would create (a new one would be read by the next run).  Two
 * ways lead there: path's real place under dir's real place, and path as
 * written, whose ancestor folders are looked up by device and inode (a
 * link inside dir, which the walk follows to any folder, or dir written
 * another way: ./dir, an absolute path). */
static int walk_reads(const char *dir, const char *path)
{
    char rel[PATH_MAX], real[PATH_MAX], abs[PATH_MAX];
    struct stat st, at;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
    /* a link is followed, as -o writes through it */
    if (mz_path_within(realpath(path, real) ? real : path, dir, rel, sizeof rel) && walked_name(rel)) return 1;
    if (path[0] == '/') snprintf(abs, sizeof abs, "%s", path);
    else if (!getcwd(abs, sizeof abs) || strlen(abs) + strlen(path) + 2 > sizeof abs) return 0;
    else snprintf(abs + strlen(abs), sizeof abs - strlen(abs), "/%s", path);
    if (strstr(abs, "/..")) return 0; /* not what the walk names: the real path decided */
    /* a missing folder on the way: the write fails, and says so itself */
    char *last = strrchr(abs, '/');
    *last = '\0';
    int parent = stat(abs[0] ? abs : "/", &at) == 0 && S_ISDIR(at.st_mode);
    *last = '/';
    if (!parent) return 0;
    for (char *sl = strchr(abs + 1, '/'); sl; sl = strchr(sl + 1, '/')) {
        *sl = '\0';
        int same = stat(abs[0] ? abs : "/", &at) == 0 && at.st_dev == st.st_dev && at.st_ino == st.st_ino;
        *sl = '/';
        if (!same) continue;
        const char *r = sl;
        while (*r == '/' || (r[0] == '.' && r[1] == '/')) r += r[0] == '/' ? 1 : 2;
        if (walked_name(r)) return 1;
    }
    return 0;
}

static int run_all(mz_classify_args *args)
{
    mz_err e;
    const char *output = args->output;
    /* standard input under another name (/dev/stdin, /proc/self/fd/0) beside
     * "-": read once, the second would be an empty input */
    struct stat sin;
    int dash = 0;
    for (int i = 0; i < args->ninputs; i++) dash |= !strcmp(args->inputs[i], "-");
    for (int i = 0; dash && i < args->ninputs && fstat(STDIN_FILENO, &sin) == 0; i++) {
        struct stat o;
        if (strcmp(args->inputs[i], "-") && stat(args->inputs[i], &o) == 0 && o.st_dev == sin.st_dev &&
            o.st_ino == sin.st_ino) {
            say("%s: is standard input, named also as -; it can be read once", args->inputs[i]);
            return 2;
        }
    }
    for (int i = 0; output && i < args->ninputs; i++) {
        /* the answers would be renamed over the articles */
        if (mz_same_file(output, args->inputs[i])) {
            say("-o %s: is the input %s; write the answers elsewhere", output, args->inputs[i]);
            return 2;
        }
        struct stat in_st, out_st;
        if (!strcmp(args->inputs[i], "-") && fstat(STDIN_FILENO, &in_st) == 0 && stat(output, &out_st) == 0 &&
            S_ISREG(in_st.st_mode) && in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino) {
            say("-o %s: is the file standard input reads; write the answers elsewhere", output);
            return 2;
        }
        if (walk_reads(args->inputs[i], output)) {
            say("-o %s: would be read as one of the inputs, in the folder %s; write the answers elsewhere (or "
                "under a hidden name)",
                output, args->inputs[i]);
            return 2;
        }
    }
    /* standard output redirected into an input (> DIR/x.jsonl, >> feed.jsonl)
     * would have the answers read back as articles, a stream forever: refused
     * as -o into an input is */
    struct stat sost, ist;
    char sopath[PATH_MAX] = "";
    int so_file = !output && fstat(STDOUT_FILENO, &sost) == 0 && S_ISREG(sost.st_mode);
    if (so_file) {
        ssize_t k = readlink("/proc/self/fd/1", sopath, sizeof sopath - 1);
        sopath[k > 0 ? k : 0] = '\0';
    }
    for (int i = 0; so_file && i < args->ninputs; i++) {
        const char *in = args->inputs[i];
        int same = (!strcmp(in, "-") ? fstat(STDIN_FILENO, &ist) : stat(in, &ist)) == 0 && ist.st_dev == sost.st_dev &&
                   ist.st_ino == sost.st_ino;
        if (same) {
            say("%s: is also standard output; write the answers elsewhere", in);
            return 2;
        }
        if (*sopath && walk_reads(in, sopath)) {
            say("standard output %s: is one of the inputs, in the folder %s; write the answers elsewhere (or "
                "under a hidden name)",
                sopath, in);
            return 2;
        }
    }
    char defdir[4096];
    if (args->nmodels == 0 && (args->models[0] = getenv("MIZAN_MODELS")) != NULL) {
        if (!*args->models[0]) {
            say("MIZAN_MODELS is set but empty; unset it, or name a models folder");
            return 2;
        }
        args->nmodels = 1;
    }
    if (args->nmodels == 0) {
        if (mz_models_dir(defdir, sizeof defdir, &e) != 0) {
            say("%s; give --models DIR or set MIZAN_MODELS", e.msg);
            return 2;
        }
        args->models[args->nmodels++] = defdir;
    }
    int rc = 2, opened = 0;
    mz_decoder *dec = NULL;
    mz_models m = {0};
    mz_outfile of = {0};
    run r;
    memset(&r, 0, sizeof r);
    r.out = stdout;
    /* --summary-by's field travels in each answer as a kept field does */
    char *by = NULL;
    if (args->encoding && !(dec = mz_decoder_new(args->encoding, &e))) goto fail;
    if (mz_models_load(&m, args->models, args->nmodels, &e) != 0) goto fail;
    if (mz_models_fields(&m, args->fields, r.fields, &e) != 0) goto fail;
    if (args->summary_by) {
        if (!(by = strdup(args->summary_by))) goto oom;
        /* kept under a key of its own, so any field will do */
        if (keep_list(by, "--summary-by", NULL, &r.keep, &r.nkeep) != 0) goto out;
        r.keep_as = MZ_SUMMARY_KEY;
        if (r.nkeep != 1) {
            say("--summary-by: one field");
            goto out;
        }
    }
    if (args->keep && keep_list((char *)args->keep, "--keep", &m, &r.keep, &r.nkeep) != 0) goto out;
    if (args->source && known_source(&m, args->source) != 0) goto out;
    if (output) {
        mz_signals_catch(on_signal);
        if (mz_outfile_open(&of, output, &e) != 0) goto fail;
        opened = 1;
        r.out = of.f;
    }
    if (args->list) {
        /* loading verified every bundle; the listing is read from them */
        mz_buf b = {0};
        mz_models_describe(&m, args->o.text_format, args->terms, &b);
        rc = 0;
        if (b.oom) {
            say("out of memory");
            rc = 2;
        } else if ((b.n && fwrite(b.s, 1, b.n, r.out) != b.n) || fflush(r.out) != 0) {
            r.write_err = errno ? errno : EIO;
        }
        mz_buf_free(&b);
        goto out;
    }
    r.o = args->o;
    if (args->summary) {
        /* the engine answers in JSON, which the summary reads; evidence is
         * per article, so none is looked for */
        r.o.text_format = 0;
        r.o.explain = 0;
        if (!(r.sum = mz_summary_new(args->summary_by))) goto oom;
        /* every bundle's answer in every account, in the records' order */
        static const int kind[MZ_NGROUPS] = {MZ_SUM_LABEL, MZ_SUM_FRAMES, MZ_SUM_STANCE, MZ_SUM_TARGET};
        for (int pass = 0; pass < MZ_NGROUPS; pass++)
            for (size_t i = 0; i < m.n; i++)
                if (m.group[i] == pass && mz_summary_expect(r.sum, mz_models_answer_key(&m, i), kind[pass]) != 0)
                    goto oom;
    }
    r.threads = args->threads;
    if (mz_models_target_field(&m, args->target_field, &r.target_field, &e) != 0) goto fail;
    r.o.target_field = r.target_field;
    r.source_field = m.source_field;
    for (size_t i = 0; i < m.n; i++) r.reads_target |= m.group[i] == MZ_GROUP_TARGET;
    r.source_given = args->source;
    r.dec = dec;
    struct stat ost;
    /* -o's file as it is before the run: a folder input may hold it (the
     * new answers are renamed over it only at the end) */
    if (output && stat(output, &ost) == 0 && S_ISREG(ost.st_mode))
        r.out_exists = 1, r.out_dev = ost.st_dev, r.out_ino = ost.st_ino;
    /* stdout, met in a folder through a link or under another name */
    if (so_file) r.out_exists = r.out_stdout = 1, r.out_dev = sost.st_dev, r.out_ino = sost.st_ino;
    /* progress only where it cannot land among the answers */
    r.progress = mz_progress_live() && !(r.out == stdout && isatty(STDOUT_FILENO));
    r.shown_ms = now_ms();
    r.w = calloc((size_t)args->threads, sizeof *r.w);
    r.items = calloc(BATCH, sizeof *r.items);
    if (!r.w || !r.items) goto oom;
    for (int t = 0; t < args->threads; t++)
        if (mz_worker_init(&r.w[t], &m, &r.o, &e) != 0) goto fail;
    if (r.o.tsv) {
        /* the header row first, even for a run that answers nothing */
        mz_buf hb = {0};
        r.o.tsv_cols = mz_models_tsv_header(&m, r.keep, r.nkeep, &hb);
        r.o.tsv_kept = (size_t)r.nkeep;
        /* two bundles (or a kept field) whose columns share a name (a bundle
         * named russia_label beside the Russia stance bundle's label): a
         * spreadsheet could not tell them apart */
        const char *dup = hb.oom ? NULL : tsv_repeated_column(hb.s, hb.n);
        if (dup) {
            size_t dl = strcspn(dup, "\t\n");
            mz_fail(&e, "--format tsv: two columns would be named \"%.*s\"; combine other bundles, or use JSON",
                    (int)(dl < 200 ? dl : 200), dup);
            mz_buf_free(&hb);
            goto fail;
        }
        if (!hb.oom && fwrite(hb.s, 1, hb.n, r.out) != hb.n) r.write_err = errno ? errno : EIO;
        mz_buf_free(&hb);
        if (hb.oom) goto oom;
    }
    for (int i = 0; !r.write_err && !r.oom && i < args->ninputs; i++) {
        struct stat st;
        const char *in = args->inputs[i];
        /* a file named .jsonl is a stream even without --jsonl: read as
         * one article, a whole feed would get one meaningless answer */
        /* a file named is answered as often as it is named; folders are
         * read once (read_already) */
        if (strcmp(in, "-") && stat(in, &st) == 0 && S_ISDIR(st.st_mode)) add_dir(&r, in);
        else if (args->jsonl || has_ext(in, ".jsonl")) add_jsonl(&r, in);
        else if (!strcmp(in, "-")) add_stdin_article(&r);
        else add_file(&r, in, 0);
    }
    flush_batch(&r);
    mz_progress_clear();
    if (r.oom && r.oom_at[0]) {
        mz_fail(&e, "%s: out of memory", r.oom_at);
        goto fail;
    }
    if (r.oom) goto oom;
    if (r.sum) {
        mz_buf sb = {0};
        mz_summary_write(r.sum, args->o.text_format, &sb);
        if (!sb.oom && !r.write_err && (fwrite(sb.s, 1, sb.n, r.out) != sb.n || fflush(r.out) != 0))
            r.write_err = errno ? errno : EIO;
        mz_buf_free(&sb);
        if (sb.oom) goto oom;
    }
    /* flush_batch checked every write (r.write_err) */
    rc = r.any_input_error ? 2 : r.any_record_error ? 1 : 0;
    goto out;
oom:
    mz_fail(&e, "out of memory");
fail:
    mz_progress_clear();
    mz_err_print(stderr, "mizan-classify", e.msg);
    rc = 2;
out:
    mz_summary_free(r.sum);
    if (r.w)
        for (int t = 0; t < args->threads; t++)
            if (r.w[t].m) mz_worker_free(&r.w[t]);
    if (r.items)
        for (size_t i = 0; i < BATCH; i++) mz_buf_free(&r.items[i].out);
    free(r.w);
    free(r.items);
    free(r.keep);
    for (size_t i = 0; i < r.nread; i++) free(r.read_path[i]);
    free(r.read_path);
    mz_strmap_free(r.read);
    free(by);
    mz_models_free(&m);
    mz_decoder_free(dec);
    /* a failed write is reported whether or not -o was given */
    return output && !opened ? rc : close_output(output, &of, rc, r.write_err);
}

/* --help and --version: written, or a message and 2 as a run's failed
 * write is. */
static int end_stdout(void)
{
    errno = 0;
    /* fflush's errno is the reason; a write that failed earlier left none
     * that can be trusted */
    int err = fflush(stdout) != 0 ? errno : 0;
    if (!err && !ferror(stdout)) return 0;
    say("standard output: write error%s%s", err ? ": " : "", err ? strerror(err) : "");
    return 2;
}

int main(int argc, char **argv)
{
    mz_err e;
    mz_classify_args args;
    int closed;
    if (mz_start(&closed) != 0) return 2;
    stdin_closed = closed & 1;
    if (mz_classify_args_parse(&args, argc, argv, &e) != 0) {
        int asked = !strcmp(e.msg, "help") || !strcmp(e.msg, "version");
        if (!strcmp(e.msg, "help")) fputs(mz_classify_usage, stdout);
        else if (asked) printf("mizan-classify %s (model bundle format %d)\n", MZ_VERSION, MZ_FORMAT_VERSION);
        else {
            /* the message alone says what is wrong; the full text would bury it */
            mz_err_print(stderr, "mizan-classify", e.msg);
            fputs("mizan-classify: see mizan-classify --help for the options\n", stderr);
        }
        mz_classify_args_free(&args);
        return asked ? end_stdout() : 2;
    }
#ifdef M_ARENA_MAX
    /* glibc gives each thread an arena of its own, reserving 64 MB of
     * address space apiece: -j 32 under ulimit -v ran out with memory to
     * spare.  As many arenas as threads (8 at most) cost no speed. */
    mallopt(M_ARENA_MAX, args.threads < 8 ? args.threads : 8);
#endif
    int rc = run_all(&args);
    mz_classify_args_free(&args);
    return rc;
}
