/* test_hostile_bundle.c — the bundle loader against crafted bundles, in
 * process, so that check-asan sees every refusal path for leaks and memory
 * errors.  The bundle is the small stance fixture of tests/fuzz/
 * (fuzz_common.h), written with this build's pipeline options.
 *
 *   - every prefix of every bundle file, with the manifest's digest updated
 *     to match (a crafted, not a corrupted, bundle), and every prefix of
 *     the manifest itself: refused with a one-line message naming the
 *     bundle, or, where a prefix is still a valid file (a stopword list,
 *     a model whose last number got shorter), loaded and used to score an
 *     article; a cut vocabulary, lexicon or manifest is always refused;
 *   - the same for the stance head as an RBF model: it loads and scores,
 *     and every cut before its last support vector is refused;
 *   - every single-bit flip of the first bytes of each file without the
 *     digest updated: refused as a digest mismatch naming the file;
 *   - manifests naming files outside the bundle (../, absolute paths, dot
 *     files, sub-paths), symlinks (inside and leaving the bundle), a
 *     directory and a FIFO: refused before anything is read from them. */
#include <check.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "fsutil.h"
#include "fuzz/fuzz_common.h"
#include "normalize.h"
#include "predict.h"
#include "sha256.h"
#include "targets.h"
#include "tokenize.h"
#include "testutil.h"

MZ_TEST_SCRATCH("mz_hostile", bdir)

static const char *B(const char *name)
{
    static char b[4][2048];
    static int k;
    char *p = b[k++ & 3];
    snprintf(p, sizeof b[0], "%s/%s", bdir, name);
    return p;
}

/* Plain writes of new files (fz_put): thousands of bundles are written,
 * and mz_write_file_atomic would wait for the disk (fsync) each time. */
static void put(const char *name, const char *data, size_t len) { fz_put(B(name), data, len); }

/* The fixture's manifest for files data[i][0..len[i]), plus extra "files"
 * entries (name, digest of the fixture's stance.svm) when given. */
static char *manifest(const char *const *data, const size_t *len, const char *extra)
{
    cJSON *m = cJSON_Parse(fz_manifest_base);
    ck_assert_ptr_nonnull(m);
    mz_featopts o;
    mz_featopts_default(&o);
    o.context = 1;
    o.window = 1;
    cJSON_AddItemToObject(m, "pipeline", mz_featopts_to_json(&o));
    cJSON *files = cJSON_AddObjectToObject(m, "files");
    char hex[65];
    if (extra) {
        mz_sha256_hex(fz_stance_svm, strlen(fz_stance_svm), hex);
        cJSON_AddStringToObject(files, extra, hex);
    }
    for (size_t i = 0; i < FZ_NFILES; i++) {
        mz_sha256_hex(data[i], len[i], hex);
        cJSON_AddStringToObject(files, fz_files[i].name, hex);
    }
    char *text = cJSON_Print(m);
    cJSON_Delete(m);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* Write the fixture with file `which` (or none: -1) replaced by
 * repl[0..rlen), the manifest's digests matching. */
static void write_bundle(int which, const char *repl, size_t rlen, const char *extra)
{
    const char *data[FZ_NFILES];
    size_t len[FZ_NFILES];
    for (size_t i = 0; i < FZ_NFILES; i++) {
        data[i] = fz_files[i].data;
        len[i] = strlen(data[i]);
        if ((int)i == which) {
            data[i] = repl;
            len[i] = rlen;
        }
        put(fz_files[i].name, data[i], len[i]);
    }
    char *m = manifest(data, len, extra);
    put("manifest.json", m, strlen(m));
    free(m);
}

/* Load the bundle as mizan-classify does (classify/engine.c: the bundle,
 * then a stance bundle's lexicon), then score every head on an article:
 * 0 loaded and used, -1 refused.  A refusal must be one line naming the
 * bundle. */
static int load(const char *what)
{
    mz_bundle b;
    mz_err e = {{0}};
    if (mz_bundle_load(&b, bdir, &e) != 0) {
        ck_assert_msg(strstr(e.msg, bdir) != NULL, "%s: message does not name the bundle: %s", what, e.msg);
        ck_assert_msg(strchr(e.msg, '\n') == NULL, "%s: message is not one line: %s", what, e.msg);
        return -1;
    }
    mz_normalizer *nz = mz_normalizer_new(&e);
    ck_assert_ptr_nonnull(nz);
    mz_targets tg;
    memset(&tg, 0, sizeof tg);
    int rc = 0;
    if (!strcmp(b.kind, "stance")) {
        ck_assert_msg(b.targets_json != NULL, "%s: stance bundle without targets.json", what);
        if (mz_targets_parse(&tg, b.targets_json, b.targets_len, B("targets.json"), nz, &e) != 0) {
            ck_assert_msg(strstr(e.msg, "targets.json") && !strchr(e.msg, '\n'), "%s: %s", what, e.msg);
            rc = -1;
        }
    }
    if (rc == 0) {
        mz_predictor *p = mz_predictor_new(&b, &e);
        ck_assert_msg(p != NULL, "%s: %s", what, e.msg);
        mz_doc d;
        mz_doc_init(&d);
        ck_assert_int_eq(mz_doc_build(&d, nz, fz_article_title, strlen(fz_article_title), fz_article_text,
                                      strlen(fz_article_text), &e),
                         0);
        ck_assert_msg(mz_predictor_vectorize(p, &d, NULL, NULL, 0, &e) == 0, "%s: %s", what, e.msg);
        for (size_t h = 0; h < b.nheads; h++) {
            mz_head_result r;
            mz_predict_head(p, &b.heads[h], &r);
            ck_assert_msg(r.label >= 0 && r.label < b.heads[h].nclass, "%s: class %d", what, r.label);
            mz_evidence ev[8];
            ck_assert_uint_le(mz_head_evidence(p, &b.heads[h], r.label, 8, 1, ev), 8);
        }
        mz_doc_free(&d);
        mz_predictor_free(p);
    }
    mz_targets_free(&tg);
    mz_normalizer_free(nz);
    mz_bundle_free(&b);
    return rc;
}

START_TEST(test_fixture_loads)
{
    write_bundle(-1, NULL, 0, NULL);
    ck_assert_int_eq(load("the fixture"), 0);
}
END_TEST

START_TEST(test_every_prefix_crafted)
{
    char what[128];
    for (size_t f = 0; f < FZ_NFILES; f++) {
        const char *full = fz_files[f].data;
        size_t n = strlen(full);
        for (size_t k = 0; k < n; k++) {
            write_bundle((int)f, full, k, NULL);
            snprintf(what, sizeof what, "%s cut to %zu of %zu bytes", fz_files[f].name, k, n);
            int rc = load(what);
            /* A cut vocabulary (its header counts the lines) or lexicon
             * (JSON) is never valid; a cut stopword list or model file may
             * still be (a shorter last number): then it was used above. */
            if (rc == 0 && (!strcmp(fz_files[f].name, "vocab.tsv") || !strcmp(fz_files[f].name, "targets.json")))
                ck_abort_msg("%s: accepted", what);
        }
    }
}
END_TEST

/* The vocabulary is parsed while the model files are: when both are bad,
 * the vocabulary's error is the one reported, as when it was parsed first;
 * with the vocabulary whole, the model file's. */
START_TEST(test_vocab_error_reported_first)
{
    ck_assert_str_eq(fz_files[0].name, "vocab.tsv");
    ck_assert_str_eq(fz_files[1].name, "presence.svm");
    const char *data[FZ_NFILES];
    size_t len[FZ_NFILES];
    for (size_t i = 0; i < FZ_NFILES; i++) {
        data[i] = fz_files[i].data;
        len[i] = strlen(data[i]);
    }
    /* a good header, then a cut feature line */
    const char *v = data[0];
    len[0] = (size_t)(strchr(strchr(v, '\n') + 1, '\n') + 1 - v) + 3;
    data[1] = "svm_type c_svc\nkernel_type linear\nnr_class 2\nbogus line\n";
    len[1] = strlen(data[1]);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < FZ_NFILES; i++) put(fz_files[i].name, data[i], len[i]);
        char *m = manifest(data, len, NULL);
        put("manifest.json", m, strlen(m));
        free(m);
        mz_bundle b;
        mz_err e = {{0}};
        ck_assert_int_ne(mz_bundle_load(&b, bdir, &e), 0);
        ck_assert_msg(strstr(e.msg, round ? "presence.svm" : "vocab.tsv") != NULL, "round %d: %s", round, e.msg);
        len[0] = strlen(v);
    }
}
END_TEST

/* The stance head as an RBF model: it loads and scores, and every cut of
 * it before its last support vector is refused by the model parser. */
START_TEST(test_rbf_head_every_prefix)
{
    const size_t which = 2;
    ck_assert_str_eq(fz_files[which].name, "stance.svm");
    const char *full = fz_stance_rbf_svm;
    size_t n = strlen(full);
    write_bundle((int)which, full, n, NULL);
    ck_assert_int_eq(load("the rbf stance head"), 0);
    mz_bundle b;
    mz_err e = {{0}};
    ck_assert_msg(mz_bundle_load(&b, bdir, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(mz_bundle_head(&b, "stance")->lm.kernel_rbf, 1);
    ck_assert_uint_eq(mz_bundle_head(&b, "stance")->lm.nsv, 4);
    mz_bundle_free(&b);
    size_t last = (size_t)(strstr(full, "-0.75 -1.5") - full);
    char what[128];
    for (size_t k = 0; k < n; k++) {
        write_bundle((int)which, full, k, NULL);
        snprintf(what, sizeof what, "rbf stance.svm cut to %zu of %zu bytes", k, n);
        int rc = load(what);
        if (rc == 0 && k <= last) ck_abort_msg("%s: accepted", what);
    }
}
END_TEST

START_TEST(test_every_manifest_prefix)
{
    const char *data[FZ_NFILES];
    size_t len[FZ_NFILES];
    for (size_t i = 0; i < FZ_NFILES; i++) {
        data[i] = fz_files[i].data;
        len[i] = strlen(data[i]);
    }
    write_bundle(-1, NULL, 0, NULL);
    char *m = manifest(data, len, NULL);
    size_t n = strlen(m);
    char what[128];
    for (size_t k = 0; k + 2 < n; k++) {
        put("manifest.json", m, k);
        snprintf(what, sizeof what, "manifest cut to %zu of %zu bytes", k, n);
        ck_assert_msg(load(what) == -1, "%s: accepted", what);
    }
    /* whole, with more after it: one JSON value is a manifest, not two */
    put("manifest.json", m, n);
    ck_assert_int_eq(load("the manifest"), 0);
    char *two = malloc(2 * n + 2);
    memcpy(two, m, n);
    memcpy(two + n, "\n", 1);
    memcpy(two + n + 1, m, n);
    put("manifest.json", two, 2 * n + 1);
    ck_assert_msg(load("a manifest twice") == -1, "a manifest twice: accepted");
    free(two);
    free(m);
}
END_TEST

/* Manifest values that parse but do not fit the program or the bundle's
 * own files: each refused, naming what is wrong, where a lenient reading
 * would have changed the answers (a fraction cut to a whole number, bigrams
 * no article would produce, labels read in the wrong order). */
/* The bundle's manifest, edited by edit (its files unchanged). */
static void rewrite_manifest(void (*edit)(cJSON *m))
{
    char *text = NULL;
    size_t tl = 0;
    mz_err re = {{0}};
    ck_assert_int_eq(mz_read_file(B("manifest.json"), 1u << 20, &text, &tl, &re), 0);
    cJSON *m = cJSON_ParseWithLength(text, tl);
    free(text);
    ck_assert_ptr_nonnull(m);
    edit(m);
    char *out = cJSON_Print(m);
    cJSON_Delete(m);
    put("manifest.json", out, strlen(out));
    free(out);
}

static const char *edited_key;
static cJSON *edited_value;

static void edit_value(cJSON *m)
{
    if (!strcmp(edited_key, "labels")) {
        /* the stance head's labels, reversed */
        cJSON *h;
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(m, "heads"))
        {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(h, "name");
            if (cJSON_IsString(n) && !strcmp(n->valuestring, "stance"))
                cJSON_ReplaceItemInObjectCaseSensitive(h, "labels", edited_value);
        }
    } else {
        cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "pipeline"), edited_key, edited_value);
    }
}

static void edit_manifest_value(const char *key, cJSON *value)
{
    write_bundle(-1, NULL, 0, NULL);
    edited_key = key;
    edited_value = value;
    rewrite_manifest(edit_value);
}

START_TEST(test_manifest_values_that_do_not_fit)
{
    static const char *const rev[] = {"favourable", "neutral", "critical"};
    struct {
        const char *key;
        cJSON *value;
        const char *needle;
    } cases[] = {
        {"ngram_max", cJSON_CreateNumber(1.9), "\"ngram_max\" must be a whole number"},
        {"min_df", cJSON_CreateNumber(2.5), "\"min_df\" must be a whole number"},
        {"ngram_max", cJSON_CreateNumber(1), "a 'b' feature, which the manifest's pipeline (without ngram_max 2"},
        {"context", cJSON_CreateFalse(), "a 'c' feature"},
        {"normalise", cJSON_CreateString("nfkc"), "\"normalise\" must be"},
        {"normalise", cJSON_CreateNumber(1.5), "\"normalise\" must be"},
        {"labels", cJSON_CreateStringArray(rev, 3), "must have the labels critical, neutral, favourable"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        edit_manifest_value(cases[k].key, cases[k].value);
        mz_bundle b;
        mz_err e = {{0}};
        int rc = mz_bundle_load(&b, bdir, &e);
        if (rc == 0) mz_bundle_free(&b);
        ck_assert_msg(rc != 0, "case %zu (%s) loaded", k, cases[k].key);
        ck_assert_msg(strstr(e.msg, cases[k].needle) != NULL, "case %zu: %s", k, e.msg);
        ck_assert_int_eq(load(cases[k].key), -1);
    }
    /* the fixture itself, written again, loads */
    write_bundle(-1, NULL, 0, NULL);
    ck_assert_int_eq(load("fixture"), 0);
}
END_TEST

static cJSON *head_named(cJSON *m, const char *name)
{
    cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(m, "heads"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(h, "name");
        if (cJSON_IsString(n) && !strcmp(n->valuestring, name)) return h;
    }
    ck_abort_msg("no head %s", name);
    return NULL;
}

static void set(cJSON *o, const char *key, cJSON *v)
{
    if (cJSON_GetObjectItemCaseSensitive(o, key)) cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else cJSON_AddItemToObject(o, key, v);
}

/* a target bundle: its heads' labels and names are free */
static void as_target(cJSON *m) { set(m, "kind", cJSON_CreateString("target")); }

static void label_twice(cJSON *m)
{
    static const char *const l[] = {"critical", "neutral", "critical"};
    as_target(m);
    set(head_named(m, "stance"), "labels", cJSON_CreateStringArray(l, 3));
}

static void head_twice(cJSON *m)
{
    as_target(m);
    set(head_named(m, "presence"), "name", cJSON_CreateString("stance"));
}

typedef struct manifest_case {
    const char *what;
    void (*edit)(cJSON *m);
    const char *needle; /* in the message; NULL: the edit loads */
} manifest_case;

static void try_manifest_cases(const manifest_case *cases, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        write_bundle(-1, NULL, 0, NULL);
        rewrite_manifest(cases[k].edit);
        mz_bundle b;
        mz_err e = {{0}};
        int rc = mz_bundle_load(&b, bdir, &e);
        if (rc == 0) mz_bundle_free(&b);
        if (!cases[k].needle) {
            ck_assert_msg(rc == 0, "%s: %s", cases[k].what, e.msg);
            ck_assert_int_eq(load(cases[k].what), 0);
            continue;
        }
        ck_assert_msg(rc != 0, "%s: loaded", cases[k].what);
        ck_assert_msg(strstr(e.msg, cases[k].needle) != NULL, "%s: %s", cases[k].what, e.msg);
        ck_assert_int_eq(load(cases[k].what), -1);
    }
}

/* Labels and heads are found by name: one given twice is refused. */
START_TEST(test_names_given_twice)
{
    static const manifest_case cases[] = {
        {"a label twice", label_twice, "head \"stance\" lists the label \"critical\" twice"},
        {"a head name twice", head_twice, "two heads named \"stance\""},
    };
    try_manifest_cases(cases, sizeof cases / sizeof *cases);
}
END_TEST

/* The fixture's vocabulary with n more feature lines. */
static void vocab_with_n(const char *lines, int n)
{
    const char *v = fz_vocab_tsv, *body = strchr(strchr(v, '\n') + 1, '\n') + 1;
    char buf[4096];
    int l = snprintf(buf, sizeof buf, "%.*s# features %d documents 9\n%s%s\n", (int)(strchr(v, '\n') + 1 - v), v,
                     9 + n, body, lines);
    ck_assert_int_lt(l, (int)sizeof buf);
    ck_assert_ptr_nonnull(strstr(v, "# features 9 documents 9\n"));
    write_bundle(0, buf, (size_t)l, NULL);
}

static void vocab_with(const char *line) { vocab_with_n(line, 1); }

static void punct_on(cJSON *m) { set(cJSON_GetObjectItemCaseSensitive(m, "pipeline"), "punct", cJSON_CreateTrue()); }

/* Every named feature of the vocabulary is one some part of the bundle
 * makes: punctuation counts need the pipeline's "punct", target features a
 * stance bundle; a name nothing makes would stay 0 in every article. */
START_TEST(test_named_features_made)
{
    static const struct {
        const char *line;
        void (*edit)(cJSON *m);
        const char *needle; /* NULL: loads */
    } cases[] = {
        {"x\t1\t@p:.\t@p:.", NULL, "a feature @p:., which only a pipeline with \"punct\" makes"},
        {"x\t1\t@p:.\t@p:.", punct_on, NULL},
        {"x\t1\t@p:x\t@p:x", punct_on, "a feature @p:x, which no part of a bundle makes"},
        {"x\t1\t@lsa\t@lsa", NULL, "a feature @lsa, which no part of a bundle makes"},
        {"x\t1\t@fav_all\t@fav_all", as_target, "a feature @mention, which only a stance bundle makes"},
        {"x\t1\tword\tword", NULL, "a feature word, which no part of a bundle makes"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        vocab_with(cases[k].line);
        if (cases[k].edit) rewrite_manifest(cases[k].edit);
        mz_bundle b;
        mz_err e = {{0}};
        int rc = mz_bundle_load(&b, bdir, &e);
        if (rc == 0) mz_bundle_free(&b);
        if (!cases[k].needle) {
            ck_assert_msg(rc == 0, "case %zu: %s", k, e.msg);
            continue;
        }
        ck_assert_msg(rc != 0, "case %zu (%s) loaded", k, cases[k].line);
        ck_assert_msg(strstr(e.msg, cases[k].needle) != NULL, "case %zu: %s", k, e.msg);
        ck_assert_int_eq(load(cases[k].line), -1);
    }
}
END_TEST

/* An auxiliary head on the presence head's file and labels, with the
 * features its answer sets. */
static void aux_head(cJSON *m)
{
    static const char *const l[] = {"present", "absent"};
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "name", "aux");
    cJSON_AddStringToObject(h, "file", "presence.svm");
    cJSON_AddItemToObject(h, "labels", cJSON_CreateStringArray(l, 2));
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(m, "heads"), h);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(m, "aux"), "scale", 1);
}

/* Only multiclass and target bundles feed the auxiliary head's answer to
 * their heads: a stance bundle with one would score without it. */
START_TEST(test_aux_only_where_used)
{
    vocab_with_n("x\t1\t@aux:present\t@aux:present\nx\t1\t@aux:absent\t@aux:absent", 2);
    rewrite_manifest(aux_head);
    mz_bundle b;
    mz_err e = {{0}};
    int rc = mz_bundle_load(&b, bdir, &e);
    if (rc == 0) mz_bundle_free(&b);
    ck_assert_msg(rc != 0, "a stance bundle with \"aux\" loaded");
    ck_assert_msg(strstr(e.msg, "\"aux\" belongs to multiclass and target bundles only"), "%s", e.msg);
    ck_assert_int_eq(load("aux"), -1);
}
END_TEST

static void name_esc(cJSON *m) { set(m, "name", cJSON_CreateString("rus\x1b[2Jsia")); }
static void target_newline(cJSON *m) { set(m, "target", cJSON_CreateString("russia\nforged line")); }
static void program_del(cJSON *m) { set(m, "program", cJSON_CreateString("mizan\x7f 0.1.0")); }
static void program_number(cJSON *m) { set(m, "program", cJSON_CreateNumber(1)); }
static void head_name_tab(cJSON *m)
{
    as_target(m);
    set(head_named(m, "presence"), "name", cJSON_CreateString("pres\tence"));
}
static void label_esc(cJSON *m)
{
    static const char *const l[] = {"critical", "neu\x1b[31mtral", "favourable"};
    as_target(m);
    set(head_named(m, "stance"), "labels", cJSON_CreateStringArray(l, 3));
}

/* Names, labels and the program are printed as they are by the text
 * formats: a control character in one is refused, and masked in the
 * message. */
START_TEST(test_control_characters_in_names)
{
    static const manifest_case cases[] = {
        {"name", name_esc, "name \"rus?[2Jsia\" holds a control character"},
        {"target", target_newline, "target \"russia?forged line\" holds a control character"},
        {"program", program_del, "program \"mizan? 0.1.0\" holds a control character"},
        {"program a number", program_number, "\"program\" must be a string"},
        {"head name", head_name_tab, "name \"pres?ence\" holds a control character"},
        {"label", label_esc, "head \"stance\": a label \"neu?[31mtral\" holds a control character"},
    };
    try_manifest_cases(cases, sizeof cases / sizeof *cases);
}
END_TEST

/* cJSON adds a key already there as a second member: printed, the
 * manifest gives it twice */
static void name_again(cJSON *m) { cJSON_AddStringToObject(m, "name", "west"); }
static void punct_again(cJSON *m) { cJSON_AddTrueToObject(cJSON_GetObjectItemCaseSensitive(m, "pipeline"), "punct"); }
static void file_again(cJSON *m) { cJSON_AddStringToObject(head_named(m, "stance"), "file", "presence.svm"); }

/* Of a key given twice only the first would be read: refused at any depth. */
START_TEST(test_manifest_key_given_twice)
{
    static const manifest_case cases[] = {
        {"name twice", name_again, "key \"name\" given twice"},
        {"punct twice", punct_again, "key \"punct\" given twice in \"pipeline\""},
        {"a head's file twice", file_again, "key \"file\" given twice"},
    };
    try_manifest_cases(cases, sizeof cases / sizeof *cases);
}
END_TEST

START_TEST(test_bit_flips_refused)
{
    char what[128];
    for (size_t f = 0; f < FZ_NFILES; f++) {
        size_t n = strlen(fz_files[f].data);
        char *buf = strdup(fz_files[f].data);
        ck_assert_ptr_nonnull(buf);
        for (size_t i = 0; i < n && i < 24; i++)
            for (int bit = 0; bit < 8; bit++) {
                write_bundle(-1, NULL, 0, NULL);
                buf[i] ^= (char)(1 << bit);
                put(fz_files[f].name, buf, n);
                buf[i] ^= (char)(1 << bit);
                snprintf(what, sizeof what, "%s byte %zu bit %d", fz_files[f].name, i, bit);
                mz_bundle b;
                mz_err e = {{0}};
                ck_assert_msg(mz_bundle_load(&b, bdir, &e) == -1, "%s: accepted", what);
                ck_assert_msg(strstr(e.msg, fz_files[f].name) && strstr(e.msg, "SHA-256"), "%s: %s", what, e.msg);
            }
        free(buf);
    }
}
END_TEST

START_TEST(test_unsafe_names_refused)
{
    static const char *const evil[] = {
        "../escape.svm", "/etc/passwd", "..", ".", ".hidden.svm", "sub/x.svm", "link.svm", "escape-link.svm",
        "folder.svm",    "pipe.svm",    "",   "a\\b.svm",
    };
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        write_bundle(-1, NULL, 0, evil[i]);
        mkdir(B("sub"), 0755);
        put("sub/x.svm", fz_stance_svm, strlen(fz_stance_svm));
        put(".hidden.svm", fz_stance_svm, strlen(fz_stance_svm));
        unlink(B("link.svm"));
        ck_assert_int_eq(symlink("stance.svm", B("link.svm")), 0);
        unlink(B("escape-link.svm"));
        ck_assert_int_eq(symlink("../../escape.svm", B("escape-link.svm")), 0);
        mkdir(B("folder.svm"), 0755);
        struct stat st;
        if (lstat(B("pipe.svm"), &st) != 0) ck_assert_int_eq(mkfifo(B("pipe.svm"), 0644), 0);
        char what[128];
        snprintf(what, sizeof what, "manifest naming \"%s\"", evil[i]);
        ck_assert_msg(load(what) == -1, "%s: accepted", what);
    }
}
END_TEST

Suite *suite_hostile_bundle(void)
{
    Suite *s = suite_create("hostile_bundle");
    TCase *tc = tcase_create("crafted");
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fixture_loads);
    tcase_add_test(tc, test_every_prefix_crafted);
    tcase_add_test(tc, test_vocab_error_reported_first);
    tcase_add_test(tc, test_rbf_head_every_prefix);
    tcase_add_test(tc, test_every_manifest_prefix);
    tcase_add_test(tc, test_manifest_values_that_do_not_fit);
    tcase_add_test(tc, test_names_given_twice);
    tcase_add_test(tc, test_named_features_made);
    tcase_add_test(tc, test_aux_only_where_used);
    tcase_add_test(tc, test_control_characters_in_names);
    tcase_add_test(tc, test_manifest_key_given_twice);
    tcase_add_test(tc, test_bit_flips_refused);
    tcase_add_test(tc, test_unsafe_names_refused);
    suite_add_tcase(s, tc);
    return s;
}
