/* The reduced stochastic theory of information propagation at finite width
 * (after Ghavasieh, arXiv:2512.00168, "Tuning universality in deep neural
 * networks"; the full text was not available, the model below is
 * dnncrit's own, docs/langevin.md). The order parameter of two inputs,
 * x = rho = 1 - c, moves from layer l to l + 1 as
 *
 *   x_{l+1} - x_l = A(x_l) + sqrt(B(x_l)) xi_l,   xi_l ~ N(0, 1),
 *   A(x) = r x - h x^2          (drift: mean-field map near c = 1),
 *   B(x) = D1 x + D2 x^2        (diffusion: linear and multiplicative noise).
 *
 * Near the absorbing state x = 0 the noise selects the avalanche class:
 * D1 x dominating (x << D1/D2): sqrt(x) is a Brownian motion in the
 * logarithmic trap -D1/(8 sqrt x) (a Bessel process of dimension 0, the
 * Feller diffusion of a critical branching process): durations P(T) ~
 * T^-2, sizes P(S) ~ S^-3/2, <S>(T) ~ T^2 at r = 0. D2 x^2 dominating:
 * ln x is a free Brownian motion with drift r - D2/2 and variance D2 per
 * layer, and an avalanche (x above a threshold) is a free Brownian motion
 * absorbed at the threshold: P(T) ~ T^-3/2 at r = D2/2. */
#ifndef DNNCRIT_LANGEVIN_H
#define DNNCRIT_LANGEVIN_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stddef.h>
#include <stdint.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/error.h"
#include "dnncrit/network.h"
#include "dnncrit/propagate.h"

typedef struct {
    double r, h, d1, d2;
} dnc_langevin_couplings;

double dnc_langevin_drift(const dnc_langevin_couplings *c, double x);     /* A(x) */
double dnc_langevin_diffusion(const dnc_langevin_couplings *c, double x); /* B(x) */

/* Couplings from one-step statistics: pairs (x[i], x_next[i]) (e.g. rho at
 * layers l and l + 1 of many networks). The pairs with x > 0 are put in
 * `bins` bins equally spaced in ln x between the smallest and largest x;
 * in each bin with at least min_count pairs, the mean m and variance v of
 * the increment x_next - x (below), with standard errors s_m = sd / sqrt(n) and
 * s_v = v sqrt(2 / (n - 1)) (Gaussian increments). Weighted least squares
 * (GSL) of m on (x, -x^2) gives r, h and of v on (x, x^2) gives D1, D2,
 * each fit's errors scaled by sqrt(chi2/dof) when that exceeds 1. The
 * variance is the residual variance about the bin's own least-squares line
 * of the increment on x, so that the change of A(x) across a bin is not
 * taken for noise; the mean is at the bin's mean x. Needs >= 3 bins with
 * min_count pairs. */
typedef struct {
    dnc_langevin_couplings c, err;
    double drift_chi2_dof, diffusion_chi2_dof;
    /* Direct one-step statistics of the same pairs: the mean of x_next / x
     * - 1 and, over the pairs with x_next > 0, of ln(x_next / x), each with
     * sd / sqrt(n) (steps taken as independent). For a multiplicative
     * process these are the log drift r - D2/2 and r themselves, without
     * the binning and the model of A(x). */
    double log_drift, log_drift_err, ratio_mean, ratio_mean_err;
    size_t pairs; /* pairs with x > 0 and both finite */
    size_t nbins; /* table rows: the bins with >= min_count pairs */
    double *x;    /* [nbins] mean x of the bin */
    double *mean, *mean_err, *var, *var_err; /* [nbins] */
    size_t *n;                               /* [nbins] */
} dnc_langevin_fit;

dnc_status dnc_langevin_estimate(const double *x, const double *x_next, size_t n, size_t bins,
                                 size_t min_count, dnc_langevin_fit *out);
void dnc_langevin_fit_free(dnc_langevin_fit *f);

/* The couplings of a network: pairs of inputs propagated through
 * `networks` random networks (dnc_propagate_networks_rho, batch 2) from
 * `starts` starting distances rho_0 = 1 - input_c log-spaced from x_max
 * down to x_min (start s uses seeds net.seed + s networks, ...: no two
 * starts share a network), every (rho_l, rho_{l+1}) of every network and
 * start, l = 1..depth-1, with rho_l <= fit_x_max, given to
 * dnc_langevin_estimate (fit_x_max < 1 restricts the fit to the small-x
 * regime of the expansion, where the avalanches live). *q_mean (may be
 * NULL): the mean over the layers of q^l (of the first start): the
 * per-unit variance of the pre-activations that turns a distance x into a
 * per-unit damage. */
typedef struct {
    dnc_mlp_config net;
    size_t networks;        /* per start, >= 2 */
    size_t starts;          /* >= 1 */
    double x_min, x_max;    /* 0 < x_min <= x_max < 1 */
    double input_q;         /* per-component variance of the inputs */
    dnc_engine_kind engine; /* ensemble (default): rho resolved to ~1e-300 */
    size_t bins, min_count; /* of dnc_langevin_estimate */
    double fit_x_max;       /* in (0, 1]: steps from rho_l above it are left out */
    bool quiet;
} dnc_langevin_net_opts;

dnc_langevin_net_opts dnc_langevin_net_opts_default(void);
dnc_status dnc_langevin_measure(const dnc_langevin_net_opts *o, dnc_langevin_fit *fit,
                                double *q_mean);

/* The scales of the network's damage avalanches (dnncrit/avalanche.h, rule
 * damage: input unit k perturbed by delta, unit i of a layer active when
 * |h'_i - h_i| > threshold delta / sqrt(N0)) in the distance x = 1 - cos:
 * x0 = sigma_w^2 delta^2 / (2 N0 q_1), the expected distance at layer 1
 * (q_1 = sigma_w^2 input_q + sigma_b^2), and x_obs = threshold^2 delta^2 /
 * (4 N0 q), with which a unit whose damage is N(0, 2 q x) is active with
 * probability erfc(sqrt(x_obs / x)). */
dnc_status dnc_langevin_damage_scales(const dnc_mlp_config *net, double input_q, double delta,
                                      double threshold, double q, double *x0, double *x_obs);

/* Simulation of the reduced process (Euler-Maruyama, one step per layer):
 * trajectory i starts at x_1 = x0 and runs max_steps steps, its noise drawn
 * from Philox (seed, DNC_STREAM_SIM, i) (independent of the thread count).
 * B(x) < 0 (negative fitted couplings) is taken as 0. A step that lands at
 * x <= x_abs is absorbed: x stays 0 from there on.
 * Activity of step t:
 *   units == 0: A_t = x_t / x0 while x_t > 0 (the process itself);
 *   units >= 1: A_t ~ Binomial(units, erfc(sqrt(x_obs / x_t))): the units,
 *     out of `units` Gaussian ones, whose damage exceeds the threshold
 *     that makes x_obs the level where a unit is active with probability
 *     erfc(1) (docs/langevin.md: the network's damage rule).
 * Avalanches are the runs of A_t > 0 of each trajectory, exactly as the
 * network's layer-time avalanches (dnc_avalanches_from_layers): a run
 * reaching step max_steps is cut (*cut, may be NULL). */
typedef struct {
    dnc_langevin_couplings c;
    double x0;        /* > 0 */
    double x_abs;     /* absorbing level, >= 0 and < x0 */
    size_t max_steps; /* >= 1 */
    size_t units;     /* 0: A_t = x_t / x0; else the observation above */
    double x_obs;     /* > 0 when units >= 1 */
    uint64_t seed;
} dnc_langevin_sim_opts;

dnc_langevin_sim_opts dnc_langevin_sim_opts_default(void);
dnc_status dnc_langevin_avalanches(const dnc_langevin_sim_opts *o, size_t trajectories,
                                   dnc_avalanches *av, size_t *cut);

/* The class the couplings select at the scale x_ref where avalanches live
 * (e.g. the observation level x_obs): LOG_TRAP where the linear noise
 * dominates there (D1 x_ref > D2 x_ref^2, i.e. x_ref < D1 / D2), FREE_BM
 * otherwise. With it the closed-form duration exponent of the class at its
 * critical drift (2 or 3/2), the effective drift of the class's variable
 * (r for the trap: the Feller drift; r - D2/2 for ln x) and the layer
 * scale T_c beyond which that drift cuts the power law off (1/|r|, or
 * D2 / (r - D2/2)^2; INFINITY at zero drift). */
typedef enum { DNC_LANGEVIN_LOG_TRAP = 0, DNC_LANGEVIN_FREE_BM = 1 } dnc_langevin_class_kind;
typedef struct {
    dnc_langevin_class_kind kind;
    double crossover;    /* D1 / D2 (INFINITY when D2 <= 0 < D1, 0 when D1 <= 0) */
    double alpha;        /* closed-form duration exponent of the class */
    double tau, gamma;   /* closed-form size and size-duration exponents (NAN: none,
                          * they depend on the observation in the free-BM class) */
    double drift;        /* effective drift of the class's variable */
    double cutoff;       /* T_c in layers */
} dnc_langevin_class;

const char *dnc_langevin_class_name(dnc_langevin_class_kind k);
dnc_status dnc_langevin_classify(const dnc_langevin_couplings *c, double x_ref,
                                 dnc_langevin_class *out);

DNC_END_DECLS
#endif
