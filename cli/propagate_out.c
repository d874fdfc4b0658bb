#include "propagate_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "dnncrit/observables.h"

void dnc_layer_table_free(dnc_layer_table *t)
{
    free(t->q);
    free(t->c);
    free(t->rho);
    memset(t, 0, sizeof *t);
}

dnc_status dnc_layer_table_meanfield(const dnc_propagate_opts *o, const double *X,
                                     dnc_layer_table *mf)
{
    (void)o;
    (void)X;
    memset(mf, 0, sizeof *mf);
    return DNC_OK;
}

void dnc_json_add_net(cJSON *obj, const dnc_mlp_config *net)
{
    cJSON_AddNumberToObject(obj, "width", (double)net->width);
    cJSON_AddNumberToObject(obj, "depth", (double)net->depth);
    cJSON_AddNumberToObject(obj, "input_width", (double)dnc_mlp_input_width(net));
    cJSON_AddStringToObject(obj, "activation", dnc_activation_name(net->activation));
    cJSON_AddNumberToObject(obj, "sigma_w", net->sigma_w);
    cJSON_AddNumberToObject(obj, "sigma_b", net->sigma_b);
    if (net->seed <= ((uint64_t)1 << 53)) {
        cJSON_AddNumberToObject(obj, "seed", (double)net->seed);
    } else { /* beyond the exact range of a JSON number */
        char s[32];
        snprintf(s, sizeof s, "%llu", (unsigned long long)net->seed);
        cJSON_AddStringToObject(obj, "seed", s);
    }
}

double dnc_lyapunov_error(const dnc_propagate_result *r)
{
    if (!r->lyap || r->depth < 2)
        return NAN;
    double m = r->lyapunov, s = 0;
    for (size_t l = 0; l < r->depth; l++)
        s += (r->lyap[l] - m) * (r->lyap[l] - m);
    return sqrt(s / (double)(r->depth - 1) / (double)r->depth);
}

static cJSON *value_error(double v, double e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "value", v);
    cJSON_AddNumberToObject(o, "error", e);
    return o;
}

/* cJSON writes non-finite numbers as null, which is what we want. */
void dnc_json_add_propagate_results(cJSON *root, const dnc_propagate_opts *o,
                                    const dnc_propagate_result *r)
{
    cJSON *res = cJSON_AddObjectToObject(root, "results");
    size_t L = r->depth;
    cJSON_AddNumberToObject(res, "final_q", r->q[L - 1]);
    cJSON_AddNumberToObject(res, "final_c", r->c[L - 1]);
    cJSON_AddNumberToObject(res, "final_rho", r->rho[L - 1]);
    if (o->lyapunov)
        cJSON_AddItemToObject(res, "lyapunov", value_error(r->lyapunov, dnc_lyapunov_error(r)));
    cJSON_AddNumberToObject(res, "gemm_flops", r->flops);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "timings");
    if (!t)
        t = cJSON_AddObjectToObject(root, "timings");
    cJSON_AddNumberToObject(t, "propagate_s", r->seconds);
    cJSON_AddNumberToObject(t, "gflops", r->seconds > 0 ? r->flops / r->seconds * 1e-9 : 0.0);
}

dnc_status dnc_write_layer_csv(FILE *fp, const dnc_propagate_result *r, const dnc_layer_table *mf)
{
    fprintf(fp, "layer,q,c,rho%s%s\n", r->lyap ? ",lyap" : "", mf->depth ? ",q_mf,c_mf,rho_mf" : "");
    for (size_t l = 0; l < r->depth; l++) {
        fprintf(fp, "%zu,%.17g,%.17g,%.17g", l + 1, r->q[l], r->c[l], r->rho[l]);
        if (r->lyap)
            fprintf(fp, ",%.17g", r->lyap[l]);
        if (mf->depth)
            fprintf(fp, ",%.17g,%.17g,%.17g", mf->q[l], mf->c[l], mf->rho[l]);
        fputc('\n', fp);
    }
    return DNC_OK;
}

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

dnc_status dnc_write_layer_outputs(const char *prefix, const dnc_propagate_result *r,
                                   const dnc_layer_table *mf, cJSON *root)
{
    char *csv = dnc_path_with_suffix(prefix, ".csv");
    char *json = dnc_path_with_suffix(prefix, ".json");
    dnc_afile fc = {0}, fj = {0};
    dnc_status st = csv && json ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    char *text = NULL;
    if (!st) {
        cJSON *outs = cJSON_AddObjectToObject(root, "outputs");
        cJSON_AddStringToObject(outs, "csv", basename_of(csv));
        text = cJSON_Print(root);
        if (!text)
            st = dnc_fail(DNC_ENOMEM, "cannot serialise JSON for '%s'", json);
    }
    if (!st && !(st = dnc_afile_open(&fc, csv)) && !(st = dnc_afile_open(&fj, json))) {
        dnc_write_layer_csv(fc.fp, r, mf);
        fprintf(fj.fp, "%s\n", text);
        /* both files are complete before either appears */
        if (!(st = dnc_afile_commit(&fc)) && (st = dnc_afile_commit(&fj)))
            remove(csv);
    }
    if (st) {
        dnc_afile_abort(&fc);
        dnc_afile_abort(&fj);
    }
    free(text);
    free(csv);
    free(json);
    return st;
}

void dnc_print_layer_table(FILE *fp, const dnc_propagate_result *r, const dnc_layer_table *mf)
{
    fprintf(fp, "%8s %14s %12s %12s%s%s\n", "layer", "q", "c", "rho", r->lyap ? "         lyap" : "",
            mf->depth ? "       rho_mf" : "");
    size_t prev = 0;
    for (int k = 0; k <= 10; k++) {
        size_t l = (size_t)llround(pow((double)r->depth, k / 10.0));
        if (l <= prev || l > r->depth)
            continue;
        prev = l;
        fprintf(fp, "%8zu %14.6g %12.6g %12.6g", l, r->q[l - 1], r->c[l - 1], r->rho[l - 1]);
        if (r->lyap)
            fprintf(fp, " %12.5f", r->lyap[l - 1]);
        if (mf->depth)
            fprintf(fp, " %12.6g", mf->rho[l - 1]);
        fputc('\n', fp);
    }
}
