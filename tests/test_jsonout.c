/* test_jsonout.c — the output buffer: numbers written without printf are
 * byte for byte what printf("%.*f") writes of the same rounded value, and
 * strings are escaped per RFC 8259; TSV cells hold no tab or line break. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

/* The reference: round to `decimals` places, no negative zero, printf. */
static void reference(double v, int decimals, char *out, size_t n)
{
    if (!isfinite(v)) v = 0;
    double r = pow(10, decimals);
    v = round(v * r) / r;
    if (v == 0) v = 0;
    snprintf(out, n, "%.*f", decimals, v);
}

static void same(double v, int decimals)
{
    char want[512];
    reference(v, decimals, want, sizeof want);
    mz_buf b = {0};
    mz_buf_num(&b, v, decimals);
    ck_assert_msg(b.s && !strcmp(b.s, want), "%.17g with %d places: got %s, printf %s", v, decimals,
                  b.s ? b.s : "(null)", want);
    mz_buf_free(&b);
}

START_TEST(test_num_matches_printf)
{
    static const double hand[] = {0, -0.0, 1, -1, 0.5, -0.5, 0.00005, -0.00005, 0.00004999, -0.00004999,
                                  0.12345, 0.99995, -0.99995, 1.00005, 123456.78905, 1e14, -1e14, 1e15, 1e300,
                                  -1e-300, 5e-324, NAN, INFINITY, -INFINITY, 0.1, 0.7, 2.675, 1.005};
    for (size_t i = 0; i < sizeof hand / sizeof *hand; i++)
        for (int d = 0; d <= 12; d++) same(hand[i], d);
    for (int i = 0; i < 60000; i++) {
        uint64_t bits = next();
        /* probabilities, scores and weights, plus ties at the last place */
        double v = ldexp((double)(bits >> 11), -53) * pow(10, (double)((int)(bits % 12) - 4));
        if (bits & 1) v = -v;
        if (i % 7 == 0) v = (double)((int64_t)(bits % 2000001) - 1000000) / 20000.0 + 0.00005;
        same(v, 1 + (int)(bits >> 60) % 9);
    }
}
END_TEST

START_TEST(test_string_escapes)
{
    mz_buf b = {0};
    const char s[] = "a\"b\\c\n\t\x01 \xd9\x85";
    mz_buf_json_str(&b, s, sizeof s - 1);
    ck_assert_str_eq(b.s, "\"a\\\"b\\\\c\\n\\t\\u0001 \xd9\x85\"");
    mz_buf_free(&b);
}
END_TEST

/* A TSV cell never splits a row (tab, CR, LF and other controls become
 * spaces) and is valid UTF-8 (a stray byte becomes U+FFFD, as in JSON
 * strings); Arabic, quotes and backslashes pass as they are. */
START_TEST(test_tsv_cells)
{
    mz_buf b = {0};
    const char s[] = "a\tb\r\nc\x01\x7f\"d\\ \xd9\x85\xff!";
    mz_buf_tsv_cell(&b, s, sizeof s - 1);
    ck_assert_str_eq(b.s, "a b  c  \"d\\ \xd9\x85\xef\xbf\xbd!");
    mz_buf_reset(&b);
    mz_buf_json_str(&b, "\xff", 1);
    ck_assert_str_eq(b.s, "\"\xef\xbf\xbd\"");
    mz_buf_free(&b);
}
END_TEST

/* A row's cells that open with a double quote are quoted as RFC 4180
 * quotes a field, so that a spreadsheet reads the row as it was written;
 * a quote elsewhere in a cell stays as it is. */
START_TEST(test_tsv_row_quoting)
{
    mz_buf b = {0};
    mz_buf_puts(&b, "before\n");
    size_t row = b.n;
    mz_buf_puts(&b, "\"quoted\" title\ta \"b\"\t\t\"\t\"x\n");
    mz_buf_tsv_quote_row(&b, row);
    ck_assert_str_eq(b.s, "before\n\"\"\"quoted\"\" title\"\ta \"b\"\t\t\"\"\"\"\t\"\"\"x\"\n");
    /* a row with no such cell is left alone */
    mz_buf_reset(&b);
    mz_buf_puts(&b, "a\tb \"c\"\n");
    mz_buf_tsv_quote_row(&b, 0);
    ck_assert_str_eq(b.s, "a\tb \"c\"\n");
    mz_buf_free(&b);
}
END_TEST

/* Cells count code points: an Arabic word of five letters (ten bytes)
 * pads like an ASCII one of five; a cut never splits a letter. */
START_TEST(test_cells_by_code_point)
{
    static const char *const ar = "\u0645\u0648\u0636\u0648\u0639"; /* five letters */
    mz_buf b = {0};
    mz_buf_cell(&b, ar, 8, 0, 0);
    mz_buf_puts(&b, "|");
    mz_buf_cell(&b, "topic", 8, 0, 0);
    mz_buf_puts(&b, "|");
    ck_assert_str_eq(b.s, "\u0645\u0648\u0636\u0648\u0639   |topic   |");
    mz_buf_reset(&b);
    mz_buf_cell(&b, ar, 3, 1, 0); /* cut to three letters */
    mz_buf_puts(&b, "|");
    mz_buf_cell(&b, ar, 7, 1, 1); /* right-aligned */
    mz_buf_puts(&b, "|");
    mz_buf_cell(&b, ar, 3, 0, 0); /* no cut: whole, no padding */
    ck_assert_str_eq(b.s, "\u0645\u0648\u0636|  \u0645\u0648\u0636\u0648\u0639|\u0645\u0648\u0636\u0648\u0639");
    mz_buf_reset(&b);
    mz_buf_cell(&b, "", 2, 1, 0);
    ck_assert_str_eq(b.s, "  ");
    mz_buf_free(&b);
}
END_TEST


Suite *suite_jsonout(void)
{
    Suite *s = suite_create("jsonout");
    TCase *tc = tcase_create("buf");
    tcase_set_timeout(tc, 60); /* the sanitizer build is ~10x slower */
    tcase_add_test(tc, test_num_matches_printf);
    tcase_add_test(tc, test_string_escapes);
    tcase_add_test(tc, test_tsv_cells);
    tcase_add_test(tc, test_tsv_row_quoting);
    tcase_add_test(tc, test_cells_by_code_point);
    suite_add_tcase(s, tc);
    return s;
}
