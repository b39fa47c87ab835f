/* targets.c — see targets.h. */
#include "targets.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

#define WAW "\xD9\x88"
#define FA "\xD9\x81"
#define BA "\xD8\xA8"
#define LAM "\xD9\x84"
#define KAF "\xD9\x83"
#define AL "\xD8\xA7\xD9\x84"

static void seqs_free(mz_seq *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < s[i].n; k++) free(s[i].tok[k]);
        free(s[i].tok);
        free(s[i].len);
    }
    free(s);
}

void mz_targets_free(mz_targets *ts)
{
    for (size_t i = 0; i < ts->n; i++) {
        mz_target *t = &ts->t[i];
        mz_strmap_free(t->forms);
        mz_strmap_free(t->starts);
        free(t->first_off);
        free(t->first_seq);
        seqs_free(t->phrases, t->nphrases);
        seqs_free(t->exclude, t->nexclude);
    }
    memset(ts, 0, sizeof *ts);
}

/* A word "*" of an entry stands for any one word (صحيفة * البريطانية: a
 * newspaper of any name), so that one entry covers a family of names the
 * lexicon could never list.  The tokenizer drops punctuation, so each "*"
 * goes through it as this word, which no Arabic entry would hold, and comes
 * out as an empty token. */
#define WILDCARD_WORD "mzanyoneword"

static int is_star(const char *p, const char *start)
{
    return p[0] == '*' && (p == start || p[-1] == ' ') && (p[1] == ' ' || p[1] == 0);
}

/* Normalise a lexicon entry and split it into tokens the way articles are. */
static int entry_tokens(const char *s, mz_normalizer *nz, mz_seq *out, mz_err *e)
{
    char buf[1024 * 8];
    size_t n = 0;
    for (const char *p = s; *p && n + sizeof WILDCARD_WORD < sizeof buf; p++) {
        if (is_star(p, s)) {
            memcpy(buf + n, WILDCARD_WORD, sizeof WILDCARD_WORD - 1);
            n += sizeof WILDCARD_WORD - 1;
        } else
            buf[n++] = *p;
    }
    buf[n] = 0;
    mz_doc d;
    mz_doc_init(&d);
    if (mz_doc_build(&d, nz, NULL, 0, buf, n, e) != 0) {
        mz_doc_free(&d);
        return -1;
    }
    out->tok = calloc(d.ntok + 1, sizeof *out->tok);
    out->len = calloc(d.ntok + 1, sizeof *out->len);
    if (!out->tok || !out->len) {
        mz_doc_free(&d);
        return mz_fail(e, "out of memory");
    }
    out->n = d.ntok;
    for (size_t i = 0; i < d.ntok; i++) {
        int star = !strcmp(mz_doc_tok(&d, i), WILDCARD_WORD);
        out->tok[i] = strdup(star ? "" : mz_doc_tok(&d, i));
        out->len[i] = star ? 0 : d.tok[i].len;
        if (!out->tok[i]) {
            mz_doc_free(&d);
            return mz_fail(e, "out of memory");
        }
    }
    mz_doc_free(&d);
    return 0;
}

static int load_list(const cJSON *arr, const char *what, const char *tname, mz_normalizer *nz, mz_seq **out,
                     size_t *n, mz_err *e)
{
    *out = NULL;
    *n = 0;
    if (!arr) return 0;
    if (!cJSON_IsArray(arr)) return mz_fail(e, "target \"%s\": \"%s\" must be a list of strings", tname, what);
    int k = cJSON_GetArraySize(arr);
    if (k > 100000) return mz_fail(e, "target \"%s\": too many entries in \"%s\"", tname, what);
    *out = calloc((size_t)k + 1, sizeof **out);
    if (!*out) return mz_fail(e, "out of memory");
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        if (!cJSON_IsString(x) || strlen(x->valuestring) > 512)
            return mz_fail(e, "target \"%s\": \"%s\" must be a list of strings", tname, what);
        mz_seq s = {0};
        if (entry_tokens(x->valuestring, nz, &s, e) != 0) {
            for (size_t k = 0; k < s.n; k++) free(s.tok[k]);
            free(s.tok);
            free(s.len);
            return mz_wrap(e, "target \"%s\": ", tname);
        }
        if (s.n == 0) {
            free(s.tok);
            free(s.len);
            return mz_fail(e, "target \"%s\": entry \"%s\" in \"%s\" has no word", tname, x->valuestring, what);
        }
        /* a match is looked up by its first word and ends on a word */
        if (s.len[0] == 0 || s.len[s.n - 1] == 0) {
            for (size_t k = 0; k < s.n; k++) free(s.tok[k]);
            free(s.tok);
            free(s.len);
            return mz_fail(e, "target \"%s\": entry \"%s\" in \"%s\" begins or ends with \"*\"", tname,
                           x->valuestring, what);
        }
        (*out)[(*n)++] = s;
    }
    return 0;
}

static inline unsigned tail_key(const char *t, size_t n)
{
    return n >= 2 ? ((unsigned)(unsigned char)t[n - 2] << 8) | (unsigned char)t[n - 1] : (unsigned char)t[0];
}

#define TA_MARBUTA "\xD8\xA9"
#define HA "\xD9\x87"

static int ends_with(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && memcmp(s + n - k, p, k) == 0;
}

static void mark_tail(mz_target *x, const char *t, size_t n)
{
    if (!n) return;
    unsigned k = tail_key(t, n);
    x->tail[k >> 3] |= (uint8_t)(1u << (k & 7));
    /* a token ending in ه may be this entry written with ه for ة */
    if (ends_with(t, n, TA_MARBUTA)) {
        k = tail_key(HA, 2);
        x->tail[k >> 3] |= (uint8_t)(1u << (k & 7));
    }
}

/* One target (or cue list) from its JSON object into x (x->name set). */
static int parse_one(mz_target *x, const cJSON *t, const char *name, mz_normalizer *nz, mz_err *e)
{
    x->forms = mz_strmap_new(256);
    x->starts = mz_strmap_new(256);
    if (!x->forms || !x->starts) {
        mz_fail(e, "out of memory");
        return -1;
    }
    if (load_list(cJSON_GetObjectItemCaseSensitive(t, "phrases"), "phrases", x->name, nz, &x->phrases,
                  &x->nphrases, e) ||
        load_list(cJSON_GetObjectItemCaseSensitive(t, "exclude"), "exclude", x->name, nz, &x->exclude,
                  &x->nexclude, e)) {
        mz_wrap(e, "%s: ", name);
        return -1;
    }
    mz_seq *forms = NULL;
    size_t nforms = 0;
    if (load_list(cJSON_GetObjectItemCaseSensitive(t, "forms"), "forms", x->name, nz, &forms, &nforms, e)) {
        seqs_free(forms, nforms);
        mz_wrap(e, "%s: ", name);
        return -1;
    }
    /* One word is a form, more words a phrase, whichever list it is in:
     * the one-word phrase "الغرب" and the form "البيت الابيض" both work. */
    int oom = 0;
    for (size_t i = 0; i < nforms && !oom; i++) {
        if (forms[i].n == 1) {
            oom = mz_strmap_intern(x->forms, forms[i].tok[0], strlen(forms[i].tok[0]), 0, NULL) < 0;
            continue;
        }
        mz_seq *np = realloc(x->phrases, (x->nphrases + 1) * sizeof *np);
        if (!np) {
            oom = 1;
            break;
        }
        x->phrases = np;
        x->phrases[x->nphrases++] = forms[i];
        forms[i].tok = NULL;
        forms[i].len = NULL;
        forms[i].n = 0;
    }
    seqs_free(forms, nforms);
    /* titles are phrases too, kept together so that a match can tell one */
    mz_seq *titles = NULL;
    size_t ntitles = 0;
    if (!oom && load_list(cJSON_GetObjectItemCaseSensitive(t, "titles"), "titles", x->name, nz, &titles, &ntitles, e)) {
        seqs_free(titles, ntitles);
        mz_wrap(e, "%s: ", name);
        return -1;
    }
    x->title_lo = x->title_hi = x->nphrases;
    if (!oom && ntitles) {
        mz_seq *np = realloc(x->phrases, (x->nphrases + ntitles) * sizeof *np);
        if (!np)
            oom = 1;
        else {
            x->phrases = np;
            memcpy(x->phrases + x->nphrases, titles, ntitles * sizeof *titles);
            x->nphrases += ntitles;
            x->title_hi = x->nphrases;
            ntitles = 0;
        }
    }
    seqs_free(titles, ntitles);
    for (size_t i = 0; i < x->nphrases && !oom; i++)
        if (x->phrases[i].n == 1)
            oom = mz_strmap_intern(x->forms, x->phrases[i].tok[0], strlen(x->phrases[i].tok[0]), 0, NULL) < 0;
    if (oom) {
        mz_fail(e, "out of memory");
        return -1;
    }
    /* bucket the sequences by first token (counting sort: order kept) */
    size_t nseq = x->nphrases + x->nexclude;
    int64_t *first = malloc((nseq + 1) * sizeof *first);
    for (size_t q = 0; first && q < nseq && !oom; q++) {
        const mz_seq *sq = q < x->nphrases ? &x->phrases[q] : &x->exclude[q - x->nphrases];
        oom = (first[q] = mz_strmap_intern(x->starts, sq->tok[0], sq->len[0], 0, NULL)) < 0;
    }
    size_t ns = mz_strmap_count(x->starts);
    x->first_off = calloc(ns + 2, sizeof *x->first_off);
    x->first_seq = malloc((nseq + 1) * sizeof *x->first_seq);
    if (oom || !first || !x->first_off || !x->first_seq) {
        free(first);
        mz_fail(e, "out of memory");
        return -1;
    }
    for (size_t q = 0; q < nseq; q++) x->first_off[first[q] + 2]++;
    for (size_t j = 0; j < ns; j++) x->first_off[j + 2] += x->first_off[j + 1];
    for (size_t q = 0; q < nseq; q++) x->first_seq[x->first_off[first[q] + 1]++] = (uint32_t)q;
    free(first);
    memset(x->tail, 0, sizeof x->tail);
    for (size_t i = 0; i < mz_strmap_count(x->forms); i++) {
        size_t kl;
        const char *k = mz_strmap_key(x->forms, i, &kl);
        mark_tail(x, k, kl);
    }
    for (size_t i = 0; i < x->nphrases; i++) mark_tail(x, x->phrases[i].tok[0], strlen(x->phrases[i].tok[0]));
    for (size_t i = 0; i < x->nexclude; i++) mark_tail(x, x->exclude[i].tok[0], strlen(x->exclude[i].tok[0]));
    return 0;
}

int mz_targets_parse(mz_targets *ts, const char *json, size_t len, const char *name, mz_normalizer *nz, mz_err *e)
{
    memset(ts, 0, sizeof *ts);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) return mz_fail(e, "%s: malformed JSON", name);
    const cJSON *tg = cJSON_GetObjectItemCaseSensitive(root, "targets");
    if (!cJSON_IsObject(tg)) {
        cJSON_Delete(root);
        return mz_fail(e, "%s: missing object \"targets\"", name);
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, tg)
    {
        if (ts->n == MZ_MAX_TARGETS) {
            mz_fail(e, "%s: at most %d targets", name, MZ_MAX_TARGETS);
            goto fail;
        }
        mz_target *x = &ts->t[ts->n++];
        if (!t->string || !*t->string || t->string[0] == '@' || strlen(t->string) >= sizeof x->name ||
            !cJSON_IsObject(t)) {
            mz_fail(e, "%s: bad target entry", name);
            goto fail;
        }
        snprintf(x->name, sizeof x->name, "%s", t->string);
        if (parse_one(x, t, name, nz, e) != 0) goto fail;
    }
    if (ts->n == 0) {
        mz_fail(e, "%s: no targets", name);
        goto fail;
    }
    /* optional evaluative cue lists, kept as pseudo-targets "@critical" and
     * "@favourable" (names a real target cannot have) */
    const cJSON *cues = cJSON_GetObjectItemCaseSensitive(root, "cues");
    if (cues && !cJSON_IsObject(cues)) {
        mz_fail(e, "%s: \"cues\" must be an object", name);
        goto fail;
    }
    const char *kinds[2] = {"critical", "favourable"};
    for (int k = 0; cues && k < 2; k++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(cues, kinds[k]);
        if (!c) continue;
        if (!cJSON_IsObject(c) || ts->n == MZ_MAX_TARGETS) {
            mz_fail(e, "%s: bad cue list \"%s\"", name, kinds[k]);
            goto fail;
        }
        mz_target *x = &ts->t[ts->n++];
        snprintf(x->name, sizeof x->name, "@%s", kinds[k]);
        if (parse_one(x, c, name, nz, e) != 0) goto fail;
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    mz_targets_free(ts);
    return -1;
}

int mz_targets_load(mz_targets *ts, const char *path, mz_normalizer *nz, mz_err *e)
{
    char *buf;
    size_t len;
    if (mz_read_file(path, 16u << 20, &buf, &len, e) != 0) return -1;
    int rc = mz_targets_parse(ts, buf, len, path, nz, e);
    free(buf);
    return rc;
}

const mz_target *mz_targets_find(const mz_targets *ts, const char *name)
{
    for (size_t i = 0; i < ts->n; i++)
        if (strcmp(ts->t[i].name, name) == 0) return &ts->t[i];
    return NULL;
}

/* ------------------------------------------------------------ matching */

#define MAXV 24

typedef struct variants {
    char buf[MAXV][128];
    size_t len[MAXV];
    int n;
} variants;

static void addv(variants *v, const char *s, size_t n)
{
    if (v->n == MAXV || n == 0 || n >= sizeof v->buf[0]) return;
    for (int i = 0; i < v->n; i++)
        if (v->len[i] == n && memcmp(v->buf[i], s, n) == 0) return;
    memcpy(v->buf[v->n], s, n);
    v->len[v->n] = n;
    v->n++;
}

static int starts(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && memcmp(s, p, k) == 0;
}

/* Candidates: the token, and every strip of و/ف, ب/ل/ك, ال (لل → ل+ال),
 * keeping at least two letters (4 bytes) of word; with ta, each of these
 * ending in ه also with ة, since news copy often writes a final ة as ه
 * (الخارجيه الروسيه) and the normaliser keeps the two apart. */
static void candidates(const char *t, size_t n, variants *v, int ta)
{
    if (ta && ends_with(t, n, HA)) {
        candidates(t, n, v, 0);
        int k = v->n;
        for (int i = 0; i < k; i++) {
            char tmp[128];
            size_t l = v->len[i];
            if (l >= sizeof tmp) continue;
            memcpy(tmp, v->buf[i], l - 2);
            memcpy(tmp + l - 2, TA_MARBUTA, 2);
            addv(v, tmp, l);
        }
        return;
    }
    v->n = 0;
    addv(v, t, n);
    const char *c1s[] = {"", WAW, FA};
    const char *c2s[] = {"", BA, LAM, KAF};
    for (int a = 0; a < 3; a++) {
        if (!starts(t, n, c1s[a])) continue;
        size_t o1 = strlen(c1s[a]);
        for (int b = 0; b < 4; b++) {
            if (!starts(t + o1, n - o1, c2s[b])) continue;
            size_t o2 = o1 + strlen(c2s[b]);
            if (o2 && n - o2 >= 4) addv(v, t + o2, n - o2);
            /* the article */
            if (starts(t + o2, n - o2, AL) && n - o2 - 4 >= 4) {
                addv(v, t + o2 + 4, n - o2 - 4);
            }
            /* لل: ل + ال with the alef elided */
            if (b == 2 && starts(t + o2, n - o2, LAM) && n - o2 - 2 >= 4) {
                char tmp[128];
                size_t rest = n - o2 - 2;
                if (rest + 4 < sizeof tmp) {
                    memcpy(tmp, AL, 4);
                    memcpy(tmp + 4, t + o2 + 2, rest);
                    addv(v, tmp, rest + 4);
                    addv(v, t + o2 + 2, rest);
                }
            }
        }
    }
}

struct mz_matcher {
    const mz_target *t;
    struct mz_matcher *cue[2]; /* critical, favourable */
    uint8_t *cue_hit;
    size_t cue_cap;
    int8_t *val_of_gid; /* lexicon id → classify_token value (0-3), -1 unknown; a byte
                         * each, so that six matchers' arrays stay in cache */
    uint32_t *soff_of_gid; /* lexicon id → its starts list in pool, or UINT32_MAX:
                            * a word that begins phrases (الرئيس، وزير، الولايات)
                            * recurs, and its candidates need not be made again */
    uint32_t *pool;        /* per list: its length, then its starts entries */
    size_t npool, poolcap;
    size_t gcap;
    uint32_t gen;
    mz_strmap *cache; /* token → bit0: form, bit1: starts a phrase/exclusion */
    uint8_t *excluded; /* per token of the document: inside an exclusion */
    uint8_t *val;      /* per token: its classify_token value */
    size_t cap;
    int names; /* a target's names, not cue words: see the phrase rule in mz_match */
};

mz_matcher *mz_matcher_new(const mz_target *t, mz_err *e)
{
    mz_matcher *m = calloc(1, sizeof *m);
    if (!m || !(m->cache = mz_strmap_new(4096))) {
        free(m);
        mz_fail(e, "out of memory");
        return NULL;
    }
    m->t = t;
    m->names = 1;
    return m;
}

void mz_matcher_free(mz_matcher *m)
{
    if (!m) return;
    mz_strmap_free(m->cache);
    mz_matcher_free(m->cue[0]);
    mz_matcher_free(m->cue[1]);
    free(m->cue_hit);
    free(m->val_of_gid);
    free(m->soff_of_gid);
    free(m->pool);
    free(m->excluded);
    free(m->val);
    free(m);
}

/* Bit 0: a form; bit 1: starts a phrase or exclusion.  Cached by the
 * token's bytes only when the caller has no lexicon id to cache it by. */
static int32_t classify_token(mz_matcher *m, const char *tok, size_t len, int cached)
{
    unsigned tk = tail_key(tok, len);
    if (!(m->t->tail[tk >> 3] & (1u << (tk & 7)))) return 0;
    if (cached) {
        int64_t c = mz_strmap_find(m->cache, tok, len);
        if (c >= 0) return mz_strmap_value(m->cache, (size_t)c);
    }
    variants v;
    candidates(tok, len, &v, m->names);
    int32_t val = 0;
    for (int i = 0; i < v.n; i++) {
        if (mz_strmap_find(m->t->forms, v.buf[i], v.len[i]) >= 0) val |= 1;
        if (mz_strmap_find(m->t->starts, v.buf[i], v.len[i]) >= 0) val |= 2;
    }
    if (!cached) return val;
    if (mz_strmap_count(m->cache) > (1u << 18)) mz_strmap_clear(m->cache);
    if (mz_strmap_intern(m->cache, tok, len, val, NULL) < 0) return -1;
    return val;
}

/* Do tokens 1.. of sequence s follow token i, in its sentence?  (Token 0
 * matched already: s was found by one of token i's candidates.)  With ta a
 * final ه of the text stands for the entry's ة, as in candidates. */
static int seq_rest(const mz_doc *d, size_t i, const mz_seq *s, int ta)
{
    if (i + s->n > d->ntok) return 0;
    for (size_t k = 1; k < s->n; k++) {
        size_t l = d->tok[i + k].len;
        const char *w = mz_doc_tok(d, i + k);
        if (s->len[k] == 0) { /* "*": any word of the sentence */
            if (d->tok[i + k].sent != d->tok[i].sent) return 0;
            continue;
        }
        if (s->len[k] != l) return 0;
        if (memcmp(w, s->tok[k], l) != 0 &&
            !(ta && ends_with(w, l, HA) && ends_with(s->tok[k], l, TA_MARBUTA) && memcmp(w, s->tok[k], l - 2) == 0))
            return 0;
        if (d->tok[i + k].sent != d->tok[i].sent) return 0;
    }
    return 1;
}

/* Runs body, with s naming the sequence, for every phrase (excl = 0) or
 * exclusion (excl = 1) that matches at token i, whose candidates are the
 * starts entries bs[0..nb): only the sequences whose first word is one of
 * the candidates are compared (`continue` in body moves to the next one). */
#define FOR_SEQS_AT(t, d, i, bs, nb, excl, ta, s, body)                                            \
    for (size_t cj_ = 0; cj_ < (nb); cj_++) {                                                    \
        uint32_t b_ = (bs)[cj_];                                                                 \
        for (size_t q_ = (t)->first_off[b_]; q_ < (t)->first_off[b_ + 1]; q_++) {               \
            uint32_t sq_ = (t)->first_seq[q_];                                                   \
            if ((sq_ >= (t)->nphrases) != (excl)) continue;                                      \
            const mz_seq *s = (excl) ? &(t)->exclude[sq_ - (t)->nphrases] : &(t)->phrases[sq_]; \
            if (!seq_rest((d), (i), s, (ta))) continue;                                          \
            body                                                                                 \
        }                                                                                        \
    }

/* classify_token's value of token i, kept per lexicon id when the
 * document has one; -1 on out-of-memory. */
static int32_t token_val(mz_matcher *m, const mz_doc *d, size_t i)
{
    int32_t g = d->tok[i].gid, val;
    if (g >= 0 && (size_t)g < m->gcap && m->val_of_gid[g] >= 0) return m->val_of_gid[g];
    val = classify_token(m, mz_doc_tok(d, i), d->tok[i].len, g < 0);
    if (val < 0 || g < 0) return val;
    if ((size_t)g >= m->gcap) {
        size_t nc = m->gcap ? m->gcap : 4096;
        while (nc <= (size_t)g) nc *= 2;
        int8_t *a = realloc(m->val_of_gid, nc * sizeof *a);
        if (!a) return -1;
        for (size_t k = m->gcap; k < nc; k++) a[k] = -1;
        m->val_of_gid = a;
        uint32_t *o = realloc(m->soff_of_gid, nc * sizeof *o);
        if (!o) return -1;
        for (size_t k = m->gcap; k < nc; k++) o[k] = UINT32_MAX;
        m->soff_of_gid = o;
        m->gcap = nc;
    }
    m->val_of_gid[g] = (int8_t)val;
    return val;
}

/* The starts entries that token i's candidates name (the phrases and
 * exclusions they may begin), in candidate order: kept per lexicon id
 * (token_val has made room for it), else made in local.  NULL on
 * out-of-memory.  Valid until the next call. */
static const uint32_t *token_starts(mz_matcher *m, const mz_doc *d, size_t i, uint32_t local[MAXV], size_t *n)
{
    int32_t g = d->tok[i].gid;
    if (g >= 0 && m->soff_of_gid[g] != UINT32_MAX) {
        uint32_t off = m->soff_of_gid[g];
        *n = m->pool[off];
        return &m->pool[off + 1];
    }
    variants v;
    candidates(mz_doc_tok(d, i), d->tok[i].len, &v, m->names);
    size_t k = 0;
    for (int c = 0; c < v.n; c++) {
        int64_t b = mz_strmap_find(m->t->starts, v.buf[c], v.len[c]);
        if (b >= 0) local[k++] = (uint32_t)b;
    }
    *n = k;
    if (g < 0) return local;
    if (m->npool + k + 1 > m->poolcap) {
        size_t nc = m->poolcap ? m->poolcap * 2 : 4096;
        while (nc < m->npool + k + 1) nc *= 2;
        if (nc > UINT32_MAX) return NULL;
        uint32_t *p = realloc(m->pool, nc * sizeof *p);
        if (!p) return NULL;
        m->pool = p;
        m->poolcap = nc;
    }
    uint32_t off = (uint32_t)m->npool;
    m->pool[off] = (uint32_t)k;
    memcpy(&m->pool[off + 1], local, k * sizeof *local);
    m->npool += k + 1;
    m->soff_of_gid[g] = off;
    return &m->pool[off + 1];
}

/* Does token j, right after a phrase that starts at token i, name the
 * same thing as the phrase: the article and a form, in the phrase's
 * sentence (وكالة المخابرات المركزية الامريكية، البيت الابيض الامريكي)?
 * Then the two are one mention.  A conjunct (وبريطانيا) or a bare name
 * (a list without و) is a mention of its own. */
static int trailing_adjective(const mz_matcher *m, const mz_doc *d, size_t i, size_t j)
{
    static const char al[] = "\xd8\xa7\xd9\x84"; /* ال */
    if (j >= d->ntok || d->tok[j].sent != d->tok[i].sent) return 0;
    const char *tok = mz_doc_tok(d, j);
    size_t len = d->tok[j].len;
    return len > 4 && !memcmp(tok, al, 4) && mz_strmap_find(m->t->forms, tok + 4, len - 4) >= 0;
}

/* Is token i a name as it stands, a form or the first word of a phrase,
 * with no clitic?  After a title it is then the title's holder (الرئيس
 * الروسي فلاديمير بوتين); a conjunct (وبوتين) is someone else. */
static int bare_name(const mz_matcher *m, const mz_doc *d, size_t i)
{
    const char *tok = mz_doc_tok(d, i);
    size_t len = d->tok[i].len;
    return mz_strmap_find(m->t->forms, tok, len) >= 0 || mz_strmap_find(m->t->starts, tok, len) >= 0;
}

long mz_match(mz_matcher *m, const mz_doc *d, uint8_t *hit)
{
    if (d->ntok > m->cap) {
        uint8_t *x = realloc(m->excluded, d->ntok * 2);
        if (!x) return -1;
        m->excluded = x;
        if (!(x = realloc(m->val, d->ntok * 2))) return -1;
        m->val = x;
        m->cap = d->ntok * 2;
    }
    for (size_t s = 0; s < d->nsent; s++) hit[s] = 0;
    if (d->ntok == 0) return 0;
    memset(m->excluded, 0, d->ntok);
    const mz_target *t = m->t;
    long count = 0;
    if (d->lex && m->gen != d->lex->generation) {
        if (m->gcap) {
            memset(m->val_of_gid, -1, m->gcap);
            memset(m->soff_of_gid, 0xFF, m->gcap * sizeof *m->soff_of_gid);
        }
        m->npool = 0;
        m->gen = d->lex->generation;
    }
    /* exclusions first, all of them: one may begin inside a phrase
     * (الحكومة الروسية البيضاء: the phrase الحكومة الروسية, the exclusion
     * الروسية البيضاء), and its tokens are never mentions */
    for (size_t i = 0; i < d->ntok; i++) {
        int32_t val = token_val(m, d, i);
        if (val < 0) return -1;
        m->val[i] = (uint8_t)val;
        uint32_t local[MAXV];
        const uint32_t *bs = local;
        size_t nb = 0;
        if (!(val & 2)) continue;
        if (!(bs = token_starts(m, d, i, local, &nb))) return -1;
        FOR_SEQS_AT(t, d, i, bs, nb, 1, m->names, s, memset(m->excluded + i, 1, s->n);)
    }
    /* the token right after a title phrase (and its adjective): a name
     * there is the title's holder, not a second mention; SIZE_MAX: none */
    size_t holder = SIZE_MAX;
    for (size_t i = 0; i < d->ntok; i++) {
        int32_t val = m->val[i];
        if (m->excluded[i] || !val) continue;
        uint32_t local[MAXV];
        const uint32_t *bs = local;
        size_t nb = 0;
        if ((val & 2) && !(bs = token_starts(m, d, i, local, &nb))) return -1;
        int matched = 0;
        if (val & 2) {
            /* the longest phrase starting here wins, and counts once: its
             * later words are not mentions again */
            size_t best = 0;
            int title = 0;
            FOR_SEQS_AT(t, d, i, bs, nb, 0, m->names, s, {
                if (s->n <= 1 || s->n <= best) continue;
                int clear = 1;
                for (size_t k = 0; k < s->n; k++)
                    if (m->excluded[i + k]) clear = 0;
                if (clear) {
                    best = s->n;
                    size_t p = (size_t)(s - t->phrases);
                    title = p >= t->title_lo && p < t->title_hi;
                }
            })
            if (best) {
                if (m->names && trailing_adjective(m, d, i, i + best)) best++;
                memset(m->excluded + i, 1, best);
                matched = 1;
                if (m->names && i == holder && bare_name(m, d, i)) matched = 2;
                if (m->names && title && i + best < d->ntok && d->tok[i + best].sent == d->tok[i].sent)
                    holder = i + best;
            }
        }
        if (!matched && (val & 1)) matched = m->names && i == holder && bare_name(m, d, i) ? 2 : 1;
        if (matched) {
            if (matched == 1) count++;
            if (d->tok[i].sent < d->nsent) hit[d->tok[i].sent] = 1;
        }
    }
    return count;
}

void mz_context_from_hits(const uint8_t *hit, size_t nsent, int window, uint8_t *ctx)
{
    for (size_t s = 0; s < nsent; s++) ctx[s] = 0;
    for (size_t s = 0; s < nsent; s++) {
        if (!hit[s]) continue;
        size_t a = s >= (size_t)window ? s - (size_t)window : 0;
        size_t b = s + (size_t)window < nsent ? s + (size_t)window : nsent - 1;
        for (size_t k = a; k <= b; k++) ctx[k] = 1;
    }
}

int mz_matcher_set_cues(mz_matcher *m, const mz_target *critical, const mz_target *favourable, mz_err *e)
{
    const mz_target *t[2] = {critical, favourable};
    for (int k = 0; k < 2; k++) {
        if (t[k] && !(m->cue[k] = mz_matcher_new(t[k], e))) return -1;
        if (m->cue[k]) m->cue[k]->names = 0; /* cue counts are features: they keep the plain rule */
    }
    return 0;
}

long mz_target_features(mz_matcher *m, const mz_doc *d, int window, uint8_t *hit, uint8_t *ctx,
                        mz_extra *ex, size_t *nex)
{
    long c = mz_match(m, d, hit);
    *nex = 0;
    if (c < 0) return -1;
    mz_context_from_hits(hit, d->nsent, window, ctx);
    if (c == 0) return 0;
    static const char *const near[2] = {"@crit_near", "@fav_near"}, *const all[2] = {"@crit_all", "@fav_all"};
    for (int k = 0; k < 2; k++) {
        if (!m->cue[k]) continue;
        if (d->nsent > m->cue_cap) {
            uint8_t *h = realloc(m->cue_hit, d->nsent * 2);
            if (!h) return -1;
            m->cue_hit = h;
            m->cue_cap = d->nsent * 2;
        }
        long n = mz_match(m->cue[k], d, m->cue_hit);
        if (n < 0) return -1;
        long in_ctx = 0;
        for (size_t s = 0; s < d->nsent; s++) in_ctx += m->cue_hit[s] && ctx[s];
        if (in_ctx) ex[(*nex)++] = (mz_extra){near[k], (double)in_ctx};
        if (n) ex[(*nex)++] = (mz_extra){all[k], (double)n};
    }
    ex[(*nex)++] = (mz_extra){"@mention", (double)c};
    int in_title = 0, in_lead = 0;
    size_t body = 0;
    for (size_t s = 0; s < d->nsent; s++) {
        if (d->sent[s].in_title) {
            in_title |= hit[s];
            continue;
        }
        if (body++ < 3) in_lead |= hit[s];
    }
    if (in_title) ex[(*nex)++] = (mz_extra){"@title", 1.0};
    if (in_lead) ex[(*nex)++] = (mz_extra){"@lead", 1.0};
    return c;
}
