/* cuBLAS works on column-major matrices; dnncrit stores row-major ones. A
 * row-major matrix with leading dimension ld is, in the same memory, the
 * column-major transpose with the same ld, so the row-major product
 *   C (M x N) = alpha op(A) op(B) + beta C
 * is the column-major product C^T = alpha op(B)^T op(A)^T + beta C^T: the
 * operands swap, each keeps its own transposition flag, and the sizes
 * become (m, n, k) = (N, M, K). Plain C so that the tests check the
 * mapping against a naive product without a GPU; used by src/cuda/. */
#ifndef DNNCRIT_GEMM_COLMAJOR_H
#define DNNCRIT_GEMM_COLMAJOR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    bool first_trans, second_trans; /* flags of the first (B) and second (A) operand */
    size_t m, n, k;
} dnc_colmajor_call;

/* The column-major call for row-major C = op(A) op(B); pass B (ldb) as its
 * first operand and A (lda) as its second, C with ldc. */
static inline dnc_colmajor_call dnc_rowmajor_gemm_as_colmajor(bool ta, bool tb, size_t M,
                                                              size_t N, size_t K)
{
    dnc_colmajor_call c;
    c.first_trans = tb;
    c.second_trans = ta;
    c.m = N;
    c.n = M;
    c.k = K;
    return c;
}

#endif
