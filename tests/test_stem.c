/* test_stem.c — light stemming through mz_stem: the project's و/ف + ال fix
 * (conjunction + article must stem like the bare article form), agreement
 * with Snowball everywhere else, non-Arabic tokens untouched, and a stem that
 * is never empty. */
#include <check.h>
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "stem.h"
#include "testutil.h"

static mz_stemmer *st;
static struct sb_stemmer *ref; /* plain Snowball, for comparison */

static void setup(void)
{
    mz_err e = {{0}};
    st = mz_stemmer_new(&e);
    ck_assert_msg(st != NULL, "stemmer: %s", e.msg);
    ref = sb_stemmer_new("arabic", "UTF_8");
    ck_assert_ptr_nonnull(ref);
}

static void teardown(void)
{
    mz_stemmer_free(st);
    sb_stemmer_delete(ref);
    st = NULL;
    ref = NULL;
}

/* mz_stem of s as a malloc'd string. */
static char *stem(const char *s)
{
    size_t ol = 0;
    const char *o = mz_stem(st, s, strlen(s), &ol);
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_gt(ol, 0);
    char *r = strndup(o, ol);
    ck_assert_ptr_nonnull(r);
    return r;
}

static char *snowball(const char *s)
{
    const sb_symbol *o = sb_stemmer_stem(ref, (const sb_symbol *)s, (int)strlen(s));
    ck_assert_ptr_nonnull(o);
    return strndup((const char *)o, (size_t)sb_stemmer_length(ref));
}

#define SAME_STEM(a, b)                                                                  \
    do {                                                                                 \
        char *x_ = stem(a), *y_ = stem(b);                                               \
        ck_assert_msg(strcmp(x_, y_) == 0, "stem(%s) = %s but stem(%s) = %s", (a), x_,   \
                      (b), y_);                                                          \
        free(x_);                                                                        \
        free(y_);                                                                        \
    } while (0)

START_TEST(test_waw_fa_article_fix)
{
    /* normalised forms: hamza on ya is kept by the normaliser */
    SAME_STEM("الرئيس", "والرئيس");
    SAME_STEM("الرئيس", "فالرئيس");
    SAME_STEM("الحكومة", "والحكومة");
    SAME_STEM("الاقتصاد", "فالاقتصاد");
    SAME_STEM("المباراة", "والمباراة");
    /* the fix exists because Snowball alone does not do this */
    char *a = snowball("الرئيس"), *b = snowball("والرئيس");
    ck_assert_str_ne(a, b);
    free(a);
    free(b);
    /* and the stem is the bare word's Snowball stem, not something new */
    char *m = stem("والرئيس"), *s = snowball("الرئيس");
    ck_assert_str_eq(m, s);
    free(m);
    free(s);
}
END_TEST

START_TEST(test_bare_and_other_clitics_follow_snowball)
{
    /* Without و/ف + ال the result is exactly Snowball's. */
    const char *words[] = {"الرئيس", "بالرئيس", "للرئيس", "كالرئيس", "رئيس", "المعلمون", "الكتاب", "وزير",
                           "فرنسا",  "واشنطن",  "والي",   "فال",     "وال",  "ولد",      "فلسطين", "مدرسة"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char *m = stem(words[i]), *s = snowball(words[i]);
        if (*s) ck_assert_msg(strcmp(m, s) == 0, "%s: mz %s, snowball %s", words[i], m, s);
        free(m);
        free(s);
    }
    /* Snowball strips ال after ب itself, so these already agree */
    SAME_STEM("الرئيس", "بالرئيس");
}
END_TEST

START_TEST(test_waw_fix_needs_two_letters_after_article)
{
    /* والي (governor) and وال are not و + ال + word: no stripping */
    char *m = stem("والي"), *s = snowball("والي");
    ck_assert_str_eq(m, s);
    free(m);
    free(s);
    m = stem("والد");
    s = snowball("والد");
    ck_assert_str_eq(m, s);
    free(m);
    free(s);
    /* with two letters after ال the conjunction is dropped */
    m = stem("والقدس");
    s = snowball("القدس");
    ck_assert_str_eq(m, s);
    free(m);
    free(s);
}
END_TEST

START_TEST(test_non_arabic_unchanged)
{
    const char *words[] = {"reuters", "2018", "nato", "москва", "αθηνα", "covid19", "x"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t ol = 0;
        const char *o = mz_stem(st, words[i], strlen(words[i]), &ol);
        ck_assert_uint_eq(ol, strlen(words[i]));
        ck_assert_int_eq(memcmp(o, words[i], ol), 0);
        /* returned as is: the very same bytes, no copy */
        ck_assert_ptr_eq(o, words[i]);
    }
}
END_TEST

START_TEST(test_never_empty)
{
    /* short tokens made of clitic letters are where a stemmer can strip all */
    const char *words[] = {"و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "لل", "ولل", "كال",
                           "ها", "هم", "ون", "ات", "ين", "ية", "وا", "ي", "ة", "ت", "فب", "وبال"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t ol = 99;
        const char *o = mz_stem(st, words[i], strlen(words[i]), &ol);
        ck_assert_ptr_nonnull(o);
        ck_assert_msg(ol > 0, "empty stem for %s", words[i]);
        ck_assert_uint_le(ol, strlen(words[i]));
    }
    /* every two-letter combination of the Arabic alphabet */
    for (unsigned a = 0x0621; a <= 0x064A; a++)
        for (unsigned b = 0x0621; b <= 0x064A; b++) {
            if ((a > 0x063A && a < 0x0641) || (b > 0x063A && b < 0x0641)) continue;
            char w[5] = {(char)(0xC0 | (a >> 6)), (char)(0x80 | (a & 0x3F)), (char)(0xC0 | (b >> 6)),
                         (char)(0x80 | (b & 0x3F)), 0};
            size_t ol = 0;
            const char *o = mz_stem(st, w, 4, &ol);
            ck_assert_ptr_nonnull(o);
            ck_assert_msg(ol > 0, "empty stem for U+%04X U+%04X", a, b);
        }
}
END_TEST

START_TEST(test_stem_is_stable_and_not_nul_dependent)
{
    /* the input need not be NUL-terminated: stem a prefix of a longer buffer */
    const char *buf = "والرئيسXXXX";
    size_t n = strlen("والرئيس");
    size_t ol = 0;
    const char *o = mz_stem(st, buf, n, &ol);
    char *a = strndup(o, ol);
    char *b = stem("الرئيس");
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    /* the same token twice gives the same stem (buffer reuse is harmless) */
    char *x = stem("المعلمون"), *y = stem("الكتاب"), *z = stem("المعلمون");
    ck_assert_str_eq(x, z);
    ck_assert_str_ne(x, y);
    free(x);
    free(y);
    free(z);
}
END_TEST

START_TEST(test_stems_of_normalised_text)
{
    /* the path the engine takes: normalise, then stem — hamzated spellings of
     * the same word end up as one feature */
    mz_err e = {{0}};
    mz_normalizer *nz = mz_normalizer_new(&e);
    ck_assert_ptr_nonnull(nz);
    const char *forms[] = {"الأمريكية", "والأمريكية", "الامريكية", "فالأَمريكيّة"};
    char *first = NULL;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char *n = NULL;
        size_t nl = 0;
        ck_assert_int_eq(mz_normalize_utf8(nz, forms[i], strlen(forms[i]), &n, &nl, &e), 0);
        char *s = stem(n);
        if (!first) first = s;
        else {
            ck_assert_msg(strcmp(first, s) == 0, "%s: %s != %s", forms[i], s, first);
            free(s);
        }
        free(n);
    }
    free(first);
    mz_normalizer_free(nz);
}
END_TEST

Suite *suite_stem(void)
{
    Suite *s = suite_create("stem");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_waw_fa_article_fix);
    tcase_add_test(tc, test_bare_and_other_clitics_follow_snowball);
    tcase_add_test(tc, test_waw_fix_needs_two_letters_after_article);
    tcase_add_test(tc, test_non_arabic_unchanged);
    tcase_add_test(tc, test_never_empty);
    tcase_add_test(tc, test_stem_is_stable_and_not_nul_dependent);
    tcase_add_test(tc, test_stems_of_normalised_text);
    suite_add_tcase(s, tc);
    return s;
}
