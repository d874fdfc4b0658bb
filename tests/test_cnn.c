/* cnn: convolutions against a slow naive reference, periodic wrap, the
 * 1x1 / one-site reduction to an MLP, light cone of damage spreading,
 * thread determinism, residual identity, locally connected networks
 * against a naive per-site loop, the damage cut-off, bad input, and the CLI. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <cmocka.h>
#include <gsl/gsl_integration.h>
#include <omp.h>
#include <zlib.h>

#include "dnncrit/cnn.h"
#include "dnncrit/network.h"
#include "dnncrit/rng.h"
#include "testutil.h"

/* Slow reference: out_o(x, y) = b_o + sum_{i,ty,tx} W[o][i][ty][tx] in_i(x+tx-r, y+ty-r)
 * with explicit modular indexing, written independently of src/engines/cnn.c. */
static void naive_conv(const dnc_conv_shape *sh, const double *W, const double *bias,
                       const double *in, size_t B, double *out)
{
    long Lx = (long)sh->size_x, Ly = sh->dims == 2 ? (long)sh->size_y : 1, k = (long)sh->kernel;
    long kyn = sh->dims == 2 ? k : 1, r = (k - 1) / 2, ry = sh->dims == 2 ? r : 0;
    long Cin = (long)sh->in_channels, Cout = (long)sh->out_channels, T = kyn * k, S = Lx * Ly;
    for (long b = 0; b < (long)B; b++)
        for (long o = 0; o < Cout; o++)
            for (long y = 0; y < Ly; y++)
                for (long x = 0; x < Lx; x++) {
                    double acc = bias ? bias[o] : 0.0;
                    for (long i = 0; i < Cin; i++)
                        for (long ty = 0; ty < kyn; ty++)
                            for (long tx = 0; tx < k; tx++) {
                                long xs = ((x + tx - r) % Lx + Lx) % Lx;
                                long ys = ((y + ty - ry) % Ly + Ly) % Ly;
                                acc += W[o * Cin * T + i * T + ty * k + tx] *
                                       in[(b * Cin + i) * S + ys * Lx + xs];
                            }
                    out[(b * Cout + o) * S + y * Lx + x] = acc;
                }
}

static double *normals(uint64_t seed, size_t n)
{
    double *v = malloc(n * sizeof *v);
    dnc_normal_fill(seed, DNC_STREAM_USER, 0, 0, v, n);
    return v;
}

static void check_conv_shape(dnc_conv_shape sh, size_t B)
{
    size_t T = sh.dims == 2 ? sh.kernel * sh.kernel : sh.kernel;
    size_t S = sh.size_x * (sh.dims == 2 ? sh.size_y : 1);
    double *W = normals(1, sh.out_channels * sh.in_channels * T);
    double *bias = normals(2, sh.out_channels);
    double *in = normals(3, B * sh.in_channels * S);
    double *ref = malloc(B * sh.out_channels * S * sizeof *ref);
    double *got = malloc(B * sh.out_channels * S * sizeof *got);
    naive_conv(&sh, W, bias, in, B, ref);
    for (int algo = DNC_CONV_IM2COL; algo <= DNC_CONV_DIRECT; algo++) {
        size_t nw = dnc_conv_workspace(&sh, (dnc_conv_algo)algo);
        double *work = nw ? malloc(nw * sizeof *work) : NULL;
        assert_int_equal(dnc_conv_forward(&sh, (dnc_conv_algo)algo, W, bias, in, B, got, work),
                         DNC_OK);
        /* Sums of C_in k^d products of O(1) numbers: rounding differs from the
         * naive order by a few ulps times sqrt(terms); 1e-12 absolute is ~1e3
         * times that for the largest shape here, far below any indexing bug (O(1)). */
        for (size_t j = 0; j < B * sh.out_channels * S; j++)
            assert_true(fabs(got[j] - ref[j]) < 1e-12);
        free(work);
    }
    free(W);
    free(bias);
    free(in);
    free(ref);
    free(got);
}

static void test_conv_matches_naive(void **state)
{
    (void)state;
    check_conv_shape((dnc_conv_shape){1, 3, 5, 3, 17, 1}, 2);
    check_conv_shape((dnc_conv_shape){1, 8, 8, 5, 5, 1}, 1);   /* k = L: every site seen once */
    check_conv_shape((dnc_conv_shape){1, 16, 32, 7, 64, 1}, 3);
    check_conv_shape((dnc_conv_shape){1, 4, 4, 1, 9, 1}, 2);   /* 1x1 kernel */
    check_conv_shape((dnc_conv_shape){2, 3, 4, 3, 7, 5}, 2);   /* non-square */
    check_conv_shape((dnc_conv_shape){2, 16, 16, 3, 12, 12}, 2);
    check_conv_shape((dnc_conv_shape){2, 2, 3, 5, 5, 6}, 1);
}

/* A delta input at site (0, 0) of channel i lands, through tap (ty, tx), on
 * site (r - tx, r - ty) mod L: the taps reaching across the boundary must wrap. */
static void test_periodic_wrap(void **state)
{
    (void)state;
    dnc_conv_shape sh = {2, 1, 1, 3, 6, 4};
    double W[9];
    for (int t = 0; t < 9; t++)
        W[t] = t + 1;
    double in[24] = {0}, out[24];
    in[0] = 1.0;
    for (int algo = DNC_CONV_IM2COL; algo <= DNC_CONV_DIRECT; algo++) {
        double work[9 * 24];
        assert_int_equal(dnc_conv_forward(&sh, (dnc_conv_algo)algo, W, NULL, in, 1, out, work),
                         DNC_OK);
        for (int ty = 0; ty < 3; ty++)
            for (int tx = 0; tx < 3; tx++) {
                int x = (1 - tx + 6) % 6, y = (1 - ty + 4) % 4;
                assert_float_equal(out[y * 6 + x], W[ty * 3 + tx], 0);
            }
        double total = 0;
        for (int s = 0; s < 24; s++)
            total += out[s];
        assert_float_equal(total, 45.0, 0); /* nothing else was touched */
    }
}

/* k = 1 and one site: the CNN is the MLP of width C with the same Philox
 * rows; the propagation is redone here by hand with network.c's weights. */
static void test_one_site_reduces_to_mlp(void **state)
{
    (void)state;
    enum { C = 12, C0 = 5, L = 6, B = 3 };
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.channels = C;
    o.net.input_channels = C0;
    o.net.kernel = 1;
    o.net.size_x = 1;
    o.net.depth = L;
    o.net.sigma_w = 1.3;
    o.net.sigma_b = 0.2;
    o.net.seed = 77;
    o.batch = B;
    o.input_c = 0.3;
    double X[B * C0];
    assert_int_equal(dnc_cnn_make_inputs(&o, X), DNC_OK);
    o.inputs = X;
    dnc_cnn_result res;
    assert_int_equal(dnc_cnn_propagate(&o, &res), DNC_OK);

    dnc_mlp_config m = dnc_mlp_config_default();
    m.width = C;
    m.input_width = C0;
    m.depth = L;
    m.sigma_w = 1.3;
    m.sigma_b = 0.2;
    m.seed = 77;
    double h[B][C], a[B][C0 > C ? C0 : C], W[C * (C0 > C ? C0 : C)], bias[C];
    for (int b = 0; b < B; b++)
        for (int j = 0; j < C0; j++)
            a[b][j] = X[b * C0 + j];
    for (int l = 1; l <= L; l++) {
        size_t fan = dnc_mlp_fan_in(&m, (size_t)l);
        dnc_mlp_layer_weights(&m, (size_t)l, W);
        dnc_mlp_layer_bias(&m, (size_t)l, bias);
        double q = 0, cos_sum = 0;
        for (int b = 0; b < B; b++)
            for (int i = 0; i < C; i++) {
                h[b][i] = bias[i];
                for (size_t j = 0; j < fan; j++)
                    h[b][i] += W[i * fan + j] * a[b][j];
                q += h[b][i] * h[b][i];
            }
        for (int b1 = 0; b1 < B; b1++)
            for (int b2 = b1 + 1; b2 < B; b2++) {
                double d = 0, n1 = 0, n2 = 0;
                for (int i = 0; i < C; i++) {
                    d += h[b1][i] * h[b2][i];
                    n1 += h[b1][i] * h[b1][i];
                    n2 += h[b2][i] * h[b2][i];
                }
                cos_sum += d / sqrt(n1 * n2);
            }
        /* Both are O(1) sums of <= 12 terms: agreement to 1e-12 leaves room
         * for the different (but exact-in-theory) rho formula only. */
        assert_true(fabs(res.q[l - 1] - q / (B * C)) < 1e-12);
        assert_true(fabs(res.rho[l - 1] - (1 - cos_sum / 3.0)) < 1e-12);
        for (int b = 0; b < B; b++)
            for (int i = 0; i < C; i++)
                a[b][i] = tanh(h[b][i]);
    }
    dnc_cnn_result_free(&res);
}

static void test_weights_match_mlp_rows(void **state)
{
    (void)state;
    dnc_cnn_config c = dnc_cnn_config_default();
    c.kernel = 3;
    c.channels = 4;
    dnc_mlp_config m = dnc_mlp_config_default();
    m.width = 4;
    m.input_width = 12; /* fan_in = C k */
    double Wc[4 * 12], Wm[4 * 12];
    dnc_cnn_layer_weights(&c, 1, Wc);
    dnc_mlp_layer_weights(&m, 1, Wm);
    assert_memory_equal(Wc, Wm, sizeof Wc);
}

/* Outside the light cone of the perturbed window the two inputs stay
 * bitwise identical, so rho(x) is exactly 0 there; inside it is > 0. */
static dnc_status record_rho(void *ctx, size_t layer, const double *rho_x, size_t S)
{
    double *raster = ctx;
    memcpy(raster + (layer - 1) * S, rho_x, S * sizeof *rho_x);
    return DNC_OK;
}

static void test_damage_light_cone(void **state)
{
    (void)state;
    enum { Lx = 64, W = 4, L = 10 };
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.size_x = Lx;
    o.net.kernel = 5;
    o.net.channels = 8;
    o.net.depth = L;
    o.net.sigma_w = 2.0;
    o.perturb_width = W;
    double raster[L * Lx];
    o.site_observer = record_rho;
    o.site_observer_ctx = raster;
    dnc_cnn_result res;
    assert_int_equal(dnc_cnn_propagate(&o, &res), DNC_OK);
    long lo = (Lx - W) / 2, hi = lo + W - 1, r = 2;
    for (long l = 1; l <= L; l++) {
        long active = 0;
        for (long x = 0; x < Lx; x++) {
            bool inside = x >= lo - l * r && x <= hi + l * r;
            if (!inside)
                assert_float_equal(raster[(l - 1) * Lx + x], 0.0, 0);
            else
                active += raster[(l - 1) * Lx + x] > 0;
        }
        assert_true(active > 0);
        assert_true(res.active[l - 1] <= (double)(W + 2 * r * l) / Lx);
    }
    dnc_cnn_result_free(&res);
}

static void test_site_rho_values(void **state)
{
    (void)state;
    /* B = 2, C = 2, S = 3: identical, opposite, orthogonal sites. */
    double v[12] = {1, -1, 1, 2, 0, 0, /* input 0: channel 0, channel 1 */
                    1, 1, 0, 2, 0, 5}; /* input 1 */
    double rho_x[3], mean, active;
    assert_int_equal(dnc_cnn_site_rho(v, 2, 2, 3, 0.5, rho_x, &mean, &active), DNC_OK);
    assert_float_equal(rho_x[0], 0.0, 0);
    assert_float_equal(rho_x[1], 2.0, 1e-15);
    assert_float_equal(rho_x[2], 1.0, 1e-15);
    assert_float_equal(mean, 1.0, 1e-15);
    assert_float_equal(active, 2.0 / 3.0, 1e-15);
}

static dnc_status keep_last_h(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    (void)layer;
    memcpy(ctx, H, B * N * sizeof *H);
    return DNC_OK;
}

static void run_with_threads(dnc_cnn_opts o, int threads, dnc_cnn_result *res, double *h)
{
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    o.observer = keep_last_h;
    o.observer_ctx = h;
    assert_int_equal(dnc_cnn_propagate(&o, res), DNC_OK);
}

static void test_bitwise_deterministic_over_threads(void **state)
{
    (void)state;
    for (int algo = DNC_CONV_IM2COL; algo <= DNC_CONV_DIRECT; algo++) {
        dnc_cnn_opts o = dnc_cnn_opts_default();
        o.net.dims = 2;
        o.net.size_x = 24;
        o.net.size_y = 20;
        o.net.channels = 32;
        o.net.depth = 8;
        o.net.sigma_b = 0.1;
        o.batch = 3;
        o.algo = (dnc_conv_algo)algo;
        size_t n = 3 * 32 * 24 * 20;
        double *h1 = malloc(n * sizeof *h1), *h2 = malloc(n * sizeof *h2);
        dnc_cnn_result r1, r2;
        run_with_threads(o, 1, &r1, h1);
        run_with_threads(o, 2, &r2, h2);
        assert_memory_equal(h1, h2, n * sizeof *h1);
        assert_memory_equal(r1.q, r2.q, 8 * sizeof(double));
        assert_memory_equal(r1.rho, r2.rho, 8 * sizeof(double));
        assert_memory_equal(r1.active, r2.active, 8 * sizeof(double));
        dnc_cnn_result_free(&r1);
        dnc_cnn_result_free(&r2);
        free(h1);
        free(h2);
    }
    omp_set_num_threads(2);
    openblas_set_num_threads(2);
}

static void test_algorithms_agree_in_propagation(void **state)
{
    (void)state;
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.size_x = 40;
    o.net.channels = 24;
    o.net.kernel = 5;
    o.net.depth = 15;
    o.net.sigma_w = 1.5;
    o.net.sigma_b = 0.3;
    o.algo = DNC_CONV_IM2COL;
    dnc_cnn_result a, b;
    assert_int_equal(dnc_cnn_propagate(&o, &a), DNC_OK);
    o.algo = DNC_CONV_DIRECT;
    assert_int_equal(dnc_cnn_propagate(&o, &b), DNC_OK);
    /* sigma_w = 1.5 is chaotic: rounding differences grow by ~chi_1 per layer;
     * over 15 layers 1e-16 grows to at most ~1e-12, so 1e-9 is a safe bound. */
    for (int l = 0; l < 15; l++) {
        assert_true(fabs(a.q[l] - b.q[l]) < 1e-9);
        assert_true(fabs(a.rho[l] - b.rho[l]) < 1e-9);
    }
    assert_true(a.flops > 0 && a.flops == b.flops);
    dnc_cnn_result_free(&a);
    dnc_cnn_result_free(&b);
}

static void test_residual_alpha_zero_is_identity(void **state)
{
    (void)state;
    enum { C = 8, S = 32, L = 6 };
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.size_x = S;
    o.net.channels = C;
    o.net.depth = L;
    o.net.sigma_b = 0.5;
    o.net.residual = true;
    o.net.residual_alpha = 0.0;
    size_t n = 2 * C * S;
    double *x = malloc(n * sizeof *x), *hl = malloc(n * sizeof *hl);
    assert_int_equal(dnc_cnn_make_inputs(&o, x), DNC_OK);
    double q0 = 0;
    for (size_t j = 0; j < n; j++)
        q0 += x[j] * x[j];
    q0 /= (double)n;
    o.observer = keep_last_h;
    o.observer_ctx = hl;
    dnc_cnn_result r;
    assert_int_equal(dnc_cnn_propagate(&o, &r), DNC_OK);
    /* h^l = x + 0 F(...) for every layer: the network is the identity */
    assert_memory_equal(hl, x, n * sizeof *x);
    for (int l = 0; l < L; l++) {
        assert_true(fabs(r.q[l] - q0) < 1e-14);
        assert_float_equal(r.rho[l], r.rho[0], 0);
    }
    /* alpha != 0 really changes the state */
    o.net.residual_alpha = 0.5;
    dnc_cnn_result r2;
    assert_int_equal(dnc_cnn_propagate(&o, &r2), DNC_OK);
    assert_true(fabs(r2.q[L - 1] - q0) > 1e-3);
    /* with C_0 != C layer 1 is a plain embedding and the residual starts at layer 2 */
    o.net.residual_alpha = 0.0;
    o.net.input_channels = 3;
    double *h1 = malloc(n * sizeof *h1);
    dnc_cnn_opts first = o;
    first.net.depth = 1;
    first.observer_ctx = h1;
    dnc_cnn_result r3, r4;
    assert_int_equal(dnc_cnn_propagate(&first, &r3), DNC_OK);
    assert_int_equal(dnc_cnn_propagate(&o, &r4), DNC_OK);
    assert_memory_equal(hl, h1, n * sizeof *h1);
    dnc_cnn_result_free(&r);
    dnc_cnn_result_free(&r2);
    dnc_cnn_result_free(&r3);
    dnc_cnn_result_free(&r4);
    free(x);
    free(hl);
    free(h1);
}

/* Wide CNN with spatially uniform input statistics against the mean-field
 * q and c maps (Xiao et al. 2018: the MLP maps with fan_in = C k^d), the
 * expectations by 64-point Gauss-Hermite quadrature (GSL). A wrong fan-in
 * (C instead of C k) would put q off by a factor k = 3. */
static void mean_field_maps(double sw, double sb, double qin, double cin, int L, double *q_mf,
                            double *c_mf)
{
    gsl_integration_fixed_workspace *w =
        gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, 64, 0, 1, 0, 0);
    const double *x = gsl_integration_fixed_nodes(w), *wt = gsl_integration_fixed_weights(w);
    double q = sw * sw * qin + sb * sb, q12 = sw * sw * qin * cin + sb * sb; /* layer 1 is linear */
    for (int l = 0; l < L; l++) {
        q_mf[l] = q;
        c_mf[l] = q12 / q;
        double c = q12 / q, eq = 0, e12 = 0;
        for (int i = 0; i < 64; i++) {
            double z1 = sqrt(2.0) * x[i];
            eq += wt[i] * pow(tanh(sqrt(q) * z1), 2);
            for (int j = 0; j < 64; j++) {
                double z2 = sqrt(2.0) * x[j];
                e12 += wt[i] * wt[j] * tanh(sqrt(q) * z1) *
                       tanh(sqrt(q) * (c * z1 + sqrt(1 - c * c) * z2));
            }
        }
        q = sw * sw * eq / sqrt(M_PI) + sb * sb;
        q12 = sw * sw * e12 / M_PI + sb * sb;
    }
    gsl_integration_fixed_free(w);
}

static void test_wide_cnn_follows_mean_field(void **state)
{
    (void)state;
    enum { L = 8, NSEEDS = 10, C = 128 };
    double q_mf[L], c_mf[L], sq[L] = {0}, sq2[L] = {0}, sc[L] = {0}, sc2[L] = {0};
    mean_field_maps(1.5, 0.3, 1.0, 0.3, L, q_mf, c_mf);
    for (int s = 0; s < NSEEDS; s++) {
        dnc_cnn_opts o = dnc_cnn_opts_default();
        o.net.channels = C;
        o.net.kernel = 3;
        o.net.size_x = 32;
        o.net.depth = L;
        o.net.sigma_w = 1.5;
        o.net.sigma_b = 0.3;
        o.net.seed = (uint64_t)s + 1;
        o.input_c = 0.3;
        dnc_cnn_result r;
        assert_int_equal(dnc_cnn_propagate(&o, &r), DNC_OK);
        for (int l = 0; l < L; l++) {
            sq[l] += r.q[l];
            sq2[l] += r.q[l] * r.q[l];
            sc[l] += r.c[l];
            sc2[l] += r.c[l] * r.c[l];
        }
        dnc_cnn_result_free(&r);
    }
    for (int l = 0; l < L; l++) {
        double mq = sq[l] / NSEEDS, mc = sc[l] / NSEEDS;
        double se_q = sqrt((sq2[l] / NSEEDS - mq * mq) / (NSEEDS - 1));
        double se_c = sqrt((sc2[l] / NSEEDS - mc * mc) / (NSEEDS - 1));
        /* 4 standard errors over 10 networks (t with 9 d.o.f.: p ~ 0.003) plus
         * the O(1/C) finite-width bias of the mean-field limit. */
        if (fabs(mq - q_mf[l]) > 4 * se_q + 1.0 / C || fabs(mc - c_mf[l]) > 4 * se_c + 1.0 / C)
            fail_msg("layer %d: q %g vs %g (se %g), c %g vs %g (se %g)", l + 1, mq, q_mf[l], se_q,
                     mc, c_mf[l], se_c);
    }
}

/* ------------------------------------------- locally connected networks */

/* Slow reference for a locally connected network, written from the stream
 * convention documented in cnn_net.h, not from cnn_net.c: kernel row o of
 * site s in layer l is the normal sequence (seed, DNC_STREAM_WEIGHT, l, s C + o)
 * times sigma_w / sqrt(fan_in), bias o of site s is element s C + o of
 * (seed, DNC_STREAM_BIAS, l, 0) times sigma_b. Propagates B inputs through
 * `depth` tanh layers (residual as in cnn.h) with explicit modular indexing;
 * H holds h^l of every layer: depth x B x C x S. */
static void naive_local_propagate(const dnc_cnn_config *net, const double *X, size_t B,
                                  double *H)
{
    long Lx = (long)net->size_x, Ly = net->dims == 2 ? (long)net->size_y : 1, k = (long)net->kernel;
    long kyn = net->dims == 2 ? k : 1, r = (k - 1) / 2, ry = net->dims == 2 ? r : 0;
    long C = (long)net->channels, C0 = net->input_channels ? (long)net->input_channels : C;
    long S = Lx * Ly, T = kyn * k;
    double *a = malloc((size_t)(B * (size_t)(C0 > C ? C0 : C) * (size_t)S) * sizeof *a);
    double *h = calloc((size_t)B * (size_t)C * (size_t)S, sizeof *h);
    double *bias = malloc((size_t)(S * C) * sizeof *bias);
    memcpy(a, X, (size_t)B * (size_t)C0 * (size_t)S * sizeof *a);
    if (net->residual && C0 == C)
        memcpy(h, X, (size_t)B * (size_t)C * (size_t)S * sizeof *h);
    for (long l = 1; l <= (long)net->depth; l++) {
        long Cin = l == 1 ? C0 : C, fan = Cin * T;
        double *w = malloc((size_t)fan * sizeof *w);
        dnc_normal_fill(net->seed, DNC_STREAM_BIAS, (uint32_t)l, 0, bias, (size_t)(S * C));
        bool res = net->residual && Cin == C;
        double *out = H + (size_t)(l - 1) * B * (size_t)(C * S);
        for (long b = 0; b < (long)B; b++)
            for (long y = 0; y < Ly; y++)
                for (long x = 0; x < Lx; x++) {
                    long s = y * Lx + x;
                    for (long o = 0; o < C; o++) {
                        dnc_normal_fill(net->seed, DNC_STREAM_WEIGHT, (uint32_t)l,
                                        (uint32_t)(s * C + o), w, (size_t)fan);
                        double acc = net->sigma_b > 0 ? net->sigma_b * bias[s * C + o] : 0.0;
                        for (long i = 0; i < Cin; i++)
                            for (long ty = 0; ty < kyn; ty++)
                                for (long tx = 0; tx < k; tx++) {
                                    long xs = ((x + tx - r) % Lx + Lx) % Lx;
                                    long ys = ((y + ty - ry) % Ly + Ly) % Ly;
                                    acc += net->sigma_w / sqrt((double)fan) *
                                           w[i * T + ty * k + tx] *
                                           a[(b * Cin + i) * S + ys * Lx + xs];
                                }
                        size_t j = (size_t)((b * C + o) * S + s);
                        out[j] = res ? h[j] + net->residual_alpha * acc : acc;
                    }
                }
        for (size_t j = 0; j < B * (size_t)(C * S); j++) {
            h[j] = out[j];
            a[j] = tanh(out[j]);
        }
        free(w);
    }
    free(a);
    free(h);
    free(bias);
}

/* Keeps h^l of every layer: depth x B x N. */
static dnc_status keep_all_h(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    memcpy((double *)ctx + (layer - 1) * B * N, H, B * N * sizeof *H);
    return DNC_OK;
}

static void check_local_against_naive(int dims, size_t Lx, size_t Ly, size_t C, size_t C0,
                                      size_t k, bool residual)
{
    enum { B = 2, L = 3 };
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.dims = dims;
    o.net.size_x = Lx;
    o.net.size_y = Ly;
    o.net.channels = C;
    o.net.input_channels = C0;
    o.net.kernel = k;
    o.net.depth = L;
    o.net.sigma_w = 1.4;
    o.net.sigma_b = 0.3;
    o.net.residual = residual;
    o.net.residual_alpha = 0.7;
    o.net.seed = 5;
    o.net.sharing = DNC_CNN_LOCAL;
    o.batch = B;
    o.input_c = 0.4;
    size_t S = Lx * (dims == 2 ? Ly : 1), C0e = C0 ? C0 : C, n = L * B * C * S;
    double *X = malloc(B * C0e * S * sizeof *X);
    double *got = malloc(n * sizeof *got), *ref = malloc(n * sizeof *ref);
    assert_int_equal(dnc_cnn_make_inputs(&o, X), DNC_OK);
    o.inputs = X;
    o.observer = keep_all_h;
    o.observer_ctx = got;
    dnc_cnn_result res;
    assert_int_equal(dnc_cnn_propagate(&o, &res), DNC_OK);
    naive_local_propagate(&o.net, X, B, ref);
    /* Sums of C_in k^d <= 144 products of O(1) numbers through 3 layers with
     * |tanh'| <= 1 and sigma_w = 1.4: rounding differences of a few ulps grow
     * by at most ~sigma_w sqrt(fan_in) per layer, far below 1e-11; a wrong
     * weight, bias or site index changes h by O(1). */
    for (size_t j = 0; j < n; j++)
        if (fabs(got[j] - ref[j]) > 1e-11)
            fail_msg("dims %d C %zu C0 %zu k %zu residual %d: h[%zu] = %.17g, naive %.17g", dims,
                     C, C0, k, residual, j, got[j], ref[j]);
    dnc_cnn_result_free(&res);
    free(X);
    free(got);
    free(ref);
}

static void test_local_matches_naive(void **state)
{
    (void)state;
    check_local_against_naive(1, 11, 1, 5, 3, 3, false); /* C_in != C_out */
    check_local_against_naive(1, 9, 1, 4, 0, 1, false);  /* 1x1 kernel */
    check_local_against_naive(1, 7, 1, 3, 0, 5, true);   /* residual, layer 1 included */
    check_local_against_naive(1, 8, 1, 4, 2, 3, true);   /* residual from layer 2 on */
    check_local_against_naive(2, 5, 4, 3, 2, 3, false);  /* non-square 2D, C_in != C_out */
    check_local_against_naive(2, 4, 3, 4, 0, 1, false);
}

/* One site (k = 1): the local network's only kernel is the shared one
 * (site 0 = rows 0 .. C-1), so the two propagations agree bitwise. The shared
 * side runs the direct loop, whose summation order (bias, then (i, t)) is the
 * local loop's; im2col's DGEMM would sum in another order. */
static void test_local_one_site_equals_shared(void **state)
{
    (void)state;
    enum { C = 12, C0 = 5, L = 6, B = 3 };
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        dnc_cnn_opts o = dnc_cnn_opts_default();
        o.net.channels = C;
        o.net.input_channels = C0;
        o.net.kernel = 1;
        o.net.size_x = 1;
        o.net.depth = L;
        o.net.sigma_w = 1.3;
        o.net.sigma_b = with_bias ? 0.2 : 0.0;
        o.net.seed = 77;
        o.batch = B;
        o.input_c = 0.3;
        double hs[L * B * C], hl[L * B * C];
        o.observer = keep_all_h;
        o.algo = DNC_CONV_DIRECT;
        o.observer_ctx = hs;
        dnc_cnn_result rs, rl;
        assert_int_equal(dnc_cnn_propagate(&o, &rs), DNC_OK);
        o.algo = DNC_CONV_AUTO;
        o.net.sharing = DNC_CNN_LOCAL;
        o.observer_ctx = hl;
        assert_int_equal(dnc_cnn_propagate(&o, &rl), DNC_OK);
        assert_memory_equal(hs, hl, sizeof hs);
        assert_memory_equal(rs.q, rl.q, L * sizeof(double));
        assert_memory_equal(rs.rho, rl.rho, L * sizeof(double));
        dnc_cnn_result_free(&rs);
        dnc_cnn_result_free(&rl);
    }
}

static void test_local_weights_differ_between_sites(void **state)
{
    (void)state;
    dnc_cnn_config c = dnc_cnn_config_default();
    c.channels = 4;
    c.input_channels = 3;
    c.kernel = 3;
    c.sigma_b = 0.5;
    c.sharing = DNC_CNN_LOCAL;
    enum { NS = 50 };
    size_t fan = dnc_cnn_fan_in(&c, 1), m = c.channels * fan; /* 4 x 9 */
    double *W = malloc(NS * m * sizeof *W), *bias = malloc(NS * 4 * sizeof *bias);
    double shared_W[4 * 9], shared_b[4], one[4 * 12], oneb[4]; /* layer 2: fan_in 4 x 3 */
    dnc_cnn_local_weights(&c, 1, 0, NS, W);
    dnc_cnn_local_bias(&c, 1, 0, NS, bias);
    dnc_cnn_layer_weights(&c, 1, shared_W);
    dnc_cnn_layer_bias(&c, 1, shared_b);
    /* site 0 is the shared kernel and bias */
    assert_memory_equal(W, shared_W, sizeof shared_W);
    assert_memory_equal(bias, shared_b, sizeof shared_b);
    /* a block is the sites drawn one by one (the engine draws per site) */
    dnc_cnn_local_weights(&c, 1, 17, 1, one);
    dnc_cnn_local_bias(&c, 1, 17, 1, oneb);
    assert_memory_equal(W + 17 * m, one, m * sizeof *one);
    assert_memory_equal(bias + 17 * 4, oneb, sizeof oneb);
    /* every site has its own numbers: no entry repeats between two sites
     * (continuous normals: equal doubles only by a stream mix-up) */
    for (size_t s = 1; s < NS; s++)
        for (size_t j = 0; j < m; j++)
            assert_true(W[s * m + j] != W[(s - 1) * m + j] && W[s * m + j] != W[j]);
    /* and the scale of W ~ N(0, sigma_w^2 / fan_in): mean of W^2 fan_in / sigma_w^2
     * over 1800 numbers is 1 with standard error sqrt(2/1800) = 0.033; 5 of them */
    double ms = 0;
    for (size_t j = 0; j < NS * m; j++)
        ms += W[j] * W[j];
    ms *= (double)fan / (double)(NS * m);
    assert_true(fabs(ms - 1.0) < 5 * sqrt(2.0 / (NS * m)));
    /* another layer is another kernel */
    dnc_cnn_local_weights(&c, 2, 0, 1, one);
    assert_true(one[0] != W[0]);
    free(W);
    free(bias);
}

/* A spatially uniform input: the shared CNN is translation invariant (every
 * site the same h up to rounding), the local network is not. */
static void test_local_breaks_translation_invariance(void **state)
{
    (void)state;
    enum { C = 6, S = 16, B = 2 };
    double X[B * C * S];
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < C; i++)
            for (size_t s = 0; s < S; s++)
                X[(b * C + i) * S + s] = sin(1.0 + (double)(b * C + i));
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.channels = C;
    o.net.size_x = S;
    o.net.depth = 2;
    o.net.sigma_b = 0.3;
    o.inputs = X;
    double h[B * C * S];
    o.observer = keep_last_h;
    o.observer_ctx = h;
    for (int local = 0; local < 2; local++) {
        o.net.sharing = local ? DNC_CNN_LOCAL : DNC_CNN_SHARED;
        dnc_cnn_result r;
        assert_int_equal(dnc_cnn_propagate(&o, &r), DNC_OK);
        double spread = 0;
        for (size_t bc = 0; bc < B * C; bc++)
            for (size_t s = 1; s < S; s++)
                spread = fmax(spread, fabs(h[bc * S + s] - h[bc * S]));
        /* shared: the same sums at every site, rounding only (1e-12); local:
         * independent O(1) pre-activations per site */
        if (local)
            assert_true(spread > 0.1);
        else
            assert_true(spread < 1e-12);
        dnc_cnn_result_free(&r);
    }
}

static void test_local_bitwise_deterministic_over_threads(void **state)
{
    (void)state;
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.dims = 2;
    o.net.size_x = 12;
    o.net.size_y = 10;
    o.net.channels = 8;
    o.net.depth = 6;
    o.net.sigma_w = 1.5;
    o.net.sigma_b = 0.1;
    o.net.sharing = DNC_CNN_LOCAL;
    o.batch = 3;
    o.perturb_width = 4;
    o.damage_cutoff = 1e-3;
    o.threshold = 1e-4;
    size_t n = 3 * 8 * 12 * 10;
    double *h1 = malloc(n * sizeof *h1), *h2 = malloc(n * sizeof *h2);
    dnc_cnn_result r1, r2;
    run_with_threads(o, 1, &r1, h1);
    run_with_threads(o, 2, &r2, h2);
    assert_memory_equal(h1, h2, n * sizeof *h1);
    assert_memory_equal(r1.q, r2.q, 6 * sizeof(double));
    assert_memory_equal(r1.rho, r2.rho, 6 * sizeof(double));
    assert_memory_equal(r1.active, r2.active, 6 * sizeof(double));
    dnc_cnn_result_free(&r1);
    dnc_cnn_result_free(&r2);
    free(h1);
    free(h2);
    omp_set_num_threads(2);
    openblas_set_num_threads(2);
}

/* ------------------------------------------------------- damage cut-off */

typedef struct {
    double *h;   /* depth x B x N */
    double *rho; /* depth x S */
    size_t S;
} trace;

static dnc_status trace_rho(void *ctx, size_t layer, const double *rho_x, size_t S)
{
    trace *t = ctx;
    memcpy(t->rho + (layer - 1) * S, rho_x, S * sizeof *rho_x);
    return DNC_OK;
}

static dnc_status trace_h(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    trace *t = ctx;
    return keep_all_h(t->h, layer, H, B, N);
}

static void run_traced(dnc_cnn_opts o, trace *t, dnc_cnn_result *res)
{
    size_t S = dnc_cnn_sites(&o.net), N = o.net.channels * S;
    t->S = S;
    t->h = malloc(o.net.depth * o.batch * N * sizeof *t->h);
    t->rho = malloc(o.net.depth * S * sizeof *t->rho);
    o.observer = trace_h;
    o.observer_ctx = t;
    o.site_observer = trace_rho;
    o.site_observer_ctx = t;
    assert_int_equal(dnc_cnn_propagate(&o, res), DNC_OK);
}

static void trace_free(trace *t)
{
    free(t->h);
    free(t->rho);
}

static dnc_cnn_opts cutoff_opts(dnc_cnn_sharing sharing)
{
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.size_x = 48;
    o.net.channels = 6;
    o.net.depth = 25;
    o.net.sigma_w = 1.45;
    o.net.sigma_b = 0.3;
    o.net.sharing = sharing;
    o.batch = 3;
    o.perturb_width = 6;
    return o;
}

/* eps = 0 is off: the same bits as eps = DBL_MIN when no site has
 * 0 < rho(x) < DBL_MIN (checked), i.e. the reset code changes nothing when
 * it resets nothing; the other tests run eps = 0 against naive references. */
static void test_cutoff_zero_is_unchanged(void **state)
{
    (void)state;
    for (int sh = 0; sh < 2; sh++) {
        dnc_cnn_opts o = cutoff_opts((dnc_cnn_sharing)sh);
        o.threshold = 0;
        trace t0, t1;
        dnc_cnn_result r0, r1;
        run_traced(o, &t0, &r0);
        o.damage_cutoff = DBL_MIN;
        run_traced(o, &t1, &r1);
        size_t L = o.net.depth, S = t0.S, n = L * o.batch * o.net.channels * S;
        for (size_t j = 0; j < L * S; j++)
            assert_true(t0.rho[j] == 0 || t0.rho[j] >= DBL_MIN);
        assert_memory_equal(t0.h, t1.h, n * sizeof(double));
        assert_memory_equal(t0.rho, t1.rho, L * S * sizeof(double));
        assert_memory_equal(r0.q, r1.q, L * sizeof(double));
        assert_memory_equal(r0.rho, r1.rho, L * sizeof(double));
        assert_memory_equal(r0.active, r1.active, L * sizeof(double));
        dnc_cnn_result_free(&r0);
        dnc_cnn_result_free(&r1);
        trace_free(&t0);
        trace_free(&t1);
    }
}

/* eps above any rho (rho <= 2): every damaged site is reset at once, so the
 * observables (taken after the reset) show rho = 0 and no active site at every
 * layer, every input's h is input 0's bitwise, and input 0 itself follows the
 * network exactly as without the cut-off (the reset never touches it). */
static void test_cutoff_huge_resets_everything(void **state)
{
    (void)state;
    for (int sh = 0; sh < 2; sh++) {
        for (int post = 0; post < 2; post++) {
            dnc_cnn_opts o = cutoff_opts((dnc_cnn_sharing)sh);
            o.corr = post ? DNC_CORR_POST : DNC_CORR_PRE;
            o.perturb_width = 0; /* damage everywhere */
            trace t0, t1;
            dnc_cnn_result r0, r1;
            run_traced(o, &t0, &r0);
            o.damage_cutoff = 1e300;
            run_traced(o, &t1, &r1);
            size_t L = o.net.depth, B = o.batch, N = o.net.channels * t0.S;
            assert_true(r0.rho[0] > 0.1 && r0.active[0] == 1.0); /* there was damage */
            for (size_t l = 0; l < L; l++) {
                assert_float_equal(r1.rho[l], 0.0, 0);
                assert_float_equal(r1.active[l], 0.0, 0);
                assert_float_equal(r1.c[l], 1.0, 0);
                for (size_t s = 0; s < t1.S; s++)
                    assert_float_equal(t1.rho[l * t1.S + s], 0.0, 0);
                const double *H = t1.h + l * B * N;
                for (size_t b = 1; b < B; b++)
                    assert_memory_equal(H + b * N, H, N * sizeof *H);
                assert_memory_equal(H, t0.h + l * B * N, N * sizeof *H);
            }
            dnc_cnn_result_free(&r0);
            dnc_cnn_result_free(&r1);
            trace_free(&t0);
            trace_free(&t1);
        }
    }
}

/* Ordered phase (sigma_w = 0.6): without the cut-off rho decays smoothly and
 * never reaches 0; with it the damage dies at some layer, and from there on
 * rho(x) = 0 at every site and all inputs are bitwise input 0: absorbing. */
static void test_cutoff_makes_zero_absorbing(void **state)
{
    (void)state;
    for (int sh = 0; sh < 2; sh++) {
        dnc_cnn_opts o = cutoff_opts((dnc_cnn_sharing)sh);
        o.net.sigma_w = 0.6;
        o.net.depth = 40;
        trace t0, t1;
        dnc_cnn_result r0, r1;
        run_traced(o, &t0, &r0);
        o.damage_cutoff = 1e-3;
        run_traced(o, &t1, &r1);
        size_t L = o.net.depth, B = o.batch, N = o.net.channels * t0.S, dead = L;
        assert_true(r0.rho[L - 1] > 0); /* smooth: no exact zero without the cut-off */
        for (size_t l = 0; l < L && dead == L; l++)
            if (r1.active[l] == 0)
                dead = l;
        assert_true(dead > 0 && dead < L - 5); /* it died, and there are layers to watch */
        for (size_t l = dead; l < L; l++) {
            assert_float_equal(r1.rho[l], 0.0, 0);
            assert_float_equal(r1.active[l], 0.0, 0);
            for (size_t s = 0; s < t1.S; s++)
                assert_float_equal(t1.rho[l * t1.S + s], 0.0, 0);
            const double *H = t1.h + l * B * N;
            for (size_t b = 1; b < B; b++)
                assert_memory_equal(H + b * N, H, N * sizeof *H);
        }
        dnc_cnn_result_free(&r0);
        dnc_cnn_result_free(&r1);
        trace_free(&t0);
        trace_free(&t1);
    }
}

/* With the cut-off the light cone still bounds the damage (the reset only
 * removes damage), every damaged site has rho(x) >= eps after the reset, and
 * the active fraction is the fraction of sites with nonzero damage. */
static void test_cutoff_light_cone(void **state)
{
    (void)state;
    for (int sh = 0; sh < 2; sh++) {
        enum { Lx = 64, W = 4, L = 10 };
        dnc_cnn_opts o = dnc_cnn_opts_default();
        o.net.size_x = Lx;
        o.net.kernel = 5;
        o.net.channels = 8;
        o.net.depth = L;
        o.net.sigma_w = 2.0;
        o.net.sharing = (dnc_cnn_sharing)sh;
        o.perturb_width = W;
        o.damage_cutoff = 1e-2;
        trace t;
        dnc_cnn_result res;
        run_traced(o, &t, &res);
        long lo = (Lx - W) / 2, hi = lo + W - 1, r = 2;
        size_t resets = 0;
        for (long l = 1; l <= L; l++) {
            size_t nonzero = 0;
            for (long x = 0; x < Lx; x++) {
                double rx = t.rho[(l - 1) * Lx + x];
                if (x < lo - l * r || x > hi + l * r)
                    assert_float_equal(rx, 0.0, 0);
                assert_true(rx == 0 || rx >= o.damage_cutoff);
                nonzero += rx != 0;
                resets += rx == 0 && x >= lo - l * r && x <= hi + l * r;
            }
            assert_true(nonzero > 0);
            assert_float_equal(res.active[l - 1], (double)nonzero / Lx, 0);
        }
        assert_true(resets > 0); /* the cut-off acted inside the cone */
        dnc_cnn_result_free(&res);
        trace_free(&t);
    }
}

static void expect_invalid(dnc_cnn_opts o, const char *fragment)
{
    dnc_cnn_result res;
    assert_int_equal(dnc_cnn_propagate(&o, &res), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), fragment));
    assert_null(res.q);
}

static void test_bad_configurations(void **state)
{
    (void)state;
    dnc_cnn_opts o = dnc_cnn_opts_default();
    o.net.kernel = 4;
    expect_invalid(o, "odd");
    o = dnc_cnn_opts_default();
    o.net.size_x = 5;
    o.net.kernel = 7;
    expect_invalid(o, "larger than the lattice");
    o = dnc_cnn_opts_default();
    o.net.dims = 2;
    o.net.size_y = 2;
    expect_invalid(o, "size-y");
    o = dnc_cnn_opts_default();
    o.net.channels = 0;
    expect_invalid(o, "channels");
    o = dnc_cnn_opts_default();
    o.net.sigma_w = NAN;
    expect_invalid(o, "sigma_w");
    o = dnc_cnn_opts_default();
    o.net.dims = 3;
    expect_invalid(o, "dims");
    o = dnc_cnn_opts_default();
    o.perturb_width = 1000;
    expect_invalid(o, "perturbed");
    o = dnc_cnn_opts_default();
    o.net.size_x = 4;
    o.net.channels = 2;
    double X[16] = {0};
    X[5] = NAN;
    o.inputs = X;
    expect_invalid(o, "input value 5");
    o = dnc_cnn_opts_default();
    o.damage_cutoff = -1e-3;
    expect_invalid(o, "damage cut-off");
    o.damage_cutoff = NAN;
    expect_invalid(o, "damage cut-off");
    o.damage_cutoff = 1e-8; /* below the default threshold 1e-6 */
    expect_invalid(o, "threshold");
    o = dnc_cnn_opts_default();
    o.net.sharing = (dnc_cnn_sharing)7;
    expect_invalid(o, "sharing 7");
    o.net.sharing = DNC_CNN_LOCAL;
    o.algo = DNC_CONV_IM2COL;
    expect_invalid(o, "'im2col' applies to shared weights only");
    o = dnc_cnn_opts_default();
    o.net.sharing = DNC_CNN_LOCAL;
    o.net.size_x = (size_t)1 << 24;
    o.net.channels = 512; /* 2^33 kernel rows */
    expect_invalid(o, "2^32");
}

/* ------------------------------------------------------------- CLI */

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

static void test_cli_writes_csv_json_raster(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir,
                        "cnn --dims 2 --size-x 8 --size-y 6 --channels 4 --depth 7 --seeds 3 "
                        "--perturb 2 --raster --quiet --out %s/run",
                        dir);
    assert_int_equal(rc, 0);
    char *csv = tu_read(tu_path(dir, "run.csv"));
    assert_non_null(csv);
    assert_non_null(strstr(csv, "layer,q,rho,rho_err,active_fraction,active_fraction_err,"
                                "survival,survival_err,q_err,c,c_err\n"));
    assert_int_equal(count_lines(csv), 8);
    free(csv);
    char *seeds = tu_read(tu_path(dir, "run.seeds.csv"));
    assert_non_null(seeds);
    assert_non_null(strstr(seeds, "seed,layer,q,rho,c,active_fraction,surv,nact\n"));
    assert_int_equal(count_lines(seeds), 1 + 3 * 7);
    assert_non_null(strstr(seeds, "\n3,7,")); /* last block: seed 3, layer 7 */
    free(seeds);
    char *json = tu_read(tu_path(dir, "run.json"));
    assert_non_null(json);
    assert_non_null(strstr(json, "\"raster\""));
    assert_non_null(strstr(json, "\"seeds\":\t3"));
    free(json);
    gzFile gz = gzopen(tu_path(dir, "run.raster.csv.gz"), "rb");
    assert_non_null(gz);
    char buf[4096];
    size_t rows = 0;
    while (gzgets(gz, buf, sizeof buf))
        rows++;
    gzclose(gz);
    assert_int_equal(rows, 1 + 3 * 7); /* header + seeds x layers */
    tu_rmtree_free(dir);
}

/* expect_rc: 2 (usage) or 1 (failed run); 0 accepts either */
static void check_cli_exit(const char *args, const char *fragment, int expect_rc)
{
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir, "cnn %s --quiet --out %s/run", args, dir);
    if (expect_rc)
        assert_int_equal(rc, expect_rc);
    assert_true(rc == 1 || rc == 2);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(err);
    if (!strstr(err, fragment))
        fail_msg("stderr '%s' does not mention '%s'", err, fragment);
    free(err);
    assert_false(tu_exists(tu_path(dir, "run.csv")));
    assert_false(tu_exists(tu_path(dir, "run.json")));
    assert_false(tu_exists(tu_path(dir, "run.seeds.csv")));
    assert_int_equal(tu_count_entries(dir), 2); /* stdout and stderr only */
    tu_rmtree_free(dir);
}

static void check_cli_rejects(const char *args, const char *fragment)
{
    check_cli_exit(args, fragment, 0);
}

static void test_cli_bad_input(void **state)
{
    (void)state;
    check_cli_exit("--damage-cutoff -0.1", "damage-cutoff", 2);
    check_cli_exit("--damage-cutoff nan", "damage-cutoff", 2);
    check_cli_exit("--sharing diagonal", "sharing", 2);
    check_cli_exit("--damage-cutoff 1e-8", "threshold", 2);
    check_cli_exit("--sharing local --algo direct", "'direct' applies to shared weights only", 2);
    check_cli_rejects("--kernel 4", "odd");
    check_cli_rejects("--size-x 3 --kernel 5", "larger than the lattice");
    check_cli_rejects("--channels 0", "channels");
    check_cli_rejects("--sigma-w nan", "sigma-w");
    check_cli_rejects("--dims 3", "dims");
    check_cli_rejects("--corr middle", "corr");
    check_cli_rejects("--seeds 0", "seeds");
    check_cli_rejects("--activation linear --sigma-w 1e100 --depth 8 --raster", "non-finite");
}

static void test_cli_local_cutoff_recorded(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir,
                        "cnn --sharing local --damage-cutoff 1e-4 --size-x 16 --channels 4 "
                        "--depth 5 --perturb 1 --quiet --out %s/run",
                        dir);
    assert_int_equal(rc, 0);
    char *json = tu_read(tu_path(dir, "run.json"));
    assert_non_null(json);
    assert_non_null(strstr(json, "\"sharing\":\t\"local\""));
    assert_non_null(strstr(json, "\"damage_cutoff\":\t0.0001"));
    assert_non_null(strstr(json, "\"conv_algorithm\":\t\"local\""));
    free(json);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_matches_naive),
        cmocka_unit_test(test_periodic_wrap),
        cmocka_unit_test(test_one_site_reduces_to_mlp),
        cmocka_unit_test(test_weights_match_mlp_rows),
        cmocka_unit_test(test_damage_light_cone),
        cmocka_unit_test(test_site_rho_values),
        cmocka_unit_test(test_bitwise_deterministic_over_threads),
        cmocka_unit_test(test_algorithms_agree_in_propagation),
        cmocka_unit_test(test_residual_alpha_zero_is_identity),
        cmocka_unit_test(test_wide_cnn_follows_mean_field),
        cmocka_unit_test(test_local_matches_naive),
        cmocka_unit_test(test_local_one_site_equals_shared),
        cmocka_unit_test(test_local_weights_differ_between_sites),
        cmocka_unit_test(test_local_breaks_translation_invariance),
        cmocka_unit_test(test_local_bitwise_deterministic_over_threads),
        cmocka_unit_test(test_cutoff_zero_is_unchanged),
        cmocka_unit_test(test_cutoff_huge_resets_everything),
        cmocka_unit_test(test_cutoff_makes_zero_absorbing),
        cmocka_unit_test(test_cutoff_light_cone),
        cmocka_unit_test(test_bad_configurations),
        cmocka_unit_test(test_cli_writes_csv_json_raster),
        cmocka_unit_test(test_cli_bad_input),
        cmocka_unit_test(test_cli_local_cutoff_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
