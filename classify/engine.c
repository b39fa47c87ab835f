/* engine.c — see engine.h. */
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"
#include "fsutil.h"
#include "parallel.h"
#include "utf8.h"

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Load bundle slot i of m from dir (slots are preallocated, so bundles
 * can load in parallel). */
static int load_one(mz_models *m, size_t i, const char *dir, mz_err *e)
{
    if (mz_bundle_load(&m->b[i], dir, e) != 0) return -1;
    mz_bundle *b = &m->b[i];
    /* the loader admits these four kinds only */
    m->group[i] = !strcmp(b->kind, "multiclass")   ? MZ_GROUP_MULTICLASS
                  : !strcmp(b->kind, "multilabel") ? MZ_GROUP_MULTILABEL
                  : !strcmp(b->kind, "stance")     ? MZ_GROUP_STANCE
                                                   : MZ_GROUP_TARGET;
    if (m->group[i] == MZ_GROUP_STANCE && mz_bundle_lexicon(b, &m->tg[i], e) != 0) return -1;
    return 0;
}

typedef struct loadjob {
    mz_models *m;
    char **path;
    mz_err *err; /* per bundle, so the first failure in name order is the one reported */
    int *rc;
} loadjob;

static int load_item(void *arg, int wk, size_t i, mz_err *e)
{
    (void)wk, (void)e;
    loadjob *j = arg;
    j->rc[i] = load_one(j->m, i, j->path[i], &j->err[i]);
    return 0;
}

#define MAX_BUNDLES 256

/* 1 when folder p holds a file named as mizan-train names a bundle's
 * vocabulary, heads or semantic block. */
static int holds_bundle_files(const char *p)
{
    DIR *d = opendir(p);
    if (!d) return 0;
    const struct dirent *de;
    int found = 0;
    /* a vocabulary or a head is a bundle's alone; a lexicon or a stopword
     * list may be a user's own, kept beside the bundles */
    while (!found && (de = readdir(d)))
        found = mz_bundle_file_name(de->d_name) && strcmp(de->d_name, "targets.json") &&
                strcmp(de->d_name, "stopwords.txt");
    closedir(d);
    return found;
}

/* The bundle directories of dir (itself, or its subdirectories holding a
 * manifest, in name order) appended to names[*nn..MAX_BUNDLES). */
static int bundle_dirs(const char *dir, char **names, size_t *nn, mz_err *e)
{
    char p[4096];
    struct stat st;
    if (stat(dir, &st) != 0)
        return mz_fail(e, errno == ENOENT ? "%s: models directory not found" : "%s: cannot open: %m", dir);
    if (!S_ISDIR(st.st_mode)) return mz_fail(e, "%s: not a folder (--models names a bundle or a folder of them)", dir);
    if (mz_path_join(p, sizeof p, dir, "manifest.json", e) != 0) return -1;
    size_t first = *nn;
    if (stat(p, &st) == 0) {
        if (*nn == MAX_BUNDLES) return mz_fail(e, "%s: more than %d model bundles", dir, MAX_BUNDLES);
        if (!(names[*nn] = strdup(dir))) return mz_fail(e, "out of memory");
        (*nn)++;
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d) return mz_fail(e, "%s: cannot open: %m", dir);
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char mf[4096];
        if (mz_path_join(p, sizeof p, dir, de->d_name, e) != 0 ||
            mz_path_join(mf, sizeof mf, p, "manifest.json", e) != 0) {
            rc = -1; /* a name too long to open might be a bundle's: not skipped unsaid */
            break;
        }
        if (stat(mf, &st) != 0) {
            int err = errno;
            if (err == ENOTDIR) continue; /* a file beside the bundles (a lexicon, a stopword list) */
            /* a subfolder without a manifest is not a bundle, unless it
             * holds one by its name (a dangling link) or a bundle's files:
             * one that lost its manifest, or cannot be looked into, is an
             * error rather than a bundle skipped unsaid */
            if (err != ENOENT || lstat(mf, &st) == 0) {
                errno = err;
                rc = mz_fail(e, "%s: cannot open: %m", mf);
            } else if (stat(p, &st) != 0) {
                /* a link to a bundle on a share not mounted */
                rc = mz_fail(e, "%s: cannot be reached (a link to something missing?): %m", p);
            } else if (holds_bundle_files(p)) {
                rc = mz_fail(e, "%s: a bundle's files without manifest.json", p);
            }
            continue;
        }
        if (*nn == MAX_BUNDLES) rc = mz_fail(e, "%s: more than %d model bundles", dir, MAX_BUNDLES);
        else if (!(names[*nn] = strdup(p))) rc = mz_fail(e, "out of memory");
        else (*nn)++;
    }
    closedir(d);
    if (rc == 0 && *nn == first) rc = mz_fail(e, "%s: no model bundles (directories with manifest.json)", dir);
    qsort(names + first, *nn - first, sizeof *names, cmp_str);
    return rc;
}

const char *mz_models_answer_key(const mz_models *m, size_t i)
{
    return m->group[i] == MZ_GROUP_STANCE ? m->b[i].target : m->b[i].name;
}

/* The keys an article's record holds itself. */
static int own_key(const char *key)
{
    static const char *const own[] = {"id", "stance", "truncated", "error"};
    for (size_t k = 0; k < sizeof own / sizeof *own; k++)
        if (!strcmp(key, own[k])) return 1;
    return 0;
}

int mz_models_key_taken(const mz_models *m, const char *key)
{
    if (own_key(key)) return 1;
    for (size_t i = 0; i < m->n; i++)
        if (m->group[i] != MZ_GROUP_STANCE && !strcmp(key, mz_models_answer_key(m, i))) return 1;
    return 0;
}

static int check_keys(const mz_models *m, char *const *dir, mz_err *e)
{
    for (size_t i = 0; i < m->n; i++) {
        int top = m->group[i] != MZ_GROUP_STANCE;
        if (top && own_key(mz_models_answer_key(m, i)))
            return mz_fail(e, "%s: its name \"%s\" is a key of the output record itself; retrain it with another --name",
                           dir[i], mz_models_answer_key(m, i));
        for (size_t j = 0; j < i; j++) {
            if ((m->group[j] != MZ_GROUP_STANCE) != top || strcmp(mz_models_answer_key(m, i), mz_models_answer_key(m, j))) continue;
            if (!strcmp(dir[i], dir[j])) return mz_fail(e, "%s: the same bundle given twice", dir[i]);
            return mz_fail(e, "%s: answers %s\"%s\" as %s does; an article's record holds one answer per key%s", dir[i],
                           top ? "" : "the stance toward ", mz_models_answer_key(m, i), dir[j],
                           top ? " (retrain one with another --name)" : "");
        }
    }
    return 0;
}

/* The largest group of bundles whose vocabularies fit one of them (all
 * four shipped ones; the first such group on a tie, so that a first bundle
 * sharing with none leaves the others theirs) look an article's terms up
 * once for all of them: with every bundle, those lookups had been a fifth
 * of the classifier's time, done once per bundle. */
static int share_lookups(mz_models *m, mz_err *e)
{
    const mz_vocab **v = calloc(m->n + 1, sizeof *v);
    if (!(m->member = calloc(m->n + 1, sizeof *m->member)) || !v) {
        free(v);
        return mz_fail(e, "out of memory");
    }
    size_t best = 0, most = 0;
    for (size_t a = 0; a < m->n; a++) {
        size_t k = 0;
        for (size_t i = 0; i < m->n; i++) k += mz_vocab_union_fits(&m->b[a].vocab, &m->b[i].vocab);
        if (k > most) most = k, best = a;
    }
    size_t nv = 0;
    for (size_t i = 0; i < m->n; i++) {
        const mz_vocab *x = &m->b[i].vocab;
        m->member[i] = most >= 2 && mz_vocab_union_fits(&m->b[best].vocab, x) ? (int)nv : -1;
        if (m->member[i] >= 0) v[nv++] = x;
    }
    int rc = nv >= 2 && !(m->un = mz_vocab_union_new(v, nv, e)) ? -1 : 0; /* a failed load is freed whole */
    free(v);
    return rc;
}

int mz_models_load(mz_models *m, const char *const *dirs, size_t ndirs, mz_err *e)
{
    memset(m, 0, sizeof *m);
    char *names[MAX_BUNDLES];
    size_t nn = 0;
    int rc = 0;
    for (size_t d = 0; rc == 0 && d < ndirs; d++) rc = bundle_dirs(dirs[d], names, &nn, e);
    if (rc == 0 && nn == 0) rc = mz_fail(e, "no model bundles given");
    m->b = calloc(nn + 1, sizeof *m->b);
    m->tg = calloc(nn + 1, sizeof *m->tg);
    m->group = calloc(nn + 1, sizeof *m->group);
    mz_err *errs = calloc(nn + 1, sizeof *errs);
    int *rcs = calloc(nn + 1, sizeof *rcs);
    if (rc == 0 && (!m->b || !m->tg || !m->group || !errs || !rcs)) rc = mz_fail(e, "out of memory");
    if (rc == 0) {
        /* Bundles load in parallel: each is digested and parsed from its
         * own bytes, with nothing shared (mizan never calls libsvm's
         * non-reentrant loader). */
        m->n = nn;
        loadjob j = {m, names, errs, rcs};
        int threads = mz_ncpu();
        if (mz_parallel_for(nn, threads < (int)nn ? threads : (int)nn, load_item, &j, e) != 0) rc = -1;
        for (size_t i = 0; rc == 0 && i < nn; i++)
            if (rcs[i] != 0) {
                *e = errs[i];
                rc = -1;
            }
        if (rc == 0) rc = check_keys(m, names, e);
        /* one field per record names its source, whichever bundle reads it */
        const mz_bundle *first = NULL;
        for (size_t i = 0; rc == 0 && i < m->n; i++) {
            const mz_bundle *b = &m->b[i];
            if (!b->nsource) continue;
            if (!first) first = b, m->source_field = b->source_field;
            else if (strcmp(first->source_field, b->source_field))
                rc = mz_fail(e, "%s and %s read an article's source from different fields (\"%s\", \"%s\")", first->dir,
                             b->dir, first->source_field, b->source_field);
        }
    }
    if (rc == 0) rc = share_lookups(m, e);
    for (size_t i = 0; i < nn; i++) free(names[i]);
    free(errs);
    free(rcs);
    if (rc != 0) mz_models_free(m);
    return rc;
}

int mz_models_fields(const mz_models *m, const char *const given[3], const char *out[3], mz_err *e)
{
    static const char *const key[3] = {"id", "text", "title"};
    for (int k = 0; k < 3; k++) {
        out[k] = given[k];
        const mz_bundle *first = NULL;
        for (size_t i = 0; !given[k] && i < m->n; i++) {
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(m->b[i].manifest, "fields");
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, key[k]);
            /* a null title: the bundle was trained without one, as evaluate reads it */
            const char *name = cJSON_IsString(v) && *v->valuestring ? v->valuestring
                               : k == 2 && cJSON_IsNull(v)           ? NULL
                                                                     : key[k];
            if (!first) first = &m->b[i], out[k] = name;
            else if (out[k] != name && (!out[k] || !name || strcmp(out[k], name)))
                return mz_fail(e, "%s and %s were trained to read an article's %s from different fields (\"%s\", \"%s\"): "
                                  "say which with --%s-field",
                               first->dir, m->b[i].dir, key[k], out[k] ? out[k] : "(none)", name ? name : "(none)", key[k]);
        }
        if (!out[k] && !first) out[k] = key[k];
    }
    return 0;
}

int mz_models_target_field(const mz_models *m, const char *given, const char **out, mz_err *e)
{
    *out = given;
    for (size_t i = 0; !given && i < m->n; i++) {
        if (m->group[i] != MZ_GROUP_TARGET) continue;
        const cJSON *tf = cJSON_GetObjectItemCaseSensitive(m->b[i].manifest, "target_field");
        const char *f = cJSON_IsString(tf) && *tf->valuestring ? tf->valuestring : "target";
        if (!*out) *out = f;
        else if (strcmp(*out, f))
            return mz_fail(e, "target bundles were trained to read the target from different fields (\"%s\", \"%s\"): "
                              "say which with --target-field",
                           *out, f);
    }
    if (!*out) *out = "target";
    return 0;
}

void mz_models_free(mz_models *m)
{
    for (size_t i = 0; i < m->n; i++) {
        mz_bundle_free(&m->b[i]);
        mz_targets_free(&m->tg[i]);
    }
    free(m->b);
    free(m->tg);
    free(m->group);
    mz_vocab_union_free(m->un);
    free(m->member);
    memset(m, 0, sizeof *m);
}

int mz_worker_init(mz_worker *w, const mz_models *m, const mz_copts *o, mz_err *e)
{
    memset(w, 0, sizeof *w);
    w->m = m;
    w->o = o;
    mz_doc_init(&w->doc);
    w->doc.max_tokens = o->max_tokens;
    if (mz_lexicon_init(&w->lex, 1u << 17) != 0) return mz_fail(e, "out of memory");
    w->doc.lex = &w->lex;
    w->pred = calloc(m->n + 1, sizeof *w->pred);
    w->match = calloc(m->n + 1, sizeof *w->match);
    if (!w->pred || !w->match) return mz_fail(e, "out of memory");
    if (!(w->nz = mz_normalizer_new(e))) return -1;
    if (m->un && !(w->ud = mz_unidoc_new(m->un, e))) return -1;
    for (size_t i = 0; i < m->n; i++) {
        if (!(w->pred[i] = mz_predictor_new(&m->b[i], e))) return -1;
        if (m->group[i] == MZ_GROUP_STANCE) {
            if (!(w->match[i] = mz_matcher_new(mz_targets_find(&m->tg[i], m->b[i].target), e))) return -1;
            if (mz_matcher_set_cues(w->match[i], mz_targets_find(&m->tg[i], "@critical"),
                                    mz_targets_find(&m->tg[i], "@favourable"), e) != 0)
                return -1;
        }
    }
    return 0;
}

void mz_worker_free(mz_worker *w)
{
    if (w->pred)
        for (size_t i = 0; i < w->m->n; i++) mz_predictor_free(w->pred[i]);
    if (w->match)
        for (size_t i = 0; i < w->m->n; i++) mz_matcher_free(w->match[i]);
    free(w->pred);
    free(w->match);
    mz_unidoc_free(w->ud);
    mz_normalizer_free(w->nz);
    mz_doc_free(&w->doc);
    mz_lexicon_free(&w->lex);
    free(w->hit);
    free(w->ctx);
    mz_buf_free(&w->out);
}

/* The kept cells of a TSV row, empty ones for a record that has none (a
 * file, a line that is not JSON), so every row has the header's columns. */
static void tsv_kept(mz_buf *b, const char *kept, const mz_copts *o)
{
    if (kept) mz_buf_puts(b, kept);
    else
        for (size_t k = 0; k < o->tsv_kept; k++) mz_buf_puts(b, "\t");
}

/* The id member's value: a number as written, else a string (or null). */
static void json_id(mz_buf *b, const char *id, int id_number)
{
    if (!id) mz_buf_puts(b, "null");
    else if (id_number) mz_buf_puts(b, id);
    else mz_buf_json_str(b, id, strlen(id));
}

void mz_error_record(mz_buf *b, const char *id, int id_number, const char *kept, const char *msg, const mz_copts *o)
{
    if (o->text_format) {
        /* a person's terminal: no control character from the input */
        mz_buf_puts(b, "== ");
        mz_buf_tsv_cell(b, id ? id : "(no id)", strlen(id ? id : "(no id)"));
        mz_buf_puts(b, "\nerror: ");
        mz_buf_tsv_cell(b, msg, strlen(msg));
        mz_buf_puts(b, "\n\n");
        return;
    }
    if (o->tsv) {
        size_t row = b->n;
        if (id) mz_buf_tsv_cell(b, id, strlen(id));
        tsv_kept(b, kept, o);
        for (size_t c = 0; c < o->tsv_cols + 2; c++) mz_buf_puts(b, "\t"); /* the bundles' cells, truncated */
        mz_buf_tsv_cell(b, msg, strlen(msg));
        mz_buf_puts(b, "\n");
        mz_buf_tsv_quote_row(b, row);
        return;
    }
    mz_buf_puts(b, "{\"id\": ");
    json_id(b, id, id_number);
    if (kept) mz_buf_puts(b, kept);
    mz_buf_puts(b, ", \"error\": ");
    mz_buf_json_str(b, msg, strlen(msg));
    mz_buf_puts(b, "}\n");
}

/* A header cell: prefix, then suffix joined by '_'. */
static void col(mz_buf *b, const char *prefix, const char *suffix)
{
    mz_buf_puts(b, "\t");
    mz_buf_tsv_cell(b, prefix, strlen(prefix));
    if (suffix) {
        mz_buf_puts(b, "_");
        mz_buf_puts(b, suffix);
    }
}

size_t mz_models_tsv_header(const mz_models *m, char *const *keep, int nkeep, mz_buf *b)
{
    size_t n = 0;
    mz_buf_puts(b, "id");
    for (int k = 0; k < nkeep; k++) col(b, keep[k], NULL);
    for (int pass = 0; pass < MZ_NGROUPS; pass++)
        for (size_t i = 0; i < m->n; i++) {
            if (m->group[i] != pass) continue;
            const char *name = mz_models_answer_key(m, i);
            if (pass == MZ_GROUP_MULTICLASS) {
                col(b, name, NULL), col(b, name, "confidence");
                /* the source whose head answered, empty where the plain one did */
                if (m->b[i].nsource) col(b, name, "source"), n++;
                col(b, name, "evidence");
                n += 3;
            } else if (pass == MZ_GROUP_MULTILABEL) {
                col(b, name, "primary"), col(b, name, NULL);
                n += 2;
            } else if (pass == MZ_GROUP_STANCE) {
                static const char *const sc[] = {"present", "mentions", "label", "score", "evidence"};
                for (size_t c = 0; c < 5; c++) col(b, name, sc[c]);
                n += 5;
            } else {
                col(b, name, "target"), col(b, name, NULL), col(b, name, "confidence"), col(b, name, "evidence");
                n += 4;
            }
        }
    mz_buf_puts(b, "\ttruncated\terror\n");
    return n;
}

/* ------------------------------------------------------------- output */

/* Evidence terms as one TSV cell, comma-separated. */
static void evidence_tsv(mz_buf *b, const mz_evidence *ev, size_t n)
{
    mz_buf_puts(b, "\t");
    for (size_t i = 0; i < n; i++) {
        if (i) mz_buf_puts(b, ", ");
        mz_buf_tsv_cell(b, ev[i].term, strlen(ev[i].term));
    }
}

static void evidence_json(mz_buf *b, const mz_evidence *ev, size_t n)
{
    mz_buf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        mz_buf_puts(b, i ? ", {\"term\": " : "{\"term\": ");
        mz_buf_json_str(b, ev[i].term, strlen(ev[i].term));
        mz_buf_puts(b, ", \"weight\": ");
        mz_buf_num(b, ev[i].weight, 4);
        mz_buf_puts(b, "}");
    }
    mz_buf_puts(b, "]");
}

/* "scores": {label: p, ...} of one head. */
static void scores_json(mz_buf *o, const mz_head *h, const mz_head_result *r)
{
    mz_buf_puts(o, "\"scores\": {");
    for (int c = 0; c < h->nclass; c++) {
        if (c) mz_buf_puts(o, ", ");
        mz_buf_json_str(o, h->labels[c], strlen(h->labels[c]));
        mz_buf_puts(o, ": ");
        mz_buf_num(o, r->prob[c], 4);
    }
    mz_buf_puts(o, "}");
}

/* "label": ..., "confidence": ..., "scores": {...} of one head. */
static void label_json(mz_buf *o, const mz_head *h, const mz_head_result *r)
{
    mz_buf_puts(o, "\"label\": ");
    mz_buf_json_str(o, h->labels[r->label], strlen(h->labels[r->label]));
    mz_buf_puts(o, ", \"confidence\": ");
    mz_buf_num(o, r->prob[r->label], 4);
    mz_buf_puts(o, ", ");
    scores_json(o, h, r);
}

/* A head's two TSV cells: its label and that label's probability. */
static void tsv_label(mz_buf *o, const char *label, double prob)
{
    mz_buf_puts(o, "\t");
    mz_buf_tsv_cell(o, label, strlen(label));
    mz_buf_puts(o, "\t");
    mz_buf_num(o, prob, 4);
}

static void bar(mz_buf *b, double v, int width)
{
    int k = (int)lround(v * width);
    mz_buf_puts(b, "[");
    for (int i = 0; i < width; i++) mz_buf_puts(b, i < k ? "#" : ".");
    mz_buf_puts(b, "]");
}

static void terms_text(mz_buf *b, const mz_evidence *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mz_buf_puts(b, i ? ", " : "  words: ");
        mz_buf_puts(b, ev[i].term);
    }
}

static void multiclass_out(mz_worker *w, size_t bi, int first)
{
    const mz_bundle *b = &w->m->b[bi];
    const mz_head *h = mz_bundle_head((mz_bundle *)b, b->name);
    if (!h) h = &b->heads[0];
    mz_predictor *p = w->pred[bi];
    mz_head_result r;
    /* an article of a source the bundle knows gets that source's head */
    int src = mz_bundle_source(b, w->source);
    if (src >= 0) h = &b->source_heads[src];
    if (mz_predict_aux(p) != 0) w->out.oom = 1;
    mz_predict_head(p, h, &r);
    mz_evidence ev[64];
    size_t k = w->o->explain > 64 ? 64 : w->o->explain;
    size_t nev = k ? mz_head_evidence(p, h, r.label, k, 0, ev) : 0;
    mz_buf *o = &w->out;
    if (w->o->text_format) {
        mz_buf_cell(o, b->name, 8, 0, 0);
        mz_buf_printf(o, " %s ", h->labels[r.label]);
        bar(o, r.prob[r.label], 10);
        mz_buf_printf(o, " %.2f", r.prob[r.label]);
        if (src >= 0) mz_buf_printf(o, "  (as %s)", b->source_values[src]);
        terms_text(o, ev, nev);
        mz_buf_puts(o, "\n");
        return;
    }
    if (w->o->tsv) {
        tsv_label(o, h->labels[r.label], r.prob[r.label]);
        if (b->nsource) {
            mz_buf_puts(o, "\t");
            if (src >= 0) mz_buf_tsv_cell(o, b->source_values[src], strlen(b->source_values[src]));
        }
        evidence_tsv(o, ev, nev);
        return;
    }
    mz_buf_puts(o, first ? "" : ", ");
    mz_buf_json_str(o, b->name, strlen(b->name));
    mz_buf_puts(o, ": {");
    label_json(o, h, &r);
    if (src >= 0) {
        mz_buf_puts(o, ", \"source\": ");
        mz_buf_json_str(o, b->source_values[src], strlen(b->source_values[src]));
    }
    mz_buf_puts(o, ", \"evidence\": ");
    evidence_json(o, ev, nev);
    mz_buf_puts(o, "}");
}

/* The labels chosen, primary first, separated by ", ", each written by put
 * (a JSON string or a TSV cell). */
static void chosen_frames(mz_buf *o, const mz_bundle *b, const size_t *rank, size_t n,
                          void (*put)(mz_buf *, const char *, size_t))
{
    for (size_t r = 0; r < n; r++) {
        if (r) mz_buf_puts(o, ", ");
        put(o, b->heads[rank[r]].name, strlen(b->heads[rank[r]].name));
    }
}

static void multilabel_out(mz_worker *w, size_t bi, int first)
{
    const mz_bundle *b = &w->m->b[bi];
    mz_predictor *p = w->pred[bi];
    double P[256] = {0}, dec[256] = {0}, thr[256] = {0}, PM[MZ_MAX_CLASSES] = {0};
    double pdec[MZ_MAX_CLASSES * (MZ_MAX_CLASSES - 1) / 2];
    unsigned char on[256];
    size_t nh = b->nheads > 256 ? 256 : b->nheads;
    mz_bundle_multilabel_decision(b, &p->x, dec);
    for (size_t i = 0; i < nh; i++) {
        double pr[2];
        mz_linmodel_probability(&b->heads[i].lm, &dec[i], pr);
        P[i] = pr[0];
        thr[i] = b->heads[i].threshold;
    }
    /* the bundle loader admits a primary head only with one class per head */
    if (b->primary.nclass) {
        mz_linmodel_decision(&b->primary, &p->x, pdec);
        mz_linmodel_probability(&b->primary, pdec, PM);
    }
    size_t best = (size_t)mz_multilabel_select(nh, P, b->primary.nclass ? PM : NULL, b->primary_weight, thr,
                                               b->max_labels, on);
    mz_buf *o = &w->out;
    size_t rank[256];
    size_t nr = mz_multilabel_rank(nh, best, on, P, rank);
    if (w->o->text_format) {
        mz_buf_cell(o, b->name, 8, 0, 0);
        for (size_t r = 0; r < nr; r++)
            mz_buf_printf(o, "%s %s %.2f", r ? "," : "", b->heads[rank[r]].name, P[rank[r]]);
        mz_buf_puts(o, "\n");
        return;
    }
    if (w->o->tsv) {
        mz_buf_puts(o, "\t");
        mz_buf_tsv_cell(o, b->heads[best].name, strlen(b->heads[best].name));
        mz_buf_puts(o, "\t");
        chosen_frames(o, b, rank, nr, mz_buf_tsv_cell);
        return;
    }
    mz_buf_puts(o, first ? "" : ", ");
    mz_buf_json_str(o, b->name, strlen(b->name));
    mz_buf_puts(o, ": {\"primary\": ");
    mz_buf_json_str(o, b->heads[best].name, strlen(b->heads[best].name));
    mz_buf_puts(o, ", \"labels\": [");
    chosen_frames(o, b, rank, nr, mz_buf_json_str);
    mz_buf_puts(o, "], \"scores\": {");
    for (size_t i = 0; i < nh; i++) {
        if (i) mz_buf_puts(o, ", ");
        mz_buf_json_str(o, b->heads[i].name, strlen(b->heads[i].name));
        mz_buf_puts(o, ": ");
        mz_buf_num(o, P[i], 4);
    }
    mz_buf_puts(o, "}}");
}

/* Stance of one target; `text`/`title` are the original article for the
 * sentences shown.  mentions < 0 means the target was not looked for. */
static void stance_out(mz_worker *w, size_t bi, long mentions, const char *title, const char *text, int first)
{
    const mz_bundle *b = &w->m->b[bi];
    mz_predictor *p = w->pred[bi];
    const mz_head *hp = mz_bundle_head((mz_bundle *)b, "presence");
    const mz_head *hs = mz_bundle_head((mz_bundle *)b, "stance");
    mz_head_result rp, rs;
    int present = 0;
    double score = 0, svr = 0;
    mz_evidence ev[64];
    size_t nev = 0, k = w->o->explain > 64 ? 64 : w->o->explain;
    if (mentions > 0) {
        mz_predict_head(p, hp, &rp);
        present = rp.label == 0;
    }
    if (present) {
        mz_predict_head(p, hs, &rs);
        rs.label = mz_stance_label(rs.prob, hs->tcrit, hs->tfav);
        if (b->svr.svr) {
            mz_linmodel_decision(&b->svr, &p->x, &svr);
        }
        /* classes: 0 critical, 1 neutral, 2 favourable */
        score = mz_stance_score(b->score, rs.prob, svr);
        /* signed evidence: toward critical (weights negated) when the
         * score is negative as written, to 4 places: a score of -0.00003
         * is written 0.0000, and a reader would not expect critical's
         * words, negative, beside it */
        int critical_side = round(score * 1e4) < 0;
        nev = k ? mz_head_evidence(p, hs, critical_side ? 0 : 2, k, 0, ev) : 0;
        if (critical_side)
            for (size_t i = 0; i < nev; i++) ev[i].weight = -ev[i].weight;
    }
    mz_buf *o = &w->out;
    const char *label = present ? hs->labels[rs.label] : NULL;
    if (w->o->text_format) {
        mz_buf_cell(o, b->target, 8, 0, 0);
        mz_buf_puts(o, " ");
        if (!present) {
            mz_buf_printf(o, "%s (%ld mention%s)\n", mentions > 0 ? "named only" : "absent", mentions < 0 ? 0 : mentions,
                          mentions == 1 ? "" : "s");
            return;
        }
        mz_buf_printf(o, "%-10s %+.2f  critical ", label, score);
        int pos = (int)lround((score + 1) / 2 * 20);
        mz_buf_puts(o, "[");
        for (int i = 0; i <= 20; i++) mz_buf_puts(o, i == pos ? "|" : (i == 10 ? "+" : "-"));
        mz_buf_puts(o, "] favourable");
        terms_text(o, ev, nev);
        mz_buf_printf(o, "  (%ld mention%s)\n", mentions, mentions == 1 ? "" : "s");
        return;
    }
    if (w->o->tsv) {
        mz_buf_printf(o, "\t%s\t%ld\t", present ? "true" : "false", mentions < 0 ? 0 : mentions);
        if (label) mz_buf_tsv_cell(o, label, strlen(label));
        mz_buf_puts(o, "\t");
        mz_buf_num(o, score, 4);
        evidence_tsv(o, ev, nev);
        return;
    }
    mz_buf_puts(o, first ? "" : ", ");
    mz_buf_json_str(o, b->target, strlen(b->target));
    mz_buf_printf(o, ": {\"present\": %s, \"mentions\": %ld, \"label\": ", present ? "true" : "false",
                  mentions < 0 ? 0 : mentions);
    if (label) mz_buf_json_str(o, label, strlen(label));
    else mz_buf_puts(o, "null");
    mz_buf_puts(o, ", \"score\": ");
    mz_buf_num(o, score, 4);
    if (present) {
        mz_buf_puts(o, ", ");
        scores_json(o, hs, &rs);
        /* the SVR's own prediction on the annotators' −2..2 scale */
        if (b->svr.svr) {
            mz_buf_puts(o, ", \"svr\": ");
            mz_buf_num(o, svr, 4);
        }
    }
    mz_buf_puts(o, ", \"evidence\": ");
    evidence_json(o, ev, nev);
    mz_buf_puts(o, ", \"sentences\": [");
    int ns = 0;
    for (size_t s = 0; mentions > 0 && s < w->doc.nsent && ns < 5; s++) {
        if (!w->hit[s]) continue;
        const char *src = w->doc.sent[s].in_title ? title : text;
        mz_buf_puts(o, ns++ ? ", " : "");
        mz_buf_json_str(o, src + w->doc.sent[s].start, w->doc.sent[s].end - w->doc.sent[s].start);
    }
    mz_buf_puts(o, "]}");
}

static int ensure_sent(mz_worker *w)
{
    if (w->doc.nsent <= w->scap) return 0;
    size_t nc = w->doc.nsent * 2;
    uint8_t *h = realloc(w->hit, nc);
    if (!h) return -1;
    w->hit = h;
    uint8_t *c = realloc(w->ctx, nc);
    if (!c) return -1;
    w->ctx = c;
    w->scap = nc;
    return 0;
}

/* Bytes of s to show at most max of, ending before a character, not in
 * one. */
static int utf8_cut(const char *s, size_t max)
{
    size_t l = strlen(s);
    if (l <= max) return (int)l;
    while (max && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return (int)max;
}

/* Why a target bundle cannot answer the record's target (NULL: it can),
 * naming the targets it knows, into msg. */
static const char *target_problem(const mz_bundle *b, const char *target, const char *target_json,
                                  const mz_head *h, const char *field, char *msg, size_t n)
{
    if (h) return NULL;
    size_t k = target        ? (size_t)snprintf(msg, n, "%s: unknown target \"%s\" (it knows ", b->name, target)
               : target_json ? (size_t)snprintf(msg, n, "%s: the record's field \"%s\" gives the target as %.*s, not as "
                                                        "a string (it knows ",
                                                b->name, field, utf8_cut(target_json, 80), target_json)
                             : (size_t)snprintf(msg, n, "%s: no target given (a string in the record's field \"%s\"; it knows ",
                                                b->name, field);
    for (size_t i = 0, first = 1; i < b->nheads && k < n; i++) {
        if (&b->heads[i] == b->aux) continue;
        k += (size_t)snprintf(msg + k, n - k, "%s\"%s\"", first ? "" : ", ", b->heads[i].name);
        first = 0;
    }
    if (k < n) snprintf(msg + k, n - k, ")");
    for (char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20) *c = '?';
    return msg;
}

/* Generic target stance: the head named after the record's target.
 * Returns 1 when the bundle cannot answer it (said in place, and in
 * w->errmsg for the caller to count), else 0. */
static int target_out(mz_worker *w, size_t bi, const char *target)
{
    mz_bundle *b = (mz_bundle *)&w->m->b[bi];
    mz_buf *o = &w->out;
    const mz_head *h = mz_bundle_target_head(b, target);
    /* answered under the head's name, so that every spelling of one target
     * is one target in the answer, the spreadsheet and the summary */
    if (h) target = h->name;
    char why[MZ_ERR_MAX];
    /* a target given as a number is a target no head is named by */
    const char *tj = target ? NULL : w->target_json;
    if (target_problem(b, target, tj, h, w->o->target_field ? w->o->target_field : "target", why, sizeof why))
        snprintf(w->errmsg, sizeof w->errmsg, "%s", why);
    if (w->o->text_format) {
        if (!h) {
            mz_buf_cell(o, b->name, 8, 0, 0);
            mz_buf_printf(o, " %s\n", target || tj ? "unknown target" : "no target given");
            return 1;
        }
    } else if (w->o->tsv) {
        /* the label cell says, in brackets, what "error" says in JSON */
        mz_buf_puts(o, "\t");
        if (target || tj) mz_buf_tsv_cell(o, target ? target : tj, strlen(target ? target : tj));
        if (!h) {
            mz_buf_puts(o, target || tj ? "\t(unknown target)\t\t" : "\t(no target given)\t\t");
            return 1;
        }
    } else {
        mz_buf_puts(o, ", ");
        mz_buf_json_str(o, b->name, strlen(b->name));
        mz_buf_puts(o, ": {\"target\": ");
        if (target) mz_buf_json_str(o, target, strlen(target));
        else if (tj) mz_buf_json_raw(o, tj, strlen(tj));
        else mz_buf_puts(o, "null");
        if (!h) {
            mz_buf_puts(o, ", \"error\": ");
            mz_buf_json_str(o, why, strlen(why));
            mz_buf_puts(o, "}");
            return 1;
        }
    }
    mz_head_result r;
    if (mz_predict_aux(w->pred[bi]) != 0) w->out.oom = 1;
    mz_predict_head(w->pred[bi], h, &r);
    mz_evidence ev[64];
    size_t k = w->o->explain > 64 ? 64 : w->o->explain;
    size_t nev = k ? mz_head_evidence(w->pred[bi], h, r.label, k, 0, ev) : 0;
    if (w->o->text_format) {
        mz_buf_cell(o, b->name, 8, 0, 0);
        mz_buf_puts(o, " ");
        mz_buf_tsv_cell(o, target, strlen(target));
        mz_buf_printf(o, ": %s %.2f", h->labels[r.label], r.prob[r.label]);
        terms_text(o, ev, nev);
        mz_buf_puts(o, "\n");
        return 0;
    }
    if (w->o->tsv) {
        tsv_label(o, h->labels[r.label], r.prob[r.label]);
        evidence_tsv(o, ev, nev);
        return 0;
    }
    mz_buf_puts(o, ", ");
    label_json(o, h, &r);
    mz_buf_puts(o, ", \"evidence\": ");
    evidence_json(o, ev, nev);
    mz_buf_puts(o, "}");
    return 0;
}

/* The record's message for stderr, led by its file:line when it came
 * from a stream (and msg does not say it already). */
static void set_errmsg(mz_worker *w, const char *msg)
{
    char m[MZ_ERR_MAX], where[MZ_ERR_MAX];
    snprintf(m, sizeof m, "%s", msg); /* msg may be w->errmsg itself */
    int wl = w->stream ? snprintf(where, sizeof where, "%s:%zu", w->stream, w->line) : 0;
    if (wl >= (int)sizeof where) wl = (int)sizeof where - 1; /* cut, as m is */
    size_t k = 0;
    if (wl > 0 && !(strncmp(m, where, (size_t)wl) == 0 && m[wl] == ':')) {
        int n = snprintf(w->errmsg, sizeof w->errmsg, "%s: ", where);
        k = n < 0 ? 0 : (size_t)n < sizeof w->errmsg ? (size_t)n : sizeof w->errmsg - 1;
    }
    snprintf(w->errmsg + k, sizeof w->errmsg - k, "%s", m);
}

/* Answer the record with an error (and keep the message for stderr). */
static int fail_record(mz_worker *w, const char *id, const char *msg)
{
    /* msg as the engine gave it, before its file:line is added */
    w->oom = mz_err_is_oom(msg);
    set_errmsg(w, msg);
    mz_buf_reset(&w->out);
    mz_error_record(&w->out, id, w->id_number, w->kept, w->errmsg, w->o);
    return 1;
}

static int has_arabic_token(const mz_doc *d)
{
    for (size_t i = 0; i < d->ntok; i++) {
        const unsigned char *t = (const unsigned char *)mz_doc_tok(d, i);
        for (size_t k = 0; k < d->tok[i].len; k++)
            if (t[k] >= 0xD8 && t[k] <= 0xDB) return 1;
    }
    return 0;
}

/* The article's document, once its text (and title) are checked unless
 * the reader checked them: an error when it has no word, or no Arabic
 * one. */
static int build_doc(mz_worker *w, const char *title, size_t tlen, const char *text, size_t len, int checked,
                     mz_err *e)
{
    if (!checked && (mz_check_text(text, len, w->o->max_bytes, "text", e) != 0 ||
                     (title && tlen && mz_check_text(title, tlen, w->o->max_bytes, "title", e) != 0)))
        return -1;
    w->ud_built = 0;
    if (mz_doc_build(&w->doc, w->nz, title, tlen, text, len, e) != 0) return -1;
    if (ensure_sent(w) != 0) return mz_fail(e, "out of memory");
    if (w->doc.ntok == 0)
        return mz_fail(e, "text has no words (no letters or digits, or only runs of over %d letters, dropped as links "
                          "or junk)",
                       MZ_TOKEN_MAX_CHARS);
    if (!has_arabic_token(&w->doc)) {
        mz_fail(e, "text has no Arabic words (the models read Arabic)");
        /* UTF-16 without its mark whose every byte is under 0x80 (Arabic
         * letters are xx 06) passes as UTF-8: said as what it is */
        const char *g = mz_guess_encoding(text, len);
        if (g && !strncmp(g, "utf-16", 6)) mz_hint_guess(g, e);
        return -1;
    }
    return 0;
}

/* The answer's start: its id (and kept fields); *row is where a TSV row
 * begins. */
static void answer_open(mz_worker *w, const char *id, size_t *row)
{
    mz_buf *o = &w->out;
    if (w->o->text_format) {
        mz_buf_puts(o, "== ");
        mz_buf_tsv_cell(o, id ? id : "(no id)", strlen(id ? id : "(no id)"));
        mz_buf_puts(o, "\n");
    } else if (w->o->tsv) {
        *row = o->n;
        if (id) mz_buf_tsv_cell(o, id, strlen(id));
        tsv_kept(o, w->kept, w->o);
    } else {
        mz_buf_puts(o, "{\"id\": ");
        json_id(o, id, w->id_number);
        if (w->kept) mz_buf_puts(o, w->kept);
    }
}

/* The answer's end: whether the article was truncated, the TSV row's
 * error (a target failed), the JSON stance object closed (stance_open). */
static void answer_close(mz_worker *w, size_t row, int stance_open, int target_failed)
{
    mz_buf *o = &w->out;
    if (w->o->tsv) {
        /* a target the bundle cannot answer is this row's error */
        mz_buf_printf(o, "\t%s\t", w->doc.truncated ? "true" : "false");
        if (target_failed) mz_buf_tsv_cell(o, w->errmsg, strlen(w->errmsg));
        mz_buf_puts(o, "\n");
        mz_buf_tsv_quote_row(o, row);
    } else if (!w->o->text_format) {
        if (stance_open) mz_buf_puts(o, "}");
        if (w->doc.truncated) mz_buf_printf(o, ", \"truncated\": true");
        mz_buf_puts(o, "}\n");
    } else {
        if (w->doc.truncated) mz_buf_puts(o, "(article truncated to the token limit)\n");
        mz_buf_puts(o, "\n");
    }
}

/* Bundle i's vector of the article, and for a stance bundle its target's
 * *mentions: a stance bundle's heads are never asked about an article
 * that does not name the target, so it then has none.  *read is set when
 * a vector was made. */
static int vectorize_bundle(mz_worker *w, size_t i, long *mentions, int *read, mz_err *e)
{
    const mz_bundle *b = &w->m->b[i];
    int stance = w->m->group[i] == MZ_GROUP_STANCE;
    mz_extra ex[8];
    size_t nex = 0;
    *mentions = 0;
    *read = 0;
    if (stance) {
        *mentions = mz_target_features(w->match[i], &w->doc, b->vocab.opt.window, w->hit, w->ctx, ex, &nex);
        if (*mentions < 0) return mz_fail(e, "out of memory");
        if (*mentions == 0) return 0;
    }
    int mb = w->m->member ? w->m->member[i] : -1;
    /* the shared lookups, at the first bundle that needs them */
    if (mb >= 0 && !w->ud_built) {
        if (mz_unidoc_build(w->ud, &w->doc, e) != 0) return -1;
        w->ud_built = 1;
    }
    if ((mb >= 0 ? mz_predictor_vectorize_member(w->pred[i], w->ud, (size_t)mb, &w->doc, stance ? w->ctx : NULL, ex,
                                                 nex, e)
                 : mz_predictor_vectorize(w->pred[i], &w->doc, stance ? w->ctx : NULL, ex, nex, e)) != 0)
        return -1;
    *read = 1;
    return 0;
}

int mz_classify_one(mz_worker *w, const char *id, const char *title, size_t tlen, const char *text, size_t len,
                    const char *target, int checked)
{
    mz_err e;
    mz_buf_reset(&w->out);
    w->oom = 0;
    if (build_doc(w, title, tlen, text, len, checked, &e) != 0) return fail_record(w, id, e.msg);
    mz_buf *o = &w->out;
    size_t row = 0;
    int json = !w->o->text_format && !w->o->tsv;
    answer_open(w, id, &row);
    int first_stance = 1, target_failed = 0;
    int vectors = 0, known = 0; /* a bundle read the text; one knew a word of it */
    for (int pass = 0; pass < MZ_NGROUPS; pass++) {
        for (size_t i = 0; i < w->m->n; i++) {
            int kind = w->m->group[i], read;
            if (kind != pass) continue;
            long mentions;
            if (vectorize_bundle(w, i, &mentions, &read, &e) != 0) return fail_record(w, id, e.msg);
            if (read) {
                vectors = 1;
                known = known || mz_predictor_knows_words(w->pred[i]);
            }
            if (kind == MZ_GROUP_MULTICLASS) {
                if (json) mz_buf_puts(o, ", ");
                multiclass_out(w, i, 1);
            } else if (kind == MZ_GROUP_MULTILABEL) {
                if (json) mz_buf_puts(o, ", ");
                multilabel_out(w, i, 1);
            } else if (kind == MZ_GROUP_TARGET) {
                if (!first_stance && json) {
                    mz_buf_puts(o, "}");
                    first_stance = 1;
                }
                target_failed |= target_out(w, i, target);
            } else {
                if (first_stance && json) mz_buf_puts(o, ", \"stance\": {");
                stance_out(w, i, mentions, title, text, first_stance);
                first_stance = 0;
            }
        }
    }
    answer_close(w, row, !first_stance, target_failed);
    if (o->oom) return fail_record(w, id, "out of memory");
    /* answers made from a head's bias alone would look like any other */
    if (vectors && !known)
        return fail_record(w, id,
                           "no word of the text is one the models know (only stopwords, or words not in their "
                           "vocabularies): nothing to answer from");
    /* the other heads' answers stand; the record still counts as one
     * answered with an error (status 1, a line on stderr) */
    if (target_failed) {
        set_errmsg(w, w->errmsg);
        return 1;
    }
    return 0;
}
