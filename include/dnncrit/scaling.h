/* Estimators for absorbing phase transitions: decay exponents with
 * effective-exponent analysis, the critical point from the curvature of
 * log rho vs log t, off-critical exponents (beta, nu_par), finite-size
 * scaling data collapse, metric factors and universality-class
 * identification. References: Hinrichsen, Adv. Phys. 49, 815 (2000);
 * Grassberger & de la Torre, Ann. Phys. 122, 373 (1979) (local slopes);
 * Houdayer & Hartmann, PRB 70, 014418 (2004) (collapse quality).
 *
 * Every estimate carries a statistical error from independent samples:
 * bootstrap over samples when a series has several, a parametric bootstrap
 * from the given errors when it has one sample with error bars, and the
 * least-squares error from the fit residuals for deterministic data (one
 * sample, no errors, e.g. the mean-field maps); `method` says which. */
#ifndef DNNCRIT_SCALING_H
#define DNNCRIT_SCALING_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/error.h"
#include "dnncrit/table.h"

typedef struct {
    double value;
    double error;
} dnc_estimate;

typedef enum {
    DNC_ERR_BOOTSTRAP = 0,  /* resampling independent samples */
    DNC_ERR_PARAMETRIC = 1, /* Gaussian resampling of given error bars */
    DNC_ERR_RESIDUALS = 2   /* least-squares error of deterministic data */
} dnc_err_method;

const char *dnc_err_method_name(dnc_err_method m);

/* One observable y(t) (density rho, survival, ...) at nt times in ns
 * independent samples. */
typedef struct {
    size_t nt, ns;
    double *t;    /* [nt], increasing */
    double *y;    /* [ns * nt], sample-major */
    double *err;  /* [nt] error of y when ns == 1 (may be NULL) */
    double size;  /* system size N or L for finite-size scaling (0: unknown) */
    double param; /* control parameter (p, sigma_w, ...) */
} dnc_series;

dnc_status dnc_series_alloc(dnc_series *s, size_t nt, size_t ns, bool with_err);
void dnc_series_free(dnc_series *s);
/* Sample mean and its standard error (the given err when ns == 1). */
dnc_status dnc_series_mean(const dnc_series *s, double *mean, double *err);

/* ---- Series from tables (dnncrit/table.h) read with dnc_series_table_opts:
 * a header row, ','-separated numbers, nan and inf allowed (e.g. the error
 * column of a single sample). */
extern const dnc_table_opts dnc_series_table_opts;
/* Builds one series of column `value` from one or more tables: the time
 * column is the first of t, layer, l, depth, time; a table with a `seed`
 * or `sample` column holds one sample per seed (long format, as written by
 * `dnncrit dp`'s PREFIX.seeds.csv); any other table is one sample (e.g. one
 * `dnncrit propagate` run per seed). A single sample keeps its error column
 * (`err` for rho, otherwise `<value>_err`) when present. All samples must
 * share their times; longer ones are cut to the common length. */
dnc_status dnc_series_from_tables(const dnc_table *tabs, size_t ntabs, const char *value,
                                  dnc_series *out);

/* ---- Decay at criticality: y(t) ~ A t^-delta. */
typedef struct {
    double tmin, tmax; /* fit window (tmax <= 0: last time) */
    double m;          /* local-slope ratio: delta_eff(t) = -ln(y(t)/y(t/m)) / ln m */
    double omega;      /* correction exponent: delta_eff = delta + a t^-omega */
    bool log_correction; /* also fit b ln(t) t^-omega: the mean-field case, where
                            1/rho = kappa t + c ln t + ... (rho' = rho - kappa rho^2 + c3 rho^3) */
    size_t nboot;
    uint64_t seed;
    double tmin_spread; /* J >= 1: each bootstrap replica fits from its own tmin, drawn
                           log-uniformly from [tmin / J, tmin J], so that the error includes
                           the choice of the window start (1: fixed tmin; default 2) */
} dnc_decay_opts;

typedef struct {
    dnc_estimate delta;     /* straight power-law fit of ln y vs ln t in the window */
    dnc_estimate delta_inf; /* effective exponent extrapolated to 1/t^omega -> 0 */
    dnc_estimate amplitude; /* A */
    dnc_estimate curvature; /* d^2 ln y / d(ln t)^2 over the window (quadratic fit) */
    dnc_err_method method;
    /* Which estimate to quote: when delta and delta_inf differ by more than
     * their combined error sqrt(e^2 + e_inf^2), corrections to scaling bias the plain fit: quote
     * delta_inf, with systematic = |delta - delta_inf|; otherwise quote the
     * one with the smaller error, systematic = 0 (dnc_decay_quote_reason). */
    bool quote_inf;
    double systematic;
    size_t npoints;         /* points in the window */
    /* effective exponent at every time with y(t/m) available */
    size_t neff;
    double *t_eff, *delta_eff, *delta_eff_err; /* [neff] */
} dnc_decay_result;

dnc_decay_opts dnc_decay_opts_default(void);
dnc_status dnc_decay_fit(const dnc_series *s, const dnc_decay_opts *o, dnc_decay_result *r);
void dnc_decay_result_free(dnc_decay_result *r);
/* One sentence: why quote_inf says what it says. */
const char *dnc_decay_quote_reason(const dnc_decay_result *r);

/* Critical point: the curvature of ln y vs ln t changes sign at p_c
 * (downwards in the absorbing phase, upwards in the active one). The zero
 * of a straight line fitted to curvature vs parameter over all series
 * (choose parameters close enough to p_c for the curvature to be linear),
 * NAN when it falls outside the parameter range; bootstrap error. */
typedef struct {
    dnc_estimate critical;  /* NAN value when no sign change is bracketed */
    double *curvature;      /* [n] curvature per series */
    double *curvature_err;  /* [n] */
    size_t bracket;         /* first sign change between sorted series bracket and
                               bracket+1, (size_t)-1 if none */
} dnc_critical_result;

dnc_status dnc_critical_point(const dnc_series *s, size_t n, const dnc_decay_opts *o,
                              dnc_critical_result *r);
void dnc_critical_result_free(dnc_critical_result *r);

/* ---- Off criticality. */
/* Stationary value: time average over t >= tburn, error from samples. */
dnc_status dnc_stationary(const dnc_series *s, double tburn, dnc_estimate *y_star);
/* Relaxation time xi from |y(t) - y_inf| ~ exp(-t / xi): fit over the times
 * where |y - y_inf| lies between rel_lo and rel_hi times its first value. */
dnc_status dnc_relaxation_time(const dnc_series *s, double y_inf, double rel_hi, double rel_lo,
                               size_t nboot, uint64_t seed, dnc_estimate *xi);
/* Power law y = A |x|^e through points with errors dy (weighted fit of
 * ln y on ln |x|; e.g. beta from rho* vs tau, -nu_par from xi vs tau). */
dnc_status dnc_power_fit(const double *x, const double *y, const double *dy, size_t n,
                         dnc_estimate *exponent, dnc_estimate *amplitude);

/* ---- Metric factor: at chi_1 = 1, y(t) -> 1/(kappa t). Fit of 1/y =
 * kappa (t + t0) over the window. */
dnc_status dnc_metric_factor(const dnc_series *s, double tmin, double tmax, size_t nboot,
                             uint64_t seed, dnc_estimate *kappa, dnc_estimate *t0);

/* ---- Finite-size scaling collapse: y(t, N) = N^-a f(t / N^b), in logs:
 * X = ln t - b ln N, Y = ln y + a ln N. Quality: Houdayer-Hartmann S, the
 * mean of (Y - Ybar)^2 / (dY^2 + dYbar^2) over points in the overlap of the
 * other curves (Ybar: their interpolated mean); S ~ 1 for a perfect collapse
 * within errors. Minimised with GSL's Nelder-Mead simplex. */
typedef struct {
    double a0, b0;       /* starting point */
    double tmin;         /* ignore t < tmin (microscopic transient) */
    double max_rel_err;  /* ignore points with dy/y above this (default 0.5) */
    size_t nboot;
    uint64_t seed;
} dnc_collapse_opts;

typedef struct {
    dnc_estimate a, b;
    double quality;      /* S at the optimum */
    size_t overlap;      /* points that entered S */
    dnc_err_method method;
} dnc_collapse_result;

dnc_collapse_opts dnc_collapse_opts_default(void);
/* Collapse quality at given (a, b) (for scans and tests). */
dnc_status dnc_collapse_quality(const dnc_series *s, size_t n, const dnc_collapse_opts *o,
                                double a, double b, double *S, size_t *overlap);
dnc_status dnc_collapse(const dnc_series *s, size_t n, const dnc_collapse_opts *o,
                        dnc_collapse_result *r);

/* ---- Universality classes. */
enum {
    DNC_EXP_BETA, DNC_EXP_NU_PERP, DNC_EXP_NU_PAR, DNC_EXP_Z, DNC_EXP_DELTA, DNC_EXP_THETA,
    DNC_EXP_TAU, DNC_EXP_ALPHA, DNC_EXP_GAMMA, DNC_NEXP
};

typedef struct {
    const char *name;
    double value[DNC_NEXP]; /* NAN: the class does not predict this exponent */
    double error[DNC_NEXP];
    /* A line of classes (mean-field Barkhausen, ABBM, with driving rate c:
     * tau = (3 - c)/2, alpha = 2 - c): the exponents are value + param * slope
     * for param in [param_min, param_max]. NULL param_name: a point class. */
    double slope[DNC_NEXP];
    const char *param_name;
    double param_min, param_max;
    /* What tells this class from the classes it resembles (for ties). */
    const char *tie_break;
} dnc_uclass;

/* Exponent names as used on the command line (beta, nu_perp, ...); -1 if unknown. */
const char *dnc_exponent_name(int k);
int dnc_exponent_index(const char *name);
/* The built-in table: mean field, DP 1+1, 2+1, 3+1 (Hinrichsen 2000;
 * Jensen 1999), avalanche exponents from the spreading exponents:
 * alpha = 1 + delta, gamma = 1 + theta + delta, tau = 1 + delta / gamma
 * (mean field: tau = 3/2, alpha = 2, gamma = 2); then the Barkhausen-noise
 * classes, which predict avalanche exponents only: mean field (ABBM, the line
 * tau = (3 - c)/2, alpha = 2 - c, gamma = 2 over the driving rate c in
 * [0, 1)) and short-range elasticity (tau 1.27, alpha 1.5, gamma 1.77;
 * Durin & Zapperi, PRL 84, 4705 (2000)). */
size_t dnc_uclass_table(const dnc_uclass **table);

/* Two classes "tie" when both lie within 2 sigma of the data: p >= this
 * (the two-sided 2-sigma tail of a normal). */
#define DNC_CLASSIFY_TIE_P 0.0455

typedef struct {
    const dnc_uclass *uclass;
    double chi2;     /* sum over compared exponents of (x - x_c)^2 / (dx^2 + dx_c^2) */
    size_t n;        /* exponents compared: measured and predicted by the class
                      * (0: none; chi2, distance and p_value are NAN) */
    double distance; /* sqrt(chi2 / n): typical deviation in error bars */
    double p_value;  /* P(chi^2_dof >= chi2), dof = n less the fitted parameter (>= 1) */
    double param;    /* a line class: its best parameter (e.g. ABBM's c); NAN otherwise */
    bool within_2sigma; /* p_value >= DNC_CLASSIFY_TIE_P */
} dnc_uclass_match;

/* value[k], error[k] for k < DNC_NEXP; NAN value = not measured. Fills
 * matches[] (one per class, at most dnc_uclass_table's count) sorted from
 * best to worst (by p-value; classes that predict none of the measured
 * exponents last). */
dnc_status dnc_classify(const double *value, const double *error, dnc_uclass_match *matches,
                        size_t *nmatches);
/* How many of the matches lie within 2 sigma of the data (ties when >= 2). */
size_t dnc_classify_ties(const dnc_uclass_match *matches, size_t nmatches);

DNC_END_DECLS
#endif
