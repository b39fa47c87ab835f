/* test_utf8.c — strict UTF-8: every rejection reason, exact offsets, the
 * ASCII fast path at every alignment, and an exhaustive cross-check of all
 * one- to three-byte sequences against a simple reference decoder. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "utf8.h"

/* Expect s[0..n) to be rejected at off with reason why. */
#define BAD(s, n, off, reason)                                              \
    do {                                                                    \
        size_t bo_ = (size_t)-1;                                            \
        const char *w_ = NULL;                                              \
        ck_assert_int_eq(mz_utf8_check((s), (n), &bo_, &w_), -1);           \
        ck_assert_uint_eq(bo_, (off));                                      \
        ck_assert_ptr_nonnull(w_);                                          \
        ck_assert_str_eq(w_, (reason));                                     \
    } while (0)

#define GOOD(s, n) ck_assert_int_eq(mz_utf8_check((s), (n), NULL, NULL), 0)

START_TEST(test_valid_ascii_and_empty)
{
    GOOD("", 0);
    GOOD(NULL, 0);
    const char *t = "The quick brown fox jumps over the lazy dog 0123456789!";
    GOOD(t, strlen(t));
    /* n bounds the scan: a bad byte past n is not seen. */
    GOOD("ab\xff", 2);
}
END_TEST

START_TEST(test_valid_arabic)
{
    const char *words[] = {
        "مرحبا بالعالم",
        "السلام عليكم ورحمة الله",
        "وزارة الخارجية تصدر بيانا حول المفاوضات",
        "اقتصاد، رياضة، ثقافة؛ سياسة؟",
        "العدد ١٢٣ والعدد 456",               /* Arabic-Indic digits */
        "كتب الطالبُ الدرسَ",                 /* with harakat */
        "Reuters: قال الرئيس إن الاتفاق \"تاريخي\"",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t bo = 99;
        const char *why = NULL;
        ck_assert_msg(mz_utf8_check(words[i], strlen(words[i]), &bo, &why) == 0,
                      "word %zu rejected at %zu: %s", i, bo,
                      why ? why : "?");
    }
    /* Each Arabic letter is two bytes; cutting one in half is truncated. */
    const char *w = "سلام";
    ck_assert_uint_eq(strlen(w), 8);
    BAD(w, 7, 6, "truncated sequence");
    BAD(w + 1, 7, 0, "invalid start byte");
}
END_TEST

START_TEST(test_valid_emoji_and_boundaries)
{
    GOOD("\xF0\x9F\x98\x80", 4);            /* U+1F600 grinning face */
    {
        const char *t = "news \xF0\x9F\x93\xB0 أخبار"; /* U+1F4F0 */
        GOOD(t, strlen(t));
    }
    GOOD("\xC2\x80", 2);                    /* U+0080, smallest 2-byte */
    GOOD("\xDF\xBF", 2);                    /* U+07FF */
    GOOD("\xE0\xA0\x80", 3);                /* U+0800, smallest 3-byte */
    GOOD("\xED\x9F\xBF", 3);                /* U+D7FF, just below surrogates */
    GOOD("\xEE\x80\x80", 3);                /* U+E000, just above */
    GOOD("\xEF\xBF\xBF", 3);                /* U+FFFF */
    GOOD("\xEF\xBB\xBF", 3);                /* U+FEFF BOM is a code point */
    GOOD("\xF0\x90\x80\x80", 4);            /* U+10000 */
    GOOD("\xF4\x8F\xBF\xBF", 4);            /* U+10FFFF */
    GOOD("\x7F", 1);
}
END_TEST

START_TEST(test_overlong)
{
    BAD("\xC0\x80", 2, 0, "overlong encoding");         /* NUL as 2 bytes */
    BAD("ab\xC1\xBF", 4, 2, "overlong encoding");       /* U+007F */
    BAD("\xE0\x80\x80", 3, 0, "overlong encoding");
    BAD("x\xE0\x9F\xBF", 4, 1, "overlong encoding");    /* U+07FF */
    BAD("\xF0\x80\x80\x80", 4, 0, "overlong encoding");
    BAD("\xF0\x8F\xBF\xBF", 4, 0, "overlong encoding"); /* U+FFFF */
    BAD("\xC0\xAF", 2, 0, "overlong encoding");         /* classic '/' */
}
END_TEST

START_TEST(test_surrogate)
{
    BAD("\xED\xA0\x80", 3, 0, "surrogate code point");     /* U+D800 */
    BAD("ok \xED\xBF\xBF", 6, 3, "surrogate code point");  /* U+DFFF */
    BAD("\xED\xB0\x80", 3, 0, "surrogate code point");     /* U+DC00 */
    /* CESU-8 style pair for U+1F600 */
    BAD("\xED\xA0\xBD\xED\xB8\x80", 6, 0, "surrogate code point");
}
END_TEST

START_TEST(test_truncated)
{
    BAD("\xD8", 1, 0, "truncated sequence");
    BAD("abc\xE2\x82", 5, 3, "truncated sequence");
    BAD("\xF0\x9F\x98", 3, 0, "truncated sequence");
    BAD("\xD8\x41", 2, 0, "truncated sequence");         /* next is ASCII */
    BAD("\xE2\x82\x41", 3, 0, "truncated sequence");
    BAD("\xF0\x9F\x98\xD8\xB3", 5, 0, "truncated sequence");
    BAD("\xD8\xD8\xB3", 3, 0, "truncated sequence");     /* lead after lead */
    /* Complete at n+1 but n cuts it. */
    BAD("\xF0\x9F\x98\x80", 3, 0, "truncated sequence");
}
END_TEST

START_TEST(test_invalid_start)
{
    BAD("\x80", 1, 0, "invalid start byte");
    BAD("ab\xBF", 3, 2, "invalid start byte");
    BAD("\xF8\x88\x80\x80\x80", 5, 0, "invalid start byte");
    BAD("\xFC", 1, 0, "invalid start byte");
    BAD("\xFE", 1, 0, "invalid start byte");
    BAD("\xFF", 1, 0, "invalid start byte");
    /* Latin-1 text mistaken for UTF-8: é followed by ASCII. */
    BAD("caf\xE9 ", 5, 3, "truncated sequence");
    /* A stray continuation after a complete Arabic letter. */
    BAD("\xD8\xB3\xB3", 3, 2, "invalid start byte");
}
END_TEST

START_TEST(test_above_max)
{
    BAD("\xF4\x90\x80\x80", 4, 0, "code point above U+10FFFF"); /* U+110000 */
    BAD("a\xF5\x80\x80\x80", 5, 1, "code point above U+10FFFF");
    BAD("\xF7\xBF\xBF\xBF", 4, 0, "code point above U+10FFFF"); /* U+1FFFFF */
}
END_TEST

START_TEST(test_nul)
{
    BAD("\0", 1, 0, "NUL byte");
    BAD("ab\0c", 4, 2, "NUL byte");
    BAD("مرحبا\0", 11, 10, "NUL byte");
}
END_TEST

/* Plant one bad byte (or NUL) at every position of long ASCII and Arabic
 * buffers: the fast path must never skip it or misreport the offset. */
START_TEST(test_fast_path_offsets)
{
    enum { N = 300 };
    char buf[N];
    for (size_t pos = 0; pos < N; pos++) {
        memset(buf, 'a', N);
        GOOD(buf, N);
        buf[pos] = (char)0x80;
        BAD(buf, N, pos, "invalid start byte");
        buf[pos] = '\0';
        BAD(buf, N, pos, "NUL byte");
        buf[pos] = 0x7F;
        GOOD(buf, N);
        /* Every prefix length too, so the tail (<8 bytes) path is covered. */
        buf[pos] = (char)0xC3;
        BAD(buf, pos + 1, pos, "truncated sequence");
    }
    /* Bad byte after a long Arabic run mixed with spaces. */
    const char *w = "خبر عاجل ";
    size_t wl = strlen(w), reps = 40, n = wl * reps;
    char *t = malloc(n + 1);
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < reps; i++)
        memcpy(t + i * wl, w, wl);
    GOOD(t, n);
    for (size_t pos = 0; pos < n; pos += 7) {
        char save = t[pos];
        t[pos] = (char)0xFF;
        if ((save & 0xC0) == 0x80) /* clobbered a letter's second byte */
            BAD(t, n, pos - 1, "truncated sequence");
        else
            BAD(t, n, pos, "invalid start byte");
        t[pos] = save;
    }
    free(t);
}
END_TEST

/* Reference: decode by the book, one sequence at a time. */
static int ref_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], len;
        unsigned long cp;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
        else return 0;
        if (n - i < len)
            return 0;
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

START_TEST(test_exhaustive_short_sequences)
{
    unsigned char b[3];
    for (unsigned x = 0; x < 256; x++) {
        b[0] = (unsigned char)x;
        ck_assert_int_eq(mz_utf8_check((char *)b, 1, NULL, NULL) == 0,
                         ref_valid(b, 1));
        for (unsigned y = 0; y < 256; y++) {
            b[1] = (unsigned char)y;
            ck_assert_msg((mz_utf8_check((char *)b, 2, NULL, NULL) == 0) ==
                              ref_valid(b, 2),
                          "%02x %02x", x, y);
        }
    }
    /* All three-byte sequences with a 3-byte lead. */
    for (unsigned x = 0xE0; x <= 0xEF; x++)
        for (unsigned y = 0; y < 256; y++)
            for (unsigned z = 0; z < 256; z++) {
                b[0] = (unsigned char)x;
                b[1] = (unsigned char)y;
                b[2] = (unsigned char)z;
                /* Plain if: ck_assert marks a checkpoint per call, which
                 * costs a syscall each in fork mode. */
                if ((mz_utf8_check((char *)b, 3, NULL, NULL) == 0) !=
                    ref_valid(b, 3))
                    ck_abort_msg("%02x %02x %02x", x, y, z);
            }
}
END_TEST

/* Where a by-the-book scan stops: the start of the first bad sequence,
 * or n when there is none. */
static size_t ref_first_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len = s[i] < 0x80 ? 1 : s[i] < 0xE0 ? 2 : s[i] < 0xF0 ? 3 : 4;
        if (len > n - i || !ref_valid(s + i, len)) return i;
        i += len;
    }
    return n;
}

/* Runs of ASCII and two-byte letters go eight bytes at a time: one bad
 * byte at any place in or around such a run, at any alignment, is found
 * where a scan by the book finds it. */
START_TEST(test_two_byte_runs)
{
    static const unsigned char subst[] = {0x00, 0x20, 0x41, 0x7F, 0x80, 0xA7, 0xBF, 0xC0,
                                          0xC1, 0xC2, 0xD8, 0xDF, 0xE0, 0xED, 0xF0, 0xFF};
    unsigned char b[64];
    for (size_t pre = 0; pre < 4; pre++)
        for (size_t chars = 1; chars <= 20; chars++) {
            size_t n = 0;
            for (size_t k = 0; k < pre; k++) b[n++] = 'x';
            for (size_t k = 0; k < chars; k++) {
                if (k % 5 == 4) { /* a space now and then, as between words */
                    b[n++] = ' ';
                    continue;
                }
                b[n++] = k % 3 ? 0xD8 : 0xD9; /* ب / ل-range letters */
                b[n++] = (unsigned char)(0x84 + k % 40);
            }
            b[n++] = ' ';
            GOOD((char *)b, n);
            for (size_t pos = 0; pos < n; pos++)
                for (size_t v = 0; v < sizeof subst; v++) {
                    unsigned char save = b[pos];
                    b[pos] = subst[v];
                    size_t want = ref_first_bad(b, n), got = (size_t)-1;
                    int rc = mz_utf8_check((char *)b, n, &got, NULL);
                    if ((rc == 0) != (want == n) || (rc != 0 && got != want))
                        ck_abort_msg("pre %zu chars %zu: byte %zu = %02x: rc %d at %zu, want %zu", pre, chars,
                                     pos, subst[v], rc, got, want);
                    b[pos] = save;
                }
        }
}
END_TEST

/* Encode every code point; only surrogates (and U+0000) may be rejected. */
START_TEST(test_every_code_point)
{
    unsigned char b[4];
    for (unsigned long cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n;
        if (cp < 0x80) {
            b[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (unsigned char)(0xC0 | cp >> 6);
            b[1] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (unsigned char)(0xE0 | cp >> 12);
            b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            b[0] = (unsigned char)(0xF0 | cp >> 18);
            b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            b[3] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 4;
        }
        const char *why = NULL;
        size_t bo = 99;
        int rc = mz_utf8_check((char *)b, n, &bo, &why);
        if (cp == 0) {
            ck_assert_int_eq(rc, -1);
            ck_assert_str_eq(why, "NUL byte");
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            ck_assert_int_eq(rc, -1);
            ck_assert_uint_eq(bo, 0);
            ck_assert_str_eq(why, "surrogate code point");
        } else if (rc != 0) {
            ck_abort_msg("U+%04lX rejected: %s", cp, why);
        }
    }
}
END_TEST

Suite *suite_utf8(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_valid_ascii_and_empty);
    tcase_add_test(tc, test_valid_arabic);
    tcase_add_test(tc, test_valid_emoji_and_boundaries);
    tcase_add_test(tc, test_overlong);
    tcase_add_test(tc, test_surrogate);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_invalid_start);
    tcase_add_test(tc, test_above_max);
    tcase_add_test(tc, test_nul);
    tcase_add_test(tc, test_fast_path_offsets);
    tcase_add_test(tc, test_two_byte_runs);
    tcase_add_test(tc, test_exhaustive_short_sequences);
    tcase_add_test(tc, test_every_code_point);
    suite_add_tcase(s, tc);
    return s;
}
