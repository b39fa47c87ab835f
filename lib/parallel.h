/* parallel.h — a parallel for-loop over [0, n) with pthreads.
 *
 * Items are handed out in small chunks from an atomic counter, so threads
 * stay busy when items differ in cost; results must therefore be written to
 * per-item slots, never appended, which is what keeps every parallel step
 * deterministic.  fn gets the worker index (0..threads-1) for per-thread
 * scratch.  The first error wins and stops further items. */
#ifndef MZ_PARALLEL_H
#define MZ_PARALLEL_H

#include <stddef.h>

#include "err.h"

typedef int (*mz_item_fn)(void *arg, int worker, size_t item, mz_err *e);

int mz_parallel_for(size_t n, int threads, mz_item_fn fn, void *arg, mz_err *e);

/* Online CPUs, at least 1. */
int mz_ncpu(void);

#endif
