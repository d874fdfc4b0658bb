/* Every sweep experiment type end to end: a small sweep through the
 * driver must give, row by row, exactly what calling the library function
 * directly with the same parameters gives (catches a wrong mapping of a
 * sweep key onto the library's configuration). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/dp.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/propagate.h"
#include "dnncrit/sweep.h"
#include "dnncrit/train.h"
#include "dnncrit/train_sweep.h"
#include "testutil.h"

/* Runs the sweep in a fresh directory and returns its point files. */
static cJSON **run_text(const char *text, size_t *npoints)
{
    dnc_config cfg;
    assert_int_equal(dnc_config_parse(text, "types.cfg", &cfg), DNC_OK);
    dnc_sweep s;
    if (dnc_sweep_parse(&cfg, &s) != DNC_OK)
        fail_msg("%s", dnc_last_error());
    dnc_config_free(&cfg);
    char *dir = tu_tmpdir();
    dnc_sweep_dir d;
    assert_int_equal(dnc_sweep_dir_open(&s, dir, &d), DNC_OK);
    size_t *todo, ntodo, kept;
    assert_int_equal(dnc_sweep_pending(&s, dir, &todo, &ntodo, &kept), DNC_OK);
    dnc_sweep_exec_opts o = {.threads = 2, .quiet = true};
    dnc_sweep_exec_stats stats;
    assert_int_equal(dnc_sweep_execute(&s, dir, todo, ntodo, &o, &stats), DNC_OK);
    free(todo);
    assert_int_equal(stats.failed, 0);
    cJSON **pts = calloc(s.npoints, sizeof *pts);
    for (size_t i = 0; i < s.npoints; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s/points/%zu.json", dir, i);
        assert_int_equal(dnc_read_json(name, &pts[i]), DNC_OK);
    }
    *npoints = s.npoints;
    dnc_sweep_dir_close(&d);
    dnc_sweep_free(&s);
    tu_rmtree_free(dir);
    return pts;
}

static void free_points(cJSON **pts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(pts[i]);
    free(pts);
}

/* The exact value of column `col` of a point: parsed from its CSV row
 * (shortest round-trip text, so strtod gives the same double back). */
static double csv_value(const cJSON *pt, size_t field)
{
    const char *p = cJSON_GetObjectItemCaseSensitive(pt, "csv")->valuestring;
    for (size_t f = 0; f < field; f++) {
        p = strchr(p, ',');
        assert_non_null(p);
        p++;
    }
    return strtod(p, NULL);
}

static void assert_same(double a, double b)
{
    if (!(a == b || (isnan(a) && isnan(b))))
        fail_msg("%.17g != %.17g", a, b);
}

static void test_meanfield_type(void **state)
{
    (void)state;
    size_t n;
    cJSON **pts = run_text("type = meanfield\nactivation = erf\nsigma_b = 0.2\n"
                           "sigma_w = 0.7,1.9\n",
                           &n);
    assert_int_equal(n, 2);
    const double sw[] = {0.7, 1.9};
    for (size_t i = 0; i < n; i++) {
        dnc_mf_params p = {DNC_ACT_ERF, sw[i], 0.2};
        dnc_mf_point r;
        assert_int_equal(dnc_mf_analyse(&p, &r), DNC_OK);
        /* row: index, sigma_w, q_star, chi_1, chi_q, kappa, ... */
        assert_same(csv_value(pts[i], 1), sw[i]);
        assert_same(csv_value(pts[i], 2), r.q_star);
        assert_same(csv_value(pts[i], 3), r.chi_1);
        assert_same(csv_value(pts[i], 5), r.kappa);
    }
    free_points(pts, n);
}

static void test_propagate_type(void **state)
{
    (void)state;
    size_t n;
    cJSON **pts = run_text("type = propagate\nactivation = relu\nsigma_w = 1.3\n"
                           "sigma_b = 0.1\nwidth = 24\ndepth = 7\nseed = 5,6\nbatch = 3\n"
                           "input_q = 2\ninput_c = 0.25\ncorr = post\n",
                           &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        dnc_propagate_opts o = dnc_propagate_opts_default();
        o.net.activation = DNC_ACT_RELU;
        o.net.sigma_w = 1.3;
        o.net.sigma_b = 0.1;
        o.net.width = 24;
        o.net.depth = 7;
        o.net.seed = 5 + i;
        o.batch = 3;
        o.input_q = 2;
        o.input_c = 0.25;
        o.corr = DNC_CORR_POST;
        o.lyapunov = true;
        o.quiet = true;
        dnc_propagate_result r;
        assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
        /* row: index, seed, q_L, c_L, rho_L, lyapunov */
        assert_same(csv_value(pts[i], 1), (double)(5 + i));
        assert_same(csv_value(pts[i], 2), r.q[6]);
        assert_same(csv_value(pts[i], 3), r.c[6]);
        assert_same(csv_value(pts[i], 4), r.rho[6]);
        assert_same(csv_value(pts[i], 5), r.lyapunov);
        dnc_propagate_result_free(&r);
    }
    free_points(pts, n);
}

/* The exponents type is checked for wiring, not precision (the fits are
 * tested in test_scaling): erf networks at the critical point for
 * sigma_b = 0.3 must show rho decaying from its initial 0.5 with an exponent
 * of order one (mean field: rho ~ 1/(kappa l), delta = 1; width 64 and depth
 * 40 leave corrections of tens of percent, hence the wide bracket; this
 * setting measures 0.94 +- 0.05). */
static void test_exponents_type(void **state)
{
    (void)state;
    double sw;
    assert_int_equal(dnc_mf_critical_sigma_w(DNC_ACT_ERF, 0.3, &sw), DNC_OK);
    char text[512];
    snprintf(text, sizeof text,
             "type = exponents\nactivation = erf\nsigma_w = %.17g\nsigma_b = 0.3\n"
             "width = 64\ndepth = 40\nsamples = 3\ntmin = 5\nnboot = 20\n",
             sw);
    size_t n;
    cJSON **pts = run_text(text, &n);
    assert_int_equal(n, 1);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(pts[0], "results");
    double delta = cJSON_GetObjectItemCaseSensitive(res, "delta")->valuedouble;
    double rho = cJSON_GetObjectItemCaseSensitive(res, "rho_L")->valuedouble;
    double err = cJSON_GetObjectItemCaseSensitive(res, "delta_err")->valuedouble;
    assert_true(rho > 0 && rho < 0.5);
    assert_true(err > 0 && err < 0.5);
    if (!(delta > 0.5 && delta < 1.5))
        fail_msg("delta = %g +- %g", delta, err);
    free_points(pts, n);
}

static void test_dp_type(void **state)
{
    (void)state;
    size_t n;
    cJSON **pts = run_text("type = dp\nmodel = site1d\np = 0.69,0.72\nL = 64\ntmax = 50\n"
                           "samples = 3\nruns = 2\nper_decade = 10\nseed = 9\ntmin = 5\n"
                           "nboot = 20\n",
                           &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        dnc_dp_opts o = dnc_dp_opts_default();
        o.model = DNC_DP_SITE_1D;
        o.p = i ? 0.72 : 0.69;
        o.L = 64;
        o.tmax = 50;
        o.samples = 3;
        o.runs = 2;
        o.per_decade = 10;
        o.seed = 9;
        dnc_dp_result r;
        assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
        double rho = 0, surv = 0;
        for (size_t k = 0; k < 3; k++) {
            rho += r.rho[k * r.ntimes + r.ntimes - 1];
            surv += r.surv[k * r.ntimes + r.ntimes - 1];
        }
        /* row: index, p, rho_final, rho_final_err, surv_final, ... */
        assert_same(csv_value(pts[i], 2), rho / 3);
        assert_same(csv_value(pts[i], 4), surv / 3);
        dnc_dp_result_free(&r);
    }
    free_points(pts, n);
}

/* impl = multispin reaches dnc_dp_run: the row is the multispin run's. */
static void test_dp_type_multispin(void **state)
{
    (void)state;
    size_t n;
    cJSON **pts = run_text("type = dp\nmodel = bond2d\nimpl = multispin\np = 0.3,0.31\nL = 70\n"
                           "tmax = 30\nsamples = 3\nseed = 4\ntmin = 5\nnboot = 20\n",
                           &n);
    assert_int_equal(n, 2); /* row: index, p, rho_final, ...; point 0 has p = 0.3 */
    dnc_dp_opts o = dnc_dp_opts_default();
    o.model = DNC_DP_BOND_2D;
    o.impl = DNC_DP_IMPL_MULTISPIN;
    o.p = 0.3;
    o.L = 70;
    o.tmax = 30;
    o.samples = 3;
    o.per_decade = 20;
    o.seed = 4;
    dnc_dp_result r;
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    double rho = 0;
    for (size_t k = 0; k < 3; k++)
        rho += r.rho[k * r.ntimes + r.ntimes - 1];
    assert_same(csv_value(pts[0], 2), rho / 3);
    o.impl = DNC_DP_IMPL_SCALAR; /* and differs from the scalar run of the same seed */
    dnc_dp_result_free(&r);
    assert_int_equal(dnc_dp_run(&o, &r), DNC_OK);
    double rho_s = 0;
    for (size_t k = 0; k < 3; k++)
        rho_s += r.rho[k * r.ntimes + r.ntimes - 1];
    assert_true(rho_s != rho);
    dnc_dp_result_free(&r);
    free_points(pts, n);
}

static void test_avalanches_type(void **state)
{
    (void)state;
    size_t n;
    cJSON **pts = run_text("type = avalanches\nsigma_w = 1.1\nwidth = 32\ndepth = 12\n"
                           "seed = 4\nnetworks = 2\ninputs = 16\nfit = false\n",
                           &n);
    assert_int_equal(n, 1);
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.sigma_w = 1.1;
    o.net.sigma_b = 0;
    o.net.width = 32;
    o.net.depth = 12;
    o.net.seed = 4;
    o.networks = 2;
    o.inputs = 16;
    dnc_net_aval_result r;
    assert_int_equal(dnc_net_avalanches(&o, &r), DNC_OK);
    /* row: index, avalanches, cut, survival, mean_S, mean_T, max_S, chi, chi_err, chi_S,
     * tau, ... */
    assert_same(csv_value(pts[0], 1), (double)r.av.count);
    assert_same(csv_value(pts[0], 2), (double)r.cut);
    assert_same(csv_value(pts[0], 4), r.mean_S);
    assert_same(csv_value(pts[0], 7), r.chi);
    assert_same(csv_value(pts[0], 8), r.chi_err);
    assert_same(csv_value(pts[0], 10), NAN); /* tau: fit = false */
    dnc_net_aval_result_free(&r);
    free_points(pts, n);
}


static void test_train_type(void **state)
{
    (void)state;
    if (!tu_exists("/usr/share/datasets/fashion-mnist")) {
        printf("Fashion-MNIST not installed (dataset-fashion-mnist): train type not tested\n");
        skip();
    }
    size_t n;
    cJSON **pts = run_text("type = train\nsigma_w = 1.2\nsigma_b = 0.1\nwidth = 16\n"
                           "depth = 2\nseed = 3\noptimizer = adam\nlr = 0.003\n"
                           "batch_size = 50\nepochs = 1\nprecision = double\nobs_inputs = 8\n"
                           "train_size = 300\ntest_size = 100\ndata_seed = 4\n"
                           "normalise = unit\n",
                           &n);
    assert_int_equal(n, 1);
    dnc_train_config c = dnc_train_config_default();
    c.net.sigma_w = 1.2;
    c.net.sigma_b = 0.1;
    c.net.width = 16;
    c.net.depth = 2;
    c.net.seed = 3;
    c.optimizer = DNC_OPTIM_ADAM;
    c.lr = 0.003;
    c.batch_size = 50;
    c.epochs = 1;
    c.precision = DNC_PREC_DOUBLE;
    c.obs_inputs = 8;
    c.threads = 1; /* as in the sweep, whose points run on one thread each */
    c.quiet = true;
    dnc_data_spec spec = {NULL, 300, 100, 4, DNC_NORM_UNIT};
    dnc_dataset train, test;
    assert_int_equal(dnc_data_load(&spec, &train, &test), DNC_OK);
    dnc_train_point_result r;
    assert_int_equal(dnc_train_point(&c, &train, &test, &r), DNC_OK);
    double row[DNC_TRAIN_POINT_NCOLUMNS];
    dnc_train_point_row(&r, row);
    for (size_t k = 0; k < DNC_TRAIN_POINT_NCOLUMNS; k++)
        assert_same(csv_value(pts[0], 1 + k), row[k]);
    assert_true(row[0] >= 0 && row[0] <= 1);
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
    free_points(pts, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meanfield_type),
        cmocka_unit_test(test_propagate_type),
        cmocka_unit_test(test_exponents_type),
        cmocka_unit_test(test_dp_type),
        cmocka_unit_test(test_dp_type_multispin),
        cmocka_unit_test(test_avalanches_type),
        cmocka_unit_test(test_train_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
