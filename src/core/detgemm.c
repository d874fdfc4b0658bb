#include "core/detgemm.h"

#include "core/cpu_features.h"

#include <stdlib.h>
#include <string.h>

/* Four doubles; GCC lowers it to two SSE2 or one AVX register. Only lane-
 * wise multiply and add are used, and ISO C mode (-std=c17) keeps GCC from
 * contracting them into FMAs, so every clone computes the same bits. */
typedef double v4d __attribute__((vector_size(32)));

/* The helpers below are static and always inlined: the psABI note about
 * passing 32-byte vectors without AVX does not apply to them. */
#pragma GCC diagnostic ignored "-Wpsabi"

enum { NV = 3, NR = 4 * NV }; /* a panel holds NR = 12 rows of W */
enum { AVX512 = DNC_CPU_AVX512F | DNC_CPU_AVX512VL }; /* what panels_avx512 needs */

__attribute__((always_inline)) static inline v4d load4(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

size_t dnc_gemm_nt_workspace(size_t R, size_t K)
{
    return ((R + NR - 1) / NR) * NR * K;
}

/* Panel p holds W rows [p NR, p NR + NR) k-major: P[k NR + j] = W[p NR + j][k],
 * rows beyond R zero. */
static void pack_panels(size_t R, size_t K, const double *W, size_t ldw, double *P)
{
    size_t npanels = (R + NR - 1) / NR;
    for (size_t p = 0; p < npanels; p++) {
        double *dst = P + p * NR * K;
        for (size_t j = 0; j < NR; j++) {
            size_t i = p * NR + j;
            if (i < R) {
                const double *src = W + i * ldw;
                for (size_t k = 0; k < K; k++)
                    dst[k * NR + j] = src[k];
            } else {
                for (size_t k = 0; k < K; k++)
                    dst[k * NR + j] = 0.0;
            }
        }
    }
}

/* MR rows of A times one panel: acc[r][v] lanes are C[b + r][i0 + 4 v + lane],
 * each accumulated in increasing k. Stores the first `ncols` columns. */
__attribute__((always_inline)) static inline void tile(int MR, size_t K, const double *A,
                                                       size_t lda, const double *P, double *C,
                                                       size_t ldc, size_t ncols)
{
    v4d acc[8][NV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++)
            acc[r][v] = (v4d){0, 0, 0, 0};
    for (size_t k = 0; k < K; k++) {
        v4d w[NV];
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++)
            w[v] = load4(P + k * NR + 4 * v);
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            double a = A[r * lda + k];
            v4d av = {a, a, a, a};
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = acc[r][v] + av * w[v];
        }
    }
    for (int r = 0; r < MR; r++) {
        double out[NR];
        memcpy(out, acc[r], sizeof out);
        memcpy(C + r * ldc, out, ncols * sizeof *out);
    }
}

/* Row tiles of 4 (AVX2, 16 registers) or 8 (AVX-512, 32 registers);
 * leftover rows one at a time. The tile height never changes a result. */
#define PANEL_LOOP(BIG)                                                                       \
    for (size_t p = 0; p * NR < R; p++) {                                                    \
        const double *panel = P + p * NR * K;                                                \
        size_t i0 = p * NR, ncols = R - i0 < NR ? R - i0 : NR;                               \
        size_t b = 0;                                                                        \
        for (; b + BIG <= M; b += BIG)                                                       \
            tile(BIG, K, A + b * lda, lda, panel, C + b * ldc + i0, ldc, ncols);             \
        for (; b + 2 <= M; b += 2)                                                           \
            tile(2, K, A + b * lda, lda, panel, C + b * ldc + i0, ldc, ncols);               \
        for (; b < M; b++)                                                                   \
            tile(1, K, A + b * lda, lda, panel, C + b * ldc + i0, ldc, ncols);               \
    }

__attribute__((target("avx512f,avx512vl"))) static void panels_avx512(size_t M, size_t R, size_t K,
                                                              const double *A, size_t lda,
                                                              const double *P, double *C,
                                                              size_t ldc)
{
    PANEL_LOOP(8)
}

__attribute__((target("avx2"))) static void panels_avx2(size_t M, size_t R, size_t K,
                                                         const double *A, size_t lda,
                                                         const double *P, double *C, size_t ldc)
{
    PANEL_LOOP(4)
}

static void panels_generic(size_t M, size_t R, size_t K, const double *A, size_t lda,
                           const double *P, double *C, size_t ldc)
{
    PANEL_LOOP(3)
}

void dnc_gemm_nt_ws(size_t M, size_t R, size_t K, const double *A, size_t lda, const double *W,
                    size_t ldw, double *C, size_t ldc, double *work)
{
    if (M == 0 || R == 0)
        return;
    pack_panels(R, K, W, ldw, work);
    unsigned cpu = dnc_cpu_features();
    if ((cpu & AVX512) == AVX512)
        panels_avx512(M, R, K, A, lda, work, C, ldc);
    else if (cpu & DNC_CPU_AVX2)
        panels_avx2(M, R, K, A, lda, work, C, ldc);
    else
        panels_generic(M, R, K, A, lda, work, C, ldc);
}

int dnc_gemm_nt(size_t M, size_t R, size_t K, const double *A, size_t lda, const double *W,
                size_t ldw, double *C, size_t ldc)
{
    double *work = malloc((dnc_gemm_nt_workspace(R, K) + 1) * sizeof *work);
    if (!work)
        return -1;
    dnc_gemm_nt_ws(M, R, K, A, lda, W, ldw, C, ldc, work);
    free(work);
    return 0;
}

int dnc_gemm_nt_path(dnc_gemm_path path, size_t M, size_t R, size_t K, const double *A,
                     size_t lda, const double *W, size_t ldw, double *C, size_t ldc)
{
    unsigned cpu = dnc_cpu_features();
    if ((path == DNC_GEMM_PATH_AVX512 && (cpu & AVX512) != AVX512) ||
        (path == DNC_GEMM_PATH_AVX2 && !(cpu & DNC_CPU_AVX2)))
        return -1;
    if (M == 0 || R == 0)
        return 0;
    double *work = malloc((dnc_gemm_nt_workspace(R, K) + 1) * sizeof *work);
    if (!work)
        return -1;
    pack_panels(R, K, W, ldw, work);
    if (path == DNC_GEMM_PATH_AVX512)
        panels_avx512(M, R, K, A, lda, work, C, ldc);
    else if (path == DNC_GEMM_PATH_AVX2)
        panels_avx2(M, R, K, A, lda, work, C, ldc);
    else
        panels_generic(M, R, K, A, lda, work, C, ldc);
    free(work);
    return 0;
}
