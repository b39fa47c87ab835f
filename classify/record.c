/* record.c — see record.h. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatrecord.h"
#include "utf8.h"

/* 1 when the member whose value is sp stands whole before the fault at
 * s[bad]: its value closed, and a comma or the object's end follows it
 * ("12 34" stops at 12 before the fault, which is no whole member). */
static int whole_before(const char *s, const mz_jspan *sp, size_t bad)
{
    if (!sp->len || sp->off + sp->len >= bad) return 0;
    size_t after = sp->off + sp->len;
    while (after < bad && (s[after] == ' ' || s[after] == '\t' || s[after] == '\r' || s[after] == '\n')) after++;
    return after < bad && (s[after] == ',' || s[after] == '}');
}

char *mz_kept_members(const mz_run *r, const cJSON *obj, const char *line, size_t len, size_t *twice)
{
    if (twice) *twice = SIZE_MAX;
    if (!r->nkeep) return NULL;
    mz_jspan *span = calloc((size_t)r->nkeep, sizeof *span);
    size_t bad;
    const char *why;
    if (!span) return NULL;
    int refused = 0;
    if (line && mz_json_scan(line, len, (const char *const *)r->keep, (size_t)r->nkeep, span, &bad, &why) != 0) {
        /* a line refused: the values whole before its fault are still
         * copied as written; the rest as cJSON reads them, where that is
         * exact */
        refused = 1;
        for (int k = 0; k < r->nkeep; k++)
            if (!whole_before(line, &span[k], bad)) span[k].len = 0;
        if (twice && !strcmp(why, MZ_JSON_TWICE)) {
            *twice = bad;
            memset(span, 0, (size_t)r->nkeep * sizeof *span);
        }
    }
    mz_buf b = {0};
    cJSON *own = NULL;
    for (int k = 0; k < r->nkeep; k++) {
        cJSON_Delete(own);
        own = NULL;
        mz_buf_puts(&b, r->o.tsv ? "\t" : ", ");
        if (!r->o.tsv) {
            const char *as = r->keep_as ? r->keep_as : r->keep[k];
            mz_buf_json_str(&b, as, strlen(as));
            mz_buf_puts(&b, ": ");
        }
        const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, r->keep[k]) : NULL;
        /* a line cJSON cannot read at all (cut short): the value whole
         * before the fault, read on its own */
        if (!v && !cJSON_IsObject(obj) && span[k].len) v = own = cJSON_ParseWithLength(line + span[k].off, span[k].len);
        /* past a refused line's fault, a number (which cJSON rewrites:
         * 12345678901234567890 as 1.2345678901234567e+19) or anything
         * holding one cannot be copied as written: null */
        if (refused && v && !span[k].len && (cJSON_IsNumber(v) || cJSON_IsArray(v) || cJSON_IsObject(v))) v = NULL;
        if (r->o.tsv && cJSON_IsString(v)) {
            /* cJSON ends a string at a \u0000: such a value is shown as
             * written, escapes and all, not cut there */
            if (span[k].len >= 2 && mz_json_nul_escape(line + span[k].off, span[k].len, NULL))
                mz_buf_tsv_cell(&b, line + span[k].off + 1, span[k].len - 2);
            else mz_buf_tsv_cell(&b, v->valuestring, strlen(v->valuestring));
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
        else if (r->keep_as && cJSON_IsString(v) && span[k].len >= 2 && mz_json_nul_escape(text, tl, NULL))
            mz_buf_json_str(&b, text + 1, tl - 2); /* read back whole: cJSON would end it at the \u0000 */
        else mz_buf_json_raw(&b, text, tl);
        cJSON_free(j);
    }
    cJSON_Delete(own);
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

void mz_id_scan(const mz_run *r, const char *s, size_t n, mz_idscan *q)
{
    q->rc = mz_json_scan(s, n, &r->fl.id, 1, &q->sp, &q->bad, &q->why);
}

/* 1 when the scan failed on the id given twice: which is meant cannot be
 * told, so an error answer gives neither. */
static int id_twice(const mz_idscan *q) { return q->rc != 0 && !strcmp(q->why, MZ_JSON_TWICE); }

void mz_salvage_id(mz_item *it, const char *s, const mz_idscan *q)
{
    const mz_jspan *sp = &q->sp;
    if (q->rc == 0 || id_twice(q) || !whole_before(s, sp, q->bad)) return;
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

void mz_raw_id(const mz_run *r, mz_item *it, const char *s, size_t n)
{
    mz_idscan q;
    mz_id_scan(r, s, n, &q);
    /* a line the scan takes whole: its id member ends before its end */
    if (q.rc == 0) q.rc = 1, q.bad = n, q.why = "";
    mz_salvage_id(it, s, &q);
}

void mz_parse_line(mz_run *r, mz_item *it)
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
        /* the id for the error record, where it stands whole before the
         * fault, read from its own bytes: cJSON reads lines the strict scan
         * refuses ("01", a raw tab or NUL, junk after the object), and cuts
         * a string at a NUL */
        mz_raw_id(r, it, it->line, it->line_len);
        cJSON *j = cJSON_ParseWithLength(it->line, it->line_len);
        it->kept = mz_kept_members(r, j, it->line, it->line_len, NULL);
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
        it->kept = mz_kept_members(r, rec.obj, it->line, it->line_len, NULL);
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
    else if (tg && !cJSON_IsNull(tg)) {
        /* as written, as --keep copies it (cJSON would print 1e400 as
         * null and round a 20-digit number) */
        const char *key[1] = {r->target_field};
        mz_jspan sp;
        size_t bad;
        const char *why;
        if (mz_json_scan(it->line, it->line_len, key, 1, &sp, &bad, &why) == 0 && sp.len)
            it->target_json = strndup(it->line + sp.off, sp.len);
        else it->target_json = cJSON_PrintUnformatted(tg);
        if (!it->target_json) it->oom = 1;
    }
    const cJSON *so = r->source_field ? cJSON_GetObjectItemCaseSensitive(rec.obj, r->source_field) : NULL;
    if (cJSON_IsString(so) && !(it->source = strdup(so->valuestring))) it->oom = 1;
    /* a number (an outlet's code) names a source too, one no head knows
     * (heads are named by strings, and "24" is not 24): the plain head
     * answers, not --source's */
    it->source_other = so && !cJSON_IsString(so) && !cJSON_IsNull(so);
    size_t twice;
    if (r->nkeep && !(it->kept = mz_kept_members(r, rec.obj, it->line, it->line_len, &twice))) {
        it->oom = 1;
    } else if (r->nkeep && twice != SIZE_MAX && !it->error) {
        /* which value to copy cannot be told, as for the fields read */
        snprintf(m, sizeof m, "%s:%zu: a field given twice, at byte %zu: which value to keep cannot be told", name,
                 it->lineno, twice);
        it->error = strdup(m);
        free(it->kept);
        it->kept = mz_kept_members(r, NULL, NULL, 0, NULL);
    }
    if (!it->text || (rec.title && !it->title)) it->oom = 1;
    mz_record_free(&rec);
}
