/* Activations: derivatives against central finite differences, parsing,
 * kink bookkeeping. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>

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

/* Each activation in long double (64-bit mantissa), an independent reference. */
static long double phi_ld(dnc_activation act, long double x)
{
    switch (act) {
    case DNC_ACT_TANH: return tanhl(x);
    case DNC_ACT_RELU: return x > 0 ? x : 0;
    case DNC_ACT_HARD_TANH: return x < -1 ? -1 : (x > 1 ? 1 : x);
    case DNC_ACT_ERF: return erfl(x);
    case DNC_ACT_LINEAR: return x;
    case DNC_ACT_SIGMOID: return 1 / (1 + expl(-x));
    case DNC_ACT_GELU: return x * 0.5L * erfcl(-x / sqrtl(2));
    case DNC_ACT_SWISH: return x / (1 + expl(-x));
    case DNC_ACT_SOFTPLUS: return log1pl(expl(x));
    default: return NAN;
    }
}

/* dnc_phi_diff against the long-double difference where that has ~1e-13
 * relative accuracy (|d| >= 1e-6; relative rounding 1e-19 / |d|), and
 * against the derivative for tiny d (down to 1e-280), where
 * (phi(x+d) - phi(x)) / d = phi'(x) + O(d) exactly. Saturated points
 * (|phi'| < 1e-6) are skipped: their difference is below every other. */
/* Valgrind runs x87 long double at double precision, so under it the
 * long-double references below are no better than the code they check. */
static bool long_double_reference_holds(void)
{
    return getenv("DNNCRIT_UNDER_VALGRIND") == NULL;
}

static void test_phi_diff_keeps_digits(void **state)
{
    (void)state;
    if (!long_double_reference_holds())
        skip();
    const double xs[] = {-3.1, -1.0, -0.4, -1e-3, 0.0, 2e-3, 0.3, 0.999, 1.7, 4.2};
    const double big[] = {1e-6, -3e-5, 2e-4, -0.01, 0.5, -2.0};
    const double tiny[] = {1e-12, -1e-30, 1e-100, -1e-200, 1e-280};
    for (int a = 0; a < DNC_ACT_COUNT; a++)
        for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
            dnc_activation act = (dnc_activation)a;
            double x = xs[i];
            for (size_t j = 0; j < sizeof big / sizeof big[0]; j++) {
                double d = big[j], y = x + d;
                long double want = phi_ld(act, (long double)y) - phi_ld(act, (long double)x);
                double got = dnc_phi_diff(act, x, y - x);
                if (fabsl(want) < 1e-6L * fabs(y - x))
                    continue;
                assert_true(fabsl(got - want) <= 1e-9L * fabsl(want));
            }
            double dphi = dnc_dphi(act, x);
            if (fabs(dphi) < 1e-6 || (act == DNC_ACT_HARD_TANH && fabs(fabs(x) - 1) < 1e-2))
                continue;
            for (size_t j = 0; j < sizeof tiny / sizeof tiny[0]; j++) {
                double d = tiny[j], got = dnc_phi_diff(act, x, d);
                assert_true(fabs(got / d - dphi) <= 1e-9 * fabs(dphi) + fabs(d) * 10);
            }
        }
    assert_true(dnc_phi_diff(DNC_ACT_TANH, 0.7, 0.0) == 0.0);
    /* across the relu kink the difference is relu(y) - 0, exact */
    double y = -1e-300 + 3e-300;
    assert_true(dnc_phi_diff(DNC_ACT_RELU, -1e-300, 3e-300) == y);
}

/* dnc_phi_diff_rows: the same bits as dnc_phi_diff row by row (the batch
 * form shares the work on x, it must not change the result); y and dy agree
 * with dnc_phi and dnc_dphi to rounding (tanh derives them from
 * exp(-2|x|): a few ulps, 1e-15 absolute as test_array_matches_scalar). */
static void test_phi_diff_rows_matches_scalar(void **state)
{
    (void)state;
    enum { N = 97, R = 6 };
    double x[N], D[R * N], y[N], dy[N], Y[R * N], work[N];
    const double scale[R] = {0.0, 1e-300, 1e-9, 0.3, -2.5, 40.0};
    for (int i = 0; i < N; i++) {
        x[i] = -12 + 0.25 * i;
        for (int r = 0; r < R; r++)
            D[r * N + i] = scale[r] * sin(1.7 * i + r);
    }
    D[3 * N + 48] = -x[48]; /* lands exactly on 0 */
    for (int a = 0; a < DNC_ACT_COUNT; a++) {
        dnc_phi_diff_rows(a, x, y, dy, N, D, N, Y, N, R, work);
        for (int i = 0; i < N; i++) {
            assert_float_equal(y[i], dnc_phi(a, x[i]), 1e-15 * (1 + fabs(y[i])));
            assert_float_equal(dy[i], dnc_dphi(a, x[i]), 1e-15);
            for (int r = 0; r < R; r++) {
                double want = dnc_phi_diff(a, x[i], D[r * N + i]);
                assert_memory_equal(&Y[r * N + i], &want, sizeof want);
            }
        }
    }
}

/* tanh's difference over x in +-300 and d from 1e-300 to 30 (across 0, into
 * saturation) against the long-double identity sinh(d) / (cosh x cosh(x + d))
 * with x + d exact (64-bit mantissa, no cancellation: ~1e-18 relative).
 * Measured worst case of the method 6.5 ulp in 2.7 million points (the
 * sinh/cosh/cosh form in double: 19.6 ulp, from rounding x + d); bound
 * 1e-14 = 45 ulp. */
static void test_tanh_diff_to_a_few_ulps(void **state)
{
    (void)state;
    if (!long_double_reference_holds())
        skip();
    uint64_t u = 12345;
    double worst = 0;
    for (int k = 0; k < 200000; k++) {
        double v[4];
        for (int j = 0; j < 4; j++) {
            u = u * 6364136223846793005ULL + 1442695040888963407ULL;
            v[j] = (double)(u >> 11) / 9007199254740992.0; /* [0, 1) */
        }
        double x = (2 * v[0] - 1) * pow(10, 5 * v[1] - 2.5);
        double d = (2 * v[2] - 1) * pow(10, 1.5 - 300 * v[3] * v[3]);
        if (k % 4 == 0)
            d = -x + d * 1e-3; /* near or across 0 */
        long double xl = x, dl = d;
        long double want = sinhl(dl) / (coshl(xl) * coshl(xl + dl));
        double got = dnc_phi_diff(DNC_ACT_TANH, x, d);
        if (!(fabsl(want) > 1e-290L) || !isfinite((double)want))
            continue; /* outside double's normal range */
        double rel = (double)fabsl((got - want) / want);
        worst = rel > worst ? rel : worst;
    }
    printf("# tanh difference: worst relative error %.3g\n", worst);
    assert_true(worst < 1e-14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derivatives_match_finite_differences),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_parse_names_roundtrip),
        cmocka_unit_test(test_kinks),
        cmocka_unit_test(test_array_matches_scalar),
        cmocka_unit_test(test_phi_diff_keeps_digits),
        cmocka_unit_test(test_phi_diff_rows_matches_scalar),
        cmocka_unit_test(test_tanh_diff_to_a_few_ulps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
