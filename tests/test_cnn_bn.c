/* cnn with batch normalisation and two-convolution blocks (cnn.h): the BN
 * moments in training mode, the exact inference-mode map at initialisation,
 * whole networks (1D, one site with k = 1 and a small periodic lattice)
 * against a naive loop written from the documented equations and Philox
 * streams, the light cone under batch statistics, thread-count independence,
 * bad input, the CLI's run record, and the ResNet avalanches of
 * dnc_cnn_avalanches against a naive count of the same layers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <omp.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/cnn.h"
#include "dnncrit/rng.h"
#include "testutil.h"

/* B x C x S values with a channel-dependent offset and scale, so that the
 * normalisation has something to remove. */
static double *channel_data(size_t B, size_t C, size_t S)
{
    double *v = malloc(B * C * S * sizeof *v);
    dnc_normal_fill(7, DNC_STREAM_USER, 0, 0, v, B * C * S);
    for (size_t b = 0; b < B; b++)
        for (size_t c = 0; c < C; c++)
            for (size_t s = 0; s < S; s++)
                v[(b * C + c) * S + s] = 3.0 * (double)c - 1.0 + (0.2 + (double)c) *
                                                                     v[(b * C + c) * S + s];
    return v;
}

static void test_bn_train_moments(void **state)
{
    (void)state;
    enum { B = 3, C = 5, S = 17 };
    double *v = channel_data(B, C, S), out[B * C * S], again[B * C * S];
    assert_int_equal(dnc_cnn_batch_norm(DNC_CNN_NORM_BATCH_TRAIN, v, B, C, S, out), DNC_OK);
    for (size_t c = 0; c < C; c++) {
        /* reference moments in long double, over the B inputs and S sites */
        long double m_in = 0, v_in = 0, m_out = 0, v_out = 0;
        for (size_t b = 0; b < B; b++)
            for (size_t s = 0; s < S; s++) {
                m_in += v[(b * C + c) * S + s];
                m_out += out[(b * C + c) * S + s];
            }
        m_in /= B * S;
        m_out /= B * S;
        for (size_t b = 0; b < B; b++)
            for (size_t s = 0; s < S; s++) {
                long double d = v[(b * C + c) * S + s] - m_in, e = out[(b * C + c) * S + s] - m_out;
                v_in += d * d;
                v_out += e * e;
            }
        v_in /= B * S;
        v_out /= B * S;
        /* Mean 0 and variance s2 / (s2 + eps) (= 1 - eps/s2: exactly 1 only
         * for eps = 0): sums of 51 O(1) terms in double, so the rounding is
         * ~1e-15; 1e-12 leaves room and catches any wrong mean, variance or
         * eps (the eps term alone is 1e-5 / s2 >= 1e-6 here). */
        assert_true(fabsl(m_out) < 1e-12);
        assert_true(fabsl(v_out - v_in / (v_in + DNC_CNN_BN_EPS)) < 1e-12);
        assert_true(fabsl(v_out - 1) > 1e-8); /* eps is really there */
    }
    /* in place gives the same bits */
    memcpy(again, v, sizeof again);
    assert_int_equal(dnc_cnn_batch_norm(DNC_CNN_NORM_BATCH_TRAIN, again, B, C, S, again), DNC_OK);
    assert_memory_equal(again, out, sizeof out);
    free(v);
}

static void test_bn_eval_and_none_exact(void **state)
{
    (void)state;
    enum { B = 2, C = 3, S = 11 };
    double *v = channel_data(B, C, S), out[B * C * S];
    assert_int_equal(dnc_cnn_batch_norm(DNC_CNN_NORM_BATCH_EVAL, v, B, C, S, out), DNC_OK);
    for (size_t j = 0; j < B * C * S; j++) /* running mean 0, variance 1: bitwise */
        assert_true(out[j] == v[j] / sqrt(1.0 + 1e-5));
    /* B = 1 is fine in inference mode */
    assert_int_equal(dnc_cnn_batch_norm(DNC_CNN_NORM_BATCH_EVAL, v, 1, C, S, out), DNC_OK);
    assert_int_equal(dnc_cnn_batch_norm(DNC_CNN_NORM_NONE, v, B, C, S, out), DNC_OK);
    assert_memory_equal(out, v, sizeof out);
    free(v);
}

/* Naive 1D network from the equations of cnn.h and the streams of cnn_net.h
 * (written independently of src/engines/cnn.c and src/models/cnn_net.c):
 * stem h^1 = W^1 * x + b^1 (x + alpha (...) when residual), then blocks
 * F(h) = W_2 * phi(BN_2(W_1 * phi(BN_1(h)) + b_1)) + b_2 (block 2) or
 * W_1 * phi(BN_1(h)) + b_1 (block 1), convolution j of layer l with weight
 * rows (seed, DNC_STREAM_WEIGHT, l, j C + o) times sigma_w / sqrt(C k) and
 * bias elements j C + o of (seed, DNC_STREAM_BIAS, l, 0) times sigma_b.
 * tanh. H: depth x B x C x S. */
static void naive_conv1d(const dnc_cnn_config *net, size_t layer, size_t j, const double *in,
                         size_t B, double *out)
{
    long C = (long)net->channels, S = (long)net->size_x, k = (long)net->kernel, r = (k - 1) / 2;
    long fan = C * k;
    double *w = malloc((size_t)fan * sizeof *w), *bias = malloc(2 * (size_t)C * sizeof *bias);
    dnc_normal_fill(net->seed, DNC_STREAM_BIAS, (uint32_t)layer, 0, bias, 2 * (size_t)C);
    for (long o = 0; o < C; o++) {
        dnc_normal_fill(net->seed, DNC_STREAM_WEIGHT, (uint32_t)layer, (uint32_t)((long)j * C + o),
                        w, (size_t)fan);
        for (long b = 0; b < (long)B; b++)
            for (long x = 0; x < S; x++) {
                double acc = net->sigma_b > 0 ? net->sigma_b * bias[(long)j * C + o] : 0.0;
                for (long i = 0; i < C; i++)
                    for (long t = 0; t < k; t++)
                        acc += net->sigma_w / sqrt((double)fan) * w[i * k + t] *
                               in[(b * C + i) * S + ((x + t - r) % S + S) % S];
                out[(b * C + o) * S + x] = acc;
            }
    }
    free(w);
    free(bias);
}

static void naive_norm_tanh(dnc_cnn_norm norm, const double *v, size_t B, size_t C, size_t S,
                            double *out)
{
    for (size_t c = 0; c < C; c++) {
        double m = 0, s2 = 1;
        if (norm == DNC_CNN_NORM_BATCH_TRAIN) {
            double sum = 0, dev = 0;
            for (size_t b = 0; b < B; b++)
                for (size_t s = 0; s < S; s++)
                    sum += v[(b * C + c) * S + s];
            m = sum / (double)(B * S);
            for (size_t b = 0; b < B; b++)
                for (size_t s = 0; s < S; s++)
                    dev += pow(v[(b * C + c) * S + s] - m, 2);
            s2 = dev / (double)(B * S);
        }
        for (size_t b = 0; b < B; b++)
            for (size_t s = 0; s < S; s++) {
                double x = v[(b * C + c) * S + s];
                out[(b * C + c) * S + s] =
                    tanh(norm == DNC_CNN_NORM_NONE ? x : (x - m) / sqrt(s2 + 1e-5));
            }
    }
}

static void naive_resnet(const dnc_cnn_config *net, const double *X, size_t B, double *H)
{
    size_t C = net->channels, S = net->size_x, n = B * C * S;
    double *h = malloc(n * sizeof *h), *u = malloc(n * sizeof *u), *f = malloc(n * sizeof *f);
    for (size_t l = 1; l <= net->depth; l++) {
        if (l == 1) {
            naive_conv1d(net, 1, 0, X, B, f);
        } else {
            naive_norm_tanh(net->norm, h, B, C, S, u);
            naive_conv1d(net, l, 0, u, B, f);
            if (net->block == 2) {
                naive_norm_tanh(net->norm, f, B, C, S, u);
                naive_conv1d(net, l, 1, u, B, f);
            }
        }
        for (size_t j = 0; j < n; j++)
            h[j] = !net->residual ? f[j] : (l == 1 ? X[j] : h[j]) + net->residual_alpha * f[j];
        memcpy(H + (l - 1) * n, h, n * sizeof *h);
    }
    free(h);
    free(u);
    free(f);
}

static dnc_status keep_all_h(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    memcpy((double *)ctx + (layer - 1) * B * N, H, B * N * sizeof *H);
    return DNC_OK;
}

static void check_against_naive(size_t S, size_t k, dnc_cnn_norm norm, size_t block,
                                bool residual)
{
    enum { B = 3, C = 6, L = 5 };
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.size_x = S;
    o.net.kernel = k;
    o.net.channels = C;
    o.net.depth = L;
    o.net.sigma_w = 1.6;
    o.net.sigma_b = 0.2;
    o.net.residual = residual;
    o.net.residual_alpha = 0.8;
    o.net.norm = norm;
    o.net.block = block;
    o.net.seed = 11;
    o.batch = B;
    o.input_c = 0.3;
    size_t n = B * C * S;
    double *X = malloc(n * sizeof *X), *got = malloc(L * n * sizeof *got);
    double *ref = malloc(L * n * sizeof *ref);
    assert_int_equal(dnc_cnn_make_inputs(&o, X), DNC_OK);
    o.observer = keep_all_h;
    o.observer_ctx = got;
    dnc_cnn_result res;
    assert_int_equal(dnc_cnn_propagate(&o, &res), DNC_OK);
    naive_resnet(&o.net, X, B, ref);
    /* Sums of C k <= 18 products through 5 layers of <= 2 convolutions, with
     * BN dividing by a standard deviation that is O(1) here (q is O(1) at
     * sigma_w = 1.6 and the batch spread is O(1)): rounding of a few ulps
     * grows by at most ~sigma_w sqrt(C k) / sd per convolution, far below
     * 1e-10; a wrong stream, order, statistic or eps changes h by >= 1e-6. */
    for (size_t j = 0; j < L * n; j++)
        if (fabs(got[j] - ref[j]) > 1e-10)
            fail_msg("S %zu k %zu norm %s block %zu residual %d: h[%zu] = %.17g, naive %.17g",
                     S, k, dnc_cnn_norm_name(norm), block, residual, j, got[j], ref[j]);
    dnc_cnn_result_free(&res);
    free(X);
    free(got);
    free(ref);
}

static void test_networks_match_naive(void **state)
{
    (void)state;
    for (int norm = DNC_CNN_NORM_NONE; norm <= DNC_CNN_NORM_BATCH_EVAL; norm++)
        for (size_t block = 1; block <= 2; block++)
            for (int residual = 0; residual <= 1; residual++) {
                check_against_naive(1, 1, (dnc_cnn_norm)norm, block, residual); /* an MLP */
                check_against_naive(7, 3, (dnc_cnn_norm)norm, block, residual);
            }
}

/* Training-mode BN couples the inputs, and (with batch statistics over all
 * sites) every site, but a site where all inputs agree stays so: outside the
 * light cone of a one-site perturbation rho(x) = 0 exactly. With two
 * convolutions per block the cone grows by 2 r per layer after the stem. */
typedef struct {
    size_t S, r, centre;
    int violations, inside_nonzero;
} cone_ctx;

static dnc_status cone_check(void *vctx, size_t layer, const double *rho_x, size_t S)
{
    cone_ctx *c = vctx;
    size_t radius = c->r * (2 * layer - 1);
    for (size_t s = 0; s < S; s++) {
        size_t d = s > c->centre ? s - c->centre : c->centre - s;
        if (d > radius)
            c->violations += rho_x[s] != 0;
        else
            c->inside_nonzero += rho_x[s] > 0;
    }
    return DNC_OK;
}

static void test_bn_train_keeps_light_cone(void **state)
{
    (void)state;
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.size_x = 64;
    o.net.channels = 8;
    o.net.depth = 8;
    o.net.sigma_w = 1.5;
    o.net.sigma_b = 0.3;
    o.net.residual = true;
    o.net.norm = DNC_CNN_NORM_BATCH_TRAIN;
    o.net.block = 2;
    o.batch = 3;
    o.perturb_width = 1;
    cone_ctx c = {.S = 64, .r = 1, .centre = (64 - 1) / 2};
    o.site_observer = cone_check;
    o.site_observer_ctx = &c;
    dnc_cnn_result r;
    assert_int_equal(dnc_cnn_propagate(&o, &r), DNC_OK);
    assert_int_equal(c.violations, 0);
    assert_true(c.inside_nonzero > 0);
    assert_true(r.rho[7] > 0);
    dnc_cnn_result_free(&r);
}

static dnc_status keep_last_h(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    (void)layer;
    memcpy(ctx, H, B * N * sizeof *H);
    return DNC_OK;
}

static void run_threads(dnc_cnn_opts o, int threads, dnc_cnn_result *res, double *h)
{
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    o.observer = keep_last_h;
    o.observer_ctx = h;
    assert_int_equal(dnc_cnn_propagate(&o, res), DNC_OK);
}

static void test_bitwise_over_threads(void **state)
{
    (void)state;
    for (int local = 0; local <= 1; local++) {
        dnc_cnn_opts o = dnc_cnn_opts_default();
        o.net.dims = 2;
        o.net.size_x = local ? 6 : 20;
        o.net.size_y = local ? 5 : 12;
        o.net.channels = 16;
        o.net.depth = 6;
        o.net.sigma_b = 0.1;
        o.net.residual = true;
        o.net.norm = DNC_CNN_NORM_BATCH_TRAIN;
        o.net.block = 2;
        o.net.sharing = local ? DNC_CNN_LOCAL : DNC_CNN_SHARED;
        o.batch = 3;
        size_t n = 3 * 16 * o.net.size_x * o.net.size_y;
        double *h1 = malloc(n * sizeof *h1), *h2 = malloc(n * sizeof *h2);
        dnc_cnn_result r1, r2;
        run_threads(o, 1, &r1, h1);
        run_threads(o, 2, &r2, h2);
        assert_memory_equal(h1, h2, n * sizeof *h1);
        assert_memory_equal(r1.q, r2.q, 6 * sizeof(double));
        assert_memory_equal(r1.rho, r2.rho, 6 * sizeof(double));
        dnc_cnn_result_free(&r1);
        dnc_cnn_result_free(&r2);
        free(h1);
        free(h2);
    }
    omp_set_num_threads(2);
    openblas_set_num_threads(2);
}

/* A one-site local network with two convolutions per block is the shared one. */
static void test_local_one_site_block2_is_shared(void **state)
{
    (void)state;
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.size_x = 1;
    o.net.kernel = 1;
    o.net.channels = 5;
    o.net.depth = 4;
    o.net.sigma_b = 0.4;
    o.net.block = 2;
    o.net.norm = DNC_CNN_NORM_BATCH_TRAIN;
    o.batch = 4;
    o.algo = DNC_CONV_DIRECT; /* the summation order of the local loop (cnn.c) */
    double h1[4 * 5], h2[4 * 5];
    dnc_cnn_result r1, r2;
    run_threads(o, 2, &r1, h1);
    o.algo = DNC_CONV_AUTO;
    o.net.sharing = DNC_CNN_LOCAL;
    run_threads(o, 2, &r2, h2);
    assert_memory_equal(h1, h2, sizeof h1);
    dnc_cnn_result_free(&r1);
    dnc_cnn_result_free(&r2);
}

static void test_bad_input(void **state)
{
    (void)state;
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.norm = DNC_CNN_NORM_BATCH_TRAIN;
    o.batch = 1;
    dnc_cnn_result r;
    assert_int_equal(dnc_cnn_propagate(&o, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "training mode"));
    double v[4] = {1, 2, 3, 4}, out[4];
    assert_int_equal(dnc_cnn_batch_norm(DNC_CNN_NORM_BATCH_TRAIN, v, 1, 1, 4, out), DNC_EINVAL);
    assert_int_equal(dnc_cnn_batch_norm((dnc_cnn_norm)7, v, 2, 1, 2, out), DNC_EINVAL);
    o = dnc_cnn_opts_default();
    o.net.block = 3;
    assert_int_equal(dnc_cnn_opts_validate(&o), DNC_EINVAL);
    o.net.block = 0;
    assert_int_equal(dnc_cnn_opts_validate(&o), DNC_EINVAL);
    o.net.block = 1;
    o.net.norm = (dnc_cnn_norm)5;
    assert_int_equal(dnc_cnn_opts_validate(&o), DNC_EINVAL);
    dnc_cnn_norm nm;
    assert_int_equal(dnc_cnn_norm_parse("batch", &nm), DNC_EINVAL);
    assert_int_equal(dnc_cnn_norm_parse("batch-eval", &nm), DNC_OK);
    assert_int_equal(nm, DNC_CNN_NORM_BATCH_EVAL);
    assert_string_equal(dnc_cnn_norm_name(DNC_CNN_NORM_BATCH_TRAIN), "batch-train");
}

static void test_cli_records_norm_and_block(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir,
                        "cnn --size-x 16 --channels 4 --depth 5 --residual --norm batch-eval "
                        "--block 2 --quiet --out %s/run",
                        dir);
    assert_int_equal(rc, 0);
    char *json = tu_read(tu_path(dir, "run.json"));
    assert_non_null(json);
    assert_non_null(strstr(json, "\"norm\":\t\"batch-eval\""));
    assert_non_null(strstr(json, "\"block\":\t2"));
    assert_non_null(strstr(json, "\"residual\":\ttrue"));
    assert_non_null(strstr(json, "\"residual_alpha\":\t1"));
    free(json);
    const char *bad[][2] = {{"--norm batch", "normalisation"},
                            {"--block 3", "block"},
                            {"--norm batch-train --batch 1", "batch"}};
    for (size_t i = 0; i < 3; i++) {
        char *d = tu_tmpdir();
        rc = tu_run_cli(d, "cnn %s --quiet --out %s/run", bad[i][0], d);
        assert_int_equal(rc, 2);
        char *err = tu_read(tu_path(d, "stderr"));
        assert_non_null(strstr(err, bad[i][1]));
        free(err);
        assert_int_equal(tu_count_entries(d), 2); /* stdout and stderr only */
        tu_rmtree_free(d);
    }
    tu_rmtree_free(dir);
}

/* `cnn --avalanches` reports what dnc_cnn_avalanches measures on the same
 * networks (count, trials cut, tau), with the crackling block when asked;
 * options that do not go together are usage errors that write nothing. */
static void test_cli_avalanches(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir,
                        "cnn --size-x 32 --channels 4 --depth 40 --sigma-w 1.5 --sigma-b 0.3 "
                        "--residual --block 2 --norm batch-train --batch 4 --seeds 24 "
                        "--avalanches --rule pre --threshold-scope layer --aval-threshold 3 "
                        "--crackling 20 --quiet --out %s/av",
                        dir);
    assert_int_equal(rc, 0);
    dnc_cnn_aval_opts o = dnc_cnn_aval_opts_default();
    o.cnn.net.channels = 4;
    o.cnn.net.size_x = 32;
    o.cnn.net.depth = 40;
    o.cnn.net.sigma_w = 1.5;
    o.cnn.net.sigma_b = 0.3;
    o.cnn.net.residual = true;
    o.cnn.net.residual_alpha = 1.0;
    o.cnn.net.block = 2;
    o.cnn.net.norm = DNC_CNN_NORM_BATCH_TRAIN;
    o.cnn.batch = 4;
    o.networks = 24;
    o.threshold = 3.0;
    dnc_cnn_aval_result r;
    assert_int_equal(dnc_cnn_avalanches(&o, &r), DNC_OK);
    char *text = tu_read(tu_path(dir, "av.json"));
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    cJSON *res = cJSON_GetObjectItem(root, "results");
    assert_non_null(res);
    assert_int_equal((size_t)cJSON_GetObjectItem(res, "avalanches")->valuedouble, r.av.count);
    assert_int_equal((size_t)cJSON_GetObjectItem(res, "cut")->valuedouble, r.cut);
    cJSON *cr = cJSON_GetObjectItem(res, "crackling_bootstrap");
    assert_non_null(cr);
    if (r.analysed) { /* the same fit of the same sizes */
        cJSON *tau = cJSON_GetObjectItem(cJSON_GetObjectItem(cr, "tau"), "value");
        assert_non_null(tau);
        assert_true(fabs(tau->valuedouble - r.analysis.size.alpha) <= 1e-12 * r.analysis.size.alpha);
    }
    cJSON_Delete(root);
    dnc_cnn_aval_result_free(&r);
    const char *bad[][2] = {{"--avalanches --raster", "raster"},
                            {"--crackling 10", "--avalanches"},
                            {"--avalanches --rule loud", "rule"},
                            {"--avalanches --threshold-scope nowhere", "scope"}};
    for (size_t i = 0; i < 4; i++) {
        char *d = tu_tmpdir();
        rc = tu_run_cli(d, "cnn --size-x 16 --channels 4 --depth 5 %s --quiet --out %s/run",
                        bad[i][0], d);
        assert_int_equal(rc, 2);
        char *err = tu_read(tu_path(d, "stderr"));
        assert_non_null(strstr(err, bad[i][1]));
        free(err);
        assert_int_equal(tu_count_entries(d), 2); /* stdout and stderr only */
        tu_rmtree_free(d);
    }
    tu_rmtree_free(dir);
}

/* dnc_cnn_avalanches against a naive count: the same networks propagated
 * with an observer keeping h^l, unit (c, s) of input b active when |h| >
 * theta times the standard deviation of h^l over the batch (the layer
 * scope), runs of layers with activity cut by hand. */
static void test_cnn_avalanches_match_naive_count(void **state)
{
    (void)state;
    enum { B = 4, C = 4, S = 16, L = 30, NET = 3 };
    dnc_cnn_aval_opts o = dnc_cnn_aval_opts_default();
    o.cnn.net.channels = C;
    o.cnn.net.size_x = S;
    o.cnn.net.depth = L;
    o.cnn.net.sigma_w = 1.5;
    o.cnn.net.sigma_b = 0.3;
    o.cnn.net.residual = true;
    o.cnn.net.norm = DNC_CNN_NORM_BATCH_TRAIN;
    o.cnn.net.block = 2;
    o.cnn.batch = B;
    o.networks = NET;
    o.threshold = 2.5; /* ~1 % of 64 units per input: layers with and without activity */
    dnc_cnn_aval_result r;
    assert_int_equal(dnc_cnn_avalanches(&o, &r), DNC_OK);
    size_t n = B * C * S, count = 0, cut = 0;
    double size_sum = 0, active[L] = {0};
    double *H = malloc(L * n * sizeof *H);
    for (size_t k = 0; k < NET; k++) {
        dnc_cnn_opts co = o.cnn;
        co.net.seed += k;
        co.observer = keep_all_h;
        co.observer_ctx = H;
        dnc_cnn_result cr;
        assert_int_equal(dnc_cnn_propagate(&co, &cr), DNC_OK);
        dnc_cnn_result_free(&cr);
        double A[B][L];
        for (size_t l = 0; l < L; l++) {
            const double *h = H + l * n;
            double m = 0, v = 0;
            for (size_t j = 0; j < n; j++)
                m += h[j] / (double)n;
            for (size_t j = 0; j < n; j++)
                v += (h[j] - m) * (h[j] - m) / (double)n;
            for (size_t b = 0; b < B; b++) {
                A[b][l] = 0;
                for (size_t j = 0; j < C * S; j++)
                    A[b][l] += fabs(h[b * C * S + j]) > o.threshold * sqrt(v);
                active[l] += A[b][l] / (double)(C * S) / (double)(B * NET);
            }
        }
        for (size_t b = 0; b < B; b++) {
            size_t l = 0;
            while (l < L) {
                if (A[b][l] == 0) {
                    l++;
                    continue;
                }
                double sz = 0;
                while (l < L && A[b][l] > 0)
                    sz += A[b][l++];
                if (l == L)
                    cut++;
                else {
                    count++;
                    size_sum += sz;
                }
            }
        }
    }
    assert_true(count > 10 && cut < B * NET); /* the case has avalanches to count */
    assert_int_equal(r.av.count, count);
    assert_int_equal(r.cut, cut);
    assert_int_equal(r.seeded, B * NET);
    double got_sum = 0;
    for (size_t i = 0; i < r.av.count; i++)
        got_sum += r.av.size[i];
    assert_true(got_sum == size_sum); /* integer counts: exact */
    /* means of <= 12 fractions: rounding ~1e-16; the two orders of summation differ */
    for (size_t l = 0; l < L; l++)
        assert_true(fabs(r.active_mean[l] - active[l]) < 1e-14);
    assert_true(r.analysed || r.analysis_error[0]);
    dnc_cnn_aval_result_free(&r);
    free(H);
}

/* The damage rule: one trial per network, activity = sites with rho(x) >
 * threshold, i.e. the propagation's own active fraction times S. */
static void test_cnn_avalanches_damage_sites(void **state)
{
    (void)state;
    dnc_cnn_aval_opts o = dnc_cnn_aval_opts_default();
    o.cnn.net.channels = 4;
    o.cnn.net.size_x = 32;
    o.cnn.net.depth = 20;
    o.cnn.net.sigma_w = 1.2;
    o.cnn.net.sigma_b = 0.3;
    o.cnn.perturb_width = 1;
    o.cnn.damage_cutoff = 1e-3;
    o.cnn.batch = 2;
    o.networks = 4;
    o.rule = DNC_NET_DAMAGE;
    o.scope = DNC_SCOPE_GLOBAL;
    o.threshold = 1e-3;
    dnc_cnn_aval_result r;
    assert_int_equal(dnc_cnn_avalanches(&o, &r), DNC_OK);
    assert_int_equal(r.seeded, 4);
    double mean[20] = {0};
    for (size_t k = 0; k < 4; k++) {
        dnc_cnn_opts co = o.cnn;
        co.net.seed += k;
        co.threshold = o.threshold;
        dnc_cnn_result cr;
        assert_int_equal(dnc_cnn_propagate(&co, &cr), DNC_OK);
        for (size_t l = 0; l < 20; l++)
            mean[l] += cr.active[l] / 4;
        dnc_cnn_result_free(&cr);
    }
    for (size_t l = 0; l < 20; l++) /* fractions of 32 sites: exact up to the sum order */
        assert_true(fabs(r.active_mean[l] - mean[l]) < 1e-15);
    dnc_cnn_aval_result_free(&r);
    /* bad combinations */
    o.scope = DNC_SCOPE_LAYER;
    assert_int_equal(dnc_cnn_avalanches(&o, &r), DNC_EINVAL);
    o.rule = DNC_NET_PRE;
    o.scope = DNC_SCOPE_PERCENTILE;
    o.threshold = 100;
    assert_int_equal(dnc_cnn_avalanches(&o, &r), DNC_EINVAL);
    o.threshold = 5;
    o.networks = 0;
    assert_int_equal(dnc_cnn_avalanches(&o, &r), DNC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bn_train_moments),
        cmocka_unit_test(test_bn_eval_and_none_exact),
        cmocka_unit_test(test_networks_match_naive),
        cmocka_unit_test(test_bn_train_keeps_light_cone),
        cmocka_unit_test(test_bitwise_over_threads),
        cmocka_unit_test(test_local_one_site_block2_is_shared),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_cli_records_norm_and_block),
        cmocka_unit_test(test_cli_avalanches),
        cmocka_unit_test(test_cnn_avalanches_match_naive_count),
        cmocka_unit_test(test_cnn_avalanches_damage_sites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
