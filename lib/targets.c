/* targets.c — see targets.h. */
#include "targets.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "jsonscan.h"
#include "utf8.h"

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
        mz_strmap_free(t->people);
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
 * lexicon could never list.  It is kept as an empty token.  The entry is
 * split at whitespace first and each other word tokenised on its own, so
 * no placeholder goes through the normaliser: none could be told from a
 * word of the entry.  A star glued to a word, doubled, or written as one
 * of its look-alikes would silently become part of another phrase, so such
 * an entry is refused. */
static const char *const star_likes[] = {"*", "\xD9\xAD" /* ٭ */, "\xEF\xBC\x8A" /* ＊ */, "\xEF\xB9\xA1" /* ﹡ */};

/* Bytes of the whitespace character at p (ASCII, no-break and the Unicode
 * spaces NFKC makes a space, which the tokenizer then splits at), or 0. */
static size_t space_at(const unsigned char *p)
{
    if (*p == ' ' || (*p >= '\t' && *p <= '\r')) return 1;
    return mz_utf8_wide_space((const char *)p, strnlen((const char *)p, 3));
}

/* Up to 48 bytes of s, cut at a character boundary, for a message. */
static void entry_start(const char *s, char out[64])
{
    size_t n = strlen(s);
    if (n > 48) {
        n = 48;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    snprintf(out, 64, "%.*s%s", (int)n, s, n < strlen(s) ? "..." : "");
    /* a message is one line, whatever the file's strings hold */
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
}

static void seq_clear(mz_seq *s)
{
    for (size_t k = 0; k < s->n; k++) free(s->tok[k]);
    free(s->tok);
    free(s->len);
    memset(s, 0, sizeof *s);
}

static int seq_push(mz_seq *s, const char *t, size_t n, size_t *cap)
{
    if (s->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        char **nt = realloc(s->tok, nc * sizeof *nt);
        if (!nt) return -1;
        s->tok = nt;
        size_t *nl = realloc(s->len, nc * sizeof *nl);
        if (!nl) return -1;
        s->len = nl;
        *cap = nc;
    }
    char *c = malloc(n + 1);
    if (!c) return -1;
    memcpy(c, t, n);
    c[n] = 0;
    s->tok[s->n] = c;
    s->len[s->n++] = n;
    return 0;
}

#define TA_MARBUTA "\xD8\xA9"
#define HA "\xD9\x87"

/* Normalise a lexicon entry and split it into tokens the way articles are.
 * With names, a word's final ه becomes ة: the matcher reads a text's final
 * ه as ة too, so an entry written either way matches both spellings (not
 * for cue words: حكمه, his ruling, is not حكمة). */
static int entry_tokens(const char *s, int names, mz_normalizer *nz, mz_doc *d, mz_seq *out, mz_err *e)
{
    size_t cap = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t sp = space_at(p);
        if (sp) {
            p += sp;
            continue;
        }
        const unsigned char *w = p;
        while (*p && !space_at(p)) p++;
        size_t wl = (size_t)(p - w);
        if (wl == 1 && *w == '*') {
            if (seq_push(out, "", 0, &cap) != 0) return mz_fail(e, "out of memory");
            continue;
        }
        for (size_t k = 0; k < sizeof star_likes / sizeof *star_likes; k++) {
            size_t kl = strlen(star_likes[k]);
            for (const unsigned char *q = w; q + kl <= p; q++)
                if (!memcmp(q, star_likes[k], kl))
                    return mz_fail(e, "holds \"%.*s\" that is not a word \"*\" of its own (the only wildcard)",
                                   (int)wl, (const char *)w);
        }
        if (mz_doc_build(d, nz, NULL, 0, (const char *)w, wl, e) != 0) return -1;
        if (d->dropped)
            return mz_fail(e, "has a word longer than %d characters, which text never holds as one word: \"%.*s\"",
                           MZ_TOKEN_MAX_CHARS, (int)wl, (const char *)w);
        /* punctuation (a dash, an ellipsis, a star look-alike) is no word
         * of the text: dropped, it would make the entry another one */
        if (d->ntok == 0)
            return mz_fail(e, "has \"%.*s\", which is no word (no letter or digit)", (int)wl, (const char *)w);
        for (size_t i = 0; i < d->ntok; i++) {
            if (seq_push(out, mz_doc_tok(d, i), d->tok[i].len, &cap) != 0) return mz_fail(e, "out of memory");
            size_t l = out->len[out->n - 1];
            if (names && l >= 4 && !memcmp(out->tok[out->n - 1] + l - 2, HA, 2))
                memcpy(out->tok[out->n - 1] + l - 2, TA_MARBUTA, 2);
        }
    }
    return 0;
}

#define MAX_ENTRY 512

static int load_list(const cJSON *arr, const char *what, const char *who, int names, mz_normalizer *nz,
                     mz_doc *d, mz_seq **out, size_t *n, mz_err *e)
{
    *out = NULL;
    *n = 0;
    if (!arr) return 0;
    if (!cJSON_IsArray(arr)) return mz_fail(e, "%s: \"%s\" must be a list of strings", who, what);
    int k = cJSON_GetArraySize(arr);
    if (k > 100000) return mz_fail(e, "%s: too many entries in \"%s\"", who, what);
    *out = calloc((size_t)k + 1, sizeof **out);
    if (!*out) return mz_fail(e, "out of memory");
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        if (!cJSON_IsString(x)) return mz_fail(e, "%s: \"%s\" must be a list of strings", who, what);
        char head[64];
        entry_start(x->valuestring, head);
        if (strlen(x->valuestring) > MAX_ENTRY)
            return mz_fail(e, "%s: an entry in \"%s\" is too long (over %d bytes): \"%s\"", who, what,
                           MAX_ENTRY, head);
        mz_seq s = {0};
        if (entry_tokens(x->valuestring, names, nz, d, &s, e) != 0) {
            seq_clear(&s);
            return mz_wrap(e, "%s: entry \"%s\" in \"%s\" ", who, head, what);
        }
        if (s.n == 0) {
            seq_clear(&s);
            return mz_fail(e, "%s: entry \"%s\" in \"%s\" has no word", who, head, what);
        }
        /* a match is looked up by its first word and ends on a word */
        if (s.len[0] == 0 || s.len[s.n - 1] == 0) {
            seq_clear(&s);
            return mz_fail(e, "%s: entry \"%s\" in \"%s\" begins or ends with \"*\"", who, head, what);
        }
        /* a form of several words would miss the rules of phrases and people
         * (a title merges with a person, not with a form) */
        if (s.n > 1 && !strcmp(what, "forms")) {
            seq_clear(&s);
            return mz_fail(e, "%s: form \"%s\" is more than one word once normalised: forms are single words (a "
                              "person's name goes under people, any other name of several words under phrases)",
                           who, head);
        }
        (*out)[(*n)++] = s;
    }
    return 0;
}

static inline unsigned tail_key(const char *t, size_t n)
{
    return n >= 2 ? ((unsigned)(unsigned char)t[n - 2] << 8) | (unsigned char)t[n - 1] : (unsigned char)t[0];
}

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

/* A key the program does not read would be a silent no-op ("form" for
 * "forms", a mistyped cue list), and of a key given twice only the first
 * would be read: both are refused, naming the keys that are read. */
static int check_keys(const cJSON *obj, const char *const *allowed, size_t nallowed, const char *where,
                      mz_err *e)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, obj)
    {
        size_t k = 0;
        while (k < nallowed && strcmp(c->string, allowed[k]) != 0) k++;
        if (k == nallowed) {
            char list[256] = "";
            for (size_t j = 0; j < nallowed; j++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? ", " : "", allowed[j]);
            char key[64];
            entry_start(c->string, key);
            return mz_fail(e, "%sunknown key \"%s\" (the keys read are %s)", where, key, list);
        }
        for (const cJSON *b = obj->child; b != c; b = b->next)
            if (!strcmp(b->string, c->string)) return mz_fail(e, "%skey \"%s\" given twice", where, c->string);
        if (!strcmp(c->string, "note") && !cJSON_IsString(c))
            return mz_fail(e, "%s\"note\" must be a string (words for a person)", where);
    }
    return 0;
}

/* The lists of a target, in the order their sequences take in phrases
 * (ties between equally long matches go to the first). */
enum { L_PHRASES, L_FORMS, L_PEOPLE, L_TITLES, L_EXCLUDE, NLISTS };
static const char *const list_keys[NLISTS] = {"phrases", "forms", "people", "titles", "exclude"};

/* An entry in two lists would follow the rule of whichever comes first:
 * refused, naming both. */
static int lists_apart(mz_seq *const *l, const size_t *nl, const char *where, mz_err *e)
{
    mz_strmap *seen = mz_strmap_new(1024);
    if (!seen) return mz_fail(e, "out of memory");
    int rc = 0;
    for (int k = 0; rc == 0 && k < NLISTS; k++)
        for (size_t i = 0; rc == 0 && i < nl[k]; i++) {
            char key[MAX_ENTRY * 4 + 64];
            size_t kn = 0;
            for (size_t j = 0; j < l[k][i].n && kn + l[k][i].len[j] + 2 < sizeof key; j++) {
                if (j) key[kn++] = ' ';
                if (!l[k][i].len[j]) key[kn++] = '*';
                memcpy(key + kn, l[k][i].tok[j], l[k][i].len[j]);
                kn += l[k][i].len[j];
            }
            int ins = 0;
            int64_t at = mz_strmap_intern(seen, key, kn, k, &ins);
            if (at < 0) {
                rc = mz_fail(e, "out of memory");
                break;
            }
            int was = mz_strmap_value(seen, (size_t)at);
            if (!ins && was != k)
                rc = mz_fail(e, "%s\"%.*s\" is given in both \"%s\" and \"%s\": which rule it follows cannot be told",
                             where, (int)kn, key, list_keys[was], list_keys[k]);
        }
    mz_strmap_free(seen);
    return rc;
}

/* The lists' entries into x: one word is a form, more words a phrase,
 * whichever list it is in (the one-word phrase "الغرب" works; a form of
 * several words is refused by load_list); a one-word person is also kept
 * apart, as a title's possible holder.  The sequences x keeps are taken
 * from l (left empty there), the exclusions' list whole. */
static int keep_entries(mz_target *x, mz_seq **l, size_t *nl, mz_err *e)
{
    size_t total = 0;
    for (int k = 0; k < L_EXCLUDE; k++) total += nl[k];
    if (!(x->phrases = calloc(total + 1, sizeof *x->phrases))) return mz_fail(e, "out of memory");
    for (int k = 0; k < L_EXCLUDE; k++) {
        if (k == L_PEOPLE) x->people_lo = x->nphrases;
        if (k == L_TITLES) x->title_lo = x->nphrases;
        for (size_t i = 0; i < nl[k]; i++) {
            mz_seq *s = &l[k][i];
            if (s->n == 1 &&
                (mz_strmap_intern(x->forms, s->tok[0], s->len[0], 0, NULL) < 0 ||
                 (k == L_PEOPLE && mz_strmap_intern(x->people, s->tok[0], s->len[0], 0, NULL) < 0)))
                return mz_fail(e, "out of memory");
            if (s->n == 1 && k != L_PHRASES) continue; /* a one-word phrase stays one, as before */
            x->phrases[x->nphrases++] = *s;
            memset(s, 0, sizeof *s);
        }
        if (k == L_PEOPLE) x->people_hi = x->nphrases;
        if (k == L_TITLES) x->title_hi = x->nphrases;
    }
    x->exclude = l[L_EXCLUDE];
    x->nexclude = nl[L_EXCLUDE];
    l[L_EXCLUDE] = NULL;
    nl[L_EXCLUDE] = 0;
    return 0;
}

/* The phrases and exclusions bucketed by their first word (a counting
 * sort, which keeps their order), and the tails every entry ends with.
 * Returns -1 when out of memory. */
static int index_first_words(mz_target *x)
{
    size_t nseq = x->nphrases + x->nexclude;
    int64_t *first = malloc((nseq + 1) * sizeof *first);
    int oom = !first;
    for (size_t q = 0; first && q < nseq && !oom; q++) {
        const mz_seq *sq = q < x->nphrases ? &x->phrases[q] : &x->exclude[q - x->nphrases];
        oom = (first[q] = mz_strmap_intern(x->starts, sq->tok[0], sq->len[0], 0, NULL)) < 0;
    }
    size_t ns = mz_strmap_count(x->starts);
    x->first_off = calloc(ns + 2, sizeof *x->first_off);
    x->first_seq = malloc((nseq + 1) * sizeof *x->first_seq);
    if (oom || !x->first_off || !x->first_seq) {
        free(first);
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
    for (size_t i = 0; i < x->nphrases; i++) mark_tail(x, x->phrases[i].tok[0], x->phrases[i].len[0]);
    for (size_t i = 0; i < x->nexclude; i++) mark_tail(x, x->exclude[i].tok[0], x->exclude[i].len[0]);
    return 0;
}

/* One target (or cue list, names = 0) from its JSON object into x (x->name set). */
static int parse_one(mz_target *x, const cJSON *t, const char *name, int names, mz_normalizer *nz, mz_err *e)
{
    static const char *const tkeys[] = {"forms", "people", "phrases", "titles", "exclude", "note"};
    static const char *const ckeys[] = {"forms", "phrases", "exclude", "note"};
    char where[160];
    char who[128];
    snprintf(who, sizeof who, "%s \"%s\"", names ? "target" : "cue list", x->name + !names);
    snprintf(where, sizeof where, "%s: %s: ", name, who);
    if (check_keys(t, names ? tkeys : ckeys, names ? 6 : 4, where, e) != 0) return -1;
    x->forms = mz_strmap_new(256);
    x->people = mz_strmap_new(64);
    x->starts = mz_strmap_new(256);
    if (!x->forms || !x->people || !x->starts) return mz_fail(e, "out of memory");
    mz_seq *l[NLISTS] = {0};
    size_t nl[NLISTS] = {0};
    mz_doc d;
    mz_doc_init(&d);
    int rc = -1;
    for (int k = 0; k < NLISTS; k++)
        if (load_list(cJSON_GetObjectItemCaseSensitive(t, list_keys[k]), list_keys[k], who, names, nz, &d,
                      &l[k], &nl[k], e)) {
            mz_wrap(e, "%s: ", name);
            goto out;
        }
    if (nl[L_FORMS] + nl[L_PEOPLE] + nl[L_PHRASES] + nl[L_TITLES] == 0) {
        mz_fail(e, "%shas no %s", where, names ? "forms, people, phrases or titles" : "forms or phrases");
        goto out;
    }
    /* a one-word title would be a form that swallows the name after it */
    for (size_t i = 0; i < nl[L_TITLES]; i++)
        if (l[L_TITLES][i].n == 1) {
            mz_fail(e, "%stitle \"%s\" is one word: a title is an office of two words or more (a name goes "
                       "under forms or people)",
                    where, l[L_TITLES][i].tok[0]);
            goto out;
        }
    if (lists_apart(l, nl, where, e) != 0) goto out;
    if (keep_entries(x, l, nl, e) != 0) goto out;
    if (index_first_words(x) != 0) {
        mz_fail(e, "out of memory");
        goto out;
    }
    rc = 0;
out:
    for (int k = 0; k < NLISTS; k++) seqs_free(l[k], nl[k]);
    mz_doc_free(&d);
    return rc;
}

/* A lexicon that cJSON could not read, stopped at `at` (NULL: nowhere to
 * show), more when a value was followed by more: said as a line and a
 * column, since the file is edited by hand. */
static int malformed(const char *json, size_t len, const char *at, int more, const char *name, mz_err *e)
{
    const char *why = more ? ": more after the value" : "";
    if (!at || at < json || at > json + len) return mz_fail(e, "%s: malformed JSON", name);
    size_t line = 1, col = 1;
    for (const char *c = json; c < at; c++) {
        if (*c == '\n') line++, col = 1;
        else if (((unsigned char)*c & 0xC0) != 0x80) col++;
    }
    /* what follows, up to 12 bytes on its line: a message is one line */
    int show = 0;
    while (show < 12 && at + show < json + len && (unsigned char)at[show] >= 0x20 && at[show] != 0x7f) show++;
    while (show > 0 && ((unsigned char)at[show] & 0xC0) == 0x80 && at + show < json + len) show--;
    return mz_fail(e, "%s:%zu:%zu: malformed JSON%s (near \"%.*s\")", name, line, col, why, show, at);
}

/* Target t's name fits a name of cap bytes and a TSV column, and t is an
 * object of lists. */
static int target_named(const cJSON *t, size_t cap, const char *name, mz_err *e)
{
    const char *why = !t->string || !*t->string     ? "has an empty name"
                      : t->string[0] == '@'            ? "names itself with '@', which cue lists use"
                      : strlen(t->string) >= cap       ? "has a name too long"
                      : !cJSON_IsObject(t)             ? "is not an object of lists"
                                                       : NULL;
    for (const char *c = t->string; !why && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) why = "has a control character in its name (a column of TSV output)";
    if (!why) return 0;
    /* named where it can be shown: not empty, no control character */
    int show = t->string && *t->string;
    for (const char *c = t->string; show && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) show = 0;
    return mz_fail(e, "%s: a target%s%.40s%s %s", name, show ? " (\"" : "", show ? t->string : "", show ? "\")" : "",
                   why);
}

/* The lexicon's optional "cues" object (NULL: none): evaluative cue
 * lists, kept after the targets as pseudo-targets "@critical" and
 * "@favourable" (names a real target cannot have). */
static int parse_cues(mz_targets *ts, const cJSON *cues, const char *name, mz_normalizer *nz, mz_err *e)
{
    if (!cues) return 0;
    if (!cJSON_IsObject(cues)) return mz_fail(e, "%s: \"cues\" must be an object", name);
    static const char *const ckeys[] = {"note", "critical", "favourable"};
    char where[160];
    snprintf(where, sizeof where, "%s: \"cues\": ", name);
    if (check_keys(cues, ckeys, 3, where, e) != 0) return -1;
    const char *kinds[2] = {"critical", "favourable"};
    for (int k = 0; k < 2; k++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(cues, kinds[k]);
        if (!c) continue;
        if (!cJSON_IsObject(c) || ts->n == MZ_MAX_TARGETS) return mz_fail(e, "%s: bad cue list \"%s\"", name, kinds[k]);
        mz_target *x = &ts->t[ts->n++];
        snprintf(x->name, sizeof x->name, "@%s", kinds[k]);
        if (parse_one(x, c, name, 0, nz, e) != 0) return -1;
    }
    return 0;
}

#define LEXICON_VERSION 1

int mz_targets_parse(mz_targets *ts, const char *json, size_t len, const char *name, mz_normalizer *nz, mz_err *e)
{
    memset(ts, 0, sizeof *ts);
    /* cJSON keeps strings NUL-terminated: an entry holding a NUL would be
     * cut short there without a word */
    if (memchr(json, 0, len) || mz_json_nul_escape(json, len, NULL))
        return mz_fail(e, "%s: a string holds a NUL character (\\u0000), which the lexicon cannot hold", name);
    /* one JSON value, whole: cJSON stops at the end of the first, so a
     * stray "}" mid-file would drop every section after it without a word */
    const char *at = NULL;
    int more = 0;
    cJSON *root = mz_json_parse_one(json, len, &at, &more);
    if (!root) return malformed(json, len, at, more, name, e);
    static const char *const rkeys[] = {"version", "note", "targets", "cues"};
    char where[160];
    snprintf(where, sizeof where, "%s: ", name);
    if (cJSON_IsObject(root) && check_keys(root, rkeys, 4, where, e) != 0) goto fail;
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (ver && !(cJSON_IsNumber(ver) && ver->valuedouble == LEXICON_VERSION)) {
        if (cJSON_IsNumber(ver))
            mz_fail(e, "%s: lexicon version %g is not one this program reads (it reads version %d)", name,
                    ver->valuedouble, LEXICON_VERSION);
        else
            mz_fail(e, "%s: \"version\" must be the number %d", name, LEXICON_VERSION);
        goto fail;
    }
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
        if (target_named(t, sizeof x->name, name, e) != 0) goto fail;
        snprintf(x->name, sizeof x->name, "%s", t->string);
        for (size_t k = 0; k + 1 < ts->n; k++)
            if (!strcmp(ts->t[k].name, x->name)) {
                mz_fail(e, "%s: target \"%s\" given twice", name, x->name);
                goto fail;
            }
        if (parse_one(x, t, name, 1, nz, e) != 0) goto fail;
    }
    if (ts->n == 0) {
        mz_fail(e, "%s: no targets", name);
        goto fail;
    }
    if (parse_cues(ts, cJSON_GetObjectItemCaseSensitive(root, "cues"), name, nz, e) != 0) goto fail;
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

/* Is w[0..l) the form f as it stands, or with its final ه read as ة? */
static int same_name(const char *w, size_t l, const char *f, size_t fl)
{
    if (l != fl) return 0;
    if (!memcmp(w, f, l)) return 1;
    return ends_with(w, l, HA) && ends_with(f, l, TA_MARBUTA) && !memcmp(w, f, l - 2);
}

/* Does token j, right after a phrase that starts at token i, name the
 * same thing as the phrase: the article and a form, in the phrase's
 * sentence (وكالة المخابرات المركزية الامريكية، البيت الابيض الامريكي)?
 * Then the two are one mention.  A conjunct (وبريطانيا) or a bare name
 * (a list without و) is a mention of its own.  A final ه is read as ة
 * here too (الامريكيه), as everywhere in a name. */
static int trailing_adjective(const mz_matcher *m, const mz_doc *d, size_t i, size_t j)
{
    static const char al[] = "\xd8\xa7\xd9\x84"; /* ال */
    if (j >= d->ntok || d->tok[j].sent != d->tok[i].sent) return 0;
    const char *tok = mz_doc_tok(d, j);
    size_t len = d->tok[j].len;
    if (len <= 4 || memcmp(tok, al, 4) != 0) return 0;
    if (mz_strmap_find(m->t->forms, tok + 4, len - 4) >= 0) return 1;
    if (!ends_with(tok, len, HA) || len - 4 >= 128) return 0;
    char ta[128];
    memcpy(ta, tok + 4, len - 6);
    memcpy(ta + (len - 6), TA_MARBUTA, 2); /* ta + len would point past ta's end */
    return mz_strmap_find(m->t->forms, ta, len - 4) >= 0;
}

/* Is token i, as it stands (no clitic), a one-word entry of "people"?
 * After a title it is then the title's holder (الرئيس الروسي بوتين); a
 * conjunct (وبوتين) is someone else, and so is any other name: after a
 * title the next word is often the verb's object (انتقد الرئيس الامريكي
 * فرنسا) or another office (استقبل الرئيس الفرنسي المستشار الالماني). */
static int bare_person(const mz_matcher *m, const mz_doc *d, size_t i)
{
    const char *tok = mz_doc_tok(d, i);
    size_t len = d->tok[i].len;
    if (mz_strmap_find(m->t->people, tok, len) >= 0) return 1;
    if (!ends_with(tok, len, HA) || len >= 128) return 0;
    char ta[128];
    memcpy(ta, tok, len - 2);
    memcpy(ta + len - 2, TA_MARBUTA, 2);
    return mz_strmap_find(m->t->people, ta, len) >= 0;
}

/* Does a phrase or title of more than one word begin at token j and match
 * there?  A "*" of another entry must not stand for its first word:
 * مدرب * الامريكي would otherwise swallow المدرب السفير الامريكي, a coach
 * and an ambassador.  -1 on out-of-memory. */
static int phrase_at(mz_matcher *m, const mz_doc *d, size_t j)
{
    if (!(m->val[j] & 2)) return 0;
    uint32_t local[MAXV];
    size_t nb = 0;
    const uint32_t *bs = token_starts(m, d, j, local, &nb);
    if (!bs) return -1;
    FOR_SEQS_AT(m->t, d, j, bs, nb, 0, m->names, s, {
        if (s->n > 1) return 1;
    })
    return 0;
}

/* Does each "*" of s, matched at token i, stand on a word that begins no
 * phrase or title (phrase_at)?  -1 on out-of-memory. */
static int stars_free(mz_matcher *m, const mz_doc *d, size_t i, const mz_seq *s)
{
    for (size_t k = 1; k + 1 < s->n; k++) {
        if (s->len[k]) continue;
        int p = phrase_at(m, d, i + k);
        if (p) return p < 0 ? -1 : 0;
    }
    return 1;
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
    for (size_t i = 0; i < d->ntok; i++) {
        int32_t val = token_val(m, d, i);
        if (val < 0) return -1;
        m->val[i] = (uint8_t)val;
    }
    /* exclusions first, all of them: one may begin inside a phrase
     * (الحكومة الروسية البيضاء: the phrase الحكومة الروسية, the exclusion
     * الروسية البيضاء), and its tokens are never mentions */
    for (size_t i = 0; i < d->ntok; i++) {
        if (!(m->val[i] & 2)) continue;
        uint32_t local[MAXV], mine[MAXV];
        size_t nb = 0;
        const uint32_t *bs = token_starts(m, d, i, local, &nb);
        if (!bs) return -1;
        /* stars_free looks up other tokens' starts, which may move these */
        memcpy(mine, bs, nb * sizeof *bs);
        FOR_SEQS_AT(t, d, i, mine, nb, 1, m->names, s, {
            int ok = stars_free(m, d, i, s);
            if (ok < 0) return -1;
            if (ok) memset(m->excluded + i, 1, s->n);
        })
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
            int title = 0, person = 0;
            uint32_t mine[MAXV];
            memcpy(mine, bs, nb * sizeof *bs); /* stars_free may move bs */
            FOR_SEQS_AT(t, d, i, mine, nb, 0, m->names, s, {
                if (s->n <= 1 || s->n <= best) continue;
                int clear = 1;
                for (size_t k = 0; k < s->n; k++)
                    if (m->excluded[i + k]) clear = 0;
                int ok = clear ? stars_free(m, d, i, s) : 0;
                if (ok < 0) return -1;
                if (ok) {
                    best = s->n;
                    size_t p = (size_t)(s - t->phrases);
                    title = p >= t->title_lo && p < t->title_hi;
                    /* a person's name, its first word with no clitic */
                    person = p >= t->people_lo && p < t->people_hi &&
                             same_name(mz_doc_tok(d, i), d->tok[i].len, s->tok[0], s->len[0]);
                }
            })
            if (best) {
                if (m->names && trailing_adjective(m, d, i, i + best)) best++;
                memset(m->excluded + i, 1, best);
                matched = 1;
                if (m->names && i == holder && person) matched = 2;
                if (m->names && title && i + best < d->ntok && d->tok[i + best].sent == d->tok[i].sent)
                    holder = i + best;
            }
        }
        if (!matched && (val & 1)) matched = m->names && i == holder && bare_person(m, d, i) ? 2 : 1;
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
