/* One trained point of a trainability sweep: the run (dnc_train plus the
 * mean-field context), its table row and its JSON record. The point runner
 * of the sweep's train type (sweep_type_train.c) and of train-sweep. */
#include "dnncrit/train_sweep.h"

#include <math.h>
#include <string.h>

#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "app/train_point.h"

/* ------------------------------------------------------------ one point */

static void mean_field_context(const dnc_train_config *cfg, dnc_train_point_result *r)
{
    dnc_mf_params p = {cfg->net.activation, cfg->net.sigma_w, cfg->net.sigma_b};
    dnc_mf_point mf;
    r->chi1_mf = r->xi_c = r->kappa = r->sigma_w_crit = r->dist_crit = NAN;
    r->depth_over_xi = r->kappa_L = NAN;
    if (dnc_mf_analyse(&p, &mf) == DNC_OK) {
        r->chi1_mf = mf.chi_1;
        r->xi_c = mf.xi_c;
        r->kappa = mf.kappa_exists ? mf.kappa : NAN;
        r->depth_over_xi = (double)cfg->net.depth / mf.xi_c;
        r->kappa_L = r->kappa * (double)cfg->net.depth;
    }
    double swc;
    if (dnc_mf_critical_sigma_w(cfg->net.activation, cfg->net.sigma_b, &swc) == DNC_OK) {
        r->sigma_w_crit = swc;
        r->dist_crit = cfg->net.sigma_w - swc;
    }
    dnc_clear_error();
}

dnc_status dnc_train_point(const dnc_train_config *cfg, const dnc_dataset *train,
                           const dnc_dataset *test, dnc_train_point_result *out)
{
    memset(out, 0, sizeof *out);
    out->sigma_w = cfg->net.sigma_w;
    out->sigma_b = cfg->net.sigma_b;
    out->depth = cfg->net.depth;
    out->width = cfg->net.width;
    out->seed = cfg->net.seed;
    dnc_train_result res;
    double t0 = dnc_wall_time();
    dnc_status st = dnc_train(cfg, train, test, NULL, NULL, &res);
    if (st)
        return st;
    const dnc_train_epoch *last = &res.epochs[res.nepochs - 1];
    out->final_test_acc = last->test_acc;
    out->final_train_acc = last->train_acc;
    out->final_test_loss = last->test_loss;
    out->best_test_acc = 0;
    for (size_t e = 0; e < res.nepochs; e++)
        if (res.epochs[e].test_acc > out->best_test_acc)
            out->best_test_acc = res.epochs[e].test_acc;
    out->diverged = res.diverged;
    out->init_obs = res.epochs[0].obs;
    out->final_obs = last->obs;
    dnc_train_result_free(&res);
    mean_field_context(cfg, out);
    out->seconds = dnc_wall_time() - t0;
    return DNC_OK;
}

const char *const dnc_train_point_columns[DNC_TRAIN_POINT_NCOLUMNS] = {
    "final_test_acc", "best_test_acc", "final_train_acc", "final_test_loss", "diverged",
    "chi1_mf", "xi_c", "kappa", "sigma_w_crit", "dist_crit", "depth_over_xi", "kappa_L",
    "chi1_weights_init", "susceptibility_init", "lyapunov_init", "chi1_weights_final",
    "susceptibility_final",
};

void dnc_train_point_row(const dnc_train_point_result *r, double row[DNC_TRAIN_POINT_NCOLUMNS])
{
    const double v[DNC_TRAIN_POINT_NCOLUMNS] = {
        r->final_test_acc, r->best_test_acc, r->final_train_acc, r->final_test_loss,
        r->diverged ? 1.0 : 0.0, r->chi1_mf, r->xi_c, r->kappa, r->sigma_w_crit, r->dist_crit,
        r->depth_over_xi, r->kappa_L, r->init_obs.chi1_weights, r->init_obs.susceptibility,
        r->init_obs.lyapunov, r->final_obs.chi1_weights, r->final_obs.susceptibility,
    };
    memcpy(row, v, sizeof v);
}

/* ------------------------------------------------------------- JSON */

void dnc_json_add_finite(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* Missing or null numbers read back as NAN. */
static double get_num(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

static cJSON *obs_json(const dnc_train_observables *o)
{
    cJSON *j = cJSON_CreateObject();
    dnc_json_add_finite(j, "rho_first", o->rho_first);
    dnc_json_add_finite(j, "rho_last", o->rho_last);
    dnc_json_add_finite(j, "rho_mean", o->rho_mean);
    dnc_json_add_finite(j, "q_last", o->q_last);
    dnc_json_add_finite(j, "lyapunov", o->lyapunov);
    dnc_json_add_finite(j, "chi1_lyap", o->chi1_lyap);
    dnc_json_add_finite(j, "chi1_weights", o->chi1_weights);
    dnc_json_add_finite(j, "susceptibility", o->susceptibility);
    return j;
}

static void obs_from_json(const cJSON *j, dnc_train_observables *o)
{
    o->rho_first = get_num(j, "rho_first");
    o->rho_last = get_num(j, "rho_last");
    o->rho_mean = get_num(j, "rho_mean");
    o->q_last = get_num(j, "q_last");
    o->lyapunov = get_num(j, "lyapunov");
    o->chi1_lyap = get_num(j, "chi1_lyap");
    o->chi1_weights = get_num(j, "chi1_weights");
    o->susceptibility = get_num(j, "susceptibility");
}

cJSON *dnc_train_point_to_json(const dnc_train_point_result *r)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON *c = cJSON_AddObjectToObject(j, "point");
    /* Exact: a resumed point is matched to its grid value by equality. */
    cJSON_AddItemToObject(c, "sigma_w", dnc_json_exact_number(r->sigma_w));
    cJSON_AddItemToObject(c, "sigma_b", dnc_json_exact_number(r->sigma_b));
    cJSON_AddNumberToObject(c, "depth", (double)r->depth);
    cJSON_AddNumberToObject(c, "width", (double)r->width);
    cJSON_AddNumberToObject(c, "seed", (double)r->seed);
    cJSON *res = cJSON_AddObjectToObject(j, "results");
    dnc_json_add_finite(res, "final_test_acc", r->final_test_acc);
    dnc_json_add_finite(res, "final_train_acc", r->final_train_acc);
    dnc_json_add_finite(res, "final_test_loss", r->final_test_loss);
    dnc_json_add_finite(res, "best_test_acc", r->best_test_acc);
    cJSON_AddBoolToObject(res, "diverged", r->diverged);
    cJSON *mf = cJSON_AddObjectToObject(j, "mean_field");
    dnc_json_add_finite(mf, "chi1", r->chi1_mf);
    dnc_json_add_finite(mf, "xi_c", r->xi_c);
    dnc_json_add_finite(mf, "kappa", r->kappa);
    dnc_json_add_finite(mf, "sigma_w_crit", r->sigma_w_crit);
    dnc_json_add_finite(mf, "dist_crit", r->dist_crit);
    dnc_json_add_finite(mf, "depth_over_xi", r->depth_over_xi);
    dnc_json_add_finite(mf, "kappa_L", r->kappa_L);
    cJSON_AddItemToObject(j, "init_observables", obs_json(&r->init_obs));
    cJSON_AddItemToObject(j, "final_observables", obs_json(&r->final_obs));
    dnc_json_add_finite(j, "seconds", r->seconds);
    return j;
}

dnc_status dnc_train_point_from_json(const cJSON *j, dnc_train_point_result *r)
{
    memset(r, 0, sizeof *r);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "point");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "results");
    const cJSON *mf = cJSON_GetObjectItemCaseSensitive(j, "mean_field");
    if (!cJSON_IsObject(c) || !cJSON_IsObject(res) || !cJSON_IsObject(mf))
        return dnc_fail(DNC_EINVAL, "not a train-sweep point (missing point/results/mean_field)");
    r->sigma_w = get_num(c, "sigma_w");
    r->sigma_b = get_num(c, "sigma_b");
    double depth = get_num(c, "depth"), width = get_num(c, "width"), seed = get_num(c, "seed");
    if (!isfinite(r->sigma_w) || !isfinite(r->sigma_b) || !(depth >= 1) || !(width >= 1) ||
        !(seed >= 0))
        return dnc_fail(DNC_EINVAL, "train-sweep point with missing or invalid parameters");
    r->depth = (size_t)depth;
    r->width = (size_t)width;
    r->seed = (uint64_t)seed;
    r->final_test_acc = get_num(res, "final_test_acc");
    r->final_train_acc = get_num(res, "final_train_acc");
    r->final_test_loss = get_num(res, "final_test_loss");
    r->best_test_acc = get_num(res, "best_test_acc");
    r->diverged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "diverged"));
    if (!isfinite(r->final_test_acc))
        return dnc_fail(DNC_EINVAL, "train-sweep point without a final test accuracy");
    r->chi1_mf = get_num(mf, "chi1");
    r->xi_c = get_num(mf, "xi_c");
    if (!isfinite(r->xi_c) && isfinite(r->chi1_mf))
        r->xi_c = INFINITY; /* exactly critical: stored as null */
    r->kappa = get_num(mf, "kappa");
    r->sigma_w_crit = get_num(mf, "sigma_w_crit");
    r->dist_crit = get_num(mf, "dist_crit");
    r->depth_over_xi = get_num(mf, "depth_over_xi");
    r->kappa_L = get_num(mf, "kappa_L");
    obs_from_json(cJSON_GetObjectItemCaseSensitive(j, "init_observables"), &r->init_obs);
    obs_from_json(cJSON_GetObjectItemCaseSensitive(j, "final_observables"), &r->final_obs);
    r->seconds = get_num(j, "seconds");
    return DNC_OK;
}
