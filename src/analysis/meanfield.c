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
 *   with a bounded truncation error (see "Hermite (Mehler) expansion"
 *   below). Where it converges too slowly (large q), and for kinked
 *   activations, they are nested: u1 = sqrt(q) z1, u2 = sqrt(q) (c z1 + s z2),
 *   s = sqrt(1 - c^2), inner integral over z2 for each z1. The inner
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

/* Gaussian weight beyond |z| = 10 is < 8e-23, below double precision of any
 * expectation here even for integrands growing like z^2. */
#define Z_MAX 10.0
#define WS_LIMIT 400
#define EPSREL_INNER 1e-13
#define EPSREL_OUTER 1e-12
#define INV_SQRT_2PI 0.39894228040143267794
#define DNC_PI 3.14159265358979323846
#define MAX_BREAKS 8

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

/* ---------------------------------------------------------------------------
 * Quadrature
 *
 * Smooth activations: the trapezoidal rule on [-Z_MAX, Z_MAX] with the step
 * halved until two successive steps agree to TRAP_TOL relative. For an
 * integrand analytic in a strip |Im z| < d the trapezoidal error falls like
 * exp(-2 pi d / h), so halving h squares the relative error and the finer
 * sum is far more accurate than the difference (Trefethen & Weideman,
 * SIAM Rev. 56, 385 (2014)); nested grids reuse every evaluation. The
 * coarsest accepted step resolves the scale 1/sqrt(q) of phi(sqrt(q) z).
 * When the finest step still disagrees (large q: tanh's poles at
 * +-i pi / (2 sqrt q) approach the real axis), or for kinked activations,
 * adaptive Gauss-Kronrod split at the kinks takes over. */

#define TRAP_H0 0.5
#define TRAP_LEVELS 6 /* finest step TRAP_H0 / 32 */
#define TRAP_MAX_NODES 1300 /* > 2 Z_MAX 32 / TRAP_H0 + 1 = 1281 */
/* Accept when successive sums differ by < TRAP_TOL relative: the error of
 * the finer sum is then ~ TRAP_TOL^2 (the convergence is geometric in 1/h),
 * measured against adaptive quadrature in tests/test_meanfield.c. */
#define TRAP_TOL 1e-7

static dnc_mf_quadrature quad_mode = DNC_MF_QUAD_AUTO;

void dnc_mf_set_quadrature(dnc_mf_quadrature mode) { quad_mode = mode; }

static double trap_h_accept(double q) { return fmin(0.25, 0.5 / sqrt(q)); }

static bool trap_converged(double cur, double prev, double abs_sum)
{
    return fabs(cur - prev) <= TRAP_TOL * fabs(cur) + 1e-15 * abs_sum;
}

static void gsl_quiet(void) { gsl_set_error_handler_off(); }
static void ensure_gsl_quiet(void) { pthread_once(&gsl_once, gsl_quiet); }

static double npdf(double z) { return INV_SQRT_2PI * exp(-0.5 * z * z); }

static bool is_homogeneous(dnc_activation act)
{
    return act == DNC_ACT_RELU || act == DNC_ACT_LINEAR;
}

struct mehler_work;
static void mehler_free(struct mehler_work *mw);

typedef struct {
    gsl_integration_workspace *outer, *inner;
    struct mehler_work *mehler; /* Hermite coefficients and their scratch */
    bool failed;
    double inner_bad; /* max over z1 of npdf(z1) * (error of a non-converged inner integral) */
} quad;

static dnc_status quad_init(quad *w)
{
    ensure_gsl_quiet();
    w->outer = gsl_integration_workspace_alloc(WS_LIMIT);
    w->inner = gsl_integration_workspace_alloc(WS_LIMIT);
    w->mehler = NULL; /* on first use */
    w->failed = false;
    w->inner_bad = 0;
    if (!w->outer || !w->inner) {
        gsl_integration_workspace_free(w->outer);
        gsl_integration_workspace_free(w->inner);
        return dnc_fail(DNC_ENOMEM, "mean field: out of memory for quadrature workspaces");
    }
    return DNC_OK;
}

static void quad_free(quad *w)
{
    gsl_integration_workspace_free(w->outer);
    gsl_integration_workspace_free(w->inner);
    mehler_free(w->mehler);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Integral of F over [-Z_MAX, Z_MAX] split at the given interior points.
 * *bad_err collects the error estimates of pieces that did not reach the
 * tolerance (GSL_EROUND, tolerance below roundoff, counts as reached: the
 * result is as accurate as double precision allows). */
static double integrate_pieces(gsl_integration_workspace *ws, gsl_function *F, double *pts,
                               int npts, double epsrel, double *bad_err)
{
    double edges[MAX_BREAKS + 2];
    int n = 0;
    edges[n++] = -Z_MAX;
    for (int i = 0; i < npts; i++)
        if (pts[i] > -Z_MAX && pts[i] < Z_MAX && isfinite(pts[i]))
            edges[n++] = pts[i];
    edges[n++] = Z_MAX;
    qsort(edges, (size_t)n, sizeof edges[0], cmp_double);
    double total = 0;
    *bad_err = 0;
    for (int i = 0; i + 1 < n; i++) {
        if (!(edges[i + 1] > edges[i]))
            continue;
        double r = 0, err = 0;
        int st = gsl_integration_qag(F, edges[i], edges[i + 1], 0.0, epsrel, WS_LIMIT,
                                     GSL_INTEG_GAUSS41, ws, &r, &err);
        if (st && st != GSL_EROUND)
            *bad_err += isfinite(err) ? err : INFINITY;
        if (!isfinite(r))
            *bad_err = INFINITY;
        total += r;
    }
    return total;
}

/* Marks the quadrature failed unless the unconverged pieces are
 * negligible against the total. */
static void judge(quad *w, double total, double scale, double bad_err)
{
    if (!(bad_err <= 1e-11 * fmax(fabs(total), scale)) && bad_err != 0)
        w->failed = true;
    if (!isfinite(total))
        w->failed = true;
}

static double deriv(dnc_activation act, dnc_mf_deriv d, double x)
{
    switch (d) {
    case DNC_MF_PHI: return dnc_phi(act, x);
    case DNC_MF_DPHI: return dnc_dphi(act, x);
    default: return dnc_d2phi(act, x);
    }
}

/* Kink positions of phi (and of its derivatives) in the variable x. */
static int kinks(dnc_activation act, double x[2])
{
    double jump[2];
    return dnc_activation_kinks(act, x, jump);
}

/* ---- one dimension: E[g(sqrt(q) z)] for g from a small menu */

typedef enum { G_SQUARE, G_PHI_DPHI_Z } g1_kind;

typedef struct {
    dnc_activation act;
    dnc_mf_deriv d;
    g1_kind kind;
    double sq;
} g1_ctx;

static double g1_value(const g1_ctx *g, double z)
{
    double x = g->sq * z;
    if (g->kind == G_SQUARE) {
        double y = deriv(g->act, g->d, x);
        return y * y;
    }
    return dnc_phi(g->act, x) * dnc_dphi(g->act, x) * z;
}

static double g1_integrand(double z, void *vp) { return g1_value(vp, z) * npdf(z); }

static bool expect1_trap(const g1_ctx *g, double q, double *out)
{
    double h = TRAP_H0, sum = 0, abs_sum = 0, prev = NAN;
    size_t n = (size_t)(2 * Z_MAX / h + 0.5);
    for (size_t i = 0; i <= n; i++) {
        double z = -Z_MAX + (double)i * h, t = g1_value(g, z) * npdf(z);
        sum += t;
        abs_sum += fabs(t);
    }
    for (int k = 1; k < TRAP_LEVELS; k++) {
        prev = sum * h;
        h /= 2;
        n *= 2;
        for (size_t i = 1; i <= n; i += 2) {
            double z = -Z_MAX + (double)i * h, t = g1_value(g, z) * npdf(z);
            sum += t;
            abs_sum += fabs(t);
        }
        if (h <= trap_h_accept(q) && trap_converged(sum * h, prev, abs_sum * h)) {
            *out = sum * h;
            return true;
        }
    }
    return false;
}

static double expect1(quad *w, dnc_activation act, dnc_mf_deriv d, g1_kind kind, double q)
{
    g1_ctx g = {act, d, kind, sqrt(q)};
    if (q == 0) /* degenerate Gaussian */
        return kind == G_SQUARE ? pow(deriv(act, d, 0.0), 2) : 0.0;
    double v;
    if (dnc_activation_is_smooth(act) && quad_mode != DNC_MF_QUAD_ADAPTIVE &&
        expect1_trap(&g, q, &v))
        return v;
    double x[2], pts[2];
    int nk = kinks(act, x);
    for (int i = 0; i < nk; i++)
        pts[i] = x[i] / g.sq;
    gsl_function F = {g1_integrand, &g};
    double bad;
    v = integrate_pieces(w->outer, &F, pts, nk, EPSREL_OUTER, &bad);
    judge(w, v, 0, bad);
    return v;
}

/* ---- two dimensions: E[F(u1, u2)] */

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

static double pair_value(const pair_ctx *p, double u2)
{
    if (p->kind == P_PRODUCT)
        return p->g1 * deriv(p->act, p->b, u2);
    double d = p->g1 - dnc_phi(p->act, u2);
    return d * d;
}

static void pair_set_outer(pair_ctx *p, double z1)
{
    double u1 = p->sq * z1;
    p->g1 = p->kind == P_PRODUCT ? deriv(p->act, p->a, u1) : dnc_phi(p->act, u1);
    p->m = p->sq * p->c * z1;
    p->sig = p->sq * p->s;
}

static double pair_inner(double z2, void *vp)
{
    const pair_ctx *p = vp;
    return pair_value(p, p->m + p->sig * z2) * npdf(z2);
}

static double pair_outer(double z1, void *vp)
{
    pair_ctx *p = vp;
    pair_set_outer(p, z1);
    if (p->sig == 0)
        return pair_value(p, p->m) * npdf(z1);
    if (p->kind == P_PRODUCT && p->g1 == 0)
        return 0.0;
    double x[2], pts[2];
    int nk = kinks(p->act, x);
    for (int i = 0; i < nk; i++)
        pts[i] = (x[i] - p->m) / p->sig;
    gsl_function F = {pair_inner, p};
    double bad;
    double v = integrate_pieces(p->w->inner, &F, pts, nk, EPSREL_INNER, &bad) * npdf(z1);
    if (bad * npdf(z1) > p->w->inner_bad)
        p->w->inner_bad = bad * npdf(z1);
    return v;
}

/* Sum over the rows i of a (n + 1)^2 grid of step h, visiting only the
 * points not on the coarser grid when `fresh` (all points otherwise). */
static void trap2_add(pair_ctx *p, size_t n, double h, bool fresh, double *sum, double *abs_sum)
{
    double wz[TRAP_MAX_NODES];
    for (size_t j = 0; j <= n; j++)
        wz[j] = npdf(-Z_MAX + (double)j * h);
    for (size_t i = 0; i <= n; i++) {
        double z1 = -Z_MAX + (double)i * h;
        pair_set_outer(p, z1);
        bool row_new = !fresh || (i % 2 == 1);
        if (p->sig == 0) { /* |c| = 1: the z2 sum is 1 to double precision */
            double t = row_new ? pair_value(p, p->m) * wz[i] : 0.0;
            *sum += t / h;
            *abs_sum += fabs(t) / h;
            continue;
        }
        size_t j0 = row_new ? 0 : 1, dj = row_new ? 1 : 2;
        double row = 0, abs_row = 0;
        for (size_t j = j0; j <= n; j += dj) {
            double z2 = -Z_MAX + (double)j * h;
            double t = pair_value(p, p->m + p->sig * z2) * wz[j];
            row += t;
            abs_row += fabs(t);
        }
        *sum += row * wz[i];
        *abs_sum += abs_row * wz[i];
    }
}

static bool expect2_trap(pair_ctx *p, double q, double *out)
{
    double h = TRAP_H0, sum = 0, abs_sum = 0;
    size_t n = (size_t)(2 * Z_MAX / h + 0.5);
    trap2_add(p, n, h, false, &sum, &abs_sum);
    for (int k = 1; k < TRAP_LEVELS; k++) {
        double prev = sum * h * h;
        h /= 2;
        n *= 2;
        if (n + 1 > TRAP_MAX_NODES)
            return false;
        trap2_add(p, n, h, true, &sum, &abs_sum);
        if (h <= trap_h_accept(q) && trap_converged(sum * h * h, prev, abs_sum * h * h)) {
            *out = sum * h * h;
            return true;
        }
    }
    return false;
}

/* ---- Hermite (Mehler) expansion for smooth activations
 *
 * With the orthonormal Hermite polynomials h_k (E[h_j(z) h_k(z)] = delta_jk)
 * and g(sqrt(q) z) = sum_k beta_k h_k(z), Mehler's formula gives for the
 * correlated pair u1 = sqrt(q) z1, u2 = sqrt(q)(c z1 + sqrt(1 - c^2) z2)
 *   E[g_a(u1) g_b(u2)] = sum_k beta^a_k beta^b_k c^k,
 *   E[(phi(u1) - phi(u2))^2] = 2 sum_{k>=1} beta_k^2 (1 - c^k)
 * (the "dual activation" of Daniely et al. 2016). So a two-dimensional
 * expectation costs one set of one-dimensional coefficients, and
 * e_k = 1 - c^k obeys e_k = rho + c e_{k-1}: a sum of non-negative terms for
 * c >= 0, so rho' keeps full relative precision as rho -> 0 (no
 * cancellation, and none from phi(u1) - phi(u2) either).
 *
 * Truncation after K terms is bounded by Parseval: the tails
 * T0 = E[g^2] - sum_{k<=K} beta_k^2 and, for phi,
 * T1 = q E[phi'(u)^2] - sum_{k<=K} k beta_k^2 (the coefficients of
 * d/dz phi(sqrt(q) z) are sqrt(k) beta_k) are computed from independent
 * one-dimensional sums, and since 0 <= 1 - c^k <= min(2, k rho) the sqdiff
 * error is at most 2 min(2 T0, rho T1). A call whose bound exceeds
 * MEHLER_TOL relative returns false and the caller falls back to the 2D
 * trapezoidal rule / Gauss-Kronrod.
 *
 * The coefficients beta_k = int g(sqrt(q) z) psi_k(z) psi_0(z) dz, with the
 * Hermite functions psi_k = h_k sqrt(pdf) (stable upward recurrence,
 * |psi_k| <= 1), use the trapezoidal rule on [0, MEHLER_Z] folded with
 * psi_k(-z) = (-1)^k psi_k(z); beyond MEHLER_Z, psi_0 < 1e-18. Steps h and
 * 2h share nodes, and a level is accepted when both give the same E[g^2],
 * E[g'^2] and sum beta_k^2 (weighted by 1 and k) to MEHLER_LEVEL_TOL: the
 * trapezoidal error squares when h halves (see above), so the finer sums
 * are then accurate to ~MEHLER_LEVEL_TOL^2. Activations whose expansion
 * needs more than MEHLER_KMAX terms (tanh at q >~ 13: its poles at
 * +-i pi / (2 sqrt q) make beta_k^2 decay only like exp(-pi sqrt(2k / q)))
 * fall back. Kinked activations are never expanded (algebraic decay). */

#define MEHLER_Z 13.0
#define MEHLER_KMAX 2000
#define MEHLER_H_MIN (1.0 / 64)
#define MEHLER_HALF_NODES 424 /* >= MEHLER_Z / (2 MEHLER_H_MIN) + 2, padded to 4 */
/* Stop at tails below this * E[g^2]. The tails are differences of sums
 * accumulated in long double: in double their rounding floor is ~2e-15
 * itself and the expansion would sometimes never stop. */
#define MEHLER_TAIL_TOL 2e-15
#define MEHLER_LEVEL_TOL 1e-7
#define MEHLER_TOL 1e-12 /* accepted bound on the truncation error, relative */
#define INV_FOURTH_ROOT_2PI 0.63161877774606470129

struct hermite_set {
    bool cached, ok;
    dnc_activation act;
    double q;
    int K;          /* beta[0..K] */
    double e0;      /* E[g^2] */
    double t1;      /* q E[phi'^2] - sum_{k<=K} k beta_k^2 (phi only, NAN otherwise) */
    double beta[MEHLER_KMAX + 1];
    double tail[MEHLER_KMAX + 1]; /* E[g^2] - sum_{j<=k} beta_j^2 */
    double t_check[2];            /* relative tail at the last two checkpoints */
};

/* Scratch for one level: coarse (even) and fine-only (odd) nodes on z >= 0. */
typedef struct {
    double z[MEHLER_HALF_NODES], gp[MEHLER_HALF_NODES], gm[MEHLER_HALF_NODES];
    double p0[MEHLER_HALF_NODES], p1[MEHLER_HALF_NODES];
    int n;
} mehler_nodes;

/* Allocated on first use (kinked activations never need it), one
 * coefficient set per derivative order as needed: a call that needs only
 * phi's set stays below malloc's mmap threshold, which keeps per-call
 * workspaces free of page faults. */
struct mehler_work {
    struct hermite_set *set[3]; /* by dnc_mf_deriv */
    mehler_nodes even, odd;
};

static void mehler_free(struct mehler_work *mw)
{
    if (!mw)
        return;
    for (int d = 0; d < 3; d++)
        free(mw->set[d]);
    free(mw);
}

/* The set for derivative order d, allocated on first use; NULL when out of
 * memory (the callers then fall back to the trapezoidal rule). */
static struct hermite_set *mehler_set(quad *w, dnc_mf_deriv d)
{
    if (!w->mehler) {
        if (!(w->mehler = malloc(sizeof *w->mehler)))
            return NULL;
        for (int k = 0; k < 3; k++)
            w->mehler->set[k] = NULL;
    }
    struct hermite_set **s = &w->mehler->set[d];
    if (!*s && (*s = malloc(sizeof **s)))
        (*s)->cached = false;
    return *s;
}

typedef enum { LEVEL_OK, LEVEL_REFINE, LEVEL_GIVE_UP } level_result;

/* Fills the nodes z = (2 i + parity) h of one parity class; returns the
 * contributions (weight h, z = 0 counted once) to E[g^2] and q E[phi'^2]. */
static void mehler_fill(mehler_nodes *nd, int parity, int m, double h, dnc_activation act,
                        dnc_mf_deriv d, double sq, double *e0, double *e1)
{
    nd->n = 0;
    long double a0 = 0, a1 = 0;
    for (int j = parity; j <= m; j += 2) {
        double z = j * h, psi0 = INV_FOURTH_ROOT_2PI * exp(-0.25 * z * z);
        double x[2] = {sq * z, -sq * z}, y[2], dy[2];
        if (d == DNC_MF_PHI) /* phi and phi' together (one tanh for both) */
            dnc_phi_array(act, x, y, dy, 2);
        else
            y[0] = deriv(act, d, x[0]), y[1] = deriv(act, d, x[1]);
        double gpos = y[0], gneg = y[1];
        double w = psi0 * psi0 * h;
        int i = nd->n++;
        nd->z[i] = z;
        nd->p0[i] = 0;
        nd->p1[i] = psi0;
        if (j == 0) {
            nd->gp[i] = gpos * psi0 * h;
            nd->gm[i] = 0;
            a0 += gpos * gpos * w;
        } else {
            nd->gp[i] = (gpos + gneg) * psi0 * h;
            nd->gm[i] = (gpos - gneg) * psi0 * h;
            a0 += (gpos * gpos + gneg * gneg) * w;
        }
        if (d == DNC_MF_PHI)
            a1 += (j == 0 ? dy[0] * dy[0] : dy[0] * dy[0] + dy[1] * dy[1]) * w;
    }
    for (int i = nd->n; i % 4; i++) /* zero padding for mehler_step */
        nd->z[i] = nd->gp[i] = nd->gm[i] = nd->p0[i] = nd->p1[i] = 0;
    *e0 = (double)a0;
    *e1 = (double)(a1 * sq * sq); /* (d/dz) phi(sqrt(q) z) = sqrt(q) phi' */
}

/* sum_i g_i psi_k(z_i) for the current k, then psi_k -> psi_{k+1}
 * (psi_{k+1} = (z psi_k - sqrt(k) psi_{k-1}) / sqrt(k + 1)). Two-lane
 * vectors and two accumulators (GCC/Clang vector extension; the node
 * arrays are padded with zeros to a multiple of 4): this loop is where
 * the time goes. */
typedef double v2d __attribute__((vector_size(16)));

static double mehler_step(mehler_nodes *nd, int k)
{
    const double *g = k % 2 ? nd->gm : nd->gp;
    double a = 1.0 / sqrt(k + 1.0), b = sqrt(k / (k + 1.0));
    v2d va = {a, a}, vb = {b, b}, s0 = {0, 0}, s1 = {0, 0};
    for (int i = 0; i < nd->n; i += 4) {
        v2d c0, c1, p0, p1, z0, z1, g0, g1;
        memcpy(&c0, nd->p1 + i, sizeof c0);
        memcpy(&c1, nd->p1 + i + 2, sizeof c1);
        memcpy(&p0, nd->p0 + i, sizeof p0);
        memcpy(&p1, nd->p0 + i + 2, sizeof p1);
        memcpy(&z0, nd->z + i, sizeof z0);
        memcpy(&z1, nd->z + i + 2, sizeof z1);
        memcpy(&g0, g + i, sizeof g0);
        memcpy(&g1, g + i + 2, sizeof g1);
        s0 += g0 * c0;
        s1 += g1 * c1;
        v2d n0 = va * z0 * c0 - vb * p0, n1 = va * z1 * c1 - vb * p1;
        memcpy(nd->p1 + i, &n0, sizeof n0);
        memcpy(nd->p1 + i + 2, &n1, sizeof n1);
        memcpy(nd->p0 + i, &c0, sizeof c0);
        memcpy(nd->p0 + i + 2, &c1, sizeof c1);
    }
    v2d s = s0 + s1;
    return s[0] + s[1];
}

/* Largest k whose Hermite function the coarse step 2h still samples to
 * ~1e-8: the Fourier transform of h_k(z) pdf(z) is (i w)^k e^{-w^2/2} /
 * sqrt(k!) (up to a constant), and the trapezoidal error of step 2h is its
 * size at w = pi / h. Higher k on this level would fail the comparison of
 * the two steps anyway, so the level is refined at once. */
static int mehler_k_resolved(double h)
{
    double w = DNC_PI / h, lw = log(w);
    /* log of the bound, increasing in k for k < w^2; ln k! by Stirling
     * (lgamma is not thread-safe: it sets signgam) */
    int lo = 0, hi = (int)fmin(MEHLER_KMAX + 1.0, w * w);
    while (hi - lo > 1) {
        int k = (lo + hi) / 2;
        double lfact = k * log(k) - k + 0.5 * log(2 * DNC_PI * k) + 1.0 / (12.0 * k);
        if (k * lw - 0.5 * w * w - 0.5 * lfact <= -18.4)
            lo = k;
        else
            hi = k;
    }
    return lo;
}

/* At k = 128, 256, 512, 1024: extrapolates the relative tail as
 * ln t = a + b sqrt(k) (the decay of analytic-in-a-strip activations like
 * tanh, slower than that of entire ones) and gives up when it would reach
 * MEHLER_TAIL_TOL only beyond 2 MEHLER_KMAX, instead of computing
 * coefficients that will not be used. */
static bool mehler_hopeless(struct hermite_set *s, int k, double t)
{
    if (k < 128 || (k & (k - 1)))
        return false;
    double prev = s->t_check[1];
    s->t_check[0] = prev;
    s->t_check[1] = t;
    if (k == 128 || !(t > 0) || !(prev > 0))
        return false;
    double x1 = sqrt(k / 2.0), x2 = sqrt((double)k);
    double slope = (log(t) - log(prev)) / (x2 - x1);
    if (!(slope < 0))
        return true;
    double x = x2 + (log(MEHLER_TAIL_TOL) - log(t)) / slope;
    return x * x > 2.0 * MEHLER_KMAX;
}

/* The step for the next level when this one stopped at k_res with the
 * relative tails t_half at k_res / 2 and t_res at k_res: extrapolate the
 * number of terms needed with ln t = a + b sqrt(k) (pessimistic for
 * entire activations, so the step errs on the small side) and take the
 * largest step whose k_res covers it with 25% margin; at least a factor
 * 1.25 finer, and half the step when the tails give no estimate. */
static double mehler_next_h(double h, int k_res, double t_half, double t_res)
{
    if (!(t_half > 0 && t_res > 0 && t_res < t_half) || k_res < 8)
        return h / 2;
    double x1 = sqrt(k_res / 2.0), x2 = sqrt((double)k_res);
    double slope = (log(t_res) - log(t_half)) / (x2 - x1);
    double x = x2 + (log(MEHLER_TAIL_TOL) - log(t_res)) / slope;
    double target = fmin(1.25 * x * x + 8, MEHLER_KMAX);
    double hn = h / 1.25;
    while (hn >= MEHLER_H_MIN && mehler_k_resolved(hn) < target)
        hn /= 1.1;
    return hn;
}

/* Coefficients on the grid of step h (and 2h for the comparison). */
static level_result mehler_level(struct mehler_work *mw, struct hermite_set *s, dnc_mf_deriv d,
                                 double sq, double h, double *h_next)
{
    *h_next = h / 2;
    int m = (int)(MEHLER_Z / h + 0.5);
    if (m / 2 + 4 > MEHLER_HALF_NODES)
        return LEVEL_GIVE_UP;
    double e0e, e1e, e0o, e1o;
    mehler_fill(&mw->even, 0, m, h, s->act, d, sq, &e0e, &e1e);
    mehler_fill(&mw->odd, 1, m, h, s->act, d, sq, &e0o, &e1o);
    double e0 = e0e + e0o, e1 = e1e + e1o, e0c = 2 * e0e, e1c = 2 * e1e;
    bool phi = d == DNC_MF_PHI;
    if (!isfinite(e0) || !isfinite(e1))
        return LEVEL_GIVE_UP;
    /* phi itself not resolved by the coarse step: no use expanding */
    if (!(fabs(e0 - e0c) <= MEHLER_LEVEL_TOL * e0) ||
        (phi && !(fabs(e1 - e1c) <= MEHLER_LEVEL_TOL * e1)))
        return LEVEL_REFINE;
    long double s0 = 0, s1 = 0; /* see MEHLER_TAIL_TOL */
    double dev0 = 0, dev1 = 0, t_half = NAN;
    int k_res = mehler_k_resolved(h);
    for (int k = 0; k <= MEHLER_KMAX; k++) {
        double be = mehler_step(&mw->even, k), bo = mehler_step(&mw->odd, k);
        double bf = be + bo, bc = 2 * be, b2 = bf * bf;
        s->beta[k] = bf;
        s0 += b2;
        s1 += k * b2;
        s->tail[k] = (double)(e0 - s0);
        dev0 += fabs(b2 - bc * bc);
        dev1 += k * fabs(b2 - bc * bc);
        double t0 = (double)(e0 - s0), t1 = (double)(e1 - s1), t = phi ? t1 / e1 : t0 / e0;
        /* Negative tails beyond rounding: the grid does not resolve psi_k
         * (the discrete Hermite functions are no longer orthonormal). */
        if (t0 < -1e-13 * e0 || (phi && t1 < -1e-13 * e1))
            return LEVEL_REFINE;
        if (mehler_hopeless(s, k, t))
            return LEVEL_GIVE_UP;
        if (t0 <= MEHLER_TAIL_TOL * e0 && (!phi || t1 <= MEHLER_TAIL_TOL * e1)) {
            bool converged = dev0 <= MEHLER_LEVEL_TOL * e0 &&
                             (!phi || dev1 <= MEHLER_LEVEL_TOL * e1);
            if (!converged)
                return LEVEL_REFINE;
            s->K = k;
            s->e0 = e0;
            s->t1 = phi ? t1 : NAN;
            return LEVEL_OK;
        }
        if (k == k_res / 2)
            t_half = t;
        if (k == k_res) { /* higher k would not be resolved by the coarse step */
            *h_next = mehler_next_h(h, k_res, t_half, t);
            return LEVEL_REFINE;
        }
    }
    return LEVEL_GIVE_UP; /* the expansion converges too slowly */
}

/* Coefficients of g = phi^(d) at q, cached per workspace (the last q per d). */
static const struct hermite_set *hermite_coeffs(quad *w, dnc_activation act, dnc_mf_deriv d,
                                                double q)
{
    struct hermite_set *s = mehler_set(w, d);
    if (!s)
        return NULL;
    if (!(s->cached && s->act == act && s->q == q)) {
        s->cached = true;
        s->act = act;
        s->q = q;
        s->ok = false;
        double sq = sqrt(q);
        for (double h = trap_h_accept(q), h_next; h >= MEHLER_H_MIN; h = h_next) {
            level_result r = mehler_level(w->mehler, s, d, sq, h, &h_next);
            if (r != LEVEL_REFINE) {
                s->ok = r == LEVEL_OK;
                break;
            }
        }
    }
    return s->ok ? s : NULL;
}

/* E[(phi(u1) - phi(u2))^2] by the Mehler expansion; false when the
 * truncation bound is not below MEHLER_TOL relative. */
static bool mehler_sqdiff(quad *w, dnc_activation act, double q, double rho, double *out)
{
    const struct hermite_set *s = hermite_coeffs(w, act, DNC_MF_PHI, q);
    if (!s)
        return false;
    double c = 1.0 - rho, e = 0, sum = 0;
    for (int k = 1; k <= s->K; k++) {
        e = rho + c * e; /* 1 - c^k */
        sum += s->beta[k] * s->beta[k] * e;
    }
    double t0 = fmax(s->tail[s->K], 0), t1 = fmax(s->t1, 0);
    double bound = 2 * fmin((c >= 0 ? 1 : 2) * t0, rho * t1);
    if (bound > 0 && !(bound <= MEHLER_TOL * 2 * sum)) /* bound = 0: exact (e.g. rho = 0) */
        return false;
    *out = 2 * sum;
    return true;
}

/* E[phi^(a)(u1) phi^(b)(u2)]; the truncation error is at most
 * sqrt(T0_a(K) T0_b(K)) (Cauchy-Schwarz on the tails), judged against the
 * scale sqrt(E[g_a^2] E[g_b^2]). */
static bool mehler_product(quad *w, dnc_activation act, dnc_mf_deriv a, dnc_mf_deriv b,
                           double q, double rho, double *out)
{
    const struct hermite_set *sa = hermite_coeffs(w, act, a, q);
    const struct hermite_set *sb = sa ? hermite_coeffs(w, act, b, q) : NULL;
    if (!sb)
        return false;
    int K = sa->K < sb->K ? sa->K : sb->K;
    double c = 1.0 - rho, ck = 1, sum = 0;
    for (int k = 0; k <= K; k++) {
        sum += sa->beta[k] * sb->beta[k] * ck;
        ck *= c;
    }
    double bound = sqrt(fmax(sa->tail[K], 0) * fmax(sb->tail[K], 0));
    if (!(bound <= MEHLER_TOL * sqrt(sa->e0 * sb->e0)) && bound != 0)
        return false;
    *out = sum;
    return true;
}

/* rho = 1 - c is passed separately so that s = sqrt(rho (2 - rho)) keeps
 * its relative precision for c close to 1. */
static double expect2(quad *w, dnc_activation act, pair_kind kind, dnc_mf_deriv a,
                      dnc_mf_deriv b, double q, double rho)
{
    double c = 1.0 - rho;
    if (q == 0)
        return kind == P_PRODUCT ? deriv(act, a, 0) * deriv(act, b, 0) : 0.0;
    pair_ctx p = {.w = w, .act = act, .kind = kind, .a = a, .b = b, .sq = sqrt(q), .c = c,
                  .s = sqrt(fmax(rho * (2.0 - rho), 0.0))};
    double v;
    bool smooth = dnc_activation_is_smooth(act);
    if (smooth && quad_mode == DNC_MF_QUAD_AUTO &&
        (kind == P_SQDIFF ? mehler_sqdiff(w, act, q, rho, &v)
                          : mehler_product(w, act, a, b, q, rho, &v)))
        return v;
    if (smooth && quad_mode != DNC_MF_QUAD_ADAPTIVE && expect2_trap(&p, q, &v))
        return v;
    double x[2], pts[4];
    int nk = kinks(act, x), np = 0;
    for (int i = 0; i < nk; i++) {
        pts[np++] = x[i] / p.sq;
        if (c != 0)
            pts[np++] = x[i] / (p.sq * c); /* where the inner integral is nearly kinked */
    }
    gsl_function F = {pair_outer, &p};
    w->inner_bad = 0;
    double bad;
    v = integrate_pieces(w->outer, &F, pts, np, EPSREL_OUTER, &bad);
    /* An inner error e(z1) contributes at most 2 Z_MAX max_z1 e(z1). */
    /* Products can cancel to ~0: measure their errors against the
     * Cauchy-Schwarz bound sqrt(E[g_a^2] E[g_b^2]). */
    double scale = 0;
    if (kind == P_PRODUCT) {
        quad w1 = *w;
        scale = sqrt(expect1(&w1, act, a, G_SQUARE, q) * expect1(&w1, act, b, G_SQUARE, q));
    }
    judge(w, v, scale, bad + 2 * Z_MAX * w->inner_bad);
    return v;
}

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
 * Public expectations */

static dnc_status check_q_c(double q, double c)
{
    if (!(q >= 0) || !isfinite(q))
        return dnc_fail(DNC_EINVAL, "mean field: q must be finite and >= 0, got %g", q);
    if (!(c >= -1 && c <= 1))
        return dnc_fail(DNC_EINVAL, "mean field: correlation c must be in [-1, 1], got %g", c);
    return DNC_OK;
}

static dnc_status quad_result(quad *w, double v, const char *what, double *out)
{
    bool failed = w->failed;
    quad_free(w);
    if (failed || !isfinite(v))
        return dnc_fail(DNC_ENUM, "mean field: quadrature for %s did not converge", what);
    *out = v;
    return DNC_OK;
}

static dnc_status check_act(dnc_activation act)
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
    if ((st = check_act(act)) || (st = check_q_c(q, c)) || (st = check_deriv(a)) ||
        (st = check_deriv(b)))
        return st;
    quad w;
    if ((st = quad_init(&w)))
        return st;
    double v = expect2(&w, act, P_PRODUCT, a, b, q, 1.0 - c);
    return quad_result(&w, v, "E[phi(u1) phi(u2)]", out);
}

dnc_status dnc_mf_gauss_square(dnc_activation act, dnc_mf_deriv a, double q, double *out)
{
    dnc_status st;
    if ((st = check_act(act)) || (st = check_q_c(q, 0)) || (st = check_deriv(a)))
        return st;
    quad w;
    if ((st = quad_init(&w)))
        return st;
    double v = expect1(&w, act, a, G_SQUARE, q);
    return quad_result(&w, v, "E[phi(u)^2]", out);
}

/* ---------------------------------------------------------------------------
 * Maps */

dnc_status dnc_mf_validate(const dnc_mf_params *p)
{
    if (!p)
        return dnc_fail(DNC_EINVAL, "mean field: no parameters");
    dnc_status st = check_act(p->activation);
    if (st)
        return st;
    if (!isfinite(p->sigma_w) || !(p->sigma_w > 0))
        return dnc_fail(DNC_EINVAL, "sigma_w must be finite and > 0, got %g", p->sigma_w);
    if (!isfinite(p->sigma_b) || !(p->sigma_b >= 0))
        return dnc_fail(DNC_EINVAL, "sigma_b must be finite and >= 0, got %g", p->sigma_b);
    return DNC_OK;
}

static double q_map(quad *w, const dnc_mf_params *p, double q)
{
    double e = p->activation == DNC_ACT_RELU ? 0.5 * q
                                             : expect1(w, p->activation, DNC_MF_PHI, G_SQUARE, q);
    return p->sigma_w * p->sigma_w * e + p->sigma_b * p->sigma_b;
}

/* rho' and q' from (q, rho); with_bias = false gives the scale-free
 * (sigma_b -> 0 relative to q) map used when q* is 0 or infinite. */
static void rho_map(quad *w, const dnc_mf_params *p, double q, double rho, bool with_bias,
                    double *rho_next, double *q_next)
{
    double sw2 = p->sigma_w * p->sigma_w;
    double qn = q_map(w, p, q);
    if (!with_bias)
        qn -= p->sigma_b * p->sigma_b;
    double dist = p->activation == DNC_ACT_RELU
                      ? relu_sqdiff(q, rho)
                      : expect2(w, p->activation, P_SQDIFF, DNC_MF_PHI, DNC_MF_PHI, q, rho);
    *rho_next = qn > 0 ? 0.5 * sw2 * dist / qn : NAN;
    if (q_next)
        *q_next = qn;
}

static dnc_status check_rho_args(const dnc_mf_params *p, double q, double c)
{
    dnc_status st;
    if ((st = dnc_mf_validate(p)) || (st = check_q_c(q, c)))
        return st;
    if (q == 0)
        return dnc_fail(DNC_EINVAL, "mean field: the correlation map needs q > 0");
    return DNC_OK;
}

dnc_status dnc_mf_q_map(const dnc_mf_params *p, double q, double *q_next)
{
    dnc_status st;
    if ((st = dnc_mf_validate(p)) || (st = check_q_c(q, 0)))
        return st;
    quad w;
    if ((st = quad_init(&w)))
        return st;
    double v = q_map(&w, p, q);
    return quad_result(&w, v, "the length map", q_next);
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
    if ((st = quad_init(&w)))
        return st;
    double r, qn;
    rho_map(&w, p, q, rho, true, &r, &qn);
    if (q_next)
        *q_next = qn;
    return quad_result(&w, r, "the correlation map", rho_next);
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
                    : expect2(w, act, P_PRODUCT, DNC_MF_DPHI, DNC_MF_DPHI, q, rho);
    *df = sw2 * q * e1 / qn;
    if (!d2f)
        return;
    double e2;
    if (dnc_activation_is_smooth(act))
        e2 = expect2(w, act, P_PRODUCT, DNC_MF_D2PHI, DNC_MF_D2PHI, q, rho);
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
    if ((st = quad_init(&w)))
        return st;
    double d1, d2 = 0;
    c_map_derivs(&w, p, q, 1.0 - c, true, &d1, d2f ? &d2 : NULL);
    if (d2f)
        *d2f = d2;
    return quad_result(&w, d1, "the correlation map derivative", df);
}

/* ---------------------------------------------------------------------------
 * Length-map fixed point */

typedef enum { QS_FINITE, QS_ZERO, QS_DIVERGES, QS_MARGINAL } qstar_kind;

typedef struct {
    quad *w;
    const dnc_mf_params *p;
} qroot_ctx;

static double q_gap(double q, void *vp)
{
    qroot_ctx *r = vp;
    return q_map(r->w, r->p, q) - q;
}

static dnc_status brent(gsl_function *F, double lo, double hi, double rel, double *root)
{
    ensure_gsl_quiet();
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

static dnc_status q_star_find(quad *w, const dnc_mf_params *p, double *q, qstar_kind *kind)
{
    if (is_homogeneous(p->activation))
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
    dnc_status st = brent(&F, lo, hi, 1e-14, q);
    if (st)
        return st;
    *kind = QS_FINITE;
    return w->failed ? dnc_fail(DNC_ENUM, "mean field: quadrature failed in the length map")
                     : DNC_OK;
}

static dnc_status q_star_error(const dnc_mf_params *p, qstar_kind kind)
{
    const char *name = dnc_activation_name(p->activation);
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
    dnc_status st = dnc_mf_validate(p);
    if (st)
        return st;
    quad w;
    if ((st = quad_init(&w)))
        return st;
    qstar_kind kind;
    double q;
    st = q_star_find(&w, p, &q, &kind);
    quad_free(&w);
    if (st)
        return st;
    if (kind == QS_DIVERGES || kind == QS_MARGINAL)
        return q_star_error(p, kind);
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
    bool with_bias;
} cfix_ctx;

/* rho' - rho: positive where rho grows. */
static double rho_gap(double rho, void *vp)
{
    cfix_ctx *x = vp;
    double rn;
    rho_map(x->w, x->p, x->q, rho, x->with_bias, &rn, NULL);
    return rn - rho;
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
    return brent(&F, lo, hi, 1e-12, rho_star);
}

static double depth_scale(double slope)
{
    if (!(slope > 0))
        return 0.0;
    if (slope == 1)
        return INFINITY;
    return -1.0 / log(slope);
}

static dnc_status analyse(quad *w, const dnc_mf_params *p, dnc_mf_point *o)
{
    qstar_kind kind;
    double q;
    dnc_status st = q_star_find(w, p, &q, &kind);
    if (st)
        return st;
    bool finite = kind == QS_FINITE || kind == QS_ZERO;
    if (!finite && !is_homogeneous(p->activation))
        return q_star_error(p, kind);
    o->q_star = kind == QS_MARGINAL ? NAN : q;
    /* For relu and linear, chi_1 and the bias-free correlation map do not
     * depend on q; q = 1 stands for the scale-free limit. */
    double qe = finite ? q : 1.0;
    bool with_bias = kind == QS_FINITE;
    dnc_activation act = p->activation;
    double sw2 = p->sigma_w * p->sigma_w;
    o->chi_1 = sw2 * (act == DNC_ACT_RELU ? 0.5 : expect1(w, act, DNC_MF_DPHI, G_SQUARE, qe));
    if (act == DNC_ACT_RELU)
        o->chi_q = 0.5 * sw2;
    else if (qe == 0)
        o->chi_q = sw2 * (pow(dnc_dphi(act, 0), 2) + dnc_phi(act, 0) * dnc_d2phi(act, 0));
    else
        o->chi_q = sw2 * expect1(w, act, DNC_MF_PHI, G_PHI_DPHI_Z, qe) / sqrt(qe);
    o->kappa_exists = dnc_activation_is_smooth(act) && finite;
    o->kappa = o->kappa_exists
                   ? 0.5 * sw2 * q * expect1(w, act, DNC_MF_D2PHI, G_SQUARE, q)
                   : NAN;
    o->xi_q = o->chi_q < 1 ? depth_scale(o->chi_q) : INFINITY;
    if (fabs(o->chi_1 - 1) <= DNC_MF_CRITICAL_TOL)
        o->phase = DNC_MF_CRITICAL;
    else
        o->phase = o->chi_1 < 1 ? DNC_MF_ORDERED : DNC_MF_CHAOTIC;
    o->rho_star = 0;
    if (o->phase == DNC_MF_CHAOTIC && qe > 0) {
        cfix_ctx x = {w, p, qe, with_bias};
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
    dnc_status st = dnc_mf_validate(p);
    if (st)
        return st;
    quad w;
    if ((st = quad_init(&w)))
        return st;
    dnc_mf_point o;
    st = analyse(&w, p, &o);
    quad_free(&w);
    if (!st)
        *out = o;
    return st;
}

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
    if ((x->st = q_star_find(x->w, &x->p, &q, &kind)))
        return NAN;
    bool finite = kind == QS_FINITE || kind == QS_ZERO;
    if (!finite && !is_homogeneous(x->p.activation))
        return NAN;
    double qe = finite ? q : 1.0;
    double e = x->p.activation == DNC_ACT_RELU
                   ? 0.5
                   : expect1(x->w, x->p.activation, DNC_MF_DPHI, G_SQUARE, qe);
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
    if (x->p.sigma_b != 0 || dnc_phi(act, 0.0) != 0 || !(d0 > 0) || is_homogeneous(act))
        return false;
    double s0 = 1.0 / d0;
    qstar_kind kind;
    double q;
    x->p.sigma_w = s0 * (1 - 1e-6);
    if (q_star_find(x->w, &x->p, &q, &kind) || kind != QS_ZERO)
        return false;
    *sigma_w = s0;
    return true;
}

#define SW_SCAN_MIN 0.05
#define SW_SCAN_MAX 100.0
#define SW_SCAN_FACTOR 1.2

dnc_status dnc_mf_critical_sigma_w(dnc_activation act, double sigma_b, double *sigma_w)
{
    dnc_mf_params p = {act, 1.0, sigma_b};
    dnc_status st = dnc_mf_validate(&p);
    if (st)
        return st;
    quad w;
    if ((st = quad_init(&w)))
        return st;
    chi_ctx x = {&w, p, DNC_OK};
    if (is_homogeneous(act)) { /* chi_1 = sigma_w^2 E[phi'^2] does not depend on q */
        *sigma_w = act == DNC_ACT_RELU ? sqrt(2.0) : 1.0;
        quad_free(&w);
        return DNC_OK;
    }
    if (zero_branch_critical(&x, sigma_w)) {
        quad_free(&w);
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
        st = brent(&F, lo, hi, 1e-12, sigma_w);
        if (!st && (x.st || w.failed))
            st = x.st ? x.st : dnc_fail(DNC_ENUM, "mean field: quadrature failed near the "
                                                  "critical point");
    }
    quad_free(&w);
    return st;
}

/* ---------------------------------------------------------------------------
 * Trajectory */

dnc_status dnc_mf_trajectory_rho(const dnc_mf_params *p, double q_in, double c_in, size_t depth,
                                 double *q, double *c, double *rho)
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
    if ((st = quad_init(&w)))
        return st;
    double sw2 = p->sigma_w * p->sigma_w, sb2 = p->sigma_b * p->sigma_b;
    /* Layer 1 is linear in the input: q^1 = sw^2 q_in + sb^2,
     * q^1 - q12^1 = sw^2 q_in (1 - c_in). */
    double ql = sw2 * q_in + sb2;
    double rl = sw2 * q_in * (1.0 - c_in) / ql;
    for (size_t l = 0; l < depth; l++) {
        if (!isfinite(ql) || !(ql > 0) || !isfinite(rl) || w.failed) {
            quad_free(&w);
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
            rho_map(&w, p, ql, fmin(rl, 2.0), true, &rn, &qn);
            ql = qn;
            rl = rn;
        }
    }
    quad_free(&w);
    return DNC_OK;
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
    dnc_status st = check_act(act);
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
    ensure_gsl_quiet();
    size_t total = nb * nw, done = 0;
    bool nomem = false;
#pragma omp parallel
    {
        quad w;
        bool ok = quad_init(&w) == DNC_OK;
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
            dnc_status ps = analyse(&w, &p, &out[k]);
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
            quad_free(&w);
    }
    if (nomem)
        return dnc_fail(DNC_ENOMEM, "phase diagram: out of memory");
    return DNC_OK;
}
