/* Tamai et al. 2025 (arXiv:2307.02284), the training claim: criticality
 * (chi_1 = 1) is necessary but not sufficient for an MLP to train, and at
 * the edge of chaos generalisation depends on kappa L (kappa = f''(1)/2,
 * L the depth; rho(l) ~ 1/(kappa l) there, so kappa L says how far the
 * two-input correlation has relaxed through the network). Measured with
 * train-sweep's grid in --sigma-w-relative mode on Fashion-MNIST; the
 * design, the statistics and the verdict rule are in docs/training.md,
 * section "Criticality and kappa L (Tamai et al. 2025)". Not public API:
 * `dnncrit reproduce tamai2025` and the tests call it. */
#ifndef DNNCRIT_REPRODUCE_TAMAI_TRAIN_H
#define DNNCRIT_REPRODUCE_TAMAI_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/activation.h"
#include "dnncrit/reproduce.h"
#include "dnncrit/train_sweep.h"

#define DNC_TAMAI_MAX_ACT 3
#define DNC_TAMAI_MAX_SB 4
#define DNC_TAMAI_MAX_DEPTH 6
#define DNC_TAMAI_NREL 3

/* The design: per activation a sigma_b list (kappa at the critical sigma_w
 * grows with sigma_b), sigma_w = rel x critical sigma_w with rel = ordered
 * control, 1 (critical), chaotic control, the depths, the training budget
 * and the window bounds of the statistics. */
typedef struct {
    size_t nact;
    dnc_activation act[DNC_TAMAI_MAX_ACT];
    size_t nsb;
    double sigma_b[DNC_TAMAI_MAX_ACT][DNC_TAMAI_MAX_SB];
    double rel[DNC_TAMAI_NREL]; /* ascending; rel[1] = 1 */
    size_t ndepth;
    size_t depth[DNC_TAMAI_MAX_DEPTH]; /* ascending */
    size_t width, seeds, train_size, test_size, epochs, batch;
    double lr, momentum;
    double window_in, window_out; /* kappa L <= window_in: inside; >= window_out: beyond */
    size_t bootstrap;
} dnc_tamai_design;

/* The quick (about 2 minutes on 2 cores) or the full design. */
void dnc_tamai_design_of(bool quick, dnc_tamai_design *d);

/* The train-sweep spec of activation a (its arrays point into d and *depth,
 * which must outlive s), seeds 1, 2, ...; threads of each training from
 * o->threads. */
void dnc_tamai_sweep_spec(const dnc_tamai_design *d, size_t a, int threads,
                          dnc_train_sweep_spec *s, size_t depth_storage[DNC_TAMAI_MAX_DEPTH]);

/* What the statistics need: ncells grid cells of `seeds` trainings each. */
typedef struct {
    size_t ncells, seeds;
    const double *acc;     /* final test accuracy, acc[c * seeds + k] */
    const bool *critical;  /* the cell has chi_1 = 1 */
    const int *line;       /* the (activation, sigma_b) line of the cell */
    const size_t *depth;
    const double *kappa_L; /* kappa of the line's critical sigma_w x depth */
    double window_in, window_out;
} dnc_tamai_data;

typedef struct {
    double value;      /* on the seed means */
    dnc_bootstrap_ci ci; /* over seeds, resampled within each cell */
    size_t n_a, n_b;   /* cells on each side of the difference */
} dnc_tamai_stat;

typedef struct {
    /* (i) necessary: at the largest depth, mean accuracy of the critical
     * cells with kappa L < window_out minus that of the off-critical cells
     * of the same lines (same activation, sigma_b and depth). */
    dnc_tamai_stat necessary;
    /* (ii) window: among critical cells, mean accuracy at kappa L <=
     * window_in minus that at kappa L >= window_out. */
    dnc_tamai_stat window;
    /* (iii) collapse: among critical cells, |Spearman(acc, kappa L)| -
     * |Spearman(acc, L)| of the cell means. */
    dnc_tamai_stat collapse;
    double spearman_kappa_L, spearman_L;
    dnc_verdict verdict;
    char rule[256];
} dnc_tamai_result;

/* The three statistics with stratified bootstrap intervals (nboot
 * resamples, seed) and the verdict: a statistic says "yes" when value - 2 se
 * > 0, "no" when value + 2 se < 0; supported when all three say yes, not
 * supported when any says no, inconclusive otherwise (also when a
 * statistic has no cells on a side or no finite interval). */
dnc_status dnc_tamai_analyse(const dnc_tamai_data *d, size_t nboot, uint64_t seed,
                             dnc_tamai_result *out);

/* The claim of `dnncrit reproduce tamai2025` (see dnncrit/reproduce.h):
 * runs the design (resumable, under o->out_dir/tamai_train/<activation>),
 * writes tamai_kappa_window.csv and tamai_kappa_window.png there. */
dnc_status dnc_tamai_claim_training(const dnc_reproduce_opts *o, dnc_claim *out);

#endif
