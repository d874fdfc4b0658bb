/* dnncrit train-sweep: the options made a dnc_train_sweep_spec and run
 * on the sweep engine, here or, under an MPI launcher, across the ranks
 * through the sweep's MPI driver (sweep_driver.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dnncrit/network.h"
#include "plot_option.h"
#include "dnncrit/io.h"
#include "dnncrit/train_sweep.h"
#include "sweep_driver.h"

typedef struct {
    cli_dlist sigma_w, sigma_b, depth, width;
    const char *dataset_dir, *normalise, *optimizer, *precision, *device, *model, *out_dir;
    size_t train_size, test_size, seeds, threads, bootstrap, susc_networks, susc_inputs;
    uint64_t data_seed, seed0;
    bool quiet, sigma_w_relative;
    dnc_train_config cfg;
    double t0; /* when the command started */
    const char *plot;
} train_sweep_args;

static dnc_status to_sizes(const cli_dlist *l, const char *what, size_t **out)
{
    *out = malloc((l->n ? l->n : 1) * sizeof **out);
    if (!*out)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        double v = l->v[i];
        if (!(v >= 1 && v <= 1e7 && v == floor(v)))
            return dnc_fail(DNC_EINVAL, "--%s: %g is not a positive whole number", what, v);
        (*out)[i] = (size_t)v;
    }
    return DNC_OK;
}

/* The spec of the options (depth and width point into *depth, *width,
 * which the caller frees); 2 on a usage error. */
static int make_spec(const train_sweep_args *a, dnc_train_sweep_spec *s, size_t **depth,
                     size_t **width)
{
    *s = (dnc_train_sweep_spec){.base = a->cfg};
    *depth = *width = NULL;
    if (dnc_normalisation_parse(a->normalise, &s->data.norm) ||
        dnc_optimizer_parse(a->optimizer, &s->base.optimizer) ||
        dnc_precision_parse(a->precision, &s->base.precision) ||
        dnc_device_parse(a->device, &s->base.device) ||
        dnc_model_kind_parse(a->model, &s->base.model) ||
        to_sizes(&a->depth, "depth", depth) || to_sizes(&a->width, "width", width))
        return 2;
    if (!a->out_dir) {
        dnc_fail(DNC_EINVAL, "--out-dir DIR is required");
        return 2;
    }
    s->base.threads = (int)(a->threads > 4096 ? 4097 : a->threads);
    s->data.dir = a->dataset_dir;
    s->data.train_size = a->train_size;
    s->data.test_size = a->test_size;
    s->data.seed = a->data_seed;
    s->sigma_w = a->sigma_w.v;
    s->n_sigma_w = a->sigma_w.n;
    s->sigma_b = a->sigma_b.v;
    s->n_sigma_b = a->sigma_b.n;
    s->depth = *depth;
    s->n_depth = a->depth.n;
    s->width = *width;
    s->n_width = a->width.n;
    s->seeds = a->seeds;
    s->seed0 = a->seed0;
    s->bootstrap = a->bootstrap;
    s->quiet = a->quiet;
    s->sigma_w_relative = a->sigma_w_relative;
    s->susc_networks = a->susc_networks;
    s->susc_inputs = a->susc_inputs;
    return 0;
}

/* The counts into the record, DIR/sweep.json and the closing line; 1 when
 * the record cannot be written. */
static int write_record(const train_sweep_args *a, cJSON *record,
                        const dnc_train_sweep_counts *counts)
{
    cJSON *c = cJSON_AddObjectToObject(record, "counts");
    cJSON_AddNumberToObject(c, "points", (double)counts->npoints);
    cJSON_AddNumberToObject(c, "ran", (double)counts->ran);
    cJSON_AddNumberToObject(c, "reused", (double)counts->reused);
    dnc_run_record_finish(record, a->t0);
    char *path = dnc_sweep_path(a->out_dir, "sweep.json");
    if (!path)
        return 1;
    dnc_status st = dnc_write_json_atomic(path, record);
    free(path);
    if (st)
        return 1;
    if (!a->quiet)
        printf("\n%zu points (%zu trained now, %zu finished before); wrote %s/sweep.csv, "
               "landscape.csv, sweep.json\n",
               counts->npoints, counts->ran, counts->reused, a->out_dir);
    return 0;
}

static int run(void *ctx, cJSON *record)
{
    train_sweep_args *a = ctx;
    dnc_train_sweep_spec s;
    size_t *depth, *width;
    int rc = make_spec(a, &s, &depth, &width);
    dnc_train_sweep_counts counts;
    dnc_status st = rc ? DNC_OK : dnc_train_sweep_run(&s, a->out_dir, record, &counts);
    free(depth);
    free(width);
    if (rc || st)
        return rc ? rc : st == DNC_EINVAL ? 2 : 1;
    return write_record(a, record, &counts);
}

/* ---- Under an MPI launcher: the points shared out by the sweep's driver. */

typedef struct {
    const train_sweep_args *args;
    const dnc_train_sweep_spec *spec;
} distributed_ctx;

static dnc_status load_grid(const sweep_args *d, dnc_sweep *sw)
{
    const distributed_ctx *c = d->ctx;
    return dnc_train_sweep_prepare(c->spec, sw);
}

/* Rank 0, every point done: the summary step, the record, the figure. */
static int finish_grid(const dnc_sweep *sw, const sweep_args *d, const sweep_summary *sum)
{
    const train_sweep_args *a = ((const distributed_ctx *)d->ctx)->args;
    cJSON *record = dnc_run_record_new("train-sweep", d->argc, d->argv);
    dnc_status st = record ? sw->exp->summarise(sw, a->out_dir, record)
                           : dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_train_sweep_counts counts = {sw->npoints, sum->computed, sum->kept};
    int rc = st ? (st == DNC_EINVAL ? 2 : 1) : write_record(a, record, &counts);
    cJSON_Delete(record);
    if (rc) {
        cli_fail("train-sweep");
        return rc;
    }
    return cli_plot_after("train-sweep", a->plot, 0, a->out_dir, "/sweep.json");
}

static int run_distributed(train_sweep_args *a, int argc, char **argv)
{
    dnc_train_sweep_spec s;
    size_t *depth, *width;
    int rc = make_spec(a, &s, &depth, &width);
    if (rc) {
        cli_fail("train-sweep");
    } else {
        distributed_ctx c = {a, &s};
        dnc_sweep_exec_opts o = dnc_train_sweep_exec_opts(&s);
        sweep_args d = {.command = "train-sweep",
                        .out_dir = a->out_dir,
                        .threads = o.threads,
                        .point_threads = o.point_threads,
                        .progress_label = "train-sweep",
                        .quiet = a->quiet,
                        .argc = argc,
                        .argv = argv,
                        .plot = a->plot,
                        .load = load_grid,
                        .finish = finish_grid,
                        .ctx = &c};
        rc = sweep_run_mpi(&d);
    }
    free(depth);
    free(width);
    return rc;
}

static bool launched_distributed(void)
{
    return sweep_launcher_world_size() != 0 && sweep_mpi_built();
}

static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    if (launched_distributed())
        return run_distributed(ctx, argc, argv);
    return cli_run_recorded("train-sweep", argc, argv, run, ctx);
}

int cmd_train_sweep(int argc, char **argv)
{
    train_sweep_args a = {.dataset_dir = DNC_FASHION_MNIST_DIR, .normalise = "standard",
                    .optimizer = "sgd", .precision = "float", .device = "cpu", .model = "mlp", .train_size = 2000,
                    .test_size = 1000, .seeds = 2, .bootstrap = 1000, .data_seed = 1, .susc_inputs = 16,
                    .seed0 = 1, .cfg = dnc_train_config_default(), .t0 = dnc_wall_time()};
    a.cfg.epochs = 2;
    a.cfg.obs_inputs = 32;
    static const double sw_default[] = {0.6, 1.0, 1.4, 1.8, 2.2};
    static const double sb_default[] = {0.05};
    static const double depth_default[] = {10};
    static const double width_default[] = {128};
    /* The parser frees these lists: start from heap copies of the defaults. */
    const struct {
        cli_dlist *l;
        const double *v;
        size_t n;
    } defaults[] = {{&a.sigma_w, sw_default, 5}, {&a.sigma_b, sb_default, 1},
                    {&a.depth, depth_default, 1}, {&a.width, width_default, 1}};
    for (size_t i = 0; i < 4; i++) {
        defaults[i].l->v = malloc(defaults[i].n * sizeof(double));
        if (!defaults[i].l->v)
            return cli_failf("train-sweep", "out of memory");
        memcpy(defaults[i].l->v, defaults[i].v, defaults[i].n * sizeof(double));
        defaults[i].l->n = defaults[i].n;
    }
    cli_opt opts[] = {
        CLI_PARAM_LIST(dnc_net_param_sigma_w, &a.sigma_w, "weight scales sigma_w"),
        CLI_OPT("sigma-w-relative", CLI_OPT_FLAG, &a.sigma_w_relative,
                "--sigma-w values are multiples of the critical sigma_w (chi_1 = 1) of the "
                "activation at each sigma_b: 1 = edge of chaos"),
        CLI_PARAM_LIST(dnc_net_param_sigma_b, &a.sigma_b, "bias standard deviations sigma_b"),
        CLI_PARAM_LIST(dnc_net_param_depth, &a.depth, "hidden layers L"),
        CLI_PARAM_LIST(dnc_net_param_width, &a.width, "hidden units N"),
        CLI_OPT("seeds", CLI_OPT_SIZE, &a.seeds, "seeds per grid cell"),
        CLI_PARAM_HELP(dnc_net_param_seed, &a.seed0, "first seed (seeds seed, seed+1, ...)"),
        CLI_OPT("model", CLI_OPT_STRING, &a.model,
                "mlp, or cnn (periodic 2D convolutions, width = channels)"),
        CLI_OPT("kernel", CLI_OPT_SIZE, &a.cfg.kernel, "CNN kernel size k (odd)"),
        CLI_PARAM_HELP(dnc_net_param_activation, &a.cfg.net.activation, "nonlinearity"),
        CLI_OPT("optimizer", CLI_OPT_STRING, &a.optimizer, "sgd (with momentum) or adam"),
        CLI_OPT("lr", CLI_OPT_DOUBLE, &a.cfg.lr, "learning rate"),
        CLI_OPT("momentum", CLI_OPT_DOUBLE, &a.cfg.momentum, "SGD momentum"),
        CLI_OPT("batch-size", CLI_OPT_SIZE, &a.cfg.batch_size, "minibatch size"),
        CLI_OPT("epochs", CLI_OPT_SIZE, &a.cfg.epochs, "training budget in epochs per point"),
        CLI_OPT("precision", CLI_OPT_STRING, &a.precision, "float or double"),
        CLI_OPT("device", CLI_OPT_STRING, &a.device,
                "cpu, or cuda (MLPs on the GPU with cuBLAS; a build with -DDNNCRIT_WITH_CUDA=ON)"),
        CLI_OPT("obs-inputs", CLI_OPT_SIZE, &a.cfg.obs_inputs, "test images for the observables"),
        CLI_OPT("dataset-dir", CLI_OPT_STRING, &a.dataset_dir, "directory with the IDX files"),
        CLI_OPT("train-size", CLI_OPT_SIZE, &a.train_size, "training images (0 = all)"),
        CLI_OPT("test-size", CLI_OPT_SIZE, &a.test_size, "test images (0 = all)"),
        CLI_OPT("data-seed", CLI_OPT_U64, &a.data_seed, "seed of the subset choice"),
        CLI_OPT("normalise", CLI_OPT_STRING, &a.normalise, "standard, unit or none"),
        CLI_OPT("bootstrap", CLI_OPT_SIZE, &a.bootstrap, "bootstrap resamples for the CIs"),
        CLI_OPT("susc-networks", CLI_OPT_SIZE, &a.susc_networks,
                "networks per point of a susceptibility scan (chi = N var(rho), 13 sigma_w "
                "over each (sigma_b, depth, width) line) for the predictor \"distance to the "
                "susceptibility peak\"; 0 = no scan"),
        CLI_OPT("susc-inputs", CLI_OPT_SIZE, &a.susc_inputs,
                "input pairs per network in the susceptibility scan"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "threads per training run (0 = default)"),
        CLI_OPT("out-dir", CLI_OPT_STRING, &a.out_dir, "output directory (resumable)"),
        CLI_OPT_ALIAS_OF("outdir", "out-dir"),
        CLI_OPT("quiet", CLI_OPT_FLAG, &a.quiet, "no tables on stdout, no progress"),
        CLI_PLOT_OPTION(a.plot),
    };
    cli_command cli = {.command = "train-sweep",
                   .summary = "Train MLPs over a grid of (sigma_w, sigma_b, depth, width) x seeds "
                              "for a fixed budget and put the final accuracy beside the "
                              "mean-field critical line, xi_c and the susceptibility, with "
                              "correlations and confidence intervals. Resumable: rerun the "
                              "same command to continue an interrupted sweep.",
                   .example = "dnncrit train-sweep --sigma-w 0.5:2.5:9 --sigma-b 0.05 --depth 30 "
                              "--width 128 --seeds 3 --epochs 2 --out-dir sweep1",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    /* Distributed, rank 0 renders the figure itself (finish_grid). */
    cli_runner r = {run_cmd, &a, &a.plot, launched_distributed() ? NULL : &a.out_dir,
                        "/sweep.json"};
    return cli_run(&cli, argc, argv, &r);
}
