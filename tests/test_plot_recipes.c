/* plot: every subcommand's result, produced by small real runs of the
 * subcommands, gets its dedicated recipe (not the generic fallback) and
 * renders to a valid image of the size the figure asks for. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"
#include "dnncrit/plot.h"
#include "testutil.h"

static char *dir;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* PNG signature, IHDR size and the IEND chunk at the end. */
static void assert_png(const char *path, int w, int h)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char head[24], tail[8];
    assert_int_equal(fread(head, 1, 24, fp), 24);
    fseek(fp, -8, SEEK_END);
    assert_int_equal(fread(tail, 1, 8, fp), 8);
    fclose(fp);
    assert_memory_equal(head, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(head + 12, "IHDR", 4);
    assert_int_equal(be32(head + 16), (uint32_t)w);
    assert_int_equal(be32(head + 20), (uint32_t)h);
    assert_memory_equal(tail, "IEND", 4);
}

static void run(const char *args)
{
    int rc = tu_run_cli(dir, "%s", args);
    if (rc != 0) {
        char *err = tu_read(tu_path(dir, "stderr"));
        fprintf(stderr, "dnncrit %s: exit %d: %s\n", args, rc, err ? err : "");
        free(err);
    }
    assert_int_equal(rc, 0);
}

/* The recipe title names the command's figure, not the generic "columns"
 * fallback; returns the figure size. */
static void figure_size(const char *name, int *w, int *h, size_t *npanels)
{
    cJSON *rec;
    dnc_table t;
    bool has;
    assert_int_equal(tu_load_result(dir, name, &rec, &t, &has), DNC_OK);
    char folder[4096]; /* the result's folder, for the other CSVs it names */
    snprintf(folder, sizeof folder, "%s/%s", dir, name);
    *strrchr(folder, '/') = '\0';
    dnc_figure *fig;
    assert_int_equal(dnc_plot_figure_for_result_in(rec, has ? &t : NULL, folder, &fig), DNC_OK);
    if (fig->title && strstr(fig->title, ": columns"))
        fprintf(stderr, "%s: fell back to the generic recipe\n", name);
    assert_true(fig->title == NULL || strstr(fig->title, ": columns") == NULL);
    dnc_figure_size(fig, w, h);
    *npanels = fig->npanels;
    dnc_figure_free(fig);
    cJSON_Delete(rec);
    if (has)
        dnc_table_free(&t);
}

static void check(const char *name, size_t min_panels)
{
    int w, h;
    size_t np;
    figure_size(name, &w, &h, &np);
    assert_true(np >= min_panels);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "plot %s.json --out %s.png", name, name);
    run(cmd);
    char png[64];
    snprintf(png, sizeof png, "%s.png", name);
    assert_png(tu_path(dir, png), w, h);
}

static int setup(void **state)
{
    (void)state;
    dir = tu_tmpdir();
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree_free(dir);
    return 0;
}

static bool skip_without_gnuplot(void)
{
    if (dnc_plot_available())
        return false;
    fprintf(stderr, "gnuplot not installed: skipping\n");
    return true;
}

/* The effective-exponent panel of `exponents`: t on a log axis (late
 * times not squeezed), delta_inf as a marker right of the data inside the
 * x range, and horizontal lines at the deltas of the library's class table
 * that lie on the panel (DP 1+1 and, as the next class up, DP 2+1 for DP
 * 1+1 data). */
static void check_effective_exponent_panel(void)
{
    cJSON *rec;
    dnc_table t;
    bool has;
    assert_int_equal(tu_load_result(dir, "ex", &rec, &t, &has), DNC_OK);
    dnc_figure *fig;
    assert_int_equal(dnc_plot_figure_for_result_in(rec, has ? &t : NULL, dir, &fig), DNC_OK);
    assert_int_equal(fig->npanels, 2);
    const dnc_plot_panel *q = fig->panels[1];
    assert_true(q->logx);
    bool dp1 = false, dp2 = false, marker = false;
    for (size_t i = 0; i < q->nrefs; i++) {
        dp1 = dp1 || (fabs(q->refs[i].at - 0.159464) < 1e-12 && strstr(q->refs[i].label, "DP 1+1"));
        dp2 = dp2 || (fabs(q->refs[i].at - 0.451) < 1e-12 && strstr(q->refs[i].label, "DP 2+1"));
    }
    for (size_t i = 0; i < q->nseries; i++)
        if (q->series[i].label && strstr(q->series[i].label, "δ_∞")) {
            marker = q->series[i].n == 1 && q->series[i].x[0] < q->xmax;
        }
    assert_true(dp1 && dp2 && marker);
    char *script = dnc_figure_script(fig, DNC_PLOT_PNG, "/tmp");
    assert_non_null(script);
    assert_non_null(strstr(script, "set logscale x"));
    assert_non_null(strstr(script, "DP 1+1"));
    free(script);
    dnc_figure_free(fig);
    cJSON_Delete(rec);
    if (has)
        dnc_table_free(&t);
}

static void test_scaling_recipes(void **state)
{
    (void)state;
    if (skip_without_gnuplot()) {
        skip();
        return;
    }
    run("dp --model bond1d --L 64 --tmax 200 --samples 4 --out dp --quiet");
    check("dp", 2); /* rho(t) with the DP t^-delta guide, survival */
    run("exponents dp.seeds.csv --tmin 5 --nboot 20 --out ex --quiet");
    check("ex", 2); /* rho(t) with the fit, delta_eff vs t */
    check_effective_exponent_panel();
    run("dp --model bond1d --L 8 --tmax 300 --samples 8 --out L8 --quiet");
    run("dp --model bond1d --L 16 --tmax 300 --samples 8 --out L16 --quiet");
    run("fss L8.seeds.csv L16.seeds.csv --sizes 8,16 --nboot 10 --out fss --quiet");
    check("fss", 2); /* raw and collapsed */
    run("classify --delta 0.161,0.003 --z 1.56,0.03 --out cls");
    check("cls", 1);
    run("cnn --dims 1 --channels 4 --kernel 3 --size-x 32 --depth 30 --perturb 4 --seeds 2 "
        "--out cnn --quiet");
    check("cnn", 2);
}

static void test_meanfield_and_propagation_recipes(void **state)
{
    (void)state;
    if (skip_without_gnuplot()) {
        skip();
        return;
    }
    run("meanfield --activation tanh --sigma-b 0.3 --critical --depth 50 --out mf");
    check("mf", 2);
    run("critical --activation tanh --sigma-b 0:1:5 --out crit");
    check("crit", 2);
    run("phase-diagram --activation tanh --sigma-b 0:1:5 --sigma-w 0.5:2.5:6 --out pd --quiet");
    check("pd", 1); /* chi_1 heat map with contours and the critical line */
    run("propagate --width 32 --depth 30 --sigma-w 1.3 --sigma-b 0.3 --lyapunov --out prop "
        "--quiet");
    check("prop", 3);
    run("demo --out-dir demo --width 32 --depth 20 --seeds 1 --quiet");
    int w, h;
    size_t np;
    figure_size("demo/demo", &w, &h, &np);
    assert_int_equal(np, 2);
    run("plot demo/demo.json --out demo.png");
    assert_png(tu_path(dir, "demo.png"), w, h);
}

/* A dense 0/1 raster of a near-critical branching process (test input,
 * not a physics check: the exponents are the avalanche tests' business). */
static void write_raster(const char *path)
{
    dnc_afile f;
    assert_int_equal(dnc_afile_open(&f, path), DNC_OK);
    unsigned s = 12345;
    int active = 0;
    for (int t = 0; t < 20000; t++) {
        int next = 0;
        for (int k = 0; k < active; k++)
            next += (rand_r(&s) % 100) < 49; /* two tries of p = 0.49 */
        for (int k = 0; k < active; k++)
            next += (rand_r(&s) % 100) < 49;
        if (active == 0 && rand_r(&s) % 3 == 0)
            next = 1;
        if (next > 32)
            next = 32;
        for (int u = 0; u < 32; u++)
            fprintf(f.fp, u ? ",%d" : "%d", u < next);
        fputc('\n', f.fp);
        active = next;
    }
    assert_int_equal(dnc_afile_commit(&f), DNC_OK);
}

static void test_avalanche_recipes(void **state)
{
    (void)state;
    if (skip_without_gnuplot()) {
        skip();
        return;
    }
    run("avalanches --width 16 --depth 20 --sigma-w 1.2 --networks 2 --inputs 50 --out av "
        "--quiet");
    check("av", 3); /* P(S), P(T), <S>(T), shapes */
    run("susceptibility --sigma-w 0.9,1.2 --widths 16 --depth 10 --networks 1 --inputs 20 "
        "--out sus --quiet");
    check("sus", 2);
    write_raster(tu_path(dir, "raster.csv"));
    run("raster raster.csv --format dense --out rec --quiet");
    check("rec", 3);
    /* power-law fit of the raster's avalanche sizes */
    dnc_table t;
    assert_int_equal(dnc_table_read(tu_path(dir, "rec_avalanches.csv"), &dnc_result_table_opts, &t),
                     DNC_OK);
    long c = dnc_table_col(&t, "size");
    assert_true(c >= 0);
    dnc_afile f;
    assert_int_equal(dnc_afile_open(&f, tu_path(dir, "sizes.txt")), DNC_OK);
    for (size_t r = 0; r < t.nrows; r++)
        fprintf(f.fp, "%.17g\n", t.v[r * t.ncols + (size_t)c]);
    assert_int_equal(dnc_afile_commit(&f), DNC_OK);
    dnc_table_free(&t);
    run("powerlaw sizes.txt --discrete --out fit --quiet");
    check("fit", 2);
}

/* train and train-sweep need Fashion-MNIST and minutes: their results are
 * written here with the columns those commands write. */
static void write_result(const char *name, const char *command, const char *extra,
                         const char *csv)
{
    char path[4096], text[4096];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    assert_int_equal(dnc_write_text_atomic(path, csv), DNC_OK);
    snprintf(text, sizeof text,
             "{\"tool\":\"dnncrit\",\"command\":\"%s\",\"config\":{\"activation\":\"tanh\"},"
             "\"results\":{%s},\"outputs\":{\"csv\":\"%s.csv\"}}",
             command, extra, name);
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    assert_int_equal(dnc_write_text_atomic(path, text), DNC_OK);
}

static void test_training_and_sweep_recipes(void **state)
{
    (void)state;
    if (skip_without_gnuplot()) {
        skip();
        return;
    }
    write_result("train", "train", "\"final_test_acc\":0.7",
                 "epoch,train_loss,train_acc,test_loss,test_acc,rho_first,rho_last,rho_mean,"
                 "q_last,lyapunov,chi1_lyap,chi1_weights,susceptibility,seconds\n"
                 "0,2.4,0.17,2.4,0.16,0.67,0.52,0.62,0.35,-0.16,0.71,0.75,2.9,0\n"
                 "1,0.77,0.74,0.84,0.71,0.74,0.93,0.86,0.72,-0.24,0.61,0.59,15.8,1.5\n"
                 "2,0.61,0.78,0.74,0.73,0.74,0.95,0.88,0.74,-0.25,0.62,0.57,16.1,3.1\n");
    check("train", 4);
    char csv[16384];
    size_t n = (size_t)snprintf(csv, sizeof csv,
                                "index,sigma_w,sigma_b,depth,width,seed,final_test_acc,"
                                "sigma_w_crit,dist_crit,depth_over_xi\n");
    int idx = 0;
    for (int b = 0; b < 3; b++)
        for (int w = 0; w < 5; w++)
            for (int s = 0; s < 2; s++) {
                double sb = 0.15 * b, sw = 0.6 + 0.4 * w, swc = 1 + 0.9 * sb;
                double acc = 0.8 * exp(-(sw - swc) * (sw - swc)) + 0.01 * s;
                n += (size_t)snprintf(csv + n, sizeof csv - n, "%d,%g,%g,10,64,%d,%g,%g,%g,%g\n",
                                      idx++, sw, sb, s + 1, acc, swc, sw - swc,
                                      10 * fabs(sw - swc) + 0.1);
            }
    write_result("ts", "train-sweep", "\"lines\":[]", csv);
    check("ts", 3); /* landscape heat map, accuracy vs sigma_w, vs distance */
    /* a propagation sweep, run for real */
    assert_int_equal(dnc_write_text_atomic(tu_path(dir, "sweep.cfg"),
                                           "type = propagate\nactivation = tanh\n"
                                           "sigma_w = 0.8:1.6:3\nsigma_b = 0.05\n"
                                           "width = 16,32\ndepth = 10\nseed = 1:2:2\n"
                                           "batch = 4\n"),
                     DNC_OK);
    run("sweep sweep.cfg --out-dir sw --threads 1 --quiet");
    run("plot sw/sweep.json --out sw.png");
    int w, h;
    size_t np;
    char name[64] = "sw/sweep";
    figure_size(name, &w, &h, &np);
    assert_true(np >= 3); /* one panel per observable, one series per width */
    assert_png(tu_path(dir, "sw.png"), w, h);
    /* and the report of the whole directory embeds every figure */
    run("report . --out report.html");
    char *html = tu_read(tu_path(dir, "report.html"));
    assert_non_null(html);
    size_t figs = 0;
    for (const char *p = html; (p = strstr(p, "data:image/png;base64,")); p++)
        figs++;
    assert_true(figs >= 3);
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scaling_recipes),
        cmocka_unit_test(test_meanfield_and_propagation_recipes),
        cmocka_unit_test(test_avalanche_recipes),
        cmocka_unit_test(test_training_and_sweep_recipes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
