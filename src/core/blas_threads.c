/* The process-wide OpenBLAS thread count, set to 1 while any caller needs
 * single-threaded BLAS (core/blas_threads.h). */
#include "core/blas_threads.h"

#include <pthread.h>

#include <cblas.h>

static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;
static int blas_users, blas_saved_threads;

void dnc_blas_single_thread_enter(void)
{
    pthread_mutex_lock(&blas_lock);
    if (blas_users++ == 0) {
        blas_saved_threads = openblas_get_num_threads();
        openblas_set_num_threads(1);
    }
    pthread_mutex_unlock(&blas_lock);
}

void dnc_blas_single_thread_leave(void)
{
    pthread_mutex_lock(&blas_lock);
    if (--blas_users == 0)
        openblas_set_num_threads(blas_saved_threads);
    pthread_mutex_unlock(&blas_lock);
}
