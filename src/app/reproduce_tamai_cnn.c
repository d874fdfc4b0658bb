/* Tamai et al. (2025), CNN claims: the spreading study and its verdict
 * (reproduce_tamai_cnn.h). */
#include "app/reproduce_tamai_cnn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/plot.h"

static const dnc_uclass *find_class(const char *name)
{
    const dnc_uclass *tab;
    size_t n = dnc_uclass_table(&tab);
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].name, name) == 0)
            return &tab[i];
    return NULL;
}

/* An estimate without a positive error comes from a series that did not
 * move (e.g. an active density stuck at 1): not a measurement, NAN. */
static double zdiff(dnc_estimate m, double v, double e)
{
    if (!(m.error > 0))
        return NAN;
    return fabs(m.value - v) / hypot(m.error, e);
}

dnc_verdict dnc_spread_verdict(const dnc_spread_analysis *a, const char *cls, double collapse_S,
                               char *why, size_t nwhy, int *decide)
{
    const dnc_uclass *c = cls ? find_class(cls) : NULL;
    if (!c || !a) {
        if (why && nwhy)
            snprintf(why, nwhy, "unknown class '%s'", cls ? cls : "(null)");
        return DNC_VERDICT_INCONCLUSIVE;
    }
    double z[4] = {zdiff(a->delta, c->value[DNC_EXP_DELTA], c->error[DNC_EXP_DELTA]),
                   zdiff(a->delta_prime, c->value[DNC_EXP_DELTA], c->error[DNC_EXP_DELTA]),
                   zdiff(a->theta, c->value[DNC_EXP_THETA], c->error[DNC_EXP_THETA]),
                   a->pc_sigma};
    int worst = 0;
    bool any_nan = false, over3 = false, all2 = true;
    for (int k = 0; k < 4; k++) {
        if (!isfinite(z[k])) {
            any_nan = true;
            all2 = false;
            continue;
        }
        if (!isfinite(z[worst]) || z[k] > z[worst])
            worst = k;
        over3 |= z[k] > 3;
        all2 &= z[k] <= 2;
    }
    bool one_pc = isfinite(a->pc_full.value) != isfinite(a->pc_spread.value);
    bool collapse_ok = !isfinite(collapse_S) || collapse_S <= 3;
    dnc_verdict v;
    const char *reason;
    if (over3 || one_pc) {
        v = DNC_VERDICT_NOT_SUPPORTED;
        reason = over3 ? "an exponent or the critical-point difference is > 3 sigma from the class"
                       : "one protocol has a critical point in the grid, the other none";
    } else if (all2 && collapse_ok) {
        v = DNC_VERDICT_SUPPORTED;
        reason = "delta, delta', theta within 2 sigma, one critical point, collapse acceptable";
    } else {
        v = DNC_VERDICT_INCONCLUSIVE;
        reason = any_nan ? "a quantity could not be measured (no critical point in the grid?)"
                         : (!collapse_ok ? "the class collapse is poor (S > 3)"
                                         : "some z between 2 and 3");
    }
    if (decide)
        *decide = worst;
    if (why && nwhy)
        snprintf(why, nwhy,
                 "%s: z(delta) = %.2f, z(delta') = %.2f, z(theta) = %.2f, z(pc) = %.2f, "
                 "collapse S = %.3g; DP if all <= 2 and S <= 3, not DP if any > 3",
                 reason, z[0], z[1], z[2], z[3], collapse_S);
    return v;
}

/* y = A t^slope through (t0, y0), over [t0, t1] */
static dnc_status ref_line(dnc_plot_panel *p, const char *label, double t0, double y0, double t1,
                           double slope)
{
    double x[2] = {t0, t1}, y[2] = {y0, y0 * pow(t1 / t0, slope)};
    return dnc_panel_add_series(p, label, DNC_STYLE_DASHED, x, y, NULL, 2);
}

static dnc_status add_curve(dnc_plot_panel *p, const char *label, const dnc_series *s,
                            const char *rlabel, double tmin, double slope)
{
    if (!s->nt)
        return DNC_OK;
    double *m = malloc(s->nt * sizeof *m), *e = malloc(s->nt * sizeof *e);
    dnc_status st = m && e ? dnc_series_mean(s, m, e)
                           : dnc_fail(DNC_ENOMEM, "figure: out of memory");
    if (!st)
        st = dnc_panel_add_series(p, label, DNC_STYLE_ERRORBARS, s->t, m, e, s->nt);
    size_t k0 = 0;
    while (k0 + 1 < s->nt && s->t[k0] < tmin)
        k0++;
    if (!st && m[k0] > 0 && isfinite(slope))
        st = ref_line(p, rlabel, s->t[k0], m[k0], s->t[s->nt - 1], slope);
    free(m);
    free(e);
    return st;
}

dnc_status dnc_spread_figure(const dnc_spread_point *pt, const char *cls, double tmin,
                             const char *title, const char *path)
{
    const dnc_uclass *c = find_class(cls);
    if (!c)
        return dnc_fail(DNC_EINVAL, "figure: unknown class '%s'", cls ? cls : "(null)");
    double d = c->value[DNC_EXP_DELTA], th = c->value[DNC_EXP_THETA];
    dnc_figure *fig = dnc_figure_new(title);
    if (!fig)
        return dnc_fail(DNC_ENOMEM, "figure: out of memory");
    dnc_status st = DNC_OK;
    char lab[96];
    dnc_plot_panel *p1 = dnc_figure_add_panel(fig, "seed start", "layer ℓ", "N(ℓ), P(ℓ)");
    dnc_plot_panel *p2 = dnc_figure_add_panel(fig, "full start", "layer ℓ", "ρ(ℓ)");
    if (!p1 || !p2)
        st = dnc_fail(DNC_ENOMEM, "figure: out of memory");
    if (!st) {
        p1->logx = p1->logy = p2->logx = p2->logy = true;
        snprintf(lab, sizeof lab, "%s: ℓ^{%.3f}", cls, th);
        st = add_curve(p1, "N(ℓ)", &pt->mass, lab, tmin, th);
    }
    if (!st) {
        snprintf(lab, sizeof lab, "%s: ℓ^{-%.3f}", cls, d);
        st = add_curve(p1, "P(ℓ)", &pt->survival, lab, tmin, -d);
    }
    if (!st)
        st = add_curve(p2, "ρ(ℓ)", &pt->density, lab, tmin, -d);
    if (!st)
        st = dnc_figure_render(fig, path, DNC_PLOT_PNG);
    dnc_figure_free(fig);
    return st;
}

/* ---------------------------------------------------------------- the claims */

typedef struct {
    int dims;
    const char *cls;
    size_t C, X, seed_X, depth, samples;
    double tmin;
    const double *grid;
    size_t ngrid;
    const char *figure;
} cnn_claim_setup;

static dnc_status run_claim(const dnc_reproduce_opts *o, const cnn_claim_setup *cs,
                            dnc_claim *out)
{
    dnc_spread_system sys = dnc_spread_system_default(DNC_SPREAD_CNN);
    sys.cnn.net.dims = cs->dims;
    sys.cnn.net.channels = cs->C;
    sys.cnn.net.kernel = 3;
    sys.cnn.net.size_x = cs->X;
    sys.cnn.net.size_y = cs->X;
    sys.cnn.net.depth = cs->depth;
    sys.cnn.net.sigma_b = 0.3;
    sys.cnn.net.activation = DNC_ACT_TANH;
    sys.cnn.net.seed = o->seed ? o->seed : 1;
    sys.samples = cs->samples;
    sys.seed_size = cs->seed_X;
    dnc_spread_opts so = dnc_spread_opts_default();
    so.decay.tmin = cs->tmin;
    so.decay.nboot = 200;
    so.decay.seed = sys.cnn.net.seed;
    dnc_spread_point *pts = calloc(cs->ngrid, sizeof *pts);
    if (!pts)
        return dnc_fail(DNC_ENOMEM, "claim: out of memory");
    dnc_status st = DNC_OK;
    for (size_t i = 0; i < cs->ngrid && !st; i++) {
        if (!o->quiet)
            fprintf(stderr, "  tamai %dD CNN: sigma_w = %g (%zu/%zu)\n", cs->dims, cs->grid[i],
                    i + 1, cs->ngrid);
        st = dnc_spread_simulate(&sys, cs->grid[i], &pts[i]);
    }
    dnc_spread_analysis a;
    memset(&a, 0, sizeof a);
    if (!st)
        st = dnc_spread_analyze(pts, cs->ngrid, &so, &a);
    if (!st) {
        memset(out, 0, sizeof *out);
        snprintf(out->claim, sizeof out->claim, "CNN %dD class", cs->dims);
        const dnc_uclass *c = find_class(cs->cls);
        snprintf(out->paper, sizeof out->paper,
                 "random %dD CNNs belong to %s (delta = delta' = %.4g, theta = %.4g, one "
                 "critical point for both protocols)",
                 cs->dims, cs->cls, c->value[DNC_EXP_DELTA], c->value[DNC_EXP_THETA]);
        char why[256];
        int decide = 0;
        dnc_verdict v = dnc_spread_verdict(&a, cs->cls, NAN, why, sizeof why, &decide);
        /* the number shown: the exponent that deviates most from the class */
        dnc_estimate m = decide == 0 ? a.delta : decide == 1 ? a.delta_prime : a.theta;
        int k = decide == 2 ? DNC_EXP_THETA : DNC_EXP_DELTA;
        const dnc_uclass *mf = find_class("mean field");
        if (decide == 3) { /* the critical points decide: show delta' */
            m = a.delta_prime;
            k = DNC_EXP_DELTA;
        }
        /* + 0.0: a survival that never fell gives -0, shown as 0 */
        dnc_claim_judge(out, m.value + 0.0, hypot(m.error, c->error[k]), c->value[k],
                        mf->value[k]);
        out->verdict = v;
        snprintf(out->rule, sizeof out->rule, "%s", why);
        char lat[64], seedlat[64];
        snprintf(lat, sizeof lat, cs->dims == 2 ? "%zux%zu" : "%zu", cs->X, cs->X);
        snprintf(seedlat, sizeof seedlat, cs->dims == 2 ? "%zux%zu" : "%zu", cs->seed_X,
                 cs->seed_X);
        size_t seed_depth = cs->depth < cs->seed_X / 2 ? cs->depth : cs->seed_X / 2;
        /* plain text for the report, through a memory stream (no length limit),
         * then cut to the field */
        char *dbuf = NULL;
        size_t dlen = 0;
        FILE *mem = open_memstream(&dbuf, &dlen);
        if (mem) {
            fprintf(mem,
                 "shown: %s; C %zu, k 3, tanh, sigma_b 0.3; full start %s sites, %zu layers; "
                 "seed start %s sites, %zu layers; %zu networks; sigma_w %.3g..%.3g (%zu); "
                 "l >= %g. pc(full) %.4g +- %.2g, pc(seed) %.4g +- %.2g; at %.4g: delta "
                 "%.3g +- %.2g, delta' %.3g +- %.2g, theta %.3g +- %.2g; growth var %.3g +- %.2g",
                 decide == 0 ? "delta" : decide == 2 ? "theta" : "delta'", cs->C, lat, cs->depth,
                 seedlat, seed_depth, cs->samples, cs->grid[0], cs->grid[cs->ngrid - 1],
                 cs->ngrid, cs->tmin, a.pc_full.value, a.pc_full.error, a.pc_spread.value,
                 a.pc_spread.error, pts[a.at].param, a.delta.value, a.delta.error,
                 a.delta_prime.value, a.delta_prime.error, a.theta.value, a.theta.error,
                 a.growth_var.value, a.growth_var.error);
            fclose(mem);
            size_t keep = dlen < sizeof out->detail - 1 ? dlen : sizeof out->detail - 1;
            memcpy(out->detail, dbuf, keep);
            out->detail[keep] = 0;
        }
        free(dbuf);
        char ysz[32] = "", yszs[32] = "";
        if (cs->dims == 2) {
            snprintf(ysz, sizeof ysz, " --size-y %zu", cs->X);
            snprintf(yszs, sizeof yszs, " --size-y %zu", cs->seed_X);
        }
        snprintf(out->command, sizeof out->command,
                 "dnncrit cnn --dims %d --channels %zu --size-x %zu%s --depth %zu --sigma-w %g "
                 "--sigma-b 0.3 --seeds %zu --quiet --out full && dnncrit exponents "
                 "full.seeds.csv --column rho --tmin %g && dnncrit cnn --dims %d --channels %zu "
                 "--size-x %zu%s --depth %zu --sigma-w %g --sigma-b 0.3 --seeds %zu --perturb 1 "
                 "--quiet --out seed && dnncrit exponents seed.seeds.csv --column surv --tmin %g",
                 cs->dims, cs->C, cs->X, ysz, cs->depth, pts[a.at].param, cs->samples, cs->tmin,
                 cs->dims, cs->C, cs->seed_X, yszs, seed_depth, pts[a.at].param, cs->samples,
                 cs->tmin);
        if (o->out_dir) {
            char path[1024], title[128];
            snprintf(path, sizeof path, "%s/%s", o->out_dir, cs->figure);
            snprintf(title, sizeof title, "%dD CNN, C = %zu, σ_w = %g", cs->dims, cs->C,
                     pts[a.at].param);
            if (dnc_spread_figure(&pts[a.at], cs->cls, cs->tmin, title, path) == DNC_OK)
                snprintf(out->figure, sizeof out->figure, "%s", cs->figure);
            else
                dnc_clear_error(); /* no gnuplot: the claim stands without its figure */
        }
    }
    dnc_spread_analysis_free(&a);
    for (size_t i = 0; i < cs->ngrid; i++)
        dnc_spread_point_free(&pts[i]);
    free(pts);
    return st;
}

/* grids bracketing the full-start critical points of the study (docs/cnn.md) */
static const double grid1d[] = {1.40, 1.44, 1.48, 1.52, 1.56};
static const double grid2d[] = {1.36, 1.40, 1.44, 1.48, 1.52};

dnc_status dnc_tamai_claim_cnn1d(const dnc_reproduce_opts *o, dnc_claim *out)
{
    if (!o || !out)
        return dnc_fail(DNC_EINVAL, "claim: no options or output");
    cnn_claim_setup cs = {.dims = 1, .cls = "DP 1+1", .C = 16, .X = o->quick ? 256 : 512,
                          .seed_X = o->quick ? 1024 : 4096,
                          .depth = o->quick ? 1000 : 3000, .samples = o->quick ? 24 : 64,
                          .tmin = 30, .grid = grid1d,
                          .ngrid = sizeof grid1d / sizeof grid1d[0],
                          .figure = "tamai_cnn1d_spreading.png"};
    return run_claim(o, &cs, out);
}

dnc_status dnc_tamai_claim_cnn2d(const dnc_reproduce_opts *o, dnc_claim *out)
{
    if (!o || !out)
        return dnc_fail(DNC_EINVAL, "claim: no options or output");
    cnn_claim_setup cs = {.dims = 2, .cls = "DP 2+1", .C = 16, .X = 32, .seed_X = o->quick ? 96 : 128,
                          .depth = o->quick ? 300 : 1000, .samples = o->quick ? 12 : 48,
                          .tmin = 20, .grid = grid2d,
                          .ngrid = sizeof grid2d / sizeof grid2d[0],
                          .figure = "tamai_cnn2d_spreading.png"};
    return run_claim(o, &cs, out);
}
