/* check_threads.c - many threads on shared models and tokenizers.
 *
 * The header's contract: a loaded model and tokenizer are immutable and
 * shareable; per-call state lives in handles owned by one thread. Eight
 * threads share five models (one per head) and their tokenizer, each with
 * its own contexts (half of them with two worker threads each) and
 * encoding, and make 1,000 mixed calls each: encode, batch encode, decode,
 * forward and the five tasks. Every result must be bit-identical to what
 * the same call gave on one thread with one-thread contexts. The suite is
 * also what CI runs under ThreadSanitizer (.ci/steps/20-tsan.sh).
 *
 * electra_last_error() is per thread: failures made at the same time in
 * different threads each keep their own message. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "reliability_util.h"
#include "testutil.h"

#define N_THREADS 8
#define CALLS_PER_THREAD 1000

enum { GEN, DISC, CLS, TAG, QA, N_MODELS };
static const char *const model_names[N_MODELS] = {"tiny-generator", "tiny-discriminator",
                                                  "tiny-classifier", "tiny-tagger", "tiny-qa"};

struct shared {
    electra_model *models[N_MODELS];
    const electra_tokenizer *tok;
};

/* What one thread owns. */
struct worker {
    const struct shared *sh;
    int threads_per_context;
    electra_context *ctx[N_MODELS];
    electra_encoding *enc;
    electra_options *opts; /* TOP_K 3 and truncation, read-only during the calls */
    int first;             /* where in the call list this thread starts */
    int mismatches, failures;
    char first_problem[256];
};

enum call_kind { ENCODE, BATCH, DECODE, FORWARD, FILL, DETECT, CLASSIFY, TAG_, ANSWER };

struct call {
    enum call_kind kind;
    const char *text, *pair;
};

static const struct call calls[] = {
    {ENCODE, "The quick brown fox jumps over the lazy dog.", NULL},
    {ENCODE, "Caf\xc3\xa9 \xe4\xb8\xad\xe5\x9b\xbd unaffable", "a second segment"},
    {BATCH, "first text of a batch", "second one, longer than the first text"},
    {DECODE, NULL, NULL},
    {FORWARD, NULL, NULL},
    {FILL, "The capital of France is [MASK].", NULL},
    {FILL, "The [MASK] fox jumps over the [MASK] dog.", NULL},
    {DETECT, "The quick brown fox ate over the lazy dog.", NULL},
    {DETECT, "Paris is the capital of Germany.", NULL},
    {CLASSIFY, "What a wonderful day.", "It rained all day."},
    {CLASSIFY, "Terrible service, never again.", NULL},
    {TAG_, "Angela Merkel met Emmanuel Macron in Paris.", NULL},
    {TAG_, "The Eiffel Tower is in Paris, France.", NULL},
    {ANSWER, "Where does the fox live?",
     "The fox lives in a den near the river. The dog sleeps in the house."},
    {ANSWER, "Who sleeps?", "The dog sleeps in the house, the cat on the mat."},
};
#define N_CALLS (sizeof calls / sizeof calls[0])

static uint64_t reference[N_CALLS];

/* Run one call; 0 and its fingerprint in *fp on success, else -1 with the
 * error in problem. */
static int run_call(struct worker *w, const struct call *c, uint64_t *fp, char *problem,
                    size_t cap)
{
    electra_result *r = NULL;
    electra_status s = ELECTRA_OK;
    electra_context *ctx = NULL;
    switch (c->kind) {
    case ENCODE:
        s = electra_tokenizer_encode(w->sh->tok, c->text, strlen(c->text), c->pair,
                                     c->pair ? strlen(c->pair) : 0, w->opts, w->enc);
        if (!s)
            *fp = fingerprint_encoding(w->enc);
        break;
    case BATCH: {
        const char *texts[3] = {c->text, c->pair, ""};
        size_t lens[3] = {strlen(c->text), strlen(c->pair), 0};
        s = electra_tokenizer_encode_batch(w->sh->tok, 3, texts, lens, NULL, NULL, w->opts,
                                           w->enc);
        if (!s)
            *fp = fingerprint_encoding(w->enc);
        break;
    }
    case DECODE: {
        const int32_t ids[] = {101, 1996, 4248, 2829, 4419, 102, 1005, 1055, 7592, 1012, 102};
        char buf[256];
        size_t len;
        s = electra_tokenizer_decode(w->sh->tok, ids, sizeof ids / sizeof ids[0], 1, 1, buf,
                                     sizeof buf, &len);
        if (!s)
            *fp = fingerprint_bytes(1469598103934665603ull, buf, len);
        break;
    }
    case FORWARD: {
        const int32_t ids[2 * 6] = {101, 1996, 103, 4419, 102, 0, 101, 7592, 2088, 1010, 103, 102};
        const int32_t mask[2 * 6] = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
        ctx = w->ctx[GEN];
        s = electra_forward(ctx, 2, 6, ids, mask, NULL);
        if (!s)
            *fp = fingerprint_outputs(ctx);
        break;
    }
    case FILL:
        ctx = w->ctx[GEN];
        s = electra_fill_mask(ctx, c->text, strlen(c->text), NULL, 0, w->opts, &r);
        break;
    case DETECT:
        ctx = w->ctx[DISC];
        s = electra_detect(ctx, c->text, strlen(c->text), w->opts, &r);
        break;
    case CLASSIFY:
        ctx = w->ctx[CLS];
        s = electra_classify(ctx, c->text, strlen(c->text), c->pair,
                             c->pair ? strlen(c->pair) : 0, w->opts, &r);
        break;
    case TAG_:
        ctx = w->ctx[TAG];
        s = electra_tag(ctx, c->text, strlen(c->text), w->opts, &r);
        break;
    case ANSWER:
        ctx = w->ctx[QA];
        s = electra_answer(ctx, c->text, strlen(c->text), c->pair, strlen(c->pair), w->opts, &r);
        break;
    }
    if (s) {
        snprintf(problem, cap, "call %d: %s: %s", (int)c->kind, electra_status_string(s),
                 ctx ? electra_context_last_error(ctx) : electra_last_error());
        return -1;
    }
    if (r) {
        *fp = fingerprint_result(r);
        electra_result_free(r);
    }
    return 0;
}

static void worker_open(struct worker *w, const struct shared *sh, int threads_per_context)
{
    memset(w, 0, sizeof *w);
    w->sh = sh;
    w->threads_per_context = threads_per_context;
    electra_options *o;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_THREADS, threads_per_context),
                     ELECTRA_OK);
    for (int m = 0; m < N_MODELS; m++)
        ck_assert_int_eq(electra_context_create(sh->models[m], o, &w->ctx[m]), ELECTRA_OK);
    electra_options_free(o);
    ck_assert_int_eq(electra_encoding_create(&w->enc), ELECTRA_OK);
    ck_assert_int_eq(electra_options_create(&w->opts), ELECTRA_OK);
    electra_options_set_int(w->opts, ELECTRA_OPT_TOP_K, 3);
    electra_options_set_int(w->opts, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_LONGEST_FIRST);
    electra_options_set_int(w->opts, ELECTRA_OPT_MAX_LENGTH, 64);
}

static void worker_close(struct worker *w)
{
    for (int m = 0; m < N_MODELS; m++)
        electra_context_free(w->ctx[m]);
    electra_encoding_free(w->enc);
    electra_options_free(w->opts);
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        size_t k = (size_t)(w->first + i * 7) % N_CALLS;
        uint64_t fp = 0;
        char problem[200];
        if (run_call(w, &calls[k], &fp, problem, sizeof problem) != 0) {
            if (!w->failures++)
                snprintf(w->first_problem, sizeof w->first_problem, "%s", problem);
        } else if (fp != reference[k]) {
            if (!w->mismatches++ && !w->failures)
                snprintf(w->first_problem, sizeof w->first_problem,
                         "call %zu (kind %d) differs from the one-thread result", k,
                         (int)calls[k].kind);
        }
    }
    return NULL;
}

static void open_shared(struct shared *sh)
{
    for (int m = 0; m < N_MODELS; m++) {
        char rel[128];
        snprintf(rel, sizeof rel, "models/%s", model_names[m]);
        ck_assert_int_eq(electra_model_load(fixture_path(rel), NULL, &sh->models[m]),
                         ELECTRA_OK);
    }
    sh->tok = electra_model_tokenizer(sh->models[GEN]);
}

static void close_shared(struct shared *sh)
{
    for (int m = 0; m < N_MODELS; m++)
        electra_model_free(sh->models[m]);
}

START_TEST(shared_models_give_identical_results)
{
    REQUIRE_FIXTURES();
    struct shared sh;
    open_shared(&sh);
    /* The reference: every call once, on this thread, one-thread contexts. */
    struct worker ref;
    worker_open(&ref, &sh, 1);
    for (size_t k = 0; k < N_CALLS; k++) {
        char problem[200];
        ck_assert_msg(run_call(&ref, &calls[k], &reference[k], problem, sizeof problem) == 0,
                      "%s", problem);
    }
    worker_close(&ref);

    struct worker workers[N_THREADS];
    pthread_t tid[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        worker_open(&workers[t], &sh, t % 2 ? 2 : 1);
        workers[t].first = t;
    }
    for (int t = 0; t < N_THREADS; t++)
        ck_assert_int_eq(pthread_create(&tid[t], NULL, worker_run, &workers[t]), 0);
    for (int t = 0; t < N_THREADS; t++)
        pthread_join(tid[t], NULL);
    for (int t = 0; t < N_THREADS; t++) {
        ck_assert_msg(workers[t].failures == 0 && workers[t].mismatches == 0,
                      "thread %d (%d-thread contexts): %d failures, %d mismatches; first: %s", t,
                      workers[t].threads_per_context, workers[t].failures,
                      workers[t].mismatches, workers[t].first_problem);
        worker_close(&workers[t]);
    }
    close_shared(&sh);
}
END_TEST

/* ---- loading in several threads at once ------------------------------------ */

/* Each thread loads every model itself (formats differ: safetensors,
 * shards, legacy .bin) and runs one call on it; the results must be the
 * one-thread reference. */
static const char *const load_dirs[] = {"tiny-discriminator", "tiny-discriminator-sharded",
                                        "tiny-discriminator-legacy-posids"};

struct loader {
    int first;
    uint64_t got[3]; /* per directory; 0 once two rounds disagreed */
};

/* Resolved before the threads start (fixture_path has one static buffer). */
static char load_paths[3][4096];

static uint64_t load_and_detect(const char *path)
{
    electra_model *m = NULL;
    electra_context *ctx = NULL;
    electra_result *r = NULL;
    uint64_t fp = 0;
    static const char t[] = "The quick brown fox ate over the lazy dog.";
    if (electra_model_load(path, NULL, &m) == ELECTRA_OK &&
        electra_context_create(m, NULL, &ctx) == ELECTRA_OK &&
        electra_detect(ctx, t, sizeof t - 1, NULL, &r) == ELECTRA_OK)
        fp = fingerprint_result(r);
    electra_result_free(r);
    electra_context_free(ctx);
    electra_model_free(m);
    return fp;
}

static void *load_all(void *arg)
{
    struct loader *l = arg;
    for (int round = 0; round < 3; round++)
        for (int k = 0; k < 3; k++) {
            int i = (k + round + l->first) % 3;
            uint64_t fp = load_and_detect(load_paths[i]);
            l->got[i] = round == 0 || l->got[i] == fp ? fp : 0;
        }
    return NULL;
}

START_TEST(loading_in_parallel)
{
    REQUIRE_FIXTURES();
    for (int i = 0; i < 3; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "models/%s", load_dirs[i]);
        snprintf(load_paths[i], sizeof load_paths[i], "%s", fixture_path(rel));
    }
    /* the three files hold the same weights: one reference for all */
    uint64_t want = load_and_detect(load_paths[0]);
    ck_assert_uint_ne(want, 0);
    struct loader loaders[4];
    pthread_t tid[4];
    for (int t = 0; t < 4; t++) {
        loaders[t] = (struct loader){.first = t};
        ck_assert_int_eq(pthread_create(&tid[t], NULL, load_all, &loaders[t]), 0);
    }
    for (int t = 0; t < 4; t++)
        pthread_join(tid[t], NULL);
    for (int t = 0; t < 4; t++)
        for (int i = 0; i < 3; i++)
            ck_assert_msg(loaders[t].got[i] == want,
                          "thread %d, %s: result differs", t, load_dirs[i]);
}
END_TEST

/* ---- electra_last_error per thread ---------------------------------------- */

static pthread_barrier_t barrier;

struct error_probe {
    int index;
    const electra_model *model;
    int ok;
    char got[600];
};

static void *probe_errors(void *arg)
{
    struct error_probe *p = arg;
    char path[64];
    snprintf(path, sizeof path, "/nonexistent/thread-%d/vocab.txt", p->index);
    electra_tokenizer *t = NULL;
    electra_status s = electra_tokenizer_load(path, NULL, &t);
    electra_context *ctx = NULL;
    electra_status cs = electra_context_create(p->model, NULL, &ctx);
    /* Every thread fails, then waits for all the others to have failed
     * too, and only then reads its message. */
    pthread_barrier_wait(&barrier);
    snprintf(p->got, sizeof p->got, "%s", electra_last_error());
    p->ok = s == ELECTRA_ERR_IO && strstr(p->got, path) != NULL;
    /* A context keeps its own last error, whatever other threads do. */
    char text[32];
    int n = snprintf(text, sizeof text, "thread %d has no mask", p->index);
    electra_result *r = NULL;
    if (cs == ELECTRA_OK) {
        electra_status fs = electra_fill_mask(ctx, text, (size_t)n, NULL, 0, NULL, &r);
        pthread_barrier_wait(&barrier);
        p->ok = p->ok && fs == ELECTRA_ERR_NO_MASK && r == NULL &&
                electra_context_last_error(ctx)[0] != '\0' &&
                strstr(electra_last_error(), path) == NULL;
        electra_context_free(ctx);
    } else {
        pthread_barrier_wait(&barrier);
        p->ok = 0;
    }
    return NULL;
}

static void *read_fresh_error(void *arg)
{
    snprintf(arg, 600, "%s", electra_last_error());
    return NULL;
}

START_TEST(last_error_is_per_thread)
{
    REQUIRE_FIXTURES();
    electra_model *m;
    ck_assert_int_eq(electra_model_load(fixture_path("models/tiny-generator"), NULL, &m),
                     ELECTRA_OK);
    struct error_probe probes[N_THREADS];
    pthread_t tid[N_THREADS];
    pthread_barrier_init(&barrier, NULL, N_THREADS);
    for (int t = 0; t < N_THREADS; t++) {
        probes[t] = (struct error_probe){.index = t, .model = m};
        ck_assert_int_eq(pthread_create(&tid[t], NULL, probe_errors, &probes[t]), 0);
    }
    for (int t = 0; t < N_THREADS; t++)
        pthread_join(tid[t], NULL);
    pthread_barrier_destroy(&barrier);
    for (int t = 0; t < N_THREADS; t++)
        ck_assert_msg(probes[t].ok, "thread %d saw \"%s\"", t, probes[t].got);
    /* A thread that has made no failing call reads "". */
    ck_assert_int_eq(pthread_create(&tid[0], NULL, read_fresh_error, probes[0].got), 0);
    pthread_join(tid[0], NULL);
    ck_assert_str_eq(probes[0].got, "");
    electra_model_free(m);
}
END_TEST

Suite *make_threads_suite(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("shared");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, shared_models_give_identical_results);
    tcase_add_test(tc, last_error_is_per_thread);
    tcase_add_test(tc, loading_in_parallel);
    suite_add_tcase(s, tc);
    return s;
}
