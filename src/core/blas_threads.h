/* OpenBLAS's thread count is process-wide. Code that needs single-threaded
 * BLAS calls (the same bits whatever the thread count: parallelism then
 * comes from OpenMP over a partition fixed by the shapes alone) brackets
 * them with enter/leave: the first caller in saves the count and sets 1,
 * the last one out restores it, so concurrent users (a sweep's threads)
 * never see it restored under them. Internal. */
#ifndef DNNCRIT_BLAS_THREADS_H
#define DNNCRIT_BLAS_THREADS_H

void dnc_blas_single_thread_enter(void);
void dnc_blas_single_thread_leave(void);

#endif
