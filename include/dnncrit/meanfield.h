/* Mean-field (infinite-width) signal propagation: Poole et al. 2016,
 * Schoenholz et al. 2017. Expectations are over z ~ N(0, 1).
 *   q^{l+1}  = sigma_w^2 E[phi(sqrt(q^l) z)^2] + sigma_b^2
 *   q12^{l+1} = sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2, (u1, u2) centred
 *              Gaussian with variances q^l and covariance q12^l
 *   c = q12 / q,  f(c) the correlation map at q = q*,
 *   chi_1 = f'(1) = sigma_w^2 E[phi'(sqrt(q*) z)^2],
 *   kappa = f''(1)/2 = (1/2) sigma_w^2 q* E[phi''(sqrt(q*) z)^2]
 * (for kinked activations phi'' has delta parts and kappa does not exist:
 * the expansion of f around c = 1 is non-analytic). */
#ifndef DNNCRIT_MEANFIELD_H
#define DNNCRIT_MEANFIELD_H

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/activation.h"
#include "dnncrit/error.h"

typedef struct {
    dnc_activation activation;
    double sigma_w;
    double sigma_b;
} dnc_mf_params;

typedef struct {
    double q_star;   /* fixed point of the length map */
    double chi_1;    /* slope of the correlation map at c = 1 */
    double chi_q;    /* slope of the length map at q* */
    double kappa;    /* f''(1)/2; NAN when !kappa_exists */
    bool kappa_exists;
    double xi_q;     /* -1 / ln chi_q */
    double xi_c;     /* -1 / ln chi_1 on the ordered side; +inf at chi_1 = 1;
                        on the chaotic side -1 / ln f'(c*) */
    double c_star;   /* stable fixed point of f: 1 when ordered, < 1 chaotic */
    double rho_star; /* 1 - c_star */
} dnc_mf_point;

dnc_status dnc_mf_validate(const dnc_mf_params *p);
/* One step of the length map. */
dnc_status dnc_mf_q_map(const dnc_mf_params *p, double q, double *q_next);
dnc_status dnc_mf_q_fixed_point(const dnc_mf_params *p, double *q_star);
/* One step of the correlation map f at the given q (normally q*). */
dnc_status dnc_mf_c_map(const dnc_mf_params *p, double q, double c, double *c_next);
/* f'(c) and f''(c) at q (f'' only defined for smooth activations). */
dnc_status dnc_mf_c_map_derivatives(const dnc_mf_params *p, double q, double c, double *df,
                                    double *d2f);
/* Everything in dnc_mf_point at one (activation, sigma_w, sigma_b). */
dnc_status dnc_mf_analyse(const dnc_mf_params *p, dnc_mf_point *out);
/* sigma_w with chi_1 = 1 for this activation and sigma_b, to 1e-8 relative.
 * DNC_ENUM with a message saying why when no critical point exists. */
dnc_status dnc_mf_critical_sigma_w(dnc_activation act, double sigma_b, double *sigma_w);
/* Joint (q, q12) iteration for two inputs with per-component variance q_in
 * and correlation c_in through `depth` layers; the first layer is linear in
 * the input (h^1 = W x + b). Fills q[l-1], c[l-1] for l = 1..depth (q and c
 * of the pre-activations h^l), the quantities the finite-width engine
 * measures. */
dnc_status dnc_mf_trajectory(const dnc_mf_params *p, double q_in, double c_in, size_t depth,
                             double *q, double *c);

#endif
