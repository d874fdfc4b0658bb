/* Multispin (bit-parallel) lattice DP: 64 sites per uint64_t word.
 *
 * The models are those of dp.c (a site with n active parents becomes active
 * when a uniform 32-bit word U is below thr[n]), run 64 sites at a time:
 *  - the parent words come by shifts (right neighbour x + 1: w >> 1 with the
 *    next word's bit 0 shifted in; the ring closes through the last, partial
 *    word), and the number of active parents is bit-sliced into one class
 *    mask per n (n = 1, 2 in 1+1; 1..4 in 2+1 by a bit-sliced adder);
 *  - U < thr[n] is decided bit-serially from the most significant bit: step
 *    j takes one random word u_j whose bits are fair coins, the threshold
 *    word T_j has, in each lane, bit 31 - j of that lane's thr[n]; a lane
 *    whose bit differs from T_j is decided (active where T_j = 1, u_j = 0),
 *    the others stay undecided. After 32 equal bits U = thr[n]: inactive.
 *    So each site is active with probability thr[n] / 2^32 exactly, the
 *    same 32-bit resolution as the scalar path (p is represented to 2^-32
 *    = 2.3e-10). A lane is undecided after j steps with probability 2^-j:
 *    a word of 64 lanes needs about log2(64) + 1.3 = 7.3 random words on
 *    average instead of 32, and lanes without active parents need none.
 *  - Random words: Philox4x32-10 block (word index, run, t, stream(c)) under
 *    key seed gives u_{2c} (out[0], out[1]) and u_{2c+1} (out[2], out[3]),
 *    stream(c) = DNC_STREAM_SIM | (0x40 + c) << 24, word index = y * words
 *    per row + x / 64. Blocks are computed for a batch of undecided words at
 *    a time in a loop the compiler vectorises; every number is a pure
 *    function of its counter, so results depend on the seed only.
 * Distribution: the same as the scalar path (same thresholds, independent
 * uniforms per site and step); not the same numbers (other counters, and a
 * seed starts at site (L-1, L-1) instead of (0, 0), equivalent on the
 * periodic lattice). */
#include "analysis/dp_internal.h"

#include <math.h> /* rng_core.h */
#include <string.h>

#include "core/rng_core.h"
#include "dnncrit/rng.h"

enum { BLOCK = 256, LANES = 16, ROUNDS = 16 };

typedef struct {
    const dp_lattice_rule *r;
    size_t nw;          /* words per row */
    unsigned nb_last;   /* valid bits of a row's last word, 1..64 */
    uint64_t last_mask; /* those bits */
    uint64_t sure[5];   /* all ones where class n is active for sure (p_n = 1) */
    uint64_t live[5];   /* all ones where class n needs random bits (0 < p_n < 1) */
    uint64_t M[32][5];  /* M[j][n]: all ones where bit 31 - j of thr[n] is set */
    uint32_t k0, k1, run, t;
} ms_ctx;

/* The undecided words of one block, compacted (entry i is the i-th word
 * still undecided): class masks, result so far, undecided lanes, word index. */
typedef struct {
    uint64_t e[5][BLOCK]; /* class masks: exactly n active parents */
    uint64_t res[BLOCK], und[BLOCK];
    uint32_t widx[BLOCK];
    uint64_t ua[BLOCK], ub[BLOCK];
} ms_block;

size_t dnc_dp_multispin_words(const dp_lattice_rule *r)
{
    return (r->Lx + 63) / 64 * r->Ly;
}

static uint64_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (x * 0x0101010101010101ull) >> 56;
}

/* The two random words of the Philox block (c, run, t, stream). */
__attribute__((always_inline)) static inline void philox_words(uint32_t k0, uint32_t k1,
                                                               uint32_t c, uint32_t run,
                                                               uint32_t t, uint32_t stream,
                                                               uint64_t *ua, uint64_t *ub)
{
    uint32_t x[4] = {c, run, t, stream};
    philox10(k0, k1, x);
    *ua = (uint64_t)x[0] | (uint64_t)x[1] << 32;
    *ub = (uint64_t)x[2] | (uint64_t)x[3] << 32;
}

/* Philox blocks for counters (ctr[i], run, t, stream), i < n:
 * u_a = out[0] | out[1] << 32, u_b = out[2] | out[3] << 32. Groups of
 * LANES go through the vector loop, a rest of 4 or more as one padded
 * group, a shorter rest one by one (every block is a pure function of its
 * counter: the same numbers either way). */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void
philox_batch(uint32_t k0, uint32_t k1, uint32_t run, uint32_t t, uint32_t stream,
             const uint32_t *ctr, size_t n, uint64_t *ua, uint64_t *ub)
{
    size_t v = 0;
    for (; v + LANES <= n; v += LANES) {
#pragma omp simd
        for (int j = 0; j < LANES; j++)
            philox_words(k0, k1, ctr[v + (size_t)j], run, t, stream, &ua[v + (size_t)j],
                         &ub[v + (size_t)j]);
    }
    size_t rest = n - v;
    if (rest > 3) {
        uint32_t c[LANES] = {0};
        uint64_t a[LANES], b[LANES];
        memcpy(c, ctr + v, rest * sizeof *c);
#pragma omp simd
        for (int j = 0; j < LANES; j++)
            philox_words(k0, k1, c[j], run, t, stream, &a[j], &b[j]);
        memcpy(ua + v, a, rest * sizeof *a);
        memcpy(ub + v, b, rest * sizeof *b);
    } else {
        for (; v < n; v++)
            philox_words(k0, k1, ctr[v], run, t, stream, &ua[v], &ub[v]);
    }
}

/* Bit steps j = 2 round (random words ua) and 2 round + 1 (ub) on the n
 * entries: step j decides the lanes where u differs from T_j. Bit
 * operations only, so every clone gives the same bits. */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void
bit_steps(const ms_ctx *c, ms_block *b, size_t n, int round, int two_d)
{
    const uint64_t *M0 = c->M[2 * round], *M1 = c->M[2 * round + 1];
    uint64_t *restrict res = b->res, *restrict und = b->und;
    const uint64_t *restrict e1 = b->e[1], *restrict e2 = b->e[2], *restrict e3 = b->e[3],
                   *restrict e4 = b->e[4], *restrict ua = b->ua, *restrict ub = b->ub;
    if (two_d) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            uint64_t T = (e1[i] & M0[1]) | (e2[i] & M0[2]) | (e3[i] & M0[3]) | (e4[i] & M0[4]);
            uint64_t r = res[i] | (und[i] & T & ~ua[i]), u = und[i] & ~(T ^ ua[i]);
            T = (e1[i] & M1[1]) | (e2[i] & M1[2]) | (e3[i] & M1[3]) | (e4[i] & M1[4]);
            res[i] = r | (u & T & ~ub[i]);
            und[i] = u & ~(T ^ ub[i]);
        }
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            uint64_t T = (e1[i] & M0[1]) | (e2[i] & M0[2]);
            uint64_t r = res[i] | (und[i] & T & ~ua[i]), u = und[i] & ~(T ^ ua[i]);
            T = (e1[i] & M1[1]) | (e2[i] & M1[2]);
            res[i] = r | (u & T & ~ub[i]);
            und[i] = u & ~(T ^ ub[i]);
        }
    }
}

/* Decides the undecided lanes of the np entries of b, writes their words
 * to nxt and returns their active sites. */
static size_t resolve(const ms_ctx *c, ms_block *b, size_t np, int two_d, uint64_t *nxt)
{
    size_t active = 0;
    for (int round = 0; round < ROUNDS && np; round++) {
        uint32_t stream = (uint32_t)DNC_STREAM_SIM | (uint32_t)(0x40 + round) << 24;
        philox_batch(c->k0, c->k1, c->run, c->t, stream, b->widx, np, b->ua, b->ub);
        bit_steps(c, b, np, round, two_d);
        /* Branch-free: every entry is written to nxt (final once decided)
         * and copied to slot np2, which advances only past undecided ones. */
        size_t np2 = 0;
        for (size_t i = 0; i < np; i++) {
            uint64_t r = b->res[i], u = b->und[i];
            uint32_t wi = b->widx[i];
            nxt[wi] = r;
            active += popcount64(r) & (0 - (uint64_t)(u == 0));
            for (int n = 1; n <= (two_d ? 4 : 2); n++)
                b->e[n][np2] = b->e[n][i];
            b->res[np2] = r;
            b->und[np2] = u;
            b->widx[np2] = wi;
            np2 += u != 0;
        }
        np = np2;
    }
    /* lanes still undecided drew U = thr[n] in all 32 bits: inactive */
    for (size_t i = 0; i < np; i++) {
        nxt[b->widx[i]] = b->res[i];
        active += popcount64(b->res[i]);
    }
    return active;
}

/* The row's word w shifted by one site: bit i holds site x + 1 of bit i's x. */
static inline uint64_t right_of(const ms_ctx *c, const uint64_t *row, size_t w)
{
    if (w + 1 < c->nw)
        return (row[w] >> 1) | (row[w + 1] << 63);
    return (row[w] >> 1) | ((row[0] & 1) << (c->nb_last - 1));
}

/* One synchronous step of the words w >= w0 of the rows y >= y0 (the rest is
 * inactive and stays so). Returns the number of active sites. */
__attribute__((always_inline)) static inline size_t step(const ms_ctx *c, ms_block *b,
                                                         const uint64_t *cur, uint64_t *nxt,
                                                         size_t y0, size_t w0, int two_d)
{
    size_t nw = c->nw, Ly = c->r->Ly;
    size_t total = (Ly - y0) * (nw - w0);
    size_t y = y0, w = w0, active = 0;
    for (size_t f = 0; f < total; f += BLOCK) {
        size_t n = total - f < BLOCK ? total - f : BLOCK, np = 0;
        for (size_t k = 0; k < n; k++) {
            const uint64_t *row = cur + y * nw;
            uint64_t a = row[w], ar = right_of(c, row, w);
            uint64_t e1, e2, e3 = 0, e4 = 0;
            if (two_d) {
                const uint64_t *row2 = cur + (y + 1 == Ly ? 0 : y + 1) * nw;
                uint64_t d = row2[w], dr = right_of(c, row2, w);
                /* bit-sliced n = a + ar + d + dr = low + 2 t0 + 4 t1 */
                uint64_t s1 = a ^ ar, c1 = a & ar, s2 = d ^ dr, c2 = d & dr;
                uint64_t low = s1 ^ s2, c0 = s1 & s2;
                uint64_t t0 = c1 ^ c2 ^ c0, t1 = (c1 & c2) | (c0 & (c1 ^ c2));
                e1 = low & ~t0 & ~t1;
                e2 = t0 & ~low;
                e3 = t0 & low;
                e4 = t1;
            } else {
                e1 = a ^ ar;
                e2 = a & ar;
            }
            uint64_t res = (e1 & c->sure[1]) | (e2 & c->sure[2]) | (e3 & c->sure[3]) |
                           (e4 & c->sure[4]);
            uint64_t und = (e1 & c->live[1]) | (e2 & c->live[2]) | (e3 & c->live[3]) |
                           (e4 & c->live[4]);
            size_t wi = y * nw + w;
            if (und) {
                b->e[1][np] = e1;
                b->e[2][np] = e2;
                b->e[3][np] = e3;
                b->e[4][np] = e4;
                b->res[np] = res;
                b->und[np] = und;
                b->widx[np++] = (uint32_t)wi;
            } else {
                nxt[wi] = res;
                active += popcount64(res);
            }
            if (++w == nw) {
                w = w0;
                y++;
            }
        }
        active += resolve(c, b, np, two_d, nxt);
    }
    return active;
}

static size_t step_1d(const ms_ctx *c, ms_block *b, const uint64_t *cur, uint64_t *nxt, size_t w0)
{
    return step(c, b, cur, nxt, 0, w0, 0);
}

static size_t step_2d(const ms_ctx *c, ms_block *b, const uint64_t *cur, uint64_t *nxt,
                      size_t y0, size_t w0)
{
    return step(c, b, cur, nxt, y0, w0, 1);
}

static void ctx_init(ms_ctx *c, const dp_lattice_rule *r, uint32_t run)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->nw = (r->Lx + 63) / 64;
    c->nb_last = (unsigned)(r->Lx - 64 * (c->nw - 1));
    c->last_mask = c->nb_last == 64 ? ~0ull : (1ull << c->nb_last) - 1;
    for (int n = 1; n <= 4; n++) {
        c->sure[n] = r->thr_one[n] ? ~0ull : 0;
        c->live[n] = !r->thr_one[n] && r->thr[n] ? ~0ull : 0;
        for (int j = 0; j < 32; j++)
            c->M[j][n] = c->live[n] && (r->thr[n] >> (31 - j) & 1) ? ~0ull : 0;
    }
    c->k0 = (uint32_t)r->seed;
    c->k1 = (uint32_t)(r->seed >> 32);
    c->run = run;
}

double dnc_dp_multispin_run(const dp_lattice_rule *r, dp_accum *a, uint32_t run, size_t sample,
                            uint64_t *cur, uint64_t *nxt)
{
    const dnc_dp_opts *o = a->o;
    ms_ctx c;
    ctx_init(&c, r, run);
    ms_block b;
    size_t nw = c.nw, words = nw * r->Ly, x0, y0, active;
    memset(cur, 0, words * sizeof *cur);
    memset(nxt, 0, words * sizeof *nxt);
    if (o->init == DNC_DP_FULL) {
        for (size_t y = 0; y < r->Ly; y++) {
            for (size_t w = 0; w + 1 < nw; w++)
                cur[y * nw + w] = ~0ull;
            cur[y * nw + nw - 1] = c.last_mask;
        }
        x0 = y0 = 0;
        active = r->Lx * r->Ly;
    } else {
        /* the seed at (Lx - 1, Ly - 1): activity moves to lower x, y only, so
         * the window [x0, Lx) x [y0, Ly) holds it without wrapping */
        cur[words - 1] = 1ull << (c.nb_last - 1);
        x0 = r->Lx - 1;
        y0 = r->two_d ? r->Ly - 1 : 0;
        active = 1;
    }
    double visited = 0.0;
    size_t k = 0;
    dp_record(a, sample, k++, active);
    for (size_t t = 1; t <= o->tmax && active; t++) {
        if (x0 > 0)
            x0--;
        if (r->two_d && y0 > 0)
            y0--;
        c.t = (uint32_t)t;
        active = r->two_d ? step_2d(&c, &b, cur, nxt, y0, x0 / 64)
                          : step_1d(&c, &b, cur, nxt, x0 / 64);
        visited += (double)(r->Lx - x0) * (double)(r->Ly - y0);
        uint64_t *tmp = cur;
        cur = nxt;
        nxt = tmp;
        if (k < a->ntimes && a->times[k] == (double)t)
            dp_record(a, sample, k++, active);
    }
    return visited;
}
