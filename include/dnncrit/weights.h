/* A user's own fully connected network, read from a file: a model
 * description (weights and biases of Linear layers), not an engine. Its
 * layers feed dnc_propagate through the weight-provider hook
 * (dnc_weights_provide, dnncrit/propagate.h).
 *
 * Formats, told apart by their first bytes (not their names):
 *   safetensors  8-byte little-endian header length n, n bytes of JSON
 *                {"name": {"dtype", "shape", "data_offsets": [begin, end]},
 *                "__metadata__": {...}}, then the raw little-endian data
 *                (offsets relative to its start). dtypes F64, F32, F16, BF16.
 *                The file is memory-mapped.
 *   .npy         one NumPy array (descr '<f8', '<f4' or '<f2', C or Fortran
 *                order): a one-layer network "0.weight" with a zero bias.
 *   .npz         a zip of .npy members (stored or deflated; zip64 extras
 *                read), the member name without ".npy" is the tensor name.
 *
 * Names: the Linear layers of a PyTorch nn.Sequential, "K.weight" (shape
 * out x in) and "K.bias" (out), K = 0, 2, 4, ... (any increasing indices:
 * the layers are taken in index order, the activations between them are the
 * caller's choice), also under one prefix ("net.0.weight", ...: a Sequential
 * inside a module; two prefixes are an error); or W0, b0, W1, b1, ...
 * (W out x in). Every weight needs
 * its bias. Other tensors in the file are ignored. Each layer's fan-in must
 * equal the previous layer's width.
 *
 * Every value is converted to double; a non-finite weight or bias is an
 * error naming the file, the tensor and the entry. */
#ifndef DNNCRIT_WEIGHTS_H
#define DNNCRIT_WEIGHTS_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/error.h"
#include "dnncrit/network.h"

typedef struct dnc_weights dnc_weights;

/* Opens and checks PATH (format, header, every tensor's dtype, shape and
 * extent within the file, the layer names and shapes). DNC_EIO when it
 * cannot be read, DNC_EINVAL naming the file and tensor for a malformed or
 * truncated file, a missing tensor or a shape mismatch, DNC_EUNSUPPORTED
 * for a dtype other than F64/F32/F16/BF16. */
dnc_status dnc_weights_open(const char *path, dnc_weights **out);
void dnc_weights_free(dnc_weights *w);

/* Linear layers in the file, and layer l's (1-based) shape and tensor name. */
size_t dnc_weights_nlayers(const dnc_weights *w);
void dnc_weights_layer_shape(const dnc_weights *w, size_t layer, size_t *out, size_t *in);
const char *dnc_weights_layer_name(const dnc_weights *w, size_t layer);

/* Layer l (1..nlayers) in double: W row-major out x in, b out entries.
 * DNC_EINVAL naming the file, tensor and entry for a non-finite value. */
dnc_status dnc_weights_layer(const dnc_weights *w, size_t layer, double *W, double *b);

/* A dnc_weight_provider (dnncrit/propagate.h) with ctx = the dnc_weights. */
dnc_status dnc_weights_provide(void *ctx, size_t layer, double *W, double *b);

/* The network dnc_propagate can run: it has one width N for every layer, so
 * the widths of layers 1..nlayers-1 must be equal (DNC_EUNSUPPORTED naming
 * the two layers that differ). The last layer is included when its width is
 * N too; a readout of another width (e.g. 10 logits) is left out and
 * *readout_dropped set. Sets net->width, depth, input_width; keeps the
 * activation, sigma_w, sigma_b and seed (the seed draws generated inputs
 * and the Lyapunov tangent vector). */
dnc_status dnc_weights_mlp_config(const dnc_weights *w, dnc_mlp_config *net,
                                  bool *readout_dropped);

/* One tensor to write: a matrix rows x cols, or a vector (cols == 0) of
 * rows entries. */
typedef struct {
    const char *name;
    size_t rows, cols;
    const double *data;
} dnc_tensor_view;

typedef enum { DNC_WEIGHTS_F32 = 0, DNC_WEIGHTS_F64 = 1 } dnc_weights_dtype;

/* Writes the tensors as a safetensors file (written to a temporary file
 * and renamed), the header's "__metadata__" holding the string pairs
 * meta[0] = meta[1], meta[2] = meta[3], ... (nmeta pairs; meta may be NULL).
 * Values are rounded to float32 for DNC_WEIGHTS_F32. */
dnc_status dnc_safetensors_write(const char *path, const dnc_tensor_view *t, size_t n,
                                 dnc_weights_dtype dtype, const char *const *meta,
                                 size_t nmeta);

DNC_END_DECLS
#endif
