/* vocabfile.h — a bundle's vocabulary file (vocab.tsv), written and read.
 *
 *   # mizan vocabulary 1
 *   # features N documents D
 *   KIND <TAB> IDF <TAB> TERM <TAB> SURFACE      (N lines, in feature order)
 *
 * KIND is a feature kind of features.h; TERM is its stems separated by one
 * space (u/c: one, b/d: two, t: three) or, for x and g, its name (a g
 * n-gram keeps the spaces that pad word edges); IDF is printed with 17
 * significant digits, so a written vocabulary parses back to the same
 * doubles; SURFACE is the readable form evidence shows.  Line n + 2 is
 * feature n (1-based in vectors), so the file fixes the numbering the
 * model files' weights refer to.  Parsing is strict: every malformed or
 * duplicate line, a count that differs from the header, or more than 20
 * million features is refused with the file name and line. */
#ifndef MZ_VOCABFILE_H
#define MZ_VOCABFILE_H

#include <stddef.h>

#include "err.h"
#include "features.h"

int mz_vocab_write(const mz_vocab *v, char **data, size_t *len, mz_err *e);

/* opt and sw must be set in v before parsing; name is used in messages. */
int mz_vocab_parse(mz_vocab *v, const char *data, size_t len, const char *name, mz_err *e);

/* The feature count a vocabulary file's header states (what a successful
 * mz_vocab_parse of it yields), without parsing the rest; -1 if the header
 * is bad. */
int mz_vocab_header_nfeat(const char *data, size_t len, size_t *nfeat);

#endif
