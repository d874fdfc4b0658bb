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

/* Whether [x, x + d] contains a kink of act. */
static bool crosses_kink(dnc_activation act, double x, double d)
{
    double k[2], jump[2];
    int n = dnc_activation_kinks(act, k, jump);
    for (int i = 0; i < n; i++)
        if ((x - k[i]) * (x + d - k[i]) <= 0)
            return true;
    return false;
}

/* erf(y) - erf(x) through erfc on one side of 0, where erf saturates and
 * the subtraction of two numbers near +-1 would cancel. */
static double erf_diff(double x, double y)
{
    if (x >= 0 && y >= 0)
        return erfc(x) - erfc(y);
    if (x <= 0 && y <= 0)
        return erfc(-y) - erfc(-x);
    return erf(y) - erf(x); /* opposite signs: no cancellation */
}

/* What tanh_diff needs of x, computed once per x: e = exp(-2|x|) to a few
 * ulps (through expm1 near 0, where 1 + expm1 keeps them) and tanh(x) from
 * it: tanh|x| = (1 - e) / (1 + e) = -expm1(-2|x|) / (2 + expm1(-2|x|)). */
static double tanh_prepare(double x, double *e)
{
    double ax = fabs(x), t;
    if (ax < 0.5) {
        double m = expm1(-2 * ax);
        *e = 1 + m;
        t = -m / (2 + m);
    } else {
        *e = exp(-2 * ax);
        t = (1 - *e) / (1 + *e);
    }
    return x < 0 ? -t : t;
}

/* tanh(x + d) - tanh(x) from t = tanh x and e = exp(-2|x|). On one side of 0
 * (s the sign of x, |y| = |x| + s d), with g = exp(-2 s d), f = g - 1:
 *   tanh|y| - tanh|x| = 2 (e - e_y) / ((1 + e)(1 + e_y)),  e - e_y = -e f,
 * e_y = e g: a product of accurate factors however small d is (no
 * cancellation), f through expm1 where |2 d| < 1/4 (elsewhere exp - 1 keeps
 * f to a few ulps and exp is the faster call). Across 0 the plain difference
 * has no cancellation: tanh|y| = (1 - e_y) / (1 + e_y) as in tanh_prepare.
 * One libm call. */
static double tanh_diff(double x, double d, double t, double e)
{
    if (d == 0)
        return 0.0;
    double y = x + d, s = x < 0 ? -1.0 : 1.0;
    if (s * y < 0) {
        double ay = fabs(y), ty;
        if (ay < 0.5) {
            ty = tanh(ay);
        } else {
            double ey = exp(-2 * ay);
            ty = (1 - ey) / (1 + ey);
        }
        return -s * ty - t;
    }
    double a = -2 * s * d; /* -2 s d <= 2 |x| */
    if (a > 600) { /* exp(a) would overflow; |y| < |x| - 300, so e_y >> e */
        double ey = exp(-2 * fabs(y));
        return s * 2 * (e - ey) / ((1 + e) * (1 + ey));
    }
    double f, ey;
    if (fabs(a) < 0.25) {
        f = expm1(a);
        ey = e * (1 + f);
    } else {
        double g = exp(a);
        f = g - 1;
        ey = e * g;
    }
    return s * (-2 * e * f) / ((1 + e) * (1 + ey));
}

double dnc_phi_diff(dnc_activation act, double x, double d)
{
    if (d == 0)
        return 0.0;
    double y = x + d;
    switch (act) {
    case DNC_ACT_TANH: {
        double e, t = tanh_prepare(x, &e);
        return tanh_diff(x, d, t, e);
    }
    case DNC_ACT_SIGMOID: /* sigmoid(u) = (1 + tanh(u/2)) / 2 */
        return 0.5 * sinh(0.5 * d) / (cosh(0.5 * x) * cosh(0.5 * y));
    case DNC_ACT_RELU:
    case DNC_ACT_HARD_TANH:
    case DNC_ACT_LINEAR: /* linear pieces: the slope times d is exact */
        return crosses_kink(act, x, d) ? dnc_phi(act, y) - dnc_phi(act, x)
                                       : dnc_dphi(act, x) * d;
    default: break;
    }
    /* The subtraction loses ~eps/|d| relatively, the midpoint rule
     * ~d^2/24 |phi'''/phi'|: both below ~1e-10 on either side of 1e-5. */
    if (fabs(d) >= 1e-5)
        return act == DNC_ACT_ERF ? erf_diff(x, y) : dnc_phi(act, y) - dnc_phi(act, x);
    return d * dnc_dphi(act, x + 0.5 * d);
}

void dnc_phi_diff_rows(dnc_activation act, const double *x, double *y, double *dy, size_t n,
                       const double *D, size_t ldd, double *Y, size_t ldy, size_t rows,
                       double *work)
{
    if (act != DNC_ACT_TANH) {
        dnc_phi_array(act, x, y, dy, n);
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < n; i++)
                Y[r * ldy + i] = dnc_phi_diff(act, x[i], D[r * ldd + i]);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double t = tanh_prepare(x[i], &work[i]);
        y[i] = t;
        if (dy)
            dy[i] = 1.0 - t * t;
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++)
            Y[r * ldy + i] = tanh_diff(x[i], D[r * ldd + i], y[i], work[i]);
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
