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
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/activation.h"
#include "dnncrit/error.h"

typedef struct {
    dnc_activation activation;
    double sigma_w;
    double sigma_b;
} dnc_mf_params;

typedef enum {
    DNC_MF_ORDERED = -1, /* chi_1 < 1: c -> 1 */
    DNC_MF_CRITICAL = 0, /* |chi_1 - 1| <= DNC_MF_CRITICAL_TOL */
    DNC_MF_CHAOTIC = 1   /* chi_1 > 1: c -> c* < 1 */
} dnc_mf_phase;

#define DNC_MF_CRITICAL_TOL 1e-9

typedef struct {
    double q_star;   /* fixed point of the length map; INFINITY when the length
                        map diverges (relu/linear with sigma_w at or above the
                        critical value and sigma_b > 0): the c-map quantities
                        are then those of the scale-free (q -> inf) limit */
    double chi_1;    /* slope of the correlation map at c = 1 */
    double chi_q;    /* slope of the length map at q* */
    double kappa;    /* f''(1)/2; NAN when !kappa_exists */
    bool kappa_exists;
    double xi_q;     /* -1 / ln chi_q */
    double xi_c;     /* -1 / ln chi_1 on the ordered side; +inf at chi_1 = 1;
                        on the chaotic side -1 / ln f'(c*) */
    double c_star;   /* stable fixed point of f: 1 when ordered, < 1 chaotic */
    double rho_star; /* 1 - c_star */
    dnc_mf_phase phase;
} dnc_mf_point;

/* Which derivative of phi enters a Gaussian expectation. */
typedef enum { DNC_MF_PHI = 0, DNC_MF_DPHI = 1, DNC_MF_D2PHI = 2 } dnc_mf_deriv;

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

/* ---- Extensions ---- */

/* "ordered", "critical", "chaotic". */
const char *dnc_mf_phase_name(dnc_mf_phase phase);
/* Why kappa does not exist for this activation ("" when it does). */
const char *dnc_mf_kappa_note(dnc_activation act);

/* E[phi^(a)(u1) phi^(b)(u2)] for centred Gaussian (u1, u2) with variances q
 * and correlation c: for smooth phi by the quadrature chosen with
 * dnc_mf_set_quadrature, for kinked phi by nested adaptive Gauss-Kronrod
 * quadrature split at the kinks (regular parts of phi'' only). Always
 * numerical, also for relu, so it can be checked against closed forms. */
dnc_status dnc_mf_gauss_pair(dnc_activation act, dnc_mf_deriv a, dnc_mf_deriv b, double q,
                             double c, double *out);
/* E[phi^(a)(sqrt(q) z)^2], one dimension. */
dnc_status dnc_mf_gauss_square(dnc_activation act, dnc_mf_deriv a, double q, double *out);

/* Quadrature used for smooth activations: AUTO = two-dimensional
 * expectations from the Hermite (Mehler) expansion of phi with a bounded
 * truncation error, falling back to TRAPEZOID where it does not converge;
 * TRAPEZOID = nested trapezoidal rule in 1D and 2D with adaptive
 * Gauss-Kronrod as fallback (the default before the Mehler expansion);
 * ADAPTIVE = Gauss-Kronrod only. TRAPEZOID and ADAPTIVE are slower and
 * serve as independent references for verification. Process-wide: set it
 * only while no other thread uses the mean-field functions. */
typedef enum {
    DNC_MF_QUAD_AUTO = 0,
    DNC_MF_QUAD_ADAPTIVE = 1,
    DNC_MF_QUAD_TRAPEZOID = 2
} dnc_mf_quadrature;
void dnc_mf_set_quadrature(dnc_mf_quadrature mode);

/* The correlation map written for rho = 1 - c without cancellation:
 *   q' - q12' = (sigma_w^2 / 2) E[(phi(u1) - phi(u2))^2],  rho' = (q' - q12') / q'.
 * Two inputs of equal q. q_next may be NULL. */
dnc_status dnc_mf_rho_map(const dnc_mf_params *p, double q, double rho, double *rho_next,
                          double *q_next);
/* As dnc_mf_trajectory, also filling rho[l-1] = 1 - c computed without
 * cancellation (rho may be NULL, c may be NULL). */
dnc_status dnc_mf_trajectory_rho(const dnc_mf_params *p, double q_in, double c_in, size_t depth,
                                 double *q, double *c, double *rho);

/* Called after every finished grid point or block of layers (from one thread
 * at a time). */
typedef void (*dnc_mf_progress_fn)(void *ctx, size_t done, size_t total);
/* dnc_mf_trajectory_rho, calling progress(progress_ctx, layers done, depth)
 * every 4096 layers and at the end (progress may be NULL). */
dnc_status dnc_mf_trajectory_rho_progress(const dnc_mf_params *p, double q_in, double c_in,
                                          size_t depth, double *q, double *c, double *rho,
                                          dnc_mf_progress_fn progress, void *progress_ctx);
/* dnc_mf_analyse over the grid sigma_b[ib] x sigma_w[iw] (OpenMP-parallel);
 * out[ib * nw + iw]. A point whose analysis fails gets NaN fields and its
 * status in point_status (may be NULL); the call itself fails only on bad
 * arguments. */
dnc_status dnc_mf_phase_diagram(dnc_activation act, const double *sigma_b, size_t nb,
                                const double *sigma_w, size_t nw, dnc_mf_point *out,
                                dnc_status *point_status, dnc_mf_progress_fn progress,
                                void *progress_ctx);

DNC_END_DECLS
#endif
