/* Training of multilayer perceptrons on labelled data, with the same
 * initialisation as the propagation engine, and the signal-propagation
 * observables of the weights as training moves them.
 *
 * Model: input (dim) -> `depth` hidden layers of `width` units -> nclasses
 * logits, h^l = W^l phi(h^{l-1}) + b^l with phi(h^0) = x and no activation
 * on the logits. Initialisation (Philox, dnncrit/network.h): hidden layers
 * l = 1..depth are exactly dnc_mlp_layer_weights / dnc_mlp_layer_bias of
 * net = {width, depth, input_width = dim, ...}; the readout layer depth+1
 * takes rows 0..nclasses-1 of the same counter sequences, i.e. weights
 * N(0, sigma_w^2 / width) from (seed, DNC_STREAM_WEIGHT, depth+1, row) and
 * biases sigma_b * (seed, DNC_STREAM_BIAS, depth+1, 0)[0..nclasses).
 *
 * Loss: mean softmax cross-entropy over the minibatch. Optimisers: SGD with
 * (heavy-ball) momentum, v <- mu v + g, theta <- theta - lr v; Adam
 * (Kingma & Ba 2015) with bias correction. Products are BLAS GEMMs
 * (cblas_sgemm in float32, cblas_dgemm in float64). Minibatch order: a
 * Philox Fisher-Yates shuffle per epoch from (seed, DNC_STREAM_TRAIN, epoch).
 * Results depend only on the configuration and seed; see docs/training.md
 * for what is bitwise identical across thread counts. */
#ifndef DNNCRIT_TRAIN_H
#define DNNCRIT_TRAIN_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dnncrit/dataset.h"
#include "dnncrit/device.h"
#include "dnncrit/error.h"
#include "dnncrit/network.h"
#include "dnncrit/weights.h"

typedef enum { DNC_OPTIM_SGD = 0, DNC_OPTIM_ADAM = 1 } dnc_optimizer;
/* DNC_MODEL_CNN: `depth` periodic 2D convolution layers of `width` channels
 * (kernel k x k, stride 1, wrap-around padding, the random CNNs of
 * dnncrit/cnn.h), global average pooling over sites, then the readout. */
typedef enum { DNC_MODEL_MLP = 0, DNC_MODEL_CNN = 1 } dnc_model_kind;
typedef enum { DNC_PREC_FLOAT = 0, DNC_PREC_DOUBLE = 1 } dnc_precision;

typedef struct {
    dnc_mlp_config net; /* width (units, or CNN channels), depth (hidden layers), activation,
                           sigma_w, sigma_b, seed; input_width is set from the data */
    dnc_model_kind model;
    size_t kernel;      /* CNN kernel size k (odd) */
    size_t nclasses;
    dnc_optimizer optimizer;
    double lr;
    double momentum;  /* SGD */
    double beta1, beta2, adam_eps; /* Adam */
    size_t batch_size;
    size_t epochs;
    dnc_precision precision;
    int threads;        /* OpenMP threads; 0 = leave unchanged */
    size_t obs_inputs;  /* test inputs used for the observables; 0 = none */
    bool quiet;         /* no progress on stderr */
    dnc_device_kind device; /* MLPs: CPU or the CUDA backend (cuBLAS); CNNs: CPU only */
    bool keep_model;    /* dnc_train leaves the trained model in res->model */
} dnc_train_config;

/* Defaults: MLP (CNN kernel 3), width 128, depth 4, tanh, sigma_w 1, sigma_b 0.05, seed 1, 10
 * classes, SGD lr 0.01 momentum 0.9, Adam betas 0.9/0.999 eps 1e-8, batch 64,
 * 5 epochs, float32, 0 threads, 64 observation inputs, CPU. */
dnc_train_config dnc_train_config_default(void);
dnc_status dnc_train_config_validate(const dnc_train_config *cfg);
dnc_status dnc_optimizer_parse(const char *name, dnc_optimizer *out);
const char *dnc_optimizer_name(dnc_optimizer o);
dnc_status dnc_precision_parse(const char *name, dnc_precision *out);
dnc_status dnc_model_kind_parse(const char *name, dnc_model_kind *out);
const char *dnc_model_kind_name(dnc_model_kind k);
const char *dnc_precision_name(dnc_precision p);

/* Signal-propagation observables of the current weights, measured by
 * dnc_propagate on `obs_inputs` test images (pre-activation correlations;
 * MLPs only: NAN for CNNs):
 *   rho^l = 1 - mean pairwise cosine of h^l; summarised by rho at layer 1,
 *           at layer depth and its mean over layers;
 *   lyapunov: mean log growth per layer of a tangent vector, chi1_lyap =
 *           exp(2 lyapunov) (the squared-norm growth, = chi_1 in mean field);
 *   chi1_weights: geometric mean over l = 1..depth-1 of
 *           (1/N) sum_j |W^{l+1}_{:,j}|^2 <phi'(h^l_j)^2>_inputs, which is
 *           sigma_w^2 E[phi'^2] = chi_1 for untrained Gaussian weights;
 *   susceptibility: N * variance over input pairs of rho_ab at layer depth,
 *           chi = N (<rho^2> - <rho>^2). */
typedef struct {
    double rho_first, rho_last, rho_mean;
    double q_last;
    double lyapunov, chi1_lyap, chi1_weights;
    double susceptibility;
} dnc_train_observables;

typedef struct {
    size_t epoch; /* 0 = at initialisation, before any step */
    double train_loss, train_acc;
    double test_loss, test_acc;
    dnc_train_observables obs; /* NAN everywhere when obs_inputs == 0 */
    double seconds;            /* wall time of the epoch's training steps */
} dnc_train_epoch;

/* The factor over max(initial training loss, ln classes) above which an
 * epoch's training loss marks the run diverged (train.c: why 10). */
#define DNC_TRAIN_BLOWUP 10.0

typedef struct {
    size_t nepochs;          /* entries in epochs[] (epochs + 1, fewer if diverged) */
    dnc_train_epoch *epochs; /* epochs[0] = initialisation */
    bool diverged;           /* loss became non-finite, or an epoch's training loss
                                exceeded DNC_TRAIN_BLOWUP x max(initial loss,
                                ln classes); training stopped after that epoch */
    double train_seconds;    /* wall time of all training steps */
    double samples_per_s;    /* training throughput */
    struct dnc_mlp_model *model; /* the model after the last epoch when cfg->keep_model
                                    (else NULL); freed by dnc_train_result_free */
} dnc_train_result;

/* Opaque trainable MLP: flat parameter vector theta = [W^1, b^1, ...,
 * W^{L+1}, b^{L+1}] (W row-major, fan_out x fan_in). */
typedef struct dnc_mlp_model dnc_mlp_model;

/* Inputs are rows x cols images with one channel (an MLP sees rows * cols
 * numbers). CNN weights: output channel o of layer l is the normal sequence
 * (seed, DNC_STREAM_WEIGHT, l, o) over (input channel, ty, tx), scaled by
 * sigma_w / sqrt(C_in k^2): dnc_cnn_layer_weights of the matching
 * dnc_cnn_config; the readout (layer depth+1) reads the C pooled channels
 * like the MLP readout reads N units. */
dnc_status dnc_train_model_new(const dnc_train_config *cfg, size_t rows, size_t cols,
                               dnc_mlp_model **out);
/* = dnc_train_model_new(cfg, 1, input_dim, out), for MLPs. */
dnc_status dnc_mlp_model_new(const dnc_train_config *cfg, size_t input_dim, dnc_mlp_model **out);
void dnc_mlp_model_free(dnc_mlp_model *m);
size_t dnc_mlp_model_nparams(const dnc_mlp_model *m);
/* The configuration in use (net.input_width = the data dimension). */
const dnc_train_config *dnc_mlp_model_config(const dnc_mlp_model *m);
void dnc_mlp_model_get_params(const dnc_mlp_model *m, double *theta);
void dnc_mlp_model_set_params(dnc_mlp_model *m, const double *theta);
/* Layer l = 1..depth+1 in float64 (W fan_out x fan_in, b fan_out). */
dnc_status dnc_mlp_model_layer(const dnc_mlp_model *m, size_t layer, double *W, double *b);

/* Mean cross-entropy of B samples and, if grad != NULL, its gradient with
 * respect to theta (nparams entries, float64). */
dnc_status dnc_mlp_loss_grad(dnc_mlp_model *m, const float *X, const uint8_t *y, size_t B,
                             double *loss, double *grad);
/* One optimiser step on a minibatch; *loss is the loss before the step. */
dnc_status dnc_mlp_train_step(dnc_mlp_model *m, const float *X, const uint8_t *y, size_t B,
                              double *loss);
/* Mean loss and accuracy over a data set (forward passes in chunks). */
dnc_status dnc_mlp_evaluate(dnc_mlp_model *m, const dnc_dataset *ds, double *loss,
                            double *accuracy);
/* Saves an MLP as safetensors in the naming of a PyTorch nn.Sequential of
 * Linear layers with an activation between them: "0.weight" (width x
 * input), "0.bias", "2.weight", ..., the readout "<2 depth>.weight"
 * (nclasses x width) and its bias; F32 or F64; "__metadata__" holds format
 * "pt", the activation, width and hidden_layers. torch loads it with
 * nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path)),
 * `dnncrit propagate --weights` reads it back. CNNs: DNC_EUNSUPPORTED. */
dnc_status dnc_mlp_model_save(const dnc_mlp_model *m, const char *path, dnc_weights_dtype dtype);
dnc_status dnc_mlp_observables(const dnc_mlp_model *m, const float *X, size_t B,
                               dnc_train_observables *obs);

/* Called after each evaluated epoch (epoch 0 = initialisation). */
typedef void (*dnc_epoch_callback)(void *ctx, const dnc_train_epoch *e);

/* Full run: epochs of shuffled minibatches over `train`, evaluation of
 * train and test sets and observables after each. */
dnc_status dnc_train(const dnc_train_config *cfg, const dnc_dataset *train,
                     const dnc_dataset *test, dnc_epoch_callback cb, void *ctx,
                     dnc_train_result *res);
void dnc_train_result_free(dnc_train_result *res);

/* The minibatch order of one epoch: perm[0..n) a Philox permutation. */
void dnc_train_permutation(uint64_t seed, size_t epoch, size_t n, size_t *perm);

DNC_END_DECLS
#endif
