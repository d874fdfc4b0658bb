/* The `avalanches` sweep type (a plug-in of the type table, sweep_types.c). */
#include <math.h>
#include <string.h>

#include "dnncrit/avalanche.h"
#include "app/sweep_types.h"

static const dnc_sweep_param avalanches_params[] = {
    NETWORK_PARAMS,
    {"networks", DNC_SWEEP_SIZE, "4", "networks per point (network k has seed seed + k)", NULL},
    {"inputs", DNC_SWEEP_SIZE, "64", "inputs (perturbed pairs for damage) per network", NULL},
    {"input_q", DNC_SWEEP_DOUBLE, "1", "per-component variance of the inputs", NULL},
    {"rule", DNC_SWEEP_CHOICE, "damage", "activity rule: damage spreading, |phi(h)|, |h|/std, |h|",
     "damage,abs,std,pre"},
    {"threshold_scope", DNC_SWEEP_CHOICE, "global",
     "activity rules: threshold as given, x layer std, x unit std, or top p% of the layer",
     "global,layer,unit,percentile"},
    DNC_PROPAGATE_PARAM_FIELD("0"),
    {"threshold", DNC_SWEEP_DOUBLE, "0", "activity threshold (0: the rule's default)", NULL},
    {"delta", DNC_SWEEP_DOUBLE, "0.001", "damage: input perturbation", NULL},
    {"fit", DNC_SWEEP_BOOL, "true", "fit tau, alpha, gamma (power laws, <S>(T))", NULL},
    DNC_PROPAGATE_PARAM_ENGINE("explicit"),
};
static const char *const avalanches_columns[] = {
    "avalanches", "cut",   "survival", "mean_S",    "mean_T",  "max_S",
    "chi",        "chi_err", "chi_S", "tau",    "tau_err",   "alpha",   "alpha_err",
    "gamma",      "gamma_err", "crackling_z",
};

static dnc_net_aval_opts avalanches_opts_of(const dnc_sweep_point *p)
{
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    dnc_net_rule rule = (dnc_net_rule)dnc_sweep_get_choice(p, "rule");
    if (rule != o.rule) { /* the library's default threshold belongs to its default rule */
        static const double thresholds[] = {2, 0.5, 1, 1};
        o.threshold = thresholds[rule];
    }
    o.net = network_of(p);
    o.networks = dnc_sweep_get_size(p, "networks");
    o.inputs = dnc_sweep_get_size(p, "inputs");
    o.input_q = dnc_sweep_get_double(p, "input_q");
    o.rule = rule;
    o.scope = (dnc_threshold_scope)dnc_sweep_get_choice(p, "threshold_scope");
    if (o.scope == DNC_SCOPE_PERCENTILE)
        o.threshold = 10;
    o.field = dnc_sweep_get_double(p, "field");
    if (dnc_sweep_get_double(p, "threshold") > 0)
        o.threshold = dnc_sweep_get_double(p, "threshold");
    o.delta = dnc_sweep_get_double(p, "delta");
    o.engine = (dnc_engine_kind)dnc_sweep_get_choice(p, "engine");
    o.quiet = true;
    return o;
}

static dnc_status avalanches_validate(const dnc_sweep_point *p)
{
    if (dnc_sweep_get_double(p, "threshold") < 0)
        return dnc_fail(DNC_EINVAL, "threshold must be >= 0 (0: the rule's default), got %g",
                        dnc_sweep_get_double(p, "threshold"));
    dnc_net_aval_opts o = avalanches_opts_of(p);
    return dnc_net_aval_opts_validate(&o);
}

static dnc_status avalanches_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    dnc_net_aval_opts o = avalanches_opts_of(p);
    dnc_net_aval_result r;
    memset(&r, 0, sizeof r);
    dnc_status st = dnc_net_avalanches(&o, &r);
    if (st)
        return st;
    double fits[7] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    if (dnc_sweep_get_bool(p, "fit")) {
        dnc_avalanche_opts ao = dnc_avalanche_opts_default();
        ao.seed = o.net.seed;
        dnc_avalanche_analysis an;
        memset(&an, 0, sizeof an);
        /* Too few avalanches to fit is a result (nan), not a failure. */
        if (dnc_avalanche_analyse(&r.av, &ao, &an) == DNC_OK) {
            double v[] = {an.size.alpha,
                          an.size.alpha_err,
                          an.duration.alpha,
                          an.duration.alpha_err,
                          an.gamma_ok ? an.sd.gamma : NAN,
                          an.gamma_ok ? an.sd.gamma_err : NAN,
                          an.gamma_ok ? an.crackling.z : NAN};
            memcpy(fits, v, sizeof v);
            cJSON_AddNumberToObject(detail, "size_xmin", an.size.xmin);
            cJSON_AddNumberToObject(detail, "duration_xmin", an.duration.xmin);
            if (!an.gamma_ok)
                cJSON_AddStringToObject(detail, "gamma_note", an.gamma_error);
        } else {
            cJSON_AddStringToObject(detail, "fit_note", dnc_last_error());
        }
        dnc_avalanche_analysis_free(&an);
    }
    double v[] = {(double)r.av.count, (double)r.cut, r.survival, r.mean_S, r.mean_T, r.max_S,
                  r.chi, r.chi_err, r.chi_S};
    memcpy(row, v, sizeof v);
    memcpy(row + sizeof v / sizeof v[0], fits, sizeof fits);
    cJSON_AddItemToObject(detail, "rho_mean", array_json(r.rho_mean, r.depth));
    cJSON_AddItemToObject(detail, "chi_layer", array_json(r.chi_layer, r.depth));
    dnc_net_aval_result_free(&r);
    return DNC_OK;
}

const dnc_sweep_experiment dnc_sweep_type_avalanches = {
    "avalanches",
    "avalanches through the layers of random networks (damage spreading or activity "
    "thresholds): counts, susceptibilities and the exponents tau, alpha, gamma with the "
    "crackling-noise check (dnc_net_avalanches + dnc_avalanche_analyse)",
    avalanches_params,
    sizeof avalanches_params / sizeof avalanches_params[0],
    avalanches_columns,
    sizeof avalanches_columns / sizeof avalanches_columns[0],
    avalanches_validate,
    avalanches_run,
    NULL, /* no summary step */
};
