/* Mean field, expectations: the quadrature workspace, the method for each
 * two-dimensional expectation (Hermite expansion, trapezoidal rule or
 * Gauss-Kronrod), the argument checks and the public expectations. */
#include "dnncrit/meanfield.h"

#include <math.h>

#include <gsl/gsl_integration.h>

#include "analysis/meanfield_internal.h"

dnc_status dnc_mf_quad_init(quad *w)
{
    dnc_mf_ensure_gsl_quiet();
    w->outer = gsl_integration_workspace_alloc(WS_LIMIT);
    w->inner = gsl_integration_workspace_alloc(WS_LIMIT);
    w->mehler = NULL; /* on first use */
    w->lattice = NULL;
    w->failed = false;
    w->inner_bad = 0;
    if (!w->outer || !w->inner) {
        gsl_integration_workspace_free(w->outer);
        gsl_integration_workspace_free(w->inner);
        return dnc_fail(DNC_ENOMEM, "mean field: out of memory for quadrature workspaces");
    }
    return DNC_OK;
}

void dnc_mf_quad_free(quad *w)
{
    gsl_integration_workspace_free(w->outer);
    gsl_integration_workspace_free(w->inner);
    dnc_mf_mehler_free(w->mehler);
    dnc_mf_lattice_free(w->lattice);
}

/* rho = 1 - c is passed separately so that s = sqrt(rho (2 - rho)) keeps
 * its relative precision for c close to 1. */
double dnc_mf_expect2(quad *w, dnc_activation act, pair_kind kind, dnc_mf_deriv a,
                      dnc_mf_deriv b, double q, double rho)
{
    double c = 1.0 - rho;
    if (q == 0)
        return kind == P_PRODUCT ? dnc_mf_deriv_at(act, a, 0) * dnc_mf_deriv_at(act, b, 0) : 0.0;
    pair_ctx p = {.w = w, .act = act, .kind = kind, .a = a, .b = b, .sq = sqrt(q), .c = c,
                  .s = sqrt(fmax(rho * (2.0 - rho), 0.0))};
    double v;
    bool smooth = dnc_activation_is_smooth(act);
    dnc_mf_quadrature quad_mode = dnc_mf_quadrature_mode();
    if (smooth && quad_mode == DNC_MF_QUAD_AUTO &&
        (kind == P_SQDIFF ? dnc_mf_mehler_sqdiff(w, act, q, rho, &v)
                          : dnc_mf_mehler_product(w, act, a, b, q, rho, &v)))
        return v;
    if (smooth && quad_mode == DNC_MF_QUAD_AUTO &&
        dnc_mf_expect2_lattice(w, act, kind, a, b, q, rho, &v))
        return v;
    if (smooth && quad_mode != DNC_MF_QUAD_ADAPTIVE && dnc_mf_expect2_trap(&p, q, &v))
        return v;
    double x[2], pts[4];
    int nk = dnc_mf_kinks(act, x), np = 0;
    for (int i = 0; i < nk; i++) {
        pts[np++] = x[i] / p.sq;
        if (c != 0)
            pts[np++] = x[i] / (p.sq * c); /* where the inner integral is nearly kinked */
    }
    gsl_function F = {dnc_mf_pair_outer, &p};
    w->inner_bad = 0;
    double bad;
    v = dnc_mf_integrate_pieces(w->outer, &F, pts, np, EPSREL_OUTER, &bad);
    /* An inner error e(z1) contributes at most 2 Z_MAX max_z1 e(z1). */
    /* Products can cancel to ~0: measure their errors against the
     * Cauchy-Schwarz bound sqrt(E[g_a^2] E[g_b^2]). */
    double scale = 0;
    if (kind == P_PRODUCT) {
        quad w1 = *w;
        scale = sqrt(dnc_mf_expect1(&w1, act, a, G_SQUARE, q) *
                     dnc_mf_expect1(&w1, act, b, G_SQUARE, q));
    }
    dnc_mf_judge(w, v, scale, bad + 2 * Z_MAX * w->inner_bad);
    return v;
}

/* One expectation at a q where no others follow (f'(c*) for xi_c): beyond
 * q = 1 one lattice sum is cheaper than a set of Hermite coefficients
 * (tanh, q = 8: ~30 us against ~200 us; the phase diagram of
 * README's benchmark spends 20% less time), so the lattice rule goes
 * first there; both are accurate to ~1e-14. */
double dnc_mf_expect2_once(quad *w, dnc_activation act, pair_kind kind, dnc_mf_deriv a,
                           dnc_mf_deriv b, double q, double rho)
{
    double v;
    if (q > 1 && dnc_activation_is_smooth(act) && dnc_mf_quadrature_mode() == DNC_MF_QUAD_AUTO &&
        dnc_mf_expect2_lattice(w, act, kind, a, b, q, rho, &v))
        return v;
    return dnc_mf_expect2(w, act, kind, a, b, q, rho);
}

/* ---------------------------------------------------------------------------
 * Public expectations */

dnc_status dnc_mf_check_q_c(double q, double c)
{
    if (!(q >= 0) || !isfinite(q))
        return dnc_fail(DNC_EINVAL, "mean field: q must be finite and >= 0, got %g", q);
    if (!(c >= -1 && c <= 1))
        return dnc_fail(DNC_EINVAL, "mean field: correlation c must be in [-1, 1], got %g", c);
    return DNC_OK;
}

dnc_status dnc_mf_quad_result(quad *w, double v, const char *what, double *out)
{
    bool failed = w->failed;
    dnc_mf_quad_free(w);
    if (failed || !isfinite(v))
        return dnc_fail(DNC_ENUM, "mean field: quadrature for %s did not converge", what);
    *out = v;
    return DNC_OK;
}

dnc_status dnc_mf_check_act(dnc_activation act)
{
    if ((int)act < 0 || act >= DNC_ACT_COUNT)
        return dnc_fail(DNC_EINVAL, "mean field: invalid activation %d", (int)act);
    return DNC_OK;
}

static dnc_status check_deriv(dnc_mf_deriv d)
{
    if ((int)d < DNC_MF_PHI || d > DNC_MF_D2PHI)
        return dnc_fail(DNC_EINVAL, "mean field: derivative order must be 0, 1 or 2, got %d",
                        (int)d);
    return DNC_OK;
}

dnc_status dnc_mf_gauss_pair(dnc_activation act, dnc_mf_deriv a, dnc_mf_deriv b, double q,
                             double c, double *out)
{
    dnc_status st;
    if ((st = dnc_mf_check_act(act)) || (st = dnc_mf_check_q_c(q, c)) || (st = check_deriv(a)) ||
        (st = check_deriv(b)))
        return st;
    quad w;
    if ((st = dnc_mf_quad_init(&w)))
        return st;
    double v = dnc_mf_expect2(&w, act, P_PRODUCT, a, b, q, 1.0 - c);
    return dnc_mf_quad_result(&w, v, "E[phi(u1) phi(u2)]", out);
}

dnc_status dnc_mf_gauss_square(dnc_activation act, dnc_mf_deriv a, double q, double *out)
{
    dnc_status st;
    if ((st = dnc_mf_check_act(act)) || (st = dnc_mf_check_q_c(q, 0)) || (st = check_deriv(a)))
        return st;
    quad w;
    if ((st = dnc_mf_quad_init(&w)))
        return st;
    double v = dnc_mf_expect1(&w, act, a, G_SQUARE, q);
    return dnc_mf_quad_result(&w, v, "E[phi(u)^2]", out);
}
