/* gemm_bench.c - times el_linear_forward on the ELECTRA-small shapes:
 * the fast float32 kernel, the opt-in bfloat16 one (ELECTRA_PRECISION_BF16),
 * the CBLAS reference path, and one plain cblas_sgemm call, on 1 and 2
 * threads; and the float32 FMA peak of one core, for scale. One JSON line
 * per measurement on stdout.
 *
 *   bench/gemm_bench [--seconds S] [--m 128,512,1024] [--threads 1,2]
 *                    [--engines fast,bf16,reference,cblas] [--shapes qkv,...]
 *
 * Other processes share the cores, so each configuration repeats for S
 * seconds (default 1) and reports the minimum next to the median.
 * OPENBLAS_CORETYPE decides the OpenBLAS kernels (reported as given). */
#include <config.h>

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "linear.h"
#include "threadpool.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int num_threads);
#endif

typedef struct shape {
    const char *name;
    size_t in, out;
    el_activation act;
    int residual_in_y;
} shape;

static const shape shapes[] = {
    {"qkv", 256, 256, EL_ACT_NONE, 0},
    {"ffn_in", 256, 1024, EL_ACT_GELU, 0},
    {"ffn_out", 1024, 256, EL_ACT_NONE, 1},
    {"embeddings_project", 128, 256, EL_ACT_NONE, 0},
    {"generator_vocab", 128, 30522, EL_ACT_NONE, 0},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct run {
    const char *engine;
    const el_linear *linear; /* NULL: plain cblas_sgemm */
    const shape *s;
    const float *x, *w;
    float *y;
    size_t m;
    el_threadpool *pool;
} run;

static void run_once(const run *r)
{
    if (r->linear) {
        el_linear_forward(r->linear, r->x, r->m, r->y, r->s->act,
                          r->s->residual_in_y ? r->y : NULL, r->pool);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)r->m, (int)r->s->out,
                (int)r->s->in, 1.0f, r->x, (int)r->s->in, r->w, (int)r->s->in, 0.0f, r->y,
                (int)r->s->out);
}

static void measure(const run *r, int threads, double seconds)
{
    static double times[100000];
    const size_t max_reps = sizeof times / sizeof *times;
    for (int i = 0; i < 3; i++)
        run_once(r);
    size_t reps = 0;
    const double start = now();
    while (reps < max_reps && (reps < 10 || now() - start < seconds)) {
        const double t0 = now();
        run_once(r);
        times[reps++] = now() - t0;
    }
    qsort(times, reps, sizeof *times, compare_doubles);
    const double flop = 2.0 * (double)r->m * (double)r->s->in * (double)r->s->out;
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    printf("{\"engine\":\"%s\",\"kernel\":\"%s\",\"shape\":\"%s\",\"m\":%zu,\"in\":%zu,\"out\":%zu,"
           "\"epilogue\":\"%s\",\"threads\":%d,\"reps\":%zu,\"ms_min\":%.4f,\"ms_med\":%.4f,"
           "\"gflops_best\":%.1f,\"gflops_med\":%.1f,\"openblas_coretype\":\"%s\"}\n",
           r->engine, r->linear ? el_linear_kernel_name(r->linear) : "cblas_sgemm", r->s->name, r->m, r->s->in, r->s->out,
           !r->linear                      ? "none"
           : r->s->act == EL_ACT_GELU      ? "bias+gelu"
           : r->s->residual_in_y           ? "bias+residual"
                                           : "bias",
           threads, reps, times[0] * 1e3, times[reps / 2] * 1e3, flop / times[0] * 1e-9,
           flop / times[reps / 2] * 1e-9, coretype ? coretype : "unset");
    fflush(stdout);
}

/* GFLOP/s of independent float32 FMAs on one core: 24 zmm chains when
 * the CPU has AVX-512, else the compiler's choice for plain C. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx512f"))) static double fma_peak_avx512(long iters)
{
    __m512 acc[24];
    for (int i = 0; i < 24; i++)
        acc[i] = _mm512_set1_ps((float)i * 1e-3f);
    __m512 a = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(1e-4f);
    const double t0 = now();
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 24
        for (int i = 0; i < 24; i++)
            acc[i] = _mm512_fmadd_ps(acc[i], a, c);
        __asm__ volatile("" : "+v"(a));
    }
    const double t = now() - t0;
    float sum = 0;
    for (int i = 0; i < 24; i++)
        sum += _mm512_reduce_add_ps(acc[i]);
    __asm__ volatile("" : : "x"(sum));
    return (double)iters * 24 * 32 / t * 1e-9;
}
#endif

static void report_peak(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (el_cpu_best_path() < EL_CPU_AVX512)
        return;
    double best = 0;
    for (int r = 0; r < 20; r++) {
        double g = fma_peak_avx512(2000000);
        best = g > best ? g : best;
    }
    printf("{\"engine\":\"fma_peak\",\"threads\":1,\"gflops_best\":%.1f}\n", best);
#endif
}

static size_t parse_list(const char *arg, size_t *out, size_t max)
{
    size_t n = 0;
    for (char *end; *arg && n < max; arg = *end ? end + 1 : end) {
        out[n++] = strtoul(arg, &end, 10);
        if (end == arg)
            return 0;
    }
    return n;
}

/* Is name an item of the comma-separated list? */
static int listed(const char *list, const char *name)
{
    const size_t len = strlen(name);
    for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (!strncmp(p, name, len) && (p[len] == ',' || p[len] == '\0'))
            return 1;
    return 0;
}

static float *random_floats(size_t n, float scale)
{
    float *v = malloc(n * sizeof *v);
    if (!v) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    unsigned s = 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        v[i] = scale * ((float)(s >> 8) / 8388608.0f - 1.0f);
    }
    return v;
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    size_t ms[8] = {128, 512, 1024}, n_ms = 3;
    size_t threads[8] = {1, 2}, n_threads = 2;
    const char *engines = "fast,bf16,reference,cblas", *only_shapes = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--m") && i + 1 < argc)
            n_ms = parse_list(argv[++i], ms, 8);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            n_threads = parse_list(argv[++i], threads, 8);
        else if (!strcmp(argv[i], "--engines") && i + 1 < argc)
            engines = argv[++i];
        else if (!strcmp(argv[i], "--shapes") && i + 1 < argc)
            only_shapes = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [--seconds S] [--m 128,512,1024] [--threads 1,2]\n"
                    "          [--engines fast,bf16,reference,cblas] [--shapes qkv,ffn_in,ffn_out,\n"
                    "          embeddings_project,generator_vocab]\n"
                    "Times el_linear_forward (fast and reference) and cblas_sgemm on the\n"
                    "ELECTRA-small shapes; prints JSON lines.\n",
                    argv[0]);
            return 2;
        }
    }
    if (!n_ms || !n_threads || seconds <= 0) {
        fprintf(stderr, "%s: bad argument\n", argv[0]);
        return 2;
    }
    fprintf(stderr, "fast kernels: %s\n", el_cpu_path_name(el_cpu_best_path()));
    report_peak();

    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        const shape *s = &shapes[si];
        if (only_shapes && !listed(only_shapes, s->name))
            continue;
        float *w = random_floats(s->in * s->out, 0.05f);
        float *b = random_floats(s->out, 0.05f);
        el_linear fast, bf16, ref;
        if (el_linear_init(&fast, w, b, s->in, s->out, ELECTRA_KERNELS_AUTO) ||
            el_linear_init_precision(&bf16, w, b, s->in, s->out, ELECTRA_KERNELS_AUTO,
                                     ELECTRA_PRECISION_BF16) ||
            el_linear_init(&ref, w, b, s->in, s->out, ELECTRA_KERNELS_REFERENCE)) {
            fprintf(stderr, "el_linear_init: %s\n", electra_last_error());
            return 1;
        }
        for (size_t mi = 0; mi < n_ms; mi++) {
            float *x = random_floats(ms[mi] * s->in, 1.0f);
            float *y = random_floats(ms[mi] * s->out, 1.0f);
            for (size_t ti = 0; ti < n_threads; ti++) {
                el_threadpool *pool = NULL;
                if (el_threadpool_create((int)threads[ti], &pool)) {
                    fprintf(stderr, "thread pool: %s\n", electra_last_error());
                    return 1;
                }
                run r = {"fast", &fast, s, x, w, y, ms[mi], pool};
                if (listed(engines, "fast"))
                    measure(&r, (int)threads[ti], seconds);
                r.engine = "bf16";
                r.linear = &bf16;
                if (listed(engines, "bf16"))
                    measure(&r, (int)threads[ti], seconds);
                r.engine = "reference";
                r.linear = &ref;
                if (listed(engines, "reference"))
                    measure(&r, (int)threads[ti], seconds);
                r.engine = "cblas";
                r.linear = NULL;
                if (listed(engines, "cblas")) {
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
                    openblas_set_num_threads((int)threads[ti]);
#endif
                    measure(&r, (int)threads[ti], seconds);
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
                    openblas_set_num_threads(1);
#endif
                }
                el_threadpool_free(pool);
            }
            free(x);
            free(y);
        }
        el_linear_release(&fast);
        el_linear_release(&bf16);
        el_linear_release(&ref);
        free(w);
        free(b);
    }
    return 0;
}
