/* jsonout.h — a growable output buffer with JSON string escaping (and
 * tab-separated cells).
 *
 * Output lines are assembled here whole and written with one fwrite, so a
 * consumer never sees half a line.  Strings are escaped per RFC 8259
 * (quotes, backslash, control characters); input is valid UTF-8 already. */
#ifndef MZ_JSONOUT_H
#define MZ_JSONOUT_H

#include <stddef.h>

typedef struct mz_buf {
    char *s;
    size_t n, cap;
    int oom;
} mz_buf;

void mz_buf_free(mz_buf *b);
void mz_buf_reset(mz_buf *b);
void mz_buf_put(mz_buf *b, const char *s, size_t n);
void mz_buf_puts(mz_buf *b, const char *s);
void mz_buf_printf(mz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mz_buf_json_str(mz_buf *b, const char *s, size_t n);
/* s as one cell of a tab-separated row: tabs, line breaks and other
 * control characters become spaces (a cell never splits a row), and bytes
 * that are not UTF-8 become U+FFFD, as in JSON strings. */
void mz_buf_tsv_cell(mz_buf *b, const char *s, size_t n);
/* The TSV row written since b->s[start], once whole: each of its cells
 * that begins with a double quote is quoted as RFC 4180 quotes a field
 * (wrapped in quotes, each quote doubled), as spreadsheets and CSV readers
 * take a field that opens with one for a quoted field, and would read on
 * across tabs and rows to its close (a title opening with quoted speech). */
void mz_buf_tsv_quote_row(mz_buf *b, size_t start);
/* s, a JSON value as some input line wrote it, copied so that the output
 * stays one line of valid UTF-8: bytes that are not UTF-8 become U+FFFD,
 * control characters in strings are escaped, and line breaks and tabs
 * between tokens become spaces. */
void mz_buf_json_raw(mz_buf *b, const char *s, size_t n);
/* A probability or weight, fixed precision, never NaN/inf in the output. */
void mz_buf_num(mz_buf *b, double v, int decimals);

/* s padded with spaces to width columns for a table or a report, left-
 * or right-aligned; with cut, also cut to width.  Columns are code points,
 * not bytes (Arabic takes two bytes a letter; a cut never splits one; wide
 * CJK characters, two columns each, are not among this project's scripts).
 * Returns the columns s itself took (more than width when it is longer). */
size_t mz_buf_cell(mz_buf *b, const char *s, size_t width, int cut, int right);

#endif
