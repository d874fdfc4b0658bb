/* Claims, their verdict rule and claims.csv (dnncrit/reproduce.h). */
#include "dnncrit/reproduce.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dnncrit/io.h"

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
    fputs("claim,paper,measured,error,verdict,command\n", f.fp);
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
