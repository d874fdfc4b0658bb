/* The bulk normal generator, one function per instruction set.
 *
 * Philox4x32-10 is a 32 x 32 -> 64-bit multiply per word and round. The
 * compiler's own vectorisation of rng_core.h widens every word to 64 bits
 * and back; written with vpmuludq on even and odd lanes and a blend (the
 * AVX-512 path), or with each word in a 64-bit lane of its own (the AVX2
 * path), the Philox part runs about three times faster. The Box-Muller
 * transform repeats rng_core.h's normal_pair operation for operation
 * (multiplies and adds kept apart: this file is compiled in ISO C mode,
 * where GCC does not contract them), and the ziggurat's fast path is
 * rng_ziggurat.h's (its rejected lanes are redone by the scalar code), so
 * every path gives the same bits. */
#include "core/rng_simd.h"

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#define DNC_RNG_X86 1
#include <immintrin.h>
#endif

#include "core/cpu_features.h"
#include "core/rng_core.h"
#include "core/rng_ziggurat.h"

/* ---- portable: the compiler's loop over the shared scalar code ---- */

void dnc_normal_lanes_portable(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                               uint32_t b, uint32_t block0, size_t nvec, double *out)
{
    for (size_t v = 0; v < nvec; v++) {
        double z0[DNC_RNG_LANES], z1[DNC_RNG_LANES];
        uint32_t base = block0 + (uint32_t)(v * DNC_RNG_LANES);
#pragma omp simd
        for (int j = 0; j < DNC_RNG_LANES; j++)
            block_pair(k0, k1, stream, a, b, base + (uint32_t)j, &z0[j], &z1[j]);
        double *o = out + v * 2 * DNC_RNG_LANES;
        for (int j = 0; j < DNC_RNG_LANES; j++) {
            o[2 * j] = z0[j];
            o[2 * j + 1] = z1[j];
        }
    }
}

void dnc_ziggurat_lanes_portable(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                                 uint32_t b, uint32_t block0, size_t nvec, double *out)
{
    for (size_t j = 0; j < nvec * DNC_RNG_LANES; j++)
        zig_block_pair(k0, k1, stream, a, b, block0 + (uint32_t)j, &out[2 * j], &out[2 * j + 1]);
}

#ifdef DNC_RNG_X86
/* Redoes, one element at a time, the elements of a vector step whose
 * rectangle test failed (bit j of `rejected`: element first + 2 j). */
static void zig_fix(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                    uint32_t first, unsigned rejected, const uint32_t *hi, const uint32_t *lo,
                    double *out)
{
    for (int j = 0; rejected; j++, rejected >>= 1)
        if (rejected & 1u)
            out[2 * j] = dnc_zig_rejected(k0, k1, stream, a, b, first + 2 * (uint32_t)j, hi[j], lo[j]);
}

/* Polynomial coefficients, written as in rng_core.h so that they round to
 * the same doubles. */
#define LOG_COEFFS                                                                     \
    1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9,      \
        1.0 / 7, 1.0 / 5, 1.0 / 3
static const double log_coeff[11] = {LOG_COEFFS};
static const double sin_coeff[7] = {-1.0 / 1307674368000.0, 1.0 / 6227020800.0,
                                    -1.0 / 39916800.0,      1.0 / 362880.0,
                                    -1.0 / 5040.0,          1.0 / 120.0,
                                    -1.0 / 6.0};
static const double cos_coeff[8] = {1.0 / 20922789888000.0, -1.0 / 87178291200.0,
                                    1.0 / 479001600.0,      -1.0 / 3628800.0,
                                    1.0 / 40320.0,          -1.0 / 720.0,
                                    1.0 / 24.0,             -0.5};
static const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
static const double inv_sqrt2 = 0.70710678118654752440;

/* ---- AVX-512: 16 blocks in the 32-bit lanes of one register ---- */

#define AVX512 __attribute__((target("avx512f"), always_inline)) static inline

/* The 20 round keys of key (k0, k1), in round order. */
static void round_keys(uint32_t k0, uint32_t k1, uint32_t rk[20])
{
    for (int r = 0; r < 10; r++) {
        rk[2 * r] = k0;
        rk[2 * r + 1] = k1;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

/* Shuffle patterns: 0xF5 copies each odd 32-bit word onto the even one
 * below it, 0xA0 each even word onto the odd one above. Shuffles run on
 * another port than the multiplies, which shifts would compete with. */
#define ODD_DOWN 0xF5
#define EVEN_UP 0xA0

AVX512 void philox16(const uint32_t rk[20], __m512i x[4])
{
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53u), m1 = _mm512_set1_epi64(0xCD9E8D57u);
    __m512i x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    for (int r = 0; r < 10; r++) {
        /* 32 x 32 -> 64 products of the even lanes, then of the odd ones */
        __m512i e0 = _mm512_mul_epu32(x0, m0);
        __m512i o0 = _mm512_mul_epu32(_mm512_shuffle_epi32(x0, (_MM_PERM_ENUM)ODD_DOWN), m0);
        __m512i e1 = _mm512_mul_epu32(x2, m1);
        __m512i o1 = _mm512_mul_epu32(_mm512_shuffle_epi32(x2, (_MM_PERM_ENUM)ODD_DOWN), m1);
        __m512i hi0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_shuffle_epi32(e0, (_MM_PERM_ENUM)ODD_DOWN), o0);
        __m512i lo0 = _mm512_mask_blend_epi32(0xAAAA, e0, _mm512_shuffle_epi32(o0, (_MM_PERM_ENUM)EVEN_UP));
        __m512i hi1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_shuffle_epi32(e1, (_MM_PERM_ENUM)ODD_DOWN), o1);
        __m512i lo1 = _mm512_mask_blend_epi32(0xAAAA, e1, _mm512_shuffle_epi32(o1, (_MM_PERM_ENUM)EVEN_UP));
        /* 0x96: three-way xor */
        __m512i y0 = _mm512_ternarylogic_epi32(hi1, x1, _mm512_set1_epi32((int)rk[2 * r]), 0x96);
        __m512i y2 =
            _mm512_ternarylogic_epi32(hi0, x3, _mm512_set1_epi32((int)rk[2 * r + 1]), 0x96);
        x1 = lo1;
        x3 = lo0;
        x0 = y0;
        x2 = y2;
    }
    x[0] = x0, x[1] = x1, x[2] = x2, x[3] = x3;
}

/* u32_to_double of 8 words */
AVX512 __m512d u32_to_pd8(__m256i w)
{
    __m256i s = _mm256_xor_si256(w, _mm256_set1_epi32((int)0x80000000u));
    return _mm512_add_pd(_mm512_cvtepi32_pd(s), _mm512_set1_pd(2147483648.0));
}

AVX512 __m512d poly8(__m512d x, const double *c, int n)
{
    __m512d p = _mm512_set1_pd(c[0]);
    for (int i = 1; i < n; i++)
        p = _mm512_add_pd(_mm512_mul_pd(p, x), _mm512_set1_pd(c[i]));
    return p;
}

AVX512 __m512d log_positive8(__m512d u)
{
    __m512i bits = _mm512_castpd_si512(u);
    __m512i mant = _mm512_and_si512(bits, _mm512_set1_epi64(0x000FFFFFFFFFFFFFll));
    __mmask8 big = _mm512_cmpgt_epu64_mask(mant, _mm512_set1_epi64(0x6A09E667F3BCDll));
    __m512i mbits = _mm512_or_si512(mant, _mm512_set1_epi64(0x3FF0000000000000ll));
    mbits = _mm512_mask_sub_epi64(mbits, big, mbits, _mm512_set1_epi64(1ll << 52));
    __m512d m = _mm512_castsi512_pd(mbits);
    __m512i e = _mm512_sub_epi64(_mm512_srli_epi64(bits, 52), _mm512_set1_epi64(1023));
    e = _mm512_mask_add_epi64(e, big, e, _mm512_set1_epi64(1));
    __m512d ed = _mm512_cvtepi32_pd(_mm512_cvtepi64_epi32(e));
    const __m512d one = _mm512_set1_pd(1.0), two = _mm512_set1_pd(2.0);
    __m512d s = _mm512_div_pd(_mm512_sub_pd(m, one), _mm512_add_pd(m, one));
    __m512d s2 = _mm512_mul_pd(s, s);
    __m512d p = poly8(s2, log_coeff, 11);
    __m512d twos = _mm512_mul_pd(two, s);
    __m512d lnm = _mm512_add_pd(twos, _mm512_mul_pd(twos, _mm512_mul_pd(s2, p)));
    return _mm512_add_pd(_mm512_mul_pd(ed, _mm512_set1_pd(ln2_hi)),
                         _mm512_add_pd(_mm512_mul_pd(ed, _mm512_set1_pd(ln2_lo)), lnm));
}

/* 8 normal pairs from the words of 8 blocks */
AVX512 void normal_pair8(__m256i w0, __m256i w1, __m256i w2, __m256i w3, __m512d *z0,
                         __m512d *z1)
{
    __m512d u1 = _mm512_add_pd(
        _mm512_mul_pd(u32_to_pd8(w0), _mm512_set1_pd(0x1.0p21)),
        _mm512_cvtepi32_pd(_mm256_srli_epi32(w1, 11)));
    u1 = _mm512_mul_pd(_mm512_add_pd(u1, _mm512_set1_pd(0.5)), _mm512_set1_pd(0x1.0p-53));
    __m512d r = _mm512_sqrt_pd(_mm512_mul_pd(_mm512_set1_pd(-2.0), log_positive8(u1)));

    __m256i low30 = _mm256_and_si256(w2, _mm256_set1_epi32(0x3FFFFFFF));
    __m512d f = _mm512_add_pd(_mm512_mul_pd(_mm512_cvtepi32_pd(low30), _mm512_set1_pd(0x1.0p21)),
                              _mm512_cvtepi32_pd(_mm256_srli_epi32(w3, 11)));
    f = _mm512_mul_pd(_mm512_add_pd(f, _mm512_set1_pd(0.5)), _mm512_set1_pd(0x1.0p-51));
    __m512d t = _mm512_mul_pd(_mm512_sub_pd(f, _mm512_set1_pd(0.5)),
                              _mm512_set1_pd(1.5707963267948966));
    __m512d t2 = _mm512_mul_pd(t, t);
    __m512d sin_t = _mm512_add_pd(t, _mm512_mul_pd(t, _mm512_mul_pd(t2, poly8(t2, sin_coeff, 7))));
    __m512d cos_t = _mm512_add_pd(_mm512_set1_pd(1.0), _mm512_mul_pd(t2, poly8(t2, cos_coeff, 8)));
    __m512d ca = _mm512_mul_pd(_mm512_sub_pd(cos_t, sin_t), _mm512_set1_pd(inv_sqrt2));
    __m512d sa = _mm512_mul_pd(_mm512_add_pd(cos_t, sin_t), _mm512_set1_pd(inv_sqrt2));

    /* quarter turns: odd q takes (c, s) -> (-s, c), q & 2 negates both */
    __m512i q = _mm512_srli_epi64(_mm512_cvtepu32_epi64(w2), 30);
    __mmask8 odd = _mm512_test_epi64_mask(q, _mm512_set1_epi64(1));
    __m512i flip = _mm512_slli_epi64(_mm512_srli_epi64(q, 1), 63);
    __m512i sign = _mm512_set1_epi64((long long)(1ull << 63));
    __m512i cai = _mm512_castpd_si512(ca), sai = _mm512_castpd_si512(sa);
    __m512i cb = _mm512_mask_blend_epi64(odd, cai, _mm512_xor_si512(sai, sign));
    __m512i sb = _mm512_mask_blend_epi64(odd, sai, cai);
    *z0 = _mm512_mul_pd(r, _mm512_castsi512_pd(_mm512_xor_si512(cb, flip)));
    *z1 = _mm512_mul_pd(r, _mm512_castsi512_pd(_mm512_xor_si512(sb, flip)));
}

/* out[2j] = z0[j], out[2j + 1] = z1[j] */
AVX512 void store_pairs8(double *out, __m512d z0, __m512d z1)
{
    const __m512i first = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i second = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    _mm512_storeu_pd(out, _mm512_permutex2var_pd(z0, first, z1));
    _mm512_storeu_pd(out + 8, _mm512_permutex2var_pd(z0, second, z1));
}

__attribute__((target("avx512f"))) void
dnc_normal_lanes_avx512(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                        uint32_t block0, size_t nvec, double *out)
{
    uint32_t rk[20];
    round_keys(k0, k1, rk);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (size_t v = 0; v < nvec; v++) {
        uint32_t base = block0 + (uint32_t)(v * DNC_RNG_LANES);
        __m512i x[4] = {_mm512_add_epi32(_mm512_set1_epi32((int)base), lane),
                        _mm512_set1_epi32((int)a), _mm512_set1_epi32((int)b),
                        _mm512_set1_epi32((int)stream)};
        philox16(rk, x);
        double *o = out + v * 2 * DNC_RNG_LANES;
        for (int half = 0; half < 2; half++) {
            __m256i w[4];
            for (int k = 0; k < 4; k++)
                w[k] = half ? _mm512_extracti64x4_epi64(x[k], 1) : _mm512_castsi512_si256(x[k]);
            __m512d z0, z1;
            normal_pair8(w[0], w[1], w[2], w[3], &z0, &z1);
            store_pairs8(o + 16 * half, z0, z1);
        }
    }
}

/* Ziggurat elements from 8 (hi, lo) word pairs; `rejected` marks the
 * lanes whose rectangle test failed (their value is redone by zig_fix). */
AVX512 __m512d zig8(__m256i hi, __m256i lo, __mmask8 *rejected)
{
    __m256i layer = _mm256_and_si256(lo, _mm256_set1_epi32(ZIG_LAYER_MASK));
    __m512d w = _mm512_i32gather_pd(layer, zig_w, 8);
    __m512i k = _mm512_i32gather_epi64(layer, (const void *)zig_k, 8);
    __m512i lo64 = _mm512_cvtepu32_epi64(lo);
    __m512i u = _mm512_or_si512(_mm512_slli_epi64(_mm512_cvtepu32_epi64(hi), 21),
                                _mm512_srli_epi64(lo64, 11));
    *rejected = _mm512_cmpge_epu64_mask(u, k);
    /* (double)u exactly, as u01_open assembles it */
    __m512d ud = _mm512_add_pd(_mm512_mul_pd(u32_to_pd8(hi), _mm512_set1_pd(0x1.0p21)),
                               _mm512_cvtepi32_pd(_mm256_srli_epi32(lo, 11)));
    __m512i sign = _mm512_slli_epi64(_mm512_srli_epi64(lo64, ZIG_SIGN_SHIFT), 63);
    return _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(_mm512_mul_pd(ud, w)), sign));
}

__attribute__((target("avx512f"))) void
dnc_ziggurat_lanes_avx512(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                          uint32_t block0, size_t nvec, double *out)
{
    uint32_t rk[20];
    round_keys(k0, k1, rk);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    uint32_t main_word = (stream & ZIG_STREAM_MASK) | ZIG_MAIN;
    for (size_t v = 0; v < nvec; v++) {
        uint32_t base = block0 + (uint32_t)(v * DNC_RNG_LANES);
        __m512i x[4] = {_mm512_add_epi32(_mm512_set1_epi32((int)base), lane),
                        _mm512_set1_epi32((int)a), _mm512_set1_epi32((int)b),
                        _mm512_set1_epi32((int)main_word)};
        philox16(rk, x);
        double *o = out + v * 2 * DNC_RNG_LANES;
        for (int half = 0; half < 2; half++) {
            __m256i w[4];
            for (int k = 0; k < 4; k++)
                w[k] = half ? _mm512_extracti64x4_epi64(x[k], 1) : _mm512_castsi512_si256(x[k]);
            __mmask8 r0, r1;
            __m512d z0 = zig8(w[0], w[1], &r0), z1 = zig8(w[2], w[3], &r1);
            store_pairs8(o + 16 * half, z0, z1);
            if (r0 | r1) {
                uint32_t words[4][8];
                for (int k = 0; k < 4; k++)
                    _mm256_storeu_si256((__m256i *)words[k], w[k]);
                uint32_t first = 2 * (base + 8 * (uint32_t)half);
                zig_fix(k0, k1, stream, a, b, first, r0, words[0], words[1], o + 16 * half);
                zig_fix(k0, k1, stream, a, b, first + 1, r1, words[2], words[3], o + 16 * half + 1);
            }
        }
    }
}

/* ---- AVX2: 16 blocks as four registers of 4 ---- */

#define AVX2 __attribute__((target("avx2"), always_inline)) static inline

/* AVX2 keeps Philox's words in 64-bit lanes (4 blocks per register): the
 * 32 x 32 -> 64-bit multiply then needs no shuffle, and each element's words
 * arrive where its 64-bit arithmetic wants them. Only the low 32 bits of a
 * lane hold the word (vpmuludq reads no others); users mask the rest. */
AVX2 void philox4_wide(const uint32_t rk[20], __m256i x[4])
{
    const __m256i m0 = _mm256_set1_epi64x(0xD2511F53u), m1 = _mm256_set1_epi64x(0xCD9E8D57u);
    __m256i x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
#pragma GCC unroll 10
    for (int r = 0; r < 10; r++) {
        __m256i p0 = _mm256_mul_epu32(x0, m0), p1 = _mm256_mul_epu32(x2, m1);
        x0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), x1),
                              _mm256_set1_epi64x(rk[2 * r]));
        x2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), x3),
                              _mm256_set1_epi64x(rk[2 * r + 1]));
        x1 = p1;
        x3 = p0;
    }
    x[0] = x0, x[1] = x1, x[2] = x2, x[3] = x3;
}

/* lanes below 2^52 to double, exactly */
AVX2 __m256d u52_to_pd4(__m256i v)
{
    const __m256i two52 = _mm256_set1_epi64x(0x4330000000000000ll);
    return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(v, two52)),
                         _mm256_set1_pd(4503599627370496.0));
}

AVX2 __m256d poly4(__m256d x, const double *c, int n)
{
    __m256d p = _mm256_set1_pd(c[0]);
#pragma GCC unroll 12
    for (int i = 1; i < n; i++)
        p = _mm256_add_pd(_mm256_mul_pd(p, x), _mm256_set1_pd(c[i]));
    return p;
}

/* small int64 lanes to double, exactly: 2^52 + 2^51 + e has e in its low bits */
AVX2 __m256d small_i64_to_pd4(__m256i e)
{
    const __m256i magic = _mm256_set1_epi64x(0x4338000000000000ll);
    return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_add_epi64(e, magic)),
                         _mm256_set1_pd(6755399441055744.0));
}

AVX2 __m256d log_positive4(__m256d u)
{
    __m256i bits = _mm256_castpd_si256(u);
    __m256i mant = _mm256_and_si256(bits, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFll));
    /* mant < 2^52, so the signed comparison is the unsigned one */
    __m256i big = _mm256_cmpgt_epi64(mant, _mm256_set1_epi64x(0x6A09E667F3BCDll));
    __m256i mbits = _mm256_or_si256(mant, _mm256_set1_epi64x(0x3FF0000000000000ll));
    mbits = _mm256_sub_epi64(mbits, _mm256_and_si256(big, _mm256_set1_epi64x(1ll << 52)));
    __m256d m = _mm256_castsi256_pd(mbits);
    __m256i e = _mm256_sub_epi64(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(1023));
    e = _mm256_sub_epi64(e, big); /* big is -1 where set */
    __m256d ed = small_i64_to_pd4(e);
    const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0);
    __m256d s = _mm256_div_pd(_mm256_sub_pd(m, one), _mm256_add_pd(m, one));
    __m256d s2 = _mm256_mul_pd(s, s);
    __m256d p = poly4(s2, log_coeff, 11);
    __m256d twos = _mm256_mul_pd(two, s);
    __m256d lnm = _mm256_add_pd(twos, _mm256_mul_pd(twos, _mm256_mul_pd(s2, p)));
    return _mm256_add_pd(_mm256_mul_pd(ed, _mm256_set1_pd(ln2_hi)),
                         _mm256_add_pd(_mm256_mul_pd(ed, _mm256_set1_pd(ln2_lo)), lnm));
}

AVX2 void normal_pair4(__m256i w0, __m256i w1, __m256i w2, __m256i w3, __m256d *z0,
                       __m256d *z1)
{
    const __m256i low32 = _mm256_set1_epi64x(0xFFFFFFFFll);
    w0 = _mm256_and_si256(w0, low32), w1 = _mm256_and_si256(w1, low32);
    w2 = _mm256_and_si256(w2, low32), w3 = _mm256_and_si256(w3, low32);
    __m256d u1 = _mm256_add_pd(_mm256_mul_pd(u52_to_pd4(w0), _mm256_set1_pd(0x1.0p21)),
                               u52_to_pd4(_mm256_srli_epi64(w1, 11)));
    u1 = _mm256_mul_pd(_mm256_add_pd(u1, _mm256_set1_pd(0.5)), _mm256_set1_pd(0x1.0p-53));
    __m256d r = _mm256_sqrt_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), log_positive4(u1)));

    __m256i low30 = _mm256_and_si256(w2, _mm256_set1_epi64x(0x3FFFFFFF));
    __m256d f = _mm256_add_pd(_mm256_mul_pd(u52_to_pd4(low30), _mm256_set1_pd(0x1.0p21)),
                              u52_to_pd4(_mm256_srli_epi64(w3, 11)));
    f = _mm256_mul_pd(_mm256_add_pd(f, _mm256_set1_pd(0.5)), _mm256_set1_pd(0x1.0p-51));
    __m256d t = _mm256_mul_pd(_mm256_sub_pd(f, _mm256_set1_pd(0.5)),
                              _mm256_set1_pd(1.5707963267948966));
    __m256d t2 = _mm256_mul_pd(t, t);
    __m256d sin_t = _mm256_add_pd(t, _mm256_mul_pd(t, _mm256_mul_pd(t2, poly4(t2, sin_coeff, 7))));
    __m256d cos_t = _mm256_add_pd(_mm256_set1_pd(1.0), _mm256_mul_pd(t2, poly4(t2, cos_coeff, 8)));
    __m256d ca = _mm256_mul_pd(_mm256_sub_pd(cos_t, sin_t), _mm256_set1_pd(inv_sqrt2));
    __m256d sa = _mm256_mul_pd(_mm256_add_pd(cos_t, sin_t), _mm256_set1_pd(inv_sqrt2));

    __m256i q = _mm256_srli_epi64(w2, 30);
    __m256i odd = _mm256_sub_epi64(_mm256_setzero_si256(),
                                   _mm256_and_si256(q, _mm256_set1_epi64x(1)));
    __m256i flip = _mm256_slli_epi64(_mm256_srli_epi64(q, 1), 63);
    __m256i sign = _mm256_set1_epi64x((long long)(1ull << 63));
    __m256i cai = _mm256_castpd_si256(ca), sai = _mm256_castpd_si256(sa);
    __m256i cb = _mm256_or_si256(_mm256_andnot_si256(odd, cai),
                                 _mm256_and_si256(odd, _mm256_xor_si256(sai, sign)));
    __m256i sb = _mm256_or_si256(_mm256_andnot_si256(odd, sai), _mm256_and_si256(odd, cai));
    *z0 = _mm256_mul_pd(r, _mm256_castsi256_pd(_mm256_xor_si256(cb, flip)));
    *z1 = _mm256_mul_pd(r, _mm256_castsi256_pd(_mm256_xor_si256(sb, flip)));
}

AVX2 void store_pairs4(double *out, __m256d z0, __m256d z1)
{
    __m256d lo = _mm256_unpacklo_pd(z0, z1); /* d0 e0 d2 e2 */
    __m256d hi = _mm256_unpackhi_pd(z0, z1); /* d1 e1 d3 e3 */
    _mm256_storeu_pd(out, _mm256_permute2f128_pd(lo, hi, 0x20));
    _mm256_storeu_pd(out + 4, _mm256_permute2f128_pd(lo, hi, 0x31));
}

__attribute__((target("avx2"))) void
dnc_normal_lanes_avx2(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                      uint32_t block0, size_t nvec, double *out)
{
    uint32_t rk[20];
    round_keys(k0, k1, rk);
    const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
    const __m256i va = _mm256_set1_epi64x(a), vb = _mm256_set1_epi64x(b),
                  vs = _mm256_set1_epi64x(stream);
    for (size_t v = 0; v < 4 * nvec; v++) { /* 4 blocks: 8 normals */
        uint32_t base = block0 + (uint32_t)(v * 4);
        __m256i x[4] = {_mm256_add_epi64(_mm256_set1_epi64x(base), lane), va, vb, vs};
        philox4_wide(rk, x);
        __m256d z0, z1;
        normal_pair4(x[0], x[1], x[2], x[3], &z0, &z1);
        store_pairs4(out + v * 8, z0, z1);
    }
}

/* zig8's step for 4 lanes of (hi, lo) words in 64-bit lanes. AVX2's
 * gathers are slow on some CPUs (on AMD Zen 3 the whole fill ran 1.2x
 * slower with two gathers per step), so each lane's (w, k) pair is one
 * 16-byte load from zig_wk, and the rectangle test u < k compares doubles:
 * both are integers below 2^53, exact as doubles. Bit j of *rejected: lane
 * j failed it. */
AVX2 __m256d zig4(__m256i hi, __m256i lo, unsigned *rejected)
{
    const __m256i low32 = _mm256_set1_epi64x(0xFFFFFFFFll);
    uint64_t layer[4];
    _mm256_storeu_si256((__m256i *)(void *)layer,
                        _mm256_and_si256(lo, _mm256_set1_epi64x(ZIG_LAYER_MASK)));
    __m256d p02 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(zig_wk[layer[0]])),
                                       _mm_loadu_pd(zig_wk[layer[2]]), 1);
    __m256d p13 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(zig_wk[layer[1]])),
                                       _mm_loadu_pd(zig_wk[layer[3]]), 1);
    __m256d w = _mm256_unpacklo_pd(p02, p13), k = _mm256_unpackhi_pd(p02, p13);
    lo = _mm256_and_si256(lo, low32);
    __m256d u = _mm256_add_pd(
        _mm256_mul_pd(u52_to_pd4(_mm256_and_si256(hi, low32)), _mm256_set1_pd(0x1.0p21)),
        u52_to_pd4(_mm256_srli_epi64(lo, 11)));
    *rejected = (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(u, k, _CMP_GE_OQ));
    __m256i sign = _mm256_slli_epi64(_mm256_srli_epi64(lo, ZIG_SIGN_SHIFT), 63);
    return _mm256_castsi256_pd(_mm256_xor_si256(_mm256_castpd_si256(_mm256_mul_pd(u, w)), sign));
}

/* zig_fix for words in 64-bit lanes */
__attribute__((target("avx2"))) static void zig_fix4(uint32_t k0, uint32_t k1, uint32_t stream,
                                                     uint32_t a, uint32_t b, uint32_t first,
                                                     unsigned rejected, __m256i hi, __m256i lo,
                                                     double *out)
{
    uint64_t h[4], l[4];
    uint32_t hi32[4], lo32[4];
    _mm256_storeu_si256((__m256i *)(void *)h, hi);
    _mm256_storeu_si256((__m256i *)(void *)l, lo);
    for (int j = 0; j < 4; j++)
        hi32[j] = (uint32_t)h[j], lo32[j] = (uint32_t)l[j];
    zig_fix(k0, k1, stream, a, b, first, rejected, hi32, lo32, out);
}

/* 16 blocks per step, 8 per iteration: two independent Philox chains of 4 */
__attribute__((target("avx2"))) void
dnc_ziggurat_lanes_avx2(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                        uint32_t block0, size_t nvec, double *out)
{
    uint32_t rk[20];
    round_keys(k0, k1, rk);
    const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
    const __m256i va = _mm256_set1_epi64x(a), vb = _mm256_set1_epi64x(b),
                  vs = _mm256_set1_epi64x((stream & ZIG_STREAM_MASK) | ZIG_MAIN);
    for (size_t v = 0; v < 2 * nvec; v++) { /* 8 blocks: 16 elements */
        uint32_t base = block0 + (uint32_t)(v * 8);
        __m256i x[4] = {_mm256_add_epi64(_mm256_set1_epi64x(base), lane), va, vb, vs};
        __m256i y[4] = {_mm256_add_epi64(_mm256_set1_epi64x(base + 4), lane), va, vb, vs};
        philox4_wide(rk, x);
        philox4_wide(rk, y);
        unsigned r[4];
        __m256d z0 = zig4(x[0], x[1], &r[0]), z1 = zig4(x[2], x[3], &r[1]);
        __m256d z2 = zig4(y[0], y[1], &r[2]), z3 = zig4(y[2], y[3], &r[3]);
        double *o = out + v * 16;
        store_pairs4(o, z0, z1);
        store_pairs4(o + 8, z2, z3);
        if (r[0] | r[1] | r[2] | r[3]) {
            uint32_t first = 2 * base;
            zig_fix4(k0, k1, stream, a, b, first, r[0], x[0], x[1], o);
            zig_fix4(k0, k1, stream, a, b, first + 1, r[1], x[2], x[3], o + 1);
            zig_fix4(k0, k1, stream, a, b, first + 8, r[2], y[0], y[1], o + 8);
            zig_fix4(k0, k1, stream, a, b, first + 9, r[3], y[2], y[3], o + 9);
        }
    }
}

#else /* no x86: the vector paths are never selected */
void dnc_ziggurat_lanes_avx512(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a,
                               uint32_t b, uint32_t block0, size_t nvec, double *out)
{
    dnc_ziggurat_lanes_portable(k0, k1, stream, a, b, block0, nvec, out);
}

void dnc_ziggurat_lanes_avx2(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                             uint32_t block0, size_t nvec, double *out)
{
    dnc_ziggurat_lanes_portable(k0, k1, stream, a, b, block0, nvec, out);
}

void dnc_normal_lanes_avx512(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                             uint32_t block0, size_t nvec, double *out)
{
    dnc_normal_lanes_portable(k0, k1, stream, a, b, block0, nvec, out);
}

void dnc_normal_lanes_avx2(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                           uint32_t block0, size_t nvec, double *out)
{
    dnc_normal_lanes_portable(k0, k1, stream, a, b, block0, nvec, out);
}
#endif

/* ---- choosing the path ---- */

static dnc_rng_isa selected = DNC_RNG_ISA_AUTO;

int dnc_rng_isa_supported(dnc_rng_isa isa)
{
#ifndef DNC_RNG_X86
    return isa != DNC_RNG_ISA_AVX2 && isa != DNC_RNG_ISA_AVX512;
#else
    switch (isa) {
    case DNC_RNG_ISA_AVX512:
        return (dnc_cpu_features() & DNC_CPU_AVX512F) != 0;
    case DNC_RNG_ISA_AVX2:
        return (dnc_cpu_features() & DNC_CPU_AVX2) != 0;
    default:
        return 1;
    }
#endif
}

int dnc_rng_isa_select(dnc_rng_isa isa)
{
    if (!dnc_rng_isa_supported(isa))
        return -1;
    selected = isa;
    return 0;
}

dnc_rng_isa dnc_rng_isa_current(void)
{
    if (selected != DNC_RNG_ISA_AUTO)
        return selected;
    if (dnc_rng_isa_supported(DNC_RNG_ISA_AVX512))
        return DNC_RNG_ISA_AVX512;
    if (dnc_rng_isa_supported(DNC_RNG_ISA_AVX2))
        return DNC_RNG_ISA_AVX2;
    return DNC_RNG_ISA_PORTABLE;
}

const char *dnc_rng_isa_name(dnc_rng_isa isa)
{
    static const char *names[] = {"auto", "portable", "avx2", "avx512"};
    return names[isa];
}
