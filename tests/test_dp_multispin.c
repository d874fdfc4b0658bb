/* dp --impl multispin (64 sites per word, bit-serial activation tests)
 * against exact facts (light cones, p = 0 and 1, one-step mean and variance)
 * and against the scalar simulator in distribution: the mean density rho(t)
 * from a full lattice and the survival of a seed agree at several t, while a
 * p off by 0.01 is detected by the same test; and the decay exponent delta of
 * 1+1 DP. Its reproducibility and thread independence are checked in test_dp. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/dp.h"
#include "dnncrit/scaling.h"
#include "testutil.h"

/* Jensen, J. Phys. A 32, 5233 (1999), as in docs/science notes */
#define DP1_DELTA 0.159464

static dnc_dp_opts ms(dnc_dp_model model, double p, size_t L, size_t tmax)
{
    dnc_dp_opts o = dnc_dp_opts_default();
    o.model = model;
    o.p = p;
    o.L = L;
    o.tmax = tmax;
    o.samples = 4;
    o.runs = 2;
    o.per_decade = 0;
    o.impl = DNC_DP_IMPL_MULTISPIN;
    return o;
}

/* At p = 1 a seed fills its light cone exactly: t + 1 sites in 1+1, (t + 1)^2
 * in 2+1, until it wraps and fills the lattice. Sizes that are not multiples
 * of 64 check the partial last word of a row, where the ring closes. */
static void check_cone(dnc_dp_model model, size_t L, size_t tmax)
{
    dnc_dp_opts o = ms(model, 1.0, L, tmax);
    o.init = DNC_DP_SEED;
    dnc_dp_result r;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    for (size_t k = 0; k < r.ntimes; k++) {
        double w = fmin(r.t[k] + 1.0, (double)L);
        double expect = model == DNC_DP_BOND_2D ? w * w : w;
        assert_float_equal(r.nact[k], expect, 0);
        assert_float_equal(r.surv[k], 1.0, 0);
    }
    dnc_dp_result_free(&r);
}

static void test_light_cone(void **state)
{
    (void)state;
    check_cone(DNC_DP_BOND_1D, 64, 40);
    check_cone(DNC_DP_BOND_1D, 16, 30);
    check_cone(DNC_DP_BOND_1D, 100, 150);
    check_cone(DNC_DP_BOND_1D, 200, 250);
    check_cone(DNC_DP_SITE_1D, 130, 200);
    check_cone(DNC_DP_BOND_2D, 32, 20);
    check_cone(DNC_DP_BOND_2D, 70, 90);
    check_cone(DNC_DP_BOND_2D, 5, 10);
}

/* p = 1 keeps a full lattice full (no stray bits beyond L in the last word:
 * rho would exceed 1), p = 0 empties it in one step. */
static void test_trivial(void **state)
{
    (void)state;
    dnc_dp_model models[] = {DNC_DP_BOND_1D, DNC_DP_SITE_1D, DNC_DP_BOND_2D};
    for (int m = 0; m < 3; m++) {
        dnc_dp_opts o = ms(models[m], 1.0, 100, 20);
        dnc_dp_result r;
        assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
        for (size_t k = 0; k < r.samples * r.ntimes; k++)
            assert_float_equal(r.rho[k], 1.0, 0);
        dnc_dp_result_free(&r);
        o.p = 0.0;
        assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
        for (size_t k = 1; k < r.ntimes; k++) {
            assert_float_equal(r.rho[k], 0.0, 0);
            assert_float_equal(r.surv[k], 0.0, 0);
        }
        dnc_dp_result_free(&r);
    }
}

/* From a full lattice every site has all parents active: rho(1) is
 * Binomial(sites, q)/sites with q = p2 = 1 - (1-p)^n (bond), p (site). Over
 * S = 2000 samples the sample mean has standard error sqrt(q(1-q)/sites/S)
 * and the sample variance estimates q(1-q)/sites with relative standard
 * error sqrt(2/(S-1)) = 3.2%: 5 sigma on both (false failure < 1e-6). The
 * variance would be off if the 64 lanes of a word were correlated. */
static void check_first_step(dnc_dp_model model, double p, size_t L, double q)
{
    dnc_dp_opts o = ms(model, p, L, 1);
    o.samples = 2000;
    o.runs = 1;
    dnc_dp_result r;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    double S = (double)r.samples, sites = (double)dnc_dp_sites(model, L);
    double m = 0.0, v = 0.0;
    for (size_t s = 0; s < r.samples; s++)
        m += r.rho[s * r.ntimes + 1] / S;
    for (size_t s = 0; s < r.samples; s++) {
        double d = r.rho[s * r.ntimes + 1] - m;
        v += d * d / (S - 1);
    }
    double var = q * (1 - q) / sites;
    print_message("%s: rho(1) = %.6f (exact %.6f), var %.3g (binomial %.3g)\n",
                  dnc_dp_model_name(model), m, q, v, var);
    assert_true(fabs(m - q) < 5 * sqrt(var / S));
    assert_true(fabs(v / var - 1) < 5 * sqrt(2 / (S - 1)));
    dnc_dp_result_free(&r);
}

static void test_first_step(void **state)
{
    (void)state;
    check_first_step(DNC_DP_BOND_1D, 0.6447, 2000, 0.6447 * (2 - 0.6447));
    check_first_step(DNC_DP_SITE_1D, 0.7055, 2000, 0.7055);
    check_first_step(DNC_DP_BOND_2D, 0.2873, 45, 1 - pow(1 - 0.2873, 4));
}

/* ---- in distribution against the scalar simulator */

static void mean_err(const dnc_dp_result *r, const double *v, size_t k, double *m, double *e)
{
    double S = (double)r->samples, s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < r->samples; i++)
        s += v[i * r->ntimes + k] / S;
    for (size_t i = 0; i < r->samples; i++) {
        double d = v[i * r->ntimes + k] - s;
        s2 += d * d;
    }
    *m = s;
    *e = sqrt(s2 / (S - 1) / S);
}

/* Largest |z| over the times `ts` of the observable (0: rho, 1: surv) between
 * two runs of independent samples, z = (m_a - m_b) / sqrt(e_a^2 + e_b^2). */
static double max_abs_z(const dnc_dp_result *a, const dnc_dp_result *b, int obs, const size_t *ts,
                        size_t nts)
{
    double zmax = 0.0;
    for (size_t i = 0; i < nts; i++) {
        size_t k = ts[i]; /* per_decade = 0: index k is time k */
        double ma, ea, mb, eb;
        mean_err(a, obs ? a->surv : a->rho, k, &ma, &ea);
        mean_err(b, obs ? b->surv : b->rho, k, &mb, &eb);
        double z = (ma - mb) / sqrt(ea * ea + eb * eb);
        print_message("  t = %4zu: %.5f +- %.5f vs %.5f +- %.5f, z = %+.2f\n", k, ma, ea, mb, eb,
                      z);
        zmax = fmax(zmax, fabs(z));
    }
    return zmax;
}

/* The acceptance bound. Under the null (same model) each z is a difference
 * of two means of >= 16 iid samples over its estimated error: Student-t like
 * with >= 30 degrees of freedom, P(|z| > 4.5) < 1e-4; over the <= 6 times of
 * a check (correlated, so Bonferroni bounds it) a correct simulator fails
 * with probability < 1e-3. The power checks below give |z| of 8 to 20 for
 * p off by 0.01, far above the bound. */
#define Z_BOUND 4.5

/* The scalar reference at o.p (seed 101) and the multispin path at each of
 * p_c + {0, +0.01, -0.01} (seed 202): the first must pass the z-test, the
 * others must fail it (the test has the power to see p off by 0.01). */
static void check_vs_scalar(dnc_dp_opts o, int obs, const size_t *ts, size_t nts)
{
    dnc_dp_result sc;
    o.impl = DNC_DP_IMPL_SCALAR;
    o.seed = 101;
    assert_int_equal(dnc_dp_run(&o, &sc), DNC_OK);
    double pc = o.p, shifts[] = {0.0, 0.01, -0.01};
    for (int i = 0; i < 3; i++) {
        dnc_dp_result mu;
        o.impl = DNC_DP_IMPL_MULTISPIN;
        o.p = pc + shifts[i];
        o.seed = 202;
        assert_int_equal(dnc_dp_run(&o, &mu), DNC_OK);
        print_message("%s %s, multispin at p_c %+.2f vs scalar at p_c:\n",
                      dnc_dp_model_name(o.model), obs ? "survival P(t)" : "rho(t)", shifts[i]);
        double z = max_abs_z(&mu, &sc, obs, ts, nts);
        if (shifts[i] == 0.0)
            assert_true(z < Z_BOUND);
        else
            assert_true(z > Z_BOUND);
        dnc_dp_result_free(&mu);
    }
    dnc_dp_result_free(&sc);
}

/* rho(t) from a full lattice at p_c, 32 samples each; the time range stays
 * below the finite-size time L^z (1+1: 2048^1.58 ~ 1.7e5; 2+1: 64^1.77 ~ 1600). */
static void check_density(dnc_dp_model model, size_t L, size_t tmax, const size_t *ts, size_t nts)
{
    dnc_dp_opts o = ms(model, dnc_dp_critical_p(model), L, tmax);
    o.samples = 32;
    o.runs = 1;
    check_vs_scalar(o, 0, ts, nts);
}

static void test_density_vs_scalar(void **state)
{
    (void)state;
    if (getenv("DNNCRIT_UNDER_VALGRIND"))
        skip();
    const size_t t1[] = {3, 10, 30, 100, 300, 1000}, t2[] = {3, 10, 30, 100};
    check_density(DNC_DP_BOND_1D, 2048, 1000, t1, 6);
    check_density(DNC_DP_SITE_1D, 2048, 300, t1, 5);
    check_density(DNC_DP_BOND_2D, 64, 100, t2, 4);
}

/* Survival of one seed at p_c (bond 1+1): 16 samples of 500 runs each;
 * L = 1024 > tmax + 1, so the cluster never wraps. The power check uses
 * p_c + 0.01 and p_c - 0.01. */
static void test_survival_vs_scalar(void **state)
{
    (void)state;
    if (getenv("DNNCRIT_UNDER_VALGRIND"))
        skip();
    dnc_dp_opts o = ms(DNC_DP_BOND_1D, DNC_DP_PC_BOND_1D, 1024, 500);
    o.init = DNC_DP_SEED;
    o.samples = 16;
    o.runs = 500;
    const size_t ts[] = {3, 10, 30, 100, 300, 500};
    check_vs_scalar(o, 1, ts, 6);
}

/* Density decay at p_c with the multispin path: rho(t) ~ t^-delta,
 * delta = 0.159464(6) (Jensen 1999). L = 16384 >> xi_perp(t = 2000) ~ 120,
 * so no finite-size effects; corrections to scaling are below the errors for
 * t >= 30 (as in test_scaling_dp). 3 sigma of the bootstrap error. */
static void test_delta(void **state)
{
    (void)state;
    if (getenv("DNNCRIT_UNDER_VALGRIND"))
        skip();
    dnc_dp_opts o = ms(DNC_DP_BOND_1D, DNC_DP_PC_BOND_1D, 16384, 2000);
    o.samples = 16;
    o.runs = 1;
    o.per_decade = 40;
    o.seed = 11;
    dnc_dp_result r;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    dnc_series s;
    assert_int_equal(dnc_series_alloc(&s, r.ntimes, r.samples, false), DNC_OK);
    memcpy(s.t, r.t, r.ntimes * sizeof(double));
    memcpy(s.y, r.rho, r.ntimes * r.samples * sizeof(double));
    dnc_dp_result_free(&r);
    dnc_decay_opts d = dnc_decay_opts_default();
    d.tmin = 30;
    d.nboot = 200;
    dnc_decay_result f;
    assert_int_equal(dnc_decay_fit(&s, &d, &f), DNC_OK);
    print_message("multispin DP 1+1: delta = %.4f +- %.4f (Jensen 1999: %.4f)\n", f.delta.value,
                  f.delta.error, DP1_DELTA);
    assert_true(f.delta.error > 0 && f.delta.error < 0.01);
    assert_true(fabs(f.delta.value - DP1_DELTA) < 3 * f.delta.error);
    dnc_decay_result_free(&f);
    dnc_series_free(&s);
}

static void test_validation(void **state)
{
    (void)state;
    dnc_dp_opts o = ms(DNC_DP_MEANFIELD, 1.0, 1000, 10);
    assert_int_equal(dnc_dp_validate(&o), DNC_EUNSUPPORTED);
    assert_non_null(strstr(dnc_last_error(), "meanfield"));
    o.impl = (dnc_dp_impl)7;
    assert_int_equal(dnc_dp_validate(&o), DNC_EINVAL);
    dnc_dp_impl impl;
    assert_int_equal(dnc_dp_impl_parse("multispin", &impl), DNC_OK);
    assert_int_equal(impl, DNC_DP_IMPL_MULTISPIN);
    assert_int_equal(dnc_dp_impl_parse("scalar", &impl), DNC_OK);
    assert_int_equal(impl, DNC_DP_IMPL_SCALAR);
    assert_int_equal(dnc_dp_impl_parse("simd", &impl), DNC_EINVAL);
    assert_string_equal(dnc_dp_impl_name(DNC_DP_IMPL_MULTISPIN), "multispin");
    assert_int_equal(dnc_dp_opts_default().impl, DNC_DP_IMPL_SCALAR);
}

static void test_cli(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "dp --impl multispin --L 100 --tmax 50 --samples 3 --quiet "
                                     "--out %s/d", dir), 0);
    char *csv = tu_read(tu_path(dir, "d.csv"));
    assert_non_null(strstr(csv, "t,rho,err,surv,surv_err,nact,nact_err\n0,1,0,1,0,100,0\n"));
    free(csv);
    char *json = tu_read(tu_path(dir, "d.json"));
    assert_non_null(strstr(json, "\"impl\":\t\"multispin\""));
    free(json);
    char *bad = tu_tmpdir();
    assert_int_equal(tu_run_cli(bad, "dp --impl fast --out %s/x", bad), 2);
    char *err = tu_read(tu_path(bad, "stderr"));
    assert_non_null(strstr(err, "impl: 'fast' is not one of scalar, multispin"));
    free(err);
    assert_int_equal(tu_run_cli(bad, "dp --impl multispin --model meanfield --out %s/x", bad), 2);
    err = tu_read(tu_path(bad, "stderr"));
    assert_non_null(strstr(err, "meanfield"));
    free(err);
    assert_int_equal(tu_count_entries(bad), 2); /* only stdout and stderr */
    tu_rmtree_free(bad);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_light_cone),        cmocka_unit_test(test_trivial),
        cmocka_unit_test(test_first_step),
        cmocka_unit_test(test_density_vs_scalar), cmocka_unit_test(test_survival_vs_scalar),
        cmocka_unit_test(test_delta),             cmocka_unit_test(test_validation),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
