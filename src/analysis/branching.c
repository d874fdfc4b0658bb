/* Galton-Watson branching process with Poisson offspring: the mean-field
 * reference for avalanche statistics. Poisson variates come from GSL's
 * gsl_ran_poisson driven by the Philox-backed gsl_rng of philox_gsl.h, so every draw is a
 * function of (seed, stream, avalanche, draw index). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "analysis/philox_gsl.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/rng.h"

static dnc_status validate(const dnc_branching_opts *o, size_t n)
{
    if (!(o->m >= 0) || !isfinite(o->m))
        return dnc_fail(DNC_EINVAL, "branching: m must be >= 0, got %g", o->m);
    if (o->seeds == 0)
        return dnc_fail(DNC_EINVAL, "branching: seeds must be >= 1");
    if (o->max_duration < 1)
        return dnc_fail(DNC_EINVAL, "branching: max_duration must be >= 1");
    if (o->max_size < 1 || o->max_size > DNC_BRANCHING_MAX_SIZE_LIMIT)
        return dnc_fail(DNC_EINVAL, "branching: max_size must be in [1, 2^53], got %zu",
                        o->max_size);
    if (n == 0 || n >= UINT32_MAX - 1)
        return dnc_fail(DNC_EINVAL, "branching: number of avalanches must be in [1, 2^32), got %zu",
                        n);
    return DNC_OK;
}

/* The next generation, Poisson(mu), in *next; false, with the draw left
 * unfinished, once it passes `room`: the avalanche is cut anyway.
 * gsl_ran_poisson returns an unsigned int, so huge means are drawn in parts
 * of 1e9 (at most room / 1e9 + 1 of them before the cut). */
static bool next_generation(gsl_rng *r, double mu, double room, double *next)
{
    double sum = 0;
    while (mu > 1e9) {
        sum += gsl_ran_poisson(r, 1e9);
        mu -= 1e9;
        if (sum > room)
            return false;
    }
    *next = sum + gsl_ran_poisson(r, mu);
    return true;
}

/* One avalanche into prof[0..T); returns T, or 0 when it is cut: still
 * alive after max_duration generations, or its size would pass max_size. */
static size_t one_avalanche(const dnc_branching_opts *o, uint32_t i, double *prof)
{
    dnc_philox_gsl_state ps;
    gsl_rng r = dnc_philox_gsl(&ps, o->seed, DNC_STREAM_SIM, i);
    double A = (double)o->seeds, S = 0, cap = (double)o->max_size;
    size_t T = 0;
    while (A > 0) {
        if (T == o->max_duration || S + A > cap)
            return 0;
        prof[T++] = A;
        S += A;
        if (!next_generation(&r, o->m * A, cap - S, &A))
            return 0;
    }
    return T;
}

dnc_status dnc_branching_avalanches(const dnc_branching_opts *o, size_t n, dnc_avalanches *av,
                                    size_t *cut)
{
    memset(av, 0, sizeof *av);
    dnc_status st = validate(o, n);
    if (st)
        return st;
    double *prof =
        o->max_duration <= SIZE_MAX / sizeof *prof ? malloc(o->max_duration * sizeof *prof) : NULL;
    if (!prof)
        return dnc_fail(DNC_ENOMEM,
                        "branching: out of memory for a profile of max_duration = %zu generations",
                        o->max_duration);
    size_t ncut = 0;
    for (size_t i = 0; i < n && !st; i++) {
        size_t T = one_avalanche(o, (uint32_t)i, prof);
        if (T == 0)
            ncut++;
        else
            st = dnc_avalanches_append(av, prof, T, i);
    }
    free(prof);
    if (st)
        dnc_avalanches_free(av);
    if (cut)
        *cut = ncut;
    return st;
}

dnc_status dnc_branching_activity(const dnc_branching_opts *o, size_t n, size_t gap, size_t units,
                                  dnc_activity *a, size_t *cut)
{
    memset(a, 0, sizeof *a);
    if (gap < 1 || units < 1)
        return dnc_fail(DNC_EINVAL, "branching: gap and units must be >= 1");
    dnc_avalanches av;
    dnc_status st = dnc_branching_avalanches(o, n, &av, cut);
    if (st)
        return st;
    size_t bins = gap;
    for (size_t i = 0; i < av.count; i++)
        bins += (size_t)av.duration[i] + gap;
    unsigned char *hit = calloc(units, 1);
    if (!hit || (st = dnc_activity_alloc(a, bins, units))) {
        free(hit);
        dnc_avalanches_free(&av);
        return st ? st : dnc_fail(DNC_ENOMEM, "branching: out of memory");
    }
    size_t t = gap;
    uint64_t draw = 0;
    for (size_t i = 0; i < av.count; i++) {
        for (size_t k = av.offset[i]; k < av.offset[i + 1]; k++, t++) {
            double A = av.profile[k];
            a->count[t] = A;
            if (A >= 40.0 * (double)units) { /* P(some unit missed) < units e^-40 */
                a->active[t] = (double)units;
                continue;
            }
            memset(hit, 0, units);
            for (size_t e = 0; e < (size_t)A; e++) {
                size_t u = (size_t)(dnc_uniform_at(o->seed, DNC_STREAM_SIM, UINT32_MAX, 0, draw++) *
                                    (double)units);
                if (u >= units)
                    u = units - 1;
                if (!hit[u]) {
                    hit[u] = 1;
                    a->active[t] += 1;
                }
            }
        }
        t += gap;
    }
    free(hit);
    dnc_avalanches_free(&av);
    return DNC_OK;
}

dnc_status dnc_branching_driven(double m, double h, double p_obs, size_t steps, uint64_t seed,
                                double *A)
{
    if (!(m >= 0) || !(h > 0) || !(p_obs > 0 && p_obs <= 1) || !isfinite(m) || !isfinite(h))
        return dnc_fail(DNC_EINVAL,
                        "driven branching: need m >= 0, h > 0, 0 < p_obs <= 1 (got %g, %g, %g)", m,
                        h, p_obs);
    dnc_philox_gsl_state ps;
    gsl_rng r = dnc_philox_gsl(&ps, seed, DNC_STREAM_SIM, UINT32_MAX - 1);
    double x = m < 1 ? h / (1 - m) : h;
    for (size_t t = 0; t < steps; t++) {
        x = gsl_ran_poisson(&r, m * x + h);
        A[t] = p_obs < 1 ? gsl_ran_binomial(&r, p_obs, (unsigned)x) : x;
    }
    return DNC_OK;
}
