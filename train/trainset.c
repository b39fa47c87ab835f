/* trainset.c — see trainset.h. */
#include "trainset.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"
#include "fsutil.h"
#include "heads.h"
#include "normalize.h"
#include "parallel.h"
#include "predict.h"
#include "progress.h"
#include "sha256.h"
#include "sourcehead.h"
#include "strmap.h"
#include "tokenize.h"

static void record_free(mz_collection *c, size_t i)
{
    free(c->title[i]);
    free(c->text[i]);
    free(c->target[i]);
    free(c->aux[i]);
    free(c->source[i]);
    free(c->where[i]);
    free(c->id[i]);
    free(c->group[i]);
    cJSON_Delete(c->label[i]);
}

void mz_collection_free(mz_collection *c)
{
    for (size_t i = 0; i < c->n; i++) record_free(c, i);
    free(c->title);
    free(c->text);
    free(c->target);
    free(c->aux);
    free(c->source);
    free(c->where);
    free(c->id);
    free(c->group);
    free(c->label);
    free(c->same);
    cJSON_Delete(c->corpora);
    memset(c, 0, sizeof *c);
}

/* Ids the records give (the id field's), each mapped to its first row;
 * repeats counts the rows whose id an earlier row gave, the first of them
 * at row first, repeating row of. */
typedef struct id_seen {
    mz_strmap *map;
    size_t repeats, first, of;
} id_seen;

/* Records whose --source-field value is neither a string nor null (a
 * number): no head can be named by it, as the classifier answers such a
 * record with the plain head; how many, and the first. */
typedef struct odd_sources {
    size_t n;
    char first[4200];
} odd_sources;

typedef struct load_ctx {
    mz_collection *c;
    const mz_train_args *a;
    long records;
    id_seen *ids; /* NULL: not looked at */
    odd_sources *odd;
} load_ctx;

/* A record's --by value as text: a string as it is (composed, NFC), a number as JSON
 * writes it, true/false; NULL when absent, null or "".  A list or an
 * object names no group, so it is an error. */
static int group_value(const mz_record *r, const char *field, const char *where, char **out, mz_err *e)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->obj, field);
    const char *v = NULL;
    if (!t || cJSON_IsNull(t)) return 0;
    if (cJSON_IsString(t)) {
        v = t->valuestring;
    } else if (cJSON_IsNumber(t)) {
        /* as written (the reader kept it): a double would make 2^53 + 1
         * the group of 2^53, and 1.0 that of 1 */
        char *p = r->raw ? NULL : cJSON_PrintUnformatted(t);
        *out = r->raw ? strdup(r->raw) : p ? strdup(p) : NULL;
        cJSON_free(p);
        return *out ? 0 : mz_fail(e, "out of memory");
    } else if (cJSON_IsBool(t)) {
        v = cJSON_IsTrue(t) ? "true" : "false";
    } else {
        return mz_fail(e, "%s: field \"%s\" (--by) is a list or an object, not a value to group by", where, field);
    }
    if (!*v) return 0;
    /* composed, as labels, targets and sources are: one group however its
     * name is spelt */
    size_t vl = strlen(v);
    char *nb = malloc(3 * vl + 1);
    if (!nb) return mz_fail(e, "out of memory");
    if (mz_nfc_utf8(v, vl, nb, 3 * vl + 1) != 0) {
        free(nb);
        return (*out = strdup(v)) ? 0 : mz_fail(e, "out of memory");
    }
    *out = nb;
    return 0;
}

/* Room for twice as many records in every column. */
static int grow(mz_collection *c, mz_err *e)
{
    size_t nc = c->cap ? c->cap * 2 : 1024;
#define GROW(f)                                                  \
    do {                                                         \
        void *p = realloc(c->f, nc * sizeof *c->f);              \
        if (!p) return mz_fail(e, "out of memory");              \
        c->f = p;                                                \
    } while (0)
    GROW(title);
    GROW(text);
    GROW(target);
    GROW(aux);
    GROW(source);
    GROW(where);
    GROW(id);
    GROW(group);
    GROW(label);
#undef GROW
    c->cap = nc;
    return 0;
}

/* Record i's source (--source-field), found at `where`.  A record without
 * one (or with "") is of no known source, as at classification; one no
 * head can be named by is counted, and said; a name is held to a label's
 * rules (" CNN" would be a head apart from "CNN", with the records meant
 * for the other). */
static int read_source(load_ctx *l, const mz_record *r, size_t i, const char *where, mz_err *e)
{
    mz_collection *c = l->c;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->obj, l->a->source_field);
    char lb[256];
    const char *why = cJSON_IsString(t) && *t->valuestring ? mz_label_text(t, lb, sizeof lb) : NULL;
    if (why && !l->a->evaluate) return mz_fail(e, "%s: source %s (--source-field %s)", where, why, l->a->source_field);
    /* held-out records are answered as the classifier would: a name no
     * head can have is no known source */
    /* lb: composed, as the classifier composes a record's before looking
     * for its head (and measures it so) */
    const char *name = cJSON_IsString(t) ? (*t->valuestring && !why ? lb : t->valuestring) : NULL;
    if (name && mz_source_name_ok(name) && !(c->source[i] = strdup(name))) return mz_fail(e, "out of memory");
    if (t && !cJSON_IsString(t) && !cJSON_IsNull(t) && l->odd && !l->odd->n++)
        snprintf(l->odd->first, sizeof l->odd->first, "%s", where);
    return 0;
}

/* Record i's auxiliary label (--aux-field).  Its values are the auxiliary
 * head's labels: held to what a label must be (a string, or a whole
 * number: 1 and "1" are one value), or 0.1 would become the label
 * "0.10000000000000001" and the bundle could be refused when loaded. */
static int read_aux(load_ctx *l, const mz_record *r, size_t i, const char *where, mz_err *e)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->obj, l->a->aux_field);
    char lb[256];
    const char *why = !t || cJSON_IsNull(t) ? "is missing" : mz_label_text(t, lb, sizeof lb);
    if (why) return mz_fail(e, "%s: field \"%s\" (--aux-field) %s", where, l->a->aux_field, why);
    l->c->aux[i] = strdup(lb);
    return 0;
}

/* Record i's target (--target-field), composed as labels are: one target
 * however its name is spelt (a name too long to compose is refused with
 * the label rules). */
static int read_target(load_ctx *l, const mz_record *r, size_t i, const char *where, mz_err *e)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->obj, l->a->target_field);
    if (t && !cJSON_IsString(t) && !cJSON_IsNull(t))
        return mz_fail(e, "%s: target field \"%s\" must be a string (a target's name)", where, l->a->target_field);
    if (!cJSON_IsString(t) || !*t->valuestring)
        return mz_fail(e, "%s: missing or empty target field \"%s\"", where, l->a->target_field);
    char nb[1024];
    l->c->target[i] = strdup(mz_nfc_utf8(t->valuestring, strlen(t->valuestring), nb, sizeof nb) == 0 ? nb
                                                                                                 : t->valuestring);
    return 0;
}

/* Record i's id among those seen, to tell repeated ones.  A TSV line's
 * number and a folder article's path are ids made here, which two corpora
 * may share; the id field is the corpus's own. */
static int note_id(load_ctx *l, const mz_record *r, size_t i, mz_err *e)
{
    if (!l->ids || !r->id || !l->a->fields.id || !cJSON_GetObjectItemCaseSensitive(r->obj, l->a->fields.id)) return 0;
    int ins;
    int64_t k = mz_strmap_intern(l->ids->map, r->id, strlen(r->id), (int32_t)i, &ins);
    if (k < 0) return mz_fail(e, "out of memory");
    if (!ins && l->ids->repeats++ == 0) l->ids->first = i, l->ids->of = (size_t)mz_strmap_value(l->ids->map, (size_t)k);
    return 0;
}

static int add_record(void *arg, const mz_record *r, mz_err *e)
{
    load_ctx *l = arg;
    mz_collection *c = l->c;
    const mz_train_args *a = l->a;
    if (c->n == c->cap && grow(c, e) != 0) return -1;
    size_t i = c->n;
    char where[4200];
    if (r->line) snprintf(where, sizeof where, "%s:%zu", r->src, r->line);
    else snprintf(where, sizeof where, "%s", r->src);
    c->title[i] = r->title ? strndup(r->title, r->title_len) : NULL;
    if (r->obj && a->fields.title && cJSON_GetObjectItemCaseSensitive(r->obj, a->fields.title)) c->with_title++;
    /* a TSV line's number and a folder article's path are ids made here:
     * they say nothing of whether the corpus's records have the field */
    if (!r->made) c->with_fields++;
    if (!r->made && r->id) c->with_id++;
    c->text[i] = strndup(r->text, r->text_len);
    c->where[i] = strdup(where);
    c->id[i] = r->id ? strdup(r->id) : NULL;
    c->label[i] = r->label ? cJSON_Duplicate(r->label, 1) : NULL;
    c->target[i] = NULL;
    c->aux[i] = NULL;
    c->source[i] = NULL;
    c->group[i] = NULL;
    if ((a->by_field && group_value(r, a->by_field, where, &c->group[i], e) != 0) ||
        (a->source_field && read_source(l, r, i, where, e) != 0) || (a->aux_field && read_aux(l, r, i, where, e) != 0) ||
        (a->target_field && read_target(l, r, i, where, e) != 0)) {
        record_free(c, i);
        return -1;
    }
    if (!c->text[i] || !c->where[i] || (r->title && !c->title[i]) || (r->label && !c->label[i]) ||
        (r->id && !c->id[i]) || (a->aux_field && !c->aux[i]) || (a->target_field && !c->target[i])) {
        record_free(c, i);
        return mz_fail(e, "out of memory");
    }
    if (note_id(l, r, i, e) != 0) {
        record_free(c, i);
        return -1;
    }
    c->n++;
    l->records++;
    if (!a->quiet && c->n % 5000 == 0) mz_progress("reading: %zu documents", c->n);
    return 0;
}

/* A text as the checks for copies compare it: without the white space
 * around it, which the tokeniser ignores and readers differ on (a folder
 * article keeps its file's last line break, a JSONL or TSV text has none). */
static const char *trimmed(const char *s, size_t *n)
{
    size_t a = 0, b = strlen(s);
    while (a < b && (s[a] == ' ' || s[a] == '\n' || s[a] == '\t' || s[a] == '\r')) a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\n' || s[b - 1] == '\t' || s[b - 1] == '\r')) b--;
    *n = b - a;
    return s + a;
}

/* The scored texts of c (trimmed), each mapped to its first row. */
static mz_strmap *scored_texts(const mz_collection *c)
{
    mz_strmap *m = mz_strmap_new(c->nscored + 16);
    for (size_t i = 0; m && i < c->nscored; i++) {
        size_t n;
        const char *t = trimmed(c->text[i], &n);
        if (mz_strmap_intern(m, t, n, (int32_t)i, NULL) < 0) {
            mz_strmap_free(m);
            m = NULL;
        }
    }
    return m;
}

int mz_collection_drop_scored(mz_collection *u, const mz_collection *c, size_t *dropped, mz_err *e)
{
    mz_strmap *scored = scored_texts(c);
    if (!scored) return mz_fail(e, "out of memory");
    size_t k = 0, ks = 0;
    for (size_t i = 0; i < u->n; i++) {
        size_t n;
        const char *t = trimmed(u->text[i], &n);
        if (mz_strmap_find(scored, t, n) >= 0) {
            record_free(u, i);
            continue;
        }
        u->title[k] = u->title[i], u->text[k] = u->text[i], u->target[k] = u->target[i];
        u->aux[k] = u->aux[i], u->source[k] = u->source[i], u->where[k] = u->where[i], u->label[k] = u->label[i], u->id[k] = u->id[i];
        u->group[k] = u->group[i];
        ks += i < u->nscored;
        k++;
    }
    mz_strmap_free(scored);
    *dropped = u->n - k;
    u->n = k;
    u->nscored = ks;
    return 0;
}

/* The manifest's digests of the corpus files, computed on a thread of
 * their own while the corpora are parsed (hashing them after reading was
 * a tenth of a second with one core idle). */
typedef struct corpus_digests {
    const mz_train_args *a;
    int n;
    char (*hex)[65];
    long long *bytes; /* -1: neither a file nor a folder (a pipe): no digest */
    int rc, stop;     /* stop: reading failed, the digests are not wanted */
    mz_err e;
} corpus_digests;

static const char *corpus_path(const mz_train_args *a, int k)
{
    return k >= a->ncorpus ? a->train_only[k - a->ncorpus] : a->corpus[k];
}

static void *digest_run(void *arg)
{
    corpus_digests *d = arg;
    for (int k = 0; k < d->n && d->rc == 0 && !__atomic_load_n(&d->stop, __ATOMIC_RELAXED); k++) {
        const char *path = corpus_path(d->a, k);
        struct stat st;
        d->bytes[k] = -1;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            d->rc = mz_corpus_folder_digest(path, d->a->unlabelled, d->hex[k], &d->bytes[k], &d->e);
            continue;
        }
        if (!S_ISREG(st.st_mode)) continue;
        d->bytes[k] = (long long)st.st_size;
        d->rc = mz_sha256_file(path, d->hex[k], &d->e);
    }
    return NULL;
}

/* A record's label as training reads it: the text of each, a list's in
 * order (its first is the primary) and without repeats, between 0x1f
 * bytes, which no label holds: 1 and "1" are one label, as are ["a"] and
 * ["a", "a"]. */
#define LABEL_KEY_MAX (MZ_MAX_CLASSES * 258 + 2)
static void label_key(const cJSON *l, char *out)
{
    char lb[256];
    size_t k = 1;
    out[0] = 0x1f, out[1] = 0;
    for (const cJSON *x = cJSON_IsArray(l) ? l->child : l; x; x = cJSON_IsArray(l) ? x->next : NULL) {
        if (mz_label_text(x, lb, sizeof lb)) continue; /* refused elsewhere */
        size_t n = strlen(lb);
        char probe[260];
        snprintf(probe, sizeof probe, "\x1f%s\x1f", lb);
        if (strstr(out, probe) || k + n + 2 > LABEL_KEY_MAX) continue;
        memcpy(out + k, lb, n);
        k += n;
        out[k++] = 0x1f;
        out[k] = 0;
    }
}

static int same_labels(const cJSON *a, const cJSON *b)
{
    static __thread char ka[LABEL_KEY_MAX], kb[LABEL_KEY_MAX];
    label_key(a, ka);
    label_key(b, kb);
    return !strcmp(ka, kb);
}

/* Every corpus' records into c, the scored ones first (rows
 * 0..nscored-1), each file's path, record count, size and SHA-256 in
 * c->corpora (hashed on a thread of its own meanwhile); records that name
 * their source otherwise than by a string, and ids given twice, are said.
 * On an error c may hold part of the records: the caller frees it. */
static int read_corpora(mz_collection *c, const mz_train_args *a, mz_err *e)
{
    int nc = a->ncorpus + a->ntrain_only;
    corpus_digests dg = {a, nc, calloc((size_t)nc + 1, sizeof *dg.hex), calloc((size_t)nc + 1, sizeof *dg.bytes), 0, 0,
                         {{0}}};
    c->corpora = cJSON_CreateArray();
    if (!c->corpora || !dg.hex || !dg.bytes) {
        free(dg.hex);
        free(dg.bytes);
        return mz_fail(e, "out of memory");
    }
    /* A record's id names it in --predictions and --cv-predictions, and
     * the classifier refuses an id given twice: two records under one id
     * are said, with the count and the first pair, as copies are.  Not
     * refused: the texts are still two to learn from. */
    id_seen ids = {a->unlabelled ? NULL : mz_strmap_new(1024), 0, 0, 0};
    if (!a->unlabelled && !ids.map) {
        free(dg.hex);
        free(dg.bytes);
        return mz_fail(e, "out of memory");
    }
    odd_sources odd = {0, ""};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, digest_run, &dg) == 0;
    int rc = 0;
    /* the scored corpora first, so that they are rows 0..nscored-1 */
    for (int k = 0; k < nc && rc == 0; k++) {
        load_ctx l = {c, a, 0, ids.map ? &ids : NULL, &odd};
        /* --by's value kept as written, for numbers */
        mz_fields fl = a->fields;
        fl.raw = a->by_field;
        fl.unlabelled = a->unlabelled;
        /* fields that change what a record teaches are refused when given twice */
        fl.also[0] = a->target_field, fl.also[1] = a->source_field, fl.also[2] = a->aux_field;
        rc = mz_corpus_read(corpus_path(a, k), &fl, add_record, &l, e);
        if (k < a->ncorpus) c->nscored = c->n;
        cJSON *info = cJSON_CreateObject();
        cJSON_AddStringToObject(info, "path", corpus_path(a, k));
        cJSON_AddNumberToObject(info, "records", (double)l.records);
        cJSON_AddItemToArray(c->corpora, info);
    }
    if (rc != 0) __atomic_store_n(&dg.stop, 1, __ATOMIC_RELAXED);
    if (threaded) pthread_join(th, NULL);
    else if (rc == 0) digest_run(&dg);
    if (rc == 0 && dg.rc != 0) *e = dg.e, rc = -1;
    for (int k = 0; k < nc && rc == 0; k++) {
        cJSON *info = cJSON_GetArrayItem(c->corpora, k);
        if (dg.bytes[k] >= 0) {
            cJSON_AddNumberToObject(info, "bytes", (double)dg.bytes[k]);
            cJSON_AddStringToObject(info, "sha256", dg.hex[k]);
        }
        if (k >= a->ncorpus) cJSON_AddBoolToObject(info, "train_only", 1);
    }
    free(dg.hex);
    free(dg.bytes);
    mz_strmap_free(ids.map);
    if (rc != 0) return -1;
    if (odd.n) {
        mz_progress_clear();
        fprintf(stderr,
                "mizan-train: warning: %zu record%s %s source (--source-field %s) otherwise than by a string (the "
                "first: %s): no head can be named so, %s\n",
                odd.n, odd.n == 1 ? "" : "s", odd.n == 1 ? "names its" : "name their", a->source_field, odd.first,
                a->evaluate ? "and the plain head answers them, as the classifier would"
                            : "and as the classifier answers such a record with the plain head, only the plain head "
                              "learns from them");
    }
    if (ids.repeats) {
        mz_progress_clear();
        fprintf(stderr,
                "mizan-train: warning: %zu record%s an earlier one's id (the first: %s, as %s); "
                "--cv-predictions and --predictions write the id twice\n",
                ids.repeats, ids.repeats == 1 ? " repeats" : "s repeat", c->where[ids.first], c->where[ids.of]);
    }
    return 0;
}

/* A text in both kinds of corpus would be scored by models trained on
 * it, flattering every figure: refused, naming both places. */
static int train_only_apart(const mz_collection *c, mz_err *e)
{
    if (c->nscored == c->n) return 0;
    mz_strmap *seen = scored_texts(c);
    if (!seen) return mz_fail(e, "out of memory");
    int rc = 0;
    for (size_t i = c->nscored; i < c->n && rc == 0; i++) {
        size_t n;
        const char *t = trimmed(c->text[i], &n);
        int64_t k = mz_strmap_find(seen, t, n);
        if (k >= 0)
            rc = mz_fail(e, "%s: the same text is in a scored corpus (%s): it would be scored by models trained on "
                            "it; keep --corpus and --train-only apart",
                         c->where[i], c->where[mz_strmap_value(seen, (size_t)k)]);
    }
    mz_strmap_free(seen);
    return rc;
}

/* A field named on the command line that no record has is a typo, not
 * a corpus without titles or ids: said, not ignored */
static int named_fields_present(const mz_collection *c, const mz_train_args *a, mz_err *e)
{
    const char *none = a->unlabelled                                         ? NULL
                       : mz_train_given(a, "--title-field") && !c->with_title ? "--title-field"
                       : mz_train_given(a, "--id-field") && c->with_fields && !c->with_id ? "--id-field"
                                                                            : NULL;
    if (none) return mz_fail(e, "%s %s: no record has that field", none, none[2] == 't' ? a->fields.title : a->fields.id);
    return 0;
}

/* A scored text given twice would be scored by a model trained on its
 * copy, which flatters the figures by as much as the corpus repeats
 * itself.  Real corpora repeat a few texts (retweets, wire copy, a
 * paragraph filed once with its headline and once without), so a copy
 * is kept in its original's fold (mz_make_folds) and said, with the
 * count and the first pair, not refused.  A copy is the same text for
 * the same target, whatever its title (a tweet judged toward two
 * targets goes to two heads).  Unlabelled texts are never scored. */
static int mark_copies(mz_collection *c, const mz_train_args *a, mz_err *e)
{
    if (a->unlabelled) return 0;
    /* keyed by the SHA-256 of the two parts, each with its NUL as a
     * separator: a fixed 32 bytes whatever the text's size */
    mz_strmap *seen = mz_strmap_new(c->nscored + 16);
    size_t repeats = 0, first = 0, of = 0, clash = 0, cfirst = 0, cof = 0;
    for (size_t i = 0; seen && i < c->nscored; i++) {
        const char *part[2] = {c->target[i] ? c->target[i] : "", c->text[i]};
        mz_sha256 h;
        unsigned char key[32];
        mz_sha256_init(&h);
        for (int q = 0; q < 2; q++) {
            size_t n;
            const char *t = q ? trimmed(part[q], &n) : part[q];
            if (!q) n = strlen(t);
            mz_sha256_update(&h, t, n);
            mz_sha256_update(&h, "", 1); /* each part's end */
        }
        mz_sha256_final(&h, key);
        int ins;
        int64_t k = mz_strmap_intern(seen, (const char *)key, sizeof key, (int32_t)i, &ins);
        if (k < 0) {
            mz_strmap_free(seen);
            seen = NULL;
        } else if (!ins) {
            size_t orig = (size_t)mz_strmap_value(seen, (size_t)k);
            if (!c->same && (c->same = malloc(c->nscored * sizeof *c->same)))
                for (size_t j = 0; j < c->nscored; j++) c->same[j] = -1;
            if (!c->same) {
                mz_strmap_free(seen);
                seen = NULL;
                break;
            }
            c->same[i] = (int32_t)orig;
            if (repeats++ == 0) first = i, of = orig;
            /* the same words under two labels: no model tells them apart */
            if (c->label[i] && c->label[orig] && !same_labels(c->label[i], c->label[orig]) && clash++ == 0)
                cfirst = i, cof = orig;
        }
    }
    if (!seen) return mz_fail(e, "out of memory");
    mz_strmap_free(seen);
    if (repeats) {
        mz_progress_clear();
        fprintf(stderr,
                "mizan-train: warning: %zu %s text%s repeat%s an earlier one (the first: %s, as %s)%s\n",
                repeats, a->evaluate ? "held-out" : "scored", repeats == 1 ? "" : "s", repeats == 1 ? "s" : "",
                c->where[first], c->where[of],
                a->evaluate ? ": each copy counts in the figures"
                            : "; cross-validation keeps each copy in its original's fold");
    }
    if (clash)
        fprintf(stderr,
                "mizan-train: warning: %zu of them carr%s another label than the text %s repeat%s (the first: %s, "
                "as %s): the same words cannot be answered two ways, so at most one of each pair is scored right\n",
                clash, clash == 1 ? "ies" : "y", clash == 1 ? "it" : "they", clash == 1 ? "s" : "", c->where[cfirst],
                c->where[cof]);
    return 0;
}

int mz_collection_load(mz_collection *c, const mz_train_args *a, mz_err *e)
{
    memset(c, 0, sizeof *c);
    c->label_field = a->fields.label;
    if (read_corpora(c, a, e) != 0 || train_only_apart(c, e) != 0 || named_fields_present(c, a, e) != 0 ||
        mark_copies(c, a, e) != 0) {
        mz_collection_free(c);
        return -1;
    }
    if (!a->quiet) {
        mz_progress_clear();
        fprintf(stderr, "reading: %zu documents from %d corpus file(s)", c->n, a->ncorpus + a->ntrain_only);
        if (c->nscored < c->n) fprintf(stderr, ", %zu of them for training only", c->n - c->nscored);
        fprintf(stderr, "\n");
    }
    return 0;
}

/* ------------------------------------------------------------ featurize */

typedef struct worker_state {
    mz_normalizer *nz;
    mz_termizer *tz;
    mz_matcher *mt;
    mz_vectorizer *vz;
    mz_doc doc;
    uint8_t *hit, *ctx;
    size_t scap;
} worker_state;

typedef struct feat_ctx {
    const mz_collection *c;
    const mz_featopts *o;
    const mz_stopwords *sw;
    const mz_target *target;
    worker_state *ws;
    mz_stemdoc *sd;
    mz_termdoc *td;
    mz_vocab_builder *vb;
    mz_vocab *vocab;
    mz_sparse *rows;
    long *mentions;
    int quiet;
} feat_ctx;

/* Tokenise document i and, for stance, find its target: the same steps
 * for training (stem_item) and for evaluation (vec_direct_item). */
static int prep_doc(feat_ctx *f, worker_state *s, size_t i, const uint8_t **ctx, mz_extra *ex, size_t *nex,
                    mz_err *e)
{
    const mz_collection *c = f->c;
    const char *title = c->title[i];
    *ctx = NULL;
    *nex = 0;
    if (mz_doc_build(&s->doc, s->nz, title, title ? strlen(title) : 0, c->text[i], strlen(c->text[i]), e) != 0)
        return mz_wrap(e, "%s: ", c->where[i]);
    if (s->doc.ntok == 0) return mz_fail(e, "%s: text has no words (no letters or digits)", c->where[i]);
    if (!f->target) return 0;
    if (s->doc.nsent > s->scap) {
        size_t nc = s->doc.nsent * 2;
        uint8_t *h = realloc(s->hit, nc), *x = h ? realloc(s->ctx, nc) : NULL;
        if (h) s->hit = h;
        if (x) s->ctx = x;
        if (!h || !x) return mz_fail(e, "out of memory");
        s->scap = nc;
    }
    long m = mz_target_features(s->mt, &s->doc, f->o->window, s->hit, s->ctx, ex, nex);
    if (m < 0) return mz_fail(e, "out of memory");
    if (f->mentions) f->mentions[i] = m;
    *ctx = s->ctx;
    return 0;
}

static int stem_item(void *arg, int w, size_t i, mz_err *e)
{
    feat_ctx *f = arg;
    worker_state *s = &f->ws[w];
    const uint8_t *ctx;
    mz_extra ex[8];
    size_t nex;
    if (prep_doc(f, s, i, &ctx, ex, &nex, e) != 0) return -1;
    return mz_termize(s->tz, &s->doc, ctx, ex, nex, &f->sd[i], e);
}

/* Stemming runs in a pool of its own while this thread adds each finished
 * document to the vocabulary, in document order (adding is serial: the
 * vocabulary's numbering is the corpus order).  The pool marks documents
 * done; `over` says it has stopped, after the last item or an error. */
typedef struct stem_pipe {
    feat_ctx *f;
    int threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *done;
    int over, rc;
    mz_err err;
} stem_pipe;

static int stem_pipe_item(void *arg, int w, size_t i, mz_err *e)
{
    stem_pipe *sp = arg;
    int rc = stem_item(sp->f, w, i, e);
    pthread_mutex_lock(&sp->mu);
    if (rc == 0) sp->done[i] = 1;
    pthread_cond_broadcast(&sp->cv);
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

static void *stem_pipe_run(void *arg)
{
    stem_pipe *sp = arg;
    int rc = mz_parallel_for(sp->f->c->n, sp->threads, stem_pipe_item, sp, &sp->err);
    pthread_mutex_lock(&sp->mu);
    sp->rc = rc;
    sp->over = 1;
    pthread_cond_broadcast(&sp->cv);
    pthread_mutex_unlock(&sp->mu);
    return NULL;
}

/* Stem every document and add it to f->vb, overlapping the two. */
static int stem_and_add(feat_ctx *f, int threads, mz_err *e)
{
    size_t n = f->c->n;
    stem_pipe sp;
    memset(&sp, 0, sizeof sp);
    sp.f = f;
    sp.threads = threads;
    sp.done = calloc(n + 1, 1);
    if (!sp.done) return mz_fail(e, "out of memory");
    pthread_mutex_init(&sp.mu, NULL);
    pthread_cond_init(&sp.cv, NULL);
    pthread_t th;
    int rc = 0;
    /* no thread to overlap with (ulimit -u): every document stemmed first,
     * then added, in the same order, to the same vocabulary */
    int started = pthread_create(&th, NULL, stem_pipe_run, &sp) == 0;
    if (!started) stem_pipe_run(&sp);
    for (size_t i = 0; i < n && rc == 0; i++) {
        pthread_mutex_lock(&sp.mu);
        while (!sp.done[i] && !sp.over) pthread_cond_wait(&sp.cv, &sp.mu);
        int ready = sp.done[i];
        pthread_mutex_unlock(&sp.mu);
        if (!ready) break; /* the pool stopped on an error: reported below */
        rc = mz_vocab_builder_add(f->vb, &f->sd[i], &f->td[i], e);
        mz_stemdoc_free(&f->sd[i]);
        /* a large corpus takes seconds here: the count moves */
        if (!f->quiet && (i + 1) % 2000 == 0) mz_progress("tokenising and stemming: %zu of %zu documents", i + 1, n);
    }
    if (!f->quiet) mz_progress_clear();
    if (started) pthread_join(th, NULL);
    if (rc == 0 && sp.rc != 0) {
        *e = sp.err;
        rc = -1;
    }
    pthread_cond_destroy(&sp.cv);
    pthread_mutex_destroy(&sp.mu);
    free(sp.done);
    return rc;
}

static int vec_item(void *arg, int w, size_t i, mz_err *e)
{
    feat_ctx *f = arg;
    int rc = mz_vectorize_termdoc(f->vb, f->ws[w].vz, &f->td[i], &f->rows[i], e);
    mz_termdoc_free(&f->td[i]);
    return rc;
}

/* Classification-side vectorising for evaluate: the exact runtime path. */
static int vec_direct_item(void *arg, int w, size_t i, mz_err *e)
{
    feat_ctx *f = arg;
    worker_state *s = &f->ws[w];
    const uint8_t *ctx;
    mz_extra ex[8];
    size_t nex;
    if (prep_doc(f, s, i, &ctx, ex, &nex, e) != 0) return -1;
    return mz_vectorize(s->vz, &s->doc, ctx, ex, nex, &f->rows[i], e);
}

int mz_featurize(const mz_collection *c, const mz_featopts *o, const mz_stopwords *sw, const mz_target *target,
                 const mz_targets *cues, int threads, int quiet, int fit, mz_vocab *vocab, mz_sparse **rows_out, long **mentions_out,
                 mz_err *e)
{
    int rc = -1;
    feat_ctx f;
    memset(&f, 0, sizeof f);
    f.c = c;
    f.o = o;
    f.sw = sw;
    f.target = target;
    f.vocab = vocab;
    f.quiet = quiet;
    f.ws = calloc((size_t)threads, sizeof *f.ws);
    f.rows = calloc(c->n + 1, sizeof *f.rows);
    if (mentions_out) f.mentions = calloc(c->n + 1, sizeof *f.mentions);
    if (!f.ws || !f.rows || (mentions_out && !f.mentions)) {
        mz_fail(e, "out of memory");
        goto out;
    }
    for (int t = 0; t < threads; t++) {
        mz_doc_init(&f.ws[t].doc);
        if (!(f.ws[t].nz = mz_normalizer_new(e))) goto out;
        if (target && !(f.ws[t].mt = mz_matcher_new(target, e))) goto out;
        if (target && cues && mz_matcher_set_cues(f.ws[t].mt, mz_targets_find(cues, "@critical"),
                                                  mz_targets_find(cues, "@favourable"), e) != 0)
            goto out;
        if (fit && !(f.ws[t].tz = mz_termizer_new(o, sw, e))) goto out;
        if (fit) f.ws[t].doc.lex = mz_termizer_lexicon(f.ws[t].tz);
        if (!fit && !(f.ws[t].vz = mz_vectorizer_new(vocab, e))) goto out;
    }
    if (!fit) {
        if (mz_parallel_for(c->n, threads, vec_direct_item, &f, e) != 0) goto out;
        rc = 0;
        goto out;
    }
    f.sd = calloc(c->n + 1, sizeof *f.sd);
    f.td = calloc(c->n + 1, sizeof *f.td);
    if (!f.sd || !f.td) {
        mz_fail(e, "out of memory");
        goto out;
    }
    if (!quiet) fprintf(stderr, "tokenising and stemming %zu documents on %d thread(s)\n", c->n, threads);
    f.vb = mz_vocab_builder_new(o, sw, e);
    if (!f.vb) goto out;
    if (stem_and_add(&f, threads, e) != 0) goto out;
    if (mz_vocab_builder_finish(f.vb, f.td, c->n, vocab, e) != 0) goto out;
    if (!quiet) fprintf(stderr, "vocabulary: %zu features\n", vocab->nfeat);
    for (int t = 0; t < threads; t++)
        if (!(f.ws[t].vz = mz_vectorizer_new(vocab, e))) goto out;
    if (mz_parallel_for(c->n, threads, vec_item, &f, e) != 0) goto out;
    rc = 0;
out:
    if (f.ws)
        for (int t = 0; t < threads; t++) {
            mz_normalizer_free(f.ws[t].nz);
            mz_termizer_free(f.ws[t].tz);
            mz_matcher_free(f.ws[t].mt);
            mz_vectorizer_free(f.ws[t].vz);
            mz_doc_free(&f.ws[t].doc);
            free(f.ws[t].hit);
            free(f.ws[t].ctx);
        }
    free(f.ws);
    if (f.sd)
        for (size_t i = 0; i < c->n; i++) mz_stemdoc_free(&f.sd[i]);
    if (f.td)
        for (size_t i = 0; i < c->n; i++) mz_termdoc_free(&f.td[i]);
    free(f.sd);
    free(f.td);
    mz_vocab_builder_free(f.vb);
    if (rc == 0) {
        *rows_out = f.rows;
        if (mentions_out) *mentions_out = f.mentions;
    } else {
        if (f.rows)
            for (size_t i = 0; i < c->n; i++) mz_sparse_free(&f.rows[i]);
        free(f.rows);
        free(f.mentions);
    }
    return rc;
}

void mz_warn_wordless(const mz_collection *c, const mz_vocab *v, const mz_sparse *rows, size_t n,
                      const long *mentions, const char *what)
{
    size_t none = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if ((!mentions || mentions[i] > 0) && !mz_row_knows_words(v, &rows[i]) && !none++) first = i;
    if (!none) return;
    mz_progress_clear();
    fprintf(stderr,
            "mizan-train: warning: %zu of the %s %s no word the model knows (the first: %s): %s scored from the "
            "heads' bias alone, where the classifier answers %s with an error\n",
            none, what, none == 1 ? "has" : "have", c->where[first], none == 1 ? "it is" : "they are",
            none == 1 ? "it" : "them");
}

int mz_folds_filled(const mz_collection *c, const int *y, int folds, const char *of, mz_err *e)
{
    size_t scored = 0, distinct = 0;
    for (size_t i = 0; i < c->nscored; i++)
        if (!y || y[i] >= 0) scored++, distinct += !(c->same && c->same[i] >= 0);
    if (distinct >= (size_t)folds) return 0;
    if (distinct < scored)
        return mz_fail(e, "--cv %d: more folds than the %zu distinct texts of the %zu scored records%s", folds,
                       distinct, scored, of);
    return mz_fail(e, "--cv %d: more folds than the %zu scored records%s", folds, scored, of);
}
