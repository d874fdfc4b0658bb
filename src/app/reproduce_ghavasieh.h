/* The claims of Ghavasieh et al. (2025), arXiv:2509.22649 (the study
 * `ghavasieh2025`, src/app/reproduce_studies.c; docs/reproduce.md), measured
 * at one point of the Widom line: the chi maximum along sigma_w of a driven
 * (h > 0) random tanh MLP, damage protocol (dnc_susc_scan_opts_run), and the
 * avalanches there (dnc_net_crackling_measure). */
#ifndef DNNCRIT_APP_REPRODUCE_GHAVASIEH_H
#define DNNCRIT_APP_REPRODUCE_GHAVASIEH_H

#include "dnncrit/reproduce.h"

/* gamma = (alpha - 1)/(tau - 1) holds (approximately) in the quasi-critical
 * regime: the deviation against 0 in its error (dnc_claim_judge). */
dnc_status dnc_ghavasieh_crackling(const dnc_reproduce_opts *o, dnc_claim *c);
/* The avalanche exponents (tau, alpha, gamma) are in a Barkhausen-noise
 * class / in a DP class (mean field or DP d+1), by dnc_classify and the
 * family rule of dnc_ghavasieh_family_verdict. */
dnc_status dnc_ghavasieh_barkhausen(const dnc_reproduce_opts *o, dnc_claim *c);
dnc_status dnc_ghavasieh_dp(const dnc_reproduce_opts *o, dnc_claim *c);
/* The mean avalanche shape collapses with the crackling exponent
 * (alpha - 1)/(tau - 1). */
dnc_status dnc_ghavasieh_shape(const dnc_reproduce_opts *o, dnc_claim *c);

/* ResNets with convolutions and batch normalisation, with layer-dependent
 * thresholds, have critical avalanches: the crackling deviation of a
 * standard-initialised 1D ResNet (dnc_cnn_avalanches) against 0. */
dnc_status dnc_ghavasieh_resnet(const dnc_reproduce_opts *o, dnc_claim *c);

/* The class-family rule (a documented variant of dnc_claim_judge for class
 * claims). p_in: the best classify p-value among the family's classes, p_out:
 * the best among the other classes (NAN: none compared):
 *   supported      p_in >= DNC_CLASSIFY_TIE_P (within 2 sigma) and
 *                  p_out < DNC_CLASSIFY_TIE_P (no other class ties);
 *   not supported  p_in < 0.0027 (more than 3 sigma from every class of the
 *                  family);
 *   inconclusive   otherwise (between 2 and 3 sigma, a tie with a class
 *                  outside the family, or nothing compared). */
dnc_verdict dnc_ghavasieh_family_verdict(double p_in, double p_out);

#endif
