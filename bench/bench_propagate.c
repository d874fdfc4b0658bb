/* Throughput of the propagation engine and of its parts, with the
 * machine's own yardsticks measured in the same run: DGEMM peak (large
 * square OpenBLAS dgemm, all threads) and memory bandwidth (STREAM-like
 * triad). Propagation is measured with both product backends.
 *
 * Paired measurements (alternating A, B, A, B, ... in this process, so that
 * a change of load hits both sides alike; the median ratio and its range
 * over the pairs are reported):
 *   - propagation at T = 1 and 2 threads against OpenBLAS DGEMM (n = 2048)
 *     at the same T: the fraction of the DGEMM rate;
 *   - 1 thread against 2 threads, idle and with a busy-loop process
 *     competing for a core: time(1 thread) / time(2 threads), which must
 *     stay >= 1;
 *   - NumPy (bench/propagate_numpy.py --serve, a child process fed one run
 *     at a time) against dnncrit at 2 threads: time(NumPy) / time(dnncrit).
 * Output: CSV lines "what,width,batch,value,unit" on stdout, read by
 * bench/run_propagate.sh.
 * usage: bench_propagate [seconds per measurement, default 0.5]
 *                        [pairs, default 7] [NumPy script, "-" for none] */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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
    printf("normals_ziggurat_threads_1,0,0,%.4g,samples/s\n",
           yard_normal_rate_of(DNC_NORMALS_ZIGGURAT, budget, 1));
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

/* The benchmark's network: tanh, sigma_w 1.2, sigma_b 0.1, width N, batch B,
 * deep enough for 2^log2_work weights (B <= 16) or 512 x that many flops. */
static prop_ctx prop_setup(size_t N, size_t B, dnc_product_kind product, int log2_work)
{
    prop_ctx c = {dnc_propagate_opts_default(), 0, 0};
    c.o.product = product;
    c.o.net.width = N;
    c.o.net.sigma_w = 1.2;
    c.o.net.sigma_b = 0.1;
    c.o.batch = B;
    double per_layer = B <= 16 ? (double)N * N : 2.0 * B * N * N / 512;
    c.o.net.depth = (size_t)fmax(2, round((double)((size_t)1 << log2_work) / per_layer));
    return c;
}

static void propagation(size_t N, size_t B, dnc_product_kind product)
{
    /* about 2^26 weights (B = 2) or 2^35 flops (B = 256) per run */
    prop_ctx c = prop_setup(N, B, product, 26);
    size_t L = c.o.net.depth;
    double t = best_time(run_prop, &c);
    const char *name = dnc_product_name(product);
    printf("propagate_gflops_%s,%zu,%zu,%.4g,GFLOP/s\n", name, N, B, c.flops / t * 1e-9);
    printf("propagate_weights_%s,%zu,%zu,%.4g,weights/s\n", name, N, B, (double)N * N * L / t);
    fflush(stdout);
}

/* ------------------------------------------------------ paired timings */

static int pairs = 7;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* "what,width,batch,median,ratio" plus _lo and _hi lines (range over the
 * pairs). */
static void print_ratios(const char *what, size_t N, size_t B, double *r, int n)
{
    qsort(r, (size_t)n, sizeof *r, cmp_double);
    double med = n % 2 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
    printf("%s,%zu,%zu,%.4g,median\n", what, N, B, med);
    printf("%s_lo,%zu,%zu,%.4g,min\n", what, N, B, r[0]);
    printf("%s_hi,%zu,%zu,%.4g,max\n", what, N, B, r[n - 1]);
    fflush(stdout);
}

static double time_once(void (*f)(void *), void *ctx)
{
    double t0 = dnc_wall_time();
    f(ctx);
    return dnc_wall_time() - t0;
}

static double prop_seconds(prop_ctx *c, int threads)
{
    omp_set_num_threads(threads);
    return time_once(run_prop, c);
}

static double dgemm_seconds(gemm_ctx *g, int threads)
{
    openblas_set_num_threads(threads);
    return time_once(run_dgemm, g);
}

/* Propagation rate / DGEMM rate at the same thread count, paired. */
static void paired_dgemm_fraction(size_t N, size_t B, dnc_product_kind product, int threads,
                                  dnc_normals normals, gemm_ctx *g)
{
    prop_ctx c = prop_setup(N, B, product, 24); /* a quarter of propagation()'s work: many pairs */
    c.o.net.normals = normals;
    double gflop = 2.0 * (double)g->n * (double)g->n * (double)g->n;
    double *r = malloc((size_t)pairs * sizeof *r);
    run_prop(&c); /* warm up (and learn the flop count) */
    for (int i = 0; i < pairs; i++) {
        double tp = prop_seconds(&c, threads), tg = dgemm_seconds(g, threads);
        r[i] = (c.flops / tp) / (gflop / tg);
    }
    char what[96];
    snprintf(what, sizeof what, "paired_dgemm_fraction_%s_t%d%s", dnc_product_name(product),
             threads, normals == DNC_NORMALS_ZIGGURAT ? "_ziggurat" : "");
    print_ratios(what, N, B, r, pairs);
    free(r);
}

/* time(Box-Muller weights) / time(ziggurat weights), paired, one thread. */
static void paired_box_muller_over_ziggurat(size_t N, size_t B, dnc_product_kind product)
{
    prop_ctx bm = prop_setup(N, B, product, 24), zig = bm;
    zig.o.net.normals = DNC_NORMALS_ZIGGURAT;
    double *r = malloc((size_t)pairs * sizeof *r);
    run_prop(&bm), run_prop(&zig);
    for (int i = 0; i < pairs; i++)
        r[i] = prop_seconds(&bm, 1) / prop_seconds(&zig, 1);
    char what[96];
    snprintf(what, sizeof what, "paired_box_muller_over_ziggurat_%s_t1", dnc_product_name(product));
    print_ratios(what, N, B, r, pairs);
    free(r);
}

/* A process spinning on one core until killed (or after 10 minutes). */
static pid_t busy_loop_start(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        alarm(600);
        volatile unsigned long x = 0;
        for (;;)
            x++;
    }
    return pid;
}

static void busy_loop_stop(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

/* time(1 thread) / time(2 threads), paired (A, B, A, B, ...). */
static void paired_two_vs_one(size_t N, size_t B, dnc_product_kind product, const char *tag)
{
    prop_ctx c = prop_setup(N, B, product, 24); /* a quarter of propagation()'s work: many pairs */
    double *r = malloc((size_t)pairs * sizeof *r);
    run_prop(&c);
    for (int i = 0; i < pairs; i++) {
        double t1 = prop_seconds(&c, 1), t2 = prop_seconds(&c, 2);
        r[i] = t1 / t2;
    }
    char what[96];
    snprintf(what, sizeof what, "paired_t1_over_t2_%s_%s", dnc_product_name(product), tag);
    print_ratios(what, N, B, r, pairs);
    free(r);
}

/* The NumPy server: a child running propagate_numpy.py --serve. */
typedef struct {
    pid_t pid;
    FILE *to, *from;
} numpy_server;

static bool numpy_start(numpy_server *s, const char *script)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out))
        return false;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]), close(out[0]);
        execl("/usr/bin/python3", "python3", script, "--serve", (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    s->to = fdopen(in[1], "w");
    s->from = fdopen(out[0], "r");
    return s->pid > 0 && s->to && s->from;
}

/* Seconds NumPy takes for the run of c (NAN on a broken pipe). */
static double numpy_seconds(numpy_server *s, const prop_ctx *c)
{
    fprintf(s->to, "%zu %zu %zu\n", c->o.net.width, c->o.batch, c->o.net.depth);
    fflush(s->to);
    double t;
    return fscanf(s->from, "%lf", &t) == 1 ? t : NAN;
}

static void numpy_stop(numpy_server *s)
{
    fclose(s->to);
    fclose(s->from);
    waitpid(s->pid, NULL, 0);
}

static void paired_numpy(numpy_server *s, size_t N, size_t B, int threads)
{
    prop_ctx c = prop_setup(N, B, DNC_PRODUCT_OPENBLAS, 24);
    double *r = malloc((size_t)pairs * sizeof *r);
    run_prop(&c);
    numpy_seconds(s, &c);
    for (int i = 0; i < pairs; i++) {
        double tn = numpy_seconds(s, &c), td = prop_seconds(&c, threads);
        r[i] = tn / td;
    }
    char what[96];
    snprintf(what, sizeof what, "paired_numpy_over_dnncrit_t%d", threads);
    print_ratios(what, N, B, r, pairs);
    free(r);
}

static void paired(const char *numpy_script)
{
    int saved_omp = omp_get_max_threads(), saved_blas = openblas_get_num_threads();
    gemm_ctx g = {2048, NULL, NULL, NULL};
    size_t nn = g.n * g.n;
    g.A = malloc(nn * sizeof(double));
    g.B = malloc(nn * sizeof(double));
    g.C = malloc(nn * sizeof(double));
    dnc_normal_fill(1, DNC_STREAM_USER, 0, 0, g.A, nn);
    dnc_normal_fill(1, DNC_STREAM_USER, 0, 1, g.B, nn);
    double r1[64], r2[64];
    int n = pairs < 64 ? pairs : 64;
    for (int i = 0; i < n; i++) { /* the yardsticks themselves, paired */
        double t1 = dgemm_seconds(&g, 1), t2 = dgemm_seconds(&g, 2);
        r1[i] = 2.0 * (double)nn * (double)g.n / t1 * 1e-9;
        r2[i] = 2.0 * (double)nn * (double)g.n / t2 * 1e-9;
    }
    print_ratios("paired_dgemm_gflops_t1", g.n, 0, r1, n);
    print_ratios("paired_dgemm_gflops_t2", g.n, 0, r2, n);
    for (int p = 0; p <= 1; p++)
        for (int t = 1; t <= 2; t++)
            for (int m = 0; m <= 1; m++) {
                paired_dgemm_fraction(1024, 256, (dnc_product_kind)p, t, (dnc_normals)m, &g);
                paired_dgemm_fraction(2048, 256, (dnc_product_kind)p, t, (dnc_normals)m, &g);
            }
    free(g.A), free(g.B), free(g.C);
    for (int p = 0; p <= 1; p++) {
        paired_box_muller_over_ziggurat(512, 2, (dnc_product_kind)p);
        paired_box_muller_over_ziggurat(1024, 256, (dnc_product_kind)p);
    }
    if (getenv("PAIRED_DGEMM_ONLY")) /* the yardsticks, fractions and normals ratios alone */
        return;
    openblas_set_num_threads(saved_blas);
    for (int p = 0; p <= 1; p++) {
        paired_two_vs_one(512, 2, (dnc_product_kind)p, "idle");
        paired_two_vs_one(1024, 256, (dnc_product_kind)p, "idle");
    }
    pid_t busy = busy_loop_start();
    for (int p = 0; p <= 1; p++) {
        paired_two_vs_one(512, 2, (dnc_product_kind)p, "busy");
        paired_two_vs_one(1024, 256, (dnc_product_kind)p, "busy");
    }
    busy_loop_stop(busy);
    numpy_server s;
    if (strcmp(numpy_script, "-") != 0 && numpy_start(&s, numpy_script)) {
        for (int t = 1; t <= 2; t++) {
            paired_numpy(&s, 512, 2, t);
            paired_numpy(&s, 1024, 256, t);
        }
        numpy_stop(&s);
    }
    omp_set_num_threads(saved_omp);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        budget = atof(argv[1]);
    if (argc > 2)
        pairs = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
    const char *numpy_script = argc > 3 ? argv[3] : DNNCRIT_SOURCE_DIR "/bench/propagate_numpy.py";
    if (getenv("PAIRED_ONLY")) {
        paired(numpy_script);
        return 0;
    }
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
    paired(numpy_script);
    return 0;
}
