/* args.c — see args.h. */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"

const char mz_classify_usage[] =
    "usage: mizan-classify [--models DIR] [--jsonl] [--format json|text|tsv] [--explain K] [-j N]\n"
    "                      [--max-bytes N] [--max-tokens N] [--keep F1,F2] [--encoding E] [--source NAME]\n"
    "                      [-o FILE] [--summary | --summary-by F] [FILE|DIR|-]...\n"
    "       mizan-classify --list-models [--terms K] [--models DIR] [--format json|text] [-o FILE]\n"
    "  FILE: one article (UTF-8 text), or a stream if named *.jsonl; DIR: every *.txt (an\n"
    "  article) and *.jsonl (a stream) in it and its subfolders, in name order; -: stdin (default)\n"
    "  -o, --output FILE  write the answers there instead of stdout: to a temporary beside it,\n"
    "                renamed into place once every input is answered (exit status 0 or 1)\n"
    "  --format F    json (default: one object per line), text (a report for a person), or\n"
    "                tsv (a header row, then a row per article: for spreadsheets)\n"
    "  --jsonl       inputs are JSONL: one {\"id\", \"text\", \"title\"?, \"source\"?, \"target\"?} per line\n"
    "  --encoding E  the inputs' encoding when not UTF-8: windows-1256, iso-8859-6, utf-16, ...\n"
    "                (a file that starts with a byte-order mark is read by it: UTF-8, -16 or -32)\n"
    "  --target-field F  JSONL field naming the target for target-stance bundles (default: the\n"
    "                field they were trained on, else target)\n"
    "  --id-field F, --text-field F, --title-field F  JSONL fields of a record's id, text and\n"
    "                title (default: those the bundles were trained on; id, text, title)\n"
    "  --source NAME the source (outlet) of articles that name none, for bundles with per-source\n"
    "                heads (a JSONL record names its own in the field the bundle was trained on)\n"
    "  --keep F1,F2  JSONL: copy these fields of each record into its answer, after the id\n"
    "                (null where a record lacks one); JSON and TSV output\n"
    "  --models DIR  a bundle, or a folder of bundles; repeat to combine (default: MIZAN_MODELS,\n"
    "                else models/ of the installation)\n"
    "  --explain K   evidence terms per head (default 5, 0 for none)\n"
    "  -j N, --threads N  threads (default: all cores)\n"
    "  --max-bytes N largest article accepted (default 4194304); --max-tokens N (default 200000)\n"
    "  --summary     instead of an answer per article, one account of them all: per bundle the\n"
    "                articles of each label, per target those discussing it, their stance\n"
    "                labels and mean score (JSON, or with --format text for a person)\n"
    "  --summary-by F  the same, and one for each value of the JSONL field F (an outlet, a day)\n"
    "  --list-models what the bundles are: key, kind, labels, training size, CV figures and\n"
    "                the command that rebuilds each (JSON, or with --format text for a person)\n"
    "  --terms K     with --list-models: each head's K strongest words toward each label\n"
    "  --version     print the version and the bundle format it reads\n";

/* A whole-number option's value, or a complaint naming the option.  A
 * count: digits alone, as the trainer's (strtoll would also take " 3"
 * and "+3"). */
static int int_opt(const char *name, const char *v, long long lo, long long hi, long long *out, mz_err *e)
{
    char *end;
    errno = 0;
    long long k = strtoll(v, &end, 10);
    if (end == v || *end || errno || k < lo || k > hi || v[strspn(v, "0123456789")])
        return mz_fail(e, "%s: expected a whole number in [%lld, %lld], got '%s'", name, lo, hi, v);
    *out = k;
    return 0;
}

/* Options that do not go together, or with a listing or a summary, which
 * would take them and change nothing; per_article is the first option
 * given that only answering articles uses (NULL: none). */
static int check_combinations(const mz_classify_args *a, const char *per_article, int explain_given, mz_err *e)
{
    if (a->list && a->o.tsv) return mz_fail(e, "--list-models: --format json or text (a listing has no rows)");
    if (a->summary && a->o.tsv) return mz_fail(e, "--summary: --format json or text (a summary has no rows)");
    if (a->summary && a->keep) return mz_fail(e, "--summary: --keep copies fields into each answer, and a summary has none");
    /* the report for a person shows answers, not a feed's fields: the
     * option would be taken and change nothing */
    if (a->keep && a->o.text_format && !a->summary && !a->list)
        return mz_fail(e, "--keep: the text report shows no record fields; use --format json or tsv");
    if (a->summary && a->list) return mz_fail(e, "--summary and --list-models: one or the other");
    if (a->terms_given && !a->list) return mz_fail(e, "--terms: only with --list-models (per article, see --explain)");
    /* a listing reads no article: inputs or per-article options would be
     * ignored, so they are refused */
    if (a->list && a->ninputs) return mz_fail(e, "--list-models reads no article, so no input (%s) goes with it", a->inputs[0]);
    if (a->list && a->keep) return mz_fail(e, "--list-models reads no article, so --keep does not go with it");
    if (a->list && per_article) return mz_fail(e, "--list-models reads no article, so %s does not go with it", per_article);
    if (a->summary && explain_given)
        return mz_fail(e, "--summary: --explain lists each answer's evidence, and a summary shows no answer");
    for (int k = 0; k < 3; k++)
        if (a->list && a->fields[k])
            return mz_fail(e, "--list-models reads no article, so --%s-field does not go with it",
                           k == 0 ? "id" : k == 1 ? "text" : "title");
    return 0;
}

int mz_classify_args_parse(mz_classify_args *a, int argc, char **argv, mz_err *e)
{
    memset(a, 0, sizeof *a);
    a->threads = mz_ncpu();
    a->target_field = NULL; /* the target bundles' own, else "target" (run_all) */
    a->o = (mz_copts){.explain = 5, .max_bytes = 4u << 20, .max_tokens = 200000};
    /* the inputs, then the --models folders (room for one default) */
    a->inputs = calloc(2 * ((size_t)argc + 1), sizeof *a->inputs);
    if (!a->inputs) return mz_fail(e, "out of memory");
    a->models = a->inputs + argc + 1;
    long long k;
    /* the per-article options given, which a listing would ignore */
    const char *per_article = NULL;
    int explain_given = 0;
    unsigned seen_single = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        static const char *const article_opts[] = {"--jsonl", "--explain", "--max-bytes", "--max-tokens",
                                                   "--source", "--encoding", "--target-field"};
        for (size_t q = 0; q < sizeof article_opts / sizeof *article_opts; q++)
            if (!strcmp(o, article_opts[q]) && !per_article) per_article = article_opts[q];
        if (!strcmp(o, "--explain")) explain_given = 1;
        /* an option of one value given twice would keep the last, and the
         * other was asked for too; --models add up */
        static const char *const single[] = {"--format", "--explain", "-j", "--max-bytes", "--max-tokens",
                                             "--target-field", "--id-field", "--text-field", "--title-field",
                                             "--source", "--keep", "--encoding", "-o", "--terms", "--summary-by"};
        const char *name = !strcmp(o, "--threads") ? "-j" : !strcmp(o, "--output") ? "-o" : o;
        for (size_t q = 0; q < sizeof single / sizeof *single; q++) {
            if (strcmp(name, single[q])) continue;
            if (seen_single & 1u << q) return mz_fail(e, "%s given twice: it takes one value (the last would win)", o);
            seen_single |= 1u << q;
        }
        if (!strcmp(o, "--models") && v) a->models[a->nmodels++] = argv[++i];
        else if (!strcmp(o, "--jsonl")) a->jsonl = 1;
        else if (!strcmp(o, "--list-models")) a->list = 1;
        else if (!strcmp(o, "--terms") && v) {
            if (int_opt(o, argv[++i], 0, 1000, &k, e) != 0) return -1;
            a->terms = (size_t)k;
            a->terms_given = 1;
        }
        else if (!strcmp(o, "--summary")) a->summary = 1;
        else if (!strcmp(o, "--summary-by") && v) a->summary = 1, a->summary_by = argv[++i];
        else if (!strcmp(o, "--target-field") && v) a->target_field = argv[++i];
        else if ((!strcmp(o, "--id-field") || !strcmp(o, "--text-field") || !strcmp(o, "--title-field")) && v) {
            if (!*argv[++i]) return mz_fail(e, "%s: expected a field's name, got ''", o);
            a->fields[!strcmp(o, "--id-field") ? 0 : !strcmp(o, "--text-field") ? 1 : 2] = argv[i];
        }
        else if (!strcmp(o, "--source") && v) {
            if (!*(a->source = argv[++i])) return mz_fail(e, "--source: expected a source's name, got ''");
        }
        else if (!strcmp(o, "--keep") && v) a->keep = argv[++i];
        else if (!strcmp(o, "--encoding") && v) a->encoding = argv[++i];
        else if ((!strcmp(o, "-o") || !strcmp(o, "--output")) && v) {
            if (!*(a->output = argv[++i])) return mz_fail(e, "%s: expected a file name, got ''", o);
            /* "-" elsewhere is standard input: here it would make a file "-" */
            if (!strcmp(a->output, "-"))
                return mz_fail(e, "%s -: give a file name (the answers go to standard output without -o)", o);
        } else if (!strcmp(o, "--format") && v) {
            i++;
            a->o.text_format = !strcmp(v, "text");
            a->o.tsv = !strcmp(v, "tsv");
            if (strcmp(v, "json") && !a->o.text_format && !a->o.tsv)
                return mz_fail(e, "--format: json, text or tsv, got '%s'", v);
        } else if (!strcmp(o, "--explain") && v) {
            if (int_opt(o, argv[++i], 0, 64, &k, e) != 0) return -1;
            a->o.explain = (size_t)k;
        } else if ((!strcmp(o, "-j") || !strcmp(o, "--threads")) && v) {
            if (int_opt(o, argv[++i], 1, 256, &k, e) != 0) return -1;
            a->threads = (int)k;
        } else if (!strcmp(o, "--max-bytes") && v) {
            if (int_opt(o, argv[++i], 1, 1LL << 34, &k, e) != 0) return -1;
            a->o.max_bytes = (size_t)k;
        } else if (!strcmp(o, "--max-tokens") && v) {
            if (int_opt(o, argv[++i], 1, 1LL << 30, &k, e) != 0) return -1;
            a->o.max_tokens = (size_t)k;
        } else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            return mz_fail(e, "help");
        } else if (!strcmp(o, "--version")) {
            return mz_fail(e, "version");
        } else if (o[0] == '-' && o[1]) {
            return mz_fail(e, "unknown or incomplete option '%s'", o);
        } else a->inputs[a->ninputs++] = o;
    }
    if (check_combinations(a, per_article, explain_given, e) != 0) return -1;
    if (a->ninputs == 0) a->inputs[a->ninputs++] = "-";
    /* standard input can be read once: named again it would be an empty
     * input, answered differently by mode */
    for (int i = 0, seen = 0; i < a->ninputs; i++)
        if (!strcmp(a->inputs[i], "-") && seen++) return mz_fail(e, "-: standard input named twice; it can be read once");
    return 0;
}

void mz_classify_args_free(mz_classify_args *a)
{
    free(a->inputs);
    a->inputs = a->models = NULL;
}
