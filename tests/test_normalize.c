/* test_normalize.c — the normaliser, step by step: NFKC of presentation
 * forms and ligatures, removal of diacritics, tatweel and invisible format
 * characters, letter unification, digits, lowercase, and what must be kept
 * (ta marbuta, hamza on waw/ya).  Also the UTF-16 entry point, idempotence on
 * the shipped samples and buffer reuse across calls. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"

#include <unicode/unorm2.h>
#include "testutil.h"
#include "fsutil.h"

static mz_normalizer *nz;

static void setup(void)
{
    mz_err e = {{0}};
    nz = mz_normalizer_new(&e);
    ck_assert_msg(nz != NULL, "normalizer: %s", e.msg);
}

static void teardown(void)
{
    mz_normalizer_free(nz);
    nz = NULL;
}

/* Normalise s and compare with want (both UTF-8). */
#define NORM_EQ(s, want)                                                            \
    do {                                                                            \
        char *o_ = NULL;                                                            \
        size_t ol_ = 0;                                                             \
        mz_err e_ = {{0}};                                                          \
        ck_assert_msg(mz_normalize_utf8(nz, (s), strlen(s), &o_, &ol_, &e_) == 0,   \
                      "normalise failed: %s", e_.msg);                              \
        ck_assert_uint_eq(ol_, strlen(o_));                                         \
        ck_assert_msg(strcmp(o_, (want)) == 0, "normalise(\"%s\") = \"%s\", want \"%s\"", \
                      (s), o_, (want));                                             \
        free(o_);                                                                   \
    } while (0)

START_TEST(test_nfkc_lam_alef_ligature)
{
    NORM_EQ("\xEF\xBB\xBB", "لا");               /* U+FEFB lam-alef isolated */
    NORM_EQ("\xEF\xBB\xBC", "لا");               /* U+FEFC final */
    NORM_EQ("\xEF\xBB\xB7", "لا");               /* U+FEF7 lam-alef with hamza above → لأ → لا */
    NORM_EQ("\xEF\xBB\xB5", "لا");               /* U+FEF5 lam-alef madda → لآ → لا */
    /* presentation forms inside a word: ﺑﺴﻢ (U+FE91 U+FEB4 U+FEE2) */
    NORM_EQ("\xEF\xBA\x91\xEF\xBA\xB4\xEF\xBB\xA2", "بسم");
}
END_TEST

START_TEST(test_nfkc_word_ligatures)
{
    NORM_EQ("\xEF\xB7\xB2", "الله");             /* U+FDF2 ALLAH ligature */
    /* U+FDFA expands to a whole phrase; ى in it becomes ي */
    NORM_EQ("\xEF\xB7\xBA", "صلي الله عليه وسلم");
    NORM_EQ("\xEF\xAC\x81", "fi");               /* U+FB01 Latin fi ligature */
    NORM_EQ("ＡＢＣ１２３", "abc123");            /* fullwidth forms, then lowercase */
}
END_TEST

START_TEST(test_nfkc_expansion_buffer)
{
    /* 2000 copies of U+FDFA: NFKC output is 18x the input in code points, the
     * documented worst case the normaliser sizes its buffer for. */
    const char *lig = "\xEF\xB7\xBA";
    const char *one = "صلي الله عليه وسلم";
    size_t n = 2000, ll = strlen(lig), ol = strlen(one);
    char *in = malloc(n * ll + 1);
    char *want = malloc(n * ol + 1);
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(want);
    for (size_t i = 0; i < n; i++) {
        memcpy(in + i * ll, lig, ll);
        memcpy(want + i * ol, one, ol);
    }
    in[n * ll] = want[n * ol] = '\0';
    char *o = NULL;
    size_t olen = 0;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_normalize_utf8(nz, in, n * ll, &o, &olen, &e), 0);
    ck_assert_uint_eq(olen, n * ol);
    ck_assert_int_eq(memcmp(o, want, olen), 0);
    free(o);
    free(in);
    free(want);
}
END_TEST

START_TEST(test_diacritics_removed)
{
    NORM_EQ("كَتَبَ", "كتب");
    NORM_EQ("مُحَمَّدٌ", "محمد");                 /* damma, fatha, shadda, dammatan */
    NORM_EQ("كِتابًا", "كتابا");                  /* kasra, fathatan */
    NORM_EQ("قُلْ", "قل");                        /* sukun */
    NORM_EQ("هٰذا", "هذا");                       /* superscript alef U+0670 */
    NORM_EQ("صلّى ﷺ", "صلي صلي الله عليه وسلم");
    /* the harakat's presentation forms (isolated, NFKC's space + mark;
     * with tatweel; shadda ligatures) leave the word whole */
    NORM_EQ("محم\xef\xb9\xbcد", "محمد");      /* U+FE7C isolated shadda */
    NORM_EQ("ك\xef\xb9\xbeتاب", "كتاب");      /* U+FE7E isolated sukun */
    NORM_EQ("ك\xef\xb9\xb7تب", "كتب");        /* U+FE77 fatha on tatweel */
    NORM_EQ("محم\xef\xb1\xa2د", "محمد");      /* U+FC62 shadda with kasra */
    /* Arabic Extended-A marks: open fathatan, a Quranic sign */
    NORM_EQ("كتاب\xe0\xa3\xb0 ك\xe0\xa3\x94تاب", "كتاب كتاب");
}
END_TEST

START_TEST(test_tatweel_removed)
{
    NORM_EQ("كـــتب", "كتب");
    NORM_EQ("ـمرحباـ", "مرحبا");
    NORM_EQ("جـَمـِيـل", "جميل");                 /* tatweel mixed with harakat */
}
END_TEST

START_TEST(test_alef_forms_unified)
{
    NORM_EQ("أ إ آ ٱ ا", "ا ا ا ا ا");
    NORM_EQ("أحمد", "احمد");
    NORM_EQ("إسلام", "اسلام");
    NORM_EQ("آمن", "امن");
    NORM_EQ("ٱلله", "الله");
    NORM_EQ("الأميركية", "الاميركية");
    NORM_EQ("\xD9\xB2\xD9\x84", "ال");   /* alef with wavy hamza above U+0672 */
    NORM_EQ("\xD9\xB3\xD9\x84", "ال");   /* alef with wavy hamza below U+0673 */
}
END_TEST

START_TEST(test_alef_maqsura_and_persian_letters)
{
    NORM_EQ("على", "علي");
    NORM_EQ("مستشفى", "مستشفي");
    NORM_EQ("ک", "ك");                             /* U+06A9 keheh */
    NORM_EQ("ی", "ي");                             /* U+06CC Farsi yeh */
    NORM_EQ("کتاب", "كتاب");
    NORM_EQ("ایران", "ايران");
}
END_TEST

START_TEST(test_digits_to_ascii)
{
    NORM_EQ("٠١٢٣٤٥٦٧٨٩", "0123456789");          /* Arabic-Indic */
    NORM_EQ("۴", "4");                             /* Persian four U+06F4 */
    NORM_EQ("۰۱۲۳۴۵۶۷۸۹", "0123456789");          /* Extended Arabic-Indic */
    NORM_EQ("عام ٢٠١٨م", "عام 2018م");
}
END_TEST

START_TEST(test_lowercase_other_scripts)
{
    NORM_EQ("Reuters NATO", "reuters nato");
    NORM_EQ("ΑΘΗΝΑ", "αθηνα");
    NORM_EQ("МОСКВА Москва", "москва москва");
    NORM_EQ("ÉCOLE", "école");                      /* precomposed stays precomposed under NFKC */
}
END_TEST

START_TEST(test_invisible_format_chars_removed)
{
    NORM_EQ("ب\xE2\x80\x8Cيت", "بيت");            /* ZWNJ U+200C */
    NORM_EQ("ب\xE2\x80\x8Dيت", "بيت");            /* ZWJ U+200D */
    NORM_EQ("\xE2\x80\x8Fنص\xE2\x80\x8E", "نص");   /* RLM, LRM */
    NORM_EQ("\xD8\x9Cنص", "نص");                   /* ALM U+061C */
    NORM_EQ("co\xC2\xADop", "coop");               /* soft hyphen */
    NORM_EQ("\xE2\x80\xABنص\xE2\x80\xAC", "نص");   /* RLE ... PDF */
    NORM_EQ("\xE2\x81\xA7نص\xE2\x81\xA9", "نص");   /* FSI ... PDI */
    NORM_EQ("ab\xE2\x80\x8B" "cd", "abcd");        /* zero-width space */
    /* small waw and small yeh are letters of some spellings, not marks: kept */
    NORM_EQ("ه\xDB\xA5", "ه\xDB\xA5");
    NORM_EQ("ه\xDB\xA6", "ه\xDB\xA6");
    /* the word joiner had split the word it joins; the grapheme joiner and
     * a variation selector stayed inside it, a word apart */
    NORM_EQ("كل\xE2\x81\xA0مة", "كلمة");            /* WORD JOINER U+2060 */
    NORM_EQ("كل\xE2\x81\xA3مة", "كلمة");            /* INVISIBLE SEPARATOR U+2063 */
    NORM_EQ("كل\xCD\x8Fمة", "كلمة");                /* COMBINING GRAPHEME JOINER U+034F */
    NORM_EQ("كل\xEF\xB8\x8Fمة", "كلمة");            /* VARIATION SELECTOR-16 U+FE0F */
    NORM_EQ("كل\xEF\xB8\x80مة", "كلمة");            /* VARIATION SELECTOR-1 U+FE00 */
    NORM_EQ("كل\xE1\xA0\x8Eمة", "كلمة");            /* MONGOLIAN VOWEL SEPARATOR U+180E */
}
END_TEST

/* Names are composed (NFC) without folding: أ spelt ا + U+0654 composes,
 * and so does a value far longer than a label (a --by field's), whose
 * buffers are then taken from the heap. */
START_TEST(test_nfc_names)
{
    char out[64];
    ck_assert_int_eq(mz_nfc_utf8("\xD8\xA7\xD9\x94", 4, out, sizeof out), 0);
    ck_assert_str_eq(out, "\xD8\xA3");
    ck_assert_int_eq(mz_nfc_utf8("ABC", 3, out, sizeof out), 0);
    ck_assert_str_eq(out, "ABC"); /* no folding */
    ck_assert_int_eq(mz_nfc_utf8("\xD8\xA7\xD9\x94", 4, out, 2), 1); /* does not fit */
    enum { N = 3000 };
    char *in = malloc(4 * N + 1), *big = malloc(3 * 4 * N + 1);
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(big);
    for (int i = 0; i < N; i++) memcpy(in + 4 * i, "\xD8\xA7\xD9\x94", 4);
    ck_assert_int_eq(mz_nfc_utf8(in, 4 * N, big, 3 * 4 * N + 1), 0);
    ck_assert_uint_eq(strlen(big), 2 * N);
    for (int i = 0; i < N; i++) ck_assert_int_eq(memcmp(big + 2 * i, "\xD8\xA3", 2), 0);
    free(in);
    free(big);
}
END_TEST

START_TEST(test_kept_letters)
{
    NORM_EQ("مدرسة", "مدرسة");                     /* ta marbuta kept */
    NORM_EQ("مؤتمر", "مؤتمر");                     /* hamza on waw kept */
    NORM_EQ("رئيس", "رئيس");                       /* hamza on ya kept */
    NORM_EQ("سماء", "سماء");                       /* lone hamza kept */
    NORM_EQ("الرئاسة", "الرئاسة");
    /* punctuation and spacing pass through */
    NORM_EQ("نعم، لا؛ ربما؟", "نعم، لا؛ ربما؟");
}
END_TEST

START_TEST(test_utf16_output)
{
    const UChar *u = NULL;
    size_t ul = 0;
    mz_err e = {{0}};
    const char *s = "أَ٣A";
    ck_assert_int_eq(mz_normalize(nz, s, strlen(s), &u, &ul, &e), 0);
    ck_assert_uint_eq(ul, 3);
    ck_assert_uint_eq(u[0], 0x0627);
    ck_assert_uint_eq(u[1], '3');
    ck_assert_uint_eq(u[2], 'a');
    /* a character outside the BMP survives as a surrogate pair */
    s = "x\xF0\x9F\x98\x80y";                           /* U+1F600 */
    ck_assert_int_eq(mz_normalize(nz, s, strlen(s), &u, &ul, &e), 0);
    ck_assert_uint_eq(ul, 4);
    ck_assert_uint_eq(u[1], 0xD83D);
    ck_assert_uint_eq(u[2], 0xDE00);
    /* empty input */
    ck_assert_int_eq(mz_normalize(nz, "", 0, &u, &ul, &e), 0);
    ck_assert_uint_eq(ul, 0);
}
END_TEST

START_TEST(test_invalid_utf8_rejected)
{
    char *o = (char *)0x1;
    size_t ol = 0;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_normalize_utf8(nz, "ab\xFF", 3, &o, &ol, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "invalid UTF-8"));
    ck_assert_ptr_nonnull(strstr(e.msg, "2"));
    ck_assert_int_eq(mz_normalize_utf8(nz, "a\0b", 3, &o, &ol, &e), -1);
    ck_assert_int_eq(mz_normalize_utf8(nz, "\xED\xA0\x80", 3, &o, &ol, &e), -1); /* surrogate */
    /* the normaliser is still usable afterwards */
    NORM_EQ("أ", "ا");
}
END_TEST

START_TEST(test_idempotent_on_samples)
{
    const char *files[] = {"corpora/samples/csto-kazakhstan-oped.txt", "corpora/samples/culture-festival.txt",
                           "corpora/samples/wire-2018-economy.txt", "corpora/mini/topic.jsonl"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        mz_err e = {{0}};
        ck_assert_msg(mz_read_file(mz_test_path(files[i]), 1u << 24, &buf, &len, &e) == 0, "%s", e.msg);
        char *a = NULL, *b = NULL;
        size_t al = 0, bl = 0;
        ck_assert_msg(mz_normalize_utf8(nz, buf, len, &a, &al, &e) == 0, "%s: %s", files[i], e.msg);
        ck_assert_msg(mz_normalize_utf8(nz, a, al, &b, &bl, &e) == 0, "%s: %s", files[i], e.msg);
        ck_assert_msg(al == bl && memcmp(a, b, al) == 0, "%s: normalising twice changed the text", files[i]);
        /* nothing that should have been folded is left */
        const char *gone[] = {"أ", "إ", "آ", "ى", "ـ", "َ", "ُ", "ِ", "ّ", "ْ", "ً", "٠", "١", "٢"};
        for (size_t g = 0; g < sizeof gone / sizeof gone[0]; g++)
            ck_assert_msg(strstr(a, gone[g]) == NULL, "%s: '%s' survived normalisation", files[i], gone[g]);
        free(a);
        free(b);
        free(buf);
    }
}
END_TEST

START_TEST(test_buffer_reuse_long_then_short)
{
    size_t n = 100000;
    char *big = malloc(n * 2 + 1);
    ck_assert_ptr_nonnull(big);
    for (size_t i = 0; i < n; i++) memcpy(big + 2 * i, "أ", 2);
    big[2 * n] = 0;
    char *o = NULL;
    size_t ol = 0;
    mz_err e = {{0}};
    ck_assert_int_eq(mz_normalize_utf8(nz, big, 2 * n, &o, &ol, &e), 0);
    ck_assert_uint_eq(ol, 2 * n);
    for (size_t i = 0; i < n; i++)
        if (memcmp(o + 2 * i, "ا", 2) != 0) ck_abort_msg("wrong letter at %zu", i);
    free(o);
    free(big);
    /* a short input after a long one must not see leftovers */
    NORM_EQ("إلى", "الي");
    NORM_EQ("", "");
}
END_TEST

/* Steps 2-5 applied to u[0..n) in place; returns the new length. */
static int32_t drop_fold(UChar *u, int32_t n)
{
    int32_t w = 0;
    for (int32_t i = 0; i < n; i++)
        if (!mz_norm_dropped(u[i])) u[w++] = mz_norm_fold(u[i]);
    return w;
}

/* The tokeniser skips NFKC for text in which mz_norm_image maps every code
 * point (all in the BMP); check that against ICU's data.  Each member
 * normalises to its image on its own, and every sequence in which members
 * could interact, a member followed by any member, or by a combining mark
 * and another mark, normalises, then folds, to what mapping and folding
 * alone give. */
START_TEST(test_image_set_against_icu)
{
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
    ck_assert(U_SUCCESS(st));
    static UChar all[0x1000], image[0x10000], marks[128];
    int32_t n = 0, nm = 0;
    for (UChar32 c = 0; c <= 0x10FFFF; c++) {
        int32_t m = mz_norm_image(c);
        if (m < 0) continue;
        ck_assert_int_lt(c, 0x10000);
        ck_assert_int_lt(n, 0x1000);
        all[n++] = (UChar)c;
        image[c] = (UChar)m;
        if (u_getCombiningClass(c) != 0) {
            ck_assert_int_lt(nm, 128);
            marks[nm++] = (UChar)c;
        }
        UChar one = (UChar)c, out[8];
        st = U_ZERO_ERROR;
        int32_t ol = unorm2_normalize(nfkc, &one, 1, out, 8, &st);
        ck_assert(U_SUCCESS(st));
        if (ol != 1 || out[0] != m) ck_abort_msg("U+%04X: NFKC is not U+%04X", (unsigned)c, (unsigned)m);
    }
    ck_assert_int_gt(n, 500);
    ck_assert_int_gt(nm, 40);
    size_t tried = 0;
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = -1; j < n; j++)
            for (int32_t k = -1; k < (j >= 0 && u_getCombiningClass(all[j]) ? nm : 0); k++) {
                UChar x[3], y[64], z[3];
                int32_t xl = 0;
                x[xl++] = all[i];
                if (j >= 0) x[xl++] = all[j];
                if (k >= 0) x[xl++] = marks[k];
                st = U_ZERO_ERROR;
                int32_t yl = unorm2_normalize(nfkc, x, xl, y, 64, &st);
                ck_assert(U_SUCCESS(st));
                for (int32_t q = 0; q < xl; q++) z[q] = image[x[q]];
                int32_t zl = drop_fold(z, xl);
                yl = drop_fold(y, yl);
                if (yl != zl || memcmp(y, z, (size_t)zl * sizeof *z) != 0)
                    ck_abort_msg("U+%04X U+%04X U+%04X: NFKC changes the folded text", (unsigned)x[0],
                                 xl > 1 ? (unsigned)x[1] : 0u, xl > 2 ? (unsigned)x[2] : 0u);
                tried++;
            }
    ck_assert_uint_gt(tried, 300000);
    /* the marks that join a letter are left out, as they must be */
    ck_assert_int_lt(mz_norm_image(0x0654), 0);
    UChar wh[2] = {0x0648, 0x0654}, out[4];
    st = U_ZERO_ERROR;
    ck_assert_int_eq(unorm2_normalize(nfkc, wh, 2, out, 4, &st), 1);
}
END_TEST

Suite *suite_normalize(void)
{
    Suite *s = suite_create("normalize");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_nfkc_lam_alef_ligature);
    tcase_add_test(tc, test_nfkc_word_ligatures);
    tcase_add_test(tc, test_nfkc_expansion_buffer);
    tcase_add_test(tc, test_diacritics_removed);
    tcase_add_test(tc, test_tatweel_removed);
    tcase_add_test(tc, test_alef_forms_unified);
    tcase_add_test(tc, test_alef_maqsura_and_persian_letters);
    tcase_add_test(tc, test_digits_to_ascii);
    tcase_add_test(tc, test_lowercase_other_scripts);
    tcase_add_test(tc, test_invisible_format_chars_removed);
    tcase_add_test(tc, test_kept_letters);
    tcase_add_test(tc, test_nfc_names);
    tcase_add_test(tc, test_utf16_output);
    tcase_add_test(tc, test_invalid_utf8_rejected);
    tcase_add_test(tc, test_idempotent_on_samples);
    tcase_add_test(tc, test_buffer_reuse_long_then_short);
    tcase_add_test(tc, test_image_set_against_icu);
    suite_add_tcase(s, tc);
    return s;
}
