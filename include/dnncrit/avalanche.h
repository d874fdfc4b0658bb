/* Neuronal avalanches (Beggs & Plenz 2003; crackling noise: Sethna,
 * Dahmen & Myers 2001; Friedman et al. 2012) in any activity raster:
 * spike recordings, or the layers of a network seen as time bins.
 *
 * Population activity A_t = events (or active units) in time bin t. An
 * avalanche is a maximal run of consecutive bins with A_t > 0 between
 * quiet bins (A_t = 0); size S = sum of A_t over the run, duration T =
 * number of bins, profile = (A_t) over the run. Avalanches cut by the start
 * or end of the recording are dropped unless asked for.
 *
 * Analysis: P(S) ~ S^-tau, P(T) ~ T^-alpha (discrete power-law fits,
 * dnncrit/powerlaw.h), <S>(T) ~ T^gamma, the crackling-noise relation
 * gamma = (alpha - 1)/(tau - 1), shape collapse <A>(t, T) = T^(gamma-1)
 * F(t/T), branching ratio (conventional and multistep regression, Wilting &
 * Priesemann 2018) and susceptibilities. */
#ifndef DNNCRIT_AVALANCHE_H
#define DNNCRIT_AVALANCHE_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/cnn.h"
#include "dnncrit/error.h"
#include "dnncrit/network.h"
#include "dnncrit/powerlaw.h"
#include "dnncrit/propagate.h"

/* Population activity of a raster of `units` units over `bins` time bins. */
typedef struct {
    size_t bins, units;
    double *count;  /* [bins] events in the bin (sum of counts over units) */
    double *active; /* [bins] units with at least one event in the bin */
} dnc_activity;

dnc_status dnc_activity_alloc(dnc_activity *a, size_t bins, size_t units);
void dnc_activity_free(dnc_activity *a);

/* Dense raster: one row per time bin, one column per unit (comma or
 * whitespace separated non-negative numbers: 0/1 or counts; '#' comments;
 * an optional header row of names). `rebin` >= 1 sums that many
 * consecutive rows into one bin (a unit is active in the new bin when it
 * fired in any of them). */
dnc_status dnc_activity_read_dense(const char *path, size_t rebin, dnc_activity *a);
/* Event list: rows "time,unit" (unit an integer id >= 0; optional header).
 * Bin width dt > 0, or dt <= 0 for the population's mean inter-event
 * interval (Beggs & Plenz 2003); *dt_used receives the width used. */
dnc_status dnc_activity_read_events(const char *path, double dt, dnc_activity *a,
                                    double *dt_used);
/* Dense raster in memory: rows x cols non-negative finite values in
 * row-major order, rows = time bins and columns = units, or with
 * `transpose` rows = units and columns = time bins; `rebin` as above.
 * `name` names the source in errors (row and column as in the source). */
dnc_status dnc_activity_from_matrix(const double *v, size_t rows, size_t cols, bool transpose,
                                    size_t rebin, const char *name, dnc_activity *a);
/* Dense raster from a NumPy .npy file (dnncrit/npy.h: plain or gzip'd; bool,
 * integer or float dtypes; C or Fortran order): a 2-D array of time bins x
 * units, or units x time bins with `transpose`. */
dnc_status dnc_activity_read_npy(const char *path, bool transpose, size_t rebin,
                                 dnc_activity *a);
/* Event list in memory: n events (time[i] finite, unit[i] an integer id >= 0),
 * binned as dnc_activity_read_events does (bins start at the earliest event;
 * dt <= 0: mean inter-event interval). `units` is the number of units the
 * recording has (0: largest id + 1; ids must be below it). */
dnc_status dnc_activity_from_events(const double *time, const double *unit, size_t n,
                                    size_t units, double dt, const char *name, dnc_activity *a,
                                    double *dt_used);
/* Spike times of an NWB file (Neurodata Without Borders 2.x, HDF5): the
 * ragged array of the Units table, units/spike_times (seconds, float) with
 * units/spike_times_index (integers: index[i] is the end of unit i's spike
 * times, the start is index[i-1] or 0). Units are the rows of the table
 * (a unit without spikes counts); binned as dnc_activity_from_events. */
dnc_status dnc_activity_read_nwb(const char *path, double dt, dnc_activity *a, double *dt_used);

typedef struct {
    size_t count;
    double *size;     /* [count] S */
    double *duration; /* [count] T (bins) */
    size_t *start;    /* [count] first bin */
    size_t *offset;   /* [count + 1] profile of avalanche i: profile[offset[i] .. offset[i+1]) */
    double *profile;
    size_t cap, profile_cap; /* internal */
} dnc_avalanches;

/* Splits activity A[0..bins) into avalanches. Fails (DNC_EINVAL, clear
 * message) when there is no activity at all or no complete avalanche. */
dnc_status dnc_avalanches_from_activity(const double *A, size_t bins, bool keep_edges,
                                        dnc_avalanches *av);
/* Appends one avalanche with the given profile (T bins). */
dnc_status dnc_avalanches_append(dnc_avalanches *av, const double *profile, size_t T,
                                 size_t start);
void dnc_avalanches_free(dnc_avalanches *av);

/* <S>(T) ~ T^gamma: weighted least squares of ln <S> on ln T over the
 * durations in [tmin, tmax] with at least min_count avalanches (weights
 * from the standard error of each mean; error inflated by sqrt(chi2/dof)
 * when the scatter exceeds it). Per-duration table for output. */
typedef struct {
    double gamma, gamma_err, log_amplitude;
    double tmin, tmax;
    size_t npoints;
    size_t ndur;                /* table rows: every duration with >= 2 avalanches */
    double *T, *mean_S, *sem_S; /* [ndur] */
    size_t *n;                  /* [ndur] */
} dnc_size_duration;

dnc_status dnc_size_duration_fit(const dnc_avalanches *av, double tmin, double tmax,
                                 size_t min_count, dnc_size_duration *out);
void dnc_size_duration_free(dnc_size_duration *sd);

/* Crackling-noise relation: predicted gamma = (alpha - 1)/(tau - 1) with
 * its propagated error, and the measured gamma minus it in units of the
 * combined error. */
typedef struct {
    double predicted, predicted_err;
    double difference, difference_err, z;
} dnc_crackling;

void dnc_crackling_check(double tau, double tau_err, double alpha, double alpha_err,
                         double gamma, double gamma_err, dnc_crackling *out);

/* Shape collapse: the mean profile of the avalanches of each duration T in
 * [tmin, tmax] (at least min_count of them, T >= 3), divided by
 * T^(exponent - 1) and interpolated onto `grid` points of t/T in (0, 1);
 * `exponent` minimises the relative variance across durations (GSL Brent),
 * its error is the jackknife over durations. */
typedef struct {
    double exponent, exponent_err, cost;
    size_t ndur, grid;
    double *T;      /* [ndur] durations used */
    double *x;      /* [grid] t/T */
    double *scaled; /* [ndur * grid] rescaled mean profiles */
    double *shape;  /* [grid] their mean, the universal scaling function */
} dnc_shape_collapse;

dnc_status dnc_shape_collapse_fit(const dnc_avalanches *av, double tmin, double tmax,
                                  size_t min_count, size_t grid, dnc_shape_collapse *out);
void dnc_shape_collapse_free(dnc_shape_collapse *sc);

/* Branching ratio from activity A_t:
 *  conventional: slope r_1 of the linear regression of A_{t+1} on A_t
 *                (biased under subsampling);
 *  multistep regression (Wilting & Priesemann, Nat. Commun. 9, 2325
 *                (2018)): r_k for k = 1..kmax fitted by b m^k, m unbiased
 *                under subsampling; errors by jackknife over 10 blocks. */
typedef struct {
    double naive, naive_err;
    double mr, mr_err, mr_amplitude;
    double autocorrelation_bins; /* -1 / ln m (NAN if m >= 1) */
    size_t kmax;
    double *rk; /* [kmax] */
} dnc_branching_estimate;

dnc_status dnc_branching_ratio(const double *A, size_t bins, size_t kmax,
                               dnc_branching_estimate *out);
void dnc_branching_estimate_free(dnc_branching_estimate *b);

/* chi = N (<rho^2> - <rho>^2) with rho_t = active_t / N. */
dnc_status dnc_activity_susceptibility(const dnc_activity *a, double *chi);
/* Avalanche-size susceptibility <S^2>/<S> (the mean avalanche size seen by
 * a random event; diverges with the cutoff at criticality). */
double dnc_avalanche_size_susceptibility(const dnc_avalanches *av);

/* The whole analysis of a set of avalanches. */
typedef struct {
    dnc_pl_opts size_fit, duration_fit; /* both discrete by default */
    size_t bootstrap;                   /* goodness-of-fit replicas (0: none) */
    uint64_t seed;
    bool compare;                       /* likelihood-ratio tests */
    size_t min_count;                   /* avalanches per duration for gamma / collapse */
    double gamma_tmin, gamma_tmax;      /* <= 0: duration fit's xmin; inf */
    double collapse_tmin, collapse_tmax;
    size_t collapse_grid;
} dnc_avalanche_opts;

typedef struct {
    size_t count;
    dnc_pl_fit size, duration;
    double size_p, duration_p; /* bootstrap p (NAN unless bootstrap) */
    dnc_pl_compare size_cmp[DNC_PL_ALT_COUNT], duration_cmp[DNC_PL_ALT_COUNT];
    bool compared;
    dnc_size_duration sd;
    bool gamma_ok;          /* <S>(T) fitted (needs >= 3 usable durations) */
    char gamma_error[256];  /* why not, when !gamma_ok */
    dnc_crackling crackling; /* NAN when !gamma_ok */
    dnc_shape_collapse collapse;
    bool collapse_ok;
    double chi_S;
} dnc_avalanche_analysis;

dnc_avalanche_opts dnc_avalanche_opts_default(void);
dnc_status dnc_avalanche_analyse(const dnc_avalanches *av, const dnc_avalanche_opts *o,
                                 dnc_avalanche_analysis *out);
void dnc_avalanche_analysis_free(dnc_avalanche_analysis *an);

/* ---- Reference model: Galton-Watson branching process, Poisson offspring
 * of mean m (critical at m = 1: tau = 3/2, alpha = 2, gamma = 2, parabolic
 * mean shape). Avalanche i starts from `seeds` active units, A_{t+1} ~
 * Poisson(m A_t), drawn from Philox (seed, DNC_STREAM_SIM, i, .): the
 * result does not depend on the number of threads. An avalanche still
 * alive after max_duration generations, or whose size S = sum of A_t would
 * pass max_size, is stopped there, dropped and counted in *cut (cut may be
 * NULL): the caps make every m >= 0 finish, also a supercritical m > 1,
 * where a fraction 1 - q of the avalanches never dies out (q = e^{m(q-1)}
 * the extinction probability) and is cut. Kept avalanches have
 * T <= max_duration and S <= max_size. */
typedef struct {
    double m;
    size_t seeds;
    size_t max_duration; /* >= 1 */
    size_t max_size;     /* in [1, DNC_BRANCHING_MAX_SIZE_LIMIT] */
    uint64_t seed;
} dnc_branching_opts;

/* Sizes are counted exactly in doubles up to 2^53. */
#define DNC_BRANCHING_MAX_SIZE_LIMIT ((size_t)1 << 53)

dnc_status dnc_branching_avalanches(const dnc_branching_opts *o, size_t n, dnc_avalanches *av,
                                    size_t *cut);
/* Activity raster: the avalanches kept by dnc_branching_avalanches (*cut:
 * the others, may be NULL) laid end to end with `gap` quiet bins between
 * them (gap >= 1), each event given to one of `units` units uniformly at
 * random (active = distinct units). */
dnc_status dnc_branching_activity(const dnc_branching_opts *o, size_t n, size_t gap,
                                  size_t units, dnc_activity *a, size_t *cut);
/* Driven process A_{t+1} ~ Poisson(m A_t + h), observed through binomial
 * subsampling with probability p_obs (1 = full): the test case of the
 * multistep-regression estimator. A[0..steps). */
dnc_status dnc_branching_driven(double m, double h, double p_obs, size_t steps, uint64_t seed,
                                double *A);

/* ---- Avalanches in random networks (docs/avalanches.md, "Protocols").
 *
 * Activity of unit i in layer l, by rule:
 *  DNC_NET_DAMAGE (default): damage spreading. Each input x comes with a
 *      copy x + delta e_k perturbed in one input unit k; unit i is active
 *      when |h'_i - h_i| > threshold * delta / sqrt(N0) (pre-activations;
 *      the scale is the typical first-layer damage per unit / sigma_w).
 *  DNC_NET_ABS: |phi(h_i)| > threshold (v = phi(h)).
 *  DNC_NET_STD: |h_i| > threshold * (standard deviation of h over the
 *      layer's units and inputs): the rule pre with the layer scope.
 *  DNC_NET_PRE: |h_i| > threshold (v = h, the pre-activation).
 *
 * Threshold scope (the activity rules abs, std, pre; damage takes global
 * only): how the threshold theta is turned into the cut on |v| in layer l,
 * from the statistics of that layer over the B inputs of one network:
 *  DNC_SCOPE_GLOBAL (default): |v| > theta (std: theta s_l as above).
 *  DNC_SCOPE_LAYER: |v| > theta s_l, s_l the standard deviation of v over
 *      the layer's N units and B inputs (population form, mean removed).
 *  DNC_SCOPE_UNIT: |v_i| > theta s_{l,i}, s_{l,i} the standard deviation
 *      of unit i's v over the B inputs (needs B >= 2).
 *  DNC_SCOPE_PERCENTILE: theta = p in (0, 100): the k = round(p B N / 100)
 *      largest |v| of the layer (over its units and inputs) are active
 *      (|v| >= the k-th largest; ties at the cut all count). The layer's
 *      mean activity is fixed at p % whatever the network does, so rho_l
 *      says nothing about the phase; only how the active units are spread
 *      over inputs (and the avalanches) does.
 *
 * Protocols:
 *  DNC_PROTOCOL_LAYER_TIME (default): layers are time bins. Per input, an
 *      avalanche is a run of active layers between quiet layers; a run
 *      still active at the last layer is cut (counted, not analysed).
 *  DNC_PROTOCOL_WITHIN_LAYER (Beggs & Plenz 2003): the N units of layer
 *      `layer` are electrodes and the B = inputs inputs of one network are
 *      presented one after another as a stream, input t at time t (an
 *      AR(1) stream: x_0 = g_0, x_t = r x_{t-1} + sqrt(1 - r^2) g_t with
 *      g_t the N(0, input_q) draws of the layer-time protocol, r =
 *      stream_corr in [0, 1); r = 0: independent inputs). Every active
 *      (unit, t) is an event; events are binned in time (width bin_width
 *      inputs, or 0: the mean inter-event interval of the stream rounded to
 *      a whole number of inputs >= 1) by dnc_activity_from_events, and
 *      avalanches are the runs of non-empty bins of the event counts
 *      (dnc_avalanches_from_activity; runs touching either end of a stream
 *      are dropped and counted in cut). Only damage is refused here.
 *
 * External field (both protocols): `field` h is added to every bias of
 * every layer (dnc_propagate_opts.field): h^{l+1} = W phi(h^l) + b + h.
 * h = 0 is the undriven network (bitwise the run without the field). */
typedef enum { DNC_NET_DAMAGE = 0, DNC_NET_ABS = 1, DNC_NET_STD = 2, DNC_NET_PRE = 3 } dnc_net_rule;
typedef enum {
    DNC_SCOPE_GLOBAL = 0,
    DNC_SCOPE_LAYER = 1,
    DNC_SCOPE_UNIT = 2,
    DNC_SCOPE_PERCENTILE = 3
} dnc_threshold_scope;
typedef enum { DNC_PROTOCOL_LAYER_TIME = 0, DNC_PROTOCOL_WITHIN_LAYER = 1 } dnc_net_protocol;

typedef struct {
    dnc_mlp_config net; /* network k uses seed net.seed + k */
    size_t networks;    /* networks per parameter point */
    size_t inputs;      /* inputs (pairs for damage) per network; the stream length
                         * for within-layer */
    double input_q;     /* per-component variance of the N(0, q) inputs */
    dnc_net_rule rule;
    double threshold;   /* default 2 (damage), 0.5 (abs), 1 (std, pre); percentile: p */
    double delta;       /* damage: input perturbation (default 1e-3) */
    dnc_engine_kind engine; /* explicit (default): the inputs of network k share its
                             * weights; ensemble: each input (pair) is sampled on a
                             * network of its own (seed + k inputs + j), which leaves
                             * every per-input statistic's law unchanged; refuses the
                             * std rule, the scopes other than global and within-layer
                             * (they need the inputs of one network together) and a field */
    bool quiet;
    /* A given network instead of Philox weights (e.g. dnc_weights_provide of
     * dnncrit/weights.h with net's widths from dnc_weights_mlp_config): one
     * network, so networks must be 1; NULL: random networks. */
    dnc_weight_provider provider;
    void *provider_ctx;
    dnc_threshold_scope scope; /* default global */
    double field;              /* external field h (default 0) */
    dnc_net_protocol protocol; /* default layer-time */
    size_t layer;              /* within-layer: the layer observed, 1..depth */
    double bin_width;          /* within-layer: bin width in inputs (0: mean IEI) */
    double stream_corr;        /* within-layer: r of the AR(1) input stream, [0, 1) */
} dnc_net_aval_opts;

typedef struct {
    dnc_avalanches av;   /* completed avalanches */
    size_t seeded;       /* inputs x networks */
    size_t cut;          /* avalanches still active at the last layer */
    size_t depth, width;
    double *rho_mean;    /* [depth] mean fraction of active units per layer */
    double *chi_layer;   /* [depth] N var(rho_l) over inputs and networks */
    double chi;          /* mean of chi_layer over the second half of the layers */
    double chi_err;      /* jackknife over networks (NAN with one network) */
    double rho;          /* mean of rho_mean over the second half of the layers (the
                          * activity whose variance chi is; within-layer: the stream's) */
    double *rho_net;     /* [networks] the same for network k alone (paired responses
                          * between runs on the same networks, e.g. d rho / d field) */
    size_t networks;
    double chi_S;        /* <S^2>/<S> of completed avalanches */
    double size_cutoff;  /* S_c of dnc_avalanche_size_cutoff on the completed sizes */
    double survival;     /* cut / seeded: P(T >= depth) */
    double mean_S, mean_T, max_S;
    double bin_width;    /* within-layer: the bin width used (inputs; with the default
                          * each stream takes its own mean IEI: the last stream's);
                          * 0 otherwise */
} dnc_net_aval_result;

/* The cutoff of an avalanche-size distribution: P(S) ~ S^-tau exp(-S / S_c)
 * fitted by maximum likelihood on the integers S >= 1 (dnc_pl_compare_alt,
 * DNC_PL_ALT_CUTOFF, on the discrete power law from xmin = 1). *s_c = 1 /
 * lambda and *tau the fitted exponent; *s_c is NAN when the fit resolves no
 * cutoff (lambda < 1e-12) or there are fewer than 10 sizes. Unlike the
 * largest size or <S^2>/<S>, S_c is a parameter of the distribution, so its
 * growth with N, S_c ~ N^D, is a well-defined exponent. */
dnc_status dnc_avalanche_size_cutoff(const double *sizes, size_t n, double *s_c, double *tau);

/* The peak of a curve y(x) sampled at n >= 1 increasing x: the vertex of
 * the parabola through the largest y_b and its two neighbours (x_b itself
 * when b is an end of the scan, the parabola does not open downwards or its
 * vertex leaves (x_{b-1}, x_{b+1})). x_res: half the mean grid step (the
 * resolution of the scan). With y_err (may be NULL) and resamples >= 2: a
 * parametric bootstrap, each y_i redrawn as y_i + y_err_i g_i (g_i from
 * dnc_normal_at(seed, DNC_STREAM_BOOTSTRAP, r, 0, i) for resample r) and
 * the peak found again; x_err: the standard deviation of the peak x over
 * the resamples (NAN without). y = y_b, the largest sample, y_err its
 * y_err (NAN without). Used by `susceptibility` and dnc_susc_scan_run. */
typedef struct {
    double x, x_res, x_err, y, y_err;
    size_t index; /* b */
    bool at_edge; /* b = 0 or n - 1: the peak may lie outside the scan */
} dnc_curve_peak;
dnc_status dnc_curve_peak_find(const double *x, const double *y, const double *y_err, size_t n,
                               size_t resamples, uint64_t seed, dnc_curve_peak *pk);

dnc_net_aval_opts dnc_net_aval_opts_default(void);
const char *dnc_net_rule_name(dnc_net_rule r);
dnc_status dnc_net_rule_parse(const char *s, dnc_net_rule *r);
/* "global" / "layer" / "unit" / "percentile"; parsing fails naming `s`. */
const char *dnc_threshold_scope_name(dnc_threshold_scope sc);
dnc_status dnc_threshold_scope_parse(const char *s, dnc_threshold_scope *sc);
/* "layer-time" / "within-layer"; parsing fails naming `s`. */
const char *dnc_net_protocol_name(dnc_net_protocol p);
dnc_status dnc_net_protocol_parse(const char *s, dnc_net_protocol *p);
/* The activity rule and scope on B activations of N units (rows of H, v =
 * phi(h) for abs, h for std and pre; not damage): active[b N + i] = 1 when
 * unit i of row b is active, else 0. The code of dnc_net_avalanches, for
 * tests and other callers; `work` holds B N + N doubles. */
dnc_status dnc_net_activity_mask(dnc_net_rule rule, dnc_threshold_scope scope, double threshold,
                                 dnc_activation act, const double *H, size_t B, size_t N,
                                 unsigned char *active, double *work);
/* The within-layer binning of one stream: n events at times ev_t (sorted,
 * non-decreasing; inputs 0, 1, ...) of units ev_u in [0, units), binned at
 * `bin_width` inputs (0: the mean inter-event interval (t_last - t_first) /
 * (n - 1) rounded to a whole number >= 1) by dnc_activity_from_events; the
 * runs of non-empty bins of the event counts (dnc_avalanches_from_activity)
 * are appended to av, those touching either end of the stream are dropped
 * and counted in *cut. A stream with < 2 events, all at one time, or without
 * a complete avalanche appends none (not an error). *bin_used: the width. */
dnc_status dnc_stream_avalanches(const double *ev_t, const double *ev_u, size_t n, size_t units,
                                 double bin_width, dnc_avalanches *av, size_t *cut,
                                 double *bin_used);
/* Layer-time avalanches of one activity sequence A[0..L) (A[l] active units
 * of layer l + 1): the runs of A > 0 appended to av (start = first layer,
 * from 1); a run reaching A[L-1] is not appended and adds 1 to *cut. */
dnc_status dnc_avalanches_from_layers(const double *A, size_t L, dnc_avalanches *av, size_t *cut);
/* The checks dnc_net_avalanches makes before running (network, counts,
 * threshold, delta, input_q), for a caller that refuses bad options early. */
dnc_status dnc_net_aval_opts_validate(const dnc_net_aval_opts *o);
dnc_status dnc_net_avalanches(const dnc_net_aval_opts *o, dnc_net_aval_result *res);
void dnc_net_aval_result_free(dnc_net_aval_result *res);
/* The response of the activity to the external field, d rho / dh at h =
 * o->field: rho (dnc_net_aval_result.rho, the fraction of active units
 * averaged over the second half of the layers) of the same networks and
 * inputs (same seeds) at h + dh and h - dh, the central difference taken
 * per network (rho_net) and averaged; *err: the standard error of that
 * mean over the networks (NAN with one). Pairing removes the sampling noise
 * of the networks and inputs common to both runs (common random numbers);
 * the mean of the per-network differences equals the difference of the
 * means, so the estimator's only bias is the O(dh^2) truncation of the
 * central difference. dh > 0 and finite. */
dnc_status dnc_net_field_response(const dnc_net_aval_opts *o, double dh, double *resp,
                                  double *err);

/* ---- Layer-time avalanches in random CNNs and ResNets (cnn.h; docs/cnn.md,
 * "ResNets with batch normalisation"). Network k (k < networks) is
 * cnn.net with seed cnn.net.seed + k, propagated with the B = cnn.batch
 * inputs of dnc_cnn_make_inputs (or cnn.inputs); layers are time bins.
 *  rule abs, std or pre: unit (c, s) of input b is active at layer l by
 *      dnc_net_activity_mask (rule, scope, threshold) on h^l of the whole
 *      batch, N = C S units: the layer and percentile scopes are the
 *      layer-dependent thresholds (threshold theta s_l, or the top p %).
 *      A_l = active units of input b; every input is one trial (B per
 *      network), its runs of layers with A_l > 0 are the avalanches.
 *  rule damage: site x is active when rho(x, l) > threshold (cnn.h: the
 *      damage between the inputs, with cnn.perturb_width, cnn.damage_cutoff
 *      as given; cnn.threshold is replaced by `threshold`); A_l = active
 *      sites; one trial per network. Global scope only.
 * Avalanches still active at the last layer are cut (counted). The
 * exponents: dnc_avalanche_analyse with `analysis` (tau = analysis.size.alpha,
 * alpha = analysis.duration.alpha, gamma = analysis.sd.gamma, each with its
 * error). */
typedef struct {
    dnc_cnn_opts cnn;       /* network, batch, inputs (observers must be unset) */
    size_t networks;        /* >= 1 */
    dnc_net_rule rule;      /* default pre */
    dnc_threshold_scope scope; /* default layer */
    double threshold;       /* default 2 (theta of the layer scope) */
    dnc_avalanche_opts analysis;
} dnc_cnn_aval_opts;

typedef struct {
    dnc_avalanches av;      /* completed avalanches */
    size_t seeded;          /* trials: networks x B (activity rules) or networks (damage) */
    size_t cut;             /* trials whose last avalanche reached the last layer */
    size_t depth;
    double *active_mean;    /* [depth] mean fraction of active units (sites) per layer */
    dnc_avalanche_analysis analysis; /* valid when analysed */
    bool analysed;          /* false: too few avalanches (analysis_error says why) */
    char analysis_error[256];
} dnc_cnn_aval_result;

/* Defaults: dnc_cnn_opts_default with B = 8, 8 networks, rule pre, layer
 * scope, threshold 2, dnc_avalanche_opts_default. */
dnc_cnn_aval_opts dnc_cnn_aval_opts_default(void);
dnc_status dnc_cnn_aval_opts_validate(const dnc_cnn_aval_opts *o);
/* Runs the networks and cuts the avalanches; then fits them. A fit that
 * fails (e.g. fewer than 10 avalanches) is not an error of the run: the
 * result has analysed = false and the reason. */
dnc_status dnc_cnn_avalanches(const dnc_cnn_aval_opts *o, dnc_cnn_aval_result *res);
void dnc_cnn_aval_result_free(dnc_cnn_aval_result *res);

DNC_END_DECLS
#endif
