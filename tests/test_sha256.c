/* test_sha256.c — FIPS 180-4 vectors, split-point independence, files. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "testutil.h"

static const char *HEX_EMPTY =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char *HEX_ABC =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char *MSG_448 =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char *HEX_448 =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
static const char *HEX_MILLION_A =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

static void hex_of(mz_sha256 *c, char hex[65])
{
    unsigned char d[32];
    mz_sha256_final(c, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

START_TEST(test_vector_empty)
{
    char hex[65];
    mz_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, HEX_EMPTY);
    mz_sha256_hex(NULL, 0, hex);
    ck_assert_str_eq(hex, HEX_EMPTY);
}
END_TEST

START_TEST(test_vector_abc)
{
    char hex[65];
    mz_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, HEX_ABC);
    ck_assert_uint_eq(strlen(hex), 64);
}
END_TEST

START_TEST(test_vector_448)
{
    char hex[65];
    ck_assert_uint_eq(strlen(MSG_448), 56);
    mz_sha256_hex(MSG_448, strlen(MSG_448), hex);
    ck_assert_str_eq(hex, HEX_448);
}
END_TEST

START_TEST(test_vector_million_a)
{
    char hex[65];
    size_t n = 1000000;
    char *a = malloc(n);
    ck_assert_ptr_nonnull(a);
    memset(a, 'a', n);
    mz_sha256_hex(a, n, hex);
    ck_assert_str_eq(hex, HEX_MILLION_A);

    /* Same digest fed in odd-sized chunks that straddle block edges. */
    mz_sha256 c;
    mz_sha256_init(&c);
    size_t off = 0, step = 1;
    while (off < n) {
        size_t k = step < n - off ? step : n - off;
        mz_sha256_update(&c, a + off, k);
        off += k;
        step = step * 7 % 1031 + 1;
    }
    hex_of(&c, hex);
    ck_assert_str_eq(hex, HEX_MILLION_A);
    free(a);
}
END_TEST

/* Lengths around the padding boundary (55/56 bytes: length field fits or
 * spills into an extra block; 63/64/65: block edge). */
START_TEST(test_padding_boundaries)
{
    static const struct {
        size_t n;
        const char *hex;
    } v[] = {
        {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
        {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
        {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
        {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
        {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
        {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
        {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
    };
    char buf[128], hex[65];
    memset(buf, 'x', sizeof buf);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        mz_sha256_hex(buf, v[i].n, hex);
        ck_assert_msg(strcmp(hex, v[i].hex) == 0, "len %zu: got %s", v[i].n,
                      hex);
    }
}
END_TEST

/* Every split of a 200-byte message into two or three updates gives the
 * one-shot digest. */
START_TEST(test_split_points)
{
    unsigned char msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 37 + 11);
    char want[65], got[65];
    mz_sha256_hex(msg, sizeof msg, want);
    for (size_t a = 0; a <= sizeof msg; a++) {
        size_t b = a + (sizeof msg - a) / 2;
        mz_sha256 c;
        mz_sha256_init(&c);
        mz_sha256_update(&c, msg, a);
        mz_sha256_update(&c, msg + a, b - a);
        mz_sha256_update(&c, msg + b, 0);
        mz_sha256_update(&c, msg + b, sizeof msg - b);
        hex_of(&c, got);
        ck_assert_msg(strcmp(got, want) == 0, "split at %zu/%zu", a, b);
    }
    /* One different byte changes the digest. */
    msg[199] ^= 1;
    mz_sha256_hex(msg, sizeof msg, got);
    ck_assert_str_ne(got, want);
}
END_TEST

START_TEST(test_arabic_utf8)
{
    char hex[65];
    const char *w = "مرحبا";
    mz_sha256_hex(w, strlen(w), hex);
    ck_assert_str_eq(
        hex, "80eff1a750bb540045622ad23c148c8875790515e3f768c77d5dff8c1d221b49");
}
END_TEST

START_TEST(test_file)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/mz_sha256_XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    /* 1,000,000 'a' written in uneven pieces; larger than the read chunk. */
    char a[4099];
    memset(a, 'a', sizeof a);
    size_t left = 1000000;
    while (left) {
        size_t k = left < sizeof a ? left : sizeof a;
        ck_assert_int_eq(write(fd, a, k), (ssize_t)k);
        left -= k;
    }
    close(fd);

    char hex[65];
    mz_err e = {{0}};
    int rc = mz_sha256_file(path, hex, &e);
    unlink(path);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_str_eq(hex, HEX_MILLION_A);
}
END_TEST

START_TEST(test_file_empty_and_missing)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/mz_sha256_XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char hex[65];
    mz_err e = {{0}};
    ck_assert_int_eq(mz_sha256_file(path, hex, &e), 0);
    ck_assert_str_eq(hex, HEX_EMPTY);
    unlink(path);

    ck_assert_int_eq(mz_sha256_file(path, hex, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, path));
    ck_assert_int_eq(mz_sha256_file(path, hex, NULL), -1);
}
END_TEST

/* The CPU's SHA instructions (where present) and the portable code agree
 * on every length up to a few blocks, whatever the bytes. */
START_TEST(test_paths_agree)
{
    unsigned char msg[300];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < sizeof msg; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        msg[i] = (unsigned char)x;
    }
    for (size_t n = 0; n <= sizeof msg; n++) {
        char fast[65], slow[65];
        mz_sha256_portable(0);
        mz_sha256_hex(msg, n, fast);
        mz_sha256_portable(1);
        mz_sha256_hex(msg, n, slow);
        ck_assert_msg(strcmp(fast, slow) == 0, "len %zu: %s vs %s", n, fast, slow);
    }
    mz_sha256_portable(0);
}
END_TEST

static void portable_on(void) { mz_sha256_portable(1); }
static void portable_off(void) { mz_sha256_portable(0); }

Suite *suite_sha256(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* the sanitizer build, on a loaded machine, is far slower */
    tcase_add_test(tc, test_vector_empty);
    tcase_add_test(tc, test_vector_abc);
    tcase_add_test(tc, test_vector_448);
    tcase_add_test(tc, test_vector_million_a);
    tcase_add_test(tc, test_padding_boundaries);
    tcase_add_test(tc, test_split_points);
    tcase_add_test(tc, test_arabic_utf8);
    tcase_add_test(tc, test_file);
    tcase_add_test(tc, test_file_empty_and_missing);
    tcase_add_test(tc, test_paths_agree);
    suite_add_tcase(s, tc);
    /* the known-answer vectors again through the portable code alone */
    TCase *tp = tcase_create("portable");
    tcase_set_timeout(tp, 60);
    tcase_add_checked_fixture(tp, portable_on, portable_off);
    tcase_add_test(tp, test_vector_abc);
    tcase_add_test(tp, test_vector_448);
    tcase_add_test(tp, test_vector_million_a);
    tcase_add_test(tp, test_padding_boundaries);
    tcase_add_test(tp, test_split_points);
    suite_add_tcase(s, tp);
    return s;
}
