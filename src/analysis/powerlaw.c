/* Power-law fits, KS xmin scan, bootstrap and likelihood-ratio tests
 * (Clauset, Shalizi & Newman 2009). See include/dnncrit/powerlaw.h. */
#include "dnncrit/powerlaw.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_zeta.h>

#include "dnncrit/rng.h"

#define KS_BLOCK 32
#define ALPHA_MAX 30.0
#define DISCRETE_ALPHA_MIN 1.0001
#define TRUNC_ALPHA_MIN (-5.0)

/* GSL's default handler aborts; the library reports failures instead. */
static void gsl_quiet(void) { gsl_set_error_handler_off(); }

dnc_pl_opts dnc_pl_opts_default(void)
{
    return (dnc_pl_opts){.discrete = false,
                         .xmin = 0,
                         .xmax = INFINITY,
                         .min_tail = 10,
                         .exhaustive = 2000,
                         .grid = 300};
}

/* ---------------------------------------------------------------------
 * Sorted data as distinct values with counts and suffix sums of logs. */
typedef struct {
    size_t U;       /* distinct values <= xmax */
    double *v;      /* [U] ascending */
    double *lv;     /* [U] ln v */
    size_t *cum;    /* [U+1] samples below v[k]; cum[U] = samples <= xmax */
    double *slog;   /* [U+1] sum of ln x over samples >= v[k] (and <= xmax) */
    double xmax;
    bool discrete;
} pl_data;

static void pl_data_free(pl_data *d)
{
    free(d->v);
    free(d->lv);
    free(d->cum);
    free(d->slog);
    memset(d, 0, sizeof *d);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static dnc_status pl_data_build(const double *sorted, size_t n, double xmax, bool discrete,
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
        pl_data_free(d);
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
typedef struct {
    double alpha, xmin, lxmin, xmax;
    bool discrete, truncated;
    double logZ;
    double hz_max; /* zeta(alpha, xmax + 1) for truncated discrete */
} pl_model;

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

static double pl_log_norm(double alpha, double xmin, double xmax, bool discrete, double *hz_max)
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

static bool pl_model_set(pl_model *m, double alpha, double xmin, double xmax, bool discrete)
{
    m->alpha = alpha;
    m->xmin = xmin;
    m->lxmin = log(xmin);
    m->xmax = xmax;
    m->discrete = discrete;
    m->truncated = isfinite(xmax);
    m->hz_max = 0;
    m->logZ = pl_log_norm(alpha, xmin, xmax, discrete, &m->hz_max);
    return isfinite(m->logZ);
}

/* P(X >= x) for x in [xmin, xmax]; lx = ln x. */
static double pl_model_ccdf(const pl_model *m, double x, double lx)
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

static double pl_model_logpdf(const pl_model *m, double lx) { return -m->alpha * lx - m->logZ; }

/* ---------------------------------------------------------------------
 * Generic 1D maximiser: brackets from a0 by expanding steps, then GSL Brent. */
typedef double (*fn1d)(double a, void *ctx);

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

static dnc_status brent_min(neg_ctx *nc, double lo, double flo, double mid, double fmid,
                           double hi, double fhi, double *amin)
{
    gsl_quiet();
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
        if (gsl_min_test_interval(a, b, 1e-10, 1e-10) == GSL_SUCCESS)
            break;
    }
    *amin = gsl_min_fminimizer_x_minimum(s);
    gsl_min_fminimizer_free(s);
    return DNC_OK;
}

static dnc_status maximise1d(fn1d f, void *ctx, double a0, double lo, double hi, double step,
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
    double lz = pl_log_norm(a, t->xmin, t->d->xmax, t->d->discrete, NULL);
    return -a * t->sl - t->nt * lz;
}

static double second_derivative(fn1d f, void *ctx, double a)
{
    double h = 1e-3 * fmax(1.0, fabs(a));
    return (f(a + h, ctx) - 2 * f(a, ctx) + f(a - h, ctx)) / (h * h);
}

static dnc_status fit_tail(const pl_data *d, size_t k0, double xmin, pl_model *m,
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
        dnc_status st = maximise1d(tail_loglik, &tc, a0, lo, ALPHA_MAX, 0.05, &a);
        if (st)
            return dnc_fail(st, "powerlaw: fitting alpha with xmin = %g: %s", xmin,
                            dnc_last_error());
    }
    if (!pl_model_set(m, a, xmin, d->xmax, d->discrete))
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
    double c = pl_model_ccdf(m, d->v[k], d->lv[k]);
    *fm = 1 - c;
    *fp = m->discrete ? *fm + exp(pl_model_logpdf(m, d->lv[k])) : *fm;
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
static double max_point_dist(const ks_ctx *c, const pl_model *m, size_t from, size_t to,
                             double best, double abort_above)
{
    for (size_t k = from; k < to; k++) {
        double fm, fp;
        model_cdf_at(m, c->d, k, &fm, &fp);
        best = dmax(best, point_dist(c, k, fm, fp));
        if (best > abort_above)
            return best;
    }
    return best;
}

static double ks_distance(const pl_data *d, size_t k0, const pl_model *m, double abort_above,
                          double *scratch)
{
    ks_ctx c = {d, k0, (double)(d->cum[d->U] - d->cum[k0])};
    size_t npts = d->U - k0;
    double best = 0;
    if (npts <= 4 * KS_BLOCK || !scratch)
        return max_point_dist(&c, m, k0, d->U, best, abort_above);
    size_t nb = (npts - 1 + KS_BLOCK - 1) / KS_BLOCK; /* blocks between end points */
    double *Fm = scratch, *Fp = scratch + nb + 1;
    for (size_t j = 0; j <= nb; j++) {
        size_t k = j == nb ? d->U - 1 : k0 + j * KS_BLOCK;
        model_cdf_at(m, d, k, &Fm[j], &Fp[j]);
        best = dmax(best, point_dist(&c, k, Fm[j], Fp[j]));
        if (best > abort_above)
            return best;
    }
    for (size_t j = 0; j < nb; j++) {
        size_t s = k0 + j * KS_BLOCK, e = j + 1 == nb ? d->U - 1 : s + KS_BLOCK;
        double ub = dmax(emp_below(&c, e + 1) - Fm[j], Fp[j + 1] - emp_below(&c, s));
        if (ub <= best)
            continue;
        best = max_point_dist(&c, m, s + 1, e, best, INFINITY);
        if (best > abort_above)
            return best;
    }
    return best;
}

/* ---------------------------------------------------------------------
 * xmin scan. */
static double eval_candidate(const pl_data *d, size_t k, double abort_above, double *scratch)
{
    pl_model m;
    if (fit_tail(d, k, d->v[k], &m, NULL))
        return INFINITY;
    return ks_distance(d, k, &m, abort_above, scratch);
}

typedef struct {
    size_t k;
    double D;
} scan_best;

static void scan_update(const pl_data *d, size_t k, double *scratch, scan_best *b)
{
    double D = eval_candidate(d, k, b->D, scratch);
    if (D < b->D) {
        b->D = D;
        b->k = k;
    }
}

static size_t tail_size(const pl_data *d, size_t k) { return d->cum[d->U] - d->cum[k]; }

/* Smallest k in [lo, hi] with tail_size(k) <= t. */
static size_t first_with_tail_at_most(const pl_data *d, size_t lo, size_t hi, double t)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)tail_size(d, mid) <= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static dnc_status scan_xmin(const pl_data *d, const dnc_pl_opts *o, double *scratch, size_t *k_out)
{
    size_t min_tail = o->min_tail < 2 ? 2 : o->min_tail;
    if (d->U < 2 || tail_size(d, 0) < min_tail)
        return dnc_fail(DNC_EINVAL, "powerlaw: %zu samples, fewer than min_tail = %zu",
                        tail_size(d, 0), min_tail);
    size_t hi = 0;
    while (hi + 1 < d->U - 1 && tail_size(d, hi + 1) >= min_tail)
        hi++;
    size_t lo = 0;
    scan_best b = {SIZE_MAX, INFINITY};
    size_t G = o->grid < 3 ? 3 : o->grid;
    size_t *g = malloc((G + 3) * sizeof *g);
    if (!g)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory");
    /* exhaustive when the whole candidate set is small; otherwise grid
     * rounds until the bracket around the best holds at most G candidates */
    size_t limit = o->exhaustive;
    for (;;) {
        size_t count = hi - lo + 1;
        if (o->exhaustive == 0 || count <= limit) {
            for (size_t k = lo; k <= hi; k++)
                if (k != b.k)
                    scan_update(d, k, scratch, &b);
            break;
        }
        size_t ng = 0;
        double t0 = (double)tail_size(d, lo), t1 = (double)tail_size(d, hi);
        for (size_t j = 0; j < G; j++) {
            double t = t0 * pow(t1 / t0, (double)j / (double)(G - 1));
            size_t k = j == 0 ? lo : first_with_tail_at_most(d, lo, hi, t * (1 + 1e-12));
            if (b.k != SIZE_MAX && b.k > (ng ? g[ng - 1] : lo) && b.k < k && b.k >= lo)
                g[ng++] = b.k;
            if (ng == 0 || k > g[ng - 1])
                g[ng++] = k;
        }
        if (g[ng - 1] != hi)
            g[ng++] = hi;
        for (size_t j = 0; j < ng; j++)
            if (g[j] != b.k)
                scan_update(d, g[j], scratch, &b);
        size_t jb = 0;
        while (jb < ng && g[jb] != b.k)
            jb++;
        if (jb == ng) { /* every candidate failed: scan all to report why */
            for (size_t k = lo; k <= hi; k++)
                scan_update(d, k, scratch, &b);
            break;
        }
        size_t nlo = jb > 0 ? g[jb - 1] : g[jb], nhi = jb + 1 < ng ? g[jb + 1] : g[jb];
        if (nhi - nlo + 1 >= count) {
            for (size_t k = lo; k <= hi; k++)
                if (k != b.k)
                    scan_update(d, k, scratch, &b);
            break;
        }
        lo = nlo;
        hi = nhi;
        limit = G;
    }
    free(g);
    if (b.k == SIZE_MAX)
        return dnc_fail(DNC_ENUM, "powerlaw: no xmin candidate gave a valid fit");
    *k_out = b.k;
    return DNC_OK;
}

/* ---------------------------------------------------------------------
 * Fits. */
static dnc_status validate_data(const double *x, size_t n, const dnc_pl_opts *o)
{
    if (n == 0)
        return dnc_fail(DNC_EINVAL, "powerlaw: no data");
    if (!(o->xmax > 0) || isnan(o->xmax))
        return dnc_fail(DNC_EINVAL, "powerlaw: xmax must be > 0, got %g", o->xmax);
    if (isnan(o->xmin) || isinf(o->xmin))
        return dnc_fail(DNC_EINVAL, "powerlaw: xmin must be finite, got %g", o->xmin);
    if (o->xmin > 0 && !(o->xmax > o->xmin))
        return dnc_fail(DNC_EINVAL, "powerlaw: xmax (%g) must exceed xmin (%g)", o->xmax, o->xmin);
    if (o->discrete && o->xmin > 0 && o->xmin != floor(o->xmin))
        return dnc_fail(DNC_EINVAL, "powerlaw: discrete xmin must be an integer, got %g", o->xmin);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || x[i] <= 0)
            return dnc_fail(DNC_EINVAL, "powerlaw: sample %zu is %g; power laws need finite x > 0",
                            i + 1, x[i]);
        if (o->discrete && x[i] != floor(x[i]))
            return dnc_fail(DNC_EINVAL,
                            "powerlaw: sample %zu is %g, not an integer (discrete fit)", i + 1, x[i]);
    }
    return DNC_OK;
}

static dnc_status fit_core(const double *sorted, size_t n, const dnc_pl_opts *o, dnc_pl_fit *fit)
{
    gsl_quiet();
    if (sorted[0] == sorted[n - 1])
        return dnc_fail(DNC_EINVAL, "powerlaw: all %zu values equal %g: constant data has no "
                        "power-law tail", n, sorted[0]);
    pl_data d;
    dnc_status st = pl_data_build(sorted, n, o->xmax, o->discrete, &d);
    if (st)
        return st;
    double *scratch = malloc(2 * (d.U / KS_BLOCK + 4) * sizeof *scratch);
    if (!scratch) {
        pl_data_free(&d);
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory");
    }
    size_t k0 = 0;
    double xmin;
    if (o->xmin > 0) {
        while (k0 < d.U && d.v[k0] < o->xmin)
            k0++;
        xmin = o->xmin;
        if (k0 == d.U)
            st = dnc_fail(DNC_EINVAL, "powerlaw: no samples in [xmin = %g, xmax = %g]", o->xmin,
                          o->xmax);
    } else {
        st = scan_xmin(&d, o, scratch, &k0);
        xmin = st ? 0 : d.v[k0];
    }
    pl_model m;
    double err = NAN;
    if (!st)
        st = fit_tail(&d, k0, xmin, &m, &err);
    if (!st) {
        size_t nt = tail_size(&d, k0);
        *fit = (dnc_pl_fit){.discrete = o->discrete,
                            .alpha = m.alpha,
                            .alpha_err = err,
                            .xmin = xmin,
                            .xmax = o->xmax,
                            .n = n,
                            .n_tail = nt,
                            .ks = ks_distance(&d, k0, &m, INFINITY, scratch),
                            .loglik = -m.alpha * d.slog[k0] - (double)nt * m.logZ,
                            .xmin_fixed = o->xmin > 0};
    }
    free(scratch);
    pl_data_free(&d);
    return st;
}

dnc_status dnc_pl_fit_sorted(const double *sorted, size_t n, const dnc_pl_opts *opts,
                             dnc_pl_fit *fit)
{
    dnc_status st = validate_data(sorted, n, opts);
    if (st)
        return st;
    for (size_t i = 1; i < n; i++)
        if (sorted[i] < sorted[i - 1])
            return dnc_fail(DNC_EINVAL, "powerlaw: data not sorted at sample %zu", i + 1);
    return fit_core(sorted, n, opts, fit);
}

/* LSD radix sort of positive doubles (their bit patterns order like the
 * values), 16 bits per pass; falls back to qsort when memory is short. */
static void sort_positive(double *x, size_t n)
{
    uint64_t *a = (uint64_t *)(void *)x, *b = n > 4096 ? malloc(n * sizeof *b) : NULL;
    size_t *cnt = b ? malloc(65536 * sizeof *cnt) : NULL;
    if (!b || !cnt) {
        free(b);
        free(cnt);
        qsort(x, n, sizeof *x, cmp_double);
        return;
    }
    for (int shift = 0; shift < 64; shift += 16) {
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(a[i] >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t k = 0; k < 65536; k++) {
            size_t c = cnt[k];
            cnt[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[cnt[(a[i] >> shift) & 0xffff]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    /* four passes: the sorted data are back in x */
    free(b == (uint64_t *)(void *)x ? a : b);
    free(cnt);
}

static dnc_status sorted_copy(const double *x, size_t n, double **out)
{
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory for %zu samples", n);
    memcpy(*out, x, n * sizeof **out);
    sort_positive(*out, n);
    return DNC_OK;
}

dnc_status dnc_pl_fit_data(const double *x, size_t n, const dnc_pl_opts *opts, dnc_pl_fit *fit)
{
    dnc_status st = validate_data(x, n, opts);
    if (st)
        return st;
    double *s;
    if ((st = sorted_copy(x, n, &s)))
        return st;
    st = fit_core(s, n, opts, fit);
    free(s);
    return st;
}

static bool model_of_fit(const dnc_pl_fit *fit, pl_model *m)
{
    return pl_model_set(m, fit->alpha, fit->xmin, fit->xmax, fit->discrete);
}

double dnc_pl_ccdf(const dnc_pl_fit *fit, double x)
{
    pl_model m;
    gsl_quiet();
    if (!model_of_fit(fit, &m))
        return NAN;
    return pl_model_ccdf(&m, x, log(x));
}

double dnc_pl_pdf(const dnc_pl_fit *fit, double x)
{
    pl_model m;
    gsl_quiet();
    if (!model_of_fit(fit, &m) || x < fit->xmin || x > fit->xmax)
        return 0;
    return exp(pl_model_logpdf(&m, log(x)));
}

/* ---------------------------------------------------------------------
 * Sampling by inverse transform. */
static double discrete_inverse(const pl_model *m, double u)
{
    double xmax = m->xmax;
    double x0 = floor((m->xmin - 0.5) * pow(u, -1.0 / (m->alpha - 1)) + 0.5);
    if (!(x0 >= m->xmin))
        x0 = m->xmin;
    if (x0 > xmax)
        x0 = xmax;
    if (x0 > 1e15)
        return x0;
    double lo, hi; /* ccdf(lo) >= u > ccdf(hi) */
    if (pl_model_ccdf(m, x0, log(x0)) >= u) {
        lo = x0;
        double step = 1;
        hi = lo + step;
        while (hi <= xmax && pl_model_ccdf(m, hi, log(hi)) >= u) {
            lo = hi;
            step *= 2;
            hi = lo + step;
            if (hi > 1e15)
                return lo;
        }
        if (hi > xmax + 1)
            hi = xmax + 1;
    } else {
        hi = x0;
        double step = 1;
        lo = hi - step;
        while (pl_model_ccdf(m, lo, log(lo)) < u) {
            hi = lo;
            step *= 2;
            lo = hi - step;
            if (lo < m->xmin)
                lo = m->xmin;
        }
    }
    while (hi - lo > 1) {
        double mid = floor(0.5 * (lo + hi));
        if (pl_model_ccdf(m, mid, log(mid)) >= u)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

dnc_status dnc_pl_sample(const dnc_pl_fit *fit, const double *u, double *out, size_t n)
{
    gsl_quiet();
    pl_model m;
    if (!model_of_fit(fit, &m))
        return dnc_fail(DNC_EINVAL, "powerlaw: cannot sample alpha = %g, xmin = %g", fit->alpha,
                        fit->xmin);
    double w = 1 - m.alpha;
    double r = m.truncated ? pow(m.xmax / m.xmin, w) : 0;
    for (size_t i = 0; i < n; i++) {
        if (m.discrete)
            out[i] = discrete_inverse(&m, u[i]);
        else if (!m.truncated)
            out[i] = m.xmin * pow(u[i], 1 / w);
        else if (w == 0)
            out[i] = m.xmax * pow(m.xmin / m.xmax, u[i]);
        else
            out[i] = m.xmin * pow(r - u[i] * (r - 1), 1 / w);
    }
    return DNC_OK;
}

/* ---------------------------------------------------------------------
 * Semi-parametric bootstrap. */
static dnc_status bootstrap_replica(const double *outside, size_t n_out, size_t n,
                                    const dnc_pl_opts *o, const dnc_pl_fit *fit, size_t r,
                                    uint64_t seed, double *u1, double *u2, double *syn,
                                    double *D)
{
    dnc_uniform_fill(seed, DNC_STREAM_BOOTSTRAP, (uint32_t)r, 0, u1, n);
    dnc_uniform_fill(seed, DNC_STREAM_BOOTSTRAP, (uint32_t)r, 1, u2, n);
    double p_tail = (double)fit->n_tail / (double)n;
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (n_out == 0 || u1[i] < p_tail) {
            u1[nt++] = u2[i]; /* reuse u1 for the tail's uniforms */
        } else {
            size_t j = (size_t)(u2[i] * (double)n_out);
            syn[n - 1 - (i - nt)] = outside[j < n_out ? j : n_out - 1];
        }
    }
    dnc_status st = dnc_pl_sample(fit, u1, syn, nt);
    if (st)
        return st;
    sort_positive(syn, n);
    dnc_pl_opts ro = *o;
    ro.xmin = fit->xmin_fixed ? fit->xmin : 0;
    dnc_pl_fit rf;
    st = fit_core(syn, n, &ro, &rf);
    *D = st ? NAN : rf.ks;
    return st;
}

dnc_status dnc_pl_bootstrap(const double *x, size_t n, const dnc_pl_opts *opts,
                            const dnc_pl_fit *fit, size_t reps, uint64_t seed, double *p)
{
    if (reps == 0)
        return dnc_fail(DNC_EINVAL, "powerlaw: bootstrap needs at least one replica");
    if (reps > UINT32_MAX)
        return dnc_fail(DNC_EINVAL, "powerlaw: at most 2^32-1 bootstrap replicas, got %zu", reps);
    dnc_status st = validate_data(x, n, opts);
    if (st)
        return st;
    double *outside = malloc(n * sizeof *outside);
    if (!outside)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory");
    size_t n_out = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] < fit->xmin || x[i] > fit->xmax)
            outside[n_out++] = x[i];
    size_t n_ge = 0, n_ok = 0;
    int alloc_failed = 0;
#pragma omp parallel reduction(+ : n_ge, n_ok, alloc_failed)
    {
        double *u1 = malloc(n * sizeof *u1), *u2 = malloc(n * sizeof *u2),
               *syn = malloc(n * sizeof *syn);
        if (!u1 || !u2 || !syn)
            alloc_failed++;
#pragma omp for schedule(dynamic)
        for (size_t r = 0; r < reps; r++) {
            if (!u1 || !u2 || !syn)
                continue;
            double D;
            if (bootstrap_replica(outside, n_out, n, opts, fit, r, seed, u1, u2, syn, &D) == DNC_OK) {
                n_ok++;
                n_ge += D >= fit->ks;
            }
        }
        free(u1);
        free(u2);
        free(syn);
    }
    free(outside);
    if (alloc_failed)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory for bootstrap replicas");
    if (n_ok == 0)
        return dnc_fail(DNC_ENUM, "powerlaw: every bootstrap replica failed to fit");
    *p = (double)n_ge / (double)n_ok;
    return DNC_OK;
}

/* ---------------------------------------------------------------------
 * Alternatives, each an unnormalised density g(x; theta) on [xmin, inf)
 * normalised by an integral (continuous) or a sum over the integers
 * (discrete: explicit terms, then Euler-Maclaurin for the far tail). */
const char *dnc_pl_alt_name(dnc_pl_alt alt)
{
    static const char *names[] = {"exponential", "lognormal", "stretched_exponential",
                                  "truncated_power_law"};
    return alt < DNC_PL_ALT_COUNT ? names[alt] : "unknown";
}

#define EM_TERMS 2000

/* g is taken relative to xmin (g(xmin) of order 1), which keeps the
 * stretched exponential accurate where lambda is huge and beta tiny (the
 * limit in which it approaches a power law). */
static double alt_logg(dnc_pl_alt alt, const double *th, double x, double lx, double xmin)
{
    double lxmin = log(xmin);
    switch (alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        return -th[0] * (x - xmin);
    case DNC_PL_ALT_LOGNORMAL: {
        double z = (lx - th[0]) / th[1];
        return -lx - 0.5 * z * z;
    }
    case DNC_PL_ALT_STRETCHED:
        return (th[1] - 1) * lx - th[0] * pow(xmin, th[1]) * expm1(th[1] * (lx - lxmin));
    default:
        return -th[0] * lx - th[1] * (x - xmin);
    }
}

static double alt_dlogg(dnc_pl_alt alt, const double *th, double x)
{
    switch (alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        return -th[0];
    case DNC_PL_ALT_LOGNORMAL:
        return -1 / x - (log(x) - th[0]) / (th[1] * th[1] * x);
    case DNC_PL_ALT_STRETCHED:
        return (th[1] - 1) / x - th[0] * th[1] * pow(x, th[1] - 1);
    default:
        return -th[0] / x - th[1];
    }
}

/* ln Gamma(s, z) for z > 0 and any real s. */
static double log_gamma_inc(double s, double z)
{
    gsl_sf_result r;
    if (gsl_sf_gamma_inc_e(s, z, &r) == GSL_SUCCESS && r.val > 0 && isfinite(r.val))
        return log(r.val);
    if (z > 10 + fabs(s)) /* asymptotic series */
        return (s - 1) * log(z) - z + log1p((s - 1) / z + (s - 1) * (s - 2) / (z * z));
    return NAN;
}

/* ln of the integral of g (relative to xmin as above) from K to infinity. */
static double alt_log_tail(dnc_pl_alt alt, const double *th, double K, double xmin)
{
    switch (alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        return -th[0] * (K - xmin) - log(th[0]);
    case DNC_PL_ALT_LOGNORMAL: {
        double z = (log(K) - th[0]) / (th[1] * M_SQRT2);
        return log(th[1]) + 0.5 * log(M_PI / 2) + gsl_sf_log_erfc(z);
    }
    case DNC_PL_ALT_STRETCHED:
        return -th[0] * pow(xmin, th[1]) * expm1(th[1] * log(K / xmin)) - log(th[0] * th[1]);
    default:
        return (th[0] - 1) * log(th[1]) + log_gamma_inc(1 - th[0], th[1] * K) + th[1] * xmin;
    }
}

static double alt_log_norm(dnc_pl_alt alt, const double *th, double xmin, bool discrete)
{
    if (!discrete)
        return alt_log_tail(alt, th, xmin, xmin);
    double g0 = alt_logg(alt, th, xmin, log(xmin), xmin);
    double s = 0;
    for (int k = 0; k < EM_TERMS; k++) {
        double x = xmin + k;
        s += exp(alt_logg(alt, th, x, log(x), xmin) - g0);
    }
    double K = xmin + EM_TERMS, gK = alt_logg(alt, th, K, log(K), xmin);
    s += exp(alt_log_tail(alt, th, K, xmin) - g0) + exp(gK - g0) * (0.5 - alt_dlogg(alt, th, K) / 12);
    return g0 + log(s);
}

typedef struct {
    const pl_data *d;
    size_t k0;
    double xmin;
    dnc_pl_alt alt;
} alt_ctx;

static void alt_params(dnc_pl_alt alt, const double *y, double *th)
{
    switch (alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        th[0] = exp(y[0]);
        th[1] = 0;
        break;
    case DNC_PL_ALT_LOGNORMAL:
        th[0] = y[0];
        th[1] = exp(y[1]);
        break;
    case DNC_PL_ALT_STRETCHED:
        th[0] = exp(y[0]);
        th[1] = exp(y[1]);
        break;
    default:
        th[0] = y[0];
        th[1] = exp(y[1]);
        break;
    }
}

static double alt_loglik_theta(const alt_ctx *c, const double *th)
{
    double lz = alt_log_norm(c->alt, th, c->xmin, c->d->discrete);
    if (!isfinite(lz))
        return NAN;
    double ll = 0;
    for (size_t k = c->k0; k < c->d->U; k++)
        ll += (double)(c->d->cum[k + 1] - c->d->cum[k]) * alt_logg(c->alt, th, c->d->v[k], c->d->lv[k], c->xmin);
    return ll - (double)tail_size(c->d, c->k0) * lz;
}

static double alt_negll(const gsl_vector *y, void *p)
{
    const alt_ctx *c = p;
    double th[2], yy[2] = {gsl_vector_get(y, 0), y->size > 1 ? gsl_vector_get(y, 1) : 0};
    if (fabs(yy[0]) > 60 || fabs(yy[1]) > 60)
        return DBL_MAX;
    alt_params(c->alt, yy, th);
    double ll = alt_loglik_theta(c, th);
    return isfinite(ll) ? -ll : DBL_MAX;
}

static double nelder_mead(alt_ctx *c, size_t dim, double *y)
{
    gsl_multimin_function F = {.f = alt_negll, .n = dim, .params = c};
    gsl_vector *x = gsl_vector_alloc(dim), *step = gsl_vector_alloc(dim);
    gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
    double best = DBL_MAX;
    if (x && step && s) {
        for (size_t i = 0; i < dim; i++) {
            gsl_vector_set(x, i, y[i]);
            gsl_vector_set(step, i, 0.3);
        }
        if (gsl_multimin_fminimizer_set(s, &F, x, step) == GSL_SUCCESS) {
            for (int it = 0; it < 600; it++) {
                if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
                    break;
                if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-7) == GSL_SUCCESS)
                    break;
            }
            best = s->fval;
            for (size_t i = 0; i < dim; i++)
                y[i] = gsl_vector_get(s->x, i);
        }
    }
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(x);
    gsl_vector_free(step);
    return best;
}

/* Multi-start maximum likelihood; returns -negll of the best start. */
static double fit_alternative(alt_ctx *c, const pl_model *pl, double *th_out)
{
    const pl_data *d = c->d;
    double nt = (double)tail_size(d, c->k0);
    double mean = 0, mlog = 0, m2log = 0;
    for (size_t k = c->k0; k < d->U; k++) {
        double w = (double)(d->cum[k + 1] - d->cum[k]);
        mean += w * d->v[k];
        mlog += w * d->lv[k];
        m2log += w * d->lv[k] * d->lv[k];
    }
    mean /= nt;
    mlog /= nt;
    double sdlog = sqrt(fmax(m2log / nt - mlog * mlog, 1e-6));
    double excess = fmax(mean - c->xmin + (d->discrete ? 0.5 : 0), 1e-12);
    double starts[6][2];
    size_t ns = 0, dim = c->alt == DNC_PL_ALT_EXPONENTIAL ? 1 : 2;
    switch (c->alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        starts[ns][0] = log(1 / excess), starts[ns++][1] = 0;
        break;
    case DNC_PL_ALT_LOGNORMAL:
        starts[ns][0] = mlog, starts[ns++][1] = log(sdlog);
        starts[ns][0] = log(c->xmin), starts[ns++][1] = log(2 * sdlog + 1);
        break;
    case DNC_PL_ALT_STRETCHED: {
        const double betas[] = {1.0, 0.5, 0.2};
        for (int i = 0; i < 3; i++) {
            double s = 0;
            for (size_t k = c->k0; k < d->U; k++)
                s += (double)(d->cum[k + 1] - d->cum[k]) * (pow(d->v[k], betas[i]) - pow(c->xmin, betas[i]));
            s = fmax(s / nt, 1e-12);
            starts[ns][0] = log(1 / s), starts[ns++][1] = log(betas[i]);
        }
        break;
    }
    default:
        starts[ns][0] = pl->alpha, starts[ns++][1] = log(1e-3 / mean);
        starts[ns][0] = pl->alpha, starts[ns++][1] = log(0.1 / mean);
        starts[ns][0] = 1.0, starts[ns++][1] = log(1 / mean);
        break;
    }
    double best = DBL_MAX, ybest[2] = {0, 0};
    for (size_t i = 0; i < ns; i++) {
        double y[2] = {starts[i][0], starts[i][1]};
        double v = nelder_mead(c, dim, y);
        if (v < best) {
            best = v;
            ybest[0] = y[0];
            ybest[1] = y[1];
        }
    }
    alt_params(c->alt, ybest, th_out);
    return best < DBL_MAX ? -best : NAN;
}

dnc_status dnc_pl_compare_alt(const double *x, size_t n, const dnc_pl_fit *fit, dnc_pl_alt alt,
                              dnc_pl_compare *out)
{
    gsl_quiet();
    if (alt >= DNC_PL_ALT_COUNT)
        return dnc_fail(DNC_EINVAL, "powerlaw: unknown alternative %d", (int)alt);
    if (isfinite(fit->xmax))
        return dnc_fail(DNC_EUNSUPPORTED,
                        "powerlaw: likelihood-ratio tests need an untruncated fit (xmax = inf)");
    dnc_pl_opts o = dnc_pl_opts_default();
    o.discrete = fit->discrete;
    dnc_status st = validate_data(x, n, &o);
    if (st)
        return st;
    double *s;
    if ((st = sorted_copy(x, n, &s)))
        return st;
    pl_data d;
    st = pl_data_build(s, n, INFINITY, fit->discrete, &d);
    free(s);
    if (st)
        return st;
    size_t k0 = 0;
    while (k0 < d.U && d.v[k0] < fit->xmin)
        k0++;
    pl_model pl;
    if (k0 == d.U || tail_size(&d, k0) < 2 || !model_of_fit(fit, &pl)) {
        pl_data_free(&d);
        return dnc_fail(DNC_EINVAL, "powerlaw: no usable tail at xmin = %g for the comparison",
                        fit->xmin);
    }
    alt_ctx c = {&d, k0, fit->xmin, alt};
    double th[2];
    double ll_alt = fit_alternative(&c, &pl, th);
    if (!isfinite(ll_alt)) {
        pl_data_free(&d);
        return dnc_fail(DNC_ENUM, "powerlaw: fitting the %s alternative failed", dnc_pl_alt_name(alt));
    }
    double lz_alt = alt_log_norm(alt, th, fit->xmin, fit->discrete);
    double nt = (double)tail_size(&d, k0), sum = 0, sum2 = 0;
    for (size_t k = k0; k < d.U; k++) {
        double w = (double)(d.cum[k + 1] - d.cum[k]);
        double l = pl_model_logpdf(&pl, d.lv[k]) - (alt_logg(alt, th, d.v[k], d.lv[k], fit->xmin) - lz_alt);
        sum += w * l;
        sum2 += w * l * l;
    }
    pl_data_free(&d);
    double mean = sum / nt, var = fmax(sum2 / nt - mean * mean, 0), sigma = sqrt(var);
    bool nested = alt == DNC_PL_ALT_CUTOFF;
    if (nested && sum > 0) { /* the optimiser stopped short of the nested power law */
        sum = 0;
        th[0] = fit->alpha;
        th[1] = 0;
        ll_alt = fit->loglik;
    }
    *out = (dnc_pl_compare){.alt = alt,
                            .params = {th[0], th[1]},
                            .loglik = ll_alt,
                            .R = sum,
                            .normalised_R = sigma > 0 ? sum / (sqrt(nt) * sigma) : 0,
                            .nested = nested};
    if (nested)
        out->p = gsl_sf_erfc(sqrt(fabs(sum)));
    else
        out->p = sigma > 0 ? gsl_sf_erfc(fabs(sum) / (sqrt(2 * nt) * sigma)) : 1.0;
    return DNC_OK;
}

/* ---------------------------------------------------------------------
 * Log-binned density for plots. */
dnc_status dnc_pl_log_histogram(const double *x, size_t n, bool discrete, double lo,
                                double ratio, double *centre, double *density, size_t cap,
                                size_t *nbins)
{
    if (!(lo > 0) || !(ratio > 1))
        return dnc_fail(DNC_EINVAL, "histogram: need lo > 0 and ratio > 1, got %g and %g", lo, ratio);
    double xmax = 0;
    for (size_t i = 0; i < n; i++)
        xmax = fmax(xmax, x[i]);
    size_t nb = 0;
    double e0 = discrete ? ceil(lo) : lo;
    while (nb < cap && e0 <= xmax) {
        double e1 = discrete ? fmax(e0 + 1, ceil(e0 * ratio)) : e0 * ratio;
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            cnt += x[i] >= e0 && x[i] < e1;
        double width = e1 - e0;
        centre[nb] = discrete ? sqrt(e0 * (e1 - 1)) : sqrt(e0 * e1);
        density[nb] = (double)cnt / ((double)n * width);
        nb++;
        e0 = e1;
    }
    *nbins = nb;
    return DNC_OK;
}
