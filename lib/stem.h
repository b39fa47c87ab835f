/* stem.h — light stemming with Snowball Arabic (libstemmer).
 *
 * Input is a normalised token (tokenize.h).  Snowball's Arabic stemmer
 * strips ال after ب/ك/ل clitics but leaves و+ال and ف+ال words untouched
 * (والرئيس stays والرييس while الرئيس becomes رييس), so a conjunction
 * would split one word into two features; we drop that leading و/ف first
 * when ال follows and at least two letters remain.  Snowball also folds
 * hamza carriers (ئ ؤ → ي و), so stems are not readable words: stems are
 * feature keys, never shown without the surface form.
 *
 * Tokens that are not Arabic (no byte of U+0600..U+06FF) are returned
 * unchanged: Snowball Arabic has nothing to do with them.  A stem is never
 * empty: if Snowball strips everything, the token itself is the stem.
 *
 * libstemmer objects are not thread-safe: one mz_stemmer per thread. */
#ifndef MZ_STEM_H
#define MZ_STEM_H

#include <stddef.h>

#include "err.h"

typedef struct mz_stemmer mz_stemmer;

mz_stemmer *mz_stemmer_new(mz_err *e);
void mz_stemmer_free(mz_stemmer *s);

/* Returns the stem of tok[0..len) in a buffer valid until the next call. */
const char *mz_stem(mz_stemmer *s, const char *tok, size_t len, size_t *outlen);

#endif
