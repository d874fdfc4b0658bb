/* Avalanches: statistics per duration and the collapse of their shapes.
 * See avalanche.h. */
#include "dnncrit/avalanche.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include "core/gsl_quiet.h"

/* ---------------------------------------------------------------------
 * Per-duration statistics. */
typedef struct {
    double T;
    size_t n;
    double sum, sum2;
} dur_stat;

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Distinct durations with count and moments of S. */
static dnc_status duration_stats(const dnc_avalanches *av, dur_stat **out, size_t *nd)
{
    double *T = malloc((av->count ? av->count : 1) * sizeof *T);
    if (!T)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    memcpy(T, av->duration, av->count * sizeof *T);
    qsort(T, av->count, sizeof *T, cmp_dbl);
    size_t k = 0;
    for (size_t i = 0; i < av->count; i++)
        if (k == 0 || T[i] != T[k - 1])
            T[k++] = T[i];
    dur_stat *ds = calloc(k ? k : 1, sizeof *ds);
    if (!ds) {
        free(T);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < k; j++)
        ds[j].T = T[j];
    for (size_t i = 0; i < av->count; i++) {
        double *hit = bsearch(&av->duration[i], T, k, sizeof *T, cmp_dbl);
        dur_stat *d = &ds[hit - T];
        d->n++;
        d->sum += av->size[i];
        d->sum2 += av->size[i] * av->size[i];
    }
    free(T);
    *out = ds;
    *nd = k;
    return DNC_OK;
}

void dnc_size_duration_free(dnc_size_duration *sd)
{
    free(sd->T);
    free(sd->mean_S);
    free(sd->sem_S);
    free(sd->n);
    memset(sd, 0, sizeof *sd);
}

dnc_status dnc_size_duration_fit(const dnc_avalanches *av, double tmin, double tmax,
                                 size_t min_count, dnc_size_duration *out)
{
    memset(out, 0, sizeof *out);
    dur_stat *ds;
    size_t nd;
    dnc_status st = duration_stats(av, &ds, &nd);
    if (st)
        return st;
    out->T = malloc((nd + 1) * sizeof *out->T);
    out->mean_S = malloc((nd + 1) * sizeof *out->mean_S);
    out->sem_S = malloc((nd + 1) * sizeof *out->sem_S);
    out->n = malloc((nd + 1) * sizeof *out->n);
    if (!out->T || !out->mean_S || !out->sem_S || !out->n) {
        free(ds);
        dnc_size_duration_free(out);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    if (min_count < 2)
        min_count = 2;
    double Sw = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
    double lo = INFINITY, hi = -INFINITY;
    size_t np = 0;
    for (size_t j = 0; j < nd; j++) {
        if (ds[j].n < 2)
            continue;
        double n = (double)ds[j].n, mean = ds[j].sum / n;
        double var = fmax(ds[j].sum2 / n - mean * mean, 0) * n / (n - 1);
        double sem = sqrt(var / n);
        size_t r = out->ndur++;
        out->T[r] = ds[j].T;
        out->mean_S[r] = mean;
        out->sem_S[r] = sem;
        out->n[r] = ds[j].n;
        if (ds[j].n < min_count || ds[j].T < tmin || ds[j].T > tmax || !(mean > 0))
            continue;
        /* sd of ln <S> = sem / mean; a floor keeps exact (sem = 0) points finite */
        double sl = fmax(sem / mean, 1e-6), w = 1 / (sl * sl);
        double x = log(ds[j].T), y = log(mean);
        Sw += w;
        Sx += w * x;
        Sy += w * y;
        Sxx += w * x * x;
        Sxy += w * x * y;
        lo = fmin(lo, ds[j].T);
        hi = fmax(hi, ds[j].T);
        np++;
    }
    double D = Sw * Sxx - Sx * Sx;
    if (np < 3 || !(D > 0)) {
        free(ds);
        dnc_size_duration_free(out);
        return dnc_fail(DNC_EINVAL,
                        "<S>(T) fit: %zu durations in [%g, %g] with >= %zu avalanches; need >= 3",
                        np, tmin, tmax, min_count);
    }
    double slope = (Sw * Sxy - Sx * Sy) / D, icpt = (Sxx * Sy - Sx * Sxy) / D;
    double chi2 = 0;
    for (size_t j = 0; j < nd; j++) {
        if (ds[j].n < min_count || ds[j].T < tmin || ds[j].T > tmax)
            continue;
        double n = (double)ds[j].n, mean = ds[j].sum / n;
        if (!(mean > 0))
            continue;
        double var = fmax(ds[j].sum2 / n - mean * mean, 0) * n / (n - 1);
        double sl = fmax(sqrt(var / n) / mean, 1e-6);
        double r = (log(mean) - icpt - slope * log(ds[j].T)) / sl;
        chi2 += r * r;
    }
    free(ds);
    double scale = fmax(1.0, sqrt(chi2 / (double)(np - 2)));
    out->gamma = slope;
    out->gamma_err = sqrt(Sw / D) * scale;
    out->log_amplitude = icpt;
    out->tmin = lo;
    out->tmax = hi;
    out->npoints = np;
    return DNC_OK;
}

void dnc_crackling_check(double tau, double tau_err, double alpha, double alpha_err, double gamma,
                         double gamma_err, dnc_crackling *out)
{
    double pred = (alpha - 1) / (tau - 1);
    double da = alpha_err / (tau - 1), dt = (alpha - 1) * tau_err / ((tau - 1) * (tau - 1));
    double perr = sqrt(da * da + dt * dt);
    out->predicted = pred;
    out->predicted_err = perr;
    out->difference = gamma - pred;
    out->difference_err = sqrt(perr * perr + gamma_err * gamma_err);
    out->z = out->difference_err > 0 ? out->difference / out->difference_err : NAN;
}

/* ---------------------------------------------------------------------
 * Shape collapse. */
void dnc_shape_collapse_free(dnc_shape_collapse *sc)
{
    free(sc->T);
    free(sc->x);
    free(sc->scaled);
    free(sc->shape);
    memset(sc, 0, sizeof *sc);
}

typedef struct {
    size_t ndur, grid;
    const double *T;
    const double *raw; /* ndur x grid interpolated mean profiles */
    size_t skip;       /* duration left out (jackknife), or SIZE_MAX */
} collapse_ctx;

/* Mean over grid points of the variance across durations of the rescaled
 * profiles, relative to their squared mean: scale free, 0 for a perfect
 * collapse. */
static double collapse_cost(double e, void *p)
{
    const collapse_ctx *c = p;
    double cost = 0;
    for (size_t g = 0; g < c->grid; g++) {
        double s = 0, s2 = 0, m = 0;
        for (size_t d = 0; d < c->ndur; d++) {
            if (d == c->skip)
                continue;
            double y = c->raw[d * c->grid + g] * pow(c->T[d], 1 - e);
            s += y;
            s2 += y * y;
            m += 1;
        }
        double mean = s / m, var = fmax(s2 / m - mean * mean, 0);
        cost += mean > 0 ? var / (mean * mean) : 0;
    }
    return cost / (double)c->grid;
}

static double minimise_collapse(collapse_ctx *c)
{
    /* coarse scan, then Brent inside the best bracket */
    const double lo = 0.0, hi = 5.0, h = 0.05;
    size_t nscan = (size_t)((hi - lo) / h) + 1, best = 0;
    double fbest = INFINITY;
    for (size_t i = 0; i < nscan; i++) {
        double f = collapse_cost(lo + h * (double)i, c);
        if (f < fbest) {
            fbest = f;
            best = i;
        }
    }
    if (best == 0 || best + 1 == nscan)
        return lo + h * (double)best;
    double a = lo + h * (double)(best - 1), m = lo + h * (double)best, b = lo + h * (double)(best + 1);
    dnc_gsl_quiet();
    gsl_function F = {.function = collapse_cost, .params = c};
    gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    if (!s)
        return m;
    double xm = m;
    if (gsl_min_fminimizer_set_with_values(s, &F, m, fbest, a, collapse_cost(a, c), b,
                                           collapse_cost(b, c)) == GSL_SUCCESS) {
        for (int it = 0; it < 100; it++) {
            if (gsl_min_fminimizer_iterate(s) != GSL_SUCCESS)
                break;
            if (gsl_min_test_interval(gsl_min_fminimizer_x_lower(s), gsl_min_fminimizer_x_upper(s),
                                      1e-8, 0) == GSL_SUCCESS)
                break;
        }
        xm = gsl_min_fminimizer_x_minimum(s);
    }
    gsl_min_fminimizer_free(s);
    return xm;
}

/* Linear interpolation of a profile of T bins (bin t at (t + 1/2)/T) at x. */
static double interp_profile(const double *prof, size_t T, double x)
{
    double pos = x * (double)T - 0.5;
    if (pos <= 0)
        return prof[0];
    if (pos >= (double)(T - 1))
        return prof[T - 1];
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    return (1 - f) * prof[i] + f * prof[i + 1];
}

dnc_status dnc_shape_collapse_fit(const dnc_avalanches *av, double tmin, double tmax,
                                  size_t min_count, size_t grid, dnc_shape_collapse *out)
{
    memset(out, 0, sizeof *out);
    if (grid < 4)
        return dnc_fail(DNC_EINVAL, "shape collapse: grid must be >= 4, got %zu", grid);
    dur_stat *ds;
    size_t nd;
    dnc_status st = duration_stats(av, &ds, &nd);
    if (st)
        return st;
    size_t nuse = 0;
    for (size_t j = 0; j < nd; j++)
        if (ds[j].n >= min_count && ds[j].T >= fmax(3, tmin) && ds[j].T <= tmax)
            ds[nuse++] = ds[j];
    if (nuse < 3) {
        free(ds);
        return dnc_fail(DNC_EINVAL,
                        "shape collapse: %zu durations in [%g, %g] with >= %zu avalanches; need >= 3",
                        nuse, fmax(3, tmin), tmax, min_count);
    }
    out->ndur = nuse;
    out->grid = grid;
    out->T = malloc(nuse * sizeof *out->T);
    out->x = malloc(grid * sizeof *out->x);
    out->scaled = calloc(nuse * grid, sizeof *out->scaled);
    out->shape = calloc(grid, sizeof *out->shape);
    double *raw = calloc(nuse * grid, sizeof *raw);
    double *mean = calloc((size_t)ds[nuse - 1].T, sizeof *mean);
    if (!out->T || !out->x || !out->scaled || !out->shape || !raw || !mean) {
        free(ds);
        free(raw);
        free(mean);
        dnc_shape_collapse_free(out);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    for (size_t g = 0; g < grid; g++)
        out->x[g] = ((double)g + 0.5) / (double)grid;
    for (size_t d = 0; d < nuse; d++) {
        size_t T = (size_t)ds[d].T;
        out->T[d] = ds[d].T;
        memset(mean, 0, T * sizeof *mean);
        for (size_t i = 0; i < av->count; i++)
            if (av->duration[i] == ds[d].T)
                for (size_t t = 0; t < T; t++)
                    mean[t] += av->profile[av->offset[i] + t] / (double)ds[d].n;
        for (size_t g = 0; g < grid; g++)
            raw[d * grid + g] = interp_profile(mean, T, out->x[g]);
    }
    free(mean);
    free(ds);
    collapse_ctx c = {nuse, grid, out->T, raw, SIZE_MAX};
    out->exponent = minimise_collapse(&c);
    out->cost = collapse_cost(out->exponent, &c);
    double js = 0, js2 = 0;
    for (size_t d = 0; d < nuse; d++) {
        c.skip = d;
        double e = minimise_collapse(&c);
        js += e;
        js2 += e * e;
    }
    double m = (double)nuse, jm = js / m;
    out->exponent_err = sqrt(fmax(js2 / m - jm * jm, 0) * (m - 1));
    for (size_t d = 0; d < nuse; d++)
        for (size_t g = 0; g < grid; g++) {
            double y = raw[d * grid + g] * pow(out->T[d], 1 - out->exponent);
            out->scaled[d * grid + g] = y;
            out->shape[g] += y / m;
        }
    free(raw);
    return DNC_OK;
}
