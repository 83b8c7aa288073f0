/* model_load.c - electra_model_load: config + weights + tokenizer of a
 * Hugging Face model directory, every tensor checked against the config. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "mapped_file.h"
#include "model.h"
#include "options.h"

/* Binding state: which tensors of the set the model has consumed. */
struct binder {
    electra_model *m;
    const char *prefix; /* "electra." or "" for trunk tensors */
    bool *used;
    size_t n;
    float *stacked; /* a (3H, H) buffer for stack_qkv to reuse, or NULL */
};

static size_t tensor_position(const el_tensor_set *set, const el_tensor *t)
{
    for (size_t i = 0;; i++)
        if (el_tensor_set_at(set, i) == t)
            return i;
}

/* Find name (trunk names get the checkpoint's prefix), check its shape
 * (d1 = 0 for 1-D) and get float32 data. */
static electra_status bind(struct binder *b, bool trunk, const char *name, int64_t d0, int64_t d1,
                           const float **out)
{
    char full[256];
    snprintf(full, sizeof full, "%s%s", trunk ? b->prefix : "", name);
    const el_tensor *t = el_tensor_set_find(b->m->weights, full);
    if (!t)
        return el_fail(ELECTRA_ERR_MISSING_TENSOR, "weights lack tensor %s", full);
    int ndim = d1 ? 2 : 1;
    if (t->ndim != ndim || t->shape[0] != d0 || (ndim == 2 && t->shape[1] != d1)) {
        char got[128] = "";
        size_t len = 0;
        for (int i = 0; i < t->ndim && len < sizeof got - 24; i++)
            len += (size_t)snprintf(got + len, sizeof got - len, "%s%lld", i ? ", " : "",
                                    (long long)t->shape[i]);
        if (ndim == 2)
            return el_fail(ELECTRA_ERR_SHAPE,
                           "tensor %s has shape (%s) but the config needs (%lld, %lld)", full, got,
                           (long long)d0, (long long)d1);
        return el_fail(ELECTRA_ERR_SHAPE, "tensor %s has shape (%s) but the config needs (%lld)",
                       full, got, (long long)d0);
    }
    if (t->dtype == EL_DTYPE_F16)
        b->m->weight_dtype = "F16";
    else if (t->dtype == EL_DTYPE_BF16)
        b->m->weight_dtype = "BF16";
    electra_status s = el_tensor_as_f32(b->m->weights, t, out);
    if (s)
        return s;
    size_t pos = tensor_position(b->m->weights, t);
    if (!b->used[pos])
        b->m->num_parameters += el_tensor_numel(t);
    b->used[pos] = true;
    return ELECTRA_OK;
}

/* The weights of a linear layer: "<name>.weight" (out, in) and
 * "<name>.bias" (out). */
static electra_status bind_weights(struct binder *b, bool trunk, const char *name, int64_t in,
                                   int64_t out, const float **w, const float **bias)
{
    char key[224];
    electra_status s;
    snprintf(key, sizeof key, "%s.weight", name);
    if ((s = bind(b, trunk, key, out, in, w)))
        return s;
    snprintf(key, sizeof key, "%s.bias", name);
    return bind(b, trunk, key, out, 0, bias);
}

static electra_status prepare_linear(electra_model *m, el_linear *l, const float *w,
                                     const float *bias, size_t in, size_t out);

/* A linear layer, prepared for the model's kernels. */
static electra_status bind_linear(struct binder *b, bool trunk, const char *name, int64_t in,
                                  int64_t out, el_linear *l)
{
    const float *w, *bias;
    electra_status s = bind_weights(b, trunk, name, in, out, &w, &bias);
    return s ? s : prepare_linear(b->m, l, w, bias, (size_t)in, (size_t)out);
}

/* A linear layer whose weights are only kept for reading (the forward
 * pass runs a stacked copy): no kernel layout. */
static electra_status bind_unprepared(struct binder *b, bool trunk, const char *name,
                                      int64_t in, int64_t out, el_linear *l)
{
    const float *w, *bias;
    electra_status s = bind_weights(b, trunk, name, in, out, &w, &bias);
    return s ? s
             : el_linear_init(l, w, bias, (size_t)in, (size_t)out, ELECTRA_KERNELS_REFERENCE);
}

/* Prepare l for the model's kernels and precision. Once a kernel has
 * packed its own copy, the weight's pages in the file mapping are
 * released: they would otherwise stay resident next to the copy (a
 * reader of l->weight, such as training, faults them back in). */
static electra_status prepare_linear(electra_model *m, el_linear *l, const float *w,
                                     const float *bias, size_t in, size_t out)
{
    electra_status s = el_linear_init_arena(l, w, bias, in, out, m->kernels, m->precision,
                                            &m->packed);
    if (!s && el_linear_is_packed(l))
        el_tensor_set_drop_pages(m->weights, w, in * out * sizeof *w);
    return s;
}

/* The layer's query, key and value stacked into one (3H, H) linear, so
 * that one product computes all three. The stacked weight is only kept
 * when the kernel reads it in place; otherwise the next layer reuses its
 * buffer. */
static electra_status stack_qkv(struct binder *b, el_layer *L, size_t H)
{
    electra_model *m = b->m;
    const el_linear *parts[3] = {&L->query, &L->key, &L->value};
    float *w = b->stacked ? b->stacked : el_malloc_array(3 * H, H * sizeof *w);
    float *bias = el_malloc_array(3 * H, sizeof *bias);
    b->stacked = NULL;
    if (!w || !bias) {
        el_free(w);
        el_free(bias);
        return el_nomem("stacking query, key and value");
    }
    for (size_t i = 0; i < 3; i++) {
        memcpy(w + i * H * H, parts[i]->weight, H * H * sizeof *w);
        memcpy(bias + i * H, parts[i]->bias, H * sizeof *bias);
    }
    electra_status s = el_linear_init_arena(&L->qkv, w, bias, H, 3 * H, m->kernels,
                                            m->precision, &m->packed);
    if (s) {
        el_free(w);
        el_free(bias);
        return s;
    }
    L->qkv_bias = bias;
    if (el_linear_is_packed(&L->qkv)) {
        b->stacked = w;
        L->qkv.weight = NULL;
        for (size_t i = 0; i < 3; i++)
            el_tensor_set_drop_pages(m->weights, parts[i]->weight, H * H * sizeof *w);
    } else {
        L->qkv_weight = w;
    }
    return ELECTRA_OK;
}

static electra_status bind_norm(struct binder *b, bool trunk, const char *name, int64_t n,
                                const float **gain, const float **bias)
{
    char key[224];
    electra_status s;
    snprintf(key, sizeof key, "%s.weight", name);
    if ((s = bind(b, trunk, key, n, 0, gain)))
        return s;
    snprintf(key, sizeof key, "%s.bias", name);
    return bind(b, trunk, key, n, 0, bias);
}

static electra_status bind_trunk(struct binder *b)
{
    electra_model *m = b->m;
    const el_config *c = &m->cfg;
    int64_t E = c->embedding_size, H = c->hidden_size, I = c->intermediate_size;
    electra_status s;
    if ((s = bind(b, true, "embeddings.word_embeddings.weight", c->vocab_size, E, &m->word_emb)) ||
        (s = bind(b, true, "embeddings.position_embeddings.weight", c->max_positions, E,
                  &m->pos_emb)) ||
        (s = bind(b, true, "embeddings.token_type_embeddings.weight", c->type_vocab_size, E,
                  &m->type_emb)) ||
        (s = bind_norm(b, true, "embeddings.LayerNorm", E, &m->emb_ln_gain, &m->emb_ln_bias)))
        return s;
    /* transformers creates embeddings_project only when E != H. */
    m->has_projection = E != H;
    if (m->has_projection &&
        (s = bind_linear(b, true, "embeddings_project", E, H, &m->projection)))
        return s;
    m->layers = el_calloc((size_t)c->num_layers, sizeof *m->layers);
    if (!m->layers)
        return el_nomem("loading layers");
    for (int i = 0; i < c->num_layers; i++) {
        el_layer *L = &m->layers[i];
        char p[96], key[160];
        snprintf(p, sizeof p, "encoder.layer.%d.", i);
#define LIN(suffix, in, out, dst)                                                              \
    (snprintf(key, sizeof key, "%s" suffix, p), bind_linear(b, true, key, in, out, dst))
#define RAW(suffix, in, out, dst)                                                              \
    (snprintf(key, sizeof key, "%s" suffix, p), bind_unprepared(b, true, key, in, out, dst))
#define NORM(suffix, g, bb) (snprintf(key, sizeof key, "%s" suffix, p), bind_norm(b, true, key, H, g, bb))
        if ((s = RAW("attention.self.query", H, H, &L->query)) ||
            (s = RAW("attention.self.key", H, H, &L->key)) ||
            (s = RAW("attention.self.value", H, H, &L->value)) ||
            (s = stack_qkv(b, L, (size_t)H)) ||
            (s = LIN("attention.output.dense", H, H, &L->attn_out)) ||
            (s = NORM("attention.output.LayerNorm", &L->attn_ln_gain, &L->attn_ln_bias)) ||
            (s = LIN("intermediate.dense", H, I, &L->intermediate)) ||
            (s = LIN("output.dense", I, H, &L->output)) ||
            (s = NORM("output.LayerNorm", &L->out_ln_gain, &L->out_ln_bias)))
            return s;
#undef LIN
#undef RAW
#undef NORM
    }
    return ELECTRA_OK;
}

static electra_status bind_head(struct binder *b)
{
    electra_model *m = b->m;
    const el_config *c = &m->cfg;
    int64_t E = c->embedding_size, H = c->hidden_size, V = c->vocab_size, L = c->num_labels;
    electra_status s;
    const float *lm_bias;
    switch (c->head) {
    case ELECTRA_HEAD_MASKED_LM:
        /* The LM head's weight is tied to the word embeddings (safetensors
         * drops it; .bin files may carry a copy, ignored as transformers
         * re-ties it). */
        if ((s = bind_linear(b, false, "generator_predictions.dense", H, E, &m->gen_dense)) ||
            (s = bind_norm(b, false, "generator_predictions.LayerNorm", E, &m->gen_ln_gain,
                           &m->gen_ln_bias)) ||
            (s = bind(b, false, "generator_lm_head.bias", V, 0, &lm_bias)))
            return s;
        return prepare_linear(m, &m->gen_lm, m->word_emb, lm_bias, (size_t)E, (size_t)V);
    case ELECTRA_HEAD_PRETRAINING:
        if ((s = bind_linear(b, false, "discriminator_predictions.dense", H, H, &m->disc_dense)))
            return s;
        return bind_linear(b, false, "discriminator_predictions.dense_prediction", H, 1,
                           &m->disc_predict);
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION:
        if ((s = bind_linear(b, false, "classifier.dense", H, H, &m->cls_dense)))
            return s;
        return bind_linear(b, false, "classifier.out_proj", H, L, &m->cls_out);
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION:
        return bind_linear(b, false, "classifier", H, L, &m->token_cls);
    case ELECTRA_HEAD_QUESTION_ANSWERING:
        /* qa_outputs is Linear(H, num_labels) and the model splits it in
         * two: num_labels must be 2. */
        if (L != 2)
            return el_fail(ELECTRA_ERR_CONFIG,
                           "config.json: question answering needs num_labels 2, not %lld",
                           (long long)L);
        return bind_linear(b, false, "qa_outputs", H, 2, &m->qa);
    default:
        return ELECTRA_OK;
    }
}

/* Buffers the model never uses, and the tied copy of the LM head. */
static bool ignorable(const struct binder *b, const char *name)
{
    size_t plen = strlen(b->prefix);
    const char *bare = strncmp(name, b->prefix, plen) == 0 ? name + plen : name;
    if (strcmp(bare, "embeddings.position_ids") == 0 ||
        strcmp(bare, "embeddings.token_type_ids") == 0)
        return true;
    return b->m->cfg.head == ELECTRA_HEAD_MASKED_LM &&
           strcmp(name, "generator_lm_head.weight") == 0;
}

/* Without architectures in config.json, tell the head from its tensors. */
static int infer_head(const el_tensor_set *set)
{
    static const struct {
        const char *key;
        int head;
    } marks[] = {
        {"generator_lm_head.bias", ELECTRA_HEAD_MASKED_LM},
        {"discriminator_predictions.dense_prediction.weight", ELECTRA_HEAD_PRETRAINING},
        {"classifier.out_proj.weight", ELECTRA_HEAD_SEQUENCE_CLASSIFICATION},
        {"classifier.weight", ELECTRA_HEAD_TOKEN_CLASSIFICATION},
        {"qa_outputs.weight", ELECTRA_HEAD_QUESTION_ANSWERING},
    };
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (el_tensor_set_find(set, marks[i].key))
            return marks[i].head;
    return ELECTRA_HEAD_NONE;
}

static electra_status load_weights(electra_model *m, const char *dir, int format)
{
    static const char *const candidates[] = {"model.safetensors", "model.safetensors.index.json",
                                              "pytorch_model.bin"};
    static const char *const formats[] = {"safetensors", "safetensors (sharded)",
                                          "pytorch"};
    size_t first = format == ELECTRA_WEIGHTS_PYTORCH ? 2 : 0;
    size_t last = format == ELECTRA_WEIGHTS_SAFETENSORS ? 1 : 2;
    for (size_t i = first; i <= last; i++) {
        char *path = el_path_join(dir, candidates[i]);
        if (!path)
            return el_nomem("loading weights");
        int present = el_is_file(path);
        electra_status s = ELECTRA_OK;
        if (present) {
            el_tensor_set_set_format(m->weights, formats[i]);
            s = i == 0 ? el_load_safetensors(m->weights, path)
                : i == 1 ? el_load_safetensors_index(m->weights, path)
                         : el_load_torch_bin(m->weights, path);
        }
        el_free(path);
        if (present)
            return s;
    }
    return el_fail(ELECTRA_ERR_IO, "%s has no %s", dir,
                   format == ELECTRA_WEIGHTS_SAFETENSORS ? "model.safetensors(.index.json)"
                   : format == ELECTRA_WEIGHTS_PYTORCH
                       ? "pytorch_model.bin"
                       : "weights (model.safetensors, its index, or pytorch_model.bin)");
}

static electra_status load_tokenizer(electra_model *m, const char *dir,
                                     const electra_options *opts)
{
    static const char *const files[] = {"tokenizer.json", "vocab.txt"};
    for (size_t i = 0; i < 2; i++) {
        char *path = el_path_join(dir, files[i]);
        if (!path)
            return el_nomem("loading the tokenizer");
        int present = el_is_file(path);
        el_free(path);
        if (present)
            return electra_tokenizer_load(dir, opts, &m->tokenizer);
    }
    return ELECTRA_OK;
}

static void model_free(electra_model *m)
{
    if (!m)
        return;
    el_linear *heads[] = {&m->projection, &m->gen_dense,   &m->gen_lm,  &m->disc_dense,
                          &m->disc_predict, &m->cls_dense, &m->cls_out, &m->token_cls,
                          &m->qa};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        el_linear_release(heads[i]);
    if (m->layers)
        for (int i = 0; i < m->cfg.num_layers; i++) {
            el_layer *L = &m->layers[i];
            el_linear_release(&L->query);
            el_linear_release(&L->key);
            el_linear_release(&L->value);
            el_linear_release(&L->qkv);
            el_free(L->qkv_weight);
            el_free(L->qkv_bias);
            el_linear_release(&L->attn_out);
            el_linear_release(&L->intermediate);
            el_linear_release(&L->output);
        }
    el_free(m->layers);
    el_linear_arena_free(&m->packed);
    electra_tokenizer_free(m->tokenizer);
    el_tensor_set_free(m->weights);
    el_config_free(&m->cfg);
    el_free(m);
}

/* Room for the kernels' copies of every matrix the set holds (an upper
 * bound: what the linears do not use is never touched). */
static electra_status reserve_packed(electra_model *m)
{
    if (m->kernels != ELECTRA_KERNELS_AUTO)
        return ELECTRA_OK;
    size_t total = 0;
    for (size_t i = 0; i < el_tensor_set_count(m->weights); i++) {
        const el_tensor *t = el_tensor_set_at(m->weights, i);
        if (t->ndim != 2 || t->shape[0] < 0 || t->shape[1] < 0)
            continue;
        size_t bound = el_linear_packed_bound((size_t)t->shape[1], (size_t)t->shape[0]);
        if (!bound || bound > SIZE_MAX / 2 - total)
            return ELECTRA_OK; /* absurd sizes: let each linear allocate (and fail) alone */
        total += bound;
    }
    return total ? el_linear_arena_reserve(&m->packed, total) : ELECTRA_OK;
}

static electra_status bind_all(electra_model *m)
{
    struct binder b = {m, "electra.", NULL, el_tensor_set_count(m->weights), NULL};
    if (!el_tensor_set_find(m->weights, "electra.embeddings.word_embeddings.weight") &&
        el_tensor_set_find(m->weights, "embeddings.word_embeddings.weight"))
        b.prefix = ""; /* a bare ElectraModel checkpoint */
    if (!m->cfg.architecture[0])
        m->cfg.head = infer_head(m->weights);
    b.used = el_calloc(b.n, sizeof *b.used);
    if (!b.used)
        return el_nomem("loading weights");
    electra_status s = reserve_packed(m);
    if (!s)
        s = bind_trunk(&b);
    if (!s)
        s = bind_head(&b);
    if (!s)
        el_linear_arena_filled(&m->packed);
    el_free(b.stacked);
    for (size_t i = 0; !s && i < b.n; i++) {
        const el_tensor *t = el_tensor_set_at(m->weights, i);
        if (!b.used[i] && !ignorable(&b, t->name))
            s = el_fail(ELECTRA_ERR_UNEXPECTED_TENSOR,
                        "weights have tensor %s, which a %s does not use", t->name,
                        el_head_architecture(m->cfg.head));
    }
    el_free(b.used);
    return s;
}

ELECTRA_API electra_status electra_model_load(const char *dir, const electra_options *options,
                                              electra_model **out)
{
    if (!dir || !out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_model_load: %s is NULL",
                       dir ? "out" : "dir");
    if (!el_is_dir(dir))
        return el_fail(ELECTRA_ERR_IO, "model directory %s does not exist", dir);
    electra_model *m = el_calloc(1, sizeof *m);
    if (!m)
        return el_nomem("loading a model");
    m->kernels = (int)el_opt_int(options, ELECTRA_OPT_KERNELS);
    m->precision = (int)el_opt_int(options, ELECTRA_OPT_PRECISION);
    m->ops = el_ops_choose(m->kernels);
    m->weight_dtype = "F32";
    electra_status s = el_config_load(dir, &m->cfg);
    if (s) {
        el_free(m);
        return s;
    }
    if (!(s = el_tensor_set_create(&m->weights)) &&
        !(s = load_weights(m, dir, (int)el_opt_int(options, ELECTRA_OPT_WEIGHT_FORMAT))) &&
        !(s = bind_all(m)))
        s = load_tokenizer(m, dir, options);
    if (s) {
        el_fail_context(s, "loading model %s", dir);
        model_free(m);
        return s;
    }
    *out = m;
    return ELECTRA_OK;
}

ELECTRA_API void electra_model_free(electra_model *model)
{
    model_free(model);
}
