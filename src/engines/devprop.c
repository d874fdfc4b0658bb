/* Propagation on an accelerator: the driver over dnc_devops (devprop.h),
 * the reference primitives on the CPU, and the device selection API. */
#include "engines/devprop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "dnncrit/device.h"
#include "dnncrit/io.h"
#include "dnncrit/observables.h"
#include "dnncrit/rng.h"

const char *dnc_device_name(dnc_device_kind d)
{
    return d == DNC_DEVICE_CUDA ? "cuda" : "cpu";
}

dnc_status dnc_device_parse(const char *s, dnc_device_kind *out)
{
    if (strcmp(s, "cpu") == 0)
        *out = DNC_DEVICE_CPU;
    else if (strcmp(s, "cuda") == 0)
        *out = DNC_DEVICE_CUDA;
    else
        return dnc_fail(DNC_EINVAL, "device must be 'cpu' or 'cuda', got '%s'", s);
    return DNC_OK;
}

dnc_status dnc_device_available(dnc_device_kind d)
{
    char gpu[160];
    return d == DNC_DEVICE_CUDA ? dnc_cuda_describe(gpu, sizeof gpu) : DNC_OK;
}

#ifndef DNNCRIT_HAVE_CUDA
bool dnc_cuda_built(void)
{
    return false;
}

static dnc_status not_built(void)
{
    return dnc_fail(DNC_EUNSUPPORTED, "--device cuda: this dnncrit was built without the CUDA "
                                      "backend (configure with -DDNNCRIT_WITH_CUDA=ON, needs nvcc)");
}

dnc_status dnc_cuda_describe(char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    return not_built();
}

dnc_status dnc_devops_cuda_open(dnc_devops *ops)
{
    memset(ops, 0, sizeof *ops);
    return not_built();
}

void dnc_devops_cuda_close(dnc_devops *ops)
{
    (void)ops;
}
#endif

/* ------------------------------------------------------------ driver */

typedef struct {
    const dnc_propagate_opts *o;
    const dnc_devops *ops;
    size_t B, rows, N, n0, kmax, R;
    double *A, *H, *Hprev, *bias, *W;  /* device */
    double *G, *hbias, *Wfull, *Hhost; /* host */
} driver;

static void driver_free(driver *d)
{
    const dnc_devops *ops = d->ops;
    double *dev[] = {d->A, d->H, d->Hprev, d->bias, d->W};
    for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
        if (dev[i])
            ops->release(ops->ctx, dev[i]);
    free(d->G);
    free(d->hbias);
    free(d->Wfull);
    free(d->Hhost);
}

/* Weight rows per block: at most 2^25 doubles (256 MiB) on the device. */
static size_t weight_block_rows(size_t N, size_t kmax)
{
    size_t R = ((size_t)1 << 25) / kmax;
    return R < 1 ? 1 : (R > N ? N : R);
}

static dnc_status driver_init(driver *d, const dnc_propagate_opts *o, const dnc_devops *ops)
{
    memset(d, 0, sizeof *d);
    d->o = o;
    d->ops = ops;
    d->B = o->batch;
    d->rows = o->batch + (o->lyapunov ? 1 : 0);
    d->N = o->net.width;
    d->n0 = dnc_mlp_input_width(&o->net);
    d->kmax = d->n0 > d->N ? d->n0 : d->N;
    d->R = o->provider ? d->N : weight_block_rows(d->N, d->kmax);
    d->G = malloc(d->rows * d->rows * sizeof *d->G);
    d->hbias = malloc(d->N * sizeof *d->hbias);
    d->Wfull = o->provider ? malloc(d->N * d->kmax * sizeof *d->Wfull) : NULL;
    d->Hhost = o->observer ? malloc(d->B * d->N * sizeof *d->Hhost) : NULL;
    if (!d->G || !d->hbias || (o->provider && !d->Wfull) || (o->observer && !d->Hhost))
        return dnc_fail(DNC_ENOMEM, "out of memory for width %zu, batch %zu", d->N, d->B);
    if (!(d->A = ops->alloc(ops->ctx, d->rows * d->kmax)) ||
        !(d->H = ops->alloc(ops->ctx, d->rows * d->N)) ||
        !(d->bias = ops->alloc(ops->ctx, d->N)) ||
        !(d->W = ops->alloc(ops->ctx, d->R * d->kmax)))
        return DNC_ENOMEM;
    if (o->residual_alpha > 0 && !(d->Hprev = ops->alloc(ops->ctx, d->rows * d->N)))
        return DNC_ENOMEM;
    return DNC_OK;
}

/* The inputs (and the unit tangent vector) as rows of A. */
static dnc_status upload_first_inputs(driver *d, const double *X)
{
    double *A0 = calloc(d->rows * d->kmax, sizeof *A0);
    if (!A0)
        return dnc_fail(DNC_ENOMEM, "out of memory for the inputs");
    for (size_t b = 0; b < d->B; b++)
        memcpy(A0 + b * d->kmax, X + b * d->n0, d->n0 * sizeof *X);
    if (d->rows > d->B)
        dnc_propagate_tangent0(d->o, A0 + d->B * d->kmax);
    dnc_status st = d->ops->upload(d->ops->ctx, d->A, A0, d->rows * d->kmax);
    free(A0);
    return st;
}

/* The layer's parameters on the host (dnc_propagate_layer_params), bias uploaded */
static dnc_status load_layer_params(driver *d, size_t layer)
{
    dnc_status st = dnc_propagate_layer_params(d->o, layer, d->Wfull, d->hbias);
    return st ? st : d->ops->upload(d->ops->ctx, d->bias, d->hbias, d->N);
}

/* H = A W^T, the weights produced block by block on the device. */
static dnc_status linear_layer(driver *d, size_t layer, size_t K)
{
    const dnc_devops *ops = d->ops;
    dnc_status st = DNC_OK;
    for (size_t r0 = 0; r0 < d->N && !st; r0 += d->R) {
        size_t nr = r0 + d->R <= d->N ? d->R : d->N - r0;
        if (d->Wfull)
            st = ops->upload(ops->ctx, d->W, d->Wfull + r0 * K, nr * K);
        else
            st = ops->weight_rows(ops->ctx, &d->o->net, layer, r0, nr, d->W);
        if (!st)
            st = ops->gemm_nt(ops->ctx, d->rows, nr, K, d->A, d->kmax, d->W, d->H + r0, d->N);
    }
    return st;
}

/* Checks through the Gram diagonal: a non-finite h_i makes |h|^2 non-finite. */
static dnc_status check_finite(const driver *d, size_t layer)
{
    for (size_t b = 0; b < d->B; b++)
        if (!isfinite(d->G[b * d->B + b]))
            return dnc_fail(DNC_ENUM,
                            "pre-activations overflowed (non-finite) at layer %zu; "
                            "sigma_w too large for this depth?",
                            layer);
    return DNC_OK;
}

/* Renormalises the tangent row of H; *growth = ln of its norm before. */
static dnc_status renormalise_tangent(driver *d, double *growth)
{
    double *v = d->H + d->B * d->N, n2;
    dnc_status st = d->ops->gram(d->ops->ctx, v, 1, d->N, d->N, &n2);
    double norm = sqrt(n2);
    if (st || !(norm > 0)) {
        *growth = -INFINITY;
        return st;
    }
    *growth = log(norm);
    return d->ops->scale(d->ops->ctx, v, d->N, 1.0 / norm);
}

static dnc_status observe(driver *d, size_t layer)
{
    const dnc_propagate_opts *o = d->o;
    if (!o->observer)
        return DNC_OK;
    dnc_status st = d->ops->download(d->ops->ctx, d->Hhost, d->H, d->B * d->N);
    return st ? st : o->observer(o->observer_ctx, layer, d->Hhost, d->B, d->N);
}

static dnc_status layer_step(driver *d, size_t layer, dnc_propagate_result *res)
{
    const dnc_propagate_opts *o = d->o;
    const dnc_devops *ops = d->ops;
    size_t K = dnc_mlp_fan_in(&o->net, layer), l = layer - 1;
    bool residual = o->residual_alpha > 0 && K == d->N && (layer > 1 || d->n0 == d->N);
    dnc_status st;
    if ((st = load_layer_params(d, layer)))
        return st;
    if (residual && layer == 1 && (st = ops->copy(ops->ctx, d->Hprev, d->A, d->rows * d->N)))
        return st; /* n0 == N here, so A's rows are N apart */
    if ((st = linear_layer(d, layer, K)) ||
        (st = ops->finish(ops->ctx, d->H, d->bias, residual ? d->Hprev : NULL, o->residual_alpha,
                          d->B, d->rows, d->N)) ||
        (st = ops->gram(ops->ctx, d->H, d->B, d->N, d->N, d->G)) || (st = check_finite(d, layer)))
        return st;
    if (d->rows > d->B && (st = renormalise_tangent(d, &res->lyap[l])))
        return st;
    if ((st = observe(d, layer)))
        return st;
    res->q[l] = dnc_obs_mean_square_gram(d->G, d->B, d->N);
    res->c[l] = dnc_obs_mean_cosine_gram(d->G, d->B);
    res->flops += 2.0 * (double)d->rows * (double)d->N * (double)K;
    if (d->Hprev && (st = ops->copy(ops->ctx, d->Hprev, d->H, d->rows * d->N)))
        return st;
    if ((st = ops->activate(ops->ctx, o->net.activation, d->H, d->B, d->rows, d->N, d->A,
                            d->kmax)))
        return st;
    if (o->corr == DNC_CORR_POST) {
        if ((st = ops->gram(ops->ctx, d->A, d->B, d->N, d->kmax, d->G)))
            return st;
        res->c[l] = dnc_obs_mean_cosine_gram(d->G, d->B);
    }
    res->rho[l] = 1 - res->c[l];
    return DNC_OK;
}

static dnc_status run_layers(driver *d, dnc_propagate_result *res)
{
    dnc_progress prog;
    dnc_progress_start(&prog, "propagate", d->o->net.depth, d->o->quiet);
    dnc_status st = DNC_OK;
    for (size_t layer = 1; layer <= d->o->net.depth && !st; layer++) {
        st = layer_step(d, layer, res);
        dnc_progress_update(&prog, layer);
    }
    dnc_progress_finish(&prog);
    return st;
}

dnc_status dnc_propagate_on(const dnc_propagate_opts *o, const dnc_devops *ops,
                            dnc_propagate_result *res)
{
    driver d;
    dnc_status st = driver_init(&d, o, ops);
    double *X = NULL;
    if (!st)
        st = dnc_propagate_inputs(o, &X);
    if (!st) {
        double t0 = dnc_wall_time();
        if (!(st = upload_first_inputs(&d, X)))
            st = run_layers(&d, res);
        res->seconds = dnc_wall_time() - t0;
    }
    if (X != o->inputs)
        free(X);
    driver_free(&d);
    return st;
}

/* ------------------------------------------ reference primitives (CPU) */

static double *host_alloc(void *ctx, size_t n)
{
    (void)ctx;
    double *p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        dnc_fail(DNC_ENOMEM, "out of memory for %zu doubles", n);
    return p;
}

static void host_release(void *ctx, double *p)
{
    (void)ctx;
    free(p);
}

static dnc_status host_move(void *ctx, double *dst, const double *src, size_t n)
{
    (void)ctx;
    memmove(dst, src, n * sizeof *dst);
    return DNC_OK;
}

static dnc_status host_weight_rows(void *ctx, const dnc_mlp_config *cfg, size_t layer,
                                   size_t row0, size_t nrows, double *W)
{
    (void)ctx;
    dnc_mlp_layer_weight_rows(cfg, layer, row0, nrows, W);
    return DNC_OK;
}

static dnc_status host_gemm_nt(void *ctx, size_t m, size_t n, size_t k, const double *A,
                               size_t lda, const double *W, double *H, size_t ldh)
{
    (void)ctx;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0, A,
                (int)lda, W, (int)k, 0.0, H, (int)ldh);
    return DNC_OK;
}

static dnc_status host_finish(void *ctx, double *H, const double *bias, const double *Hprev,
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

static dnc_status host_activate(void *ctx, dnc_activation act, const double *H, size_t B,
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

static dnc_status host_gram(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                            double *G)
{
    (void)ctx;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)rows, (int)N, 1.0, Y,
                (int)ld, Y, (int)ld, 0.0, G, (int)rows);
    return DNC_OK;
}

static dnc_status host_scale(void *ctx, double *x, size_t n, double s)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
    return DNC_OK;
}

void dnc_devops_host(dnc_devops *ops)
{
    memset(ops, 0, sizeof *ops);
    ops->name = "host";
    snprintf(ops->description, sizeof ops->description, "CPU (reference device primitives)");
    ops->alloc = host_alloc;
    ops->release = host_release;
    ops->upload = host_move;
    ops->download = host_move;
    ops->copy = host_move;
    ops->weight_rows = host_weight_rows;
    ops->gemm_nt = host_gemm_nt;
    ops->finish = host_finish;
    ops->activate = host_activate;
    ops->gram = host_gram;
    ops->scale = host_scale;
}
