/* The command-line contract every subcommand shares (README, docs/CONVENTIONS.md):
 * exit codes (2 usage, 1 failed run), --out refusing a directory, --quiet,
 * `dnncrit help CMD`, and the messages and numbers issue 12 found wrong. */
#include <math.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "dnncrit/meanfield.h"
#include "dnncrit/plot.h"
#include "testutil.h"

static char *read_in(const char *dir, const char *name)
{
    char *text = tu_read(tu_path(dir, name));
    assert_non_null(text);
    return text;
}

static bool file_contains(const char *dir, const char *name, const char *needle)
{
    char *text = read_in(dir, name);
    bool found = strstr(text, needle) != NULL;
    if (!found)
        fprintf(stderr, "%s has no '%s':\n%s\n", name, needle, text);
    free(text);
    return found;
}

static cJSON *read_json(const char *dir, const char *name)
{
    char *text = read_in(dir, name);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    return j;
}

/* Runs args in a fresh directory, checks the exit code and that nothing but
 * stdout and stderr was written, and that stderr names `needle`. */
static void expect_refused(const char *args, int code, const char *needle)
{
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir, "%s", args);
    if (rc != code)
        fprintf(stderr, "'%s' exited %d, expected %d\n", args, rc, code);
    assert_int_equal(rc, code);
    assert_true(file_contains(dir, "stderr", needle));
    assert_int_equal(tu_count_entries(dir), 2);
    tu_rmtree_free(dir);
}

/* C.1: --out names files, for every command that has it. */
static void test_out_naming_a_directory_is_a_usage_error(void **state)
{
    (void)state;
    static const char *commands[] = {
        "propagate", "critical", "meanfield", "phase-diagram", "dp",
        "cnn", "avalanches", "susceptibility", "train", "advise", "langevin",
        "exponents x.csv", "fss x.csv", "classify", "raster x.txt", "powerlaw x.txt",
        "plot x.json", "report .",
    };
    static const char *dirs[] = {"res/", ".", "..", "res/.", "''"};
    char args[256];
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        for (size_t k = 0; k < sizeof dirs / sizeof *dirs; k++) {
            snprintf(args, sizeof args, "%s --out %s", commands[i], dirs[k]);
            expect_refused(args, 2, "names a directory");
        }
    /* a prefix inside a directory is fine */
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "meanfield --out ./mf"), 0);
    assert_true(tu_exists(tu_path(dir, "mf.json")));
    tu_rmtree_free(dir);
}

/* C.11: one exit-code policy. Each subcommand with a value outside its
 * accepted range and with a malformed value: both usage errors (2). */
static void test_bad_values_exit_2_in_every_subcommand(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        /* out of range                                  malformed */
        {"demo --seeds 0", "demo --seeds x"},
        {"meanfield --sigma-w 0", "meanfield --sigma-w abc"},
        {"meanfield --depth 100000000", "meanfield --depth 1.5"},
        {"critical --sigma-b -1", "critical --sigma-b 0:x:3"},
        {"phase-diagram --sigma-w 0:1:3", "phase-diagram --sigma-b 1:2"},
        {"propagate --width 0", "propagate --width -3"},
        {"propagate --batch 0", "propagate --sigma-w nan"},
        {"propagate --residual-alpha -1", "propagate --input-c x"},
        {"cnn --seeds 0", "cnn --depth x"},
        {"cnn --sigma-w -1", "cnn --kernel 2.5"},
        {"dp --samples 0", "dp --samples x"},
        {"dp --p 2", "dp --model nope"},
        {"avalanches --networks 0", "avalanches --networks x"},
        {"avalanches --width 0", "avalanches --delta x"},
        {"susceptibility --widths 0", "susceptibility --widths x"},
        {"langevin --x-min 0", "langevin --x-min x"},
        {"langevin --bins 2", "langevin --xmin-size -1"},
        {"langevin --fit-networks 1", "langevin --activation nope"},
        {"langevin --fit-x-max 2", "langevin --drift nope"},
        {"susceptibility --inputs 0", "susceptibility --sigma-w 1,x"},
        {"train --lr -1", "train --lr x"},
        {"train --depth 0", "train --width x"},
        {"advise --seeds 0", "advise --seeds x"},
        {"advise --width 0", "advise --activation nope"},
        {"train-sweep --sigma-w 0", "train-sweep --width x"},
        {"train-sweep --depth 1.5", "train-sweep --depth 0:x:2"},
        {"fss x.csv --sizes 8", "fss --nboot x"},
        {"classify --beta -1", "classify --beta x"},
        {"powerlaw x.txt --xmin -1", "powerlaw x.txt --min-tail x"},
        {"report . --max-figures -1", "report . --max-rows x"},
        {"plot x.json --format gif", "plot x.json --nope"},
        {"sweep x.cfg --threads -1", "sweep x.cfg --threads x"},
        {"exponents x.csv --nope", "exponents x.csv --tmin x"},
        {"raster x.txt --nope", "raster x.txt --bin-width x"},
        {"version extra", "version --nope"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int k = 0; k < 2; k++)
            expect_refused(cases[i][k], 2, "error:");
    /* a run that fails (here: a missing data file) is 1 */
    expect_refused("propagate --inputs missing.csv --depth 3", 1, "cannot open");
    expect_refused("critical --sigma-b 1e6", 1, "sigma_b must be below");
}

/* The parser's domain message names the option and the accepted range. */
static void test_domain_message(void **state)
{
    (void)state;
    expect_refused("propagate --width 0", 2, "--width must be between 1 and 1048576, got 0");
    expect_refused("meanfield --depth 100000000", 2, "--depth must be at most 1048576");
    /* meanfield's own domain keeps --depth 0 (no trajectory) valid */
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "meanfield --depth 0 --out m"), 0);
    assert_true(tu_exists(tu_path(dir, "m.json")));
    assert_false(tu_exists(tu_path(dir, "m.csv")));
    tu_rmtree_free(dir);
}

/* Whether every line of text is a warning ("dnncrit...: warning: ..."),
 * which --quiet keeps on stderr. */
static bool only_warnings(const char *text)
{
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        const char *w = strstr(line, "warning: ");
        if (strncmp(line, "dnncrit", 7) != 0 || !w || (size_t)(w - line) > n)
            return false;
        line = end ? end + 1 : line + n;
    }
    return true;
}

/* C.11: --quiet silences the stdout summary in every subcommand (stderr has
 * no progress here: it is not a TTY, and keeps only warnings); without it
 * there is a summary. */
static void test_quiet_silences_every_command(void **state)
{
    (void)state;
    static const char *runs[] = {
        "critical --sigma-b 0:1:3 --out o",
        "phase-diagram --sigma-b 0:1:3 --sigma-w 1:2:3 --out o",
        "dp --model meanfield --samples 2 --tmax 10 --out o",
        "meanfield --depth 5 --out o",
        "propagate --width 16 --depth 5 --out o",
        "cnn --depth 3 --seeds 1 --out o",
        "avalanches --width 16 --depth 5 --networks 2 --inputs 50 --out o",
        "langevin --width 16 --depth 10 --fit-networks 4 --starts 3 --bins 4 --min-count 3 "
        "--networks 2 --inputs 20 --out o",
        "demo --width 16 --depth 5 --seeds 1 --factors 1 --out-dir o",
        "exponents --simulate --out o",
        "classify --delta 0.161,0.003 --out o",
        "sweep $DNNCRIT_SOURCE_DIR/examples/sweep_propagate.cfg --out-dir o",
    };
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        char *dir = tu_tmpdir();
        assert_int_equal(tu_run_cli(dir, "%s", runs[i]), 0);
        char *loud = read_in(dir, "stdout");
        assert_true(strlen(loud) > 0);
        free(loud);
        assert_int_equal(tu_run_cli(dir, "%s --quiet", runs[i]), 0);
        char *out = read_in(dir, "stdout"), *err = read_in(dir, "stderr");
        if (*out || *err)
            fprintf(stderr, "'%s --quiet' printed:\n%s%s\n", runs[i], out, err);
        assert_string_equal(out, "");
        assert_true(only_warnings(err));
        free(out);
        free(err);
        tu_rmtree_free(dir);
    }
}

/* C.14: dnncrit help CMD is CMD --help. */
static void test_help_command(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "propagate --help"), 0);
    char *direct = read_in(dir, "stdout");
    assert_int_equal(tu_run_cli(dir, "help propagate"), 0);
    char *via_help = read_in(dir, "stdout");
    assert_string_equal(direct, via_help);
    assert_int_equal(strncmp(via_help, "usage: dnncrit propagate", 24), 0);
    free(direct);
    free(via_help);
    assert_int_equal(tu_run_cli(dir, "help"), 0);
    assert_true(file_contains(dir, "stdout", "commands:"));
    assert_int_equal(tu_run_cli(dir, "help nope"), 2);
    assert_true(file_contains(dir, "stderr", "unknown command 'nope'"));
    tu_rmtree_free(dir);
}

/* C.14: --config DIR says what is wrong. */
static void test_config_directory(void **state)
{
    (void)state;
    expect_refused("propagate --config .", 2, "'.' is a directory, expected a file");
}

/* C.14: sigma_b so large that q* >= sigma_b^2 is beyond the q* search: the
 * message says so (it said "chi_1 stays below 1 (nan ...) up to sigma_w =
 * 0.05"). Just below the bound the search works (q* ~ sigma_b^2 = 5.4e11). */
static void test_critical_huge_sigma_b(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "critical --sigma-b 1e6 --out c"), 1);
    assert_true(file_contains(dir, "stderr", "q* >= sigma_b^2 = 1e+12 lies beyond"));
    char *err = read_in(dir, "stderr");
    assert_null(strstr(err, "nan"));
    free(err);
    assert_int_equal(tu_run_cli(dir, "meanfield --sigma-b 7.4e5 --sigma-w 1 --out m"), 0);
    cJSON *j = read_json(dir, "m.json");
    double q = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "results"), "q_star")->valuedouble;
    /* q* = sigma_w^2 E[tanh^2] + sigma_b^2 with E[tanh^2] <= 1 */
    assert_true(q >= 7.4e5 * 7.4e5 && q <= 7.4e5 * 7.4e5 + 1);
    cJSON_Delete(j);
    tu_rmtree_free(dir);
}

static size_t progress_calls, progress_last, progress_total;
static void count_progress(void *ctx, size_t done, size_t total)
{
    (void)ctx;
    assert_true(done > progress_last); /* increasing */
    progress_calls++;
    progress_last = done;
    progress_total = total;
}

/* C.14: meanfield's trajectory reports progress, and the values are those of
 * dnc_mf_trajectory_rho (bit for bit: the same loop). */
static void test_meanfield_trajectory_progress(void **state)
{
    (void)state;
    enum { L = 10000 };
    double *q = malloc(2 * L * sizeof *q), *rho = malloc(2 * L * sizeof *rho);
    assert_non_null(q);
    assert_non_null(rho);
    dnc_mf_params p = {DNC_ACT_TANH, 1.3, 0.3};
    assert_int_equal(dnc_mf_trajectory_rho(&p, 1.0, 0.5, L, q, NULL, rho), DNC_OK);
    assert_int_equal(dnc_mf_trajectory_rho_progress(&p, 1.0, 0.5, L, q + L, NULL, rho + L,
                                                    count_progress, NULL),
                     DNC_OK);
    assert_memory_equal(q, q + L, L * sizeof *q);
    assert_memory_equal(rho, rho + L, L * sizeof *rho);
    assert_int_equal(progress_calls, 3); /* 4096, 8192, 10000 */
    assert_int_equal(progress_last, L);
    assert_int_equal(progress_total, L);
    free(q);
    free(rho);
}

/* Column `col` (0-based) of the data rows of a CSV text. */
static size_t csv_column(const char *csv, int col, double *out, size_t max)
{
    const char *line = strchr(csv, '\n');
    size_t n = 0;
    while (line && line[1] && n < max) {
        const char *p = line + 1;
        for (int k = 0; k < col; k++)
            p = strchr(p, ',') + 1;
        out[n++] = strtod(p, NULL);
        line = strchr(p, '\n');
    }
    return n;
}

/* C.12: propagate prints lambda +- its standard error, the numbers of the JSON;
 * the error is recomputed here from the CSV's per-layer growth (%.17g, so
 * agreement to 1e-12 relative is rounding only). */
static void test_propagate_prints_lyapunov_error(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "propagate --width 32 --depth 40 --sigma-w 1.2 --lyapunov "
                                     "--out p"),
                     0);
    cJSON *j = read_json(dir, "p.json");
    const cJSON *ly = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "results"), "lyapunov");
    double value = cJSON_GetObjectItem(ly, "value")->valuedouble;
    double error = cJSON_GetObjectItem(ly, "error")->valuedouble;
    cJSON_Delete(j);
    char *csv = read_in(dir, "p.csv");
    double g[40];
    assert_int_equal(csv_column(csv, 4, g, 40), 40); /* layer,q,c,rho,lyap */
    free(csv);
    double m = 0, s = 0;
    for (int l = 0; l < 40; l++)
        m += g[l] / 40;
    for (int l = 0; l < 40; l++)
        s += (g[l] - m) * (g[l] - m);
    double se = sqrt(s / 39 / 40);
    assert_true(fabs(m - value) <= 1e-12 * fabs(value));
    assert_true(fabs(se - error) <= 1e-12 * error);
    char *out = read_in(dir, "stdout");
    const char *at = strstr(out, "lambda = ");
    assert_non_null(at);
    double pv, pe;
    assert_int_equal(sscanf(at, "lambda = %lf \xc2\xb1 %lf", &pv, &pe), 2);
    /* printed with 6 decimals */
    assert_true(fabs(pv - value) <= 5e-7 && fabs(pe - error) <= 5e-7);
    free(out);
    tu_rmtree_free(dir);
}

/* C.12: advise's evidence line carries this run's numbers, no placeholders. */
static void test_advise_fills_placeholders(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "advise --depth 10 --width 16 --seeds 2 --susc-inputs 3 "
                                     "--out a"),
                     0);
    assert_true(file_contains(dir, "stdout", "depth 10, width 16, 2 networks x 3 input pairs"));
    char *out = read_in(dir, "stdout"), *json = read_in(dir, "a.json");
    assert_null(strchr(out, '`'));
    assert_null(strchr(json, '`'));
    free(out);
    free(json);
    tu_rmtree_free(dir);
}

/* C.12: avalanches reports how many were cut and at which depth, the JSON's numbers. */
static void test_avalanches_cut_message(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "avalanches --width 64 --depth 12 --sigma-w 1.5 "
                                     "--networks 2 --inputs 20 --out av"),
                     0);
    cJSON *j = read_json(dir, "av.json");
    double cut = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "results"), "cut")->valuedouble;
    cJSON_Delete(j);
    assert_true(cut > 0); /* chaotic: some avalanches reach the last layer */
    char want[96];
    snprintf(want, sizeof want, ", %.0f still active at the last layer (depth 12;", cut);
    assert_true(file_contains(dir, "stdout", want));
    tu_rmtree_free(dir);
}

/* C.11: train's CSV writes nan where an observable does not exist (here:
 * observables off), as every result CSV; no empty cells. */
static void test_train_csv_nan(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir, "train --train-size 200 --test-size 100 --width 16 --depth 2 "
                             "--epochs 1 --obs-inputs 0 --threads 1 --out t --quiet");
    assert_int_equal(rc, 0);
    char *csv = read_in(dir, "t.csv");
    assert_null(strstr(csv, ",,"));
    assert_non_null(strstr(csv, ",nan,nan,"));
    free(csv);
    tu_rmtree_free(dir);
}

/* The figure of dir/NAME.json (the recipe of its command). */
static dnc_figure *figure_of(const char *dir, const char *name)
{
    cJSON *rec;
    dnc_table t;
    bool has;
    assert_int_equal(tu_load_result(dir, name, &rec, &t, &has), DNC_OK);
    char folder[4096];
    snprintf(folder, sizeof folder, "%s/%s", dir, name);
    *strrchr(folder, '/') = '\0';
    dnc_figure *fig;
    assert_int_equal(dnc_plot_figure_for_result_in(rec, has ? &t : NULL, folder, &fig), DNC_OK);
    cJSON_Delete(rec);
    if (has)
        dnc_table_free(&t);
    return fig;
}

static size_t error_bars(const dnc_plot_panel *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nseries; i++)
        if (p->series[i].style == DNC_STYLE_ERRORBARS)
            n += p->series[i].n;
    return n;
}

/* D.7: the cnn figure over 300 layers: at most ~40 error bars per panel (log-
 * spaced, so they stay apart), all layers still drawn as a line; activity and
 * survival (constant 1 here: sigma_w = 1, sigma_b = 0 keeps every site active) on a
 * linear axis. */
static void test_cnn_figure_readable(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "cnn --depth 300 --seeds 2 --quiet --out c"), 0);
    dnc_figure *fig = figure_of(dir, "c");
    assert_int_equal(fig->npanels, 3);
    for (size_t k = 0; k < 3; k++) {
        const dnc_plot_panel *p = fig->panels[k];
        assert_true(error_bars(p) >= 10 && error_bars(p) <= 45);
        assert_int_equal(p->series[0].n, 300); /* the line through every layer */
    }
    for (size_t k = 1; k < 3; k++) {
        assert_false(fig->panels[k]->logy);
        assert_true(fig->panels[k]->ymin == 0 && fig->panels[k]->ymax > 1);
    }
    dnc_figure_free(fig);
    tu_rmtree_free(dir);
}

/* D.7: the demo rho panel ends at 1e-16 (double round-off of 1 - c) or the
 * decade of the smallest measured rho, not at the mean field's 1e-20. The
 * ordered point 0.5 sigma_w^c decays below round-off within 200 layers. */
static void test_demo_rho_axis_clipped(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "demo --width 64 --depth 200 --seeds 1 --factors 0.5,1 "
                                     "--quiet --out-dir d"),
                     0);
    dnc_figure *fig = figure_of(dir, "d/demo");
    const dnc_plot_panel *p = fig->panels[0];
    assert_true(p->logy);
    assert_true(p->ymin >= 1e-16 && p->ymin < 1e-10);
    dnc_figure_free(fig);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_naming_a_directory_is_a_usage_error),
        cmocka_unit_test(test_bad_values_exit_2_in_every_subcommand),
        cmocka_unit_test(test_domain_message),
        cmocka_unit_test(test_quiet_silences_every_command),
        cmocka_unit_test(test_help_command),
        cmocka_unit_test(test_config_directory),
        cmocka_unit_test(test_critical_huge_sigma_b),
        cmocka_unit_test(test_meanfield_trajectory_progress),
        cmocka_unit_test(test_propagate_prints_lyapunov_error),
        cmocka_unit_test(test_advise_fills_placeholders),
        cmocka_unit_test(test_avalanches_cut_message),
        cmocka_unit_test(test_train_csv_nan),
        cmocka_unit_test(test_cnn_figure_readable),
        cmocka_unit_test(test_demo_rho_axis_clipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
