/* The sweep experiment registry: one entry per experiment type, each a
 * schema, result columns and a function running one point through the
 * library. Adding a type = a params table, a columns table, run(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/dp.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/network.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"
#include "dnncrit/scaling.h"
#include "dnncrit/sweep.h"
#include "dnncrit/train.h"
#include "dnncrit/train_sweep.h"
#include "app/sweep_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

cJSON *dnc_sweep_array_json(const double *x, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, isfinite(x[i]) ? cJSON_CreateNumber(x[i]) : cJSON_CreateNull());
    return a;
}

dnc_mlp_config dnc_sweep_network_of(const dnc_sweep_point *p)
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

#define array_json dnc_sweep_array_json
#define network_of dnc_sweep_network_of

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
    {"device", DNC_SWEEP_CHOICE, "cpu", "cpu, or cuda (the optional GPU backend)", "cpu,cuda"},
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

/* ----------------------------------------------------------------- dp */

static const dnc_sweep_param dp_params[] = {
    {"model", DNC_SWEEP_CHOICE, "bond1d", "DP reference model", "bond1d,site1d,bond2d,meanfield"},
    {"p", DNC_SWEEP_DOUBLE, "0.644700185", "bond / site / branching probability", NULL},
    {"L", DNC_SWEEP_SIZE, "256", "linear size (N for meanfield)", NULL},
    {"tmax", DNC_SWEEP_SIZE, "200", "last time step", NULL},
    {"init", DNC_SWEEP_CHOICE, "full", "full lattice (density decay) or one seed (survival)",
     "full,seed"},
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

/* -------------------------------------------------------------- train */

static const dnc_sweep_param train_params[] = {
    {"activation", DNC_SWEEP_ACTIVATION, "tanh", "nonlinearity phi", NULL},
    {"sigma_w", DNC_SWEEP_DOUBLE, "1", "initial weight scale", NULL},
    {"sigma_b", DNC_SWEEP_DOUBLE, "0.05", "initial bias standard deviation", NULL},
    {"width", DNC_SWEEP_SIZE, "128", "units per hidden layer", NULL},
    {"depth", DNC_SWEEP_SIZE, "4", "hidden layers", NULL},
    {"seed", DNC_SWEEP_U64, "1", "Philox key of the initialisation and minibatch order", NULL},
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

static dnc_status train_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    dnc_train_config c = train_config_of(p);
    dnc_data_spec spec = data_spec_of(p);
    cached_data own;
    memset(&own, 0, sizeof own);
    const cached_data *data;
    dnc_status st = get_data(&spec, &own, &data);
    dnc_train_point_result r;
    if (!st)
        st = dnc_train_point(&c, &data->train, &data->test, &r);
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

/* ----------------------------------------------------------- registry */

#define EXPERIMENT(nm, summ, prefix)                                                         \
    {nm, summ, prefix##_params, COUNT(prefix##_params), prefix##_columns,                   \
     COUNT(prefix##_columns), prefix##_validate, prefix##_run}

static const dnc_sweep_experiment meanfield_experiment = EXPERIMENT(
    "meanfield", "mean-field fixed point, chi_1, kappa, depth scales (dnc_mf_analyse)", meanfield);
static const dnc_sweep_experiment propagate_experiment =
    EXPERIMENT("propagate",
               "finite-width propagation through one random MLP: q, c, rho at the last layer "
               "and the Lyapunov exponent (dnc_propagate)",
               propagate);
static const dnc_sweep_experiment exponents_experiment =
    EXPERIMENT("exponents",
               "decay exponent of rho(l) = 1 - c(l) over `samples` random networks: power-law "
               "fit, extrapolated effective exponent, curvature, metric factor kappa "
               "(dnc_propagate + dnc_decay_fit, dnc_metric_factor)",
               exponents);
static const dnc_sweep_experiment dp_experiment =
    EXPERIMENT("dp",
               "directed-percolation reference simulators: final density / survival and the "
               "decay exponent with bootstrap errors (dnc_dp_run + dnc_decay_fit)",
               dp);
static const dnc_sweep_experiment train_experiment = {
    "train",
    "train one MLP per point on Fashion-MNIST (or IDX data) and report accuracy, loss and the "
    "propagation observables before and after, with the mean-field context (dnc_train_point)",
    train_params,
    COUNT(train_params),
    dnc_train_point_columns,
    DNC_TRAIN_POINT_NCOLUMNS,
    train_validate,
    train_run,
};

static const dnc_sweep_experiment *const experiments[] = {
    &meanfield_experiment, &propagate_experiment, &exponents_experiment,
    &dnc_sweep_avalanches,
    &dp_experiment,        &train_experiment,
};

size_t dnc_sweep_experiment_count(void) { return COUNT(experiments); }

const dnc_sweep_experiment *dnc_sweep_experiment_at(size_t i)
{
    return i < COUNT(experiments) ? experiments[i] : NULL;
}

const dnc_sweep_experiment *dnc_sweep_find_experiment(const char *name)
{
    for (size_t i = 0; i < COUNT(experiments); i++)
        if (strcmp(experiments[i]->name, name) == 0)
            return experiments[i];
    return NULL;
}

const char *dnc_sweep_experiment_list(void)
{
    static _Thread_local char list[256];
    list[0] = '\0';
    for (size_t i = 0; i < COUNT(experiments); i++) {
        if (i)
            strcat(list, ", ");
        strcat(list, experiments[i]->name);
    }
    return list;
}
