#include "dnncrit/observables.h"

#include <math.h>

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

/* Rows are spread over threads, but every dot product, every row's sum
 * and the final sum over rows run in a fixed order. */
double dnc_obs_mean_cosine(const double *Y, size_t B, size_t N, double *work)
{
    if (B < 2)
        return NAN;
    double *norm = work, *rowsum = work + B;
    for (size_t b = 0; b < B; b++)
        norm[b] = sqrt(dnc_dot(Y + b * N, Y + b * N, N));
    long nb = (long)B;
#pragma omp parallel for schedule(dynamic, 1) if (B * B * N > 1000000)
    for (long a = 0; a < nb; a++) {
        double s = 0;
        for (size_t b = (size_t)a + 1; b < B; b++)
            s += dnc_dot(Y + (size_t)a * N, Y + b * N, N) / (norm[a] * norm[b]);
        rowsum[a] = s;
    }
    double sum = 0;
    for (size_t a = 0; a < B; a++)
        sum += rowsum[a];
    return sum / ((double)B * (double)(B - 1) / 2);
}
