/* progress.c — see progress.h. */
#include "progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static int live;
static pthread_once_t live_once = PTHREAD_ONCE_INIT;
static int shown; /* width of the transient line on screen, 0 when none */

static void ask(void) { live = isatty(STDERR_FILENO); }

int mz_progress_live(void)
{
    pthread_once(&live_once, ask);
    return live;
}

void mz_progress(const char *fmt, ...)
{
    if (!mz_progress_live()) return;
    fputc('\r', stderr);
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    /* a shorter line than the last would leave its tail: blank it */
    if (n < shown) fprintf(stderr, "%*s", shown - n, "");
    else shown = n;
}

void mz_progress_clear(void)
{
    if (!mz_progress_live() || shown == 0) return;
    fprintf(stderr, "\r%*s\r", shown, "");
    shown = 0;
}
