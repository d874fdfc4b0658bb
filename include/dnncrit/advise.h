/* Initialisation advice without training (issue 5), from mean-field depth
 * scales (Schoenholz et al. 2017) and a short finite-width measurement. */
#ifndef DNNCRIT_ADVISE_H
#define DNNCRIT_ADVISE_H

#include <stddef.h>
#include <stdint.h>

#include "dnncrit/activation.h"
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

#endif
