#include "dnncrit/dp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "dnncrit/io.h"
#include "dnncrit/rng.h"
#include "analysis/dp_internal.h"

#define MAX_SITES ((size_t)1 << 31)

dnc_dp_opts dnc_dp_opts_default(void)
{
    return (dnc_dp_opts){.model = DNC_DP_BOND_1D,
                         .p = DNC_DP_PC_BOND_1D,
                         .L = 1024,
                         .tmax = 1000,
                         .init = DNC_DP_FULL,
                         .samples = 16,
                         .runs = 1,
                         .per_decade = 40,
                         .seed = 1,
                         .quiet = true,
                         .impl = DNC_DP_IMPL_SCALAR};
}

static const char *const model_names[] = {"bond1d", "site1d", "bond2d", "meanfield"};

const char *dnc_dp_model_name(dnc_dp_model model)
{
    return (unsigned)model < 4 ? model_names[model] : "unknown";
}

dnc_status dnc_dp_model_parse(const char *s, dnc_dp_model *model)
{
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, model_names[i]) == 0) {
            *model = (dnc_dp_model)i;
            return DNC_OK;
        }
    return dnc_fail(DNC_EINVAL, "model: '%s' is not one of bond1d, site1d, bond2d, meanfield",
                    s ? s : "(null)");
}

static const char *const impl_names[] = {"scalar", "multispin"};

const char *dnc_dp_impl_name(dnc_dp_impl impl)
{
    return (unsigned)impl < 2 ? impl_names[impl] : "unknown";
}

dnc_status dnc_dp_impl_parse(const char *s, dnc_dp_impl *impl)
{
    for (int i = 0; i < 2; i++)
        if (s && strcmp(s, impl_names[i]) == 0) {
            *impl = (dnc_dp_impl)i;
            return DNC_OK;
        }
    return dnc_fail(DNC_EINVAL, "impl: '%s' is not one of scalar, multispin", s ? s : "(null)");
}

double dnc_dp_critical_p(dnc_dp_model model)
{
    switch (model) {
    case DNC_DP_BOND_1D: return DNC_DP_PC_BOND_1D;
    case DNC_DP_SITE_1D: return DNC_DP_PC_SITE_1D;
    case DNC_DP_BOND_2D: return DNC_DP_PC_BOND_2D;
    case DNC_DP_MEANFIELD: return DNC_DP_PC_MEANFIELD;
    }
    return NAN;
}

size_t dnc_dp_sites(dnc_dp_model model, size_t L)
{
    return model == DNC_DP_BOND_2D ? L * L : L;
}

dnc_status dnc_dp_validate(const dnc_dp_opts *o)
{
    if ((unsigned)o->model > DNC_DP_MEANFIELD)
        return dnc_fail(DNC_EINVAL, "model: unknown model %d", (int)o->model);
    if (o->impl != DNC_DP_IMPL_SCALAR && o->impl != DNC_DP_IMPL_MULTISPIN)
        return dnc_fail(DNC_EINVAL, "impl: unknown implementation %d", (int)o->impl);
    if (o->impl == DNC_DP_IMPL_MULTISPIN && o->model == DNC_DP_MEANFIELD)
        return dnc_fail(DNC_EUNSUPPORTED, "impl multispin: model meanfield has no lattice to "
                        "pack into words; use impl scalar");
    if (o->init != DNC_DP_FULL && o->init != DNC_DP_SEED)
        return dnc_fail(DNC_EINVAL, "init: unknown initial state %d", (int)o->init);
    double pmax = o->model == DNC_DP_MEANFIELD ? (double)o->L : 1.0;
    if (!(o->p >= 0.0 && o->p <= pmax))
        return dnc_fail(DNC_EINVAL, "p must be in [0, %g] for model %s, got %g", pmax,
                        dnc_dp_model_name(o->model), o->p);
    if (o->L < 2)
        return dnc_fail(DNC_EINVAL, "L must be >= 2, got %zu", o->L);
    if (o->model == DNC_DP_MEANFIELD ? o->L > 0xffffffffu
                                      : (o->L > MAX_SITES ||
                                         dnc_dp_sites(o->model, o->L) > MAX_SITES))
        return dnc_fail(DNC_EINVAL, "L = %zu is too large for model %s", o->L,
                        dnc_dp_model_name(o->model));
    if (o->tmax < 1 || o->tmax > 0x7fffffffu)
        return dnc_fail(DNC_EINVAL, "tmax must be in [1, 2^31), got %zu", o->tmax);
    if (o->samples < 1 || o->runs < 1)
        return dnc_fail(DNC_EINVAL, "samples and runs must be >= 1, got %zu and %zu", o->samples,
                        o->runs);
    if ((double)o->samples * (double)o->runs > 4294967295.0)
        return dnc_fail(DNC_EINVAL, "samples x runs = %g exceeds 2^32", 
                        (double)o->samples * (double)o->runs);
    if (o->per_decade > 10000)
        return dnc_fail(DNC_EINVAL, "per-decade must be <= 10000, got %zu", o->per_decade);
    return DNC_OK;
}

dnc_status dnc_dp_times(size_t tmax, size_t per_decade, double **t, size_t *n)
{
    size_t cap = per_decade ? 12 + per_decade * (size_t)(log10((double)tmax + 1.0) + 2.0) : tmax + 1;
    double *v = malloc(cap * sizeof *v);
    if (!v)
        return dnc_fail(DNC_ENOMEM, "recording times: out of memory");
    size_t k = 0;
    if (!per_decade) {
        for (size_t i = 0; i <= tmax; i++)
            v[k++] = (double)i;
    } else {
        for (size_t i = 0; i <= tmax && i <= 10; i++)
            v[k++] = (double)i;
        for (size_t j = 1; k < cap; j++) {
            double tj = round(10.0 * pow(10.0, (double)j / (double)per_decade));
            if (tj > (double)tmax)
                break;
            if (tj > v[k - 1])
                v[k++] = tj;
        }
        if (v[k - 1] < (double)tmax && k < cap)
            v[k++] = (double)tmax;
    }
    *t = v;
    *n = k;
    return DNC_OK;
}

/* ------------------------------------------------------------ lattices */

static void rule_thresholds(dp_lattice_rule *r, const dnc_dp_opts *o)
{
    double p = o->p;
    for (int n = 0; n <= 4; n++) {
        double pn;
        if (n == 0)
            pn = 0.0;
        else if (o->model == DNC_DP_SITE_1D)
            pn = p;
        else
            pn = -expm1((double)n * log1p(-p)); /* 1 - (1-p)^n, bond DP */
        if (p >= 1.0)
            pn = n ? 1.0 : 0.0;
        r->thr_one[n] = pn >= 1.0;
        r->thr[n] = (uint32_t)fmin(ldexp(pn, 32), 4294967295.0);
    }
}

/* One synchronous step of the unwrapped window x in [x0, x1], y in [y0, y1]
 * (each at most the lattice size). Returns the number of active sites. */
static size_t lattice_step(const dp_lattice_rule *r, uint32_t run, uint32_t t, const uint8_t *cur,
                           uint8_t *nxt, long x0, long x1, long y0, long y1)
{
    size_t Lx = r->Lx, Ly = r->Ly;
    size_t nbx = (Lx + 3) / 4;
    size_t active = 0;
    for (long yu = y0; yu <= y1; yu++) {
        size_t y = (size_t)(((yu % (long)Ly) + (long)Ly) % (long)Ly);
        size_t y2 = (y + 1) % Ly;
        const uint8_t *row = cur + y * Lx, *row2 = cur + y2 * Lx;
        uint8_t *out = nxt + y * Lx;
        uint32_t w[4];
        size_t cached = (size_t)-1;
        for (long xu = x0; xu <= x1; xu++) {
            size_t x = (size_t)(((xu % (long)Lx) + (long)Lx) % (long)Lx);
            size_t xr = x + 1 == Lx ? 0 : x + 1;
            unsigned n = (unsigned)row[x] + row[xr];
            if (r->two_d)
                n += (unsigned)row2[x] + row2[xr];
            uint8_t s = 0;
            if (n) {
                if (r->thr_one[n]) {
                    s = 1;
                } else {
                    size_t block = y * nbx + x / 4;
                    if (block != cached) {
                        dnc_philox(r->seed, DNC_STREAM_SIM, run, t, (uint32_t)block, w);
                        cached = block;
                    }
                    s = w[x & 3] < r->thr[n];
                }
            }
            out[x] = s;
            active += s;
        }
    }
    return active;
}

/* One lattice run; returns sites visited. */
static double lattice_run(const dp_lattice_rule *r, dp_accum *a, uint32_t run, size_t sample,
                          uint8_t *cur, uint8_t *nxt)
{
    const dnc_dp_opts *o = a->o;
    size_t sites = r->Lx * r->Ly;
    long x0, x1, y0, y1;
    size_t active;
    memset(nxt, 0, sites);
    if (o->init == DNC_DP_FULL) {
        memset(cur, 1, sites);
        active = sites;
        x0 = y0 = 0;
        x1 = (long)r->Lx - 1;
        y1 = (long)r->Ly - 1;
    } else {
        memset(cur, 0, sites);
        cur[0] = 1;
        active = 1;
        x0 = x1 = y0 = y1 = 0;
    }
    double visited = 0.0;
    size_t k = 0;
    dp_record(a, sample, k++, active);
    for (size_t t = 1; t <= o->tmax && active; t++) {
        /* Activity only moves to lower x, y: the window grows by one there. */
        if (x1 - x0 + 1 < (long)r->Lx)
            x0--;
        if (r->two_d && y1 - y0 + 1 < (long)r->Ly)
            y0--;
        active = lattice_step(r, run, (uint32_t)t, cur, nxt, x0, x1, y0, y1);
        visited += (double)(x1 - x0 + 1) * (double)(y1 - y0 + 1);
        uint8_t *tmp = cur;
        cur = nxt;
        nxt = tmp;
        if (k < a->ntimes && a->times[k] == (double)t)
            dp_record(a, sample, k++, active);
    }
    return visited;
}

/* ------------------------------------------------------------ mean field */

/* A gsl_rng whose words are the Philox sequence (seed, SIM, run, t, i), so
 * GSL's binomial sampler stays a pure function of the counters. */
typedef struct {
    uint64_t seed;
    uint32_t run, t, index;
    uint32_t w[4];
    int pos;
} philox_state;

static unsigned long philox_get(void *vs)
{
    philox_state *s = vs;
    if (s->pos == 4) {
        dnc_philox(s->seed, DNC_STREAM_SIM, s->run, s->t, s->index++, s->w);
        s->pos = 0;
    }
    return s->w[s->pos++];
}

static double philox_get_double(void *vs)
{
    uint64_t hi = philox_get(vs), lo = philox_get(vs);
    return (double)((hi << 21) ^ (lo >> 11)) * 0x1.0p-53;
}

static void philox_set(void *vs, unsigned long seed)
{
    (void)vs;
    (void)seed;
}

static const gsl_rng_type philox_type = {"dnc_philox", 0xffffffffUL, 0, sizeof(philox_state),
                                         philox_set, philox_get, philox_get_double};

static double meanfield_run(const dnc_dp_opts *o, dp_accum *a, uint32_t run, size_t sample)
{
    philox_state st = {.seed = o->seed, .run = run};
    gsl_rng r = {.type = &philox_type, .state = &st};
    double N = (double)o->L;
    unsigned long n = o->init == DNC_DP_FULL ? (unsigned long)o->L : 1;
    size_t k = 0;
    double visited = 0.0;
    dp_record(a, sample, k++, n);
    for (size_t t = 1; t <= o->tmax && n; t++) {
        st.t = (uint32_t)t;
        st.index = 0;
        st.pos = 4;
        double prob = -expm1((double)n * log1p(-o->p / N));
        n = gsl_ran_binomial(&r, fmin(prob, 1.0), (unsigned)o->L);
        visited += N;
        if (k < a->ntimes && a->times[k] == (double)t)
            dp_record(a, sample, k++, n);
    }
    return visited;
}

/* ------------------------------------------------------------ driver */

static dnc_status alloc_result(dnc_dp_result *res, size_t samples, size_t ntimes)
{
    size_t n = samples * ntimes;
    res->samples = samples;
    res->rho = calloc(n, sizeof(double));
    res->surv = calloc(n, sizeof(double));
    res->nact = calloc(n, sizeof(double));
    if (!res->rho || !res->surv || !res->nact)
        return dnc_fail(DNC_ENOMEM, "dp: out of memory for %zu x %zu results", samples, ntimes);
    return DNC_OK;
}

static void finish_result(dnc_dp_result *res, const dnc_dp_opts *o, const dp_accum *a)
{
    double sites = (double)dnc_dp_sites(o->model, o->L);
    for (size_t i = 0; i < o->samples * a->ntimes; i++) {
        res->nact[i] = (double)a->count[i] / (double)o->runs;
        res->rho[i] = res->nact[i] / sites;
        res->surv[i] = (double)a->alive[i] / (double)o->runs;
    }
}

dnc_status dnc_dp_run(const dnc_dp_opts *o, dnc_dp_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_dp_validate(o);
    if (st)
        return st;
    if ((st = dnc_dp_times(o->tmax, o->per_decade, &res->t, &res->ntimes)))
        return st;
    if ((st = alloc_result(res, o->samples, res->ntimes))) {
        dnc_dp_result_free(res);
        return st;
    }
    dp_accum a = {.o = o, .times = res->t, .ntimes = res->ntimes};
    a.count = calloc(o->samples * res->ntimes, sizeof *a.count);
    a.alive = calloc(o->samples * res->ntimes, sizeof *a.alive);
    if (!a.count || !a.alive) {
        free(a.count);
        free(a.alive);
        dnc_dp_result_free(res);
        return dnc_fail(DNC_ENOMEM, "dp: out of memory");
    }
    dp_lattice_rule rule = {.Lx = o->L, .Ly = o->model == DNC_DP_BOND_2D ? o->L : 1,
                         .two_d = o->model == DNC_DP_BOND_2D, .seed = o->seed};
    rule_thresholds(&rule, o);
    size_t total = o->samples * o->runs, sites = rule.Lx * rule.Ly;
    int multispin = o->impl == DNC_DP_IMPL_MULTISPIN;
    double t0 = dnc_wall_time(), visited = 0.0;
    int failed = 0;
    size_t done = 0;
    dnc_progress prog;
    dnc_progress_start(&prog, "dp", total, o->quiet);
#pragma omp parallel reduction(+ : visited)
    {
        uint8_t *cur = NULL, *nxt = NULL;
        size_t bytes = multispin ? dnc_dp_multispin_words(&rule) * sizeof(uint64_t) : sites;
        if (o->model != DNC_DP_MEANFIELD) {
            cur = malloc(bytes);
            nxt = malloc(bytes);
            if (!cur || !nxt) {
#pragma omp atomic write
                failed = 1;
            }
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < total; i++) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop)
                continue;
            size_t sample = i / o->runs;
            if (o->model == DNC_DP_MEANFIELD)
                visited += meanfield_run(o, &a, (uint32_t)i, sample);
            else if (multispin)
                visited += dnc_dp_multispin_run(&rule, &a, (uint32_t)i, sample, (uint64_t *)cur,
                                                (uint64_t *)nxt);
            else
                visited += lattice_run(&rule, &a, (uint32_t)i, sample, cur, nxt);
#pragma omp atomic
            done++;
            if (omp_get_thread_num() == 0)
                dnc_progress_update(&prog, done);
        }
        free(cur);
        free(nxt);
    }
    dnc_progress_finish(&prog);
    if (failed) {
        free(a.count);
        free(a.alive);
        dnc_dp_result_free(res);
        return dnc_fail(DNC_ENOMEM, "dp: out of memory for a lattice of %zu sites", sites);
    }
    finish_result(res, o, &a);
    free(a.count);
    free(a.alive);
    res->site_updates = visited;
    res->seconds = dnc_wall_time() - t0;
    return DNC_OK;
}

void dnc_dp_result_free(dnc_dp_result *res)
{
    free(res->t);
    free(res->rho);
    free(res->surv);
    free(res->nact);
    memset(res, 0, sizeof *res);
}
