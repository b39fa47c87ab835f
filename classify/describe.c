/* describe.c — see describe.h. */
#include "describe.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

/* The labels a bundle answers with: a multi-label bundle's are its binary
 * heads' names, a stance bundle's those of its stance head, any other's
 * those of the head named after it (else its first head). */
static cJSON *labels_of(mz_bundle *b, int group)
{
    cJSON *l = cJSON_CreateArray();
    if (group == MZ_GROUP_MULTILABEL) {
        for (size_t h = 0; h < b->nheads; h++) cJSON_AddItemToArray(l, cJSON_CreateString(b->heads[h].name));
        return l;
    }
    const mz_head *h = mz_bundle_head(b, group == MZ_GROUP_STANCE ? "stance" : b->name);
    if (!h && b->nheads) h = &b->heads[0];
    for (int c = 0; h && c < h->nclass; c++) cJSON_AddItemToArray(l, cJSON_CreateString(h->labels[c]));
    return l;
}

/* The manifest's cv block without its confusion matrices, which a listing
 * would be all about otherwise. */
static void drop_confusion(cJSON *o)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, "confusion");
    for (cJSON *c = o->child; c; c = c->next)
        if (cJSON_IsObject(c)) drop_confusion(c);
}

static cJSON *record_of(const mz_models *m, size_t i)
{
    mz_bundle *b = &m->b[i];
    int g = m->group[i];
    const cJSON *man = b->manifest;
    cJSON *r = cJSON_CreateObject();
    char key[80];
    snprintf(key, sizeof key, "%s%s", g == MZ_GROUP_STANCE ? "stance." : "", g == MZ_GROUP_STANCE ? b->target : b->name);
    cJSON_AddStringToObject(r, "key", key);
    cJSON_AddStringToObject(r, "name", b->name);
    cJSON_AddStringToObject(r, "kind", b->kind);
    if (b->target[0]) cJSON_AddStringToObject(r, "target", b->target);
    cJSON_AddStringToObject(r, "dir", b->dir);
    cJSON_AddItemToObject(r, "labels", labels_of(b, g));
    cJSON_AddNumberToObject(r, "features", (double)b->vocab.nfeat);
    static const char *const copied[] = {"documents", "documents_training_only", "program", "cv", "train_command"};
    for (size_t k = 0; k < sizeof copied / sizeof *copied; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(man, copied[k]);
        if (v) cJSON_AddItemToObject(r, copied[k], cJSON_Duplicate(v, 1));
    }
    if (b->nsource) {
        cJSON *sj = cJSON_AddObjectToObject(r, "sources");
        cJSON_AddStringToObject(sj, "field", b->source_field);
        cJSON *vals = cJSON_AddArrayToObject(sj, "values");
        for (int d = 0; d < b->nsource; d++) cJSON_AddItemToArray(vals, cJSON_CreateString(b->source_values[d]));
    }
    cJSON *cv = cJSON_GetObjectItemCaseSensitive(r, "cv");
    if (cJSON_IsObject(cv)) drop_confusion(cv);
    return r;
}

/* A cv section for a person: its figures (not its counts), then each
 * class's F1. */
static void text_section(mz_buf *o, const char *name, const cJSON *sec)
{
    mz_buf_puts(o, "  cv ");
    mz_buf_cell(o, name, 10, 0, 0);
    const char *sep = "";
    for (const cJSON *c = sec->child; c; c = c->next)
        if (cJSON_IsNumber(c) && strcmp(c->string, "n")) {
            mz_buf_printf(o, "%s%s ", sep, c->string);
            mz_buf_num(o, c->valuedouble, 3);
            sep = ", ";
        }
    const cJSON *pc = cJSON_GetObjectItemCaseSensitive(sec, "per_class");
    if (cJSON_IsObject(pc)) {
        mz_buf_puts(o, "; F1");
        for (const cJSON *c = pc->child; c; c = c->next) {
            const cJSON *f1 = cJSON_GetObjectItemCaseSensitive(c, "f1");
            if (!cJSON_IsNumber(f1)) continue;
            mz_buf_printf(o, " %s ", c->string);
            mz_buf_num(o, f1->valuedouble, 3);
        }
    }
    mz_buf_puts(o, "\n");
}

static void text_record(mz_buf *o, const cJSON *r)
{
    const cJSON *v;
    mz_buf_printf(o, "== %s (%s) %s\n", cJSON_GetObjectItem(r, "key")->valuestring,
                  cJSON_GetObjectItem(r, "kind")->valuestring, cJSON_GetObjectItem(r, "dir")->valuestring);
    mz_buf_puts(o, "  labels  ");
    const char *sep = "";
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(r, "labels"))
    {
        mz_buf_printf(o, "%s%s", sep, v->valuestring);
        sep = ", ";
    }
    if (cJSON_IsNumber(v = cJSON_GetObjectItem(r, "documents")))
        mz_buf_printf(o, "\n  trained on %.0f documents", v->valuedouble);
    if (cJSON_IsNumber(v = cJSON_GetObjectItem(r, "documents_training_only")))
        mz_buf_printf(o, " (%.0f of them never scored)", v->valuedouble);
    mz_buf_printf(o, ", %.0f features", cJSON_GetObjectItem(r, "features")->valuedouble);
    if (cJSON_IsString(v = cJSON_GetObjectItem(r, "program"))) mz_buf_printf(o, ", by %s", v->valuestring);
    mz_buf_puts(o, "\n");
    const cJSON *src = cJSON_GetObjectItem(r, "sources");
    if (src) {
        mz_buf_printf(o, "  a head of its own for each source (field %s):", cJSON_GetObjectItem(src, "field")->valuestring);
        sep = " ";
        cJSON_ArrayForEach(v, cJSON_GetObjectItem(src, "values"))
        {
            mz_buf_printf(o, "%s%s", sep, v->valuestring);
            sep = ", ";
        }
        mz_buf_puts(o, "; any other source: the plain head\n");
    }
    const cJSON *cv = cJSON_GetObjectItem(r, "cv");
    for (const cJSON *s = cv ? cv->child : NULL; s; s = s->next) {
        if (!cJSON_IsObject(s)) continue;
        /* per-source bundles: the figures above are the answers' own, these
         * the plain head's alone */
        const cJSON *plain = !strcmp(s->string, "source") ? cJSON_GetObjectItem(s, "plain") : NULL;
        if (plain) text_section(o, "plain", plain);
        else text_section(o, s->string, s);
    }
    const cJSON *cmd = cJSON_GetObjectItem(r, "train_command");
    if (cJSON_IsArray(cmd)) {
        mz_buf_puts(o, "  rebuild");
        cJSON_ArrayForEach(v, cmd)
        {
            if (!cJSON_IsString(v)) continue;
            /* quoted where a shell would split or expand it */
            int plain = *v->valuestring && !strpbrk(v->valuestring, " \t\n'\"\\$`*?[]{}()<>|&;#~!");
            mz_buf_puts(o, plain ? " " : " '");
            for (const char *c = v->valuestring; *c; c++) {
                if (*c == '\'' && !plain) mz_buf_puts(o, "'\\''");
                else mz_buf_put(o, c, 1);
            }
            if (!plain) mz_buf_puts(o, "'");
        }
        mz_buf_puts(o, "\n");
    }
}

void mz_models_describe(const mz_models *m, int text_format, mz_buf *out)
{
    for (size_t i = 0; i < m->n; i++) {
        cJSON *r = record_of(m, i);
        if (!r) {
            out->oom = 1;
            return;
        }
        if (text_format) text_record(out, r);
        else {
            char *l = cJSON_PrintUnformatted(r);
            if (l) {
                mz_buf_puts(out, l);
                mz_buf_puts(out, "\n");
                cJSON_free(l);
            } else out->oom = 1;
        }
        cJSON_Delete(r);
    }
}
