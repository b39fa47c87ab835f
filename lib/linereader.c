/* linereader.c — see linereader.h.
 *
 * Byte-at-a-time with getc_unlocked: fgets cannot tell a NUL byte inside a
 * line from the end of what it read, and binary input must not make two
 * records out of one or one out of two. */
#include "linereader.h"

#include <stdlib.h>
#include <string.h>

void mz_linereader_init(mz_linereader *r, FILE *f, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->max_line = max_line;
}

void mz_linereader_free(mz_linereader *r)
{
    free(r->buf);
    r->buf = NULL;
}

int mz_linereader_next(mz_linereader *r)
{
    r->len = 0;
    int c, any = 0, too_long = 0;
    while ((c = getc_unlocked(r->f)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (too_long) continue;
        if (r->len + 2 > r->cap) {
            size_t nc = r->cap ? r->cap * 2 : 65536;
            char *b = realloc(r->buf, nc);
            if (!b) return MZ_LINE_IOERR;
            r->buf = b;
            r->cap = nc;
        }
        r->buf[r->len++] = (char)c;
        if (r->len > r->max_line) too_long = 1;
    }
    if (c == EOF && ferror(r->f)) return MZ_LINE_IOERR;
    if (!any) return MZ_LINE_EOF;
    r->lineno++;
    if (too_long) {
        r->len = 0;
        return MZ_LINE_TOO_LONG;
    }
    if (!r->buf) {
        r->buf = malloc(1);
        if (!r->buf) return MZ_LINE_IOERR;
        r->cap = 1;
    }
    if (r->len && r->buf[r->len - 1] == '\r') r->len--;
    r->buf[r->len] = '\0';
    return MZ_LINE_OK;
}
