/* dnncrit propagate: finite-width signal propagation through one random
 * MLP, per-layer q, c, rho (and Lyapunov growth), CSV + JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli.h"
#include "dnncrit/network.h"
#include "plot_option.h"
#include "dnncrit/io.h"
#include "dnncrit/propagate.h"
#include "dnncrit/weights.h"
#include "propagate_out.h"

typedef struct {
    dnc_mlp_config net;
    size_t batch, threads, networks;
    double input_q, input_c, residual_alpha;
    const char *inputs, *corr, *product, *device, *engine, *out, *weights, *normals;
    bool lyapunov, quiet;
} prop_args;

/* With --weights the file gives the widths and depth, and the weights are
 * not drawn: the options that describe a random network do not apply. */
static bool weights_conflict(const cli_command *cli, const prop_args *a)
{
    static const char *const drawn[] = {"width", "depth", "input-width", "sigma-w", "sigma-b"};
    if (!a->weights)
        return false;
    if (cli_weights_drawn_option(cli, drawn, sizeof drawn / sizeof drawn[0]))
        return true;
    if (strcmp(a->engine, "ensemble") == 0 || a->networks > 1) {
        dnc_fail(DNC_EINVAL, "%s does not apply with --weights (one given network, with its "
                             "weights)",
                 a->networks > 1 ? "--networks > 1" : "--engine ensemble");
        return true;
    }
    return false;
}

/* The network of --weights FILE: its widths into o->net, its layers as the
 * weight provider. */
static dnc_status use_weights(const prop_args *a, dnc_propagate_opts *o, dnc_weights **w)
{
    dnc_status st = cli_weights_open("propagate", a->weights, &o->net, w);
    if (st)
        return st;
    o->provider = dnc_weights_provide;
    o->provider_ctx = *w;
    return DNC_OK;
}

static dnc_status parse_corr(const char *s, dnc_corr_kind *out)
{
    if (strcmp(s, "pre") == 0)
        *out = DNC_CORR_PRE;
    else if (strcmp(s, "post") == 0)
        *out = DNC_CORR_POST;
    else
        return dnc_fail(DNC_EINVAL, "--corr must be 'pre' or 'post', got '%s'", s);
    return DNC_OK;
}

/* The options alone (no input file read yet): a failure is a usage error. */
static dnc_status options_from_args(const prop_args *a, dnc_propagate_opts *o)
{
    *o = dnc_propagate_opts_default();
    o->net = a->net;
    o->batch = a->batch;
    o->input_q = a->input_q;
    o->input_c = a->input_c;
    o->lyapunov = a->lyapunov;
    o->residual_alpha = a->residual_alpha;
    o->quiet = a->quiet;
    dnc_status st = parse_corr(a->corr, &o->corr);
    if (!st && dnc_normals_parse(a->normals, &o->net.normals))
        st = dnc_fail(DNC_EINVAL, "--normals must be 'box-muller' or 'ziggurat', got '%s'",
                      a->normals);
    if (!st && a->weights && o->net.normals != DNC_NORMALS_BOX_MULLER)
        st = dnc_fail(DNC_EINVAL, "--normals sets how weights are drawn, and --weights reads "
                                  "them from a file: give one of the two");
    if (!st && (st = dnc_product_parse(a->product, &o->product)))
        st = dnc_fail(DNC_EINVAL, "--product must be 'openblas' or 'portable', got '%s'",
                      a->product);
    if (!st)
        st = dnc_device_parse(a->device, &o->device);
    if (!st)
        st = dnc_engine_kind_parse(a->engine, &o->engine);
    if (!st)
        st = dnc_param_check_integer(&dnc_propagate_param_networks, NULL, a->networks);
    if (st || (st = dnc_mlp_config_validate(&o->net)))
        return st;
    return dnc_propagate_validate(o);
}

/* Fills opts from the checked arguments; *X receives inputs read from a file
 * (a failure there is a failed run). */
static dnc_status build_opts(const prop_args *a, dnc_propagate_opts *o, double **X,
                             dnc_weights **w)
{
    *X = NULL;
    dnc_status st = options_from_args(a, o);
    if (st || (a->weights && (st = use_weights(a, o, w))))
        return st;
    if (a->inputs) {
        size_t rows, width;
        st = dnc_read_inputs_csv(a->inputs, dnc_mlp_input_width(&o->net), X, &rows, &width);
        if (st)
            return st;
        o->batch = rows;
        o->inputs = *X;
    }
    return dnc_propagate_validate(o);
}

static void add_config(cJSON *root, const prop_args *a, const dnc_propagate_opts *o)
{
    cJSON *c = cJSON_AddObjectToObject(root, "config");
    cli_json_add_net(c, &o->net);
    if (a->weights) { /* the weights are the file's, not drawn */
        cJSON_DeleteItemFromObject(c, "sigma_w");
        cJSON_DeleteItemFromObject(c, "sigma_b");
        cJSON_DeleteItemFromObject(c, "normals");
        cJSON_AddStringToObject(c, "weights", a->weights);
    }
    cJSON_AddNumberToObject(c, "batch", (double)o->batch);
    if (a->inputs)
        cJSON_AddStringToObject(c, "inputs", a->inputs);
    else {
        cJSON_AddNumberToObject(c, "input_q", o->input_q);
        cJSON_AddNumberToObject(c, "input_c", o->input_c);
    }
    cJSON_AddStringToObject(c, "corr", a->corr);
    cJSON_AddStringToObject(c, "product", dnc_product_name(o->product));
    cJSON_AddStringToObject(c, "device", dnc_device_name(o->device));
    cJSON_AddStringToObject(c, "engine", dnc_engine_kind_name(o->engine));
    cJSON_AddNumberToObject(c, "networks", (double)a->networks);
    cJSON_AddBoolToObject(c, "lyapunov", o->lyapunov);
    cJSON_AddNumberToObject(c, "residual_alpha", o->residual_alpha);
    cJSON_AddNumberToObject(c, "threads", omp_get_max_threads());
    cJSON_AddStringToObject(c, "out", a->out);
}

static void print_summary(const prop_args *a, const dnc_propagate_opts *o,
                          const dnc_propagate_result *r, const cli_layer_table *mf)
{
    if (a->weights)
        printf("propagate: %s MLP from %s, N0 = %zu, N = %zu, L = %zu, batch %zu",
               dnc_activation_name(o->net.activation), a->weights,
               dnc_mlp_input_width(&o->net), o->net.width, o->net.depth, o->batch);
    else
        printf("propagate: %s MLP, N = %zu, L = %zu, sigma_w = %g, sigma_b = %g, batch %zu, seed %llu",
           dnc_activation_name(o->net.activation), o->net.width, o->net.depth, o->net.sigma_w,
           o->net.sigma_b, o->batch, (unsigned long long)o->net.seed);
    if (r->networks > 1)
        printf(" (mean over %zu networks, seeds %llu..%llu)", r->networks,
               (unsigned long long)o->net.seed,
               (unsigned long long)(o->net.seed + r->networks - 1));
    if (o->engine == DNC_ENGINE_ENSEMBLE)
        printf(", ensemble engine");
    putchar('\n');
    cli_print_layer_table(stdout, r, mf);
    if (o->lyapunov && r->networks > 1)
        printf("Lyapunov exponent (mean log growth per layer): lambda = %.6f \u00b1 %.6f "
               "(standard error over the %zu networks)\n",
               r->lyapunov, r->lyapunov_err, r->networks);
    else if (o->lyapunov)
        printf("Lyapunov exponent (mean log growth per layer): lambda = %.6f \u00b1 %.6f "
               "(standard error over the %zu layers)\n",
               r->lyapunov, cli_lyapunov_error(r), r->depth);
    double gflops = r->seconds > 0 ? r->flops / r->seconds * 1e-9 : 0.0;
    if (o->engine == DNC_ENGINE_ENSEMBLE) /* no product: the sums are its own */
        printf("time %.3f s, %.2f GFLOP/s (%s)\n", r->seconds, gflops, r->device);
    else
        printf("time %.3f s, %.2f GFLOP/s (%s product, %s)\n", r->seconds, gflops,
               dnc_product_name(o->product), r->device);
}

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    const prop_args *a = ctx;
    dnc_propagate_opts checked;
    if (weights_conflict(cli, a) || options_from_args(a, &checked))
        return cli_fail("propagate") + 1; /* a usage error: 2 */
    if (a->threads > 0)
        omp_set_num_threads((int)a->threads);
    double t0 = dnc_wall_time();
    dnc_propagate_opts o;
    double *X = NULL;
    dnc_weights *w = NULL;
    dnc_status st = build_opts(a, &o, &X, &w);
    dnc_propagate_result r = {0};
    if (!st)
        st = a->networks > 1 ? dnc_propagate_networks(&o, a->networks, &r) : dnc_propagate(&o, &r);
    cli_layer_table mf = {0};
    if (!st && !w) /* mean field describes Gaussian weights, not a given network */
        st = cli_layer_table_meanfield(&o, X, &mf);
    cJSON *root = NULL;
    if (!st) {
        root = dnc_run_record_new("propagate", argc, argv);
        if (!root)
            st = dnc_fail(DNC_ENOMEM, "out of memory");
    }
    if (!st) {
        add_config(root, a, &o);
        cli_json_add_propagate_results(root, &o, &r);
        dnc_run_record_finish(root, t0);
        st = cli_write_layer_outputs(a->out, &r, &mf, root);
    }
    if (!st && !a->quiet)
        print_summary(a, &o, &r, &mf);
    cJSON_Delete(root);
    cli_layer_table_free(&mf);
    dnc_propagate_result_free(&r);
    free(X);
    dnc_weights_free(w);
    return st ? cli_fail("propagate") : 0;
}

int cmd_propagate(int argc, char **argv)
{
    const char *plot = NULL;
    prop_args a = {
        .net = dnc_mlp_config_default(), .batch = 2, .threads = 0,
        .input_q = 1.0, .input_c = 0.5, .residual_alpha = 0.0,
        .inputs = NULL, .corr = "pre", .product = "openblas", .device = "cpu",
        .engine = "explicit", .networks = 1,
        .out = "propagate", .weights = NULL, .normals = "box-muller", .lyapunov = false,
        .quiet = false,
    };
    cli_opt opts[] = {
        CLI_PARAM_HELP(dnc_net_param_width, &a.net.width, "units per hidden layer N"),
        CLI_PARAM(dnc_net_param_depth, &a.net.depth),
        CLI_PARAM(dnc_net_param_input_width, &a.net.input_width),
        CLI_PARAM_HELP(dnc_net_param_activation, &a.net.activation, dnc_activation_list()),
        CLI_PARAM(dnc_net_param_sigma_w, &a.net.sigma_w),
        CLI_PARAM(dnc_net_param_sigma_b, &a.net.sigma_b),
        CLI_PARAM_HELP(dnc_net_param_seed, &a.net.seed, "random seed (weights, biases, inputs, tangent)"),
        CLI_PARAM(dnc_net_param_normals, &a.normals),
        CLI_OPT("batch", CLI_OPT_SIZE, &a.batch, "number of generated inputs B"),
        CLI_OPT("input-q", CLI_OPT_DOUBLE, &a.input_q, "variance per component of generated inputs"),
        CLI_OPT("input-c", CLI_OPT_DOUBLE, &a.input_c, "correlation between generated inputs"),
        CLI_OPT("weights", CLI_OPT_STRING, &a.weights,
         "your own network: a safetensors, .npz or .npy file with Linear layers named 0.weight, "
         "0.bias, 2.weight, ... (PyTorch nn.Sequential) or W0, b0, W1, ...; sets the widths and "
         "depth, --activation goes between the layers (see README 'Your own network')"),
        CLI_OPT("inputs", CLI_OPT_STRING, &a.inputs, "CSV file with one input per row (overrides --batch)"),
        CLI_OPT("corr", CLI_OPT_STRING, &a.corr, "correlation of pre- or post-activations: pre|post"),
        CLI_OPT("lyapunov", CLI_OPT_FLAG, &a.lyapunov, "also measure the maximal Lyapunov exponent"),
        CLI_OPT("residual-alpha", CLI_OPT_DOUBLE, &a.residual_alpha,
         "residual branch weight: h <- h + alpha F(h) (0: plain MLP)"),
        CLI_OPT("product", CLI_OPT_STRING, &a.product,
         "matrix product. openblas (fast): the same bits for any --threads and on a rerun with "
         "the same OpenBLAS kernel (same machine or OPENBLAS_CORETYPE, same OpenBLAS build); "
         "NOT the same bits for an input alone vs. in a batch, nor across OpenBLAS kernels or "
         "CPUs. portable: the same bits for any --threads, batch split and rerun, and the "
         "product the same bits on every x86-64 CPU (equal to the naive loop), so relu, "
         "hard_tanh and linear runs agree across CPUs; smooth activations (tanh, ...), lyap "
         "and mean-field columns go through libm and agree across CPUs only with the same glibc "
         "and FMA support"),
        CLI_OPT("device", CLI_OPT_STRING, &a.device,
         "cpu | cuda (a build with -DDNNCRIT_WITH_CUDA=ON and a GPU: the same Philox network, "
         "products in cuBLAS)"),
        CLI_PARAM(dnc_propagate_param_engine, &a.engine),
        CLI_PARAM(dnc_propagate_param_networks, &a.networks),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "output prefix: writes PREFIX.csv and PREFIX.json"),
        CLI_QUIET_OPTION(&a.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {
        .command = "propagate",
        .summary = "Propagate a batch of inputs through one random MLP at finite width and "
                   "record, per layer, q (mean squared pre-activation), c (mean pairwise cosine "
                   "similarity) and rho = 1 - c, optionally the Lyapunov growth of a tangent "
                   "vector. Weights are drawn layer by layer from Philox: results are identical "
                   "for any thread count (see --product for batch splits and other machines). "
                   "--engine ensemble samples the same statistics over the ensemble of random "
                   "networks without weights, at O(N B^2) per layer; --networks K averages over "
                   "K networks (columns q_err, c_err, rho_err: standard errors).",
        .example = "dnncrit propagate --width 1024 --depth 200 --sigma-w 1.3 --sigma-b 0.3 "
                   "--lyapunov --out run1",
        .opts = opts,
        .nopts = sizeof opts / sizeof opts[0],
    };
    cli_runner r = {run, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
