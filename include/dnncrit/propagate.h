/* Finite-width propagation of a batch of B inputs through one random MLP
 * (the same weights for every input), layer by layer, with BLAS GEMM.
 * Observables per layer l = 1..L:
 *   q^l   mean over inputs of (1/N) sum_i (h_i^l)^2
 *   c^l   mean over input pairs of the cosine similarity of h^l (DNC_CORR_PRE)
 *         or of phi(h^l) (DNC_CORR_POST)
 *   rho^l = 1 - c^l
 *   lambda^l  log growth of a renormalised tangent vector
 *             v^{l+1} = W^{l+1} diag(phi'(h^l)) v^l (first input), whose
 *             average over layers is the maximal Lyapunov exponent.
 * With residual_alpha > 0, layers whose fan-in equals the width (l >= 2,
 * and l = 1 when N0 = N) are residual: h^{l+1} = h^l + alpha (W phi(h^l) + b),
 * and the tangent follows v^{l+1} = v^l + alpha W diag(phi'(h^l)) v^l.
 *
 * Determinism (docs/propagation.md): both products give the same bits for
 * any thread count and on a rerun. DNC_PRODUCT_PORTABLE also makes every
 * h_i^l a pure function of (config, its own input): the same bits whatever
 * the other inputs in the batch, and its product the same bits on every
 * x86-64 CPU. DNC_PRODUCT_OPENBLAS promises neither: its bits depend on the
 * OpenBLAS kernel (CPU, OPENBLAS_CORETYPE) and, on some kernels, on the
 * batch split. */
#ifndef DNNCRIT_PROPAGATE_H
#define DNNCRIT_PROPAGATE_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/device.h"
#include "dnncrit/error.h"
#include "dnncrit/network.h"
#include "dnncrit/param.h"

typedef enum { DNC_CORR_PRE = 0, DNC_CORR_POST = 1 } dnc_corr_kind;

/* How H = A W^T is computed, and what each guarantees (bit for bit).
 * OPENBLAS: cblas_dgemm, single-threaded inside the engine's parallel loop
 *   over weight blocks (a partition fixed by the shapes), the batch padded
 *   to an even number of rows. Guarantees: the same results for any thread
 *   count and on a rerun with the same OpenBLAS kernel (same machine or
 *   OPENBLAS_CORETYPE, same OpenBLAS build). Not guaranteed: batch-split
 *   invariance (an input alone vs. in a batch; OpenBLAS 0.3.21's Haswell-
 *   family kernels give it with the padding, its Nehalem, SkylakeX and
 *   Cooperlake kernels do not), identity across kernels or CPUs. The fast
 *   default.
 * PORTABLE: dnc_gemm_nt (detgemm.h), sequential-k sums without FMA, equal
 *   to the naive loop. Guarantees: the same results for any thread count,
 *   batch split and rerun; the product the same bits on every x86-64 CPU
 *   (SSE2, AVX2, AVX-512 paths), so whole runs agree across CPUs for
 *   piecewise-linear activations (relu, hard_tanh, linear: q, c, rho); with
 *   smooth activations, the Lyapunov log and the mean-field values, across
 *   CPUs only where libm gives the same bits (same glibc, same FMA support:
 *   glibc picks FMA variants of exp, log, tanh, ... at run time). */
typedef enum { DNC_PRODUCT_OPENBLAS = 0, DNC_PRODUCT_PORTABLE = 1 } dnc_product_kind;

/* Which networks a propagation runs on.
 * EXPLICIT: one network whose every weight is drawn from Philox (the
 *   network of cfg.seed); O(N^2 B) per layer.
 * ENSEMBLE: the exact law of the batch's trajectories over the ensemble of
 *   random networks, sampled layer by layer without weights: given the
 *   layer's inputs A (B x n), the N units' pre-activations are iid
 *   N(0, sigma_w^2/n A A^T + sigma_b^2 1 1^T) (docs/ensemble.md). O(N B^2)
 *   per layer and O(N B) memory. The same statistics as EXPLICIT in
 *   distribution, not the same numbers; it has no weights, so it refuses a
 *   weight provider (given or trained networks) and the CUDA device. It
 *   carries inputs 2..B as differences from input 1, so that identical
 *   inputs stay identical (rho = 0 is absorbing) and rho is resolved down
 *   to ~1e-300 rather than the ~1e-16 of 1 - cos. */
typedef enum { DNC_ENGINE_EXPLICIT = 0, DNC_ENGINE_ENSEMBLE = 1 } dnc_engine_kind;

/* "explicit" / "ensemble"; parsing returns DNC_EINVAL naming `s`. */
const char *dnc_engine_kind_name(dnc_engine_kind e);
dnc_status dnc_engine_kind_parse(const char *s, dnc_engine_kind *out);

/* The declarations of the engine and network-count options, shared by every
 * command and sweep type that takes them (dnncrit/param.h); the macros for
 * static tables (sweep schemas), the objects for option tables. */
#define DNC_PROPAGATE_PARAM_ENGINE(def)                                                       \
    {"engine", DNC_PARAM_CHOICE, (def),                                                      \
     "networks: explicit (every weight drawn, O(N^2 B) per layer) or ensemble (the exact law " \
     "over random networks sampled without weights, O(N B^2) per layer; no given or trained " \
     "networks, CPU only)",                                                                  \
     "explicit,ensemble"}
#define DNC_PROPAGATE_PARAM_NETWORKS(def)                                                     \
    {"networks", DNC_PARAM_SIZE, (def),                                                      \
     "independent networks K (seeds seed..seed+K-1): per-layer mean and standard error",     \
     "[1,1048576]"}
/* The external field h: a constant added to every bias of every layer,
 * h^{l+1} = W phi(h^l) + b + h (layer 1: W x + b + h), so that it drives
 * every layer alike; h = 0 is the undriven network. */
#define DNC_PROPAGATE_PARAM_FIELD(def)                                                        \
    {"field", DNC_PARAM_DOUBLE, (def),                                                       \
     "external field h added to every bias of every layer (0: undriven)", "(-inf,inf)"}
extern const dnc_param dnc_propagate_param_engine;   /* "engine": explicit|ensemble */
extern const dnc_param dnc_propagate_param_field;    /* "field": h, finite */
extern const dnc_param dnc_propagate_param_networks; /* "networks": K >= 1 */

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
    double residual_alpha; /* 0: plain MLP; > 0: residual layers (see above) */
    dnc_product_kind product; /* GEMM backend (see above) */
    dnc_device_kind device;   /* CPU engine or CUDA backend (device.h); the
                               * CUDA backend takes the openblas product only */
    double field;             /* external field h added to every bias (0: none;
                               * explicit engine only) */
    dnc_engine_kind engine;   /* explicit network or ensemble sampling (above);
                               * the ensemble's sums are in a fixed order
                               * (chunked) whatever `product` says */
} dnc_propagate_opts;

typedef struct {
    size_t depth;
    double *q;        /* [depth] */
    double *c;        /* [depth] */
    double *rho;      /* [depth] */
    double *lyap;     /* [depth] log growth per layer, NULL unless lyapunov */
    double lyapunov;  /* mean of lyap[] (NAN unless lyapunov) */
    /* Over several networks (dnc_propagate_networks): the arrays above are
     * means over the networks, these their standard errors ([depth]; NULL
     * for one network; lyap_err NULL unless lyapunov). */
    size_t networks;  /* networks averaged (1 for dnc_propagate) */
    double *q_err, *c_err, *rho_err, *lyap_err;
    double lyapunov_err; /* standard error of lyapunov over the networks (NAN: one) */
    double seconds;   /* wall time of the propagation */
    double flops;     /* floating-point operations of the linear maps (the GEMMs; for the
                       * ensemble engine its Gram matrices and sampling) */
    char device[160]; /* where it ran, for run records */
} dnc_propagate_result;

/* Defaults: dnc_mlp_config_default(), batch 2, input_q 1, input_c 0.5,
 * pre-activation correlations, no Lyapunov, no residual, quiet, OpenBLAS
 * product, CPU. dnc_propagate sets OpenBLAS to one thread while it runs (the
 * setting is process-wide) and restores the previous count afterwards (when
 * the last of several concurrent calls returns). Code that changes the
 * OpenBLAS thread count while a propagation runs breaks its determinism. */
dnc_propagate_opts dnc_propagate_opts_default(void);
dnc_status dnc_propagate(const dnc_propagate_opts *opts, dnc_propagate_result *res);
void dnc_propagate_result_free(dnc_propagate_result *res);

/* The same propagation over `networks` independent networks (seeds seed,
 * seed + 1, ...; the inputs and tangent of every network those of its own
 * seed), run in parallel over the OpenMP threads: res holds the per-layer
 * means and standard errors over the networks (rho's mean is the mean of the
 * networks' rho). Deterministic: the networks are summed in order, whatever
 * the thread count. Observers and providers are refused (a provider is one
 * given network). */
dnc_status dnc_propagate_networks(const dnc_propagate_opts *opts, size_t networks,
                                  dnc_propagate_result *res);
/* The same, also keeping every network's rho: rho_each[k * depth + l] is
 * network k's (seed opts->net.seed + k) rho at layer l + 1, the series a
 * bootstrap over networks needs (rho_each: networks x depth; NULL: none). */
dnc_status dnc_propagate_networks_rho(const dnc_propagate_opts *opts, size_t networks,
                                      double *rho_each, dnc_propagate_result *res);

/* "openblas" / "portable"; parsing returns DNC_EINVAL naming `s`. */
const char *dnc_product_name(dnc_product_kind p);
dnc_status dnc_product_parse(const char *s, dnc_product_kind *out);

/* Generates the B x N0 inputs used when opts->inputs is NULL:
 * x_b = sqrt(q) (sqrt(c) g + sqrt(1-c) e_b) with shared g and private e_b
 * (c >= 0), drawn from DNC_STREAM_INPUT. */
dnc_status dnc_make_inputs(const dnc_propagate_opts *opts, double *X);
/* For c < 0 (down to -1/(B-1)) the inputs are x_b = s (e_b - gamma ebar)
 * with ebar the mean of the e_b, gamma and s chosen so that the expected
 * variance is q and the expected correlation c. */

/* Checks opts (network config, batch, input statistics, finite user
 * inputs, residual_alpha) without propagating. */
dnc_status dnc_propagate_validate(const dnc_propagate_opts *opts);

/* Reads inputs from a CSV file: one input per line, numbers separated by
 * commas (or blanks), '#' comment lines and blank lines ignored. Every row
 * must hold `width` finite numbers (width 0: the first row sets it).
 * On success *X (caller frees) holds *rows x *width_out numbers. The file is
 * read by dnc_table (table.h) as finite numbers with no header row, so its
 * grammar (e.g. ';' also separates, a pair of quotes around a number is
 * dropped) and its messages ("FILE:LINE: ...") are the table's. */
dnc_status dnc_read_inputs_csv(const char *path, size_t width, double **X, size_t *rows,
                               size_t *width_out);

DNC_END_DECLS
#endif
