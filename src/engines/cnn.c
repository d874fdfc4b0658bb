#include "dnncrit/cnn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "dnncrit/io.h"
#include "dnncrit/rng.h"

/* ------------------------------------------------------- convolution */

static size_t shape_taps(const dnc_conv_shape *sh)
{
    return sh->dims == 2 ? sh->kernel * sh->kernel : sh->kernel;
}

static size_t shape_ly(const dnc_conv_shape *sh) { return sh->dims == 2 ? sh->size_y : 1; }

static size_t shape_sites(const dnc_conv_shape *sh) { return sh->size_x * shape_ly(sh); }

double dnc_conv_flops(const dnc_conv_shape *sh, size_t B)
{
    return 2.0 * (double)sh->out_channels * (double)sh->in_channels * (double)shape_taps(sh) *
           (double)shape_sites(sh) * (double)B;
}

dnc_status dnc_conv_algo_parse(const char *name, dnc_conv_algo *out)
{
    static const char *names[] = {"auto", "im2col", "direct"};
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = (dnc_conv_algo)i;
            return DNC_OK;
        }
    return dnc_fail(DNC_EINVAL, "unknown convolution algorithm '%s' (expected auto, im2col, direct)",
                    name ? name : "(null)");
}

const char *dnc_conv_algo_name(dnc_conv_algo algo)
{
    switch (algo) {
    case DNC_CONV_IM2COL: return "im2col";
    case DNC_CONV_DIRECT: return "direct";
    default: return "auto";
    }
}

/* Measured (bench/bench_cnn.c, docs/readme/cnn.md): im2col + DGEMM wins for
 * every shape with C_in C_out k^d > 8; the direct loop only for single-channel
 * toy shapes, where the GEMM degenerates to a dot product. */
dnc_conv_algo dnc_conv_resolve(const dnc_conv_shape *sh, dnc_conv_algo algo)
{
    if (algo != DNC_CONV_AUTO)
        return algo;
    if (sh->out_channels * sh->in_channels * shape_taps(sh) <= 8)
        return DNC_CONV_DIRECT;
    return DNC_CONV_IM2COL;
}

/* im2col works on column blocks of at most this many doubles of scratch,
 * so memory stays bounded; the block size depends only on the shape. */
#define IM2COL_BLOCK_DOUBLES ((size_t)1 << 21)

static size_t im2col_block_cols(const dnc_conv_shape *sh)
{
    size_t rows = sh->in_channels * shape_taps(sh);
    size_t cols = IM2COL_BLOCK_DOUBLES / rows;
    size_t S = shape_sites(sh);
    if (cols < sh->size_x)
        cols = sh->size_x;
    cols = (cols / sh->size_x) * sh->size_x; /* whole rows of the lattice */
    return cols < S ? cols : S;
}

size_t dnc_conv_workspace(const dnc_conv_shape *sh, dnc_conv_algo algo)
{
    if (dnc_conv_resolve(sh, algo) != DNC_CONV_IM2COL || shape_taps(sh) == 1)
        return 0;
    return sh->in_channels * shape_taps(sh) * im2col_block_cols(sh);
}

static inline size_t wrap(long v, size_t n)
{
    long m = v % (long)n;
    return (size_t)(m < 0 ? m + (long)n : m);
}

/* dst[x] (+)= w * src[(x + shift) mod n] for x < n, |shift| < n, split
 * into two contiguous pieces so that the loops vectorise. */
static inline void shifted_axpy(double w, const double *src, double *dst, size_t n, long shift)
{
    size_t head = shift >= 0 ? n - (size_t)shift : (size_t)(-shift);
    long off_head = shift >= 0 ? shift : shift + (long)n;
    long off_tail = off_head - (long)n;
    for (size_t x = 0; x < head; x++)
        dst[x] += w * src[(long)x + off_head];
    for (size_t x = head; x < n; x++)
        dst[x] += w * src[(long)x + off_tail];
}

static inline void shifted_copy(const double *src, double *dst, size_t n, long shift)
{
    size_t head = shift >= 0 ? n - (size_t)shift : (size_t)(-shift);
    long off_head = shift >= 0 ? shift : shift + (long)n;
    memcpy(dst, src + off_head, head * sizeof *dst);
    memcpy(dst + head, src + off_head + (long)head - (long)n, (n - head) * sizeof *dst);
}

static void conv_direct(const dnc_conv_shape *sh, const double *W, const double *bias,
                        const double *in, size_t B, double *out)
{
    size_t Lx = sh->size_x, Ly = shape_ly(sh), S = Lx * Ly, k = sh->kernel;
    size_t Cin = sh->in_channels, Cout = sh->out_channels, T = shape_taps(sh);
    long r = (long)(k - 1) / 2;
    size_t ky_n = sh->dims == 2 ? k : 1;
    long ry = sh->dims == 2 ? r : 0;
    long n = (long)(B * Cout);
#pragma omp parallel for schedule(static)
    for (long bo = 0; bo < n; bo++) {
        size_t b = (size_t)bo / Cout, o = (size_t)bo % Cout;
        double *dst = out + (b * Cout + o) * S;
        double b0 = bias ? bias[o] : 0.0;
        for (size_t s = 0; s < S; s++)
            dst[s] = b0;
        const double *w_row = W + o * Cin * T;
        for (size_t i = 0; i < Cin; i++) {
            const double *src = in + (b * Cin + i) * S;
            for (size_t ty = 0; ty < ky_n; ty++)
                for (size_t tx = 0; tx < k; tx++) {
                    double w = w_row[i * T + ty * k + tx];
                    for (size_t y = 0; y < Ly; y++) {
                        size_t ys = wrap((long)y + (long)ty - ry, Ly);
                        shifted_axpy(w, src + ys * Lx, dst + y * Lx, Lx, (long)tx - r);
                    }
                }
        }
    }
}

/* Serial on purpose: OpenMP threads spinning next to OpenBLAS's own threads
 * made a 2-thread run 30x slower on a loaded 2-core machine; the copy is
 * cheap next to the GEMM it feeds (C_out flops per element).
 * Columns [y0 Lx, (y0 + ny) Lx) of the im2col matrix of one input:
 * row (i, ty, tx), column s holds in_i(x + tx - r, y + ty - r). */
static void im2col_block(const dnc_conv_shape *sh, const double *in, size_t y0, size_t ny,
                         double *X)
{
    size_t Lx = sh->size_x, Ly = shape_ly(sh), S = Lx * Ly, k = sh->kernel;
    size_t Cin = sh->in_channels, T = shape_taps(sh);
    long r = (long)(k - 1) / 2, ry = sh->dims == 2 ? r : 0;
    size_t ncols = ny * Lx;
    long rows = (long)(Cin * T);
    for (long row = 0; row < rows; row++) {
        size_t i = (size_t)row / T, t = (size_t)row % T;
        size_t ty = t / k, tx = t % k;
        const double *src = in + i * S;
        double *dst = X + (size_t)row * ncols;
        for (size_t y = 0; y < ny; y++) {
            size_t ys = wrap((long)(y0 + y) + (long)ty - ry, Ly);
            shifted_copy(src + ys * Lx, dst + y * Lx, Lx, (long)tx - r);
        }
    }
}

static void conv_im2col(const dnc_conv_shape *sh, const double *W, const double *bias,
                        const double *in, size_t B, double *out, double *X)
{
    size_t Lx = sh->size_x, S = shape_sites(sh), Ly = shape_ly(sh);
    size_t Cin = sh->in_channels, Cout = sh->out_channels, K = Cin * shape_taps(sh);
    size_t rows_per_block = im2col_block_cols(sh) / Lx;
    for (size_t b = 0; b < B; b++) {
        const double *src = in + b * Cin * S;
        double *dst = out + b * Cout * S;
        for (size_t o = 0; o < Cout; o++) {
            double b0 = bias ? bias[o] : 0.0;
            for (size_t s = 0; s < S; s++)
                dst[o * S + s] = b0;
        }
        if (shape_taps(sh) == 1) { /* 1x1 kernel: the input already is the im2col matrix */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Cout, (int)S, (int)K, 1.0,
                        W, (int)K, src, (int)S, 1.0, dst, (int)S);
            continue;
        }
        for (size_t y0 = 0; y0 < Ly; y0 += rows_per_block) {
            size_t ny = Ly - y0 < rows_per_block ? Ly - y0 : rows_per_block;
            size_t ncols = ny * Lx;
            im2col_block(sh, src, y0, ny, X);
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Cout, (int)ncols, (int)K,
                        1.0, W, (int)K, X, (int)ncols, 1.0, dst + y0 * Lx, (int)S);
        }
    }
}

dnc_status dnc_conv_forward(const dnc_conv_shape *sh, dnc_conv_algo algo, const double *W,
                            const double *bias, const double *in, size_t B, double *out,
                            double *work)
{
    if (!sh || (sh->dims != 1 && sh->dims != 2) || sh->kernel % 2 == 0 || sh->kernel == 0 ||
        sh->kernel > sh->size_x || (sh->dims == 2 && sh->kernel > sh->size_y) ||
        sh->in_channels == 0 || sh->out_channels == 0)
        return dnc_fail(DNC_EINVAL, "invalid convolution shape");
    if (sh->in_channels * shape_taps(sh) > (size_t)1 << 30 || shape_sites(sh) > DNC_CNN_MAX_SITES)
        return dnc_fail(DNC_EINVAL, "convolution too large for one GEMM");
    algo = dnc_conv_resolve(sh, algo);
    if (algo == DNC_CONV_IM2COL) {
        if (!work && shape_taps(sh) > 1)
            return dnc_fail(DNC_EINVAL, "im2col convolution needs a workspace");
        conv_im2col(sh, W, bias, in, B, out, work);
    } else {
        conv_direct(sh, W, bias, in, B, out);
    }
    return DNC_OK;
}

/* ------------------------------------------- locally connected layer */

/* out_o(s) = b_{s,o} + sum_{i,t} W_{s,o,i,t} in_i(s + t - r) for B inputs, with
 * the kernel and bias of each site drawn from Philox where they are used
 * (dnc_cnn_local_weights / dnc_cnn_local_bias): memory O(threads C fan_in),
 * not O(S C fan_in). Every output is a sum in the fixed order (bias, then
 * (i, ty, tx)) of one site's own numbers, so the result does not depend on
 * the thread count; the order is that of conv_direct, so a one-site lattice
 * gives the shared network's numbers bitwise. No BLAS: at B = 2 a site is a
 * matrix-vector product, and drawing C fan_in normals per site costs more
 * than the products (docs/cnn.md). `conv`: the convolution of the block (0 or 1). */
static dnc_status conv_local(const dnc_cnn_config *net, size_t layer, size_t conv,
                             const double *in, size_t B, double *out)
{
    size_t Lx = net->size_x, Ly = dnc_cnn_size_y(net), S = Lx * Ly, k = net->kernel;
    size_t Cin = dnc_cnn_in_channels(net, layer), C = net->channels, T = dnc_cnn_taps(net);
    size_t K = Cin * T, kyn = net->dims == 2 ? k : 1;
    long r = (long)(k - 1) / 2, ry = net->dims == 2 ? r : 0;
    bool use_bias = net->sigma_b > 0;
    int failed = 0;
#pragma omp parallel
    {
        double *W = malloc((C * K + C + B * K) * sizeof *W);
        size_t *src = malloc(T * sizeof *src);
        if (!W || !src) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp barrier
        if (!failed) {
            double *bias = W + C * K, *P = bias + C;
#pragma omp for schedule(static)
            for (long sl = 0; sl < (long)S; sl++) {
                size_t s = (size_t)sl, x = s % Lx, y = s / Lx;
                for (size_t ty = 0; ty < kyn; ty++)
                    for (size_t tx = 0; tx < k; tx++)
                        src[ty * k + tx] = wrap((long)y + (long)ty - ry, Ly) * Lx +
                                           wrap((long)x + (long)tx - r, Lx);
                for (size_t b = 0; b < B; b++)
                    for (size_t i = 0; i < Cin; i++)
                        for (size_t t = 0; t < T; t++)
                            P[b * K + i * T + t] = in[(b * Cin + i) * S + src[t]];
                /* convolution `conv` of a block is "site" conv S + s (cnn_net.h) */
                dnc_cnn_local_weights(net, layer, conv * S + s, 1, W);
                if (use_bias)
                    dnc_cnn_local_bias(net, layer, conv * S + s, 1, bias);
                for (size_t b = 0; b < B; b++)
                    for (size_t o = 0; o < C; o++) {
                        const double *w = W + o * K, *p = P + b * K;
                        double acc = use_bias ? bias[o] : 0.0;
                        for (size_t j = 0; j < K; j++)
                            acc += w[j] * p[j];
                        out[(b * C + o) * S + s] = acc;
                    }
            }
        }
        free(W);
        free(src);
    }
    if (failed)
        return dnc_fail(DNC_ENOMEM, "out of memory for a local kernel of %zu x %zu", C, K);
    return DNC_OK;
}

/* ------------------------------------------------------- observables */

/* acc[s] += rho(x_s) of the pair (a, b): 1 - cos over C channels at stride
 * S, as |a/|a| - b/|b||^2 / 2 (exactly 0 for identical sites). Channel-outer
 * loops keep every access contiguous. scratch: 3 S doubles. */
static void add_pair_rho(const double *a, const double *b, size_t C, size_t S, double *scratch,
                         double *acc)
{
    double *ia = scratch, *ib = scratch + S, *d2 = scratch + 2 * S;
    for (size_t s = 0; s < S; s++)
        ia[s] = ib[s] = d2[s] = 0;
    for (size_t c = 0; c < C; c++)
        for (size_t s = 0; s < S; s++) {
            ia[s] += a[c * S + s] * a[c * S + s];
            ib[s] += b[c * S + s] * b[c * S + s];
        }
    for (size_t s = 0; s < S; s++) {
        ia[s] = ia[s] > 0 ? 1.0 / sqrt(ia[s]) : 0.0;
        ib[s] = ib[s] > 0 ? 1.0 / sqrt(ib[s]) : 0.0;
    }
    for (size_t c = 0; c < C; c++)
        for (size_t s = 0; s < S; s++) {
            double d = a[c * S + s] * ia[s] - b[c * S + s] * ib[s];
            d2[s] += d * d;
        }
    for (size_t s = 0; s < S; s++) {
        bool za = ia[s] == 0, zb = ib[s] == 0;
        /* one zero vector and one not: no angle, count as uncorrelated */
        acc[s] += za != zb ? 1.0 : 0.5 * d2[s];
    }
}

/* Spatial mean of rho_x and the fraction of sites with rho_x > threshold. */
static void site_summary(const double *rho_x, size_t S, double threshold, double *rho_mean,
                         double *active)
{
    double total = 0;
    size_t n_active = 0;
    for (size_t s = 0; s < S; s++) {
        total += rho_x[s];
        n_active += rho_x[s] > threshold;
    }
    *rho_mean = total / (double)S;
    *active = (double)n_active / (double)S;
}

dnc_status dnc_cnn_site_rho(const double *v, size_t B, size_t C, size_t S, double threshold,
                            double *rho_x, double *rho_mean, double *active)
{
    double *scratch = malloc(3 * S * sizeof *scratch);
    if (!scratch)
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu sites", S);
    double npairs = (double)B * (double)(B - 1) / 2.0;
    for (size_t s = 0; s < S; s++)
        rho_x[s] = 0;
    for (size_t a = 0; a < B; a++)
        for (size_t b = a + 1; b < B; b++)
            add_pair_rho(v + a * C * S, v + b * C * S, C, S, scratch, rho_x);
    if (npairs > 0)
        for (size_t s = 0; s < S; s++)
            rho_x[s] /= npairs;
    free(scratch);
    site_summary(rho_x, S, threshold, rho_mean, active);
    return DNC_OK;
}

dnc_status dnc_cnn_batch_norm(dnc_cnn_norm norm, const double *v, size_t B, size_t C, size_t S,
                              double *out)
{
    if (norm != DNC_CNN_NORM_NONE && norm != DNC_CNN_NORM_BATCH_TRAIN &&
        norm != DNC_CNN_NORM_BATCH_EVAL)
        return dnc_fail(DNC_EINVAL, "invalid normalisation %d", (int)norm);
    if (norm == DNC_CNN_NORM_BATCH_TRAIN && B < 2)
        return dnc_fail(DNC_EINVAL,
                        "batch normalisation in training mode needs a batch of >= 2 inputs, got "
                        "%zu (one input would be normalised by its own statistics alone)",
                        B);
    size_t n = B * S;
    for (size_t c = 0; c < C; c++) {
        double mean = 0, var = 1; /* inference mode: the running statistics at initialisation */
        if (norm == DNC_CNN_NORM_BATCH_TRAIN) { /* two passes over the B S values of channel c */
            double sum = 0, dev = 0;
            for (size_t b = 0; b < B; b++)
                for (size_t s = 0; s < S; s++)
                    sum += v[(b * C + c) * S + s];
            mean = sum / (double)n;
            for (size_t b = 0; b < B; b++)
                for (size_t s = 0; s < S; s++) {
                    double d = v[(b * C + c) * S + s] - mean;
                    dev += d * d;
                }
            var = dev / (double)n; /* biased, as PyTorch normalises */
        }
        double sd = norm == DNC_CNN_NORM_NONE ? 1.0 : sqrt(var + DNC_CNN_BN_EPS);
        for (size_t b = 0; b < B; b++)
            for (size_t s = 0; s < S; s++) {
                size_t j = (b * C + c) * S + s;
                out[j] = norm == DNC_CNN_NORM_NONE ? v[j] : (v[j] - mean) / sd;
            }
    }
    return DNC_OK;
}

static double mean_square(const double *h, size_t n, size_t rows)
{
    double total = 0;
    for (size_t r = 0; r < rows; r++) {
        double row = 0;
        for (size_t j = 0; j < n; j++)
            row += h[r * n + j] * h[r * n + j];
        total += row;
    }
    return total / ((double)n * (double)rows);
}

/* ------------------------------------------------------- propagation */

dnc_cnn_opts dnc_cnn_opts_default(void)
{
    dnc_cnn_opts o = {
        .net = dnc_cnn_config_default(),
        .batch = 2,
        .input_q = 1.0,
        .input_c = 0.0,
        .perturb_width = 0,
        .corr = DNC_CORR_PRE,
        .threshold = 1e-6,
        .algo = DNC_CONV_AUTO,
    };
    return o;
}

dnc_status dnc_cnn_opts_validate(const dnc_cnn_opts *opts)
{
    dnc_status st = dnc_cnn_config_validate(&opts->net);
    if (st)
        return st;
    if (opts->batch == 0 || opts->batch > 4096)
        return dnc_fail(DNC_EINVAL, "batch must be between 1 and 4096, got %zu", opts->batch);
    if (opts->net.norm == DNC_CNN_NORM_BATCH_TRAIN && opts->batch < 2)
        return dnc_fail(DNC_EINVAL,
                        "batch normalisation in training mode normalises over the batch: it "
                        "needs >= 2 inputs, got %zu (one input would be normalised by its own "
                        "spatial statistics, i.e. instance normalisation)",
                        opts->batch);
    if (!isfinite(opts->input_q) || opts->input_q <= 0)
        return dnc_fail(DNC_EINVAL, "input q must be a finite number > 0, got %g", opts->input_q);
    if (!opts->inputs && (!isfinite(opts->input_c) || opts->input_c < 0 || opts->input_c > 1))
        return dnc_fail(DNC_EINVAL, "input c must be in [0, 1], got %g", opts->input_c);
    size_t Lx = opts->net.size_x, Ly = dnc_cnn_size_y(&opts->net);
    if (opts->perturb_width > Lx || (opts->net.dims == 2 && opts->perturb_width > Ly))
        return dnc_fail(DNC_EINVAL, "perturbed width %zu is larger than the lattice",
                        opts->perturb_width);
    if (!isfinite(opts->threshold) || opts->threshold < 0)
        return dnc_fail(DNC_EINVAL, "activity threshold must be a finite number >= 0, got %g",
                        opts->threshold);
    if (!isfinite(opts->damage_cutoff) || opts->damage_cutoff < 0)
        return dnc_fail(DNC_EINVAL, "damage cut-off must be a finite number >= 0, got %g",
                        opts->damage_cutoff);
    if (opts->damage_cutoff > 0 && opts->threshold > opts->damage_cutoff)
        return dnc_fail(DNC_EINVAL,
                        "activity threshold %g is above the damage cut-off %g: with the cut-off "
                        "on, the active sites are those with nonzero damage (rho >= cut-off), "
                        "so the threshold must be <= the cut-off",
                        opts->threshold, opts->damage_cutoff);
    if (opts->corr != DNC_CORR_PRE && opts->corr != DNC_CORR_POST)
        return dnc_fail(DNC_EINVAL, "invalid correlation kind %d", (int)opts->corr);
    if (opts->algo < DNC_CONV_AUTO || opts->algo > DNC_CONV_DIRECT)
        return dnc_fail(DNC_EINVAL, "invalid convolution algorithm %d", (int)opts->algo);
    if (opts->net.sharing == DNC_CNN_LOCAL && opts->algo != DNC_CONV_AUTO)
        return dnc_fail(DNC_EINVAL,
                        "convolution algorithm '%s' applies to shared weights only: a locally "
                        "connected network has its own per-site loop (use auto)",
                        dnc_conv_algo_name(opts->algo));
    return DNC_OK;
}

static bool in_window(size_t v, size_t L, size_t w)
{
    size_t lo = (L - w) / 2;
    return v >= lo && v < lo + w;
}

dnc_status dnc_cnn_make_inputs(const dnc_cnn_opts *opts, double *X)
{
    dnc_status st = dnc_cnn_opts_validate(opts);
    if (st)
        return st;
    const dnc_cnn_config *net = &opts->net;
    size_t C0 = dnc_cnn_in_channels(net, 1), S = dnc_cnn_sites(net), B = opts->batch;
    size_t Lx = net->size_x, Ly = dnc_cnn_size_y(net), w = opts->perturb_width;
    double sq = sqrt(opts->input_q), cs = sqrt(opts->input_c), cn = sqrt(1 - opts->input_c);
    double *g = malloc(S * sizeof *g), *e = malloc(S * sizeof *e);
    if (!g || !e) {
        free(g);
        free(e);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu input sites", S);
    }
    for (size_t i = 0; i < C0; i++) {
        dnc_normal_fill(net->seed, DNC_STREAM_INPUT, 0, (uint32_t)i, g, S);
        for (size_t b = 0; b < B; b++) {
            dnc_normal_fill(net->seed, DNC_STREAM_INPUT, (uint32_t)(b + 1), (uint32_t)i, e, S);
            double *x = X + (b * C0 + i) * S;
            for (size_t s = 0; s < S; s++) {
                bool inside = w == 0 || (in_window(s % Lx, Lx, w) &&
                                         (net->dims == 1 || in_window(s / Lx, Ly, w)));
                x[s] = inside ? sq * (cs * g[s] + cn * e[s]) : sq * g[s];
            }
        }
    }
    free(g);
    free(e);
    return DNC_OK;
}

void dnc_cnn_result_free(dnc_cnn_result *res)
{
    if (!res)
        return;
    free(res->q);
    free(res->c);
    free(res->rho);
    free(res->active);
    memset(res, 0, sizeof *res);
}

typedef struct {
    double *x;     /* B x C_0 x S inputs */
    double *h;     /* B x C x S current pre-activations */
    double *a;     /* phi(h) */
    double *f;     /* next layer / residual branch */
    double *u;     /* phi(BN(.)): a block's convolution input (norm or two convolutions) */
    double *W, *bias, *work, *rho_x;
} cnn_buffers;

static void buffers_free(cnn_buffers *bf)
{
    free(bf->x);
    free(bf->h);
    free(bf->a);
    free(bf->f);
    free(bf->u);
    free(bf->W);
    free(bf->bias);
    free(bf->work);
    free(bf->rho_x);
}

static dnc_conv_shape layer_shape(const dnc_cnn_config *net, size_t layer)
{
    dnc_conv_shape sh = {.dims = net->dims,
                         .in_channels = dnc_cnn_in_channels(net, layer),
                         .out_channels = net->channels,
                         .kernel = net->kernel,
                         .size_x = net->size_x,
                         .size_y = dnc_cnn_size_y(net)};
    return sh;
}

static dnc_status buffers_alloc(const dnc_cnn_opts *opts, cnn_buffers *bf)
{
    const dnc_cnn_config *net = &opts->net;
    size_t B = opts->batch, C = net->channels, S = dnc_cnn_sites(net);
    size_t C0 = dnc_cnn_in_channels(net, 1), T = dnc_cnn_taps(net);
    size_t cmax = C0 > C ? C0 : C;
    dnc_conv_shape s1 = layer_shape(net, 1), s2 = layer_shape(net, 2);
    size_t w1 = dnc_conv_workspace(&s1, opts->algo), w2 = dnc_conv_workspace(&s2, opts->algo);
    size_t nwork = w1 > w2 ? w1 : w2;
    memset(bf, 0, sizeof *bf);
    if (!opts->inputs)
        bf->x = malloc(B * C0 * S * sizeof(double));
    bf->h = malloc(B * C * S * sizeof(double));
    bf->a = malloc(B * C * S * sizeof(double));
    bf->f = malloc(B * C * S * sizeof(double));
    bool need_u = net->norm != DNC_CNN_NORM_NONE || net->block == 2;
    if (need_u)
        bf->u = malloc(B * C * S * sizeof(double));
    bf->W = malloc(C * cmax * T * sizeof(double));
    bf->bias = malloc(C * sizeof(double));
    bf->work = nwork ? malloc(nwork * sizeof(double)) : NULL;
    bf->rho_x = malloc(S * sizeof(double));
    if ((!opts->inputs && !bf->x) || !bf->h || !bf->a || !bf->f || (need_u && !bf->u) ||
        !bf->W || !bf->bias ||
        (nwork && !bf->work) || !bf->rho_x) {
        buffers_free(bf);
        return dnc_fail(DNC_ENOMEM, "out of memory for a CNN with B = %zu, C = %zu, %zu sites",
                        B, C, S);
    }
    return DNC_OK;
}

static dnc_status result_alloc(size_t depth, size_t S, dnc_cnn_result *res)
{
    memset(res, 0, sizeof *res);
    res->depth = depth;
    res->sites = S;
    res->q = calloc(depth, sizeof(double));
    res->c = calloc(depth, sizeof(double));
    res->rho = calloc(depth, sizeof(double));
    res->active = calloc(depth, sizeof(double));
    if (!res->q || !res->c || !res->rho || !res->active) {
        dnc_cnn_result_free(res);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu layers", depth);
    }
    return DNC_OK;
}

/* out = W * input + b with convolution `conv` of layer `layer` (shared or
 * local weights); adds its flops. */
static dnc_status conv_into(const dnc_cnn_opts *opts, size_t layer, size_t conv,
                            const double *input, double *out, cnn_buffers *bf, double *flops)
{
    const dnc_cnn_config *net = &opts->net;
    dnc_conv_shape sh = layer_shape(net, layer);
    dnc_status st;
    if (net->sharing == DNC_CNN_LOCAL) {
        st = conv_local(net, layer, conv, input, opts->batch, out);
    } else {
        dnc_cnn_block_weights(net, layer, conv, bf->W);
        dnc_cnn_block_bias(net, layer, conv, bf->bias);
        st = dnc_conv_forward(&sh, opts->algo, bf->W, net->sigma_b > 0 ? bf->bias : NULL, input,
                              opts->batch, out, bf->work);
    }
    *flops += dnc_conv_flops(&sh, opts->batch);
    return st;
}

/* out = phi(BN(v)) over the batch (out may be v). */
static dnc_status norm_act(const dnc_cnn_opts *opts, const double *v, double *out)
{
    const dnc_cnn_config *net = &opts->net;
    size_t B = opts->batch, C = net->channels, S = dnc_cnn_sites(net);
    dnc_status st = dnc_cnn_batch_norm(net->norm, v, B, C, S, out);
    if (!st)
        dnc_phi_array(net->activation, out, out, NULL, B * C * S);
    return st;
}

/* One layer (cnn.h): f = F^l(h^{l-1}), the stem W^1 * x + b^1 for layer 1,
 * the block (one or two convolutions, each after phi(BN(.))) for l >= 2; then
 * h = f (plain) or h += alpha f (residual; layer 1 only when C_0 = C, with
 * h^0 = x). Without normalisation phi(h) is bf->a, computed by observe_layer. */
static dnc_status forward_layer(const dnc_cnn_opts *opts, size_t layer, const double *x,
                                cnn_buffers *bf, double *flops)
{
    const dnc_cnn_config *net = &opts->net;
    size_t n = opts->batch * net->channels * dnc_cnn_sites(net);
    const double *input = layer == 1 ? x : bf->a;
    dnc_status st = DNC_OK;
    if (layer > 1 && net->norm != DNC_CNN_NORM_NONE) {
        st = norm_act(opts, bf->h, bf->u);
        input = bf->u;
    }
    if (!st)
        st = conv_into(opts, layer, 0, input, bf->f, bf, flops);
    if (!st && layer > 1 && net->block == 2) {
        st = norm_act(opts, bf->f, bf->u);
        if (!st)
            st = conv_into(opts, layer, 1, bf->u, bf->f, bf, flops);
    }
    if (st)
        return st;
    if (net->residual && dnc_cnn_in_channels(net, layer) == net->channels) {
        double alpha = net->residual_alpha;
        if (layer == 1) /* residual around the input too, as propagate.c does when N0 = N */
            memcpy(bf->h, x, n * sizeof *bf->h);
        for (size_t j = 0; j < n; j++)
            bf->h[j] += alpha * bf->f[j];
    } else {
        double *t = bf->h;
        bf->h = bf->f;
        bf->f = t;
    }
    return DNC_OK;
}

/* The damage cut-off: every site with 0 < rho(x) < eps takes input 0's
 * state (h and phi(h), all channels) in every input b > 0, so rho(x) = 0
 * there exactly; rho_x is updated to match. */
static void cut_damage(const dnc_cnn_opts *opts, cnn_buffers *bf)
{
    size_t B = opts->batch, C = opts->net.channels, S = dnc_cnn_sites(&opts->net);
    double eps = opts->damage_cutoff;
    for (size_t s = 0; s < S; s++) {
        if (!(bf->rho_x[s] > 0 && bf->rho_x[s] < eps))
            continue;
        for (size_t b = 1; b < B; b++)
            for (size_t c = 0; c < C; c++) {
                bf->h[(b * C + c) * S + s] = bf->h[c * S + s];
                bf->a[(b * C + c) * S + s] = bf->a[c * S + s];
            }
        bf->rho_x[s] = 0;
    }
}

/* The observables of layer `layer`, after the damage cut-off when it is on:
 * q, rho, active and what the observers see all describe the state that the
 * next layer receives. With the cut-off on, a site is active when its damage
 * is nonzero (then rho(x) >= eps >= threshold). */
static dnc_status observe_layer(const dnc_cnn_opts *opts, size_t layer, cnn_buffers *bf,
                                dnc_cnn_result *res)
{
    const dnc_cnn_config *net = &opts->net;
    size_t B = opts->batch, C = net->channels, S = dnc_cnn_sites(net), n = B * C * S;
    dnc_phi_array(net->activation, bf->h, bf->a, NULL, n);
    for (size_t j = 0; j < n; j++)
        if (!isfinite(bf->h[j]))
            return dnc_fail(DNC_ENUM, "non-finite pre-activation at layer %zu (sigma_w too large?)",
                            layer);
    size_t l = layer - 1;
    const double *v = opts->corr == DNC_CORR_POST ? bf->a : bf->h;
    dnc_status st = dnc_cnn_site_rho(v, B, C, S, opts->threshold, bf->rho_x, &res->rho[l],
                                     &res->active[l]);
    if (!st && opts->damage_cutoff > 0) {
        cut_damage(opts, bf);
        site_summary(bf->rho_x, S, 0.0, &res->rho[l], &res->active[l]);
    }
    res->q[l] = mean_square(bf->h, C * S, B);
    res->c[l] = 1.0 - res->rho[l];
    if (!st && opts->observer)
        st = opts->observer(opts->observer_ctx, layer, bf->h, B, C * S);
    if (!st && opts->site_observer)
        st = opts->site_observer(opts->site_observer_ctx, layer, bf->rho_x, S);
    return st;
}

static dnc_status check_user_inputs(const double *x, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (!isfinite(x[j]))
            return dnc_fail(DNC_EINVAL, "input value %zu is not a finite number", j);
    return DNC_OK;
}

dnc_status dnc_cnn_propagate(const dnc_cnn_opts *opts, dnc_cnn_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = dnc_cnn_opts_validate(opts);
    if (st)
        return st;
    const dnc_cnn_config *net = &opts->net;
    size_t S = dnc_cnn_sites(net), nin = opts->batch * dnc_cnn_in_channels(net, 1) * S;
    if (opts->inputs && (st = check_user_inputs(opts->inputs, nin)))
        return st;
    cnn_buffers bf;
    if ((st = buffers_alloc(opts, &bf)))
        return st;
    if ((st = result_alloc(net->depth, S, res))) {
        buffers_free(&bf);
        return st;
    }
    double t0 = dnc_wall_time();
    const double *x = opts->inputs;
    if (!x) {
        st = dnc_cnn_make_inputs(opts, bf.x);
        x = bf.x;
    }
    for (size_t layer = 1; !st && layer <= net->depth; layer++) {
        st = forward_layer(opts, layer, x, &bf, &res->flops);
        if (!st)
            st = observe_layer(opts, layer, &bf, res);
    }
    res->seconds = dnc_wall_time() - t0;
    buffers_free(&bf);
    if (st)
        dnc_cnn_result_free(res);
    return st;
}
