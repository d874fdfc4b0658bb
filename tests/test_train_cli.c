/* dnncrit train and train-sweep end to end: outputs, bad input, and a
 * sweep killed with SIGKILL and restarted giving the same tables. Also the
 * correlation statistics and the observables of dnc_train. */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dnncrit/meanfield.h"
#include "dnncrit/train_report.h"
#include "dnncrit/train_sweep.h"
#include "testutil.h"

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

static void test_train_cli_outputs(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir, "train --train-size 300 --test-size 200 --width 32 --depth 3 "
                             "--epochs 2 --threads 1 --out run --quiet");
    assert_int_equal(rc, 0);
    char *csv = tu_read(tu_path(dir, "run.csv"));
    assert_non_null(csv);
    assert_true(strncmp(csv, DNC_TRAIN_CSV_HEADER "\n", strlen(DNC_TRAIN_CSV_HEADER) + 1) == 0);
    assert_int_equal(count_lines(csv), 4); /* header + epochs 0, 1, 2 */
    free(csv);
    char *json = tu_read(tu_path(dir, "run.json"));
    assert_non_null(json);
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    const cJSON *cfg = cJSON_GetObjectItem(j, "config");
    assert_int_equal(cJSON_GetObjectItem(cfg, "train_size")->valuedouble, 300);
    assert_string_equal(cJSON_GetObjectItem(cfg, "optimizer")->valuestring, "sgd");
    const cJSON *res = cJSON_GetObjectItem(j, "results");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(res, "final_test_acc")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(res, "epochs")), 3);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(res, "diverged")));
    assert_non_null(cJSON_GetObjectItem(j, "timings"));
    cJSON_Delete(j);
    free(json);
    tu_rmtree_free(dir);
}

/* Everything of a run record but its run-dependent parts (argv, start
 * time, thread count, timings), printed: equal text means equal results. */
static char *record_without_run_info(const char *path)
{
    char *text = tu_read(path);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "timings"), "epoch_train_s"));
    const char *drop[] = {"argv", "command", "started", "threads", "timings"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        cJSON_DeleteItemFromObject(j, drop[i]);
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(j, "config"), "threads");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(j, "outputs"), "csv");
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

/* Runs `train ARGS` as run_a and run_b (with extra arguments each) and
 * checks that the CSVs are byte for byte the same, and so are the JSON
 * records apart from argv, start time, threads and timings. */
static void expect_same_training(const char *args, const char *extra_a, const char *extra_b)
{
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "train %s %s --out a --quiet", args, extra_a), 0);
    assert_int_equal(tu_run_cli(dir, "train %s %s --out b --quiet", args, extra_b), 0);
    char *a = tu_read(tu_path(dir, "a.csv")), *b = tu_read(tu_path(dir, "b.csv"));
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    assert_null(strstr(a, "seconds")); /* timings live in the JSON record */
    free(a), free(b);
    a = record_without_run_info(tu_path(dir, "a.json"));
    b = record_without_run_info(tu_path(dir, "b.json"));
    assert_string_equal(a, b);
    free(a), free(b);
    tu_rmtree(dir);
    free(dir);
}

/* The data CSV and the results are a pure function of the configuration
 * and the seed: a rerun gives the same bytes, and so does another thread
 * count (the GEMMs are cut into strips by their shape alone, each strip a
 * single-threaded BLAS call). Width 128 and batch 64 make the products
 * large enough to be shared among threads (several strips each). */
static void test_train_same_bytes_on_rerun_and_any_threads(void **state)
{
    (void)state;
    const char *mlp = "--train-size 256 --test-size 128 --width 128 --depth 2 --batch-size 64 "
                      "--epochs 1 --obs-inputs 16 --seed 5";
    expect_same_training(mlp, "--threads 1", "--threads 2");
    if (getenv("DNNCRIT_UNDER_VALGRIND"))
        return; /* the rest takes minutes under valgrind; the CI runs it natively */
    expect_same_training(mlp, "--threads 1", "--threads 1");
    expect_same_training(mlp, "--threads 2", "--threads 3");
    expect_same_training(mlp, "--precision double --threads 1", "--precision double --threads 2");
    expect_same_training("--model cnn --kernel 3 --width 8 --depth 2 --train-size 64 "
                         "--test-size 32 --batch-size 32 --epochs 1 --obs-inputs 0",
                         "--threads 1", "--threads 2");
}

static void expect_cli_error(const char *args, int code, const char *needle)
{
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir, "%s", args);
    char *err = tu_read(tu_path(dir, "stderr"));
    if (rc != code || !err || !strstr(err, needle))
        fail_msg("'%s': exit %d (want %d), stderr '%s' (want '%s')", args, rc, code,
                 err ? err : "", needle);
    free(err);
    assert_false(tu_exists(tu_path(dir, "run.csv")));
    assert_false(tu_exists(tu_path(dir, "run.json")));
    tu_rmtree_free(dir);
}

static void test_train_cli_errors(void **state)
{
    (void)state;
    expect_cli_error("train --lr -1 --out run", 2, "learning rate");
    expect_cli_error("train --optimizer rmsprop --out run", 2, "unknown optimizer 'rmsprop'");
    expect_cli_error("train --precision half --out run", 2, "unknown precision");
    expect_cli_error("train --sigma-w nan --out run", 2, "sigma-w");
    expect_cli_error("train --dataset-dir /nonexistent/fm --out run", 1, "/nonexistent/fm/train-images");
    expect_cli_error("train --train-size 70000 --out run", 1, "60000");
    expect_cli_error("train-sweep --depth 2.5 --out-dir d", 2, "whole number");
    expect_cli_error("train-sweep --sigma-w 1", 2, "--out-dir");
    /* The first failing point stops the sweep with its error (exit 1). */
    expect_cli_error("train-sweep --dataset-dir /nonexistent/fm --depth 2 --width 4 --seeds 2 "
                     "--threads 1 --out-dir d",
                     1, "point 0: cannot read '/nonexistent/fm/train-images");
    /* the old spelling still works, with a warning */
    expect_cli_error("train-sweep --outdir d --depth 2.5", 2,
                     "--outdir is deprecated, use --out-dir");
    expect_cli_error("train-sweep --outdir d --depth 2.5", 2, "whole number");
    /* gelu's critical line starts near sigma_b = 0.42 */
    expect_cli_error("train-sweep --sigma-w-relative --activation gelu --sigma-b 0.05 "
                     "--out-dir d",
                     2, "gelu at sigma_b = 0.05 has none");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const char *SWEEP_ARGS =
    "train-sweep --sigma-w 0.6,1.1,1.8 --seeds 2 --depth 4 --width 48 --train-size 1500 "
    "--test-size 300 --epochs 1 --obs-inputs 16 --bootstrap 200 --threads 1 --quiet";

/* Runs the sweep in the background, waits for its first finished points and
 * kills it with SIGKILL. */
static void start_and_kill(const char *dir)
{
    const char *bin = getenv("DNNCRIT_BIN");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && { '%s' %s --out-dir out >/dev/null 2>&1 & echo $! > pid; }",
             dir, bin ? bin : "./dnncrit", SWEEP_ARGS);
    assert_int_equal(system(cmd), 0);
    char *pidtext = tu_read(tu_path(dir, "pid"));
    assert_non_null(pidtext);
    pid_t pid = (pid_t)atol(pidtext);
    free(pidtext);
    char p0[4096];
    snprintf(p0, sizeof p0, "%s/out/points/1.json", dir);
    for (int i = 0; i < 3000 && !tu_exists(p0); i++)
        sleep_ms(10);
    assert_true(tu_exists(p0));
    kill(pid, SIGKILL);
    sleep_ms(200);
}

/* Every cell of a result CSV holds a value: "nan" where a quantity does not
 * exist, never an empty field. */
static void assert_no_empty_cells(const char *csv)
{
    assert_null(strstr(csv, ",,"));
    assert_null(strstr(csv, ",\n"));
    assert_null(strstr(csv, "\n,"));
    assert_true(csv[0] != ',');
}

static void test_sweep_resume_gives_same_table(void **state)
{
    (void)state;
    char *ref = tu_tmpdir(), *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(ref, "%s --out-dir out", SWEEP_ARGS), 0);
    start_and_kill(dir);
    char path[4096];
    /* A killed run can leave a temporary file; simulate that, and a damaged
     * point file, which must both be redone. */
    snprintf(path, sizeof path, "%s/out/points/5.json.tmp.12345", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"point\": {", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/out/points/0.json", dir);
    f = fopen(path, "w");
    fputs("{\"point\": {\"sigma_w\": 0.6", f);
    fclose(f);
    /* On a fast machine the kill may come after the end: the rerun must
     * then rebuild the tables from the points all the same. */
    remove(tu_path(dir, "out/sweep.csv"));
    remove(tu_path(dir, "out/landscape.csv"));
    /* resumed with the deprecated spelling --outdir: the same sweep */
    assert_int_equal(tu_run_cli(dir, "%s --outdir out", SWEEP_ARGS), 0);
    char *warn = tu_read(tu_path(dir, "stderr"));
    assert_non_null(warn);
    assert_non_null(strstr(warn, "--outdir is deprecated, use --out-dir"));
    free(warn);
    const char *tables[] = {"out/sweep.csv", "out/landscape.csv"};
    for (int t = 0; t < 2; t++) {
        char *a = tu_read(tu_path(ref, tables[t]));
        char *b = tu_read(tu_path(dir, tables[t]));
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b);
        assert_no_empty_cells(a);
        free(a);
        free(b);
    }
    char *rec = tu_read(tu_path(dir, "out/sweep.json"));
    cJSON *j = cJSON_Parse(rec);
    const cJSON *counts = cJSON_GetObjectItem(j, "counts");
    assert_int_equal(cJSON_GetObjectItem(counts, "points")->valuedouble, 6);
    assert_true(cJSON_GetObjectItem(counts, "reused")->valuedouble >= 1); /* point 1 kept */
    assert_true(cJSON_GetObjectItem(counts, "ran")->valuedouble >= 1);    /* point 0 redone */
    const cJSON *corr = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "results"),
                                            "correlations_with_final_test_acc");
    assert_non_null(cJSON_GetObjectItem(corr, "kappa_L"));
    cJSON_Delete(j);
    free(rec);
    assert_false(tu_exists(tu_path(dir, "out/points/5.json.tmp.12345")));
    /* The same directory with another grid is refused. */
    assert_int_equal(tu_run_cli(dir, "%s --out-dir out --epochs 3", SWEEP_ARGS), 2);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "different sweep"));
    free(err);
    tu_rmtree_free(ref);
    tu_rmtree_free(dir);
}

/* The counts of a finished train-sweep record (DIR/sweep.json). */
static void expect_counts(const char *dir, double ran, double reused)
{
    char *rec = tu_read(tu_path(dir, "sweep.json"));
    assert_non_null(rec);
    cJSON *j = cJSON_Parse(rec);
    free(rec);
    const cJSON *counts = cJSON_GetObjectItem(j, "counts");
    assert_int_equal(cJSON_GetObjectItem(counts, "ran")->valuedouble, ran);
    assert_int_equal(cJSON_GetObjectItem(counts, "reused")->valuedouble, reused);
    cJSON_Delete(j);
}

/* Point 7 of 1.0:1.8:9 is 1.7000000000000002, not the shortest decimal of
 * its double: it used to be written as 1.7 and never found again on
 * read-back ("cannot read back points/7.json"). The run completes, a rerun
 * resumes all 9 points, and the output directory's two missing parents
 * are made. */
static void test_train_sweep_range_grid_resumes(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *args = "train-sweep --sigma-w 1.0:1.8:9 --depth 2 --width 8 --seeds 1 "
                       "--epochs 1 --obs-inputs 4 --train-size 100 --test-size 50 "
                       "--bootstrap 20 --threads 1 --quiet --out-dir runs/ts/out";
    assert_int_equal(tu_run_cli(dir, "%s", args), 0);
    char out[4096];
    snprintf(out, sizeof out, "%s/runs/ts/out", dir);
    expect_counts(out, 9, 0);
    char *text = tu_read(tu_path(out, "points/7.json"));
    assert_non_null(text);
    cJSON *point = cJSON_Parse(text);
    free(text);
    const cJSON *sw = cJSON_GetObjectItem(cJSON_GetObjectItem(point, "point"), "sigma_w");
    assert_true(cJSON_IsNumber(sw));
    assert_true(sw->valuedouble == 1.0 + (1.8 - 1.0) * (7.0 / 8.0)); /* the grid's double */
    assert_true(sw->valuedouble != 1.7);
    cJSON_Delete(point);
    assert_int_equal(tu_run_cli(dir, "%s", args), 0);
    expect_counts(out, 0, 9);
    tu_rmtree_free(dir);
}

/* --sigma-w-relative: the grid values are multiples of the critical sigma_w
 * of the activation at each sigma_b (dnc_mf_critical_sigma_w, bit for bit);
 * the point at 1 has chi_1 = 1; spec.json says so; resuming keeps them. */
static void test_train_sweep_relative_grid(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *args = "train-sweep --sigma-w-relative --sigma-w 0.5,1 --sigma-b 0.1,0.3 "
                       "--activation erf --depth 2 --width 8 --seeds 1 --epochs 1 "
                       "--obs-inputs 0 --train-size 100 --test-size 50 --bootstrap 20 "
                       "--threads 1 --quiet --out-dir out";
    assert_int_equal(tu_run_cli(dir, "%s", args), 0);
    char out[4096];
    snprintf(out, sizeof out, "%s/out", dir);
    expect_counts(out, 4, 0);
    /* points: sigma_w outermost, then sigma_b */
    const double rel[4] = {0.5, 0.5, 1, 1}, sb[4] = {0.1, 0.3, 0.1, 0.3};
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "points/%d.json", i);
        char *text = tu_read(tu_path(out, name));
        assert_non_null(text);
        cJSON *point = cJSON_Parse(text);
        free(text);
        double crit;
        assert_int_equal(dnc_mf_critical_sigma_w(DNC_ACT_ERF, sb[i], &crit), DNC_OK);
        const cJSON *sw = cJSON_GetObjectItem(cJSON_GetObjectItem(point, "point"), "sigma_w");
        assert_true(cJSON_IsNumber(sw) && sw->valuedouble == rel[i] * crit);
        const cJSON *chi = cJSON_GetObjectItem(cJSON_GetObjectItem(point, "mean_field"), "chi1");
        assert_true(cJSON_IsNumber(chi));
        if (rel[i] == 1)
            assert_true(fabs(chi->valuedouble - 1) < 1e-8); /* crit is good to 1e-8 */
        else
            assert_true(chi->valuedouble < 0.7);
        cJSON_Delete(point);
    }
    char *spec = tu_read(tu_path(out, "spec.json"));
    assert_non_null(spec);
    assert_non_null(strstr(spec, "\"sigma_w_relative\":\ttrue"));
    free(spec);
    assert_int_equal(tu_run_cli(dir, "%s", args), 0);
    expect_counts(out, 0, 4);
    /* the same values without the flag are another sweep */
    const char *absolute = "train-sweep --sigma-w 0.5,1 --sigma-b 0.1,0.3 --activation erf "
                           "--depth 2 --width 8 --seeds 1 --epochs 1 --obs-inputs 0 "
                           "--train-size 100 --test-size 50 --bootstrap 20 --threads 1 --quiet "
                           "--out-dir out";
    assert_int_equal(tu_run_cli(dir, "%s", absolute), 2);
    tu_rmtree_free(dir);
}

/* --lr 1e6 blows the loss up to ~5e6 (2e6 x ln 10) in epoch 1: the run
 * stops there, says so on stderr, is marked diverged in run.json and exits
 * 0 (a result, not a crash). The healthy run of test_train_cli_outputs is
 * marked not diverged. In train-sweep, the diverged points are counted. */
static void test_train_divergence_reported(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "train --lr 1e6 --train-size 300 --test-size 200 "
                                     "--width 32 --depth 3 --epochs 3 --threads 1 --out run "
                                     "--quiet"),
                     0);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(err);
    assert_non_null(strstr(err, "dnncrit train: note: training diverged in epoch 1"));
    free(err);
    char *json = tu_read(tu_path(dir, "run.json"));
    assert_non_null(json);
    cJSON *j = cJSON_Parse(json);
    free(json);
    const cJSON *res = cJSON_GetObjectItem(j, "results");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "diverged")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(res, "epochs")), 2); /* 0, 1 */
    cJSON_Delete(j);
    assert_int_equal(tu_run_cli(dir, "train-sweep --sigma-w 1.0,1.5 --lr 1e6 --depth 2 "
                                     "--width 8 --seeds 1 --epochs 2 --obs-inputs 4 "
                                     "--train-size 100 --test-size 50 --bootstrap 20 "
                                     "--threads 1 --out-dir ts"),
                     0);
    char *out = tu_read(tu_path(dir, "stdout"));
    assert_non_null(strstr(out, "2 of 2 points diverged"));
    free(out);
    char *rec = tu_read(tu_path(dir, "ts/sweep.json"));
    j = cJSON_Parse(rec);
    free(rec);
    res = cJSON_GetObjectItem(j, "results");
    assert_int_equal(cJSON_GetObjectItem(res, "diverged_points")->valuedouble, 2);
    cJSON_Delete(j);
    tu_rmtree_free(dir);
}

/* Textbook example: x = 1..5, y = 2,4,5,4,5 has Pearson r = 0.7746
 * (= 6 / sqrt(10 * 6)) and Spearman 0.7379 (ranks with ties averaged). */
static void test_correlation_statistics(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5, NAN}, y[] = {2, 4, 5, 4, 5, 1};
    dnc_correlation c;
    assert_int_equal(dnc_correlate(x, y, 6, 200, 1, &c), DNC_OK);
    assert_int_equal(c.n, 5);
    assert_float_equal(c.pearson, 6 / sqrt(60.0), 1e-12);
    /* ranks y: 1, 2.5, 4.5, 2.5, 4.5 -> Pearson of ranks 5.5/sqrt(10*9)... */
    double ry[] = {1, 2.5, 4.5, 2.5, 4.5}, mr = 3, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 5; i++) {
        sxy += (i + 1 - mr) * (ry[i] - mr);
        sxx += (i + 1 - mr) * (i + 1 - mr);
        syy += (ry[i] - mr) * (ry[i] - mr);
    }
    assert_float_equal(c.spearman, sxy / sqrt(sxx * syy), 1e-12);
    assert_true(c.pearson_lo < c.pearson && c.pearson < c.pearson_hi);
    /* Fisher z with n = 5: atanh(r) +- 1.96 / sqrt(2). */
    assert_float_equal(c.pearson_lo, tanh(atanh(c.pearson) - 1.959963984540054 / sqrt(2.0)),
                       1e-12);
    double big_x[200], big_y[200];
    for (int i = 0; i < 200; i++) {
        big_x[i] = i;
        big_y[i] = -2.0 * i * i; /* monotone decreasing */
    }
    assert_int_equal(dnc_correlate(big_x, big_y, 200, 100, 1, &c), DNC_OK);
    assert_float_equal(c.spearman, -1, 1e-12);
    assert_true(c.pearson < -0.9);
}

/* Naive Spearman for data without ties: rank by counting, then Pearson of
 * the ranks (independent of correlation.c's sort-based ranks). */
/* In double precision (cmocka's assert_float_equal compares floats). */
#define assert_close(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static double naive_spearman(const double *x, const double *y, size_t n)
{
    double rx[64], ry[64], m = (n + 1) / 2.0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        rx[i] = ry[i] = 1;
        for (size_t j = 0; j < n; j++) {
            rx[i] += x[j] < x[i];
            ry[i] += y[j] < y[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        sxy += (rx[i] - m) * (ry[i] - m);
        sxx += (rx[i] - m) * (rx[i] - m);
        syy += (ry[i] - m) * (ry[i] - m);
    }
    return sxy / sqrt(sxx * syy);
}

/* Which predictor wins, on a synthetic table with a known rank order:
 * accuracy y is a strictly decreasing function of candidate 0 (Spearman -1
 * exactly, in every bootstrap resample too), candidate 1 is y plus large
 * deterministic scatter (|rho| well below 1), candidate 2 has only 3 finite
 * cells (no coefficient), candidate 3 is constant (no coefficient). So 0
 * wins, 1 is second, and the paired difference 1 - |rho_1| has an interval
 * above 0; the coefficients match a naive Spearman. */
static void test_predictor_ranking(void **state)
{
    (void)state;
    enum { N = 40 };
    double y[N], x0[N], x1[N], x2[N], x3[N];
    for (int i = 0; i < N; i++) {
        y[i] = 0.1 + 0.02 * i;
        x0[i] = exp(-0.1 * i);                          /* monotone decreasing in y */
        x1[i] = y[i] + 0.6 * sin(12.9898 * (i + 1.0)); /* y + scatter of amplitude 0.6 */
        x2[i] = i < 3 ? i : NAN;
        x3[i] = 2.5;
    }
    const double *xs[4] = {x0, x1, x2, x3};
    dnc_predictor_ranking r;
    assert_int_equal(dnc_predictors_rank(xs, 4, y, N, 400, 7, &r), DNC_OK);
    assert_int_equal(r.ncand, 4);
    assert_int_equal(r.best, 0);
    assert_int_equal(r.second, 1);
    assert_int_equal(r.corr[0].n, N);
    assert_close(r.corr[0].spearman, -1, 1e-12);
    assert_close(r.corr[0].ci.lo, -1, 1e-12);
    assert_close(r.corr[0].ci.hi, -1, 1e-12);
    double rho1 = naive_spearman(x1, y, N);
    assert_true(fabs(rho1) < 0.8); /* the scatter makes it a weaker predictor */
    assert_close(r.corr[1].spearman, rho1, 1e-12);
    assert_true(r.corr[1].ci.lo <= rho1 && rho1 <= r.corr[1].ci.hi);
    assert_int_equal(r.corr[2].n, 3);
    assert_true(isnan(r.corr[2].spearman));
    assert_true(isnan(r.corr[3].spearman));
    assert_int_equal(r.diff_n, N);
    assert_close(r.diff, 1 - fabs(rho1), 1e-12);
    assert_true(r.diff_ci.lo > 0 && r.diff_ci.lo <= r.diff && r.diff <= r.diff_ci.hi);
    /* Swapping the order of the candidates does not change the winner. */
    const double *ys[2] = {x1, x0};
    assert_int_equal(dnc_predictors_rank(ys, 2, y, N, 400, 7, &r), DNC_OK);
    assert_int_equal(r.best, 1);
    assert_int_equal(r.second, 0);
    /* Too many candidates: refused. */
    const double *many[DNC_PREDICTORS_MAX + 1];
    for (int k = 0; k <= DNC_PREDICTORS_MAX; k++)
        many[k] = x0;
    assert_int_equal(dnc_predictors_rank(many, DNC_PREDICTORS_MAX + 1, y, N, 0, 1, &r),
                     DNC_EINVAL);
}

/* A small sweep with the susceptibility scan has every candidate in
 * results.predictors and the peak in landscape.csv; advise --evidence
 * follows its winner and shows it; malformed evidence files are refused
 * (exit 1, error naming the file, no output). */
static void test_predictors_and_advise_evidence(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "train-sweep --sigma-w-relative --sigma-w 0.6,1,1.4,1.8 "
                                     "--depth 3 --width 16 --seeds 1 --epochs 1 --obs-inputs 4 "
                                     "--train-size 200 --test-size 100 --bootstrap 50 "
                                     "--susc-networks 2 --susc-inputs 3 --threads 1 "
                                     "--out-dir ts --quiet"),
                     0);
    char *rec = tu_read(tu_path(dir, "ts/sweep.json"));
    cJSON *j = cJSON_Parse(rec);
    free(rec);
    const cJSON *p = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "results"), "predictors");
    assert_non_null(p);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "candidates")), 7);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(p, "best")));
    const cJSON *line = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "results"), "lines"), 0);
    assert_non_null(cJSON_GetObjectItem(line, "susceptibility_scan"));
    char best[64];
    snprintf(best, sizeof best, "%s", cJSON_GetObjectItem(p, "best")->valuestring);
    cJSON_Delete(j);
    char *land = tu_read(tu_path(dir, "ts/landscape.csv"));
    assert_non_null(strstr(land, ",abs_chi1_minus_1,sigma_w_susc_peak,abs_dist_susc_peak,"
                                 "abs_lyapunov_init\n"));
    free(land);

    assert_int_equal(tu_run_cli(dir, "advise --depth 3 --width 16 --seeds 2 --sigma-b 0.05 "
                                     "--skip-susceptibility --evidence ts/sweep.json --out adv"),
                     0);
    char *out = tu_read(tu_path(dir, "stdout"));
    char want[128];
    snprintf(want, sizeof want, "recommended initialisation (by the predictor %s)", best);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "evidence (ts/sweep.json): tanh MLP, 1 epoch(s), 4 cells"));
    assert_non_null(strstr(out, "training budget: the factor 6 is Schoenholz et al. 2017's"));
    free(out);
    j = NULL;
    rec = tu_read(tu_path(dir, "adv.json"));
    j = cJSON_Parse(rec);
    free(rec);
    const cJSON *rc = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "results"), "recommendation");
    assert_string_equal(cJSON_GetObjectItem(rc, "predictor")->valuestring, best);
    assert_non_null(cJSON_GetObjectItem(rc, "evidence"));
    cJSON_Delete(j);

    /* Without --evidence: the default predictor, recommending sigma_w*. */
    assert_int_equal(tu_run_cli(dir, "advise --depth 3 --width 16 --seeds 2 --sigma-b 0.05 "
                                     "--skip-susceptibility --out adv0"),
                     0);
    out = tu_read(tu_path(dir, "stdout"));
    assert_non_null(strstr(out, "recommended initialisation (by the predictor abs_chi1_minus_1)"));
    free(out);

    static const char *const bad[] = {
        "{not json",
        "{\"command\": \"train\", \"config\": {}, \"results\": {}}",
        "{\"command\": \"train-sweep\", \"config\": {\"activation\": \"tanh\", \"epochs\": 1}, "
        "\"results\": {}}",
        "{\"command\": \"train-sweep\", \"config\": {\"activation\": \"tanh\", \"epochs\": 1}, "
        "\"results\": {\"predictors\": {\"best\": \"kappa_L\", \"second\": \"x\", \"cells\": 4, "
        "\"candidates\": [], \"difference\": {}}}}",
    };
    static const char *const why[] = {"evidence.json", "not a train-sweep record",
                                      "no config or no results.predictors",
                                      "candidates has no 'kappa_L'"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        tu_write_file(tu_path(dir, "evidence.json"), bad[k], strlen(bad[k]));
        assert_int_equal(tu_run_cli(dir, "advise --depth 3 --width 16 --seeds 2 "
                                         "--skip-susceptibility --evidence evidence.json "
                                         "--out bad"),
                         1);
        char *err = tu_read(tu_path(dir, "stderr"));
        assert_non_null(strstr(err, "dnncrit advise: error:"));
        assert_non_null(strstr(err, why[k]));
        free(err);
        assert_false(tu_exists(tu_path(dir, "bad.json")));
    }
    assert_int_equal(tu_run_cli(dir, "advise --depth 3 --width 16 --seeds 2 "
                                     "--skip-susceptibility --evidence missing.json --out bad"),
                     1);
    assert_false(tu_exists(tu_path(dir, "bad.json")));
    tu_rmtree_free(dir);
}

/* At initialisation the weight-based chi_1 estimate and the Lyapunov one
 * measure the same mean squared Jacobian gain: for width 256 and depth 12
 * they agree within the finite-size scatter (relative ~ 1/sqrt(N) per
 * layer, averaged over 11 layers: ~2%; 10% tolerance). For a linear network
 * chi1_weights is exactly the geometric mean of |W^{l+1}|_F^2 / N. */
static void test_observables_at_init(void **state)
{
    (void)state;
    enum { N = 256, L = 12, D = 30, B = 24 };
    dnc_train_config c = dnc_train_config_default();
    c.net.width = N;
    c.net.depth = L;
    c.net.sigma_w = 1.3;
    c.precision = DNC_PREC_DOUBLE;
    float *X = malloc(B * D * sizeof *X);
    for (size_t i = 0; i < B * D; i++)
        X[i] = (float)sin(0.7 * (double)i) * 1.5f;
    dnc_mlp_model *m;
    assert_int_equal(dnc_mlp_model_new(&c, D, &m), DNC_OK);
    dnc_train_observables o;
    assert_int_equal(dnc_mlp_observables(m, X, B, &o), DNC_OK);
    assert_float_equal(o.chi1_weights, o.chi1_lyap, 0.1 * o.chi1_weights);
    assert_true(o.rho_last >= 0 && o.rho_last <= 2);
    assert_true(o.susceptibility >= 0);
    dnc_mlp_model_free(m);

    c.net.activation = DNC_ACT_LINEAR;
    assert_int_equal(dnc_mlp_model_new(&c, D, &m), DNC_OK);
    assert_int_equal(dnc_mlp_observables(m, X, B, &o), DNC_OK);
    double *W = malloc(N * N * sizeof *W), b[N], logsum = 0;
    for (size_t l = 2; l <= L; l++) {
        assert_int_equal(dnc_mlp_model_layer(m, l, W, b), DNC_OK);
        double f = 0;
        for (size_t i = 0; i < N * N; i++)
            f += W[i] * W[i];
        logsum += log(f / N);
    }
    assert_float_equal(o.chi1_weights, exp(logsum / (L - 1)), 1e-10 * o.chi1_weights);
    free(W);
    free(X);
    dnc_mlp_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_cli_outputs),
        cmocka_unit_test(test_train_cli_errors),
        cmocka_unit_test(test_train_same_bytes_on_rerun_and_any_threads),
        cmocka_unit_test(test_sweep_resume_gives_same_table),
        cmocka_unit_test(test_train_sweep_range_grid_resumes),
        cmocka_unit_test(test_train_sweep_relative_grid),
        cmocka_unit_test(test_train_divergence_reported),
        cmocka_unit_test(test_correlation_statistics),
        cmocka_unit_test(test_predictor_ranking),
        cmocka_unit_test(test_predictors_and_advise_evidence),
        cmocka_unit_test(test_observables_at_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
