/* The crackling-noise relation gamma = (alpha - 1)/(tau - 1) (Sethna,
 * Dahmen & Myers, Nature 410, 242 (2001)) measured with honest errors:
 * tau, alpha and gamma come from the same avalanches, so their errors are
 * correlated and the propagated error of dnc_crackling_check (which treats
 * them as independent) can be too small or too large. dnc_crackling_measure
 * adds a bootstrap over the avalanches of the deviation itself, and reports
 * the gamma fit window (durations [T_min, T_max], how many were used).
 * `susceptibility --crackling` applies it at the chi maxima of the Widom line
 * (docs/avalanches.md, "Crackling along the Widom line"); the ghavasieh2025
 * study of `reproduce` judges its claims with it. */
#ifndef DNNCRIT_CRACKLING_H
#define DNNCRIT_CRACKLING_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/error.h"

typedef struct {
    size_t count;                  /* avalanches */
    double tau, tau_err;           /* P(S) ~ S^-tau (size fit, xmin by KS) */
    double size_xmin;
    size_t size_tail;
    double alpha, alpha_err;       /* P(T) ~ T^-alpha */
    double duration_xmin;
    size_t duration_tail;
    bool gamma_ok;                 /* <S>(T) fitted: >= 3 durations in the window */
    double gamma, gamma_err;       /* <S>(T) ~ T^gamma */
    double gamma_tmin, gamma_tmax; /* the durations at the ends of the fit window */
    size_t gamma_durations;        /* durations used (each with >= min_count avalanches) */
    char gamma_error[256];         /* why gamma was not fitted, when !gamma_ok */
    dnc_crackling cr;              /* predicted (alpha-1)/(tau-1) +- propagated error,
                                    * deviation gamma - predicted, z (propagated) */
    size_t boot_kept;              /* bootstrap resamples with a finite deviation */
    double boot_err;               /* their standard deviation (NAN with < 20) */
    double boot_lo, boot_hi;       /* 95 % percentile interval of the deviation */
    double err;                    /* the error used: max(propagated, bootstrap) */
    double z;                      /* deviation / err (NAN without gamma) */
    bool collapse_ok;              /* mean shape collapse fitted */
    double collapse_exponent, collapse_exponent_err, collapse_cost;
    size_t collapse_durations;
} dnc_crackling_measurement;

/* Analyses av with dnc_avalanche_analyse(av, o) and bootstraps the
 * deviation gamma - (alpha - 1)/(tau - 1): nboot resamples of the avalanches
 * with replacement (dnc_bootstrap, Philox stream DNC_STREAM_BOOTSTRAP of
 * seed), each refitting tau and alpha at the xmins of the full fit (fixed:
 * the xmin choice is not resampled) and gamma over the same duration window
 * with the same min_count. nboot = 0: no bootstrap (err = propagated). Fails
 * as dnc_avalanche_analyse does (fewer than 10 avalanches, a bad fit); a
 * gamma that cannot be fitted is reported (gamma_ok false, NAN), not an
 * error. */
dnc_status dnc_crackling_measure(const dnc_avalanches *av, const dnc_avalanche_opts *o,
                                 size_t nboot, uint64_t seed, dnc_crackling_measurement *out);

/* The same at one point of random networks: the avalanches of
 * dnc_net_avalanches(no) (any rule, protocol, field) measured by
 * dnc_crackling_measure(ao, nboot, seed no->net.seed). The network result's
 * counts come along: inputs seeded, avalanches cut at the last layer. */
typedef struct {
    double sigma_w, field;
    size_t width, depth;
    size_t seeded, cut;
    double survival, chi, chi_err;
    dnc_crackling_measurement m;
} dnc_net_crackling;

dnc_status dnc_net_crackling_measure(const dnc_net_aval_opts *no, const dnc_avalanche_opts *ao,
                                     size_t nboot, dnc_net_crackling *out);

DNC_END_DECLS
#endif
