/* fuzz_bundle.c — libFuzzer target: the bundle loader, mz_bundle_load.
 *
 * A bundle directory is written for every input from the fixture of
 * fuzz_common.h.  Byte 0 picks what the input replaces:
 *   0            manifest.json itself (the other files stay valid, so a
 *                mutated manifest reaches the name, type and digest checks);
 *   1..5         one bundle file (vocab.tsv, presence.svm, stance.svm,
 *                stopwords.txt, targets.json), with the manifest's digest
 *                updated to match, as a crafted bundle would have it.
 * The directory also holds traps a crafted manifest may name: a symlink to
 * a valid file, a sub-directory, a FIFO (opening it would block) and a
 * symlink leaving the bundle.  Whatever loads is then used the way
 * mizan-classify uses it (classify/engine.c): the target lexicon parsed,
 * every head scored on a fixed article, evidence listed.  Checked: no
 * crash, leak, hang or memory error; a refusal names the bundle in one
 * line; a loaded bundle gives class indices in range and finite
 * probabilities.
 *
 * FUZZ_BUNDLE_SEEDS=DIR writes one seed per mode into DIR and exits (how
 * tests/fuzz/bundle/ was made). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "bundle.h"
#include "fuzz_common.h"
#include "normalize.h"
#include "predict.h"
#include "sha256.h"
#include "targets.h"
#include "tokenize.h"

static char dir[700];
static mz_normalizer *nz;
static mz_doc doc;

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

/* The manifest: the fixture's, this build's pipeline options for a stance
 * bundle, and "files" with the digest of each (name, data). */
static char *manifest_for(const char *const *data, const size_t *len)
{
    cJSON *m = cJSON_Parse(fz_manifest_base);
    FUZZ_MUST(m != NULL, "fz_manifest_base");
    mz_featopts o;
    mz_featopts_default(&o);
    o.context = 1;
    o.window = 1;
    cJSON_AddItemToObject(m, "pipeline", mz_featopts_to_json(&o));
    cJSON *files = cJSON_AddObjectToObject(m, "files");
    for (size_t i = 0; i < FZ_NFILES; i++) {
        char hex[65];
        mz_sha256_hex(data[i], len[i], hex);
        cJSON_AddStringToObject(files, fz_files[i].name, hex);
    }
    char *text = cJSON_Print(m);
    cJSON_Delete(m);
    FUZZ_MUST(text != NULL, "out of memory");
    return text;
}

static void write_seeds(const char *out)
{
    const char *data[FZ_NFILES];
    size_t len[FZ_NFILES];
    for (size_t i = 0; i < FZ_NFILES; i++) {
        data[i] = fz_files[i].data;
        len[i] = strlen(data[i]);
    }
    char *m = manifest_for(data, len);
    char p[1024];
    for (size_t k = 0; k <= FZ_NFILES; k++) {
        const char *body = k ? data[k - 1] : m;
        size_t bl = strlen(body);
        char *s = malloc(bl + 1);
        FUZZ_MUST(s != NULL, "out of memory");
        s[0] = (char)k;
        memcpy(s + 1, body, bl);
        snprintf(p, sizeof p, "%s/seed-%s", out, k ? fz_files[k - 1].name : "manifest.json");
        fz_put(p, s, bl + 1);
        free(s);
    }
    free(m);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *seeds = getenv("FUZZ_BUNDLE_SEEDS");
    if (seeds && *seeds) {
        write_seeds(seeds);
        exit(0);
    }
    snprintf(dir, sizeof dir, "%s/bundle", fz_tmpdir("bundle"));
    FUZZ_MUST(mkdir(dir, 0755) == 0, dir);
    char p[1024];
    path_of(p, sizeof p, "sub");
    FUZZ_MUST(mkdir(p, 0755) == 0, p);
    path_of(p, sizeof p, "sub/x.svm");
    fz_put(p, fz_presence_svm, strlen(fz_presence_svm));
    path_of(p, sizeof p, "link.svm");
    FUZZ_MUST(symlink("presence.svm", p) == 0, p);
    path_of(p, sizeof p, "escape.svm");
    FUZZ_MUST(symlink("../../escape.svm", p) == 0, p);
    path_of(p, sizeof p, "pipe.svm");
    FUZZ_MUST(mkfifo(p, 0644) == 0, p);
    mz_err e = {{0}};
    nz = mz_normalizer_new(&e);
    FUZZ_MUST(nz != NULL, e.msg);
    mz_doc_init(&doc);
    FUZZ_MUST(mz_doc_build(&doc, nz, fz_article_title, strlen(fz_article_title), fz_article_text,
                           strlen(fz_article_text), &e) == 0,
              e.msg);
    /* the fixture itself must load: otherwise every input is refused early */
    static const uint8_t fixture_only[] = {1};
    char *vocab = malloc(sizeof fz_vocab_tsv);
    FUZZ_MUST(vocab != NULL, "out of memory");
    memcpy(vocab, fixture_only, 1);
    memcpy(vocab + 1, fz_vocab_tsv, sizeof fz_vocab_tsv - 1);
    LLVMFuzzerTestOneInput((const uint8_t *)vocab, sizeof fz_vocab_tsv);
    free(vocab);
    mz_bundle b;
    FUZZ_MUST(mz_bundle_load(&b, dir, &e) == 0, e.msg);
    mz_bundle_free(&b);
    return 0;
}

static void use_head(mz_predictor *p, const mz_head *h)
{
    mz_head_result r;
    mz_predict_head(p, h, &r);
    FUZZ_CHECK(r.label >= 0 && r.label < h->nclass);
    /* NaN is tolerated (the JSON writer prints non-finite numbers as 0) */
    for (int c = 0; c < h->nclass; c++) FUZZ_CHECK(!(r.prob[c] < -1e-9) && !(r.prob[c] > 1 + 1e-9));
    mz_evidence ev[8];
    size_t n = mz_head_evidence(p, h, r.label, 8, 0, ev);
    FUZZ_CHECK(n <= 8);
    for (size_t i = 0; i < n; i++) FUZZ_CHECK(ev[i].term != NULL);
    n = mz_head_evidence(p, h, 0, 8, 1, ev);
    FUZZ_CHECK(n <= 8);
}

/* What classify/engine.c does with a bundle it loaded. */
static void use(mz_bundle *b)
{
    mz_err e = {{0}};
    mz_targets tg;
    memset(&tg, 0, sizeof tg);
    mz_matcher *mt = NULL;
    int stance = !strcmp(b->kind, "stance");
    if (stance) {
        if (!b->targets_json) return;
        if (mz_targets_parse(&tg, b->targets_json, b->targets_len, b->dir, nz, &e) != 0) {
            FUZZ_CHECK(strchr(e.msg, '\n') == NULL);
            return;
        }
        const mz_target *t = mz_targets_find(&tg, b->target);
        if (!t || !mz_bundle_head(b, "presence") || !mz_bundle_head(b, "stance")) {
            mz_targets_free(&tg);
            return;
        }
        mt = mz_matcher_new(t, &e);
        FUZZ_CHECK(mt != NULL);
    }
    mz_predictor *p = mz_predictor_new(b, &e);
    FUZZ_CHECK(p != NULL);
    uint8_t hit[64] = {0}, ctx[64] = {0};
    FUZZ_CHECK(doc.nsent <= sizeof hit);
    mz_extra ex[4];
    size_t nex = 0;
    if (mt) FUZZ_CHECK(mz_target_features(mt, &doc, b->vocab.opt.window, hit, ctx, ex, &nex) >= 0);
    FUZZ_CHECK(mz_predictor_vectorize(p, &doc, mt ? ctx : NULL, ex, nex, &e) == 0);
    for (size_t i = 0; i < b->nheads; i++) use_head(p, &b->heads[i]);
    mz_predictor_free(p);
    mz_matcher_free(mt);
    mz_targets_free(&tg);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    if (size < 1) return 0;
    size_t mode = in[0];
    if (mode > FZ_NFILES) return 0;
    const char *body = (const char *)in + 1;
    size_t blen = size - 1;
    const char *data[FZ_NFILES];
    size_t len[FZ_NFILES];
    for (size_t i = 0; i < FZ_NFILES; i++) {
        data[i] = fz_files[i].data;
        len[i] = strlen(data[i]);
    }
    if (mode) {
        data[mode - 1] = body;
        len[mode - 1] = blen;
    }
    char p[1024];
    for (size_t i = 0; i < FZ_NFILES; i++) {
        path_of(p, sizeof p, fz_files[i].name);
        fz_put(p, data[i], len[i]);
    }
    path_of(p, sizeof p, "manifest.json");
    if (mode) {
        char *m = manifest_for(data, len);
        fz_put(p, m, strlen(m));
        free(m);
    } else {
        fz_put(p, body, blen);
    }

    mz_bundle b;
    mz_err e = {{0}};
    if (mz_bundle_load(&b, dir, &e) != 0) {
        FUZZ_CHECK(strstr(e.msg, dir) != NULL || strstr(e.msg, "out of memory") != NULL);
        /* one line: strings quoted from the manifest (kinds, file names)
         * have their control characters masked */
        FUZZ_CHECK(strchr(e.msg, '\n') == NULL);
        return 0;
    }
    FUZZ_CHECK(b.nheads >= 1);
    use(&b);
    mz_bundle_free(&b);
    return 0;
}
