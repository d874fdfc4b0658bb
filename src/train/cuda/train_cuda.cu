/* The CUDA training primitives (src/train_device.h) in float or double:
 * cuBLAS SGEMM / DGEMM for the products, small kernels for the rest. Every
 * reduction (softmax row sums, bias-gradient column sums) runs in the same
 * order as on the CPU, one thread per row or column. Failures are kept in
 * the context and reported by status(), which the trainer calls every step.
 * All work is queued in order on the legacy default stream. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <new>

#include <cublas_v2.h>
#include <cuda_runtime.h>

extern "C" {
#include "dnncrit/device.h"
#include "dnncrit/error.h"
#include "train/train_device.h"
}
#include "core/activation_core.h"
#include "engines/cuda/cuda_common.h"
#include "engines/gemm_colmajor.h"

using dnc_cuda::grid_for;
using dnc_cuda::THREADS;

namespace {

struct tctx {
    cublasHandle_t blas;
    bool dbl;
    dnc_status err;          /* first failure since the last status() */
    char msg[256];
    float *stage;            /* device float staging buffer for inputs */
    size_t stage_n;
    double *loss_dev;        /* per-sample losses of the last softmax */
    unsigned char *correct_dev;
    size_t per_sample_n;
};

tctx *ctx_of(void *ctx)
{
    return static_cast<tctx *>(ctx);
}

void record(tctx *c, dnc_status code, const char *what, const char *why)
{
    if (c->err)
        return;
    c->err = code;
    snprintf(c->msg, sizeof c->msg, "CUDA training: %s failed: %s", what, why);
}

void check(tctx *c, const char *what, cudaError_t e)
{
    if (e != cudaSuccess)
        record(c, DNC_EIO, what, cudaGetErrorString(e));
}

void check_launch(tctx *c, const char *what)
{
    check(c, what, cudaGetLastError());
}

void check_blas(tctx *c, const char *what, cublasStatus_t st)
{
    if (st != CUBLAS_STATUS_SUCCESS)
        record(c, DNC_EIO, what, cublasGetStatusString(st));
}

/* ------------------------------------------------------------- kernels */

template <typename R> __global__ void from_float_k(R *dst, const float *src, size_t n)
{
    DNC_GRID_STRIDE(t, n) dst[t] = (R)src[t];
}

template <typename R> __global__ void bias_rows_k(R *h, const R *b, size_t rows, size_t n)
{
    DNC_GRID_STRIDE(t, rows * n) h[t] = b[t % n];
}

/* phi and phi' from the CPU's formulas (activation_core.h), in double */
template <typename R> __global__ void activate_k(int act, R *h, R *d, size_t n)
{
    DNC_GRID_STRIDE(t, n)
    {
        double v = (double)h[t];
        h[t] = (R)dnc_phi_core(act, v);
        d[t] = (R)dnc_dphi_core(act, v);
    }
}

__device__ inline float exp_r(float x) { return expf(x); }
__device__ inline double exp_r(double x) { return exp(x); }
__device__ inline float sqrt_r(float x) { return sqrtf(x); }
__device__ inline double sqrt_r(double x) { return sqrt(x); }

/* one thread per sample: the CPU's softmax_loss (train_kernels.inc) */
template <typename R>
__global__ void softmax_loss_k(const R *z, const uint8_t *y, size_t B, size_t C, R *p,
                               double *loss, unsigned char *correct)
{
    DNC_GRID_STRIDE(r, B)
    {
        const R *zr = z + r * C;
        R *pr = p + r * C;
        size_t best = 0;
        R zmax = zr[0];
        for (size_t c = 1; c < C; c++)
            if (zr[c] > zmax) {
                zmax = zr[c];
                best = c;
            }
        double s = 0;
        for (size_t c = 0; c < C; c++) {
            pr[c] = exp_r(zr[c] - zmax);
            s += (double)pr[c];
        }
        for (size_t c = 0; c < C; c++)
            pr[c] = (R)((double)pr[c] / s);
        loss[r] = log(s) - (double)(zr[y[r]] - zmax);
        correct[r] = best == y[r] && isfinite(s);
    }
}

template <typename R>
__global__ void output_delta_k(const R *p, const uint8_t *y, size_t B, size_t C, R *delta)
{
    R invB = (R)1 / (R)B;
    DNC_GRID_STRIDE(t, B * C)
    {
        size_t r = t / C, c = t % C;
        delta[t] = (p[t] - (c == y[r] ? (R)1 : (R)0)) * invB;
    }
}

template <typename R> __global__ void column_sums_k(const R *d, size_t rows, size_t n, R *out)
{
    DNC_GRID_STRIDE(j, n)
    {
        R s = 0;
        for (size_t r = 0; r < rows; r++)
            s += d[r * n + j];
        out[j] = s;
    }
}

template <typename R> __global__ void mul_k(R *x, const R *d, size_t n)
{
    DNC_GRID_STRIDE(t, n) x[t] *= d[t];
}

template <typename R> __global__ void sgd_k(R *theta, const R *g, R *v, size_t n, R lr, R mu)
{
    DNC_GRID_STRIDE(t, n)
    {
        v[t] = mu * v[t] + g[t];
        theta[t] -= lr * v[t];
    }
}

template <typename R>
__global__ void adam_k(R *theta, const R *g, R *m1, R *m2, size_t n, R lr, R b1, R b2, R eps,
                       R c1, R c2)
{
    DNC_GRID_STRIDE(t, n)
    {
        m1[t] = b1 * m1[t] + ((R)1 - b1) * g[t];
        m2[t] = b2 * m2[t] + ((R)1 - b2) * g[t] * g[t];
        theta[t] -= lr * (m1[t] / c1) / (sqrt_r(m2[t] / c2) + eps);
    }
}

/* ---------------------------------------------------------- primitives */

void *t_alloc(void *ctx, size_t bytes)
{
    void *p = NULL;
    cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);
    if (e == cudaSuccess)
        e = cudaMemset(p, 0, bytes ? bytes : 1);
    if (e != cudaSuccess) {
        cudaFree(p);
        dnc_fail(DNC_ENOMEM, "CUDA: cannot allocate %zu bytes on the GPU: %s", bytes,
                 cudaGetErrorString(e));
        (void)ctx;
        return NULL;
    }
    return p;
}

void t_release(void *, void *p)
{
    cudaFree(p);
}

void t_upload(void *ctx, void *dev, const void *host, size_t bytes)
{
    check(ctx_of(ctx), "copy to the GPU", cudaMemcpy(dev, host, bytes, cudaMemcpyHostToDevice));
}

void t_download(void *ctx, void *host, const void *dev, size_t bytes)
{
    check(ctx_of(ctx), "copy from the GPU",
          cudaMemcpy(host, dev, bytes, cudaMemcpyDeviceToHost));
}

/* grows a device buffer of n elements; false (error recorded) when it cannot */
template <typename T> bool ensure(tctx *c, T **buf, size_t *cap, size_t n)
{
    if (*cap >= n)
        return true;
    cudaFree(*buf);
    *buf = NULL;
    *cap = 0;
    cudaError_t e = cudaMalloc((void **)buf, n * sizeof(T));
    if (e != cudaSuccess) {
        check(c, "staging allocation", e);
        *buf = NULL;
        return false;
    }
    *cap = n;
    return true;
}

void t_from_float(void *ctx, void *dev, const float *host, size_t n)
{
    tctx *c = ctx_of(ctx);
    if (!c->dbl) {
        t_upload(ctx, dev, host, n * sizeof(float));
        return;
    }
    if (!ensure(c, &c->stage, &c->stage_n, n))
        return;
    t_upload(ctx, c->stage, host, n * sizeof(float));
    from_float_k<double><<<grid_for(n), THREADS>>>(static_cast<double *>(dev), c->stage, n);
    check_launch(c, "input conversion");
}

void t_gemm(void *ctx, bool ta, bool tb, size_t M, size_t N, size_t K, double alpha,
            const void *A, size_t lda, const void *B, size_t ldb, double beta, void *C,
            size_t ldc)
{
    tctx *c = ctx_of(ctx);
    dnc_colmajor_call g = dnc_rowmajor_gemm_as_colmajor(ta, tb, M, N, K);
    cublasOperation_t op1 = g.first_trans ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t op2 = g.second_trans ? CUBLAS_OP_T : CUBLAS_OP_N;
    if (c->dbl) {
        check_blas(c, "DGEMM",
                   cublasDgemm(c->blas, op1, op2, (int)g.m, (int)g.n, (int)g.k, &alpha,
                               static_cast<const double *>(B), (int)ldb,
                               static_cast<const double *>(A), (int)lda, &beta,
                               static_cast<double *>(C), (int)ldc));
        return;
    }
    float af = (float)alpha, bf = (float)beta;
    check_blas(c, "SGEMM",
               cublasSgemm(c->blas, op1, op2, (int)g.m, (int)g.n, (int)g.k, &af,
                           static_cast<const float *>(B), (int)ldb,
                           static_cast<const float *>(A), (int)lda, &bf,
                           static_cast<float *>(C), (int)ldc));
}

/* Launches kernel K<R> for the context's precision: the pointer arguments
 * are cast to R*, the scalars to R. */
#define LAUNCH(c, n, what, kernel, ...)                                                          \
    do {                                                                                         \
        if ((c)->dbl) {                                                                          \
            typedef double R;                                                                    \
            kernel<R><<<grid_for(n), THREADS>>>(__VA_ARGS__);                                    \
        } else {                                                                                 \
            typedef float R;                                                                     \
            kernel<R><<<grid_for(n), THREADS>>>(__VA_ARGS__);                                    \
        }                                                                                        \
        check_launch((c), what);                                                                 \
    } while (0)

void t_bias_rows(void *ctx, void *h, const void *b, size_t rows, size_t n)
{
    LAUNCH(ctx_of(ctx), rows * n, "bias", bias_rows_k, (R *)h, (const R *)b, rows, n);
}

void t_activate(void *ctx, dnc_activation act, void *h, void *d, size_t n)
{
    LAUNCH(ctx_of(ctx), n, "activation", activate_k, (int)act, (R *)h, (R *)d, n);
}

void t_softmax_loss(void *ctx, const void *z, const uint8_t *y, size_t B, size_t C, void *probs,
                    double *loss_each, unsigned char *correct)
{
    tctx *c = ctx_of(ctx);
    size_t cap_l = c->per_sample_n, cap_c = c->per_sample_n;
    if (!ensure(c, &c->loss_dev, &cap_l, B) || !ensure(c, &c->correct_dev, &cap_c, B))
        return;
    c->per_sample_n = cap_l < cap_c ? cap_l : cap_c;
    LAUNCH(c, B, "softmax", softmax_loss_k, (const R *)z, y, B, C, (R *)probs, c->loss_dev,
           c->correct_dev);
    t_download(ctx, loss_each, c->loss_dev, B * sizeof *loss_each);
    t_download(ctx, correct, c->correct_dev, B);
}

void t_output_delta(void *ctx, const void *probs, const uint8_t *y, size_t B, size_t C,
                    void *delta)
{
    LAUNCH(ctx_of(ctx), B * C, "output gradient", output_delta_k, (const R *)probs, y, B, C,
           (R *)delta);
}

void t_column_sums(void *ctx, const void *d, size_t rows, size_t n, void *out)
{
    LAUNCH(ctx_of(ctx), n, "column sums", column_sums_k, (const R *)d, rows, n, (R *)out);
}

void t_mul(void *ctx, void *x, const void *d, size_t n)
{
    LAUNCH(ctx_of(ctx), n, "product", mul_k, (R *)x, (const R *)d, n);
}

void t_sgd(void *ctx, void *theta, const void *g, void *v, size_t n, double lr, double mu)
{
    LAUNCH(ctx_of(ctx), n, "SGD step", sgd_k, (R *)theta, (const R *)g, (R *)v, n, (R)lr, (R)mu);
}

void t_adam(void *ctx, void *theta, const void *g, void *m1, void *m2, size_t n, double lr,
            double beta1, double beta2, double eps, double corr1, double corr2)
{
    LAUNCH(ctx_of(ctx), n, "Adam step", adam_k, (R *)theta, (const R *)g, (R *)m1, (R *)m2, n,
           (R)lr, (R)beta1, (R)beta2, (R)eps, (R)corr1, (R)corr2);
}

dnc_status t_status(void *ctx)
{
    tctx *c = ctx_of(ctx);
    dnc_status st = c->err;
    if (st)
        dnc_fail(st, "%s", c->msg);
    c->err = DNC_OK;
    return st;
}

void t_close(void *ctx)
{
    tctx *c = ctx_of(ctx);
    if (!c)
        return;
    cudaFree(c->stage);
    cudaFree(c->loss_dev);
    cudaFree(c->correct_dev);
    cublasDestroy(c->blas);
    delete c;
}

} // namespace

extern "C" dnc_status dnc_train_ops_cuda_open(dnc_precision p, dnc_train_ops *ops)
{
    memset(ops, 0, sizeof *ops);
    tctx *c = new (std::nothrow) tctx();
    if (!c)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    char gpu[160];
    dnc_status st = dnc_cuda::start(gpu, sizeof gpu, &c->blas);
    if (st) {
        delete c;
        return st;
    }
    c->dbl = p == DNC_PREC_DOUBLE;
    ops->ctx = c;
    ops->elem = c->dbl ? sizeof(double) : sizeof(float);
    ops->alloc = t_alloc;
    ops->release = t_release;
    ops->upload = t_upload;
    ops->download = t_download;
    ops->from_float = t_from_float;
    ops->gemm = t_gemm;
    ops->bias_rows = t_bias_rows;
    ops->activate = t_activate;
    ops->softmax_loss = t_softmax_loss;
    ops->output_delta = t_output_delta;
    ops->column_sums = t_column_sums;
    ops->mul = t_mul;
    ops->sgd = t_sgd;
    ops->adam = t_adam;
    ops->status = t_status;
    ops->close = t_close;
    return DNC_OK;
}
