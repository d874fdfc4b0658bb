/* The ensemble engine against the explicit engine (issue 13): the same
 * propagation (tanh, sigma_w 1.2, sigma_b 0.1, B inputs, pre-activation
 * rho) timed with --engine explicit (every weight drawn: O(N^2) per layer)
 * and --engine ensemble (O(N B^2) per layer), paired and interleaved
 * (explicit, ensemble, explicit, ensemble, ...), as per-layer times: each
 * engine runs a depth that takes a measurable but short time (the explicit
 * one 1 layer from N = 8192 on). Reported per (N, B): the median per-layer
 * time of each, the median of the paired ratios explicit/ensemble and their
 * range (5 pairs up to N = 8192, then 3, 2 and 1 at N = 65536, where one
 * explicit layer takes about a minute), the ensemble's rate in unit-layers per second and its fraction of
 * two yardsticks measured in the same run:
 *   - generation: the ensemble draws up to B normals per unit and layer;
 *     fraction = rate * B / dnc_normal_fill's rate (all threads);
 *   - memory: a lower bound of its traffic, 48 B bytes per unit-layer (the
 *     noise, H and A written once and read once, 8 bytes each per row);
 *     fraction = rate * 48 B / triad bandwidth.
 * With --large, the large cases of issue 13: width 10^6 at depth 100 and
 * depth 10^5 at width 1024 for B = 2, a tenth of the depth for B = 16;
 * ensemble only, whole-run times.
 * Output: a Markdown table on stdout (bench/run_ensemble.sh adds the machine).
 * usage: bench_ensemble [--reps R] [--nmax N] [--large] [--large-only] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "dnncrit/io.h"
#include "dnncrit/propagate.h"
#include "yardsticks.h"

static dnc_propagate_opts options(size_t N, size_t B, size_t depth, dnc_engine_kind engine)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.width = N;
    o.net.depth = depth;
    o.net.sigma_w = 1.2;
    o.net.sigma_b = 0.1;
    o.batch = B;
    o.engine = engine;
    o.quiet = true;
    return o;
}

/* Seconds of the layer loop (dnc_propagate_result.seconds) of one run. */
static double run_seconds(size_t N, size_t B, size_t depth, dnc_engine_kind engine, double *rho)
{
    dnc_propagate_opts o = options(N, B, depth, engine);
    dnc_propagate_result r;
    if (dnc_propagate(&o, &r)) {
        fprintf(stderr, "bench_ensemble: %s\n", dnc_last_error());
        exit(1);
    }
    double t = r.seconds;
    if (rho)
        *rho = r.rho[depth - 1];
    dnc_propagate_result_free(&r);
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static size_t clampz(double v, size_t lo, size_t hi)
{
    return v < (double)lo ? lo : (v > (double)hi ? hi : (size_t)llround(v));
}

/* One explicit layer at N = 65536 takes about a minute on 2 loaded cores:
 * fewer pairs for the widest rows. */
static int reps_for(size_t N, int reps)
{
    int cap = N <= 8192 ? 64 : N <= 16384 ? 3 : N <= 32768 ? 2 : 1;
    return reps < cap ? reps : cap;
}

static void paired(size_t N, size_t B, int reps, double gen_rate, double triad_gbs)
{
    /* explicit: ~2^26 weights per run; ensemble: ~2^21 (B = 2) or 2^18
     * (B = 16) unit-layers per run, at least 4 layers */
    size_t Le = clampz(pow(2, 26) / ((double)N * (double)N), 1, 1000);
    size_t Ls = clampz((B <= 2 ? pow(2, 21) : pow(2, 18)) / (double)N, 4, 100000);
    double te[64], ts[64], ratio[64];
    run_seconds(N, B, 1, DNC_ENGINE_ENSEMBLE, NULL); /* warm the allocator and caches */
    for (int r = 0; r < reps; r++) {
        te[r] = run_seconds(N, B, Le, DNC_ENGINE_EXPLICIT, NULL) / (double)Le;
        ts[r] = run_seconds(N, B, Ls, DNC_ENGINE_ENSEMBLE, NULL) / (double)Ls;
        ratio[r] = te[r] / ts[r];
    }
    double lo = ratio[0], hi = ratio[0];
    for (int r = 1; r < reps; r++)
        lo = fmin(lo, ratio[r]), hi = fmax(hi, ratio[r]);
    double me = median(te, reps), ms = median(ts, reps), mr = median(ratio, reps);
    double rate = (double)N / ms;
    printf("| %zu | %zu | %zu | %.3g | %zu | %.3g | %.1f | %.1f-%.1f | %.3g | %.3f | %.3f |\n", N,
           B, Le, me * 1e3, Ls, ms * 1e3, mr, lo, hi, rate, rate * (double)B / gen_rate,
           rate * 48.0 * (double)B / (triad_gbs * 1e9));
    fflush(stdout);
}

static void large(size_t N, size_t B, size_t depth)
{
    double rho = NAN;
    double t = run_seconds(N, B, depth, DNC_ENGINE_ENSEMBLE, &rho);
    printf("| %zu | %zu | %zu | %.1f | %.3g | %.3g |\n", N, depth, B, t,
           t / (double)depth * 1e3, (double)N * (double)depth / t);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int reps = 5;
    size_t nmax = 65536;
    bool big = false, paired_runs = true;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--nmax") && i + 1 < argc)
            nmax = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--large"))
            big = true;
        else if (!strcmp(argv[i], "--large-only"))
            big = true, paired_runs = false;
        else {
            fprintf(stderr, "usage: bench_ensemble [--reps R] [--nmax N] [--large] "
                            "[--large-only]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 64) {
        fprintf(stderr, "bench_ensemble: --reps must be 1..64\n");
        return 2;
    }
    int threads = omp_get_max_threads();
    if (paired_runs) {
        double gbs = yard_triad_bandwidth(0.5), gen = yard_normal_rate(0.5, 0);
        printf("threads %d; triad %.2f GB/s; dnc_normal_fill %.3g samples/s; %d paired runs "
               "per row\n\n",
               threads, gbs, gen, reps);
        printf("| N | B | explicit layers | explicit ms/layer | ensemble layers | ensemble "
               "ms/layer | explicit/ensemble (median) | range | ensemble unit-layers/s | "
               "of generation | of bandwidth |\n");
        printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (size_t B = 2; B <= 16; B *= 8)
            for (size_t N = 512; N <= nmax; N *= 2)
                paired(N, B, reps_for(N, reps), gen, gbs);
    }
    if (big) {
        printf("\nLarge cases, ensemble engine, %d threads:\n\n", threads);
        printf("| width | depth | B | seconds | ms/layer | unit-layers/s |\n");
        printf("|---|---|---|---|---|---|\n");
        large(1000000, 2, 100);
        large(1024, 2, 100000);
        large(1000000, 16, 10); /* B = 16 costs ~10x per unit-layer: 1/10 the depth */
        large(1024, 16, 10000);
    }
    return 0;
}
