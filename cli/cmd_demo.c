/* dnncrit demo: the edge of chaos in one minute. Finds the critical
 * sigma_w of a tanh MLP (chi_1 = 1 at the given sigma_b), propagates two
 * correlated inputs through finite-width networks below, at and above it
 * (several seeds each), and compares rho^l and the Lyapunov exponent with
 * mean-field theory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli.h"
#include "dnncrit/network.h"
#include "plot_option.h"
#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/propagate.h"
#include "dnncrit/result.h"
#include "propagate_out.h"

enum { NPROBE = 4 }; /* depths shown in the table: 10, 50, L/2 (if distinct), L */

typedef struct {
    dnc_mlp_config net; /* sigma_w is set per point */
    size_t seeds, threads;
    double input_c;
    cli_dlist factors;
    const char *out_dir, *product;
    dnc_product_kind product_kind;
    bool quiet;
} demo_args;

typedef struct {
    double factor, sigma_w;
    dnc_mf_point mf;
    double *rho_mean, *rho_err; /* [depth] over seeds */
    double lyap, lyap_err;
    cli_layer_table theory;
} demo_point;

static double mean_of(const double *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static double stderr_of(const double *x, size_t n) {
    if (n < 2)
        return NAN;
    double m = mean_of(x, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (double)(n - 1) / (double)n);
}

static dnc_propagate_opts point_opts(const demo_args *a, double sigma_w, uint64_t seed)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net = a->net;
    o.net.sigma_w = sigma_w;
    o.net.seed = seed;
    o.batch = 2;
    o.input_c = a->input_c;
    o.lyapunov = true;
    o.quiet = true;
    o.product = a->product_kind;
    return o;
}

/* Propagates every seed at one sigma_w, appending rows to the layer CSV. */
static dnc_status run_point(const demo_args *a, demo_point *pt, FILE *layers, double *flops)
{
    size_t L = a->net.depth, S = a->seeds;
    double *rho = malloc(S * L * sizeof *rho), *lyap = malloc(S * sizeof *lyap);
    pt->rho_mean = malloc(L * sizeof *pt->rho_mean);
    pt->rho_err = malloc(L * sizeof *pt->rho_err);
    if (!rho || !lyap || !pt->rho_mean || !pt->rho_err) {
        free(rho), free(lyap);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    dnc_status st = DNC_OK;
    for (size_t s = 0; s < S && !st; s++) {
        dnc_propagate_opts o = point_opts(a, pt->sigma_w, a->net.seed + s);
        dnc_propagate_result r;
        if ((st = dnc_propagate(&o, &r)))
            break;
        if (s == 0)
            st = cli_layer_table_meanfield(&o, NULL, &pt->theory);
        for (size_t l = 0; l < L && !st; l++) {
            rho[l * S + s] = r.rho[l];
            fprintf(layers, "%.4g,%.17g,%llu,%zu,%.17g,%.17g,%.17g,%.17g", pt->factor, pt->sigma_w,
                    (unsigned long long)o.net.seed, l + 1, r.q[l], r.c[l], r.rho[l], r.lyap[l]);
            if (pt->theory.depth)
                fprintf(layers, ",%.17g,%.17g,%.17g\n", pt->theory.q[l], pt->theory.c[l],
                        pt->theory.rho[l]);
            else
                fprintf(layers, ",,,\n");
        }
        lyap[s] = r.lyapunov;
        *flops += r.flops;
        dnc_propagate_result_free(&r);
    }
    for (size_t l = 0; l < L && !st; l++) {
        pt->rho_mean[l] = mean_of(rho + l * S, S);
        pt->rho_err[l] = stderr_of(rho + l * S, S);
    }
    pt->lyap = mean_of(lyap, S);
    pt->lyap_err = stderr_of(lyap, S);
    free(rho), free(lyap);
    return st;
}

static void probe_depths(size_t L, size_t probe[NPROBE], size_t *n)
{
    const size_t want[NPROBE] = {10, 50, L / 2, L};
    *n = 0;
    for (int k = 0; k < NPROBE; k++)
        if (want[k] >= 1 && want[k] <= L && (*n == 0 || want[k] > probe[*n - 1]))
            probe[(*n)++] = want[k];
}

static void print_table(const demo_args *a, double sigma_c, const demo_point *pts, size_t np)
{
    size_t probe[NPROBE], npr;
    probe_depths(a->net.depth, probe, &npr);
    printf("%s MLP, sigma_b = %g: critical sigma_w = %.8f (mean field, chi_1 = 1)\n",
           dnc_activation_name(a->net.activation), a->net.sigma_b, sigma_c);
    printf("finite width N = %zu, depth %zu, %zu seeds, two inputs with c = %g; "
           "rho = 1 - c of pre-activations, mean +- standard error over seeds\n\n",
           a->net.width, a->net.depth, a->seeds, a->input_c);
    printf("%8s %9s %8s %8s", "sw/sw_c", "sigma_w", "chi_1", "phase");
    for (size_t k = 0; k < npr; k++) {
        char h[32];
        snprintf(h, sizeof h, "rho(%zu)", probe[k]);
        printf(" %18s", h);
    }
    printf(" %11s %18s %10s\n", "rho_mf(L)", "Lyapunov", "ln(chi1)/2");
    for (size_t i = 0; i < np; i++) {
        const demo_point *p = &pts[i];
        printf("%8.3g %9.5f %8.4f %8s", p->factor, p->sigma_w, p->mf.chi_1,
               dnc_mf_phase_name(p->mf.phase));
        for (size_t k = 0; k < npr; k++)
            printf("  %8.5f+-%-7.5f", p->rho_mean[probe[k] - 1], p->rho_err[probe[k] - 1]);
        double mf_rho = p->theory.depth ? p->theory.rho[a->net.depth - 1] : NAN;
        printf(" %11.5f  %8.5f+-%-7.5f %10.5f\n", mf_rho, p->lyap, p->lyap_err,
               0.5 * log(p->mf.chi_1));
    }
}

static void write_summary_csv(FILE *fp, const demo_args *a, const demo_point *pts, size_t np)
{
    size_t probe[NPROBE], npr;
    probe_depths(a->net.depth, probe, &npr);
    dnc_result_write_columns(fp, DNC_RESULT_DEMO_SUMMARY, 0, DNC_DEMOS_PHASE + 1, 0);
    for (size_t k = 0; k < npr; k++)
        fprintf(fp, ",rho_%zu,rho_%zu_err,rho_mf_%zu", probe[k], probe[k], probe[k]);
    dnc_result_write_columns(fp, DNC_RESULT_DEMO_SUMMARY, DNC_DEMOS_LYAPUNOV, SIZE_MAX, 0);
    fputc('\n', fp);
    for (size_t i = 0; i < np; i++) {
        const demo_point *p = &pts[i];
        fprintf(fp, "%.6g,%.17g,%.17g,%s", p->factor, p->sigma_w, p->mf.chi_1,
                dnc_mf_phase_name(p->mf.phase));
        for (size_t k = 0; k < npr; k++) {
            size_t l = probe[k] - 1;
            fprintf(fp, ",%.17g,%.17g,%.17g", p->rho_mean[l], p->rho_err[l],
                    p->theory.depth ? p->theory.rho[l] : NAN);
        }
        fprintf(fp, ",%.17g,%.17g,%.17g\n", p->lyap, p->lyap_err, 0.5 * log(p->mf.chi_1));
    }
}

static cJSON *results_json(double sigma_c, const demo_point *pts, size_t np, size_t L)
{
    cJSON *res = cJSON_CreateObject();
    cJSON_AddNumberToObject(res, "sigma_w_critical", sigma_c);
    cJSON *arr = cJSON_AddArrayToObject(res, "points");
    for (size_t i = 0; i < np; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "factor", pts[i].factor);
        cJSON_AddNumberToObject(o, "sigma_w", pts[i].sigma_w);
        cJSON_AddNumberToObject(o, "chi_1", pts[i].mf.chi_1);
        cJSON_AddStringToObject(o, "phase", dnc_mf_phase_name(pts[i].mf.phase));
        cJSON *rho = cJSON_AddObjectToObject(o, "rho_final");
        cJSON_AddNumberToObject(rho, "value", pts[i].rho_mean[L - 1]);
        cJSON_AddNumberToObject(rho, "error", pts[i].rho_err[L - 1]);
        cJSON_AddNumberToObject(o, "rho_final_mf",
                                pts[i].theory.depth ? pts[i].theory.rho[L - 1] : NAN);
        cJSON *ly = cJSON_AddObjectToObject(o, "lyapunov");
        cJSON_AddNumberToObject(ly, "value", pts[i].lyap);
        cJSON_AddNumberToObject(ly, "error", pts[i].lyap_err);
        cJSON_AddItemToArray(arr, o);
    }
    return res;
}

static cJSON *config_json(const demo_args *a)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "activation", dnc_activation_name(a->net.activation));
    cJSON_AddNumberToObject(c, "width", (double)a->net.width);
    cJSON_AddNumberToObject(c, "depth", (double)a->net.depth);
    cJSON_AddNumberToObject(c, "sigma_b", a->net.sigma_b);
    cJSON_AddNumberToObject(c, "seed", (double)a->net.seed);
    cJSON_AddNumberToObject(c, "seeds", (double)a->seeds);
    cJSON_AddNumberToObject(c, "batch", 2);
    cJSON_AddNumberToObject(c, "input_q", 1.0);
    cJSON_AddNumberToObject(c, "input_c", a->input_c);
    cJSON *f = cJSON_AddArrayToObject(c, "factors");
    for (size_t i = 0; i < a->factors.n; i++)
        cJSON_AddItemToArray(f, cJSON_CreateNumber(a->factors.v[i]));
    cJSON_AddStringToObject(c, "product", dnc_product_name(a->product_kind));
    cJSON_AddNumberToObject(c, "threads", omp_get_max_threads());
    cJSON_AddStringToObject(c, "out_dir", a->out_dir);
    return c;
}

static dnc_status validate_args(demo_args *a)
{
    if (dnc_product_parse(a->product, &a->product_kind))
        return dnc_fail(DNC_EINVAL, "--product must be 'openblas' or 'portable', got '%s'",
                        a->product);
    if (a->seeds == 0 || a->seeds > 10000)
        return dnc_fail(DNC_EINVAL, "--seeds must be between 1 and 10000, got %zu", a->seeds);
    if (a->factors.n == 0)
        return dnc_fail(DNC_EINVAL, "--factors needs at least one value");
    for (size_t i = 0; i < a->factors.n; i++)
        if (!(a->factors.v[i] > 0))
            return dnc_fail(DNC_EINVAL, "--factors must be > 0, got %g", a->factors.v[i]);
    dnc_propagate_opts o = point_opts(a, 1.0, a->net.seed);
    return dnc_propagate_validate(&o);
}

typedef struct {
    char *path;
    dnc_afile f;
} out_file;

static dnc_status open_out(out_file *o, const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    o->path = malloc(n);
    if (!o->path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    snprintf(o->path, n, "%s/%s", dir, name);
    return dnc_afile_open(&o->f, o->path);
}

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    demo_args *a = ctx;
    if (validate_args(a))
        return cli_fail("demo") + 1; /* bad options: a usage error, 2 */
    double t0 = dnc_wall_time();
    if (a->threads > 0)
        omp_set_num_threads((int)a->threads);
    size_t np = a->factors.n;
    demo_point *pts = calloc(np, sizeof *pts);
    out_file layers = {0}, summary = {0}, json = {0};
    cJSON *root = NULL;
    double sigma_c = NAN, flops = 0;
    dnc_status st = pts ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = dnc_mf_critical_sigma_w(a->net.activation, a->net.sigma_b, &sigma_c);
    if (!st && !(st = dnc_make_dirs(a->out_dir)) && !(st = open_out(&layers, a->out_dir, "demo_layers.csv")))
        dnc_result_write_header(layers.f.fp, DNC_RESULT_DEMO_LAYERS);
    dnc_progress prog;
    dnc_progress_start(&prog, "demo", np, a->quiet);
    for (size_t i = 0; i < np && !st; i++) {
        pts[i].factor = a->factors.v[i];
        pts[i].sigma_w = a->factors.v[i] * sigma_c;
        dnc_mf_params p = {a->net.activation, pts[i].sigma_w, a->net.sigma_b};
        if (!(st = dnc_mf_analyse(&p, &pts[i].mf)))
            st = run_point(a, &pts[i], layers.f.fp, &flops);
        dnc_progress_update(&prog, i + 1);
    }
    dnc_progress_finish(&prog);
    if (!st && !(st = open_out(&summary, a->out_dir, "demo_summary.csv")))
        write_summary_csv(summary.f.fp, a, pts, np);
    if (!st && !(st = open_out(&json, a->out_dir, "demo.json"))) {
        root = dnc_run_record_new("demo", argc, argv);
        cJSON_AddItemToObject(root, "config", config_json(a));
        cJSON_AddItemToObject(root, "results", results_json(sigma_c, pts, np, a->net.depth));
        cJSON *outs = cJSON_AddObjectToObject(root, "outputs");
        cJSON_AddStringToObject(outs, "layers_csv", "demo_layers.csv");
        cJSON_AddStringToObject(outs, "summary_csv", "demo_summary.csv");
        cJSON *t = cJSON_AddObjectToObject(root, "timings");
        cJSON_AddNumberToObject(t, "gemm_flops", flops);
        dnc_run_record_finish(root, t0);
        char *text = cJSON_Print(root);
        if (!text)
            st = dnc_fail(DNC_ENOMEM, "out of memory");
        else
            fprintf(json.f.fp, "%s\n", text);
        free(text);
    }
    if (!st && !(st = dnc_afile_commit(&layers.f)) && !(st = dnc_afile_commit(&summary.f)))
        st = dnc_afile_commit(&json.f);
    if (st) {
        dnc_afile_abort(&layers.f), dnc_afile_abort(&summary.f), dnc_afile_abort(&json.f);
    } else if (!a->quiet) {
        print_table(a, sigma_c, pts, np);
        printf("\nwrote %s, %s, %s (%.1f s)\n", layers.path, summary.path, json.path,
               dnc_wall_time() - t0);
    }
    for (size_t i = 0; pts && i < np; i++) {
        free(pts[i].rho_mean), free(pts[i].rho_err);
        cli_layer_table_free(&pts[i].theory);
    }
    free(pts);
    free(layers.path), free(summary.path), free(json.path);
    cJSON_Delete(root);
    return st ? cli_fail("demo") : 0;
}

int cmd_demo(int argc, char **argv)
{
    const char *plot = NULL;
    static double default_factors[] = {0.8, 0.9, 1.0, 1.1, 1.25};
    demo_args a = {
        .net = dnc_mlp_config_default(), .seeds = 3, .threads = 0, .input_c = 0.9,
        .out_dir = "out/demo", .product = "openblas", .quiet = false,
    };
    a.net.width = 512;
    a.net.depth = 200;
    a.net.sigma_b = 0.3;
    a.factors.n = sizeof default_factors / sizeof *default_factors;
    a.factors.v = malloc(sizeof default_factors);
    if (!a.factors.v)
        return cli_failf("demo", "out of memory");
    memcpy(a.factors.v, default_factors, sizeof default_factors);
    cli_opt opts[] = {
        CLI_PARAM_HELP(dnc_net_param_activation, &a.net.activation, dnc_activation_list()),
        CLI_PARAM(dnc_net_param_sigma_b, &a.net.sigma_b),
        CLI_OPT("factors", CLI_OPT_DLIST, &a.factors, "sigma_w / critical sigma_w values"),
        CLI_PARAM(dnc_net_param_width, &a.net.width),
        CLI_PARAM(dnc_net_param_depth, &a.net.depth),
        CLI_OPT("seeds", CLI_OPT_SIZE, &a.seeds, "networks per sigma_w (seeds seed, seed+1, ...)"),
        CLI_PARAM_HELP(dnc_net_param_seed, &a.net.seed, "first seed"),
        CLI_OPT("input-c", CLI_OPT_DOUBLE, &a.input_c, "correlation of the two inputs"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "OpenMP threads (0: default)"),
        CLI_OPT("product", CLI_OPT_STRING, &a.product, "matrix product backend: openblas|portable (what each guarantees: dnncrit propagate --help)"),
        CLI_OPT("out-dir", CLI_OPT_STRING, &a.out_dir, "directory for demo_layers.csv, demo_summary.csv, demo.json"),
        CLI_QUIET_OPTION(&a.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {
        .command = "demo",
        .summary = "The edge of chaos of a random MLP: find the critical sigma_w (chi_1 = 1) for "
                   "the given sigma_b, propagate two correlated inputs at and around it at finite "
                   "width, and compare the distance rho = 1 - c and the Lyapunov exponent with "
                   "mean-field theory.",
        .example = "dnncrit demo --out-dir out/demo",
        .opts = opts,
        .nopts = sizeof opts / sizeof opts[0],
    };
    cli_runner r = {run, &a, &plot, &a.out_dir, "/demo.json"};
    return cli_run(&cli, argc, argv, &r); /* frees a.factors.v (a DLIST) */
}
