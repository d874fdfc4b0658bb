/* Avalanches: activity rasters, dense or from event lists. See avalanche.h. */
#include "dnncrit/avalanche.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
