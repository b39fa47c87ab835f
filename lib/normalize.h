/* normalize.h — Arabic text normalisation, the first step of the flow.
 *
 * Input is UTF-8 that the caller has already validated (utf8.h); output is
 * UTF-16 in a buffer the normaliser owns and reuses, valid until the next
 * call.  The steps, in order:
 *   1. NFKC (ICU), which also folds Arabic presentation forms and ligatures
 *      (U+FB50..U+FEFF) to base letters;
 *   2. removal of tashkeel (U+064B..U+065F), superscript alef (U+0670),
 *      Quranic annotation marks, tatweel (U+0640) and invisible format
 *      characters (ZWJ/ZWNJ, bidi marks) — removal, not a space, so a word
 *      written with them stays one word;
 *   3. letter unification: أ إ آ ٱ → ا, ى → ي, Persian/Urdu ک → ك and ی → ي;
 *   4. Arabic-Indic and Persian digits → ASCII digits;
 *   5. lowercase for every other cased script (Latin, Greek, Cyrillic).
 * Ta marbuta (ة) and hamza on waw/ya are deliberately kept: folding them
 * merges words that the topic and stance features need apart.
 *
 * A normaliser holds scratch buffers, so use one per thread.  The same
 * function normalises stopword lists and target lexicons, which is what
 * guarantees they are compared in the same form as article tokens. */
#ifndef MZ_NORMALIZE_H
#define MZ_NORMALIZE_H

#include <stddef.h>
#include <unicode/utypes.h>

#include "err.h"

typedef struct mz_normalizer mz_normalizer;

mz_normalizer *mz_normalizer_new(mz_err *e);
void mz_normalizer_free(mz_normalizer *n);

/* Normalise utf8[0..len) into UTF-16; *out and *outlen point into the
 * normaliser's buffer.  Fails only on out-of-memory or ICU errors. */
int mz_normalize(mz_normalizer *n, const char *utf8, size_t len,
                 const UChar **out, size_t *outlen, mz_err *e);

/* Convenience for data files and tests: normalise to a malloc'd UTF-8
 * string (NUL-terminated).  Invalid UTF-8 is an error. */
int mz_normalize_utf8(mz_normalizer *n, const char *utf8, size_t len,
                      char **out, size_t *outlen, mz_err *e);

#endif
