/* test_strmap.c — the byte-string hash map: intern/find, insertion-order
 * numbering, growth to 100k keys, binary keys with NUL bytes, the empty key,
 * copying of keys, values, and clear-and-reuse. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "testutil.h"

START_TEST(test_intern_find_basic)
{
    mz_strmap *m = mz_strmap_new(0);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(mz_strmap_count(m), 0);
    ck_assert_int_eq(mz_strmap_find(m, "a", 1), -1);
    int ins = -1;
    ck_assert_int_eq(mz_strmap_intern(m, "روسيا", strlen("روسيا"), 7, &ins), 0);
    ck_assert_int_eq(ins, 1);
    ck_assert_int_eq(mz_strmap_intern(m, "west", 4, 9, &ins), 1);
    ck_assert_int_eq(ins, 1);
    /* interning again finds the entry and keeps the first value */
    ck_assert_int_eq(mz_strmap_intern(m, "روسيا", strlen("روسيا"), 100, &ins), 0);
    ck_assert_int_eq(ins, 0);
    ck_assert_int_eq(mz_strmap_value(m, 0), 7);
    ck_assert_int_eq(mz_strmap_value(m, 1), 9);
    ck_assert_int_eq(mz_strmap_find(m, "west", 4), 1);
    ck_assert_int_eq(mz_strmap_find(m, "wes", 3), -1);   /* prefix */
    ck_assert_int_eq(mz_strmap_find(m, "westx", 5), -1); /* extension */
    ck_assert_int_eq(mz_strmap_find(m, "West", 4), -1);  /* case-sensitive bytes */
    ck_assert_uint_eq(mz_strmap_count(m), 2);
    /* inserted may be NULL */
    ck_assert_int_eq(mz_strmap_intern(m, "x", 1, 0, NULL), 2);
    mz_strmap_free(m);
    mz_strmap_free(NULL); /* allowed */
}
END_TEST

START_TEST(test_insertion_order_and_keys)
{
    mz_strmap *m = mz_strmap_new(4);
    const char *words[] = {"zeta", "alpha", "mu", "beta", "اقتصاد", "رياضة", ""};
    size_t n = sizeof words / sizeof words[0];
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(mz_strmap_intern(m, words[i], strlen(words[i]), (int32_t)(i * 10), NULL), (int64_t)i);
    for (size_t i = 0; i < n; i++) {
        size_t kl = 99;
        const char *k = mz_strmap_key(m, i, &kl);
        ck_assert_uint_eq(kl, strlen(words[i]));
        ck_assert_int_eq(memcmp(k, words[i], kl), 0);
        ck_assert_int_eq(mz_strmap_value(m, i), (int32_t)(i * 10));
        ck_assert_int_eq(mz_strmap_find(m, words[i], strlen(words[i])), (int64_t)i);
    }
    mz_strmap_set_value(m, 3, -5);
    ck_assert_int_eq(mz_strmap_value(m, 3), -5);
    ck_assert_int_eq(mz_strmap_value(m, 2), 20);
    mz_strmap_free(m);
}
END_TEST

START_TEST(test_growth_100k)
{
    mz_strmap *m = mz_strmap_new(1); /* forces many rehashes */
    char k[32];
    size_t bytes0 = mz_strmap_bytes(m);
    const int N = 100000;
    for (int i = 0; i < N; i++) {
        int l = snprintf(k, sizeof k, "key-%d", i);
        int ins = 0;
        ck_assert_int_eq(mz_strmap_intern(m, k, (size_t)l, i ^ 0x5a5a, &ins), i);
        ck_assert_int_eq(ins, 1);
    }
    ck_assert_uint_eq(mz_strmap_count(m), (size_t)N);
    ck_assert_uint_gt(mz_strmap_bytes(m), bytes0);
    for (int i = 0; i < N; i++) {
        int l = snprintf(k, sizeof k, "key-%d", i);
        int64_t f = mz_strmap_find(m, k, (size_t)l);
        if (f != i) ck_abort_msg("key-%d found at %lld", i, (long long)f);
        if (mz_strmap_value(m, (size_t)i) != (i ^ 0x5a5a)) ck_abort_msg("value of key-%d", i);
        size_t kl;
        const char *kk = mz_strmap_key(m, (size_t)i, &kl);
        if (kl != (size_t)l || memcmp(kk, k, kl) != 0) ck_abort_msg("key bytes of key-%d", i);
    }
    for (int i = N; i < N + 1000; i++) {
        int l = snprintf(k, sizeof k, "key-%d", i);
        ck_assert_int_eq(mz_strmap_find(m, k, (size_t)l), -1);
    }
    /* re-interning every key changes nothing */
    for (int i = 0; i < N; i += 997) {
        int l = snprintf(k, sizeof k, "key-%d", i);
        ck_assert_int_eq(mz_strmap_intern(m, k, (size_t)l, -1, NULL), i);
    }
    ck_assert_uint_eq(mz_strmap_count(m), (size_t)N);
    mz_strmap_free(m);
}
END_TEST

START_TEST(test_binary_keys_with_nul)
{
    mz_strmap *m = mz_strmap_new(16);
    ck_assert_int_eq(mz_strmap_intern(m, "a\0b", 3, 1, NULL), 0);
    ck_assert_int_eq(mz_strmap_intern(m, "a\0c", 3, 2, NULL), 1);
    ck_assert_int_eq(mz_strmap_intern(m, "a", 1, 3, NULL), 2);
    ck_assert_int_eq(mz_strmap_intern(m, "a\0", 2, 4, NULL), 3);
    ck_assert_int_eq(mz_strmap_intern(m, "\0\0\0\0", 4, 5, NULL), 4);
    ck_assert_int_eq(mz_strmap_intern(m, "\0\0\0", 3, 6, NULL), 5);
    ck_assert_uint_eq(mz_strmap_count(m), 6);
    ck_assert_int_eq(mz_strmap_find(m, "a\0b", 3), 0);
    ck_assert_int_eq(mz_strmap_find(m, "a\0c", 3), 1);
    ck_assert_int_eq(mz_strmap_find(m, "a\0", 2), 3);
    ck_assert_int_eq(mz_strmap_find(m, "\0\0\0\0", 4), 4);
    ck_assert_int_eq(mz_strmap_find(m, "\0\0", 2), -1);
    /* feature-style keys: a kind byte and int32 ids, many of them zero bytes */
    for (int32_t a = 0; a < 50; a++)
        for (int32_t b = 0; b < 50; b++) {
            unsigned char key[9] = {'b'};
            memcpy(key + 1, &a, 4);
            memcpy(key + 5, &b, 4);
            ck_assert_int_eq(mz_strmap_intern(m, key, 9, a * 50 + b, NULL), 6 + a * 50 + b);
        }
    for (int32_t a = 0; a < 50; a++)
        for (int32_t b = 0; b < 50; b++) {
            unsigned char key[9] = {'b'};
            memcpy(key + 1, &a, 4);
            memcpy(key + 5, &b, 4);
            int64_t f = mz_strmap_find(m, key, 9);
            ck_assert_int_eq(f, 6 + a * 50 + b);
            ck_assert_int_eq(mz_strmap_value(m, (size_t)f), a * 50 + b);
            key[0] = 'u'; /* same ids, other kind: absent */
            ck_assert_int_eq(mz_strmap_find(m, key, 9), -1);
        }
    mz_strmap_free(m);
}
END_TEST

START_TEST(test_empty_key)
{
    mz_strmap *m = mz_strmap_new(8);
    ck_assert_int_eq(mz_strmap_find(m, "", 0), -1);
    ck_assert_int_eq(mz_strmap_intern(m, "", 0, 42, NULL), 0);
    ck_assert_int_eq(mz_strmap_find(m, "", 0), 0);
    ck_assert_int_eq(mz_strmap_find(m, "xyz", 0), 0); /* length 0: the bytes do not matter */
    ck_assert_int_eq(mz_strmap_intern(m, "\0", 1, 1, NULL), 1);
    size_t kl = 9;
    mz_strmap_key(m, 0, &kl);
    ck_assert_uint_eq(kl, 0);
    mz_strmap_free(m);
}
END_TEST

START_TEST(test_keys_are_copied)
{
    mz_strmap *m = mz_strmap_new(8);
    char buf[64];
    for (int i = 0; i < 500; i++) { /* enough to grow the arena several times */
        int l = snprintf(buf, sizeof buf, "word%03d-%s", i, "كلمة");
        ck_assert_int_eq(mz_strmap_intern(m, buf, (size_t)l, i, NULL), i);
        memset(buf, 'X', sizeof buf); /* the caller reuses its buffer */
    }
    for (int i = 0; i < 500; i++) {
        int l = snprintf(buf, sizeof buf, "word%03d-%s", i, "كلمة");
        ck_assert_int_eq(mz_strmap_find(m, buf, (size_t)l), i);
    }
    memset(buf, 'X', 11);
    ck_assert_int_eq(mz_strmap_find(m, buf, 11), -1);
    mz_strmap_free(m);
}
END_TEST

START_TEST(test_clear_and_reuse)
{
    mz_strmap *m = mz_strmap_new(8);
    char k[32];
    for (int i = 0; i < 5000; i++) {
        int l = snprintf(k, sizeof k, "old%d", i);
        mz_strmap_intern(m, k, (size_t)l, i, NULL);
    }
    size_t bytes = mz_strmap_bytes(m);
    mz_strmap_clear(m);
    ck_assert_uint_eq(mz_strmap_count(m), 0);
    ck_assert_uint_eq(mz_strmap_bytes(m), bytes); /* allocations kept */
    for (int i = 0; i < 5000; i += 7) {
        int l = snprintf(k, sizeof k, "old%d", i);
        ck_assert_int_eq(mz_strmap_find(m, k, (size_t)l), -1);
    }
    /* numbering restarts at 0 and new keys read back correctly */
    for (int i = 0; i < 3000; i++) {
        int l = snprintf(k, sizeof k, "new-%d", i * 3);
        int ins = 0;
        ck_assert_int_eq(mz_strmap_intern(m, k, (size_t)l, -i, &ins), i);
        ck_assert_int_eq(ins, 1);
    }
    for (int i = 0; i < 3000; i++) {
        int l = snprintf(k, sizeof k, "new-%d", i * 3);
        ck_assert_int_eq(mz_strmap_find(m, k, (size_t)l), i);
        size_t kl;
        const char *kk = mz_strmap_key(m, (size_t)i, &kl);
        ck_assert_uint_eq(kl, (size_t)l);
        ck_assert_int_eq(memcmp(kk, k, kl), 0);
        ck_assert_int_eq(mz_strmap_value(m, (size_t)i), -i);
    }
    ck_assert_int_eq(mz_strmap_find(m, "old1", 4), -1);
    mz_strmap_free(m);
}
END_TEST

START_TEST(test_hash_deterministic)
{
    const char *a = "الولايات المتحدة";
    ck_assert_uint_eq(mz_hash_bytes(a, strlen(a)), mz_hash_bytes(a, strlen(a)));
    /* the length is part of the hash: a key and its zero-padded form differ */
    ck_assert_uint_ne(mz_hash_bytes("ab", 2), mz_hash_bytes("ab\0", 3));
    ck_assert_uint_ne(mz_hash_bytes("", 0), mz_hash_bytes("\0", 1));
    /* no collisions among 20k short keys (64-bit hash: collisions would
     * point to a broken mixer, not bad luck) */
    size_t n = 20000;
    uint64_t *h = malloc(n * sizeof *h);
    ck_assert_ptr_nonnull(h);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)i;
        h[i] = mz_hash_bytes(&v, 4);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < i + 64 && j < n; j++) ck_assert_uint_ne(h[i], h[j]);
    /* the low bits (the slot index) vary too */
    size_t low_same = 0;
    for (size_t i = 1; i < n; i++) low_same += (h[i] & 0xff) == (h[i - 1] & 0xff);
    ck_assert_uint_lt(low_same, n / 64);
    free(h);
}
END_TEST

Suite *suite_strmap(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_intern_find_basic);
    tcase_add_test(tc, test_insertion_order_and_keys);
    tcase_add_test(tc, test_growth_100k);
    tcase_add_test(tc, test_binary_keys_with_nul);
    tcase_add_test(tc, test_empty_key);
    tcase_add_test(tc, test_keys_are_copied);
    tcase_add_test(tc, test_clear_and_reuse);
    tcase_add_test(tc, test_hash_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
