/* pretrain.c - the ELECTRA pre-training step: masking, the generator's
 * pass and sample, the discriminator's pass, the combined loss and one
 * update of both models. */
#include "pretrain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "train_ops.h"
#include "train_rng.h"

/* Salts that keep the step's random streams apart. */
#define SALT_MASK 0x8a5cd789635d2dffull
#define SALT_SAMPLE 0x121fd2155c472f96ull
#define SALT_EVAL 0x3c6ef372fe94f82bull
#define SALT_GEN_DROPOUT 0xa54ff53a5f1d36f1ull

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
    s = el_param_store_init_pretraining(&disc, &gen, o->train.initializer_range, o->train.seed,
                                        &joint, &p->gen_view, &p->disc_view);
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

static size_t argmax(const float *x, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

/* Sums over the batches of an evaluation (or the one batch of a step). */
struct tally {
    double mlm, disc;        /* loss x count */
    size_t gen_right, disc_right, replaced, tokens, predictions;
};

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

/* Both models' passes on the batch in p->ids/types/attn: masking with
 * mask_key (row r: the key's stream r), sampling with sample_key;
 * training adds the weighted losses' gradients into the joint store. */
static electra_status run_pair(el_pretrainer *p, uint64_t mask_key, uint64_t sample_key,
                               int training, struct tally *t)
{
    const el_pretrain_options *o = &p->opt;
    size_t B = o->batch, S = o->seq_len, T = B * S;
    size_t V = (size_t)p->gen_view->cfg.vocab_size;
    for (size_t r = 0; r < B; r++)
        el_pretrain_mask_row(&p->mask, p->ids + r * S, p->attn + r * S, S,
                             el_mix64(mask_key + r * 0x9e3779b97f4a7c15ull), p->masked + r * S,
                             p->mlm_labels + r * S, p->scratch);
    el_train_blas_threads(o->train.threads);
    /* Generator: MLM loss on the chosen positions, then its sample. */
    el_train_batch gb = {.batch = B, .seq = S, .input_ids = p->masked,
                         .attention_mask = p->attn, .token_type_ids = p->types,
                         .labels = p->mlm_labels};
    double mlm;
    el_train_model *g = p->gen;
    electra_status s = el_train_model_forward(g, &gb, training, &mlm);
    if (s)
        return s;
    size_t R = g->logit_rows;
    for (size_t r = 0; r < R; r++) {
        p->positions[r] = g->sel[r];
        t->gen_right += argmax(g->logits + r * V, V) == (size_t)p->mlm_labels[g->sel[r]];
    }
    el_gumbel_argmax(g->logits, R, V, sample_key, p->sampled, g->pool);
    if (training) {
        scale(g->dlogits, R * V, o->gen_weight);
        el_train_model_backward(g);
    }
    /* Discriminator: BCE over the attended tokens of the sampled input. */
    t->replaced += el_pretrain_replace(p->ids, T, p->positions, p->sampled, R, p->fake,
                                       p->disc_labels);
    el_train_batch db = {.batch = B, .seq = S, .input_ids = p->fake, .attention_mask = p->attn,
                         .token_type_ids = p->types, .labels = p->disc_labels};
    el_train_model *d = el_trainer_model(p->trainer);
    double bce;
    if ((s = el_train_model_forward(d, &db, training, &bce)))
        return s;
    size_t tokens = 0;
    for (size_t i = 0; i < T; i++) {
        tokens += (size_t)p->attn[i];
        t->disc_right += p->attn[i] && (d->logits[i] > 0) == (p->disc_labels[i] == 1);
    }
    if (training) {
        scale(d->dlogits, T, o->disc_weight);
        el_train_model_backward(d);
    }
    t->mlm += mlm * (double)R;
    t->disc += bce * (double)tokens;
    t->tokens += tokens;
    t->predictions += R;
    return ELECTRA_OK;
}

/* Add the gradients of the batch in p->ids, p->types, p->attn. */
static electra_status accumulate_loaded(el_pretrainer *p, struct tally *t)
{
    uint64_t seed = p->opt.train.seed, step = (uint64_t)el_pretrainer_steps(p);
    el_trainer_mark_gradients(p->trainer);
    electra_status s = run_pair(p, el_dropout_key(seed ^ SALT_MASK, step, 0),
                                el_dropout_key(seed ^ SALT_SAMPLE, step, 0), 1, t);
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
