/* Throughput of the propagation engine and of its parts, with the
 * machine's own yardsticks measured in the same run: DGEMM peak (large
 * square OpenBLAS dgemm, all threads) and memory bandwidth (STREAM-like
 * triad). Propagation is measured with both product backends.
 * Output: CSV lines "what,width,batch,value,unit" on stdout, read by
 * bench/run_propagate.sh.
 * usage: bench_propagate [seconds per measurement, default 0.5] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "dnncrit/io.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"
#include "yardsticks.h"

static double budget = 0.5;

static double best_time(void (*f)(void *), void *ctx)
{
    return yard_best_time(f, ctx, budget);
}

typedef struct {
    size_t n;
    double *A, *B, *C;
} gemm_ctx;

static void run_dgemm(void *p)
{
    gemm_ctx *g = p;
    int n = (int)g->n;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, g->A, n, g->B, n, 0.0,
                g->C, n);
}

static void dgemm_peak(void)
{
    gemm_ctx g = {2048, NULL, NULL, NULL};
    size_t nn = g.n * g.n;
    g.A = malloc(nn * sizeof(double));
    g.B = malloc(nn * sizeof(double));
    g.C = malloc(nn * sizeof(double));
    dnc_normal_fill(1, DNC_STREAM_USER, 0, 0, g.A, nn);
    dnc_normal_fill(1, DNC_STREAM_USER, 0, 1, g.B, nn);
    double t = best_time(run_dgemm, &g);
    printf("dgemm_peak,%zu,0,%.3f,GFLOP/s\n", g.n, 2.0 * (double)nn * (double)g.n / t * 1e-9);
    free(g.A), free(g.B), free(g.C);
}

typedef struct {
    size_t n;
    float *A, *B, *C;
} sgemm_ctx;

static void run_sgemm(void *p)
{
    sgemm_ctx *g = p;
    int n = (int)g->n;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, g->A, n, g->B, n, 0.0f,
                g->C, n);
}

/* Single precision peak, for reference (propagation runs in double). */
static void sgemm_peak(void)
{
    sgemm_ctx g = {2048, NULL, NULL, NULL};
    size_t nn = g.n * g.n;
    g.A = malloc(nn * sizeof(float));
    g.B = malloc(nn * sizeof(float));
    g.C = malloc(nn * sizeof(float));
    for (size_t i = 0; i < nn; i++) {
        g.A[i] = (float)((i * 7) % 13) - 6.0f;
        g.B[i] = (float)((i * 5) % 11) - 5.0f;
    }
    double t = best_time(run_sgemm, &g);
    printf("sgemm_peak,%zu,0,%.3f,GFLOP/s\n", g.n, 2.0 * (double)nn * (double)g.n / t * 1e-9);
    free(g.A), free(g.B), free(g.C);
}

static double triad_bandwidth(void)
{
    double gbs = yard_triad_bandwidth(budget);
    printf("triad_bandwidth,0,0,%.3f,GB/s\n", gbs);
    return gbs;
}

static void normals(double bandwidth)
{
    double rate = yard_normal_rate(budget, 0);
    printf("normals_threads_%d,0,0,%.4g,samples/s\n", omp_get_max_threads(), rate);
    /* writing the samples is the only memory traffic: 8 bytes each */
    printf("normals_bandwidth_fraction,0,0,%.3f,of triad\n", rate * 8e-9 / bandwidth);
    printf("normals_threads_1,0,0,%.4g,samples/s\n", yard_normal_rate(budget, 1));
}

typedef struct {
    dnc_propagate_opts o;
    double flops, seconds;
} prop_ctx;

static void run_prop(void *p)
{
    prop_ctx *c = p;
    dnc_propagate_result r;
    if (dnc_propagate(&c->o, &r)) {
        fprintf(stderr, "bench_propagate: %s\n", dnc_last_error());
        exit(1);
    }
    c->flops = r.flops;
    dnc_propagate_result_free(&r);
}

static void propagation(size_t N, size_t B, dnc_product_kind product)
{
    prop_ctx c = {dnc_propagate_opts_default(), 0, 0};
    c.o.product = product;
    c.o.net.width = N;
    c.o.net.sigma_w = 1.2;
    c.o.net.sigma_b = 0.1;
    c.o.batch = B;
    /* about 2^26 weights (B = 2) or 2^35 flops (B = 256) per run */
    double per_layer = B <= 16 ? (double)N * N : 2.0 * B * N * N / 512;
    size_t L = (size_t)fmax(2, round((double)((size_t)1 << 26) / per_layer));
    c.o.net.depth = L;
    double t = best_time(run_prop, &c);
    const char *name = dnc_product_name(product);
    printf("propagate_gflops_%s,%zu,%zu,%.4g,GFLOP/s\n", name, N, B, c.flops / t * 1e-9);
    printf("propagate_weights_%s,%zu,%zu,%.4g,weights/s\n", name, N, B, (double)N * N * L / t);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        budget = atof(argv[1]);
    printf("# threads %d, OpenBLAS %s\n", omp_get_max_threads(), openblas_get_config());
    dgemm_peak();
    sgemm_peak();
    double bw = triad_bandwidth();
    normals(bw);
    for (size_t N = 256; N <= 4096; N *= 2) {
        for (int p = 0; p <= 1; p++) {
            propagation(N, 2, (dnc_product_kind)p);
            propagation(N, 256, (dnc_product_kind)p);
        }
    }
    return 0;
}
