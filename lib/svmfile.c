/* svmfile.c — see svmfile.h. */
#include "svmfile.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem.h"
#include "numparse.h"

#define MAX_SV 10000000L
/* The largest magnitude of any number in a model file.  Trained weights,
 * coefficients, rho and the Platt parameters are of the order of the
 * regularisation constant and the features' scale (units to thousands);
 * one near 1e308 is crafted, and overflows to infinity once multiplied at
 * prediction.  With every number within 1e100, a product of two (a
 * coefficient times a value, Platt's A times a decision value) and sums of
 * millions of them stay finite. */
#define NUM_MAX 1e100

void mz_linmodel_free(mz_linmodel *m)
{
    if (!m) return;
    if (!m->shared) {
        free(m->W);
        free(m->Wk);
    }
    free(m->rho);
    free(m->probA);
    free(m->probB);
    free(m->Wc);
    free(m->sv_start);
    free(m->sv_idx);
    free(m->sv_val);
    free(m->sv_coef);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------- writing */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        size_t nc = b->cap * 2 + (size_t)k + 1;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
}

static void sb_doubles(sbuf *b, const char *key, const double *v, int n)
{
    sb_printf(b, "%s", key);
    for (int i = 0; i < n; i++) sb_printf(b, " %.17g", v[i]);
    sb_printf(b, "\n");
}

/* RBF: libsvm's layout, but every number at full precision, so the file
 * holds exactly the model that produced the cross-validated figures. */
static void write_rbf(sbuf *b, const mz_linmodel *m)
{
    int k = m->nclass;
    sb_printf(b, "svm_type c_svc\nkernel_type rbf\ngamma %.17g\nnr_class %d\ntotal_sv %zu\n", m->gamma, k, m->nsv);
    sb_doubles(b, "rho", m->rho, m->npair);
    sb_printf(b, "label");
    for (int i = 0; i < k; i++) sb_printf(b, " %d", m->labels[i]);
    sb_printf(b, "\n");
    if (m->probA) {
        sb_doubles(b, "probA", m->probA, m->npair);
        sb_doubles(b, "probB", m->probB, m->npair);
    }
    sb_printf(b, "nr_sv");
    for (int i = 0; i < k; i++) sb_printf(b, " %d", m->nsv_class[i]);
    sb_printf(b, "\nSV\n");
    for (size_t s = 0; s < m->nsv; s++) {
        for (int r = 0; r < k - 1; r++) sb_printf(b, "%.17g ", m->sv_coef[s * (size_t)(k - 1) + (size_t)r]);
        for (size_t j = m->sv_start[s]; j < m->sv_start[s + 1]; j++)
            sb_printf(b, "%d:%.17g ", (int)m->sv_idx[j], m->sv_val[j]);
        sb_printf(b, "\n");
    }
}

int mz_svmfile_write(const mz_linmodel *m, char **out, size_t *len, mz_err *e)
{
    if (m->kernel_rbf ? !m->sv_start || m->nsv < 1 : !m->W && !m->Wk) return mz_fail(e, "internal: an empty model");
    sbuf b = {malloc(1 << 16), 0, 1 << 16, 0};
    if (!b.s) return mz_fail(e, "out of memory");
    int k = m->nclass;
    if (m->kernel_rbf) {
        write_rbf(&b, m);
        goto done;
    }
    if (m->svr) {
        /* as libsvm saves a regression model: no label, nr_sv or probA */
        sb_printf(&b, "svm_type epsilon_svr\nkernel_type linear\nnr_class 2\ntotal_sv 1\n");
        sb_doubles(&b, "rho", m->rho, 1);
        sb_printf(&b, "SV\n1 ");
        for (size_t f = 1; f <= m->nfeat; f++)
            if (m->W[f] != 0.0) sb_printf(&b, "%zu:%.8g ", f, m->W[f]);
        sb_printf(&b, "\n");
        goto done;
    }
    int per_class = (m->Wc || m->Wk) && k > 2;
    sb_printf(&b, "svm_type c_svc\nkernel_type linear\nnr_class %d\ntotal_sv %d\n", k,
              per_class ? k : m->npair);
    sb_doubles(&b, "rho", m->rho, m->npair);
    sb_printf(&b, "label");
    for (int i = 0; i < k; i++) sb_printf(&b, " %d", m->labels[i]);
    sb_printf(&b, "\n");
    if (m->probA) {
        sb_doubles(&b, "probA", m->probA, m->npair);
        sb_doubles(&b, "probB", m->probB, m->npair);
    }
    if (per_class) {
        sb_printf(&b, "nr_sv");
        for (int i = 0; i < k; i++) sb_printf(&b, " 1");
        sb_printf(&b, "\nSV\n");
        for (int c = 0; c < k; c++) {
            /* coefficient row r is the pair with class r (r < c) or r+1 */
            for (int r = 0; r < k - 1; r++) sb_printf(&b, "%d ", r < c ? -1 : 1);
            for (size_t f = 1; f <= m->nfeat; f++) {
                double w = m->Wc ? m->Wc[(size_t)c * (m->nfeat + 1) + f] : m->Wk[f * (size_t)k + (size_t)c];
                if (w != 0.0) sb_printf(&b, "%zu:%.8g ", f, w);
            }
            sb_printf(&b, "\n");
        }
    } else {
        sb_printf(&b, "nr_sv");
        for (int i = 0; i < k; i++) sb_printf(&b, " %d", k - 1 - i);
        sb_printf(&b, "\nSV\n");
        /* SVs grouped by class: class i holds pairs (i, j) for j > i.  A
         * class-i SV's coefficient row r belongs to pair (i, j) with
         * j = r < i ? r : r+1. */
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++) {
                int p = mz_pair_index(k, i, j);
                for (int r = 0; r < k - 1; r++) {
                    int other = r < i ? r : r + 1;
                    sb_printf(&b, "%d ", other == j ? 1 : 0);
                }
                for (size_t f = 1; f <= m->nfeat; f++) {
                    double w = m->W[f * (size_t)m->npair + (size_t)p];
                    if (w != 0.0) sb_printf(&b, "%zu:%.8g ", f, w);
                }
                sb_printf(&b, "\n");
            }
    }
done:
    if (b.oom) {
        free(b.s);
        return mz_fail(e, "out of memory");
    }
    *out = b.s;
    *len = b.n;
    return 0;
}

/* ------------------------------------------------------------- parsing */

typedef struct cur {
    const char *p, *end;
    size_t line;
} cur;

/* Next line as [*s, *s + *n); returns 0 at end of input. */
static int next_line(cur *c, const char **s, size_t *n)
{
    if (c->p >= c->end) return 0;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    *s = c->p;
    *n = nl ? (size_t)(nl - c->p) : (size_t)(c->end - c->p);
    c->p += *n + (nl ? 1 : 0);
    c->line++;
    return 1;
}

static int parse_double(const char **s, const char *end, double *v)
{
    const char *p = *s;
    while (p < end && *p == ' ') p++;
    /* one pass for the common number; its token ends where the scan below
     * would end it, so the value is the one the whole token gives */
    const char *q;
    if (mz_parse_double_prefix(p, end, v, &q) && (q == end || *q == ' ' || *q == ':')) {
        *s = q;
        return fabs(*v) <= NUM_MAX ? 0 : -1;
    }
    size_t n = 0;
    while (p + n < end && p[n] != ' ' && p[n] != ':' && n < 63) n++;
    if (p + n < end && p[n] != ' ' && p[n] != ':') return -1; /* longer than any number */
    if (mz_parse_double(p, n, v) != 0 || !(fabs(*v) <= NUM_MAX)) return -1;
    *s = p + n;
    return 0;
}

static int parse_long(const char **s, const char *end, long lo, long hi, long *v)
{
    double d;
    const char *p = *s;
    /* plain digits, what every index is: no trip through a double */
    {
        const char *q = p;
        while (q < end && *q == ' ') q++;
        int neg = q < end && *q == '-';
        q += neg;
        long x = 0;
        int nd = 0;
        for (; q < end && *q >= '0' && *q <= '9' && nd < 15; q++, nd++) x = x * 10 + (*q - '0');
        if (nd && nd < 15 && (q == end || *q == ' ' || *q == ':' || *q == '\r')) {
            x = neg ? -x : x;
            if (x < lo || x > hi) return -1;
            *v = x;
            *s = q;
            return 0;
        }
    }
    if (parse_double(&p, end, &d) != 0 || d != floor(d) || d < (double)lo || d > (double)hi) return -1;
    *v = (long)d;
    *s = p;
    return 0;
}

static int at_eol(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\r')) p++;
    return p == end;
}

static int keyword(const char *s, size_t n, const char *kw, const char **rest)
{
    size_t k = strlen(kw);
    if (n < k || memcmp(s, kw, k) != 0 || (n > k && s[k] != ' ')) return 0;
    *rest = s + k;
    return 1;
}

static int read_doubles(const char *p, const char *end, double *out, int n)
{
    for (int i = 0; i < n; i++)
        if (parse_double(&p, end, &out[i]) != 0) return -1;
    return at_eol(p, end) ? 0 : -1;
}

/* Room for `need` elements in *p; grows by doubling, so that a file
 * claiming many support vectors costs memory only for the lines present. */
static int reserve(void *pp, size_t *cap, size_t need, size_t elem)
{
    void **p = pp;
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np) return -1;
    *p = np;
    *cap = nc;
    return 0;
}

/* What the header lines said, before the support vectors. */
typedef struct header {
    long nclass, total_sv, nr_sv[MZ_MAX_CLASSES];
    unsigned seen; /* bit F_x: field x was read (each at most once) */
} header;

static const char *const header_fields[] = {"svm_type", "kernel_type", "gamma", "nr_class", "total_sv",
                                            "rho",      "probA",       "probB", "label",    "nr_sv"};
enum { F_TYPE, F_KERNEL, F_GAMMA, F_NCLASS, F_TOTAL, F_RHO, F_PROBA, F_PROBB, F_LABEL, F_NRSV };
#define HAS(h, f) (((h)->seen >> (f)) & 1u)

/* svm_type or kernel_type: its value is one of two words, which set *flag
 * to 0 or 1. */
static int header_choice(const char *r, const char *end, const char *w0, const char *w1, int *flag)
{
    const char *v = r < end ? r + 1 : end;
    if (keyword(v, (size_t)(end - v), w0, &r) && at_eol(r, end)) *flag = 0;
    else if (keyword(v, (size_t)(end - v), w1, &r) && at_eol(r, end)) *flag = 1;
    else return -1;
    return 0;
}

/* rho, probA or probB (which = 'r', 'A', 'B'), read once (header_line
 * refuses a second): a number per class pair. */
static int header_pairs(const char *r, const char *end, char which, size_t line, const char *name, mz_linmodel *m,
                        mz_err *e)
{
    const char *key = which == 'r' ? "rho" : which == 'A' ? "probA" : "probB";
    if (!m->nclass) return mz_fail(e, "%s:%zu: %s before nr_class", name, line, key);
    double tmp[MZ_MAX_CLASSES * MZ_MAX_CLASSES / 2 + 1];
    if (read_doubles(r, end, tmp, m->npair) != 0)
        return mz_fail(e, "%s:%zu: expected %d finite numbers of magnitude at most %g", name, line, m->npair, NUM_MAX);
    double **dst = which == 'r' ? &m->rho : which == 'A' ? &m->probA : &m->probB;
    *dst = malloc((size_t)m->npair * sizeof **dst);
    if (!*dst) return mz_fail(e, "out of memory");
    memcpy(*dst, tmp, (size_t)m->npair * sizeof **dst);
    return 0;
}

static int header_labels(const char *r, const char *end, size_t line, const char *name, mz_linmodel *m, mz_err *e)
{
    if (!m->nclass) return mz_fail(e, "%s:%zu: label before nr_class", name, line);
    for (int i = 0; i < m->nclass; i++) {
        long v;
        if (parse_long(&r, end, -1000000, 1000000, &v) != 0)
            return mz_fail(e, "%s:%zu: expected %d integer labels", name, line, m->nclass);
        for (int j = 0; j < i; j++)
            if (m->labels[j] == v) return mz_fail(e, "%s:%zu: repeated label %ld", name, line, v);
        m->labels[i] = (int)v;
    }
    if (!at_eol(r, end)) return mz_fail(e, "%s:%zu: too many labels", name, line);
    return 0;
}

static int header_nr_sv(const char *r, const char *end, size_t line, const char *name, const mz_linmodel *m,
                        header *h, mz_err *e)
{
    if (!m->nclass) return mz_fail(e, "%s:%zu: nr_sv before nr_class", name, line);
    long sum = 0;
    for (int i = 0; i < m->nclass; i++) {
        if (parse_long(&r, end, 0, MAX_SV, &h->nr_sv[i]) != 0)
            return mz_fail(e, "%s:%zu: expected %d SV counts", name, line, m->nclass);
        sum += h->nr_sv[i];
    }
    if (!at_eol(r, end) || sum != h->total_sv)
        return mz_fail(e, "%s:%zu: nr_sv does not add up to total_sv", name, line);
    return 0;
}

/* One header line [s, s + n), number `line`: 0 when read, 1 at the "SV"
 * line that ends the header, -1 on error. */
static int header_line(const char *s, size_t n, size_t line, const char *name, mz_linmodel *m, header *h, mz_err *e)
{
    const char *end = s + n, *r;
    /* each header line once: a second would silently win */
    for (unsigned f = 0; f < sizeof header_fields / sizeof *header_fields; f++)
        if (keyword(s, n, header_fields[f], &r)) {
            if (h->seen & (1u << f)) return mz_fail(e, "%s:%zu: repeated field \"%s\"", name, line, header_fields[f]);
            h->seen |= 1u << f;
        }
    if (keyword(s, n, "svm_type", &r)) {
        if (header_choice(r, end, "c_svc", "epsilon_svr", &m->svr) != 0)
            return mz_fail(e, "%s:%zu: only svm_type c_svc or epsilon_svr is supported", name, line);
    } else if (keyword(s, n, "kernel_type", &r)) {
        if (header_choice(r, end, "linear", "rbf", &m->kernel_rbf) != 0)
            return mz_fail(e, "%s:%zu: kernel_type must be linear or rbf", name, line);
    } else if (keyword(s, n, "gamma", &r)) {
        if (read_doubles(r, end, &m->gamma, 1) != 0 || !(m->gamma > 0 && m->gamma < 1e6))
            return mz_fail(e, "%s:%zu: bad gamma", name, line);
    } else if (keyword(s, n, "nr_class", &r)) {
        if (parse_long(&r, end, 2, MZ_MAX_CLASSES, &h->nclass) != 0 || !at_eol(r, end))
            return mz_fail(e, "%s:%zu: nr_class must be 2..%d", name, line, MZ_MAX_CLASSES);
        m->nclass = (int)h->nclass;
        m->npair = m->nclass * (m->nclass - 1) / 2;
    } else if (keyword(s, n, "total_sv", &r)) {
        if (parse_long(&r, end, 1, MAX_SV, &h->total_sv) != 0 || !at_eol(r, end))
            return mz_fail(e, "%s:%zu: bad total_sv", name, line);
    } else if (keyword(s, n, "rho", &r) || keyword(s, n, "probA", &r) || keyword(s, n, "probB", &r)) {
        return header_pairs(r, end, s[0] == 'r' ? 'r' : s[4], line, name, m, e);
    } else if (keyword(s, n, "label", &r)) {
        return header_labels(r, end, line, name, m, e);
    } else if (keyword(s, n, "nr_sv", &r)) {
        return header_nr_sv(r, end, line, name, m, h, e);
    } else if (n >= 2 && memcmp(s, "SV", 2) == 0 && at_eol(s + 2, end)) {
        return 1;
    } else {
        return mz_fail(e, "%s:%zu: unknown header line", name, line);
    }
    return 0;
}

/* The header up to its "SV" line, and whether it is whole. */
static int read_header(cur *c, const char *name, mz_linmodel *m, header *h, mz_err *e)
{
    memset(h, 0, sizeof *h);
    h->total_sv = -1;
    const char *s;
    size_t n;
    int rc;
    do {
        if (!next_line(c, &s, &n)) return mz_fail(e, "%s: truncated: no SV section", name);
        rc = header_line(s, n, c->line, name, m, h, e);
        if (rc < 0) return -1;
    } while (rc == 0);
    if (m->svr) {
        /* libsvm's regression files: nr_class 2, every SV in one group */
        if (m->nclass != 2 || HAS(h, F_LABEL) || HAS(h, F_NRSV) || HAS(h, F_PROBA) || HAS(h, F_PROBB))
            return mz_fail(e, "%s: an epsilon_svr model has nr_class 2 and no label, nr_sv, probA or probB", name);
        h->nr_sv[0] = h->total_sv;
        h->nr_sv[1] = 0;
    }
    if (!HAS(h, F_TYPE) || !HAS(h, F_KERNEL) || !m->nclass || h->total_sv < 1 || !HAS(h, F_RHO) ||
        (!m->svr && (!HAS(h, F_LABEL) || !HAS(h, F_NRSV))))
        return mz_fail(e, "%s: incomplete header (need svm_type, kernel_type, nr_class, total_sv, rho, label, nr_sv)",
                       name);
    if (HAS(h, F_PROBA) != HAS(h, F_PROBB)) return mz_fail(e, "%s: probA and probB must come together", name);
    if (m->kernel_rbf && !HAS(h, F_GAMMA)) return mz_fail(e, "%s: rbf kernel without gamma", name);
    return 0;
}

/* The growing arrays of an RBF model's support vectors: their capacities. */
typedef struct sv_caps {
    size_t start, coef, idx, val;
} sv_caps;

/* The model's weights (linear: per class when compact, else per pair) or
 * its support vectors' first entries (rbf). */
static int alloc_model(mz_linmodel *m, const header *h, size_t max_index, int compact, sv_caps *cap, mz_err *e)
{
    int k = m->nclass;
    m->nfeat = max_index;
    if (!m->kernel_rbf) {
        if (compact) m->Wk = mz_huge_calloc((max_index + 1) * (size_t)k, sizeof *m->Wk);
        else m->W = mz_huge_calloc((max_index + 1) * (size_t)m->npair, sizeof *m->W);
        if (!m->W && !m->Wk) return mz_fail(e, "out of memory");
        return 0;
    }
    for (int i = 0; i < k; i++) m->nsv_class[i] = (int)h->nr_sv[i];
    /* sv_idx/sv_val exist even if no SV has a feature: the kernel
     * offsets them */
    if (reserve(&m->sv_start, &cap->start, 1, sizeof *m->sv_start) != 0 ||
        reserve(&m->sv_idx, &cap->idx, 1, sizeof *m->sv_idx) != 0 ||
        reserve(&m->sv_val, &cap->val, 1, sizeof *m->sv_val) != 0)
        return mz_fail(e, "out of memory");
    m->sv_start[0] = 0;
    return 0;
}

/* Support vector number sv, of class cls, from its line [p, end): its
 * coefficients and features, folded into the weights (linear) or kept
 * (rbf).  Returns 1 when a compact model's SV has coefficients other than
 * the one-vs-rest pattern. */
static int read_sv(const char *p, const char *end, size_t line, const char *name, size_t max_index, long sv, int cls,
                   mz_linmodel *m, sv_caps *cap, mz_err *e)
{
    int k = m->nclass;
    double coef[MZ_MAX_CLASSES];
    for (int q = 0; q < k - 1; q++)
        if (parse_double(&p, end, &coef[q]) != 0)
            return mz_fail(e, "%s:%zu: expected %d coefficients of magnitude at most %g", name, line, k - 1, NUM_MAX);
    for (int q = 0; m->Wk && q < k - 1; q++)
        if (coef[q] != (q < cls ? -1.0 : 1.0)) return 1;
    if (m->kernel_rbf) {
        size_t s0 = (size_t)sv;
        if (reserve(&m->sv_start, &cap->start, s0 + 2, sizeof *m->sv_start) != 0 ||
            reserve(&m->sv_coef, &cap->coef, (s0 + 1) * (size_t)(k - 1), sizeof *m->sv_coef) != 0)
            return mz_fail(e, "out of memory");
        memcpy(m->sv_coef + s0 * (size_t)(k - 1), coef, (size_t)(k - 1) * sizeof *coef);
        m->sv_start[s0 + 1] = m->sv_start[s0];
    }
    long last = 0;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\r')) p++;
        if (p >= end) return 0;
        long idx;
        double v;
        /* the weights have max_index + 1 rows: with none but row 0, no
         * index is one (a bundle's vocabulary header may say 0) */
        if (max_index == 0) return mz_fail(e, "%s:%zu: a feature index, but the vocabulary has no features", name, line);
        if (parse_long(&p, end, 1, (long)max_index, &idx) != 0 || p >= end || *p != ':')
            return mz_fail(e, "%s:%zu: bad feature index (must be 1..%zu)", name, line, max_index);
        p++;
        if (idx <= last) return mz_fail(e, "%s:%zu: feature indices must increase", name, line);
        last = idx;
        if (parse_double(&p, end, &v) != 0)
            return mz_fail(e, "%s:%zu: bad feature value (a number of magnitude at most %g)", name, line, NUM_MAX);
        if (m->kernel_rbf) {
            size_t at = m->sv_start[sv + 1];
            if (reserve(&m->sv_idx, &cap->idx, at + 1, sizeof *m->sv_idx) != 0 ||
                reserve(&m->sv_val, &cap->val, at + 1, sizeof *m->sv_val) != 0)
                return mz_fail(e, "out of memory");
            m->sv_idx[at] = (int32_t)idx;
            m->sv_val[at] = v;
            m->sv_start[sv + 1] = at + 1;
        } else if (m->Wk) {
            m->Wk[(size_t)idx * (size_t)k + (size_t)cls] = v;
        } else {
            /* Fold coef * sv into every pair this SV takes part in. */
            for (int q = 0; q < k - 1; q++) {
                if (coef[q] == 0.0) continue;
                int other = q < cls ? q : q + 1;
                int pi = cls < other ? mz_pair_index(k, cls, other) : mz_pair_index(k, other, cls);
                m->W[(size_t)idx * (size_t)m->npair + (size_t)pi] += coef[q] * v;
            }
        }
    }
}

/* Returns 0, -1 on error, or 1 when compact = 1 and the file turns out
 * not to be a compact one-vs-rest model after all (then parse again with
 * compact = 0). */
static int parse_model(const char *text, size_t len, const char *name, size_t max_index, mz_linmodel *m,
                       int compact, mz_err *e)
{
    memset(m, 0, sizeof *m);
    /* libsvm ends every line, the last included: a file cut inside its
     * last line would otherwise lose that line's tail (digits of a weight,
     * its last features) and still parse */
    if (len == 0 || text[len - 1] != '\n') return mz_fail(e, "%s: truncated (no newline at the end)", name);
    cur c = {text, text + len, 0};
    header h;
    sv_caps cap = {0, 0, 0, 0};
    const char *s;
    size_t n;
    int rc;
    if ((rc = read_header(&c, name, m, &h, e)) != 0) goto fail;
    int k = m->nclass;
    /* one SV per class, k > 2: what mizan writes for a one-vs-rest head;
     * kept per class (see Wk), as long as every SV's coefficients are the
     * one-vs-rest pattern */
    if (compact) {
        compact = !m->kernel_rbf && !m->svr && k > 2 && h.total_sv == k;
        for (int i = 0; compact && i < k; i++) compact = h.nr_sv[i] == 1;
    }
    if ((rc = alloc_model(m, &h, max_index, compact, &cap, e)) != 0) goto fail;
    int cls = 0;
    long in_cls = 0;
    for (long sv = 0; sv < h.total_sv; sv++) {
        while (cls < k && in_cls >= h.nr_sv[cls]) cls++, in_cls = 0;
        in_cls++;
        if (!next_line(&c, &s, &n)) {
            rc = mz_fail(e, "%s: truncated: %ld of %ld support vectors", name, sv, h.total_sv);
            goto fail;
        }
        if ((rc = read_sv(s, s + n, c.line, name, max_index, sv, cls, m, &cap, e)) != 0) goto fail;
    }
    while (next_line(&c, &s, &n))
        if (!at_eol(s, s + n)) {
            rc = mz_fail(e, "%s:%zu: data after the last support vector", name, c.line);
            goto fail;
        }
    if (m->kernel_rbf) m->nsv = (size_t)h.total_sv;
    return 0;
fail:
    mz_linmodel_free(m);
    return rc;
}

int mz_svmfile_parse(const char *text, size_t len, const char *name, size_t max_index,
                     mz_linmodel *m, mz_err *e)
{
    int rc = parse_model(text, len, name, max_index, m, 1, e);
    return rc == 1 ? parse_model(text, len, name, max_index, m, 0, e) : rc;
}

double mz_rbf_kernel(const mz_linmodel *m, size_t s, const mz_sparse *x)
{
    /* libsvm's merge walk, term by term: the same sum to the last bit */
    const int32_t *yi = m->sv_idx + m->sv_start[s], *ye = m->sv_idx + m->sv_start[s + 1];
    const double *yv = m->sv_val + m->sv_start[s];
    size_t i = 0;
    double sum = 0;
    while (i < x->n && yi < ye) {
        if (x->idx[i] == *yi) {
            double d = x->val[i] - *yv;
            sum += d * d;
            i++, yi++, yv++;
        } else if (x->idx[i] > *yi) {
            sum += *yv * *yv;
            yi++, yv++;
        } else {
            sum += x->val[i] * x->val[i];
            i++;
        }
    }
    for (; i < x->n; i++) sum += x->val[i] * x->val[i];
    for (; yi < ye; yi++, yv++) sum += *yv * *yv;
    return exp(-m->gamma * sum);
}

/* Each SV adds coef * K to the pairs of its class as it comes; SVs are
 * grouped by class in order, so pair (i, j) receives class i's terms, then
 * class j's, which is svm_predict_values' order of summation. */
static void rbf_decision(const mz_linmodel *m, const mz_sparse *x, double *dec)
{
    int k = m->nclass;
    for (int p = 0; p < m->npair; p++) dec[p] = 0.0;
    size_t s = 0;
    for (int cls = 0; cls < k; cls++)
        for (int q = 0; q < m->nsv_class[cls]; q++, s++) {
            double kv = mz_rbf_kernel(m, s, x);
            const double *coef = m->sv_coef + s * (size_t)(k - 1);
            for (int o = 0; o < k; o++) {
                if (o == cls) continue;
                int p = cls < o ? mz_pair_index(k, cls, o) : mz_pair_index(k, o, cls);
                dec[p] += coef[mz_coef_row(cls, o)] * kv;
            }
        }
    for (int p = 0; p < m->npair; p++) dec[p] -= m->rho[p];
}

/* acc[j] += Σ_i x_i · M[f_i][j] for j < width, M a row per feature
 * (rows 1..nfeat; features beyond are not the model's). */
static void rows_times(const double *M, int width, size_t nfeat, const mz_sparse *x, double *acc)
{
    for (size_t i = 0; i < x->n; i++) {
        size_t f = (size_t)x->idx[i];
        /* rows are far apart in a large matrix: fetch a few features ahead */
        if (i + 8 < x->n && (size_t)x->idx[i + 8] <= nfeat) {
            const double *r = M + (size_t)x->idx[i + 8] * (size_t)width;
            __builtin_prefetch(r);
            __builtin_prefetch(r + width - 1);
        }
        if (f > nfeat) continue;
        const double *w = M + f * (size_t)width;
        double v = x->val[i];
        for (int j = 0; j < width; j++) acc[j] += v * w[j];
    }
}

/* A per-source head's own weights (svmfile.h dslot/dval) into acc. */
static void add_delta(const mz_linmodel *m, int width, const mz_sparse *x, double *acc)
{
    for (size_t i = 0; i < x->n; i++) {
        size_t f = (size_t)x->idx[i];
        if (f > m->nfeat || m->dslot[f] < 0) continue;
        const double *w = m->dval + (size_t)m->dslot[f] * (size_t)width;
        for (int j = 0; j < width; j++) acc[j] += x->val[i] * w[j];
    }
}

void mz_linmodel_decision(const mz_linmodel *m, const mz_sparse *x, double *dec)
{
    if (m->kernel_rbf) {
        rbf_decision(m, x, dec);
        return;
    }
    int np = m->npair;
    if (m->Wk) {
        /* libsvm's own order: each class's dot product (its SV's kernel
         * value), then per pair coef·k_i + coef·k_j − rho, coefs ±1 */
        int k = m->nclass;
        double sc[MZ_MAX_CLASSES] = {0};
        rows_times(m->Wk, k, m->nfeat, x, sc);
        if (m->dslot) add_delta(m, k, x, sc);
        for (int a = 0, p = 0; a < k; a++)
            for (int b = a + 1; b < k; b++, p++) {
                double sum = 0;
                sum += 1.0 * sc[a];
                sum += -1.0 * sc[b];
                dec[p] = sum - m->rho[p];
            }
        return;
    }
    for (int p = 0; p < np; p++) dec[p] = 0.0;
    rows_times(m->W, np, m->nfeat, x, dec);
    if (m->dslot) add_delta(m, np, x, dec);
    for (int p = 0; p < np; p++) dec[p] -= m->rho[p];
}

int mz_linmodel_vote(const mz_linmodel *m, const double *dec)
{
    int votes[MZ_MAX_CLASSES] = {0};
    int k = m->nclass, p = 0;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++, p++) votes[dec[p] > 0 ? i : j]++;
    int best = 0;
    for (int i = 1; i < k; i++)
        if (votes[i] > votes[best]) best = i;
    return best;
}

void mz_linmodel_probability(const mz_linmodel *m, const double *dec, double *prob)
{
    mz_pairwise_coupling(m->nclass, dec, m->probA, m->probB, prob);
}
