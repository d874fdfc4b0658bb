/* Gaussian generation: dnncrit's two normal streams (Box-Muller, ziggurat)
 * on each instruction-set path this CPU runs, one thread, paired and
 * interleaved (every round times each variant once, in turn); ratios are
 * medians over rounds of time(other) / time(variant) with quartiles. The
 * limits beside them: the rate at which this core writes doubles to memory
 * (a fill of the same size that only stores) and the triad bandwidth.
 *
 *   bench_normals [--size N] [--rounds R]     the table (markdown)
 *   bench_normals --once METHOD [--size N]    one rate, samples/s, for
 *                                             bench/run_normals.sh's pairs
 *
 * N (default 65536) normals per call: a weight row of fan-in N or a
 * layer's block, in cache, so the generator and not memory is timed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng_simd.h"
#include "yardsticks.h"

typedef struct {
    dnc_normals method;
    dnc_rng_isa isa;
    size_t n;
    double *x;
    uint32_t call;
} variant;

static void run_variant(void *p)
{
    variant *v = p;
    dnc_rng_isa_select(v->isa);
    dnc_normals_fill_at(v->method, 7, DNC_STREAM_WEIGHT, v->call++, 0, 0, v->x, v->n);
}

static void run_store(void *p)
{
    variant *v = p;
    for (size_t i = 0; i < v->n; i++)
        v->x[i] = (double)(v->call + i);
    v->call++;
}

/* one call's time: the best of the calls that fit in 20 ms */
static double time_call(void (*f)(void *), variant *v)
{
    return yard_best_time(f, v, 0.02);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void quartiles(double *r, int n, double q[3])
{
    qsort(r, (size_t)n, sizeof *r, cmp_double);
    q[0] = r[n / 4], q[1] = r[n / 2], q[2] = r[(3 * n) / 4];
}

int main(int argc, char **argv)
{
    size_t n = 65536;
    int rounds = 15;
    const char *once = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc)
            n = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--once") && i + 1 < argc)
            once = argv[++i];
        else {
            fprintf(stderr, "usage: bench_normals [--size N] [--rounds R] [--once METHOD]\n");
            return 2;
        }
    }
    if (n < 64 || rounds < 3) {
        fprintf(stderr, "bench_normals: --size must be at least 64 and --rounds at least 3\n");
        return 2;
    }
    omp_set_num_threads(1);
    double *x = calloc(n, sizeof *x);
    if (once) {
        variant v = {DNC_NORMALS_BOX_MULLER, DNC_RNG_ISA_AUTO, n, x, 0};
        if (dnc_normals_parse(once, &v.method)) {
            fprintf(stderr, "bench_normals: --once takes box-muller or ziggurat, not %s\n", once);
            return 2;
        }
        printf("%.6g\n", (double)n / time_call(run_variant, &v));
        free(x);
        return 0;
    }
    variant vs[8];
    int nv = 0;
    const dnc_rng_isa isas[] = {DNC_RNG_ISA_PORTABLE, DNC_RNG_ISA_AVX2, DNC_RNG_ISA_AVX512};
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < 3; k++)
            if (dnc_rng_isa_supported(isas[k]))
                vs[nv++] = (variant){(dnc_normals)m, isas[k], n, x, 0};
    variant store = {DNC_NORMALS_BOX_MULLER, DNC_RNG_ISA_AUTO, n, x, 0};
    double *t = malloc((size_t)rounds * (size_t)(nv + 1) * sizeof *t);
    for (int r = 0; r < rounds; r++) {
        for (int j = 0; j < nv; j++)
            t[r * (nv + 1) + j] = time_call(run_variant, &vs[j]);
        t[r * (nv + 1) + nv] = time_call(run_store, &store);
    }
    dnc_rng_isa_select(DNC_RNG_ISA_AUTO);
    double triad = yard_triad_bandwidth(0.5);
    /* the reference column: Box-Muller on the path the library picks */
    int ref = 0;
    for (int j = 0; j < nv; j++)
        if (vs[j].method == DNC_NORMALS_BOX_MULLER && vs[j].isa == dnc_rng_isa_current())
            ref = j;
    printf("machine: 1 thread, %zu normals per call, %d rounds; triad %.1f GB/s (all cores)\n\n",
           n, rounds, triad);
    printf("| stream | path | samples/s (median) | time(box-muller, %s) / time(this) | quartiles "
           "| of store rate | GB/s written |\n|---|---|---:|---:|---|---:|---:|\n",
           dnc_rng_isa_name(vs[ref].isa));
    double *ratio = malloc((size_t)rounds * sizeof *ratio), q[3], qs[3];
    for (int r = 0; r < rounds; r++)
        ratio[r] = (double)n / t[r * (nv + 1) + nv];
    quartiles(ratio, rounds, qs);
    for (int j = 0; j < nv; j++) {
        for (int r = 0; r < rounds; r++)
            ratio[r] = (double)n / t[r * (nv + 1) + j];
        quartiles(ratio, rounds, q);
        double rate = q[1];
        for (int r = 0; r < rounds; r++)
            ratio[r] = t[r * (nv + 1) + ref] / t[r * (nv + 1) + j];
        quartiles(ratio, rounds, q);
        printf("| %s | %s | %.3g | %.2f | %.2f-%.2f | %.0f%% | %.2f |\n",
               dnc_normals_name(vs[j].method), dnc_rng_isa_name(vs[j].isa), rate, q[1], q[0],
               q[2], 100 * rate / qs[1], rate * 8e-9);
    }
    printf("| (stores only) | | %.3g | | | 100%% | %.2f |\n", qs[1], qs[1] * 8e-9);
    free(ratio);
    free(t);
    free(x);
    return 0;
}
