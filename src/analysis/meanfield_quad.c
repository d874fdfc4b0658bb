/* Mean field, the quadrature: Gaussian expectations in one and two
 * dimensions by the nested trapezoidal rule or adaptive Gauss-Kronrod (see
 * meanfield.c for the numerics). */
#include "dnncrit/meanfield.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "analysis/meanfield_internal.h"
#include "core/gsl_quiet.h"

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

dnc_mf_quadrature dnc_mf_quadrature_mode(void) { return quad_mode; }

double dnc_mf_trap_h_accept(double q) { return fmin(0.25, 0.5 / sqrt(q)); }

static bool trap_converged(double cur, double prev, double abs_sum)
{
    return fabs(cur - prev) <= TRAP_TOL * fabs(cur) + 1e-15 * abs_sum;
}

void dnc_mf_ensure_gsl_quiet(void) { dnc_gsl_quiet(); }

static double npdf(double z) { return INV_SQRT_2PI * exp(-0.5 * z * z); }

bool dnc_mf_is_homogeneous(dnc_activation act)
{
    return act == DNC_ACT_RELU || act == DNC_ACT_LINEAR;
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
double dnc_mf_integrate_pieces(gsl_integration_workspace *ws, gsl_function *F, double *pts,
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
void dnc_mf_judge(quad *w, double total, double scale, double bad_err)
{
    if (!(bad_err <= 1e-11 * fmax(fabs(total), scale)) && bad_err != 0)
        w->failed = true;
    if (!isfinite(total))
        w->failed = true;
}

double dnc_mf_deriv_at(dnc_activation act, dnc_mf_deriv d, double x)
{
    switch (d) {
    case DNC_MF_PHI: return dnc_phi(act, x);
    case DNC_MF_DPHI: return dnc_dphi(act, x);
    default: return dnc_d2phi(act, x);
    }
}

/* Kink positions of phi (and of its derivatives) in the variable x. */
int dnc_mf_kinks(dnc_activation act, double x[2])
{
    double jump[2];
    return dnc_activation_kinks(act, x, jump);
}

/* ---- one dimension: E[g(sqrt(q) z)] for g from a small menu */

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
        double y = dnc_mf_deriv_at(g->act, g->d, x);
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
        if (h <= dnc_mf_trap_h_accept(q) && trap_converged(sum * h, prev, abs_sum * h)) {
            *out = sum * h;
            return true;
        }
    }
    return false;
}

double dnc_mf_expect1(quad *w, dnc_activation act, dnc_mf_deriv d, g1_kind kind, double q)
{
    g1_ctx g = {act, d, kind, sqrt(q)};
    if (q == 0) /* degenerate Gaussian */
        return kind == G_SQUARE ? pow(dnc_mf_deriv_at(act, d, 0.0), 2) : 0.0;
    double v;
    if (dnc_activation_is_smooth(act) && quad_mode != DNC_MF_QUAD_ADAPTIVE &&
        expect1_trap(&g, q, &v))
        return v;
    double x[2], pts[2];
    int nk = dnc_mf_kinks(act, x);
    for (int i = 0; i < nk; i++)
        pts[i] = x[i] / g.sq;
    gsl_function F = {g1_integrand, &g};
    double bad;
    v = dnc_mf_integrate_pieces(w->outer, &F, pts, nk, EPSREL_OUTER, &bad);
    dnc_mf_judge(w, v, 0, bad);
    return v;
}

/* ---- two dimensions: E[F(u1, u2)] */

static double pair_value(const pair_ctx *p, double u2)
{
    if (p->kind == P_PRODUCT)
        return p->g1 * dnc_mf_deriv_at(p->act, p->b, u2);
    double d = p->g1 - dnc_phi(p->act, u2);
    return d * d;
}

static void pair_set_outer(pair_ctx *p, double z1)
{
    double u1 = p->sq * z1;
    p->g1 = p->kind == P_PRODUCT ? dnc_mf_deriv_at(p->act, p->a, u1) : dnc_phi(p->act, u1);
    p->m = p->sq * p->c * z1;
    p->sig = p->sq * p->s;
}

static double pair_inner(double z2, void *vp)
{
    const pair_ctx *p = vp;
    return pair_value(p, p->m + p->sig * z2) * npdf(z2);
}

double dnc_mf_pair_outer(double z1, void *vp)
{
    pair_ctx *p = vp;
    pair_set_outer(p, z1);
    if (p->sig == 0)
        return pair_value(p, p->m) * npdf(z1);
    if (p->kind == P_PRODUCT && p->g1 == 0)
        return 0.0;
    double x[2], pts[2];
    int nk = dnc_mf_kinks(p->act, x);
    for (int i = 0; i < nk; i++)
        pts[i] = (x[i] - p->m) / p->sig;
    gsl_function F = {pair_inner, p};
    double bad;
    double v = dnc_mf_integrate_pieces(p->w->inner, &F, pts, nk, EPSREL_INNER, &bad) * npdf(z1);
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

bool dnc_mf_expect2_trap(pair_ctx *p, double q, double *out)
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
        if (h <= dnc_mf_trap_h_accept(q) && trap_converged(sum * h * h, prev, abs_sum * h * h)) {
            *out = sum * h * h;
            return true;
        }
    }
    return false;
}

/* ---- two dimensions on one lattice: u1 = v + w, u2 = v - w
 *
 * v = (u1 + u2) / 2 and w = (u1 - u2) / 2 are independent centred Gaussians
 * with variances q (2 - rho) / 2 and q rho / 2. With v and w on grids of the
 * same step h (v = i h, w = j h), u1 = (i + j) h and u2 = (i - j) h lie on
 * one lattice, so phi is evaluated once per lattice point (O(n) calls)
 * and the two-dimensional trapezoidal sum costs only multiply-adds:
 *   E[F(u1, u2)] ~ h^2 sum_i p_v(i h) sum_j p_w(j h) F(f[i + j], g[i - j]).
 * The step halves until the sums on steps 2h and h agree to TRAP_TOL (one
 * pass gives both: the coarse lattice is the even (i, j)); as in the
 * z-space rule above the finer sum is then accurate to ~TRAP_TOL^2. The
 * accepted step resolves both Gaussians (h <= sd / 4) and phi's scale in u
 * (h <= LAT_H_MAX = 1/4, at large q half the z-space rule's
 * dnc_mf_trap_h_accept in u units, see below). This is what
 * two-dimensional expectations of smooth activations use when the Hermite
 * expansion does not converge (tanh at large q): the z-space rule needs a
 * tanh per node of the 2D grid. Small rho (or rho near 2) makes the
 * lattice long (h <= sd_w / 4 while v spans 20 sd_v); beyond LAT_MAX_WORK
 * multiply-adds it declines and the z-space rule runs. */

#define LAT_MAX_HALF 65536 /* largest |lattice index| */
#define LAT_MAX_WORK 4000000.0 /* (2 I + 1)(J + 1) per level */
#define LAT_LEVELS 8
/* Largest accepted step in u. For entire phi the step-2h sum can already
 * agree with the step-h sum to TRAP_TOL while the latter is not yet at
 * TRAP_TOL^2: erf, q = 200, c = 0.75 had 1.4e-13 at h = 1/2 (1e-16 at
 * 1/4, against the closed form). tanh (poles at +-i pi/2) converges only
 * from h = 1/4 anyway, so the cap costs it nothing. */
#define LAT_H_MAX 0.25

struct lattice_work {
    size_t cap;   /* entries of each array */
    double *buf;  /* f, g (lattice values), pv, pw (weights) */
};

void dnc_mf_lattice_free(struct lattice_work *lw)
{
    if (lw) {
        free(lw->buf);
        free(lw);
    }
}

static double *lattice_buf(quad *w, size_t n)
{
    if (!w->lattice && !(w->lattice = calloc(1, sizeof *w->lattice)))
        return NULL;
    struct lattice_work *lw = w->lattice;
    if (lw->cap < n) {
        double *b = realloc(lw->buf, 4 * n * sizeof *b);
        if (!b)
            return NULL;
        lw->buf = b;
        lw->cap = n;
    }
    return lw->buf;
}

/* One level: the sums on steps h (fine) and 2h (coarse). */
static bool lattice_level(quad *w, dnc_activation act, pair_kind kind, dnc_mf_deriv a,
                          dnc_mf_deriv b, double sd_v, double sd_w, double h, double *fine,
                          double *coarse, double *abs_fine)
{
    /* I, J even so that the coarse lattice ends on the same points */
    size_t I = 2 * (size_t)ceil(Z_MAX * sd_v / (2 * h));
    size_t J = 2 * (size_t)ceil(Z_MAX * sd_w / (2 * h));
    if (I + J > LAT_MAX_HALF || (2.0 * (double)I + 1) * ((double)J + 1) > LAT_MAX_WORK)
        return false;
    size_t K = I + J, n = 2 * K + 1;
    double *buf = lattice_buf(w, n);
    if (!buf)
        return false;
    size_t cap = w->lattice->cap;
    double *f = buf, *g = buf + cap, *pv = buf + 2 * cap, *pw = buf + 3 * cap;
    bool same = kind == P_SQDIFF || a == b;
    dnc_mf_deriv da = kind == P_SQDIFF ? DNC_MF_PHI : a;
    for (size_t k = 0; k < n; k++) {
        double u = ((double)k - (double)K) * h;
        f[k] = dnc_mf_deriv_at(act, da, u);
        g[k] = same ? f[k] : dnc_mf_deriv_at(act, b, u);
    }
    double cv = INV_SQRT_2PI / sd_v, cw = INV_SQRT_2PI / sd_w;
    for (size_t i = 0; i <= I; i++) {
        double x = (double)i * h / sd_v;
        pv[i] = cv * exp(-0.5 * x * x);
    }
    for (size_t j = 0; j <= J; j++) {
        double x = (double)j * h / sd_w;
        pw[j] = cw * exp(-0.5 * x * x);
    }
    double sf = 0, sc = 0, af = 0;
    const double *fc = f + K, *gc = g + K; /* index -K..K */
    for (long i = -(long)I; i <= (long)I; i++) {
        const double *fi = fc + i, *gi = gc + i;
        /* j = 0 (u1 = u2), then j and -j together, F(u1, u2) + F(u2, u1),
         * odd and even j in separate sums (J is even): the coarse rule
         * takes the even ones */
        double even = kind == P_SQDIFF ? 0.0 : pw[0] * fi[0] * gi[0];
        double odd = 0, abs_even = fabs(even), abs_odd = 0;
        if (kind == P_SQDIFF) {
            for (long j = 1; j < (long)J; j += 2) {
                double d1 = fi[j] - fi[-j], d2 = fi[j + 1] - fi[-j - 1];
                odd += pw[j] * d1 * d1;
                even += pw[j + 1] * d2 * d2;
            }
            odd *= 2;
            even *= 2;
            abs_odd = odd;
            abs_even = even;
        } else {
            for (long j = 1; j < (long)J; j += 2) {
                double t1 = pw[j] * (fi[j] * gi[-j] + fi[-j] * gi[j]);
                double t2 = pw[j + 1] * (fi[j + 1] * gi[-j - 1] + fi[-j - 1] * gi[j + 1]);
                odd += t1;
                even += t2;
                abs_odd += fabs(t1);
                abs_even += fabs(t2);
            }
        }
        double p = pv[i < 0 ? -i : i];
        sf += p * (even + odd);
        af += p * (abs_even + abs_odd);
        if (!(i & 1))
            sc += p * even;
    }
    *fine = sf * h * h;
    *coarse = sc * 4 * h * h;
    *abs_fine = af * h * h;
    return true;
}

bool dnc_mf_expect2_lattice(quad *w, dnc_activation act, pair_kind kind, dnc_mf_deriv a,
                            dnc_mf_deriv b, double q, double rho, double *out)
{
    double sd_v = sqrt(q * fmax(2.0 - rho, 0.0) / 2), sd_w = sqrt(q * rho / 2);
    if (!(sd_v > 0) || !(sd_w > 0) || !isfinite(sd_v) || !isfinite(sd_w))
        return false;
    double h = fmin(LAT_H_MAX, 0.25 * fmin(sd_v, sd_w));
    for (int level = 0; level < LAT_LEVELS; level++, h /= 2) {
        double fine, coarse, abs_fine;
        if (!lattice_level(w, act, kind, a, b, sd_v, sd_w, h, &fine, &coarse, &abs_fine))
            return false;
        if (!isfinite(fine))
            return false;
        if (trap_converged(fine, coarse, abs_fine)) {
            *out = fine;
            return true;
        }
    }
    return false;
}
