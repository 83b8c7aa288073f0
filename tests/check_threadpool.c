/* check_threadpool.c - every item runs exactly once, for any pool size,
 * job size and timing; pools are independent of one another. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "threadpool.h"

typedef struct counts {
    atomic_int *hits;
    atomic_long sum;
} counts;

static void count_item(void *arg, size_t i)
{
    counts *c = arg;
    atomic_fetch_add(&c->hits[i], 1);
    atomic_fetch_add(&c->sum, (long)i);
}

/* Runs a job of n items and checks each ran once. */
static void run_and_check(el_threadpool *pool, size_t n)
{
    counts c = {calloc(n ? n : 1, sizeof(atomic_int)), 0};
    ck_assert_ptr_nonnull(c.hits);
    el_parallel_for(pool, n, count_item, &c);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(atomic_load(&c.hits[i]) == 1, "n=%zu item %zu ran %d times", n, i,
                      atomic_load(&c.hits[i]));
    ck_assert_int_eq(atomic_load(&c.sum), (long)(n ? n * (n - 1) / 2 : 0));
    free(c.hits);
}

START_TEST(every_item_once_for_every_size)
{
    for (int threads = 1; threads <= 4; threads++) {
        el_threadpool *pool = NULL;
        ck_assert_int_eq(el_threadpool_create(threads, &pool), ELECTRA_OK);
        ck_assert_int_eq(el_threadpool_size(pool), threads);
        for (size_t n = 0; n <= 300; n++)
            run_and_check(pool, n);
        run_and_check(pool, 1000003);
        el_threadpool_free(pool);
    }
}
END_TEST

START_TEST(many_repeated_jobs)
{
    el_threadpool *pool = NULL;
    ck_assert_int_eq(el_threadpool_create(3, &pool), ELECTRA_OK);
    for (int job = 0; job < 20000; job++)
        run_and_check(pool, (size_t)(job % 17));
    el_threadpool_free(pool);
}
END_TEST

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, us % 1000000 * 1000};
    nanosleep(&ts, NULL);
}

static void slow_item(void *arg, size_t i)
{
    sleep_us(1500); /* longer than the spin: the caller and workers sleep */
    count_item(arg, i);
}

START_TEST(sleeping_workers_and_caller_wake_up)
{
    el_threadpool *pool = NULL;
    ck_assert_int_eq(el_threadpool_create(2, &pool), ELECTRA_OK);
    for (int round = 0; round < 5; round++) {
        sleep_us(5000); /* workers have gone to sleep */
        run_and_check(pool, 64);
        counts c = {calloc(5, sizeof(atomic_int)), 0};
        el_parallel_for(pool, 5, slow_item, &c);
        for (int i = 0; i < 5; i++)
            ck_assert_int_eq(atomic_load(&c.hits[i]), 1);
        free(c.hits);
    }
    el_threadpool_free(pool);
}
END_TEST

typedef struct owner_args {
    int threads;
    int failures;
} owner_args;

static void *own_a_pool(void *p)
{
    owner_args *a = p;
    el_threadpool *pool = NULL;
    if (el_threadpool_create(a->threads, &pool) != ELECTRA_OK) {
        a->failures++;
        return NULL;
    }
    for (int job = 0; job < 2000; job++) {
        size_t n = (size_t)(job % 23) + 1;
        counts c = {calloc(n, sizeof(atomic_int)), 0};
        el_parallel_for(pool, n, count_item, &c);
        for (size_t i = 0; i < n; i++)
            if (atomic_load(&c.hits[i]) != 1)
                a->failures++;
        free(c.hits);
    }
    el_threadpool_free(pool);
    return NULL;
}

START_TEST(several_pools_on_several_threads)
{
    pthread_t owners[4];
    owner_args args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (owner_args){i % 3 + 1, 0};
        ck_assert_int_eq(pthread_create(&owners[i], NULL, own_a_pool, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(owners[i], NULL);
        ck_assert_int_eq(args[i].failures, 0);
    }
}
END_TEST

typedef struct order_log {
    size_t next;
    int in_order;
    pthread_t caller;
    int on_caller;
} order_log;

static void log_order(void *arg, size_t i)
{
    order_log *log = arg;
    if (i != log->next++)
        log->in_order = 0;
    if (!pthread_equal(pthread_self(), log->caller))
        log->on_caller = 0;
}

START_TEST(pool_of_one_and_null_pool_run_in_order_on_the_caller)
{
    el_threadpool *one = NULL;
    ck_assert_int_eq(el_threadpool_create(1, &one), ELECTRA_OK);
    ck_assert_int_eq(el_threadpool_size(one), 1);
    ck_assert_int_eq(el_threadpool_size(NULL), 1);
    el_threadpool *pools[2] = {one, NULL};
    for (int p = 0; p < 2; p++) {
        order_log log = {0, 1, pthread_self(), 1};
        el_parallel_for(pools[p], 1000, log_order, &log);
        ck_assert_uint_eq(log.next, 1000);
        ck_assert_int_eq(log.in_order, 1);
        ck_assert_int_eq(log.on_caller, 1);
    }
    el_threadpool_free(one);
    el_threadpool_free(NULL);
}
END_TEST

START_TEST(bad_size_is_refused)
{
    el_threadpool *pool = (el_threadpool *)&pool; /* must stay untouched */
    el_threadpool *before = pool;
    ck_assert_int_eq(el_threadpool_create(0, &pool), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(el_threadpool_create(-3, &pool), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_eq(pool, before);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "thread"));
}
END_TEST

Suite *make_threadpool_suite(void)
{
    Suite *s = suite_create("threadpool");
    TCase *tc = tcase_create("threadpool");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_item_once_for_every_size);
    tcase_add_test(tc, many_repeated_jobs);
    tcase_add_test(tc, sleeping_workers_and_caller_wake_up);
    tcase_add_test(tc, several_pools_on_several_threads);
    tcase_add_test(tc, pool_of_one_and_null_pool_run_in_order_on_the_caller);
    tcase_add_test(tc, bad_size_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
