/* Finite-width rho^l approaches the mean-field trajectory as the width
 * grows (slow: ~200M Gaussian weights; listed in slow_tests.cmake). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dnncrit/propagate.h"
#include "propagate_out.h"

/* Mean over seeds of |rho^l - rho_mf^l| (layers 1..L) and whether every
 * layer's seed average lies within 5 standard errors of mean field. */
static double deviation_from_meanfield(size_t N, int seeds, bool *within_errors, dnc_corr_kind corr)
{
    enum { L = 8 };
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.width = N;
    o.net.depth = L;
    o.net.sigma_w = 1.5;
    o.net.sigma_b = 0.3;
    o.batch = 2;
    o.input_c = 0.5;
    o.corr = corr;
    double sum[L] = {0}, sq[L] = {0}, dev = 0;
    for (int s = 0; s < seeds; s++) {
        o.net.seed = 7000 + (uint64_t)s;
        dnc_propagate_result r;
        cli_layer_table mf;
        assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
        assert_int_equal(cli_layer_table_meanfield(&o, NULL, &mf), DNC_OK);
        assert_int_equal(mf.depth, L);
        for (int l = 0; l < L; l++) {
            double d = r.rho[l] - mf.rho[l];
            sum[l] += d;
            sq[l] += d * d;
            dev += fabs(d) / (L * seeds);
        }
        dnc_propagate_result_free(&r);
        cli_layer_table_free(&mf);
    }
    *within_errors = true;
    for (int l = 0; l < L; l++) {
        double mean = sum[l] / seeds, var = (sq[l] / seeds - mean * mean) * seeds / (seeds - 1);
        if (fabs(mean) > 5 * sqrt(var / seeds))
            *within_errors = false;
    }
    return dev;
}

/* Finite-width fluctuations of rho shrink like 1/sqrt(N) (the O(1/N) bias
 * is far below the error bars here), so going from N = 64 to N = 1024 the
 * mean deviation from mean field should drop about 4x; we require 2x, and
 * the wide network's seed averages to agree with mean field within 5
 * standard errors, for pre- and post-activation correlations. */
static void test_finite_width_approaches_meanfield(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        dnc_corr_kind corr = k ? DNC_CORR_POST : DNC_CORR_PRE;
        bool ok_narrow, ok_wide;
        double narrow = deviation_from_meanfield(64, 12, &ok_narrow, corr);
        double wide = deviation_from_meanfield(1024, 12, &ok_wide, corr);
        print_message("corr %d: deviation N=64 %.4f, N=1024 %.4f\n", k, narrow, wide);
        assert_true(wide < 0.5 * narrow);
        assert_true(ok_wide);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finite_width_approaches_meanfield),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
