/* avalanche: segmentation, raster readers, the critical branching process
 * (mean field: tau = 3/2, alpha = 2, gamma = 2, parabolic shape; Sethna,
 * Dahmen & Myers 2001, Friedman et al. 2012), the crackling relation and
 * the branching-ratio estimators (Wilting & Priesemann 2018). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/powerlaw.h"
#include "dnncrit/rng.h"
#include "dnncrit/io.h"
#include "testutil.h"

static void test_segmentation(void **state)
{
    (void)state;
    const double A[] = {3, 0, 1, 2, 0, 0, 4, 0, 5, 5, 5, 0, 2};
    dnc_avalanches av;
    assert_int_equal(dnc_avalanches_from_activity(A, 13, false, &av), DNC_OK);
    assert_int_equal(av.count, 3); /* first and last runs touch the edges */
    assert_float_equal(av.size[0], 3, 0);
    assert_float_equal(av.duration[0], 2, 0);
    assert_int_equal(av.start[0], 2);
    assert_float_equal(av.size[1], 4, 0);
    assert_float_equal(av.size[2], 15, 0);
    assert_float_equal(av.duration[2], 3, 0);
    assert_float_equal(av.profile[av.offset[2] + 1], 5, 0);
    dnc_avalanches_free(&av);
    assert_int_equal(dnc_avalanches_from_activity(A, 13, true, &av), DNC_OK);
    assert_int_equal(av.count, 5);
    dnc_avalanches_free(&av);

    const double zero[] = {0, 0, 0, 0};
    assert_int_equal(dnc_avalanches_from_activity(zero, 4, false, &av), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "all-zero"));
    const double busy[] = {1, 2, 1, 3};
    assert_int_equal(dnc_avalanches_from_activity(busy, 4, false, &av), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "never stops"));
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_raster_readers(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/dense.csv", dir);
    write_file(path, "# 3 units\nu0,u1,u2\n1,0,0\n0,0,0\n1,1,0\n0,2,1\n0,0,0\n");
    dnc_activity a;
    assert_int_equal(dnc_activity_read_dense(path, 1, &a), DNC_OK);
    assert_int_equal(a.bins, 5);
    assert_int_equal(a.units, 3);
    assert_float_equal(a.count[3], 3, 0);
    assert_float_equal(a.active[3], 2, 0);
    dnc_activity_free(&a);
    assert_int_equal(dnc_activity_read_dense(path, 2, &a), DNC_OK);
    assert_int_equal(a.bins, 3);
    assert_float_equal(a.count[1], 5, 0);
    assert_float_equal(a.active[1], 3, 0); /* units 0, 1, 2 all fired in rows 3-4 */
    dnc_activity_free(&a);

    snprintf(path, sizeof path, "%s/events.csv", dir);
    write_file(path, "time,unit\n0.0,1\n0.05,2\n0.3,1\n1.0,0\n1.02,0\n");
    double dt;
    assert_int_equal(dnc_activity_read_events(path, 0.1, &a, &dt), DNC_OK);
    assert_float_equal(dt, 0.1, 0);
    assert_int_equal(a.bins, 11);
    assert_int_equal(a.units, 3);
    assert_float_equal(a.count[0], 2, 0);
    assert_float_equal(a.active[0], 2, 0);
    assert_float_equal(a.count[10], 2, 0);
    assert_float_equal(a.active[10], 1, 0); /* unit 0 twice */
    dnc_activity_free(&a);
    assert_int_equal(dnc_activity_read_events(path, 0, &a, &dt), DNC_OK);
    assert_float_equal(dt, 1.02 / 4, 1e-15); /* mean inter-event interval */
    dnc_activity_free(&a);

    /* malformed inputs: clear messages naming the line */
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    write_file(path, "1,0,0\n0,x,0\n");
    assert_int_equal(dnc_activity_read_dense(path, 1, &a), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), ":2:"));
    write_file(path, "1,0,0\n0,0\n");
    assert_int_equal(dnc_activity_read_dense(path, 1, &a), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "expected 3 fields"));
    write_file(path, "# nothing\n\n");
    assert_int_equal(dnc_activity_read_dense(path, 1, &a), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "no data"));
    write_file(path, "1,-1\n");
    assert_int_equal(dnc_activity_read_dense(path, 1, &a), DNC_EINVAL);
    write_file(path, "0.5,1.5\n");
    assert_int_equal(dnc_activity_read_events(path, 0, &a, &dt), DNC_EINVAL);
    write_file(path, "2,1\n2,3\n");
    assert_int_equal(dnc_activity_read_events(path, 0, &a, &dt), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "no time structure"));
    /* one stray time stamp must not ask for gigabytes of bins (found by fuzz_raster) */
    write_file(path, "0,0\n0.001,1\n1e6,2\n");
    assert_int_equal(dnc_activity_read_events(path, 1e-5, &a, &dt), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "larger --bin-width"));
    write_file(path, "0,0\n1,20000000\n");
    assert_int_equal(dnc_activity_read_events(path, 0, &a, &dt), DNC_EINVAL);
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    assert_int_equal(dnc_activity_read_dense(path, 1, &a), DNC_EIO);
    tu_rmtree_free(dir);
}

/* Subcritical m = 0.8: avalanches are exponentially cut off, so the
 * power law loses the likelihood-ratio test against the exponential in
 * durations (P(T) ~ m^T). */
static void test_subcritical_is_not_critical(void **state)
{
    (void)state;
    dnc_branching_opts bo = {.m = 0.8, .seeds = 1, .max_duration = 10000,
                             .max_size = DNC_BRANCHING_MAX_SIZE_LIMIT, .seed = 4};
    dnc_avalanches av;
    assert_int_equal(dnc_branching_avalanches(&bo, 20000, &av, NULL), DNC_OK);
    dnc_pl_opts o = dnc_pl_opts_default();
    o.discrete = true;
    o.xmin = 2;
    dnc_pl_fit f;
    assert_int_equal(dnc_pl_fit_data(av.duration, av.count, &o, &f), DNC_OK);
    dnc_pl_compare c;
    assert_int_equal(dnc_pl_compare_alt(av.duration, av.count, &f, DNC_PL_ALT_EXPONENTIAL, &c),
                     DNC_OK);
    assert_true(c.R < 0 && c.p < 0.01);
    dnc_avalanches_free(&av);
}

/* Driven branching process: the conventional estimator is biased by
 * subsampling (it measures p_obs-weighted m), the multistep regression is
 * not. Tolerances: 3 jackknife errors. */
static void test_branching_ratio_estimators(void **state)
{
    (void)state;
    size_t n = 200000;
    double *A = malloc(n * sizeof *A);
    assert_int_equal(dnc_branching_driven(0.9, 10, 1.0, n, 5, A), DNC_OK);
    dnc_branching_estimate b;
    assert_int_equal(dnc_branching_ratio(A, n, 20, &b), DNC_OK);
    assert_true(fabs(b.naive - 0.9) < 3 * b.naive_err);
    assert_true(fabs(b.mr - 0.9) < 3 * b.mr_err);
    assert_true(fabs(b.autocorrelation_bins - (-1 / log(0.9))) < 1.0);
    dnc_branching_estimate_free(&b);
    assert_int_equal(dnc_branching_driven(0.9, 10, 0.05, n, 6, A), DNC_OK);
    assert_int_equal(dnc_branching_ratio(A, n, 20, &b), DNC_OK);
    assert_true(b.naive < 0.5); /* strongly biased */
    assert_true(fabs(b.mr - 0.9) < 3 * b.mr_err);
    dnc_branching_estimate_free(&b);
    free(A);
}

/* chi = N var(rho) against a direct two-pass computation; the size
 * susceptibility <S^2>/<S> by hand. */
static void test_susceptibilities(void **state)
{
    (void)state;
    dnc_branching_opts bo = {.m = 1.0, .seeds = 1, .max_duration = 1000,
                             .max_size = DNC_BRANCHING_MAX_SIZE_LIMIT, .seed = 8};
    dnc_activity a;
    assert_int_equal(dnc_branching_activity(&bo, 2000, 2, 50, &a, NULL), DNC_OK);
    double chi;
    assert_int_equal(dnc_activity_susceptibility(&a, &chi), DNC_OK);
    double m = 0, v = 0;
    for (size_t t = 0; t < a.bins; t++)
        m += a.active[t] / 50.0 / (double)a.bins;
    for (size_t t = 0; t < a.bins; t++)
        v += (a.active[t] / 50.0 - m) * (a.active[t] / 50.0 - m) / (double)a.bins;
    assert_true(fabs(chi - 50 * v) < 1e-9 * chi);
    for (size_t t = 0; t < a.bins; t++)
        assert_true(a.active[t] <= a.count[t] && a.active[t] <= 50);
    dnc_avalanches av;
    assert_int_equal(dnc_avalanches_from_activity(a.count, a.bins, false, &av), DNC_OK);
    assert_true(av.count > 1900); /* every simulated avalanche survives the round trip */
    const double S[] = {1, 2, 3};
    dnc_avalanches small = {0};
    for (int i = 0; i < 3; i++)
        assert_int_equal(dnc_avalanches_append(&small, &S[i], 1, 0), DNC_OK);
    assert_float_equal(dnc_avalanche_size_susceptibility(&small), 14.0 / 6.0, 1e-15);
    dnc_avalanches_free(&small);
    dnc_avalanches_free(&av);
    dnc_activity_free(&a);
}

/* Same seed, same avalanches; different seeds differ. */
static void test_simulator_reproducible(void **state)
{
    (void)state;
    dnc_branching_opts bo = {.m = 1.0, .seeds = 2, .max_duration = 500,
                             .max_size = DNC_BRANCHING_MAX_SIZE_LIMIT, .seed = 11};
    dnc_avalanches a, b;
    assert_int_equal(dnc_branching_avalanches(&bo, 500, &a, NULL), DNC_OK);
    assert_int_equal(dnc_branching_avalanches(&bo, 500, &b, NULL), DNC_OK);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.size, b.size, a.count * sizeof *a.size);
    assert_float_equal(a.profile[0], 2, 0);
    dnc_avalanches_free(&b);
    bo.seed = 12;
    assert_int_equal(dnc_branching_avalanches(&bo, 500, &b, NULL), DNC_OK);
    assert_true(b.count != a.count || memcmp(a.size, b.size, a.count * sizeof *a.size) != 0);
    dnc_avalanches_free(&a);
    dnc_avalanches_free(&b);
}

/* The caps: a capped run keeps exactly the avalanches of the uncapped run
 * (same seed) with S <= max_size and T <= max_duration, in order, with the
 * same profiles (each avalanche has its own random stream), and counts the
 * others as cut. */
static void test_caps_keep_exactly_the_small_avalanches(void **state)
{
    (void)state;
    const size_t n = 3000;
    dnc_branching_opts bo = {.m = 1.0, .seeds = 1, .max_duration = 100000,
                             .max_size = DNC_BRANCHING_MAX_SIZE_LIMIT, .seed = 9};
    dnc_avalanches all, capped;
    size_t cut_all, cut;
    assert_int_equal(dnc_branching_avalanches(&bo, n, &all, &cut_all), DNC_OK);
    bo.max_size = 50;
    bo.max_duration = 12;
    assert_int_equal(dnc_branching_avalanches(&bo, n, &capped, &cut), DNC_OK);
    size_t k = 0;
    for (size_t i = 0; i < all.count; i++) {
        if (all.size[i] > 50 || all.duration[i] > 12)
            continue;
        assert_true(k < capped.count);
        assert_int_equal(capped.start[k], all.start[i]);
        assert_float_equal(capped.size[k], all.size[i], 0);
        assert_float_equal(capped.duration[k], all.duration[i], 0);
        assert_memory_equal(capped.profile + capped.offset[k], all.profile + all.offset[i],
                            (size_t)all.duration[i] * sizeof *all.profile);
        k++;
    }
    assert_int_equal(k, capped.count);
    assert_int_equal(capped.count + cut, n);
    assert_true(cut > cut_all); /* the caps bind: P(S > 50) ~ 0.8 / sqrt(50) ~ 0.1 */
    dnc_avalanches_free(&all);
    dnc_avalanches_free(&capped);

    bo.max_size = 0;
    assert_int_equal(dnc_branching_avalanches(&bo, n, &capped, NULL), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "max_size must be in [1, 2^53], got 0"));
    bo.max_size = DNC_BRANCHING_MAX_SIZE_LIMIT + 1;
    assert_int_equal(dnc_branching_avalanches(&bo, n, &capped, NULL), DNC_EINVAL);
}

/* Supercritical m = 2 returns (it used to run forever): the avalanches that
 * never die out are cut at the size cap, a fraction 1 - q of them, q the
 * extinction probability, q = exp(m (q - 1)) for Poisson offspring (q =
 * 0.2032 at m = 2, solved here by fixed-point iteration). With n = 4000 the
 * binomial standard error of the cut fraction is sqrt(q (1 - q) / n) =
 * 0.0064: 4 of them (0.026) guard against a wrong count, not noise. */
static void test_supercritical_is_cut_at_the_caps(void **state)
{
    (void)state;
    const size_t n = 4000;
    dnc_branching_opts bo = {.m = 2.0, .seeds = 1, .max_duration = 100000,
                             .max_size = 1000000000, .seed = 10};
    dnc_avalanches av;
    size_t cut;
    assert_int_equal(dnc_branching_avalanches(&bo, n, &av, &cut), DNC_OK);
    double q = 0;
    for (int it = 0; it < 200; it++)
        q = exp(bo.m * (q - 1));
    assert_true(fabs(q - 0.2032) < 1e-4);
    assert_int_equal(av.count + cut, n);
    double se = sqrt(q * (1 - q) / (double)n);
    assert_true(fabs((double)cut / (double)n - (1 - q)) < 4 * se);
    for (size_t i = 0; i < av.count; i++)
        assert_true(av.size[i] <= 1e9 && av.duration[i] <= 100000);
    dnc_avalanches_free(&av);

    dnc_activity a;
    size_t cut_a;
    bo.m = 1e12; /* the first generation's mean alone is 1000 times the cap */
    assert_int_equal(dnc_branching_activity(&bo, 200, 1, 10, &a, &cut_a), DNC_OK);
    assert_int_equal(cut_a, 200); /* P(no offspring) = exp(-1e12) */
    assert_int_equal(a.bins, 1); /* the one quiet gap */
    dnc_activity_free(&a);
}

/* dnc_avalanche_size_cutoff recovers S_c of sizes drawn from
 * P(S) ~ S^-1.5 exp(-S / 200) on the integers (a discrete power law by
 * dnc_pl_sample, thinned with probability exp(-S / S_c)): ~2000 of the
 * ~15000 kept sizes lie beyond S = 100, so the MLE of 1/S_c has a relative
 * error of a few percent; 10% is > 3 sigma. Fewer than 10 sizes: NAN. */
static void test_size_cutoff(void **state)
{
    (void)state;
    enum { N = 20000 };
    const double s_c = 200.0;
    double *u = malloc(2 * N * sizeof *u), *s = malloc(N * sizeof *s), *kept = malloc(N * sizeof *kept);
    assert_non_null(u);
    assert_non_null(s);
    assert_non_null(kept);
    dnc_uniform_fill(7, DNC_STREAM_USER, 0, 0, u, 2 * N);
    dnc_pl_fit law = {.discrete = true, .alpha = 1.5, .xmin = 1, .xmax = INFINITY};
    assert_int_equal(dnc_pl_sample(&law, u, s, N), DNC_OK);
    size_t n = 0;
    for (size_t i = 0; i < N; i++)
        if (u[N + i] < exp(-s[i] / s_c))
            kept[n++] = s[i];
    double fitted, tau;
    assert_int_equal(dnc_avalanche_size_cutoff(kept, n, &fitted, &tau), DNC_OK);
    assert_true(fabs(fitted / s_c - 1) < 0.1);
    assert_true(fabs(tau - 1.5) < 0.05);
    assert_int_equal(dnc_avalanche_size_cutoff(kept, 9, &fitted, &tau), DNC_OK);
    assert_true(isnan(fitted) && isnan(tau));
    free(u);
    free(s);
    free(kept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segmentation),
        cmocka_unit_test(test_size_cutoff),
        cmocka_unit_test(test_raster_readers),
        cmocka_unit_test(test_subcritical_is_not_critical),
        cmocka_unit_test(test_branching_ratio_estimators),
        cmocka_unit_test(test_susceptibilities),
        cmocka_unit_test(test_simulator_reproducible),
        cmocka_unit_test(test_caps_keep_exactly_the_small_avalanches),
        cmocka_unit_test(test_supercritical_is_cut_at_the_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
