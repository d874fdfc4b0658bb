/* Honest error bars of the power-law MLE (slow: 600 fits): the true
 * exponent must fall within the reported standard error as often as a
 * Gaussian says. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dnncrit/powerlaw.h"
#include "dnncrit/rng.h"

#include "powerlaw_samples.h"

/* Coverage of the error bars: over R independent samples the true
 * exponent must lie within 1 sigma ~68% and within 3 sigma ~99.7% of the
 * time. With R = 150 the 1-sigma fraction has binomial sd 0.038, so
 * [0.53, 0.83] is +-4 sd; at most 4 misses of 3 sigma (expected 0.4). */
static void check_coverage(double alpha, double xmin, bool discrete, size_t n, size_t R)
{
    size_t in1 = 0, in3 = 0;
    dnc_pl_opts o = dnc_pl_opts_default();
    o.discrete = discrete;
    o.xmin = xmin;
    for (size_t r = 0; r < R; r++) {
        double *x = pl_samples(alpha, xmin, INFINITY, discrete, n, (uint32_t)(1000 + r));
        dnc_pl_fit f = fit_or_die(x, n, o);
        double z = fabs(f.alpha - alpha) / f.alpha_err;
        in1 += z <= 1;
        in3 += z <= 3;
        free(x);
    }
    double f1 = (double)in1 / (double)R;
    assert_true(f1 > 0.53 && f1 < 0.83);
    assert_true(R - in3 <= 4);
}

static void test_continuous_fixed_xmin_coverage(void **state)
{
    (void)state;
    check_coverage(2.5, 1.0, false, 400, 150);
    check_coverage(1.7, 3.0, false, 400, 150);
}

static void test_discrete_fixed_xmin_coverage(void **state)
{
    (void)state;
    check_coverage(2.5, 1, true, 400, 150);
    check_coverage(2.0, 5, true, 400, 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_continuous_fixed_xmin_coverage),
        cmocka_unit_test(test_discrete_fixed_xmin_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
