/* The training configuration: defaults, validation, and the names of the
 * optimizers, precisions and model kinds. */
#include "dnncrit/train.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------- config */

dnc_train_config dnc_train_config_default(void)
{
    dnc_train_config c = {
        .net = dnc_mlp_config_default(),
        .nclasses = 10,
        .optimizer = DNC_OPTIM_SGD,
        .lr = 0.01,
        .momentum = 0.9,
        .beta1 = 0.9,
        .beta2 = 0.999,
        .adam_eps = 1e-8,
        .batch_size = 64,
        .epochs = 5,
        .precision = DNC_PREC_FLOAT,
        .model = DNC_MODEL_MLP,
        .kernel = 3,
        .threads = 0,
        .obs_inputs = 64,
        .quiet = false,
        .device = DNC_DEVICE_CPU,
    };
    c.net.width = 128;
    c.net.depth = 4;
    c.net.sigma_b = 0.05;
    return c;
}

dnc_status dnc_train_config_validate(const dnc_train_config *c)
{
    dnc_status st = dnc_mlp_config_validate(&c->net);
    if (st)
        return st;
    if (c->nclasses < 2 || c->nclasses > 256)
        return dnc_fail(DNC_EINVAL, "number of classes must be in 2..256, got %zu", c->nclasses);
    if (!(c->lr > 0) || !isfinite(c->lr))
        return dnc_fail(DNC_EINVAL, "learning rate must be a finite number > 0, got %g", c->lr);
    if (!(c->momentum >= 0 && c->momentum < 1))
        return dnc_fail(DNC_EINVAL, "momentum must be in [0, 1), got %g", c->momentum);
    if (!(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1))
        return dnc_fail(DNC_EINVAL, "Adam betas must be in [0, 1), got %g and %g", c->beta1,
                        c->beta2);
    if (!(c->adam_eps > 0) || !isfinite(c->adam_eps))
        return dnc_fail(DNC_EINVAL, "Adam epsilon must be > 0, got %g", c->adam_eps);
    if (c->batch_size == 0 || c->batch_size > 1000000)
        return dnc_fail(DNC_EINVAL, "batch size must be in 1..1000000, got %zu", c->batch_size);
    if (c->epochs > 100000)
        return dnc_fail(DNC_EINVAL, "epochs must be at most 100000, got %zu", c->epochs);
    if (c->optimizer != DNC_OPTIM_SGD && c->optimizer != DNC_OPTIM_ADAM)
        return dnc_fail(DNC_EINVAL, "invalid optimizer code %d", (int)c->optimizer);
    if (c->precision != DNC_PREC_FLOAT && c->precision != DNC_PREC_DOUBLE)
        return dnc_fail(DNC_EINVAL, "invalid precision code %d", (int)c->precision);
    if (c->threads < 0 || c->threads > 4096)
        return dnc_fail(DNC_EINVAL, "threads must be in 0..4096, got %d", c->threads);
    if (c->model != DNC_MODEL_MLP && c->model != DNC_MODEL_CNN)
        return dnc_fail(DNC_EINVAL, "invalid model code %d", (int)c->model);
    if (c->model == DNC_MODEL_CNN && (c->kernel == 0 || c->kernel % 2 == 0 || c->kernel > 63))
        return dnc_fail(DNC_EINVAL, "CNN kernel size must be odd, 1..63, got %zu", c->kernel);
    if (c->device != DNC_DEVICE_CPU && c->device != DNC_DEVICE_CUDA)
        return dnc_fail(DNC_EINVAL, "invalid device code %d", (int)c->device);
    if (c->device == DNC_DEVICE_CUDA && c->model == DNC_MODEL_CNN)
        return dnc_fail(DNC_EINVAL, "CNN training runs on the CPU only: use --device cpu "
                                    "with --model cnn");
    if (c->obs_inputs == 1 || c->obs_inputs > 100000)
        return dnc_fail(DNC_EINVAL,
                        "observation inputs must be 0 (off) or 2..100000, got %zu", c->obs_inputs);
    return DNC_OK;
}

dnc_status dnc_optimizer_parse(const char *name, dnc_optimizer *out)
{
    if (name && strcmp(name, "sgd") == 0)
        *out = DNC_OPTIM_SGD;
    else if (name && strcmp(name, "adam") == 0)
        *out = DNC_OPTIM_ADAM;
    else
        return dnc_fail(DNC_EINVAL, "unknown optimizer '%s' (known: sgd, adam)",
                        name ? name : "(null)");
    return DNC_OK;
}

const char *dnc_optimizer_name(dnc_optimizer o)
{
    return o == DNC_OPTIM_SGD ? "sgd" : o == DNC_OPTIM_ADAM ? "adam" : "invalid";
}

dnc_status dnc_precision_parse(const char *name, dnc_precision *out)
{
    if (name && (strcmp(name, "float") == 0 || strcmp(name, "float32") == 0))
        *out = DNC_PREC_FLOAT;
    else if (name && (strcmp(name, "double") == 0 || strcmp(name, "float64") == 0))
        *out = DNC_PREC_DOUBLE;
    else
        return dnc_fail(DNC_EINVAL, "unknown precision '%s' (known: float, double)",
                        name ? name : "(null)");
    return DNC_OK;
}

dnc_status dnc_model_kind_parse(const char *name, dnc_model_kind *out)
{
    if (name && strcmp(name, "mlp") == 0)
        *out = DNC_MODEL_MLP;
    else if (name && strcmp(name, "cnn") == 0)
        *out = DNC_MODEL_CNN;
    else
        return dnc_fail(DNC_EINVAL, "unknown model '%s' (known: mlp, cnn)", name ? name : "(null)");
    return DNC_OK;
}

const char *dnc_model_kind_name(dnc_model_kind k)
{
    return k == DNC_MODEL_MLP ? "mlp" : k == DNC_MODEL_CNN ? "cnn" : "invalid";
}

const char *dnc_precision_name(dnc_precision p)
{
    return p == DNC_PREC_FLOAT ? "float" : p == DNC_PREC_DOUBLE ? "double" : "invalid";
}
