#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot_option.h"
#include "dnncrit/dataset.h"
#include "dnncrit/io.h"
#include "dnncrit/train.h"

typedef struct {
    const char *dataset_dir, *normalise, *optimizer, *precision, *device, *model, *out;
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
    fprintf(f.fp, "%s\n", DNC_TRAIN_CSV_HEADER);
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
    st = write_outputs(a, &spec, &r, record, a->t0);
    if (!st && !a->quiet)
        printf("%zu samples/s%s; wrote %s.csv and %s.json\n", (size_t)r.samples_per_s,
               r.diverged ? " (diverged: loss not finite, stopped)" : "", a->out, a->out);
    dnc_train_result_free(&r);
    return st ? 1 : 0;
}

static int run_cmd(void *ctx, const dnc_cli *cli, int argc, char **argv)
{
    (void)cli;
    return dnc_cli_run_recorded("train", argc, argv, run, ctx);
}

int cmd_train(int argc, char **argv)
{
    const char *plot = NULL;
    train_args a = {.dataset_dir = DNC_FASHION_MNIST_DIR, .normalise = "standard",
                    .optimizer = "sgd", .precision = "float", .device = "cpu", .model = "mlp", .out = "train",
                    .train_size = 10000, .test_size = 2000, .data_seed = 1,
                    .cfg = dnc_train_config_default(), .t0 = dnc_wall_time()};
    dnc_opt opts[] = {
        {"dataset-dir", DNC_OPT_STRING, &a.dataset_dir, "directory with the IDX files", false},
        {"train-size", DNC_OPT_SIZE, &a.train_size, "training images (stratified subset; 0 = all)", false},
        {"test-size", DNC_OPT_SIZE, &a.test_size, "test images (stratified subset; 0 = all)", false},
        {"data-seed", DNC_OPT_U64, &a.data_seed, "seed of the subset choice", false},
        {"normalise", DNC_OPT_STRING, &a.normalise, "standard, unit or none", false},
        {"model", DNC_OPT_STRING, &a.model, "mlp, or cnn (periodic 2D convolutions, width = channels)", false},
        {"kernel", DNC_OPT_SIZE, &a.cfg.kernel, "CNN kernel size k (odd)", false},
        {"width", DNC_OPT_SIZE, &a.cfg.net.width, "hidden units per layer N (CNN: channels)", false},
        {"depth", DNC_OPT_SIZE, &a.cfg.net.depth, "hidden layers L", false},
        {"activation", DNC_OPT_ACTIVATION, &a.cfg.net.activation, "nonlinearity", false},
        {"sigma-w", DNC_OPT_DOUBLE, &a.cfg.net.sigma_w, "weight scale: W ~ N(0, sigma_w^2/fan_in)", false},
        {"sigma-b", DNC_OPT_DOUBLE, &a.cfg.net.sigma_b, "bias standard deviation", false},
        {"seed", DNC_OPT_U64, &a.cfg.net.seed, "seed of initialisation and minibatch order", false},
        {"optimizer", DNC_OPT_STRING, &a.optimizer, "sgd (with momentum) or adam", false},
        {"lr", DNC_OPT_DOUBLE, &a.cfg.lr, "learning rate", false},
        {"momentum", DNC_OPT_DOUBLE, &a.cfg.momentum, "SGD momentum", false},
        {"batch-size", DNC_OPT_SIZE, &a.cfg.batch_size, "minibatch size", false},
        {"epochs", DNC_OPT_SIZE, &a.cfg.epochs, "passes over the training set", false},
        {"precision", DNC_OPT_STRING, &a.precision, "float (float32) or double (float64)", false},
        {"device", DNC_OPT_STRING, &a.device,
         "cpu, or cuda (MLPs on the GPU with cuBLAS; a build with -DDNNCRIT_WITH_CUDA=ON)", false},
        {"obs-inputs", DNC_OPT_SIZE, &a.cfg.obs_inputs, "test images for the propagation observables (0 = off)", false},
        {"threads", DNC_OPT_SIZE, &a.threads, "threads (0 = default: OMP_NUM_THREADS or all cores); results are the same bits for any count", false},
        {"out", DNC_OPT_STRING, &a.out, "output prefix: PREFIX.csv, PREFIX.json", false},
        {"quiet", DNC_OPT_FLAG, &a.quiet, "no table on stdout, no progress on stderr", false},
        DNC_PLOT_OPTION(plot),
    };
    dnc_cli cli = {.command = "train",
                   .summary = "Train an MLP (input -> depth x width -> 10 logits; or a CNN with --model cnn) on Fashion-MNIST "
                              "or any MNIST-format IDX data with SGD or Adam, recording per epoch "
                              "the train/test loss and accuracy and the signal-propagation "
                              "observables of the current weights (rho, chi_1 estimates, "
                              "susceptibility).",
                   .example = "dnncrit train --depth 20 --width 256 --sigma-w 1.2 --sigma-b 0.05 "
                              "--epochs 3 --out run1",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    dnc_cli_runner r = {run_cmd, &a, &plot, &a.out, ".json"};
    return dnc_cli_run(&cli, argc, argv, &r);
}
