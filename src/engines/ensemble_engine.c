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
 * Determinism: every sum over units is cut into chunks of CHUNK units at
 * fixed offsets, each chunk summed in a fixed order (dnc_dot's four lanes or
 * an `omp simd` reduction, an order set by the binary), the chunks' partial
 * sums added in chunk order; every unit's numbers depend on its index alone
 * (Philox normals keyed by (seed, DNC_STREAM_ENSEMBLE, layer, factor column),
 * addressed by offset). So any thread count gives the same bits.
 *
 * Cost (bench/run_ensemble.sh, README "Ensemble engine benchmark"): per unit
 * and layer, `rank` normals, rows x rank multiply-adds (sample_chunk), one
 * libm call per row (dnc_phi_diff_rows shares the work on row 0 among the
 * differences), the Gram matrix of the layer's inputs (one pass, unscaled
 * unless a row's norm leaves the safe range) and, for rho, one pass over the
 * B (B - 1) / 2 pairs (a second only for pairs whose difference lies along
 * the signal, ens_pair_stats). */
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

/* CHUNK: the units of one task; a loop runs on several threads only where
 * it spans more than PAR_CHUNKS chunks or PAR_WORK numbers (below, a
 * parallel region's start and barrier cost more than they save, worse so on
 * a loaded machine). */
enum { MAX_PAIR_BUFFERS = 8, CHUNK = 4096, PAR_CHUNKS = 4, PAR_WORK = 1 << 20 };

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
    double *part;  /* per-chunk partial sums and maxima, summed in chunk order */
    double *zero;  /* CHUNK zeros: row 0's "difference from row 0" */
    struct pair_info *pairs_info; /* B (B - 1) / 2 */
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
    free(e->part);
    free(e->zero);
    free(e->pairs_info);
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

/* Every sum over units is taken in chunks of CHUNK units, each chunk's sum
 * sequential (dnc_dot's four lanes), the chunks' partial sums then added in
 * chunk order: the chunks run on any threads, the bits stay the same. */
static size_t nchunks_of(size_t n)
{
    return (n + CHUNK - 1) / CHUNK;
}

/* Whether a loop over nch chunks touching `work` numbers goes parallel. */
static bool worth_threads(size_t nch, double work)
{
    return nch > PAR_CHUNKS && work > PAR_WORK;
}

static double max_abs(const double *x, size_t n)
{
    double m = 0;
#pragma omp simd reduction(max : m)
    for (size_t i = 0; i < n; i++) {
        double v = fabs(x[i]);
        m = v > m ? v : m;
    }
    return m;
}

/* The Gram matrix G (packed lower triangle, m (m + 1) / 2) of the rows of A
 * (m x K, stride lda), each row r multiplied by c[r] (a power of 2: exact;
 * the scaled rows go to U), or unscaled where c is NULL; summed chunk by
 * chunk into G = e->part (the totals overwrite chunk 0's partials). */
static double *gram(ensemble_engine *e, const double *A, size_t lda, size_t K, const double *c,
                    bool par)
{
    size_t m = e->rows, ng = m * (m + 1) / 2, per = m + ng;
    long nch = (long)nchunks_of(K);
    double *part = e->part;
#pragma omp parallel for schedule(static) if (par)
    for (long ch = 0; ch < nch; ch++) {
        size_t i0 = (size_t)ch * CHUNK, n = K - i0 < CHUNK ? K - i0 : CHUNK, ld = lda;
        double *g = part + (size_t)ch * per + m;
        const double *X = A + i0;
        if (c) {
            for (size_t r = 0; r < m; r++) {
                const double *a = A + r * lda + i0;
                double *u = e->U + r * e->kmax + i0;
                for (size_t i = 0; i < n; i++)
                    u[i] = a[i] * c[r];
            }
            X = e->U + i0, ld = e->kmax;
        }
        for (size_t r = 0, k = 0; r < m; r++)
            for (size_t q = 0; q <= r; q++, k++)
                g[k] = dnc_dot(X + r * ld, X + q * ld, n);
    }
    for (size_t k = 0; k < ng; k++) {
        double t = 0;
        for (long ch = 0; ch < nch; ch++)
            t += part[(size_t)ch * per + m + k];
        part[k] = t;
    }
    return part;
}

/* The correlation R of the rows of h = W A + b (bias on row 0 only) and their
 * standard deviations scale[], from A (rows x K, stride lda): R_rs = G_rs /
 * sqrt(G_rr G_ss) from the Gram matrix G of A's rows. Where a row's |a|^2
 * leaves [1e-270, 1e270] (tiny differences), its squares could underflow
 * (or overflow): then every row is scaled first by the power of 2 that brings
 * its largest entry into [1, 2). */
static void layer_covariance(ensemble_engine *e, const double *A, size_t lda, size_t K)
{
    size_t m = e->rows, ng = m * (m + 1) / 2, per = m + ng;
    long nch = (long)nchunks_of(K);
    double sw = e->sigma_w / sqrt((double)K), *part = e->part, c[64];
    bool par = worth_threads((size_t)nch, (double)(m + ng) * (double)K), safe = true;
    double *G = gram(e, A, lda, K, NULL, par);
    for (size_t r = 0; r < m; r++) {
        double g = G[r * (r + 1) / 2 + r];
        safe = safe && g >= 1e-270 && g <= 1e270;
        c[r] = 1.0;
    }
    if (!safe) {
#pragma omp parallel for schedule(static) if (par)
        for (long ch = 0; ch < nch; ch++) {
            size_t i0 = (size_t)ch * CHUNK, n = K - i0 < CHUNK ? K - i0 : CHUNK;
            for (size_t r = 0; r < m; r++)
                part[(size_t)ch * per + r] = max_abs(A + r * lda + i0, n);
        }
        for (size_t r = 0; r < m; r++) {
            double amax = 0;
            for (long ch = 0; ch < nch; ch++)
                amax = fmax(amax, part[(size_t)ch * per + r]);
            c[r] = amax > 0 && isfinite(amax) ? ldexp(1.0, -ilogb(amax)) : 1.0;
        }
        G = gram(e, A, lda, K, c, par);
    }
    double root[64];
    for (size_t r = 0; r < m; r++) {
        root[r] = sqrt(G[r * (r + 1) / 2 + r]);
        e->norm[r] = root[r] / c[r];
        e->scale[r] = sw * e->norm[r];
    }
    e->scale[0] = hypot(sw * e->norm[0], e->sigma_b);
    for (size_t r = 0; r < m; r++)
        for (size_t q = 0; q <= r; q++) {
            double v = 1.0;
            if (r != q)
                v = root[r] > 0 && root[q] > 0 ? G[r * (r + 1) / 2 + q] / (root[r] * root[q]) : 0;
            if (q == 0 && r != 0) /* row 0's share of its variance that is not bias */
                v *= e->scale[0] > 0 ? sw * e->norm[0] / e->scale[0] : 0.0;
            v = fmax(-1.0, fmin(1.0, v));
            e->R[r * m + q] = e->R[q * m + r] = v;
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

/* H[r][i] = scale_r sum_j L_rj z_j[i] for the units of one chunk, in blocks
 * of SUB units so that a block of every z_j stays in the L1 cache while the
 * rows are formed (the same sums, in the same order, as unblocked). */
static void sample_chunk(const ensemble_engine *e, size_t layer, size_t i0, size_t n, double *H,
                         size_t ldh)
{
    enum { SUB = 256 };
    size_t m = e->rows, k = e->rank;
    for (size_t j = 0; j < k; j++)
        dnc_normal_fill_at(e->seed, DNC_STREAM_ENSEMBLE, (uint32_t)layer, (uint32_t)j, i0,
                           e->Z + j * e->N + i0, n);
    for (size_t b0 = 0; b0 < n; b0 += SUB) {
        size_t nb = n - b0 < SUB ? n - b0 : SUB;
        for (size_t r = 0; r < m; r++) {
            double *h = H + r * ldh + i0 + b0;
            for (size_t i = 0; i < nb; i++)
                h[i] = 0.0;
            for (size_t j = 0; j < k; j++) {
                double c = e->scale[r] * e->L[r * m + j];
                const double *z = e->Z + j * e->N + i0 + b0;
                if (c != 0) {
#pragma omp simd
                    for (size_t i = 0; i < nb; i++)
                        h[i] += c * z[i];
                }
            }
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
    long nchunks = (long)nchunks_of(e->N);
#pragma omp parallel for schedule(static) if (nchunks > PAR_CHUNKS)
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
    long n = (long)(rows * N);
    if (Hprev) {
#pragma omp parallel for schedule(static) if (worth_threads(nchunks_of((size_t)n), (double)n))
        for (long i = 0; i < n; i++)
            H[i] = Hprev[i] + alpha * H[i];
    }
    return DNC_OK;
}

/* Row 0 through phi, rows 1..B-1 through dnc_phi_diff_rows (the work on row
 * 0's x shared among them), the tangent through phi'(x). Z's first two rows
 * are the scratch (Z is free outside linear). */
static void activate_chunk(const ensemble_engine *e, dnc_activation act, const double *H,
                           size_t rows, size_t i0, size_t n, double *A, size_t lda)
{
    size_t N = e->N, B = e->B;
    double *work = e->Z + i0, *dy = rows > B ? e->Z + N + i0 : NULL;
    dnc_phi_diff_rows(act, H + i0, A + i0, dy, n, H + N + i0, N, A + lda + i0, lda, B - 1, work);
    if (dy)
        for (size_t i = 0; i < n; i++)
            A[B * lda + i0 + i] = dy[i] * H[B * N + i0 + i];
}

static dnc_status ens_activate(void *ctx, dnc_activation act, const double *H, size_t B,
                               size_t rows, size_t N, double *A, size_t lda)
{
    ensemble_engine *e = ctx;
    (void)B;
    long nchunks = (long)nchunks_of(N);
#pragma omp parallel for schedule(static) if (nchunks > PAR_CHUNKS)
    for (long c = 0; c < nchunks; c++) {
        size_t i0 = (size_t)c * CHUNK, n = N - i0 < CHUNK ? N - i0 : CHUNK;
        activate_chunk(e, act, H, rows, i0, n, A, lda);
    }
    return DNC_OK;
}

static dnc_status ens_all_finite(void *ctx, const double *x, size_t n, bool *finite)
{
    (void)ctx;
    long bad = 0, nn = (long)n;
#pragma omp parallel for schedule(static) reduction(+ : bad)                                   \
    if (worth_threads(nchunks_of(n), (double)n))
    for (long i = 0; i < nn; i++)
        bad += !isfinite(x[i]);
    *finite = bad == 0;
    return DNC_OK;
}

/* 1 - cos(x, x + d) without cancellation, for |d| down to ~1e-300 |x|.
 * With delta = (|x + d| - |x|) / |x| = (2 x.d + |d|^2) / ((|x| + |x + d|) |x|),
 * u_x - u_{x+d} = (delta x - d) / |x + d|, and 1 - cos = |u_x - u_{x+d}|^2 / 2.
 * d is scaled by its largest entry s so that no square underflows.
 *
 * For the pair (a, b) of rows in pair form, x = Y_0 + Y_a and d = Y_b - Y_a
 * (Y_a the zero row for a = 0) are formed on the fly. Two passes over the
 * units, each chunk-parallel and for all pairs at once: (1) |x_a|^2 per row
 * and per pair max|d|, x.d, |d|^2 (unscaled: squares of a d with max|d| in
 * [1e-140, 1e140] neither underflow nor overflow; a pair outside takes one
 * more pass scaled by 1/s); (2) |delta x - d/s|^2 per pair, only for the pairs
 * whose d lies so close to x's direction that the same number from the sums
 * of pass 1 would cancel (below). */
enum { S_MAX, S_XD, S_DD };
#define SAFE_LO 1e-140
#define SAFE_HI 1e140

/* The chunk sums below are `omp simd` reductions: the compiler keeps one
 * partial sum per vector lane and adds the lanes at the end, an order fixed
 * by the binary (its vector width), not by the thread count. */

/* |x|^2 of x = y0 + ya over n units. */
static double chunk_norm2(const double *y0, const double *ya, size_t n)
{
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++) {
        double x = y0[i] + ya[i];
        s += x * x;
    }
    return s;
}

/* max|d|, x.v and v.v for x = y0 + ya, d = yb - ya, v = d inv. */
static void chunk_pair_sums(const double *y0, const double *ya, const double *yb, size_t n,
                            double inv, double out[3])
{
    double m = 0, xd = 0, dd = 0;
#pragma omp simd reduction(max : m) reduction(+ : xd, dd)
    for (size_t i = 0; i < n; i++) {
        double x = y0[i] + ya[i], d = yb[i] - ya[i], a = fabs(d), v = d * inv;
        m = a > m ? a : m;
        xd += x * v;
        dd += v * v;
    }
    out[S_MAX] = m;
    out[S_XD] = xd;
    out[S_DD] = dd;
}

/* |x delta_s - d inv|^2. */
static double chunk_pair_ww(const double *y0, const double *ya, const double *yb, size_t n,
                            double delta_s, double inv)
{
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++) {
        double w = (y0[i] + ya[i]) * delta_s - (yb[i] - ya[i]) * inv;
        s += w * w;
    }
    return s;
}

typedef struct pair_info {
    size_t a, b;
    double s, xd_s, dd_s; /* max|d|, x.d / s, |d|^2 / s^2 */
    double delta_s, inv;  /* for pass 2; inv = 0: no pass 2 (the term is known) */
    double term;
} pair_info;

/* Row r (0 .. rows-1) of the chunk at i0: row 0 itself for r = 0 as "y0", the
 * difference rows otherwise; the zero row stands for row 0's difference. */
static const double *diff_row(const ensemble_engine *e, const double *Y, size_t ld, size_t r,
                              size_t i0)
{
    return r == 0 ? e->zero : Y + r * ld + i0;
}

/* norms2 and the mean over pairs of 1 - cos for rows in pair form (row 0 a
 * signal, rows 1.. its differences); a single row is a plain signal. */
static dnc_status ens_pair_stats(void *ctx, const double *Y, size_t rows, size_t N, size_t ld,
                                 double *norms2, double *rho)
{
    ensemble_engine *e = ctx;
    long nch = (long)nchunks_of(N);
    bool pair_form = rows >= 2 && rows <= e->B;
    size_t np = pair_form && rho ? rows * (rows - 1) / 2 : 0, per = rows + 3 * np;
    double *part = e->part;
    pair_info *pi = e->pairs_info;
    bool par = worth_threads((size_t)nch, (double)(rows + np) * (double)N);
    for (size_t a = 0, k = 0; a < rows; a++)
        for (size_t b = a + 1; k < np && b < rows; b++, k++)
            pi[k] = (pair_info){.a = a, .b = b};
    /* pass 1 */
#pragma omp parallel for schedule(static) if (par)
    for (long ch = 0; ch < nch; ch++) {
        size_t i0 = (size_t)ch * CHUNK, n = N - i0 < CHUNK ? N - i0 : CHUNK;
        double *p = part + (size_t)ch * per;
        if (!pair_form) {
            for (size_t r = 0; r < rows; r++)
                p[r] = chunk_norm2(Y + r * ld + i0, e->zero, n);
            continue;
        }
        for (size_t r = 0; r < rows; r++)
            p[r] = chunk_norm2(Y + i0, diff_row(e, Y, ld, r, i0), n);
        for (size_t k = 0; k < np; k++)
            chunk_pair_sums(Y + i0, diff_row(e, Y, ld, pi[k].a, i0),
                            diff_row(e, Y, ld, pi[k].b, i0), n, 1.0, p + rows + 3 * k);
    }
    double xx[64];
    for (size_t r = 0; r < rows; r++) {
        double t = 0;
        for (long ch = 0; ch < nch; ch++)
            t += part[(size_t)ch * per + r];
        xx[r] = t;
        if (norms2)
            norms2[r] = t;
    }
    if (!rho)
        return DNC_OK;
    if (!pair_form) {
        *rho = NAN;
        return DNC_OK;
    }
    bool rescale = false;
    for (size_t k = 0; k < np; k++) {
        double m = 0, xd = 0, dd = 0;
        for (long ch = 0; ch < nch; ch++) {
            const double *p = part + (size_t)ch * per + rows + 3 * k;
            m = p[S_MAX] > m ? p[S_MAX] : m;
            xd += p[S_XD];
            dd += p[S_DD];
        }
        pi[k].s = m;
        pi[k].xd_s = xd / m;
        pi[k].dd_s = dd / m / m;
        pi[k].inv = m > 0 ? 1.0 / m : 0.0;
        rescale |= m > 0 && (m < SAFE_LO || m > SAFE_HI);
    }
    if (rescale) { /* the pairs whose squares would leave the range, scaled */
#pragma omp parallel for schedule(static) if (par)
        for (long ch = 0; ch < nch; ch++) {
            size_t i0 = (size_t)ch * CHUNK, n = N - i0 < CHUNK ? N - i0 : CHUNK;
            double *p = part + (size_t)ch * per;
            for (size_t k = 0; k < np; k++)
                if (pi[k].s > 0 && (pi[k].s < SAFE_LO || pi[k].s > SAFE_HI))
                    chunk_pair_sums(Y + i0, diff_row(e, Y, ld, pi[k].a, i0),
                                    diff_row(e, Y, ld, pi[k].b, i0), n, pi[k].inv,
                                    p + rows + 3 * k);
        }
        for (size_t k = 0; k < np; k++) {
            if (!(pi[k].s > 0 && (pi[k].s < SAFE_LO || pi[k].s > SAFE_HI)))
                continue;
            double xd = 0, dd = 0;
            for (long ch = 0; ch < nch; ch++) {
                xd += part[(size_t)ch * per + rows + 3 * k + S_XD];
                dd += part[(size_t)ch * per + rows + 3 * k + S_DD];
            }
            pi[k].xd_s = xd;
            pi[k].dd_s = dd;
        }
    }
    size_t pass2 = 0;
    for (size_t k = 0; k < np; k++) {
        pair_info *q = pi + k;
        double x2 = xx[q->a], s = q->s;
        q->term = NAN;
        if (s == 0 || !isfinite(s)) {
            q->term = s == 0 && x2 > 0 ? 0.0 : NAN;
            q->inv = 0;
            continue;
        }
        double nx = sqrt(x2), ny2 = x2 + s * (2 * q->xd_s + s * q->dd_s);
        if (!(nx > 0) || !(ny2 > 0)) {
            q->inv = 0;
            continue;
        }
        double ny = sqrt(ny2), ds = (2 * q->xd_s + s * q->dd_s) / ((nx + ny) * nx);
        /* |delta x - d|^2 = delta^2 |x|^2 - 2 delta x.d + |d|^2 from the sums, where
         * it keeps at least 1/16 of the largest term: rounding then grows at most
         * 16-fold. Otherwise (d nearly along x) pass 2 sums its squares. */
        double t1 = ds * ds * x2, t2 = 2 * ds * q->xd_s, ww = t1 - t2 + q->dd_s;
        if (ww > (t1 + fabs(t2) + q->dd_s) / 16) {
            double ratio = s * sqrt(ww) / ny;
            q->term = 0.5 * ratio * ratio;
            q->inv = 0;
            continue;
        }
        q->delta_s = ds;
        q->term = ny; /* until pass 2 */
        pass2++;
    }
    if (pass2) {
#pragma omp parallel for schedule(static) if (par)
        for (long ch = 0; ch < nch; ch++) {
            size_t i0 = (size_t)ch * CHUNK, n = N - i0 < CHUNK ? N - i0 : CHUNK;
            double *p = part + (size_t)ch * np;
            for (size_t k = 0; k < np; k++)
                if (pi[k].inv > 0)
                    p[k] = chunk_pair_ww(Y + i0, diff_row(e, Y, ld, pi[k].a, i0),
                                         diff_row(e, Y, ld, pi[k].b, i0), n, pi[k].delta_s,
                                         pi[k].inv);
        }
    }
    double sum = 0;
    for (size_t k = 0; k < np; k++) {
        if (pi[k].inv > 0) {
            double ww = 0;
            for (long ch = 0; ch < nch; ch++)
                ww += part[(size_t)ch * np + k];
            double ratio = pi[k].s * sqrt(ww) / pi[k].term;
            pi[k].term = 0.5 * ratio * ratio;
        }
        sum += pi[k].term;
    }
    *rho = sum / (double)np;
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

/* The Gram matrix of the rows (rows (rows + 1) K) and the sampling (2 rows^2 N,
 * the factor applied to the unit noise); the Cholesky's rows^3 / 3 is noise. */
static double ens_linear_flops(size_t rows, size_t K, size_t N)
{
    double m = (double)rows;
    return m * (m + 1) * (double)K + 2 * m * m * (double)N;
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
        size_t np = m * (m - 1) / 2, per_cov = m + m * (m + 1) / 2, per_pairs = m + 3 * np;
        size_t per = per_cov > per_pairs ? per_cov : per_pairs;
        e->part = malloc(nchunks_of(e->kmax) * per * sizeof *e->part);
        e->zero = calloc(CHUNK, sizeof *e->zero);
        e->pairs_info = malloc((np > 0 ? np : 1) * sizeof *e->pairs_info);
    }
    if (!e || !e->norm || !e->scale || !e->R || !e->L || !e->U || !e->Z || !e->part ||
        !e->zero || !e->pairs_info) {
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
    ops->linear_flops = ens_linear_flops;
    ops->close = ens_close;
    return DNC_OK;
}
