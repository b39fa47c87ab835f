/* utf8.c — see utf8.h.
 *
 * Two speeds.  Eight bytes at a time while a window holds only ASCII (no
 * NUL) and complete two-byte sequences with a lead in C2..DF, which is all
 * of ordinary Arabic text with its spaces and punctuation; such sequences can
 * be neither overlong nor out of range, so the window needs no decoding.
 * Anything else (three- and four-byte sequences, and every error) goes
 * through the by-the-book decoder, one sequence at a time, which alone
 * decides what is wrong and where. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Bytes consumed by a window of 8 that starts on a sequence boundary and is
 * all plain (above), or 0.  Per byte, in bit 7 of its lane: cont marks
 * 10xxxxxx, lead 110xxxxx, big 111xxxxx, low a lead of C0/C1 (bits 1..4
 * clear).  Each lead must be followed by a continuation and each
 * continuation preceded by a lead; a lead in the last byte is left for the
 * next window.  The zero-byte test may flag bytes above a true zero, which
 * only sends a valid window to the slow path.  Little-endian lane order. */
static inline size_t plain_window(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t b6 = (w << 1) & HIGHS, b5 = (w << 2) & HIGHS, hi = w & HIGHS;
    uint64_t cont = hi & ~b6, lead = hi & b6 & ~b5, big = hi & b6 & b5;
    uint64_t nz = ((w & UINT64_C(0x1E1E1E1E1E1E1E1E)) + UINT64_C(0x7F7F7F7F7F7F7F7F)) & HIGHS;
    uint64_t zero = (w - ONES) & ~w & HIGHS;
    if (big | zero | (lead & ~nz)) return 0;
    if (cont != (lead & UINT64_C(0x0080808080808080)) << 8) return 0;
    return lead >> 63 ? 7 : 8;
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
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        size_t adv;
        while (n - i >= 8 && (adv = plain_window(p + i)) != 0)
            i += adv;
#endif
        /* By the book until past the window that was not plain, so text
         * of three-byte characters does not retry a window per character. */
        size_t until = i + 8 < n ? i + 8 : n;
        while (i < until) {
            unsigned c = p[i];
            if (c < 0x80) {
                if (c == 0x00)
                    return bad(i, "NUL byte", bad_offset, why);
                i++;
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

size_t mz_utf8_wide_space(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0) return 2;
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 && ((u[2] >= 0x80 && u[2] <= 0x8A) || u[2] == 0xAF)) return 3;
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) return 3;
    if (n >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) return 3;
    return 0;
}
