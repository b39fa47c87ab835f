/* numparse.h — decimal numbers as model and vocabulary files write them.
 *
 * Bundles hold millions of numbers and strtod dominated loading them.  The
 * common case, at most 15 significant digits and a small exponent (libsvm's
 * %.8g weights), is converted exactly with one IEEE multiply or divide of
 * two exactly representable values (Clinger's fast path), which rounds
 * correctly, as strtod does; anything else goes to strtod itself.  So the
 * result is always strtod's, in the C locale, on the same bytes. */
#ifndef MZ_NUMPARSE_H
#define MZ_NUMPARSE_H

#include <stddef.h>

/* Parse all of s[0..n) as one finite number: 0 and *out, or -1 (empty,
 * leading or trailing bytes, not a number, overflow to infinity, NaN,
 * n > 63). */
int mz_parse_double(const char *s, size_t n, double *out);

/* The number at the start of [s, end), for readers of long number lists
 * that would otherwise find a token's end and then parse it: 1, its value
 * and where it stops when the fast path above takes it (the value is then
 * mz_parse_double's on the bytes [s, *stop)); 0 when it does not, and the
 * caller parses the whole token with mz_parse_double.  The caller judges
 * the byte at *stop (a separator, or part of a malformed token). */
int mz_parse_double_prefix(const char *s, const char *end, double *out, const char **stop);

#endif
