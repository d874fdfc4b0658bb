#include "dnncrit/detgemm.h"

#include <string.h>

/* Four doubles; GCC lowers it to two SSE2 or one AVX register. Only lane-
 * wise multiply and add are used, and ISO C mode (-std=c17) keeps GCC from
 * contracting them into FMAs, so every clone computes the same bits. */
typedef double v4d __attribute__((vector_size(32)));

/* The helpers below are static and always inlined: the psABI note about
 * passing 32-byte vectors without AVX does not apply to them. */
#pragma GCC diagnostic ignored "-Wpsabi"

__attribute__((always_inline)) static inline v4d load4(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

__attribute__((always_inline)) static inline double finish(v4d s, const double *a, const double *w, size_t k, size_t K)
{
    double r = (s[0] + s[1]) + (s[2] + s[3]);
    for (; k < K; k++)
        r += a[k] * w[k];
    return r;
}

double dnc_dot_nt(const double *a, const double *w, size_t K)
{
    v4d s = {0, 0, 0, 0};
    size_t k = 0;
    for (; k + 4 <= K; k += 4)
        s += load4(a + k) * load4(w + k);
    return finish(s, a, w, k, K);
}

/* 2 rows of A x 4 rows of W: 8 accumulators, 6 loads per 4 k. */
__attribute__((always_inline)) static inline void tile_2x4(size_t K, const double *a0, const double *a1, const double *w0,
                            size_t ldw, double *c0, double *c1)
{
    const double *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
    v4d s00 = {0, 0, 0, 0}, s01 = s00, s02 = s00, s03 = s00;
    v4d s10 = s00, s11 = s00, s12 = s00, s13 = s00;
    size_t k = 0;
    for (; k + 4 <= K; k += 4) {
        v4d x0 = load4(a0 + k), x1 = load4(a1 + k);
        v4d y = load4(w0 + k);
        s00 += x0 * y;
        s10 += x1 * y;
        y = load4(w1 + k);
        s01 += x0 * y;
        s11 += x1 * y;
        y = load4(w2 + k);
        s02 += x0 * y;
        s12 += x1 * y;
        y = load4(w3 + k);
        s03 += x0 * y;
        s13 += x1 * y;
    }
    c0[0] = finish(s00, a0, w0, k, K);
    c0[1] = finish(s01, a0, w1, k, K);
    c0[2] = finish(s02, a0, w2, k, K);
    c0[3] = finish(s03, a0, w3, k, K);
    c1[0] = finish(s10, a1, w0, k, K);
    c1[1] = finish(s11, a1, w1, k, K);
    c1[2] = finish(s12, a1, w2, k, K);
    c1[3] = finish(s13, a1, w3, k, K);
}

/* 1 row of A x 4 rows of W. */
__attribute__((always_inline)) static inline void tile_1x4(size_t K, const double *a0, const double *w0, size_t ldw, double *c0)
{
    const double *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
    v4d s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
    size_t k = 0;
    for (; k + 4 <= K; k += 4) {
        v4d x0 = load4(a0 + k);
        s0 += x0 * load4(w0 + k);
        s1 += x0 * load4(w1 + k);
        s2 += x0 * load4(w2 + k);
        s3 += x0 * load4(w3 + k);
    }
    c0[0] = finish(s0, a0, w0, k, K);
    c0[1] = finish(s1, a0, w1, k, K);
    c0[2] = finish(s2, a0, w2, k, K);
    c0[3] = finish(s3, a0, w3, k, K);
}

__attribute__((target_clones("avx2", "default")))
void dnc_gemm_nt(size_t M, size_t R, size_t K, const double *A, size_t lda, const double *W,
                 size_t ldw, double *C, size_t ldc)
{
    size_t i = 0;
    for (; i + 4 <= R; i += 4) {
        const double *w = W + i * ldw;
        size_t b = 0;
        for (; b + 2 <= M; b += 2)
            tile_2x4(K, A + b * lda, A + (b + 1) * lda, w, ldw, C + b * ldc + i,
                     C + (b + 1) * ldc + i);
        if (b < M)
            tile_1x4(K, A + b * lda, w, ldw, C + b * ldc + i);
    }
    for (; i < R; i++)
        for (size_t b = 0; b < M; b++)
            C[b * ldc + i] = dnc_dot_nt(A + b * lda, W + i * ldw, K);
}
