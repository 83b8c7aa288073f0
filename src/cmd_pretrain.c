/* cmd_pretrain.c - `electra pretrain`: pre-train an ELECTRA generator and
 * discriminator from text (lib/pretrain.h), with a progress line, a
 * metrics log, loss curves, checkpoints and resuming. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pretrain.h"
#include "progress.h"
#include "svg_plot.h"

static const char *const cmd = "pretrain";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: electra pretrain --corpus FILE [--corpus FILE...] --vocab FILE --out DIR\n"
            "                        [options]\n"
            "\n"
            "Pre-train an ELECTRA generator and discriminator on text, as\n"
            "google-research/electra does (replaced-token detection): the generator\n"
            "learns masked-language modelling, its samples replace the masked tokens,\n"
            "and the discriminator learns to tell replaced tokens from original ones.\n"
            "The two share their embeddings; loss = MLM + 50 x BCE.\n"
            "\n"
            "  --corpus FILE        UTF-8 text, one sentence or paragraph per line, a blank\n"
            "                       line between documents (repeatable)\n"
            "  --vocab FILE         WordPiece vocab.txt (see `electra vocab build`)\n"
            "  --out DIR            where everything goes (created):\n"
            "                         generator/      ElectraForMaskedLM  } Hugging Face model\n"
            "                         discriminator/  ElectraForPreTraining} directories\n"
            "                         checkpoint/     the latest checkpoint (--resume)\n"
            "                         tokenizer/      vocab.txt and tokenizer configs\n"
            "                         metrics.tsv     one line of figures per step\n"
            "                         loss.svg, accuracy.svg   the curves\n"
            "  --eval FILE          held-out text measured at each checkpoint and at the end\n"
            "  --eval-batches N     batches of it measured (default 8)\n"
            "\n"
            "model (defaults: electra-small's discriminator, a generator 1/4 its width):\n"
            "  --disc-hidden N      discriminator hidden size (256)\n"
            "  --disc-layers N      discriminator layers (12)\n"
            "  --disc-heads N       attention heads (hidden / 64)\n"
            "  --embedding-size N   shared embedding width (128)\n"
            "  --gen-fraction F     generator hidden size / discriminator's (0.25)\n"
            "  --gen-layers F       generator layers / discriminator's (1.0)\n"
            "  --tie-generator      the generator is the discriminator's encoder with its\n"
            "                       own MLM head (google's untied_generator=False; the\n"
            "                       fractions above then do not apply)\n"
            "  --max-positions N    position embeddings (512)\n"
            "\n"
            "training:\n"
            "  --steps N            optimizer steps in all (required)\n"
            "  --batch N            sequences per step (128)\n"
            "  --seq-len N          tokens per sequence (128)\n"
            "  --lr X               peak learning rate (5e-4)\n"
            "  --warmup N           linear warm-up steps (min(10000, steps / 10)); then\n"
            "                       linear decay to 0 at --steps\n"
            "  --weight-decay X     AdamW weight decay, not on biases/LayerNorm (0.01)\n"
            "  --dropout X          dropout probability (0.1)\n"
            "  --disc-init-replaced P  start the discriminator's output bias at logit(P),\n"
            "                       the share of tokens it will see replaced, instead of 0\n"
            "                       (google's init); helps small models (0: off)\n"
            "  --seed N             seed of everything random (0)\n"
            "  --threads N          threads (1); with N > 1 each batch is cut into N slices\n"
            "                       of rows trained side by side (data parallel): the\n"
            "                       figures of a run depend on N, nothing else\n"
            "  --save-every N       checkpoint every N steps (1000; 0: only at the end)\n"
            "  --stop-after N       stop after N steps of this run, with a checkpoint\n"
            "  --resume             continue from DIR/checkpoint with the same options\n"
            "                       (the same continuation as a run never stopped)\n"
            "  --init DIR           start from the weights of DIR/generator and\n"
            "                       DIR/discriminator (an earlier run's --out, or the\n"
            "                       bundled models/) instead of random ones, with their\n"
            "                       sizes (model options given must agree) and, unless\n"
            "                       --vocab says otherwise, DIR/discriminator/vocab.txt.\n"
            "                       The optimizer and schedule start afresh (continued\n"
            "                       pre-training, e.g. on text of a new domain). With\n"
            "                       --resume the checkpoint's weights are used instead\n"
            "\n"
            "Progress goes to stderr (one line, or a line every 10 s when not a terminal);\n"
            "Ctrl-C saves a checkpoint and stops. At the end one JSON line of figures goes\n"
            "to stdout. Exit status: 0 ok, 1 failure or interrupted, 2 usage.\n");
}

/* The model's options as given: -1 (counts) or 0 where not given. */
struct model_options {
    long long disc_hidden, disc_layers, disc_heads, emb, max_pos;
    double gen_fraction, gen_layers;
    int tie;
};

struct args {
    const char **corpus;
    size_t n_corpus;
    const char *vocab, *out, *eval, *init;
    char *init_vocab; /* --vocab's default with --init */
    long long eval_batches, steps, warmup, save_every, stop_after, seed, threads;
    int resume;
    struct model_options model;
    el_pretrain_options o;
};

/* Numeric options: name, where, kind (0 count, 1 float in [0, inf), 2
 * fraction in (0, 4], 3 probability in [0, 1)). */
struct number_option {
    const char *name;
    int kind;
    long long *count;
    double *real;
};

static int parse_number(const struct number_option *n, const char *text)
{
    if (n->kind == 0) {
        long long v = cli_parse_count(text);
        if (v < 0)
            return cli_error(cmd, CLI_USAGE, "%s wants a non-negative integer, not '%s'", n->name,
                             text);
        *n->count = v;
        return CLI_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    int ok = !errno && end != text && !*end && isfinite(v) && v >= 0;
    if (n->kind == 2)
        ok = ok && v > 0 && v <= 4;
    if (n->kind == 3)
        ok = ok && v < 1;
    if (!ok)
        return cli_error(cmd, CLI_USAGE, "%s: '%s' is not a valid value", n->name, text);
    *n->real = v;
    return CLI_OK;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    long long batch = -1, seq = -1;
    double dropout = -1;
    memset(a, 0, sizeof *a);
    struct model_options *m = &a->model;
    *m = (struct model_options){-1, -1, -1, -1, -1, 0, 0, 0};
    el_pretrain_options_default(&a->o);
    a->eval_batches = 8;
    a->steps = -1;
    a->warmup = -1;
    a->save_every = 1000;
    a->threads = 1;
    a->corpus = calloc((size_t)argc, sizeof *a->corpus);
    if (!a->corpus)
        return cli_error(cmd, CLI_FAIL, "out of memory");
    const struct number_option numbers[] = {
        {"--eval-batches", 0, &a->eval_batches, NULL},
        {"--disc-hidden", 0, &m->disc_hidden, NULL},
        {"--disc-layers", 0, &m->disc_layers, NULL},
        {"--disc-heads", 0, &m->disc_heads, NULL},
        {"--embedding-size", 0, &m->emb, NULL},
        {"--gen-fraction", 2, NULL, &m->gen_fraction},
        {"--gen-layers", 2, NULL, &m->gen_layers},
        {"--max-positions", 0, &m->max_pos, NULL},
        {"--steps", 0, &a->steps, NULL},
        {"--batch", 0, &batch, NULL},
        {"--seq-len", 0, &seq, NULL},
        {"--lr", 1, NULL, &a->o.train.lr},
        {"--warmup", 0, &a->warmup, NULL},
        {"--weight-decay", 1, NULL, &a->o.train.weight_decay},
        {"--disc-init-replaced", 3, NULL, &a->o.disc_init_replaced},
        {"--dropout", 3, NULL, &dropout},
        {"--seed", 0, &a->seed, NULL},
        {"--threads", 0, &a->threads, NULL},
        {"--save-every", 0, &a->save_every, NULL},
        {"--stop-after", 0, &a->stop_after, NULL},
    };
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            usage(stdout);
            return -1;
        }
        if (!strcmp(s, "--resume")) {
            a->resume = 1;
            continue;
        }
        if (!strcmp(s, "--tie-generator")) {
            m->tie = 1;
            continue;
        }
        const char **file = !strcmp(s, "--vocab")  ? &a->vocab
                            : !strcmp(s, "--out")  ? &a->out
                            : !strcmp(s, "--eval") ? &a->eval
                            : !strcmp(s, "--init") ? &a->init
                                                   : NULL;
        int is_corpus = !strcmp(s, "--corpus");
        const struct number_option *num = NULL;
        for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++)
            if (!strcmp(s, numbers[k].name))
                num = &numbers[k];
        if (!file && !is_corpus && !num)
            return cli_error(cmd, CLI_USAGE, "unknown option %s (see --help)", s);
        if (i + 1 >= argc)
            return cli_error(cmd, CLI_USAGE, "%s needs a value", s);
        const char *v = argv[++i];
        if (file)
            *file = v;
        else if (is_corpus)
            a->corpus[a->n_corpus++] = v;
        else if (parse_number(num, v) != CLI_OK)
            return CLI_USAGE;
    }
    if (!a->n_corpus || (!a->vocab && !a->init) || !a->out || a->steps < 1)
        return cli_error(cmd, CLI_USAGE,
                         "give --corpus FILE, --vocab FILE (or --init DIR), --out DIR and --steps N "
                         "(see --help)");
    if (a->threads < 1 || a->threads > 1024)
        return cli_error(cmd, CLI_USAGE, "--threads wants a number from 1 to 1024");
    if (a->steps > 1000000000 || batch == 0 || seq == 0)
        return cli_error(cmd, CLI_USAGE, "--steps, --batch and --seq-len must be positive");
    if (m->tie && (m->gen_fraction > 0 || m->gen_layers > 0))
        return cli_error(cmd, CLI_USAGE,
                         "--tie-generator gives the generator the discriminator's encoder: "
                         "--gen-fraction and --gen-layers do not apply");
    if (batch > 0)
        a->o.batch = (size_t)batch;
    if (seq > 0)
        a->o.seq_len = (size_t)seq;
    if (dropout >= 0)
        a->o.train.dropout = (el_train_dropout){dropout, dropout, dropout};
    a->o.train.total_steps = a->steps;
    long long warm = a->warmup >= 0 ? a->warmup : (a->steps / 10 < 10000 ? a->steps / 10 : 10000);
    if (warm >= a->steps)
        return cli_error(cmd, CLI_USAGE, "--warmup (%lld) must be below --steps (%lld)", warm,
                         a->steps);
    a->o.train.warmup_steps = warm;
    a->o.train.seed = (uint64_t)a->seed;
    a->o.train.threads = (int)a->threads;
    return CLI_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* The model options given, into a->o. The library checks the sizes and
 * names an impossible one; here only the int range. */
static void take_given_sizes(struct args *a)
{
    const struct model_options *m = &a->model;
    const long long given[] = {m->disc_hidden, m->disc_layers, m->disc_heads, m->emb, m->max_pos};
    int *dst[] = {&a->o.disc_hidden, &a->o.disc_layers, &a->o.disc_heads, &a->o.embedding_size,
                  &a->o.max_positions};
    for (size_t k = 0; k < sizeof given / sizeof given[0]; k++)
        if (given[k] >= 0)
            *dst[k] = given[k] > 1 << 24 ? 1 << 24 : (int)given[k];
    a->o.tie_generator = m->tie;
    if (m->gen_fraction > 0)
        a->o.gen_fraction = m->gen_fraction;
    if (m->gen_layers > 0)
        a->o.gen_layer_fraction = m->gen_layers;
}

/* The generator options given, against the generator of --init's DIR. */
static int check_given_generator(const struct args *a)
{
    const struct model_options *m = &a->model;
    const el_pretrain_options *o = &a->o;
    if (o->tie_generator && (m->gen_fraction > 0 || m->gen_layers > 0))
        return cli_error(cmd, CLI_USAGE,
                         "--gen-fraction and --gen-layers: the generator in %s is tied to the "
                         "discriminator",
                         a->init);
    if (m->tie && !o->tie_generator)
        return cli_error(cmd, CLI_USAGE,
                         "--tie-generator: the generator in %s is not tied to the discriminator",
                         a->init);
    const long gH = lround(o->gen_fraction * o->disc_hidden);
    const long gL = lround(o->gen_layer_fraction * o->disc_layers);
    if (m->gen_fraction > 0 && lround(m->gen_fraction * o->disc_hidden) != gH)
        return cli_error(cmd, CLI_USAGE, "--gen-fraction %g: the generator in %s is %ld wide",
                         m->gen_fraction, a->init, gH);
    if (m->gen_layers > 0 && lround(m->gen_layers * o->disc_layers) != gL)
        return cli_error(cmd, CLI_USAGE, "--gen-layers %g: the generator in %s has %ld layers",
                         m->gen_layers, a->init, gL);
    return CLI_OK;
}

/* With --init the model is DIR's: its sizes come from there, and a model
 * option given must agree with them. */
static int take_init_sizes(struct args *a)
{
    const struct model_options *m = &a->model;
    el_pretrain_options *o = &a->o;
    electra_status s = el_pretrain_sizes_of(a->init, o);
    if (s)
        return cli_status_error(cmd, s, NULL);
    const struct {
        const char *name;
        long long given;
        int theirs;
    } sizes[] = {{"--disc-hidden", m->disc_hidden, o->disc_hidden},
                 {"--disc-layers", m->disc_layers, o->disc_layers},
                 {"--disc-heads", m->disc_heads, o->disc_heads},
                 {"--embedding-size", m->emb, o->embedding_size},
                 {"--max-positions", m->max_pos, o->max_positions}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        if (sizes[k].given >= 0 && sizes[k].given != sizes[k].theirs)
            return cli_error(cmd, CLI_USAGE, "%s %lld: the models in %s have %d", sizes[k].name,
                             sizes[k].given, a->init, sizes[k].theirs);
    int rc = check_given_generator(a);
    if (rc)
        return rc;
    fprintf(stderr,
            "electra pretrain: the sizes of %s: discriminator hidden %d, %d layers, %d heads, "
            "embeddings %d, %d positions; generator ",
            a->init, o->disc_hidden, o->disc_layers, o->disc_heads, o->embedding_size,
            o->max_positions);
    if (o->tie_generator)
        fprintf(stderr, "tied to the discriminator\n");
    else
        fprintf(stderr, "hidden %ld, %ld layers\n", lround(o->gen_fraction * o->disc_hidden),
                lround(o->gen_layer_fraction * o->disc_layers));
    return CLI_OK;
}

/* The model's options: as given, or with --init those of DIR's models
 * (and DIR's vocabulary unless --vocab says otherwise). */
static int take_model_options(struct args *a)
{
    if (!a->init) {
        take_given_sizes(a);
        return CLI_OK;
    }
    if (!a->vocab) {
        char *disc = join(a->init, "discriminator");
        a->init_vocab = disc ? join(disc, "vocab.txt") : NULL;
        free(disc);
        if (!a->init_vocab)
            return cli_error(cmd, CLI_FAIL, "out of memory");
        a->vocab = a->init_vocab;
    }
    return take_init_sizes(a);
}

/* Remove a directory of files and directories of files (a checkpoint). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *path = join(dir, e->d_name);
        struct stat st;
        if (path && lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                remove_tree(path);
            else
                unlink(path);
        }
        free(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Per-step figures, kept for the curves and the log. */
struct history {
    double *step, *loss, *mlm, *disc, *gen_acc, *disc_acc, *replaced;
    size_t n, cap;
};

static int history_add(struct history *h, double step, const el_pretrain_stats *s)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 1024;
        double **cols[] = {&h->step, &h->loss, &h->mlm, &h->disc, &h->gen_acc, &h->disc_acc,
                           &h->replaced};
        for (size_t c = 0; c < 7; c++) {
            double *p = realloc(*cols[c], cap * sizeof **cols[c]);
            if (!p)
                return -1;
            *cols[c] = p;
        }
        h->cap = cap;
    }
    h->step[h->n] = step;
    h->loss[h->n] = s->loss;
    h->mlm[h->n] = s->mlm_loss;
    h->disc[h->n] = s->disc_loss;
    h->gen_acc[h->n] = s->gen_accuracy;
    h->disc_acc[h->n] = s->disc_accuracy;
    h->replaced[h->n] = s->replaced;
    h->n++;
    return 0;
}

static void history_free(struct history *h)
{
    free(h->step);
    free(h->loss);
    free(h->mlm);
    free(h->disc);
    free(h->gen_acc);
    free(h->disc_acc);
    free(h->replaced);
}

#define METRICS_HEADER \
    "step\tloss\tmlm_loss\tdisc_loss\tgen_accuracy\tdisc_accuracy\treplaced\tlr\n"

/* On resume: the logged steps up to the checkpoint's, read back (later
 * ones are redone); the log is rewritten with just those. */
static int reload_history(const char *path, long upto, struct history *h)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        double v[8];
        el_pretrain_stats s = {0};
        if (sscanf(line, "%lf %lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]) != 8 ||
            v[0] > (double)upto)
            continue;
        s.loss = v[1];
        s.mlm_loss = v[2];
        s.disc_loss = v[3];
        s.gen_accuracy = v[4];
        s.disc_accuracy = v[5];
        s.replaced = v[6];
        if (history_add(h, v[0], &s))
            break;
    }
    fclose(f);
    return 0;
}

static FILE *open_metrics(const char *path, const struct history *h, const double *lr_unknown)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(METRICS_HEADER, f);
    for (size_t i = 0; i < h->n; i++)
        fprintf(f, "%.0f\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\n", h->step[i], h->loss[i],
                h->mlm[i], h->disc[i], h->gen_acc[i], h->disc_acc[i], h->replaced[i],
                *lr_unknown);
    fflush(f);
    return f;
}

/* Means over windows of the history (at most ~400 points per curve). */
static double *smooth(const double *y, size_t n, size_t window, size_t *out_n)
{
    size_t m = (n + window - 1) / window;
    double *s = malloc((m ? m : 1) * sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < m; i++) {
        size_t b = i * window, e = b + window < n ? b + window : n;
        double sum = 0;
        for (size_t k = b; k < e; k++)
            sum += y[k];
        s[i] = sum / (double)(e - b);
    }
    *out_n = m;
    return s;
}

static void write_curves(const char *out, const struct history *h, const struct history *eval)
{
    if (!h->n)
        return;
    size_t window = h->n / 400 + 1, m = 0;
    double *x = smooth(h->step, h->n, window, &m);
    double *total = smooth(h->loss, h->n, window, &m), *mlm = smooth(h->mlm, h->n, window, &m);
    double *disc = smooth(h->disc, h->n, window, &m);
    double *ga = smooth(h->gen_acc, h->n, window, &m), *da = smooth(h->disc_acc, h->n, window, &m);
    double *real = smooth(h->replaced, h->n, window, &m);
    double *disc50 = malloc((m ? m : 1) * sizeof *disc50);
    if (x && total && mlm && disc && ga && da && real && disc50) {
        for (size_t i = 0; i < m; i++) {
            disc50[i] = 50 * disc[i];
            real[i] = 1 - real[i];
        }
        struct svg_series loss[] = {{"total", x, total, m},
                                    {"generator MLM", x, mlm, m},
                                    {"discriminator BCE x 50", x, disc50, m},
                                    {"held-out MLM", eval->step, eval->mlm, eval->n}};
        struct svg_series acc[] = {{"generator (masked positions)", x, ga, m},
                                   {"discriminator (all tokens)", x, da, m},
                                   {"all-real baseline", x, real, m},
                                   {"held-out generator", eval->step, eval->gen_acc, eval->n},
                                   {"held-out discriminator", eval->step, eval->disc_acc,
                                    eval->n}};
        char *lp = join(out, "loss.svg"), *ap = join(out, "accuracy.svg");
        if (lp && svg_plot_write(lp, "ELECTRA pre-training loss", "step", "loss", loss,
                                 eval->n ? 4 : 3) != 0)
            cli_error(cmd, CLI_FAIL, "cannot write %s", lp);
        if (ap && svg_plot_write(ap, "ELECTRA pre-training accuracy", "step", "accuracy", acc,
                                 eval->n ? 5 : 3) != 0)
            cli_error(cmd, CLI_FAIL, "cannot write %s", ap);
        free(lp);
        free(ap);
    }
    free(x);
    free(total);
    free(mlm);
    free(disc);
    free(ga);
    free(da);
    free(real);
    free(disc50);
}

/* Write dir/checkpoint through checkpoint.new, so that a crash leaves
 * the previous one (or the new one) whole. */
static int save_checkpoint(el_pretrainer *p, const char *out, const char *tokenizer_dir)
{
    char *ck = join(out, "checkpoint"), *fresh = join(out, "checkpoint.new");
    char *old = join(out, "checkpoint.old");
    int rc = CLI_OK;
    if (!ck || !fresh || !old) {
        rc = cli_error(cmd, CLI_FAIL, "out of memory");
    } else {
        remove_tree(fresh);
        electra_status s = el_pretrainer_save(p, fresh, tokenizer_dir);
        if (s) {
            rc = cli_error(cmd, CLI_FAIL, "%s", el_pretrainer_last_error(p));
        } else {
            remove_tree(old);
            if ((access(ck, F_OK) == 0 && rename(ck, old) != 0) || rename(fresh, ck) != 0)
                rc = cli_error(cmd, CLI_FAIL, "cannot move the checkpoint into %s: %s", ck,
                               strerror(errno));
            remove_tree(old);
        }
    }
    free(ck);
    free(fresh);
    free(old);
    return rc;
}

static cJSON *stats_json(const el_pretrain_stats *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "loss", s->loss);
    cJSON_AddNumberToObject(o, "mlm_loss", s->mlm_loss);
    cJSON_AddNumberToObject(o, "disc_loss", s->disc_loss);
    cJSON_AddNumberToObject(o, "gen_accuracy", s->gen_accuracy);
    cJSON_AddNumberToObject(o, "disc_accuracy", s->disc_accuracy);
    cJSON_AddNumberToObject(o, "all_real_accuracy", 1 - s->replaced);
    return o;
}

/* Means of the last (up to) n logged steps. */
static el_pretrain_stats recent(const struct history *h, size_t n)
{
    el_pretrain_stats s = {0};
    size_t b = h->n > n ? h->n - n : 0, k = h->n - b;
    for (size_t i = b; i < h->n; i++) {
        s.loss += h->loss[i] / (double)k;
        s.mlm_loss += h->mlm[i] / (double)k;
        s.disc_loss += h->disc[i] / (double)k;
        s.gen_accuracy += h->gen_acc[i] / (double)k;
        s.disc_accuracy += h->disc_acc[i] / (double)k;
        s.replaced += h->replaced[i] / (double)k;
    }
    return s;
}

struct run {
    struct args a;
    electra_tokenizer *tok;
    el_pretrain_data *data, *eval;
    el_pretrainer *p;
    char *tokenizer_dir, *metrics_path;
    FILE *metrics;
    struct history h, eval_h;
};

static int load_data(struct run *r)
{
    const struct args *a = &r->a;
    electra_status s = electra_tokenizer_load(a->vocab, NULL, &r->tok);
    if (s)
        return cli_status_error(cmd, s, NULL);
    int32_t cls = electra_tokenizer_special_id(r->tok, ELECTRA_TOKEN_CLS);
    int32_t sep = electra_tokenizer_special_id(r->tok, ELECTRA_TOKEN_SEP);
    if (cls < 0 || sep < 0)
        return cli_error(cmd, CLI_FAIL, "%s has no [CLS] or [SEP] token", a->vocab);
    double t0 = now_seconds();
    s = el_pretrain_data_create(a->o.seq_len, cls, sep, a->o.train.seed, &r->data);
    for (size_t i = 0; !s && i < a->n_corpus; i++)
        s = el_pretrain_data_add_file(r->data, r->tok, a->corpus[i]);
    if (!s && a->eval) {
        s = el_pretrain_data_create(a->o.seq_len, cls, sep, a->o.train.seed, &r->eval);
        if (!s)
            s = el_pretrain_data_add_file(r->eval, r->tok, a->eval);
    }
    if (s)
        return cli_status_error(cmd, s, NULL);
    if (r->data->n_examples == 0)
        return cli_error(cmd, CLI_FAIL, "the corpus gave no examples (is it empty?)");
    if (r->eval && r->eval->n_examples == 0)
        return cli_error(cmd, CLI_FAIL, "%s gave no examples (is it empty?)", a->eval);
    fprintf(stderr,
            "electra pretrain: %zu examples of up to %zu tokens (%zu tokens) from %zu file(s) "
            "in %.1f s\n",
            r->data->n_examples, a->o.seq_len, r->data->n_tokens, a->n_corpus,
            now_seconds() - t0);
    return CLI_OK;
}

static int evaluate(struct run *r, el_pretrain_stats *st)
{
    if (!r->eval)
        return CLI_OK;
    if (el_pretrainer_evaluate(r->p, r->eval, (size_t)r->a.eval_batches, st))
        return cli_error(cmd, CLI_FAIL, "%s", el_pretrainer_last_error(r->p));
    if (history_add(&r->eval_h, (double)el_pretrainer_steps(r->p), st))
        return cli_error(cmd, CLI_FAIL, "out of memory");
    return CLI_OK;
}

/* --init's models must read the run's vocabulary: the same words at the
 * same ids, which the shapes alone do not show. */
static int check_init_vocab(const struct args *a)
{
    char *disc = join(a->init, "discriminator");
    char *path = disc ? join(disc, "vocab.txt") : NULL;
    size_t n_theirs = 0, n_ours = 0;
    char *theirs = path ? cli_read_file(path, &n_theirs) : NULL;
    char *ours = theirs ? cli_read_file(a->vocab, &n_ours) : NULL;
    int rc = CLI_OK;
    if (!path)
        rc = cli_error(cmd, CLI_FAIL, "out of memory");
    else if (!theirs || !ours)
        rc = cli_error(cmd, CLI_FAIL, "cannot read %s: %s", theirs ? a->vocab : path,
                       strerror(errno));
    else if (n_theirs != n_ours || memcmp(theirs, ours, n_ours) != 0)
        rc = cli_error(cmd, CLI_USAGE, "--init %s was trained with another vocabulary than %s",
                       a->init, a->vocab);
    free(ours);
    free(theirs);
    free(path);
    free(disc);
    return rc;
}

static int setup(struct run *r)
{
    const struct args *a = &r->a;
    int fresh_from_init = a->init && !a->resume;
    /* Before the corpus is read: a wrong vocabulary fails at once. */
    int rc = fresh_from_init ? check_init_vocab(a) : CLI_OK;
    if (!rc)
        rc = load_data(r);
    if (rc)
        return rc;
    if (mkdir(a->out, 0777) != 0 && errno != EEXIST)
        return cli_error(cmd, CLI_FAIL, "cannot create %s: %s", a->out, strerror(errno));
    r->tokenizer_dir = join(a->out, "tokenizer");
    r->metrics_path = join(a->out, "metrics.tsv");
    if (!r->tokenizer_dir || !r->metrics_path)
        return cli_error(cmd, CLI_FAIL, "out of memory");
    electra_status s = el_pretrainer_create(&a->o, r->tok, r->data, &r->p);
    if (!s)
        s = el_pretrain_write_tokenizer(a->vocab, r->tokenizer_dir, a->o.max_positions);
    if (s)
        return cli_status_error(cmd, s, NULL);
    if (fresh_from_init) {
        if (el_pretrainer_init_from(r->p, a->init))
            return cli_error(cmd, CLI_FAIL, "%s", el_pretrainer_last_error(r->p));
        fprintf(stderr, "electra pretrain: starting from the weights in %s\n", a->init);
    }
    if (a->resume) {
        char *ck = join(a->out, "checkpoint"), *old = join(a->out, "checkpoint.old");
        const char *from = ck && access(ck, F_OK) == 0 ? ck : old;
        s = from ? el_pretrainer_resume(r->p, from) : ELECTRA_ERR_NOMEM;
        if (s)
            rc = cli_error(cmd, CLI_FAIL, "%s", el_pretrainer_last_error(r->p));
        else
            fprintf(stderr, "electra pretrain: resumed from %s at step %ld\n", from,
                    el_pretrainer_steps(r->p));
        free(ck);
        free(old);
        if (rc)
            return rc;
        reload_history(r->metrics_path, el_pretrainer_steps(r->p), &r->h);
    }
    double no_lr = NAN;
    r->metrics = open_metrics(r->metrics_path, &r->h, &no_lr);
    if (!r->metrics)
        return cli_error(cmd, CLI_FAIL, "cannot write %s: %s", r->metrics_path, strerror(errno));
    fprintf(stderr,
            "electra pretrain: discriminator %zu parameters, generator %zu (embeddings shared; "
            "%zu in all), %d thread(s)\n",
            el_pretrainer_parameters(r->p, 0), el_pretrainer_parameters(r->p, 1),
            el_pretrainer_total_parameters(r->p), a->o.train.threads);
    return CLI_OK;
}

/* The steps of this run: to --steps, or --stop-after steps (*stopped). */
static int train(struct run *r, double *step_seconds, long *steps_run, int *stopped)
{
    const struct args *a = &r->a;
    long start = el_pretrainer_steps(r->p), total = (long)a->steps;
    if (a->stop_after && start + a->stop_after < total) {
        total = start + (long)a->stop_after;
        *stopped = 1;
    }
    size_t batch_tokens = a->o.batch * a->o.seq_len;
    struct progress bar;
    progress_init(&bar, stderr, (size_t)(total > start ? total - start : 0), 10);
    void (*previous)(int) = signal(SIGINT, on_interrupt);
    int rc = CLI_OK;
    double busy = 0;
    for (long step = start; step < total && rc == CLI_OK; step++) {
        el_pretrain_stats st;
        double t0 = now_seconds();
        if (el_pretrainer_step(r->p, &st)) {
            rc = cli_error(cmd, CLI_FAIL, "%s", el_pretrainer_last_error(r->p));
            break;
        }
        busy += now_seconds() - t0;
        if (!isfinite(st.loss)) {
            rc = cli_error(cmd, CLI_FAIL, "the loss is %g at step %ld: try a lower --lr", st.loss,
                           step + 1);
            break;
        }
        if (history_add(&r->h, (double)(step + 1), &st)) {
            rc = cli_error(cmd, CLI_FAIL, "out of memory");
            break;
        }
        fprintf(r->metrics, "%ld\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\n", step + 1, st.loss,
                st.mlm_loss, st.disc_loss, st.gen_accuracy, st.disc_accuracy, st.replaced, st.lr);
        *steps_run = step + 1 - start;
        int last = step + 1 == total;
        int save = (a->save_every && (step + 1) % a->save_every == 0) || (last && *stopped);
        el_pretrain_stats avg = recent(&r->h, 50);
        char fig[256];
        snprintf(fig, sizeof fig,
                 "mlm %.3f  disc %.4f  gen-acc %.3f  disc-acc %.3f (all-real %.3f)  %.0f tok/s",
                 avg.mlm_loss, avg.disc_loss, avg.gen_accuracy, avg.disc_accuracy,
                 1 - avg.replaced, (double)batch_tokens * (double)*steps_run / busy);
        progress_update(&bar, (size_t)*steps_run, fig, last || save || interrupted);
        if ((save && (!last || *stopped)) || interrupted) {
            fflush(r->metrics);
            el_pretrain_stats ev;
            if ((rc = save_checkpoint(r->p, a->out, r->tokenizer_dir)) ||
                (rc = evaluate(r, &ev)))
                break;
            write_curves(a->out, &r->h, &r->eval_h);
        }
        if (interrupted) {
            progress_done(&bar);
            rc = cli_error(cmd, CLI_FAIL,
                           "interrupted after step %ld; checkpoint saved, continue with --resume",
                           step + 1);
        }
    }
    signal(SIGINT, previous);
    if (rc == CLI_OK)
        progress_done(&bar);
    fflush(r->metrics);
    *step_seconds = busy;
    return rc;
}

static double tokens_per_second(const struct args *a, long steps_run, double busy)
{
    return busy > 0 ? (double)(a->o.batch * a->o.seq_len) * (double)steps_run / busy : 0;
}

/* --stop-after: the checkpoint is saved; say where things stand. */
static int report_stop(struct run *r, double busy, long steps_run)
{
    const struct args *a = &r->a;
    fprintf(stderr, "electra pretrain: stopped after step %ld of %lld; continue with --resume\n",
            el_pretrainer_steps(r->p), a->steps);
    el_pretrain_stats last = recent(&r->h, 100);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddFalseToObject(o, "finished");
    cJSON_AddNumberToObject(o, "steps", (double)el_pretrainer_steps(r->p));
    cJSON_AddNumberToObject(o, "steps_this_run", (double)steps_run);
    cJSON_AddNumberToObject(o, "tokens_per_second", tokens_per_second(a, steps_run, busy));
    cJSON_AddItemToObject(o, "last_100_steps", stats_json(&last));
    char *ck = join(a->out, "checkpoint");
    cJSON_AddStringToObject(o, "checkpoint", ck ? ck : "");
    free(ck);
    return cli_print_json(o);
}

static int finish(struct run *r, double busy, long steps_run, double wall)
{
    const struct args *a = &r->a;
    int rc = save_checkpoint(r->p, a->out, r->tokenizer_dir);
    if (rc)
        return rc;
    if (el_pretrainer_export(r->p, a->out, r->tokenizer_dir))
        return cli_error(cmd, CLI_FAIL, "%s", el_pretrainer_last_error(r->p));
    el_pretrain_stats ev = {0};
    if ((rc = evaluate(r, &ev)))
        return rc;
    write_curves(a->out, &r->h, &r->eval_h);
    el_pretrain_stats last = recent(&r->h, 100);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "finished");
    cJSON_AddNumberToObject(o, "steps", (double)el_pretrainer_steps(r->p));
    cJSON_AddNumberToObject(o, "steps_this_run", (double)steps_run);
    cJSON_AddNumberToObject(o, "examples", (double)r->data->n_examples);
    cJSON_AddNumberToObject(o, "epochs", (double)el_pretrainer_examples_consumed(r->p) /
                                             (double)r->data->n_examples);
    cJSON_AddNumberToObject(o, "tokens_per_second", tokens_per_second(a, steps_run, busy));
    cJSON_AddNumberToObject(o, "seconds", wall);
    cJSON_AddItemToObject(o, "last_100_steps", stats_json(&last));
    if (r->eval)
        cJSON_AddItemToObject(o, "eval", stats_json(&ev));
    cJSON *params = cJSON_AddObjectToObject(o, "parameters");
    cJSON_AddNumberToObject(params, "discriminator", (double)el_pretrainer_parameters(r->p, 0));
    cJSON_AddNumberToObject(params, "generator", (double)el_pretrainer_parameters(r->p, 1));
    cJSON_AddNumberToObject(params, "total", (double)el_pretrainer_total_parameters(r->p));
    char *g = join(a->out, "generator"), *d = join(a->out, "discriminator");
    cJSON_AddStringToObject(o, "generator", g ? g : "");
    cJSON_AddStringToObject(o, "discriminator", d ? d : "");
    free(g);
    free(d);
    return cli_print_json(o);
}

static int run(int argc, char **argv)
{
    struct run r = {0};
    int rc = parse_args(argc, argv, &r.a);
    if (rc < 0) {
        free(r.a.corpus);
        return CLI_OK; /* --help */
    }
    if (rc == CLI_OK)
        rc = take_model_options(&r.a);
    double t0 = now_seconds(), busy = 0;
    long steps_run = 0;
    int stopped = 0;
    if (rc == CLI_OK && (rc = setup(&r)) == CLI_OK &&
        (rc = train(&r, &busy, &steps_run, &stopped)) == CLI_OK) {
        if (stopped)
            rc = report_stop(&r, busy, steps_run);
        else
            rc = finish(&r, busy, steps_run, now_seconds() - t0);
    }
    if (r.metrics)
        fclose(r.metrics);
    history_free(&r.h);
    history_free(&r.eval_h);
    el_pretrainer_free(r.p);
    el_pretrain_data_free(r.data);
    el_pretrain_data_free(r.eval);
    electra_tokenizer_free(r.tok);
    free(r.tokenizer_dir);
    free(r.metrics_path);
    free(r.a.corpus);
    free(r.a.init_vocab);
    return rc;
}

const struct cli_command cli_cmd_pretrain = {"pretrain", "pre-train a generator and discriminator",
                                             run};
