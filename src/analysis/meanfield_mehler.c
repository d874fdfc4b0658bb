/* Mean field, the Hermite (Mehler) expansion of two-dimensional Gaussian
 * expectations of smooth activations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/meanfield_internal.h"

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
 * trapezoidal error squares when h halves (meanfield_quad.c), so the finer sums
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

void dnc_mf_mehler_free(struct mehler_work *mw)
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
            y[0] = dnc_mf_deriv_at(act, d, x[0]), y[1] = dnc_mf_deriv_at(act, d, x[1]);
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
            /* At the cap a finer step cannot help: the tails are those of
             * phi, not of the grid (tanh at q = 16 used to refine four
             * times, 2 ms, before giving up at the same k). */
            if (k_res >= MEHLER_KMAX)
                return LEVEL_GIVE_UP;
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
        for (double h = dnc_mf_trap_h_accept(q), h_next; h >= MEHLER_H_MIN; h = h_next) {
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
bool dnc_mf_mehler_sqdiff(quad *w, dnc_activation act, double q, double rho, double *out)
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
bool dnc_mf_mehler_product(quad *w, dnc_activation act, dnc_mf_deriv a, dnc_mf_deriv b,
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
