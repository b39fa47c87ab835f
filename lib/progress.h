/* progress.h — transient progress lines on stderr.
 *
 * Training rewrites one line in place ("\r  solving 3/12 ...") while it
 * works.  That is for a person at a terminal; in a log file or a pipe the
 * rewrites pile up into one long line of carriage returns.  So a transient
 * line is written only when stderr is a terminal, and the lines that stay
 * (what was read, what was fitted, the figures) are written either way by
 * their callers.  One thread writes progress at a time (training's main
 * thread, or the parent waiting for solver processes). */
#ifndef MZ_PROGRESS_H
#define MZ_PROGRESS_H

/* 1 when stderr is a terminal (asked once). */
int mz_progress_live(void);

/* Replace the transient line with this one; nothing unless live. */
void mz_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Blank the transient line, leaving the cursor at its start, so that a
 * line that stays can follow; nothing unless live or nothing is shown. */
void mz_progress_clear(void);

#endif
