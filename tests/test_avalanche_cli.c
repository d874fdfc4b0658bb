/* CLI of powerlaw and raster: outputs, JSON records, and bad input leaving
 * no file behind. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/crackling.h"
#include "dnncrit/io.h"
#include "dnncrit/powerlaw.h"
#include "dnncrit/rng.h"
#include "dnncrit/table.h"
#include "dnncrit/version.h"
#include "testutil.h"

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static double json_value4(const char *path, const char *a, const char *b, const char *c,
                          const char *d)
{
    cJSON *root;
    assert_int_equal(dnc_read_json(path, &root), DNC_OK);
    cJSON *o = cJSON_GetObjectItem(root, a);
    if (b)
        o = cJSON_GetObjectItem(o, b);
    if (c)
        o = cJSON_GetObjectItem(o, c);
    if (d)
        o = cJSON_GetObjectItem(o, d);
    assert_non_null(o);
    double v = o->valuedouble;
    cJSON_Delete(root);
    return v;
}

static double json_value(const char *path, const char *a, const char *b, const char *c)
{
    return json_value4(path, a, b, c, NULL);
}

/* n samples of a Pareto law with xmin = 1 and exponent alpha, from Philox
 * stream `seed`; caller frees. */
static double *pareto_samples(uint64_t seed, double alpha, size_t n)
{
    double *u = malloc(n * sizeof *u), *x = malloc(n * sizeof *x);
    assert_non_null(u);
    assert_non_null(x);
    dnc_uniform_fill(seed, DNC_STREAM_USER, 0, 0, u, n);
    dnc_pl_fit truth = {.alpha = alpha, .xmin = 1, .xmax = INFINITY};
    dnc_pl_sample(&truth, u, x, n);
    free(u);
    return x;
}

/* A power-law column (second column, with a header and a label column):
 * the CLI reports the same alpha as the library on the same numbers. */
static void test_powerlaw_cli(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    size_t n = 3000;
    double *x = pareto_samples(3, 2.3, n);
    FILE *fp = fopen(tu_path(dir, "data.csv"), "w");
    fprintf(fp, "label,size\n");
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "s%zu,%.17g\n", i, x[i]);
    fclose(fp);
    assert_int_equal(tu_run_cli(dir, "powerlaw %s/data.csv --column size --xmin 1 --compare "
                                     "--bootstrap 10 --out %s/fit",
                                dir, dir),
                     0);
    dnc_pl_opts o = dnc_pl_opts_default();
    o.xmin = 1;
    dnc_pl_fit f;
    assert_int_equal(dnc_pl_fit_data(x, n, &o, &f), DNC_OK);
    char jp[4096];
    snprintf(jp, sizeof jp, "%s/fit.json", dir);
    assert_true(fabs(json_value(jp, "results", "alpha", "value") - f.alpha) < 1e-9);
    assert_true(fabs(json_value(jp, "results", "alpha", "error") - f.alpha_err) < 1e-9);
    assert_true(json_value(jp, "config", "bootstrap", NULL) == 10);
    char *csv = tu_read(tu_path(dir, "fit.csv"));
    assert_non_null(csv);
    assert_non_null(strstr(csv, "x,ccdf_data,ccdf_fit\n"));
    free(csv);
    assert_true(tu_exists(tu_path(dir, "fit_pdf.csv")));
    /* same by index */
    assert_int_equal(tu_run_cli(dir, "powerlaw %s/data.csv --column 2 --xmin 1 --out %s/fit2 --quiet", dir, dir), 0);
    snprintf(jp, sizeof jp, "%s/fit2.json", dir);
    assert_true(fabs(json_value(jp, "results", "alpha", "value") - f.alpha) < 1e-9);
    free(x);
    tu_rmtree_free(dir);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static dnc_table read_result_csv(const char *path)
{
    dnc_table t;
    dnc_table_opts o = {.cells = DNC_TABLE_NUMBERS, .need_header = true};
    if (dnc_table_read(path, &o, &t) != DNC_OK)
        fail_msg("%s", dnc_last_error());
    assert_int_equal(t.ncols, 3);
    return t;
}

/* The CCDF CSV: by default the first distinct value at or above each of
 * 201 log-spaced points from the smallest to the largest sample (computed
 * here from the definition), each with its exact empirical CCDF;
 * --ccdf-rows all: one row per distinct value; bad counts are usage errors. */
static void test_powerlaw_ccdf_rows(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    size_t n = 5000;
    double *x = pareto_samples(11, 2.2, n);
    FILE *fp = fopen(tu_path(dir, "d.txt"), "w");
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "%.17g\n", x[i]);
    fclose(fp);
    qsort(x, n, sizeof *x, cmp_double);
    const size_t rows_opt[] = {200, 50, 0};
    for (int k = 0; k < 3; k++) {
        size_t R = rows_opt[k];
        char arg[32];
        snprintf(arg, sizeof arg, R ? "--ccdf-rows %zu" : "--ccdf-rows all", R);
        if (k == 0)
            arg[0] = '\0'; /* the default */
        assert_int_equal(tu_run_cli(dir, "powerlaw %s/d.txt --xmin 1 %s --out %s/c --quiet", dir,
                                    arg, dir), 0);
        dnc_table t = read_result_csv(tu_path(dir, "c.csv"));
        /* the rows wanted: every distinct value, or the first at or above each point */
        size_t nw = 0, *want = malloc((n + 1) * sizeof *want);
        for (size_t j = 0; R ? j <= R : j < n; j++) {
            size_t i = j;
            if (R) {
                double t_j = j == R ? x[n - 1] : x[0] * pow(x[n - 1] / x[0], (double)j / (double)R);
                for (i = 0; x[i] < t_j && i < n - 1; i++)
                    ;
            }
            while (i > 0 && x[i - 1] == x[i])
                i--;
            if (nw == 0 || x[want[nw - 1]] != x[i])
                want[nw++] = i;
        }
        if (R)
            assert_true(nw <= R + 1);
        else
            assert_int_equal(nw, n); /* all distinct */
        assert_int_equal(t.nrows, nw);
        for (size_t r = 0; r < nw; r++) {
            double xv = t.v[3 * r], cd = t.v[3 * r + 1];
            /* x printed with %.10g: a relative 1e-9 */
            assert_true(fabs(xv - x[want[r]]) <= 1e-9 * x[want[r]]);
            assert_true(fabs(cd - (double)(n - want[r]) / (double)n) < 1e-12);
        }
        assert_true(t.v[0] == x[0] || fabs(t.v[0] - x[0]) <= 1e-9 * x[0]);
        assert_true(t.v[1] == 1);
        assert_true(fabs(t.v[3 * (nw - 1) + 1] - 1.0 / (double)n) < 1e-15);
        dnc_table_free(&t);
        free(want);
    }
    const char *bad[] = {"1", "0", "-3", "abc", "2x", ""};
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++)
        assert_int_equal(tu_run_cli(dir, "powerlaw %s/d.txt --ccdf-rows '%s' --out %s/bad --quiet",
                                    dir, bad[b], dir), 2);
    assert_false(tu_exists(tu_path(dir, "bad.json")));
    /* raster shares the writer and the option: --ccdf-rows all gives one
     * row per distinct avalanche size */
    assert_int_equal(tu_run_cli(dir, "raster --simulate --avalanches 3000 --seed 2 --ccdf-rows all "
                                     "--out %s/r --quiet", dir), 0);
    assert_int_equal(tu_run_cli(dir, "raster --simulate --avalanches 3000 --seed 2 --ccdf-rows 1 "
                                     "--out %s/r2 --quiet", dir), 2);
    assert_int_equal(tu_run_cli(dir, "avalanches --ccdf-rows none --out %s/a2 --quiet", dir), 2);
    dnc_table av, sz = read_result_csv(tu_path(dir, "r_sizes.csv"));
    dnc_table_opts o = {.cells = DNC_TABLE_NUMBERS, .need_header = true};
    assert_int_equal(dnc_table_read(tu_path(dir, "r_avalanches.csv"), &o, &av), DNC_OK);
    double *s = malloc(av.nrows * sizeof *s);
    long col = dnc_table_col(&av, "size");
    assert_true(col >= 0);
    for (size_t i = 0; i < av.nrows; i++)
        s[i] = av.v[i * av.ncols + (size_t)col];
    qsort(s, av.nrows, sizeof *s, cmp_double);
    size_t distinct = 0;
    for (size_t i = 0; i < av.nrows; i++)
        distinct += i == 0 || s[i] != s[i - 1];
    assert_int_equal(sz.nrows, distinct);
    free(s);
    dnc_table_free(&av);
    dnc_table_free(&sz);
    free(x);
    tu_rmtree_free(dir);
}

/* dnncrit powerlaw ARGS with standard input from `input` (a file). */
static int run_cli_stdin(const char *dir, const char *input, const char *args)
{
    const char *bin = getenv("DNNCRIT_BIN");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >stdout 2>stderr <'%s'", dir,
             bin ? bin : "./dnncrit", args, input);
    int st = system(cmd);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static cJSON *json_results(const char *path)
{
    cJSON *root;
    assert_int_equal(dnc_read_json(path, &root), DNC_OK);
    return root;
}

/* Zeros and negative values (degree sequences, counts) are dropped and
 * counted, as plfit and Python's powerlaw do; the fit is that of the
 * positive values alone; '-' reads the column from standard input. */
static void test_powerlaw_drops_nonpositive_and_reads_stdin(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    size_t n = 2000, n_zero = 0, n_neg = 0;
    double *u = malloc(n * sizeof *u), *x = malloc(n * sizeof *x), *pos = malloc(n * sizeof *pos);
    dnc_uniform_fill(4, DNC_STREAM_USER, 0, 0, u, n);
    dnc_pl_fit truth = {.discrete = true, .alpha = 2.2, .xmin = 1, .xmax = INFINITY};
    dnc_pl_sample(&truth, u, x, n);
    FILE *fp = fopen(tu_path(dir, "deg.txt"), "w");
    size_t npos = 0;
    for (size_t i = 0; i < n; i++) {
        double v = i % 7 == 0 ? 0.0 : i % 11 == 0 ? -x[i] : x[i]; /* zeros and negatives */
        n_zero += v == 0;
        n_neg += v < 0;
        if (v > 0)
            pos[npos++] = v;
        fprintf(fp, "%.17g\n", v);
    }
    fclose(fp);
    char args[4096], jp[4096];
    snprintf(args, sizeof args, "powerlaw - --discrete --xmin 2 --out %s/fit", dir);
    assert_int_equal(run_cli_stdin(dir, tu_path(dir, "deg.txt"), args), 0);
    dnc_pl_opts o = dnc_pl_opts_default();
    o.discrete = true;
    o.xmin = 2;
    dnc_pl_fit f;
    assert_int_equal(dnc_pl_fit_data(pos, npos, &o, &f), DNC_OK);
    snprintf(jp, sizeof jp, "%s/fit.json", dir);
    assert_true(fabs(json_value(jp, "results", "alpha", "value") - f.alpha) < 1e-12);
    assert_true(json_value(jp, "results", "dropped_nonpositive", NULL) == (double)(n_zero + n_neg));
    assert_true(json_value(jp, "results", "samples_read", NULL) == (double)n);
    assert_true(json_value(jp, "results", "fit", "n") == (double)npos);
    assert_true(n_zero > 0 && n_neg > 0);
    char *out = tu_read(tu_path(dir, "stdout"));
    char want[128];
    snprintf(want, sizeof want, "%zu samples <= 0 dropped", n_zero + n_neg);
    assert_non_null(strstr(out, want));
    free(out);
    /* nothing positive, or a NaN: a clear error, no output */
    write_file(tu_path(dir, "zeros.txt"), "0\n0\n-2\n");
    snprintf(args, sizeof args, "powerlaw - --out %s/bad", dir);
    assert_int_equal(run_cli_stdin(dir, tu_path(dir, "zeros.txt"), args), 1);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "all 3 samples are <= 0"));
    free(err);
    assert_false(tu_exists(tu_path(dir, "bad.json")));
    double inf_data[] = {1, 2, INFINITY};
    size_t ni = 3, dropped;
    assert_int_equal(dnc_pl_drop_nonpositive(inf_data, &ni, &dropped), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "sample 3"));
    free(u);
    free(x);
    free(pos);
    tu_rmtree_free(dir);
}

static size_t json_array_size(const char *path, const char *a, const char *b)
{
    cJSON *root = json_results(path);
    cJSON *w = cJSON_GetObjectItem(cJSON_GetObjectItem(root, a), b);
    assert_true(cJSON_IsArray(w));
    size_t k = (size_t)cJSON_GetArraySize(w);
    cJSON_Delete(root);
    return k;
}

/* A tail of fewer than 100 samples is flagged on stderr and in the JSON
 * "warnings"; a 3000-sample tail of a true power law is not. */
static void test_powerlaw_small_tail_warning(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    size_t n = 3000;
    double *x = pareto_samples(6, 2.5, n);
    const size_t sizes[] = {40, 3000};
    for (int i = 0; i < 2; i++) {
        FILE *fp = fopen(tu_path(dir, "d.txt"), "w");
        for (size_t k = 0; k < sizes[i]; k++)
            fprintf(fp, "%.17g\n", x[k]);
        fclose(fp);
        assert_int_equal(tu_run_cli(dir, "powerlaw %s/d.txt --xmin 1 --out %s/w --quiet", dir, dir), 0);
        char jp[4096];
        snprintf(jp, sizeof jp, "%s/w.json", dir);
        char *err = tu_read(tu_path(dir, "stderr"));
        bool warned = strstr(err, "warning: fit: only 40 samples in the tail") != NULL;
        free(err);
        assert_true(warned == (i == 0));
        assert_int_equal(json_array_size(jp, "results", "warnings"), i == 0 ? 1 : 0);
    }
    free(x);
    tu_rmtree_free(dir);
}

/* Each bad input: exit 1 with a message, and no output file at all. */
static void expect_failure(const char *cmd, const char *content, const char *needle)
{
    char *dir = tu_tmpdir();
    write_file(tu_path(dir, "in.csv"), content);
    int rc = tu_run_cli(dir, "%s %s/in.csv --out %s/out/res", cmd, dir, dir);
    assert_int_equal(rc, 1);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(err);
    if (!strstr(err, needle))
        fail_msg("expected '%s' in: %s", needle, err);
    free(err);
    assert_false(tu_exists(tu_path(dir, "out")));
    /* the out/ directory does not exist; try again into dir itself */
    rc = tu_run_cli(dir, "%s %s/in.csv --out %s/res", cmd, dir, dir);
    assert_int_equal(rc, 1);
    assert_int_equal(tu_count_entries(dir), 3); /* in.csv, stdout, stderr */
    tu_rmtree_free(dir);
}

/* The same two files' contents are equal (both present). */
static void assert_same_file(const char *dir, const char *a, const char *b)
{
    char *x = tu_read(tu_path(dir, a));
    char *y = tu_read(tu_path(dir, b));
    if (!x || !y)
        fail_msg("missing %s or %s", a, b);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* A run record without what differs from run to run (start time, timings). */
static cJSON *stable_record(const char *path)
{
    cJSON *root;
    assert_int_equal(dnc_read_json(path, &root), DNC_OK);
    cJSON_DeleteItemFromObject(root, "started");
    cJSON_DeleteItemFromObject(root, "timings");
    return root;
}

/* --compare's alternative fits in the two programs' records: the same
 * verdicts and likelihood ratios R to 1e-5 relative. Not bitwise: GSL's
 * simplex calls CBLAS, which is OpenBLAS in dnncrit (its AVX-512 kernels
 * round dnrm2 differently) and GSL's own CBLAS in dnncrit-powerlaw, so the
 * two walks stop at different points inside the simplex's 1e-7 size
 * tolerance; R then differs by ~1e-7 relative (measured 5e-7 at most). */
static void assert_same_comparisons(cJSON *ra, cJSON *rb)
{
    cJSON *ca = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(ra, "results"), "fit"), "compare");
    cJSON *cb = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(rb, "results"), "fit"), "compare");
    assert_non_null(ca);
    assert_int_equal(cJSON_GetArraySize(ca), DNC_PL_ALT_COUNT);
    assert_int_equal(cJSON_GetArraySize(cb), DNC_PL_ALT_COUNT);
    for (cJSON *x = ca->child; x; x = x->next) {
        cJSON *y = cJSON_GetObjectItem(cb, x->string);
        assert_non_null(y);
        assert_string_equal(cJSON_GetObjectItem(x, "preferred")->valuestring,
                            cJSON_GetObjectItem(y, "preferred")->valuestring);
        double r = cJSON_GetObjectItem(x, "R")->valuedouble, s = cJSON_GetObjectItem(y, "R")->valuedouble;
        assert_true(fabs(r - s) <= 1e-5 * fabs(r) + 1e-9);
    }
}

/* dnncrit-powerlaw is `dnncrit powerlaw` without the libraries a fit never
 * calls: the same files (CSVs byte for byte, the run record but for its
 * time stamps), the same summary, the same errors, and no OpenBLAS, HDF5 or
 * MPI mapped at start (the reason it exists). */
static void test_powerlaw_lean_program(void **state)
{
    (void)state;
    const char *lean = getenv("DNNCRIT_POWERLAW_BIN"), *full = getenv("DNNCRIT_BIN");
    if (!lean || !full)
        skip();
    const char *forbidden[] = {"openblas", "hdf5", "mpi", "curl"};
    size_t n_lean = tu_loaded_libraries(lean, forbidden, 4);
    size_t n_full = tu_loaded_libraries(full, NULL, 0);
    assert_true(n_lean < n_full);

    char *dir = tu_tmpdir();
    size_t n = 3000;
    double *x = pareto_samples(5, 2.5, n);
    FILE *fp = fopen(tu_path(dir, "data.txt"), "w");
    assert_non_null(fp);
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "%.0f\n", floor(0.5 * x[i] + 0.5));
    fclose(fp);
    char data[4096], a[4096], b[4096];
    snprintf(data, sizeof data, "%s/data.txt", dir);
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    assert_int_equal(mkdir(a, 0700), 0);
    assert_int_equal(mkdir(b, 0700), 0);
    const char *args = "powerlaw '%s' --discrete --bootstrap 8 --out fit";
    assert_int_equal(tu_run_program(a, full, args, data), 0);
    assert_int_equal(tu_run_program(b, lean, args + strlen("powerlaw "), data), 0);
    const char *files[] = {"fit.csv", "fit_pdf.csv"};
    for (size_t k = 0; k < 2; k++) {
        char pa[64], pb[64];
        snprintf(pa, sizeof pa, "a/%s", files[k]);
        snprintf(pb, sizeof pb, "b/%s", files[k]);
        assert_same_file(dir, pa, pb);
    }
    cJSON *ra = stable_record(tu_path(a, "fit.json")), *rb = stable_record(tu_path(b, "fit.json"));
    assert_true(cJSON_Compare(ra, rb, true));
    cJSON_Delete(ra);
    cJSON_Delete(rb);
    /* the summary but for its last line, the time taken */
    char *sa = tu_read(tu_path(a, "stdout")), *sb = tu_read(tu_path(b, "stdout"));
    assert_non_null(sa);
    assert_non_null(sb);
    char *ta = strstr(sa, "  time "), *tb = strstr(sb, "  time ");
    assert_non_null(ta);
    assert_non_null(tb);
    *ta = *tb = '\0';
    assert_string_equal(sa, sb);
    free(sa);
    free(sb);
    assert_int_equal(tu_run_program(a, full, "powerlaw '%s' --discrete --compare --out cmp", data), 0);
    assert_int_equal(tu_run_program(b, lean, "'%s' --discrete --compare --out cmp", data), 0);
    cJSON *ca = stable_record(tu_path(a, "cmp.json")),
          *cb = stable_record(tu_path(b, "cmp.json"));
    assert_same_comparisons(ca, cb);
    cJSON_Delete(ca);
    cJSON_Delete(cb);

    /* a missing file: the same message and exit status, nothing written */
    assert_int_equal(tu_run_program(a, full, "powerlaw '%s/none.txt' --out bad", dir), 1);
    assert_int_equal(tu_run_program(b, lean, "'%s/none.txt' --out bad", dir), 1);
    assert_same_file(dir, "a/stderr", "b/stderr");
    assert_false(tu_exists(tu_path(b, "bad.json")));
    assert_int_equal(tu_run_program(b, lean, "--version"), 0);
    char *v = tu_read(tu_path(b, "stdout"));
    assert_non_null(v);
    assert_non_null(strstr(v, "dnncrit-powerlaw " DNNCRIT_VERSION));
    free(v);
    free(x);
    tu_rmtree_free(dir);
}

static void test_bad_input_leaves_nothing(void **state)
{
    (void)state;
    expect_failure("powerlaw", "", "no data");
    expect_failure("powerlaw", "# only a comment\n", "no data");
    expect_failure("powerlaw", "1\n2\nabc\n", ":3");
    expect_failure("powerlaw", "3\n3\n3\n3\n3\n3\n3\n3\n3\n3\n3\n3\n", "constant");
    expect_failure("powerlaw", "0\n-2\n0\n", "all 3 samples are <= 0");
    expect_failure("powerlaw --discrete", "1\n2.5\n3\n", "integer");
    expect_failure("raster", "0,0,0\n0,0,0\n0,0,0\n", "all-zero");
    expect_failure("raster", "1,0\n0,1\n1\n", "expected 2 fields");
    expect_failure("raster", "1,1\n1,1\n1,1\n", "never stops");
    expect_failure("raster", "", "no data");
    expect_failure("raster --format events", "time,unit\n0.1,1\n0.2,x\n", "not a finite number");
    expect_failure("raster --format events", "time,unit\n0.1,1\n0.1,2\n", "no time structure");
}

/* raster --simulate (critical branching process): the full output set
 * appears and tau is near 3/2 (10000 avalanches: error ~0.007, so 0.05 is
 * a 7-sigma guard against gross failures; the precise checks are in
 * test_avalanche_critical). */
static void test_raster_cli_outputs(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "raster --simulate --avalanches 10000 --seed 5 --out %s/sim", dir), 0);
    const char *files[] = {"sim.json", "sim_avalanches.csv", "sim_sizes.csv", "sim_sizes_pdf.csv",
                           "sim_durations.csv", "sim_durations_pdf.csv", "sim_sizedur.csv",
                           "sim_shape.csv", "sim_rk.csv"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        assert_true(tu_exists(tu_path(dir, files[i])));
    char jp[4096];
    snprintf(jp, sizeof jp, "%s/sim.json", dir);
    double tau = json_value(jp, "results", "tau", "value");
    assert_true(fabs(tau - 1.5) < 0.05);
    /* critical process: m = 1 (events laid end to end, one quiet bin between) */
    assert_true(fabs(json_value4(jp, "results", "branching_ratio", "multistep_regression", "value") - 1) < 0.01);

    /* dense raster with a header, through the file path */
    write_file(tu_path(dir, "dense.csv"), "a,b\n1,0\n0,0\n1,1\n0,0\n1,0\n0,1\n0,0\n"
                                          "1,1\n1,0\n0,0\n1,0\n0,0\n1,1\n0,1\n0,0\n");
    int rc = tu_run_cli(dir, "raster %s/dense.csv --out %s/d", dir, dir);
    /* 6 avalanches are too few for the analysis: a clear error, no files */
    assert_int_equal(rc, 1);
    assert_false(tu_exists(tu_path(dir, "d.json")));
    tu_rmtree_free(dir);
}

/* An event list written from simulated avalanches (two quiet bins between
 * them, bin width 1): raster --format events finds exactly those
 * avalanches, with the same total size. */
static void test_raster_cli_events_round_trip(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    dnc_branching_opts bo = {.m = 1.0, .seeds = 1, .max_duration = 300,
                             .max_size = DNC_BRANCHING_MAX_SIZE_LIMIT, .seed = 21};
    dnc_avalanches av;
    assert_int_equal(dnc_branching_avalanches(&bo, 400, &av, NULL), DNC_OK);
    FILE *fp = fopen(tu_path(dir, "ev.csv"), "w");
    fprintf(fp, "time,unit\n");
    double t = 2, total = 0;
    for (size_t i = 0; i < av.count; i++) {
        for (size_t k = av.offset[i]; k < av.offset[i + 1]; k++, t += 1)
            for (int e = 0; e < (int)av.profile[k]; e++)
                fprintf(fp, "%.3f,%d\n", t + 0.25 + 0.5 * e / av.profile[k], e % 7);
        total += av.size[i];
        t += 2;
    }
    fprintf(fp, "%.3f,0\n", t + 1.5); /* a last event so the final gap is inside */
    fclose(fp);
    assert_int_equal(tu_run_cli(dir, "raster %s/ev.csv --bin-width 1 --keep-edges --out %s/ev",
                                dir, dir), 0);
    char jp[4096];
    snprintf(jp, sizeof jp, "%s/ev.json", dir);
    /* + the lone final event, kept as an edge avalanche */
    assert_int_equal((size_t)json_value(jp, "results", "avalanches", NULL), av.count + 1);
    char *csv = tu_read(tu_path(dir, "ev_avalanches.csv"));
    assert_non_null(csv);
    double sum = 0;
    char *line = strchr(csv, '\n');
    while (line && line[1]) {
        size_t idx, start;
        double S, T;
        assert_int_equal(sscanf(line + 1, "%zu,%zu,%lf,%lf", &idx, &start, &S, &T), 4);
        sum += S;
        line = strchr(line + 1, '\n');
    }
    assert_true(sum == total + 1);
    free(csv);
    dnc_avalanches_free(&av);
    tu_rmtree_free(dir);
}

/* raster --simulate --m 2 (supercritical) returns, reports the avalanches
 * cut at the caps on stdout and in the JSON, and analyses the others; the
 * caps are recorded in the config. */
static void test_raster_cli_supercritical(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "raster --simulate --m 2 --avalanches 100 --threads 1 "
                                     "--out %s/m2", dir), 0);
    char jp[4096];
    snprintf(jp, sizeof jp, "%s/m2.json", dir);
    double cut = json_value(jp, "results", "cut_avalanches", NULL);
    double kept = json_value(jp, "results", "avalanches", NULL);
    assert_true(cut > 50 && cut < 100); /* 1 - q = 0.797 of them */
    assert_true(cut + kept == 100);
    assert_true(json_value(jp, "config", "max_size", NULL) == 1e10);
    assert_true(json_value(jp, "config", "max_duration", NULL) == 1e5);
    char *out = tu_read(tu_path(dir, "stdout")), want[128];
    snprintf(want, sizeof want, "%.0f of 100 simulated avalanches cut at a cap", cut);
    assert_non_null(strstr(out, want));
    free(out);
    /* too few avalanches left: the error says how many were cut */
    assert_int_equal(tu_run_cli(dir, "raster --simulate --m 3 --avalanches 20 --max-size 100 "
                                     "--out %s/m3", dir), 1);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "simulated avalanches were cut at --max-size 100"));
    free(err);
    assert_false(tu_exists(tu_path(dir, "m3.json")));
    assert_int_equal(tu_run_cli(dir, "raster --simulate --max-size 0 --out %s/m0", dir), 1);
    err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "max_size must be in [1, 2^53], got 0"));
    free(err);
    tu_rmtree_free(dir);
}

/* raster on a gzipped event list (format detected through the gzip, named
 * .csv.gz) writes the same tables and results as on the plain file; a
 * truncated gzip fails naming the file and leaves nothing behind. */
static void test_raster_cli_reads_gzip(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    dnc_branching_opts bo = {.m = 0.9, .seeds = 1, .max_duration = 300,
                             .max_size = DNC_BRANCHING_MAX_SIZE_LIMIT, .seed = 22};
    dnc_activity act;
    assert_int_equal(dnc_branching_activity(&bo, 400, 2, 7, &act, NULL), DNC_OK);
    size_t cap = 1 << 20, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text, cap, "time,unit\n");
    for (size_t t = 0; t < act.bins; t++)
        for (int e = 0; e < (int)act.count[t]; e++) {
            assert_true(n + 64 < cap);
            n += (size_t)snprintf(text + n, cap - n, "%.3f,%d\n",
                                  (double)t + 0.25 + 0.5 * e / act.count[t], e % 7);
        }
    tu_write_file(tu_path(dir, "ev.csv"), text, n);
    tu_write_gzip(tu_path(dir, "ev.csv.gz"), text, n, 1);
    assert_int_equal(tu_run_cli(dir, "raster %s/ev.csv --bin-width 1 --out %s/plain", dir, dir), 0);
    assert_int_equal(tu_run_cli(dir, "raster %s/ev.csv.gz --bin-width 1 --out %s/gz", dir, dir), 0);
    const char *tables[] = {"_avalanches.csv", "_sizes.csv", "_sizes_pdf.csv", "_durations.csv",
                            "_durations_pdf.csv", "_rk.csv"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "plain%s", tables[i]);
        snprintf(b, sizeof b, "gz%s", tables[i]);
        assert_same_file(dir, a, b);
    }
    cJSON *pa, *pb;
    char jp[4096];
    snprintf(jp, sizeof jp, "%s/plain.json", dir);
    assert_int_equal(dnc_read_json(jp, &pa), DNC_OK);
    snprintf(jp, sizeof jp, "%s/gz.json", dir);
    assert_int_equal(dnc_read_json(jp, &pb), DNC_OK);
    assert_true(cJSON_Compare(cJSON_GetObjectItem(pa, "results"),
                              cJSON_GetObjectItem(pb, "results"), 1));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(pb, "config"), "format")->valuestring,
                        "events");
    cJSON_Delete(pa);
    cJSON_Delete(pb);

    char *gz = tu_read(tu_path(dir, "ev.csv.gz"));
    tu_write_file(tu_path(dir, "cut.csv.gz"), gz, 40);
    free(gz);
    size_t before = tu_count_entries(dir);
    assert_int_equal(tu_run_cli(dir, "raster %s/cut.csv.gz --bin-width 1 --out %s/cut", dir, dir), 1);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "cut.csv.gz': truncated gzip file"));
    free(err);
    assert_int_equal(tu_count_entries(dir), before);
    free(text);
    dnc_activity_free(&act);
    tu_rmtree_free(dir);
}

/* Network commands: a tiny scan writes the CSV and a peak per width; bad
 * scan lists fail cleanly. */
static void test_network_commands(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "susceptibility --sigma-w 0.8:1.6:5 --widths 16,32 --depth 10 "
                                     "--inputs 10 --networks 1 --out %s/s", dir), 0);
    char jp[4096];
    snprintf(jp, sizeof jp, "%s/s.json", dir);
    assert_true(json_value(jp, "results", "meanfield_critical_sigma_w", NULL) > 0.99);
    char *csv = tu_read(tu_path(dir, "s.csv"));
    assert_non_null(csv);
    size_t lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 2 * 5);
    free(csv);
    assert_int_equal(tu_run_cli(dir, "avalanches --sigma-w 1.3 --width 32 --depth 20 --inputs 100 "
                                     "--networks 2 --out %s/a", dir), 0);
    assert_true(tu_exists(tu_path(dir, "a_layers.csv")));
    assert_true(tu_exists(tu_path(dir, "a.json")));
    snprintf(jp, sizeof jp, "%s/a.json", dir); /* 130 and 227 tail events: no warning */
    assert_int_equal(json_array_size(jp, "results", "warnings"), 0);
    /* 30 inputs, 58 avalanches: both tails are below 100 events, and said so */
    assert_int_equal(tu_run_cli(dir, "avalanches --sigma-w 1.3 --width 32 --depth 20 --inputs 30 "
                                     "--networks 1 --out %s/a2", dir), 0);
    snprintf(jp, sizeof jp, "%s/a2.json", dir);
    assert_int_equal(json_array_size(jp, "results", "warnings"), 2);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "dnncrit: warning: avalanche sizes: only"));
    assert_non_null(strstr(err, "dnncrit: warning: avalanche durations: only"));
    free(err);
    size_t before = tu_count_entries(dir);
    /* bad values are usage errors (exit 2, README), refused before any output */
    assert_int_equal(tu_run_cli(dir, "susceptibility --sigma-w=-1,2 --out %s/bad", dir), 2);
    assert_int_equal(tu_run_cli(dir, "avalanches --rule bogus --out %s/bad", dir), 2);
    assert_int_equal(tu_run_cli(dir, "avalanches --threshold -1 --out %s/bad", dir), 2);
    assert_int_equal(tu_count_entries(dir), before);
    tu_rmtree_free(dir);
}

/* Field k of CSV line `line` (0: header) as a string copy. */
static char *csv_field(const char *csv, size_t line, size_t k)
{
    const char *p = csv;
    for (size_t i = 0; i < line && p; i++)
        p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    assert_non_null(p);
    for (size_t i = 0; i < k; i++) {
        p = strpbrk(p, ",\n");
        assert_true(p && *p == ',');
        p++;
    }
    size_t n = strcspn(p, ",\n");
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* The susceptibility field grid: without --field the scan is the h = 0 run
 * (the first 11 columns and rho bitwise those of --field 0); the response
 * column is the naive central difference of rho between two runs at h +- dh
 * (same seeds: the same networks), to the 10 digits the CSV prints; bad
 * field grids are usage errors that write nothing. */
static void test_susceptibility_field(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *base = "susceptibility --sigma-w 1.4,1.6,1.8 --widths 16 --depth 8 --sigma-b 0.3 "
                       "--inputs 12 --networks 3 --quiet";
    assert_int_equal(tu_run_cli(dir, "%s --out %s/n", base, dir), 0);
    assert_int_equal(tu_run_cli(dir, "%s --field 0,0.05 --field-step 0.02 --out %s/f", base, dir), 0);
    assert_int_equal(tu_run_cli(dir, "%s --field 0.03 --out %s/p", base, dir), 0);
    assert_int_equal(tu_run_cli(dir, "%s --field 0.07 --out %s/m", base, dir), 0);
    char *n = tu_read(tu_path(dir, "n.csv")), *f = tu_read(tu_path(dir, "f.csv"));
    char *p = tu_read(tu_path(dir, "p.csv")), *m = tu_read(tu_path(dir, "m.csv"));
    assert_true(n && f && p && m);
    for (size_t line = 1; line <= 3; line++) {
        for (size_t k = 0; k <= 12; k++) {
            if (k == 11)
                continue; /* field: 0 in both */
            char *a = csv_field(n, line, k), *b = csv_field(f, line, k);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
        char *r = csv_field(n, line, 13);
        assert_string_equal(r, "nan"); /* no --field: no response runs */
        free(r);
        /* h = 0.05 rows are lines 4..6 of f; dh = 0.02 */
        char *rs = csv_field(f, line + 3, 13), *hp = csv_field(p, line, 12),
             *hm = csv_field(m, line, 12);
        double naive = (strtod(hm, NULL) - strtod(hp, NULL)) / 0.04;
        assert_true(fabs(strtod(rs, NULL) - naive) < 1e-8 * (1 + fabs(naive)));
        free(rs);
        free(hp);
        free(hm);
    }
    free(n);
    free(f);
    free(p);
    free(m);
    char jp[4096];
    snprintf(jp, sizeof jp, "%s/f.json", dir);
    assert_int_equal(json_array_size(jp, "results", "peaks"), 2);
    size_t before = tu_count_entries(dir);
    assert_int_equal(tu_run_cli(dir, "%s --field 0.1,0 --out %s/bad", base, dir), 2);
    assert_int_equal(tu_run_cli(dir, "%s --field 0,0 --out %s/bad", base, dir), 2);
    assert_int_equal(tu_run_cli(dir, "%s --field 0,x --out %s/bad", base, dir), 2);
    assert_int_equal(tu_run_cli(dir, "%s --field 0,inf --out %s/bad", base, dir), 2);
    assert_int_equal(tu_run_cli(dir, "%s --field 0 --field-step 0 --out %s/bad", base, dir), 2);
    assert_int_equal(tu_run_cli(dir, "%s --field 0,0.1 --engine ensemble --out %s/bad", base, dir), 2);
    assert_int_equal(tu_count_entries(dir), before);
    tu_rmtree_free(dir);
}

/* --crackling: the avalanches at each chi peak are those of
 * dnc_net_crackling_measure at the peak's sigma_w with the command's
 * options (called here directly), the JSON reports the window and both
 * errors, and the deviation is gamma minus the prediction. */
static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsObject(v))
        v = cJSON_GetObjectItemCaseSensitive(v, "value");
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void test_susceptibility_crackling(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *base = "susceptibility --sigma-w 1.1:1.5:3 --widths 32 --depth 20 --sigma-b 0.3 "
                       "--networks 4 --inputs 40 --threads 1 --quiet";
    assert_int_equal(tu_run_cli(dir, "%s --crackling 50 --crackling-inputs 300 --crackling-tmin 2 "
                                     "--crackling-tmax 10 --out %s/c", base, dir), 0);
    char jp[4096];
    snprintf(jp, sizeof jp, "%s/c.json", dir);
    cJSON *root = json_results(jp);
    const cJSON *pk = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "results"), "peaks"), 0);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(pk, "crackling");
    assert_non_null(c);
    double sw = jnum(c, "sigma_w");
    assert_true(sw == jnum(pk, "peak_sigma_w"));
    /* the same measurement through the library */
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.activation = DNC_ACT_TANH;
    o.net.width = 32;
    o.net.depth = 20;
    o.net.sigma_b = 0.3;
    o.net.sigma_w = sw;
    o.networks = 4;
    o.inputs = 300;
    o.quiet = true;
    dnc_avalanche_opts ao = dnc_avalanche_opts_default();
    ao.gamma_tmin = 2;
    ao.gamma_tmax = ao.collapse_tmax = ao.duration_fit.xmax = 10;
    dnc_net_crackling r;
    assert_int_equal(dnc_net_crackling_measure(&o, &ao, 50, &r), DNC_OK);
    assert_true(r.m.gamma_ok);
    assert_true(jnum(c, "avalanches") == (double)r.m.count);
    /* JSON numbers are printed to 15+ digits */
    assert_true(fabs(jnum(c, "tau") - r.m.tau) < 1e-9 * r.m.tau);
    assert_true(fabs(jnum(c, "gamma") - r.m.gamma) < 1e-9 * fabs(r.m.gamma));
    assert_true(fabs(jnum(c, "deviation_err_bootstrap") - r.m.boot_err) < 1e-9 * r.m.boot_err);
    /* the window asked for, and the deviation is gamma - (alpha-1)/(tau-1) */
    assert_true(jnum(c, "gamma_tmin") >= 2 && jnum(c, "gamma_tmax") <= 10);
    assert_true(jnum(c, "gamma_durations") >= 3);
    double pred = (jnum(c, "alpha") - 1) / (jnum(c, "tau") - 1);
    assert_true(fabs(jnum(c, "predicted_gamma") - pred) < 1e-9 * fabs(pred));
    assert_true(fabs(jnum(c, "deviation") - (jnum(c, "gamma") - pred)) < 1e-9);
    double err = jnum(c, "deviation_err");
    assert_true(err == fmax(jnum(c, "deviation_err_propagated"), jnum(c, "deviation_err_bootstrap")));
    assert_true(fabs(jnum(c, "deviation_sigmas") - jnum(c, "deviation") / err) < 1e-9);
    cJSON_Delete(root);
    /* without --crackling: no crackling block; bad values: usage errors, no output */
    assert_int_equal(tu_run_cli(dir, "%s --out %s/n", base, dir), 0);
    snprintf(jp, sizeof jp, "%s/n.json", dir);
    root = json_results(jp);
    pk = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "results"), "peaks"), 0);
    assert_null(cJSON_GetObjectItemCaseSensitive(pk, "crackling"));
    cJSON_Delete(root);
    size_t before = tu_count_entries(dir);
    assert_int_equal(tu_run_cli(dir, "%s --crackling 5 --crackling-tmax 0 --out %s/bad", base, dir), 2);
    assert_int_equal(tu_run_cli(dir, "%s --crackling -1 --out %s/bad", base, dir), 2);
    assert_int_equal(tu_run_cli(dir, "%s --crackling 5 --crackling-tmin -1 --out %s/bad", base, dir), 2);
    assert_int_equal(tu_count_entries(dir), before);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_powerlaw_cli),
        cmocka_unit_test(test_powerlaw_ccdf_rows),
        cmocka_unit_test(test_powerlaw_drops_nonpositive_and_reads_stdin),
        cmocka_unit_test(test_powerlaw_small_tail_warning),
        cmocka_unit_test(test_powerlaw_lean_program),
        cmocka_unit_test(test_bad_input_leaves_nothing),
        cmocka_unit_test(test_raster_cli_outputs),
        cmocka_unit_test(test_raster_cli_events_round_trip),
        cmocka_unit_test(test_raster_cli_reads_gzip),
        cmocka_unit_test(test_raster_cli_supercritical),
        cmocka_unit_test(test_network_commands),
        cmocka_unit_test(test_susceptibility_field),
        cmocka_unit_test(test_susceptibility_crackling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
