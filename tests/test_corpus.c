/* test_corpus.c — the corpus readers on the shipped mini corpora (JSONL,
 * TSV, folder: counts, labels, order, and TSV == folder), every record error
 * with its file:line, custom field names, and the bounded line reader:
 * over-long lines, NUL bytes inside a line, CR/LF, a last line without a
 * newline. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"
#include "flatrecord.h"
#include "fsutil.h"
#include "linereader.h"
#include "testutil.h"

MZ_TEST_SCRATCH("mz_corpus", tmpdir)

static const char *P(const char *rel)
{
    static char b[8][2048];
    static int k;
    char *p = b[k++ & 7];
    snprintf(p, sizeof b[0], "%s/%s", tmpdir, rel);
    return p;
}

static const char *put(const char *rel, const char *data, size_t len)
{
    const char *path = P(rel);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

#define PUTS(rel, s) put((rel), (s), strlen(s))

/* ---------------------------------------------------------- collecting */

typedef struct rec {
    char *label, *text, *title, *id, *src;
    size_t line;
} rec;

typedef struct recs {
    rec r[256];
    size_t n;
    size_t stop_after; /* 0: never */
} recs;

static int collect(void *arg, const mz_record *r, mz_err *e)
{
    recs *c = arg;
    ck_assert_uint_lt(c->n, 256);
    rec *x = &c->r[c->n++];
    x->label = cJSON_IsString(r->label) ? strdup(r->label->valuestring) : NULL;
    x->text = strndup(r->text, r->text_len);
    ck_assert_uint_eq(strlen(x->text), r->text_len);
    x->title = r->title ? strndup(r->title, r->title_len) : NULL;
    x->id = r->id ? strdup(r->id) : NULL;
    x->src = strdup(r->src);
    x->line = r->line;
    if (c->stop_after && c->n >= c->stop_after) return mz_fail(e, "stop requested");
    return 0;
}

static void recs_free(recs *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->r[i].label);
        free(c->r[i].text);
        free(c->r[i].title);
        free(c->r[i].id);
        free(c->r[i].src);
    }
    c->n = 0;
}

static int read_corpus(const char *path, recs *c, mz_err *e)
{
    mz_fields f;
    mz_fields_default(&f);
    memset(c, 0, sizeof *c);
    return mz_corpus_read(path, &f, collect, c, e);
}

/* Expect path to be refused with a message containing each needle. */
static void refused(const char *path, const char *n1, const char *n2)
{
    recs c;
    mz_err e = {{0}};
    ck_assert_msg(read_corpus(path, &c, &e) == -1, "accepted %s", path);
    ck_assert_msg(strstr(e.msg, n1) != NULL, "message '%s' lacks '%s'", e.msg, n1);
    if (n2) ck_assert_msg(strstr(e.msg, n2) != NULL, "message '%s' lacks '%s'", e.msg, n2);
    recs_free(&c);
}

static const char *const labels6[] = {"culture", "economy", "internationalNews", "middleEast", "sport", "technology"};

static void count_labels(const recs *c, int per_label)
{
    for (int l = 0; l < 6; l++) {
        int k = 0;
        for (size_t i = 0; i < c->n; i++) k += c->r[i].label && !strcmp(c->r[i].label, labels6[l]);
        ck_assert_msg(k == per_label, "%s: %d records, want %d", labels6[l], k, per_label);
    }
}

/* ---------------------------------------------------------- the corpora */

START_TEST(test_read_topic_jsonl)
{
    recs c;
    mz_err e = {{0}};
    ck_assert_msg(read_corpus(mz_test_path("corpora/mini/topic.jsonl"), &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.n, 36);
    count_labels(&c, 6);
    for (size_t i = 0; i < c.n; i++) {
        ck_assert_uint_eq(c.r[i].line, i + 1);
        ck_assert_ptr_nonnull(c.r[i].id);
        ck_assert_ptr_nonnull(c.r[i].title);
        ck_assert_uint_gt(strlen(c.r[i].text), 50);
        /* ids are topic-<label>-NN */
        char want[64];
        snprintf(want, sizeof want, "topic-%s-", c.r[i].label);
        ck_assert_msg(strncmp(c.r[i].id, want, strlen(want)) == 0, "id %s label %s", c.r[i].id, c.r[i].label);
        ck_assert_ptr_nonnull(strstr(c.r[i].src, "topic.jsonl"));
    }
    recs_free(&c);
}
END_TEST

START_TEST(test_read_topic_tsv_and_folder_agree)
{
    recs t, d;
    mz_err e = {{0}};
    ck_assert_msg(read_corpus(mz_test_path("corpora/mini/topic.tsv"), &t, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(t.n, 24);
    count_labels(&t, 4);
    for (size_t i = 0; i < t.n; i++) {
        ck_assert_uint_eq(t.r[i].line, i + 1);
        ck_assert_ptr_null(t.r[i].title);
        ck_assert_ptr_null(strchr(t.r[i].text, '\t'));
    }
    ck_assert_msg(read_corpus(mz_test_path("corpora/mini/topic"), &d, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(d.n, 24);
    count_labels(&d, 4);
    /* folder order: labels sorted, files sorted */
    for (size_t i = 1; i < d.n; i++) {
        int c = strcmp(d.r[i - 1].label, d.r[i].label);
        ck_assert_int_le(c, 0);
        if (c == 0) ck_assert_int_lt(strcmp(d.r[i - 1].src, d.r[i].src), 0);
        ck_assert_msg(strstr(d.r[i].src, ".txt") != NULL, "%s", d.r[i].src);
    }
    /* the same 24 texts with the same labels (files end with a newline) */
    for (size_t i = 0; i < t.n; i++) {
        int found = 0;
        for (size_t j = 0; j < d.n && !found; j++) {
            size_t l = strlen(d.r[j].text);
            while (l && (d.r[j].text[l - 1] == '\n' || d.r[j].text[l - 1] == ' ')) l--;
            found = l == strlen(t.r[i].text) && !memcmp(d.r[j].text, t.r[i].text, l) &&
                    !strcmp(d.r[j].label, t.r[i].label);
        }
        ck_assert_msg(found, "TSV line %zu not found in the folder corpus", t.r[i].line);
    }
    recs_free(&t);
    recs_free(&d);
}
END_TEST

START_TEST(test_callback_error_stops_reading)
{
    recs c;
    memset(&c, 0, sizeof c);
    c.stop_after = 5;
    mz_fields f;
    mz_fields_default(&f);
    mz_err e = {{0}};
    ck_assert_int_eq(mz_corpus_read(mz_test_path("corpora/mini/topic.jsonl"), &f, collect, &c, &e), -1);
    ck_assert_uint_eq(c.n, 5);
    ck_assert_str_eq(e.msg, "stop requested");
    recs_free(&c);
}
END_TEST

START_TEST(test_custom_fields_blank_lines_crlf)
{
    const char *path = PUTS("custom.jsonl", "\n"
                                            "{\"doc\": 17, \"body\": \"نص أول\", \"head\": null, \"y\": [\"a\", \"b\"]}\r\n"
                                            "   \t  \n"
                                            "{\"doc\": \"x2\", \"body\": \"نص ثان\", \"head\": \"عنوان\", \"y\": 3}\n");
    mz_fields f;
    mz_fields_default(&f);
    f.id = "doc";
    f.text = "body";
    f.title = "head";
    f.label = "y";
    recs c;
    memset(&c, 0, sizeof c);
    mz_err e = {{0}};
    ck_assert_msg(mz_corpus_read(path, &f, collect, &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_uint_eq(c.r[0].line, 2); /* blank lines are skipped, not renumbered */
    ck_assert_uint_eq(c.r[1].line, 4);
    ck_assert_str_eq(c.r[0].id, "17"); /* numeric ids become text */
    ck_assert_str_eq(c.r[1].id, "x2");
    ck_assert_str_eq(c.r[0].text, "نص أول");
    ck_assert_ptr_null(c.r[0].title);
    ck_assert_str_eq(c.r[1].title, "عنوان");
    recs_free(&c);
}
END_TEST

/* ------------------------------------------------------- record errors */

START_TEST(test_invalid_utf8_names_file_and_line)
{
    const char *path = PUTS("bad-utf8.jsonl", "{\"text\": \"جيد\", \"label\": \"a\"}\n"
                                              "{\"text\": \"جيد\", \"label\": \"b\"}\n"
                                              "{\"text\": \"سي\xD8\", \"label\": \"a\"}\n");
    char where[2100];
    snprintf(where, sizeof where, "%s:3:", path);
    refused(path, where, "invalid UTF-8");
    /* in TSV */
    path = PUTS("bad.tsv", "a\tجيد\nb\tسي\xFF" "ء\n");
    snprintf(where, sizeof where, "%s:2:", path);
    refused(path, where, "invalid UTF-8");
    /* in a folder corpus the file is named */
    mkdir(P("dir"), 0700);
    mkdir(P("dir/pos"), 0700);
    mkdir(P("dir/neg"), 0700);
    PUTS("dir/pos/1.txt", "نص جيد");
    PUTS("dir/neg/1.txt", "نص \xC0\xAF سيء");
    refused(P("dir"), "dir/neg/1.txt", "invalid UTF-8");
}
END_TEST

START_TEST(test_malformed_json)
{
    const char *path = PUTS("m.jsonl", "{\"text\": \"جيد\", \"label\": \"a\"}\n{\"text\": \"جيد\", \"label\": }\n");
    char where[2100];
    snprintf(where, sizeof where, "%s:2:", path);
    refused(path, where, "malformed JSON");
    path = PUTS("m2.jsonl", "{\"text\": \"unterminated\n");
    refused(path, ":1:", "malformed JSON");
    path = PUTS("m3.jsonl", "[\"text\", \"array\"]\n");
    refused(path, ":1:", "expected a JSON object");
    path = PUTS("m4.jsonl", "\"just a string\"\n");
    refused(path, ":1:", "expected a JSON object");
    /* lines ended by CR alone read as one: said so */
    path = PUTS("m5.jsonl", "{\"text\": \"جيد\", \"label\": \"a\"}\r{\"text\": \"جيد\", \"label\": \"b\"}\r");
    refused(path, ":1: malformed JSON", "lines end in CR alone");
    path = PUTS("m6.jsonl", "{\"text\": \"جيد\", \"label\": \"a\"} x\n");
    refused(path, "(more after the value)", NULL);
}
END_TEST

/* Regression test for a fixed bug: lib/corpus.c, mz_record_parse_json()
 * calls cJSON_ParseWithLengthOpts(..., require_null_terminated = 0), so a
 * line holding a valid object followed by anything else is accepted and the
 * rest silently dropped: two records glued on one line
 * ({"text":"a"}{"text":"b"}) lose the second, and {"text": "a"} garbage is
 * not "malformed JSON".  Expected: refused as malformed (name:line).  */
START_TEST(test_trailing_garbage_after_object)
{
    const char *path = PUTS("glued.jsonl", "{\"text\": \"نص\", \"label\": \"a\"}{\"text\": \"آخر\", \"label\": \"b\"}\n");
    recs c;
    mz_err e = {{0}};
    int rc = read_corpus(path, &c, &e);
    /* whatever the outcome, never more than the one visible record */
    ck_assert_uint_le(c.n, 1);
    recs_free(&c);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "malformed JSON"));
    path = PUTS("junk.jsonl", "{\"text\": \"نص\", \"label\": \"a\"} junk\n");
    refused(path, ":1:", "malformed JSON");
    /* trailing whitespace is fine */
    path = PUTS("ws.jsonl", "{\"text\": \"نص\", \"label\": \"a\"}   \t\n");
    ck_assert_msg(read_corpus(path, &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.n, 1);
    recs_free(&c);
}
END_TEST

START_TEST(test_text_field_errors)
{
    char where[2100];
    const char *path = PUTS("nt.jsonl", "{\"text\": \"جيد\"}\n{\"body\": \"جيد\", \"label\": \"a\"}\n");
    snprintf(where, sizeof where, "%s:2:", path);
    refused(path, where, "missing field \"text\"");
    path = PUTS("ns.jsonl", "{\"text\": 42, \"label\": \"a\"}\n");
    refused(path, ":1:", "\"text\" must be a string");
    path = PUTS("nn.jsonl", "{\"text\": null, \"label\": \"a\"}\n");
    refused(path, ":1:", "\"text\" must be a string");
    path = PUTS("na.jsonl", "{\"text\": [\"a\"], \"label\": \"a\"}\n");
    refused(path, ":1:", "\"text\" must be a string");
    path = PUTS("empty.jsonl", "{\"text\": \"\", \"label\": \"a\"}\n");
    refused(path, ":1:", "text is empty");
    path = PUTS("title.jsonl", "{\"text\": \"نص\", \"title\": 7, \"label\": \"a\"}\n");
    refused(path, ":1:", "\"title\" must be a string");
    /* an empty file, or one with blank lines only, has no records */
    path = PUTS("none.jsonl", "\n  \n");
    refused(path, "no records", NULL);
    path = PUTS("none.tsv", "");
    refused(path, "no records", NULL);
    refused(P("does-not-exist.jsonl"), "does-not-exist.jsonl", NULL);
}
END_TEST

START_TEST(test_escaped_nul_refused)
{
    const char *path = PUTS("nul.jsonl", "{\"text\": \"قبل\\u0000بعد\", \"label\": \"a\"}\n");
    refused(path, ":1:", "\\u0000");
    /* in the title too */
    path = PUTS("nul2.jsonl", "{\"text\": \"نص\", \"title\": \"x\\u0000\", \"label\": \"a\"}\n");
    refused(path, ":1:", "NUL");
    /* an escaped backslash followed by u0000 is ordinary text */
    path = PUTS("ok.jsonl", "{\"text\": \"مسار C:\\\\u0000 هنا\", \"label\": \"a\"}\n");
    recs c;
    mz_err e = {{0}};
    ck_assert_msg(read_corpus(path, &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_ptr_nonnull(strstr(c.r[0].text, "C:\\u0000"));
    recs_free(&c);
    /* a raw NUL byte inside a line is invalid, reported on its own line */
    static const char raw[] = "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"a\0b\", \"label\": \"x\"}\n";
    path = put("raw.jsonl", raw, sizeof raw - 1);
    refused(path, ":2:", "NUL");
}
END_TEST

START_TEST(test_size_limit)
{
    const char *path = PUTS("big.jsonl", "{\"text\": \"0123456789abcdef\", \"label\": \"a\"}\n");
    mz_fields f;
    mz_fields_default(&f);
    f.max_text = 10;
    recs c;
    memset(&c, 0, sizeof c);
    mz_err e = {{0}};
    ck_assert_int_eq(mz_corpus_read(path, &f, collect, &c, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "over the limit of 10"));
    ck_assert_ptr_nonnull(strstr(e.msg, ":1:"));
    recs_free(&c);
    f.max_text = 16;
    ck_assert_msg(mz_corpus_read(path, &f, collect, &c, &e) == 0, "%s", e.msg);
    recs_free(&c);
}
END_TEST

/* Expect path to be read whole, n records. */
static void accepted(const char *path, size_t n)
{
    recs c;
    mz_err e = {{0}};
    ck_assert_msg(read_corpus(path, &c, &e) == 0, "%s: %s", path, e.msg);
    ck_assert_uint_eq(c.n, n);
    recs_free(&c);
}

START_TEST(test_tsv_errors)
{
    char where[2100];
    const char *path = PUTS("notab.tsv", "a\tنص أول\nبلا فاصل\n");
    snprintf(where, sizeof where, "%s:2:", path);
    refused(path, where, "expected label<TAB>text");
    path = PUTS("nolabel.tsv", "\tنص\n");
    refused(path, ":1:", "expected label<TAB>text");
    path = PUTS("notext.tsv", "a\t\n");
    refused(path, ":1:", "text is empty");
    static const char nul[] = "a\tx\nb\ty\0z\n";
    path = put("nul.tsv", nul, sizeof nul - 1);
    refused(path, ":2:", "NUL");
    /* a second tab is a third column (an outlet, a date), which had been
     * read as words of the text */
    path = PUTS("three.tsv", "a\tone\nb\tBBC\ttwo\n");
    refused(path, "three.tsv:2: a second tab (byte 6)", "two columns");
    /* the header of a second export joined on, after records */
    path = PUTS("joined.tsv", "a\tone\nlabel\ttext\nb\ttwo\n");
    refused(path, "joined.tsv:2: a header line (label<TAB>text) after records", "joined");
    /* UTF-16 without its mark: its NULs said to be so */
    static const char u16[] = "a\000\t\000F\0065\006 \000F\0065\006\n\000"; /* a<TAB>نص نص */
    path = put("u16.tsv", u16, sizeof u16 - 1);
    refused(path, "u16.tsv:1: NUL byte", "--encoding utf-16le");
    /* CRLF and blank lines are fine */
    path = PUTS("ok.tsv", "a\tone two\r\n\nb\tthree\n");
    recs c;
    mz_err e = {{0}};
    ck_assert_msg(read_corpus(path, &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_str_eq(c.r[0].label, "a");
    ck_assert_str_eq(c.r[0].text, "one two");
    ck_assert_str_eq(c.r[1].text, "three");
    ck_assert_uint_eq(c.r[1].line, 3);
    recs_free(&c);
    /* lines ended by CR alone (old Mac exports) were one record of many
     * under the first label: refused, naming the byte */
    path = PUTS("cr.tsv", "a\tone\rb\ttwo\rc\tthree\r");
    refused(path, "cr.tsv:1: a carriage return inside the line (byte 6)", "tr");
    /* the .tsv suffix in any case; a TSV read as JSONL (a pipe, another
     * name) is said to be one */
    accepted(PUTS("UP.TSV", "a\tone\n"), 1);
    path = PUTS("tsv.txt", "a\tone\n");
    refused(path, "tsv.txt:1: a line of label<TAB>text, not JSON", "ending in .tsv");
    /* JSONL indented with a tab is JSONL still */
    accepted(PUTS("indent.jsonl", "\t{\"text\": \"نص\", \"label\": \"a\"}\n"), 1);
    /* a byte-order mark opening the file is not part of the first label */
    path = PUTS("bom.tsv", "\xEF\xBB\xBF" "a\tone\r\nb\ttwo\r\n");
    ck_assert_msg(read_corpus(path, &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_str_eq(c.r[0].label, "a");
    ck_assert_str_eq(c.r[0].text, "one");
    ck_assert_str_eq(c.r[1].label, "b");
    recs_free(&c);
}
END_TEST

START_TEST(test_folder_corpus_rules)
{
    mkdir(P("f"), 0700);
    mkdir(P("f/b"), 0700);
    mkdir(P("f/a"), 0700);
    mkdir(P("f/.hidden"), 0700);
    PUTS("f/b/2.txt", "نص باء ثان");
    PUTS("f/b/1.txt", "نص باء أول");
    PUTS("f/a/x.txt", "نص ألف");
    PUTS("f/a/notes.md", "ليس نصا");     /* not .txt: ignored */
    PUTS("f/a/.txt", "ملف مخفي");        /* dot file: ignored */
    PUTS("f/.hidden/1.txt", "مخفي");     /* dot directory: ignored */
    PUTS("f/README.txt", "ملف في الجذر"); /* not in a label folder: ignored */
    recs c;
    mz_err e = {{0}};
    ck_assert_msg(read_corpus(P("f"), &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_str_eq(c.r[0].label, "a");
    ck_assert_str_eq(c.r[1].label, "b");
    ck_assert_str_eq(c.r[1].text, "نص باء أول");
    ck_assert_str_eq(c.r[2].text, "نص باء ثان");
    recs_free(&c);
    /* an empty file is an error naming it */
    PUTS("f/b/3.txt", "");
    refused(P("f"), "f/b/3.txt", "empty");
    /* a folder without label folders has nothing */
    mkdir(P("g"), 0700);
    refused(P("g"), "no DIR/<label>/*.txt", NULL);
    /* a label's folder with no article (its files *.TXT, or none) or that
     * cannot be reached would drop the label without a word: refused */
    unlink(P("f/b/3.txt"));
    mkdir(P("f/c"), 0700);
    PUTS("f/c/1.TXT", "نص جيم");
    refused(P("f"), "f/c: a label's folder with no *.txt article", "1.TXT");
    unlink(P("f/c/1.TXT"));
    refused(P("f"), "f/c: a label's folder with no *.txt article", NULL);
    /* unlabelled texts (--lsa-corpus) have no labels to lose: an empty
     * subfolder is no error there */
    mz_fields uf;
    mz_fields_default(&uf);
    uf.unlabelled = 1;
    memset(&c, 0, sizeof c);
    ck_assert_msg(mz_corpus_read(P("f"), &uf, collect, &c, &e) == 0, "%s", e.msg);
    recs_free(&c);
    rmdir(P("f/c"));
    ck_assert_int_eq(symlink(P("nowhere"), P("f/d")), 0);
    refused(P("f"), "f/d: cannot open", "leads nowhere");
    unlink(P("f/d"));
    ck_assert_msg(read_corpus(P("f"), &c, &e) == 0, "%s", e.msg);
    recs_free(&c);
}
END_TEST

/* ---------------------------------------------------------- line reader */

static FILE *mem(const char *data, size_t len)
{
    FILE *f = fmemopen((void *)data, len, "rb");
    ck_assert_ptr_nonnull(f);
    return f;
}

/* The reader takes a stream with a descriptor (read in chunks) and one
 * without (an in-memory stream, through fread): every case runs on both. */
static FILE *stream(int via_fd, const char *data, size_t len)
{
    if (!via_fd) return mem(data, len);
    FILE *f = fopen(put("lines.bin", data, len), "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fileno(f), 0);
    return f;
}

static void test_linereader_basic_on(int via_fd)
{
    const char data[] = "one\r\ntwo\n\nthree";
    FILE *f = stream(via_fd, data, sizeof data - 1);
    mz_linereader r;
    mz_linereader_init(&r, f, 100);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_uint_eq(r.len, 3);
    ck_assert_str_eq(r.buf, "one"); /* CR removed, NUL-terminated */
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_str_eq(r.buf, "two");
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_uint_eq(r.len, 0); /* an empty line is a line */
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_str_eq(r.buf, "three"); /* last line without newline */
    ck_assert_uint_eq(r.lineno, 4);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_EOF);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_EOF);
    mz_linereader_free(&r);
    fclose(f);
    /* empty input: EOF at once; a lone newline is one empty line */
    f = stream(via_fd, "", 0);
    mz_linereader_init(&r, f, 100);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_EOF);
    mz_linereader_free(&r);
    fclose(f);
    f = stream(via_fd, "\n", 1);
    mz_linereader_init(&r, f, 100);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_uint_eq(r.len, 0);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_EOF);
    mz_linereader_free(&r);
    fclose(f);
}

START_TEST(test_linereader_basic)
{
    for (int via_fd = 0; via_fd < 2; via_fd++) test_linereader_basic_on(via_fd);
}
END_TEST

static void test_linereader_too_long_on(int via_fd, const char *data, size_t n)
{
    FILE *f = stream(via_fd, data, n);
    mz_linereader r;
    mz_linereader_init(&r, f, 10);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_str_eq(r.buf, "0123456789");
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_TOO_LONG);
    ck_assert_uint_eq(r.lineno, 2);
    /* its first bytes, up to the limit, stay: where an id is found */
    ck_assert_uint_eq(r.len, 10);
    ck_assert_str_eq(r.buf, "0123456789");
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK); /* back in step */
    ck_assert_str_eq(r.buf, "abcdefghij");
    ck_assert_uint_eq(r.lineno, 3);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_TOO_LONG);
    ck_assert_uint_eq(r.lineno, 4);
    ck_assert_str_eq(r.buf, "zzzzzzzzzz");
    ck_assert_uint_le(r.cap, 65536 + 16); /* memory stays bounded */
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_str_eq(r.buf, "end");
    ck_assert_uint_eq(r.lineno, 5);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_EOF);
    mz_linereader_free(&r);
    fclose(f);
}

START_TEST(test_linereader_too_long)
{
    /* lines of 10 (ok), 11 (too long), 10 (ok) with max 10, then a huge one */
    size_t big = 300000;
    char *data = malloc(big + 64);
    ck_assert_ptr_nonnull(data);
    size_t n = 0;
    n += (size_t)sprintf(data + n, "0123456789\n0123456789A\nabcdefghij\n");
    memset(data + n, 'z', big);
    n += big;
    data[n++] = '\n';
    n += (size_t)sprintf(data + n, "end\n");
    for (int via_fd = 0; via_fd < 2; via_fd++) test_linereader_too_long_on(via_fd, data, n);
    free(data);
    /* a caller that stops there is answered once past the limit, the rest
     * unread: input without a newline (/dev/zero) had been read forever */
    size_t huge = 4u << 20;
    char *z = calloc(huge, 1);
    ck_assert_ptr_nonnull(z);
    FILE *f = stream(1, z, huge);
    free(z);
    mz_linereader r;
    mz_linereader_init(&r, f, 1000);
    r.stop_at_limit = 1;
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_TOO_LONG);
    ck_assert_uint_eq(r.lineno, 1);
    ck_assert_int_lt(lseek(fileno(f), 0, SEEK_CUR), 1 << 20);
    mz_linereader_free(&r);
    fclose(f);
}
END_TEST

static void test_linereader_nul_inside_line_on(int via_fd)
{
    const char data[] = "ab\0cd\n\0\nx\0\0y\nlast";
    FILE *f = stream(via_fd, data, sizeof data - 1);
    mz_linereader r;
    mz_linereader_init(&r, f, 100);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_uint_eq(r.len, 5); /* the NUL is a byte of the line */
    ck_assert_int_eq(memcmp(r.buf, "ab\0cd", 5), 0);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_uint_eq(r.len, 1);
    ck_assert_int_eq(r.buf[0], 0);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_uint_eq(r.len, 4);
    ck_assert_int_eq(memcmp(r.buf, "x\0\0y", 4), 0);
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
    ck_assert_str_eq(r.buf, "last");
    ck_assert_uint_eq(r.lineno, 4); /* NULs neither merged nor split lines */
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_EOF);
    mz_linereader_free(&r);
    fclose(f);
}

START_TEST(test_linereader_nul_inside_line)
{
    for (int via_fd = 0; via_fd < 2; via_fd++) test_linereader_nul_inside_line_on(via_fd);
}
END_TEST

/* Lines that straddle the reader's chunks (a quarter of a megabyte) come
 * out whole: 8,000 lines of 1-199 bytes, line i made of letter i % 26,
 * through both kinds of stream. */
static void test_linereader_chunks_on(int via_fd, const char *data, size_t n, size_t nlines)
{
    FILE *f = stream(via_fd, data, n);
    mz_linereader r;
    mz_linereader_init(&r, f, 1000);
    for (size_t i = 0; i < nlines; i++) {
        ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_OK);
        ck_assert_uint_eq(r.len, 1 + i % 199);
        for (size_t k = 0; k < r.len; k++) ck_assert_int_eq(r.buf[k], 'a' + (int)(i % 26));
        ck_assert_uint_eq(r.lineno, i + 1);
    }
    ck_assert_int_eq(mz_linereader_next(&r), MZ_LINE_EOF);
    mz_linereader_free(&r);
    fclose(f);
}

START_TEST(test_linereader_across_chunks)
{
    size_t nlines = 8000, n = 0;
    char *data = malloc(nlines * 200 + 1);
    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < nlines; i++) {
        size_t len = 1 + i % 199;
        memset(data + n, 'a' + (int)(i % 26), len);
        n += len;
        data[n++] = '\n';
    }
    ck_assert_uint_gt(n, 2 * 256 * 1024);
    for (int via_fd = 0; via_fd < 2; via_fd++) test_linereader_chunks_on(via_fd, data, n, nlines);
    free(data);
}
END_TEST

START_TEST(test_jsonl_over_long_line_reported)
{
    /* max_text 100 → lines up to 100*6+65536 bytes; one of 70000 is refused */
    size_t big = 70000;
    char *data = malloc(big + 128);
    size_t n = (size_t)sprintf(data, "{\"text\": \"نص\", \"label\": \"a\"}\n{\"text\": \"");
    memset(data + n, 'a', big);
    n += big;
    n += (size_t)sprintf(data + n, "\", \"label\": \"a\"}\n");
    const char *path = put("long.jsonl", data, n);
    free(data);
    mz_fields f;
    mz_fields_default(&f);
    f.max_text = 100;
    recs c;
    memset(&c, 0, sizeof c);
    mz_err e = {{0}};
    ck_assert_int_eq(mz_corpus_read(path, &f, collect, &c, &e), -1);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_ptr_nonnull(strstr(e.msg, ":2:"));
    ck_assert_ptr_nonnull(strstr(e.msg, "line longer than"));
    recs_free(&c);
}
END_TEST

/* A text within max_text written with every letter escaped, as Python's
 * json.dumps writes Arabic (six bytes for each two-byte letter), is read:
 * the line is three times the text, over what twice would have allowed. */
START_TEST(test_jsonl_escaped_text_within_limit)
{
    size_t letters = 50000; /* 100,000 bytes of UTF-8 */
    char *data = malloc(letters * 6 + 128);
    size_t n = (size_t)sprintf(data, "{\"text\": \"");
    for (size_t i = 0; i < letters; i++) n += (size_t)sprintf(data + n, i % 5 == 4 ? "\\u0020" : "\\u0646");
    n += (size_t)sprintf(data + n, "\", \"label\": \"a\"}\n");
    ck_assert_uint_gt(n, 2 * 100000 + 65536);
    const char *path = put("escaped.jsonl", data, n);
    free(data);
    mz_fields f;
    mz_fields_default(&f);
    f.max_text = 100000;
    recs c;
    memset(&c, 0, sizeof c);
    mz_err e = {{0}};
    ck_assert_msg(mz_corpus_read(path, &f, collect, &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.n, 1);
    recs_free(&c);
    ck_assert_uint_eq(mz_jsonl_line_max(100000), 6 * 100000 + 65536);
    ck_assert_uint_eq(mz_jsonl_line_max(SIZE_MAX / 2), SIZE_MAX);
}
END_TEST

START_TEST(test_check_text)
{
    mz_err e = {{0}};
    ck_assert_int_eq(mz_check_text("نص", strlen("نص"), 100, "text", &e), 0);
    ck_assert_int_eq(mz_check_text("", 0, 100, "text", &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "text is empty"));
    ck_assert_int_eq(mz_check_text("abcdef", 6, 5, "title", &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "title is 6 bytes"));
    ck_assert_int_eq(mz_check_text("ab\xC3", 3, 0, "text", &e), -1); /* max 0: no limit, still UTF-8 */
    ck_assert_ptr_nonnull(strstr(e.msg, "byte 2"));
    ck_assert_int_eq(mz_check_text("a\0b", 3, 0, "text", &e), -1);
}
END_TEST

/* ----------------------------------------------- the opinion corpus */

/* corpora/opinion trains the shipped stance and frames heads next to the
 * annotated corpus, so its labels must follow the same codebook: russia
 * and west are -2..2 or null, frames are one to three of the fourteen
 * names, ids are unique, and no test text is also a training text. */
typedef struct opinion_check {
    char *id[512], *text[512];
    size_t n, nfile;
    int stance_seen[2][6]; /* -2..2 and null */
} opinion_check;

static int check_opinion(void *arg, const mz_record *r, mz_err *e)
{
    static const char *const frames[] = {"Economic",
                                         "Capacity_and_resources",
                                         "Morality",
                                         "Fairness_and_equality",
                                         "Legality_Constitutionality_and_jurisprudence",
                                         "Policy_prescription_and_evaluation",
                                         "Crime_and_punishment",
                                         "Security_and_defense",
                                         "Health_and_safety",
                                         "Quality_of_life",
                                         "Cultural_identity",
                                         "Public_opinion",
                                         "Political",
                                         "External_regulation_and_reputation"};
    (void)e;
    opinion_check *c = arg;
    ck_assert_uint_lt(c->n, 512);
    ck_assert_ptr_nonnull(r->id);
    ck_assert_msg(r->title && r->title_len > 0, "%s:%zu: no title", r->src, r->line);
    static const char *const target[2] = {"russia", "west"};
    for (int t = 0; t < 2; t++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->obj, target[t]);
        ck_assert_msg(v != NULL, "%s:%zu: no %s", r->src, r->line, target[t]);
        if (cJSON_IsNull(v)) {
            c->stance_seen[t][5]++;
            continue;
        }
        ck_assert_msg(cJSON_IsNumber(v) && v->valuedouble == (int)v->valuedouble && v->valueint >= -2 &&
                          v->valueint <= 2,
                      "%s:%zu: bad %s", r->src, r->line, target[t]);
        c->stance_seen[t][v->valueint + 2]++;
    }
    const cJSON *fr = cJSON_GetObjectItemCaseSensitive(r->obj, "frames");
    ck_assert_msg(cJSON_IsArray(fr) && cJSON_GetArraySize(fr) >= 1 && cJSON_GetArraySize(fr) <= 3,
                  "%s:%zu: frames must list 1-3 names", r->src, r->line);
    const cJSON *x;
    cJSON_ArrayForEach(x, fr)
    {
        int known = 0;
        for (size_t k = 0; k < sizeof frames / sizeof *frames; k++) known |= cJSON_IsString(x) && !strcmp(x->valuestring, frames[k]);
        ck_assert_msg(known, "%s:%zu: unknown frame", r->src, r->line);
    }
    for (size_t i = 0; i < c->n; i++) {
        ck_assert_msg(strcmp(c->id[i], r->id) != 0, "%s:%zu: id %s repeats", r->src, r->line, r->id);
        ck_assert_msg(strlen(c->text[i]) != r->text_len || memcmp(c->text[i], r->text, r->text_len) != 0,
                      "%s:%zu: text repeats", r->src, r->line);
    }
    c->id[c->n] = strdup(r->id);
    c->text[c->n] = strndup(r->text, r->text_len);
    c->n++;
    return 0;
}

START_TEST(test_opinion_corpus_labels)
{
    mz_fields f;
    mz_fields_default(&f);
    opinion_check c;
    memset(&c, 0, sizeof c);
    mz_err e = {{0}};
    ck_assert_msg(mz_corpus_read(mz_test_path("corpora/opinion/train.jsonl"), &f, check_opinion, &c, &e) == 0, "%s",
                  e.msg);
    size_t ntrain = c.n;
    ck_assert_msg(mz_corpus_read(mz_test_path("corpora/opinion/test.jsonl"), &f, check_opinion, &c, &e) == 0, "%s",
                  e.msg);
    ck_assert_uint_ge(ntrain, 100);
    ck_assert_uint_ge(c.n - ntrain, 40);
    /* every value of both scales occurs, so every class can be learned */
    for (int t = 0; t < 2; t++)
        for (int v = 0; v < 6; v++) ck_assert_msg(c.stance_seen[t][v] > 0, "target %d value %d never used", t, v - 2);
    for (size_t i = 0; i < c.n; i++) free(c.id[i]), free(c.text[i]);
}
END_TEST

/* The flat reader: where it answers, the full parse reads the line alike;
 * what it must decline, it declines (the full parse then words errors). */
static int flat_of(const char *line, mz_flat *fr)
{
    mz_fields f;
    mz_fields_default(&f);
    f.label = NULL;
    f.max_text = 64;
    const char *extra[MZ_FLAT_EXTRA] = {"target", "source"};
    return mz_flat_record(line, strlen(line), &f, extra, fr);
}

START_TEST(test_flat_record_reads_as_the_full_parse)
{
    const char *yes[] = {
        "{\"id\": \"a1\", \"title\": \"عنوان\", \"text\": \"نص الخبر\", \"target\": \"Covid Vaccine\"}",
        "{\"id\": \"a2\", \"source\": \"Sky \\\"News\\\"\", \"text\": \"نص\", \"target\": \"x\"}",
        "{\"id\":\"e\\\"1\",\"text\":\"سطر\\nثان \\\\ \\/ \\t \\b \\f \\r\",\"title\":null,\"n\":-12.5e+3,\"t\":true,\"f\":false}",
        "  {\"id\" : \"s\" , \"text\" : \"نص\" , \"title\" : \"\"}  \r",
        "{\"\": \"\", \"id\": \"\", \"text\": \"t\"}",
    };
    for (size_t k = 0; k < sizeof yes / sizeof *yes; k++) {
        mz_flat fr;
        ck_assert_msg(flat_of(yes[k], &fr) == 1, "declined: %s", yes[k]);
        mz_fields f;
        mz_fields_default(&f);
        f.label = NULL;
        f.max_text = 64;
        mz_record r;
        mz_err e = {{0}};
        ck_assert_int_eq(mz_record_parse_json(yes[k], strlen(yes[k]), "x", 1, &f, &r, &e), 0);
        ck_assert_str_eq(fr.id, r.id);
        ck_assert_uint_eq(fr.text_len, r.text_len);
        ck_assert_str_eq(fr.text, r.text);
        ck_assert_int_eq(fr.title == NULL, r.title == NULL);
        if (r.title) ck_assert_str_eq(fr.title, r.title);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(r.obj, "target");
        ck_assert_int_eq(fr.extra[0] != NULL, cJSON_IsString(t));
        if (fr.extra[0]) ck_assert_str_eq(fr.extra[0], t->valuestring);
        const cJSON *so = cJSON_GetObjectItemCaseSensitive(r.obj, "source");
        ck_assert_int_eq(fr.extra[1] != NULL, cJSON_IsString(so));
        if (fr.extra[1]) ck_assert_str_eq(fr.extra[1], so->valuestring);
        mz_record_free(&r);
        mz_flat_free(&fr);
    }
    const char *no[] = {
        "{\"id\": \"a\", \"text\": \"\\u0646\\u0635\"}",            /* \u: the full parse decodes */
        "{\"id\": \"a\", \"text\": \"نص\", \"meta\": {\"k\": 1}}",  /* nested */
        "{\"id\": \"a\", \"text\": \"نص\", \"l\": [1]}",
        "{\"id\": \"a\", \"text\": \"نص\", \"text\": \"ثان\"}",     /* a field twice */
        "{\"id\": \"a3\", \"source\": 12, \"text\": \"نص\"}",       /* an extra that is a number: */
        "{\"text\": \"نص\", \"id\": \"x\", \"target\": 5, \"n\": 0}", /* the caller words it */
        "{\"id\": \"a\", \"text\": \"نص\", \"source\": \"a\", \"source\": \"b\"}",
        "{\"id\": 7, \"text\": \"نص\"}",                            /* a number for an id */
        "{\"text\": \"نص\"}",                                        /* no id */
        "{\"id\": \"a\"}",                                           /* no text */
        "{\"id\": \"a\", \"text\": \"\"}",                           /* empty */
        "{\"id\": \"a\", \"text\": 5}",
        "{\"id\": \"a\", \"text\": \"نص\", \"title\": 3}",
        "{\"id\": \"a\", \"text\": \"a\tb\"}",                       /* a raw control character */
        "\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"نص\"}",             /* a byte-order mark */
        "{\"id\": \"a\", \"text\": \"نص\"} x",                       /* trailing bytes */
        "{\"id\": \"a\", \"text\": \"نص\"}\n",
        "{\"id\": \"a\", \"text\": \"نص\",}",
        "{\"id\": \"a\", \"text\": \"نص\", \"n\": 01}",
        "{\"id\": \"a\", \"text\": \"نص\", \"n\": 1234567890123456789012345678901234567890}",
        "{\"id\": \"a\", \"text\": \"نص\", \"n\": truex}",
        "{\"i\\u0064\": \"a\", \"text\": \"نص\"}",                    /* an escape in a key */
        "{\"id\": \"a\", \"text\": \"\xff\"}",
        "{\"id\": \"a\", \"text\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", /* > 64 */
        "{\"id\": \"a\", \"text\": \"نص",
        "[{\"id\": \"a\", \"text\": \"نص\"}]",
    };
    for (size_t k = 0; k < sizeof no / sizeof *no; k++) {
        mz_flat fr;
        ck_assert_msg(flat_of(no[k], &fr) == 0, "answered: %s", no[k]);
        ck_assert_ptr_null(fr.id);
        ck_assert_ptr_null(fr.text);
    }
}
END_TEST

Suite *suite_corpus(void)
{
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_read_topic_jsonl);
    tcase_add_test(tc, test_read_topic_tsv_and_folder_agree);
    tcase_add_test(tc, test_callback_error_stops_reading);
    tcase_add_test(tc, test_custom_fields_blank_lines_crlf);
    tcase_add_test(tc, test_invalid_utf8_names_file_and_line);
    tcase_add_test(tc, test_malformed_json);
    tcase_add_test(tc, test_trailing_garbage_after_object);
    tcase_add_test(tc, test_text_field_errors);
    tcase_add_test(tc, test_escaped_nul_refused);
    tcase_add_test(tc, test_size_limit);
    tcase_add_test(tc, test_tsv_errors);
    tcase_add_test(tc, test_folder_corpus_rules);
    tcase_add_test(tc, test_linereader_basic);
    tcase_add_test(tc, test_linereader_too_long);
    tcase_add_test(tc, test_linereader_nul_inside_line);
    tcase_add_test(tc, test_linereader_across_chunks);
    tcase_add_test(tc, test_jsonl_over_long_line_reported);
    tcase_add_test(tc, test_jsonl_escaped_text_within_limit);
    tcase_add_test(tc, test_check_text);
    tcase_add_test(tc, test_opinion_corpus_labels);
    tcase_add_test(tc, test_flat_record_reads_as_the_full_parse);
    suite_add_tcase(s, tc);
    return s;
}
