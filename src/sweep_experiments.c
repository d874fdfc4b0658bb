/* The sweep experiment registry: one entry per experiment type, each a
 * schema, result columns and a function running one point through the
 * library. Adding a type = a params table, a columns table, run(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/meanfield.h"
#include "dnncrit/network.h"
#include "dnncrit/propagate.h"
#include "dnncrit/sweep.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static cJSON *array_json(const double *x, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, isfinite(x[i]) ? cJSON_CreateNumber(x[i]) : cJSON_CreateNull());
    return a;
}

/* Parameters shared by every type that builds a random network. */
#define NETWORK_PARAMS                                                                       \
    {"activation", DNC_SWEEP_ACTIVATION, "tanh", "nonlinearity phi", NULL},                 \
        {"sigma_w", DNC_SWEEP_DOUBLE, "1", "weight scale: W_ij ~ N(0, sigma_w^2/fan_in)",  \
         NULL},                                                                              \
        {"sigma_b", DNC_SWEEP_DOUBLE, "0", "bias standard deviation", NULL},                \
        {"width", DNC_SWEEP_SIZE, "256", "units per layer N", NULL},                       \
        {"depth", DNC_SWEEP_SIZE, "50", "number of layers L", NULL},                       \
        {"seed", DNC_SWEEP_U64, "1", "Philox key of the network and inputs", NULL}

static dnc_mlp_config network_of(const dnc_sweep_point *p)
{
    dnc_mlp_config c = dnc_mlp_config_default();
    c.activation = dnc_sweep_get_activation(p, "activation");
    c.sigma_w = dnc_sweep_get_double(p, "sigma_w");
    c.sigma_b = dnc_sweep_get_double(p, "sigma_b");
    c.width = dnc_sweep_get_size(p, "width");
    c.depth = dnc_sweep_get_size(p, "depth");
    c.seed = dnc_sweep_get_u64(p, "seed");
    return c;
}

/* ---------------------------------------------------------- meanfield */

static const dnc_sweep_param meanfield_params[] = {
    {"activation", DNC_SWEEP_ACTIVATION, "tanh", "nonlinearity phi", NULL},
    {"sigma_b", DNC_SWEEP_DOUBLE, "0", "bias standard deviation", NULL},
    {"sigma_w", DNC_SWEEP_DOUBLE, "1", "weight scale", NULL},
};
static const char *const meanfield_columns[] = {
    "q_star", "chi_1", "chi_q", "kappa", "xi_q", "xi_c", "c_star", "rho_star", "sigma_w_crit",
};

static dnc_mf_params mf_params_of(const dnc_sweep_point *p)
{
    dnc_mf_params m = {dnc_sweep_get_activation(p, "activation"),
                       dnc_sweep_get_double(p, "sigma_w"), dnc_sweep_get_double(p, "sigma_b")};
    return m;
}

static dnc_status meanfield_validate(const dnc_sweep_point *p)
{
    dnc_mf_params m = mf_params_of(p);
    return dnc_mf_validate(&m);
}

static dnc_status meanfield_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    dnc_mf_params m = mf_params_of(p);
    dnc_mf_point r;
    dnc_status st = dnc_mf_analyse(&m, &r);
    if (st)
        return st;
    /* No critical point (e.g. for some sigma_b) is an answer, not an error. */
    double crit = NAN;
    if (dnc_mf_critical_sigma_w(m.activation, m.sigma_b, &crit) != DNC_OK) {
        cJSON_AddStringToObject(detail, "sigma_w_crit_note", dnc_last_error());
        crit = NAN;
    }
    double v[] = {r.q_star, r.chi_1, r.chi_q,  r.kappa_exists ? r.kappa : NAN,
                  r.xi_q,   r.xi_c,  r.c_star, r.rho_star,
                  crit};
    memcpy(row, v, sizeof v);
    cJSON_AddBoolToObject(detail, "kappa_exists", r.kappa_exists);
    return DNC_OK;
}

/* ---------------------------------------------------------- propagate */

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
    o.quiet = true;
    return o;
}

static dnc_status propagate_validate(const dnc_sweep_point *p)
{
    dnc_propagate_opts o = propagate_opts_of(p);
    return dnc_propagate_validate(&o);
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

/* ----------------------------------------------------------- registry */

#define EXPERIMENT(nm, summ, prefix)                                                         \
    {nm, summ, prefix##_params, COUNT(prefix##_params), prefix##_columns,                   \
     COUNT(prefix##_columns), prefix##_validate, prefix##_run}

static const dnc_sweep_experiment experiments[] = {
    EXPERIMENT("meanfield", "mean-field fixed point, chi_1, kappa, depth scales (dnc_mf_analyse)",
               meanfield),
    EXPERIMENT("propagate",
               "finite-width propagation through one random MLP: q, c, rho at the last layer "
               "and the Lyapunov exponent (dnc_propagate)",
               propagate),
};

size_t dnc_sweep_experiment_count(void) { return COUNT(experiments); }

const dnc_sweep_experiment *dnc_sweep_experiment_at(size_t i)
{
    return i < COUNT(experiments) ? &experiments[i] : NULL;
}

const dnc_sweep_experiment *dnc_sweep_find_experiment(const char *name)
{
    for (size_t i = 0; i < COUNT(experiments); i++)
        if (strcmp(experiments[i].name, name) == 0)
            return &experiments[i];
    return NULL;
}

const char *dnc_sweep_experiment_list(void)
{
    static _Thread_local char list[256];
    list[0] = '\0';
    for (size_t i = 0; i < COUNT(experiments); i++) {
        if (i)
            strcat(list, ", ");
        strcat(list, experiments[i].name);
    }
    return list;
}
