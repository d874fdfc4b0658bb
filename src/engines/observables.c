#include "dnncrit/observables.h"

#include <math.h>

#include "core/detgemm.h"

double dnc_dot(const double *x, const double *y, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * y[i];
        s1 += x[i + 1] * y[i + 1];
        s2 += x[i + 2] * y[i + 2];
        s3 += x[i + 3] * y[i + 3];
    }
    for (; i < n; i++)
        s0 += x[i] * y[i];
    return (s0 + s1) + (s2 + s3);
}

double dnc_obs_mean_square(const double *H, size_t B, size_t N)
{
    double total = 0;
    for (size_t b = 0; b < B; b++)
        total += dnc_dot(H + b * N, H + b * N, N) / (double)N;
    return total / (double)B;
}

size_t dnc_obs_cosine_workspace(size_t B)
{
    return B * B;
}

/* The upper triangle (and diagonal) of G = Y Y^T, by column blocks of 24:
 * block [r0, r0 + nr) needs rows b < r0 + nr only. Every entry is one
 * dnc_gemm_nt element (sequential sum), so the thread count cannot change it. */
static int gram(const double *Y, size_t B, size_t N, double *G)
{
    enum { COLS = 24 };
    long nblocks = (long)((B + COLS - 1) / COLS);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) if (B * B * N > 1000000) reduction(| : failed)
    for (long k = 0; k < nblocks; k++) {
        size_t r0 = (size_t)k * COLS, nr = B - r0 < COLS ? B - r0 : COLS;
        failed |= dnc_gemm_nt(r0 + nr, nr, N, Y, N, Y + r0 * N, N, G + r0, B) != 0;
    }
    return failed;
}

double dnc_obs_mean_cosine_gram(const double *G, size_t B)
{
    if (B < 2)
        return NAN;
    double sum = 0;
    for (size_t a = 0; a < B; a++)
        for (size_t b = a + 1; b < B; b++)
            sum += G[a * B + b] / (sqrt(G[a * B + a]) * sqrt(G[b * B + b]));
    return sum / ((double)B * (double)(B - 1) / 2);
}

double dnc_obs_mean_square_gram(const double *G, size_t B, size_t N)
{
    double total = 0;
    for (size_t b = 0; b < B; b++)
        total += G[b * B + b] / (double)N;
    return total / (double)B;
}

double dnc_obs_mean_cosine(const double *Y, size_t B, size_t N, double *work)
{
    if (B < 2)
        return NAN;
    if (gram(Y, B, N, work))
        return NAN;
    return dnc_obs_mean_cosine_gram(work, B);
}
