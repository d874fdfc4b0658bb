/* Reproducible matrix product C = A W^T (row-major), the workhorse of the
 * propagation engine.
 *
 * Every element is computed with the same arithmetic, whatever the shape
 * of the call, the position of the element in it, the thread that runs it
 * or the instruction set:
 *     c = 0;  for k = 0 .. K-1:  c = c + A[b][k] * W[i][k]
 * in this order, with a separate multiply and add (no fused multiply-add;
 * ISO C mode keeps the compiler from contracting), so SSE2, AVX2 and
 * AVX-512 builds agree bit for bit, and so does the naive double loop.
 * Hence C[b][i] depends only on row b of A and row i of W: propagating
 * inputs together or separately gives identical results on any CPU. BLAS
 * GEMM kernels promise neither: OpenBLAS 0.3.21's bits depend on the kernel
 * the CPU selects, and its kernels treat odd row counts differently; the
 * propagation engine's default OpenBLAS backend pads to even rows, which
 * restores batch-split invariance on the Haswell-family kernels only (see
 * propagate.h). Speed comes from register tiles of
 * A rows x 12 W rows, vectorised across W rows (outer-product form), with
 * W packed into k-major panels first. */
#ifndef DNNCRIT_DETGEMM_H
#define DNNCRIT_DETGEMM_H

#include <stddef.h>

/* Workspace (doubles) dnc_gemm_nt_ws needs for R rows of W of length K. */
size_t dnc_gemm_nt_workspace(size_t R, size_t K);

/* C[b * ldc + i] = sum_k A[b * lda + k] W[i * ldw + k], b < M, i < R,
 * summed in increasing k. Single-threaded; callers split R (or M) across
 * threads. work: dnc_gemm_nt_workspace(R, K) doubles. */
void dnc_gemm_nt_ws(size_t M, size_t R, size_t K, const double *A, size_t lda, const double *W,
                    size_t ldw, double *C, size_t ldc, double *work);
/* Same, allocating the workspace (returns -1 when that fails, else 0). */
int dnc_gemm_nt(size_t M, size_t R, size_t K, const double *A, size_t lda, const double *W,
                size_t ldw, double *C, size_t ldc);

/* The code paths dnc_gemm_nt_ws picks from by the CPU it runs on. */
typedef enum {
    DNC_GEMM_PATH_GENERIC = 0, /* baseline x86-64 (SSE2) */
    DNC_GEMM_PATH_AVX2 = 1,
    DNC_GEMM_PATH_AVX512 = 2,
} dnc_gemm_path;
/* dnc_gemm_nt on a chosen path, so that one machine can check that all
 * paths agree (tests). Returns -1 without computing when this CPU lacks
 * the path's instructions (or memory runs out), else 0. */
int dnc_gemm_nt_path(dnc_gemm_path path, size_t M, size_t R, size_t K, const double *A,
                     size_t lda, const double *W, size_t ldw, double *C, size_t ldc);

#endif
