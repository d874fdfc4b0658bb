/* The ziggurat normal stream (Marsaglia & Tsang 2000, 1024 layers, in
 * Doornik's 2005 layout), the scalar definition every path reproduces.
 *
 * Element e of counter (seed, stream, a, b) takes 64 bits, half of Philox
 * block e/2 under stream word `stream | ZIG_MAIN` (hi, lo = words 0, 1 for
 * even e, 2, 3 for odd e):
 *   layer i = lo & 0x3FF, sign = bit 10 of lo, u = (hi << 21) | (lo >> 11);
 *   if u < zig_k[i]: z = +-(double)u * zig_w[i]  (99.57 % of elements);
 *   else the rejection path, on counters of its own (index e, stream word
 *   stream | ZIG_RETRY | attempt << 16, or ZIG_TAIL | try << 16), so that
 *   the element is still a pure function of (seed, stream, a, b, e).
 * Its logarithm is rng_core.h's log_positive, not libm's: the rare
 * rejection path gives the same bits on every CPU too. */
#ifndef DNNCRIT_CORE_RNG_ZIGGURAT_H
#define DNNCRIT_CORE_RNG_ZIGGURAT_H

#include <stdint.h>

#include "core/ziggurat_tables.h"

/* Counter domains in the upper half of the stream word (streams < 2^16;
 * dnc_uniform_at reaches these bits only past 2^46 draws). */
#define ZIG_STREAM_MASK 0xFFFFu
#define ZIG_MAIN 0x40000000u
#define ZIG_RETRY 0x50000000u
#define ZIG_TAIL 0x60000000u

/* the 64 bits of an element: 10 for the layer, 1 for the sign, 53 for u */
#define ZIG_LAYER_MASK 0x3FFu
#define ZIG_SIGN_SHIFT 10
_Static_assert(ZIG_LAYERS == ZIG_LAYER_MASK + 1, "the layer bits address every layer");

/* Whether the point (x, f_i + v (f_{i+1} - f_i)) of layer i's wedge
 * (1 <= i < ZIG_LAYERS, x_{i+1} <= x <= x_i, 0 <= v <= 1) lies below the
 * density exp(-x^2/2). */
int dnc_zig_below_density(uint32_t i, double x, double v);

/* The element with main words (hi, lo) whose rectangle test failed. */
double dnc_zig_rejected(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                        uint32_t e, uint32_t hi, uint32_t lo);

__attribute__((always_inline)) static inline double zig_element(uint32_t k0, uint32_t k1,
                                                                uint32_t stream, uint32_t a,
                                                                uint32_t b, uint32_t e,
                                                                uint32_t hi, uint32_t lo)
{
    uint32_t i = lo & ZIG_LAYER_MASK;
    uint64_t u = ((uint64_t)hi << 21) | (lo >> 11);
    if (u >= zig_k[i])
        return dnc_zig_rejected(k0, k1, stream, a, b, e, hi, lo);
    double x = (double)u * zig_w[i];
    return (lo >> ZIG_SIGN_SHIFT) & 1u ? -x : x;
}

/* Elements 2 block and 2 block + 1. */
__attribute__((always_inline)) static inline void
zig_block_pair(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
               uint32_t block, double *z0, double *z1)
{
    uint32_t x[4] = {block, a, b, (stream & ZIG_STREAM_MASK) | ZIG_MAIN};
    philox10(k0, k1, x);
    *z0 = zig_element(k0, k1, stream, a, b, 2 * block, x[0], x[1]);
    *z1 = zig_element(k0, k1, stream, a, b, 2 * block + 1, x[2], x[3]);
}

#endif
