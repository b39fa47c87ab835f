/* fuzz_svm.c — libFuzzer target: libsvm model files, mz_svmfile_parse.
 *
 * Byte 0 is the vocabulary size the file is checked against (1..256); the
 * rest is the model file.  A model that parses must be usable as the
 * classifier uses it: for a sparse vector over the whole vocabulary, the
 * vote is a class and, with probA/probB and finite decision values, the
 * class probabilities are finite, in [0, 1] and sum to 1.  A rejected file
 * must name itself in a one-line message.  Every path must be free of
 * leaks and memory errors. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "features.h"
#include "fuzz_common.h"
#include "svmfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t max_index = (size_t)data[0] + 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    mz_linmodel m;
    memset(&m, 0, sizeof m);
    mz_err e = {{0}};
    if (mz_svmfile_parse(text, len, "head.svm", max_index, &m, &e) != 0) {
        FUZZ_CHECK(strstr(e.msg, "head.svm") != NULL || strstr(e.msg, "out of memory") != NULL);
        /* one line, whatever bytes the file holds */
        FUZZ_CHECK(strchr(e.msg, '\n') == NULL);
        return 0;
    }
    FUZZ_CHECK(m.nclass >= 2 && m.nclass <= MZ_MAX_CLASSES);
    FUZZ_CHECK(m.npair == m.nclass * (m.nclass - 1) / 2);
    FUZZ_CHECK(m.rho != NULL);
    FUZZ_CHECK((m.probA == NULL) == (m.probB == NULL));
    if (m.kernel_rbf) FUZZ_CHECK(m.W == NULL && m.sv_start != NULL && m.nsv >= 1);
    else FUZZ_CHECK((m.W != NULL) != (m.Wk != NULL) && m.nfeat <= max_index);
    /* per-class weights only for what a one-vs-rest head is written as */
    if (m.Wk) FUZZ_CHECK(m.nclass > 2 && !m.svr);
    {
        int32_t idx[256];
        double val[256];
        mz_sparse x = {idx, val, 0, 256};
        for (size_t i = 1; i <= max_index && i <= 256; i++) {
            idx[x.n] = (int32_t)i;
            val[x.n++] = 1.0 / sqrt((double)max_index);
        }
        double dec[MZ_MAX_CLASSES * (MZ_MAX_CLASSES - 1) / 2];
        mz_linmodel_decision(&m, &x, dec);
        /* weights near DBL_MAX may overflow to inf: allowed, but then the
         * probabilities are not checked */
        int finite = 1;
        for (int p = 0; p < m.npair; p++) finite &= isfinite(dec[p]) != 0;
        int c = mz_linmodel_vote(&m, dec);
        FUZZ_CHECK(c >= 0 && c < m.nclass);
        if (m.probA && finite) {
            double prob[MZ_MAX_CLASSES];
            mz_linmodel_probability(&m, dec, prob);
            double sum = 0;
            for (int k = 0; k < m.nclass; k++) {
                FUZZ_CHECK(isfinite(prob[k]) && prob[k] >= -1e-9 && prob[k] <= 1 + 1e-9);
                sum += prob[k];
            }
            FUZZ_CHECK(fabs(sum - 1) < 1e-6);
        }
    }
    mz_linmodel_free(&m);
    return 0;
}
