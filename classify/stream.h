/* stream.h — a JSONL stream, read a line at a time.
 *
 * Each line takes an item of the batch holding the line itself, which a
 * worker parses (record.h); an empty, over-long or undecodable line is
 * answered with an error there and then.  Memory stays flat on an endless
 * stream: a line is bounded (mz_jsonl_line_max), the batch is answered as
 * it fills, and a stream that pauses has what it sent answered within a
 * second.  A batch never holds two streams' records: each has its name,
 * its fields and its ids. */
#ifndef MZ_CLASSIFY_STREAM_H
#define MZ_CLASSIFY_STREAM_H

#include <stddef.h>

#include "run.h"

/* The records of the stream at path ("-": standard input). */
void mz_add_jsonl(mz_run *r, const char *path);

/* The ids of a stream answered so far (stream.c): 1 and the line it was
 * first on when id is among them, else 0, and it is added. */
int mz_dupset_add(mz_dupset *d, const char *id, size_t lineno, size_t *first);

#endif
