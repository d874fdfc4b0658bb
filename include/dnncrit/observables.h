/* Per-layer statistics of a batch of activity vectors (B rows of N,
 * row-major), used by the propagation engine. All reductions run in a
 * fixed order, so results do not depend on the thread count. */
#ifndef DNNCRIT_OBSERVABLES_H
#define DNNCRIT_OBSERVABLES_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stddef.h>

/* Dot product of two n-vectors, fixed summation order (4 interleaved
 * partial sums, combined pairwise). */
double dnc_dot(const double *x, const double *y, size_t n);

/* q = (1/B) sum_b (1/N) sum_i H[b][i]^2. */
double dnc_obs_mean_square(const double *H, size_t B, size_t N);

/* Mean over the B(B-1)/2 pairs b < b' of the cosine similarity
 * <Y_b, Y_b'> / (|Y_b| |Y_b'|). NAN when B < 2 or a row is zero.
 * The Gram matrix comes from dnc_gemm_nt (threaded over column blocks).
 * work: dnc_obs_cosine_workspace(B) doubles. Returns NAN also when an
 * internal allocation fails. */
size_t dnc_obs_cosine_workspace(size_t B);
double dnc_obs_mean_cosine(const double *Y, size_t B, size_t N, double *work);

/* The same statistics from the Gram matrix G = Y Y^T (B x B, row-major; the
 * cosine reads the upper triangle and the diagonal only), e.g. one computed
 * on a GPU. */
double dnc_obs_mean_cosine_gram(const double *G, size_t B);
double dnc_obs_mean_square_gram(const double *G, size_t B, size_t N);

DNC_END_DECLS
#endif
