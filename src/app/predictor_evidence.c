/* A predictor study's verdict for advise (dnc_predictor_evidence_read:
 * train-sweep's sweep.json, results.predictors) and the initialisation
 * each candidate predictor favours (dnc_predictor_favours). */
#include "dnncrit/train_sweep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"

static const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* A number, or NAN for null (an interval the study could not give). */
static bool number_or_null(const cJSON *o, const char *key, double *v)
{
    const cJSON *it = item(o, key);
    if (cJSON_IsNumber(it)) {
        *v = it->valuedouble;
        return true;
    }
    *v = NAN;
    return cJSON_IsNull(it);
}

/* The candidate called name in the candidates array, its coefficient and
 * interval. */
static dnc_status candidate(const cJSON *arr, const char *name, double *rho, double *lo,
                            double *hi)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, arr)
    {
        const cJSON *n = item(c, "name");
        if (!cJSON_IsString(n) || strcmp(n->valuestring, name) != 0)
            continue;
        if (!number_or_null(c, "spearman", rho) || !number_or_null(c, "ci95_lo", lo) ||
            !number_or_null(c, "ci95_hi", hi))
            return dnc_fail(DNC_EINVAL, "candidate '%s' without spearman/ci95_lo/ci95_hi", name);
        return DNC_OK;
    }
    return dnc_fail(DNC_EINVAL, "results.predictors.candidates has no '%s'", name);
}

static dnc_status parse(const cJSON *root, dnc_predictor_evidence *ev)
{
    const cJSON *cmd = item(root, "command"), *cfg = item(root, "config"),
                *res = item(root, "results");
    if (!cJSON_IsString(cmd) || strcmp(cmd->valuestring, "train-sweep") != 0)
        return dnc_fail(DNC_EINVAL, "not a train-sweep record (\"command\": \"train-sweep\")");
    const cJSON *p = item(res, "predictors");
    if (!cJSON_IsObject(cfg) || !cJSON_IsObject(p))
        return dnc_fail(DNC_EINVAL, "no config or no results.predictors (a train-sweep from "
                                    "before the predictor study?)");
    const cJSON *act = item(cfg, "activation"), *ep = item(cfg, "epochs");
    if (!cJSON_IsString(act) || !cJSON_IsNumber(ep) || !(ep->valuedouble >= 1))
        return dnc_fail(DNC_EINVAL, "config without activation or epochs");
    snprintf(ev->activation, sizeof ev->activation, "%s", act->valuestring);
    ev->epochs = (size_t)ep->valuedouble;
    const cJSON *best = item(p, "best"), *second = item(p, "second"),
                *cells = item(p, "cells"), *arr = item(p, "candidates"),
                *diff = item(p, "difference");
    if (!cJSON_IsString(best) || !cJSON_IsString(second) || !cJSON_IsNumber(cells) ||
        !cJSON_IsArray(arr) || !cJSON_IsObject(diff))
        return dnc_fail(DNC_EINVAL, "results.predictors needs best and second (names), cells, "
                                    "candidates and difference");
    if (strlen(best->valuestring) >= sizeof ev->best ||
        strlen(second->valuestring) >= sizeof ev->second)
        return dnc_fail(DNC_EINVAL, "results.predictors: predictor name too long");
    snprintf(ev->best, sizeof ev->best, "%s", best->valuestring);
    snprintf(ev->second, sizeof ev->second, "%s", second->valuestring);
    ev->cells = cJSON_IsNumber(cells) && cells->valuedouble >= 0 ? (size_t)cells->valuedouble : 0;
    dnc_status st = candidate(arr, ev->best, &ev->best_rho, &ev->best_lo, &ev->best_hi);
    if (!st)
        st = candidate(arr, ev->second, &ev->second_rho, &ev->second_lo, &ev->second_hi);
    if (st)
        return st;
    if (!number_or_null(diff, "value", &ev->diff) || !number_or_null(diff, "ci95_lo", &ev->diff_lo) ||
        !number_or_null(diff, "ci95_hi", &ev->diff_hi))
        return dnc_fail(DNC_EINVAL, "results.predictors.difference needs value, ci95_lo, ci95_hi");
    const cJSON *ds = item(res, "depth_scale");
    ev->trained_max = ev->failed_min = NAN;
    if (cJSON_IsObject(ds)) {
        number_or_null(ds, "max_depth_over_xi_trained", &ev->trained_max);
        number_or_null(ds, "min_depth_over_xi_failed", &ev->failed_min);
    }
    if (!isfinite(ev->best_rho))
        return dnc_fail(DNC_EINVAL, "the best predictor '%s' has no coefficient", ev->best);
    return DNC_OK;
}

dnc_status dnc_predictor_evidence_read(const char *path, dnc_predictor_evidence *ev)
{
    memset(ev, 0, sizeof *ev);
    cJSON *root = NULL;
    dnc_status st = dnc_read_json(path, &root);
    if (st)
        return st;
    st = parse(root, ev);
    cJSON_Delete(root);
    if (st)
        return dnc_fail(st, "evidence '%s': %s", path, dnc_last_error());
    return DNC_OK;
}

dnc_predictor_favour dnc_predictor_favours(const char *name, double spearman, const char **why)
{
    static const struct {
        const char *name;
        dnc_predictor_favour favour;
        int sign; /* the sign of a coefficient that favours it */
        const char *why;
    } table[] = {
        {"abs_chi1_minus_1", DNC_FAVOUR_CRITICAL, -1, "|chi_1 - 1| is 0 at sigma_w*"},
        {"abs_distance_to_critical_line", DNC_FAVOUR_CRITICAL, -1,
         "|sigma_w - sigma_w*| is 0 at sigma_w*"},
        {"depth_over_xi_c", DNC_FAVOUR_CRITICAL, -1, "depth/xi_c is 0 at sigma_w* (xi_c infinite)"},
        {"abs_lyapunov_init", DNC_FAVOUR_CRITICAL, -1,
         "|lambda| is 0 at the finite-width edge of chaos, next to sigma_w*"},
        {"abs_distance_to_susceptibility_peak", DNC_FAVOUR_SUSC_PEAK, -1,
         "|sigma_w - sigma_w^peak| is 0 at the susceptibility peak"},
        {"susceptibility_init", DNC_FAVOUR_SUSC_PEAK, 1,
         "the susceptibility is largest at its peak"},
        {"kappa_L", DNC_FAVOUR_NONE, 0,
         "kappa L ranks sigma_b and depth at the edge of chaos; at a fixed sigma_b it does not "
         "pick a sigma_w"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].name, name) != 0)
            continue;
        if (table[i].favour != DNC_FAVOUR_NONE && !(spearman * table[i].sign > 0)) {
            *why = "its correlation with accuracy has the other sign (or none): the data do not "
                   "favour the initialisation it points to";
            return DNC_FAVOUR_NONE;
        }
        *why = table[i].why;
        return table[i].favour;
    }
    *why = "unknown predictor";
    return DNC_FAVOUR_NONE;
}
