/* CPU feature detection with CPUID and XGETBV, on first use.
 *
 * Not libgcc's __builtin_cpu_init/__builtin_cpu_supports: linking them in
 * adds libgcc's constructor, which runs a dozen CPUIDs at every program
 * start. On a virtual machine each CPUID traps to the hypervisor, and that
 * constructor cost 0.08-0.15 ms per start here, whether or not the program
 * ever draws a number or multiplies a matrix (dnncrit-powerlaw never does).
 * The checks are those libgcc makes: the CPUID bit, and XCR0 saying the OS
 * saves the YMM (AVX2) or opmask and ZMM (AVX-512) state. */
#include "core/cpu_features.h"

#include <stdatomic.h>
#include <stddef.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

enum {
    XCR0_YMM = 0x6,   /* SSE and AVX state */
    XCR0_ZMM = 0xe6,  /* and opmask, ZMM_Hi256, Hi16_ZMM */
};

static unsigned long long xcr0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static unsigned detect(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
        return 0;
    unsigned long long x = xcr0();
    if ((x & XCR0_YMM) != XCR0_YMM || __get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    unsigned f = (b & bit_AVX2) ? DNC_CPU_AVX2 : 0;
    if ((x & XCR0_ZMM) == XCR0_ZMM) {
        f |= (b & bit_AVX512F) ? DNC_CPU_AVX512F : 0;
        f |= (b & bit_AVX512VL) ? DNC_CPU_AVX512VL : 0;
    }
    return f;
}
#else
static unsigned detect(void)
{
    return 0;
}
#endif

#define KNOWN (1u << 31) /* the cache holds an answer */

unsigned dnc_cpu_features(void)
{
    /* threads racing on the first call compute the same value */
    static atomic_uint cache;
    unsigned f = atomic_load_explicit(&cache, memory_order_relaxed);
    if (!(f & KNOWN)) {
        f = detect() | KNOWN;
        atomic_store_explicit(&cache, f, memory_order_relaxed);
    }
    return f & ~(unsigned)KNOWN;
}
