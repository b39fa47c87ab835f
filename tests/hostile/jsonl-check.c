/* jsonl-check.c — the hostile battery's view of mizan-classify's output.
 *
 * usage: jsonl-check FILE
 *
 * Reads JSON Lines output and prints one line per record:
 *     <n> TAB <id> TAB ok|error TAB <error message, or the top-level keys>
 * where <id> is the id string, a number as written, or "null".  Exits 1
 * (after saying why on stderr) if the output is not whole, valid JSON Lines:
 * a line that is not strict UTF-8 (no overlongs, surrogates or NULs), not a
 * JSON object, has no "id", or output that does not end with a newline.
 * Tabs and newlines inside printed fields are shown as spaces. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0) return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF) k = 1, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF) k = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4) k = 3, cp = c & 0x07, min = 0x10000;
        else return 0;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

static void flat(const char *s)
{
    for (; *s; s++) putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: jsonl-check FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    size_t n = 0;
    int bad = 0;
    while ((got = getline(&line, &cap, f)) > 0) {
        n++;
        size_t len = (size_t)got;
        if (line[len - 1] != '\n') {
            fprintf(stderr, "jsonl-check: %s: line %zu is not terminated (half a line)\n", argv[1], n);
            bad = 1;
        } else {
            len--;
        }
        if (!utf8_ok((const unsigned char *)line, len)) {
            fprintf(stderr, "jsonl-check: %s: line %zu is not valid UTF-8\n", argv[1], n);
            bad = 1;
            continue;
        }
        cJSON *j = cJSON_ParseWithLength(line, len);
        if (!cJSON_IsObject(j)) {
            fprintf(stderr, "jsonl-check: %s: line %zu is not a JSON object: %.120s\n", argv[1], n, line);
            bad = 1;
            cJSON_Delete(j);
            continue;
        }
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        if (!id) {
            fprintf(stderr, "jsonl-check: %s: line %zu has no \"id\"\n", argv[1], n);
            bad = 1;
        }
        printf("%zu\t", n);
        if (cJSON_IsString(id)) flat(id->valuestring);
        else if (cJSON_IsNumber(id)) printf("%.17g", id->valuedouble);
        else printf("null");
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
        if (err) {
            printf("\terror\t");
            if (cJSON_IsString(err)) flat(err->valuestring);
            else printf("(error is not a string)");
        } else {
            printf("\tok\t");
            const cJSON *k;
            int first = 1;
            cJSON_ArrayForEach(k, j)
            {
                printf("%s%s", first ? "" : " ", k->string);
                first = 0;
            }
        }
        printf("\n");
        cJSON_Delete(j);
    }
    free(line);
    fclose(f);
    return bad;
}
