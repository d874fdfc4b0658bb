/* Philox4x32-10 (Random123) and the normal / uniform transforms.
 *
 * Speed: filling N^2 normals per layer dominates small-batch propagation,
 * so the bulk path computes LANES Philox blocks side by side in a loop
 * the compiler vectorises (AVX2 / AVX-512 clones). The arithmetic lives in
 * rng_core.h, shared with the CUDA backend: every element goes through the
 * same inline function whether it is computed in the vector loop, alone or
 * on a GPU, so element i is the same bits wherever a fill starts and
 * whichever clone runs. */
#include "dnncrit/rng.h"

#include <math.h>
#include <string.h>

#include <Random123/philox.h>
#include <omp.h>

#include "core/rng_core.h"

enum { LANES = 16 };

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

/* Pairs of blocks [block0, block0 + LANES) into out[0 .. 2 LANES). */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void
normal_lanes(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b, uint32_t block0,
             size_t nvec, double *out)
{
    for (size_t v = 0; v < nvec; v++) {
        double z0[LANES], z1[LANES];
        uint32_t base = block0 + (uint32_t)(v * LANES);
#pragma omp simd
        for (int j = 0; j < LANES; j++)
            block_pair(k0, k1, stream, a, b, base + (uint32_t)j, &z0[j], &z1[j]);
        double *o = out + v * 2 * LANES;
        for (int j = 0; j < LANES; j++) {
            o[2 * j] = z0[j];
            o[2 * j + 1] = z1[j];
        }
    }
}

/* Elements [e, e + n) with e even and n a multiple of 2 LANES. */
static void normal_bulk(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, size_t e,
                        double *out, size_t n)
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    size_t nvec = n / (2 * LANES);
    /* Big fills are split over threads; every element is a pure function
     * of its index, so the split cannot change the numbers. */
    enum { CHUNK = 1 << 12 }; /* vectors per thread task: 2^17 numbers */
    if (nvec >= 2 * CHUNK && !omp_in_parallel()) {
        long nchunks = (long)((nvec + CHUNK - 1) / CHUNK);
#pragma omp parallel for schedule(static)
        for (long c = 0; c < nchunks; c++) {
            size_t v0 = (size_t)c * CHUNK, nv = nvec - v0 < CHUNK ? nvec - v0 : CHUNK;
            normal_lanes(k0, k1, stream, a, b, (uint32_t)(e / 2 + v0 * LANES), nv,
                         out + v0 * 2 * LANES);
        }
        return;
    }
    normal_lanes(k0, k1, stream, a, b, (uint32_t)(e / 2), nvec, out);
}

/* The index of a block is 32 bits: 2^33 normals per (stream, a, b),
 * far beyond any row of a weight matrix. */
void dnc_normal_fill_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, size_t offset,
                        double *out, size_t n)
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    size_t i = 0;
    double z[2];
    if (n > 0 && (offset & 1)) { /* odd start: second half of a block */
        block_pair(k0, k1, stream, a, b, (uint32_t)(offset >> 1), &z[0], &z[1]);
        out[i++] = z[1];
    }
    size_t bulk = (n - i) - (n - i) % (2 * LANES);
    if (bulk) {
        normal_bulk(seed, stream, a, b, offset + i, out + i, bulk);
        i += bulk;
    }
    for (; i < n; i += 2) {
        size_t e = offset + i;
        block_pair(k0, k1, stream, a, b, (uint32_t)(e >> 1), &z[0], &z[1]);
        out[i] = z[0];
        if (i + 1 < n)
            out[i + 1] = z[1];
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
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (size_t i = 0; i < n; i += 2) {
        uint32_t x[4] = {(uint32_t)(i >> 1), a, b, stream};
        philox10(k0, k1, x);
        out[i] = u01_open(x[0], x[1]);
        if (i + 1 < n)
            out[i + 1] = u01_open(x[2], x[3]);
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
