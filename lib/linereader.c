/* linereader.c — see linereader.h.
 *
 * Input arrives in chunks (read(2) on the FILE's descriptor when it has
 * one, which returns what a pipe holds without waiting for more, so a
 * stream is answered line by line; fread for in-memory streams) and lines
 * are cut with memchr.  Lengths are byte counts throughout: fgets cannot
 * tell a NUL byte inside a line from the end of what it read, and binary
 * input must not make two records out of one or one out of two.
 *
 * The descriptor is read directly, so the FILE must not have been read
 * through stdio before (its buffer would be skipped), and nothing may read
 * it through stdio afterwards. */
#include "linereader.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

void mz_linereader_init(mz_linereader *r, FILE *f, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->fd = f ? fileno(f) : -1;
    r->max_line = max_line;
}

int mz_wait_input(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, -1) < 0 && errno != EINTR ? -1 : 0;
}

const char *mz_linereader_why(const mz_linereader *r, char *buf, size_t n)
{
    if (r->err == ENOMEM) return "out of memory";
    snprintf(buf, n, "read error: %s", strerror(r->err ? r->err : EIO));
    return buf;
}

void mz_linereader_free(mz_linereader *r)
{
    free(r->buf);
    free(r->in);
    r->buf = NULL;
    r->in = NULL;
}

/* Refill the chunk: 1 when bytes arrived, 0 at end of input, -1 on error. */
static int fill(mz_linereader *r)
{
    if (r->eof) return 0;
    if (!r->in && !(r->in = malloc(CHUNK))) return r->err = ENOMEM, -1;
    r->in_pos = r->in_len = 0;
    for (;;) {
        if (r->fd >= 0) {
            ssize_t k = read(r->fd, r->in, CHUNK);
            if (k < 0 && errno == EINTR) continue;
            if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (mz_wait_input(r->fd) != 0) return r->err = errno, -1;
                continue;
            }
            if (k < 0) return r->err = errno, -1;
            r->in_len = (size_t)k;
        } else {
            r->in_len = fread(r->in, 1, CHUNK, r->f);
            if (r->in_len == 0 && ferror(r->f)) return r->err = errno ? errno : EIO, -1;
        }
        if (r->in_len == 0) r->eof = 1;
        return r->in_len > 0;
    }
}

int mz_linereader_next(mz_linereader *r)
{
    r->len = 0;
    int any = 0, too_long = 0;
    for (;;) {
        if (r->in_pos == r->in_len) {
            int st = fill(r);
            if (st < 0) return MZ_LINE_IOERR;
            if (st == 0) break;
        }
        any = 1;
        const char *s = r->in + r->in_pos;
        size_t avail = r->in_len - r->in_pos;
        const char *nl = memchr(s, '\n', avail);
        size_t take = nl ? (size_t)(nl - s) : avail;
        r->in_pos += take + (nl != NULL);
        if (!too_long && r->len + take > r->max_line) too_long = 1;
        /* an over-long line keeps its first bytes (MZ_LINE_PREFIX) only */
        size_t room = r->max_line < MZ_LINE_PREFIX ? r->max_line : MZ_LINE_PREFIX;
        size_t keep = !too_long ? take : r->len < room ? (take < room - r->len ? take : room - r->len) : 0;
        if (keep) {
            if (r->len + keep + 2 > r->cap) {
                size_t nc = r->cap ? r->cap : 65536;
                while (r->len + keep + 2 > nc) nc *= 2;
                char *b = realloc(r->buf, nc);
                if (!b) return r->err = ENOMEM, MZ_LINE_IOERR;
                r->buf = b;
                r->cap = nc;
            }
            memcpy(r->buf + r->len, s, keep);
            r->len += keep;
        }
        if (nl || (too_long && r->stop_at_limit)) break;
    }
    if (!any) return MZ_LINE_EOF;
    r->lineno++;
    if (too_long) {
        /* its first bytes stay, ended by a NUL: where an id may be found */
        if (r->len > MZ_LINE_PREFIX) r->len = MZ_LINE_PREFIX;
        if (r->buf) r->buf[r->len] = '\0';
        return MZ_LINE_TOO_LONG;
    }
    if (!r->buf) {
        r->buf = malloc(1);
        if (!r->buf) return r->err = ENOMEM, MZ_LINE_IOERR;
        r->cap = 1;
    }
    if (r->len && r->buf[r->len - 1] == '\r') r->len--;
    r->buf[r->len] = '\0';
    return MZ_LINE_OK;
}

int mz_linereader_ready(const mz_linereader *r, int timeout_ms)
{
    if (r->in_pos < r->in_len || r->eof || r->fd < 0) return 1;
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    int n;
    while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
    }
    return n != 0; /* on error too: let the read report it */
}
