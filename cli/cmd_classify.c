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
            fprintf(f.fp, "\"%s\",%.10g,%zu,%.10g,%.10g,%.10g,%d\n", m[i].uclass->name,
                    m[i].chi2, m[i].n, m[i].distance, m[i].p_value, m[i].param,
                    m[i].within_2sigma ? 1 : 0);
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
        cli_json_number(c, "chi2", m[i].chi2);
        cJSON_AddNumberToObject(c, "n", (double)m[i].n);
        cli_json_number(c, "distance", m[i].distance);
        cli_json_number(c, "p_value", m[i].p_value);
        if (m[i].uclass->param_name)
            cli_json_number(c, m[i].uclass->param_name, m[i].param);
        cJSON_AddBoolToObject(c, "within_2sigma", m[i].within_2sigma);
        cJSON_AddItemToArray(arr, c);
    }
    /* ties: every class within 2 sigma when there are two or more, with what
     * would tell it from the others */
    cJSON *ties = cJSON_AddArrayToObject(res, "ties");
    for (size_t i = 0; dnc_classify_ties(m, nm) >= 2 && i < nm; i++)
        if (m[i].within_2sigma) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "class", m[i].uclass->name);
            if (m[i].uclass->tie_break)
                cJSON_AddStringToObject(t, "tell_apart", m[i].uclass->tie_break);
            cJSON_AddItemToArray(ties, t);
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

static void print_table(bool quiet, const dnc_uclass_match *m, size_t nm)
{
    cli_say(quiet, "  %-28s %10s %3s %9s %10s  %s\n", "class", "chi2", "n", "distance", "p-value",
            "within 2 sigma");
    for (size_t i = 0; i < nm; i++) {
        if (m[i].n == 0) {
            cli_say(quiet, "  %-28s %10s %3s %9s %10s  (predicts none of the given exponents)\n",
                    m[i].uclass->name, "-", "0", "-", "-");
            continue;
        }
        char param[48] = "";
        if (m[i].uclass->param_name)
            snprintf(param, sizeof param, " (best %s = %.3g)", m[i].uclass->param_name,
                     m[i].param);
        cli_say(quiet, "  %-28s %10.4g %3zu %9.3f %10.3g  %s%s\n", m[i].uclass->name, m[i].chi2,
                m[i].n, m[i].distance, m[i].p_value, m[i].within_2sigma ? "yes" : "no", param);
    }
}

/* Two or more classes within 2 sigma: said on stderr whatever --quiet, as
 * a warning about the verdict. */
static void print_ties(const dnc_uclass_match *m, size_t nm)
{
    if (dnc_classify_ties(m, nm) < 2)
        return;
    fprintf(stderr, "classify: warning: %zu classes lie within 2 sigma of the data:",
            dnc_classify_ties(m, nm));
    for (size_t i = 0; i < nm; i++)
        if (m[i].within_2sigma)
            fprintf(stderr, " %s;", m[i].uclass->name);
    fprintf(stderr, " these exponents cannot tell them apart.\n");
    for (size_t i = 0; i < nm; i++)
        if (m[i].within_2sigma && m[i].uclass->tie_break)
            fprintf(stderr, "  %s: %s\n", m[i].uclass->name, m[i].uclass->tie_break);
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
    dnc_uclass_match m[32];
    size_t nm = 0;
    if (!rc && dnc_classify(v, e, m, &nm))
        rc = cli_fail("classify") + 1;
    if (!rc) {
        cli_say(a->quiet, "classify: best match %s (distance %.2f error bars over %zu exponents)\n",
                m[0].uclass->name, m[0].distance, m[0].n);
        print_table(a->quiet, m, nm);
        print_ties(m, nm);
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
                              "exponents tau, alpha, gamma; Barkhausen noise: mean field (ABBM, "
                              "a line over the driving rate c, fitted) and short range, which "
                              "predict tau, alpha, gamma only) and ranks them by the p-value of "
                              "chi^2 = sum (x - x_class)^2 / (dx^2 + dx_class^2) over the "
                              "exponents each class predicts; distance = sqrt(chi^2/n) is the "
                              "typical deviation in error bars. When two or more classes lie "
                              "within 2 sigma (p >= 0.0455) it warns that the data cannot tell "
                              "them apart, and says what could (results.ties).",
                   .example = "dnncrit classify --delta 0.161,0.003 --z 1.56,0.03",
                   .opts = opts,
                   .nopts = nopts};
    cli_runner r = {run, &a, &plot, &a.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
