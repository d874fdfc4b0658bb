/* Mean field: the critical line sigma_w*(sigma_b), trajectories through
 * the layers and the phase diagram. */
#include "dnncrit/meanfield.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_roots.h>

#include "analysis/meanfield_internal.h"

/* ---------------------------------------------------------------------------
 * Critical line */

typedef struct {
    quad *w;
    dnc_mf_params p;
    dnc_status st;
} chi_ctx;

/* chi_1(sigma_w) - 1, NAN when q* does not exist for this sigma_w. */
static double chi_gap(double sw, void *vp)
{
    chi_ctx *x = vp;
    x->p.sigma_w = sw;
    qstar_kind kind;
    double q;
    if ((x->st = dnc_mf_q_star_find(x->w, &x->p, &q, &kind)))
        return NAN;
    bool finite = kind == QS_FINITE || kind == QS_ZERO;
    if (!finite && !dnc_mf_is_homogeneous(x->p.activation))
        return NAN;
    double qe = finite ? q : 1.0;
    double e = x->p.activation == DNC_ACT_RELU
                   ? 0.5
                   : dnc_mf_expect1(x->w, x->p.activation, DNC_MF_DPHI, G_SQUARE, qe);
    return sw * sw * e - 1.0;
}

/* sigma_b = 0 and phi(0) = 0: q* = 0 is stable with chi_1 = sigma_w^2 phi'(0)^2
 * until sigma_0 = 1 / |phi'(0)|, which is therefore the first root of
 * chi_1 = 1 (Poole et al. 2016). Root finding would only resolve it to
 * ~1e-8, because above sigma_0 chi_1 - 1 grows like (sigma_w - sigma_0)^2
 * (tanh: (4/3) sigma_w^2 q*^2). */
static bool zero_branch_critical(chi_ctx *x, double *sigma_w)
{
    dnc_activation act = x->p.activation;
    double d0 = fabs(dnc_dphi(act, 0.0));
    if (x->p.sigma_b != 0 || dnc_phi(act, 0.0) != 0 || !(d0 > 0) || dnc_mf_is_homogeneous(act))
        return false;
    double s0 = 1.0 / d0;
    qstar_kind kind;
    double q;
    x->p.sigma_w = s0 * (1 - 1e-6);
    if (dnc_mf_q_star_find(x->w, &x->p, &q, &kind) || kind != QS_ZERO)
        return false;
    *sigma_w = s0;
    return true;
}

/* Brent converges to a sign change, which is a jump, not a root, where q*
 * jumps between branches (gelu near sigma_b = 0.4, where the critical line
 * ends): accept only a sigma_w where chi_1 is 1. */
static dnc_status check_root(chi_ctx *x, double sw)
{
    double g = chi_gap(sw, x);
    if (x->st)
        return x->st;
    if (isfinite(g) && fabs(g) < 1e-6)
        return DNC_OK;
    double below = chi_gap(sw * (1 - 1e-9), x), above = chi_gap(sw * (1 + 1e-9), x);
    return dnc_fail(DNC_ENUM, "%s, sigma_b = %g: chi_1 jumps from %.6g to %.6g at sigma_w = %.9g "
                              "(q* changes branch) without reaching 1; no critical point",
                    dnc_activation_name(x->p.activation), x->p.sigma_b, below + 1, above + 1, sw);
}

#define SW_SCAN_MIN 0.05
#define SW_SCAN_MAX 100.0
#define SW_SCAN_FACTOR 1.2

dnc_status dnc_mf_critical_sigma_w(dnc_activation act, double sigma_b, double *sigma_w)
{
    dnc_mf_params p = {act, 1.0, sigma_b};
    quad w;
    dnc_status st = dnc_mf_quad_for(&p, &w);
    if (st)
        return st;
    chi_ctx x = {&w, p, DNC_OK};
    if (dnc_mf_is_homogeneous(act)) { /* chi_1 = sigma_w^2 E[phi'^2] does not depend on q */
        *sigma_w = act == DNC_ACT_RELU ? sqrt(2.0) : 1.0;
        dnc_mf_quad_free(&w);
        return DNC_OK;
    }
    if (zero_branch_critical(&x, sigma_w)) {
        dnc_mf_quad_free(&w);
        return DNC_OK;
    }
    double lo = SW_SCAN_MIN, glo = chi_gap(lo, &x), hi = lo, ghi = glo;
    while (!x.st && isfinite(ghi) && ghi < 0 && hi < SW_SCAN_MAX) {
        lo = hi;
        glo = ghi;
        hi *= SW_SCAN_FACTOR;
        ghi = chi_gap(hi, &x);
    }
    /* q* stopped existing inside [lo, hi]: bisect towards the divergence
     * threshold in case chi_1 reaches 1 just before it. */
    for (int it = 0; it < 60 && !x.st && glo < 0 && !isfinite(ghi); it++) {
        double mid = 0.5 * (lo + hi), g = chi_gap(mid, &x);
        if (!isfinite(g))
            hi = mid;
        else if (g >= 0) {
            hi = mid;
            ghi = g;
        } else {
            lo = mid;
            glo = g;
        }
    }
    if (x.st) {
        st = x.st;
    } else if (!isfinite(glo)) { /* no finite q* already at the start of the scan */
        x.p.sigma_w = SW_SCAN_MIN;
        st = dnc_mf_no_q_star(&x.p, QS_DIVERGES);
    } else if (glo >= 0) {
        st = dnc_fail(DNC_ENUM, "%s, sigma_b = %g: chi_1 >= 1 already at sigma_w = %g; no "
                                "critical point in [%g, %g]",
                      dnc_activation_name(act), sigma_b, SW_SCAN_MIN, SW_SCAN_MIN, SW_SCAN_MAX);
    } else if (!isfinite(ghi)) {
        st = dnc_fail(DNC_ENUM, "%s, sigma_b = %g: chi_1 stays below 1 (%.6g at sigma_w = %.6g) "
                                "up to sigma_w = %.6g, where the length map starts to diverge "
                                "(no finite q*); no critical point with finite q*",
                      dnc_activation_name(act), sigma_b, glo + 1, lo, hi);
    } else if (ghi < 0) {
        st = dnc_fail(DNC_ENUM, "%s, sigma_b = %g: chi_1 < 1 for all sigma_w in [%g, %g]; no "
                                "critical point in range",
                      dnc_activation_name(act), sigma_b, SW_SCAN_MIN, SW_SCAN_MAX);
    } else {
        gsl_function F = {chi_gap, &x};
        st = dnc_mf_brent(&F, lo, hi, 1e-12, sigma_w);
        if (!st && (x.st || w.failed))
            st = x.st ? x.st : dnc_fail(DNC_ENUM, "mean field: quadrature failed near the "
                                                  "critical point");
        if (!st)
            st = check_root(&x, *sigma_w);
    }
    dnc_mf_quad_free(&w);
    return st;
}

/* ---------------------------------------------------------------------------
 * Trajectory */

#define TRAJECTORY_PROGRESS_EVERY 4096

dnc_status dnc_mf_trajectory_rho_progress(const dnc_mf_params *p, double q_in, double c_in,
                                          size_t depth, double *q, double *c, double *rho,
                                          dnc_mf_progress_fn progress, void *progress_ctx)
{
    dnc_status st;
    if ((st = dnc_mf_validate(p)))
        return st;
    if (!(q_in > 0) || !isfinite(q_in))
        return dnc_fail(DNC_EINVAL, "input q must be finite and > 0, got %g", q_in);
    if (!(c_in >= -1 && c_in <= 1))
        return dnc_fail(DNC_EINVAL, "input correlation must be in [-1, 1], got %g", c_in);
    if (depth == 0 || !q)
        return dnc_fail(DNC_EINVAL, "trajectory: depth must be >= 1 with a q buffer");
    quad w;
    if ((st = dnc_mf_quad_init(&w)))
        return st;
    double sw2 = p->sigma_w * p->sigma_w, sb2 = p->sigma_b * p->sigma_b;
    /* Layer 1 is linear in the input: q^1 = sw^2 q_in + sb^2,
     * q^1 - q12^1 = sw^2 q_in (1 - c_in). */
    double ql = sw2 * q_in + sb2;
    double rl = sw2 * q_in * (1.0 - c_in) / ql;
    for (size_t l = 0; l < depth; l++) {
        if (!isfinite(ql) || !(ql > 0) || !isfinite(rl) || w.failed) {
            dnc_mf_quad_free(&w);
            return dnc_fail(DNC_ENUM,
                            "trajectory: q^l = %g at layer %zu (%s): the length map %s", ql,
                            l + 1, dnc_activation_name(p->activation),
                            ql > 0 ? "diverged or the quadrature failed"
                                   : "underflowed to 0 (ordered phase with sigma_b = 0)");
        }
        q[l] = ql;
        if (c)
            c[l] = 1.0 - rl;
        if (rho)
            rho[l] = rl;
        if (l + 1 < depth) {
            double rn, qn;
            dnc_mf_rho_map_with(&w, p, ql, fmin(rl, 2.0), true, &rn, &qn);
            ql = qn;
            rl = rn;
        }
        if (progress && ((l + 1) % TRAJECTORY_PROGRESS_EVERY == 0 || l + 1 == depth))
            progress(progress_ctx, l + 1, depth);
    }
    dnc_mf_quad_free(&w);
    return DNC_OK;
}

dnc_status dnc_mf_trajectory_rho(const dnc_mf_params *p, double q_in, double c_in, size_t depth,
                                 double *q, double *c, double *rho)
{
    return dnc_mf_trajectory_rho_progress(p, q_in, c_in, depth, q, c, rho, NULL, NULL);
}

dnc_status dnc_mf_trajectory(const dnc_mf_params *p, double q_in, double c_in, size_t depth,
                             double *q, double *c)
{
    return dnc_mf_trajectory_rho(p, q_in, c_in, depth, q, c, NULL);
}

/* ---------------------------------------------------------------------------
 * Phase diagram */

static void nan_point(dnc_mf_point *o)
{
    o->q_star = o->chi_1 = o->chi_q = o->kappa = o->xi_q = o->xi_c = o->c_star = o->rho_star =
        NAN;
    o->kappa_exists = false;
    o->phase = DNC_MF_CRITICAL;
}

dnc_status dnc_mf_phase_diagram(dnc_activation act, const double *sigma_b, size_t nb,
                                const double *sigma_w, size_t nw, dnc_mf_point *out,
                                dnc_status *point_status, dnc_mf_progress_fn progress,
                                void *progress_ctx)
{
    dnc_status st = dnc_mf_check_act(act);
    if (st)
        return st;
    if (!sigma_b || !sigma_w || !out || nb == 0 || nw == 0)
        return dnc_fail(DNC_EINVAL, "phase diagram: empty grid");
    for (size_t i = 0; i < nb; i++)
        if (!(sigma_b[i] >= 0) || !isfinite(sigma_b[i]))
            return dnc_fail(DNC_EINVAL, "sigma_b must be finite and >= 0, got %g", sigma_b[i]);
    for (size_t i = 0; i < nw; i++)
        if (!(sigma_w[i] > 0) || !isfinite(sigma_w[i]))
            return dnc_fail(DNC_EINVAL, "sigma_w must be finite and > 0, got %g", sigma_w[i]);
    dnc_mf_ensure_gsl_quiet();
    size_t total = nb * nw, done = 0;
    bool nomem = false;
#pragma omp parallel
    {
        quad w;
        bool ok = dnc_mf_quad_init(&w) == DNC_OK;
        if (!ok) {
#pragma omp atomic write
            nomem = true;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t k = 0; k < total; k++) {
            if (!ok)
                continue;
            dnc_mf_params p = {act, sigma_w[k % nw], sigma_b[k / nw]};
            w.failed = false;
            dnc_status ps = dnc_mf_analyse_with(&w, &p, &out[k]);
            if (ps)
                nan_point(&out[k]);
            if (point_status)
                point_status[k] = ps;
#pragma omp critical(dnc_mf_progress)
            {
                done++;
                if (progress)
                    progress(progress_ctx, done, total);
            }
        }
        if (ok)
            dnc_mf_quad_free(&w);
    }
    if (nomem)
        return dnc_fail(DNC_ENOMEM, "phase diagram: out of memory");
    return DNC_OK;
}
