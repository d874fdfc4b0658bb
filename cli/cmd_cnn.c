/* dnncrit cnn: propagate input pairs through random 1D/2D CNNs and write the
 * per-layer order parameter (mean and error over independent networks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>
#include <omp.h>
#include <zlib.h>

#include "avalanche_out.h"
#include "cli.h"
#include "dnncrit/crackling.h"
#include "dnncrit/network.h"
#include "plot_option.h"
#include "dnncrit/cnn.h"
#include "dnncrit/io.h"
#include "dnncrit/result.h"

enum { OBS_Q, OBS_C, OBS_RHO, OBS_ACTIVE, OBS_N };

typedef struct {
    size_t dims, threads, seeds;
    const char *out, *corr, *algo, *sharing, *norm;
    bool raster, quiet, residual;
    dnc_cnn_opts opts;
    /* --avalanches: layer-time avalanches (dnc_cnn_avalanches) instead of the
     * per-layer observables */
    bool avalanches;
    const char *rule, *scope;
    double aval_threshold;
    size_t crackling, ccdf_rows;
    const char *ccdf;
    const char *plot; /* --plot: the propagation's figure */
    double t0; /* when the command started */
} cnn_args;

/* Streams rho(x, l) of every seed into PREFIX.raster.csv.gz. */
typedef struct {
    dnc_afile file;
    gzFile gz;
    uint64_t seed;
    dnc_progress *progress;
    size_t layers_done;
} raster_sink;

static dnc_status on_layer(void *ctx, size_t layer, const double *rho_x, size_t S)
{
    raster_sink *rs = ctx;
    dnc_progress_update(rs->progress, ++rs->layers_done);
    if (!rs->gz)
        return DNC_OK;
    gzprintf(rs->gz, "%llu,%zu", (unsigned long long)rs->seed, layer);
    for (size_t s = 0; s < S; s++)
        gzprintf(rs->gz, ",%.10g", rho_x[s]);
    if (gzputc(rs->gz, '\n') < 0)
        return dnc_fail(DNC_EIO, "cannot write the raster file %s", rs->file.path);
    return DNC_OK;
}

static dnc_status raster_open(raster_sink *rs, const char *prefix, size_t S)
{
    char *path = dnc_path_with_suffix(prefix, ".raster.csv.gz");
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_status st = dnc_afile_open(&rs->file, path);
    free(path);
    if (st)
        return st;
    int fd = dup(fileno(rs->file.fp));
    rs->gz = fd >= 0 ? gzdopen(fd, "wb6") : NULL;
    if (!rs->gz) {
        if (fd >= 0)
            close(fd);
        dnc_afile_abort(&rs->file);
        return dnc_fail(DNC_EIO, "cannot open a gzip stream for the raster file");
    }
    gzputs(rs->gz, "seed,layer");
    for (size_t s = 0; s < S; s++)
        gzprintf(rs->gz, ",s%zu", s);
    gzputc(rs->gz, '\n');
    return DNC_OK;
}

static dnc_status raster_close(raster_sink *rs, bool commit)
{
    if (!rs->gz)
        return DNC_OK;
    int zrc = gzclose(rs->gz);
    rs->gz = NULL;
    if (!commit || zrc != Z_OK) {
        dnc_afile_abort(&rs->file);
        return commit ? dnc_fail(DNC_EIO, "cannot finish the raster file") : DNC_OK;
    }
    return dnc_afile_commit(&rs->file);
}

/* obs[(seed * depth + l) * OBS_N + k] */
static dnc_status run_seeds(cnn_args *a, raster_sink *rs, double *obs, double *flops,
                            double *seconds)
{
    size_t depth = a->opts.net.depth;
    uint64_t seed0 = a->opts.net.seed;
    for (size_t i = 0; i < a->seeds; i++) {
        dnc_cnn_opts o = a->opts;
        o.net.seed = seed0 + i;
        rs->seed = o.net.seed;
        o.site_observer = on_layer;
        o.site_observer_ctx = rs;
        dnc_cnn_result r;
        dnc_status st = dnc_cnn_propagate(&o, &r);
        if (st)
            return st;
        for (size_t l = 0; l < depth; l++) {
            double *row = obs + (i * depth + l) * OBS_N;
            row[OBS_Q] = r.q[l];
            row[OBS_C] = r.c[l];
            row[OBS_RHO] = r.rho[l];
            row[OBS_ACTIVE] = r.active[l];
        }
        *flops += r.flops;
        *seconds += r.seconds;
        dnc_cnn_result_free(&r);
    }
    return DNC_OK;
}

/* Mean and standard error over seeds of observable k at layer l (error 0 for one seed). */
static void seed_stats(const double *obs, size_t seeds, size_t depth, size_t l, int k,
                       double *mean, double *err)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < seeds; i++)
        m += obs[(i * depth + l) * OBS_N + k];
    m /= (double)seeds;
    for (size_t i = 0; i < seeds; i++) {
        double d = obs[(i * depth + l) * OBS_N + k] - m;
        v += d * d;
    }
    *mean = m;
    *err = seeds > 1 ? sqrt(v / (double)(seeds - 1) / (double)seeds) : 0.0;
}

static void survival_stats(const double *obs, size_t seeds, size_t depth, size_t l, double *p,
                           double *err)
{
    size_t alive = 0;
    for (size_t i = 0; i < seeds; i++)
        alive += obs[(i * depth + l) * OBS_N + OBS_ACTIVE] > 0;
    *p = (double)alive / (double)seeds;
    *err = seeds > 1 ? sqrt(*p * (1 - *p) / (double)seeds) : 0.0;
}

static dnc_status write_csv(const char *path, const double *obs, size_t seeds, size_t depth)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    dnc_result_write_header(f.fp, DNC_RESULT_CNN);
    for (size_t l = 0; l < depth; l++) {
        double q, qe, c, ce, rho, re, act, ae, p, pe;
        seed_stats(obs, seeds, depth, l, OBS_Q, &q, &qe);
        seed_stats(obs, seeds, depth, l, OBS_C, &c, &ce);
        seed_stats(obs, seeds, depth, l, OBS_RHO, &rho, &re);
        seed_stats(obs, seeds, depth, l, OBS_ACTIVE, &act, &ae);
        survival_stats(obs, seeds, depth, l, &p, &pe);
        fprintf(f.fp, "%zu,%.12g,%.12g,%.6g,%.12g,%.6g,%.12g,%.6g,%.6g,%.12g,%.6g\n", l + 1, q, rho,
                re, act, ae, p, pe, qe, c, ce);
    }
    return dnc_afile_commit(&f);
}

/* One block of rows per seed, column names as in `dnncrit dp`'s PREFIX.seeds.csv
 * (surv, nact) so that `dnncrit exponents` bootstraps over seeds. */
static dnc_status write_seeds_csv(const char *path, const double *obs, size_t seeds,
                                  size_t depth, uint64_t seed0, size_t S)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    dnc_result_write_header(f.fp, DNC_RESULT_CNN_SEEDS);
    for (size_t i = 0; i < seeds; i++)
        for (size_t l = 0; l < depth; l++) {
            const double *row = obs + (i * depth + l) * OBS_N;
            fprintf(f.fp, "%llu,%zu,%.17g,%.17g,%.17g,%.17g,%d,%.0f\n",
                    (unsigned long long)(seed0 + i), l + 1, row[OBS_Q], row[OBS_RHO], row[OBS_C],
                    row[OBS_ACTIVE], row[OBS_ACTIVE] > 0, row[OBS_ACTIVE] * (double)S);
        }
    return dnc_afile_commit(&f);
}

static void add_config(cJSON *rec, const cnn_args *a)
{
    const dnc_cnn_opts *o = &a->opts;
    cJSON *c = cJSON_AddObjectToObject(rec, "config");
    cJSON_AddNumberToObject(c, "dims", o->net.dims);
    cJSON_AddNumberToObject(c, "channels", (double)o->net.channels);
    cJSON_AddNumberToObject(c, "input_channels", (double)dnc_cnn_in_channels(&o->net, 1));
    cJSON_AddNumberToObject(c, "kernel", (double)o->net.kernel);
    cJSON_AddNumberToObject(c, "size_x", (double)o->net.size_x);
    cJSON_AddNumberToObject(c, "size_y", (double)(o->net.dims == 2 ? o->net.size_y : 1));
    cJSON_AddNumberToObject(c, "sites", (double)dnc_cnn_sites(&o->net));
    cJSON_AddNumberToObject(c, "depth", (double)o->net.depth);
    cJSON_AddStringToObject(c, "activation", dnc_activation_name(o->net.activation));
    cJSON_AddNumberToObject(c, "sigma_w", o->net.sigma_w);
    cJSON_AddNumberToObject(c, "sigma_b", o->net.sigma_b);
    cJSON_AddBoolToObject(c, "residual", o->net.residual);
    if (o->net.residual)
        cJSON_AddNumberToObject(c, "residual_alpha", o->net.residual_alpha);
    cJSON_AddStringToObject(c, "norm", dnc_cnn_norm_name(o->net.norm));
    cJSON_AddNumberToObject(c, "block", (double)o->net.block);
    cJSON_AddNumberToObject(c, "seed", (double)o->net.seed);
    cJSON_AddNumberToObject(c, "seeds", (double)a->seeds);
    cJSON_AddNumberToObject(c, "batch", (double)o->batch);
    cJSON_AddNumberToObject(c, "input_q", o->input_q);
    cJSON_AddNumberToObject(c, "input_c", o->input_c);
    cJSON_AddNumberToObject(c, "perturb", (double)o->perturb_width);
    cJSON_AddStringToObject(c, "corr", o->corr == DNC_CORR_POST ? "post" : "pre");
    cJSON_AddNumberToObject(c, "threshold", o->threshold);
    cJSON_AddStringToObject(c, "sharing", dnc_cnn_sharing_name(o->net.sharing));
    cJSON_AddNumberToObject(c, "damage_cutoff", o->damage_cutoff);
    cJSON_AddStringToObject(c, "algo", a->algo);
    cJSON_AddNumberToObject(c, "threads", omp_get_max_threads());
}

static dnc_status write_json(const char *path, const char *csv_name, const char *seeds_name,
                             const char *raster_name,
                             cJSON *rec, const cnn_args *a, const double *obs, double flops,
                             double seconds, double t0)
{
    size_t depth = a->opts.net.depth, last = depth - 1;
    add_config(rec, a);
    double m, e;
    cJSON *res = cJSON_AddObjectToObject(rec, "results");
    seed_stats(obs, a->seeds, depth, last, OBS_RHO, &m, &e);
    cJSON_AddItemToObject(res, "rho_last", dnc_json_estimate(m, e));
    seed_stats(obs, a->seeds, depth, last, OBS_ACTIVE, &m, &e);
    cJSON_AddItemToObject(res, "active_fraction_last", dnc_json_estimate(m, e));
    seed_stats(obs, a->seeds, depth, last, OBS_Q, &m, &e);
    cJSON_AddItemToObject(res, "q_last", dnc_json_estimate(m, e));
    survival_stats(obs, a->seeds, depth, last, &m, &e);
    cJSON_AddItemToObject(res, "survival_last", dnc_json_estimate(m, e));
    dnc_conv_shape sh = {a->opts.net.dims, a->opts.net.channels, a->opts.net.channels,
                         a->opts.net.kernel, a->opts.net.size_x, a->opts.net.size_y};
    cJSON_AddStringToObject(res, "conv_algorithm",
                            a->opts.net.sharing == DNC_CNN_LOCAL
                                ? "local"
                                : dnc_conv_algo_name(dnc_conv_resolve(&sh, a->opts.algo)));
    cJSON *outs = cJSON_AddObjectToObject(rec, "outputs");
    cJSON_AddStringToObject(outs, "csv", csv_name);
    cJSON_AddStringToObject(outs, "seeds_csv", seeds_name);
    if (raster_name)
        cJSON_AddStringToObject(outs, "raster", raster_name);
    cJSON *t = cJSON_AddObjectToObject(rec, "timings");
    cJSON_AddNumberToObject(t, "propagate_s", seconds);
    cJSON_AddNumberToObject(t, "conv_gflop", flops * 1e-9);
    cJSON_AddNumberToObject(t, "gflop_per_s", seconds > 0 ? flops * 1e-9 / seconds : 0);
    dnc_run_record_finish(rec, t0);
    return dnc_write_json_atomic(path, rec);
}

static void print_summary(const cnn_args *a, const double *obs, double seconds, double flops)
{
    size_t depth = a->opts.net.depth;
    printf("%8s %14s %12s %12s %10s\n", "layer", "q", "rho", "rho_err", "active");
    size_t step = depth > 10 ? depth / 10 : 1;
    for (size_t l = 0; l < depth; l++) {
        if (l + 1 != depth && (l + 1) % step != 0 && l != 0)
            continue;
        double q, qe, rho, re, act, ae;
        seed_stats(obs, a->seeds, depth, l, OBS_Q, &q, &qe);
        seed_stats(obs, a->seeds, depth, l, OBS_RHO, &rho, &re);
        seed_stats(obs, a->seeds, depth, l, OBS_ACTIVE, &act, &ae);
        printf("%8zu %14.6g %12.6g %12.3g %10.4f\n", l + 1, q, rho, re, act);
    }
    printf("%zu network(s), %.3g s in convolutions and observables, %.2f GFLOP/s\n", a->seeds,
           seconds, seconds > 0 ? flops * 1e-9 / seconds : 0.0);
}

static int run(cnn_args *a, int argc, char **argv, double t0)
{
    size_t depth = a->opts.net.depth, S = dnc_cnn_sites(&a->opts.net);
    char *csv = dnc_path_with_suffix(a->out, ".csv"), *json = dnc_path_with_suffix(a->out, ".json");
    char *seeds_csv = dnc_path_with_suffix(a->out, ".seeds.csv");
    char *raster = a->raster ? dnc_path_with_suffix(a->out, ".raster.csv.gz") : NULL;
    double *obs = malloc(a->seeds * depth * OBS_N * sizeof *obs);
    cJSON *rec = dnc_run_record_new("cnn", argc, argv);
    dnc_progress progress;
    raster_sink rs = {.progress = &progress};
    dnc_status st = (!csv || !json || !seeds_csv || (a->raster && !raster) || !obs || !rec)
                        ? dnc_fail(DNC_ENOMEM, "out of memory")
                        : DNC_OK;
    if (!st && a->raster)
        st = raster_open(&rs, a->out, S);
    double flops = 0, seconds = 0;
    if (!st) {
        dnc_progress_start(&progress, "cnn", a->seeds * depth, a->quiet);
        st = run_seeds(a, &rs, obs, &flops, &seconds);
        dnc_progress_finish(&progress);
    }
    dnc_status rst = raster_close(&rs, !st);
    if (!st)
        st = rst;
    if (!st)
        st = write_csv(csv, obs, a->seeds, depth);
    if (!st)
        st = write_seeds_csv(seeds_csv, obs, a->seeds, depth, a->opts.net.seed, S);
    if (!st)
        st = write_json(json, cli_base_name(csv), cli_base_name(seeds_csv), raster ? cli_base_name(raster) : NULL, rec, a, obs,
                        flops, seconds, t0);
    if (!st && !a->quiet)
        print_summary(a, obs, seconds, flops);
    int rc = st ? cli_fail("cnn") : 0;
    if (st) { /* a failed run leaves nothing behind */
        if (raster)
            remove(raster);
        remove(csv);
        remove(seeds_csv);
    }
    cJSON_Delete(rec);
    free(obs);
    free(csv);
    free(json);
    free(seeds_csv);
    free(raster);
    return rc;
}

/* --avalanches: the avalanches of --seeds networks, their fits (the files of
 * `dnncrit avalanches`) and, with --crackling B, the crackling relation with
 * a bootstrap of B resamples. */
static dnc_status avalanche_opts(const cnn_args *a, dnc_cnn_aval_opts *o)
{
    *o = dnc_cnn_aval_opts_default();
    o->cnn = a->opts;
    o->networks = a->seeds;
    dnc_status st = dnc_net_rule_parse(a->rule, &o->rule);
    if (!st)
        st = dnc_threshold_scope_parse(a->scope, &o->scope);
    if (st)
        return st;
    if (a->aval_threshold > 0)
        o->threshold = a->aval_threshold;
    else if (o->rule == DNC_NET_DAMAGE)
        o->threshold = a->opts.threshold;
    o->analysis.seed = a->opts.net.seed;
    return dnc_cnn_aval_opts_validate(o);
}

static void add_avalanche_config(cJSON *rec, const dnc_cnn_aval_opts *o, const cnn_args *a)
{
    cJSON *c = cJSON_GetObjectItem(rec, "config");
    cJSON_AddStringToObject(c, "rule", dnc_net_rule_name(o->rule));
    cJSON_AddStringToObject(c, "threshold_scope", dnc_threshold_scope_name(o->scope));
    cJSON_AddNumberToObject(c, "aval_threshold", o->threshold);
    cJSON_AddNumberToObject(c, "crackling", (double)a->crackling);
}

static dnc_status avalanche_results(cJSON *r, const dnc_cnn_aval_result *res,
                                    const dnc_cnn_aval_opts *o, const cnn_args *a,
                                    cli_outset *os)
{
    cJSON_AddNumberToObject(r, "trials", (double)res->seeded);
    cJSON_AddNumberToObject(r, "cut", (double)res->cut);
    cJSON_AddNumberToObject(r, "avalanches", (double)res->av.count);
    FILE *fp;
    dnc_status st = cli_outset_open(os, a->out, "_layers.csv", &fp);
    if (st)
        return st;
    fprintf(fp, "layer,active_mean\n");
    for (size_t l = 0; l < res->depth; l++)
        fprintf(fp, "%zu,%.10g\n", l + 1, res->active_mean[l]);
    if (!res->analysed) {
        cJSON_AddStringToObject(r, "analysis_error", res->analysis_error);
        return DNC_OK;
    }
    st = cli_write_avalanche_outputs(os, a->out, &res->av, &res->analysis, a->ccdf_rows, r);
    if (st || !a->crackling)
        return st;
    dnc_crackling_measurement m;
    st = dnc_crackling_measure(&res->av, &o->analysis, a->crackling, o->cnn.net.seed, &m);
    if (st == DNC_EINVAL || st == DNC_ENUM) { /* no fit: a result, said in the JSON */
        cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "crackling_bootstrap"), "error",
                                dnc_last_error());
        dnc_clear_error();
        return DNC_OK;
    }
    if (!st)
        cli_json_crackling(cJSON_AddObjectToObject(r, "crackling_bootstrap"), &m);
    return st;
}

static int run_avalanches(cnn_args *a, int argc, char **argv, double t0)
{
    dnc_cnn_aval_opts o;
    if (avalanche_opts(a, &o))
        return cli_fail("cnn") + 1; /* bad options: a usage error */
    dnc_cnn_aval_result res;
    if (dnc_cnn_avalanches(&o, &res))
        return cli_fail("cnn");
    cJSON *rec = dnc_run_record_new("cnn", argc, argv);
    dnc_status st = rec ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    cli_outset os = {0};
    if (!st) {
        add_config(rec, a);
        add_avalanche_config(rec, &o, a);
        st = avalanche_results(cJSON_AddObjectToObject(rec, "results"), &res, &o, a, &os);
        dnc_run_record_finish(rec, t0);
    }
    if (!st)
        st = cli_outset_commit(&os, a->out, rec);
    else
        cli_outset_abort(&os);
    if (!st && !a->quiet) {
        printf("cnn avalanches: %zu networks x %zu inputs, rule %s (%s threshold %g): %zu "
               "avalanches, %zu trials active at the last layer\n",
               a->seeds, a->opts.batch, dnc_net_rule_name(o.rule),
               dnc_threshold_scope_name(o.scope), o.threshold, res.av.count, res.cut);
        if (res.analysed)
            cli_print_avalanche_summary(&res.analysis);
        else
            printf("not fitted: %s\n", res.analysis_error);
    }
    cJSON_Delete(rec);
    dnc_cnn_aval_result_free(&res);
    return st ? cli_fail("cnn") : 0;
}

static dnc_status finish_args(cnn_args *a)
{
    dnc_cnn_opts *o = &a->opts;
    if (a->dims != 1 && a->dims != 2)
        return dnc_fail(DNC_EINVAL, "--dims must be 1 or 2, got %zu", a->dims);
    o->net.dims = (int)a->dims;
    if (a->seeds == 0 || a->seeds > 1000000)
        return dnc_fail(DNC_EINVAL, "--seeds must be between 1 and 1000000, got %zu", a->seeds);
    if (strcmp(a->corr, "pre") == 0)
        o->corr = DNC_CORR_PRE;
    else if (strcmp(a->corr, "post") == 0)
        o->corr = DNC_CORR_POST;
    else
        return dnc_fail(DNC_EINVAL, "--corr must be pre or post, got '%s'", a->corr);
    dnc_status st = dnc_conv_algo_parse(a->algo, &o->algo);
    if (!st)
        st = dnc_cnn_sharing_parse(a->sharing, &o->net.sharing);
    if (!st)
        st = dnc_cnn_norm_parse(a->norm, &o->net.norm);
    if (st)
        return st;
    if (o->batch < 2)
        return dnc_fail(DNC_EINVAL, "--batch must be >= 2 (rho compares inputs), got %zu",
                        o->batch);
    if (a->threads > 1024)
        return dnc_fail(DNC_EINVAL, "--threads must be at most 1024, got %zu", a->threads);
    if (!a->out || !*a->out)
        return dnc_fail(DNC_EINVAL, "--out must name an output prefix");
    if (cli_ccdf_rows_parse(a->ccdf, &a->ccdf_rows) != 0)
        return dnc_fail(DNC_EINVAL, "--ccdf-rows must be an integer >= 2 or 'all', got '%s'",
                        a->ccdf);
    if (a->avalanches && a->raster)
        return dnc_fail(DNC_EINVAL, "--raster writes rho(x, l) of the propagation; it does not "
                                    "go with --avalanches");
    if (a->avalanches && a->plot)
        return dnc_fail(DNC_EINVAL, "--plot draws the propagation's figure; it does not go "
                                    "with --avalanches");
    if (!a->avalanches && a->crackling)
        return dnc_fail(DNC_EINVAL, "--crackling needs --avalanches");
    return dnc_cnn_opts_validate(o);
}

/* The options checked (a usage error: 2), then the run. */
static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    cnn_args *a = ctx;
    a->opts.net.residual = a->residual || cli_seen(cli, "residual-alpha");
    if (a->residual && !cli_seen(cli, "residual-alpha"))
        a->opts.net.residual_alpha = 1.0;
    if (finish_args(a))
        return cli_fail("cnn") + 1;
    if (a->threads) {
        omp_set_num_threads((int)a->threads);
        openblas_set_num_threads((int)a->threads);
    }
    return a->avalanches ? run_avalanches(a, argc, argv, a->t0) : run(a, argc, argv, a->t0);
}

int cmd_cnn(int argc, char **argv)
{
    cnn_args a = {.dims = 1, .seeds = 1, .out = "cnn", .corr = "pre", .algo = "auto",
                  .sharing = "shared", .norm = "none", .rule = "pre", .scope = "layer",
                  .ccdf = CLI_CCDF_ROWS_DEFAULT,
                  .opts = dnc_cnn_opts_default(), .t0 = dnc_wall_time()};
    dnc_cnn_config *n = &a.opts.net;
    n->residual_alpha = 0.0; /* shown as the default; residual blocks stay off unless given */
    cli_opt opts[] = {
        CLI_OPT("dims", CLI_OPT_SIZE, &a.dims, "spatial dimensions, 1 or 2"),
        CLI_OPT("channels", CLI_OPT_SIZE, &n->channels, "channels C per site"),
        CLI_OPT("input-channels", CLI_OPT_SIZE, &n->input_channels, "input channels C_0 (0: same as C)"),
        CLI_OPT("kernel", CLI_OPT_SIZE, &n->kernel, "kernel size k (odd, <= lattice size)"),
        CLI_OPT("size-x", CLI_OPT_SIZE, &n->size_x, "lattice size L_x (periodic)"),
        CLI_OPT("size-y", CLI_OPT_SIZE, &n->size_y, "lattice size L_y (2D only)"),
        CLI_PARAM(dnc_net_param_depth, &n->depth),
        CLI_PARAM_HELP(dnc_net_param_activation, &n->activation, dnc_activation_list()),
        CLI_PARAM_HELP(dnc_net_param_sigma_w, &n->sigma_w, "weight scale: W ~ N(0, sigma_w^2 / (C k^d))"),
        CLI_PARAM(dnc_net_param_sigma_b, &n->sigma_b),
        CLI_OPT("residual-alpha", CLI_OPT_DOUBLE, &n->residual_alpha,
         "residual blocks h + alpha F(h), on only when this option is given"),
        CLI_OPT("residual", CLI_OPT_FLAG, &a.residual,
         "residual blocks h + alpha F(h) with alpha = 1 unless --residual-alpha is given"),
        CLI_OPT("norm", CLI_OPT_STRING, &a.norm,
         "normalisation before each activation of a block: none, batch-train (batch "
         "statistics over inputs and sites; needs --batch >= 2, results depend on it) or "
         "batch-eval (running statistics at initialisation: x / sqrt(1 + 1e-5))"),
        CLI_OPT_IN("block", CLI_OPT_SIZE, &n->block,
         "convolutions per block (layers >= 2): 1, or 2 (pre-activation basic block)", "[1,2]"),
        CLI_PARAM_HELP(dnc_net_param_seed, &n->seed, "first network seed"),
        CLI_OPT("seeds", CLI_OPT_SIZE, &a.seeds, "independent networks (seed, seed+1, ...)"),
        CLI_OPT("batch", CLI_OPT_SIZE, &a.opts.batch, "inputs per network (rho averages pairs)"),
        CLI_OPT("input-q", CLI_OPT_DOUBLE, &a.opts.input_q, "input variance per component"),
        CLI_OPT("input-c", CLI_OPT_DOUBLE, &a.opts.input_c,
         "input correlation inside the perturbed region, in [0, 1]"),
        CLI_OPT("perturb", CLI_OPT_SIZE, &a.opts.perturb_width,
         "damage spreading: inputs differ only in a central window of this width (0: everywhere)"),
        CLI_OPT("threshold", CLI_OPT_DOUBLE, &a.opts.threshold, "a site is active when rho(x) > this"),
        CLI_OPT_IN("damage-cutoff", CLI_OPT_DOUBLE, &a.opts.damage_cutoff,
         "after each layer reset sites with 0 < rho(x) < X to zero damage (input 0's state), "
         "making rho(x) = 0 absorbing; active sites are then those with nonzero damage (0: off)",
         "[0,inf)"),
        CLI_OPT("corr", CLI_OPT_STRING, &a.corr, "pre or post: correlations of h or of phi(h)"),
        CLI_OPT("sharing", CLI_OPT_STRING, &a.sharing,
         "shared (a CNN: one kernel per layer) or local (locally connected: an independent "
         "kernel and bias at every site)"),
        CLI_OPT("algo", CLI_OPT_STRING, &a.algo, "convolution: auto, im2col, direct (shared only)"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "OpenMP and OpenBLAS threads (0: default)"),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "output prefix: PREFIX.csv (mean), PREFIX.seeds.csv, PREFIX.json"),
        CLI_OPT("raster", CLI_OPT_FLAG, &a.raster, "also write rho(x, l) to PREFIX.raster.csv.gz"),
        CLI_OPT("avalanches", CLI_OPT_FLAG, &a.avalanches,
         "layer-time avalanches of the --seeds networks instead: PREFIX_layers.csv, the "
         "distribution CSVs and fits of `dnncrit avalanches`, PREFIX.json"),
        CLI_OPT("rule", CLI_OPT_STRING, &a.rule,
         "--avalanches: unit (c, x) active by pre (|h|), std (|h| / layer std), abs (|phi(h)|) "
         "or damage (site x with rho(x) > --threshold)"),
        CLI_OPT("threshold-scope", CLI_OPT_STRING, &a.scope,
         "--avalanches, rules abs/std/pre: global, layer (x the layer's std: layer-dependent "
         "thresholds), unit or percentile"),
        CLI_OPT_IN("aval-threshold", CLI_OPT_DOUBLE, &a.aval_threshold,
         "--avalanches: the activity threshold theta (0: 2 for abs/std/pre, --threshold for "
         "damage)", "[0,inf)"),
        CLI_OPT("crackling", CLI_OPT_SIZE, &a.crackling,
         "--avalanches: also the crackling relation gamma - (alpha-1)/(tau-1) with a "
         "bootstrap of this many resamples (0: off)"),
        CLI_CCDF_ROWS_OPTION(&a.ccdf),
        CLI_QUIET_OPTION(&a.quiet),
        CLI_PLOT_OPTION(a.plot),
    };
    cli_command cli = {.command = "cnn",
                   .summary = "Propagate input pairs through random periodic 1D/2D CNNs (same "
                              "weights for all inputs) and write per layer q, rho = 1 - cos "
                              "similarity over channels averaged over sites, and the fraction "
                              "of active sites; mean and standard error over --seeds networks.",
                   .example = "dnncrit cnn --dims 1 --channels 16 --kernel 3 --size-x 512 "
                              "--depth 1000 --sigma-w 1.48 --sigma-b 0.3 --seeds 16 --out cnn1d",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    cli_runner r = {run_cmd, &a, &a.plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
