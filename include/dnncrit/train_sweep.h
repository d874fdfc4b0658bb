/* Trainability sweeps: train networks over a grid of initialisations
 * (sigma_w, sigma_b, depth, width) x seeds for a fixed budget and relate the
 * final accuracy to the mean-field phase diagram (Schoenholz et al. 2017:
 * trainable depth ~ xi_c near chi_1 = 1).
 *
 * Output directory:
 *   DIR/spec.json          the sweep's configuration (a restart must match)
 *   DIR/points/<i>.json    one finished point, written atomically
 *   DIR/sweep.csv          one row per point, by index (no timings: a resumed
 *                          sweep gives the same file byte for byte)
 *   DIR/landscape.csv      one row per (sigma_w, sigma_b, depth, width):
 *                          seed-averaged accuracy beside the mean-field values
 *   DIR/sweep.json         run record, correlations with confidence intervals,
 *                          best sigma_w per line against the critical one */
#ifndef DNNCRIT_TRAIN_SWEEP_H
#define DNNCRIT_TRAIN_SWEEP_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/json.h"

#include "dnncrit/dataset.h"
#include "dnncrit/error.h"
#include "dnncrit/sweep.h"
#include "dnncrit/train.h"

/* One trained point with its mean-field context. */
typedef struct {
    double sigma_w, sigma_b;
    size_t depth, width;
    uint64_t seed;
    double final_test_acc, final_train_acc, final_test_loss, best_test_acc;
    bool diverged;
    /* mean field at (activation, sigma_w, sigma_b) */
    double chi1_mf;      /* chi_1 */
    double xi_c;         /* correlation depth scale (inf at chi_1 = 1) */
    double kappa;        /* metric factor f''(1)/2; NAN for kinked activations */
    double sigma_w_crit; /* critical sigma_w at this sigma_b; NAN if none */
    double dist_crit;    /* sigma_w - sigma_w_crit */
    double depth_over_xi;/* depth / xi_c */
    double kappa_L;      /* kappa * depth */
    dnc_train_observables init_obs, final_obs;
    double seconds;
} dnc_train_point_result;

/* Trains one network (cfg, already carrying sigma_w, sigma_b, depth, width,
 * seed) on the given data and fills *out. This is the point runner for
 * `dnncrit train-sweep` and for generic sweep drivers. */
dnc_status dnc_train_point(const dnc_train_config *cfg, const dnc_dataset *train,
                           const dnc_dataset *test, dnc_train_point_result *out);
cJSON *dnc_train_point_to_json(const dnc_train_point_result *r);
dnc_status dnc_train_point_from_json(const cJSON *j, dnc_train_point_result *r);

/* Result columns of a point, for table-oriented drivers. */
#define DNC_TRAIN_POINT_NCOLUMNS 17
extern const char *const dnc_train_point_columns[DNC_TRAIN_POINT_NCOLUMNS];
void dnc_train_point_row(const dnc_train_point_result *r, double row[DNC_TRAIN_POINT_NCOLUMNS]);

typedef struct {
    dnc_train_config base; /* optimiser, epochs, batch, activation, precision, threads */
    dnc_data_spec data;
    const double *sigma_w;
    size_t n_sigma_w;
    const double *sigma_b;
    size_t n_sigma_b;
    const size_t *depth;
    size_t n_depth;
    const size_t *width;
    size_t n_width;
    size_t seeds;   /* seeds seed0, seed0+1, ... */
    uint64_t seed0;
    size_t bootstrap; /* resamples for the bootstrap intervals */
    bool quiet;
    /* The sigma_w values are multiples of the critical sigma_w (chi_1 = 1,
     * dnc_mf_critical_sigma_w of base.net.activation) at each point's
     * sigma_b: 1 is the edge of chaos on every sigma_b, below 1 ordered,
     * above 1 chaotic. spec.json then holds "sigma_w_relative": true. */
    bool sigma_w_relative;
    /* The susceptibility peak of each (sigma_b, depth, width) line, for the
     * predictor "distance to the susceptibility peak": susc_networks > 0
     * runs dnc_susc_scan_run (chi = N var(rho), advise.h) once per line at
     * DNC_TRAIN_SWEEP_SUSC_POINTS sigma_w evenly spaced over the line's
     * sigma_w range, susc_networks networks x susc_inputs input pairs, seed
     * seed0; 0 (the default) skips it and the predictor is absent. */
    size_t susc_networks, susc_inputs;
} dnc_train_sweep_spec;

#define DNC_TRAIN_SWEEP_SUSC_POINTS 13

size_t dnc_train_sweep_npoints(const dnc_train_sweep_spec *s);
/* The sigma_w a grid value `value` stands for at this sigma_b: the value
 * itself, or value x critical sigma_w when s->sigma_w_relative (DNC_ENUM,
 * naming the activation and sigma_b, when there is no critical point). */
dnc_status dnc_train_sweep_sigma_w(const dnc_train_sweep_spec *s, double value, double sigma_b,
                                   double *sigma_w);
/* Point i: sigma_w outermost, then sigma_b, depth, width, seed fastest;
 * fails only as dnc_train_sweep_sigma_w does. */
dnc_status dnc_train_sweep_point_config(const dnc_train_sweep_spec *s, size_t index,
                                        dnc_train_config *cfg);

typedef struct {
    size_t npoints, ran, reused;
} dnc_train_sweep_counts;

/* Runs the points without a finished file in DIR/points, then writes the
 * tables and adds "config" and "results" to `record` (the caller writes
 * it to DIR/sweep.json). A restarted sweep keeps finished points. */
dnc_status dnc_train_sweep_run(const dnc_train_sweep_spec *s, const char *dir, cJSON *record,
                               dnc_train_sweep_counts *counts);

/* The steps of dnc_train_sweep_run, for a driver of its own (the MPI one):
 * checks every point and makes the grid a sweep on the one engine
 * (dnncrit/sweep.h) in train-sweep's directory layout, with sw->context = s
 * (s must outlive sw); its points then run through dnc_sweep_dir_open,
 * dnc_sweep_pending and dnc_sweep_execute with the options below (one
 * point at a time, each with base.threads threads), and
 * sw->exp->summarise(sw, dir, record) reads them back and writes the
 * tables. Free sw with dnc_sweep_free. */
dnc_status dnc_train_sweep_prepare(const dnc_train_sweep_spec *s, dnc_sweep *sw);
dnc_sweep_exec_opts dnc_train_sweep_exec_opts(const dnc_train_sweep_spec *s);

/* Pearson and Spearman correlation of x and y over the pairs where both
 * are finite, with 95% confidence intervals from Fisher's z (Spearman:
 * Bonett-Wright variance 1.06 / (n - 3)) and from a percentile bootstrap. */
typedef struct {
    size_t n;
    double pearson, pearson_lo, pearson_hi;
    double spearman, spearman_lo, spearman_hi;
    double boot_lo, boot_hi; /* bootstrap interval of the Spearman coefficient */
} dnc_correlation;

dnc_status dnc_correlate(const double *x, const double *y, size_t n, size_t bootstrap,
                         uint64_t seed, dnc_correlation *out);

/* The statistic of one resample: idx[0..n) are the drawn item numbers. */
typedef double (*dnc_resample_stat)(const size_t *idx, size_t n, void *ctx);

typedef struct {
    size_t kept;       /* resamples with a finite statistic */
    double lo, hi, se; /* 95% percentile interval and the standard deviation of the
                          resampled statistic; NAN when kept < 20 */
} dnc_bootstrap_ci;

/* The percentile bootstrap behind dnc_correlate, for any statistic. The
 * items 0..n-1 fall into ngroups consecutive groups of group_size[g] items
 * (one group: plain resampling; several: stratified, e.g. the seeds of each
 * grid cell); each of the nboot resamples draws group_size[g] items with
 * replacement inside every group, in item order, draw i being item
 * offset_g + floor(u group_size[g]) with u = dnc_uniform_at(seed,
 * DNC_STREAM_BOOTSTRAP, resample, 0, i). Fewer than 20 resamples give NAN. */
dnc_status dnc_bootstrap(const size_t *group_size, size_t ngroups, size_t nboot, uint64_t seed,
                         dnc_resample_stat stat, void *ctx, dnc_bootstrap_ci *out);

/* Which quantity predicts learning: the Spearman coefficient of y (e.g.
 * the seed-mean test accuracy of each grid cell) with each of ncand
 * candidate predictors x[k][0..n), over the cells where both are finite,
 * with a 95% percentile bootstrap interval that resamples cells
 * (dnc_bootstrap, one group of n items, seed `seed`: every candidate sees
 * the same resamples). The best candidate has the largest |Spearman|, the
 * second the next; diff = |rho_best| - |rho_second| on the cells where
 * both are finite, and its interval is the paired bootstrap (the same
 * resampled cells for both coefficients), so "best" comes with an
 * interval: diff_ci.lo > 0 says the best is better than the second. A
 * candidate with fewer than 4 finite cells has no coefficient (NAN) and
 * cannot win. */
#define DNC_PREDICTORS_MAX 8

typedef struct {
    size_t n;            /* cells with finite x and y */
    double spearman;     /* on those cells; NAN when n < 4 or x or y is constant */
    dnc_bootstrap_ci ci; /* resampling cells */
} dnc_predictor_corr;

typedef struct {
    size_t ncand;
    dnc_predictor_corr corr[DNC_PREDICTORS_MAX];
    int best, second;         /* candidate indices; -1 when fewer than 1 (2) have a coefficient */
    size_t diff_n;            /* cells where both are finite */
    double diff;              /* |rho_best| - |rho_second| on those cells */
    dnc_bootstrap_ci diff_ci; /* paired bootstrap of diff */
} dnc_predictor_ranking;

dnc_status dnc_predictors_rank(const double *const *x, size_t ncand, const double *y, size_t n,
                               size_t nboot, uint64_t seed, dnc_predictor_ranking *out);
/* The paired comparison behind the ranking, for two given candidates:
 * *diff = |Spearman(xa, y)| - |Spearman(xb, y)| on the *n_both cells where
 * xa, xb and y are finite (NAN when fewer than 4), *ci its paired
 * bootstrap over cells (the same resamples as dnc_predictors_rank with
 * this seed). */
dnc_status dnc_predictors_compare(const double *xa, const double *xb, const double *y, size_t n,
                                  size_t nboot, uint64_t seed, size_t *n_both, double *diff,
                                  dnc_bootstrap_ci *ci);

/* A predictor study's verdict, read back from a train-sweep sweep.json
 * (results.predictors, results.depth_scale, config): the setting, the
 * winner and the runner-up with their Spearman coefficients and intervals,
 * the paired difference, and the trainable depth/xi_c measured at that
 * budget. For `dnncrit advise --evidence`. */
typedef struct {
    char activation[32];
    size_t epochs, cells;
    char best[64], second[64];
    double best_rho, best_lo, best_hi;
    double second_rho, second_lo, second_hi;
    double diff, diff_lo, diff_hi;
    double trained_max, failed_min; /* depth/xi_c: largest trained, smallest failed (NAN) */
} dnc_predictor_evidence;

/* Fails as dnc_read_json when the file cannot be read or parsed, with
 * DNC_EINVAL (naming the file and the missing item) when it is not a
 * train-sweep record with a "predictors" result or its best or second
 * predictor is not among its candidates. */
dnc_status dnc_predictor_evidence_read(const char *path, dnc_predictor_evidence *ev);

/* The initialisation a candidate predictor favours, given the sign of its
 * Spearman coefficient with accuracy: the critical sigma_w* (|chi_1 - 1|,
 * the distance to the critical line, depth/xi_c and |lambda| are smallest
 * there), the susceptibility peak (the distance to it, or the initial
 * susceptibility itself), or none (a coefficient of the other sign: the
 * data favour moving away; kappa L, which at fixed sigma_b does not pick a
 * sigma_w; an unknown name). *why says which and why, in words. */
typedef enum { DNC_FAVOUR_NONE, DNC_FAVOUR_CRITICAL, DNC_FAVOUR_SUSC_PEAK } dnc_predictor_favour;
dnc_predictor_favour dnc_predictor_favours(const char *name, double spearman, const char **why);

DNC_END_DECLS
#endif
