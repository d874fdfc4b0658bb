/* A GSL random-number generator over Philox (dnncrit/rng.h), so that GSL's
 * samplers (gsl_ran_poisson, gsl_ran_binomial, ...) draw reproducible
 * numbers: every draw is a function of (seed, stream, a, draw index), not
 * of the thread or the order of calls. Internal to the analysis layer (the
 * branching-process and Langevin simulators). */
#ifndef DNNCRIT_ANALYSIS_PHILOX_GSL_H
#define DNNCRIT_ANALYSIS_PHILOX_GSL_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

typedef struct {
    uint64_t seed;
    uint32_t stream, a;
    uint64_t index; /* 32-bit words consumed */
    uint32_t buf[4];
} dnc_philox_gsl_state;

/* A generator whose state is *st (which must outlive it): the words of
 * Philox counters (index / 4, a, stream) under key seed, in order. */
gsl_rng dnc_philox_gsl(dnc_philox_gsl_state *st, uint64_t seed, uint32_t stream, uint32_t a);

#endif
