/* Engines: the propagation algorithm (src/engines/propagate.c) on the
 * reference engine against the CPU engine, observables from Gram matrices,
 * device selection errors, and, only where a GPU is present, the CUDA
 * engine against the CPU (bitwise weights, observables to rounding). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engines/engine.h"
#include "engines/gemm_colmajor.h"
#include "dnncrit/device.h"
#include "dnncrit/observables.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"
#include "dnncrit/train.h"
#include "testutil.h"

static dnc_propagate_opts base_opts(void)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.width = 61;
    o.net.input_width = 29;
    o.net.depth = 12;
    o.net.sigma_w = 1.3;
    o.net.sigma_b = 0.2;
    o.net.seed = 5;
    o.batch = 5;
    o.lyapunov = true;
    return o;
}

/* Both compute h with OpenBLAS DGEMM but with other blockings and padding,
 * and norms through a Gram product instead of dnc_dot: they
 * differ by rounding, ~sqrt(K) eps ~ 1e-15 relative per layer, amplified at
 * most by chi_1^l. The configurations below stay at or below l = 12 layers
 * with ln chi_1 < 0.6, so 1e-9 leaves two orders of magnitude of margin. */
static void assert_results_close(const dnc_propagate_result *a, const dnc_propagate_result *b,
                                 double tol)
{
    assert_int_equal(a->depth, b->depth);
    for (size_t l = 0; l < a->depth; l++) {
        assert_true(fabs(a->q[l] - b->q[l]) <= tol * fabs(b->q[l]));
        if (isnan(b->c[l])) {
            assert_true(isnan(a->c[l]));
            continue;
        }
        assert_true(fabs(a->c[l] - b->c[l]) <= tol);
        assert_true(fabs(a->rho[l] - b->rho[l]) <= tol);
        if (b->lyap)
            assert_true(fabs(a->lyap[l] - b->lyap[l]) <= tol);
    }
    if (b->lyap)
        assert_true(fabs(a->lyapunov - b->lyapunov) <= tol);
    assert_true(a->flops == b->flops);
}

/* The algorithm on the reference engine against dnc_propagate (the CPU engine). */
static void compare_host_driver(const dnc_propagate_opts *o)
{
    dnc_propagate_result cpu, dev;
    assert_int_equal(dnc_propagate(o, &cpu), DNC_OK);
    dnc_engine_ops ops;
    assert_int_equal(dnc_reference_engine_open(&ops, o), DNC_OK);
    assert_int_equal(dnc_propagate_on(o, &ops, &dev), DNC_OK);
    ops.close(ops.ctx);
    assert_string_equal(dev.device, "CPU (reference engine)");
    assert_results_close(&dev, &cpu, 1e-9);
    dnc_propagate_result_free(&cpu);
    dnc_propagate_result_free(&dev);
}

/* cuBLAS's column-major C = op1(X) op2(Y), naively, with cuBLAS's
 * conventions for leading dimensions (X stored k x m when transposed). */
static void colmajor_gemm(bool t1, bool t2, size_t m, size_t n, size_t k, const double *X,
                          size_t ldx, const double *Y, size_t ldy, double *C, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t l = 0; l < k; l++)
                s += (t1 ? X[l + i * ldx] : X[i + l * ldx]) * (t2 ? Y[j + l * ldy] : Y[l + j * ldy]);
            C[i + j * ldc] = s;
        }
}

/* The operand swap the CUDA backend uses for every cuBLAS product, checked
 * for all four transposition cases with padded leading dimensions. */
static void test_rowmajor_to_cublas_mapping(void **state)
{
    (void)state;
    enum { M = 5, N = 4, K = 3, PAD = 2 };
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            size_t lda = (ta ? M : K) + PAD, ldb = (tb ? K : N) + PAD, ldc = N + PAD;
            double A[(M + PAD) * (K + PAD)], B[(K + PAD) * (N + PAD)], C[M * (N + PAD)];
            dnc_normal_fill(4, DNC_STREAM_USER, 2, 0, A, sizeof A / sizeof A[0]);
            dnc_normal_fill(4, DNC_STREAM_USER, 2, 1, B, sizeof B / sizeof B[0]);
            dnc_colmajor_call g = dnc_rowmajor_gemm_as_colmajor(ta, tb, M, N, K);
            colmajor_gemm(g.first_trans, g.second_trans, g.m, g.n, g.k, B, ldb, A, lda, C, ldc);
            for (size_t i = 0; i < M; i++)
                for (size_t j = 0; j < N; j++) {
                    double s = 0; /* row-major op(A) op(B) */
                    for (size_t l = 0; l < K; l++)
                        s += (ta ? A[l * lda + i] : A[i * lda + l]) *
                             (tb ? B[j * ldb + l] : B[l * ldb + j]);
                    /* the same three products in the same order: equal up to a
                     * compiler's multiply-add fusion; a wrong mapping is off by O(1) */
                    assert_true(fabs(C[i * ldc + j] - s) <= 1e-14 * (1 + fabs(s)));
                }
        }
}

static void test_gram_observables_match_direct(void **state)
{
    (void)state;
    enum { B = 7, N = 101 };
    double Y[B * N], G[B * B], work[B * B];
    dnc_normal_fill(3, DNC_STREAM_USER, 0, 0, Y, B * N);
    for (size_t i = 0; i < N; i++) /* correlate the rows */
        for (size_t b = 1; b < B; b++)
            Y[b * N + i] += 0.7 * Y[i];
    for (size_t a = 0; a < B; a++) /* a naive Gram matrix, independent of dnc_gemm_nt */
        for (size_t b = 0; b < B; b++) {
            double s = 0;
            for (size_t i = 0; i < N; i++)
                s += Y[a * N + i] * Y[b * N + i];
            G[a * B + b] = s;
        }
    /* sums of 101 products in another order: 1e-13 relative is ~100 eps */
    double c = dnc_obs_mean_cosine(Y, B, N, work), cg = dnc_obs_mean_cosine_gram(G, B);
    assert_true(fabs(c - cg) <= 1e-13);
    assert_true(c > 0.2 && c < 0.9); /* the correlation put in is visible */
    double q = dnc_obs_mean_square(Y, B, N), qg = dnc_obs_mean_square_gram(G, B, N);
    assert_true(fabs(q - qg) <= 1e-13 * q);
    assert_true(isnan(dnc_obs_mean_cosine_gram(G, 1)));
}

static void test_driver_plain_tanh(void **state)
{
    (void)state;
    dnc_propagate_opts o = base_opts();
    compare_host_driver(&o);
}

static void test_driver_post_relu_chaotic(void **state)
{
    (void)state;
    dnc_propagate_opts o = base_opts();
    o.net.activation = DNC_ACT_ERF;
    o.net.sigma_w = 2.0;
    o.corr = DNC_CORR_POST;
    compare_host_driver(&o);
    o.net.activation = DNC_ACT_RELU;
    o.net.sigma_w = 1.4;
    o.net.input_width = 0;
    compare_host_driver(&o);
}

static void test_driver_residual_and_wide_input(void **state)
{
    (void)state;
    dnc_propagate_opts o = base_opts();
    o.residual_alpha = 0.3;
    o.net.input_width = 0; /* layer 1 residual too */
    compare_host_driver(&o);
    o.net.input_width = 97; /* fan-in above the width: kmax = n0 */
    o.lyapunov = false;
    o.batch = 1;            /* no pairs: c is NaN on both */
    compare_host_driver(&o);
}

typedef struct {
    size_t calls, layers_seen;
    double last_sum;
} observer_log;

static dnc_status log_layer(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    observer_log *g = ctx;
    g->calls++;
    g->layers_seen = layer;
    g->last_sum = 0;
    for (size_t i = 0; i < B * N; i++)
        g->last_sum += H[i];
    return DNC_OK;
}

static dnc_status scaled_identity(void *ctx, size_t layer, double *W, double *b)
{
    const dnc_mlp_config *cfg = ctx;
    size_t K = dnc_mlp_fan_in(cfg, layer);
    for (size_t r = 0; r < cfg->width; r++) {
        for (size_t j = 0; j < K; j++)
            W[r * K + j] = (r % K == j) ? 0.9 : 0.01 * (double)((r + j) % 3);
        b[r] = 0.05 * (double)(r % 2);
    }
    return DNC_OK;
}

static void test_driver_provider_and_observer(void **state)
{
    (void)state;
    dnc_propagate_opts o = base_opts();
    o.provider = scaled_identity;
    o.provider_ctx = &o.net;
    observer_log cpu_log = {0}, dev_log = {0};
    o.observer = log_layer;
    o.observer_ctx = &cpu_log;
    dnc_propagate_result cpu;
    assert_int_equal(dnc_propagate(&o, &cpu), DNC_OK);
    dnc_propagate_result_free(&cpu);
    o.observer_ctx = &dev_log;
    compare_host_driver(&o);
    /* compare_host_driver ran both again: the last run is the driver's */
    assert_int_equal(dev_log.calls, 2 * o.net.depth);
    assert_int_equal(dev_log.layers_seen, o.net.depth);
    assert_true(fabs(dev_log.last_sum - cpu_log.last_sum) <= 1e-9 * fabs(cpu_log.last_sum));
}

static void test_driver_reports_overflow(void **state)
{
    (void)state;
    dnc_propagate_opts o = base_opts();
    o.net.activation = DNC_ACT_LINEAR;
    o.net.sigma_w = 1e30;
    o.net.depth = 40;
    dnc_propagate_result res;
    assert_int_equal(dnc_propagate(&o, &res), DNC_ENUM);
    char cpu_error[512];
    snprintf(cpu_error, sizeof cpu_error, "%s", dnc_last_error());
    dnc_engine_ops ops;
    assert_int_equal(dnc_reference_engine_open(&ops, &o), DNC_OK);
    assert_int_equal(dnc_propagate_on(&o, &ops, &res), DNC_ENUM);
    ops.close(ops.ctx);
    assert_null(res.q); /* a failed run leaves no result behind */
    assert_string_equal(dnc_last_error(), cpu_error); /* the same layer overflows */
    assert_non_null(strstr(dnc_last_error(), "overflowed"));
}

static void test_device_names(void **state)
{
    (void)state;
    dnc_device_kind d;
    assert_int_equal(dnc_device_parse("cuda", &d), DNC_OK);
    assert_int_equal(d, DNC_DEVICE_CUDA);
    assert_string_equal(dnc_device_name(d), "cuda");
    assert_int_equal(dnc_device_parse("cpu", &d), DNC_OK);
    assert_int_equal(d, DNC_DEVICE_CPU);
    assert_int_equal(dnc_device_parse("gpu", &d), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "'gpu'"));

    dnc_propagate_opts o = base_opts();
    o.device = DNC_DEVICE_CUDA;
    o.product = DNC_PRODUCT_PORTABLE;
    dnc_propagate_result res;
    assert_int_equal(dnc_propagate(&o, &res), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "portable"));
}

/* ---- the engines' weights */

/* An engine's linear primitive draws layer `layer`'s Philox weights bit for
 * bit: on identity inputs it gives W^T exactly (one product by 1, the rest
 * by 0, whatever the summation order or fused multiply-adds). */
static void assert_engine_weights_bitwise(const dnc_engine_ops *e, const dnc_mlp_config *cfg,
                                          size_t layer)
{
    size_t K = dnc_mlp_fan_in(cfg, layer), N = cfg->width, n = N * K;
    double *W = malloc(n * sizeof *W), *Wt = malloc(n * sizeof *Wt);
    double *I = calloc(K * K, sizeof *I);
    assert_true(W && Wt && I);
    for (size_t k = 0; k < K; k++)
        I[k * K + k] = 1;
    double *A = e->alloc(e->ctx, K, K), *H = e->alloc(e->ctx, K, N);
    assert_true(A && H);
    assert_int_equal(e->upload(e->ctx, A, I, K * K), DNC_OK);
    assert_int_equal(e->linear(e->ctx, cfg, layer, NULL, K, A, K, H, N), DNC_OK);
    assert_int_equal(e->download(e->ctx, Wt, H, n), DNC_OK);
    dnc_mlp_layer_weights(cfg, layer, W);
    for (size_t r = 0; r < N; r++)
        for (size_t k = 0; k < K; k++)
            assert_memory_equal(&W[r * K + k], &Wt[k * N + r], sizeof *W);
    e->release(e->ctx, A);
    e->release(e->ctx, H);
    free(W);
    free(Wt);
    free(I);
}

/* The check the GPU gets below, on the CPU engines (both products, the
 * OpenBLAS one with its padded rows) and the reference engine. */
static void test_engines_draw_the_philox_weights(void **state)
{
    (void)state;
    dnc_propagate_opts o = base_opts(); /* odd fan-in 29 in layer 1 */
    for (int engine = 0; engine < 3; engine++) {
        o.product = engine == 1 ? DNC_PRODUCT_PORTABLE : DNC_PRODUCT_OPENBLAS;
        dnc_engine_ops ops;
        assert_int_equal(engine == 2 ? dnc_reference_engine_open(&ops, &o)
                                     : dnc_cpu_engine_open(&ops, &o),
                         DNC_OK);
        assert_engine_weights_bitwise(&ops, &o.net, 1);
        assert_engine_weights_bitwise(&ops, &o.net, 7);
        ops.close(ops.ctx);
    }
}

/* ---- the CUDA backend, where this build and machine have one */

static void gpu_checks(void)
{
    dnc_propagate_opts o = base_opts();
    o.net.width = 1000; /* odd fan-in 29 in layer 1: half-used Philox blocks */
    dnc_engine_ops gpu;
    assert_int_equal(dnc_cuda_engine_open(&gpu, &o), DNC_OK);
    assert_engine_weights_bitwise(&gpu, &o.net, 1);
    assert_engine_weights_bitwise(&gpu, &o.net, 7);
    gpu.close(gpu.ctx);

    /* cuBLAS sums in another order and the GPU's tanh is within 2 ulp of
     * glibc's: the same 1e-9 bound as the reference driver (see above) */
    dnc_propagate_opts configs[3] = {base_opts(), base_opts(), base_opts()};
    configs[0].net.width = 1000;
    configs[1].net.activation = DNC_ACT_RELU;
    configs[1].corr = DNC_CORR_POST;
    configs[2].residual_alpha = 0.5;
    configs[2].net.input_width = 0;
    for (size_t i = 0; i < 3; i++) {
        dnc_propagate_result cpu, dev;
        assert_int_equal(dnc_propagate(&configs[i], &cpu), DNC_OK);
        configs[i].device = DNC_DEVICE_CUDA;
        assert_int_equal(dnc_propagate(&configs[i], &dev), DNC_OK);
        assert_results_close(&dev, &cpu, 1e-9);
        dnc_propagate_result_free(&cpu);
        dnc_propagate_result_free(&dev);
    }
}

/* ---- training on the device */

static dnc_train_config small_train_config(dnc_precision p, dnc_optimizer opt)
{
    dnc_train_config c = dnc_train_config_default();
    c.net.width = 40;
    c.net.depth = 3;
    c.nclasses = 5;
    c.precision = p;
    c.optimizer = opt;
    c.lr = 0.05;
    c.quiet = true;
    return c;
}

enum { TB = 24, TDIM = 30, TSTEPS = 6 };

static void synthetic_batch(float *X, uint8_t *y)
{
    double g[TB * TDIM];
    dnc_normal_fill(9, DNC_STREAM_USER, 1, 0, g, TB * TDIM);
    for (size_t i = 0; i < TB * TDIM; i++)
        X[i] = (float)g[i];
    for (size_t r = 0; r < TB; r++)
        y[r] = (uint8_t)((r * 7) % 5);
}

/* Loss before each of TSTEPS steps, then the parameters. */
static double *train_trace(const dnc_train_config *c, double *loss)
{
    float X[TB * TDIM];
    uint8_t y[TB];
    synthetic_batch(X, y);
    dnc_mlp_model *m;
    assert_int_equal(dnc_mlp_model_new(c, TDIM, &m), DNC_OK);
    for (size_t s = 0; s < TSTEPS; s++)
        assert_int_equal(dnc_mlp_train_step(m, X, y, TB, &loss[s]), DNC_OK);
    double *theta = malloc(dnc_mlp_model_nparams(m) * sizeof *theta);
    dnc_mlp_model_get_params(m, theta);
    dnc_mlp_model_free(m);
    return theta;
}

/* GPU against CPU training: cuBLAS sums in another order and the GPU's
 * float tanh is computed in double, so the two differ by rounding, which
 * six steps of SGD / Adam at lr 0.05 amplify little: 1e-9 relative in
 * float64 (eps 2e-16), 1e-3 in float32 (eps 6e-8). */
static void gpu_train_checks(void)
{
    dnc_precision precs[2] = {DNC_PREC_DOUBLE, DNC_PREC_FLOAT};
    dnc_optimizer opts[2] = {DNC_OPTIM_SGD, DNC_OPTIM_ADAM};
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++) {
            dnc_train_config c = small_train_config(precs[i], opts[j]);
            double lc[TSTEPS], lg[TSTEPS], tol = i == 0 ? 1e-9 : 1e-3;
            double *tc = train_trace(&c, lc);
            c.device = DNC_DEVICE_CUDA;
            double *tg = train_trace(&c, lg);
            for (size_t s = 0; s < TSTEPS; s++)
                assert_true(fabs(lg[s] - lc[s]) <= tol * fabs(lc[s]));
            assert_true(lc[TSTEPS - 1] < lc[0]); /* it learns */
            dnc_mlp_model *m;
            assert_int_equal(dnc_mlp_model_new(&c, TDIM, &m), DNC_OK);
            for (size_t k = 0; k < dnc_mlp_model_nparams(m); k++)
                assert_true(fabs(tg[k] - tc[k]) <= tol * (fabs(tc[k]) + 1e-3));
            dnc_mlp_model_free(m);
            free(tc);
            free(tg);
        }
}

static void assert_no_gpu_training(const char *why)
{
    dnc_train_config c = small_train_config(DNC_PREC_FLOAT, DNC_OPTIM_SGD);
    c.device = DNC_DEVICE_CUDA;
    dnc_mlp_model *m = (dnc_mlp_model *)&c; /* any non-NULL value: model_new must reset it */
    assert_int_equal(dnc_mlp_model_new(&c, TDIM, &m), DNC_EUNSUPPORTED);
    assert_null(m);
    assert_string_equal(dnc_last_error(), why);
}

/* The commands refuse --device cuda before writing anything. */
static void assert_no_gpu_cli(const char *why)
{
    char *dir = tu_tmpdir();
    FILE *f = fopen(tu_path(dir, "s.cfg"), "w");
    assert_non_null(f);
    fputs("type = propagate\nwidth = 32\ndepth = 3\nsigma_w = 1,1.5\ndevice = cuda\n", f);
    fclose(f);
    const char *runs[] = {"propagate --depth 3 --width 16 --device cuda --out %s/p",
                          "train --device cuda --epochs 1 --train-size 100 --test-size 50 --out %s/t",
                          "sweep %s/s.cfg --out-dir %s/sw"};
    for (size_t i = 0; i < 3; i++) {
        char args[4200];
        snprintf(args, sizeof args, runs[i], dir, dir);
        assert_int_equal(tu_run_cli(dir, "%s", args), 1);
        char *err = tu_read(tu_path(dir, "stderr"));
        assert_non_null(strstr(err, why));
        free(err);
    }
    /* s.cfg, stdout and stderr only: no result files, no sweep directory */
    assert_int_equal(tu_count_entries(dir), 3);
    tu_rmtree(dir);
    free(dir);
}

static void test_cnn_training_stays_on_cpu(void **state)
{
    (void)state;
    dnc_train_config c = small_train_config(DNC_PREC_FLOAT, DNC_OPTIM_SGD);
    c.model = DNC_MODEL_CNN;
    c.device = DNC_DEVICE_CUDA;
    assert_int_equal(dnc_train_config_validate(&c), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "CNN training runs on the CPU only"));
    c.device = (dnc_device_kind)7;
    c.model = DNC_MODEL_MLP;
    assert_int_equal(dnc_train_config_validate(&c), DNC_EINVAL);
}

static void test_cuda_backend_or_clear_error(void **state)
{
    (void)state;
    char desc[160];
    dnc_status st = dnc_cuda_describe(desc, sizeof desc);
    if (st == DNC_OK) {
        printf("CUDA device: %s\n", desc);
        gpu_checks();
        gpu_train_checks();
        return;
    }
    assert_int_equal(st, DNC_EUNSUPPORTED);
    char why[512];
    snprintf(why, sizeof why, "%s", dnc_last_error());
    assert_true(strlen(why) > 20);
    if (!dnc_cuda_built())
        assert_non_null(strstr(why, "built without the CUDA backend"));
    printf("no CUDA backend here: %s\n", why);
    dnc_propagate_opts o = base_opts();
    o.device = DNC_DEVICE_CUDA;
    dnc_propagate_result res;
    assert_int_equal(dnc_propagate(&o, &res), DNC_EUNSUPPORTED);
    assert_null(res.q);
    assert_string_equal(dnc_last_error(), why);
    assert_no_gpu_training(why);
    assert_int_equal(dnc_device_available(DNC_DEVICE_CPU), DNC_OK);
    assert_int_equal(dnc_device_available(DNC_DEVICE_CUDA), DNC_EUNSUPPORTED);
    assert_no_gpu_cli(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rowmajor_to_cublas_mapping),
        cmocka_unit_test(test_gram_observables_match_direct),
        cmocka_unit_test(test_driver_plain_tanh),
        cmocka_unit_test(test_driver_post_relu_chaotic),
        cmocka_unit_test(test_driver_residual_and_wide_input),
        cmocka_unit_test(test_driver_provider_and_observer),
        cmocka_unit_test(test_driver_reports_overflow),
        cmocka_unit_test(test_engines_draw_the_philox_weights),
        cmocka_unit_test(test_device_names),
        cmocka_unit_test(test_cnn_training_stays_on_cpu),
        cmocka_unit_test(test_cuda_backend_or_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
