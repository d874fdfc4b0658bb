#include "dnncrit/rng.h"

#include <math.h>

#include <Random123/philox.h>

#define TWO_PI 6.283185307179586476925286766559

void dnc_philox(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, uint32_t index,
                uint32_t out[4])
{
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t ctr = {{index, a, b, stream}};
    philox4x32_ctr_t r = philox4x32(ctr, key);
    out[0] = r.v[0];
    out[1] = r.v[1];
    out[2] = r.v[2];
    out[3] = r.v[3];
}

/* 53-bit uniform in (0, 1): never exactly 0 (log safe) nor 1. */
static inline double u01_open(uint32_t hi, uint32_t lo)
{
    uint64_t bits = ((uint64_t)hi << 21) ^ (uint64_t)(lo >> 11);
    return ((double)bits + 0.5) * 0x1.0p-53;
}

static inline void normal_pair(const uint32_t w[4], double *z0, double *z1)
{
    double u1 = u01_open(w[0], w[1]);
    double u2 = u01_open(w[2], w[3]);
    double r = sqrt(-2.0 * log(u1));
    double t = TWO_PI * u2;
    *z0 = r * cos(t);
    *z1 = r * sin(t);
}

/* The index of a block is 32 bits: 2^33 normals per (stream, a, b),
 * far beyond any row of a weight matrix. */
void dnc_normal_fill_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, size_t offset,
                        double *out, size_t n)
{
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    size_t i = 0;
    while (i < n) {
        size_t e = offset + i;
        philox4x32_ctr_t ctr = {{(uint32_t)(e >> 1), a, b, stream}};
        philox4x32_ctr_t r = philox4x32(ctr, key);
        double z[2];
        normal_pair(r.v, &z[0], &z[1]);
        if ((e & 1) == 0 && i + 1 < n) {
            out[i] = z[0];
            out[i + 1] = z[1];
            i += 2;
        } else {
            out[i] = z[e & 1];
            i += 1;
        }
    }
}

void dnc_normal_fill(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, double *out,
                     size_t n)
{
    dnc_normal_fill_at(seed, stream, a, b, 0, out, n);
}

void dnc_uniform_fill(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, double *out,
                      size_t n)
{
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    for (size_t i = 0; i < n; i += 2) {
        philox4x32_ctr_t ctr = {{(uint32_t)(i >> 1), a, b, stream}};
        philox4x32_ctr_t r = philox4x32(ctr, key);
        out[i] = u01_open(r.v[0], r.v[1]);
        if (i + 1 < n)
            out[i + 1] = u01_open(r.v[2], r.v[3]);
    }
}

/* Single draws fold bits 32..47 of the 64-bit index into the upper half
 * of the stream word (streams are < 2^16), so simulators can address
 * 2^48 draws per (stream, a, b). */
double dnc_uniform_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, uint64_t index)
{
    uint32_t w[4];
    dnc_philox(seed, stream ^ (uint32_t)((index >> 32) << 16), a, b, (uint32_t)index, w);
    return u01_open(w[0], w[1]);
}

double dnc_normal_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, uint64_t index)
{
    uint32_t w[4];
    dnc_philox(seed, stream ^ (uint32_t)((index >> 32) << 16), a, b, (uint32_t)index, w);
    double z0, z1;
    normal_pair(w, &z0, &z1);
    return z0;
}
