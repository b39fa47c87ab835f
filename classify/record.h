/* record.h — a JSONL line into an article, in a worker.
 *
 * mz_parse_line() reads an item's line as a record of the stream
 * r->stream: its id, text, title, target and source, and the --keep
 * fields.  A flat record of strings is read without a JSON tree
 * (flatrecord.h), anything else the full way, which words the errors.  A
 * line that is no good record gets an error, and the id when one can be
 * told, so that its answer joins back to the feed; mz_salvage_id() finds
 * it in a line known by its first bytes alone.  Each reads the run and
 * writes the item alone, so any worker may call it. */
#ifndef MZ_CLASSIFY_RECORD_H
#define MZ_CLASSIFY_RECORD_H

#include <cJSON.h>
#include <stddef.h>

#include "jsonscan.h"
#include "run.h"

/* The --keep fields of a parsed record as ", \"f\": value" members, null
 * where it lacks one (TSV: a cell each, led by a tab, holding a string as
 * it is, any other value as JSON, nothing for null); NULL without --keep
 * or on out-of-memory.  A value that is not a string is copied as the line
 * (line, len) writes it, when that line is strict JSON: cJSON would give a
 * number back as a double (a 19-digit id rounded).  *twice (may be NULL)
 * gets the byte of a kept field the line gives twice, else SIZE_MAX. */
char *mz_kept_members(const mz_run *r, const cJSON *obj, const char *line, size_t len, size_t *twice);

/* A line's id member as the strict scan finds it: rc 0 when the whole
 * line is JSON, else the fault at bad, why. */
typedef struct mz_idscan {
    int rc;
    mz_jspan sp;
    size_t bad;
    const char *why;
} mz_idscan;

void mz_id_scan(const mz_run *r, const char *s, size_t n, mz_idscan *q);

/* The id of a line known by its first bytes alone (one too long to read),
 * or whose JSON fails further on, so that its error answer joins back to
 * the feed: taken when the scan q of s met the whole id member before the
 * cut or the fault (a number cut there is not whole). */
void mz_salvage_id(mz_item *it, const char *s, const mz_idscan *q);

/* The id of a line that is not parsed (too long to read, or not decoded
 * from --encoding), from its bytes as read: an encoding that writes ASCII
 * as ASCII, the only kind read a line at a time, leaves JSON's punctuation
 * and an ASCII id as they are; an id that is not UTF-8 so read is none. */
void mz_raw_id(const mz_run *r, mz_item *it, const char *s, size_t n);

/* Parse a JSONL record into the item (in a worker: parsing costs about a
 * fifth of classifying, and done by the reading thread it was serial). */
void mz_parse_line(mz_run *r, mz_item *it);

#endif
