#include <math.h>

#include <cjson/cJSON.h>

#include "dnncrit/train_report.h"

#include "dnncrit/io.h"

/* CSV cells as in every result CSV (dnc_csv_number: "nan" where a quantity
 * does not exist); JSON writes NAN and infinities as null. */
void dnc_train_csv_row(FILE *fp, const dnc_train_epoch *e)
{
    const dnc_train_observables *o = &e->obs;
    fprintf(fp, "%zu,", e->epoch);
    dnc_csv_number(fp, e->train_loss, 10, ",");
    dnc_csv_number(fp, e->train_acc, 10, ",");
    dnc_csv_number(fp, e->test_loss, 10, ",");
    dnc_csv_number(fp, e->test_acc, 10, ",");
    dnc_csv_number(fp, o->rho_first, 10, ",");
    dnc_csv_number(fp, o->rho_last, 10, ",");
    dnc_csv_number(fp, o->rho_mean, 10, ",");
    dnc_csv_number(fp, o->q_last, 10, ",");
    dnc_csv_number(fp, o->lyapunov, 10, ",");
    dnc_csv_number(fp, o->chi1_lyap, 10, ",");
    dnc_csv_number(fp, o->chi1_weights, 10, ",");
    dnc_csv_number(fp, o->susceptibility, 10, "\n");
}

static void add_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

cJSON *dnc_train_config_json(const dnc_train_config *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "model", dnc_model_kind_name(c->model));
    if (c->model == DNC_MODEL_CNN)
        cJSON_AddNumberToObject(o, "kernel", (double)c->kernel);
    cJSON_AddNumberToObject(o, "width", (double)c->net.width);
    cJSON_AddNumberToObject(o, "depth", (double)c->net.depth);
    cJSON_AddStringToObject(o, "activation", dnc_activation_name(c->net.activation));
    cJSON_AddNumberToObject(o, "sigma_w", c->net.sigma_w);
    cJSON_AddNumberToObject(o, "sigma_b", c->net.sigma_b);
    cJSON_AddNumberToObject(o, "seed", (double)c->net.seed);
    cJSON_AddNumberToObject(o, "classes", (double)c->nclasses);
    cJSON_AddStringToObject(o, "optimizer", dnc_optimizer_name(c->optimizer));
    cJSON_AddNumberToObject(o, "lr", c->lr);
    cJSON_AddNumberToObject(o, "momentum", c->momentum);
    cJSON_AddNumberToObject(o, "beta1", c->beta1);
    cJSON_AddNumberToObject(o, "beta2", c->beta2);
    cJSON_AddNumberToObject(o, "adam_eps", c->adam_eps);
    cJSON_AddNumberToObject(o, "batch_size", (double)c->batch_size);
    cJSON_AddNumberToObject(o, "epochs", (double)c->epochs);
    cJSON_AddStringToObject(o, "precision", dnc_precision_name(c->precision));
    cJSON_AddStringToObject(o, "device", dnc_device_name(c->device));
    cJSON_AddNumberToObject(o, "threads", c->threads);
    cJSON_AddNumberToObject(o, "obs_inputs", (double)c->obs_inputs);
    return o;
}

cJSON *dnc_train_epoch_json(const dnc_train_epoch *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    const dnc_train_observables *b = &e->obs;
    cJSON_AddNumberToObject(o, "epoch", (double)e->epoch);
    add_num(o, "train_loss", e->train_loss);
    add_num(o, "train_acc", e->train_acc);
    add_num(o, "test_loss", e->test_loss);
    add_num(o, "test_acc", e->test_acc);
    add_num(o, "rho_first", b->rho_first);
    add_num(o, "rho_last", b->rho_last);
    add_num(o, "rho_mean", b->rho_mean);
    add_num(o, "q_last", b->q_last);
    add_num(o, "lyapunov", b->lyapunov);
    add_num(o, "chi1_lyap", b->chi1_lyap);
    add_num(o, "chi1_weights", b->chi1_weights);
    add_num(o, "susceptibility", b->susceptibility);
    return o;
}
