/* Avalanches in activity rasters and their statistics. See avalanche.h. */
#include "dnncrit/avalanche.h"
#include "dnncrit/powerlaw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Avalanches. */
void dnc_avalanches_free(dnc_avalanches *av)
{
    free(av->size);
    free(av->duration);
    free(av->start);
    free(av->offset);
    free(av->profile);
    memset(av, 0, sizeof *av);
}

static dnc_status grow(void **p, size_t elem, size_t cap)
{
    void *q = realloc(*p, cap * elem);
    if (!q)
        return dnc_fail(DNC_ENOMEM, "out of memory for avalanches");
    *p = q;
    return DNC_OK;
}

dnc_status dnc_avalanches_append(dnc_avalanches *av, const double *profile, size_t T, size_t start)
{
    dnc_status st;
    if (av->count + 1 >= av->cap) {
        size_t cap = av->cap ? 2 * av->cap : 256;
        if ((st = grow((void **)&av->size, sizeof *av->size, cap)) ||
            (st = grow((void **)&av->duration, sizeof *av->duration, cap)) ||
            (st = grow((void **)&av->start, sizeof *av->start, cap)) ||
            (st = grow((void **)&av->offset, sizeof *av->offset, cap + 1)))
            return st;
        if (av->cap == 0)
            av->offset[0] = 0;
        av->cap = cap;
    }
    size_t off = av->offset[av->count];
    if (off + T > av->profile_cap) {
        size_t cap = av->profile_cap ? 2 * av->profile_cap : 4096;
        while (cap < off + T)
            cap *= 2;
        if ((st = grow((void **)&av->profile, sizeof *av->profile, cap)))
            return st;
        av->profile_cap = cap;
    }
    double S = 0;
    for (size_t t = 0; t < T; t++) {
        av->profile[off + t] = profile[t];
        S += profile[t];
    }
    av->size[av->count] = S;
    av->duration[av->count] = (double)T;
    av->start[av->count] = start;
    av->offset[++av->count] = off + T;
    return DNC_OK;
}

dnc_status dnc_avalanches_from_activity(const double *A, size_t bins, bool keep_edges,
                                        dnc_avalanches *av)
{
    memset(av, 0, sizeof *av);
    size_t active_bins = 0;
    for (size_t t = 0; t < bins; t++) {
        if (!(A[t] >= 0) || !isfinite(A[t]))
            return dnc_fail(DNC_EINVAL, "activity in bin %zu is %g; it must be finite and >= 0", t,
                            A[t]);
        active_bins += A[t] > 0;
    }
    if (active_bins == 0)
        return dnc_fail(DNC_EINVAL, "all %zu time bins are quiet (all-zero raster): no avalanches",
                        bins);
    size_t t = 0;
    dnc_status st = DNC_OK;
    while (t < bins && !st) {
        if (A[t] == 0) {
            t++;
            continue;
        }
        size_t s = t;
        while (t < bins && A[t] > 0)
            t++;
        bool cut = s == 0 || t == bins;
        if (keep_edges || !cut)
            st = dnc_avalanches_append(av, A + s, t - s, s);
    }
    if (!st && av->count == 0)
        st = dnc_fail(DNC_EINVAL,
                      "no complete avalanche: activity never stops between the first and last bin "
                      "(%zu of %zu bins active); use narrower bins or keep edge avalanches",
                      active_bins, bins);
    if (st)
        dnc_avalanches_free(av);
    return st;
}

/* ---------------------------------------------------------------------
 * The whole analysis. */
dnc_avalanche_opts dnc_avalanche_opts_default(void)
{
    dnc_avalanche_opts o = {.size_fit = dnc_pl_opts_default(),
                            .duration_fit = dnc_pl_opts_default(),
                            .bootstrap = 0,
                            .seed = 1,
                            .compare = false,
                            .min_count = 10,
                            .gamma_tmin = 0,
                            .gamma_tmax = INFINITY,
                            .collapse_tmin = 0,
                            .collapse_tmax = INFINITY,
                            .collapse_grid = 20};
    o.size_fit.discrete = true;
    o.duration_fit.discrete = true;
    return o;
}

void dnc_avalanche_analysis_free(dnc_avalanche_analysis *an)
{
    dnc_size_duration_free(&an->sd);
    dnc_shape_collapse_free(&an->collapse);
}

static dnc_status fit_with_context(const double *x, size_t n, const dnc_pl_opts *o,
                                   const char *what, dnc_pl_fit *f)
{
    dnc_status st = dnc_pl_fit_data(x, n, o, f);
    if (st)
        return dnc_fail(st, "%s distribution: %s", what, dnc_last_error());
    return DNC_OK;
}

dnc_status dnc_avalanche_analyse(const dnc_avalanches *av, const dnc_avalanche_opts *o,
                                 dnc_avalanche_analysis *out)
{
    memset(out, 0, sizeof *out);
    out->count = av->count;
    out->size_p = out->duration_p = NAN;
    if (av->count < 10)
        return dnc_fail(DNC_EINVAL, "only %zu avalanches; at least 10 are needed", av->count);
    dnc_status st;
    if ((st = fit_with_context(av->size, av->count, &o->size_fit, "size", &out->size)) ||
        (st = fit_with_context(av->duration, av->count, &o->duration_fit, "duration",
                               &out->duration)))
        return st;
    if (o->bootstrap) {
        if ((st = dnc_pl_bootstrap(av->size, av->count, &o->size_fit, &out->size, o->bootstrap,
                                   o->seed, &out->size_p)) ||
            (st = dnc_pl_bootstrap(av->duration, av->count, &o->duration_fit, &out->duration,
                                   o->bootstrap, o->seed + 1, &out->duration_p)))
            return st;
    }
    if (o->compare && !isfinite(out->size.xmax) && !isfinite(out->duration.xmax)) {
        for (int a = 0; a < DNC_PL_ALT_COUNT && !st; a++) {
            st = dnc_pl_compare_alt(av->size, av->count, &out->size, (dnc_pl_alt)a, &out->size_cmp[a]);
            if (!st)
                st = dnc_pl_compare_alt(av->duration, av->count, &out->duration, (dnc_pl_alt)a,
                                        &out->duration_cmp[a]);
        }
        if (st)
            return st;
        out->compared = true;
    }
    double tmin = o->gamma_tmin > 0 ? o->gamma_tmin : out->duration.xmin;
    /* gamma and the collapse need many durations: report, don't fail */
    out->gamma_ok = dnc_size_duration_fit(av, tmin, o->gamma_tmax, o->min_count, &out->sd) == DNC_OK;
    if (!out->gamma_ok)
        snprintf(out->gamma_error, sizeof out->gamma_error, "%s", dnc_last_error());
    double g = out->gamma_ok ? out->sd.gamma : NAN, ge = out->gamma_ok ? out->sd.gamma_err : NAN;
    dnc_crackling_check(out->size.alpha, out->size.alpha_err, out->duration.alpha,
                        out->duration.alpha_err, g, ge, &out->crackling);
    double ctmin = o->collapse_tmin > 0 ? o->collapse_tmin : tmin;
    out->collapse_ok = dnc_shape_collapse_fit(av, ctmin, o->collapse_tmax, o->min_count,
                                              o->collapse_grid, &out->collapse) == DNC_OK;
    out->chi_S = dnc_avalanche_size_susceptibility(av);
    return DNC_OK;
}

dnc_status dnc_avalanche_size_cutoff(const double *sizes, size_t n, double *s_c, double *tau)
{
    *s_c = *tau = NAN;
    if (n < 10)
        return DNC_OK;
    dnc_pl_opts po = dnc_pl_opts_default();
    po.discrete = true;
    po.xmin = 1;
    dnc_pl_fit fit;
    dnc_pl_compare cmp;
    dnc_status st = dnc_pl_fit_data(sizes, n, &po, &fit);
    if (!st)
        st = dnc_pl_compare_alt(sizes, n, &fit, DNC_PL_ALT_CUTOFF, &cmp);
    if (st)
        return st;
    *tau = cmp.params[0];
    if (cmp.params[1] >= 1e-12)
        *s_c = 1.0 / cmp.params[1];
    return DNC_OK;
}
