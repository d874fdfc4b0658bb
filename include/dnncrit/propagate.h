/* Finite-width propagation of a batch of B inputs through one random MLP
 * (the same weights for every input), layer by layer, with BLAS GEMM.
 * Observables per layer l = 1..L:
 *   q^l   mean over inputs of (1/N) sum_i (h_i^l)^2
 *   c^l   mean over input pairs of the cosine similarity of h^l (DNC_CORR_PRE)
 *         or of phi(h^l) (DNC_CORR_POST)
 *   rho^l = 1 - c^l
 *   lambda^l  log growth of a renormalised tangent vector
 *             v^{l+1} = W^{l+1} diag(phi'(h^l)) v^l (first input), whose
 *             average over layers is the maximal Lyapunov exponent. */
#ifndef DNNCRIT_PROPAGATE_H
#define DNNCRIT_PROPAGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/error.h"
#include "dnncrit/network.h"

typedef enum { DNC_CORR_PRE = 0, DNC_CORR_POST = 1 } dnc_corr_kind;

/* Supplies layer `layer`'s weights (row-major width x fan_in) and bias
 * (width), e.g. trained weights. NULL provider = Philox weights of cfg. */
typedef dnc_status (*dnc_weight_provider)(void *ctx, size_t layer, double *W, double *b);
/* Sees every layer's pre-activations H (B rows of N, row-major) after they
 * are computed; return non-OK to stop. Used by avalanche analysis. */
typedef dnc_status (*dnc_layer_observer)(void *ctx, size_t layer, const double *H, size_t B,
                                         size_t N);

typedef struct {
    dnc_mlp_config net;
    size_t batch;          /* B >= 1 (B >= 2 for correlations) */
    double input_q;        /* per-component variance of generated inputs */
    double input_c;        /* correlation between generated inputs, in [-1/(B-1), 1] */
    const double *inputs;  /* optional B x N0 user inputs; overrides generation */
    dnc_corr_kind corr;
    bool lyapunov;         /* also run tangent dynamics */
    dnc_weight_provider provider;
    void *provider_ctx;
    dnc_layer_observer observer;
    void *observer_ctx;
    bool quiet;            /* no progress on stderr */
} dnc_propagate_opts;

typedef struct {
    size_t depth;
    double *q;        /* [depth] */
    double *c;        /* [depth] */
    double *rho;      /* [depth] */
    double *lyap;     /* [depth] log growth per layer, NULL unless lyapunov */
    double lyapunov;  /* mean of lyap[] (NAN unless lyapunov) */
    double seconds;   /* wall time of the propagation */
    double flops;     /* floating-point operations in GEMMs */
} dnc_propagate_result;

dnc_propagate_opts dnc_propagate_opts_default(void);
dnc_status dnc_propagate(const dnc_propagate_opts *opts, dnc_propagate_result *res);
void dnc_propagate_result_free(dnc_propagate_result *res);

/* Generates the B x N0 inputs used when opts->inputs is NULL:
 * x_b = sqrt(q) (sqrt(c) g + sqrt(1-c) e_b) with shared g and private e_b
 * (c >= 0), drawn from DNC_STREAM_INPUT. */
dnc_status dnc_make_inputs(const dnc_propagate_opts *opts, double *X);

#endif
