/* dp: the directed-percolation reference simulators against exact facts
 * (light cones, one-step probabilities), reproducibility and thread
 * independence, input validation and the CLI. */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/dp.h"
#include "testutil.h"

static dnc_dp_opts small(dnc_dp_model model, double p, size_t L, size_t tmax)
{
    dnc_dp_opts o = dnc_dp_opts_default();
    o.model = model;
    o.p = p;
    o.L = L;
    o.tmax = tmax;
    o.samples = 4;
    o.runs = 2;
    o.per_decade = 0;
    return o;
}

static void test_times(void **state)
{
    (void)state;
    double *t;
    size_t n;
    assert_int_equal(dnc_dp_times(1000, 10, &t, &n), DNC_OK);
    assert_float_equal(t[0], 0.0, 0);
    assert_float_equal(t[10], 10.0, 0);
    assert_float_equal(t[n - 1], 1000.0, 0);
    for (size_t i = 1; i < n; i++)
        assert_true(t[i] > t[i - 1]);
    assert_true(n <= 11 + 20 + 1); /* two decades after 10, 10 per decade */
    free(t);
    assert_int_equal(dnc_dp_times(5, 0, &t, &n), DNC_OK);
    assert_int_equal(n, 6);
    free(t);
}

/* At p = 1 a seed's activity fills its light cone exactly: t + 1 sites in
 * 1+1 dimensions, (t + 1)^2 in 2+1 (the tilted lattices), until it wraps. */
static void test_light_cone(void **state)
{
    (void)state;
    dnc_dp_opts o = small(DNC_DP_BOND_1D, 1.0, 64, 40);
    o.init = DNC_DP_SEED;
    dnc_dp_result r;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    for (size_t k = 0; k < r.ntimes; k++)
        assert_float_equal(r.nact[k], r.t[k] + 1.0, 0);
    dnc_dp_result_free(&r);
    o = small(DNC_DP_BOND_2D, 1.0, 32, 20);
    o.init = DNC_DP_SEED;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    for (size_t k = 0; k < r.ntimes; k++)
        assert_float_equal(r.nact[k], (r.t[k] + 1.0) * (r.t[k] + 1.0), 0);
    dnc_dp_result_free(&r);
    /* once the cone wraps the whole ring is active */
    o = small(DNC_DP_BOND_1D, 1.0, 16, 30);
    o.init = DNC_DP_SEED;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    assert_float_equal(r.nact[r.ntimes - 1], 16.0, 0);
    dnc_dp_result_free(&r);
}

/* From a full lattice every site has all parents active, so rho(1) has
 * expectation p2 = 1 - (1-p)^n_parents (bond), p (site), 1 - (1 - p/N)^N
 * (mean field). Binomial standard error sqrt(q(1-q)/(sites x runs));
 * 5 sigma keeps the false-failure rate below 1e-6. */
static void check_first_step(dnc_dp_model model, double p, size_t L, double expect)
{
    dnc_dp_opts o = small(model, p, L, 1);
    o.samples = 8;
    o.runs = 4;
    dnc_dp_result r;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    double m = 0.0;
    for (size_t s = 0; s < r.samples; s++)
        m += r.rho[s * r.ntimes + 1] / (double)r.samples;
    double n = (double)dnc_dp_sites(model, L) * 32.0;
    double se = sqrt(expect * (1 - expect) / n);
    assert_true(fabs(m - expect) < 5 * se + 1e-12);
    assert_float_equal(r.rho[0], 1.0, 0);
    dnc_dp_result_free(&r);
}

static void test_first_step(void **state)
{
    (void)state;
    check_first_step(DNC_DP_BOND_1D, 0.6447, 4096, 0.6447 * (2 - 0.6447));
    check_first_step(DNC_DP_SITE_1D, 0.7055, 4096, 0.7055);
    check_first_step(DNC_DP_BOND_2D, 0.2873, 128, 1 - pow(1 - 0.2873, 4));
    check_first_step(DNC_DP_MEANFIELD, 1.0, 100000, 1 - pow(1 - 1e-5, 100000));
}

static void test_absorbing_and_trivial(void **state)
{
    (void)state;
    dnc_dp_opts o = small(DNC_DP_BOND_1D, 0.0, 64, 10);
    dnc_dp_result r;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    for (size_t k = 1; k < r.ntimes; k++) {
        assert_float_equal(r.rho[k], 0.0, 0);
        assert_float_equal(r.surv[k], 0.0, 0);
    }
    dnc_dp_result_free(&r);
    o.p = 1.0;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    assert_float_equal(r.rho[r.ntimes - 1], 1.0, 0);
    dnc_dp_result_free(&r);
}

static int same_result(const dnc_dp_result *a, const dnc_dp_result *b)
{
    size_t n = a->samples * a->ntimes;
    return a->ntimes == b->ntimes && memcmp(a->rho, b->rho, n * sizeof(double)) == 0 &&
           memcmp(a->surv, b->surv, n * sizeof(double)) == 0;
}

/* Counter-based randomness: bitwise the same with 1 or 2 threads, and a
 * different seed gives a different realisation. */
static void check_reproducible(dnc_dp_opts o)
{
    dnc_dp_result a, b, c;
    omp_set_num_threads(1);
    assert_int_equal(dnc_dp_run(&o, &a), DNC_OK);
    omp_set_num_threads(2);
    assert_int_equal(dnc_dp_run(&o, &b), DNC_OK);
    o.seed = 2;
    assert_int_equal(dnc_dp_run(&o, &c), DNC_OK);
    assert_true(same_result(&a, &b));
    assert_false(same_result(&a, &c));
    dnc_dp_result_free(&a);
    dnc_dp_result_free(&b);
    dnc_dp_result_free(&c);
}

static void test_reproducible(void **state)
{
    (void)state;
    dnc_dp_model models[] = {DNC_DP_BOND_1D, DNC_DP_BOND_2D, DNC_DP_MEANFIELD};
    size_t Ls[] = {256, 32, 10000};
    for (int m = 0; m < 3; m++) {
        dnc_dp_opts o = small(models[m], dnc_dp_critical_p(models[m]), Ls[m], 200);
        o.init = m == 1 ? DNC_DP_FULL : DNC_DP_SEED;
        o.runs = 20;
        check_reproducible(o);
    }
    /* the multispin path (tests/test_dp_multispin.c): every lattice model, both
     * initial states, sizes that are not multiples of 64 */
    dnc_dp_model lattices[] = {DNC_DP_BOND_1D, DNC_DP_SITE_1D, DNC_DP_BOND_2D};
    size_t Lm[] = {300, 300, 40};
    for (int m = 0; m < 3; m++)
        for (int init = 0; init < 2; init++) {
            dnc_dp_opts o = small(lattices[m], dnc_dp_critical_p(lattices[m]), Lm[m], 200);
            o.impl = DNC_DP_IMPL_MULTISPIN;
            o.init = init ? DNC_DP_SEED : DNC_DP_FULL;
            o.runs = init ? 20 : 2;
            check_reproducible(o);
        }
}

static void test_validation(void **state)
{
    (void)state;
    dnc_dp_opts o = dnc_dp_opts_default();
    o.p = 1.5;
    assert_int_equal(dnc_dp_validate(&o), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "1.5"));
    o = dnc_dp_opts_default();
    o.L = 1;
    assert_int_equal(dnc_dp_validate(&o), DNC_EINVAL);
    o = dnc_dp_opts_default();
    o.samples = 0;
    assert_int_equal(dnc_dp_validate(&o), DNC_EINVAL);
    o = dnc_dp_opts_default();
    o.p = NAN;
    assert_int_equal(dnc_dp_validate(&o), DNC_EINVAL);
    dnc_dp_model m;
    assert_int_equal(dnc_dp_model_parse("bond2d", &m), DNC_OK);
    assert_int_equal(m, DNC_DP_BOND_2D);
    assert_int_equal(dnc_dp_model_parse("ising", &m), DNC_EINVAL);
}

static void test_cli(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "dp --L 128 --tmax 100 --samples 3 --quiet --out %s/d",
                                dir), 0);
    char *csv = tu_read(tu_path(dir, "d.csv"));
    assert_non_null(csv);
    assert_non_null(strstr(csv, "t,rho,err,surv,surv_err,nact,nact_err\n0,1,0,1,0,128,0\n"));
    free(csv);
    char *json = tu_read(tu_path(dir, "d.json"));
    assert_non_null(strstr(json, "\"p_c\""));
    assert_non_null(strstr(json, "\"seeds_csv\""));
    free(json);
    assert_true(tu_exists(tu_path(dir, "d.seeds.csv")));
    /* bad input: clear error, exit 2, nothing written */
    char *bad = tu_tmpdir();
    assert_int_equal(tu_run_cli(bad, "dp --p 2 --out %s/x", bad), 2);
    char *err = tu_read(tu_path(bad, "stderr"));
    assert_non_null(strstr(err, "p must be in"));
    free(err);
    assert_int_equal(tu_run_cli(bad, "dp --model foo --out %s/x", bad), 2);
    assert_int_equal(tu_count_entries(bad), 2); /* only stdout and stderr */
    tu_rmtree_free(bad);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),        cmocka_unit_test(test_light_cone),
        cmocka_unit_test(test_first_step),   cmocka_unit_test(test_absorbing_and_trivial),
        cmocka_unit_test(test_reproducible), cmocka_unit_test(test_validation),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
