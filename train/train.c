/* train.c — mizan-train's training command: labels → heads → bundle.
 *
 * How a corpus' labels become heads depends on the task:
 *   multiclass  one head over the sorted distinct labels;
 *   multilabel  one binary head per label (label lists; the first listed is
 *               the primary), optionally a multiclass "primary" head on the
 *               first listed label, and one probability threshold for all,
 *               the one that maximises micro-F1 on cross-validated
 *               probabilities with the classifier's own selection rule;
 *   stance      for one target of the lexicon, on a −2..2-or-null field:
 *               "presence" (present/absent) on every document and "stance"
 *               (critical/neutral/favourable) on those where it is present,
 *               with context features around the target's mentions;
 *   target      one multiclass head per value of --target-field.
 * Metrics are computed on out-of-fold probabilities, i.e. from models that
 * did not see the document. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "fsutil.h"
#include "learn.h"
#include "metrics.h"
#include "parallel.h"
#include "platt.h"
#include "predict.h"
#include "trainset.h"

/* ------------------------------------------------------------- labels */

typedef struct labelset {
    char **name;
    int n;
} labelset;

static void labelset_free(labelset *l)
{
    for (int i = 0; i < l->n; i++) free(l->name[i]);
    free(l->name);
    memset(l, 0, sizeof *l);
}

static int labelset_add(labelset *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->name[i], s)) return 0;
    if (l->n == MZ_MAX_CLASSES) return -1;
    char **nn = realloc(l->name, (size_t)(l->n + 1) * sizeof *nn);
    if (!nn) return -1;
    l->name = nn;
    l->name[l->n] = strdup(s);
    return l->name[l->n++] ? 0 : -1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int labelset_index(const labelset *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->name[i], s)) return i;
    return -1;
}

/* A class that training-only rows have and scored rows do not could be
 * neither calibrated (Platt sees scored rows only) nor measured: its head
 * would never predict it.  Refused, naming it. */
static int scored_cover(const int *y, size_t n, size_t ns, int k, char *const *names, const char *what, mz_err *e)
{
    for (int c = 0; c < k; c++) {
        int scored = 0, only = 0;
        for (size_t i = 0; i < n && !scored; i++)
            if (y[i] == c) *(i < ns ? &scored : &only) = 1;
        if (only && !scored)
            return mz_fail(e, "%s\"%s\" occurs only in --train-only corpora: with no scored record it could be "
                              "neither calibrated nor measured", what, names[c]);
    }
    return 0;
}

/* A label value as text: strings as they are, integral numbers printed. */
static int label_text(const cJSON *j, char *buf, size_t n)
{
    if (cJSON_IsString(j) && *j->valuestring && strlen(j->valuestring) < n) {
        snprintf(buf, n, "%s", j->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(j) && isfinite(j->valuedouble) && j->valuedouble == floor(j->valuedouble) &&
        fabs(j->valuedouble) < 1e9) {
        snprintf(buf, n, "%.0f", j->valuedouble);
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------ fitting helpers */

/* Out-of-fold class probabilities (n × k) from oof decisions. */
static double *oof_probs(const mz_linmodel *lm, const double *oof, size_t n)
{
    int k = lm->nclass;
    double *p = calloc(n * (size_t)k + 1, sizeof *p);
    if (!p) return NULL;
    for (size_t i = 0; i < n; i++)
        mz_pairwise_coupling(k, oof + i * (size_t)lm->npair, lm->probA, lm->probB, p + i * (size_t)k);
    return p;
}

static double macro_f1_of(const double *prob, const int *y, size_t n, int k)
{
    mz_metrics m;
    if (mz_metrics_init(&m, k) != 0) return -1;
    for (size_t i = 0; i < n; i++)
        if (y[i] >= 0) mz_metrics_add(&m, y[i], mz_pick_label(prob + i * (size_t)k, NULL, k));
    mz_metrics_finish(&m);
    double f = m.macro_f1;
    mz_metrics_free(&m);
    return f;
}

static const double GRID[] = {0.1, 0.25, 0.5, 1, 2, 4};

/* The CV figure a grid search maximises for C (lo->C set); -1 on error. */
typedef int (*grid_fn)(void *ctx, const mz_learnopts *lo, double *score, mz_err *e);

/* --grid: sets lo->C to the C of GRID whose figure is highest (the first
 * on ties), reporting each on stderr as "what: C=... <metric> ...". */
static int grid_C(const char *what, const char *metric, int quiet, mz_learnopts *lo, grid_fn fn, void *ctx, mz_err *e)
{
    double best = -1, bestC = lo->C;
    for (size_t g = 0; g < sizeof GRID / sizeof *GRID; g++) {
        lo->C = GRID[g];
        double f;
        if (fn(ctx, lo, &f, e) != 0) return mz_wrap(e, "%s: ", what);
        if (!quiet) fprintf(stderr, "  %s: C=%-5g CV %s %.4f\n", what, GRID[g], metric, f);
        if (f > best) best = f, bestC = GRID[g];
    }
    if (!quiet) fprintf(stderr, "  %s: best C=%g\n", what, bestC);
    lo->C = bestC;
    return 0;
}

typedef struct head_data {
    const mz_trainset *ts;
    const int *y;
    int k;
} head_data;

static int head_macro_f1(void *ctx, const mz_learnopts *lo, double *score, mz_err *e)
{
    const head_data *d = ctx;
    mz_linmodel m;
    double *oof;
    if (mz_fit_head(d->ts, d->y, d->k, lo, &m, &oof, e) != 0) return -1;
    double *p = oof_probs(&m, oof, d->ts->n);
    free(oof);
    mz_linmodel_free(&m);
    if (!p) return mz_fail(e, "out of memory");
    *score = macro_f1_of(p, d->y, d->ts->nscored, d->k);
    free(p);
    return 0;
}

/* Fit a head (with a C grid search when asked); returns OOF probabilities. */
static int fit(const mz_trainset *ts, const int *y, int k, const mz_train_args *a, const char *what,
               mz_linmodel *lm, double **prob, double *C_used, mz_err *e)
{
    mz_learnopts lo = a->learn;
    head_data hd = {ts, y, k};
    if (a->grid && grid_C(what, "macro-F1", a->quiet, &lo, head_macro_f1, &hd, e) != 0) return -1;
    double *oof;
    if (!a->quiet) {
        if (lo.rbf) fprintf(stderr, "fitting %s (rbf, gamma=%g, C=%g, %d-fold CV)\n", what, lo.gamma, lo.C, lo.folds);
        else fprintf(stderr, "fitting %s (C=%g, %d-fold CV)\n", what, lo.C, lo.folds);
    }
    if (mz_fit_head(ts, y, k, &lo, lm, &oof, e) != 0) return mz_wrap(e, "%s: ", what);
    *prob = oof_probs(lm, oof, ts->n);
    free(oof);
    *C_used = lo.C;
    if (!*prob) {
        mz_linmodel_free(lm);
        return mz_fail(e, "out of memory");
    }
    return 0;
}

/* ROC-AUC of −score for critical (y2 == 0) against the rest (y2 > 0);
 * score[i] grows towards favourable. */
static double critical_auc(const double *score, const int *y2, size_t n)
{
    double *sc = malloc((n + 1) * sizeof *sc);
    int *tr = malloc((n + 1) * sizeof *tr);
    size_t m = 0;
    for (size_t i = 0; sc && tr && i < n; i++)
        if (y2[i] >= 0) {
            sc[m] = -score[i];
            tr[m++] = y2[i] == 0;
        }
    double auc = sc && tr ? mz_roc_auc(sc, tr, m) : NAN;
    free(sc);
    free(tr);
    return auc;
}

/* Stance scores by method (bundle.h) of every row, from the out-of-fold
 * probabilities ps (n × 3) and SVR predictions pv. */
static double *stance_scores(int method, const double *ps, const double *pv, size_t n)
{
    double *s = calloc(n + 1, sizeof *s);
    for (size_t i = 0; s && i < n; i++) s[i] = mz_stance_score(method, ps + i * 3, pv ? pv[i] : 0);
    return s;
}

static double auc_of(int method, const double *ps, const double *pv, const int *y2, size_t n)
{
    double *s = stance_scores(method, ps, pv, n);
    double auc = s ? critical_auc(s, y2, n) : NAN;
    free(s);
    return auc;
}

typedef struct svr_data {
    const mz_trainset *ts;
    const int *y2;
    const double *z;
} svr_data;

static int svr_auc(void *ctx, const mz_learnopts *lo, double *score, mz_err *e)
{
    const svr_data *d = ctx;
    mz_linmodel m;
    double *oof;
    if (mz_fit_svr(d->ts, d->y2, 3, d->z, lo, &m, &oof, e) != 0) return -1;
    mz_linmodel_free(&m);
    *score = critical_auc(oof, d->y2, d->ts->nscored);
    free(oof);
    return 0;
}

/* The SVR head on targets z of the rows with y2 >= 0 (C from --svr-C, or
 * with --grid the one whose out-of-fold predictions rank critical texts
 * best, the figure the score is judged by); returns its OOF predictions. */
static int fit_svr(const mz_trainset *ts, const int *y2, const double *z, const mz_train_args *a,
                   mz_linmodel *lv, double **pv, double *C_used, mz_err *e)
{
    mz_learnopts lo = a->learn;
    lo.C = a->svr_C;
    lo.svr_p = a->svr_p;
    svr_data sd = {ts, y2, z};
    if (a->grid && grid_C("svr", "critical ROC-AUC", a->quiet, &lo, svr_auc, &sd, e) != 0) return -1;
    if (!a->quiet) fprintf(stderr, "fitting svr (C=%g, epsilon=%g, %d-fold CV)\n", lo.C, lo.svr_p, lo.folds);
    if (mz_fit_svr(ts, y2, 3, z, &lo, lv, pv, e) != 0) return mz_wrap(e, "svr: ");
    *C_used = lo.C;
    return 0;
}

/* CV figures of the stance scores: ROC-AUC of each method for critical vs
 * the rest (the bundle's own as "critical_roc_auc"), and the SVR's error
 * and correlation on the −2..2 scale. */
static int stance_score_cv(const double *ps, const double *pv, const int *y2, const double *z, size_t n,
                           const mz_train_args *a, double Cv, cJSON *ms, cJSON *solver, int *method, mz_err *e)
{
    double auc[3];
    for (int m = 0; m < 3; m++) auc[m] = auc_of(m, ps, pv, y2, n);
    int use = a->stance_score;
    if (use < 0) {
        use = MZ_SCORE_PROB;
        for (int m = 1; m < 3; m++)
            if (auc[m] > auc[use]) use = m;
    }
    *method = use;
    double se = 0, sz = 0, sp = 0, szz = 0, spp = 0, szp = 0, cnt = 0;
    for (size_t i = 0; i < n; i++)
        if (y2[i] >= 0) {
            se += fabs(pv[i] - z[i]);
            sz += z[i], sp += pv[i], szz += z[i] * z[i], spp += pv[i] * pv[i], szp += z[i] * pv[i];
            cnt++;
        }
    if (cnt == 0) return mz_fail(e, "internal: no present texts for the SVR");
    double mae = se / cnt;
    double vz = szz - sz * sz / cnt, vp = spp - sp * sp / cnt;
    double r = vz > 0 && vp > 0 ? (szp - sz * sp / cnt) / sqrt(vz * vp) : 0;
    if (!a->quiet) {
        fprintf(stderr, "critical-vs-rest ROC-AUC: prob %.4f  svr %.4f  blend %.4f\n", auc[0], auc[1], auc[2]);
        fprintf(stderr, "svr on the -2..2 scale: MAE %.4f  Pearson r %.4f\n", mae, r);
        fprintf(stderr, "critical-vs-rest ROC-AUC of the score (%s%s): %.4f\n", mz_score_name(use),
                a->stance_score < 0 ? ", the best on CV" : "", auc[use]);
    }
    cJSON_AddStringToObject(ms, "score", mz_score_name(use));
    cJSON_AddStringToObject(ms, "score_chosen_by", a->stance_score < 0 ? "cv_roc_auc" : "option");
    if (isfinite(auc[use])) cJSON_AddNumberToObject(ms, "critical_roc_auc", round(auc[use] * 1e6) / 1e6);
    cJSON *by = cJSON_AddObjectToObject(ms, "critical_roc_auc_by_score");
    for (int m = 0; m < 3; m++)
        if (isfinite(auc[m])) cJSON_AddNumberToObject(by, mz_score_name(m), round(auc[m] * 1e6) / 1e6);
    cJSON_AddNumberToObject(ms, "svr_mae", round(mae * 1e6) / 1e6);
    cJSON_AddNumberToObject(ms, "svr_pearson", round(r * 1e6) / 1e6);
    cJSON_AddNumberToObject(solver, "C_svr", Cv);
    cJSON_AddNumberToObject(solver, "svr_epsilon", a->svr_p);
    cJSON_AddStringToObject(solver, "svr_method", "L2R_L2LOSS_SVR_DUAL on the -2..2 labels, stored as libsvm epsilon_svr");
    return 0;
}

/* ------------------------------------------------------- multilabel */

/* Each record's labels as a truth matrix (n × k) over names, and its first
 * listed label in prim; -1 with an error for a label not among names. */
static int ml_truth(const mz_collection *c, char *const *names, int k, unsigned char *truth, int *prim, mz_err *e)
{
    char lb[256];
    for (size_t i = 0; i < c->n; i++) {
        const cJSON *l = c->label[i], *x;
        prim[i] = -1;
        if (!l || (cJSON_IsArray(l) && cJSON_GetArraySize(l) == 0))
            return mz_fail(e, "%s: label must be a string or a non-empty list of strings", c->where[i]);
        const cJSON *one = cJSON_IsArray(l) ? l->child : l;
        for (x = one; x; x = cJSON_IsArray(l) ? x->next : NULL) {
            if (label_text(x, lb, sizeof lb) != 0) return mz_fail(e, "%s: bad label", c->where[i]);
            int j = -1;
            for (int q = 0; q < k; q++)
                if (!strcmp(names[q], lb)) j = q;
            if (j < 0) return mz_fail(e, "%s: label \"%s\" is unknown to the model", c->where[i], lb);
            truth[i * (size_t)k + (size_t)j] = 1;
            if (prim[i] < 0) prim[i] = j;
        }
    }
    return 0;
}

typedef struct ml_figures {
    double micro_f1, macro_f1, primary_accuracy;
} ml_figures;

/* Figures of the label sets mz_multilabel_select picks from the binary
 * heads' probabilities P (n × k), the primary head's PM (NULL: none) and
 * per-label thresholds thr; macro-F1 counts a label never found as 0. */
static int ml_score(size_t n, int k, const double *P, const double *PM, double w, const double *thr, int max_labels,
                    const unsigned char *truth, const int *prim, ml_figures *out)
{
    long tp = 0, fp = 0, fn = 0, ok = 0;
    long *cnt = calloc(3 * (size_t)k + 1, sizeof *cnt); /* per label: tp, fp, fn */
    if (!cnt) return -1;
    unsigned char ch[MZ_MAX_CLASSES];
    for (size_t i = 0; i < n; i++) {
        const double *p = P + i * (size_t)k;
        int pr = mz_multilabel_select((size_t)k, p, PM ? PM + i * (size_t)k : NULL, w, thr, max_labels, ch);
        ok += pr == prim[i];
        for (int j = 0; j < k; j++) {
            int tr = truth[i * (size_t)k + (size_t)j];
            if (ch[j] && tr) tp++, cnt[3 * j]++;
            else if (ch[j]) fp++, cnt[3 * j + 1]++;
            else if (tr) fn++, cnt[3 * j + 2]++;
        }
    }
    double mac = 0;
    for (int j = 0; j < k; j++)
        if (cnt[3 * j]) mac += 2.0 * cnt[3 * j] / (2.0 * cnt[3 * j] + cnt[3 * j + 1] + cnt[3 * j + 2]);
    free(cnt);
    out->micro_f1 = tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0;
    out->macro_f1 = k ? mac / k : 0;
    out->primary_accuracy = n ? (double)ok / (double)n : 0;
    return 0;
}

static cJSON *metrics_json(const mz_metrics *m, char *const *labels)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "n", (double)m->n);
    cJSON_AddNumberToObject(j, "accuracy", round(m->accuracy * 1e6) / 1e6);
    cJSON_AddNumberToObject(j, "macro_f1", round(m->macro_f1 * 1e6) / 1e6);
    cJSON *pc = cJSON_AddObjectToObject(j, "per_class");
    for (int c = 0; c < m->k; c++) {
        cJSON *x = cJSON_AddObjectToObject(pc, labels[c]);
        cJSON_AddNumberToObject(x, "precision", round(m->precision[c] * 1e6) / 1e6);
        cJSON_AddNumberToObject(x, "recall", round(m->recall[c] * 1e6) / 1e6);
        cJSON_AddNumberToObject(x, "f1", round(m->f1[c] * 1e6) / 1e6);
        cJSON_AddNumberToObject(x, "support", (double)m->support[c]);
    }
    cJSON *conf = cJSON_AddArrayToObject(j, "confusion");
    for (int r = 0; r < m->k; r++) {
        cJSON *row = cJSON_CreateArray();
        for (int c = 0; c < m->k; c++) cJSON_AddItemToArray(row, cJSON_CreateNumber((double)m->conf[r * m->k + c]));
        cJSON_AddItemToArray(conf, row);
    }
    return j;
}

/* Metrics of the labels pred (rows with y < 0 are not counted); prints
 * the table unless quiet. */
static cJSON *report_labels(const char *title, const int *pred, const int *y, size_t n, int k, char *const *labels,
                            int quiet, FILE *out)
{
    mz_metrics m;
    if (mz_metrics_init(&m, k) != 0) return NULL;
    for (size_t i = 0; i < n; i++)
        if (y[i] >= 0) mz_metrics_add(&m, y[i], pred[i]);
    mz_metrics_finish(&m);
    if (m.n == 0) {
        /* e.g. a held-out corpus without a text that names the target:
         * nothing to measure, so there is no figure to give */
        mz_metrics_free(&m);
        if (!quiet) fprintf(out, "\n%s\nno labelled record to score\n", title);
        cJSON *j = cJSON_CreateObject();
        if (j) cJSON_AddNumberToObject(j, "n", 0);
        return j;
    }
    if (!quiet) {
        char *t = mz_metrics_table(&m, labels);
        fprintf(out, "\n%s\n%s", title, t ? t : "");
        free(t);
    }
    cJSON *j = metrics_json(&m, labels);
    mz_metrics_free(&m);
    return j;
}

/* report_labels of the labels prob gives (n × k) with weights lw (NULL:
 * the most probable; predict.h mz_pick_label). */
static cJSON *report(const char *title, const double *prob, const double *lw, const int *y, size_t n, int k,
                     char *const *labels, int quiet, FILE *out)
{
    int *pred = malloc((n + 1) * sizeof *pred);
    if (!pred) return NULL;
    for (size_t i = 0; i < n; i++) pred[i] = mz_pick_label(prob + i * (size_t)k, lw, k);
    cJSON *j = report_labels(title, pred, y, n, k, labels, quiet, out);
    free(pred);
    return j;
}

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
static int weigh_labels(const mz_train_args *a, const labelset *L, const double *prob, const int *y, size_t n,
                        size_t ns, cJSON *manifest, double *lw, int **pred, mz_err *e)
{
    int k = L->n, rc = -1, folds = a->learn.folds, *fold = NULL;
    unsigned char want[MZ_MAX_CLASSES] = {0}, *use = NULL;
    if (!strcmp(a->f1_labels, "all")) {
        memset(want, 1, (size_t)k);
    } else {
        for (const char *p = a->f1_labels; *p;) {
            size_t len = strcspn(p, ",");
            int found = -1;
            for (int c = 0; c < k; c++)
                if (strlen(L->name[c]) == len && !memcmp(L->name[c], p, len)) found = c;
            if (found < 0) return mz_fail(e, "--f1-labels: no label \"%.*s\" in the corpus", (int)len, p);
            want[found] = 1;
            p += len + (p[len] == ',');
        }
    }
    *pred = malloc((n + 1) * sizeof **pred);
    use = calloc(n + 1, 1);
    if (folds >= 2) fold = mz_make_folds(y, n, ns, k, folds, a->learn.seed);
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

static void add_label_weights(cJSON *head, const double *lw, int k)
{
    cJSON *a = cJSON_AddArrayToObject(head, "label_weights");
    for (int c = 0; c < k; c++) cJSON_AddItemToArray(a, cJSON_CreateNumber(lw[c]));
}

static cJSON *head_json(const char *name, const char *file, char *const *labels, int k)
{
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "name", name);
    cJSON_AddStringToObject(h, "file", file);
    cJSON *l = cJSON_AddArrayToObject(h, "labels");
    for (int c = 0; c < k; c++) cJSON_AddItemToArray(l, cJSON_CreateString(labels[c]));
    return h;
}

static int add_model(mz_bundle_writer *w, const char *file, const mz_linmodel *lm, mz_err *e)
{
    char *txt;
    size_t len;
    if (mz_svmfile_write(lm, &txt, &len, e) != 0) return -1;
    int rc = mz_bundle_add(w, file, txt, len, e);
    free(txt);
    return rc;
}

/* Default data files live in models/ beside bin/ (the installation). */
static int default_data(const char *given, const char *name, char *out, size_t n, mz_err *e)
{
    if (given) {
        snprintf(out, n, "%s", given);
        return 0;
    }
    char dir[4096];
    if (mz_exe_dir(dir, sizeof dir, e) != 0) return -1;
    if (snprintf(out, n, "%s/../models/%s", dir, name) >= (int)n) return mz_fail(e, "path too long");
    return 0;
}

/* The auxiliary head of a multiclass or target bundle (--aux-field):
 * fitted first; each document's out-of-fold probabilities, times
 * --aux-scale, become features of the main heads, so they learn what the
 * auxiliary label implies (an outlet's desks for topics, a tweet's
 * sentiment for its stance) from predictions as noisy as the ones they
 * will get at classification.  ts is rebuilt with the extra features. */
static int fit_aux(const mz_collection *c, const mz_train_args *a, mz_vocab *vocab, mz_sparse *rows,
                   mz_trainset *ts, cJSON *manifest, cJSON *heads, cJSON *cv, mz_bundle_writer *w, mz_err *e)
{
    labelset A = {0};
    int rc = -1;
    int *ya = malloc((c->n + 1) * sizeof *ya);
    if (!ya) return mz_fail(e, "out of memory");
    for (size_t i = 0; i < c->n; i++)
        if (labelset_add(&A, c->aux[i]) != 0) {
            mz_fail(e, "%s: more than %d values of \"%s\"", c->where[i], MZ_MAX_CLASSES, a->aux_field);
            goto out;
        }
    qsort(A.name, (size_t)A.n, sizeof *A.name, cmp_str);
    if (A.n < 2) {
        mz_fail(e, "--aux-field %s: needs at least two values", a->aux_field);
        goto out;
    }
    for (size_t i = 0; i < c->n; i++) ya[i] = labelset_index(&A, c->aux[i]);
    mz_linmodel lm;
    double *prob, C;
    if (fit(ts, ya, A.n, a, "aux", &lm, &prob, &C, e) != 0) goto out;
    char title[300];
    snprintf(title, sizeof title, "auxiliary \"%s\" (cross-validated)", a->aux_field);
    cJSON_AddItemToObject(cv, "aux", report(title, prob, NULL, ya, c->n, A.n, A.name, a->quiet, stderr));
    cJSON_AddItemToArray(heads, head_json("aux", "aux.svm", A.name, A.n));
    int r = add_model(w, "aux.svm", &lm, e);
    mz_linmodel_free(&lm);
    if (r != 0) {
        free(prob);
        goto out;
    }
    int32_t fid[MZ_MAX_CLASSES];
    for (int k = 0; k < A.n; k++) {
        char nm[64];
        int64_t f = mz_aux_feature_name(A.name[k], nm, sizeof nm) == 0 ? mz_vocab_add_named(vocab, nm) : -1;
        fid[k] = (int32_t)f;
        if (f < 0) {
            free(prob);
            mz_fail(e, "--aux-field: bad value \"%s\" (over 58 bytes, or the same as another once spaces are "
                        "written '_')", A.name[k]);
            goto out;
        }
    }
    for (size_t i = 0; i < c->n; i++)
        if (mz_aux_append(&rows[i], prob + i * (size_t)A.n, A.n, fid, a->aux_scale) != 0) {
            free(prob);
            mz_fail(e, "out of memory");
            goto out;
        }
    free(prob);
    mz_trainset_free(ts);
    if (mz_trainset_build(ts, rows, c->n, vocab->nfeat, e) != 0) goto out;
    cJSON *aj = cJSON_AddObjectToObject(manifest, "aux");
    cJSON_AddStringToObject(aj, "field", a->aux_field);
    cJSON_AddNumberToObject(aj, "scale", a->aux_scale);
    rc = 0;
out:
    free(ya);
    labelset_free(&A);
    return rc;
}

/* Stance and target heads: their classes are very unequal (see the
 * codebook's counts, or Mawqif's), so a2 is balanced unless the command
 * chose; the manifest records what the heads are fitted with. */
static void heads_balanced(const mz_train_args *a, mz_train_args *a2, cJSON *solver)
{
    if (!a->class_weight_given) a2->learn.balanced = 1;
    cJSON_ReplaceItemInObject(solver, "class_weight", cJSON_CreateString(a2->learn.balanced ? "balanced" : "none"));
}

/* --task target: a head per value of --target-field, each fitted,
 * calibrated and measured on its own records; every target is checked
 * before any head is fitted.  y holds the labels (0..L->n-1); y2 is scratch. */
static int train_targets(const mz_collection *c, const mz_train_args *a, mz_vocab *vocab, mz_sparse *rows,
                         mz_trainset *ts, const int *y, int *y2, const labelset *L, cJSON *manifest, cJSON *solver,
                         cJSON *heads, cJSON *cv, mz_bundle_writer *w, mz_err *e)
{
    size_t ns = c->nscored;
    labelset T = {0};
    int rc = -1, *tix = NULL, *pred = NULL;
    double *pooled = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (labelset_add(&T, c->target[i]) != 0) {
            mz_fail(e, "%s: more than %d distinct targets", c->where[i], MZ_MAX_CLASSES);
            goto out;
        }
    qsort(T.name, (size_t)T.n, sizeof *T.name, cmp_str);
    cJSON_AddStringToObject(manifest, "target_field", a->target_field);
    /* one auxiliary head over every target's records: what it learns
     * (a tweet's sentiment, say) holds across targets, and each
     * target's head weighs its prediction for itself */
    if (a->aux_field && fit_aux(c, a, vocab, rows, ts, manifest, heads, cv, w, e) != 0) goto out;
    pooled = calloc(c->n * (size_t)L->n + 1, sizeof *pooled);
    tix = malloc((c->n + 1) * sizeof *tix);
    if (!pooled || !tix) {
        mz_fail(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++) tix[i] = labelset_index(&T, c->target[i]);
    if (scored_cover(tix, c->n, ns, T.n, T.name, "target ", e) != 0) goto out;
    mz_train_args a2 = *a;
    heads_balanced(a, &a2, solver);
    for (int t = 0; t < T.n; t++) {
        for (size_t i = 0; i < c->n; i++) y2[i] = tix[i] == t ? y[i] : -1;
        char what[300];
        snprintf(what, sizeof what, "target \"%s\": label ", T.name[t]);
        if (scored_cover(y2, c->n, ns, L->n, L->name, what, e) != 0) goto out;
        int seen[MZ_MAX_CLASSES] = {0}, nseen = 0;
        for (size_t i = 0; i < c->n; i++)
            if (y2[i] >= 0 && !seen[y2[i]]++) nseen++;
        if (nseen < 2) {
            mz_fail(e, "target \"%s\": its records have fewer than two labels", T.name[t]);
            goto out;
        }
    }
    cJSON *hj[MZ_MAX_CLASSES];
    size_t nrec[MZ_MAX_CLASSES];
    for (int t = 0; t < T.n; t++) {
        nrec[t] = 0;
        for (size_t i = 0; i < c->n; i++) {
            y2[i] = tix[i] == t ? y[i] : -1;
            nrec[t] += y2[i] >= 0 && i < ns; /* scored records */
        }
        mz_linmodel lm;
        double *prob, C;
        if (fit(ts, y2, L->n, &a2, T.name[t], &lm, &prob, &C, e) != 0) goto out;
        for (size_t i = 0; i < c->n; i++)
            if (y2[i] >= 0) memcpy(pooled + i * (size_t)L->n, prob + i * (size_t)L->n, (size_t)L->n * sizeof *prob);
        char title[200];
        snprintf(title, sizeof title, "target \"%s\" (%zu records, cross-validated)", T.name[t], nrec[t]);
        if (!a->f1_labels) /* else reported below, with the weights */
            cJSON_AddItemToObject(cv, T.name[t], report(title, prob, NULL, y2, ns, L->n, L->name, a->quiet, stderr));
        free(prob);
        char file[64];
        snprintf(file, sizeof file, "target-%02d.svm", t);
        cJSON_AddItemToArray(heads, hj[t] = head_json(T.name[t], file, L->name, L->n));
        int r = add_model(w, file, &lm, e);
        mz_linmodel_free(&lm);
        if (r != 0) goto out;
    }
    /* pooled over targets: every record scored by its own target's head.
     * Label weights are chosen on them all, one set for every target:
     * weights per target did worse on Mawqif's folds they were not chosen
     * on (README). */
    const char *pt = "all targets pooled (cross-validated)";
    if (a->f1_labels) {
        double lw[MZ_MAX_CLASSES];
        if (weigh_labels(a, L, pooled, y, c->n, ns, manifest, lw, &pred, e) != 0) goto out;
        for (int t = 0; t < T.n; t++) {
            for (size_t i = 0; i < c->n; i++) y2[i] = tix[i] == t ? y[i] : -1;
            char title[200];
            snprintf(title, sizeof title, "target \"%s\" (%zu records, cross-validated)", T.name[t], nrec[t]);
            cJSON_AddItemToObject(cv, T.name[t], report_labels(title, pred, y2, ns, L->n, L->name, a->quiet, stderr));
            add_label_weights(hj[t], lw, L->n);
        }
        cJSON_AddItemToObject(cv, "pooled", report_labels(pt, pred, y, ns, L->n, L->name, a->quiet, stderr));
    } else {
        cJSON_AddItemToObject(cv, "pooled", report(pt, pooled, NULL, y, ns, L->n, L->name, a->quiet, stderr));
    }
    rc = 0;
out:
    free(pred);
    free(pooled);
    free(tix);
    labelset_free(&T);
    return rc;
}

/* ------------------------------------------------------------- train */

int mz_train(const mz_train_args *args, mz_err *e)
{
    /* a stance corpus keeps each target's value under the target's name */
    mz_train_args local = *args;
    if (!strcmp(local.task, "stance") && !strcmp(local.fields.label, "label")) local.fields.label = local.target;
    const mz_train_args *a = &local;
    int rc = -1;
    mz_collection c;
    mz_normalizer *nz = NULL;
    mz_stopwords sw = {0};
    mz_targets tg;
    memset(&tg, 0, sizeof tg);
    mz_vocab vocab;
    memset(&vocab, 0, sizeof vocab);
    mz_sparse *rows = NULL;
    long *mentions = NULL;
    mz_trainset ts = {0};
    labelset L = {0};
    int *y = NULL, *y2 = NULL;
    char *targets_text = NULL;
    size_t targets_len = 0;
    mz_bundle_writer w;
    memset(&w, 0, sizeof w);
    cJSON *manifest = NULL;
    char path[4096];

    if (mz_collection_load(&c, a, e) != 0) return -1;
    if (c.n < 2) {
        mz_fail(e, "%s: need at least 2 records to train, found %zu", a->corpus[0], c.n);
        goto out;
    }
    const char *task = a->task;
    if (!strcmp(task, "auto")) {
        task = "multiclass";
        for (size_t i = 0; i < c.n; i++)
            if (cJSON_IsArray(c.label[i])) task = "multilabel";
    }
    if (a->aux_field && strcmp(task, "multiclass") && strcmp(task, "target")) {
        mz_fail(e, "--aux-field: for multiclass or target corpora; these labels are lists (multilabel)");
        goto out;
    }
    int is_stance = !strcmp(task, "stance");
    mz_featopts fo = a->feat;
    if (is_stance) fo.context = 1;

    if (!(nz = mz_normalizer_new(e))) goto out;
    if (fo.stopwords) {
        if (default_data(a->stopwords, "stopwords-ar.txt", path, sizeof path, e) != 0) goto out;
        if (mz_stopwords_load(&sw, path, nz, e) != 0) goto out;
    }
    const mz_target *target = NULL;
    if (is_stance) {
        if (default_data(a->targets, "targets.json", path, sizeof path, e) != 0) goto out;
        if (mz_read_file(path, 16u << 20, &targets_text, &targets_len, e) != 0) goto out;
        if (mz_targets_parse(&tg, targets_text, targets_len, path, nz, e) != 0) goto out;
        target = mz_targets_find(&tg, a->target);
        if (!target) {
            mz_fail(e, "%s: no target \"%s\" in the lexicon", path, a->target);
            goto out;
        }
    }

    /* ---- labels ---- */
    const char *label_field = a->fields.label;
    y = malloc(c.n * sizeof *y);
    y2 = malloc(c.n * sizeof *y2);
    if (!y || !y2) {
        mz_fail(e, "out of memory");
        goto out;
    }
    char lb[256];
    if (!strcmp(task, "multiclass") || !strcmp(task, "target")) {
        for (size_t i = 0; i < c.n; i++) {
            if (!c.label[i]) {
                mz_fail(e, "%s: missing label field \"%s\"", c.where[i], label_field);
                goto out;
            }
            if (label_text(c.label[i], lb, sizeof lb) != 0) {
                mz_fail(e, "%s: label must be a non-empty string or an integer", c.where[i]);
                goto out;
            }
            if (labelset_add(&L, lb) != 0) {
                mz_fail(e, "%s: more than %d distinct labels", c.where[i], MZ_MAX_CLASSES);
                goto out;
            }
        }
        qsort(L.name, (size_t)L.n, sizeof *L.name, cmp_str);
        if (L.n < 2) {
            mz_fail(e, "%s: only one class (\"%s\"): a classifier needs at least two", a->corpus[0], L.name[0]);
            goto out;
        }
        for (size_t i = 0; i < c.n; i++) {
            label_text(c.label[i], lb, sizeof lb);
            y[i] = labelset_index(&L, lb);
        }
    } else if (!strcmp(task, "multilabel")) {
        for (size_t i = 0; i < c.n; i++) {
            const cJSON *l = c.label[i];
            if (!l || (!cJSON_IsArray(l) && label_text(l, lb, sizeof lb) != 0) ||
                (cJSON_IsArray(l) && cJSON_GetArraySize(l) == 0)) {
                mz_fail(e, "%s: label must be a string or a non-empty list of strings", c.where[i]);
                goto out;
            }
            const cJSON *x;
            if (cJSON_IsArray(l)) {
                cJSON_ArrayForEach(x, l)
                {
                    if (label_text(x, lb, sizeof lb) != 0 || labelset_add(&L, lb) != 0) {
                        mz_fail(e, "%s: bad label in list", c.where[i]);
                        goto out;
                    }
                }
            } else if (labelset_add(&L, lb) != 0) {
                mz_fail(e, "%s: too many labels", c.where[i]);
                goto out;
            }
        }
        qsort(L.name, (size_t)L.n, sizeof *L.name, cmp_str);
    }

    /* ---- features ---- */
    if (mz_featurize(&c, &fo, &sw, target, &tg, a->threads, a->quiet, 1, &vocab, &rows, is_stance ? &mentions : NULL, e) != 0)
        goto out;
    if (vocab.nfeat == 0) {
        mz_fail(e, "%s: no feature is left (every term is rarer than --min-df %d or in more than --max-df)",
                a->corpus[0], fo.min_df);
        goto out;
    }
    if (mz_trainset_build(&ts, rows, c.n, vocab.nfeat, e) != 0) goto out;
    /* metrics, thresholds and calibration count the scored rows alone */
    ts.nscored = c.nscored;
    size_t ns = c.nscored;

    if (mz_bundle_begin(&w, a->out, e) != 0) goto out;
    manifest = cJSON_CreateObject();
    cJSON_AddNumberToObject(manifest, "format", MZ_FORMAT_VERSION);
    cJSON_AddStringToObject(manifest, "program", "mizan " MZ_VERSION);
    const char *name = a->name ? a->name
                       : is_stance ? a->target
                       : !strcmp(task, "multilabel") ? "labels"
                                                    : "topic";
    cJSON_AddStringToObject(manifest, "name", name);
    cJSON_AddStringToObject(manifest, "kind", is_stance ? "stance" : task);
    if (!strcmp(task, "target") && !a->name) cJSON_ReplaceItemInObject(manifest, "name", cJSON_CreateString("target_stance"));
    if (is_stance) cJSON_AddStringToObject(manifest, "target", a->target);
    cJSON_AddItemToObject(manifest, "pipeline", mz_featopts_to_json(&fo));
    cJSON *solver = cJSON_AddObjectToObject(manifest, "solver");
    if (a->learn.rbf) {
        cJSON_AddStringToObject(solver, "library", "libsvm");
        cJSON_AddStringToObject(solver, "method", "C-SVC, one-vs-one");
        cJSON_AddStringToObject(solver, "kernel", "rbf");
        cJSON_AddNumberToObject(solver, "gamma", a->learn.gamma);
        cJSON_AddStringToObject(solver, "class_weight", a->learn.balanced ? "balanced" : "none");
        cJSON_AddNumberToObject(solver, "eps", MZ_LIBSVM_EPS);
        cJSON_AddNumberToObject(solver, "cache_mb", a->learn.cache_mb);
    } else {
        cJSON_AddStringToObject(solver, "library", "liblinear");
        cJSON_AddStringToObject(solver, "method", "L2R_L2LOSS_SVC_DUAL, one-vs-rest, stored as one-vs-one libsvm C-SVC");
        cJSON_AddStringToObject(solver, "class_weight", a->learn.balanced ? "balanced" : "none");
        cJSON_AddNumberToObject(solver, "eps", a->learn.eps);
    }
    cJSON_AddNumberToObject(solver, "cv_folds", a->learn.folds);
    cJSON_AddNumberToObject(solver, "seed", (double)a->learn.seed);
    cJSON_AddBoolToObject(solver, "grid", a->grid);
    cJSON_AddItemToObject(manifest, "corpora", cJSON_Duplicate(c.corpora, 1));
    cJSON_AddNumberToObject(manifest, "documents", (double)c.n);
    if (ns < c.n) cJSON_AddNumberToObject(manifest, "documents_training_only", (double)(c.n - ns));
    cJSON *heads = cJSON_AddArrayToObject(manifest, "heads");
    cJSON *cv = cJSON_AddObjectToObject(manifest, "cv");

    if (!strcmp(task, "multiclass")) {
        mz_linmodel lm;
        double *prob, C;
        if (scored_cover(y, c.n, ns, L.n, L.name, "label ", e) != 0) goto out;
        if (a->aux_field && fit_aux(&c, a, &vocab, rows, &ts, manifest, heads, cv, &w, e) != 0) goto out;
        if (fit(&ts, y, L.n, a, name, &lm, &prob, &C, e) != 0) goto out;
        cJSON_AddNumberToObject(solver, "C", C);
        double lw[MZ_MAX_CLASSES];
        int *pred = NULL;
        if (a->f1_labels && weigh_labels(a, &L, prob, y, c.n, ns, manifest, lw, &pred, e) != 0) {
            free(prob);
            mz_linmodel_free(&lm);
            goto out;
        }
        cJSON *mj = pred ? report_labels("cross-validated metrics", pred, y, ns, L.n, L.name, a->quiet, stderr)
                         : report("cross-validated metrics", prob, NULL, y, ns, L.n, L.name, a->quiet, stderr);
        free(prob);
        cJSON_AddItemToObject(cv, name, mj);
        cJSON *hj = head_json(name, "model.svm", L.name, L.n);
        if (pred) add_label_weights(hj, lw, L.n);
        free(pred);
        cJSON_AddItemToArray(heads, hj);
        rc = add_model(&w, "model.svm", &lm, e);
        mz_linmodel_free(&lm);
        if (rc != 0) goto out;
        rc = -1;
    } else if (!strcmp(task, "multilabel")) {
        size_t n = c.n;
        int K = L.n;
        double *P = calloc(n * (size_t)K + 1, sizeof *P), *PM = NULL;
        int *prim = malloc(n * sizeof *prim);
        unsigned char *truth = calloc(n * (size_t)K + 1, 1);
        if (!P || !prim || !truth) {
            free(P), free(prim), free(truth);
            mz_fail(e, "out of memory");
            goto out;
        }
        if (ml_truth(&c, L.name, K, truth, prim, e) != 0) {
            free(P), free(prim), free(truth);
            goto out;
        }
        double Csum = 0;
        for (int k = 0; k < K; k++) {
            for (size_t i = 0; i < n; i++) y[i] = truth[i * (size_t)K + (size_t)k] ? 0 : 1;
            char *bl[2] = {L.name[k], "other"};
            if (scored_cover(y, n, ns, 1, bl, "label ", e) != 0) {
                free(P), free(prim), free(truth);
                goto out;
            }
            mz_linmodel lm;
            double *prob, C;
            if (fit(&ts, y, 2, a, L.name[k], &lm, &prob, &C, e) != 0) {
                free(P), free(prim), free(truth);
                goto out;
            }
            Csum += C;
            for (size_t i = 0; i < n; i++) P[i * (size_t)K + (size_t)k] = prob[i * 2];
            free(prob);
            char file[160];
            snprintf(file, sizeof file, "head-%02d.svm", k);
            cJSON_AddItemToArray(heads, head_json(L.name[k], file, bl, 2));
            if (add_model(&w, file, &lm, e) != 0) {
                mz_linmodel_free(&lm);
                free(P), free(prim), free(truth);
                goto out;
            }
            mz_linmodel_free(&lm);
        }
        cJSON_AddNumberToObject(solver, "C", Csum / K);
        /* Which of a text's labels leads is a choice among them; independent
         * binary heads only say whether each is present, so a multiclass
         * head on the first listed label helps choose.  Every label must
         * lead somewhere for it to have a class to learn. */
        int leads[MZ_MAX_CLASSES] = {0}, all_lead = 1;
        for (size_t i = 0; i < ns; i++) leads[prim[i]] = 1; /* scored rows: its calibration's */
        for (int k = 0; k < K; k++) all_lead &= leads[k];
        double pw = a->primary_weight;
        if (pw > 0 && !all_lead) {
            if (!a->quiet) fprintf(stderr, "no primary head: some label is never listed first\n");
            pw = 0;
        }
        if (pw > 0) {
            mz_train_args a2 = *a;
            a2.learn.balanced = 1; /* rare frames seldom lead: unweighted, the head almost never picks them */
            mz_linmodel pm;
            double Cp;
            if (fit(&ts, prim, K, &a2, "primary", &pm, &PM, &Cp, e) != 0) {
                free(P), free(prim), free(truth);
                goto out;
            }
            int r = add_model(&w, "primary.svm", &pm, e);
            mz_linmodel_free(&pm);
            if (r != 0) {
                free(P), free(PM), free(prim), free(truth);
                goto out;
            }
            cJSON *pj = cJSON_AddObjectToObject(manifest, "primary");
            cJSON_AddStringToObject(pj, "file", "primary.svm");
            cJSON_AddNumberToObject(pj, "weight", pw);
            cJSON_AddNumberToObject(solver, "C_primary", Cp);
            cJSON_AddStringToObject(solver, "primary_class_weight", "balanced");
        }
        int max_labels = a->max_labels > K ? K : a->max_labels;
        cJSON_AddNumberToObject(manifest, "max_labels", max_labels);
        /* the threshold maximising micro-F1, with the labels chosen as the
         * classifier chooses them (the primary always among them) */
        double best_t = 0.5, thr[MZ_MAX_CLASSES];
        ml_figures best = {-1, 0, 0}, f, ovr;
        for (int s = 1; s < 20; s++) {
            double t = s * 0.05;
            for (int k = 0; k < K; k++) thr[k] = t;
            if (ml_score(ns, K, P, PM, pw, thr, max_labels, truth, prim, &f) != 0) {
                free(P), free(PM), free(prim), free(truth);
                mz_fail(e, "out of memory");
                goto out;
            }
            if (f.micro_f1 > best.micro_f1) best = f, best_t = t;
        }
        for (int k = 0; k < K; k++) thr[k] = best_t;
        int r = ml_score(ns, K, P, NULL, 0, thr, max_labels, truth, prim, &ovr);
        free(P), free(PM), free(prim), free(truth);
        if (r != 0) {
            mz_fail(e, "out of memory");
            goto out;
        }
        cJSON *h;
        cJSON_ArrayForEach(h, heads) cJSON_AddNumberToObject(h, "threshold", best_t);
        cJSON *mj = cJSON_AddObjectToObject(cv, name);
        cJSON_AddNumberToObject(mj, "n", (double)ns);
        cJSON_AddNumberToObject(mj, "threshold", best_t);
        cJSON_AddNumberToObject(mj, "micro_f1", round(best.micro_f1 * 1e6) / 1e6);
        cJSON_AddNumberToObject(mj, "macro_f1", round(best.macro_f1 * 1e6) / 1e6);
        cJSON_AddNumberToObject(mj, "primary_accuracy", round(best.primary_accuracy * 1e6) / 1e6);
        if (PM) cJSON_AddNumberToObject(mj, "primary_accuracy_binary_heads", round(ovr.primary_accuracy * 1e6) / 1e6);
        if (!a->quiet) {
            fprintf(stderr, "\ncross-validated: threshold %.2f  micro-F1 %.4f  macro-F1 %.4f  primary accuracy %.4f\n",
                    best_t, best.micro_f1, best.macro_f1, best.primary_accuracy);
            if (pw > 0)
                fprintf(stderr, "primary accuracy of the binary heads alone: %.4f\n", ovr.primary_accuracy);
        }
    } else if (is_stance) {
        size_t n = c.n;
        /* presence: 0 present, 1 absent; stance: 0 critical 1 neutral 2 favourable */
        long npresent = 0;
        for (size_t i = 0; i < n; i++) {
            const cJSON *l = c.label[i];
            if (!l || cJSON_IsNull(l)) {
                y[i] = 1;
                y2[i] = -1;
            } else if (cJSON_IsNumber(l) && l->valuedouble >= -2 && l->valuedouble <= 2 &&
                       l->valuedouble == floor(l->valuedouble)) {
                y[i] = 0;
                y2[i] = l->valuedouble < 0 ? 0 : l->valuedouble > 0 ? 2 : 1;
                npresent++;
            } else {
                mz_fail(e, "%s: \"%s\" must be -2..2 or null", c.where[i], label_field);
                goto out;
            }
        }
        if (npresent == 0 || npresent == (long)n) {
            mz_fail(e, "%s: the target is %s in every record: presence needs both cases", a->corpus[0],
                    npresent ? "present" : "absent");
            goto out;
        }
        char *pl[2] = {"present", "absent"};
        char *sl[3] = {"critical", "neutral", "favourable"};
        if (scored_cover(y, n, ns, 2, pl, "presence: ", e) != 0 || scored_cover(y2, n, ns, 3, sl, "stance: ", e) != 0)
            goto out;
        mz_linmodel lp, ls;
        double *pp, *ps, C1, C2;
        mz_train_args a2 = *a;
        heads_balanced(a, &a2, solver);
        if (fit(&ts, y, 2, &a2, "presence", &lp, &pp, &C1, e) != 0) goto out;
        /* The classifier never asks the head about an article that does not
         * name the target at all; score the CV predictions the same way. */
        long unnamed_present = 0;
        for (size_t i = 0; i < ns; i++)
            if (mentions[i] == 0) {
                pp[i * 2] = 0.0;
                pp[i * 2 + 1] = 1.0;
                unnamed_present += y[i] == 0;
            }
        if (!a->quiet)
            fprintf(stderr, "%ld annotated-present articles never name the target in the lexicon's words\n",
                    unnamed_present);
        cJSON *mp = report("presence (cross-validated)", pp, NULL, y, ns, 2, pl, a->quiet, stderr);
        if (fit(&ts, y2, 3, &a2, "stance", &ls, &ps, &C2, e) != 0) {
            mz_linmodel_free(&lp);
            free(pp);
            cJSON_Delete(mp);
            goto out;
        }
        /* cut-offs for the rare classes, by CV macro-F1 over the three */
        double best_f = -1, tc_best = 0.5, tf_best = 0.5;
        for (int ic = 1; ic < 40; ic++)
            for (int jf = 1; jf < 40; jf++) {
                double tc = ic * 0.025, tf = jf * 0.025;
                mz_metrics mm;
                if (mz_metrics_init(&mm, 3) != 0) break;
                for (size_t i = 0; i < ns; i++)
                    if (y2[i] >= 0) mz_metrics_add(&mm, y2[i], mz_stance_label(ps + i * 3, tc, tf));
                mz_metrics_finish(&mm);
                if (mm.macro_f1 > best_f + 1e-12) best_f = mm.macro_f1, tc_best = tc, tf_best = tf;
                mz_metrics_free(&mm);
            }
        /* report with the rule the classifier applies: one-hot "probabilities" */
        double *pl3 = calloc(n * 3 + 1, sizeof *pl3);
        if (!pl3) {
            mz_linmodel_free(&lp);
            mz_linmodel_free(&ls);
            free(pp);
            free(ps);
            cJSON_Delete(mp);
            mz_fail(e, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++) pl3[i * 3 + (size_t)mz_stance_label(ps + i * 3, tc_best, tf_best)] = 1;
        if (!a->quiet) fprintf(stderr, "\nstance cut-offs: critical %.3f favourable %.3f\n", tc_best, tf_best);
        cJSON *ms = report("stance where present (cross-validated)", pl3, NULL, y2, ns, 3, sl, a->quiet, stderr);
        free(pl3);
        cJSON_AddNumberToObject(ms, "cutoff_critical", tc_best);
        cJSON_AddNumberToObject(ms, "cutoff_favourable", tf_best);
        /* the epsilon-SVR head on the −2..2 labels, on the classifier's folds */
        mz_linmodel lv;
        memset(&lv, 0, sizeof lv); /* freed on every path, fitted or not */
        double *pv = NULL, Cv = 0;
        int method = MZ_SCORE_PROB;
        double *z = calloc(n + 1, sizeof *z);
        if (!z) {
            mz_linmodel_free(&lp);
            mz_linmodel_free(&ls);
            free(pp);
            free(ps);
            cJSON_Delete(mp);
            cJSON_Delete(ms);
            mz_fail(e, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            if (y2[i] >= 0) z[i] = c.label[i]->valuedouble;
        /* The -2..2 scale is the scored corpus' own: training-only texts
         * teach the classifiers, not the regression (with the project's
         * op-eds in it, the SVR's CV ROC-AUC fell by 0.012-0.028 in each
         * of four fold splits for both targets; the classifiers' did not). */
        for (size_t i = ns; i < n; i++) y2[i] = -1;
        int rv = fit_svr(&ts, y2, z, a, &lv, &pv, &Cv, e);
        if (rv == 0) rv = stance_score_cv(ps, pv, y2, z, ns, a, Cv, ms, solver, &method, e);
        free(z);
        free(pv);
        if (rv != 0) {
            mz_linmodel_free(&lp);
            mz_linmodel_free(&ls);
            mz_linmodel_free(&lv);
            free(pp);
            free(ps);
            cJSON_Delete(mp);
            cJSON_Delete(ms);
            goto out;
        }
        cJSON_AddItemToObject(cv, "presence", mp);
        cJSON_AddItemToObject(cv, "stance", ms);
        cJSON_AddNumberToObject(solver, "C_presence", C1);
        cJSON_AddNumberToObject(solver, "C_stance", C2);
        free(pp);
        free(ps);
        cJSON_AddItemToArray(heads, head_json("presence", "presence.svm", pl, 2));
        cJSON *hs = head_json("stance", "stance.svm", sl, 3);
        cJSON *th = cJSON_AddObjectToObject(hs, "thresholds");
        cJSON_AddNumberToObject(th, "critical", tc_best);
        cJSON_AddNumberToObject(th, "favourable", tf_best);
        cJSON_AddItemToArray(heads, hs);
        cJSON_AddStringToObject(manifest, "score", mz_score_name(method));
        cJSON_AddStringToObject(cJSON_AddObjectToObject(manifest, "svr"), "file", "svr.svm");
        int r1 = add_model(&w, "presence.svm", &lp, e);
        int r2 = r1 == 0 ? add_model(&w, "stance.svm", &ls, e) : -1;
        int r3 = r2 == 0 ? add_model(&w, "svr.svm", &lv, e) : -1;
        mz_linmodel_free(&lp);
        mz_linmodel_free(&ls);
        mz_linmodel_free(&lv);
        if (r3 != 0) goto out;
    } else if (!strcmp(task, "target")) {
        if (train_targets(&c, a, &vocab, rows, &ts, y, y2, &L, manifest, solver, heads, cv, &w, e) != 0) goto out;
    } else {
        mz_fail(e, "--task %s: unknown task", task);
        goto out;
    }
    if (fo.stopwords) {
        /* the list as used: one normalised entry per line */
        size_t cap = 64 + mz_strmap_count(sw.set) * 48, len = 0;
        char *s = malloc(cap);
        if (!s) {
            mz_fail(e, "out of memory");
            goto out;
        }
        len += (size_t)snprintf(s, cap, "# stopwords used to train this model (normalised)\n");
        for (size_t i = 0; i < mz_strmap_count(sw.set); i++) {
            size_t kl;
            const char *k = mz_strmap_key(sw.set, i, &kl);
            if (len + kl + 2 > cap) {
                cap = cap * 2 + kl;
                char *ns = realloc(s, cap);
                if (!ns) {
                    free(s);
                    mz_fail(e, "out of memory");
                    goto out;
                }
                s = ns;
            }
            memcpy(s + len, k, kl);
            len += kl;
            s[len++] = '\n';
        }
        rc = mz_bundle_add(&w, "stopwords.txt", s, len, e);
        free(s);
        if (rc != 0) goto out;
        rc = -1;
    }
    if (targets_text && mz_bundle_add(&w, "targets.json", targets_text, targets_len, e) != 0) goto out;
    {
        char *vt;
        size_t vl;
        if (mz_vocab_write(&vocab, &vt, &vl, e) != 0) goto out;
        int r2 = mz_bundle_add(&w, "vocab.tsv", vt, vl, e);
        free(vt);
        if (r2 != 0) goto out;
    }
    cJSON *cmd = cJSON_AddArrayToObject(manifest, "train_command");
    cJSON_AddItemToArray(cmd, cJSON_CreateString("bin/mizan-train"));
    for (int i = 1; i < a->argc; i++) cJSON_AddItemToArray(cmd, cJSON_CreateString(a->argv[i]));
    if (mz_bundle_commit(&w, manifest, e) != 0) {
        manifest = NULL;
        goto out;
    }
    manifest = NULL;
    if (!a->quiet) fprintf(stderr, "model written to %s\n", a->out);
    rc = 0;
out:
    if (rc != 0 && w.tmp_dir[0]) mz_bundle_abort(&w);
    cJSON_Delete(manifest);
    labelset_free(&L);
    free(y);
    free(y2);
    mz_trainset_free(&ts);
    if (rows)
        for (size_t i = 0; i < c.n; i++) mz_sparse_free(&rows[i]);
    free(rows);
    free(mentions);
    mz_vocab_free(&vocab);
    mz_targets_free(&tg);
    free(targets_text);
    mz_stopwords_free(&sw);
    mz_normalizer_free(nz);
    mz_collection_free(&c);
    return rc;
}

/* Held-out evaluation: the bundle's own pipeline and heads, the corpus'
 * labels, the same tables as training prints. */
int mz_evaluate(const mz_train_args *args, mz_err *e)
{
    mz_bundle b;
    if (mz_bundle_load(&b, args->model, e) != 0) return -1;
    mz_train_args local = *args;
    if (!strcmp(b.kind, "stance") && !strcmp(local.fields.label, "label")) local.fields.label = b.target;
    const mz_train_args *a = &local;
    int rc = -1;
    mz_collection c;
    mz_sparse *rows = NULL;
    long *mentions = NULL;
    int *y = NULL;
    double *P = NULL;
    mz_targets tg;
    memset(&tg, 0, sizeof tg);
    if (mz_collection_load(&c, a, e) != 0) {
        mz_bundle_free(&b);
        return -1;
    }
    const mz_target *target = NULL;
    if (!strcmp(b.kind, "stance")) {
        mz_normalizer *nz = mz_normalizer_new(e);
        int r = nz ? mz_targets_parse(&tg, b.targets_json, b.targets_len, args->model, nz, e) : -1;
        mz_normalizer_free(nz);
        if (r != 0) goto out;
        target = mz_targets_find(&tg, b.target);
    }
    if (mz_featurize(&c, &b.vocab.opt, &b.vocab.sw, target, &tg, a->threads, 1, 0, &b.vocab, &rows,
                     target ? &mentions : NULL, e) != 0)
        goto out;
    y = malloc((c.n + 1) * sizeof *y);
    P = calloc((c.n + 1) * MZ_MAX_CLASSES, sizeof *P);
    if (!y || !P) {
        mz_fail(e, "out of memory");
        goto out;
    }
    char lb[256];
    double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2];
    if (!strcmp(b.kind, "multiclass")) {
        mz_head *h = mz_bundle_head(&b, b.name);
        if (!h) h = &b.heads[0];
        for (size_t i = 0; i < c.n; i++) {
            if (!c.label[i] || label_text(c.label[i], lb, sizeof lb) != 0) {
                mz_fail(e, "%s: missing or bad label", c.where[i]);
                goto out;
            }
            y[i] = -1;
            for (int k = 0; k < h->nclass; k++)
                if (!strcmp(h->labels[k], lb)) y[i] = k;
            if (y[i] < 0) {
                mz_fail(e, "%s: label \"%s\" is unknown to the model", c.where[i], lb);
                goto out;
            }
            mz_aux_augment(&b, &rows[i]);
            mz_linmodel_decision(&h->lm, &rows[i], dec);
            mz_linmodel_probability(&h->lm, dec, P + i * (size_t)h->nclass);
        }
        cJSON *j = report("held-out metrics", P, h->weighted ? h->lw : NULL, y, c.n, h->nclass, h->labels, 0, stdout);
        cJSON_Delete(j);
    } else if (!strcmp(b.kind, "stance")) {
        mz_head *hp = mz_bundle_head(&b, "presence"), *hs = mz_bundle_head(&b, "stance");
        int *y2 = malloc((c.n + 1) * sizeof *y2);
        double *P2 = calloc((c.n + 1) * 3, sizeof *P2);
        if (!y2 || !P2) {
            free(y2), free(P2);
            mz_fail(e, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < c.n; i++) {
            const cJSON *l = c.label[i];
            y[i] = (!l || cJSON_IsNull(l)) ? 1 : 0;
            y2[i] = y[i] ? -1 : (l->valuedouble < 0 ? 0 : l->valuedouble > 0 ? 2 : 1);
            if (mentions[i] == 0) {
                P[i * 2] = 0, P[i * 2 + 1] = 1;
            } else {
                mz_linmodel_decision(&hp->lm, &rows[i], dec);
                mz_linmodel_probability(&hp->lm, dec, P + i * 2);
            }
            mz_linmodel_decision(&hs->lm, &rows[i], dec);
            mz_linmodel_probability(&hs->lm, dec, P2 + i * 3);
        }
        cJSON_Delete(report("presence (held-out)", P, NULL, y, c.n, 2, hp->labels, 0, stdout));
        double *L3 = calloc(c.n * 3 + 1, sizeof *L3);
        for (size_t i = 0; L3 && i < c.n; i++) L3[i * 3 + (size_t)mz_stance_label(P2 + i * 3, hs->tcrit, hs->tfav)] = 1;
        cJSON_Delete(report("stance where present (held-out)", L3 ? L3 : P2, NULL, y2, c.n, 3, hs->labels, 0, stdout));
        free(L3);
        /* the score the bundle gives, and the others it could give */
        double *sv = b.svr.svr ? calloc(c.n + 1, sizeof *sv) : NULL;
        if (b.svr.svr && !sv) {
            free(y2), free(P2);
            mz_fail(e, "out of memory");
            goto out;
        }
        for (size_t i = 0; sv && i < c.n; i++) {
            mz_linmodel_decision(&b.svr, &rows[i], dec);
            sv[i] = dec[0];
        }
        printf("critical-vs-rest ROC-AUC of the score (%s): %.4f\n", mz_score_name(b.score),
               auc_of(b.score, P2, sv, y2, c.n));
        if (sv)
            printf("critical-vs-rest ROC-AUC by score: prob %.4f  svr %.4f  blend %.4f\n",
                   auc_of(MZ_SCORE_PROB, P2, sv, y2, c.n), auc_of(MZ_SCORE_SVR, P2, sv, y2, c.n),
                   auc_of(MZ_SCORE_BLEND, P2, sv, y2, c.n));
        free(sv);
        free(y2), free(P2);
    } else if (!strcmp(b.kind, "multilabel")) {
        size_t K = b.nheads;
        if (K > MZ_MAX_CLASSES) {
            mz_fail(e, "evaluate: at most %d labels", MZ_MAX_CLASSES);
            goto out;
        }
        char *names[MZ_MAX_CLASSES];
        double thr[MZ_MAX_CLASSES], d[MZ_MAX_CLASSES];
        for (size_t k = 0; k < K; k++) names[k] = b.heads[k].name, thr[k] = b.heads[k].threshold;
        unsigned char *truth = calloc(c.n * K + 1, 1);
        int *prim = malloc((c.n + 1) * sizeof *prim);
        double *PM = b.primary.nclass ? calloc(c.n * K + 1, sizeof *PM) : NULL;
        if (!truth || !prim || (b.primary.nclass && !PM)) {
            free(truth), free(prim), free(PM);
            mz_fail(e, "out of memory");
            goto out;
        }
        if (ml_truth(&c, names, (int)K, truth, prim, e) != 0) {
            free(truth), free(prim), free(PM);
            goto out;
        }
        for (size_t i = 0; i < c.n; i++) {
            mz_bundle_multilabel_decision(&b, &rows[i], d);
            for (size_t k = 0; k < K; k++) {
                double pr[2];
                mz_linmodel_probability(&b.heads[k].lm, &d[k], pr);
                P[i * K + k] = pr[0];
            }
            if (PM) {
                mz_linmodel_decision(&b.primary, &rows[i], dec);
                mz_linmodel_probability(&b.primary, dec, PM + i * K);
            }
        }
        ml_figures f;
        int r = ml_score(c.n, (int)K, P, PM, b.primary_weight, thr, b.max_labels, truth, prim, &f);
        free(truth), free(prim), free(PM);
        if (r != 0) {
            mz_fail(e, "out of memory");
            goto out;
        }
        printf("held-out (%zu texts): micro-F1 %.4f  macro-F1 %.4f  primary accuracy %.4f\n", c.n, f.micro_f1,
               f.macro_f1, f.primary_accuracy);
    } else {
        mz_fail(e, "evaluate: %s bundles are evaluated by their training CV (see manifest.json \"cv\")", b.kind);
        goto out;
    }
    rc = 0;
out:
    if (rows)
        for (size_t i = 0; i < c.n; i++) mz_sparse_free(&rows[i]);
    free(rows);
    free(mentions);
    free(y);
    free(P);
    mz_targets_free(&tg);
    mz_collection_free(&c);
    mz_bundle_free(&b);
    return rc;
}
