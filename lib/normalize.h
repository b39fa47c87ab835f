/* normalize.h — Arabic text normalisation, the first step of the flow.
 *
 * Input is UTF-8 that the caller has already validated (utf8.h); output is
 * UTF-16 in a buffer the normaliser owns and reuses, valid until the next
 * call.  The steps, in order:
 *   1. NFKC (ICU), which also folds Arabic presentation forms and ligatures
 *      (U+FB50..U+FEFF) to base letters; the harakat's own presentation
 *      forms (U+FE70..U+FE7F, U+FC5E..U+FC63) are dropped before it, as
 *      NFKC would make the isolated ones a space and a mark;
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
#include <stdint.h>
#include <unicode/uchar.h>
#include <unicode/utypes.h>

#include "err.h"

/* The steps above as a bundle's manifest names them (pipeline.normalise). */
#define MZ_NORMALISE_STEPS "nfkc,strip-diacritics-tatweel,unify-alef-ya,digits,lowercase"

typedef struct mz_normalizer mz_normalizer;

mz_normalizer *mz_normalizer_new(mz_err *e);
void mz_normalizer_free(mz_normalizer *n);

/* Normalise utf8[0..len) into UTF-16; *out and *outlen point into the
 * normaliser's buffer.  Fails on out-of-memory, ICU errors and a text
 * over 1 GiB (ICU counts in int32_t; the tokeniser passes a sentence at a
 * time, at most MZ_SENTENCE_MAX_BYTES, so only other callers can meet it). */
int mz_normalize(mz_normalizer *n, const char *utf8, size_t len,
                 const UChar **out, size_t *outlen, mz_err *e);

/* A name (a label, a target) s (valid UTF-8, l bytes) in Unicode's
 * composed form, NFC, into buf (n bytes), NUL-terminated: a folder named on
 * macOS spells أخبار with a separate hamza (NFD), and it is the same name
 * as the one a JSONL file spells composed.  Nothing else changes (no
 * folding: names are compared as written).  0, or 1 when it does not fit
 * in n bytes (3 * l + 1 always does), -1 when ICU fails or memory runs out. */
int mz_nfc_utf8(const char *s, size_t l, char *buf, size_t n);

/* Convenience for data files and tests: normalise to a malloc'd UTF-8
 * string (NUL-terminated).  Invalid UTF-8 is an error. */
int mz_normalize_utf8(mz_normalizer *n, const char *utf8, size_t len,
                      char **out, size_t *outlen, mz_err *e);

/* Steps 2–5 for one UTF-16 unit, after NFKC: whether it is dropped, and
 * what it folds to otherwise.  Shared with the tokeniser's fast path, which
 * must fold exactly as mz_normalize does.  Dropped without a trace:
 * diacritics, tatweel, format marks.  Callers test c >= 0x0600, U+00AD or
 * U+034F first (nothing else below U+0600 is dropped). */
static inline int mz_norm_dropped(UChar c)
{
    if (c >= 0x064B && c <= 0x065F) return 1; /* tashkeel */
    if (c == 0x0670 || c == 0x0640) return 1; /* superscript alef, tatweel */
    if (c >= 0x0610 && c <= 0x061A) return 1; /* honorific/Quranic signs */
    if (c >= 0x06D6 && c <= 0x06ED) return c != 0x06E5 && c != 0x06E6 && c != 0x06E9;
    /* Arabic Extended-A and -B: Quranic annotation signs and more harakat
     * (U+08F0 open fathatan ...) */
    if ((c >= 0x0898 && c <= 0x089F) || (c >= 0x08CA && c <= 0x08FF)) return 1;
    if (c == 0x061C || c == 0x200B || c == 0x200C || c == 0x200D || c == 0x200E ||
        c == 0x200F || c == 0xFEFF || (c >= 0x202A && c <= 0x202E) ||
        (c >= 0x2066 && c <= 0x2069) || c == 0x00AD)
        return 1;
    /* the other invisible joiners and selectors: the word joiner (U+2060,
     * which would split the word it joins) and the invisible operators
     * after it, the Mongolian vowel separator, the combining grapheme
     * joiner and the variation selectors (which a word would keep inside,
     * a feature apart that prints as the word) */
    if ((c >= 0x2060 && c <= 0x2064) || c == 0x180E || c == 0x034F || (c >= 0xFE00 && c <= 0xFE0F)) return 1;
    return 0;
}

/* Surrogates pass through unchanged. */
static inline UChar mz_norm_fold(UChar c)
{
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? (UChar)(c + 32) : c;
    if (c >= 0x0600 && c <= 0x06FF) {
        switch (c) {
        case 0x0622: case 0x0623: case 0x0625: case 0x0671:
        case 0x0672: case 0x0673:
            return 0x0627;
        case 0x0649: case 0x06CC:
            return 0x064A;
        case 0x06A9:
            return 0x0643;
        default:
            break;
        }
        if (c >= 0x0660 && c <= 0x0669) return (UChar)('0' + (c - 0x0660));
        if (c >= 0x06F0 && c <= 0x06F9) return (UChar)('0' + (c - 0x06F0));
        return c;
    }
    if (c >= 0xD800 && c <= 0xDFFF) return c;
    return (UChar)u_tolower(c);
}

/* What NFKC makes of c whatever surrounds it, when that is one code point
 * and no neighbour can change it or be changed by it: c itself for ASCII,
 * Latin-1's letters and signs, the Arabic block (but for the marks that
 * join a letter, U+0653..U+0655, and the high-hamza ligatures) and most of
 * General Punctuation; a space for the no-break and typographic spaces.
 * Every combining mark among them is dropped by mz_norm_dropped, so
 * canonical reordering cannot show either.  -1 for any other code point.
 * On text made only of these, normalising is mapping each one and folding
 * it, with no ICU call; a test checks every member against ICU's data. */
static inline int32_t mz_norm_image(UChar32 c)
{
    static const uint16_t keep[][2] = {
        {0x00A1, 0x00A7}, {0x00A9, 0x00A9}, {0x00AB, 0x00AE}, {0x00B0, 0x00B1}, {0x00B6, 0x00B7},
        {0x00BB, 0x00BB}, {0x00BF, 0x00FF}, {0x0600, 0x0652}, {0x0656, 0x0674}, {0x0679, 0x06FF},
        {0x200B, 0x2010}, {0x2012, 0x2016}, {0x2018, 0x2023}, {0x2027, 0x202E}, {0x2030, 0x2032},
        {0x2035, 0x2035}, {0x2038, 0x203B}, {0x203D, 0x203D}, {0x203F, 0x2046}, {0x204A, 0x2056},
        {0x2058, 0x205E}, {0x2060, 0x2064}, {0x2066, 0x206F},
    };
    if (c < 0x80) return c;
    if (c == 0x00A0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F) return ' ';
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
        if (c >= keep[i][0] && c <= keep[i][1]) return c;
    return -1;
}

#endif
