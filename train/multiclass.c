/* multiclass.c — the multiclass and target tasks: one multiclass head over
 * the corpus, or one per target over that target's records, each with the
 * optional auxiliary head (--aux-field) and label weights (--f1-labels). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "learn.h"
#include "predict.h"
#include "progress.h"
#include "sourcehead.h"
#include "strmap.h"
#include "tasks.h"

/* ------------------------------------------------------- label weights */

/* --f1-labels: the label of a multiclass or target head becomes the class
 * whose probability times its weight is highest (predict.h mz_pick_label),
 * with weights that maximise the macro-F1 over the chosen labels on
 * out-of-fold probabilities.  Balanced class weights already push the
 * solver towards rare classes; these move the decision itself, towards the
 * labels the user scores (Mawqif counts Favor and Against, not None). */

/* Weights are taken from this grid (written out, so a bundle's weights are
 * the same decimals on any machine). */
static const double LW_GRID[] = {0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95,
                                 1,    1.1, 1.2,  1.3, 1.4,  1.5, 1.6,  1.8, 2,   2.25, 2.5, 2.8};

/* Macro-F1 over the labels with want[c] of the labels prob × lw gives to
 * the rows with y >= 0 and use[i]. */
static double weighted_f1(const double *prob, const double *lw, const int *y, const unsigned char *use, size_t n,
                          int k, const unsigned char *want)
{
    long tp[MZ_MAX_CLASSES] = {0}, fp[MZ_MAX_CLASSES] = {0}, fn[MZ_MAX_CLASSES] = {0};
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || !use[i]) continue;
        int p = mz_pick_label(prob + i * (size_t)k, lw, k);
        if (p == y[i]) tp[p]++;
        else fp[p]++, fn[y[i]]++;
    }
    double f = 0;
    int m = 0;
    for (int c = 0; c < k; c++)
        if (want[c]) {
            long d = 2 * tp[c] + fp[c] + fn[c];
            f += d ? 2.0 * (double)tp[c] / (double)d : 0;
            m++;
        }
    return m ? f / m : 0;
}

/* Coordinate ascent from all weights 1: up to three passes over the
 * classes, each class taking the grid value that raises the figure most
 * (strictly, so a class nothing helps keeps 1 and ties keep the earlier). */
static void choose_lw(const double *prob, const int *y, const unsigned char *use, size_t n, int k,
                      const unsigned char *want, double *lw)
{
    for (int c = 0; c < k; c++) lw[c] = 1;
    double best = weighted_f1(prob, lw, y, use, n, k, want);
    for (int pass = 0; pass < 3; pass++) {
        int moved = 0;
        for (int c = 0; c < k; c++) {
            double keep = lw[c];
            for (size_t g = 0; g < sizeof LW_GRID / sizeof *LW_GRID; g++) {
                lw[c] = LW_GRID[g];
                double f = weighted_f1(prob, lw, y, use, n, k, want);
                if (f > best + 1e-12) best = f, keep = LW_GRID[g], moved = 1;
            }
            lw[c] = keep;
        }
        if (!moved) break;
    }
}

/* Weights lw chosen on every scored row, for the bundle, and *pred, the
 * labels the CV figures count: each fold's rows labelled with weights
 * chosen on the other folds, so the figures are not those the weights were
 * fitted to.  Records "f1_labels" in the manifest. */
static int weigh_labels(const mz_train_args *a, const mz_labelset *L, const double *prob, const int *y, size_t n,
                        size_t ns, const int32_t *same, cJSON *manifest, double *lw, int **pred, mz_err *e)
{
    int k = L->n, rc = -1, folds = a->learn.folds, *fold = NULL;
    unsigned char want[MZ_MAX_CLASSES] = {0}, *use = NULL;
    if (mz_f1_labels_want(a->f1_labels, L, want, e) != 0) return -1;
    *pred = malloc((n + 1) * sizeof **pred);
    use = calloc(n + 1, 1);
    if (folds >= 2) fold = mz_make_folds(y, n, ns, k, folds, a->learn.seed, same);
    if (!*pred || !use || (folds >= 2 && !fold)) {
        mz_fail(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) use[i] = i < ns;
    choose_lw(prob, y, use, n, k, want, lw);
    for (size_t i = 0; i < n; i++) (*pred)[i] = mz_pick_label(prob + i * (size_t)k, lw, k);
    for (int f = 0; fold && f < folds; f++) {
        double w[MZ_MAX_CLASSES];
        for (size_t i = 0; i < n; i++) use[i] = i < ns && fold[i] != f;
        choose_lw(prob, y, use, n, k, want, w);
        for (size_t i = 0; i < ns; i++)
            if (fold[i] == f) (*pred)[i] = mz_pick_label(prob + i * (size_t)k, w, k);
    }
    cJSON *fl = cJSON_AddArrayToObject(manifest, "f1_labels");
    for (int c = 0; c < k; c++)
        if (want[c]) cJSON_AddItemToArray(fl, cJSON_CreateString(L->name[c]));
    rc = 0;
out:
    if (rc != 0) {
        free(*pred);
        *pred = NULL;
    }
    free(use);
    free(fold);
    return rc;
}

/* --by: the figures just reported, again per group of scored rows, with
 * the labels they counted (pred, or the most probable) and, where label
 * weights were chosen (--f1-labels), the macro-F1 over the listed labels,
 * as evaluate's groups give it. */
static int by_groups(const mz_task *t, const mz_labelset *L, const double *prob, const int *pred, const int *y,
                     mz_err *e)
{
    if (!t->by || t->a->quiet) return 0;
    const cJSON *f1 = pred ? cJSON_GetObjectItemCaseSensitive(t->manifest, "f1_labels") : NULL;
    cJSON *j = mz_groups_class(t->by, pred, prob, NULL, y, L->n, L->name, f1, 0);
    if (!j) return mz_fail(e, "out of memory");
    cJSON_Delete(j);
    return 0;
}

/* --cv-predictions: each scored row's label, the label the figures count
 * for it (pred, or the most probable), its probabilities and, for a
 * target head, its target. */
static void oof_rows(const mz_task *t, const mz_labelset *L, const double *prob, const int *pred, const int *y,
                     const mz_labelset *T, const int *tix)
{
    int k = L->n;
    for (size_t i = 0; t->oof && i < t->ns; i++) {
        const double *p = prob + i * (size_t)k;
        if (T) cJSON_AddStringToObject(t->oof[i], "target", T->name[tix[i]]);
        mz_record_class(t->oof[i], L->name, k, y[i], pred ? pred[i] : mz_pick_label(p, NULL, k), p);
    }
}

static void add_label_weights(cJSON *head, const double *lw, int k)
{
    cJSON *a = cJSON_AddArrayToObject(head, "label_weights");
    for (int c = 0; c < k; c++) cJSON_AddItemToArray(a, cJSON_CreateNumber(lw[c]));
}

/* The auxiliary head of a multiclass or target bundle (--aux-field):
 * fitted first; each document's out-of-fold probabilities, times
 * --aux-scale, become features of the main heads, so they learn what the
 * auxiliary label implies (an outlet's desks for topics, a tweet's
 * sentiment for its stance) from predictions as noisy as the ones they
 * will get at classification.  The trainset is rebuilt with them. */
static int fit_aux(const mz_task *t, mz_err *e)
{
    const mz_collection *c = t->c;
    const mz_train_args *a = t->a;
    mz_labelset A = {0};
    int rc = -1;
    int *ya = malloc((c->n + 1) * sizeof *ya);
    if (!ya) return mz_fail(e, "out of memory");
    for (size_t i = 0; i < c->n; i++)
        if (mz_labelset_add(&A, c->aux[i]) != 0) {
            mz_fail(e, "%s: more than %d values of \"%s\"", c->where[i], MZ_MAX_CLASSES, a->aux_field);
            goto out;
        }
    mz_labelset_sort(&A);
    if (A.n < 2) {
        mz_fail(e, "--aux-field %s: needs at least two values", a->aux_field);
        goto out;
    }
    for (size_t i = 0; i < c->n; i++) ya[i] = mz_labelset_index(&A, c->aux[i]);
    mz_linmodel lm;
    double *prob, C;
    if (mz_fit(t->ts, ya, A.n, a, "aux", &lm, &prob, &C, NULL, e) != 0) goto out;
    char title[300];
    snprintf(title, sizeof title, "auxiliary \"%s\" (cross-validated)", a->aux_field);
    cJSON_AddItemToObject(t->cv, "aux", mz_report(title, prob, NULL, ya, c->n, A.n, A.name, a->quiet, stderr));
    cJSON_AddItemToArray(t->heads, mz_head_json("aux", "aux.svm", A.name, A.n));
    int r = mz_add_model(t->w, "aux.svm", &lm, e);
    mz_linmodel_free(&lm);
    if (r != 0) {
        free(prob);
        goto out;
    }
    int32_t fid[MZ_MAX_CLASSES];
    for (int k = 0; k < A.n; k++) {
        char nm[64];
        int64_t f = mz_aux_feature_name(A.name[k], nm, sizeof nm) == 0 ? mz_vocab_add_named(t->vocab, nm) : -1;
        fid[k] = (int32_t)f;
        if (f < 0) {
            free(prob);
            mz_fail(e, "--aux-field: bad value \"%s\" (over 58 bytes, or the same as another once spaces are "
                        "written '_')", A.name[k]);
            goto out;
        }
    }
    for (size_t i = 0; i < c->n; i++)
        if (mz_aux_append(&t->rows[i], prob + i * (size_t)A.n, A.n, fid, a->aux_scale) != 0) {
            free(prob);
            mz_fail(e, "out of memory");
            goto out;
        }
    free(prob);
    /* rebuilt with the auxiliary features; which rows are scored and which
     * repeat which stays as it was */
    size_t ns = t->ts->nscored;
    const int32_t *same = t->ts->same;
    mz_trainset_free(t->ts);
    if (mz_trainset_build(t->ts, t->rows, c->n, t->vocab->nfeat, e) != 0) goto out;
    t->ts->nscored = ns;
    t->ts->same = same;
    cJSON *aj = cJSON_AddObjectToObject(t->manifest, "aux");
    cJSON_AddStringToObject(aj, "field", a->aux_field);
    cJSON_AddNumberToObject(aj, "scale", a->aux_scale);
    rc = 0;
out:
    free(ya);
    mz_labelset_free(&A);
    return rc;
}

/* ----------------------------------------------------- per-source head */

typedef struct srcval {
    const char *name;
    size_t n;
} srcval;

static int by_count(const void *a, const void *b)
{
    const srcval *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b) { return strcmp(((const srcval *)a)->name, ((const srcval *)b)->name); }

/* The sources that get a block, in byte order (their block order), into
 * *out (caller frees; the names point into c); *dom, per record, its
 * source's block or -1.  A source needs min scored records (--source-min)
 * for a block of its own: with fewer it would fit noise, and its articles
 * are as well answered by the plain head.  At most MZ_MAX_CLASSES sources
 * get one, the largest first. */
static int choose_sources(const mz_collection *c, size_t ns, const char *field, size_t min, srcval **out, int *nout,
                          int **dom, mz_err *e)
{
    mz_strmap *m = mz_strmap_new(64);
    srcval *v = NULL;
    size_t nv = 0, cap = 0;
    int rc = -1;
    *dom = malloc((c->n + 1) * sizeof **dom);
    if (!m || !*dom) goto oom;
    for (size_t i = 0; i < ns; i++) {
        if (!c->source[i]) continue;
        int ins;
        int64_t at = mz_strmap_intern(m, c->source[i], strlen(c->source[i]), 0, &ins);
        if (at < 0) goto oom;
        if (ins) {
            if (nv == cap) {
                cap = cap ? cap * 2 : 64;
                srcval *nvv = realloc(v, cap * sizeof *v);
                if (!nvv) goto oom;
                v = nvv;
            }
            v[nv++] = (srcval){c->source[i], 0};
        }
        v[at].n++;
    }
    if (nv) qsort(v, nv, sizeof *v, by_count); /* v is NULL when no record names a source */
    size_t keep = 0;
    while (keep < nv && keep < MZ_MAX_CLASSES && v[keep].n >= min) keep++;
    if (keep == 0) {
        mz_fail(e, "--source-field %s: no source has %zu scored records (--source-min)", field, min);
        goto out;
    }
    if (keep == MZ_MAX_CLASSES && keep < nv && v[keep].n >= min) {
        /* said even with --quiet: the bundle is not the one asked for */
        size_t more = 0;
        while (keep + more < nv && v[keep + more].n >= min) more++;
        mz_progress_clear();
        fprintf(stderr,
                "mizan-train: warning: --source-field %s: heads for the %d sources with the most records, the most a "
                "bundle holds; %zu more with %zu or more get the plain head\n",
                field, MZ_MAX_CLASSES, more, min);
    }
    qsort(v, keep, sizeof *v, by_name);
    for (size_t i = 0; i < c->n; i++) {
        (*dom)[i] = -1;
        if (!c->source[i]) continue;
        const srcval key = {c->source[i], 0};
        const srcval *hit = bsearch(&key, v, keep, sizeof *v, by_name);
        if (hit) (*dom)[i] = (int)(hit - v);
    }
    *out = v;
    *nout = (int)keep;
    v = NULL;
    rc = 0;
    goto out;
oom:
    mz_fail(e, "out of memory");
out:
    if (rc != 0) {
        free(*dom);
        *dom = NULL;
    }
    free(v);
    mz_strmap_free(m);
    return rc;
}

/* qsort's comparison of feature ids by sort_wt, descending, then id
 * (training is single-threaded here) */
static const double *sort_wt;
static int by_wt(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (sort_wt[x] != sort_wt[y]) return sort_wt[x] < sort_wt[y] ? 1 : -1;
    return x < y ? -1 : x > y;
}

static int by_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* The (at most K) features the plain head weighs most, by their largest
 * |weight| over its classes (ties: the lower id), into kept in increasing
 * order, as the bundle lists them and rows index them: where its opinion
 * turns, a source's desk can turn it otherwise.  (Measured against the K
 * in most records: the same accuracy on unseen articles with 1,000 as
 * with 2,500 of those, and a faster second stage.) */
static int strongest_features(const mz_linmodel *plain, size_t F, int k, size_t K, int32_t *kept, size_t *nkept)
{
    int np = k * (k - 1) / 2;
    double *wt = calloc(F + 1, sizeof *wt);
    size_t *order = malloc((F + 1) * sizeof *order), nk = 0;
    if (!wt || !order) {
        free(wt);
        free(order);
        return -1;
    }
    for (size_t f = 1; f <= F && f <= plain->nfeat; f++)
        for (int j = 0; j < (plain->Wc ? k : np); j++) {
            double w = fabs(plain->Wc ? plain->Wc[(size_t)j * (plain->nfeat + 1) + f] : plain->W[f * (size_t)np + (size_t)j]);
            if (w > wt[f]) wt[f] = w;
        }
    for (size_t f = 1; f <= F; f++) order[f - 1] = f;
    sort_wt = wt;
    qsort(order, F, sizeof *order, by_wt);
    for (size_t j = 0; j < F && nk < K && wt[order[j]] > 0; j++) kept[nk++] = (int32_t)order[j];
    qsort(kept, nk, sizeof *kept, by_id);
    free(wt);
    free(order);
    *nkept = nk;
    return 0;
}

/* The manifest's "source": the field, the heads' file, each source with a
 * head and its records, the plain scores' scale, the features copied. */
static void source_manifest(const mz_task *t, const srcval *src, int nsrc, const int32_t *kept, size_t nk)
{
    const mz_train_args *a = t->a;
    cJSON *sj = cJSON_AddObjectToObject(t->manifest, "source");
    cJSON_AddStringToObject(sj, "field", a->source_field);
    cJSON_AddStringToObject(sj, "file", "source.svm");
    cJSON *vals = cJSON_AddArrayToObject(sj, "values"), *cnt = cJSON_AddArrayToObject(sj, "records");
    for (int d = 0; d < nsrc; d++) {
        cJSON_AddItemToArray(vals, cJSON_CreateString(src[d].name));
        cJSON_AddItemToArray(cnt, cJSON_CreateNumber((double)src[d].n));
    }
    cJSON_AddNumberToObject(sj, "scale", a->source_scale);
    cJSON *fj = cJSON_AddArrayToObject(sj, "features");
    for (size_t j = 0; j < nk; j++) cJSON_AddItemToArray(fj, cJSON_CreateNumber(kept[j]));
    cJSON_AddNumberToObject(sj, "min_records", a->source_min);
}

/* --source-field (sourcehead.h): the second-stage head over the plain
 * head's out-of-fold scores and each known source's block of the K
 * features the plain head weighs most.  prob (n × k) comes in as the plain head's
 * out-of-fold probabilities and leaves as the classifier's: the second
 * stage's for records of a known source, the plain head's for the rest.
 * The plain head's own figures go to cv.source.plain. */
static int fit_source(const mz_task *t, const mz_labelset *L, const int *y, const mz_linmodel *plain,
                      const double *oofdec, double *prob, mz_model_text *plain_text, mz_err *e)
{
    const mz_collection *c = t->c;
    const mz_train_args *a = t->a;
    size_t n = c->n, ns = t->ns, F = t->vocab->nfeat;
    int k = L->n, np = k * (k - 1) / 2, nsrc = 0, rc = -1, *dom = NULL, *y2 = NULL;
    srcval *src = NULL;
    mz_sparse *rows2 = NULL;
    int32_t *kept = NULL, *slot = NULL;
    double *prob2 = NULL;
    mz_trainset ts2;
    memset(&ts2, 0, sizeof ts2);
    if (choose_sources(c, ns, a->source_field, (size_t)a->source_min, &src, &nsrc, &dom, e) != 0) return -1;
    kept = malloc((F + 1) * sizeof *kept);
    rows2 = calloc(n + 1, sizeof *rows2);
    y2 = malloc((n + 1) * sizeof *y2);
    size_t nk = 0;
    if (!kept || !rows2 || !y2 || strongest_features(plain, F, k, (size_t)a->source_features, kept, &nk) != 0) goto oom;
    if ((size_t)k + (size_t)nsrc * nk >= (size_t)INT32_MAX) {
        mz_fail(e, "--source-field: %d sources × %zu features are too many", nsrc, nk);
        goto out;
    }
    if (!(slot = mz_source_slots(kept, nk, F))) goto oom;
    for (size_t i = 0; i < n; i++) {
        double s[MZ_MAX_CLASSES];
        mz_centred_scores(k, oofdec + i * (size_t)np, s);
        if (mz_source_row(&t->rows[i], s, k, a->source_scale, dom[i], slot, F, nk, &rows2[i]) != 0) goto oom;
        y2[i] = dom[i] >= 0 ? y[i] : -1;
    }
    for (int cl = 0; cl < k; cl++) {
        size_t m = 0;
        for (size_t i = 0; i < ns; i++) m += y2[i] == cl;
        if (m == 0) {
            mz_fail(e, "--source-field %s: no record of a source with a head of its own (%d records or more, "
                       "--source-min) is labelled \"%s\"", a->source_field, a->source_min, L->name[cl]);
            goto out;
        }
    }
    if (mz_trainset_build(&ts2, rows2, n, (size_t)k + (size_t)nsrc * nk, e) != 0) goto out;
    ts2.nscored = ns;
    ts2.same = t->ts->same;
    char what[2 * MZ_NAME_MAX + 8];
    snprintf(what, sizeof what, "%s by %s", t->name, a->source_field);
    mz_linmodel lm;
    double C;
    /* the plain head's text is printed while this stage's solvers run */
    mz_train_args a2 = *a;
    a2.learn.idle = mz_model_text_format;
    a2.learn.idle_arg = plain_text;
    if (mz_fit(&ts2, y2, k, &a2, what, &lm, &prob2, &C, NULL, e) != 0) goto out;
    int r = mz_add_model(t->w, "source.svm", &lm, e);
    mz_linmodel_free(&lm);
    if (r != 0) goto out;

    source_manifest(t, src, nsrc, kept, nk);
    size_t known = 0;
    for (size_t i = 0; i < ns; i++) known += dom[i] >= 0;
    /* a record answered by its source's head says so, as evaluate's do */
    for (size_t i = 0; t->oof && i < ns; i++)
        if (dom[i] >= 0) cJSON_AddStringToObject(t->oof[i], "source", src[dom[i]].name);
    cJSON *cs = cJSON_AddObjectToObject(t->cv, "source");
    cJSON_AddNumberToObject(cs, "records_of_known_sources", (double)known);
    cJSON_AddItemToObject(cs, "plain", mz_report("the plain head alone (cross-validated)", prob, NULL, y, ns, k,
                                                 L->name, a->quiet, stderr));
    for (size_t i = 0; i < n; i++)
        if (dom[i] >= 0) memcpy(prob + i * (size_t)k, prob2 + i * (size_t)k, (size_t)k * sizeof *prob);
    rc = 0;
    goto out;
oom:
    mz_fail(e, "out of memory");
out:
    for (size_t i = 0; rows2 && i < n; i++) mz_sparse_free(&rows2[i]);
    free(rows2);
    mz_trainset_free(&ts2);
    free(prob2);
    free(y2);
    free(kept);
    free(slot);
    free(dom);
    free(src);
    return rc;
}

int mz_train_multiclass(const mz_task *t, const mz_labelset *L, const int *y, mz_err *e)
{
    const mz_train_args *a = t->a;
    size_t n = t->c->n, ns = t->ns;
    mz_linmodel lm;
    double *prob, C;
    if (mz_scored_cover(y, n, ns, L->n, L->name, "label ", e) != 0) return -1;
    if (a->aux_field && fit_aux(t, e) != 0) return -1;
    double *oofdec = NULL;
    if (mz_fit(t->ts, y, L->n, a, t->name, &lm, &prob, &C, a->source_field ? &oofdec : NULL, e) != 0) return -1;
    cJSON_AddNumberToObject(t->solver, "C", C);
    mz_model_text txt;
    mz_model_text_init(&txt, &lm);
    if (a->source_field) {
        int r = fit_source(t, L, y, &lm, oofdec, prob, &txt, e);
        free(oofdec);
        if (r != 0) {
            mz_model_text_drop(&txt);
            free(prob);
            mz_linmodel_free(&lm);
            return -1;
        }
    }
    double lw[MZ_MAX_CLASSES];
    int *pred = NULL;
    if (a->f1_labels && weigh_labels(a, L, prob, y, n, ns, t->ts->same, t->manifest, lw, &pred, e) != 0) {
        mz_model_text_drop(&txt);
        free(prob);
        mz_linmodel_free(&lm);
        return -1;
    }
    const char *title = "cross-validated metrics";
    cJSON *mj = pred ? mz_report_labels(title, pred, y, ns, L->n, L->name, a->quiet, stderr)
                     : mz_report(title, prob, NULL, y, ns, L->n, L->name, a->quiet, stderr);
    if (pred) mz_f1_labels_figure(mj, cJSON_GetObjectItemCaseSensitive(t->manifest, "f1_labels"), mj, a->quiet, stderr);
    oof_rows(t, L, prob, pred, y, NULL, NULL);
    int rb = by_groups(t, L, prob, pred, y, e);
    free(prob);
    cJSON_AddItemToObject(t->cv, t->name, mj);
    if (rb != 0) {
        free(pred);
        mz_model_text_drop(&txt);
        mz_linmodel_free(&lm);
        return -1;
    }
    cJSON *hj = mz_head_json(t->name, "model.svm", L->name, L->n);
    if (pred) add_label_weights(hj, lw, L->n);
    free(pred);
    cJSON_AddItemToArray(t->heads, hj);
    int rc = mz_model_text_add(&txt, t->w, "model.svm", e);
    mz_linmodel_free(&lm);
    return rc;
}

/* --task target: a head per value of --target-field, each fitted,
 * calibrated and measured on its own records; every target is checked
 * before any head is fitted.  y holds the labels (0..L->n-1); y2 is scratch. */
/* The targets the records name, sorted: each names its head and its
 * figures' key, so "pooled" and "aux", the bundle's own, are refused. */
static int target_names(const mz_collection *c, mz_labelset *T, mz_err *e)
{
    for (size_t i = 0; i < c->n; i++) {
        char tb[256];
        cJSON tj = {.type = cJSON_String, .valuestring = c->target[i]};
        const char *why = mz_label_text(&tj, tb, sizeof tb);
        if (why) return mz_fail(e, "%s: target %s", c->where[i], why);
        if (!strcmp(c->target[i], "pooled") || !strcmp(c->target[i], "aux"))
            return mz_fail(e, "%s: a target may not be called \"%s\", a name the bundle uses itself", c->where[i],
                           c->target[i]);
        if (mz_labelset_add(T, c->target[i]) != 0)
            return mz_fail(e, "%s: more than %d distinct targets", c->where[i], MZ_MAX_CLASSES);
    }
    mz_labelset_sort(T);
    return 0;
}

/* Target tname's records (y2[i] >= 0) can be cross-validated: every fold
 * holds some, and they carry two labels or more (a label of the task they
 * never carry is warned of). */
static int target_trainable(const mz_task *tk, const mz_labelset *L, const int *y2, const char *tname, mz_err *e)
{
    const mz_collection *c = tk->c;
    char what[300];
    snprintf(what, sizeof what, "target \"%s\": label ", tname);
    if (mz_scored_cover(y2, c->n, tk->ns, L->n, L->name, what, e) != 0) return -1;
    /* as for the whole corpus: a fold without any of the target's texts
     * would score none of them */
    char of[300];
    snprintf(of, sizeof of, " of target \"%s\"", tname);
    if (mz_folds_filled(c, y2, tk->a->learn.folds, of, e) != 0) return -1;
    int seen[MZ_MAX_CLASSES] = {0}, nseen = 0;
    for (size_t i = 0; i < c->n; i++)
        if (y2[i] >= 0 && !seen[y2[i]]++) nseen++;
    if (nseen < 2) return mz_fail(e, "target \"%s\": its records have fewer than two labels", tname);
    /* every head answers with the task's labels: one its records never
     * carry gets no weights, and the head never gives it */
    if (nseen < L->n) {
        int miss = 0;
        while (seen[miss]) miss++;
        mz_progress_clear();
        fprintf(stderr,
                "mizan-train: warning: target \"%s\": no record has the label \"%s\"%s, so its head never "
                "answers it\n",
                tname, L->name[miss], L->n - nseen > 1 ? " (nor another of the task's labels)" : "");
    }
    return 0;
}

/* Target t's head (file target-NN.svm) on its records y2, its
 * cross-validated probabilities into pooled and (without label weights)
 * its figures into the manifest; *hj is its entry in the heads. */
static int fit_target(const mz_task *tk, const mz_labelset *L, const mz_train_args *a2, int t, const char *tname,
                      const int *y2, size_t nrec, double *pooled, cJSON **hj, mz_err *e)
{
    const mz_collection *c = tk->c;
    const mz_train_args *a = tk->a;
    mz_linmodel lm;
    double *prob, C;
    if (mz_fit(tk->ts, y2, L->n, a2, tname, &lm, &prob, &C, NULL, e) != 0) return -1;
    for (size_t i = 0; i < c->n; i++)
        if (y2[i] >= 0) memcpy(pooled + i * (size_t)L->n, prob + i * (size_t)L->n, (size_t)L->n * sizeof *prob);
    char title[MZ_NAME_MAX + 64];
    snprintf(title, sizeof title, "target \"%s\" (%zu records, cross-validated)", tname, nrec);
    if (!a->f1_labels) /* else reported with the weights */
        cJSON_AddItemToObject(tk->cv, tname, mz_report(title, prob, NULL, y2, tk->ns, L->n, L->name, a->quiet, stderr));
    free(prob);
    char file[64];
    snprintf(file, sizeof file, "target-%02d.svm", t);
    cJSON_AddItemToArray(tk->heads, *hj = mz_head_json(tname, file, L->name, L->n));
    /* the C each head was fitted with: --grid chooses one per target */
    if (a->grid) cJSON_AddNumberToObject(*hj, "C", C);
    else if (t == 0) cJSON_AddNumberToObject(tk->solver, "C", C);
    int r = mz_add_model(tk->w, file, &lm, e);
    mz_linmodel_free(&lm);
    return r;
}

int mz_train_targets(const mz_task *tk, const mz_labelset *L, const int *y, int *y2, mz_err *e)
{
    const mz_collection *c = tk->c;
    const mz_train_args *a = tk->a;
    size_t ns = tk->ns;
    cJSON *manifest = tk->manifest, *cv = tk->cv;
    mz_labelset T = {0};
    int rc = -1, *tix = NULL, *pred = NULL;
    double *pooled = NULL;
    if (target_names(c, &T, e) != 0) goto out;
    cJSON_AddStringToObject(manifest, "target_field", a->target_field);
    /* one auxiliary head over every target's records: what it learns
     * (a tweet's sentiment, say) holds across targets, and each
     * target's head weighs its prediction for itself */
    if (a->aux_field && fit_aux(tk, e) != 0) goto out;
    pooled = calloc(c->n * (size_t)L->n + 1, sizeof *pooled);
    tix = malloc((c->n + 1) * sizeof *tix);
    if (!pooled || !tix) {
        mz_fail(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++) tix[i] = mz_labelset_index(&T, c->target[i]);
    if (mz_scored_cover(tix, c->n, ns, T.n, T.name, "target ", e) != 0) goto out;
    mz_train_args a2 = *a;
    mz_heads_balanced(a, &a2, tk->solver);
    for (int t = 0; t < T.n; t++) {
        for (size_t i = 0; i < c->n; i++) y2[i] = tix[i] == t ? y[i] : -1;
        if (target_trainable(tk, L, y2, T.name[t], e) != 0) goto out;
    }
    cJSON *hj[MZ_MAX_CLASSES];
    size_t nrec[MZ_MAX_CLASSES];
    for (int t = 0; t < T.n; t++) {
        nrec[t] = 0;
        for (size_t i = 0; i < c->n; i++) {
            y2[i] = tix[i] == t ? y[i] : -1;
            nrec[t] += y2[i] >= 0 && i < ns; /* scored records */
        }
        if (fit_target(tk, L, &a2, t, T.name[t], y2, nrec[t], pooled, &hj[t], e) != 0) goto out;
    }
    /* pooled over targets: every record scored by its own target's head.
     * Label weights are chosen on them all, one set for every target:
     * weights per target did worse on Mawqif's folds they were not chosen
     * on (README). */
    const char *pt = "all targets pooled (cross-validated)";
    if (a->f1_labels) {
        double lw[MZ_MAX_CLASSES];
        if (weigh_labels(a, L, pooled, y, c->n, ns, tk->ts->same, manifest, lw, &pred, e) != 0) goto out;
        for (int t = 0; t < T.n; t++) {
            for (size_t i = 0; i < c->n; i++) y2[i] = tix[i] == t ? y[i] : -1;
            char title[MZ_NAME_MAX + 64];
            snprintf(title, sizeof title, "target \"%s\" (%zu records, cross-validated)", T.name[t], nrec[t]);
            cJSON_AddItemToObject(cv, T.name[t], mz_report_labels(title, pred, y2, ns, L->n, L->name, a->quiet, stderr));
            add_label_weights(hj[t], lw, L->n);
        }
        cJSON *pr = mz_report_labels(pt, pred, y, ns, L->n, L->name, a->quiet, stderr);
        mz_f1_labels_figure(pr, cJSON_GetObjectItemCaseSensitive(manifest, "f1_labels"), pr, a->quiet, stderr);
        cJSON_AddItemToObject(cv, "pooled", pr);
    } else {
        cJSON_AddItemToObject(cv, "pooled", mz_report(pt, pooled, NULL, y, ns, L->n, L->name, a->quiet, stderr));
    }
    oof_rows(tk, L, pooled, pred, y, &T, tix);
    if (by_groups(tk, L, pooled, pred, y, e) != 0) goto out;
    rc = 0;
out:
    free(pred);
    free(pooled);
    free(tix);
    mz_labelset_free(&T);
    return rc;
}
