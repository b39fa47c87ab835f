/* test_parallel.c — the parallel for-loop: every item once, whatever the
 * count; a few costly items (model bundles) spread over the threads rather
 * than all handed to the first; the first error stops the loop. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "parallel.h"

typedef struct {
    atomic_int seen[4096];
    atomic_int taken;
} counts;

static int count_item(void *arg, int wk, size_t i, mz_err *e)
{
    (void)wk, (void)e;
    counts *c = arg;
    atomic_fetch_add(&c->seen[i], 1);
    return 0;
}

START_TEST(test_every_item_once)
{
    static const size_t ns[] = {0, 1, 2, 3, 15, 16, 17, 100, 511, 512, 4096};
    static counts c;
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
        for (int threads = 1; threads <= 4; threads++) {
            memset(&c, 0, sizeof c);
            mz_err e;
            ck_assert_int_eq(mz_parallel_for(ns[k], threads, count_item, &c, &e), 0);
            for (size_t i = 0; i < ns[k]; i++)
                ck_assert_msg(atomic_load(&c.seen[i]) == 1, "n %zu, %d threads: item %zu seen %d times", ns[k],
                              threads, i, atomic_load(&c.seen[i]));
        }
}
END_TEST

/* Two items and two threads: item 0 waits (up to 20 s) for item 1 to be
 * taken.  Were both handed to one thread in a single grab, item 1 could
 * only start after item 0 gave up. */
static int wait_item(void *arg, int wk, size_t i, mz_err *e)
{
    (void)wk;
    counts *c = arg;
    if (i == 1) {
        atomic_store(&c->taken, 1);
        return 0;
    }
    for (int ms = 0; ms < 20000 && !atomic_load(&c->taken); ms++) {
        struct timespec t = {0, 1000000};
        nanosleep(&t, NULL);
    }
    return atomic_load(&c->taken) ? 0 : mz_fail(e, "item 1 was not taken while item 0 ran");
}

START_TEST(test_few_items_spread)
{
    static counts c;
    for (size_t n = 2; n <= 8; n += 6) {
        memset(&c, 0, sizeof c);
        mz_err e;
        ck_assert_msg(mz_parallel_for(n, 2, wait_item, &c, &e) == 0, "%zu items: %s", n, e.msg);
    }
}
END_TEST

static int fail_item(void *arg, int wk, size_t i, mz_err *e)
{
    (void)arg, (void)wk;
    return i == 37 ? mz_fail(e, "item %zu failed", i) : 0;
}

START_TEST(test_error_reported)
{
    mz_err e;
    ck_assert_int_eq(mz_parallel_for(100, 2, fail_item, NULL, &e), -1);
    ck_assert_str_eq(e.msg, "item 37 failed");
}
END_TEST

Suite *suite_parallel(void)
{
    Suite *s = suite_create("parallel");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_every_item_once);
    tcase_add_test(tc, test_few_items_spread);
    tcase_add_test(tc, test_error_reported);
    suite_add_tcase(s, tc);
    return s;
}
