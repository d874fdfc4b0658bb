/* Initialisation advice: trainable-depth window from mean-field depth
 * scales and the width needed for finite-width flow to follow mean field. */
#include "dnncrit/advise.h"

#include <math.h>
#include <stdlib.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/propagate.h"

/* factor * xi_c(sigma_w) - depth; NAN when the analysis fails. */
static double window_gap(dnc_activation act, double sw, double sb, double depth, double factor)
{
    dnc_mf_params p = {act, sw, sb};
    dnc_mf_point o;
    if (dnc_mf_analyse(&p, &o))
        return NAN;
    return factor * o.xi_c - depth;
}

/* Bisection between a trainable (gap >= 0) and an untrainable sigma_w. */
static double bisect_edge(dnc_activation act, double sb, double depth, double factor, double in,
                          double out)
{
    for (int it = 0; it < 60 && fabs(in - out) > 1e-7 * in; it++) {
        double mid = 0.5 * (in + out), g = window_gap(act, mid, sb, depth, factor);
        if (g >= 0)
            in = mid;
        else
            out = mid;
    }
    return in;
}

dnc_status dnc_trainable_window(dnc_activation act, double sigma_b, double depth, double factor,
                                double *sigma_w_lo, double *sigma_w_hi)
{
    if (!(depth >= 1) || !isfinite(depth))
        return dnc_fail(DNC_EINVAL, "depth must be >= 1, got %g", depth);
    if (!(factor > 0) || !isfinite(factor))
        return dnc_fail(DNC_EINVAL, "trainable factor must be > 0, got %g", factor);
    double sc;
    dnc_status st = dnc_mf_critical_sigma_w(act, sigma_b, &sc);
    if (st)
        return st;
    /* ordered side: step down until untrainable */
    double out = sc, g;
    do {
        out *= 0.8;
        g = window_gap(act, out, sigma_b, depth, factor);
    } while (out > 1e-3 * sc && g >= 0);
    *sigma_w_lo = g >= 0 ? 0.0 : bisect_edge(act, sigma_b, depth, factor, sc, out);
    /* chaotic side: step up until untrainable (or give up at 8 sigma_w*) */
    out = sc;
    do {
        out *= 1.25;
        g = window_gap(act, out, sigma_b, depth, factor);
    } while (out < 8 * sc && g >= 0);
    if (isnan(g))
        return dnc_fail(DNC_ENUM, "trainable window: mean-field analysis failed at sigma_w = %g: "
                                  "%s", out, dnc_last_error());
    *sigma_w_hi = g >= 0 ? INFINITY : bisect_edge(act, sigma_b, depth, factor, sc, out);
    return DNC_OK;
}

static dnc_status deviation_rms(const dnc_propagate_opts *base, const double *rho_mf, int seeds,
                                uint64_t seed, double *rms)
{
    dnc_propagate_opts o = *base;
    double sq = 0;
    size_t L = o.net.depth;
    for (int s = 0; s < seeds; s++) {
        o.net.seed = seed + (uint64_t)s;
        dnc_propagate_result r;
        dnc_status st = dnc_propagate(&o, &r);
        if (st)
            return st;
        for (size_t l = 0; l < L; l++)
            sq += (r.rho[l] - rho_mf[l]) * (r.rho[l] - rho_mf[l]);
        dnc_propagate_result_free(&r);
    }
    *rms = sqrt(sq / ((double)seeds * (double)L));
    return DNC_OK;
}

dnc_status dnc_width_scan_run(dnc_activation act, double sigma_w, double sigma_b, size_t depth,
                              const size_t *widths, size_t nwidths, int seeds, uint64_t seed,
                              dnc_width_scan *out)
{
    if (nwidths < 2 || nwidths > 8)
        return dnc_fail(DNC_EINVAL, "width scan needs 2 to 8 widths, got %zu", nwidths);
    if (seeds < 1)
        return dnc_fail(DNC_EINVAL, "width scan needs >= 1 seed, got %d", seeds);
    dnc_mf_params p = {act, sigma_w, sigma_b};
    double *q = malloc(depth * sizeof *q), *rho = malloc(depth * sizeof *rho);
    if (!q || !rho) {
        free(q);
        free(rho);
        return dnc_fail(DNC_ENOMEM, "out of memory for depth %zu", depth);
    }
    dnc_status st = dnc_mf_trajectory_rho(&p, 1.0, 0.5, depth, q, NULL, rho);
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.activation = act;
    o.net.depth = depth;
    o.net.sigma_w = sigma_w;
    o.net.sigma_b = sigma_b;
    o.batch = 2;
    o.input_q = 1.0;
    o.input_c = 0.5;
    out->nwidths = nwidths;
    double sum_log = 0;
    for (size_t i = 0; i < nwidths && !st; i++) {
        o.net.width = widths[i];
        out->widths[i] = widths[i];
        st = deviation_rms(&o, rho, seeds, seed, &out->rms[i]);
        sum_log += log(out->rms[i] * sqrt((double)widths[i]));
    }
    free(q);
    free(rho);
    if (st)
        return st;
    out->amplitude = exp(sum_log / (double)nwidths);
    out->slope = log(out->rms[nwidths - 1] / out->rms[0]) /
                 log((double)widths[nwidths - 1] / (double)widths[0]);
    return DNC_OK;
}

dnc_status dnc_susc_scan_opts_run(const dnc_net_aval_opts *base, const double *sigma_w, size_t n,
                                  size_t resamples, dnc_susc_scan *out)
{
    if (n < 3 || n > DNC_SUSC_MAX)
        return dnc_fail(DNC_EINVAL, "susceptibility scan needs 3 to %d points, got %zu",
                        DNC_SUSC_MAX, n);
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        dnc_net_aval_opts o = *base;
        o.net.sigma_w = sigma_w[i];
        dnc_net_aval_result r;
        dnc_status st = dnc_net_avalanches(&o, &r);
        if (st)
            return st;
        out->sigma_w[i] = sigma_w[i];
        out->chi[i] = r.chi;
        out->chi_err[i] = r.chi_err;
        dnc_net_aval_result_free(&r);
    }
    dnc_curve_peak pk; /* refuses a sigma_w that does not increase */
    dnc_status st = dnc_curve_peak_find(out->sigma_w, out->chi, resamples >= 2 ? out->chi_err : NULL,
                                        n, resamples, base->net.seed, &pk);
    if (st)
        return st;
    out->peak_sigma_w = pk.x;
    out->peak_chi = pk.y;
    out->peak_err = pk.x_res;
    out->peak_boot_err = pk.x_err;
    out->peak_index = pk.index;
    out->at_edge = pk.at_edge;
    return DNC_OK;
}

dnc_status dnc_susc_scan_run(dnc_activation act, double sigma_b, size_t depth, size_t width,
                             const double *sigma_w, size_t n, size_t networks, size_t inputs,
                             uint64_t seed, dnc_susc_scan *out)
{
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.activation = act;
    o.net.depth = depth;
    o.net.width = width;
    o.net.sigma_b = sigma_b;
    o.net.seed = seed;
    o.networks = networks;
    o.inputs = inputs;
    return dnc_susc_scan_opts_run(&o, sigma_w, n, 0, out);
}
