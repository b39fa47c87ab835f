/* flatrecord.h — a JSONL record's id, text, title and two more string
 * fields read straight from the line, without building a JSON tree.
 *
 * A news feed's records are flat objects of strings, and building cJSON's
 * tree for each, every byte of a 3 kB article copied twice, cost more than
 * tokenising it.  mz_flat_record() reads the fields in one pass with
 * memchr, but only for lines it is sure about; anything else it declines,
 * and the caller parses the line the full way (mz_record_parse_json), which
 * also words every error.
 *
 * Contract: it returns 1 only for a line that mz_record_parse_json accepts,
 * and then with the same id, text, title and extra values that the full
 * parse yields (the record fuzz target checks both on every input).  It
 * declines (0): invalid UTF-8; anything but one object of key/value pairs
 * whose values are strings, strict JSON numbers, true, false or null (a
 * nested object or array, a byte-order mark, odd whitespace); a key with an
 * escape; a \u escape or a control character in a string; a field of
 * interest (id, text, title, label, an extra) given twice; an id that is
 * not a string; a text that is missing, not a string, empty or over
 * max_text; a title that is neither a string nor null, or is over
 * max_text; an extra field (a stance target, an article's source; NULL:
 * none asked) that is neither a string nor null.  -1: out of memory. */
#ifndef MZ_FLATRECORD_H
#define MZ_FLATRECORD_H

#include <stddef.h>

#include "corpus.h"

#define MZ_FLAT_EXTRA 2

typedef struct mz_flat {
    char *id, *text, *title;     /* owned; title may be NULL */
    char *extra[MZ_FLAT_EXTRA];  /* owned; NULL when absent */
    size_t text_len, title_len;
} mz_flat;

int mz_flat_record(const char *line, size_t len, const mz_fields *f, const char *const *extra_fields,
                   mz_flat *out);
void mz_flat_free(mz_flat *r);

#endif
