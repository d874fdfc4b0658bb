/* plot: figure rendering (checked by parsing the images), the CSV table
 * reader, result recipes, dnncrit plot / report, atomic outputs. */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"
#include "dnncrit/plot.h"
#include "dnncrit/report.h"
#include "testutil.h"

/* ------------------------------------------------ image validators */

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = b ? fread(b, 1, (size_t)len, fp) : 0;
    if (b)
        b[*n] = 0;
    fclose(fp);
    return b;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* PNG: signature, IHDR first with the size, IEND last. */
static void assert_png(const char *path, int w, int h)
{
    size_t n;
    unsigned char *b = read_bytes(path, &n);
    assert_non_null(b);
    assert_true(n > 33 + 12);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_memory_equal(b, sig, 8);
    assert_int_equal(be32(b + 8), 13);
    assert_memory_equal(b + 12, "IHDR", 4);
    assert_int_equal(be32(b + 16), (uint32_t)w);
    assert_int_equal(be32(b + 20), (uint32_t)h);
    assert_memory_equal(b + n - 8, "IEND", 4);
    free(b);
}

/* SVG: an XML document whose root <svg> carries width and height. */
static void assert_svg(const char *path, int w, int h)
{
    size_t n;
    char *s = (char *)read_bytes(path, &n);
    assert_non_null(s);
    assert_true(strncmp(s, "<?xml", 5) == 0);
    char *root = strstr(s, "<svg");
    assert_non_null(root);
    int sw = 0, sh = 0;
    char *wa = strstr(root, "width=\""), *ha = strstr(root, "height=\"");
    assert_non_null(wa);
    assert_non_null(ha);
    sw = atoi(wa + 7);
    sh = atoi(ha + 8);
    assert_int_equal(sw, w);
    assert_int_equal(sh, h);
    assert_non_null(strstr(s, "</svg>"));
    free(s);
}

/* PDF: header, "%%EOF" trailer after startxref, page size in points. */
static void assert_pdf(const char *path, int w, int h)
{
    size_t n;
    unsigned char *b = read_bytes(path, &n);
    assert_non_null(b);
    assert_true(n > 64);
    assert_memory_equal(b, "%PDF-1.", 7);
    const char *tail = (const char *)b + n - 32;
    assert_non_null(strstr(tail, "%%EOF"));
    assert_non_null(strstr(tail - 32, "startxref"));
    const char *mb = NULL;
    for (size_t i = 0; i + 9 < n && !mb; i++)
        if (memcmp(b + i, "/MediaBox", 9) == 0)
            mb = (const char *)b + i;
    assert_non_null(mb);
    double x0, y0, x1, y1;
    assert_int_equal(sscanf(mb, "/MediaBox [ %lf %lf %lf %lf", &x0, &y0, &x1, &y1), 4);
    /* the figure is w/100 x h/100 inches; cairo rounds to whole points */
    assert_true(fabs(x1 - w * 0.72) <= 1.0);
    assert_true(fabs(y1 - h * 0.72) <= 1.0);
    free(b);
}

static void assert_image(const char *path, dnc_plot_format fmt, int w, int h)
{
    switch (fmt) {
    case DNC_PLOT_PNG: assert_png(path, w, h); break;
    case DNC_PLOT_SVG: assert_svg(path, w, h); break;
    case DNC_PLOT_PDF: assert_pdf(path, w, h); break;
    }
}

static bool need_gnuplot(void)
{
    if (dnc_plot_available())
        return true;
    fprintf(stderr, "gnuplot not installed: skipping\n");
    return false;
}

/* A fresh directory for a test that draws with gnuplot; without gnuplot
 * the test is skipped (cmocka's skip() leaves the test, it never returns). */
static char *gnuplot_test_dir(void)
{
    if (!need_gnuplot())
        skip();
    return tu_tmpdir();
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(dnc_write_text_atomic(path, text), DNC_OK);
}

/* ------------------------------------------------ small results */

/* Writes DIR/NAME.json (command, config, results) and DIR/NAME.csv. */
static void write_result(const char *dir, const char *name, const char *command,
                         const char *config_json, const char *results_json, const char *csv)
{
    char path[4096], text[8192];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    write_text(path, csv);
    snprintf(text, sizeof text,
             "{\"tool\":\"dnncrit\",\"version\":\"test\",\"command\":\"%s\",\"argv\":[\"%s\"],"
             "\"config\":%s,\"results\":%s,\"outputs\":{\"csv\":\"%s.csv\"}}\n",
             command, command, config_json, results_json, name);
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    write_text(path, text);
}

static char *csv_rho(void)
{
    static char buf[16384];
    size_t n = (size_t)snprintf(buf, sizeof buf, "layer,q,c,rho,rho_err,rho_mf,lyap\n");
    for (int l = 1; l <= 60; l++) {
        double mf = 1.0 / (0.4 * l + 2);
        double rho = mf * (1 + 0.03 * sin(l));
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%d,%.6g,%.6g,%.6g,%.3g,%.6g,%.4g\n", l,
                              0.5 + 0.01 * cos(l), 1 - rho, rho, 0.05 * rho, mf, -0.01 * sin(l));
    }
    return buf;
}

static char *csv_grid(void)
{
    static char buf[65536];
    size_t n = (size_t)snprintf(buf, sizeof buf, "sigma_b,sigma_w,q_star,chi_1,xi_c,sigma_w_crit\n");
    for (int i = 0; i <= 10; i++)
        for (int j = 0; j <= 12; j++) {
            double sb = 0.1 * i, sw = 0.5 + 0.1 * j, swc = 1 + 0.8 * sb * sb;
            double chi = (sw / swc) * (sw / swc);
            double xi = fabs(log(chi)) > 1e-3 ? fabs(1 / log(chi)) : 1e3;
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%g,%g,%g,%g,%g,%g\n", sb, sw, sb + sw,
                                  chi, xi, swc);
        }
    return buf;
}

/* The figure size the recipe gives dir/name.json. */
static void recipe_size(const char *dir, const char *name, int *w, int *h)
{
    cJSON *rec;
    dnc_table t;
    bool has;
    assert_int_equal(tu_load_result(dir, name, &rec, &t, &has), DNC_OK);
    dnc_figure *fig;
    assert_int_equal(dnc_plot_figure_for_result(rec, &t, &fig), DNC_OK);
    dnc_figure_size(fig, w, h);
    dnc_figure_free(fig);
    cJSON_Delete(rec);
    dnc_table_free(&t);
}

/* Renders DIR/NAME.json in every format and checks each image. */
static void check_recipe(const char *dir, const char *name)
{
    char json[4096], out[4096];
    snprintf(json, sizeof json, "%s/%s.json", dir, name);
    cJSON *rec;
    dnc_table t;
    bool has;
    assert_int_equal(dnc_plot_load_result(json, &rec, &t, &has), DNC_OK);
    dnc_figure *fig;
    assert_int_equal(dnc_plot_figure_for_result(rec, has ? &t : NULL, &fig), DNC_OK);
    assert_true(fig->npanels >= 1);
    int w, h;
    dnc_figure_size(fig, &w, &h);
    dnc_figure_free(fig);
    cJSON_Delete(rec);
    dnc_table_free(&t);
    for (int f = 0; f < 3; f++) {
        snprintf(out, sizeof out, "%s/%s.%s", dir, name, dnc_plot_format_ext((dnc_plot_format)f));
        dnc_status st = dnc_plot_result(json, out, (dnc_plot_format)f);
        if (st)
            fprintf(stderr, "%s: %s\n", name, dnc_last_error());
        assert_int_equal(st, DNC_OK);
        assert_image(out, (dnc_plot_format)f, w, h);
    }
}

static void test_recipes_render_valid_images(void **state)
{
    (void)state;
    char *dir = gnuplot_test_dir();
    write_result(dir, "prop", "propagate",
                 "{\"activation\":\"tanh\",\"sigma_w\":1.1,\"sigma_b\":0.3,\"width\":64}",
                 "{\"kappa\":{\"value\":0.4,\"error\":0.01}}", csv_rho());
    check_recipe(dir, "prop");
    write_result(dir, "pd", "phase-diagram", "{\"activation\":\"tanh\"}", "{}", csv_grid());
    check_recipe(dir, "pd");
    /* an unknown command gets the generic recipe */
    write_result(dir, "other", "no-such-command", "{}", "{}", "x,y,y_err,z\n1,2,0.1,3\n2,4,0.2,5\n");
    check_recipe(dir, "other");
    tu_rmtree_free(dir);
}

/* --------------------------------------------- figure API directly */

static void test_figure_api_panels_and_sizes(void **state)
{
    (void)state;
    char *dir = gnuplot_test_dir();
    dnc_figure *fig = dnc_figure_new("four panels");
    double x[5] = {1, 2, 4, 8, 16}, y[5] = {1, 0.5, 0.25, 0.125, 0.0625};
    double e[5] = {0.1, 0.05, 0.02, 0.01, 0.01};
    for (int i = 0; i < 4; i++) {
        dnc_plot_panel *p = dnc_figure_add_panel(fig, "panel", "layer ℓ", "ρ");
        assert_non_null(p);
        p->logx = p->logy = i % 2 == 0;
        assert_int_equal(dnc_panel_add_series(p, "data", DNC_STYLE_ERRORBARS, x, y, e, 5), DNC_OK);
        assert_int_equal(dnc_panel_add_series(p, "fit", DNC_STYLE_DASHED, x, y, NULL, 5), DNC_OK);
    }
    int w, h;
    dnc_figure_size(fig, &w, &h);
    assert_int_equal(w, 2 * 760); /* 2 x 2 layout */
    assert_true(h > 2 * 560);     /* plus the title band */
    const char *out = tu_path(dir, "four.png");
    assert_int_equal(dnc_figure_render(fig, out, DNC_PLOT_PNG), DNC_OK);
    assert_png(out, w, h);
    dnc_figure_free(fig);

    /* a panel with nothing drawable on a log axis still renders */
    fig = dnc_figure_new(NULL);
    dnc_plot_panel *p = dnc_figure_add_panel(fig, "empty", "x", "y");
    p->logy = true;
    double neg[2] = {-1, 0};
    assert_int_equal(dnc_panel_add_series(p, "neg", DNC_STYLE_LINES, x, neg, NULL, 2), DNC_OK);
    out = tu_path(dir, "empty.svg");
    assert_int_equal(dnc_figure_render(fig, out, DNC_PLOT_SVG), DNC_OK);
    dnc_figure_size(fig, &w, &h);
    assert_svg(out, w, h);
    dnc_figure_free(fig);
    tu_rmtree_free(dir);
}

/* Labels are data, never gnuplot commands: a label that tries to close
 * the string and run a shell command must end up as text. */
/* Panels with nothing to draw (no points, only NaN, only values <= 0 on a
 * log axis) are dropped from a figure that has others; a figure with no
 * data at all keeps its frames. */
static void test_drop_empty_panels(void **state)
{
    (void)state;
    double x[2] = {1, 2}, y[2] = {1, 2}, nan2[2] = {NAN, NAN}, neg[2] = {-1, 0};
    dnc_figure *fig = dnc_figure_new(NULL);
    dnc_plot_panel *empty = dnc_figure_add_panel(fig, "empty", "x", "y");
    dnc_plot_panel *nans = dnc_figure_add_panel(fig, "nan", "x", "y");
    assert_int_equal(dnc_panel_add_series(nans, NULL, DNC_STYLE_LINES, x, nan2, NULL, 2), DNC_OK);
    dnc_plot_panel *logneg = dnc_figure_add_panel(fig, "log", "x", "y");
    logneg->logy = true;
    assert_int_equal(dnc_panel_add_series(logneg, NULL, DNC_STYLE_LINES, x, neg, NULL, 2), DNC_OK);
    assert_false(dnc_panel_has_data(empty) || dnc_panel_has_data(nans) ||
                 dnc_panel_has_data(logneg));
    dnc_figure_drop_empty_panels(fig);
    assert_int_equal(fig->npanels, 3); /* nothing anywhere: the frames stay */
    dnc_plot_panel *data = dnc_figure_add_panel(fig, "data", "x", "y");
    assert_int_equal(dnc_panel_add_series(data, NULL, DNC_STYLE_LINES, x, y, NULL, 2), DNC_OK);
    dnc_figure_drop_empty_panels(fig);
    assert_int_equal(fig->npanels, 1);
    assert_string_equal(fig->panels[0]->title, "data");
    dnc_figure_free(fig);
}

static void test_labels_cannot_inject(void **state)
{
    (void)state;
    char *dir = gnuplot_test_dir();
    char marker[4096], label[8192];
    snprintf(marker, sizeof marker, "%s/pwned", dir);
    snprintf(label, sizeof label, "x'\nsystem('touch %s')\n'", marker);
    dnc_figure *fig = dnc_figure_new(label);
    dnc_plot_panel *p = dnc_figure_add_panel(fig, label, label, label);
    double x[2] = {0, 1};
    assert_int_equal(dnc_panel_add_series(p, label, DNC_STYLE_LINES, x, x, NULL, 2), DNC_OK);
    char *script = dnc_figure_script(fig, DNC_PLOT_PNG, "/tmp/d");
    assert_non_null(script);
    assert_null(strstr(script, "\nsystem("));
    free(script);
    assert_int_equal(dnc_figure_render(fig, tu_path(dir, "x.png"), DNC_PLOT_PNG), DNC_OK);
    assert_false(tu_exists(marker));
    dnc_figure_free(fig);
    /* doubled quotes, which gnuplot's tokenizer mishandles, on one line */
    snprintf(label, sizeof label, "x''''; system('touch %s'); print '''", marker);
    fig = dnc_figure_new(label);
    p = dnc_figure_add_panel(fig, label, label, label);
    assert_int_equal(dnc_panel_add_series(p, label, DNC_STYLE_LINES, x, x, NULL, 2), DNC_OK);
    assert_int_equal(dnc_panel_add_refline(p, true, 0.5, label), DNC_OK);
    assert_int_equal(dnc_figure_render(fig, tu_path(dir, "y.png"), DNC_PLOT_PNG), DNC_OK);
    assert_false(tu_exists(marker));
    dnc_figure_free(fig);
    char *esc = dnc_plot_escape("a_b^c{d}@e&f~g\\h\n");
    assert_string_equal(esc, "a\\_b\\^c\\{d\\}\\@e\\&f\\~g\\\\h");
    free(esc);
    tu_rmtree_free(dir);
}

static void test_missing_or_failing_gnuplot(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    dnc_figure *fig = dnc_figure_new("t");
    dnc_plot_panel *p = dnc_figure_add_panel(fig, NULL, "x", "y");
    double x[2] = {0, 1};
    assert_int_equal(dnc_panel_add_series(p, "a", DNC_STYLE_LINES, x, x, NULL, 2), DNC_OK);
    const char *out = tu_path(dir, "f.png");
    char outc[4096];
    snprintf(outc, sizeof outc, "%s", out);

    setenv("DNNCRIT_GNUPLOT", "/nonexistent/gnuplot", 1);
    assert_int_equal(dnc_figure_render(fig, outc, DNC_PLOT_PNG), DNC_EUNSUPPORTED);
    assert_non_null(strstr(dnc_last_error(), "DNNCRIT_GNUPLOT"));
    unsetenv("DNNCRIT_GNUPLOT");

    char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", dir, 1);
    assert_int_equal(dnc_figure_render(fig, outc, DNC_PLOT_PNG), DNC_EUNSUPPORTED);
    assert_non_null(strstr(dnc_last_error(), "gnuplot-nox"));
    if (path)
        setenv("PATH", path, 1);
    free(path);

    /* a gnuplot that fails: clear error, nothing left behind */
    setenv("DNNCRIT_GNUPLOT", "/bin/false", 1);
    assert_int_not_equal(dnc_figure_render(fig, outc, DNC_PLOT_PNG), DNC_OK);
    assert_non_null(strstr(dnc_last_error(), "gnuplot"));
    unsetenv("DNNCRIT_GNUPLOT");
    assert_int_equal(tu_count_entries(dir), 0);
    dnc_figure_free(fig);
    tu_rmtree_free(dir);
}

/* --------------------------------------------------------- tables */

static void test_table_parse(void **state)
{
    (void)state;
    dnc_table t;
    const dnc_table_opts *ro = &dnc_result_table_opts;
    const char *good = "# comment\nlayer, rho ,name,rho_err\r\n1,0.5,tanh,0.1\n\n2,nan,\"relu\",0.2\n";
    assert_int_equal(dnc_table_parse(good, strlen(good), "g.csv", ro, &t), DNC_OK);
    assert_int_equal(t.ncols, 4);
    assert_int_equal(t.nrows, 2);
    assert_int_equal(dnc_table_col(&t, "rho"), 1);
    assert_int_equal(dnc_table_err_col(&t, 1), 3);
    assert_int_equal(dnc_table_err_col(&t, 0), -1);
    assert_true(isnan(t.v[1 * 4 + 1]));
    assert_float_equal(t.v[0 * 4 + 1], 0.5, 0);
    assert_null(dnc_table_text(&t, 0, 1));
    assert_string_equal(dnc_table_text(&t, 1, 2), "relu");
    dnc_table_free(&t);

    const char *ragged = "a,b\n1,2\n3\n";
    assert_int_equal(dnc_table_parse(ragged, strlen(ragged), "r.csv", ro, &t), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "r.csv:3"));
    assert_int_equal(dnc_table_parse("", 0, "e.csv", ro, &t), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "empty"));
    const char nul[] = "a,b\n1,\0002\n";
    assert_int_equal(dnc_table_parse(nul, sizeof nul - 1, "n.csv", ro, &t), DNC_EINVAL);
    assert_int_equal(dnc_table_parse("a,,b\n", 5, "h.csv", ro, &t), DNC_EINVAL);
    const char *dperr = "t,rho,err\n1,0.5,0.01\n";
    assert_int_equal(dnc_table_parse(dperr, strlen(dperr), "d.csv", ro, &t), DNC_OK);
    assert_int_equal(dnc_table_err_col(&t, 1), 2);
    dnc_table_free(&t);
}

static void test_base64(void **state)
{
    (void)state;
    /* RFC 4648 section 10 test vectors */
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *b = dnc_base64((const unsigned char *)in[i], strlen(in[i]));
        assert_string_equal(b, want[i]);
        free(b);
    }
}

/* ------------------------------------------------------------- CLI */

static void test_cli_plot_and_errors(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "plot nothere.json"), 1);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "nothere.json"));
    free(err);
    assert_int_equal(tu_run_cli(dir, "plot x.json --format gif"), 2);
    write_text(tu_path(dir, "bad.json"), "{\"command\": 3}");
    assert_int_equal(tu_run_cli(dir, "plot bad.json"), 1);
    write_text(tu_path(dir, "trav.json"),
               "{\"tool\":\"dnncrit\",\"command\":\"x\",\"outputs\":{\"csv\":\"../../etc/passwd\"}}");
    assert_int_equal(tu_run_cli(dir, "plot trav.json"), 1);
    write_result(dir, "ragged", "propagate", "{}", "{}", "layer,rho\n1,0.5\n2\n");
    assert_int_equal(tu_run_cli(dir, "plot ragged.json"), 1);
    err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "ragged.csv:3"));
    free(err);
    /* a damaged cell in a column of numbers, a header of none of the
     * kind's columns: errors naming the file and the problem, not an
     * empty figure */
    write_result(dir, "cell", "propagate", "{}", "{}", "layer,rho\n1,0.5\n2,0.4x\n");
    assert_int_equal(tu_run_cli(dir, "plot cell.json"), 1);
    err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "cell.csv"));
    assert_non_null(strstr(err, "data row 2, column 'rho': '0.4x' is not a number"));
    free(err);
    write_result(dir, "junk", "phase-diagram", "{}", "{}", "garbage text\nmore garbage\n");
    assert_int_equal(tu_run_cli(dir, "plot junk.json"), 1);
    err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "junk.csv': corrupt CSV: none of the columns of a phase diagram"));
    free(err);
    /* the same for another CSV a record names (raster: the size pdf) */
    assert_int_equal(tu_run_cli(dir, "raster --simulate --avalanches 500 --out rs --quiet"), 0);
    FILE *pdf = fopen(tu_path(dir, "rs_sizes_pdf.csv"), "a");
    assert_non_null(pdf);
    fputs("1,2,3,4,5\n", pdf);
    fclose(pdf);
    assert_int_equal(tu_run_cli(dir, "plot rs.json"), 1);
    err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(strstr(err, "rs_sizes_pdf.csv"));
    free(err);
    assert_false(tu_exists(tu_path(dir, "rs.png")));
    /* failures leave no figure behind */
    assert_false(tu_exists(tu_path(dir, "cell.png")));
    assert_false(tu_exists(tu_path(dir, "junk.png")));
    assert_false(tu_exists(tu_path(dir, "ragged.png")));
    assert_false(tu_exists(tu_path(dir, "bad.png")));
    if (dnc_plot_available()) {
        write_result(dir, "prop", "propagate", "{\"activation\":\"tanh\"}", "{}", csv_rho());
        assert_int_equal(tu_run_cli(dir, "plot prop.json --out fig.pdf"), 0);
        assert_true(tu_exists(tu_path(dir, "fig.pdf")));
        assert_int_equal(tu_run_cli(dir, "plot prop.json"), 0);
        assert_true(tu_exists(tu_path(dir, "prop.png")));
    }
    tu_rmtree_free(dir);
}

/* --plot on a subcommand: dp, svg */
static void test_subcommand_plot_option(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "dp --L 16 --tmax 20 --samples 2 --out d --plot gif --quiet"),
                     2);
    assert_int_equal(tu_count_entries(dir), 2); /* bad format: nothing run, nothing written */
    if (dnc_plot_available()) {
        assert_int_equal(
            tu_run_cli(dir, "dp --L 16 --tmax 20 --samples 2 --out d --plot svg --quiet"), 0);
        int w, h;
        recipe_size(dir, "d", &w, &h);
        assert_svg(tu_path(dir, "d.svg"), w, h);
    }
    tu_rmtree_free(dir);
}

/* --plot png on other subcommands: a valid PNG next to PREFIX.json; a bad
 * format runs nothing; a failing plot exits 1 but keeps the results. */
static void test_more_subcommands_plot_png(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "classify --delta 0.45,0.01 --out cl --plot gif"), 2);
    assert_int_equal(tu_count_entries(dir), 2); /* as in test_subcommand_plot_option */
    if (dnc_plot_available()) {
        static const char *const runs[][2] = {
            {"classify --delta 0.45,0.01 --z 1.9,0.1 --out cl --plot png", "cl"},
            {"critical --activation tanh --sigma-b 0:0.5:3 --out cr --plot png", "cr"},
            {"propagate --width 16 --depth 4 --quiet --out pr --plot png", "pr"},
        };
        for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
            assert_int_equal(tu_run_cli(dir, "%s", runs[i][0]), 0);
            int w, h;
            recipe_size(dir, runs[i][1], &w, &h);
            char png[64];
            snprintf(png, sizeof png, "%s.png", runs[i][1]);
            assert_png(tu_path(dir, png), w, h);
        }
    }
    setenv("DNNCRIT_GNUPLOT", "/bin/false", 1);
    assert_int_equal(tu_run_cli(dir, "critical --activation tanh --sigma-b 0,0.2 --out bad "
                                     "--plot png"),
                     1);
    unsetenv("DNNCRIT_GNUPLOT");
    assert_true(tu_exists(tu_path(dir, "bad.json")));
    assert_true(tu_exists(tu_path(dir, "bad.csv")));
    assert_false(tu_exists(tu_path(dir, "bad.png")));
    tu_rmtree_free(dir);
}

static void test_report_self_contained(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "report ."), 1); /* nothing to report */
    assert_int_equal(tu_count_entries(dir), 2);      /* stdout, stderr only */
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/points", dir);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
    assert_int_equal(system(cmd), 0);
    write_result(dir, "prop", "propagate",
                 "{\"activation\":\"tanh\",\"note\":\"<script>alert(1)</script>\"}",
                 "{\"kappa\":{\"value\":0.4,\"error\":0.01}}", csv_rho());
    write_result(sub, "pd", "phase-diagram", "{\"activation\":\"tanh\"}", "{}", csv_grid());
    write_text(tu_path(dir, "garbage.json"), "{not json");
    assert_int_equal(tu_run_cli(dir, "report . --out r.html"), 0);
    char *html = tu_read(tu_path(dir, "r.html"));
    assert_non_null(html);
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_non_null(strstr(html, "</html>"));
    assert_non_null(strstr(html, "0.4 ± 0.01"));
    assert_non_null(strstr(html, "phase-diagram"));
    assert_non_null(strstr(html, "skipped"));
    assert_null(strstr(html, "<script>")); /* escaped */
    /* self-contained: no external references */
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_null(strstr(html, "src=\"/"));
    if (dnc_plot_available()) {
        size_t figs = 0;
        for (const char *p = html; (p = strstr(p, "data:image/png;base64,iVBORw0KGgo")); p++)
            figs++;
        assert_int_equal(figs, 2);
    }
    free(html);
    tu_rmtree_free(dir);
}

/* ---------------------------------------------- interrupted output */

/* A writer killed mid-way (SIGKILL, no chance to clean up) must leave no
 * file under the final name: only its temporary, which no reader takes
 * for a complete CSV. */
/* report: contents and a summary table at the top (one row per run, with
 * its key parameters and results), no empty figures, and a record whose
 * CSV is missing listed with a note instead of dropped. */
static void test_report_contents_summary_and_missing_csv(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    write_result(dir, "gone", "propagate", "{\"activation\":\"relu\",\"width\":64}", "{}",
                 csv_rho());
    unlink(tu_path(dir, "gone.csv"));
    /* only a record whose CSV is missing: still a report, not "no results" */
    assert_int_equal(tu_run_cli(dir, "report . --out only.html"), 0);
    char *html = tu_read(tu_path(dir, "only.html"));
    assert_non_null(html);
    assert_non_null(strstr(html, "CSV missing: gone.csv"));
    free(html);
    write_result(dir, "prop", "propagate", "{\"activation\":\"tanh\",\"sigma_w\":1.1}",
                 "{\"final_rho\":{\"value\":0.4,\"error\":0.01}}", csv_rho());
    write_result(dir, "empty", "propagate", "{\"activation\":\"tanh\"}", "{}",
                 "layer,q,c,rho\n");
    assert_int_equal(tu_run_cli(dir, "report . --out r.html"), 0);
    char *out = tu_read(tu_path(dir, "stdout"));
    assert_non_null(strstr(out, "(3 results"));
    free(out);
    html = tu_read(tu_path(dir, "r.html"));
    assert_non_null(html);
    const char *contents = strstr(html, "id=\"contents\"");
    const char *summary = strstr(html, "id=\"summary\"");
    const char *first = strstr(html, "<h2 id=\"r");
    assert_true(contents && summary && first && contents < summary && summary < first);
    /* one row per run, linked to its section, in the summary */
    const char *row = strstr(summary, "<tr><td><a href=\"#r");
    size_t rows = 0;
    for (; row && row < first; row = strstr(row + 1, "<tr><td><a href=\"#r"))
        rows++;
    assert_int_equal(rows, 3);
    assert_non_null(strstr(summary, "activation = tanh, sigma_w = 1.1"));
    assert_non_null(strstr(summary, "final_rho = 0.4 ± 0.01"));
    assert_non_null(strstr(summary, "CSV missing: gone.csv"));
    if (dnc_plot_available()) {
        /* prop has a figure; empty (no rows) and gone (no CSV) none */
        size_t figs = 0;
        for (const char *p = html; (p = strstr(p, "data:image/png;base64,")); p++)
            figs++;
        assert_int_equal(figs, 1);
        assert_non_null(strstr(html, "no figure: the result has no data to plot"));
    }
    free(html);
    tu_rmtree_free(dir);
}

static void test_sigkill_leaves_no_truncated_csv(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dnc_afile f;
        if (dnc_afile_open(&f, path))
            _exit(1);
        fputs("layer,rho\n", f.fp);
        for (int i = 0; i < 1000; i++)
            fprintf(f.fp, "%d,%g\n", i, 1.0 / (i + 1));
        fflush(f.fp);
        if (write(pipefd[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            pause(); /* "still computing" when the kill arrives */
    }
    char c;
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    close(pipefd[0]);
    close(pipefd[1]);
    assert_false(tu_exists(path));
    assert_int_equal(tu_count_entries(dir), 1); /* the .tmp.PID file */
    tu_rmtree_free(dir);
}

/* The same through the CLI: dnncrit report killed while it renders. */
static void test_sigkill_cli_report(void **state)
{
    (void)state;
    char *dir = gnuplot_test_dir();
    for (int i = 0; i < 12; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%02d", i);
        write_result(dir, name, "propagate", "{}", "{}", csv_rho());
    }
    const char *bin = getenv("DNNCRIT_BIN");
    if (!bin)
        bin = "./dnncrit";
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (chdir(dir) != 0 || mkdir("tmp", 0700) != 0)
            _exit(1);
        /* its temporary figures die with the test directory */
        setenv("TMPDIR", "tmp", 1);
        freopen("/dev/null", "w", stdout);
        execl(bin, bin, "report", ".", "--out", "r.html", (char *)NULL);
        _exit(127);
    }
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) /* killed before it finished: no report */
        assert_false(tu_exists(tu_path(dir, "r.html")));
    else { /* finished first: then the report is complete */
        char *html = tu_read(tu_path(dir, "r.html"));
        assert_non_null(html);
        assert_non_null(strstr(html, "</html>"));
        free(html);
    }
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_parse),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_figure_api_panels_and_sizes),
        cmocka_unit_test(test_recipes_render_valid_images),
        cmocka_unit_test(test_drop_empty_panels),
        cmocka_unit_test(test_labels_cannot_inject),
        cmocka_unit_test(test_missing_or_failing_gnuplot),
        cmocka_unit_test(test_cli_plot_and_errors),
        cmocka_unit_test(test_subcommand_plot_option),
        cmocka_unit_test(test_more_subcommands_plot_png),
        cmocka_unit_test(test_report_self_contained),
        cmocka_unit_test(test_report_contents_summary_and_missing_csv),
        cmocka_unit_test(test_sigkill_leaves_no_truncated_csv),
        cmocka_unit_test(test_sigkill_cli_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
