/* summary.c — see summary.h.
 *
 * Each answer is parsed back with cJSON (by the worker that wrote it): it
 * keeps the summary true to the records by construction (nothing is
 * tallied that a record does not say).  Groups follow the
 * order of keys in the records, which the bundles fix. */
#include "summary.h"

#include <cJSON.h>

#include "strmap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tally {
    char *name;
    long n;
} tally;

typedef struct tallies {
    tally *t;
    size_t n, cap;
} tallies;

enum { G_LABEL = MZ_SUM_LABEL, G_FRAMES = MZ_SUM_FRAMES, G_STANCE = MZ_SUM_STANCE, G_TARGET = MZ_SUM_TARGET };

typedef struct expected {
    char *key;
    int kind;
} expected;

typedef struct group {
    char *key;
    int kind;
    long articles; /* records holding the key */
    tallies a;     /* labels; frames: primaries; target: targets */
    tallies b;     /* frames: every label chosen; target: "target\tlabel" */
    long present;  /* stance: articles that discuss the target */
    double score;  /* stance: sum of their scores */
} group;

/* The account of a set of answers: the whole run, or one value of the
 * --summary-by field. */
typedef struct acct {
    group *g;
    size_t n, cap;
    long answered, errors;
} acct;

#define MAX_VALUES 10000

struct mz_summary {
    acct all;
    char *by;         /* the field answers are grouped by, or NULL */
    mz_strmap *index; /* its value → vals[] */
    acct *vals;
    size_t nvals, cap;
    long other;       /* answers whose value came after MAX_VALUES others */
    expected *exp;    /* the bundles' answers every account starts with */
    size_t nexp;
    int oom;
};

mz_summary *mz_summary_new(const char *by)
{
    mz_summary *s = calloc(1, sizeof *s);
    if (!s || !by) return s;
    if (!(s->by = strdup(by)) || !(s->index = mz_strmap_new(64))) {
        mz_summary_free(s);
        return NULL;
    }
    return s;
}

static void tallies_free(tallies *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->t[i].name);
    free(t->t);
}

static void acct_free(acct *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->g[i].key);
        tallies_free(&a->g[i].a);
        tallies_free(&a->g[i].b);
    }
    free(a->g);
}

void mz_summary_free(mz_summary *s)
{
    if (!s) return;
    acct_free(&s->all);
    for (size_t i = 0; i < s->nvals; i++) acct_free(&s->vals[i]);
    free(s->vals);
    mz_strmap_free(s->index);
    for (size_t i = 0; i < s->nexp; i++) free(s->exp[i].key);
    free(s->exp);
    free(s->by);
    free(s);
}

/* Add one to name's count (a linear search: a bundle has tens of labels). */
static int count(tallies *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->t[i].name, name)) {
            t->t[i].n++;
            return 0;
        }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 16;
        tally *x = realloc(t->t, nc * sizeof *x);
        if (!x) return -1;
        t->t = x;
        t->cap = nc;
    }
    if (!(t->t[t->n].name = strdup(name))) return -1;
    t->t[t->n++].n = 1;
    return 0;
}

static group *group_of(acct *s, const char *key, int kind)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->g[i].kind == kind && !strcmp(s->g[i].key, key)) return &s->g[i];
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        group *x = realloc(s->g, nc * sizeof *x);
        if (!x) return NULL;
        s->g = x;
        s->cap = nc;
    }
    group *g = &s->g[s->n];
    memset(g, 0, sizeof *g);
    if (!(g->key = strdup(key))) return NULL;
    g->kind = kind;
    s->n++;
    return g;
}

/* A new account: the expected answers' groups, empty, in their order. */
static int seed(const mz_summary *s, acct *a)
{
    for (size_t i = 0; i < s->nexp; i++)
        if (!group_of(a, s->exp[i].key, s->exp[i].kind)) return -1;
    return 0;
}

int mz_summary_expect(mz_summary *s, const char *key, int kind)
{
    expected *x = realloc(s->exp, (s->nexp + 1) * sizeof *x);
    if (!x) return -1;
    s->exp = x;
    if (!(x[s->nexp].key = strdup(key))) return -1;
    x[s->nexp++].kind = kind;
    return group_of(&s->all, key, kind) ? 0 : -1;
}

static const char *str(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static int add_stance(acct *s, const cJSON *st)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, st)
    {
        group *g = group_of(s, t->string, G_STANCE);
        if (!g) return -1;
        g->articles++;
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "present"))) continue;
        const char *label = str(t, "label");
        const cJSON *score = cJSON_GetObjectItemCaseSensitive(t, "score");
        if (!label || !cJSON_IsNumber(score)) return -1;
        g->present++;
        g->score += score->valuedouble;
        if (count(&g->a, label) != 0) return -1;
    }
    return 0;
}

static int add_answer(acct *s, const cJSON *rec)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, rec)
    {
        const char *key = k->string;
        if (!strcmp(key, "id") || !strcmp(key, "truncated") || !strcmp(key, MZ_SUMMARY_KEY)) continue;
        if (!strcmp(key, "stance")) {
            if (add_stance(s, k) != 0) return -1;
            continue;
        }
        if (!cJSON_IsObject(k)) return -1;
        int kind = cJSON_GetObjectItemCaseSensitive(k, "primary")  ? G_FRAMES
                   : cJSON_GetObjectItemCaseSensitive(k, "target") ? G_TARGET
                                                                   : G_LABEL;
        group *g = group_of(s, key, kind);
        if (!g) return -1;
        g->articles++;
        if (kind == G_FRAMES) {
            const char *p = str(k, "primary");
            const cJSON *l;
            if (!p || count(&g->a, p) != 0) return -1;
            cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(k, "labels"))
            {
                if (!cJSON_IsString(l) || count(&g->b, l->valuestring) != 0) return -1;
            }
        } else if (kind == G_TARGET) {
            /* a record without a target, or with one the bundle lacks,
             * has no label: counted as such, not under its own name, so a
             * stream of made-up targets keeps the summary the bundle's size */
            const char *t = str(k, "target"), *l = str(k, "label");
            const cJSON *tv = cJSON_GetObjectItemCaseSensitive(k, "target");
            if (!l) t = tv && !cJSON_IsNull(tv) ? "(unknown target)" : "(no target given)";
            if (count(&g->a, t) != 0) return -1;
            if (t && l) {
                size_t n = strlen(t) + strlen(l) + 2;
                char *tl = malloc(n);
                if (!tl) return -1;
                snprintf(tl, n, "%s\t%s", t, l);
                int rc = count(&g->b, tl);
                free(tl);
                if (rc != 0) return -1;
            }
        } else {
            const char *l = str(k, "label");
            if (!l || count(&g->a, l) != 0) return -1;
        }
    }
    return 0;
}

/* The account of rec's value of the --summary-by field: a string as it
 * is, another value as JSON, "(none)" where the record has none. */
static acct *value_acct(mz_summary *s, const cJSON *rec)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, MZ_SUMMARY_KEY);
    char *txt = NULL;
    const char *val = "(none)";
    if (cJSON_IsString(v)) val = v->valuestring;
    else if (v && !cJSON_IsNull(v) && (txt = cJSON_PrintUnformatted(v))) val = txt;
    else if (v && !cJSON_IsNull(v)) return NULL;
    int64_t i = mz_strmap_find(s->index, val, strlen(val));
    if (i < 0 && s->nvals == MAX_VALUES) {
        /* a field of a million values (an id, a url) would keep a million
         * accounts: the rest are counted, not kept apart */
        cJSON_free(txt);
        s->other++;
        return &s->all; /* counted in the whole only */
    }
    if (i < 0) {
        if (s->nvals == s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 16;
            acct *x = realloc(s->vals, nc * sizeof *x);
            if (!x) {
                cJSON_free(txt);
                return NULL;
            }
            s->vals = x;
            s->cap = nc;
        }
        i = mz_strmap_intern(s->index, val, strlen(val), 0, NULL);
        if (i < 0) {
            cJSON_free(txt);
            return NULL;
        }
        memset(&s->vals[i], 0, sizeof s->vals[i]);
        s->nvals++;
        if (seed(s, &s->vals[i]) != 0) {
            cJSON_free(txt);
            return NULL;
        }
    }
    cJSON_free(txt);
    return &s->vals[i];
}

/* The account(s) a record goes to: the whole and, grouping, its value's
 * (NULL on out-of-memory; *v is NULL when there is no value's). */
static int accounts(mz_summary *s, const cJSON *rec, acct **v)
{
    *v = NULL;
    if (!s->by) return 0;
    acct *a = value_acct(s, rec);
    if (!a) return -1;
    if (a != &s->all) *v = a;
    return 0;
}

int mz_summary_add(mz_summary *s, const cJSON *rec)
{
    acct *v = NULL;
    int rc = cJSON_IsObject(rec) && accounts(s, rec, &v) == 0 ? add_answer(&s->all, rec) : -1;
    if (rc == 0 && v) rc = add_answer(v, rec);
    if (rc == 0) {
        s->all.answered++;
        if (v) v->answered++;
    } else {
        s->oom = 1;
    }
    return rc;
}

void mz_summary_error(mz_summary *s, const cJSON *rec)
{
    s->all.errors++;
    acct *v = NULL;
    if (s->by && (!cJSON_IsObject(rec) || accounts(s, rec, &v) != 0)) s->oom = 1;
    if (v) v->errors++;
    /* a record whose error is one bundle's alone (a target the target
     * bundle lacks) has the other bundles' answers, which the per-article
     * run prints: they count too */
    if (cJSON_IsObject(rec) && !cJSON_GetObjectItemCaseSensitive(rec, "error") &&
        (add_answer(&s->all, rec) != 0 || (v && add_answer(v, rec) != 0)))
        s->oom = 1;
}

int mz_summary_own_key(const char *key)
{
    static const char *const own[] = {"articles", "answered", "errors", "by", "inputs_unread"};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (!strcmp(key, own[i])) return 1;
    return 0;
}

/* Stance labels in their scale's order; the rest after, by name. */
static int stance_rank(const char *l)
{
    static const char *const order[] = {"critical", "neutral", "favourable"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(l, order[i])) return i;
    return 3;
}

static int by_count(const void *a, const void *b)
{
    const tally *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int by_scale(const void *a, const void *b)
{
    const tally *x = a, *y = b;
    int rx = stance_rank(x->name), ry = stance_rank(y->name);
    return rx != ry ? rx - ry : strcmp(x->name, y->name);
}

/* A sorted copy of t (NULL and n 0 when empty or out of memory). */
static tally *sorted(const tallies *t, int (*cmp)(const void *, const void *))
{
    if (!t->n) return NULL;
    tally *c = malloc(t->n * sizeof *c);
    if (!c) return NULL;
    memcpy(c, t->t, t->n * sizeof *c);
    qsort(c, t->n, sizeof *c, cmp);
    return c;
}

static void pct(mz_buf *o, long n, long of)
{
    mz_buf_printf(o, " %ld (%.1f%%)", n, of ? 100.0 * (double)n / (double)of : 0.0);
}

/* "label": count, ... (JSON) or "label n (p%), ..." (text); prefix picks
 * the tallies of b that start with it (a target's labels), cut off. */
static void list(mz_buf *o, const tallies *t, int (*cmp)(const void *, const void *), long of, int text,
                 const char *prefix)
{
    tally *c = sorted(t, cmp);
    if (t->n && !c) o->oom = 1;
    size_t pl = prefix ? strlen(prefix) : 0;
    int first = 1;
    for (size_t i = 0; c && i < t->n; i++) {
        const char *name = c[i].name;
        if (prefix) {
            if (strncmp(name, prefix, pl) || name[pl] != '\t') continue;
            name += pl + 1;
        }
        mz_buf_puts(o, first ? "" : ", ");
        first = 0;
        if (text) {
            mz_buf_puts(o, name);
            pct(o, c[i].n, of);
        } else {
            mz_buf_json_str(o, name, strlen(name));
            mz_buf_printf(o, ": %ld", c[i].n);
        }
    }
    if (text && first) mz_buf_puts(o, "(none)");
    free(c);
}

/* Code points of s: the width a key takes in the report. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* A line break and the indent that lines a continuation up after key. */
static void next_line(mz_buf *o, const char *key)
{
    size_t w = width(key);
    mz_buf_puts(o, "\n");
    for (size_t i = 0; i <= (w < 8 ? 8 : w); i++) mz_buf_puts(o, " ");
}

static void write_text(const acct *s, mz_buf *o)
{
    mz_buf_printf(o, "articles %ld (%ld answered, %ld with an error)\n", s->answered + s->errors, s->answered,
                  s->errors);
    for (size_t i = 0; i < s->n; i++) {
        const group *g = &s->g[i];
        mz_buf_cell(o, g->key, 8, 0, 0);
        mz_buf_puts(o, " ");
        if (g->kind == G_LABEL) {
            list(o, &g->a, by_count, g->articles, 1, NULL);
        } else if (g->kind == G_FRAMES) {
            mz_buf_puts(o, "primary: ");
            list(o, &g->a, by_count, g->articles, 1, NULL);
            next_line(o, g->key);
            mz_buf_puts(o, "any:     ");
            list(o, &g->b, by_count, g->articles, 1, NULL);
        } else if (g->kind == G_STANCE) {
            mz_buf_puts(o, "discussed in");
            pct(o, g->present, g->articles);
            if (g->present) {
                mz_buf_puts(o, ": ");
                list(o, &g->a, by_scale, g->present, 1, NULL);
                mz_buf_printf(o, "; mean score %+.3f", g->score / (double)g->present);
            }
        } else {
            tally *c = sorted(&g->a, by_count);
            if (!g->a.n) mz_buf_puts(o, "(none)");
            for (size_t k = 0; c && k < g->a.n; k++) {
                if (k) next_line(o, g->key);
                mz_buf_printf(o, "%s (%ld): ", c[k].name, c[k].n);
                list(o, &g->b, by_count, c[k].n, 1, c[k].name);
            }
            free(c);
        }
        mz_buf_puts(o, "\n");
    }
}

/* The account as JSON members, after an opening brace. */
static void write_json(const acct *s, mz_buf *o)
{
    mz_buf_printf(o, "\"articles\": %ld, \"answered\": %ld, \"errors\": %ld", s->answered + s->errors, s->answered,
                  s->errors);
    int stance = 0;
    for (size_t i = 0; i < s->n; i++) {
        const group *g = &s->g[i];
        if (g->kind == G_STANCE) {
            mz_buf_puts(o, stance++ ? ", " : ", \"stance\": {");
        } else {
            if (stance) mz_buf_puts(o, "}");
            stance = 0;
            mz_buf_puts(o, ", ");
        }
        mz_buf_json_str(o, g->key, strlen(g->key));
        mz_buf_printf(o, ": {\"articles\": %ld, ", g->articles);
        if (g->kind == G_LABEL) {
            mz_buf_puts(o, "\"labels\": {");
            list(o, &g->a, by_count, 0, 0, NULL);
            mz_buf_puts(o, "}}");
        } else if (g->kind == G_FRAMES) {
            mz_buf_puts(o, "\"primary\": {");
            list(o, &g->a, by_count, 0, 0, NULL);
            mz_buf_puts(o, "}, \"labels\": {");
            list(o, &g->b, by_count, 0, 0, NULL);
            mz_buf_puts(o, "}}");
        } else if (g->kind == G_STANCE) {
            mz_buf_printf(o, "\"present\": %ld, \"labels\": {", g->present);
            list(o, &g->a, by_scale, 0, 0, NULL);
            mz_buf_puts(o, "}, \"mean_score\": ");
            /* the mean of no score is none, not a neutral 0 */
            if (g->present) mz_buf_num(o, g->score / (double)g->present, 4);
            else mz_buf_puts(o, "null");
            mz_buf_puts(o, "}");
        } else {
            mz_buf_puts(o, "\"targets\": {");
            tally *c = sorted(&g->a, by_count);
            for (size_t k = 0; c && k < g->a.n; k++) {
                mz_buf_puts(o, k ? ", " : "");
                mz_buf_json_str(o, c[k].name, strlen(c[k].name));
                mz_buf_printf(o, ": {\"articles\": %ld, \"labels\": {", c[k].n);
                list(o, &g->b, by_count, 0, 0, c[k].name);
                mz_buf_puts(o, "}}");
            }
            free(c);
            mz_buf_puts(o, "}}");
        }
    }
    if (stance) mz_buf_puts(o, "}");
}

/* Values most frequent first (ties by value): their order of output. */
typedef struct valref {
    const char *v; /* the value's bytes in the index (not NUL-terminated) */
    size_t len;
    long n;
    size_t i;
} valref;

static int by_articles(const void *a, const void *b)
{
    const valref *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    int c = memcmp(x->v, y->v, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

void mz_summary_write(const mz_summary *s, int text, int unread, mz_buf *out)
{
    if (s->oom) out->oom = 1;
    valref *r = s->nvals ? malloc(s->nvals * sizeof *r) : NULL;
    if (s->nvals && !r) out->oom = 1;
    for (size_t i = 0; r && i < s->nvals; i++) {
        r[i].v = mz_strmap_key(s->index, i, &r[i].len);
        r[i].n = s->vals[i].answered + s->vals[i].errors;
        r[i].i = i;
    }
    if (r) qsort(r, s->nvals, sizeof *r, by_articles);
    if (text) {
        if (unread)
            mz_buf_printf(out, "incomplete: %d input%s could not be read whole (see the messages above); their articles "
                               "are not all counted\n", unread, unread == 1 ? "" : "s");
        write_text(&s->all, out);
        for (size_t k = 0; r && k < s->nvals; k++) {
            /* the field's name as the values are: a person's terminal */
            mz_buf_puts(out, "\n== ");
            mz_buf_tsv_cell(out, s->by, strlen(s->by));
            mz_buf_puts(out, ": ");
            mz_buf_tsv_cell(out, r[k].v, r[k].len);
            mz_buf_puts(out, "\n");
            write_text(&s->vals[r[k].i], out);
        }
        if (s->other) {
            mz_buf_printf(out, "\n(%ld articles with other values of ", s->other);
            mz_buf_tsv_cell(out, s->by, strlen(s->by));
            mz_buf_printf(out, ", past the first %d, counted above only)\n", MAX_VALUES);
        }
    } else {
        mz_buf_puts(out, "{");
        if (unread) mz_buf_printf(out, "\"inputs_unread\": %d, ", unread);
        write_json(&s->all, out);
        if (s->by) {
            mz_buf_puts(out, ", \"by\": {\"field\": ");
            mz_buf_json_str(out, s->by, strlen(s->by));
            mz_buf_printf(out, ", \"other_articles\": %ld, \"values\": {", s->other);
            for (size_t k = 0; r && k < s->nvals; k++) {
                mz_buf_puts(out, k ? ", " : "");
                mz_buf_json_str(out, r[k].v, r[k].len);
                mz_buf_puts(out, ": {");
                write_json(&s->vals[r[k].i], out);
                mz_buf_puts(out, "}");
            }
            mz_buf_puts(out, "}}");
        }
        mz_buf_puts(out, "}\n");
    }
    free(r);
}
