/* fuzz_encoding.c — libFuzzer target: decoding legacy encodings to UTF-8.
 *
 * Input: byte 0 picks the decoder (none, UTF-8, Windows-1256, ISO-8859-6,
 * UTF-16, UTF-16LE, GB18030 for a multi-byte code page); the rest is the
 * text.  Checked: a failure leaves the buffer exactly as it was and names a
 * byte inside it; a success gives a NUL-terminated text that is UTF-8
 * (NUL bytes aside, which decoding keeps and the programs refuse next),
 * or the text as it came, or that text without UTF-8's mark when the rest
 * is UTF-8;
 * the guess and the hint never read past the text. */
#include <stddef.h>
#include <stdint.h>

#include "encoding.h"
#include "fuzz_common.h"
#include "utf8.h"

static mz_decoder *dec[7];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const names[] = {"utf-8", "windows-1256", "iso-8859-6", "utf-16", "utf-16le", "gb18030"};
    mz_err e = {{0}};
    for (int i = 0; i < 6; i++) {
        dec[i + 1] = mz_decoder_new(names[i], &e);
        FUZZ_MUST(dec[i + 1] != NULL, e.msg);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    mz_decoder *d = dec[data[0] % 7];
    size_t n = size - 1;
    char *buf = malloc(n + 1), *orig = malloc(n + 1);
    FUZZ_CHECK(buf && orig);
    memcpy(buf, data + 1, n);
    buf[n] = '\0';
    memcpy(orig, buf, n + 1);
    char *before = buf;
    size_t len = n;
    mz_err e = {{0}};
    if (mz_text_utf8(d, &buf, &len, &e) != 0) {
        FUZZ_CHECK(buf == before && len == n && memcmp(buf, orig, n + 1) == 0);
        FUZZ_CHECK(e.msg[0] != '\0');
        const char *at = strstr(e.msg, "at byte ");
        if (at) FUZZ_CHECK(strtoull(at + 8, NULL, 10) < (unsigned long long)(n ? n : 1));
    } else if (buf == before && n >= 3 && !memcmp(orig, "\xEF\xBB\xBF", 3) && len == n - 3) {
        /* UTF-8's mark dropped from a text that is UTF-8 after it */
        FUZZ_CHECK(memcmp(buf, orig + 3, n - 3 + 1) == 0);
        FUZZ_CHECK(mz_utf8_check(buf, len, NULL, NULL) == 0);
    } else if (buf == before) {
        /* nothing to decode: the text as it came */
        FUZZ_CHECK(len == n && memcmp(buf, orig, n + 1) == 0);
    } else {
        FUZZ_CHECK(buf[len] == '\0');
        /* valid UTF-8 but for NUL bytes: check the pieces between them */
        size_t s = 0;
        for (size_t i = 0; i <= len; i++)
            if (i == len || buf[i] == '\0') {
                FUZZ_CHECK(mz_utf8_check(buf + s, i - s, NULL, NULL) == 0);
                s = i + 1;
            }
    }
    (void)mz_guess_encoding(orig, n);
    mz_err h;
    snprintf(h.msg, sizeof h.msg, "text: invalid UTF-8 at byte 0");
    mz_hint_encoding(orig, n, &h);
    free(buf);
    free(orig);
    return 0;
}
