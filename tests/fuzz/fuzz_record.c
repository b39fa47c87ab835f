/* fuzz_record.c — libFuzzer target: one JSONL record, mz_record_parse_json.
 *
 * The input is one line as a stream delivers it (any bytes).  It is parsed
 * twice, with the classifier's fields (no label, 4 MiB limit) and with the
 * trainer's (label, a small text limit so the size check is reached).
 * Checked: a failure leaves no allocation behind (ASan's leak check) and a
 * message that names the source and line; a success yields a text that is
 * valid, NUL-free UTF-8 of the length reported and within the limit, an
 * optional title that is the same, and a record that mz_record_free
 * releases; and the flat reader, where it answers, reads the line alike. */
#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "flatrecord.h"
#include "fuzz_common.h"
#include "utf8.h"

/* The flat reader (flatrecord.h) answers only for lines the full parse
 * accepts, with the same id, text, title and extra field. */
static void same_as_flat(const char *line, size_t len, const mz_fields *f, int rc, const mz_record *r)
{
    mz_flat fr;
    const char *extra[MZ_FLAT_EXTRA] = {"target", "source"};
    int flat = mz_flat_record(line, len, f, extra, &fr);
    FUZZ_CHECK(flat == 0 || flat == 1);
    if (flat != 1) return;
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(r->id != NULL && fr.id != NULL && strcmp(r->id, fr.id) == 0);
    FUZZ_CHECK(fr.text_len == r->text_len && memcmp(fr.text, r->text, r->text_len) == 0);
    FUZZ_CHECK((fr.title == NULL) == (r->title == NULL));
    if (r->title) FUZZ_CHECK(fr.title_len == r->title_len && memcmp(fr.title, r->title, r->title_len) == 0);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->obj, "target");
    FUZZ_CHECK((fr.extra[0] != NULL) == cJSON_IsString(t));
    if (fr.extra[0]) FUZZ_CHECK(strcmp(fr.extra[0], t->valuestring) == 0);
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(r->obj, "source");
    FUZZ_CHECK((fr.extra[1] != NULL) == cJSON_IsString(so));
    if (fr.extra[1]) FUZZ_CHECK(strcmp(fr.extra[1], so->valuestring) == 0);
    mz_flat_free(&fr);
}

static void one(const char *line, size_t len, const mz_fields *f)
{
    mz_record r;
    mz_err e = {{0}};
    int rc = mz_record_parse_json(line, len, "feed.jsonl", 7, f, &r, &e);
    same_as_flat(line, len, f, rc, &r);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1);
        FUZZ_CHECK(strstr(e.msg, "feed.jsonl:7") != NULL);
        FUZZ_CHECK(memchr(e.msg, '\n', strlen(e.msg)) == NULL);
        FUZZ_CHECK(r.obj == NULL && r.id == NULL);
        return;
    }
    FUZZ_CHECK(r.obj != NULL && r.text != NULL);
    FUZZ_CHECK(r.text_len > 0 && r.text_len == strlen(r.text));
    FUZZ_CHECK(f->max_text == 0 || r.text_len <= f->max_text);
    FUZZ_CHECK(mz_utf8_check(r.text, r.text_len, NULL, NULL) == 0);
    if (r.title) {
        FUZZ_CHECK(r.title_len == strlen(r.title));
        FUZZ_CHECK(mz_utf8_check(r.title, r.title_len, NULL, NULL) == 0);
    }
    /* ids are echoed into the output: they must be clean UTF-8 too */
    if (r.id) FUZZ_CHECK(mz_utf8_check(r.id, strlen(r.id), NULL, NULL) == 0);
    FUZZ_CHECK(r.line == 7);
    mz_record_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the line reader hands over a private, NUL-terminated copy */
    char *line = malloc(size + 1);
    if (!line) return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    mz_fields f;
    mz_fields_default(&f);
    f.label = NULL;
    one(line, size, &f);
    mz_fields_default(&f);
    f.max_text = 64;
    one(line, size, &f);
    free(line);
    return 0;
}
