/* pretrain_checkpoint.c - saving and resuming a pre-training run, and its
 * Hugging Face outputs.
 *
 * A checkpoint directory holds
 *   generator/, discriminator/   model directories (el_save_pretrained)
 *   optimizer.safetensors        AdamW's moments of the pair, the step and
 *                                the discriminator's dropout position
 *                                (el_trainer_save_state)
 *   pretrain_state.json          the rest of the run's position:
 *     {"format": "libelectra-pretrain-state", "version": 1,
 *      "step", "examples_consumed", "generator_dropout_pass",
 *      "seed" (a decimal string: 64 bits do not fit a JSON number),
 *      "batch", "seq_len", "examples", "total_steps",
 *      "tie_generator" (0 or 1; absent in older checkpoints: 0)}
 * Everything else a step draws is keyed by the seed and the step. */
#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "json.h"
#include "json_dump.h"
#include "mapped_file.h"
#include "pretrain.h"
#include "tensor_set.h"

#define STATE_FILE "pretrain_state.json"
#define STATE_FORMAT "libelectra-pretrain-state"

static electra_status make_dir(const char *dir)
{
    if (!el_is_dir(dir) && mkdir(dir, 0777) != 0)
        return el_fail(ELECTRA_ERR_IO, "cannot create directory %s: %s", dir, strerror(errno));
    return ELECTRA_OK;
}

/* dir/name, saved as a model directory. */
static electra_status save_model(el_pretrainer *p, el_param_store *view, const char *dir,
                                 const char *name, const char *tokenizer_dir)
{
    char *path = el_path_join(dir, name);
    if (!path)
        return el_nomem("saving a pre-trained model");
    electra_status s = el_save_pretrained(view, &p->opt.train, path, tokenizer_dir);
    el_free(path);
    return s;
}

static electra_status write_state(el_pretrainer *p, const char *dir)
{
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, p->opt.train.seed);
    cJSON *root = cJSON_CreateObject();
    if (root) {
        cJSON_AddStringToObject(root, "format", STATE_FORMAT);
        cJSON_AddNumberToObject(root, "version", 1);
        cJSON_AddNumberToObject(root, "step", (double)el_pretrainer_steps(p));
        cJSON_AddNumberToObject(root, "examples_consumed", (double)p->stream.consumed);
        cJSON_AddNumberToObject(root, "generator_dropout_pass", (double)p->gen->pass);
        cJSON_AddStringToObject(root, "seed", seed);
        cJSON_AddNumberToObject(root, "batch", (double)p->opt.batch);
        cJSON_AddNumberToObject(root, "seq_len", (double)p->opt.seq_len);
        cJSON_AddNumberToObject(root, "examples", (double)p->data->n_examples);
        cJSON_AddNumberToObject(root, "total_steps", (double)p->opt.train.total_steps);
        cJSON_AddNumberToObject(root, "tie_generator", p->opt.tie_generator);
    }
    return el_json_write_file(root, dir, STATE_FILE);
}

electra_status el_pretrainer_save(el_pretrainer *p, const char *dir, const char *tokenizer_dir)
{
    if (!p || !dir)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_save: NULL argument");
    char *opt_path = el_path_join(dir, "optimizer.safetensors");
    electra_status s = opt_path ? make_dir(dir) : el_nomem("saving a checkpoint");
    if (!s)
        s = save_model(p, p->gen_view, dir, "generator", tokenizer_dir);
    if (!s)
        s = save_model(p, p->disc_view, dir, "discriminator", tokenizer_dir);
    if (!s)
        s = el_trainer_save_state(p->trainer, opt_path);
    if (!s)
        s = write_state(p, dir);
    el_free(opt_path);
    if (s) {
        el_fail_context(s, "saving the checkpoint %s", dir);
        el_error_capture(p->error);
    }
    return s;
}

electra_status el_pretrainer_export(el_pretrainer *p, const char *out, const char *tokenizer_dir)
{
    if (!p || !out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_export: NULL argument");
    electra_status s = make_dir(out);
    if (!s)
        s = save_model(p, p->gen_view, out, "generator", tokenizer_dir);
    if (!s)
        s = save_model(p, p->disc_view, out, "discriminator", tokenizer_dir);
    if (s)
        el_error_capture(p->error);
    return s;
}

/* A non-negative integer member of the state. */
static electra_status state_count(const cJSON *root, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 9007199254740992.0 ||
        v->valuedouble != (double)(uint64_t)v->valuedouble)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: \"%s\" is missing or not a count", STATE_FILE,
                       key);
    *out = (uint64_t)v->valuedouble;
    return ELECTRA_OK;
}

struct saved_state {
    uint64_t step, consumed, gen_pass, seed, batch, seq_len, examples, tied;
};

static electra_status read_state(const char *dir, struct saved_state *st)
{
    char *path = el_path_join(dir, STATE_FILE);
    if (!path)
        return el_nomem("reading a checkpoint");
    void *addr = NULL;
    size_t size = 0;
    electra_status s = el_map_file(path, &addr, &size);
    cJSON *root = NULL;
    if (!s) {
        root = addr ? el_json_parse(addr, size, NULL) : NULL;
        el_unmap_file(addr, size);
        const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
        if (!cJSON_IsString(format) || strcmp(format->valuestring, STATE_FORMAT) != 0)
            s = el_fail(ELECTRA_ERR_FORMAT, "%s is not a libelectra pre-training state", path);
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    char *end = NULL;
    if (!s) {
        errno = 0;
        st->seed = cJSON_IsString(seed) ? strtoull(seed->valuestring, &end, 10) : 0;
        if (!cJSON_IsString(seed) || end == seed->valuestring || *end || errno)
            s = el_fail(ELECTRA_ERR_FORMAT, "%s: \"seed\" is not a decimal string", path);
    }
    static const char *const keys[] = {"step", "examples_consumed", "generator_dropout_pass",
                                       "batch", "seq_len", "examples"};
    uint64_t *dst[] = {&st->step, &st->consumed, &st->gen_pass,
                       &st->batch, &st->seq_len, &st->examples};
    for (size_t i = 0; !s && i < sizeof keys / sizeof keys[0]; i++)
        s = state_count(root, keys[i], dst[i]);
    st->tied = 0;
    if (!s && cJSON_GetObjectItemCaseSensitive(root, "tie_generator"))
        s = state_count(root, "tie_generator", &st->tied);
    cJSON_Delete(root);
    el_free(path);
    return s;
}

/* The run a checkpoint came from must be this one. */
static electra_status check_state(const el_pretrainer *p, const struct saved_state *st)
{
    struct {
        const char *what;
        uint64_t saved, now;
    } same[] = {{"seed", st->seed, p->opt.train.seed},
                {"batch size", st->batch, p->opt.batch},
                {"sequence length", st->seq_len, p->opt.seq_len},
                {"number of examples (corpus and vocabulary)", st->examples,
                 p->data->n_examples},
                {"tie_generator", st->tied, (uint64_t)p->opt.tie_generator}};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        if (same[i].saved != same[i].now)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "the checkpoint's %s is %" PRIu64 ", this run's %" PRIu64
                           ": resume with the same options and data",
                           same[i].what, same[i].saved, same[i].now);
    return ELECTRA_OK;
}

/* The F32 tensor of set, read from dir/name, for each parameter of view,
 * shapes checked. */
static electra_status match_weights(const el_param_store *view, const el_tensor_set *set,
                                    const char *dir, const char *name, const el_tensor **found)
{
    for (size_t i = 0; i < view->n_params; i++) {
        const el_param *p = &view->params[i];
        const el_tensor *t = el_tensor_set_find(set, p->name);
        if (!t)
            return el_fail(ELECTRA_ERR_MISSING_TENSOR, "%s/%s/model.safetensors lacks tensor %s",
                           dir, name, p->name);
        int ok = t->dtype == EL_DTYPE_F32 && t->ndim == p->ndim &&
                 t->nbytes == p->count * sizeof(float);
        for (int d = 0; ok && d < p->ndim; d++)
            ok = t->shape[d] == (int64_t)p->shape[d];
        if (!ok)
            return el_fail(ELECTRA_ERR_SHAPE,
                           "%s/%s/model.safetensors: tensor %s is not F32 of this run's shape "
                           "(another model size?)",
                           dir, name, p->name);
        found[i] = t;
    }
    if (el_tensor_set_count(set) != view->n_params)
        return el_fail(ELECTRA_ERR_UNEXPECTED_TENSOR,
                       "%s/%s/model.safetensors has %zu tensors, this run's model %zu", dir,
                       name, el_tensor_set_count(set), view->n_params);
    return ELECTRA_OK;
}

struct loaded_model {
    el_tensor_set *set;
    const el_tensor **found;
};

electra_status el_pretrain_read_model(const char *dir, const char *name, el_tensor_set **set)
{
    char *sub = el_path_join(dir, name);
    char *path = sub ? el_path_join(sub, "model.safetensors") : NULL;
    electra_status s = path ? el_tensor_set_create(set) : el_nomem("reading a model");
    if (!s)
        s = el_load_safetensors(*set, path);
    el_free(path);
    el_free(sub);
    return s;
}

static electra_status load_model(const el_param_store *view, const char *dir, const char *name,
                                 struct loaded_model *m)
{
    m->found = el_calloc(view->n_params, sizeof *m->found);
    electra_status s = m->found ? el_pretrain_read_model(dir, name, &m->set)
                                : el_nomem("reading a checkpoint");
    if (!s)
        s = match_weights(view, m->set, dir, name, m->found);
    return s;
}

static void copy_weights(el_param_store *view, const struct loaded_model *m)
{
    for (size_t i = 0; i < view->n_params; i++)
        memcpy(view->value + view->params[i].offset, m->found[i]->data,
               view->params[i].count * sizeof(float));
}

/* dir/generator and dir/discriminator, each checked against the run's
 * shapes; nothing is copied yet. */
static electra_status load_pair(const el_pretrainer *p, const char *dir, struct loaded_model *gen,
                                struct loaded_model *disc)
{
    electra_status s = load_model(p->gen_view, dir, "generator", gen);
    if (!s)
        s = load_model(p->disc_view, dir, "discriminator", disc);
    return s;
}

static void free_pair(struct loaded_model *gen, struct loaded_model *disc)
{
    el_tensor_set_free(gen->set);
    el_tensor_set_free(disc->set);
    el_free(gen->found);
    el_free(disc->found);
}

static void copy_pair(el_pretrainer *p, const struct loaded_model *gen,
                      const struct loaded_model *disc)
{
    /* The shared embeddings are in both files, equal. */
    copy_weights(p->gen_view, gen);
    copy_weights(p->disc_view, disc);
}

static electra_status failed(el_pretrainer *p, electra_status s, const char *doing, const char *dir)
{
    el_fail_context(s, "%s %s", doing, dir);
    el_error_capture(p->error);
    return s;
}

electra_status el_pretrainer_resume(el_pretrainer *p, const char *dir)
{
    if (!p || !dir)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_resume: NULL argument");
    struct saved_state st;
    struct loaded_model gen = {0}, disc = {0};
    char *opt_path = el_path_join(dir, "optimizer.safetensors");
    electra_status s = opt_path ? read_state(dir, &st) : el_nomem("reading a checkpoint");
    if (!s)
        s = check_state(p, &st);
    if (!s)
        s = load_pair(p, dir, &gen, &disc);
    /* The optimizer state is checked whole before it changes anything;
     * after it, nothing can fail. */
    if (!s)
        s = el_trainer_load_state(p->trainer, opt_path);
    if (!s && (uint64_t)el_pretrainer_steps(p) != st.step)
        s = el_fail(ELECTRA_ERR_FORMAT,
                    "%s: the optimizer is at step %ld, %s says %" PRIu64, dir,
                    el_pretrainer_steps(p), STATE_FILE, st.step);
    if (!s) {
        copy_pair(p, &gen, &disc);
        el_pretrain_stream_seek(&p->stream, st.consumed);
        p->gen->pass = st.gen_pass;
    }
    free_pair(&gen, &disc);
    el_free(opt_path);
    return s ? failed(p, s, "resuming from", dir) : ELECTRA_OK;
}

electra_status el_pretrainer_init_from(el_pretrainer *p, const char *dir)
{
    if (!p || !dir)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrainer_init_from: NULL argument");
    if (el_pretrainer_steps(p) != 0)
        return failed(p,
                      el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                              "the run is at step %ld, not 0 (resume a checkpoint instead)",
                              el_pretrainer_steps(p)),
                      "starting from", dir);
    struct loaded_model gen = {0}, disc = {0};
    electra_status s = load_pair(p, dir, &gen, &disc);
    if (!s)
        copy_pair(p, &gen, &disc);
    free_pair(&gen, &disc);
    return s ? failed(p, s, "starting from", dir) : ELECTRA_OK;
}

/* tokenizer_config.json as transformers 4.34 saves an uncased
 * ElectraTokenizer's. */
static cJSON *tokenizer_config(int max_length)
{
    static const char *const specials[][2] = {{"cls_token", "[CLS]"}, {"mask_token", "[MASK]"},
                                              {"pad_token", "[PAD]"}, {"sep_token", "[SEP]"},
                                              {"unk_token", "[UNK]"}};
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddTrueToObject(root, "clean_up_tokenization_spaces");
    cJSON_AddTrueToObject(root, "do_basic_tokenize");
    cJSON_AddTrueToObject(root, "do_lower_case");
    cJSON_AddNumberToObject(root, "model_max_length", max_length);
    cJSON_AddNullToObject(root, "never_split");
    cJSON_AddNullToObject(root, "strip_accents");
    cJSON_AddTrueToObject(root, "tokenize_chinese_chars");
    cJSON_AddStringToObject(root, "tokenizer_class", "ElectraTokenizer");
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        cJSON_AddStringToObject(root, specials[i][0], specials[i][1]);
    return root;
}

static cJSON *special_tokens_map(void)
{
    cJSON *root = cJSON_CreateObject();
    if (root) {
        cJSON_AddStringToObject(root, "cls_token", "[CLS]");
        cJSON_AddStringToObject(root, "mask_token", "[MASK]");
        cJSON_AddStringToObject(root, "pad_token", "[PAD]");
        cJSON_AddStringToObject(root, "sep_token", "[SEP]");
        cJSON_AddStringToObject(root, "unk_token", "[UNK]");
    }
    return root;
}

electra_status el_pretrain_write_tokenizer(const char *vocab_path, const char *dir,
                                           int max_length)
{
    if (!vocab_path || !dir)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrain_write_tokenizer: NULL argument");
    void *addr = NULL;
    size_t size = 0;
    electra_status s = make_dir(dir);
    if (!s)
        s = el_map_file(vocab_path, &addr, &size);
    if (s)
        return s;
    s = el_write_file(dir, "vocab.txt", addr ? addr : "", size);
    el_unmap_file(addr, size);
    if (!s)
        s = el_json_write_file(tokenizer_config(max_length), dir, "tokenizer_config.json");
    if (!s)
        s = el_json_write_file(special_tokens_map(), dir, "special_tokens_map.json");
    return s;
}
