/* Pointwise nonlinearities phi with their first and second derivatives,
 * as needed by propagation (phi), tangent dynamics (phi') and the
 * mean-field metric factor (phi''). */
#ifndef DNNCRIT_ACTIVATION_H
#define DNNCRIT_ACTIVATION_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/error.h"

typedef enum {
    DNC_ACT_TANH,
    DNC_ACT_RELU,
    DNC_ACT_HARD_TANH, /* clamp(x, -1, 1) */
    DNC_ACT_ERF,       /* erf(x) */
    DNC_ACT_LINEAR,
    DNC_ACT_SIGMOID,   /* 1 / (1 + e^-x) */
    DNC_ACT_GELU,      /* x Phi(x), exact (not the tanh approximation) */
    DNC_ACT_SWISH,     /* x sigmoid(x), also called silu */
    DNC_ACT_SOFTPLUS,  /* log(1 + e^x) */
    DNC_ACT_COUNT
} dnc_activation;

/* Accepts the names printed by dnc_activation_name and "silu". */
dnc_status dnc_activation_parse(const char *name, dnc_activation *out);
const char *dnc_activation_name(dnc_activation act);
/* Comma-separated list of all names, for help texts. */
const char *dnc_activation_list(void);

double dnc_phi(dnc_activation act, double x);
double dnc_dphi(dnc_activation act, double x);
/* Regular part of phi''. For kinked activations (relu, hard_tanh) phi''
 * also carries Dirac deltas at the kinks, which this function cannot
 * return; see dnc_activation_kinks. */
double dnc_d2phi(dnc_activation act, double x);

/* Kinked activations: phi' jumps at `count` points x_k by jump_k, so
 * phi'' contains sum_k jump_k delta(x - x_k). Returns the number of kinks
 * (0 for smooth activations); fills at most 2 entries. */
int dnc_activation_kinks(dnc_activation act, double x[2], double jump[2]);
bool dnc_activation_is_smooth(dnc_activation act);

/* phi(x + d) - phi(x), accurate to a few ulps of the difference itself
 * however small d is (down to the smallest doubles), where the plain
 * subtraction would lose every digit once |d| < 1e-16 |x|: exact identities
 * for tanh and sigmoid, erfc for erf, the exact slope inside a linear piece
 * of relu, hard_tanh and linear, and the midpoint rule d phi'(x + d/2)
 * (relative error ~ d^2 phi'''/(24 phi') < 1e-10) for small d otherwise.
 * Used by engines that carry the difference of two signals (damage). */
double dnc_phi_diff(dnc_activation act, double x, double d);

/* The batch form of the two above, sharing the work on x among `rows`
 * differences: y[i] = phi(x[i]), dy[i] = phi'(x[i]) (dy may be NULL) and
 * Y[r * ldy + i] = dnc_phi_diff(act, x[i], D[r * ldd + i]) (the same bits)
 * for i < n, r < rows. y and dy agree with dnc_phi and dnc_dphi to a few
 * ulps (tanh: from exp(-2|x|), one libm call per x and per difference).
 * work: n doubles of scratch. */
void dnc_phi_diff_rows(dnc_activation act, const double *x, double *y, double *dy, size_t n,
                       const double *D, size_t ldd, double *Y, size_t ldy, size_t rows,
                       double *work);

/* y[i] = phi(x[i]) and d[i] = phi'(x[i]) for i < n; d may be NULL. */
void dnc_phi_array(dnc_activation act, const double *x, double *y, double *d, size_t n);
void dnc_phi_arrayf(dnc_activation act, const float *x, float *y, float *d, size_t n);

DNC_END_DECLS
#endif
