/* threadpool.c - fork/join over a fixed set of worker threads.
 *
 * A job is published by bumping a generation counter (odd = open, even =
 * closed); workers claim items with an atomic counter. A forward pass
 * opens about a hundred short jobs, so an idle worker first spins on the
 * counter (a wake-up through the kernel costs tens of microseconds) and
 * only then sleeps on a condition variable. The caller waits for the
 * items to finish, not for every worker to show up, so a worker that the
 * OS has descheduled never delays a job it took no part in. */
#include "threadpool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "alloc.h"
#include "error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield")
#else
#define cpu_relax() ((void)0)
#endif

/* How long an idle thread polls before it sleeps. Longer than the gap
 * between two jobs of a forward pass, short enough that an idle context
 * is idle. */
#define SPIN_NS 200000

#define CACHE_LINE 64

struct el_threadpool {
    /* Written by the caller before it opens a job; read by workers only
     * after they have seen the job open (release/acquire on gen). */
    void (*fn)(void *arg, size_t i);
    void *arg;
    size_t n;
    int size;
    int started;
    pthread_t *workers;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* idle workers sleep here */
    pthread_cond_t done; /* the caller sleeps here for the last item */

    _Alignas(CACHE_LINE) atomic_uint gen;
    atomic_int sleepers;        /* workers blocked on wake */
    atomic_int caller_sleeping; /* the caller blocked on done */
    atomic_int stop;
    _Alignas(CACHE_LINE) atomic_size_t next; /* next item to claim */
    _Alignas(CACHE_LINE) atomic_size_t finished;
    _Alignas(CACHE_LINE) atomic_int active; /* workers inside the open job */
};

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spin until done(pool) holds or SPIN_NS pass; 1 when it holds. */
static int spin_until(el_threadpool *pool, int (*done)(el_threadpool *, unsigned),
                      unsigned value)
{
    long long deadline = 0;
    for (unsigned round = 0;; round++) {
        if (done(pool, value))
            return 1;
        cpu_relax();
        if ((round & 63) == 63) {
            long long t = now_ns();
            if (!deadline)
                deadline = t + SPIN_NS;
            else if (t > deadline)
                return 0;
        }
    }
}

/* A job other than the one this worker last ran is open, or we stop. */
static int job_opened(el_threadpool *pool, unsigned seen)
{
    unsigned g = atomic_load_explicit(&pool->gen, memory_order_acquire);
    return ((g & 1) && g != seen) || atomic_load_explicit(&pool->stop, memory_order_relaxed);
}

static int all_finished(el_threadpool *pool, unsigned unused)
{
    (void)unused;
    return atomic_load_explicit(&pool->finished, memory_order_acquire) == pool->n;
}

static void run_items(el_threadpool *pool)
{
    const size_t n = pool->n;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&pool->next, 1, memory_order_relaxed);
        if (i >= n)
            return;
        pool->fn(pool->arg, i);
        /* seq_cst pairs with the caller's store of caller_sleeping. */
        if (atomic_fetch_add(&pool->finished, 1) + 1 == n &&
            atomic_load(&pool->caller_sleeping)) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
}

static void *worker_main(void *p)
{
    el_threadpool *pool = p;
    unsigned seen = 0;
    for (;;) {
        if (!spin_until(pool, job_opened, seen)) {
            pthread_mutex_lock(&pool->lock);
            /* seq_cst: either the caller sees us asleep and broadcasts, or
             * we see its new generation here. */
            atomic_fetch_add(&pool->sleepers, 1);
            while (!job_opened(pool, seen))
                pthread_cond_wait(&pool->wake, &pool->lock);
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->lock);
        }
        if (atomic_load(&pool->stop))
            return NULL;
        unsigned g = atomic_load_explicit(&pool->gen, memory_order_acquire);
        seen = g;
        if (!(g & 1))
            continue;
        /* Announce ourselves, then check the job is still open: if it is,
         * the caller (which closes before it waits for active == 0) will
         * wait for us before it reuses the job fields. */
        atomic_fetch_add(&pool->active, 1);
        if (atomic_load(&pool->gen) == g)
            run_items(pool);
        atomic_fetch_sub(&pool->active, 1);
    }
}

static void stop_workers(el_threadpool *pool)
{
    atomic_store(&pool->stop, 1);
    pthread_mutex_lock(&pool->lock);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; i++)
        pthread_join(pool->workers[i], NULL);
    pool->started = 0;
}

electra_status el_threadpool_create(int n_threads, el_threadpool **out)
{
    if (n_threads < 1)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "thread pool: %d threads (need >= 1)",
                       n_threads);
    el_threadpool *pool = el_malloc_aligned(sizeof *pool);
    if (!pool)
        return el_nomem("creating a thread pool");
    *pool = (el_threadpool){.size = n_threads};
    atomic_init(&pool->gen, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->caller_sleeping, 0);
    atomic_init(&pool->stop, 0);
    atomic_init(&pool->next, 0);
    atomic_init(&pool->finished, 0);
    atomic_init(&pool->active, 0);
    if (n_threads > 1) {
        pool->workers = el_malloc_array((size_t)n_threads - 1, sizeof *pool->workers);
        if (!pool->workers) {
            el_free_aligned(pool);
            return el_nomem("creating a thread pool");
        }
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);

    /* Workers block every signal, so the application's handlers keep
     * running on the application's own threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = 0;
    while (pool->started < n_threads - 1) {
        err = pthread_create(&pool->workers[pool->started], NULL, worker_main, pool);
        if (err)
            break;
        pool->started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        int failed = pool->started + 1;
        el_threadpool_free(pool);
        return el_fail(err == EAGAIN ? ELECTRA_ERR_NOMEM : ELECTRA_ERR_INTERNAL,
                       "thread pool: could not start worker %d of %d (error %d)", failed,
                       n_threads - 1, err);
    }
    *out = pool;
    return ELECTRA_OK;
}

void el_threadpool_free(el_threadpool *pool)
{
    if (!pool)
        return;
    stop_workers(pool);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    el_free(pool->workers);
    el_free_aligned(pool);
}

int el_threadpool_size(const el_threadpool *pool)
{
    return pool ? pool->size : 1;
}

void el_parallel_for(el_threadpool *pool, size_t n, void (*fn)(void *arg, size_t i), void *arg)
{
    if (!pool || pool->started == 0 || n <= 1) {
        for (size_t i = 0; i < n; i++)
            fn(arg, i);
        return;
    }
    pool->fn = fn;
    pool->arg = arg;
    pool->n = n;
    atomic_store_explicit(&pool->next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->finished, 0, memory_order_relaxed);
    unsigned g = atomic_load_explicit(&pool->gen, memory_order_relaxed) + 1;
    atomic_store(&pool->gen, g); /* open; seq_cst pairs with sleepers */
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
    }

    run_items(pool);

    if (!spin_until(pool, all_finished, 0)) {
        pthread_mutex_lock(&pool->lock);
        atomic_store(&pool->caller_sleeping, 1);
        while (!all_finished(pool, 0))
            pthread_cond_wait(&pool->done, &pool->lock);
        atomic_store(&pool->caller_sleeping, 0);
        pthread_mutex_unlock(&pool->lock);
    }

    /* Close, then wait out workers that joined late and are about to
     * find no items left. */
    atomic_store(&pool->gen, g + 1);
    while (atomic_load(&pool->active) > 0)
        sched_yield();
}
