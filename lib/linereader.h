/* linereader.h — bounded line reading for JSONL streams.
 *
 * Reads '\n'-terminated lines from a FILE* into one reusable buffer without
 * ever holding more than max_line bytes: an over-long line is consumed and
 * skipped (reported as MZ_LINE_TOO_LONG with its line number), so a single
 * giant or binary line can neither exhaust memory nor desynchronise the
 * stream.  A trailing '\r' is removed; the last line needs no newline.
 * The reader owns the stream from the start: it reads the descriptor in
 * chunks of its own, bypassing stdio's buffer. */
#ifndef MZ_LINEREADER_H
#define MZ_LINEREADER_H

#include <stdio.h>

enum { MZ_LINE_EOF = 0, MZ_LINE_OK = 1, MZ_LINE_TOO_LONG = 2, MZ_LINE_IOERR = 3 };

/* An over-long line leaves its first bytes, at most this many, in
 * r->buf[0..r->len) (fewer when max_line is less): enough to find a
 * record's id before its text. */
#define MZ_LINE_PREFIX 65536

typedef struct mz_linereader {
    FILE *f;
    int fd;         /* f's descriptor, or -1 (an in-memory stream) */
    char *buf;
    size_t len, cap, max_line;
    size_t lineno;
    char *in;       /* the chunk read last, in[in_pos..in_len) unread */
    size_t in_pos, in_len;
    int eof;
    int err;        /* after MZ_LINE_IOERR: its errno (ENOMEM: out of memory) */
    int stop_at_limit; /* set by a caller that stops at an over-long line:
                        * it is returned once past max_line, unread to its
                        * end, so input without a newline (/dev/zero) ends
                        * the read instead of lasting forever; 0 after init */
} mz_linereader;

void mz_linereader_init(mz_linereader *r, FILE *f, size_t max_line);
void mz_linereader_free(mz_linereader *r);
/* Wait until fd has input, end of input or an error to read: 0, or -1
 * with errno set.  A descriptor left non-blocking by whoever opened it (an
 * event loop's pipe) answers a read with EAGAIN; its reader waits here as
 * it would in a blocking read. */
int mz_wait_input(int fd);

/* After MZ_LINE_IOERR, what went wrong as a message ends with it: "read
 * error: <strerror>", or "out of memory" (which mz_err_is_oom knows). */
const char *mz_linereader_why(const mz_linereader *r, char *buf, size_t n);

/* Returns one of the MZ_LINE_* codes; on OK the line is r->buf[0..r->len). */
int mz_linereader_next(mz_linereader *r);

/* 1 when the next call would return without waiting for a writer (input
 * is buffered, or the descriptor has bytes or end of input within
 * timeout_ms), 0 when the writer has been silent that long: a stream's
 * consumer answers what it has before it waits. */
int mz_linereader_ready(const mz_linereader *r, int timeout_ms);

#endif
