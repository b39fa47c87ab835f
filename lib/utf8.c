/* utf8.c — see utf8.h. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero iff some byte of w is >= 0x80 or == 0x00.  The classic
 * "has zero byte" test (w - ONES) & ~w & HIGHS may report false positives
 * only in bytes above a true zero byte, which is harmless here: any hit
 * sends us to the exact byte-wise path. */
static inline uint64_t word_needs_care(uint64_t w)
{
    return (w | ((w - ONES) & ~w)) & HIGHS;
}

static int bad(size_t off, const char *reason, size_t *bad_offset,
               const char **why)
{
    if (bad_offset)
        *bad_offset = off;
    if (why)
        *why = reason;
    return -1;
}

int mz_utf8_check(const char *s, size_t n, size_t *bad_offset,
                  const char **why)
{
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        /* ASCII fast path: 16, then 8 bytes at a time.  Entered only after
         * an ASCII byte, so runs of multi-byte text (Arabic words) do not pay
         * for failed word probes on every character. */
        while (n - i >= 16) {
            uint64_t a, b;
            memcpy(&a, p + i, 8);
            memcpy(&b, p + i + 8, 8);
            if (word_needs_care(a) | word_needs_care(b))
                break;
            i += 16;
        }
        if (n - i >= 8) {
            uint64_t a;
            memcpy(&a, p + i, 8);
            if (!word_needs_care(a))
                i += 8;
        }

        /* Byte-wise until (and including) the next plain ASCII byte. */
        while (i < n) {
            unsigned c = p[i];
            if (c < 0x80) {
                if (c == 0x00)
                    return bad(i, "NUL byte", bad_offset, why);
                i++;
                break;
            }

            /* Two-byte sequences (Arabic, Latin-1 range) with a lead in
             * C2..DF can be neither overlong nor out of range. */
            if (c >= 0xC2 && c <= 0xDF && n - i >= 2 &&
                (p[i + 1] & 0xC0) == 0x80) {
                i += 2;
                continue;
            }

            size_t len;
            uint32_t cp;
            if (c < 0xC0)
                return bad(i, "invalid start byte", bad_offset, why);
            else if (c < 0xE0) {
                len = 2;
                cp = c & 0x1F;
            } else if (c < 0xF0) {
                len = 3;
                cp = c & 0x0F;
            } else if (c < 0xF8) {
                len = 4;
                cp = c & 0x07;
            } else
                return bad(i, "invalid start byte", bad_offset, why);

            if (n - i < len)
                return bad(i, "truncated sequence", bad_offset, why);
            for (size_t k = 1; k < len; k++) {
                unsigned cc = p[i + k];
                if ((cc & 0xC0) != 0x80)
                    return bad(i, "truncated sequence", bad_offset, why);
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min_for_len[len])
                return bad(i, "overlong encoding", bad_offset, why);
            if (cp > 0x10FFFF)
                return bad(i, "code point above U+10FFFF", bad_offset, why);
            if (cp >= 0xD800 && cp <= 0xDFFF)
                return bad(i, "surrogate code point", bad_offset, why);
            i += len;
        }
    }
    return 0;
}
