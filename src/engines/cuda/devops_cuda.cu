/* The CUDA backend: the dnc_devops primitives (devprop.h) on an NVIDIA GPU.
 * Products and Gram matrices run in cuBLAS DGEMM; weights are drawn on the
 * device by the CPU's own Philox + Box-Muller source (rng_core.h, compiled
 * here with -fmad=false), so they are the CPU's weights bit for bit.
 * Everything runs in order on the legacy default stream: a download waits
 * for the work before it, which keeps the driver free of synchronisation. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <new>

#include <cublas_v2.h>
#include <cuda_runtime.h>

extern "C" {
#include "engines/devprop.h"
#include "dnncrit/device.h"
#include "dnncrit/error.h"
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
    double *gram;      /* device buffer for Gram matrices */
    size_t gram_size;  /* doubles */
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
        double h = H[t] + (r < B ? bias[i] : 0.0);
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

/* ---------------------------------------------------------- primitives */

cuda_ctx *ctx_of(void *ctx)
{
    return static_cast<cuda_ctx *>(ctx);
}

double *cu_alloc(void *, size_t n)
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

dnc_status cu_weight_rows(void *, const dnc_mlp_config *cfg, size_t layer, size_t row0,
                          size_t nrows, double *W)
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

dnc_status cu_gemm_nt(void *ctx, size_t m, size_t n, size_t k, const double *A, size_t lda,
                      const double *W, double *H, size_t ldh)
{
    return dgemm_nt(ctx_of(ctx)->blas, "DGEMM", m, n, k, A, lda, W, k, H, ldh);
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

dnc_status cu_gram(void *ctx, const double *Y, size_t rows, size_t N, size_t ld, double *G)
{
    cuda_ctx *c = ctx_of(ctx);
    if (c->gram_size < rows * rows) {
        cudaFree(c->gram);
        c->gram = cu_alloc(ctx, rows * rows);
        c->gram_size = c->gram ? rows * rows : 0;
        if (!c->gram)
            return DNC_ENOMEM;
    }
    dnc_status st = dgemm_nt(c->blas, "DGEMM (Gram)", rows, rows, N, Y, ld, Y, ld, c->gram, rows);
    return st ? st : cu_download(ctx, G, c->gram, rows * rows);
}

dnc_status cu_scale(void *ctx, double *x, size_t n, double s)
{
    return check_blas("DSCAL", cublasDscal(ctx_of(ctx)->blas, (int)n, &s, x, 1));
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

extern "C" dnc_status dnc_devops_cuda_open(dnc_devops *ops)
{
    memset(ops, 0, sizeof *ops);
    cuda_ctx *c = new (std::nothrow) cuda_ctx();
    if (!c)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_status st = dnc_cuda::start(ops->description, sizeof ops->description, &c->blas);
    if (st) {
        delete c;
        return st;
    }
    ops->ctx = c;
    ops->name = "cuda";
    ops->alloc = cu_alloc;
    ops->release = cu_release;
    ops->upload = cu_upload;
    ops->download = cu_download;
    ops->copy = cu_copy;
    ops->weight_rows = cu_weight_rows;
    ops->gemm_nt = cu_gemm_nt;
    ops->finish = cu_finish;
    ops->activate = cu_activate;
    ops->gram = cu_gram;
    ops->scale = cu_scale;
    return DNC_OK;
}

extern "C" void dnc_devops_cuda_close(dnc_devops *ops)
{
    cuda_ctx *c = ctx_of(ops->ctx);
    if (!c)
        return;
    cudaFree(c->gram);
    cublasDestroy(c->blas);
    delete c;
    ops->ctx = NULL;
}
