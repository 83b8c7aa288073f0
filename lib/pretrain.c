/* pretrain.c - the ELECTRA pre-training step: masking, the generator's
 * pass and sample, the discriminator's pass, the combined loss and one
 * update of both models. */
#include "pretrain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "argmax.h"
#include "train_ops.h"
#include "train_rng.h"

/* Salts that keep the step's random streams apart. */
#define SALT_MASK 0x8a5cd789635d2dffull
#define SALT_SAMPLE 0x121fd2155c472f96ull
#define SALT_EVAL 0x3c6ef372fe94f82bull
#define SALT_GEN_DROPOUT 0xa54ff53a5f1d36f1ull
#define SALT_REPLICA 0x510e527fade682d1ull

void el_pretrain_options_default(el_pretrain_options *o)
{
    *o = (el_pretrain_options){
        .embedding_size = 128,
        .disc_hidden = 256,
        .disc_layers = 12,
        .disc_heads = 0,
        .max_positions = 512,
        .gen_fraction = 0.25,
        .gen_layer_fraction = 1.0,
        .batch = 128,
        .seq_len = 128,
        .gen_weight = 1.0,
        .disc_weight = 50.0,
    };
    el_train_options_default(&o->train);
    /* configure_pretraining.py's electra-small recipe. */
    o->train.lr = 5e-4;
    o->train.eps = 1e-6;
    o->train.weight_decay = 0.01;
    o->train.decay_all = 0;
    o->train.max_grad_norm = 1.0;
    o->train.warmup_steps = 10000;
    o->train.dropout = (el_train_dropout){0.1, 0.1, 0.1};
}

static void fill_config(el_config *c, int head, int vocab, int E, int H, int layers, int heads,
                        int max_positions, int32_t pad)
{
    *c = (el_config){.head = head, .vocab_size = vocab, .embedding_size = E, .hidden_size = H,
                     .num_layers = layers, .num_heads = heads, .intermediate_size = 4 * H,
                     .max_positions = max_positions, .type_vocab_size = 2, .pad_token_id = pad,
                     .layer_norm_eps = 1e-12, .hidden_act = EL_ACT_GELU, .num_labels = 2};
    snprintf(c->architecture, sizeof c->architecture, "%s", el_head_architecture(head));
    snprintf(c->hidden_act_name, sizeof c->hidden_act_name, "gelu");
}

electra_status el_pretrain_configs(const el_pretrain_options *o, int vocab_size, int32_t pad_id,
                                   el_config *disc, el_config *gen)
{
    if (!o || !disc || !gen)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrain_configs: NULL argument");
    int E = o->embedding_size, H = o->disc_hidden, L = o->disc_layers;
    if (vocab_size < 1 || vocab_size > EL_MAX_VOCAB || pad_id < 0 || pad_id >= vocab_size)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "vocabulary of %d tokens with [PAD] at %d is not usable", vocab_size,
                       (int)pad_id);
    if (E < 1 || E > EL_MAX_WIDTH || H < 1 || H > EL_MAX_WIDTH / 4 || L < 1 ||
        L > EL_MAX_LAYERS)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "embedding size %d, hidden size %d and %d layers: each must be at least 1 "
                       "(and at most %d, %d, %d)",
                       E, H, L, EL_MAX_WIDTH, EL_MAX_WIDTH / 4, EL_MAX_LAYERS);
    int heads = o->disc_heads ? o->disc_heads : (H / 64 > 1 ? H / 64 : 1);
    if (heads < 1 || H % heads)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "discriminator hidden size %d is not a multiple of %d heads", H, heads);
    if (!(o->gen_fraction > 0 && o->gen_fraction <= 4) ||
        !(o->gen_layer_fraction > 0 && o->gen_layer_fraction <= 4))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "generator fractions (%g of the hidden size, %g of the layers) must be in "
                       "(0, 4]",
                       o->gen_fraction, o->gen_layer_fraction);
    /* get_generator_config: hidden round(f H), layers round(f L), heads
     * max(1, hidden / 64), FFN 4 x hidden. */
    int gH = (int)lround(o->gen_fraction * H), gL = (int)lround(o->gen_layer_fraction * L);
    int g_heads = gH / 64 > 1 ? gH / 64 : 1;
    if (o->tie_generator) {
        gH = H;
        gL = L;
        g_heads = heads;
    }
    if (gH < 1 || gL < 1 || gH % g_heads)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "generator of hidden size %d, %d layers, %d heads is not possible (hidden "
                       "a multiple of the heads, both at least 1)",
                       gH, gL, g_heads);
    if (o->seq_len < 5 || o->max_positions < 1 || o->max_positions > EL_MAX_POSITIONS ||
        o->seq_len > (size_t)o->max_positions)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "sequence length %zu must be in [5, max positions %d]", o->seq_len,
                       o->max_positions);
    fill_config(disc, ELECTRA_HEAD_PRETRAINING, vocab_size, E, H, L, heads, o->max_positions,
                pad_id);
    fill_config(gen, ELECTRA_HEAD_MASKED_LM, vocab_size, E, gH, gL, g_heads, o->max_positions,
                pad_id);
    return ELECTRA_OK;
}

/* Sums over the batches of an evaluation (or the one batch of a step). */
struct tally {
    double mlm, disc;        /* loss x count */
    size_t gen_right, disc_right, replaced, tokens, predictions;
};

/* A data-parallel slice: rows [row0, row0 + rows) of each step, run by
 * a pair of models without a pool of their own. Replica 0's models train
 * over the pretrainer's views (gradients into the joint store), the
 * others' over a replica store of their own (el_param_store_pretraining_
 * replica), whose gradients are then added in replica order. */
struct el_pretrain_replica {
    el_param_store *store, *gen_view, *disc_view; /* NULL for replica 0 */
    el_train_model *gen, *disc;
    size_t row0, rows;
    size_t first_prediction; /* chosen positions in the rows before row0 */
    struct tally t;
    electra_status status;
    char error[EL_ERRMSG_SIZE];
};

static void free_replicas(el_pretrainer *p)
{
    for (size_t k = 0; k < p->n_replicas; k++) {
        struct el_pretrain_replica *r = &p->replicas[k];
        el_train_model_free(r->gen);
        el_train_model_free(r->disc);
        el_param_store_free(r->gen_view);
        el_param_store_free(r->disc_view);
        el_param_store_free(r->store);
    }
    el_free(p->replicas);
    p->replicas = NULL;
    p->n_replicas = 0;
}

static electra_status fail(el_pretrainer *p, electra_status s)
{
    el_error_capture(p->error);
    return s;
}

const char *el_pretrainer_last_error(const el_pretrainer *p)
{
    return p ? p->error : "pretrainer is NULL";
}

void el_pretrainer_free(el_pretrainer *p)
{
    if (!p)
        return;
    free_replicas(p);
    el_train_model_free(p->gen);
    /* The views borrow the joint store the trainer owns. */
    el_param_store_free(p->gen_view);
    el_param_store_free(p->disc_view);
    el_trainer_free(p->trainer);
    el_pretrain_stream_release(&p->stream);
    el_free(p->ids);
    el_free(p->positions);
    el_free(p);
}

static electra_status check_options(const el_pretrain_options *o, const el_pretrain_data *data)
{
    if (o->batch < 1 || o->batch > (1u << 20))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "batch size %zu is not in [1, 2^20]",
                       o->batch);
    if (data->max_length != o->seq_len)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "the examples are %zu tokens long, the options say %zu",
                       data->max_length, o->seq_len);
    if (!(o->disc_init_replaced >= 0 && o->disc_init_replaced < 1))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "pre-training: the initial replaced share must be in [0, 1), not %g",
                       o->disc_init_replaced);
    if (!(o->gen_weight >= 0) || !isfinite(o->gen_weight) || !(o->disc_weight >= 0) ||
        !isfinite(o->disc_weight))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "loss weights (generator %g, discriminator %g) must be >= 0",
                       o->gen_weight, o->disc_weight);
    return ELECTRA_OK;
}

/* Look up the special tokens the recipe needs. */
static electra_status specials(const electra_tokenizer *tok, int32_t ids[5])
{
    static const char *const names[5] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (int i = 0; i < 5; i++) {
        ids[i] = electra_tokenizer_special_id(tok, i);
        if (ids[i] < 0 && i != ELECTRA_TOKEN_UNK)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "the vocabulary has no %s token, which pre-training needs",
                           names[i]);
    }
    return ELECTRA_OK;
}

static electra_status allocate_buffers(el_pretrainer *p)
{
    size_t B = p->opt.batch, S = p->opt.seq_len, T = B * S;
    p->ids = el_malloc_array(7 * T, sizeof *p->ids);
    p->positions = el_malloc_array(3 * T, sizeof *p->positions);
    if (!p->ids || !p->positions)
        return el_nomem("allocating pre-training batches");
    p->types = p->ids + T;
    p->attn = p->types + T;
    p->masked = p->attn + T;
    p->mlm_labels = p->masked + T;
    p->fake = p->mlm_labels + T;
    p->disc_labels = p->fake + T;
    p->sampled = p->positions + T;
    p->scratch = p->sampled + T;
    return ELECTRA_OK;
}

/* The discriminator's output bias at logit(q). */
static electra_status set_output_bias(el_param_store *disc, double q)
{
    const el_param *b = el_param_store_find(disc, "discriminator_predictions.dense_prediction.bias");
    if (!b)
        return el_fail(ELECTRA_ERR_INTERNAL, "the discriminator has no output bias");
    disc->value[b->offset] = (float)log(q / (1 - q));
    return ELECTRA_OK;
}

/* min(threads, batch) slices of about equal rows when threads > 1. */
static electra_status create_replicas(el_pretrainer *p)
{
    size_t K = (size_t)p->opt.train.threads, B = p->opt.batch;
    if (K > B)
        K = B;
    if (K < 2)
        return ELECTRA_OK;
    p->replicas = el_calloc(K, sizeof *p->replicas);
    if (!p->replicas)
        return el_nomem("creating data-parallel replicas");
    p->n_replicas = K;
    const el_train_model *main_gen = p->gen, *main_disc = el_trainer_model(p->trainer);
    const el_train_dropout *dropout = &p->opt.train.dropout;
    for (size_t k = 0; k < K; k++) {
        struct el_pretrain_replica *r = &p->replicas[k];
        r->row0 = k * B / K;
        r->rows = (k + 1) * B / K - r->row0;
        el_param_store *gen_view = p->gen_view, *disc_view = p->disc_view;
        electra_status s = ELECTRA_OK;
        if (k > 0) {
            s = el_param_store_pretraining_replica(el_trainer_params(p->trainer),
                                                   &p->gen_view->cfg, p->opt.tie_generator,
                                                   &r->store, &r->gen_view, &r->disc_view);
            gen_view = r->gen_view;
            disc_view = r->disc_view;
        }
        /* Replica 0 draws the dropout masks the single-thread models would;
         * the others their own. */
        uint64_t salt = k ? el_mix64(SALT_REPLICA + k) : 0;
        if (!s)
            s = el_train_model_create(gen_view, NULL, dropout, main_gen->seed ^ salt, &r->gen);
        if (!s)
            s = el_train_model_create(disc_view, NULL, dropout, main_disc->seed ^ salt, &r->disc);
        if (s)
            return s;
    }
    return ELECTRA_OK;
}

electra_status el_pretrainer_create(const el_pretrain_options *o,
                                    const electra_tokenizer *tokenizer,
                                    const el_pretrain_data *data, el_pretrainer **out)
{
    if (!o || !tokenizer || !data || !out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_create: NULL argument");
    int32_t sp[5];
    el_config disc, gen;
    electra_status s = check_options(o, data);
    if (s || (s = specials(tokenizer, sp)) ||
        (s = el_pretrain_configs(o, (int)electra_tokenizer_vocab_size(tokenizer),
                                 sp[ELECTRA_TOKEN_PAD], &disc, &gen)))
        return s;
    el_pretrainer *p = el_calloc(1, sizeof *p);
    if (!p)
        return el_nomem("creating a pretrainer");
    p->opt = *o;
    p->data = data;
    el_param_store *joint = NULL;
    s = el_param_store_init_pretraining(&disc, &gen, o->tie_generator,
                                        o->train.initializer_range, o->train.seed, &joint,
                                        &p->gen_view, &p->disc_view);
    if (!s && o->disc_init_replaced > 0)
        s = set_output_bias(p->disc_view, o->disc_init_replaced);
    if (!s)
        s = el_trainer_create(joint, &o->train, &p->trainer); /* takes joint */
    if (!s)
        s = el_train_model_create(p->gen_view, el_trainer_model(p->trainer)->pool,
                                  &o->train.dropout, o->train.seed ^ SALT_GEN_DROPOUT, &p->gen);
    if (!s)
        s = allocate_buffers(p);
    if (!s)
        s = create_replicas(p);
    if (!s)
        s = el_pretrain_stream_init(&p->stream, data, o->train.seed, 0);
    if (s) {
        el_pretrainer_free(p);
        return s;
    }
    el_mask_config_default(&p->mask, o->seq_len, sp[ELECTRA_TOKEN_CLS], sp[ELECTRA_TOKEN_SEP],
                           sp[ELECTRA_TOKEN_MASK]);
    *out = p;
    return ELECTRA_OK;
}

long el_pretrainer_steps(const el_pretrainer *p)
{
    return el_trainer_step_count(p->trainer);
}

uint64_t el_pretrainer_examples_consumed(const el_pretrainer *p)
{
    return p->stream.consumed;
}

static size_t count(const el_param_store *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_params; i++)
        n += s->params[i].count;
    return n;
}

size_t el_pretrainer_parameters(const el_pretrainer *p, int generator)
{
    return count(generator ? p->gen_view : p->disc_view);
}

size_t el_pretrainer_total_parameters(const el_pretrainer *p)
{
    return el_trainer_params(p->trainer)->total;
}

el_param_store *el_pretrainer_generator(el_pretrainer *p)
{
    return p->gen_view;
}

el_param_store *el_pretrainer_discriminator(el_pretrainer *p)
{
    return p->disc_view;
}

static void finish_stats(const el_pretrainer *p, const struct tally *t, el_pretrain_stats *st)
{
    double n = t->predictions ? (double)t->predictions : 1, m = t->tokens ? (double)t->tokens : 1;
    st->mlm_loss = t->mlm / n;
    st->disc_loss = t->disc / m;
    st->loss = p->opt.gen_weight * st->mlm_loss + p->opt.disc_weight * st->disc_loss;
    st->gen_accuracy = (double)t->gen_right / n;
    st->disc_accuracy = (double)t->disc_right / m;
    st->replaced = (double)t->replaced / m;
    st->tokens = t->tokens;
    st->predictions = t->predictions;
}

static void scale(float *x, size_t n, double w)
{
    if (w != 1.0)
        for (size_t i = 0; i < n; i++)
            x[i] *= (float)w;
}

/* Choose and mask each row's positions (row r: mask_key's stream r). */
static void mask_rows(el_pretrainer *p, uint64_t mask_key)
{
    size_t S = p->opt.seq_len;
    for (size_t r = 0; r < p->opt.batch; r++)
        el_pretrain_mask_row(&p->mask, p->ids + r * S, p->attn + r * S, S,
                             el_mix64(mask_key + r * 0x9e3779b97f4a7c15ull), p->masked + r * S,
                             p->mlm_labels + r * S, p->scratch + r * S);
}

/* Chosen positions and attended tokens in rows [row0, row0 + rows). */
static void count_slice(const el_pretrainer *p, size_t row0, size_t rows, size_t *predictions,
                        size_t *tokens)
{
    size_t S = p->opt.seq_len, n = 0, m = 0;
    for (size_t t = row0 * S; t < (row0 + rows) * S; t++) {
        n += p->mlm_labels[t] != EL_MLM_IGNORE;
        m += (size_t)p->attn[t];
    }
    *predictions = n;
    *tokens = m;
}

/* What a slice's mean loss weighs in the batch's: its share of the
 * counted items (1 for the whole batch, exactly). */
static double share(double weight, size_t part, size_t whole)
{
    return whole ? weight * (double)part / (double)whole : weight;
}

/* Both models' passes on rows [row0, row0 + rows) of the masked batch,
 * sampling with sample_key (the slice's first chosen position is number
 * first_prediction of the batch). training adds the gradients of the
 * batch's weighted losses, as far as they come from these rows, to the
 * models' stores. all_predictions and all_tokens count the batch. */
static electra_status run_slice(el_pretrainer *p, el_train_model *g, el_train_model *d,
                                size_t row0, size_t rows, size_t first_prediction,
                                size_t all_predictions, size_t all_tokens, uint64_t sample_key,
                                int training, struct tally *t)
{
    const el_pretrain_options *o = &p->opt;
    size_t S = o->seq_len, off = row0 * S, T = rows * S;
    size_t V = (size_t)p->gen_view->cfg.vocab_size;
    /* Generator: MLM loss on the chosen positions, then its sample. */
    el_train_batch gb = {.batch = rows, .seq = S, .input_ids = p->masked + off,
                         .attention_mask = p->attn + off, .token_type_ids = p->types + off,
                         .labels = p->mlm_labels + off};
    double mlm;
    electra_status s = el_train_model_forward(g, &gb, training, &mlm);
    if (s)
        return s;
    size_t R = g->logit_rows;
    int32_t *positions = p->positions + off, *sampled = p->sampled + off;
    for (size_t r = 0; r < R; r++) {
        positions[r] = g->sel[r];
        t->gen_right += el_argmax(g->logits + r * V, V) == (size_t)gb.labels[g->sel[r]];
    }
    el_gumbel_argmax(g->logits, R, V, sample_key, first_prediction, sampled, g->pool);
    if (training) {
        scale(g->dlogits, R * V, share(o->gen_weight, R, all_predictions));
        el_train_model_backward(g);
    }
    /* Discriminator: BCE over the attended tokens of the sampled input. */
    t->replaced += el_pretrain_replace(p->ids + off, T, positions, sampled, R, p->fake + off,
                                       p->disc_labels + off);
    el_train_batch db = {.batch = rows, .seq = S, .input_ids = p->fake + off,
                         .attention_mask = gb.attention_mask, .token_type_ids = gb.token_type_ids,
                         .labels = p->disc_labels + off};
    double bce;
    if ((s = el_train_model_forward(d, &db, training, &bce)))
        return s;
    size_t tokens = 0;
    for (size_t i = 0; i < T; i++) {
        tokens += (size_t)db.attention_mask[i];
        t->disc_right += db.attention_mask[i] && (d->logits[i] > 0) == (db.labels[i] == 1);
    }
    if (training) {
        scale(d->dlogits, T, share(o->disc_weight, tokens, all_tokens));
        el_train_model_backward(d);
    }
    t->mlm += mlm * (double)R;
    t->disc += bce * (double)tokens;
    t->tokens += tokens;
    t->predictions += R;
    return ELECTRA_OK;
}

/* Both models' passes on the whole batch in p->ids/types/attn, on the
 * trainer's pool, masking with mask_key, sampling with sample_key. */
static electra_status run_pair(el_pretrainer *p, uint64_t mask_key, uint64_t sample_key,
                               int training, struct tally *t)
{
    size_t predictions, tokens;
    mask_rows(p, mask_key);
    count_slice(p, 0, p->opt.batch, &predictions, &tokens);
    el_train_blas_threads(p->opt.train.threads);
    return run_slice(p, p->gen, el_trainer_model(p->trainer), 0, p->opt.batch, 0, predictions,
                     tokens, sample_key, training, t);
}

struct replica_job {
    el_pretrainer *p;
    uint64_t sample_key;
    size_t predictions, tokens; /* the batch's */
};

static void run_replica(void *arg, size_t k)
{
    const struct replica_job *j = arg;
    struct el_pretrain_replica *r = &j->p->replicas[k];
    if (r->store)
        memset(r->store->grad, 0, r->store->total * sizeof(float));
    memset(&r->t, 0, sizeof r->t);
    r->status = run_slice(j->p, r->gen, r->disc, r->row0, r->rows, r->first_prediction,
                          j->predictions, j->tokens, j->sample_key, 1, &r->t);
    if (r->status)
        el_error_capture(r->error);
}

struct sum_job {
    float *dst;
    const struct el_pretrain_replica *replicas;
    size_t n_replicas, total;
};

#define SUM_PIECE 65536

/* dst += each replica's gradient, in replica order. */
static void sum_piece(void *arg, size_t i)
{
    const struct sum_job *j = arg;
    size_t b = i * SUM_PIECE, n = j->total - b < SUM_PIECE ? j->total - b : SUM_PIECE;
    for (size_t k = 1; k < j->n_replicas; k++) {
        const float *g = j->replicas[k].store->grad + b;
        for (size_t x = 0; x < n; x++)
            j->dst[b + x] += g[x];
    }
}

static void add_tally(struct tally *t, const struct tally *u)
{
    t->mlm += u->mlm;
    t->disc += u->disc;
    t->gen_right += u->gen_right;
    t->disc_right += u->disc_right;
    t->replaced += u->replaced;
    t->tokens += u->tokens;
    t->predictions += u->predictions;
}

/* run_pair's training passes, a slice of rows per replica side by side.
 * The batch is checked whole first, so that errors name its rows. */
static electra_status run_replicas(el_pretrainer *p, uint64_t mask_key, uint64_t sample_key,
                                   struct tally *t)
{
    size_t B = p->opt.batch, S = p->opt.seq_len;
    mask_rows(p, mask_key);
    el_train_batch whole = {.batch = B, .seq = S, .input_ids = p->masked,
                            .attention_mask = p->attn, .token_type_ids = p->types,
                            .labels = p->mlm_labels};
    electra_status s = el_train_model_check(p->gen, &whole);
    if (s)
        return s;
    struct replica_job job = {p, sample_key, 0, 0};
    el_train_model *main_disc = el_trainer_model(p->trainer);
    for (size_t k = 0; k < p->n_replicas; k++) {
        struct el_pretrain_replica *r = &p->replicas[k];
        size_t predictions, tokens;
        r->first_prediction = job.predictions;
        count_slice(p, r->row0, r->rows, &predictions, &tokens);
        job.predictions += predictions;
        job.tokens += tokens;
        /* Every replica is at the single models' dropout position. */
        r->gen->pass = p->gen->pass;
        r->disc->pass = main_disc->pass;
    }
    el_train_blas_threads(1);
    el_threadpool *pool = main_disc->pool;
    el_parallel_for(pool, p->n_replicas, run_replica, &job);
    for (size_t k = 0; k < p->n_replicas; k++)
        if (p->replicas[k].status)
            return el_fail(p->replicas[k].status, "%s", p->replicas[k].error);
    el_param_store *joint = el_trainer_params(p->trainer);
    struct sum_job sum = {joint->grad, p->replicas, p->n_replicas, joint->total};
    el_parallel_for(pool, (joint->total + SUM_PIECE - 1) / SUM_PIECE, sum_piece, &sum);
    for (size_t k = 0; k < p->n_replicas; k++)
        add_tally(t, &p->replicas[k].t);
    p->gen->pass++;
    main_disc->pass++;
    return ELECTRA_OK;
}

/* Add the gradients of the batch in p->ids, p->types, p->attn. */
static electra_status accumulate_loaded(el_pretrainer *p, struct tally *t)
{
    uint64_t seed = p->opt.train.seed, step = (uint64_t)el_pretrainer_steps(p);
    uint64_t mask_key = el_dropout_key(seed ^ SALT_MASK, step, 0);
    uint64_t sample_key = el_dropout_key(seed ^ SALT_SAMPLE, step, 0);
    el_trainer_mark_gradients(p->trainer);
    electra_status s = p->n_replicas ? run_replicas(p, mask_key, sample_key, t)
                                     : run_pair(p, mask_key, sample_key, 1, t);
    return s ? fail(p, s) : ELECTRA_OK;
}

/* One update on the batch loaded. */
static electra_status step_loaded(el_pretrainer *p, el_pretrain_stats *stats)
{
    el_trainer_zero_grad(p->trainer);
    struct tally t = {0};
    el_pretrain_stats st = {0};
    electra_status s = accumulate_loaded(p, &t);
    if (s) {
        /* Leave no half-accumulated gradient behind. */
        el_trainer_zero_grad(p->trainer);
        return s;
    }
    if ((s = el_trainer_apply(p->trainer, &st.grad_norm, &st.lr)))
        return fail(p, s);
    finish_stats(p, &t, &st);
    *stats = st;
    return ELECTRA_OK;
}

electra_status el_pretrainer_step(el_pretrainer *p, el_pretrain_stats *stats)
{
    if (!p || !stats)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_step: NULL argument");
    el_pretrain_stream_next(&p->stream, p->opt.batch, p->ids, p->types, p->attn);
    return step_loaded(p, stats);
}

electra_status el_pretrainer_accumulate(el_pretrainer *p, el_pretrain_stats *stats)
{
    if (!p || !stats)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_accumulate: NULL argument");
    el_pretrain_stream_next(&p->stream, p->opt.batch, p->ids, p->types, p->attn);
    struct tally t = {0};
    electra_status s = accumulate_loaded(p, &t);
    if (s)
        return s;
    el_pretrain_stats st = {0};
    finish_stats(p, &t, &st);
    *stats = st;
    return ELECTRA_OK;
}

electra_status el_pretrainer_step_batch(el_pretrainer *p, const int32_t *ids,
                                        const int32_t *types, const int32_t *attn,
                                        el_pretrain_stats *stats)
{
    if (!p || !ids || !types || !attn || !stats)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_step_batch: NULL argument");
    /* The models check types and mask (naming a bad one) before anything
     * changes; ids are checked here, since a sample may replace one. */
    size_t T = p->opt.batch * p->opt.seq_len, n = T * sizeof *ids;
    int32_t V = p->gen_view->cfg.vocab_size;
    for (size_t t = 0; t < T; t++)
        if (ids[t] < 0 || ids[t] >= V)
            return fail(p, el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                                   "input_ids[%zu][%zu] = %d is outside the vocabulary [0, %d)",
                                   t / p->opt.seq_len, t % p->opt.seq_len, ids[t], V));
    memcpy(p->ids, ids, n);
    memcpy(p->types, types, n);
    memcpy(p->attn, attn, n);
    return step_loaded(p, stats);
}

electra_status el_pretrainer_evaluate(el_pretrainer *p, const el_pretrain_data *data,
                                      size_t batches, el_pretrain_stats *stats)
{
    if (!p || !data || !stats)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_evaluate: NULL argument");
    if (data->max_length != p->opt.seq_len || data->n_examples == 0)
        return fail(p, el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                               "evaluation needs examples of %zu tokens (has %zu of %zu)",
                               p->opt.seq_len, data->n_examples, data->max_length));
    size_t B = p->opt.batch, S = p->opt.seq_len;
    uint64_t seed = p->opt.train.seed;
    /* Dropout is off, but each pass advances the models' dropout
     * streams: put them back so training goes on as without this. */
    el_train_model *d = el_trainer_model(p->trainer);
    uint64_t gen_pass = p->gen->pass, disc_pass = d->pass;
    struct tally t = {0};
    for (size_t b = 0; b < batches; b++) {
        for (size_t r = 0; r < B; r++)
            el_pretrain_data_example(data, (b * B + r) % data->n_examples, p->ids + r * S,
                                     p->types + r * S, p->attn + r * S);
        electra_status s = run_pair(p, el_dropout_key(seed ^ SALT_EVAL, b, 0),
                                    el_dropout_key(seed ^ SALT_EVAL, b, 1), 0, &t);
        if (s) {
            p->gen->pass = gen_pass;
            d->pass = disc_pass;
            return fail(p, s);
        }
    }
    p->gen->pass = gen_pass;
    d->pass = disc_pass;
    el_pretrain_stats st = {0};
    finish_stats(p, &t, &st);
    *stats = st;
    return ELECTRA_OK;
}
