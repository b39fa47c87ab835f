/* summary.h — one account of a whole run (mizan-classify --summary).
 *
 * An analyst with a week of coverage asks what it was about and where it
 * stood, not what each article said.  The summary is built from the
 * answers themselves, as JSON records the engine wrote, so it counts
 * exactly what a per-article run would have printed: per multiclass
 * bundle the articles of each label; per multi-label bundle the primary
 * labels and every label chosen; per stance target the articles that
 * discuss it, their critical / neutral / favourable labels and the mean
 * score of those; per target-stance bundle the labels per target.
 * Records answered with an error are counted, nothing more.  Grouped by a
 * field (an outlet, a day), each of its values gets such an account too.
 * Labels and values are listed most frequent first (ties by name), so the
 * same answers in any order give the same summary. */
#ifndef MZ_CLASSIFY_SUMMARY_H
#define MZ_CLASSIFY_SUMMARY_H

#include <cJSON.h>
#include <stddef.h>

#include "jsonout.h"

typedef struct mz_summary mz_summary;

/* The answer key under which the caller keeps each record's --summary-by
 * value (as --keep keeps a field, but under a name no bundle's answer and
 * no record field can have: any field, "topic" or "id" included, can be
 * grouped by). */
#define MZ_SUMMARY_KEY "\001summary-by"

/* by: a field of the records (its value kept in each answer under
 * MZ_SUMMARY_KEY) to give an account of each of its values as well, or
 * NULL.  Values past the first 10,000 are counted in the whole only, and
 * said to be. */
mz_summary *mz_summary_new(const char *by);
void mz_summary_free(mz_summary *s);

/* The kinds of answer a bundle gives. */
enum { MZ_SUM_LABEL, MZ_SUM_FRAMES, MZ_SUM_STANCE, MZ_SUM_TARGET };

/* Declare a bundle's answer (its key in a record: the bundle's name, or a
 * stance bundle's target), in the order records list them, before any
 * record is added: every account then lists it, with zero counts where no
 * answer of it was counted (a run or a value whose every record failed),
 * so that a reader finds the same keys in every summary of these bundles.
 * -1 on out-of-memory. */
int mz_summary_expect(mz_summary *s, const char *key, int kind);

/* Count one answer: a record as mz_classify_one writes it in JSON, parsed
 * (by the worker that wrote it: parsing is most of the cost).  -1 on
 * out-of-memory or a record that is not one (never written by the engine;
 * NULL when parsing ran out of memory). */
int mz_summary_add(mz_summary *s, const cJSON *rec);
/* Count a record answered with an error (its JSON answer, parsed): an
 * error record, or an answer whose error is one bundle's part alone (a
 * target the target bundle lacks), whose other parts count as answers do. */
void mz_summary_error(mz_summary *s, const cJSON *rec);

/* 1 when key is one the summary's own counts use ("articles", "answered",
 * "errors", and "by" with --summary-by): a bundle answering under it cannot
 * be summarised. */
int mz_summary_own_key(const char *key);

/* The summary as one JSON line, or with text a few lines for a person.
 * unread: the inputs that could not be read whole, whose articles it
 * cannot count: said in it ("inputs_unread"), so that it does not read
 * as the whole of the run. */
void mz_summary_write(const mz_summary *s, int text, int unread, mz_buf *out);

#endif
