/* test_tokenize.c — articles as sentences and normalised tokens: mixed
 * scripts, punctuation, hashtags, the token length limit, sentence splitting
 * (and what must not split), titles, the token cap, the byte spans of the
 * original text and reuse of a doc. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tokenize.h"

static mz_normalizer *nz;
static mz_doc doc;

static void setup(void)
{
    mz_err e = {{0}};
    nz = mz_normalizer_new(&e);
    ck_assert_msg(nz != NULL, "normalizer: %s", e.msg);
    mz_doc_init(&doc);
}

static void teardown(void)
{
    mz_doc_free(&doc);
    mz_normalizer_free(nz);
    nz = NULL;
}

static void build(const char *title, const char *text)
{
    mz_err e = {{0}};
    ck_assert_msg(mz_doc_build(&doc, nz, title, title ? strlen(title) : 0, text, strlen(text), &e) == 0,
                  "mz_doc_build: %s", e.msg);
}

/* The tokens joined with '|', in a static buffer; also checks the buffer
 * invariants (NUL after each token, len matches). */
static const char *joined(void)
{
    static char out[8192];
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < doc.ntok; i++) {
        const char *t = mz_doc_tok(&doc, i);
        ck_assert_uint_eq(strlen(t), doc.tok[i].len);
        ck_assert_uint_le(doc.tok[i].off + doc.tok[i].len, doc.buf_len);
        if (i) ck_assert_uint_gt(doc.tok[i].off, doc.tok[i - 1].off);
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? "|" : "", t);
        ck_assert_uint_lt(n, sizeof out);
    }
    return out;
}

/* Sentence s of the original title/text as a string, in a static buffer. */
static const char *sentence(const char *title, const char *text, size_t s)
{
    static char out[4096];
    ck_assert_uint_lt(s, doc.nsent);
    const char *src = doc.sent[s].in_title ? title : text;
    size_t l = doc.sent[s].end - doc.sent[s].start;
    ck_assert_uint_lt(l, sizeof out);
    memcpy(out, src + doc.sent[s].start, l);
    out[l] = '\0';
    return out;
}

/* A shown sentence starts and ends with a letter, not with a file's
 * byte-order mark or the no-break spaces copy pads lines with; the
 * tokens are those of the same text without them. */
START_TEST(test_sentence_edges_trimmed)
{
    const char *text = "\xEF\xBB\xBF\xC2\xA0\xC2\xA0قال الكرملين. \xE2\x80\xAF\xE3\x80\x80وردت واشنطن\xC2\xA0";
    build(NULL, text);
    ck_assert_uint_eq(doc.nsent, 2);
    ck_assert_str_eq(sentence(NULL, text, 0), "قال الكرملين.");
    ck_assert_str_eq(sentence(NULL, text, 1), "وردت واشنطن");
    ck_assert_str_eq(joined(), "قال|الكرملين|وردت|واشنطن");
    /* a line of nothing but no-break spaces is no sentence */
    build(NULL, "قال الكرملين.\n\xC2\xA0\xC2\xA0\nوردت واشنطن.");
    ck_assert_uint_eq(doc.nsent, 2);
}
END_TEST

START_TEST(test_mixed_scripts)
{
    build(NULL, "قال Reuters إن 2018 كان عاماً حافلاً");
    ck_assert_str_eq(joined(), "قال|reuters|ان|2018|كان|عاما|حافلا");
    ck_assert_uint_eq(doc.ntitle, 0);
    ck_assert_uint_eq(doc.nsent, 1);
    build(NULL, "الدولار ارتفع ٣٪ إلى ١٢٫٥ جنيه");
    /* Arabic percent and decimal separators are not word characters */
    ck_assert_str_eq(joined(), "الدولار|ارتفع|3|الي|12|5|جنيه");
}
END_TEST

START_TEST(test_punctuation_splits)
{
    build(NULL, "الاقتصاد،السياسة؛الرياضة(كرة)\"ثقافة\"-فن/سينما");
    ck_assert_str_eq(joined(), "الاقتصاد|السياسة|الرياضة|كرة|ثقافة|فن|سينما");
    build(NULL, "«تقرير» — [عاجل] {خبر}");
    ck_assert_str_eq(joined(), "تقرير|عاجل|خبر");
}
END_TEST

START_TEST(test_hashtags_and_mentions)
{
    build(NULL, "#الربيع_العربي @user_name2 #كأس_العالم_2018");
    ck_assert_str_eq(joined(), "الربيع|العربي|user|name2|كاس|العالم|2018");
}
END_TEST

START_TEST(test_emoji_and_symbols_not_tokens)
{
    build(NULL, "\xF0\x9F\x91\x8D جميل \xE2\x9D\xA4 جدا \xE2\x82\xAC 5 \xF0\x9F\x87\xAA\xF0\x9F\x87\xAC");
    ck_assert_str_eq(joined(), "جميل|جدا|5");
    /* skin-tone modifiers and emoji ZWJ sequences leave nothing either */
    build(NULL, "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD رائع \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9");
    ck_assert_str_eq(joined(), "رائع");
}
END_TEST

/* Regression test for a fixed bug: lib/tokenize.c, is_word_char()/split()
 * accept a combining mark (gc M) as the START of a token, so the emoji
 * variation selector U+FE0F that follows most emoji in tweets (❤️ = U+2764
 * U+FE0F) becomes a token of its own, an invisible "word" that then turns
 * into a feature (a lone U+20E3 does the same).  A mark should only
 * continue a token, never start one.  Expected below: "جميل|جدا"; actual:
 * "جميل|\xEF\xB8\x8F|جدا".  */
START_TEST(test_variation_selector_not_a_token)
{
    build(NULL, "جميل \xE2\x9D\xA4\xEF\xB8\x8F جدا");
    ck_assert_uint_ge(doc.ntok, 2);
    ck_assert_str_eq(mz_doc_tok(&doc, 0), "جميل");
    ck_assert_str_eq(mz_doc_tok(&doc, doc.ntok - 1), "جدا");
    ck_assert_str_eq(joined(), "جميل|جدا");
}
END_TEST

START_TEST(test_marks_do_not_split_words)
{
    build(NULL, "كَتَبَ الطّالِبُ كـــتابا");
    ck_assert_str_eq(joined(), "كتب|الطالب|كتابا");
    build(NULL, "می\xE2\x80\x8Cخواهم");               /* ZWNJ inside a Persian word */
    ck_assert_str_eq(joined(), "ميخواهم");
    build(NULL, "\xEF\xBB\xBB\xD8\xAA");               /* ﻻ + ت: ligature unfolded in a token */
    ck_assert_str_eq(joined(), "لات");
}
END_TEST

START_TEST(test_long_tokens_dropped)
{
    char text[1024];
    char w40[41], w41[42];
    memset(w40, 'a', 40);
    w40[40] = 0;
    memset(w41, 'b', 41);
    w41[41] = 0;
    snprintf(text, sizeof text, "start %s middle %s end", w40, w41);
    build(NULL, text);
    ck_assert_uint_eq(doc.ntok, 4);
    ck_assert_str_eq(mz_doc_tok(&doc, 0), "start");
    ck_assert_str_eq(mz_doc_tok(&doc, 1), w40);
    ck_assert_str_eq(mz_doc_tok(&doc, 2), "middle");
    ck_assert_str_eq(mz_doc_tok(&doc, 3), "end");
    /* the limit counts characters, not bytes: 40 Arabic letters (80 bytes) stay */
    char ar[256] = "", ar41[256] = "";
    for (int i = 0; i < MZ_TOKEN_MAX_CHARS; i++) strcat(ar, "س");
    strcpy(ar41, ar);
    strcat(ar41, "س");
    ck_assert_uint_eq(strlen(ar41), 2 * (MZ_TOKEN_MAX_CHARS + 1));
    strcpy(text, ar);
    strcat(text, " ");
    strcat(text, ar41);
    strcat(text, " كلمة");
    build(NULL, text);
    ck_assert_uint_eq(doc.ntok, 2);
    ck_assert_str_eq(mz_doc_tok(&doc, 0), ar);
    ck_assert_str_eq(mz_doc_tok(&doc, 1), "كلمة");
    /* a URL glued to text becomes short tokens, a base64 blob disappears */
    build(NULL, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w نص");
    ck_assert_str_eq(joined(), "نص");
}
END_TEST

START_TEST(test_sentence_split_period)
{
    const char *t = "الجملة الأولى. الجملة الثانية";
    build(NULL, t);
    ck_assert_uint_eq(doc.nsent, 2);
    ck_assert_str_eq(sentence(NULL, t, 0), "الجملة الأولى.");
    ck_assert_str_eq(sentence(NULL, t, 1), "الجملة الثانية");
    ck_assert_uint_eq(doc.ntok, 4);
    ck_assert_uint_eq(doc.tok[0].sent, 0);
    ck_assert_uint_eq(doc.tok[1].sent, 0);
    ck_assert_uint_eq(doc.tok[2].sent, 1);
    ck_assert_uint_eq(doc.tok[3].sent, 1);
    ck_assert_int_eq(doc.sent[0].in_title, 0);
    /* the span is the original text: hamza still there */
    ck_assert_ptr_nonnull(strstr(sentence(NULL, t, 0), "الأولى"));
}
END_TEST

START_TEST(test_sentence_no_split_in_numbers)
{
    build(NULL, "بلغ السعر 5.00 دولار والنسبة 3.5% اليوم");
    ck_assert_uint_eq(doc.nsent, 1);
    ck_assert_str_eq(joined(), "بلغ|السعر|5|00|دولار|والنسبة|3|5|اليوم");
    /* a period at the very end closes the only sentence */
    build(NULL, "انتهى.");
    ck_assert_uint_eq(doc.nsent, 1);
    /* abbreviations without a following space do not split either */
    build(NULL, "www.example.com موقع");
    ck_assert_uint_eq(doc.nsent, 1);
}
END_TEST

START_TEST(test_sentence_split_question_exclaim_ellipsis)
{
    const char *t = "هل جاء؟ نعم! ربما… لا أعلم? حسنا";
    build(NULL, t);
    ck_assert_uint_eq(doc.nsent, 5);
    ck_assert_str_eq(sentence(NULL, t, 0), "هل جاء؟");
    ck_assert_str_eq(sentence(NULL, t, 1), "نعم!");
    ck_assert_str_eq(sentence(NULL, t, 2), "ربما…");
    ck_assert_str_eq(sentence(NULL, t, 3), "لا أعلم?");
    ck_assert_str_eq(sentence(NULL, t, 4), "حسنا");
    /* ؟ glued to the next word does not split */
    build(NULL, "ماذا؟لماذا");
    ck_assert_uint_eq(doc.nsent, 1);
}
END_TEST

/* A text without sentence breaks is cut into sentences of at most
 * MZ_SENTENCE_MAX_BYTES, at spaces, losing no word; a run without spaces
 * is cut between characters. */
START_TEST(test_sentence_length_capped)
{
    size_t words = 9000, n = 0;
    char *t = malloc(words * 11 + 64);
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < words; i++) {
        memcpy(t + n, "كلمة ", 9);
        n += 9;
    }
    memcpy(t + n, "روسيا", 10);
    n += 10;
    t[n] = '\0';
    build(NULL, t);
    ck_assert_uint_eq(doc.ntok, words + 1);
    ck_assert_uint_ge(doc.nsent, n / MZ_SENTENCE_MAX_BYTES + 1);
    for (size_t s = 0; s < doc.nsent; s++) {
        size_t a = doc.sent[s].start, b = doc.sent[s].end;
        ck_assert_uint_le(b - a, MZ_SENTENCE_MAX_BYTES);
        ck_assert_msg(!memcmp(t + a, "كلمة", 8) || !memcmp(t + a, "روسيا", 10), "sentence %zu starts mid-word", s);
        if (s) ck_assert_uint_ge(a, doc.sent[s - 1].end);
    }
    ck_assert_uint_eq(doc.sent[doc.nsent - 1].end, n);
    ck_assert_uint_eq(doc.tok[doc.ntok - 1].sent, doc.nsent - 1);
    /* words joined by no-break spaces (news copy pads with them): cut at one */
    n = 0;
    for (size_t i = 0; i < words; i++) {
        memcpy(t + n, "كلمة\xc2\xa0", 10);
        n += 10;
    }
    t[n] = '\0';
    build(NULL, t);
    ck_assert_uint_eq(doc.ntok, words);
    for (size_t s = 0; s < doc.nsent; s++) {
        ck_assert_uint_le(doc.sent[s].end - doc.sent[s].start, MZ_SENTENCE_MAX_BYTES);
        ck_assert_msg(!memcmp(t + doc.sent[s].start, "كلمة", 8), "sentence %zu starts mid-word", s);
    }
    /* one letter 20,000 times: cut between two of its bytes' characters */
    n = 0;
    for (size_t i = 0; i < 20000; i++) {
        memcpy(t + n, "ب", 2);
        n += 2;
    }
    t[n] = '\0';
    build(NULL, t);
    ck_assert_uint_eq(doc.nsent, 3);
    size_t total = 0;
    for (size_t s = 0; s < doc.nsent; s++) {
        ck_assert_uint_le(doc.sent[s].end - doc.sent[s].start, MZ_SENTENCE_MAX_BYTES);
        ck_assert_uint_eq((doc.sent[s].end - doc.sent[s].start) % 2, 0);
        total += doc.sent[s].end - doc.sent[s].start;
    }
    ck_assert_uint_eq(total, n);
    free(t);
}
END_TEST

START_TEST(test_sentence_split_newlines)
{
    const char *t = "سطر أول بلا نقطة\nسطر ثان\r\n\n\n  سطر ثالث  \n";
    build(NULL, t);
    ck_assert_uint_eq(doc.nsent, 3);
    ck_assert_str_eq(sentence(NULL, t, 0), "سطر أول بلا نقطة");
    ck_assert_str_eq(sentence(NULL, t, 1), "سطر ثان");
    ck_assert_str_eq(sentence(NULL, t, 2), "سطر ثالث");
    ck_assert_uint_eq(doc.tok[doc.ntok - 1].sent, 2);
    /* whitespace-only text: no sentence, no token */
    build(NULL, "  \n\t \n");
    ck_assert_uint_eq(doc.nsent, 0);
    ck_assert_uint_eq(doc.ntok, 0);
}
END_TEST

START_TEST(test_title_is_sentence_zero)
{
    const char *title = "عنوان الخبر العاجل";
    const char *text = "النص الأول. النص الثاني";
    build(title, text);
    ck_assert_uint_eq(doc.ntitle, 3);
    ck_assert_uint_eq(doc.ntok, 7);
    ck_assert_uint_eq(doc.nsent, 3);
    ck_assert_int_eq(doc.sent[0].in_title, 1);
    ck_assert_int_eq(doc.sent[1].in_title, 0);
    ck_assert_int_eq(doc.sent[2].in_title, 0);
    ck_assert_str_eq(sentence(title, text, 0), title);
    ck_assert_str_eq(sentence(title, text, 1), "النص الأول.");
    for (size_t i = 0; i < 3; i++) ck_assert_uint_eq(doc.tok[i].sent, 0);
    ck_assert_uint_eq(doc.tok[3].sent, 1);
    ck_assert_uint_eq(doc.tok[6].sent, 2);
    ck_assert_str_eq(joined(), "عنوان|الخبر|العاجل|النص|الاول|النص|الثاني");
    /* a title of two sentences: both flagged, tokens all counted in ntitle */
    build("أولا. ثانيا", "متن");
    ck_assert_uint_eq(doc.ntitle, 2);
    ck_assert_uint_eq(doc.nsent, 3);
    ck_assert_int_eq(doc.sent[1].in_title, 1);
    ck_assert_int_eq(doc.sent[2].in_title, 0);
    /* an empty title is no title */
    build("", "متن فقط");
    ck_assert_uint_eq(doc.ntitle, 0);
    ck_assert_int_eq(doc.sent[0].in_title, 0);
}
END_TEST

START_TEST(test_max_tokens_truncates)
{
    doc.max_tokens = 3;
    build(NULL, "واحد اثنان. ثلاثة أربعة خمسة");
    ck_assert_uint_eq(doc.ntok, 3);
    ck_assert_int_eq(doc.truncated, 1);
    ck_assert_str_eq(joined(), "واحد|اثنان|ثلاثة");
    /* exactly the cap is not a truncation */
    doc.max_tokens = 5;
    build(NULL, "واحد اثنان. ثلاثة أربعة خمسة");
    ck_assert_uint_eq(doc.ntok, 5);
    ck_assert_int_eq(doc.truncated, 0);
    /* the cap counts title tokens too; the body is then not read */
    doc.max_tokens = 2;
    build("عنوان طويل جدا", "متن");
    ck_assert_uint_eq(doc.ntok, 2);
    ck_assert_uint_eq(doc.ntitle, 2);
    ck_assert_int_eq(doc.truncated, 1);
    for (size_t s = 0; s < doc.nsent; s++) ck_assert_int_eq(doc.sent[s].in_title, 1);
}
END_TEST

START_TEST(test_doc_reuse)
{
    build("عنوان", "نص طويل فيه كلمات كثيرة. وجملة ثانية أيضا\nوثالثة");
    ck_assert_uint_gt(doc.ntok, 8);
    doc.max_tokens = 1;
    build(NULL, "a b");
    ck_assert_int_eq(doc.truncated, 1);
    doc.max_tokens = 0;
    build(NULL, "كلمة");
    ck_assert_uint_eq(doc.ntok, 1);
    ck_assert_uint_eq(doc.nsent, 1);
    ck_assert_uint_eq(doc.ntitle, 0);
    ck_assert_int_eq(doc.truncated, 0);
    ck_assert_str_eq(joined(), "كلمة");
}
END_TEST

START_TEST(test_sample_article_invariants)
{
    FILE *f = fopen(mz_test_path("corpora/samples/nato-summit-2018.txt"), "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    build(NULL, buf);
    ck_assert_uint_gt(doc.ntok, 150);
    ck_assert_uint_gt(doc.nsent, 5);
    (void)joined();
    uint32_t prev_end = 0;
    for (size_t s = 0; s < doc.nsent; s++) {
        ck_assert_uint_lt(doc.sent[s].start, doc.sent[s].end);
        ck_assert_uint_le(doc.sent[s].end, len);
        ck_assert_uint_ge(doc.sent[s].start, prev_end);
        prev_end = doc.sent[s].end;
    }
    for (size_t i = 1; i < doc.ntok; i++) ck_assert_uint_ge(doc.tok[i].sent, doc.tok[i - 1].sent);
    ck_assert_uint_lt(doc.tok[doc.ntok - 1].sent, doc.nsent);
}
END_TEST

/* Sentence ends are searched sixteen bytes at a time: a terminator at
 * every offset from a block's start splits exactly there, one not followed
 * by a space does not, and an Arabic letter sharing a terminator's last
 * byte (ئ is D8 A6, like the end of …) is no terminator. */
START_TEST(test_sentence_ends_at_every_offset)
{
    static const char *const terms[] = {".", "!", "?", "؟", "…", "\n"};
    char text[256];
    for (size_t t = 0; t < sizeof terms / sizeof *terms; t++)
        for (size_t k = 1; k < 48; k++) {
            size_t n = 0;
            for (size_t i = 0; i < k; i++) text[n++] = i % 7 == 6 && i + 1 < k ? ' ' : 'x';
            size_t cut = n + strlen(terms[t]);
            n += (size_t)snprintf(text + n, sizeof text - n, "%s %s", terms[t], "ئئئئئئئئئئ كلمة");
            build(NULL, text);
            ck_assert_uint_eq(doc.nsent, 2);
            /* a line break ends its sentence but is trimmed from it */
            ck_assert_uint_eq(doc.sent[0].end, (terms[t][0] == '\n' ? k : cut));
            if (terms[t][0] == '\n') continue;
            /* glued to the next word: one sentence */
            n = cut;
            n += (size_t)snprintf(text + n, sizeof text - n, "%s", "ئئئئئئئئئئئئئئئئئ كلمة");
            build(NULL, text);
            ck_assert_uint_eq(doc.nsent, 1);
        }
}
END_TEST

/* Two builds of the same title and text, one forced onto the general
 * (NFKC) path, must agree in every field. */
static void same_both_ways(const char *title, const char *text, size_t max_tokens)
{
    mz_doc a, b;
    mz_doc_init(&a);
    mz_doc_init(&b);
    a.max_tokens = b.max_tokens = max_tokens;
    b.general_only = 1;
    mz_err e = {{0}};
    size_t tl = title ? strlen(title) : 0, n = strlen(text);
    ck_assert_msg(mz_doc_build(&a, nz, title, tl, text, n, &e) == 0, "%s", e.msg);
    ck_assert_msg(mz_doc_build(&b, nz, title, tl, text, n, &e) == 0, "%s", e.msg);
    int same = a.ntok == b.ntok && a.nsent == b.nsent && a.ntitle == b.ntitle && a.truncated == b.truncated &&
               memcmp(a.punct, b.punct, sizeof a.punct) == 0;
    for (size_t i = 0; same && i < a.ntok; i++)
        same = a.tok[i].len == b.tok[i].len && a.tok[i].sent == b.tok[i].sent &&
               memcmp(mz_doc_tok(&a, i), mz_doc_tok(&b, i), a.tok[i].len + 1) == 0;
    for (size_t i = 0; same && i < a.nsent; i++)
        same = a.sent[i].start == b.sent[i].start && a.sent[i].end == b.sent[i].end &&
               a.sent[i].in_title == b.sent[i].in_title;
    if (!same) ck_abort_msg("fast and general paths differ (max_tokens %zu) on: %s | %s", max_tokens,
                            title ? title : "", text);
    mz_doc_free(&a);
    mz_doc_free(&b);
}

/* Sentences of NFKC-inert text skip ICU (tokenize.c); random texts from
 * pieces on both sides of that line, and every sample article, must come
 * out of both paths alike. */
START_TEST(test_fast_path_matches_general)
{
    static const char *const pieces[] = {
        "روسيا", "أعلنت", "إلى", "آخر", "ٱلله", "مؤتمر", "شاطئ", "مستشفى", "كُتُبٌ", "الـــقـمة",
        "٢٠١٨", "۱۲", "3.5", "NATO", "Putin's", "e-mail", "ﻻ", "ﷺ", "ک", "ی", "ٰ", "وٓ", "اٰ", "ؤُ",
        "و\xd9\x94", "ا\xd9\x93", "ي\xd9\x95", "\xe2\x80\x8c", "\xc2\xad", "\xf0\x9f\x98\x80", "\xef\xbb\xbf",
        "\xe2\x81\xa0", "\xcd\x8f", "\xef\xb8\x8f", "\xe1\xa0\x8e",
        "\xd9\xab", "\xd9\xaa", "،", "؛", "؟", "…", "«", "»", "“", "”", "–", "—", ".", "!", "?", ",", ":",
        "#قمة", "@user", "(", ")", "\"", "'", "/", "%", "&", "*", "+", "-", "_", " ", " ", " ", "  ", "\n",
        "\t", "\r\n", "Ⅻ", "ﬁ", "é", "Ω", "\xd8\xa7\xd9\x8e\xd9\x91", "\xd8\xa8\xd9\x91\xd9\x8e",
        "\xc2\xa0", "\xe2\x80\xaf", "\xe2\x80\x83", "ڤ", "ھ", "ۀ", "ٵ", "’", "•", "ß", "À", "µ", "½",
        "ععععععععععععععععععععععععععععععععععععععععععععع", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop",
    };
    const size_t np = sizeof pieces / sizeof *pieces;
    static const size_t caps[] = {0, 0, 0, 1, 3, 10};
    uint64_t x = 88172645463325252u;
    static char text[4096], title[512];
    for (int it = 0; it < 4000; it++) {
        size_t tn = 0, n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t words = 1 + x % 60, twords = (x >> 8) % 4 ? 0 : 1 + (x >> 16) % 6;
        for (size_t k = 0; k < twords + words; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *p = pieces[x % np];
            /* mostly plain words and spaces, like news */
            if ((x >> 20) % 3) p = (x >> 24) % 2 ? " " : pieces[(x >> 28) % 10];
            size_t l = strlen(p);
            if (k < twords) {
                memcpy(title + tn, p, l);
                tn += l;
            } else {
                memcpy(text + n, p, l);
                n += l;
            }
        }
        title[tn] = text[n] = '\0';
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        same_both_ways(twords ? title : NULL, text, caps[x % 6]);
    }
    static const char *const samples[] = {"csto-kazakhstan-oped.txt", "culture-festival.txt", "nato-summit-2018.txt",
                                          "wire-2018-economy.txt", "wire-2018-sport.txt", "wire-2018-tech.txt"};
    static char buf[1 << 16], path[256];
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        snprintf(path, sizeof path, "corpora/samples/%s", samples[i]);
        FILE *f = fopen(mz_test_path(path), "rb");
        ck_assert_ptr_nonnull(f);
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = 0;
        same_both_ways(NULL, buf, 0);
        same_both_ways(NULL, buf, 57);
    }
}
END_TEST

Suite *suite_tokenize(void)
{
    Suite *s = suite_create("tokenize");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_mixed_scripts);
    tcase_add_test(tc, test_sentence_edges_trimmed);
    tcase_add_test(tc, test_punctuation_splits);
    tcase_add_test(tc, test_hashtags_and_mentions);
    tcase_add_test(tc, test_emoji_and_symbols_not_tokens);
    tcase_add_test(tc, test_variation_selector_not_a_token);
    tcase_add_test(tc, test_marks_do_not_split_words);
    tcase_add_test(tc, test_long_tokens_dropped);
    tcase_add_test(tc, test_sentence_split_period);
    tcase_add_test(tc, test_sentence_no_split_in_numbers);
    tcase_add_test(tc, test_sentence_split_question_exclaim_ellipsis);
    tcase_add_test(tc, test_sentence_split_newlines);
    tcase_add_test(tc, test_title_is_sentence_zero);
    tcase_add_test(tc, test_max_tokens_truncates);
    tcase_add_test(tc, test_doc_reuse);
    tcase_add_test(tc, test_sample_article_invariants);
    tcase_add_test(tc, test_fast_path_matches_general);
    tcase_add_test(tc, test_sentence_ends_at_every_offset);
    tcase_add_test(tc, test_sentence_length_capped);
    suite_add_tcase(s, tc);
    return s;
}
