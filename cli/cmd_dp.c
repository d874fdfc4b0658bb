/* dnncrit dp: the directed-percolation reference simulators. */
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

static void mean_err(const double *v, size_t samples, size_t stride, size_t k, double *m,
                     double *e)
{
    double s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < samples; i++)
        s += v[i * stride + k];
    s /= (double)samples;
    for (size_t i = 0; i < samples; i++) {
        double d = v[i * stride + k] - s;
        s2 += d * d;
    }
    *m = s;
    *e = samples > 1 ? sqrt(s2 / (double)(samples - 1) / (double)samples) : NAN;
}

static dnc_status write_mean_csv(const char *path, const dnc_dp_result *r)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    dnc_result_write_header(f.fp, DNC_RESULT_DP);
    for (size_t k = 0; k < r->ntimes; k++) {
        double m[3], e[3];
        mean_err(r->rho, r->samples, r->ntimes, k, &m[0], &e[0]);
        mean_err(r->surv, r->samples, r->ntimes, k, &m[1], &e[1]);
        mean_err(r->nact, r->samples, r->ntimes, k, &m[2], &e[2]);
        fprintf(f.fp, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", r->t[k], m[0], e[0], m[1],
                e[1], m[2], e[2]);
    }
    return dnc_afile_commit(&f);
}

static dnc_status write_seed_csv(const char *path, const dnc_dp_result *r)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    dnc_result_write_header(f.fp, DNC_RESULT_DP_SEEDS);
    for (size_t s = 0; s < r->samples; s++)
        for (size_t k = 0; k < r->ntimes; k++) {
            size_t i = s * r->ntimes + k;
            fprintf(f.fp, "%zu,%.17g,%.17g,%.17g,%.17g\n", s, r->t[k], r->rho[i], r->surv[i],
                    r->nact[i]);
        }
    return dnc_afile_commit(&f);
}

static cJSON *make_record(int argc, char **argv, const dnc_dp_opts *o, const char *init,
                          size_t threads, const char *csv, const char *seeds_csv,
                          const dnc_dp_result *r, double t0)
{
    cJSON *rec = dnc_run_record_new("dp", argc, argv);
    cJSON *cfg = cJSON_AddObjectToObject(rec, "config");
    cJSON_AddStringToObject(cfg, "model", dnc_dp_model_name(o->model));
    cJSON_AddNumberToObject(cfg, "p", o->p);
    cJSON_AddNumberToObject(cfg, "p_c", dnc_dp_critical_p(o->model));
    cJSON_AddNumberToObject(cfg, "L", (double)o->L);
    cJSON_AddNumberToObject(cfg, "sites", (double)dnc_dp_sites(o->model, o->L));
    cJSON_AddNumberToObject(cfg, "tmax", (double)o->tmax);
    cJSON_AddStringToObject(cfg, "init", init);
    cJSON_AddStringToObject(cfg, "impl", dnc_dp_impl_name(o->impl));
    cJSON_AddNumberToObject(cfg, "samples", (double)o->samples);
    cJSON_AddNumberToObject(cfg, "runs", (double)o->runs);
    cJSON_AddNumberToObject(cfg, "per_decade", (double)o->per_decade);
    cJSON_AddNumberToObject(cfg, "seed", (double)o->seed);
    cJSON_AddNumberToObject(cfg, "threads", (double)threads);
    cJSON *res = cJSON_AddObjectToObject(rec, "results");
    cJSON_AddNumberToObject(res, "site_updates", r->site_updates);
    cJSON_AddNumberToObject(res, "site_updates_per_s",
                            r->seconds > 0 ? r->site_updates / r->seconds : 0.0);
    cJSON *out = cJSON_AddObjectToObject(rec, "outputs");
    cJSON_AddStringToObject(out, "csv", csv);
    cJSON_AddStringToObject(out, "seeds_csv", seeds_csv);
    dnc_run_record_finish(rec, t0);
    return rec;
}

typedef struct {
    dnc_dp_opts o;
    const char *model, *init, *impl, *out;
    double p;
    size_t threads;
    uint64_t seed;
    bool quiet;
} dp_args;

/* Completes a->o from the options; 2 (after the message) on a usage error. */
static int finish_opts(dp_args *a)
{
    dnc_dp_opts *o = &a->o;
    o->seed = a->seed;
    o->quiet = a->quiet;
    if (dnc_dp_model_parse(a->model, &o->model))
        return cli_fail("dp") + 1;
    if (strcmp(a->init, "full") && strcmp(a->init, "seed"))
        return cli_failf("dp", "init: '%s' is not one of full, seed", a->init) + 1;
    o->init = strcmp(a->init, "seed") == 0 ? DNC_DP_SEED : DNC_DP_FULL;
    if (dnc_dp_impl_parse(a->impl, &o->impl))
        return cli_fail("dp") + 1;
    o->p = isnan(a->p) ? dnc_dp_critical_p(o->model) : a->p;
    if (dnc_dp_validate(o))
        return cli_fail("dp") + 1;
    if (a->threads)
        omp_set_num_threads((int)a->threads);
    return 0;
}

static void print_result(const dp_args *a, const dnc_dp_result *r)
{
    const dnc_dp_opts *o = &a->o;
    size_t last = r->ntimes - 1;
    double m, e;
    printf("dp %s p = %.9g L = %zu (%zu sites) %s init, %zu x %zu runs, %s\n",
           dnc_dp_model_name(o->model), o->p, o->L, dnc_dp_sites(o->model, o->L), a->init,
           o->samples, o->runs, dnc_dp_impl_name(o->impl));
    mean_err(r->rho, r->samples, r->ntimes, last, &m, &e);
    printf("  rho(t = %.0f) = %.6g +- %.2g\n", r->t[last], m, e);
    mean_err(r->surv, r->samples, r->ntimes, last, &m, &e);
    printf("  surviving fraction %.6g +- %.2g\n", m, e);
    printf("  %.3g site updates in %.3g s: %.3g site updates/s\n", r->site_updates, r->seconds,
           r->seconds > 0 ? r->site_updates / r->seconds : 0.0);
}

/* PREFIX.csv, PREFIX.seeds.csv and PREFIX.json of a finished run. */
static int write_outputs(const dp_args *a, const dnc_dp_result *r, int argc, char **argv,
                         double t0)
{
    char *csv = dnc_path_with_suffix(a->out, ".csv");
    char *seeds = dnc_path_with_suffix(a->out, ".seeds.csv");
    char *json = dnc_path_with_suffix(a->out, ".json");
    size_t threads = a->threads ? a->threads : (size_t)omp_get_max_threads();
    cJSON *rec = make_record(argc, argv, &a->o, a->init, threads, cli_base_name(csv),
                             cli_base_name(seeds), r, t0);
    int rc = 0;
    if (write_mean_csv(csv, r) || write_seed_csv(seeds, r) || dnc_write_json_atomic(json, rec)) {
        rc = cli_fail("dp");
        remove(csv);
        remove(seeds);
    } else if (!a->quiet) {
        print_result(a, r);
        printf("  wrote %s, %s, %s\n", csv, seeds, json);
    }
    cJSON_Delete(rec);
    free(csv);
    free(seeds);
    free(json);
    return rc;
}

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    dp_args *a = ctx;
    double t0 = dnc_wall_time();
    int rc = finish_opts(a);
    if (rc)
        return rc;
    dnc_dp_result r;
    if (dnc_dp_run(&a->o, &r))
        return cli_fail("dp");
    rc = write_outputs(a, &r, argc, argv, t0);
    dnc_dp_result_free(&r);
    return rc;
}

int cmd_dp(int argc, char **argv)
{
    const char *plot = NULL;
    dp_args a = {.o = dnc_dp_opts_default(), .model = "bond1d", .init = "full", .impl = "scalar", .out = "dp",
                 .p = NAN, .seed = 1};
    cli_opt opts[] = {
        CLI_OPT("model", CLI_OPT_STRING, &a.model, "bond1d | site1d | bond2d | meanfield"),
        CLI_OPT("p", CLI_OPT_DOUBLE, &a.p, "bond/site probability (default: the model's p_c)"),
        CLI_OPT("L", CLI_OPT_SIZE, &a.o.L, "linear size (sites L, L^2 for bond2d, N = L for meanfield)"),
        CLI_OPT("tmax", CLI_OPT_SIZE, &a.o.tmax, "last time step"),
        CLI_OPT("init", CLI_OPT_STRING, &a.init, "full (all active: rho(t)) | seed (one active site)"),
        CLI_OPT("impl", CLI_OPT_STRING, &a.impl,
         "scalar (one byte per site) | multispin (64 sites per word, >10x faster, same "
         "distribution, other random numbers; lattice models only)"),
        CLI_OPT("samples", CLI_OPT_SIZE, &a.o.samples, "independent samples (error bars)"),
        CLI_OPT("runs", CLI_OPT_SIZE, &a.o.runs, "runs averaged in each sample"),
        CLI_OPT("per-decade", CLI_OPT_SIZE, &a.o.per_decade,
         "recorded times per decade after t = 10 (0: every step)"),
        CLI_OPT("seed", CLI_OPT_U64, &a.seed, "random seed"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "OpenMP threads (0: default)"),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "output prefix: PREFIX.csv, PREFIX.seeds.csv, PREFIX.json"),
        CLI_QUIET_OPTION(&a.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "dp",
                   .summary = "Directed percolation reference simulators (1+1 bond/site DP, 2+1 "
                              "bond DP, mean-field DP on the complete graph) from a fully active "
                              "lattice or a single seed. Writes the sample mean with errors over "
                              "samples, and every sample's curve for the exponent estimators.",
                   .example = "dnncrit dp --model bond1d --L 4096 --tmax 10000 --samples 8 "
                              "--out dp1d",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    cli_runner r = {run, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
