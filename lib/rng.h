/* rng.h — the project's one pseudo-random generator, splitmix64.
 *
 * Everything random in mizan (fold shuffles, the starting subspace of the
 * semantic block's SVD) draws from a state seeded by --seed, never from
 * rand() or the clock, so a run is reproduced by its seed. */
#ifndef MZ_RNG_H
#define MZ_RNG_H

#include <stdint.h>

static inline uint64_t mz_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#endif
