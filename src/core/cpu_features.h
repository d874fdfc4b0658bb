/* The instruction-set extensions of the running CPU that dnncrit's own
 * kernels use (detgemm.c, rng_simd.c). Internal to the library. */
#ifndef DNNCRIT_CORE_CPU_FEATURES_H
#define DNNCRIT_CORE_CPU_FEATURES_H

enum {
    DNC_CPU_AVX2 = 1u << 0,
    DNC_CPU_AVX512F = 1u << 1,
    DNC_CPU_AVX512VL = 1u << 2,
};

/* The DNC_CPU_* bits this CPU and its operating system support (a bit is
 * set only when the OS saves the registers it needs); 0 off x86. Detected
 * on the first call and cached: safe to call from any thread, often. */
unsigned dnc_cpu_features(void);

#endif
