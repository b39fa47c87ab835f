/* sha256.h — self-contained SHA-256 (FIPS 180-4).
 *
 * Used to fingerprint corpora and model files so a model can say exactly
 * which bytes it was trained on; it is not meant to be a hardened crypto
 * primitive (no constant-time guarantees, no secret wiping).  No external
 * library is needed, so the engine builds anywhere a C11 compiler does.
 *
 * Contract: init, then any number of update calls with arbitrary split
 * points (the digest depends only on the concatenated bytes), then exactly
 * one final.  After final the context holds no useful state; init it again
 * to reuse.  update with len 0 is a no-op and data may then be NULL.
 * Hex output is always 64 lowercase digits plus a NUL. */
#ifndef MZ_SHA256_H
#define MZ_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MZ_SHA256_LEN 32 /* digest bytes */
#define MZ_SHA256_HEX 65 /* hex digits + NUL */

typedef struct mz_sha256 {
    uint32_t h[8];        /* chaining state */
    uint64_t nbytes;      /* total bytes absorbed so far */
    unsigned char buf[64];/* partial block; buf[0 .. nbytes%64) is valid */
} mz_sha256;

void mz_sha256_init(mz_sha256 *c);
void mz_sha256_update(mz_sha256 *c, const void *data, size_t len);
void mz_sha256_final(mz_sha256 *c, unsigned char out[32]);

/* Use only the portable C compression (1), or the CPU's SHA instructions
 * where it has them (0, the default); for tests, not thread-safe. */
void mz_sha256_portable(int on);

/* One-shot digest of a buffer, as lowercase hex. */
void mz_sha256_hex(const void *data, size_t len, char hex[65]);

/* Digest of a whole file, streamed in fixed-size chunks (constant memory).
 * On failure hex is left unspecified and e names the path. */
int mz_sha256_file(const char *path, char hex[65], mz_err *e);

#endif
