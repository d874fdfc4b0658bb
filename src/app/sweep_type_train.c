/* The `train` sweep type (a plug-in of the type table, sweep_types.c). */
#include <stdio.h>
#include <string.h>

#include "dnncrit/train.h"
#include "dnncrit/train_sweep.h"
#include "app/sweep_types.h"

static const dnc_sweep_param train_params[] = {
    DNC_NET_PARAM_ACTIVATION("tanh"),
    DNC_NET_PARAM_SIGMA_W("1"),
    DNC_NET_PARAM_SIGMA_B("0.05"),
    DNC_NET_PARAM_WIDTH("128"),
    DNC_NET_PARAM_DEPTH("4"),
    DNC_NET_PARAM_SEED("1"),
    {"optimizer", DNC_SWEEP_CHOICE, "sgd", "sgd (momentum) or adam", "sgd,adam"},
    {"lr", DNC_SWEEP_DOUBLE, "0.01", "learning rate", NULL},
    {"momentum", DNC_SWEEP_DOUBLE, "0.9", "SGD momentum", NULL},
    {"batch_size", DNC_SWEEP_SIZE, "64", "minibatch size", NULL},
    {"epochs", DNC_SWEEP_SIZE, "5", "passes over the training subset", NULL},
    {"precision", DNC_SWEEP_CHOICE, "float", "float (float32 GEMMs) or double", "float,double"},
    {"obs_inputs", DNC_SWEEP_SIZE, "32", "test images for the propagation observables (0: off)",
     NULL},
    {"train_size", DNC_SWEEP_SIZE, "2000", "training images (stratified subset; 0: all)", NULL},
    {"test_size", DNC_SWEEP_SIZE, "1000", "test images (0: all)", NULL},
    {"data_seed", DNC_SWEEP_U64, "1", "seed of the subset choice", NULL},
    {"normalise", DNC_SWEEP_CHOICE, "standard", "pixel normalisation", "none,unit,standard"},
    {"data_dir", DNC_SWEEP_STRING, "", "IDX directory (empty: Debian's Fashion-MNIST)", NULL},
    {"device", DNC_SWEEP_CHOICE, "cpu", "cpu, or cuda (the optional GPU backend)", "cpu,cuda"},
};

static dnc_train_config train_config_of(const dnc_sweep_point *p)
{
    dnc_train_config c = dnc_train_config_default();
    c.net.activation = dnc_sweep_get_activation(p, "activation");
    c.net.sigma_w = dnc_sweep_get_double(p, "sigma_w");
    c.net.sigma_b = dnc_sweep_get_double(p, "sigma_b");
    c.net.width = dnc_sweep_get_size(p, "width");
    c.net.depth = dnc_sweep_get_size(p, "depth");
    c.net.seed = dnc_sweep_get_u64(p, "seed");
    c.optimizer = dnc_sweep_get_choice(p, "optimizer") ? DNC_OPTIM_ADAM : DNC_OPTIM_SGD;
    c.lr = dnc_sweep_get_double(p, "lr");
    c.momentum = dnc_sweep_get_double(p, "momentum");
    c.batch_size = dnc_sweep_get_size(p, "batch_size");
    c.epochs = dnc_sweep_get_size(p, "epochs");
    c.precision = dnc_sweep_get_choice(p, "precision") ? DNC_PREC_DOUBLE : DNC_PREC_FLOAT;
    c.obs_inputs = dnc_sweep_get_size(p, "obs_inputs");
    c.threads = 0; /* the sweep runs each point on one thread */
    c.device = dnc_sweep_get_choice(p, "device") ? DNC_DEVICE_CUDA : DNC_DEVICE_CPU;
    c.quiet = true;
    return c;
}

static dnc_data_spec data_spec_of(const dnc_sweep_point *p)
{
    static const dnc_normalisation norms[] = {DNC_NORM_NONE, DNC_NORM_UNIT, DNC_NORM_STANDARD};
    const char *dir = dnc_sweep_get_string(p, "data_dir");
    dnc_data_spec d = {.dir = *dir ? dir : NULL,
                       .train_size = dnc_sweep_get_size(p, "train_size"),
                       .test_size = dnc_sweep_get_size(p, "test_size"),
                       .seed = dnc_sweep_get_u64(p, "data_seed"),
                       .norm = norms[dnc_sweep_get_choice(p, "normalise") % 3]};
    return d;
}

static dnc_status train_validate(const dnc_sweep_point *p)
{
    dnc_train_config c = train_config_of(p);
    dnc_status st = dnc_train_config_validate(&c);
    return st ? st : dnc_device_available(c.device);
}

/* Points share their data: a few loaded data sets stay cached for the
 * process (read-only once loaded, so threads may use them concurrently). */
typedef struct {
    dnc_data_spec spec;
    char dir[1024];
    dnc_dataset train, test;
} cached_data;

enum { DATA_CACHE_SIZE = 4 };
static cached_data data_cache[DATA_CACHE_SIZE];
static size_t data_cached;

static bool same_spec(const cached_data *c, const dnc_data_spec *s)
{
    return c->spec.train_size == s->train_size && c->spec.test_size == s->test_size &&
           c->spec.seed == s->seed && c->spec.norm == s->norm &&
           strcmp(c->dir, s->dir ? s->dir : "") == 0;
}

/* Returns the cached pair, or loads into *own (caller frees) when full. */
static dnc_status get_data(const dnc_data_spec *spec, cached_data *own, const cached_data **out)
{
    dnc_status st = DNC_OK;
    *out = NULL;
#pragma omp critical(dnc_sweep_data_cache)
    {
        for (size_t i = 0; i < data_cached && !*out; i++)
            if (same_spec(&data_cache[i], spec))
                *out = &data_cache[i];
        if (!*out) {
            cached_data *c = data_cached < DATA_CACHE_SIZE ? &data_cache[data_cached] : own;
            memset(c, 0, sizeof *c);
            c->spec = *spec;
            snprintf(c->dir, sizeof c->dir, "%s", spec->dir ? spec->dir : "");
            st = dnc_data_load(spec, &c->train, &c->test);
            if (!st) {
                *out = c;
                data_cached += c != own;
            }
        }
    }
    return st;
}

dnc_status dnc_sweep_train_run(const dnc_train_config *c, const dnc_data_spec *spec, double *row,
                               cJSON *detail)
{
    cached_data own;
    memset(&own, 0, sizeof own);
    const cached_data *data;
    dnc_status st = get_data(spec, &own, &data);
    dnc_train_point_result r;
    if (!st)
        st = dnc_train_point(c, &data->train, &data->test, &r);
    if (!st) {
        dnc_train_point_row(&r, row);
        cJSON *j = dnc_train_point_to_json(&r);
        if (j)
            cJSON_AddItemToObject(detail, "train", j);
    }
    dnc_dataset_free(&own.train);
    dnc_dataset_free(&own.test);
    return st;
}

static dnc_status train_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    dnc_train_config c = train_config_of(p);
    dnc_data_spec spec = data_spec_of(p);
    return dnc_sweep_train_run(&c, &spec, row, detail);
}

const dnc_sweep_experiment dnc_sweep_type_train = {
    "train",
    "train one MLP per point on Fashion-MNIST (or IDX data) and report accuracy, loss and the "
    "propagation observables before and after, with the mean-field context (dnc_train_point)",
    train_params,
    DNC_COUNT(train_params),
    dnc_train_point_columns,
    DNC_TRAIN_POINT_NCOLUMNS,
    train_validate,
    train_run,
    NULL, /* no summary step */
};
