/* What the power-law modules share (internal, not part of the public API):
 * the sorted data, the model and the fit of one tail with its xmin scan
 * (powerlaw_model.c), and the fits themselves (powerlaw.c), used by the
 * sampling and the bootstrap (powerlaw_sample.c) and the alternatives
 * (powerlaw_alt.c). */
#ifndef DNNCRIT_POWERLAW_INTERNAL_H
#define DNNCRIT_POWERLAW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/error.h"
#include "dnncrit/powerlaw.h"

#define KS_BLOCK 32
#define ALPHA_MAX 30.0
#define DISCRETE_ALPHA_MIN 1.0001
#define TRUNC_ALPHA_MIN (-5.0)

/* Sorted data as distinct values with counts and suffix sums of logs. */
typedef struct {
    size_t U;       /* distinct values <= xmax */
    double *v;      /* [U] ascending */
    double *lv;     /* [U] ln v */
    size_t *cum;    /* [U+1] samples below v[k]; cum[U] = samples <= xmax */
    double *slog;   /* [U+1] sum of ln x over samples >= v[k] (and <= xmax) */
    double xmax;
    bool discrete;
} pl_data;

/* The power-law model on [xmin, xmax]. */
typedef struct {
    double alpha, xmin, lxmin, xmax;
    bool discrete, truncated;
    double logZ;
    double hz_max; /* zeta(alpha, xmax + 1) for truncated discrete */
} pl_model;

/* a function of one variable, for dnc_pl_maximise1d */
typedef double (*fn1d)(double a, void *ctx);

/* ---- powerlaw_model.c: sorted data, the model, the maximiser, the tail fit and the xmin scan */
void dnc_pl_gsl_quiet(void);
void dnc_pl_data_free(pl_data *d);
int dnc_pl_cmp_double(const void *a, const void *b);
dnc_status dnc_pl_data_build(const double *sorted, size_t n, double xmax, bool discrete,
                             pl_data *d);
double dnc_pl_log_norm(double alpha, double xmin, double xmax, bool discrete, double *hz_max);
bool dnc_pl_model_set(pl_model *m, double alpha, double xmin, double xmax, bool discrete);
double dnc_pl_model_ccdf(const pl_model *m, double x, double lx);
double dnc_pl_model_logpdf(const pl_model *m, double lx);
dnc_status dnc_pl_maximise1d(fn1d f, void *ctx, double a0, double lo, double hi, double step,
                             double *amax);
dnc_status dnc_pl_fit_tail(const pl_data *d, size_t k0, double xmin, pl_model *m,
                           double *alpha_err);
/* KS distance of the tail from distinct value k0 on; stops early (with a
 * value > abort_above) once it exceeds abort_above. *where (may be NULL):
 * the point where the returned distance was attained. */
double dnc_pl_ks_distance(const pl_data *d, size_t k0, const pl_model *m, double abort_above,
                          double *scratch, size_t *where);
/* The distance at the single point k >= k0 (a lower bound of the above). */
double dnc_pl_ks_point(const pl_data *d, size_t k0, const pl_model *m, size_t k);
size_t dnc_pl_tail_size(const pl_data *d, size_t k);
dnc_status dnc_pl_scan_xmin(const pl_data *d, const dnc_pl_opts *o, double *scratch, size_t *k_out);

/* ---- powerlaw.c: the fits */
dnc_status dnc_pl_validate_data(const double *x, size_t n, const dnc_pl_opts *o);
dnc_status dnc_pl_fit_core(const double *sorted, size_t n, const dnc_pl_opts *o, dnc_pl_fit *fit);
void dnc_pl_sort_positive(double *x, size_t n);
dnc_status dnc_pl_sorted_copy(const double *x, size_t n, double **out);
bool dnc_pl_model_of_fit(const dnc_pl_fit *fit, pl_model *m);

#endif
