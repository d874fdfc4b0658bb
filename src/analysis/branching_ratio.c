/* Avalanches: the branching ratio of the activity. See avalanche.h. */
#include "dnncrit/avalanche.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include "core/gsl_quiet.h"

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
        dnc_gsl_quiet();
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
