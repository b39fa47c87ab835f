/* mizan-classify — topic, frames and stance of Arabic articles, as JSON.
 *
 * The command line is args.h's; the bundles and the work on one article
 * are engine.h's.  Files, folders and stdin are read by inputs.h, JSONL
 * streams by stream.h, their records parsed by record.h; batch.h hands the
 * articles to the threads and writes their answers in order; run.h is the
 * state they share.  This file sets a run up (the output checked against
 * the inputs, the models loaded, the options checked against them), hands
 * it each input in turn and ends it.
 *
 * Inputs are files (one article each; a *.jsonl file, or any with --jsonl,
 * a stream of {"id", "text", "title"?} objects), folders (read whole,
 * subfolders included) and stdin.  Articles are
 * processed in batches by N threads; results are written in input order,
 * one whole line per article, flushed per batch, so memory stays flat on
 * endless streams and a consumer never reads half a line.  A bad record is
 * answered with {"id", "error"} and the rest go on.  Exit status: 0 all
 * answered, 1 some records failed, 2 usage, input or model errors. */
#include <errno.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "args.h"
#include "batch.h"
#include "describe.h"
#include "engine.h"
#include "fsutil.h"
#include "inputs.h"
#include "progress.h"
#include "run.h"
#include "stream.h"
#include "summary.h"

/* main's messages: "mizan-classify: " and the formatted text on one line,
 * masked as mz_err_print does (they name files and options as given). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char m[2 * PATH_MAX + 1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    mz_progress_clear();
    mz_err_print(stderr, "mizan-classify", m);
}

/* The first column name of a TSV header row (s[0..n), tab-separated,
 * newline-ended) that an earlier column already has, or NULL. */
static const char *tsv_repeated_column(const char *s, size_t n)
{
    const char *end = memchr(s, '\n', n);
    if (!end) end = s + n;
    for (const char *a = s; a < end;) {
        size_t al = strcspn(a, "\t\n");
        for (const char *b = s; b < a;) {
            size_t bl = strcspn(b, "\t\n");
            if (al == bl && !memcmp(a, b, al)) return a;
            b += bl + 1;
        }
        a += al + 1;
    }
    return NULL;
}

/* --keep's comma-separated names: each once, none a key the answer holds
 * already (of the bundles m; NULL: names kept under a key of their own).
 * The names point into spec, which is cut in place; -1 after a one-line
 * complaint. */
static int keep_list(char *spec, const char *opt, const mz_models *m, char ***names, int *n)
{
    *n = 0;
    *names = NULL;
    size_t cap = 1;
    for (const char *c = spec; *c; c++) cap += *c == ',';
    char **v = calloc(cap, sizeof *v);
    if (!v) {
        say("out of memory");
        return -1;
    }
    char *save = NULL, *bad = NULL;
    const char *why = NULL;
    int k = 0;
    if (!*spec || spec[0] == ',' || spec[strlen(spec) - 1] == ',' || strstr(spec, ",,")) why = "an empty field name";
    for (char *f = why ? NULL : strtok_r(spec, ",", &save); f && !why; f = strtok_r(NULL, ",", &save)) {
        for (int j = 0; j < k && !why; j++)
            if (!strcmp(v[j], f)) why = "a field named twice";
        if (!why && m && mz_models_key_taken(m, f)) why = "a key the answer holds already";
        if (why) bad = f;
        else v[k++] = f;
    }
    if (why) {
        say("%s: %s%s%s", opt, why, bad ? ": " : "", bad ? bad : "");
        free(v);
        return -1;
    }
    *names = v;
    *n = k;
    return 0;
}

/* With --output, an interrupt removes the temporary; the old file stays. */
static void on_signal(int sig)
{
    const char *t = mz_outfile_pending();
    if (*t) unlink(t);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The end of the answers: a failed write is reported; with -o, FILE is
 * replaced when the run succeeded (status 0 or 1) and left as it was
 * otherwise.  Returns the exit status. */
static int close_output(const char *output, mz_outfile *of, int rc, int write_err)
{
    mz_progress_clear();
    if (write_err) {
        say("%s: write error: %s%s", output ? output : "standard output", strerror(write_err),
            of->tmp[0] ? "; the old file is left as it was" : "");
        rc = 2;
    }
    if (!output) return rc;
    if (rc == 2) {
        /* like sort -o: a run that failed does not replace the old answers */
        if (of->tmp[0] && !write_err)
            say("%s: not written, as the run failed; the old file is left as it was", output);
        mz_outfile_abort(of);
        return rc;
    }
    mz_err e;
    /* once FILE is replaced, a signal arriving meanwhile would end the run
     * by that signal though its answers are in place: it waits, for good,
     * and the status says what is on disk */
    sigset_t held;
    mz_signals_hold(&held);
    if (mz_outfile_commit(of, &e) != 0) {
        mz_err_print(stderr, "mizan-classify", e.msg);
        return 2;
    }
    return rc;
}

/* --source NAME must name a source some bundle has a head for: a name
 * spelt otherwise ("Sky News" for "skynews") would quietly get the plain
 * heads.  Says which sources there are; -1 after saying it. */
static int known_source(const mz_models *m, const char *name)
{
    mz_buf b = {0};
    for (size_t i = 0; i < m->n; i++) {
        const mz_bundle *bd = &m->b[i];
        if (mz_bundle_source(bd, name) >= 0) return 0;
        for (int d = 0; d < bd->nsource; d++) {
            mz_buf_puts(&b, d ? ", " : b.n ? "; " : "");
            if (!d) mz_buf_printf(&b, "%s: ", bd->name);
            mz_buf_puts(&b, bd->source_values[d]);
        }
    }
    if (b.n) say("--source %s: no bundle has a head for it (%s)", name, b.s);
    else say("--source %s: no bundle has per-source heads", name);
    mz_buf_free(&b);
    return -1;
}

/* Inputs that cannot be read as asked, said before anything is loaded:
 * standard input named twice, and answers that would be written over an
 * input or read back as one (-o, or standard output redirected into a
 * file, a stream forever).  Returns 2 when refused, else 0, with *so_file
 * set when standard output is a regular file (*sost its status). */
static int inputs_clash(const mz_classify_args *args, const char *output, struct stat *sost, int *so_file)
{
    /* standard input under another name (/dev/stdin, /proc/self/fd/0) beside
     * "-": read once, the second would be an empty input */
    struct stat sin;
    int dash = 0;
    for (int i = 0; i < args->ninputs; i++) dash |= !strcmp(args->inputs[i], "-");
    for (int i = 0; dash && i < args->ninputs && fstat(STDIN_FILENO, &sin) == 0; i++) {
        struct stat o;
        if (strcmp(args->inputs[i], "-") && stat(args->inputs[i], &o) == 0 && o.st_dev == sin.st_dev &&
            o.st_ino == sin.st_ino) {
            say("%s: is standard input, named also as -; it can be read once", args->inputs[i]);
            return 2;
        }
    }
    for (int i = 0; output && i < args->ninputs; i++) {
        /* the answers would be renamed over the articles */
        if (mz_same_file(output, args->inputs[i])) {
            say("-o %s: is the input %s; write the answers elsewhere", output, args->inputs[i]);
            return 2;
        }
        struct stat in_st, out_st;
        if (!strcmp(args->inputs[i], "-") && fstat(STDIN_FILENO, &in_st) == 0 && stat(output, &out_st) == 0 &&
            S_ISREG(in_st.st_mode) && in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino) {
            say("-o %s: is the file standard input reads; write the answers elsewhere", output);
            return 2;
        }
        if (mz_walk_reads(args->inputs[i], output)) {
            say("-o %s: would be read as one of the inputs, in the folder %s; write the answers elsewhere (or "
                "under a hidden name)",
                output, args->inputs[i]);
            return 2;
        }
    }
    /* standard output redirected into an input (> DIR/x.jsonl, >> feed.jsonl)
     * would have the answers read back as articles, a stream forever: refused
     * as -o into an input is */
    struct stat ist;
    char sopath[PATH_MAX] = "";
    *so_file = !output && fstat(STDOUT_FILENO, sost) == 0 && S_ISREG(sost->st_mode);
    if (*so_file) {
        ssize_t k = readlink("/proc/self/fd/1", sopath, sizeof sopath - 1);
        sopath[k > 0 ? k : 0] = '\0';
    }
    for (int i = 0; *so_file && i < args->ninputs; i++) {
        const char *in = args->inputs[i];
        int same = (!strcmp(in, "-") ? fstat(STDIN_FILENO, &ist) : stat(in, &ist)) == 0 && ist.st_dev == sost->st_dev &&
                   ist.st_ino == sost->st_ino;
        if (same) {
            say("%s: is also standard output; write the answers elsewhere", in);
            return 2;
        }
        if (*sopath && mz_walk_reads(in, sopath)) {
            say("standard output %s: is one of the inputs, in the folder %s; write the answers elsewhere (or "
                "under a hidden name)",
                sopath, in);
            return 2;
        }
    }
    return 0;
}

/* No --models: MIZAN_MODELS, else the installation's models folder
 * (defdir, n bytes).  Returns 2 when neither is usable (said), else 0. */
static int default_models(mz_classify_args *args, char *defdir, size_t n)
{
    mz_err e;
    if (args->nmodels == 0 && (args->models[0] = getenv("MIZAN_MODELS")) != NULL) {
        if (!*args->models[0]) {
            say("MIZAN_MODELS is set but empty; unset it, or name a models folder");
            return 2;
        }
        args->nmodels = 1;
    }
    if (args->nmodels == 0) {
        if (mz_models_dir(defdir, n, &e) != 0) {
            say("%s; give --models DIR or set MIZAN_MODELS", e.msg);
            return 2;
        }
        args->models[args->nmodels++] = defdir;
    }
    return 0;
}

/* --summary: one account of every answer, each bundle's under its
 * answer key, which must not be one of the summary's own counts.  The
 * engine answers in JSON, which the summary reads; evidence is per
 * article, so none is looked for. */
static int summary_setup(mz_run *r, const mz_models *m, const mz_classify_args *args, mz_err *e)
{
    r->o.text_format = 0;
    r->o.explain = 0;
    if (!(r->sum = mz_summary_new(args->summary_by))) return mz_fail(e, "out of memory");
    /* every bundle's answer in every account, in the records' order */
    static const int kind[MZ_NGROUPS] = {MZ_SUM_LABEL, MZ_SUM_FRAMES, MZ_SUM_STANCE, MZ_SUM_TARGET};
    for (size_t i = 0; i < m->n; i++)
        if (m->group[i] != MZ_GROUP_STANCE && mz_summary_own_key(mz_models_answer_key(m, i)) &&
            (args->summary_by || strcmp(mz_models_answer_key(m, i), "by")))
            return mz_fail(e, "%s: --summary: the bundle answers under \"%s\", a key of the summary's own counts; "
                              "train it under another name (mizan-train --name)",
                           m->b[i].dir, mz_models_answer_key(m, i));
    for (int pass = 0; pass < MZ_NGROUPS; pass++)
        for (size_t i = 0; i < m->n; i++)
            if (m->group[i] == pass && mz_summary_expect(r->sum, mz_models_answer_key(m, i), kind[pass]) != 0)
                return mz_fail(e, "out of memory");
    return 0;
}

/* --format tsv: the header row first, even for a run that answers
 * nothing.  Two bundles (or a kept field) whose columns share a name (a
 * bundle named russia_label beside the Russia stance bundle's label) are
 * refused: a spreadsheet could not tell them apart. */
static int tsv_header(mz_run *r, const mz_models *m, mz_err *e)
{
    mz_buf hb = {0};
    r->o.tsv_cols = mz_models_tsv_header(m, r->keep, r->nkeep, &hb);
    r->o.tsv_kept = (size_t)r->nkeep;
    const char *dup = hb.oom ? NULL : tsv_repeated_column(hb.s, hb.n);
    if (dup) {
        size_t dl = strcspn(dup, "\t\n");
        mz_fail(e, "--format tsv: two columns would be named \"%.*s\"; combine other bundles, or use JSON",
                (int)(dl < 200 ? dl : 200), dup);
        mz_buf_free(&hb);
        return -1;
    }
    mz_buf_tsv_quote_row(&hb, 0); /* a kept field named "x, as a cell opening with a quote is */
    if (!hb.oom && fwrite(hb.s, 1, hb.n, r->out) != hb.n) r->write_err = errno ? errno : EIO;
    mz_run_wrote(r, hb.n); /* the header is flushed with the first batch */
    mz_buf_free(&hb);
    return hb.oom ? mz_fail(e, "out of memory") : 0;
}

/* The run proper: models, inputs, answers.  Every way out passes through
 * `out`, which frees what was made, reports a failed write and, once -o's
 * temporary exists, decides whether it replaces FILE. */
/* The options that depend on the loaded bundles: which fields a record is
 * read by, kept and summarised by.  Says what is wrong and returns -1;
 * *by is the --summary-by field's copy, the caller's to free. */
static int bundle_options(const mz_classify_args *args, const mz_models *m, mz_run *r, char **by)
{
    if (args->summary_by) {
        if (!(*by = strdup(args->summary_by))) {
            say("out of memory");
            return -1;
        }
        /* kept under a key of its own, so any field will do */
        if (keep_list(*by, "--summary-by", NULL, &r->keep, &r->nkeep) != 0) return -1;
        r->keep_as = MZ_SUMMARY_KEY;
        if (r->nkeep != 1) {
            say("--summary-by: one field");
            return -1;
        }
    }
    if (args->keep && keep_list((char *)args->keep, "--keep", m, &r->keep, &r->nkeep) != 0) return -1;
    if (args->source && known_source(m, args->source) != 0) return -1;
    /* options that would change nothing are said, as --source is */
    int targets = 0;
    for (size_t i = 0; i < m->n; i++) targets |= m->group[i] == MZ_GROUP_TARGET;
    if (args->target_field && !targets) {
        say("--target-field %s: no bundle answers by the record's target (a bundle trained with --task target)",
            args->target_field);
        return -1;
    }
    /* one field read as both text and title: a --title-field naming the
     * text's is refused; a --text-field naming the bundles' title field (a
     * feed of headlines) reads it as the text, with no title */
    if (r->fields[1] && r->fields[2] && !strcmp(r->fields[1], r->fields[2])) {
        if (args->fields[2]) {
            say("--title-field %s: the text's field too; a record has a title field of its own or none", r->fields[2]);
            return -1;
        }
        r->fields[2] = NULL;
    }
    return 0;
}

/* --list-models: loading verified every bundle; the listing is read from
 * them.  Returns the exit status (a failed write is left in r). */
static int list_models(const mz_classify_args *args, const mz_models *m, mz_run *r)
{
    mz_buf b = {0};
    mz_models_describe(m, args->o.text_format, args->terms, &b);
    int rc = 0;
    if (b.oom) {
        say("out of memory");
        rc = 2;
    } else if ((b.n && fwrite(b.s, 1, b.n, r->out) != b.n) || fflush(r->out) != 0) {
        r->write_err = errno ? errno : EIO;
    }
    mz_buf_free(&b);
    return rc;
}

/* The run's answering options, what it must not read as an input (the
 * output file, standard output's file *sost when so_file), its workers
 * and the TSV header. */
static int run_setup(mz_run *r, const mz_classify_args *args, const mz_models *m, int so_file, const struct stat *sost,
                     mz_err *e)
{
    r->o = args->o;
    if (args->summary && summary_setup(r, m, args, e) != 0) return -1;
    r->threads = args->threads;
    if (mz_models_target_field(m, args->target_field, &r->target_field, e) != 0) return -1;
    r->o.target_field = r->target_field;
    r->source_field = m->source_field;
    for (size_t i = 0; i < m->n; i++) r->reads_target |= m->group[i] == MZ_GROUP_TARGET;
    r->source_given = args->source;
    struct stat ost;
    /* -o's file as it is before the run: a folder input may hold it (the
     * new answers are renamed over it only at the end) */
    if (args->output && stat(args->output, &ost) == 0 && S_ISREG(ost.st_mode))
        r->out_exists = 1, r->out_dev = ost.st_dev, r->out_ino = ost.st_ino;
    /* stdout, met in a folder through a link or under another name */
    if (so_file) r->out_exists = r->out_stdout = 1, r->out_dev = sost->st_dev, r->out_ino = sost->st_ino;
    /* progress only where it cannot land among the answers */
    r->progress = mz_progress_live() && !(r->out == stdout && isatty(STDOUT_FILENO));
    r->shown_ms = mz_now_ms();
    r->w = calloc((size_t)args->threads, sizeof *r->w);
    r->items = calloc(MZ_BATCH, sizeof *r->items);
    if (!r->w || !r->items) return mz_fail(e, "out of memory");
    for (int t = 0; t < args->threads; t++)
        if (mz_worker_init(&r->w[t], m, &r->o, e) != 0) return -1;
    if (r->o.tsv && tsv_header(r, m, e) != 0) return -1;
    return 0;
}

/* Every input answered, then the summary.  Returns the exit status, or -1
 * with e set (a failed write is left in r). */
static int answer_inputs(mz_run *r, const mz_classify_args *args, mz_err *e)
{
    for (int i = 0; !r->write_err && !r->oom && i < args->ninputs; i++) {
        struct stat st;
        const char *in = args->inputs[i];
        /* a file named .jsonl is a stream even without --jsonl: read as
         * one article, a whole feed would get one meaningless answer */
        /* a file named is answered as often as it is named; folders are
         * read once (read_already) */
        if (strcmp(in, "-") && stat(in, &st) == 0 && S_ISDIR(st.st_mode)) mz_add_dir(r, in);
        else if (args->jsonl || mz_has_ext(in, ".jsonl")) mz_add_jsonl(r, in);
        else if (!strcmp(in, "-")) mz_add_stdin_article(r);
        else mz_add_file(r, in, 0);
    }
    mz_flush_batch(r);
    mz_progress_clear();
    if (r->oom) return r->oom_at[0] ? mz_fail(e, "%s: out of memory", r->oom_at) : mz_fail(e, "out of memory");
    if (r->sum) {
        mz_buf sb = {0};
        mz_summary_write(r->sum, args->o.text_format, r->any_input_error, &sb);
        if (!sb.oom && !r->write_err && (fwrite(sb.s, 1, sb.n, r->out) != sb.n || fflush(r->out) != 0))
            r->write_err = errno ? errno : EIO;
        mz_buf_free(&sb);
        if (sb.oom) return mz_fail(e, "out of memory");
    }
    /* mz_flush_batch checked every write (r->write_err) */
    return r->any_input_error ? 2 : r->any_record_error ? 1 : 0;
}

static void run_free(mz_run *r, int threads)
{
    mz_summary_free(r->sum);
    if (r->w)
        for (int t = 0; t < threads; t++)
            if (r->w[t].m) mz_worker_free(&r->w[t]);
    if (r->items)
        for (size_t i = 0; i < MZ_BATCH; i++) mz_buf_free(&r->items[i].out);
    free(r->w);
    free(r->items);
    free(r->keep);
    for (size_t i = 0; i < r->nread; i++) free(r->read_path[i]);
    free(r->read_path);
    mz_strmap_free(r->read);
}

static int run_all(mz_classify_args *args)
{
    mz_err e;
    const char *output = args->output;
    struct stat sost;
    int so_file;
    if (inputs_clash(args, output, &sost, &so_file) != 0) return 2;
    char defdir[4096];
    if (default_models(args, defdir, sizeof defdir) != 0) return 2;
    int rc = 2, opened = 0;
    mz_decoder *dec = NULL;
    mz_models m = {0};
    mz_outfile of = {0};
    mz_run r;
    memset(&r, 0, sizeof r);
    r.out = stdout;
    /* where a lost write would cut the answers off (a redirect into a file) */
    off_t out_start = lseek(STDOUT_FILENO, 0, SEEK_CUR);
    struct stat sst;
    int ofl = fcntl(STDOUT_FILENO, F_GETFL);
    if (ofl >= 0 && (ofl & O_APPEND) && fstat(STDOUT_FILENO, &sst) == 0) out_start = sst.st_size; /* >> appends */
    /* --summary-by's field travels in each answer as a kept field does */
    char *by = NULL;
    if (args->encoding && !(dec = mz_decoder_new(args->encoding, &e))) goto fail;
    r.dec = dec;
    if (mz_models_load(&m, args->models, args->nmodels, &e) != 0) goto fail;
    /* a listing reads no article: which field feeds give does not matter */
    if (!args->list && mz_models_fields(&m, args->fields, r.fields, &e) != 0) goto fail;
    if (bundle_options(args, &m, &r, &by) != 0) goto out;
    if (output) {
        mz_signals_catch(on_signal);
        if (mz_outfile_open(&of, output, &e) != 0) goto fail;
        opened = 1;
        r.out = of.f;
    }
    if (args->list) {
        rc = list_models(args, &m, &r);
        goto out;
    }
    if (run_setup(&r, args, &m, so_file, &sost, &e) != 0 || (rc = answer_inputs(&r, args, &e)) < 0) goto fail;
    goto out;
fail:
    mz_progress_clear();
    mz_err_print(stderr, "mizan-classify", e.msg);
    rc = 2;
out:
    run_free(&r, args->threads);
    free(by);
    mz_models_free(&m);
    mz_decoder_free(dec);
    /* a failed write is reported whether or not -o was given; a file
     * standard output was redirected into keeps whole lines only (-o's
     * temporary file is removed instead) */
    if (r.write_err && !output) mz_run_trim(&r, STDOUT_FILENO, out_start);
    return output && !opened ? rc : close_output(output, &of, rc, r.write_err);
}

/* --help and --version: written, or a message and 2 as a run's failed
 * write is. */
static int end_stdout(void)
{
    errno = 0;
    /* fflush's errno is the reason; a write that failed earlier left none
     * that can be trusted */
    int err = fflush(stdout) != 0 ? errno : 0;
    if (!err && !ferror(stdout)) return 0;
    say("standard output: write error%s%s", err ? ": " : "", err ? strerror(err) : "");
    return 2;
}

int main(int argc, char **argv)
{
    mz_err e;
    mz_classify_args args;
    int closed;
    if (mz_start(&closed) != 0) return 2;
    mz_stdin_closed = closed & 1;
    if (mz_classify_args_parse(&args, argc, argv, &e) != 0) {
        int asked = !strcmp(e.msg, "help") || !strcmp(e.msg, "version");
        if (!strcmp(e.msg, "help")) fputs(mz_classify_usage, stdout);
        else if (asked) printf("mizan-classify %s (model bundle format %d)\n", MZ_VERSION, MZ_FORMAT_VERSION);
        else {
            /* the message alone says what is wrong; the full text would bury it */
            mz_err_print(stderr, "mizan-classify", e.msg);
            fputs("mizan-classify: see mizan-classify --help for the options\n", stderr);
        }
        mz_classify_args_free(&args);
        return asked ? end_stdout() : 2;
    }
#ifdef M_ARENA_MAX
    /* glibc gives each thread an arena of its own, reserving 64 MB of
     * address space apiece: -j 32 under ulimit -v ran out with memory to
     * spare.  As many arenas as threads (8 at most) cost no speed. */
    mallopt(M_ARENA_MAX, args.threads < 8 ? args.threads : 8);
#endif
    int rc = run_all(&args);
    mz_classify_args_free(&args);
    return rc;
}
