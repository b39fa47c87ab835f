/* describe.h — what the loaded bundles are (mizan-classify --list-models).
 *
 * One record per bundle, in the order an article's record lists their
 * answers: the key it answers under, its kind and directory, its labels,
 * vocabulary size and training documents, the program that trained it, its
 * cross-validated figures as its manifest keeps them (confusion matrices
 * left out) and the command that rebuilds it.  Everything is read from the
 * loaded bundles, whose manifests and files were verified on loading;
 * nothing is recomputed, so a listing says exactly what will answer.
 * JSON, one line per bundle, or a few lines of text each for a person. */
#ifndef MZ_CLASSIFY_DESCRIBE_H
#define MZ_CLASSIFY_DESCRIBE_H

#include "engine.h"

/* Appends the listing to out (out->oom set on out-of-memory). */
void mz_models_describe(const mz_models *m, int text_format, mz_buf *out);

#endif
