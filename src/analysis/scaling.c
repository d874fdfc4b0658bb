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

static void mean_of(const dnc_series *s, const size_t *pick, double *mean, double *err)
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
    mean_of(s, NULL, mean, err);
    return DNC_OK;
}

/* The mean curve of bootstrap replica r of series `which` (r = 0: the data). */
static dnc_status replica_mean(const dnc_series *s, uint64_t seed, uint32_t r, uint32_t which,
                               double *mean, double *err)
{
    if (r == 0 || (s->ns == 1 && !s->err)) {
        mean_of(s, NULL, mean, err);
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
    mean_of(s, pick, mean, err);
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

/* An estimator maps the mean curves of n series to nout numbers and their
 * least-squares errors (used for deterministic data). */
typedef dnc_status (*estimator_fn)(void *ctx, const dnc_series *s, size_t n, double *const *mean,
                                   double *const *err, double *out, double *out_err);

typedef struct {
    size_t nboot;
    uint64_t seed;
} boot_opts;

static dnc_status alloc_curves(const dnc_series *s, size_t n, double ***mean, double ***err)
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

static void free_curves(size_t n, double **mean, double **err)
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
static dnc_status with_errors(const dnc_series *s, size_t n, estimator_fn fn, void *ctx,
                              size_t nout, const boot_opts *bo, double *value, double *error,
                              dnc_err_method *method)
{
    double **mean = NULL, **err = NULL;
    double *out = malloc(nout * sizeof *out), *out_err = malloc(nout * sizeof *out_err);
    double *sum = calloc(nout, sizeof *sum), *sum2 = calloc(nout, sizeof *sum2);
    size_t *cnt = calloc(nout, sizeof *cnt);
    dnc_status st = (!out || !out_err || !sum || !sum2 || !cnt)
                        ? dnc_fail(DNC_ENOMEM, "estimator: out of memory")
                        : alloc_curves(s, n, &mean, &err);
    dnc_err_method m = method_of(s, n);
    for (size_t i = 0; !st && i < n; i++)
        st = replica_mean(&s[i], bo->seed, 0, (uint32_t)i, mean[i], err[i]);
    if (!st)
        st = fn(ctx, s, n, mean, err, value, error);
    size_t nboot = m == DNC_ERR_RESIDUALS ? 0 : (bo->nboot < 2 ? 2 : bo->nboot);
    for (size_t r = 1; !st && r <= nboot; r++) {
        for (size_t i = 0; !st && i < n; i++)
            st = replica_mean(&s[i], bo->seed, (uint32_t)r, (uint32_t)i, mean[i], err[i]);
        if (st)
            break;
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
    free_curves(n, mean, err);
    free(out);
    free(out_err);
    free(sum);
    free(sum2);
    free(cnt);
    return st;
}

/* ================================================================ fits */

/* Ordinary least squares y = c0 + c1 x; errors from the residual scatter. */
static dnc_status line_fit(const double *x, const double *y, size_t n, double *c0, double *c1,
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
static dnc_status quad_fit(const double *x, const double *y, size_t n, double *c2, double *e2)
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
                            .log_correction = false, .nboot = 200, .seed = 1};
}

static dnc_status check_decay_opts(const dnc_decay_opts *o)
{
    if (!(o->tmin >= 0.0) || !isfinite(o->tmin) || !isfinite(o->tmax))
        return dnc_fail(DNC_EINVAL, "tmin must be finite and >= 0, got %g", o->tmin);
    if (o->tmax > 0.0 && o->tmax <= o->tmin)
        return dnc_fail(DNC_EINVAL, "tmax (%g) must exceed tmin (%g)", o->tmax, o->tmin);
    if (!(o->m > 1.0) || !isfinite(o->m))
        return dnc_fail(DNC_EINVAL, "local-slope ratio m must be > 1, got %g", o->m);
    if (!(o->omega > 0.0) || !isfinite(o->omega))
        return dnc_fail(DNC_EINVAL, "correction exponent omega must be > 0, got %g", o->omega);
    return DNC_OK;
}

static bool in_window(const dnc_decay_opts *o, double t)
{
    return t > 0.0 && t >= o->tmin && (o->tmax <= 0.0 || t <= o->tmax);
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

typedef struct {
    const dnc_decay_opts *o;
    size_t eff_first, neff;
} decay_ctx;

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
        if (in_window(o, t[k]) && y[k] > 0.0) {
            lx[np] = log(t[k]);
            ly[np++] = log(y[k]);
        }
    double c0, c1, e0, e1;
    if ((st = line_fit(lx, ly, np, &c0, &c1, &e0, &e1)))
        goto done;
    out[0] = -c1;
    out_err[0] = e1;
    out[2] = c0;
    out_err[2] = e0;
    if ((st = quad_fit(lx, ly, np, &out[3], &out_err[3])))
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
        if (isfinite(d) && in_window(o, t[k])) {
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

static dnc_status check_series(const dnc_series *s)
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

dnc_status dnc_decay_fit(const dnc_series *s, const dnc_decay_opts *o, dnc_decay_result *r)
{
    memset(r, 0, sizeof *r);
    dnc_status st;
    if ((st = check_series(s)) || (st = check_decay_opts(o)))
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
    boot_opts bo = {o->nboot, o->seed};
    st = with_errors(s, 1, decay_estimator, &c, nout, &bo, v, e, &r->method);
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
            r->npoints += in_window(o, s->t[k]);
    }
    free(v);
    free(e);
    if (st)
        dnc_decay_result_free(r);
    return st;
}

void dnc_decay_result_free(dnc_decay_result *r)
{
    free(r->t_eff);
    free(r->delta_eff);
    free(r->delta_eff_err);
    r->t_eff = r->delta_eff = r->delta_eff_err = NULL;
    r->neff = 0;
}

/* ================================================================ critical point */

typedef struct {
    const dnc_decay_opts *o;
    const size_t *order; /* series sorted by param */
} crit_ctx;

static double series_curvature(const dnc_decay_opts *o, const dnc_series *s, const double *y,
                               double *err)
{
    size_t np = 0;
    double *lx = malloc(s->nt * sizeof *lx), *ly = malloc(s->nt * sizeof *ly);
    double c2 = NAN;
    *err = NAN;
    if (lx && ly) {
        for (size_t k = 0; k < s->nt; k++)
            if (in_window(o, s->t[k]) && y[k] > 0.0) {
                lx[np] = log(s->t[k]);
                ly[np++] = log(y[k]);
            }
        if (quad_fit(lx, ly, np, &c2, err) == DNC_OK) {
            c2 *= 2.0;
            *err *= 2.0;
        } else {
            dnc_clear_error();
            c2 = NAN;
        }
    }
    free(lx);
    free(ly);
    return c2;
}

/* out[i] = curvature of series i, out[n] = the zero of the straight line
 * through curvature vs parameter (all series: robust against the noise of
 * any single one), NAN when the line falls or lies far outside the range. */
static dnc_status crit_estimator(void *vctx, const dnc_series *s, size_t n, double *const *mean,
                                 double *const *err, double *out, double *out_err)
{
    (void)err;
    crit_ctx *c = vctx;
    double px[64], cy[64];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = series_curvature(c->o, &s[i], mean[i], &out_err[i]);
        if (isfinite(out[i]) && m < 64) {
            px[m] = s[i].param;
            cy[m++] = out[i];
        }
    }
    out[n] = out_err[n] = NAN;
    double pmin = s[c->order[0]].param, pmax = s[c->order[n - 1]].param;
    double c0, c1, e0, e1;
    if (m >= 2) {
        if (m == 2) {
            c1 = (cy[1] - cy[0]) / (px[1] - px[0]);
            c0 = cy[0] - c1 * px[0];
            e0 = e1 = NAN;
        } else if (line_fit(px, cy, m, &c0, &c1, &e0, &e1) != DNC_OK) {
            dnc_clear_error();
            return DNC_OK;
        }
        double root = -c0 / c1;
        /* replicas keep roots just outside the range: dropping them would
         * truncate the bootstrap distribution; the data's own root must lie
         * inside (checked by the caller) */
        if (c1 > 0.0 && root >= pmin - (pmax - pmin) && root <= pmax + (pmax - pmin)) {
            out[n] = root;
            /* deterministic data: the line's own uncertainty */
            out_err[n] = isfinite(e0) ? hypot(e0, root * e1) / c1 : (pmax - pmin) / 2.0;
        }
    }
    return DNC_OK;
}

dnc_status dnc_critical_point(const dnc_series *s, size_t n, const dnc_decay_opts *o,
                              dnc_critical_result *r)
{
    memset(r, 0, sizeof *r);
    dnc_status st = check_decay_opts(o);
    if (st)
        return st;
    if (n < 2)
        return dnc_fail(DNC_EINVAL, "critical point: need series at >= 2 parameter values, got %zu", n);
    for (size_t i = 0; i < n; i++) {
        if ((st = check_series(&s[i])))
            return st;
        if (!isfinite(s[i].param))
            return dnc_fail(DNC_EINVAL, "critical point: series %zu has no parameter value", i);
    }
    size_t *order = malloc(n * sizeof *order);
    double *v = malloc((n + 1) * sizeof *v), *e = malloc((n + 1) * sizeof *e);
    r->curvature = malloc(n * sizeof(double));
    r->curvature_err = malloc(n * sizeof(double));
    if (!order || !v || !e || !r->curvature || !r->curvature_err) {
        st = dnc_fail(DNC_ENOMEM, "critical point: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++) /* insertion sort by parameter */
        for (size_t j = i; j > 0 && s[order[j]].param < s[order[j - 1]].param; j--) {
            size_t tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    crit_ctx c = {o, order};
    boot_opts bo = {o->nboot, o->seed};
    if ((st = with_errors(s, n, crit_estimator, &c, n + 1, &bo, v, e, NULL)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        r->curvature[i] = v[i];
        r->curvature_err[i] = e[i];
    }
    double pmin = s[order[0]].param, pmax = s[order[n - 1]].param;
    r->critical = (dnc_estimate){v[n], e[n]};
    if (!(v[n] >= pmin && v[n] <= pmax))
        r->critical = (dnc_estimate){NAN, NAN};
    r->bracket = (size_t)-1;
    for (size_t j = 0; j + 1 < n; j++)
        if (v[order[j]] <= 0.0 && v[order[j + 1]] > 0.0) {
            r->bracket = j;
            break;
        }
done:
    free(order);
    free(v);
    free(e);
    if (st)
        dnc_critical_result_free(r);
    return st;
}

void dnc_critical_result_free(dnc_critical_result *r)
{
    free(r->curvature);
    free(r->curvature_err);
    r->curvature = r->curvature_err = NULL;
}

/* ================================================================ off criticality */

dnc_status dnc_stationary(const dnc_series *s, double tburn, dnc_estimate *y_star)
{
    dnc_status st = check_series(s);
    if (st)
        return st;
    size_t k0 = 0;
    while (k0 < s->nt && s->t[k0] < tburn)
        k0++;
    size_t nk = s->nt - k0;
    if (nk == 0)
        return dnc_fail(DNC_EINVAL, "stationary: no times after tburn = %g (last t = %g)", tburn,
                        s->t[s->nt - 1]);
    double m = 0.0, v = 0.0;
    if (s->ns > 1) {
        for (size_t i = 0; i < s->ns; i++) {
            double a = 0.0;
            for (size_t k = k0; k < s->nt; k++)
                a += s->y[i * s->nt + k] / (double)nk;
            m += a;
            v += a * a;
        }
        m /= (double)s->ns;
        v = (v / (double)s->ns - m * m) * (double)s->ns / (double)(s->ns - 1);
        *y_star = (dnc_estimate){m, sqrt(fmax(v, 0.0) / (double)s->ns)};
        return DNC_OK;
    }
    double e = 0.0;
    for (size_t k = k0; k < s->nt; k++) {
        m += s->y[k] / (double)nk;
        e += s->err ? s->err[k] / (double)nk : 0.0;
    }
    for (size_t k = k0; k < s->nt; k++)
        v += (s->y[k] - m) * (s->y[k] - m) / (double)nk;
    /* one sample: the (correlated) error bars are not reduced by averaging;
     * deterministic data: the residual drift over the window */
    *y_star = (dnc_estimate){m, s->err ? e : sqrt(v)};
    return DNC_OK;
}

typedef struct {
    double y_inf, rel_hi, rel_lo;
} relax_ctx;

static dnc_status relax_estimator(void *vctx, const dnc_series *s, size_t n, double *const *mean,
                                  double *const *err, double *out, double *out_err)
{
    (void)n;
    (void)err;
    relax_ctx *c = vctx;
    const double *y = mean[0];
    double d0 = fabs(y[0] - c->y_inf);
    double *x = malloc(s->nt * sizeof *x), *ly = malloc(s->nt * sizeof *ly);
    if (!x || !ly) {
        free(x);
        free(ly);
        return dnc_fail(DNC_ENOMEM, "relaxation time: out of memory");
    }
    size_t np = 0;
    for (size_t k = 1; k < s->nt; k++) {
        double d = fabs(y[k] - c->y_inf);
        if (d < c->rel_lo * d0 || !(d > 0.0))
            break; /* noise floor / numerical zero reached */
        if (d <= c->rel_hi * d0) {
            x[np] = s->t[k];
            ly[np++] = log(d);
        }
    }
    double c0, c1, e1;
    dnc_status st = line_fit(x, ly, np, &c0, &c1, NULL, &e1);
    if (!st && !(c1 < 0.0))
        st = dnc_fail(DNC_ENUM, "relaxation time: |y - y_inf| does not decay (slope %g)", c1);
    if (!st) {
        out[0] = -1.0 / c1;
        out_err[0] = e1 / (c1 * c1);
    }
    free(x);
    free(ly);
    return st;
}

dnc_status dnc_relaxation_time(const dnc_series *s, double y_inf, double rel_hi, double rel_lo,
                               size_t nboot, uint64_t seed, dnc_estimate *xi)
{
    dnc_status st = check_series(s);
    if (st)
        return st;
    if (!(rel_hi > rel_lo && rel_lo > 0.0 && rel_hi <= 1.0))
        return dnc_fail(DNC_EINVAL, "relaxation time: need 0 < rel_lo < rel_hi <= 1, got %g, %g",
                        rel_lo, rel_hi);
    relax_ctx c = {y_inf, rel_hi, rel_lo};
    boot_opts bo = {nboot, seed};
    double v, e;
    if ((st = with_errors(s, 1, relax_estimator, &c, 1, &bo, &v, &e, NULL)))
        return st;
    *xi = (dnc_estimate){v, e};
    return DNC_OK;
}

dnc_status dnc_power_fit(const double *x, const double *y, const double *dy, size_t n,
                         dnc_estimate *exponent, dnc_estimate *amplitude)
{
    if (n < 3)
        return dnc_fail(DNC_EINVAL, "power fit: need at least 3 points, got %zu", n);
    double *lx = malloc(n * sizeof *lx), *ly = malloc(n * sizeof *ly), *w = malloc(n * sizeof *w);
    dnc_status st = DNC_OK;
    if (!lx || !ly || !w) {
        st = dnc_fail(DNC_ENOMEM, "power fit: out of memory");
        goto done;
    }
    bool weighted = dy != NULL;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] != 0.0 && y[i] > 0.0 && isfinite(x[i]) && isfinite(y[i]))) {
            st = dnc_fail(DNC_EINVAL, "power fit: point %zu (x = %g, y = %g) needs x != 0, y > 0",
                          i, x[i], y[i]);
            goto done;
        }
        lx[i] = log(fabs(x[i]));
        ly[i] = log(y[i]);
        double rel = dy ? dy[i] / y[i] : 0.0;
        weighted = weighted && rel > 0.0 && isfinite(rel);
        w[i] = rel > 0.0 ? 1.0 / (rel * rel) : 0.0;
    }
    double c0, c1, c00, c01, c11, chisq;
    if (weighted) {
        gsl_fit_wlinear(lx, 1, w, 1, ly, 1, n, &c0, &c1, &c00, &c01, &c11, &chisq);
        /* inflate by the reduced chi^2 when the points scatter more than their errors */
        double red = chisq / (double)(n - 2);
        if (red > 1.0) {
            c00 *= red;
            c11 *= red;
        }
    } else {
        gsl_fit_linear(lx, 1, ly, 1, n, &c0, &c1, &c00, &c01, &c11, &chisq);
    }
    if (!isfinite(c1)) {
        st = dnc_fail(DNC_ENUM, "power fit: singular (all |x| equal?)");
        goto done;
    }
    *exponent = (dnc_estimate){c1, sqrt(c11)};
    *amplitude = (dnc_estimate){exp(c0), exp(c0) * sqrt(c00)};
done:
    free(lx);
    free(ly);
    free(w);
    return st;
}

/* ================================================================ metric factor */

typedef struct {
    double tmin, tmax;
} metric_ctx;

static dnc_status metric_estimator(void *vctx, const dnc_series *s, size_t n, double *const *mean,
                                   double *const *err, double *out, double *out_err)
{
    (void)n;
    (void)err;
    metric_ctx *c = vctx;
    double *x = malloc(s->nt * sizeof *x), *iy = malloc(s->nt * sizeof *iy);
    if (!x || !iy) {
        free(x);
        free(iy);
        return dnc_fail(DNC_ENOMEM, "metric factor: out of memory");
    }
    size_t np = 0;
    for (size_t k = 0; k < s->nt; k++)
        if (s->t[k] >= c->tmin && (c->tmax <= 0.0 || s->t[k] <= c->tmax) && mean[0][k] > 0.0) {
            x[np] = s->t[k];
            iy[np++] = 1.0 / mean[0][k];
        }
    double c0, c1, e0, e1;
    dnc_status st = line_fit(x, iy, np, &c0, &c1, &e0, &e1);
    if (!st) {
        out[0] = c1;
        out_err[0] = e1;
        out[1] = c0 / c1;
        out_err[1] = fabs(out[1]) * hypot(e0 / c0, e1 / c1);
    }
    free(x);
    free(iy);
    return st;
}

dnc_status dnc_metric_factor(const dnc_series *s, double tmin, double tmax, size_t nboot,
                             uint64_t seed, dnc_estimate *kappa, dnc_estimate *t0)
{
    dnc_status st = check_series(s);
    if (st)
        return st;
    metric_ctx c = {tmin, tmax};
    boot_opts bo = {nboot, seed};
    double v[2], e[2];
    if ((st = with_errors(s, 1, metric_estimator, &c, 2, &bo, v, e, NULL)))
        return st;
    *kappa = (dnc_estimate){v[0], e[0]};
    if (t0)
        *t0 = (dnc_estimate){v[1], e[1]};
    return DNC_OK;
}

/* ================================================================ collapse */

dnc_collapse_opts dnc_collapse_opts_default(void)
{
    return (dnc_collapse_opts){.a0 = 0.5, .b0 = 1.0, .tmin = 10.0, .max_rel_err = 0.5,
                               .nboot = 100, .seed = 1};
}

typedef struct {
    size_t n;
    size_t *np;      /* points per curve */
    double **lt, **ly, **dy;
    double *lnN;
    size_t total;
} collapse_data;

static void collapse_data_free(collapse_data *d)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->lt)
            free(d->lt[i]);
        if (d->ly)
            free(d->ly[i]);
        if (d->dy)
            free(d->dy[i]);
    }
    free(d->np);
    free(d->lt);
    free(d->ly);
    free(d->dy);
    free(d->lnN);
    memset(d, 0, sizeof *d);
}

static dnc_status collapse_prepare(const dnc_series *s, size_t n, const dnc_collapse_opts *o,
                                   double *const *mean, double *const *err, collapse_data *d)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->np = calloc(n, sizeof *d->np);
    d->lt = calloc(n, sizeof *d->lt);
    d->ly = calloc(n, sizeof *d->ly);
    d->dy = calloc(n, sizeof *d->dy);
    d->lnN = calloc(n, sizeof *d->lnN);
    if (!d->np || !d->lt || !d->ly || !d->dy || !d->lnN)
        return dnc_fail(DNC_ENOMEM, "collapse: out of memory");
    bool any_err = false;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < s[i].nt; k++)
            any_err = any_err || err[i][k] > 0.0;
    for (size_t i = 0; i < n; i++) {
        d->lnN[i] = log(s[i].size);
        d->lt[i] = malloc(s[i].nt * sizeof(double));
        d->ly[i] = malloc(s[i].nt * sizeof(double));
        d->dy[i] = malloc(s[i].nt * sizeof(double));
        if (!d->lt[i] || !d->ly[i] || !d->dy[i])
            return dnc_fail(DNC_ENOMEM, "collapse: out of memory");
        for (size_t k = 0; k < s[i].nt; k++) {
            double t = s[i].t[k], y = mean[i][k];
            double rel = any_err ? err[i][k] / y : 1e-3; /* deterministic: equal weights */
            if (!(t > 0.0 && t >= o->tmin && y > 0.0 && rel <= o->max_rel_err))
                continue;
            size_t j = d->np[i]++;
            d->lt[i][j] = log(t);
            d->ly[i][j] = log(y);
            d->dy[i][j] = rel;
        }
        d->total += d->np[i];
    }
    return DNC_OK;
}

/* Index l with lt[l] <= x < lt[l+1], or -1 outside. */
static long bracket_of(const double *lt, size_t np, double x)
{
    if (np < 2 || x < lt[0] || x > lt[np - 1])
        return -1;
    size_t lo = 0, hi = np - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (lt[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return (long)lo;
}

static double collapse_S(const collapse_data *d, double a, double b, size_t *overlap)
{
    double S = 0.0;
    size_t cnt = 0;
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->np[i]; j++) {
            double X = d->lt[i][j] - b * d->lnN[i];
            double Y = d->ly[i][j] + a * d->lnN[i], dY = d->dy[i][j];
            double ysum = 0.0, e2sum = 0.0;
            size_t K = 0;
            for (size_t k = 0; k < d->n; k++) {
                if (k == i)
                    continue;
                double xk = X + b * d->lnN[k]; /* X in curve k's own ln t */
                long l = bracket_of(d->lt[k], d->np[k], xk);
                if (l < 0)
                    continue;
                double f = (xk - d->lt[k][l]) / (d->lt[k][l + 1] - d->lt[k][l]);
                double yk = (1 - f) * d->ly[k][l] + f * d->ly[k][l + 1] + a * d->lnN[k];
                double ek = (1 - f) * d->dy[k][l] + f * d->dy[k][l + 1];
                ysum += yk;
                e2sum += ek * ek;
                K++;
            }
            if (!K)
                continue;
            double ybar = ysum / (double)K, e2bar = e2sum / ((double)K * (double)K);
            S += (Y - ybar) * (Y - ybar) / (dY * dY + e2bar);
            cnt++;
        }
    if (overlap)
        *overlap = cnt;
    /* A collapse must keep the curves on top of each other: shifting them
     * apart would "win" with no overlap at all. */
    if (cnt < d->total / 4 || cnt < 3)
        return 1e30;
    return S / (double)cnt;
}

static double nm_objective(const gsl_vector *v, void *params)
{
    return collapse_S(params, gsl_vector_get(v, 0), gsl_vector_get(v, 1), NULL);
}

static dnc_status minimise(const collapse_data *d, double a0, double b0, double *a, double *b,
                           double *S)
{
    const gsl_multimin_fminimizer_type *T = gsl_multimin_fminimizer_nmsimplex2;
    gsl_multimin_fminimizer *m = gsl_multimin_fminimizer_alloc(T, 2);
    gsl_vector *x = gsl_vector_alloc(2), *step = gsl_vector_alloc(2);
    if (!m || !x || !step) {
        if (m)
            gsl_multimin_fminimizer_free(m);
        gsl_vector_free(x);
        gsl_vector_free(step);
        return dnc_fail(DNC_ENOMEM, "collapse: out of memory");
    }
    gsl_multimin_function f = {nm_objective, 2, (void *)d};
    double ca = a0, cb = b0;
    for (int restart = 0; restart < 3; restart++) {
        gsl_vector_set(x, 0, ca);
        gsl_vector_set(x, 1, cb);
        gsl_vector_set(step, 0, restart ? 0.02 : 0.1);
        gsl_vector_set(step, 1, restart ? 0.05 : 0.2);
        gsl_multimin_fminimizer_set(m, &f, x, step);
        for (int it = 0; it < 400; it++) {
            if (gsl_multimin_fminimizer_iterate(m))
                break;
            if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-6) == GSL_SUCCESS)
                break;
        }
        ca = gsl_vector_get(m->x, 0);
        cb = gsl_vector_get(m->x, 1);
    }
    *a = ca;
    *b = cb;
    *S = m->fval;
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(x);
    gsl_vector_free(step);
    if (!(*S < 1e29))
        return dnc_fail(DNC_ENUM, "collapse: the curves do not overlap (start a, b = %g, %g)", a0,
                        b0);
    return DNC_OK;
}

typedef struct {
    const dnc_collapse_opts *o;
    double a_start, b_start;
    size_t overlap;
} collapse_ctx;

static dnc_status collapse_estimator(void *vctx, const dnc_series *s, size_t n, double *const *mean,
                                     double *const *err, double *out, double *out_err)
{
    collapse_ctx *c = vctx;
    collapse_data d;
    dnc_status st = collapse_prepare(s, n, c->o, mean, err, &d);
    if (!st)
        st = minimise(&d, c->a_start, c->b_start, &out[0], &out[1], &out[2]);
    if (!st) {
        collapse_S(&d, out[0], out[1], &c->overlap);
        /* deterministic data: no statistical error; report the parameter
         * change that doubles S as the resolution of the collapse */
        for (int k = 0; k < 2; k++) {
            double h = 1e-3, base = out[2];
            double p[2] = {out[0], out[1]};
            p[k] += h;
            double up = collapse_S(&d, p[0], p[1], NULL);
            p[k] -= 2 * h;
            double dn = collapse_S(&d, p[0], p[1], NULL);
            double curv = (up + dn - 2 * base) / (h * h);
            out_err[k] = curv > 0 ? sqrt(2.0 * base / curv) : NAN;
        }
        out_err[2] = 0.0;
    }
    collapse_data_free(&d);
    return st;
}

static dnc_status check_collapse(const dnc_series *s, size_t n, const dnc_collapse_opts *o)
{
    if (n < 2)
        return dnc_fail(DNC_EINVAL, "collapse: need at least 2 sizes, got %zu", n);
    for (size_t i = 0; i < n; i++) {
        dnc_status st = check_series(&s[i]);
        if (st)
            return st;
        if (!(s[i].size > 0.0) || !isfinite(s[i].size))
            return dnc_fail(DNC_EINVAL, "collapse: series %zu has no size (got %g)", i, s[i].size);
        for (size_t j = 0; j < i; j++)
            if (s[j].size == s[i].size)
                return dnc_fail(DNC_EINVAL, "collapse: size %g appears twice", s[i].size);
    }
    if (!isfinite(o->a0) || !isfinite(o->b0) || !(o->max_rel_err > 0.0))
        return dnc_fail(DNC_EINVAL, "collapse: bad start (a0 = %g, b0 = %g) or max_rel_err %g",
                        o->a0, o->b0, o->max_rel_err);
    return DNC_OK;
}

dnc_status dnc_collapse_quality(const dnc_series *s, size_t n, const dnc_collapse_opts *o,
                                double a, double b, double *S, size_t *overlap)
{
    dnc_status st = check_collapse(s, n, o);
    if (st)
        return st;
    double **mean = NULL, **err = NULL;
    collapse_data d = {0};
    st = alloc_curves(s, n, &mean, &err);
    for (size_t i = 0; !st && i < n; i++)
        mean_of(&s[i], NULL, mean[i], err[i]);
    if (!st)
        st = collapse_prepare(s, n, o, mean, err, &d);
    if (!st)
        *S = collapse_S(&d, a, b, overlap);
    collapse_data_free(&d);
    free_curves(n, mean, err);
    return st;
}

dnc_status dnc_collapse(const dnc_series *s, size_t n, const dnc_collapse_opts *o,
                        dnc_collapse_result *r)
{
    memset(r, 0, sizeof *r);
    dnc_status st = check_collapse(s, n, o);
    if (st)
        return st;
    /* First the optimum of the data, then every bootstrap replica starts there. */
    collapse_ctx c = {o, o->a0, o->b0, 0};
    double v[3], e[3];
    double **mean = NULL, **err = NULL;
    st = alloc_curves(s, n, &mean, &err);
    for (size_t i = 0; !st && i < n; i++)
        mean_of(&s[i], NULL, mean[i], err[i]);
    if (!st)
        st = collapse_estimator(&c, s, n, mean, err, v, e);
    free_curves(n, mean, err);
    if (st)
        return st;
    r->quality = v[2];
    r->overlap = c.overlap;
    c.a_start = v[0];
    c.b_start = v[1];
    boot_opts bo = {o->nboot, o->seed};
    double bv[3], be[3];
    if ((st = with_errors(s, n, collapse_estimator, &c, 3, &bo, bv, be, &r->method)))
        return st;
    r->a = (dnc_estimate){v[0], be[0]};
    r->b = (dnc_estimate){v[1], be[1]};
    if (r->method == DNC_ERR_RESIDUALS) {
        r->a.error = e[0];
        r->b.error = e[1];
    }
    return DNC_OK;
}

/* ================================================================ classes */

static const char *const exp_names[DNC_NEXP] = {"beta", "nu_perp", "nu_par", "z",    "delta",
                                                "theta", "tau",    "alpha",  "gamma"};

const char *dnc_exponent_name(int k)
{
    return k >= 0 && k < DNC_NEXP ? exp_names[k] : NULL;
}

int dnc_exponent_index(const char *name)
{
    for (int k = 0; k < DNC_NEXP; k++)
        if (name && strcmp(name, exp_names[k]) == 0)
            return k;
    return -1;
}

/* Spreading exponents (Hinrichsen 2000, Table 1; Jensen 1999); the
 * avalanche columns follow from them (see the header). */
#define CLS(nm, b, eb, np, enp, nl, enl, z, ez, d, ed, th, eth)                                   \
    {nm,                                                                                           \
     {b, np, nl, z, d, th, 1.0 + (d) / (1.0 + (th) + (d)), 1.0 + (d), 1.0 + (th) + (d)},          \
     {eb, enp, enl, ez, ed, eth, (ed) / (1.0 + (th) + (d)), ed, (eth) + (ed)}}

static const dnc_uclass classes[] = {
    CLS("mean field", 1.0, 0.0, 0.5, 0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0),
    CLS("DP 1+1", 0.276486, 8e-6, 1.096854, 4e-6, 1.733847, 6e-6, 1.580745, 1e-5, 0.159464,
        6e-6, 0.313686, 8e-6),
    CLS("DP 2+1", 0.584, 0.004, 0.734, 0.004, 1.295, 0.006, 1.766, 0.002, 0.451, 0.003, 0.230,
        0.002),
    CLS("DP 3+1", 0.81, 0.01, 0.581, 0.005, 1.105, 0.005, 1.901, 0.005, 0.73, 0.01, 0.12, 0.02),
};

size_t dnc_uclass_table(const dnc_uclass **table)
{
    *table = classes;
    return sizeof classes / sizeof classes[0];
}

dnc_status dnc_classify(const double *value, const double *error, dnc_uclass_match *matches,
                        size_t *nmatches)
{
    size_t nm = sizeof classes / sizeof classes[0], used = 0;
    for (int k = 0; k < DNC_NEXP; k++) {
        if (isnan(value[k]))
            continue;
        if (!isfinite(value[k]) || !(error[k] > 0.0) || !isfinite(error[k]))
            return dnc_fail(DNC_EINVAL,
                            "classify: %s = %g needs a finite value and an error > 0 (got %g)",
                            exp_names[k], value[k], error[k]);
        used++;
    }
    if (!used)
        return dnc_fail(DNC_EINVAL, "classify: no exponent given");
    for (size_t c = 0; c < nm; c++) {
        double chi2 = 0.0;
        for (int k = 0; k < DNC_NEXP; k++) {
            if (isnan(value[k]))
                continue;
            double d = value[k] - classes[c].value[k];
            chi2 += d * d / (error[k] * error[k] + classes[c].error[k] * classes[c].error[k]);
        }
        matches[c] = (dnc_uclass_match){&classes[c], chi2, used, sqrt(chi2 / (double)used),
                                        gsl_cdf_chisq_Q(chi2, (double)used)};
    }
    for (size_t i = 1; i < nm; i++)
        for (size_t j = i; j > 0 && matches[j].chi2 < matches[j - 1].chi2; j--) {
            dnc_uclass_match tmp = matches[j];
            matches[j] = matches[j - 1];
            matches[j - 1] = tmp;
        }
    *nmatches = nm;
    return DNC_OK;
}

/* ================================================================ tables */

const dnc_table_opts dnc_series_table_opts = {
    .cells = DNC_TABLE_NUMBERS, .need_header = true, .sep = ','};

static long time_column(const dnc_table *tab)
{
    static const char *const names[] = {"t", "layer", "l", "depth", "time", NULL};
    return dnc_table_col_any(tab, names);
}

static long seed_column(const dnc_table *tab)
{
    static const char *const names[] = {"seed", "sample", NULL};
    return dnc_table_col_any(tab, names);
}

/* Samples in a table and the rows of sample j: long format groups rows by
 * consecutive seed values. */
static size_t table_samples(const dnc_table *tab)
{
    long sc = seed_column(tab);
    if (sc < 0)
        return 1;
    size_t n = 1;
    for (size_t r = 1; r < tab->nrows; r++)
        n += tab->v[r * tab->ncols + (size_t)sc] != tab->v[(r - 1) * tab->ncols + (size_t)sc];
    return n;
}

dnc_status dnc_series_from_tables(const dnc_table *tabs, size_t ntabs, const char *value,
                                  dnc_series *out)
{
    memset(out, 0, sizeof *out);
    if (!ntabs)
        return dnc_fail(DNC_EINVAL, "no input tables");
    size_t ns = 0, nt = (size_t)-1;
    for (size_t f = 0; f < ntabs; f++) {
        const dnc_table *tab = &tabs[f];
        long tc = time_column(tab), vc = dnc_table_col(tab, value);
        if (tc < 0)
            return dnc_fail(DNC_EINVAL, "%s: no time column (t, layer, l, depth or time)",
                            tab->source);
        if (vc < 0)
            return dnc_fail(DNC_EINVAL, "%s: no column '%s'", tab->source, value);
        size_t k = table_samples(tab);
        if (tab->nrows % k)
            return dnc_fail(DNC_EINVAL, "%s: seeds have different numbers of rows", tab->source);
        ns += k;
        if (tab->nrows / k < nt)
            nt = tab->nrows / k;
    }
    bool single = ns == 1;
    char errname[256];
    snprintf(errname, sizeof errname, "%s_err", value);
    long ec = single ? dnc_table_col(&tabs[0], strcmp(value, "rho") == 0 ? "err" : errname) : -1;
    if (single && ec < 0)
        ec = dnc_table_col(&tabs[0], errname);
    dnc_status st = dnc_series_alloc(out, nt, ns, ec >= 0);
    if (st)
        return st;
    size_t s = 0;
    for (size_t f = 0; f < ntabs; f++) {
        const dnc_table *tab = &tabs[f];
        size_t tc = (size_t)time_column(tab), vc = (size_t)dnc_table_col(tab, value);
        size_t k = table_samples(tab), rows = tab->nrows / k;
        for (size_t j = 0; j < k; j++, s++)
            for (size_t i = 0; i < nt; i++) {
                const double *row = tab->v + (j * rows + i) * tab->ncols;
                if (s == 0)
                    out->t[i] = row[tc];
                else if (row[tc] != out->t[i]) {
                    /* the message reads out->t: fail first, then free */
                    dnc_status bad = dnc_fail(DNC_EINVAL, "%s: sample %zu has time %g where the "
                                              "first has %g; all samples need the same times",
                                              tab->source, j, row[tc], out->t[i]);
                    dnc_series_free(out);
                    return bad;
                }
                out->y[s * nt + i] = row[vc];
                if (ec >= 0)
                    out->err[i] = row[ec];
            }
    }
    if ((st = check_series(out))) {
        dnc_series_free(out);
        return st;
    }
    return DNC_OK;
}
