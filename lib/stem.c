/* stem.c — see stem.h. */
#include "stem.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

struct mz_stemmer {
    struct sb_stemmer *sb;
};

mz_stemmer *mz_stemmer_new(mz_err *e)
{
    mz_stemmer *s = calloc(1, sizeof *s);
    if (!s) {
        mz_fail(e, "out of memory");
        return NULL;
    }
    s->sb = sb_stemmer_new("arabic", "UTF_8");
    if (!s->sb) {
        free(s);
        mz_fail(e, "libstemmer: the Arabic Snowball stemmer is not available");
        return NULL;
    }
    return s;
}

void mz_stemmer_free(mz_stemmer *s)
{
    if (!s) return;
    sb_stemmer_delete(s->sb);
    free(s);
}

static int has_arabic(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] == 0xD8 || (unsigned char)t[i] == 0xD9 || (unsigned char)t[i] == 0xDA ||
            (unsigned char)t[i] == 0xDB)
            return 1;
    return 0;
}

/* UTF-8 of و ف ا ل */
#define WAW "\xD9\x88"
#define FA "\xD9\x81"
#define AL "\xD8\xA7\xD9\x84"

const char *mz_stem(mz_stemmer *s, const char *tok, size_t len, size_t *outlen)
{
    if (!has_arabic(tok, len)) {
        *outlen = len;
        return tok;
    }
    const char *in = tok;
    size_t n = len;
    /* و/ف + ال + at least two letters (4 bytes) */
    if (n >= 2 + 4 + 4 && (memcmp(in, WAW, 2) == 0 || memcmp(in, FA, 2) == 0) && memcmp(in + 2, AL, 4) == 0) {
        in += 2;
        n -= 2;
    }
    const sb_symbol *out = sb_stemmer_stem(s->sb, (const sb_symbol *)in, (int)n);
    int ol = sb_stemmer_length(s->sb);
    if (!out || ol <= 0) {
        *outlen = n;
        return in;
    }
    *outlen = (size_t)ol;
    return (const char *)out;
}
