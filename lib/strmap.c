/* strmap.c — see strmap.h.
 *
 * Layout: `slots` holds entry index + 1 (0 = empty) and the entry's hash
 * fragment, so most failed probes never touch key bytes.  Entries live in
 * parallel arrays; key bytes are appended to one growing arena and addressed
 * by offset, so growing the arena never invalidates an entry. */
#include "strmap.h"

#include "hugemem.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t idx1;   /* entry index + 1; 0 means empty */
    uint32_t hfrag;  /* upper hash bits, to skip most key compares */
} slot;

struct mz_strmap {
    slot *slots;
    size_t mask;       /* nslots - 1, nslots a power of two */
    size_t count, cap; /* entries */
    uint64_t *kpos;    /* key offset in arena << 24 | key length: one load
                        * (one cache miss) per candidate entry */
    int32_t *val;
    char *arena;
    size_t arena_len, arena_cap;
};

uint64_t mz_hash_bytes(const void *p, size_t n)
{
    /* FNV-1a over 8-byte words with a final avalanche: fast for the short
     * keys (words, id pairs) this engine hashes, and stable across runs,
     * which determinism needs. */
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x100000001b3ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

mz_strmap *mz_strmap_new(size_t expected)
{
    mz_strmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t n = 16;
    while (n < expected * 2) n <<= 1;
    m->slots = mz_huge_calloc(n, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->mask = n - 1;
    /* A non-NULL arena from the start keeps memcmp/memcpy of empty keys
     * well-defined. */
    m->arena = malloc(4096);
    if (!m->arena) {
        free(m->slots);
        free(m);
        return NULL;
    }
    m->arena_cap = 4096;
    return m;
}

void mz_strmap_free(mz_strmap *m)
{
    if (!m) return;
    free(m->slots);
    free(m->kpos);
    free(m->val);
    free(m->arena);
    free(m);
}

void mz_strmap_clear(mz_strmap *m)
{
    memset(m->slots, 0, (m->mask + 1) * sizeof *m->slots);
    m->count = 0;
    m->arena_len = 0;
}

size_t mz_strmap_count(const mz_strmap *m) { return m->count; }

size_t mz_strmap_bytes(const mz_strmap *m)
{
    return (m->mask + 1) * sizeof(slot) + m->cap * (8 + 4) + m->arena_cap;
}

static int64_t probe(const mz_strmap *m, const void *key, size_t len, uint64_t h, size_t *slot_out)
{
    size_t i = (size_t)h & m->mask;
    uint32_t frag = (uint32_t)(h >> 32);
    for (;;) {
        const slot *s = &m->slots[i];
        if (s->idx1 == 0) {
            *slot_out = i;
            return -1;
        }
        size_t e = s->idx1 - 1;
        if (s->hfrag == frag) {
            uint64_t kp = m->kpos[e];
            if ((kp & 0xFFFFFF) == len && memcmp(m->arena + (kp >> 24), key, len) == 0) return (int64_t)e;
        }
        i = (i + 1) & m->mask;
    }
}

int64_t mz_strmap_find(const mz_strmap *m, const void *key, size_t len)
{
    size_t s;
    return probe(m, key, len, mz_hash_bytes(key, len), &s);
}

static int grow_slots(mz_strmap *m)
{
    size_t n = (m->mask + 1) * 2;
    /* written before it is read (a first read maps the shared zero page,
     * and the write after it costs every other thread a TLB flush), on
     * huge pages when large */
    slot *ns = mz_huge_calloc(n, sizeof *ns);
    if (!ns) return -1;
    for (size_t e = 0; e < m->count; e++) {
        uint64_t h = mz_hash_bytes(m->arena + (m->kpos[e] >> 24), m->kpos[e] & 0xFFFFFF);
        size_t i = (size_t)h & (n - 1);
        while (ns[i].idx1) i = (i + 1) & (n - 1);
        ns[i].idx1 = (uint32_t)(e + 1);
        ns[i].hfrag = (uint32_t)(h >> 32);
    }
    free(m->slots);
    m->slots = ns;
    m->mask = n - 1;
    return 0;
}

void mz_strmap_prefetch(const mz_strmap *m, uint64_t h, int stage)
{
    const slot *s = &m->slots[(size_t)h & m->mask];
    if (stage == 0) {
        __builtin_prefetch(s);
        return;
    }
    if (!s->idx1 || s->hfrag != (uint32_t)(h >> 32)) return;
    /* each stage reads only what the one before fetched */
    if (stage == 1) __builtin_prefetch(&m->kpos[s->idx1 - 1]);
    else __builtin_prefetch(m->arena + (m->kpos[s->idx1 - 1] >> 24));
}

int64_t mz_strmap_intern(mz_strmap *m, const void *key, size_t len, int32_t value, int *inserted)
{
    return mz_strmap_intern_h(m, key, len, mz_hash_bytes(key, len), value, inserted);
}

int64_t mz_strmap_intern_h(mz_strmap *m, const void *key, size_t len, uint64_t h, int32_t value, int *inserted)
{
    size_t si;
    int64_t e = probe(m, key, len, h, &si);
    if (inserted) *inserted = 0;
    if (e >= 0) return e;
    if (m->count >= UINT32_MAX - 1 || len >= (1u << 24) || m->arena_len + len >= (1ULL << 40)) return -1;
    if ((m->count + 1) * 2 > m->mask + 1) {
        if (grow_slots(m) != 0) return -1;
        probe(m, key, len, h, &si);
    }
    if (m->count == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        uint64_t *kp = realloc(m->kpos, nc * sizeof *kp);
        if (!kp) return -1;
        m->kpos = kp;
        int32_t *v = realloc(m->val, nc * sizeof *v);
        if (!v) return -1;
        m->val = v;
        m->cap = nc;
    }
    if (m->arena_len + len > m->arena_cap) {
        size_t nc = m->arena_cap ? m->arena_cap * 2 : 4096;
        while (nc < m->arena_len + len) nc *= 2;
        char *a = realloc(m->arena, nc);
        if (!a) return -1;
        m->arena = a;
        m->arena_cap = nc;
    }
    if (len) memcpy(m->arena + m->arena_len, key, len);
    e = (int64_t)m->count++;
    m->kpos[e] = ((uint64_t)m->arena_len << 24) | len;
    m->val[e] = value;
    m->arena_len += len;
    m->slots[si].idx1 = (uint32_t)(e + 1);
    m->slots[si].hfrag = (uint32_t)(h >> 32);
    if (inserted) *inserted = 1;
    return e;
}

const char *mz_strmap_key(const mz_strmap *m, size_t i, size_t *len)
{
    if (len) *len = m->kpos[i] & 0xFFFFFF;
    return m->arena + (m->kpos[i] >> 24);
}

int32_t mz_strmap_value(const mz_strmap *m, size_t i) { return m->val[i]; }
void mz_strmap_set_value(mz_strmap *m, size_t i, int32_t v) { m->val[i] = v; }
void mz_strmap_prefetch_value(const mz_strmap *m, size_t i) { __builtin_prefetch(&m->val[i]); }
