/* Claims, their verdict rule, claims.csv and a claim's figure (dnncrit/reproduce.h). */
#include "dnncrit/reproduce.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "dnncrit/result.h"
#include "dnncrit/sweep.h"

const char *dnc_verdict_name(dnc_verdict v)
{
    switch (v) {
    case DNC_VERDICT_SUPPORTED: return "supported";
    case DNC_VERDICT_NOT_SUPPORTED: return "not supported";
    case DNC_VERDICT_INCONCLUSIVE: break;
    }
    return "inconclusive";
}

void dnc_claim_judge(dnc_claim *c, double m, double e, double p, double alt)
{
    c->measured = m;
    c->error = e;
    c->paper_value = p;
    if (!isfinite(m) || !isfinite(e) || e <= 0 || !isfinite(p)) {
        c->verdict = DNC_VERDICT_INCONCLUSIVE;
        snprintf(c->rule, sizeof c->rule,
                 "no finite measurement with a positive error: inconclusive");
        return;
    }
    double z = fabs(m - p) / e, za = isfinite(alt) ? fabs(m - alt) / e : INFINITY;
    if (z > 3)
        c->verdict = DNC_VERDICT_NOT_SUPPORTED;
    else if (z <= 2 && za > 2)
        c->verdict = DNC_VERDICT_SUPPORTED;
    else
        c->verdict = DNC_VERDICT_INCONCLUSIVE;
    if (isfinite(alt))
        snprintf(c->rule, sizeof c->rule,
                 "|m - paper|/err = %.2f, |m - alternative %.4g|/err = %.2f: supported if the "
                 "first <= 2 and the second > 2, not supported if the first > 3, else inconclusive",
                 z, alt, za);
    else
        snprintf(c->rule, sizeof c->rule,
                 "|m - paper|/err = %.2f: supported if <= 2, not supported if > 3, else "
                 "inconclusive", z);
}

static void csv_text(FILE *fp, const char *s, const char *sep)
{
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    if (quote) {
        fputc('"', fp);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', fp);
            fputc(*s, fp);
        }
        fputc('"', fp);
    } else {
        fputs(s, fp);
    }
    fputs(sep, fp);
}

dnc_status dnc_claims_write_csv(const char *path, const dnc_claim *claims, size_t n)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    dnc_result_write_header(f.fp, DNC_RESULT_CLAIMS);
    for (size_t i = 0; i < n; i++) {
        const dnc_claim *c = &claims[i];
        csv_text(f.fp, c->claim, ",");
        csv_text(f.fp, c->paper, ",");
        dnc_csv_number(f.fp, c->measured, 6, ",");
        dnc_csv_number(f.fp, c->error, 6, ",");
        csv_text(f.fp, dnc_verdict_name(c->verdict), ",");
        csv_text(f.fp, c->command, "\n");
    }
    return dnc_afile_commit(&f);
}

dnc_status dnc_claim_figure(const dnc_reproduce_opts *o, dnc_claim *c, const dnc_figure *fig,
                            const char *name)
{
    if (!o || !o->out_dir || !c || !fig || !name || !*name || strchr(name, '/') ||
        strlen(name) >= sizeof c->figure)
        return dnc_fail(DNC_EINVAL, "claim figure: needs an output folder, a figure and a "
                                    "plain file name shorter than %zu characters",
                        sizeof c->figure);
    c->figure[0] = '\0';
    if (!dnc_plot_available()) {
        snprintf(c->note, sizeof c->note, "no figure: gnuplot is not available");
        return DNC_OK;
    }
    char *path = dnc_sweep_path(o->out_dir, name);
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    if (dnc_figure_render(fig, path, DNC_PLOT_PNG) == DNC_OK)
        snprintf(c->figure, sizeof c->figure, "%s", name);
    else
        snprintf(c->note, sizeof c->note, "figure not rendered: %s", dnc_last_error());
    dnc_clear_error();
    free(path);
    return DNC_OK;
}
