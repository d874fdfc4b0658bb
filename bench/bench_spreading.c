/* The universality study of docs/cnn.md ("Universality of CNNs: the study"):
 * one system (a random CNN, shared or locally connected, or a DP lattice)
 * on a grid of its control parameter, both protocols (full start, seed
 * start) through dnncrit/spreading.h, optionally a finite-size collapse of
 * the full-start density over lattice sizes. Prints one block of key = value
 * lines and a per-point table; examples/cnn_universality.sh drives it.
 *
 * usage: bench_spreading --system cnn|dp --grid P1,P2,... [options]
 *   CNN: --dims --channels --kernel --size-x --size-y --depth --activation
 *        --sigma-b --sharing shared|local --cutoff EPS --threshold --active
 *        --batch --seed-size X (seed-start lattice; depth capped at the light cone)
 *   DP:  --model bond1d|bond2d|... --L --tmax --runs
 *   both: --samples --seed --tmin --tmax-fit --late-tmin --per-decade
 *        --growth-tmin --nboot
 *        --collapse-sizes X1,X2,... --collapse-param P --collapse-class NAME
 *        --collapse-tmin T
 *        --windows T1,T2,...  (the analysis again from l >= Ti, same data)
 *        --at P  (exponents at the grid point nearest P)
 *        --figure PATH.png  (N, P and rho at the exponents' point, class slopes)
 *        --dump PREFIX   (writes PREFIX_<i>.csv: t,density,mass,survival means) */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/reproduce_tamai_cnn.h"
#include "dnncrit/spreading.h"

static size_t parse_list(const char *s, double *v, size_t max)
{
    size_t n = 0;
    char *dup = strdup(s), *save = NULL;
    for (char *tok = strtok_r(dup, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
        v[n++] = strtod(tok, NULL);
    free(dup);
    return n;
}

static int die(const char *what)
{
    fprintf(stderr, "bench_spreading: %s: %s\n", what, dnc_last_error());
    return 1;
}

static void dump_point(const char *prefix, size_t i, const dnc_spread_point *p)
{
    char path[512];
    snprintf(path, sizeof path, "%s_%zu.csv", prefix, i);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return;
    fprintf(fp, "t,density,density_err,mass,mass_err,survival,survival_err\n");
    const dnc_series *s[3] = {&p->density, &p->mass, &p->survival};
    size_t nt = p->density.nt ? p->density.nt : p->mass.nt;
    double *m[3], *e[3];
    for (int k = 0; k < 3; k++) {
        m[k] = calloc(nt, sizeof(double));
        e[k] = calloc(nt, sizeof(double));
        if (s[k]->nt == nt)
            dnc_series_mean(s[k], m[k], e[k]);
        else
            for (size_t j = 0; j < nt; j++)
                m[k][j] = e[k][j] = NAN;
    }
    const double *t = p->density.nt ? p->density.t : p->mass.t;
    for (size_t j = 0; j < nt; j++)
        fprintf(fp, "%g,%.10g,%.4g,%.10g,%.4g,%.10g,%.4g\n", t[j], m[0][j], e[0][j], m[1][j],
                e[1][j], m[2][j], e[2][j]);
    for (int k = 0; k < 3; k++) {
        free(m[k]);
        free(e[k]);
    }
    fclose(fp);
}

int main(int argc, char **argv)
{
    const char *system = "cnn", *grid = NULL, *windows = NULL, *figure = NULL, *csizes = NULL, *cclass = NULL, *dump = NULL;
    dnc_spread_system sys = dnc_spread_system_default(DNC_SPREAD_CNN);
    dnc_spread_opts so = dnc_spread_opts_default();
    sys.cnn.net.sigma_b = 0.3;
    sys.cnn.net.depth = 1000;
    sys.cnn.net.size_x = 256;
    double cparam = NAN, ctmin = 10, cutoff = 0;
    so.decay.tmin = 30;
    so.decay.nboot = 200;
    enum { O_DIMS = 256, O_CH, O_K, O_X, O_Y, O_DEPTH, O_ACT, O_SB, O_SHARING, O_CUT, O_THR,
           O_ACTIVE, O_BATCH, O_MODEL, O_L, O_TMAX, O_RUNS, O_SAMPLES, O_SEED, O_TMIN, O_TMAXF,
           O_LATE, O_PD, O_GT, O_NBOOT, O_CS, O_CP, O_CC, O_CT, O_DUMP, O_SYS, O_GRID, O_SEEDX, O_AT, O_WIN, O_FIG };
    static const struct option lo[] = {
        {"dims", 1, 0, O_DIMS}, {"channels", 1, 0, O_CH}, {"kernel", 1, 0, O_K},
        {"size-x", 1, 0, O_X}, {"size-y", 1, 0, O_Y}, {"depth", 1, 0, O_DEPTH},
        {"activation", 1, 0, O_ACT}, {"sigma-b", 1, 0, O_SB}, {"sharing", 1, 0, O_SHARING},
        {"cutoff", 1, 0, O_CUT}, {"threshold", 1, 0, O_THR}, {"active", 0, 0, O_ACTIVE},
        {"batch", 1, 0, O_BATCH}, {"model", 1, 0, O_MODEL}, {"L", 1, 0, O_L},
        {"tmax", 1, 0, O_TMAX}, {"runs", 1, 0, O_RUNS}, {"samples", 1, 0, O_SAMPLES},
        {"seed", 1, 0, O_SEED}, {"tmin", 1, 0, O_TMIN}, {"tmax-fit", 1, 0, O_TMAXF},
        {"late-tmin", 1, 0, O_LATE}, {"per-decade", 1, 0, O_PD}, {"growth-tmin", 1, 0, O_GT},
        {"nboot", 1, 0, O_NBOOT}, {"collapse-sizes", 1, 0, O_CS}, {"collapse-param", 1, 0, O_CP},
        {"collapse-class", 1, 0, O_CC}, {"collapse-tmin", 1, 0, O_CT}, {"dump", 1, 0, O_DUMP},
        {"system", 1, 0, O_SYS}, {"grid", 1, 0, O_GRID}, {"seed-size", 1, 0, O_SEEDX}, {"at", 1, 0, O_AT}, {"windows", 1, 0, O_WIN}, {"figure", 1, 0, O_FIG}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_DIMS: sys.cnn.net.dims = atoi(optarg); break;
        case O_CH: sys.cnn.net.channels = strtoul(optarg, NULL, 10); break;
        case O_K: sys.cnn.net.kernel = strtoul(optarg, NULL, 10); break;
        case O_X: sys.cnn.net.size_x = strtoul(optarg, NULL, 10); break;
        case O_Y: sys.cnn.net.size_y = strtoul(optarg, NULL, 10); break;
        case O_DEPTH: sys.cnn.net.depth = strtoul(optarg, NULL, 10); break;
        case O_ACT:
            if (dnc_activation_parse(optarg, &sys.cnn.net.activation))
                return die("--activation");
            break;
        case O_SB: sys.cnn.net.sigma_b = atof(optarg); break;
        case O_SHARING:
            if (dnc_cnn_sharing_parse(optarg, &sys.cnn.net.sharing))
                return die("--sharing");
            break;
        case O_CUT: cutoff = atof(optarg); break;
        case O_THR: sys.cnn.threshold = atof(optarg); break;
        case O_ACTIVE: sys.active_density = true; break;
        case O_BATCH: sys.cnn.batch = strtoul(optarg, NULL, 10); break;
        case O_MODEL:
            if (dnc_dp_model_parse(optarg, &sys.dp.model))
                return die("--model");
            break;
        case O_L: sys.dp.L = strtoul(optarg, NULL, 10); break;
        case O_TMAX: sys.dp.tmax = strtoul(optarg, NULL, 10); break;
        case O_RUNS: sys.dp.runs = strtoul(optarg, NULL, 10); break;
        case O_SAMPLES: sys.samples = strtoul(optarg, NULL, 10); break;
        case O_SEED: sys.cnn.net.seed = sys.dp.seed = strtoull(optarg, NULL, 10); break;
        case O_TMIN: so.decay.tmin = atof(optarg); break;
        case O_TMAXF: so.decay.tmax = atof(optarg); break;
        case O_LATE: so.late_tmin = atof(optarg); break;
        case O_PD: sys.per_decade = strtoul(optarg, NULL, 10); break;
        case O_GT: sys.growth_tmin = atof(optarg); break;
        case O_NBOOT: so.decay.nboot = strtoul(optarg, NULL, 10); break;
        case O_CS: csizes = optarg; break;
        case O_CP: cparam = atof(optarg); break;
        case O_CC: cclass = optarg; break;
        case O_CT: ctmin = atof(optarg); break;
        case O_DUMP: dump = optarg; break;
        case O_SYS: system = optarg; break;
        case O_GRID: grid = optarg; break;
        case O_WIN: windows = optarg; break;
        case O_FIG: figure = optarg; break;
        case O_AT: so.at_param = atof(optarg); break;
        case O_SEEDX: sys.seed_size = strtoul(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    if (!grid) {
        fprintf(stderr, "bench_spreading: --grid is required\n");
        return 2;
    }
    sys.kind = strcmp(system, "dp") == 0 ? DNC_SPREAD_DP : DNC_SPREAD_CNN;
    sys.cnn.damage_cutoff = cutoff;
    double params[64];
    size_t n = parse_list(grid, params, 64);
    dnc_spread_point *pts = calloc(n, sizeof *pts);
    printf("system = %s\n", system);
    if (sys.kind == DNC_SPREAD_CNN)
        printf("cnn = dims %d C %zu k %zu X %zu Y %zu depth %zu %s sigma_b %g sharing %s cutoff "
               "%g threshold %g order %s samples %zu seed_size %zu\n",
               sys.cnn.net.dims, sys.cnn.net.channels, sys.cnn.net.kernel, sys.cnn.net.size_x,
               sys.cnn.net.dims == 2 ? sys.cnn.net.size_y : 1, sys.cnn.net.depth,
               dnc_activation_name(sys.cnn.net.activation), sys.cnn.net.sigma_b,
               dnc_cnn_sharing_name(sys.cnn.net.sharing), cutoff, sys.cnn.threshold,
               sys.active_density ? "active" : "rho", sys.samples, sys.seed_size);
    else
        printf("dp = %s L %zu tmax %zu samples %zu runs %zu\n", dnc_dp_model_name(sys.dp.model),
               sys.dp.L, sys.dp.tmax, sys.samples, sys.dp.runs);
    printf("window = [%g, %g] nboot %zu late_tmin %g\n", so.decay.tmin, so.decay.tmax,
           so.decay.nboot, so.late_tmin);
    double secs = 0;
    for (size_t i = 0; i < n; i++) {
        if (dnc_spread_simulate(&sys, params[i], &pts[i]))
            return die("simulate");
        secs += pts[i].seconds;
        if (dump)
            dump_point(dump, i, &pts[i]);
        fprintf(stderr, "  param %g done (%.1f s)\n", params[i], pts[i].seconds);
    }
    dnc_spread_analysis a;
    if (dnc_spread_analyze(pts, n, &so, &a))
        return die("analyze");
    printf("pc_full = %.5f +- %.5f\npc_spread = %.5f +- %.5f\npc_diff_sigma = %.2f\n",
           a.pc_full.value, a.pc_full.error, a.pc_spread.value, a.pc_spread.error, a.pc_sigma);
    printf("bracket_full = [%g, %g]\nbracket_spread = [%g, %g]\n", a.bracket_full[0],
           a.bracket_full[1], a.bracket_spread[0], a.bracket_spread[1]);
    printf("at_target = %.5f\n", a.at_target);
    printf("at = %g\ndelta = %.4f +- %.4f\ndelta_prime = %.4f +- %.4f\ntheta = %.4f +- %.4f\n"
           "rapidity_sigma = %.2f\ngrowth_var = %.4g +- %.2g\n",
           params[a.at], a.delta.value, a.delta.error, a.delta_prime.value, a.delta_prime.error,
           a.theta.value, a.theta.error, a.rapidity_sigma, a.growth_var.value, a.growth_var.error);
    printf("| param | curv full | curv seed | delta | delta' | theta | theta_late | growth mean "
           "| growth var |\n");
    for (size_t i = 0; i < n; i++)
        printf("| %g | %.3f +- %.3f | %.3f +- %.3f | %.3f +- %.3f | %.3f +- %.3f | %.3f +- %.3f | "
               "%.3f +- %.3f | %.4g | %.4g +- %.2g |\n",
               params[i], a.curv_full[i], a.curv_full_err[i], a.curv_seed[i], a.curv_seed_err[i],
               a.delta_all[i].value, a.delta_all[i].error, a.delta_prime_all[i].value,
               a.delta_prime_all[i].error, a.theta_all[i].value, a.theta_all[i].error,
               a.theta_late[i], a.theta_late_err[i], pts[i].growth_mean.value,
               pts[i].growth_var.value, pts[i].growth_var.error);
    int dims = sys.kind == DNC_SPREAD_CNN ? sys.cnn.net.dims
                                          : (sys.dp.model == DNC_DP_BOND_2D ? 2 : 1);
    const char *cls = cclass ? cclass : (dims == 2 ? "DP 2+1" : "DP 1+1");
    char why[256];
    dnc_verdict v = dnc_spread_verdict(&a, cls, NAN, why, sizeof why, NULL);
    printf("verdict (%s, without collapse) = %s: %s\n", cls, dnc_verdict_name(v), why);
    if (figure) {
        char title[128];
        snprintf(title, sizeof title, "%s at %g", system, params[a.at]);
        if (dnc_spread_figure(&pts[a.at], cls, so.decay.tmin, title, figure))
            return die("figure");
    }
    if (windows) {
        double W[16];
        size_t nw = parse_list(windows, W, 16);
        printf("| window l >= | pc full | pc seed | z(pc) | at | delta | delta' | theta | "
               "z(delta - delta') |\n");
        for (size_t w = 0; w < nw; w++) {
            dnc_spread_opts o2 = so;
            o2.decay.tmin = W[w];
            dnc_spread_analysis b;
            if (dnc_spread_analyze(pts, n, &o2, &b)) {
                printf("| %g | (too few points: %s) |\n", W[w], dnc_last_error());
                dnc_clear_error();
                continue;
            }
            printf("| %g | %.4f +- %.4f | %.4f +- %.4f | %.2f | %g | %.3f +- %.3f | %.3f +- %.3f | "
                   "%.3f +- %.3f | %.2f |\n",
                   W[w], b.pc_full.value, b.pc_full.error, b.pc_spread.value, b.pc_spread.error,
                   b.pc_sigma, params[b.at], b.delta.value, b.delta.error, b.delta_prime.value,
                   b.delta_prime.error, b.theta.value, b.theta.error, b.rapidity_sigma);
            dnc_spread_analysis_free(&b);
        }
    }
    if (csizes) {
        double X[16];
        size_t nx = parse_list(csizes, X, 16);
        double pc = isfinite(cparam) ? cparam : params[a.at];
        dnc_series *cs = calloc(nx, sizeof *cs);
        dnc_spread_system s2 = sys;
        s2.seed = false;
        printf("collapse at %g over sizes %s (tmin %g)\n", pc, csizes, ctmin);
        for (size_t j = 0; j < nx; j++) {
            dnc_spread_point p;
            if (sys.kind == DNC_SPREAD_CNN)
                s2.cnn.net.size_x = s2.cnn.net.size_y = (size_t)X[j];
            else
                s2.dp.L = (size_t)X[j];
            if (dnc_spread_simulate(&s2, pc, &p))
                return die("collapse simulate");
            cs[j] = p.density; /* keeps the arrays */
            cs[j].size = X[j];
            printf("growth_var(X = %g) = %.4g +- %.2g\n", X[j], p.growth_var.value,
                   p.growth_var.error);
        }
        dnc_collapse_opts co = dnc_collapse_opts_default();
        co.tmin = ctmin;
        double S1, S2;
        size_t o1, o2;
        if (dnc_spread_collapse_class(cs, nx, &co, cls, dims, &S1, &o1) ||
            dnc_spread_collapse_class(cs, nx, &co, "mean field", dims, &S2, &o2))
            return die("collapse");
        printf("collapse_S_%s = %.3g (%zu points)\ncollapse_S_meanfield = %.3g (%zu points)\n",
               dims == 2 ? "DP2" : "DP1", S1, o1, S2, o2);
        dnc_collapse_result cr;
        co.a0 = 0.3;
        co.b0 = 1.5;
        if (dnc_collapse(cs, nx, &co, &cr) == DNC_OK)
            printf("collapse_free: a = %.3f +- %.3f, b = %.3f +- %.3f, S = %.3g\n", cr.a.value,
                   cr.a.error, cr.b.value, cr.b.error, cr.quality);
        v = dnc_spread_verdict(&a, cls, S1, why, sizeof why, NULL);
        printf("verdict (%s, with collapse) = %s: %s\n", cls, dnc_verdict_name(v), why);
        for (size_t j = 0; j < nx; j++)
            dnc_series_free(&cs[j]);
        free(cs);
    }
    printf("seconds = %.1f\n", secs);
    dnc_spread_analysis_free(&a);
    for (size_t i = 0; i < n; i++)
        dnc_spread_point_free(&pts[i]);
    free(pts);
    return 0;
}
