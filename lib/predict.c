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
    free(p->cp);
    free(p->pw);
    free(p);
}

int mz_predictor_vectorize(mz_predictor *p, const mz_doc *d, const uint8_t *ctx,
                           const mz_extra *ex, size_t nex, mz_err *e)
{
    if (mz_vectorize(p->vz, d, ctx, ex, nex, &p->x, e) != 0) return -1;
    if (p->b->lsa.dims && mz_lsa_append(&p->b->lsa, &p->x) != 0) return mz_fail(e, "out of memory");
    return 0;
}

int mz_predictor_vectorize_member(mz_predictor *p, const mz_unidoc *ud, size_t member, const mz_doc *d,
                                  const uint8_t *ctx, const mz_extra *ex, size_t nex, mz_err *e)
{
    if (mz_vectorize_member(p->vz, ud, member, d, ctx, ex, nex, &p->x, e) != 0) return -1;
    if (p->b->lsa.dims && mz_lsa_append(&p->b->lsa, &p->x) != 0) return mz_fail(e, "out of memory");
    return 0;
}

int mz_row_knows_words(const mz_vocab *v, const mz_sparse *x)
{
    for (size_t i = 0; i < x->n; i++) {
        size_t f = (size_t)x->idx[i];
        if (f <= v->nfeat && v->kind[f - 1] != 'x') return 1;
    }
    return 0;
}

int mz_predictor_knows_words(const mz_predictor *p) { return mz_row_knows_words(&p->b->vocab, &p->x); }

int mz_predict_aux(mz_predictor *p) { return mz_aux_augment(p->b, &p->x); }

int mz_aux_append(mz_sparse *x, const double *prob, int k, const int32_t *fid, double scale)
{
    for (int c = 0; c < k; c++) {
        double v = prob[c] * scale;
        if (v < 1e-3) continue;
        if (mz_sparse_reserve(x, x->n + 1) != 0) return -1;
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
    r->label = mz_pick_label(r->prob, h->weighted ? h->lw : NULL, h->nclass);
}

int mz_pick_label(const double *prob, const double *lw, int k)
{
    int best = 0;
    for (int c = 1; c < k; c++)
        if (lw ? prob[c] * lw[c] > prob[best] * lw[best] : prob[c] > prob[best]) best = c;
    return best;
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

/* Class c's pairs: their indices in W and the sign that orients each
 * toward c; returns how many (nclass - 1). */
static int pairs_of(const mz_linmodel *m, int c, int *pidx, double *sign)
{
    int kk = m->nclass, n = 0;
    for (int o = 0; o < kk; o++) {
        if (o == c) continue;
        pidx[n] = c < o ? mz_pair_index(kk, c, o) : mz_pair_index(kk, o, c);
        sign[n] = c < o ? 1.0 : -1.0;
        n++;
    }
    return n;
}

/* The primal weight of linear head m's feature f toward class c: its
 * weight in each of c's n pairs, oriented toward c, averaged. */
static double toward(const mz_linmodel *m, int c, int n, const int *pidx, const double *sign, size_t f)
{
    double s = 0;
    int kk = m->nclass;
    /* a per-source head's own weights for f, if it has any (svmfile.h) */
    const double *dw = m->dslot && f <= m->nfeat && m->dslot[f] >= 0
                           ? m->dval + (size_t)m->dslot[f] * (size_t)(m->Wk ? kk : m->npair)
                           : NULL;
    if (m->Wk) {
        /* pair (c, o) weighs w_c - w_o toward c */
        const double *w = m->Wk + f * (size_t)kk;
        for (int o = 0; o < kk; o++)
            if (o != c) s += w[c] - w[o] + (dw ? dw[c] - dw[o] : 0);
    } else {
        const double *w = m->W + f * (size_t)m->npair;
        for (int r = 0; r < n; r++) s += sign[r] * (w[pidx[r]] + (dw ? dw[pidx[r]] : 0));
    }
    return s / n;
}

/* The evidence weight of x's i-th feature toward class c: value times the
 * primal weight toward c averaged over c's pairs (linear), or times the
 * slope of c's score along the feature (rbf). */
typedef struct push_ctx {
    const mz_predictor *p;
    const mz_linmodel *m;
    int c, n;
    const int *pidx;
    const double *sign;
    double A;
} push_ctx;

static double push(const push_ctx *q, size_t i)
{
    const mz_sparse *x = &q->p->x;
    if (q->m->kernel_rbf) return rbf_slope(q->p, q->m, q->A, x->idx[i], x->val[i]) * x->val[i];
    return toward(q->m, q->c, q->n, q->pidx, q->sign, (size_t)x->idx[i]) * x->val[i];
}

/* Keep term in out[0..k) if it ranks among the k strongest; out stays
 * sorted, ties in order of arrival. */
static void offer(mz_evidence *out, size_t *got, size_t k, int signed_, char *const *surface, size_t f, double w,
                  int32_t sid)
{
    if (!signed_ && w <= 0) return;
    if (*got == k && (signed_ ? fabs(w) <= fabs(out[k - 1].weight) : w <= out[k - 1].weight)) return;
    /* the surface pointer is read only now: loading it for every feature
     * of the article was a cache miss each, most of evidence's time */
    mz_evidence ev = {surface[f], w, sid};
    if (*got < k) out[(*got)++] = ev;
    else out[k - 1] = ev;
    isort(out, *got, signed_);
}

size_t mz_head_top_terms(const mz_vocab *v, const mz_linmodel *m, int c, size_t k, mz_evidence *out)
{
    if (m->kernel_rbf || m->svr || c < 0 || c >= m->nclass || k == 0) return 0;
    int pidx[MZ_MAX_CLASSES];
    double sign[MZ_MAX_CLASSES];
    int n = pairs_of(m, c, pidx, sign);
    size_t got = 0, nf = m->nfeat < v->nfeat ? m->nfeat : v->nfeat;
    for (size_t f = 1; f <= nf; f++) {
        char kind = v->kind[f - 1];
        if (kind == 'u' || kind == 'b' || kind == 't' || kind == 'c' || kind == 'd')
            offer(out, &got, k, 0, v->surface, f - 1, toward(m, c, n, pidx, sign, f), (int32_t)(f - 1));
    }
    return got;
}

static int cmp_ctxpush(const void *a, const void *b)
{
    const mz_ctxpush *x = a, *y = b;
    return (x->sid > y->sid) - (x->sid < y->sid);
}

size_t mz_head_evidence(mz_predictor *p, const mz_head *h, int c, size_t k, int signed_, mz_evidence *out)
{
    const mz_linmodel *m = &h->lm;
    const mz_sparse *x = &p->x;
    const mz_vocab *v = &p->b->vocab;
    int pidx[MZ_MAX_CLASSES];
    double sign[MZ_MAX_CLASSES];
    int n = pairs_of(m, c, pidx, sign);
    push_ctx q = {p, m, c, n, pidx, sign, m->kernel_rbf ? rbf_prepare(p, m, c) : 0.0};
    /* Every push first, in one pass over x: an rbf slope must be asked for
     * features in increasing order.  Character n-grams and pseudo-terms
     * are no words to show a person. */
    if (x->n > p->npw_cap) {
        double *a = realloc(p->pw, x->n * sizeof *a);
        mz_ctxpush *b = a ? realloc(p->cp, x->n * sizeof *b) : NULL;
        if (a) p->pw = a;
        if (!b) return 0; /* out of memory: no evidence rather than wrong evidence */
        p->cp = b;
        p->npw_cap = x->n;
    }
    /* A word's article feature ('u'/'b') and its context feature ('c'/'d')
     * print alike (vocab.surf_id names the article feature): their pushes
     * are one term's and are added up before ranking, or a term that pushes
     * hard through both could be left out.  The context features go into a
     * list; each then finds its article feature in x by binary search (x is
     * sorted by feature, and an article has few context features), which
     * reads no table indexed by feature: those loads were cache misses. */
    size_t nc = 0;
    for (size_t i = 0; i < x->n; i++) {
        size_t f = (size_t)x->idx[i];
        char kind = f > m->nfeat ? 'g' : v->kind[f - 1];
        p->pw[i] = kind == 'g' || kind == 'x' ? 0.0 : push(&q, i);
        if ((kind == 'c' || kind == 'd') && v->surf_id[f - 1] != (int32_t)(f - 1))
            p->cp[nc++] = (mz_ctxpush){v->surf_id[f - 1], (int32_t)i, p->pw[i], 0};
    }
    for (size_t j = 0; j < nc; j++) {
        /* the article feature, if in x and the head's: a 'u' or 'b' */
        int32_t want = p->cp[j].sid + 1;
        size_t lo = 0, hi = x->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (x->idx[mid] < want) lo = mid + 1;
            else hi = mid;
        }
        if (lo < x->n && x->idx[lo] == want && (size_t)want <= m->nfeat) {
            p->pw[lo] += p->cp[j].w;
            p->cp[j].used = 1;
        }
    }
    size_t got = 0;
    for (size_t i = 0; i < x->n; i++) {
        size_t f = (size_t)x->idx[i];
        if (f > m->nfeat) continue;
        char kind = v->kind[f - 1];
        if (kind == 'g' || kind == 'x') continue;
        /* only a context feature prints as another (mz_vocab_index): one
         * that does is in p->cp; what is offered here prints as itself */
        if ((kind == 'c' || kind == 'd') && v->surf_id[f - 1] != (int32_t)(f - 1)) continue;
        offer(out, &got, k, signed_, v->surface, f - 1, p->pw[i], (int32_t)(f - 1));
    }
    /* context features whose article feature is not in x (pruned from the
     * vocabulary, or a title weight of 0) stand alone, offered in the
     * order of their ids so that ties rank the same on every run */
    size_t nu = 0;
    for (size_t j = 0; j < nc; j++)
        if (!p->cp[j].used) p->cp[nu++] = p->cp[j];
    if (nu > 1) qsort(p->cp, nu, sizeof *p->cp, cmp_ctxpush);
    for (size_t j = 0; j < nu; j++) {
        size_t f = (size_t)x->idx[p->cp[j].i];
        offer(out, &got, k, signed_, v->surface, f - 1, p->cp[j].w, p->cp[j].sid);
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

size_t mz_multilabel_rank(size_t k, size_t primary, const unsigned char *chosen, const double *p, size_t *rank)
{
    size_t n = 0;
    rank[n++] = primary;
    for (size_t i = 0; i < k; i++) {
        if (i == primary || !chosen[i]) continue;
        size_t j = n++;
        while (j > 1 && p[rank[j - 1]] < p[i]) rank[j] = rank[j - 1], j--;
        rank[j] = i;
    }
    return n;
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
