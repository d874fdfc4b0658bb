/* The reference engine: the primitives of engine.h on the CPU in the
 * plainest form (element loops, one OpenBLAS call per product, the whole
 * weight matrix of a layer at once), with the contract's edges spelt out.
 * It is the model for a new engine; the tests run the propagation algorithm
 * on it against the CPU engine. */
#include "engines/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "dnncrit/observables.h"

typedef struct {
    double *W;    /* width x kmax: one layer's weights */
    double *gram; /* rows x rows */
    size_t rows;
} reference_engine;

static void ref_close(void *ctx)
{
    reference_engine *e = ctx;
    if (!e)
        return;
    free(e->W);
    free(e->gram);
    free(e);
}

static double *ref_alloc(void *ctx, size_t rows, size_t cols)
{
    (void)ctx;
    size_t n = rows * cols;
    double *p = calloc(n > 0 ? n : 1, sizeof *p);
    if (!p)
        dnc_fail(DNC_ENOMEM, "out of memory for %zu x %zu doubles", rows, cols);
    return p;
}

static void ref_release(void *ctx, double *p)
{
    (void)ctx;
    free(p);
}

static dnc_status ref_move(void *ctx, double *dst, const double *src, size_t n)
{
    (void)ctx;
    memmove(dst, src, n * sizeof *dst);
    return DNC_OK;
}

static dnc_status ref_linear(void *ctx, const dnc_mlp_config *cfg, size_t layer,
                             const double *W_given, size_t rows, const double *A, size_t lda,
                             double *H, size_t ldh)
{
    reference_engine *e = ctx;
    size_t N = cfg->width, K = dnc_mlp_fan_in(cfg, layer);
    const double *W = W_given;
    if (!W) {
        dnc_mlp_layer_weight_rows(cfg, layer, 0, N, e->W);
        W = e->W;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)N, (int)K, 1.0, A,
                (int)lda, W, (int)K, 0.0, H, (int)ldh);
    return DNC_OK;
}

static dnc_status ref_finish(void *ctx, double *H, const double *bias, const double *Hprev,
                             double alpha, size_t B, size_t rows, size_t N)
{
    (void)ctx;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < N; i++) {
            double h = H[r * N + i] + (r < B ? bias[i] : 0.0);
            H[r * N + i] = Hprev ? Hprev[r * N + i] + alpha * h : h;
        }
    return DNC_OK;
}

static dnc_status ref_activate(void *ctx, dnc_activation act, const double *H, size_t B,
                               size_t rows, size_t N, double *A, size_t lda)
{
    (void)ctx;
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < N; i++)
            A[b * lda + i] = dnc_phi(act, H[b * N + i]);
    if (rows > B)
        for (size_t i = 0; i < N; i++)
            A[B * lda + i] = dnc_dphi(act, H[i]) * H[B * N + i];
    return DNC_OK;
}

static dnc_status ref_all_finite(void *ctx, const double *x, size_t n, bool *finite)
{
    (void)ctx;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !isfinite(x[i]);
    *finite = bad == 0;
    return DNC_OK;
}

/* The Gram matrix of Y through OpenBLAS, as a GPU would: one product. */
static dnc_status ref_gram_stats(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                                 double *norms2, double *cosine)
{
    reference_engine *e = ctx;
    if (rows > e->rows)
        return dnc_fail(DNC_EINVAL, "reference engine: Gram matrix of %zu rows, opened for %zu",
                        rows, e->rows);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)rows, (int)N, 1.0, Y,
                (int)ld, Y, (int)ld, 0.0, e->gram, (int)rows);
    for (size_t r = 0; norms2 && r < rows; r++)
        norms2[r] = e->gram[r * rows + r];
    if (cosine)
        *cosine = dnc_obs_mean_cosine_gram(e->gram, rows);
    return DNC_OK;
}

static dnc_status ref_divide(void *ctx, double *x, size_t n, double s)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        x[i] /= s;
    return DNC_OK;
}

dnc_status dnc_reference_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o)
{
    memset(ops, 0, sizeof *ops);
    size_t N = o->net.width, n0 = dnc_mlp_input_width(&o->net), kmax = n0 > N ? n0 : N;
    reference_engine *e = calloc(1, sizeof *e);
    if (e) {
        e->rows = o->batch + (o->lyapunov ? 1 : 0);
        e->W = malloc(N * kmax * sizeof *e->W);
        e->gram = malloc(e->rows * e->rows * sizeof *e->gram);
    }
    if (!e || !e->W || !e->gram) {
        ref_close(e);
        return dnc_fail(DNC_ENOMEM, "out of memory for the reference engine");
    }
    snprintf(ops->description, sizeof ops->description, "CPU (reference engine)");
    ops->ctx = e;
    ops->alloc = ref_alloc;
    ops->release = ref_release;
    ops->upload = ref_move;
    ops->download = ref_move;
    ops->copy = ref_move;
    ops->linear = ref_linear;
    ops->finish = ref_finish;
    ops->activate = ref_activate;
    ops->all_finite = ref_all_finite;
    ops->gram_stats = ref_gram_stats;
    ops->divide = ref_divide;
    ops->close = ref_close;
    return DNC_OK;
}
