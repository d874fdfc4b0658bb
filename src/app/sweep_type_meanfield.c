/* The `meanfield` sweep type (a plug-in of the type table, sweep_types.c). */
#include <math.h>
#include <string.h>

#include "dnncrit/meanfield.h"
#include "app/sweep_types.h"

static const dnc_sweep_param meanfield_params[] = {
    DNC_NET_PARAM_ACTIVATION("tanh"),
    DNC_NET_PARAM_SIGMA_B("0"),
    DNC_NET_PARAM_SIGMA_W("1"),
};
static const char *const meanfield_columns[] = {
    "q_star", "chi_1", "chi_q", "kappa", "xi_q", "xi_c", "c_star", "rho_star", "phase",
    "sigma_w_crit",
};

static dnc_mf_params mf_params_of(const dnc_sweep_point *p)
{
    dnc_mf_params m = {dnc_sweep_get_activation(p, "activation"),
                       dnc_sweep_get_double(p, "sigma_w"), dnc_sweep_get_double(p, "sigma_b")};
    return m;
}

static dnc_status meanfield_validate(const dnc_sweep_point *p)
{
    dnc_mf_params m = mf_params_of(p);
    return dnc_mf_validate(&m);
}

static dnc_status meanfield_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    dnc_mf_params m = mf_params_of(p);
    dnc_mf_point r;
    dnc_status st = dnc_mf_analyse(&m, &r);
    if (st)
        return st;
    /* No critical point (e.g. for some sigma_b) is an answer, not an error. */
    double crit = NAN;
    if (dnc_mf_critical_sigma_w(m.activation, m.sigma_b, &crit) != DNC_OK) {
        cJSON_AddStringToObject(detail, "sigma_w_crit_note", dnc_last_error());
        crit = NAN;
    }
    double v[] = {r.q_star, r.chi_1,    r.chi_q,          r.kappa_exists ? r.kappa : NAN,
                  r.xi_q,   r.xi_c,     r.c_star,         r.rho_star,
                  (double)r.phase, crit};
    memcpy(row, v, sizeof v);
    cJSON_AddBoolToObject(detail, "kappa_exists", r.kappa_exists);
    if (!r.kappa_exists)
        cJSON_AddStringToObject(detail, "kappa_note", dnc_mf_kappa_note(m.activation));
    cJSON_AddStringToObject(detail, "phase", dnc_mf_phase_name(r.phase));
    return DNC_OK;
}

const dnc_sweep_experiment dnc_sweep_type_meanfield = DNC_SWEEP_TYPE(
    "meanfield", "mean-field fixed point, chi_1, kappa, depth scales (dnc_mf_analyse)", meanfield);
