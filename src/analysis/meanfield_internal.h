/* What the mean-field modules share (internal, not part of the public API):
 * the quadrature workspace and its constants, the kinds of one- and
 * two-dimensional expectations, and the functions one module calls in
 * another. The modules, bottom to top: meanfield_quad.c (trapezoidal and
 * Gauss-Kronrod quadrature, one- and two-dimensional, and the lattice
 * rule for two dimensions), meanfield_mehler.c
 * (the Hermite expansion), meanfield_expect.c (workspaces, the choice of
 * method for two-dimensional expectations, the public expectations),
 * meanfield.c (maps, fixed point, analysis) and meanfield_critical.c
 * (critical line, trajectories, phase diagram). See meanfield.c for the
 * numerics. */
#ifndef DNNCRIT_MEANFIELD_INTERNAL_H
#define DNNCRIT_MEANFIELD_INTERNAL_H

#include <stdbool.h>

#include <gsl/gsl_integration.h>

#include "dnncrit/activation.h"
#include "dnncrit/error.h"
#include "dnncrit/meanfield.h"

/* Gaussian weight beyond |z| = 10 is < 8e-23, below double precision of any
 * expectation here even for integrands growing like z^2. */
#define Z_MAX 10.0
#define WS_LIMIT 400
#define EPSREL_INNER 1e-13
#define EPSREL_OUTER 1e-12
#define INV_SQRT_2PI 0.39894228040143267794
#define DNC_PI 3.14159265358979323846
#define MAX_BREAKS 8

struct mehler_work;
struct lattice_work;

typedef struct {
    gsl_integration_workspace *outer, *inner;
    struct mehler_work *mehler; /* Hermite coefficients and their scratch */
    struct lattice_work *lattice; /* the (v, w) lattice rule's arrays */
    bool failed;
    double inner_bad; /* max over z1 of npdf(z1) * (error of a non-converged inner integral) */
} quad;

/* one dimension: E[g(sqrt(q) z)] for g from a small menu */
typedef enum { G_SQUARE, G_PHI_DPHI_Z } g1_kind;

/* two dimensions: E[F(u1, u2)] */
typedef enum { P_PRODUCT, P_SQDIFF } pair_kind;

typedef struct {
    quad *w;
    dnc_activation act;
    pair_kind kind;
    dnc_mf_deriv a, b;
    double sq, c, s;
    /* inner state */
    double g1, m, sig;
} pair_ctx;

/* the length map's fixed point */
typedef enum { QS_FINITE, QS_ZERO, QS_DIVERGES, QS_MARGINAL } qstar_kind;

/* ---- meanfield_quad.c: the quadrature itself */
dnc_mf_quadrature dnc_mf_quadrature_mode(void); /* as set by dnc_mf_set_quadrature */
void dnc_mf_ensure_gsl_quiet(void);
bool dnc_mf_is_homogeneous(dnc_activation act);
double dnc_mf_trap_h_accept(double q);
double dnc_mf_integrate_pieces(gsl_integration_workspace *ws, gsl_function *F, double *pts,
                               int npts, double epsrel, double *bad_err);
void dnc_mf_judge(quad *w, double total, double scale, double bad_err);
double dnc_mf_deriv_at(dnc_activation act, dnc_mf_deriv d, double x);
int dnc_mf_kinks(dnc_activation act, double x[2]);
double dnc_mf_expect1(quad *w, dnc_activation act, dnc_mf_deriv d, g1_kind kind, double q);
double dnc_mf_pair_outer(double z1, void *vp);
bool dnc_mf_expect2_trap(pair_ctx *p, double q, double *out);
/* The (u1 + u2, u1 - u2) lattice rule for smooth phi; false when it declines
 * (lattice too long) or does not converge. */
bool dnc_mf_expect2_lattice(quad *w, dnc_activation act, pair_kind kind, dnc_mf_deriv a,
                            dnc_mf_deriv b, double q, double rho, double *out);
void dnc_mf_lattice_free(struct lattice_work *lw);

/* ---- meanfield_mehler.c: the Hermite (Mehler) expansion */
void dnc_mf_mehler_free(struct mehler_work *mw);
bool dnc_mf_mehler_sqdiff(quad *w, dnc_activation act, double q, double rho, double *out);
bool dnc_mf_mehler_product(quad *w, dnc_activation act, dnc_mf_deriv a, dnc_mf_deriv b, double q,
                           double rho, double *out);

/* ---- meanfield_expect.c: workspaces, two-dimensional expectations, argument checks */
dnc_status dnc_mf_quad_init(quad *w);
void dnc_mf_quad_free(quad *w);
double dnc_mf_expect2(quad *w, dnc_activation act, pair_kind kind, dnc_mf_deriv a, dnc_mf_deriv b,
                      double q, double rho);
/* dnc_mf_expect2 for a single expectation at this q (none others follow
 * that could reuse Hermite coefficients): the lattice rule first. */
double dnc_mf_expect2_once(quad *w, dnc_activation act, pair_kind kind, dnc_mf_deriv a,
                           dnc_mf_deriv b, double q, double rho);
dnc_status dnc_mf_check_q_c(double q, double c);
dnc_status dnc_mf_check_act(dnc_activation act);
dnc_status dnc_mf_quad_result(quad *w, double v, const char *what, double *out);

/* ---- meanfield.c: maps, fixed point, analysis */
/* dnc_mf_validate(p), then dnc_mf_quad_init(w) */
dnc_status dnc_mf_quad_for(const dnc_mf_params *p, quad *w);
void dnc_mf_rho_map_with(quad *w, const dnc_mf_params *p, double q, double rho, bool with_bias,
                         double *rho_next, double *q_next);
dnc_status dnc_mf_brent(gsl_function *F, double lo, double hi, double rel, double *root);
dnc_status dnc_mf_q_star_find(quad *w, const dnc_mf_params *p, double *q, qstar_kind *kind);
/* The failure when dnc_mf_q_star_find found no finite q* (kind QS_DIVERGES or
 * QS_MARGINAL): what is wrong, in words. */
dnc_status dnc_mf_no_q_star(const dnc_mf_params *p, qstar_kind kind);
dnc_status dnc_mf_analyse_with(quad *w, const dnc_mf_params *p, dnc_mf_point *o);

#endif
