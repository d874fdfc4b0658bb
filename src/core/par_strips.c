#include "core/par_strips.h"

#include <pthread.h>
#include <stdatomic.h>

enum { MAX_HELPERS = 255 };

typedef struct {
    dnc_strip_worker_fn fn;
    void *ctx;
    size_t n;
    atomic_size_t next; /* the next unclaimed strip */
    int helpers;        /* helpers allowed to join */
    int joined, active; /* helpers that joined / are still inside (under pool.lock) */
} strip_job;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, finished;
    pthread_mutex_t in_use; /* one call on the pool at a time */
    strip_job *job;         /* the current call, NULL between calls */
    unsigned long generation;
    int helpers; /* helper threads started */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

static void claim_strips(strip_job *j, int worker)
{
    for (;;) {
        size_t s = atomic_fetch_add(&j->next, 1);
        if (s >= j->n)
            return;
        j->fn(j->ctx, s, worker);
    }
}

static void *helper_main(void *arg)
{
    (void)arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.generation == seen)
            pthread_cond_wait(&pool.wake, &pool.lock);
        seen = pool.generation;
        strip_job *j = pool.job;
        if (!j || j->joined >= j->helpers)
            continue;
        int worker = ++j->joined; /* 1 .. helpers; the caller is 0 */
        j->active++;
        pthread_mutex_unlock(&pool.lock);
        claim_strips(j, worker);
        pthread_mutex_lock(&pool.lock);
        if (--j->active == 0)
            pthread_cond_broadcast(&pool.finished);
    }
    return NULL;
}

void dnc_par_strips_w(size_t n, int threads, dnc_strip_worker_fn fn, void *ctx)
{
    if (threads < 2 || n < 2 || pthread_mutex_trylock(&pool.in_use) != 0) {
        for (size_t s = 0; s < n; s++)
            fn(ctx, s, 0);
        return;
    }
    strip_job j = {.fn = fn, .ctx = ctx, .n = n};
    atomic_init(&j.next, 0);
    j.helpers = threads - 1 < MAX_HELPERS ? threads - 1 : MAX_HELPERS;
    if ((size_t)j.helpers > n - 1)
        j.helpers = (int)(n - 1);
    pthread_mutex_lock(&pool.lock);
    while (pool.helpers < j.helpers) {
        pthread_t t;
        if (pthread_create(&t, NULL, helper_main, NULL) != 0)
            break; /* fewer helpers: the caller does more strips */
        pthread_detach(t);
        pool.helpers++;
    }
    pool.job = &j;
    pool.generation++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    claim_strips(&j, 0);
    /* Every strip is claimed; wait for those still running in helpers. A
     * helper that wakes up later finds no job and sleeps again. */
    pthread_mutex_lock(&pool.lock);
    pool.job = NULL;
    while (j.active > 0)
        pthread_cond_wait(&pool.finished, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.in_use);
}

typedef struct {
    dnc_strip_fn fn;
    void *ctx;
} plain_strips;

static void plain_strip(void *ctx, size_t s, int worker)
{
    (void)worker;
    const plain_strips *p = ctx;
    p->fn(p->ctx, s);
}

void dnc_par_strips(size_t n, int threads, dnc_strip_fn fn, void *ctx)
{
    plain_strips p = {fn, ctx};
    dnc_par_strips_w(n, threads, plain_strip, &p);
}
