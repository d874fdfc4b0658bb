/* Scaling: the finite-size data collapse. */
#include "dnncrit/scaling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include "analysis/scaling_internal.h"
#include "core/gsl_quiet.h"

/* The objective's value where (a, b) cannot be scored (too little overlap,
 * a non-finite quality): large enough that the simplex moves away. */
#define COLLAPSE_PENALTY 1e30

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
            /* rel == 0 with errors elsewhere: every sample agrees (e.g. a
             * survival of 1 before the first extinction); with no error
             * bar such a point would weigh infinitely in S. */
            if (!(t > 0.0 && t >= o->tmin && y > 0.0 && rel > 0.0 && rel <= o->max_rel_err))
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
        return COLLAPSE_PENALTY;
    return isfinite(S) ? S / (double)cnt : COLLAPSE_PENALTY;
}

/* GSL's simplex stops the process on a non-finite value: a start or step
 * outside the finite numbers is scored as the penalty too. */
static double nm_objective(const gsl_vector *v, void *params)
{
    double a = gsl_vector_get(v, 0), b = gsl_vector_get(v, 1);
    if (!isfinite(a) || !isfinite(b))
        return COLLAPSE_PENALTY;
    double S = collapse_S(params, a, b, NULL);
    return isfinite(S) ? S : COLLAPSE_PENALTY;
}

static dnc_status minimise(const collapse_data *d, double a0, double b0, double *a, double *b,
                           double *S)
{
    dnc_gsl_quiet();
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
    double ca = a0, cb = b0, cS = COLLAPSE_PENALTY;
    for (int restart = 0; restart < 3; restart++) {
        gsl_vector_set(x, 0, ca);
        gsl_vector_set(x, 1, cb);
        gsl_vector_set(step, 0, restart ? 0.02 : 0.1);
        gsl_vector_set(step, 1, restart ? 0.05 : 0.2);
        if (gsl_multimin_fminimizer_set(m, &f, x, step))
            break;
        for (int it = 0; it < 400; it++) {
            if (gsl_multimin_fminimizer_iterate(m))
                break;
            if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-6) == GSL_SUCCESS)
                break;
        }
        ca = gsl_vector_get(m->x, 0);
        cb = gsl_vector_get(m->x, 1);
        cS = m->fval;
    }
    *a = ca;
    *b = cb;
    *S = cS;
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(x);
    gsl_vector_free(step);
    if (!(*S < COLLAPSE_PENALTY / 10))
        return dnc_fail(DNC_ENUM,
                        "collapse: the curves do not overlap (start a, b = %g, %g; %zu points "
                        "with t >= tmin and 0 < dy/y <= max_rel_err)", a0, b0, d->total);
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
        dnc_status st = dnc_scaling_check_series(&s[i]);
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
    st = dnc_scaling_alloc_curves(s, n, &mean, &err);
    for (size_t i = 0; !st && i < n; i++)
        dnc_scaling_mean_of(&s[i], NULL, mean[i], err[i]);
    if (!st)
        st = collapse_prepare(s, n, o, mean, err, &d);
    if (!st)
        *S = collapse_S(&d, a, b, overlap);
    collapse_data_free(&d);
    dnc_scaling_free_curves(n, mean, err);
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
    st = dnc_scaling_alloc_curves(s, n, &mean, &err);
    for (size_t i = 0; !st && i < n; i++)
        dnc_scaling_mean_of(&s[i], NULL, mean[i], err[i]);
    if (!st)
        st = collapse_estimator(&c, s, n, mean, err, v, e);
    dnc_scaling_free_curves(n, mean, err);
    if (st)
        return st;
    r->quality = v[2];
    r->overlap = c.overlap;
    c.a_start = v[0];
    c.b_start = v[1];
    boot_opts bo = {o->nboot, o->seed, NULL};
    double bv[3], be[3];
    if ((st = dnc_scaling_with_errors(s, n, collapse_estimator, &c, 3, &bo, bv, be, &r->method)))
        return st;
    r->a = (dnc_estimate){v[0], be[0]};
    r->b = (dnc_estimate){v[1], be[1]};
    if (r->method == DNC_ERR_RESIDUALS) {
        r->a.error = e[0];
        r->b.error = e[1];
    }
    return DNC_OK;
}
