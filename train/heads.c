/* heads.c — see heads.h. */
#include "heads.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "fsutil.h"
#include "jsonout.h"
#include "metrics.h"
#include "normalize.h"
#include "parallel.h"
#include "platt.h"
#include "progress.h"
#include "predict.h"
#include "utf8.h"


void mz_labelset_free(mz_labelset *l)
{
    for (int i = 0; i < l->n; i++) free(l->name[i]);
    free(l->name);
    memset(l, 0, sizeof *l);
}

int mz_labelset_add(mz_labelset *l, const char *s)
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

void mz_labelset_sort(mz_labelset *l) { qsort(l->name, (size_t)l->n, sizeof *l->name, cmp_str); }

int mz_labelset_index(const mz_labelset *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->name[i], s)) return i;
    return -1;
}

/* A class that training-only rows have and scored rows do not could be
 * neither calibrated (Platt sees scored rows only) nor measured: its head
 * would never predict it.  Refused, naming it. */
int mz_scored_cover(const int *y, size_t n, size_t ns, int k, char *const *names, const char *what, mz_err *e)
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

/* Bytes of the space (ASCII or wide) that s[0..n) starts, or ends, with. */
static size_t space_at(const char *s, size_t n) { return *s == ' ' ? 1 : mz_utf8_wide_space(s, n); }
static size_t space_ending(const char *s, size_t n)
{
    if (s[n - 1] == ' ') return 1;
    for (size_t w = 2; w <= 3 && w <= n; w++)
        if (mz_utf8_wide_space(s + n - w, w) == w) return w;
    return 0;
}

/* The name of an invisible format character at s[0..n) (a direction
 * mark, a zero-width space, a byte-order mark, a soft hyphen), or NULL.
 * Spreadsheet exports of Arabic text put right-to-left marks beside
 * cells; in a label one makes a class apart that prints like another. */
static const char *invisible_at(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n >= 2 && u[0] == 0xC2 && u[1] == 0xAD) return "U+00AD SOFT HYPHEN";
    if (n >= 2 && u[0] == 0xD8 && u[1] == 0x9C) return "U+061C ARABIC LETTER MARK";
    if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) return "U+FEFF BYTE ORDER MARK";
    if (n < 3 || u[0] != 0xE2) return NULL;
    unsigned c = (unsigned)(u[1] & 0x3F) << 6 | (u[2] & 0x3F); /* U+2000 + c */
    if (u[1] == 0x80 && u[2] >= 0x8B && u[2] <= 0x8F) {
        static const char *const zw[] = {"U+200B ZERO WIDTH SPACE", "U+200C ZERO WIDTH NON-JOINER",
                                         "U+200D ZERO WIDTH JOINER", "U+200E LEFT-TO-RIGHT MARK",
                                         "U+200F RIGHT-TO-LEFT MARK"};
        return zw[u[2] - 0x8B];
    }
    if (c >= 0x2A && c <= 0x2E) return "a direction control (U+202A-202E)";
    if (c >= 0x60 && c <= 0x69) return "a word joiner, invisible operator or direction isolate (U+2060-2069)";
    return NULL;
}

const char *mz_label_nfc(const char *s, char *buf, size_t n)
{
    return mz_nfc_utf8(s, strlen(s), buf, n) == 0 ? buf : NULL;
}

int mz_f1_labels_want(const char *spec, const mz_labelset *L, unsigned char *want, mz_err *e)
{
    memset(want, 0, (size_t)L->n);
    if (!strcmp(spec, "all")) {
        memset(want, 1, (size_t)L->n);
        return 0;
    }
    for (const char *p = spec;;) {
        size_t len = strcspn(p, ",");
        int found = -1;
        /* as the labels were read: composed */
        char typed[256], nb[256];
        snprintf(typed, sizeof typed, "%.*s", (int)len, p);
        const char *want_name = mz_label_nfc(typed, nb, sizeof nb);
        for (int c = 0; c < L->n && want_name && len < sizeof typed; c++)
            if (!strcmp(L->name[c], want_name)) found = c;
        if (len == 0) return mz_fail(e, "--f1-labels: an empty name in \"%s\" (a comma too many?)", spec);
        if (found < 0) return mz_fail(e, "--f1-labels: no label \"%.*s\" in the corpus", (int)len, p);
        if (want[found]) return mz_fail(e, "--f1-labels: \"%.*s\" given twice", (int)len, p);
        want[found] = 1;
        if (!p[len]) return 0;
        p += len + 1;
    }
}

const char *mz_label_text(const cJSON *j, char *buf, size_t n)
{
    if (cJSON_IsString(j)) {
        const char *s = j->valuestring;
        size_t l = strlen(s);
        if (l == 0) return "is empty";
        /* measured composed, below: a decomposed label is longer */
        if (l >= 4 * n) return "is too long (255 bytes at most)";
        for (size_t i = 0; i < l; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return "holds a control character";
        if (mz_utf8_check(s, l, NULL, NULL) != 0) return "is not valid UTF-8";
        for (size_t i = 0; i < l; i++) {
            const char *what = invisible_at(s + i, l - i);
            if (!what) continue;
            /* a joiner or non-joiner between two Arabic-script letters is
             * spelling (Persian بین‌الملل); anywhere else it is a stray */
            const unsigned char *u = (const unsigned char *)s;
            int joiner = u[i] == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] == 0x8C || u[i + 2] == 0x8D);
            if (joiner && i >= 2 && u[i - 2] >= 0xD8 && u[i - 2] <= 0xDB && i + 3 < l && u[i + 3] >= 0xD8 &&
                u[i + 3] <= 0xDB)
                continue;
            if ((size_t)snprintf(buf, n, "\"%s\" holds an invisible character, %s: remove it", s, what) >= n)
                return "holds an invisible character (a direction mark, a zero-width space, a byte-order mark): remove it";
            return buf;
        }
        /* "sport " would be a class apart from "sport", with the records
         * its writer meant for the other, and " " a class named by nothing
         * a reader sees: the corpus is wrong, and said so */
        size_t a = 0, b = l, w;
        while (a < l && (w = space_at(s + a, l - a)) > 0) a += w;
        while (b > a && (w = space_ending(s + a, b - a)) > 0) b -= w;
        if (a > 0 || b < l) {
            const char *why = a == l ? "is white space alone" : "has white space at its start or end";
            if ((size_t)snprintf(buf, n, "\"%s\" %s", s, why) >= n) return why;
            return buf;
        }
        /* inside, the same: "الشرق الأوسط" with a no-break space, two
         * spaces or letters in presentation forms (text copied out of a PDF)
         * would be a second class printed as the first */
        for (size_t i = a; i < b; i++) {
            const unsigned char *u = (const unsigned char *)s + i;
            const char *why = NULL;
            if (u[0] == ' ' && u[1] == ' ') why = "has two spaces in a row: write one";
            else if (mz_utf8_wide_space(s + i, l - i)) why = "holds a no-break or wide space: write an ordinary one";
            else if (u[0] == 0xEF && i + 2 < l) {
                unsigned cp = (unsigned)(u[0] & 0x0F) << 12 | (unsigned)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
                /* U+FD3E and U+FD3F are ornate parentheses, not letters */
                if ((cp >= 0xFB50 && cp <= 0xFDFF && cp != 0xFD3E && cp != 0xFD3F) || (cp >= 0xFE70 && cp <= 0xFEFC))
                    why = "holds Arabic letters in presentation forms (U+FB50-FDFF, U+FE70-FEFC), as text copied out "
                          "of a PDF has: write the letters themselves";
            }
            if (!why) continue;
            if ((size_t)snprintf(buf, n, "\"%s\" %s", s, why) >= n) return why;
            return buf;
        }
        int r = mz_nfc_utf8(s, l, buf, n);
        if (r > 0) return "is too long (255 bytes at most)";
        if (r < 0) return "cannot be read as Unicode text";
        return NULL;
    }
    if (cJSON_IsNumber(j) && isfinite(j->valuedouble) && j->valuedouble == floor(j->valuedouble) &&
        fabs(j->valuedouble) < 1e9) {
        /* -0 is the number 0, one label with it, not "-0" */
        snprintf(buf, n, "%.0f", j->valuedouble == 0 ? 0.0 : j->valuedouble);
        return NULL;
    }
    if (cJSON_IsNumber(j) && isfinite(j->valuedouble) && j->valuedouble == floor(j->valuedouble))
        return "is a number outside -999999999..999999999, the whole numbers a label may be; write it as a string";
    return cJSON_IsNumber(j) ? "is a number that is not a whole one" : "must be a string or a whole number";
}

const char *mz_names_text(char *out, size_t n, char *const *names, int k)
{
    size_t w = 0;
    out[0] = '\0';
    for (int j = 0; j < k && w < n; j++)
        w += (size_t)snprintf(out + w, n - w, "%s\"%s\"", j ? ", " : "", names[j]);
    if (w >= n && n >= 4) memcpy(out + n - 4, "...", 4);
    return out;
}

int mz_stance_truth(const cJSON *l, const char *where, const char *field, int *present, int *cls, mz_err *e)
{
    if (!l) return mz_fail(e, "%s: missing field \"%s\" (-2..2, or null where the target is absent)", where, field);
    if (cJSON_IsNull(l)) {
        *present = 0;
        *cls = -1;
        return 0;
    }
    if (!cJSON_IsNumber(l) || !(l->valuedouble >= -2 && l->valuedouble <= 2) || l->valuedouble != floor(l->valuedouble))
        return mz_fail(e, "%s: \"%s\" must be -2..2 or null", where, field);
    *present = 1;
    *cls = l->valuedouble < 0 ? 0 : l->valuedouble > 0 ? 2 : 1;
    return 0;
}

typedef struct oof_probs_ctx {
    const mz_linmodel *lm;
    const double *oof;
    double *p;
} oof_probs_ctx;

static int oof_probs_item(void *arg, int w, size_t i, mz_err *e)
{
    (void)w, (void)e;
    const oof_probs_ctx *c = arg;
    int k = c->lm->nclass;
    mz_pairwise_coupling(k, c->oof + i * (size_t)c->lm->npair, c->lm->probA, c->lm->probB, c->p + i * (size_t)k);
    return 0;
}

/* Out-of-fold class probabilities (n × k) from oof decisions, rows on
 * `threads` threads (each row's coupling is its own). */
double *mz_oof_probs(const mz_linmodel *lm, const double *oof, size_t n, int threads)
{
    double *p = calloc(n * (size_t)lm->nclass + 1, sizeof *p);
    if (!p) return NULL;
    oof_probs_ctx c = {lm, oof, p};
    mz_err e;
    if (mz_parallel_for(n, threads, oof_probs_item, &c, &e) != 0) {
        free(p);
        return NULL;
    }
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

/* --grid: sets lo->C to the C of GRID whose figure is highest (the first
 * on ties), reporting each on stderr as "what: C=... <metric> ...". */
int mz_grid_C(const char *what, const char *metric, int quiet, mz_learnopts *lo, mz_grid_fn fn, void *ctx, mz_err *e)
{
    double best = -1, bestC = lo->C;
    for (size_t g = 0; g < sizeof GRID / sizeof *GRID; g++) {
        lo->C = GRID[g];
        double f = 0;
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
    double *p = mz_oof_probs(&m, oof, d->ts->n, lo->procs);
    free(oof);
    mz_linmodel_free(&m);
    if (!p) return mz_fail(e, "out of memory");
    *score = macro_f1_of(p, d->y, d->ts->nscored, d->k);
    free(p);
    return 0;
}

/* Fit a head (with a C grid search when asked); returns OOF probabilities. */
int mz_fit(const mz_trainset *ts, const int *y, int k, const mz_train_args *a, const char *what,
               mz_linmodel *lm, double **prob, double *C_used, double **oof_dec, mz_err *e)
{
    mz_learnopts lo = a->learn;
    head_data hd = {ts, y, k};
    if (a->grid && mz_grid_C(what, "macro-F1", a->quiet, &lo, head_macro_f1, &hd, e) != 0) return -1;
    double *oof;
    if (!a->quiet) {
        if (lo.rbf) fprintf(stderr, "fitting %s (rbf, gamma=%g, C=%g, %d-fold CV)\n", what, lo.gamma, lo.C, lo.folds);
        else fprintf(stderr, "fitting %s (C=%g, %d-fold CV)\n", what, lo.C, lo.folds);
    }
    if (mz_fit_head(ts, y, k, &lo, lm, &oof, e) != 0) return mz_wrap(e, "%s: ", what);
    /* A pair whose out-of-fold decision values rank its classes backwards
     * gets a flat sigmoid, slope 0 (learn.c): its probability is the
     * classes' share whatever the text, in the figures and in the bundle.
     * Seen with a dozen records per class, never with the shipped corpora;
     * the warning says why the head answers less than its weights. */
    /* A pair with a class no scored record has is flat too, but not for
     * ranking backwards: its caller says why (a target lacking a class),
     * so it is counted in neither figure. */
    int has[MZ_MAX_CLASSES] = {0}, backwards = 0, pairs = 0;
    for (size_t i = 0; i < ts->nscored; i++)
        if (y[i] >= 0) has[y[i]] = 1;
    for (int i = 0, p = 0; i < k; i++)
        for (int j = i + 1; j < k; j++, p++)
            if (has[i] && has[j]) pairs++, backwards += lm->probA && lm->probA[p] == 0.0;
    if (backwards)
        fprintf(stderr,
                "mizan-train: warning: %s: %d of %d class pairs rank backwards in cross-validation, so their "
                "probabilities are flat, at the classes' shares (too few labelled records?)\n",
                what, backwards, pairs);
    *prob = mz_oof_probs(lm, oof, ts->n, lo.procs);
    if (oof_dec) *oof_dec = oof;
    else free(oof);
    *C_used = lo.C;
    if (!*prob) {
        mz_linmodel_free(lm);
        if (oof_dec) free(*oof_dec);
        return mz_fail(e, "out of memory");
    }
    return 0;
}

static cJSON *metrics_json(const mz_metrics *m, char *const *labels)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "n", (double)m->n);
    mz_add_figure(j, "accuracy", m->accuracy);
    mz_add_figure(j, "macro_f1", m->macro_f1);
    cJSON *pc = cJSON_AddObjectToObject(j, "per_class");
    for (int c = 0; c < m->k; c++) {
        cJSON *x = cJSON_AddObjectToObject(pc, labels[c]);
        mz_add_figure(x, "precision", m->precision[c]);
        mz_add_figure(x, "recall", m->recall[c]);
        mz_add_figure(x, "f1", m->f1[c]);
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
cJSON *mz_report_labels(const char *title, const int *pred, const int *y, size_t n, int k, char *const *labels,
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

/* mz_report_labels of the labels prob gives (n × k) with weights lw (NULL:
 * the most probable; predict.h mz_pick_label). */
cJSON *mz_report(const char *title, const double *prob, const double *lw, const int *y, size_t n, int k,
                     char *const *labels, int quiet, FILE *out)
{
    int *pred = malloc((n + 1) * sizeof *pred);
    if (!pred) return NULL;
    for (size_t i = 0; i < n; i++) pred[i] = mz_pick_label(prob + i * (size_t)k, lw, k);
    cJSON *j = mz_report_labels(title, pred, y, n, k, labels, quiet, out);
    free(pred);
    return j;
}

static void put_num(cJSON *o, const char *key, double v) { cJSON_AddNumberToObject(o, key, round(v * 1e4) / 1e4); }

static void put_scores(cJSON *o, char *const *names, const double *p, int k)
{
    cJSON *s = cJSON_AddObjectToObject(o, "scores");
    for (int c = 0; c < k; c++) put_num(s, names[c], p[c]);
}

cJSON **mz_records_new(const mz_collection *c, size_t n)
{
    cJSON **rec = calloc(n + 1, sizeof *rec);
    for (size_t i = 0; rec && i < n; i++) {
        if (!(rec[i] = cJSON_CreateObject())) {
            mz_records_free(rec, i);
            return NULL;
        }
        if (c->id[i]) cJSON_AddStringToObject(rec[i], "id", c->id[i]);
        else cJSON_AddNullToObject(rec[i], "id");
        cJSON_AddStringToObject(rec[i], "where", c->where[i]);
    }
    return rec;
}

void mz_records_free(cJSON **rec, size_t n)
{
    for (size_t i = 0; rec && i < n; i++) cJSON_Delete(rec[i]);
    free(rec);
}

void mz_record_class(cJSON *o, char *const *names, int k, int truth, int pred, const double *p)
{
    cJSON_AddStringToObject(o, "label", names[truth]);
    cJSON_AddStringToObject(o, "predicted", names[pred]);
    put_scores(o, names, p, k);
}

void mz_record_presence(cJSON *o, const cJSON *label, int present, const double *pp)
{
    cJSON_AddItemToObject(o, "label", label ? cJSON_Duplicate(label, 1) : cJSON_CreateNull());
    cJSON_AddBoolToObject(o, "present", present);
    cJSON_AddBoolToObject(o, "predicted_present", mz_pick_label(pp, NULL, 2) == 0);
    put_num(o, "p_present", pp[0]);
}

void mz_record_stance(cJSON *o, char *const *names, int pred, const double *ps)
{
    cJSON_AddStringToObject(o, "predicted", names[pred]);
    put_scores(o, names, ps, 3);
}

/* Unrounded: the ROC-AUC is a ranking of these, and two texts rounded to
 * one value would tie where the figure does not, so the records would no
 * longer add up to it. */
void mz_record_score(cJSON *o, double score, const double *svr)
{
    cJSON_AddNumberToObject(o, "score", score);
    if (svr) cJSON_AddNumberToObject(o, "svr", *svr);
}

void mz_record_labels(cJSON *o, const cJSON *truth, char *const *names, int k, const double *p, int primary,
                      const unsigned char *chosen)
{
    /* as they were counted: composed (mz_label_text) */
    cJSON *tl = cJSON_Duplicate(truth, 1);
    cJSON *x;
    char nb[256];
    if (cJSON_IsString(tl) && mz_label_nfc(tl->valuestring, nb, sizeof nb)) cJSON_SetValuestring(tl, nb);
    for (x = cJSON_IsArray(tl) ? tl->child : NULL; x; x = x->next)
        if (cJSON_IsString(x) && mz_label_nfc(x->valuestring, nb, sizeof nb)) cJSON_SetValuestring(x, nb);
    cJSON_AddItemToObject(o, "labels", tl);
    cJSON_AddStringToObject(o, "predicted_primary", names[primary]);
    cJSON *pl = cJSON_AddArrayToObject(o, "predicted");
    size_t rank[MZ_MAX_CLASSES];
    size_t nr = mz_multilabel_rank((size_t)k, (size_t)primary, chosen, p, rank);
    for (size_t r = 0; r < nr; r++) cJSON_AddItemToArray(pl, cJSON_CreateString(names[rank[r]]));
    put_scores(o, names, p, k);
}

int mz_records_prepare(mz_outfile *o, const char *path, cJSON **rec, size_t n, const char *what, mz_err *e)
{
    if (mz_outfile_open(o, path, e) != 0) return mz_wrap(e, "%s: ", what);
    int err = 0;
    for (size_t i = 0; i < n && !err; i++) {
        char *l = cJSON_PrintUnformatted(rec[i]);
        if (!l) {
            mz_outfile_abort(o);
            return mz_fail(e, "out of memory");
        }
        if (fputs(l, o->f) == EOF || putc('\n', o->f) == EOF) err = errno ? errno : EIO;
        cJSON_free(l);
    }
    /* a full disk is found now, before the bundle goes into place */
    if (!err && (fflush(o->f) != 0 || (o->tmp[0] && fsync(fileno(o->f)) != 0))) err = errno ? errno : EIO;
    if (err) {
        mz_outfile_abort(o);
        return mz_fail(e, "%s: %s: write failed: %s", what, path, strerror(err));
    }
    return 0;
}

int mz_write_records(const char *path, cJSON **rec, size_t n, const char *what, mz_err *e)
{
    mz_outfile o;
    if (mz_records_prepare(&o, path, rec, n, what, e) != 0) return -1;
    return mz_outfile_commit(&o, e) == 0 ? 0 : mz_wrap(e, "%s: ", what);
}

void mz_add_figure(cJSON *o, const char *key, double v)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, round(v * 1e6) / 1e6);
    else cJSON_AddNullToObject(o, key);
}

void mz_f1_labels_figure(const cJSON *report, const cJSON *names, cJSON *out, int quiet, FILE *fp)
{
    /* a label neither in the truth nor answered has a null F1 (metrics.h):
     * left out, as the plain macro-F1 leaves it out, and said */
    const cJSON *pc = cJSON_GetObjectItemCaseSensitive(report, "per_class"), *x;
    double sum = 0;
    int nf = 0;
    cJSON_ArrayForEach(x, names)
    {
        const cJSON *row = cJSON_IsString(x) ? cJSON_GetObjectItemCaseSensitive(pc, x->valuestring) : NULL;
        const cJSON *f1 = cJSON_GetObjectItemCaseSensitive(row, "f1");
        if (cJSON_IsNumber(f1)) sum += f1->valuedouble, nf++;
    }
    if (nf == 0) {
        /* rows there are, but none of them a label met: undefined, said */
        int rows = 0;
        cJSON_ArrayForEach(x, names) rows += cJSON_IsString(x) && cJSON_GetObjectItemCaseSensitive(pc, x->valuestring);
        if (!rows) return;
        mz_add_figure(out, "f1_labels_macro_f1", NAN);
        if (quiet) return;
        mz_progress_clear();
        fputs("macro-F1 over", fp);
        cJSON_ArrayForEach(x, names) if (cJSON_IsString(x)) fprintf(fp, " %s", x->valuestring);
        fputs(" (--f1-labels): undefined (none of them in the truth or answered)\n", fp);
        return;
    }
    mz_add_figure(out, "f1_labels_macro_f1", sum / nf);
    /* which listed labels the figure leaves out, for a reader of the JSON
     * as for one of the text */
    cJSON *left = NULL;
    cJSON_ArrayForEach(x, names)
    {
        const cJSON *row = cJSON_IsString(x) ? cJSON_GetObjectItemCaseSensitive(pc, x->valuestring) : NULL;
        if (row && !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(row, "f1")) &&
            (left || (left = cJSON_AddArrayToObject(out, "f1_labels_left_out"))))
            cJSON_AddItemToArray(left, cJSON_CreateString(x->valuestring));
    }
    if (quiet) return;
    mz_progress_clear();
    fputs("macro-F1 over", fp);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) fputs(" (--f1-labels", fp);
        cJSON_ArrayForEach(x, names)
        {
            const cJSON *row = cJSON_IsString(x) ? cJSON_GetObjectItemCaseSensitive(pc, x->valuestring) : NULL;
            int counted = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(row, "f1"));
            if (pass == 0 && counted) fprintf(fp, " %s", x->valuestring);
            if (pass == 1 && row && !counted) fprintf(fp, "; %s, neither in the truth nor answered, left out", x->valuestring);
        }
    }
    fprintf(fp, "): %.4f\n", sum / nf);
}

cJSON *mz_head_json(const char *name, const char *file, char *const *labels, int k)
{
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "name", name);
    cJSON_AddStringToObject(h, "file", file);
    cJSON *l = cJSON_AddArrayToObject(h, "labels");
    for (int c = 0; c < k; c++) cJSON_AddItemToArray(l, cJSON_CreateString(labels[c]));
    return h;
}

void mz_model_text_init(mz_model_text *m, const mz_linmodel *lm)
{
    memset(m, 0, sizeof *m);
    m->lm = lm;
}

void mz_model_text_format(void *arg)
{
    mz_model_text *m = arg;
    if (m->done) return;
    m->rc = mz_svmfile_write(m->lm, &m->txt, &m->len, &m->e);
    m->done = 1;
}

int mz_model_text_add(mz_model_text *m, mz_bundle_writer *w, const char *file, mz_err *e)
{
    mz_model_text_format(m);
    int rc = m->rc != 0 ? (*e = m->e, -1) : mz_bundle_add(w, file, m->txt, m->len, e);
    mz_model_text_drop(m);
    return rc;
}

void mz_model_text_drop(mz_model_text *m)
{
    free(m->txt);
    m->txt = NULL;
}

int mz_add_model(mz_bundle_writer *w, const char *file, const mz_linmodel *lm, mz_err *e)
{
    mz_model_text m;
    mz_model_text_init(&m, lm);
    return mz_model_text_add(&m, w, file, e);
}

/* Stance and target heads: their classes are very unequal (see the
 * codebook's counts, or Mawqif's), so a2 is balanced unless the command
 * chose; the manifest records what the heads are fitted with. */
void mz_heads_balanced(const mz_train_args *a, mz_train_args *a2, cJSON *solver)
{
    if (!a->class_weight_given) a2->learn.balanced = 1;
    cJSON_ReplaceItemInObject(solver, "class_weight", cJSON_CreateString(a2->learn.balanced ? "balanced" : "none"));
}
