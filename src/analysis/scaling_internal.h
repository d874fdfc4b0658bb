/* What the scaling modules share (internal, not part of the public API):
 * the series statistics and bootstrap errors of estimators, the least-squares
 * fits and the checks of decay options and series (scaling.c), used by the
 * critical point and off-critical fits (scaling_critical.c), the data
 * collapse (scaling_collapse.c) and the universality classes
 * (scaling_classes.c). */
#ifndef DNNCRIT_SCALING_INTERNAL_H
#define DNNCRIT_SCALING_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/error.h"
#include "dnncrit/scaling.h"

/* An estimator maps the mean curves of n series to nout numbers and their
 * least-squares errors (used for deterministic data). */
typedef dnc_status (*estimator_fn)(void *ctx, const dnc_series *s, size_t n, double *const *mean,
                                   double *const *err, double *out, double *out_err);

/* replica (optional): called with r before the estimator sees replica r
 * (r = 0: the data), for estimators that resample a choice of their own
 * (the decay fit's tmin) along with the samples. */
typedef struct {
    size_t nboot;
    uint64_t seed;
    void (*replica)(void *ctx, uint64_t seed, uint32_t r);
} boot_opts;

/* ---- scaling.c: series, bootstrap errors, fits, decay */
void dnc_scaling_mean_of(const dnc_series *s, const size_t *pick, double *mean, double *err);
dnc_status dnc_scaling_alloc_curves(const dnc_series *s, size_t n, double ***mean, double ***err);
void dnc_scaling_free_curves(size_t n, double **mean, double **err);
dnc_status dnc_scaling_with_errors(const dnc_series *s, size_t n, estimator_fn fn, void *ctx,
                                   size_t nout, const boot_opts *bo, double *value, double *error,
                                   dnc_err_method *method);
dnc_status dnc_scaling_line_fit(const double *x, const double *y, size_t n, double *c0, double *c1,
                                double *e0, double *e1);
dnc_status dnc_scaling_quad_fit(const double *x, const double *y, size_t n, double *c2, double *e2);
dnc_status dnc_scaling_check_decay_opts(const dnc_decay_opts *o);
bool dnc_scaling_in_window(const dnc_decay_opts *o, double t);
dnc_status dnc_scaling_check_series(const dnc_series *s);

#endif
