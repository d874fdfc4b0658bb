/* Tamai et al. (2025): "random CNNs belong to directed percolation" (1+1 in
 * 1D, 2+1 in 2D), tested by the spreading study (dnncrit/spreading.h) with
 * a stated verdict rule; the claim functions of `dnncrit reproduce tamai2025`. */
#ifndef DNNCRIT_APP_REPRODUCE_TAMAI_CNN_H
#define DNNCRIT_APP_REPRODUCE_TAMAI_CNN_H

#include <stddef.h>

#include "dnncrit/reproduce.h"
#include "dnncrit/spreading.h"

/* The per-system verdict on "this system is in class `cls`" ("DP 1+1",
 * "DP 2+1"): with z_x = |x - x_cls| / sqrt(e_x^2 + e_cls^2) for delta,
 * delta', theta, and z_pc = the analysis' pc_sigma (the two critical points),
 *   not supported (not DP)  if any z > 3, or a protocol has no critical
 *                           point in the grid while the other has one;
 *   supported (DP)          if every z <= 2 and the collapse with the class
 *                           exponents is acceptable (S_cls <= 3, or not
 *                           measured: NAN);
 *   inconclusive            otherwise.
 * why (may be NULL) gets the z values and the reason. *decide gets the index
 * (0 delta, 1 delta', 2 theta, 3 pc) of the largest z. An exponent whose
 * error is not positive (a series that did not move, e.g. an active density
 * stuck at 1) counts as not measured (z = NAN), which bars "supported". */
dnc_verdict dnc_spread_verdict(const dnc_spread_analysis *a, const char *cls, double collapse_S,
                               char *why, size_t nwhy, int *decide);

/* N(l) and P(l) (seed start) and rho(l) (full start) of one point, log-log,
 * with the class slopes (theta, -delta', -delta) as dashed references
 * through the first point of the window. */
dnc_status dnc_spread_figure(const dnc_spread_point *pt, const char *cls, double tmin,
                             const char *title, const char *path);

/* "CNNs (1D) belong to DP 1+1" and "CNNs (2D) belong to DP 2+1". */
dnc_status dnc_tamai_claim_cnn1d(const dnc_reproduce_opts *o, dnc_claim *out);
dnc_status dnc_tamai_claim_cnn2d(const dnc_reproduce_opts *o, dnc_claim *out);

#endif
