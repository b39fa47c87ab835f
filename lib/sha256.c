/* sha256.c — see sha256.h. */
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define MZ_SHA_NI 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void compress_portable(uint32_t h[8], const unsigned char *blk)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = load_be32(blk + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = k + S1 + ch + K[i] + w[i];
        uint32_t S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
        uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + mj;
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

#ifdef MZ_SHA_NI
/* The same compression with the x86 SHA extensions: bundle loading digests
 * tens of megabytes on every start, and this runs it about five times
 * faster.  W is kept four words per register; each iteration does four
 * rounds (two sha256rnds2, each taking two of the four K+W words). */
__attribute__((target("sha,sse4.1"))) static void compress_ni(uint32_t h[8], const unsigned char *blk)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i t = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]);
    t = _mm_shuffle_epi32(t, 0xB1);            /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);          /* EFGH */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8);    /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);         /* CDGH */
    const __m128i abef = s0, cdgh = s1;
    __m128i w[4];
    for (int i = 0; i < 16; i++) {
        __m128i m;
        if (i < 4) {
            m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blk + 16 * i)), bswap);
        } else {
            m = _mm_sha256msg1_epu32(w[i & 3], w[(i - 3) & 3]);
            m = _mm_add_epi32(m, _mm_alignr_epi8(w[(i - 1) & 3], w[(i - 2) & 3], 4));
            m = _mm_sha256msg2_epu32(m, w[(i - 1) & 3]);
        }
        w[i & 3] = m;
        __m128i k = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&K[4 * i]));
        s1 = _mm_sha256rnds2_epu32(s1, s0, k);
        s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(k, 0x0E));
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
    t = _mm_shuffle_epi32(s0, 0x1B);           /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);          /* DCHG */
    s0 = _mm_blend_epi16(t, s1, 0xF0);         /* DCBA */
    s1 = _mm_alignr_epi8(s1, t, 8);            /* HGFE */
    _mm_storeu_si128((__m128i *)&h[0], s0);
    _mm_storeu_si128((__m128i *)&h[4], s1);
}

static int have_sha_ni(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 29))) return 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
}
#endif

/* -1 until the first digest decides; tests may force the portable path.
 * Bundles are verified on several threads at once, so the first digests
 * may all decide together: an atomic, though each writes the same value. */
static int use_ni = -1;

void mz_sha256_portable(int on)
{
    __atomic_store_n(&use_ni, on ? 0 : -1, __ATOMIC_RELAXED);
}

static void compress(uint32_t h[8], const unsigned char *blk)
{
#ifdef MZ_SHA_NI
    int ni = __atomic_load_n(&use_ni, __ATOMIC_RELAXED);
    if (ni < 0) __atomic_store_n(&use_ni, ni = have_sha_ni(), __ATOMIC_RELAXED);
    if (ni) {
        compress_ni(h, blk);
        return;
    }
#endif
    compress_portable(h, blk);
}

void mz_sha256_init(mz_sha256 *c)
{
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(c->h, iv, sizeof iv);
    c->nbytes = 0;
}

void mz_sha256_update(mz_sha256 *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len == 0)
        return;
    size_t fill = (size_t)(c->nbytes & 63);
    c->nbytes += len;
    if (fill) {
        size_t take = 64 - fill;
        if (take > len)
            take = len;
        memcpy(c->buf + fill, p, take);
        p += take;
        len -= take;
        if (fill + take < 64)
            return;
        compress(c->h, c->buf);
    }
    while (len >= 64) {
        compress(c->h, p);
        p += 64;
        len -= 64;
    }
    if (len)
        memcpy(c->buf, p, len);
}

void mz_sha256_final(mz_sha256 *c, unsigned char out[32])
{
    uint64_t bits = c->nbytes * 8;
    size_t fill = (size_t)(c->nbytes & 63);
    c->buf[fill++] = 0x80;
    if (fill > 56) {
        memset(c->buf + fill, 0, 64 - fill);
        compress(c->h, c->buf);
        fill = 0;
    }
    memset(c->buf + fill, 0, 56 - fill);
    for (int i = 0; i < 8; i++)
        c->buf[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    compress(c->h, c->buf);
    for (int i = 0; i < 8; i++)
        store_be32(out + 4 * i, c->h[i]);
    memset(c, 0, sizeof *c);
}

static void to_hex(const unsigned char d[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[64] = '\0';
}

void mz_sha256_hex(const void *data, size_t len, char hex[65])
{
    mz_sha256 c;
    unsigned char d[32];
    mz_sha256_init(&c);
    mz_sha256_update(&c, data, len);
    mz_sha256_final(&c, d);
    to_hex(d, hex);
}

int mz_sha256_file(const char *path, char hex[65], mz_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mz_fail(e, "%s: cannot open: %s", path, strerror(errno));
    mz_sha256 c;
    unsigned char chunk[32768];
    size_t n;
    mz_sha256_init(&c);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mz_sha256_update(&c, chunk, n);
    if (ferror(f)) {
        int err = errno;
        fclose(f);
        return mz_fail(e, "%s: read error: %s", path, strerror(err));
    }
    fclose(f);
    unsigned char d[32];
    mz_sha256_final(&c, d);
    to_hex(d, hex);
    return 0;
}
