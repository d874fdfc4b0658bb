/* The `propagate` sweep type (a plug-in of the type table, sweep_types.c). */
#include <math.h>
#include <string.h>

#include "dnncrit/propagate.h"
#include "app/sweep_types.h"

static const dnc_sweep_param propagate_params[] = {
    NETWORK_PARAMS,
    {"batch", DNC_SWEEP_SIZE, "8", "inputs B propagated together (>= 2 for correlations)",
     NULL},
    {"input_q", DNC_SWEEP_DOUBLE, "1", "per-component variance of the inputs", NULL},
    {"input_c", DNC_SWEEP_DOUBLE, "0.5", "correlation between the inputs", NULL},
    {"corr", DNC_SWEEP_CHOICE, "pre", "correlation of pre-activations h or of phi(h)",
     "pre,post"},
    {"lyapunov", DNC_SWEEP_BOOL, "true", "also run the tangent dynamics", NULL},
    {"residual_alpha", DNC_SWEEP_DOUBLE, "0",
     "0: plain MLP; > 0: residual layers h + alpha (W phi(h) + b)", NULL},
    {"device", DNC_SWEEP_CHOICE, "cpu", "cpu, or cuda (the optional GPU backend)", "cpu,cuda"},
    DNC_PROPAGATE_PARAM_ENGINE("explicit"),
};
static const char *const propagate_columns[] = {"q_L", "c_L", "rho_L", "lyapunov"};

static dnc_propagate_opts propagate_opts_of(const dnc_sweep_point *p)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net = network_of(p);
    o.batch = dnc_sweep_get_size(p, "batch");
    o.input_q = dnc_sweep_get_double(p, "input_q");
    o.input_c = dnc_sweep_get_double(p, "input_c");
    o.corr = dnc_sweep_get_choice(p, "corr") ? DNC_CORR_POST : DNC_CORR_PRE;
    o.lyapunov = dnc_sweep_get_bool(p, "lyapunov");
    o.residual_alpha = dnc_sweep_get_double(p, "residual_alpha");
    o.device = dnc_sweep_get_choice(p, "device") ? DNC_DEVICE_CUDA : DNC_DEVICE_CPU;
    o.engine = (dnc_engine_kind)dnc_sweep_get_choice(p, "engine");
    o.quiet = true;
    return o;
}

static dnc_status propagate_validate(const dnc_sweep_point *p)
{
    dnc_propagate_opts o = propagate_opts_of(p);
    dnc_status st = dnc_propagate_validate(&o);
    return st ? st : dnc_device_available(o.device);
}

static dnc_status propagate_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    dnc_propagate_opts o = propagate_opts_of(p);
    dnc_propagate_result r;
    memset(&r, 0, sizeof r);
    dnc_status st = dnc_propagate(&o, &r);
    if (st)
        return st;
    size_t L = r.depth;
    row[0] = r.q[L - 1];
    row[1] = r.c[L - 1];
    row[2] = r.rho[L - 1];
    row[3] = o.lyapunov ? r.lyapunov : NAN;
    cJSON_AddItemToObject(detail, "q", array_json(r.q, L));
    cJSON_AddItemToObject(detail, "c", array_json(r.c, L));
    cJSON_AddItemToObject(detail, "rho", array_json(r.rho, L));
    if (r.lyap)
        cJSON_AddItemToObject(detail, "lyap", array_json(r.lyap, L));
    dnc_propagate_result_free(&r);
    return DNC_OK;
}

const dnc_sweep_experiment dnc_sweep_type_propagate =
    DNC_SWEEP_TYPE("propagate",
               "finite-width propagation through one random MLP: q, c, rho at the last layer "
               "and the Lyapunov exponent (dnc_propagate)",
               propagate);
