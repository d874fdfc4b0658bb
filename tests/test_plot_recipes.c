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

/* The survival panel of `dp`: logarithmic only when the survival spans
 * decades; a supercritical run (p = 0.9 > p_c = 0.6447: every sample
 * survives, P_s = 1 throughout) gets a linear axis, not a log axis for a
 * constant. */
static void check_dp_survival_axis(void)
{
    run("dp --model bond1d --p 0.9 --L 32 --tmax 50 --samples 2 --out dpsup --quiet");
    cJSON *rec;
    dnc_table t;
    bool has;
    assert_int_equal(tu_load_result(dir, "dpsup", &rec, &t, &has), DNC_OK);
    dnc_figure *fig;
    assert_int_equal(dnc_plot_figure_for_result_in(rec, has ? &t : NULL, dir, &fig), DNC_OK);
    assert_int_equal(fig->npanels, 2);
    assert_true(fig->panels[1]->logx);
    assert_false(fig->panels[1]->logy);
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
    check_dp_survival_axis();
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
    run("advise --activation tanh --depth 10 --width 16 --seeds 2 --susc-inputs 4 --out adv "
        "--quiet");
    check("adv", 4); /* xi_c with the window, chi_1, susceptibility scan, width */
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
    /* a field grid: chi and dρ/dh per field, the avalanche panels of the
     * first field and the Widom line (sigma_w of the chi peak against h) */
    run("susceptibility --sigma-w 1.3,1.5,1.7 --widths 16,24 --depth 10 --sigma-b 0.3 "
        "--networks 2 --inputs 20 --field 0,0.05 --out susf --quiet");
    check("susf", 8);
    {
        cJSON *rec;
        dnc_table t;
        bool has;
        assert_int_equal(tu_load_result(dir, "susf", &rec, &t, &has), DNC_OK);
        dnc_figure *fig;
        assert_int_equal(dnc_plot_figure_for_result_in(rec, has ? &t : NULL, dir, &fig), DNC_OK);
        assert_int_equal(fig->npanels, 8);
        assert_non_null(strstr(fig->panels[7]->title, "Widom line"));
        assert_int_equal(fig->panels[7]->nseries, 2); /* one per width */
        dnc_figure_free(fig);
        cJSON_Delete(rec);
        if (has)
            dnc_table_free(&t);
    }
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
                 "q_last,lyapunov,chi1_lyap,chi1_weights,susceptibility\n"
                 "0,2.4,0.17,2.4,0.16,0.67,0.52,0.62,0.35,-0.16,0.71,0.75,2.9\n"
                 "1,0.77,0.74,0.84,0.71,0.74,0.93,0.86,0.72,-0.24,0.61,0.59,15.8\n"
                 "2,0.61,0.78,0.74,0.73,0.74,0.95,0.88,0.74,-0.25,0.62,0.57,16.1\n");
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
    /* With a predictor ranking: one more panel, the coefficients at x = 0, 1
     * with the interval of the first as a vertical bar. */
    write_result("tsp", "train-sweep",
                 "\"lines\":[],\"predictors\":{\"best\":\"kappa_L\",\"candidates\":["
                 "{\"name\":\"kappa_L\",\"spearman\":-0.5,\"ci95_lo\":-0.7,\"ci95_hi\":-0.2},"
                 "{\"name\":\"abs_lyapunov_init\",\"spearman\":0.1,\"ci95_lo\":null,"
                 "\"ci95_hi\":null}],\"difference\":{\"value\":0.4,\"ci95_lo\":0.1,"
                 "\"ci95_hi\":0.6}}",
                 csv);
    {
        cJSON *rec;
        dnc_table t;
        bool has;
        assert_int_equal(tu_load_result(dir, "tsp", &rec, &t, &has), DNC_OK);
        dnc_figure *fig;
        assert_int_equal(dnc_plot_figure_for_result_in(rec, has ? &t : NULL, dir, &fig), DNC_OK);
        const dnc_plot_panel *q = fig->panels[fig->npanels - 1];
        assert_non_null(strstr(q->title, "predicts learning"));
        assert_int_equal(q->nxticlabels, 2);
        assert_int_equal(q->nseries, 2); /* one interval, the points */
        assert_true(q->series[0].n == 2 && q->series[0].y[0] == -0.7 && q->series[0].y[1] == -0.2);
        assert_true(q->series[1].n == 2 && q->series[1].y[0] == -0.5 && q->series[1].y[1] == 0.1);
        assert_non_null(strstr(q->note, "kappa"));
        dnc_figure_free(fig);
        cJSON_Delete(rec);
        if (has)
            dnc_table_free(&t);
    }
    check("tsp", 4);
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

/* ------------------------------------------------ the gnuplot scripts
 * What each figure draws, read from the script the recipe's figure
 * produces (no gnuplot needed). */

/* The figure of a result with this command, config, results and CSV text;
 * the CSV is written to dir/<name>.csv. */
static dnc_figure *figure_of_outputs(const char *command, const char *config, const char *results,
                                     const char *outputs, const char *csv)
{
    char json[8192];
    snprintf(json, sizeof json,
             "{\"tool\":\"dnncrit\",\"command\":\"%s\",\"config\":%s,\"results\":%s,"
             "\"outputs\":{\"csv\":\"fig.csv\"%s}}",
             command, config, results, outputs);
    assert_int_equal(dnc_write_text_atomic(tu_path(dir, "fig.json"), json), DNC_OK);
    assert_int_equal(dnc_write_text_atomic(tu_path(dir, "fig.csv"), csv), DNC_OK);
    cJSON *rec;
    dnc_table t;
    bool has;
    assert_int_equal(tu_load_result(dir, "fig", &rec, &t, &has), DNC_OK);
    dnc_figure *fig;
    assert_int_equal(dnc_plot_figure_for_result_in(rec, has ? &t : NULL, dir, &fig), DNC_OK);
    cJSON_Delete(rec);
    if (has)
        dnc_table_free(&t);
    return fig;
}

static dnc_figure *figure_of(const char *command, const char *config, const char *results,
                             const char *csv)
{
    return figure_of_outputs(command, config, results, "", csv);
}

static char *script_of(const dnc_figure *fig)
{
    char *s = dnc_figure_script(fig, DNC_PLOT_PNG, "/data");
    assert_non_null(s);
    return s;
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* Phase diagram over a grid that holds an exactly critical point (xi_c =
 * inf): every cell in its place, the inf cell at the top of the scale,
 * the xi_c = 100 contour and the chi_1 = 2 label, the critical line in
 * both panels. */
static void test_phase_diagram_script(void **state)
{
    (void)state;
    char csv[16384];
    size_t n = (size_t)snprintf(csv, sizeof csv, "sigma_b,sigma_w,q_star,chi_1,xi_c,rho_star,phase\n");
    double xi_max = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 9; j++) {
            double sb = 0.25 * i, sw = 0.5 + 0.25 * j, swc = 1 + 0.5 * sb;
            double chi = (sw / swc) * (sw / swc);
            double xi = j == 2 && i == 0 ? INFINITY : fabs(1 / log(chi));
            if (isfinite(xi))
                xi_max = fmax(xi_max, xi);
            n += (size_t)snprintf(csv + n, sizeof csv - n, "%g,%g,1,%.17g,%.17g,0,0\n", sb, sw,
                                  chi, xi);
        }
    dnc_figure *fig = figure_of("phase-diagram", "{\"activation\":\"tanh\"}",
                                "{\"critical_line\":[{\"sigma_b\":0,\"sigma_w\":1},"
                                "{\"sigma_b\":1,\"sigma_w\":1.5}]}",
                                csv);
    assert_int_equal(fig->npanels, 2);
    const dnc_plot_grid *g = fig->panels[1]->grid;
    assert_non_null(g);
    assert_int_equal(g->nx, 5);
    assert_int_equal(g->ny, 9);
    /* the inf cell (sigma_b = 0, sigma_w = 1) at the largest finite value */
    assert_true(g->z[2 * g->nx + 0] == xi_max);
    for (size_t i = 0; i < g->nx * g->ny; i++)
        assert_true(isfinite(g->z[i]));
    char *s = script_of(fig);
    /* cells drawn at their own coordinates: no `with image` (which drops
     * NaN cells and shifts the rest) */
    assert_null(strstr(s, "with image"));
    assert_int_equal(count(s, "with boxxyerror"), 2);
    assert_non_null(strstr(s, "'ξ_c = 100'"));
    assert_non_null(strstr(s, "'ξ_c = 10'"));
    assert_non_null(strstr(s, "'χ_1 = 2'"));
    assert_int_equal(count(s, "title 'critical line χ_1 = 1'"), 2);
    /* the legend below the frame, not on the map */
    assert_int_equal(count(s, "set key below"), 2);
    free(s);
    dnc_figure_free(fig);
}

/* A non-negative quantity's axis starts at 0, a signed one's gets a margin
 * on both sides; every legend sits below its frame. */
static void test_axis_floor_and_key(void **state)
{
    (void)state;
    dnc_figure *fig = dnc_figure_new(NULL);
    double x[3] = {1, 2, 3}, pos[3] = {0.01, 0.5, 1}, sgn[3] = {-1, 0.5, 1};
    dnc_plot_panel *p = dnc_figure_add_panel(fig, "non-negative", "x", "y");
    assert_int_equal(dnc_panel_add_series(p, "a", DNC_STYLE_LINES, x, pos, NULL, 3), DNC_OK);
    p->key = strdup("top left");
    dnc_plot_panel *q = dnc_figure_add_panel(fig, "signed", "x", "y");
    assert_int_equal(dnc_panel_add_series(q, "b", DNC_STYLE_LINES, x, sgn, NULL, 3), DNC_OK);
    q->key = strdup("bottom center horizontal maxrows 2");
    char *s = script_of(fig);
    assert_int_equal(count(s, "set yrange [0:*]"), 1);
    assert_int_equal(count(s, "graph 0.06, graph 0.06"), 1);
    assert_null(strstr(s, "set key top"));
    assert_non_null(strstr(s, "set key below center noopaque nobox height 0.6\n"));
    assert_non_null(strstr(s, "set key below center noopaque nobox height 0.6 horizontal maxrows 2\n"));
    free(s);
    dnc_figure_free(fig);
}

/* A sweep over the activation (text), sigma_w and the width: one curve per
 * (activation, width), never tanh and relu averaged together; the seeds
 * are averaged (error bars). */
static void test_sweep_groups_every_varying_parameter(void **state)
{
    (void)state;
    char csv[8192];
    size_t n = (size_t)snprintf(csv, sizeof csv, "index,activation,sigma_w,width,seed,rho_L\n");
    static const char *const acts[] = {"tanh", "relu"};
    int idx = 0;
    for (int a = 0; a < 2; a++)
        for (int w = 0; w < 3; w++)
            for (int k = 0; k < 2; k++)
                for (int seed = 1; seed <= 2; seed++)
                    n += (size_t)snprintf(csv + n, sizeof csv - n, "%d,%s,%g,%d,%d,%g\n", idx++,
                                          acts[a], 0.8 + 0.4 * w, 16 << k, seed,
                                          a ? 0.01 * (w + 1) : 0.5 + 0.1 * w + 0.01 * seed);
    dnc_figure *fig = figure_of("sweep", "{\"parameters\":{\"activation\":[\"tanh\",\"relu\"],"
                                         "\"sigma_w\":[0.8,1.2,1.6],\"width\":[16,32],"
                                         "\"seed\":[1,2],\"lyapunov\":true}}",
                                "{}", csv);
    assert_int_equal(fig->npanels, 1);
    const dnc_plot_panel *p = fig->panels[0];
    static const char *const want[] = {"activation = tanh, N = 16", "activation = tanh, N = 32",
                                       "activation = relu, N = 16", "activation = relu, N = 32"};
    size_t titled = 0;
    for (size_t i = 0; i < p->nseries; i++) {
        if (!p->series[i].label)
            continue;
        assert_string_equal(p->series[i].label, want[titled]);
        titled++;
        /* three sigma_w, each the mean of two seeds of ONE activation */
        assert_int_equal(p->series[i].n, 3);
        if (strstr(p->series[i].label, "relu"))
            assert_true(p->series[i].y[2] == 0.03);
    }
    assert_int_equal(titled, 4);
    free(script_of(fig));
    dnc_figure_free(fig);
}

/* Avalanches: the crackling panel shows the fit window and the line the
 * crackling relation predicts; the shape collapse draws at most six
 * durations, each in its own colour, and keeps its legend off the curves. */
static void test_avalanche_crackling_and_shapes(void **state)
{
    (void)state;
    /* <S>(T) = T^1.5 exactly; gamma_fit over [4, 16]; predicted 1.8 */
    char sd[4096];
    size_t n = (size_t)snprintf(sd, sizeof sd, "T,count,mean_S,sem_S,fit,in_fit\n");
    for (int T = 1; T <= 32; T *= 2)
        n += (size_t)snprintf(sd + n, sizeof sd - n, "%d,10,%.17g,0.1,%.17g,%d\n", T,
                              pow(T, 1.5), pow(T, 1.5), T >= 4 && T <= 16);
    assert_int_equal(dnc_write_text_atomic(tu_path(dir, "fig_sizedur.csv"), sd), DNC_OK);
    char sh[8192];
    n = (size_t)snprintf(sh, sizeof sh, "t_over_T,shape");
    for (int d = 0; d < 10; d++)
        n += (size_t)snprintf(sh + n, sizeof sh - n, ",T%d", 10 + d);
    for (int g = 0; g < 5; g++) {
        n += (size_t)snprintf(sh + n, sizeof sh - n, "\n%g,%g", 0.1 + 0.2 * g, 0.5);
        for (int d = 0; d < 10; d++)
            n += (size_t)snprintf(sh + n, sizeof sh - n, ",%g", 0.5 + 0.01 * d);
    }
    snprintf(sh + n, sizeof sh - n, "\n");
    assert_int_equal(dnc_write_text_atomic(tu_path(dir, "fig_shape.csv"), sh), DNC_OK);
    dnc_figure *fig = figure_of_outputs(
        "raster", "{}",
        "{\"gamma\":{\"value\":1.5,\"error\":0.1},\"gamma_fit\":{\"tmin\":4,\"tmax\":16},"
        "\"crackling\":{\"predicted_gamma\":{\"value\":1.8,\"error\":0.2}}}",
        ",\"sizedur_csv\":\"fig_sizedur.csv\",\"shape_csv\":\"fig_shape.csv\"",
        "index,start,size,duration\n0,0,1,1\n");
    const dnc_plot_panel *crack = NULL, *shape = NULL;
    for (size_t i = 0; i < fig->npanels; i++) {
        if (strcmp(fig->panels[i]->title, "crackling noise") == 0)
            crack = fig->panels[i];
        if (strcmp(fig->panels[i]->title, "avalanche shape collapse") == 0)
            shape = fig->panels[i];
    }
    assert_non_null(crack);
    assert_non_null(shape);
    /* the fit window: vertical lines at T = 4 and 16 */
    assert_int_equal(crack->nrefs, 2);
    assert_true(crack->refs[0].vertical && crack->refs[0].at == 4);
    assert_string_equal(crack->refs[0].label, "fit window");
    assert_true(crack->refs[1].vertical && crack->refs[1].at == 16);
    /* the predicted line: slope 1.8 on log-log axes, through the fit at
     * T_c = sqrt(4 * 16) = 8 */
    const dnc_plot_series *pred = NULL;
    for (size_t k = 0; k < crack->nseries; k++)
        if (crack->series[k].label && strstr(crack->series[k].label, "predicted"))
            pred = &crack->series[k];
    assert_non_null(pred);
    for (size_t i = 0; i < pred->n; i++) {
        /* relative 1e-12: a few roundings of pow */
        double want = pow(8, 1.5) * pow(pred->x[i] / 8, 1.8);
        assert_true(fabs(pred->y[i] / want - 1) < 1e-12);
    }
    /* six durations in six colours, the mean shape apart */
    size_t curves = 0;
    int seen[16] = {0};
    for (size_t k = 0; k < shape->nseries; k++) {
        const dnc_plot_series *s = &shape->series[k];
        if (!s->label || strcmp(s->label, "mean shape") == 0)
            continue;
        curves++;
        assert_true(s->color >= 1 && s->color < 16);
        assert_int_equal(seen[s->color]++, 0);
    }
    assert_int_equal(curves, 6);
    char *s = script_of(fig);
    assert_non_null(strstr(s, "'T = 10'"));
    assert_non_null(strstr(s, "'T = 19'"));
    free(s);
    dnc_figure_free(fig);
}

/* advise: its own figure (not the generic one): xi_c against sigma_w with
 * the trainable window's edges, L / factor and sigma_w*, chi_1 with its
 * critical value, the susceptibility scan with its peak. */
static void test_advise_script(void **state)
{
    (void)state;
    dnc_figure *fig = figure_of(
        "advise", "{\"activation\":\"tanh\"}",
        "{\"critical_init\":{\"sigma_w\":1.4},"
        "\"trainable_depth\":{\"depth\":30,\"factor\":6,\"sigma_w_lo\":1.1,\"sigma_w_hi\":2.5},"
        "\"susceptibility_init\":{\"sigma_w\":{\"value\":1.7,\"error\":0.07},"
        "\"scan\":[{\"sigma_w\":1.2,\"chi\":0.1},{\"sigma_w\":1.7,\"chi\":2},"
        "{\"sigma_w\":2.2,\"chi\":1}]}}",
        "sigma_w,chi_1,xi_c,trainable\n0.7,0.39,1.06,0\n1.35,0.97,36.8,1\n2.8,1.74,4.6,0\n");
    assert_non_null(strstr(fig->title, "initialisation advice"));
    assert_int_equal(fig->npanels, 3);
    const dnc_plot_panel *xi = fig->panels[0], *chi = fig->panels[1], *su = fig->panels[2];
    /* window edges, sigma_w* (vertical); L / 6 = 5 (horizontal) */
    double want_v[] = {1.1, 2.5, 1.4};
    size_t nv = 0, nh = 0;
    for (size_t i = 0; i < xi->nrefs; i++) {
        if (xi->refs[i].vertical)
            assert_true(nv < 3 && xi->refs[i].at == want_v[nv++]);
        else
            assert_true(xi->refs[i].at == 5 && nh++ == 0);
    }
    assert_int_equal(nv, 3);
    assert_int_equal(nh, 1);
    char *s = script_of(fig);
    assert_non_null(strstr(s, "title 'trainable'"));
    assert_non_null(strstr(s, "title 'too deep'"));
    assert_non_null(strstr(s, "'L / 6 = 5'"));
    assert_non_null(strstr(s, "'peak 1.7 ± 0.07'"));
    free(s);
    assert_true(chi->nrefs == 2 && !chi->refs[0].vertical && chi->refs[0].at == 1);
    assert_int_equal(su->series[0].n, 3);
    dnc_figure_free(fig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase_diagram_script),
        cmocka_unit_test(test_axis_floor_and_key),
        cmocka_unit_test(test_sweep_groups_every_varying_parameter),
        cmocka_unit_test(test_avalanche_crackling_and_shapes),
        cmocka_unit_test(test_advise_script),
        cmocka_unit_test(test_scaling_recipes),
        cmocka_unit_test(test_meanfield_and_propagation_recipes),
        cmocka_unit_test(test_avalanche_recipes),
        cmocka_unit_test(test_training_and_sweep_recipes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
