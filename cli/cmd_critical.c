/* dnncrit critical: the edge of chaos sigma_w*(sigma_b) where chi_1 = 1. */
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

typedef struct {
    double sigma_b, sigma_w;
    dnc_mf_point pt;
    bool ok;
    char why[512];
} crit_row;

static void solve_row(dnc_activation act, crit_row *r)
{
    r->ok = false;
    if (dnc_mf_critical_sigma_w(act, r->sigma_b, &r->sigma_w)) {
        snprintf(r->why, sizeof r->why, "%s", dnc_last_error());
        r->sigma_w = NAN;
        return;
    }
    dnc_mf_params p = {act, r->sigma_w, r->sigma_b};
    if (dnc_mf_analyse(&p, &r->pt)) {
        snprintf(r->why, sizeof r->why, "%s", dnc_last_error());
        return;
    }
    r->ok = true;
}

static void write_csv(FILE *fp, const crit_row *rows, size_t n)
{
    dnc_result_write_header(fp, DNC_RESULT_CRITICAL_LINE);
    for (size_t i = 0; i < n; i++) {
        const crit_row *r = &rows[i];
        mf_csv_number(fp, r->sigma_b, ",");
        mf_csv_number(fp, r->sigma_w, ",");
        mf_csv_number(fp, r->ok ? r->pt.q_star : NAN, ",");
        mf_csv_number(fp, r->ok ? r->pt.kappa : NAN, ",");
        mf_csv_number(fp, r->ok ? r->pt.chi_q : NAN, ",");
        mf_csv_number(fp, r->ok ? r->pt.xi_q : NAN, "\n");
    }
}

static cJSON *rows_json(const crit_row *rows, size_t n, dnc_activation act)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        cli_json_number(j, "sigma_b", rows[i].sigma_b);
        cli_json_number(j, "sigma_w", rows[i].sigma_w);
        if (rows[i].ok) {
            cli_json_number(j, "q_star", rows[i].pt.q_star);
            cli_json_number(j, "kappa", rows[i].pt.kappa);
            cli_json_number(j, "chi_q", rows[i].pt.chi_q);
            cli_json_number(j, "xi_q", rows[i].pt.xi_q);
            if (!rows[i].pt.kappa_exists && *dnc_mf_kappa_note(act))
                cJSON_AddStringToObject(j, "kappa_note", dnc_mf_kappa_note(act));
        } else {
            cJSON_AddStringToObject(j, "error", rows[i].why);
        }
        cJSON_AddItemToArray(arr, j);
    }
    return arr;
}

static void print_table(dnc_activation act, const crit_row *rows, size_t n, const char *out)
{
    printf("critical line (chi_1 = 1), %s\n  %-10s %-18s %-14s %-14s\n", dnc_activation_name(act),
           "sigma_b", "sigma_w*", "q*", "kappa");
    for (size_t i = 0; i < n; i++) {
        if (rows[i].ok)
            printf("  %-10.6g %-18.12g %-14.8g %-14.8g\n", rows[i].sigma_b, rows[i].sigma_w,
                   rows[i].pt.q_star, rows[i].pt.kappa);
        else
            printf("  %-10.6g none: %s\n", rows[i].sigma_b, rows[i].why);
    }
    printf("wrote %s.csv, %s.json\n", out, out);
}

static int run(dnc_activation act, const cli_dlist *sb, const char *out, bool quiet, int argc,
               char **argv)
{
    double t0 = dnc_wall_time();
    crit_row *rows = calloc(sb->n, sizeof *rows);
    if (!rows)
        return cli_failf("critical", "out of memory");
    size_t nok = 0;
    for (size_t i = 0; i < sb->n; i++) {
        rows[i].sigma_b = sb->v[i];
        solve_row(act, &rows[i]);
        nok += rows[i].ok;
    }
    if (nok == 0) {
        int rc = cli_failf("critical", "no critical point for any sigma_b: %s", rows[0].why);
        free(rows);
        return rc;
    }
    mf_text csv = {0};
    dnc_status st = mf_text_open(&csv);
    if (!st) {
        write_csv(csv.fp, rows, sb->n);
        st = mf_text_close(&csv);
    }
    cJSON *rec = dnc_run_record_new("critical", argc, argv);
    cJSON *cfg = cJSON_AddObjectToObject(rec, "config");
    cJSON_AddStringToObject(cfg, "activation", dnc_activation_name(act));
    cJSON_AddItemToObject(cfg, "sigma_b", cJSON_CreateDoubleArray(sb->v, (int)sb->n));
    cJSON_AddStringToObject(cfg, "out", out);
    cJSON *res = cJSON_AddObjectToObject(rec, "results");
    cJSON_AddStringToObject(res, "definition", "sigma_w with chi_1 = 1 (GSL Brent, 1e-12 "
                                               "relative in sigma_w)");
    cJSON_AddItemToObject(res, "critical_line", rows_json(rows, sb->n, act));
    dnc_run_record_finish(rec, t0);
    if (!st)
        st = mf_write_outputs(out, csv.text, rec);
    mf_text_free(&csv);
    cJSON_Delete(rec);
    if (st) {
        free(rows);
        return cli_fail("critical");
    }
    if (!quiet)
        print_table(act, rows, sb->n, out);
    free(rows);
    return 0;
}

typedef struct {
    dnc_activation act;
    cli_dlist sb;
    const char *out;
    bool quiet;
} crit_args;

/* --sigma-b: 0, 0.1, ..., 1 unless given; 2 when a value is negative. */
static int check_sigma_b(cli_dlist *sb)
{
    if (sb->n == 0) {
        sb->v = malloc(11 * sizeof *sb->v);
        if (!sb->v)
            return cli_failf("critical", "out of memory");
        sb->n = 11;
        for (size_t i = 0; i < 11; i++)
            sb->v[i] = 0.1 * (double)i;
    }
    for (size_t i = 0; i < sb->n; i++)
        if (!(sb->v[i] >= 0))
            return cli_failf("critical", "--sigma-b values must be >= 0, got %g", sb->v[i]) + 1;
    return 0;
}

static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    crit_args *a = ctx;
    int rc = check_sigma_b(&a->sb);
    return rc ? rc : run(a->act, &a->sb, a->out, a->quiet, argc, argv);
}

int cmd_critical(int argc, char **argv)
{
    const char *plot = NULL;
    crit_args a = {.act = DNC_ACT_TANH, .out = "critical"};
    cli_opt opts[] = {
        CLI_PARAM(dnc_net_param_activation, &a.act),
        CLI_PARAM_LIST(dnc_net_param_sigma_b, &a.sb, "bias standard deviations (default 0:1:11)"),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "output prefix: PREFIX.csv and PREFIX.json"),
        CLI_QUIET_OPTION(&a.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "critical",
                   .summary = "Critical line of the mean-field theory: for each sigma_b the "
                              "sigma_w at which chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2] = 1 "
                              "(edge of chaos), with q*, kappa, chi_q and xi_q there. "
                              "CSV columns: sigma_b,sigma_w,q_star,kappa,chi_q,xi_q.",
                   .example = "dnncrit critical --activation tanh --sigma-b 0:1:11",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    cli_runner r = {run_cmd, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
