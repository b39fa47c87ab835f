/* err.c — see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mz_fail(mz_err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int mz_err_is_oom(const char *msg) { return !strcmp(msg, "out of memory"); }

int mz_wrap(mz_err *e, const char *fmt, ...)
{
    if (e) {
        char prefix[MZ_ERR_MAX], old[MZ_ERR_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof prefix, fmt, ap);
        va_end(ap);
        memcpy(old, e->msg, sizeof old);
        size_t pl = strnlen(prefix, sizeof prefix - 1);
        size_t ol = strnlen(old, sizeof old - 1);
        if (pl + ol > sizeof e->msg - 1) ol = sizeof e->msg - 1 - pl;
        memcpy(e->msg, prefix, pl);
        memcpy(e->msg + pl, old, ol);
        e->msg[pl + ol] = '\0';
    }
    return -1;
}

void mz_err_put(FILE *f, const char *s)
{
    for (const char *c = s; *c; c++) fputc((unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c, f);
}

void mz_err_print(FILE *f, const char *prog, const char *msg)
{
    fprintf(f, "%s: ", prog);
    mz_err_put(f, msg);
    fputc('\n', f);
}
