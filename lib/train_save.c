/* train_save.c - a trained model as a Hugging Face model directory:
 * config.json as transformers 4.34 writes it, model.safetensors
 * (the tied LM head stored once, as save_pretrained does), and the
 * tokenizer files of the directory the model came from. */
#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "json_dump.h"
#include "mapped_file.h"
#include "safetensors_write.h"
#include "trainer.h"

/* Files a tokenizer may have; the ones present are copied. */
static const char *const tokenizer_files[] = {"vocab.txt", "tokenizer.json",
                                              "tokenizer_config.json",
                                              "special_tokens_map.json", "added_tokens.json"};

/* Whether a config's labels are transformers' default two (LABEL_0,
 * LABEL_1), which save_pretrained leaves out. */
static int default_labels(const el_config *c)
{
    if (c->num_labels != 2)
        return 0;
    for (int i = 0; c->labels && i < 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "LABEL_%d", i);
        if (strcmp(c->labels[i], name) != 0)
            return 0;
    }
    return 1;
}

static void set(cJSON *root, const char *key, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(root, key))
        cJSON_ReplaceItemInObjectCaseSensitive(root, key, value);
    else
        cJSON_AddItemToObject(root, key, value);
}

/* Set key only when the source config did not have it. */
static void set_default(cJSON *root, const char *key, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(root, key))
        cJSON_Delete(value);
    else
        cJSON_AddItemToObject(root, key, value);
}

static cJSON *load_source_config(const char *source_dir)
{
    cJSON *root = NULL;
    char *path = source_dir ? el_path_join(source_dir, "config.json") : NULL;
    void *addr;
    size_t size;
    if (path && el_is_file(path) && el_map_file(path, &addr, &size) == ELECTRA_OK) {
        root = addr ? cJSON_ParseWithLength(addr, size) : NULL;
        el_unmap_file(addr, size);
        if (root && !cJSON_IsObject(root)) {
            cJSON_Delete(root);
            root = NULL;
        }
    }
    el_free(path);
    return root ? root : cJSON_CreateObject();
}

/* ElectraConfig's fields from the store's config and the trainer's
 * options, over whatever else the source config.json held. */
static cJSON *build_config(const el_config *c, const el_train_options *o, const char *source_dir)
{
    cJSON *root = load_source_config(source_dir);
    if (!root)
        return NULL;
    cJSON *arch = cJSON_CreateArray();
    if (arch)
        cJSON_AddItemToArray(arch, cJSON_CreateString(el_head_architecture(c->head)));
    set(root, "architectures", arch);
    set(root, "attention_probs_dropout_prob", el_json_create_float(o->dropout.attention));
    /* null = "use hidden_dropout_prob", which is what we train with when
     * the two agree. */
    set(root, "classifier_dropout", o->dropout.classifier == o->dropout.hidden
                                        ? cJSON_CreateNull()
                                        : el_json_create_float(o->dropout.classifier));
    set(root, "embedding_size", cJSON_CreateNumber(c->embedding_size));
    set(root, "hidden_act", cJSON_CreateString(c->hidden_act_name));
    set(root, "hidden_dropout_prob", el_json_create_float(o->dropout.hidden));
    set(root, "hidden_size", cJSON_CreateNumber(c->hidden_size));
    cJSON_DeleteItemFromObjectCaseSensitive(root, "id2label");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "label2id");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "num_labels");
    if (!default_labels(c)) {
        cJSON *id2label = cJSON_AddObjectToObject(root, "id2label");
        cJSON *label2id = cJSON_AddObjectToObject(root, "label2id");
        for (int i = 0; id2label && label2id && i < c->num_labels; i++) {
            char id[16], fallback[32];
            snprintf(id, sizeof id, "%d", i);
            /* A config built in code may have no names: transformers'. */
            snprintf(fallback, sizeof fallback, "LABEL_%d", i);
            const char *name = c->labels ? c->labels[i] : fallback;
            cJSON_AddItemToObject(id2label, id, cJSON_CreateString(name));
            /* A repeated name maps to its last id, as a Python dict does. */
            cJSON_DeleteItemFromObjectCaseSensitive(label2id, name);
            cJSON_AddItemToObject(label2id, name, cJSON_CreateNumber(i));
        }
    }
    set(root, "initializer_range", el_json_create_float(o->initializer_range));
    set(root, "intermediate_size", cJSON_CreateNumber(c->intermediate_size));
    set(root, "layer_norm_eps", el_json_create_float(c->layer_norm_eps));
    set(root, "max_position_embeddings", cJSON_CreateNumber(c->max_positions));
    set(root, "model_type", cJSON_CreateString("electra"));
    set(root, "num_attention_heads", cJSON_CreateNumber(c->num_heads));
    set(root, "num_hidden_layers", cJSON_CreateNumber(c->num_layers));
    set(root, "pad_token_id", cJSON_CreateNumber(c->pad_token_id));
    set(root, "position_embedding_type", cJSON_CreateString("absolute"));
    if (c->problem_type[0])
        set(root, "problem_type", cJSON_CreateString(c->problem_type));
    set_default(root, "summary_activation", cJSON_CreateString("gelu"));
    set_default(root, "summary_last_dropout", el_json_create_float(0.1));
    set_default(root, "summary_type", cJSON_CreateString("first"));
    set_default(root, "summary_use_proj", cJSON_CreateTrue());
    set(root, "torch_dtype", cJSON_CreateString("float32"));
    set(root, "transformers_version", cJSON_CreateString("4.34.1"));
    set(root, "type_vocab_size", cJSON_CreateNumber(c->type_vocab_size));
    set_default(root, "use_cache", cJSON_CreateTrue());
    set(root, "vocab_size", cJSON_CreateNumber(c->vocab_size));
    return root;
}

static electra_status save_config(const el_config *c, const el_train_options *o,
                                  const char *dir, const char *source_dir)
{
    return el_json_write_file(build_config(c, o, source_dir), dir, "config.json");
}

static electra_status save_weights(const el_param_store *s, const char *dir)
{
    el_tensor *tensors = el_calloc(s->n_params, sizeof *tensors);
    char *path = el_path_join(dir, "model.safetensors");
    if (!tensors || !path) {
        el_free(tensors);
        el_free(path);
        return el_nomem("writing model.safetensors");
    }
    /* The store holds the tied LM head once, as the word embeddings:
     * exactly what save_pretrained(safe_serialization=True) writes. */
    for (size_t i = 0; i < s->n_params; i++) {
        const el_param *p = &s->params[i];
        tensors[i] = (el_tensor){.name = (char *)p->name, .dtype = EL_DTYPE_F32,
                                 .ndim = p->ndim,
                                 .shape = {(int64_t)p->shape[0], (int64_t)p->shape[1]},
                                 .data = s->value + p->offset,
                                 .nbytes = p->count * sizeof(float)};
    }
    electra_status st = el_safetensors_write(path, tensors, s->n_params);
    el_free(tensors);
    el_free(path);
    return st;
}

static int same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

static electra_status copy_tokenizer(const char *source_dir, const char *dir)
{
    electra_status s = ELECTRA_OK;
    for (size_t i = 0; !s && i < sizeof tokenizer_files / sizeof tokenizer_files[0]; i++) {
        char *src = el_path_join(source_dir, tokenizer_files[i]);
        char *dst = el_path_join(dir, tokenizer_files[i]);
        if (!src || !dst)
            s = el_nomem("copying tokenizer files");
        else if (el_is_file(src) && !same_file(src, dst)) {
            void *addr;
            size_t size;
            if (!(s = el_map_file(src, &addr, &size))) {
                s = el_write_file(dir, tokenizer_files[i], addr ? addr : "", size);
                el_unmap_file(addr, size);
            }
        }
        el_free(src);
        el_free(dst);
    }
    return s;
}

electra_status el_save_pretrained(const el_param_store *s, const el_train_options *o,
                                  const char *dir, const char *tokenizer_dir)
{
    if (!s || !o || !dir)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_save_pretrained: NULL argument");
    electra_status st = ELECTRA_OK;
    if (!el_is_dir(dir) && mkdir(dir, 0777) != 0)
        st = el_fail(ELECTRA_ERR_IO, "cannot create directory %s: %s", dir, strerror(errno));
    if (!st)
        st = save_config(&s->cfg, o, dir, tokenizer_dir);
    if (!st)
        st = save_weights(s, dir);
    if (!st && tokenizer_dir)
        st = copy_tokenizer(tokenizer_dir, dir);
    if (st)
        return el_fail_context(st, "saving the model to %s", dir);
    return ELECTRA_OK;
}

electra_status el_trainer_save_pretrained(el_trainer *t, const char *dir,
                                          const char *tokenizer_dir)
{
    if (!t || !dir)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_trainer_save_pretrained: NULL argument");
    electra_status st =
        el_save_pretrained(el_trainer_params(t), el_trainer_options(t), dir, tokenizer_dir);
    return st ? el_trainer_fail(t, st) : ELECTRA_OK;
}
