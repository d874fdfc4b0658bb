#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dnncrit/network.h"
#include "plot_option.h"
#include "dnncrit/dataset.h"
#include "dnncrit/io.h"
#include "dnncrit/train_report.h"
#include "dnncrit/result.h"

typedef struct {
    const char *dataset_dir, *normalise, *optimizer, *precision, *device, *model, *out, *save;
    size_t train_size, test_size, threads;
    uint64_t data_seed;
    bool quiet;
    dnc_train_config cfg;
    double t0; /* when the command started */
} train_args;

static void print_epoch(void *ctx, const dnc_train_epoch *e)
{
    (void)ctx;
    printf("%5zu  %9.4f  %8.4f  %9.4f  %8.4f  %9.4g  %9.4g  %9.4g\n", e->epoch, e->train_loss,
           e->train_acc, e->test_loss, e->test_acc, e->obs.rho_last, e->obs.chi1_weights,
           e->obs.susceptibility);
    fflush(stdout);
}

static dnc_status write_csv(const char *path, const dnc_train_result *r)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    dnc_result_write_header(f.fp, DNC_RESULT_TRAIN_HISTORY);
    for (size_t e = 0; e < r->nepochs; e++)
        dnc_train_csv_row(f.fp, &r->epochs[e]);
    return dnc_afile_commit(&f);
}

static cJSON *results_json(const dnc_train_result *r)
{
    cJSON *res = cJSON_CreateObject();
    const dnc_train_epoch *last = &r->epochs[r->nepochs - 1];
    double best = 0;
    for (size_t e = 0; e < r->nepochs; e++)
        best = r->epochs[e].test_acc > best ? r->epochs[e].test_acc : best;
    cJSON_AddNumberToObject(res, "final_test_acc", last->test_acc);
    cJSON_AddNumberToObject(res, "final_train_acc", last->train_acc);
    cJSON_AddNumberToObject(res, "best_test_acc", best);
    cJSON_AddBoolToObject(res, "diverged", r->diverged);
    cJSON *ep = cJSON_AddArrayToObject(res, "epochs");
    for (size_t e = 0; e < r->nepochs; e++)
        cJSON_AddItemToArray(ep, dnc_train_epoch_json(&r->epochs[e]));
    return res;
}

/* Wall times: kept out of the CSV and "results", which depend on the
 * configuration and seed only. */
static cJSON *timings_json(const dnc_train_result *r)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "train_s", r->train_seconds);
    cJSON_AddNumberToObject(t, "samples_per_s", r->samples_per_s);
    cJSON *ep = cJSON_AddArrayToObject(t, "epoch_train_s"); /* epochs 1, 2, ... */
    for (size_t e = 1; e < r->nepochs; e++)
        cJSON_AddItemToArray(ep, cJSON_CreateNumber(r->epochs[e].seconds));
    return t;
}

static dnc_status write_outputs(const train_args *a, const dnc_data_spec *spec,
                                const dnc_train_result *r, cJSON *record, double t0)
{
    char *csv = dnc_path_with_suffix(a->out, ".csv");
    char *json = dnc_path_with_suffix(a->out, ".json");
    if (!csv || !json) {
        free(csv);
        free(json);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    cJSON *config = dnc_train_config_json(&a->cfg);
    cJSON_AddStringToObject(config, "dataset_dir", spec->dir);
    cJSON_AddNumberToObject(config, "train_size", (double)a->train_size);
    cJSON_AddNumberToObject(config, "test_size", (double)a->test_size);
    cJSON_AddNumberToObject(config, "data_seed", (double)a->data_seed);
    cJSON_AddStringToObject(config, "normalise", a->normalise);
    cJSON_AddItemToObject(record, "config", config);
    cJSON_AddItemToObject(record, "results", results_json(r));
    const char *base = strrchr(csv, '/');
    cJSON *outs = cJSON_AddObjectToObject(record, "outputs");
    cJSON_AddStringToObject(outs, "csv", base ? base + 1 : csv);
    if (a->save)
        cJSON_AddStringToObject(outs, "model", cli_base_name(a->save));
    cJSON_AddItemToObject(record, "timings", timings_json(r));
    dnc_run_record_finish(record, t0);
    dnc_status st = write_csv(csv, r);
    if (!st)
        st = dnc_write_json_atomic(json, record);
    if (st)
        remove(csv);
    free(csv);
    free(json);
    return st;
}

/* A diverged run is a result (exit 0, "diverged": true), said on stderr
 * even under --quiet: its accuracy is that of a blown-up network. */
static void note_divergence(const dnc_train_result *r)
{
    const dnc_train_epoch *last = &r->epochs[r->nepochs - 1];
    fprintf(stderr,
            "dnncrit train: note: training diverged in epoch %zu (train loss %g: not finite, or "
            "above %g x max(initial loss, ln classes); or a weight not finite); stopped there, results marked "
            "\"diverged\": true\n",
            last->epoch, last->train_loss, DNC_TRAIN_BLOWUP);
}

static int run(void *ctx, cJSON *record)
{
    train_args *a = ctx;
    dnc_normalisation norm;
    if (dnc_normalisation_parse(a->normalise, &norm) ||
        dnc_optimizer_parse(a->optimizer, &a->cfg.optimizer) ||
        dnc_precision_parse(a->precision, &a->cfg.precision) ||
        dnc_device_parse(a->device, &a->cfg.device) ||
        dnc_model_kind_parse(a->model, &a->cfg.model))
        return 2;
    a->cfg.threads = (int)(a->threads > 4096 ? 4097 : a->threads);
    a->cfg.quiet = a->quiet;
    if (dnc_train_config_validate(&a->cfg))
        return 2;
    if (a->save && a->cfg.model != DNC_MODEL_MLP) {
        dnc_fail(DNC_EINVAL, "--save writes MLPs (Linear layers) only, not --model %s",
                 a->model);
        return 2;
    }
    a->cfg.keep_model = a->save != NULL;
    if (dnc_device_available(a->cfg.device))
        return 1; /* before any output: no GPU, or a build without CUDA */
    dnc_data_spec spec = {.dir = a->dataset_dir, .train_size = a->train_size,
                          .test_size = a->test_size, .seed = a->data_seed, .norm = norm};
    dnc_dataset train, test;
    if (dnc_data_load(&spec, &train, &test))
        return 1;
    a->train_size = train.count;
    a->test_size = test.count;
    if (!a->quiet)
        printf("epoch  train_loss train_acc  test_loss test_acc   rho_last  chi1_w  suscept.\n");
    dnc_train_result r;
    dnc_status st = dnc_train(&a->cfg, &train, &test, a->quiet ? NULL : print_epoch, NULL, &r);
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
    if (st)
        return 1;
    /* the model first: the record names it only once it exists */
    if (a->save)
        st = dnc_mlp_model_save(r.model, a->save,
                                a->cfg.precision == DNC_PREC_DOUBLE ? DNC_WEIGHTS_F64
                                                                    : DNC_WEIGHTS_F32);
    if (!st)
        st = write_outputs(a, &spec, &r, record, a->t0);
    if (!st && r.diverged)
        note_divergence(&r);
    if (!st && !a->quiet)
        printf("%zu samples/s%s; wrote %s.csv and %s.json%s%s\n", (size_t)r.samples_per_s,
               r.diverged ? " (diverged, stopped)" : "", a->out, a->out,
               a->save ? ", model " : "", a->save ? a->save : "");
    dnc_train_result_free(&r);
    return st ? 1 : 0;
}

static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    return cli_run_recorded("train", argc, argv, run, ctx);
}

int cmd_train(int argc, char **argv)
{
    const char *plot = NULL;
    train_args a = {.dataset_dir = DNC_FASHION_MNIST_DIR, .normalise = "standard",
                    .optimizer = "sgd", .precision = "float", .device = "cpu", .model = "mlp", .out = "train", .save = NULL,
                    .train_size = 10000, .test_size = 2000, .data_seed = 1,
                    .cfg = dnc_train_config_default(), .t0 = dnc_wall_time()};
    cli_opt opts[] = {
        CLI_OPT("dataset-dir", CLI_OPT_STRING, &a.dataset_dir, "directory with the IDX files"),
        CLI_OPT("train-size", CLI_OPT_SIZE, &a.train_size, "training images (stratified subset; 0 = all)"),
        CLI_OPT("test-size", CLI_OPT_SIZE, &a.test_size, "test images (stratified subset; 0 = all)"),
        CLI_OPT("data-seed", CLI_OPT_U64, &a.data_seed, "seed of the subset choice"),
        CLI_OPT("normalise", CLI_OPT_STRING, &a.normalise, "standard, unit or none"),
        CLI_OPT("model", CLI_OPT_STRING, &a.model, "mlp, or cnn (periodic 2D convolutions, width = channels)"),
        CLI_OPT("kernel", CLI_OPT_SIZE, &a.cfg.kernel, "CNN kernel size k (odd)"),
        CLI_PARAM_HELP(dnc_net_param_width, &a.cfg.net.width, "hidden units per layer N (CNN: channels)"),
        CLI_PARAM_HELP(dnc_net_param_depth, &a.cfg.net.depth, "hidden layers L"),
        CLI_PARAM_HELP(dnc_net_param_activation, &a.cfg.net.activation, "nonlinearity"),
        CLI_PARAM_HELP(dnc_net_param_sigma_w, &a.cfg.net.sigma_w, "weight scale: W ~ N(0, sigma_w^2/fan_in)"),
        CLI_PARAM(dnc_net_param_sigma_b, &a.cfg.net.sigma_b),
        CLI_PARAM_HELP(dnc_net_param_seed, &a.cfg.net.seed, "seed of initialisation and minibatch order"),
        CLI_OPT("optimizer", CLI_OPT_STRING, &a.optimizer, "sgd (with momentum) or adam"),
        CLI_OPT("lr", CLI_OPT_DOUBLE, &a.cfg.lr, "learning rate"),
        CLI_OPT("momentum", CLI_OPT_DOUBLE, &a.cfg.momentum, "SGD momentum"),
        CLI_OPT("batch-size", CLI_OPT_SIZE, &a.cfg.batch_size, "minibatch size"),
        CLI_OPT("epochs", CLI_OPT_SIZE, &a.cfg.epochs, "passes over the training set"),
        CLI_OPT("precision", CLI_OPT_STRING, &a.precision, "float (float32) or double (float64)"),
        CLI_OPT("device", CLI_OPT_STRING, &a.device,
         "cpu, or cuda (MLPs on the GPU with cuBLAS; a build with -DDNNCRIT_WITH_CUDA=ON)"),
        CLI_OPT("obs-inputs", CLI_OPT_SIZE, &a.cfg.obs_inputs, "test images for the propagation observables (0 = off)"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "threads (0 = default: OMP_NUM_THREADS or all cores); results are the same bits for any count"),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "output prefix: PREFIX.csv, PREFIX.json"),
        CLI_OPT("save", CLI_OPT_STRING, &a.save,
         "also save the trained MLP as safetensors (F32, or F64 with --precision double) named "
         "like a PyTorch nn.Sequential: 0.weight, 0.bias, 2.weight, ...; read back by "
         "propagate --weights"),
        CLI_QUIET_OPTION(&a.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "train",
                   .summary = "Train an MLP (input -> depth x width -> 10 logits; or a CNN with --model cnn) on Fashion-MNIST "
                              "or any MNIST-format IDX data with SGD or Adam, recording per epoch "
                              "the train/test loss and accuracy and the signal-propagation "
                              "observables of the current weights (rho, chi_1 estimates, "
                              "susceptibility).",
                   .example = "dnncrit train --depth 20 --width 256 --sigma-w 1.2 --sigma-b 0.05 "
                              "--epochs 3 --out run1",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    cli_runner r = {run_cmd, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
