/* The device primitives of MLP training (src/train/train_model.c). The algorithm
 * (forward pass, softmax cross-entropy, backpropagation, SGD / Adam) is
 * written once over them; the CPU supplies them from src/train/train_kernels.inc
 * (float and double), the optional CUDA backend from src/cuda/train_cuda.cu.
 *
 * Buffers are device pointers from alloc, in the model's precision (elem
 * bytes per number) unless a signature says float / uint8_t / double.
 * Matrices are row-major. Primitives that cannot fail on the CPU return
 * nothing; a device records its first failure and reports it from status(),
 * which the trainer calls after every step. */
#ifndef DNNCRIT_TRAIN_DEVICE_H
#define DNNCRIT_TRAIN_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/activation.h"
#include "dnncrit/error.h"
#include "dnncrit/train.h"

typedef struct {
    void *ctx;
    size_t elem; /* sizeof(float) or sizeof(double) */
    void *(*alloc)(void *ctx, size_t bytes); /* zero-filled; NULL + dnc_fail when out of memory */
    void (*release)(void *ctx, void *p);
    void (*upload)(void *ctx, void *dev, const void *host, size_t bytes);
    void (*download)(void *ctx, void *host, const void *dev, size_t bytes);
    /* dev[i] = (R) host[i]: a batch of float inputs */
    void (*from_float)(void *ctx, void *dev, const float *host, size_t n);
    /* C = alpha op(A) op(B) + beta C, C is M x N */
    void (*gemm)(void *ctx, bool ta, bool tb, size_t M, size_t N, size_t K, double alpha,
                 const void *A, size_t lda, const void *B, size_t ldb, double beta, void *C,
                 size_t ldc);
    /* every row of h (rows x n) = b */
    void (*bias_rows)(void *ctx, void *h, const void *b, size_t rows, size_t n);
    /* h <- phi(h), d = phi'(h), n numbers */
    void (*activate)(void *ctx, dnc_activation act, void *h, void *d, size_t n);
    /* probs = softmax of the logits z (B x C); host loss_each[r] (cross-entropy of label
     * y[r], y on the device) and correct[r] (argmax == label) */
    void (*softmax_loss)(void *ctx, const void *z, const uint8_t *y, size_t B, size_t C,
                         void *probs, double *loss_each, unsigned char *correct);
    /* delta = (probs - onehot(y)) / B */
    void (*output_delta)(void *ctx, const void *probs, const uint8_t *y, size_t B, size_t C,
                         void *delta);
    /* out[j] = sum over rows r of d[r n + j], in row order */
    void (*column_sums)(void *ctx, const void *d, size_t rows, size_t n, void *out);
    /* x[i] *= d[i] */
    void (*mul)(void *ctx, void *x, const void *d, size_t n);
    /* v <- mu v + g, theta <- theta - lr v */
    void (*sgd)(void *ctx, void *theta, const void *g, void *v, size_t n, double lr, double mu);
    /* Adam with bias corrections corr1 = 1 - beta1^t, corr2 = 1 - beta2^t */
    void (*adam)(void *ctx, void *theta, const void *g, void *m1, void *m2, size_t n, double lr,
                 double beta1, double beta2, double eps, double corr1, double corr2);
    /* the first failure since the last call (DNC_OK when none), then clears it */
    dnc_status (*status)(void *ctx);
    void (*close)(void *ctx);
} dnc_train_ops;

/* The CUDA primitives for precision p; DNC_EUNSUPPORTED naming the reason
 * when this build or machine has no GPU. ops->close(ops->ctx) releases. */
dnc_status dnc_train_ops_cuda_open(dnc_precision p, dnc_train_ops *ops);

#endif
