/* train.c — mizan-train's training command: corpus → labels → features →
 * the task's heads → bundle.
 *
 * How a corpus' labels become heads depends on the task (tasks.h):
 *   multiclass  one head over the sorted distinct labels (multiclass.c);
 *   multilabel  one binary head per label (label lists; the first listed is
 *               the primary), optionally a multiclass "primary" head on the
 *               first listed label, and one probability threshold for all,
 *               the one that maximises micro-F1 on cross-validated
 *               probabilities with the classifier's own selection rule
 *               (multilabel.c);
 *   stance      for one target of the lexicon, on a −2..2-or-null field:
 *               "presence" (present/absent) on every document and "stance"
 *               (critical/neutral/favourable) on those where it is present,
 *               with context features around the target's mentions
 *               (stance.c);
 *   target      one multiclass head per value of --target-field
 *               (multiclass.c).
 * Metrics are computed on out-of-fold probabilities, i.e. from models that
 * did not see the document. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "groups.h"
#include "progress.h"
#include "tasks.h"
#include "vocabfile.h"

/* Default data files live in the installation's models folder. */
static int default_data(const char *given, const char *name, const char *opt, char *out, size_t n, mz_err *e)
{
    if (given) {
        snprintf(out, n, "%s", given);
        return 0;
    }
    char dir[4096];
    if (mz_models_dir(dir, sizeof dir, e) != 0) return mz_wrap(e, "%s FILE not given, and ", opt);
    return mz_path_join(out, n, dir, name, e);
}

/* ------------------------------------------------------------- train */

/* --lsa-corpus: read the unlabelled texts, vectorise them with the
 * fitted vocabulary, fit the semantic block on them and append it to every
 * training row.  A text that is also in a scored corpus is left out of the
 * fit, so no cross-validated figure scores a text the block was fitted on. */
static int fit_lsa(const mz_train_args *a, const mz_collection *c, mz_vocab *vocab, mz_sparse *rows, mz_lsa *l,
                   cJSON **corpora, size_t *used, size_t *left_out, mz_err *e)
{
    mz_train_args la = *a;
    memcpy(la.corpus, a->lsa_corpus, sizeof la.corpus);
    la.ncorpus = a->nlsa;
    la.ntrain_only = 0;
    la.aux_field = la.target_field = la.by_field = NULL;
    la.unlabelled = 1;
    mz_collection u;
    if (mz_collection_load(&u, &la, e) != 0) return -1;
    int rc = mz_collection_drop_scored(&u, c, left_out, e);
    *used = u.n;
    if (rc == 0 && u.n == 0 && *left_out > 0) rc = mz_fail(e, "every text is also in a scored --corpus, and is left out");
    mz_sparse *ur = NULL;
    if (rc == 0)
        rc = mz_featurize(&u, &vocab->opt, &vocab->sw, NULL, NULL, a->threads, a->quiet, 0, vocab, &ur, NULL, e);
    if (rc == 0)
        rc = mz_lsa_fit(l, vocab, ur, u.n, a->lsa_dims, a->lsa_weight, a->learn.seed, a->threads, a->quiet, e);
    if (rc == 0 && !a->quiet) fprintf(stderr, "lsa: %zu texts, %u words, %u dimensions: done\n", u.n, l->nrow, l->dims);
    if (ur)
        for (size_t i = 0; i < u.n; i++) mz_sparse_free(&ur[i]);
    free(ur);
    if (rc == 0 && !(*corpora = cJSON_Duplicate(u.corpora, 1))) rc = mz_fail(e, "out of memory");
    mz_collection_free(&u);
    if (rc != 0) return mz_wrap(e, "--lsa-corpus: ");
    if (mz_lsa_name_features(l, vocab, e) != 0) return -1;
    for (size_t i = 0; i < c->n; i++)
        if (mz_lsa_append(l, &rows[i]) != 0) return mz_fail(e, "out of memory");
    return 0;
}

/* A class (or a multi-label label) that one record alone carries: its
 * record's fold is trained without the class, so cross-validation never
 * predicts it there, and the model learns it from one text.  Often a slip
 * (a misspelt label) rather than a class: said with the count and the
 * first, naming its record, not refused. */
static void warn_single(const mz_collection *c, const mz_labelset *L, const size_t *count, const size_t *at)
{
    int single = 0, first = -1;
    for (int k = 0; k < L->n; k++)
        if (count[k] == 1 && single++ == 0) first = k;
    if (!single) return;
    mz_progress_clear();
    fprintf(stderr,
            "mizan-train: warning: %d label%s only one record (the first: \"%s\", %s); it is learnt from that "
            "text alone and never predicted in its fold\n",
            single, single == 1 ? " has" : "s have", L->name[first], c->where[at[first]]);
}

/* A linear multiclass head is written as one weight vector per label over
 * every feature, 17-19 bytes a weight as libsvm's text has it: a model
 * whose file the loader would refuse (bundle.h) is refused here, before
 * minutes of fitting and gigabytes of memory rather than after. */
#define BYTES_PER_WEIGHT 18
#define RBF_WARN 5000
static int too_big(const mz_labelset *L, size_t nfeat, mz_err *e)
{
    size_t vectors = L->n > 2 ? L->n : 1;
    double est = (double)vectors * (double)nfeat * BYTES_PER_WEIGHT;
    if (est <= MZ_BUNDLE_FILE_MAX) return 0;
    size_t fit = (size_t)(MZ_BUNDLE_FILE_MAX * 0.9 / BYTES_PER_WEIGHT / (double)vectors);
    return mz_fail(e, "%d labels over %zu features would make a model file of about %.0f MB, over the %u MiB a "
                      "bundle's file may hold: train with --max-features %zu or fewer",
                   L->n, nfeat, est / (1 << 20), MZ_BUNDLE_FILE_MAX >> 20, fit) != 0;
}

/* --cv-predictions would be written over a data file the run reads (the
 * shipped lexicon or stopword list, when neither option names one). */
static int not_over(const char *records, const char *data, const char *what, mz_err *e)
{
    if (records && mz_same_file(records, data))
        return mz_fail(e, "--cv-predictions %s: is the %s %s; write the records elsewhere", records, what, data);
    return 0;
}

/* The task to train: --task, or for auto multilabel when any label is a
 * list, else multiclass; and the options the task refuses, said before
 * anything is fitted.  NULL on an error, in e. */
static const char *resolve_task(const mz_train_args *a, const mz_collection *c, mz_err *e)
{
    const char *task = a->task;
    if (!strcmp(task, "auto")) {
        task = "multiclass";
        size_t lists = 0, first_list = 0, first_other = c->n;
        for (size_t i = 0; i < c->n; i++) {
            if (cJSON_IsArray(c->label[i]) && lists++ == 0) first_list = i;
            if (!cJSON_IsArray(c->label[i]) && first_other == c->n) first_other = i;
        }
        if (lists) task = "multilabel";
        /* one list among labels given alone (a stray bracket) makes a
         * topic corpus multi-label, a bundle answering under another key */
        if (lists && first_other < c->n) {
            mz_progress_clear();
            fprintf(stderr,
                    "mizan-train: warning: %zu of %zu records give their label as a list (the first: %s), the others "
                    "as one label (the first: %s): training a multi-label model (--task multiclass refuses a list, "
                    "naming its line)\n",
                    lists, c->n, c->where[first_list], c->where[first_other]);
        }
    }
    if (strcmp(task, "multilabel") && (mz_train_given(a, "--primary-weight") || mz_train_given(a, "--max-labels"))) {
        mz_fail(e, "--%s: for multi-label corpora (labels that are lists), not %s",
                mz_train_given(a, "--primary-weight") ? "primary-weight" : "max-labels", task);
        return NULL;
    }
    if (!strcmp(task, "multilabel") && a->f1_labels) {
        mz_fail(e, "--f1-labels: for multiclass or target corpora; these labels are lists (multilabel)");
        return NULL;
    }
    if (a->lsa_binary_only && strcmp(task, "multilabel")) {
        mz_fail(e, "--lsa-heads binary: for multi-label corpora (whose primary head it leaves out), not %s", task);
        return NULL;
    }
    if (a->aux_field && strcmp(task, "multiclass") && strcmp(task, "target")) {
        mz_fail(e, "--aux-field: for multiclass or target corpora; these labels are lists (multilabel)");
        return NULL;
    }
    if (a->source_field && strcmp(task, "multiclass")) {
        mz_fail(e, "--source-field: for multiclass corpora; these labels are lists (multilabel)");
        return NULL;
    }
    if (a->source_field) {
        /* a misspelt field is said now, not after the plain head's fit as
         * too few records per source */
        size_t named = 0;
        for (size_t i = 0; c->source && i < c->nscored; i++) named += c->source[i] != NULL;
        if (!named) {
            mz_fail(e, "--source-field %s: no scored record has this field (a string naming its source)", a->source_field);
            return NULL;
        }
    }
    return task;
}

/* A multiclass or target corpus' labels, one a record: sorted into L,
 * y[i] the index of record i's. */
static int read_labels(const mz_train_args *a, const mz_collection *c, mz_labelset *L, int *y, mz_err *e)
{
    const char *label_field = a->fields.label;
    char lb[256];
    for (size_t i = 0; i < c->n; i++) {
        if (!c->label[i]) return mz_fail(e, "%s: missing label field \"%s\"", c->where[i], label_field);
        const char *why = mz_label_text(c->label[i], lb, sizeof lb);
        if (why) return mz_fail(e, "%s: label %s", c->where[i], why);
        if (mz_labelset_add(L, lb) != 0) {
            return mz_fail(e, "%s: more than %d distinct labels", c->where[i], MZ_MAX_CLASSES);
        }
    }
    mz_labelset_sort(L);
    if (L->n < 2) {
        return mz_fail(e, "%s: only one class (\"%s\"): a classifier needs at least two", a->corpus[0], L->name[0]);
    }
    size_t count[MZ_MAX_CLASSES] = {0}, at[MZ_MAX_CLASSES] = {0};
    for (size_t i = 0; i < c->n; i++) {
        mz_label_text(c->label[i], lb, sizeof lb);
        y[i] = mz_labelset_index(L, lb);
        if (count[y[i]]++ == 0) at[y[i]] = i;
    }
    warn_single(c, L, count, at);
    unsigned char want[MZ_MAX_CLASSES];
    return a->f1_labels ? mz_f1_labels_want(a->f1_labels, L, want, e) : 0;
}

/* A multi-label corpus' labels, a list (or one label) a record: sorted
 * into L. */
static int read_label_lists(const mz_train_args *a, const mz_collection *c, mz_labelset *L, mz_err *e)
{
    const char *label_field = a->fields.label;
    char lb[256];
    for (size_t i = 0; i < c->n; i++) {
        const cJSON *l = c->label[i];
        const char *why = NULL;
        if (!l) return mz_fail(e, "%s: missing label field \"%s\"", c->where[i], label_field);
        if ((cJSON_IsArray(l) && cJSON_GetArraySize(l) == 0) ||
            (!cJSON_IsArray(l) && (why = mz_label_text(l, lb, sizeof lb)))) {
            return mz_fail(e, "%s: label %s", c->where[i],
                           why ? why
                               : "is an empty list: a multi-label record needs at least one label (give the "
                                 "records without one a label of their own, such as \"none\")");
        }
        const cJSON *x;
        if (cJSON_IsArray(l)) {
            int k = 0;
            cJSON_ArrayForEach(x, l)
            {
                k++;
                if ((why = mz_label_text(x, lb, sizeof lb))) {
                    return mz_fail(e, "%s: label %d of the list %s", c->where[i], k, why);
                }
                if (mz_labelset_add(L, lb) != 0) {
                    return mz_fail(e, "%s: more than %d distinct labels", c->where[i], MZ_MAX_CLASSES);
                }
            }
        } else if (mz_labelset_add(L, lb) != 0) {
            return mz_fail(e, "%s: more than %d distinct labels", c->where[i], MZ_MAX_CLASSES);
        }
    }
    mz_labelset_sort(L);
    if (L->n < 2) {
        return mz_fail(e, "%s: only one label (\"%s\") in the corpus: a multi-label model needs at least two",
                       a->corpus[0], L->name[0]);
    }
    size_t count[MZ_MAX_CLASSES] = {0}, at[MZ_MAX_CLASSES] = {0};
    for (size_t i = 0; i < c->n; i++) {
        const cJSON *l = c->label[i], *x;
        for (x = cJSON_IsArray(l) ? l->child : l; x; x = cJSON_IsArray(l) ? x->next : NULL) {
            mz_label_text(x, lb, sizeof lb);
            int k = mz_labelset_index(L, lb);
            /* a label listed twice in one list is still one record's */
            if (count[k] && at[k] == i) continue;
            if (count[k]++ == 0) at[k] = i;
        }
    }
    warn_single(c, L, count, at);
    return 0;
}

/* The manifest's account of what the bundle is and how it was trained,
 * on what; the task adds its heads and figures after.  The members'
 * order is the file's, which a retrained bundle repeats byte for byte. */
static cJSON *manifest_new(const mz_train_args *a, const char *task, const char *name, int is_stance,
                           const mz_featopts *fo, const mz_collection *c, cJSON **solver_out)
{
    cJSON *manifest = cJSON_CreateObject();
    if (!manifest) return NULL;
    cJSON_AddNumberToObject(manifest, "format", MZ_FORMAT_VERSION);
    cJSON_AddStringToObject(manifest, "program", "mizan " MZ_VERSION);
    cJSON_AddStringToObject(manifest, "name", name);
    cJSON_AddStringToObject(manifest, "kind", is_stance ? "stance" : task);
    if (!strcmp(task, "target") && !a->name) cJSON_ReplaceItemInObject(manifest, "name", cJSON_CreateString("target_stance"));
    if (is_stance) cJSON_AddStringToObject(manifest, "target", a->target);
    cJSON_AddItemToObject(manifest, "pipeline", mz_featopts_to_json(fo));
    cJSON *solver = *solver_out = cJSON_AddObjectToObject(manifest, "solver");
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
    cJSON_AddItemToObject(manifest, "corpora", cJSON_Duplicate(c->corpora, 1));
    /* the record fields read, which evaluate reads a held-out file by */
    cJSON *fj = cJSON_AddObjectToObject(manifest, "fields");
    const char *const fk[] = {"id", "text", "title", "label"};
    const char *const fv[] = {a->fields.id, a->fields.text, a->fields.title, a->fields.label};
    for (int k = 0; k < 4; k++) fv[k] ? cJSON_AddStringToObject(fj, fk[k], fv[k]) : cJSON_AddNullToObject(fj, fk[k]);
    cJSON_AddNumberToObject(manifest, "documents", (double)c->n);
    return manifest;
}

/* --lsa-corpus: the semantic block's file, and its account in the
 * manifest, which takes the unlabelled corpora's over from *corpora. */
static int add_lsa(cJSON *manifest, mz_bundle_writer *w, const mz_lsa *lsa, const mz_train_args *a, size_t texts,
                   size_t left_out, cJSON **corpora, mz_err *e)
{
    cJSON *lj = cJSON_AddObjectToObject(manifest, "lsa");
    cJSON_AddStringToObject(lj, "file", "lsa.bin");
    cJSON_AddNumberToObject(lj, "dims", lsa->dims);
    cJSON_AddNumberToObject(lj, "weight", lsa->weight);
    cJSON_AddNumberToObject(lj, "words", lsa->nrow);
    cJSON_AddNumberToObject(lj, "texts", (double)texts);
    cJSON_AddNumberToObject(lj, "texts_left_out_as_scored", (double)left_out);
    cJSON_AddStringToObject(lj, "heads", a->lsa_binary_only ? "binary" : "all");
    cJSON_AddItemToObject(lj, "corpora", *corpora);
    *corpora = NULL;
    char *data;
    size_t len;
    if (mz_lsa_write(lsa, &data, &len, e) != 0) return -1;
    int rc = mz_bundle_add(w, "lsa.bin", data, len, e);
    free(data);
    return rc;
}

/* The stopword list as used, one normalised entry a line: the bundle's
 * own copy, which classifying reads instead of the installation's. */
static int add_stopwords(mz_bundle_writer *w, const mz_stopwords *sw, mz_err *e)
{
    size_t cap = 64 + mz_strmap_count(sw->set) * 48, len = 0;
    char *s = malloc(cap);
    if (!s) return mz_fail(e, "out of memory");
    len += (size_t)snprintf(s, cap, "# stopwords used to train this model (normalised)\n");
    for (size_t i = 0; i < mz_strmap_count(sw->set); i++) {
        size_t kl;
        const char *k = mz_strmap_key(sw->set, i, &kl);
        if (len + kl + 2 > cap) {
            cap = cap * 2 + kl;
            char *ns = realloc(s, cap);
            if (!ns) {
                free(s);
                return mz_fail(e, "out of memory");
            }
            s = ns;
        }
        memcpy(s + len, k, kl);
        len += kl;
        s[len++] = '\n';
    }
    int rc = mz_bundle_add(w, "stopwords.txt", s, len, e);
    free(s);
    return rc;
}

/* train_command: the argv that rebuilds the bundle.  --cv-predictions and
 * --by write reports, not parts of the model, and --threads and --quiet
 * change how it is made, not what: the bundle is the same bytes with or
 * without any of them. */
static void add_train_command(cJSON *manifest, const mz_train_args *a)
{
    cJSON *cmd = cJSON_AddArrayToObject(manifest, "train_command");
    cJSON_AddItemToArray(cmd, cJSON_CreateString("bin/mizan-train"));
    for (int i = 1; i < a->argc; i++) {
        const char *o = a->argv[i];
        if ((!strcmp(o, "--cv-predictions") || !strcmp(o, "--by") || !strcmp(o, "--threads")) && i + 1 < a->argc) {
            i++;
            continue;
        }
        if (!strcmp(o, "--quiet")) continue;
        cJSON_AddItemToArray(cmd, cJSON_CreateString(a->argv[i]));
    }
}

/* What a training run holds, from the corpora to the bundle's writer:
 * stages fill it in order, and run_free releases whatever they reached. */
typedef struct run {
    mz_train_args a; /* the arguments, a stance corpus's label field resolved */
    mz_collection c;
    const char *task, *name;
    int is_stance;
    mz_featopts fo;
    mz_groups groups, *by; /* --by: the scored records' groups */
    mz_normalizer *nz;
    mz_stopwords sw;
    mz_targets tg;
    const mz_target *target;
    char *targets_text; /* the lexicon file, copied into the bundle */
    size_t targets_len;
    mz_labelset L;
    int *y, *y2;
    mz_vocab vocab;
    mz_sparse *rows;
    long *mentions; /* stance: each text's mentions of the target */
    mz_lsa lsa;
    cJSON *lsa_corpora;
    size_t lsa_texts, lsa_left;
    mz_trainset ts;
    mz_bundle_writer w;
    cJSON *manifest, **oof;
    mz_outfile records; /* --cv-predictions, written before the bundle goes into place */
    int records_open;
} run;

static void run_free(run *r, int failed)
{
    if (r->records_open) mz_outfile_abort(&r->records);
    if (failed && r->w.tmp_dir[0]) mz_bundle_abort(&r->w);
    cJSON_Delete(r->manifest);
    mz_labelset_free(&r->L);
    free(r->y);
    free(r->y2);
    mz_trainset_free(&r->ts);
    if (r->rows)
        for (size_t i = 0; i < r->c.n; i++) mz_sparse_free(&r->rows[i]);
    free(r->rows);
    free(r->mentions);
    mz_vocab_free(&r->vocab);
    mz_lsa_free(&r->lsa);
    cJSON_Delete(r->lsa_corpora);
    mz_targets_free(&r->tg);
    free(r->targets_text);
    mz_stopwords_free(&r->sw);
    mz_normalizer_free(r->nz);
    mz_records_free(r->oof, r->c.nscored);
    if (r->by) mz_groups_free(r->by);
    mz_collection_free(&r->c);
}

/* The loaded corpora can be trained and cross-validated on, and their
 * --by groups are sound; then the task. */
static int check_corpora(run *r, mz_err *e)
{
    const mz_train_args *a = &r->a;
    const mz_collection *c = &r->c;
    if (c->n < 2) return mz_fail(e, "%s: need at least 2 records to train, found %zu", a->corpus[0], c->n);
    if (mz_folds_filled(c, NULL, a->learn.folds, "", e) != 0) return -1;
    if (a->by_field) {
        /* the scored records' groups, said wrong before any training */
        if (mz_groups_build(&r->groups, a->by_field, "cross-validated", stderr, c->group, c->nscored, "scored record",
                            e) != 0)
            return -1;
        r->by = &r->groups;
    }
    if (!(r->task = resolve_task(a, c, e))) return -1;
    r->is_stance = !strcmp(r->task, "stance");
    r->fo = a->feat;
    if (r->is_stance) r->fo.context = 1;
    return 0;
}

/* The normaliser, the stopword list and (stance) the target lexicon. */
static int load_lexicons(run *r, mz_err *e)
{
    const mz_train_args *a = &r->a;
    char path[4096];
    if (!(r->nz = mz_normalizer_new(e))) return -1;
    if (r->fo.stopwords) {
        if (default_data(a->stopwords, "stopwords-ar.txt", "--stopwords", path, sizeof path, e) != 0 ||
            not_over(a->cv_predictions, path, "stopword list", e) != 0 ||
            mz_stopwords_load(&r->sw, path, r->nz, e) != 0)
            return -1;
    }
    if (!r->is_stance) return 0;
    if (default_data(a->targets, "targets.json", "--targets", path, sizeof path, e) != 0 ||
        not_over(a->cv_predictions, path, "target lexicon", e) != 0 ||
        mz_read_file(path, 16u << 20, &r->targets_text, &r->targets_len, e) != 0 ||
        mz_targets_parse(&r->tg, r->targets_text, r->targets_len, path, r->nz, e) != 0)
        return -1;
    if (!(r->target = mz_targets_find(&r->tg, a->target)))
        return mz_fail(e, "%s: no target \"%s\" in the lexicon", path, a->target);
    return 0;
}

/* Labels, the vocabulary and every record's row (with the semantic block
 * when asked), and the solver's copy of the rows. */
static int build_rows(run *r, mz_err *e)
{
    const mz_train_args *a = &r->a;
    mz_collection *c = &r->c;
    r->y = malloc(c->n * sizeof *r->y);
    r->y2 = malloc(c->n * sizeof *r->y2);
    if (!r->y || !r->y2) return mz_fail(e, "out of memory");
    if (!strcmp(r->task, "multiclass") || !strcmp(r->task, "target")) {
        if (read_labels(a, c, &r->L, r->y, e) != 0) return -1;
    } else if (!strcmp(r->task, "multilabel") && read_label_lists(a, c, &r->L, e) != 0) {
        return -1;
    }
    if (mz_featurize(c, &r->fo, &r->sw, r->target, &r->tg, a->threads, a->quiet, 1, &r->vocab, &r->rows,
                     r->is_stance ? &r->mentions : NULL, e) != 0)
        return -1;
    if (r->vocab.nfeat == 0)
        return mz_fail(e, "%s: no feature is left (every term is rarer than --min-df %d or in more than --max-df)",
                       a->corpus[0], r->fo.min_df);
    mz_warn_wordless(c, &r->vocab, r->rows, c->nscored, r->is_stance ? r->mentions : NULL, "scored texts");
    if (!strcmp(r->task, "multiclass") && !a->learn.rbf && too_big(&r->L, r->vocab.nfeat, e)) return -1;
    /* an RBF head's cost grows with the square of the records: a person
     * waiting on a corpus of news should hear so before the minutes pass */
    if (a->learn.rbf && c->nscored > RBF_WARN) {
        mz_progress_clear();
        fprintf(stderr,
                "mizan-train: warning: --kernel rbf on %zu records: its cost grows with the square of their number "
                "(3,000 news articles took 2.5 minutes on one thread), so this may take %.0f minutes on one thread; the "
                "linear default is made for corpora this size\n",
                c->nscored, 2.5 * (double)c->nscored * (double)c->nscored / (3000.0 * 3000.0));
    }
    if (a->nlsa && fit_lsa(a, c, &r->vocab, r->rows, &r->lsa, &r->lsa_corpora, &r->lsa_texts, &r->lsa_left, e) != 0)
        return -1;
    if (mz_trainset_build(&r->ts, r->rows, c->n, r->vocab.nfeat, e) != 0) return -1;
    /* metrics, thresholds and calibration count the scored rows alone */
    r->ts.nscored = c->nscored;
    r->ts.same = c->same;
    return 0;
}

/* The heads of the task, into a bundle begun in its temporary folder. */
static int fit_heads(run *r, mz_err *e)
{
    const mz_train_args *a = &r->a;
    const mz_collection *c = &r->c;
    size_t ns = c->nscored;
    if (mz_bundle_begin(&r->w, a->out, e) != 0) return -1;
    r->name = a->name ? a->name : r->is_stance ? a->target : !strcmp(r->task, "multilabel") ? "labels" : "topic";
    cJSON *solver = NULL;
    if (!(r->manifest = manifest_new(a, r->task, r->name, r->is_stance, &r->fo, c, &solver)))
        return mz_fail(e, "out of memory");
    if (a->nlsa && add_lsa(r->manifest, &r->w, &r->lsa, a, r->lsa_texts, r->lsa_left, &r->lsa_corpora, e) != 0)
        return -1;
    if (ns < c->n) cJSON_AddNumberToObject(r->manifest, "documents_training_only", (double)(c->n - ns));
    cJSON *heads = cJSON_AddArrayToObject(r->manifest, "heads");
    cJSON *cv = cJSON_AddObjectToObject(r->manifest, "cv");
    if (a->cv_predictions && !(r->oof = mz_records_new(c, ns))) return mz_fail(e, "out of memory");
    mz_task tk = {c, a, &r->vocab, r->rows, &r->ts, ns, r->name, r->manifest, solver, heads, cv, &r->w,
                  a->nlsa && a->lsa_binary_only ? r->lsa.base : 0, r->oof, r->by};
    if (!strcmp(r->task, "multiclass")) return mz_train_multiclass(&tk, &r->L, r->y, e);
    if (!strcmp(r->task, "multilabel")) return mz_train_multilabel(&tk, &r->L, r->y, e);
    if (r->is_stance) return mz_train_stance(&tk, a->fields.label, r->mentions, r->y, r->y2, e);
    if (!strcmp(r->task, "target")) return mz_train_targets(&tk, &r->L, r->y, r->y2, e);
    return mz_fail(e, "--task %s: unknown task", r->task);
}

/* The bundle's other files and manifest, then the bundle and the
 * --cv-predictions records into place. */
static int write_outputs(run *r, mz_err *e)
{
    const mz_train_args *a = &r->a;
    size_t ns = r->c.nscored;
    if (r->fo.stopwords && add_stopwords(&r->w, &r->sw, e) != 0) return -1;
    if (r->targets_text && mz_bundle_add(&r->w, "targets.json", r->targets_text, r->targets_len, e) != 0) return -1;
    char *vt;
    size_t vl;
    if (mz_vocab_write(&r->vocab, &vt, &vl, e) != 0) return -1;
    int rc = mz_bundle_add(&r->w, "vocab.tsv", vt, vl, e);
    free(vt);
    if (rc != 0) return -1;
    add_train_command(r->manifest, a);
    /* the records go into place after the bundle, so that a run that fails
     * to write it leaves both as they were; written and synced first, so
     * that a full disk is found before either moves */
    if (r->oof && mz_records_prepare(&r->records, a->cv_predictions, r->oof, ns, "--cv-predictions", e) != 0)
        return -1;
    r->records_open = r->oof != NULL;
    /* from here a signal waits, for good: arriving while the outputs go
     * into place, it would end the run by that signal with them in place */
    sigset_t held;
    mz_signals_hold(&held);
    rc = mz_bundle_commit(&r->w, r->manifest, e);
    r->manifest = NULL; /* the commit took it */
    if (rc != 0) return -1;
    r->records_open = 0;
    if (r->oof && mz_outfile_commit(&r->records, e) != 0)
        return mz_wrap(e, "--cv-predictions: the bundle is in place, but ");
    return 0;
}

int mz_train(const mz_train_args *args, mz_err *e)
{
    if (mz_bundle_out_check(args->out, e) != 0) return -1;
    /* the records are written after training: a path that cannot take
     * them is said now */
    if (args->cv_predictions && mz_outfile_check(args->cv_predictions, e) != 0) return mz_wrap(e, "--cv-predictions: ");
    run *r = calloc(1, sizeof *r);
    if (!r) return mz_fail(e, "out of memory");
    r->a = *args;
    /* a stance corpus keeps each target's value under the target's name */
    if (!strcmp(r->a.task, "stance") && !mz_train_given(args, "--label-field")) r->a.fields.label = r->a.target;
    if (mz_collection_load(&r->c, &r->a, e) != 0) {
        free(r);
        return -1;
    }
    int rc = -1;
    if (check_corpora(r, e) == 0 && load_lexicons(r, e) == 0 && build_rows(r, e) == 0 && fit_heads(r, e) == 0 &&
        write_outputs(r, e) == 0)
        rc = 0;
    if (rc == 0 && !r->a.quiet) fprintf(stderr, "model written to %s\n", r->a.out);
    run_free(r, rc != 0);
    free(r);
    return rc;
}
