/* Propagation throughput on the CPU engine and on the CUDA backend, in the
 * same run, for widths 512 to 8192 and batches 2 and 256, with each
 * device's own DGEMM as its yardstick: OpenBLAS (all threads) on 2048^3,
 * cuBLAS on 8192^3.
 * Output: CSV lines "what,device,width,batch,value,unit" on stdout, read by
 * bench/run_device.sh; the GPU, or why there is none, on stderr.
 * usage: bench_device [max width, default 8192] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

#include "engines/devprop.h"
#include "dnncrit/device.h"
#include "dnncrit/io.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"

/* Time of one n x n x n DGEMM through a device's primitives (best of 3),
 * the download of one element waiting for the device to finish. */
static double device_dgemm_seconds(const dnc_devops *ops, size_t n)
{
    double *A = ops->alloc(ops->ctx, n * n), *B = ops->alloc(ops->ctx, n * n);
    double *C = ops->alloc(ops->ctx, n * n), one, best = INFINITY;
    if (!A || !B || !C)
        return NAN;
    dnc_mlp_config cfg = dnc_mlp_config_default();
    cfg.width = cfg.input_width = n;
    ops->weight_rows(ops->ctx, &cfg, 1, 0, n, A);
    ops->weight_rows(ops->ctx, &cfg, 2, 0, n, B);
    for (int rep = 0; rep < 4; rep++) {
        double t0 = dnc_wall_time();
        ops->gemm_nt(ops->ctx, n, n, n, A, n, B, C, n);
        ops->download(ops->ctx, &one, C, 1);
        double t = dnc_wall_time() - t0;
        if (rep > 0) /* the first call pays for start-up */
            best = t < best ? t : best;
    }
    ops->release(ops->ctx, A);
    ops->release(ops->ctx, B);
    ops->release(ops->ctx, C);
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

    dnc_devops host;
    dnc_devops_host(&host);
    double t = device_dgemm_seconds(&host, 2048);
    printf("dgemm,cpu,2048,2048,%.3f,GFLOP/s\n", 2.0 * 2048 * 2048 * 2048 / t * 1e-9);
    if (gpu) {
        dnc_devops cuda;
        if (dnc_devops_cuda_open(&cuda) == DNC_OK) {
            t = device_dgemm_seconds(&cuda, 8192);
            printf("dgemm,cuda,8192,8192,%.3f,GFLOP/s\n", 2.0 * 8192 * 8192 * 8192 / t * 1e-9);
            dnc_devops_cuda_close(&cuda);
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
