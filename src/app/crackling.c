/* The crackling-noise relation with a bootstrap error (dnncrit/crackling.h).
 * In the app layer because the bootstrap is dnc_bootstrap (correlation.c). */
#include "dnncrit/crackling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/powerlaw.h"
#include "dnncrit/train_sweep.h"

typedef struct {
    const dnc_avalanches *av;
    dnc_pl_opts size_fit, duration_fit; /* xmin fixed at the full fit's */
    double tmin, tmax;
    size_t min_count;
    double *S, *T; /* [count] the resample */
} boot_ctx;

/* gamma - (alpha - 1)/(tau - 1) of one resample; NAN when a fit fails. */
static double deviation_of_resample(const size_t *idx, size_t n, void *p)
{
    boot_ctx *c = p;
    for (size_t i = 0; i < n; i++) {
        c->S[i] = c->av->size[idx[i]];
        c->T[i] = c->av->duration[idx[i]];
    }
    dnc_pl_fit fs, ft;
    if (dnc_pl_fit_data(c->S, n, &c->size_fit, &fs) || dnc_pl_fit_data(c->T, n, &c->duration_fit, &ft))
        return NAN;
    /* the <S>(T) fit reads count, size and duration only */
    dnc_avalanches r = {.count = n, .size = c->S, .duration = c->T};
    dnc_size_duration sd;
    if (dnc_size_duration_fit(&r, c->tmin, c->tmax, c->min_count, &sd))
        return NAN;
    double g = sd.gamma;
    dnc_size_duration_free(&sd);
    return g - (ft.alpha - 1) / (fs.alpha - 1);
}

dnc_status dnc_crackling_measure(const dnc_avalanches *av, const dnc_avalanche_opts *o,
                                 size_t nboot, uint64_t seed, dnc_crackling_measurement *out)
{
    if (!av || !o || !out)
        return dnc_fail(DNC_EINVAL, "crackling: no avalanches, options or output");
    memset(out, 0, sizeof *out);
    dnc_avalanche_analysis an;
    dnc_status st = dnc_avalanche_analyse(av, o, &an);
    if (st) {
        dnc_avalanche_analysis_free(&an);
        return st;
    }
    out->count = an.count;
    out->tau = an.size.alpha;
    out->tau_err = an.size.alpha_err;
    out->size_xmin = an.size.xmin;
    out->size_tail = an.size.n_tail;
    out->alpha = an.duration.alpha;
    out->alpha_err = an.duration.alpha_err;
    out->duration_xmin = an.duration.xmin;
    out->duration_tail = an.duration.n_tail;
    out->gamma_ok = an.gamma_ok;
    out->gamma = an.gamma_ok ? an.sd.gamma : NAN;
    out->gamma_err = an.gamma_ok ? an.sd.gamma_err : NAN;
    out->gamma_tmin = an.gamma_ok ? an.sd.tmin : NAN;
    out->gamma_tmax = an.gamma_ok ? an.sd.tmax : NAN;
    out->gamma_durations = an.gamma_ok ? an.sd.npoints : 0;
    memcpy(out->gamma_error, an.gamma_error, sizeof out->gamma_error);
    out->cr = an.crackling;
    out->collapse_ok = an.collapse_ok;
    out->collapse_exponent = an.collapse_ok ? an.collapse.exponent : NAN;
    out->collapse_exponent_err = an.collapse_ok ? an.collapse.exponent_err : NAN;
    out->collapse_cost = an.collapse_ok ? an.collapse.cost : NAN;
    out->collapse_durations = an.collapse_ok ? an.collapse.ndur : 0;
    out->boot_err = out->boot_lo = out->boot_hi = NAN;
    out->err = out->z = NAN;
    if (an.gamma_ok && nboot > 0) {
        boot_ctx c = {.av = av,
                      .size_fit = o->size_fit,
                      .duration_fit = o->duration_fit,
                      .tmin = an.sd.tmin,
                      .tmax = an.sd.tmax,
                      .min_count = o->min_count,
                      .S = malloc(av->count * sizeof(double)),
                      .T = malloc(av->count * sizeof(double))};
        c.size_fit.xmin = an.size.xmin;
        c.duration_fit.xmin = an.duration.xmin;
        dnc_bootstrap_ci ci;
        st = c.S && c.T ? dnc_bootstrap(&av->count, 1, nboot, seed, deviation_of_resample, &c, &ci)
                        : dnc_fail(DNC_ENOMEM, "crackling: out of memory");
        free(c.S);
        free(c.T);
        if (!st) {
            dnc_clear_error(); /* resamples whose fits failed are dropped, not errors */
            out->boot_kept = ci.kept;
            out->boot_err = ci.se;
            out->boot_lo = ci.lo;
            out->boot_hi = ci.hi;
        }
    }
    if (!st && an.gamma_ok) {
        double e = out->cr.difference_err;
        if (isfinite(out->boot_err) && !(out->boot_err <= e))
            e = out->boot_err;
        out->err = e;
        out->z = e > 0 ? out->cr.difference / e : NAN;
    }
    dnc_avalanche_analysis_free(&an);
    return st;
}

dnc_status dnc_net_crackling_measure(const dnc_net_aval_opts *no, const dnc_avalanche_opts *ao,
                                     size_t nboot, dnc_net_crackling *out)
{
    if (!no || !ao || !out)
        return dnc_fail(DNC_EINVAL, "crackling: no options or output");
    memset(out, 0, sizeof *out);
    out->sigma_w = no->net.sigma_w;
    out->field = no->field;
    out->width = no->net.width;
    out->depth = no->net.depth;
    dnc_net_aval_result r;
    dnc_status st = dnc_net_avalanches(no, &r);
    if (st)
        return st;
    out->seeded = r.seeded;
    out->cut = r.cut;
    out->survival = r.survival;
    out->chi = r.chi;
    out->chi_err = r.chi_err;
    st = dnc_crackling_measure(&r.av, ao, nboot, no->net.seed, &out->m);
    dnc_net_aval_result_free(&r);
    return st;
}
