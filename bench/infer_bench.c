/* infer_bench.c - per-inference latency of libelectra on a model directory,
 * printed as one JSON line per shape in the format of the ONNX Runtime and
 * PyTorch baselines (engine, kind, threads, batch, seq, reps, ms_min,
 * ms_med, ms_max, tok_s, gflop_s), plus load time and peak RSS.
 *
 * usage: infer_bench --model DIR [--threads T] [--shapes 1x128,8x128]
 *        [--min-reps 20] [--min-secs 3] [--warmup-secs 1] [--kernels auto|reference]
 *        [--precision f32|bf16|int8] [--iters N]
 * cpu_ms_min / cpu_ms_med: the process CPU time per inference (see cpu_ms).
 * --iters N runs N inferences of the first shape and prints one summary line
 * (for whole-process time and peak memory). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "electra.h"

static double clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time of all the process's threads: unlike wall time, it does not
 * count the time other processes on the same cores take from us, so its
 * median stays meaningful on a busy machine (for one thread; with more, it
 * includes time spent waiting at barriers). */
static double cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return def;
}

/* Analytic matmul FLOPs per sequence, the baselines' formula. */
static double flops(int64_t L, int64_t E, int64_t H, int64_t F, int64_t V, int64_t layers,
                    int gen)
{
    double f = 2.0 * L * E * H +
               layers * (2.0 * L * H * 3 * H + 4.0 * L * L * H + 2.0 * L * H * H + 4.0 * L * H * F);
    f += gen ? 2.0 * L * H * E + 2.0 * L * E * V : 2.0 * L * H * H + 2.0 * L * H;
    return f;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void fill_inputs(int32_t *ids, size_t b, size_t l)
{
    for (size_t i = 0; i < b * l; i++)
        ids[i] = 1000 + (int32_t)((i * 7919) % 29000);
    for (size_t r = 0; r < b; r++) {
        ids[r * l] = 101;
        ids[r * l + l - 1] = 102;
    }
}

int main(int argc, char **argv)
{
    const char *dir = arg(argc, argv, "--model", NULL);
    if (!dir) {
        fprintf(stderr, "usage: infer_bench --model DIR [--threads T] [--shapes BxL,...] "
                        "[--min-reps N] [--min-secs S] [--warmup-secs S] [--kernels K] "
                        "[--precision P] [--iters N]\n");
        return 2;
    }
    int threads = atoi(arg(argc, argv, "--threads", "1"));
    int min_reps = atoi(arg(argc, argv, "--min-reps", "20"));
    double min_secs = atof(arg(argc, argv, "--min-secs", "3"));
    double warmup_secs = atof(arg(argc, argv, "--warmup-secs", "1"));
    int iters = atoi(arg(argc, argv, "--iters", "0"));
    const char *kernels = arg(argc, argv, "--kernels", "auto");
    const char *precision = arg(argc, argv, "--precision", "f32");
    char shapes[256];
    snprintf(shapes, sizeof shapes, "%s", arg(argc, argv, "--shapes", "1x128,8x128,1x512"));

    double t0 = now_ms();
    electra_options *o;
    electra_options_create(&o);
    electra_options_set_int(o, ELECTRA_OPT_THREADS, threads);
    electra_options_set_int(o, ELECTRA_OPT_KERNELS,
                            strcmp(kernels, "reference") == 0 ? ELECTRA_KERNELS_REFERENCE
                                                              : ELECTRA_KERNELS_AUTO);
    electra_options_set_int(o, ELECTRA_OPT_PRECISION,
                            strcmp(precision, "bf16") == 0   ? ELECTRA_PRECISION_BF16
                            : strcmp(precision, "int8") == 0 ? ELECTRA_PRECISION_INT8
                                                             : ELECTRA_PRECISION_F32);
    electra_model *m;
    electra_context *ctx;
    electra_status s = electra_model_load(dir, o, &m);
    if (!s)
        s = electra_context_create(m, o, &ctx);
    if (s) {
        fprintf(stderr, "infer_bench: %s: %s\n", electra_status_string(s), electra_last_error());
        return 1;
    }
    double load_ms = now_ms() - t0;
    int gen = electra_model_info(m, ELECTRA_INFO_HEAD) == ELECTRA_HEAD_MASKED_LM;
    int64_t E = electra_model_info(m, ELECTRA_INFO_EMBEDDING_SIZE);
    int64_t H = electra_model_info(m, ELECTRA_INFO_HIDDEN_SIZE);
    int64_t F = electra_model_info(m, ELECTRA_INFO_INTERMEDIATE_SIZE);
    int64_t V = electra_model_info(m, ELECTRA_INFO_VOCAB_SIZE);
    int64_t layers = electra_model_info(m, ELECTRA_INFO_NUM_LAYERS);
    char engine[96];
    snprintf(engine, sizeof engine, "libelectra %s %s%s%s", electra_version_string(), precision,
             strcmp(kernels, "auto") ? " " : "", strcmp(kernels, "auto") ? kernels : "");

    int rc = 0;
    for (char *tok = strtok(shapes, ","); tok && !rc; tok = strtok(NULL, ",")) {
        size_t b, l;
        if (sscanf(tok, "%zux%zu", &b, &l) != 2) {
            fprintf(stderr, "infer_bench: bad shape %s\n", tok);
            rc = 2;
            break;
        }
        int32_t *ids = malloc(b * l * sizeof *ids);
        fill_inputs(ids, b, l);
        if (iters > 0) {
            double start = now_ms();
            for (int i = 0; i < iters && !rc; i++)
                rc = electra_forward(ctx, b, l, ids, NULL, NULL) != ELECTRA_OK;
            printf("{\"engine\":\"%s\",\"kind\":\"%s\",\"threads\":%d,\"batch\":%zu,\"seq\":%zu,"
                   "\"iters\":%d,\"load_ms\":%.2f,\"run_ms\":%.2f,\"maxrss_kb\":%ld}\n",
                   engine, gen ? "gen" : "disc", threads, b, l, iters, load_ms,
                   now_ms() - start, maxrss_kb());
            free(ids);
            break;
        }
        double end_warm = now_ms() + warmup_secs * 1e3;
        while (now_ms() < end_warm && !rc)
            rc = electra_forward(ctx, b, l, ids, NULL, NULL) != ELECTRA_OK;
        size_t cap = 1024, n = 0;
        double *times = malloc(cap * sizeof *times), *cpu = malloc(cap * sizeof *cpu);
        double start = now_ms();
        while (!rc && (n < (size_t)min_reps || now_ms() - start < min_secs * 1e3)) {
            double c = cpu_ms(), a = now_ms();
            rc = electra_forward(ctx, b, l, ids, NULL, NULL) != ELECTRA_OK;
            if (n == cap) {
                times = realloc(times, (cap *= 2) * sizeof *times);
                cpu = realloc(cpu, cap * sizeof *cpu);
            }
            times[n] = now_ms() - a;
            cpu[n++] = cpu_ms() - c;
        }
        if (rc) {
            fprintf(stderr, "infer_bench: %s\n", electra_context_last_error(ctx));
        } else {
            qsort(times, n, sizeof *times, cmp_double);
            qsort(cpu, n, sizeof *cpu, cmp_double);
            double med = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
            double cpu_med = n % 2 ? cpu[n / 2] : (cpu[n / 2 - 1] + cpu[n / 2]) / 2;
            double gf = flops((int64_t)l, E, H, F, V, layers, gen) * (double)b / (med * 1e6);
            printf("{\"engine\":\"%s\",\"kind\":\"%s\",\"threads\":%d,\"batch\":%zu,\"seq\":%zu,"
                   "\"reps\":%zu,\"ms_min\":%.3f,\"ms_med\":%.3f,\"ms_max\":%.3f,\"tok_s\":%.1f,"
                   "\"gflop_s\":%.1f,\"cpu_ms_min\":%.3f,\"cpu_ms_med\":%.3f,\"load_ms\":%.1f,"
                   "\"maxrss_kb\":%ld}\n",
                   engine, gen ? "gen" : "disc", threads, b, l, n, times[0], med, times[n - 1],
                   (double)(b * l) / med * 1e3, gf, cpu[0], cpu_med, load_ms, maxrss_kb());
            fflush(stdout);
        }
        free(times);
        free(cpu);
        free(ids);
    }
    electra_context_free(ctx);
    electra_model_free(m);
    electra_options_free(o);
    return rc;
}
