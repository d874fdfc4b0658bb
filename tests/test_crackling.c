/* dnc_crackling_measure (dnncrit/crackling.h): the crackling relation with
 * its bootstrap error on cases with a known answer. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dnncrit/crackling.h"

/* The critical Galton-Watson process with Poisson(1) offspring: tau = 3/2,
 * alpha = 2, gamma = 2 (Sethna et al. 2001; docs/avalanches.md), so
 * gamma = (alpha - 1)/(tau - 1) holds exactly in the limit. 20000
 * avalanches (fast enough for the valgrind pass). */
static void critical(dnc_avalanches *av)
{
    dnc_branching_opts bo = {.m = 1.0, .seeds = 1, .max_duration = 5000,
                             .max_size = DNC_BRANCHING_MAX_SIZE_LIMIT, .seed = 11};
    size_t cut;
    assert_int_equal(dnc_branching_avalanches(&bo, 20000, av, &cut), DNC_OK);
}

static dnc_avalanche_opts opts(void)
{
    dnc_avalanche_opts o = dnc_avalanche_opts_default();
    /* from T = 20: smaller T carry the largest O(1/T) corrections */
    o.gamma_tmin = 20;
    o.collapse_tmin = 20;
    return o;
}

static void test_critical_branching_crackles(void **state)
{
    (void)state;
    dnc_avalanches av;
    critical(&av);
    dnc_avalanche_opts o = opts();
    dnc_crackling_measurement m;
    assert_int_equal(dnc_crackling_measure(&av, &o, 100, 5, &m), DNC_OK);
    assert_true(m.gamma_ok);
    /* the window is the one asked for, with the durations it holds */
    assert_true(m.gamma_tmin >= 20 && m.gamma_tmax > m.gamma_tmin && m.gamma_durations >= 3);
    /* exponents at the closed forms within 3 of their reported errors */
    assert_true(fabs(m.tau - 1.5) < 3 * m.tau_err);
    assert_true(fabs(m.alpha - 2.0) < 3 * m.alpha_err);
    /* gamma: E[S | T] = c T^2 + O(T) lowers the local slope at these T; the
     * <S>(T) fit over T in [20, ~90] gives 1.86-1.93 for seeds 11-13, so
     * 0.15 is allowed for that known finite-T correction */
    assert_true(fabs(m.gamma - 2.0) < 3 * m.gamma_err + 0.15);
    /* the relation holds: deviation within 3 of the error used */
    assert_true(fabs(m.cr.predicted - 2.0) < 3 * m.cr.predicted_err);
    assert_true(isfinite(m.z) && fabs(m.z) < 3);
    /* the bootstrap ran and its error is of the size of the propagated one:
     * both estimate the same spread (factor 3 either way) */
    assert_true(m.boot_kept >= 90);
    assert_true(m.boot_err > m.cr.difference_err / 3 && m.boot_err < 3 * m.cr.difference_err);
    assert_true(m.boot_lo < m.cr.difference && m.cr.difference < m.boot_hi);
    assert_true(m.err >= m.cr.difference_err && m.err >= m.boot_err);
    /* the mean shape of the mean-field avalanche collapses with exponent
     * gamma = 2 (jackknife error plus 0.1 for the small T of this sample) */
    assert_true(m.collapse_ok);
    assert_true(fabs(m.collapse_exponent - 2.0) < 3 * m.collapse_exponent_err + 0.1);
    dnc_avalanches_free(&av);
}

/* Sizes paired with the durations of other avalanches (reversed order: the
 * avalanches are iid, so S and T become independent): tau and alpha are
 * those of the critical process, so the prediction stays 2, but <S>(T) no
 * longer grows with T: a deviation of 2 or more, many sigmas (z = -15 for
 * seeds 11-13, far beyond the 10 asserted). */
static void test_decoupled_sizes_do_not_crackle(void **state)
{
    (void)state;
    dnc_avalanches av;
    critical(&av);
    for (size_t i = 0, j = av.count - 1; i < j; i++, j--) {
        double t = av.duration[i];
        av.duration[i] = av.duration[j];
        av.duration[j] = t;
    }
    dnc_avalanche_opts o = opts();
    o.collapse_tmax = 0; /* the profiles no longer match the durations: no collapse */
    o.gamma_tmin = 1;    /* the whole range of T: the longest lever arm on a flat <S>(T) */
    dnc_crackling_measurement m;
    assert_int_equal(dnc_crackling_measure(&av, &o, 100, 5, &m), DNC_OK);
    assert_true(m.gamma_ok);
    /* <S>(T) does not grow like T^2: the heavy-tailed sample means are, if
     * anything, largest at the most frequent (short) durations */
    assert_true(m.gamma < 1);
    assert_true(fabs(m.cr.predicted - 2.0) < 3 * m.cr.predicted_err);
    assert_true(m.z < -10);
    dnc_avalanches_free(&av);
}

/* Without a bootstrap the error is the propagated one; too few avalanches
 * is an error. */
static void test_no_bootstrap_and_too_few(void **state)
{
    (void)state;
    dnc_avalanches av;
    critical(&av);
    dnc_avalanche_opts o = opts();
    dnc_crackling_measurement m;
    assert_int_equal(dnc_crackling_measure(&av, &o, 0, 5, &m), DNC_OK);
    assert_true(m.boot_kept == 0 && isnan(m.boot_err));
    assert_true(m.err == m.cr.difference_err);
    av.count = 5;
    assert_int_not_equal(dnc_crackling_measure(&av, &o, 0, 5, &m), DNC_OK);
    av.count = 20000;
    dnc_avalanches_free(&av);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_critical_branching_crackles),
        cmocka_unit_test(test_decoupled_sizes_do_not_crackle),
        cmocka_unit_test(test_no_bootstrap_and_too_few),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
