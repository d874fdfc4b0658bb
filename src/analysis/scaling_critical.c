/* Scaling: the critical point from the decay exponents, the off-critical
 * fits and the metric factor. */
#include "dnncrit/scaling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_fit.h>

#include "analysis/scaling_internal.h"

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
            if (dnc_scaling_in_window(o, s->t[k]) && y[k] > 0.0) {
                lx[np] = log(s->t[k]);
                ly[np++] = log(y[k]);
            }
        if (dnc_scaling_quad_fit(lx, ly, np, &c2, err) == DNC_OK) {
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
        } else if (dnc_scaling_line_fit(px, cy, m, &c0, &c1, &e0, &e1) != DNC_OK) {
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
    dnc_status st = dnc_scaling_check_decay_opts(o);
    if (st)
        return st;
    if (n < 2)
        return dnc_fail(DNC_EINVAL, "critical point: need series at >= 2 parameter values, got %zu", n);
    for (size_t i = 0; i < n; i++) {
        if ((st = dnc_scaling_check_series(&s[i])))
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
    boot_opts bo = {o->nboot, o->seed, NULL};
    if ((st = dnc_scaling_with_errors(s, n, crit_estimator, &c, n + 1, &bo, v, e, NULL)))
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
    dnc_status st = dnc_scaling_check_series(s);
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
    dnc_status st = dnc_scaling_line_fit(x, ly, np, &c0, &c1, NULL, &e1);
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
    dnc_status st = dnc_scaling_check_series(s);
    if (st)
        return st;
    if (!(rel_hi > rel_lo && rel_lo > 0.0 && rel_hi <= 1.0))
        return dnc_fail(DNC_EINVAL, "relaxation time: need 0 < rel_lo < rel_hi <= 1, got %g, %g",
                        rel_lo, rel_hi);
    relax_ctx c = {y_inf, rel_hi, rel_lo};
    boot_opts bo = {nboot, seed, NULL};
    double v, e;
    if ((st = dnc_scaling_with_errors(s, 1, relax_estimator, &c, 1, &bo, &v, &e, NULL)))
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
    dnc_status st = dnc_scaling_line_fit(x, iy, np, &c0, &c1, &e0, &e1);
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
    dnc_status st = dnc_scaling_check_series(s);
    if (st)
        return st;
    metric_ctx c = {tmin, tmax};
    boot_opts bo = {nboot, seed, NULL};
    double v[2], e[2];
    if ((st = dnc_scaling_with_errors(s, 1, metric_estimator, &c, 2, &bo, v, e, NULL)))
        return st;
    *kappa = (dnc_estimate){v[0], e[0]};
    if (t0)
        *t0 = (dnc_estimate){v[1], e[1]};
    return DNC_OK;
}
