/* Training throughput of dnncrit's MLP SGD step (float32, tanh, momentum
 * 0.9) against the same step in NumPy (bench/train_numpy.py), run in the
 * same process invocation with the same thread count.
 *
 * usage: bench_train [THREADS] [width,depth,batch ...]
 * default configurations: 128,4,64  256,10,128  512,4,256  128,40,64
 * Each rate is measured over at least one second of steady stepping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "dnncrit/io.h"
#include "dnncrit/rng.h"
#include "dnncrit/train.h"

enum { DIM = 784 };

static double bench_c(size_t width, size_t depth, size_t batch)
{
    dnc_train_config c = dnc_train_config_default();
    c.net.width = width;
    c.net.depth = depth;
    c.batch_size = batch;
    c.obs_inputs = 0;
    dnc_mlp_model *m;
    if (dnc_mlp_model_new(&c, DIM, &m)) {
        fprintf(stderr, "bench_train: %s\n", dnc_last_error());
        exit(1);
    }
    float *x = malloc(batch * DIM * sizeof *x);
    uint8_t *y = malloc(batch);
    for (size_t i = 0; i < batch * DIM; i++)
        x[i] = (float)dnc_normal_at(1, DNC_STREAM_USER, 0, 0, i);
    for (size_t r = 0; r < batch; r++)
        y[r] = (uint8_t)(dnc_uniform_at(1, DNC_STREAM_USER, 1, 0, r) * 10);
    double loss;
    dnc_mlp_train_step(m, x, y, batch, &loss); /* warm-up */
    size_t steps = 0;
    double t0 = dnc_wall_time(), el;
    do {
        dnc_mlp_train_step(m, x, y, batch, &loss);
        steps++;
        el = dnc_wall_time() - t0;
    } while (el < 1.0 || steps < 3);
    free(x);
    free(y);
    dnc_mlp_model_free(m);
    return (double)(steps * batch) / el;
}

/* Runs the NumPy script on all configurations; fills rate[i]. */
static int bench_numpy(int threads, char **specs, int n, double *rate)
{
    char cmd[4096];
    int len = snprintf(cmd, sizeof cmd,
                       "OPENBLAS_NUM_THREADS=%d OMP_NUM_THREADS=%d /usr/bin/python3 "
                       "%s/bench/train_numpy.py",
                       threads, threads, DNNCRIT_SOURCE_DIR);
    for (int i = 0; i < n; i++)
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %s", specs[i]);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    for (int i = 0; i < n; i++) {
        unsigned w, d, b;
        if (fscanf(p, "%u %u %u %lf", &w, &d, &b, &rate[i]) != 4) {
            pclose(p);
            return -1;
        }
    }
    return pclose(p) == 0 ? 0 : -1;
}

/* On a shared machine the load changes from second to second: each
 * configuration alternates NumPy and dnncrit ROUNDS times and keeps the
 * best rate of each (the least disturbed run). */
#define ROUNDS 3

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1)
        threads = 1;
    static char *defaults[] = {"128,4,64", "256,10,128", "512,4,256", "128,40,64"};
    char **specs = argc > 2 ? argv + 2 : defaults;
    int n = argc > 2 ? argc - 2 : 4;
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    printf("threads %d, float32, tanh MLP 784 -> depth x width -> 10, SGD momentum, best of %d\n",
           threads, ROUNDS);
    printf("%6s %6s %6s %14s %14s %7s\n", "width", "depth", "batch", "dnncrit [1/s]",
           "numpy [1/s]", "ratio");
    for (int i = 0; i < n; i++) {
        unsigned w, d, b;
        if (sscanf(specs[i], "%u,%u,%u", &w, &d, &b) != 3 || !w || !d || !b) {
            fprintf(stderr, "bench_train: bad configuration '%s' (want width,depth,batch)\n",
                    specs[i]);
            return 2;
        }
        double best_c = 0, best_np = 0;
        for (int r = 0; r < ROUNDS; r++) {
            double np_rate;
            if (bench_numpy(threads, specs + i, 1, &np_rate) != 0) {
                fprintf(stderr,
                        "bench_train: the NumPy comparison failed (is python3-numpy installed?)\n");
                return 1;
            }
            double c = bench_c(w, d, b);
            best_np = np_rate > best_np ? np_rate : best_np;
            best_c = c > best_c ? c : best_c;
        }
        printf("%6u %6u %6u %14.0f %14.0f %7.2f\n", w, d, b, best_c, best_np, best_c / best_np);
        fflush(stdout);
    }
    return 0;
}
