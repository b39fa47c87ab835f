/* fuzz_lsa.c — libFuzzer target: the semantic-block parser, mz_lsa_parse.
 *
 * The input is an lsa.bin for a fixed vocabulary of 40 unigrams, a bigram
 * and the four features @lsa:0..3.  A block that parses is then used as
 * the classifier uses it: appended to an article's vector, whose indices
 * must stay increasing, whose new values must be finite and of total length
 * the weight; and written back, which must give the same bytes.  A refused
 * block must be refused with one line naming the file. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "features.h"
#include "fuzz_common.h"
#include "lsa.h"
#include "vocabfile.h"

enum { NW = 40 };
static mz_vocab voc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char s[4096];
    size_t n = (size_t)snprintf(s, sizeof s, "# mizan vocabulary 1\n# features %d documents 9\n", NW + 5);
    for (int w = 0; w < NW; w++) n += (size_t)snprintf(s + n, sizeof s - n, "u\t1.5\tw%d\tw%d\n", w, w);
    n += (size_t)snprintf(s + n, sizeof s - n, "b\t2\tw0 w1\tw0 w1\n");
    for (int j = 0; j < 4; j++) n += (size_t)snprintf(s + n, sizeof s - n, "x\t1\t@lsa:%d\t@lsa:%d\n", j, j);
    mz_featopts_default(&voc.opt);
    voc.opt.stopwords = 0;
    mz_err e = {{0}};
    FUZZ_MUST(mz_vocab_parse(&voc, s, n, "vocab.tsv", &e) == 0, e.msg);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mz_lsa l;
    mz_err e = {{0}};
    if (mz_lsa_parse(&l, &voc, (const char *)data, size, 0.5, "lsa.bin", &e) != 0) {
        FUZZ_CHECK(strstr(e.msg, "lsa.bin") != NULL || strstr(e.msg, "out of memory") != NULL);
        FUZZ_CHECK(strchr(e.msg, '\n') == NULL);
        return 0;
    }
    FUZZ_CHECK(l.dims >= 1 && l.dims <= MZ_LSA_MAX_DIMS && l.nrow >= 1 && l.base + l.dims <= voc.nfeat);
    /* an article of every third word, the bigram, and nothing after base */
    mz_sparse x = {0};
    for (int w = 0; w <= NW; w += 3) {
        FUZZ_CHECK(mz_sparse_reserve(&x, x.n + 1) == 0);
        x.idx[x.n] = w + 1;
        x.val[x.n++] = 0.1 + 0.01 * w;
    }
    size_t before = x.n;
    FUZZ_CHECK(mz_lsa_append(&l, &x) == 0);
    FUZZ_CHECK(x.n == before || x.n == before + l.dims);
    double nn = 0;
    for (size_t i = 1; i < x.n; i++) FUZZ_CHECK(x.idx[i] > x.idx[i - 1]);
    for (size_t i = before; i < x.n; i++) {
        FUZZ_CHECK(isfinite(x.val[i]) && (size_t)x.idx[i] <= voc.nfeat);
        nn += x.val[i] * x.val[i];
    }
    FUZZ_CHECK(x.n == before || fabs(sqrt(nn) - 0.5) < 1e-6);
    mz_sparse_free(&x);
    char *out = NULL;
    size_t olen = 0;
    FUZZ_CHECK(mz_lsa_write(&l, &out, &olen, &e) == 0);
    FUZZ_CHECK(olen == size && memcmp(out, data, size) == 0);
    free(out);
    mz_lsa_free(&l);
    return 0;
}
