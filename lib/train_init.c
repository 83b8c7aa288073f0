/* train_init.c - training settings from config.json; a trunk under a new
 * head. */
#include "train_init.h"

#include <cJSON.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json.h"
#include "mapped_file.h"
#include "model.h"

/* A number member >= 0, and below 1 when probability is set; absent or
 * null leaves *out. */
static electra_status number(const cJSON *root, const char *key, int probability, double *out,
                             int *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (present)
        *present = 0;
    if (!v || cJSON_IsNull(v))
        return ELECTRA_OK;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || !isfinite(v->valuedouble) ||
        (probability && !(v->valuedouble < 1)))
        return el_fail(ELECTRA_ERR_CONFIG, "config.json: %s must be a number %s", key,
                       probability ? "in [0, 1)" : ">= 0");
    *out = v->valuedouble;
    if (present)
        *present = 1;
    return ELECTRA_OK;
}

electra_status el_train_config_read(const char *dir, el_train_dropout *dropout,
                                    double *initializer_range)
{
    char *path = el_path_join(dir, "config.json");
    if (!path)
        return el_nomem("reading config.json");
    void *addr;
    size_t size;
    electra_status s = el_map_file(path, &addr, &size);
    el_free(path);
    if (s)
        return s;
    cJSON *root = el_json_parse(addr ? addr : "", size, NULL);
    el_unmap_file(addr, size);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return el_fail(ELECTRA_ERR_CONFIG, "%s/config.json is not a JSON object", dir);
    }
    el_train_dropout d = {0.1, 0.1, 0.1};
    double range = 0.02;
    int has_classifier = 0;
    if (!(s = number(root, "hidden_dropout_prob", 1, &d.hidden, NULL)) &&
        !(s = number(root, "attention_probs_dropout_prob", 1, &d.attention, NULL)) &&
        !(s = number(root, "classifier_dropout", 1, &d.classifier, &has_classifier)) &&
        !(s = number(root, "initializer_range", 0, &range, NULL))) {
        if (!has_classifier)
            d.classifier = d.hidden;
    }
    cJSON_Delete(root);
    if (s)
        return el_fail_context(s, "%s", dir);
    *dropout = d;
    *initializer_range = range;
    return ELECTRA_OK;
}

static void copy_linear(el_train_linear *dst, const el_linear *src)
{
    memcpy(dst->w, src->weight, dst->in * dst->out * sizeof(float));
    memcpy(dst->b, src->bias, dst->out * sizeof(float));
}

static void copy_norm(el_train_norm *dst, const float *gain, const float *bias)
{
    memcpy(dst->gain, gain, dst->n * sizeof(float));
    memcpy(dst->bias, bias, dst->n * sizeof(float));
}

static int same_trunk(const el_config *a, const el_config *b)
{
    return a->vocab_size == b->vocab_size && a->embedding_size == b->embedding_size &&
           a->hidden_size == b->hidden_size && a->num_layers == b->num_layers &&
           a->intermediate_size == b->intermediate_size && a->max_positions == b->max_positions &&
           a->type_vocab_size == b->type_vocab_size;
}

electra_status el_param_store_from_trunk(const electra_model *model, const el_config *cfg,
                                         double initializer_range, uint64_t seed,
                                         el_param_store **out)
{
    if (!model || !cfg || !out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_param_store_from_trunk: NULL argument");
    if (!same_trunk(cfg, &model->cfg))
        return el_fail(ELECTRA_ERR_CONFIG,
                       "el_param_store_from_trunk: the config's trunk differs from the model's");
    el_param_store *s;
    electra_status st = el_param_store_init(cfg, initializer_range, seed, &s);
    if (st)
        return st;
    el_train_weights *w = &s->w;
    const el_config *c = &s->cfg;
    size_t E = (size_t)c->embedding_size, H = (size_t)c->hidden_size;
    memcpy(w->word, model->word_emb, (size_t)c->vocab_size * E * sizeof(float));
    memcpy(w->pos, model->pos_emb, (size_t)c->max_positions * E * sizeof(float));
    memcpy(w->type, model->type_emb, (size_t)c->type_vocab_size * E * sizeof(float));
    copy_norm(&w->emb_ln, model->emb_ln_gain, model->emb_ln_bias);
    if (w->has_projection)
        copy_linear(&w->projection, &model->projection);
    for (int i = 0; i < c->num_layers; i++) {
        el_train_layer *L = &w->layers[i];
        const el_layer *src = &model->layers[i];
        /* The store stacks query, key and value: (3H, H) and (3H). */
        const el_linear *qkv[3] = {&src->query, &src->key, &src->value};
        for (int j = 0; j < 3; j++) {
            memcpy(L->qkv.w + (size_t)j * H * H, qkv[j]->weight, H * H * sizeof(float));
            memcpy(L->qkv.b + (size_t)j * H, qkv[j]->bias, H * sizeof(float));
        }
        copy_linear(&L->attn_out, &src->attn_out);
        copy_norm(&L->attn_ln, src->attn_ln_gain, src->attn_ln_bias);
        copy_linear(&L->intermediate, &src->intermediate);
        copy_linear(&L->output, &src->output);
        copy_norm(&L->out_ln, src->out_ln_gain, src->out_ln_bias);
    }
    *out = s;
    return ELECTRA_OK;
}
