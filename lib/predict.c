/* predict.c — see predict.h. */
#include "predict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

mz_predictor *mz_predictor_new(const mz_bundle *b, mz_err *e)
{
    mz_predictor *p = calloc(1, sizeof *p);
    if (!p) {
        mz_fail(e, "out of memory");
        return NULL;
    }
    p->b = b;
    p->vz = mz_vectorizer_new(&b->vocab, e);
    if (!p->vz) {
        free(p);
        return NULL;
    }
    size_t nsv = 0;
    for (size_t h = 0; h < b->nheads; h++)
        if (b->heads[h].lm.kernel_rbf && b->heads[h].lm.nsv > nsv) nsv = b->heads[h].lm.nsv;
    if (nsv) {
        p->sv_a = malloc(nsv * sizeof *p->sv_a);
        p->sv_cur = malloc(nsv * sizeof *p->sv_cur);
        if (!p->sv_a || !p->sv_cur) {
            mz_predictor_free(p);
            mz_fail(e, "out of memory");
            return NULL;
        }
    }
    return p;
}

void mz_predictor_free(mz_predictor *p)
{
    if (!p) return;
    mz_vectorizer_free(p->vz);
    mz_sparse_free(&p->x);
    free(p->sv_a);
    free(p->sv_cur);
    free(p);
}

int mz_predictor_vectorize(mz_predictor *p, const mz_doc *d, const uint8_t *ctx,
                           const mz_extra *ex, size_t nex, mz_err *e)
{
    return mz_vectorize(p->vz, d, ctx, ex, nex, &p->x, e);
}

int mz_predict_aux(mz_predictor *p) { return mz_aux_augment(p->b, &p->x); }

int mz_aux_append(mz_sparse *x, const double *prob, int k, const int32_t *fid, double scale)
{
    for (int c = 0; c < k; c++) {
        double v = prob[c] * scale;
        if (v < 1e-3) continue;
        if (x->n == x->cap) {
            size_t nc = x->cap ? x->cap * 2 : 16;
            int32_t *ix = realloc(x->idx, nc * sizeof *ix);
            if (!ix) return -1;
            x->idx = ix;
            double *vx = realloc(x->val, nc * sizeof *vx);
            if (!vx) return -1;
            x->val = vx;
            x->cap = nc;
        }
        /* aux features come last in the vocabulary: insertion keeps order */
        int32_t idx = fid[c] + 1;
        size_t at = x->n;
        while (at > 0 && x->idx[at - 1] > idx) at--;
        memmove(x->idx + at + 1, x->idx + at, (x->n - at) * sizeof *x->idx);
        memmove(x->val + at + 1, x->val + at, (x->n - at) * sizeof *x->val);
        x->idx[at] = idx;
        x->val[at] = v;
        x->n++;
    }
    return 0;
}

int mz_aux_augment(const mz_bundle *b, mz_sparse *x)
{
    if (!b->aux) return 0;
    double dec[MZ_MAX_CLASSES * (MZ_MAX_CLASSES - 1) / 2], prob[MZ_MAX_CLASSES];
    mz_linmodel_decision(&b->aux->lm, x, dec);
    mz_linmodel_probability(&b->aux->lm, dec, prob);
    return mz_aux_append(x, prob, b->aux->nclass, b->aux_fid, b->aux_scale);
}

void mz_predict_head(const mz_predictor *p, const mz_head *h, mz_head_result *r)
{
    mz_linmodel_decision(&h->lm, &p->x, r->dec);
    mz_linmodel_probability(&h->lm, r->dec, r->prob);
    int best = 0;
    for (int c = 1; c < h->nclass; c++)
        if (r->prob[c] > r->prob[best]) best = c;
    r->label = best;
}

/* Insertion sort, largest first: the list is short and nearly sorted. */
static void isort(mz_evidence *v, size_t n, int by_abs)
{
    for (size_t i = 1; i < n; i++) {
        mz_evidence x = v[i];
        double kx = by_abs ? fabs(x.weight) : x.weight;
        size_t j = i;
        while (j > 0 && (by_abs ? fabs(v[j - 1].weight) : v[j - 1].weight) < kx) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* RBF: c's score is sum_s a_s with a_s = w_s K(x, sv_s), w_s the SV's
 * coefficients oriented towards c and averaged over c's pairs.  Fills a_s
 * and resets the cursors; returns A = sum_s a_s. */
static double rbf_prepare(const mz_predictor *p, const mz_linmodel *m, int c)
{
    int k = m->nclass;
    double A = 0;
    size_t s = 0;
    for (int cls = 0; cls < k; cls++)
        for (int q = 0; q < m->nsv_class[cls]; q++, s++) {
            const double *coef = m->sv_coef + s * (size_t)(k - 1);
            double w = 0;
            if (cls == c) {
                for (int o = 0; o < k; o++)
                    if (o != c) w += (c < o ? 1.0 : -1.0) * coef[mz_coef_row(c, o)];
            } else {
                w = (c < cls ? 1.0 : -1.0) * coef[mz_coef_row(cls, c)];
            }
            w /= k - 1;
            p->sv_a[s] = w == 0.0 ? 0.0 : w * mz_rbf_kernel(m, s, &p->x);
            p->sv_cur[s] = m->sv_start[s];
            A += p->sv_a[s];
        }
    return A;
}

/* d score / d x_f = -2 gamma sum_s a_s (x_f - sv_s,f).  Called for
 * increasing f, so each SV's cursor only moves forward. */
static double rbf_slope(const mz_predictor *p, const mz_linmodel *m, double A, int32_t f, double xf)
{
    double B = 0;
    for (size_t s = 0; s < m->nsv; s++) {
        if (p->sv_a[s] == 0.0) continue;
        size_t j = p->sv_cur[s], end = m->sv_start[s + 1];
        while (j < end && m->sv_idx[j] < f) j++;
        p->sv_cur[s] = j;
        if (j < end && m->sv_idx[j] == f) B += p->sv_a[s] * m->sv_val[j];
    }
    return -2.0 * m->gamma * (xf * A - B);
}

size_t mz_head_evidence(const mz_predictor *p, const mz_head *h, int c, size_t k, int signed_,
                        mz_evidence *out)
{
    const mz_linmodel *m = &h->lm;
    const mz_sparse *x = &p->x;
    int kk = m->nclass, np = m->npair;
    int pidx[MZ_MAX_CLASSES];
    double sign[MZ_MAX_CLASSES];
    int n = 0;
    for (int o = 0; o < kk; o++) {
        if (o == c) continue;
        pidx[n] = c < o ? mz_pair_index(kk, c, o) : mz_pair_index(kk, o, c);
        sign[n] = c < o ? 1.0 : -1.0;
        n++;
    }
    size_t got = 0;
    double A = m->kernel_rbf ? rbf_prepare(p, m, c) : 0.0;
    /* keep the k best in out[0..k) by insertion: k is small */
    for (size_t i = 0; i < x->n; i++) {
        size_t f = (size_t)x->idx[i];
        if (f > m->nfeat) continue;
        /* character n-grams and pseudo-terms are no words to show a person */
        char kind = p->b->vocab.kind[f - 1];
        if (kind == 'g' || kind == 'x') continue;
        double contrib;
        if (m->kernel_rbf) {
            contrib = rbf_slope(p, m, A, x->idx[i], x->val[i]) * x->val[i];
        } else {
            double s = 0;
            if (m->Wk) {
                /* pair (c, o) weighs w_c - w_o toward c */
                const double *w = m->Wk + f * (size_t)kk;
                for (int o = 0; o < kk; o++)
                    if (o != c) s += w[c] - w[o];
            } else {
                const double *w = m->W + f * (size_t)np;
                for (int q = 0; q < n; q++) s += sign[q] * w[pidx[q]];
            }
            contrib = s / n * x->val[i];
        }
        if (!signed_ && contrib <= 0) continue;
        const char *term = p->b->vocab.surface[f - 1];
        int32_t sid = p->b->vocab.surf_id[f - 1];
        /* one entry per printed term: a word's article feature and its
         * context feature print alike, so their pushes are added up */
        size_t dup = got;
        for (size_t q = 0; q < got; q++)
            if (out[q].sid == sid) dup = q;
        if (dup < got) {
            out[dup].weight += contrib;
        } else {
            double key = signed_ ? fabs(contrib) : contrib;
            if (got == k && key <= (signed_ ? fabs(out[k - 1].weight) : out[k - 1].weight)) continue;
            mz_evidence ev = {term, contrib, sid};
            if (got < k) out[got++] = ev;
            else out[k - 1] = ev;
        }
        isort(out, got, signed_);
    }
    return got;
}

int mz_stance_label(const double *p, double tcrit, double tfav)
{
    if (tcrit <= 0 || tfav <= 0) {
        int b = 0;
        for (int c = 1; c < 3; c++)
            if (p[c] > p[b]) b = c;
        return b;
    }
    int crit = p[0] >= tcrit, fav = p[2] >= tfav;
    if (crit && fav) return p[0] - tcrit >= p[2] - tfav ? 0 : 2;
    return crit ? 0 : fav ? 2 : 1;
}

static double clamp1(double v) { return v < -1 ? -1 : v > 1 ? 1 : v; }

double mz_stance_score(int method, const double *p, double svr)
{
    double prob = clamp1(p[2] - p[0]), reg = clamp1(svr / 2);
    /* NaN compares false both ways above: keep it out of the score */
    if (reg != reg) reg = 0;
    return method == MZ_SCORE_SVR ? reg : method == MZ_SCORE_BLEND ? (prob + reg) / 2 : prob;
}

int mz_multilabel_select(size_t k, const double *p, const double *pm, double w, const double *thr, int max_labels,
                         unsigned char *chosen)
{
    double sum = 0;
    for (size_t i = 0; i < k; i++) sum += p[i];
    size_t best = 0;
    double bs = 0;
    for (size_t i = 0; i < k; i++) {
        /* the binary heads' probabilities do not sum to 1: normalised, they
         * weigh as much as the multiclass head's in the mix */
        double s = pm ? w * pm[i] + (1 - w) * (sum > 0 ? p[i] / sum : 0) : p[i];
        if (i == 0 || s > bs) best = i, bs = s;
    }
    for (size_t i = 0; i < k; i++) chosen[i] = 0;
    if (k == 0) return 0;
    chosen[best] = 1;
    size_t room = max_labels > 0 ? (size_t)max_labels - 1 : k;
    while (room-- > 0) {
        size_t next = k;
        for (size_t i = 0; i < k; i++)
            if (!chosen[i] && p[i] >= thr[i] && (next == k || p[i] > p[next])) next = i;
        if (next == k) break;
        chosen[next] = 1;
    }
    return (int)best;
}
