/* Random convolutional networks (CNNs) in 1 and 2 dimensions and the
 * propagation of B inputs through one of them (the same weights for all).
 *
 * Lattice: L_x sites (1D) or L_x x L_y sites (2D), periodic boundaries,
 * stride 1, C channels per site, odd kernel size k ("same" padding by
 * wrap-around). Layer l = 1..L:
 *   h^1     = W^1 * x + b^1                      (input: C_0 channels)
 *   h^{l+1} = W^{l+1} * phi(h^l) + b^{l+1}        (plain)
 *   h^{l+1} = h^l + alpha (W^{l+1} * phi(h^l) + b^{l+1})   (residual, l >= 1)
 *   h^1     = x + alpha (W^1 * x + b^1)           (residual and C_0 = C, as in propagate.h)
 * Normalisation and blocks (net.norm, net.block; layer 1 is always the stem
 * above): for l >= 1 the layer maps h^l to h^{l+1} through a block F,
 *   h^{l+1} = F^{l+1}(h^l)                (plain)
 *   h^{l+1} = h^l + alpha F^{l+1}(h^l)    (residual)
 *   block 1: F(h) = W * phi(BN(h)) + b
 *   block 2: F(h) = W_2 * phi(BN_2(W_1 * phi(BN_1(h)) + b_1)) + b_2
 * (the pre-activation basic block of He et al., "Identity mappings in deep
 * residual networks", ECCV 2016, with the convolutions' biases kept). BN is
 * batch normalisation at initialisation (gamma = 1, beta = 0, eps =
 * DNC_CNN_BN_EPS = 1e-5, as in PyTorch), per channel c:
 *   none:        BN(v) = v (block 1 is then exactly the plain/residual layer above)
 *   batch-train: BN(v)_c = (v_c - m_c) / sqrt(s2_c + eps), m_c and s2_c the mean
 *                and biased variance of channel c over the B inputs and all S
 *                sites of the batch (needs B >= 2). Every input's output then
 *                depends on the other inputs of the batch through m_c, s2_c,
 *                so results depend on B (statistics from B S samples). Sites
 *                where two inputs agree still agree after BN: rho(x) = 0 stays
 *                absorbing, and the light cone of damage spreading holds.
 *   batch-eval:  BN(v) = (v - 0) / sqrt(1 + eps), the running statistics at
 *                initialisation (mean 0, variance 1).
 * Convolution j of a block uses dnc_cnn_block_weights / _bias (cnn_net.h).
 *
 * where (W * a)_o(x) = sum_{i, t} W_{o,i,t} a_i(x + t - r), r = (k-1)/2,
 * t running over the k^d kernel taps (cross-correlation, as in PyTorch).
 * W_{o,i,t} ~ N(0, sigma_w^2 / fan_in) with fan_in = C_in k^d, b_o ~ N(0, sigma_b^2):
 * the MLP scaling of network.h. The weights of output channel o in layer l
 * are the normal sequence (seed, DNC_STREAM_WEIGHT, l, o) of length fan_in
 * in the order (i, ty, tx): with k = 1 and one site the CNN is exactly the
 * MLP of network.h with width C. Only one layer's weights (C x C_in k^d)
 * exist at a time.
 *
 * Locally connected networks (net.sharing = DNC_CNN_LOCAL): the same layers
 * with an independent kernel W^l_{s,o,i,t} and bias b^l_{s,o} at every site s
 * (same distributions, streams in cnn_net.h: site 0 has the shared kernel).
 * The kernel of a site is drawn where it is used (C_in k^d C normals per site
 * and layer), so memory stays O(threads C C_in k^d); the cost per layer is
 * that drawing (docs/cnn.md). The convolution algorithm (algo) applies to
 * shared weights only and must stay DNC_CONV_AUTO.
 *
 * Tensors are stored input-major, then channel, then site:
 * H[(b * C + c) * S + s], s = y * L_x + x, S = L_x L_y.
 *
 * Observables per layer l (v = h^l for DNC_CORR_PRE, phi(h^l) for DNC_CORR_POST):
 *   q(l)       = mean over inputs and sites of (1/C) sum_c h_c(x)^2 (always pre-activation)
 *   rho(x, l)  = 1 - cos(v_a(x), v_b(x)), the cosine similarity over the C channels at
 *                site x, averaged over input pairs a < b; computed as
 *                |v_a/|v_a| - v_b/|v_b||^2 / 2 so that identical sites give exactly 0.
 *                A site where one vector is zero and the other is not counts as 1.
 *   rho(l)     = mean over sites of rho(x, l); c(l) = 1 - rho(l)
 *   active(l)  = fraction of sites with rho(x, l) > threshold (the DP-like density).
 * With the damage cut-off on (damage_cutoff = eps > 0) every observable of a
 * layer, and what the observers see, is taken AFTER the reset, i.e. on the
 * state the next layer receives: rho(x, l) is 0 or >= eps, and active(l) is
 * the fraction of sites with nonzero damage (threshold <= eps is required). */
#ifndef DNNCRIT_CNN_H
#define DNNCRIT_CNN_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/activation.h"
#include "dnncrit/cnn_net.h" /* dnc_cnn_config, its weights and biases */
#include "dnncrit/error.h"
#include "dnncrit/propagate.h" /* dnc_corr_kind, dnc_layer_observer */

/* ---- One convolution layer: out = W * in + bias for B inputs. */
typedef enum {
    DNC_CONV_AUTO = 0, /* picks by the measured crossover (docs/cnn.md) */
    DNC_CONV_IM2COL,   /* im2col + cblas_dgemm */
    DNC_CONV_DIRECT    /* direct loop over taps, vectorised along x */
} dnc_conv_algo;

typedef struct {
    int dims;
    size_t in_channels, out_channels, kernel, size_x, size_y;
} dnc_conv_shape;

/* "auto", "im2col", "direct". */
dnc_status dnc_conv_algo_parse(const char *name, dnc_conv_algo *out);
const char *dnc_conv_algo_name(dnc_conv_algo algo);
/* The algorithm DNC_CONV_AUTO resolves to for this shape. */
dnc_conv_algo dnc_conv_resolve(const dnc_conv_shape *shape, dnc_conv_algo algo);
/* Doubles of scratch space dnc_conv_forward needs (0 for direct). */
size_t dnc_conv_workspace(const dnc_conv_shape *shape, dnc_conv_algo algo);
/* in: B x C_in x S, out: B x C_out x S, W: C_out x (C_in k^d), bias: C_out
 * or NULL. work: dnc_conv_workspace doubles (may be NULL if that is 0).
 * Deterministic: the result does not depend on the thread count. */
dnc_status dnc_conv_forward(const dnc_conv_shape *shape, dnc_conv_algo algo, const double *W,
                            const double *bias, const double *in, size_t B, double *out,
                            double *work);
/* 2 C_out C_in k^d S B. */
double dnc_conv_flops(const dnc_conv_shape *shape, size_t B);

/* ---- Propagation */

/* Sees rho(x, l) (S values) of every layer, e.g. to write a raster or to
 * cut avalanches; return non-OK to stop. */
typedef dnc_status (*dnc_cnn_site_observer)(void *ctx, size_t layer, const double *rho_x,
                                            size_t S);

typedef struct {
    dnc_cnn_config net;
    size_t batch;          /* B >= 1 (B >= 2 for rho) */
    double input_q;        /* per-component variance of generated inputs */
    double input_c;        /* correlation of generated inputs inside the perturbed region */
    /* Damage spreading: the inputs coincide except in a central window of
     * perturb_width sites (a perturb_width^2 square in 2D), where they are
     * correlated by input_c. 0 = the whole lattice (spatially uniform c). */
    size_t perturb_width;
    const double *inputs;  /* optional B x C_0 x S user inputs; overrides generation */
    dnc_corr_kind corr;
    double threshold;      /* rho(x) > threshold counts as active */
    /* > 0: after each layer, every site with 0 < rho(x) < damage_cutoff (rho(x)
     * as dnc_cnn_site_rho computes it for `corr`) is reset to zero damage:
     * every input b > 0 takes input 0's pre-activation h (all C channels, and
     * so phi(h)) at that site, so rho(x) = 0 there exactly and stays 0 unless
     * a neighbour re-infects it: rho(x) = 0 is exactly absorbing. Input 0 is
     * never changed. Needs threshold <= damage_cutoff; a site then counts as
     * active iff its damage is nonzero after the reset. 0: off (bitwise the
     * propagation without it; smooth activations then never reach rho(x) = 0
     * except outside the light cone or at the floating-point floor). */
    double damage_cutoff;
    dnc_conv_algo algo;
    dnc_layer_observer observer;          /* H as B rows of N = C S */
    void *observer_ctx;
    dnc_cnn_site_observer site_observer;  /* rho(x, l) */
    void *site_observer_ctx;
} dnc_cnn_opts;

typedef struct {
    size_t depth;
    size_t sites;
    double *q;       /* [depth] */
    double *c;       /* [depth] */
    double *rho;     /* [depth] */
    double *active;  /* [depth] */
    double seconds;  /* wall time of the propagation */
    double flops;    /* floating-point operations in the convolutions */
} dnc_cnn_result;

/* Defaults: dnc_cnn_config_default, B = 2, input_q = 1, input_c = 0, whole
 * lattice perturbed, pre-activation correlations, threshold 1e-6, auto algorithm. */
dnc_cnn_opts dnc_cnn_opts_default(void);
dnc_status dnc_cnn_opts_validate(const dnc_cnn_opts *opts);
dnc_status dnc_cnn_propagate(const dnc_cnn_opts *opts, dnc_cnn_result *res);
void dnc_cnn_result_free(dnc_cnn_result *res);

/* The B x C_0 x S inputs used when opts->inputs is NULL. Reference input
 * g (stream DNC_STREAM_INPUT, a = 0, b = channel) and private noise e_b
 * (a = b + 1): x_b = sqrt(q) (sqrt(c) g + sqrt(1 - c) e_b) inside the
 * perturbed region, x_b = sqrt(q) g outside it (c >= 0). */
dnc_status dnc_cnn_make_inputs(const dnc_cnn_opts *opts, double *X);

/* Observables of one layer from v (B x C x S): fills rho_x (S) and returns
 * the spatial mean of rho and the active fraction. Exposed for tests. */
dnc_status dnc_cnn_site_rho(const double *v, size_t B, size_t C, size_t S, double threshold,
                            double *rho_x, double *rho_mean, double *active);

/* Batch normalisation at initialisation (the BN of the header comment) of v
 * (B x C x S) into out (which may be v). batch-train needs B >= 2.
 * Deterministic: fixed summation order, no threads. */
dnc_status dnc_cnn_batch_norm(dnc_cnn_norm norm, const double *v, size_t B, size_t C, size_t S,
                              double *out);

DNC_END_DECLS
#endif
