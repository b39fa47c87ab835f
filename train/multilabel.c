/* multilabel.c — the multi-label task (frames): one binary head per label,
 * an optional multiclass head on each text's first listed label that
 * helps choose the primary, and one probability threshold for all, the
 * one that maximises micro-F1 on cross-validated probabilities with the
 * classifier's own selection rule. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "predict.h"
#include "progress.h"
#include "tasks.h"

/* Each record's labels as a truth matrix (n × k) over names, and its first
 * listed label in prim; -1 with an error for a label not among names. */
int mz_ml_truth(const mz_collection *c, char *const *names, int k, unsigned char *truth, int *prim, mz_err *e)
{
    char lb[256];
    for (size_t i = 0; i < c->n; i++) {
        const cJSON *l = c->label[i], *x;
        prim[i] = -1;
        if (!l) return mz_fail(e, "%s: missing label field \"%s\"", c->where[i], c->label_field);
        if (cJSON_IsArray(l) && cJSON_GetArraySize(l) == 0) return mz_fail(e, "%s: label is an empty list", c->where[i]);
        const cJSON *one = cJSON_IsArray(l) ? l->child : l;
        for (x = one; x; x = cJSON_IsArray(l) ? x->next : NULL) {
            const char *why = mz_label_text(x, lb, sizeof lb);
            if (why) return mz_fail(e, "%s: label %s", c->where[i], why);
            int j = -1;
            for (int q = 0; q < k; q++)
                if (!strcmp(names[q], lb)) j = q;
            if (j < 0) {
                char known[256];
                return mz_fail(e, "%s: label \"%s\" is unknown to the model (it knows %s); leave such records out, or train "
                                  "with them",
                               c->where[i], lb, mz_names_text(known, sizeof known, names, k));
            }
            truth[i * (size_t)k + (size_t)j] = 1;
            if (prim[i] < 0) prim[i] = j;
        }
    }
    return 0;
}

/* Counts of label-set decisions, row by row: the label sets
 * mz_multilabel_select picks, against the truth. */
typedef struct ml_counts {
    long tp, fp, fn, ok, n;
    long cnt[3 * MZ_MAX_CLASSES]; /* per label: tp, fp, fn */
} ml_counts;

static void ml_count(ml_counts *m, int k, const double *p, const double *pm, double w, const double *thr,
                     int max_labels, const unsigned char *truth, int prim)
{
    unsigned char ch[MZ_MAX_CLASSES];
    int pr = mz_multilabel_select((size_t)k, p, pm, w, thr, max_labels, ch);
    m->ok += pr == prim;
    m->n++;
    for (int j = 0; j < k; j++) {
        int tr = truth[j];
        if (ch[j] && tr) m->tp++, m->cnt[3 * j]++;
        else if (ch[j]) m->fp++, m->cnt[3 * j + 1]++;
        else if (tr) m->fn++, m->cnt[3 * j + 2]++;
    }
}

/* macro-F1 counts a label never found as 0 */
static void ml_figures_of(const ml_counts *m, int k, mz_ml_figures *out)
{
    double mac = 0;
    for (int j = 0; j < k; j++)
        if (m->cnt[3 * j])
            mac += 2.0 * m->cnt[3 * j] / (2.0 * m->cnt[3 * j] + m->cnt[3 * j + 1] + m->cnt[3 * j + 2]);
    out->micro_f1 = m->tp ? 2.0 * m->tp / (2.0 * m->tp + m->fp + m->fn) : 0;
    out->macro_f1 = k ? mac / k : 0;
    out->primary_accuracy = m->n ? (double)m->ok / (double)m->n : 0;
}

/* The scored rows and what their label sets are chosen from (tasks.h
 * mz_ml_score), with one threshold for every label. */
typedef struct ml_rows {
    size_t n;
    int k;
    const double *P, *PM;
    double w;
    int max_labels;
    const unsigned char *truth;
    const int *prim;
} ml_rows;

/* Figures of the rows with fold[i] != skip (fold NULL: every row), each
 * labelled with threshold tfold[fold[i]] when tfold is given, t otherwise. */
static void ml_figures(const ml_rows *r, const int *fold, int skip, const double *tfold, double t, mz_ml_figures *out)
{
    ml_counts m;
    memset(&m, 0, sizeof m);
    double thr[MZ_MAX_CLASSES];
    for (int j = 0; j < r->k; j++) thr[j] = t;
    for (size_t i = 0; i < r->n; i++) {
        if (fold && fold[i] == skip) continue;
        if (tfold)
            for (int j = 0; j < r->k; j++) thr[j] = tfold[fold[i]];
        ml_count(&m, r->k, r->P + i * (size_t)r->k, r->PM ? r->PM + i * (size_t)r->k : NULL, r->w, thr,
                 r->max_labels, r->truth + i * (size_t)r->k, r->prim[i]);
    }
    ml_figures_of(&m, r->k, out);
}

/* The threshold of 0.05 … 0.95 with the best micro-F1 on those rows (the
 * lowest on ties); *best gets its figures. */
static double ml_best_threshold(const ml_rows *r, const int *fold, int skip, mz_ml_figures *best)
{
    double bt = 0.5;
    *best = (mz_ml_figures){-1, 0, 0};
    for (int s = 1; s < 20; s++) {
        mz_ml_figures f;
        ml_figures(r, fold, skip, NULL, s * 0.05, &f);
        if (f.micro_f1 > best->micro_f1) *best = f, bt = s * 0.05;
    }
    return bt;
}

void mz_ml_score(size_t n, int k, const double *P, const double *PM, double w, const double *thr, int max_labels,
                const unsigned char *truth, const int *prim, mz_ml_figures *out)
{
    ml_counts m;
    memset(&m, 0, sizeof m);
    for (size_t i = 0; i < n; i++)
        ml_count(&m, k, P + i * (size_t)k, PM ? PM + i * (size_t)k : NULL, w, thr, max_labels,
                 truth + i * (size_t)k, prim[i]);
    ml_figures_of(&m, k, out);
}

void mz_ml_score_folds(size_t n, int k, const double *P, const double *PM, double w, const int *fold,
                       const double *tfold, int max_labels, const unsigned char *truth, const int *prim,
                       mz_ml_figures *out)
{
    ml_rows r = {n, k, P, PM, w, max_labels, truth, prim};
    ml_figures(&r, fold, -1, tfold, 0, out);
}

/* One binary head per label, the label against "other", written as
 * head-NN.svm and listed in the manifest's heads; P[i*K+k] receives
 * record i's out-of-fold probability of label k and *Csum the sum of the
 * heads' C. */
static int fit_label_heads(const mz_task *tk, const mz_labelset *L, const unsigned char *truth, int *y, double *P,
                           double *Csum, mz_err *e)
{
    const mz_train_args *a = tk->a;
    size_t n = tk->c->n;
    int K = L->n;
    *Csum = 0;
    for (int k = 0; k < K; k++) {
        for (size_t i = 0; i < n; i++) y[i] = truth[i * (size_t)K + (size_t)k] ? 0 : 1;
        char *bl[2] = {L->name[k], "other"};
        if (mz_scored_cover(y, n, tk->ns, 1, bl, "label ", e) != 0) return -1;
        mz_linmodel lm;
        double *prob, C;
        if (mz_fit(tk->ts, y, 2, a, L->name[k], &lm, &prob, &C, NULL, e) != 0) return -1;
        *Csum += C;
        for (size_t i = 0; i < n; i++) P[i * (size_t)K + (size_t)k] = prob[i * 2];
        free(prob);
        char file[160];
        snprintf(file, sizeof file, "head-%02d.svm", k);
        cJSON *hj = mz_head_json(L->name[k], file, bl, 2);
        /* --grid chooses each head's own C: recorded where it was used */
        if (a->grid) cJSON_AddNumberToObject(hj, "C", C);
        cJSON_AddItemToArray(tk->heads, hj);
        int r = mz_add_model(tk->w, file, &lm, e);
        mz_linmodel_free(&lm);
        if (r != 0) return -1;
    }
    return 0;
}

/* The primary head: a multiclass head over each text's first listed
 * label (prim), balanced, written as primary.svm with its weight pw in
 * the manifest; *PM receives its out-of-fold probabilities (K a record).
 * With --lsa-heads binary it sees the rows without their semantic block
 * (the last features of each): its model then has no weights there and
 * the classifier's block passes it by. */
static int fit_primary_head(const mz_task *tk, const int *prim, int K, double pw, double **PM, mz_err *e)
{
    size_t n = tk->c->n;
    mz_train_args a2 = *tk->a;
    a2.learn.balanced = 1; /* rare frames seldom lead: unweighted, the head almost never picks them */
    mz_linmodel pm;
    double Cp;
    mz_trainset plain = {0};
    const mz_trainset *pts = tk->ts;
    if (tk->plain_nfeat) {
        mz_sparse *view = malloc((n + 1) * sizeof *view);
        int r = view ? 0 : mz_fail(e, "out of memory");
        for (size_t i = 0; r == 0 && i < n; i++) {
            view[i] = tk->rows[i];
            while (view[i].n > 0 && (size_t)view[i].idx[view[i].n - 1] > tk->plain_nfeat) view[i].n--;
        }
        if (r == 0) r = mz_trainset_build(&plain, view, n, tk->plain_nfeat, e);
        free(view);
        if (r != 0) return -1;
        plain.nscored = tk->ts->nscored;
        plain.same = tk->ts->same;
        pts = &plain;
    }
    int rf = mz_fit(pts, prim, K, &a2, "primary", &pm, PM, &Cp, NULL, e);
    mz_trainset_free(&plain);
    if (rf != 0) return -1;
    int r = mz_add_model(tk->w, "primary.svm", &pm, e);
    mz_linmodel_free(&pm);
    if (r != 0) return -1;
    cJSON *pj = cJSON_AddObjectToObject(tk->manifest, "primary");
    cJSON_AddStringToObject(pj, "file", "primary.svm");
    cJSON_AddNumberToObject(pj, "weight", pw);
    cJSON_AddNumberToObject(tk->solver, "C_primary", Cp);
    cJSON_AddStringToObject(tk->solver, "primary_class_weight", "balanced");
    return 0;
}

/* A label on every scored text leaves its head no text without it: it
 * would learn nothing and say yes to everything, every figure of it
 * perfect.  (One on none of them is refused later, by mz_scored_cover, as
 * one only --train-only texts carry.)  Said before any head is fitted. */
static int labels_learnable(const mz_task *tk, const mz_labelset *L, const unsigned char *truth, mz_err *e)
{
    size_t n = tk->c->n, ns = tk->ns;
    int K = L->n;
    for (int k = 0; k < K; k++) {
        size_t on = 0, all = 0;
        for (size_t i = 0; i < n; i++) {
            int t = truth[i * (size_t)K + (size_t)k];
            on += i < ns && t;
            all += t;
        }
        if (on == ns)
            return mz_fail(e, "%s: label \"%s\" is on every %s (%zu): a head needs texts without it to learn from; "
                              "leave it out of the lists",
                           tk->a->corpus[0], L->name[k], all == n ? "record" : "scored record", ns);
    }
    return 0;
}

/* Which of a text's labels leads is a choice among them; independent
 * binary heads only say whether each is present, so a multiclass head on
 * the first listed label helps choose.  Every label must lead somewhere
 * for it to have a class to learn: the primary head's weight, or 0 (said)
 * when some label never does. */
static double primary_weight(const mz_task *tk, const mz_labelset *L, const int *prim)
{
    int K = L->n, leads[MZ_MAX_CLASSES] = {0}, all_lead = 1;
    for (size_t i = 0; i < tk->ns; i++) leads[prim[i]] = 1; /* scored rows: its calibration's */
    for (int k = 0; k < K; k++) all_lead &= leads[k];
    double pw = tk->a->primary_weight;
    if (pw > 0 && !all_lead) {
        /* said even with --quiet: the bundle is not the one asked for */
        int k = 0;
        while (k < K && leads[k]) k++;
        mz_progress_clear();
        fprintf(stderr,
                "mizan-train: warning: no primary head: label \"%s\" is never listed first by a scored text, so "
                "the primary is the binary heads' most probable label\n",
                L->name[k]);
        pw = 0;
    }
    return pw;
}

/* The cross-validated figures, into the manifest (and each head's
 * threshold) and on stderr: best with the threshold best_t they were
 * chosen on, nest (when there are folds) with each fold's chosen on the
 * others, ovr the binary heads' alone (when a primary head was fitted, and
 * said when its weight pw > 0). */
static void report_multilabel(const mz_task *tk, double best_t, const mz_ml_figures *best, const mz_ml_figures *ovr,
                              const mz_ml_figures *nest, int folds, int primary, double pw)
{
    cJSON *h;
    cJSON_ArrayForEach(h, tk->heads) cJSON_AddNumberToObject(h, "threshold", best_t);
    cJSON *mj = cJSON_AddObjectToObject(tk->cv, tk->name);
    cJSON_AddNumberToObject(mj, "n", (double)tk->ns);
    cJSON_AddNumberToObject(mj, "threshold", best_t);
    mz_add_figure(mj, "micro_f1", best->micro_f1);
    mz_add_figure(mj, "macro_f1", best->macro_f1);
    mz_add_figure(mj, "primary_accuracy", best->primary_accuracy);
    if (primary) mz_add_figure(mj, "primary_accuracy_binary_heads", ovr->primary_accuracy);
    if (folds) {
        cJSON *nj = cJSON_AddObjectToObject(mj, "threshold_chosen_on_other_folds");
        mz_add_figure(nj, "micro_f1", nest->micro_f1);
        mz_add_figure(nj, "macro_f1", nest->macro_f1);
        mz_add_figure(nj, "primary_accuracy", nest->primary_accuracy);
    }
    if (tk->a->quiet) return;
    fprintf(stderr, "\ncross-validated: threshold %.2f  micro-F1 %.4f  macro-F1 %.4f  primary accuracy %.4f\n", best_t,
            best->micro_f1, best->macro_f1, best->primary_accuracy);
    if (folds)
        fprintf(stderr, "each fold with the threshold chosen on the others: micro-F1 %.4f  macro-F1 %.4f  "
                        "primary accuracy %.4f\n",
                nest->micro_f1, nest->macro_f1, nest->primary_accuracy);
    if (pw > 0) fprintf(stderr, "primary accuracy of the binary heads alone: %.4f\n", ovr->primary_accuracy);
}

int mz_train_multilabel(const mz_task *tk, const mz_labelset *L, int *y, mz_err *e)
{
    const mz_collection *c = tk->c;
    const mz_train_args *a = tk->a;
    size_t ns = tk->ns;
    const mz_trainset *ts = tk->ts;
    cJSON *manifest = tk->manifest, *solver = tk->solver;
    size_t n = c->n;
    int K = L->n;
    double *P = calloc(n * (size_t)K + 1, sizeof *P), *PM = NULL, *tfold = NULL;
    int *prim = malloc(n * sizeof *prim), *fold = NULL, rc = -1;
    unsigned char *truth = calloc(n * (size_t)K + 1, 1);
    cJSON *bj = NULL;
    if (!P || !prim || !truth) {
        mz_fail(e, "out of memory");
        goto out;
    }
    if (mz_ml_truth(c, L->name, K, truth, prim, e) != 0) goto out;
    if (labels_learnable(tk, L, truth, e) != 0) goto out;
    double Csum;
    if (fit_label_heads(tk, L, truth, y, P, &Csum, e) != 0) goto out;
    if (!a->grid) cJSON_AddNumberToObject(solver, "C", Csum / K); /* every head's */
    double pw = primary_weight(tk, L, prim);
    if (pw > 0 && fit_primary_head(tk, prim, K, pw, &PM, e) != 0) goto out;
    int max_labels = a->max_labels > K ? K : a->max_labels;
    cJSON_AddNumberToObject(manifest, "max_labels", max_labels);
    /* the threshold maximising micro-F1, with the labels chosen as the
     * classifier chooses them (the primary always among them) */
    ml_rows rows = {ns, K, P, PM, pw, max_labels, truth, prim}, alone = rows;
    mz_ml_figures best, ovr, nest = {0, 0, 0};
    double best_t = ml_best_threshold(&rows, NULL, -1, &best);
    alone.PM = NULL, alone.w = 0;
    ml_figures(&alone, NULL, -1, NULL, best_t, &ovr);
    /* those figures are the ones the threshold was chosen on: each fold is
     * also labelled with the threshold chosen on the other folds */
    int folds = a->learn.folds;
    if (folds >= 2) {
        fold = mz_make_folds(prim, n, ns, K, folds, a->learn.seed, ts->same);
        tfold = malloc((size_t)folds * sizeof *tfold);
        if (!fold || !tfold) {
            mz_fail(e, "out of memory");
            goto out;
        }
    }
    for (int fo = 0; fold && fo < folds; fo++) {
        mz_ml_figures f;
        tfold[fo] = ml_best_threshold(&rows, fold, fo, &f);
    }
    if (fold) ml_figures(&rows, fold, -1, tfold, 0, &nest);
    /* --cv-predictions: each row's label set chosen with its fold's
     * threshold (chosen on the other folds), as the nested figures */
    for (size_t i = 0; tk->oof && i < ns; i++) {
        double thr[MZ_MAX_CLASSES];
        unsigned char ch[MZ_MAX_CLASSES];
        for (int k = 0; k < K; k++) thr[k] = fold ? tfold[fold[i]] : best_t;
        int pr = mz_multilabel_select((size_t)K, P + i * (size_t)K, PM ? PM + i * (size_t)K : NULL, pw, thr,
                                      max_labels, ch);
        mz_record_labels(tk->oof[i], c->label[i], L->name, K, P + i * (size_t)K, pr, ch);
    }
    report_multilabel(tk, best_t, &best, &ovr, &nest, fold ? folds : 0, PM != NULL, pw);
    /* --by: the same answers, per group of scored rows */
    if (tk->by && !a->quiet) {
        double thr[MZ_MAX_CLASSES];
        for (int k = 0; k < K; k++) thr[k] = best_t;
        if (!(bj = mz_groups_multilabel(tk->by, K, P, PM, pw, thr, fold, tfold, max_labels, truth, prim, 0))) {
            mz_fail(e, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    cJSON_Delete(bj);
    free(P), free(PM), free(prim), free(truth), free(tfold), free(fold);
    return rc;
}
