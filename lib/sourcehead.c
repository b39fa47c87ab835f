/* sourcehead.c — see sourcehead.h. */
#include "sourcehead.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int mz_source_name_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f) return 0;
    return n >= 1 && n <= 255;
}

void mz_centred_scores(int k, const double *dec, double *s)
{
    for (int c = 0; c < k; c++) s[c] = 0;
    for (int a = 0, p = 0; a < k; a++)
        for (int b = a + 1; b < k; b++, p++) {
            s[a] += dec[p];
            s[b] -= dec[p];
        }
    for (int c = 0; c < k; c++) s[c] /= k;
}

int32_t *mz_source_slots(const int32_t *kept, size_t K, size_t nfeat)
{
    int32_t *slot = malloc((nfeat + 1) * sizeof *slot);
    if (!slot) return NULL;
    for (size_t f = 0; f <= nfeat; f++) slot[f] = -1;
    for (size_t j = 0; j < K; j++) slot[kept[j]] = (int32_t)j;
    return slot;
}

int mz_source_row(const mz_sparse *x, const double *s, int k, double scale, int d, const int32_t *slot, size_t nfeat,
                  size_t K, mz_sparse *out)
{
    out->n = 0;
    if (mz_sparse_reserve(out, (size_t)k + x->n) != 0) return -1;
    for (int c = 0; c < k; c++) {
        out->idx[out->n] = c + 1;
        out->val[out->n++] = scale * s[c];
    }
    if (d < 0) return 0;
    size_t base = (size_t)k + (size_t)d * K + 1;
    for (size_t i = 0; i < x->n; i++) {
        size_t f = (size_t)x->idx[i];
        if (f < 1 || f > nfeat || slot[f] < 0) continue;
        /* kept features are in increasing order: so are their slots */
        out->idx[out->n] = (int32_t)(base + (size_t)slot[f]);
        out->val[out->n++] = x->val[i];
    }
    return 0;
}

/* Weight of feature f (1-based) in pair p = (a, b) of a linear head,
 * whichever form it is kept in. */
static double pair_w(const mz_linmodel *m, size_t f, int p, int a, int b)
{
    if (f > m->nfeat) return 0;
    if (m->Wk) return m->Wk[f * (size_t)m->nclass + (size_t)a] - m->Wk[f * (size_t)m->nclass + (size_t)b];
    if (m->Wc) return m->Wc[(size_t)a * (m->nfeat + 1) + f] - m->Wc[(size_t)b * (m->nfeat + 1) + f];
    return m->W[f * (size_t)m->npair + (size_t)p];
}

/* Per-class weight of feature f in a head kept per class, or 0 when it is
 * kept per pair (then pair_w is the way in). */
static double class_w(const mz_linmodel *m, size_t f, int c)
{
    if (f > m->nfeat) return 0;
    if (m->Wk) return m->Wk[f * (size_t)m->nclass + (size_t)c];
    return m->Wc[(size_t)c * (m->nfeat + 1) + f];
}

int mz_source_combine(const mz_linmodel *plain, const mz_linmodel *st, int nsrc, const int32_t *slot,
                      size_t nfeat, size_t K, double scale, mz_linmodel *out, double **dval, mz_err *e)
{
    int k = plain->nclass, np = plain->npair;
    *dval = NULL;
    if (plain->kernel_rbf || st->kernel_rbf || plain->svr || st->svr || !st->probA)
        return mz_fail(e, "per-source heads need linear heads with probabilities");
    if (st->nclass != k || st->npair != np) return mz_fail(e, "the per-source head has %d classes, the plain head %d", st->nclass, k);
    if (nsrc < 1 || (size_t)k + (size_t)nsrc * K >= (size_t)INT32_MAX)
        return mz_fail(e, "per-source heads: bad number of sources");
    memset(out, 0, (size_t)nsrc * sizeof *out);
    /* per class when the second stage is (one SV per class), else per pair */
    int per_class = (st->Wk || st->Wc) && k > 2;
    int width = per_class ? k : np;
    /* s_c(x) = g_c·x − h_c: the plain head's centred scores, linear in x */
    double *g = calloc((nfeat + 1) * (size_t)k, sizeof *g), h[MZ_MAX_CLASSES] = {0};
    double *W = calloc((nfeat + 1) * (size_t)width, sizeof *W);
    *dval = calloc((size_t)nsrc * K * (size_t)width + 1, sizeof **dval);
    if (!g || !W || !*dval) goto oom;
    for (int a = 0, p = 0; a < k; a++)
        for (int b = a + 1; b < k; b++, p++) {
            for (size_t f = 1; f <= nfeat; f++) {
                double w = pair_w(plain, f, p, a, b) / k;
                g[f * (size_t)k + (size_t)a] += w;
                g[f * (size_t)k + (size_t)b] -= w;
            }
            h[a] += plain->rho[p] / k;
            h[b] -= plain->rho[p] / k;
        }
    /* column j of the shared weights: scale · Σ_c u_j[c] g_c, u_j being the
     * second stage's weights (class j, or pair j) of the scores */
    for (int j = 0, a = 0, b = 1; j < width; j++) {
        double u[MZ_MAX_CLASSES];
        for (int c = 0; c < k; c++) u[c] = scale * (per_class ? class_w(st, (size_t)c + 1, j) : pair_w(st, (size_t)c + 1, j, a, b));
        for (size_t f = 1; f <= nfeat; f++) {
            const double *gf = g + f * (size_t)k;
            double w = 0;
            for (int c = 0; c < k; c++) w += u[c] * gf[c];
            W[f * (size_t)width + (size_t)j] = w;
        }
        if (!per_class && ++b == k) a++, b = a + 1;
    }
    /* each source's own: its block of the second stage, slot by slot */
    for (int d = 0; d < nsrc; d++)
        for (size_t sl = 0; sl < K; sl++) {
            size_t i = (size_t)k + (size_t)d * K + sl + 1;
            double *dv = *dval + ((size_t)d * K + sl) * (size_t)width;
            for (int j = 0, a = 0, b = 1; j < width; j++) {
                dv[j] = per_class ? class_w(st, i, j) : pair_w(st, i, j, a, b);
                if (!per_class && ++b == k) a++, b = a + 1;
            }
        }
    for (int d = 0; d < nsrc; d++) {
        mz_linmodel *m = &out[d];
        m->nclass = k;
        m->npair = np;
        m->nfeat = nfeat;
        memcpy(m->labels, st->labels, sizeof m->labels);
        if (per_class) m->Wk = W;
        else m->W = W;
        m->shared = d > 0; /* the first owns the shared weights */
        m->dslot = slot;
        m->dval = *dval + (size_t)d * K * (size_t)width;
        m->rho = malloc((size_t)np * sizeof *m->rho);
        m->probA = malloc((size_t)np * sizeof *m->probA);
        m->probB = malloc((size_t)np * sizeof *m->probB);
        if (!m->rho || !m->probA || !m->probB) {
            for (int j = 0; j <= d; j++) mz_linmodel_free(&out[j]);
            W = NULL; /* freed with out[0] */
            goto oom;
        }
        memcpy(m->probA, st->probA, (size_t)np * sizeof *m->probA);
        memcpy(m->probB, st->probB, (size_t)np * sizeof *m->probB);
        /* rho: the second stage's, plus what its score features' weights
         * make of the plain head's offsets */
        for (int a = 0, p = 0; a < k; a++)
            for (int b = a + 1; b < k; b++, p++) {
                double r = st->rho[p];
                for (int j = 0; j < k; j++) r += scale * pair_w(st, (size_t)j + 1, p, a, b) * h[j];
                m->rho[p] = r;
            }
    }
    free(g);
    return 0;
oom:
    free(g);
    free(W);
    free(*dval);
    *dval = NULL;
    return mz_fail(e, "out of memory");
}
