/* platt.h — probabilities from SVM decision values, exactly as libsvm 3.24.
 *
 * mz_sigmoid_train() is Platt's method with Lin, Lin and Weng's Newton
 * iteration (libsvm's sigmoid_train); mz_sigmoid_predict() and
 * mz_pairwise_coupling() reproduce svm_predict_probability(): each pair's
 * sigmoid, clipped to [1e-7, 1-1e-7], then Wu, Lin and Weng's method 2 to
 * couple the k(k-1)/2 pairwise probabilities into k class probabilities.
 * The equivalence with libsvm itself is checked by tests, so models written
 * by mizan mean the same thing to any libsvm program. */
#ifndef MZ_PLATT_H
#define MZ_PLATT_H

#include <stddef.h>

/* labels: +1 / -1.  Deterministic; no allocation failures beyond malloc. */
int mz_sigmoid_train(size_t l, const double *dec, const signed char *labels, double *A, double *B);
double mz_sigmoid_predict(double dec, double A, double B);

/* dec: k(k-1)/2 pair decision values in libsvm order (0,1),(0,2)...(k-2,k-1);
 * probA/probB per pair; out: k probabilities.  k <= MZ_MAX_CLASSES. */
#define MZ_MAX_CLASSES 64
void mz_pairwise_coupling(int k, const double *dec, const double *probA, const double *probB, double *out);

#endif
