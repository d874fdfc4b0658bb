#include "avalanche_out.h"

#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/result.h"

dnc_status cli_outset_open(cli_outset *o, const char *prefix, const char *suffix, FILE **fp)
{
    if (o->n == DNC_OUTSET_MAX)
        return dnc_fail(DNC_EINVAL, "too many output files");
    char *path = dnc_path_with_suffix(prefix, suffix);
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_status st = dnc_afile_open(&o->f[o->n], path);
    if (st) {
        free(path);
        return st;
    }
    o->path[o->n] = path;
    *fp = o->f[o->n].fp;
    o->n++;
    return DNC_OK;
}

void cli_outset_abort(cli_outset *o)
{
    for (size_t i = 0; i < o->n; i++) {
        dnc_afile_abort(&o->f[i]);
        free(o->path[i]);
    }
    o->n = 0;
}

/* "_sizes_pdf.csv" -> "sizes_pdf_csv", ".csv" -> "csv" */
static void key_of(const char *suffix, char *key, size_t cap)
{
    while (*suffix == '_' || *suffix == '.')
        suffix++;
    size_t i = 0;
    for (; suffix[i] && i + 1 < cap; i++)
        key[i] = suffix[i] == '.' ? '_' : suffix[i];
    key[i] = '\0';
}

dnc_status cli_outset_commit(cli_outset *o, const char *prefix, cJSON *root)
{
    cJSON *outs = cJSON_AddObjectToObject(root, "outputs");
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < o->n; i++) {
        char key[64];
        key_of(o->path[i] + plen, key, sizeof key);
        cJSON_AddStringToObject(outs, key, cli_base_name(o->path[i]));
    }
    char *jpath = dnc_path_with_suffix(prefix, ".json");
    if (!jpath) {
        cli_outset_abort(o);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    /* JSON first into its own temporary, then every CSV: an error before
     * the renames leaves nothing behind. */
    dnc_afile jf;
    dnc_status st = dnc_afile_open(&jf, jpath);
    if (!st) {
        char *text = cJSON_Print(root);
        if (!text || fputs(text, jf.fp) < 0 || fputc('\n', jf.fp) == EOF)
            st = dnc_fail(DNC_EIO, "cannot write '%s'", jpath);
        free(text);
        if (st)
            dnc_afile_abort(&jf);
    }
    free(jpath);
    if (st) {
        cli_outset_abort(o);
        return st;
    }
    for (size_t i = 0; i < o->n && !st; i++)
        st = dnc_afile_commit(&o->f[i]);
    if (st) {
        dnc_afile_abort(&jf);
        for (size_t i = 0; i < o->n; i++) {
            dnc_afile_abort(&o->f[i]);
            remove(o->path[i]);
        }
    } else {
        st = dnc_afile_commit(&jf);
    }
    for (size_t i = 0; i < o->n; i++)
        free(o->path[i]);
    o->n = 0;
    return st;
}

cJSON *cli_json_pl_fit(const dnc_pl_fit *f, double p_boot, const dnc_pl_compare *cmp)
{
    cJSON *o = cJSON_CreateObject();
    cli_json_value_error(o, "alpha", f->alpha, f->alpha_err);
    cli_json_number(o, "xmin", f->xmin);
    cli_json_number(o, "xmax", f->xmax);
    cJSON_AddBoolToObject(o, "xmin_fixed", f->xmin_fixed);
    cJSON_AddBoolToObject(o, "discrete", f->discrete);
    cJSON_AddNumberToObject(o, "n", (double)f->n);
    cJSON_AddNumberToObject(o, "n_tail", (double)f->n_tail);
    cli_json_number(o, "ks", f->ks);
    cli_json_number(o, "loglik", f->loglik);
    cli_json_number(o, "p_value", p_boot);
    if (cmp) {
        cJSON *c = cJSON_AddObjectToObject(o, "compare");
        for (int a = 0; a < DNC_PL_ALT_COUNT; a++) {
            cJSON *e = cJSON_AddObjectToObject(c, dnc_pl_alt_name((dnc_pl_alt)a));
            cli_json_number(e, "R", cmp[a].R);
            cli_json_number(e, "normalised_R", cmp[a].normalised_R);
            cli_json_number(e, "p", cmp[a].p);
            cJSON_AddBoolToObject(e, "nested", cmp[a].nested);
            cJSON_AddBoolToObject(e, "at_bound", cmp[a].at_bound);
            cli_json_number(e, "loglik", cmp[a].loglik);
            cJSON *pa = cJSON_AddArrayToObject(e, "params");
            int np = a == DNC_PL_ALT_EXPONENTIAL ? 1 : 2;
            for (int i = 0; i < np; i++)
                cJSON_AddItemToArray(pa, cJSON_CreateNumber(isfinite(cmp[a].params[i]) ? cmp[a].params[i] : 0));
            const char *pref = cmp[a].p > 0.1 ? "neither" : cmp[a].R > 0 ? "power_law"
                                                                           : dnc_pl_alt_name((dnc_pl_alt)a);
            cJSON_AddStringToObject(e, "preferred", pref);
        }
    }
    return o;
}

/* Why 100 tail samples: the standard error of the exponent is
 * (alpha - 1) / sqrt(n_tail) (CSN 2009, eq. 3.2), over 10% of alpha - 1
 * below 100, and with so few samples the KS scan can move xmin far into
 * the tail, where a few dozen events are fitted by almost any exponent:
 * `avalanches --width 256 --depth 100 --sigma-w 1 --networks 8` gave
 * tau = 9.99 from 97 tail events. */
size_t cli_pl_fit_warnings(const char *cmd, const char *what, const dnc_pl_fit *f,
                           double p_boot, cJSON *warnings)
{
    char msg[3][256];
    size_t nw = 0;
    if (f->n_tail < CLI_PL_MIN_RELIABLE_TAIL)
        snprintf(msg[nw++], sizeof msg[0],
                 "%s: only %zu samples in the tail above xmin = %g (fewer than %d): alpha = %.4g "
                 "is not a reliable estimate", what, f->n_tail, f->xmin,
                 CLI_PL_MIN_RELIABLE_TAIL, f->alpha);
    if (isfinite(p_boot) && p_boot < 0.1)
        snprintf(msg[nw++], sizeof msg[0],
                 "%s: bootstrap p = %.3f < 0.1: the power law is rejected as a description of "
                 "the tail", what, p_boot);
    if (!isfinite(f->alpha_err))
        snprintf(msg[nw++], sizeof msg[0],
                 "%s: alpha = %.4g has no finite standard error (flat or degenerate likelihood)",
                 what, f->alpha);
    for (size_t i = 0; i < nw; i++) {
        fprintf(stderr, "dnncrit%s%s: warning: %s\n", cmd ? " " : "", cmd ? cmd : "", msg[i]);
        cJSON_AddItemToArray(warnings, cJSON_CreateString(msg[i]));
    }
    return nw;
}

static void fput_num(FILE *fp, double v, const char *end)
{
    if (isfinite(v))
        fprintf(fp, "%.10g%s", v, end);
    else
        fprintf(fp, "nan%s", end);
}

int cli_ccdf_rows_parse(const char *s, size_t *rows)
{
    if (strcmp(s, "all") == 0) {
        *rows = 0;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno || v < 2 || v > SIZE_MAX / 2)
        return -1;
    *rows = (size_t)v;
    return 0;
}

static void ccdf_row(FILE *fp, const double *s, size_t n, size_t i, const dnc_pl_fit *fit,
                     double frac)
{
    double fitv = s[i] >= fit->xmin && s[i] <= fit->xmax ? frac * dnc_pl_ccdf(fit, s[i]) : NAN;
    fput_num(fp, s[i], ",");
    fput_num(fp, (double)(n - i) / (double)n, ",");
    fput_num(fp, fitv, "\n");
}

dnc_status cli_write_ccdf_csv(FILE *fp, const double *s, size_t n, const dnc_pl_fit *fit,
                              size_t rows)
{
    double frac = (double)fit->n_tail / (double)n;
    dnc_result_write_header(fp, DNC_RESULT_CCDF);
    if (n == 0) {
        /* the header alone */
    } else if (rows == 0 || !(s[0] > 0)) { /* every distinct value */
        for (size_t i = 0; i < n; i++)
            if (i == 0 || s[i] != s[i - 1])
                ccdf_row(fp, s, n, i, fit, frac);
    } else {
        /* the first distinct value at or above each of rows + 1 log-spaced
         * points t_j = s[0] (s[n-1] / s[0])^(j / rows), j = 0..rows: evenly
         * spread on a log-log plot, both ends included, each value once.
         * ccdf_data stays exact: the fraction of samples >= x. */
        double l0 = log(s[0]), step = (log(s[n - 1]) - l0) / (double)rows;
        size_t i = 0, last = SIZE_MAX;
        for (size_t j = 0; j <= rows; j++) {
            double t = j == 0 ? s[0] : j == rows ? s[n - 1] : fmin(exp(l0 + step * (double)j), s[n - 1]);
            while (i < n && s[i] < t)
                i++;
            if (i == n || (last != SIZE_MAX && s[i] == s[last]))
                continue;
            ccdf_row(fp, s, n, i, fit, frac);
            last = i;
        }
    }
    return ferror(fp) ? dnc_fail(DNC_EIO, "write error") : DNC_OK;
}

dnc_status cli_write_pdf_csv(FILE *fp, const double *s, size_t n, const dnc_pl_fit *fit)
{
    enum { CAP = 400 };
    double c[CAP], d[CAP], lo = n ? s[0] : INFINITY;
    size_t nb;
    dnc_status st = dnc_pl_log_histogram(s, n, fit->discrete, lo, pow(10, 0.1), c, d, CAP, &nb);
    if (st)
        return st;
    double frac = (double)fit->n_tail / (double)n;
    dnc_result_write_header(fp, DNC_RESULT_DENSITY);
    for (size_t b = 0; b < nb; b++) {
        if (d[b] == 0)
            continue;
        double f = c[b] >= fit->xmin && c[b] <= fit->xmax ? frac * dnc_pl_pdf(fit, c[b]) : NAN;
        fput_num(fp, c[b], ",");
        fput_num(fp, d[b], ",");
        fput_num(fp, f, "\n");
    }
    return ferror(fp) ? dnc_fail(DNC_EIO, "write error") : DNC_OK;
}

static dnc_status write_dist_pair(cli_outset *o, const char *prefix, const char *name,
                                  const double *x, size_t n, const dnc_pl_fit *fit,
                                  size_t ccdf_rows)
{
    char suffix[64];
    FILE *fp;
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    memcpy(s, x, n * sizeof *s);
    dnc_pl_sort(s, n);
    snprintf(suffix, sizeof suffix, "_%s.csv", name);
    dnc_status st = cli_outset_open(o, prefix, suffix, &fp);
    if (!st)
        st = cli_write_ccdf_csv(fp, s, n, fit, ccdf_rows);
    snprintf(suffix, sizeof suffix, "_%s_pdf.csv", name);
    if (!st)
        st = cli_outset_open(o, prefix, suffix, &fp);
    if (!st)
        st = cli_write_pdf_csv(fp, s, n, fit);
    free(s);
    return st;
}

dnc_status cli_write_avalanche_outputs(cli_outset *o, const char *prefix,
                                       const dnc_avalanches *av,
                                       const dnc_avalanche_analysis *an, size_t ccdf_rows,
                                       cJSON *results)
{
    FILE *fp;
    dnc_status st = cli_outset_open(o, prefix, "_avalanches.csv", &fp);
    if (st)
        return st;
    dnc_result_write_header(fp, DNC_RESULT_AVALANCHE_LIST);
    for (size_t i = 0; i < av->count; i++)
        fprintf(fp, "%zu,%zu,%.10g,%.10g\n", i, av->start[i], av->size[i], av->duration[i]);
    if ((st = write_dist_pair(o, prefix, "sizes", av->size, av->count, &an->size, ccdf_rows)) ||
        (st = write_dist_pair(o, prefix, "durations", av->duration, av->count, &an->duration,
                              ccdf_rows)))
        return st;
    if (an->gamma_ok && (st = cli_outset_open(o, prefix, "_sizedur.csv", &fp)))
        return st;
    if (an->gamma_ok)
        dnc_result_write_header(fp, DNC_RESULT_SIZE_DURATION);
    for (size_t j = 0; an->gamma_ok && j < an->sd.ndur; j++) {
        double T = an->sd.T[j];
        fprintf(fp, "%.10g,%zu,%.10g,%.10g,%.10g,%d\n", T, an->sd.n[j], an->sd.mean_S[j],
                an->sd.sem_S[j], exp(an->sd.log_amplitude) * pow(T, an->sd.gamma),
                T >= an->sd.tmin && T <= an->sd.tmax);
    }
    if (an->collapse_ok) {
        if ((st = cli_outset_open(o, prefix, "_shape.csv", &fp)))
            return st;
        const dnc_shape_collapse *c = &an->collapse;
        dnc_result_write_columns(fp, DNC_RESULT_AVALANCHE_SHAPE, 0, SIZE_MAX, 0);
        for (size_t d = 0; d < c->ndur; d++)
            fprintf(fp, ",T%.0f", c->T[d]);
        fprintf(fp, "\n");
        for (size_t g = 0; g < c->grid; g++) {
            fprintf(fp, "%.10g,%.10g", c->x[g], c->shape[g]);
            for (size_t d = 0; d < c->ndur; d++)
                fprintf(fp, ",%.10g", c->scaled[d * c->grid + g]);
            fprintf(fp, "\n");
        }
    }
    cJSON_AddNumberToObject(results, "avalanches", (double)av->count);
    cJSON_AddItemToObject(results, "size", cli_json_pl_fit(&an->size, an->size_p,
                                                           an->compared ? an->size_cmp : NULL));
    cJSON_AddItemToObject(results, "duration",
                          cli_json_pl_fit(&an->duration, an->duration_p,
                                          an->compared ? an->duration_cmp : NULL));
    cJSON *warn = cJSON_AddArrayToObject(results, "warnings");
    cli_pl_fit_warnings(NULL, "avalanche sizes", &an->size, an->size_p, warn);
    cli_pl_fit_warnings(NULL, "avalanche durations", &an->duration, an->duration_p, warn);
    cli_json_value_error(results, "tau", an->size.alpha, an->size.alpha_err);
    cli_json_value_error(results, "alpha", an->duration.alpha, an->duration.alpha_err);
    cli_json_value_error(results, "gamma", an->gamma_ok ? an->sd.gamma : NAN,
                         an->gamma_ok ? an->sd.gamma_err : NAN);
    if (!an->gamma_ok)
        cJSON_AddStringToObject(results, "gamma_error", an->gamma_error);
    cJSON *g = cJSON_AddObjectToObject(results, "gamma_fit");
    cli_json_number(g, "tmin", an->sd.tmin);
    cli_json_number(g, "tmax", an->sd.tmax);
    cJSON_AddNumberToObject(g, "points", (double)an->sd.npoints);
    cJSON *c = cJSON_AddObjectToObject(results, "crackling");
    cli_json_value_error(c, "predicted_gamma", an->crackling.predicted, an->crackling.predicted_err);
    cli_json_value_error(c, "difference", an->crackling.difference, an->crackling.difference_err);
    cli_json_number(c, "z", an->crackling.z);
    if (an->collapse_ok) {
        cJSON *s = cJSON_AddObjectToObject(results, "shape_collapse");
        cli_json_value_error(s, "exponent", an->collapse.exponent, an->collapse.exponent_err);
        cli_json_number(s, "cost", an->collapse.cost);
        cJSON_AddNumberToObject(s, "durations", (double)an->collapse.ndur);
        cli_json_number(s, "exponent_minus_gamma", an->collapse.exponent - an->sd.gamma);
    }
    cli_json_number(results, "size_susceptibility", an->chi_S);
    return ferror(fp) ? dnc_fail(DNC_EIO, "write error") : DNC_OK;
}

void cli_print_avalanche_summary(const dnc_avalanche_analysis *an)
{
    printf("avalanches: %zu\n", an->count);
    printf("  tau   (sizes)     %.4f +- %.4f   xmin %g, %zu in tail, KS %.4f", an->size.alpha,
           an->size.alpha_err, an->size.xmin, an->size.n_tail, an->size.ks);
    if (isfinite(an->size_p))
        printf(", p %.3f", an->size_p);
    printf("\n  alpha (durations) %.4f +- %.4f   xmin %g, %zu in tail, KS %.4f", an->duration.alpha,
           an->duration.alpha_err, an->duration.xmin, an->duration.n_tail, an->duration.ks);
    if (isfinite(an->duration_p))
        printf(", p %.3f", an->duration_p);
    printf("\n");
    if (!an->gamma_ok) {
        printf("  gamma: not fitted (%s)\n", an->gamma_error);
    } else {
        printf("  gamma <S>(T)      %.4f +- %.4f   T in [%g, %g], %zu durations\n", an->sd.gamma,
               an->sd.gamma_err, an->sd.tmin, an->sd.tmax, an->sd.npoints);
        printf("  crackling (alpha-1)/(tau-1) = %.4f +- %.4f; gamma - that = %.4f +- %.4f (%.1f sigma)\n",
           an->crackling.predicted, an->crackling.predicted_err, an->crackling.difference,
           an->crackling.difference_err, an->crackling.z);
    }
    if (an->collapse_ok)
        printf("  shape collapse exponent %.4f +- %.4f (%zu durations)\n", an->collapse.exponent,
               an->collapse.exponent_err, an->collapse.ndur);
    if (an->compared)
        for (int a = 0; a < DNC_PL_ALT_COUNT; a++)
            printf("  sizes vs %-22s R %+9.3f  normalised %+7.3f  p %.3g\n",
                   dnc_pl_alt_name((dnc_pl_alt)a), an->size_cmp[a].R, an->size_cmp[a].normalised_R,
                   an->size_cmp[a].p);
}

void cli_json_crackling(cJSON *o, const dnc_crackling_measurement *m)
{
    cJSON_AddNumberToObject(o, "avalanches", (double)m->count);
    cli_json_value_error(o, "tau", m->tau, m->tau_err);
    cli_json_number(o, "tau_xmin", m->size_xmin);
    cJSON_AddNumberToObject(o, "tau_tail", (double)m->size_tail);
    cli_json_value_error(o, "alpha", m->alpha, m->alpha_err);
    cli_json_number(o, "alpha_xmin", m->duration_xmin);
    cJSON_AddNumberToObject(o, "alpha_tail", (double)m->duration_tail);
    cli_json_value_error(o, "gamma", m->gamma, m->gamma_err);
    cli_json_number(o, "gamma_tmin", m->gamma_tmin);
    cli_json_number(o, "gamma_tmax", m->gamma_tmax);
    cJSON_AddNumberToObject(o, "gamma_durations", (double)m->gamma_durations);
    if (!m->gamma_ok)
        cJSON_AddStringToObject(o, "gamma_error", m->gamma_error);
    cli_json_value_error(o, "predicted_gamma", m->cr.predicted, m->cr.predicted_err);
    cli_json_number(o, "deviation", m->cr.difference);
    cli_json_number(o, "deviation_err_propagated", m->cr.difference_err);
    cli_json_number(o, "deviation_err_bootstrap", m->boot_err);
    cli_json_number(o, "deviation_bootstrap_lo", m->boot_lo);
    cli_json_number(o, "deviation_bootstrap_hi", m->boot_hi);
    cJSON_AddNumberToObject(o, "bootstrap_kept", (double)m->boot_kept);
    cli_json_number(o, "deviation_err", m->err);
    cli_json_number(o, "deviation_sigmas", m->z);
    cli_json_value_error(o, "collapse_exponent", m->collapse_exponent, m->collapse_exponent_err);
    cli_json_number(o, "collapse_cost", m->collapse_cost);
    cJSON_AddNumberToObject(o, "collapse_durations", (double)m->collapse_durations);
}
