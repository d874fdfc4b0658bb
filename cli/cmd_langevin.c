/* dnncrit langevin: the reduced stochastic theory of information
 * propagation (dnncrit/langevin.h, docs/langevin.md) against the network:
 * the couplings r, h, D1, D2 from one-layer statistics of random networks,
 * the class they select, and the avalanche exponents of the reduced
 * process (predicted) beside those of the network's damage avalanches
 * (measured), both with the same avalanche rule and fits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "avalanche_out.h"
#include "cli.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/io.h"
#include "dnncrit/langevin.h"
#include "dnncrit/result.h"
#include "plot_option.h"

typedef struct {
    dnc_mlp_config net;
    const char *engine, *drift;
    size_t fit_networks, starts, bins, min_count;
    double x_min, x_max, input_q, fit_x_max;
    size_t networks, inputs, trajectories;
    double threshold, delta;
    double xmin_size, xmin_duration;
    size_t threads;
    const char *ccdf_rows;
    const char *out;
    bool quiet;
} lg_args;

static void json_couplings(cJSON *r, const dnc_langevin_fit *f)
{
    cJSON *c = cJSON_AddObjectToObject(r, "couplings");
    cli_json_value_error(c, "r", f->c.r, f->err.r);
    cli_json_value_error(c, "h", f->c.h, f->err.h);
    cli_json_value_error(c, "D1", f->c.d1, f->err.d1);
    cli_json_value_error(c, "D2", f->c.d2, f->err.d2);
    cli_json_number(c, "drift_chi2_dof", f->drift_chi2_dof);
    cli_json_number(c, "diffusion_chi2_dof", f->diffusion_chi2_dof);
    cli_json_value_error(c, "log_drift", f->log_drift, f->log_drift_err);
    cli_json_value_error(c, "ratio_mean", f->ratio_mean, f->ratio_mean_err);
    cJSON_AddNumberToObject(c, "pairs", (double)f->pairs);
    cJSON_AddNumberToObject(c, "bins", (double)f->nbins);
}

static void json_class(cJSON *r, const dnc_langevin_class *k, double x0, double x_obs)
{
    cJSON *c = cJSON_AddObjectToObject(r, "class");
    cJSON_AddStringToObject(c, "name", dnc_langevin_class_name(k->kind));
    cli_json_number(c, "crossover_D1_over_D2", k->crossover);
    cli_json_number(c, "x0", x0);
    cli_json_number(c, "x_obs", x_obs);
    cli_json_number(c, "alpha_closed_form", k->alpha);
    cli_json_number(c, "tau_closed_form", k->tau);
    cli_json_number(c, "gamma_closed_form", k->gamma);
    cli_json_number(c, "effective_drift", k->drift);
    cli_json_number(c, "cutoff_layers", k->cutoff);
}

static dnc_status write_bins(cli_outset *os, const char *prefix, const dnc_langevin_fit *f)
{
    FILE *fp;
    dnc_status st = cli_outset_open(os, prefix, ".csv", &fp);
    if (st)
        return st;
    dnc_result_write_header(fp, DNC_RESULT_LANGEVIN_BINS);
    for (size_t b = 0; b < f->nbins; b++) {
        double x = f->x[b];
        fprintf(fp, "%.10g,%zu,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", x, f->n[b], f->mean[b],
                f->mean_err[b], f->var[b], f->var_err[b], dnc_langevin_drift(&f->c, x),
                dnc_langevin_diffusion(&f->c, x));
    }
    return DNC_OK;
}

/* One avalanche set analysed and written under PREFIX_<name>_*.csv, its
 * numbers in results.<name>; *an is kept for the summary. */
static dnc_status one_side(cli_outset *os, const lg_args *a, const char *name,
                           const dnc_avalanches *av, size_t cut, size_t rows, cJSON *results,
                           dnc_avalanche_analysis *an)
{
    const char *prefix = a->out;
    cJSON *r = cJSON_AddObjectToObject(results, name);
    cJSON_AddNumberToObject(r, "cut", (double)cut);
    dnc_avalanche_opts ao = dnc_avalanche_opts_default();
    ao.seed = a->net.seed;
    ao.size_fit.xmin = a->xmin_size;
    ao.duration_fit.xmin = a->xmin_duration;
    if (dnc_avalanche_analyse(av, &ao, an)) {
        cJSON_AddStringToObject(r, "analysis_error", dnc_last_error());
        cJSON_AddNumberToObject(r, "avalanches", (double)av->count);
        fprintf(stderr, "dnncrit langevin: warning: no exponent analysis of the %s avalanches: "
                        "%s\n", name, dnc_last_error());
        return DNC_OK;
    }
    size_t n = strlen(prefix) + strlen(name) + 2;
    char *sub = malloc(n);
    if (!sub)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    snprintf(sub, n, "%s_%s", prefix, name);
    dnc_status st = cli_write_avalanche_outputs(os, sub, av, an, rows, r);
    free(sub);
    return st;
}

static void say_side(const char *name, const dnc_avalanches *av, size_t cut,
                     const dnc_avalanche_analysis *an)
{
    printf("  %-9s %7zu avalanches (%zu cut at the last layer): tau = %.3f +- %.3f, alpha = "
           "%.3f +- %.3f, gamma = %.3f +- %.3f\n",
           name, av->count, cut, an->size.alpha, an->size.alpha_err, an->duration.alpha,
           an->duration.alpha_err, an->gamma_ok ? an->sd.gamma : NAN,
           an->gamma_ok ? an->sd.gamma_err : NAN);
}

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    const lg_args *a = ctx;
    if (a->threads > 0)
        omp_set_num_threads((int)a->threads);
    size_t rows;
    if (cli_ccdf_rows_parse(a->ccdf_rows, &rows))
        return cli_failf("langevin", "--ccdf-rows must be 'all' or an integer >= 2, got '%s'",
                         a->ccdf_rows) + 1;
    double t0 = dnc_wall_time();
    dnc_langevin_net_opts mo = dnc_langevin_net_opts_default();
    mo.net = a->net;
    mo.networks = a->fit_networks;
    mo.starts = a->starts;
    mo.x_min = a->x_min;
    mo.x_max = a->x_max;
    mo.input_q = a->input_q;
    mo.bins = a->bins;
    mo.min_count = a->min_count;
    mo.fit_x_max = a->fit_x_max;
    dnc_net_aval_opts no = dnc_net_aval_opts_default();
    no.net = a->net;
    no.networks = a->networks;
    no.inputs = a->inputs;
    no.input_q = a->input_q;
    no.rule = DNC_NET_DAMAGE;
    no.threshold = a->threshold;
    no.delta = a->delta;
    size_t traj = a->trajectories ? a->trajectories : a->networks * a->inputs;
    if (dnc_engine_kind_parse(a->engine, &mo.engine) ||
        dnc_engine_kind_parse(a->engine, &no.engine) || dnc_net_aval_opts_validate(&no))
        return cli_fail("langevin") + 1;
    if (!(a->x_min > 0) || !(a->x_max >= a->x_min) || !(a->x_max < 1))
        return cli_failf("langevin", "need 0 < --x-min <= --x-max < 1, got %g, %g", a->x_min,
                         a->x_max) + 1;
    if (a->fit_networks < 2 || a->starts < 1 || a->bins < 3 || a->min_count < 2)
        return cli_failf("langevin", "need --fit-networks >= 2, --starts >= 1, --bins >= 3, "
                                     "--min-count >= 2") + 1;
    if (a->net.depth < 2)
        return cli_failf("langevin", "--depth must be >= 2 (one-layer steps)") + 1;
    if (strcmp(a->drift, "fit") != 0 && strcmp(a->drift, "log") != 0)
        return cli_failf("langevin", "--drift must be fit or log, got '%s'", a->drift) + 1;

    dnc_progress pg;
    dnc_progress_start(&pg, "langevin", 3, a->quiet);
    dnc_langevin_fit fit = {0};
    dnc_net_aval_result nres = {0};
    dnc_avalanches sav = {0};
    dnc_avalanche_analysis nan_ = {0}, san = {0};
    cJSON *root = NULL;
    cli_outset os = {0};
    size_t scut = 0;
    double q = NAN, x0 = NAN, x_obs = NAN, sim_r = NAN;
    dnc_langevin_class cls;
    dnc_status st = dnc_langevin_measure(&mo, &fit, &q);
    dnc_progress_update(&pg, 1);
    if (!st)
        st = dnc_langevin_damage_scales(&a->net, a->input_q, a->delta, a->threshold, q, &x0,
                                        &x_obs);
    if (!st)
        st = dnc_langevin_classify(&fit.c, x_obs, &cls);
    if (!st)
        st = dnc_net_avalanches(&no, &nres);
    dnc_progress_update(&pg, 2);
    if (!st) {
        dnc_langevin_sim_opts so = dnc_langevin_sim_opts_default();
        so.c = fit.c;
        if (strcmp(a->drift, "log") == 0)
            so.c.r = fit.log_drift + fit.c.d2 / 2;
        sim_r = so.c.r;
        so.x0 = x0;
        so.max_steps = a->net.depth;
        so.units = a->net.width;
        so.x_obs = x_obs;
        so.seed = a->net.seed;
        st = dnc_langevin_avalanches(&so, traj, &sav, &scut);
    }
    dnc_progress_update(&pg, 3);
    dnc_progress_finish(&pg);
    if (st)
        goto done;
    root = dnc_run_record_new("langevin", argc, argv);
    cJSON *c = cJSON_AddObjectToObject(root, "config");
    cJSON_AddStringToObject(c, "activation", dnc_activation_name(a->net.activation));
    cJSON_AddNumberToObject(c, "width", (double)a->net.width);
    cJSON_AddNumberToObject(c, "depth", (double)a->net.depth);
    cJSON_AddNumberToObject(c, "sigma_w", a->net.sigma_w);
    cJSON_AddNumberToObject(c, "sigma_b", a->net.sigma_b);
    cJSON_AddStringToObject(c, "engine", a->engine);
    cJSON_AddNumberToObject(c, "fit_networks", (double)a->fit_networks);
    cJSON_AddNumberToObject(c, "starts", (double)a->starts);
    cJSON_AddNumberToObject(c, "x_min", a->x_min);
    cJSON_AddNumberToObject(c, "x_max", a->x_max);
    cJSON_AddNumberToObject(c, "bins", (double)a->bins);
    cJSON_AddNumberToObject(c, "fit_x_max", a->fit_x_max);
    cJSON_AddStringToObject(c, "drift", a->drift);
    cJSON_AddNumberToObject(c, "min_count", (double)a->min_count);
    cJSON_AddNumberToObject(c, "input_q", a->input_q);
    cJSON_AddNumberToObject(c, "networks", (double)a->networks);
    cJSON_AddNumberToObject(c, "inputs", (double)a->inputs);
    cJSON_AddNumberToObject(c, "trajectories", (double)traj);
    cJSON_AddNumberToObject(c, "threshold", a->threshold);
    cJSON_AddNumberToObject(c, "delta", a->delta);
    cJSON_AddNumberToObject(c, "xmin_size", a->xmin_size);
    cJSON_AddNumberToObject(c, "xmin_duration", a->xmin_duration);
    cJSON_AddNumberToObject(c, "seed", (double)a->net.seed);
    cJSON_AddNumberToObject(c, "threads", omp_get_max_threads());
    cJSON_AddStringToObject(c, "out", a->out);
    cJSON *r = cJSON_AddObjectToObject(root, "results");
    json_couplings(r, &fit);
    cli_json_number(r, "q_mean", q);
    cli_json_number(r, "simulated_r", sim_r);
    json_class(r, &cls, x0, x_obs);
    if (!(st = write_bins(&os, a->out, &fit)) &&
        !(st = one_side(&os, a, "network", &nres.av, nres.cut, rows, r, &nan_)))
        st = one_side(&os, a, "langevin", &sav, scut, rows, r, &san);
    dnc_run_record_finish(root, t0);
    if (!st)
        st = cli_outset_commit(&os, a->out, root);
    else
        cli_outset_abort(&os);
    if (!st && !a->quiet) {
        printf("langevin: %s MLP N = %zu, L = %zu, sigma_w = %g, sigma_b = %g\n",
               dnc_activation_name(a->net.activation), a->net.width, a->net.depth,
               a->net.sigma_w, a->net.sigma_b);
        printf("  couplings from %zu one-layer steps: r = %.4g +- %.2g, h = %.4g +- %.2g, "
               "D1 = %.4g +- %.2g, D2 = %.4g +- %.2g\n",
               fit.pairs, fit.c.r, fit.err.r, fit.c.h, fit.err.h, fit.c.d1, fit.err.d1, fit.c.d2,
               fit.err.d2);
        printf("  direct: mean ln(x'/x) = %.4g +- %.2g, mean x'/x - 1 = %.4g +- %.2g; "
               "simulated with r = %.4g (--drift %s)\n",
               fit.log_drift, fit.log_drift_err, fit.ratio_mean, fit.ratio_mean_err, sim_r,
               a->drift);
        printf("  class at the damage scale x_obs = %.3g (x0 = %.3g, D1/D2 = %.3g): %s, "
               "closed-form alpha = %g, effective drift %.3g (cutoff ~%.3g layers)\n",
               x_obs, x0, cls.crossover, dnc_langevin_class_name(cls.kind), cls.alpha, cls.drift,
               cls.cutoff);
        if (nan_.size.n)
            say_side("network", &nres.av, nres.cut, &nan_);
        if (san.size.n)
            say_side("langevin", &sav, scut, &san);
    }
done:
    cJSON_Delete(root);
    dnc_avalanche_analysis_free(&nan_);
    dnc_avalanche_analysis_free(&san);
    dnc_avalanches_free(&sav);
    dnc_net_aval_result_free(&nres);
    dnc_langevin_fit_free(&fit);
    return st ? cli_fail("langevin") : 0;
}

int cmd_langevin(int argc, char **argv)
{
    const char *plot = NULL;
    dnc_net_aval_opts d = dnc_net_aval_opts_default();
    dnc_langevin_net_opts m = dnc_langevin_net_opts_default();
    lg_args a = {.net = d.net, .engine = "ensemble", .drift = "fit", .fit_networks = m.networks,
                 .starts = m.starts, .bins = m.bins, .min_count = m.min_count, .x_min = m.x_min,
                 .x_max = m.x_max, .input_q = 1, .fit_x_max = m.fit_x_max, .networks = 8, .inputs = 200,
                 .trajectories = 0, .threshold = 2, .delta = d.delta, .xmin_size = 0, .xmin_duration = 0,
                 .threads = 0,
                 .ccdf_rows = CLI_CCDF_ROWS_DEFAULT, .out = "langevin", .quiet = false};
    cli_opt opts[] = {
        CLI_PARAM(dnc_net_param_width, &a.net.width),
        CLI_PARAM_HELP(dnc_net_param_depth, &a.net.depth, "layers L (time steps)"),
        CLI_PARAM(dnc_net_param_sigma_w, &a.net.sigma_w),
        CLI_PARAM(dnc_net_param_sigma_b, &a.net.sigma_b),
        CLI_PARAM_HELP(dnc_net_param_activation, &a.net.activation, dnc_activation_list()),
        CLI_PARAM_HELP(dnc_propagate_param_engine, &a.engine,
                       "networks of the coupling fit and the avalanches: ensemble (default; "
                       "exact law, rho resolved to 1e-300) or explicit (drawn weights)"),
        CLI_OPT("fit-networks", CLI_OPT_SIZE, &a.fit_networks,
                "networks per starting distance for the coupling fit (>= 2)"),
        CLI_OPT("starts", CLI_OPT_SIZE, &a.starts,
                "starting distances rho_0, log-spaced from --x-max down to --x-min"),
        CLI_OPT("x-min", CLI_OPT_DOUBLE, &a.x_min, "smallest starting distance rho_0"),
        CLI_OPT("x-max", CLI_OPT_DOUBLE, &a.x_max, "largest starting distance rho_0 (< 1)"),
        CLI_OPT("bins", CLI_OPT_SIZE, &a.bins, "bins in ln x of the one-layer statistics"),
        CLI_OPT_IN("fit-x-max", CLI_OPT_DOUBLE, &a.fit_x_max,
                   "fit the couplings on the steps from x <= this only (1: all; smaller: the "
                   "small-x regime where the avalanches live)", "(0,1]"),
        CLI_OPT("min-count", CLI_OPT_SIZE, &a.min_count, "one-layer steps a bin needs"),
        CLI_OPT("drift", CLI_OPT_STRING, &a.drift,
                "r of the simulation: fit (the binned regression) or log (mean ln(x'/x) + D2/2: "
                "the measured log drift, Ito-corrected)"),
        CLI_OPT("input-q", CLI_OPT_DOUBLE, &a.input_q, "variance per input component"),
        CLI_PARAM_HELP(dnc_propagate_param_networks, &a.networks,
                       "networks of the damage avalanches (seeds seed..seed+K-1)"),
        CLI_OPT("inputs", CLI_OPT_SIZE, &a.inputs, "damage pairs per network for the avalanches"),
        CLI_OPT("trajectories", CLI_OPT_SIZE, &a.trajectories,
                "trajectories of the reduced process (0: networks x inputs, as the network)"),
        CLI_OPT("threshold", CLI_OPT_DOUBLE, &a.threshold,
                "damage threshold in units of delta / sqrt(N0) (as avalanches --rule damage)"),
        CLI_OPT("delta", CLI_OPT_DOUBLE, &a.delta, "perturbation of one input unit"),
        CLI_OPT_IN("xmin-size", CLI_OPT_DOUBLE, &a.xmin_size,
                   "smallest size of both size fits (0: each chosen by KS distance)", "[0,inf)"),
        CLI_OPT_IN("xmin-duration", CLI_OPT_DOUBLE, &a.xmin_duration,
                   "smallest duration of both duration fits (0: each chosen by KS distance)",
                   "[0,inf)"),
        CLI_PARAM_HELP(dnc_net_param_seed, &a.net.seed, "random seed (networks, inputs, noise)"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "OpenMP threads (0: default)"),
        CLI_CCDF_ROWS_OPTION(&a.ccdf_rows),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "output prefix"),
        CLI_QUIET_OPTION(&a.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {
        .command = "langevin",
        .summary = "The reduced Langevin theory of information propagation (after Ghavasieh, "
                   "arXiv:2512.00168; docs/langevin.md): x = rho of a pair of inputs moves "
                   "by dx = r x - h x^2 + sqrt(D1 x + D2 x^2) xi per layer. Measures r, h, D1, "
                   "D2 from one-layer statistics of random networks, names the avalanche class "
                   "they select (log-trap: D1 rules near x = 0; free-bm: D2 rules), simulates "
                   "the process with the network's damage-avalanche rule and fits tau, alpha, "
                   "gamma of both (predicted vs measured).",
        .example = "dnncrit langevin --activation tanh --sigma-w 1.3956 --sigma-b 0.3 --width "
                   "256 --depth 100 --networks 8 --inputs 200 --out lg_tanh",
        .opts = opts,
        .nopts = sizeof opts / sizeof opts[0]};
    cli_runner r = {run, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
