/* stance.c — the stance task: for one target of the lexicon, on a
 * −2..2-or-null label, "presence" (present/absent) on every document,
 * "stance" (critical/neutral/favourable) on those where it is present,
 * with cut-offs for the rare classes, and an epsilon-SVR on the −2..2
 * scale; the bundle keeps the score (prob, svr or blend) that ranks
 * critical texts best on CV unless told.  The features include context
 * features around the target's mentions (trainset.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "metrics.h"
#include "predict.h"
#include "progress.h"
#include "tasks.h"

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

double mz_stance_auc(int method, const double *ps, const double *pv, const int *y2, size_t n)
{
    double *s = stance_scores(method, ps, pv, n);
    double auc = s ? critical_auc(s, y2, n) : NAN;
    free(s);
    return auc;
}

double mz_stance_answered_f1(const int *pred, const int *y2, const double *pp, size_t n)
{
    size_t tp = 0, fp = 0, fn = 0;
    /* every text, those the annotators saw no target in too: one the
     * presence head calls present is answered with the stance head's label,
     * and answered critical it is a false positive to its reader */
    for (size_t i = 0; i < n; i++) {
        int crit = mz_pick_label(pp + i * 2, NULL, 2) == 0 && pred[i] == 0;
        tp += crit && y2[i] == 0;
        fp += crit && y2[i] != 0;
        fn += !crit && y2[i] == 0;
    }
    /* no critical text and none called critical: nothing to measure */
    return tp + fp + fn ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : NAN;
}

void mz_stance_answered(cJSON *m, const int *pred, const int *y2, const double *pp, size_t n, FILE *out)
{
    double f = mz_stance_answered_f1(pred, y2, pp, n);
    if (m) mz_add_figure(m, "critical_f1_answered", f);
    if (out && isnan(f))
        fprintf(out, "critical F1 as answered (every text; no label where the presence head says absent): undefined (no critical "
                     "text, and none answered critical)\n");
    else if (out)
        fprintf(out, "critical F1 as answered (every text; no label where the presence head says absent): %.4f\n", f);
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
    if (a->grid && mz_grid_C("svr", "critical ROC-AUC", a->quiet, &lo, svr_auc, &sd, e) != 0) return -1;
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
    for (int m = 0; m < 3; m++) auc[m] = mz_stance_auc(m, ps, pv, y2, n);
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
    /* without a critical text (or without another) there is no ranking to
     * measure, nor to choose the score by: the default one, said so */
    int ranked = isfinite(auc[use]);
    const char *chosen = a->stance_score >= 0 ? "option" : ranked ? "cv_roc_auc" : "default";
    if (!a->quiet) {
        if (ranked)
            fprintf(stderr, "critical-vs-rest ROC-AUC: prob %.4f  svr %.4f  blend %.4f\n", auc[0], auc[1], auc[2]);
        fprintf(stderr, "svr on the -2..2 scale: MAE %.4f  Pearson r %.4f\n", mae, r);
        if (ranked)
            fprintf(stderr, "critical-vs-rest ROC-AUC of the score (%s%s): %.4f\n", mz_score_name(use),
                    a->stance_score < 0 ? ", the best on CV" : "", auc[use]);
        else
            fprintf(stderr, "critical-vs-rest ROC-AUC of the score (%s%s): undefined (needs critical and other texts)\n",
                    mz_score_name(use), a->stance_score < 0 ? ", the default" : "");
    }
    cJSON_AddStringToObject(ms, "score", mz_score_name(use));
    cJSON_AddStringToObject(ms, "score_chosen_by", chosen);
    mz_add_figure(ms, "critical_roc_auc", auc[use]);
    cJSON *by = cJSON_AddObjectToObject(ms, "critical_roc_auc_by_score");
    for (int m = 0; m < 3; m++) mz_add_figure(by, mz_score_name(m), auc[m]);
    mz_add_figure(ms, "svr_mae", mae);
    mz_add_figure(ms, "svr_pearson", r);
    cJSON_AddNumberToObject(solver, "C_svr", Cv);
    cJSON_AddNumberToObject(solver, "svr_epsilon", a->svr_p);
    cJSON_AddStringToObject(solver, "svr_method", "L2R_L2LOSS_SVR_DUAL on the -2..2 labels, stored as libsvm epsilon_svr");
    return 0;
}

/* --by: the figures again per group of scored rows, from the answers
 * --cv-predictions gives them (stance labels with cut-offs chosen on the
 * other folds). */
static int by_groups(const mz_task *tk, const double *pp, const int *y, char *const *pl, const int *pred,
                     const int *y2, char *const *sl, int method, const double *ps, const double *pv, mz_err *e)
{
    if (!tk->by || tk->a->quiet) return 0;
    cJSON *j = mz_groups_stance(tk->by, pp, y, pl, pred, y2, sl, method, ps, pv, 0);
    if (!j) return mz_fail(e, "out of memory");
    cJSON_Delete(j);
    return 0;
}

/* The cut-offs (critical, favourable), on a grid of 0.025, that maximise
 * the macro-F1 over the three labels of the rows with y2 >= 0 and use[i]
 * (the first on ties, 0.5 and 0.5 if none scores). */
static void choose_cutoffs(const double *ps, const int *y2, const unsigned char *use, size_t n, double *tc_best,
                           double *tf_best)
{
    double best_f = -1;
    *tc_best = *tf_best = 0.5;
    for (int ic = 1; ic < 40; ic++)
        for (int jf = 1; jf < 40; jf++) {
            double tc = ic * 0.025, tf = jf * 0.025;
            mz_metrics mm;
            if (mz_metrics_init(&mm, 3) != 0) return;
            for (size_t i = 0; i < n; i++)
                if (y2[i] >= 0 && use[i]) mz_metrics_add(&mm, y2[i], mz_stance_label(ps + i * 3, tc, tf));
            mz_metrics_finish(&mm);
            if (mm.macro_f1 > best_f + 1e-12) best_f = mm.macro_f1, *tc_best = tc, *tf_best = tf;
            mz_metrics_free(&mm);
        }
}

/* The truth of every record: y presence (0 present, 1 absent), y2 the
 * stance where present (0 critical, 1 neutral, 2 favourable; -1 absent).
 * Refused when the target is never or always present, or when a class
 * only training-only records carry; a stance no scored record takes is
 * said, as the head will never answer it. */
static int stance_truth(const mz_task *tk, const char *label_field, int *y, int *y2, char **pl, char **sl, mz_err *e)
{
    const mz_collection *c = tk->c;
    size_t n = c->n, ns = tk->ns;
    long npresent = 0;
    for (size_t i = 0; i < n; i++) {
        int present;
        if (mz_stance_truth(c->label[i], c->where[i], label_field, &present, &y2[i], e) != 0) return -1;
        y[i] = !present;
        npresent += present;
    }
    if (npresent == 0 || npresent == (long)n)
        return mz_fail(e, "%s: the target is %s in every record: presence needs both cases", tk->a->corpus[0],
                       npresent ? "present" : "absent");
    if (mz_scored_cover(y, n, ns, 2, pl, "presence: ", e) != 0 || mz_scored_cover(y2, n, ns, 3, sl, "stance: ", e) != 0)
        return -1;
    int has[3] = {0};
    for (size_t i = 0; i < ns; i++)
        if (y2[i] >= 0) has[y2[i]] = 1;
    for (int k = 0; k < 3; k++)
        if (!has[k]) {
            mz_progress_clear();
            fprintf(stderr, "mizan-train: warning: stance: no record is labelled %s, so the stance head never answers it\n",
                    sl[k]);
        }
    return 0;
}

/* The stance head's cut-offs for the rare classes, by CV macro-F1 over
 * the three, into *tc and *tf, and the figures with them in *ms.  Those
 * figures are the ones the cut-offs were chosen on, so each fold is also
 * labelled with cut-offs chosen on the other folds; pred keeps those
 * labels, which --cv-predictions writes. */
static int stance_cutoffs(const mz_task *tk, const double *ps, const double *pp, const int *y2, char **sl, int *pred,
                          double *tc, double *tf, cJSON **ms, mz_err *e)
{
    const mz_train_args *a = tk->a;
    size_t n = tk->c->n, ns = tk->ns;
    int folds = a->learn.folds;
    unsigned char *use = calloc(n + 1, 1);
    int *fold = folds >= 2 ? mz_make_folds(y2, n, ns, 3, folds, a->learn.seed, tk->ts->same) : NULL;
    if (!use || (folds >= 2 && !fold)) {
        free(use), free(fold);
        return mz_fail(e, "out of memory");
    }
    for (size_t i = 0; i < n; i++) use[i] = i < ns;
    choose_cutoffs(ps, y2, use, n, tc, tf);
    for (size_t i = 0; i < n; i++) pred[i] = mz_stance_label(ps + i * 3, *tc, *tf);
    if (!a->quiet) fprintf(stderr, "\nstance cut-offs: critical %.3f favourable %.3f\n", *tc, *tf);
    *ms = mz_report_labels("stance where present (cross-validated)", pred, y2, ns, 3, sl, a->quiet, stderr);
    mz_stance_answered(*ms, pred, y2, pp, ns, a->quiet ? NULL : stderr);
    if (fold) {
        for (int f = 0; f < folds; f++) {
            double tcf, tff;
            for (size_t i = 0; i < n; i++) use[i] = i < ns && fold[i] != f;
            choose_cutoffs(ps, y2, use, n, &tcf, &tff);
            for (size_t i = 0; i < ns; i++)
                if (fold[i] == f) pred[i] = mz_stance_label(ps + i * 3, tcf, tff);
        }
        cJSON *mo = mz_report_labels("stance where present, each fold with cut-offs chosen on the others "
                                     "(cross-validated)",
                                     pred, y2, ns, 3, sl, a->quiet, stderr);
        mz_stance_answered(mo, pred, y2, pp, ns, a->quiet ? NULL : stderr);
        cJSON_AddItemToObject(*ms, "cutoffs_chosen_on_other_folds", mo);
    }
    free(use), free(fold);
    cJSON_AddNumberToObject(*ms, "cutoff_critical", *tc);
    cJSON_AddNumberToObject(*ms, "cutoff_favourable", *tf);
    return 0;
}

int mz_train_stance(const mz_task *tk, const char *label_field, const long *mentions, int *y, int *y2, mz_err *e)
{
    const mz_collection *c = tk->c;
    const mz_train_args *a = tk->a;
    size_t ns = tk->ns;
    const mz_trainset *ts = tk->ts;
    cJSON *manifest = tk->manifest, *solver = tk->solver, *heads = tk->heads, *cv = tk->cv;
    size_t n = c->n;
    char *pl[2] = {"present", "absent"};
    char *sl[3] = {"critical", "neutral", "favourable"};
    /* every model and buffer is freed on every way out, fitted or not */
    mz_linmodel lp = {0}, ls = {0}, lv = {0};
    double *pp = NULL, *ps = NULL, *pv = NULL, *z = NULL, C1, C2, Cv = 0, tc_best, tf_best;
    int *pred = NULL, method = MZ_SCORE_PROB, rc = -1;
    cJSON *mp = NULL, *ms = NULL;
    if (stance_truth(tk, label_field, y, y2, pl, sl, e) != 0) goto out;
    mz_train_args a2 = *a;
    mz_heads_balanced(a, &a2, solver);
    if (mz_fit(ts, y, 2, &a2, "presence", &lp, &pp, &C1, NULL, e) != 0) goto out;
    /* The classifier never asks the head about an article that does not
     * name the target at all; score the CV predictions the same way. */
    long unnamed_present = 0;
    size_t first_unnamed = 0;
    for (size_t i = 0; i < ns; i++)
        if (mentions[i] == 0) {
            pp[i * 2] = 0.0;
            pp[i * 2 + 1] = 1.0;
            if (y[i] == 0 && unnamed_present++ == 0) first_unnamed = i;
        }
    /* where to look to extend the lexicon: the first such record */
    if (!a->quiet && unnamed_present)
        fprintf(stderr, "%ld annotated-present articles never name the target in the lexicon's words (the first: %s)\n",
                unnamed_present, c->where[first_unnamed]);
    else if (!a->quiet)
        fprintf(stderr, "0 annotated-present articles never name the target in the lexicon's words\n");
    mp = mz_report("presence (cross-validated)", pp, NULL, y, ns, 2, pl, a->quiet, stderr);
    /* the texts the annotators saw no target in are answered too, as the
     * classifier would where its presence head says present: the figure
     * "as answered" counts them */
    a2.learn.answer_unlabelled = 1;
    if (mz_fit(ts, y2, 3, &a2, "stance", &ls, &ps, &C2, NULL, e) != 0) goto out;
    if (!(pred = malloc((n + 1) * sizeof *pred))) {
        mz_fail(e, "out of memory");
        goto out;
    }
    if (stance_cutoffs(tk, ps, pp, y2, sl, pred, &tc_best, &tf_best, &ms, e) != 0) goto out;
    /* --cv-predictions: presence and the stance head's label for every row
     * (critical_f1_answered counts them all; the stance table, the rows
     * the annotators saw the target in), each labelled as the figures with
     * cut-offs chosen on the other folds */
    for (size_t i = 0; tk->oof && i < ns; i++) {
        mz_record_presence(tk->oof[i], c->label[i], y[i] == 0, pp + i * 2);
        mz_record_stance(tk->oof[i], sl, pred[i], ps + i * 3);
    }
    /* the epsilon-SVR head on the -2..2 labels, on the classifier's folds */
    if (!(z = calloc(n + 1, sizeof *z))) {
        mz_fail(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (y2[i] >= 0) z[i] = c->label[i]->valuedouble;
    /* The -2..2 scale is the scored corpus' own: training-only texts
     * teach the classifiers, not the regression (with the project's
     * op-eds in it, the SVR's CV ROC-AUC fell by 0.012-0.028 in each
     * of four fold splits for both targets; the classifiers' did not). */
    for (size_t i = ns; i < n; i++) y2[i] = -1;
    if (fit_svr(ts, y2, z, a, &lv, &pv, &Cv, e) != 0 ||
        stance_score_cv(ps, pv, y2, z, ns, a, Cv, ms, solver, &method, e) != 0)
        goto out;
    for (size_t i = 0; tk->oof && i < ns; i++)
        if (y2[i] >= 0) mz_record_score(tk->oof[i], mz_stance_score(method, ps + i * 3, pv[i]), &pv[i]);
    if (by_groups(tk, pp, y, pl, pred, y2, sl, method, ps, pv, e) != 0) goto out;
    cJSON_AddItemToObject(cv, "presence", mp);
    cJSON_AddItemToObject(cv, "stance", ms);
    mp = ms = NULL;
    cJSON_AddNumberToObject(solver, "C_presence", C1);
    cJSON_AddNumberToObject(solver, "C_stance", C2);
    cJSON_AddItemToArray(heads, mz_head_json("presence", "presence.svm", pl, 2));
    cJSON *hs = mz_head_json("stance", "stance.svm", sl, 3);
    cJSON *th = cJSON_AddObjectToObject(hs, "thresholds");
    cJSON_AddNumberToObject(th, "critical", tc_best);
    cJSON_AddNumberToObject(th, "favourable", tf_best);
    cJSON_AddItemToArray(heads, hs);
    cJSON_AddStringToObject(manifest, "score", mz_score_name(method));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(manifest, "svr"), "file", "svr.svm");
    if (mz_add_model(tk->w, "presence.svm", &lp, e) != 0 || mz_add_model(tk->w, "stance.svm", &ls, e) != 0 ||
        mz_add_model(tk->w, "svr.svm", &lv, e) != 0)
        goto out;
    rc = 0;
out:
    mz_linmodel_free(&lp);
    mz_linmodel_free(&ls);
    mz_linmodel_free(&lv);
    free(pp), free(ps), free(pv), free(z), free(pred);
    cJSON_Delete(mp);
    cJSON_Delete(ms);
    return rc;
}
