/* The CPU engine: the primitives of engine.h on the host.
 *
 * The linear layer produces the weight matrix in blocks of R rows and
 * multiplies every block at once into the batch: H[:, rows] = A W_rows^T
 * with single-threaded cblas_dgemm (the batch padded to an even row count,
 * the condition under which OpenBLAS's Haswell-family kernels give a row
 * the same bits whatever the other rows; its Nehalem and AVX-512 kernels
 * do not) or with dnc_gemm_nt, whose every element is summed in the same
 * order on every CPU (see detgemm.h). Threads take whole blocks, a
 * partition fixed by the shapes, and the weights of a block stay in cache
 * between generation and use. The tangent vector of the Lyapunov
 * computation rides along as one extra row of A, so it costs no extra pass
 * over the weights.
 *
 * Threads: every parallel loop (the weight blocks, the bias and activation,
 * the Gram matrix of the observables) runs on dnc_par_strips, not on an
 * OpenMP team. Its helpers sleep between loops and the caller never waits
 * for a helper that has not started, so on a loaded machine a second
 * thread cannot make a propagation slower than one (an OpenMP team spins
 * at its barriers and waits for a descheduled member). Loops below a work
 * threshold, fixed by the shapes, stay on the calling thread. Each strip
 * writes its own outputs, with a partition fixed by the shapes, so no
 * result depends on the thread count. */
#include "engines/engine.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "core/blas_threads.h"
#include "core/par_strips.h"
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
    double *work;  /* dnc_obs_cosine_workspace: the Gram matrix */
} cpu_engine;

/* Work thresholds below which a loop stays on the calling thread (waking a
 * helper costs some 10 us, and on a loaded machine far more): about 0.1 ms
 * of work each. They depend on the shapes only. */
#define LINEAR_PAR_WEIGHTS ((size_t)1 << 17) /* weights drawn per layer */
#define ELEMENT_PAR ((size_t)1 << 14)        /* activations per layer */
#define GRAM_PAR_MADDS ((size_t)1 << 20)     /* multiply-adds of the Gram matrix */
/* Rows of the Gram matrix per strip: whole 12-row panels of dnc_gemm_nt. */
enum { GRAM_COLS = 24 };

/* Rows per weight block. Small batches: a block of about 256 KiB stays in
 * L2 between generation and use. Large batches (B >= 64) do 2 B flops per
 * weight, so the block's trip through the cache matters less than the
 * cost of each product call: OpenBLAS repacks all of A once per block,
 * which costs about 1/R of the product, so their blocks go up to 8 MiB.
 * Both keep at least 8 blocks per layer to share among threads. Rows come
 * in whole 12-row panels of dnc_gemm_nt (portable) or multiples of 4
 * (OpenBLAS: 1024 = 8 x 128 equal blocks). The choice depends on the
 * shapes and the product only, never on the thread count (and with the
 * portable product it cannot change results at all). */
static size_t block_rows(size_t fan_in, size_t N, size_t rows, bool openblas)
{
    size_t target = rows >= 64 ? (size_t)1 << 20 : rows > 8 ? (size_t)1 << 17 : (size_t)1 << 15;
    size_t R = target / fan_in, unit = openblas ? 4 : 12;
    if (R > N / 8) /* at least ~8 blocks per layer to share among threads */
        R = N / 8;
    R = R < unit ? unit : R - R % unit;
    return R > N ? N : R;
}

static void cpu_engine_free(cpu_engine *e)
{
    free(e->Wblk);
    free(e->Wpack);
    free(e->D);
    free(e->work);
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
static void block_product(const cpu_engine *e, int worker, size_t rows, size_t K, const double *A,
                          size_t lda, const double *Wb, size_t r0, size_t nr, double *H,
                          size_t ldh)
{
    if (e->openblas) {
        size_t mrows = rows + rows % 2; /* the zero row cpu_alloc added */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mrows, (int)nr, (int)K, 1.0,
                    A, (int)lda, Wb, (int)K, 0.0, H + r0, (int)ldh);
        return;
    }
    double *pack = e->Wpack + (size_t)worker * e->pack_size;
    dnc_gemm_nt_ws(rows, nr, K, A, lda, Wb, K, H + r0, ldh, pack);
}

typedef struct {
    const cpu_engine *e;
    const dnc_mlp_config *cfg;
    size_t layer, rows, lda, ldh, N, K;
    const double *W_given, *A;
    double *H;
} linear_job;

/* One weight block: drawn (or taken from W_given) and multiplied. */
static void linear_strip(void *ctx, size_t blk, int worker)
{
    const linear_job *j = ctx;
    const cpu_engine *e = j->e;
    size_t r0 = blk * e->R, nr = r0 + e->R <= j->N ? e->R : j->N - r0;
    if (j->W_given) {
        block_product(e, worker, j->rows, j->K, j->A, j->lda, j->W_given + r0 * j->K, r0, nr,
                      j->H, j->ldh);
    } else {
        double *Wb = e->Wblk + (size_t)worker * e->R * e->kmax;
        dnc_mlp_layer_weight_rows(j->cfg, j->layer, r0, nr, Wb);
        block_product(e, worker, j->rows, j->K, j->A, j->lda, Wb, r0, nr, j->H, j->ldh);
    }
}

static dnc_status cpu_linear(void *ctx, const dnc_mlp_config *cfg, size_t layer,
                             const double *W_given, size_t rows, const double *A, size_t lda,
                             double *H, size_t ldh)
{
    const cpu_engine *e = ctx;
    linear_job j = {e,   cfg, layer, rows, lda, ldh, cfg->width, dnc_mlp_fan_in(cfg, layer),
                    W_given, A,   H};
    size_t nblocks = (j.N + e->R - 1) / e->R;
    /* small layers: waking a helper costs more than it saves */
    int threads = j.N * j.K >= LINEAR_PAR_WEIGHTS ? e->nthreads : 1;
    dnc_par_strips_w(nblocks, threads, linear_strip, &j);
    return DNC_OK;
}

/* Rows per element-wise strip: about 8192 numbers, fixed by the shapes. */
static size_t strip_rows(size_t N)
{
    size_t r = ((size_t)1 << 13) / (N ? N : 1);
    return r ? r : 1;
}

typedef struct {
    cpu_engine *e;
    double *H, *A;
    const double *bias, *Hprev;
    double alpha;
    dnc_activation act;
    size_t B, rows, N, lda, per;
} elem_job;

static void finish_strip(void *ctx, size_t s, int worker)
{
    (void)worker;
    const elem_job *j = ctx;
    size_t r1 = (s + 1) * j->per < j->rows ? (s + 1) * j->per : j->rows;
    for (size_t r = s * j->per; r < r1; r++) {
        double *h = j->H + r * j->N;
        if (r < j->B)
            for (size_t i = 0; i < j->N; i++)
                h[i] += j->bias[i];
        if (j->Hprev) {
            const double *hp = j->Hprev + r * j->N;
            for (size_t i = 0; i < j->N; i++)
                h[i] = hp[i] + j->alpha * h[i];
        }
    }
}

static dnc_status cpu_finish(void *ctx, double *H, const double *bias, const double *Hprev,
                             double alpha, size_t B, size_t rows, size_t N)
{
    cpu_engine *e = ctx;
    elem_job j = {.e = e, .H = H, .bias = bias, .Hprev = Hprev, .alpha = alpha, .B = B,
                  .rows = rows, .N = N, .per = strip_rows(N)};
    int threads = rows * N >= ELEMENT_PAR ? e->nthreads : 1;
    dnc_par_strips_w((rows + j.per - 1) / j.per, threads, finish_strip, &j);
    return DNC_OK;
}

static void activate_strip(void *ctx, size_t s, int worker)
{
    (void)worker;
    const elem_job *j = ctx;
    size_t b1 = (s + 1) * j->per < j->B ? (s + 1) * j->per : j->B;
    for (size_t b = s * j->per; b < b1; b++)
        dnc_phi_array(j->act, j->H + b * j->N, j->A + b * j->lda, b == 0 ? j->e->D : NULL,
                      j->N);
}

static dnc_status cpu_activate(void *ctx, dnc_activation act, const double *H, size_t B,
                               size_t rows, size_t N, double *A, size_t lda)
{
    cpu_engine *e = ctx;
    elem_job j = {.e = e, .H = (double *)H, .A = A, .act = act, .B = B, .rows = rows, .N = N,
                  .lda = lda, .per = strip_rows(N)};
    int threads = B * N >= ELEMENT_PAR ? e->nthreads : 1;
    dnc_par_strips_w((B + j.per - 1) / j.per, threads, activate_strip, &j);
    if (rows > B) { /* the tangent, after e->D is complete */
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
    /* an exponent of all ones is inf or NaN: an integer OR over the bits,
     * without an early exit, which the compiler vectorises */
    const uint64_t expo = 0x7FF0000000000000ull;
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, x + i, sizeof u);
        bad |= (u & expo) == expo;
    }
    *finite = !bad;
    return DNC_OK;
}

typedef struct {
    const cpu_engine *e;
    const double *Y;
    size_t B, N, ld, nblocks;
    double *G;
} gram_job;

/* Columns [c0, c0 + nc) of the upper triangle (and diagonal) of G = Y Y^T:
 * rows b < c0 + nc. The largest blocks go first (strip 0 is the last
 * block), which only balances the threads. With the portable product
 * every entry is one dnc_gemm_nt element (a sequential sum: the bits of
 * dnc_obs_mean_cosine); with OpenBLAS one cblas_dgemm per block, the same
 * bits for any thread count with a given kernel. */
static void gram_strip(void *ctx, size_t s, int worker)
{
    const gram_job *j = ctx;
    const cpu_engine *e = j->e;
    size_t c0 = (j->nblocks - 1 - s) * GRAM_COLS;
    size_t nc = j->B - c0 < GRAM_COLS ? j->B - c0 : GRAM_COLS;
    if (e->openblas)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(c0 + nc), (int)nc, (int)j->N,
                    1.0, j->Y, (int)j->ld, j->Y + c0 * j->ld, (int)j->ld, 0.0, j->G + c0,
                    (int)j->B);
    else
        dnc_gemm_nt_ws(c0 + nc, nc, j->N, j->Y, j->ld, j->Y + c0 * j->ld, j->ld, j->G + c0, j->B,
                       e->Wpack + (size_t)worker * e->pack_size);
}

static dnc_status cpu_gram_stats(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                                 double *norms2, double *cosine)
{
    cpu_engine *e = ctx;
    if (norms2)
        for (size_t r = 0; r < rows; r++)
            norms2[r] = dnc_dot(Y + r * ld, Y + r * ld, N);
    if (cosine && rows < 2)
        *cosine = NAN;
    else if (cosine) {
        gram_job j = {e, Y, rows, N, ld, (rows + GRAM_COLS - 1) / GRAM_COLS, e->work};
        int threads = rows * rows * N / 2 >= GRAM_PAR_MADDS ? e->nthreads : 1;
        dnc_par_strips_w(j.nblocks, threads, gram_strip, &j);
        *cosine = dnc_obs_mean_cosine_gram(e->work, rows);
    }
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
    e->R = block_rows(N, N, rows, e->openblas);
    size_t r0 = block_rows(n0, N, rows, e->openblas);
    if (r0 > e->R)
        e->R = r0;
    /* the threads an OpenMP parallel region would get here: one inside an
     * active region when nesting is off (e.g. a sweep's points on threads) */
    e->nthreads = omp_get_active_level() >= omp_get_max_active_levels() ? 1
                                                                        : omp_get_max_threads();
    e->D = malloc(N * sizeof *e->D);
    e->work = malloc(dnc_obs_cosine_workspace(B) * sizeof *e->work);
    if (!o->provider)
        e->Wblk = malloc((size_t)e->nthreads * e->R * e->kmax * sizeof *e->Wblk);
    if (!e->openblas) { /* the weight blocks' panels, or the Gram's */
        e->pack_size = dnc_gemm_nt_workspace(e->R > GRAM_COLS ? e->R : GRAM_COLS, e->kmax);
        e->Wpack = malloc((size_t)e->nthreads * e->pack_size * sizeof *e->Wpack);
    }
    if (!e->D || !e->work || (!o->provider && !e->Wblk) || (!e->openblas && !e->Wpack))
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
