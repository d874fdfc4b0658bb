/* Network avalanches: the observer-based activity against a naive forward
 * pass, ordered vs chaotic phase, thread independence, bad options. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <omp.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/rng.h"

/* Naive damage counts: h^1 = W x + b, h^{l+1} = W phi(h^l) + b with the
 * documented weights, inputs and perturbed unit. */
static void naive_counts(const dnc_net_aval_opts *o, uint64_t seed, double *rho_sum)
{
    size_t N = o->net.width, L = o->net.depth, n0 = dnc_mlp_input_width(&o->net);
    dnc_mlp_config cfg = o->net;
    cfg.seed = seed;
    double *x[2], *h[2], *W = malloc(N * (N > n0 ? N : n0) * sizeof *W), *b = malloc(N * sizeof *b);
    for (int k = 0; k < 2; k++) {
        x[k] = malloc((N > n0 ? N : n0) * sizeof *x[k]);
        h[k] = malloc(N * sizeof *h[k]);
    }
    for (size_t j = 0; j < o->inputs; j++) {
        dnc_normal_fill(seed, DNC_STREAM_INPUT, (uint32_t)j, 0, x[0], n0);
        for (size_t i = 0; i < n0; i++)
            x[0][i] *= sqrt(o->input_q);
        memcpy(x[1], x[0], n0 * sizeof *x[0]);
        size_t unit = (size_t)(dnc_uniform_at(seed, DNC_STREAM_PERTURB, (uint32_t)j, 0, 0) * (double)n0);
        x[1][unit] += o->delta;
        size_t fan = n0;
        for (size_t l = 1; l <= L; l++) {
            dnc_mlp_layer_weights(&cfg, l, W);
            dnc_mlp_layer_bias(&cfg, l, b);
            for (int k = 0; k < 2; k++)
                for (size_t r = 0; r < N; r++) {
                    double s = b[r] + o->field;
                    for (size_t c = 0; c < fan; c++)
                        s += W[r * fan + c] * x[k][c];
                    h[k][r] = s;
                }
            size_t cnt = 0;
            for (size_t r = 0; r < N; r++)
                cnt += fabs(h[1][r] - h[0][r]) > o->threshold * o->delta / sqrt((double)n0);
            rho_sum[l - 1] += (double)cnt / (double)N;
            for (int k = 0; k < 2; k++)
                for (size_t r = 0; r < N; r++)
                    x[k][r] = dnc_phi(o->net.activation, h[k][r]);
            fan = N;
        }
    }
    for (int k = 0; k < 2; k++) {
        free(x[k]);
        free(h[k]);
    }
    free(W);
    free(b);
}

static void test_matches_naive_forward_pass(void **state)
{
    (void)state;
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.width = 24;
    o.net.depth = 6;
    o.net.sigma_w = 1.3;
    o.net.sigma_b = 0.1;
    o.networks = 2;
    o.inputs = 5;
    dnc_net_aval_result r;
    assert_int_equal(dnc_net_avalanches(&o, &r), DNC_OK);
    double *rho = calloc(o.net.depth, sizeof *rho);
    for (size_t k = 0; k < o.networks; k++)
        naive_counts(&o, o.net.seed + k, rho);
    for (size_t l = 0; l < o.net.depth; l++)
        assert_true(fabs(r.rho_mean[l] - rho[l] / (double)(o.inputs * o.networks)) < 1e-12);
    /* completed avalanches hold at most the active units counted per layer */
    double S = 0, active = 0;
    for (size_t i = 0; i < r.av.count; i++)
        S += r.av.size[i];
    for (size_t l = 0; l < o.net.depth; l++)
        active += rho[l] * (double)o.net.width;
    assert_true(S <= active + 1e-9);
    assert_true(r.seeded == o.inputs * o.networks);
    free(rho);
    dnc_net_aval_result_free(&r);
}

/* Deep in the ordered phase (chi_1 < 1 by mean field) the damage dies and
 * no avalanche reaches the last layer; deep in the chaotic phase it spreads
 * and nearly every avalanche survives. */
static void test_ordered_and_chaotic_phases(void **state)
{
    (void)state;
    dnc_mf_params ordered = {DNC_ACT_TANH, 0.6, 0.05}, chaotic = {DNC_ACT_TANH, 2.5, 0.05};
    dnc_mf_point po, pc;
    assert_int_equal(dnc_mf_analyse(&ordered, &po), DNC_OK);
    assert_int_equal(dnc_mf_analyse(&chaotic, &pc), DNC_OK);
    assert_true(po.chi_1 < 1 && pc.chi_1 > 1);
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.width = 64;
    o.net.depth = 30;
    o.networks = 2;
    o.inputs = 40;
    o.net.sigma_b = 0.05;
    o.net.sigma_w = 0.6;
    dnc_net_aval_result r;
    assert_int_equal(dnc_net_avalanches(&o, &r), DNC_OK);
    assert_true(r.survival == 0);
    assert_true(r.rho_mean[o.net.depth - 1] == 0);
    dnc_net_aval_result_free(&r);
    o.net.sigma_w = 2.5;
    assert_int_equal(dnc_net_avalanches(&o, &r), DNC_OK);
    assert_true(r.survival > 0.9);
    assert_true(r.rho_mean[o.net.depth - 1] > 0.5);
    dnc_net_aval_result_free(&r);
}

static void test_thread_independent(void **state)
{
    (void)state;
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.width = 48;
    o.net.depth = 20;
    o.net.sigma_w = 1.4;
    o.networks = 2;
    o.inputs = 20;
    dnc_net_aval_result a, b;
    omp_set_num_threads(1);
    assert_int_equal(dnc_net_avalanches(&o, &a), DNC_OK);
    omp_set_num_threads(2);
    assert_int_equal(dnc_net_avalanches(&o, &b), DNC_OK);
    assert_memory_equal(a.rho_mean, b.rho_mean, o.net.depth * sizeof *a.rho_mean);
    assert_int_equal(a.av.count, b.av.count);
    assert_int_equal(a.cut, b.cut);
    dnc_net_aval_result_free(&a);
    dnc_net_aval_result_free(&b);
}

/* Jackknife error of chi over networks: with two networks it is half the
 * difference of the single-network susceptibilities (networks k use seed
 * + k, so network 1 alone is the run with seed + 1). */
static void test_chi_jackknife_error(void **state)
{
    (void)state;
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.width = 32;
    o.net.depth = 12;
    o.net.sigma_w = 1.5;
    o.inputs = 30;
    o.networks = 2;
    dnc_net_aval_result both, a, b;
    assert_int_equal(dnc_net_avalanches(&o, &both), DNC_OK);
    o.networks = 1;
    assert_int_equal(dnc_net_avalanches(&o, &a), DNC_OK);
    assert_true(isnan(a.chi_err));
    o.net.seed += 1;
    assert_int_equal(dnc_net_avalanches(&o, &b), DNC_OK);
    assert_true(a.chi > 0 && b.chi > 0);
    assert_true(fabs(both.chi_err - fabs(a.chi - b.chi) / 2) < 1e-9 * (1 + both.chi_err));
    dnc_net_aval_result_free(&both);
    dnc_net_aval_result_free(&a);
    dnc_net_aval_result_free(&b);
}

/* The response d rho/dh against a naive finite difference: rho of each
 * network at h +- dh from the naive forward pass (the field added to every
 * bias), its mean over the second half of the layers, the central
 * difference per network averaged; the error is the standard error of the
 * per-network differences. Both sides count the same units on the same
 * draws: equal to rounding (1e-9 relative). Also rho and rho_net. */
static void test_field_response_naive(void **state)
{
    (void)state;
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.width = 20;
    o.net.depth = 8;
    o.net.sigma_w = 1.6;
    o.net.sigma_b = 0.3;
    o.networks = 3;
    o.inputs = 6;
    o.field = 0.05;
    double dh = 0.04, resp, err;
    assert_int_equal(dnc_net_field_response(&o, dh, &resp, &err), DNC_OK);
    size_t L = o.net.depth;
    double *rp = calloc(L, sizeof *rp), *rm = calloc(L, sizeof *rm), d[3], m = 0;
    for (size_t k = 0; k < o.networks; k++) {
        dnc_net_aval_opts a = o;
        memset(rp, 0, L * sizeof *rp);
        memset(rm, 0, L * sizeof *rm);
        a.field = o.field + dh;
        naive_counts(&a, o.net.seed + k, rp);
        a.field = o.field - dh;
        naive_counts(&a, o.net.seed + k, rm);
        double sp = 0, sm = 0;
        for (size_t l = L / 2; l < L; l++)
            sp += rp[l], sm += rm[l];
        d[k] = (sp - sm) / (double)(L - L / 2) / (double)o.inputs / (2 * dh);
        m += d[k] / 3;
    }
    double v = 0;
    for (size_t k = 0; k < 3; k++)
        v += (d[k] - m) * (d[k] - m) / 2;
    assert_true(fabs(m) > 0); /* the field changes the activity here */
    assert_true(fabs(resp - m) < 1e-9 * fabs(m));
    assert_true(fabs(err - sqrt(v / 3)) < 1e-9 * (sqrt(v / 3) + 1e-12));
    /* rho: the mean of rho_mean over the second half; rho_net averages to it */
    dnc_net_aval_result r;
    assert_int_equal(dnc_net_avalanches(&o, &r), DNC_OK);
    double h = 0, n = 0;
    for (size_t l = L / 2; l < L; l++)
        h += r.rho_mean[l] / (double)(L - L / 2);
    for (size_t k = 0; k < r.networks; k++)
        n += r.rho_net[k] / (double)r.networks;
    assert_true(fabs(r.rho - h) < 1e-12 && fabs(n - h) < 1e-12);
    assert_int_equal(dnc_net_field_response(&o, 0, &resp, &err), DNC_EINVAL);
    dnc_net_aval_result_free(&r);
    free(rp);
    free(rm);
}

/* Vertex of d(x) = c - a (x - x0)^2: exact on a grid (the parabola through
 * three of its points is itself); a Lorentzian's within the half grid step;
 * the parametric bootstrap of the vertex against the delta method, x* = x1 +
 * (h/2)(y0 - y2)/(y0 - 2 y1 + y2) linearised in the three y's with equal
 * errors s (small s: the linearisation holds; 4000 resamples: the bootstrap
 * standard deviation has a relative error ~ 1/sqrt(2 * 4000) = 1.1 %, so 5 %
 * is a 4-sigma band). Edges and bad grids. */
static void test_curve_peak(void **state)
{
    (void)state;
    double x[9], y[9], e[9], hstep = 0.05, x0 = 1.3717;
    for (size_t i = 0; i < 9; i++) {
        x[i] = 1.1 + hstep * (double)i;
        y[i] = 4 - 30 * (x[i] - x0) * (x[i] - x0);
        e[i] = 0.002;
    }
    dnc_curve_peak pk;
    assert_int_equal(dnc_curve_peak_find(x, y, NULL, 9, 0, 1, &pk), DNC_OK);
    assert_true(fabs(pk.x - x0) < 1e-9);
    assert_true(isnan(pk.x_err) && isnan(pk.y_err) && !pk.at_edge);
    assert_true(fabs(pk.x_res - hstep / 2) < 1e-12);
    assert_int_equal(pk.index, 5); /* 1.35 is the grid point nearest 1.3717 */
    assert_true(pk.y == y[5]);
    assert_int_equal(dnc_curve_peak_find(x, y, e, 9, 4000, 7, &pk), DNC_OK);
    size_t b = pk.index;
    double Y0 = y[b - 1], Y1 = y[b], Y2 = y[b + 1], D = Y0 - 2 * Y1 + Y2, Nn = Y0 - Y2;
    double g0 = hstep / 2 * (D - Nn) / (D * D), g1 = hstep / 2 * 2 * Nn / (D * D),
           g2 = hstep / 2 * (-D - Nn) / (D * D);
    double sd = 0.002 * sqrt(g0 * g0 + g1 * g1 + g2 * g2);
    assert_true(fabs(pk.x_err / sd - 1) < 0.05);
    assert_true(pk.y_err == 0.002);
    /* a Lorentzian: not a parabola, the vertex still within the resolution */
    for (size_t i = 0; i < 9; i++)
        y[i] = 1 / (1 + 100 * (x[i] - x0) * (x[i] - x0));
    assert_int_equal(dnc_curve_peak_find(x, y, NULL, 9, 0, 1, &pk), DNC_OK);
    assert_true(fabs(pk.x - x0) < pk.x_res && pk.x != x[pk.index]);
    /* maximum at the end: flagged, the grid point itself */
    for (size_t i = 0; i < 9; i++)
        y[i] = x[i];
    assert_int_equal(dnc_curve_peak_find(x, y, NULL, 9, 0, 1, &pk), DNC_OK);
    assert_true(pk.at_edge && pk.index == 8 && pk.x == x[8]);
    double bad[3] = {1, 1, 2};
    assert_int_equal(dnc_curve_peak_find(bad, y, NULL, 3, 0, 1, &pk), DNC_EINVAL);
    assert_int_equal(dnc_curve_peak_find(x, y, NULL, 0, 0, 1, &pk), DNC_EINVAL);
}

static void test_bad_options(void **state)
{
    (void)state;
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    dnc_net_aval_result r;
    o.threshold = 0;
    assert_int_equal(dnc_net_avalanches(&o, &r), DNC_EINVAL);
    o = dnc_net_aval_opts_default();
    o.networks = 0;
    assert_int_equal(dnc_net_avalanches(&o, &r), DNC_EINVAL);
    o = dnc_net_aval_opts_default();
    o.delta = -1;
    assert_int_equal(dnc_net_avalanches(&o, &r), DNC_EINVAL);
    dnc_net_rule rule;
    assert_int_equal(dnc_net_rule_parse("bogus", &rule), DNC_EINVAL);
    assert_int_equal(dnc_net_rule_parse("std", &rule), DNC_OK);
    assert_int_equal(rule, DNC_NET_STD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_naive_forward_pass),
        cmocka_unit_test(test_ordered_and_chaotic_phases),
        cmocka_unit_test(test_thread_independent),
        cmocka_unit_test(test_chi_jackknife_error),
        cmocka_unit_test(test_field_response_naive),
        cmocka_unit_test(test_curve_peak),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
