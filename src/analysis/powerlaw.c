/* Power-law fits, KS xmin scan, bootstrap and likelihood-ratio tests
 * (Clauset, Shalizi & Newman 2009). See include/dnncrit/powerlaw.h. */
#include "dnncrit/powerlaw.h"

#include <math.h>
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
dnc_status dnc_pl_validate_data(const double *x, size_t n, const dnc_pl_opts *o)
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
    dnc_status st = dnc_pl_validate_data(sorted, n, opts);
    if (st)
        return st;
    for (size_t i = 1; i < n; i++)
        if (sorted[i] < sorted[i - 1])
            return dnc_fail(DNC_EINVAL, "powerlaw: data not sorted at sample %zu", i + 1);
    return dnc_pl_fit_core(sorted, n, opts, fit);
}

/* LSD radix sort of positive doubles (their bit patterns order like the
 * values), 16 bits per pass; falls back to qsort when memory is short. */
void dnc_pl_sort_positive(double *x, size_t n)
{
    uint64_t *a = (uint64_t *)(void *)x, *b = n > 4096 ? malloc(n * sizeof *b) : NULL;
    size_t *cnt = b ? malloc(65536 * sizeof *cnt) : NULL;
    if (!b || !cnt) {
        free(b);
        free(cnt);
        qsort(x, n, sizeof *x, dnc_pl_cmp_double);
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

dnc_status dnc_pl_sorted_copy(const double *x, size_t n, double **out)
{
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out)
        return dnc_fail(DNC_ENOMEM, "powerlaw: out of memory for %zu samples", n);
    memcpy(*out, x, n * sizeof **out);
    dnc_pl_sort_positive(*out, n);
    return DNC_OK;
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
