/* dnc_gemm_nt: every element equals the sequential double loop bit for
 * bit, for all tile remainders (rows, 12-row panels) and leading dims, on
 * every code path (SSE2, AVX2, AVX-512) this CPU can run. */
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cpu_features.h"
#include "core/detgemm.h"
#include "dnncrit/rng.h"

/* path < 0: the path dnc_gemm_nt picks on this CPU. Returns false when
 * the CPU cannot run the path. */
static bool matches_sequential_loop(int path)
{
    const size_t Ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 17};
    const size_t Rs[] = {1, 5, 11, 12, 13, 25, 37};
    const size_t Ks[] = {0, 1, 3, 4, 9, 64};
    double *A = malloc(17 * 70 * sizeof *A), *W = malloc(37 * 70 * sizeof *W);
    double *C = malloc(17 * 40 * sizeof *C);
    dnc_normal_fill(3, DNC_STREAM_USER, 0, 0, A, 17 * 70);
    dnc_normal_fill(3, DNC_STREAM_USER, 0, 1, W, 37 * 70);
    for (size_t im = 0; im < sizeof Ms / sizeof *Ms; im++)
        for (size_t ir = 0; ir < sizeof Rs / sizeof *Rs; ir++)
            for (size_t ik = 0; ik < sizeof Ks / sizeof *Ks; ik++) {
                size_t M = Ms[im], R = Rs[ir], K = Ks[ik];
                size_t lda = K + 3, ldw = K + 1, ldc = R + 2;
                for (size_t i = 0; i < 17 * 40; i++)
                    C[i] = -1234.5; /* sentinel: entries outside C must survive */
                if (path < 0)
                    assert_int_equal(dnc_gemm_nt(M, R, K, A, lda, W, ldw, C, ldc), 0);
                else if (dnc_gemm_nt_path((dnc_gemm_path)path, M, R, K, A, lda, W, ldw, C,
                                          ldc)) {
                    free(A), free(W), free(C);
                    return false; /* this CPU lacks the path */
                }
                for (size_t b = 0; b < M; b++) {
                    for (size_t i = 0; i < R; i++) {
                        double s = 0;
                        for (size_t k = 0; k < K; k++)
                            s += A[b * lda + k] * W[i * ldw + k];
                        assert_memory_equal(&s, &C[b * ldc + i], sizeof s);
                    }
                    for (size_t i = R; i < ldc && b * ldc + i < 17 * 40; i++)
                        assert_true(C[b * ldc + i] == -1234.5);
                }
            }
    free(A), free(W), free(C);
    return true;
}

static void test_matches_sequential_loop_bitwise(void **state)
{
    (void)state;
    assert_true(matches_sequential_loop(-1));
}

/* Every code path (generic SSE2, AVX2, AVX-512) gives the loop's bits, so
 * CPUs that pick different paths agree; checked for each path this CPU
 * can run. */
static void test_every_code_path_matches_the_loop(void **state)
{
    (void)state;
    const char *names[] = {"generic", "avx2", "avx512"};
    for (int path = DNC_GEMM_PATH_GENERIC; path <= DNC_GEMM_PATH_AVX512; path++)
        if (!matches_sequential_loop(path))
            print_message("%s path: not supported by this CPU, not checked\n", names[path]);
}

/* The library's own CPUID detection (cpu_features.c) agrees with libgcc's
 * __builtin_cpu_supports, the independent reference, on this CPU. */
static void test_cpu_features_match_libgcc(void **state)
{
    (void)state;
    unsigned f = dnc_cpu_features();
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    assert_int_equal((f & DNC_CPU_AVX2) != 0, __builtin_cpu_supports("avx2") != 0);
    assert_int_equal((f & DNC_CPU_AVX512F) != 0, __builtin_cpu_supports("avx512f") != 0);
    assert_int_equal((f & DNC_CPU_AVX512VL) != 0, __builtin_cpu_supports("avx512vl") != 0);
#else
    assert_int_equal(f, 0);
#endif
    assert_int_equal(dnc_cpu_features(), f); /* cached: the same answer */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_features_match_libgcc),
        cmocka_unit_test(test_matches_sequential_loop_bitwise),
        cmocka_unit_test(test_every_code_path_matches_the_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
