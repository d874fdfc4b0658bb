/* Power laws: sampling by inverse transform and the semi-parametric
 * bootstrap. */
#include "dnncrit/powerlaw.h"

#include <math.h>
#include <stdlib.h>

#include "dnncrit/rng.h"
#include "analysis/powerlaw_internal.h"

/* ---------------------------------------------------------------------
 * Sampling by inverse transform. */
static double discrete_inverse(const pl_model *m, double u)
{
    double xmax = m->xmax;
    double x0 = floor((m->xmin - 0.5) * pow(u, -1.0 / (m->alpha - 1)) + 0.5);
    if (!(x0 >= m->xmin))
        x0 = m->xmin;
    if (x0 > xmax)
        x0 = xmax;
    if (x0 > 1e15)
        return x0;
    double lo, hi; /* ccdf(lo) >= u > ccdf(hi) */
    if (dnc_pl_model_ccdf(m, x0, log(x0)) >= u) {
        lo = x0;
        double step = 1;
        hi = lo + step;
        while (hi <= xmax && dnc_pl_model_ccdf(m, hi, log(hi)) >= u) {
            lo = hi;
            step *= 2;
            hi = lo + step;
            if (hi > 1e15)
                return lo;
        }
        if (hi > xmax + 1)
            hi = xmax + 1;
    } else {
        hi = x0;
        double step = 1;
        lo = hi - step;
        while (dnc_pl_model_ccdf(m, lo, log(lo)) < u) {
            hi = lo;
            step *= 2;
            lo = hi - step;
            if (lo < m->xmin)
                lo = m->xmin;
        }
    }
    while (hi - lo > 1) {
        double mid = floor(0.5 * (lo + hi));
        if (dnc_pl_model_ccdf(m, mid, log(mid)) >= u)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

dnc_status dnc_pl_sample(const dnc_pl_fit *fit, const double *u, double *out, size_t n)
{
    dnc_pl_gsl_quiet();
    pl_model m;
    if (!dnc_pl_model_of_fit(fit, &m))
        return dnc_fail(DNC_EINVAL, "powerlaw: cannot sample alpha = %g, xmin = %g", fit->alpha,
                        fit->xmin);
    double w = 1 - m.alpha;
    double r = m.truncated ? pow(m.xmax / m.xmin, w) : 0;
    for (size_t i = 0; i < n; i++) {
        if (m.discrete)
            out[i] = discrete_inverse(&m, u[i]);
        else if (!m.truncated)
            out[i] = m.xmin * pow(u[i], 1 / w);
        else if (w == 0)
            out[i] = m.xmax * pow(m.xmin / m.xmax, u[i]);
        else
            out[i] = m.xmin * pow(r - u[i] * (r - 1), 1 / w);
    }
    return DNC_OK;
}

/* ---------------------------------------------------------------------
 * Semi-parametric bootstrap. */
static dnc_status bootstrap_replica(const double *outside, size_t n_out, size_t n,
                                    const dnc_pl_opts *o, const dnc_pl_fit *fit, size_t r,
                                    uint64_t seed, double *u1, double *u2, double *syn,
                                    double *D)
{
    dnc_uniform_fill(seed, DNC_STREAM_BOOTSTRAP, (uint32_t)r, 0, u1, n);
    dnc_uniform_fill(seed, DNC_STREAM_BOOTSTRAP, (uint32_t)r, 1, u2, n);
    double p_tail = (double)fit->n_tail / (double)n;
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (n_out == 0 || u1[i] < p_tail) {
            u1[nt++] = u2[i]; /* reuse u1 for the tail's uniforms */
        } else {
            size_t j = (size_t)(u2[i] * (double)n_out);
            syn[n - 1 - (i - nt)] = outside[j < n_out ? j : n_out - 1];
        }
    }
    dnc_status st = dnc_pl_sample(fit, u1, syn, nt);
    if (st)
        return st;
    dnc_pl_sort_positive(syn, n);
    dnc_pl_opts ro = *o;
    ro.xmin = fit->xmin_fixed ? fit->xmin : 0;
    dnc_pl_fit rf;
    st = dnc_pl_fit_core(syn, n, &ro, &rf);
    *D = st ? NAN : rf.ks;
    return st;
}

dnc_status dnc_pl_bootstrap(const double *x, size_t n, const dnc_pl_opts *opts,
                            const dnc_pl_fit *fit, size_t reps, uint64_t seed, double *p)
{
    if (reps == 0)
        return dnc_fail(DNC_EINVAL, "powerlaw: bootstrap needs at least one replica");
    if (reps > UINT32_MAX)
        return dnc_fail(DNC_EINVAL, "powerlaw: at most 2^32-1 bootstrap replicas, got %zu", reps);
    dnc_status st = dnc_pl_validate_data(x, n, opts);
    if (st)
        return st;
    double *outside = malloc(n * sizeof *outside);
    if (!outside)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory");
    size_t n_out = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] < fit->xmin || x[i] > fit->xmax)
            outside[n_out++] = x[i];
    size_t n_ge = 0, n_ok = 0;
    int alloc_failed = 0;
#pragma omp parallel reduction(+ : n_ge, n_ok, alloc_failed)
    {
        double *u1 = malloc(n * sizeof *u1), *u2 = malloc(n * sizeof *u2),
               *syn = malloc(n * sizeof *syn);
        if (!u1 || !u2 || !syn)
            alloc_failed++;
#pragma omp for schedule(dynamic)
        for (size_t r = 0; r < reps; r++) {
            if (!u1 || !u2 || !syn)
                continue;
            double D;
            if (bootstrap_replica(outside, n_out, n, opts, fit, r, seed, u1, u2, syn, &D) == DNC_OK) {
                n_ok++;
                n_ge += D >= fit->ks;
            }
        }
        free(u1);
        free(u2);
        free(syn);
    }
    free(outside);
    if (alloc_failed)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory for bootstrap replicas");
    if (n_ok == 0)
        return dnc_fail(DNC_ENUM, "powerlaw: every bootstrap replica failed to fit");
    *p = (double)n_ge / (double)n_ok;
    return DNC_OK;
}
