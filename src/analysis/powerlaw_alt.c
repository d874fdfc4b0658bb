/* Power laws: the alternative distributions and the likelihood-ratio
 * tests against them. */
#include "dnncrit/powerlaw.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>

#include "analysis/powerlaw_internal.h"

/* ---------------------------------------------------------------------
 * Alternatives, each an unnormalised density g(x; theta) on [xmin, inf)
 * normalised by an integral (continuous) or a sum over the integers
 * (discrete: explicit terms, then Euler-Maclaurin for the far tail). */
const char *dnc_pl_alt_name(dnc_pl_alt alt)
{
    static const char *names[] = {"exponential", "lognormal", "stretched_exponential",
                                  "truncated_power_law"};
    return alt < DNC_PL_ALT_COUNT ? names[alt] : "unknown";
}

#define EM_TERMS 2000

/* g is taken relative to xmin (g(xmin) of order 1), which keeps the
 * stretched exponential accurate where lambda is huge and beta tiny (the
 * limit in which it approaches a power law). */
static double alt_logg(dnc_pl_alt alt, const double *th, double x, double lx, double xmin)
{
    double lxmin = log(xmin);
    switch (alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        return -th[0] * (x - xmin);
    case DNC_PL_ALT_LOGNORMAL: {
        double z = (lx - th[0]) / th[1];
        return -lx - 0.5 * z * z;
    }
    case DNC_PL_ALT_STRETCHED:
        return (th[1] - 1) * lx - th[0] * pow(xmin, th[1]) * expm1(th[1] * (lx - lxmin));
    default:
        return -th[0] * lx - th[1] * (x - xmin);
    }
}

static double alt_dlogg(dnc_pl_alt alt, const double *th, double x)
{
    switch (alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        return -th[0];
    case DNC_PL_ALT_LOGNORMAL:
        return -1 / x - (log(x) - th[0]) / (th[1] * th[1] * x);
    case DNC_PL_ALT_STRETCHED:
        return (th[1] - 1) / x - th[0] * th[1] * pow(x, th[1] - 1);
    default:
        return -th[0] / x - th[1];
    }
}

/* ln Gamma(s, z) for z > 0 and any real s. */
static double log_gamma_inc(double s, double z)
{
    gsl_sf_result r;
    if (gsl_sf_gamma_inc_e(s, z, &r) == GSL_SUCCESS && r.val > 0 && isfinite(r.val))
        return log(r.val);
    if (z > 10 + fabs(s)) /* asymptotic series */
        return (s - 1) * log(z) - z + log1p((s - 1) / z + (s - 1) * (s - 2) / (z * z));
    return NAN;
}

/* ln of the integral of g (relative to xmin as above) from K to infinity. */
static double alt_log_tail(dnc_pl_alt alt, const double *th, double K, double xmin)
{
    switch (alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        return -th[0] * (K - xmin) - log(th[0]);
    case DNC_PL_ALT_LOGNORMAL: {
        double z = (log(K) - th[0]) / (th[1] * M_SQRT2);
        return log(th[1]) + 0.5 * log(M_PI / 2) + gsl_sf_log_erfc(z);
    }
    case DNC_PL_ALT_STRETCHED:
        return -th[0] * pow(xmin, th[1]) * expm1(th[1] * log(K / xmin)) - log(th[0] * th[1]);
    default:
        return (th[0] - 1) * log(th[1]) + log_gamma_inc(1 - th[0], th[1] * K) + th[1] * xmin;
    }
}

static double alt_log_norm(dnc_pl_alt alt, const double *th, double xmin, bool discrete)
{
    if (!discrete)
        return alt_log_tail(alt, th, xmin, xmin);
    double g0 = alt_logg(alt, th, xmin, log(xmin), xmin);
    double s = 0;
    for (int k = 0; k < EM_TERMS; k++) {
        double x = xmin + k;
        s += exp(alt_logg(alt, th, x, log(x), xmin) - g0);
    }
    double K = xmin + EM_TERMS, gK = alt_logg(alt, th, K, log(K), xmin);
    s += exp(alt_log_tail(alt, th, K, xmin) - g0) + exp(gK - g0) * (0.5 - alt_dlogg(alt, th, K) / 12);
    return g0 + log(s);
}

double dnc_pl_alt_logpdf(dnc_pl_alt alt, const double params[2], double xmin, bool discrete,
                         double x)
{
    dnc_pl_gsl_quiet();
    if (alt >= DNC_PL_ALT_COUNT || !(xmin > 0) || !(x >= xmin) ||
        (discrete && (x != floor(x) || xmin != floor(xmin))))
        return NAN;
    return alt_logg(alt, params, x, log(x), xmin) - alt_log_norm(alt, params, xmin, discrete);
}

typedef struct {
    const pl_data *d;
    size_t k0;
    double xmin;
    dnc_pl_alt alt;
    double sigma_max; /* lognormal: largest sigma searched */
} alt_ctx;

/* The lognormal (sigma -> inf with mu / sigma^2 fixed) and the stretched
 * exponential (beta -> 0 with lambda beta fixed) contain the power law
 * itself as a limit; on power-law data their likelihood keeps rising
 * towards it, and an unbounded search ends in the power law (R = 0
 * exactly) or on an arbitrary guard. The search is therefore kept where
 * they are still other distributions: sigma at most 10 times the log-range
 * of the tail (and at least 1), beta >= 0.01. A fit that ends on such a
 * bound is flagged (at_bound: the alternative as close to the power law as
 * allowed; its R is then small and not significant). */
#define STRETCHED_BETA_MIN 0.01
#define STRETCHED_BETA_MAX 20.0
#define LOGNORMAL_SIGMA_MIN 1e-3

static bool in_box(const alt_ctx *c, const double *y, const double *th)
{
    if (fabs(y[0]) > 1e7 || fabs(y[1]) > 60)
        return false;
    switch (c->alt) {
    case DNC_PL_ALT_EXPONENTIAL:
    case DNC_PL_ALT_CUTOFF:
        return fabs(y[0]) <= 60;
    case DNC_PL_ALT_LOGNORMAL:
        return th[1] >= LOGNORMAL_SIGMA_MIN && th[1] <= c->sigma_max;
    default:
        return fabs(y[0]) <= 60 && th[1] >= STRETCHED_BETA_MIN && th[1] <= STRETCHED_BETA_MAX;
    }
}

/* Whether the fitted parameters lie on (within 1% of) a bound of the box. */
static bool at_box_bound(const alt_ctx *c, const double *th)
{
    if (c->alt == DNC_PL_ALT_LOGNORMAL)
        return th[1] > 0.99 * c->sigma_max;
    if (c->alt == DNC_PL_ALT_STRETCHED)
        return th[1] < 1.01 * STRETCHED_BETA_MIN || th[1] > 0.99 * STRETCHED_BETA_MAX;
    return false;
}

static void alt_params(dnc_pl_alt alt, const double *y, double *th)
{
    switch (alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        th[0] = exp(y[0]);
        th[1] = 0;
        break;
    case DNC_PL_ALT_LOGNORMAL:
        th[0] = y[0];
        th[1] = exp(y[1]);
        break;
    case DNC_PL_ALT_STRETCHED:
        th[0] = exp(y[0]);
        th[1] = exp(y[1]);
        break;
    default:
        th[0] = y[0];
        th[1] = exp(y[1]);
        break;
    }
}

static double alt_loglik_theta(const alt_ctx *c, const double *th)
{
    double lz = alt_log_norm(c->alt, th, c->xmin, c->d->discrete);
    if (!isfinite(lz))
        return NAN;
    double ll = 0;
    for (size_t k = c->k0; k < c->d->U; k++)
        ll += (double)(c->d->cum[k + 1] - c->d->cum[k]) * alt_logg(c->alt, th, c->d->v[k], c->d->lv[k], c->xmin);
    return ll - (double)dnc_pl_tail_size(c->d, c->k0) * lz;
}

static double alt_negll(const gsl_vector *y, void *p)
{
    const alt_ctx *c = p;
    double th[2], yy[2] = {gsl_vector_get(y, 0), y->size > 1 ? gsl_vector_get(y, 1) : 0};
    alt_params(c->alt, yy, th);
    if (!in_box(c, yy, th))
        return DBL_MAX;
    double ll = alt_loglik_theta(c, th);
    return isfinite(ll) ? -ll : DBL_MAX;
}

static double nelder_mead(alt_ctx *c, size_t dim, double *y)
{
    gsl_multimin_function F = {.f = alt_negll, .n = dim, .params = c};
    gsl_vector *x = gsl_vector_alloc(dim), *step = gsl_vector_alloc(dim);
    gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
    double best = DBL_MAX;
    if (x && step && s) {
        for (size_t i = 0; i < dim; i++) {
            gsl_vector_set(x, i, y[i]);
            gsl_vector_set(step, i, 0.3);
        }
        if (gsl_multimin_fminimizer_set(s, &F, x, step) == GSL_SUCCESS) {
            for (int it = 0; it < 600; it++) {
                if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
                    break;
                if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-7) == GSL_SUCCESS)
                    break;
            }
            best = s->fval;
            for (size_t i = 0; i < dim; i++)
                y[i] = gsl_vector_get(s->x, i);
        }
    }
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(x);
    gsl_vector_free(step);
    return best;
}

/* Multi-start maximum likelihood; returns -negll of the best start. */
static double fit_alternative(alt_ctx *c, const pl_model *pl, double *th_out)
{
    const pl_data *d = c->d;
    double nt = (double)dnc_pl_tail_size(d, c->k0);
    double mean = 0, mlog = 0, m2log = 0;
    for (size_t k = c->k0; k < d->U; k++) {
        double w = (double)(d->cum[k + 1] - d->cum[k]);
        mean += w * d->v[k];
        mlog += w * d->lv[k];
        m2log += w * d->lv[k] * d->lv[k];
    }
    mean /= nt;
    mlog /= nt;
    double sdlog = sqrt(fmax(m2log / nt - mlog * mlog, 1e-6));
    double excess = fmax(mean - c->xmin + (d->discrete ? 0.5 : 0), 1e-12);
    double starts[6][2];
    size_t ns = 0, dim = c->alt == DNC_PL_ALT_EXPONENTIAL ? 1 : 2;
    switch (c->alt) {
    case DNC_PL_ALT_EXPONENTIAL:
        starts[ns][0] = log(1 / excess), starts[ns++][1] = 0;
        break;
    case DNC_PL_ALT_LOGNORMAL:
        starts[ns][0] = mlog, starts[ns++][1] = log(sdlog);
        starts[ns][0] = log(c->xmin), starts[ns++][1] = log(2 * sdlog + 1);
        { /* near the power-law limit: mu = ln xmin - (alpha - 1) sigma^2 */
            double sg = 0.5 * c->sigma_max;
            starts[ns][0] = log(c->xmin) - (pl->alpha - 1) * sg * sg, starts[ns++][1] = log(sg);
        }
        break;
    case DNC_PL_ALT_STRETCHED: {
        const double betas[] = {1.0, 0.5, 0.2};
        for (int i = 0; i < 3; i++) {
            double s = 0;
            for (size_t k = c->k0; k < d->U; k++)
                s += (double)(d->cum[k + 1] - d->cum[k]) * (pow(d->v[k], betas[i]) - pow(c->xmin, betas[i]));
            s = fmax(s / nt, 1e-12);
            starts[ns][0] = log(1 / s), starts[ns++][1] = log(betas[i]);
        }
        /* near the power-law limit: lambda beta xmin^beta = alpha - 1 + beta */
        double b = 0.05;
        starts[ns][0] = log((pl->alpha - 1 + b) / (b * pow(c->xmin, b))), starts[ns++][1] = log(b);
        break;
    }
    default:
        starts[ns][0] = pl->alpha, starts[ns++][1] = log(1e-3 / mean);
        starts[ns][0] = pl->alpha, starts[ns++][1] = log(0.1 / mean);
        starts[ns][0] = 1.0, starts[ns++][1] = log(1 / mean);
        break;
    }
    double best = DBL_MAX, ybest[2] = {0, 0};
    for (size_t i = 0; i < ns; i++) {
        double y[2] = {starts[i][0], starts[i][1]};
        double v = nelder_mead(c, dim, y);
        if (v < best) {
            best = v;
            ybest[0] = y[0];
            ybest[1] = y[1];
        }
    }
    alt_params(c->alt, ybest, th_out);
    return best < DBL_MAX ? -best : NAN;
}

dnc_status dnc_pl_compare_alt(const double *x, size_t n, const dnc_pl_fit *fit, dnc_pl_alt alt,
                              dnc_pl_compare *out)
{
    dnc_pl_gsl_quiet();
    if (alt >= DNC_PL_ALT_COUNT)
        return dnc_fail(DNC_EINVAL, "powerlaw: unknown alternative %d", (int)alt);
    if (isfinite(fit->xmax))
        return dnc_fail(DNC_EUNSUPPORTED,
                        "powerlaw: likelihood-ratio tests need an untruncated fit (xmax = inf)");
    dnc_pl_opts o = dnc_pl_opts_default();
    o.discrete = fit->discrete;
    dnc_status st = dnc_pl_validate_data(x, n, &o);
    if (st)
        return st;
    double *s;
    if ((st = dnc_pl_sorted_copy(x, n, &s)))
        return st;
    pl_data d;
    st = dnc_pl_data_build(s, n, INFINITY, fit->discrete, &d);
    free(s);
    if (st)
        return st;
    size_t k0 = 0;
    while (k0 < d.U && d.v[k0] < fit->xmin)
        k0++;
    pl_model pl;
    if (k0 == d.U || dnc_pl_tail_size(&d, k0) < 2 || !dnc_pl_model_of_fit(fit, &pl)) {
        dnc_pl_data_free(&d);
        return dnc_fail(DNC_EINVAL, "powerlaw: no usable tail at xmin = %g for the comparison",
                        fit->xmin);
    }
    double log_range = log(d.v[d.U - 1] / fit->xmin);
    alt_ctx c = {&d, k0, fit->xmin, alt, 10 * fmax(1.0, log_range)};
    double th[2];
    double ll_alt = fit_alternative(&c, &pl, th);
    if (!isfinite(ll_alt)) {
        dnc_pl_data_free(&d);
        return dnc_fail(DNC_ENUM, "powerlaw: fitting the %s alternative failed", dnc_pl_alt_name(alt));
    }
    double lz_alt = alt_log_norm(alt, th, fit->xmin, fit->discrete);
    double nt = (double)dnc_pl_tail_size(&d, k0), sum = 0, sum2 = 0;
    for (size_t k = k0; k < d.U; k++) {
        double w = (double)(d.cum[k + 1] - d.cum[k]);
        double l = dnc_pl_model_logpdf(&pl, d.lv[k]) - (alt_logg(alt, th, d.v[k], d.lv[k], fit->xmin) - lz_alt);
        sum += w * l;
        sum2 += w * l * l;
    }
    dnc_pl_data_free(&d);
    double mean = sum / nt, var = fmax(sum2 / nt - mean * mean, 0), sigma = sqrt(var);
    bool nested = alt == DNC_PL_ALT_CUTOFF;
    if (nested && sum > 0) { /* the optimiser stopped short of the nested power law */
        sum = 0;
        th[0] = fit->alpha;
        th[1] = 0;
        ll_alt = fit->loglik;
    }
    *out = (dnc_pl_compare){.alt = alt,
                            .params = {th[0], th[1]},
                            .loglik = ll_alt,
                            .R = sum,
                            .normalised_R = sigma > 0 ? sum / (sqrt(nt) * sigma) : 0,
                            .nested = nested,
                            .at_bound = at_box_bound(&c, th)};
    if (nested)
        out->p = gsl_sf_erfc(sqrt(fabs(sum)));
    else
        out->p = sigma > 0 ? gsl_sf_erfc(fabs(sum) / (sqrt(2 * nt) * sigma)) : 1.0;
    return DNC_OK;
}
