#include "dnncrit/activation.h"

#include <math.h>
#include <string.h>

#include "core/activation_core.h"

static const char *const activation_names[DNC_ACT_COUNT] = {
    "tanh", "relu", "hard_tanh", "erf", "linear", "sigmoid", "gelu", "swish", "softplus",
};

dnc_status dnc_activation_parse(const char *name, dnc_activation *out)
{
    if (name == NULL)
        return dnc_fail(DNC_EINVAL, "no activation given");
    for (int a = 0; a < DNC_ACT_COUNT; a++) {
        if (strcmp(name, activation_names[a]) == 0) {
            *out = (dnc_activation)a;
            return DNC_OK;
        }
    }
    if (strcmp(name, "silu") == 0) {
        *out = DNC_ACT_SWISH;
        return DNC_OK;
    }
    return dnc_fail(DNC_EINVAL, "unknown activation '%s' (known: %s)", name, dnc_activation_list());
}

const char *dnc_activation_name(dnc_activation act)
{
    return (act >= 0 && act < DNC_ACT_COUNT) ? activation_names[act] : "invalid";
}

const char *dnc_activation_list(void)
{
    return "tanh, relu, hard_tanh, erf, linear, sigmoid, gelu, swish (silu), softplus";
}

double dnc_phi(dnc_activation act, double x)
{
    return dnc_phi_core(act, x);
}

double dnc_dphi(dnc_activation act, double x)
{
    return dnc_dphi_core(act, x);
}

double dnc_d2phi(dnc_activation act, double x)
{
    switch (act) {
    case DNC_ACT_TANH: {
        double t = tanh(x);
        return -2.0 * t * (1.0 - t * t);
    }
    case DNC_ACT_RELU:
    case DNC_ACT_HARD_TANH:
    case DNC_ACT_LINEAR: return 0.0;
    case DNC_ACT_ERF: return -2.2567583341910252 * x * exp(-x * x);
    case DNC_ACT_SIGMOID: {
        double s = act_sigmoid(x);
        return s * (1.0 - s) * (1.0 - 2.0 * s);
    }
    case DNC_ACT_GELU: return (2.0 - x * x) * act_gauss_pdf(x);
    case DNC_ACT_SWISH: {
        double s = act_sigmoid(x), ds = s * (1.0 - s);
        return 2.0 * ds + x * ds * (1.0 - 2.0 * s);
    }
    case DNC_ACT_SOFTPLUS: {
        double s = act_sigmoid(x);
        return s * (1.0 - s);
    }
    default: return NAN;
    }
}

int dnc_activation_kinks(dnc_activation act, double x[2], double jump[2])
{
    switch (act) {
    case DNC_ACT_RELU:
        x[0] = 0.0;
        jump[0] = 1.0;
        return 1;
    case DNC_ACT_HARD_TANH:
        x[0] = -1.0;
        jump[0] = 1.0;
        x[1] = 1.0;
        jump[1] = -1.0;
        return 2;
    default: return 0;
    }
}

bool dnc_activation_is_smooth(dnc_activation act)
{
    double x[2], j[2];
    return dnc_activation_kinks(act, x, j) == 0;
}

void dnc_phi_array(dnc_activation act, const double *x, double *y, double *d, size_t n)
{
    switch (act) {
    case DNC_ACT_TANH:
        for (size_t i = 0; i < n; i++) {
            double t = tanh(x[i]);
            y[i] = t;
            if (d)
                d[i] = 1.0 - t * t;
        }
        return;
    case DNC_ACT_RELU:
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            y[i] = v > 0 ? v : 0.0;
            if (d)
                d[i] = v > 0 ? 1.0 : 0.0;
        }
        return;
    default:
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            y[i] = dnc_phi(act, v);
            if (d)
                d[i] = dnc_dphi(act, v);
        }
        return;
    }
}

void dnc_phi_arrayf(dnc_activation act, const float *x, float *y, float *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        y[i] = (float)dnc_phi(act, v);
        if (d)
            d[i] = (float)dnc_dphi(act, v);
    }
}
