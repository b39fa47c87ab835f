/* test_numparse.c — mz_parse_double gives strtod's value on every input it
 * accepts, and refuses what a model file must not contain. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static void same_as_strtod(const char *s)
{
    double got, want = strtod(s, NULL);
    ck_assert_msg(mz_parse_double(s, strlen(s), &got) == 0, "refused %s", s);
    ck_assert_msg(memcmp(&got, &want, sizeof got) == 0, "%s: %.17g vs strtod %.17g", s, got, want);
}

/* Random doubles written the ways the bundles write them (%.8g weights,
 * %.17g coefficients), plus short and long hand-made decimals. */
START_TEST(test_matches_strtod)
{
    static const char *fmt[] = {"%.8g", "%.17g", "%.15g", "%.3g", "%g", "%.16e"};
    char buf[64];
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = next();
        double x;
        if (i % 2) {
            x = ldexp((double)(bits >> 11), -53) * pow(10, (double)((int)(bits % 40) - 20));
            if (bits & 1) x = -x;
        } else {
            memcpy(&x, &bits, sizeof x);
            if (!isfinite(x)) continue;
        }
        snprintf(buf, sizeof buf, fmt[i % 6], x);
        same_as_strtod(buf);
    }
    static const char *hand[] = {"0", "-0", "+0", "0.0", "00012", "1.", ".5", "-.5e-3", "1e22", "1e23",
                                 "9007199254740993", "123456789012345", "1234567890123456",
                                 "0.000000000000000000000001", "1E5", "4.9406564584124654e-324",
                                 "2.2250738585072011e-308", "1.7976931348623157e308", "0x1p3",
                                 "0.30000000000000004", "999999999999999.9", "1e-22", "3e-23"};
    for (size_t i = 0; i < sizeof hand / sizeof *hand; i++) same_as_strtod(hand[i]);
    /* -0 keeps its sign */
    double z;
    ck_assert_int_eq(mz_parse_double("-0", 2, &z), 0);
    ck_assert(signbit(z));
}
END_TEST

START_TEST(test_refuses)
{
    static const char *bad[] = {"", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1 ", " 1", "1x", "--1",
                                "inf", "-inf", "nan", "1e999", "-1e400",
                                "1234567890123456789012345678901234567890123456789012345678901234"};
    double v = 42;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(mz_parse_double(bad[i], strlen(bad[i]), &v) == -1, "accepted '%s'", bad[i]);
    ck_assert(v == 42);
    /* the length bounds the parse: "12" of "123" */
    ck_assert_int_eq(mz_parse_double("123", 2, &v), 0);
    ck_assert(v == 12);
}
END_TEST

/* The prefix reader, where a separator follows where it stops, gives
 * exactly what mz_parse_double gives on the whole token, or declines; it
 * never takes a token mz_parse_double refuses. */
START_TEST(test_prefix_agrees)
{
    static const char *fmt[] = {"%.8g", "%.17g", "%.3g", "%g"};
    static const char *hand[] = {"0", "-0", "1.", ".5", "1e22", "1e23", "123456789012345", "1234567890123456",
                                 "e5", "1e", "1e+", "1.2.3", "1x", "--1", "nan", "-", "",
                                 "000000000000000000000000000000000000000000000000000000000000000001",
                                 "0.000000000000000000000001"};
    char tok[80], line[96];
    for (int i = 0; i < 100000 + (int)(sizeof hand / sizeof *hand); i++) {
        if (i < (int)(sizeof hand / sizeof *hand)) snprintf(tok, sizeof tok, "%s", hand[i]);
        else {
            uint64_t bits = next();
            double x = ldexp((double)(bits >> 11), -53) * pow(10, (double)((int)(bits % 30) - 15));
            snprintf(tok, sizeof tok, fmt[i % 4], bits & 1 ? -x : x);
        }
        size_t n = strlen(tok);
        for (int sep = 0; sep < 3; sep++) {
            snprintf(line, sizeof line, "%s%s", tok, sep == 0 ? " 7:1" : sep == 1 ? ":2" : "");
            double whole = 0, pre = 0;
            const char *stop = NULL;
            int w = mz_parse_double(tok, n, &whole);
            const char *end = line + strlen(line);
            /* taken as svmfile.c takes it: where a separator or the end follows */
            if (mz_parse_double_prefix(line, end, &pre, &stop) && (stop == end || *stop == ' ' || *stop == ':')) {
                ck_assert_msg(stop == line + n, "%s: stopped at %td of %zu", line, stop - line, n);
                ck_assert_msg(w == 0, "took '%s', which the whole parse refuses", tok);
                ck_assert_msg(memcmp(&pre, &whole, sizeof pre) == 0, "%s: %.17g vs %.17g", tok, pre, whole);
            }
        }
    }
}
END_TEST

Suite *suite_numparse(void)
{
    Suite *s = suite_create("numparse");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* the sanitizer build, on a loaded machine, is far slower */
    tcase_add_test(tc, test_matches_strtod);
    tcase_add_test(tc, test_refuses);
    tcase_add_test(tc, test_prefix_agrees);
    suite_add_tcase(s, tc);
    return s;
}
