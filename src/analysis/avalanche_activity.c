/* Avalanches: activity rasters, dense or from event lists. See avalanche.h. */
#include "dnncrit/avalanche.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/npy.h"
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

dnc_status dnc_activity_from_matrix(const double *v, size_t rows, size_t cols, bool transpose,
                                    size_t rebin, const char *name, dnc_activity *a)
{
    memset(a, 0, sizeof *a);
    if (rebin == 0)
        return dnc_fail(DNC_EINVAL, "rebin must be >= 1, got 0");
    size_t nbins = transpose ? cols : rows, units = transpose ? rows : cols;
    if (nbins == 0 || units == 0)
        return dnc_fail(DNC_EINVAL, "%s: empty raster (%zu time bins, %zu units)", name, nbins,
                        units);
    for (size_t i = 0; i < rows * cols; i++)
        if (!(v[i] >= 0) || !isfinite(v[i]))
            return dnc_fail(DNC_EINVAL, v[i] < 0 ? "%s: row %zu, column %zu: negative activity %g"
                                                 : "%s: row %zu, column %zu: activity %g is not "
                                                   "a finite number",
                            name, i / cols + 1, i % cols + 1, v[i]);
    size_t bins = (nbins + rebin - 1) / rebin;
    unsigned char *seen = calloc(units, 1);
    dnc_status st = DNC_OK;
    if (!seen || (st = dnc_activity_alloc(a, bins, units))) {
        free(seen);
        return st ? st : dnc_fail(DNC_ENOMEM, "out of memory");
    }
    for (size_t b = 0; b < bins; b++) {
        memset(seen, 0, units);
        for (size_t r = b * rebin; r < (b + 1) * rebin && r < nbins; r++)
            for (size_t u = 0; u < units; u++) {
                double x = transpose ? v[u * cols + r] : v[r * cols + u];
                a->count[b] += x;
                seen[u] |= x > 0;
            }
        for (size_t u = 0; u < units; u++)
            a->active[b] += seen[u];
    }
    free(seen);
    return DNC_OK;
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
    st = dnc_activity_from_matrix(t.v, t.nrows, t.ncols, false, rebin, path, a);
    dnc_table_free(&t);
    return st;
}

dnc_status dnc_activity_read_npy(const char *path, bool transpose, size_t rebin, dnc_activity *a)
{
    memset(a, 0, sizeof *a);
    dnc_npy x;
    dnc_status st = dnc_npy_read(path, &x);
    if (st)
        return st;
    if (x.ndim != 2)
        st = dnc_fail(DNC_EINVAL,
                      "%s: a raster needs a 2-D array (time bins x units, or units x time bins "
                      "with --transpose), got %zu dimensions",
                      path, x.ndim);
    else
        st = dnc_activity_from_matrix(x.v, x.shape[0], x.shape[1], transpose, rebin, path, a);
    dnc_npy_free(&x);
    return st;
}

typedef struct {
    double t;
    size_t unit;
} event;

static int cmp_event(const void *pa, const void *pb)
{
    const event *a = pa, *b = pb;
    if (a->t != b->t)
        return (a->t > b->t) - (a->t < b->t);
    return (a->unit > b->unit) - (a->unit < b->unit);
}

/* Bins time-sorted events ev[0..n) of `units` units at width dt (<= 0:
 * the mean inter-event interval). */
static dnc_status bin_events(const event *ev, size_t n, size_t units, double dt, const char *name,
                             dnc_activity *a, double *dt_used)
{
    double span = ev[n - 1].t - ev[0].t;
    if (!(span > 0))
        return dnc_fail(DNC_EINVAL, "%s: all %zu events happen at time %g: no time structure",
                        name, n, ev[0].t);
    if (dt <= 0)
        dt = span / (double)(n - 1); /* mean inter-event interval */
    if (!(span / dt <= MAX_EVENT_BINS))
        return dnc_fail(DNC_EINVAL,
                        "%s: bin width %g over a time span of %g gives more than %g bins; "
                        "choose a larger --bin-width",
                        name, dt, span, MAX_EVENT_BINS);
    size_t bins = (size_t)floor(span / dt) + 1;
    size_t *last_bin = malloc(units * sizeof *last_bin);
    dnc_status st = last_bin ? dnc_activity_alloc(a, bins, units)
                             : dnc_fail(DNC_ENOMEM, "out of memory for %zu units", units);
    if (st) {
        free(last_bin);
        return st;
    }
    /* distinct units per bin: events are time-sorted, so a unit is new in
     * bin b unless its last event already fell in b (SIZE_MAX: none yet) */
    for (size_t u = 0; u < units; u++)
        last_bin[u] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)floor((ev[i].t - ev[0].t) / dt);
        if (b >= bins)
            b = bins - 1;
        a->count[b] += 1;
        if (last_bin[ev[i].unit] != b) {
            last_bin[ev[i].unit] = b;
            a->active[b] += 1;
        }
    }
    free(last_bin);
    if (dt_used)
        *dt_used = dt;
    return DNC_OK;
}

dnc_status dnc_activity_from_events(const double *time, const double *unit, size_t n,
                                    size_t units, double dt, const char *name, dnc_activity *a,
                                    double *dt_used)
{
    memset(a, 0, sizeof *a);
    if (n == 0)
        return dnc_fail(DNC_EINVAL, "%s: no events", name);
    if (units > MAX_UNIT_ID + 1)
        return dnc_fail(DNC_EINVAL, "%s: %zu units, more than the %g this reader allows", name,
                        units, MAX_UNIT_ID + 1);
    event *ev = malloc(n * sizeof *ev);
    if (!ev)
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu events", n);
    dnc_status st = DNC_OK;
    double limit = units ? (double)units - 1 : MAX_UNIT_ID;
    size_t max_unit = 0;
    for (size_t i = 0; i < n && !st; i++) {
        double u = unit[i];
        if (!(u >= 0) || u != floor(u) || u > limit) /* checked before the cast */
            st = units ? dnc_fail(DNC_EINVAL, "%s: event %zu: unit '%g' is not an integer id in "
                                              "[0, %zu)", name, i + 1, u, units)
                       : dnc_fail(DNC_EINVAL, "%s: event %zu: unit '%g' is not an integer id >= 0",
                                  name, i + 1, u);
        else if (!isfinite(time[i]))
            st = dnc_fail(DNC_EINVAL, "%s: event %zu: time %g is not finite", name, i + 1, time[i]);
        else {
            ev[i] = (event){time[i], (size_t)u};
            if ((size_t)u > max_unit)
                max_unit = (size_t)u;
        }
    }
    if (!st) {
        qsort(ev, n, sizeof *ev, cmp_event);
        st = bin_events(ev, n, units ? units : max_unit + 1, dt, name, a, dt_used);
    }
    free(ev);
    return st;
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
    double *time = malloc((n ? n : 1) * sizeof *time), *unit = malloc((n ? n : 1) * sizeof *unit);
    if (!time || !unit) {
        st = dnc_fail(DNC_ENOMEM, "out of memory for %zu events", n);
    } else {
        for (size_t i = 0; i < n; i++) {
            time[i] = t.v[2 * i];
            unit[i] = t.v[2 * i + 1];
        }
        st = dnc_activity_from_events(time, unit, n, 0, dt, path, a, dt_used);
    }
    free(time);
    free(unit);
    dnc_table_free(&t);
    return st;
}
