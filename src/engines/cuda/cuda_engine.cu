/* The CUDA engine: the primitives of engine.h on an NVIDIA GPU. The linear
 * layer draws the weights on the device, in row blocks of at most 256 MiB,
 * by the CPU's own Philox + Box-Muller source (rng_core.h, compiled here
 * with -fmad=false), so they are the CPU's weights bit for bit, and
 * multiplies each block into the batch with cuBLAS DGEMM; Gram matrices
 * for the observables run in cuBLAS too. Everything runs in order on the
 * legacy default stream: a download waits for the work before it, which
 * keeps the algorithm free of synchronisation. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <new>

#include <cublas_v2.h>
#include <cuda_runtime.h>

extern "C" {
#include "engines/engine.h"
#include "dnncrit/device.h"
#include "dnncrit/error.h"
#include "dnncrit/observables.h"
#include "dnncrit/rng.h"
}
#include "core/activation_core.h"
#include "engines/cuda/cuda_common.h"
#include "engines/gemm_colmajor.h"
#include "core/rng_core.h"

using dnc_cuda::grid_for;
using dnc_cuda::THREADS;

namespace {

struct cuda_ctx {
    cublasHandle_t blas;
    size_t R;           /* weight rows per block */
    size_t kmax;        /* widest fan-in */
    size_t rows;        /* rows of the batch (inputs and tangent) */
    double *W;          /* device, R x kmax: a block of weights */
    double *gram;       /* device, rows x rows */
    double *gram_host;  /* host, rows x rows */
    int *flag;          /* device: set when a number is not finite */
};

dnc_status cuda_failed(const char *what, cudaError_t err)
{
    return dnc_fail(DNC_EIO, "CUDA: %s failed: %s", what, cudaGetErrorString(err));
}

dnc_status check(const char *what, cudaError_t err)
{
    return err == cudaSuccess ? DNC_OK : cuda_failed(what, err);
}

dnc_status check_blas(const char *what, cublasStatus_t st)
{
    if (st == CUBLAS_STATUS_SUCCESS)
        return DNC_OK;
    return dnc_fail(DNC_EIO, "cuBLAS: %s failed: %s", what, cublasGetStatusString(st));
}

/* Launch errors surface at once; faults inside a kernel at the next copy. */
dnc_status launched(const char *what)
{
    return check(what, cudaGetLastError());
}

/* ------------------------------------------------------------- kernels */

__global__ void weight_rows_kernel(uint32_t k0, uint32_t k1, uint32_t layer, size_t row0,
                                   size_t nrows, size_t K, double scale, double *W)
{
    size_t pairs = (K + 1) / 2, total = nrows * pairs;
    DNC_GRID_STRIDE(t, total) {
        size_t r = t / pairs, j = t % pairs;
        double z0, z1;
        block_pair(k0, k1, DNC_STREAM_WEIGHT, layer, (uint32_t)(row0 + r), (uint32_t)j, &z0,
                   &z1);
        double *row = W + r * K;
        row[2 * j] = z0 * scale;
        if (2 * j + 1 < K)
            row[2 * j + 1] = z1 * scale;
    }
}

__global__ void finish_kernel(double *H, const double *bias, const double *Hprev, double alpha,
                              size_t B, size_t rows, size_t N)
{
    DNC_GRID_STRIDE(t, rows * N) {
        size_t r = t / N, i = t % N;
        double h = H[t];
        if (r < B) /* the CPU engine's arithmetic: the tangent row gets no bias */
            h += bias[i];
        H[t] = Hprev ? Hprev[t] + alpha * h : h;
    }
}

__global__ void activate_kernel(int act, const double *H, size_t B, size_t rows, size_t N,
                                double *A, size_t lda)
{
    DNC_GRID_STRIDE(t, rows * N) {
        size_t r = t / N, i = t % N;
        A[r * lda + i] = r < B ? dnc_phi_core(act, H[t]) : dnc_dphi_core(act, H[i]) * H[t];
    }
}

__global__ void flag_nonfinite_kernel(const double *x, size_t n, int *flag)
{
    DNC_GRID_STRIDE(t, n) {
        if (!isfinite(x[t]))
            *flag = 1;
    }
}

__global__ void divide_kernel(double *x, size_t n, double s)
{
    DNC_GRID_STRIDE(t, n) {
        x[t] /= s;
    }
}

/* ---------------------------------------------------------- primitives */

cuda_ctx *ctx_of(void *ctx)
{
    return static_cast<cuda_ctx *>(ctx);
}

/* n doubles of device memory; NULL with dnc_fail set */
double *device_alloc(size_t n)
{
    void *p = NULL;
    cudaError_t err = cudaMalloc(&p, (n ? n : 1) * sizeof(double));
    if (err != cudaSuccess) {
        dnc_fail(DNC_ENOMEM, "CUDA: cannot allocate %zu doubles on the GPU: %s", n,
                 cudaGetErrorString(err));
        return NULL;
    }
    return static_cast<double *>(p);
}

double *cu_alloc(void *, size_t rows, size_t cols)
{
    size_t n = rows * cols;
    double *p = device_alloc(n);
    if (p && cudaMemset(p, 0, (n ? n : 1) * sizeof *p) != cudaSuccess) {
        cudaFree(p);
        dnc_fail(DNC_ENOMEM, "CUDA: cannot clear %zu doubles on the GPU", n);
        return NULL;
    }
    return p;
}

void cu_release(void *, double *p)
{
    cudaFree(p);
}

dnc_status cu_upload(void *, double *dev, const double *host, size_t n)
{
    return check("copy to the GPU", cudaMemcpy(dev, host, n * sizeof *dev, cudaMemcpyHostToDevice));
}

dnc_status cu_download(void *, double *host, const double *dev, size_t n)
{
    return check("copy from the GPU",
                 cudaMemcpy(host, dev, n * sizeof *dev, cudaMemcpyDeviceToHost));
}

dnc_status cu_copy(void *, double *dst, const double *src, size_t n)
{
    return check("copy on the GPU", cudaMemcpy(dst, src, n * sizeof *dst, cudaMemcpyDeviceToDevice));
}

/* Rows [row0, row0 + nrows) of layer `layer`'s Philox weights, as
 * dnc_mlp_layer_weight_rows: nrows x fan_in, contiguous. */
dnc_status weight_rows(const dnc_mlp_config *cfg, size_t layer, size_t row0, size_t nrows,
                       double *W)
{
    size_t K = dnc_mlp_fan_in(cfg, layer);
    double scale = cfg->sigma_w / sqrt((double)K); /* dnc_mlp_layer_weight_rows' scale */
    weight_rows_kernel<<<grid_for(nrows * ((K + 1) / 2)), THREADS>>>(
        (uint32_t)cfg->seed, (uint32_t)(cfg->seed >> 32), (uint32_t)layer, row0, nrows, K, scale,
        W);
    return launched("weight generation");
}

/* Row-major C (m x n) = A B^T, B n x k, through cuBLAS DGEMM. */
dnc_status dgemm_nt(cublasHandle_t blas, const char *what, size_t m, size_t n, size_t k,
                    const double *A, size_t lda, const double *B, size_t ldb, double *C,
                    size_t ldc)
{
    const double one = 1.0, zero = 0.0;
    dnc_colmajor_call g = dnc_rowmajor_gemm_as_colmajor(false, true, m, n, k);
    return check_blas(what, cublasDgemm(blas, g.first_trans ? CUBLAS_OP_T : CUBLAS_OP_N,
                                        g.second_trans ? CUBLAS_OP_T : CUBLAS_OP_N, (int)g.m,
                                        (int)g.n, (int)g.k, &one, B, (int)ldb, A, (int)lda,
                                        &zero, C, (int)ldc));
}

/* H = A W^T block by block: each block of R weight rows drawn on the GPU
 * (or uploaded from W_given) into c->W, then multiplied into H. */
dnc_status cu_linear(void *ctx, const dnc_mlp_config *cfg, size_t layer, const double *W_given,
                     size_t rows, const double *A, size_t lda, double *H, size_t ldh)
{
    cuda_ctx *c = ctx_of(ctx);
    size_t N = cfg->width, K = dnc_mlp_fan_in(cfg, layer);
    if (K > c->kmax)
        return dnc_fail(DNC_EINVAL, "CUDA engine: fan-in %zu, opened for %zu", K, c->kmax);
    dnc_status st = DNC_OK;
    for (size_t r0 = 0; r0 < N && !st; r0 += c->R) {
        size_t nr = r0 + c->R <= N ? c->R : N - r0;
        if (W_given)
            st = cu_upload(ctx, c->W, W_given + r0 * K, nr * K);
        else
            st = weight_rows(cfg, layer, r0, nr, c->W);
        if (!st)
            st = dgemm_nt(c->blas, "DGEMM", rows, nr, K, A, lda, c->W, K, H + r0, ldh);
    }
    return st;
}

dnc_status cu_finish(void *, double *H, const double *bias, const double *Hprev, double alpha,
                     size_t B, size_t rows, size_t N)
{
    finish_kernel<<<grid_for(rows * N), THREADS>>>(H, bias, Hprev, alpha, B, rows, N);
    return launched("bias and residual update");
}

dnc_status cu_activate(void *, dnc_activation act, const double *H, size_t B, size_t rows,
                       size_t N, double *A, size_t lda)
{
    activate_kernel<<<grid_for(rows * N), THREADS>>>((int)act, H, B, rows, N, A, lda);
    return launched("activation");
}

dnc_status cu_all_finite(void *ctx, const double *x, size_t n, bool *finite)
{
    cuda_ctx *c = ctx_of(ctx);
    int flag = 0;
    dnc_status st = check("clearing the finite flag", cudaMemset(c->flag, 0, sizeof flag));
    if (st)
        return st;
    flag_nonfinite_kernel<<<grid_for(n), THREADS>>>(x, n, c->flag);
    if ((st = launched("finite check")) ||
        (st = check("copy from the GPU",
                    cudaMemcpy(&flag, c->flag, sizeof flag, cudaMemcpyDeviceToHost))))
        return st;
    *finite = flag == 0;
    return DNC_OK;
}

/* One Gram matrix Y Y^T on the GPU; its diagonal and mean cosine on the host. */
dnc_status cu_gram_stats(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                         double *norms2, double *cosine)
{
    cuda_ctx *c = ctx_of(ctx);
    if (rows > c->rows)
        return dnc_fail(DNC_EINVAL, "CUDA engine: Gram matrix of %zu rows, opened for %zu", rows,
                        c->rows);
    dnc_status st = dgemm_nt(c->blas, "DGEMM (Gram)", rows, rows, N, Y, ld, Y, ld, c->gram, rows);
    if (st || (st = cu_download(ctx, c->gram_host, c->gram, rows * rows)))
        return st;
    for (size_t r = 0; norms2 && r < rows; r++)
        norms2[r] = c->gram_host[r * rows + r];
    if (cosine)
        *cosine = dnc_obs_mean_cosine_gram(c->gram_host, rows);
    return DNC_OK;
}

dnc_status cu_divide(void *, double *x, size_t n, double s)
{
    divide_kernel<<<grid_for(n), THREADS>>>(x, n, s);
    return launched("tangent renormalisation");
}

void cu_close(void *ctx)
{
    cuda_ctx *c = ctx_of(ctx);
    if (!c)
        return;
    cudaFree(c->W);
    cudaFree(c->gram);
    cudaFree(c->flag);
    free(c->gram_host);
    if (c->blas)
        cublasDestroy(c->blas);
    delete c;
}

/* Weight rows per block: at most 2^25 doubles (256 MiB) on the device. */
size_t weight_block_rows(size_t N, size_t kmax)
{
    size_t R = ((size_t)1 << 25) / kmax;
    return R < 1 ? 1 : (R > N ? N : R);
}

/* The buffers of one propagation of o's shape. */
dnc_status cuda_ctx_init(cuda_ctx *c, const dnc_propagate_opts *o)
{
    size_t N = o->net.width, n0 = dnc_mlp_input_width(&o->net);
    c->kmax = n0 > N ? n0 : N;
    c->R = o->provider ? N : weight_block_rows(N, c->kmax);
    c->rows = o->batch + (o->lyapunov ? 1 : 0);
    c->gram_host = static_cast<double *>(malloc(c->rows * c->rows * sizeof(double)));
    if (!c->gram_host)
        return dnc_fail(DNC_ENOMEM, "out of memory for the CUDA engine");
    void *flag = NULL;
    cudaError_t err = cudaMalloc(&flag, sizeof(int));
    if (err != cudaSuccess)
        return dnc_fail(DNC_ENOMEM, "CUDA: cannot allocate the finite flag: %s",
                        cudaGetErrorString(err));
    c->flag = static_cast<int *>(flag);
    if (!(c->W = device_alloc(c->R * c->kmax)) || !(c->gram = device_alloc(c->rows * c->rows)))
        return DNC_ENOMEM;
    return DNC_OK;
}

/* The rank of this process among the MPI ranks of its node (Open MPI,
 * MPICH, Slurm), or -1 outside MPI. */
int node_local_rank(void)
{
    const char *names[] = {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v && *v)
            return atoi(v);
    }
    return -1;
}

dnc_status no_gpu(const char *what, cudaError_t err)
{
    return dnc_fail(DNC_EUNSUPPORTED, "--device cuda: no usable GPU (%s: %s)", what,
                    cudaGetErrorString(err));
}

} // namespace

extern "C" bool dnc_cuda_built(void)
{
    return true;
}

extern "C" dnc_status dnc_cuda_describe(char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    int count = 0, dev = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess)
        return no_gpu("cudaGetDeviceCount", err);
    if (count == 0)
        return dnc_fail(DNC_EUNSUPPORTED, "--device cuda: no CUDA GPU found");
    /* MPI ranks sharing a node share its GPUs round robin */
    int local = node_local_rank();
    if (local >= 0 && (err = cudaSetDevice(local % count)) != cudaSuccess)
        return no_gpu("cudaSetDevice", err);
    cudaDeviceProp p;
    if ((err = cudaGetDevice(&dev)) != cudaSuccess ||
        (err = cudaGetDeviceProperties(&p, dev)) != cudaSuccess)
        return no_gpu("cudaGetDeviceProperties", err);
    snprintf(buf, len, "%s (GPU %d, compute capability %d.%d, %.1f GiB)", p.name, dev, p.major,
             p.minor, (double)p.totalGlobalMem / (double)(1ull << 30));
    return DNC_OK;
}

dnc_status dnc_cuda::start(char *desc, size_t len, cublasHandle_t *blas)
{
    dnc_status st = dnc_cuda_describe(desc, len);
    if (st)
        return st;
    cublasStatus_t bst = cublasCreate(blas);
    if (bst != CUBLAS_STATUS_SUCCESS)
        return dnc_fail(DNC_EUNSUPPORTED, "--device cuda: cuBLAS did not start: %s",
                        cublasGetStatusString(bst));
    return DNC_OK;
}

extern "C" dnc_status dnc_cuda_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o)
{
    memset(ops, 0, sizeof *ops);
    cuda_ctx *c = new (std::nothrow) cuda_ctx();
    if (!c)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_status st = dnc_cuda::start(ops->description, sizeof ops->description, &c->blas);
    if (st) {
        c->blas = NULL;
        cu_close(c);
        return st;
    }
    if ((st = cuda_ctx_init(c, o))) {
        cu_close(c);
        return st;
    }
    ops->ctx = c;
    ops->alloc = cu_alloc;
    ops->release = cu_release;
    ops->upload = cu_upload;
    ops->download = cu_download;
    ops->copy = cu_copy;
    ops->linear = cu_linear;
    ops->finish = cu_finish;
    ops->activate = cu_activate;
    ops->all_finite = cu_all_finite;
    ops->gram_stats = cu_gram_stats;
    ops->divide = cu_divide;
    ops->close = cu_close;
    return DNC_OK;
}
