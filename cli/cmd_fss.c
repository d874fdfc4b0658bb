/* dnncrit fss: finite-size scaling data collapse y(t, N) = N^-a f(t / N^b). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot_option.h"
#include "dnncrit/dp.h"
#include "dnncrit/io.h"
#include "dnncrit/result.h"
#include "dnncrit/scaling.h"

typedef struct {
    const char *column, *out, *model;
    double p;
    size_t T, samples, runs, threads;
    uint64_t seed;
    cli_dlist sizes;
    bool simulate, quiet;
    dnc_collapse_opts c;
} fss_opts;

static dnc_status load(const fss_opts *o, char **files, size_t nfiles, dnc_series *s)
{
    dnc_status st = DNC_OK;
    for (size_t i = 0; !st && i < nfiles; i++) {
        dnc_table tab;
        if ((st = dnc_table_read(files[i], &dnc_series_table_opts, &tab)))
            break;
        st = dnc_series_from_tables(&tab, 1, o->column, &s[i]);
        dnc_table_free(&tab);
        s[i].size = o->sizes.v[i];
    }
    return st;
}

static dnc_status simulate(const fss_opts *o, dnc_series *s)
{
    dnc_dp_opts d = dnc_dp_opts_default();
    dnc_status st = dnc_dp_model_parse(o->model, &d.model);
    for (size_t i = 0; !st && i < o->sizes.n; i++) {
        double L = o->sizes.v[i];
        if (!(L >= 2 && L == floor(L)))
            return dnc_fail(DNC_EINVAL, "sizes: %g is not an integer >= 2", L);
        d.L = (size_t)L;
        d.p = isnan(o->p) ? dnc_dp_critical_p(d.model) : o->p;
        d.tmax = o->T;
        d.samples = o->samples;
        d.runs = o->runs;
        d.seed = o->seed + i;
        d.quiet = o->quiet;
        dnc_dp_result r;
        if ((st = dnc_dp_run(&d, &r)))
            break;
        if (!(st = dnc_series_alloc(&s[i], r.ntimes, r.samples, false))) {
            memcpy(s[i].t, r.t, r.ntimes * sizeof(double));
            memcpy(s[i].y, strcmp(o->column, "surv") == 0 ? r.surv : r.rho,
                   r.ntimes * r.samples * sizeof(double));
            s[i].size = L;
            s[i].param = d.p;
        }
        dnc_dp_result_free(&r);
    }
    return st;
}

static dnc_status write_csv(const char *path, const dnc_series *s, size_t n,
                            const dnc_collapse_result *r)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    dnc_result_write_header(f.fp, DNC_RESULT_FSS);
    for (size_t i = 0; i < n; i++) {
        double *m = malloc(s[i].nt * sizeof *m), *e = malloc(s[i].nt * sizeof *e);
        if (!m || !e) {
            free(m);
            free(e);
            dnc_afile_abort(&f);
            return dnc_fail(DNC_ENOMEM, "out of memory");
        }
        dnc_series_mean(&s[i], m, e);
        double fx = pow(s[i].size, -r->b.value), fy = pow(s[i].size, r->a.value);
        for (size_t k = 0; k < s[i].nt; k++)
            fprintf(f.fp, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", s[i].size, s[i].t[k],
                    m[k], e[k], s[i].t[k] * fx, m[k] * fy, e[k] * fy);
        free(m);
        free(e);
    }
    return dnc_afile_commit(&f);
}

static cJSON *config_json(const fss_opts *o, char **files, size_t nfiles)
{
    cJSON *c = cJSON_CreateObject();
    cJSON *fl = cJSON_AddArrayToObject(c, "files");
    for (size_t i = 0; i < nfiles; i++)
        cJSON_AddItemToArray(fl, cJSON_CreateString(files[i]));
    cJSON *sz = cJSON_AddArrayToObject(c, "sizes");
    for (size_t i = 0; i < o->sizes.n; i++)
        cJSON_AddItemToArray(sz, cJSON_CreateNumber(o->sizes.v[i]));
    cJSON_AddStringToObject(c, "column", o->column);
    cJSON_AddNumberToObject(c, "a0", o->c.a0);
    cJSON_AddNumberToObject(c, "b0", o->c.b0);
    cJSON_AddNumberToObject(c, "tmin", o->c.tmin);
    cJSON_AddNumberToObject(c, "max_rel_err", o->c.max_rel_err);
    cJSON_AddNumberToObject(c, "nboot", (double)o->c.nboot);
    cJSON_AddNumberToObject(c, "seed", (double)o->seed);
    cJSON_AddBoolToObject(c, "simulate", o->simulate);
    if (o->simulate) {
        cJSON_AddStringToObject(c, "model", o->model);
        cJSON_AddNumberToObject(c, "p", o->p);
        cJSON_AddNumberToObject(c, "T", (double)o->T);
        cJSON_AddNumberToObject(c, "samples", (double)o->samples);
        cJSON_AddNumberToObject(c, "runs", (double)o->runs);
    }
    return c;
}

static int run(fss_opts *o, char **files, size_t nfiles, int argc, char **argv)
{
    double t0 = dnc_wall_time();
    size_t n = o->sizes.n;
    dnc_series *s = calloc(n, sizeof *s);
    if (!s)
        return cli_failf("fss", "out of memory");
    o->c.seed = o->seed;
    dnc_collapse_result r;
    int rc = 0;
    dnc_status st = o->simulate ? simulate(o, s) : load(o, files, nfiles, s);
    if (!st)
        st = dnc_collapse(s, n, &o->c, &r);
    if (st) {
        rc = cli_fail("fss");
    } else {
        cli_say(o->quiet, "fss: %zu sizes, y(t, N) = N^-a f(t / N^b)\n", n);
        cli_say(o->quiet, "  a = %.5f +- %.5f\n  b = %.5f +- %.5f\n", r.a.value, r.a.error, r.b.value,
               r.b.error);
        cli_say(o->quiet, "  collapse quality S = %.4g over %zu points (S ~ 1: collapse within errors); "
               "errors: %s\n", r.quality, r.overlap, dnc_err_method_name(r.method));
        cJSON *rec = dnc_run_record_new("fss", argc, argv);
        cJSON_AddItemToObject(rec, "config", config_json(o, files, nfiles));
        cJSON *res = cJSON_AddObjectToObject(rec, "results");
        cJSON_AddItemToObject(res, "a", dnc_json_estimate(r.a.value, r.a.error));
        cJSON_AddItemToObject(res, "b", dnc_json_estimate(r.b.value, r.b.error));
        cJSON_AddNumberToObject(res, "quality_S", r.quality);
        cJSON_AddNumberToObject(res, "overlap_points", (double)r.overlap);
        cJSON_AddStringToObject(res, "error_method", dnc_err_method_name(r.method));
        char *csv = dnc_path_with_suffix(o->out, ".csv");
        char *json = dnc_path_with_suffix(o->out, ".json");
        cJSON *outs = cJSON_AddObjectToObject(rec, "outputs");
        cJSON_AddStringToObject(outs, "csv", cli_base_name(csv));
        dnc_run_record_finish(rec, t0);
        if (write_csv(csv, s, n, &r) || dnc_write_json_atomic(json, rec)) {
            rc = cli_fail("fss");
            remove(csv);
        } else {
            cli_say(o->quiet, "  wrote %s, %s\n", csv, json);
        }
        free(csv);
        free(json);
        cJSON_Delete(rec);
    }
    for (size_t i = 0; i < n; i++)
        dnc_series_free(&s[i]);
    free(s);
    return rc;
}

/* --sizes against the FILEs checked (2 when wrong), then the run. */
static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    fss_opts *o = ctx;
    size_t nfiles = cli->npositional;
    if (o->sizes.n < 2)
        return cli_failf("fss", "--sizes needs at least two sizes") + 1;
    if (!o->simulate && nfiles != o->sizes.n)
        return cli_failf("fss", "%zu files for %zu sizes (one FILE per size, or --simulate)",
                             nfiles, o->sizes.n) + 1;
    if (o->simulate && nfiles)
        return cli_failf("fss", "--simulate takes no FILE") + 1;
    if (o->threads)
        omp_set_num_threads((int)o->threads);
    return run(o, cli->positional, nfiles, argc, argv);
}

int cmd_fss(int argc, char **argv)
{
    const char *plot = NULL;
    fss_opts o = {.column = "rho", .out = "fss", .model = "bond1d", .p = NAN, .T = 10000,
                  .samples = 16, .runs = 64, .seed = 1, .c = dnc_collapse_opts_default()};
    cli_opt opts[] = {
        CLI_OPT("sizes", CLI_OPT_DLIST, &o.sizes, "system size N (or L) of each FILE, in order"),
        CLI_OPT("column", CLI_OPT_STRING, &o.column, "value column"),
        CLI_OPT("a0", CLI_OPT_DOUBLE, &o.c.a0, "starting value of a"),
        CLI_OPT("b0", CLI_OPT_DOUBLE, &o.c.b0, "starting value of b"),
        CLI_OPT("tmin", CLI_OPT_DOUBLE, &o.c.tmin, "ignore times below (microscopic transient)"),
        CLI_OPT("max-rel-err", CLI_OPT_DOUBLE, &o.c.max_rel_err,
         "ignore points whose relative error exceeds this"),
        CLI_OPT("nboot", CLI_OPT_SIZE, &o.c.nboot, "bootstrap replicas"),
        CLI_OPT("seed", CLI_OPT_U64, &o.seed, "seed of the bootstrap (and of --simulate)"),
        CLI_OPT("simulate", CLI_OPT_FLAG, &o.simulate,
         "no FILE: run the DP simulator at each size (--model, --p, --T, --samples, --runs)"),
        CLI_OPT("model", CLI_OPT_STRING, &o.model, "simulator model (see dnncrit dp)"),
        CLI_OPT("p", CLI_OPT_DOUBLE, &o.p, "simulator p (default p_c)"),
        CLI_OPT("T", CLI_OPT_SIZE, &o.T, "simulator time steps"),
        CLI_OPT("samples", CLI_OPT_SIZE, &o.samples, "simulator samples per size"),
        CLI_OPT("runs", CLI_OPT_SIZE, &o.runs, "simulator runs per sample"),
        CLI_OPT("threads", CLI_OPT_SIZE, &o.threads, "OpenMP threads (0: default)"),
        CLI_OPT("out", CLI_OPT_STRING, &o.out, "output prefix: PREFIX.csv (scaled curves), PREFIX.json"),
        CLI_QUIET_OPTION(&o.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "fss",
                   .summary = "Finite-size scaling collapse y(t, N) = N^-a f(t / N^b): a and b "
                              "minimise the Houdayer-Hartmann quality S of the collapse (GSL "
                              "Nelder-Mead) in log-log coordinates; errors by bootstrap over "
                              "the samples of every size. One FILE per size (dp PREFIX.seeds.csv, "
                              "or one CSV per size with errors). No DP exponents are assumed.",
                   .example = "dnncrit fss L16.seeds.csv L32.seeds.csv L64.seeds.csv --sizes "
                              "16,32,64 --out collapse",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0],
                   .positional_name = "FILE...",
                   .min_positional = 0,
                   .max_positional = 10000};
    cli_runner r = {run_cmd, &o, &plot, &o.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
