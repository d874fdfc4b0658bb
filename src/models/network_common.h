/* What the network descriptions of the models layer share (network.c for
 * the MLP, cnn_net.c for the CNN): the checks of the depth and of the
 * initialisation, and the Philox weights and biases of one layer. Internal:
 * not part of the public API. */
#ifndef DNNCRIT_NETWORK_COMMON_H
#define DNNCRIT_NETWORK_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "dnncrit/activation.h"
#include "dnncrit/error.h"
#include "dnncrit/network.h"

/* depth in 1..DNC_MAX_DEPTH */
dnc_status dnc_network_validate_depth(size_t depth);
/* a known activation, a finite sigma_w > 0 and a finite sigma_b >= 0 */
dnc_status dnc_network_validate_init(dnc_activation activation, double sigma_w, double sigma_b);

/* Rows row0 .. row0 + nrows - 1 of layer `layer`'s weights: row r is the
 * normal sequence (seed, DNC_STREAM_WEIGHT, layer, r) of length fan_in, by
 * the transform `normals`, scaled by sigma_w / sqrt(fan_in); W holds
 * nrows x fan_in numbers. */
void dnc_network_weight_rows(uint64_t seed, dnc_normals normals, size_t layer, size_t row0,
                             size_t nrows, size_t fan_in, double sigma_w, double *W);
/* n biases of layer `layer`: (seed, DNC_STREAM_BIAS, layer, 0) scaled by sigma_b */
void dnc_network_bias(uint64_t seed, dnc_normals normals, size_t layer, size_t n,
                      double sigma_b, double *b);
/* Elements first .. first + n - 1 of the same sequence (dnc_network_bias is first = 0). */
void dnc_network_bias_range(uint64_t seed, dnc_normals normals, size_t layer, size_t first,
                            size_t n, double sigma_b, double *b);

#endif
