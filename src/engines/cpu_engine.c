/* The CPU engine: the primitives of engine.h on the host.
 *
 * The linear layer produces the weight matrix in blocks of R rows and
 * multiplies every block at once into the batch: H[:, rows] = A W_rows^T
 * with single-threaded cblas_dgemm (the batch padded to an even row count,
 * the condition under which OpenBLAS's Haswell-family kernels give a row
 * the same bits whatever the other rows; its Nehalem and AVX-512 kernels
 * do not) or with dnc_gemm_nt, whose every element is summed in the same
 * order on every CPU (see detgemm.h). Threads (OpenMP) take whole blocks,
 * a partition fixed by the shapes, and the weights of a block stay in
 * cache between generation and use. The tangent vector of the Lyapunov computation rides along as one
 * extra row of A, so it costs no extra pass over the weights. */
#include "engines/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "core/blas_threads.h"
#include "core/detgemm.h"
#include "dnncrit/observables.h"

/* -------------------------------------------------------------- state */

typedef struct {
    bool openblas; /* the OpenBLAS product (else dnc_gemm_nt) */
    size_t R;      /* rows per weight block */
    size_t kmax;   /* widest fan-in */
    int nthreads;
    double *Wblk;  /* nthreads x R x kmax: Philox weight blocks */
    double *Wpack; /* nthreads x packing workspace of dnc_gemm_nt_ws */
    size_t pack_size;
    double *D;     /* N: phi'(h) of input 0, for the tangent */
    double *work;  /* dnc_obs_cosine_workspace */
    double *packed; /* B x N: the rows of a strided matrix, for the cosine */
} cpu_engine;

/* Rows per weight block: a block of about 256 KiB stays in L2 between
 * generation and use, and many blocks per layer balance the threads. A
 * large batch re-reads A once per block, so it gets 1 MiB blocks. The
 * choice depends on the shapes only, never on the thread count (and with
 * the portable product it cannot change results at all). */
static size_t block_rows(size_t fan_in, size_t N, size_t rows)
{
    size_t target = rows > 8 ? (size_t)1 << 17 : (size_t)1 << 15;
    size_t R = target / fan_in;
    if (R > N / 8) /* at least ~8 blocks per layer to share among threads */
        R = N / 8;
    R = R < 12 ? 12 : R - R % 12; /* whole 12-row panels of dnc_gemm_nt */
    return R > N ? N : R;
}

static void cpu_engine_free(cpu_engine *e)
{
    free(e->Wblk);
    free(e->Wpack);
    free(e->D);
    free(e->work);
    free(e->packed);
    free(e);
}

static void cpu_close(void *ctx)
{
    cpu_engine *e = ctx;
    if (e->openblas)
        dnc_blas_single_thread_leave();
    cpu_engine_free(e);
}

/* --------------------------------------------------------- primitives */

static double *cpu_alloc(void *ctx, size_t rows, size_t cols)
{
    const cpu_engine *e = ctx;
    size_t padded = e->openblas ? rows + rows % 2 : rows;
    size_t n = padded * cols;
    double *p = calloc(n > 0 ? n : 1, sizeof *p);
    if (!p)
        dnc_fail(DNC_ENOMEM, "out of memory for %zu x %zu doubles", rows, cols);
    return p;
}

static void cpu_release(void *ctx, double *p)
{
    (void)ctx;
    free(p);
}

static dnc_status cpu_move(void *ctx, double *dst, const double *src, size_t n)
{
    (void)ctx;
    memmove(dst, src, n * sizeof *dst);
    return DNC_OK;
}

/* H[:, r0:r0+nr] = A W_blk^T, with W_blk row-major nr x K. */
static void block_product(const cpu_engine *e, size_t rows, size_t K, const double *A,
                          size_t lda, const double *Wb, size_t r0, size_t nr, double *H,
                          size_t ldh)
{
    if (e->openblas) {
        size_t mrows = rows + rows % 2; /* the zero row cpu_alloc added */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mrows, (int)nr, (int)K, 1.0,
                    A, (int)lda, Wb, (int)K, 0.0, H + r0, (int)ldh);
        return;
    }
    double *pack = e->Wpack + (size_t)omp_get_thread_num() * e->pack_size;
    dnc_gemm_nt_ws(rows, nr, K, A, lda, Wb, K, H + r0, ldh, pack);
}

static dnc_status cpu_linear(void *ctx, const dnc_mlp_config *cfg, size_t layer,
                             const double *W_given, size_t rows, const double *A, size_t lda,
                             double *H, size_t ldh)
{
    const cpu_engine *e = ctx;
    size_t N = cfg->width, K = dnc_mlp_fan_in(cfg, layer), R = e->R;
    long nblocks = (long)((N + R - 1) / R);
    /* small layers: a fork/join costs more than it saves (far more on a
     * loaded machine); the result is the same either way */
#pragma omp parallel for schedule(dynamic, 1) if (N * K >= ((size_t)1 << 17))
    for (long blk = 0; blk < nblocks; blk++) {
        size_t r0 = (size_t)blk * R;
        size_t nr = r0 + R <= N ? R : N - r0;
        if (W_given) {
            block_product(e, rows, K, A, lda, W_given + r0 * K, r0, nr, H, ldh);
        } else {
            double *Wb = e->Wblk + (size_t)omp_get_thread_num() * R * e->kmax;
            dnc_mlp_layer_weight_rows(cfg, layer, r0, nr, Wb);
            block_product(e, rows, K, A, lda, Wb, r0, nr, H, ldh);
        }
    }
    return DNC_OK;
}

static dnc_status cpu_finish(void *ctx, double *H, const double *bias, const double *Hprev,
                             double alpha, size_t B, size_t rows, size_t N)
{
    (void)ctx;
    for (size_t r = 0; r < rows; r++) {
        double *h = H + r * N;
        if (r < B)
            for (size_t i = 0; i < N; i++)
                h[i] += bias[i];
        if (Hprev) {
            const double *hp = Hprev + r * N;
            for (size_t i = 0; i < N; i++)
                h[i] = hp[i] + alpha * h[i];
        }
    }
    return DNC_OK;
}

static dnc_status cpu_activate(void *ctx, dnc_activation act, const double *H, size_t B,
                               size_t rows, size_t N, double *A, size_t lda)
{
    cpu_engine *e = ctx;
    for (size_t b = 0; b < B; b++)
        dnc_phi_array(act, H + b * N, A + b * lda, b == 0 ? e->D : NULL, N);
    if (rows > B) {
        const double *v = H + B * N;
        double *u = A + B * lda;
        for (size_t i = 0; i < N; i++)
            u[i] = e->D[i] * v[i];
    }
    return DNC_OK;
}

static dnc_status cpu_all_finite(void *ctx, const double *x, size_t n, bool *finite)
{
    (void)ctx;
    *finite = true;
    for (size_t i = 0; i < n && *finite; i++)
        *finite = isfinite(x[i]);
    return DNC_OK;
}

/* Rows of Y (row stride ld) packed contiguously, in e->packed. */
static const double *contiguous_rows(cpu_engine *e, const double *Y, size_t rows, size_t N,
                                     size_t ld)
{
    if (ld == N)
        return Y;
    for (size_t r = 0; r < rows; r++)
        memcpy(e->packed + r * N, Y + r * ld, N * sizeof *Y);
    return e->packed;
}

static dnc_status cpu_gram_stats(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                                 double *norms2, double *cosine)
{
    cpu_engine *e = ctx;
    if (norms2)
        for (size_t r = 0; r < rows; r++)
            norms2[r] = dnc_dot(Y + r * ld, Y + r * ld, N);
    if (cosine)
        *cosine = rows < 2 ? NAN
                           : dnc_obs_mean_cosine(contiguous_rows(e, Y, rows, N, ld), rows, N,
                                                 e->work);
    return DNC_OK;
}

static dnc_status cpu_divide(void *ctx, double *x, size_t n, double s)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        x[i] /= s;
    return DNC_OK;
}

/* ---------------------------------------------------------------- open */

static dnc_status cpu_engine_init(cpu_engine *e, const dnc_propagate_opts *o)
{
    size_t B = o->batch, rows = B + (o->lyapunov ? 1 : 0);
    size_t N = o->net.width, n0 = dnc_mlp_input_width(&o->net);
    e->openblas = o->product == DNC_PRODUCT_OPENBLAS;
    e->kmax = n0 > N ? n0 : N;
    e->R = block_rows(N, N, rows);
    size_t r0 = block_rows(n0, N, rows);
    if (r0 > e->R)
        e->R = r0;
    e->nthreads = omp_get_max_threads();
    e->D = malloc(N * sizeof *e->D);
    e->work = malloc(dnc_obs_cosine_workspace(B) * sizeof *e->work);
    if (e->kmax != N && o->corr == DNC_CORR_POST)
        e->packed = malloc(B * N * sizeof *e->packed);
    if (!o->provider)
        e->Wblk = malloc((size_t)e->nthreads * e->R * e->kmax * sizeof *e->Wblk);
    if (!e->openblas) {
        e->pack_size = dnc_gemm_nt_workspace(e->R, e->kmax);
        e->Wpack = malloc((size_t)e->nthreads * e->pack_size * sizeof *e->Wpack);
    }
    if (!e->D || !e->work || (e->kmax != N && o->corr == DNC_CORR_POST && !e->packed) ||
        (!o->provider && !e->Wblk) || (!e->openblas && !e->Wpack))
        return dnc_fail(DNC_ENOMEM, "out of memory for width %zu, batch %zu", N, B);
    return DNC_OK;
}

dnc_status dnc_cpu_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o)
{
    memset(ops, 0, sizeof *ops);
    cpu_engine *e = calloc(1, sizeof *e);
    if (!e)
        return dnc_fail(DNC_ENOMEM, "out of memory for the CPU engine");
    dnc_status st = cpu_engine_init(e, o);
    if (st) {
        cpu_engine_free(e);
        return st;
    }
    /* OpenBLAS's own threads would fight ours, and they change its
     * summation order; it runs single-threaded inside our blocks */
    if (e->openblas)
        dnc_blas_single_thread_enter();
    snprintf(ops->description, sizeof ops->description, "CPU, %d OpenMP threads", e->nthreads);
    ops->ctx = e;
    ops->alloc = cpu_alloc;
    ops->release = cpu_release;
    ops->upload = cpu_move;
    ops->download = cpu_move;
    ops->copy = cpu_move;
    ops->linear = cpu_linear;
    ops->finish = cpu_finish;
    ops->activate = cpu_activate;
    ops->all_finite = cpu_all_finite;
    ops->gram_stats = cpu_gram_stats;
    ops->divide = cpu_divide;
    ops->close = cpu_close;
    return DNC_OK;
}
