/* train_bench.c - training-step throughput of libelectra's trainer, as
 * /work/shared/bench/bench_torch_train.py measures PyTorch's: one step =
 * forward, loss, backward, clip_grad_norm_(1.0), AdamW, zero_grad.
 *
 *   train_bench --kind pretrain-small|finetune-small-cls|train-tiny-gen|train-tiny-disc
 *               [--threads N] [--batch B --seq S] [--warmup-steps 3]
 *               [--min-reps 10] [--min-secs 5 (tiny kinds 3)] [--dropout P]
 *
 * pretrain-small: ELECTRA pre-training (lib/pretrain.h) as
 * bench_torch_train.py's kind of that name: the electra-small
 * discriminator and a generator of hidden size 64 (0.25), 12 layers, one
 * head, sharing the embeddings; 30522 tokens; the same random full-length
 * rows every step, masked afresh (19 positions at 128), Gumbel-max
 * samples, MLM + 50 BCE, lr 5e-4 constant, no decay on biases/LayerNorm.
 *
 * finetune-small-cls: electra-small discriminator config (E 128, H 256, 12
 * layers, 4 heads, FFN 1024) + classification head (2 labels), weights
 * normal(0, 0.02), random ids at full length, random 0/1 labels, lr 3e-4,
 * no weight decay on biases/LayerNorm. The tiny kinds: the fixtures'
 * tiny-generator (3x12) and tiny-discriminator (6x64) with their weights,
 * inputs and labels, lr 1e-3 decaying every parameter. No dropout, as the
 * PyTorch runs. Prints one JSON line; FLOPs are PyTorch's analytic
 * 3 x forward matmul FLOPs, so GFLOP/s compare directly (our masked-LM head
 * runs on the scored positions only and does fewer). */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "electra.h"
#include "pretrain.h"
#include "tokenizer.h"
#include "trainer.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

/* A batch x seq matrix (or a batch vector) of ints from inputs.json. */
static int32_t *ints(const cJSON *root, const char *key, size_t *batch, size_t *seq)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, key), *row, *v;
    size_t n = 0, b = 0, s = 0;
    cJSON_ArrayForEach(row, rows)
    {
        b++;
        s = cJSON_IsArray(row) ? (size_t)cJSON_GetArraySize(row) : 1;
        n += s;
    }
    int32_t *out = malloc(n * sizeof *out);
    n = 0;
    cJSON_ArrayForEach(row, rows)
    {
        if (cJSON_IsArray(row)) {
            cJSON_ArrayForEach(v, row) out[n++] = (int32_t)v->valuedouble;
        } else {
            out[n++] = (int32_t)row->valuedouble;
        }
    }
    if (batch)
        *batch = b;
    if (seq)
        *seq = s;
    return out;
}

static const char *fixtures(void)
{
    const char *env = getenv("ELECTRA_FIXTURES");
    return env && *env ? env : "../shared/fixtures";
}

/* Per-sequence forward matmul FLOPs of the trunk (2 per multiply-add),
 * as electra_small.py's flops() counts them. */
static double trunk_flops(const el_config *c, size_t seq)
{
    double L = (double)seq, H = c->hidden_size, E = c->embedding_size;
    double F = c->intermediate_size, nh = c->num_heads, d = H / nh;
    double f = E != H ? 2 * L * E * H : 0;
    return f + c->num_layers * (2 * L * H * 3 * H + 2 * 2 * nh * L * L * d + 2 * L * H * H +
                                2 * 2 * L * H * F);
}

/* The same with the head. */
static double forward_flops(const el_config *c, size_t seq, int kind_cls)
{
    double L = (double)seq, H = c->hidden_size, E = c->embedding_size, V = c->vocab_size;
    double f = trunk_flops(c, seq);
    if (kind_cls)
        return f + 2 * H * H + 2 * H * c->num_labels;
    if (c->head == ELECTRA_HEAD_MASKED_LM)
        return f + 2 * L * H * E + 2 * L * E * V;
    return f + 2 * L * H * H + 2 * L * H;
}

static int cmp_double(const void *a, const void *b);

/* A BERT-layout vocabulary of n tokens: [PAD], [unused0..98], [UNK],
 * [CLS], [SEP], [MASK], then placeholders. */
static electra_tokenizer *synthetic_tokenizer(size_t n)
{
    size_t cap = n * 16, len = 0;
    char *text = malloc(cap);
    for (size_t i = 0; i < n; i++) {
        const char *special[] = {"[UNK]", "[CLS]", "[SEP]", "[MASK]"};
        if (i == 0)
            len += (size_t)snprintf(text + len, cap - len, "[PAD]\n");
        else if (i < 100)
            len += (size_t)snprintf(text + len, cap - len, "[unused%zu]\n", i - 1);
        else if (i < 104)
            len += (size_t)snprintf(text + len, cap - len, "%s\n", special[i - 100]);
        else
            len += (size_t)snprintf(text + len, cap - len, "w%zu\n", i);
    }
    struct el_tokenizer_settings set;
    el_tokenizer_settings_init(&set);
    electra_tokenizer *t = NULL;
    if (el_tokenizer_from_vocab_text(text, len, "synthetic vocabulary", &set, NULL, &t))
        t = NULL;
    el_tokenizer_settings_free(&set);
    free(text);
    return t;
}

/* The pretrain-small kind: one JSON line like bench_torch_train.py's. */
static int bench_pretrain(int threads, size_t batch, size_t seq, int warmup, int min_reps,
                          double min_secs, double dropout)
{
    electra_tokenizer *tok = synthetic_tokenizer(30522);
    el_pretrain_data *data = NULL;
    if (!tok || el_pretrain_data_create(seq, 101, 102, 0, &data)) {
        fprintf(stderr, "%s\n", electra_last_error());
        return 1;
    }
    /* The stream needs an example; the steps use the fixed batch. */
    int32_t one = 2000;
    el_pretrain_data_add_sentence(data, &one, 1);
    el_pretrain_data_end_document(data);
    el_pretrain_options o;
    el_pretrain_options_default(&o);
    o.batch = batch;
    o.seq_len = seq;
    o.train.threads = threads;
    o.train.warmup_steps = 0;
    o.train.total_steps = 0;
    o.train.dropout = (el_train_dropout){dropout, dropout, dropout};
    el_pretrainer *p;
    if (el_pretrainer_create(&o, tok, data, &p)) {
        fprintf(stderr, "%s\n", electra_last_error());
        return 1;
    }
    /* bench_torch_train.py's inputs(): ids in [1000, 30522), [CLS] ...
     * [SEP], no padding, token type 0. */
    size_t T = batch * seq;
    int32_t *ids = malloc(T * sizeof *ids), *types = calloc(T, sizeof *types);
    int32_t *mask = malloc(T * sizeof *mask);
    uint64_t r = 12345;
    for (size_t t = 0; t < T; t++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        ids[t] = t % seq == 0 ? 101 : t % seq == seq - 1 ? 102 : 1000 + (int32_t)((r >> 33) % 29522);
        mask[t] = 1;
    }
    el_config dc, gc;
    el_pretrain_configs(&o, 30522, 0, &dc, &gc);
    double n_pred = (double)(size_t)((0.15 + 0.005) * (double)seq);
    double gen_head = n_pred * (2.0 * gc.hidden_size * gc.embedding_size +
                                2.0 * gc.embedding_size * gc.vocab_size);
    double gflop = 3 * (double)batch *
                   (trunk_flops(&gc, seq) + gen_head + forward_flops(&dc, seq, 0)) / 1e9;
    el_pretrain_stats st, first = {0};
    for (int i = 0; i < warmup; i++)
        if (el_pretrainer_step_batch(p, ids, types, mask, i ? &st : &first)) {
            fprintf(stderr, "%s\n", el_pretrainer_last_error(p));
            return 1;
        }
    size_t cap = 1024, n = 0;
    double *total = malloc(cap * sizeof *total);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double start = now_ms();
    while (n < (size_t)min_reps || now_ms() - start < min_secs * 1e3) {
        if (n == cap) {
            cap *= 2;
            total = realloc(total, cap * sizeof *total);
        }
        double t0 = now_ms();
        if (el_pretrainer_step_batch(p, ids, types, mask, &st)) {
            fprintf(stderr, "%s\n", el_pretrainer_last_error(p));
            return 1;
        }
        total[n++] = now_ms() - t0;
    }
    getrusage(RUSAGE_SELF, &ru1);
    double user_ms = ((ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e3 +
                      (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) * 1e-3) / (double)n;
    double sys_ms = ((ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e3 +
                     (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) * 1e-3) / (double)n;
    double minflt = (double)(ru1.ru_minflt - ru0.ru_minflt) / (double)n;
    qsort(total, n, sizeof *total, cmp_double);
    double med = n % 2 ? total[n / 2] : (total[n / 2 - 1] + total[n / 2]) / 2;
    const char *core = getenv("OPENBLAS_CORETYPE");
    printf("{\"engine\": \"libelectra train\", \"kind\": \"pretrain-small%s\", \"threads\": %d, "
           "\"batch\": %zu, \"seq\": %zu, \"reps\": %zu, \"ms_min\": %.3f, \"ms_med\": %.3f, "
           "\"ms_max\": %.3f, \"tok_s\": %.1f, \"gflop_s\": %.1f, \"gflop_step\": %.3f, "
           "\"cpu_user_ms_per_step\": %.2f, \"cpu_sys_ms_per_step\": %.2f, "
           "\"minflt_per_step\": %.1f, \"params\": %zu, \"dropout\": %g, "
           "\"loss_first\": %.4f, \"loss_last\": %.4f, \"env_OPENBLAS_CORETYPE\": \"%s\"}\n",
           dropout > 0 ? "-dropout" : "", threads, batch, seq, n, total[0], med, total[n - 1],
           (double)T / med * 1e3, gflop / med * 1e3, gflop, user_ms, sys_ms, minflt,
           el_pretrainer_total_parameters(p), dropout, first.loss, st.loss,
           core ? core : "(unset)");
    el_pretrainer_free(p);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
    free(ids);
    free(types);
    free(mask);
    free(total);
    return isfinite(st.loss) ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *kind = "finetune-small-cls";
    int threads = 1, warmup = 3, min_reps = 10;
    size_t batch = 8, seq = 128;
    double min_secs = -1, dropout = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--kind"))
            kind = argv[i + 1];
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch"))
            batch = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seq"))
            seq = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--warmup-steps"))
            warmup = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--min-reps"))
            min_reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--min-secs"))
            min_secs = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--dropout"))
            dropout = atof(argv[i + 1]);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    int cls = !strcmp(kind, "finetune-small-cls");
    if (min_secs < 0)
        min_secs = cls || !strcmp(kind, "pretrain-small") ? 5 : 3;
    if (!strcmp(kind, "pretrain-small"))
        return bench_pretrain(threads, batch, seq, warmup, min_reps, min_secs, dropout);
    el_param_store *store = NULL;
    el_train_options o;
    el_train_options_default(&o);
    o.threads = threads;
    o.max_grad_norm = 1.0;
    o.dropout = (el_train_dropout){dropout, dropout, dropout};
    el_train_batch b = {0};
    if (cls) {
        el_config c = {.head = ELECTRA_HEAD_SEQUENCE_CLASSIFICATION, .vocab_size = 30522,
                       .embedding_size = 128, .hidden_size = 256, .num_layers = 12,
                       .num_heads = 4, .intermediate_size = 1024, .max_positions = 512,
                       .type_vocab_size = 2, .layer_norm_eps = 1e-12,
                       .hidden_act = EL_ACT_GELU, .num_labels = 2};
        snprintf(c.hidden_act_name, sizeof c.hidden_act_name, "gelu");
        if (el_param_store_init(&c, 0.02, 1, &store)) {
            fprintf(stderr, "%s\n", electra_last_error());
            return 1;
        }
        /* bench_torch_train.py's inputs(): ids in [1000, 30522), [CLS] ...
         * [SEP], no padding; labels 0/1. */
        int32_t *ids = malloc(batch * seq * sizeof *ids);
        int32_t *labels = malloc(batch * sizeof *labels);
        uint64_t r = 12345;
        for (size_t t = 0; t < batch * seq; t++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            ids[t] = 1000 + (int32_t)((r >> 33) % (30522 - 1000));
            if (t % seq == 0)
                ids[t] = 101;
            if (t % seq == seq - 1)
                ids[t] = 102;
        }
        for (size_t i = 0; i < batch; i++)
            labels[i] = (int32_t)(i * 7 % 3 % 2);
        b = (el_train_batch){.batch = batch, .seq = seq, .input_ids = ids, .labels = labels};
        o.lr = 3e-4;
        o.weight_decay = 0.01;
        o.decay_all = 0; /* google's exclusion, as the PyTorch run */
    } else {
        const char *name = !strcmp(kind, "train-tiny-gen") ? "tiny-generator"
                           : !strcmp(kind, "train-tiny-disc") ? "tiny-discriminator"
                                                              : NULL;
        if (!name) {
            fprintf(stderr, "unknown kind %s\n", kind);
            return 2;
        }
        char dir[4096], path[4200];
        snprintf(dir, sizeof dir, "%s/models/%s", fixtures(), name);
        electra_model *m;
        if (electra_model_load(dir, NULL, &m) || el_param_store_from_model(m, &store)) {
            fprintf(stderr, "%s\n", electra_last_error());
            return 1;
        }
        electra_model_free(m);
        snprintf(path, sizeof path, "%s/expected/inputs.json", dir);
        char *text = slurp(path);
        cJSON *root = text ? cJSON_Parse(text) : NULL;
        if (!root) {
            fprintf(stderr, "cannot read %s\n", path);
            return 1;
        }
        b.input_ids = ints(root, "input_ids", &b.batch, &b.seq);
        b.attention_mask = ints(root, "attention_mask", NULL, NULL);
        b.token_type_ids = ints(root, "token_type_ids", NULL, NULL);
        b.labels = ints(root, "labels", NULL, NULL);
        cJSON_Delete(root);
        free(text);
        o.lr = 1e-3;
        o.weight_decay = 0.01;
        o.decay_all = 1; /* the fixtures' optimizer */
    }
    double gflop = 3 * forward_flops(&store->cfg, b.seq, cls) * (double)b.batch / 1e9;
    size_t n_params = store->total;
    el_trainer *t;
    if (el_trainer_create(store, &o, &t)) {
        fprintf(stderr, "%s\n", electra_last_error());
        return 1;
    }
    double loss_first = 0, loss = 0;
    for (int i = 0; i < warmup; i++)
        if (el_trainer_step(t, &b, i ? &loss : &loss_first)) {
            fprintf(stderr, "%s\n", el_trainer_last_error(t));
            return 1;
        }
    size_t cap = 1024, n = 0;
    double *total = malloc(cap * sizeof *total), *fb = malloc(cap * sizeof *fb);
    double *opt = malloc(cap * sizeof *opt);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double start = now_ms();
    while (n < (size_t)min_reps || now_ms() - start < min_secs * 1e3) {
        if (n == cap) {
            cap *= 2;
            total = realloc(total, cap * sizeof *total);
            fb = realloc(fb, cap * sizeof *fb);
            opt = realloc(opt, cap * sizeof *opt);
        }
        double t0 = now_ms();
        el_trainer_zero_grad(t);
        double t1 = now_ms();
        el_trainer_accumulate(t, &b, 1, &loss);
        double t2 = now_ms();
        el_trainer_apply(t, NULL, NULL);
        double t3 = now_ms();
        total[n] = t3 - t0;
        fb[n] = t2 - t1;
        opt[n] = (t1 - t0) + (t3 - t2);
        n++;
    }
    getrusage(RUSAGE_SELF, &ru1);
    double user_ms = ((ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e3 +
                      (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) * 1e-3) / (double)n;
    double sys_ms = ((ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e3 +
                     (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) * 1e-3) / (double)n;
    double minflt = (double)(ru1.ru_minflt - ru0.ru_minflt) / (double)n;
    double mn = total[0], mx = total[0];
    for (size_t i = 0; i < n; i++) {
        mn = total[i] < mn ? total[i] : mn;
        mx = total[i] > mx ? total[i] : mx;
    }
    qsort(total, n, sizeof *total, cmp_double);
    qsort(fb, n, sizeof *fb, cmp_double);
    qsort(opt, n, sizeof *opt, cmp_double);
    double med = n % 2 ? total[n / 2] : (total[n / 2 - 1] + total[n / 2]) / 2;
    const char *core = getenv("OPENBLAS_CORETYPE");
    printf("{\"engine\": \"libelectra train\", \"kind\": \"%s\", \"threads\": %d, \"batch\": %zu, "
           "\"seq\": %zu, \"reps\": %zu, \"ms_min\": %.3f, \"ms_med\": %.3f, \"ms_max\": %.3f, "
           "\"tok_s\": %.1f, \"gflop_s\": %.1f, \"gflop_step\": %.3f, \"ms_fwd_bwd_med\": %.3f, "
           "\"ms_opt_med\": %.3f, \"cpu_user_ms_per_step\": %.2f, \"cpu_sys_ms_per_step\": %.2f, "
           "\"minflt_per_step\": %.1f, \"params\": %zu, \"loss_first\": %.4f, "
           "\"loss_last\": %.4f, \"env_OPENBLAS_CORETYPE\": \"%s\"}\n",
           kind, threads, b.batch, b.seq, n, mn, med, mx, (double)(b.batch * b.seq) / med * 1e3,
           gflop / med * 1e3, gflop, fb[n / 2], opt[n / 2], user_ms, sys_ms, minflt, n_params,
           loss_first, loss,
           core ? core : "(unset)");
    el_trainer_free(t);
    return isfinite(loss) ? 0 : 1;
}
