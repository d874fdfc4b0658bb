/* Finite-width propagation: the options, the inputs, and the one
 * propagation algorithm (the layer loop, the observables, the finite check,
 * the tangent renormalisation, the provider and observer calls), written
 * over the engine interface of engine.h. dnc_propagate runs it on the CPU
 * engine (cpu_engine.c) or the CUDA engine (cuda/cuda_engine.cu). */
#include "dnncrit/propagate.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/engine.h"
#include "dnncrit/io.h"
#include "dnncrit/observables.h"
#include "dnncrit/rng.h"
#include "dnncrit/table.h"

dnc_propagate_opts dnc_propagate_opts_default(void)
{
    dnc_propagate_opts o = {
        .net = dnc_mlp_config_default(),
        .batch = 2,
        .input_q = 1.0,
        .input_c = 0.5,
        .inputs = NULL,
        .corr = DNC_CORR_PRE,
        .lyapunov = false,
        .quiet = true,
        .residual_alpha = 0.0,
        .product = DNC_PRODUCT_OPENBLAS,
        .device = DNC_DEVICE_CPU,
        .engine = DNC_ENGINE_EXPLICIT,
    };
    return o;
}

const dnc_param dnc_propagate_param_engine = DNC_PROPAGATE_PARAM_ENGINE("explicit");
const dnc_param dnc_propagate_param_networks = DNC_PROPAGATE_PARAM_NETWORKS("1");
const dnc_param dnc_propagate_param_field = DNC_PROPAGATE_PARAM_FIELD("0");

const char *dnc_engine_kind_name(dnc_engine_kind e)
{
    return e == DNC_ENGINE_ENSEMBLE ? "ensemble" : "explicit";
}

dnc_status dnc_engine_kind_parse(const char *s, dnc_engine_kind *out)
{
    if (strcmp(s, "explicit") == 0)
        *out = DNC_ENGINE_EXPLICIT;
    else if (strcmp(s, "ensemble") == 0)
        *out = DNC_ENGINE_ENSEMBLE;
    else
        return dnc_fail(DNC_EINVAL, "engine must be 'explicit' or 'ensemble', got '%s'", s);
    return DNC_OK;
}

const char *dnc_product_name(dnc_product_kind p)
{
    return p == DNC_PRODUCT_PORTABLE ? "portable" : "openblas";
}

dnc_status dnc_product_parse(const char *s, dnc_product_kind *out)
{
    if (strcmp(s, "openblas") == 0)
        *out = DNC_PRODUCT_OPENBLAS;
    else if (strcmp(s, "portable") == 0)
        *out = DNC_PRODUCT_PORTABLE;
    else
        return dnc_fail(DNC_EINVAL, "product must be 'openblas' or 'portable', got '%s'", s);
    return DNC_OK;
}

static dnc_status validate_inputs(const dnc_propagate_opts *o, size_t n0)
{
    for (size_t b = 0; b < o->batch; b++)
        for (size_t i = 0; i < n0; i++)
            if (!isfinite(o->inputs[b * n0 + i]))
                return dnc_fail(DNC_EINVAL, "input %zu, component %zu is not a finite number",
                                b + 1, i + 1);
    return DNC_OK;
}

static dnc_status validate_generated_input_stats(const dnc_propagate_opts *o)
{
    if (!isfinite(o->input_q) || o->input_q <= 0)
        return dnc_fail(DNC_EINVAL, "input_q must be a finite number > 0, got %g", o->input_q);
    double cmin = o->batch > 1 ? -1.0 / (double)(o->batch - 1) : -1.0;
    if (!isfinite(o->input_c) || o->input_c > 1 || o->input_c < cmin)
        return dnc_fail(DNC_EINVAL,
                        "input_c must lie in [%g, 1] for a batch of %zu inputs, got %g", cmin,
                        o->batch, o->input_c);
    return DNC_OK;
}

dnc_status dnc_propagate_validate(const dnc_propagate_opts *o)
{
    dnc_status st = dnc_mlp_config_validate(&o->net);
    if (st)
        return st;
    if (o->batch == 0 || o->batch > DNC_MAX_WIDTH)
        return dnc_fail(DNC_EINVAL, "batch must be between 1 and %zu, got %zu", DNC_MAX_WIDTH,
                        o->batch);
    if (o->corr != DNC_CORR_PRE && o->corr != DNC_CORR_POST)
        return dnc_fail(DNC_EINVAL, "invalid correlation kind %d", (int)o->corr);
    if (o->product != DNC_PRODUCT_OPENBLAS && o->product != DNC_PRODUCT_PORTABLE)
        return dnc_fail(DNC_EINVAL, "invalid product backend %d", (int)o->product);
    if (o->device != DNC_DEVICE_CPU && o->device != DNC_DEVICE_CUDA)
        return dnc_fail(DNC_EINVAL, "invalid device %d", (int)o->device);
    if (o->device == DNC_DEVICE_CUDA && o->product == DNC_PRODUCT_PORTABLE)
        return dnc_fail(DNC_EINVAL, "the portable product runs on the CPU only: use --device cpu "
                                    "with --product portable");
    if (o->engine != DNC_ENGINE_EXPLICIT && o->engine != DNC_ENGINE_ENSEMBLE)
        return dnc_fail(DNC_EINVAL, "invalid engine %d", (int)o->engine);
    dnc_status est;
    if (o->engine == DNC_ENGINE_ENSEMBLE && (est = dnc_ensemble_engine_check(o)))
        return est;
    if (!isfinite(o->residual_alpha) || o->residual_alpha < 0)
        return dnc_fail(DNC_EINVAL, "residual_alpha must be a finite number >= 0, got %g",
                        o->residual_alpha);
    if ((est = dnc_param_check_double(&dnc_propagate_param_field, "the field h", o->field)))
        return est;
    if (o->net.normals != DNC_NORMALS_BOX_MULLER && o->device == DNC_DEVICE_CUDA)
        return dnc_fail(DNC_EUNSUPPORTED, "the CUDA backend draws Box-Muller normals only: use "
                                          "--device cpu with --normals %s",
                        dnc_normals_name(o->net.normals));
    if (o->net.normals != DNC_NORMALS_BOX_MULLER && o->engine == DNC_ENGINE_ENSEMBLE)
        return dnc_fail(DNC_EUNSUPPORTED, "--normals %s sets how the weights are drawn, and the "
                                          "ensemble engine draws none: use the explicit engine",
                        dnc_normals_name(o->net.normals));
    if (o->field != 0 && o->engine == DNC_ENGINE_ENSEMBLE)
        return dnc_fail(DNC_EUNSUPPORTED, "the ensemble engine takes no external field (got h = "
                                          "%g): use the explicit engine",
                        o->field);
    if (o->inputs)
        return validate_inputs(o, dnc_mlp_input_width(&o->net));
    return validate_generated_input_stats(o);
}

/* ------------------------------------------------------------- inputs */

dnc_status dnc_make_inputs(const dnc_propagate_opts *o, double *X)
{
    dnc_status st;
    if ((st = dnc_mlp_config_validate(&o->net)))
        return st;
    if (o->batch == 0)
        return dnc_fail(DNC_EINVAL, "batch must be >= 1, got 0");
    if ((st = validate_generated_input_stats(o)))
        return st;
    size_t B = o->batch, n0 = dnc_mlp_input_width(&o->net);
    uint64_t seed = o->net.seed;
    double c = o->input_c, sq = sqrt(o->input_q);
    for (size_t b = 0; b < B; b++)
        dnc_normal_fill(seed, DNC_STREAM_INPUT, 0, (uint32_t)(b + 1), X + b * n0, n0);
    if (c >= 0) {
        double *g = malloc(n0 * sizeof *g);
        if (!g)
            return dnc_fail(DNC_ENOMEM, "out of memory for %zu inputs", B);
        dnc_normal_fill(seed, DNC_STREAM_INPUT, 0, 0, g, n0);
        double a = sqrt(c), e = sqrt(1 - c);
        for (size_t b = 0; b < B; b++)
            for (size_t i = 0; i < n0; i++)
                X[b * n0 + i] = sq * (a * g[i] + e * X[b * n0 + i]);
        free(g);
        return DNC_OK;
    }
    /* c < 0: y_b = e_b - gamma ebar has correlation gamma (gamma - 2) /
     * (B - 2 gamma + gamma^2); solving for c gives gamma below. */
    double Bd = (double)B;
    double gamma = 1 - sqrt(fmax(0.0, 1 + c * Bd / (1 - c)));
    double scale = sq / sqrt(1 - 2 * gamma / Bd + gamma * gamma / Bd);
    for (size_t i = 0; i < n0; i++) {
        double mean = 0;
        for (size_t b = 0; b < B; b++)
            mean += X[b * n0 + i];
        mean /= Bd;
        for (size_t b = 0; b < B; b++)
            X[b * n0 + i] = scale * (X[b * n0 + i] - gamma * mean);
    }
    return DNC_OK;
}

/* ------------------------------------------------ inputs and weights */

/* The inputs of a run: opts->inputs, or fresh generated ones (dnc_make_inputs)
 * that the caller frees (when *X != opts->inputs). */
static dnc_status run_inputs(const dnc_propagate_opts *o, double **X)
{
    *X = (double *)o->inputs;
    if (*X)
        return DNC_OK;
    *X = malloc(o->batch * dnc_mlp_input_width(&o->net) * sizeof **X);
    return *X ? dnc_make_inputs(o, *X) : dnc_fail(DNC_ENOMEM, "out of memory for inputs");
}

/* The unit tangent vector the Lyapunov computation starts from (n0 numbers). */
static void tangent0(const dnc_propagate_opts *o, double *v)
{
    size_t n0 = dnc_mlp_input_width(&o->net);
    dnc_normal_fill(o->net.seed, DNC_STREAM_TANGENT, 0, 0, v, n0);
    double norm = sqrt(dnc_dot(v, v, n0));
    for (size_t i = 0; i < n0; i++)
        v[i] /= norm;
}

/* Layer `layer`'s bias b (N) and, with a weight provider, its weights W
 * (N x fan_in) checked finite; without one, the Philox bias only. */
static void add_field(const dnc_propagate_opts *o, double *b)
{
    if (o->field != 0) /* h = 0 leaves the bias bitwise as it is */
        for (size_t i = 0; i < o->net.width; i++)
            b[i] += o->field;
}

static dnc_status layer_params(const dnc_propagate_opts *o, size_t layer, double *W, double *b)
{
    if (!o->provider) {
        dnc_mlp_layer_bias(&o->net, layer, b);
        add_field(o, b);
        return DNC_OK;
    }
    dnc_status st = o->provider(o->provider_ctx, layer, W, b);
    if (st)
        return st;
    add_field(o, b);
    size_t n = o->net.width * dnc_mlp_fan_in(&o->net, layer);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(W[i]))
            return dnc_fail(DNC_EINVAL, "weight provider: layer %zu weight %zu is not finite",
                            layer, i);
    for (size_t i = 0; i < o->net.width; i++)
        if (!isfinite(b[i]))
            return dnc_fail(DNC_EINVAL, "weight provider: layer %zu bias %zu is not finite",
                            layer, i);
    return DNC_OK;
}

/* ------------------------------------------------------ the algorithm */

/* One propagation over an engine (engine.h): the engine holds the batch,
 * the host the per-layer parameters and what the observables need. */
typedef struct {
    const dnc_propagate_opts *o;
    const dnc_engine_ops *ops;
    size_t B;      /* inputs */
    size_t rows;   /* rows of A and H: B, plus 1 for the tangent */
    size_t N, n0;
    size_t kmax;   /* max fan-in */
    double *A;     /* engine, rows x kmax: inputs of the current layer */
    double *H;     /* engine, rows x N: pre-activations of the current layer */
    double *Hprev; /* engine, rows x N: previous layer (residual networks only) */
    double *bias;  /* engine, N */
    double *hbias;  /* host, N */
    double *Wgiven; /* host, N x kmax: the provider's weights (provider only) */
    double *Hhost;  /* host, B x N: H for the observer (observer only) */
    double *norms2; /* host, B: squared norms of the rows of H */
} propagation;

static void propagation_free(propagation *p)
{
    const dnc_engine_ops *ops = p->ops;
    double *on_engine[] = {p->A, p->H, p->Hprev, p->bias};
    for (size_t i = 0; i < sizeof on_engine / sizeof on_engine[0]; i++)
        if (on_engine[i])
            ops->release(ops->ctx, on_engine[i]);
    free(p->hbias);
    free(p->Wgiven);
    free(p->Hhost);
    free(p->norms2);
}

static dnc_status propagation_init(propagation *p, const dnc_propagate_opts *o,
                                   const dnc_engine_ops *ops)
{
    memset(p, 0, sizeof *p);
    p->o = o;
    p->ops = ops;
    p->B = o->batch;
    p->rows = o->batch + (o->lyapunov ? 1 : 0);
    p->N = o->net.width;
    p->n0 = dnc_mlp_input_width(&o->net);
    p->kmax = p->n0 > p->N ? p->n0 : p->N;
    p->hbias = malloc(p->N * sizeof *p->hbias);
    p->norms2 = malloc(p->B * sizeof *p->norms2);
    p->Wgiven = o->provider ? malloc(p->N * p->kmax * sizeof *p->Wgiven) : NULL;
    p->Hhost = o->observer ? malloc(p->B * p->N * sizeof *p->Hhost) : NULL;
    if (!p->hbias || !p->norms2 || (o->provider && !p->Wgiven) || (o->observer && !p->Hhost))
        return dnc_fail(DNC_ENOMEM, "out of memory for width %zu, batch %zu", p->N, p->B);
    if (!(p->A = ops->alloc(ops->ctx, p->rows, p->kmax)) ||
        !(p->H = ops->alloc(ops->ctx, p->rows, p->N)) ||
        !(p->bias = ops->alloc(ops->ctx, 1, p->N)))
        return DNC_ENOMEM;
    if (o->residual_alpha > 0 && !(p->Hprev = ops->alloc(ops->ctx, p->rows, p->N)))
        return DNC_ENOMEM;
    return DNC_OK;
}

/* The inputs (and the unit tangent vector) as rows of A. */
static dnc_status load_first_inputs(propagation *p, const double *X)
{
    double *A0 = calloc(p->rows * p->kmax, sizeof *A0);
    if (!A0)
        return dnc_fail(DNC_ENOMEM, "out of memory for the inputs");
    for (size_t b = 0; b < p->B; b++)
        memcpy(A0 + b * p->kmax, X + b * p->n0, p->n0 * sizeof *X);
    if (p->rows > p->B)
        tangent0(p->o, A0 + p->B * p->kmax);
    dnc_status st = p->ops->upload(p->ops->ctx, p->A, A0, p->rows * p->kmax);
    free(A0);
    return st;
}

/* The layer's bias (and given weights) on the host, the bias on the engine. */
static dnc_status load_layer_params(propagation *p, size_t layer)
{
    if (p->ops->bias_in_linear)
        return DNC_OK;
    dnc_status st = layer_params(p->o, layer, p->Wgiven, p->hbias);
    return st ? st : p->ops->upload(p->ops->ctx, p->bias, p->hbias, p->N);
}

static dnc_status check_finite(const propagation *p, size_t layer)
{
    bool finite;
    dnc_status st = p->ops->all_finite(p->ops->ctx, p->H, p->B * p->N, &finite);
    if (st || finite)
        return st;
    return dnc_fail(DNC_ENUM,
                    "pre-activations overflowed (non-finite) at layer %zu; "
                    "sigma_w too large for this depth?",
                    layer);
}

/* Renormalises the tangent row of H; *growth = ln of its norm before. */
static dnc_status renormalise_tangent(propagation *p, double *growth)
{
    double *v = p->H + p->B * p->N, norm2 = 0;
    dnc_status st = p->ops->gram_stats(p->ops->ctx, v, 1, p->N, p->N, &norm2, NULL);
    double norm = sqrt(norm2);
    if (st || !(norm > 0)) {
        *growth = -INFINITY;
        return st;
    }
    *growth = log(norm);
    return p->ops->divide(p->ops->ctx, v, p->N, norm);
}

static dnc_status observe(propagation *p, size_t layer)
{
    const dnc_propagate_opts *o = p->o;
    if (!o->observer)
        return DNC_OK;
    dnc_status st = p->ops->download(p->ops->ctx, p->Hhost, p->H, p->B * p->N);
    return st ? st : o->observer(o->observer_ctx, layer, p->Hhost, p->B, p->N);
}

/* From the B rows of Y (row stride ld): norms2 when not NULL, and when res is
 * not NULL its c and rho of layer index l (rho from the engine's pair_stats
 * where it has one: below the ~1e-16 floor of 1 - cos). */
static dnc_status pair_statistics(propagation *p, const double *Y, size_t ld, double *norms2,
                                  dnc_propagate_result *res, size_t l)
{
    const dnc_engine_ops *ops = p->ops;
    if (!res)
        return ops->gram_stats(ops->ctx, Y, p->B, p->N, ld, norms2, NULL);
    if (ops->pair_stats) {
        dnc_status st = ops->pair_stats(ops->ctx, Y, p->B, p->N, ld, norms2, &res->rho[l]);
        res->c[l] = 1 - res->rho[l];
        return st;
    }
    dnc_status st = ops->gram_stats(ops->ctx, Y, p->B, p->N, ld, norms2, &res->c[l]);
    res->rho[l] = 1 - res->c[l];
    return st;
}

/* q of layer l from H, and c too for pre-activation correlations. */
static dnc_status record_preactivations(propagation *p, size_t layer, dnc_propagate_result *res)
{
    size_t l = layer - 1;
    bool pre = p->o->corr == DNC_CORR_PRE;
    dnc_status st = pair_statistics(p, p->H, p->N, p->norms2, pre ? res : NULL, l);
    double total = 0;
    for (size_t b = 0; b < p->B; b++)
        total += p->norms2[b] / (double)p->N;
    res->q[l] = total / (double)p->B;
    size_t K = dnc_mlp_fan_in(&p->o->net, layer);
    res->flops += p->ops->linear_flops ? p->ops->linear_flops(p->rows, K, p->N)
                                       : 2.0 * (double)p->rows * (double)p->N * (double)K;
    return st;
}

/* H for layer `layer`: the linear map of A, the bias, the residual update. */
static dnc_status preactivations(propagation *p, size_t layer, bool residual)
{
    const dnc_engine_ops *ops = p->ops;
    dnc_status st;
    if (residual && layer == 1 &&
        (st = ops->copy(ops->ctx, p->Hprev, p->A, p->rows * p->N)))
        return st; /* n0 == N here, so A's rows are N apart */
    if ((st = ops->linear(ops->ctx, &p->o->net, layer, p->Wgiven, p->rows, p->A, p->kmax, p->H,
                          p->N)))
        return st;
    return ops->finish(ops->ctx, p->H, p->bias, residual ? p->Hprev : NULL,
                       p->o->residual_alpha, p->B, p->rows, p->N);
}

/* A = phi(H) (and the tangent row) for the next layer; post-activation c. */
static dnc_status next_layer_inputs(propagation *p, size_t layer, dnc_propagate_result *res)
{
    const dnc_engine_ops *ops = p->ops;
    dnc_status st;
    if (p->Hprev && (st = ops->copy(ops->ctx, p->Hprev, p->H, p->rows * p->N)))
        return st;
    if ((st = ops->activate(ops->ctx, p->o->net.activation, p->H, p->B, p->rows, p->N, p->A,
                            p->kmax)))
        return st;
    if (p->o->corr == DNC_CORR_POST)
        st = pair_statistics(p, p->A, p->kmax, NULL, res, layer - 1);
    return st;
}

static dnc_status layer_step(propagation *p, size_t layer, dnc_propagate_result *res)
{
    const dnc_propagate_opts *o = p->o;
    size_t K = dnc_mlp_fan_in(&o->net, layer), l = layer - 1;
    bool residual = o->residual_alpha > 0 && K == p->N && (layer > 1 || p->n0 == p->N);
    dnc_status st;
    if ((st = load_layer_params(p, layer)) || (st = preactivations(p, layer, residual)) ||
        (st = check_finite(p, layer)))
        return st;
    if (p->rows > p->B && (st = renormalise_tangent(p, &res->lyap[l])))
        return st;
    if ((st = observe(p, layer)) || (st = record_preactivations(p, layer, res)) ||
        (st = next_layer_inputs(p, layer, res)))
        return st;
    return DNC_OK;
}

static dnc_status run_layers(propagation *p, dnc_propagate_result *res)
{
    dnc_progress prog;
    dnc_progress_start(&prog, "propagate", p->o->net.depth, p->o->quiet);
    dnc_status st = DNC_OK;
    for (size_t layer = 1; layer <= p->o->net.depth && !st; layer++) {
        st = layer_step(p, layer, res);
        dnc_progress_update(&prog, layer);
    }
    dnc_progress_finish(&prog);
    return st;
}

static dnc_status run(const dnc_propagate_opts *o, const dnc_engine_ops *ops,
                      dnc_propagate_result *res)
{
    propagation p;
    dnc_status st = propagation_init(&p, o, ops);
    double *X = NULL;
    if (!st)
        st = run_inputs(o, &X);
    if (!st) {
        double t0 = dnc_wall_time();
        if (!(st = load_first_inputs(&p, X)))
            st = run_layers(&p, res);
        res->seconds = dnc_wall_time() - t0;
    }
    if (X != o->inputs)
        free(X);
    propagation_free(&p);
    return st;
}

static dnc_status result_alloc(dnc_propagate_result *res, size_t depth, bool lyapunov)
{
    memset(res, 0, sizeof *res);
    res->depth = depth;
    res->q = calloc(depth, sizeof *res->q);
    res->c = calloc(depth, sizeof *res->c);
    res->rho = calloc(depth, sizeof *res->rho);
    res->lyap = lyapunov ? calloc(depth, sizeof *res->lyap) : NULL;
    res->lyapunov = NAN;
    res->lyapunov_err = NAN;
    res->networks = 1;
    if (!res->q || !res->c || !res->rho || (lyapunov && !res->lyap)) {
        dnc_propagate_result_free(res);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu layers", depth);
    }
    return DNC_OK;
}

/* The algorithm for validated options, into a fresh result. */
static dnc_status propagate_validated(const dnc_propagate_opts *o, const dnc_engine_ops *ops,
                                      dnc_propagate_result *res)
{
    dnc_status st = result_alloc(res, o->net.depth, o->lyapunov);
    if (st)
        return st;
    snprintf(res->device, sizeof res->device, "%s", ops->description);
    if ((st = run(o, ops, res))) {
        dnc_propagate_result_free(res);
        return st;
    }
    if (res->lyap) {
        double s = 0;
        for (size_t l = 0; l < res->depth; l++)
            s += res->lyap[l];
        res->lyapunov = s / (double)res->depth;
    }
    return DNC_OK;
}

dnc_status dnc_propagate_on(const dnc_propagate_opts *o, const dnc_engine_ops *ops,
                            dnc_propagate_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_propagate_validate(o);
    return st ? st : propagate_validated(o, ops, res);
}

dnc_status dnc_propagate(const dnc_propagate_opts *o, dnc_propagate_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_propagate_validate(o);
    if (st)
        return st;
    dnc_engine_ops ops;
    if (o->engine == DNC_ENGINE_ENSEMBLE)
        st = dnc_ensemble_engine_open(&ops, o);
    else
        st = o->device == DNC_DEVICE_CUDA ? dnc_cuda_engine_open(&ops, o)
                                          : dnc_cpu_engine_open(&ops, o);
    if (st)
        return st;
    st = propagate_validated(o, &ops, res);
    ops.close(ops.ctx);
    return st;
}

void dnc_propagate_result_free(dnc_propagate_result *res)
{
    free(res->q);
    free(res->c);
    free(res->rho);
    free(res->lyap);
    free(res->q_err);
    free(res->c_err);
    free(res->rho_err);
    free(res->lyap_err);
    res->q = res->c = res->rho = res->lyap = NULL;
    res->q_err = res->c_err = res->rho_err = res->lyap_err = NULL;
    res->depth = 0;
}

/* ------------------------------------------------------- inputs file */

dnc_status dnc_read_inputs_csv(const char *path, size_t width, double **X, size_t *rows,
                               size_t *width_out)
{
    *X = NULL;
    *rows = 0;
    dnc_table_opts o = {.cells = DNC_TABLE_FINITE, .no_header = true, .ncols = width};
    dnc_table t;
    dnc_status st = dnc_table_read(path, &o, &t);
    if (st)
        return st;
    *X = t.v;
    t.v = NULL;
    *rows = t.nrows;
    if (width_out)
        *width_out = t.ncols;
    dnc_table_free(&t);
    return DNC_OK;
}
