/* Ghavasieh et al. 2025, susceptibility peak against learning
 * (app/reproduce_ghavasieh_train.h): the quick predictor study as one
 * train-sweep with the susceptibility scan, then the two candidates of the
 * claim ranked by dnc_predictors_rank on the cells of landscape.csv. */
#include "app/reproduce_ghavasieh_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <stdio.h>

#include "dnncrit/io.h"
#include "dnncrit/plot.h"
#include "dnncrit/sweep.h"
#include "dnncrit/table.h"

/* The sizes of the quick and the full study (the grid is the same). */
typedef struct {
    size_t width, epochs, train_size, test_size, seeds, susc_networks;
} predictor_size;

static predictor_size size_of(bool quick)
{
    if (quick)
        return (predictor_size){64, 1, 1000, 500, 1, 2};
    return (predictor_size){128, 3, 3000, 1000, 2, 4};
}

static const double rel[] = {0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0};
static const double sb[] = {0.05, 0.5};
static const size_t depth[] = {10, 30};

static dnc_status run_sweep(const char *dir, const char *data_dir, int threads, bool quiet,
                            bool quick, uint64_t seed)
{
    predictor_size z = size_of(quick);
    dnc_train_sweep_spec s = {.base = dnc_train_config_default()};
    s.base.net.activation = DNC_ACT_TANH;
    s.base.optimizer = DNC_OPTIM_SGD;
    s.base.lr = 0.01;
    s.base.momentum = 0.9;
    s.base.batch_size = 64;
    s.base.epochs = z.epochs;
    s.base.obs_inputs = 16;
    s.base.threads = threads;
    s.data = (dnc_data_spec){.dir = data_dir, .train_size = z.train_size, .test_size = z.test_size, .seed = 1,
                             .norm = DNC_NORM_STANDARD};
    s.sigma_w = rel;
    s.n_sigma_w = sizeof rel / sizeof rel[0];
    s.sigma_w_relative = true;
    s.sigma_b = sb;
    s.n_sigma_b = 2;
    s.depth = depth;
    s.n_depth = 2;
    s.width = &z.width;
    s.n_width = 1;
    s.seeds = z.seeds;
    s.seed0 = seed;
    s.bootstrap = 1000;
    s.susc_networks = z.susc_networks;
    s.susc_inputs = 8;
    s.quiet = quiet;
    cJSON *record = dnc_run_record_new("train-sweep", 0, NULL);
    if (!record)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_train_sweep_counts counts;
    dnc_status st = dnc_make_dirs(dir);
    if (!st)
        st = dnc_train_sweep_run(&s, dir, record, &counts);
    if (!st) {
        char *path = dnc_sweep_path(dir, "sweep.json");
        st = path ? dnc_write_json_atomic(path, record) : dnc_fail(DNC_ENOMEM, "out of memory");
        free(path);
    }
    cJSON_Delete(record);
    return st;
}

/* The columns of DIR/landscape.csv the claim uses: test accuracy, the
 * distance to the susceptibility peak and |chi_1 - 1| (caller frees each). */
typedef struct {
    size_t n;
    double *acc, *peak, *chi1;
} landscape_cols;

static void landscape_free(landscape_cols *l)
{
    free(l->acc);
    free(l->peak);
    free(l->chi1);
    memset(l, 0, sizeof *l);
}

static dnc_status landscape_read(const char *dir, landscape_cols *l)
{
    memset(l, 0, sizeof *l);
    char *path = dnc_sweep_path(dir, "landscape.csv");
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_table t = {0};
    dnc_table_opts to = {.cells = DNC_TABLE_NUMBERS, .need_header = true};
    dnc_status st = dnc_table_read(path, &to, &t);
    free(path);
    if (st)
        return st;
    long ca = dnc_table_col(&t, "test_acc_mean"), cp = dnc_table_col(&t, "abs_dist_susc_peak"),
         cc = dnc_table_col(&t, "abs_chi1_minus_1");
    l->acc = ca >= 0 ? dnc_table_column(&t, (size_t)ca) : NULL;
    l->peak = cp >= 0 ? dnc_table_column(&t, (size_t)cp) : NULL;
    l->chi1 = cc >= 0 ? dnc_table_column(&t, (size_t)cc) : NULL;
    l->n = t.nrows;
    if (!l->acc || !l->peak || !l->chi1) {
        st = dnc_fail(DNC_EINVAL, "%s: landscape without test_acc_mean, abs_dist_susc_peak or "
                                  "abs_chi1_minus_1", t.source ? t.source : dir);
        landscape_free(l);
    }
    dnc_table_free(&t);
    return st;
}

dnc_status dnc_ghavasieh_predictor_run(const char *dir, const char *data_dir, int threads,
                                       bool quiet, bool quick, uint64_t seed,
                                       dnc_ghavasieh_predictor *out)
{
    memset(out, 0, sizeof *out);
    double t0 = dnc_wall_time();
    landscape_cols l;
    dnc_status st = run_sweep(dir, data_dir, threads, quiet, quick, seed);
    if (!st)
        st = landscape_read(dir, &l);
    if (st)
        return st;
    dnc_predictor_ranking r;
    const double *xs[2] = {l.peak, l.chi1};
    size_t nb;
    st = dnc_predictors_rank(xs, 2, l.acc, l.n, 1000, seed, &r);
    if (!st)
        st = dnc_predictors_compare(l.peak, l.chi1, l.acc, l.n, 1000, seed, &nb, &out->diff,
                                    &out->diff_ci);
    if (!st) {
        out->cells = l.n;
        out->peak = r.corr[0];
        out->chi1 = r.corr[1];
        out->seconds = dnc_wall_time() - t0;
    }
    landscape_free(&l);
    return st;
}

/* Test accuracy against each candidate, one panel each. */
static dnc_status learning_figure(const dnc_reproduce_opts *o, dnc_claim *c, const char *dir,
                                  const dnc_ghavasieh_predictor *p)
{
    landscape_cols l;
    dnc_status st = landscape_read(dir, &l);
    if (st)
        return st;
    dnc_figure *fig = dnc_figure_new("test accuracy against the two candidate predictors");
    char t1[96], t2[96];
    snprintf(t1, sizeof t1, "Spearman %.2f [%.2f, %.2f]", p->peak.spearman, p->peak.ci.lo,
             p->peak.ci.hi);
    snprintf(t2, sizeof t2, "Spearman %.2f [%.2f, %.2f]", p->chi1.spearman, p->chi1.ci.lo,
             p->chi1.ci.hi);
    dnc_plot_panel *a = fig ? dnc_figure_add_panel(fig, t1, "|σ_w - σ_w^{peak}|", "test accuracy")
                            : NULL;
    dnc_plot_panel *b = a ? dnc_figure_add_panel(fig, t2, "|χ_1 - 1|", "test accuracy") : NULL;
    st = b ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = dnc_panel_add_series(a, "cells", DNC_STYLE_POINTS, l.peak, l.acc, NULL, l.n);
    if (!st)
        st = dnc_panel_add_series(b, "cells", DNC_STYLE_POINTS, l.chi1, l.acc, NULL, l.n);
    if (!st)
        st = dnc_claim_figure(o, c, fig, "ghavasieh_learning.png");
    dnc_figure_free(fig);
    landscape_free(&l);
    return st;
}

/* ------------------------------------------------------------ the claim */

/* The verdict of "predicts better": the paired bootstrap interval of
 * |rho_peak| - |rho_chi1| (docs/reproduce.md). */
static void judge_difference(dnc_claim *c, double diff, const dnc_bootstrap_ci *ci)
{
    c->paper_value = 0.0;
    c->measured = diff;
    c->error = ci->se;
    if (!isfinite(diff) || !isfinite(ci->lo) || !isfinite(ci->hi))
        c->verdict = DNC_VERDICT_INCONCLUSIVE;
    else if (ci->lo > 0.0)
        c->verdict = DNC_VERDICT_SUPPORTED;
    else if (ci->hi < 0.0)
        c->verdict = DNC_VERDICT_NOT_SUPPORTED;
    else
        c->verdict = DNC_VERDICT_INCONCLUSIVE;
    snprintf(c->rule, sizeof c->rule,
             "d = |rho_peak| - |rho_chi1| = %.3f, 95%% paired bootstrap interval [%.3f, %.3f]: "
             "supported if it lies above 0, not supported if below 0, inconclusive if it "
             "contains 0",
             diff, ci->lo, ci->hi);
}

dnc_status dnc_ghavasieh_claim_learning(const dnc_reproduce_opts *o, dnc_claim *c)
{
    if (!o || !c || !o->out_dir)
        return dnc_fail(DNC_EINVAL, "claim: no options or output");
    char *dir = dnc_sweep_path(o->out_dir, "predictor_sweep");
    if (!dir)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    uint64_t seed = o->seed ? o->seed : 1;
    predictor_size z = size_of(o->quick);
    if (!o->quiet) /* the sweep's own tables would go to stdout: it runs quiet */
        fprintf(stderr, "  ghavasieh: predictor study (%zu trainings of %zu epoch(s))\n",
                sizeof rel / sizeof rel[0] * 4 * z.seeds, z.epochs);
    dnc_ghavasieh_predictor p;
    dnc_status st = dnc_ghavasieh_predictor_run(dir, NULL, o->threads, true, o->quick, seed, &p);
    if (!st)
        st = learning_figure(o, c, dir, &p);
    free(dir);
    if (st)
        return st;
    snprintf(c->paper, sizeof c->paper,
             "maximal susceptibility predicts learning better than the distance to the critical "
             "point: |Spearman(accuracy, |sigma_w - sigma_w^peak|)| > |Spearman(accuracy, "
             "|chi_1 - 1|)|");
    judge_difference(c, p.diff, &p.diff_ci);
    snprintf(c->detail, sizeof c->detail,
             "%zu cells (tanh MLPs, sigma_w 0.6 .. 2.0 x critical, sigma_b 0.05 and 0.5, depth "
             "10 and 30, width %zu, %zu seed(s), %zu epoch(s) of SGD on %zu / %zu Fashion-MNIST "
             "images); Spearman of test accuracy with the distance to the susceptibility peak "
             "%.3f [%.3f, %.3f], with |chi_1 - 1| %.3f [%.3f, %.3f]; %.0f s",
             p.cells, z.width, z.seeds, z.epochs, z.train_size, z.test_size, p.peak.spearman,
             p.peak.ci.lo, p.peak.ci.hi, p.chi1.spearman, p.chi1.ci.lo, p.chi1.ci.hi, p.seconds);
    snprintf(c->command, sizeof c->command,
             "dnncrit train-sweep --sigma-w 0.6:2.0:8 --sigma-w-relative --sigma-b 0.05,0.5 "
             "--depth 10,30 --width %zu --seeds %zu --seed %llu --epochs %zu --optimizer sgd "
             "--lr 0.01 --momentum 0.9 --batch-size 64 --obs-inputs 16 --train-size %zu "
             "--test-size %zu --bootstrap 1000 --susc-networks %zu --susc-inputs 8 --out-dir "
             "predictor_sweep",
             z.width, z.seeds, (unsigned long long)seed, z.epochs, z.train_size, z.test_size,
             z.susc_networks);
    return DNC_OK;
}
