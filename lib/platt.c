/* platt.c — see platt.h.  The arithmetic follows libsvm 3.24 statement by
 * statement; reordering it would change results in the last bits and break
 * the equivalence tests. */
#include "platt.h"

#include <math.h>
#include <stdlib.h>

int mz_sigmoid_train(size_t l, const double *dec, const signed char *labels, double *Aout, double *Bout)
{
    double prior1 = 0, prior0 = 0;
    for (size_t i = 0; i < l; i++) {
        if (labels[i] > 0) prior1 += 1;
        else prior0 += 1;
    }
    const int max_iter = 100;
    const double min_step = 1e-10, sigma = 1e-12, eps = 1e-5;
    double hiTarget = (prior1 + 1.0) / (prior1 + 2.0);
    double loTarget = 1 / (prior0 + 2.0);
    double *t = malloc((l ? l : 1) * sizeof *t);
    if (!t) return -1;
    double A = 0.0, B = log((prior0 + 1.0) / (prior1 + 1.0));
    double fval = 0.0;
    for (size_t i = 0; i < l; i++) {
        t[i] = labels[i] > 0 ? hiTarget : loTarget;
        double fApB = dec[i] * A + B;
        if (fApB >= 0) fval += t[i] * fApB + log(1 + exp(-fApB));
        else fval += (t[i] - 1) * fApB + log(1 + exp(fApB));
    }
    for (int iter = 0; iter < max_iter; iter++) {
        double h11 = sigma, h22 = sigma, h21 = 0.0, g1 = 0.0, g2 = 0.0;
        for (size_t i = 0; i < l; i++) {
            double fApB = dec[i] * A + B, p, q;
            if (fApB >= 0) {
                p = exp(-fApB) / (1.0 + exp(-fApB));
                q = 1.0 / (1.0 + exp(-fApB));
            } else {
                p = 1.0 / (1.0 + exp(fApB));
                q = exp(fApB) / (1.0 + exp(fApB));
            }
            double d2 = p * q;
            h11 += dec[i] * dec[i] * d2;
            h22 += d2;
            h21 += dec[i] * d2;
            double d1 = t[i] - p;
            g1 += dec[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < eps && fabs(g2) < eps) break;
        double det = h11 * h22 - h21 * h21;
        double dA = -(h22 * g1 - h21 * g2) / det;
        double dB = -(-h21 * g1 + h11 * g2) / det;
        double gd = g1 * dA + g2 * dB;
        double stepsize = 1;
        while (stepsize >= min_step) {
            double newA = A + stepsize * dA, newB = B + stepsize * dB, newf = 0.0;
            for (size_t i = 0; i < l; i++) {
                double fApB = dec[i] * newA + newB;
                if (fApB >= 0) newf += t[i] * fApB + log(1 + exp(-fApB));
                else newf += (t[i] - 1) * fApB + log(1 + exp(fApB));
            }
            if (newf < fval + 0.0001 * stepsize * gd) {
                A = newA;
                B = newB;
                fval = newf;
                break;
            }
            stepsize = stepsize / 2.0;
        }
        if (stepsize < min_step) break;
    }
    free(t);
    *Aout = A;
    *Bout = B;
    return 0;
}

double mz_sigmoid_predict(double dec, double A, double B)
{
    double fApB = dec * A + B;
    if (fApB >= 0) return exp(-fApB) / (1.0 + exp(-fApB));
    return 1.0 / (1 + exp(fApB));
}

static void multiclass_probability(int k, double r[MZ_MAX_CLASSES][MZ_MAX_CLASSES], double *p)
{
    int max_iter = k > 100 ? k : 100;
    double Q[MZ_MAX_CLASSES][MZ_MAX_CLASSES], Qp[MZ_MAX_CLASSES];
    double pQp, eps = 0.005 / k;
    for (int t = 0; t < k; t++) {
        p[t] = 1.0 / k;
        Q[t][t] = 0;
        for (int j = 0; j < t; j++) {
            Q[t][t] += r[j][t] * r[j][t];
            Q[t][j] = Q[j][t];
        }
        for (int j = t + 1; j < k; j++) {
            Q[t][t] += r[j][t] * r[j][t];
            Q[t][j] = -r[j][t] * r[t][j];
        }
    }
    for (int iter = 0; iter < max_iter; iter++) {
        pQp = 0;
        for (int t = 0; t < k; t++) {
            Qp[t] = 0;
            for (int j = 0; j < k; j++) Qp[t] += Q[t][j] * p[j];
            pQp += p[t] * Qp[t];
        }
        double max_error = 0;
        for (int t = 0; t < k; t++) {
            double error = fabs(Qp[t] - pQp);
            if (error > max_error) max_error = error;
        }
        if (max_error < eps) break;
        for (int t = 0; t < k; t++) {
            double diff = (-Qp[t] + pQp) / Q[t][t];
            p[t] += diff;
            pQp = (pQp + diff * (diff * Q[t][t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
            for (int j = 0; j < k; j++) {
                Qp[j] = (Qp[j] + diff * Q[t][j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
}

void mz_pairwise_coupling(int k, const double *dec, const double *probA, const double *probB, double *out)
{
    const double min_prob = 1e-7;
    double r[MZ_MAX_CLASSES][MZ_MAX_CLASSES];
    int p = 0;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++) {
            double s = mz_sigmoid_predict(dec[p], probA[p], probB[p]);
            if (s < min_prob) s = min_prob;
            if (s > 1 - min_prob) s = 1 - min_prob;
            r[i][j] = s;
            r[j][i] = 1 - s;
            p++;
        }
    if (k == 2) {
        out[0] = r[0][1];
        out[1] = r[1][0];
    } else {
        multiclass_probability(k, r, out);
    }
}
