/* fuzz_vocab.c — libFuzzer target: the bundle's vocabulary and stopword
 * parsers, mz_vocab_parse and mz_stopwords_parse.
 *
 * Byte 0 sets the pipeline options the manifest would give (bit 0: context
 * features, bits 1-2: n-gram order 1..3); the rest is the file.  A
 * vocabulary that parses is then used as the classifier uses it (a
 * vectoriser over a fixed article: indices in range and increasing, values
 * finite, unit norm) and written back with mz_vocab_write, which must parse
 * again to the same features.  The same bytes are also parsed as a stopword
 * list.  Every path must be free of leaks and memory errors. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "features.h"
#include "vocabfile.h"
#include "fuzz_common.h"
#include "normalize.h"
#include "tokenize.h"

static mz_normalizer *nz;
static mz_doc doc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mz_err e = {{0}};
    nz = mz_normalizer_new(&e);
    FUZZ_MUST(nz != NULL, e.msg);
    mz_doc_init(&doc);
    FUZZ_MUST(mz_doc_build(&doc, nz, fz_article_title, strlen(fz_article_title), fz_article_text,
                           strlen(fz_article_text), &e) == 0,
              e.msg);
    return 0;
}

static void use(const mz_vocab *v, int context)
{
    mz_err e = {{0}};
    mz_vectorizer *z = mz_vectorizer_new(v, &e);
    FUZZ_CHECK(z != NULL);
    mz_sparse x = {0};
    uint8_t ctx[64] = {0};
    FUZZ_CHECK(doc.nsent <= sizeof ctx);
    for (size_t s = 0; s < doc.nsent; s++) ctx[s] = (uint8_t)(s & 1);
    mz_extra ex[3] = {{"@mention", 3}, {"@title", 1}, {"@lead", 1}};
    FUZZ_CHECK(mz_vectorize(z, &doc, context ? ctx : NULL, ex, 3, &x, &e) == 0);
    double norm = 0;
    for (size_t i = 0; i < x.n; i++) {
        FUZZ_CHECK(x.idx[i] >= 1 && (size_t)x.idx[i] <= v->nfeat);
        if (i) FUZZ_CHECK(x.idx[i] > x.idx[i - 1]);
        FUZZ_CHECK(isfinite(x.val[i]));
        norm += x.val[i] * x.val[i];
    }
    FUZZ_CHECK(x.n == 0 || fabs(norm - 1.0) < 1e-6);
    mz_sparse_free(&x);
    mz_vectorizer_free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    mz_vocab v;
    memset(&v, 0, sizeof v);
    mz_featopts_default(&v.opt);
    v.opt.context = data[0] & 1;
    v.opt.ngram_max = 1 + ((data[0] >> 1) & 3) % 3;
    v.opt.stopwords = 0;
    mz_err e = {{0}};
    if (mz_vocab_parse(&v, text, len, "vocab.tsv", &e) == 0) {
        use(&v, v.opt.context);
        char *out = NULL;
        size_t olen = 0;
        FUZZ_CHECK(mz_vocab_write(&v, &out, &olen, &e) == 0);
        mz_vocab v2;
        memset(&v2, 0, sizeof v2);
        v2.opt = v.opt;
        int rc = mz_vocab_parse(&v2, out, olen, "vocab.tsv", &e);
        if (rc != 0) fprintf(stderr, "re-parse of a written vocabulary failed: %s\n", e.msg);
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(v2.nfeat == v.nfeat && v2.ndocs == v.ndocs);
        mz_vocab_free(&v2);
        free(out);
    } else {
        FUZZ_CHECK(strstr(e.msg, "vocab.tsv") != NULL || strstr(e.msg, "out of memory") != NULL);
        FUZZ_CHECK(strchr(e.msg, '\n') == NULL);
    }
    mz_vocab_free(&v);

    mz_stopwords sw;
    memset(&sw, 0, sizeof sw);
    if (mz_stopwords_parse(&sw, text, len, "stopwords.txt", nz, &e) != 0)
        FUZZ_CHECK(strstr(e.msg, "stopwords.txt") != NULL);
    mz_stopwords_free(&sw);
    return 0;
}
