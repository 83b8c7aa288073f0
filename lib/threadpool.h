/* threadpool.h - the library's own worker threads, one pool per context.
 *
 * The caller's thread takes part in the work, so a pool of size n starts
 * n - 1 workers. Workers sleep (no spinning) between jobs once a short
 * spin has found no work, so an idle context costs nothing. */
#ifndef EL_THREADPOOL_H
#define EL_THREADPOOL_H

#include <stddef.h>

#include "electra.h"

typedef struct el_threadpool el_threadpool;

/* n_threads >= 1 (1: no workers, everything runs on the caller). */
electra_status el_threadpool_create(int n_threads, el_threadpool **out);
void el_threadpool_free(el_threadpool *pool);
/* Threads that share the work (1 for a NULL pool). */
int el_threadpool_size(const el_threadpool *pool);

/* Run fn(arg, i) for every i in [0, n), spread over the pool, and return
 * when all have finished. Items are claimed dynamically; fn must not call
 * el_parallel_for on the same pool. A NULL pool runs them in order on the
 * caller. */
void el_parallel_for(el_threadpool *pool, size_t n, void (*fn)(void *arg, size_t i),
                     void *arg);

#endif
