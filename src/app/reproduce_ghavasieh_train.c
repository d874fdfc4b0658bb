/* Ghavasieh et al. 2025, susceptibility peak against learning
 * (app/reproduce_ghavasieh_train.h): the quick predictor study as one
 * train-sweep with the susceptibility scan, then the two candidates of the
 * claim ranked by dnc_predictors_rank on the cells of landscape.csv. */
#include "app/reproduce_ghavasieh_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"
#include "dnncrit/sweep.h"
#include "dnncrit/table.h"

static dnc_status run_sweep(const char *dir, const char *data_dir, int threads, bool quiet,
                            uint64_t seed)
{
    static const double rel[] = {0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0};
    static const double sb[] = {0.05, 0.5};
    static const size_t depth[] = {10, 30}, width = 64;
    dnc_train_sweep_spec s = {.base = dnc_train_config_default()};
    s.base.net.activation = DNC_ACT_TANH;
    s.base.optimizer = DNC_OPTIM_SGD;
    s.base.lr = 0.01;
    s.base.momentum = 0.9;
    s.base.batch_size = 64;
    s.base.epochs = 1;
    s.base.obs_inputs = 16;
    s.base.threads = threads;
    s.data = (dnc_data_spec){.dir = data_dir, .train_size = 1000, .test_size = 500, .seed = 1,
                             .norm = DNC_NORM_STANDARD};
    s.sigma_w = rel;
    s.n_sigma_w = sizeof rel / sizeof rel[0];
    s.sigma_w_relative = true;
    s.sigma_b = sb;
    s.n_sigma_b = 2;
    s.depth = depth;
    s.n_depth = 2;
    s.width = &width;
    s.n_width = 1;
    s.seeds = 1;
    s.seed0 = seed;
    s.bootstrap = 1000;
    s.susc_networks = 2;
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

dnc_status dnc_ghavasieh_predictor_run(const char *dir, const char *data_dir, int threads,
                                       bool quiet, uint64_t seed, dnc_ghavasieh_predictor *out)
{
    memset(out, 0, sizeof *out);
    double t0 = dnc_wall_time();
    dnc_status st = run_sweep(dir, data_dir, threads, quiet, seed);
    char *path = st ? NULL : dnc_sweep_path(dir, "landscape.csv");
    if (!st && !path)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_table t = {0};
    dnc_table_opts to = {.cells = DNC_TABLE_NUMBERS, .need_header = true};
    if (!st)
        st = dnc_table_read(path, &to, &t);
    free(path);
    if (st)
        return st;
    long ca = dnc_table_col(&t, "test_acc_mean"), cp = dnc_table_col(&t, "abs_dist_susc_peak"),
         cc = dnc_table_col(&t, "abs_chi1_minus_1");
    double *acc = ca >= 0 ? dnc_table_column(&t, (size_t)ca) : NULL;
    double *peak = cp >= 0 ? dnc_table_column(&t, (size_t)cp) : NULL;
    double *chi1 = cc >= 0 ? dnc_table_column(&t, (size_t)cc) : NULL;
    if (!acc || !peak || !chi1)
        st = dnc_fail(DNC_EINVAL, "%s: landscape without test_acc_mean, abs_dist_susc_peak or "
                                  "abs_chi1_minus_1", t.source ? t.source : dir);
    dnc_predictor_ranking r;
    const double *xs[2] = {peak, chi1};
    size_t nb;
    if (!st)
        st = dnc_predictors_rank(xs, 2, acc, t.nrows, 1000, seed, &r);
    if (!st)
        st = dnc_predictors_compare(peak, chi1, acc, t.nrows, 1000, seed, &nb, &out->diff,
                                    &out->diff_ci);
    if (!st) {
        out->cells = t.nrows;
        out->peak = r.corr[0];
        out->chi1 = r.corr[1];
        out->seconds = dnc_wall_time() - t0;
    }
    free(acc);
    free(peak);
    free(chi1);
    dnc_table_free(&t);
    return st;
}
