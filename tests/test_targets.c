/* test_targets.c — finding stance targets with models/targets.json: clitics
 * on forms (والروس، بموسكو، لواشنطن), names that begin with clitic-like
 * letters (واشنطن، بوتين، فرنسا), phrases with a clitic on the first word,
 * exclusions that win (الضفة الغربية، المحيط الاطلسي، واشنطن بوست، كروس) and
 * those with "*" (صحيفة * البريطانية), sport, outlets, datelines, markets and
 * the compass West, titles with their holder's name as one mention, a final
 * ه read as ة, per-sentence hit flags, the context window, the
 * pseudo-terms, the shipped samples and stance corpus, and lexicon parse
 * errors. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "fsutil.h"
#include "jsonout.h"
#include "targets.h"
#include "testutil.h"

static mz_normalizer *nz;
static mz_targets ts;
static mz_matcher *russia, *west;
static mz_doc doc;
static uint8_t hit[4096];

static void setup(void)
{
    mz_err e = {{0}};
    nz = mz_normalizer_new(&e);
    ck_assert_msg(nz != NULL, "%s", e.msg);
    ck_assert_msg(mz_targets_load(&ts, mz_test_path("models/targets.json"), nz, &e) == 0, "%s", e.msg);
    russia = mz_matcher_new(mz_targets_find(&ts, "russia"), &e);
    west = mz_matcher_new(mz_targets_find(&ts, "west"), &e);
    ck_assert_ptr_nonnull(russia);
    ck_assert_ptr_nonnull(west);
    mz_doc_init(&doc);
}

static void teardown(void)
{
    mz_matcher_free(russia);
    mz_matcher_free(west);
    mz_targets_free(&ts);
    mz_normalizer_free(nz);
    mz_doc_free(&doc);
}

static long count_in(mz_matcher *m, const char *title, const char *text)
{
    mz_err e = {{0}};
    ck_assert_msg(mz_doc_build(&doc, nz, title, title ? strlen(title) : 0, text, strlen(text), &e) == 0, "%s",
                  e.msg);
    ck_assert_uint_lt(doc.nsent, sizeof hit);
    memset(hit, 0xAA, sizeof hit);
    long c = mz_match(m, &doc, hit);
    ck_assert_int_ge(c, 0);
    long nh = 0;
    for (size_t s = 0; s < doc.nsent; s++) {
        ck_assert_msg(hit[s] == 0 || hit[s] == 1, "hit[%zu] = %d", s, hit[s]);
        nh += hit[s];
    }
    ck_assert_int_le(nh, c); /* a hit sentence holds at least one mention */
    if (c) ck_assert_int_gt(nh, 0);
    return c;
}

static long count(mz_matcher *m, const char *text) { return count_in(m, NULL, text); }

#define COUNT(m, text, n) ck_assert_msg(count((m), (text)) == (n), "%s: %ld mentions, want %d", (text), count((m), (text)), (n))

START_TEST(test_lexicon_loaded)
{
    /* two targets and the two evaluative cue lists */
    ck_assert_uint_eq(ts.n, 4);
    ck_assert_ptr_nonnull(mz_targets_find(&ts, "@critical"));
    ck_assert_ptr_nonnull(mz_targets_find(&ts, "@favourable"));
    const mz_target *r = mz_targets_find(&ts, "russia"), *w = mz_targets_find(&ts, "west");
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_null(mz_targets_find(&ts, "china"));
    ck_assert_ptr_null(mz_targets_find(&ts, ""));
    ck_assert_uint_gt(mz_strmap_count(r->forms), 20);
    ck_assert_uint_gt(w->nphrases, 20);
    ck_assert_uint_gt(w->nexclude, 20);
    /* entries were normalised and tokenised like article text */
    ck_assert_int_ge(mz_strmap_find(r->forms, "موسكو", strlen("موسكو")), 0);
    int found = 0;
    for (size_t i = 0; i < w->nphrases; i++)
        if (w->phrases[i].n == 2 && !strcmp(w->phrases[i].tok[0], "الولايات") &&
            !strcmp(w->phrases[i].tok[1], "المتحدة"))
            found = 1;
    ck_assert(found);
}
END_TEST

START_TEST(test_forms_with_clitics)
{
    COUNT(russia, "والروس", 1);
    COUNT(russia, "بموسكو", 1);
    COUNT(russia, "الكرملين", 1);   /* article stripped: كرملين */
    COUNT(russia, "للكرملين", 1);   /* لل = ل + ال */
    COUNT(russia, "وللكرملين", 1);
    COUNT(russia, "فبموسكو", 1);
    COUNT(russia, "الروسية", 1);
    COUNT(west, "لواشنطن", 1);
    COUNT(west, "بلندن", 1);
    COUNT(west, "ولندن", 1);
    COUNT(west, "لفرنسا", 1);
    COUNT(west, "بالمانيا", 1);
    COUNT(west, "الأمريكي", 1);     /* written with hamza in the article */
    COUNT(west, "وأمريكا", 1);
    /* no suffix stripping: inflections must be listed, others do not match */
    COUNT(russia, "موسكوية", 0);
    /* a clitic never leaves fewer than two letters */
    COUNT(russia, "روس", 1);
    COUNT(russia, "وروس", 1);
}
END_TEST

START_TEST(test_names_starting_with_clitic_letters)
{
    COUNT(west, "واشنطن", 1);
    COUNT(russia, "بوتين", 1);
    COUNT(west, "فرنسا", 1);
    COUNT(west, "باريس", 1);
    COUNT(west, "برلين", 1);
    COUNT(west, "لندن", 1);
    COUNT(russia, "لافروف", 1);
    COUNT(russia, "كرملين", 1);
    COUNT(west, "المانيا", 1);
    COUNT(west, "الماني", 1);
    COUNT(west, "اليزيه", 1);
    COUNT(russia, "وبوتين", 1);
    COUNT(west, "وواشنطن", 1);
    COUNT(russia, "قال بوتين إن موسكو لن تتراجع", 2);
}
END_TEST

START_TEST(test_phrases)
{
    COUNT(west, "الولايات المتحدة", 1);
    COUNT(west, "والولايات المتحدة", 1);
    COUNT(west, "بالولايات المتحدة", 1);
    ck_assert_int_ge(count(west, "الولايات المتحدة الأمريكية"), 1);
    COUNT(west, "البيت الأبيض", 1);
    COUNT(west, "حلف شمال الأطلسي", 1);
    COUNT(west, "الدول الغربية", 1);
    COUNT(west, "للدول الغربية", 1);
    COUNT(russia, "الرئيس الروسي", 1);
    COUNT(russia, "وزارة الخارجية الروسية", 1);
    /* only the first word may carry clitics */
    COUNT(west, "الولايات والمتحدة", 0);
    /* a phrase does not run across a sentence boundary */
    COUNT(west, "زار الولايات. المتحدة", 0);
    /* a phrase's words alone are not mentions */
    COUNT(west, "الولايات", 0);
    COUNT(west, "البيت", 0);
}
END_TEST

/* Regression test for a fixed bug: lib/targets.c, mz_match() only tries
 * phrases with `s->n > 1`, so a one-word entry under "phrases" is loaded
 * (and even marks its token as a phrase start) but never counted.
 * models/targets.json lists الغرب ("the West", the commonest way Arabic news
 * names it) under phrases, because غرب alone must not be a form; the result
 * is that الغرب، للغرب، والغرب are never West mentions.  Expected: 1 each.
 *  */
START_TEST(test_one_word_phrase_alghareb)
{
    /* what must hold either way: the bare compass word is no mention */
    COUNT(west, "غرب", 0);
    COUNT(west, "الغربي", 0);
    COUNT(west, "الغرب", 1);
    COUNT(west, "للغرب", 1);
    COUNT(west, "والغرب", 1);
    COUNT(west, "اتهمت موسكو الغرب بالتصعيد", 1);
}
END_TEST

/* Regression test for a fixed bug: lib/targets.c, mz_match() takes the
 * FIRST phrase in lexicon order that matches at a token, not the longest.
 * targets.json lists "الولايات المتحدة" before "الولايات المتحدة الامريكية",
 * so the longer phrase never wins, only two words are consumed, and the third
 * (الامريكية, a form) is counted again: one name, two mentions (the
 * "@mention" pseudo-term and the JSON "mentions" are inflated).  Expected: 1.
 *  */
START_TEST(test_longest_phrase_counted_once)
{
    COUNT(west, "الولايات المتحدة", 1);
    COUNT(west, "المتحدة الأمريكية", 1); /* the form alone, after a non-phrase word */
    COUNT(west, "الولايات المتحدة الأمريكية", 1);
    COUNT(west, "والولايات المتحدة الاميركية", 1);
}
END_TEST

/* A phrase and the adjective right after it name one thing: one mention.
 * A conjunct, a bare name in a list, or the adjective in the next
 * sentence are mentions of their own. */
START_TEST(test_phrase_with_trailing_adjective)
{
    COUNT(west, "وكالة المخابرات المركزية الأمريكية", 1);
    COUNT(west, "وكالة المخابرات المركزية", 1);
    COUNT(west, "قالت وكالة المخابرات المركزية الأمريكية إن واشنطن", 2);
    COUNT(west, "الاتحاد الأوروبي وبريطانيا", 2);
    COUNT(west, "الاتحاد الأوروبي بريطانيا", 2);
    COUNT(west, "وكالة المخابرات المركزية. الأمريكية", 2);
}
END_TEST

START_TEST(test_exclusions_win)
{
    COUNT(west, "الضفة الغربية", 0);
    COUNT(west, "المحيط الأطلسي", 0);
    COUNT(west, "المحيط الاطلسي", 0);
    COUNT(west, "ارتفع الدولار الأمريكي", 0);
    COUNT(west, "ذكرت صحيفة واشنطن بوست", 0);
    COUNT(west, "وكالة الصحافة الفرنسية", 0);
    COUNT(west, "باريس سان جيرمان", 0);
    COUNT(west, "أمريكا اللاتينية", 0);
    COUNT(west, "خام غرب تكساس", 0);
    COUNT(west, "بالمغرب", 0);
    COUNT(russia, "روسيا البيضاء", 0);
    COUNT(russia, "وروسيا البيضاء", 0);  /* exclusion with a clitic on its first word */
    COUNT(russia, "بمونديال روسيا", 0);
    COUNT(russia, "كروس", 0);           /* would strip to روس */
    COUNT(russia, "بروس", 0);
    /* the nickname of the CSTO is not the West, but it is about Russia */
    COUNT(west, "الناتو الروسي", 0);
    COUNT(russia, "الناتو الروسي", 1);
    COUNT(west, "الناتو", 1);
    /* an exclusion does not hide a real mention next to it */
    COUNT(west, "قالت واشنطن بوست إن واشنطن رفضت", 1);
    COUNT(west, "الدولار الأمريكي والاقتصاد الأمريكي", 1);
    COUNT(russia, "رئيس روسيا البيضاء زار روسيا", 1);
    /* an exclusion that begins inside a phrase still wins: the phrase
     * الحكومة الروسية, the exclusion الروسية البيضاء */
    COUNT(russia, "اجتمعت الحكومة الروسية البيضاء امس في مينسك", 0);
    COUNT(russia, "اجتمعت الحكومة الروسية امس", 1);
    /* agencies and papers named with their country are sources; national
     * teams are sport; horsemanship is not Russian; Austria is left out */
    COUNT(russia, "نقلت وكالة تاس الروسية عن مصدر عسكري", 0);
    COUNT(russia, "ذكرت وكالة الإعلام الروسية", 0);
    COUNT(russia, "نقلت وكالة تاس الروسية عن الكرملين", 1);
    COUNT(west, "ذكرت صحيفة واشنطن بوست الأمريكية أن الحكومة العراقية تدرس", 0);
    COUNT(west, "فاز المنتخب السويدي على منتخب الدنمارك", 0);
    COUNT(russia, "تأهل منتخب روسيا إلى الدور الثاني", 0);
    COUNT(russia, "فاز الفارس ببطولة فروسية دولية", 0);
    COUNT(russia, "فروسيا تعارض القرار", 1);
    COUNT(west, "زار رئيس الوزراء النمسا", 0);
    /* a newspaper's or broadcaster's nationality is a source, not the
     * country; a state body named the same way is the country */
    COUNT(west, "ذكرت صحيفة \"الغارديان\" البريطانية", 0);
    COUNT(west, "وقالت هيئة الإذاعة البريطانية", 0);
    COUNT(west, "نقلت صحيفة نيويورك تايمز الأمريكية عن مسؤول", 0);
    COUNT(west, "وفق شبكة سي إن إن الأمريكية", 0);
    COUNT(west, "وكالة المخابرات المركزية الأمريكية", 1);
    COUNT(west, "نقلت صحيفة الغارديان البريطانية عن الحكومة البريطانية", 1);
}
END_TEST

START_TEST(test_hit_flags_per_sentence)
{
    long c = count(russia, "جملة عن الطقس. موسكو ترد بحزم. جملة أخرى هنا. الكرملين يعلق ويرد بوتين");
    ck_assert_int_eq(c, 3);
    ck_assert_uint_eq(doc.nsent, 4);
    ck_assert_int_eq(hit[0], 0);
    ck_assert_int_eq(hit[1], 1);
    ck_assert_int_eq(hit[2], 0);
    ck_assert_int_eq(hit[3], 1);
    ck_assert_int_eq(hit[4], 0xAA); /* nothing written past nsent */
    /* title sentence */
    c = count_in(west, "ماكرون في برلين", "نص الخبر. لا ذكر هنا");
    ck_assert_int_eq(c, 2);
    ck_assert_int_eq(hit[0], 1);
    ck_assert_int_eq(hit[1], 0);
    ck_assert_int_eq(hit[2], 0);
    /* no mention: all zero; empty doc: zero */
    ck_assert_int_eq(count(west, "لا شيء. ولا هنا"), 0);
    ck_assert_int_eq(hit[0] | hit[1], 0);
    ck_assert_int_eq(count(west, "..."), 0);
}
END_TEST

/* Past 65,535 sentences a token still knows its own: a phrase or an
 * exclusion never runs across a sentence break, and the hit lands on the
 * mention's sentence (sentence numbers once saturated there). */
START_TEST(test_sentences_past_65535)
{
    mz_buf b = {0};
    for (int i = 0; i < 70000; i++) mz_buf_puts(&b, "كلام.\n");
    mz_buf_puts(&b, "زار روسيا.\nالبيضاء جميلة اليوم.");
    mz_err e = {{0}};
    ck_assert_msg(mz_doc_build(&doc, nz, NULL, 0, b.s, b.n, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(doc.nsent, 70002);
    ck_assert_uint_eq(doc.tok[doc.ntok - 1].sent, 70001);
    uint8_t *h = calloc(doc.nsent, 1);
    ck_assert_int_eq(mz_match(russia, &doc, h), 1);
    ck_assert_int_eq(h[70000], 1);
    for (size_t s = 0; s < doc.nsent; s++)
        if (s != 70000) ck_assert_msg(h[s] == 0, "hit in sentence %zu", s);
    free(h);
    mz_buf_free(&b);
}
END_TEST

START_TEST(test_matcher_cache_across_documents)
{
    /* the same token in different documents and the matcher reused many times */
    for (int i = 0; i < 50; i++) {
        COUNT(russia, "موسكو وموسكو بموسكو", 3);
        COUNT(russia, "لا شيء هنا", 0);
        COUNT(russia, "كروس وموسكو", 1);
    }
    /* two matchers over one target agree */
    mz_err e = {{0}};
    mz_matcher *m2 = mz_matcher_new(mz_targets_find(&ts, "russia"), &e);
    ck_assert_ptr_nonnull(m2);
    ck_assert_int_eq(count(m2, "بوتين ولافروف في الكرملين"), 3);
    mz_matcher_free(m2);
}
END_TEST

START_TEST(test_context_from_hits)
{
    uint8_t h[7] = {0, 0, 1, 0, 0, 0, 1}, c[7];
    mz_context_from_hits(h, 7, 1, c);
    const uint8_t w1[7] = {0, 1, 1, 1, 0, 1, 1};
    ck_assert_int_eq(memcmp(c, w1, 7), 0);
    mz_context_from_hits(h, 7, 0, c);
    ck_assert_int_eq(memcmp(c, h, 7), 0);
    mz_context_from_hits(h, 7, 10, c);
    for (int i = 0; i < 7; i++) ck_assert_int_eq(c[i], 1);
    uint8_t h2[5] = {1, 0, 0, 0, 0}, c2[5];
    mz_context_from_hits(h2, 5, 2, c2);
    const uint8_t w2[5] = {1, 1, 1, 0, 0};
    ck_assert_int_eq(memcmp(c2, w2, 5), 0);
    uint8_t h3[4] = {0, 0, 0, 0}, c3[4] = {9, 9, 9, 9};
    mz_context_from_hits(h3, 4, 3, c3);
    for (int i = 0; i < 4; i++) ck_assert_int_eq(c3[i], 0); /* cleared, not left as was */
    mz_context_from_hits(h3, 0, 3, c3);                      /* no sentences: nothing to do */
}
END_TEST

START_TEST(test_target_features)
{
    mz_err e = {{0}};
    uint8_t h[64], c[64];
    mz_extra ex[3];
    size_t nex = 99;
    const char *title = "بوتين يزور الصين";
    const char *text = "جملة أولى. جملة ثانية. جملة ثالثة. جملة رابعة. وموسكو ترد";
    ck_assert_int_eq(mz_doc_build(&doc, nz, title, strlen(title), text, strlen(text), &e), 0);
    ck_assert_uint_eq(doc.nsent, 6);
    long n = mz_target_features(russia, &doc, 1, h, c, ex, &nex);
    ck_assert_int_eq(n, 2);
    ck_assert_uint_eq(nex, 2);
    ck_assert_str_eq(ex[0].name, "@mention");
    ck_assert_double_eq(ex[0].count, 2.0);
    ck_assert_str_eq(ex[1].name, "@title");
    const uint8_t wc[6] = {1, 1, 0, 0, 1, 1};
    ck_assert_int_eq(memcmp(c, wc, 6), 0);
    /* named in the lead (first three body sentences), not in a title */
    text = "جملة أولى. قالت موسكو. جملة ثالثة. جملة رابعة";
    ck_assert_int_eq(mz_doc_build(&doc, nz, NULL, 0, text, strlen(text), &e), 0);
    n = mz_target_features(russia, &doc, 0, h, c, ex, &nex);
    ck_assert_int_eq(n, 1);
    ck_assert_uint_eq(nex, 2);
    ck_assert_str_eq(ex[1].name, "@lead");
    const uint8_t wc2[4] = {0, 1, 0, 0};
    ck_assert_int_eq(memcmp(c, wc2, 4), 0);
    /* not named: no pseudo-terms, context all zero */
    n = mz_target_features(west, &doc, 2, h, c, ex, &nex);
    ck_assert_int_eq(n, 0);
    ck_assert_uint_eq(nex, 0);
    for (size_t s = 0; s < doc.nsent; s++) ck_assert_int_eq(c[s], 0);
}
END_TEST

START_TEST(test_shipped_samples)
{
    struct {
        const char *file;
        int russia, west; /* -1: none, 1: some */
    } want[] = {
        {"corpora/samples/csto-kazakhstan-oped.txt", 1, -1}, /* ناتو روسي is not the West */
        {"corpora/samples/culture-festival.txt", -1, -1},
        {"corpora/samples/nato-summit-2018.txt", 1, 1},
        {"corpora/samples/wire-2018-economy.txt", 1, -1}, /* خام غرب تكساس is not the West */
        {"corpora/samples/wire-2018-sport.txt", -1, -1},  /* بمونديال روسيا is not Russia */
        {"corpora/samples/wire-2018-tech.txt", -1, -1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        mz_err e = {{0}};
        ck_assert_msg(mz_read_file(mz_test_path(want[i].file), 1u << 20, &buf, &len, &e) == 0, "%s", e.msg);
        long r = count(russia, buf), w = count(west, buf);
        ck_assert_msg((r > 0) == (want[i].russia > 0), "%s: %ld Russia mentions", want[i].file, r);
        ck_assert_msg((w > 0) == (want[i].west > 0), "%s: %ld West mentions", want[i].file, w);
        free(buf);
    }
}
END_TEST

typedef struct stance_check {
    size_t n, bad;
    char msg[512];
} stance_check;

static int check_stance(void *arg, const mz_record *r, mz_err *e)
{
    (void)e;
    stance_check *sc = arg;
    long cr = count_in(russia, r->title, r->text);
    long cw = count_in(west, r->title, r->text);
    const cJSON *jr = cJSON_GetObjectItemCaseSensitive(r->obj, "russia");
    const cJSON *jw = cJSON_GetObjectItemCaseSensitive(r->obj, "west");
    int hr = jr && !cJSON_IsNull(jr), hw = jw && !cJSON_IsNull(jw);
    if (hr != (cr > 0) || hw != (cw > 0)) {
        sc->bad++;
        snprintf(sc->msg, sizeof sc->msg, "%s: russia %s/%ld mentions, west %s/%ld mentions", r->id,
                 hr ? "scored" : "null", cr, hw ? "scored" : "null", cw);
    }
    sc->n++;
    return 0;
}

START_TEST(test_stance_corpus_mentions_match_labels)
{
    /* corpora/mini/README.md: a text has a score for a target exactly when
     * the lexicon finds it there */
    mz_fields f;
    mz_fields_default(&f);
    f.label = "russia";
    stance_check sc = {0, 0, ""};
    mz_err e = {{0}};
    ck_assert_msg(mz_corpus_read(mz_test_path("corpora/mini/stance.jsonl"), &f, check_stance, &sc, &e) == 0, "%s",
                  e.msg);
    ck_assert_uint_eq(sc.n, 40);
    ck_assert_msg(sc.bad == 0, "%zu records disagree, e.g. %s", sc.bad, sc.msg);
}
END_TEST

#define PARSE_FAILS(json, needle)                                                               \
    do {                                                                                        \
        mz_targets t_;                                                                          \
        mz_err e_ = {{0}};                                                                      \
        ck_assert_int_eq(mz_targets_parse(&t_, (json), strlen(json), "lex.json", nz, &e_), -1); \
        ck_assert_msg(strstr(e_.msg, (needle)) != NULL, "'%s' lacks '%s'", e_.msg, (needle));   \
        ck_assert_uint_eq(t_.n, 0);                                                             \
    } while (0)

START_TEST(test_lexicon_errors)
{
    PARSE_FAILS("not json", "malformed JSON");
    /* one value, whole: a stray brace mid-file dropped every section after it */
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"x\"]}}}}, \"cues\": {}}",
                "lex.json:1:37: malformed JSON: more after the value (near \"}, \"cues\": {\")");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"x\"]}}}\n\n xyz", "lex.json:3:2: malformed JSON: more after the value");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"x\",]}}}", "lex.json:1:34: malformed JSON (near");
    PARSE_FAILS("{\"version\": 1}", "missing object \"targets\"");
    PARSE_FAILS("{\"targets\": []}", "missing object \"targets\"");
    PARSE_FAILS("{\"targets\": {}}", "no targets");
    PARSE_FAILS("{\"targets\": {\"a\": []}}", "a target (\"a\") is not an object of lists");
    PARSE_FAILS("{\"targets\": {\"a\": {\"phrases\": [1]}}}", "must be a list of strings");
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": {\"x\": 1}}}}", "must be a list of strings");
    PARSE_FAILS("{\"targets\": {\"a\": {\"phrases\": [\"...\"]}}}", "which is no word");
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"\"]}}}", "has no word");
    char many[2048] = "{\"targets\": {";
    for (int i = 0; i < 17; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"t%d\": {\"forms\": [\"x%d\"]}", i ? ", " : "",
                 i, i);
    strcat(many, "}}");
    PARSE_FAILS(many, "at most 16 targets");
    /* the error names the file */
    PARSE_FAILS("{\"targets\": {\"a\": {\"phrases\": [2]}}}", "lex.json");
}
END_TEST

/* Regression test for a fixed bug: lib/targets.c, mz_targets_parse() leaks
 * the local `forms` list (and every entry already loaded into it) whenever
 * loading fails after load_list() allocated it: a bad entry in "forms"
 * itself, or any error in "phrases"/"exclude" once "forms" was read; the
 * fail: path frees the target but not `forms`.  The messages are right; only
 * LeakSanitizer (make check-asan) sees the leak. */
START_TEST(test_lexicon_errors_after_forms)
{
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": \"روسيا\"}}}", "must be a list of strings"); /* no list yet */
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [1]}}}", "must be a list of strings");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"روسيا\", \"...\"]}}}", "which is no word");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"روسيا\"], \"phrases\": [3]}}}", "must be a list of strings");
}
END_TEST

START_TEST(test_lexicon_is_normalised)
{
    /* a lexicon written with hamza and diacritics matches plain text and back */
    const char *json = "{\"targets\": {\"t\": {\"forms\": [\"أَمريكا\", \"ـكنداـ\"], "
                       "\"phrases\": [\"البيت الأبيض\"], \"exclude\": [\"إمريكا الجنوبية\"]}}}";
    mz_targets t;
    mz_err e = {{0}};
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_matcher *m = mz_matcher_new(&t.t[0], &e);
    ck_assert_ptr_nonnull(m);
    COUNT(m, "امريكا", 1);
    COUNT(m, "أمريكا", 1);
    COUNT(m, "لأمريكا", 1);
    COUNT(m, "كندا", 1);
    COUNT(m, "البيت الابيض", 1);
    COUNT(m, "أمريكا الجنوبية", 0);
    mz_matcher_free(m);
    mz_targets_free(&t);
}
END_TEST

/* Regression test for a fixed bug: lib/targets.c, mz_targets_parse()
 * silently drops a multi-word entry under "forms" (the loop interns a form
 * only when forms[i].n == 1), although its own comment says "a multi-word
 * form is a phrase in all but name".  An editor who puts "البيت الابيض" under
 * forms gets no error and no match.  Expected: matched like a phrase (or the
 * file refused).  */
START_TEST(test_multi_word_form)
{
    const char *json = "{\"targets\": {\"t\": {\"forms\": [\"البيت الابيض\", \"واشنطن\"]}}}";
    mz_targets t;
    mz_err e = {{0}};
    int rc = mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e);
    if (rc != 0) { /* refusing the file is an acceptable fix too */
        ck_assert_ptr_nonnull(strstr(e.msg, "lex.json"));
        return;
    }
    mz_matcher *m = mz_matcher_new(&t.t[0], &e);
    COUNT(m, "واشنطن", 1);
    COUNT(m, "البيت الابيض", 1);
    mz_matcher_free(m);
    mz_targets_free(&t);
}
END_TEST

/* A club, player or coach followed by its country's adjective is sport,
 * not the country; the country beside it still counts. */
START_TEST(test_sports_clubs_with_country)
{
    COUNT(west, "فاز ريال مدريد الإسباني على ضيفه", 0);
    COUNT(west, "تعادل برشلونة الاسباني مع يوفنتوس الإيطالي", 0);
    COUNT(west, "خسر دورتموند الألماني أمام باريس سان جرمان الفرنسي", 0);
    COUNT(west, "باريس سان جيرمان الفرنسي", 0);
    COUNT(west, "انتقل اللاعب الإسباني إلى النادي الإيطالي مع المدرب الألماني", 0);
    /* "*" in an exclusion: a club, paper or company of any one-word name */
    COUNT(west, "وقع اللاعب راموس الإسباني عقدا جديدا", 0);
    COUNT(west, "أقال النادي الملكي الإسباني مدربه", 0);
    COUNT(west, "فاز برشلونة الإسباني، وقالت الحكومة الإسبانية إنها ترحب", 1);
    COUNT(russia, "سجل اللاعب الروسي هدفا", 0);
}
END_TEST

START_TEST(test_sports_events_in_russia)
{
    COUNT(russia, "تأهل المنتخب إلى كأس العالم 2018 في روسيا", 0);
    COUNT(russia, "يشارك في مونديال 2018 بروسيا", 0);
    COUNT(russia, "نجوم المونديال الروسي", 0);
    COUNT(russia, "فاز السائق بجائزة روسيا الكبرى", 0);
    COUNT(russia, "قبل انطلاق مونديال روسيا 2018", 0);
    COUNT(russia, "قبل كأس العالم في روسيا اتهمت لندن موسكو", 1);
}
END_TEST

START_TEST(test_outlets_with_nationality)
{
    COUNT(west, "ذكرت صحيفة ماركا الإسبانية", 0);
    COUNT(west, "بحسب اس الاسبانية", 0);
    COUNT(west, "وفق صحيفة سبورت الإسبانية", 0);
    COUNT(west, "قالت غازيتا ديللو سبورت الإيطالية", 0);
    COUNT(west, "بثت قناة تي إف 1 الفرنسية", 1); /* a name of two words or more is not covered */
    COUNT(west, "بثت قناة أرتي الفرنسية", 0);
    COUNT(west, "نقلت صحيفة \"مترو\" البريطانية عن الحكومة البريطانية", 1);
}
END_TEST

/* The codebook calls a dateline absent. */
START_TEST(test_datelines)
{
    COUNT(west, "أتلانتا، الولايات المتحدة الأمريكية (CNN) -- أعلنت الشركة", 0);
    COUNT(west, "واشنطن (CNN) -- قال", 0);
    COUNT(russia, "موسكو - أ ش أ: أعلنت الشركة", 0);
    COUNT(russia, "موسكو (رويترز) - قال الكرملين", 1);
    COUNT(west, "قالت واشنطن لشبكة CNN", 1);
    /* a capital and then its country: the capital had been counted */
    COUNT(west, "لندن، المملكة المتحدة (CNN)— أعلن قصر كينزينغتون", 0);
    COUNT(west, "باريس، فرنسا (CNN) -- قالت الشرطة", 0);
    COUNT(russia, "موسكو (روسيا) (أ ف ب) - قال مسؤول", 0);
    COUNT(west, "ميونيخ (ألمانيا) (أ ف ب) - افتتح المؤتمر", 0);
    COUNT(west, "لندن (بريطانيا) (أ ف ب) - قال", 0);
    COUNT(west, "برلين، ألمانيا (رويترز) - قال", 0);
    /* a credit after a country named in the text is not a dateline */
    COUNT(west, "تظاهر الآلاف في ألمانيا (أ ف ب)", 1);
    COUNT(west, "قال رئيس الوزراء في لندن إن المملكة المتحدة ستغادر", 2);
}
END_TEST

/* People and clubs whose names hold a target's form. */
START_TEST(test_names_holding_forms)
{
    COUNT(russia, "سجل روس باركلي هدفا", 0);
    COUNT(russia, "قال المبعوث دينيس روس", 0);
    COUNT(russia, "قال الروس إنهم سيردون", 1);
    COUNT(west, "فاز مانشستر يونايتد على ضيفه وقال مدرب المان يونايتد", 0);
    COUNT(west, "تأهل الفريق في الأوربا ليغ", 0);
}
END_TEST

START_TEST(test_markets_and_companies)
{
    COUNT(west, "ارتفع الخام الأمريكي وتراجعت العملة الأمريكية", 0);
    COUNT(west, "صعدت العقود الأمريكية وهبط النفط الأمريكي", 0);
    COUNT(west, "أغلقت الأسهم الأمريكية والأسهم الأوروبية على ارتفاع", 0);
    COUNT(west, "أعلنت شركة بوش عن أرباحها، ومؤسسها روبرت بوش", 0);
    COUNT(west, "أعلنت شركة نايكي الأمريكية", 0);
    COUNT(west, "قال جورج بوش", 1);
    COUNT(west, "فرضت الحكومة الأمريكية رسوما على الأسهم الأوروبية", 1);
}
END_TEST

START_TEST(test_sports_bodies_and_tournaments)
{
    COUNT(west, "قرر الاتحاد الأوروبي لكرة القدم معاقبة النادي", 0);
    COUNT(west, "أعلن الاتحاد السويدي لكرة القدم والاتحاد الأمريكي لكرة القدم", 0);
    COUNT(west, "فاز بكأس السوبر الأوروبي ثم كأس الأمم الأوروبية", 0);
    COUNT(west, "بلغ نهائي بطولة فرنسا المفتوحة وبطولة أمريكا المفتوحة", 0);
    COUNT(west, "توج بكأس ملك إسبانيا وكأس إيطاليا", 0);
    COUNT(west, "فاز بجائزة فرنسا الكبرى", 0);
    COUNT(west, "فرض الاتحاد الأوروبي عقوبات", 1);
}
END_TEST

START_TEST(test_borussia_and_moscow_clubs)
{
    COUNT(russia, "فاز بروسيا دورتموند على بروسيا مونشنغلادباخ", 0);
    COUNT(russia, "تعادل لوكوموتيف موسكو مع سبارتاك موسكو", 0);
    COUNT(russia, "هزم سسكا موسكو الروسي دينامو موسكو", 0);
    COUNT(russia, "ولد في بروسيا وعاش في موسكو", 2); /* ب + روسيا elsewhere stays */
}
END_TEST

/* The compass direction is not the West. */
START_TEST(test_compass_west)
{
    COUNT(west, "تمتد السلسلة من الغرب إلى الشرق", 0);
    COUNT(west, "هطلت الأمطار على الشمال والغرب", 0);
    COUNT(west, "يحدها من الغرب البحر", 0);
    COUNT(west, "سيطرت القوات على الغرب الليبي", 0);
    COUNT(west, "اتهم الغرب بالتصعيد", 1);
}
END_TEST

START_TEST(test_names_sharing_a_form)
{
    COUNT(russia, "قال وزير التجارة ويلبور روس", 0);
    COUNT(russia, "قال ويلبر روس", 0);
    COUNT(west, "زارت ميلانيا ترامب وإيفانكا ترامب المدرسة", 0);
    COUNT(west, "قال باحث في معهد واشنطن وآخر في جامعة واشنطن", 0);
    COUNT(west, "اندلعت حرائق في ولاية واشنطن", 0);
    COUNT(west, "قال معهد واشنطن إن واشنطن سترد", 1);
}
END_TEST

START_TEST(test_missing_names)
{
    COUNT(west, "قال ساركوزي", 1);
    COUNT(west, "حقق مكتب التحقيقات الفيدرالي", 1);
    COUNT(west, "التقى جون كيري وكوشنر", 2);
    COUNT(west, "قال مايك بنس", 1);
    COUNT(west, "قال يونكر وموغيريني", 2);
    COUNT(west, "قال جيرمي هانت", 1);
    COUNT(west, "قال فرانسوا هولاند", 1);
    COUNT(west, "هولاند", 0); /* alone still left out */
    COUNT(west, "حلف شمال الأطلنطي", 1);
    COUNT(west, "المحيط الأطلنطي", 0);
    COUNT(west, "الاتحاد الأوربي", 1);
    COUNT(west, "الدول الأوربية", 1);
    COUNT(west, "دوري أبطال أوربا", 0);
    COUNT(west, "الحكومة البلجيكية", 1);
    COUNT(west, "الإيطاليين والإسبان واليونانيين", 3);
    COUNT(west, "الهولنديين والسويديين", 2);
    COUNT(west, "الإيطاليون وإسبانيين", 2);
    COUNT(west, "بريطانيات وفرنسيات", 2);
    COUNT(west, "قال روته وستارمر وميرتس وروبيو وفانس", 5);
    COUNT(russia, "قال نوفاك", 1);
    COUNT(russia, "فاز نوفاك ديوكوفيتش", 0);
}
END_TEST

/* A final ه written for ة: the names' matchers read it as ة too; the cue
 * lists do not (حكمه, his ruling, is not حكمة). */
START_TEST(test_final_ha_for_ta_marbuta)
{
    COUNT(russia, "الخارجيه الروسيه", 1);
    COUNT(russia, "قالت الحكومه الروسيه", 1);
    COUNT(west, "الدول الاوروبيه", 1);
    COUNT(west, "الضفه الغربيه", 0);       /* an exclusion read the same way */
    COUNT(russia, "الروسيه البيضاء", 0);
    COUNT(russia, "كتبه", 0);
    mz_err e = {{0}};
    mz_matcher *r2 = mz_matcher_new(mz_targets_find(&ts, "russia"), &e);
    ck_assert_ptr_nonnull(r2);
    ck_assert_int_eq(mz_matcher_set_cues(r2, NULL, mz_targets_find(&ts, "@favourable"), &e), 0);
    const char *texts[2] = {"قالت روسيا إن حكمه نهائي", "أشاد بحكمة روسيا"};
    for (int k = 0; k < 2; k++) {
        uint8_t h[8], c[8];
        mz_extra ex[7];
        size_t nex = 0;
        ck_assert_int_eq(mz_doc_build(&doc, nz, NULL, 0, texts[k], strlen(texts[k]), &e), 0);
        ck_assert_int_eq(mz_target_features(r2, &doc, 0, h, c, ex, &nex), 1);
        int fav = 0;
        for (size_t x = 0; x < nex; x++) fav |= !strcmp(ex[x].name, "@fav_all");
        ck_assert_msg(fav == k, "%s: @fav_all %s", texts[k], fav ? "counted" : "not counted");
    }
    mz_matcher_free(r2);
}
END_TEST

/* A title and the name of its holder right after it are one mention. */
START_TEST(test_title_and_name_one_mention)
{
    COUNT(west, "قال الرئيس الأمريكي دونالد ترامب", 1);
    COUNT(west, "قال الرئيس الأمريكي ترامب", 1);
    COUNT(russia, "قال الرئيس الروسي فلاديمير بوتين", 1);
    COUNT(russia, "قال الرئيس الروسي، فلاديمير بوتين، إن", 1);
    COUNT(russia, "قال وزير الخارجية الروسي سيرغي لافروف", 1);
    COUNT(russia, "قال المتحدث باسم الكرملين ديمتري بيسكوف", 1);
    COUNT(west, "قالت رئيسة الوزراء البريطانية تيريزا ماي", 1);
    /* a title alone, a conjunct, a name in the next sentence: each counts */
    COUNT(russia, "قال الرئيس الروسي", 1);
    COUNT(russia, "التقى الرئيس الروسي وبوتين", 2);
    COUNT(russia, "تحدث الرئيس الروسي. بوتين قال", 2);
    COUNT(west, "قال الرئيس الأمريكي إن واشنطن سترد", 2);
    /* a phrase that is not a title keeps its list rule */
    COUNT(west, "الاتحاد الأوروبي بريطانيا", 2);
}
END_TEST

/* "titles" and "*" in a lexicon of one's own. */
START_TEST(test_titles_and_wildcard_in_lexicon)
{
    const char *json = "{\"targets\": {\"t\": {\"forms\": [\"كندا\", \"كندية\"], \"people\": [\"ترودو\"], \"titles\": [\"رئيس الوزراء الكندي\"], "
                       "\"exclude\": [\"صحيفة * الكندية\"]}}}";
    mz_targets t;
    mz_err e = {{0}};
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_matcher *m = mz_matcher_new(&t.t[0], &e);
    ck_assert_ptr_nonnull(m);
    COUNT(m, "قال رئيس الوزراء الكندي", 1);
    COUNT(m, "قال رئيس الوزراء الكندي ترودو إن كندا", 2);
    COUNT(m, "ذكرت صحيفة ستار الكندية", 0);
    COUNT(m, "ذكرت صحيفة ترودو", 1);               /* "*" is one word, never the last */
    COUNT(m, "ذكرت صحيفة تورنتو ستار الكندية", 1);  /* a name of two words is not covered */
    COUNT(m, "ذكرت صحيفة ستار. الكندية", 1);       /* and never across a sentence break */
    mz_matcher_free(m);
    mz_targets_free(&t);
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"* الكندية\"]}}}", "begins or ends with \"*\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"صحيفة *\"]}}}", "begins or ends with \"*\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"titles\": [4]}}}", "must be a list of strings");
}
END_TEST

/* Keys that are not read, a target with nothing in it or given twice, and
 * a version this program does not know are refused, naming what is read. */
START_TEST(test_lexicon_unknown_keys)
{
    PARSE_FAILS("{\"targets\": {\"a\": {\"form\": [\"كندا\"]}}}", "unknown key \"form\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"form\": [\"كندا\"]}}}", "forms, people, phrases, titles, exclude, note");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"title\": [\"رئيس كندا\"]}}}", "unknown key \"title\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"exclusions\": [\"كندا دراي\"]}}}",
                "unknown key \"exclusions\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"]}}, \"cues\": {\"critcal\": {\"forms\": [\"عدوان\"]}}}",
                "unknown key \"critcal\" (the keys read are note, critical, favourable)");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"]}}, \"cues\": {\"critical\": {\"titles\": [\"ا ب\"]}}}",
                "unknown key \"titles\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"]}}, \"target\": {}}", "unknown key \"target\"");
    PARSE_FAILS("{\"targets\": {\"a\": {}}}", "target \"a\": has no forms, people, phrases or titles");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [], \"exclude\": [\"كندا دراي\"]}}}", "has no forms");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"]}}, \"cues\": {\"critical\": {}}}",
                "cue list \"critical\": has no forms or phrases");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"]}, \"a\": {\"forms\": [\"كندي\"]}}}",
                "target \"a\" given twice");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"forms\": [\"كندي\"]}}}", "key \"forms\" given twice");
    PARSE_FAILS("{\"version\": 99, \"targets\": {\"a\": {\"forms\": [\"كندا\"]}}}",
                "lexicon version 99 is not one this program reads");
    PARSE_FAILS("{\"version\": \"1\", \"targets\": {\"a\": {\"forms\": [\"كندا\"]}}}", "must be the number 1");
    /* what is read still loads */
    const char *json = "{\"version\": 1, \"note\": \"x\", \"targets\": {\"a\": {\"people\": [\"ترودو\"], \"note\": \"y\"}}, "
                       "\"cues\": {\"note\": \"z\", \"critical\": {\"forms\": [\"عدوان\"], \"note\": \"w\"}}}";
    mz_targets t;
    mz_err e = {{0}};
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_targets_free(&t);
}
END_TEST

/* A title merges only with a person after it: in verb-subject-object
 * order the word after an office is often the object or another office. */
START_TEST(test_title_merges_only_with_people)
{
    COUNT(west, "انتقد الرئيس الأمريكي فرنسا", 2);
    COUNT(west, "استقبل الرئيس الفرنسي المستشار الألماني", 2);
    COUNT(west, "استقبل الرئيس الفرنسي الولايات المتحدة", 2);
    COUNT(west, "قال الرئيس الأمريكي ترامب", 1);
    COUNT(west, "قال الرئيس الأمريكي دونالد ترامب", 1);
    COUNT(west, "قال الرئيس الفرنسي ماكرون", 1);
    COUNT(russia, "قال الرئيس الروسي بوتين", 1);
    COUNT(russia, "قال الرئيس الروسي فلاديمير بوتين إن روسيا", 2);
    COUNT(russia, "انتقد السفير الروسي موسكو", 2);
    /* a person alone is still a mention */
    COUNT(west, "ماكرون", 1);
    COUNT(west, "وماكرون", 1);
    COUNT(russia, "قال فلاديمير بوتين", 1);
    /* the ه spelling of a holder's name */
    const char *json = "{\"targets\": {\"t\": {\"forms\": [\"هولندا\"], \"people\": [\"روته\", \"مارك روته\"], "
                       "\"titles\": [\"رئيس الوزراء الهولندي\"]}}}";
    mz_targets t;
    mz_err e = {{0}};
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_matcher *m = mz_matcher_new(&t.t[0], &e);
    ck_assert_ptr_nonnull(m);
    COUNT(m, "قال رئيس الوزراء الهولندي روته", 1);
    COUNT(m, "قال رئيس الوزراء الهولندي روتة", 1);
    COUNT(m, "قال رئيس الوزراء الهولندي مارك روته", 1);
    COUNT(m, "انتقد رئيس الوزراء الهولندي هولندا", 2);
    COUNT(m, "روته وروتة", 2);
    mz_matcher_free(m);
    mz_targets_free(&t);
}
END_TEST

/* A "*" does not stand for a word where a title or phrase begins. */
START_TEST(test_wildcard_spares_titles)
{
    COUNT(west, "استقبل المدرب السفير الامريكي", 1);
    COUNT(russia, "هنأ اللاعب الرئيس الروسي", 1);
    COUNT(west, "وقع اللاعب راموس الإسباني عقدا جديدا", 0);
    const char *json = "{\"targets\": {\"t\": {\"forms\": [\"كندي\", \"كندية\"], \"phrases\": [\"الحكومة الكندية\"], "
                       "\"titles\": [\"السفير الكندي\"], \"exclude\": [\"مدرب * الكندي\", \"شركة * الكندية\"]}}}";
    mz_targets t;
    mz_err e = {{0}};
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_matcher *m = mz_matcher_new(&t.t[0], &e);
    ck_assert_ptr_nonnull(m);
    COUNT(m, "قال المدرب الفرنسي الكندي", 0);
    COUNT(m, "استقبل المدرب السفير الكندي", 1);
    COUNT(m, "قالت شركة ماجنا الكندية", 0);
    COUNT(m, "قالت شركة الحكومة الكندية", 1);
    mz_matcher_free(m);
    mz_targets_free(&t);
}
END_TEST

/* An entry in two lists, or a title of one word, is refused. */
START_TEST(test_entry_in_two_lists)
{
    PARSE_FAILS("{\"targets\": {\"a\": {\"phrases\": [\"رئيس كندا\"], \"titles\": [\"رئيس كندا\"]}}}",
                "\"رئيس كندا\" is given in both \"phrases\" and \"titles\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"ترودو\"], \"people\": [\"ترودو\"]}}}",
                "in both \"forms\" and \"people\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"exclude\": [\"كندا\"]}}}", "in both");
    /* the same after normalisation and the ه/ة folding */
    PARSE_FAILS("{\"targets\": {\"a\": {\"phrases\": [\"الحكومة الكندية\"], \"titles\": [\"الحكومه الكنديه\"]}}}",
                "in both");
    PARSE_FAILS("{\"targets\": {\"a\": {\"titles\": [\"الرئيس\"]}}}", "title \"الرئيس\" is one word");
}
END_TEST

/* A "*" that is not a word of its own is refused, whatever the spaces. */
START_TEST(test_mistyped_wildcard)
{
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"صحيفة ** الكندية\"]}}}", "holds \"**\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"صحيفة *. الكندية\"]}}}", "holds \"*.\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"صحيفة *x الكندية\"]}}}", "holds \"*x\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"صحيفة ٭ الكندية\"]}}}", "holds \"٭\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"صحيفة ＊ الكندية\"]}}}", "holds \"＊\"");
    PARSE_FAILS("{\"targets\": {\"a\": {\"exclude\": [\"صحيفة*الكندية\"]}}}", "entry \"صحيفة*الكندية\" in \"exclude\"");
    /* a look-alike the list does not know, a dash or an ellipsis: no word of
     * the text, so the entry would silently be another one */
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"exclude\": [\"صحيفة ∗ كندية\"]}}}", "has \"∗\", which is no word");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"exclude\": [\"موسكو - رويترز\"]}}}", "has \"-\", which is no word");
    /* a form of several words, a bad target name, a note that is not text;
     * a syntax error is placed by line and column */
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"شي جين\"]}}}", "form \"شي جين\" is more than one word");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"U.S.\"]}}}", "form \"U.S.\" is more than one word");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"]}}, \"cues\": {\"critical\": {\"forms\": [\"سيء جدا\"]}}}",
                "cue list \"critical\": form \"سيء جدا\" is more than one word");
    PARSE_FAILS("{\"targets\": {\"@a\": {\"forms\": [\"كندا\"]}}}", "a target (\"@a\") names itself with '@'");
    PARSE_FAILS("{\"targets\": {\"\": {\"forms\": [\"كندا\"]}}}", "a target has an empty name");
    PARSE_FAILS("{\"targets\": {\"a\\tb\": {\"forms\": [\"كندا\"]}}}", "control character in its name");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"note\": 5}}}", "\"note\" must be a string");
    PARSE_FAILS("{\"targets\": {\"a\":\n {\"forms\": [\"كندا\",]}}}", "lex.json:2:");
    {
        /* the text quoted near the error stops at its line: a message is one line */
        const char *bad = "{\"targets\": {\"a\": {\"forms\": [\"كندا\",\n]}}}";
        mz_targets t;
        mz_err e = {{0}};
        ck_assert_int_ne(mz_targets_parse(&t, bad, strlen(bad), "lex.json", nz, &e), 0);
        ck_assert_msg(!strchr(e.msg, '\n'), "%s", e.msg);
        const char *badname = "{\"targets\": {\"@a\\n\": {\"forms\": [\"كندا\"]}}}";
        ck_assert_int_ne(mz_targets_parse(&t, badname, strlen(badname), "lex.json", nz, &e), 0);
        ck_assert_msg(!strchr(e.msg, '\n'), "%s", e.msg);
    }
    /* a cue list is named as one, not as a target */
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"]}}, \"cues\": {\"critical\": {\"forms\": [\"x*\"]}}}",
                "cue list \"critical\": entry \"x*\"");
    /* a tab or no-break space around it: still the wildcard */
    const char *json = "{\"targets\": {\"t\": {\"forms\": [\"كندية\"], \"exclude\": [\"صحيفة\\t*\\tالكندية\", "
                       "\"قناة\u00a0*\u00a0الكندية\", \"mzanyoneword\"]}}}";
    mz_targets t;
    mz_err e = {{0}};
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_matcher *m = mz_matcher_new(&t.t[0], &e);
    ck_assert_ptr_nonnull(m);
    COUNT(m, "ذكرت صحيفة ستار الكندية", 0);
    COUNT(m, "ذكرت قناة ستار الكندية", 0);
    /* a word of the entry is only ever itself, never a wildcard */
    const char *json2 = "{\"targets\": {\"t\": {\"forms\": [\"كندية\"], \"exclude\": [\"صحيفة mzanyoneword الكندية\"]}}}";
    mz_targets t2;
    ck_assert_msg(mz_targets_parse(&t2, json2, strlen(json2), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_matcher *m2 = mz_matcher_new(&t2.t[0], &e);
    ck_assert_ptr_nonnull(m2);
    COUNT(m2, "ذكرت صحيفة ستار الكندية", 1);
    COUNT(m2, "ذكرت صحيفة mzanyoneword الكندية", 0);
    mz_matcher_free(m2);
    mz_targets_free(&t2);
    mz_matcher_free(m);
    mz_targets_free(&t);
}
END_TEST

/* An entry written with a final ه matches both spellings of the text. */
START_TEST(test_entry_final_ha)
{
    const char *json = "{\"targets\": {\"t\": {\"forms\": [\"كنديه\"], \"phrases\": [\"الحكومه الكنديه\"], "
                       "\"exclude\": [\"شركه * الكنديه\"]}}}";
    mz_targets t;
    mz_err e = {{0}};
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_matcher *m = mz_matcher_new(&t.t[0], &e);
    ck_assert_ptr_nonnull(m);
    COUNT(m, "قالت شركة ماجنا الكندية", 0);
    COUNT(m, "قالت شركه ماجنا الكنديه", 0);
    COUNT(m, "قالت الحكومة الكندية", 1);
    COUNT(m, "قالت الحكومه الكنديه", 1);
    COUNT(m, "كندية وكنديه", 2);
    mz_matcher_free(m);
    mz_targets_free(&t);
    /* cue words keep their ه */
    json = "{\"targets\": {\"t\": {\"forms\": [\"كندا\"]}}, \"cues\": {\"favourable\": {\"forms\": [\"حكمه\"]}}}";
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    const mz_target *f = mz_targets_find(&t, "@favourable");
    ck_assert_int_ge(mz_strmap_find(f->forms, "حكمه", strlen("حكمه")), 0);
    ck_assert_int_lt(mz_strmap_find(f->forms, "حكمة", strlen("حكمة")), 0);
    mz_targets_free(&t);
}
END_TEST

/* The adjective after a phrase, written with ه, is one mention with it. */
START_TEST(test_trailing_adjective_final_ha)
{
    COUNT(west, "وكالة المخابرات المركزية الامريكيه", 1);
    COUNT(west, "وكالة المخابرات المركزية الامريكية", 1);
    COUNT(russia, "القوات الروسية الروسيه", 1);
}
END_TEST

/* A word longer than the tokenizer keeps, an entry over 512 bytes and a
 * string holding \u0000 are refused, naming the entry. */
START_TEST(test_overlong_entries)
{
    char json[2048];
    char word[100] = "";
    for (int i = 0; i < 41; i++) strcat(word, "x");
    snprintf(json, sizeof json, "{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"exclude\": [\"صحيفة %s الكندية\"]}}}", word);
    PARSE_FAILS(json, "longer than 40 characters");
    PARSE_FAILS(json, "in \"exclude\"");
    snprintf(json, sizeof json, "{\"targets\": {\"a\": {\"forms\": [\"%s\"]}}}", word);
    PARSE_FAILS(json, "longer than 40 characters");
    word[40] = 0; /* 40 is kept */
    snprintf(json, sizeof json, "{\"targets\": {\"a\": {\"forms\": [\"%s\"]}}}", word);
    mz_targets t;
    mz_err e = {{0}};
    ck_assert_msg(mz_targets_parse(&t, json, strlen(json), "lex.json", nz, &e) == 0, "%s", e.msg);
    mz_targets_free(&t);
    char big[600];
    memset(big, 'y', 513);
    memcpy(big, "start", 5);
    big[513] = 0;
    snprintf(json, sizeof json, "{\"targets\": {\"a\": {\"forms\": [\"%s\"]}}}", big);
    PARSE_FAILS(json, "an entry in \"forms\" is too long (over 512 bytes): \"startyyy");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\\u0000\"]}}}", "\\u0000");
    PARSE_FAILS("{\"targets\": {\"a\": {\"forms\": [\"كندا\"], \"exclude\": [\"كندا\\u0000 دراي\"]}}}", "NUL");
}
END_TEST

Suite *suite_targets(void)
{
    Suite *s = suite_create("targets");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lexicon_loaded);
    tcase_add_test(tc, test_forms_with_clitics);
    tcase_add_test(tc, test_names_starting_with_clitic_letters);
    tcase_add_test(tc, test_phrases);
    tcase_add_test(tc, test_one_word_phrase_alghareb);
    tcase_add_test(tc, test_longest_phrase_counted_once);
    tcase_add_test(tc, test_exclusions_win);
    tcase_add_test(tc, test_phrase_with_trailing_adjective);
    tcase_add_test(tc, test_hit_flags_per_sentence);
    tcase_add_test(tc, test_matcher_cache_across_documents);
    tcase_add_test(tc, test_context_from_hits);
    tcase_add_test(tc, test_target_features);
    tcase_add_test(tc, test_shipped_samples);
    tcase_add_test(tc, test_stance_corpus_mentions_match_labels);
    tcase_add_test(tc, test_lexicon_errors);
    tcase_add_test(tc, test_lexicon_errors_after_forms);
    tcase_add_test(tc, test_lexicon_is_normalised);
    tcase_add_test(tc, test_multi_word_form);
    tcase_add_test(tc, test_sentences_past_65535);
    tcase_add_test(tc, test_sports_clubs_with_country);
    tcase_add_test(tc, test_sports_events_in_russia);
    tcase_add_test(tc, test_outlets_with_nationality);
    tcase_add_test(tc, test_datelines);
    tcase_add_test(tc, test_names_holding_forms);
    tcase_add_test(tc, test_markets_and_companies);
    tcase_add_test(tc, test_sports_bodies_and_tournaments);
    tcase_add_test(tc, test_borussia_and_moscow_clubs);
    tcase_add_test(tc, test_compass_west);
    tcase_add_test(tc, test_names_sharing_a_form);
    tcase_add_test(tc, test_missing_names);
    tcase_add_test(tc, test_final_ha_for_ta_marbuta);
    tcase_add_test(tc, test_title_and_name_one_mention);
    tcase_add_test(tc, test_titles_and_wildcard_in_lexicon);
    tcase_add_test(tc, test_lexicon_unknown_keys);
    tcase_add_test(tc, test_title_merges_only_with_people);
    tcase_add_test(tc, test_wildcard_spares_titles);
    tcase_add_test(tc, test_entry_in_two_lists);
    tcase_add_test(tc, test_mistyped_wildcard);
    tcase_add_test(tc, test_entry_final_ha);
    tcase_add_test(tc, test_trailing_adjective_final_ha);
    tcase_add_test(tc, test_overlong_entries);
    suite_add_tcase(s, tc);
    return s;
}
