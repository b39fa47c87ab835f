/* evaluate.c — mizan-train evaluate: a bundle on a held-out labelled corpus,
 * with the bundle's own pipeline and decision rules, printing the tables
 * training prints (stance: presence, the three-way label and the score's
 * critical ROC-AUC; multi-label: micro/macro-F1 and primary accuracy;
 * target stance: each target's table and the pooled one).  With --json the
 * same figures are one JSON object on stdout instead, keyed as the
 * manifest's "cv" is, for pipelines that track a model's quality. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The index of record i's label among h's labels, or -1 with e saying why. */
static int label_of(const mz_collection *c, size_t i, const mz_head *h, mz_err *e)
{
    char lb[256];
    if (!c->label[i]) return mz_fail(e, "%s: missing label field \"%s\"", c->where[i], c->label_field);
    const char *why = mz_label_text(c->label[i], lb, sizeof lb);
    if (why) return mz_fail(e, "%s: label %s", c->where[i], why);
    for (int j = 0; j < h->nclass; j++)
        if (!strcmp(h->labels[j], lb)) return j;
    /* the figures would have no class to count it in: say which it knows,
     * so the user can leave such records out or train with the label */
    char known[256];
    size_t k = 0;
    for (int j = 0; j < h->nclass && k < sizeof known; j++)
        k += (size_t)snprintf(known + k, sizeof known - k, "%s\"%s\"", j ? ", " : "", h->labels[j]);
    if (k >= sizeof known) memcpy(known + sizeof known - 4, "...", 4);
    return mz_fail(e, "%s: label \"%s\" is unknown to the model (it knows %s); leave such records out, or train with them",
                   c->where[i], lb, known);
}


/* With --f1-labels, the figure they were weighed for, as training gives
 * it, beside the report it comes from. */
static void f1_labels(const mz_bundle *b, const cJSON *report, cJSON *out, int json)
{
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(b->manifest, "f1_labels");
    if (!cJSON_IsArray(fl)) return;
    size_t had = (size_t)cJSON_GetArraySize(out);
    mz_f1_labels_figure(report, fl, out, json, stdout);
    if ((size_t)cJSON_GetArraySize(out) > had) cJSON_AddItemToObject(out, "f1_labels", cJSON_Duplicate(fl, 1));
}

/* A target bundle: each record scored by its own target's head, with that
 * head's label weights, as the classifier answers it; a table per target,
 * then pooled, and the macro-F1 over the labels the bundle was tuned for
 * (--f1-labels), which is Mawqif's F_avg. */
static int evaluate_targets(mz_bundle *b, const mz_collection *c, mz_sparse *rows, int *y, int json, cJSON *out,
                            cJSON **rec, const mz_groups *g, cJSON *root, mz_err *e)
{
    const mz_head *h0 = NULL;
    for (size_t k = 0; k < b->nheads && !h0; k++)
        if (&b->heads[k] != b->aux) h0 = &b->heads[k];
    if (!h0) return mz_fail(e, "%s: a target bundle without a target's head", b->dir);
    int k = h0->nclass, rc = -1;
    int *pred = malloc((c->n + 1) * sizeof *pred), *yt = malloc((c->n + 1) * sizeof *yt);
    const mz_head **hof = malloc((c->n + 1) * sizeof *hof);
    if (!pred || !yt || !hof) {
        mz_fail(e, "out of memory");
        goto out;
    }
    double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2], p[MZ_MAX_CLASSES];
    for (size_t i = 0; i < c->n; i++) {
        const mz_head *h = mz_bundle_head(b, c->target[i]);
        if (!h || h == b->aux) {
            mz_fail(e, "%s: target \"%s\" is unknown to the model", c->where[i], c->target[i]);
            goto out;
        }
        if (h->nclass != k) {
            mz_fail(e, "%s: target \"%s\" has %d labels, the model's first target %d", c->where[i], c->target[i],
                    h->nclass, k);
            goto out;
        }
        if ((y[i] = label_of(c, i, h, e)) < 0) goto out;
        if (mz_aux_augment(b, &rows[i]) != 0) {
            mz_fail(e, "out of memory");
            goto out;
        }
        mz_linmodel_decision(&h->lm, &rows[i], dec);
        mz_linmodel_probability(&h->lm, dec, p);
        pred[i] = mz_pick_label(p, h->weighted ? h->lw : NULL, k);
        hof[i] = h;
        if (rec) {
            cJSON_AddStringToObject(rec[i], "target", c->target[i]);
            mz_record_class(rec[i], h->labels, k, y[i], pred[i], p);
        }
    }
    cJSON *per = cJSON_AddObjectToObject(out, "targets");
    for (size_t t = 0; t < b->nheads; t++) {
        const mz_head *h = &b->heads[t];
        size_t m = 0;
        for (size_t i = 0; i < c->n; i++) m += (yt[i] = hof[i] == h ? y[i] : -1) >= 0;
        if (h == b->aux || m == 0) continue;
        char title[MZ_NAME_MAX + 64];
        snprintf(title, sizeof title, "target \"%s\" (%zu held-out records)", h->name, m);
        cJSON_AddItemToObject(per, h->name, mz_report_labels(title, pred, yt, c->n, k, h0->labels, json, stdout));
    }
    cJSON *pj = mz_report_labels("all targets pooled (held-out)", pred, y, c->n, k, h0->labels, json, stdout);
    cJSON_AddItemToObject(out, "pooled", pj);
    f1_labels(b, pj, out, json);
    if (g && add_by(root, g, mz_groups_class(g, pred, NULL, NULL, y, k, h0->labels, json), e) != 0) goto out;
    rc = 0;
out:
    free(pred);
    free(yt);
    free(hof);
    return rc;
}

/* Held-out evaluation: the bundle's own pipeline and heads, the corpus'
 * labels, the same tables as training prints. */
int mz_evaluate(const mz_train_args *args, mz_err *e)
{
    mz_bundle b;
    if (args->predictions && mz_outfile_check(args->predictions, e) != 0) return mz_wrap(e, "--predictions: ");
    if (mz_bundle_load(&b, args->model, e) != 0) return -1;
    mz_train_args local = *args;
    /* records are read by the fields the bundle was trained on, unless
     * told otherwise (a bundle without the list: the defaults) */
    const cJSON *fj = cJSON_GetObjectItemCaseSensitive(b.manifest, "fields");
    const char *const fopt[] = {"--id-field", "--text-field", "--title-field", "--label-field"};
    const char *const fkey[] = {"id", "text", "title", "label"};
    const char **fdst[] = {&local.fields.id, &local.fields.text, &local.fields.title, &local.fields.label};
    for (int k = 0; k < 4; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(fj, fkey[k]);
        if (!mz_train_given(args, fopt[k]) && (cJSON_IsString(v) || (cJSON_IsNull(v) && k == 2)))
            *fdst[k] = cJSON_IsString(v) ? v->valuestring : NULL;
    }
    /* a stance bundle from before "fields": its target's name */
    if (!strcmp(b.kind, "stance") && !mz_train_given(args, "--label-field") &&
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(fj, "label")))
        local.fields.label = b.target;
    if (strcmp(b.kind, "target") && local.target_field) {
        /* only a target bundle reads a record's target: said, as training says it */
        mz_fail(e, "evaluate: --target-field: %s is a %s bundle, not a target one", args->model, b.kind);
        mz_bundle_free(&b);
        return -1;
    }
    if (!strcmp(b.kind, "target") && !local.target_field) {
        /* each record names its target in the field the bundle was trained with */
        const cJSON *tf = cJSON_GetObjectItemCaseSensitive(b.manifest, "target_field");
        local.target_field = cJSON_IsString(tf) && *tf->valuestring ? tf->valuestring : "target";
    }
    /* articles name their source in the field the bundle was trained with,
     * unless --source-field says otherwise */
    if (b.nsource && !local.source_field) local.source_field = b.source_field;
    if (!b.nsource && local.source_field) {
        /* it would change nothing: said, as training says it */
        mz_bundle_free(&b);
        return mz_fail(e, "evaluate: --source-field: %s has no per-source heads", args->model);
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
    for (size_t i = 0; b.lsa.dims && i < c.n; i++)
        if (mz_lsa_append(&b.lsa, &rows[i]) != 0) {
            mz_fail(e, "out of memory");
            goto out;
        }
    y = malloc((c.n + 1) * sizeof *y);
    P = calloc((c.n + 1) * MZ_MAX_CLASSES, sizeof *P);
    if (!y || !P) {
        mz_fail(e, "out of memory");
        goto out;
    }
    double dec[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2];
    if (!strcmp(b.kind, "multiclass")) {
        mz_head *h0 = mz_bundle_head(&b, b.name);
        if (!h0) h0 = &b.heads[0];
        mz_head *h = h0;
        /* per-source heads: the plain head's own figures beside them */
        double *P0 = b.nsource ? calloc((c.n + 1) * MZ_MAX_CLASSES, sizeof *P0) : NULL;
        if (b.nsource && !P0) {
            mz_fail(e, "out of memory");
            goto out;
        }
        size_t known = 0;
        for (size_t i = 0; i < c.n; i++) {
            if ((y[i] = label_of(&c, i, h0, e)) < 0) {
                free(P0);
                goto out;
            }
            if (mz_aux_augment(&b, &rows[i]) != 0) {
                free(P0);
                mz_fail(e, "out of memory");
                goto out;
            }
            int src = mz_bundle_source(&b, c.source[i]);
            h = src >= 0 ? &b.source_heads[src] : h0;
            known += src >= 0;
            mz_linmodel_decision(&h->lm, &rows[i], dec);
            mz_linmodel_probability(&h->lm, dec, P + i * (size_t)h->nclass);
            if (P0 && src >= 0) {
                mz_linmodel_decision(&h0->lm, &rows[i], dec);
                mz_linmodel_probability(&h0->lm, dec, P0 + i * (size_t)h->nclass);
            } else if (P0) {
                /* the plain head answered: its probabilities are those */
                memcpy(P0 + i * (size_t)h->nclass, P + i * (size_t)h->nclass, (size_t)h->nclass * sizeof *P0);
            }
            const double *pi = P + i * (size_t)h->nclass;
            int pred = mz_pick_label(pi, h->weighted ? h->lw : NULL, h->nclass);
            if (rec) {
                if (src >= 0) cJSON_AddStringToObject(rec[i], "source", b.source_values[src]);
                mz_record_class(rec[i], h->labels, h->nclass, y[i], pred, pi);
            }
        }
        h = h0;
        if (P0) {
            cJSON *sj = cJSON_AddObjectToObject(ho, "source");
            cJSON_AddNumberToObject(sj, "records_of_known_sources", (double)known);
            cJSON_AddItemToObject(sj, "plain", mz_report("the plain head alone (held-out)", P0, NULL, y, c.n,
                                                         h->nclass, h->labels, json, stdout));
            if (!json) printf("records of a source with its own head: %zu of %zu\n", known, c.n);
            free(P0);
        }
        cJSON *mr = mz_report("held-out metrics", P, h->weighted ? h->lw : NULL, y, c.n, h->nclass, h->labels, json,
                              stdout);
        cJSON_AddItemToObject(ho, b.name, mr);
        f1_labels(&b, mr, ho, json);
        /* with the labels the table above counted */
        const double *lw = h->weighted ? h->lw : NULL;
        if (g && add_by(root, g, mz_groups_class(g, NULL, P, lw, y, h->nclass, h->labels, json), e) != 0) goto out;
    } else if (!strcmp(b.kind, "target")) {
        if (evaluate_targets(&b, &c, rows, y, json, ho, rec, g, root, e) != 0) goto out;
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
            int present;
            if (mz_stance_truth(c.label[i], c.where[i], local.fields.label, &present, &y2[i], e) != 0) {
                free(y2), free(P2);
                goto out;
            }
            y[i] = !present;
            if (mentions[i] == 0) {
                P[i * 2] = 0, P[i * 2 + 1] = 1;
            } else {
                mz_linmodel_decision(&hp->lm, &rows[i], dec);
                mz_linmodel_probability(&hp->lm, dec, P + i * 2);
            }
            mz_linmodel_decision(&hs->lm, &rows[i], dec);
            mz_linmodel_probability(&hs->lm, dec, P2 + i * 3);
        }
        cJSON_AddItemToObject(ho, "presence", mz_report("presence (held-out)", P, NULL, y, c.n, 2, hp->labels, json, stdout));
        int *pred = malloc((c.n + 1) * sizeof *pred);
        if (!pred) {
            free(y2), free(P2);
            mz_fail(e, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < c.n; i++) pred[i] = mz_stance_label(P2 + i * 3, hs->tcrit, hs->tfav);
        for (size_t i = 0; rec && i < c.n; i++) {
            mz_record_presence(rec[i], c.label[i], y[i] == 0, P + i * 2);
            if (y2[i] >= 0) mz_record_stance(rec[i], hs->labels, pred[i], P2 + i * 3);
        }
        cJSON *sj = mz_report_labels("stance where present (held-out)", pred, y2, c.n, 3, hs->labels, json, stdout);
        mz_stance_answered(sj, pred, y2, P, c.n, json ? NULL : stdout);
        cJSON_AddItemToObject(ho, "stance", sj);
        /* the score the bundle gives, and the others it could give */
        double *sv = b.svr.svr ? calloc(c.n + 1, sizeof *sv) : NULL;
        if (b.svr.svr && !sv) {
            free(y2), free(P2), free(pred);
            mz_fail(e, "out of memory");
            goto out;
        }
        for (size_t i = 0; sv && i < c.n; i++) {
            mz_linmodel_decision(&b.svr, &rows[i], dec);
            sv[i] = dec[0];
        }
        for (size_t i = 0; rec && i < c.n; i++)
            if (y2[i] >= 0) {
                const double *v = sv ? &sv[i] : NULL;
                mz_record_score(rec[i], mz_stance_score(b.score, P2 + i * 3, v ? *v : 0), v);
            }
        double auc = mz_stance_auc(b.score, P2, sv, y2, c.n);
        cJSON_AddStringToObject(sj, "score", mz_score_name(b.score));
        mz_add_figure(sj, "critical_roc_auc", auc);
        if (!json && isnan(auc))
            printf("critical-vs-rest ROC-AUC of the score (%s): undefined (needs critical and other texts)\n",
                   mz_score_name(b.score));
        else if (!json)
            printf("critical-vs-rest ROC-AUC of the score (%s): %.4f\n", mz_score_name(b.score), auc);
        if (sv) {
            static const int by[] = {MZ_SCORE_PROB, MZ_SCORE_SVR, MZ_SCORE_BLEND};
            double v[3];
            cJSON *bj = cJSON_AddObjectToObject(sj, "critical_roc_auc_by_score");
            for (int q = 0; q < 3; q++) {
                v[q] = mz_stance_auc(by[q], P2, sv, y2, c.n);
                mz_add_figure(bj, mz_score_name(by[q]), v[q]);
            }
            if (!json && !isnan(auc))
                printf("critical-vs-rest ROC-AUC by score: prob %.4f  svr %.4f  blend %.4f\n", v[0], v[1], v[2]);
        }
        int r = g ? add_by(root, g, mz_groups_stance(g, P, y, hp->labels, pred, y2, hs->labels, b.score, P2, sv, json), e)
                  : 0;
        free(sv), free(pred);
        if (r != 0) {
            free(y2), free(P2);
            goto out;
        }
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
        if (mz_ml_truth(&c, names, (int)K, truth, prim, e) != 0) {
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
            if (rec) {
                unsigned char ch[MZ_MAX_CLASSES];
                int pr = mz_multilabel_select(K, P + i * K, PM ? PM + i * K : NULL, b.primary_weight, thr,
                                              b.max_labels, ch);
                mz_record_labels(rec[i], c.label[i], names, (int)K, P + i * K, pr, ch);
            }
        }
        mz_ml_figures f;
        mz_ml_score(c.n, (int)K, P, PM, b.primary_weight, thr, b.max_labels, truth, prim, &f);
        cJSON *mj = cJSON_AddObjectToObject(ho, b.name);
        cJSON_AddNumberToObject(mj, "n", (double)c.n);
        mz_add_figure(mj, "micro_f1", f.micro_f1);
        mz_add_figure(mj, "macro_f1", f.macro_f1);
        mz_add_figure(mj, "primary_accuracy", f.primary_accuracy);
        if (!json)
            printf("held-out (%zu texts): micro-F1 %.4f  macro-F1 %.4f  primary accuracy %.4f\n", c.n, f.micro_f1,
                   f.macro_f1, f.primary_accuracy);
        int r = g ? add_by(root, g,
                           mz_groups_multilabel(g, (int)K, P, PM, b.primary_weight, thr, NULL, NULL, b.max_labels,
                                                truth, prim, json),
                           e)
                  : 0;
        free(truth), free(prim), free(PM);
        if (r != 0) goto out;
    } else {
        mz_fail(e, "evaluate: %s bundles are evaluated by their training CV (see manifest.json \"cv\")", b.kind);
        goto out;
    }
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

