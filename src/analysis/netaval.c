/* Avalanches through random networks, via the dnc_propagate observer. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/netaval_internal.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"

dnc_net_aval_opts dnc_net_aval_opts_default(void)
{
    dnc_net_aval_opts o = {.net = dnc_mlp_config_default(),
                           .networks = 4,
                           .inputs = 100,
                           .input_q = 1.0,
                           .rule = DNC_NET_DAMAGE,
                           .threshold = 2.0,
                           .delta = 1e-3,
                           .engine = DNC_ENGINE_EXPLICIT,
                           .quiet = true,
                           .scope = DNC_SCOPE_GLOBAL,
                           .field = 0.0,
                           .protocol = DNC_PROTOCOL_LAYER_TIME,
                           .layer = 0,
                           .bin_width = 0.0,
                           .stream_corr = 0.0};
    o.net.width = 128;
    o.net.depth = 50;
    return o;
}

const char *dnc_net_rule_name(dnc_net_rule r)
{
    return r == DNC_NET_ABS ? "abs" : r == DNC_NET_STD ? "std" : r == DNC_NET_PRE ? "pre" : "damage";
}

dnc_status dnc_net_rule_parse(const char *s, dnc_net_rule *r)
{
    if (strcmp(s, "damage") == 0)
        *r = DNC_NET_DAMAGE;
    else if (strcmp(s, "abs") == 0)
        *r = DNC_NET_ABS;
    else if (strcmp(s, "std") == 0)
        *r = DNC_NET_STD;
    else if (strcmp(s, "pre") == 0)
        *r = DNC_NET_PRE;
    else
        return dnc_fail(DNC_EINVAL, "activity rule must be damage, abs, std or pre, got '%s'", s);
    return DNC_OK;
}

static const char *const scope_names[] = {"global", "layer", "unit", "percentile"};

const char *dnc_threshold_scope_name(dnc_threshold_scope sc)
{
    return sc >= DNC_SCOPE_GLOBAL && sc <= DNC_SCOPE_PERCENTILE ? scope_names[sc] : "global";
}

dnc_status dnc_threshold_scope_parse(const char *s, dnc_threshold_scope *sc)
{
    for (int k = 0; k < 4; k++)
        if (strcmp(s, scope_names[k]) == 0) {
            *sc = (dnc_threshold_scope)k;
            return DNC_OK;
        }
    return dnc_fail(DNC_EINVAL, "threshold scope must be global, layer, unit or percentile, got '%s'",
                    s);
}

const char *dnc_net_protocol_name(dnc_net_protocol p)
{
    return p == DNC_PROTOCOL_WITHIN_LAYER ? "within-layer" : "layer-time";
}

dnc_status dnc_net_protocol_parse(const char *s, dnc_net_protocol *p)
{
    if (strcmp(s, "layer-time") == 0)
        *p = DNC_PROTOCOL_LAYER_TIME;
    else if (strcmp(s, "within-layer") == 0)
        *p = DNC_PROTOCOL_WITHIN_LAYER;
    else
        return dnc_fail(DNC_EINVAL, "avalanche protocol must be layer-time or within-layer, got '%s'",
                        s);
    return DNC_OK;
}

/* Index of the largest y and the parabola vertex through it and its neighbours. */
static double parabola_peak(const double *x, const double *y, size_t n, size_t *bi)
{
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (y[i] > y[b])
            b = i;
    *bi = b;
    if (b == 0 || b + 1 == n)
        return x[b];
    double x0 = x[b - 1], x1 = x[b], x2 = x[b + 1];
    double y0 = y[b - 1], y1 = y[b], y2 = y[b + 1];
    double d = (x0 - x1) * (x0 - x2) * (x1 - x2);
    double A = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / d;
    double B = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / d;
    if (A < 0) {
        double v = -B / (2 * A);
        if (v > x0 && v < x2)
            return v;
    }
    return x[b];
}

dnc_status dnc_curve_peak_find(const double *x, const double *y, const double *y_err, size_t n,
                               size_t resamples, uint64_t seed, dnc_curve_peak *pk)
{
    if (n < 1 || !x || !y || !pk)
        return dnc_fail(DNC_EINVAL, "curve peak: need n >= 1 points, got %zu", n);
    for (size_t i = 1; i < n; i++)
        if (!(x[i] > x[i - 1]))
            return dnc_fail(DNC_EINVAL, "curve peak: x must increase (x[%zu] = %g after %g)", i,
                            x[i], x[i - 1]);
    size_t b;
    pk->x = parabola_peak(x, y, n, &b);
    pk->index = b;
    pk->at_edge = b == 0 || b + 1 == n;
    pk->y = y[b];
    pk->y_err = y_err ? y_err[b] : NAN;
    pk->x_res = n > 1 ? 0.5 * (x[n - 1] - x[0]) / (double)(n - 1) : NAN;
    pk->x_err = NAN;
    if (!y_err || resamples < 2)
        return DNC_OK;
    double *yr = malloc(n * sizeof *yr), s = 0, s2 = 0;
    if (!yr)
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu points", n);
    for (size_t r = 0; r < resamples; r++) {
        for (size_t i = 0; i < n; i++)
            yr[i] = y[i] + (isfinite(y_err[i]) ? y_err[i] : 0) *
                               dnc_normal_at(seed, DNC_STREAM_BOOTSTRAP, (uint32_t)r, 0, i);
        size_t bb;
        double v = parabola_peak(x, yr, n, &bb);
        s += v;
        s2 += v * v;
    }
    free(yr);
    double m = s / (double)resamples;
    pk->x_err = sqrt(fmax(s2 / (double)resamples - m * m, 0) * (double)resamples /
                     (double)(resamples - 1));
    return DNC_OK;
}

void dnc_net_aval_result_free(dnc_net_aval_result *res)
{
    dnc_avalanches_free(&res->av);
    free(res->rho_mean);
    free(res->chi_layer);
    free(res->rho_net);
    memset(res, 0, sizeof *res);
}

/* Standard deviation (population form, mean removed) of n values v[k * stride]. */
static double stdev(const double *v, size_t n, size_t stride)
{
    double s = 0, s2 = 0;
    for (size_t k = 0; k < n; k++) {
        s += v[k * stride];
        s2 += v[k * stride] * v[k * stride];
    }
    double m = s / (double)n;
    return sqrt(fmax(s2 / (double)n - m * m, 0));
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

dnc_status dnc_net_activity_mask(dnc_net_rule rule, dnc_threshold_scope scope, double threshold,
                                 dnc_activation act, const double *H, size_t B, size_t N,
                                 unsigned char *active, double *work)
{
    if (rule == DNC_NET_DAMAGE)
        return dnc_fail(DNC_EINVAL, "the damage rule compares pairs of inputs: no activity mask");
    if (scope < DNC_SCOPE_GLOBAL || scope > DNC_SCOPE_PERCENTILE)
        return dnc_fail(DNC_EINVAL, "invalid threshold scope %d", (int)scope);
    if (scope == DNC_SCOPE_UNIT && B < 2)
        return dnc_fail(DNC_EINVAL, "the unit scope needs >= 2 inputs per network (a standard "
                                    "deviation over the inputs), got %zu",
                        B);
    size_t n = B * N;
    double *v = work, *scale = work + n;
    for (size_t k = 0; k < n; k++) /* v = phi(h) for abs, h otherwise */
        v[k] = rule == DNC_NET_ABS ? dnc_phi(act, H[k]) : H[k];
    double thr = threshold;
    if (scope == DNC_SCOPE_LAYER || (scope == DNC_SCOPE_GLOBAL && rule == DNC_NET_STD))
        thr = threshold * stdev(v, n, 1);
    if (scope == DNC_SCOPE_UNIT)
        for (size_t i = 0; i < N; i++)
            scale[i] = threshold * stdev(v + i, B, N);
    if (scope == DNC_SCOPE_PERCENTILE) {
        size_t k = (size_t)llround(threshold / 100 * (double)n);
        if (k == 0) {
            memset(active, 0, n);
            return DNC_OK;
        }
        for (size_t j = 0; j < n; j++)
            v[j] = fabs(v[j]);
        double *sorted = malloc(n * sizeof *sorted);
        if (!sorted)
            return dnc_fail(DNC_ENOMEM, "out of memory for %zu activations", n);
        memcpy(sorted, v, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_double);
        double cut = sorted[n - k];
        free(sorted);
        for (size_t j = 0; j < n; j++)
            active[j] = v[j] >= cut;
        return DNC_OK;
    }
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < N; i++) {
            double t = scope == DNC_SCOPE_UNIT ? scale[i] : thr;
            active[b * N + i] = fabs(v[b * N + i]) > t;
        }
    return DNC_OK;
}

void dnc_net_mask_counts(const unsigned char *mask, size_t trials, size_t N, size_t L,
                         size_t layer, double *A)
{
    for (size_t t = 0; t < trials; t++) {
        size_t cnt = 0;
        for (size_t i = 0; i < N; i++)
            cnt += mask[t * N + i];
        A[t * L + layer - 1] = (double)cnt;
    }
}

typedef struct {
    const dnc_net_aval_opts *o;
    size_t n0;
    size_t inputs; /* inputs (pairs) in this propagation */
    double *A;     /* inputs x depth active counts (layer-time) */
    unsigned char *mask; /* inputs x N (activity rules) */
    double *work;        /* inputs x N + N */
} observer_ctx;

static dnc_status observe(void *vctx, size_t layer, const double *H, size_t B, size_t N)
{
    observer_ctx *c = vctx;
    const dnc_net_aval_opts *o = c->o;
    size_t L = o->net.depth, I = c->inputs;
    if (o->protocol == DNC_PROTOCOL_WITHIN_LAYER) { /* the stream's raster of one layer */
        if (layer != o->layer)
            return DNC_OK;
        return dnc_net_activity_mask(o->rule, o->scope, o->threshold, o->net.activation, H, B, N,
                                     c->mask, c->work);
    }
    if (o->rule != DNC_NET_DAMAGE && o->scope != DNC_SCOPE_GLOBAL) {
        dnc_status st = dnc_net_activity_mask(o->rule, o->scope, o->threshold,
                                              o->net.activation, H, B, N, c->mask, c->work);
        if (st)
            return st;
        dnc_net_mask_counts(c->mask, I, N, L, layer, c->A);
        return DNC_OK;
    }
    /* the global scope as it has always been computed (bitwise) */
    double thr = o->threshold;
    if (o->rule == DNC_NET_DAMAGE) {
        thr = o->threshold * o->delta / sqrt((double)c->n0);
    } else if (o->rule == DNC_NET_STD) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < B * N; i++) {
            s += H[i];
            s2 += H[i] * H[i];
        }
        double m = s / (double)(B * N);
        thr = o->threshold * sqrt(fmax(s2 / (double)(B * N) - m * m, 0));
    }
    for (size_t j = 0; j < I; j++) {
        size_t cnt = 0;
        if (o->rule == DNC_NET_DAMAGE) {
            const double *h = H + 2 * j * N, *hp = h + N;
            for (size_t i = 0; i < N; i++)
                cnt += fabs(hp[i] - h[i]) > thr;
        } else {
            const double *h = H + j * N;
            for (size_t i = 0; i < N; i++) {
                double v = o->rule == DNC_NET_ABS ? dnc_phi(o->net.activation, h[i]) : h[i];
                cnt += fabs(v) > thr;
            }
        }
        c->A[j * L + layer - 1] = (double)cnt;
    }
    return DNC_OK;
}

dnc_status dnc_net_scope_validate(dnc_net_rule rule, dnc_threshold_scope scope, double threshold,
                                  size_t inputs)
{
    if (rule == DNC_NET_DAMAGE && scope != DNC_SCOPE_GLOBAL)
        return dnc_fail(DNC_EINVAL, "the threshold scope %s applies to the activity rules (abs, "
                                    "std, pre); damage takes the global scope",
                        dnc_threshold_scope_name(scope));
    if (scope == DNC_SCOPE_PERCENTILE && !(threshold < 100))
        return dnc_fail(DNC_EINVAL, "the percentile scope takes a threshold p in (0, 100) "
                                    "(percent of the layer active), got %g",
                        threshold);
    if (scope == DNC_SCOPE_UNIT && inputs < 2)
        return dnc_fail(DNC_EINVAL, "the unit scope needs >= 2 inputs per network (a standard "
                                    "deviation over the inputs), got %zu",
                        inputs);
    return DNC_OK;
}

dnc_status dnc_net_aval_opts_validate(const dnc_net_aval_opts *o)
{
    dnc_status st = dnc_mlp_config_validate(&o->net);
    if (st)
        return st;
    if (o->networks == 0 || o->inputs == 0)
        return dnc_fail(DNC_EINVAL, "networks and inputs must be >= 1 (got %zu, %zu)", o->networks,
                        o->inputs);
    if (!(o->threshold > 0) || !isfinite(o->threshold))
        return dnc_fail(DNC_EINVAL, "threshold must be > 0, got %g", o->threshold);
    if (o->rule == DNC_NET_DAMAGE && (!(o->delta > 0) || !isfinite(o->delta)))
        return dnc_fail(DNC_EINVAL, "perturbation delta must be > 0, got %g", o->delta);
    if (!(o->input_q > 0) || !isfinite(o->input_q))
        return dnc_fail(DNC_EINVAL, "input_q must be > 0, got %g", o->input_q);
    if (o->provider && o->networks != 1)
        return dnc_fail(DNC_EINVAL, "a given network is one network: networks must be 1 with "
                                    "a weight provider, got %zu (use more inputs)",
                        o->networks);
    if (o->inputs > 1000000 || o->networks > 1000000)
        return dnc_fail(DNC_EINVAL, "at most 1e6 inputs and networks per point");
    if (o->engine != DNC_ENGINE_EXPLICIT && o->engine != DNC_ENGINE_ENSEMBLE)
        return dnc_fail(DNC_EINVAL, "invalid engine %d", (int)o->engine);
    if (o->engine == DNC_ENGINE_ENSEMBLE && o->rule == DNC_NET_STD)
        return dnc_fail(DNC_EUNSUPPORTED,
                        "the std rule thresholds all inputs of one network together; the "
                        "ensemble engine samples each input (pair) on its own network: use the "
                        "damage or abs rule, or --engine explicit");
    if (o->scope < DNC_SCOPE_GLOBAL || o->scope > DNC_SCOPE_PERCENTILE)
        return dnc_fail(DNC_EINVAL, "invalid threshold scope %d", (int)o->scope);
    if (o->protocol != DNC_PROTOCOL_LAYER_TIME && o->protocol != DNC_PROTOCOL_WITHIN_LAYER)
        return dnc_fail(DNC_EINVAL, "invalid avalanche protocol %d", (int)o->protocol);
    if ((st = dnc_net_scope_validate(o->rule, o->scope, o->threshold, o->inputs)))
        return st;
    if (o->engine == DNC_ENGINE_ENSEMBLE &&
        (o->scope != DNC_SCOPE_GLOBAL || o->protocol == DNC_PROTOCOL_WITHIN_LAYER))
        return dnc_fail(DNC_EUNSUPPORTED,
                        "the %s scope and the within-layer protocol need the inputs of one "
                        "network together; the ensemble engine samples each input on its own "
                        "network: use --engine explicit",
                        dnc_threshold_scope_name(o->scope));
    dnc_status st2 = dnc_param_check_double(&dnc_propagate_param_field, "the field h", o->field);
    if (st2)
        return st2;
    if (o->field != 0 && o->engine == DNC_ENGINE_ENSEMBLE)
        return dnc_fail(DNC_EUNSUPPORTED, "the ensemble engine takes no external field (got h = "
                                          "%g): use --engine explicit",
                        o->field);
    if (o->protocol == DNC_PROTOCOL_WITHIN_LAYER) {
        if (o->rule == DNC_NET_DAMAGE)
            return dnc_fail(DNC_EINVAL, "the within-layer protocol thresholds the activity of a "
                                        "stream of inputs: use the rule abs, std or pre, not "
                                        "damage");
        if (o->layer < 1 || o->layer > o->net.depth)
            return dnc_fail(DNC_EINVAL, "the within-layer protocol observes a layer in [1, %zu] "
                                        "(the depth), got %zu",
                            o->net.depth, o->layer);
        if (!(o->bin_width >= 0) || !isfinite(o->bin_width))
            return dnc_fail(DNC_EINVAL, "the bin width must be a finite number of inputs > 0 "
                                        "(0: the mean inter-event interval), got %g",
                            o->bin_width);
        if (!(o->stream_corr >= 0 && o->stream_corr < 1))
            return dnc_fail(DNC_EINVAL, "the stream correlation r must be in [0, 1), got %g",
                            o->stream_corr);
        if (o->inputs < 3)
            return dnc_fail(DNC_EINVAL, "the within-layer protocol needs a stream of >= 3 "
                                        "inputs, got %zu",
                            o->inputs);
    }
    return DNC_OK;
}

/* Inputs of network k: N(0, q) components; for damage, row 2j+1 is row
 * 2j with unit k_j shifted by delta, k_j uniform over the input units. */
static void make_inputs(const dnc_net_aval_opts *o, size_t k, size_t n0, double *X)
{
    size_t I = o->inputs;
    bool pairs = o->rule == DNC_NET_DAMAGE;
    uint64_t seed = o->net.seed + k;
    for (size_t j = 0; j < I; j++) {
        double *x = X + (pairs ? 2 * j : j) * n0;
        dnc_normal_fill(seed, DNC_STREAM_INPUT, (uint32_t)j, 0, x, n0);
        for (size_t i = 0; i < n0; i++)
            x[i] *= sqrt(o->input_q);
        if (o->protocol == DNC_PROTOCOL_WITHIN_LAYER && j > 0 && o->stream_corr > 0) {
            const double *prev = x - n0, r = o->stream_corr, s = sqrt(1 - r * r);
            for (size_t i = 0; i < n0; i++) /* AR(1) stream, stationary variance q */
                x[i] = r * prev[i] + s * x[i];
        }
        if (pairs) {
            memcpy(x + n0, x, n0 * sizeof *x);
            size_t unit = (size_t)(dnc_uniform_at(seed, DNC_STREAM_PERTURB, (uint32_t)j, 0, 0) * (double)n0);
            x[n0 + (unit < n0 ? unit : n0 - 1)] += o->delta;
        }
    }
}

dnc_status dnc_avalanches_from_layers(const double *A, size_t L, dnc_avalanches *av, size_t *cut)
{
    size_t l = 0;
    while (l < L) {
        if (A[l] == 0) {
            l++;
            continue;
        }
        size_t s = l;
        while (l < L && A[l] > 0)
            l++;
        if (l == L) {
            ++*cut;
            break;
        }
        dnc_status st = dnc_avalanches_append(av, A + s, l - s, s + 1);
        if (st)
            return st;
    }
    return DNC_OK;
}

/* Mean over the second half of the layers of N var(rho_l), from sums of
 * rho and rho^2 over `count` inputs, leaving out network `skip` (sums of
 * network k at per[k * 2L ...]) unless skip == SIZE_MAX. */
static double half_chi(const dnc_net_aval_result *r, const double *s1, const double *s2,
                       const double *per, size_t skip, double count, double *rho, double *chil)
{
    size_t L = r->depth, nh = 0;
    double N = (double)r->width, chi = 0;
    for (size_t l = 0; l < L; l++) {
        double a = s1[l], b = s2[l];
        if (skip != SIZE_MAX) {
            a -= per[skip * 2 * L + l];
            b -= per[skip * 2 * L + L + l];
        }
        double m = a / count, c = N * fmax(b / count - m * m, 0);
        if (rho)
            rho[l] = m;
        if (chil)
            chil[l] = c;
        if (l >= L / 2) {
            chi += c;
            nh++;
        }
    }
    return chi / (double)nh;
}

static dnc_status summarise(dnc_net_aval_result *r, const double *s1, const double *s2,
                            const double *per, size_t nets, double count)
{
    r->chi = half_chi(r, s1, s2, per, SIZE_MAX, count, r->rho_mean, r->chi_layer);
    /* rho over the second half of the layers, all networks and per network
     * (equal numbers of inputs per network: count / nets) */
    r->rho_net = malloc(nets * sizeof *r->rho_net);
    if (!r->rho_net)
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu networks", nets);
    size_t L = r->depth, nh = L - L / 2;
    r->rho = 0;
    for (size_t l = L / 2; l < L; l++)
        r->rho += r->rho_mean[l] / (double)nh;
    for (size_t k = 0; k < nets; k++) {
        double m = 0;
        for (size_t l = L / 2; l < L; l++)
            m += per[k * 2 * L + l];
        r->rho_net[k] = m / (count / (double)nets) / (double)nh;
    }
    r->networks = nets;
    r->chi_err = NAN;
    if (nets >= 2) {
        double js = 0, js2 = 0, cnt = count * (double)(nets - 1) / (double)nets;
        for (size_t k = 0; k < nets; k++) {
            double c = half_chi(r, s1, s2, per, k, cnt, NULL, NULL);
            js += c;
            js2 += c * c;
        }
        double n = (double)nets, m = js / n;
        r->chi_err = sqrt(fmax(js2 / n - m * m, 0) * (n - 1));
    }
    double S = 0, S2 = 0, T = 0, mx = 0;
    for (size_t i = 0; i < r->av.count; i++) {
        S += r->av.size[i];
        S2 += r->av.size[i] * r->av.size[i];
        T += r->av.duration[i];
        mx = fmax(mx, r->av.size[i]);
    }
    double n = (double)r->av.count;
    r->chi_S = S > 0 ? S2 / S : NAN;
    double tau;
    if (dnc_avalanche_size_cutoff(r->av.size, r->av.count, &r->size_cutoff, &tau))
        r->size_cutoff = NAN; /* a fit that fails leaves the cutoff unknown, not the run */
    r->mean_S = n > 0 ? S / n : NAN;
    r->mean_T = n > 0 ? T / n : NAN;
    r->max_S = mx;
    r->survival = (double)r->cut / (double)r->seeded;
    return DNC_OK;
}

/* One propagation of `inputs` inputs (pairs) from X; activity into A. */
static dnc_status activity_mask(const dnc_net_aval_opts *o, dnc_engine_kind engine,
                                uint64_t seed, size_t n0, size_t inputs, const double *X,
                                double *A, unsigned char *mask, bool quiet)
{
    dnc_propagate_opts po = dnc_propagate_opts_default();
    po.net = o->net;
    po.net.seed = seed;
    po.engine = engine;
    po.batch = o->rule == DNC_NET_DAMAGE ? 2 * inputs : inputs;
    po.inputs = X;
    po.quiet = quiet;
    po.provider = o->provider; /* a given network: the ensemble engine refuses it */
    po.provider_ctx = o->provider_ctx;
    po.field = o->field;
    bool within = o->protocol == DNC_PROTOCOL_WITHIN_LAYER;
    if (within) /* the layers past the observed one are not needed */
        po.net.depth = o->layer;
    size_t N = o->net.width;
    bool masks = o->rule != DNC_NET_DAMAGE && (within || o->scope != DNC_SCOPE_GLOBAL);
    unsigned char *own = masks && !mask ? malloc(inputs * N) : NULL;
    double *work = masks ? malloc((inputs * N + N) * sizeof *work) : NULL;
    if (masks && (!work || (!mask && !own))) {
        free(own);
        free(work);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu x %zu activations", inputs, N);
    }
    observer_ctx oc = {o, n0, inputs, A, mask ? mask : own, work};
    po.observer = observe;
    po.observer_ctx = &oc;
    dnc_propagate_result pr = {0};
    dnc_status st = dnc_propagate(&po, &pr);
    dnc_propagate_result_free(&pr);
    free(own);
    free(work);
    return st;
}

static dnc_status activity(const dnc_net_aval_opts *o, dnc_engine_kind engine, uint64_t seed,
                           size_t n0, size_t inputs, const double *X, double *A, bool quiet)
{
    return activity_mask(o, engine, seed, n0, inputs, X, A, NULL, quiet);
}

/* The within-layer protocol on network k's stream X: the layer's raster
 * (mask, inputs x N) as events (t, unit), binned, cut into avalanches that
 * are appended to res->av; per-step activity sums into s1, s2. */
static dnc_status within_layer(const dnc_net_aval_opts *o, size_t k, size_t n0, const double *X,
                               unsigned char *mask, double *ev_t, double *ev_u,
                               dnc_net_aval_result *res, double *s1, double *s2)
{
    size_t T = o->inputs, N = o->net.width, n = 0;
    dnc_status st = activity_mask(o, DNC_ENGINE_EXPLICIT, o->net.seed + k, n0, T, X, NULL, mask,
                                  o->quiet);
    if (st)
        return st;
    for (size_t t = 0; t < T; t++) {
        size_t cnt = 0;
        for (size_t i = 0; i < N; i++)
            if (mask[t * N + i]) {
                ev_t[n] = (double)t;
                ev_u[n++] = (double)i;
                cnt++;
            }
        double rho = (double)cnt / (double)N;
        *s1 += rho;
        *s2 += rho * rho;
    }
    double used = 0;
    st = dnc_stream_avalanches(ev_t, ev_u, n, N, o->bin_width, &res->av, &res->cut, &used);
    if (used > 0)
        res->bin_width = used;
    return st;
}

dnc_status dnc_stream_avalanches(const double *ev_t, const double *ev_u, size_t n, size_t units,
                                 double bin_width, dnc_avalanches *out, size_t *cut,
                                 double *bin_used)
{
    *bin_used = 0;
    if (!(bin_width >= 0) || !isfinite(bin_width))
        return dnc_fail(DNC_EINVAL, "the bin width must be a finite number of inputs > 0 (0: "
                                    "the mean inter-event interval), got %g",
                        bin_width);
    if (n < 2 || ev_t[n - 1] == ev_t[0])
        return DNC_OK; /* no events, or all at one time: no avalanche in this stream */
    double dt = bin_width;
    if (dt == 0) /* the mean inter-event interval, in whole inputs (>= 1) */
        dt = fmax(1, round((ev_t[n - 1] - ev_t[0]) / (double)(n - 1)));
    dnc_activity a = {0};
    dnc_avalanches av = {0};
    dnc_status st = dnc_activity_from_events(ev_t, ev_u, n, units, dt, "within-layer stream", &a,
                                             bin_used);
    if (!st) {
        size_t quiet = 0;
        for (size_t b = 0; b < a.bins; b++)
            quiet += a.count[b] == 0;
        /* the runs touching the ends: one if no bin is quiet */
        *cut += quiet == 0 ? 1 : (size_t)(a.count[0] > 0) + (size_t)(a.count[a.bins - 1] > 0);
        /* a stream with no complete avalanche adds none (not a failure) */
        if (dnc_avalanches_from_activity(a.count, a.bins, false, &av) == DNC_OK)
            for (size_t i = 0; i < av.count && !st; i++)
                st = dnc_avalanches_append(out, av.profile + av.offset[i],
                                           (size_t)av.duration[i], av.start[i]);
        else
            dnc_clear_error();
    }
    dnc_avalanches_free(&av);
    dnc_activity_free(&a);
    return st;
}

/* Network k drawn weight by weight: all its inputs through the same weights. */
static dnc_status activity_explicit(const dnc_net_aval_opts *o, size_t k, size_t n0,
                                    const double *X, double *A)
{
    return activity(o, DNC_ENGINE_EXPLICIT, o->net.seed + k, n0, o->inputs, X, A, o->quiet);
}

/* The ensemble engine: every input (pair) j of "network" k on a network of
 * its own (seed seed + k * inputs + j), in parallel. The statistics are
 * averages over inputs and networks of per-input quantities, whose law is
 * the same whether inputs share a network or not; only the grouping of the
 * jackknife over networks changes meaning (groups of independent inputs). */
static dnc_status activity_ensemble(const dnc_net_aval_opts *o, size_t k, size_t n0,
                                    const double *X, double *A)
{
    size_t I = o->inputs, L = o->net.depth, per = o->rule == DNC_NET_DAMAGE ? 2 : 1;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed)
    for (long j = 0; j < (long)I; j++)
        failed |= activity(o, DNC_ENGINE_ENSEMBLE, o->net.seed + k * I + (size_t)j, n0, 1,
                           X + (size_t)j * per * n0, A + (size_t)j * L, true) != DNC_OK;
    /* a failure is repeated alone for its message (the error text is per thread) */
    for (size_t j = 0; failed && j < I; j++) {
        dnc_status st = activity(o, DNC_ENGINE_ENSEMBLE, o->net.seed + k * I + j, n0, 1,
                                 X + j * per * n0, A + j * L, true);
        if (st)
            return st;
    }
    return DNC_OK;
}

/* The within-layer protocol: one stream per network; the result's one
 * "layer" is the observed layer (rho: mean fraction active over the stream,
 * chi = N var(rho_t) over the time steps of all streams). */
static dnc_status net_within(const dnc_net_aval_opts *o, dnc_net_aval_result *res)
{
    size_t T = o->inputs, N = o->net.width, n0 = dnc_mlp_input_width(&o->net);
    res->depth = 1;
    res->width = N;
    res->seeded = T * o->networks;
    res->rho_mean = calloc(1, sizeof *res->rho_mean);
    res->chi_layer = calloc(1, sizeof *res->chi_layer);
    double *X = malloc(T * n0 * sizeof *X), *ev_t = malloc(T * N * sizeof *ev_t);
    double *ev_u = malloc(T * N * sizeof *ev_u);
    unsigned char *mask = malloc(T * N);
    double *per = calloc(2 * o->networks, sizeof *per), s1 = 0, s2 = 0;
    dnc_status st = DNC_OK;
    if (!res->rho_mean || !res->chi_layer || !X || !ev_t || !ev_u || !mask || !per)
        st = dnc_fail(DNC_ENOMEM, "out of memory for a stream of %zu inputs", T);
    for (size_t k = 0; k < o->networks && !st; k++) {
        make_inputs(o, k, n0, X);
        st = within_layer(o, k, n0, X, mask, ev_t, ev_u, res, per + 2 * k, per + 2 * k + 1);
        s1 += per[2 * k];
        s2 += per[2 * k + 1];
    }
    if (!st) {
        /* the layer-time summary with one "layer" (per: network k's sums at 2k, 2k + 1) */
        st = summarise(res, &s1, &s2, per, o->networks, (double)res->seeded);
        res->survival = NAN; /* no seeded avalanches to survive */
    }
    free(X);
    free(ev_t);
    free(ev_u);
    free(mask);
    free(per);
    if (st)
        dnc_net_aval_result_free(res);
    return st;
}

dnc_status dnc_net_avalanches(const dnc_net_aval_opts *o, dnc_net_aval_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_net_aval_opts_validate(o);
    if (st)
        return st;
    if (o->protocol == DNC_PROTOCOL_WITHIN_LAYER)
        return net_within(o, res);
    size_t L = o->net.depth, N = o->net.width, I = o->inputs;
    size_t n0 = dnc_mlp_input_width(&o->net);
    size_t B = o->rule == DNC_NET_DAMAGE ? 2 * I : I;
    res->depth = L;
    res->width = N;
    res->seeded = I * o->networks;
    res->rho_mean = calloc(L, sizeof *res->rho_mean);
    res->chi_layer = calloc(L, sizeof *res->chi_layer);
    double *X = malloc(B * n0 * sizeof *X), *A = malloc(I * L * sizeof *A);
    double *s1 = calloc(L, sizeof *s1), *s2 = calloc(L, sizeof *s2);
    double *per = calloc(2 * L * o->networks, sizeof *per);
    if (!res->rho_mean || !res->chi_layer || !X || !A || !s1 || !s2 || !per)
        st = dnc_fail(DNC_ENOMEM, "out of memory for %zu inputs of width %zu", B, n0);
    for (size_t k = 0; k < o->networks && !st; k++) {
        make_inputs(o, k, n0, X);
        st = o->engine == DNC_ENGINE_ENSEMBLE ? activity_ensemble(o, k, n0, X, A)
                                              : activity_explicit(o, k, n0, X, A);
        for (size_t j = 0; j < I && !st; j++) {
            for (size_t l = 0; l < L; l++) {
                double rho = A[j * L + l] / (double)N;
                s1[l] += rho;
                s2[l] += rho * rho;
                per[k * 2 * L + l] += rho;
                per[k * 2 * L + L + l] += rho * rho;
            }
            st = dnc_avalanches_from_layers(A + j * L, L, &res->av, &res->cut);
        }
    }
    if (!st)
        st = summarise(res, s1, s2, per, o->networks, (double)res->seeded);
    free(per);
    free(X);
    free(A);
    free(s1);
    free(s2);
    if (st)
        dnc_net_aval_result_free(res);
    return st;
}

dnc_status dnc_net_field_response(const dnc_net_aval_opts *o, double dh, double *resp,
                                  double *err)
{
    if (!(dh > 0) || !isfinite(dh))
        return dnc_fail(DNC_EINVAL, "the field step dh must be finite and > 0, got %g", dh);
    dnc_net_aval_opts op = *o, om = *o;
    op.field = o->field + dh;
    om.field = o->field - dh;
    dnc_net_aval_result rp, rm;
    dnc_status st = dnc_net_avalanches(&op, &rp);
    if (st)
        return st;
    if ((st = dnc_net_avalanches(&om, &rm))) {
        dnc_net_aval_result_free(&rp);
        return st;
    }
    double s = 0, s2 = 0, n = (double)rp.networks;
    for (size_t k = 0; k < rp.networks; k++) {
        double d = (rp.rho_net[k] - rm.rho_net[k]) / (2 * dh);
        s += d;
        s2 += d * d;
    }
    *resp = s / n;
    *err = rp.networks >= 2 ? sqrt(fmax(s2 / n - *resp * *resp, 0) / (n - 1)) : NAN;
    dnc_net_aval_result_free(&rp);
    dnc_net_aval_result_free(&rm);
    return DNC_OK;
}
