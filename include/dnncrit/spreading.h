/* Universality tests of an absorbing phase transition from both protocols,
 * homogeneous (full start) and spreading (seed start), on random CNNs and on
 * the DP lattice models of dp.h, through the same estimators (scaling.h):
 *
 *   full start   every site damaged (CNN: inputs decorrelated everywhere,
 *                DP: every site active). Order parameter rho(l) ~ l^-delta
 *                at the critical point; the critical point from the sign
 *                change of the curvature of ln rho vs ln l (dnc_critical_point).
 *   seed start   one damaged site (CNN: perturb_width = 1, DP: DNC_DP_SEED).
 *                Mass N(l) ~ l^theta, survival P(l) ~ l^-delta'; the spreading
 *                critical point from the curvature of ln N vs ln l.
 *
 * DP predicts delta' = delta (rapidity reversal) and one critical point for
 * both protocols (Hinrichsen, Adv. Phys. 49, 815 (2000)). Quenched temporal
 * disorder (noise shared by every site of a time step, e.g. one kernel per
 * layer) is relevant for DP when nu_par < 2 (Kinzel 1985) and can give a
 * temporal Griffiths phase, a range of the control parameter with
 * continuously varying effective spreading exponents (Vazquez, Bonachela,
 * Lopez & Munoz, PRL 106, 235702 (2011)); dnc_spread_analyze measures the
 * quantities that tell these apart.
 *
 * CNN observables (cnn.h): the density is rho(l) (or, with active_density,
 * the fraction of sites with rho(x) > threshold); the seed mass is S rho(l)
 * (or the active count); survival = some site active (rho(x) > threshold).
 * The unit of error bars is one network (CNN) or one DP sample. */
#ifndef DNNCRIT_SPREADING_H
#define DNNCRIT_SPREADING_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/cnn.h"
#include "dnncrit/dp.h"
#include "dnncrit/error.h"
#include "dnncrit/scaling.h"

typedef enum {
    DNC_SPREAD_CNN = 0, /* a random CNN (cnn.h); the parameter is sigma_w */
    DNC_SPREAD_DP = 1   /* a DP lattice model (dp.h); the parameter is p */
} dnc_spread_kind;

typedef struct {
    dnc_spread_kind kind;
    /* CNN: the network and options; net.depth is the last layer, net.seed the
     * first of `samples` networks (seed, seed + 1, ...); net.sigma_w,
     * perturb_width and input_c are set by the protocol. */
    dnc_cnn_opts cnn;
    /* DP: model, L, tmax, seed, impl, runs (seed start only: runs per sample;
     * the full start runs one lattice per sample); p, init, samples,
     * per_decade and quiet are set by the protocol. */
    dnc_dp_opts dp;
    size_t samples;        /* networks (CNN) / samples (DP), >= 2 */
    size_t per_decade;     /* recorded times: every step to 10, then this many per decade
                              (dnc_dp_times); 0 = every step */
    bool active_density;   /* CNN: density and mass from active sites instead of rho */
    double growth_tmin;    /* the one-layer growth statistics use steps l >= growth_tmin */
    bool full, seed;       /* which protocols to run (both by default) */
    /* CNN seed start: linear lattice size (0: the full start's). Its depth is
     * min(net.depth, X / (2 r)), r = (k - 1) / 2: damage spreads at most r
     * sites per layer each way, so it never wraps around the periodic
     * lattice (a wrapped cluster would saturate N(l) and bend ln N down). */
    size_t seed_size;
} dnc_spread_system;

/* One parameter value: the series of both protocols (t >= 1) and the
 * one-step growth g(l) = ln(y(l+1)/y(l)) of the full-start density. */
typedef struct {
    double param;
    dnc_series density;   /* full start (empty when not run) */
    dnc_series mass;      /* seed start: N(l) */
    dnc_series survival;  /* seed start: P(l) */
    dnc_estimate growth_mean, growth_var; /* see dnc_growth_stats */
    double seconds;
} dnc_spread_point;

/* Defaults: both protocols, 16 samples, 12 times per decade, growth from
 * l >= 10; CNN: dnc_cnn_opts_default; DP: bond DP 1+1, L = 256, tmax 1000,
 * 100 runs per seed-start sample. */
dnc_spread_system dnc_spread_system_default(dnc_spread_kind kind);
dnc_status dnc_spread_validate(const dnc_spread_system *sys);
/* Runs both protocols at one parameter value (sigma_w or p). */
dnc_status dnc_spread_simulate(const dnc_spread_system *sys, double param, dnc_spread_point *pt);
void dnc_spread_point_free(dnc_spread_point *pt);

/* Temporal-disorder statistic of a positive series y (ns samples x nt
 * consecutive steps, sample-major): g = ln(y[k+1]/y[k]) over steps
 * t0 <= k < t1 (t1 = 0 or > nt - 1: to the end; a sample stops at its first
 * y <= 0). mean: mean of g over steps and samples; var: the mean over
 * samples of each sample's variance of g over its steps (unbiased, n - 1),
 * with the standard error over samples (ns >= 2), or var sqrt(2/(n - 1)) for
 * one sample. Samples with fewer than 3 steps are skipped; none left is an
 * error. */
dnc_status dnc_growth_stats(const double *y, size_t ns, size_t nt, size_t t0, size_t t1,
                            dnc_estimate *mean, dnc_estimate *var);

/* ---- The analysis of a grid of parameter values. */
typedef struct {
    dnc_decay_opts decay; /* window and bootstrap of every fit (delta, delta', theta, curvature) */
    double late_tmin;     /* Griffiths test: effective theta over [late_tmin, end] (0: end / 4) */
    /* where delta, delta', theta are measured: the grid point nearest at_param;
     * NAN (default): nearest the inverse-variance mean of the critical points
     * of both protocols (the finite ones; the middle point if neither is) */
    double at_param;
} dnc_spread_opts;

typedef struct {
    size_t n;
    dnc_estimate pc_full;    /* critical point from the full start (curvature of ln rho) */
    dnc_estimate pc_spread;  /* from the seed start (curvature of ln N) */
    double pc_sigma;         /* |pc_full - pc_spread| / sqrt(e^2 + e^2) (NAN if either is) */
    /* the first sign change of each protocol's curvature between neighbouring
     * grid points (lower, upper parameter; NAN when none): the line fit of
     * dnc_critical_point assumes a linear curvature, this does not */
    double bracket_full[2], bracket_spread[2];
    size_t at;               /* grid index of the exponents (dnc_spread_opts.at_param) */
    double at_target;        /* the parameter value `at` is nearest to */
    /* at grid point `at`: the quoted estimates (plain fit or extrapolation, by
     * dnc_decay_fit's rule; the systematic error added in quadrature). When
     * P(l) is constant over the window (every sample survives), delta' = 0
     * with the resolution error -ln(1 - 1/ns) / ln(tmax/tmin), the decay
     * of one sample lost over the window, instead of the bootstrap's 0. */
    dnc_estimate delta, delta_prime, theta;
    double rapidity_sigma;   /* |delta - delta'| / sqrt(e^2 + e'^2) */
    dnc_estimate growth_var; /* of the full start at `at` */
    /* per grid point (input order): effective theta over the late window, the
     * curvatures of both protocols */
    double *param, *theta_late, *theta_late_err;
    double *curv_full, *curv_full_err, *curv_seed, *curv_seed_err;
    /* the quoted delta, delta', theta at every grid point (same window; NAN
     * where the fit fails): how much the exponents depend on where they are
     * measured */
    dnc_estimate *delta_all, *delta_prime_all, *theta_all;
} dnc_spread_analysis;

dnc_spread_opts dnc_spread_opts_default(void);
/* pts: n >= 2 points with both protocols run. */
dnc_status dnc_spread_analyze(const dnc_spread_point *pts, size_t n, const dnc_spread_opts *o,
                              dnc_spread_analysis *a);
void dnc_spread_analysis_free(dnc_spread_analysis *a);
/* The quoted estimate of a decay fit: delta_inf or delta by r->quote_inf,
 * the systematic error added in quadrature; sign -1 gives a growth exponent
 * (theta = -delta of N(l)). */
dnc_estimate dnc_decay_quoted(const dnc_decay_result *r, double sign);

/* Finite-size collapse of full-start densities at several sizes (series'
 * size = linear size X) with given exponents: y X^a vs t / X^b, the quality
 * of dnc_collapse_quality. Convenience for DP (a = beta/nu_perp, b = z) and
 * mean field in units of sites N = X^d (a = b = d/2). */
dnc_status dnc_spread_collapse_class(const dnc_series *s, size_t n, const dnc_collapse_opts *o,
                                     const char *uclass, int dims, double *S, size_t *overlap);

DNC_END_DECLS
#endif
