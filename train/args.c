/* args.c — see args.h. */
#include "args.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
#include "fsutil.h"
#include "lsa.h"
#include "parallel.h"
#include "sourcehead.h"
#include "utf8.h"

const char mz_train_usage[] =
    "usage: mizan-train --corpus PATH [--corpus PATH ...] --out DIR [options]\n"
    "       mizan-train evaluate --model DIR --corpus PATH [--corpus PATH ...] [--json]\n"
    "                            [--predictions FILE]  (JSONL: each record's truth and answer)\n"
    "                            [--by FIELD]  (the figures again per value of FIELD, e.g. source)\n"
    "corpus: JSONL (default), .tsv (label<TAB>text) or DIR/<label>/*.txt\n"
    "  --train-only PATH      a corpus trained on in every fold but never scored: CV\n"
    "                         figures, cut-offs and calibration come from --corpus alone\n"
    "  --task auto|multiclass|multilabel|stance|target   (auto: list labels -> multilabel)\n"
    "  --name NAME            output key (default: topic, labels for a multi-label corpus,\n"
    "                         target_stance for --task target; not id,\n"
    "                         stance, truncated or error, which the record uses itself;\n"
    "                         refused for a stance bundle, which answers under its target)\n"
    "  --text-field F --title-field F --label-field F --id-field F\n"
    "  --encoding E           the corpora's encoding when not UTF-8 (windows-1256, iso-8859-6,\n"
    "                         utf-16, any name ICU knows); a file that starts with a\n"
    "                         byte-order mark is read by it (UTF-8, UTF-16 or UTF-32)\n"
    "  --target NAME          stance: lexicon key in --targets (russia, west)\n"
    "  --targets FILE         target lexicon (default models/targets.json)\n"
    "  --target-field F       task target: the field naming each record's target\n"
    "  --aux-field F          multiclass and target: first predict field F (e.g. the outlet,\n"
    "                         a tweet's sentiment) and give the main heads that prediction\n"
    "                         as a feature (--aux-scale S)\n"
    "  --source-field F       multiclass: the field naming each record's source (its outlet);\n"
    "                         besides the plain head, which answers articles of any other\n"
    "                         source or none, each source of --source-min N records (20)\n"
    "                         gets a head that learns what it does differently, from the\n"
    "                         --source-features N the plain head weighs most (1000) and\n"
    "                         its scores, weighted --source-scale S (0.1)\n"
    "  --f1-labels all|L1,L2  multiclass and target: weigh each label's probability by a\n"
    "                         factor chosen on CV to maximise macro-F1 over these labels\n"
    "                         (Mawqif's F_avg: Favor,Against); the CV figures label each\n"
    "                         fold with the factors chosen on the others\n"
    "  --lsa-corpus PATH      unlabelled texts (JSONL with the same fields, a folder or\n"
    "                         TSV) from which to learn latent semantic features: a\n"
    "                         truncated SVD of their word\n"
    "                         features, each text's projection appended to its own\n"
    "                         (--lsa-dims K, default 100; --lsa-weight W, default 0.5;\n"
    "                         --lsa-heads binary: not a multi-label primary head)\n"
    "  --ngram N              n-grams 1..N (default 2)\n"
    "  --min-df N --max-df F --max-features N\n"
    "  --char-ngrams MIN-MAX  character n-grams of each word (e.g. 3-5; default off)\n"
    "  --char-max-features N  cap on character n-gram features\n"
    "  --sublinear | --no-sublinear   --title-weight W\n"
    "  --punct | --no-punct   count punctuation as pseudo-terms (writing style)\n"
    "  --stem | --no-stem     --stopwords FILE | --no-stopwords\n"
    "  --window N             stance: context sentences either side of a mention\n"
    "  --stance-score auto|prob|svr|blend   stance: the score the bundle gives (auto: the\n"
    "                         best critical ROC-AUC on CV; prob on ties)\n"
    "  --svr-C C --svr-epsilon E       stance: the epsilon-SVR head on the -2..2 scale\n"
    "  --primary-weight W     multilabel: weight in [0, 1] of a multiclass head on the first\n"
    "                         listed label when choosing the primary (default 0.5; 0: none)\n"
    "  --max-labels N         multilabel: labels per text at most (default 3; 0: no cap)\n"
    "  --C C  --class-weight balanced|none   (default none; balanced for stance and target)\n"
    "  --kernel linear|rbf    rbf: libsvm C-SVC with exp(-G ||x-z||^2) (--gamma G, default 1);\n"
    "                         for small corpora: 3,000 articles took 2.5 minutes (5-fold CV,\n"
    "                         one thread); the cost grows with the square of the corpus\n"
    "  --cv K (default 5)  --grid  --seed N  --threads N  --quiet  --max-bytes N  --version\n"
    "  --by FIELD             the cross-validated figures again per value of FIELD\n"
    "                         (e.g. source), as evaluate --by prints held-out ones\n"
    "  --cv-predictions FILE  JSONL, one line per scored record: its id, truth and\n"
    "                         out-of-fold prediction and probabilities (errors to read)\n";

static int num(const char *s, double lo, double hi, const char *opt, double *v, mz_err *e)
{
    char *end;
    double d = strtod(s, &end);
    if (!*s || *end || !isfinite(d) || d < lo || d > hi)
        return mz_fail(e, "%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, s);
    *v = d;
    return 0;
}

/* A count: digits alone, since strtod would take a fraction (cut to a
 * whole number, 0.5 features becoming 0: all of them) or hex. */
static int whole(const char *s, double lo, double hi, const char *opt, double *v, mz_err *e)
{
    double d = strtod(s, NULL);
    if (!*s || s[strspn(s, "0123456789")] || d < lo || d > hi)
        return mz_fail(e, "%s: expected a whole number in [%.0f, %.0f], got '%s'", opt, lo, hi, s);
    *v = d;
    return 0;
}

/* "-" elsewhere means standard output; here it would name a file "-". */
static int records_file_named(const char *opt, const char *v, mz_err *e)
{
    if (!strcmp(v, "-"))
        return mz_fail(e, "%s -: give a file name (the records are not written to standard output)", opt);
    return 0;
}

/* The records file would be renamed over a corpus it was read from, or
 * written into the bundle (lost when training swaps the folder, or over
 * the model's own files when evaluating). */
static int records_file_apart(const mz_train_args *a, const char *path, const char *opt, mz_err *e)
{
    if (!path) return 0;
    const char *bundle = a->evaluate ? a->model : a->out;
    if (bundle && mz_path_within(path, bundle, NULL, 0))
        return mz_fail(e, "%s %s: is inside the model bundle %s; write the records elsewhere", opt, path, bundle);
    const char *const *lists[] = {a->corpus, a->train_only, a->lsa_corpus};
    const int counts[] = {a->ncorpus, a->ntrain_only, a->nlsa};
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < counts[l]; i++) {
            if (mz_same_file(path, lists[l][i]))
                return mz_fail(e, "%s %s: is the corpus %s; write the records elsewhere", opt, path, lists[l][i]);
            /* in a folder corpus it would overwrite an article, or be read as one next time */
            if (mz_path_within(path, lists[l][i], NULL, 0))
                return mz_fail(e, "%s %s: is inside the corpus folder %s; write the records elsewhere", opt, path,
                               lists[l][i]);
        }
    /* the run's other inputs: the lexicon and the stopword list */
    const char *const data[][2] = {{a->targets, "--targets"}, {a->stopwords, "--stopwords"}};
    for (int k = 0; k < 2; k++)
        if (data[k][0] && mz_same_file(path, data[k][0]))
            return mz_fail(e, "%s %s: is the %s file %s; write the records elsewhere", opt, path, data[k][1],
                           data[k][0]);
    return 0;
}

/* The manifest records corpora and --out as JSON strings (and
 * train_command), which hold UTF-8 alone. */
static int paths_utf8(const mz_train_args *a, mz_err *e)
{
    const char *const *lists[] = {a->corpus, a->train_only, a->lsa_corpus};
    const int counts[] = {a->ncorpus, a->ntrain_only, a->nlsa};
    const char *opt[] = {"--corpus", "--train-only", "--lsa-corpus"};
    size_t bad;
    const char *why;
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < counts[l]; i++) {
            /* "-" would be looked for as a file of that name */
            if (!strcmp(lists[l][i], "-"))
                return mz_fail(e, "%s -: a corpus is named by its path; standard input is /dev/stdin", opt[l]);
            if (mz_utf8_check(lists[l][i], strlen(lists[l][i]), &bad, &why) != 0)
                return mz_fail(e, "%s: a path that is not UTF-8 (at byte %zu), which the manifest cannot record", opt[l],
                               bad);
        }
    if (a->out && mz_utf8_check(a->out, strlen(a->out), &bad, &why) != 0)
        return mz_fail(e, "--out: a path that is not UTF-8 (at byte %zu), which the manifest cannot record", bad);
    return 0;
}

/* A bundle written inside a folder corpus would be read as a label of it
 * (its files as articles) by the next training.  (A corpus inside --out is
 * refused as a file that is not the bundle's, when --out is checked.) */
static int out_apart(const mz_train_args *a, mz_err *e)
{
    const char *const *lists[] = {a->corpus, a->train_only, a->lsa_corpus};
    const int counts[] = {a->ncorpus, a->ntrain_only, a->nlsa};
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < counts[l]; i++) {
            if (mz_path_within(a->out, lists[l][i], NULL, 0))
                return mz_fail(e, "--out %s: is inside the corpus folder %s; write the bundle elsewhere", a->out,
                               lists[l][i]);
        }
    return 0;
}

/* A corpus named twice (in --corpus or --train-only, by any spelling)
 * would have each of its texts scored by models trained on its copy. */
static int corpora_apart(const mz_train_args *a, mz_err *e)
{
    int n = a->ncorpus + a->ntrain_only;
    for (int i = 0; i < n; i++) {
        const char *p = i < a->ncorpus ? a->corpus[i] : a->train_only[i - a->ncorpus];
        struct stat si, sj;
        if (stat(p, &si) != 0) continue;
        for (int j = 0; j < i; j++) {
            const char *q = j < a->ncorpus ? a->corpus[j] : a->train_only[j - a->ncorpus];
            if (stat(q, &sj) == 0 && si.st_dev == sj.st_dev && si.st_ino == sj.st_ino)
                return mz_fail(e, "%s: given twice as a corpus (also as %s)", p, q);
        }
    }
    /* unlabelled texts named twice would count twice in the semantic
     * block's statistics (and in the manifest's count of them) */
    for (int i = 0; i < a->nlsa; i++) {
        struct stat si, sj;
        if (stat(a->lsa_corpus[i], &si) != 0) continue;
        for (int j = 0; j < i; j++)
            if (stat(a->lsa_corpus[j], &sj) == 0 && si.st_dev == sj.st_dev && si.st_ino == sj.st_ino)
                return mz_fail(e, "%s: given twice as an --lsa-corpus (also as %s)", a->lsa_corpus[i], a->lsa_corpus[j]);
    }
    return 0;
}

int mz_train_given(const mz_train_args *a, const char *opt)
{
    for (int i = 0; i < a->ngiven; i++)
        if (!strcmp(a->given[i], opt)) return 1;
    return 0;
}

/* An option that would be accepted and then change nothing is refused: a
 * user who gives it expects it to matter.  Evaluation takes the bundle's
 * own settings, so only the options that say what to read and how to
 * report are its; in training, options that only act through another
 * option (or a task) need it. */
static int options_in_scope(const mz_train_args *a, mz_err *e)
{
    /* an option of one value given twice would keep the last, and the
     * other was asked for too (--target russia --target west); corpora
     * add up, and a flag twice is the flag */
    static const char *const many[] = {"--corpus", "--train-only", "--lsa-corpus", "--grid", "--quiet", "--json",
                                       "--punct", "--no-punct", "--stem", "--no-stem", "--no-stopwords",
                                       "--sublinear", "--no-sublinear", "--help", "--version"};
    for (int i = 0; i < a->ngiven; i++) {
        size_t k = 0;
        while (k < sizeof many / sizeof *many && strcmp(a->given[i], many[k])) k++;
        if (k < sizeof many / sizeof *many) continue;
        for (int j = 0; j < i; j++)
            if (!strcmp(a->given[i], a->given[j]))
                return mz_fail(e, "%s given twice: it takes one value (the last would win)", a->given[i]);
    }
    static const char *const eval_opts[] = {"--model", "--corpus", "--json", "--predictions", "--by",
                                            "--text-field", "--title-field", "--label-field", "--id-field",
                                            "--encoding", "--target-field", "--source-field", "--threads",
                                            "--quiet", "--max-bytes"};
    if (a->evaluate) {
        for (int i = 0; i < a->ngiven; i++) {
            size_t k = 0;
            while (k < sizeof eval_opts / sizeof *eval_opts && strcmp(a->given[i], eval_opts[k])) k++;
            if (k == sizeof eval_opts / sizeof *eval_opts)
                return mz_fail(e, "evaluate: %s is a training option (evaluation uses the bundle's own settings)",
                               a->given[i]);
        }
        return 0;
    }
    static const struct {
        const char *opt, *needs;
    } deps[] = {{"--lsa-dims", "--lsa-corpus"},     {"--lsa-weight", "--lsa-corpus"},
                {"--lsa-heads", "--lsa-corpus"},    {"--aux-scale", "--aux-field"},
                {"--source-min", "--source-field"}, {"--source-scale", "--source-field"},
                {"--source-features", "--source-field"}};
    for (size_t k = 0; k < sizeof deps / sizeof *deps; k++)
        if (mz_train_given(a, deps[k].opt) && !mz_train_given(a, deps[k].needs))
            return mz_fail(e, "%s needs %s", deps[k].opt, deps[k].needs);
    if (mz_train_given(a, "--char-max-features") && !a->feat.char_max)
        return mz_fail(e, "--char-max-features needs --char-ngrams MIN-MAX (character n-grams are off)");
    /* the last of the two would win, and the other was asked for too */
    if (mz_train_given(a, "--stopwords") && mz_train_given(a, "--no-stopwords"))
        return mz_fail(e, "--stopwords and --no-stopwords: give one or the other");
    if (mz_train_given(a, "--model")) return mz_fail(e, "--model is for evaluate (training writes --out)");
    if (a->grid && mz_train_given(a, "--C"))
        return mz_fail(e, "--C and --grid: the grid chooses C (give one or the other)");
    if (a->grid && mz_train_given(a, "--svr-C"))
        return mz_fail(e, "--svr-C and --grid: the grid chooses the SVR head's C too (give one or the other)");
    static const char *const stance_opts[] = {"--target", "--targets", "--window", "--stance-score", "--svr-C",
                                              "--svr-epsilon"};
    for (size_t k = 0; k < sizeof stance_opts / sizeof *stance_opts; k++)
        if (strcmp(a->task, "stance") && mz_train_given(a, stance_opts[k]))
            return mz_fail(e, "%s: for --task stance, not %s", stance_opts[k], a->task);
    if (strcmp(a->task, "target") && mz_train_given(a, "--target-field"))
        return mz_fail(e, "--target-field: for --task target, not %s", a->task);
    /* binary keeps the block from the primary head, which 0 leaves out */
    if (a->lsa_binary_only && a->primary_weight == 0)
        return mz_fail(e, "--lsa-heads binary with --primary-weight 0: without a primary head every head is binary, "
                          "so it changes nothing");
    return 0;
}

static void set_defaults(mz_train_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->task = "auto";
    mz_fields_default(&a->fields);
    mz_featopts_default(&a->feat);
    mz_learnopts_default(&a->learn);
    a->threads = mz_ncpu();
    a->aux_scale = 1.0;
    a->source_features = 1000;
    a->source_scale = 0.1;
    a->source_min = 20;
    a->stance_score = -1;
    a->svr_C = 0.25;
    a->primary_weight = 0.5;
    a->lsa_dims = 100;
    a->lsa_weight = 0.5;
    a->max_labels = 3;
}

static int append(const char **list, int *n, const char *v, const char *what, mz_err *e)
{
    if (*n == MZ_MAX_CORPORA) return mz_fail(e, "at most %d %s", MZ_MAX_CORPORA, what);
    list[(*n)++] = v;
    return 0;
}

/* The OPT_RULE options' own rules, one function each, which the option's
 * row names: a row cannot lack its rule, and no name is compared twice. */
static int rule_corpus(mz_train_args *a, const char *v, mz_err *e)
{
    return append(a->corpus, &a->ncorpus, v, "corpora", e);
}

static int rule_train_only(mz_train_args *a, const char *v, mz_err *e)
{
    return append(a->train_only, &a->ntrain_only, v, "--train-only corpora", e);
}

static int rule_lsa_corpus(mz_train_args *a, const char *v, mz_err *e)
{
    return append(a->lsa_corpus, &a->nlsa, v, "--lsa-corpus corpora", e);
}

static int rule_lsa_heads(mz_train_args *a, const char *v, mz_err *e)
{
    if (strcmp(v, "all") && strcmp(v, "binary")) return mz_fail(e, "--lsa-heads: all or binary, not '%s'", v);
    a->lsa_binary_only = !strcmp(v, "binary");
    return 0;
}

static int rule_cv_predictions(mz_train_args *a, const char *v, mz_err *e)
{
    if (records_file_named("--cv-predictions", v, e)) return -1;
    a->cv_predictions = v;
    return 0;
}

static int rule_predictions(mz_train_args *a, const char *v, mz_err *e)
{
    if (records_file_named("--predictions", v, e)) return -1;
    a->predictions = v;
    return 0;
}

static int rule_task(mz_train_args *a, const char *v, mz_err *e)
{
    if (strcmp(v, "auto") && strcmp(v, "multiclass") && strcmp(v, "multilabel") && strcmp(v, "stance") &&
        strcmp(v, "target"))
        return mz_fail(e, "--task: unknown task '%s'", v);
    a->task = v;
    return 0;
}

static int rule_name(mz_train_args *a, const char *v, mz_err *e)
{
    /* the classifier's record uses these keys itself */
    if (!*v) return mz_fail(e, "--name: empty");
    if (!strcmp(v, "id") || !strcmp(v, "stance") || !strcmp(v, "truncated") || !strcmp(v, "error"))
        return mz_fail(e, "--name: '%s' is a key the output record uses itself (id, stance, truncated, error)", v);
    a->name = v;
    return 0;
}

static int rule_f1_labels(mz_train_args *a, const char *v, mz_err *e)
{
    if (!*v) return mz_fail(e, "--f1-labels: expected all or a comma-separated list of labels");
    a->f1_labels = v;
    return 0;
}

static int rule_source_field(mz_train_args *a, const char *v, mz_err *e)
{
    if (!*v) return mz_fail(e, "--source-field: expected a field name");
    a->source_field = v;
    return 0;
}

static int rule_by(mz_train_args *a, const char *v, mz_err *e)
{
    if (!*v) return mz_fail(e, "--by needs a field name");
    a->by_field = v;
    return 0;
}

static int rule_char_ngrams(mz_train_args *a, const char *v, mz_err *e)
{
    /* two single digits: sscanf's %d would take " 5", "+5" and
     * overflow on a long one */
    size_t vl = strlen(v);
    int lo = vl == 3 ? v[0] - '0' : -1, hi = vl == 3 ? v[2] - '0' : -1;
    if (!strcmp(v, "0") || !strcmp(v, "off")) {
        a->feat.char_min = a->feat.char_max = 0;
    } else if (vl == 3 && v[1] == '-' && lo >= 1 && lo <= 9 && hi >= lo && hi <= 8) {
        a->feat.char_min = lo;
        a->feat.char_max = hi;
    } else {
        return mz_fail(e, "--char-ngrams: MIN-MAX with 1 <= MIN <= MAX <= 8, or off; got '%s'", v);
    }
    return 0;
}

static int rule_stopwords(mz_train_args *a, const char *v, mz_err *e)
{
    (void)e;
    a->stopwords = v;
    a->feat.stopwords = 1;
    return 0;
}

static int rule_stance_score(mz_train_args *a, const char *v, mz_err *e)
{
    if (strcmp(v, "auto") != 0 && mz_score_parse(v) < 0)
        return mz_fail(e, "--stance-score: auto, prob, svr or blend, got '%s'", v);
    a->stance_score = mz_score_parse(v);
    return 0;
}

static int rule_class_weight(mz_train_args *a, const char *v, mz_err *e)
{
    if (!strcmp(v, "balanced")) a->learn.balanced = 1;
    else if (!strcmp(v, "none")) a->learn.balanced = 0;
    else return mz_fail(e, "--class-weight: balanced or none, got '%s'", v);
    a->class_weight_given = 1;
    return 0;
}

static int rule_kernel(mz_train_args *a, const char *v, mz_err *e)
{
    if (!strcmp(v, "linear")) a->learn.rbf = 0;
    else if (!strcmp(v, "rbf")) a->learn.rbf = 1;
    else return mz_fail(e, "--kernel: linear or rbf, got '%s'", v);
    return 0;
}

static int rule_seed(mz_train_args *a, const char *v, mz_err *e)
{
    double d;
    if (whole(v, 0, 4294967295.0, "--seed", &d, e)) return -1;
    a->learn.seed = (unsigned long)d;
    return 0;
}

static int rule_max_bytes(mz_train_args *a, const char *v, mz_err *e)
{
    double d;
    if (whole(v, 1, 1e10, "--max-bytes", &d, e)) return -1;
    a->fields.max_text = (size_t)d;
    return 0;
}

/* Every option but --help and --version.  Most only store their value,
 * checked against a range, and a row says where; an OPT_RULE option has
 * rules of its own, in the function its row names. */
enum { OPT_TEXT, OPT_INT, OPT_REAL, OPT_FLAG, OPT_RULE };
#define AT(field) offsetof(mz_train_args, field)
static const struct {
    const char *name;
    unsigned char kind;
    size_t at;
    double lo, hi; /* OPT_INT and OPT_REAL: the range; OPT_FLAG: lo is stored */
    int evaluate_only;
    int (*rule)(mz_train_args *a, const char *v, mz_err *e); /* OPT_RULE: checks and stores the value */
} options[] = {
    {"--corpus", OPT_RULE, 0, 0, 0, 0, rule_corpus},
    {"--train-only", OPT_RULE, 0, 0, 0, 0, rule_train_only},
    {"--lsa-corpus", OPT_RULE, 0, 0, 0, 0, rule_lsa_corpus},
    {"--lsa-heads", OPT_RULE, 0, 0, 0, 0, rule_lsa_heads},
    {"--cv-predictions", OPT_RULE, 0, 0, 0, 0, rule_cv_predictions},
    {"--predictions", OPT_RULE, 0, 0, 0, 1, rule_predictions},
    {"--task", OPT_RULE, 0, 0, 0, 0, rule_task},
    {"--name", OPT_RULE, 0, 0, 0, 0, rule_name},
    {"--f1-labels", OPT_RULE, 0, 0, 0, 0, rule_f1_labels},
    {"--source-field", OPT_RULE, 0, 0, 0, 0, rule_source_field},
    {"--by", OPT_RULE, 0, 0, 0, 0, rule_by},
    {"--char-ngrams", OPT_RULE, 0, 0, 0, 0, rule_char_ngrams},
    {"--stopwords", OPT_RULE, 0, 0, 0, 0, rule_stopwords},
    {"--stance-score", OPT_RULE, 0, 0, 0, 0, rule_stance_score},
    {"--class-weight", OPT_RULE, 0, 0, 0, 0, rule_class_weight},
    {"--kernel", OPT_RULE, 0, 0, 0, 0, rule_kernel},
    {"--seed", OPT_RULE, 0, 0, 0, 0, rule_seed},
    {"--max-bytes", OPT_RULE, 0, 0, 0, 0, rule_max_bytes},
    {"--json", OPT_FLAG, AT(json), 1, 0, 1, NULL},
    {"--out", OPT_TEXT, AT(out), 0, 0, 0, NULL},
    {"--model", OPT_TEXT, AT(model), 0, 0, 0, NULL},
    {"--text-field", OPT_TEXT, AT(fields.text), 0, 0, 0, NULL},
    {"--title-field", OPT_TEXT, AT(fields.title), 0, 0, 0, NULL},
    {"--label-field", OPT_TEXT, AT(fields.label), 0, 0, 0, NULL},
    {"--id-field", OPT_TEXT, AT(fields.id), 0, 0, 0, NULL},
    {"--encoding", OPT_TEXT, AT(encoding), 0, 0, 0, NULL},
    {"--target", OPT_TEXT, AT(target), 0, 0, 0, NULL},
    {"--targets", OPT_TEXT, AT(targets), 0, 0, 0, NULL},
    {"--target-field", OPT_TEXT, AT(target_field), 0, 0, 0, NULL},
    {"--aux-field", OPT_TEXT, AT(aux_field), 0, 0, 0, NULL},
    {"--lsa-dims", OPT_INT, AT(lsa_dims), 1, MZ_LSA_MAX_DIMS, 0, NULL},
    {"--source-features", OPT_INT, AT(source_features), 1, 1e7, 0, NULL},
    {"--source-min", OPT_INT, AT(source_min), 1, 1e9, 0, NULL},
    {"--ngram", OPT_INT, AT(feat.ngram_max), 1, 3, 0, NULL},
    {"--min-df", OPT_INT, AT(feat.min_df), 1, 1e9, 0, NULL},
    {"--max-features", OPT_INT, AT(feat.max_features), 0, 1e8, 0, NULL},
    {"--char-max-features", OPT_INT, AT(feat.char_max_features), 0, 1e8, 0, NULL},
    {"--window", OPT_INT, AT(feat.window), 0, 50, 0, NULL},
    {"--max-labels", OPT_INT, AT(max_labels), 0, 256, 0, NULL},
    {"--cv", OPT_INT, AT(learn.folds), 2, 20, 0, NULL},
    {"--threads", OPT_INT, AT(threads), 1, 256, 0, NULL},
    {"--lsa-weight", OPT_REAL, AT(lsa_weight), 0.01, 100, 0, NULL},
    {"--source-scale", OPT_REAL, AT(source_scale), 0, 100, 0, NULL},
    {"--aux-scale", OPT_REAL, AT(aux_scale), 0.01, 100, 0, NULL},
    {"--max-df", OPT_REAL, AT(feat.max_df), 0.001, 1, 0, NULL},
    {"--title-weight", OPT_REAL, AT(feat.title_weight), 0, 100, 0, NULL},
    {"--svr-C", OPT_REAL, AT(svr_C), 1e-6, 1e6, 0, NULL},
    {"--svr-epsilon", OPT_REAL, AT(svr_p), 0, 10, 0, NULL},
    {"--primary-weight", OPT_REAL, AT(primary_weight), 0, 1, 0, NULL},
    {"--C", OPT_REAL, AT(learn.C), 1e-6, 1e6, 0, NULL},
    {"--gamma", OPT_REAL, AT(learn.gamma), 1e-6, 1e3, 0, NULL},
    {"--punct", OPT_FLAG, AT(feat.punct), 1, 0, 0, NULL},
    {"--no-punct", OPT_FLAG, AT(feat.punct), 0, 0, 0, NULL},
    {"--sublinear", OPT_FLAG, AT(feat.sublinear), 1, 0, 0, NULL},
    {"--no-sublinear", OPT_FLAG, AT(feat.sublinear), 0, 0, 0, NULL},
    {"--stem", OPT_FLAG, AT(feat.stem), 1, 0, 0, NULL},
    {"--no-stem", OPT_FLAG, AT(feat.stem), 0, 0, 0, NULL},
    {"--no-stopwords", OPT_FLAG, AT(feat.stopwords), 0, 0, 0, NULL},
    {"--grid", OPT_FLAG, AT(grid), 1, 0, 0, NULL},
    {"--quiet", OPT_FLAG, AT(quiet), 1, 0, 0, NULL},
};
#undef AT

/* Option o of the command line, its value v (NULL when o is the last
 * word); *used is set when v was taken. */
static int parse_option(mz_train_args *a, const char *o, const char *v, int *used, mz_err *e)
{
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) return mz_fail(e, "help");
    if (!strcmp(o, "--version")) return mz_fail(e, "version");
    size_t k = 0;
    while (k < sizeof options / sizeof *options &&
           (strcmp(o, options[k].name) || (options[k].evaluate_only && !a->evaluate)))
        k++;
    if (k == sizeof options / sizeof *options) return mz_fail(e, "unknown option '%s'", o);
    char *at = (char *)a + options[k].at;
    if (options[k].kind == OPT_FLAG) {
        *(int *)at = (int)options[k].lo;
        return 0;
    }
    if (!v) return mz_fail(e, "%s needs a value", o);
    *used = 1;
    double d;
    switch (options[k].kind) {
    case OPT_TEXT: *(const char **)at = v; return 0;
    case OPT_INT:
        if (whole(v, options[k].lo, options[k].hi, o, &d, e)) return -1;
        *(int *)at = (int)d;
        return 0;
    case OPT_REAL: return num(v, options[k].lo, options[k].hi, o, (double *)at, e);
    default: return options[k].rule(a, v, e);
    }
}

/* What no single option says: the required ones, names a bundle keeps,
 * and options that cannot go together. */
static int check_combinations(const mz_train_args *a, mz_err *e)
{
    if (mz_train_given(a, "--gamma") && !a->learn.rbf) return mz_fail(e, "--gamma needs --kernel rbf");
    if (a->ncorpus == 0) return mz_fail(e, "--corpus is required");
    if (a->evaluate && !a->model) return mz_fail(e, "evaluate needs --model DIR");
    if (options_in_scope(a, e) != 0) return -1;
    /* names the bundle keeps: what the loader takes (bundle.h) */
    const struct {
        const char *opt, *v;
    } named[] = {{"--name", a->name},
                 {"--target", a->target},
                 {"--target-field", a->target_field},
                 {"--aux-field", a->aux_field},
                 {"--source-field", a->source_field}};
    for (size_t k = 0; k < sizeof named / sizeof *named; k++) {
        if (named[k].v && strlen(named[k].v) > MZ_NAME_MAX)
            return mz_fail(e, "%s: %zu bytes, over the %d a bundle keeps", named[k].opt, strlen(named[k].v), MZ_NAME_MAX);
        if (named[k].v && *named[k].v && !mz_source_name_ok(named[k].v))
            return mz_fail(e, "%s: holds a control character, which a bundle refuses", named[k].opt);
    }
    /* the auxiliary head is called aux: the bundle would have two, and
     * answer with the auxiliary one's labels */
    if (a->aux_field && a->name && !strcmp(a->name, "aux"))
        return mz_fail(e, "--name: a bundle with --aux-field may not be called \"aux\", a name the bundle uses itself");
    /* the per-source figures are kept under "source" beside the head's own */
    if (a->source_field && a->name && !strcmp(a->name, "source"))
        return mz_fail(e, "--name: a bundle with --source-field may not be called \"source\", a name the bundle uses "
                          "itself");
    /* a stance bundle answers under "stance" by its target, whatever its
     * name: the option would be recorded and change nothing */
    if (a->name && !strcmp(a->task, "stance") && !a->evaluate)
        return mz_fail(e, "--name: a stance bundle answers under its target (\"stance\": {\"%s\": ...}); "
                          "for another key, name the target otherwise in the lexicon",
                       a->target ? a->target : "TARGET");
    if (a->nlsa && a->aux_field)
        return mz_fail(e, "--lsa-corpus and --aux-field cannot be combined");
    if (a->ntrain_only && a->aux_field)
        return mz_fail(e, "--train-only and --aux-field cannot be combined (the auxiliary head needs every row's "
                          "cross-validated prediction)");
    if (a->aux_field && (!strcmp(a->task, "stance") || !strcmp(a->task, "multilabel")))
        return mz_fail(e, "--aux-field: for --task multiclass or target, not %s", a->task);
    /* one field in two roles (the label read as text): a usage error, said
     * before anything is read; a stance corpus keeps its label under the
     * target's name.  evaluate checks the fields it takes from the bundle. */
    if (!a->evaluate) {
        mz_fields f = a->fields;
        if (!strcmp(a->task, "stance") && a->target && !mz_train_given(a, "--label-field")) f.label = a->target;
        if (mz_fields_distinct(&f, e) != 0) return -1;
    }
    /* the head answering a record would be chosen by its answer */
    if (a->source_field && !a->evaluate &&
        (!strcmp(a->source_field, a->fields.label) || !strcmp(a->source_field, a->fields.text)))
        return mz_fail(e, "--source-field %s: the %s field itself; the source names the outlet an article comes from",
                       a->source_field, !strcmp(a->source_field, a->fields.label) ? "label" : "text");
    if (a->source_field && !a->evaluate) {
        if (strcmp(a->task, "multiclass") && strcmp(a->task, "auto"))
            return mz_fail(e, "--source-field: for --task multiclass, not %s", a->task);
        const char *with = a->aux_field ? "--aux-field" : a->f1_labels ? "--f1-labels" : a->nlsa ? "--lsa-corpus"
                           : a->ntrain_only ? "--train-only" : a->learn.rbf ? "--kernel rbf" : NULL;
        if (with) return mz_fail(e, "--source-field and %s cannot be combined", with);
    }
    if (!a->evaluate && !a->out) return mz_fail(e, "--out DIR is required");
    if (!strcmp(a->task, "stance") && !a->target) return mz_fail(e, "--task stance needs --target NAME");
    if (!strcmp(a->task, "target") && !a->target_field) return mz_fail(e, "--task target needs --target-field F");
    if (a->f1_labels && (!strcmp(a->task, "stance") || !strcmp(a->task, "multilabel")))
        return mz_fail(e, "--f1-labels: for --task multiclass or target, not %s", a->task);
    if (corpora_apart(a, e) != 0) return -1;
    if (!a->evaluate && out_apart(a, e) != 0) return -1;
    if (paths_utf8(a, e) != 0) return -1;
    return records_file_apart(a, a->evaluate ? a->predictions : a->cv_predictions,
                              a->evaluate ? "--predictions" : "--cv-predictions", e);
}

int mz_train_args_parse(mz_train_args *a, int argc, char **argv, mz_err *e)
{
    set_defaults(a, argc, argv);
    int i = 1;
    if (argc > 1 && strcmp(argv[1], "evaluate") == 0) {
        a->evaluate = 1;
        i = 2;
    }
    for (; i < argc; i++) {
        const char *o = argv[i];
        /* an option left unrecorded would escape every scope check */
        if (a->ngiven == MZ_MAX_OPTIONS)
            return mz_fail(e, "%s: option %d of the command line, over the %d taken", o, MZ_MAX_OPTIONS + 1,
                           MZ_MAX_OPTIONS);
        a->given[a->ngiven++] = o;
        int used = 0;
        if (parse_option(a, o, i + 1 < argc ? argv[i + 1] : NULL, &used, e) != 0) return -1;
        i += used;
    }
    a->learn.quiet = a->quiet;
    a->learn.procs = a->threads;
    return check_combinations(a, e);
}
