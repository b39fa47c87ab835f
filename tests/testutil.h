/* testutil.h — helpers shared by the Check tests.
 *
 * mz_test_root() is the repository root (MIZAN_ROOT, else "."), and
 * mz_test_shared() is ../shared beside it or NULL when that is missing: tests
 * that need the real corpora call it and skip, saying so, when it is NULL. */
#ifndef MZ_TESTUTIL_H
#define MZ_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static inline const char *mz_test_root(void)
{
    const char *r = getenv("MIZAN_ROOT");
    return (r && *r) ? r : ".";
}

/* Path under the repository root, in a static rotating buffer. */
static inline const char *mz_test_path(const char *rel)
{
    static char buf[8][4096];
    static int k;
    char *b = buf[k++ & 7];
    snprintf(b, sizeof buf[0], "%s/%s", mz_test_root(), rel);
    return b;
}

static inline const char *mz_test_shared(void)
{
    static char b[4096];
    struct stat st;
    snprintf(b, sizeof b, "%s/../shared/corpora", mz_test_root());
    if (stat(b, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
    snprintf(b, sizeof b, "%s/../shared", mz_test_root());
    return b;
}

#endif
