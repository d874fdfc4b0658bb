/* Power-law fits, KS xmin scan, bootstrap and likelihood-ratio tests
 * (Clauset, Shalizi & Newman 2009). See include/dnncrit/powerlaw.h. */
#include "dnncrit/powerlaw.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/powerlaw_internal.h"

dnc_pl_opts dnc_pl_opts_default(void)
{
    return (dnc_pl_opts){.discrete = false,
                         .xmin = 0,
                         .xmax = INFINITY,
                         .min_tail = 10,
                         .exhaustive = 0,
                         .grid = 300};
}

/* ---------------------------------------------------------------------
 * Fits. */
/* v is an integer (finite v; inline, where floor may be a call) */
static inline bool is_integer(double v)
{
    return !(fabs(v) < 4503599627370496.0) || (double)(int64_t)v == v;
}

static dnc_status validate_opts(const dnc_pl_opts *o)
{
    if (!(o->xmax > 0) || isnan(o->xmax))
        return dnc_fail(DNC_EINVAL, "powerlaw: xmax must be > 0, got %g", o->xmax);
    if (isnan(o->xmin) || isinf(o->xmin))
        return dnc_fail(DNC_EINVAL, "powerlaw: xmin must be finite, got %g", o->xmin);
    if (o->xmin > 0 && !(o->xmax > o->xmin))
        return dnc_fail(DNC_EINVAL, "powerlaw: xmax (%g) must exceed xmin (%g)", o->xmax, o->xmin);
    if (o->discrete && o->xmin > 0 && o->xmin != floor(o->xmin))
        return dnc_fail(DNC_EINVAL, "powerlaw: discrete xmin must be an integer, got %g", o->xmin);
    return DNC_OK;
}

dnc_status dnc_pl_validate_data(const double *x, size_t n, const dnc_pl_opts *o)
{
    if (n == 0)
        return dnc_fail(DNC_EINVAL, "powerlaw: no data");
    dnc_status st = validate_opts(o);
    if (st)
        return st;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || x[i] <= 0)
            return dnc_fail(DNC_EINVAL, "powerlaw: sample %zu is %g; power laws need finite x > 0",
                            i + 1, x[i]);
        if (o->discrete && !is_integer(x[i]))
            return dnc_fail(DNC_EINVAL,
                            "powerlaw: sample %zu is %g, not an integer (discrete fit)", i + 1, x[i]);
    }
    return DNC_OK;
}

dnc_status dnc_pl_drop_nonpositive(double *x, size_t *n, size_t *dropped)
{
    for (size_t i = 0; i < *n; i++)
        if (!isfinite(x[i]))
            return dnc_fail(DNC_EINVAL, "powerlaw: sample %zu is %g; power laws need finite x",
                            i + 1, x[i]);
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++)
        if (x[i] > 0)
            x[kept++] = x[i];
    *dropped = *n - kept;
    *n = kept;
    return DNC_OK;
}

dnc_status dnc_pl_fit_core(const double *sorted, size_t n, const dnc_pl_opts *o, dnc_pl_fit *fit)
{
    dnc_pl_gsl_quiet();
    if (sorted[0] == sorted[n - 1])
        return dnc_fail(DNC_EINVAL, "powerlaw: all %zu values equal %g: constant data has no "
                        "power-law tail", n, sorted[0]);
    pl_data d;
    dnc_status st = dnc_pl_data_build(sorted, n, o->xmax, o->discrete, &d);
    if (st)
        return st;
    double *scratch = malloc(2 * (d.U / KS_BLOCK + 4) * sizeof *scratch);
    if (!scratch) {
        dnc_pl_data_free(&d);
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
        st = dnc_pl_scan_xmin(&d, o, scratch, &k0);
        xmin = st ? 0 : d.v[k0];
    }
    pl_model m;
    double err = NAN;
    if (!st)
        st = dnc_pl_fit_tail(&d, k0, xmin, &m, &err);
    if (!st) {
        size_t nt = dnc_pl_tail_size(&d, k0);
        *fit = (dnc_pl_fit){.discrete = o->discrete,
                            .alpha = m.alpha,
                            .alpha_err = err,
                            .xmin = xmin,
                            .xmax = o->xmax,
                            .n = n,
                            .n_tail = nt,
                            .ks = dnc_pl_ks_distance(&d, k0, &m, INFINITY, scratch, NULL),
                            .loglik = -m.alpha * d.slog[k0] - (double)nt * m.logZ,
                            .xmin_fixed = o->xmin > 0};
    }
    free(scratch);
    dnc_pl_data_free(&d);
    return st;
}

dnc_status dnc_pl_fit_sorted(const double *sorted, size_t n, const dnc_pl_opts *opts,
                             dnc_pl_fit *fit)
{
    /* ascending data are finite and > 0 when both ends are: one pass checks
     * the order (and integers); only a failure takes the full check, for
     * its message naming the first offender */
    bool quick = n > 0 && sorted[0] > 0 && sorted[n - 1] < INFINITY;
    for (size_t i = 1; quick && i < n; i++)
        quick = sorted[i] >= sorted[i - 1];
    for (size_t i = 0; quick && opts->discrete && i < n; i++)
        quick = is_integer(sorted[i]);
    dnc_status st = quick ? validate_opts(opts) : dnc_pl_validate_data(sorted, n, opts);
    if (st)
        return st;
    for (size_t i = 1; !quick && i < n; i++)
        if (sorted[i] < sorted[i - 1])
            return dnc_fail(DNC_EINVAL, "powerlaw: data not sorted at sample %zu", i + 1);
    return dnc_pl_fit_core(sorted, n, opts, fit);
}

/* Positive integers below 2^52 with a range of at most n + 2^16 (the
 * usual discrete data: sizes, counts): a counting sort, O(n + range), the
 * same doubles back, in no more memory than the radix sort's buffer (plus
 * 512 KiB). False (x untouched) otherwise. */
static bool counting_sort(double *x, size_t n)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (!(v >= 1 && v < 4503599627370496.0) || (double)(int64_t)v != v)
            return false;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (n == 0 || hi - lo > (double)n + 65536)
        return false;
    size_t range = (size_t)(hi - lo) + 1;
    size_t *cnt = calloc(range, sizeof *cnt);
    if (!cnt)
        return false;
    int64_t base = (int64_t)lo;
    for (size_t i = 0; i < n; i++)
        cnt[(int64_t)x[i] - base]++;
    size_t i = 0;
    for (size_t k = 0; k < range; k++)
        for (size_t c = cnt[k]; c > 0; c--)
            x[i++] = (double)(base + (int64_t)k);
    free(cnt);
    return true;
}

/* LSD radix sort of doubles, 11 bits per pass (2048 counters: the scatter
 * stays in cache), on keys that order like the values (positive: sign bit
 * set; negative: every bit flipped). One read counts all six digits; a
 * pass whose digit is the same for every value moves nothing and is
 * skipped. Small n, or memory short: qsort. */
#define RADIX_BITS 11
#define RADIX_PASSES 6
#define RADIX_SIZE (1u << RADIX_BITS)
static inline uint64_t sort_key(uint64_t u) { return u >> 63 ? ~u : u | (UINT64_C(1) << 63); }
static inline uint64_t sort_unkey(uint64_t k) { return k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k; }

void dnc_pl_sort_positive(double *x, size_t n)
{
    if (n > 4096 && counting_sort(x, n))
        return;
    uint64_t *a = (uint64_t *)(void *)x, *b = n > 4096 ? malloc(n * sizeof *b) : NULL;
    size_t *cnt = b ? calloc(RADIX_PASSES * RADIX_SIZE, sizeof *cnt) : NULL;
    if (!b || !cnt) {
        free(b);
        free(cnt);
        qsort(x, n, sizeof *x, dnc_pl_cmp_double);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = sort_key(a[i]);
        a[i] = k;
        for (int p = 0; p < RADIX_PASSES; p++)
            cnt[p * RADIX_SIZE + ((k >> (p * RADIX_BITS)) & (RADIX_SIZE - 1))]++;
    }
    for (int pass = 0; pass < RADIX_PASSES; pass++) {
        size_t *c = cnt + (size_t)pass * RADIX_SIZE;
        int shift = RADIX_BITS * pass;
        if (c[(a[0] >> shift) & (RADIX_SIZE - 1)] == n)
            continue; /* one digit for all: the order stays */
        size_t sum = 0;
        for (size_t k = 0; k < RADIX_SIZE; k++) {
            size_t v = c[k];
            c[k] = sum;
            sum += v;
        }
        for (size_t i = 0; i < n; i++)
            b[c[(a[i] >> shift) & (RADIX_SIZE - 1)]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    uint64_t *out = (uint64_t *)(void *)x;
    for (size_t i = 0; i < n; i++)
        out[i] = sort_unkey(a[i]);
    free(a == out ? b : a);
    free(cnt);
}

void dnc_pl_sort(double *x, size_t n) { dnc_pl_sort_positive(x, n); }

dnc_status dnc_pl_sorted_copy(const double *x, size_t n, double **out)
{
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory for %zu samples", n);
    memcpy(*out, x, n * sizeof **out);
    dnc_pl_sort_positive(*out, n);
    return DNC_OK;
}

dnc_status dnc_pl_sorted(const double *x, size_t n, const dnc_pl_opts *opts, double **sorted)
{
    *sorted = NULL;
    dnc_status st = dnc_pl_validate_data(x, n, opts);
    return st ? st : dnc_pl_sorted_copy(x, n, sorted);
}

dnc_status dnc_pl_fit_data(const double *x, size_t n, const dnc_pl_opts *opts, dnc_pl_fit *fit)
{
    dnc_status st = dnc_pl_validate_data(x, n, opts);
    if (st)
        return st;
    double *s;
    if ((st = dnc_pl_sorted_copy(x, n, &s)))
        return st;
    st = dnc_pl_fit_core(s, n, opts, fit);
    free(s);
    return st;
}

bool dnc_pl_model_of_fit(const dnc_pl_fit *fit, pl_model *m)
{
    return dnc_pl_model_set(m, fit->alpha, fit->xmin, fit->xmax, fit->discrete);
}

double dnc_pl_ccdf(const dnc_pl_fit *fit, double x)
{
    pl_model m;
    dnc_pl_gsl_quiet();
    if (!dnc_pl_model_of_fit(fit, &m))
        return NAN;
    return dnc_pl_model_ccdf(&m, x, log(x));
}

double dnc_pl_pdf(const dnc_pl_fit *fit, double x)
{
    pl_model m;
    dnc_pl_gsl_quiet();
    if (!dnc_pl_model_of_fit(fit, &m) || x < fit->xmin || x > fit->xmax)
        return 0;
    return exp(dnc_pl_model_logpdf(&m, log(x)));
}

/* ---------------------------------------------------------------------
 * Log-binned density for plots. */
/* The bin of x among edges e[0..nb] (e[b] <= x < e[b+1]), nb when none. */
static size_t bin_of(const double *e, size_t nb, double x)
{
    if (!(x >= e[0] && x < e[nb]))
        return nb;
    size_t lo = 0, hi = nb; /* e[lo] <= x < e[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (x >= e[mid])
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

dnc_status dnc_pl_log_histogram(const double *x, size_t n, bool discrete, double lo,
                                double ratio, double *centre, double *density, size_t cap,
                                size_t *nbins)
{
    if (!(lo > 0) || !(ratio > 1))
        return dnc_fail(DNC_EINVAL, "histogram: need lo > 0 and ratio > 1, got %g and %g", lo, ratio);
    bool sorted = true;
    for (size_t i = 1; sorted && i < n; i++)
        sorted = x[i] >= x[i - 1];
    double xmax = 0;
    if (sorted && n > 0)
        xmax = x[n - 1] > 0 ? x[n - 1] : 0;
    else
        for (size_t i = 0; i < n; i++)
            xmax = x[i] > xmax ? x[i] : xmax;
    /* the edges first (the same sequence as bin-by-bin), then one pass over
     * the data: a sweep when sorted, a binary search per value otherwise */
    double *e = malloc((cap + 1) * sizeof *e);
    size_t *cnt = calloc(cap + 1, sizeof *cnt);
    if (!e || !cnt) {
        free(e);
        free(cnt);
        return dnc_fail(DNC_ENOMEM, "histogram: out of memory");
    }
    size_t nb = 0;
    e[0] = discrete ? ceil(lo) : lo;
    while (nb < cap && e[nb] <= xmax) {
        e[nb + 1] = discrete ? fmax(e[nb] + 1, ceil(e[nb] * ratio)) : e[nb] * ratio;
        nb++;
    }
    if (sorted) {
        size_t i = 0;
        while (i < n && !(x[i] >= e[0]))
            i++;
        for (size_t b = 0; b < nb; b++) {
            size_t j = i;
            while (j < n && x[j] < e[b + 1])
                j++;
            cnt[b] = j - i;
            i = j;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            cnt[bin_of(e, nb, x[i])]++;
    }
    for (size_t b = 0; b < nb; b++) {
        double width = e[b + 1] - e[b];
        centre[b] = discrete ? sqrt(e[b] * (e[b + 1] - 1)) : sqrt(e[b] * e[b + 1]);
        density[b] = (double)cnt[b] / ((double)n * width);
    }
    free(e);
    free(cnt);
    *nbins = nb;
    return DNC_OK;
}
