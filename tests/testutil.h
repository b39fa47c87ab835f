/* testutil.h — helpers shared by the Check tests.
 *
 * mz_test_root() is the repository root (MIZAN_ROOT, else "."), and
 * mz_test_shared() is ../shared beside it or NULL when that is missing: tests
 * that need the real corpora call it and skip, saying so, when it is NULL. */
#ifndef MZ_TESTUTIL_H
#define MZ_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fsutil.h"

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

/* MZ_TEST_SCRATCH(tag, dir): one scratch directory per run of a suite
 * (`$TMPDIR/<tag>_XXXXXX`), made and removed by the parent process as an
 * unchecked fixture, so nothing is left behind even when a test fails or
 * crashes in its forked child; and one fresh sub-directory per test in
 * `dir`.  Defines suite_setup/suite_teardown (unchecked) and
 * setup/teardown (checked) for tcase_add_*_fixture. */
#define MZ_TEST_SCRATCH(tag, dir)                                                              \
    static char mz_suite_dir[1024];                                                            \
    static char dir[1200];                                                                     \
    static void suite_setup(void)                                                              \
    {                                                                                          \
        const char *t = getenv("TMPDIR");                                                      \
        snprintf(mz_suite_dir, sizeof mz_suite_dir, "%s/" tag "_XXXXXX", t && *t ? t : "/tmp"); \
        if (!mkdtemp(mz_suite_dir)) {                                                          \
            perror(mz_suite_dir);                                                              \
            abort();                                                                           \
        }                                                                                      \
    }                                                                                          \
    static void suite_teardown(void)                                                           \
    {                                                                                          \
        mz_err e_ = {{0}};                                                                     \
        if (mz_suite_dir[0] && mz_rm_rf(mz_suite_dir, &e_) != 0)                               \
            fprintf(stderr, tag ": cleanup: %s\n", e_.msg);                                    \
        mz_suite_dir[0] = '\0';                                                                \
    }                                                                                          \
    static void setup(void)                                                                    \
    {                                                                                          \
        snprintf(dir, sizeof dir, "%s/t_XXXXXX", mz_suite_dir);                                \
        ck_assert_ptr_nonnull(mkdtemp(dir));                                                   \
    }                                                                                          \
    static void teardown(void)                                                                 \
    {                                                                                          \
        mz_err e_ = {{0}};                                                                     \
        if (dir[0] && mz_rm_rf(dir, &e_) != 0) fprintf(stderr, tag ": cleanup: %s\n", e_.msg);  \
        dir[0] = '\0';                                                                         \
    }

/* MZ_TEST_SHELL(dir), after MZ_TEST_SCRATCH: the end-to-end tests'
 * helpers, over the test's scratch directory `dir`:
 *   T(rel)                 a path under it (rotating static buffers);
 *   run(out, err, fmt, ...) a shell command line, stdout and stderr to
 *                          T(out) and T(err), stdin empty; its exit status,
 *                          or 128 + the signal that ended it;
 *   slurp(path, &len)      a whole file, to be freed;
 *   TRAIN, CLASSIFY        the programs under test. */
#define TRAIN mz_test_path("bin/mizan-train")
#define CLASSIFY mz_test_path("bin/mizan-classify")
#define MZ_TEST_SHELL(dir)                                                                     \
    static const char *T(const char *rel)                                                      \
    {                                                                                          \
        static char b[16][2048];                                                               \
        static int k;                                                                          \
        char *p = b[k++ & 15];                                                                 \
        snprintf(p, sizeof b[0], "%s/%s", dir, rel);                                           \
        return p;                                                                              \
    }                                                                                          \
    static int run(const char *out, const char *err, const char *fmt, ...)                     \
        __attribute__((format(printf, 3, 4)));                                                 \
    static int run(const char *out, const char *err, const char *fmt, ...)                     \
    {                                                                                          \
        char cmd[8192];                                                                        \
        va_list ap;                                                                            \
        va_start(ap, fmt);                                                                     \
        int n = vsnprintf(cmd, sizeof cmd, fmt, ap);                                           \
        va_end(ap);                                                                            \
        ck_assert_int_lt(n, (int)sizeof cmd - 200);                                            \
        snprintf(cmd + n, sizeof cmd - (size_t)n, " >'%s' 2>'%s' </dev/null", T(out), T(err)); \
        fflush(NULL);                                                                          \
        int st = system(cmd);                                                                  \
        ck_assert_int_ne(st, -1);                                                              \
        if (WIFEXITED(st)) return WEXITSTATUS(st);                                             \
        return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);                                     \
    }                                                                                          \
    /* not inlined: GCC 12 at -O3 would then take &buf, handed to                              \
     * mz_read_file, for the buffer's address and warn at every use */                         \
    __attribute__((noinline)) static char *slurp(const char *path, size_t *len)                \
    {                                                                                          \
        char *buf = NULL;                                                                      \
        size_t l = 0;                                                                          \
        mz_err e = {{0}};                                                                      \
        ck_assert_msg(mz_read_file(path, 1u << 26, &buf, &l, &e) == 0, "%s", e.msg);           \
        if (len) *len = l;                                                                     \
        return buf;                                                                            \
    }

#endif
