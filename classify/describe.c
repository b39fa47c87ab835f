/* describe.c — see describe.h. */
#include "describe.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

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

/* Class c's top terms (top: K entries of scratch) as an array of
 * {"term", "weight"[, "context": true]}. */
static cJSON *top_terms(const mz_vocab *v, const mz_linmodel *lm, int c, size_t K, mz_evidence *top)
{
    size_t got = mz_head_top_terms(v, lm, c, K, top);
    cJSON *a = cJSON_CreateArray();
    for (size_t j = 0; a && j < got; j++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddItemToArray(a, t);
        cJSON_AddStringToObject(t, "term", top[j].term);
        cJSON_AddNumberToObject(t, "weight", round(top[j].weight * 1e6) / 1e6);
        char kind = v->kind[top[j].sid];
        if (kind == 'c' || kind == 'd') cJSON_AddTrueToObject(t, "context");
    }
    return a;
}

/* only: list that label alone (a multi-label bundle's binary head: its
 * other class is every other frame at once, no one's words) */
static cJSON *head_terms(const mz_vocab *v, const mz_linmodel *lm, char *const *labels, const char *only, size_t K,
                         mz_evidence *top)
{
    if (lm->kernel_rbf) return cJSON_CreateNull(); /* no primal weights to rank */
    cJSON *hj = cJSON_CreateObject();
    for (int c = 0; hj && c < lm->nclass; c++)
        if (!only || !strcmp(labels[c], only)) cJSON_AddItemToObject(hj, labels[c], top_terms(v, lm, c, K, top));
    return hj;
}

/* --terms K: per head, per label, its K strongest words; a multi-label
 * bundle's primary head's into *primary (NULL without one), apart, as its
 * binary heads are named by their labels, and a label may be "primary".
 * The per-source heads of a topic bundle are the plain head's with a few
 * weights of their own: the plain head's stand. */
static cJSON *terms_of(const mz_bundle *b, size_t K, cJSON **primary)
{
    *primary = NULL;
    cJSON *t = cJSON_CreateObject();
    mz_evidence *top = malloc(K * sizeof *top);
    if (!t || !top) {
        cJSON_Delete(t);
        free(top);
        return NULL;
    }
    int ml = !strcmp(b->kind, "multilabel");
    for (size_t h = 0; h < b->nheads; h++)
        cJSON_AddItemToObject(t, b->heads[h].name,
                              head_terms(&b->vocab, &b->heads[h].lm, b->heads[h].labels,
                                         ml ? b->heads[h].name : NULL, K, top));
    if (b->primary.nclass && (size_t)b->primary.nclass == b->nheads) {
        char **names = malloc(b->nheads * sizeof *names);
        for (size_t h = 0; names && h < b->nheads; h++) names[h] = b->heads[h].name;
        if (names) *primary = head_terms(&b->vocab, &b->primary, names, NULL, K, top);
        free(names);
    }
    free(top);
    return t;
}

static cJSON *record_of(const mz_models *m, size_t i, size_t terms)
{
    mz_bundle *b = &m->b[i];
    int g = m->group[i];
    const cJSON *man = b->manifest;
    cJSON *r = cJSON_CreateObject();
    char key[MZ_NAME_MAX + 16];
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
    if (terms) {
        cJSON *pt;
        cJSON *t = terms_of(b, terms, &pt);
        if (!t) {
            cJSON_Delete(r);
            return NULL;
        }
        cJSON_AddItemToObject(r, "terms", t);
        if (pt) cJSON_AddItemToObject(r, "primary_terms", pt);
    }
    return r;
}

/* A cv section for a person: its figures (not its counts), then each
 * class's F1. */
static void text_section(mz_buf *o, const char *name, const cJSON *sec)
{
    mz_buf_puts(o, "  cv ");
    /* a long name still stands apart from its figures */
    if (mz_buf_cell(o, name, 10, 0, 0) >= 10) mz_buf_puts(o, " ");
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

/* A head's terms, a line per label; hn names the head (a multi-label
 * bundle's binary head is named by its label, said once; its primary head,
 * primary, has every label). */
static void text_terms(mz_buf *o, const char *hn, const cJSON *h, int primary)
{
    if (!cJSON_IsObject(h)) {
        mz_buf_printf(o, "  terms   %s: no word weights (an RBF head)\n", hn);
        return;
    }
    for (const cJSON *l = h->child; l; l = l->next) {
        if (primary) mz_buf_printf(o, "  terms   %s, %s:", hn, l->string);
        else if (strcmp(h->string, l->string)) mz_buf_printf(o, "  terms   %s %s:", hn, l->string);
        else mz_buf_printf(o, "  terms   %s:", l->string);
        const char *sep = " ";
        const cJSON *v;
        cJSON_ArrayForEach(v, l)
        {
            mz_buf_printf(o, "%s%s", sep, cJSON_GetObjectItem(v, "term")->valuestring);
            if (cJSON_IsTrue(cJSON_GetObjectItem(v, "context"))) mz_buf_puts(o, " (near the target)");
            sep = ", ";
        }
        mz_buf_puts(o, "\n");
    }
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
    /* the manifest's cv is the trainer's report, not checked at load: only
     * objects have named members to print (an array's have no names) */
    const cJSON *cv = cJSON_GetObjectItem(r, "cv");
    for (const cJSON *s = cJSON_IsObject(cv) ? cv->child : NULL; s; s = s->next) {
        if (!cJSON_IsObject(s)) continue;
        /* per-source bundles: the figures above are the answers' own, these
         * the plain head's alone */
        const cJSON *plain = !strcmp(s->string, "source") ? cJSON_GetObjectItem(s, "plain") : NULL;
        if (cJSON_IsObject(plain)) text_section(o, "plain", plain);
        else text_section(o, s->string, s);
    }
    const cJSON *terms = cJSON_GetObjectItem(r, "terms");
    for (const cJSON *h = terms ? terms->child : NULL; h; h = h->next) text_terms(o, h->string, h, 0);
    const cJSON *pt = cJSON_GetObjectItem(r, "primary_terms");
    if (pt) text_terms(o, "primary head", pt, 1);
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

/* Control characters of every key and string of j shown as '?': the text
 * listing prints manifest strings (cv sections, classes, the rebuild
 * command) that the loader does not otherwise read, and an escape or a
 * line break there would reach the terminal or forge a line. */
static void mask_controls(cJSON *j)
{
    for (; j; j = j->next) {
        for (char *c = j->string; c && *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
        for (char *c = cJSON_IsString(j) ? j->valuestring : NULL; c && *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
        mask_controls(j->child);
    }
}

void mz_models_describe(const mz_models *m, int text_format, size_t terms, mz_buf *out)
{
    for (size_t i = 0; i < m->n; i++) {
        cJSON *r = record_of(m, i, terms);
        if (!r) {
            out->oom = 1;
            return;
        }
        if (text_format) {
            mask_controls(r);
            text_record(out, r);
        }
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
