/* describe.h — what the loaded bundles are (mizan-classify --list-models).
 *
 * One record per bundle, in the order an article's record lists their
 * answers: the key it answers under, its kind and directory, its labels,
 * vocabulary size and training documents, the program that trained it, its
 * cross-validated figures as its manifest keeps them (confusion matrices
 * left out) and the command that rebuilds it (and, on request, each
 * label's strongest words).  Everything is read from the
 * loaded bundles, whose manifests and files were verified on loading;
 * nothing is recomputed, so a listing says exactly what will answer.
 * JSON, one line per bundle, or a few lines of text each for a person. */
#ifndef MZ_CLASSIFY_DESCRIBE_H
#define MZ_CLASSIFY_DESCRIBE_H

#include "engine.h"

/* Appends the listing to out (out->oom set on out-of-memory).  terms > 0
 * adds, per head and label, the terms words weighing most toward it. */
void mz_models_describe(const mz_models *m, int text_format, size_t terms, mz_buf *out);

#endif
