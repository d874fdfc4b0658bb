/* dnc_propagate over K independent networks (propagate.h): per-layer means
 * and standard errors. The networks run in parallel over the OpenMP threads
 * in blocks; each block's results are added in network order (Welford), so
 * the statistics are the same bits for any thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "dnncrit/propagate.h"

enum { BLOCK = 64 };

/* Running mean and sum of squared deviations of one per-layer series. */
typedef struct {
    double *mean, *m2;
} series;

typedef struct {
    series q, c, rho, lyap;
    double lyapunov_mean, lyapunov_m2;
    size_t n;
} accumulator;

static void welford(double *mean, double *m2, double x, size_t n)
{
    double delta = x - *mean;
    *mean += delta / (double)n;
    *m2 += delta * (x - *mean);
}

static void add_series(series *s, const double *x, size_t depth, size_t n)
{
    for (size_t l = 0; x && l < depth; l++)
        welford(&s->mean[l], &s->m2[l], x[l], n);
}

static void accumulate(accumulator *acc, const dnc_propagate_result *r)
{
    size_t n = ++acc->n, L = r->depth;
    add_series(&acc->q, r->q, L, n);
    add_series(&acc->c, r->c, L, n);
    add_series(&acc->rho, r->rho, L, n);
    if (acc->lyap.mean) {
        add_series(&acc->lyap, r->lyap, L, n);
        welford(&acc->lyapunov_mean, &acc->lyapunov_m2, r->lyapunov, n);
    }
}

/* mean -> res's array, sqrt(m2 / (n (n - 1))) -> err (NAN for one network) */
static void finish_series(series *s, size_t depth, size_t n, double **mean, double **err)
{
    *mean = s->mean;
    *err = s->m2;
    for (size_t l = 0; l < depth; l++)
        s->m2[l] = n > 1 ? sqrt(s->m2[l] / ((double)n * (double)(n - 1))) : NAN;
    s->mean = s->m2 = NULL;
}

static dnc_status series_alloc(series *s, size_t depth)
{
    s->mean = calloc(depth, sizeof *s->mean);
    s->m2 = calloc(depth, sizeof *s->m2);
    return s->mean && s->m2 ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory for %zu layers", depth);
}

static void series_free(series *s)
{
    free(s->mean);
    free(s->m2);
}

static void accumulator_free(accumulator *acc)
{
    series_free(&acc->q);
    series_free(&acc->c);
    series_free(&acc->rho);
    series_free(&acc->lyap);
}

/* Networks k0 .. k0 + n - 1, in parallel; slot i gets network k0 + i. */
static dnc_status run_block(const dnc_propagate_opts *o, size_t k0, size_t n,
                            dnc_propagate_result *slots)
{
    dnc_status status = DNC_OK;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed)
    for (long i = 0; i < (long)n; i++) {
        dnc_propagate_opts oi = *o;
        oi.net.seed = o->net.seed + k0 + (size_t)i;
        oi.quiet = true;
        if (dnc_propagate(&oi, &slots[i]) != DNC_OK)
            failed |= 1;
    }
    if (failed) /* rerun the first failure alone for its message */
        for (size_t i = 0; i < n && !status; i++)
            if (!slots[i].q) {
                dnc_propagate_opts oi = *o;
                oi.net.seed = o->net.seed + k0 + i;
                oi.quiet = true;
                dnc_propagate_result r;
                status = dnc_propagate(&oi, &r);
                dnc_propagate_result_free(&r);
                if (!status)
                    status = dnc_fail(DNC_ENUM, "network %zu failed in parallel", k0 + i);
            }
    return status;
}

static dnc_status run_networks(const dnc_propagate_opts *o, size_t K, accumulator *acc,
                               double *rho_each, dnc_propagate_result *res)
{
    dnc_propagate_result *slots = calloc(BLOCK, sizeof *slots);
    if (!slots)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_progress prog;
    dnc_progress_start(&prog, "networks", K, o->quiet);
    dnc_status st = DNC_OK;
    for (size_t k0 = 0; k0 < K && !st; k0 += BLOCK) {
        size_t n = K - k0 < BLOCK ? K - k0 : BLOCK;
        st = run_block(o, k0, n, slots);
        for (size_t i = 0; i < n; i++) {
            if (!st) {
                accumulate(acc, &slots[i]);
                if (rho_each)
                    memcpy(rho_each + (k0 + i) * slots[i].depth, slots[i].rho,
                           slots[i].depth * sizeof *rho_each);
                res->flops += slots[i].flops;
                memcpy(res->device, slots[i].device, sizeof res->device);
            }
            dnc_propagate_result_free(&slots[i]);
        }
        dnc_progress_update(&prog, k0 + n);
    }
    dnc_progress_finish(&prog);
    free(slots);
    return st;
}

dnc_status dnc_propagate_networks(const dnc_propagate_opts *o, size_t K,
                                  dnc_propagate_result *res)
{
    return dnc_propagate_networks_rho(o, K, NULL, res);
}

dnc_status dnc_propagate_networks_rho(const dnc_propagate_opts *o, size_t K, double *rho_each,
                                      dnc_propagate_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_propagate_validate(o);
    if (st)
        return st;
    if (K == 0 || K > DNC_MAX_WIDTH)
        return dnc_fail(DNC_EINVAL, "networks must be between 1 and %zu, got %zu", DNC_MAX_WIDTH,
                        K);
    if (o->provider || o->observer)
        return dnc_fail(DNC_EUNSUPPORTED, "averaging over networks takes neither a weight "
                                          "provider (one given network) nor a layer observer");
    size_t L = o->net.depth;
    accumulator acc = {0};
    if ((st = series_alloc(&acc.q, L)) || (st = series_alloc(&acc.c, L)) ||
        (st = series_alloc(&acc.rho, L)) || (o->lyapunov && (st = series_alloc(&acc.lyap, L)))) {
        accumulator_free(&acc);
        return st;
    }
    double t0 = dnc_wall_time();
    st = run_networks(o, K, &acc, rho_each, res);
    if (!st) {
        res->depth = L;
        res->networks = K;
        finish_series(&acc.q, L, K, &res->q, &res->q_err);
        finish_series(&acc.c, L, K, &res->c, &res->c_err);
        finish_series(&acc.rho, L, K, &res->rho, &res->rho_err);
        res->lyapunov = res->lyapunov_err = NAN;
        if (o->lyapunov) {
            finish_series(&acc.lyap, L, K, &res->lyap, &res->lyap_err);
            res->lyapunov = acc.lyapunov_mean;
            res->lyapunov_err = K > 1 ? sqrt(acc.lyapunov_m2 / ((double)K * (double)(K - 1)))
                                      : NAN;
        }
        res->seconds = dnc_wall_time() - t0;
    }
    accumulator_free(&acc);
    if (st)
        dnc_propagate_result_free(res);
    return st;
}
