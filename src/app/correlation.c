/* Correlation coefficients with confidence intervals (dnc_correlate):
 * Pearson and Spearman, Fisher-z intervals and a percentile bootstrap; the
 * bootstrap itself (dnc_bootstrap), for any statistic of resampled items. */
#include "dnncrit/train_sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/rng.h"

static void ranks(const double *v, size_t n, double *r)
{
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    /* insertion sort: n is a sweep's point count, small */
    for (size_t i = 1; i < n; i++) {
        size_t k = idx[i], j = i;
        while (j > 0 && v[idx[j - 1]] > v[k]) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = k;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && v[idx[j + 1]] == v[idx[i]])
            j++;
        double avg = 0.5 * (double)(i + j) + 1.0; /* ties share the mean rank */
        for (size_t k = i; k <= j; k++)
            r[idx[k]] = avg;
        i = j + 1;
    }
    free(idx);
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return (sxx > 0 && syy > 0) ? sxy / sqrt(sxx * syy) : NAN;
}

static double spearman(const double *x, const double *y, size_t n, double *rx, double *ry)
{
    ranks(x, n, rx);
    ranks(y, n, ry);
    return pearson(rx, ry, n);
}

/* 95% interval tanh(atanh(r) -+ 1.96 sqrt(var / (n - 3))). */
static void fisher_interval(double r, size_t n, double var, double *lo, double *hi)
{
    if (n < 4 || !isfinite(r) || fabs(r) >= 1) {
        *lo = *hi = (isfinite(r) && fabs(r) >= 1 && n >= 4) ? r : NAN;
        return;
    }
    double z = atanh(r), se = sqrt(var / (double)(n - 3));
    *lo = tanh(z - 1.959963984540054 * se);
    *hi = tanh(z + 1.959963984540054 * se);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

dnc_status dnc_bootstrap(const size_t *group_size, size_t ngroups, size_t nboot, uint64_t seed,
                         dnc_resample_stat stat, void *ctx, dnc_bootstrap_ci *out)
{
    *out = (dnc_bootstrap_ci){.lo = NAN, .hi = NAN, .se = NAN};
    size_t n = 0;
    for (size_t g = 0; g < ngroups; g++)
        n += group_size[g];
    if (nboot < 20 || n == 0)
        return DNC_OK;
    size_t *idx = malloc(n * sizeof *idx);
    double *reps = malloc(nboot * sizeof *reps);
    if (!idx || !reps) {
        free(idx);
        free(reps);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu bootstrap resamples of %zu items",
                        nboot, n);
    }
    size_t kept = 0;
    for (size_t b = 0; b < nboot; b++) {
        for (size_t g = 0, i = 0, off = 0; g < ngroups; off += group_size[g++])
            for (size_t j = 0; j < group_size[g]; j++, i++) {
                size_t k = (size_t)(dnc_uniform_at(seed, DNC_STREAM_BOOTSTRAP, (uint32_t)b, 0, i) *
                                    (double)group_size[g]);
                idx[i] = off + (k < group_size[g] ? k : group_size[g] - 1);
            }
        double r = stat(idx, n, ctx);
        if (isfinite(r))
            reps[kept++] = r;
    }
    out->kept = kept;
    if (kept >= 20) {
        qsort(reps, kept, sizeof *reps, cmp_double);
        out->lo = reps[(size_t)floor(0.025 * (double)(kept - 1))];
        out->hi = reps[(size_t)ceil(0.975 * (double)(kept - 1))];
        double m = 0, v = 0;
        for (size_t i = 0; i < kept; i++)
            m += reps[i];
        m /= (double)kept;
        for (size_t i = 0; i < kept; i++)
            v += (reps[i] - m) * (reps[i] - m);
        out->se = sqrt(v / (double)(kept - 1));
    }
    free(idx);
    free(reps);
    return DNC_OK;
}

/* The Spearman coefficient of a resample of the pairs (x, y). */
typedef struct {
    const double *x, *y;
    double *bx, *by, *rx, *ry; /* n each */
} spearman_ctx;

static double spearman_of_resample(const size_t *idx, size_t n, void *ctx)
{
    spearman_ctx *c = ctx;
    for (size_t i = 0; i < n; i++) {
        c->bx[i] = c->x[idx[i]];
        c->by[i] = c->y[idx[i]];
    }
    return spearman(c->bx, c->by, n, c->rx, c->ry);
}

static void bootstrap_interval(const double *x, const double *y, size_t n, size_t nboot,
                               uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (nboot < 20 || n < 4)
        return;
    double *buf = malloc(4 * n * sizeof *buf);
    if (buf) {
        spearman_ctx c = {x, y, buf, buf + n, buf + 2 * n, buf + 3 * n};
        dnc_bootstrap_ci ci;
        if (dnc_bootstrap(&n, 1, nboot, seed, spearman_of_resample, &c, &ci) == DNC_OK) {
            *lo = ci.lo;
            *hi = ci.hi;
        }
        dnc_clear_error();
    }
    free(buf);
}

dnc_status dnc_correlate(const double *x, const double *y, size_t n, size_t bootstrap,
                         uint64_t seed, dnc_correlation *out)
{
    double *fx = malloc((4 * n + 1) * sizeof *fx);
    if (!fx)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    double *fy = fx + n, *rx = fx + 2 * n, *ry = fx + 3 * n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            fx[m] = x[i];
            fy[m++] = y[i];
        }
    *out = (dnc_correlation){.n = m};
    out->pearson = m >= 3 ? pearson(fx, fy, m) : NAN;
    out->spearman = m >= 3 ? spearman(fx, fy, m, rx, ry) : NAN;
    fisher_interval(out->pearson, m, 1.0, &out->pearson_lo, &out->pearson_hi);
    fisher_interval(out->spearman, m, 1.06, &out->spearman_lo, &out->spearman_hi);
    bootstrap_interval(fx, fy, m, bootstrap, seed, &out->boot_lo, &out->boot_hi);
    free(fx);
    return DNC_OK;
}

/* ------------------------------------------------- predictor ranking */

/* |Spearman| of candidates a and b (b < 0: a alone, signed) over a
 * resample of the cells, on the cells where the candidates and y are
 * finite. */
typedef struct {
    const double *xa, *xb, *y;
    double *bx, *bz, *by, *rx, *ry; /* n each */
} rank_ctx;

static double rank_stat(const size_t *idx, size_t n, void *ctx)
{
    rank_ctx *c = ctx;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = idx[i];
        if (!isfinite(c->xa[k]) || !isfinite(c->y[k]) || (c->xb && !isfinite(c->xb[k])))
            continue;
        c->bx[m] = c->xa[k];
        c->bz[m] = c->xb ? c->xb[k] : 0;
        c->by[m++] = c->y[k];
    }
    if (m < 4)
        return NAN;
    double ra = spearman(c->bx, c->by, m, c->rx, c->ry);
    if (!c->xb)
        return ra;
    double rb = spearman(c->bz, c->by, m, c->rx, c->ry);
    return fabs(ra) - fabs(rb);
}

dnc_status dnc_predictors_rank(const double *const *x, size_t ncand, const double *y, size_t n,
                               size_t nboot, uint64_t seed, dnc_predictor_ranking *out)
{
    memset(out, 0, sizeof *out);
    out->best = out->second = -1;
    out->diff = NAN;
    out->diff_ci = (dnc_bootstrap_ci){.lo = NAN, .hi = NAN, .se = NAN};
    if (ncand > DNC_PREDICTORS_MAX)
        return dnc_fail(DNC_EINVAL, "%zu candidate predictors, at most %d", ncand,
                        DNC_PREDICTORS_MAX);
    out->ncand = ncand;
    double *buf = malloc((5 * n + 1) * sizeof *buf);
    size_t *all = malloc((n + 1) * sizeof *all);
    if (!buf || !all) {
        free(buf);
        free(all);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu cells", n);
    }
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    rank_ctx c = {NULL, NULL, y, buf, buf + n, buf + 2 * n, buf + 3 * n, buf + 4 * n};
    dnc_status st = DNC_OK;
    for (size_t k = 0; k < ncand && !st; k++) {
        dnc_predictor_corr *p = &out->corr[k];
        c.xa = x[k];
        c.xb = NULL;
        p->spearman = rank_stat(all, n, &c);
        for (size_t i = 0; i < n; i++)
            p->n += isfinite(x[k][i]) && isfinite(y[i]);
        st = dnc_bootstrap(&n, 1, nboot, seed, rank_stat, &c, &p->ci);
        if (!isfinite(p->spearman))
            continue;
        double a = fabs(p->spearman);
        if (out->best < 0 || a > fabs(out->corr[out->best].spearman)) {
            out->second = out->best;
            out->best = (int)k;
        } else if (out->second < 0 || a > fabs(out->corr[out->second].spearman)) {
            out->second = (int)k;
        }
    }
    if (!st && out->second >= 0)
        st = dnc_predictors_compare(x[out->best], x[out->second], y, n, nboot, seed,
                                    &out->diff_n, &out->diff, &out->diff_ci);
    free(buf);
    free(all);
    return st;
}

dnc_status dnc_predictors_compare(const double *xa, const double *xb, const double *y, size_t n,
                                  size_t nboot, uint64_t seed, size_t *n_both, double *diff,
                                  dnc_bootstrap_ci *ci)
{
    *n_both = 0;
    *diff = NAN;
    *ci = (dnc_bootstrap_ci){.lo = NAN, .hi = NAN, .se = NAN};
    double *buf = malloc((5 * n + 1) * sizeof *buf);
    size_t *all = malloc((n + 1) * sizeof *all);
    if (!buf || !all) {
        free(buf);
        free(all);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu cells", n);
    }
    for (size_t i = 0; i < n; i++) {
        all[i] = i;
        *n_both += isfinite(xa[i]) && isfinite(xb[i]) && isfinite(y[i]);
    }
    rank_ctx c = {xa, xb, y, buf, buf + n, buf + 2 * n, buf + 3 * n, buf + 4 * n};
    *diff = rank_stat(all, n, &c);
    dnc_status st = dnc_bootstrap(&n, 1, nboot, seed, rank_stat, &c, ci);
    free(buf);
    free(all);
    return st;
}
