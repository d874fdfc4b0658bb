/* Power laws: the sorted data, the model on [xmin, xmax], its maximum
 * likelihood on one tail and the KS scan for xmin. */
#include "dnncrit/powerlaw.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_sf_zeta.h>

#include "analysis/powerlaw_internal.h"
#include "core/gsl_quiet.h"

/* GSL's default handler aborts; the library reports failures instead. */
void dnc_pl_gsl_quiet(void) { dnc_gsl_quiet(); }

/* ---------------------------------------------------------------------
 * Sorted data as distinct values with counts and suffix sums of logs. */

void dnc_pl_data_free(pl_data *d)
{
    free(d->v);
    free(d->lv);
    free(d->cum);
    free(d->slog);
    memset(d, 0, sizeof *d);
}

int dnc_pl_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

dnc_status dnc_pl_data_build(const double *sorted, size_t n, double xmax, bool discrete,
                             pl_data *d)
{
    memset(d, 0, sizeof *d);
    d->xmax = xmax;
    d->discrete = discrete;
    size_t m = 0;
    while (m < n && sorted[m] <= xmax)
        m++;
    d->v = malloc((m + 1) * sizeof *d->v);
    d->lv = malloc((m + 1) * sizeof *d->lv);
    d->cum = malloc((m + 2) * sizeof *d->cum);
    d->slog = malloc((m + 2) * sizeof *d->slog);
    if (!d->v || !d->lv || !d->cum || !d->slog) {
        dnc_pl_data_free(d);
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory for %zu samples", n);
    }
    size_t U = 0;
    for (size_t i = 0; i < m; i++) {
        if (U == 0 || sorted[i] != d->v[U - 1]) {
            d->v[U] = sorted[i];
            d->lv[U] = log(sorted[i]);
            d->cum[U] = i;
            U++;
        }
    }
    d->cum[U] = m;
    d->U = U;
    d->slog[U] = 0;
    for (size_t k = U; k-- > 0;)
        d->slog[k] = d->slog[k + 1] + (double)(d->cum[k + 1] - d->cum[k]) * d->lv[k];
    return DNC_OK;
}

/* ---------------------------------------------------------------------
 * The power-law model on [xmin, xmax]. */

/* log(expm1(y) / y), stable for every y. */
static double log_expm1_ratio(double y)
{
    if (fabs(y) < 1e-8)
        return 0.5 * y;
    if (y > 0)
        return y + log1p(-exp(-y)) - log(y);
    return log(-expm1(y)) - log(-y);
}

static double hzeta(double s, double q)
{
    gsl_sf_result r;
    if (gsl_sf_hzeta_e(s, q, &r) != GSL_SUCCESS)
        return NAN;
    return r.val;
}

double dnc_pl_log_norm(double alpha, double xmin, double xmax, bool discrete, double *hz_max)
{
    bool trunc = isfinite(xmax);
    if (discrete) {
        if (alpha <= 1.0)
            return NAN;
        double hm = trunc ? hzeta(alpha, xmax + 1) : 0.0;
        if (hz_max)
            *hz_max = hm;
        double z = hzeta(alpha, xmin) - hm;
        return z > 0 ? log(z) : NAN;
    }
    if (!trunc)
        return alpha > 1.0 ? (1 - alpha) * log(xmin) - log(alpha - 1) : NAN;
    double L = log(xmax / xmin), u = 1 - alpha;
    return u * log(xmin) + log(L) + log_expm1_ratio(u * L);
}

bool dnc_pl_model_set(pl_model *m, double alpha, double xmin, double xmax, bool discrete)
{
    m->alpha = alpha;
    m->xmin = xmin;
    m->lxmin = log(xmin);
    m->xmax = xmax;
    m->discrete = discrete;
    m->truncated = isfinite(xmax);
    m->hz_max = 0;
    m->logZ = dnc_pl_log_norm(alpha, xmin, xmax, discrete, &m->hz_max);
    return isfinite(m->logZ);
}

/* P(X >= x) for x in [xmin, xmax]; lx = ln x. */
double dnc_pl_model_ccdf(const pl_model *m, double x, double lx)
{
    if (x <= m->xmin)
        return 1.0;
    if (x > m->xmax)
        return 0.0;
    if (m->discrete)
        return (hzeta(m->alpha, x) - m->hz_max) / exp(m->logZ);
    double u = 1 - m->alpha;
    if (!m->truncated)
        return exp(u * (lx - m->lxmin));
    double lr = log(m->xmax) - lx, L = log(m->xmax) - m->lxmin;
    double ratio = u == 0 ? lr / L : expm1(u * lr) / expm1(u * L);
    return exp(u * (lx - m->lxmin)) * ratio;
}

double dnc_pl_model_logpdf(const pl_model *m, double lx) { return -m->alpha * lx - m->logZ; }

/* ---------------------------------------------------------------------
 * Generic 1D maximiser: brackets from a0 by expanding steps, then GSL Brent. */

typedef struct {
    fn1d f;
    void *ctx;
} neg_ctx;

static double neg_f(double a, void *p)
{
    neg_ctx *c = p;
    double v = c->f(a, c->ctx);
    return isfinite(v) ? -v : DBL_MAX;
}

/* The maximiser's relative tolerance on the argument. Near a maximum
 * f(a) ~ f* - c (a - a*)^2 / 2, and f carries rounding error ~eps |f*|, so
 * no method can place a* closer than about sqrt(eps) |a*| (1.5e-8 |a*|);
 * Brent asked for 1e-10 walked that noise until its 100-step cap, ~100
 * likelihood evaluations (each a Hurwitz zeta) per fit, where 1e-7 stops
 * after ~15. Far below any standard error: sigma_alpha ~ (alpha-1)/sqrt(n). */
#define ARGMAX_RTOL 1e-7

static dnc_status brent_min(neg_ctx *nc, double lo, double flo, double mid, double fmid,
                           double hi, double fhi, double *amin)
{
    dnc_pl_gsl_quiet();
    gsl_function F = {.function = neg_f, .params = nc};
    gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    if (!s)
        return dnc_fail(DNC_ENOMEM, "out of memory for the minimiser");
    if (gsl_min_fminimizer_set_with_values(s, &F, mid, fmid, lo, flo, hi, fhi) != GSL_SUCCESS) {
        gsl_min_fminimizer_free(s);
        *amin = mid;
        return DNC_OK;
    }
    for (int it = 0; it < 100; it++) {
        if (gsl_min_fminimizer_iterate(s) != GSL_SUCCESS)
            break;
        double a = gsl_min_fminimizer_x_lower(s), b = gsl_min_fminimizer_x_upper(s);
        if (gsl_min_test_interval(a, b, 0, ARGMAX_RTOL) == GSL_SUCCESS)
            break;
    }
    *amin = gsl_min_fminimizer_x_minimum(s);
    gsl_min_fminimizer_free(s);
    return DNC_OK;
}

dnc_status dnc_pl_maximise1d(fn1d f, void *ctx, double a0, double lo, double hi, double step,
                             double *amax)
{
    neg_ctx nc = {f, ctx};
    double eps = 1e-9;
    if (!(a0 > lo + eps))
        a0 = lo + eps;
    if (!(a0 < hi - eps))
        a0 = hi - eps;
    double a = a0, fa = neg_f(a, &nc);
    double h = step;
    double b = fmin(a + h, hi), fb = neg_f(b, &nc);
    if (fb > fa) { /* uphill to the right: look left */
        double c = fmax(a - h, lo), fc = neg_f(c, &nc);
        if (fc > fa)
            return brent_min(&nc, c, fc, a, fa, b, fb, amax);
        h = -h;
        b = c;
        fb = fc;
    }
    /* a, b downhill in direction h: expand until the next point rises. */
    for (int it = 0; it < 200; it++) {
        double c = b + 2 * h;
        bool at_limit = false;
        if (c <= lo) {
            c = lo;
            at_limit = true;
        }
        if (c >= hi) {
            c = hi;
            at_limit = true;
        }
        double fc = neg_f(c, &nc);
        if (fc > fb)
            return h > 0 ? brent_min(&nc, a, fa, b, fb, c, fc, amax)
                         : brent_min(&nc, c, fc, b, fb, a, fa, amax);
        if (at_limit) {
            *amax = c;
            return dnc_fail(DNC_ENUM, "likelihood maximum at the edge of the allowed range (%g)", c);
        }
        a = b;
        fa = fb;
        b = c;
        fb = fc;
        h *= 2;
    }
    return dnc_fail(DNC_ENUM, "could not bracket the likelihood maximum");
}

/* ---------------------------------------------------------------------
 * Maximum likelihood on the tail [xmin, xmax] starting at distinct value k0. */
typedef struct {
    const pl_data *d;
    double xmin;
    double nt, sl;
} tail_ctx;

static double tail_loglik(double a, void *p)
{
    const tail_ctx *t = p;
    double lz = dnc_pl_log_norm(a, t->xmin, t->d->xmax, t->d->discrete, NULL);
    return -a * t->sl - t->nt * lz;
}

static double second_derivative(fn1d f, void *ctx, double a)
{
    double h = 1e-3 * fmax(1.0, fabs(a));
    return (f(a + h, ctx) - 2 * f(a, ctx) + f(a - h, ctx)) / (h * h);
}

dnc_status dnc_pl_fit_tail(const pl_data *d, size_t k0, double xmin, pl_model *m,
                           double *alpha_err)
{
    size_t nt = d->cum[d->U] - d->cum[k0];
    tail_ctx tc = {d, xmin, (double)nt, d->slog[k0]};
    double spread = tc.sl - tc.nt * log(xmin);
    if (nt < 2 || !(spread > 0))
        return dnc_fail(DNC_EINVAL,
                        "powerlaw: the %zu samples in [xmin = %g, xmax] are all equal to xmin: "
                        "no exponent can be fitted",
                        nt, xmin);
    bool trunc = isfinite(d->xmax);
    double a = 1 + tc.nt / spread;
    if (d->discrete || trunc) {
        double a0 = d->discrete ? 1 + tc.nt / (tc.sl - tc.nt * log(xmin - 0.5)) : a;
        double lo = d->discrete ? DISCRETE_ALPHA_MIN : TRUNC_ALPHA_MIN;
        dnc_status st = dnc_pl_maximise1d(tail_loglik, &tc, a0, lo, ALPHA_MAX, 0.05, &a);
        if (st)
            return dnc_fail(st, "powerlaw: fitting alpha with xmin = %g: %s", xmin,
                            dnc_last_error());
    }
    if (!dnc_pl_model_set(m, a, xmin, d->xmax, d->discrete))
        return dnc_fail(DNC_ENUM, "powerlaw: alpha = %g with xmin = %g is not normalisable", a,
                        xmin);
    if (alpha_err) {
        if (!d->discrete && !trunc) {
            *alpha_err = (a - 1) / sqrt(tc.nt);
        } else {
            double d2 = second_derivative(tail_loglik, &tc, a);
            *alpha_err = d2 < 0 ? 1 / sqrt(-d2) : NAN;
        }
    }
    return DNC_OK;
}

/* ---------------------------------------------------------------------
 * KS distance of the tail (distinct values k0..U-1) from model m: the
 * supremum over x of |empirical CDF - model CDF|. Both CDFs are step or
 * monotone functions, so checking both sides of every distinct value is
 * exact: left limit P(X < v_k) and value P(X <= v_k). Blocks of KS_BLOCK
 * values are bounded from their end points and only opened when the bound
 * can beat the largest distance found so far. Returns early (with a value
 * > abort_above) once the distance exceeds abort_above. */
static inline double dmax(double a, double b) { return a > b ? a : b; }

static inline void model_cdf_at(const pl_model *m, const pl_data *d, size_t k, double *fm,
                                double *fp)
{
    if (!m->discrete && !m->truncated) { /* the common case, kept cheap */
        double v = d->v[k] <= m->xmin ? 0.0 : 1 - exp((1 - m->alpha) * (d->lv[k] - m->lxmin));
        *fm = *fp = v;
        return;
    }
    double c = dnc_pl_model_ccdf(m, d->v[k], d->lv[k]);
    *fm = 1 - c;
    *fp = m->discrete ? *fm + exp(dnc_pl_model_logpdf(m, d->lv[k])) : *fm;
}

typedef struct {
    const pl_data *d;
    size_t k0;
    double nt;
} ks_ctx;

static double emp_below(const ks_ctx *c, size_t k) { return (double)(c->d->cum[k] - c->d->cum[c->k0]) / c->nt; }

static inline double point_dist(const ks_ctx *c, size_t k, double fm, double fp)
{
    double em = emp_below(c, k), ep = emp_below(c, k + 1);
    return dmax(fabs(em - fm), fabs(ep - fp));
}

/* The largest of best and the distances at points from .. to - 1; stops
 * early (with the distance so far) once it exceeds abort_above. */
/* The distance at point k folded into *best (and *where when larger). */
static inline void take_point(const ks_ctx *c, size_t k, double fm, double fp, double *best,
                              size_t *where)
{
    double D = point_dist(c, k, fm, fp);
    if (D > *best) {
        *best = D;
        *where = k;
    }
}

static double max_point_dist(const ks_ctx *c, const pl_model *m, size_t from, size_t to,
                             double best, double abort_above, size_t *where)
{
    for (size_t k = from; k < to; k++) {
        double fm, fp;
        model_cdf_at(m, c->d, k, &fm, &fp);
        take_point(c, k, fm, fp, &best, where);
        if (best > abort_above)
            return best;
    }
    return best;
}

double dnc_pl_ks_point(const pl_data *d, size_t k0, const pl_model *m, size_t k)
{
    ks_ctx c = {d, k0, (double)(d->cum[d->U] - d->cum[k0])};
    double fm, fp;
    model_cdf_at(m, d, k, &fm, &fp);
    return point_dist(&c, k, fm, fp);
}

double dnc_pl_ks_distance(const pl_data *d, size_t k0, const pl_model *m, double abort_above,
                          double *scratch, size_t *where)
{
    ks_ctx c = {d, k0, (double)(d->cum[d->U] - d->cum[k0])};
    size_t npts = d->U - k0, at = k0;
    double best = 0;
    if (!where)
        where = &at;
    if (npts <= 4 * KS_BLOCK || !scratch)
        return max_point_dist(&c, m, k0, d->U, best, abort_above, where);
    size_t nb = (npts - 1 + KS_BLOCK - 1) / KS_BLOCK; /* blocks between end points */
    double *Fm = scratch, *Fp = scratch + nb + 1;
    for (size_t j = 0; j <= nb; j++) {
        size_t k = j == nb ? d->U - 1 : k0 + j * KS_BLOCK;
        model_cdf_at(m, d, k, &Fm[j], &Fp[j]);
        take_point(&c, k, Fm[j], Fp[j], &best, where);
        if (best > abort_above)
            return best;
    }
    for (size_t j = 0; j < nb; j++) {
        size_t s = k0 + j * KS_BLOCK, e = j + 1 == nb ? d->U - 1 : s + KS_BLOCK;
        double ub = dmax(emp_below(&c, e + 1) - Fm[j], Fp[j + 1] - emp_below(&c, s));
        if (ub <= best)
            continue;
        best = max_point_dist(&c, m, s + 1, e, best, INFINITY, where);
        if (best > abort_above)
            return best;
    }
    return best;
}

/* ---------------------------------------------------------------------
 * xmin scan. */
/* The best candidate so far, and the points where recent candidates'
 * KS distances were attained or exceeded the best: the distance at one
 * point is a lower bound of a candidate's KS distance, and neighbouring
 * candidates deviate most at nearly the same place, so checking these
 * points first rejects most candidates in O(1). A candidate is rejected
 * only when a point's distance is strictly above the best, the same test
 * as a full evaluation, so the scan's choice is that of brute force. */
#define SCAN_HINTS 8
typedef struct {
    size_t k;
    double D;
    size_t hint[SCAN_HINTS];
    size_t nh, next;
    unsigned char *seen; /* [candidates] evaluated already (may be NULL) */
} scan_best;

static void remember_point(scan_best *b, size_t where)
{
    for (size_t i = 0; i < b->nh; i++)
        if (b->hint[i] == where)
            return;
    b->hint[b->next] = where;
    b->next = (b->next + 1) % SCAN_HINTS;
    if (b->nh < SCAN_HINTS)
        b->nh++;
}

static double eval_candidate(const pl_data *d, size_t k, scan_best *b, double *scratch)
{
    pl_model m;
    if (dnc_pl_fit_tail(d, k, d->v[k], &m, NULL))
        return INFINITY;
    for (size_t i = 0; i < b->nh; i++) {
        if (b->hint[i] < k)
            continue;
        double D = dnc_pl_ks_point(d, k, &m, b->hint[i]);
        if (D > b->D)
            return D;
    }
    size_t where = k;
    double D = dnc_pl_ks_distance(d, k, &m, b->D, scratch, &where);
    remember_point(b, where);
    return D;
}

static void scan_update(const pl_data *d, size_t k, double *scratch, scan_best *b)
{
    if (b->seen)
        b->seen[k] = 1;
    double D = eval_candidate(d, k, b, scratch);
    if (D < b->D || (D == b->D && k < b->k)) { /* ties: the smallest xmin, as brute force */
        b->D = D;
        b->k = k;
    }
}

size_t dnc_pl_tail_size(const pl_data *d, size_t k) { return d->cum[d->U] - d->cum[k]; }

/* Smallest k in [lo, hi] with dnc_pl_tail_size(k) <= t. */
static size_t first_with_tail_at_most(const pl_data *d, size_t lo, size_t hi, double t)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)dnc_pl_tail_size(d, mid) <= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Grid rounds log-spaced in tail size until the bracket around the best
 * holds at most `limit` candidates, which are then all tried (all of
 * [lo, hi] at once when it is that small already). Approximate: the
 * seed of the exact scan, or the scan itself for opts.exhaustive > 0. */
static dnc_status grid_refine(const pl_data *d, size_t lo, size_t hi, size_t limit, size_t G,
                              double *scratch, scan_best *b)
{
    size_t *g = malloc((G + 3) * sizeof *g);
    if (!g)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory");
    for (;;) {
        size_t count = hi - lo + 1;
        if (count <= limit) {
            for (size_t k = lo; k <= hi; k++)
                if (k != b->k)
                    scan_update(d, k, scratch, b);
            break;
        }
        size_t ng = 0;
        double t0 = (double)dnc_pl_tail_size(d, lo), t1 = (double)dnc_pl_tail_size(d, hi);
        for (size_t j = 0; j < G; j++) {
            double t = t0 * pow(t1 / t0, (double)j / (double)(G - 1));
            size_t k = j == 0 ? lo : first_with_tail_at_most(d, lo, hi, t * (1 + 1e-12));
            if (b->k != SIZE_MAX && b->k > (ng ? g[ng - 1] : lo) && b->k < k && b->k >= lo)
                g[ng++] = b->k;
            if (ng == 0 || k > g[ng - 1])
                g[ng++] = k;
        }
        if (g[ng - 1] != hi)
            g[ng++] = hi;
        for (size_t j = 0; j < ng; j++)
            if (g[j] != b->k)
                scan_update(d, g[j], scratch, b);
        size_t jb = 0;
        while (jb < ng && g[jb] != b->k)
            jb++;
        size_t nlo = jb < ng && jb > 0 ? g[jb - 1] : lo, nhi = jb + 1 < ng ? g[jb + 1] : hi;
        if (jb == ng || nhi - nlo + 1 >= count) { /* no progress: try them all */
            limit = count;
            continue;
        }
        lo = nlo;
        hi = nhi;
        limit = G;
    }
    free(g);
    return DNC_OK;
}

/* Below this many candidates the exact scan needs no seed. */
#define EXACT_SEED_MIN 600

dnc_status dnc_pl_scan_xmin(const pl_data *d, const dnc_pl_opts *o, double *scratch, size_t *k_out)
{
    size_t min_tail = o->min_tail < 2 ? 2 : o->min_tail;
    if (d->U < 2 || dnc_pl_tail_size(d, 0) < min_tail)
        return dnc_fail(DNC_EINVAL, "powerlaw: %zu samples, fewer than min_tail = %zu",
                        dnc_pl_tail_size(d, 0), min_tail);
    size_t hi = 0;
    while (hi + 1 < d->U - 1 && dnc_pl_tail_size(d, hi + 1) >= min_tail)
        hi++;
    scan_best b = {.k = SIZE_MAX, .D = INFINITY};
    size_t G = o->grid < 3 ? 3 : o->grid;
    dnc_status st = DNC_OK;
    if (o->exhaustive > 0) {
        st = grid_refine(d, 0, hi, o->exhaustive, G, scratch, &b);
    } else {
        /* exact: every candidate, ascending, against the best so far; a
         * near-optimal seed from the grid makes most rejections O(1). A
         * candidate the grid tried is not tried again: it lost to the best
         * of that moment, whose distance only falls later and whose index
         * only falls on ties, so it would lose again (the same choice,
         * without refitting its alpha: up to 2G fits fewer). */
        if (hi + 1 > EXACT_SEED_MIN) {
            b.seen = calloc(hi + 1, 1); /* without it: the same result, slower */
            st = grid_refine(d, 0, hi, G, G, scratch, &b);
        }
        for (size_t k = 0; !st && k <= hi; k++)
            if (k != b.k && !(b.seen && b.seen[k]))
                scan_update(d, k, scratch, &b);
        free(b.seen);
        b.seen = NULL;
    }
    if (st)
        return st;
    if (b.k == SIZE_MAX)
        return dnc_fail(DNC_ENUM, "powerlaw: no xmin candidate gave a valid fit");
    *k_out = b.k;
    return DNC_OK;
}
