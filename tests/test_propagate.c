/* Propagation engine: against a naive double loop, closed forms of linear
 * networks, bitwise determinism over threads and batch splits, inputs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <gsl/gsl_sf_psi.h>
#include <omp.h>

#include "dnncrit/observables.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"
#include "propagate_out.h"
#include "testutil.h"

/* ---- capture every layer's pre-activations through the observer */
typedef struct {
    size_t depth, B, N;
    double *H; /* depth x B x N */
} capture;

static dnc_status capture_layer(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    capture *c = ctx;
    assert_int_equal(B, c->B);
    assert_int_equal(N, c->N);
    memcpy(c->H + (layer - 1) * B * N, H, B * N * sizeof *H);
    return DNC_OK;
}

static capture capture_new(size_t depth, size_t B, size_t N)
{
    capture c = {depth, B, N, calloc(depth * B * N, sizeof(double))};
    assert_non_null(c.H);
    return c;
}

static const double *captured(const capture *c, size_t layer, size_t b)
{
    return c->H + ((layer - 1) * c->B + b) * c->N;
}

static dnc_propagate_opts small_opts(void)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.width = 37;
    o.net.input_width = 23;
    o.net.depth = 5;
    o.net.activation = DNC_ACT_TANH;
    o.net.sigma_w = 1.5;
    o.net.sigma_b = 0.3;
    o.net.seed = 11;
    o.batch = 3;
    o.input_q = 0.8;
    o.input_c = 0.4;
    o.lyapunov = true;
    return o;
}

/* ---- the slow reference: whole weight matrices and plain loops */
typedef struct {
    double *H;    /* depth x B x N */
    double *lyap; /* depth */
} naive_result;

static naive_result naive_propagate(const dnc_propagate_opts *o, const double *X)
{
    size_t N = o->net.width, n0 = dnc_mlp_input_width(&o->net), B = o->batch, L = o->net.depth;
    size_t kmax = n0 > N ? n0 : N;
    naive_result r = {calloc(L * B * N, sizeof(double)), calloc(L, sizeof(double))};
    double *W = malloc(N * kmax * sizeof *W), *bias = malloc(N * sizeof *bias);
    double *a = malloc(B * kmax * sizeof *a), *v = malloc(kmax * sizeof *v);
    double *u = malloc(kmax * sizeof *u), *hprev = calloc(B * N, sizeof *hprev);
    double *vprev = calloc(N, sizeof *vprev);
    memcpy(a, X, B * n0 * sizeof *X);
    dnc_normal_fill(o->net.seed, DNC_STREAM_TANGENT, 0, 0, u, n0);
    double norm = 0;
    for (size_t k = 0; k < n0; k++)
        norm += u[k] * u[k];
    for (size_t k = 0; k < n0; k++)
        u[k] /= sqrt(norm);
    for (size_t l = 1; l <= L; l++) {
        size_t K = dnc_mlp_fan_in(&o->net, l);
        bool residual = o->residual_alpha > 0 && K == N;
        dnc_mlp_layer_weights(&o->net, l, W);
        dnc_mlp_layer_bias(&o->net, l, bias);
        if (residual && l == 1) {
            memcpy(hprev, X, B * N * sizeof *X);
            memcpy(vprev, u, N * sizeof *u);
        }
        for (size_t b = 0; b < B; b++) {
            double *h = r.H + ((l - 1) * B + b) * N;
            for (size_t i = 0; i < N; i++) {
                double s = 0;
                for (size_t k = 0; k < K; k++)
                    s += a[b * K + k] * W[i * K + k];
                s += bias[i];
                h[i] = residual ? hprev[b * N + i] + o->residual_alpha * s : s;
            }
        }
        double nv = 0;
        for (size_t i = 0; i < N; i++) {
            double s = 0;
            for (size_t k = 0; k < K; k++)
                s += u[k] * W[i * K + k];
            v[i] = residual ? vprev[i] + o->residual_alpha * s : s;
            nv += v[i] * v[i];
        }
        r.lyap[l - 1] = 0.5 * log(nv);
        for (size_t i = 0; i < N; i++)
            v[i] /= sqrt(nv);
        const double *h0 = r.H + (l - 1) * B * N;
        for (size_t b = 0; b < B; b++)
            for (size_t i = 0; i < N; i++)
                a[b * N + i] = dnc_phi(o->net.activation, r.H[((l - 1) * B + b) * N + i]);
        for (size_t i = 0; i < N; i++)
            u[i] = dnc_dphi(o->net.activation, h0[i]) * v[i];
        memcpy(hprev, h0, B * N * sizeof *hprev);
        memcpy(vprev, v, N * sizeof *v);
    }
    free(W), free(bias), free(a), free(v), free(u), free(hprev), free(vprev);
    return r;
}

static double naive_cosine_mean(const double *H, size_t B, size_t N, dnc_activation act, bool post)
{
    double sum = 0;
    for (size_t a = 0; a < B; a++)
        for (size_t b = a + 1; b < B; b++) {
            double xy = 0, xx = 0, yy = 0;
            for (size_t i = 0; i < N; i++) {
                double x = H[a * N + i], y = H[b * N + i];
                if (post)
                    x = dnc_phi(act, x), y = dnc_phi(act, y);
                xy += x * y, xx += x * x, yy += y * y;
            }
            sum += xy / sqrt(xx * yy);
        }
    return sum / (double)(B * (B - 1) / 2);
}

/* Norm-wise relative difference of two B x N blocks. */
static double rel_diff(const double *x, const double *y, size_t n)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        d += (x[i] - y[i]) * (x[i] - y[i]), s += y[i] * y[i];
    return s > 0 ? sqrt(d / s) : sqrt(d);
}

/* Portable product: dnc_gemm_nt sums every element in increasing k with
 * separate multiply and add, exactly like the loops above (tests are ISO C
 * too, so no FMA contraction), and the bias and residual updates are the
 * same formulas: pre-activations must agree bit for bit.
 * OpenBLAS product: another summation order (blocked k, FMA). Each sum of
 * K <= 700 terms then differs by at most ~K eps sum_k |a_k w_k|, which for
 * random signs is ~sqrt(K) |h|: a worst case of K^{3/2} eps = 2e-12
 * relative per layer (typical: sqrt(K) eps ~ 3e-15). Over <= 5 layers, with
 * tanh/relu contracting and sigma_w <= 1.5 amplifying, 1e-10 (norm-wise)
 * bounds it, while a wrong index or a missing row would be off at O(1).
 * q, c and the log growth are reduced in a different order (dnc_dot's
 * four partial sums), which moves them by a few ulp times the number of
 * terms (<= 3 x 37): 1e-12 bounds that (plus, for OpenBLAS, the
 * pre-activation tolerance: q, c, lyap are smooth in h). */
static void check_against_naive_with(dnc_propagate_opts o, dnc_product_kind product)
{
    o.product = product;
    bool exact = product == DNC_PRODUCT_PORTABLE;
    double tol = exact ? 1e-12 : 1e-10;
    size_t N = o.net.width, B = o.batch, L = o.net.depth, n0 = dnc_mlp_input_width(&o.net);
    double *X = malloc(B * n0 * sizeof *X);
    assert_int_equal(dnc_make_inputs(&o, X), DNC_OK);
    naive_result ref = naive_propagate(&o, X);
    capture cap = capture_new(L, B, N);
    o.observer = capture_layer;
    o.observer_ctx = &cap;
    dnc_propagate_result res;
    assert_int_equal(dnc_propagate(&o, &res), DNC_OK);
    if (exact)
        assert_memory_equal(cap.H, ref.H, L * B * N * sizeof(double));
    for (size_t l = 1; l <= L; l++) {
        const double *H = ref.H + (l - 1) * B * N;
        assert_true(rel_diff(cap.H + (l - 1) * B * N, H, B * N) <= (exact ? 0 : tol));
        double q = 0;
        for (size_t i = 0; i < B * N; i++)
            q += H[i] * H[i];
        q /= (double)(B * N);
        assert_true(fabs(res.q[l - 1] - q) <= tol * q);
        double c = naive_cosine_mean(H, B, N, o.net.activation, o.corr == DNC_CORR_POST);
        assert_true(fabs(res.c[l - 1] - c) <= tol);
        assert_true(fabs(res.rho[l - 1] - (1 - c)) <= tol);
        assert_true(fabs(res.lyap[l - 1] - ref.lyap[l - 1]) <= tol);
    }
    assert_true(res.flops > 0);
    dnc_propagate_result_free(&res);
    free(ref.H), free(ref.lyap), free(cap.H), free(X);
}

static void check_against_naive(dnc_propagate_opts o)
{
    check_against_naive_with(o, DNC_PRODUCT_PORTABLE);
    check_against_naive_with(o, DNC_PRODUCT_OPENBLAS);
}

static void test_matches_naive_pre(void **state)
{
    (void)state;
    check_against_naive(small_opts());
}

static void test_matches_naive_post_relu_wide_input(void **state)
{
    (void)state;
    dnc_propagate_opts o = small_opts();
    o.corr = DNC_CORR_POST;
    o.net.activation = DNC_ACT_RELU;
    o.net.sigma_w = 1.4;
    o.net.input_width = 61; /* wider than the hidden layers */
    check_against_naive(o);
}

static void test_matches_naive_residual(void **state)
{
    (void)state;
    dnc_propagate_opts o = small_opts();
    o.residual_alpha = 0.3;
    o.net.input_width = 0; /* layer 1 is residual too */
    check_against_naive(o);
    o.net.input_width = 19; /* layer 1 plain, the rest residual */
    check_against_naive(o);
}

static void test_matches_naive_many_blocks(void **state)
{
    (void)state;
    /* fan-ins 700 and 500: several weight blocks, the last one partial */
    dnc_propagate_opts o = small_opts();
    o.net.width = 500;
    o.net.input_width = 700;
    o.net.depth = 3;
    o.batch = 2;
    check_against_naive(o);
}

/* Batches of 64 and more: the large-batch weight blocks, and the bias,
 * activation and Gram loops split over threads (rows x N >= 2^14 numbers,
 * B^2 N / 2 >= 2^20 multiply-adds). The tolerances above hold: K <= 400
 * terms per sum (portable: every H bit equal; the Gram's entries are
 * sequential sums of N = 400 terms against the naive loop's, a few ulp
 * times 400 < 1e-13 on a cosine), and the mean over 3160 pairs only
 * averages those errors. */
static void test_matches_naive_large_batch(void **state)
{
    (void)state;
    dnc_propagate_opts o = small_opts();
    o.net.width = 400;
    o.net.input_width = 300;
    o.net.depth = 3;
    o.batch = 80;
    check_against_naive(o);
    o.corr = DNC_CORR_POST;
    o.residual_alpha = 0.5; /* layers 2, 3 residual */
    check_against_naive(o);
}

/* ---- determinism */
static capture run_capture(dnc_propagate_opts o, const double *X, size_t B, int threads,
                           dnc_propagate_result *res)
{
    o.inputs = X;
    o.batch = B;
    capture cap = capture_new(o.net.depth, B, o.net.width);
    o.observer = capture_layer;
    o.observer_ctx = &cap;
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    assert_int_equal(dnc_propagate(&o, res), DNC_OK);
    omp_set_num_threads(saved);
    return cap;
}

static dnc_propagate_opts determinism_opts(void)
{
    dnc_propagate_opts o = small_opts();
    o.net.width = 400; /* several weight blocks per layer, the last one partial */
    o.net.input_width = 300;
    o.net.depth = 4;
    o.net.sigma_w = 1.2;
    return o;
}

static void assert_same_layers(const capture *a, size_t ia, const capture *b, size_t ib,
                               size_t count)
{
    for (size_t l = 1; l <= a->depth; l++)
        assert_memory_equal(captured(a, l, ia), captured(b, l, ib), count * a->N * sizeof(double));
}

/* Both products promise the same bits for any thread count and on a
 * rerun (with the same OpenBLAS kernel, for `openblas`): 1, 2 and 3
 * threads, 1 thread again, and 4 threads (more than the pool has cores). */
static void check_identical_over_threads_at(dnc_propagate_opts o, dnc_product_kind product,
                                           size_t B)
{
    o.product = product;
    o.batch = B;
    double *X = malloc(B * dnc_mlp_input_width(&o.net) * sizeof *X);
    assert_int_equal(dnc_make_inputs(&o, X), DNC_OK);
    dnc_propagate_result r1, r2;
    capture c1 = run_capture(o, X, B, 1, &r1);
    const int threads[] = {2, 3, 1, 4};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        capture c2 = run_capture(o, X, B, threads[t], &r2);
        assert_same_layers(&c1, 0, &c2, 0, B);
        size_t L = o.net.depth;
        assert_memory_equal(r1.q, r2.q, L * sizeof(double));
        assert_memory_equal(r1.c, r2.c, L * sizeof(double));
        assert_memory_equal(r1.lyap, r2.lyap, L * sizeof(double));
        dnc_propagate_result_free(&r2);
        free(c2.H);
    }
    dnc_propagate_result_free(&r1);
    free(c1.H), free(X);
}

static void check_identical_over_threads(dnc_product_kind product)
{
    check_identical_over_threads_at(determinism_opts(), product, 5);
}

static void test_bitwise_identical_over_threads_and_reruns(void **state)
{
    (void)state;
    check_identical_over_threads(DNC_PRODUCT_PORTABLE);
    check_identical_over_threads(DNC_PRODUCT_OPENBLAS);
}

/* The ziggurat weights (--normals ziggurat): the network is the rows of
 * dnc_ziggurat_fill_at scaled by sigma_w / sqrt(fan_in), the engine
 * propagates it as the naive loop does, and its promises over threads
 * are those of the Box-Muller networks. */
static void test_ziggurat_networks(void **state)
{
    (void)state;
    dnc_propagate_opts o = small_opts();
    o.net.normals = DNC_NORMALS_ZIGGURAT;
    size_t N = o.net.width, n0 = dnc_mlp_input_width(&o.net);
    double *W = malloc(N * n0 * sizeof *W), *row = malloc(n0 * sizeof *row);
    dnc_mlp_layer_weights(&o.net, 1, W);
    for (size_t r = 0; r < N; r++) {
        dnc_ziggurat_fill_at(o.net.seed, DNC_STREAM_WEIGHT, 1, (uint32_t)r, 0, row, n0);
        for (size_t j = 0; j < n0; j++)
            assert_true(W[r * n0 + j] == row[j] * (o.net.sigma_w / sqrt((double)n0)));
    }
    double *Wb = malloc(N * n0 * sizeof *Wb);
    o.net.normals = DNC_NORMALS_BOX_MULLER;
    dnc_mlp_layer_weights(&o.net, 1, Wb);
    assert_true(memcmp(W, Wb, N * n0 * sizeof *W) != 0);
    o.net.normals = DNC_NORMALS_ZIGGURAT;
    check_against_naive(o);
    dnc_propagate_opts d = determinism_opts();
    d.net.normals = DNC_NORMALS_ZIGGURAT;
    check_identical_over_threads_at(d, DNC_PRODUCT_PORTABLE, 5);
    check_identical_over_threads_at(d, DNC_PRODUCT_OPENBLAS, 96);
    free(W), free(Wb), free(row);
}

/* The same at batch sizes where every loop of the CPU engine runs on
 * threads (large-batch weight blocks; bias, activation and Gram split over
 * threads: see the thresholds in cpu_engine.c), with post-activation
 * correlations and residual layers (whose bias-and-residual update is
 * split too). */
static void test_bitwise_identical_over_threads_large_batch(void **state)
{
    (void)state;
    dnc_propagate_opts o = determinism_opts();
    o.net.depth = 3;
    for (int p = 0; p <= 1; p++) {
        check_identical_over_threads_at(o, (dnc_product_kind)p, 96);
        dnc_propagate_opts post = o;
        post.corr = DNC_CORR_POST;
        post.net.input_width = 0;
        post.residual_alpha = 0.4;
        check_identical_over_threads_at(post, (dnc_product_kind)p, 70);
    }
}

/* Propagating {x1..x4} together, or {x1,x2} and {x3,x4}, or one by one
 * (with or without the tangent row) must give each input the same bits;
 * so must a large batch (other GEMM shapes) containing them. Odd row
 * counts (1, 3, 5 inputs, with and without the tangent) are the case that
 * OpenBLAS's Haswell-family kernels get wrong and the engine's padding
 * fixes for them. */
static void check_identical_over_batch_splits(dnc_product_kind product)
{
    dnc_propagate_opts o = determinism_opts();
    o.product = product;
    enum { BIG = 40 };
    o.batch = BIG;
    o.input_c = 0.2;
    size_t n0 = 300;
    double *X = malloc(BIG * n0 * sizeof *X);
    assert_int_equal(dnc_make_inputs(&o, X), DNC_OK);
    dnc_propagate_result r;
    capture all = run_capture(o, X, 4, 2, &r);
    dnc_propagate_result_free(&r);
    capture first = run_capture(o, X, 2, 2, &r);
    dnc_propagate_result_free(&r);
    capture second = run_capture(o, X + 2 * n0, 2, 1, &r);
    dnc_propagate_result_free(&r);
    assert_same_layers(&all, 0, &first, 0, 2);
    assert_same_layers(&all, 2, &second, 0, 2);
    o.lyapunov = false;
    for (size_t b = 0; b < 4; b++) {
        capture one = run_capture(o, X + b * n0, 1, 2, &r);
        dnc_propagate_result_free(&r);
        assert_same_layers(&all, b, &one, 0, 1);
        free(one.H);
    }
    capture big = run_capture(o, X, BIG, 2, &r);
    dnc_propagate_result_free(&r);
    assert_same_layers(&all, 0, &big, 0, 4);
    for (size_t n = 3; n <= 5; n += 2)
        for (int tangent = 0; tangent <= 1; tangent++) {
            o.lyapunov = tangent;
            capture odd = run_capture(o, X + n0, n, 1 + tangent, &r);
            dnc_propagate_result_free(&r);
            assert_same_layers(&big, 1, &odd, 0, n);
            free(odd.H);
        }
    free(all.H), free(first.H), free(second.H), free(big.H), free(X);
}

/* The portable product promises batch-split invariance on every CPU. */
static void test_bitwise_identical_over_batch_splits(void **state)
{
    (void)state;
    check_identical_over_batch_splits(DNC_PRODUCT_PORTABLE);
}

/* The openblas product promises no batch-split invariance: it depends on
 * the kernel OpenBLAS picks (the CPU, or OPENBLAS_CORETYPE). With the
 * engine's padding to an even row count, OpenBLAS 0.3.21 gives it on its
 * Prescott, Core2, Penryn, Dunnington, Atom, Nano, Barcelona, Sandybridge,
 * Haswell and Zen kernels and not on Nehalem, SkylakeX and Cooperlake
 * (measured; without the padding Prescott, Core2, Haswell and Zen fail
 * too). Checked where it was measured to hold, so that the padding, which
 * keeps the numbers of earlier runs, is not lost unnoticed. */
static void test_openblas_batch_splits_where_measured(void **state)
{
    (void)state;
    static const char *const kernels[] = {"Prescott", "Core2",     "Penryn",      "Dunnington",
                                          "Atom",     "Nano",      "Barcelona",   "Sandybridge",
                                          "Haswell",  "Zen"};
    const char *core = openblas_get_corename(), *config = openblas_get_config();
    bool measured = false;
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        measured = measured || strcmp(core, kernels[i]) == 0;
    if (!measured || strncmp(config, "OpenBLAS 0.3.21 ", 16) != 0) {
        print_message("not checked: OpenBLAS kernel %s (%s)\n", core, config);
        return;
    }
    check_identical_over_batch_splits(DNC_PRODUCT_OPENBLAS);
}

/* A provider handing out the Philox weights reproduces the built-in path. */
static dnc_status philox_provider(void *ctx, size_t layer, double *W, double *b)
{
    const dnc_mlp_config *cfg = ctx;
    dnc_mlp_layer_weights(cfg, layer, W);
    dnc_mlp_layer_bias(cfg, layer, b);
    return DNC_OK;
}

static void test_provider_reproduces_generated_weights(void **state)
{
    (void)state;
    dnc_propagate_opts o = small_opts();
    dnc_propagate_result a, b;
    assert_int_equal(dnc_propagate(&o, &a), DNC_OK);
    o.provider = philox_provider;
    o.provider_ctx = &o.net;
    assert_int_equal(dnc_propagate(&o, &b), DNC_OK);
    assert_memory_equal(a.q, b.q, o.net.depth * sizeof(double));
    assert_memory_equal(a.c, b.c, o.net.depth * sizeof(double));
    assert_memory_equal(a.lyap, b.lyap, o.net.depth * sizeof(double));
    dnc_propagate_result_free(&a), dnc_propagate_result_free(&b);
}

static dnc_status nan_provider(void *ctx, size_t layer, double *W, double *b)
{
    philox_provider(ctx, layer, W, b);
    W[3] = NAN;
    return DNC_OK;
}

static dnc_status stop_at_layer_2(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    (void)H, (void)B, (void)N;
    *(size_t *)ctx = layer;
    return layer == 2 ? dnc_fail(DNC_EINVAL, "stop requested") : DNC_OK;
}

static void test_provider_and_observer_errors(void **state)
{
    (void)state;
    dnc_propagate_opts o = small_opts();
    o.provider = nan_provider;
    o.provider_ctx = &o.net;
    dnc_propagate_result r;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "not finite"));
    assert_null(r.q);
    o = small_opts();
    size_t last = 0;
    o.observer = stop_at_layer_2;
    o.observer_ctx = &last;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    assert_int_equal(last, 2);
}

/* ---- closed forms of linear networks */

/* For phi(x) = x, E[q^{l+1} | h^l] = sigma_w^2 q^l + sigma_b^2 at any
 * width, so E[q^l] = s^{2l} q^0 + sigma_b^2 sum_{j<l} s^{2j}, with q^0 the
 * mean square of the actual inputs. Checked over independent seeds against
 * the seed-to-seed standard error (5 sigma). */
static void test_linear_network_q_expectation(void **state)
{
    (void)state;
    enum { SEEDS = 24, L = 12 };
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.width = 128;
    o.net.depth = L;
    o.net.activation = DNC_ACT_LINEAR;
    o.net.sigma_w = 1.1;
    o.net.sigma_b = 0.5;
    o.batch = 4;
    o.input_c = 0;
    double ratio_sum[L] = {0}, ratio_sq[L] = {0};
    double *X = malloc(4 * 128 * sizeof *X);
    for (int s = 0; s < SEEDS; s++) {
        o.net.seed = 1000 + (uint64_t)s;
        assert_int_equal(dnc_make_inputs(&o, X), DNC_OK);
        double q0 = dnc_obs_mean_square(X, 4, 128);
        o.inputs = X;
        dnc_propagate_result r;
        assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
        o.inputs = NULL;
        double s2 = o.net.sigma_w * o.net.sigma_w, expect = q0;
        for (int l = 0; l < L; l++) {
            expect = s2 * expect + o.net.sigma_b * o.net.sigma_b;
            double ratio = r.q[l] / expect;
            ratio_sum[l] += ratio;
            ratio_sq[l] += ratio * ratio;
        }
        dnc_propagate_result_free(&r);
    }
    for (int l = 0; l < L; l++) {
        double mean = ratio_sum[l] / SEEDS;
        double sd = sqrt((ratio_sq[l] / SEEDS - mean * mean) * SEEDS / (SEEDS - 1));
        assert_true(sd > 0);
        assert_true(fabs(mean - 1) < 5 * sd / sqrt(SEEDS));
    }
    free(X);
}

/* Linear network: v^l = W v^{l-1}, |W v|^2 = (sigma_w^2 / N) chi^2_N for a
 * unit v, independently per layer, so lambda^l = ln sigma_w + (1/2) ln(chi^2_N / N)
 * with mean ln sigma_w + (psi(N/2) - ln(N/2))/2 (about -1/(2N), the
 * finite-N correction) and variance psi'(N/2)/4. The mean over L layers
 * is checked within 5 standard errors; at N = 32, L = 2000 the correction
 * (-0.0157) is about 5.6 standard errors (0.0028), so it is resolved. */
static void test_linear_lyapunov_exponent(void **state)
{
    (void)state;
    dnc_propagate_opts o = dnc_propagate_opts_default();
    enum { N = 32, L = 2000 };
    o.net.width = N;
    o.net.depth = L;
    o.net.activation = DNC_ACT_LINEAR;
    o.net.sigma_w = 0.8; /* < 1 keeps h^l bounded over 2000 layers */
    o.net.sigma_b = 0.2;
    o.net.seed = 5;
    o.lyapunov = true;
    o.batch = 2;
    dnc_propagate_result r;
    assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
    double x = N / 2.0;
    double expect = log(o.net.sigma_w) + 0.5 * (gsl_sf_psi(x) - log(x));
    double se = sqrt(gsl_sf_psi_1(x) / 4 / L);
    assert_true(fabs(r.lyapunov - expect) < 5 * se);
    /* and the naive answer without the correction is rejected */
    assert_true(fabs(r.lyapunov - log(o.net.sigma_w)) > 3 * se);
    dnc_propagate_result_free(&r);
}

/* ---- inputs */

/* Per-component variance and pairwise correlation of generated inputs:
 * with N0 = 20000 components the sample variance has relative sd
 * sqrt(2/N0) = 0.01 and the sample correlation sd <= 1/sqrt(N0) = 0.007;
 * bounds at 5 sd. */
static void test_make_inputs_statistics(void **state)
{
    (void)state;
    enum { N0 = 20000, B = 4 };
    const double cs[] = {0.0, 0.6, 1.0, -1.0 / 3, -0.1};
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.input_width = N0;
    o.batch = B;
    o.input_q = 2.5;
    double *X = malloc(B * N0 * sizeof *X);
    double work[B * B]; /* dnc_obs_cosine_workspace(B) */
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        o.input_c = cs[k];
        assert_int_equal(dnc_make_inputs(&o, X), DNC_OK);
        double q = dnc_obs_mean_square(X, B, N0);
        assert_true(fabs(q / 2.5 - 1) < 0.05);
        double c = dnc_obs_mean_cosine(X, B, N0, work);
        assert_true(fabs(c - cs[k]) < 0.035);
    }
    o.input_c = -0.5; /* below -1/(B-1) */
    assert_int_equal(dnc_make_inputs(&o, X), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "input_c"));
    free(X);
}

/* OpenBLAS runs single-threaded during propagation, and the caller's
 * thread count comes back afterwards. */
static void test_openblas_threads_restored(void **state)
{
    (void)state;
    int saved = openblas_get_num_threads();
    openblas_set_num_threads(2);
    dnc_propagate_opts o = small_opts();
    dnc_propagate_result r;
    assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
    dnc_propagate_result_free(&r);
    assert_int_equal(openblas_get_num_threads(), 2);
    openblas_set_num_threads(saved);
}

/* Two propagations running at once (as a sweep's threads would) give the
 * same bits as alone, and the OpenBLAS thread count still comes back. */
static void test_concurrent_propagations(void **state)
{
    (void)state;
    int saved = openblas_get_num_threads();
    openblas_set_num_threads(2);
    dnc_propagate_opts o = determinism_opts();
    dnc_propagate_result alone[2], together[2];
    for (int i = 0; i < 2; i++) {
        o.net.seed = 100 + (uint64_t)i;
        assert_int_equal(dnc_propagate(&o, &alone[i]), DNC_OK);
    }
    int ok[2] = {0, 0};
#pragma omp parallel for num_threads(2)
    for (int i = 0; i < 2; i++) {
        dnc_propagate_opts oi = o;
        oi.net.seed = 100 + (uint64_t)i;
        ok[i] = dnc_propagate(&oi, &together[i]) == DNC_OK;
    }
    for (int i = 0; i < 2; i++) {
        assert_true(ok[i]);
        assert_memory_equal(alone[i].q, together[i].q, o.net.depth * sizeof(double));
        assert_memory_equal(alone[i].lyap, together[i].lyap, o.net.depth * sizeof(double));
        dnc_propagate_result_free(&alone[i]), dnc_propagate_result_free(&together[i]);
    }
    assert_int_equal(openblas_get_num_threads(), 2);
    openblas_set_num_threads(saved);
}

static void test_invalid_options(void **state)
{
    (void)state;
    dnc_propagate_result r;
    dnc_propagate_opts o = small_opts();
    o.batch = 0;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "batch"));
    o = small_opts();
    o.net.sigma_w = -1;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "sigma_w"));
    o = small_opts();
    o.input_q = NAN;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    o = small_opts();
    o.residual_alpha = -0.1;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    o = small_opts();
    o.product = (dnc_product_kind)7;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "product"));
    o = small_opts();
    o.net.normals = (dnc_normals)7;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "normal transform"));
    o = small_opts();
    o.net.normals = DNC_NORMALS_ZIGGURAT;
    o.engine = DNC_ENGINE_ENSEMBLE;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EUNSUPPORTED);
    assert_non_null(strstr(dnc_last_error(), "ensemble engine draws none"));
    o = small_opts();
    o.net.normals = DNC_NORMALS_ZIGGURAT;
    o.device = DNC_DEVICE_CUDA;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EUNSUPPORTED);
    assert_non_null(strstr(dnc_last_error(), "Box-Muller normals only"));
    o = small_opts();
    double X[3 * 23] = {0};
    X[40] = NAN;
    o.inputs = X;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "input 2"));
    /* overflow is reported, not silently written as inf */
    o = small_opts();
    o.net.activation = DNC_ACT_LINEAR;
    o.net.sigma_w = 1e100;
    o.net.depth = 10;
    assert_int_equal(dnc_propagate(&o, &r), DNC_ENUM);
    assert_non_null(strstr(dnc_last_error(), "layer"));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Writes `text` to path and reads it as inputs of the given width: a
 * failure whose message holds `want`, and no array left behind. */
static void expect_inputs_error(const char *path, const char *text, size_t width,
                                const char *want)
{
    double *X = NULL;
    size_t rows, w;
    write_file(path, text);
    assert_int_equal(dnc_read_inputs_csv(path, width, &X, &rows, &w), DNC_EINVAL);
    assert_null(X);
    if (!strstr(dnc_last_error(), want))
        fail_msg("'%s': wanted '%s' in '%s'", text, want, dnc_last_error());
}

/* Commas or blanks (spaces, tabs) separate, '#' comments, blank lines and
 * "\r\n" line ends are fine; a ragged row, a wrong width, a first row of
 * names (no header), NaN, infinity or no row at all is an error naming the
 * file and line. */
static void test_read_inputs_csv(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/in.csv", dir);
    double *X;
    size_t rows, width;
    write_file(path, "# two inputs\n1, 2, 3\n\n-4e-1,5,6.5\n");
    assert_int_equal(dnc_read_inputs_csv(path, 3, &X, &rows, &width), DNC_OK);
    assert_int_equal(rows, 2);
    assert_int_equal(width, 3);
    assert_float_equal(X[3], -0.4, 0);
    assert_float_equal(X[5], 6.5, 0);
    free(X);
    assert_int_equal(dnc_read_inputs_csv(path, 0, &X, &rows, &width), DNC_OK);
    assert_int_equal(width, 3);
    free(X);
    assert_int_equal(dnc_read_inputs_csv(path, 4, &X, &rows, &width), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "in.csv:2: expected 4 fields, got 3"));
    write_file(path, "  # blanks\r\n1 2\t3\r\n\r\n4\t\t5   6\r\n");
    assert_int_equal(dnc_read_inputs_csv(path, 0, &X, &rows, &width), DNC_OK);
    assert_true(rows == 2 && width == 3);
    for (size_t i = 0; i < 6; i++)
        assert_float_equal(X[i], (double)(i + 1), 0);
    free(X);
    expect_inputs_error(path, "1,2,3\n4,5\n", 0, "in.csv:2: expected 3 fields, got 2");
    expect_inputs_error(path, "1,2,3\n", 2, "in.csv:1: expected 2 fields, got 3");
    expect_inputs_error(path, "1,2,3\n4,nan,5\n", 3,
                        "in.csv:2: field 2 'nan' is not a finite number");
    expect_inputs_error(path, "1,2,3\n4,-inf,6\n", 0, "in.csv:2: field 2");
    expect_inputs_error(path, "1,2,x3\n", 3, "in.csv:1: field 3 'x3'");
    expect_inputs_error(path, "x,y,z\n1,2,3\n", 3, "in.csv:1: field 1 'x' is not a finite number");
    expect_inputs_error(path, "# nothing\n\n", 3, "no data rows");
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    assert_int_equal(dnc_read_inputs_csv(path, 3, &X, &rows, &width), DNC_EIO);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the CLI */

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

static void test_cli_writes_csv_and_json_identical_over_threads(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *args = "propagate --width 64 --depth 7 --batch 3 --sigma-w 1.4 --sigma-b 0.2 "
                       "--lyapunov --seed 9 --quiet";
    assert_int_equal(tu_run_cli(dir, "%s --threads 1 --out one", args), 0);
    assert_int_equal(tu_run_cli(dir, "%s --threads 2 --out two", args), 0);
    char *one = tu_read(tu_path(dir, "one.csv"));
    char *two = tu_read(tu_path(dir, "two.csv"));
    assert_non_null(one);
    assert_non_null(two);
    assert_string_equal(one, two); /* %.17g: equal text means equal bits */
    assert_int_equal(count_lines(one), 8);
    assert_true(strncmp(one, "layer,q,c,rho,lyap", 18) == 0);
    char *json = tu_read(tu_path(dir, "one.json"));
    assert_non_null(json);
    assert_non_null(strstr(json, "\"sigma_w\":\t1.4"));
    assert_non_null(strstr(json, "\"lyapunov\":\t{"));
    assert_non_null(strstr(json, "\"csv\":\t\"one.csv\""));
    assert_non_null(strstr(json, "\"version\""));
    assert_non_null(strstr(json, "\"product\":\t\"openblas\""));
    /* the portable product, 1 or 2 threads: same bits again (and recorded) */
    assert_int_equal(tu_run_cli(dir, "%s --product portable --threads 1 --out p1", args), 0);
    assert_int_equal(tu_run_cli(dir, "%s --product portable --threads 2 --out p2", args), 0);
    char *p1 = tu_read(tu_path(dir, "p1.csv")), *p2 = tu_read(tu_path(dir, "p2.csv"));
    char *pjson = tu_read(tu_path(dir, "p1.json"));
    assert_non_null(p1);
    assert_non_null(p2);
    assert_non_null(pjson);
    assert_string_equal(p1, p2);
    assert_non_null(strstr(pjson, "\"product\":\t\"portable\""));
    free(p1), free(p2), free(pjson);
    free(one), free(two), free(json);
    tu_rmtree(dir);
    free(dir);
}

/* The first `fields` comma-separated fields of every line of text. */
static char *csv_prefix(const char *text, int fields)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    assert_non_null(out);
    int field = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            field = 0;
        else if (*p == ',' && ++field >= fields)
            continue;
        if (field < fields || *p == '\n')
            *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* The portable product across CPUs: a CPU without FMA (and AVX2) is
 * emulated by masking them from glibc, which then runs its non-FMA
 * variants of exp, log, tanh, ... (dnc_gemm_nt's own code paths are
 * checked in test_detgemm). Piecewise-linear networks use no libm
 * function, so q, c and rho keep their bits; smooth activations
 * (tanh, ...), the Lyapunov log and the mean-field columns go through
 * libm and may differ in the last bits (docs/propagation.md). */
static void test_cli_portable_relu_same_bits_without_fma(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *acts[] = {"relu", "hard_tanh", "linear"};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        const char *args = "propagate --width 96 --depth 30 --batch 3 --sigma-w 1.3 "
                           "--sigma-b 0.2 --product portable --threads 2 --quiet";
        assert_int_equal(tu_run_cli(dir, "%s --activation %s --out fma", args, acts[i]), 0);
        setenv("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4", 1);
        int rc = tu_run_cli(dir, "%s --activation %s --out nofma", args, acts[i]);
        unsetenv("GLIBC_TUNABLES");
        assert_int_equal(rc, 0);
        char *a = tu_read(tu_path(dir, "fma.csv")), *b = tu_read(tu_path(dir, "nofma.csv"));
        assert_non_null(a);
        assert_non_null(b);
        char *pa = csv_prefix(a, 4), *pb = csv_prefix(b, 4); /* layer,q,c,rho */
        assert_true(strncmp(pa, "layer,q,c,rho\n", 14) == 0);
        assert_string_equal(pa, pb);
        free(a), free(b), free(pa), free(pb);
    }
    tu_rmtree(dir);
    free(dir);
}

static void test_cli_reads_inputs_file(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    write_file(tu_path(dir, "x.csv"), "0.5,1,-1,2\n1,0,0.25,-0.5\n0,1,1,1\n");
    assert_int_equal(tu_run_cli(dir, "propagate --width 16 --input-width 4 --depth 3 "
                                     "--inputs x.csv --corr post --out r --quiet"), 0);
    char *json = tu_read(tu_path(dir, "r.json"));
    assert_non_null(json);
    assert_non_null(strstr(json, "\"batch\":\t3"));
    assert_non_null(strstr(json, "\"corr\":\t\"post\""));
    free(json);
    tu_rmtree(dir);
    free(dir);
}

/* Each bad invocation: non-zero exit, an error naming the problem on
 * stderr, and nothing but stdout/stderr (and the inputs) in the directory. */
static void expect_cli_failure(const char *files[][2], const char *args, const char *needle)
{
    char *dir = tu_tmpdir();
    size_t nfiles = 0;
    for (; files && files[nfiles][0]; nfiles++)
        write_file(tu_path(dir, files[nfiles][0]), files[nfiles][1]);
    int rc = tu_run_cli(dir, "propagate --width 8 --depth 3 --quiet --out res %s", args);
    assert_true(rc != 0);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(err);
    if (!strstr(err, needle))
        fail_msg("stderr for '%s' lacks '%s': %s", args, needle, err);
    free(err);
    assert_int_equal(tu_count_entries(dir), 2 + nfiles);
    tu_rmtree(dir);
    free(dir);
}

static void test_cli_bad_input(void **state)
{
    (void)state;
    expect_cli_failure(NULL, "--width -5", "--width");
    expect_cli_failure(NULL, "--width 0", "width");
    expect_cli_failure(NULL, "--sigma-w 0", "--sigma-w must be a finite number > 0");
    expect_cli_failure(NULL, "--sigma-w -1", "--sigma-w");
    expect_cli_failure(NULL, "--sigma-b nan", "--sigma-b");
    expect_cli_failure(NULL, "--input-c 1.5", "input_c");
    expect_cli_failure(NULL, "--activation tanhh", "tanhh");
    expect_cli_failure(NULL, "--corr middle", "--corr");
    expect_cli_failure(NULL, "--product mkl", "--product");
    expect_cli_failure(NULL, "--normals polar", "--normals must be 'box-muller' or 'ziggurat'");
    expect_cli_failure(NULL, "--residual-alpha -1", "residual_alpha");
    const char *bad_config[][2] = {{"c.cfg", "width = 8\nthis line is malformed\n"}, {NULL, NULL}};
    expect_cli_failure(bad_config, "--config c.cfg", "c.cfg:2");
    const char *unknown_key[][2] = {{"c.cfg", "widht = 8\n"}, {NULL, NULL}};
    expect_cli_failure(unknown_key, "--config c.cfg", "widht");
    const char *ragged[][2] = {{"x.csv", "1,2,3,4,5,6,7,8\n1,2,3\n"}, {NULL, NULL}};
    expect_cli_failure(ragged, "--inputs x.csv", "x.csv:2: expected 8 fields, got 3");
    const char *nan_in[][2] = {{"x.csv", "1,2,3,4,5,6,7,nan\n"}, {NULL, NULL}};
    expect_cli_failure(nan_in, "--inputs x.csv", "x.csv:1: field 8");
    const char *wide[][2] = {{"x.csv", "1,2,3,4,5,6,7,8,9\n"}, {NULL, NULL}};
    expect_cli_failure(wide, "--inputs x.csv", "expected 8");
    expect_cli_failure(NULL, "--inputs missing.csv", "missing.csv");
    expect_cli_failure(NULL, "--out no/such/dir/res", "no/such/dir");
}

/* The demo on a small network: files written, the mean-field critical
 * point reported, and the Lyapunov exponent negative deep in the ordered
 * phase and positive deep in the chaotic one. Expected values are about
 * ln(chi_1)/2 = -0.11 and +0.09; with N = 64 one layer's log growth has sd
 * about 1/sqrt(2N) = 0.09, so the mean over 30 layers x 2 seeds has sd
 * 0.012: the signs are 7 sd away from failing. */
static void test_cli_demo(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "demo --width 64 --depth 30 --seeds 2 --factors 0.8,1,1.25 "
                                     "--out-dir res/demo --quiet"), 0);
    char *json = tu_read(tu_path(dir, "res/demo/demo.json"));
    assert_non_null(json);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    cJSON *res = cJSON_GetObjectItem(root, "results");
    double sc = cJSON_GetObjectItem(res, "sigma_w_critical")->valuedouble;
    assert_true(sc > 1.2 && sc < 1.6); /* tanh, sigma_b = 0.3: about 1.3956 */
    cJSON *pts = cJSON_GetObjectItem(res, "points");
    assert_int_equal(cJSON_GetArraySize(pts), 3);
    double l0 = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(pts, 0), "lyapunov"),
                                    "value")->valuedouble;
    double l2 = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(pts, 2), "lyapunov"),
                                    "value")->valuedouble;
    assert_true(l0 < 0);
    assert_true(l2 > 0);
    char *summary = tu_read(tu_path(dir, "res/demo/demo_summary.csv"));
    assert_non_null(summary);
    assert_int_equal(count_lines(summary), 4);
    char *layers = tu_read(tu_path(dir, "res/demo/demo_layers.csv"));
    assert_non_null(layers);
    assert_int_equal(count_lines(layers), 1 + 3 * 2 * 30);
    cJSON_Delete(root);
    free(json), free(summary), free(layers);
    /* bad arguments: an error, and no output directory */
    /* a value outside its range is a usage error (exit 2, README "Exit codes") */
    assert_int_equal(tu_run_cli(dir, "demo --seeds 0 --out-dir bad --quiet"), 2);
    assert_false(tu_exists(tu_path(dir, "bad")));
    assert_true(tu_run_cli(dir, "demo --factors 1,-1 --out-dir bad --quiet") != 0);
    assert_false(tu_exists(tu_path(dir, "bad")));
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_naive_pre),
        cmocka_unit_test(test_matches_naive_post_relu_wide_input),
        cmocka_unit_test(test_matches_naive_residual),
        cmocka_unit_test(test_matches_naive_many_blocks),
        cmocka_unit_test(test_matches_naive_large_batch),
        cmocka_unit_test(test_bitwise_identical_over_threads_and_reruns),
        cmocka_unit_test(test_bitwise_identical_over_threads_large_batch),
        cmocka_unit_test(test_ziggurat_networks),
        cmocka_unit_test(test_bitwise_identical_over_batch_splits),
        cmocka_unit_test(test_openblas_batch_splits_where_measured),
        cmocka_unit_test(test_provider_reproduces_generated_weights),
        cmocka_unit_test(test_provider_and_observer_errors),
        cmocka_unit_test(test_linear_network_q_expectation),
        cmocka_unit_test(test_linear_lyapunov_exponent),
        cmocka_unit_test(test_make_inputs_statistics),
        cmocka_unit_test(test_invalid_options),
        cmocka_unit_test(test_openblas_threads_restored),
        cmocka_unit_test(test_concurrent_propagations),
        cmocka_unit_test(test_read_inputs_csv),
        cmocka_unit_test(test_cli_writes_csv_and_json_identical_over_threads),
        cmocka_unit_test(test_cli_portable_relu_same_bits_without_fma),
        cmocka_unit_test(test_cli_reads_inputs_file),
        cmocka_unit_test(test_cli_bad_input),
        cmocka_unit_test(test_cli_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
