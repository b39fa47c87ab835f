/* fuzz_corpus.c — libFuzzer target: the corpus readers, mz_corpus_read.
 *
 * Byte 0 chooses the layout (bit 0: TSV, else JSONL), the text size limit
 * (bit 1: 48 bytes, which also makes lines over ~64 KiB too long for JSONL
 * and over 4 KiB for TSV) and after how many records the callback stops the
 * reader (bits 2-3: never, 1, 2, 5); the rest is written to a temporary
 * file named .jsonl or .tsv and read back.  Checked: every record handed to
 * the callback has valid, NUL-free UTF-8 text of the stated length within
 * the limit, a label for TSV, and the file name and line in place; a
 * failure has a one-line message naming the file; no leak on any path. */
#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "fuzz_common.h"
#include "utf8.h"

static char jsonl_path[600], tsv_path[600];

typedef struct seen {
    const char *path;
    size_t max, n, stop_after, last_line;
    int tsv;
} seen;

static int on_record(void *arg, const mz_record *r, mz_err *e)
{
    seen *s = arg;
    FUZZ_CHECK(strcmp(r->src, s->path) == 0);
    FUZZ_CHECK(r->line > s->last_line);
    s->last_line = r->line;
    FUZZ_CHECK(r->text != NULL && r->text_len > 0);
    FUZZ_CHECK(r->text_len <= s->max);
    FUZZ_CHECK(memchr(r->text, '\0', r->text_len) == NULL);
    FUZZ_CHECK(mz_utf8_check(r->text, r->text_len, NULL, NULL) == 0);
    if (r->title) FUZZ_CHECK(mz_utf8_check(r->title, r->title_len, NULL, NULL) == 0);
    if (s->tsv) {
        FUZZ_CHECK(r->label != NULL && r->id != NULL);
        FUZZ_CHECK(cJSON_IsString(r->label) && r->label->valuestring[0] != '\0');
    }
    if (++s->n == s->stop_after) return mz_fail(e, "%s:%zu: stop requested by the callback", r->src, r->line);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if (!jsonl_path[0]) {
        const char *dir = fz_tmpdir("corpus");
        snprintf(jsonl_path, sizeof jsonl_path, "%s/c.jsonl", dir);
        snprintf(tsv_path, sizeof tsv_path, "%s/c.tsv", dir);
    }
    static const size_t stops[4] = {0, 1, 2, 5};
    seen s = {0};
    s.tsv = data[0] & 1;
    s.path = s.tsv ? tsv_path : jsonl_path;
    s.stop_after = stops[(data[0] >> 2) & 3];
    mz_fields f;
    mz_fields_default(&f);
    if (data[0] & 2) f.max_text = 48;
    s.max = f.max_text;
    fz_put(s.path, data + 1, size - 1);
    mz_err e = {{0}};
    int rc = mz_corpus_read(s.path, &f, on_record, &s, &e);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1);
        FUZZ_CHECK(strstr(e.msg, s.path) != NULL);
        FUZZ_CHECK(strchr(e.msg, '\n') == NULL);
    } else {
        FUZZ_CHECK(s.n > 0); /* an empty corpus is an error */
    }
    return 0;
}
