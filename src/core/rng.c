/* Philox4x32-10 (Random123) and the normal / uniform transforms.
 *
 * Speed: filling N^2 normals per layer dominates small-batch propagation,
 * so the bulk path computes 16 Philox blocks side by side, in the AVX-512
 * or AVX2 kernel of rng_simd.c or the compiler's loop. The arithmetic is
 * defined by rng_core.h, shared with the CUDA backend: every element is the
 * same bits whether it is computed in a vector kernel, alone or on a GPU,
 * wherever a fill starts. */
#include "dnncrit/rng.h"

#include <math.h>
#include <string.h>

#include <Random123/philox.h>
#include <omp.h>

#include "core/rng_core.h"
#include "core/rng_simd.h"
#include "core/rng_ziggurat.h"

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

/* A normal stream: its vector kernels and its one-block function. */
typedef struct {
    dnc_normal_lanes_fn lanes[4]; /* by dnc_rng_isa */
    void (*pair)(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                 uint32_t block, double *z0, double *z1);
} normal_stream;

static void box_muller_pair(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                            uint32_t block, double *z0, double *z1)
{
    block_pair(k0, k1, stream, a, b, block, z0, z1);
}

static void ziggurat_pair(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                          uint32_t block, double *z0, double *z1)
{
    zig_block_pair(k0, k1, stream, a, b, block, z0, z1);
}

static const normal_stream box_muller = {
    {dnc_normal_lanes_portable, dnc_normal_lanes_portable, dnc_normal_lanes_avx2,
     dnc_normal_lanes_avx512},
    box_muller_pair};
static const normal_stream ziggurat = {
    {dnc_ziggurat_lanes_portable, dnc_ziggurat_lanes_portable, dnc_ziggurat_lanes_avx2,
     dnc_ziggurat_lanes_avx512},
    ziggurat_pair};

/* Elements [e, e + n) with e even and n a multiple of 2 DNC_RNG_LANES. */
static void fill_bulk(const normal_stream *ns, uint64_t seed, uint32_t stream, uint32_t a,
                      uint32_t b, size_t e, double *out, size_t n)
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    size_t nvec = n / (2 * DNC_RNG_LANES);
    dnc_normal_lanes_fn lanes = ns->lanes[dnc_rng_isa_current()];
    /* Big fills are split over threads; every element is a pure function
     * of its index, so the split cannot change the numbers. */
    enum { CHUNK = 1 << 12 }; /* vectors per thread task: 2^17 numbers */
    if (nvec >= 2 * CHUNK && !omp_in_parallel()) {
        long nchunks = (long)((nvec + CHUNK - 1) / CHUNK);
#pragma omp parallel for schedule(static)
        for (long c = 0; c < nchunks; c++) {
            size_t v0 = (size_t)c * CHUNK, nv = nvec - v0 < CHUNK ? nvec - v0 : CHUNK;
            lanes(k0, k1, stream, a, b, (uint32_t)(e / 2 + v0 * DNC_RNG_LANES), nv,
                  out + v0 * 2 * DNC_RNG_LANES);
        }
        return;
    }
    lanes(k0, k1, stream, a, b, (uint32_t)(e / 2), nvec, out);
}

/* Element i of the fill is element offset + i of the stream, from block
 * (offset + i) / 2: a scalar head and tail around the vector bulk. */
static void fill_at(const normal_stream *ns, uint64_t seed, uint32_t stream, uint32_t a,
                    uint32_t b, size_t offset, double *out, size_t n)
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    size_t i = 0;
    double z[2];
    if (n > 0 && (offset & 1)) { /* odd start: second half of a block */
        ns->pair(k0, k1, stream, a, b, (uint32_t)(offset >> 1), &z[0], &z[1]);
        out[i++] = z[1];
    }
    size_t bulk = (n - i) - (n - i) % (2 * DNC_RNG_LANES);
    if (bulk) {
        fill_bulk(ns, seed, stream, a, b, offset + i, out + i, bulk);
        i += bulk;
    }
    for (; i < n; i += 2) {
        size_t e = offset + i;
        ns->pair(k0, k1, stream, a, b, (uint32_t)(e >> 1), &z[0], &z[1]);
        out[i] = z[0];
        if (i + 1 < n)
            out[i + 1] = z[1];
    }
}

/* The index of a block is 32 bits: 2^33 normals per (stream, a, b),
 * far beyond any row of a weight matrix. */
void dnc_normal_fill_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, size_t offset,
                        double *out, size_t n)
{
    fill_at(&box_muller, seed, stream, a, b, offset, out, n);
}

void dnc_ziggurat_fill_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, size_t offset,
                          double *out, size_t n)
{
    fill_at(&ziggurat, seed, stream, a, b, offset, out, n);
}

void dnc_normals_fill_at(dnc_normals method, uint64_t seed, uint32_t stream, uint32_t a,
                         uint32_t b, size_t offset, double *out, size_t n)
{
    fill_at(method == DNC_NORMALS_ZIGGURAT ? &ziggurat : &box_muller, seed, stream, a, b, offset,
            out, n);
}

const char *dnc_normals_name(dnc_normals method)
{
    return method == DNC_NORMALS_ZIGGURAT ? "ziggurat" : "box-muller";
}

int dnc_normals_parse(const char *name, dnc_normals *method)
{
    if (!strcmp(name, "box-muller"))
        *method = DNC_NORMALS_BOX_MULLER;
    else if (!strcmp(name, "ziggurat"))
        *method = DNC_NORMALS_ZIGGURAT;
    else
        return -1;
    return 0;
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
