/* Counter-based random numbers (Random123 Philox4x32-10).
 *
 * Every random number in dnncrit is a pure function of
 * (seed, stream, a, b, index): there is no generator state. A layer's
 * weights are therefore the same whatever the thread count, batch split,
 * MPI decomposition or device that asks for them. By convention
 * a = layer (or sample / network index) and b = row (or unit). */
#ifndef DNNCRIT_RNG_H
#define DNNCRIT_RNG_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stddef.h>
#include <stdint.h>

/* Streams keep different uses of the same seed independent. */
enum {
    DNC_STREAM_WEIGHT = 1,
    DNC_STREAM_BIAS = 2,
    DNC_STREAM_INPUT = 3,
    DNC_STREAM_TANGENT = 4,
    DNC_STREAM_TRAIN = 5,    /* minibatch order, dropout, ... */
    DNC_STREAM_SIM = 6,      /* reference simulators (DP, branching) */
    DNC_STREAM_BOOTSTRAP = 7,
    DNC_STREAM_PERTURB = 8,
    DNC_STREAM_ENSEMBLE = 9, /* the ensemble engine's unit noise: a = layer, b = factor column */
    DNC_STREAM_USER = 100    /* first stream free for callers */
};

/* One Philox4x32-10 block: four 32-bit words for counter
 * (index, a, b, stream) under key (seed). */
void dnc_philox(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, uint32_t index,
                uint32_t out[4]);

/* out[i], i < n: standard normal N(0,1) numbers, element i taken from
 * block i/2 of the counter sequence (Box-Muller on two 53-bit uniforms).
 * Filling [0, n) in one call or in pieces gives the same numbers, as long
 * as pieces start at even offsets: use dnc_normal_fill_at for that. */
void dnc_normal_fill(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, double *out,
                     size_t n);
/* Same sequence, starting at element `offset` (any offset). */
void dnc_normal_fill_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, size_t offset,
                        double *out, size_t n);
/* A second normal stream, by the ziggurat (Marsaglia & Tsang 2000, 1024
 * layers, Doornik's layout; docs/propagation.md, "Gaussian generation"):
 * element e takes 64 bits of Philox block e/2 of its own counter domain, and
 * the 0.43 % of elements outside the ziggurat's rectangles take further
 * blocks addressed by e. 1.6 times the Box-Muller rate (AVX-512); other
 * numbers, the same on every CPU. `stream` must be below 2^16 (its upper
 * bits name the counter domains); at most 2^32 elements per (stream, a, b). */
void dnc_ziggurat_fill_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, size_t offset,
                          double *out, size_t n);

/* Which transform turns Philox bits into normals. Box-Muller (0) is the
 * default everywhere; the ziggurat is opt-in, and changes every number. */
typedef enum { DNC_NORMALS_BOX_MULLER = 0, DNC_NORMALS_ZIGGURAT = 1 } dnc_normals;
void dnc_normals_fill_at(dnc_normals method, uint64_t seed, uint32_t stream, uint32_t a,
                         uint32_t b, size_t offset, double *out, size_t n);
const char *dnc_normals_name(dnc_normals method); /* "box-muller", "ziggurat" */
/* 0, or -1 for a name that is neither */
int dnc_normals_parse(const char *name, dnc_normals *method);

/* Uniform numbers in the open interval (0, 1), 53-bit resolution,
 * element i taken from block i/2. */
void dnc_uniform_fill(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, double *out,
                      size_t n);
/* Single draws for simulators addressing their own counters. */
double dnc_uniform_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, uint64_t index);
double dnc_normal_at(uint64_t seed, uint32_t stream, uint32_t a, uint32_t b, uint64_t index);

DNC_END_DECLS
#endif
