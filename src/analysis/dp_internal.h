/* What the DP simulators share (internal, not part of the public API): the
 * activation thresholds of a lattice model, the per-sample accumulators
 * and the multispin lattice run (dp_multispin.c) that dp.c calls. */
#ifndef DNNCRIT_DP_INTERNAL_H
#define DNNCRIT_DP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dnncrit/dp.h"

typedef struct {
    size_t Lx, Ly;     /* Ly = 1 in 1+1 dimensions */
    int two_d;
    uint64_t seed;
    uint32_t thr[5];   /* activation thresholds on 32-bit words, by active parents:
                          active when a uniform 32-bit word is < thr[n] */
    int thr_one[5];    /* probability 1: always active */
} dp_lattice_rule;

typedef struct {
    const dnc_dp_opts *o;
    const double *times;
    size_t ntimes;
    unsigned long long *count; /* [samples * ntimes] summed active sites */
    unsigned long long *alive; /* [samples * ntimes] surviving runs */
} dp_accum;

static inline void dp_record(dp_accum *a, size_t sample, size_t k, size_t active)
{
    size_t i = sample * a->ntimes + k;
#pragma omp atomic
    a->count[i] += active;
    if (active) {
#pragma omp atomic
        a->alive[i] += 1;
    }
}

/* Words of 64 sites a multispin lattice of this rule needs (per buffer). */
size_t dnc_dp_multispin_words(const dp_lattice_rule *r);
/* One multispin run (dp_multispin.c) into a; cur and nxt hold
 * dnc_dp_multispin_words(r) words each. Returns the sites visited. */
double dnc_dp_multispin_run(const dp_lattice_rule *r, dp_accum *a, uint32_t run, size_t sample,
                            uint64_t *cur, uint64_t *nxt);

#endif
