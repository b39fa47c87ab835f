/* strmap.h — open-addressing hash map from byte strings to int32 values.
 *
 * Keys are arbitrary byte strings (not NUL-terminated; binary keys such as a
 * pair of int32 ids are fine).  The map copies every key into its own arena,
 * so callers may reuse their buffers; keys are never removed individually,
 * only all at once with mz_strmap_clear(), which keeps the allocations for
 * reuse.  Entries are numbered 0..count-1 in insertion order, which is what
 * makes vocabularies built from the same corpus byte-identical.
 *
 * Invariant: the table is at most 1/2 full, so probes stay short and a
 * lookup of a missing key always terminates on an empty slot.
 *
 * Not thread-safe for writers; concurrent readers are safe once building is
 * finished. */
#ifndef MZ_STRMAP_H
#define MZ_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct mz_strmap mz_strmap;

mz_strmap *mz_strmap_new(size_t expected);
void mz_strmap_free(mz_strmap *m);
void mz_strmap_clear(mz_strmap *m);

size_t mz_strmap_count(const mz_strmap *m);

/* Returns the entry index of key, or -1. */
int64_t mz_strmap_find(const mz_strmap *m, const void *key, size_t len);

/* Returns the entry index of key, inserting it with value `value` when it
 * is missing (then *inserted is set to 1).  Returns -1 on out-of-memory. */
int64_t mz_strmap_intern(mz_strmap *m, const void *key, size_t len,
                         int32_t value, int *inserted);

/* For batches of lookups, which are cache misses at random places: hash
 * the keys first (mz_hash_bytes), prefetch a few keys ahead — the slot
 * (stage 0), then, once that has arrived, the entry's key position it
 * names (stage 1), then the key itself (stage 2) — and intern with the
 * known hash.  Results are those of the plain calls. */
void mz_strmap_prefetch(const mz_strmap *m, uint64_t h, int stage);
int64_t mz_strmap_intern_h(mz_strmap *m, const void *key, size_t len, uint64_t h, int32_t value,
                           int *inserted);

/* Entry accessors, valid for 0 <= i < count. */
const char *mz_strmap_key(const mz_strmap *m, size_t i, size_t *len);
int32_t mz_strmap_value(const mz_strmap *m, size_t i);
void mz_strmap_set_value(mz_strmap *m, size_t i, int32_t v);
/* Prefetch entry i's value, for a batch of value reads by entry. */
void mz_strmap_prefetch_value(const mz_strmap *m, size_t i);

/* Bytes of heap the map holds (for memory budgets such as cache caps). */
size_t mz_strmap_bytes(const mz_strmap *m);

uint64_t mz_hash_bytes(const void *p, size_t n);

#endif
