/* phi and phi' of every activation, one source for the CPU (src/activation.c)
 * and the CUDA backend (src/cuda/). The GPU's tanh, exp, erf, erfc and log1p
 * are within 2 ulp of glibc's, so the two agree to rounding. `act` is a
 * dnc_activation. */
#ifndef DNNCRIT_ACTIVATION_CORE_H
#define DNNCRIT_ACTIVATION_CORE_H

#include <math.h>

#include "dnncrit/activation.h"
#include "core/hd.h"

DNC_HD double act_sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

DNC_HD double act_gauss_pdf(double x)
{
    return 0.3989422804014327 * exp(-0.5 * x * x);
}

DNC_HD double act_gauss_cdf(double x)
{
    return 0.5 * erfc(-x * 0.7071067811865476);
}

DNC_HD double dnc_phi_core(int act, double x)
{
    switch (act) {
    case DNC_ACT_TANH: return tanh(x);
    case DNC_ACT_RELU: return x > 0 ? x : 0.0;
    case DNC_ACT_HARD_TANH: return x > 1 ? 1.0 : (x < -1 ? -1.0 : x);
    case DNC_ACT_ERF: return erf(x);
    case DNC_ACT_LINEAR: return x;
    case DNC_ACT_SIGMOID: return act_sigmoid(x);
    case DNC_ACT_GELU: return x * act_gauss_cdf(x);
    case DNC_ACT_SWISH: return x * act_sigmoid(x);
    case DNC_ACT_SOFTPLUS: return x > 30 ? x + log1p(exp(-x)) : log1p(exp(x));
    default: return NAN;
    }
}

DNC_HD double dnc_dphi_core(int act, double x)
{
    switch (act) {
    case DNC_ACT_TANH: {
        double t = tanh(x);
        return 1.0 - t * t;
    }
    case DNC_ACT_RELU: return x > 0 ? 1.0 : 0.0;
    case DNC_ACT_HARD_TANH: return (x > -1 && x < 1) ? 1.0 : 0.0;
    case DNC_ACT_ERF: return 1.1283791670955126 * exp(-x * x);
    case DNC_ACT_LINEAR: return 1.0;
    case DNC_ACT_SIGMOID: {
        double s = act_sigmoid(x);
        return s * (1.0 - s);
    }
    case DNC_ACT_GELU: return act_gauss_cdf(x) + x * act_gauss_pdf(x);
    case DNC_ACT_SWISH: {
        double s = act_sigmoid(x);
        return s + x * s * (1.0 - s);
    }
    case DNC_ACT_SOFTPLUS: return act_sigmoid(x);
    default: return NAN;
    }
}

#endif
