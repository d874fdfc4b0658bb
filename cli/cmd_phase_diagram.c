/* dnncrit phase-diagram: mean-field quantities over a (sigma_b, sigma_w) grid. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "dnncrit/network.h"
#include "plot_option.h"
#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/result.h"
#include "mf_common.h"

static void fill_default(cli_dlist *l, double lo, double hi, size_t n)
{
    l->v = malloc(n * sizeof *l->v);
    if (!l->v)
        return;
    l->n = n;
    for (size_t i = 0; i < n; i++)
        l->v[i] = lo + (hi - lo) * (double)i / (double)(n - 1);
}

static void progress_cb(void *ctx, size_t done, size_t total)
{
    (void)total;
    dnc_progress_update(ctx, done);
}

static void write_csv(FILE *fp, const cli_dlist *sb, const cli_dlist *sw, const dnc_mf_point *pts,
                      const dnc_status *st)
{
    dnc_result_write_header(fp, DNC_RESULT_PHASE_DIAGRAM);
    for (size_t i = 0; i < sb->n; i++)
        for (size_t j = 0; j < sw->n; j++) {
            const dnc_mf_point *o = &pts[i * sw->n + j];
            mf_csv_number(fp, sb->v[i], ",");
            mf_csv_number(fp, sw->v[j], ",");
            mf_csv_number(fp, o->q_star, ",");
            mf_csv_number(fp, o->chi_1, ",");
            mf_csv_number(fp, o->xi_c, ",");
            mf_csv_number(fp, o->rho_star, ",");
            if (st[i * sw->n + j])
                fprintf(fp, "nan\n");
            else
                fprintf(fp, "%d\n", (int)o->phase);
        }
}

static cJSON *critical_line_json(dnc_activation act, const cli_dlist *sb)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < sb->n; i++) {
        cJSON *j = cJSON_CreateObject();
        double sw;
        cli_json_number(j, "sigma_b", sb->v[i]);
        if (dnc_mf_critical_sigma_w(act, sb->v[i], &sw)) {
            cJSON_AddNullToObject(j, "sigma_w");
            cJSON_AddStringToObject(j, "error", dnc_last_error());
        } else {
            cli_json_number(j, "sigma_w", sw);
        }
        cJSON_AddItemToArray(arr, j);
    }
    return arr;
}

typedef struct {
    dnc_activation act;
    cli_dlist sb, sw;
    const char *out;
    size_t threads;
    bool quiet;
} pd_opts;

static int run(pd_opts *o, int argc, char **argv)
{
    double t0 = dnc_wall_time();
    size_t n = o->sb.n * o->sw.n;
    dnc_mf_point *pts = malloc(n * sizeof *pts);
    dnc_status *pst = malloc(n * sizeof *pst);
    if (!pts || !pst) {
        free(pts);
        free(pst);
        return cli_failf("phase-diagram", "out of memory for %zu grid points", n);
    }
    dnc_progress prog;
    dnc_progress_start(&prog, "phase-diagram", n, o->quiet);
    dnc_status st = dnc_mf_phase_diagram(o->act, o->sb.v, o->sb.n, o->sw.v, o->sw.n, pts, pst,
                                         progress_cb, &prog);
    dnc_progress_finish(&prog);
    double t_grid = dnc_wall_time() - t0;
    mf_text csv = {0};
    cJSON *rec = NULL;
    size_t counts[3] = {0, 0, 0}, failed = 0;
    if (!st) {
        for (size_t k = 0; k < n; k++) {
            if (pst[k])
                failed++;
            else
                counts[pts[k].phase + 1]++;
        }
        st = mf_text_open(&csv);
    }
    if (!st) {
        write_csv(csv.fp, &o->sb, &o->sw, pts, pst);
        st = mf_text_close(&csv);
    }
    if (!st) {
        rec = dnc_run_record_new("phase-diagram", argc, argv);
        cJSON *cfg = cJSON_AddObjectToObject(rec, "config");
        cJSON_AddStringToObject(cfg, "activation", dnc_activation_name(o->act));
        cJSON_AddItemToObject(cfg, "sigma_b", cJSON_CreateDoubleArray(o->sb.v, (int)o->sb.n));
        cJSON_AddItemToObject(cfg, "sigma_w", cJSON_CreateDoubleArray(o->sw.v, (int)o->sw.n));
        cJSON_AddNumberToObject(cfg, "threads", omp_get_max_threads());
        cJSON_AddStringToObject(cfg, "out", o->out);
        cJSON *res = cJSON_AddObjectToObject(rec, "results");
        cJSON_AddNumberToObject(res, "ordered", (double)counts[0]);
        cJSON_AddNumberToObject(res, "critical", (double)counts[1]);
        cJSON_AddNumberToObject(res, "chaotic", (double)counts[2]);
        cJSON_AddNumberToObject(res, "failed", (double)failed);
        cJSON_AddStringToObject(res, "phase_codes", "-1 ordered, 0 critical, 1 chaotic, nan "
                                                    "failed (e.g. no finite q*)");
        cJSON_AddItemToObject(res, "critical_line", critical_line_json(o->act, &o->sb));
        cJSON *tm = cJSON_AddObjectToObject(rec, "timings");
        cJSON_AddNumberToObject(tm, "grid_s", t_grid);
        dnc_run_record_finish(rec, t0);
        st = mf_write_outputs(o->out, csv.text, rec);
    }
    mf_text_free(&csv);
    cJSON_Delete(rec);
    free(pts);
    free(pst);
    if (st)
        return cli_fail("phase-diagram");
    if (!o->quiet)
        printf("phase diagram, %s: %zu points (%zu ordered, %zu critical, %zu chaotic, %zu failed) "
           "in %.2f s\nwrote %s.csv, %s.json\n",
           dnc_activation_name(o->act), n, counts[0], counts[1], counts[2], failed, t_grid,
           o->out, o->out);
    return 0;
}

/* The default grids, or the given ones checked; 2 (after the message) when
 * a value is out of range or memory runs out. */
static int check_grid(pd_opts *o)
{
    if (o->sb.n == 0)
        fill_default(&o->sb, 0.0, 2.0, 41);
    if (o->sw.n == 0)
        fill_default(&o->sw, 0.5, 4.0, 71);
    for (size_t i = 0; i < o->sb.n; i++)
        if (!(o->sb.v[i] >= 0))
            return cli_failf("phase-diagram", "--sigma-b values must be >= 0, got %g",
                                 o->sb.v[i]) + 1;
    for (size_t i = 0; i < o->sw.n; i++)
        if (!(o->sw.v[i] > 0))
            return cli_failf("phase-diagram", "--sigma-w values must be > 0, got %g",
                                 o->sw.v[i]) + 1;
    if (!o->sb.v || !o->sw.v)
        return cli_failf("phase-diagram", "out of memory") + 1;
    return 0;
}

static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    pd_opts *o = ctx;
    int rc = check_grid(o);
    if (rc)
        return rc;
    if (o->threads > 0)
        omp_set_num_threads((int)o->threads);
    return run(o, argc, argv);
}

int cmd_phase_diagram(int argc, char **argv)
{
    const char *plot = NULL;
    pd_opts o = {DNC_ACT_TANH, {0}, {0}, "phase_diagram", 0, false};
    cli_opt opts[] = {
        CLI_PARAM(dnc_net_param_activation, &o.act),
        CLI_PARAM_LIST(dnc_net_param_sigma_b, &o.sb, "bias standard deviations (default 0:2:41)"),
        CLI_PARAM_LIST(dnc_net_param_sigma_w, &o.sw, "weight scales (default 0.5:4:71)"),
        CLI_OPT("threads", CLI_OPT_SIZE, &o.threads, "OpenMP threads (0: OMP_NUM_THREADS)"),
        CLI_OPT("out", CLI_OPT_STRING, &o.out, "output prefix: PREFIX.csv and PREFIX.json"),
        CLI_QUIET_OPTION(&o.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "phase-diagram",
                   .summary = "Mean-field phase diagram: q*, chi_1, xi_c, rho* = 1 - c* and the "
                              "phase (-1 ordered, 0 critical, 1 chaotic) at every point of a "
                              "(sigma_b, sigma_w) grid, computed in parallel; the JSON also "
                              "holds the critical line sigma_w*(sigma_b). CSV columns: "
                              "sigma_b,sigma_w,q_star,chi_1,xi_c,rho_star,phase.",
                   .example = "dnncrit phase-diagram --activation tanh --sigma-b 0:2:41 "
                              "--sigma-w 0.5:4:71",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    cli_runner r = {run_cmd, &o, &plot, &o.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
