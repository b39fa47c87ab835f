/* metrics.c — see metrics.h. */
#include "metrics.h"

#include "jsonout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mz_metrics_init(mz_metrics *m, int k)
{
    memset(m, 0, sizeof *m);
    m->k = k;
    m->conf = calloc((size_t)k * (size_t)k, sizeof *m->conf);
    m->precision = calloc((size_t)k, sizeof(double));
    m->recall = calloc((size_t)k, sizeof(double));
    m->f1 = calloc((size_t)k, sizeof(double));
    m->support = calloc((size_t)k, sizeof(long));
    if (!m->conf || !m->precision || !m->recall || !m->f1 || !m->support) {
        mz_metrics_free(m);
        return -1;
    }
    return 0;
}

void mz_metrics_free(mz_metrics *m)
{
    free(m->conf);
    free(m->precision);
    free(m->recall);
    free(m->f1);
    free(m->support);
    memset(m, 0, sizeof *m);
}

void mz_metrics_add(mz_metrics *m, int truth, int pred)
{
    m->conf[(size_t)truth * (size_t)m->k + (size_t)pred]++;
}

void mz_metrics_finish(mz_metrics *m)
{
    int k = m->k;
    long total = 0, correct = 0;
    double f1sum = 0;
    int nf = 0;
    for (int c = 0; c < k; c++) {
        long tp = m->conf[c * k + c], row = 0, col = 0;
        for (int j = 0; j < k; j++) {
            row += m->conf[c * k + j];
            col += m->conf[j * k + c];
        }
        total += row;
        correct += tp;
        m->support[c] = row;
        if (!row && !col) {
            /* neither true nor answered: nothing to measure, which a 0
             * would not tell from a class always missed */
            m->precision[c] = m->recall[c] = m->f1[c] = NAN;
            continue;
        }
        m->precision[c] = col ? (double)tp / (double)col : 0.0;
        m->recall[c] = row ? (double)tp / (double)row : 0.0;
        double pr = m->precision[c] + m->recall[c];
        m->f1[c] = pr > 0 ? 2 * m->precision[c] * m->recall[c] / pr : 0.0;
        f1sum += m->f1[c];
        nf++;
    }
    m->n = total;
    m->accuracy = total ? (double)correct / (double)total : 0.0;
    m->macro_f1 = nf ? f1sum / nf : 0.0;
}

static size_t cp_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Columns are code points (mz_buf_cell): labels are often Arabic. */
char *mz_metrics_table(const mz_metrics *m, char *const *labels)
{
    mz_buf b = {0};
    size_t w = 9;
    for (int c = 0; c < m->k; c++) {
        size_t l = cp_len(labels[c]);
        if (l > w) w = l;
    }
    if (w > 40) w = 40;
    mz_buf_cell(&b, "label", w, 1, 0);
    mz_buf_printf(&b, " %9s %9s %9s %9s\n", "precision", "recall", "f1", "support");
    for (int c = 0; c < m->k; c++) {
        mz_buf_cell(&b, labels[c], w, 1, 0);
        if (isnan(m->f1[c])) mz_buf_printf(&b, " %9s %9s %9s %9ld\n", "-", "-", "-", m->support[c]);
        else mz_buf_printf(&b, " %9.4f %9.4f %9.4f %9ld\n", m->precision[c], m->recall[c], m->f1[c], m->support[c]);
    }
    mz_buf_printf(&b, "accuracy %.4f   macro-F1 %.4f   n %ld\nconfusion (rows: truth, columns: predicted)\n",
                  m->accuracy, m->macro_f1, m->n);
    mz_buf_cell(&b, "", w, 1, 0);
    for (int c = 0; c < m->k; c++) {
        mz_buf_put(&b, " ", 1);
        mz_buf_cell(&b, labels[c], 7, 1, 1);
    }
    mz_buf_put(&b, "\n", 1);
    for (int r = 0; r < m->k; r++) {
        mz_buf_cell(&b, labels[r], w, 1, 0);
        for (int c = 0; c < m->k; c++) mz_buf_printf(&b, " %7ld", m->conf[r * m->k + c]);
        mz_buf_put(&b, "\n", 1);
    }
    if (b.oom || !b.s) {
        mz_buf_free(&b);
        return NULL;
    }
    return b.s;
}

typedef struct sp {
    double s;
    int t;
} sp;

static int cmp_sp(const void *a, const void *b)
{
    double x = ((const sp *)a)->s, y = ((const sp *)b)->s;
    return (x > y) - (x < y);
}

double mz_roc_auc(const double *score, const int *truth, size_t n)
{
    sp *v = malloc((n + 1) * sizeof *v);
    if (!v) return NAN;
    size_t npos = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].s = score[i];
        v[i].t = truth[i];
        npos += truth[i] == 1;
    }
    size_t nneg = n - npos;
    if (!npos || !nneg) {
        free(v);
        return NAN;
    }
    qsort(v, n, sizeof *v, cmp_sp);
    double rank_sum = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].s == v[i].s) j++;
        double avg = (double)(i + j + 1) / 2.0; /* ranks i+1..j */
        for (size_t q = i; q < j; q++)
            if (v[q].t == 1) rank_sum += avg;
        i = j;
    }
    free(v);
    return (rank_sum - (double)npos * (double)(npos + 1) / 2.0) / ((double)npos * (double)nneg);
}
