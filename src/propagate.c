/* Finite-width propagation engine.
 *
 * Per layer, the weight matrix is produced in blocks of R rows, and every
 * block is multiplied at once into the batch: H[:, rows] = A W_rows^T with
 * single-threaded cblas_dgemm (the batch padded to an even row count, the
 * condition under which OpenBLAS's Haswell-family kernels give a row the
 * same bits whatever the other rows; its Nehalem and AVX-512 kernels do
 * not) or with dnc_gemm_nt, whose every element is summed in the same
 * order on every CPU (see detgemm.h). Threads (OpenMP) take whole blocks,
 * a partition fixed by the shapes, and the weights of a block stay in
 * cache between generation and use.
 * The tangent vector of the Lyapunov computation rides along as one extra
 * row of A, so it costs no extra pass over the weights. */
#include "dnncrit/propagate.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>
#include <pthread.h>

#include "blas_threads.h"
#include "devprop.h"
#include "dnncrit/detgemm.h"
#include "dnncrit/io.h"
#include "dnncrit/observables.h"
#include "dnncrit/rng.h"
#include "dnncrit/table.h"

dnc_propagate_opts dnc_propagate_opts_default(void)
{
    dnc_propagate_opts o = {
        .net = dnc_mlp_config_default(),
        .batch = 2,
        .input_q = 1.0,
        .input_c = 0.5,
        .inputs = NULL,
        .corr = DNC_CORR_PRE,
        .lyapunov = false,
        .quiet = true,
        .residual_alpha = 0.0,
        .product = DNC_PRODUCT_OPENBLAS,
        .device = DNC_DEVICE_CPU,
    };
    return o;
}

const char *dnc_product_name(dnc_product_kind p)
{
    return p == DNC_PRODUCT_PORTABLE ? "portable" : "openblas";
}

dnc_status dnc_product_parse(const char *s, dnc_product_kind *out)
{
    if (strcmp(s, "openblas") == 0)
        *out = DNC_PRODUCT_OPENBLAS;
    else if (strcmp(s, "portable") == 0)
        *out = DNC_PRODUCT_PORTABLE;
    else
        return dnc_fail(DNC_EINVAL, "product must be 'openblas' or 'portable', got '%s'", s);
    return DNC_OK;
}

static dnc_status validate_inputs(const dnc_propagate_opts *o, size_t n0)
{
    for (size_t b = 0; b < o->batch; b++)
        for (size_t i = 0; i < n0; i++)
            if (!isfinite(o->inputs[b * n0 + i]))
                return dnc_fail(DNC_EINVAL, "input %zu, component %zu is not a finite number",
                                b + 1, i + 1);
    return DNC_OK;
}

static dnc_status validate_generated_input_stats(const dnc_propagate_opts *o)
{
    if (!isfinite(o->input_q) || o->input_q <= 0)
        return dnc_fail(DNC_EINVAL, "input_q must be a finite number > 0, got %g", o->input_q);
    double cmin = o->batch > 1 ? -1.0 / (double)(o->batch - 1) : -1.0;
    if (!isfinite(o->input_c) || o->input_c > 1 || o->input_c < cmin)
        return dnc_fail(DNC_EINVAL,
                        "input_c must lie in [%g, 1] for a batch of %zu inputs, got %g", cmin,
                        o->batch, o->input_c);
    return DNC_OK;
}

dnc_status dnc_propagate_validate(const dnc_propagate_opts *o)
{
    dnc_status st = dnc_mlp_config_validate(&o->net);
    if (st)
        return st;
    if (o->batch == 0 || o->batch > DNC_MAX_WIDTH)
        return dnc_fail(DNC_EINVAL, "batch must be between 1 and %zu, got %zu", DNC_MAX_WIDTH,
                        o->batch);
    if (o->corr != DNC_CORR_PRE && o->corr != DNC_CORR_POST)
        return dnc_fail(DNC_EINVAL, "invalid correlation kind %d", (int)o->corr);
    if (o->product != DNC_PRODUCT_OPENBLAS && o->product != DNC_PRODUCT_PORTABLE)
        return dnc_fail(DNC_EINVAL, "invalid product backend %d", (int)o->product);
    if (o->device != DNC_DEVICE_CPU && o->device != DNC_DEVICE_CUDA)
        return dnc_fail(DNC_EINVAL, "invalid device %d", (int)o->device);
    if (o->device == DNC_DEVICE_CUDA && o->product == DNC_PRODUCT_PORTABLE)
        return dnc_fail(DNC_EINVAL, "the portable product runs on the CPU only: use --device cpu "
                                    "with --product portable");
    if (!isfinite(o->residual_alpha) || o->residual_alpha < 0)
        return dnc_fail(DNC_EINVAL, "residual_alpha must be a finite number >= 0, got %g",
                        o->residual_alpha);
    if (o->inputs)
        return validate_inputs(o, dnc_mlp_input_width(&o->net));
    return validate_generated_input_stats(o);
}

/* ------------------------------------------------------------- inputs */

dnc_status dnc_make_inputs(const dnc_propagate_opts *o, double *X)
{
    dnc_status st;
    if ((st = dnc_mlp_config_validate(&o->net)))
        return st;
    if (o->batch == 0)
        return dnc_fail(DNC_EINVAL, "batch must be >= 1, got 0");
    if ((st = validate_generated_input_stats(o)))
        return st;
    size_t B = o->batch, n0 = dnc_mlp_input_width(&o->net);
    uint64_t seed = o->net.seed;
    double c = o->input_c, sq = sqrt(o->input_q);
    for (size_t b = 0; b < B; b++)
        dnc_normal_fill(seed, DNC_STREAM_INPUT, 0, (uint32_t)(b + 1), X + b * n0, n0);
    if (c >= 0) {
        double *g = malloc(n0 * sizeof *g);
        if (!g)
            return dnc_fail(DNC_ENOMEM, "out of memory for %zu inputs", B);
        dnc_normal_fill(seed, DNC_STREAM_INPUT, 0, 0, g, n0);
        double a = sqrt(c), e = sqrt(1 - c);
        for (size_t b = 0; b < B; b++)
            for (size_t i = 0; i < n0; i++)
                X[b * n0 + i] = sq * (a * g[i] + e * X[b * n0 + i]);
        free(g);
        return DNC_OK;
    }
    /* c < 0: y_b = e_b - gamma ebar has correlation gamma (gamma - 2) /
     * (B - 2 gamma + gamma^2); solving for c gives gamma below. */
    double Bd = (double)B;
    double gamma = 1 - sqrt(fmax(0.0, 1 + c * Bd / (1 - c)));
    double scale = sq / sqrt(1 - 2 * gamma / Bd + gamma * gamma / Bd);
    for (size_t i = 0; i < n0; i++) {
        double mean = 0;
        for (size_t b = 0; b < B; b++)
            mean += X[b * n0 + i];
        mean /= Bd;
        for (size_t b = 0; b < B; b++)
            X[b * n0 + i] = scale * (X[b * n0 + i] - gamma * mean);
    }
    return DNC_OK;
}

/* ---------------------------------------------- OpenBLAS thread count */

/* OpenBLAS's thread count is process-wide. Concurrent dnc_propagate calls
 * (e.g. from a sweep's threads) must not restore it while another one still
 * runs, so the first caller in saves it and the last one out restores it. */
static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;
static int blas_users, blas_saved_threads;

void dnc_blas_single_thread_enter(void)
{
    pthread_mutex_lock(&blas_lock);
    if (blas_users++ == 0) {
        blas_saved_threads = openblas_get_num_threads();
        openblas_set_num_threads(1);
    }
    pthread_mutex_unlock(&blas_lock);
}

void dnc_blas_single_thread_leave(void)
{
    pthread_mutex_lock(&blas_lock);
    if (--blas_users == 0)
        openblas_set_num_threads(blas_saved_threads);
    pthread_mutex_unlock(&blas_lock);
}

/* ------------------------------------------------------------- engine */

typedef struct {
    const dnc_propagate_opts *o;
    size_t B;      /* inputs */
    size_t rows;   /* rows of A and H: B, plus 1 for the tangent */
    size_t mrows;  /* rows handed to the GEMM: rows, rounded up to even for
                    * OpenBLAS (the padding row of A stays zero) */
    bool openblas;
    size_t N, n0;
    size_t kmax;   /* max fan-in */
    double *A;     /* rows x kmax: inputs of the current layer */
    double *H;     /* rows x N: pre-activations of the current layer */
    double *Hprev; /* previous layer (residual networks only) */
    double *D;     /* N: phi'(h) of input 0, for the tangent */
    double *bias;  /* N */
    double *Wfull; /* N x kmax, provider only */
    double *Wblk;  /* nthreads x R x kmax */
    double *Wpack; /* nthreads x packing workspace of dnc_gemm_nt_ws */
    size_t pack_size;
    double *work;  /* observables workspace */
    size_t R;      /* rows per weight block */
    int nthreads;
} engine;

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

static void engine_free(engine *e)
{
    free(e->A);
    free(e->H);
    free(e->Hprev);
    free(e->D);
    free(e->bias);
    free(e->Wfull);
    free(e->Wblk);
    free(e->Wpack);
    free(e->work);
}

static dnc_status engine_init(engine *e, const dnc_propagate_opts *o)
{
    memset(e, 0, sizeof *e);
    e->o = o;
    e->B = o->batch;
    e->rows = o->batch + (o->lyapunov ? 1 : 0);
    e->openblas = o->product == DNC_PRODUCT_OPENBLAS;
    e->mrows = e->openblas ? e->rows + e->rows % 2 : e->rows;
    e->N = o->net.width;
    e->n0 = dnc_mlp_input_width(&o->net);
    e->kmax = e->n0 > e->N ? e->n0 : e->N;
    e->R = block_rows(e->N, e->N, e->rows);
    size_t r0 = block_rows(e->n0, e->N, e->rows);
    if (r0 > e->R)
        e->R = r0;
    e->nthreads = omp_get_max_threads();
    e->A = calloc(e->mrows * e->kmax, sizeof *e->A);
    e->H = malloc(e->mrows * e->N * sizeof *e->H);
    e->Hprev = o->residual_alpha > 0 ? malloc(e->rows * e->N * sizeof *e->Hprev) : NULL;
    e->D = malloc(e->N * sizeof *e->D);
    e->bias = malloc(e->N * sizeof *e->bias);
    e->work = malloc(dnc_obs_cosine_workspace(e->B) * sizeof *e->work);
    if (o->provider)
        e->Wfull = malloc(e->N * e->kmax * sizeof *e->Wfull);
    else
        e->Wblk = malloc((size_t)e->nthreads * e->R * e->kmax * sizeof *e->Wblk);
    if (!e->openblas) {
        e->pack_size = dnc_gemm_nt_workspace(e->R, e->kmax);
        e->Wpack = malloc((size_t)e->nthreads * e->pack_size * sizeof *e->Wpack);
    }
    if (!e->A || !e->H || (o->residual_alpha > 0 && !e->Hprev) || !e->D || !e->bias ||
        !e->work || (!e->openblas && !e->Wpack) || (o->provider ? !e->Wfull : !e->Wblk)) {
        engine_free(e);
        return dnc_fail(DNC_ENOMEM, "out of memory for width %zu, batch %zu", e->N, e->B);
    }
    return DNC_OK;
}

/* H[:, r0:r0+nr] = A W_blk^T, with W_blk row-major nr x K. */
static void block_product(const engine *e, size_t K, const double *Wb, size_t r0, size_t nr)
{
    if (e->openblas) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)e->mrows, (int)nr, (int)K, 1.0,
                    e->A, (int)e->kmax, Wb, (int)K, 0.0, e->H + r0, (int)e->N);
        return;
    }
    double *pack = e->Wpack + (size_t)omp_get_thread_num() * e->pack_size;
    dnc_gemm_nt_ws(e->rows, nr, K, e->A, e->kmax, Wb, K, e->H + r0, e->N, pack);
}

/* H = A W^T for layer `layer` (bias not yet added). */
static void linear_layer(engine *e, size_t layer, size_t K)
{
    size_t nblocks = (e->N + e->R - 1) / e->R;
    long nb = (long)nblocks;
    /* small layers: a fork/join costs more than it saves (far more on a
     * loaded machine); the result is the same either way */
#pragma omp parallel for schedule(dynamic, 1) if (e->N * K >= ((size_t)1 << 17))
    for (long blk = 0; blk < nb; blk++) {
        size_t r0 = (size_t)blk * e->R;
        size_t nr = r0 + e->R <= e->N ? e->R : e->N - r0;
        if (e->Wfull) {
            block_product(e, K, e->Wfull + r0 * K, r0, nr);
        } else {
            double *Wb = e->Wblk + (size_t)omp_get_thread_num() * e->R * e->kmax;
            dnc_mlp_layer_weight_rows(&e->o->net, layer, r0, nr, Wb);
            block_product(e, K, Wb, r0, nr);
        }
    }
}

dnc_status dnc_propagate_layer_params(const dnc_propagate_opts *o, size_t layer, double *W,
                                      double *b)
{
    if (!o->provider) {
        dnc_mlp_layer_bias(&o->net, layer, b);
        return DNC_OK;
    }
    dnc_status st = o->provider(o->provider_ctx, layer, W, b);
    if (st)
        return st;
    size_t n = o->net.width * dnc_mlp_fan_in(&o->net, layer);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(W[i]))
            return dnc_fail(DNC_EINVAL, "weight provider: layer %zu weight %zu is not finite",
                            layer, i);
    for (size_t i = 0; i < o->net.width; i++)
        if (!isfinite(b[i]))
            return dnc_fail(DNC_EINVAL, "weight provider: layer %zu bias %zu is not finite",
                            layer, i);
    return DNC_OK;
}

/* Adds the bias to the input rows and applies the residual update. */
static void finish_preactivations(engine *e, bool residual)
{
    double alpha = e->o->residual_alpha;
    for (size_t r = 0; r < e->rows; r++) {
        double *h = e->H + r * e->N;
        if (r < e->B)
            for (size_t i = 0; i < e->N; i++)
                h[i] += e->bias[i];
        if (residual) {
            const double *hp = e->Hprev + r * e->N;
            for (size_t i = 0; i < e->N; i++)
                h[i] = hp[i] + alpha * h[i];
        }
    }
}

/* Renormalises the tangent row; returns ln of its norm before. */
static double renormalise_tangent(engine *e)
{
    double *v = e->H + e->B * e->N;
    double norm = sqrt(dnc_dot(v, v, e->N));
    if (!(norm > 0))
        return -INFINITY;
    for (size_t i = 0; i < e->N; i++)
        v[i] /= norm;
    return log(norm);
}

/* A = phi(H) for the inputs and phi'(h_0) (*) v for the tangent. */
static void next_layer_inputs(engine *e)
{
    dnc_activation act = e->o->net.activation;
    for (size_t b = 0; b < e->B; b++)
        dnc_phi_array(act, e->H + b * e->N, e->A + b * e->kmax, b == 0 ? e->D : NULL, e->N);
    if (e->rows > e->B) {
        const double *v = e->H + e->B * e->N;
        double *u = e->A + e->B * e->kmax;
        for (size_t i = 0; i < e->N; i++)
            u[i] = e->D[i] * v[i];
    }
}

static dnc_status check_finite(const engine *e, size_t layer)
{
    for (size_t i = 0; i < e->B * e->N; i++)
        if (!isfinite(e->H[i]))
            return dnc_fail(DNC_ENUM,
                            "pre-activations overflowed (non-finite) at layer %zu; "
                            "sigma_w too large for this depth?",
                            layer);
    return DNC_OK;
}

static void load_first_inputs(engine *e, const double *X)
{
    for (size_t b = 0; b < e->B; b++)
        memcpy(e->A + b * e->kmax, X + b * e->n0, e->n0 * sizeof *X);
    if (e->rows > e->B)
        dnc_propagate_tangent0(e->o, e->A + e->B * e->kmax);
}

static void record_layer(engine *e, size_t layer, dnc_propagate_result *res)
{
    size_t l = layer - 1;
    res->q[l] = dnc_obs_mean_square(e->H, e->B, e->N);
    if (e->o->corr == DNC_CORR_PRE)
        res->c[l] = dnc_obs_mean_cosine(e->H, e->B, e->N, e->work);
    res->flops += 2.0 * (double)e->rows * (double)e->N *
                  (double)dnc_mlp_fan_in(&e->o->net, layer);
}

/* Post-activation correlations read phi(h), which next_layer_inputs has
 * just written into A (row stride kmax). */
static double post_cosine(engine *e)
{
    if (e->B < 2)
        return NAN;
    if (e->kmax == e->N)
        return dnc_obs_mean_cosine(e->A, e->B, e->N, e->work);
    /* rows of A are kmax apart: pack them (reusing H, which A now holds) */
    for (size_t b = 0; b < e->B; b++)
        memmove(e->H + b * e->N, e->A + b * e->kmax, e->N * sizeof *e->H);
    return dnc_obs_mean_cosine(e->H, e->B, e->N, e->work);
}

static dnc_status run_layers(engine *e, dnc_propagate_result *res)
{
    const dnc_propagate_opts *o = e->o;
    dnc_progress prog;
    dnc_progress_start(&prog, "propagate", o->net.depth, o->quiet);
    dnc_status st = DNC_OK;
    for (size_t layer = 1; layer <= o->net.depth && !st; layer++) {
        size_t K = dnc_mlp_fan_in(&o->net, layer);
        bool residual = o->residual_alpha > 0 && K == e->N && (layer > 1 || e->n0 == e->N);
        if ((st = dnc_propagate_layer_params(e->o, layer, e->Wfull, e->bias)))
            break;
        if (residual && layer == 1)
            for (size_t r = 0; r < e->rows; r++)
                memcpy(e->Hprev + r * e->N, e->A + r * e->kmax, e->N * sizeof *e->H);
        linear_layer(e, layer, K);
        finish_preactivations(e, residual);
        if ((st = check_finite(e, layer)))
            break;
        if (e->rows > e->B)
            res->lyap[layer - 1] = renormalise_tangent(e);
        if (o->observer && (st = o->observer(o->observer_ctx, layer, e->H, e->B, e->N)))
            break;
        record_layer(e, layer, res);
        if (e->Hprev)
            memcpy(e->Hprev, e->H, e->rows * e->N * sizeof *e->H);
        next_layer_inputs(e);
        if (o->corr == DNC_CORR_POST)
            res->c[layer - 1] = post_cosine(e);
        res->rho[layer - 1] = 1 - res->c[layer - 1];
        dnc_progress_update(&prog, layer);
    }
    dnc_progress_finish(&prog);
    return st;
}

static dnc_status result_alloc(dnc_propagate_result *res, size_t depth, bool lyapunov)
{
    memset(res, 0, sizeof *res);
    res->depth = depth;
    res->q = calloc(depth, sizeof *res->q);
    res->c = calloc(depth, sizeof *res->c);
    res->rho = calloc(depth, sizeof *res->rho);
    res->lyap = lyapunov ? calloc(depth, sizeof *res->lyap) : NULL;
    res->lyapunov = NAN;
    if (!res->q || !res->c || !res->rho || (lyapunov && !res->lyap)) {
        dnc_propagate_result_free(res);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu layers", depth);
    }
    return DNC_OK;
}

void dnc_propagate_tangent0(const dnc_propagate_opts *o, double *v)
{
    size_t n0 = dnc_mlp_input_width(&o->net);
    dnc_normal_fill(o->net.seed, DNC_STREAM_TANGENT, 0, 0, v, n0);
    double norm = sqrt(dnc_dot(v, v, n0));
    for (size_t i = 0; i < n0; i++)
        v[i] /= norm;
}

dnc_status dnc_propagate_inputs(const dnc_propagate_opts *o, double **X)
{
    *X = (double *)o->inputs;
    if (*X)
        return DNC_OK;
    *X = malloc(o->batch * dnc_mlp_input_width(&o->net) * sizeof **X);
    return *X ? dnc_make_inputs(o, *X) : dnc_fail(DNC_ENOMEM, "out of memory for inputs");
}

static dnc_status propagate_cpu(const dnc_propagate_opts *o, dnc_propagate_result *res)
{
    engine e;
    dnc_status st = engine_init(&e, o);
    if (st)
        return st;
    snprintf(res->device, sizeof res->device, "CPU, %d OpenMP threads", e.nthreads);
    double *X;
    if (!(st = dnc_propagate_inputs(o, &X))) {
        /* OpenBLAS's own threads would fight ours, and they change its
         * summation order; it runs single-threaded inside our blocks */
        if (e.openblas)
            dnc_blas_single_thread_enter();
        double t0 = dnc_wall_time();
        load_first_inputs(&e, X);
        st = run_layers(&e, res);
        res->seconds = dnc_wall_time() - t0;
        if (e.openblas)
            dnc_blas_single_thread_leave();
    }
    if (X != o->inputs)
        free(X);
    engine_free(&e);
    return st;
}

static dnc_status propagate_cuda(const dnc_propagate_opts *o, dnc_propagate_result *res)
{
    dnc_devops ops;
    dnc_status st = dnc_devops_cuda_open(&ops);
    if (st)
        return st;
    snprintf(res->device, sizeof res->device, "%s", ops.description);
    st = dnc_propagate_on(o, &ops, res);
    dnc_devops_cuda_close(&ops);
    return st;
}

dnc_status dnc_propagate(const dnc_propagate_opts *o, dnc_propagate_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_propagate_validate(o);
    if (st)
        return st;
    if ((st = result_alloc(res, o->net.depth, o->lyapunov)))
        return st;
    st = o->device == DNC_DEVICE_CUDA ? propagate_cuda(o, res) : propagate_cpu(o, res);
    if (st) {
        dnc_propagate_result_free(res);
        return st;
    }
    if (res->lyap) {
        double s = 0;
        for (size_t l = 0; l < res->depth; l++)
            s += res->lyap[l];
        res->lyapunov = s / (double)res->depth;
    }
    return DNC_OK;
}

void dnc_propagate_result_free(dnc_propagate_result *res)
{
    free(res->q);
    free(res->c);
    free(res->rho);
    free(res->lyap);
    res->q = res->c = res->rho = res->lyap = NULL;
    res->depth = 0;
}

/* ------------------------------------------------------- inputs file */

dnc_status dnc_read_inputs_csv(const char *path, size_t width, double **X, size_t *rows,
                               size_t *width_out)
{
    *X = NULL;
    *rows = 0;
    dnc_table_opts o = {.cells = DNC_TABLE_FINITE, .no_header = true, .ncols = width};
    dnc_table t;
    dnc_status st = dnc_table_read(path, &o, &t);
    if (st)
        return st;
    *X = t.v;
    t.v = NULL;
    *rows = t.nrows;
    if (width_out)
        *width_out = t.ncols;
    dnc_table_free(&t);
    return DNC_OK;
}
