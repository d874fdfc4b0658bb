/* Power-law test helpers shared by test_powerlaw and test_powerlaw_coverage:
 * exact samples by inverse transform and fits that fail the test on error.
 * Include after cmocka.h and dnncrit/powerlaw.h. */
#ifndef DNNCRIT_POWERLAW_SAMPLES_H
#define DNNCRIT_POWERLAW_SAMPLES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "dnncrit/rng.h"

#define TEST_STREAM (DNC_STREAM_USER + 7)

static double *pl_samples(double alpha, double xmin, double xmax, bool discrete, size_t n,
                          uint32_t a)
{
    double *u = malloc(n * sizeof *u), *x = malloc(n * sizeof *x);
    dnc_uniform_fill(12345, TEST_STREAM, a, 0, u, n);
    dnc_pl_fit truth = {.discrete = discrete, .alpha = alpha, .xmin = xmin, .xmax = xmax};
    assert_int_equal(dnc_pl_sample(&truth, u, x, n), DNC_OK);
    free(u);
    return x;
}

static dnc_pl_fit fit_or_die(const double *x, size_t n, dnc_pl_opts o)
{
    dnc_pl_fit f;
    dnc_status st = dnc_pl_fit_data(x, n, &o, &f);
    if (st)
        fail_msg("fit failed: %s", dnc_last_error());
    return f;
}

#endif
