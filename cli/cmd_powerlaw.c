/* dnncrit powerlaw FILE: Clauset-Shalizi-Newman power-law fit of one column
 * of numbers (a drop-in for the Python powerlaw package's Fit). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "avalanche_out.h"
#include "plot_option.h"
#include "cli.h"
#include "dnncrit/io.h"
#include "dnncrit/powerlaw.h"
#include "dnncrit/table.h"

typedef struct {
    const char *column, *out, *ccdf_rows;
    bool discrete, compare, quiet;
    double xmin, xmax;
    size_t min_tail, bootstrap, threads, exhaustive, grid;
    uint64_t seed;
} pl_args;

static dnc_pl_opts build_opts(const pl_args *a)
{
    dnc_pl_opts o = dnc_pl_opts_default();
    o.discrete = a->discrete;
    o.xmin = a->xmin;
    o.xmax = a->xmax > 0 ? a->xmax : INFINITY;
    o.min_tail = a->min_tail;
    o.exhaustive = a->exhaustive;
    o.grid = a->grid;
    return o;
}

static void add_config(cJSON *root, const pl_args *a, const char *file)
{
    cJSON *c = cJSON_AddObjectToObject(root, "config");
    cJSON_AddStringToObject(c, "file", file);
    cJSON_AddStringToObject(c, "column", a->column);
    cJSON_AddBoolToObject(c, "discrete", a->discrete);
    cJSON_AddNumberToObject(c, "xmin", a->xmin);
    cJSON_AddNumberToObject(c, "xmax", a->xmax);
    cJSON_AddNumberToObject(c, "min_tail", (double)a->min_tail);
    cJSON_AddNumberToObject(c, "exhaustive", (double)a->exhaustive);
    cJSON_AddNumberToObject(c, "grid", (double)a->grid);
    cJSON_AddNumberToObject(c, "bootstrap", (double)a->bootstrap);
    cJSON_AddBoolToObject(c, "compare", a->compare);
    cJSON_AddNumberToObject(c, "seed", (double)a->seed);
    cJSON_AddNumberToObject(c, "threads", omp_get_max_threads());
    cJSON_AddStringToObject(c, "ccdf_rows", a->ccdf_rows);
    cJSON_AddStringToObject(c, "out", a->out);
}

static void print_summary(const dnc_pl_fit *f, size_t dropped, double p,
                          const dnc_pl_compare *cmp, double secs)
{
    printf("power-law fit (%s): alpha = %.5f +- %.5f, xmin = %g%s, xmax = %g\n",
           f->discrete ? "discrete" : "continuous", f->alpha, f->alpha_err, f->xmin,
           f->xmin_fixed ? " (fixed)" : "", f->xmax);
    printf("  %zu samples, %zu in the tail, KS distance %.5f, log-likelihood %.4f\n", f->n,
           f->n_tail, f->ks, f->loglik);
    if (dropped)
        printf("  %zu samples <= 0 dropped before the fit (a power law lives on x > 0)\n",
               dropped);
    if (isfinite(p))
        printf("  goodness of fit: bootstrap p = %.3f (p <= 0.1 rejects the power law)\n", p);
    if (cmp)
        for (int a = 0; a < DNC_PL_ALT_COUNT; a++)
            printf("  vs %-22s R %+10.4f  normalised %+8.4f  p %.4g%s\n",
                   dnc_pl_alt_name((dnc_pl_alt)a), cmp[a].R, cmp[a].normalised_R, cmp[a].p,
                   cmp[a].p > 0.1 ? "  (inconclusive)" : cmp[a].R > 0 ? "  (power law preferred)"
                                                                       : "  (alternative preferred)");
    printf("  time %.3f s\n", secs);
}

static int run(const pl_args *a, size_t ccdf_rows, const char *file, int argc, char **argv)
{
    if (a->threads > 0)
        omp_set_num_threads((int)a->threads);
    double t0 = dnc_wall_time();
    dnc_pl_opts o = build_opts(a);
    double *x = NULL, *sorted = NULL, p = NAN;
    size_t n = 0;
    dnc_pl_fit f;
    dnc_pl_compare cmp[DNC_PL_ALT_COUNT];
    size_t n_read = 0, dropped = 0;
    dnc_status st = dnc_table_read_column(file, a->column, &x, &n);
    n_read = n;
    if (!st)
        st = dnc_pl_drop_nonpositive(x, &n, &dropped);
    if (!st && n == 0)
        st = dnc_fail(DNC_EINVAL, "%s: all %zu samples are <= 0: nothing to fit", file, n_read);
    double t_read = dnc_wall_time() - t0, cpu0 = (double)clock() / CLOCKS_PER_SEC;
    /* one sort, for the fit and the plot CSVs; bootstrap and comparisons
     * take the data as read */
    if (!st)
        st = dnc_pl_sorted(x, n, &o, &sorted);
    if (!st)
        st = dnc_pl_fit_sorted(sorted, n, &o, &f);
    double t_fit = dnc_wall_time() - t0 - t_read;
    double cpu_fit = (double)clock() / CLOCKS_PER_SEC - cpu0;
    if (!st && a->bootstrap)
        st = dnc_pl_bootstrap(x, n, &o, &f, a->bootstrap, a->seed, &p);
    for (int k = 0; !st && a->compare && k < DNC_PL_ALT_COUNT; k++)
        st = dnc_pl_compare_alt(x, n, &f, (dnc_pl_alt)k, &cmp[k]);
    cli_outset os = {0};
    FILE *fp;
    if (!st)
        st = cli_outset_open(&os, a->out, ".csv", &fp);
    if (!st)
        st = cli_write_ccdf_csv(fp, sorted, n, &f, ccdf_rows);
    if (!st)
        st = cli_outset_open(&os, a->out, "_pdf.csv", &fp);
    if (!st)
        st = cli_write_pdf_csv(fp, sorted, n, &f);
    if (!st) {
        cJSON *root = dnc_run_record_new("powerlaw", argc, argv);
        add_config(root, a, file);
        cJSON *res = cJSON_AddObjectToObject(root, "results");
        cJSON_AddItemToObject(res, "fit", cli_json_pl_fit(&f, p, a->compare ? cmp : NULL));
        cli_json_value_error(res, "alpha", f.alpha, f.alpha_err);
        cJSON_AddNumberToObject(res, "samples_read", (double)n_read);
        cJSON_AddNumberToObject(res, "dropped_nonpositive", (double)dropped);
        cli_pl_fit_warnings("powerlaw", "fit", &f, p, cJSON_AddArrayToObject(res, "warnings"));
        dnc_run_record_finish(root, t0);
        cJSON *tm = cJSON_GetObjectItem(root, "timings");
        cJSON_AddNumberToObject(tm, "read_s", t_read);
        cJSON_AddNumberToObject(tm, "fit_s", t_fit);         /* sort + xmin scan + MLE */
        cJSON_AddNumberToObject(tm, "fit_cpu_s", cpu_fit);   /* the same in CPU time */
        st = cli_outset_commit(&os, a->out, root);
        cJSON_Delete(root);
    } else {
        cli_outset_abort(&os);
    }
    if (!st && !a->quiet)
        print_summary(&f, dropped, p, a->compare ? cmp : NULL, dnc_wall_time() - t0);
    free(x);
    free(sorted);
    return st ? cli_fail("powerlaw") : 0;
}

static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    const pl_args *a = ctx;
    if (a->xmax < 0 || a->xmin < 0)
        return cli_failf("powerlaw", "--xmin and --xmax must be >= 0") + 1;
    size_t rows;
    if (cli_ccdf_rows_parse(a->ccdf_rows, &rows))
        return cli_failf("powerlaw", "--ccdf-rows must be 'all' or an integer >= 2, got '%s'",
                         a->ccdf_rows) + 1;
    return run(a, rows, cli->positional[0], argc, argv);
}

int cmd_powerlaw(int argc, char **argv)
{
    const char *plot = NULL;
    dnc_pl_opts d = dnc_pl_opts_default();
    pl_args a = {.column = "1", .out = "powerlaw", .ccdf_rows = CLI_CCDF_ROWS_DEFAULT, .discrete = false, .compare = false,
                 .quiet = false, .xmin = 0, .xmax = 0, .min_tail = d.min_tail, .bootstrap = 0,
                 .threads = 0, .exhaustive = d.exhaustive, .grid = d.grid, .seed = 1};
    cli_opt opts[] = {
        CLI_OPT("column", CLI_OPT_STRING, &a.column, "column to fit: 1-based index or header name"),
        CLI_OPT("discrete", CLI_OPT_FLAG, &a.discrete, "integer data: Hurwitz-zeta likelihood"),
        CLI_OPT("xmin", CLI_OPT_DOUBLE, &a.xmin, "fixed lower bound (0: chosen by KS minimisation)"),
        CLI_OPT("xmax", CLI_OPT_DOUBLE, &a.xmax, "upper truncation, inclusive (0: none)"),
        CLI_OPT("min-tail", CLI_OPT_SIZE, &a.min_tail, "smallest tail an xmin candidate may leave"),
        CLI_OPT("exhaustive", CLI_OPT_SIZE, &a.exhaustive,
         "0: the exact KS minimum over every distinct value; N > 0: approximate, grid + refine "
         "beyond N candidates"),
        CLI_OPT("grid", CLI_OPT_SIZE, &a.grid, "xmin candidates per grid round"),
        CLI_OPT("bootstrap", CLI_OPT_SIZE, &a.bootstrap, "goodness-of-fit bootstrap replicas (0: skip)"),
        CLI_OPT("compare", CLI_OPT_FLAG, &a.compare,
         "likelihood-ratio tests vs exponential, lognormal, stretched exponential, cutoff"),
        CLI_OPT("seed", CLI_OPT_U64, &a.seed, "random seed of the bootstrap"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "OpenMP threads (0: default)"),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "output prefix: PREFIX.csv, PREFIX_pdf.csv, PREFIX.json"),
        CLI_CCDF_ROWS_OPTION(&a.ccdf_rows),
        CLI_OPT("quiet", CLI_OPT_FLAG, &a.quiet, "no summary on stdout"),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "powerlaw",
                   .summary = "Fit a power law p(x) ~ x^-alpha to a column of numbers (FILE, or "
                              "standard input for '-'; values <= 0 are dropped and counted) by "
                              "maximum likelihood (Clauset, Shalizi & Newman 2009): xmin by KS "
                              "minimisation, standard error, bootstrap goodness of fit and "
                              "likelihood-ratio tests against other heavy tails. Writes the "
                              "empirical CCDF with the fitted line (PREFIX.csv, 201 log-spaced "
                              "rows unless --ccdf-rows all), a log-binned "
                              "density (PREFIX_pdf.csv) and the run record (PREFIX.json).",
                   .example = "dnncrit powerlaw sizes.csv --discrete --bootstrap 200 --compare --out fit",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof *opts,
                   .positional_name = "FILE (- for standard input)",
                   .min_positional = 1,
                   .max_positional = 1};
    cli_runner r = {run_cmd, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
