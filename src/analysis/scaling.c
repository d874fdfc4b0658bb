#include "dnncrit/scaling.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multimin.h>

#include "dnncrit/rng.h"
#include "analysis/scaling_internal.h"
#include "core/gsl_quiet.h"

const char *dnc_err_method_name(dnc_err_method m)
{
    switch (m) {
    case DNC_ERR_BOOTSTRAP: return "bootstrap over samples";
    case DNC_ERR_PARAMETRIC: return "parametric bootstrap from error bars";
    case DNC_ERR_RESIDUALS: return "least-squares residuals (deterministic data)";
    }
    return "unknown";
}

/* ================================================================ series */

dnc_status dnc_series_alloc(dnc_series *s, size_t nt, size_t ns, bool with_err)
{
    memset(s, 0, sizeof *s);
    if (nt == 0 || ns == 0)
        return dnc_fail(DNC_EINVAL, "series: need at least one time and one sample");
    s->nt = nt;
    s->ns = ns;
    s->t = calloc(nt, sizeof *s->t);
    s->y = calloc(nt * ns, sizeof *s->y);
    s->err = with_err ? calloc(nt, sizeof *s->err) : NULL;
    s->param = NAN;
    if (!s->t || !s->y || (with_err && !s->err)) {
        dnc_series_free(s);
        return dnc_fail(DNC_ENOMEM, "series: out of memory for %zu x %zu values", ns, nt);
    }
    return DNC_OK;
}

void dnc_series_free(dnc_series *s)
{
    free(s->t);
    free(s->y);
    free(s->err);
    memset(s, 0, sizeof *s);
}

void dnc_scaling_mean_of(const dnc_series *s, const size_t *pick, double *mean, double *err)
{
    size_t ns = s->ns;
    for (size_t k = 0; k < s->nt; k++) {
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < ns; i++)
            m += s->y[(pick ? pick[i] : i) * s->nt + k];
        m /= (double)ns;
        for (size_t i = 0; i < ns; i++) {
            double d = s->y[(pick ? pick[i] : i) * s->nt + k] - m;
            v += d * d;
        }
        mean[k] = m;
        if (ns > 1)
            err[k] = sqrt(v / (double)(ns - 1) / (double)ns);
        else
            err[k] = s->err ? s->err[k] : 0.0;
    }
}

dnc_status dnc_series_mean(const dnc_series *s, double *mean, double *err)
{
    if (!s->nt || !s->ns)
        return dnc_fail(DNC_EINVAL, "series: empty");
    dnc_scaling_mean_of(s, NULL, mean, err);
    return DNC_OK;
}

/* The mean curve of bootstrap replica r of series `which` (r = 0: the data). */
static dnc_status replica_mean(const dnc_series *s, uint64_t seed, uint32_t r, uint32_t which,
                               double *mean, double *err)
{
    if (r == 0 || (s->ns == 1 && !s->err)) {
        dnc_scaling_mean_of(s, NULL, mean, err);
        return DNC_OK;
    }
    if (s->ns == 1) {
        for (size_t k = 0; k < s->nt; k++) {
            mean[k] = s->y[k] + s->err[k] * dnc_normal_at(seed, DNC_STREAM_BOOTSTRAP, r, which, k);
            err[k] = s->err[k];
        }
        return DNC_OK;
    }
    size_t *pick = malloc(s->ns * sizeof *pick);
    if (!pick)
        return dnc_fail(DNC_ENOMEM, "bootstrap: out of memory");
    for (size_t i = 0; i < s->ns; i++) {
        size_t j = (size_t)(dnc_uniform_at(seed, DNC_STREAM_BOOTSTRAP, r, which, i) * (double)s->ns);
        pick[i] = j < s->ns ? j : s->ns - 1;
    }
    dnc_scaling_mean_of(s, pick, mean, err);
    free(pick);
    return DNC_OK;
}

static dnc_err_method method_of(const dnc_series *s, size_t n)
{
    bool all_samples = true, any_err = false;
    for (size_t i = 0; i < n; i++) {
        all_samples = all_samples && s[i].ns > 1;
        any_err = any_err || (s[i].ns > 1 || s[i].err);
    }
    return all_samples ? DNC_ERR_BOOTSTRAP : any_err ? DNC_ERR_PARAMETRIC : DNC_ERR_RESIDUALS;
}

dnc_status dnc_scaling_alloc_curves(const dnc_series *s, size_t n, double ***mean, double ***err)
{
    *mean = calloc(n, sizeof **mean);
    *err = calloc(n, sizeof **err);
    if (!*mean || !*err)
        return dnc_fail(DNC_ENOMEM, "estimator: out of memory");
    for (size_t i = 0; i < n; i++) {
        (*mean)[i] = malloc(s[i].nt * sizeof(double));
        (*err)[i] = malloc(s[i].nt * sizeof(double));
        if (!(*mean)[i] || !(*err)[i])
            return dnc_fail(DNC_ENOMEM, "estimator: out of memory");
    }
    return DNC_OK;
}

void dnc_scaling_free_curves(size_t n, double **mean, double **err)
{
    for (size_t i = 0; mean && i < n; i++)
        free(mean[i]);
    for (size_t i = 0; err && i < n; i++)
        free(err[i]);
    free(mean);
    free(err);
}

/* value[] from the data, error[] from the bootstrap (or the fit residuals
 * for deterministic data). Components that come out NAN in a replica are
 * left out of that component's spread. */
dnc_status dnc_scaling_with_errors(const dnc_series *s, size_t n, estimator_fn fn, void *ctx,
                                   size_t nout, const boot_opts *bo, double *value, double *error,
                                   dnc_err_method *method)
{
    double **mean = NULL, **err = NULL;
    double *out = malloc(nout * sizeof *out), *out_err = malloc(nout * sizeof *out_err);
    double *sum = calloc(nout, sizeof *sum), *sum2 = calloc(nout, sizeof *sum2);
    size_t *cnt = calloc(nout, sizeof *cnt);
    dnc_status st = (!out || !out_err || !sum || !sum2 || !cnt)
                        ? dnc_fail(DNC_ENOMEM, "estimator: out of memory")
                        : dnc_scaling_alloc_curves(s, n, &mean, &err);
    dnc_err_method m = method_of(s, n);
    for (size_t i = 0; !st && i < n; i++)
        st = replica_mean(&s[i], bo->seed, 0, (uint32_t)i, mean[i], err[i]);
    if (!st && bo->replica)
        bo->replica(ctx, bo->seed, 0);
    if (!st)
        st = fn(ctx, s, n, mean, err, value, error);
    size_t nboot = m == DNC_ERR_RESIDUALS ? 0 : (bo->nboot < 2 ? 2 : bo->nboot);
    for (size_t r = 1; !st && r <= nboot; r++) {
        for (size_t i = 0; !st && i < n; i++)
            st = replica_mean(&s[i], bo->seed, (uint32_t)r, (uint32_t)i, mean[i], err[i]);
        if (st)
            break;
        if (bo->replica)
            bo->replica(ctx, bo->seed, (uint32_t)r);
        dnc_status rs = fn(ctx, s, n, mean, err, out, out_err);
        if (rs) {
            dnc_clear_error();
            continue;
        }
        for (size_t k = 0; k < nout; k++)
            if (isfinite(out[k])) {
                sum[k] += out[k];
                sum2[k] += out[k] * out[k];
                cnt[k]++;
            }
    }
    for (size_t k = 0; !st && nboot && k < nout; k++) {
        if (cnt[k] < nboot / 2 + 1 || cnt[k] < 2) {
            error[k] = NAN;
            continue;
        }
        double mu = sum[k] / (double)cnt[k];
        double var = (sum2[k] - (double)cnt[k] * mu * mu) / (double)(cnt[k] - 1);
        error[k] = sqrt(var > 0 ? var : 0.0);
    }
    if (method)
        *method = m;
    dnc_scaling_free_curves(n, mean, err);
    free(out);
    free(out_err);
    free(sum);
    free(sum2);
    free(cnt);
    return st;
}

/* ================================================================ fits */

/* Ordinary least squares y = c0 + c1 x; errors from the residual scatter. */
dnc_status dnc_scaling_line_fit(const double *x, const double *y, size_t n, double *c0, double *c1,
                                double *e0, double *e1)
{
    if (n < 3)
        return dnc_fail(DNC_ENUM, "fit: need at least 3 points, got %zu", n);
    double cov00, cov01, cov11, sumsq;
    gsl_fit_linear(x, 1, y, 1, n, c0, c1, &cov00, &cov01, &cov11, &sumsq);
    if (!isfinite(*c0) || !isfinite(*c1))
        return dnc_fail(DNC_ENUM, "fit: singular (all x equal?)");
    if (e0)
        *e0 = sqrt(cov00);
    if (e1)
        *e1 = sqrt(cov11);
    return DNC_OK;
}

/* Linear least squares y = sum_j c_j X_j (X: n rows of p columns,
 * row-major); errors of the coefficients from the residual scatter. */
static dnc_status lsq_fit(const double *Xv, const double *y, size_t n, size_t p, double *coef,
                          double *cerr)
{
    if (n < p + 1)
        return dnc_fail(DNC_ENUM, "fit: need at least %zu points, got %zu", p + 1, n);
    dnc_gsl_quiet();
    gsl_matrix *X = gsl_matrix_alloc(n, p), *cov = gsl_matrix_alloc(p, p);
    gsl_vector *Y = gsl_vector_alloc(n), *c = gsl_vector_alloc(p);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, p);
    dnc_status st = DNC_OK;
    if (!X || !cov || !Y || !c || !w) {
        st = dnc_fail(DNC_ENOMEM, "fit: out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < p; j++)
                gsl_matrix_set(X, i, j, Xv[i * p + j]);
            gsl_vector_set(Y, i, y[i]);
        }
        double chisq;
        gsl_multifit_linear(X, Y, c, cov, &chisq, w);
        for (size_t j = 0; j < p; j++) {
            coef[j] = gsl_vector_get(c, j);
            cerr[j] = sqrt(gsl_matrix_get(cov, j, j) * chisq / (double)(n - p));
            if (!isfinite(coef[j]))
                st = dnc_fail(DNC_ENUM, "fit: singular design");
        }
    }
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(Y);
    gsl_vector_free(c);
    if (w)
        gsl_multifit_linear_free(w);
    return st;
}

/* Quadratic y = c0 + c1 u + c2 u^2 with centred u; returns c2 and its error. */
dnc_status dnc_scaling_quad_fit(const double *x, const double *y, size_t n, double *c2, double *e2)
{
    double xm = 0.0;
    for (size_t i = 0; i < n; i++)
        xm += x[i] / (double)n;
    double *X = malloc((n ? n : 1) * 3 * sizeof *X);
    if (!X)
        return dnc_fail(DNC_ENOMEM, "quadratic fit: out of memory");
    for (size_t i = 0; i < n; i++) {
        double u = x[i] - xm;
        X[3 * i] = 1.0;
        X[3 * i + 1] = u;
        X[3 * i + 2] = u * u;
    }
    double c[3], e[3];
    dnc_status st = lsq_fit(X, y, n, 3, c, e);
    free(X);
    *c2 = c[2];
    *e2 = e[2];
    return st;
}

/* ================================================================ decay */

dnc_decay_opts dnc_decay_opts_default(void)
{
    return (dnc_decay_opts){.tmin = 10.0, .tmax = 0.0, .m = 4.0, .omega = 1.0,
                            .log_correction = false, .nboot = 200, .seed = 1,
                            .tmin_spread = 2.0};
}

dnc_status dnc_scaling_check_decay_opts(const dnc_decay_opts *o)
{
    if (!(o->tmin >= 0.0) || !isfinite(o->tmin) || !isfinite(o->tmax))
        return dnc_fail(DNC_EINVAL, "tmin must be finite and >= 0, got %g", o->tmin);
    if (o->tmax > 0.0 && o->tmax <= o->tmin)
        return dnc_fail(DNC_EINVAL, "tmax (%g) must exceed tmin (%g)", o->tmax, o->tmin);
    if (!(o->m > 1.0) || !isfinite(o->m))
        return dnc_fail(DNC_EINVAL, "local-slope ratio m must be > 1, got %g", o->m);
    if (!(o->omega > 0.0) || !isfinite(o->omega))
        return dnc_fail(DNC_EINVAL, "correction exponent omega must be > 0, got %g", o->omega);
    if (!(o->tmin_spread >= 1.0) || !isfinite(o->tmin_spread))
        return dnc_fail(DNC_EINVAL, "tmin spread must be a finite number >= 1, got %g",
                        o->tmin_spread);
    return DNC_OK;
}

bool dnc_scaling_in_window(const dnc_decay_opts *o, double t)
{
    return t > 0.0 && t >= o->tmin && (o->tmax <= 0.0 || t <= o->tmax);
}

static bool in_window_from(const dnc_decay_opts *o, double tmin, double t)
{
    return t > 0.0 && t >= tmin && (o->tmax <= 0.0 || t <= o->tmax);
}

/* ln y at ln t = lt by linear interpolation in (ln t, ln y); NAN outside. */
static double interp_log(const double *t, const double *y, size_t n, double lt)
{
    size_t lo = 0, hi = n;
    while (lo < n && !(t[lo] > 0.0))
        lo++;
    if (lo >= n || lt < log(t[lo]) || lt > log(t[n - 1]))
        return NAN;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (log(t[mid]) <= lt)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == n - 1 || !(y[lo] > 0.0))
        return y[lo] > 0.0 ? log(y[lo]) : NAN;
    if (!(y[lo + 1] > 0.0))
        return NAN;
    double a = log(t[lo]), b = log(t[lo + 1]);
    double f = (lt - a) / (b - a);
    return (1.0 - f) * log(y[lo]) + f * log(y[lo + 1]);
}

/* Times at which the effective exponent is evaluated: t/m >= first t > 0. */
static size_t eff_times(const dnc_series *s, double m, size_t *first)
{
    size_t k0 = 0;
    while (k0 < s->nt && !(s->t[k0] > 0.0))
        k0++;
    size_t k = k0;
    while (k < s->nt && s->t[k] / m < s->t[k0] * (1.0 - 1e-12))
        k++;
    *first = k;
    return k < s->nt ? s->nt - k : 0;
}

/* tmin_lo, tmin_hi: the range replicas draw their tmin from (log-uniform);
 * tmin_r: the window start of the replica being estimated. */
typedef struct {
    const dnc_decay_opts *o;
    size_t eff_first, neff;
    double tmin_lo, tmin_hi, tmin_r;
} decay_ctx;

/* The tmin range of the bootstrap: [tmin / J, tmin J] around the window
 * start actually used (at least the first time > 0), the upper end kept at
 * or below the geometric mean of that start and the window end, so that
 * every replica keeps at least half the window's decades. */
static void tmin_range(const dnc_series *s, const dnc_decay_opts *o, decay_ctx *c)
{
    double first = 0.0, last = s->t[s->nt - 1];
    for (size_t k = 0; k < s->nt && !(first > 0.0); k++)
        first = s->t[k] > 0.0 ? s->t[k] : 0.0;
    double start = o->tmin > first ? o->tmin : first;
    double end = o->tmax > 0.0 && o->tmax < last ? o->tmax : last;
    double hi = start * o->tmin_spread, cap = sqrt(start * end);
    c->tmin_lo = start / o->tmin_spread;
    c->tmin_hi = hi < cap ? hi : (cap > start ? cap : start);
    c->tmin_r = o->tmin;
}

/* Replica 0 (the data) fits from tmin itself; every other draws its own. */
static void decay_replica(void *vctx, uint64_t seed, uint32_t r)
{
    decay_ctx *c = vctx;
    if (r == 0 || !(c->tmin_hi > c->tmin_lo)) {
        c->tmin_r = c->o->tmin;
        return;
    }
    double u = dnc_uniform_at(seed, DNC_STREAM_BOOTSTRAP, r, UINT32_MAX, 0);
    c->tmin_r = c->tmin_lo * pow(c->tmin_hi / c->tmin_lo, u);
}

/* out: delta, delta_inf, ln A, curvature, then delta_eff[neff]. */
static dnc_status decay_estimator(void *vctx, const dnc_series *s, size_t n, double *const *mean,
                                  double *const *err, double *out, double *out_err)
{
    (void)n;
    (void)err;
    decay_ctx *c = vctx;
    const dnc_decay_opts *o = c->o;
    const double *t = s->t, *y = mean[0];
    size_t nt = s->nt, np = 0;
    double *lx = malloc(nt * sizeof *lx), *ly = malloc(nt * sizeof *ly);
    double *ex = malloc(3 * nt * sizeof *ex), *ey = malloc(nt * sizeof *ey);
    dnc_status st = DNC_OK;
    if (!lx || !ly || !ex || !ey) {
        st = dnc_fail(DNC_ENOMEM, "decay fit: out of memory");
        goto done;
    }
    for (size_t k = 0; k < nt; k++)
        if (in_window_from(o, c->tmin_r, t[k]) && y[k] > 0.0) {
            lx[np] = log(t[k]);
            ly[np++] = log(y[k]);
        }
    double c0, c1, e0, e1;
    if ((st = dnc_scaling_line_fit(lx, ly, np, &c0, &c1, &e0, &e1)))
        goto done;
    out[0] = -c1;
    out_err[0] = e1;
    out[2] = c0;
    out_err[2] = e0;
    if ((st = dnc_scaling_quad_fit(lx, ly, np, &out[3], &out_err[3])))
        goto done;
    out[3] *= 2.0; /* d^2 ln y / d(ln t)^2 */
    out_err[3] *= 2.0;
    size_t ne = 0;
    for (size_t j = 0; j < c->neff; j++) {
        size_t k = c->eff_first + j;
        double lb = interp_log(t, y, nt, log(t[k] / o->m));
        double d = y[k] > 0.0 ? -(log(y[k]) - lb) / log(o->m) : NAN;
        out[4 + j] = d;
        out_err[4 + j] = 0.0;
        if (isfinite(d) && in_window_from(o, c->tmin_r, t[k])) {
            double corr = pow(t[k], -o->omega);
            ex[3 * ne] = 1.0;
            ex[3 * ne + 1] = corr;
            ex[3 * ne + 2] = corr * log(t[k]);
            ey[ne++] = d;
        }
    }
    if (!o->log_correction) /* drop the third column */
        for (size_t i = 0; i < ne; i++) {
            ex[2 * i] = ex[3 * i];
            ex[2 * i + 1] = ex[3 * i + 1];
        }
    double cf[3], ce[3];
    out[1] = out_err[1] = NAN;
    if (lsq_fit(ex, ey, ne, o->log_correction ? 3 : 2, cf, ce) == DNC_OK) {
        out[1] = cf[0];
        out_err[1] = ce[0];
    } else {
        dnc_clear_error();
    }
done:
    free(lx);
    free(ly);
    free(ex);
    free(ey);
    return st;
}

dnc_status dnc_scaling_check_series(const dnc_series *s)
{
    if (!s || !s->nt || !s->ns || !s->t || !s->y)
        return dnc_fail(DNC_EINVAL, "series: empty");
    for (size_t k = 0; k < s->nt; k++) {
        if (!isfinite(s->t[k]) || (k && s->t[k] <= s->t[k - 1]))
            return dnc_fail(DNC_EINVAL, "series: times must be finite and increasing (t[%zu] = %g)",
                            k, s->t[k]);
        for (size_t i = 0; i < s->ns; i++)
            if (!isfinite(s->y[i * s->nt + k]))
                return dnc_fail(DNC_EINVAL, "series: value at t = %g in sample %zu is not finite",
                                s->t[k], i);
        if (s->err && !(s->err[k] >= 0.0 && isfinite(s->err[k])))
            return dnc_fail(DNC_EINVAL, "series: error at t = %g must be finite and >= 0",
                            s->t[k]);
    }
    return DNC_OK;
}

/* Combined errors beyond which the plain fit and the extrapolation
 * disagree: 1 ("beyond their errors"). Both come from the same data, so
 * their errors are positively correlated and the combined error
 * sqrt(e1^2 + e2^2) overstates the spread of the difference: one combined
 * error is already a real disagreement. */
#define QUOTE_SIGMAS 1.0

static bool fit_and_extrapolation_disagree(const dnc_decay_result *r)
{
    double diff = fabs(r->delta.value - r->delta_inf.value);
    double comb = hypot(r->delta.error, r->delta_inf.error);
    return isfinite(diff) && isfinite(comb) && diff > QUOTE_SIGMAS * comb;
}

static void choose_quote(dnc_decay_result *r)
{
    r->systematic = 0.0;
    r->quote_inf = false;
    if (!isfinite(r->delta_inf.value) || !isfinite(r->delta_inf.error))
        return;
    if (fit_and_extrapolation_disagree(r)) {
        r->quote_inf = true;
        r->systematic = fabs(r->delta.value - r->delta_inf.value);
        return;
    }
    r->quote_inf = r->delta_inf.error < r->delta.error;
}

/* The bootstrap over ns samples underestimates the standard error of a
 * mean by sqrt((ns - 1) / ns), and the error itself is uncertain with few
 * samples: (x - mu) / error follows Student's t with ns - 1 degrees of
 * freedom, not a normal law. The factor makes +-1.96 errors the t
 * interval of 95% (x 1.12 for 16 samples, x 1.29 for 8, -> 1 for many). */
static double small_sample_factor(size_t ns)
{
    if (ns < 2)
        return 1.0;
    double dof = (double)(ns - 1);
    return sqrt((double)ns / dof) * gsl_cdf_tdist_Pinv(0.975, dof) / gsl_cdf_ugaussian_Pinv(0.975);
}

dnc_status dnc_decay_fit(const dnc_series *s, const dnc_decay_opts *o, dnc_decay_result *r)
{
    memset(r, 0, sizeof *r);
    dnc_status st;
    if ((st = dnc_scaling_check_series(s)) || (st = dnc_scaling_check_decay_opts(o)))
        return st;
    decay_ctx c = {.o = o};
    c.neff = eff_times(s, o->m, &c.eff_first);
    size_t nout = 4 + c.neff;
    double *v = malloc(nout * sizeof *v), *e = malloc(nout * sizeof *e);
    r->t_eff = malloc((c.neff + 1) * sizeof(double));
    r->delta_eff = malloc((c.neff + 1) * sizeof(double));
    r->delta_eff_err = malloc((c.neff + 1) * sizeof(double));
    if (!v || !e || !r->t_eff || !r->delta_eff || !r->delta_eff_err) {
        free(v);
        free(e);
        dnc_decay_result_free(r);
        return dnc_fail(DNC_ENOMEM, "decay fit: out of memory");
    }
    tmin_range(s, o, &c);
    boot_opts bo = {o->nboot, o->seed, decay_replica};
    st = dnc_scaling_with_errors(s, 1, decay_estimator, &c, nout, &bo, v, e, &r->method);
    if (!st && r->method == DNC_ERR_BOOTSTRAP) {
        double f = small_sample_factor(s->ns);
        for (size_t k = 0; k < nout; k++)
            e[k] *= f;
    }
    if (!st) {
        r->delta = (dnc_estimate){v[0], e[0]};
        r->delta_inf = (dnc_estimate){v[1], e[1]};
        r->amplitude = (dnc_estimate){exp(v[2]), exp(v[2]) * e[2]};
        r->curvature = (dnc_estimate){v[3], e[3]};
        r->neff = c.neff;
        for (size_t j = 0; j < c.neff; j++) {
            r->t_eff[j] = s->t[c.eff_first + j];
            r->delta_eff[j] = v[4 + j];
            r->delta_eff_err[j] = e[4 + j];
        }
        for (size_t k = 0; k < s->nt; k++)
            r->npoints += dnc_scaling_in_window(o, s->t[k]);
        choose_quote(r);
    }
    free(v);
    free(e);
    if (st)
        dnc_decay_result_free(r);
    return st;
}

const char *dnc_decay_quote_reason(const dnc_decay_result *r)
{
    if (!isfinite(r->delta_inf.value) || !isfinite(r->delta_inf.error))
        return "the extrapolation failed (too few effective exponents in the window): the plain "
               "fit is the only estimate";
    if (fit_and_extrapolation_disagree(r))
        return "the plain fit and the extrapolation differ by more than their combined error: "
               "corrections to scaling bias the plain fit; the extrapolation removes the leading "
               "one, and the difference is the systematic error of the window";
    return r->quote_inf ? "the plain fit and the extrapolation agree within their combined error; "
                          "the extrapolation has the smaller error"
                        : "the plain fit and the extrapolation agree within their combined error; "
                          "the plain fit has the smaller error";
}

void dnc_decay_result_free(dnc_decay_result *r)
{
    free(r->t_eff);
    free(r->delta_eff);
    free(r->delta_eff_err);
    r->t_eff = r->delta_eff = r->delta_eff_err = NULL;
    r->neff = 0;
}
