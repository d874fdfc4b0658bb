/* The MLP claims of Tamai et al., Phys. Rev. Research (2025), arXiv:2307.02284
 * (the study `tamai2025`, src/app/reproduce_studies.c; docs/reproduce.md).
 * Each measures one claim with the ensemble engine and the scaling tools and
 * judges it with dnc_claim_judge. */
#ifndef DNNCRIT_APP_REPRODUCE_TAMAI_MLP_H
#define DNNCRIT_APP_REPRODUCE_TAMAI_MLP_H

#include "dnncrit/reproduce.h"

/* delta = 1 (beta = nu_par = 1, mean field) for a tanh MLP at its critical point. */
dnc_status dnc_tamai_mlp_class(const dnc_reproduce_opts *o, dnc_claim *c);
/* kappa rho(l) l -> 1 at criticality for tanh, erf and sigmoid. */
dnc_status dnc_tamai_kappa_collapse(const dnc_reproduce_opts *o, dnc_claim *c);
/* rho(l; N) = N^-1 f(l / N): the collapse exponents a = b = 1. */
dnc_status dnc_tamai_fss(const dnc_reproduce_opts *o, dnc_claim *c);
/* The finite-width edge of chaos (zero Lyapunov exponent) approaches mean field as 1/N. */
dnc_status dnc_tamai_width_boundary(const dnc_reproduce_opts *o, dnc_claim *c);

#endif
