/* flatrecord.c — see flatrecord.h.
 *
 * Every rule below errs towards declining: what this reader accepts must be
 * a subset of what cJSON accepts, read the same way.  cJSON skips any byte
 * up to the space as whitespace, takes a number as whatever strtod reads
 * from its characters (at most 63 of them), and unescapes \" \\ \/ \b \f \n \r
 * \t; a strict JSON number of up to 32 characters, the four whitespace
 * bytes and those escapes are therefore safe. */
#include "flatrecord.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

typedef struct cur {
    const char *p, *end;
} cur;

static void skip_ws(cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')) c->p++;
}

/* Any byte under 0x20 in [s, e)?  Eight at a time: a byte b < 0x20 is one
 * where b - 0x20 borrows while b's top bit is clear (the word trick is
 * exact for the first such byte, which is all a yes/no needs). */
static int has_control(const char *s, const char *e)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    for (; e - s >= 8; s += 8) {
        uint64_t x;
        memcpy(&x, s, 8);
        if ((x - 0x20 * ones) & ~x & highs) return 1;
    }
    for (; s < e; s++)
        if ((unsigned char)*s < 0x20) return 1;
    return 0;
}

/* A string at c->p (its opening quote): its contents [*s, *e), whether it
 * holds escapes; 0 to decline. */
static int string_span(cur *c, const char **s, const char **e, int *esc)
{
    if (c->p >= c->end || *c->p != '"') return 0;
    const char *q = c->p + 1, *quote = NULL;
    *esc = 0;
    for (;;) {
        /* searched again only once an escape has passed it (an escaped
         * quote): searched after each escape, a long line of escapes
         * cost the square of its length */
        if (!quote || quote < q) quote = memchr(q, '"', (size_t)(c->end - q));
        if (!quote) return 0;
        const char *bs = memchr(q, '\\', (size_t)(quote - q));
        if (!bs) {
            if (has_control(q, quote)) return 0;
            *s = c->p + 1;
            *e = quote;
            c->p = quote + 1;
            return 1;
        }
        if (has_control(q, bs) || bs + 1 >= c->end) return 0;
        switch (bs[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': break;
        default: return 0; /* \u among them: the full parse decodes it */
        }
        *esc = 1;
        q = bs + 2;
    }
}

/* A strict JSON number, true, false or null at c->p. */
static int scalar(cur *c)
{
    static const char *const lit[] = {"true", "false", "null"};
    for (int k = 0; k < 3; k++) {
        size_t l = strlen(lit[k]);
        if ((size_t)(c->end - c->p) >= l && !memcmp(c->p, lit[k], l)) {
            c->p += l;
            return 1;
        }
    }
    const char *p = c->p, *end = c->end;
#define DIGIT (p < end && *p >= '0' && *p <= '9')
    if (p < end && *p == '-') p++;
    if (!DIGIT) return 0;
    if (*p == '0') p++;
    else
        while (DIGIT) p++;
    if (p < end && *p == '.') {
        p++;
        if (!DIGIT) return 0;
        while (DIGIT) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!DIGIT) return 0;
        while (DIGIT) p++;
    }
#undef DIGIT
    /* cJSON 1.7.15 reads a number through a 64-byte buffer and fails on a
     * longer one */
    if (p - c->p > 32) return 0;
    c->p = p;
    return 1;
}

/* The string's contents, unescaped, NUL-terminated (cJSON's valuestring). */
static char *unescape(const char *s, const char *e, int esc, size_t *len)
{
    size_t n = (size_t)(e - s);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    if (!esc) {
        memcpy(out, s, n);
        out[n] = '\0';
        *len = n;
        return out;
    }
    size_t o = 0;
    for (const char *p = s; p < e;) {
        const char *bs = memchr(p, '\\', (size_t)(e - p));
        size_t run = bs ? (size_t)(bs - p) : (size_t)(e - p);
        memcpy(out + o, p, run);
        o += run;
        if (!bs) break;
        char x = bs[1];
        out[o++] = x == 'b' ? '\b' : x == 'f' ? '\f' : x == 'n' ? '\n' : x == 'r' ? '\r' : x == 't' ? '\t' : x;
        p = bs + 2;
    }
    out[o] = '\0';
    *len = o;
    return out;
}

enum { F_ID, F_TEXT, F_TITLE, F_LABEL, F_EXTRA, NF = F_EXTRA + MZ_FLAT_EXTRA };

/* What the line holds for one field of interest. */
typedef struct slot {
    int seen, is_str, is_null, esc;
    const char *s, *e;
} slot;

static int is_key(const char *s, const char *e, const char *name)
{
    return name && (size_t)(e - s) == strlen(name) && !memcmp(s, name, (size_t)(e - s));
}

void mz_flat_free(mz_flat *r)
{
    free(r->id);
    free(r->text);
    free(r->title);
    for (int i = 0; i < MZ_FLAT_EXTRA; i++) free(r->extra[i]);
    memset(r, 0, sizeof *r);
}

int mz_flat_record(const char *line, size_t len, const mz_fields *f, const char *const *extra_fields,
                   mz_flat *out)
{
    memset(out, 0, sizeof *out);
    if (mz_utf8_check(line, len, NULL, NULL) != 0) return 0;
    const char *names[NF] = {f->id, f->text, f->title, f->label}; /* a label only to see it once */
    for (int i = 0; i < MZ_FLAT_EXTRA; i++) names[F_EXTRA + i] = extra_fields ? extra_fields[i] : NULL;
    slot sl[NF];
    memset(sl, 0, sizeof sl);
    cur c = {line, line + len};
    skip_ws(&c);
    if (c.p >= c.end || *c.p != '{') return 0;
    c.p++;
    skip_ws(&c);
    if (c.p < c.end && *c.p == '}') return 0; /* no text: the full parse says so */
    for (;;) {
        const char *ks, *ke, *vs = NULL, *ve = NULL;
        int kesc, vesc = 0, str = 0;
        if (!string_span(&c, &ks, &ke, &kesc) || kesc) return 0;
        skip_ws(&c);
        if (c.p >= c.end || *c.p != ':') return 0;
        c.p++;
        skip_ws(&c);
        const char *v0 = c.p;
        if (c.p < c.end && *c.p == '"') {
            if (!string_span(&c, &vs, &ve, &vesc)) return 0;
            str = 1;
        } else if (!scalar(&c)) {
            return 0;
        }
        for (int k = 0; k < NF; k++) {
            if (!is_key(ks, ke, names[k])) continue;
            if (sl[k].seen) return 0; /* cJSON would take the first; not worth the doubt */
            sl[k] = (slot){1, str, !str && c.p - v0 == 4 && !memcmp(v0, "null", 4), vesc, vs, ve};
        }
        skip_ws(&c);
        if (c.p < c.end && *c.p == ',') {
            c.p++;
            skip_ws(&c);
            continue;
        }
        if (c.p < c.end && *c.p == '}') {
            c.p++;
            break;
        }
        return 0;
    }
    /* after the object the full parse allows spaces, tabs and CRs only */
    while (c.p < c.end && (*c.p == ' ' || *c.p == '\t' || *c.p == '\r')) c.p++;
    if (c.p != c.end) return 0;
    /* the full parse's rules, or decline and let it word the error */
    if (!sl[F_ID].is_str || !sl[F_TEXT].is_str) return 0;
    if (sl[F_TITLE].seen && !sl[F_TITLE].is_str && !sl[F_TITLE].is_null) return 0;
    size_t idl;
    if (!(out->id = unescape(sl[F_ID].s, sl[F_ID].e, sl[F_ID].esc, &idl))) goto oom;
    if (!(out->text = unescape(sl[F_TEXT].s, sl[F_TEXT].e, sl[F_TEXT].esc, &out->text_len))) goto oom;
    if (out->text_len == 0 || (f->max_text && out->text_len > f->max_text)) {
        mz_flat_free(out);
        return 0;
    }
    if (sl[F_TITLE].is_str) {
        if (!(out->title = unescape(sl[F_TITLE].s, sl[F_TITLE].e, sl[F_TITLE].esc, &out->title_len))) goto oom;
        if (f->max_text && out->title_len > f->max_text) {
            mz_flat_free(out);
            return 0;
        }
    }
    for (int i = 0; i < MZ_FLAT_EXTRA; i++) {
        const slot *x = &sl[F_EXTRA + i];
        size_t xl;
        if (x->seen && !x->is_str && !x->is_null) { /* a number or a boolean: the caller's to word */
            mz_flat_free(out);
            return 0;
        }
        if (x->is_str && !(out->extra[i] = unescape(x->s, x->e, x->esc, &xl))) goto oom;
    }
    return 1;
oom:
    mz_flat_free(out);
    return -1;
}
