/* The sweep experiment registry: one entry per experiment type, each a
 * schema, result columns and a function running one point through the
 * library. Adding a type = a params table, a columns table, run(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/meanfield.h"
#include "dnncrit/network.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"
#include "dnncrit/scaling.h"
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
    "q_star", "chi_1", "chi_q", "kappa", "xi_q", "xi_c", "c_star", "rho_star", "phase",
    "sigma_w_crit",
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
    double v[] = {r.q_star, r.chi_1,    r.chi_q,          r.kappa_exists ? r.kappa : NAN,
                  r.xi_q,   r.xi_c,     r.c_star,         r.rho_star,
                  (double)r.phase, crit};
    memcpy(row, v, sizeof v);
    cJSON_AddBoolToObject(detail, "kappa_exists", r.kappa_exists);
    if (!r.kappa_exists)
        cJSON_AddStringToObject(detail, "kappa_note", dnc_mf_kappa_note(m.activation));
    cJSON_AddStringToObject(detail, "phase", dnc_mf_phase_name(r.phase));
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

/* ---------------------------------------------------------- exponents */

static const dnc_sweep_param exponents_params[] = {
    NETWORK_PARAMS,
    {"samples", DNC_SWEEP_SIZE, "8", "independent networks (the unit of error bars)", NULL},
    {"batch", DNC_SWEEP_SIZE, "4", "inputs per network (rho averages their pairs)", NULL},
    {"input_c", DNC_SWEEP_DOUBLE, "0.5", "initial correlation of the inputs", NULL},
    {"corr", DNC_SWEEP_CHOICE, "pre", "rho from pre-activations h or from phi(h)", "pre,post"},
    {"tmin", DNC_SWEEP_DOUBLE, "10", "first layer of the fit window", NULL},
    {"tmax", DNC_SWEEP_DOUBLE, "0", "last layer of the fit window (0: depth)", NULL},
    {"log_correction", DNC_SWEEP_BOOL, "false",
     "also fit the mean-field ln(l) correction to the effective exponent", NULL},
    {"nboot", DNC_SWEEP_SIZE, "200", "bootstrap resamples for the errors", NULL},
};
static const char *const exponents_columns[] = {
    "delta",     "delta_err", "delta_inf", "delta_inf_err", "amplitude",      "curvature",
    "curvature_err", "kappa", "kappa_err", "rho_L",         "rho_L_err",
};

static dnc_propagate_opts exponents_opts_of(const dnc_sweep_point *p)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net = network_of(p);
    o.batch = dnc_sweep_get_size(p, "batch");
    o.input_q = 1;
    o.input_c = dnc_sweep_get_double(p, "input_c");
    o.corr = dnc_sweep_get_choice(p, "corr") ? DNC_CORR_POST : DNC_CORR_PRE;
    o.lyapunov = false;
    o.quiet = true;
    return o;
}

static dnc_decay_opts decay_opts_of(const dnc_sweep_point *p)
{
    dnc_decay_opts d = dnc_decay_opts_default();
    d.tmin = dnc_sweep_get_double(p, "tmin");
    d.tmax = dnc_sweep_get_double(p, "tmax");
    d.log_correction = dnc_sweep_get_bool(p, "log_correction");
    d.nboot = dnc_sweep_get_size(p, "nboot");
    d.seed = dnc_sweep_get_u64(p, "seed");
    return d;
}

static dnc_status exponents_validate(const dnc_sweep_point *p)
{
    dnc_propagate_opts o = exponents_opts_of(p);
    dnc_status st = dnc_propagate_validate(&o);
    if (st)
        return st;
    if (o.batch < 2)
        return dnc_fail(DNC_EINVAL, "batch must be >= 2 to measure rho, got %zu", o.batch);
    size_t samples = dnc_sweep_get_size(p, "samples");
    if (samples < 2 || samples > 100000)
        return dnc_fail(DNC_EINVAL, "samples must be between 2 and 1e5, got %zu", samples);
    dnc_decay_opts d = decay_opts_of(p);
    if (!(d.tmin >= 1) || d.tmin >= (double)o.net.depth)
        return dnc_fail(DNC_EINVAL, "tmin must be in [1, depth = %zu), got %g", o.net.depth,
                        d.tmin);
    if (d.tmax != 0 && (d.tmax <= d.tmin || d.tmax > (double)o.net.depth))
        return dnc_fail(DNC_EINVAL, "tmax must be 0 or in (tmin, depth = %zu], got %g",
                        o.net.depth, d.tmax);
    return DNC_OK;
}

/* Sample s's network: a seed derived from (point seed, s) by Philox, so
 * samples of different points never share a network. */
static uint64_t sample_seed(uint64_t seed, size_t s)
{
    uint32_t w[4];
    dnc_philox(seed, DNC_STREAM_USER + 1, (uint32_t)s, (uint32_t)(s >> 32), 0, w);
    return ((uint64_t)w[0] << 32) | w[1];
}

static dnc_status rho_series(const dnc_sweep_point *p, dnc_series *ser)
{
    dnc_propagate_opts o = exponents_opts_of(p);
    size_t L = o.net.depth, ns = dnc_sweep_get_size(p, "samples");
    uint64_t seed = o.net.seed;
    dnc_status st = dnc_series_alloc(ser, L, ns, false);
    for (size_t l = 0; !st && l < L; l++)
        ser->t[l] = (double)(l + 1);
    ser->size = (double)o.net.width;
    ser->param = o.net.sigma_w;
    for (size_t s = 0; !st && s < ns; s++) {
        dnc_propagate_result r;
        memset(&r, 0, sizeof r);
        o.net.seed = sample_seed(seed, s);
        st = dnc_propagate(&o, &r);
        if (!st)
            memcpy(ser->y + s * L, r.rho, L * sizeof *r.rho);
        dnc_propagate_result_free(&r);
    }
    return st;
}

static dnc_status exponents_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    dnc_series ser;
    memset(&ser, 0, sizeof ser);
    dnc_status st = rho_series(p, &ser);
    dnc_decay_opts d = decay_opts_of(p);
    dnc_decay_result fit;
    memset(&fit, 0, sizeof fit);
    dnc_estimate kappa = {NAN, NAN}, t0 = {NAN, NAN};
    double *mean = NULL, *err = NULL;
    if (!st)
        st = dnc_decay_fit(&ser, &d, &fit);
    if (!st && dnc_metric_factor(&ser, d.tmin, d.tmax, d.nboot, d.seed, &kappa, &t0) != DNC_OK)
        cJSON_AddStringToObject(detail, "kappa_note", dnc_last_error());
    if (!st) {
        mean = malloc(ser.nt * sizeof *mean);
        err = malloc(ser.nt * sizeof *err);
        st = mean && err ? dnc_series_mean(&ser, mean, err) : dnc_fail(DNC_ENOMEM, "out of memory");
    }
    if (!st) {
        size_t L = ser.nt;
        double v[] = {fit.delta.value,     fit.delta.error,     fit.delta_inf.value,
                      fit.delta_inf.error, fit.amplitude.value, fit.curvature.value,
                      fit.curvature.error, kappa.value,         kappa.error,
                      mean[L - 1],         err[L - 1]};
        memcpy(row, v, sizeof v);
        cJSON_AddStringToObject(detail, "error_method", dnc_err_method_name(fit.method));
        cJSON_AddNumberToObject(detail, "fit_points", (double)fit.npoints);
        cJSON_AddItemToObject(detail, "rho_mean", array_json(mean, L));
        cJSON_AddItemToObject(detail, "rho_err", array_json(err, L));
        cJSON_AddItemToObject(detail, "t_eff", array_json(fit.t_eff, fit.neff));
        cJSON_AddItemToObject(detail, "delta_eff", array_json(fit.delta_eff, fit.neff));
        cJSON_AddItemToObject(detail, "delta_eff_err", array_json(fit.delta_eff_err, fit.neff));
    }
    free(mean);
    free(err);
    dnc_decay_result_free(&fit);
    dnc_series_free(&ser);
    return st;
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
    EXPERIMENT("exponents",
               "decay exponent of rho(l) = 1 - c(l) over `samples` random networks: power-law "
               "fit, extrapolated effective exponent, curvature, metric factor kappa "
               "(dnc_propagate + dnc_decay_fit, dnc_metric_factor)",
               exponents),
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
