/* Ghavasieh et al. 2025 (arXiv:2509.22649), "susceptibility peak against
 * learning": maximal susceptibility predicts learning better than the
 * distance to the critical point. A small version of dnncrit's predictor
 * study (examples/predictor_study.sh; docs/training.md, "Which quantity
 * predicts learning?") and its claim in `dnncrit reproduce ghavasieh2025`.
 * Not public API. */
#ifndef DNNCRIT_REPRODUCE_GHAVASIEH_TRAIN_H
#define DNNCRIT_REPRODUCE_GHAVASIEH_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/error.h"
#include "dnncrit/reproduce.h"
#include "dnncrit/train_sweep.h"

typedef struct {
    size_t cells;              /* grid cells (seed means) in the statistics */
    dnc_predictor_corr peak;   /* Spearman(acc, |sigma_w - sigma_w^peak|) with CI */
    dnc_predictor_corr chi1;   /* Spearman(acc, |chi_1 - 1|) with CI */
    double diff;               /* |rho_peak| - |rho_chi1|: > 0 favours the paper */
    dnc_bootstrap_ci diff_ci;  /* paired bootstrap over cells */
    double seconds;            /* wall time of the whole run */
} dnc_ghavasieh_predictor;

/* Runs the study under DIR (a resumable train-sweep directory): tanh MLPs,
 * sigma_w = 0.6 .. 2.0 x critical (8 values), sigma_b 0.05 and 0.5, depth 10
 * and 30, SGD (lr 0.01, momentum 0.9, batch 64) on Fashion-MNIST. quick:
 * width 64, 1 seed, 1 epoch on 1000 / 500 images, the susceptibility peak
 * of each line from 2 networks x 8 input pairs at 13 sigma_w; full: width
 * 128, 2 seeds, 3 epochs on 3000 / 1000 images, 4 networks for the peak.
 * `seed` seeds the networks and the 1000 bootstrap resamples; `threads`
 * trainings side by side (0: OpenMP's default). Data from data_dir (NULL:
 * Debian's Fashion-MNIST). */
dnc_status dnc_ghavasieh_predictor_run(const char *dir, const char *data_dir, int threads,
                                       bool quiet, bool quick, uint64_t seed,
                                       dnc_ghavasieh_predictor *out);

/* The claim "susceptibility peak against learning" of `reproduce
 * ghavasieh2025`: the study above in o->out_dir/predictor_sweep, judged by
 * the paired bootstrap interval of |rho_peak| - |rho_chi1| (supported above
 * 0, not supported below 0, inconclusive when it contains 0). */
dnc_status dnc_ghavasieh_claim_learning(const dnc_reproduce_opts *o, dnc_claim *c);

#endif
