/* Layer-time avalanches in random CNNs and ResNets (avalanche.h): the CNN
 * propagation's observers feed the activity rules of netaval.c
 * (dnc_net_activity_mask, dnc_avalanches_from_layers) and the fits of
 * avalanche.c (dnc_avalanche_analyse). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/netaval_internal.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/cnn.h"

dnc_cnn_aval_opts dnc_cnn_aval_opts_default(void)
{
    dnc_cnn_aval_opts o = {.cnn = dnc_cnn_opts_default(),
                           .networks = 8,
                           .rule = DNC_NET_PRE,
                           .scope = DNC_SCOPE_LAYER,
                           .threshold = 2.0,
                           .analysis = dnc_avalanche_opts_default()};
    o.cnn.batch = 8;
    return o;
}

dnc_status dnc_cnn_aval_opts_validate(const dnc_cnn_aval_opts *o)
{
    dnc_status st = dnc_cnn_opts_validate(&o->cnn);
    if (st)
        return st;
    if (o->networks == 0 || o->networks > 1000000)
        return dnc_fail(DNC_EINVAL, "networks must be between 1 and 1e6, got %zu", o->networks);
    if (o->cnn.observer || o->cnn.site_observer)
        return dnc_fail(DNC_EINVAL, "the CNN avalanches use the propagation's observers: leave "
                                    "them unset");
    if (o->rule < DNC_NET_DAMAGE || o->rule > DNC_NET_PRE)
        return dnc_fail(DNC_EINVAL, "invalid activity rule %d", (int)o->rule);
    if (o->scope < DNC_SCOPE_GLOBAL || o->scope > DNC_SCOPE_PERCENTILE)
        return dnc_fail(DNC_EINVAL, "invalid threshold scope %d", (int)o->scope);
    if (!(o->threshold > 0) || !isfinite(o->threshold))
        return dnc_fail(DNC_EINVAL, "threshold must be > 0, got %g", o->threshold);
    if ((st = dnc_net_scope_validate(o->rule, o->scope, o->threshold, o->cnn.batch)))
        return st;
    if (o->rule == DNC_NET_DAMAGE && o->cnn.batch < 2)
        return dnc_fail(DNC_EINVAL, "the damage rule compares inputs: it needs >= 2 per "
                                    "network, got %zu",
                        o->cnn.batch);
    if (o->rule == DNC_NET_DAMAGE && o->cnn.damage_cutoff > 0 &&
        o->threshold > o->cnn.damage_cutoff)
        return dnc_fail(DNC_EINVAL, "threshold %g is above the damage cut-off %g",
                        o->threshold, o->cnn.damage_cutoff);
    return DNC_OK;
}

void dnc_cnn_aval_result_free(dnc_cnn_aval_result *res)
{
    if (!res)
        return;
    dnc_avalanches_free(&res->av);
    free(res->active_mean);
    if (res->analysed)
        dnc_avalanche_analysis_free(&res->analysis);
    memset(res, 0, sizeof *res);
}

typedef struct {
    const dnc_cnn_aval_opts *o;
    double *A;           /* trials x depth active counts of one network */
    unsigned char *mask; /* B x N (activity rules) */
    double *work;        /* B x N + N */
} cnn_aval_ctx;

static dnc_status on_units(void *vctx, size_t layer, const double *H, size_t B, size_t N)
{
    cnn_aval_ctx *c = vctx;
    const dnc_cnn_aval_opts *o = c->o;
    size_t L = o->cnn.net.depth;
    dnc_status st = dnc_net_activity_mask(o->rule, o->scope, o->threshold,
                                          o->cnn.net.activation, H, B, N, c->mask, c->work);
    if (!st)
        dnc_net_mask_counts(c->mask, B, N, L, layer, c->A);
    return st;
}

static dnc_status on_sites(void *vctx, size_t layer, const double *rho_x, size_t S)
{
    cnn_aval_ctx *c = vctx;
    size_t cnt = 0;
    for (size_t s = 0; s < S; s++)
        cnt += rho_x[s] > c->o->threshold;
    c->A[layer - 1] = (double)cnt;
    return DNC_OK;
}

dnc_status dnc_cnn_avalanches(const dnc_cnn_aval_opts *o, dnc_cnn_aval_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_cnn_aval_opts_validate(o);
    if (st)
        return st;
    bool damage = o->rule == DNC_NET_DAMAGE;
    size_t L = o->cnn.net.depth, B = o->cnn.batch, S = dnc_cnn_sites(&o->cnn.net);
    size_t N = o->cnn.net.channels * S, trials = damage ? 1 : B;
    double units = damage ? (double)S : (double)N;
    res->depth = L;
    res->active_mean = calloc(L, sizeof *res->active_mean);
    double *A = malloc(trials * L * sizeof *A);
    unsigned char *mask = damage ? NULL : malloc(B * N);
    double *work = damage ? NULL : malloc((B * N + N) * sizeof *work);
    if (!res->active_mean || !A || (!damage && (!mask || !work))) {
        st = dnc_fail(DNC_ENOMEM, "out of memory for %zu x %zu activations", B, N);
        goto done;
    }
    cnn_aval_ctx ctx = {o, A, mask, work};
    for (size_t k = 0; !st && k < o->networks; k++) {
        dnc_cnn_opts co = o->cnn;
        co.net.seed = o->cnn.net.seed + k;
        if (damage) {
            co.threshold = o->threshold;
            co.site_observer = on_sites;
            co.site_observer_ctx = &ctx;
        } else {
            co.observer = on_units;
            co.observer_ctx = &ctx;
        }
        dnc_cnn_result cr;
        if ((st = dnc_cnn_propagate(&co, &cr)))
            break;
        dnc_cnn_result_free(&cr);
        for (size_t t = 0; !st && t < trials; t++) {
            for (size_t l = 0; l < L; l++)
                res->active_mean[l] += A[t * L + l] / units;
            st = dnc_avalanches_from_layers(A + t * L, L, &res->av, &res->cut);
        }
    }
    if (st)
        goto done;
    res->seeded = trials * o->networks;
    for (size_t l = 0; l < L; l++)
        res->active_mean[l] /= (double)res->seeded;
    dnc_status fit = dnc_avalanche_analyse(&res->av, &o->analysis, &res->analysis);
    res->analysed = fit == DNC_OK;
    if (!res->analysed) {
        dnc_avalanche_analysis_free(&res->analysis);
        snprintf(res->analysis_error, sizeof res->analysis_error, "%s", dnc_last_error());
    }
done:
    free(A);
    free(mask);
    free(work);
    if (st)
        dnc_cnn_aval_result_free(res);
    return st;
}
