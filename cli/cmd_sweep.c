/* dnncrit sweep SWEEP.cfg --out-dir DIR: runs every point of a sweep
 * description with OpenMP threads, or across MPI ranks under mpirun. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli.h"
#include "plot_option.h"
#include "dnncrit/sweep.h"
#include "sweep_driver.h"

static void print_summary(const dnc_sweep *s, const sweep_args *a, const sweep_summary *sum,
                          size_t nfailed, double wall)
{
    printf("sweep %s: %zu point%s (%zu computed now, %zu resumed, %zu failed) in %.2f s on %d "
           "rank%s x %d thread%s\n",
           s->exp->name, s->npoints, s->npoints == 1 ? "" : "s", sum->computed, sum->kept, nfailed, wall, sum->ranks,
           sum->ranks == 1 ? "" : "s", sum->threads, sum->threads == 1 ? "" : "s");
    printf("  table:  %s/table.csv\n  record: %s/sweep.json\n", a->out_dir, a->out_dir);
}

static int sweep_finish(const dnc_sweep *s, const sweep_args *a, const sweep_summary *sum)
{
    cJSON *rec = dnc_run_record_new("sweep", a->argc, a->argv);
    if (!rec)
        return cli_failf("sweep", "out of memory");
    cJSON *run = cJSON_AddObjectToObject(rec, "run");
    if (run) {
        cJSON_AddNumberToObject(run, "ranks", sum->ranks);
        cJSON_AddNumberToObject(run, "threads_per_rank", sum->threads);
        cJSON_AddNumberToObject(run, "points_computed", (double)sum->computed);
        cJSON_AddNumberToObject(run, "points_resumed", (double)sum->kept);
    }
    cJSON *timings = cJSON_AddObjectToObject(rec, "timings");
    if (timings)
        cJSON_AddNumberToObject(timings, "point_seconds_total", sum->point_seconds);
    double wall = dnc_wall_time() - sum->t0;
    dnc_run_record_finish(rec, sum->t0);
    size_t nfailed = 0;
    dnc_status st = dnc_sweep_gather(s, a->out_dir, rec, &nfailed);
    cJSON_Delete(rec);
    if (st)
        return cli_fail("sweep");
    if (!a->quiet)
        print_summary(s, a, sum, nfailed, wall);
    if (nfailed)
        return cli_failf("sweep",
                             "%zu point%s failed; their rows hold nan and their files in "
                             "%s/points/ say why (\"error\"); a rerun retries them",
                             nfailed, nfailed == 1 ? "" : "s", a->out_dir);
    return cli_plot_after("sweep", a->plot, 0, a->out_dir, "/sweep.json");
}

static dnc_status load_description(const sweep_args *a, dnc_sweep *s)
{
    return dnc_sweep_load(a->spec_path, s);
}

static int run_local(const sweep_args *a)
{
    sweep_summary sum = {.t0 = dnc_wall_time(), .ranks = 1};
    sum.threads = a->threads > 0 ? a->threads : omp_get_max_threads();
    dnc_sweep s;
    if (a->load(a, &s))
        return cli_fail("sweep");
    dnc_sweep_dir dir;
    if (dnc_sweep_dir_open(&s, a->out_dir, &dir)) {
        dnc_sweep_free(&s);
        return cli_fail("sweep");
    }
    size_t *todo = NULL, ntodo = 0;
    dnc_status st = dnc_sweep_pending(&s, a->out_dir, &todo, &ntodo, &sum.kept);
    dnc_sweep_exec_stats stats = {0};
    if (!st) {
        dnc_sweep_exec_opts o = {.threads = sum.threads, .quiet = a->quiet};
        st = dnc_sweep_execute(&s, a->out_dir, todo, ntodo, &o, &stats);
    }
    free(todo);
    sum.computed = stats.computed;
    sum.point_seconds = stats.point_seconds;
    int rc = st ? cli_fail("sweep") : sweep_finish(&s, a, &sum);
    dnc_sweep_dir_close(&dir);
    dnc_sweep_free(&s);
    return rc;
}

/* --dry-run: what would run, nothing written. */
static int print_plan(const sweep_args *a)
{
    dnc_sweep s;
    if (dnc_sweep_load(a->spec_path, &s))
        return cli_fail("sweep");
    char *header = dnc_sweep_csv_header(&s);
    printf("sweep %s: %zu point%s\n", s.exp->name, s.npoints, s.npoints == 1 ? "" : "s");
    for (size_t k = 0; k < s.exp->nparams; k++)
        printf("  %-16s %-24s (%zu value%s)\n", s.exp->params[k].name, s.texts[k], s.nvalues[k],
               s.nvalues[k] == 1 ? "" : "s");
    printf("table columns: %s\n", header ? header : "?");
    free(header);
    dnc_sweep_free(&s);
    return 0;
}

static int check_launcher(void)
{
    int world = sweep_launcher_world_size();
    if (world == 0 || sweep_mpi_built())
        return 0;
    if (world == 1)
        return 0; /* one process: nothing to distribute */
    return cli_failf("sweep",
                         "started by an MPI launcher (mpirun) but this dnncrit was built without "
                         "MPI (DNNCRIT_WITH_MPI=OFF): every rank would run the whole sweep. Run "
                         "'dnncrit sweep' without mpirun (use --threads), or rebuild with MPI");
}

/* The help text lists every experiment type with its keys and defaults. */
static const char *help_summary(void)
{
    static char text[8192];
    size_t n = (size_t)snprintf(
        text, sizeof text, "%s",
        "Run every point of a sweep description: SWEEP.cfg holds 'type = TYPE' and the type's "
        "keys, each a value, a list a,b,c or a range lo:hi:n[:log]. Points run in parallel "
        "on OpenMP threads; under 'mpirun -n K' they are shared out across the K ranks. Each "
        "result is written atomically to DIR/points/<i>.json; a killed sweep rerun with the "
        "same command keeps finished points and redoes the rest. At the end DIR/table.csv "
        "(one row per point, by index; identical for any thread or rank count) and "
        "DIR/sweep.json are written. See docs/sweep.md.\n\ntypes and keys (defaults):");
    for (size_t i = 0; i < dnc_sweep_experiment_count() && n < sizeof text; i++) {
        const dnc_sweep_experiment *e = dnc_sweep_experiment_at(i);
        n += (size_t)snprintf(text + n, sizeof text - n, "\n  %s:", e->name);
        for (size_t k = 0; k < e->nparams && n < sizeof text; k++)
            n += (size_t)snprintf(text + n, sizeof text - n, " %s (%s)%s", e->params[k].name,
                                  e->params[k].default_value ? e->params[k].default_value : "",
                                  k + 1 < e->nparams ? "," : "");
    }
    return text;
}

/* The options of cmd_sweep; run_sweep makes the sweep_args from them. */
typedef struct {
    const char *plot, *out_dir;
    size_t threads;
    bool quiet, dry_run;
} sweep_opts;

/* --dry-run, or the options checked (2 when wrong) and the sweep run, here
 * or across MPI ranks; the figure is rendered by sweep_finish (the
 * driver's finish callback). */
static int run_sweep(void *ctx, const cli_command *cli, int argc, char **argv)
{
    const sweep_opts *o = ctx;
    const char *spec = cli->positional[0];
    if (o->dry_run)
        return print_plan(&(sweep_args){.spec_path = spec});
    if (!o->out_dir)
        return cli_failf("sweep", "--out-dir DIR is required") + 1;
    if (o->threads > 4096)
        return cli_failf("sweep", "--threads must be at most 4096, got %zu", o->threads) + 1;
    if (check_launcher())
        return 2;
    sweep_args a = {.command = "sweep",
                    .spec_path = spec,
                    .out_dir = o->out_dir,
                    .threads = (int)o->threads,
                    .quiet = o->quiet,
                    .argc = argc,
                    .argv = argv,
                    .plot = o->plot,
                    .load = load_description,
                    .finish = sweep_finish};
    return sweep_launcher_world_size() != 0 && sweep_mpi_built() ? sweep_run_mpi(&a)
                                                                 : run_local(&a);
}

int cmd_sweep(int argc, char **argv)
{
    sweep_opts o = {0};
    cli_opt opts[] = {
        CLI_OPT("out-dir", CLI_OPT_STRING, &o.out_dir,
                "output directory (created; a rerun on it resumes the sweep)"),
        CLI_OPT("threads", CLI_OPT_SIZE, &o.threads,
                "OpenMP threads running points in parallel, per MPI rank (0: OMP_NUM_THREADS or "
                "all cores)"),
        CLI_QUIET_OPTION(&o.quiet),
        CLI_OPT("dry-run", CLI_OPT_FLAG, &o.dry_run,
                "check the file and print the parameters, point count and columns; run nothing"),
        CLI_PLOT_OPTION(o.plot),
    };
    cli_command cli = {
        .command = "sweep",
        .summary = help_summary(),
        .example = "dnncrit sweep examples/sweep_propagate.cfg --out-dir runs/prop --threads 2",
        .opts = opts,
        .nopts = sizeof opts / sizeof opts[0],
        .positional_name = "SWEEP.cfg",
        .min_positional = 1,
        .max_positional = 1,
    };
    cli_runner r = {run_sweep, &o, &o.plot, NULL, NULL};
    return cli_run(&cli, argc, argv, &r);
}
