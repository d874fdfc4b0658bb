/* Activations: derivatives against central finite differences, parsing,
 * kink bookkeeping. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dnncrit/activation.h"

/* Central differences with h = 1e-5 have truncation error ~h^2 |phi'''| ~ 1e-10
 * and rounding error ~eps/h ~ 1e-11, so 1e-7 is a safe bound that still
 * catches any wrong formula (those err by O(1)). */
static void test_derivatives_match_finite_differences(void **state)
{
    (void)state;
    const double h = 1e-5;
    for (int a = 0; a < DNC_ACT_COUNT; a++) {
        for (double x = -3.7; x <= 3.7; x += 0.173) {
            if (fabs(x) < 2 * h || fabs(fabs(x) - 1) < 2 * h)
                continue; /* skip kinks */
            double fd1 = (dnc_phi(a, x + h) - dnc_phi(a, x - h)) / (2 * h);
            double fd2 = (dnc_dphi(a, x + h) - dnc_dphi(a, x - h)) / (2 * h);
            assert_true(fabs(fd1 - dnc_dphi(a, x)) < 1e-7);
            assert_true(fabs(fd2 - dnc_d2phi(a, x)) < 1e-7);
        }
    }
}

static void test_known_values(void **state)
{
    (void)state;
    assert_float_equal(dnc_phi(DNC_ACT_RELU, -2.0), 0.0, 0);
    assert_float_equal(dnc_phi(DNC_ACT_HARD_TANH, 3.0), 1.0, 0);
    assert_float_equal(dnc_phi(DNC_ACT_SIGMOID, 0.0), 0.5, 1e-15);
    assert_float_equal(dnc_phi(DNC_ACT_GELU, 1.0), 0.8413447460685429, 1e-14);
    assert_float_equal(dnc_phi(DNC_ACT_SOFTPLUS, 0.0), log(2.0), 1e-15);
    assert_float_equal(dnc_phi(DNC_ACT_SOFTPLUS, 800.0), 800.0, 1e-12);
    assert_float_equal(dnc_phi(DNC_ACT_SIGMOID, -800.0), 0.0, 1e-300);
    assert_true(isfinite(dnc_phi(DNC_ACT_SWISH, -800.0)));
}

static void test_parse_names_roundtrip(void **state)
{
    (void)state;
    for (int a = 0; a < DNC_ACT_COUNT; a++) {
        dnc_activation got;
        assert_int_equal(dnc_activation_parse(dnc_activation_name(a), &got), DNC_OK);
        assert_int_equal(got, a);
    }
    dnc_activation got;
    assert_int_equal(dnc_activation_parse("silu", &got), DNC_OK);
    assert_int_equal(got, DNC_ACT_SWISH);
    assert_int_not_equal(dnc_activation_parse("tanhh", &got), DNC_OK);
}

static void test_kinks(void **state)
{
    (void)state;
    double x[2], j[2];
    assert_int_equal(dnc_activation_kinks(DNC_ACT_RELU, x, j), 1);
    /* jump of phi' at the kink equals phi'(x+) - phi'(x-) */
    assert_float_equal(j[0], dnc_dphi(DNC_ACT_RELU, 1e-9) - dnc_dphi(DNC_ACT_RELU, -1e-9), 0);
    assert_int_equal(dnc_activation_kinks(DNC_ACT_HARD_TANH, x, j), 2);
    for (int k = 0; k < 2; k++)
        assert_float_equal(j[k],
                           dnc_dphi(DNC_ACT_HARD_TANH, x[k] + 1e-9) -
                               dnc_dphi(DNC_ACT_HARD_TANH, x[k] - 1e-9),
                           0);
    assert_true(dnc_activation_is_smooth(DNC_ACT_TANH));
    assert_false(dnc_activation_is_smooth(DNC_ACT_RELU));
}

static void test_array_matches_scalar(void **state)
{
    (void)state;
    double x[64], y[64], d[64];
    for (int i = 0; i < 64; i++)
        x[i] = -4 + 0.13 * i;
    for (int a = 0; a < DNC_ACT_COUNT; a++) {
        dnc_phi_array(a, x, y, d, 64);
        for (int i = 0; i < 64; i++) {
            assert_float_equal(y[i], dnc_phi(a, x[i]), 1e-15);
            assert_float_equal(d[i], dnc_dphi(a, x[i]), 1e-15);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derivatives_match_finite_differences),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_parse_names_roundtrip),
        cmocka_unit_test(test_kinks),
        cmocka_unit_test(test_array_matches_scalar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
