/* cmd_finetune.c - `electra finetune`: fine-tune an ELECTRA model on a
 * classification, tagging or question-answering data set, as Google's
 * ELECTRA recipe does (AdamW with warm-up and linear decay, layer-wise
 * learning-rate decay, no weight decay on biases and LayerNorm, gradient
 * clipping), scoring the dev set after every epoch and keeping the best
 * epoch's model as a Hugging Face directory. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "finetune_batch.h"
#include "finetune_eval.h"
#include "progress.h"
#include "svg_plot.h"
#include "train_init.h"
#include "trainer.h"

static const char *const cmd = "finetune";

static void usage(void)
{
    printf(
        "usage: electra finetune --task classify|tag|qa --model DIR --train FILE\n"
        "                        [--dev FILE] --out DIR [options]\n"
        "\n"
        "Fine-tune an ELECTRA model and save the best epoch (by the dev set's main\n"
        "metric) as a Hugging Face model directory in DIR, loadable by\n"
        "`electra classify/tag/qa` and by transformers, with metrics.json (every\n"
        "epoch's scores) and loss.svg (the training loss and dev scores).\n"
        "\n"
        "Inputs are JSON lines (doc/data-formats.md):\n"
        "  classify  {\"text\": \"...\", \"pair\": \"...\" (optional), \"label\": \"spam\"}\n"
        "  tag       {\"tokens\": [\"The\", \"jury\"], \"tags\": [\"DET\", \"NOUN\"]}\n"
        "  qa        {\"question\": \"...\", \"context\": \"...\",\n"
        "             \"answers\": [{\"text\": \"...\", \"answer_start\": CHARS}]} ([] = none)\n"
        "\n"
        "The model directory may hold any ELECTRA model: a model with the task's\n"
        "head keeps it when its labels fit the data; otherwise the trunk gets a new\n"
        "head (weights normal(0, initializer_range), biases 0). The labels are\n"
        "--labels, else the model's when kept, else the training file's, sorted.\n"
        "Main metric: accuracy (classify), entity F1 for B-/I- tags or accuracy\n"
        "(tag), SQuAD F1 (qa).\n"
        "\n"
        "  --task T            classify | tag | qa\n"
        "  --model DIR         the model (config.json, weights, vocab.txt)\n"
        "  --init I            pretrained (default): DIR's weights; random: a new\n"
        "                      model of DIR's config.json (no weights needed)\n"
        "  --train FILE        training data\n"
        "  --dev FILE          dev data, scored after each epoch (without it the\n"
        "                      last epoch is saved)\n"
        "  --out DIR           where the model, metrics.json and loss.svg go\n"
        "  --epochs N          passes over the training data (default 3)\n"
        "  --lr X              peak learning rate (default 1e-4)\n"
        "  --batch N           rows per step (default 32)\n"
        "  --max-length N      tokens per row (default 128, qa 384; at most the\n"
        "                      model's positions)\n"
        "  --warmup FRAC       share of the steps warming up linearly (default 0.1)\n"
        "  --weight-decay X    AdamW decay, not on biases/LayerNorm (default 0.01)\n"
        "  --layer-decay X     layer-wise lr decay (default 0.8; 1 disables)\n"
        "  --clip X            gradient norm clipping (default 1.0; 0 disables)\n"
        "  --dropout P         hidden, attention and classifier dropout (default:\n"
        "                      config.json's)\n"
        "  --labels A,B,...    the classes, in id order\n"
        "  --doc-stride N      qa: overlap of context windows (default 128)\n"
        "  --max-answer-length N  qa: longest answer in tokens (default 30)\n"
        "  --seed N            shuffling, dropout and new weights (default 42)\n"
        "  --threads N         worker threads (default 1)\n"
        "  --save-state        also write DIR/last: the final epoch's model and its\n"
        "                      optimizer state (optimizer.safetensors)\n"
        "\n"
        "Progress goes to stderr; one JSON summary line to stdout.\n"
        "Exit status: 0 ok, 1 failure (bad data, model error), 2 usage.\n");
}

struct settings {
    int task;
    const char *model_dir, *train_path, *dev_path, *out_dir, *labels;
    int init_random, save_state;
    long epochs, batch, max_length, doc_stride, max_answer, threads;
    double lr, warmup, weight_decay, layer_decay, clip, dropout;
    uint64_t seed;
};

/* What a run holds; freed by run_free. */
struct run {
    struct settings set;
    el_config cfg;          /* the model directory's config */
    int have_cfg;
    electra_tokenizer *tok;
    electra_model *model;   /* NULL with --init random, and once copied */
    el_ft_data *train, *dev;
    el_ft_labels labels;
    int keep_head;
    int32_t *train_map, *dev_map;
    el_ft_features *train_f, *dev_f;
    size_t max_length;
    int32_t pad_id;
    el_trainer *tr;
    el_ft_batcher batcher;
    long steps, warmup_steps;
    /* History for metrics.json and loss.svg: the smoothed training loss
     * per step, and per epoch the step, dev loss and main metric. */
    double *step_x, *step_loss;
    double *epoch_x, *dev_loss, *dev_main;
    size_t n_steps, n_epochs;
    cJSON *history;
    int best_epoch;          /* 1-based; 0 before the first save */
    el_ft_scores best;
    double train_seconds, eval_seconds;
    size_t train_tokens;
    double epoch_loss;       /* sum of this epoch's step losses */
    size_t epoch_steps;
};

static int parse_double(const char *opt, const char *value, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (errno || !*value || *end || !isfinite(v) || v < lo || v > hi)
        return cli_error(cmd, CLI_USAGE, "%s wants a number in [%g, %g], not '%s'", opt, lo, hi,
                         value);
    *out = v;
    return 0;
}

static int parse_long(const char *opt, const char *value, long lo, long hi, long *out)
{
    long long v = cli_parse_count(value);
    if (v < lo || v > hi)
        return cli_error(cmd, CLI_USAGE, "%s wants a whole number in [%ld, %ld], not '%s'", opt,
                         lo, hi, value);
    *out = (long)v;
    return 0;
}

static int parse_args(int argc, char **argv, struct settings *s)
{
    *s = (struct settings){.task = -1, .epochs = 3, .batch = 32, .doc_stride = 128,
                           .max_answer = 30, .threads = 1, .lr = 1e-4, .warmup = 0.1,
                           .weight_decay = 0.01, .layer_decay = 0.8, .clip = 1.0,
                           .dropout = -1, .seed = 42};
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            usage();
            return -1;
        }
        if (!strcmp(opt, "--save-state")) {
            s->save_state = 1;
            continue;
        }
        if (strncmp(opt, "--", 2) != 0)
            return cli_error(cmd, CLI_USAGE, "unexpected argument '%s' (see --help)", opt);
        if (i + 1 >= argc)
            return cli_error(cmd, CLI_USAGE, "%s needs a value", opt);
        const char *v = argv[++i];
        long seed = 0;
        int rc = 0;
        if (!strcmp(opt, "--task")) {
            if ((s->task = el_ft_task_from_name(v)) < 0)
                rc = cli_error(cmd, CLI_USAGE, "--task is classify, tag or qa, not '%s'", v);
        } else if (!strcmp(opt, "--init")) {
            if (strcmp(v, "pretrained") && strcmp(v, "random"))
                rc = cli_error(cmd, CLI_USAGE, "--init is pretrained or random, not '%s'", v);
            s->init_random = !strcmp(v, "random");
        } else if (!strcmp(opt, "--model"))
            s->model_dir = v;
        else if (!strcmp(opt, "--train"))
            s->train_path = v;
        else if (!strcmp(opt, "--dev"))
            s->dev_path = v;
        else if (!strcmp(opt, "--out"))
            s->out_dir = v;
        else if (!strcmp(opt, "--labels"))
            s->labels = v;
        else if (!strcmp(opt, "--epochs"))
            rc = parse_long(opt, v, 1, 100000, &s->epochs);
        else if (!strcmp(opt, "--batch"))
            rc = parse_long(opt, v, 1, 65536, &s->batch);
        else if (!strcmp(opt, "--max-length"))
            rc = parse_long(opt, v, 8, 1048576, &s->max_length);
        else if (!strcmp(opt, "--doc-stride"))
            rc = parse_long(opt, v, 0, 1048576, &s->doc_stride);
        else if (!strcmp(opt, "--max-answer-length"))
            rc = parse_long(opt, v, 1, 1048576, &s->max_answer);
        else if (!strcmp(opt, "--threads"))
            rc = parse_long(opt, v, 1, 1024, &s->threads);
        else if (!strcmp(opt, "--seed")) {
            rc = parse_long(opt, v, 0, 0x7fffffffL, &seed);
            s->seed = (uint64_t)seed;
        } else if (!strcmp(opt, "--lr"))
            rc = parse_double(opt, v, 0, 1, &s->lr);
        else if (!strcmp(opt, "--warmup"))
            rc = parse_double(opt, v, 0, 1, &s->warmup);
        else if (!strcmp(opt, "--weight-decay"))
            rc = parse_double(opt, v, 0, 1, &s->weight_decay);
        else if (!strcmp(opt, "--layer-decay"))
            rc = parse_double(opt, v, 1e-6, 1, &s->layer_decay);
        else if (!strcmp(opt, "--clip"))
            rc = parse_double(opt, v, 0, 1e9, &s->clip);
        else if (!strcmp(opt, "--dropout"))
            rc = parse_double(opt, v, 0, 0.99, &s->dropout);
        else
            rc = cli_error(cmd, CLI_USAGE, "unknown option %s (see --help)", opt);
        if (rc)
            return rc;
    }
    if (s->task < 0 || !s->model_dir || !s->train_path || !s->out_dir)
        return cli_error(cmd, CLI_USAGE, "--task, --model, --train and --out are required "
                                         "(see --help)");
    if (s->labels && s->task == EL_FT_QA)
        return cli_error(cmd, CLI_USAGE, "--labels does not apply to qa");
    return 0;
}

static void run_free(struct run *r)
{
    el_trainer_free(r->tr);
    el_ft_batcher_free(&r->batcher);
    el_ft_features_free(r->train_f);
    el_ft_features_free(r->dev_f);
    el_free(r->train_map);
    el_free(r->dev_map);
    el_ft_labels_free(&r->labels);
    el_ft_data_free(r->train);
    el_ft_data_free(r->dev);
    electra_model_free(r->model);
    electra_tokenizer_free(r->tok);
    if (r->have_cfg)
        el_config_free(&r->cfg);
    free(r->step_x);
    free(r->step_loss);
    free(r->epoch_x);
    free(r->dev_loss);
    free(r->dev_main);
    cJSON_Delete(r->history);
}

static int fail(electra_status s)
{
    return cli_status_error(cmd, s, NULL);
}

static int has_weights(const char *dir)
{
    static const char *const files[] = {"model.safetensors", "model.safetensors.index.json",
                                        "pytorch_model.bin"};
    char path[4096];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (access(path, R_OK) == 0)
            return 1;
    }
    return 0;
}

/* The labels, and the model when its weights are used. */
static int open_model(struct run *r)
{
    const struct settings *s = &r->set;
    electra_status st = el_config_load(s->model_dir, &r->cfg);
    if (st)
        return fail(st);
    r->have_cfg = 1;
    if ((st = electra_tokenizer_load(s->model_dir, NULL, &r->tok)))
        return fail(st);
    r->pad_id = electra_tokenizer_special_id(r->tok, ELECTRA_TOKEN_PAD);
    if (r->pad_id < 0)
        r->pad_id = r->cfg.pad_token_id;
    if (!s->init_random) {
        if (!has_weights(s->model_dir))
            return cli_error(cmd, CLI_FAIL,
                             "%s has no weights (model.safetensors, pytorch_model.bin): "
                             "--init random trains its config from random weights",
                             s->model_dir);
        if ((st = electra_model_load(s->model_dir, NULL, &r->model)))
            return fail(st);
    }
    return 0;
}

static int read_data(struct run *r)
{
    const struct settings *s = &r->set;
    electra_status st = el_ft_data_read(s->train_path, (el_ft_task)s->task, &r->train);
    if (!st && s->dev_path)
        st = el_ft_data_read(s->dev_path, (el_ft_task)s->task, &r->dev);
    if (st)
        return fail(st);
    if (!r->train->n)
        return cli_error(cmd, CLI_FAIL, "%s has no examples", s->train_path);
    if ((st = el_ft_labels_choose(&r->cfg, r->train, s->labels, &r->labels, &r->keep_head)))
        return fail(st);
    if (s->task != EL_FT_QA && r->labels.n < 2)
        return cli_error(cmd, CLI_FAIL, "%s has %zu label%s: %s needs at least 2 (or --labels)",
                         s->train_path, r->labels.n, r->labels.n == 1 ? "" : "s",
                         s->task == EL_FT_CLASSIFY ? "classification" : "tagging");
    if (s->task != EL_FT_QA &&
        ((st = el_ft_labels_map(&r->labels, r->train, &r->train_map)) ||
         (r->dev && (st = el_ft_labels_map(&r->labels, r->dev, &r->dev_map)))))
        return fail(st);
    long positions = r->cfg.max_positions;
    long want = s->max_length ? s->max_length : s->task == EL_FT_QA ? 384 : 128;
    r->max_length = (size_t)(want < positions ? want : positions);
    size_t stride = (size_t)s->doc_stride;
    if (s->task == EL_FT_QA && stride >= r->max_length / 2)
        stride = r->max_length / 2; /* as the pipeline: never more than half a window */
    if ((st = el_ft_features_build(r->train, r->train_map, r->tok, r->max_length, stride,
                                   &r->train_f)) ||
        (r->dev && (st = el_ft_features_build(r->dev, r->dev_map, r->tok, r->max_length, stride,
                                              &r->dev_f))))
        return fail(st);
    return 0;
}

/* The parameter store: the model's own head, its trunk under a new head,
 * or a new model of its config; then the trainer with the recipe's
 * options. */
static int create_trainer(struct run *r)
{
    const struct settings *s = &r->set;
    el_train_dropout dropout;
    double range;
    electra_status st = el_train_config_read(s->model_dir, &dropout, &range);
    if (st)
        return fail(st);
    if (s->dropout >= 0)
        dropout = (el_train_dropout){s->dropout, s->dropout, s->dropout};
    el_config c = r->cfg; /* shallow: labels are borrowed, the store copies */
    c.head = el_ft_task_head((el_ft_task)s->task);
    snprintf(c.architecture, sizeof c.architecture, "%s", el_head_architecture(c.head));
    /* transformers records the loss it picked for integer labels. */
    snprintf(c.problem_type, sizeof c.problem_type, "%s",
             s->task == EL_FT_CLASSIFY ? "single_label_classification" : "");
    if (s->task == EL_FT_QA) {
        c.num_labels = 2;
        c.labels = NULL;
    } else {
        c.num_labels = (int)r->labels.n;
        c.labels = r->labels.names;
    }
    el_param_store *store;
    const char *how;
    if (r->model && r->keep_head) {
        st = el_param_store_from_model(r->model, &store);
        if (!st)
            memcpy(store->cfg.problem_type, c.problem_type, sizeof c.problem_type);
        how = "its own head";
    } else if (r->model) {
        st = el_param_store_from_trunk(r->model, &c, range, s->seed, &store);
        how = "its trunk and a new head";
    } else {
        st = el_param_store_init(&c, range, s->seed, &store);
        how = "random weights of its config";
    }
    if (st)
        return fail(st);
    /* The copy is made: the loaded weights are no longer needed. */
    electra_model_free(r->model);
    r->model = NULL;

    el_ft_batcher *b = &r->batcher;
    if ((st = el_ft_batcher_init(b, r->train_f, (size_t)s->batch, r->pad_id))) {
        el_param_store_free(store);
        return fail(st);
    }
    long per_epoch = (long)el_ft_batcher_count(b);
    r->steps = per_epoch * s->epochs;
    /* transformers' get_warmup_steps: ceil(ratio * steps). */
    r->warmup_steps = (long)ceil(s->warmup * (double)r->steps);
    if (r->warmup_steps >= r->steps)
        r->warmup_steps = r->steps - 1;
    el_train_options o;
    el_train_options_default(&o);
    o.threads = (int)s->threads;
    o.lr = s->lr;
    o.weight_decay = s->weight_decay;
    o.layer_decay = s->layer_decay;
    o.max_grad_norm = s->clip;
    o.warmup_steps = r->warmup_steps;
    o.total_steps = r->steps;
    o.dropout = dropout;
    o.initializer_range = range;
    o.seed = s->seed;
    if ((st = el_trainer_create(store, &o, &r->tr)))
        return fail(st);

    size_t n_steps = (size_t)r->steps, n_epochs = (size_t)s->epochs;
    r->step_x = malloc(n_steps * sizeof *r->step_x);
    r->step_loss = malloc(n_steps * sizeof *r->step_loss);
    r->epoch_x = malloc(n_epochs * sizeof *r->epoch_x);
    r->dev_loss = malloc(n_epochs * sizeof *r->dev_loss);
    r->dev_main = malloc(n_epochs * sizeof *r->dev_main);
    r->history = cJSON_CreateArray();
    if (!r->step_x || !r->step_loss || !r->epoch_x || !r->dev_loss || !r->dev_main ||
        !r->history)
        return cli_error(cmd, CLI_FAIL, "out of memory");

    fprintf(stderr, "electra %s: %s from %s (%s)", cmd,
            el_head_architecture(store->cfg.head), s->model_dir, how);
    if (r->labels.n) {
        fprintf(stderr, ", %zu labels:", r->labels.n);
        for (size_t i = 0; i < r->labels.n && i < 20; i++)
            fprintf(stderr, " %s", r->labels.names[i]);
        if (r->labels.n > 20)
            fprintf(stderr, " ...");
    }
    fprintf(stderr, "\nelectra %s: train %zu examples -> %zu rows of <= %zu tokens", cmd,
            r->train->n, r->train_f->n, r->max_length);
    if (r->dev)
        fprintf(stderr, "; dev %zu examples -> %zu rows", r->dev->n, r->dev_f->n);
    fprintf(stderr, "\nelectra %s: %ld epochs x %ld steps of %ld rows, warm-up %ld steps, "
                    "lr %g, layer decay %g, weight decay %g, dropout %g/%g/%g, %ld threads\n",
            cmd, s->epochs, per_epoch, s->batch, r->warmup_steps, s->lr, s->layer_decay,
            s->weight_decay, dropout.hidden, dropout.attention, dropout.classifier, s->threads);
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static char *out_path(const struct run *r, const char *name)
{
    size_t n = strlen(r->set.out_dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", r->set.out_dir, name);
    return p;
}

static cJSON *scores_json(el_ft_task task, const el_ft_scores *sc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "loss", sc->loss);
    if (task == EL_FT_CLASSIFY) {
        cJSON_AddNumberToObject(o, "accuracy", sc->accuracy);
        cJSON_AddNumberToObject(o, "macro_f1", sc->macro_f1);
    } else if (task == EL_FT_TAG) {
        cJSON_AddNumberToObject(o, "accuracy", sc->accuracy);
        if (sc->entities) {
            cJSON_AddNumberToObject(o, "precision", sc->precision);
            cJSON_AddNumberToObject(o, "recall", sc->recall);
            cJSON_AddNumberToObject(o, "f1", sc->f1);
        }
    } else {
        cJSON_AddNumberToObject(o, "exact_match", sc->exact);
        cJSON_AddNumberToObject(o, "f1", sc->f1);
    }
    cJSON_AddStringToObject(o, "main_metric", sc->main_name);
    cJSON_AddNumberToObject(o, "examples", (double)sc->examples);
    return o;
}

/* Everything known so far, as metrics.json and the stdout summary. */
static cJSON *summary_json(const struct run *r, double seconds)
{
    const struct settings *s = &r->set;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "task", el_ft_task_name((el_ft_task)s->task));
    cJSON_AddStringToObject(o, "model", s->model_dir);
    cJSON_AddStringToObject(o, "init", s->init_random ? "random" : "pretrained");
    cJSON_AddStringToObject(o, "out", s->out_dir);
    cJSON *data = cJSON_AddObjectToObject(o, "data");
    cJSON_AddStringToObject(data, "train", s->train_path);
    cJSON_AddNumberToObject(data, "train_examples", (double)r->train->n);
    cJSON_AddNumberToObject(data, "train_rows", (double)r->train_f->n);
    cJSON_AddNumberToObject(data, "train_tokens", (double)r->train_f->count);
    if (r->dev) {
        cJSON_AddStringToObject(data, "dev", s->dev_path);
        cJSON_AddNumberToObject(data, "dev_examples", (double)r->dev->n);
        cJSON_AddNumberToObject(data, "dev_rows", (double)r->dev_f->n);
    }
    if (r->labels.n) {
        cJSON *labels = cJSON_AddArrayToObject(o, "labels");
        for (size_t i = 0; i < r->labels.n; i++)
            cJSON_AddItemToArray(labels, cJSON_CreateString(r->labels.names[i]));
    }
    cJSON *h = cJSON_AddObjectToObject(o, "hyperparameters");
    cJSON_AddNumberToObject(h, "epochs", (double)s->epochs);
    cJSON_AddNumberToObject(h, "batch", (double)s->batch);
    cJSON_AddNumberToObject(h, "lr", s->lr);
    cJSON_AddNumberToObject(h, "warmup_steps", (double)r->warmup_steps);
    cJSON_AddNumberToObject(h, "steps", (double)r->steps);
    cJSON_AddNumberToObject(h, "weight_decay", s->weight_decay);
    cJSON_AddNumberToObject(h, "layer_decay", s->layer_decay);
    cJSON_AddNumberToObject(h, "clip", s->clip);
    cJSON_AddNumberToObject(h, "max_length", (double)r->max_length);
    cJSON_AddNumberToObject(h, "seed", (double)s->seed);
    cJSON_AddNumberToObject(h, "threads", (double)s->threads);
    cJSON_AddItemToObject(o, "epochs", cJSON_Duplicate(r->history, 1));
    if (r->best_epoch && r->dev) {
        cJSON *best = scores_json((el_ft_task)s->task, &r->best);
        cJSON_AddNumberToObject(best, "epoch", r->best_epoch);
        cJSON_AddItemToObject(o, "best", best);
    }
    cJSON_AddNumberToObject(o, "steps_done", (double)r->n_steps);
    cJSON_AddNumberToObject(o, "train_seconds", r->train_seconds);
    cJSON_AddNumberToObject(o, "eval_seconds", r->eval_seconds);
    cJSON_AddNumberToObject(o, "seconds", seconds);
    cJSON_AddNumberToObject(o, "train_tokens_per_second",
                            r->train_seconds > 0 ? (double)r->train_tokens / r->train_seconds : 0);
    return o;
}

static int write_metrics(const struct run *r, double seconds)
{
    char *path = out_path(r, "metrics.json");
    cJSON *o = summary_json(r, seconds);
    char *text = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    FILE *f = path && text ? fopen(path, "w") : NULL;
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = f && fclose(f) == 0 && ok;
    int rc = ok ? 0 : cli_error(cmd, CLI_FAIL, "cannot write %s", path ? path : "metrics.json");
    cJSON_free(text);
    free(path);
    return rc;
}

static int write_plot(const struct run *r)
{
    char *path = out_path(r, "loss.svg");
    char metric[64];
    snprintf(metric, sizeof metric, "dev %s", r->n_epochs ? r->best.main_name : "");
    struct svg_series series[3] = {
        {"train loss", r->step_x, r->step_loss, r->n_steps},
        {"dev loss", r->epoch_x, r->dev_loss, r->dev ? r->n_epochs : 0},
        {metric, r->epoch_x, r->dev_main, r->dev ? r->n_epochs : 0},
    };
    char title[256];
    snprintf(title, sizeof title,
             "electra finetune --task %s (train loss: moving average over ~5%% of the run)",
             el_ft_task_name((el_ft_task)r->set.task));
    int rc = path && svg_plot_write(path, title, "step", "loss / score", series, 3) == 0
                 ? 0
                 : cli_error(cmd, CLI_FAIL, "cannot write %s", path ? path : "loss.svg");
    free(path);
    return rc;
}

static void print_scores(FILE *out, el_ft_task task, const el_ft_scores *sc)
{
    fprintf(out, "dev loss %.4f", sc->loss);
    if (task == EL_FT_CLASSIFY)
        fprintf(out, ", accuracy %.4f, macro F1 %.4f", sc->accuracy, sc->macro_f1);
    else if (task == EL_FT_TAG && sc->entities)
        fprintf(out, ", token accuracy %.4f, entity P %.4f R %.4f F1 %.4f", sc->accuracy,
                sc->precision, sc->recall, sc->f1);
    else if (task == EL_FT_TAG)
        fprintf(out, ", tag accuracy %.4f", sc->accuracy);
    else
        fprintf(out, ", exact match %.4f, F1 %.4f", sc->exact, sc->f1);
}

/* After an epoch: score the dev set, keep the model when it is the best
 * so far (or, without a dev set, always), record and write the history. */
static int end_epoch(struct run *r, long epoch, double started)
{
    const struct settings *s = &r->set;
    el_ft_task task = (el_ft_task)s->task;
    double t0 = now_seconds();
    el_ft_scores sc = {0};
    int better = 1;
    if (r->dev) {
        el_ft_eval_options eo = {.batch_size = (size_t)s->batch, .pad_id = r->pad_id,
                                 .max_answer_tokens = (size_t)s->max_answer,
                                 .allow_no_answer = 0};
        /* SQuAD 2.0 scoring when the data has unanswerable questions. */
        for (size_t i = 0; task == EL_FT_QA && i < r->train->n; i++)
            eo.allow_no_answer |= r->train->examples[i].count == 0;
        for (size_t i = 0; task == EL_FT_QA && i < r->dev->n; i++)
            eo.allow_no_answer |= r->dev->examples[i].count == 0;
        electra_status st = el_ft_evaluate(r->tr, r->dev, r->dev_f, &r->labels, &eo, &sc);
        if (st)
            return cli_status_error(cmd, st, el_trainer_last_error(r->tr));
        better = !r->best_epoch || sc.main > r->best.main;
    }
    r->eval_seconds += now_seconds() - t0;
    size_t e = r->n_epochs++;
    r->epoch_x[e] = (double)r->n_steps;
    r->dev_loss[e] = r->dev ? sc.loss : NAN;
    r->dev_main[e] = r->dev ? sc.main : NAN;
    cJSON *row = r->dev ? scores_json(task, &sc) : cJSON_CreateObject();
    cJSON_AddNumberToObject(row, "epoch", (double)epoch);
    cJSON_AddNumberToObject(row, "step", (double)r->n_steps);
    cJSON_AddNumberToObject(row, "train_loss", r->epoch_loss / (double)r->epoch_steps);
    cJSON_AddNumberToObject(row, "train_loss_smoothed", r->step_loss[r->n_steps - 1]);
    cJSON_AddNumberToObject(row, "seconds", now_seconds() - started);
    cJSON_AddItemToArray(r->history, row);
    fprintf(stderr, "electra %s: epoch %ld/%ld: ", cmd, epoch, s->epochs);
    if (r->dev)
        print_scores(stderr, task, &sc);
    else
        fprintf(stderr, "train loss %.4f", r->epoch_loss / (double)r->epoch_steps);
    fprintf(stderr, "%s\n", better && r->dev ? "  (best so far: saved)" : "");
    if (better) {
        electra_status st = el_trainer_save_pretrained(r->tr, s->out_dir, s->model_dir);
        if (st)
            return cli_status_error(cmd, st, el_trainer_last_error(r->tr));
        r->best_epoch = (int)epoch;
        r->best = sc;
    }
    int rc = write_metrics(r, now_seconds() - started);
    return rc ? rc : write_plot(r);
}

/* --save-state: the final weights and optimizer state in OUT/last. */
static int save_last(struct run *r)
{
    char *dir = out_path(r, "last");
    char *state = dir ? malloc(strlen(dir) + 32) : NULL;
    int rc = 0;
    if (!state)
        rc = cli_error(cmd, CLI_FAIL, "out of memory");
    if (!rc) {
        sprintf(state, "%s/optimizer.safetensors", dir);
        electra_status st = el_trainer_save_pretrained(r->tr, dir, r->set.model_dir);
        if (!st)
            st = el_trainer_save_state(r->tr, state);
        if (st)
            rc = cli_status_error(cmd, st, el_trainer_last_error(r->tr));
    }
    free(state);
    free(dir);
    return rc;
}

static int train(struct run *r)
{
    const struct settings *s = &r->set;
    double started = now_seconds();
    struct progress p;
    progress_init(&p, stderr, (size_t)r->steps, 10);
    double ema = 0, weight = 0;
    double alpha = 20.0 / (double)r->steps;
    alpha = alpha < 0.01 ? 0.01 : alpha > 0.3 ? 0.3 : alpha;
    size_t per_epoch = el_ft_batcher_count(&r->batcher);
    for (long epoch = 1; epoch <= s->epochs; epoch++) {
        /* A fresh order every epoch, fixed by the seed. */
        el_ft_batcher_order(&r->batcher, 1, s->seed * 1000003u + (uint64_t)epoch);
        r->epoch_loss = 0;
        r->epoch_steps = 0;
        for (size_t k = 0; k < per_epoch; k++) {
            size_t tokens;
            const el_train_batch *b = el_ft_batcher_get(&r->batcher, k, NULL, &tokens);
            double t0 = now_seconds(), loss;
            electra_status st = el_trainer_step(r->tr, b, &loss);
            r->train_seconds += now_seconds() - t0;
            if (st) {
                progress_done(&p);
                return cli_status_error(cmd, st, el_trainer_last_error(r->tr));
            }
            if (!isfinite(loss)) {
                progress_done(&p);
                return cli_error(cmd, CLI_FAIL,
                                 "the loss is %g at step %zu: training diverged (lower --lr)",
                                 loss, r->n_steps + 1);
            }
            r->train_tokens += tokens;
            r->epoch_loss += loss;
            r->epoch_steps++;
            /* An exponential moving average over about 5 % of the run,
             * bias-corrected like Adam's so the first steps are not
             * pulled towards 0. */
            ema = (1 - alpha) * ema + alpha * loss;
            weight = (1 - alpha) * weight + alpha;
            r->step_x[r->n_steps] = (double)(r->n_steps + 1);
            r->step_loss[r->n_steps] = ema / weight;
            r->n_steps++;
            char figures[160];
            snprintf(figures, sizeof figures, "epoch %ld/%ld  loss %.4f  %.0f tok/s", epoch,
                     s->epochs, ema / weight,
                     r->train_seconds > 0 ? (double)r->train_tokens / r->train_seconds : 0.0);
            progress_update(&p, r->n_steps, figures, k + 1 == per_epoch);
        }
        progress_done(&p);
        int rc = end_epoch(r, epoch, started);
        if (rc)
            return rc;
    }
    if (s->save_state) {
        int rc = save_last(r);
        if (rc)
            return rc;
    }
    cJSON *summary = summary_json(r, now_seconds() - started);
    cJSON_DeleteItemFromObjectCaseSensitive(summary, "epochs");
    return cli_print_json(summary);
}

static int make_out_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : cli_error(cmd, CLI_FAIL, "%s is not a directory", dir);
    if (mkdir(dir, 0777) != 0)
        return cli_error(cmd, CLI_FAIL, "cannot create %s: %s", dir, strerror(errno));
    return 0;
}

static int run(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof r);
    int rc = parse_args(argc, argv, &r.set);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (!(rc = open_model(&r)) && !(rc = read_data(&r)) && !(rc = make_out_dir(r.set.out_dir)) &&
        !(rc = create_trainer(&r)))
        rc = train(&r);
    run_free(&r);
    return rc;
}

const struct cli_command cli_cmd_finetune = {
    "finetune", "fine-tune a model: classification, tagging, question answering", run};
