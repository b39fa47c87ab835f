/* lsa.c — see lsa.h.
 *
 * The fit is a randomized truncated SVD (Halko, Martinsson and Tropp 2011,
 * algorithm 4.4): a random subspace of dims + OVERSAMPLE columns, POWER
 * rounds of Q <- orth(Xᵀ X Q), then the Rayleigh-Ritz step, an eigen-
 * decomposition of the small matrix Qᵀ Xᵀ X Q by cyclic Jacobi.  X is
 * never formed densely: X·Q runs over the rows' entries, Xᵀ·Y over the same
 * entries sorted by column, each output row summed in entry order by one
 * thread, which keeps the result independent of the thread count. */
#include "lsa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "progress.h"
#include "rng.h"
#include "strmap.h"

#define OVERSAMPLE 10
#define POWER 5
#define LSA_MAGIC "MZLSA1\n"

/* ------------------------------------------------------------- helpers */

static double uniform(uint64_t *s) { return (double)(mz_splitmix64(s) >> 11) / 4503599627370496.0 - 1.0; } /* [-1, 1) */

/* A sparse matrix in compressed rows: the entries of row r are col[k] and
 * val[k] for k in [start[r], start[r+1]). */
typedef struct csr {
    size_t nr;
    size_t *start;
    uint32_t *col;
    double *val;
} csr;

static void csr_free(csr *m)
{
    free(m->start);
    free(m->col);
    free(m->val);
}

/* Y (nr × p, row-major) = M · Q (Q: M's columns × p, row-major). */
typedef struct prod_job {
    const csr *m;
    const double *q;
    double *y;
    size_t p;
} prod_job;

static int prod_row(void *arg, int wk, size_t r, mz_err *e)
{
    (void)wk, (void)e;
    prod_job *j = arg;
    double *y = j->y + r * j->p;
    memset(y, 0, j->p * sizeof *y);
    for (size_t k = j->m->start[r]; k < j->m->start[r + 1]; k++) {
        const double *q = j->q + (size_t)j->m->col[k] * j->p;
        double v = j->m->val[k];
        for (size_t c = 0; c < j->p; c++) y[c] += v * q[c];
    }
    return 0;
}

static int product(const csr *m, const double *q, double *y, size_t p, int threads, mz_err *e)
{
    prod_job j = {m, q, y, p};
    return mz_parallel_for(m->nr, threads, prod_row, &j, e);
}

/* Orthonormal columns for the m × p row-major matrix a, in place (modified
 * Gram-Schmidt on a column-major copy; one pass loses orthogonality in
 * proportion to the condition number, about 1e4 here, times the double's
 * epsilon, and every power round starts again from the result).  A column that vanishes
 * (the rows span fewer than p directions) is replaced by a random one and
 * orthogonalised again, so the result always has p orthonormal columns. */
static int orthonormalise(double *a, size_t m, size_t p, uint64_t *rng)
{
    double *t = malloc(m * p * sizeof *t);
    if (!t) return -1;
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < p; c++) t[c * m + r] = a[r * p + c];
    for (size_t c = 0; c < p; c++) {
        double *x = t + c * m;
        for (int tries = 0;; tries++) {
            double before = 0;
            for (size_t r = 0; r < m; r++) before += x[r] * x[r];
            for (size_t b = 0; b < c; b++) {
                const double *y = t + b * m;
                double d = 0;
                for (size_t r = 0; r < m; r++) d += x[r] * y[r];
                for (size_t r = 0; r < m; r++) x[r] -= d * y[r];
            }
            double nn = 0;
            for (size_t r = 0; r < m; r++) nn += x[r] * x[r];
            if (nn > 1e-20 * before && nn > 0) {
                double inv = 1.0 / sqrt(nn);
                for (size_t r = 0; r < m; r++) x[r] *= inv;
                break;
            }
            if (tries == 8) { /* p > m: cannot happen, the caller checks */
                free(t);
                return -1;
            }
            for (size_t r = 0; r < m; r++) x[r] = uniform(rng);
        }
    }
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < p; c++) a[r * p + c] = t[c * m + r];
    free(t);
    return 0;
}

/* Eigenvalues (w) and eigenvectors (columns of u, row-major p × p) of the
 * symmetric p × p matrix s (destroyed), by cyclic Jacobi rotations until
 * the off-diagonal part is negligible. */
static void jacobi(double *s, size_t p, double *w, double *u)
{
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) u[i * p + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (size_t i = 0; i < p; i++) {
            diag += s[i * p + i] * s[i * p + i];
            for (size_t j = i + 1; j < p; j++) off += s[i * p + j] * s[i * p + j];
        }
        if (off <= 1e-30 * diag || off == 0) break;
        for (size_t i = 0; i + 1 < p; i++)
            for (size_t j = i + 1; j < p; j++) {
                double sij = s[i * p + j];
                if (fabs(sij) < 1e-300) continue;
                double th = (s[j * p + j] - s[i * p + i]) / (2 * sij);
                double t = (th >= 0 ? 1.0 : -1.0) / (fabs(th) + sqrt(th * th + 1));
                double c = 1 / sqrt(t * t + 1), sn = t * c;
                for (size_t k = 0; k < p; k++) { /* columns i, j */
                    double a = s[k * p + i], b = s[k * p + j];
                    s[k * p + i] = c * a - sn * b;
                    s[k * p + j] = sn * a + c * b;
                }
                for (size_t k = 0; k < p; k++) { /* rows i, j */
                    double a = s[i * p + k], b = s[j * p + k];
                    s[i * p + k] = c * a - sn * b;
                    s[j * p + k] = sn * a + c * b;
                }
                for (size_t k = 0; k < p; k++) {
                    double a = u[k * p + i], b = u[k * p + j];
                    u[k * p + i] = c * a - sn * b;
                    u[k * p + j] = sn * a + c * b;
                }
            }
    }
    for (size_t i = 0; i < p; i++) w[i] = s[i * p + i];
}

/* ----------------------------------------------------------------- fit */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Entry k of row i, if it is one of X's: a unigram of the vocabulary
 * with a value (col_of[f] >= 0 once the columns are numbered). */
static int in_X(const mz_vocab *v, const int32_t *col_of, const mz_sparse *row, size_t k, size_t *f)
{
    *f = (size_t)row->idx[k] - 1;
    return *f < v->nfeat && col_of[*f] >= 0 && row->val[k] != 0;
}

/* X's columns: the unigram features that occur in some row (a word the
 * unlabelled texts never use has nothing to say, and no row), numbered in
 * feature order into col_of (-1: not a column).  Returns their count. */
static size_t number_columns(const mz_vocab *v, const mz_sparse *rows, size_t n, int32_t *col_of)
{
    for (size_t f = 0; f < v->nfeat; f++) col_of[f] = -1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rows[i].n; k++) {
            size_t f = (size_t)rows[i].idx[k] - 1;
            if (f < v->nfeat && v->kind[f] == 'u' && rows[i].val[k] != 0) col_of[f] = 0;
        }
    size_t m = 0;
    for (size_t f = 0; f < v->nfeat; f++)
        if (col_of[f] == 0) col_of[f] = (int32_t)m++;
    return m;
}

/* The distinct rows of X that hold an entry, by a digest of their entries;
 * (size_t)-1 when out of memory. */
static size_t distinct_rows(const mz_vocab *v, const mz_sparse *rows, size_t n, const int32_t *col_of)
{
    size_t with_words = 0, f;
    uint64_t *h = malloc((n + 1) * sizeof *h);
    if (!h) return (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = 0;
        int any = 0;
        for (size_t k = 0; k < rows[i].n; k++) {
            if (!in_X(v, col_of, &rows[i], k, &f)) continue;
            uint64_t pair[2] = {(uint64_t)f, 0};
            memcpy(&pair[1], &rows[i].val[k], sizeof(double));
            x = x * 0x9E3779B97F4A7C15ull ^ mz_hash_bytes(pair, sizeof pair);
            any = 1;
        }
        if (any) h[with_words++] = x;
    }
    qsort(h, with_words, sizeof *h, cmp_u64);
    size_t distinct = with_words ? 1 : 0;
    for (size_t i = 1; i < with_words; i++) distinct += h[i] != h[i - 1];
    free(h);
    return distinct;
}

/* X: the rows' entries in its m columns, by row and (XT) by column, each
 * column's rows in order: a fixed summing order for the products. */
static int build_X(const mz_vocab *v, const mz_sparse *rows, size_t n, const int32_t *col_of, size_t m, csr *X,
                   csr *XT)
{
    size_t nnz = 0, f;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rows[i].n; k++) nnz += in_X(v, col_of, &rows[i], k, &f);
    X->nr = n;
    XT->nr = m;
    X->start = calloc(n + 1, sizeof *X->start);
    XT->start = calloc(m + 1, sizeof *XT->start);
    X->col = malloc((nnz + 1) * sizeof *X->col);
    X->val = malloc((nnz + 1) * sizeof *X->val);
    XT->col = malloc((nnz + 1) * sizeof *XT->col);
    XT->val = malloc((nnz + 1) * sizeof *XT->val);
    if (!X->start || !XT->start || !X->col || !X->val || !XT->col || !XT->val) return -1;
    nnz = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < rows[i].n; k++) {
            if (!in_X(v, col_of, &rows[i], k, &f)) continue;
            X->col[nnz] = (uint32_t)col_of[f];
            X->val[nnz] = rows[i].val[k];
            XT->start[col_of[f] + 1]++;
            nnz++;
        }
        X->start[i + 1] = nnz;
    }
    for (size_t c = 0; c < m; c++) XT->start[c + 1] += XT->start[c];
    size_t *fill = calloc(m + 1, sizeof *fill);
    if (!fill) return -1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = X->start[i]; k < X->start[i + 1]; k++) {
            size_t at = XT->start[X->col[k]] + fill[X->col[k]]++;
            XT->col[at] = (uint32_t)i;
            XT->val[at] = X->val[k];
        }
    free(fill);
    return 0;
}

/* S = Qᵀ W (p × p, W = Xᵀ X Q), made exactly symmetric. */
static void rayleigh_ritz(const double *Q, const double *W, size_t m, size_t p, double *S)
{
    for (size_t r = 0; r < m; r++) {
        const double *q = Q + r * p, *w = W + r * p;
        for (size_t a = 0; a < p; a++) {
            double qa = q[a];
            if (qa == 0) continue;
            for (size_t b = 0; b < p; b++) S[a * p + b] += qa * w[b];
        }
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = a + 1; b < p; b++) S[a * p + b] = S[b * p + a] = 0.5 * (S[a * p + b] + S[b * p + a]);
}

/* l->V = Q · U[:, the dims largest eigenvalues ev], each column's largest
 * entry made positive (the sign of a singular vector is arbitrary; this
 * makes it reproducible).  col scratches m doubles. */
static void keep_top(mz_lsa *l, const double *Q, const double *U, const double *ev, size_t m, size_t p,
                     size_t *order, double *col)
{
    size_t dims = l->dims;
    for (size_t a = 0; a < p; a++) order[a] = a;
    for (size_t a = 1; a < p; a++) { /* largest eigenvalue first; stable */
        size_t x = order[a], b = a;
        while (b > 0 && ev[order[b - 1]] < ev[x]) order[b] = order[b - 1], b--;
        order[b] = x;
    }
    for (size_t j = 0; j < dims; j++) {
        size_t uc = order[j];
        double big = 0;
        for (size_t r = 0; r < m; r++) {
            double s = 0;
            const double *q = Q + r * p;
            for (size_t a = 0; a < p; a++) s += q[a] * U[a * p + uc];
            col[r] = s;
            if (fabs(s) > fabs(big)) big = s;
        }
        double sg = big < 0 ? -1.0 : 1.0;
        for (size_t r = 0; r < m; r++) l->V[r * dims + j] = (float)(sg * col[r]);
    }
}

int mz_lsa_fit(mz_lsa *l, const mz_vocab *v, const mz_sparse *rows, size_t n, int dims, double weight,
               unsigned long seed, int threads, int quiet, mz_err *e)
{
    memset(l, 0, sizeof *l);
    if (dims < 1 || dims > MZ_LSA_MAX_DIMS) return mz_fail(e, "--lsa-dims must be 1..%d", MZ_LSA_MAX_DIMS);
    int rc = -1;
    csr X = {0}, XT = {0};
    double *Q = NULL, *Y = NULL, *W = NULL, *S = NULL, *U = NULL, *ev = NULL;
    size_t *order = NULL;
    int32_t *col_of = malloc((v->nfeat + 1) * sizeof *col_of);
    if (!col_of) goto oom;
    size_t m = number_columns(v, rows, n, col_of);
    size_t p = (size_t)dims + OVERSAMPLE;
    if (m < p || n < p) {
        mz_fail(e, "--lsa-dims %d needs at least %zu texts and %zu of the vocabulary's words in them (have %zu and %zu)",
                dims, p, p, n, m);
        goto out;
    }
    /* texts that are copies of one another, or hold no word of the
     * vocabulary, add no direction: dimensions beyond the distinct texts
     * with words would be the random start vectors, not the corpus's (the
     * search's extra OVERSAMPLE ones may be, as they are never kept) */
    size_t distinct = distinct_rows(v, rows, n, col_of);
    if (distinct == (size_t)-1) goto oom;
    if (distinct < (size_t)dims) {
        mz_fail(e,
                "--lsa-dims %d needs at least %d distinct texts holding a word of the vocabulary, and has %zu "
                "among its %zu (the others are copies, or hold none of its words)",
                dims, dims, distinct, n);
        goto out;
    }
    if (build_X(v, rows, n, col_of, m, &X, &XT) != 0) goto oom;
    Q = malloc(m * p * sizeof *Q);
    W = malloc(m * p * sizeof *W);
    Y = malloc(n * p * sizeof *Y);
    if (!Q || !W || !Y) goto oom;
    uint64_t rng = (uint64_t)seed * 0x2545F4914F6CDD1Dull + 1;
    for (size_t k = 0; k < m * p; k++) Q[k] = uniform(&rng);
    if (orthonormalise(Q, m, p, &rng) != 0) goto oom;
    for (int it = 0; it < POWER; it++) {
        if (!quiet) mz_progress("lsa: %zu texts, %zu words, %d dimensions: round %d/%d", n, m, dims, it + 1, POWER);
        if (product(&X, Q, Y, p, threads, e) != 0 || product(&XT, Y, W, p, threads, e) != 0) goto out;
        if (orthonormalise(W, m, p, &rng) != 0) goto oom;
        double *t = Q;
        Q = W, W = t;
    }
    if (product(&X, Q, Y, p, threads, e) != 0 || product(&XT, Y, W, p, threads, e) != 0) goto out;
    S = calloc(p * p, sizeof *S);
    U = malloc(p * p * sizeof *U);
    ev = malloc(p * sizeof *ev);
    order = malloc(p * sizeof *order);
    if (!S || !U || !ev || !order) goto oom;
    rayleigh_ritz(Q, W, m, p, S);
    jacobi(S, p, ev, U);
    l->dims = (uint32_t)dims;
    l->nrow = (uint32_t)m;
    l->weight = weight;
    l->nfeat = v->nfeat;
    l->feat = malloc(m * sizeof *l->feat);
    l->V = malloc(m * (size_t)dims * sizeof *l->V);
    l->row_of = malloc((v->nfeat + 1) * sizeof *l->row_of);
    if (!l->feat || !l->V || !l->row_of) goto oom;
    for (size_t f = 0; f < v->nfeat; f++) {
        l->row_of[f] = col_of[f];
        if (col_of[f] >= 0) l->feat[col_of[f]] = (uint32_t)f;
    }
    keep_top(l, Q, U, ev, m, p, order, W);
    if (!quiet) mz_progress_clear();
    rc = 0;
    goto out;
oom:
    mz_fail(e, "out of memory");
out:
    if (rc != 0) mz_lsa_free(l);
    csr_free(&X);
    csr_free(&XT);
    free(col_of);
    free(Q);
    free(W);
    free(Y);
    free(S);
    free(U);
    free(ev);
    free(order);
    return rc;
}

/* ------------------------------------------------------ block of a text */

static int lsa_name(uint32_t j, char *out, size_t n) { return snprintf(out, n, "x@lsa:%u", j) < (int)n ? 0 : -1; }

int mz_lsa_name_features(mz_lsa *l, mz_vocab *v, mz_err *e)
{
    for (uint32_t j = 0; j < l->dims; j++) {
        char nm[32];
        lsa_name(j, nm, sizeof nm);
        int64_t f = mz_vocab_add_named(v, nm + 1);
        if (f < 0) return mz_fail(e, "out of memory");
        if (j == 0) l->base = (size_t)f;
        else if ((size_t)f != l->base + j) return mz_fail(e, "vocabulary already names @lsa features");
    }
    return 0;
}

/* The block is summed in single precision, four lanes at a time (GCC and
 * Clang vector extensions, plain SSE on x86-64): an article adds a few
 * hundred rows of K numbers.  Training and classification both sum here,
 * in the same order, so a text's block is the same bits in both. */
typedef float v4f __attribute__((vector_size(16)));

#define LSA_CHUNK 256 /* rows gathered at a time */
#define LSA_AHEAD 4   /* rows fetched ahead */
int mz_lsa_append(const mz_lsa *l, mz_sparse *x)
{
    v4f acc[(MZ_LSA_MAX_DIMS + 3) / 4];
    size_t d = l->dims, nv = d / 4;
    float tail[4] = {0, 0, 0, 0};
    memset(acc, 0, sizeof acc);
    const float *rp[LSA_CHUNK];
    float rv[LSA_CHUNK];
    int any = 0;
    /* Rows are gathered a chunk at a time and summed in article order, each
     * fetched a few rows ahead: an article's rows are scattered over the
     * whole block (5 MB for the frames vocabulary at 100 dimensions, 16 MB
     * at 300), and waiting for them was most of the time. */
    for (size_t i = 0; i < x->n;) {
        size_t nr = 0;
        for (; i < x->n && nr < LSA_CHUNK; i++) {
            size_t f = (size_t)x->idx[i] - 1;
            if (f >= l->nfeat || l->row_of[f] < 0) continue;
            rp[nr] = l->V + (size_t)l->row_of[f] * d;
            rv[nr++] = (float)x->val[i];
        }
        if (nr == 0) continue;
        any = 1;
        for (size_t r = 0; r < nr && r < LSA_AHEAD; r++)
            for (size_t b = 0; b < d * sizeof(float); b += 64) __builtin_prefetch((const char *)rp[r] + b);
        for (size_t r = 0; r < nr; r++) {
            if (r + LSA_AHEAD < nr)
                for (size_t b = 0; b < d * sizeof(float); b += 64) __builtin_prefetch((const char *)rp[r + LSA_AHEAD] + b);
            v4f vv = {rv[r], rv[r], rv[r], rv[r]};
            const float *row = rp[r];
            for (size_t k = 0; k < nv; k++) {
                v4f y;
                memcpy(&y, row + 4 * k, sizeof y);
                acc[k] += vv * y;
            }
            for (size_t j = 4 * nv; j < d; j++) tail[j - 4 * nv] += rv[r] * row[j];
        }
    }
    double z[MZ_LSA_MAX_DIMS];
    for (size_t k = 0; k < nv; k++)
        for (int q = 0; q < 4; q++) z[4 * k + q] = acc[k][q];
    for (size_t j = 4 * nv; j < d; j++) z[j] = tail[j - 4 * nv];
    double nn = 0;
    for (size_t j = 0; j < d; j++) nn += z[j] * z[j];
    if (!any || !(nn > 0)) return 0;
    if (mz_sparse_reserve(x, x->n + d) != 0) return -1;
    double s = l->weight / sqrt(nn);
    for (size_t j = 0; j < d; j++) {
        x->idx[x->n] = (int32_t)(l->base + j + 1);
        x->val[x->n] = z[j] * s;
        x->n++;
    }
    return 0;
}

/* ---------------------------------------------------------------- file */

static void put32(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (char)(v >> (8 * i) & 0xFF);
}

static uint32_t get32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

int mz_lsa_write(const mz_lsa *l, char **data, size_t *len, mz_err *e)
{
    size_t n = 16 + 4 * (size_t)l->nrow + 4 * (size_t)l->nrow * l->dims;
    char *s = malloc(n);
    if (!s) return mz_fail(e, "out of memory");
    memcpy(s, LSA_MAGIC, 8);
    put32(s + 8, l->dims);
    put32(s + 12, l->nrow);
    char *p = s + 16;
    for (uint32_t r = 0; r < l->nrow; r++, p += 4) put32(p, l->feat[r]);
    for (size_t k = 0; k < (size_t)l->nrow * l->dims; k++, p += 4) {
        uint32_t b;
        memcpy(&b, &l->V[k], 4);
        put32(p, b);
    }
    *data = s;
    *len = n;
    return 0;
}

int mz_lsa_parse(mz_lsa *l, const mz_vocab *v, const char *data, size_t len, double weight, const char *name,
                 mz_err *e)
{
    memset(l, 0, sizeof *l);
    if (len < 16 || memcmp(data, LSA_MAGIC, 8) != 0) return mz_fail(e, "%s: not a mizan semantic-feature file", name);
    uint32_t dims = get32(data + 8), nrow = get32(data + 12);
    if (dims < 1 || dims > MZ_LSA_MAX_DIMS || nrow < 1 || nrow > v->nfeat)
        return mz_fail(e, "%s: bad size (%u dimensions, %u rows for %zu features)", name, dims, nrow, v->nfeat);
    if ((len - 16) / 4 != (size_t)nrow * (1 + (size_t)dims) || (len - 16) % 4 != 0)
        return mz_fail(e, "%s: %zu bytes, expected %zu (truncated?)", name, len, 16 + 4 * (size_t)nrow * (1 + dims));
    if (!(weight > 0 && weight <= 100)) return mz_fail(e, "%s: weight must be in (0, 100]", name);
    l->dims = dims;
    l->nrow = nrow;
    l->weight = weight;
    l->nfeat = v->nfeat;
    l->feat = malloc(nrow * sizeof *l->feat);
    l->V = malloc((size_t)nrow * dims * sizeof *l->V);
    l->row_of = malloc((v->nfeat + 1) * sizeof *l->row_of);
    if (!l->feat || !l->V || !l->row_of) {
        mz_lsa_free(l);
        return mz_fail(e, "out of memory");
    }
    for (size_t f = 0; f < v->nfeat; f++) l->row_of[f] = -1;
    const char *p = data + 16;
    for (uint32_t r = 0; r < nrow; r++, p += 4) {
        uint32_t f = get32(p);
        if (f >= v->nfeat || v->kind[f] != 'u' || (r > 0 && f <= l->feat[r - 1])) {
            mz_lsa_free(l);
            return mz_fail(e, "%s: row %u: feature %u is not a next word of the vocabulary", name, r, f);
        }
        l->feat[r] = f;
        l->row_of[f] = (int32_t)r;
    }
    for (size_t k = 0; k < (size_t)nrow * dims; k++, p += 4) {
        uint32_t b = get32(p);
        float x;
        memcpy(&x, &b, 4);
        if (!isfinite(x) || x < -1.0f || x > 1.0f) {
            mz_lsa_free(l);
            return mz_fail(e, "%s: row %zu: value out of [-1, 1]", name, k / dims);
        }
        l->V[k] = x;
    }
    /* the block's features: "@lsa:0".. consecutive in the vocabulary */
    for (uint32_t j = 0; j < dims; j++) {
        char nm[32];
        lsa_name(j, nm, sizeof nm);
        int64_t f = mz_strmap_find(v->feats, nm, strlen(nm));
        if (f < 0 || (j > 0 && (size_t)f != l->base + j)) {
            mz_lsa_free(l);
            return mz_fail(e, "%s: the vocabulary lacks the feature @lsa:%u (or it is out of place)", name, j);
        }
        if (j == 0) l->base = (size_t)f;
    }
    return 0;
}

void mz_lsa_free(mz_lsa *l)
{
    free(l->feat);
    free(l->V);
    free(l->row_of);
    memset(l, 0, sizeof *l);
}
