/* The machine's own yardsticks, measured in the same run as a benchmark:
 * the best time of a call, STREAM-like triad bandwidth and the Philox
 * Gaussian generation rates (dnc_normals_fill_at). Shared by bench/bench_*.c. */
#ifndef DNNCRIT_BENCH_YARDSTICKS_H
#define DNNCRIT_BENCH_YARDSTICKS_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "dnncrit/io.h"
#include "dnncrit/rng.h"

/* Runs f until `budget` seconds have passed (at least twice), returns the
 * best time of one call. */
static inline double yard_best_time(void (*f)(void *), void *ctx, double budget)
{
    double best = INFINITY, start = dnc_wall_time();
    int reps = 0;
    while (reps < 2 || dnc_wall_time() - start < budget) {
        double t0 = dnc_wall_time();
        f(ctx);
        double t = dnc_wall_time() - t0;
        best = t < best ? t : best;
        reps++;
    }
    return best;
}

typedef struct {
    size_t n;
    double *a, *b, *c;
} yard_triad_ctx;

static inline void yard_run_triad(void *p)
{
    yard_triad_ctx *t = p;
    long n = (long)t->n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
        t->a[i] = t->b[i] + 3.0 * t->c[i];
}

/* Triad a = b + 3 c over 3 x 128 MiB on all threads, in GB/s (STREAM
 * counting: 24 bytes per element). */
static inline double yard_triad_bandwidth(double budget)
{
    yard_triad_ctx t = {(size_t)1 << 24, NULL, NULL, NULL};
    t.a = malloc(t.n * sizeof(double));
    t.b = malloc(t.n * sizeof(double));
    t.c = malloc(t.n * sizeof(double));
    long n = (long)t.n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
        t.a[i] = 0, t.b[i] = 1, t.c[i] = 2;
    double s = yard_best_time(yard_run_triad, &t, budget);
    free(t.a), free(t.b), free(t.c);
    return 3.0 * 8.0 * (double)t.n / s * 1e-9;
}

typedef struct {
    size_t n;
    double *x;
    uint32_t layer;
    dnc_normals method;
} yard_fill_ctx;

static inline void yard_run_fill(void *p)
{
    yard_fill_ctx *f = p;
    dnc_normals_fill_at(f->method, 7, DNC_STREAM_WEIGHT, f->layer++, 0, 0, f->x, f->n);
}

/* The rate of normal stream `method` on `threads` threads (0: all),
 * samples/s, filling 2^24 at a time. */
static inline double yard_normal_rate_of(dnc_normals method, double budget, int threads)
{
    yard_fill_ctx f = {(size_t)1 << 24, NULL, 0, method};
    f.x = malloc(f.n * sizeof(double));
    memset(f.x, 0, f.n * sizeof(double));
    int saved = omp_get_max_threads();
    if (threads > 0)
        omp_set_num_threads(threads);
    double t = yard_best_time(yard_run_fill, &f, budget);
    omp_set_num_threads(saved);
    free(f.x);
    return (double)f.n / t;
}

/* dnc_normal_fill's (Box-Muller's) rate on `threads` threads (0: all). */
static inline double yard_normal_rate(double budget, int threads)
{
    return yard_normal_rate_of(DNC_NORMALS_BOX_MULLER, budget, threads);
}

#endif
