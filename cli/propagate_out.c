#include "propagate_out.h"

#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/observables.h"
#include "dnncrit/result.h"

void cli_layer_table_free(cli_layer_table *t)
{
    free(t->q);
    free(t->c);
    free(t->rho);
    memset(t, 0, sizeof *t);
}

static dnc_status table_alloc(cli_layer_table *t, size_t depth)
{
    t->depth = depth;
    t->q = malloc(depth * sizeof *t->q);
    t->c = malloc(depth * sizeof *t->c);
    t->rho = malloc(depth * sizeof *t->rho);
    if (!t->q || !t->c || !t->rho) {
        cli_layer_table_free(t);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu layers", depth);
    }
    return DNC_OK;
}

/* The inputs' own q and mean pairwise c start the mean-field iteration, so
 * that theory and simulation see the same layer-0 statistics. */
static dnc_status input_statistics(const dnc_propagate_opts *o, const double *X, double *q,
                                   double *c)
{
    size_t B = o->batch, n0 = dnc_mlp_input_width(&o->net);
    double *Xg = NULL, *work = malloc(dnc_obs_cosine_workspace(B) * sizeof *work);
    if (!X) {
        X = Xg = malloc(B * n0 * sizeof *Xg);
        dnc_status st = Xg ? dnc_make_inputs(o, Xg) : DNC_ENOMEM;
        if (st) {
            free(Xg);
            free(work);
            return st == DNC_ENOMEM ? dnc_fail(st, "out of memory") : st;
        }
    }
    if (!work) {
        free(Xg);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    *q = dnc_obs_mean_square(X, B, n0);
    *c = B > 1 ? dnc_obs_mean_cosine(X, B, n0, work) : 1.0;
    free(Xg);
    free(work);
    return DNC_OK;
}

dnc_status cli_layer_table_meanfield(const dnc_propagate_opts *o, const double *X,
                                     cli_layer_table *mf)
{
    memset(mf, 0, sizeof *mf);
    if (o->residual_alpha > 0)
        return DNC_OK;
    double q_in = 0, c_in = 0;
    dnc_status st = input_statistics(o, X, &q_in, &c_in);
    if (st)
        return st;
    if (!(q_in > 0) || !isfinite(c_in) || fabs(c_in) > 1) /* e.g. zero inputs */
        return DNC_OK;
    size_t L = o->net.depth;
    /* post-activation c needs layer l + 1 of the pre-activation iteration */
    cli_layer_table pre = {0};
    if ((st = table_alloc(&pre, L + 1)) || (st = table_alloc(mf, L))) {
        cli_layer_table_free(&pre);
        return st;
    }
    dnc_mf_params p = {o->net.activation, o->net.sigma_w, o->net.sigma_b};
    st = dnc_mf_trajectory_rho(&p, q_in, c_in, L + 1, pre.q, pre.c, pre.rho);
    if (st) {
        cli_layer_table_free(&pre);
        cli_layer_table_free(mf);
        return st;
    }
    double sb2 = o->net.sigma_b * o->net.sigma_b;
    for (size_t l = 0; l < L; l++) {
        mf->q[l] = pre.q[l];
        if (o->corr == DNC_CORR_PRE) {
            mf->c[l] = pre.c[l];
            mf->rho[l] = pre.rho[l];
        } else { /* sigma_w^2 E[phi phi] = q12^{l+1} - sigma_b^2, likewise for E[phi^2] */
            mf->rho[l] = pre.q[l + 1] * pre.rho[l + 1] / (pre.q[l + 1] - sb2);
            mf->c[l] = 1 - mf->rho[l];
        }
        if (o->batch < 2)
            mf->c[l] = mf->rho[l] = NAN;
    }
    cli_layer_table_free(&pre);
    return DNC_OK;
}

void cli_json_add_net(cJSON *obj, const dnc_mlp_config *net)
{
    cJSON_AddNumberToObject(obj, "width", (double)net->width);
    cJSON_AddNumberToObject(obj, "depth", (double)net->depth);
    cJSON_AddNumberToObject(obj, "input_width", (double)dnc_mlp_input_width(net));
    cJSON_AddStringToObject(obj, "activation", dnc_activation_name(net->activation));
    cJSON_AddNumberToObject(obj, "sigma_w", net->sigma_w);
    cJSON_AddNumberToObject(obj, "sigma_b", net->sigma_b);
    cJSON_AddStringToObject(obj, "normals", dnc_normals_name(net->normals));
    if (net->seed <= ((uint64_t)1 << 53)) {
        cJSON_AddNumberToObject(obj, "seed", (double)net->seed);
    } else { /* beyond the exact range of a JSON number */
        char s[32];
        snprintf(s, sizeof s, "%llu", (unsigned long long)net->seed);
        cJSON_AddStringToObject(obj, "seed", s);
    }
}

double cli_lyapunov_error(const dnc_propagate_result *r)
{
    if (!r->lyap || r->depth < 2)
        return NAN;
    double m = r->lyapunov, s = 0;
    for (size_t l = 0; l < r->depth; l++)
        s += (r->lyap[l] - m) * (r->lyap[l] - m);
    return sqrt(s / (double)(r->depth - 1) / (double)r->depth);
}

/* cJSON writes non-finite numbers as null, which is what we want. */
void cli_json_add_propagate_results(cJSON *root, const dnc_propagate_opts *o,
                                    const dnc_propagate_result *r)
{
    cJSON *res = cJSON_AddObjectToObject(root, "results");
    size_t L = r->depth;
    cJSON_AddNumberToObject(res, "final_q", r->q[L - 1]);
    cJSON_AddNumberToObject(res, "final_c", r->c[L - 1]);
    cJSON_AddNumberToObject(res, "final_rho", r->rho[L - 1]);
    if (r->rho_err)
        cJSON_AddNumberToObject(res, "final_rho_err", r->rho_err[L - 1]);
    if (o->lyapunov)
        cJSON_AddItemToObject(res, "lyapunov",
                              dnc_json_estimate(r->lyapunov, r->networks > 1
                                                                 ? r->lyapunov_err
                                                                 : cli_lyapunov_error(r)));
    cJSON_AddNumberToObject(res, "gemm_flops", r->flops);
    cJSON_AddStringToObject(res, "ran_on", r->device);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "timings");
    if (!t)
        t = cJSON_AddObjectToObject(root, "timings");
    cJSON_AddNumberToObject(t, "propagate_s", r->seconds);
    cJSON_AddNumberToObject(t, "gflops", r->seconds > 0 ? r->flops / r->seconds * 1e-9 : 0.0);
}

dnc_status cli_write_layer_csv(FILE *fp, const dnc_propagate_result *r, const cli_layer_table *mf)
{
    uint64_t skip = 0; /* the columns of what was not computed */
    if (!r->lyap)
        skip |= 1u << DNC_PROP_LYAP | 1u << DNC_PROP_LYAP_ERR;
    if (!r->rho_err)
        skip |= 1u << DNC_PROP_Q_ERR | 1u << DNC_PROP_C_ERR | 1u << DNC_PROP_RHO_ERR |
                1u << DNC_PROP_LYAP_ERR;
    if (!mf->depth)
        skip |= 1u << DNC_PROP_Q_MF | 1u << DNC_PROP_C_MF | 1u << DNC_PROP_RHO_MF;
    dnc_result_write_columns(fp, DNC_RESULT_PROPAGATION, 0, SIZE_MAX, skip);
    fputc('\n', fp);
    for (size_t l = 0; l < r->depth; l++) {
        bool err = r->rho_err != NULL;
        fprintf(fp, "%zu,%.17g", l + 1, r->q[l]);
        if (err)
            fprintf(fp, ",%.17g", r->q_err[l]);
        fprintf(fp, ",%.17g", r->c[l]);
        if (err)
            fprintf(fp, ",%.17g", r->c_err[l]);
        fprintf(fp, ",%.17g", r->rho[l]);
        if (err)
            fprintf(fp, ",%.17g", r->rho_err[l]);
        if (r->lyap)
            fprintf(fp, ",%.17g", r->lyap[l]);
        if (r->lyap && err)
            fprintf(fp, ",%.17g", r->lyap_err[l]);
        if (mf->depth)
            fprintf(fp, ",%.17g,%.17g,%.17g", mf->q[l], mf->c[l], mf->rho[l]);
        fputc('\n', fp);
    }
    return DNC_OK;
}

dnc_status cli_write_layer_outputs(const char *prefix, const dnc_propagate_result *r,
                                   const cli_layer_table *mf, cJSON *root)
{
    char *csv = dnc_path_with_suffix(prefix, ".csv");
    char *json = dnc_path_with_suffix(prefix, ".json");
    dnc_afile fc = {0}, fj = {0};
    dnc_status st = csv && json ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    char *text = NULL;
    if (!st) {
        cJSON *outs = cJSON_AddObjectToObject(root, "outputs");
        cJSON_AddStringToObject(outs, "csv", cli_base_name(csv));
        text = cJSON_Print(root);
        if (!text)
            st = dnc_fail(DNC_ENOMEM, "cannot serialise JSON for '%s'", json);
    }
    if (!st && !(st = dnc_afile_open(&fc, csv)) && !(st = dnc_afile_open(&fj, json))) {
        cli_write_layer_csv(fc.fp, r, mf);
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

void cli_print_layer_table(FILE *fp, const dnc_propagate_result *r, const cli_layer_table *mf)
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
