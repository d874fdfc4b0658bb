/* The ensemble engine (src/engines/ensemble_engine.c) against the explicit
 * engine, in distribution: two-sample Kolmogorov-Smirnov tests of rho^l, q^l
 * and the Lyapunov increments at several layers over independent networks,
 * for tanh, relu, erf, a residual network, B = 2 and 8; a power check (the
 * same tests must catch Sigma without its bias term); the absorbing state;
 * rho resolved down to 1e-280; refusals; averaging over networks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "dnncrit/activation.h"
#include "dnncrit/propagate.h"
#include "engines/engine.h"
#include "testutil.h"

/* ------------------------------------------------ two-sample KS test */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* sup |F_x - F_y| of two samples (sorted in place). */
static double ks_statistic(double *x, size_t n, double *y, size_t m)
{
    qsort(x, n, sizeof *x, cmp_double);
    qsort(y, m, sizeof *y, cmp_double);
    size_t i = 0, j = 0;
    double d = 0;
    while (i < n && j < m) {
        double v = x[i] <= y[j] ? x[i] : y[j];
        while (i < n && x[i] <= v)
            i++;
        while (j < m && y[j] <= v)
            j++;
        d = fmax(d, fabs((double)i / (double)n - (double)j / (double)m));
    }
    return d;
}

/* P(D >= d) under the null: the Kolmogorov distribution at
 * lambda = (sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) d, ne = n m / (n + m)
 * (Stephens' finite-sample correction, as in Numerical Recipes 14.3). */
static double ks_pvalue(double d, size_t n, size_t m)
{
    double ne = (double)n * (double)m / (double)(n + m), se = sqrt(ne);
    double lambda = (se + 0.12 + 0.11 / se) * d, sum = 0, sign = 1;
    if (lambda < 0.2)
        return 1.0;
    for (int k = 1; k <= 100; k++, sign = -sign)
        sum += sign * exp(-2.0 * k * k * lambda * lambda);
    return fmin(1.0, fmax(0.0, 2 * sum));
}

/* ------------------------------------------------------ the samples */

enum { NLAYERS = 3, NSTATS = 3 }; /* rho, q, Lyapunov increment */
static const size_t layers[NLAYERS] = {1, 3, 6};
static const char *const stat_names[NSTATS] = {"rho", "q", "lyap"};

typedef enum { RUN_EXPLICIT, RUN_ENSEMBLE, RUN_WRONG_NO_BIAS } run_kind;

static dnc_status run_one(const dnc_propagate_opts *o, run_kind kind, dnc_propagate_result *r)
{
    if (kind == RUN_EXPLICIT)
        return dnc_propagate(o, r);
    dnc_engine_ops ops;
    dnc_status st = dnc_ensemble_engine_open_variant(
        &ops, o, kind == RUN_ENSEMBLE ? DNC_ENSEMBLE_EXACT : DNC_ENSEMBLE_WRONG_NO_BIAS);
    if (st)
        return st;
    st = dnc_propagate_on(o, &ops, r);
    ops.close(ops.ctx);
    return st;
}

/* out[(stat * NLAYERS + layer) * M + k] over M networks with seeds seed0 + k. */
static void sample(dnc_propagate_opts o, run_kind kind, uint64_t seed0, size_t M, double *out)
{
    o.engine = kind == RUN_EXPLICIT ? DNC_ENGINE_EXPLICIT : DNC_ENGINE_ENSEMBLE;
    for (size_t k = 0; k < M; k++) {
        o.net.seed = seed0 + k;
        dnc_propagate_result r;
        assert_int_equal(run_one(&o, kind, &r), DNC_OK);
        for (size_t j = 0; j < NLAYERS; j++) {
            size_t l = layers[j] - 1;
            out[(0 * NLAYERS + j) * M + k] = r.rho[l];
            out[(1 * NLAYERS + j) * M + k] = r.q[l];
            out[(2 * NLAYERS + j) * M + k] = r.lyap[l];
        }
        dnc_propagate_result_free(&r);
    }
}

/* The smallest KS p-value over the stats and layers of two engines' samples
 * (independent networks: disjoint seed ranges). */
static double min_pvalue(const dnc_propagate_opts *o, run_kind other, size_t M, const char *what)
{
    double *a = malloc(NSTATS * NLAYERS * M * sizeof *a);
    double *b = malloc(NSTATS * NLAYERS * M * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    sample(*o, RUN_EXPLICIT, 1, M, a);
    sample(*o, other, 1000001, M, b);
    double pmin = 1;
    for (size_t s = 0; s < NSTATS; s++)
        for (size_t j = 0; j < NLAYERS; j++) {
            double d = ks_statistic(a + (s * NLAYERS + j) * M, M, b + (s * NLAYERS + j) * M, M);
            double p = ks_pvalue(d, M, M);
            if (p < 1e-3)
                printf("# %s: %s at layer %zu: KS D = %.4f, p = %.2g\n", what, stat_names[s],
                       layers[j], d, p);
            pmin = fmin(pmin, p);
        }
    free(a);
    free(b);
    return pmin;
}

static dnc_propagate_opts config(dnc_activation act, double sw, double sb, size_t B,
                                 double alpha)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.width = 64;
    o.net.depth = 6;
    o.net.activation = act;
    o.net.sigma_w = sw;
    o.net.sigma_b = sb;
    o.batch = B;
    o.input_c = 0.5;
    o.lyapunov = true;
    o.residual_alpha = alpha;
    return o;
}

/* 600 networks per engine (100 under valgrind, which only looks for memory
 * errors); 45 tests in all. A per-test threshold of 1e-4 keeps the family's
 * false-alarm rate below 0.5% for an exact engine, while the wrong variant
 * below fails at p ~ 1e-100 (1e-20 with 100) as its q shifts by sigma_b^2. */
static size_t networks_per_engine(void)
{
    return getenv("DNNCRIT_UNDER_VALGRIND") ? 100 : 600;
}
#define P_FAIL 1e-4

static void test_distributions_match_explicit(void **state)
{
    (void)state;
    struct {
        const char *what;
        dnc_propagate_opts o;
    } cases[] = {
        {"tanh B=2", config(DNC_ACT_TANH, 1.5, 0.3, 2, 0)},
        {"relu B=2", config(DNC_ACT_RELU, 1.45, 0.1, 2, 0)},
        {"erf B=8", config(DNC_ACT_ERF, 1.3, 0.2, 8, 0)},
        {"tanh residual B=2", config(DNC_ACT_TANH, 1.2, 0.3, 2, 0.5)},
        {"tanh B=8", config(DNC_ACT_TANH, 2.0, 0.5, 8, 0)},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double p = min_pvalue(&cases[c].o, RUN_ENSEMBLE, networks_per_engine(), cases[c].what);
        printf("# %s: smallest KS p-value %.3g\n", cases[c].what, p);
        assert_true(p > P_FAIL);
    }
}

static void test_power_check_catches_missing_bias(void **state)
{
    (void)state;
    dnc_propagate_opts o = config(DNC_ACT_TANH, 1.5, 0.5, 2, 0);
    double p = min_pvalue(&o, RUN_WRONG_NO_BIAS, networks_per_engine(), "wrong: no bias");
    printf("# Sigma without bias: smallest KS p-value %.3g\n", p);
    assert_true(p < P_FAIL);
}

/* --------------------------------------------------- absorbing state */

typedef struct {
    size_t layers_seen, differing;
} rows_check;

static dnc_status count_differing(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    rows_check *c = ctx;
    (void)layer;
    c->layers_seen++;
    for (size_t b = 1; b < B; b++)
        c->differing += memcmp(H, H + b * N, N * sizeof *H) != 0;
    return DNC_OK;
}

/* Identical inputs stay identical bit for bit: rho = 0 is absorbing. */
static void test_identical_inputs_stay_identical(void **state)
{
    (void)state;
    enum { N = 96, B = 3 };
    double X[B * N];
    for (size_t i = 0; i < N; i++)
        X[i] = X[N + i] = X[2 * N + i] = sin(0.37 * (double)i + 0.1);
    X[2 * N + 5] += 0.25; /* the third input differs */
    dnc_propagate_opts o = config(DNC_ACT_TANH, 2.5, 0.3, B, 0);
    o.net.width = N;
    o.net.depth = 40;
    o.inputs = X;
    o.engine = DNC_ENGINE_ENSEMBLE;
    rows_check chk = {0};
    o.observer = count_differing;
    o.observer_ctx = &chk;
    dnc_propagate_result r;
    assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
    assert_int_equal(chk.layers_seen, 40);
    /* rows 0 and 1 never differ; row 2 differs at every layer (chaotic phase) */
    assert_int_equal(chk.differing, 40);
    for (size_t l = 0; l < r.depth; l++)
        assert_true(r.rho[l] > 0); /* the pairs with the third input */
    assert_true(r.rho[r.depth - 1] > 0.05); /* grown to the chaotic fixed point */
    dnc_propagate_result_free(&r);

    /* two identical inputs: rho exactly 0 at every layer */
    o.batch = 2;
    o.observer = NULL;
    assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
    for (size_t l = 0; l < r.depth; l++)
        assert_true(r.rho[l] == 0.0);
    dnc_propagate_result_free(&r);
}

/* ---------------------------------------------------------- tiny rho */

/* rho over depth D of two inputs eps apart, one network in the ordered
 * phase (tanh, sigma_w 0.6: chi_1 ~ 0.3), where rho decays by ~chi_1 per
 * layer down to ~1e-300. */
static void ordered_rho(double eps, size_t depth, double *rho)
{
    enum { N = 128 };
    double X[2 * N];
    for (size_t i = 0; i < N; i++) {
        X[i] = cos(0.71 * (double)i);
        X[N + i] = X[i] + eps * sin(1.3 * (double)i + 0.2);
    }
    dnc_propagate_opts o = config(DNC_ACT_TANH, 0.6, 0.1, 2, 0);
    o.net.width = N;
    o.net.depth = depth;
    o.inputs = X;
    o.lyapunov = false;
    o.engine = DNC_ENGINE_ENSEMBLE;
    dnc_propagate_result r;
    assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
    memcpy(rho, r.rho, depth * sizeof *rho);
    dnc_propagate_result_free(&r);
}

/* The difference is carried, not recomputed from two signals: rho stays
 * positive down to ~1e-300 where 1 - cos reads 0 below ~1e-16. In the linear
 * regime rho scales as eps^2 exactly (the engine's normalised covariance does
 * not see the scale of a difference, so it draws the same noise), so the
 * ratio of two runs 1e4 apart must stay 1e-8 at every layer, to the O(eps) =
 * 1e-4 of the nonlinearity and the 1e-8 rounding of the inputs' difference. */
static void test_tiny_rho_is_resolved(void **state)
{
    (void)state;
    enum { D = 600 };
    double *a = malloc(D * sizeof *a), *b = malloc(D * sizeof *b);
    ordered_rho(1e-4, D, a);
    ordered_rho(1e-8, D, b);
    size_t deepest = 0;
    for (size_t l = 0; l < D; l++) {
        if (!(b[l] > 0))
            break;
        deepest = l + 1;
        assert_true(fabs(b[l] / a[l] / 1e-8 - 1) < 1e-3);
    }
    printf("# rho at layer %zu: %.3g (eps 1e-8)\n", deepest, b[deepest - 1]);
    assert_true(b[deepest - 1] < 1e-280); /* resolved down to the double range */
    for (size_t l = deepest; l < D; l++)
        assert_true(b[l] == 0.0); /* past it, underflow to an exact 0 */
    free(a);
    free(b);
}

/* ----------------------------------------------------------- refusals */

static dnc_status zero_weights(void *ctx, size_t layer, double *W, double *b)
{
    (void)ctx;
    (void)layer;
    (void)W;
    (void)b;
    return DNC_OK;
}

static void test_refuses_what_it_cannot_serve(void **state)
{
    (void)state;
    dnc_propagate_opts o = config(DNC_ACT_TANH, 1.0, 0.0, 2, 0);
    o.engine = DNC_ENGINE_ENSEMBLE;
    o.provider = zero_weights;
    dnc_propagate_result r;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EUNSUPPORTED);
    assert_non_null(strstr(dnc_last_error(), "no weights"));
    o.provider = NULL;
    o.device = DNC_DEVICE_CUDA;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EUNSUPPORTED);
    assert_non_null(strstr(dnc_last_error(), "CPU only"));
    o.device = DNC_DEVICE_CPU;
    o.batch = 64;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EUNSUPPORTED);
    o.engine = (dnc_engine_kind)7;
    o.batch = 2;
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    dnc_engine_kind k;
    assert_int_equal(dnc_engine_kind_parse("ensemble", &k), DNC_OK);
    assert_int_equal(k, DNC_ENGINE_ENSEMBLE);
    assert_int_equal(dnc_engine_kind_parse("exact", &k), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "'exact'"));
}

/* ------------------------------------------ widths, threads, averages */

/* A width of 2^20 runs in O(N B) memory (an N^2 allocation would need 8 TiB),
 * and the chunked sampling gives the same bits on 1 and 2 threads. */
static void test_wide_network_and_thread_count(void **state)
{
    (void)state;
    dnc_propagate_opts o = config(DNC_ACT_TANH, 1.0, 0.05, 2, 0);
    o.net.width = (size_t)1 << 20;
    o.net.input_width = 16;
    o.net.depth = 3;
    o.engine = DNC_ENGINE_ENSEMBLE;
    dnc_propagate_result r1, r2;
    omp_set_num_threads(1);
    assert_int_equal(dnc_propagate(&o, &r1), DNC_OK);
    omp_set_num_threads(2);
    assert_int_equal(dnc_propagate(&o, &r2), DNC_OK);
    assert_memory_equal(r1.rho, r2.rho, 3 * sizeof *r1.rho);
    assert_memory_equal(r1.q, r2.q, 3 * sizeof *r1.q);
    assert_memory_equal(r1.lyap, r2.lyap, 3 * sizeof *r1.lyap);
    /* at N = 2^20 the sampled q of layer 1 is sigma_w^2 q_in + sigma_b^2 to
     * ~sqrt(2/N) = 0.14% (7 sigma below) */
    double X[2 * 16], q_in = 0;
    assert_int_equal(dnc_make_inputs(&o, X), DNC_OK);
    for (size_t i = 0; i < 32; i++)
        q_in += X[i] * X[i] / 32;
    assert_true(fabs(r1.q[0] / (q_in + 0.05 * 0.05) - 1) < 0.01);
    dnc_propagate_result_free(&r1);
    dnc_propagate_result_free(&r2);
}

/* The engine's q and rho (chunk-parallel sums over units and pairs,
 * ens_pair_stats) against a naive long-double computation from the
 * pre-activations the observer sees, for B = 16 at N = 65536 (the parallel
 * paths: 16 chunks, 136 x 65536 numbers), and the same bits on 1 and 2
 * threads. In the chaotic phase rho ~ 0.1-1 and the naive 1 - cos has an
 * absolute error ~1e-16 (long-double sums of 65536 products): 1e-12
 * relative leaves a wide margin and still catches any wrong pair or term. */
typedef struct {
    size_t layers;
    double q[4], rho[4];
} naive_stats;

static dnc_status naive_observer(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    naive_stats *s = ctx;
    long double q = 0, sum = 0, *nn = calloc(B, sizeof *nn);
    for (size_t a = 0; a < B; a++) {
        for (size_t i = 0; i < N; i++)
            nn[a] += (long double)H[a * N + i] * H[a * N + i];
        q += nn[a] / (long double)N;
    }
    for (size_t a = 0; a < B; a++)
        for (size_t b = a + 1; b < B; b++) {
            long double ab = 0;
            for (size_t i = 0; i < N; i++)
                ab += (long double)H[a * N + i] * H[b * N + i];
            sum += 1 - ab / sqrtl(nn[a] * nn[b]);
        }
    free(nn);
    s->q[layer - 1] = (double)(q / (long double)B);
    s->rho[layer - 1] = (double)(sum / ((long double)B * (long double)(B - 1) / 2));
    s->layers++;
    return DNC_OK;
}

static void test_pair_stats_match_naive_and_threads(void **state)
{
    (void)state;
    dnc_propagate_opts o = config(DNC_ACT_TANH, 1.6, 0.2, 16, 0);
    o.net.width = 65536;
    o.net.depth = 4;
    o.lyapunov = false;
    o.engine = DNC_ENGINE_ENSEMBLE;
    naive_stats naive = {0};
    o.observer = naive_observer;
    o.observer_ctx = &naive;
    dnc_propagate_result r1, r2;
    omp_set_num_threads(1);
    assert_int_equal(dnc_propagate(&o, &r1), DNC_OK);
    assert_int_equal(naive.layers, 4);
    for (size_t l = 0; l < 4; l++) {
        assert_true(naive.rho[l] > 0.05);
        assert_true(fabs(r1.rho[l] / naive.rho[l] - 1) < 1e-12);
        assert_true(fabs(r1.q[l] / naive.q[l] - 1) < 1e-12);
    }
    o.observer = NULL;
    omp_set_num_threads(2);
    assert_int_equal(dnc_propagate(&o, &r2), DNC_OK);
    assert_memory_equal(r1.rho, r2.rho, 4 * sizeof *r1.rho);
    assert_memory_equal(r1.q, r2.q, 4 * sizeof *r1.q);
    dnc_propagate_result_free(&r1);
    dnc_propagate_result_free(&r2);
}

/* dnc_propagate_networks: the mean and standard error of K single runs
 * (seeds seed..seed+K-1), the same bits on 1 and 2 threads. */
static void test_networks_average(void **state)
{
    (void)state;
    enum { K = 7, D = 5 };
    for (int engine = 0; engine < 2; engine++) {
        dnc_propagate_opts o = config(DNC_ACT_ERF, 1.4, 0.2, 3, 0);
        o.net.depth = D;
        o.engine = (dnc_engine_kind)engine;
        double sum[D] = {0}, sum2[D] = {0};
        for (size_t k = 0; k < K; k++) {
            dnc_propagate_opts ok = o;
            ok.net.seed = o.net.seed + k;
            dnc_propagate_result r;
            assert_int_equal(dnc_propagate(&ok, &r), DNC_OK);
            for (size_t l = 0; l < D; l++) {
                sum[l] += r.rho[l];
                sum2[l] += r.rho[l] * r.rho[l];
            }
            dnc_propagate_result_free(&r);
        }
        dnc_propagate_result a, b;
        omp_set_num_threads(1);
        assert_int_equal(dnc_propagate_networks(&o, K, &a), DNC_OK);
        omp_set_num_threads(2);
        assert_int_equal(dnc_propagate_networks(&o, K, &b), DNC_OK);
        assert_int_equal(a.networks, K);
        for (size_t l = 0; l < D; l++) {
            double mean = sum[l] / K, var = (sum2[l] - K * mean * mean) / (K - 1);
            assert_true(fabs(a.rho[l] - mean) < 1e-12);
            assert_true(fabs(a.rho_err[l] - sqrt(var / K)) < 1e-9 * (1 + sqrt(var / K)) + 1e-12);
        }
        assert_memory_equal(a.rho, b.rho, D * sizeof *a.rho);
        assert_memory_equal(a.rho_err, b.rho_err, D * sizeof *a.rho_err);
        assert_memory_equal(a.lyap_err, b.lyap_err, D * sizeof *a.lyap_err);
        assert_true(isfinite(a.lyapunov_err) && a.lyapunov_err > 0);
        dnc_propagate_result_free(&a);
        dnc_propagate_result_free(&b);
    }
    dnc_propagate_opts o = config(DNC_ACT_TANH, 1.0, 0.0, 2, 0);
    dnc_propagate_result r;
    assert_int_equal(dnc_propagate_networks(&o, 0, &r), DNC_EINVAL);
}

/* The command line: --engine and --networks, their columns and refusals. */
static void test_cli(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char out[4096];
    snprintf(out, sizeof out, "%s/ens", dir);
    assert_int_equal(tu_run_cli(dir, "propagate --width 40 --depth 6 --engine ensemble "
                                     "--networks 4 --lyapunov --quiet --out %s", out),
                     0);
    char *csv = tu_read(tu_path(dir, "ens.csv"));
    assert_non_null(csv);
    const char *header = "layer,q,q_err,c,c_err,rho,rho_err,lyap,lyap_err,q_mf,c_mf,rho_mf\n";
    assert_true(strncmp(csv, header, strlen(header)) == 0);
    free(csv);
    char *json = tu_read(tu_path(dir, "ens.json"));
    assert_non_null(strstr(json, "\"engine\":\t\"ensemble\""));
    assert_non_null(strstr(json, "\"networks\":\t4"));
    assert_non_null(strstr(json, "final_rho_err"));
    free(json);
    /* usage errors: exit 2, nothing written */
    size_t before = tu_count_entries(dir);
    assert_int_equal(tu_run_cli(dir, "propagate --engine exact --out %s/x", dir), 2);
    assert_int_equal(tu_run_cli(dir, "propagate --engine ensemble --device cuda --out %s/x", dir),
                     2);
    assert_int_equal(tu_run_cli(dir, "propagate --networks 0 --out %s/x", dir), 2);
    assert_int_equal(tu_run_cli(dir, "avalanches --engine ensemble --rule std --out %s/x", dir),
                     2);
    assert_int_equal(tu_count_entries(dir), before);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distributions_match_explicit),
        cmocka_unit_test(test_power_check_catches_missing_bias),
        cmocka_unit_test(test_identical_inputs_stay_identical),
        cmocka_unit_test(test_tiny_rho_is_resolved),
        cmocka_unit_test(test_refuses_what_it_cannot_serve),
        cmocka_unit_test(test_wide_network_and_thread_count),
        cmocka_unit_test(test_pair_stats_match_naive_and_threads),
        cmocka_unit_test(test_networks_average),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
