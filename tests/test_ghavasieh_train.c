/* The quick predictor study behind a later `reproduce ghavasieh2025` claim
 * (app/reproduce_ghavasieh_train.h), on Fashion-MNIST: it runs, its two
 * coefficients agree with a naive Spearman over the cells of its own
 * landscape.csv, the difference is |rho_peak| - |rho_chi1| with an interval
 * around it, and a rerun reuses every point and gives the same numbers.
 * 32 short trainings and 4 susceptibility scans, twice: ~5-9 s on the 2-core
 * machine, labelled slow because it is too heavy for the valgrind pass. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/table.h"
#include "app/reproduce_ghavasieh_train.h"
#include "testutil.h"

/* In double precision (cmocka's assert_float_equal compares floats). */
#define assert_close(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* Spearman with ties averaged, by counting (independent of correlation.c). */
static double naive_spearman(const double *x, const double *y, size_t n)
{
    double *r = malloc(2 * n * sizeof *r), m = (n + 1) / 2.0, sxy = 0, sxx = 0, syy = 0;
    assert_non_null(r);
    for (size_t i = 0; i < n; i++) {
        double lx = 0, ex = 0, ly = 0, ey = 0;
        for (size_t j = 0; j < n; j++) {
            lx += x[j] < x[i];
            ex += x[j] == x[i];
            ly += y[j] < y[i];
            ey += y[j] == y[i];
        }
        r[i] = lx + (ex + 1) / 2;
        r[n + i] = ly + (ey + 1) / 2;
    }
    for (size_t i = 0; i < n; i++) {
        sxy += (r[i] - m) * (r[n + i] - m);
        sxx += (r[i] - m) * (r[i] - m);
        syy += (r[n + i] - m) * (r[n + i] - m);
    }
    free(r);
    return sxy / sqrt(sxx * syy);
}

static void test_quick_study(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *out = tu_path(dir, "ghavasieh");
    char *sweep = strdup(out);
    dnc_ghavasieh_predictor g;
    assert_int_equal(dnc_ghavasieh_predictor_run(sweep, NULL, 0, true, true, 1, &g), DNC_OK);
    print_message("ghavasieh quick study: %zu cells; Spearman(acc, |sigma_w - peak|) = %.3f "
                  "[%.3f, %.3f]; Spearman(acc, |chi_1 - 1|) = %.3f [%.3f, %.3f]; "
                  "|rho_peak| - |rho_chi1| = %.3f [%.3f, %.3f]; %.1f s\n",
                  g.cells, g.peak.spearman, g.peak.ci.lo, g.peak.ci.hi, g.chi1.spearman,
                  g.chi1.ci.lo, g.chi1.ci.hi, g.diff, g.diff_ci.lo, g.diff_ci.hi, g.seconds);
    assert_int_equal(g.cells, 32); /* 8 sigma_w x 2 sigma_b x 2 depths */
    assert_int_equal(g.peak.n, 32);
    assert_int_equal(g.chi1.n, 32);

    dnc_table t;
    dnc_table_opts to = {.cells = DNC_TABLE_NUMBERS, .need_header = true};
    assert_int_equal(dnc_table_read(tu_path(sweep, "landscape.csv"), &to, &t), DNC_OK);
    double *acc = dnc_table_column(&t, (size_t)dnc_table_col(&t, "test_acc_mean"));
    double *pk = dnc_table_column(&t, (size_t)dnc_table_col(&t, "abs_dist_susc_peak"));
    double *ch = dnc_table_column(&t, (size_t)dnc_table_col(&t, "abs_chi1_minus_1"));
    double rp = naive_spearman(pk, acc, t.nrows), rc = naive_spearman(ch, acc, t.nrows);
    assert_close(g.peak.spearman, rp, 1e-12);
    assert_close(g.chi1.spearman, rc, 1e-12);
    assert_close(g.diff, fabs(rp) - fabs(rc), 1e-12);
    assert_true(g.diff_ci.lo <= g.diff && g.diff <= g.diff_ci.hi);
    assert_true(g.peak.ci.lo <= rp && rp <= g.peak.ci.hi);
    free(acc);
    free(pk);
    free(ch);
    dnc_table_free(&t);

    /* Resumed: every point reused, the same statistics. */
    dnc_ghavasieh_predictor h;
    assert_int_equal(dnc_ghavasieh_predictor_run(sweep, NULL, 0, true, true, 1, &h), DNC_OK);
    assert_true(h.peak.spearman == g.peak.spearman && h.diff == g.diff &&
                h.diff_ci.lo == g.diff_ci.lo && h.diff_ci.hi == g.diff_ci.hi);
    assert_true(h.seconds < g.seconds);
    free(sweep);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quick_study),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
