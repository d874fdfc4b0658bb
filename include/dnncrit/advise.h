/* Initialisation advice without training (issue 5), from mean-field depth
 * scales (Schoenholz et al. 2017) and a short finite-width measurement. */
#ifndef DNNCRIT_ADVISE_H
#define DNNCRIT_ADVISE_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/activation.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/error.h"

/* Schoenholz et al. 2017: signals (and gradients) survive, and networks
 * train, when L <~ DNC_TRAINABLE_FACTOR * xi_c. */
#define DNC_TRAINABLE_FACTOR 6.0

/* The sigma_w interval around the critical sigma_w* (sigma_b fixed) where
 * depth < factor * xi_c(sigma_w): on the ordered side xi_c = -1/ln chi_1,
 * so the edge is chi_1 = exp(-factor/depth); on the chaotic side
 * xi_c = -1/ln f'(c*), edge f'(c*) = exp(-factor/depth). Edges found by
 * bisection to 1e-6 relative; hi = INFINITY if the chaotic side stays
 * trainable up to 8 sigma_w*. */
dnc_status dnc_trainable_window(dnc_activation act, double sigma_b, double depth, double factor,
                                double *sigma_w_lo, double *sigma_w_hi);

/* Finite-width deviation of rho^l from mean field, measured with
 * dnc_propagate (two inputs, input q = 1, c = 0.5) over `seeds` networks
 * per width: rms[i] = sqrt(mean over seeds and layers of (rho - rho_mf)^2).
 * amplitude a of the fit rms = a / sqrt(N) (least squares in log space with
 * the slope fixed to -1/2), slope = free log-log slope between the
 * smallest and the largest width (a check of the 1/sqrt(N) law). */
typedef struct {
    size_t nwidths;
    size_t widths[8];
    double rms[8];
    double amplitude;
    double slope;
} dnc_width_scan;

dnc_status dnc_width_scan_run(dnc_activation act, double sigma_w, double sigma_b, size_t depth,
                              const size_t *widths, size_t nwidths, int seeds, uint64_t seed,
                              dnc_width_scan *out);

/* Susceptibility chi = N var(rho) (damage-spreading activity through the
 * layers, dnc_net_avalanches of the avalanche module) along sigma_w at fixed
 * sigma_b, depth and width; the peak by a parabola through the largest
 * value and its neighbours, with half the grid step as its uncertainty. */
#define DNC_SUSC_MAX 32
typedef struct {
    size_t n;
    double sigma_w[DNC_SUSC_MAX];
    double chi[DNC_SUSC_MAX];
    double peak_sigma_w, peak_err, peak_chi;
    bool at_edge; /* maximum at an end of the scan: the peak may lie outside */
    double chi_err[DNC_SUSC_MAX]; /* jackknife over networks (dnc_susc_scan_opts_run) */
    double peak_boot_err;         /* bootstrap error of peak_sigma_w (dnc_susc_scan_opts_run
                                   * with resamples >= 2; NAN otherwise) */
    size_t peak_index;            /* the largest sampled chi */
} dnc_susc_scan;

dnc_status dnc_susc_scan_run(dnc_activation act, double sigma_b, size_t depth, size_t width,
                             const double *sigma_w, size_t n, size_t networks, size_t inputs,
                             uint64_t seed, dnc_susc_scan *out);
/* The same scan with any options of dnc_net_avalanches (rule, threshold,
 * external field, networks, inputs, ...): base with net.sigma_w = sigma_w[i]
 * at point i; chi_err from the result's jackknife and the peak by
 * dnc_curve_peak_find with those errors and `resamples` parametric bootstrap
 * resamples (seed base->net.seed): one point of the Widom line at base's
 * width and field. */
dnc_status dnc_susc_scan_opts_run(const dnc_net_aval_opts *base, const double *sigma_w, size_t n,
                                  size_t resamples, dnc_susc_scan *out);

DNC_END_DECLS
#endif
