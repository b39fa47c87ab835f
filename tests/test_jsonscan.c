/* test_jsonscan.c — mz_json_scan accepts exactly RFC 8259 JSON (checked
 * against hand-made cases and against cJSON on the inputs both must take),
 * says where a line goes wrong, and gives members' values as written. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "jsonscan.h"

static int scan(const char *s, size_t *bad)
{
    size_t b = 0;
    const char *why = NULL;
    int rc = mz_json_scan(s, strlen(s), NULL, 0, NULL, &b, &why);
    if (rc != 0) ck_assert_ptr_nonnull(why);
    if (bad) *bad = b;
    return rc;
}

START_TEST(test_accepts_json)
{
    static const char *ok[] = {
        "{}", " { } ", "[]", "[ ]", "0", "-0", "-0.5e-3", "1E+2", "123456789012345678901234567890", "\"\"",
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"", "true", "false", "null",
        "{\"a\": [1, 2.50, {\"b\": {}}], \"c\": null}\r", "[[[[[]]]]]", "\"صحيفة\"", "{\"a\":1,\"a\":2}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        ck_assert_msg(scan(ok[i], NULL) == 0, "refused %s", ok[i]);
        /* cJSON, which reads the line next, takes them too */
        cJSON *j = cJSON_ParseWithLength(ok[i], strlen(ok[i]));
        ck_assert_msg(j != NULL, "cJSON refused %s", ok[i]);
        cJSON_Delete(j);
    }
}
END_TEST

START_TEST(test_refuses_what_cjson_takes)
{
    static const struct {
        const char *s;
        size_t at;
    } bad[] = {
        {"{\"n\": 01}", 6},         {"{\"n\": 1.}", 6},        {"{\"n\": .5}", 6},     {"{\"n\": 1e}", 6},
        {"{\"n\": -}", 6},          {"{\"n\": +1}", 6},        {"\"a\tb\"", 2},        {"\"a\x01\"", 2},
        {"{\"a\": \"\\x\"}", 7},    {"\"\\u12g4\"", 1},        {"{\"a\": 1,}", 8},     {"[1,]", 3},
        {"{\"a\" 1}", 5},           {"{a: 1}", 1},             {"{\"a\": 1} x", 9},    {"{\"a\": 1}{}", 8},
        {"", 0},                    {"   ", 3},                {"{\"a\": [1, 2}", 11}, {"{\"a\": tru}", 6},
        {"{\"a\": \"b}", 9},       {"[1 2]", 3},              {"{\"a\": NaN}", 6},    {"{\"a\": Infinity}", 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t at = 99;
        ck_assert_msg(scan(bad[i].s, &at) != 0, "took %s", bad[i].s);
        ck_assert_msg(at == bad[i].at, "%s: at %zu, expected %zu", bad[i].s, at, bad[i].at);
    }
}
END_TEST

/* mz_json_parse_one: cJSON's lenient reading (a raw tab in a string is
 * kept, as lexicons and manifests written before were read), but one value
 * whole: more after it is refused, with where and why. */
START_TEST(test_parse_one)
{
    const char *bad;
    int more;
    static const char tab[] = "{\"note\": \"a\tb\"}\n";
    cJSON *j = mz_json_parse_one(tab, sizeof tab - 1, &bad, &more);
    ck_assert_ptr_nonnull(j);
    cJSON_Delete(j);
    static const char two[] = "{\"a\": 1}} {\"b\": 2}";
    ck_assert_ptr_null(mz_json_parse_one(two, sizeof two - 1, &bad, &more));
    ck_assert_int_eq(more, 1);
    ck_assert_ptr_eq(bad, two + 8);
    static const char cut[] = "{\"a\": [1,]}";
    ck_assert_ptr_null(mz_json_parse_one(cut, sizeof cut - 1, &bad, &more));
    ck_assert_int_eq(more, 0);
    ck_assert(bad >= cut && bad < cut + sizeof cut - 1);
    static const char ws[] = " [1] \r\n\t ";
    j = mz_json_parse_one(ws, sizeof ws - 1, NULL, NULL);
    ck_assert_ptr_nonnull(j);
    cJSON_Delete(j);
}
END_TEST

START_TEST(test_depth_is_bounded)
{
    char s[2 * MZ_JSON_MAX_DEPTH + 8];
    for (int deep = MZ_JSON_MAX_DEPTH; deep <= MZ_JSON_MAX_DEPTH + 1; deep++) {
        size_t n = 0;
        for (int i = 0; i < deep; i++) s[n++] = '[';
        for (int i = 0; i < deep; i++) s[n++] = ']';
        s[n] = '\0';
        ck_assert_int_eq(scan(s, NULL), deep <= MZ_JSON_MAX_DEPTH ? 0 : -1);
    }
}
END_TEST

START_TEST(test_member_spans)
{
    const char *s = "{\"id\" : 12345678901234567890 , \"o\": {\"id\": 1, \"x\": [1, {\"id\": 2}]}, "
                    "\"s\": \"a\\\"b\", \"e\": [ ], \"t\": true}";
    const char *keys[] = {"id", "o", "s", "e", "t", "missing", "x"};
    const char *want[] = {"12345678901234567890", "{\"id\": 1, \"x\": [1, {\"id\": 2}]}", "\"a\\\"b\"", "[ ]", "true",
                          NULL, NULL};
    mz_jspan sp[7];
    size_t bad;
    const char *why;
    ck_assert_int_eq(mz_json_scan(s, strlen(s), keys, 7, sp, &bad, &why), 0);
    for (int k = 0; k < 7; k++) {
        if (!want[k]) {
            ck_assert_msg(sp[k].len == 0, "%s: found at %zu", keys[k], sp[k].off);
            continue;
        }
        ck_assert_msg(sp[k].len == strlen(want[k]) && !memcmp(s + sp[k].off, want[k], sp[k].len), "%s: '%.*s'",
                      keys[k], (int)sp[k].len, s + sp[k].off);
    }
    /* a key asked for given twice at the top: refused where it repeats
     * (one not asked for, or repeated deeper down, is not) */
    const char *twice = "{\"id\": 1, \"o\": {\"id\": 2}, \"x\": 1, \"x\": 2, \"id\": 3}";
    ck_assert_int_eq(mz_json_scan(twice, strlen(twice), keys, 2, sp, &bad, &why), -1);
    ck_assert_str_eq(why, MZ_JSON_TWICE);
    ck_assert_uint_eq(bad, strlen(twice) - 8); /* the second "id" */
    /* a key is read as cJSON reads it, escapes decoded: found under its
     * name, and given twice however it is spelled */
    const char *esc = "{\"te\\u0078t\": 1, \"\\u0627\\u0644\": 2, \"\\ud83d\\ude00\": 3, \"t\\\"q\": 4}";
    const char *ek[] = {"text", "\xd8\xa7\xd9\x84", "\xf0\x9f\x98\x80", "t\"q", "tex"};
    ck_assert_int_eq(mz_json_scan(esc, strlen(esc), ek, 5, sp, &bad, &why), 0);
    for (int k = 0; k < 4; k++) ck_assert_msg(sp[k].len == 1 && esc[sp[k].off] == '1' + k, "key %d", k);
    ck_assert_uint_eq(sp[4].len, 0);
    const char *esc2 = "{\"text\": \"a\", \"te\\u0078t\": \"b\"}";
    ck_assert_int_eq(mz_json_scan(esc2, strlen(esc2), ek, 1, sp, &bad, &why), -1);
    ck_assert_str_eq(why, MZ_JSON_TWICE);
    /* not an object at the top: nothing found */
    const char *arr = "[{\"id\": 1}]";
    ck_assert_int_eq(mz_json_scan(arr, strlen(arr), keys, 1, sp, &bad, &why), 0);
    ck_assert_uint_eq(sp[0].len, 0);
}
END_TEST

Suite *suite_jsonscan(void)
{
    Suite *s = suite_create("jsonscan");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* the sanitizer build, on a loaded machine, is far slower */
    tcase_add_test(tc, test_accepts_json);
    tcase_add_test(tc, test_refuses_what_cjson_takes);
    tcase_add_test(tc, test_depth_is_bounded);
    tcase_add_test(tc, test_parse_one);
    tcase_add_test(tc, test_member_spans);
    suite_add_tcase(s, tc);
    return s;
}
