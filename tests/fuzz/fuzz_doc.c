/* fuzz_doc.c — libFuzzer target: the normaliser and tokeniser.
 *
 * Input: byte 0 chooses options (bit 0: has a title, bits 1-2: token limit),
 * byte 1 is the title's share of the rest; the remainder is split into title
 * and text.  As the programs do, text that fails mz_utf8_check is refused
 * first; what passes goes through mz_doc_build, the stemmer, the target
 * matcher and the vectoriser of the fixture bundle.  Checked: the
 * tokeniser's fast path gives what its general NFKC path gives; every
 * invariant tokenize.h states (tokens in order inside buf, NUL-terminated,
 * at most MZ_TOKEN_MAX_CHARS, sentences inside the original text, title
 * tokens first), the token limit, and a finite, L2-normalised vector with
 * increasing indices within the vocabulary. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "features.h"
#include "vocabfile.h"
#include "fuzz_common.h"
#include "normalize.h"
#include "stem.h"
#include "targets.h"
#include "tokenize.h"
#include "utf8.h"

static mz_normalizer *nz;
static mz_stemmer *stemmer;
static mz_targets tg;
static mz_matcher *matcher;
static mz_vocab vocab;
static mz_vectorizer *vz;
static mz_doc doc, gdoc;
static mz_sparse x;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mz_err e = {{0}};
    nz = mz_normalizer_new(&e);
    FUZZ_MUST(nz != NULL, e.msg);
    stemmer = mz_stemmer_new(&e);
    FUZZ_MUST(stemmer != NULL, e.msg);
    FUZZ_MUST(mz_targets_parse(&tg, fz_targets_json, strlen(fz_targets_json), "targets.json", nz, &e) == 0, e.msg);
    const mz_target *t = mz_targets_find(&tg, "russia");
    FUZZ_MUST(t != NULL, "target russia");
    matcher = mz_matcher_new(t, &e);
    FUZZ_MUST(matcher != NULL, e.msg);
    mz_featopts_default(&vocab.opt);
    vocab.opt.context = 1;
    vocab.opt.window = 1;
    FUZZ_MUST(mz_stopwords_parse(&vocab.sw, fz_stopwords_txt, strlen(fz_stopwords_txt), "stopwords.txt", nz, &e) == 0,
              e.msg);
    FUZZ_MUST(mz_vocab_parse(&vocab, fz_vocab_tsv, strlen(fz_vocab_tsv), "vocab.tsv", &e) == 0, e.msg);
    vz = mz_vectorizer_new(&vocab, &e);
    FUZZ_MUST(vz != NULL, e.msg);
    mz_doc_init(&doc);
    mz_doc_init(&gdoc);
    gdoc.general_only = 1;
    return 0;
}

static void check_doc(const mz_doc *d, size_t tlen, size_t len, int has_title)
{
    FUZZ_CHECK(d->ntok <= d->tok_cap || d->ntok == 0);
    FUZZ_CHECK(d->ntitle <= d->ntok);
    if (d->max_tokens) FUZZ_CHECK(d->ntok <= d->max_tokens);
    if (!has_title) FUZZ_CHECK(d->ntitle == 0);
    uint32_t prev_end = 0;
    for (size_t i = 0; i < d->ntok; i++) {
        const mz_tok *t = &d->tok[i];
        FUZZ_CHECK(t->len > 0);
        FUZZ_CHECK((size_t)t->off + t->len < d->buf_len + 1);
        FUZZ_CHECK(t->off >= prev_end);
        FUZZ_CHECK(d->buf[t->off + t->len] == '\0');
        FUZZ_CHECK(memchr(d->buf + t->off, '\0', t->len) == NULL);
        FUZZ_CHECK(mz_utf8_check(d->buf + t->off, t->len, NULL, NULL) == 0);
        /* at most MZ_TOKEN_MAX_CHARS code points: at most 4 bytes each */
        FUZZ_CHECK(t->len <= 4 * MZ_TOKEN_MAX_CHARS);
        if (d->nsent && t->sent != UINT16_MAX) FUZZ_CHECK(t->sent < d->nsent);
        if (i > 0 && d->tok[i - 1].sent != UINT16_MAX) FUZZ_CHECK(t->sent >= d->tok[i - 1].sent);
        prev_end = t->off + t->len;
    }
    for (size_t s = 0; s < d->nsent; s++) {
        const mz_span *sp = &d->sent[s];
        FUZZ_CHECK(sp->start <= sp->end);
        FUZZ_CHECK(sp->end <= (sp->in_title ? tlen : len));
        if (!has_title) FUZZ_CHECK(!sp->in_title);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int has_title = data[0] & 1;
    static const size_t limits[4] = {0, 1, 7, 200000};
    size_t rest = size - 2;
    size_t tlen = has_title ? rest * data[1] / 255 : 0;
    const char *title = (const char *)data + 2;
    const char *text = title + tlen;
    size_t len = rest - tlen;
    mz_err e = {{0}};
    /* what the programs do before tokenising: refuse bad text */
    if (mz_check_text(text, len, 0, "text", &e) != 0) return 0;
    if (tlen && mz_check_text(title, tlen, 0, "title", &e) != 0) return 0;

    doc.max_tokens = limits[(data[0] >> 1) & 3];
    int rc = mz_doc_build(&doc, nz, tlen ? title : NULL, tlen, text, len, &e);
    FUZZ_CHECK(rc == 0); /* only out-of-memory or ICU errors may fail */
    check_doc(&doc, tlen, len, tlen > 0);

    /* the tokeniser's fast path and its general (NFKC) path agree */
    gdoc.max_tokens = doc.max_tokens;
    FUZZ_CHECK(mz_doc_build(&gdoc, nz, tlen ? title : NULL, tlen, text, len, &e) == 0);
    FUZZ_CHECK(gdoc.ntok == doc.ntok && gdoc.nsent == doc.nsent && gdoc.ntitle == doc.ntitle &&
               gdoc.truncated == doc.truncated && memcmp(gdoc.punct, doc.punct, sizeof doc.punct) == 0);
    for (size_t i = 0; i < doc.ntok; i++)
        FUZZ_CHECK(gdoc.tok[i].len == doc.tok[i].len && gdoc.tok[i].sent == doc.tok[i].sent &&
                   memcmp(mz_doc_tok(&gdoc, i), mz_doc_tok(&doc, i), doc.tok[i].len) == 0);
    for (size_t i = 0; i < doc.nsent; i++)
        FUZZ_CHECK(gdoc.sent[i].start == doc.sent[i].start && gdoc.sent[i].end == doc.sent[i].end &&
                   gdoc.sent[i].in_title == doc.sent[i].in_title);

    for (size_t i = 0; i < doc.ntok; i++) {
        size_t sl = 0;
        const char *st = mz_stem(stemmer, mz_doc_tok(&doc, i), doc.tok[i].len, &sl);
        FUZZ_CHECK(st != NULL && sl > 0);
    }

    uint8_t *hit = calloc(doc.nsent + 1, 1), *ctx = calloc(doc.nsent + 1, 1);
    FUZZ_CHECK(hit && ctx);
    mz_extra ex[4];
    size_t nex = 0;
    long m = mz_target_features(matcher, &doc, 1, hit, ctx, ex, &nex);
    FUZZ_CHECK(m >= 0);
    FUZZ_CHECK(nex <= 3);
    for (size_t s = 0; s < doc.nsent; s++) {
        FUZZ_CHECK(hit[s] <= 1 && ctx[s] <= 1);
        if (hit[s]) FUZZ_CHECK(ctx[s]);
    }
    rc = mz_vectorize(vz, &doc, ctx, ex, nex, &x, &e);
    FUZZ_CHECK(rc == 0);
    double norm = 0;
    for (size_t i = 0; i < x.n; i++) {
        FUZZ_CHECK(x.idx[i] >= 1 && (size_t)x.idx[i] <= vocab.nfeat);
        if (i) FUZZ_CHECK(x.idx[i] > x.idx[i - 1]);
        FUZZ_CHECK(isfinite(x.val[i]));
        norm += x.val[i] * x.val[i];
    }
    FUZZ_CHECK(x.n == 0 || fabs(norm - 1.0) < 1e-6);
    free(hit);
    free(ctx);
    return 0;
}
