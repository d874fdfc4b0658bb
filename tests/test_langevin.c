/* The reduced Langevin theory (dnncrit/langevin.h): the estimator against
 * pairs drawn from the exact one-step law with known couplings, the
 * simulator against the closed-form first-passage laws of its two classes,
 * the class rule, thread independence, bad input. */
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
#include "dnncrit/langevin.h"
#include "dnncrit/powerlaw.h"
#include "dnncrit/rng.h"

/* Pairs (x, x + A(x) + sqrt(B(x)) xi) with x log-uniform in [1e-4, 0.5]:
 * the one-step law the estimator assumes, with the couplings known. */
static void draw_pairs(const dnc_langevin_couplings *c, size_t n, double *x, double *y)
{
    for (size_t i = 0; i < n; i++) {
        double u = dnc_uniform_at(11, DNC_STREAM_USER, 0, 0, i);
        x[i] = 1e-4 * pow(0.5 / 1e-4, u);
        double xi = dnc_normal_at(11, DNC_STREAM_USER, 1, 0, i);
        y[i] = x[i] + dnc_langevin_drift(c, x[i]) + sqrt(dnc_langevin_diffusion(c, x[i])) * xi;
    }
}

static void estimator_recovers_couplings(void **state)
{
    (void)state;
    const dnc_langevin_couplings truth = {.r = 0.05, .h = 0.8, .d1 = 2e-3, .d2 = 0.03};
    size_t n = 400000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    draw_pairs(&truth, n, x, y);
    dnc_langevin_fit f;
    assert_int_equal(dnc_langevin_estimate(x, y, n, 40, 50, &f), DNC_OK);
    assert_int_equal(f.pairs, n);
    assert_int_equal(f.nbins, 40);
    const double t[4] = {truth.r, truth.h, truth.d1, truth.d2};
    const double e[4] = {f.c.r, f.c.h, f.c.d1, f.c.d2};
    const double s[4] = {f.err.r, f.err.h, f.err.d1, f.err.d2};
    for (int k = 0; k < 4; k++) {
        /* Within 4 of the fit's own standard errors (a false alarm has
         * probability ~6e-5 per coupling for a correct estimator), and the
         * errors small enough (< 15 % of the value) that the test could
         * fail: a coupling left out or swapped would miss by far more. */
        assert_true(fabs(e[k] - t[k]) < 4 * s[k]);
        assert_true(s[k] < 0.15 * fabs(t[k]));
    }
    /* The model is right, so the weighted residuals are of unit size:
     * chi2/dof of 38 dof lies below 2 with probability > 0.999. */
    print_message("r %.4g+-%.2g h %.4g+-%.2g D1 %.4g+-%.2g D2 %.4g+-%.2g\n", f.c.r, f.err.r,
                  f.c.h, f.err.h, f.c.d1, f.err.d1, f.c.d2, f.err.d2);
    assert_true(f.drift_chi2_dof < 2 && f.diffusion_chi2_dof < 2);
    /* The direct mean over all pairs: x_next/x - 1 averages A(x)/x = r -
     * h x over the log-uniform x, r - h <x> with <x> = (0.5 - 1e-4) /
     * ln(5000); its error is sd / sqrt(n) (independent pairs here). The log
     * drift leaves out the pairs with x_next <= 0 (many at small x with
     * this D1), so it has no closed form here. */
    double xbar = (0.5 - 1e-4) / log(0.5 / 1e-4);
    print_message("ratio mean %g +- %g, expected %g\n", f.ratio_mean, f.ratio_mean_err, truth.r - truth.h * xbar);
    assert_true(fabs(f.ratio_mean - (truth.r - truth.h * xbar)) < 4 * f.ratio_mean_err);
    assert_true(isfinite(f.log_drift) && f.log_drift_err > 0);
    dnc_langevin_fit_free(&f);
    free(x);
    free(y);
}

static double duration_alpha(const dnc_langevin_sim_opts *o, size_t n, size_t *count,
                             size_t *cut, double *err)
{
    dnc_avalanches av;
    assert_int_equal(dnc_langevin_avalanches(o, n, &av, cut), DNC_OK);
    dnc_pl_opts po = dnc_pl_opts_default();
    po.discrete = true;
    po.exhaustive = 200;
    dnc_pl_fit fit;
    assert_int_equal(dnc_pl_fit_data(av.duration, av.count, &po, &fit), DNC_OK);
    print_message("durations: alpha = %.4f +- %.4f (xmin %g, %zu tail of %zu)\n", fit.alpha,
                  fit.alpha_err, fit.xmin, fit.n_tail, av.count);
    *count = av.count;
    *err = fit.alpha_err;
    dnc_avalanches_free(&av);
    return fit.alpha;
}

/* D2 only with r = D2/2: ln x is a driftless Brownian motion (to O(D2^2)
 * per step: residual drift ~ -4e-5 with D2 = 0.01, a cutoff at D2/v^2 ~
 * 6e6 steps, far beyond the 20000 simulated), absorbed at ln(x_abs / x0) =
 * -0.2: the first-passage density a / sqrt(2 pi D2 T^3) exp(-a^2 / (2 D2
 * T)) has the tail T^-3/2 beyond a^2 / D2 = 4 steps. */
static void free_bm_durations(void **state)
{
    (void)state;
    dnc_langevin_sim_opts o = dnc_langevin_sim_opts_default();
    o.c = (dnc_langevin_couplings){.r = 0.005, .h = 0, .d1 = 0, .d2 = 0.01};
    o.x0 = 1;
    o.x_abs = exp(-0.2);
    o.max_steps = 20000;
    o.seed = 5;
    size_t count, cut;
    double err, alpha = duration_alpha(&o, 20000, &count, &cut, &err);
    /* All but those still alive at 20000 steps: P(T > t) ~ a sqrt(2 /
     * (pi D2 t)) = 1.1 % of 20000; allow 2 %. */
    assert_int_equal(count + cut, 20000);
    assert_true(cut < 400);
    /* Tolerance 0.06: ~4 standard errors of the MLE on the tail (err ~
     * 0.006-0.015 here) plus two known biases that steepen the fit: the
     * durations stop at 20000 steps (survivors are cut) while the fitted law
     * is untruncated, and exp(-a^2 / (2 D2 T)) still bends the smallest
     * tail durations. */
    assert_true(fabs(alpha - 1.5) < 0.06);
    assert_true(err < 0.03);
}

/* D1 only at r = 0: the Feller diffusion dx = sqrt(D1 x) dW of a critical
 * branching process, absorbed at x = 0: P(T > t) = 1 - exp(-2 x0 / (D1 t)),
 * a T^-2 tail beyond 2 x0 / D1 = 20 steps. */
static void log_trap_durations(void **state)
{
    (void)state;
    dnc_langevin_sim_opts o = dnc_langevin_sim_opts_default();
    o.c = (dnc_langevin_couplings){.r = 0, .h = 0, .d1 = 0.1, .d2 = 0};
    o.x0 = 1;
    o.max_steps = 20000;
    o.seed = 6;
    size_t count, cut;
    double err, alpha = duration_alpha(&o, 20000, &count, &cut, &err);
    /* The same tolerance as above: ~4 standard errors plus discretisation
     * (Euler steps of a square-root diffusion overshoot 0 at small x, which
     * shortens the smallest durations, not the tail). */
    assert_true(fabs(alpha - 2.0) < 0.08);
    assert_true(err < 0.04);
    /* The survival P(T > 20000) = 2 x0 / (D1 T) ~ 0.1 %. */
    assert_true(cut < 60);
}

static void simulation_thread_independent(void **state)
{
    (void)state;
    dnc_langevin_sim_opts o = dnc_langevin_sim_opts_default();
    o.c = (dnc_langevin_couplings){.r = -0.01, .h = 0.5, .d1 = 1e-3, .d2 = 0.02};
    o.x0 = 1e-2;
    o.max_steps = 200;
    o.units = 64;
    o.x_obs = 5e-3;
    dnc_avalanches a, b;
    size_t ca, cb;
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(dnc_langevin_avalanches(&o, 3000, &a, &ca), DNC_OK);
    omp_set_num_threads(nt > 1 ? nt : 2);
    assert_int_equal(dnc_langevin_avalanches(&o, 3000, &b, &cb), DNC_OK);
    omp_set_num_threads(nt);
    assert_true(a.count > 100);
    assert_int_equal(a.count, b.count);
    assert_int_equal(ca, cb);
    assert_memory_equal(a.size, b.size, a.count * sizeof *a.size);
    assert_memory_equal(a.duration, b.duration, a.count * sizeof *a.duration);
    for (size_t i = 0; i < a.count; i++) /* binomial activity: whole units */
        assert_true(a.size[i] == floor(a.size[i]) && a.size[i] >= a.duration[i]);
    dnc_avalanches_free(&a);
    dnc_avalanches_free(&b);
}

/* The observation the command uses for the network's damage rule: at
 * layer 1 a unit's damage is W_ik delta ~ N(0, sigma_w^2 delta^2 / N0), so
 * with q = q_1 the activity probability erfc(sqrt(x_obs / x0)) must equal
 * the network's measured fraction of active units at layer 1 (and the
 * closed form erfc(threshold / (sigma_w sqrt 2))). */
static void damage_scales_match_the_network(void **state)
{
    (void)state;
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.width = 64;
    o.net.depth = 2;
    o.net.sigma_w = 1.3;
    o.net.sigma_b = 0.3;
    o.networks = 4;
    o.inputs = 500;
    o.threshold = 2;
    dnc_net_aval_result res = {0};
    assert_int_equal(dnc_net_avalanches(&o, &res), DNC_OK);
    double q1 = o.net.sigma_w * o.net.sigma_w * o.input_q + o.net.sigma_b * o.net.sigma_b;
    double x0, x_obs;
    assert_int_equal(
        dnc_langevin_damage_scales(&o.net, o.input_q, o.delta, o.threshold, q1, &x0, &x_obs),
        DNC_OK);
    double p = erfc(sqrt(x_obs / x0));
    assert_true(fabs(p - erfc(o.threshold / (o.net.sigma_w * sqrt(2)))) < 1e-14);
    /* 4 networks x 500 pairs x 64 units; the 64 units of one pair share
     * the perturbed input unit's weights only through W_ik, independent
     * across i: binomial error sqrt(p (1 - p) / 128000) ~ 0.001; 5 of them. */
    double se = sqrt(p * (1 - p) / (4.0 * 500 * 64));
    print_message("layer-1 active fraction %.4f, predicted %.4f (se %.4f)\n", res.rho_mean[0],
                  p, se);
    assert_true(fabs(res.rho_mean[0] - p) < 5 * se);
    dnc_net_aval_result_free(&res);
    assert_int_equal(dnc_langevin_damage_scales(&o.net, 1, 0, 2, 1, &x0, &x_obs), DNC_EINVAL);
}

static void classes(void **state)
{
    (void)state;
    dnc_langevin_class k;
    dnc_langevin_couplings c = {.r = 0.01, .h = 1, .d1 = 1e-3, .d2 = 0.02};
    /* crossover D1/D2 = 0.05: below it the linear noise rules */
    assert_int_equal(dnc_langevin_classify(&c, 1e-3, &k), DNC_OK);
    assert_int_equal(k.kind, DNC_LANGEVIN_LOG_TRAP);
    assert_true(k.alpha == 2 && k.tau == 1.5 && k.gamma == 2);
    assert_true(fabs(k.crossover - 0.05) < 1e-15 && fabs(k.cutoff - 100) < 1e-9);
    assert_int_equal(dnc_langevin_classify(&c, 0.1, &k), DNC_OK);
    assert_int_equal(k.kind, DNC_LANGEVIN_FREE_BM);
    assert_true(k.alpha == 1.5 && isnan(k.tau));
    assert_true(fabs(k.drift - 0.0) < 1e-15 && isinf(k.cutoff));
    assert_string_equal(dnc_langevin_class_name(k.kind), "free-bm");
    c.d1 = 0, c.d2 = 0;
    assert_int_equal(dnc_langevin_classify(&c, 0.1, &k), DNC_EINVAL);
}

static void bad_input(void **state)
{
    (void)state;
    dnc_langevin_sim_opts o = dnc_langevin_sim_opts_default();
    o.c.d2 = 0.01;
    dnc_avalanches av;
    o.x0 = 0;
    assert_int_equal(dnc_langevin_avalanches(&o, 10, &av, NULL), DNC_EINVAL);
    o.x0 = 1, o.x_abs = 1;
    assert_int_equal(dnc_langevin_avalanches(&o, 10, &av, NULL), DNC_EINVAL);
    o.x_abs = 0, o.c.r = NAN;
    assert_int_equal(dnc_langevin_avalanches(&o, 10, &av, NULL), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "finite"));
    o.c.r = 0, o.units = 8, o.x_obs = 0;
    assert_int_equal(dnc_langevin_avalanches(&o, 10, &av, NULL), DNC_EINVAL);
    o.units = 0;
    assert_int_equal(dnc_langevin_avalanches(&o, 0, &av, NULL), DNC_EINVAL);
    double x[4] = {0.1, 0.2, 0.3, 0.4}, y[4] = {0.1, 0.2, 0.3, 0.4};
    dnc_langevin_fit f;
    assert_int_equal(dnc_langevin_estimate(x, y, 4, 2, 2, &f), DNC_EINVAL);
    assert_int_equal(dnc_langevin_estimate(x, y, 0, 5, 2, &f), DNC_EINVAL);
    /* too few pairs per bin */
    assert_int_equal(dnc_langevin_estimate(x, y, 4, 3, 2, &f), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "bins"));
    double z[4] = {0, -1, NAN, 0.5};
    assert_int_equal(dnc_langevin_estimate(z, y, 4, 3, 2, &f), DNC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimator_recovers_couplings), cmocka_unit_test(free_bm_durations),
        cmocka_unit_test(log_trap_durations), cmocka_unit_test(simulation_thread_independent),
        cmocka_unit_test(damage_scales_match_the_network), cmocka_unit_test(classes), cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
