/* The ziggurat's rejection path (rng_ziggurat.h): the wedges of layers
 * 1..1023 and the tail beyond r (Marsaglia 1964), each attempt on fresh
 * counters. */
#include <math.h>

#include "core/rng_core.h"
#include "core/rng_ziggurat.h"

static double with_sign(uint32_t lo, double x)
{
    return (lo >> ZIG_SIGN_SHIFT) & 1u ? -x : x;
}

/* |z| > r: x = ln(u1) / r, y = ln(u2) until -2 y >= x^2, then r - x. */
static double tail(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b, uint32_t e)
{
    for (uint32_t t = 0;; t++) {
        uint32_t w[4] = {e, a, b, stream | ZIG_TAIL | (t & 0xFFFu) << 16};
        philox10(k0, k1, w);
        double x = log_positive(u01_open(w[0], w[1])) / ZIG_R;
        double y = log_positive(u01_open(w[2], w[3]));
        if (-2.0 * y >= x * x)
            return ZIG_R - x;
    }
}

/* Whether the point (x, f_i + v (f_{i+1} - f_i)) of layer i's wedge lies
 * below the density. The chord of the wedge decides most points without a
 * logarithm: the point is below the chord when v d < x_i - x (d = x_i -
 * x_{i+1}), and the density stays within zig_band[i] (in units of v d) of
 * the chord, above it where it is concave, below where it is convex. */
int dnc_zig_below_density(uint32_t i, double x, double v)
{
    double vd = v * (zig_x[i] - zig_x[i + 1]), room = zig_x[i] - x;
    if (zig_shape[i] > 0) {
        if (vd < room)
            return 1;
        if (vd > room + zig_band[i])
            return 0;
    } else if (zig_shape[i] < 0) {
        if (vd > room)
            return 0;
        if (vd < room - zig_band[i])
            return 1;
    }
    double y = zig_f[i] + v * (zig_f[i + 1] - zig_f[i]);
    return log_positive(y) < -0.5 * (x * x);
}

double dnc_zig_rejected(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t a, uint32_t b,
                        uint32_t e, uint32_t hi, uint32_t lo)
{
    stream &= ZIG_STREAM_MASK;
    /* attempt k tests the current point with the uniform of words 2, 3 of
     * its block and, if that fails, takes the next point from words 0, 1 */
    for (uint32_t k = 0;; k++) {
        uint32_t i = lo & ZIG_LAYER_MASK;
        uint64_t u = ((uint64_t)hi << 21) | (lo >> 11);
        double x = (double)u * zig_w[i];
        if (u < zig_k[i])
            return with_sign(lo, x);
        if (i == 0) /* base strip beyond r: the tail has the same area */
            return with_sign(lo, tail(k0, k1, stream, a, b, e));
        uint32_t w[4] = {e, a, b, stream | ZIG_RETRY | (k & 0xFFFu) << 16};
        philox10(k0, k1, w);
        if (dnc_zig_below_density(i, x, u01_open(w[2], w[3])))
            return with_sign(lo, x);
        hi = w[0];
        lo = w[1];
    }
}
