/* Full-start and seed-start protocols on CNNs and DP lattices, and their
 * analysis through the estimators of scaling.h (dnncrit/spreading.h). */
#include "dnncrit/spreading.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

dnc_spread_system dnc_spread_system_default(dnc_spread_kind kind)
{
    dnc_spread_system s = {.kind = kind,
                           .cnn = dnc_cnn_opts_default(),
                           .dp = dnc_dp_opts_default(),
                           .samples = 16,
                           .per_decade = 12,
                           .growth_tmin = 10,
                           .full = true,
                           .seed = true};
    s.dp.model = DNC_DP_BOND_1D;
    s.dp.L = 256;
    s.dp.tmax = 1000;
    s.dp.runs = 100;
    s.dp.quiet = true;
    return s;
}

dnc_status dnc_spread_validate(const dnc_spread_system *sys)
{
    if (!sys)
        return dnc_fail(DNC_EINVAL, "spreading: no system");
    if (sys->kind != DNC_SPREAD_CNN && sys->kind != DNC_SPREAD_DP)
        return dnc_fail(DNC_EINVAL, "spreading: unknown system kind %d", (int)sys->kind);
    if (sys->samples < 2)
        return dnc_fail(DNC_EINVAL, "spreading: need >= 2 samples for error bars, got %zu",
                        sys->samples);
    if (!sys->full && !sys->seed)
        return dnc_fail(DNC_EINVAL, "spreading: neither protocol selected");
    if (!(sys->growth_tmin >= 0) || !isfinite(sys->growth_tmin))
        return dnc_fail(DNC_EINVAL, "spreading: growth tmin must be finite and >= 0, got %g",
                        sys->growth_tmin);
    if (sys->kind == DNC_SPREAD_CNN) {
        if (sys->cnn.net.depth < 2)
            return dnc_fail(DNC_EINVAL, "spreading: CNN depth must be >= 2, got %zu",
                            sys->cnn.net.depth);
        if (sys->cnn.batch < 2)
            return dnc_fail(DNC_EINVAL, "spreading: CNN batch must be >= 2 (rho needs a pair), "
                            "got %zu", sys->cnn.batch);
        if (sys->cnn.inputs)
            return dnc_fail(DNC_EINVAL, "spreading: the protocols generate their own inputs");
        return dnc_cnn_opts_validate(&sys->cnn);
    }
    dnc_dp_opts d = sys->dp;
    d.samples = sys->samples;
    if (d.tmax < 2)
        return dnc_fail(DNC_EINVAL, "spreading: DP tmax must be >= 2, got %zu", d.tmax);
    return dnc_dp_validate(&d);
}

void dnc_spread_point_free(dnc_spread_point *pt)
{
    if (!pt)
        return;
    dnc_series_free(&pt->density);
    dnc_series_free(&pt->mass);
    dnc_series_free(&pt->survival);
    memset(pt, 0, sizeof *pt);
}

/* ---------------------------------------------------------------- growth */

dnc_status dnc_growth_stats(const double *y, size_t ns, size_t nt, size_t t0, size_t t1,
                            dnc_estimate *mean, dnc_estimate *var)
{
    if (!y || !ns || nt < 2 || !mean || !var)
        return dnc_fail(DNC_EINVAL, "growth statistics: empty series (%zu samples, %zu steps)",
                        ns, nt);
    if (t1 == 0 || t1 > nt - 1)
        t1 = nt - 1;
    if (t0 >= t1)
        return dnc_fail(DNC_EINVAL, "growth statistics: window [%zu, %zu) holds no step", t0, t1);
    double sum_m = 0, sum_v = 0, sum_v2 = 0;
    size_t used = 0, nsteps = 0;
    for (size_t i = 0; i < ns; i++) {
        const double *yi = y + i * nt;
        double s1 = 0, s2 = 0, ref = NAN;
        size_t n = 0;
        for (size_t k = t0; k < t1; k++) {
            if (!(yi[k] > 0) || !(yi[k + 1] > 0) || !isfinite(yi[k]) || !isfinite(yi[k + 1]))
                break;
            double g = log(yi[k + 1] / yi[k]);
            if (n == 0)
                ref = g; /* shifted sums: no cancellation when the mean is large */
            s1 += g - ref;
            s2 += (g - ref) * (g - ref);
            n++;
        }
        if (n < 3)
            continue;
        double m = s1 / (double)n;
        double v = (s2 - (double)n * m * m) / (double)(n - 1);
        sum_m += (ref + m) * (double)n;
        nsteps += n;
        sum_v += v;
        sum_v2 += v * v;
        used++;
    }
    if (!used)
        return dnc_fail(DNC_EINVAL, "growth statistics: no sample has 3 positive steps in the "
                        "window [%zu, %zu)", t0, t1);
    mean->value = sum_m / (double)nsteps;
    double vm = sum_v / (double)used;
    var->value = vm;
    if (used >= 2) {
        double sv = (sum_v2 - (double)used * vm * vm) / (double)(used - 1);
        var->error = sqrt((sv > 0 ? sv : 0) / (double)used);
    } else {
        var->error = vm * sqrt(2.0 / (double)(nsteps - 1));
    }
    mean->error = sqrt(vm / (double)nsteps);
    return DNC_OK;
}

/* ---------------------------------------------------------------- simulation */

/* The recording times >= 1 of dnc_dp_times. */
static dnc_status spread_times(size_t tmax, size_t per_decade, double **t, size_t *n)
{
    double *all;
    size_t na;
    dnc_status st = dnc_dp_times(tmax, per_decade, &all, &na);
    if (st)
        return st;
    size_t k0 = 0;
    while (k0 < na && all[k0] < 1)
        k0++;
    *n = na - k0;
    memmove(all, all + k0, *n * sizeof *all);
    *t = all;
    return DNC_OK;
}

static dnc_status series_on_times(dnc_series *s, const double *t, size_t nt, size_t ns,
                                  double param, double size)
{
    dnc_status st = dnc_series_alloc(s, nt, ns, false);
    if (st)
        return st;
    memcpy(s->t, t, nt * sizeof *t);
    s->param = param;
    s->size = size;
    return DNC_OK;
}

/* per-step values y[ns x (steps)] for t = 1..steps sampled on the recording times */
static void sample_steps(dnc_series *s, const double *y, size_t steps)
{
    for (size_t i = 0; i < s->ns; i++)
        for (size_t k = 0; k < s->nt; k++)
            s->y[i * s->nt + k] = y[i * steps + (size_t)s->t[k] - 1];
}

static dnc_status cnn_protocol(const dnc_spread_system *sys, double param, bool seed_start,
                               const double *t, size_t nt, dnc_spread_point *pt)
{
    dnc_cnn_opts base = sys->cnn;
    if (seed_start) {
        size_t r = (base.net.kernel - 1) / 2, X = sys->seed_size ? sys->seed_size : base.net.size_x;
        base.net.size_x = X;
        if (base.net.dims == 2)
            base.net.size_y = X;
        size_t cap = r ? X / (2 * r) : base.net.depth;
        if (base.net.depth > cap)
            base.net.depth = cap;
        if (base.net.depth < 2)
            return dnc_fail(DNC_EINVAL, "spreading: seed lattice %zu allows fewer than 2 layers "
                            "inside the light cone", X);
        size_t keep = 0;
        while (keep < nt && t[keep] <= (double)base.net.depth)
            keep++;
        nt = keep;
    }
    size_t L = base.net.depth, ns = sys->samples, S = dnc_cnn_sites(&base.net);
    double *a = malloc(ns * L * sizeof *a), *b = NULL;
    if (seed_start)
        b = malloc(ns * L * sizeof *b);
    if (!a || (seed_start && !b)) {
        free(a);
        free(b);
        return dnc_fail(DNC_ENOMEM, "spreading: out of memory for %zu x %zu layers", ns, L);
    }
    dnc_status st = DNC_OK;
    for (size_t i = 0; i < ns && !st; i++) {
        dnc_cnn_opts o = base;
        o.net.sigma_w = param;
        o.net.seed = sys->cnn.net.seed + i;
        o.input_c = 0;
        o.perturb_width = seed_start ? 1 : 0;
        dnc_cnn_result r;
        if ((st = dnc_cnn_propagate(&o, &r)))
            break;
        pt->seconds += r.seconds;
        for (size_t l = 0; l < L; l++) {
            double act = r.active[l] * (double)S;
            double dens = sys->active_density ? r.active[l] : r.rho[l];
            if (seed_start) {
                a[i * L + l] = sys->active_density ? act : r.rho[l] * (double)S;
                b[i * L + l] = act > 0.5 ? 1.0 : 0.0;
            } else {
                a[i * L + l] = dens;
            }
        }
        dnc_cnn_result_free(&r);
    }
    if (!st && !seed_start) {
        size_t t0 = (size_t)ceil(sys->growth_tmin);
        st = series_on_times(&pt->density, t, nt, ns, param, (double)sys->cnn.net.size_x);
        if (!st) {
            sample_steps(&pt->density, a, L);
            st = dnc_growth_stats(a, ns, L, t0 > 0 ? t0 - 1 : 0, 0, &pt->growth_mean,
                                  &pt->growth_var);
        }
    } else if (!st) {
        double X = (double)base.net.size_x;
        if (!(st = series_on_times(&pt->mass, t, nt, ns, param, X)) &&
            !(st = series_on_times(&pt->survival, t, nt, ns, param, X))) {
            sample_steps(&pt->mass, a, L);
            sample_steps(&pt->survival, b, L);
        }
    }
    free(a);
    free(b);
    return st;
}

static dnc_status dp_protocol(const dnc_spread_system *sys, double param, bool seed_start,
                              const double *t, size_t nt, dnc_spread_point *pt)
{
    dnc_dp_opts o = sys->dp;
    o.p = param;
    o.samples = sys->samples;
    o.quiet = true;
    o.init = seed_start ? DNC_DP_SEED : DNC_DP_FULL;
    o.per_decade = 0; /* every step: growth statistics, then sampled */
    if (!seed_start)
        o.runs = 1;   /* one lattice per sample: g(t) of a single system */
    else
        o.seed = sys->dp.seed + 0x5eedULL;
    dnc_dp_result r;
    dnc_status st = dnc_dp_run(&o, &r);
    if (st)
        return st;
    pt->seconds += r.seconds;
    size_t ns = sys->samples; /* r.t = 0..tmax, every step */
    double X = (double)sys->dp.L;
    if (!seed_start) {
        size_t t0 = (size_t)ceil(sys->growth_tmin);
        if (!(st = series_on_times(&pt->density, t, nt, ns, param, X))) {
            for (size_t i = 0; i < ns; i++)
                for (size_t k = 0; k < nt; k++)
                    pt->density.y[i * nt + k] = r.rho[i * r.ntimes + (size_t)t[k]];
            st = dnc_growth_stats(r.rho, ns, r.ntimes, t0, 0, &pt->growth_mean, &pt->growth_var);
            if (st) { /* every lattice died before 3 steps: no growth statistics */
                dnc_clear_error();
                st = DNC_OK;
                pt->growth_mean = pt->growth_var = (dnc_estimate){NAN, NAN};
            }
        }
    } else if (!(st = series_on_times(&pt->mass, t, nt, ns, param, X)) &&
               !(st = series_on_times(&pt->survival, t, nt, ns, param, X))) {
        for (size_t i = 0; i < ns; i++)
            for (size_t k = 0; k < nt; k++) {
                pt->mass.y[i * nt + k] = r.nact[i * r.ntimes + (size_t)t[k]];
                pt->survival.y[i * nt + k] = r.surv[i * r.ntimes + (size_t)t[k]];
            }
    }
    dnc_dp_result_free(&r);
    return st;
}

dnc_status dnc_spread_simulate(const dnc_spread_system *sys, double param, dnc_spread_point *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->param = param;
    pt->growth_mean = pt->growth_var = (dnc_estimate){NAN, NAN};
    dnc_status st = dnc_spread_validate(sys);
    if (st)
        return st;
    if (!isfinite(param) || param <= 0)
        return dnc_fail(DNC_EINVAL, "spreading: parameter must be a finite number > 0, got %g",
                        param);
    size_t tmax = sys->kind == DNC_SPREAD_CNN ? sys->cnn.net.depth : sys->dp.tmax;
    double *t;
    size_t nt;
    if ((st = spread_times(tmax, sys->per_decade, &t, &nt)))
        return st;
    for (int proto = 0; proto < 2 && !st; proto++) {
        bool seed_start = proto == 1;
        if (seed_start ? !sys->seed : !sys->full)
            continue;
        st = sys->kind == DNC_SPREAD_CNN ? cnn_protocol(sys, param, seed_start, t, nt, pt)
                                         : dp_protocol(sys, param, seed_start, t, nt, pt);
    }
    free(t);
    if (st)
        dnc_spread_point_free(pt);
    return st;
}

/* ---------------------------------------------------------------- analysis */

dnc_spread_opts dnc_spread_opts_default(void)
{
    return (dnc_spread_opts){.decay = dnc_decay_opts_default(), .late_tmin = 0, .at_param = NAN};
}

dnc_estimate dnc_decay_quoted(const dnc_decay_result *r, double sign)
{
    dnc_estimate q = r->quote_inf ? r->delta_inf : r->delta;
    return (dnc_estimate){sign * q.value, hypot(q.error, r->systematic)};
}

void dnc_spread_analysis_free(dnc_spread_analysis *a)
{
    if (!a)
        return;
    free(a->param);
    free(a->theta_late);
    free(a->theta_late_err);
    free(a->curv_full);
    free(a->curv_full_err);
    free(a->curv_seed);
    free(a->curv_seed_err);
    free(a->delta_all);
    free(a->delta_prime_all);
    free(a->theta_all);
    memset(a, 0, sizeof *a);
}

static dnc_status quoted_fit(const dnc_series *s, const dnc_decay_opts *o, double sign,
                             dnc_estimate *out)
{
    dnc_decay_result r;
    dnc_status st = dnc_decay_fit(s, o, &r);
    if (st)
        return st;
    *out = dnc_decay_quoted(&r, sign);
    dnc_decay_result_free(&r);
    return DNC_OK;
}

/* critical point over one protocol's series; its curvatures into cv/ce */
static dnc_status protocol_critical(const dnc_spread_point *pts, size_t n, size_t which,
                                    const dnc_decay_opts *o, dnc_estimate *pc, double *cv,
                                    double *ce, double *bracket)
{
    dnc_series *s = malloc(n * sizeof *s);
    if (!s)
        return dnc_fail(DNC_ENOMEM, "spreading analysis: out of memory");
    for (size_t i = 0; i < n; i++)
        s[i] = which == 0 ? pts[i].density : pts[i].mass; /* shallow copies */
    dnc_critical_result r;
    dnc_status st = dnc_critical_point(s, n, o, &r);
    free(s);
    if (st)
        return st;
    *pc = r.critical;
    bracket[0] = bracket[1] = NAN;
    if (r.bracket != (size_t)-1) { /* r.bracket indexes the series sorted by parameter */
        double lo = NAN, hi = NAN;
        for (size_t k = 0; k < n; k++) { /* the bracket-th and next smallest parameters */
            double v = pts[k].param;
            size_t below = 0;
            for (size_t j = 0; j < n; j++)
                below += pts[j].param < v;
            if (below == r.bracket)
                lo = v;
            if (below == r.bracket + 1)
                hi = v;
        }
        bracket[0] = lo;
        bracket[1] = hi;
    }
    memcpy(cv, r.curvature, n * sizeof *cv);
    memcpy(ce, r.curvature_err, n * sizeof *ce);
    dnc_critical_result_free(&r);
    return DNC_OK;
}

/* P(l) constant over the window (e.g. every network survives): the
 * bootstrap gives 0; the resolution of ns samples bounds the decay by one
 * sample lost over the window's decades */
static void survival_floor(const dnc_spread_point *p, const dnc_decay_opts *o, dnc_estimate *d)
{
    if (!isfinite(d->value) || d->error > 0)
        return;
    double t0 = o->tmin > p->survival.t[0] ? o->tmin : p->survival.t[0];
    double t1 = o->tmax > 0 ? o->tmax : p->survival.t[p->survival.nt - 1];
    if (t1 > t0)
        d->error = -log1p(-1.0 / (double)p->survival.ns) / log(t1 / t0);
}

dnc_status dnc_spread_analyze(const dnc_spread_point *pts, size_t n, const dnc_spread_opts *o,
                              dnc_spread_analysis *a)
{
    memset(a, 0, sizeof *a);
    if (!pts || n < 2)
        return dnc_fail(DNC_EINVAL, "spreading analysis: need >= 2 parameter values, got %zu", n);
    if (!o || !(o->late_tmin >= 0) || !isfinite(o->late_tmin))
        return dnc_fail(DNC_EINVAL, "spreading analysis: late window start must be finite and "
                        ">= 0");
    for (size_t i = 0; i < n; i++)
        if (!pts[i].density.nt || !pts[i].mass.nt || !pts[i].survival.nt)
            return dnc_fail(DNC_EINVAL, "spreading analysis: point %zu (parameter %g) lacks a "
                            "protocol (both full and seed start are needed)", i, pts[i].param);
    a->n = n;
    double **arr[] = {&a->param, &a->theta_late, &a->theta_late_err, &a->curv_full,
                      &a->curv_full_err, &a->curv_seed, &a->curv_seed_err};
    for (size_t k = 0; k < sizeof arr / sizeof arr[0]; k++)
        if (!(*arr[k] = calloc(n, sizeof(double)))) {
            dnc_spread_analysis_free(a);
            return dnc_fail(DNC_ENOMEM, "spreading analysis: out of memory");
        }
    a->delta_all = calloc(n, sizeof *a->delta_all);
    a->delta_prime_all = calloc(n, sizeof *a->delta_prime_all);
    a->theta_all = calloc(n, sizeof *a->theta_all);
    if (!a->delta_all || !a->delta_prime_all || !a->theta_all) {
        dnc_spread_analysis_free(a);
        return dnc_fail(DNC_ENOMEM, "spreading analysis: out of memory");
    }
    dnc_status st;
    if ((st = protocol_critical(pts, n, 0, &o->decay, &a->pc_full, a->curv_full,
                                a->curv_full_err, a->bracket_full)) ||
        (st = protocol_critical(pts, n, 1, &o->decay, &a->pc_spread, a->curv_seed,
                                a->curv_seed_err, a->bracket_spread)))
        goto fail;
    a->pc_sigma = fabs(a->pc_full.value - a->pc_spread.value) /
                  hypot(a->pc_full.error, a->pc_spread.error);
    a->at = n / 2;
    double target = o->at_param, wsum = 0, wx = 0;
    const dnc_estimate *pcs[2] = {&a->pc_full, &a->pc_spread};
    for (int k = 0; k < 2 && !isfinite(target); k++)
        if (isfinite(pcs[k]->value) && pcs[k]->error > 0) {
            double w = 1.0 / (pcs[k]->error * pcs[k]->error);
            wsum += w;
            wx += w * pcs[k]->value;
        }
    if (!isfinite(target) && wsum > 0)
        target = wx / wsum;
    a->at_target = target;
    if (isfinite(target)) {
        double best = INFINITY;
        for (size_t i = 0; i < n; i++)
            if (fabs(pts[i].param - target) < best) {
                best = fabs(pts[i].param - target);
                a->at = i;
            }
    }
    const dnc_spread_point *p = &pts[a->at];
    if ((st = quoted_fit(&p->density, &o->decay, 1, &a->delta)) ||
        (st = quoted_fit(&p->survival, &o->decay, 1, &a->delta_prime)) ||
        (st = quoted_fit(&p->mass, &o->decay, -1, &a->theta)))
        goto fail;
    survival_floor(p, &o->decay, &a->delta_prime);
    a->rapidity_sigma = fabs(a->delta.value - a->delta_prime.value) /
                        hypot(a->delta.error, a->delta_prime.error);
    a->growth_var = p->growth_var;
    for (size_t i = 0; i < n; i++) {
        const dnc_series *ser[3] = {&pts[i].density, &pts[i].survival, &pts[i].mass};
        dnc_estimate *dst[3] = {&a->delta_all[i], &a->delta_prime_all[i], &a->theta_all[i]};
        for (int k = 0; k < 3; k++)
            if (quoted_fit(ser[k], &o->decay, k == 2 ? -1 : 1, dst[k])) {
                dnc_clear_error(); /* e.g. N = 0 over the window below p_c */
                *dst[k] = (dnc_estimate){NAN, NAN};
            }
        survival_floor(&pts[i], &o->decay, &a->delta_prime_all[i]);
    }
    for (size_t i = 0; i < n; i++) {
        dnc_decay_opts late = o->decay;
        double end = pts[i].mass.t[pts[i].mass.nt - 1];
        late.tmin = o->late_tmin > 0 ? o->late_tmin : end / 4;
        late.tmax = 0;
        dnc_decay_result r;
        a->param[i] = pts[i].param;
        if ((st = dnc_decay_fit(&pts[i].mass, &late, &r))) {
            dnc_clear_error(); /* too few points (e.g. N = 0 late): no effective exponent */
            st = DNC_OK;
            a->theta_late[i] = a->theta_late_err[i] = NAN;
            continue;
        }
        a->theta_late[i] = -r.delta.value; /* the plain local slope of the late window */
        a->theta_late_err[i] = r.delta.error;
        dnc_decay_result_free(&r);
    }
    return DNC_OK;
fail:
    dnc_spread_analysis_free(a);
    return st;
}

/* ---------------------------------------------------------------- collapse */

dnc_status dnc_spread_collapse_class(const dnc_series *s, size_t n, const dnc_collapse_opts *o,
                                     const char *uclass, int dims, double *S, size_t *overlap)
{
    if (!uclass || (dims != 1 && dims != 2 && dims != 3))
        return dnc_fail(DNC_EINVAL, "collapse: need a class name and dims 1..3 (got %d)", dims);
    double a = NAN, b = NAN;
    if (strcmp(uclass, "mean field") == 0) {
        a = b = 0.5 * dims; /* N^-1/2 f(t / N^1/2), N = X^d sites */
    } else {
        const dnc_uclass *tab;
        size_t nc = dnc_uclass_table(&tab);
        for (size_t i = 0; i < nc; i++)
            if (strcmp(tab[i].name, uclass) == 0) {
                a = tab[i].value[DNC_EXP_BETA] / tab[i].value[DNC_EXP_NU_PERP];
                b = tab[i].value[DNC_EXP_Z];
            }
    }
    if (!isfinite(a) || !isfinite(b))
        return dnc_fail(DNC_EINVAL, "collapse: class '%s' predicts no beta/nu_perp and z", uclass);
    return dnc_collapse_quality(s, n, o, a, b, S, overlap);
}
