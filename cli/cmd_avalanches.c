/* dnncrit avalanches: avalanches through the layers of random networks at
 * one parameter point (damage spreading by default), with the full
 * avalanche analysis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "avalanche_out.h"
#include "plot_option.h"
#include "cli.h"
#include "dnncrit/network.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/io.h"
#include "dnncrit/result.h"
#include "dnncrit/weights.h"
#include "netaval_cli.h"

void cli_netaval_add_options(cli_netaval_args *a, cli_opt *opts, size_t *n)
{
    size_t k = *n;
    opts[k++] = (cli_opt)CLI_PARAM_HELP(dnc_net_param_depth, &a->net.depth, "layers L (time bins)");
    opts[k++] = (cli_opt)CLI_PARAM_HELP(dnc_net_param_activation, &a->net.activation, dnc_activation_list());
    opts[k++] = (cli_opt)CLI_PARAM(dnc_net_param_sigma_b, &a->net.sigma_b);
    opts[k++] = (cli_opt)CLI_OPT("networks", CLI_OPT_SIZE, &a->networks, "networks per parameter point (seeds seed..seed+n-1)");
    opts[k++] = (cli_opt)CLI_OPT("inputs", CLI_OPT_SIZE, &a->inputs, "inputs (pairs for damage) per network");
    opts[k++] = (cli_opt)CLI_OPT("input-q", CLI_OPT_DOUBLE, &a->input_q, "variance per input component");
    opts[k++] = (cli_opt)CLI_OPT("rule", CLI_OPT_STRING, &a->rule,
                          "activity: damage (|h'-h| of a perturbed copy), abs (|phi(h)|), std (|h| / layer std) or pre (|h|)");
    opts[k++] = (cli_opt)CLI_OPT("threshold", CLI_OPT_DOUBLE, &a->threshold,
                          "activity threshold (0: rule default: damage 2 x delta/sqrt(N0), abs 0.5, std and pre 1; "
                          "percentile scope: p = 10 percent)");
    opts[k++] = (cli_opt)CLI_OPT("threshold-scope", CLI_OPT_STRING, &a->scope,
                          "abs/std/pre: global (|v| > threshold), layer (> threshold x std of v over the layer's "
                          "units and inputs), unit (> threshold x std of the unit's v over the inputs) or "
                          "percentile (the top threshold %% of |v| in the layer)");
    opts[k++] = (cli_opt)CLI_PARAM(dnc_propagate_param_field, &a->field);
    opts[k++] = (cli_opt)CLI_OPT("protocol", CLI_OPT_STRING, &a->protocol,
                          "layer-time (layers are time bins, one avalanche run per input) or within-layer "
                          "(Beggs-Plenz: --layer's units as electrodes, the --inputs as a stream in time, "
                          "events binned in time)");
    opts[k++] = (cli_opt)CLI_OPT("layer", CLI_OPT_SIZE, &a->layer, "within-layer: the layer observed (1..depth)");
    opts[k++] = (cli_opt)CLI_OPT("bin-width", CLI_OPT_DOUBLE, &a->bin_width,
                          "within-layer: time bin in inputs (0: the mean inter-event interval, rounded, >= 1)");
    opts[k++] = (cli_opt)CLI_OPT("stream-corr", CLI_OPT_DOUBLE, &a->stream_corr,
                          "within-layer: correlation r of consecutive inputs of the stream, AR(1), in [0, 1)");
    opts[k++] = (cli_opt)CLI_OPT("delta", CLI_OPT_DOUBLE, &a->delta, "damage: perturbation of one input unit");
    opts[k++] = (cli_opt)CLI_PARAM_HELP(dnc_propagate_param_engine, &a->engine,
                          "explicit: the inputs of a network share its drawn weights; ensemble: "
                          "each input (pair) sampled exactly on a network of its own at O(N) per "
                          "layer (the same statistics; not with --rule std)");
    opts[k++] = (cli_opt)CLI_PARAM_HELP(dnc_net_param_seed, &a->net.seed, "random seed (weights, inputs, perturbed units)");
    opts[k++] = (cli_opt)CLI_OPT("threads", CLI_OPT_SIZE, &a->threads, "OpenMP threads (0: default)");
    opts[k++] = (cli_opt)CLI_OPT("out", CLI_OPT_STRING, &a->out, "output prefix");
    opts[k++] = (cli_opt)CLI_QUIET_OPTION(&a->quiet);
    *n = k;
}

cli_netaval_args cli_netaval_args_default(const char *out)
{
    dnc_net_aval_opts d = dnc_net_aval_opts_default();
    cli_netaval_args a = {.net = d.net, .networks = d.networks, .inputs = d.inputs,
                          .input_q = d.input_q, .rule = "damage", .engine = "explicit", .threshold = 0,
                          .delta = d.delta, .scope = "global", .protocol = "layer-time",
                          .field = d.field, .bin_width = d.bin_width, .stream_corr = d.stream_corr,
                          .layer = 0, .threads = 0, .out = out, .quiet = false};
    a.net.sigma_w = 1.0;
    return a;
}

dnc_status cli_netaval_build(const cli_netaval_args *a, dnc_net_aval_opts *o)
{
    *o = dnc_net_aval_opts_default();
    dnc_status st = dnc_net_rule_parse(a->rule, &o->rule);
    if (st || (st = dnc_engine_kind_parse(a->engine, &o->engine)) ||
        (st = dnc_threshold_scope_parse(a->scope, &o->scope)) ||
        (st = dnc_net_protocol_parse(a->protocol, &o->protocol)))
        return st;
    if (a->threshold < 0)
        return dnc_fail(DNC_EINVAL, "--threshold must be > 0 (or 0 for the rule's default), got %g",
                        a->threshold);
    o->net = a->net;
    o->networks = a->networks;
    o->inputs = a->inputs;
    o->input_q = a->input_q;
    o->delta = a->delta;
    o->threshold = a->threshold > 0                 ? a->threshold
                   : o->scope == DNC_SCOPE_PERCENTILE ? 10.0
                   : o->rule == DNC_NET_DAMAGE        ? 2.0
                   : o->rule == DNC_NET_ABS           ? 0.5
                                                      : 1.0;
    o->field = a->field;
    o->layer = a->layer;
    o->bin_width = a->bin_width;
    o->stream_corr = a->stream_corr;
    o->quiet = true;
    return dnc_net_aval_opts_validate(o);
}

void cli_netaval_json_config(cJSON *c, const dnc_net_aval_opts *o)
{
    cJSON_AddNumberToObject(c, "depth", (double)o->net.depth);
    cJSON_AddStringToObject(c, "activation", dnc_activation_name(o->net.activation));
    cJSON_AddNumberToObject(c, "sigma_b", o->net.sigma_b);
    cJSON_AddNumberToObject(c, "networks", (double)o->networks);
    cJSON_AddNumberToObject(c, "inputs", (double)o->inputs);
    cJSON_AddNumberToObject(c, "input_q", o->input_q);
    cJSON_AddStringToObject(c, "rule", dnc_net_rule_name(o->rule));
    cJSON_AddStringToObject(c, "engine", dnc_engine_kind_name(o->engine));
    cJSON_AddNumberToObject(c, "threshold", o->threshold);
    cJSON_AddStringToObject(c, "threshold_scope", dnc_threshold_scope_name(o->scope));
    cJSON_AddNumberToObject(c, "field", o->field);
    cJSON_AddStringToObject(c, "protocol", dnc_net_protocol_name(o->protocol));
    if (o->protocol == DNC_PROTOCOL_WITHIN_LAYER) {
        cJSON_AddNumberToObject(c, "layer", (double)o->layer);
        cJSON_AddNumberToObject(c, "bin_width", o->bin_width);
        cJSON_AddNumberToObject(c, "stream_corr", o->stream_corr);
    }
    cJSON_AddNumberToObject(c, "delta", o->delta);
    cJSON_AddNumberToObject(c, "seed", (double)o->net.seed);
    cJSON_AddNumberToObject(c, "threads", omp_get_max_threads());
}

void cli_netaval_json_point(cJSON *r, const dnc_net_aval_result *res)
{
    cJSON_AddNumberToObject(r, "seeded", (double)res->seeded);
    cJSON_AddNumberToObject(r, "completed", (double)res->av.count);
    cJSON_AddNumberToObject(r, "cut", (double)res->cut);
    if (res->bin_width > 0)
        cJSON_AddNumberToObject(r, "bin_width_used", res->bin_width);
    cli_json_number(r, "survival", res->survival);
    cli_json_value_error(r, "susceptibility", res->chi, res->chi_err);
    cli_json_number(r, "size_susceptibility", res->chi_S);
    cli_json_number(r, "mean_size", res->mean_S);
    cli_json_number(r, "mean_duration", res->mean_T);
    cli_json_number(r, "max_size", res->max_S);
}

/* --weights FILE: the file's network (its widths and depth, its weights),
 * one network. Options describing random networks are usage errors (2);
 * a file that cannot be used is a failed run (1). */
static int use_weights(const cli_command *cli, const char *path, dnc_net_aval_opts *o,
                       dnc_weights **w)
{
    static const char *const drawn[] = {"width", "depth", "sigma-w", "sigma-b"};
    if (cli_weights_drawn_option(cli, drawn, sizeof drawn / sizeof drawn[0]))
        return 2;
    if (cli_seen(cli, "networks") && o->networks != 1) {
        dnc_fail(DNC_EINVAL, "--networks must be 1 with --weights (one given network; use more "
                             "--inputs), got %zu",
                 o->networks);
        return 2;
    }
    if (o->engine == DNC_ENGINE_ENSEMBLE) {
        dnc_fail(DNC_EINVAL, "--engine ensemble does not apply with --weights (one given "
                             "network, with its weights)");
        return 2;
    }
    o->networks = 1;
    if (cli_weights_open("avalanches", path, &o->net, w))
        return 1;
    o->provider = dnc_weights_provide;
    o->provider_ctx = *w;
    return 0;
}

static int run(const cli_command *cli, const cli_netaval_args *a, const char *weights,
               bool compare, size_t bootstrap, size_t min_count, size_t ccdf_rows, int argc,
               char **argv)
{
    if (a->threads > 0)
        omp_set_num_threads((int)a->threads);
    double t0 = dnc_wall_time();
    dnc_net_aval_opts o;
    dnc_net_aval_result res = {0};
    dnc_avalanche_analysis an = {0};
    if (cli_netaval_build(a, &o))
        return cli_fail("avalanches") + 1; /* bad options: a usage error, 2 */
    dnc_weights *w = NULL;
    int wrc = weights ? use_weights(cli, weights, &o, &w) : 0;
    dnc_status st = wrc ? DNC_EINVAL : dnc_net_avalanches(&o, &res);
    if (st) {
        dnc_weights_free(w);
        int rc = cli_fail("avalanches");
        return wrc == 2 ? rc + 1 : rc;
    }
    dnc_avalanche_opts ao = dnc_avalanche_opts_default();
    ao.compare = compare;
    ao.bootstrap = bootstrap;
    ao.seed = a->net.seed;
    ao.min_count = min_count;
    char reason[512] = "";
    bool analysed = dnc_avalanche_analyse(&res.av, &ao, &an) == DNC_OK;
    if (!analysed)
        snprintf(reason, sizeof reason, "%s", dnc_last_error());
    cJSON *root = dnc_run_record_new("avalanches", argc, argv);
    cJSON *c = cJSON_AddObjectToObject(root, "config");
    cJSON_AddNumberToObject(c, "width", (double)o.net.width);
    if (weights) { /* the file's weights: no sigma_w, sigma_b */
        cJSON_AddStringToObject(c, "weights", weights);
        cJSON_AddNumberToObject(c, "input_width", (double)dnc_mlp_input_width(&o.net));
    } else
        cJSON_AddNumberToObject(c, "sigma_w", o.net.sigma_w);
    cli_netaval_json_config(c, &o);
    if (weights)
        cJSON_DeleteItemFromObject(c, "sigma_b");
    cJSON_AddBoolToObject(c, "compare", compare);
    cJSON_AddNumberToObject(c, "bootstrap", (double)bootstrap);
    cJSON_AddNumberToObject(c, "min_count", (double)min_count);
    cJSON_AddStringToObject(c, "out", a->out);
    cJSON *r = cJSON_AddObjectToObject(root, "results");
    cli_netaval_json_point(r, &res);
    cli_outset os = {0};
    FILE *fp;
    st = cli_outset_open(&os, a->out, "_layers.csv", &fp);
    if (!st) {
        dnc_result_write_header(fp, DNC_RESULT_AVALANCHE_LAYERS);
        for (size_t l = 0; l < res.depth; l++)
            fprintf(fp, "%zu,%.10g,%.10g\n", o.protocol == DNC_PROTOCOL_WITHIN_LAYER ? o.layer : l + 1,
                    res.rho_mean[l], res.chi_layer[l]);
        if (analysed)
            st = cli_write_avalanche_outputs(&os, a->out, &res.av, &an, ccdf_rows, r);
        else
            cJSON_AddStringToObject(r, "analysis_error", reason);
    }
    dnc_run_record_finish(root, t0);
    if (!st)
        st = cli_outset_commit(&os, a->out, root);
    else
        cli_outset_abort(&os);
    if (!st && !a->quiet) {
        if (weights)
            printf("avalanches: %s MLP from %s, N0 = %zu, N = %zu, L = %zu, rule %s (threshold "
                   "%g), %zu inputs\n",
                   dnc_activation_name(o.net.activation), weights, dnc_mlp_input_width(&o.net),
                   o.net.width, o.net.depth, dnc_net_rule_name(o.rule), o.threshold, o.inputs);
        else
            printf("avalanches: %s MLP N = %zu, L = %zu, sigma_w = %g, sigma_b = %g, rule %s "
                   "(threshold %g), %zu networks x %zu inputs\n",
                   dnc_activation_name(o.net.activation), o.net.width, o.net.depth,
                   o.net.sigma_w, o.net.sigma_b, dnc_net_rule_name(o.rule), o.threshold,
                   o.networks, o.inputs);
        if (o.scope != DNC_SCOPE_GLOBAL || o.field != 0 || o.protocol != DNC_PROTOCOL_LAYER_TIME)
            printf("  threshold scope %s, field h = %g, protocol %s\n",
                   dnc_threshold_scope_name(o.scope), o.field, dnc_net_protocol_name(o.protocol));
        if (o.protocol == DNC_PROTOCOL_WITHIN_LAYER)
            printf("  within-layer: layer %zu, stream of %zu inputs (r = %g) per network, bin "
                   "width %g inputs, %zu edge avalanches dropped\n",
                   o.layer, o.inputs, o.stream_corr, res.bin_width, res.cut);
        if (o.protocol == DNC_PROTOCOL_WITHIN_LAYER)
            printf("  completed %zu; chi = N var(rho_t) over the stream = %.4g, <S^2>/<S> = %.4g\n",
                   res.av.count, res.chi, res.chi_S);
        else
            printf("  completed %zu, %zu still active at the last layer (depth %zu; survival "
                   "%.3f); chi = %.4g, <S^2>/<S> = %.4g\n",
                   res.av.count, res.cut, res.depth, res.survival, res.chi, res.chi_S);
        if (analysed)
            cli_print_avalanche_summary(&an);
    }
    if (!analysed)
        fprintf(stderr, "dnncrit avalanches: warning: no exponent analysis: %s\n", reason);
    cJSON_Delete(root);
    dnc_avalanche_analysis_free(&an);
    dnc_net_aval_result_free(&res);
    dnc_weights_free(w);
    return st ? cli_fail("avalanches") : 0;
}

typedef struct {
    cli_netaval_args a;
    const char *weights;
    bool compare;
    size_t bootstrap, min_count;
    const char *ccdf_rows;
} aval_cmd;

static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    const aval_cmd *c = ctx;
    size_t rows;
    if (cli_ccdf_rows_parse(c->ccdf_rows, &rows))
        return cli_failf("avalanches", "--ccdf-rows must be 'all' or an integer >= 2, got '%s'",
                         c->ccdf_rows) + 1;
    return run(cli, &c->a, c->weights, c->compare, c->bootstrap, c->min_count, rows, argc, argv);
}

int cmd_avalanches(int argc, char **argv)
{
    const char *plot = NULL;
    aval_cmd c = {.a = cli_netaval_args_default("avalanches"), .min_count = 10,
                  .ccdf_rows = CLI_CCDF_ROWS_DEFAULT};
    cli_opt opts[32] = {
        CLI_PARAM(dnc_net_param_width, &c.a.net.width),
        CLI_PARAM(dnc_net_param_sigma_w, &c.a.net.sigma_w),
        CLI_OPT("compare", CLI_OPT_FLAG, &c.compare, "likelihood-ratio tests against alternatives"),
        CLI_OPT("bootstrap", CLI_OPT_SIZE, &c.bootstrap, "goodness-of-fit bootstrap replicas (0: skip)"),
        CLI_OPT("min-count", CLI_OPT_SIZE, &c.min_count, "avalanches per duration for <S>(T) and collapse"),
        CLI_OPT("weights", CLI_OPT_STRING, &c.weights,
         "your own network instead of random ones: a safetensors, .npz or .npy file as for "
         "propagate --weights (sets the widths and depth; one network)"),
        CLI_CCDF_ROWS_OPTION(&c.ccdf_rows),
    };
    size_t n = 6;
    cli_netaval_add_options(&c.a, opts, &n);
    opts[n++] = (cli_opt)CLI_PLOT_OPTION(plot);
    cli_command cli = {.command = "avalanches",
                   .summary = "Avalanches through the layers of random MLPs at one (sigma_w, "
                              "sigma_b, N): each input is paired with a copy perturbed in one unit "
                              "and a unit is active where the two pre-activations differ by more "
                              "than the threshold (damage spreading; --rule abs/std threshold the "
                              "activity itself). Sizes, durations, exponents, crackling relation, "
                              "shape collapse, per-layer susceptibility.",
                   .example = "dnncrit avalanches --width 256 --depth 100 --sigma-w 1.2 --networks 8 --out av",
                   .opts = opts,
                   .nopts = n};
    cli_runner r = {run_cmd, &c, &plot, &c.a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
