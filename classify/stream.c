/* stream.c — see stream.h. */
#include "stream.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "inputs.h"
#include "linereader.h"
#include "record.h"

/* A stream that pauses has what it sent answered once it has been idle
 * IDLE_MS or its oldest unanswered record is MAX_WAIT_MS old; a producer
 * that is merely slower than mizan for a moment still fills whole batches,
 * which is what keeps both cores busy. */
#define IDLE_MS 100
#define MAX_WAIT_MS 1000

/* A fixed-size set of 64-bit id hashes with the line each was first seen
 * on, in two generations: ids go into the newer, and when it holds
 * DUP_WINDOW / 2 the older is emptied and becomes the newer.  So a repeat
 * is found whenever fewer than DUP_WINDOW / 2 distinct ids came between
 * (emptying a single table at once forgot the id of the line before), and
 * memory is the same from the first record of a stream to the last.  Two
 * different ids sharing a 64-bit hash would be reported as a repeat; at
 * 2^18 ids the odds are about 1 in 10^8. */
#define DUP_WINDOW (1u << 18)

struct mz_dupset {
    uint64_t *key[2]; /* 0 = empty; [cur] is the newer generation */
    size_t *line[2];
    size_t mask, count; /* count: ids in the newer */
    int cur;
};

static void dupset_free(mz_dupset *d)
{
    for (int g = 0; g < 2; g++) {
        free(d->key[g]);
        free(d->line[g]);
        d->key[g] = NULL;
        d->line[g] = NULL;
    }
}

static int dupset_init(mz_dupset *d)
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
static size_t dupset_slot(const mz_dupset *d, int g, uint64_t h)
{
    size_t i = (size_t)(h >> 7) & d->mask;
    while (d->key[g][i] && d->key[g][i] != h) i = (i + 1) & d->mask;
    return i;
}

int mz_dupset_add(mz_dupset *d, const char *id, size_t lineno, size_t *first)
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

/* The fields a stream's records are read by: the bundles' (or the
 * command line's) id, text and title, and the fields that change an
 * answer, refused when given twice. */
static void stream_fields(mz_run *r)
{
    mz_fields_default(&r->fl);
    r->fl.max_text = r->o.max_bytes;
    r->fl.label = NULL;
    r->fl.id = r->fields[0], r->fl.text = r->fields[1], r->fl.title = r->fields[2];
    r->fl.also[0] = r->reads_target ? r->target_field : NULL;
    r->fl.also[1] = r->source_field;
}

/* The stream `name` could not be read past the line lr is on: said, or
 * kept as the run's out-of-memory. */
static void read_failed(mz_run *r, const mz_linereader *lr, const char *name)
{
    char why[128], m[PATH_MAX + 512];
    snprintf(m, sizeof m, "%s:%zu: %s", name, lr->lineno + 1, mz_linereader_why(lr, why, sizeof why));
    if (lr->err == ENOMEM) {
        r->oom = 1;
        snprintf(r->oom_at, sizeof r->oom_at, "%s:%zu", name, lr->lineno + 1);
    } else {
        mz_input_msg(m);
    }
    r->any_input_error++;
}

/* The line lr holds (status st, its first non-blank byte at i) as the
 * batch's next item: copied, and decoded when the stream is in another
 * encoding (lines), or an item that answers with its error. */
static void queue_line(mz_run *r, const mz_linereader *lr, int st, size_t i, int lines, const char *name)
{
    char m[PATH_MAX + 512]; /* a stream's path, up to PATH_MAX, and what is wrong */
    mz_item *it = mz_next_item(r);
    if (st == MZ_LINE_TOO_LONG) {
        snprintf(m, sizeof m, "%s:%zu: line longer than %zu bytes (--max-bytes)", name, lr->lineno, lr->max_line);
        it->error = strdup(m);
        /* (a line in another encoding is not decoded, being skipped) */
        if (lr->buf) mz_raw_id(r, it, lr->buf, lr->len);
        return;
    }
    if (i == lr->len) {
        snprintf(m, sizeof m, "%s:%zu: empty line", name, lr->lineno);
        it->error = strdup(m);
        return;
    }
    it->lineno = lr->lineno;
    it->line_len = lr->len;
    if (!(it->line = malloc(lr->len + 1))) {
        it->oom = 1;
        return;
    }
    memcpy(it->line, lr->buf, lr->len);
    it->line[lr->len] = '\0';
    r->batch_bytes += lr->len;
    if (!lines) return;
    mz_err e;
    if (mz_text_utf8(r->dec, &it->line, &it->line_len, &e) != 0) {
        snprintf(m, sizeof m, "%s:%zu: %s", name, lr->lineno, e.msg);
        it->error = strdup(m);
        mz_raw_id(r, it, it->line, it->line_len);
        free(it->line);
        it->line = NULL;
    }
}

void mz_add_jsonl(mz_run *r, const char *path)
{
    const char *name = strcmp(path, "-") ? path : "<stdin>";
    int lines;
    mz_err oe;
    if (!strcmp(path, "-") && mz_stdin_closed) {
        /* not an empty stream: there is none */
        mz_input_msg("-: standard input is closed");
        r->any_input_error++;
        return;
    }
    FILE *f = mz_text_open(path, r->dec, &lines, &oe);
    if (!f) {
        mz_input_msg(oe.msg);
        r->any_input_error++;
        return;
    }
    mz_linereader lr;
    mz_linereader_init(&lr, f, mz_jsonl_line_max(r->o.max_bytes));
    /* a batch never mixes two streams: each has its name and its ids */
    if (r->n) mz_flush_batch(r);
    r->stream = name;
    stream_fields(r);
    int st;
    char m[PATH_MAX + 512]; /* a stream's path, up to PATH_MAX, and what is wrong */
    size_t nlines = 0;
    int refused = 0;
    /* ids seen in this stream, to report repeats (repeats further apart
     * than DUP_WINDOW / 2 distinct ids may go undetected) */
    mz_dupset seen;
    int have_seen = dupset_init(&seen) == 0;
    r->seen = have_seen ? &seen : NULL;
    for (;;) {
        /* a stream that pauses (a feed, a pipeline) gets the records it
         * sent answered, not only when a batch fills */
        if (r->n) {
            double left = MAX_WAIT_MS - (mz_now_ms() - r->batch_t0);
            int wait = left <= 0 ? 0 : left < IDLE_MS ? (int)left : IDLE_MS;
            if (left <= 0 || !mz_linereader_ready(&lr, wait)) mz_flush_batch(r);
        }
        if (r->write_err || r->oom) break;
        if ((st = mz_linereader_next(&lr)) == MZ_LINE_EOF) break;
        nlines++;
        if (st == MZ_LINE_IOERR) {
            read_failed(r, &lr, name);
            break;
        }
        size_t i = 0;
        const char *bom = st == MZ_LINE_OK && lr.lineno == 1 ? mz_bom(lr.buf, lr.len) : NULL;
        /* a mark alone, of any kind, says nothing: an empty stream (one
         * that goes on after it, even after a newline byte, is no such) */
        size_t marklen = !bom ? 0 : !strcmp(bom, "utf-8") ? 3 : !strcmp(bom, "utf-16") ? 2 : 4;
        if (bom && strcmp(bom, "utf-8") && lr.len == marklen && lr.eof && lr.in_pos >= lr.in_len) {
            nlines--;
            continue;
        }
        if (bom && strcmp(bom, "utf-8")) {
            /* a stream's mark, which mz_text_open cannot look at on a
             * pipe: UTF-16 and UTF-32 cannot be read line by line */
            snprintf(m, sizeof m,
                     "%s: a stream in %s cannot be read line by line; convert it to UTF-8 first (iconv -f %s -t utf-8)",
                     name, bom, bom);
            mz_input_msg(m);
            r->any_input_error++, refused = 1;
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
        queue_line(r, &lr, st, i, lines, name);
    }
    mz_flush_batch(r);
    r->seen = NULL;
    r->stream = NULL;
    mz_linereader_free(&lr);
    if (have_seen) dupset_free(&seen);
    if (f != stdin) fclose(f);
    if (nlines == 0 && !refused) {
        snprintf(m, sizeof m, "%s: no records (empty input)", name);
        mz_input_msg(m);
        r->any_input_error++;
    }
}
