/* hugemem.h — large tables on huge pages, where the kernel allows it.
 *
 * A model's weight matrices and bigram tables are tens of megabytes read
 * at random, several times per token; on 4 KiB pages nearly every such
 * read also misses the TLB, which costs as much as the cache miss itself.
 * Tables of 2 MiB or more are therefore placed on 2 MiB boundaries and
 * marked MADV_HUGEPAGE before first use.  It is only a hint: where
 * transparent huge pages are off the memory is ordinary, and smaller
 * tables come from plain calloc.  Release with free(). */
#ifndef MZ_HUGEMEM_H
#define MZ_HUGEMEM_H

#include <stddef.h>

/* Zeroed memory for n elements of size bytes, or NULL (also on overflow). */
void *mz_huge_calloc(size_t n, size_t size);

/* bytes of uninitialised memory, or NULL: for a buffer written whole
 * before it is read (a file read into it), which on 4 KiB pages takes a
 * page fault every 4 KiB of the copy. */
void *mz_huge_malloc(size_t bytes);

#endif
