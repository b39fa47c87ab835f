/* stopwords.h — the stopword set, step three of the flow.
 *
 * A list is a UTF-8 text file, one word per line, `#` starting a comment.
 * Every entry is run through the same normaliser as article text when it is
 * loaded, so the file may be written with or without hamza and diacritics
 * and still match.  The project's list is models/stopwords-ar.txt; a model
 * bundle carries a copy of the list it was trained with, so classification
 * filters exactly as training did. */
#ifndef MZ_STOPWORDS_H
#define MZ_STOPWORDS_H

#include <stddef.h>

#include "err.h"
#include "normalize.h"
#include "strmap.h"

typedef struct mz_stopwords {
    mz_strmap *set;
} mz_stopwords;

int mz_stopwords_load(mz_stopwords *sw, const char *path, mz_normalizer *n, mz_err *e);
int mz_stopwords_parse(mz_stopwords *sw, const char *data, size_t len, const char *name,
                       mz_normalizer *n, mz_err *e);
void mz_stopwords_free(mz_stopwords *sw);

static inline int mz_is_stopword(const mz_stopwords *sw, const char *t, size_t len)
{
    return sw->set && mz_strmap_find(sw->set, t, len) >= 0;
}

#endif
