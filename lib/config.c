/* config.c - config.json parsing. Defaults are ElectraConfig's
 * (transformers 4.34): released hub configs omit several fields. */
#include "config.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json.h"
#include "mapped_file.h"

static const struct {
    const char *name;
    el_activation act;
} activations[] = {
    {"gelu", EL_ACT_GELU},
    {"gelu_python", EL_ACT_GELU},
    {"gelu_new", EL_ACT_GELU_TANH},
    {"gelu_pytorch_tanh", EL_ACT_GELU_TANH},
    {"gelu_fast", EL_ACT_GELU_FAST},
    {"quick_gelu", EL_ACT_QUICK_GELU},
    {"relu", EL_ACT_RELU},
    {"silu", EL_ACT_SILU},
    {"swish", EL_ACT_SILU},
};

int el_activation_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof activations / sizeof activations[0]; i++)
        if (strcmp(name, activations[i].name) == 0)
            return (int)activations[i].act;
    return -1;
}

static const char *const architectures[] = {
    [ELECTRA_HEAD_NONE] = "ElectraModel",
    [ELECTRA_HEAD_MASKED_LM] = "ElectraForMaskedLM",
    [ELECTRA_HEAD_PRETRAINING] = "ElectraForPreTraining",
    [ELECTRA_HEAD_SEQUENCE_CLASSIFICATION] = "ElectraForSequenceClassification",
    [ELECTRA_HEAD_TOKEN_CLASSIFICATION] = "ElectraForTokenClassification",
    [ELECTRA_HEAD_QUESTION_ANSWERING] = "ElectraForQuestionAnswering",
};

int el_head_from_architecture(const char *name)
{
    for (size_t i = 0; i < sizeof architectures / sizeof architectures[0]; i++)
        if (strcmp(name, architectures[i]) == 0)
            return (int)i;
    return -1;
}

const char *el_head_architecture(int head)
{
    if (head < 0 || (size_t)head >= sizeof architectures / sizeof architectures[0])
        return "?";
    return architectures[head];
}

/* Integer field within [lo, hi]; absent or null keeps *out. */
static electra_status get_int(const cJSON *root, const char *key, int lo, int hi, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v))
        return ELECTRA_OK;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
        return el_fail(ELECTRA_ERR_CONFIG, "config.json: %s must be an integer", key);
    if (!(v->valuedouble >= lo && v->valuedouble <= hi))
        return el_fail(ELECTRA_ERR_CONFIG, "config.json: %s = %.17g is outside [%d, %d]", key,
                       v->valuedouble, lo, hi);
    *out = (int)v->valuedouble;
    return ELECTRA_OK;
}

static electra_status get_string(const cJSON *root, const char *key, char *out, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v))
        return ELECTRA_OK;
    if (!cJSON_IsString(v))
        return el_fail(ELECTRA_ERR_CONFIG, "config.json: %s must be a string", key);
    if (strlen(v->valuestring) >= cap)
        return el_fail(ELECTRA_ERR_CONFIG, "config.json: %s is too long", key);
    strcpy(out, v->valuestring);
    return ELECTRA_OK;
}

static void free_labels(el_config *cfg)
{
    if (cfg->labels)
        for (int i = 0; i < cfg->num_labels; i++)
            el_free(cfg->labels[i]);
    el_free(cfg->labels);
    cfg->labels = NULL;
}

/* id2label: {"0": "negative", ...} with keys 0..n-1 (any order). */
static electra_status read_labels(const cJSON *root, el_config *cfg)
{
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "id2label");
    int n = cfg->num_labels;
    if (map && !cJSON_IsNull(map)) {
        if (!cJSON_IsObject(map))
            return el_fail(ELECTRA_ERR_CONFIG, "config.json: id2label must be an object");
        int size = cJSON_GetArraySize(map);
        if (size < 1 || size > EL_MAX_LABELS)
            return el_fail(ELECTRA_ERR_CONFIG, "config.json: id2label has %d entries", size);
        const cJSON *nl = cJSON_GetObjectItemCaseSensitive(root, "num_labels");
        if (nl && cJSON_IsNumber(nl) && nl->valuedouble != size)
            return el_fail(ELECTRA_ERR_CONFIG,
                           "config.json: num_labels %g disagrees with id2label's %d entries",
                           nl->valuedouble, size);
        n = size;
    }
    cfg->labels = el_calloc((size_t)n, sizeof *cfg->labels);
    if (!cfg->labels)
        return el_nomem("reading labels");
    cfg->num_labels = n;
    const cJSON *e;
    if (map && cJSON_IsObject(map))
        cJSON_ArrayForEach(e, map)
        {
            char *end;
            long id = strtol(e->string, &end, 10);
            if (!*e->string || *end || id < 0 || id >= n || !cJSON_IsString(e))
                return el_fail(ELECTRA_ERR_CONFIG,
                               "config.json: id2label entry \"%s\" is not id -> name for ids "
                               "0..%d",
                               e->string, n - 1);
            if (cfg->labels[id])
                return el_fail(ELECTRA_ERR_CONFIG, "config.json: id2label repeats id %ld", id);
            cfg->labels[id] = el_strndup(e->valuestring, strlen(e->valuestring));
            if (!cfg->labels[id])
                return el_nomem("reading labels");
        }
    for (int i = 0; i < n; i++)
        if (!cfg->labels[i]) {
            char name[32];
            snprintf(name, sizeof name, "LABEL_%d", i); /* transformers' default names */
            cfg->labels[i] = el_strndup(name, strlen(name));
            if (!cfg->labels[i])
                return el_nomem("reading labels");
        }
    return ELECTRA_OK;
}

static electra_status parse_root(const cJSON *root, el_config *c)
{
    electra_status s;
    if (!cJSON_IsObject(root))
        return el_fail(ELECTRA_ERR_CONFIG, "config.json is not a JSON object");
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    if (mt && cJSON_IsString(mt) && strcmp(mt->valuestring, "electra") != 0)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "config.json: model_type is \"%s\", not electra",
                       mt->valuestring);
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    if (arch && !cJSON_IsNull(arch)) {
        const cJSON *first = cJSON_GetArrayItem(arch, 0);
        if (!cJSON_IsArray(arch) || (first && !cJSON_IsString(first)))
            return el_fail(ELECTRA_ERR_CONFIG, "config.json: architectures must be a list of "
                                               "strings");
        if (first) {
            if (strlen(first->valuestring) >= sizeof c->architecture)
                return el_fail(ELECTRA_ERR_CONFIG, "config.json: architecture name too long");
            strcpy(c->architecture, first->valuestring);
            c->head = el_head_from_architecture(c->architecture);
            if (c->head < 0)
                return el_fail(ELECTRA_ERR_UNSUPPORTED,
                               "config.json: architecture %s is not supported (ElectraModel, "
                               "ElectraForMaskedLM, ElectraForPreTraining, "
                               "ElectraFor{Sequence,Token}Classification, "
                               "ElectraForQuestionAnswering are)",
                               c->architecture);
        }
    }
    if ((s = get_int(root, "vocab_size", 1, EL_MAX_VOCAB, &c->vocab_size)) ||
        (s = get_int(root, "embedding_size", 1, EL_MAX_WIDTH, &c->embedding_size)) ||
        (s = get_int(root, "hidden_size", 1, EL_MAX_WIDTH, &c->hidden_size)) ||
        (s = get_int(root, "num_hidden_layers", 1, EL_MAX_LAYERS, &c->num_layers)) ||
        (s = get_int(root, "num_attention_heads", 1, EL_MAX_WIDTH, &c->num_heads)) ||
        (s = get_int(root, "intermediate_size", 1, EL_MAX_WIDTH * 4, &c->intermediate_size)) ||
        (s = get_int(root, "max_position_embeddings", 1, EL_MAX_POSITIONS, &c->max_positions)) ||
        (s = get_int(root, "type_vocab_size", 1, EL_MAX_VOCAB, &c->type_vocab_size)) ||
        (s = get_int(root, "pad_token_id", 0, EL_MAX_VOCAB, &c->pad_token_id)) ||
        (s = get_int(root, "num_labels", 1, EL_MAX_LABELS, &c->num_labels)) ||
        (s = get_string(root, "hidden_act", c->hidden_act_name, sizeof c->hidden_act_name)) ||
        (s = get_string(root, "problem_type", c->problem_type, sizeof c->problem_type)))
        return s;
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(root, "layer_norm_eps");
    if (eps && !cJSON_IsNull(eps)) {
        if (!cJSON_IsNumber(eps) || !(eps->valuedouble >= 0 && eps->valuedouble < 1))
            return el_fail(ELECTRA_ERR_CONFIG, "config.json: layer_norm_eps must be in [0, 1)");
        c->layer_norm_eps = eps->valuedouble;
    }
    char pos[32] = "absolute";
    if ((s = get_string(root, "position_embedding_type", pos, sizeof pos)))
        return s;
    if (strcmp(pos, "absolute") != 0)
        return el_fail(ELECTRA_ERR_UNSUPPORTED,
                       "config.json: position_embedding_type \"%s\" is not supported "
                       "(only \"absolute\")",
                       pos);
    int act = el_activation_from_name(c->hidden_act_name);
    if (act < 0)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "config.json: hidden_act \"%s\" is not supported",
                       c->hidden_act_name);
    c->hidden_act = (el_activation)act;
    if (c->hidden_size % c->num_heads)
        return el_fail(ELECTRA_ERR_CONFIG,
                       "config.json: hidden_size %d is not a multiple of num_attention_heads %d",
                       c->hidden_size, c->num_heads);
    if (c->pad_token_id >= c->vocab_size)
        return el_fail(ELECTRA_ERR_CONFIG, "config.json: pad_token_id %d >= vocab_size %d",
                       c->pad_token_id, c->vocab_size);
    return read_labels(root, c);
}

electra_status el_config_parse(const char *json, size_t length, el_config *out)
{
    el_config c = {
        .head = ELECTRA_HEAD_NONE,
        .vocab_size = 30522,
        .embedding_size = 128,
        .hidden_size = 256,
        .num_layers = 12,
        .num_heads = 4,
        .intermediate_size = 1024,
        .max_positions = 512,
        .type_vocab_size = 2,
        .pad_token_id = 0,
        .layer_norm_eps = 1e-12,
        .hidden_act_name = "gelu",
        .num_labels = 2,
    };
    cJSON *root = el_json_parse(json, length, NULL);
    if (!root)
        return el_fail(ELECTRA_ERR_CONFIG, "config.json is not valid JSON");
    electra_status s = parse_root(root, &c);
    cJSON_Delete(root);
    if (s) {
        free_labels(&c);
        return s;
    }
    *out = c;
    return ELECTRA_OK;
}

electra_status el_config_load(const char *dir, el_config *out)
{
    char *path = el_path_join(dir, "config.json");
    if (!path)
        return el_nomem("reading config.json");
    void *addr;
    size_t size;
    electra_status s = el_map_file(path, &addr, &size);
    if (s == ELECTRA_OK) {
        s = el_config_parse(addr ? addr : "", size, out);
        el_unmap_file(addr, size);
        if (s)
            el_fail_context(s, "%s", dir);
    }
    el_free(path);
    return s;
}

void el_config_free(el_config *cfg)
{
    free_labels(cfg);
}
