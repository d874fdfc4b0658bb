/* dnncrit raster FILE: avalanche analysis of an external activity raster
 * (spike recordings, any 0/1 or count matrix, or an event list), or of a
 * simulated mean-field branching process with --simulate. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <omp.h>

#include "avalanche_out.h"
#include "plot_option.h"
#include "cli.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/io.h"
#include "dnncrit/npy.h"
#include "dnncrit/table.h"
#include "dnncrit/result.h"

typedef struct {
    const char *format, *out, *ccdf_rows;
    double bin_width, gamma_tmin, gamma_tmax, collapse_tmin, collapse_tmax, m;
    size_t rebin, bootstrap, threads, min_count, kmax, min_tail, avalanches, units, grid;
    size_t max_size, max_duration;
    bool keep_edges, compare, quiet, simulate, transpose;
    uint64_t seed;
} raster_args;

/* By content, whatever the name: HDF5's signature (\x89HDF\r\n\x1a\n) is
 * "nwb"; the .npy magic (\x93NUMPY, also inside gzip) is "npy"; a text whose
 * first data line is a header starting with "time" is "events"; any other
 * text is "dense". */
static dnc_status detect_format(const char *path, const char **fmt)
{
    static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (strcmp(path, "-") != 0) {
        FILE *fp;
        dnc_status st = dnc_open_input(path, &fp);
        if (st)
            return st;
        unsigned char head[8];
        size_t n = fread(head, 1, sizeof head, fp);
        fclose(fp);
        if (n == sizeof head && memcmp(head, hdf5_sig, sizeof head) == 0) {
            *fmt = "nwb";
            return DNC_OK;
        }
    }
    char *text;
    size_t len;
    dnc_status st = dnc_read_file(path, &text, &len);
    if (st)
        return st;
    *fmt = "dense";
    if (len >= sizeof hdf5_sig && memcmp(text, hdf5_sig, sizeof hdf5_sig) == 0) {
        free(text); /* only a gzip'd (or piped) HDF5 file gets here */
        return dnc_fail(DNC_EINVAL, "'%s': a compressed or piped HDF5 (NWB) file: give the "
                                    "uncompressed file (HDF5 compresses its datasets itself)",
                        path);
    }
    if (dnc_npy_is_npy(text, len)) {
        *fmt = "npy";
        free(text);
        return DNC_OK;
    }
    for (char *p = text; *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (*p == '#') {
            p = strchr(p, '\n');
            if (!p)
                break;
            continue;
        }
        if (strncasecmp(p, "time", 4) == 0)
            *fmt = "events";
        break;
    }
    free(text);
    return DNC_OK;
}

/* A dense CSV/TSV raster, rows = time bins unless --transpose. */
static dnc_status read_dense(const raster_args *a, const char *file, dnc_activity *act)
{
    if (!a->transpose)
        return dnc_activity_read_dense(file, a->rebin, act);
    dnc_table t;
    dnc_status st = dnc_table_read(file, NULL, &t);
    if (st)
        return st;
    st = dnc_activity_from_matrix(t.v, t.nrows, t.ncols, true, a->rebin, file, act);
    dnc_table_free(&t);
    return st;
}

/* The simulated branching process; avalanches stopped at a cap (any m >= 0
 * finishes) are left out and counted in *cut. */
static dnc_status simulate_activity(const raster_args *a, dnc_activity *act, size_t *cut)
{
    dnc_branching_opts bo = {.m = a->m, .seeds = 1, .max_duration = a->max_duration,
                             .max_size = a->max_size, .seed = a->seed};
    return dnc_branching_activity(&bo, a->avalanches, 1, a->units, act, cut);
}

/* A failed analysis of a simulation that lost avalanches at the caps says
 * how many: "too few avalanches" then has its reason. */
static dnc_status explain_cut(const raster_args *a, size_t cut, dnc_status st)
{
    if (!st || cut == 0)
        return st;
    return dnc_fail(st, "%s (%zu of %zu simulated avalanches were cut at --max-size %zu or "
                        "--max-duration %zu)",
                    dnc_last_error(), cut, a->avalanches, a->max_size, a->max_duration);
}

/* A failed analysis of a dense raster with more units than time bins may
 * have its rows and columns swapped: say so. */
static dnc_status explain_shape(const raster_args *a, const char *fmt, const dnc_activity *act,
                                dnc_status st)
{
    if (!st || act->bins == 0 || act->units <= act->bins ||
        (strcmp(fmt, "dense") != 0 && strcmp(fmt, "npy") != 0))
        return st;
    return dnc_fail(st, "%s (the raster was read as %zu time bins of %zu units: %s)",
                    dnc_last_error(), act->bins, act->units,
                    a->transpose ? "without --transpose rows are time bins"
                                 : "with --transpose rows are units and columns time bins");
}

static dnc_status load_activity(const raster_args *a, const char *file, dnc_activity *act,
                                double *dt, const char **fmt, size_t *cut)
{
    *dt = NAN;
    *cut = 0;
    if (a->simulate) {
        *fmt = "simulated";
        return simulate_activity(a, act, cut);
    }
    *fmt = a->format;
    dnc_status st = DNC_OK;
    if (strcmp(a->format, "auto") == 0 && (st = detect_format(file, fmt)))
        return st;
    if (strcmp(*fmt, "dense") == 0)
        return read_dense(a, file, act);
    if (strcmp(*fmt, "npy") == 0)
        return dnc_activity_read_npy(file, a->transpose, a->rebin, act);
    if (strcmp(*fmt, "events") == 0)
        return dnc_activity_read_events(file, a->bin_width, act, dt);
    if (strcmp(*fmt, "nwb") == 0)
        return dnc_activity_read_nwb(file, a->bin_width, act, dt);
    return dnc_fail(DNC_EINVAL, "--format must be auto, dense, npy, events or nwb, got '%s'",
                    a->format);
}

static void add_config(cJSON *root, const raster_args *a, const char *file, const char *fmt,
                       double dt)
{
    cJSON *c = cJSON_AddObjectToObject(root, "config");
    if (file)
        cJSON_AddStringToObject(c, "file", file);
    cJSON_AddStringToObject(c, "format", fmt);
    cli_json_number(c, "bin_width", dt);
    cJSON_AddNumberToObject(c, "rebin", (double)a->rebin);
    cJSON_AddBoolToObject(c, "transpose", a->transpose);
    cJSON_AddBoolToObject(c, "keep_edges", a->keep_edges);
    cJSON_AddNumberToObject(c, "bootstrap", (double)a->bootstrap);
    cJSON_AddBoolToObject(c, "compare", a->compare);
    cJSON_AddNumberToObject(c, "min_count", (double)a->min_count);
    cJSON_AddNumberToObject(c, "min_tail", (double)a->min_tail);
    cJSON_AddNumberToObject(c, "gamma_tmin", a->gamma_tmin);
    cli_json_number(c, "gamma_tmax", a->gamma_tmax);
    cJSON_AddNumberToObject(c, "collapse_tmin", a->collapse_tmin);
    cli_json_number(c, "collapse_tmax", a->collapse_tmax);
    cJSON_AddNumberToObject(c, "collapse_grid", (double)a->grid);
    cJSON_AddNumberToObject(c, "kmax", (double)a->kmax);
    cJSON_AddBoolToObject(c, "simulate", a->simulate);
    if (a->simulate) {
        cJSON_AddNumberToObject(c, "m", a->m);
        cJSON_AddNumberToObject(c, "avalanches", (double)a->avalanches);
        cJSON_AddNumberToObject(c, "units", (double)a->units);
        cJSON_AddNumberToObject(c, "max_size", (double)a->max_size);
        cJSON_AddNumberToObject(c, "max_duration", (double)a->max_duration);
    }
    cJSON_AddNumberToObject(c, "seed", (double)a->seed);
    cJSON_AddNumberToObject(c, "threads", omp_get_max_threads());
    cJSON_AddStringToObject(c, "out", a->out);
}

static dnc_avalanche_opts analysis_opts(const raster_args *a)
{
    dnc_avalanche_opts o = dnc_avalanche_opts_default();
    o.bootstrap = a->bootstrap;
    o.seed = a->seed;
    o.compare = a->compare;
    o.min_count = a->min_count;
    o.size_fit.min_tail = o.duration_fit.min_tail = a->min_tail;
    o.gamma_tmin = a->gamma_tmin;
    o.gamma_tmax = a->gamma_tmax > 0 ? a->gamma_tmax : INFINITY;
    o.collapse_tmin = a->collapse_tmin;
    o.collapse_tmax = a->collapse_tmax > 0 ? a->collapse_tmax : INFINITY;
    o.collapse_grid = a->grid;
    return o;
}

static dnc_status write_branching(cli_outset *os, const char *prefix,
                                  const dnc_branching_estimate *b, cJSON *res)
{
    FILE *fp;
    dnc_status st = cli_outset_open(os, prefix, "_rk.csv", &fp);
    if (st)
        return st;
    dnc_result_write_header(fp, DNC_RESULT_BRANCHING);
    for (size_t k = 1; k <= b->kmax; k++)
        fprintf(fp, "%zu,%.10g,%.10g\n", k, b->rk[k - 1], b->mr_amplitude * pow(b->mr, (double)k));
    cJSON *o = cJSON_AddObjectToObject(res, "branching_ratio");
    cli_json_value_error(o, "conventional", b->naive, b->naive_err);
    cli_json_value_error(o, "multistep_regression", b->mr, b->mr_err);
    cli_json_number(o, "mr_amplitude", b->mr_amplitude);
    cli_json_number(o, "autocorrelation_bins", b->autocorrelation_bins);
    cJSON_AddNumberToObject(o, "kmax", (double)b->kmax);
    return DNC_OK;
}

static int run(const raster_args *a, size_t ccdf_rows, const char *file, int argc, char **argv)
{
    if (a->threads > 0)
        omp_set_num_threads((int)a->threads);
    double t0 = dnc_wall_time(), dt;
    const char *fmt;
    dnc_activity act = {0};
    dnc_avalanches av = {0};
    dnc_avalanche_analysis an = {0};
    dnc_branching_estimate br = {0};
    bool have_br = false;
    double chi = NAN;
    size_t cut = 0;
    dnc_status st = load_activity(a, file, &act, &dt, &fmt, &cut);
    if (!st)
        st = dnc_avalanches_from_activity(act.count, act.bins, a->keep_edges, &av);
    dnc_avalanche_opts ao = analysis_opts(a);
    if (!st)
        st = dnc_avalanche_analyse(&av, &ao, &an);
    st = explain_cut(a, cut, st);
    st = explain_shape(a, fmt, &act, st);
    if (!st) {
        have_br = dnc_branching_ratio(act.count, act.bins, a->kmax, &br) == DNC_OK;
        st = dnc_activity_susceptibility(&act, &chi);
    }
    cli_outset os = {0};
    cJSON *root = NULL;
    if (!st) {
        root = dnc_run_record_new("raster", argc, argv);
        add_config(root, a, file, fmt, dt);
        cJSON *res = cJSON_AddObjectToObject(root, "results");
        cJSON_AddNumberToObject(res, "bins", (double)act.bins);
        cJSON_AddNumberToObject(res, "units", (double)act.units);
        cli_json_number(res, "susceptibility", chi);
        if (a->simulate)
            cJSON_AddNumberToObject(res, "cut_avalanches", (double)cut);
        st = cli_write_avalanche_outputs(&os, a->out, &av, &an, ccdf_rows, res);
        if (!st && have_br)
            st = write_branching(&os, a->out, &br, res);
        dnc_run_record_finish(root, t0);
    }
    if (!st) {
        st = cli_outset_commit(&os, a->out, root);
    } else {
        cli_outset_abort(&os);
    }
    if (!st && !a->quiet) {
        printf("raster: %zu bins, %zu units, format %s", act.bins, act.units, fmt);
        if (isfinite(dt))
            printf(", bin width %g", dt);
        printf("\n");
        if (cut > 0)
            printf("  %zu of %zu simulated avalanches cut at a cap (--max-size %zu, --max-duration "
                   "%zu) and left out\n",
                   cut, a->avalanches, a->max_size, a->max_duration);
        cli_print_avalanche_summary(&an);
        if (have_br)
            printf("  branching ratio: conventional %.4f +- %.4f, multistep regression %.4f +- %.4f\n",
                   br.naive, br.naive_err, br.mr, br.mr_err);
        printf("  susceptibility N var(rho) = %.4g, size susceptibility <S^2>/<S> = %.4g\n", chi,
               an.chi_S);
    }
    cJSON_Delete(root);
    dnc_branching_estimate_free(&br);
    dnc_avalanche_analysis_free(&an);
    dnc_avalanches_free(&av);
    dnc_activity_free(&act);
    return st ? cli_fail("raster") : 0;
}

static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    const raster_args *a = ctx;
    if (cli->npositional == 0 && !a->simulate)
        return cli_failf("raster", "give a FILE or --simulate") + 1;
    static const char *const formats[] = {"auto", "dense", "npy", "events", "nwb"};
    bool known = false;
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        known |= strcmp(a->format, formats[i]) == 0;
    if (!known)
        return cli_failf("raster", "--format must be auto, dense, npy, events or nwb, got '%s'",
                         a->format) + 1;
    size_t rows;
    if (cli_ccdf_rows_parse(a->ccdf_rows, &rows))
        return cli_failf("raster", "--ccdf-rows must be 'all' or an integer >= 2, got '%s'",
                         a->ccdf_rows) + 1;
    return run(a, rows, cli->npositional ? cli->positional[0] : NULL, argc, argv);
}

int cmd_raster(int argc, char **argv)
{
    const char *plot = NULL;
    raster_args a = {.format = "auto", .out = "raster", .ccdf_rows = CLI_CCDF_ROWS_DEFAULT, .bin_width = 0, .gamma_tmin = 0,
                     .gamma_tmax = 0, .collapse_tmin = 0, .collapse_tmax = 0, .m = 1.0,
                     .rebin = 1, .bootstrap = 0, .threads = 0, .min_count = 10, .kmax = 20,
                     .min_tail = 10, .avalanches = 20000, .units = 100, .grid = 20,
                     .max_size = 10000000000, .max_duration = 100000,
                     .keep_edges = false, .compare = false, .quiet = false, .simulate = false,
                     .transpose = false,
                     .seed = 1};
    cli_opt opts[] = {
        CLI_OPT("format", CLI_OPT_STRING, &a.format,
         "auto (by content: nwb for HDF5, npy for NumPy, events when the header starts with "
         "'time', else dense), dense (CSV/TSV, rows = bins, columns = units), npy (2-D NumPy "
         "array, rows = bins, columns = units), events (time,unit rows) or nwb (NWB units/"
         "spike_times)"),
        CLI_OPT("bin-width", CLI_OPT_DOUBLE, &a.bin_width,
         "events, nwb: time bin width in the file's time unit (NWB: seconds; 0: mean inter-event interval)"),
        CLI_OPT("rebin", CLI_OPT_SIZE, &a.rebin, "dense, npy: merge this many time bins into one"),
        CLI_OPT("transpose", CLI_OPT_FLAG, &a.transpose,
         "dense, npy: rows are units and columns time bins"),
        CLI_OPT("keep-edges", CLI_OPT_FLAG, &a.keep_edges, "keep avalanches cut by the recording's ends"),
        CLI_OPT("bootstrap", CLI_OPT_SIZE, &a.bootstrap, "goodness-of-fit bootstrap replicas per fit (0: skip)"),
        CLI_OPT("compare", CLI_OPT_FLAG, &a.compare, "likelihood-ratio tests against alternatives"),
        CLI_OPT("min-tail", CLI_OPT_SIZE, &a.min_tail, "smallest tail an xmin candidate may leave"),
        CLI_OPT("min-count", CLI_OPT_SIZE, &a.min_count, "avalanches per duration for <S>(T) and collapse"),
        CLI_OPT("gamma-tmin", CLI_OPT_DOUBLE, &a.gamma_tmin, "<S>(T) fit from this T (0: duration xmin)"),
        CLI_OPT("gamma-tmax", CLI_OPT_DOUBLE, &a.gamma_tmax, "<S>(T) fit up to this T (0: no limit)"),
        CLI_OPT("collapse-tmin", CLI_OPT_DOUBLE, &a.collapse_tmin, "shape collapse from this T (0: as gamma)"),
        CLI_OPT("collapse-tmax", CLI_OPT_DOUBLE, &a.collapse_tmax, "shape collapse up to this T (0: no limit)"),
        CLI_OPT("collapse-grid", CLI_OPT_SIZE, &a.grid, "points of t/T in the collapse"),
        CLI_OPT("kmax", CLI_OPT_SIZE, &a.kmax, "largest lag k of the multistep regression"),
        CLI_OPT("simulate", CLI_OPT_FLAG, &a.simulate, "analyse a simulated branching process instead of FILE (any m >= 0: the caps stop supercritical avalanches)"),
        CLI_OPT("m", CLI_OPT_DOUBLE, &a.m, "simulate: branching ratio (1 = critical)"),
        CLI_OPT("avalanches", CLI_OPT_SIZE, &a.avalanches, "simulate: number of avalanches"),
        CLI_OPT("units", CLI_OPT_SIZE, &a.units, "simulate: units the events are spread over"),
        CLI_OPT("max-size", CLI_OPT_SIZE, &a.max_size,
         "simulate: an avalanche whose size would pass this is stopped and left out (counted as cut; 1..2^53)"),
        CLI_OPT("max-duration", CLI_OPT_SIZE, &a.max_duration,
         "simulate: an avalanche still alive after this many bins is stopped and left out (counted as cut)"),
        CLI_OPT("seed", CLI_OPT_U64, &a.seed, "random seed (bootstrap, simulation)"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "OpenMP threads (0: default)"),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "output prefix"),
        CLI_CCDF_ROWS_OPTION(&a.ccdf_rows),
        CLI_OPT("quiet", CLI_OPT_FLAG, &a.quiet, "no summary on stdout"),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "raster",
                   .summary = "Neuronal-avalanche analysis of an activity raster: avalanches "
                              "between quiet bins, size and duration exponents (tau, alpha) by "
                              "discrete power-law fits, gamma from <S>(T), the crackling relation, "
                              "shape collapse, branching ratio (conventional and multistep "
                              "regression) and susceptibilities.",
                   .example = "dnncrit raster spikes.csv --format events --bin-width 0.004 --out rec",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof *opts,
                   .positional_name = "FILE",
                   .min_positional = 0,
                   .max_positional = 1};
    cli_runner r = {run_cmd, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
