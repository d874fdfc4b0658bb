/* Signal-propagation observables of a model's current weights, measured
 * with the propagation engine (dnc_propagate) on real inputs; see
 * dnc_train_observables in train.h for the definitions. */
#include <math.h>
#include <stdlib.h>

#include "dnncrit/observables.h"
#include "dnncrit/propagate.h"
#include "dnncrit/train.h"

typedef struct {
    const dnc_mlp_model *m;
    size_t depth, width;
    double *W, *b, *colnorm, *dsq;
    double log_chi_sum;
    size_t nchi;
    double susceptibility;
} obs_ctx;

static dnc_status provide_layer(void *ctx, size_t layer, double *W, double *b)
{
    const obs_ctx *c = ctx;
    return dnc_mlp_model_layer(c->m, layer, W, b);
}

/* (1/N) sum_j |W^{l+1}_{:,j}|^2 <phi'(h^l_j)^2>: the mean squared gain of
 * the layer-to-layer Jacobian on a random direction. */
static dnc_status weight_chi(obs_ctx *c, size_t layer, const double *H, size_t B, size_t N)
{
    dnc_status st = dnc_mlp_model_layer(c->m, layer + 1, c->W, c->b);
    if (st)
        return st;
    for (size_t j = 0; j < N; j++)
        c->colnorm[j] = c->dsq[j] = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            c->colnorm[j] += c->W[i * N + j] * c->W[i * N + j];
    dnc_activation act = dnc_mlp_model_config(c->m)->net.activation;
    for (size_t r = 0; r < B; r++)
        for (size_t j = 0; j < N; j++) {
            double d = dnc_dphi(act, H[r * N + j]);
            c->dsq[j] += d * d / (double)B;
        }
    double chi = 0;
    for (size_t j = 0; j < N; j++)
        chi += c->colnorm[j] * c->dsq[j];
    chi /= (double)N;
    if (chi > 0 && isfinite(chi)) {
        c->log_chi_sum += log(chi);
        c->nchi++;
    }
    return DNC_OK;
}

/* chi = N (<rho^2> - <rho>^2) over the pairs of inputs at this layer. */
static double pair_susceptibility(const double *H, size_t B, size_t N)
{
    double s = 0, s2 = 0;
    size_t n = 0;
    for (size_t a = 0; a < B; a++) {
        double na = sqrt(dnc_dot(H + a * N, H + a * N, N));
        for (size_t b = a + 1; b < B; b++) {
            double nb = sqrt(dnc_dot(H + b * N, H + b * N, N));
            if (!(na > 0 && nb > 0))
                continue;
            double rho = 1 - dnc_dot(H + a * N, H + b * N, N) / (na * nb);
            s += rho;
            s2 += rho * rho;
            n++;
        }
    }
    if (n < 2)
        return NAN;
    double mean = s / (double)n;
    return (double)N * fmax(0, s2 / (double)n - mean * mean);
}

static dnc_status observe_layer(void *ctx, size_t layer, const double *H, size_t B, size_t N)
{
    obs_ctx *c = ctx;
    if (layer < c->depth)
        return weight_chi(c, layer, H, B, N);
    c->susceptibility = pair_susceptibility(H, B, N);
    return DNC_OK;
}

static dnc_status alloc_ctx(obs_ctx *c, const dnc_mlp_model *m)
{
    const dnc_train_config *cfg = dnc_mlp_model_config(m);
    size_t N = cfg->net.width;
    *c = (obs_ctx){.m = m, .depth = cfg->net.depth, .width = N, .susceptibility = NAN};
    c->W = malloc(N * N * sizeof *c->W);
    c->b = malloc(N * sizeof *c->b);
    c->colnorm = malloc(N * sizeof *c->colnorm);
    c->dsq = malloc(N * sizeof *c->dsq);
    if (!c->W || !c->b || !c->colnorm || !c->dsq)
        return dnc_fail(DNC_ENOMEM, "out of memory for observables");
    return DNC_OK;
}

static void free_ctx(obs_ctx *c)
{
    free(c->W);
    free(c->b);
    free(c->colnorm);
    free(c->dsq);
}

/* Mean log growth of the tangent vector from layer 2 on: layer 1 maps the
 * input direction and carries no phi' factor. */
static double hidden_lyapunov(const dnc_propagate_result *r)
{
    if (r->depth < 2)
        return r->lyapunov;
    double s = 0;
    for (size_t l = 1; l < r->depth; l++)
        s += r->lyap[l];
    return s / (double)(r->depth - 1);
}

static void summarise(const dnc_propagate_result *r, const obs_ctx *c, dnc_train_observables *o)
{
    size_t L = r->depth;
    double s = 0;
    for (size_t l = 0; l < L; l++)
        s += r->rho[l];
    o->rho_first = r->rho[0];
    o->rho_last = r->rho[L - 1];
    o->rho_mean = s / (double)L;
    o->q_last = r->q[L - 1];
    o->lyapunov = hidden_lyapunov(r);
    o->chi1_lyap = exp(2 * o->lyapunov);
    o->chi1_weights = c->nchi ? exp(c->log_chi_sum / (double)c->nchi) : NAN;
    o->susceptibility = c->susceptibility;
}

dnc_status dnc_mlp_observables(const dnc_mlp_model *m, const float *X, size_t B,
                               dnc_train_observables *obs)
{
    *obs = (dnc_train_observables){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    const dnc_train_config *cfg = dnc_mlp_model_config(m);
    if (cfg->model != DNC_MODEL_MLP)
        return DNC_OK; /* the propagation engine is fully connected */
    size_t n0 = cfg->net.input_width;
    obs_ctx c;
    dnc_status st = alloc_ctx(&c, m);
    double *Xd = malloc(B * n0 * sizeof *Xd);
    if (!st && !Xd)
        st = dnc_fail(DNC_ENOMEM, "out of memory for observation inputs");
    if (st) {
        free(Xd);
        free_ctx(&c);
        return st;
    }
    for (size_t i = 0; i < B * n0; i++)
        Xd[i] = X[i];
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net = cfg->net;
    o.batch = B;
    o.inputs = Xd;
    o.corr = DNC_CORR_PRE;
    o.lyapunov = true;
    o.provider = provide_layer;
    o.provider_ctx = &c;
    o.observer = observe_layer;
    o.observer_ctx = &c;
    o.quiet = true;
    dnc_propagate_result r;
    st = dnc_propagate(&o, &r);
    if (!st) {
        summarise(&r, &c, obs);
        dnc_propagate_result_free(&r);
    } else if (st == DNC_ENUM) {
        /* Weights of a diverged run overflow: no observables, no failure. */
        dnc_clear_error();
        st = DNC_OK;
    }
    free(Xd);
    free_ctx(&c);
    return st;
}
