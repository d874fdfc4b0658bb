/* Power-law statistics after Clauset, Shalizi & Newman, SIAM Rev. 51, 661
 * (2009):
 *   continuous  p(x) = x^-alpha / Z,  Z = int_xmin^xmax x^-alpha dx
 *   discrete    p(x) = x^-alpha / Z,  Z = zeta(alpha, xmin) - zeta(alpha, xmax + 1)
 * (xmax = +inf: the ordinary, untruncated power law). alpha is the maximum
 * likelihood estimate (closed form for the continuous untruncated case, a
 * GSL Brent maximisation of the Hurwitz-zeta likelihood otherwise), its
 * standard error comes from the observed Fisher information, and xmin
 * minimises the Kolmogorov-Smirnov distance between the tail and the fit.
 * Goodness of fit: semi-parametric bootstrap p-value. Alternatives:
 * Vuong's normalised log-likelihood ratio against exponential, lognormal,
 * stretched exponential and power law with exponential cutoff, each fitted
 * by maximum likelihood on the same tail and normalised on the same support
 * (integers >= xmin for discrete data). */
#ifndef DNNCRIT_POWERLAW_H
#define DNNCRIT_POWERLAW_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/error.h"

typedef struct {
    bool discrete;      /* data are integers >= 1 */
    double xmin;        /* > 0: fixed xmin; <= 0: chosen by KS minimisation */
    double xmax;        /* upper truncation (inclusive); INFINITY for none */
    size_t min_tail;    /* smallest tail an xmin candidate may leave (default 10) */
    /* Candidate xmins. exhaustive = 0 (the default): every distinct value
     * (leaving >= min_tail samples), exactly as brute force would choose
     * (the smallest xmin on ties), made fast by rejecting a candidate as
     * soon as its distance at one point exceeds the best so far, after a
     * grid pass has found a near-optimal best. exhaustive > 0: the
     * approximate scan: every distinct value when there are at most
     * `exhaustive` of them, otherwise a grid of `grid` candidates
     * log-spaced in tail size (default 300), refined around the best one
     * until the bracket holds <= `grid` candidates, which are then all
     * tried; it can miss the minimum when the KS distance has several. */
    size_t exhaustive;
    size_t grid;
} dnc_pl_opts;

typedef struct {
    bool discrete;
    double alpha, alpha_err;
    double xmin, xmax;
    size_t n;        /* all samples */
    size_t n_tail;   /* samples in [xmin, xmax] */
    double ks;       /* KS distance of the tail from the fit */
    double loglik;   /* log-likelihood of the tail */
    bool xmin_fixed; /* xmin was given, not scanned */
} dnc_pl_fit;

/* Defaults: continuous, xmin scanned, xmax = inf, min_tail 10. */
dnc_pl_opts dnc_pl_opts_default(void);

/* Fits x[0..n) (any order; values outside (0, xmax] and, for discrete,
 * non-integers are rejected with a message naming the first offender;
 * values above xmax are allowed and ignored by the fit). */
dnc_status dnc_pl_fit_data(const double *x, size_t n, const dnc_pl_opts *opts, dnc_pl_fit *fit);

/* Removes the values <= 0 from x[0..*n) in place (keeping the order of the
 * rest), as plfit and Python's powerlaw do: a power law lives on x > 0,
 * and data such as degree sequences hold zeros. *n becomes the number
 * kept, *dropped the number removed. NaN or an infinity is an error
 * naming the sample (1-based, in the original order); x is then unchanged. */
dnc_status dnc_pl_drop_nonpositive(double *x, size_t *n, size_t *dropped);

/* Checks x[0..n) as dnc_pl_fit_data does (the error names the sample in
 * the order given) and returns an ascending copy in *sorted (the caller
 * frees it): the input of dnc_pl_fit_sorted, and of the plot writers,
 * which then need no sort of their own. */
dnc_status dnc_pl_sorted(const double *x, size_t n, const dnc_pl_opts *opts, double **sorted);

/* Sorts x[0..n) ascending in place (any values but NaN; -0 and +0 are
 * equal and come in either order):
 * a radix sort on the bit patterns, the sort of the fits. */
void dnc_pl_sort(double *x, size_t n);

/* The same on data already sorted ascending (saves the sort). */
dnc_status dnc_pl_fit_sorted(const double *sorted, size_t n, const dnc_pl_opts *opts,
                             dnc_pl_fit *fit);

/* Model distribution of a fit: P(X >= x) for x >= xmin (1 below xmin), and
 * the density (continuous) or probability mass (discrete) at x. */
double dnc_pl_ccdf(const dnc_pl_fit *fit, double x);
double dnc_pl_pdf(const dnc_pl_fit *fit, double x);

/* Samples from the power law of `fit` (alpha, xmin, xmax, discrete) by
 * inverse transform: u[i] in (0,1) -> out[i]. Exact for discrete data too
 * (inverts the Hurwitz-zeta CDF). */
dnc_status dnc_pl_sample(const dnc_pl_fit *fit, const double *u, double *out, size_t n);

/* Goodness of fit (Clauset et al. section 4.1): `reps` semi-parametric
 * bootstrap replicas (values below xmin resampled from the data, the tail
 * drawn from the fit), each refitted exactly as the data was (xmin scanned
 * unless fit->xmin_fixed). p = fraction of replicas whose KS distance is
 * >= the data's. Replica r uses Philox (seed, DNC_STREAM_BOOTSTRAP, r, .),
 * so p does not depend on the number of OpenMP threads. */
dnc_status dnc_pl_bootstrap(const double *x, size_t n, const dnc_pl_opts *opts,
                            const dnc_pl_fit *fit, size_t reps, uint64_t seed, double *p);

typedef enum {
    DNC_PL_ALT_EXPONENTIAL = 0,  /* exp(-lambda x) */
    DNC_PL_ALT_LOGNORMAL = 1,    /* exp(-(ln x - mu)^2 / (2 sigma^2)) / x */
    DNC_PL_ALT_STRETCHED = 2,    /* x^(beta-1) exp(-lambda x^beta) */
    DNC_PL_ALT_CUTOFF = 3,       /* x^-alpha exp(-lambda x) (nests the power law) */
    DNC_PL_ALT_COUNT = 4
} dnc_pl_alt;

typedef struct {
    dnc_pl_alt alt;
    double params[2];  /* exponential: lambda; lognormal: mu, sigma;
                          stretched: lambda, beta; cutoff: alpha, lambda */
    double loglik;     /* of the alternative on the tail */
    double R;          /* sum of log-likelihood ratios, power law - alternative */
    double normalised_R; /* R / (sqrt(n_tail) sigma): > 0 favours the power law */
    double p;          /* significance of the sign of R (Vuong; chi^2_1 when nested) */
    bool nested;
    bool at_bound;     /* lognormal / stretched exponential: the fit ended on the edge of
                          the search (sigma <= 10 x log-range, beta >= 0.01), beyond which
                          the alternative turns into the power law itself */
} dnc_pl_compare;

const char *dnc_pl_alt_name(dnc_pl_alt alt);
/* ln of the alternative's density (continuous, normalised by the integral
 * over [xmin, inf)) or probability mass (discrete: the distribution
 * restricted to the integers >= xmin, normalised by the sum over them) at
 * x >= xmin, params as in dnc_pl_compare.params. NAN outside the support. */
double dnc_pl_alt_logpdf(dnc_pl_alt alt, const double params[2], double xmin, bool discrete,
                         double x);
/* Fits the alternative by maximum likelihood on the tail [xmin, inf) of
 * `fit` and compares it with the power law. Not defined for truncated fits
 * (finite xmax): DNC_EUNSUPPORTED. */
dnc_status dnc_pl_compare_alt(const double *x, size_t n, const dnc_pl_fit *fit, dnc_pl_alt alt,
                              dnc_pl_compare *out);

/* Log-spaced density histogram of x >= lo (edges lo * ratio^k), for plots.
 * Discrete data use integer bin widths. Fills up to cap bins; *nbins set.
 * O(n) on ascending data, O(n log cap) otherwise. */
dnc_status dnc_pl_log_histogram(const double *x, size_t n, bool discrete, double lo,
                                double ratio, double *centre, double *density, size_t cap,
                                size_t *nbins);

DNC_END_DECLS
#endif
