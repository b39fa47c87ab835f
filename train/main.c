/* mizan-train — fit a model bundle on labelled corpora, or evaluate one.
 *
 * The flow, each step a library module: read corpora (corpus.h) → per
 * article, in parallel: tokenise (tokenize.h) and reduce to stems
 * (features.h) → in document order: intern terms, fit the vocabulary →
 * in parallel: TF-IDF vectors → liblinear (or libsvm RBF) heads with
 * cross-validated Platt calibration and metrics (learn.h) → bundle
 * (bundle.h), written to a temporary directory and renamed into place.  Errors travel back here as
 * values; this file alone prints them and picks the exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "bundle.h"
#include "fsutil.h"
#include "trainset.h"

static void on_signal(int sig)
{
    /* Only async-signal-safe calls: the pending bundle directory is flat;
     * a records file being written (--cv-predictions, --predictions) is one
     * file */
    mz_remove_flat_dir(mz_bundle_pending_dir());
    const char *t = mz_outfile_pending();
    if (*t) unlink(t);
    signal(sig, SIG_DFL);
    raise(sig);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Standard output flushed at the end: a full disk or a closed stdout
 * loses the report, which is a failure, not success (as for
 * mizan-classify).  rc, or 2 after saying so. */
static int end_stdout(int rc)
{
    errno = 0;
    /* fflush's errno is the reason; a write that failed earlier left none
     * that can be trusted */
    int err = fflush(stdout) != 0 ? errno : 0;
    if (!err && !ferror(stdout)) return rc;
    fprintf(stderr, "mizan-train: standard output: write error%s%s\n", err ? ": " : "", err ? strerror(err) : "");
    return 2;
}

int main(int argc, char **argv)
{
    mz_err e;
    mz_train_args a;
    int closed;
    if (mz_start(&closed) != 0) return 2;
    if (mz_train_args_parse(&a, argc, argv, &e) != 0) {
        if (strcmp(e.msg, "help") == 0) {
            fputs(mz_train_usage, stdout);
            return end_stdout(0);
        }
        if (strcmp(e.msg, "version") == 0) {
            printf("mizan-train %s (model bundle format %d)\n", MZ_VERSION, MZ_FORMAT_VERSION);
            return end_stdout(0);
        }
        /* the message alone says what is wrong; the full text would bury it */
        mz_err_print(stderr, "mizan-train", e.msg);
        fputs("mizan-train: see mizan-train --help for the options\n", stderr);
        return 2;
    }
    if (a.encoding && !(a.fields.dec = mz_decoder_new(a.encoding, &e))) {
        mz_err_print(stderr, "mizan-train", e.msg);
        return 2;
    }
    mz_signals_catch(on_signal);
    double t0 = now();
    int rc = a.evaluate ? mz_evaluate(&a, &e) : mz_train(&a, &e);
    mz_decoder_free(a.fields.dec);
    if (rc != 0) {
        mz_err_print(stderr, "mizan-train", e.msg);
        return end_stdout(rc > 0 ? rc : 1);
    }
    if (!a.quiet) fprintf(stderr, "done in %.1f s\n", now() - t0);
    return end_stdout(0);
}
