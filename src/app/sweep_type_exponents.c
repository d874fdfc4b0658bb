/* The `exponents` sweep type (a plug-in of the type table, sweep_types.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"
#include "dnncrit/scaling.h"
#include "app/sweep_types.h"

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
    DNC_PROPAGATE_PARAM_ENGINE("explicit"),
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
    o.engine = (dnc_engine_kind)dnc_sweep_get_choice(p, "engine");
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

const dnc_sweep_experiment dnc_sweep_type_exponents =
    DNC_SWEEP_TYPE("exponents",
               "decay exponent of rho(l) = 1 - c(l) over `samples` random networks: power-law "
               "fit, extrapolated effective exponent, curvature, metric factor kappa "
               "(dnc_propagate + dnc_decay_fit, dnc_metric_factor)",
               exponents);
