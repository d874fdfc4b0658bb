/* dnncrit meanfield: infinite-width theory at one (activation, sigma_w,
 * sigma_b), optionally with the layer-by-layer trajectory of two inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "dnncrit/network.h"
#include "plot_option.h"
#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/result.h"
#include "mf_common.h"

#define PI 3.14159265358979323846

typedef struct {
    dnc_activation act;
    double sigma_w, sigma_b, input_q, input_c;
    size_t depth;
    bool critical, quiet;
    const char *out;
} mf_opts;

/* Asymptotic rho(l) at criticality: 1/(kappa l) for smooth phi (Schoenholz
 * et al. 2017), 9 pi^2 / (2 l^2) for relu (non-analytic f, see
 * dnc_mf_kappa_note); NaN elsewhere. */
static double rho_prediction(const dnc_mf_point *o, dnc_activation act, size_t layer)
{
    if (o->phase != DNC_MF_CRITICAL)
        return NAN;
    double l = (double)layer;
    if (o->kappa_exists && o->kappa > 0)
        return 1.0 / (o->kappa * l);
    if (act == DNC_ACT_RELU)
        return 9 * PI * PI / (2 * l * l);
    return NAN;
}

static void progress_layers(void *ctx, size_t done, size_t total)
{
    (void)total;
    dnc_progress_update(ctx, done);
}

static dnc_status trajectory_csv(const mf_opts *o, const dnc_mf_params *p,
                                 const dnc_mf_point *pt, mf_text *csv, cJSON *results)
{
    double *q = malloc(o->depth * sizeof *q), *c = malloc(o->depth * sizeof *c),
           *rho = malloc(o->depth * sizeof *rho);
    dnc_status st = DNC_OK;
    if (!q || !c || !rho)
        st = dnc_fail(DNC_ENOMEM, "out of memory for a trajectory of depth %zu", o->depth);
    if (!st) {
        dnc_progress prog;
        dnc_progress_start(&prog, "meanfield", o->depth, o->quiet);
        st = dnc_mf_trajectory_rho_progress(p, o->input_q, o->input_c, o->depth, q, c, rho,
                                            progress_layers, &prog);
        dnc_progress_finish(&prog);
    }
    if (!st)
        st = mf_text_open(csv);
    if (!st) {
        dnc_result_write_header(csv->fp, DNC_RESULT_MEANFIELD);
        for (size_t l = 0; l < o->depth; l++) {
            fprintf(csv->fp, "%zu,", l + 1);
            mf_csv_number(csv->fp, q[l], ",");
            mf_csv_number(csv->fp, c[l], ",");
            mf_csv_number(csv->fp, rho[l], ",");
            mf_csv_number(csv->fp, rho_prediction(pt, p->activation, l + 1), "\n");
        }
        st = mf_text_close(csv);
        cJSON *last = cJSON_AddObjectToObject(results, "last_layer");
        if (last) {
            cli_json_number(last, "q", q[o->depth - 1]);
            cli_json_number(last, "c", c[o->depth - 1]);
            cli_json_number(last, "rho", rho[o->depth - 1]);
            cli_json_number(last, "rho_pred", rho_prediction(pt, p->activation, o->depth));
        }
    }
    free(q);
    free(c);
    free(rho);
    return st;
}

static cJSON *config_json(const mf_opts *o)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "activation", dnc_activation_name(o->act));
    cli_json_number(c, "sigma_w", o->sigma_w);
    cli_json_number(c, "sigma_b", o->sigma_b);
    cJSON_AddBoolToObject(c, "critical", o->critical);
    cJSON_AddNumberToObject(c, "depth", (double)o->depth);
    cli_json_number(c, "input_q", o->input_q);
    cli_json_number(c, "input_c", o->input_c);
    cJSON_AddStringToObject(c, "out", o->out);
    return c;
}

static void print_summary(const mf_opts *o, const dnc_mf_point *pt)
{
    printf("mean field: %s, sigma_w = %.10g, sigma_b = %.10g\n", dnc_activation_name(o->act),
           o->sigma_w, o->sigma_b);
    mf_print_point(stdout, pt, o->act);
    printf("wrote %s.json%s%s%s\n", o->out, o->depth ? ", " : "", o->depth ? o->out : "",
           o->depth ? ".csv" : "");
}

static int run(mf_opts *o, int argc, char **argv)
{
    double t0 = dnc_wall_time();
    if (o->critical && dnc_mf_critical_sigma_w(o->act, o->sigma_b, &o->sigma_w))
        return cli_fail("meanfield");
    dnc_mf_params p = {o->act, o->sigma_w, o->sigma_b};
    dnc_mf_point pt;
    if (dnc_mf_analyse(&p, &pt))
        return cli_fail("meanfield");
    cJSON *rec = dnc_run_record_new("meanfield", argc, argv);
    cJSON_AddItemToObject(rec, "config", config_json(o));
    cJSON *results = mf_point_json(&pt, o->act);
    cJSON_AddItemToObject(rec, "results", results);
    mf_text csv = {0};
    dnc_status st = DNC_OK;
    if (o->depth > 0)
        st = trajectory_csv(o, &p, &pt, &csv, results);
    if (!st) {
        dnc_run_record_finish(rec, t0);
        st = mf_write_outputs(o->out, o->depth > 0 ? csv.text : NULL, rec);
    }
    mf_text_free(&csv);
    cJSON_Delete(rec);
    if (st)
        return cli_fail("meanfield");
    if (!o->quiet)
        print_summary(o, &pt);
    return 0;
}

/* The parameters checked (2 when invalid), then the run. */
static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    mf_opts *o = ctx;
    dnc_mf_params p = {o->act, o->sigma_w, o->sigma_b};
    if (o->critical)
        p.sigma_w = 1.0;
    if (dnc_mf_validate(&p))
        return cli_fail("meanfield") + 1;
    if (o->depth > 0 && (!(o->input_q > 0) || !(o->input_c >= -1 && o->input_c <= 1)))
        return cli_failf("meanfield",
                             "--input-q must be > 0 and --input-c in [-1, 1] (got %g, %g)",
                             o->input_q, o->input_c) + 1;
    return run(o, argc, argv);
}

int cmd_meanfield(int argc, char **argv)
{
    const char *plot = NULL;
    mf_opts o = {DNC_ACT_TANH, 1.5, 0.3, 1.0, 0.5, 0, false, false, "meanfield"};
    cli_opt opts[] = {
        CLI_PARAM(dnc_net_param_activation, &o.act),
        CLI_PARAM_HELP(dnc_net_param_sigma_w, &o.sigma_w, "weight scale (std of sqrt(N) W_ij)"),
        CLI_PARAM(dnc_net_param_sigma_b, &o.sigma_b),
        CLI_OPT("critical", CLI_OPT_FLAG, &o.critical,
         "use the critical sigma_w (chi_1 = 1) for this sigma_b instead of --sigma-w"),
        CLI_PARAM_DOMAIN(dnc_net_param_depth, &o.depth,
         "also iterate the maps for two inputs through this many layers (CSV; 0: none)",
         "[0,1048576]"),
        CLI_OPT("input-q", CLI_OPT_DOUBLE, &o.input_q, "per-component variance of the inputs"),
        CLI_OPT("input-c", CLI_OPT_DOUBLE, &o.input_c, "correlation of the two inputs"),
        CLI_OPT("out", CLI_OPT_STRING, &o.out, "output prefix: PREFIX.json (+ PREFIX.csv with --depth)"),
        CLI_QUIET_OPTION(&o.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "meanfield",
                   .summary = "Mean-field (infinite-width) signal propagation: fixed point q* of "
                              "the length map, chi_1, chi_q, the metric factor kappa = f''(1)/2, "
                              "depth scales xi_q and xi_c, the stable correlation c* and the "
                              "phase. With --depth, the layer-by-layer q^l, c^l, rho^l = 1 - c^l "
                              "of two inputs (first layer linear in the input) and, at "
                              "criticality, the asymptotic prediction rho_pred = 1/(kappa l).",
                   .example = "dnncrit meanfield --activation tanh --sigma-b 0.3 --critical "
                              "--depth 200 --out tanh_crit",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    cli_runner r = {run_cmd, &o, &plot, &o.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
