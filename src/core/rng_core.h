/* The arithmetic behind dnncrit's random numbers: Philox4x32-10 on plain
 * integers and the Box-Muller transform built from + - * / sqrt and bit
 * operations only (no libm):
 *   ln u    by exponent extraction and the atanh series of the mantissa,
 *   cos, sin of 2 pi u2 by an exact quadrant split of the 53-bit integer
 *           behind u2 and Taylor polynomials on [-pi/4, pi/4].
 * IEEE double + - * / and sqrt are correctly rounded on x86-64 and on
 * NVIDIA GPUs alike, so with multiply-add fusion off (ISO C mode for GCC,
 * -fmad=false for nvcc) element i is the same bits on the CPU, in its
 * vector clones and on the GPU: a network drawn on the device is the same
 * network. Accuracy: a few ulp against libm. Shared by src/rng.c and the
 * CUDA backend (src/cuda/). */
#ifndef DNNCRIT_RNG_CORE_H
#define DNNCRIT_RNG_CORE_H

#include <stdint.h>
#include <string.h>

#include "core/hd.h"

/* Philox4x32-10 written out on plain integers (same function as
 * Random123's philox4x32, checked by the tests), so that a loop over
 * lanes vectorises. */
DNC_HD void philox10(uint32_t k0, uint32_t k1, uint32_t x[4])
{
    uint32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    DNC_UNROLL10
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * x0;
        uint64_t p1 = (uint64_t)0xCD9E8D57u * x2;
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0;
        uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
        x1 = (uint32_t)p1;
        x3 = (uint32_t)p0;
        x0 = y0;
        x2 = y2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    x[0] = x0, x[1] = x1, x[2] = x2, x[3] = x3;
}

/* 53-bit uniform in (0, 1): ((hi << 21 ^ lo >> 11) + 0.5) 2^-53, never 0
 * (log safe) nor 1. The 53-bit integer is assembled in double arithmetic,
 * exactly, because 64-bit integer to double conversion does not vectorise
 * on AVX2. */
/* Exact; signed conversion vectorises where unsigned does not. */
DNC_HD double u32_to_double(uint32_t x)
{
    return (double)(int32_t)(x ^ 0x80000000u) + 2147483648.0;
}

DNC_HD double u01_open(uint32_t hi, uint32_t lo)
{
    double bits = u32_to_double(hi) * 0x1.0p21 + (double)(int32_t)(lo >> 11);
    return (bits + 0.5) * 0x1.0p-53;
}

DNC_HD uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

DNC_HD double double_of(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* ln u for normal u > 0: u = m 2^e with m in [sqrt(1/2), sqrt(2)),
 * ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716; the series to
 * s^23 leaves a relative error below 1e-18. */
DNC_HD double log_positive(double u)
{
    uint64_t b = bits_of(u);
    uint64_t mant = b & 0x000FFFFFFFFFFFFFull;
    /* mantissa of sqrt(2) = 0x3FF6A09E667F3BCD: above it, halve m (exact) */
    uint64_t big = mant > 0x6A09E667F3BCDull;
    double m = double_of((mant | 0x3FF0000000000000ull) - (big << 52));
    double ed = (double)((int32_t)(b >> 52) - 1023 + (int32_t)big);
    double s = (m - 1.0) / (m + 1.0);
    double s2 = s * s;
    double p = 1.0 / 23;
    p = p * s2 + 1.0 / 21;
    p = p * s2 + 1.0 / 19;
    p = p * s2 + 1.0 / 17;
    p = p * s2 + 1.0 / 15;
    p = p * s2 + 1.0 / 13;
    p = p * s2 + 1.0 / 11;
    p = p * s2 + 1.0 / 9;
    p = p * s2 + 1.0 / 7;
    p = p * s2 + 1.0 / 5;
    p = p * s2 + 1.0 / 3;
    double lnm = 2.0 * s + 2.0 * s * (s2 * p);
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    return ed * ln2_hi + (ed * ln2_lo + lnm);
}

/* (cos, sin) of 2 pi u2 with u2 = (bits + 0.5) 2^-53 and bits = (w2 << 21)
 * ^ (w3 >> 11): 4 u2 = q + f exactly, with quadrant q = w2 >> 30 and
 * f in (0, 1); the angle is q pi/2 + pi/4 + t, t = (f - 1/2) pi/2. */
DNC_HD void cos_sin_turn(uint32_t w2, uint32_t w3, double *c, double *s)
{
    uint32_t q = w2 >> 30;
    double f = ((double)(int32_t)(w2 & 0x3FFFFFFFu) * 0x1.0p21 + (double)(int32_t)(w3 >> 11) +
                0.5) * 0x1.0p-51;
    double t = (f - 0.5) * 1.5707963267948966;
    double t2 = t * t;
    double sp = -1.0 / 1307674368000.0; /* -1/15! */
    sp = sp * t2 + 1.0 / 6227020800.0;
    sp = sp * t2 - 1.0 / 39916800.0;
    sp = sp * t2 + 1.0 / 362880.0;
    sp = sp * t2 - 1.0 / 5040.0;
    sp = sp * t2 + 1.0 / 120.0;
    sp = sp * t2 - 1.0 / 6.0;
    double sin_t = t + t * (t2 * sp);
    double cp = 1.0 / 20922789888000.0; /* 1/16! */
    cp = cp * t2 - 1.0 / 87178291200.0;
    cp = cp * t2 + 1.0 / 479001600.0;
    cp = cp * t2 - 1.0 / 3628800.0;
    cp = cp * t2 + 1.0 / 40320.0;
    cp = cp * t2 - 1.0 / 720.0;
    cp = cp * t2 + 1.0 / 24.0;
    cp = cp * t2 - 0.5;
    double cos_t = 1.0 + t2 * cp;
    const double r = 0.70710678118654752440; /* 1/sqrt(2) */
    double ca = (cos_t - sin_t) * r, sa = (cos_t + sin_t) * r;
    /* rotate by q quarter turns with bit operations (branch-free, so the
     * lane loop vectorises): odd q swaps (c, s) -> (-s, c), q & 2 negates */
    uint64_t odd = 0 - (uint64_t)(q & 1);
    uint64_t flip = (uint64_t)(q >> 1) << 63;
    uint64_t cb = (bits_of(ca) & ~odd) | ((bits_of(sa) ^ (1ull << 63)) & odd);
    uint64_t sb = (bits_of(sa) & ~odd) | (bits_of(ca) & odd);
    *c = double_of(cb ^ flip);
    *s = double_of(sb ^ flip);
}

DNC_HD void normal_pair(const uint32_t w[4], double *z0, double *z1)
{
    double u1 = u01_open(w[0], w[1]);
    double r = sqrt(-2.0 * log_positive(u1));
    double c, s;
    cos_sin_turn(w[2], w[3], &c, &s);
    *z0 = r * c;
    *z1 = r * s;
}

/* The normal pair of block `block` for counter (a, b, stream). */
DNC_HD void block_pair(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                       uint32_t block, double *z0, double *z1)
{
    uint32_t x[4] = {block, a, b, stream};
    philox10(k0, k1, x);
    normal_pair(x, z0, z1);
}

#endif
