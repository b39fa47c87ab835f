/* stopwords.c — see stopwords.h. */
#include "stopwords.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

int mz_stopwords_parse(mz_stopwords *sw, const char *data, size_t len, const char *name,
                       mz_normalizer *n, mz_err *e)
{
    sw->set = mz_strmap_new(512);
    if (!sw->set) return mz_fail(e, "out of memory");
    size_t line = 0, pos = 0;
    while (pos < len) {
        const char *s = data + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos;
        pos += l + (nl ? 1 : 0);
        line++;
        while (l && (s[l - 1] == '\r' || s[l - 1] == ' ' || s[l - 1] == '\t')) l--;
        while (l && (*s == ' ' || *s == '\t')) s++, l--;
        if (l == 0 || *s == '#') continue;
        char *norm;
        size_t nl2;
        if (mz_normalize_utf8(n, s, l, &norm, &nl2, e) != 0) {
            mz_stopwords_free(sw);
            return mz_wrap(e, "%s:%zu: ", name, line);
        }
        if (nl2 && mz_strmap_intern(sw->set, norm, nl2, 0, NULL) < 0) {
            free(norm);
            mz_stopwords_free(sw);
            return mz_fail(e, "out of memory");
        }
        free(norm);
    }
    return 0;
}

int mz_stopwords_load(mz_stopwords *sw, const char *path, mz_normalizer *n, mz_err *e)
{
    char *buf;
    size_t len;
    if (mz_read_file(path, 16u << 20, &buf, &len, e) != 0) return -1;
    int rc = mz_stopwords_parse(sw, buf, len, path, n, e);
    free(buf);
    return rc;
}

void mz_stopwords_free(mz_stopwords *sw)
{
    mz_strmap_free(sw->set);
    sw->set = NULL;
}
