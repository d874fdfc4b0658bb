/* Parallel loop over independent strips of work whose result cannot depend
 * on the threads: fn(ctx, s) for every s in [0, n), each writing its own
 * part of the output.
 *
 * The caller works on strips too; up to `threads - 1` helper threads (a
 * process-wide pool, sleeping on a condition variable between calls) claim
 * the others from a shared counter. The call returns as soon as every strip
 * is done: it never waits for a helper that has not woken up yet. On a
 * loaded machine a descheduled helper therefore costs nothing (the caller
 * does its strips), where an OpenMP loop's closing barrier would wait for it
 * and spinning team threads would take the cores. One call uses the pool at
 * a time; a concurrent call runs its strips on the calling thread. */
#ifndef DNNCRIT_PAR_STRIPS_H
#define DNNCRIT_PAR_STRIPS_H

#include <stddef.h>

typedef void (*dnc_strip_fn)(void *ctx, size_t strip);

void dnc_par_strips(size_t n, int threads, dnc_strip_fn fn, void *ctx);

/* The same, telling each strip which worker runs it: 0 for the caller,
 * 1 .. threads - 1 for helpers, so that a strip can use per-worker scratch
 * (e.g. scratch[worker]) with at most `threads` slots in use. */
typedef void (*dnc_strip_worker_fn)(void *ctx, size_t strip, int worker);
void dnc_par_strips_w(size_t n, int threads, dnc_strip_worker_fn fn, void *ctx);

#endif
