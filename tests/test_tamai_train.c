/* The analysis pieces of the Tamai et al. 2025 training claim
 * (src/app/reproduce_tamai_train.c) and what they stand on, without any
 * training: train-sweep's --sigma-w-relative grid (chi_1 = 1 at rel = 1,
 * kappa there against the correlation map itself), the stratified
 * bootstrap (dnc_bootstrap) against the closed-form standard error, and
 * the three statistics and the verdict on constructed accuracies whose
 * answer is known. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/meanfield.h"
#include "dnncrit/rng.h"
#include "dnncrit/train_sweep.h"
#include "app/reproduce_tamai_train.h"
#include "testutil.h"

/* kappa from the rho map alone: at chi_1 = 1, rho' = chi_1 rho - kappa rho^2
 * + O(rho^3), so k(rho) = (chi_1 rho - rho') / rho^2 = kappa + a rho + b rho^2
 * + ...; two Richardson steps over rho, rho/2, rho/4 remove a and b. */
static double kappa_from_rho_map(const dnc_mf_params *p, double q_star, double chi1)
{
    double k[3], rho[3] = {2e-4, 1e-4, 5e-5};
    for (int i = 0; i < 3; i++) {
        double next;
        assert_int_equal(dnc_mf_rho_map(p, q_star, rho[i], &next, NULL), DNC_OK);
        k[i] = (chi1 * rho[i] - next) / (rho[i] * rho[i]);
    }
    double r1 = 2 * k[1] - k[0], r2 = 2 * k[2] - k[1];
    return (4 * r2 - r1) / 3;
}

/* Every grid point of both designs: rel = 1 is critical to 1e-8 and its
 * kappa agrees with the rho map; the controls are well off it. */
static void test_relative_grid_is_critical(void **state)
{
    (void)state;
    for (int quick = 0; quick < 2; quick++) {
        dnc_tamai_design d;
        dnc_tamai_design_of(quick, &d);
        for (size_t a = 0; a < d.nact; a++) {
            dnc_train_sweep_spec s;
            size_t ds[DNC_TAMAI_MAX_DEPTH];
            dnc_tamai_sweep_spec(&d, a, 1, &s, ds);
            assert_true(s.sigma_w_relative);
            size_t per_rel = d.nsb * d.ndepth * d.seeds;
            /* one point per (rel, sigma_b): depth and seed do not change sigma_w */
            for (size_t ir = 0; ir < DNC_TAMAI_NREL; ir++)
                for (size_t b = 0; b < d.nsb; b++) {
                    size_t i = ir * per_rel + b * d.ndepth * d.seeds;
                    dnc_train_config c;
                    assert_int_equal(dnc_train_sweep_point_config(&s, i, &c), DNC_OK);
                    assert_true(c.net.sigma_b == d.sigma_b[a][b]);
                    dnc_mf_params p = {d.act[a], c.net.sigma_w, c.net.sigma_b};
                    dnc_mf_point mf;
                    dnc_status st = dnc_mf_analyse(&p, &mf);
                    if (ir == 1) {
                        assert_int_equal(st, DNC_OK);
                        /* dnc_mf_critical_sigma_w promises sigma_w to 1e-8
                         * relative; its bisection on chi_1 stops well inside */
                        assert_true(fabs(mf.chi_1 - 1) < 1e-8);
                        assert_true(mf.kappa_exists);
                        double k = kappa_from_rho_map(&p, mf.q_star, mf.chi_1);
                        /* Richardson leaves O(rho^3); rho' ~ 1e-4 carries ~1e-12
                         * relative quadrature error, ~1e-8 on chi_1 rho - rho' (a
                         * difference ~ kappa rho^2); 1e-6 relative is ample and
                         * far below the kappa differences of the design (measured:
                         * at most 1.5e-7, gelu at sigma_b = 1 with q* = 82) */
                        assert_true(fabs(k - mf.kappa) < 1e-6 * mf.kappa);
                    } else if (st == DNC_OK && isfinite(mf.q_star)) {
                        /* well below / above: rel 0.7 gives chi_1 0.36..0.68, rel
                         * 1.4 gives 1.14..1.50 (tanh, erf) */
                        if (ir == 0)
                            assert_true(mf.chi_1 < 0.7);
                        else
                            assert_true(mf.chi_1 > 1.1);
                    } else {
                        /* only the chaotic gelu control may lose its finite q* */
                        assert_int_equal(ir, 2);
                        assert_int_equal(d.act[a], DNC_ACT_GELU);
                        dnc_clear_error();
                    }
                }
        }
    }
}

/* Relative mode off: the grid value is sigma_w itself; on with an
 * activation/sigma_b without a critical point: an error naming both. */
static void test_relative_grid_errors(void **state)
{
    (void)state;
    double sw[] = {1.3}, sb[] = {0.05};
    size_t depth[] = {3}, width[] = {8};
    dnc_train_sweep_spec s = {.base = dnc_train_config_default(), .sigma_w = sw, .n_sigma_w = 1,
                              .sigma_b = sb, .n_sigma_b = 1, .depth = depth, .n_depth = 1,
                              .width = width, .n_width = 1, .seeds = 1, .seed0 = 1};
    dnc_train_config c;
    assert_int_equal(dnc_train_sweep_point_config(&s, 0, &c), DNC_OK);
    assert_true(c.net.sigma_w == 1.3);
    s.sigma_w_relative = true;
    double crit;
    assert_int_equal(dnc_mf_critical_sigma_w(DNC_ACT_TANH, 0.05, &crit), DNC_OK);
    assert_int_equal(dnc_train_sweep_point_config(&s, 0, &c), DNC_OK);
    assert_true(c.net.sigma_w == 1.3 * crit);
    s.base.net.activation = DNC_ACT_GELU; /* gelu has no critical point at sigma_b = 0.05 */
    assert_int_not_equal(dnc_train_sweep_point_config(&s, 0, &c), DNC_OK);
    assert_non_null(strstr(dnc_last_error(), "gelu"));
    assert_non_null(strstr(dnc_last_error(), "0.05"));
    dnc_clear_error();
}

/* ----------------------------------------------------------- bootstrap */

typedef struct {
    const double *x;
    const size_t *group_size;
    size_t ngroups;
    bool in_groups; /* every draw stayed inside its group */
} mean_ctx;

static double mean_stat(const size_t *idx, size_t n, void *ctx)
{
    mean_ctx *c = ctx;
    double m = 0;
    for (size_t g = 0, i = 0, off = 0; g < c->ngroups; off += c->group_size[g++])
        for (size_t j = 0; j < c->group_size[g]; j++, i++)
            if (idx[i] < off || idx[i] >= off + c->group_size[g])
                c->in_groups = false;
    for (size_t i = 0; i < n; i++)
        m += c->x[idx[i]];
    return m / (double)n;
}

/* Plain and stratified: the bootstrap standard error of a mean is the
 * plug-in one, sqrt(sum_g n_g var_g) / n with var_g the population variance
 * of group g. 4000 resamples: Monte-Carlo error of se ~ 1/sqrt(8000) ~ 1.1%;
 * 5% is > 4 of those. */
static void test_bootstrap_standard_error(void **state)
{
    (void)state;
    enum { N = 300 };
    double x[N];
    for (size_t i = 0; i < N; i++)
        x[i] = dnc_normal_at(5, DNC_STREAM_USER, 0, 0, i) + (i < 100 ? 5.0 : 0.0);
    size_t one[] = {N}, three[] = {100, 150, 50};
    const size_t *groups[2] = {one, three};
    size_t ngroups[2] = {1, 3};
    for (int k = 0; k < 2; k++) {
        double want = 0;
        for (size_t g = 0, off = 0; g < ngroups[k]; off += groups[k][g++]) {
            size_t n = groups[k][g];
            double m = 0, v = 0;
            for (size_t i = off; i < off + n; i++)
                m += x[i];
            m /= (double)n;
            for (size_t i = off; i < off + n; i++)
                v += (x[i] - m) * (x[i] - m);
            want += v; /* n_g x population variance */
        }
        want = sqrt(want) / N;
        mean_ctx c = {x, groups[k], ngroups[k], true};
        dnc_bootstrap_ci ci;
        assert_int_equal(dnc_bootstrap(groups[k], ngroups[k], 4000, 9, mean_stat, &c, &ci),
                         DNC_OK);
        assert_true(c.in_groups);
        assert_int_equal(ci.kept, 4000);
        assert_true(fabs(ci.se - want) < 0.05 * want);
        double mean = 0;
        for (size_t i = 0; i < N; i++)
            mean += x[i];
        mean /= N;
        /* the percentile interval is about mean +- 1.96 se */
        assert_true(ci.lo < mean && mean < ci.hi);
        assert_true(fabs((ci.hi - ci.lo) / (2 * 1.96 * want) - 1) < 0.1);
    }
    /* the stratified resamples keep each group's share: with group 0 at +5
     * and its size fixed, the spread is far below the unstratified one */
    dnc_bootstrap_ci a, b;
    mean_ctx c1 = {x, one, 1, true}, c3 = {x, three, 3, true};
    assert_int_equal(dnc_bootstrap(one, 1, 2000, 3, mean_stat, &c1, &a), DNC_OK);
    assert_int_equal(dnc_bootstrap(three, 3, 2000, 3, mean_stat, &c3, &b), DNC_OK);
    assert_true(b.se < 0.6 * a.se);
    /* too few resamples: no interval */
    assert_int_equal(dnc_bootstrap(one, 1, 10, 3, mean_stat, &c1, &a), DNC_OK);
    assert_true(isnan(a.lo) && isnan(a.se));
}

/* ------------------------------------------------- constructed designs */

enum { NLINE = 6, NDEPTH = 5, NREL = 3, SEEDS = 4, NCELL = NLINE * NDEPTH * NREL };

typedef struct {
    double acc[NCELL * SEEDS];
    bool critical[NCELL];
    int line[NCELL];
    size_t depth[NCELL];
    double kappa_L[NCELL];
    double mean[NCELL];
} built;

/* Lines with kappa spread over two decades, so L and kappa L order the
 * critical cells differently; acc = truth(kappa, L) + seed offsets
 * (+d, -d, +d, -d: every cell mean exact, population variance d^2). */
static void build(built *b, double (*truth)(double kappa_L, size_t L, bool critical), double d)
{
    static const double kappa[NLINE] = {0.01, 0.03, 0.1, 0.3, 1.0, 3.0};
    static const size_t depths[NDEPTH] = {4, 8, 16, 32, 64};
    for (size_t c = 0; c < NCELL; c++) {
        size_t iL = c % NDEPTH, ln = c / NDEPTH % NLINE, ir = c / (NDEPTH * NLINE);
        b->critical[c] = ir == 1;
        b->line[c] = (int)ln;
        b->depth[c] = depths[iL];
        b->kappa_L[c] = kappa[ln] * (double)depths[iL];
        b->mean[c] = truth(b->kappa_L[c], depths[iL], ir == 1);
        for (size_t k = 0; k < SEEDS; k++)
            b->acc[c * SEEDS + k] = b->mean[c] + (k % 2 ? -d : d);
    }
}

static dnc_tamai_data data_of(const built *b)
{
    dnc_tamai_data d = {NCELL, SEEDS, b->acc, b->critical, b->line, b->depth, b->kappa_L, 1, 10};
    return d;
}

/* Accuracy falls with kappa L at criticality; off-critical cells fail. */
static double collapse_in_kappa_L(double kl, size_t L, bool critical)
{
    (void)L;
    if (!critical)
        return 0.1;
    return kl <= 1 ? 0.8 : kl >= 10 ? 0.1 : 0.8 - 0.7 * log10(kl); /* continuous, monotone */
}

/* Accuracy falls with depth alone, whatever kappa. */
static double collapse_in_L(double kl, size_t L, bool critical)
{
    (void)kl;
    if (!critical)
        return 0.1;
    return 0.9 - 0.12 * log2((double)L);
}

/* The naive statistics from the cell means: independent loops over the
 * definitions in reproduce_tamai_train.h. */
static void naive(const built *b, double *nec, double *win, size_t *na, size_t *nb)
{
    double sa = 0, sb = 0, wa = 0, wb = 0;
    size_t ca = 0, cb = 0, wna = 0, wnb = 0;
    for (size_t c = 0; c < NCELL; c++) {
        if (b->depth[c] == 64) {
            /* the line's critical cell at 64 has kappa L = kappa x 64 */
            double kl_line = b->kappa_L[c] / (double)b->depth[c] * 64;
            if (kl_line < 10) {
                if (b->critical[c]) {
                    sa += b->mean[c];
                    ca++;
                } else {
                    sb += b->mean[c];
                    cb++;
                }
            }
        }
        if (b->critical[c] && b->kappa_L[c] <= 1) {
            wa += b->mean[c];
            wna++;
        }
        if (b->critical[c] && b->kappa_L[c] >= 10) {
            wb += b->mean[c];
            wnb++;
        }
    }
    *nec = sa / (double)ca - sb / (double)cb;
    *win = wa / (double)wna - wb / (double)wnb;
    na[0] = ca;
    nb[0] = cb;
    na[1] = wna;
    nb[1] = wnb;
}

static void test_statistics_known_answer(void **state)
{
    (void)state;
    built *b = malloc(sizeof *b);
    assert_non_null(b);
    const double d = 0.02;
    build(b, collapse_in_kappa_L, d);
    dnc_tamai_data data = data_of(b);
    dnc_tamai_result r;
    assert_int_equal(dnc_tamai_analyse(&data, 2000, 4, &r), DNC_OK);
    double nec, win;
    size_t na[2], nb[2];
    naive(b, &nec, &win, na, nb);
    /* offsets cancel in every cell mean: the values are exact */
    assert_true(fabs(r.necessary.value - nec) < 1e-12);
    assert_true(fabs(r.window.value - win) < 1e-12);
    assert_true(fabs(r.window.value - 0.7) < 1e-12);
    assert_int_equal(r.necessary.n_a, na[0]);
    assert_int_equal(r.necessary.n_b, nb[0]);
    assert_int_equal(r.window.n_a, na[1]);
    assert_int_equal(r.window.n_b, nb[1]);
    /* se of a difference of means of n_a and n_b cells, each the mean of
     * SEEDS draws with population variance d^2: d sqrt((1/n_a + 1/n_b) /
     * SEEDS); 2000 resamples: MC error ~1.6%, 8% allowed */
    double want = d * sqrt((1.0 / (double)na[1] + 1.0 / (double)nb[1]) / SEEDS);
    assert_true(fabs(r.window.ci.se - want) < 0.08 * want);
    want = d * sqrt((1.0 / (double)na[0] + 1.0 / (double)nb[0]) / SEEDS);
    assert_true(fabs(r.necessary.ci.se - want) < 0.08 * want);
    /* accuracy is a function of kappa L: |Spearman| = 1 with kappa L (ties
     * only where the truth is flat), clearly below with L */
    assert_true(r.spearman_kappa_L < -0.9);
    assert_true(fabs(r.spearman_L) < fabs(r.spearman_kappa_L) - 0.1);
    assert_true(fabs(r.collapse.value - (fabs(r.spearman_kappa_L) - fabs(r.spearman_L))) <
                1e-12);
    assert_int_equal(r.verdict, DNC_VERDICT_SUPPORTED);

    /* accuracy set by depth alone: kappa L collapses worse than L */
    build(b, collapse_in_L, d);
    data = data_of(b);
    assert_int_equal(dnc_tamai_analyse(&data, 2000, 4, &r), DNC_OK);
    assert_true(fabs(r.spearman_L + 1) < 1e-12);
    assert_true(r.collapse.value < 0);
    assert_true(r.collapse.value + 2 * r.collapse.ci.se < 0);
    assert_int_equal(r.verdict, DNC_VERDICT_NOT_SUPPORTED);
    assert_non_null(strstr(r.rule, "collapse no"));
    free(b);
}

/* Noise as large as the effect: no statistic is decided, the verdict is
 * inconclusive; a design without cells beyond the window has no window
 * statistic and cannot be supported. */
static void test_statistics_undecided(void **state)
{
    (void)state;
    built *b = malloc(sizeof *b);
    assert_non_null(b);
    build(b, collapse_in_kappa_L, 0.0);
    /* identical cells except the seed noise: every statistic has value 0 */
    for (size_t c = 0; c < NCELL; c++)
        for (size_t k = 0; k < SEEDS; k++)
            b->acc[c * SEEDS + k] = 0.5 + 0.3 * dnc_normal_at(8, DNC_STREAM_USER, 0, c, k);
    dnc_tamai_data data = data_of(b);
    dnc_tamai_result r;
    assert_int_equal(dnc_tamai_analyse(&data, 1000, 2, &r), DNC_OK);
    assert_true(fabs(r.window.value) < 3 * r.window.ci.se);
    assert_int_not_equal(r.verdict, DNC_VERDICT_SUPPORTED);

    build(b, collapse_in_kappa_L, 0.02);
    data = data_of(b);
    data.window_out = 1e6; /* nothing beyond the window */
    assert_int_equal(dnc_tamai_analyse(&data, 500, 2, &r), DNC_OK);
    assert_true(isnan(r.window.value));
    assert_int_equal(r.window.n_b, 0);
    assert_int_equal(r.verdict, DNC_VERDICT_INCONCLUSIVE);
    assert_non_null(strstr(r.rule, "window undecided"));
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relative_grid_is_critical),
        cmocka_unit_test(test_relative_grid_errors),
        cmocka_unit_test(test_bootstrap_standard_error),
        cmocka_unit_test(test_statistics_known_answer),
        cmocka_unit_test(test_statistics_undecided),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
