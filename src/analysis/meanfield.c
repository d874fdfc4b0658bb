/* Mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017).
 *
 * Numerics:
 * - Gaussian expectations over z ~ N(0, 1) on [-Z_MAX, Z_MAX]. Smooth
 *   activations: nested trapezoidal rule with step halving (geometric
 *   convergence for analytic integrands), falling back to adaptive
 *   Gauss-Kronrod (GSL qag, 41 points) when it has not converged at the
 *   finest step. Kinked activations: adaptive Gauss-Kronrod split at the
 *   kinks so every piece is smooth.
 * - Two-dimensional expectations of smooth activations: by default from
 *   the Hermite (Mehler) expansion of phi, one-dimensional coefficients
 *   with a bounded truncation error (see meanfield_mehler.c). Where it
 *   converges too slowly (large q), on the (u1 + u2, u1 - u2) lattice
 *   (meanfield_quad.c: phi once per lattice point). Where that declines
 *   (rho <~ 1e-6), and for kinked activations, they are nested:
 *   u1 = sqrt(q) z1, u2 = sqrt(q) (c z1 + s z2), s = sqrt(1 - c^2), inner
 *   integral over z2 for each z1. The inner
 *   integrand stays smooth in z2 even as s -> 0, so nothing degenerates near
 *   c = 1; at |c| = 1 the inner integral is replaced by its exact limit.
 * - The correlation map is iterated for rho = 1 - c through
 *   E[(phi(u1) - phi(u2))^2], which avoids the cancellation 1 - f(c) that
 *   would otherwise cost all digits of rho at large depth.
 * - relu uses the arc-cosine kernel (Cho & Saul 2009) in closed form;
 *   dnc_mf_gauss_pair still integrates relu numerically so tests can compare.
 */
#include "dnncrit/meanfield.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>

#include "analysis/meanfield_internal.h"

/* ---- relu closed forms (arc-cosine kernel, Cho & Saul 2009) */

/* sin(t) - t cos(t) without cancellation for small t. */
static double sin_minus_tcos(double t)
{
    if (t > 0.5)
        return sin(t) - t * cos(t);
    /* sum_{k>=1} (-1)^{k+1} 2k t^{2k+1} / (2k+1)! */
    double term = t, sum = 0, t2 = t * t;
    for (int k = 1; k < 20; k++) {
        term *= t2 / ((2.0 * k) * (2.0 * k + 1)); /* t^{2k+1}/(2k+1)! */
        double add = (k % 2 ? 1.0 : -1.0) * 2.0 * k * term;
        sum += add;
        if (fabs(add) < 1e-18 * fabs(sum))
            break;
    }
    return sum;
}

static double relu_theta(double rho)
{
    /* 1 - cos t = 2 sin^2(t/2) keeps t accurate for small rho. */
    return 2.0 * asin(sqrt(fmin(rho, 2.0) / 2.0));
}

/* E[(relu(u1) - relu(u2))^2] = (q/pi) (pi rho - (sin t - t cos t)). */
static double relu_sqdiff(double q, double rho)
{
    double t = relu_theta(rho);
    return q / DNC_PI * (DNC_PI * rho - sin_minus_tcos(t));
}

/* E[relu'(u1) relu'(u2)] = (pi - t) / (2 pi). */
static double relu_dprod(double rho) { return (DNC_PI - relu_theta(rho)) / (2.0 * DNC_PI); }
/* ---------------------------------------------------------------------------
 * Maps */

dnc_status dnc_mf_validate(const dnc_mf_params *p)
{
    if (!p)
        return dnc_fail(DNC_EINVAL, "mean field: no parameters");
    dnc_status st = dnc_mf_check_act(p->activation);
    if (st)
        return st;
    if (!isfinite(p->sigma_w) || !(p->sigma_w > 0))
        return dnc_fail(DNC_EINVAL, "sigma_w must be finite and > 0, got %g", p->sigma_w);
    if (!isfinite(p->sigma_b) || !(p->sigma_b >= 0))
        return dnc_fail(DNC_EINVAL, "sigma_b must be finite and >= 0, got %g", p->sigma_b);
    return DNC_OK;
}

dnc_status dnc_mf_quad_for(const dnc_mf_params *p, quad *w)
{
    dnc_status st = dnc_mf_validate(p);
    return st ? st : dnc_mf_quad_init(w);
}

static double q_map(quad *w, const dnc_mf_params *p, double q)
{
    double e = p->activation == DNC_ACT_RELU
                   ? 0.5 * q
                   : dnc_mf_expect1(w, p->activation, DNC_MF_PHI, G_SQUARE, q);
    return p->sigma_w * p->sigma_w * e + p->sigma_b * p->sigma_b;
}

/* q' from q; with_bias = false gives the scale-free (sigma_b -> 0 relative
 * to q) map used when q* is 0 or infinite. */
static double q_next_for(quad *w, const dnc_mf_params *p, double q, bool with_bias)
{
    double qn = q_map(w, p, q);
    return with_bias ? qn : qn - p->sigma_b * p->sigma_b;
}

/* rho' from (q, rho) and q' = q_next_for(q): callers that map many rho at
 * one q compute q' once. */
static double rho_next_for(quad *w, const dnc_mf_params *p, double q, double rho, double qn)
{
    double sw2 = p->sigma_w * p->sigma_w;
    double dist = p->activation == DNC_ACT_RELU
                      ? relu_sqdiff(q, rho)
                      : dnc_mf_expect2(w, p->activation, P_SQDIFF, DNC_MF_PHI, DNC_MF_PHI, q, rho);
    return qn > 0 ? 0.5 * sw2 * dist / qn : NAN;
}

/* rho' and q' from (q, rho). */
void dnc_mf_rho_map_with(quad *w, const dnc_mf_params *p, double q, double rho, bool with_bias,
                         double *rho_next, double *q_next)
{
    double qn = q_next_for(w, p, q, with_bias);
    *rho_next = rho_next_for(w, p, q, rho, qn);
    if (q_next)
        *q_next = qn;
}

static dnc_status check_rho_args(const dnc_mf_params *p, double q, double c)
{
    dnc_status st;
    if ((st = dnc_mf_validate(p)) || (st = dnc_mf_check_q_c(q, c)))
        return st;
    if (q == 0)
        return dnc_fail(DNC_EINVAL, "mean field: the correlation map needs q > 0");
    return DNC_OK;
}

dnc_status dnc_mf_q_map(const dnc_mf_params *p, double q, double *q_next)
{
    dnc_status st;
    if ((st = dnc_mf_validate(p)) || (st = dnc_mf_check_q_c(q, 0)))
        return st;
    quad w;
    if ((st = dnc_mf_quad_init(&w)))
        return st;
    double v = q_map(&w, p, q);
    return dnc_mf_quad_result(&w, v, "the length map", q_next);
}

dnc_status dnc_mf_rho_map(const dnc_mf_params *p, double q, double rho, double *rho_next,
                          double *q_next)
{
    dnc_status st;
    if ((st = check_rho_args(p, q, 1.0 - rho)))
        return st;
    if (!(rho >= 0 && rho <= 2))
        return dnc_fail(DNC_EINVAL, "mean field: rho must be in [0, 2], got %g", rho);
    quad w;
    if ((st = dnc_mf_quad_init(&w)))
        return st;
    double r, qn;
    dnc_mf_rho_map_with(&w, p, q, rho, true, &r, &qn);
    if (q_next)
        *q_next = qn;
    return dnc_mf_quad_result(&w, r, "the correlation map", rho_next);
}

dnc_status dnc_mf_c_map(const dnc_mf_params *p, double q, double c, double *c_next)
{
    double r;
    dnc_status st = dnc_mf_rho_map(p, q, 1.0 - c, &r, NULL);
    if (!st)
        *c_next = 1.0 - r;
    return st;
}

/* sum_ij J_i J_j p(x_i, x_j): E of the delta parts of phi''(u1) phi''(u2)
 * (the regular part of phi'' vanishes for relu and hard_tanh). */
static double kink_d2_pair(dnc_activation act, double q, double c)
{
    double x[2], jump[2];
    int n = dnc_activation_kinks(act, x, jump);
    double s2 = 1.0 - c * c;
    if (s2 <= 0)
        return INFINITY;
    double sum = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double e = (x[i] * x[i] - 2 * c * x[i] * x[j] + x[j] * x[j]) / (2 * q * s2);
            sum += jump[i] * jump[j] * exp(-e) / (2 * DNC_PI * q * sqrt(s2));
        }
    return sum;
}

static void c_map_derivs(quad *w, const dnc_mf_params *p, double q, double rho, bool with_bias,
                         double *df, double *d2f)
{
    double sw2 = p->sigma_w * p->sigma_w;
    double qn = q_map(w, p, q);
    if (!with_bias)
        qn -= p->sigma_b * p->sigma_b;
    dnc_activation act = p->activation;
    double e1 = act == DNC_ACT_RELU
                    ? relu_dprod(rho)
                    : dnc_mf_expect2_once(w, act, P_PRODUCT, DNC_MF_DPHI, DNC_MF_DPHI, q, rho);
    *df = sw2 * q * e1 / qn;
    if (!d2f)
        return;
    double e2;
    if (dnc_activation_is_smooth(act))
        e2 = dnc_mf_expect2(w, act, P_PRODUCT, DNC_MF_D2PHI, DNC_MF_D2PHI, q, rho);
    else
        e2 = kink_d2_pair(act, q, 1.0 - rho);
    *d2f = sw2 * q * q * e2 / qn;
}

dnc_status dnc_mf_c_map_derivatives(const dnc_mf_params *p, double q, double c, double *df,
                                    double *d2f)
{
    dnc_status st;
    if ((st = check_rho_args(p, q, c)))
        return st;
    quad w;
    if ((st = dnc_mf_quad_init(&w)))
        return st;
    double d1, d2 = 0;
    c_map_derivs(&w, p, q, 1.0 - c, true, &d1, d2f ? &d2 : NULL);
    if (d2f)
        *d2f = d2;
    return dnc_mf_quad_result(&w, d1, "the correlation map derivative", df);
}

/* ---------------------------------------------------------------------------
 * Length-map fixed point */

typedef struct {
    quad *w;
    const dnc_mf_params *p;
} qroot_ctx;

static double q_gap(double q, void *vp)
{
    qroot_ctx *r = vp;
    return q_map(r->w, r->p, q) - q;
}

dnc_status dnc_mf_brent(gsl_function *F, double lo, double hi, double rel, double *root)
{
    dnc_mf_ensure_gsl_quiet();
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return dnc_fail(DNC_ENOMEM, "mean field: out of memory for the root finder");
    int st = gsl_root_fsolver_set(s, F, lo, hi);
    for (int it = 0; !st && it < 200; it++) {
        st = gsl_root_fsolver_iterate(s);
        lo = gsl_root_fsolver_x_lower(s);
        hi = gsl_root_fsolver_x_upper(s);
        if (!st && gsl_root_test_interval(lo, hi, 1e-300, rel) == GSL_SUCCESS)
            break;
    }
    *root = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    if (st)
        return dnc_fail(DNC_ENUM, "mean field: root finding failed (%s)", gsl_strerror(st));
    return DNC_OK;
}

#define Q_HUGE 1e12

static dnc_status q_star_closed(const dnc_mf_params *p, double *q, qstar_kind *kind)
{
    /* relu: q' = (sw^2/2) q + sb^2; linear: q' = sw^2 q + sb^2. */
    double a = p->sigma_w * p->sigma_w * (p->activation == DNC_ACT_RELU ? 0.5 : 1.0);
    double b2 = p->sigma_b * p->sigma_b;
    if (fabs(a - 1) <= 8 * DBL_EPSILON) /* sqrt(2)^2 / 2 is 1 + 2^-52 in doubles */
        a = 1;
    if (a < 1) {
        *q = b2 / (1 - a);
        *kind = b2 > 0 ? QS_FINITE : QS_ZERO;
    } else if (a == 1 && b2 == 0) {
        *q = NAN;
        *kind = QS_MARGINAL;
    } else {
        *q = INFINITY;
        *kind = QS_DIVERGES;
    }
    return DNC_OK;
}

dnc_status dnc_mf_q_star_find(quad *w, const dnc_mf_params *p, double *q, qstar_kind *kind)
{
    if (dnc_mf_is_homogeneous(p->activation))
        return q_star_closed(p, q, kind);
    qroot_ctx ctx = {w, p};
    double hi = 1.0;
    while (q_gap(hi, &ctx) >= 0) {
        hi *= 2;
        if (hi > Q_HUGE) {
            *q = INFINITY;
            *kind = QS_DIVERGES;
            return DNC_OK;
        }
    }
    double lo = 0;
    if (!(q_gap(0, &ctx) > 0)) {
        /* phi(0) = 0 and sigma_b = 0: q = 0 is a fixed point; look for a
         * positive stable one below hi. */
        lo = hi;
        do {
            lo /= 2;
        } while (lo > 1e-30 && !(q_gap(lo, &ctx) > 0));
        if (!(lo > 1e-30)) {
            *q = 0;
            *kind = QS_ZERO;
            return DNC_OK;
        }
    }
    gsl_function F = {q_gap, &ctx};
    dnc_status st = dnc_mf_brent(&F, lo, hi, 1e-14, q);
    if (st)
        return st;
    *kind = QS_FINITE;
    return w->failed ? dnc_fail(DNC_ENUM, "mean field: quadrature failed in the length map")
                     : DNC_OK;
}

dnc_status dnc_mf_no_q_star(const dnc_mf_params *p, qstar_kind kind)
{
    const char *name = dnc_activation_name(p->activation);
    /* q* >= sigma_b^2 for any phi, and dnc_mf_q_star_find tries q = 1, 2, 4, ...
     * up to the last power of two below Q_HUGE: a larger q* is not found. */
    double searched = ldexp(1.0, (int)floor(log2(Q_HUGE)));
    if (kind == QS_DIVERGES && !dnc_mf_is_homogeneous(p->activation) &&
        p->sigma_b * p->sigma_b >= searched)
        return dnc_fail(DNC_ENUM,
                        "%s with sigma_b = %g: q* >= sigma_b^2 = %g lies beyond the largest q "
                        "the mean-field solver searches (%.4g); sigma_b must be below %.6g",
                        name, p->sigma_b, p->sigma_b * p->sigma_b, searched, sqrt(searched));
    if (kind == QS_MARGINAL)
        return dnc_fail(DNC_ENUM,
                        "%s with sigma_w = %g, sigma_b = 0: every q is a fixed point of the "
                        "length map (marginal); q* is not unique",
                        name, p->sigma_w);
    return dnc_fail(DNC_ENUM,
                    "%s with sigma_w = %g, sigma_b = %g: the length map diverges (q^l grows "
                    "without bound), so there is no finite q*%s",
                    name, p->sigma_w, p->sigma_b,
                    p->activation == DNC_ACT_RELU ? " (relu: needs sigma_w^2 < 2)"
                    : p->activation == DNC_ACT_LINEAR ? " (linear: needs sigma_w < 1)"
                                                      : "");
}

dnc_status dnc_mf_q_fixed_point(const dnc_mf_params *p, double *q_star)
{
    quad w;
    dnc_status st = dnc_mf_quad_for(p, &w);
    if (st)
        return st;
    qstar_kind kind;
    double q;
    st = dnc_mf_q_star_find(&w, p, &q, &kind);
    dnc_mf_quad_free(&w);
    if (st)
        return st;
    if (kind == QS_DIVERGES || kind == QS_MARGINAL)
        return dnc_mf_no_q_star(p, kind);
    *q_star = q;
    return DNC_OK;
}

/* ---------------------------------------------------------------------------
 * Analysis */

const char *dnc_mf_phase_name(dnc_mf_phase phase)
{
    switch (phase) {
    case DNC_MF_ORDERED: return "ordered";
    case DNC_MF_CRITICAL: return "critical";
    case DNC_MF_CHAOTIC: return "chaotic";
    }
    return "unknown";
}

const char *dnc_mf_kappa_note(dnc_activation act)
{
    if (act == DNC_ACT_RELU)
        return "relu: phi'' is a delta at 0, so f''(c) = sigma_w^2 / (2 pi sqrt(1 - c^2)) "
               "diverges at c = 1; f(c) = c + (2 sqrt2 / (3 pi)) (1 - c)^{3/2} + ... at "
               "criticality is non-analytic and rho(l) ~ (9 pi^2 / 2) / l^2 instead of "
               "1 / (kappa l)";
    if (act == DNC_ACT_HARD_TANH)
        return "hard_tanh: phi'' has deltas at +-1, so f''(c) ~ (1 - c)^{-1/2} diverges at "
               "c = 1; the expansion of f near c = 1 has a (1 - c)^{3/2} term and no kappa";
    return "";
}

typedef struct {
    quad *w;
    const dnc_mf_params *p;
    double q;
    double q_next; /* q_next_for(q): the same for every rho */
} cfix_ctx;

/* rho' - rho: positive where rho grows. */
static double rho_gap(double rho, void *vp)
{
    cfix_ctx *x = vp;
    return rho_next_for(x->w, x->p, x->q, rho, x->q_next) - rho;
}

/* Stable fixed point rho* in (0, 2] of the rho map: the first + to -
 * crossing of rho' - rho going up from small rho. rho_gap(0) = 0 always;
 * in the chaotic phase rho_gap > 0 just above 0. */
static dnc_status find_rho_star(cfix_ctx *x, double chi_1, double *rho_star)
{
    double lo = fmin(fmax((chi_1 - 1) * 1e-3, 1e-12), 1e-2);
    int tries = 0;
    while (!(rho_gap(lo, x) > 0)) {
        lo /= 10;
        if (++tries > 8) {
            *rho_star = 0; /* indistinguishable from the ordered fixed point */
            return DNC_OK;
        }
    }
    /* Geometric steps up to rho = 1 (c = 0), then finer ones to 2 so that a
     * negative stretch between 1 and 2 (odd phi, sigma_b = 0: c* = 0, with
     * the unstable c = -1 at rho = 2) is not stepped over. */
    static const double tail[] = {1.0, 1.25, 1.5, 1.75, 1.9, 2.0};
    size_t ti = 0;
    double hi = lo;
    double g;
    for (;;) {
        hi = 4 * hi < 1.0 ? 4 * hi : tail[ti++];
        g = rho_gap(hi, x);
        if (!(g > 0) || hi >= 2.0)
            break;
        lo = hi;
    }
    if (g > 0)
        return dnc_fail(DNC_ENUM, "mean field: no stable correlation fixed point found");
    if (g == 0) {
        *rho_star = hi;
        return DNC_OK;
    }
    gsl_function F = {rho_gap, x};
    return dnc_mf_brent(&F, lo, hi, 1e-12, rho_star);
}

static double depth_scale(double slope)
{
    if (!(slope > 0))
        return 0.0;
    if (slope == 1)
        return INFINITY;
    return -1.0 / log(slope);
}

dnc_status dnc_mf_analyse_with(quad *w, const dnc_mf_params *p, dnc_mf_point *o)
{
    qstar_kind kind;
    double q;
    dnc_status st = dnc_mf_q_star_find(w, p, &q, &kind);
    if (st)
        return st;
    bool finite = kind == QS_FINITE || kind == QS_ZERO;
    if (!finite && !dnc_mf_is_homogeneous(p->activation))
        return dnc_mf_no_q_star(p, kind);
    o->q_star = kind == QS_MARGINAL ? NAN : q;
    /* For relu and linear, chi_1 and the bias-free correlation map do not
     * depend on q; q = 1 stands for the scale-free limit. */
    double qe = finite ? q : 1.0;
    bool with_bias = kind == QS_FINITE;
    dnc_activation act = p->activation;
    double sw2 = p->sigma_w * p->sigma_w;
    o->chi_1 =
        sw2 * (act == DNC_ACT_RELU ? 0.5 : dnc_mf_expect1(w, act, DNC_MF_DPHI, G_SQUARE, qe));
    if (act == DNC_ACT_RELU)
        o->chi_q = 0.5 * sw2;
    else if (qe == 0)
        o->chi_q = sw2 * (pow(dnc_dphi(act, 0), 2) + dnc_phi(act, 0) * dnc_d2phi(act, 0));
    else
        o->chi_q = sw2 * dnc_mf_expect1(w, act, DNC_MF_PHI, G_PHI_DPHI_Z, qe) / sqrt(qe);
    o->kappa_exists = dnc_activation_is_smooth(act) && finite;
    o->kappa = o->kappa_exists
                   ? 0.5 * sw2 * q * dnc_mf_expect1(w, act, DNC_MF_D2PHI, G_SQUARE, q)
                   : NAN;
    o->xi_q = o->chi_q < 1 ? depth_scale(o->chi_q) : INFINITY;
    if (fabs(o->chi_1 - 1) <= DNC_MF_CRITICAL_TOL)
        o->phase = DNC_MF_CRITICAL;
    else
        o->phase = o->chi_1 < 1 ? DNC_MF_ORDERED : DNC_MF_CHAOTIC;
    o->rho_star = 0;
    if (o->phase == DNC_MF_CHAOTIC && qe > 0) {
        cfix_ctx x = {w, p, qe, q_next_for(w, p, qe, with_bias)};
        if ((st = find_rho_star(&x, o->chi_1, &o->rho_star)))
            return st;
    }
    o->c_star = 1.0 - o->rho_star;
    if (o->rho_star > 0) {
        double df;
        c_map_derivs(w, p, qe, o->rho_star, with_bias, &df, NULL);
        o->xi_c = depth_scale(df);
    } else {
        /* Critical, or chaotic without a c* < 1 (relu/linear in the
         * scale-free limit, where rho decays as a power law): no finite
         * correlation depth scale. */
        o->xi_c = o->phase == DNC_MF_ORDERED ? depth_scale(o->chi_1) : INFINITY;
    }
    if (w->failed)
        return dnc_fail(DNC_ENUM, "mean field: quadrature did not converge for %s, sigma_w = %g, "
                                  "sigma_b = %g",
                        dnc_activation_name(act), p->sigma_w, p->sigma_b);
    return DNC_OK;
}

dnc_status dnc_mf_analyse(const dnc_mf_params *p, dnc_mf_point *out)
{
    quad w;
    dnc_status st = dnc_mf_quad_for(p, &w);
    if (st)
        return st;
    dnc_mf_point o;
    st = dnc_mf_analyse_with(&w, p, &o);
    dnc_mf_quad_free(&w);
    if (!st)
        *out = o;
    return st;
}
