/* Convolution throughput of the CNN engine: direct loop vs im2col + DGEMM,
 * compared with the DGEMM peak measured in the same run and with NumPy
 * doing the same convolutions (bench/bench_cnn.py, run from here).
 *
 * usage: bench_cnn [--threads N] [--no-numpy]
 * Prints a Markdown table (docs/readme/cnn.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <omp.h>

#include "dnncrit/cnn.h"
#include "dnncrit/io.h"
#include "dnncrit/rng.h"

/* With one thread every flop runs in the calling thread (OpenBLAS included),
 * so its CPU time is the compute time even on a loaded, shared machine;
 * with more threads only wall time is meaningful. */
static int use_cpu_time = 1;

static double now(void)
{
    if (!use_cpu_time)
        return now();
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define NSHAPES 11
static const dnc_conv_shape shapes[NSHAPES] = {
    {1, 1, 1, 3, 65536, 1},  {1, 2, 2, 5, 32768, 1},
    {1, 4, 4, 3, 16384, 1},  {1, 16, 16, 3, 4096, 1}, {1, 64, 64, 3, 4096, 1},
    {1, 128, 128, 5, 2048, 1}, {1, 256, 256, 3, 1024, 1}, {2, 8, 8, 3, 64, 64},
    {2, 16, 16, 3, 64, 64},  {2, 64, 64, 3, 64, 64},  {2, 128, 128, 3, 32, 32},
};
enum { BATCH = 2 };

static size_t taps(const dnc_conv_shape *s) { return s->dims == 2 ? s->kernel * s->kernel : s->kernel; }
static size_t sites(const dnc_conv_shape *s) { return s->size_x * (s->dims == 2 ? s->size_y : 1); }

/* Best time of repeated calls: at least 10 and at least 0.3 s in total. */
static double time_conv(const dnc_conv_shape *sh, dnc_conv_algo algo, const double *W,
                        const double *b, const double *in, double *out, double *work)
{
    double best = INFINITY, total = 0;
    for (int reps = 0; reps < 10 || total < 0.3; reps++) {
        double t0 = now();
        dnc_conv_forward(sh, algo, W, b, in, BATCH, out, work);
        double dt = now() - t0;
        best = dt < best ? dt : best;
        total += dt;
    }
    return best;
}

/* Best DGEMM rate over square sizes 256 and 512 (10 calls each): short
 * calls, like the convolutions, so both see the same share of a loaded machine. */
static double dgemm_peak(void)
{
    const int sizes[2] = {256, 512};
    double best_rate = 0;
    for (int si = 0; si < 2; si++) {
        int n = sizes[si];
        double *A = malloc((size_t)n * n * sizeof *A), *B = malloc((size_t)n * n * sizeof *B),
               *C = malloc((size_t)n * n * sizeof *C);
        dnc_normal_fill(1, DNC_STREAM_USER, 0, 0, A, (size_t)n * n);
        dnc_normal_fill(1, DNC_STREAM_USER, 1, 0, B, (size_t)n * n);
        for (int r = 0; r < 10; r++) {
            double t0 = now();
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0,
                        C, n);
            double rate = 2.0 * n * (double)n * n / (now() - t0) * 1e-9;
            best_rate = rate > best_rate ? rate : best_rate;
        }
        free(A);
        free(B);
        free(C);
    }
    return best_rate;
}

/* Runs bench_cnn.py on all shapes; fills numpy[2 * i + {0,1}] (NAN if unavailable). */
static void run_numpy(int threads, double *numpy)
{
    for (int i = 0; i < 2 * NSHAPES; i++)
        numpy[i] = NAN;
    char cmd[4096];
    int len = snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=%d OMP_NUM_THREADS=%d /usr/bin/python3 %s/bench/bench_cnn.py%s",
                       threads, threads, DNNCRIT_SOURCE_DIR, use_cpu_time ? " --cpu-time" : "");
    for (int i = 0; i < NSHAPES; i++) {
        const dnc_conv_shape *s = &shapes[i];
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %d,%zu,%zu,%zu,%zu,%zu,%d", s->dims,
                        s->in_channels, s->out_channels, s->kernel, s->size_x, s->size_y, BATCH);
    }
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    char spec[128];
    double a, b;
    for (int i = 0; i < NSHAPES && fscanf(p, "%127s %lf %lf", spec, &a, &b) == 3; i++) {
        numpy[2 * i] = a;
        numpy[2 * i + 1] = b;
    }
    if (pclose(p) != 0)
        fprintf(stderr, "bench_cnn: the NumPy comparison failed (is python3-numpy installed?)\n");
}

static void measure_shape(const dnc_conv_shape *s, double *gd, double *gi)
{
    size_t nin = BATCH * s->in_channels * sites(s), nout = BATCH * s->out_channels * sites(s);
    size_t nW = s->out_channels * s->in_channels * taps(s);
    double *W = malloc(nW * sizeof *W), *b = malloc(s->out_channels * sizeof *b);
    double *in = malloc(nin * sizeof *in), *out = malloc(nout * sizeof *out);
    size_t nw = dnc_conv_workspace(s, DNC_CONV_IM2COL);
    double *work = nw ? malloc(nw * sizeof *work) : NULL;
    dnc_normal_fill(2, DNC_STREAM_USER, 0, 0, W, nW);
    dnc_normal_fill(2, DNC_STREAM_USER, 1, 0, b, s->out_channels);
    dnc_normal_fill(2, DNC_STREAM_USER, 2, 0, in, nin);
    double flops = dnc_conv_flops(s, BATCH);
    *gd = flops / time_conv(s, DNC_CONV_DIRECT, W, b, in, out, work) * 1e-9;
    *gi = flops / time_conv(s, DNC_CONV_IM2COL, W, b, in, out, work) * 1e-9;
    free(W);
    free(b);
    free(in);
    free(out);
    free(work);
}

int main(int argc, char **argv)
{
    int threads = 1;
    int with_numpy = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-numpy") == 0)
            with_numpy = 0;
        else {
            fprintf(stderr, "usage: bench_cnn [--threads N] [--no-numpy]\n");
            return 2;
        }
    }
    if (threads < 1)
        threads = 1;
    use_cpu_time = threads == 1;
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    double peak = dgemm_peak();
    double numpy[2 * NSHAPES];
    if (with_numpy)
        run_numpy(threads, numpy);
    else
        for (int i = 0; i < 2 * NSHAPES; i++)
            numpy[i] = NAN;
    double gd[NSHAPES], gi[NSHAPES];
    for (int i = 0; i < NSHAPES; i++)
        measure_shape(&shapes[i], &gd[i], &gi[i]);
    double peak_end = dgemm_peak();
    peak = peak_end > peak ? peak_end : peak;
    printf("timing: %s; ", use_cpu_time ? "thread CPU time" : "wall time");
    printf("threads %d, B = %d inputs, DGEMM peak (n = 256 and 512, best of start and end of the run)"
           " %.2f GFLOP/s\n\n", threads, BATCH, peak);
    printf("| d | C | k | lattice | direct GFLOP/s | im2col GFLOP/s | best / DGEMM peak | auto picks |"
           " NumPy im2col | NumPy shift | ours / best NumPy |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < NSHAPES; i++) {
        const dnc_conv_shape *s = &shapes[i];
        double best = gd[i] > gi[i] ? gd[i] : gi[i];
        double nbest = fmax(numpy[2 * i], numpy[2 * i + 1]);
        char lattice[32];
        if (s->dims == 2)
            snprintf(lattice, sizeof lattice, "%zux%zu", s->size_x, s->size_y);
        else
            snprintf(lattice, sizeof lattice, "%zu", s->size_x);
        printf("| %d | %zu | %zu | %s | %.2f | %.2f | %.0f%% | %s | %.2f | %.2f | %.1fx |\n", s->dims,
               s->in_channels, s->kernel, lattice, gd[i], gi[i], 100 * best / peak,
               dnc_conv_algo_name(dnc_conv_resolve(s, DNC_CONV_AUTO)), numpy[2 * i],
               numpy[2 * i + 1], best / nbest);
    }
    return 0;
}
