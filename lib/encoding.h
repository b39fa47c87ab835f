/* encoding.h — reading text that is not UTF-8.
 *
 * The pipeline reads UTF-8 only, but Arabic archives are often in
 * Windows-1256 (or ISO-8859-6), and Windows tools save "Unicode" text as
 * UTF-16.  A decoder turns such bytes into UTF-8 before anything else sees
 * them, strictly: a byte sequence the encoding does not define is an error
 * at its offset, never a silent substitute, as invalid UTF-8 is.  ICU's
 * converters do the work; a decoder holds one, so it belongs to one thread
 * at a time (the programs decode where they read, on one thread).
 *
 * Line-by-line formats (JSONL, TSV) can be decoded a line at a time only
 * in an encoding that writes ASCII as ASCII, so that newlines, tabs and
 * JSON's punctuation are where a reader looks for them: Windows-1256 and
 * ISO-8859-6 do, UTF-16 does not (mz_decoder_ascii).  A file in UTF-16 (a
 * spreadsheet's "Unicode text") is decoded whole instead (mz_text_open). */
#ifndef MZ_ENCODING_H
#define MZ_ENCODING_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

typedef struct mz_decoder mz_decoder;

/* A decoder for an ICU converter name or alias ("windows-1256", "cp1256",
 * "iso-8859-6", "utf-16", ...); NULL with "unknown encoding" otherwise. */
mz_decoder *mz_decoder_new(const char *name, mz_err *e);
void mz_decoder_free(mz_decoder *d);

/* 1 when the encoding is UTF-8 itself (nothing to decode). */
int mz_decoder_utf8(const mz_decoder *d);
/* 1 when ASCII bytes mean ASCII in it, so lines can be decoded one by one. */
int mz_decoder_ascii(const mz_decoder *d);
/* The name the user gave, for messages. */
const char *mz_decoder_name(const mz_decoder *d);

/* Replace *buf (malloc'd, len bytes, NUL-terminated) by its UTF-8 form.
 * A byte-order mark decides first: UTF-8's leaves the text as it is,
 * UTF-16's (either order) decodes it as UTF-16, whatever d is; without
 * one, the text is decoded with d when d is not UTF-8, else left as it is.
 * On failure *buf is left as it was and e says where: "not valid
 * windows-1256 at byte N". */
int mz_text_utf8(mz_decoder *d, char **buf, size_t *len, mz_err *e);

/* Reading a file whose text may hold max bytes of UTF-8: read at most
 * mz_read_cap(max) bytes (UTF-16 and UTF-32 take up to four times those
 * of the UTF-8 form, which limits count), then mz_read_over() says whether
 * the bytes read are over max in a form that decoding cannot shrink (UTF-8,
 * or an encoding that writes each character in at least as many bytes as
 * UTF-8: one that keeps ASCII as it is), to be refused as a file over the
 * limit before it is decoded. */
size_t mz_read_cap(size_t max);
int mz_read_over(const mz_decoder *d, const char *buf, size_t len, size_t max);
/* A file read so (mz_read_file, or mz_read_regular for one listed in a
 * folder): over the limit, "PATH: file is larger than the limit of MAX
 * bytes", whatever was read to find it. */
int mz_read_text_file(const char *path, int listed, const mz_decoder *d, size_t max, char **buf, size_t *len,
                      mz_err *e);

/* Open a line-by-line file (path, or "-" for stdin) so that its lines are
 * UTF-8, or say how to make them so.  Its first bytes decide, then d:
 *   - a UTF-8 byte-order mark: read as it is, whatever d says;
 *   - a UTF-16 mark, or d an encoding that is not ASCII-compatible: the
 *     whole file is decoded into a temporary one, which is returned (a
 *     file of at most 512 MiB; stdin and pipes are refused with the iconv
 *     command that converts them);
 *   - d another encoding: read as it is, with *lines set to 1: decode each
 *     line with mz_text_utf8;
 *   - else read as it is (*lines 0).
 * NULL with e naming path on failure.  The caller fcloses the stream
 * (stdin included). */
FILE *mz_text_open(const char *path, mz_decoder *d, int *lines, mz_err *e);

/* The byte-order mark s[0..n) starts with: "utf-8", "utf-16", "utf-32"
 * (either byte order), or NULL. */
const char *mz_bom(const char *s, size_t n);

/* For a text that is not valid UTF-8: the encoding it most likely is in,
 * when its bytes read as Arabic in it ("windows-1256"), or as UTF-16 (a
 * byte-order mark), else NULL.  For a hint in the error message, not for
 * decoding unasked. */
const char *mz_guess_encoding(const char *s, size_t n);

/* When e says s[0..n) is not UTF-8 and a guess reads it, add what to do:
 * "...; it reads as windows-1256: try --encoding windows-1256". */
void mz_hint_encoding(const char *s, size_t n, mz_err *e);
/* The same addition for a guess already made (mz_guess_encoding). */
void mz_hint_guess(const char *guess, mz_err *e);

#endif
