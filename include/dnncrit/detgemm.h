/* Reproducible matrix product C = A W^T (row-major), the workhorse of the
 * propagation engine.
 *
 * Every element C[b][i] is computed by the same arithmetic, whatever the
 * shape of the call, the position of the element in it, the thread that
 * runs it or the instruction set: four interleaved partial sums over
 * k = 0, 1, 2, 3 (mod 4), combined as (s0 + s1) + (s2 + s3), then the
 * K mod 4 remaining terms added in order; separate multiply and add (no
 * fused multiply-add), so SSE2, AVX2 and AVX-512 builds agree bit for bit.
 * Hence C[b][i] depends only on row b of A and row i of W: propagating
 * inputs together or separately gives identical results, which BLAS GEMM
 * kernels do not promise (OpenBLAS treats odd batch sizes differently). */
#ifndef DNNCRIT_DETGEMM_H
#define DNNCRIT_DETGEMM_H

#include <stddef.h>

/* C[b * ldc + i] = sum_k A[b * lda + k] W[i * ldw + k], b < M, i < R.
 * Single-threaded; callers split R (or M) across threads. */
void dnc_gemm_nt(size_t M, size_t R, size_t K, const double *A, size_t lda, const double *W,
                 size_t ldw, double *C, size_t ldc);

/* Same as dnc_gemm_nt for one element (the reference arithmetic). */
double dnc_dot_nt(const double *a, const double *w, size_t K);

#endif
