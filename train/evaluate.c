/* evaluate.c — mizan-train evaluate: a bundle on a held-out labelled corpus,
 * with the bundle's own pipeline and decision rules, printing the tables
 * training prints (stance: presence, the three-way label and the score's
 * critical ROC-AUC; multi-label: micro/macro-F1 and primary accuracy;
 * target stance: each target's table and the pooled one).  With --json the
 * same figures are one JSON object on stdout instead, keyed as the
 * manifest's "cv" is, for pipelines that track a model's quality. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "groups.h"
#include "predict.h"
#include "tasks.h"

/* --by: the groups' figures (arr, NULL on out-of-memory) as root's "by". */
static int add_by(cJSON *root, const mz_groups *g, cJSON *arr, mz_err *e)
{
    cJSON *by = arr ? cJSON_AddObjectToObject(root, "by") : NULL;
    if (!by) {
        cJSON_Delete(arr);
        return mz_fail(e, "out of memory");
    }
    cJSON_AddStringToObject(by, "field", g->field);
    cJSON_AddItemToObject(by, "groups", arr);
    return 0;
}

/* The held-out labels: the model's own first (index j is its class j),
 * then those the corpus has and the model lacks, in order of first
 * appearance.  A record of such a label is one no answer of the model can
 * get right: it is counted wrong, in a row of its own, as scikit-learn's
 * reports count it, rather than stopping the evaluation or leaving the
 * record out (which would flatter the model). */
#define MZ_HELDOUT_UNKNOWN_MAX 64
typedef struct heldout_labels {
    char **name; /* n names (owned): the model's k, composed as the records' are
                  * (mz_label_text; a bundle trained before may hold one spelled
                  * apart), then the unknown ones */
    long *count; /* records of each unknown label (index j - k) */
    int k, n;
    long records; /* multi-label: records with any of them (0: the counts' sum) */
} heldout_labels;

static int heldout_init(heldout_labels *L, const mz_head *h, mz_err *e)
{
    L->k = L->n = h->nclass;
    L->records = 0;
    L->name = calloc((size_t)(h->nclass + MZ_HELDOUT_UNKNOWN_MAX), sizeof *L->name);
    L->count = calloc(MZ_HELDOUT_UNKNOWN_MAX, sizeof *L->count);
    if (!L->name || !L->count) return mz_fail(e, "out of memory");
    for (int j = 0; j < h->nclass; j++) {
        char nb[256];
        const char *x = mz_label_nfc(h->labels[j], nb, sizeof nb);
        if (!(L->name[j] = strdup(x ? x : h->labels[j]))) return mz_fail(e, "out of memory");
    }
    return 0;
}

static void heldout_free(heldout_labels *L)
{
    for (int j = 0; L->name && j < L->n; j++) free(L->name[j]);
    free(L->name);
    free(L->count);
    memset(L, 0, sizeof *L);
}

/* The index of record i's label among L's (h: the head that answers it,
 * whose labels are L's first k), adding it if the model lacks it; -1 with
 * e saying why. */
static int label_of(const mz_collection *c, size_t i, const mz_head *h, heldout_labels *L, mz_err *e)
{
    char lb[256];
    if (!c->label[i]) return mz_fail(e, "%s: missing label field \"%s\"", c->where[i], c->label_field);
    const char *why = mz_label_text(c->label[i], lb, sizeof lb);
    if (why) return mz_fail(e, "%s: label %s", c->where[i], why);
    for (int j = 0; j < h->nclass; j++)
        if (!strcmp(h->labels[j], lb) || !strcmp(L->name[j], lb)) return j;
    for (int j = L->k; j < L->n; j++)
        if (!strcmp(L->name[j], lb)) return L->count[j - L->k]++, j;
    if (L->n - L->k == MZ_HELDOUT_UNKNOWN_MAX)
        /* a wrong --label-field (an id, a date) makes every record a label
         * of its own, and a table as wide as the corpus */
        return mz_fail(e, "%s: label \"%s\" is unknown to the model, the %dth such label: is --label-field \"%s\" the "
                          "field the model was trained on?",
                       c->where[i], lb, MZ_HELDOUT_UNKNOWN_MAX + 1, c->label_field);
    if (!(L->name[L->n] = strdup(lb))) return mz_fail(e, "out of memory");
    L->count[L->n - L->k] = 1;
    return L->n++;
}

/* Says which held-out labels the model lacks and how many records each
 * has (on stderr, as training's warnings, --quiet or not; in the JSON as
 * "unknown_labels"). */
static void heldout_report(const heldout_labels *L, size_t n, cJSON *ho)
{
    if (L->n == L->k) return;
    long m = 0;
    cJSON *u = cJSON_AddObjectToObject(ho, "unknown_labels");
    for (int j = L->k; j < L->n; j++) {
        m += L->count[j - L->k];
        cJSON_AddNumberToObject(u, L->name[j], (double)L->count[j - L->k]);
    }
    fprintf(stderr, "mizan-train: warning: %ld of the %zu held-out records have a label the model does not know (",
            L->records ? L->records : m, n);
    for (int j = L->k; j < L->n; j++)
        fprintf(stderr, "%s\"%s\" %ld", j > L->k ? ", " : "", L->name[j], L->count[j - L->k]);
    fprintf(stderr, "): %s\n", L->records ? "each is counted as a label missed" : "each is counted wrong, in a row of its own");
}

/* The bundle's --f1-labels list, or NULL. */
static const cJSON *f1_names(const mz_bundle *b)
{
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(b->manifest, "f1_labels");
    return cJSON_IsArray(fl) ? fl : NULL;
}

/* With --f1-labels, the figure they were weighed for, as training gives
 * it, beside the report it comes from. */
static void f1_labels(const mz_bundle *b, const cJSON *report, cJSON *out, int json)
{
    const cJSON *fl = f1_names(b);
    if (!fl) return;
    size_t had = (size_t)cJSON_GetArraySize(out);
    mz_f1_labels_figure(report, fl, out, json, stdout);
    if ((size_t)cJSON_GetArraySize(out) > had) cJSON_AddItemToObject(out, "f1_labels", cJSON_Duplicate(fl, 1));
}

/* What evaluating a bundle of any kind reads and writes: the bundle, the
 * held-out records as rows, and where the figures go.  y and P have room
 * for every record (P for MZ_MAX_CLASSES probabilities each); each kind
 * fills them as its own figures need. */
typedef struct heldout {
    mz_bundle *b;
    const mz_collection *c;
    mz_sparse *rows;
    const long *mentions;    /* stance: the target's mentions in each record */
    const char *label_field; /* stance: the field holding the -2..2 truth */
    int *y;
    double *P;
    int json;
    cJSON *ho;   /* the report's "heldout" */
    cJSON **rec; /* --predictions: a record per text, or NULL */
    const mz_groups *g;
    cJSON *root;
} heldout;

/* A class answer's figures: its table under key, the --f1-labels figure
 * beside it, the labels the model lacks, and --by's groups, counted with
 * the labels the table counted. */
static int class_report(const heldout *x, const char *title, const char *key, const int *pred,
                        const heldout_labels *L, mz_err *e)
{
    cJSON *mr = mz_report_labels(title, pred, x->y, x->c->n, L->n, L->name, x->json, stdout);
    cJSON_AddItemToObject(x->ho, key, mr);
    f1_labels(x->b, mr, x->ho, x->json);
    heldout_report(L, x->c->n, x->ho);
    if (!x->g) return 0;
    return add_by(x->root, x->g,
                  mz_groups_class(x->g, pred, NULL, NULL, x->y, L->n, L->name, f1_names(x->b), x->json), e);
}

/* A multiclass bundle: each record by its source's head when it has one,
 * with the head's label weights, as the classifier answers it; with
 * per-source heads, the plain head's figures beside them. */
static int evaluate_multiclass(const heldout *x, mz_err *e)
{
    mz_bundle *b = x->b;
    const mz_collection *c = x->c;
    double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2];
    mz_head *h0 = mz_bundle_head(b, b->name);
    if (!h0) h0 = &b->heads[0];
    heldout_labels L;
    /* the answers, and with per-source heads the plain head's own beside them */
    int *pred = malloc((c->n + 1) * sizeof *pred), *pred0 = b->nsource ? malloc((c->n + 1) * sizeof *pred0) : NULL;
    int r = heldout_init(&L, h0, e);
    if (r == 0 && (!pred || (b->nsource && !pred0))) r = mz_fail(e, "out of memory");
    size_t known = 0;
    for (size_t i = 0; r == 0 && i < c->n; i++) {
        if ((x->y[i] = label_of(c, i, h0, &L, e)) < 0) {
            r = -1;
            break;
        }
        if (mz_aux_augment(b, &x->rows[i]) != 0) {
            r = mz_fail(e, "out of memory");
            break;
        }
        int src = mz_bundle_source(b, c->source[i]);
        const mz_head *h = src >= 0 ? &b->source_heads[src] : h0;
        known += src >= 0;
        double *pi = x->P + i * (size_t)h->nclass;
        mz_linmodel_decision(&h->lm, &x->rows[i], dec);
        mz_linmodel_probability(&h->lm, dec, pi);
        pred[i] = mz_pick_label(pi, h->weighted ? h->lw : NULL, h->nclass);
        if (pred0) {
            /* unweighted, as training's cv.source.plain is */
            double p0[MZ_MAX_CLASSES];
            if (src >= 0) {
                mz_linmodel_decision(&h0->lm, &x->rows[i], dec);
                mz_linmodel_probability(&h0->lm, dec, p0);
            }
            pred0[i] = mz_pick_label(src >= 0 ? p0 : pi, NULL, h0->nclass);
        }
        if (x->rec) {
            if (src >= 0) cJSON_AddStringToObject(x->rec[i], "source", b->source_values[src]);
            mz_record_class(x->rec[i], L.name, h->nclass, x->y[i], pred[i], pi);
        }
    }
    if (r == 0 && pred0) {
        cJSON *sj = cJSON_AddObjectToObject(x->ho, "source");
        cJSON_AddNumberToObject(sj, "records_of_known_sources", (double)known);
        cJSON_AddItemToObject(sj, "plain", mz_report_labels("the plain head alone (held-out)", pred0, x->y, c->n, L.n,
                                                            L.name, x->json, stdout));
        if (!x->json) printf("records of a source with its own head: %zu of %zu\n", known, c->n);
    }
    if (r == 0) r = class_report(x, "held-out metrics", b->name, pred, &L, e);
    heldout_free(&L);
    free(pred);
    free(pred0);
    return r;
}

/* A target bundle: each record scored by its own target's head, with that
 * head's label weights, as the classifier answers it; a table per target,
 * then pooled, and the macro-F1 over the labels the bundle was tuned for
 * (--f1-labels), which is Mawqif's F_avg. */
static int evaluate_targets(const heldout *x, mz_err *e)
{
    mz_bundle *b = x->b;
    const mz_collection *c = x->c;
    const mz_head *h0 = NULL;
    for (size_t k = 0; k < b->nheads && !h0; k++)
        if (&b->heads[k] != b->aux) h0 = &b->heads[k];
    if (!h0) return mz_fail(e, "%s: a target bundle without a target's head", b->dir);
    int k = h0->nclass, rc = -1;
    heldout_labels L;
    int *pred = malloc((c->n + 1) * sizeof *pred), *yt = malloc((c->n + 1) * sizeof *yt);
    const mz_head **hof = malloc((c->n + 1) * sizeof *hof);
    if (heldout_init(&L, h0, e) != 0) goto out;
    if (!pred || !yt || !hof) {
        mz_fail(e, "out of memory");
        goto out;
    }
    double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2], p[MZ_MAX_CLASSES];
    for (size_t i = 0; i < c->n; i++) {
        const mz_head *h = mz_bundle_target_head(b, c->target[i]);
        if (!h) {
            char *names[MZ_MAX_CLASSES], known[256];
            int nt = 0;
            for (size_t t = 0; t < b->nheads && nt < MZ_MAX_CLASSES; t++)
                if (&b->heads[t] != b->aux) names[nt++] = b->heads[t].name;
            mz_fail(e, "%s: target \"%s\" is unknown to the model (it knows %s)", c->where[i], c->target[i],
                    mz_names_text(known, sizeof known, names, nt));
            goto out;
        }
        if (h->nclass != k) {
            mz_fail(e, "%s: target \"%s\" has %d labels, the model's first target %d", c->where[i], c->target[i],
                    h->nclass, k);
            goto out;
        }
        if ((x->y[i] = label_of(c, i, h, &L, e)) < 0) goto out;
        if (mz_aux_augment(b, &x->rows[i]) != 0) {
            mz_fail(e, "out of memory");
            goto out;
        }
        mz_linmodel_decision(&h->lm, &x->rows[i], dec);
        mz_linmodel_probability(&h->lm, dec, p);
        pred[i] = mz_pick_label(p, h->weighted ? h->lw : NULL, k);
        hof[i] = h;
        if (x->rec) {
            cJSON_AddStringToObject(x->rec[i], "target", c->target[i]);
            mz_record_class(x->rec[i], L.name, k, x->y[i], pred[i], p);
        }
    }
    cJSON *per = cJSON_AddObjectToObject(x->ho, "targets");
    for (size_t t = 0; t < b->nheads; t++) {
        const mz_head *h = &b->heads[t];
        size_t m = 0;
        for (size_t i = 0; i < c->n; i++) m += (yt[i] = hof[i] == h ? x->y[i] : -1) >= 0;
        if (h == b->aux || m == 0) continue;
        char title[MZ_NAME_MAX + 64];
        snprintf(title, sizeof title, "target \"%s\" (%zu held-out records)", h->name, m);
        cJSON_AddItemToObject(per, h->name, mz_report_labels(title, pred, yt, c->n, L.n, L.name, x->json, stdout));
    }
    if (class_report(x, "all targets pooled (held-out)", "pooled", pred, &L, e) != 0) goto out;
    rc = 0;
out:
    heldout_free(&L);
    free(pred);
    free(yt);
    free(hof);
    return rc;
}

/* A stance bundle: presence on every record (absent, without asking the
 * head, where the lexicon finds no mention, as the classifier answers),
 * the three-way label where the truth has the target present, and the
 * score's critical-vs-rest ROC-AUC, with those of the scores it could
 * give instead. */
static int evaluate_stance(const heldout *x, mz_err *e)
{
    mz_bundle *b = x->b;
    const mz_collection *c = x->c;
    const long *mentions = x->mentions;
    mz_head *hp = mz_bundle_head(b, "presence"), *hs = mz_bundle_head(b, "stance");
    int *y2 = malloc((c->n + 1) * sizeof *y2), *pred = malloc((c->n + 1) * sizeof *pred), rc = -1;
    double *P2 = calloc((c->n + 1) * 3, sizeof *P2), *sv = NULL, dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2];
    if (!y2 || !P2 || !pred) {
        mz_fail(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++) {
        int present;
        if (mz_stance_truth(c->label[i], c->where[i], x->label_field, &present, &y2[i], e) != 0) goto out;
        x->y[i] = !present;
        if (mentions[i] == 0) {
            x->P[i * 2] = 0, x->P[i * 2 + 1] = 1;
        } else {
            mz_linmodel_decision(&hp->lm, &x->rows[i], dec);
            mz_linmodel_probability(&hp->lm, dec, x->P + i * 2);
        }
        mz_linmodel_decision(&hs->lm, &x->rows[i], dec);
        mz_linmodel_probability(&hs->lm, dec, P2 + i * 3);
    }
    cJSON_AddItemToObject(x->ho, "presence",
                          mz_report("presence (held-out)", x->P, NULL, x->y, c->n, 2, hp->labels, x->json, stdout));
    for (size_t i = 0; i < c->n; i++) pred[i] = mz_stance_label(P2 + i * 3, hs->tcrit, hs->tfav);
    for (size_t i = 0; x->rec && i < c->n; i++) {
        mz_record_presence(x->rec[i], c->label[i], x->y[i] == 0, x->P + i * 2);
        mz_record_stance(x->rec[i], hs->labels, pred[i], P2 + i * 3);
    }
    cJSON *sj = mz_report_labels("stance where present (held-out)", pred, y2, c->n, 3, hs->labels, x->json, stdout);
    mz_stance_answered(sj, pred, y2, x->P, c->n, x->json ? NULL : stdout);
    cJSON_AddItemToObject(x->ho, "stance", sj);
    /* the score the bundle gives, and the others it could give */
    if (b->svr.svr && !(sv = calloc(c->n + 1, sizeof *sv))) {
        mz_fail(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; sv && i < c->n; i++) {
        mz_linmodel_decision(&b->svr, &x->rows[i], dec);
        sv[i] = dec[0];
    }
    for (size_t i = 0; x->rec && i < c->n; i++)
        if (y2[i] >= 0) {
            const double *v = sv ? &sv[i] : NULL;
            mz_record_score(x->rec[i], mz_stance_score(b->score, P2 + i * 3, v ? *v : 0), v);
        }
    double auc = mz_stance_auc(b->score, P2, sv, y2, c->n);
    cJSON_AddStringToObject(sj, "score", mz_score_name(b->score));
    mz_add_figure(sj, "critical_roc_auc", auc);
    if (!x->json && isnan(auc))
        printf("critical-vs-rest ROC-AUC of the score (%s): undefined (needs critical and other texts)\n",
               mz_score_name(b->score));
    else if (!x->json)
        printf("critical-vs-rest ROC-AUC of the score (%s): %.4f\n", mz_score_name(b->score), auc);
    if (sv) {
        static const int by[] = {MZ_SCORE_PROB, MZ_SCORE_SVR, MZ_SCORE_BLEND};
        double v[3];
        cJSON *bj = cJSON_AddObjectToObject(sj, "critical_roc_auc_by_score");
        for (int q = 0; q < 3; q++) {
            v[q] = mz_stance_auc(by[q], P2, sv, y2, c->n);
            mz_add_figure(bj, mz_score_name(by[q]), v[q]);
        }
        if (!x->json && !isnan(auc))
            printf("critical-vs-rest ROC-AUC by score: prob %.4f  svr %.4f  blend %.4f\n", v[0], v[1], v[2]);
    }
    if (x->g && add_by(x->root, x->g,
                       mz_groups_stance(x->g, x->P, x->y, hp->labels, pred, y2, hs->labels, b->score, P2, sv, x->json),
                       e) != 0)
        goto out;
    rc = 0;
out:
    free(y2), free(P2), free(pred), free(sv);
    return rc;
}

/* A multi-label bundle: micro- and macro-F1 and the primary label's
 * accuracy, with labels the model lacks counted as missed. */
/* The labels of the held-out records that a multi-label model of K
 * labels lacks, as for a multiclass bundle: columns of their own after
 * its K (copies appended to tnames, the caller's to free up to *kx), which
 * it never answers (probability 0, under a threshold thr no probability
 * passes), so that each counts as missed in the figures.  ucount[j]: the
 * records label j is on; *urec: the records with any of them. */
static int unknown_labels(const mz_collection *c, size_t K, char **tnames, double *thr, long *ucount, long *urec,
                          size_t *kx, mz_err *e)
{
    int r = 0;
    for (size_t i = 0; i < c->n && r == 0; i++) {
        const cJSON *l = c->label[i], *x;
        int any = 0;
        /* a record counts once per label, listed twice or not: the truth is a set */
        unsigned char seen[MZ_MAX_CLASSES] = {0};
        for (x = cJSON_IsArray(l) ? l->child : l; x && r == 0; x = cJSON_IsArray(l) ? x->next : NULL) {
            char lb[256];
            if (mz_label_text(x, lb, sizeof lb)) continue; /* mz_ml_truth says why */
            size_t j = 0;
            while (j < *kx && strcmp(tnames[j], lb)) j++;
            if (j < K) continue;
            *urec += !any++;
            if (j < *kx) {
                ucount[j] += !seen[j];
                seen[j] = 1;
                continue;
            }
            if (*kx == MZ_MAX_CLASSES)
                r = mz_fail(e, "%s: label \"%s\" is unknown to the model, and with the model's %zu labels the "
                               "held-out ones pass %d: is --label-field \"%s\" the field the model was trained on?",
                            c->where[i], lb, K, MZ_MAX_CLASSES, c->label_field);
            else if (!(tnames[*kx] = strdup(lb)))
                r = mz_fail(e, "out of memory");
            else
                thr[*kx] = 2.0, seen[*kx] = 1, ucount[(*kx)++] = 1;
        }
    }
    return r;
}

static int evaluate_multilabel(const heldout *x, mz_err *e)
{
    mz_bundle *b = x->b;
    const mz_collection *c = x->c;
    double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2];
    size_t K = b->nheads;
    if (K > MZ_MAX_CLASSES) return mz_fail(e, "evaluate: at most %d labels", MZ_MAX_CLASSES);
    char *names[MZ_MAX_CLASSES];
    double thr[MZ_MAX_CLASSES], d[MZ_MAX_CLASSES];
    for (size_t k = 0; k < K; k++) names[k] = b->heads[k].name, thr[k] = b->heads[k].threshold;
    /* the records' labels are read composed (mz_label_text): the
     * bundle's names too, for a bundle trained before they were */
    char nfcname[MZ_MAX_CLASSES][256], *tnames[MZ_MAX_CLASSES];
    for (size_t k = 0; k < K; k++)
        tnames[k] = mz_label_nfc(names[k], nfcname[k], sizeof nfcname[k]) ? nfcname[k] : names[k];
    size_t KX = K;
    long ucount[MZ_MAX_CLASSES] = {0}, urec = 0;
    int r = unknown_labels(c, K, tnames, thr, ucount, &urec, &KX, e);
    unsigned char *truth = r == 0 ? calloc(c->n * KX + 1, 1) : NULL;
    int *prim = r == 0 ? malloc((c->n + 1) * sizeof *prim) : NULL;
    double *PM = r == 0 && b->primary.nclass ? calloc(c->n * KX + 1, sizeof *PM) : NULL;
    if (r == 0 && (!truth || !prim || (b->primary.nclass && !PM))) r = mz_fail(e, "out of memory");
    if (r == 0) r = mz_ml_truth(c, tnames, (int)KX, truth, prim, e);
    for (size_t i = 0; r == 0 && i < c->n; i++) {
        double *pi = x->P + i * KX; /* P holds MZ_MAX_CLASSES per record */
        mz_bundle_multilabel_decision(b, &x->rows[i], d);
        for (size_t k = 0; k < K; k++) {
            double pr[2];
            mz_linmodel_probability(&b->heads[k].lm, &d[k], pr);
            pi[k] = pr[0];
        }
        for (size_t k = K; k < KX; k++) pi[k] = 0;
        if (PM) {
            mz_linmodel_decision(&b->primary, &x->rows[i], dec);
            mz_linmodel_probability(&b->primary, dec, PM + i * KX);
        }
        if (x->rec) {
            unsigned char ch[MZ_MAX_CLASSES];
            int pr = mz_multilabel_select(K, pi, PM ? PM + i * KX : NULL, b->primary_weight, thr, b->max_labels, ch);
            mz_record_labels(x->rec[i], c->label[i], names, (int)K, pi, pr, ch);
        }
    }
    if (r == 0) {
        mz_ml_figures f;
        mz_ml_score(c->n, (int)KX, x->P, PM, b->primary_weight, thr, b->max_labels, truth, prim, &f);
        cJSON *mj = cJSON_AddObjectToObject(x->ho, b->name);
        cJSON_AddNumberToObject(mj, "n", (double)c->n);
        mz_add_figure(mj, "micro_f1", f.micro_f1);
        mz_add_figure(mj, "macro_f1", f.macro_f1);
        mz_add_figure(mj, "primary_accuracy", f.primary_accuracy);
        if (!x->json)
            printf("held-out (%zu texts): micro-F1 %.4f  macro-F1 %.4f  primary accuracy %.4f\n", c->n, f.micro_f1,
                   f.macro_f1, f.primary_accuracy);
        if (KX > K) {
            heldout_labels U = {tnames, ucount + K, (int)K, (int)KX, urec};
            heldout_report(&U, c->n, mj);
        }
        if (x->g)
            r = add_by(x->root, x->g,
                       mz_groups_multilabel(x->g, (int)KX, x->P, PM, b->primary_weight, thr, NULL, NULL, b->max_labels,
                                            truth, prim, x->json),
                       e);
    }
    free(truth), free(prim), free(PM);
    for (size_t k = K; k < KX; k++) free(tnames[k]);
    return r;
}

/* After a failed load: when dir holds no manifest but bundles in its
 * subfolders (the classifier's --models folder), say so, naming the first;
 * else leave e as the loader said it.  Returns -1. */
static int bundles_inside(const char *dir, mz_err *e)
{
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    if (lstat(p, &st) == 0 || errno != ENOENT) return -1;
    DIR *d = opendir(dir);
    if (!d) return -1;
    char first[256] = "";
    size_t n = 0;
    const struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s/manifest.json", dir, de->d_name);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (!n++ || strcmp(de->d_name, first) < 0) snprintf(first, sizeof first, "%s", de->d_name);
    }
    closedir(d);
    if (n == 1)
        mz_fail(e, "%s: a folder holding a bundle, not a bundle: --model names it (%s/%s)", dir, dir, first);
    else if (n)
        mz_fail(e, "%s: a folder of %zu bundles, not a bundle: --model names one of them (such as %s/%s)", dir, n, dir,
                first);
    return -1;
}

/* Held-out evaluation: the bundle's own pipeline and heads, the corpus'
 * labels, the same tables as training prints. */
/* The arguments as the bundle b reads its records: the fields it was
 * trained on, its target and source fields, unless the command line names
 * others (which are checked against what the bundle is). */
static int read_as_trained(const mz_train_args *args, const mz_bundle *b, mz_train_args *local, mz_err *e)
{
    *local = *args;
    /* records are read by the fields the bundle was trained on, unless
     * told otherwise (a bundle without the list: the defaults) */
    const cJSON *fj = cJSON_GetObjectItemCaseSensitive(b->manifest, "fields");
    const char *const fopt[] = {"--id-field", "--text-field", "--title-field", "--label-field"};
    const char *const fkey[] = {"id", "text", "title", "label"};
    const char **fdst[] = {&local->fields.id, &local->fields.text, &local->fields.title, &local->fields.label};
    for (int k = 0; k < 4; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(fj, fkey[k]);
        if (!mz_train_given(args, fopt[k]) && (cJSON_IsString(v) || (cJSON_IsNull(v) && k == 2)))
            *fdst[k] = cJSON_IsString(v) ? v->valuestring : NULL;
    }
    /* a stance bundle from before "fields": its target's name */
    if (!strcmp(b->kind, "stance") && !mz_train_given(args, "--label-field") &&
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(fj, "label")))
        local->fields.label = b->target;
    if (mz_fields_distinct(&local->fields, e) != 0) return -1;
    if (strcmp(b->kind, "target") && local->target_field) {
        /* only a target bundle reads a record's target: said, as training says it */
        return mz_fail(e, "evaluate: --target-field: %s is a %s bundle, not a target one", args->model, b->kind);
    }
    if (!strcmp(b->kind, "target") && !local->target_field) {
        /* each record names its target in the field the bundle was trained with */
        const cJSON *tf = cJSON_GetObjectItemCaseSensitive(b->manifest, "target_field");
        local->target_field = cJSON_IsString(tf) && *tf->valuestring ? tf->valuestring : "target";
    }
    /* articles name their source in the field the bundle was trained with,
     * unless --source-field says otherwise */
    if (b->nsource && !local->source_field) local->source_field = b->source_field;
    if (!b->nsource && local->source_field) {
        /* it would change nothing: said, as training says it */
        return mz_fail(e, "evaluate: --source-field: %s has no per-source heads", args->model);
    }
    return 0;
}

/* Each record's row as the bundle b sees it (with its semantic block),
 * and for a stance bundle each text's mentions of its target (the lexicon
 * into *tg). */
static int heldout_rows(mz_bundle *b, const mz_collection *c, int threads, mz_targets *tg, mz_sparse **rows,
                        long **mentions, mz_err *e)
{
    const mz_target *target = NULL;
    if (!strcmp(b->kind, "stance")) {
        if (mz_bundle_lexicon(b, tg, e) != 0) return -1;
        target = mz_targets_find(tg, b->target);
    }
    if (mz_featurize(c, &b->vocab.opt, &b->vocab.sw, target, tg, threads, 1, 0, &b->vocab, rows,
                     target ? mentions : NULL, e) != 0)
        return -1;
    mz_warn_wordless(c, &b->vocab, *rows, c->n, target ? *mentions : NULL, "held-out records");
    for (size_t i = 0; b->lsa.dims && i < c->n; i++)
        if (mz_lsa_append(&b->lsa, &(*rows)[i]) != 0) return mz_fail(e, "out of memory");
    return 0;
}

int mz_evaluate(const mz_train_args *args, mz_err *e)
{
    mz_bundle b;
    if (args->predictions && mz_outfile_check(args->predictions, e) != 0) return mz_wrap(e, "--predictions: ");
    if (mz_bundle_load(&b, args->model, e) != 0) return bundles_inside(args->model, e);
    mz_train_args local;
    if (read_as_trained(args, &b, &local, e) != 0) {
        mz_bundle_free(&b);
        return -1;
    }
    const mz_train_args *a = &local;
    int rc = -1;
    mz_collection c;
    mz_sparse *rows = NULL;
    long *mentions = NULL;
    int *y = NULL;
    double *P = NULL;
    mz_targets tg;
    memset(&tg, 0, sizeof tg);
    const int json = a->json;
    cJSON *root = cJSON_CreateObject(), *ho = NULL;
    if (!root) {
        mz_bundle_free(&b);
        return mz_fail(e, "out of memory");
    }
    if (mz_collection_load(&c, a, e) != 0) {
        cJSON_Delete(root);
        mz_bundle_free(&b);
        return -1;
    }
    mz_groups groups, *g = NULL;
    cJSON_AddStringToObject(root, "model", a->model);
    cJSON_AddStringToObject(root, "name", b.name);
    cJSON_AddStringToObject(root, "kind", b.kind);
    cJSON *cj = cJSON_AddArrayToObject(root, "corpus");
    for (int k = 0; k < a->ncorpus; k++) cJSON_AddItemToArray(cj, cJSON_CreateString(a->corpus[k]));
    cJSON_AddNumberToObject(root, "n", (double)c.n);
    ho = cJSON_AddObjectToObject(root, "heldout");
    /* --predictions: a record per text, as --cv-predictions writes them */
    cJSON **rec = a->predictions ? mz_records_new(&c, c.n) : NULL;
    if (a->predictions && !rec) {
        mz_fail(e, "out of memory");
        goto out;
    }
    if (a->by_field) {
        if (mz_groups_build(&groups, a->by_field, "held-out", stdout, c.group, c.n, "record", e) != 0) goto out;
        g = &groups;
    }
    if (heldout_rows(&b, &c, a->threads, &tg, &rows, &mentions, e) != 0) goto out;
    y = malloc((c.n + 1) * sizeof *y);
    P = calloc((c.n + 1) * MZ_MAX_CLASSES, sizeof *P);
    if (!y || !P) {
        mz_fail(e, "out of memory");
        goto out;
    }
    heldout x = {&b, &c, rows, mentions, local.fields.label, y, P, json, ho, rec, g, root};
    int r;
    if (!strcmp(b.kind, "multiclass")) r = evaluate_multiclass(&x, e);
    else if (!strcmp(b.kind, "target")) r = evaluate_targets(&x, e);
    else if (!strcmp(b.kind, "stance")) r = evaluate_stance(&x, e);
    else if (!strcmp(b.kind, "multilabel")) r = evaluate_multilabel(&x, e);
    else r = mz_fail(e, "evaluate: %s bundles are evaluated by their training CV (see manifest.json \"cv\")", b.kind);
    if (r != 0) goto out;
    /* once the records are in place, a signal would end the run by that
     * signal with them there: it waits, for good */
    sigset_t held;
    if (rec) mz_signals_hold(&held);
    if (rec && mz_write_records(a->predictions, rec, c.n, "--predictions", e) != 0) goto out;
    if (json) {
        char *txt = cJSON_Print(root);
        if (!txt) {
            mz_fail(e, "out of memory");
            goto out;
        }
        printf("%s\n", txt);
        cJSON_free(txt);
    }
    rc = 0;
out:
    mz_records_free(rec, c.n);
    cJSON_Delete(root);
    if (rows)
        for (size_t i = 0; i < c.n; i++) mz_sparse_free(&rows[i]);
    free(rows);
    free(mentions);
    free(y);
    free(P);
    mz_targets_free(&tg);
    if (g) mz_groups_free(g);
    mz_collection_free(&c);
    mz_bundle_free(&b);
    return rc;
}

