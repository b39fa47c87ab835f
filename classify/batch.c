/* batch.c — see batch.h. */
#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "parallel.h"
#include "progress.h"
#include "record.h"
#include "stream.h"

double mz_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int work(void *arg, int wk, size_t i, mz_err *e)
{
    (void)e;
    mz_run *r = arg;
    mz_item *it = &r->items[i];
    mz_buf_reset(&it->out);
    if (it->line) {
        mz_parse_line(r, it);
        free(it->line);
        it->line = NULL;
    }
    /* a file, stdin or a line never parsed: its kept fields are null, so
     * that every answer of a run has the same members */
    if (r->nkeep && !it->kept && !(it->kept = mz_kept_members(r, NULL, NULL, 0, NULL)) && !it->error)
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
        w->target_json = it->target_json;
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

void mz_flush_batch(mz_run *r)
{
    mz_err e;
    mz_parallel_for(r->n, r->threads, work, r, &e);
    for (size_t i = 0; i < r->n; i++) {
        mz_item *it = &r->items[i];
        size_t first;
        /* repeats are found here, in input order, so "first" means first;
         * an id is held by a record answered under it, not by one that
         * failed, so that a corrected record sent again is answered */
        if (it->has_id && !it->status && r->seen && mz_dupset_add(r->seen, it->id, it->lineno, &first)) {
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
            /* a file's messages name it already: its id is its path (a
             * stream's record, whose id may be anything, is always named) */
            size_t il = it->id ? strlen(it->id) : 0;
            if (!il || it->lineno || strncmp(msg, it->id, il) != 0 || msg[il] != ':') {
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
            mz_run_wrote(r, it->out.n);
        }
        cJSON_Delete(it->ans);
        it->ans = NULL;
        free(it->id);
        free(it->title);
        free(it->text);
        free(it->error);
        free(it->target);
        free(it->target_json);
        free(it->source);
        free(it->line);
        free(it->kept);
        it->id = it->title = it->text = it->error = it->target = it->target_json = it->source = it->line = it->kept = NULL;
        it->has_id = it->id_number = it->source_other = it->oom = 0;
    }
    /* a full disk or a closed reader stops the run at once, rather than
     * classifying the rest of a stream nobody will see */
    if (!r->write_err && (fflush(r->out) != 0 || ferror(r->out))) r->write_err = errno ? errno : EIO;
    if (!r->write_err) mz_run_flushed(r);
    r->answered += r->n;
    r->n = 0;
    double t = r->progress ? mz_now_ms() : 0;
    if (r->progress && t - r->shown_ms >= 250) {
        mz_progress("mizan-classify: %zu answered, %zu of them errors", r->answered, r->failed);
        r->shown_ms = t;
    }
}

mz_item *mz_next_item(mz_run *r)
{
    if (r->n == MZ_BATCH || r->batch_bytes >= MZ_BATCH_BYTES) mz_flush_batch(r);
    if (r->n == 0) r->batch_t0 = mz_now_ms(), r->batch_bytes = 0;
    mz_item *it = &r->items[r->n++];
    it->tlen = it->len = 0;
    it->lineno = 0;
    it->status = 0;
    return it;
}

void mz_run_wrote(mz_run *r, size_t n)
{
    size_t last = r->nends ? r->out_ends[r->nends - 1] : r->out_done;
    if (r->nends == MZ_BATCH + 2) return; /* only ever flushed before */
    r->out_ends[r->nends++] = last + n;
}

void mz_run_flushed(mz_run *r)
{
    if (r->nends) r->out_done = r->out_ends[r->nends - 1];
    r->nends = 0;
}

void mz_run_trim(const mz_run *r, int fd, off_t start)
{
    struct stat st;
    if (start < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at < start) return;
    size_t wrote = (size_t)(at - start), keep = r->out_done <= wrote ? r->out_done : 0;
    for (int i = 0; i < r->nends; i++)
        if (r->out_ends[i] <= wrote) keep = r->out_ends[i];
    if ((off_t)(start + (off_t)keep) < st.st_size) (void)!ftruncate(fd, start + (off_t)keep);
}
