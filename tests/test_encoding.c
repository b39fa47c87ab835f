/* test_encoding.c — decoding legacy encodings to UTF-8: Windows-1256 and
 * ISO-8859-6 Arabic byte for byte, an undefined byte refused at its
 * offset, a byte-order mark (UTF-16, UTF-8) obeyed whatever the decoder,
 * UTF-8 left alone (its mark dropped), the decodings that would succeed
 * with other letters refused, the read limit, which encodings may be decoded a line at a time, files
 * opened for line reading (by mark, decoder, or decoded whole), and the
 * guess offered for text that is not UTF-8. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoding.h"

/* "قالت موسكو" in UTF-8, and the same in Windows-1256 and ISO-8859-6. */
static const char utf8_text[] = "\xd9\x82\xd8\xa7\xd9\x84\xd8\xaa \xd9\x85\xd9\x88\xd8\xb3\xd9\x83\xd9\x88";
static const char cp1256_text[] = "\xde\xc7\xe1\xca \xe3\xe6\xd3\xdf\xe6";
static const char iso_text[] = "\xe2\xc7\xe4\xca \xe5\xe8\xd3\xe3\xe8";

static char *dup_bytes(const char *s, size_t n)
{
    char *b = malloc(n + 1);
    ck_assert_ptr_nonnull(b);
    memcpy(b, s, n);
    b[n] = '\0';
    return b;
}

/* Decode s[0..n) with the named decoder (NULL: none) and compare. */
static void decodes_to(const char *enc, const char *s, size_t n, const char *want)
{
    mz_err e = {{0}};
    mz_decoder *d = NULL;
    if (enc) {
        d = mz_decoder_new(enc, &e);
        ck_assert_msg(d != NULL, "%s: %s", enc, e.msg);
    }
    char *b = dup_bytes(s, n);
    size_t len = n;
    ck_assert_msg(mz_text_utf8(d, &b, &len, &e) == 0, "%s: %s", enc ? enc : "(none)", e.msg);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_mem_eq(b, want, len);
    ck_assert_int_eq(b[len], '\0');
    free(b);
    mz_decoder_free(d);
}

START_TEST(test_arabic_code_pages)
{
    decodes_to("windows-1256", cp1256_text, sizeof cp1256_text - 1, utf8_text);
    decodes_to("cp1256", cp1256_text, sizeof cp1256_text - 1, utf8_text);
    decodes_to("iso-8859-6", iso_text, sizeof iso_text - 1, utf8_text);
    decodes_to("utf-8", utf8_text, sizeof utf8_text - 1, utf8_text);
    decodes_to(NULL, utf8_text, sizeof utf8_text - 1, utf8_text);
}
END_TEST

/* ISO-8859-6 leaves 0xA1 undefined: an error at that byte, text kept. */
START_TEST(test_undefined_byte_refused)
{
    mz_err e = {{0}};
    mz_decoder *d = mz_decoder_new("iso-8859-6", &e);
    ck_assert_ptr_nonnull(d);
    /* (not UTF-8 either: "\xc7\xa1" alone would be, and said so) */
    char *b = dup_bytes("ab\xc7\xa1\xc7z", 6);
    char *before = b;
    size_t len = 6;
    ck_assert_int_eq(mz_text_utf8(d, &b, &len, &e), -1);
    ck_assert_str_eq(e.msg, "not valid iso-8859-6 at byte 3");
    ck_assert_ptr_eq(b, before);
    ck_assert_uint_eq(len, 6);
    free(b);
    mz_decoder_free(d);
}
END_TEST

START_TEST(test_utf16_by_its_mark)
{
    /* "قال" little- and big-endian, each with its byte-order mark */
    const char le[] = "\xff\xfe\x42\x06\x27\x06\x44\x06", be[] = "\xfe\xff\x06\x42\x06\x27\x06\x44";
    const char want[] = "\xd9\x82\xd8\xa7\xd9\x84";
    decodes_to(NULL, le, sizeof le - 1, want);
    decodes_to(NULL, be, sizeof be - 1, want);
    decodes_to("utf-8", le, sizeof le - 1, want);
    decodes_to("utf-16", le, sizeof le - 1, want);
    /* a mark outranks the decoder: a code-page folder's file saved since
     * as UTF-16 or UTF-8 */
    decodes_to("windows-1256", be, sizeof be - 1, want);
    /* UTF-8's mark is no part of the text (a copy without it is the same
     * text), unless what follows is no UTF-8: then the check after names
     * the bad byte where the file has it */
    decodes_to("windows-1256", "\xef\xbb\xbf\xd9\x82", 5, "\xd9\x82");
    decodes_to(NULL, "\xef\xbb\xbf\xd9\x82", 5, "\xd9\x82");
    decodes_to(NULL, "\xef\xbb\xbf", 3, "");
    decodes_to(NULL, "\xef\xbb\xbf\xd9", 4, "\xef\xbb\xbf\xd9");
    /* an unpaired surrogate is not text */
    mz_err e = {{0}};
    char *b = dup_bytes("\xff\xfe\x00\xd8\x41\x00", 6);
    size_t len = 6;
    ck_assert_int_eq(mz_text_utf8(NULL, &b, &len, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "not valid UTF-16"));
    free(b);
}
END_TEST

START_TEST(test_line_by_line_and_names)
{
    mz_err e = {{0}};
    static const struct {
        const char *name;
        int utf8, ascii;
    } want[] = {{"windows-1256", 0, 1}, {"iso-8859-6", 0, 1}, {"UTF-8", 1, 1}, {"utf-16", 0, 0}, {"utf-16le", 0, 0}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        mz_decoder *d = mz_decoder_new(want[i].name, &e);
        ck_assert_msg(d != NULL, "%s: %s", want[i].name, e.msg);
        ck_assert_int_eq(mz_decoder_utf8(d), want[i].utf8);
        ck_assert_int_eq(mz_decoder_ascii(d), want[i].ascii);
        ck_assert_str_eq(mz_decoder_name(d), want[i].name);
        mz_decoder_free(d);
    }
    ck_assert_ptr_null(mz_decoder_new("klingon", &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "unknown encoding 'klingon'"));
    ck_assert_ptr_null(mz_decoder_new("", &e));
}
END_TEST

/* The one mistake a decoding would let through silently, a decoding that
 * succeeds and gives other letters, is refused: UTF-8 text under a
 * single-byte encoding, and ISO-8859-6 text under Windows-1256 (its و ي ه
 * would come out as è ê ç inside Arabic words). */
static void refused(const char *enc, const char *s, size_t n, const char *says)
{
    mz_err e = {{0}};
    mz_decoder *d = mz_decoder_new(enc, &e);
    ck_assert_ptr_nonnull(d);
    char *b = dup_bytes(s, n);
    size_t len = n;
    ck_assert_int_eq(mz_text_utf8(d, &b, &len, &e), -1);
    ck_assert_msg(strstr(e.msg, says), "%s", e.msg);
    ck_assert_uint_eq(len, n);
    ck_assert_mem_eq(b, s, n);
    free(b);
    mz_decoder_free(d);
}

START_TEST(test_wrong_decoding_refused)
{
    refused("windows-1256", utf8_text, sizeof utf8_text - 1, "the text is UTF-8, not windows-1256");
    refused("iso-8859-6", utf8_text, sizeof utf8_text - 1, "the text is UTF-8, not iso-8859-6");
    char s[256];
    snprintf(s, sizeof s, "%s %s %s", iso_text, iso_text, iso_text);
    refused("cp1256", s, strlen(s), "reads as iso-8859-6, not cp1256");
    /* what they should be decoded as still is; ASCII is ASCII in any */
    decodes_to("iso-8859-6", s, strlen(s), "\xd9\x82\xd8\xa7\xd9\x84\xd8\xaa \xd9\x85\xd9\x88\xd8\xb3\xd9\x83\xd9\x88 "
                                           "\xd9\x82\xd8\xa7\xd9\x84\xd8\xaa \xd9\x85\xd9\x88\xd8\xb3\xd9\x83\xd9\x88 "
                                           "\xd9\x82\xd8\xa7\xd9\x84\xd8\xaa \xd9\x85\xd9\x88\xd8\xb3\xd9\x83\xd9\x88");
    decodes_to("windows-1256", "plain ascii", 11, "plain ascii");
    /* a French word glued to an Arabic article, as Maghrebi writing has
     * it, is Windows-1256 too: its tatweel and ف are bytes ISO-8859-6
     * leaves out */
    decodes_to("windows-1256", "\xc7\xe1\xdc\xe9pisode \xdd\xed", 13, "\xd8\xa7\xd9\x84\xd9\x80\xc3\xa9pisode \xd9\x81\xd9\x8a");
    /* ... and so is a short one with none of those letters: one Latin
     * letter inside its Arabic words does not make ISO-8859-6 */
    const char ete[] = "\xc7\xe1\xe9t\xe9 \xcc\xe3\xed\xe1 \xcc\xcf\xc7";
    decodes_to("windows-1256", ete, sizeof ete - 1,
               "\xd8\xa7\xd9\x84\xc3\xa9t\xc3\xa9 \xd8\xac\xd9\x85\xd9\x8a\xd9\x84 \xd8\xac\xd8\xaf\xd8\xa7");
    /* French in Windows-1256 is read as such: its accents stand among
     * Latin letters, not Arabic ones */
    decodes_to("windows-1256", "\xde\xc7\xe1 caf\xe9 \xe0 Paris", 16, "\xd9\x82\xd8\xa7\xd9\x84 caf\xc3\xa9 \xc3\xa0 Paris");
}
END_TEST

/* A UTF-16 text may take four times the bytes of its UTF-8 form, which the
 * limit counts; UTF-8, or an encoding that keeps ASCII, never fewer. */
START_TEST(test_read_limit)
{
    mz_err e = {{0}};
    mz_decoder *cp = mz_decoder_new("windows-1256", &e), *u16 = mz_decoder_new("utf-16le", &e);
    ck_assert(cp && u16);
    ck_assert_uint_eq(mz_read_cap(10), 40);
    ck_assert_uint_eq(mz_read_cap(SIZE_MAX / 2), SIZE_MAX);
    ck_assert_int_eq(mz_read_over(NULL, "abcdefghijk", 11, 10), 1);
    ck_assert_int_eq(mz_read_over(NULL, "abcdefghij", 10, 10), 0);
    ck_assert_int_eq(mz_read_over(cp, "abcdefghijk", 11, 10), 1);
    ck_assert_int_eq(mz_read_over(u16, "abcdefghijk", 11, 10), 0);
    ck_assert_int_eq(mz_read_over(NULL, "\xff\xfe" "abcdefghijk", 13, 10), 0);
    ck_assert_int_eq(mz_read_over(cp, "\xef\xbb\xbf" "abcdefghijk", 14, 10), 1);
    mz_decoder_free(cp);
    mz_decoder_free(u16);
}
END_TEST

START_TEST(test_guess)
{
    /* a sentence of Windows-1256 Arabic */
    char s[256];
    snprintf(s, sizeof s, "%s %s %s", cp1256_text, cp1256_text, cp1256_text);
    ck_assert_str_eq(mz_guess_encoding(s, strlen(s)), "windows-1256");
    ck_assert_str_eq(mz_guess_encoding("\xff\xfe\x42\x06", 4), "utf-16");
    /* ISO-8859-6 Arabic, whose و ي ه Windows-1256 reads as Latin letters */
    snprintf(s, sizeof s, "%s %s %s", iso_text, iso_text, iso_text);
    ck_assert_str_eq(mz_guess_encoding(s, strlen(s)), "iso-8859-6");
    /* Latin-1 French is not Arabic; nor is a lone stray byte */
    const char fr[] = "L'\xe9t\xe9 a \xe9t\xe9 chaud \xe0 Paris, tr\xe8s chaud.";
    ck_assert_ptr_null(mz_guess_encoding(fr, sizeof fr - 1));
    ck_assert_ptr_null(mz_guess_encoding("abc \xde def", 9));
}
END_TEST

/* A file holding s[0..n); its path in path (a temporary under $TMPDIR,
 * else /tmp, removed by the caller). */
static void temp_file(char *path, const char *s, size_t n)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, 4096, "%s/mz_enc_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, s, n), (ssize_t)n);
    close(fd);
}

/* mz_text_open on path: the stream's whole content (NUL-terminated) and
 * *lines; NULL (message in e) when refused. */
static char *open_text(const char *path, mz_decoder *d, int *lines, mz_err *e)
{
    FILE *f = mz_text_open(path, d, lines, e);
    if (!f) return NULL;
    /* read through the descriptor, as the line readers do */
    char *b = malloc(65536);
    size_t n = 0;
    ssize_t k;
    while ((k = read(fileno(f), b + n, 65535 - n)) > 0) n += (size_t)k;
    b[n] = '\0';
    fclose(f);
    return b;
}

START_TEST(test_text_streams)
{
    mz_err e = {{0}};
    mz_decoder *cp = mz_decoder_new("windows-1256", &e), *u16 = mz_decoder_new("utf-16", &e);
    ck_assert(cp && u16);
    char path[4096], line[256];
    int lines;
    /* Windows-1256 lines: read as they are, each to be decoded */
    snprintf(line, sizeof line, "{\"t\": \"%s\"}\n", cp1256_text);
    temp_file(path, line, strlen(line));
    char *got = open_text(path, cp, &lines, &e);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(lines, 1);
    ck_assert_str_eq(got, line);
    free(got);
    /* no decoder: as they are, not decoded */
    got = open_text(path, NULL, &lines, &e);
    ck_assert_int_eq(lines, 0);
    free(got);
    unlink(path);
    /* a UTF-8 mark outranks the decoder */
    snprintf(line, sizeof line, "\xef\xbb\xbf{\"t\": \"%s\"}\n", utf8_text);
    temp_file(path, line, strlen(line));
    got = open_text(path, cp, &lines, &e);
    ck_assert_int_eq(lines, 0);
    ck_assert_str_eq(got, line);
    free(got);
    unlink(path);
    /* UTF-16 with its mark, two lines: decoded whole, with or without the
     * decoder; the mark itself dropped */
    const char le[] = "\xff\xfe{\0}\0\n\0B\x06\n\0";
    temp_file(path, le, sizeof le - 1);
    for (int k = 0; k < 3; k++) {
        got = open_text(path, k == 0 ? NULL : k == 1 ? cp : u16, &lines, &e);
        ck_assert_msg(got != NULL, "%s", e.msg);
        ck_assert_int_eq(lines, 0);
        ck_assert_str_eq(got, "{}\n\xd9\x82\n");
        free(got);
    }
    unlink(path);
    /* UTF-16 through a pipe cannot be read again from its start: refused,
     * with the conversion to make */
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], le, sizeof le - 1), (ssize_t)(sizeof le - 1));
    close(fds[1]);
    char pp[64];
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fds[0]);
    ck_assert_ptr_null(open_text(pp, u16, &lines, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "iconv -f utf-16 -t utf-8"));
    close(fds[0]);
    ck_assert_ptr_null(open_text("/nonexistent/x.jsonl", NULL, &lines, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/x.jsonl: cannot open"));
    mz_decoder_free(cp);
    mz_decoder_free(u16);
}
END_TEST

Suite *suite_encoding(void)
{
    Suite *s = suite_create("encoding");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* the sanitizer build, on a loaded machine, is far slower */
    tcase_add_test(tc, test_arabic_code_pages);
    tcase_add_test(tc, test_undefined_byte_refused);
    tcase_add_test(tc, test_utf16_by_its_mark);
    tcase_add_test(tc, test_line_by_line_and_names);
    tcase_add_test(tc, test_guess);
    tcase_add_test(tc, test_wrong_decoding_refused);
    tcase_add_test(tc, test_read_limit);
    tcase_add_test(tc, test_text_streams);
    suite_add_tcase(s, tc);
    return s;
}
