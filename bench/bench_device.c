/* Propagation throughput on the CPU engine and on the CUDA backend, in the
 * same run, for widths 512 to 8192 and batches 2 and 256, with each
 * device's own DGEMM as its yardstick: OpenBLAS (all threads) on 2048^3,
 * and on the GPU the CUDA engine's linear primitive on an 8192-wide layer
 * of 8192 rows (cuBLAS DGEMM, its Philox weights drawn on the GPU too).
 * Output: CSV lines "what,device,width,batch,value,unit" on stdout, read by
 * bench/run_device.sh; the GPU, or why there is none, on stderr.
 * usage: bench_device [max width, default 8192] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

#include "engines/engine.h"
#include "dnncrit/device.h"
#include "dnncrit/io.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"

/* Time of one n x n x n OpenBLAS DGEMM on the CPU (best of 3). */
static double cpu_dgemm_seconds(size_t n)
{
    double *A = malloc(n * n * sizeof *A), *B = malloc(n * n * sizeof *B);
    double *C = malloc(n * n * sizeof *C), best = INFINITY;
    if (!A || !B || !C)
        return NAN;
    dnc_normal_fill(1, DNC_STREAM_USER, 0, 0, A, n * n);
    dnc_normal_fill(1, DNC_STREAM_USER, 0, 1, B, n * n);
    for (int rep = 0; rep < 4; rep++) {
        double t0 = dnc_wall_time();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)n, 1.0, A,
                    (int)n, B, (int)n, 0.0, C, (int)n);
        double t = dnc_wall_time() - t0;
        if (rep > 0) /* the first call pays for start-up */
            best = t < best ? t : best;
    }
    free(A);
    free(B);
    free(C);
    return best;
}

/* Time of one n-row, n-wide layer through an engine's linear primitive
 * (best of 3), the download of one element waiting for it to finish. */
static double engine_layer_seconds(const dnc_engine_ops *ops, const dnc_mlp_config *cfg)
{
    size_t n = cfg->width;
    double *A = ops->alloc(ops->ctx, n, n), *H = ops->alloc(ops->ctx, n, n), one, best = INFINITY;
    if (!A || !H)
        return NAN;
    for (int rep = 0; rep < 4; rep++) {
        double t0 = dnc_wall_time();
        ops->linear(ops->ctx, cfg, 2, NULL, n, A, n, H, n);
        ops->download(ops->ctx, &one, H, 1);
        double t = dnc_wall_time() - t0;
        if (rep > 0) /* the first call pays for start-up */
            best = t < best ? t : best;
    }
    ops->release(ops->ctx, A);
    ops->release(ops->ctx, H);
    return best;
}

static double propagate_gflops(dnc_device_kind dev, size_t N, size_t B)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.width = N;
    /* enough layers for about 2^33 flop per batch-256 run */
    o.net.depth = N >= 4096 ? 3 : (N >= 2048 ? 8 : 24);
    o.batch = B;
    o.device = dev;
    double best = 0;
    for (int rep = 0; rep < 2; rep++) {
        dnc_propagate_result r;
        if (dnc_propagate(&o, &r) != DNC_OK) {
            fprintf(stderr, "bench_device: %s\n", dnc_last_error());
            return NAN;
        }
        double g = r.flops / r.seconds * 1e-9;
        best = g > best ? g : best;
        dnc_propagate_result_free(&r);
    }
    return best;
}

int main(int argc, char **argv)
{
    size_t max_width = argc > 1 ? (size_t)atol(argv[1]) : 8192;
    char desc[160];
    int gpu = dnc_cuda_describe(desc, sizeof desc) == DNC_OK;
    fprintf(stderr, "GPU: %s\n", gpu ? desc : dnc_last_error());

    double t = cpu_dgemm_seconds(2048);
    printf("dgemm,cpu,2048,2048,%.3f,GFLOP/s\n", 2.0 * 2048 * 2048 * 2048 / t * 1e-9);
    if (gpu) {
        dnc_propagate_opts o = dnc_propagate_opts_default();
        o.net.width = 8192;
        dnc_engine_ops cuda;
        if (dnc_cuda_engine_open(&cuda, &o) == DNC_OK) {
            t = engine_layer_seconds(&cuda, &o.net);
            printf("dgemm,cuda,8192,8192,%.3f,GFLOP/s\n", 2.0 * 8192 * 8192 * 8192 / t * 1e-9);
            cuda.close(cuda.ctx);
        }
    }
    size_t batches[] = {2, 256};
    for (size_t N = 512; N <= max_width; N *= 2)
        for (size_t i = 0; i < 2; i++) {
            printf("propagate,cpu,%zu,%zu,%.3f,GFLOP/s\n", N, batches[i],
                   propagate_gflops(DNC_DEVICE_CPU, N, batches[i]));
            if (gpu)
                printf("propagate,cuda,%zu,%zu,%.3f,GFLOP/s\n", N, batches[i],
                       propagate_gflops(DNC_DEVICE_CUDA, N, batches[i]));
            fflush(stdout);
        }
    return 0;
}
