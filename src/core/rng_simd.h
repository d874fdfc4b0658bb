/* The bulk normal generator's instruction-set paths.
 *
 * Each path computes, for blocks [block0, block0 + 16 nvec) of counter
 * (a, b, stream), the normal pairs of rng_core.h's block_pair (or of
 * rng_ziggurat.h's zig_block_pair), bit for bit:
 * the same Philox words and the same sequence of correctly rounded IEEE
 * operations (no fused multiply-adds), only 4 to 16 lanes at a time. Which
 * path runs therefore never changes a number; tests/test_rng.c compares
 * every path this CPU can run with the scalar one. */
#ifndef DNNCRIT_CORE_RNG_SIMD_H
#define DNNCRIT_CORE_RNG_SIMD_H

#include <stddef.h>
#include <stdint.h>

enum { DNC_RNG_LANES = 16 }; /* blocks per vector step: 32 normals */

typedef enum {
    DNC_RNG_ISA_AUTO = 0, /* the widest path the CPU runs */
    DNC_RNG_ISA_PORTABLE, /* the compiler's loop over rng_core.h */
    DNC_RNG_ISA_AVX2,
    DNC_RNG_ISA_AVX512
} dnc_rng_isa;

typedef void (*dnc_normal_lanes_fn)(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                                    uint32_t b, uint32_t block0, size_t nvec, double *out);

/* The same for the ziggurat stream (rng_ziggurat.h). */
void dnc_ziggurat_lanes_portable(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                                 uint32_t b, uint32_t block0, size_t nvec, double *out);
void dnc_ziggurat_lanes_avx2(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                             uint32_t b, uint32_t block0, size_t nvec, double *out);
void dnc_ziggurat_lanes_avx512(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                               uint32_t b, uint32_t block0, size_t nvec, double *out);

void dnc_normal_lanes_portable(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                               uint32_t b, uint32_t block0, size_t nvec, double *out);
void dnc_normal_lanes_avx2(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                           uint32_t block0, size_t nvec, double *out);
void dnc_normal_lanes_avx512(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                             uint32_t b, uint32_t block0, size_t nvec, double *out);

/* Whether this CPU runs `isa` (AUTO and PORTABLE: always). */
int dnc_rng_isa_supported(dnc_rng_isa isa);
/* Chooses the path of later fills (tests and benchmarks); an unsupported
 * one is refused with -1. Not thread-safe against concurrent fills. */
int dnc_rng_isa_select(dnc_rng_isa isa);
/* The path fills take now (AUTO resolved). */
dnc_rng_isa dnc_rng_isa_current(void);
const char *dnc_rng_isa_name(dnc_rng_isa isa);

#endif
