#include "mf_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dnncrit/io.h"

cJSON *mf_point_json(const dnc_mf_point *o, dnc_activation act)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cli_json_number(j, "q_star", o->q_star);
    if (isnan(o->q_star))
        cJSON_AddStringToObject(j, "q_star_note",
                                "marginal length map (every q is a fixed point, e.g. relu with "
                                "sigma_w^2 = 2, sigma_b = 0); correlation quantities are those "
                                "of the scale-free map");
    if (isinf(o->q_star))
        cJSON_AddStringToObject(j, "q_star_note",
                                "the length map diverges: no finite q*; correlation quantities "
                                "are those of the scale-free (q -> inf) limit");
    cli_json_number(j, "chi_1", o->chi_1);
    cli_json_number(j, "chi_q", o->chi_q);
    cli_json_number(j, "kappa", o->kappa);
    cJSON_AddBoolToObject(j, "kappa_exists", o->kappa_exists);
    if (!o->kappa_exists && *dnc_mf_kappa_note(act))
        cJSON_AddStringToObject(j, "kappa_note", dnc_mf_kappa_note(act));
    cli_json_number(j, "xi_q", o->xi_q);
    cli_json_number(j, "xi_c", o->xi_c);
    if (isinf(o->xi_c))
        cJSON_AddStringToObject(j, "xi_c_note", "infinite: chi_1 = 1 (critical)");
    cli_json_number(j, "c_star", o->c_star);
    cli_json_number(j, "rho_star", o->rho_star);
    cJSON_AddStringToObject(j, "phase", dnc_mf_phase_name(o->phase));
    return j;
}

void mf_print_point(FILE *fp, const dnc_mf_point *o, dnc_activation act)
{
    fprintf(fp, "  q*      %.10g%s\n", o->q_star,
            isinf(o->q_star)   ? "  (length map diverges; scale-free limit used)"
            : isnan(o->q_star) ? "  (marginal: every q is a fixed point; scale-free map used)"
                               : "");
    fprintf(fp, "  chi_1   %.10g\n", o->chi_1);
    fprintf(fp, "  chi_q   %.10g\n", o->chi_q);
    if (o->kappa_exists)
        fprintf(fp, "  kappa   %.10g\n", o->kappa);
    else
        fprintf(fp, "  kappa   does not exist: %s\n", dnc_mf_kappa_note(act));
    fprintf(fp, "  xi_q    %.10g\n", o->xi_q);
    fprintf(fp, "  xi_c    %.10g\n", o->xi_c);
    fprintf(fp, "  c*      %.10g\n", o->c_star);
    fprintf(fp, "  rho*    %.10g\n", o->rho_star);
    fprintf(fp, "  phase   %s\n", dnc_mf_phase_name(o->phase));
}

void mf_csv_number(FILE *fp, double v, const char *sep)
{
    dnc_csv_number(fp, v, 17, sep);
}

dnc_status mf_write_outputs(const char *prefix, const char *csv_text, cJSON *record)
{
    char *csv_path = dnc_path_with_suffix(prefix, ".csv");
    char *json_path = dnc_path_with_suffix(prefix, ".json");
    dnc_status st = DNC_OK;
    if (!csv_path || !json_path) {
        st = dnc_fail(DNC_ENOMEM, "out of memory");
        goto done;
    }
    if (csv_text) {
        cJSON *outputs = cJSON_AddObjectToObject(record, "outputs");
        if (outputs)
            cJSON_AddStringToObject(outputs, "csv", cli_base_name(csv_path));
    }
    char *json = cJSON_Print(record);
    if (!json) {
        st = dnc_fail(DNC_ENOMEM, "out of memory printing JSON");
        goto done;
    }
    dnc_afile fc = {0}, fj = {0};
    if (csv_text && (st = dnc_afile_open(&fc, csv_path))) {
        free(json);
        goto done;
    }
    if ((st = dnc_afile_open(&fj, json_path))) {
        dnc_afile_abort(&fc);
        free(json);
        goto done;
    }
    if (csv_text)
        fputs(csv_text, fc.fp);
    fputs(json, fj.fp);
    fputc('\n', fj.fp);
    free(json);
    if (csv_text && (st = dnc_afile_commit(&fc))) {
        dnc_afile_abort(&fj);
        goto done;
    }
    if ((st = dnc_afile_commit(&fj)) && csv_text)
        unlink(csv_path);
done:
    free(csv_path);
    free(json_path);
    return st;
}

dnc_status mf_text_open(mf_text *t)
{
    t->text = NULL;
    t->len = t->cap = 0;
    t->fp = open_memstream(&t->text, &t->len);
    if (!t->fp)
        return dnc_fail(DNC_ENOMEM, "out of memory for the CSV buffer");
    return DNC_OK;
}

dnc_status mf_text_close(mf_text *t)
{
    if (t->fp && fclose(t->fp) != 0) {
        t->fp = NULL;
        return dnc_fail(DNC_ENOMEM, "out of memory writing the CSV buffer");
    }
    t->fp = NULL;
    return DNC_OK;
}

void mf_text_free(mf_text *t)
{
    if (t->fp)
        fclose(t->fp);
    t->fp = NULL;
    free(t->text);
    t->text = NULL;
}
