/* The propagation algorithm for accelerators, written once against a small
 * set of device primitives (dnc_devops) that each backend supplies.
 *
 * Buffers are opaque device pointers handed out by alloc; the driver keeps
 * the engine's row-major layout: A (rows x kmax, the layer's inputs, with
 * the tangent as the last row), H (rows x N, pre-activations), weights in
 * row blocks. Only small things cross to the host: B x B Gram matrices for
 * the observables (and the finite check, through their diagonal), biases,
 * and H itself when an observer asks for it.
 *
 * dnc_devops_host is the reference implementation on the CPU (plain loops
 * and OpenBLAS): the tests run the driver on it against dnc_propagate, so
 * only the primitives of a GPU backend are left to check on the GPU. */
#ifndef DNNCRIT_DEVPROP_H
#define DNNCRIT_DEVPROP_H

#include <stddef.h>

#include "dnncrit/network.h"
#include "dnncrit/propagate.h"

typedef struct {
    void *ctx;
    const char *name;
    char description[160]; /* the device, for run records */
    /* n doubles of device memory; NULL with dnc_fail set when out of memory */
    double *(*alloc)(void *ctx, size_t n);
    void (*release)(void *ctx, double *p);
    dnc_status (*upload)(void *ctx, double *dev, const double *host, size_t n);
    dnc_status (*download)(void *ctx, double *host, const double *dev, size_t n);
    dnc_status (*copy)(void *ctx, double *dst, const double *src, size_t n);
    /* rows [row0, row0 + nrows) of layer `layer`'s Philox weights, as
     * dnc_mlp_layer_weight_rows: nrows x fan_in, contiguous */
    dnc_status (*weight_rows)(void *ctx, const dnc_mlp_config *cfg, size_t layer, size_t row0,
                              size_t nrows, double *W);
    /* H[:, 0:n] = A W^T: A is m x k (row stride lda), W n x k contiguous,
     * H row stride ldh */
    dnc_status (*gemm_nt)(void *ctx, size_t m, size_t n, size_t k, const double *A, size_t lda,
                          const double *W, double *H, size_t ldh);
    /* H (rows x N): the first B rows get bias; then, when Hprev is not
     * NULL, every row becomes Hprev + alpha H */
    dnc_status (*finish)(void *ctx, double *H, const double *bias, const double *Hprev,
                         double alpha, size_t B, size_t rows, size_t N);
    /* A[b] = phi(H[b]) for b < B; when rows > B the tangent row becomes
     * A[B] = phi'(H[0]) * H[B]. A has row stride lda. */
    dnc_status (*activate)(void *ctx, dnc_activation act, const double *H, size_t B, size_t rows,
                           size_t N, double *A, size_t lda);
    /* host G (rows x rows) = Y Y^T, Y rows x N with row stride ld */
    dnc_status (*gram)(void *ctx, const double *Y, size_t rows, size_t N, size_t ld, double *G);
    dnc_status (*scale)(void *ctx, double *x, size_t n, double s);
} dnc_devops;

/* dnc_propagate's contract (validation, observables, provider, observer,
 * residual layers, Lyapunov) on the device behind ops. */
dnc_status dnc_propagate_on(const dnc_propagate_opts *o, const dnc_devops *ops,
                            dnc_propagate_result *res);

/* The inputs of a run: opts->inputs, or fresh generated ones (dnc_make_inputs)
 * that the caller frees (when *X != opts->inputs). */
dnc_status dnc_propagate_inputs(const dnc_propagate_opts *o, double **X);

/* The unit tangent vector the Lyapunov computation starts from (n0 numbers). */
void dnc_propagate_tangent0(const dnc_propagate_opts *o, double *v);

/* Layer `layer`'s bias b (N) and, with a weight provider, its weights W
 * (N x fan_in) checked finite; without one, the Philox bias only. */
dnc_status dnc_propagate_layer_params(const dnc_propagate_opts *o, size_t layer, double *W,
                                      double *b);

void dnc_devops_host(dnc_devops *ops);
/* The CUDA backend on the current GPU; DNC_EUNSUPPORTED naming the reason
 * when there is none (see dnc_cuda_describe). Close releases it. */
dnc_status dnc_devops_cuda_open(dnc_devops *ops);
void dnc_devops_cuda_close(dnc_devops *ops);

#endif
