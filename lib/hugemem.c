/* hugemem.c — see hugemem.h. */
#include "hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

/* Memory of bytes >= HUGE_PAGE on 2 MiB boundaries, marked before the
 * first touch so that its pages are faulted in huge. */
static void *huge_block(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    return p;
}

void *mz_huge_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    if (bytes < HUGE_PAGE) return calloc(n ? n : 1, size ? size : 1);
    void *p = huge_block(bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void *mz_huge_malloc(size_t bytes)
{
    return bytes < HUGE_PAGE ? malloc(bytes ? bytes : 1) : huge_block(bytes);
}
