/* The ensemble engine (engine.h): the batch's trajectories sampled from
 * their exact joint law over the ensemble of random MLPs, without drawing
 * a single weight (docs/ensemble.md).
 *
 * Given layer l's inputs A (the B inputs, then the tangent row), the rows
 * of W are iid N(0, sigma_w^2/n I) and b iid N(0, sigma_b^2), independent of
 * everything before, so the N units of layer l + 1 are iid across units:
 *   (h_1 .. h_B, tangent) ~ N(0, Sigma),
 *   Sigma = sigma_w^2/n A A^T + sigma_b^2 (1 on the input rows, 0 on the tangent).
 * With Sigma = L L^T and z_j N-vectors of standard normals, h_r = sum_j L_rj z_j
 * has exactly that law. Cost O(n B^2 + B^3 + N B^2) per layer, memory O(N B).
 *
 * Representation. Rows 1 .. B-1 of every multi-row buffer (A, H, the previous
 * H) hold the difference from row 0 (the damage), not the signal: upload and
 * download convert. In that basis the bias enters row 0 alone, identical
 * inputs give exactly zero rows (rho = 0 stays absorbing, bit for bit) and a
 * difference of 1e-300 keeps its digits (activations through dnc_phi_diff).
 *
 * Factorisation. The rows are normalised first (R = S^-1 Sigma S^-1 has a
 * unit diagonal), so tiny differences neither underflow when squared nor
 * make R ill-scaled; R is factored by a pivoted Cholesky that stops at its
 * numerical rank (the semidefinite case of LAPACK's dpstrf; GSL's pivoted
 * Cholesky requires definiteness), so coinciding or collinear rows are
 * exact.
 *
 * Determinism: the sums over a row are sequential (dnc_dot) and every unit's
 * numbers depend on its index alone (Philox normals keyed by (seed,
 * DNC_STREAM_ENSEMBLE, layer, factor column), addressed by offset), so any
 * thread count gives the same bits. */
#include "engines/engine.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/activation.h"
#include "dnncrit/observables.h"
#include "dnncrit/rng.h"

enum { MAX_PAIR_BUFFERS = 8, CHUNK = 4096 };

typedef struct {
    const double *p;
    size_t cols; /* row stride */
} pair_buffer;

typedef struct {
    size_t B, rows, N, kmax;
    double sigma_w, sigma_b;
    uint64_t seed;
    double *norm;  /* rows: norms of the rows of A */
    double *scale; /* rows: standard deviation of each row of H */
    double *R;     /* rows x rows: correlation of the rows of H */
    double *L;     /* rows x rows: R = L L^T, columns in pivot order */
    double *U;     /* rows x kmax: the normalised rows of A; scratch */
    double *Z;     /* rows x N: the unit noise; scratch */
    size_t rank;
    pair_buffer pairs[MAX_PAIR_BUFFERS];
    size_t npairs;
} ensemble_engine;

/* ------------------------------------------------------------ buffers */

static void ens_close(void *ctx)
{
    ensemble_engine *e = ctx;
    if (!e)
        return;
    free(e->norm);
    free(e->scale);
    free(e->R);
    free(e->L);
    free(e->U);
    free(e->Z);
    free(e);
}

static double *ens_alloc(void *ctx, size_t rows, size_t cols)
{
    ensemble_engine *e = ctx;
    size_t n = rows * cols;
    double *p = calloc(n > 0 ? n : 1, sizeof *p);
    if (!p) {
        dnc_fail(DNC_ENOMEM, "out of memory for %zu x %zu doubles", rows, cols);
        return NULL;
    }
    /* the batch's buffers hold rows 1..B-1 as differences from row 0 */
    if (rows == e->rows && e->B >= 2 && e->npairs < MAX_PAIR_BUFFERS)
        e->pairs[e->npairs++] = (pair_buffer){p, cols};
    return p;
}

static void ens_release(void *ctx, double *p)
{
    ensemble_engine *e = ctx;
    for (size_t i = 0; i < e->npairs; i++)
        if (e->pairs[i].p == p)
            e->pairs[i] = e->pairs[--e->npairs];
    free(p);
}

/* The row stride of a buffer in pair form, 0 for any other. */
static size_t pair_stride(const ensemble_engine *e, const double *p)
{
    for (size_t i = 0; i < e->npairs; i++)
        if (e->pairs[i].p == p)
            return e->pairs[i].cols;
    return 0;
}

/* sign -1: signals -> differences from row 0; +1: back. Rows 1..B-1 of the
 * first n numbers (the tangent row, at B, is a signal of its own). */
static void convert_pairs(const ensemble_engine *e, double *x, size_t ld, size_t n, double sign)
{
    size_t rows = n / ld < e->B ? n / ld : e->B;
    for (size_t b = 1; b < rows; b++)
        for (size_t i = 0; i < ld; i++)
            x[b * ld + i] += sign * x[i];
}

static dnc_status ens_upload(void *ctx, double *dst, const double *host, size_t n)
{
    ensemble_engine *e = ctx;
    memmove(dst, host, n * sizeof *dst);
    size_t ld = pair_stride(e, dst);
    if (ld)
        convert_pairs(e, dst, ld, n, -1.0);
    return DNC_OK;
}

static dnc_status ens_download(void *ctx, double *host, const double *src, size_t n)
{
    ensemble_engine *e = ctx;
    memmove(host, src, n * sizeof *host);
    size_t ld = pair_stride(e, src);
    if (ld)
        convert_pairs(e, host, ld, n, +1.0);
    return DNC_OK;
}

static dnc_status ens_copy(void *ctx, double *dst, const double *src, size_t n)
{
    (void)ctx;
    memmove(dst, src, n * sizeof *dst);
    return DNC_OK;
}

/* ------------------------------------------------------ factorisation */

/* |x| without underflow or overflow of the squares (tiny differences). */
static double robust_norm(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    if (m == 0 || !isfinite(m))
        return m;
    double inv = 1.0 / m, s = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i] * inv;
        s += v * v;
    }
    return m * sqrt(s);
}

/* The correlation R of the rows of h = W A + b (bias on row 0 only) and their
 * standard deviations scale[], from A (rows x K, stride lda). */
static void layer_covariance(ensemble_engine *e, const double *A, size_t lda, size_t K)
{
    size_t m = e->rows;
    double sw = e->sigma_w / sqrt((double)K);
    for (size_t r = 0; r < m; r++) {
        const double *a = A + r * lda;
        double *u = e->U + r * e->kmax, n = robust_norm(a, K);
        e->norm[r] = n;
        for (size_t i = 0; i < K; i++)
            u[i] = n > 0 ? a[i] / n : 0.0;
        e->scale[r] = sw * n;
    }
    e->scale[0] = hypot(sw * e->norm[0], e->sigma_b);
    for (size_t r = 0; r < m; r++)
        for (size_t s = 0; s <= r; s++) {
            double v = r == s ? 1.0 : dnc_dot(e->U + r * e->kmax, e->U + s * e->kmax, K);
            if (s == 0 && r != 0) /* row 0's share of its variance that is not bias */
                v *= e->scale[0] > 0 ? sw * e->norm[0] / e->scale[0] : 0.0;
            v = fmax(-1.0, fmin(1.0, v));
            e->R[r * m + s] = e->R[s * m + r] = v;
        }
}

/* R = L L^T by outer products with the largest remaining diagonal as pivot,
 * stopping when it falls below m eps (the rest of R is rounding): L's column k
 * belongs to the k-th pivot. Rows with zero scale take no part. Returns the
 * rank. */
static size_t pivoted_cholesky(ensemble_engine *e)
{
    size_t m = e->rows;
    double *S = e->R, *L = e->L, tol = (double)m * DBL_EPSILON;
    unsigned char done[64] = {0};
    memset(L, 0, m * m * sizeof *L);
    for (size_t r = 0; r < m; r++)
        done[r] = !(e->scale[r] > 0);
    size_t k = 0;
    for (; k < m; k++) {
        size_t p = m;
        for (size_t r = 0; r < m; r++)
            if (!done[r] && (p == m || S[r * m + r] > S[p * m + p]))
                p = r;
        if (p == m || !(S[p * m + p] > tol))
            break;
        double piv = sqrt(S[p * m + p]);
        done[p] = 1;
        L[p * m + k] = piv;
        for (size_t r = 0; r < m; r++)
            if (!done[r])
                L[r * m + k] = S[r * m + p] / piv;
        for (size_t r = 0; r < m; r++)
            for (size_t s = 0; s < m && !done[r]; s++)
                if (!done[s])
                    S[r * m + s] -= L[r * m + k] * L[s * m + k];
    }
    return k;
}

/* ---------------------------------------------------------- primitives */

/* H[r][i] = scale_r sum_j L_rj z_j[i] for the units of one chunk. */
static void sample_chunk(const ensemble_engine *e, size_t layer, size_t i0, size_t n, double *H,
                         size_t ldh)
{
    size_t m = e->rows, k = e->rank;
    for (size_t j = 0; j < k; j++)
        dnc_normal_fill_at(e->seed, DNC_STREAM_ENSEMBLE, (uint32_t)layer, (uint32_t)j, i0,
                           e->Z + j * e->N + i0, n);
    for (size_t r = 0; r < m; r++) {
        double *h = H + r * ldh + i0;
        for (size_t i = 0; i < n; i++)
            h[i] = 0.0;
        for (size_t j = 0; j < k; j++) {
            double c = e->scale[r] * e->L[r * m + j];
            const double *z = e->Z + j * e->N + i0;
            if (c != 0)
                for (size_t i = 0; i < n; i++)
                    h[i] += c * z[i];
        }
    }
}

static dnc_status ens_linear(void *ctx, const dnc_mlp_config *cfg, size_t layer,
                             const double *W_given, size_t rows, const double *A, size_t lda,
                             double *H, size_t ldh)
{
    ensemble_engine *e = ctx;
    if (W_given || rows != e->rows)
        return dnc_fail(DNC_EUNSUPPORTED, "the ensemble engine samples networks and takes no "
                                          "given weights");
    layer_covariance(e, A, lda, dnc_mlp_fan_in(cfg, layer));
    e->rank = pivoted_cholesky(e);
    long nchunks = (long)((e->N + CHUNK - 1) / CHUNK);
#pragma omp parallel for schedule(static) if (nchunks > 4)
    for (long c = 0; c < nchunks; c++) {
        size_t i0 = (size_t)c * CHUNK, n = e->N - i0 < CHUNK ? e->N - i0 : CHUNK;
        sample_chunk(e, layer, i0, n, H, ldh);
    }
    return DNC_OK;
}

/* The bias is inside linear's covariance; differences and the tangent are
 * linear, so the residual update applies to every row alike. */
static dnc_status ens_finish(void *ctx, double *H, const double *bias, const double *Hprev,
                             double alpha, size_t B, size_t rows, size_t N)
{
    (void)ctx;
    (void)bias;
    (void)B;
    if (Hprev)
        for (size_t i = 0; i < rows * N; i++)
            H[i] = Hprev[i] + alpha * H[i];
    return DNC_OK;
}

static void activate_chunk(const ensemble_engine *e, dnc_activation act, const double *H,
                           size_t rows, size_t i0, size_t n, double *A, size_t lda)
{
    size_t N = e->N, B = e->B;
    const double *h0 = H + i0;
    for (size_t i = 0; i < n; i++)
        A[i0 + i] = dnc_phi(act, h0[i]);
    for (size_t b = 1; b < B; b++)
        for (size_t i = 0; i < n; i++)
            A[b * lda + i0 + i] = dnc_phi_diff(act, h0[i], H[b * N + i0 + i]);
    if (rows > B)
        for (size_t i = 0; i < n; i++)
            A[B * lda + i0 + i] = dnc_dphi(act, h0[i]) * H[B * N + i0 + i];
}

static dnc_status ens_activate(void *ctx, dnc_activation act, const double *H, size_t B,
                               size_t rows, size_t N, double *A, size_t lda)
{
    ensemble_engine *e = ctx;
    (void)B;
    long nchunks = (long)((N + CHUNK - 1) / CHUNK);
#pragma omp parallel for schedule(static) if (nchunks > 4)
    for (long c = 0; c < nchunks; c++) {
        size_t i0 = (size_t)c * CHUNK, n = N - i0 < CHUNK ? N - i0 : CHUNK;
        activate_chunk(e, act, H, rows, i0, n, A, lda);
    }
    return DNC_OK;
}

static dnc_status ens_all_finite(void *ctx, const double *x, size_t n, bool *finite)
{
    (void)ctx;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !isfinite(x[i]);
    *finite = bad == 0;
    return DNC_OK;
}

/* 1 - cos(x, x + d) without cancellation, for |d| down to ~1e-300 |x|.
 * With delta = (|x + d| - |x|) / |x| = (2 x.d + |d|^2) / ((|x| + |x + d|) |x|),
 * u_x - u_{x+d} = (delta x - d) / |x + d|, and 1 - cos = |u_x - u_{x+d}|^2 / 2.
 * d is scaled by its largest entry s so that no square underflows. */
static double one_minus_cos(const double *x, const double *d, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s = fmax(s, fabs(d[i]));
    double xx = dnc_dot(x, x, n);
    if (s == 0)
        return xx > 0 ? 0.0 : NAN;
    double inv = 1.0 / s, xd = 0, dd = 0;
    for (size_t i = 0; i < n; i++) {
        double v = d[i] * inv;
        xd += x[i] * v;
        dd += v * v;
    }
    double nx = sqrt(xx), ny2 = xx + s * (2 * xd + s * dd);
    if (!(nx > 0) || !(ny2 > 0))
        return NAN;
    double ny = sqrt(ny2), delta_s = (2 * xd + s * dd) / ((nx + ny) * nx), ww = 0;
    for (size_t i = 0; i < n; i++) {
        double w = x[i] * delta_s - d[i] * inv;
        ww += w * w;
    }
    double ratio = s * sqrt(ww) / ny;
    return 0.5 * ratio * ratio;
}

/* norms2 and the mean over pairs of 1 - cos for rows in pair form (row 0 a
 * signal, rows 1.. its differences); a single row is a plain signal. */
static dnc_status ens_pair_stats(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                                 double *norms2, double *rho)
{
    ensemble_engine *e = ctx;
    if (rows == 1 || rows > e->B) {
        for (size_t r = 0; norms2 && r < rows; r++)
            norms2[r] = dnc_dot(Y + r * ld, Y + r * ld, N);
        if (rho)
            *rho = NAN;
        return DNC_OK;
    }
    double *xa = e->Z, *d = e->Z + N, sum = 0;
    for (size_t a = 0; a < rows; a++) {
        for (size_t i = 0; i < N; i++)
            xa[i] = a == 0 ? Y[i] : Y[i] + Y[a * ld + i];
        if (norms2)
            norms2[a] = dnc_dot(xa, xa, N);
        for (size_t b = a + 1; rho && b < rows; b++) {
            for (size_t i = 0; i < N; i++)
                d[i] = a == 0 ? Y[b * ld + i] : Y[b * ld + i] - Y[a * ld + i];
            sum += one_minus_cos(xa, d, N);
        }
    }
    if (rho)
        *rho = sum / ((double)rows * (double)(rows - 1) / 2);
    return DNC_OK;
}

static dnc_status ens_gram_stats(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                                 double *norms2, double *cosine)
{
    double rho = NAN;
    dnc_status st = ens_pair_stats(ctx, Y, rows, N, ld, norms2, cosine ? &rho : NULL);
    if (cosine)
        *cosine = 1 - rho;
    return st;
}

static dnc_status ens_divide(void *ctx, double *x, size_t n, double s)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        x[i] /= s;
    return DNC_OK;
}

dnc_status dnc_ensemble_engine_check(const dnc_propagate_opts *o)
{
    if (o->provider)
        return dnc_fail(DNC_EUNSUPPORTED,
                        "the ensemble engine samples the ensemble of random networks and has no "
                        "weights: a given or trained network needs --engine explicit");
    if (o->device != DNC_DEVICE_CPU)
        return dnc_fail(DNC_EUNSUPPORTED,
                        "the ensemble engine runs on the CPU only: use --device cpu with "
                        "--engine ensemble");
    if (o->batch + 1 > 64)
        return dnc_fail(DNC_EUNSUPPORTED,
                        "the ensemble engine takes at most 63 inputs (its cost grows as B^2 "
                        "per unit), got %zu",
                        o->batch);
    return DNC_OK;
}

dnc_status dnc_ensemble_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o)
{
    return dnc_ensemble_engine_open_variant(ops, o, DNC_ENSEMBLE_EXACT);
}

dnc_status dnc_ensemble_engine_open_variant(dnc_engine_ops *ops, const dnc_propagate_opts *o,
                                            dnc_ensemble_variant variant)
{
    memset(ops, 0, sizeof *ops);
    dnc_status st = dnc_ensemble_engine_check(o);
    if (st)
        return st;
    size_t N = o->net.width, n0 = dnc_mlp_input_width(&o->net);
    ensemble_engine *e = calloc(1, sizeof *e);
    if (e) {
        e->B = o->batch;
        e->rows = o->batch + (o->lyapunov ? 1 : 0);
        e->N = N;
        e->kmax = n0 > N ? n0 : N;
        e->sigma_w = o->net.sigma_w;
        e->sigma_b = variant == DNC_ENSEMBLE_WRONG_NO_BIAS ? 0.0 : o->net.sigma_b;
        e->seed = o->net.seed;
        size_t m = e->rows, zrows = m > 2 ? m : 2;
        e->norm = malloc(m * sizeof *e->norm);
        e->scale = malloc(m * sizeof *e->scale);
        e->R = malloc(m * m * sizeof *e->R);
        e->L = malloc(m * m * sizeof *e->L);
        e->U = malloc(m * e->kmax * sizeof *e->U);
        e->Z = malloc(zrows * N * sizeof *e->Z);
    }
    if (!e || !e->norm || !e->scale || !e->R || !e->L || !e->U || !e->Z) {
        ens_close(e);
        return dnc_fail(DNC_ENOMEM, "out of memory for the ensemble engine (width %zu, batch %zu)",
                        N, o->batch);
    }
    snprintf(ops->description, sizeof ops->description,
             "CPU (ensemble engine: exact sampling over random networks, no weights)");
    ops->ctx = e;
    ops->alloc = ens_alloc;
    ops->release = ens_release;
    ops->upload = ens_upload;
    ops->download = ens_download;
    ops->copy = ens_copy;
    ops->linear = ens_linear;
    ops->finish = ens_finish;
    ops->activate = ens_activate;
    ops->all_finite = ens_all_finite;
    ops->gram_stats = ens_gram_stats;
    ops->pair_stats = ens_pair_stats;
    ops->divide = ens_divide;
    ops->bias_in_linear = true;
    ops->close = ens_close;
    return DNC_OK;
}
