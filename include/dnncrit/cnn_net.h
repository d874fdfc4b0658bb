/* The description of a random convolutional network (models layer): its
 * configuration, lattice and fan-in, and its weights and biases drawn on
 * demand from Philox. The model, the convolution and the propagation are in
 * cnn.h, which includes this header. */
#ifndef DNNCRIT_CNN_NET_H
#define DNNCRIT_CNN_NET_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/activation.h"
#include "dnncrit/error.h"

#define DNC_CNN_MAX_SITES ((size_t)1 << 24)
#define DNC_CNN_MAX_CHANNELS ((size_t)1 << 14)

/* How weights are shared across the lattice. */
typedef enum {
    DNC_CNN_SHARED = 0, /* a CNN: one kernel and bias per layer, used at every site */
    DNC_CNN_LOCAL       /* locally connected: an independent kernel and bias at every site
                           (the control without temporal disorder) */
} dnc_cnn_sharing;

/* "shared", "local". */
dnc_status dnc_cnn_sharing_parse(const char *name, dnc_cnn_sharing *out);
const char *dnc_cnn_sharing_name(dnc_cnn_sharing s);

/* Normalisation inside the blocks (cnn.h): batch normalisation at
 * initialisation as in PyTorch (gamma = 1, beta = 0, eps = DNC_CNN_BN_EPS). */
typedef enum {
    DNC_CNN_NORM_NONE = 0,   /* no normalisation */
    DNC_CNN_NORM_BATCH_TRAIN, /* training mode: per channel, the mean and biased variance
                                 over the B inputs and all sites of the batch */
    DNC_CNN_NORM_BATCH_EVAL   /* inference mode with the running statistics at
                                 initialisation (mean 0, variance 1): x / sqrt(1 + eps) */
} dnc_cnn_norm;

#define DNC_CNN_BN_EPS 1e-5

/* "none", "batch-train", "batch-eval". */
dnc_status dnc_cnn_norm_parse(const char *name, dnc_cnn_norm *out);
const char *dnc_cnn_norm_name(dnc_cnn_norm n);

typedef struct {
    int dims;              /* 1 or 2 */
    size_t channels;       /* C */
    size_t input_channels; /* C_0; 0 means "same as channels" */
    size_t kernel;         /* k, odd, k <= L_x (and <= L_y in 2D) */
    size_t size_x;         /* L_x */
    size_t size_y;         /* L_y, 2D only (ignored in 1D) */
    size_t depth;          /* L */
    dnc_activation activation;
    double sigma_w;
    double sigma_b;
    bool residual;         /* residual blocks (alpha = 0: every h^l = x when C_0 = C) */
    double residual_alpha;
    uint64_t seed;
    dnc_cnn_sharing sharing; /* default DNC_CNN_SHARED */
    dnc_cnn_norm norm;       /* default DNC_CNN_NORM_NONE */
    size_t block;            /* convolutions per block (layer l >= 2): 1 (default) or 2 */
} dnc_cnn_config;

/* Defaults: 1D, C = 16, k = 3, L_x = 256, L = 100, tanh, sigma_w = 1,
 * sigma_b = 0, plain (no residual), seed 1, no normalisation, one convolution
 * per block. */
dnc_cnn_config dnc_cnn_config_default(void);
/* Rejects even or zero kernels, kernels larger than the lattice, zero
 * channels or sites, non-finite or non-positive sigma_w, sigma_b < 0, an
 * unknown sharing or normalisation, a block other than 1 or 2, and local
 * networks with block S C > 2^32. */
dnc_status dnc_cnn_config_validate(const dnc_cnn_config *cfg);

size_t dnc_cnn_sites(const dnc_cnn_config *cfg);        /* S = L_x (L_y) */
size_t dnc_cnn_size_y(const dnc_cnn_config *cfg);       /* L_y in 2D, 1 in 1D */
size_t dnc_cnn_taps(const dnc_cnn_config *cfg);         /* k^d */
size_t dnc_cnn_in_channels(const dnc_cnn_config *cfg, size_t layer);
size_t dnc_cnn_fan_in(const dnc_cnn_config *cfg, size_t layer); /* C_in k^d */

/* W: C x fan_in(layer), row o = output channel, columns (i, ty, tx),
 * scaled by sigma_w / sqrt(fan_in). b: C entries, (seed, DNC_STREAM_BIAS, layer, 0). */
void dnc_cnn_layer_weights(const dnc_cnn_config *cfg, size_t layer, double *W);
void dnc_cnn_layer_bias(const dnc_cnn_config *cfg, size_t layer, double *b);

/* Convolution j (0 or 1) of block `layer` (cnn.h, --block 2): output channel o
 * uses weight row j C + o of layer `layer`, i.e. the normal sequence (seed,
 * DNC_STREAM_WEIGHT, layer, j C + o), and bias element j C + o of (seed,
 * DNC_STREAM_BIAS, layer, 0). j = 0 is dnc_cnn_layer_weights / _bias. */
void dnc_cnn_block_weights(const dnc_cnn_config *cfg, size_t layer, size_t conv, double *W);
void dnc_cnn_block_bias(const dnc_cnn_config *cfg, size_t layer, size_t conv, double *b);

/* Locally connected networks (sharing = DNC_CNN_LOCAL): site s of layer l has
 * its own C x fan_in(l) kernel and C biases, in the row space of the shared
 * kernel extended over the lattice:
 *   kernel row o of site s = weight row s C + o of layer l, i.e. the normal
 *                            sequence (seed, DNC_STREAM_WEIGHT, l, s C + o) of
 *                            length fan_in in the order (i, ty, tx), scaled by
 *                            sigma_w / sqrt(fan_in);
 *   bias o of site s       = element s C + o of (seed, DNC_STREAM_BIAS, l, 0),
 *                            scaled by sigma_b.
 * Site 0 therefore has exactly the shared network's kernel and bias
 * (dnc_cnn_layer_weights / dnc_cnn_layer_bias), and a one-site local network
 * is the shared one. With two convolutions per block, convolution j of site s
 * is "site" j S + s of these functions (rows (j S + s) C + o), so a one-site
 * local network is again the shared one. Rows are 32-bit counters: a local
 * network needs block S C <= 2^32 (checked by dnc_cnn_config_validate).
 * W: nsites x C x fan_in(layer) for sites site0 .. site0 + nsites - 1;
 * b: nsites x C. Nothing is stored: callers draw the sites they need. */
void dnc_cnn_local_weights(const dnc_cnn_config *cfg, size_t layer, size_t site0, size_t nsites,
                           double *W);
void dnc_cnn_local_bias(const dnc_cnn_config *cfg, size_t layer, size_t site0, size_t nsites,
                        double *b);

DNC_END_DECLS
#endif
