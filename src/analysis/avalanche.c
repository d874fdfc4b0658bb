/* Avalanches in activity rasters and their statistics. See avalanche.h. */
#include "dnncrit/avalanche.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>

#include "dnncrit/table.h"

/* Limits on rasters built from event lists, so that one stray time stamp
 * or unit id cannot ask for gigabytes: 5e7 bins (about 1 GB of counts and
 * flags; 14 h at 1 ms) and unit ids below 1e7. */
#define MAX_EVENT_BINS 5e7
#define MAX_UNIT_ID 1e7

/* ---------------------------------------------------------------------
 * Activity. */
dnc_status dnc_activity_alloc(dnc_activity *a, size_t bins, size_t units)
{
    memset(a, 0, sizeof *a);
    a->count = calloc(bins ? bins : 1, sizeof *a->count);
    a->active = calloc(bins ? bins : 1, sizeof *a->active);
    if (!a->count || !a->active) {
        dnc_activity_free(a);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu time bins", bins);
    }
    a->bins = bins;
    a->units = units;
    return DNC_OK;
}

void dnc_activity_free(dnc_activity *a)
{
    free(a->count);
    free(a->active);
    memset(a, 0, sizeof *a);
}

dnc_status dnc_activity_read_dense(const char *path, size_t rebin, dnc_activity *a)
{
    memset(a, 0, sizeof *a);
    if (rebin == 0)
        return dnc_fail(DNC_EINVAL, "rebin must be >= 1, got 0");
    dnc_table t;
    dnc_status st = dnc_table_read(path, NULL, &t);
    if (st)
        return st;
    for (size_t i = 0; i < t.nrows * t.ncols; i++)
        if (t.v[i] < 0) {
            st = dnc_fail(DNC_EINVAL, "%s: row %zu, column %zu: negative activity %g", path,
                          i / t.ncols + 1, i % t.ncols + 1, t.v[i]);
            dnc_table_free(&t);
            return st;
        }
    size_t bins = (t.nrows + rebin - 1) / rebin;
    unsigned char *seen = calloc(t.ncols, 1);
    if (!seen || (st = dnc_activity_alloc(a, bins, t.ncols))) {
        free(seen);
        dnc_table_free(&t);
        return st ? st : dnc_fail(DNC_ENOMEM, "out of memory");
    }
    for (size_t b = 0; b < bins; b++) {
        memset(seen, 0, t.ncols);
        for (size_t r = b * rebin; r < (b + 1) * rebin && r < t.nrows; r++)
            for (size_t u = 0; u < t.ncols; u++) {
                double v = t.v[r * t.ncols + u];
                a->count[b] += v;
                seen[u] |= v > 0;
            }
        for (size_t u = 0; u < t.ncols; u++)
            a->active[b] += seen[u];
    }
    free(seen);
    dnc_table_free(&t);
    return DNC_OK;
}

typedef struct {
    double t;
    long unit;
} event;

static int cmp_event(const void *pa, const void *pb)
{
    const event *a = pa, *b = pb;
    if (a->t != b->t)
        return (a->t > b->t) - (a->t < b->t);
    return (a->unit > b->unit) - (a->unit < b->unit);
}

dnc_status dnc_activity_read_events(const char *path, double dt, dnc_activity *a, double *dt_used)
{
    memset(a, 0, sizeof *a);
    dnc_table t;
    dnc_status st = dnc_table_read(path, NULL, &t);
    if (st)
        return st;
    if (t.ncols != 2) {
        st = dnc_fail(DNC_EINVAL, "%s: an event list needs 2 columns (time, unit), got %zu", path,
                      t.ncols);
        dnc_table_free(&t);
        return st;
    }
    size_t n = t.nrows;
    event *ev = malloc(n * sizeof *ev);
    if (!ev) {
        dnc_table_free(&t);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu events", n);
    }
    long max_unit = -1;
    for (size_t i = 0; i < n && !st; i++) {
        double u = t.v[2 * i + 1];
        if (u < 0 || u != floor(u) || u > MAX_UNIT_ID) { /* checked before the cast to long */
            st = dnc_fail(DNC_EINVAL, "%s: event %zu: unit '%g' is not an integer id >= 0", path,
                          i + 1, u);
            break;
        }
        ev[i] = (event){t.v[2 * i], (long)u};
        if ((long)u > max_unit)
            max_unit = (long)u;
    }
    dnc_table_free(&t);
    if (!st) {
        qsort(ev, n, sizeof *ev, cmp_event);
        double span = ev[n - 1].t - ev[0].t;
        if (!(span > 0))
            st = dnc_fail(DNC_EINVAL, "%s: all %zu events happen at time %g: no time structure",
                          path, n, ev[0].t);
        else if (dt <= 0)
            dt = span / (double)(n - 1); /* mean inter-event interval */
        if (!st && span / dt > MAX_EVENT_BINS)
            st = dnc_fail(DNC_EINVAL,
                          "%s: bin width %g over a time span of %g gives more than %g bins; "
                          "choose a larger --bin-width",
                          path, dt, span, MAX_EVENT_BINS);
    }
    if (!st) {
        size_t bins = (size_t)floor((ev[n - 1].t - ev[0].t) / dt) + 1;
        st = dnc_activity_alloc(a, bins, (size_t)max_unit + 1);
        for (size_t i = 0; i < n && !st; i++) {
            size_t b = (size_t)floor((ev[i].t - ev[0].t) / dt);
            if (b >= bins)
                b = bins - 1;
            a->count[b] += 1;
        }
        /* distinct units per bin: events are time-sorted, so a unit is new
         * in bin b unless its last event already fell in b */
        if (!st) {
            long *last_bin = malloc(((size_t)max_unit + 1) * sizeof *last_bin);
            if (!last_bin) {
                st = dnc_fail(DNC_ENOMEM, "out of memory");
            } else {
                for (long u = 0; u <= max_unit; u++)
                    last_bin[u] = -1;
                for (size_t i = 0; i < n; i++) {
                    size_t b = (size_t)floor((ev[i].t - ev[0].t) / dt);
                    if (b >= bins)
                        b = bins - 1;
                    if (last_bin[ev[i].unit] != (long)b) {
                        last_bin[ev[i].unit] = (long)b;
                        a->active[b] += 1;
                    }
                }
                free(last_bin);
            }
        }
    }
    free(ev);
    if (st)
        dnc_activity_free(a);
    else if (dt_used)
        *dt_used = dt;
    return st;
}

/* ---------------------------------------------------------------------
 * Avalanches. */
void dnc_avalanches_free(dnc_avalanches *av)
{
    free(av->size);
    free(av->duration);
    free(av->start);
    free(av->offset);
    free(av->profile);
    memset(av, 0, sizeof *av);
}

static dnc_status grow(void **p, size_t elem, size_t cap)
{
    void *q = realloc(*p, cap * elem);
    if (!q)
        return dnc_fail(DNC_ENOMEM, "out of memory for avalanches");
    *p = q;
    return DNC_OK;
}

dnc_status dnc_avalanches_append(dnc_avalanches *av, const double *profile, size_t T, size_t start)
{
    dnc_status st;
    if (av->count + 1 >= av->cap) {
        size_t cap = av->cap ? 2 * av->cap : 256;
        if ((st = grow((void **)&av->size, sizeof *av->size, cap)) ||
            (st = grow((void **)&av->duration, sizeof *av->duration, cap)) ||
            (st = grow((void **)&av->start, sizeof *av->start, cap)) ||
            (st = grow((void **)&av->offset, sizeof *av->offset, cap + 1)))
            return st;
        if (av->cap == 0)
            av->offset[0] = 0;
        av->cap = cap;
    }
    size_t off = av->offset[av->count];
    if (off + T > av->profile_cap) {
        size_t cap = av->profile_cap ? 2 * av->profile_cap : 4096;
        while (cap < off + T)
            cap *= 2;
        if ((st = grow((void **)&av->profile, sizeof *av->profile, cap)))
            return st;
        av->profile_cap = cap;
    }
    double S = 0;
    for (size_t t = 0; t < T; t++) {
        av->profile[off + t] = profile[t];
        S += profile[t];
    }
    av->size[av->count] = S;
    av->duration[av->count] = (double)T;
    av->start[av->count] = start;
    av->offset[++av->count] = off + T;
    return DNC_OK;
}

dnc_status dnc_avalanches_from_activity(const double *A, size_t bins, bool keep_edges,
                                        dnc_avalanches *av)
{
    memset(av, 0, sizeof *av);
    size_t active_bins = 0;
    for (size_t t = 0; t < bins; t++) {
        if (!(A[t] >= 0) || !isfinite(A[t]))
            return dnc_fail(DNC_EINVAL, "activity in bin %zu is %g; it must be finite and >= 0", t,
                            A[t]);
        active_bins += A[t] > 0;
    }
    if (active_bins == 0)
        return dnc_fail(DNC_EINVAL, "all %zu time bins are quiet (all-zero raster): no avalanches",
                        bins);
    size_t t = 0;
    dnc_status st = DNC_OK;
    while (t < bins && !st) {
        if (A[t] == 0) {
            t++;
            continue;
        }
        size_t s = t;
        while (t < bins && A[t] > 0)
            t++;
        bool cut = s == 0 || t == bins;
        if (keep_edges || !cut)
            st = dnc_avalanches_append(av, A + s, t - s, s);
    }
    if (!st && av->count == 0)
        st = dnc_fail(DNC_EINVAL,
                      "no complete avalanche: activity never stops between the first and last bin "
                      "(%zu of %zu bins active); use narrower bins or keep edge avalanches",
                      active_bins, bins);
    if (st)
        dnc_avalanches_free(av);
    return st;
}

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
    gsl_set_error_handler_off();
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

/* ---------------------------------------------------------------------
 * Branching ratio. */
void dnc_branching_estimate_free(dnc_branching_estimate *b)
{
    free(b->rk);
    b->rk = NULL;
}

#define JK_BLOCKS 10

typedef struct {
    double n, x, y, xx, xy;
} reg_sums;

static double reg_slope(const reg_sums *s)
{
    double d = s->n * s->xx - s->x * s->x;
    return d > 0 ? (s->n * s->xy - s->x * s->y) / d : NAN;
}

/* Least squares of r_k = b m^k, with b profiled out; m by scan + Brent. */
typedef struct {
    const double *rk;
    size_t kmax;
} mr_ctx;

static double mr_residual(double m, void *p)
{
    const mr_ctx *c = p;
    double a = 0, b = 0, r2 = 0, mk = 1;
    for (size_t k = 1; k <= c->kmax; k++) {
        mk *= m;
        if (!isfinite(c->rk[k - 1]))
            continue;
        a += c->rk[k - 1] * mk;
        b += mk * mk;
        r2 += c->rk[k - 1] * c->rk[k - 1];
    }
    return b > 0 ? r2 - a * a / b : r2;
}

static double mr_fit(const double *rk, size_t kmax, double *amplitude)
{
    mr_ctx c = {rk, kmax};
    const double lo = 1e-3, hi = 1.5;
    size_t n = 300, best = 0;
    double fb = INFINITY;
    for (size_t i = 0; i <= n; i++) {
        double f = mr_residual(lo + (hi - lo) * (double)i / (double)n, &c);
        if (f < fb) {
            fb = f;
            best = i;
        }
    }
    double m = lo + (hi - lo) * (double)best / (double)n;
    if (best > 0 && best < n) {
        double a = m - (hi - lo) / (double)n, b = m + (hi - lo) / (double)n;
        gsl_set_error_handler_off();
        gsl_function F = {.function = mr_residual, .params = &c};
        gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
        if (s && gsl_min_fminimizer_set_with_values(s, &F, m, fb, a, mr_residual(a, &c), b,
                                                    mr_residual(b, &c)) == GSL_SUCCESS) {
            for (int it = 0; it < 100; it++) {
                if (gsl_min_fminimizer_iterate(s) != GSL_SUCCESS)
                    break;
                if (gsl_min_test_interval(gsl_min_fminimizer_x_lower(s),
                                          gsl_min_fminimizer_x_upper(s), 1e-10, 0) == GSL_SUCCESS)
                    break;
            }
            m = gsl_min_fminimizer_x_minimum(s);
        }
        gsl_min_fminimizer_free(s);
    }
    double a = 0, b = 0, mk = 1;
    for (size_t k = 1; k <= kmax; k++) {
        mk *= m;
        if (isfinite(rk[k - 1])) {
            a += rk[k - 1] * mk;
            b += mk * mk;
        }
    }
    if (amplitude)
        *amplitude = b > 0 ? a / b : NAN;
    return m;
}

dnc_status dnc_branching_ratio(const double *A, size_t bins, size_t kmax,
                               dnc_branching_estimate *out)
{
    memset(out, 0, sizeof *out);
    if (kmax < 2)
        return dnc_fail(DNC_EINVAL, "branching ratio: kmax must be >= 2, got %zu", kmax);
    if (bins < 10 * (kmax + 1))
        return dnc_fail(DNC_EINVAL, "branching ratio: %zu bins are too few for kmax = %zu", bins,
                        kmax);
    /* sums[b][k]: regression sums of (A_t, A_{t+k}) for t in block b */
    reg_sums *sums = calloc(JK_BLOCKS * kmax, sizeof *sums);
    double *rk = malloc(kmax * sizeof *rk), *mjk = malloc(JK_BLOCKS * 2 * sizeof *mjk);
    out->rk = malloc(kmax * sizeof *out->rk);
    if (!sums || !rk || !mjk || !out->rk) {
        free(sums);
        free(rk);
        free(mjk);
        dnc_branching_estimate_free(out);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    for (size_t k = 1; k <= kmax; k++)
        for (size_t t = 0; t + k < bins; t++) {
            size_t b = t * JK_BLOCKS / bins;
            reg_sums *s = &sums[b * kmax + k - 1];
            double x = A[t], y = A[t + k];
            s->n += 1;
            s->x += x;
            s->y += y;
            s->xx += x * x;
            s->xy += x * y;
        }
    /* all blocks (skip = JK_BLOCKS) and each block left out */
    for (size_t skip = 0; skip <= JK_BLOCKS; skip++) {
        for (size_t k = 0; k < kmax; k++) {
            reg_sums t = {0};
            for (size_t b = 0; b < JK_BLOCKS; b++) {
                if (b == skip)
                    continue;
                const reg_sums *s = &sums[b * kmax + k];
                t.n += s->n;
                t.x += s->x;
                t.y += s->y;
                t.xx += s->xx;
                t.xy += s->xy;
            }
            rk[k] = reg_slope(&t);
        }
        double amp, m = mr_fit(rk, kmax, &amp);
        if (skip == JK_BLOCKS) {
            memcpy(out->rk, rk, kmax * sizeof *rk);
            out->naive = rk[0];
            out->mr = m;
            out->mr_amplitude = amp;
        } else {
            mjk[2 * skip] = rk[0];
            mjk[2 * skip + 1] = m;
        }
    }
    double s[2] = {0, 0}, s2[2] = {0, 0}, nb = JK_BLOCKS;
    for (size_t b = 0; b < JK_BLOCKS; b++)
        for (int j = 0; j < 2; j++) {
            s[j] += mjk[2 * b + j];
            s2[j] += mjk[2 * b + j] * mjk[2 * b + j];
        }
    double v0 = fmax(s2[0] / nb - (s[0] / nb) * (s[0] / nb), 0) * (nb - 1);
    double v1 = fmax(s2[1] / nb - (s[1] / nb) * (s[1] / nb), 0) * (nb - 1);
    out->naive_err = sqrt(v0);
    out->mr_err = sqrt(v1);
    out->kmax = kmax;
    out->autocorrelation_bins = out->mr < 1 && out->mr > 0 ? -1 / log(out->mr) : NAN;
    free(sums);
    free(rk);
    free(mjk);
    if (!isfinite(out->naive)) {
        dnc_branching_estimate_free(out);
        return dnc_fail(DNC_EINVAL, "branching ratio: activity is constant, no regression possible");
    }
    return DNC_OK;
}

dnc_status dnc_activity_susceptibility(const dnc_activity *a, double *chi)
{
    if (a->bins == 0 || a->units == 0)
        return dnc_fail(DNC_EINVAL, "susceptibility: empty activity (%zu bins, %zu units)", a->bins,
                        a->units);
    double s = 0, s2 = 0, N = (double)a->units;
    for (size_t t = 0; t < a->bins; t++) {
        double rho = a->active[t] / N;
        s += rho;
        s2 += rho * rho;
    }
    double m = s / (double)a->bins;
    *chi = N * fmax(s2 / (double)a->bins - m * m, 0);
    return DNC_OK;
}

double dnc_avalanche_size_susceptibility(const dnc_avalanches *av)
{
    double s = 0, s2 = 0;
    for (size_t i = 0; i < av->count; i++) {
        s += av->size[i];
        s2 += av->size[i] * av->size[i];
    }
    return s > 0 ? s2 / s : NAN;
}

/* ---------------------------------------------------------------------
 * The whole analysis. */
dnc_avalanche_opts dnc_avalanche_opts_default(void)
{
    dnc_avalanche_opts o = {.size_fit = dnc_pl_opts_default(),
                            .duration_fit = dnc_pl_opts_default(),
                            .bootstrap = 0,
                            .seed = 1,
                            .compare = false,
                            .min_count = 10,
                            .gamma_tmin = 0,
                            .gamma_tmax = INFINITY,
                            .collapse_tmin = 0,
                            .collapse_tmax = INFINITY,
                            .collapse_grid = 20};
    o.size_fit.discrete = true;
    o.duration_fit.discrete = true;
    return o;
}

void dnc_avalanche_analysis_free(dnc_avalanche_analysis *an)
{
    dnc_size_duration_free(&an->sd);
    dnc_shape_collapse_free(&an->collapse);
}

static dnc_status fit_with_context(const double *x, size_t n, const dnc_pl_opts *o,
                                   const char *what, dnc_pl_fit *f)
{
    dnc_status st = dnc_pl_fit_data(x, n, o, f);
    if (st)
        return dnc_fail(st, "%s distribution: %s", what, dnc_last_error());
    return DNC_OK;
}

dnc_status dnc_avalanche_analyse(const dnc_avalanches *av, const dnc_avalanche_opts *o,
                                 dnc_avalanche_analysis *out)
{
    memset(out, 0, sizeof *out);
    out->count = av->count;
    out->size_p = out->duration_p = NAN;
    if (av->count < 10)
        return dnc_fail(DNC_EINVAL, "only %zu avalanches; at least 10 are needed", av->count);
    dnc_status st;
    if ((st = fit_with_context(av->size, av->count, &o->size_fit, "size", &out->size)) ||
        (st = fit_with_context(av->duration, av->count, &o->duration_fit, "duration",
                               &out->duration)))
        return st;
    if (o->bootstrap) {
        if ((st = dnc_pl_bootstrap(av->size, av->count, &o->size_fit, &out->size, o->bootstrap,
                                   o->seed, &out->size_p)) ||
            (st = dnc_pl_bootstrap(av->duration, av->count, &o->duration_fit, &out->duration,
                                   o->bootstrap, o->seed + 1, &out->duration_p)))
            return st;
    }
    if (o->compare && !isfinite(out->size.xmax) && !isfinite(out->duration.xmax)) {
        for (int a = 0; a < DNC_PL_ALT_COUNT && !st; a++) {
            st = dnc_pl_compare_alt(av->size, av->count, &out->size, (dnc_pl_alt)a, &out->size_cmp[a]);
            if (!st)
                st = dnc_pl_compare_alt(av->duration, av->count, &out->duration, (dnc_pl_alt)a,
                                        &out->duration_cmp[a]);
        }
        if (st)
            return st;
        out->compared = true;
    }
    double tmin = o->gamma_tmin > 0 ? o->gamma_tmin : out->duration.xmin;
    /* gamma and the collapse need many durations: report, don't fail */
    out->gamma_ok = dnc_size_duration_fit(av, tmin, o->gamma_tmax, o->min_count, &out->sd) == DNC_OK;
    if (!out->gamma_ok)
        snprintf(out->gamma_error, sizeof out->gamma_error, "%s", dnc_last_error());
    double g = out->gamma_ok ? out->sd.gamma : NAN, ge = out->gamma_ok ? out->sd.gamma_err : NAN;
    dnc_crackling_check(out->size.alpha, out->size.alpha_err, out->duration.alpha,
                        out->duration.alpha_err, g, ge, &out->crackling);
    double ctmin = o->collapse_tmin > 0 ? o->collapse_tmin : tmin;
    out->collapse_ok = dnc_shape_collapse_fit(av, ctmin, o->collapse_tmax, o->min_count,
                                              o->collapse_grid, &out->collapse) == DNC_OK;
    out->chi_S = dnc_avalanche_size_susceptibility(av);
    return DNC_OK;
}
