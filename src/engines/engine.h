/* The propagation engine interface: the primitives one propagation needs
 * from the hardware it runs on. The algorithm (the layer loop, the
 * observables, the finite check, the tangent renormalisation, the provider
 * and observer calls) is written once over them in propagate.c; each
 * engine supplies them:
 *   cpu_engine.c        the CPU: dnc_par_strips threads over row blocks of W, each
 *                       block drawn and multiplied while in cache (OpenBLAS
 *                       or the portable dnc_gemm_nt product)
 *   cuda/cuda_engine.cu the GPU: Philox weights drawn on the device, cuBLAS
 *   ensemble_engine.c   the CPU without weights: samples the ensemble of
 *                       networks exactly at O(N B^2) per layer
 *   reference_engine.c  plain loops and OpenBLAS on the CPU, the model of an
 *                       engine: the tests run the algorithm on it against
 *                       the CPU engine, so that a new engine is checked
 *                       against a simple one.
 *
 * Buffers are opaque engine pointers handed out by alloc, in row-major
 * layout: A (rows x kmax, the layer's inputs, the tangent as the last row),
 * H (rows x N, pre-activations). Only small things cross to the host: the
 * biases, squared row norms and mean cosines, a finite flag, and H when an
 * observer asks for it. The primitives that can fail return DNC_OK or the
 * code of a dnc_fail. */
#ifndef DNNCRIT_ENGINES_ENGINE_H
#define DNNCRIT_ENGINES_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/network.h"
#include "dnncrit/propagate.h"

typedef struct {
    void *ctx;
    char description[160]; /* where it runs, for run records */
    /* a zeroed rows x cols matrix; the engine may add zero rows it needs
     * (the CPU's OpenBLAS product: an even row count). NULL with dnc_fail
     * set when out of memory. */
    double *(*alloc)(void *ctx, size_t rows, size_t cols);
    void (*release)(void *ctx, double *p);
    dnc_status (*upload)(void *ctx, double *dst, const double *host, size_t n);
    dnc_status (*download)(void *ctx, double *host, const double *src, size_t n);
    dnc_status (*copy)(void *ctx, double *dst, const double *src, size_t n);
    /* H = A W^T for layer `layer` of cfg: A rows x fan_in (row stride lda)
     * and H rows x width (row stride ldh), both from alloc with `rows` rows;
     * W (width x fan_in) is W_given (host, row-major) when not NULL, else
     * the layer's Philox weights (dnc_mlp_layer_weight_rows). */
    dnc_status (*linear)(void *ctx, const dnc_mlp_config *cfg, size_t layer,
                         const double *W_given, size_t rows, const double *A, size_t lda,
                         double *H, size_t ldh);
    /* H (rows x N): the first B rows get the bias; then, when Hprev is not
     * NULL, every row becomes Hprev + alpha H */
    dnc_status (*finish)(void *ctx, double *H, const double *bias, const double *Hprev,
                         double alpha, size_t B, size_t rows, size_t N);
    /* A[b] = phi(H[b]) for b < B; when rows > B the tangent row becomes
     * A[B] = phi'(H[0]) * H[B]. A has row stride lda. */
    dnc_status (*activate)(void *ctx, dnc_activation act, const double *H, size_t B,
                           size_t rows, size_t N, double *A, size_t lda);
    /* *finite: whether all n numbers from x on are finite */
    dnc_status (*all_finite)(void *ctx, const double *x, size_t n, bool *finite);
    /* From the Gram matrix of Y (rows x N, row stride ld), on the host: when
     * not NULL, norms2[r] = |Y_r|^2 and *cosine = the mean cosine of the row
     * pairs (dnc_obs_mean_cosine; NAN for fewer than 2 rows). */
    dnc_status (*gram_stats)(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                             double *norms2, double *cosine);
    /* x[i] = x[i] / s, i < n */
    dnc_status (*divide)(void *ctx, double *x, size_t n, double s);
    /* Optional (NULL: rho = 1 - cosine of gram_stats). For engines that hold
     * the rows in a form resolving 1 - cos below its rounding floor: as
     * gram_stats, with *rho = the mean over row pairs of 1 - cos. */
    dnc_status (*pair_stats)(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                             double *norms2, double *rho);
    /* true: linear already adds the bias (the algorithm neither draws it nor
     * hands it to finish) */
    bool bias_in_linear;
    /* Optional (NULL: the GEMM's 2 rows K N): floating-point operations of one
     * linear on `rows` rows of fan-in K into width N, for the run record. */
    double (*linear_flops)(size_t rows, size_t K, size_t N);
    void (*close)(void *ctx);
} dnc_engine_ops;

/* dnc_propagate's contract (validation, observables, provider, observer,
 * residual layers, Lyapunov) on the engine behind ops, which stays open. */
dnc_status dnc_propagate_on(const dnc_propagate_opts *o, const dnc_engine_ops *ops,
                            dnc_propagate_result *res);

/* Engines opened for one propagation (o: its shape, product and weight
 * source, already validated); ops->close(ops->ctx) closes them. */
dnc_status dnc_cpu_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o);
dnc_status dnc_reference_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o);
/* The ensemble engine (DNC_ENGINE_ENSEMBLE); DNC_EUNSUPPORTED for what it
 * cannot serve (a weight provider, the CUDA device). */
dnc_status dnc_ensemble_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o);
/* Deliberately wrong variants of the ensemble engine, for the power check of
 * the distribution tests (tests/test_ensemble.c): they must be caught. */
typedef enum {
    DNC_ENSEMBLE_EXACT = 0,
    DNC_ENSEMBLE_WRONG_NO_BIAS = 1 /* Sigma without its sigma_b^2 1 1^T term */
} dnc_ensemble_variant;
dnc_status dnc_ensemble_engine_open_variant(dnc_engine_ops *ops, const dnc_propagate_opts *o,
                                            dnc_ensemble_variant variant);
/* What the ensemble engine's open refuses, without opening it. */
dnc_status dnc_ensemble_engine_check(const dnc_propagate_opts *o);
/* The GPU of dnc_cuda_describe; DNC_EUNSUPPORTED naming the reason when
 * there is none (built without CUDA, no GPU). */
dnc_status dnc_cuda_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o);

#endif
