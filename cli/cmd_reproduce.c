/* dnncrit reproduce STUDY --out-dir D: every claim of a paper, measured and
 * judged (dnncrit/reproduce.h, docs/reproduce.md). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dnncrit/reproduce.h"

typedef struct {
    const char *out_dir, *claims;
    uint64_t seed;
    size_t threads;
    bool quick, quiet, list;
} reproduce_args;

static void list_studies(void)
{
    const dnc_study *const *s;
    size_t n = dnc_studies(&s);
    for (size_t i = 0; i < n; i++) {
        printf("%s: %s\n", s[i]->name, s[i]->paper);
        for (size_t k = 0; k < s[i]->nclaims; k++)
            printf("  %zu. %s\n", k + 1, s[i]->claims[k].name);
    }
}

/* One line per claim on stderr: when it starts and what it gave. */
static void progress(void *ctx, size_t i, size_t n, const char *name, const dnc_claim *done,
                     double seconds)
{
    const char *study = ctx;
    if (!done)
        fprintf(stderr, "reproduce %s: [%zu/%zu] %s ...\n", study, i + 1, n, name);
    else
        fprintf(stderr, "reproduce %s: [%zu/%zu] %s: %s (%.4g +- %.2g, %.1f s)\n", study, i + 1,
                n, name, dnc_verdict_name(done->verdict), done->measured, done->error, seconds);
}

/* The claims of `study` named in the comma-separated list `names`, in the
 * study's order, into *sub (its claims in `buf`, room for study->nclaims);
 * false (message on stderr) when a name is not one of the study's claims. */
static bool select_claims(const dnc_study *study, const char *names, dnc_study *sub,
                          dnc_study_claim *buf)
{
    *sub = *study;
    sub->claims = buf;
    sub->nclaims = 0;
    bool *want = calloc(study->nclaims, sizeof *want);
    if (!want)
        return false;
    bool ok = true;
    for (const char *p = names; ok && *p;) {
        size_t len = strcspn(p, ",");
        size_t k = 0;
        while (k < study->nclaims && !(strlen(study->claims[k].name) == len &&
                                       strncmp(study->claims[k].name, p, len) == 0))
            k++;
        if (k == study->nclaims) {
            fprintf(stderr, "dnncrit reproduce: error: %s has no claim '%.*s' (its claims: ",
                    study->name, (int)len, p);
            for (size_t i = 0; i < study->nclaims; i++)
                fprintf(stderr, "%s%s", i ? ", " : "", study->claims[i].name);
            fprintf(stderr, ")\n");
            ok = false;
        } else {
            want[k] = true;
        }
        p += len + (p[len] == ',');
    }
    for (size_t k = 0; ok && k < study->nclaims; k++)
        if (want[k])
            buf[sub->nclaims++] = study->claims[k];
    free(want);
    return ok && sub->nclaims > 0;
}

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    reproduce_args *a = ctx;
    if (a->list) {
        list_studies();
        return CLI_EXIT_OK;
    }
    if (cli->npositional != 1) {
        fprintf(stderr, "dnncrit reproduce: error: name a STUDY (dnncrit reproduce --list)\n");
        return CLI_EXIT_USAGE;
    }
    const dnc_study *study;
    if (dnc_study_find(cli->positional[0], &study)) {
        fprintf(stderr, "dnncrit reproduce: error: %s\n", dnc_last_error());
        return CLI_EXIT_USAGE;
    }
    if (!a->out_dir || !*a->out_dir) {
        fprintf(stderr, "dnncrit reproduce: error: --out-dir DIR is required\n");
        return CLI_EXIT_USAGE;
    }
    dnc_study sub;
    dnc_study_claim *buf = NULL;
    if (a->claims) {
        buf = calloc(study->nclaims ? study->nclaims : 1, sizeof *buf);
        if (!buf || !select_claims(study, a->claims, &sub, buf)) {
            free(buf);
            return CLI_EXIT_USAGE;
        }
        study = &sub;
    }
    if (a->threads)
        omp_set_num_threads((int)a->threads);
    dnc_reproduce_opts o = {.quick = a->quick,
                            .out_dir = a->out_dir,
                            .quiet = a->quiet,
                            .seed = a->seed,
                            .threads = a->threads ? (int)a->threads : omp_get_max_threads()};
    dnc_reproduce_result r;
    dnc_status st = dnc_reproduce_run(study, &o, a->quiet ? NULL : progress, (void *)study->name,
                                      argc, argv, &r);
    free(buf);
    if (st)
        return cli_fail("reproduce");
    cli_say(a->quiet, "%s (%s): %zu claims in %.0f s\n", cli->positional[0],
            a->quick ? "quick" : "full", r.n, r.wall_s);
    for (size_t i = 0; i < r.n; i++)
        cli_say(a->quiet, "  %-36s %-14s measured %.4g +- %.2g (paper %.4g)\n", r.claims[i].claim,
                dnc_verdict_name(r.claims[i].verdict), r.claims[i].measured, r.claims[i].error,
                r.claims[i].paper_value);
    cli_say(a->quiet, "wrote %s/claims.csv, %s/reproduce.json, %s/report.html%s\n", a->out_dir,
            a->out_dir, a->out_dir, r.figures ? " and the figures" : " (no gnuplot: no figures)");
    dnc_reproduce_result_free(&r);
    return CLI_EXIT_OK;
}

int cmd_reproduce(int argc, char **argv)
{
    reproduce_args a = {.out_dir = NULL, .seed = 1};
    cli_opt opts[] = {
        CLI_OPT("out-dir", CLI_OPT_STRING, &a.out_dir,
                "output folder (created): claims.csv, reproduce.json, report.html, figures"),
        CLI_OPT("quick", CLI_OPT_FLAG, &a.quick,
                "reduced sizes: the whole study in about 10 minutes on 2 cores"),
        CLI_OPT("seed", CLI_OPT_U64, &a.seed, "first network seed (and bootstrap seed)"),
        CLI_OPT("threads", CLI_OPT_SIZE, &a.threads, "OpenMP threads (0: default)"),
        CLI_OPT("claim", CLI_OPT_STRING, &a.claims,
                "run only these claims of STUDY (comma-separated names, as --list shows them)"),
        CLI_OPT("list", CLI_OPT_FLAG, &a.list, "list the studies and their claims, then exit"),
        CLI_QUIET_OPTION(&a.quiet),
    };
    cli_command cli = {.command = "reproduce",
                       .summary = "Reproduce a paper: measure every claim of STUDY with dnncrit "
                                  "and judge it by one stated rule (supported when the "
                                  "measurement lies within 2 errors of the paper's value and "
                                  "more than 2 from the nearest alternative, not supported "
                                  "beyond 3 errors, inconclusive otherwise). Writes "
                                  "DIR/claims.csv (claim,paper,measured,error,verdict,command), "
                                  "DIR/reproduce.json (run record), DIR/report.html and the "
                                  "figures; nothing when a claim fails. --list: the studies.",
                       .example = "dnncrit reproduce tamai2025 --quick --out-dir repro",
                       .opts = opts,
                       .nopts = sizeof opts / sizeof opts[0],
                       .positional_name = "STUDY",
                       .min_positional = 0,
                       .max_positional = 1};
    cli_runner r = {.run = run, .ctx = &a};
    return cli_run(&cli, argc, argv, &r);
}
