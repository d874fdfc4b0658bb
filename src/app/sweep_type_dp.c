/* The `dp` sweep type (a plug-in of the type table, sweep_types.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/dp.h"
#include "dnncrit/scaling.h"
#include "app/sweep_types.h"

static const dnc_sweep_param dp_params[] = {
    {"model", DNC_SWEEP_CHOICE, "bond1d", "DP reference model", "bond1d,site1d,bond2d,meanfield"},
    {"p", DNC_SWEEP_DOUBLE, "0.644700185", "bond / site / branching probability", NULL},
    {"L", DNC_SWEEP_SIZE, "256", "linear size (N for meanfield)", NULL},
    {"tmax", DNC_SWEEP_SIZE, "200", "last time step", NULL},
    {"init", DNC_SWEEP_CHOICE, "full", "full lattice (density decay) or one seed (survival)",
     "full,seed"},
    {"impl", DNC_SWEEP_CHOICE, "scalar", "simulator: one byte per site or 64 sites per word",
     "scalar,multispin"},
    {"samples", DNC_SWEEP_SIZE, "8", "independent samples (the unit of error bars)", NULL},
    {"runs", DNC_SWEEP_SIZE, "1", "runs averaged inside each sample", NULL},
    {"per_decade", DNC_SWEEP_SIZE, "20", "recording times per decade after t = 10", NULL},
    {"seed", DNC_SWEEP_U64, "1", "Philox key", NULL},
    {"tmin", DNC_SWEEP_DOUBLE, "10", "first time of the fit window", NULL},
    {"nboot", DNC_SWEEP_SIZE, "200", "bootstrap resamples for the errors", NULL},
};
static const char *const dp_columns[] = {
    "rho_final", "rho_final_err", "surv_final", "nact_final", "delta",
    "delta_err", "delta_inf",     "delta_inf_err", "curvature", "curvature_err",
};

static dnc_dp_opts dp_opts_of(const dnc_sweep_point *p)
{
    dnc_dp_opts o = dnc_dp_opts_default();
    o.model = (dnc_dp_model)dnc_sweep_get_choice(p, "model");
    o.p = dnc_sweep_get_double(p, "p");
    o.L = dnc_sweep_get_size(p, "L");
    o.tmax = dnc_sweep_get_size(p, "tmax");
    o.init = dnc_sweep_get_choice(p, "init") ? DNC_DP_SEED : DNC_DP_FULL;
    o.impl = (dnc_dp_impl)dnc_sweep_get_choice(p, "impl");
    o.samples = dnc_sweep_get_size(p, "samples");
    o.runs = dnc_sweep_get_size(p, "runs");
    o.per_decade = dnc_sweep_get_size(p, "per_decade");
    o.seed = dnc_sweep_get_u64(p, "seed");
    o.quiet = true;
    return o;
}

static dnc_status dp_validate(const dnc_sweep_point *p)
{
    dnc_dp_opts o = dp_opts_of(p);
    dnc_status st = dnc_dp_validate(&o);
    if (st)
        return st;
    if (o.samples < 2)
        return dnc_fail(DNC_EINVAL, "samples must be >= 2 for error bars, got %zu", o.samples);
    double tmin = dnc_sweep_get_double(p, "tmin");
    if (!(tmin >= 1) || tmin >= (double)o.tmax)
        return dnc_fail(DNC_EINVAL, "tmin must be in [1, tmax = %zu), got %g", o.tmax, tmin);
    return DNC_OK;
}

/* The decaying observable (rho for a full lattice, survival for a seed)
 * at t >= 1 (the fit takes logarithms of t). */
static dnc_status dp_series(const dnc_dp_result *r, const double *y, dnc_series *ser)
{
    size_t nt = r->ntimes - 1;
    dnc_status st = dnc_series_alloc(ser, nt, r->samples, false);
    for (size_t k = 0; !st && k < nt; k++)
        ser->t[k] = r->t[k + 1];
    for (size_t s = 0; !st && s < r->samples; s++)
        memcpy(ser->y + s * nt, y + s * r->ntimes + 1, nt * sizeof *y);
    return st;
}

static double sample_mean_last(const dnc_dp_result *r, const double *y)
{
    double sum = 0;
    for (size_t s = 0; s < r->samples; s++)
        sum += y[s * r->ntimes + r->ntimes - 1];
    return sum / (double)r->samples;
}

static dnc_status dp_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    dnc_dp_opts o = dp_opts_of(p);
    dnc_dp_result r;
    memset(&r, 0, sizeof r);
    dnc_series ser;
    memset(&ser, 0, sizeof ser);
    dnc_decay_result fit;
    memset(&fit, 0, sizeof fit);
    dnc_decay_opts d = dnc_decay_opts_default();
    d.tmin = dnc_sweep_get_double(p, "tmin");
    d.nboot = dnc_sweep_get_size(p, "nboot");
    d.seed = o.seed;
    double *mean = NULL, *err = NULL;
    dnc_status st = dnc_dp_run(&o, &r);
    if (!st)
        st = dp_series(&r, o.init == DNC_DP_FULL ? r.rho : r.surv, &ser);
    if (!st) {
        mean = malloc(ser.nt * sizeof *mean);
        err = malloc(ser.nt * sizeof *err);
        st = mean && err ? dnc_series_mean(&ser, mean, err) : dnc_fail(DNC_ENOMEM, "out of memory");
    }
    /* An absorbed system has zeros that a power law cannot fit: no exponent. */
    if (!st && dnc_decay_fit(&ser, &d, &fit) != DNC_OK) {
        cJSON_AddStringToObject(detail, "fit_note", dnc_last_error());
        fit.delta = fit.delta_inf = fit.curvature = (dnc_estimate){NAN, NAN};
    }
    if (!st) {
        double rho_err = 0;
        if (o.init == DNC_DP_FULL)
            rho_err = err[ser.nt - 1];
        else {
            dnc_series rs;
            memset(&rs, 0, sizeof rs);
            rho_err = NAN;
            if (dp_series(&r, r.rho, &rs) == DNC_OK && dnc_series_mean(&rs, mean, err) == DNC_OK)
                rho_err = err[rs.nt - 1];
            dnc_series_free(&rs);
        }
        double v[] = {sample_mean_last(&r, r.rho), rho_err, sample_mean_last(&r, r.surv),
                      sample_mean_last(&r, r.nact), fit.delta.value, fit.delta.error,
                      fit.delta_inf.value, fit.delta_inf.error, fit.curvature.value,
                      fit.curvature.error};
        memcpy(row, v, sizeof v);
        cJSON_AddNumberToObject(detail, "critical_p", dnc_dp_critical_p(o.model));
        cJSON_AddItemToObject(detail, "t", array_json(ser.t, ser.nt));
    }
    free(mean);
    free(err);
    dnc_decay_result_free(&fit);
    dnc_series_free(&ser);
    dnc_dp_result_free(&r);
    return st;
}

const dnc_sweep_experiment dnc_sweep_type_dp =
    DNC_SWEEP_TYPE("dp",
               "directed-percolation reference simulators: final density / survival and the "
               "decay exponent with bootstrap errors (dnc_dp_run + dnc_decay_fit)",
               dp);
