/* multilabel.c — the multi-label task (frames): one binary head per label,
 * an optional multiclass head on each text's first listed label that
 * helps choose the primary, and one probability threshold for all, the
 * one that maximises micro-F1 on cross-validated probabilities with the
 * classifier's own selection rule. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"
#include "tasks.h"

/* Each record's labels as a truth matrix (n × k) over names, and its first
 * listed label in prim; -1 with an error for a label not among names. */
int mz_ml_truth(const mz_collection *c, char *const *names, int k, unsigned char *truth, int *prim, mz_err *e)
{
    char lb[256];
    for (size_t i = 0; i < c->n; i++) {
        const cJSON *l = c->label[i], *x;
        prim[i] = -1;
        if (!l || (cJSON_IsArray(l) && cJSON_GetArraySize(l) == 0))
            return mz_fail(e, "%s: label must be a string or a non-empty list of strings", c->where[i]);
        const cJSON *one = cJSON_IsArray(l) ? l->child : l;
        for (x = one; x; x = cJSON_IsArray(l) ? x->next : NULL) {
            if (mz_label_text(x, lb, sizeof lb) != 0) return mz_fail(e, "%s: bad label", c->where[i]);
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

/* Figures of the label sets mz_multilabel_select picks from the binary
 * heads' probabilities P (n × k), the primary head's PM (NULL: none) and
 * per-label thresholds thr; macro-F1 counts a label never found as 0. */
int mz_ml_score(size_t n, int k, const double *P, const double *PM, double w, const double *thr, int max_labels,
                    const unsigned char *truth, const int *prim, mz_ml_figures *out)
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

int mz_train_multilabel(const mz_task *tk, const mz_labelset *L, int *y, mz_err *e)
{
    const mz_collection *c = tk->c;
    const mz_train_args *a = tk->a;
    size_t ns = tk->ns;
    const mz_trainset *ts = tk->ts;
    mz_bundle_writer *w = tk->w;
    cJSON *manifest = tk->manifest, *solver = tk->solver, *heads = tk->heads, *cv = tk->cv;
    const char *name = tk->name;
    size_t n = c->n;
    int K = L->n;
    double *P = calloc(n * (size_t)K + 1, sizeof *P), *PM = NULL;
    int *prim = malloc(n * sizeof *prim);
    unsigned char *truth = calloc(n * (size_t)K + 1, 1);
    if (!P || !prim || !truth) {
        free(P), free(prim), free(truth);
        mz_fail(e, "out of memory");
        return -1;
    }
    if (mz_ml_truth(c, L->name, K, truth, prim, e) != 0) {
        free(P), free(prim), free(truth);
        return -1;
    }
    double Csum = 0;
    for (int k = 0; k < K; k++) {
        for (size_t i = 0; i < n; i++) y[i] = truth[i * (size_t)K + (size_t)k] ? 0 : 1;
        char *bl[2] = {L->name[k], "other"};
        if (mz_scored_cover(y, n, ns, 1, bl, "label ", e) != 0) {
            free(P), free(prim), free(truth);
            return -1;
        }
        mz_linmodel lm;
        double *prob, C;
        if (mz_fit(ts, y, 2, a, L->name[k], &lm, &prob, &C, e) != 0) {
            free(P), free(prim), free(truth);
            return -1;
        }
        Csum += C;
        for (size_t i = 0; i < n; i++) P[i * (size_t)K + (size_t)k] = prob[i * 2];
        free(prob);
        char file[160];
        snprintf(file, sizeof file, "head-%02d.svm", k);
        cJSON_AddItemToArray(heads, mz_head_json(L->name[k], file, bl, 2));
        if (mz_add_model(w, file, &lm, e) != 0) {
            mz_linmodel_free(&lm);
            free(P), free(prim), free(truth);
            return -1;
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
        if (mz_fit(ts, prim, K, &a2, "primary", &pm, &PM, &Cp, e) != 0) {
            free(P), free(prim), free(truth);
            return -1;
        }
        int r = mz_add_model(w, "primary.svm", &pm, e);
        mz_linmodel_free(&pm);
        if (r != 0) {
            free(P), free(PM), free(prim), free(truth);
            return -1;
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
    mz_ml_figures best = {-1, 0, 0}, f, ovr;
    for (int s = 1; s < 20; s++) {
        double t = s * 0.05;
        for (int k = 0; k < K; k++) thr[k] = t;
        if (mz_ml_score(ns, K, P, PM, pw, thr, max_labels, truth, prim, &f) != 0) {
            free(P), free(PM), free(prim), free(truth);
            mz_fail(e, "out of memory");
            return -1;
        }
        if (f.micro_f1 > best.micro_f1) best = f, best_t = t;
    }
    for (int k = 0; k < K; k++) thr[k] = best_t;
    int r = mz_ml_score(ns, K, P, NULL, 0, thr, max_labels, truth, prim, &ovr);
    free(P), free(PM), free(prim), free(truth);
    if (r != 0) {
        mz_fail(e, "out of memory");
        return -1;
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
    return 0;
}
