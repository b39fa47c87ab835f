/* err.h — errors as values.
 *
 * Every fallible function in the engine returns 0 on success and -1 on
 * failure, filling a caller-owned mz_err with one human-readable line that
 * already names the file/line/record involved.  Nothing below main() prints
 * or exits: the message travels up unchanged and main() alone decides how to
 * report it and which status to exit with.  A NULL mz_err is allowed and
 * simply discards the message.  Two exceptions, both outside the flow of
 * errors: the transient progress line (progress.h), and the solver worker
 * processes training forks (learn.c), which end with _exit once their
 * answer or their error is written back for the parent. */
#ifndef MZ_ERR_H
#define MZ_ERR_H

#include <stddef.h>
#include <stdio.h>

#define MZ_ERR_MAX 512

typedef struct mz_err {
    char msg[MZ_ERR_MAX];
} mz_err;

/* Format a message into e (if non-NULL) and return -1, so callers can write
 * `return mz_fail(e, "%s: ...", path);`. */
int mz_fail(mz_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* 1 when msg, as a function below main() left it, reports a failed
 * allocation: "out of memory" exactly, the message every one gives.  Only
 * the message as returned is asked, never one a caller wrapped or built:
 * a record's own text could end with those words.  A run stops on one
 * rather than blame the record it was working on. */
int mz_err_is_oom(const char *msg);

/* Prefix an existing message with more context ("file:line: " + old). */
int mz_wrap(mz_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* How main() reports one: "prog: msg\n" on f, with control characters of
 * msg shown as '?' (a message names files, whose names may hold a line
 * break or a terminal escape). */
void mz_err_print(FILE *f, const char *prog, const char *msg);
/* s on f with control characters shown as '?', as mz_err_print writes a
 * message (for a line composed of several parts). */
void mz_err_put(FILE *f, const char *s);

#endif
