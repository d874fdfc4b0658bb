/* Avalanches through random networks, via the dnc_propagate observer. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
                           .quiet = true};
    o.net.width = 128;
    o.net.depth = 50;
    return o;
}

const char *dnc_net_rule_name(dnc_net_rule r)
{
    return r == DNC_NET_ABS ? "abs" : r == DNC_NET_STD ? "std" : "damage";
}

dnc_status dnc_net_rule_parse(const char *s, dnc_net_rule *r)
{
    if (strcmp(s, "damage") == 0)
        *r = DNC_NET_DAMAGE;
    else if (strcmp(s, "abs") == 0)
        *r = DNC_NET_ABS;
    else if (strcmp(s, "std") == 0)
        *r = DNC_NET_STD;
    else
        return dnc_fail(DNC_EINVAL, "activity rule must be damage, abs or std, got '%s'", s);
    return DNC_OK;
}

void dnc_net_aval_result_free(dnc_net_aval_result *res)
{
    dnc_avalanches_free(&res->av);
    free(res->rho_mean);
    free(res->chi_layer);
    memset(res, 0, sizeof *res);
}

typedef struct {
    const dnc_net_aval_opts *o;
    size_t n0;
    size_t inputs; /* inputs (pairs) in this propagation */
    double *A;     /* inputs x depth active counts */
} observer_ctx;

static dnc_status observe(void *vctx, size_t layer, const double *H, size_t B, size_t N)
{
    observer_ctx *c = vctx;
    const dnc_net_aval_opts *o = c->o;
    size_t L = o->net.depth, I = c->inputs;
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
        if (pairs) {
            memcpy(x + n0, x, n0 * sizeof *x);
            size_t unit = (size_t)(dnc_uniform_at(seed, DNC_STREAM_PERTURB, (uint32_t)j, 0, 0) * (double)n0);
            x[n0 + (unit < n0 ? unit : n0 - 1)] += o->delta;
        }
    }
}

/* Runs of active layers of one input's activity; the run reaching the
 * last layer is cut. */
static dnc_status collect(const double *A, size_t L, dnc_net_aval_result *r)
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
            r->cut++;
            break;
        }
        dnc_status st = dnc_avalanches_append(&r->av, A + s, l - s, s + 1);
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

static void summarise(dnc_net_aval_result *r, const double *s1, const double *s2,
                      const double *per, size_t nets, double count)
{
    r->chi = half_chi(r, s1, s2, per, SIZE_MAX, count, r->rho_mean, r->chi_layer);
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
}

/* One propagation of `inputs` inputs (pairs) from X; activity into A. */
static dnc_status activity(const dnc_net_aval_opts *o, dnc_engine_kind engine, uint64_t seed,
                           size_t n0, size_t inputs, const double *X, double *A, bool quiet)
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
    observer_ctx oc = {o, n0, inputs, A};
    po.observer = observe;
    po.observer_ctx = &oc;
    dnc_propagate_result pr = {0};
    dnc_status st = dnc_propagate(&po, &pr);
    dnc_propagate_result_free(&pr);
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

dnc_status dnc_net_avalanches(const dnc_net_aval_opts *o, dnc_net_aval_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_net_aval_opts_validate(o);
    if (st)
        return st;
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
            st = collect(A + j * L, L, res);
        }
    }
    if (!st)
        summarise(res, s1, s2, per, o->networks, (double)res->seeded);
    free(per);
    free(X);
    free(A);
    free(s1);
    free(s2);
    if (st)
        dnc_net_aval_result_free(res);
    return st;
}
