/* dnncrit classify: measured exponents -> closest universality class. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot_option.h"
#include "dnncrit/io.h"
#include "dnncrit/result.h"
#include "dnncrit/scaling.h"

static dnc_status write_outputs(const char *out, const dnc_uclass_match *m, size_t nm,
                                const double *v, const double *e, int argc, char **argv,
                                double t0)
{
    char *csv = dnc_path_with_suffix(out, ".csv"), *json = dnc_path_with_suffix(out, ".json");
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, csv);
    if (!st) {
        dnc_result_write_header(f.fp, DNC_RESULT_CLASSIFY);
        for (size_t i = 0; i < nm; i++)
            fprintf(f.fp, "\"%s\",%.10g,%zu,%.10g,%.10g\n", m[i].uclass->name, m[i].chi2, m[i].n,
                    m[i].distance, m[i].p_value);
        st = dnc_afile_commit(&f);
    }
    cJSON *rec = dnc_run_record_new("classify", argc, argv);
    cJSON *cfg = cJSON_AddObjectToObject(rec, "config");
    for (int k = 0; k < DNC_NEXP; k++)
        if (!isnan(v[k])) {
            cJSON *x = cJSON_AddObjectToObject(cfg, dnc_exponent_name(k));
            cJSON_AddNumberToObject(x, "value", v[k]);
            cJSON_AddNumberToObject(x, "error", e[k]);
        }
    cJSON *res = cJSON_AddObjectToObject(rec, "results");
    cJSON_AddStringToObject(res, "best", m[0].uclass->name);
    cJSON *arr = cJSON_AddArrayToObject(res, "classes");
    for (size_t i = 0; i < nm; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "class", m[i].uclass->name);
        cJSON_AddNumberToObject(c, "chi2", m[i].chi2);
        cJSON_AddNumberToObject(c, "n", (double)m[i].n);
        cJSON_AddNumberToObject(c, "distance", m[i].distance);
        cJSON_AddNumberToObject(c, "p_value", m[i].p_value);
        cJSON_AddItemToArray(arr, c);
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(rec, "outputs"), "csv", cli_base_name(csv));
    dnc_run_record_finish(rec, t0);
    if (!st && (st = dnc_write_json_atomic(json, rec)))
        remove(csv);
    cJSON_Delete(rec);
    free(csv);
    free(json);
    return st;
}

typedef struct {
    cli_dlist given[DNC_NEXP];
    const char *out;
    bool quiet;
    char name[DNC_NEXP][32]; /* option spellings: nu-perp, ... */
} classify_args;

/* The measured exponents (NAN where not given); 2 on a usage error. */
static int read_given(const classify_args *a, double *v, double *e)
{
    for (int k = 0; k < DNC_NEXP; k++) {
        v[k] = e[k] = NAN;
        if (!a->given[k].n)
            continue;
        if (a->given[k].n != 2)
            return cli_failf("classify", "--%s needs VALUE,ERROR (two numbers), got %zu",
                                 a->name[k], a->given[k].n) + 1;
        v[k] = a->given[k].v[0];
        e[k] = a->given[k].v[1];
    }
    return 0;
}

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    const classify_args *a = ctx;
    double t0 = dnc_wall_time();
    double v[DNC_NEXP], e[DNC_NEXP];
    int rc = read_given(a, v, e);
    dnc_uclass_match m[16];
    size_t nm = 0;
    if (!rc && dnc_classify(v, e, m, &nm))
        rc = cli_fail("classify") + 1;
    if (!rc) {
        cli_say(a->quiet, "classify: best match %s (distance %.2f error bars over %zu exponents)\n",
                m[0].uclass->name, m[0].distance, m[0].n);
        cli_say(a->quiet, "  %-12s %10s %9s %10s\n", "class", "chi2", "distance", "p-value");
        for (size_t i = 0; i < nm; i++)
            cli_say(a->quiet, "  %-12s %10.4g %9.3f %10.3g\n", m[i].uclass->name, m[i].chi2,
                    m[i].distance, m[i].p_value);
        if (write_outputs(a->out, m, nm, v, e, argc, argv, t0))
            rc = cli_fail("classify");
    }
    return rc;
}

/* The option spelling of an exponent name: nu_perp -> nu-perp. */
static void kebab_name(const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s", name);
    for (char *c = out; *c; c++)
        if (*c == '_')
            *c = '-';
}

int cmd_classify(int argc, char **argv)
{
    const char *plot = NULL;
    classify_args a = {.out = "classify"};
    char help[DNC_NEXP][96];
    cli_opt opts[2 * DNC_NEXP + 3];
    size_t nopts = 0;
    for (int k = 0; k < DNC_NEXP; k++) {
        kebab_name(dnc_exponent_name(k), a.name[k], sizeof a.name[k]);
        snprintf(help[k], sizeof help[k], "measured %s as VALUE,ERROR", dnc_exponent_name(k));
        opts[nopts++] = (cli_opt)CLI_OPT(a.name[k], CLI_OPT_DLIST, &a.given[k], help[k]);
        if (strcmp(a.name[k], dnc_exponent_name(k)) != 0) /* --nu_perp, --nu_par: old spellings */
            opts[nopts++] = (cli_opt)CLI_OPT_ALIAS_OF(dnc_exponent_name(k), a.name[k]);
    }
    opts[nopts++] = (cli_opt)CLI_OPT("out", CLI_OPT_STRING, &a.out,
                               "output prefix: PREFIX.csv (classes by distance), PREFIX.json");
    opts[nopts++] = (cli_opt)CLI_QUIET_OPTION(&a.quiet);
    opts[nopts++] = (cli_opt)CLI_PLOT_OPTION(plot);
    cli_command cli = {.command = "classify",
                   .summary = "Compares measured exponents with the built-in universality "
                              "classes (mean field, DP 1+1, 2+1, 3+1, with their avalanche "
                              "exponents tau, alpha, gamma) and ranks them by chi^2 = sum "
                              "(x - x_class)^2 / (dx^2 + dx_class^2); distance = sqrt(chi^2/n) "
                              "is the typical deviation in error bars.",
                   .example = "dnncrit classify --delta 0.161,0.003 --z 1.56,0.03",
                   .opts = opts,
                   .nopts = nopts};
    cli_runner r = {run, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
