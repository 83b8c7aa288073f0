/* train_params.c - the parameter store: its layout (Hugging Face key
 * names and shapes, in named_parameters() order except that query, key
 * and value are stacked), copies from a loaded model, initialisation. */
#include "train_params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "model.h"
#include "train_rng.h"

/* One declared tensor before the buffers exist: where its value and
 * gradient pointers go in the typed view, and what to copy into it. */
struct slot {
    float **value, **grad;
    const float *source;
};

struct builder {
    el_param_store *s;
    struct slot *slots;
    size_t cap, slot_cap;
    const char *prefix;      /* "electra." for trunk keys of head models */
    const char *head_prefix; /* "" (a pre-training generator's: "generator.") */
    int depth;
    electra_status status;
    float *values; /* NULL: allocate them; else another store's, and no
                      optimizer moments (a data-parallel replica) */
};

static void declare(struct builder *b, int trunk, const char *name, size_t d0, size_t d1,
                    el_param_kind kind, float **value, float **grad, const float *source)
{
    el_param_store *s = b->s;
    if (b->status)
        return;
    if (el_grow((void **)&s->params, &b->cap, s->n_params + 1, sizeof *s->params) ||
        el_grow((void **)&b->slots, &b->slot_cap, s->n_params + 1, sizeof *b->slots)) {
        b->status = el_nomem("declaring parameters");
        return;
    }
    el_param *p = &s->params[s->n_params];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s%s", trunk ? b->prefix : b->head_prefix, name);
    p->ndim = d1 ? 2 : 1;
    p->shape[0] = d0;
    p->shape[1] = d1 ? d1 : 1;
    p->count = d0 * p->shape[1];
    p->offset = s->total;
    p->kind = kind;
    p->depth = b->depth;
    b->slots[s->n_params] = (struct slot){value, grad, source};
    s->n_params++;
    s->total += p->count;
}

static void linear(struct builder *b, int trunk, const char *name, size_t in, size_t out,
                   el_train_linear *l, const el_linear *src)
{
    char key[96];
    l->in = in;
    l->out = out;
    snprintf(key, sizeof key, "%s.weight", name);
    declare(b, trunk, key, out, in, EL_PARAM_WEIGHT, &l->w, &l->dw, src ? src->weight : NULL);
    snprintf(key, sizeof key, "%s.bias", name);
    declare(b, trunk, key, out, 0, EL_PARAM_BIAS, &l->b, &l->db, src ? src->bias : NULL);
}

static void norm(struct builder *b, int trunk, const char *name, size_t n, el_train_norm *l,
                 const float *src_gain, const float *src_bias)
{
    char key[96];
    l->n = n;
    snprintf(key, sizeof key, "%s.weight", name);
    declare(b, trunk, key, n, 0, EL_PARAM_NORM_GAIN, &l->gain, &l->dgain, src_gain);
    snprintf(key, sizeof key, "%s.bias", name);
    declare(b, trunk, key, n, 0, EL_PARAM_NORM_BIAS, &l->bias, &l->dbias, src_bias);
}

static void declare_layer(struct builder *b, const el_config *c, int i, el_train_layer *L,
                          const el_layer *src)
{
    size_t H = (size_t)c->hidden_size, I = (size_t)c->intermediate_size;
    char p[64], key[96];
    snprintf(p, sizeof p, "encoder.layer.%d.", i);
    b->depth = 1 + i;
    /* Stacked query/key/value: three weights, then three biases, so that
     * qkv.w is one (3H, H) matrix and qkv.b one (3H) vector. */
    static const char *const parts[] = {"query", "key", "value"};
    const el_linear *srcs[3] = {src ? &src->query : NULL, src ? &src->key : NULL,
                                src ? &src->value : NULL};
    L->qkv.in = H;
    L->qkv.out = 3 * H;
    for (int j = 0; j < 3; j++) {
        snprintf(key, sizeof key, "%sattention.self.%s.weight", p, parts[j]);
        declare(b, 1, key, H, H, EL_PARAM_WEIGHT, j ? NULL : &L->qkv.w, j ? NULL : &L->qkv.dw,
                srcs[j] ? srcs[j]->weight : NULL);
    }
    for (int j = 0; j < 3; j++) {
        snprintf(key, sizeof key, "%sattention.self.%s.bias", p, parts[j]);
        declare(b, 1, key, H, 0, EL_PARAM_BIAS, j ? NULL : &L->qkv.b, j ? NULL : &L->qkv.db,
                srcs[j] ? srcs[j]->bias : NULL);
    }
#define KEY(suffix) (snprintf(key, sizeof key, "%s" suffix, p), key)
    linear(b, 1, KEY("attention.output.dense"), H, H, &L->attn_out, src ? &src->attn_out : NULL);
    norm(b, 1, KEY("attention.output.LayerNorm"), H, &L->attn_ln,
         src ? src->attn_ln_gain : NULL, src ? src->attn_ln_bias : NULL);
    linear(b, 1, KEY("intermediate.dense"), H, I, &L->intermediate,
           src ? &src->intermediate : NULL);
    linear(b, 1, KEY("output.dense"), I, H, &L->output, src ? &src->output : NULL);
    norm(b, 1, KEY("output.LayerNorm"), H, &L->out_ln, src ? src->out_ln_gain : NULL,
         src ? src->out_ln_bias : NULL);
#undef KEY
}

/* The embedding tables and their LayerNorm. */
static void declare_embeddings(struct builder *b, const el_config *c, el_train_weights *w,
                               const electra_model *src)
{
    size_t V = (size_t)c->vocab_size, E = (size_t)c->embedding_size;
    b->depth = 0;
    declare(b, 1, "embeddings.word_embeddings.weight", V, E, EL_PARAM_EMBEDDING, &w->word,
            &w->dword, src ? src->word_emb : NULL);
    declare(b, 1, "embeddings.position_embeddings.weight", (size_t)c->max_positions, E,
            EL_PARAM_WEIGHT, &w->pos, &w->dpos, src ? src->pos_emb : NULL);
    declare(b, 1, "embeddings.token_type_embeddings.weight", (size_t)c->type_vocab_size, E,
            EL_PARAM_WEIGHT, &w->type, &w->dtype, src ? src->type_emb : NULL);
    norm(b, 1, "embeddings.LayerNorm", E, &w->emb_ln, src ? src->emb_ln_gain : NULL,
         src ? src->emb_ln_bias : NULL);
}

/* embeddings_project and the encoder layers, in transformers' order
 * (with the query/key/value stacking above). */
static void declare_encoder(struct builder *b, const el_config *c, el_train_weights *w,
                            const electra_model *src)
{
    size_t E = (size_t)c->embedding_size, H = (size_t)c->hidden_size;
    b->depth = 0;
    /* transformers creates embeddings_project only when E != H. */
    w->has_projection = E != H;
    if (w->has_projection)
        linear(b, 1, "embeddings_project", E, H, &w->projection, src ? &src->projection : NULL);
    for (int i = 0; i < c->num_layers; i++)
        declare_layer(b, c, i, &w->layers[i], src ? &src->layers[i] : NULL);
}

/* The tensors of config c's head. */
static void declare_head(struct builder *b, const el_config *c, el_train_weights *w,
                         const electra_model *src)
{
    size_t V = (size_t)c->vocab_size, E = (size_t)c->embedding_size;
    size_t H = (size_t)c->hidden_size, L = (size_t)c->num_labels;
    b->depth = c->num_layers + 2;
    switch (c->head) {
    case ELECTRA_HEAD_MASKED_LM:
        /* ElectraGeneratorPredictions registers LayerNorm before dense. */
        norm(b, 0, "generator_predictions.LayerNorm", E, &w->gen_ln,
             src ? src->gen_ln_gain : NULL, src ? src->gen_ln_bias : NULL);
        linear(b, 0, "generator_predictions.dense", H, E, &w->gen_dense,
               src ? &src->gen_dense : NULL);
        declare(b, 0, "generator_lm_head.bias", V, 0, EL_PARAM_BIAS, &w->lm_bias, &w->dlm_bias,
                src ? src->gen_lm.bias : NULL);
        break;
    case ELECTRA_HEAD_PRETRAINING:
        linear(b, 0, "discriminator_predictions.dense", H, H, &w->disc_dense,
               src ? &src->disc_dense : NULL);
        linear(b, 0, "discriminator_predictions.dense_prediction", H, 1, &w->disc_predict,
               src ? &src->disc_predict : NULL);
        break;
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION:
        linear(b, 0, "classifier.dense", H, H, &w->cls_dense, src ? &src->cls_dense : NULL);
        linear(b, 0, "classifier.out_proj", H, L, &w->cls_out, src ? &src->cls_out : NULL);
        break;
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION:
        linear(b, 0, "classifier", H, L, &w->token_cls, src ? &src->token_cls : NULL);
        break;
    case ELECTRA_HEAD_QUESTION_ANSWERING:
        linear(b, 0, "qa_outputs", H, 2, &w->qa, src ? &src->qa : NULL);
        break;
    default:
        break;
    }
}

/* Every tensor of the store's model. */
static void declare_all(struct builder *b, const electra_model *src)
{
    const el_config *c = &b->s->cfg;
    b->prefix = c->head == ELECTRA_HEAD_NONE ? "" : "electra.";
    b->head_prefix = "";
    declare_embeddings(b, c, &b->s->w, src);
    declare_encoder(b, c, &b->s->w, src);
    declare_head(b, c, &b->s->w, src);
}

static electra_status config_copy(el_config *dst, const el_config *src)
{
    *dst = *src;
    dst->labels = NULL;
    if (!src->labels)
        return ELECTRA_OK;
    dst->labels = el_calloc((size_t)src->num_labels, sizeof *dst->labels);
    if (!dst->labels)
        return el_nomem("copying a config");
    for (int i = 0; i < src->num_labels; i++) {
        dst->labels[i] = el_strndup(src->labels[i], strlen(src->labels[i]));
        if (!dst->labels[i]) {
            el_config_free(dst);
            return el_nomem("copying a config");
        }
    }
    return ELECTRA_OK;
}

/* A store for cfg (copied) with its layer table, nothing declared yet. */
static electra_status new_store(const el_config *cfg, el_param_store **out)
{
    if (cfg->head == ELECTRA_HEAD_QUESTION_ANSWERING && cfg->num_labels != 2)
        return el_fail(ELECTRA_ERR_CONFIG, "question answering needs num_labels 2, not %d",
                       cfg->num_labels);
    el_param_store *s = el_calloc(1, sizeof *s);
    if (!s)
        return el_nomem("creating a parameter store");
    electra_status st = config_copy(&s->cfg, cfg);
    if (st) {
        el_free(s);
        return st;
    }
    s->w.layers = el_calloc(cfg->num_layers > 0 ? (size_t)cfg->num_layers : 1,
                            sizeof *s->w.layers);
    if (!s->w.layers) {
        el_param_store_free(s);
        return el_nomem("creating a parameter store");
    }
    *out = s;
    return ELECTRA_OK;
}

/* Allocate the four buffers for what b declared, point the typed views
 * into them and copy the sources given. Frees b's slots. */
static electra_status allocate(struct builder *b)
{
    el_param_store *s = b->s;
    size_t bytes = s->total * sizeof(float);
    if (!b->status && s->total > SIZE_MAX / sizeof(float) / 4)
        b->status = el_fail(ELECTRA_ERR_NOMEM, "%zu parameters cannot be addressed", s->total);
    if (!b->status && b->values) {
        s->value = b->values;
        s->shared_values = 1;
        if (!(s->grad = el_malloc_aligned(bytes)))
            b->status = el_fail(ELECTRA_ERR_NOMEM,
                                "out of memory allocating %zu bytes of gradients", bytes);
    } else if (!b->status) {
        s->value = el_malloc_aligned(bytes);
        s->grad = el_malloc_aligned(bytes);
        s->m = el_malloc_aligned(bytes);
        s->v = el_malloc_aligned(bytes);
        if (!s->value || !s->grad || !s->m || !s->v)
            b->status = el_fail(ELECTRA_ERR_NOMEM,
                                "out of memory allocating 4 x %zu bytes of training state", bytes);
        else {
            memset(s->m, 0, bytes);
            memset(s->v, 0, bytes);
        }
    }
    if (!b->status) {
        memset(s->grad, 0, bytes);
        for (size_t i = 0; i < s->n_params; i++) {
            const el_param *p = &s->params[i];
            const struct slot *sl = &b->slots[i];
            if (sl->value) {
                *sl->value = s->value + p->offset;
                *sl->grad = s->grad + p->offset;
            }
            if (sl->source)
                memcpy(s->value + p->offset, sl->source, p->count * sizeof(float));
        }
    }
    el_free(b->slots);
    b->slots = NULL;
    return b->status;
}

/* Lay out the tensors, allocate the four buffers, point the view into
 * them and copy src's weights when given. */
static electra_status build(const el_config *cfg, const electra_model *src, el_param_store **out)
{
    el_param_store *s;
    electra_status st = new_store(cfg, &s);
    if (st)
        return st;
    struct builder b = {.s = s};
    declare_all(&b, src);
    if ((st = allocate(&b))) {
        el_param_store_free(s);
        return st;
    }
    *out = s;
    return ELECTRA_OK;
}

electra_status el_param_store_from_model(const electra_model *model, el_param_store **out)
{
    if (!model || !out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_param_store_from_model: %s is NULL",
                       model ? "out" : "model");
    return build(&model->cfg, model, out);
}

static electra_status check_range(double initializer_range)
{
    if (!(initializer_range >= 0) || !isfinite(initializer_range))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "initializer_range %g is not >= 0",
                       initializer_range);
    return ELECTRA_OK;
}

/* transformers' _init_weights over every tensor, in the store's order. */
static void init_values(el_param_store *s, double initializer_range, uint64_t seed)
{
    el_rng rng;
    el_rng_seed(&rng, seed);
    for (size_t i = 0; i < s->n_params; i++) {
        const el_param *p = &s->params[i];
        float *x = s->value + p->offset;
        switch (p->kind) {
        case EL_PARAM_WEIGHT:
        case EL_PARAM_EMBEDDING:
            for (size_t j = 0; j < p->count; j++)
                x[j] = (float)(initializer_range * el_rng_normal(&rng));
            /* nn.Embedding(padding_idx=pad_token_id): _init_weights zeroes
             * that row. */
            if (p->kind == EL_PARAM_EMBEDDING)
                memset(x + (size_t)s->cfg.pad_token_id * p->shape[1], 0,
                       p->shape[1] * sizeof *x);
            break;
        case EL_PARAM_NORM_GAIN:
            for (size_t j = 0; j < p->count; j++)
                x[j] = 1.0f;
            break;
        case EL_PARAM_BIAS:
        case EL_PARAM_NORM_BIAS:
            memset(x, 0, p->count * sizeof *x);
            break;
        }
    }
}

electra_status el_param_store_init(const el_config *cfg, double initializer_range,
                                   uint64_t seed, el_param_store **out)
{
    if (!cfg || !out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_param_store_init: %s is NULL",
                       cfg ? "out" : "cfg");
    electra_status st = check_range(initializer_range);
    el_param_store *s;
    if (st || (st = build(cfg, NULL, &s)))
        return st;
    init_values(s, initializer_range, seed);
    *out = s;
    return ELECTRA_OK;
}

electra_status el_pretraining_pair_check(const el_config *disc, const el_config *gen)
{
    if (disc->head != ELECTRA_HEAD_PRETRAINING || gen->head != ELECTRA_HEAD_MASKED_LM)
        return el_fail(ELECTRA_ERR_CONFIG,
                       "a pre-training pair is an ElectraForPreTraining discriminator and an "
                       "ElectraForMaskedLM generator");
    struct {
        const char *what;
        int d, g;
    } same[] = {{"vocab_size", disc->vocab_size, gen->vocab_size},
                {"embedding_size", disc->embedding_size, gen->embedding_size},
                {"max_position_embeddings", disc->max_positions, gen->max_positions},
                {"type_vocab_size", disc->type_vocab_size, gen->type_vocab_size},
                {"pad_token_id", disc->pad_token_id, gen->pad_token_id}};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        if (same[i].d != same[i].g)
            return el_fail(ELECTRA_ERR_CONFIG,
                           "the generator's %s (%d) differs from the discriminator's (%d): the "
                           "embeddings cannot be shared",
                           same[i].what, same[i].g, same[i].d);
    if (disc->layer_norm_eps != gen->layer_norm_eps)
        return el_fail(ELECTRA_ERR_CONFIG,
                       "the generator's layer_norm_eps differs from the discriminator's: the "
                       "embedding LayerNorm cannot be shared");
    return ELECTRA_OK;
}

/* A tied pair's generator runs the discriminator's encoder. */
static electra_status check_tied(const el_config *disc, const el_config *gen)
{
    if (disc->hidden_size != gen->hidden_size || disc->num_layers != gen->num_layers ||
        disc->num_heads != gen->num_heads || disc->intermediate_size != gen->intermediate_size ||
        disc->hidden_act != gen->hidden_act)
        return el_fail(ELECTRA_ERR_CONFIG,
                       "a tied generator has the discriminator's encoder: its hidden size, "
                       "layers, heads, intermediate size and activation must be the same");
    return ELECTRA_OK;
}

/* A view of the joint store's tensors [first, first + n) plus its first
 * `shared` ones, with `strip` characters cut from each name. */
static electra_status make_view(el_param_store *view, const el_param_store *joint,
                                size_t shared, size_t first, size_t n, size_t strip)
{
    view->params = el_malloc_array(shared + n, sizeof *view->params);
    if (!view->params)
        return el_nomem("creating a parameter view");
    for (size_t i = 0; i < shared + n; i++) {
        const el_param *p = &joint->params[i < shared ? i : first + i - shared];
        view->params[i] = *p;
        if (i >= shared)
            memmove(view->params[i].name, p->name + strip, strlen(p->name + strip) + 1);
    }
    view->n_params = shared + n;
    view->total = joint->total;
    view->value = joint->value;
    view->grad = joint->grad;
    view->m = joint->m;
    view->v = joint->v;
    view->borrowed = 1;
    return ELECTRA_OK;
}

/* The joint store and its two views; values: NULL to allocate (and
 * then initialise) them, or the joint store of which this is a replica. */
static electra_status build_pair(const el_config *disc, const el_config *gen, int tied,
                                 float *values, el_param_store **joint,
                                 el_param_store **gen_view, el_param_store **disc_view)
{
    electra_status st = el_pretraining_pair_check(disc, gen);
    if (st || (tied && (st = check_tied(disc, gen))))
        return st;
    el_param_store *s = NULL, *g = NULL, *d = NULL;
    if ((st = new_store(disc, &s)) || (st = new_store(gen, &g)) || (st = new_store(disc, &d)))
        goto fail;
    struct builder b = {.s = s, .prefix = "electra.", .head_prefix = "", .values = values};
    declare_embeddings(&b, &s->cfg, &s->w, NULL);
    size_t n_shared = s->n_params;
    declare_encoder(&b, &s->cfg, &s->w, NULL);
    if (tied)
        n_shared = s->n_params;
    declare_head(&b, &s->cfg, &s->w, NULL);
    size_t n_disc = s->n_params;
    static const char gen_prefix[] = "generator.";
    b.prefix = "generator.electra.";
    b.head_prefix = gen_prefix;
    if (!tied)
        declare_encoder(&b, &g->cfg, &g->w, NULL);
    declare_head(&b, &g->cfg, &g->w, NULL);
    if ((st = allocate(&b)))
        goto fail;
    /* The generator reads and writes the discriminator's embeddings (and,
     * tied, its encoder). */
    g->w.word = s->w.word;
    g->w.dword = s->w.dword;
    g->w.pos = s->w.pos;
    g->w.dpos = s->w.dpos;
    g->w.type = s->w.type;
    g->w.dtype = s->w.dtype;
    g->w.emb_ln = s->w.emb_ln;
    if (tied) {
        g->w.has_projection = s->w.has_projection;
        g->w.projection = s->w.projection;
        memcpy(g->w.layers, s->w.layers, (size_t)disc->num_layers * sizeof *g->w.layers);
    }
    el_train_layer *layers = d->w.layers;
    d->w = s->w;
    d->w.layers = layers;
    memcpy(layers, s->w.layers, (size_t)disc->num_layers * sizeof *layers);
    if ((st = make_view(d, s, 0, 0, n_disc, 0)) ||
        (st = make_view(g, s, n_shared, n_disc, s->n_params - n_disc, sizeof gen_prefix - 1)))
        goto fail;
    *joint = s;
    *gen_view = g;
    *disc_view = d;
    return ELECTRA_OK;
fail:
    el_param_store_free(d);
    el_param_store_free(g);
    el_param_store_free(s);
    return st;
}

electra_status el_param_store_init_pretraining(const el_config *disc, const el_config *gen,
                                               int tied, double initializer_range,
                                               uint64_t seed, el_param_store **joint,
                                               el_param_store **gen_view,
                                               el_param_store **disc_view)
{
    if (!disc || !gen || !joint || !gen_view || !disc_view)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "el_param_store_init_pretraining: NULL argument");
    electra_status st = check_range(initializer_range);
    if (st || (st = build_pair(disc, gen, tied, NULL, joint, gen_view, disc_view)))
        return st;
    init_values(*joint, initializer_range, seed);
    return ELECTRA_OK;
}

electra_status el_param_store_pretraining_replica(const el_param_store *joint,
                                                  const el_config *gen, int tied,
                                                  el_param_store **replica,
                                                  el_param_store **gen_view,
                                                  el_param_store **disc_view)
{
    if (!joint || !gen || !replica || !gen_view || !disc_view)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "el_param_store_pretraining_replica: NULL argument");
    electra_status st = build_pair(&joint->cfg, gen, tied, joint->value, replica, gen_view,
                                   disc_view);
    if (!st && (*replica)->total != joint->total) {
        el_param_store_free(*gen_view);
        el_param_store_free(*disc_view);
        el_param_store_free(*replica);
        *gen_view = *disc_view = *replica = NULL;
        st = el_fail(ELECTRA_ERR_CONFIG, "a replica's configs must be those of its store");
    }
    return st;
}

void el_param_store_free(el_param_store *store)
{
    if (!store)
        return;
    if (!store->borrowed) {
        if (!store->shared_values)
            el_free_aligned(store->value);
        el_free_aligned(store->grad);
        el_free_aligned(store->m);
        el_free_aligned(store->v);
    }
    el_free(store->params);
    el_free(store->w.layers);
    el_config_free(&store->cfg);
    el_free(store);
}

const el_param *el_param_store_find(const el_param_store *store, const char *name)
{
    for (size_t i = 0; i < store->n_params; i++)
        if (strcmp(store->params[i].name, name) == 0)
            return &store->params[i];
    return NULL;
}

int el_param_is_decay_exempt(const el_param *p)
{
    return strstr(p->name, "LayerNorm") || strstr(p->name, "layer_norm") ||
           strstr(p->name, "bias");
}
