/* dnc_par_strips_w (core/par_strips.h): every strip runs exactly once, on a
 * worker numbered below the thread count (per-worker scratch relies on
 * it), for any thread count, including calls made while another call holds
 * the pool (those run on the calling thread, as worker 0). Whether a helper
 * actually takes strips depends on the scheduler, so nothing here asserts
 * it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/par_strips.h"

typedef struct {
    atomic_int *runs;   /* per strip: how often it ran */
    atomic_int bad_worker;
    int threads;
    int *owner;         /* per worker slot: which strip is using it (-1: none) */
    atomic_int clash;   /* two strips in one slot at once */
} job;

static void strip(void *ctx, size_t s, int worker)
{
    job *j = ctx;
    atomic_fetch_add(&j->runs[s], 1);
    if (worker < 0 || worker >= j->threads) {
        atomic_fetch_add(&j->bad_worker, 1);
        return;
    }
    /* a slot is used by one strip at a time: claim it, spin a little, release */
    int *slot = &j->owner[worker];
    if (__atomic_exchange_n(slot, (int)s, __ATOMIC_ACQ_REL) != -1)
        atomic_fetch_add(&j->clash, 1);
    volatile double x = 0;
    for (int i = 0; i < 2000; i++)
        x += i;
    __atomic_store_n(slot, -1, __ATOMIC_RELEASE);
}

static void run_and_check(size_t n, int threads)
{
    job j = {.threads = threads};
    j.runs = calloc(n ? n : 1, sizeof *j.runs);
    j.owner = malloc((size_t)threads * sizeof *j.owner);
    for (int w = 0; w < threads; w++)
        j.owner[w] = -1;
    atomic_init(&j.bad_worker, 0);
    atomic_init(&j.clash, 0);
    dnc_par_strips_w(n, threads, strip, &j);
    for (size_t s = 0; s < n; s++)
        assert_int_equal(atomic_load(&j.runs[s]), 1);
    assert_int_equal(atomic_load(&j.bad_worker), 0);
    assert_int_equal(atomic_load(&j.clash), 0);
    free(j.runs);
    free(j.owner);
}

static void test_every_strip_once_on_a_valid_worker(void **state)
{
    (void)state;
    const size_t ns[] = {0, 1, 2, 3, 7, 64, 1000};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        for (int threads = 1; threads <= 5; threads++)
            for (int rep = 0; rep < 3; rep++)
                run_and_check(ns[i], threads);
}

static void *concurrent_caller(void *arg)
{
    (void)arg;
    for (int rep = 0; rep < 20; rep++)
        run_and_check(200, 3);
    return NULL;
}

static void test_concurrent_calls(void **state)
{
    (void)state;
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, concurrent_caller, NULL), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
}

static atomic_int plain_count;

static void plain_strip(void *ctx, size_t s)
{
    (void)ctx;
    atomic_fetch_add(&plain_count, (int)s + 1);
}

/* the worker-less form still runs every strip once: sum of 1..n */
static void test_plain_form(void **state)
{
    (void)state;
    atomic_init(&plain_count, 0);
    dnc_par_strips(100, 4, plain_strip, NULL);
    assert_int_equal(atomic_load(&plain_count), 100 * 101 / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_strip_once_on_a_valid_worker),
        cmocka_unit_test(test_concurrent_calls),
        cmocka_unit_test(test_plain_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
