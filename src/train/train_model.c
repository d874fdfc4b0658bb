/* The trainable models (MLP and CNN) of train.h: their parameters, the
 * forward and backward passes and one optimizer step, over the device
 * primitives of train_device.h. */
#include "dnncrit/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "dnncrit/rng.h"
#include "train/train_device.h"
#include "core/blas_threads.h"
#include "core/par_strips.h"

#define EVAL_CHUNK 500
/* Element-wise loops below this size stay serial: an OpenMP team that
 * wakes for a few microseconds of work spins afterwards and competes with
 * OpenBLAS's own threads for the cores. */
#define PAR_ELEMENTS ((size_t)1 << 18)
/* GEMMs of fewer multiply-adds (about 0.1 ms of work, against some 10 us
 * to wake a helper thread) stay on one thread; the result is the same
 * either way. */
#define GEMM_PAR_WORK ((size_t)1 << 22)

/* Length of the strips (rows or columns of C) that the CPU's GEMMs are cut
 * into, from the shape alone, never from the thread count: about 2^20
 * multiply-adds per strip (each strip is one BLAS call that packs the shared
 * operand again), a multiple of 16 and at least 64. */
static size_t gemm_strip(size_t len, size_t other, size_t K)
{
    size_t per = other * K > 0 ? other * K : 1;
    size_t strip = ((size_t)1 << 20) / per;
    strip = (strip + 15) / 16 * 16;
    strip = strip < 64 ? 64 : strip;
    return strip < len ? strip : (len > 0 ? len : 1);
}

struct dnc_mlp_model {
    dnc_train_config cfg;
    size_t in_dim;
    bool conv;                   /* CNN (DNC_MODEL_CNN) */
    size_t rows, cols, sites;    /* input image shape, sites = rows * cols */
    size_t kernel;
    size_t nlayers; /* depth + 1 weight layers */
    size_t *fan_in, *fan_out, *w_off, *b_off; /* indexed 1..nlayers */
    size_t nparams;
    size_t elem; /* sizeof(float) or sizeof(double) */
    dnc_train_ops ops; /* where the MLP's buffers live and its arithmetic runs */
    void *theta, *grad, *mom1, *mom2; /* device buffers (host memory on the CPU) */
    size_t cap_B;
    void **act;   /* [0..nlayers]: input copy, phi(h^l), logits (device) */
    void **deriv; /* [1..nlayers-1]: phi'(h^l) (device) */
    void *dbuf[2], *probs; /* device */
    uint8_t *labels;       /* device copy of the batch's labels */
    void *cols_buf, *dcols, *pooled, *pooled_grad; /* CNN only */
    double *loss_each;
    unsigned char *correct;
    uint64_t step;
};

/* glibc's tanhf goes through expm1f and dominated the float32 step time;
 * this form costs one expf. For |x| < 0.01 (where 1 - e^{-2|x|} cancels)
 * the Taylor series x - x^3/3 + 2x^5/15 takes over. Relative error below
 * 2e-6 against double tanh on [-12, 12] (about 12 float ulps at worst). */
static inline float fast_tanhf(float x)
{
    float ax = fabsf(x);
    if (ax < 0.01f) {
        float x2 = x * x;
        return x * (1.0f - x2 * (1.0f / 3.0f - x2 * (2.0f / 15.0f)));
    }
    if (ax > 9.0f)
        return copysignf(1.0f, x);
    float t = expf(-2.0f * ax);
    return copysignf((1.0f - t) / (1.0f + t), x);
}

/* ---- the CPU's precision-independent primitives (train_device.h) */

static void *cpu_alloc(void *ctx, size_t bytes)
{
    (void)ctx;
    void *p = calloc(bytes ? bytes : 1, 1);
    if (!p)
        dnc_fail(DNC_ENOMEM, "out of memory (%zu bytes)", bytes);
    return p;
}

static void cpu_release(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static void cpu_copy(void *ctx, void *dst, const void *src, size_t bytes)
{
    (void)ctx;
    memcpy(dst, src, bytes);
}

static dnc_status cpu_status(void *ctx)
{
    (void)ctx;
    return DNC_OK;
}

static void cpu_close(void *ctx)
{
    (void)ctx;
}

static void cpu_ops_common(dnc_train_ops *ops)
{
    memset(ops, 0, sizeof *ops);
    ops->alloc = cpu_alloc;
    ops->release = cpu_release;
    ops->upload = cpu_copy;
    ops->download = cpu_copy;
    ops->status = cpu_status;
    ops->close = cpu_close;
}

#define R float
#define SFX(name) name##_f
#define GEMM cblas_sgemm
#define EXP expf
#define LOG logf
#define TANH fast_tanhf
#define SQRT sqrtf
#include "train_kernels.inc"

#define R double
#define SFX(name) name##_d
#define GEMM cblas_dgemm
#define EXP exp
#define LOG log
#define TANH tanh
#define SQRT sqrt
#include "train_kernels.inc"

/* -------------------------------------------------------------- model */

static bool is_double(const dnc_mlp_model *m) { return m->cfg.precision == DNC_PREC_DOUBLE; }

static void release(dnc_mlp_model *m, void *p)
{
    if (p)
        m->ops.release(m->ops.ctx, p);
}

static void free_work(dnc_mlp_model *m)
{
    if (m->act)
        for (size_t l = 0; l <= m->nlayers; l++)
            release(m, m->act[l]);
    if (m->deriv)
        for (size_t l = 0; l <= m->nlayers; l++)
            release(m, m->deriv[l]);
    free(m->act);
    free(m->deriv);
    release(m, m->dbuf[0]);
    release(m, m->dbuf[1]);
    release(m, m->probs);
    release(m, m->labels);
    free(m->cols_buf);
    free(m->dcols);
    free(m->pooled);
    free(m->pooled_grad);
    m->cols_buf = m->dcols = m->pooled = m->pooled_grad = NULL;
    free(m->loss_each);
    free(m->correct);
    m->act = m->deriv = NULL;
    m->dbuf[0] = m->dbuf[1] = m->probs = NULL;
    m->labels = NULL;
    m->loss_each = NULL;
    m->correct = NULL;
    m->cap_B = 0;
}

/* Numbers per sample held by layer l's activations (l = 0: the input). */
static size_t unit_count(const dnc_mlp_model *m, size_t l)
{
    if (l == 0)
        return m->in_dim;
    if (m->conv && l < m->nlayers)
        return m->sites * m->fan_out[l];
    return m->fan_out[l];
}

static dnc_status ensure_work(dnc_mlp_model *m, size_t B)
{
    if (B <= m->cap_B)
        return DNC_OK;
    free_work(m);
    size_t L1 = m->nlayers, widest = m->in_dim, e = m->elem;
    m->act = calloc(L1 + 1, sizeof *m->act);
    m->deriv = calloc(L1 + 1, sizeof *m->deriv);
    bool ok = m->act && m->deriv;
    const dnc_train_ops *o = &m->ops;
    for (size_t l = 0; ok && l <= L1; l++) {
        size_t w = unit_count(m, l);
        widest = w > widest ? w : widest;
        ok = (m->act[l] = o->alloc(o->ctx, B * w * e)) != NULL;
        if (ok && l >= 1 && l < L1)
            ok = (m->deriv[l] = o->alloc(o->ctx, B * w * e)) != NULL;
    }
    if (ok) {
        m->dbuf[0] = o->alloc(o->ctx, B * widest * e);
        m->dbuf[1] = o->alloc(o->ctx, B * widest * e);
        m->probs = o->alloc(o->ctx, B * m->cfg.nclasses * e);
        m->labels = o->alloc(o->ctx, B);
        m->loss_each = malloc(B * sizeof *m->loss_each);
        m->correct = malloc(B);
        ok = m->dbuf[0] && m->dbuf[1] && m->probs && m->labels && m->loss_each && m->correct;
    }
    if (ok && m->conv) {
        size_t kmax = m->cfg.net.width * m->kernel * m->kernel, C = m->cfg.net.width;
        m->cols_buf = malloc(B * m->sites * kmax * e);
        m->dcols = malloc(B * m->sites * kmax * e);
        m->pooled = malloc(B * C * e);
        m->pooled_grad = malloc(B * C * e);
        ok = m->cols_buf && m->dcols && m->pooled && m->pooled_grad;
    }
    if (!ok) {
        free_work(m);
        return dnc_fail(DNC_ENOMEM, "out of memory for a batch of %zu samples", B);
    }
    m->cap_B = B;
    return DNC_OK;
}

static dnc_status layout(dnc_mlp_model *m)
{
    size_t L1 = m->nlayers;
    m->fan_in = calloc(L1 + 1, sizeof(size_t));
    m->fan_out = calloc(L1 + 1, sizeof(size_t));
    m->w_off = calloc(L1 + 1, sizeof(size_t));
    m->b_off = calloc(L1 + 1, sizeof(size_t));
    if (!m->fan_in || !m->fan_out || !m->w_off || !m->b_off)
        return dnc_fail(DNC_ENOMEM, "out of memory for the model layout");
    size_t off = 0;
    size_t taps = m->conv ? m->kernel * m->kernel : 1;
    for (size_t l = 1; l <= L1; l++) {
        if (m->conv)
            m->fan_in[l] = l == L1 ? m->cfg.net.width : (l == 1 ? 1 : m->cfg.net.width) * taps;
        else
            m->fan_in[l] = l == 1 ? m->in_dim : m->cfg.net.width;
        m->fan_out[l] = l == L1 ? m->cfg.nclasses : m->cfg.net.width;
        m->w_off[l] = off;
        off += m->fan_in[l] * m->fan_out[l];
        m->b_off[l] = off;
        off += m->fan_out[l];
    }
    m->nparams = off;
    return DNC_OK;
}

/* The Philox initialisation documented in train.h: hidden layers are
 * dnc_mlp_layer_weights / dnc_mlp_layer_bias, the readout takes the first
 * nclasses rows and entries of layer depth+1's sequences. */
static dnc_status initialise(dnc_mlp_model *m)
{
    double *theta = malloc(m->nparams * sizeof *theta);
    if (!theta)
        return dnc_fail(DNC_ENOMEM, "out of memory initialising %zu parameters", m->nparams);
    const dnc_mlp_config *net = &m->cfg.net;
    for (size_t l = 1; l <= m->nlayers; l++) {
        size_t fo = m->fan_out[l], fi = m->fan_in[l];
        double *b = theta + m->b_off[l], *W = theta + m->w_off[l];
        /* = dnc_mlp_layer_weight_rows / dnc_cnn_layer_weights: row o is the
         * normal sequence (seed, WEIGHT, l, o) of length fan_in. */
        double scale = net->sigma_w / sqrt((double)fi);
        for (size_t o = 0; o < fo; o++) {
            dnc_normals_fill_at(net->normals, net->seed, DNC_STREAM_WEIGHT, (uint32_t)l,
                                (uint32_t)o, 0, W + o * fi, fi);
            for (size_t j = 0; j < fi; j++)
                W[o * fi + j] *= scale;
        }
        dnc_normals_fill_at(net->normals, net->seed, DNC_STREAM_BIAS, (uint32_t)l, 0, 0, b, fo);
        for (size_t i = 0; i < fo; i++)
            b[i] *= net->sigma_b;
    }
    dnc_mlp_model_set_params(m, theta);
    free(theta);
    return DNC_OK;
}

static dnc_status check_shape(const dnc_train_config *cfg, size_t rows, size_t cols)
{
    size_t input_dim = rows * cols;
    if (rows == 0 || cols == 0 || input_dim > DNC_MAX_WIDTH)
        return dnc_fail(DNC_EINVAL, "input must have 1..%zu values, got %zu x %zu", DNC_MAX_WIDTH,
                        rows, cols);
    if (cfg->model == DNC_MODEL_CNN && (cfg->kernel > rows || cfg->kernel > cols))
        return dnc_fail(DNC_EINVAL, "CNN kernel %zu is larger than the %zu x %zu input images",
                        cfg->kernel, rows, cols);
    return DNC_OK;
}

#ifndef DNNCRIT_HAVE_CUDA
/* Without the CUDA backend, the reason comes from dnc_cuda_describe. */
dnc_status dnc_train_ops_cuda_open(dnc_precision p, dnc_train_ops *ops)
{
    char gpu[8];
    (void)p;
    memset(ops, 0, sizeof *ops);
    return dnc_cuda_describe(gpu, sizeof gpu);
}
#endif

static dnc_status open_device(dnc_mlp_model *m)
{
    if (m->cfg.device == DNC_DEVICE_CUDA)
        return dnc_train_ops_cuda_open(m->cfg.precision, &m->ops);
    if (is_double(m))
        cpu_ops_d(&m->ops);
    else
        cpu_ops_f(&m->ops);
    return DNC_OK;
}

dnc_status dnc_mlp_model_new(const dnc_train_config *cfg, size_t input_dim, dnc_mlp_model **out)
{
    return dnc_train_model_new(cfg, 1, input_dim, out);
}

dnc_status dnc_train_model_new(const dnc_train_config *cfg, size_t rows, size_t cols,
                               dnc_mlp_model **out)
{
    *out = NULL;
    dnc_status st = dnc_train_config_validate(cfg);
    if (!st)
        st = check_shape(cfg, rows, cols);
    if (st)
        return st;
    size_t input_dim = rows * cols;
    dnc_mlp_model *m = calloc(1, sizeof *m);
    if (!m)
        return dnc_fail(DNC_ENOMEM, "out of memory for a model");
    m->cfg = *cfg;
    m->cfg.net.input_width = input_dim;
    m->in_dim = input_dim;
    m->conv = cfg->model == DNC_MODEL_CNN;
    m->rows = rows;
    m->cols = cols;
    m->sites = input_dim;
    m->kernel = cfg->kernel;
    m->nlayers = cfg->net.depth + 1;
    m->elem = cfg->precision == DNC_PREC_DOUBLE ? sizeof(double) : sizeof(float);
    st = open_device(m);
    if (!st)
        st = layout(m);
    if (!st) {
        const dnc_train_ops *o = &m->ops;
        size_t bytes = m->nparams * m->elem;
        m->theta = o->alloc(o->ctx, bytes);
        m->grad = o->alloc(o->ctx, bytes);
        m->mom1 = o->alloc(o->ctx, bytes);
        m->mom2 = o->alloc(o->ctx, bytes);
        if (!m->theta || !m->grad || !m->mom1 || !m->mom2)
            st = dnc_fail(DNC_ENOMEM, "out of memory for %zu parameters", m->nparams);
    }
    if (!st)
        st = initialise(m);
    if (st) {
        dnc_mlp_model_free(m);
        return st;
    }
    *out = m;
    return DNC_OK;
}

void dnc_mlp_model_free(dnc_mlp_model *m)
{
    if (!m)
        return;
    if (m->ops.release) { /* NULL when the device did not open */
        free_work(m);
        release(m, m->theta);
        release(m, m->grad);
        release(m, m->mom1);
        release(m, m->mom2);
        m->ops.close(m->ops.ctx);
    }
    free(m->fan_in);
    free(m->fan_out);
    free(m->w_off);
    free(m->b_off);
    free(m);
}

size_t dnc_mlp_model_nparams(const dnc_mlp_model *m) { return m->nparams; }

const dnc_train_config *dnc_mlp_model_config(const dnc_mlp_model *m) { return &m->cfg; }

/* Element `off` of the device buffer `base` (model precision). */
static void *at(const dnc_mlp_model *m, void *base, size_t off)
{
    return (char *)base + off * m->elem;
}

enum { STAGE = 2048 }; /* numbers per host staging step */

/* n numbers from element off of a device buffer, as doubles. */
static void fetch(const dnc_mlp_model *m, void *dev, size_t off, size_t n, double *out)
{
    double stage[STAGE];
    for (size_t i = 0; i < n; i += STAGE) {
        size_t k = n - i < STAGE ? n - i : STAGE;
        m->ops.download(m->ops.ctx, stage, at(m, dev, off + i), k * m->elem);
        if (is_double(m))
            get_d(stage, out + i, k);
        else
            get_f(stage, out + i, k);
    }
}

static void store(dnc_mlp_model *m, void *dev, const double *in, size_t n)
{
    double stage[STAGE];
    for (size_t i = 0; i < n; i += STAGE) {
        size_t k = n - i < STAGE ? n - i : STAGE;
        if (is_double(m))
            set_d(stage, in + i, k);
        else
            set_f(stage, in + i, k);
        m->ops.upload(m->ops.ctx, at(m, dev, i), stage, k * m->elem);
    }
}

void dnc_mlp_model_get_params(const dnc_mlp_model *m, double *theta)
{
    fetch(m, m->theta, 0, m->nparams, theta);
}

void dnc_mlp_model_set_params(dnc_mlp_model *m, const double *theta)
{
    store(m, m->theta, theta, m->nparams);
}

dnc_status dnc_mlp_model_layer(const dnc_mlp_model *m, size_t layer, double *W, double *b)
{
    if (layer < 1 || layer > m->nlayers)
        return dnc_fail(DNC_EINVAL, "layer must be in 1..%zu, got %zu", m->nlayers, layer);
    fetch(m, m->theta, m->w_off[layer], m->fan_in[layer] * m->fan_out[layer], W);
    fetch(m, m->theta, m->b_off[layer], m->fan_out[layer], b);
    return m->ops.status(m->ops.ctx);
}

/* ---------------------------------------------------- forward/backward */

static dnc_status check_batch(const dnc_mlp_model *m, const uint8_t *y, size_t B)
{
    if (B == 0)
        return dnc_fail(DNC_EINVAL, "empty batch");
    for (size_t r = 0; r < B; r++)
        if (y[r] >= m->cfg.nclasses)
            return dnc_fail(DNC_EINVAL, "label %u of sample %zu is outside 0..%zu", y[r], r,
                            m->cfg.nclasses - 1);
    return DNC_OK;
}

/* Hidden layers phi(W^l a^{l-1} + b^l), then the logits and their softmax,
 * through the device primitives. */
static void forward_mlp(dnc_mlp_model *m, const float *X, const uint8_t *y, size_t B)
{
    const dnc_train_ops *o = &m->ops;
    size_t L1 = m->nlayers;
    o->from_float(o->ctx, m->act[0], X, B * m->in_dim);
    o->upload(o->ctx, m->labels, y, B);
    for (size_t l = 1; l <= L1; l++) {
        size_t fo = m->fan_out[l], fi = m->fan_in[l];
        void *h = m->act[l];
        o->bias_rows(o->ctx, h, at(m, m->theta, m->b_off[l]), B, fo);
        o->gemm(o->ctx, false, true, B, fo, fi, 1, m->act[l - 1], fi, at(m, m->theta, m->w_off[l]),
                fi, 1, h, fo);
        if (l < L1)
            o->activate(o->ctx, m->cfg.net.activation, h, m->deriv[l], B * fo);
    }
    o->softmax_loss(o->ctx, m->act[L1], m->labels, B, m->fan_out[L1], m->probs, m->loss_each,
                    m->correct);
}

static void forward_conv(dnc_mlp_model *m, const float *X, const uint8_t *y, size_t B)
{
    size_t L1 = m->nlayers;
    if (is_double(m)) {
        forward_conv_d(m, X, B);
        softmax_loss_d(m->act[L1], y, B, m->fan_out[L1], m->probs, m->loss_each, m->correct);
    } else {
        forward_conv_f(m, X, B);
        softmax_loss_f(m->act[L1], y, B, m->fan_out[L1], m->probs, m->loss_each, m->correct);
    }
}

/* forward + softmax; mean loss over the batch, summed in a fixed order. */
static dnc_status forward_loss(dnc_mlp_model *m, const float *X, const uint8_t *y, size_t B,
                               double *loss, size_t *ncorrect)
{
    dnc_status st = check_batch(m, y, B);
    if (!st)
        st = ensure_work(m, B);
    if (st)
        return st;
    if (m->conv)
        forward_conv(m, X, y, B);
    else
        forward_mlp(m, X, y, B);
    if ((st = m->ops.status(m->ops.ctx)))
        return st;
    double s = 0;
    size_t c = 0;
    for (size_t r = 0; r < B; r++) {
        s += m->loss_each[r];
        c += m->correct[r];
    }
    *loss = s / (double)B;
    if (ncorrect)
        *ncorrect = c;
    return DNC_OK;
}

/* Gradient of the mean loss into m->grad (after forward_mlp). */
static void backward_mlp(dnc_mlp_model *m, size_t B)
{
    const dnc_train_ops *o = &m->ops;
    size_t L1 = m->nlayers;
    void *delta = m->dbuf[0], *next = m->dbuf[1];
    o->output_delta(o->ctx, m->probs, m->labels, B, m->fan_out[L1], delta);
    for (size_t l = L1; l >= 1; l--) {
        size_t fo = m->fan_out[l], fi = m->fan_in[l];
        /* dW = delta^T A[l-1]; db = column sums of delta (fixed order). */
        o->gemm(o->ctx, true, false, fo, fi, B, 1, delta, fo, m->act[l - 1], fi, 0,
                at(m, m->grad, m->w_off[l]), fi);
        o->column_sums(o->ctx, delta, B, fo, at(m, m->grad, m->b_off[l]));
        if (l == 1)
            break;
        /* delta^{l-1} = (delta W^l) * phi'(h^{l-1}) */
        o->gemm(o->ctx, false, false, B, fi, fo, 1, delta, fo, at(m, m->theta, m->w_off[l]), fi,
                0, next, fi);
        o->mul(o->ctx, next, m->deriv[l - 1], B * fi);
        void *t = delta;
        delta = next;
        next = t;
    }
}

static void backward(dnc_mlp_model *m, const uint8_t *y, size_t B)
{
    if (!m->conv)
        backward_mlp(m, B);
    else if (is_double(m))
        backward_conv_d(m, y, B);
    else
        backward_conv_f(m, y, B);
}

static void update(dnc_mlp_model *m)
{
    const dnc_train_ops *o = &m->ops;
    const dnc_train_config *c = &m->cfg;
    m->step++;
    if (c->optimizer == DNC_OPTIM_SGD)
        o->sgd(o->ctx, m->theta, m->grad, m->mom1, m->nparams, c->lr, c->momentum);
    else
        o->adam(o->ctx, m->theta, m->grad, m->mom1, m->mom2, m->nparams, c->lr, c->beta1,
                c->beta2, c->adam_eps, 1.0 - pow(c->beta1, (double)m->step),
                1.0 - pow(c->beta2, (double)m->step));
}

dnc_status dnc_mlp_loss_grad(dnc_mlp_model *m, const float *X, const uint8_t *y, size_t B,
                             double *loss, double *grad)
{
    dnc_status st = forward_loss(m, X, y, B, loss, NULL);
    if (st || !grad)
        return st;
    backward(m, y, B);
    fetch(m, m->grad, 0, m->nparams, grad);
    return m->ops.status(m->ops.ctx);
}

dnc_status dnc_mlp_train_step(dnc_mlp_model *m, const float *X, const uint8_t *y, size_t B,
                              double *loss)
{
    dnc_status st = forward_loss(m, X, y, B, loss, NULL);
    if (st)
        return st;
    if (!isfinite(*loss))
        return dnc_fail(DNC_ENUM, "training loss is not finite (%g): diverged", *loss);
    backward(m, y, B);
    update(m);
    return m->ops.status(m->ops.ctx);
}

dnc_status dnc_mlp_evaluate(dnc_mlp_model *m, const dnc_dataset *ds, double *loss,
                            double *accuracy)
{
    if (ds->dim != m->in_dim)
        return dnc_fail(DNC_EINVAL, "data have %zu inputs per sample, the model expects %zu",
                        ds->dim, m->in_dim);
    double total = 0;
    size_t correct = 0, chunk = EVAL_CHUNK;
    if (m->conv) { /* im2col buffers grow with the chunk: keep them ~2^22 numbers */
        size_t per = m->sites * m->cfg.net.width * m->kernel * m->kernel;
        chunk = ((size_t)1 << 22) / per;
        chunk = chunk < 1 ? 1 : (chunk > EVAL_CHUNK ? EVAL_CHUNK : chunk);
    }
    for (size_t s = 0; s < ds->count; s += chunk) {
        size_t B = ds->count - s < chunk ? ds->count - s : chunk;
        double l;
        size_t c;
        dnc_status st = forward_loss(m, ds->x + s * ds->dim, ds->y + s, B, &l, &c);
        if (st)
            return st;
        total += l * (double)B;
        correct += c;
    }
    *loss = total / (double)ds->count;
    *accuracy = (double)correct / (double)ds->count;
    return DNC_OK;
}
