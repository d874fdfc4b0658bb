/* The mean-field avalanche reference (slow: 150000 avalanches): the
 * critical branching process gives tau = 3/2, alpha = 2, gamma = 2 and a
 * parabolic shape, and the crackling relation holds. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dnncrit/avalanche.h"

/* The critical Galton-Watson process with Poisson(1) offspring is the
 * mean-field avalanche: P(S) ~ S^-3/2 (Borel law), P(T) ~ T^-2, <S>(T) ~
 * T^2 (Sethna et al. 2001). gamma has O(1/T) corrections (E[S|T] = c T^2
 * + O(T)), so it is fitted above T = 100 where they are below its error. */
static void test_critical_branching_exponents(void **state)
{
    (void)state;
    dnc_branching_opts bo = {.m = 1.0, .seeds = 1, .max_duration = 20000,
                             .max_size = DNC_BRANCHING_MAX_SIZE_LIMIT, .seed = 3};
    dnc_avalanches av;
    size_t cut;
    assert_int_equal(dnc_branching_avalanches(&bo, 150000, &av, &cut), DNC_OK);
    assert_true(cut < 50); /* P(T > 2e4) ~ 2/2e4: ~15 expected */
    dnc_avalanche_opts o = dnc_avalanche_opts_default();
    o.gamma_tmin = 100;
    o.collapse_tmin = 100;
    dnc_avalanche_analysis an;
    assert_int_equal(dnc_avalanche_analyse(&av, &o, &an), DNC_OK);
    /* 3 sigma of the reported errors */
    assert_true(fabs(an.size.alpha - 1.5) < 3 * an.size.alpha_err);
    assert_true(fabs(an.duration.alpha - 2.0) < 3 * an.duration.alpha_err);
    assert_true(fabs(an.sd.gamma - 2.0) < 3 * an.sd.gamma_err);
    assert_true(an.size.alpha_err < 0.02 && an.duration.alpha_err < 0.05 && an.sd.gamma_err < 0.1);
    /* crackling: gamma = (alpha - 1)/(tau - 1) within the combined error */
    assert_true(fabs(an.crackling.predicted - 2.0) < 3 * an.crackling.predicted_err);
    assert_true(fabs(an.crackling.z) < 3);
    /* shape collapse exponent agrees with gamma; the mean shape is a
     * parabola: R^2 of the fit c x (1 - x) above 0.97 */
    assert_true(an.collapse_ok);
    assert_true(fabs(an.collapse.exponent - 2.0) < 3 * an.collapse.exponent_err + 0.05);
    double sxy = 0, sxx = 0, syy = 0, sy = 0;
    size_t G = an.collapse.grid;
    for (size_t g = 0; g < G; g++) {
        double x = an.collapse.x[g], p = x * (1 - x), y = an.collapse.shape[g];
        sxy += p * y;
        sxx += p * p;
        sy += y;
    }
    double c = sxy / sxx, mean = sy / (double)G, ss_res = 0;
    for (size_t g = 0; g < G; g++) {
        double x = an.collapse.x[g], y = an.collapse.shape[g];
        ss_res += (y - c * x * (1 - x)) * (y - c * x * (1 - x));
        syy += (y - mean) * (y - mean);
    }
    assert_true(1 - ss_res / syy > 0.97);
    dnc_avalanche_analysis_free(&an);
    dnc_avalanches_free(&av);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_critical_branching_exponents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
