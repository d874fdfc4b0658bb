/* IEEE 754 binary16 ("half", NumPy f2, safetensors F16) and bfloat16
 * (safetensors BF16) to double, exactly (every such value is a double). */
#ifndef DNNCRIT_CORE_HALFFLOAT_H
#define DNNCRIT_CORE_HALFFLOAT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline double dnc_half_to_double(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 0)
        v = ldexp(m, -24); /* zero and subnormals */
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexp(1024 + m, e - 25);
    return s ? -v : v;
}

/* bfloat16 is the top half of a binary32. */
static inline double dnc_bfloat16_to_double(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

#endif
