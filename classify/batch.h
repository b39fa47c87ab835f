/* batch.h — articles answered a batch at a time, in threads, and written
 * in input order.
 *
 * The input side takes each article's item with mz_next_item(), which
 * answers the batch first when it is full (MZ_BATCH items, or
 * MZ_BATCH_BYTES of input).  mz_flush_batch() has the threads parse and
 * classify every item waiting, then, in input order: reports a repeated id
 * of the stream (r->seen), writes each answer (or counts it, --summary),
 * says each failure on stderr in one line, and empties the items.  A
 * failed write or memory running out stops the run (r->write_err, r->oom),
 * which the readers look at before reading on. */
#ifndef MZ_CLASSIFY_BATCH_H
#define MZ_CLASSIFY_BATCH_H

#include "run.h"

/* A monotonic clock in milliseconds, for the batch's age. */
double mz_now_ms(void);

/* The next item of the batch, empty (a full batch is answered first). */
mz_item *mz_next_item(mz_run *r);

/* Answers and writes the items waiting; r->n is 0 after. */
void mz_flush_batch(mz_run *r);

/* The answers' ends (run.h out_ends): n bytes of an answer handed to
 * r->out; everything so far flushed whole. */
void mz_run_wrote(mz_run *r, size_t n);
void mz_run_flushed(mz_run *r);
/* After a failed write into fd, a regular file written from offset start:
 * cut it back to the end of the last answer that reached it whole. */
void mz_run_trim(const mz_run *r, int fd, off_t start);

#endif
