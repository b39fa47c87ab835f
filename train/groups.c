/* groups.c — see groups.h. */
#include "groups.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"
#include "tasks.h"

void mz_groups_free(mz_groups *g)
{
    free(g->value);
    free(g->size);
    free(g->member);
    free(g->start);
    memset(g, 0, sizeof *g);
}

/* Records' indexes by value (NULL first), then by position. */
static int cmp_rec(const void *x, const void *y, void *arg)
{
    char *const *value = arg;
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    const char *va = value[a], *vb = value[b];
    int c = !va ? (vb ? -1 : 0) : !vb ? 1 : strcmp(va, vb);
    return c ? c : (a > b) - (a < b);
}

typedef struct grp {
    size_t size, first; /* first: a record of the group, for its value */
    size_t id;          /* its index before ordering by size */
} grp;

static int cmp_grp(const void *x, const void *y, void *arg)
{
    char *const *value = arg;
    const grp *a = x, *b = y;
    if (a->size != b->size) return a->size > b->size ? -1 : 1;
    const char *va = value[a->first], *vb = value[b->first];
    return !va ? (vb ? -1 : 0) : !vb ? 1 : strcmp(va, vb);
}

int mz_groups_build(mz_groups *g, const char *field, const char *what, FILE *out, char *const *value, size_t nrec,
                    const char *records, mz_err *e)
{
    memset(g, 0, sizeof *g);
    g->field = field;
    g->what = what;
    g->out = out;
    g->nrec = nrec;
    size_t *ord = malloc((nrec + 1) * sizeof *ord), *rank = NULL;
    size_t *of = malloc((nrec + 1) * sizeof *of); /* per record, its group */
    grp *gs = malloc((nrec + 1) * sizeof *gs);
    if (!ord || !gs || !of) goto oom;
    for (size_t i = 0; i < nrec; i++) ord[i] = i;
    qsort_r(ord, nrec, sizeof *ord, cmp_rec, (void *)value);
    for (size_t r = 0; r < nrec; r++) {
        size_t i = ord[r];
        const char *v = value[i], *pv = r ? value[ord[r - 1]] : NULL;
        if (r == 0 || (v == NULL) != (pv == NULL) || (v && strcmp(v, pv))) {
            gs[g->n].size = 0;
            gs[g->n].first = i;
            gs[g->n].id = g->n;
            g->n++;
        }
        gs[g->n - 1].size++;
        of[i] = g->n - 1;
    }
    qsort_r(gs, g->n, sizeof *gs, cmp_grp, (void *)value);
    rank = malloc((g->n + 1) * sizeof *rank);
    g->value = malloc((g->n + 1) * sizeof *g->value);
    g->size = malloc((g->n + 1) * sizeof *g->size);
    if (!rank || !g->value || !g->size) goto oom;
    for (size_t k = 0; k < g->n; k++) {
        rank[gs[k].id] = k;
        g->value[k] = value[gs[k].first];
        g->size[k] = gs[k].size;
    }
    for (size_t i = 0; i < nrec; i++) of[i] = rank[of[i]];
    /* counting sort of the records by group keeps record order within one */
    g->member = malloc((nrec + 1) * sizeof *g->member);
    g->start = calloc(g->n + 2, sizeof *g->start);
    if (!g->member || !g->start) goto oom;
    for (size_t i = 0; i < nrec; i++) g->start[of[i] + 2]++;
    for (size_t k = 0; k < g->n; k++) g->start[k + 2] += g->start[k + 1];
    for (size_t i = 0; i < nrec; i++) g->member[g->start[of[i] + 1]++] = i;
    free(ord), free(gs), free(rank), free(of);
    if (g->n == 1 && !g->value[0]) {
        mz_groups_free(g);
        return mz_fail(e, "--by \"%s\": no %s has this field", field, records);
    }
    return 0;
oom:
    free(ord), free(gs), free(rank), free(of);
    mz_groups_free(g);
    return mz_fail(e, "out of memory");
}

/* A group's value closing its table row, control characters shown as '?'
 * so that a crafted value cannot forge rows. */
static void put_value(const mz_groups *g, size_t k)
{
    const char *v = g->value[k] ? g->value[k] : "(none)";
    fputs("  ", g->out);
    for (; *v; v++) fputc((unsigned char)*v < 0x20 || *v == 0x7f ? '?' : *v, g->out);
    fputc('\n', g->out);
}

/* A figure in a table column: four decimals, or "-" when undefined.  It
 * is printed from the six decimals stored (mz_add_figure), as the figures
 * read back from the stored report are: two equal figures, one computed
 * here and one read back, printed 0.5959 and 0.5960 from 0.5959503. */
static void put_fig(const mz_groups *g, double v, int width)
{
    if (isnan(v)) fprintf(g->out, "  %*s", width, "-");
    else fprintf(g->out, "  %*.4f", width, round(v * 1e6) / 1e6);
}

static cJSON *group_item(cJSON *arr, const mz_groups *g, size_t k)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    if (g->value[k]) cJSON_AddStringToObject(o, "value", g->value[k]);
    else cJSON_AddNullToObject(o, "value");
    cJSON_AddNumberToObject(o, "n", (double)g->size[k]);
    cJSON_AddItemToArray(arr, o);
    return o;
}

static double fig(const cJSON *o, const char *k1, const char *k2, const char *k3)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k1);
    if (k2) x = cJSON_GetObjectItemCaseSensitive(x, k2);
    if (k3) x = cJSON_GetObjectItemCaseSensitive(x, k3);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static void header(const mz_groups *g, const char *cols)
{
    fprintf(g->out, "\n%s figures by \"%s\" (%zu group%s)\n%s  %s\n", g->what, g->field, g->n, g->n == 1 ? "" : "s",
            cols, g->field);
}

/* Group k's entries of a per-record array (doubles: `width` per record;
 * picks: the label each record's `width` probabilities give, weighed lw). */
static size_t gather_int(const mz_groups *g, size_t k, const int *v, int *out)
{
    size_t m = 0;
    for (size_t r = g->start[k]; r < g->start[k + 1]; r++) out[m++] = v[g->member[r]];
    return m;
}

static void gather_dbl(const mz_groups *g, size_t k, const double *v, size_t width, double *out)
{
    size_t m = 0;
    for (size_t r = g->start[k]; r < g->start[k + 1]; r++, m++)
        memcpy(out + m * width, v + g->member[r] * width, width * sizeof *out);
}

static void gather_picks(const mz_groups *g, size_t k, const double *prob, const double *lw, int width, int *out)
{
    size_t m = 0;
    for (size_t r = g->start[k]; r < g->start[k + 1]; r++)
        out[m++] = mz_pick_label(prob + g->member[r] * (size_t)width, lw, width);
}

cJSON *mz_groups_class(const mz_groups *g, const int *pred, const double *prob, const double *lw, const int *y, int k,
                       char *const *labels, const cJSON *f1_names, int quiet)
{
    cJSON *arr = cJSON_CreateArray();
    int *yk = malloc((g->nrec + 1) * sizeof *yk), *pk = malloc((g->nrec + 1) * sizeof *pk);
    if (!arr || !yk || !pk) goto oom;
    if (!quiet) header(g, f1_names ? "  records  accuracy  macro-F1  own-labels  F1-listed"
                                   : "  records  accuracy  macro-F1  own-labels");
    for (size_t gi = 0; gi < g->n; gi++) {
        size_t nk = gather_int(g, gi, y, yk);
        if (pred) gather_int(g, gi, pred, pk);
        else gather_picks(g, gi, prob, lw, k, pk);
        cJSON *o = group_item(arr, g, gi);
        cJSON *m = o ? mz_report_labels("", pk, yk, nk, k, labels, 1, stdout) : NULL;
        if (!m) goto oom;
        cJSON_AddItemToObject(o, "figures", m);
        /* a group (an outlet) often lacks some labels, and a label it lacks
         * but was given counts 0 in the macro-F1; the mean over the labels
         * it has is the figure to compare across groups */
        double sum = 0;
        int own = 0;
        for (int c = 0; c < k; c++)
            if (fig(m, "per_class", labels[c], "support") > 0) sum += fig(m, "per_class", labels[c], "f1"), own++;
        double ownf = own ? sum / own : NAN;
        mz_add_figure(m, "macro_f1_own_labels", ownf);
        /* the figure the label weights were chosen for (Mawqif's), as the
         * whole table gives it: a group's alone is the same figure */
        if (f1_names) mz_f1_labels_figure(m, f1_names, m, 1, NULL);
        if (quiet) continue;
        fprintf(g->out, "  %7zu", g->size[gi]);
        put_fig(g, fig(m, "accuracy", NULL, NULL), 8);
        put_fig(g, fig(m, "macro_f1", NULL, NULL), 8);
        put_fig(g, ownf, 10);
        if (f1_names) put_fig(g, fig(m, "f1_labels_macro_f1", NULL, NULL), 9);
        put_value(g, gi);
    }
    free(yk), free(pk);
    return arr;
oom:
    free(yk), free(pk);
    cJSON_Delete(arr);
    return NULL;
}

cJSON *mz_groups_stance(const mz_groups *g, const double *P, const int *py, char *const *plabels, const int *spred,
                        const int *y2, char *const *slabels, int score, const double *P2, const double *sv, int quiet)
{
    size_t n1 = g->nrec + 1;
    cJSON *arr = cJSON_CreateArray();
    int *buf = malloc(4 * n1 * sizeof *buf);
    double *P2k = malloc(3 * n1 * sizeof *P2k), *svk = sv ? malloc(n1 * sizeof *svk) : NULL;
    if (!arr || !buf || !P2k || (sv && !svk)) goto oom;
    int *pp = buf, *pk = buf + n1, *sp = buf + 2 * n1, *sk = buf + 3 * n1; /* not on a NULL buf */
    if (!quiet) header(g, "  records  present  presence-F1  critical  critical-F1  ROC-AUC");
    for (size_t gi = 0; gi < g->n; gi++) {
        size_t nk = gather_int(g, gi, py, pk);
        gather_picks(g, gi, P, NULL, 2, pp);
        gather_int(g, gi, y2, sk);
        gather_int(g, gi, spred, sp);
        gather_dbl(g, gi, P2, 3, P2k);
        if (sv) gather_dbl(g, gi, sv, 1, svk);
        cJSON *o = group_item(arr, g, gi);
        cJSON *pm = o ? mz_report_labels("", pp, pk, nk, 2, plabels, 1, stdout) : NULL;
        if (!pm) goto oom;
        cJSON_AddItemToObject(o, "presence", pm);
        cJSON *sm = mz_report_labels("", sp, sk, nk, 3, slabels, 1, stdout);
        if (!sm) goto oom;
        cJSON_AddItemToObject(o, "stance", sm);
        double auc = mz_stance_auc(score, P2k, svk, sk, nk);
        mz_add_figure(sm, "critical_roc_auc", auc);
        if (quiet) continue;
        /* an F1 is undefined only with neither a true nor a called case:
         * a group's false alarms make it 0, as evaluating it alone does */
        size_t present = 0, critical = 0, called_present = 0, called_critical = 0;
        for (size_t i = 0; i < nk; i++) {
            present += pk[i] == 0, critical += sk[i] == 0;
            called_present += pp[i] == 0, called_critical += sk[i] >= 0 && sp[i] == 0;
        }
        fprintf(g->out, "  %7zu  %7zu", g->size[gi], present);
        put_fig(g, present + called_present ? fig(pm, "per_class", plabels[0], "f1") : NAN, 11);
        fprintf(g->out, "  %8zu", critical);
        put_fig(g, critical + called_critical ? fig(sm, "per_class", slabels[0], "f1") : NAN, 11);
        put_fig(g, auc, 7);
        put_value(g, gi);
    }
    free(buf), free(P2k), free(svk);
    return arr;
oom:
    free(buf), free(P2k), free(svk);
    cJSON_Delete(arr);
    return NULL;
}

cJSON *mz_groups_multilabel(const mz_groups *g, int k, const double *P, const double *PM, double w,
                            const double *thr, const int *fold, const double *tfold, int max_labels,
                            const unsigned char *truth, const int *prim, int quiet)
{
    size_t K = (size_t)k;
    cJSON *arr = cJSON_CreateArray();
    double *Pg = malloc((g->nrec * K + 1) * sizeof *Pg), *PMg = PM ? malloc((g->nrec * K + 1) * sizeof *PMg) : NULL;
    unsigned char *tg = malloc(g->nrec * K + 1);
    int *pg = malloc((g->nrec + 1) * sizeof *pg), *fg = fold ? malloc((g->nrec + 1) * sizeof *fg) : NULL;
    if (!arr || !Pg || (PM && !PMg) || !tg || !pg || (fold && !fg)) goto oom;
    if (!quiet) header(g, "  records  micro-F1  macro-F1  primary");
    for (size_t gi = 0; gi < g->n; gi++) {
        size_t m = gather_int(g, gi, prim, pg);
        gather_dbl(g, gi, P, K, Pg);
        if (PM) gather_dbl(g, gi, PM, K, PMg);
        for (size_t r = g->start[gi], q = 0; r < g->start[gi + 1]; r++, q++)
            memcpy(tg + q * K, truth + g->member[r] * K, K);
        mz_ml_figures f;
        if (fold) {
            gather_int(g, gi, fold, fg);
            mz_ml_score_folds(m, k, Pg, PMg, w, fg, tfold, max_labels, tg, pg, &f);
        } else {
            mz_ml_score(m, k, Pg, PMg, w, thr, max_labels, tg, pg, &f);
        }
        cJSON *o = group_item(arr, g, gi);
        if (!o) goto oom;
        mz_add_figure(o, "micro_f1", f.micro_f1);
        mz_add_figure(o, "macro_f1", f.macro_f1);
        mz_add_figure(o, "primary_accuracy", f.primary_accuracy);
        if (quiet) continue;
        fprintf(g->out, "  %7zu", g->size[gi]);
        put_fig(g, f.micro_f1, 8);
        put_fig(g, f.macro_f1, 8);
        put_fig(g, f.primary_accuracy, 7);
        put_value(g, gi);
    }
    free(Pg), free(PMg), free(tg), free(pg), free(fg);
    return arr;
oom:
    free(Pg), free(PMg), free(tg), free(pg), free(fg);
    cJSON_Delete(arr);
    return NULL;
}
