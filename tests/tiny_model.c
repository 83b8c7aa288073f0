/* tiny_model.c - writing the tiny model of tiny_model.h. */
#include "tiny_model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "safetensors_write.h"
#include "tensor_set.h"

enum { V = 60, E = 8, H = 16, LAYERS = 2, I = 32, P = TINY_MAX_POSITIONS, T = 2 };

const char tiny_vocab_txt[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
    ".\n,\n!\n?\n'\n-\n(\n)\n"
    "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nr\ns\nt\nu\nw\ny\n"
    "the\nquick\nbrown\nfox\njump\nover\nlazy\ndog\nparis\nis\nof\nfrance\n"
    "##s\n##ed\n##ing\n##a\n##e\n##o\nun\n##aff\n##able\n\xe4\xb8\xad\n\xe5\x9b\xbd\n"
    "caf\n##e\xcc\x81\n";

/* Deterministic values in [-scale, scale): a 64-bit LCG. */
static float next_value(uint64_t *state, float scale)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return scale * ((float)(*state >> 40) / (float)(1u << 24) * 2.0f - 1.0f);
}

struct builder {
    el_tensor tensors[128];
    float *buffers[128];
    size_t n;
    uint64_t seed;
    int failed;
};

/* A tensor of shape (d0) or (d0, d1): LayerNorm gains near 1, other
 * tensors random of about unit variance for their fan-in. */
static void add(struct builder *b, const char *name, int64_t d0, int64_t d1, int gain)
{
    if (b->n == sizeof b->tensors / sizeof b->tensors[0]) {
        b->failed = 1;
        return;
    }
    size_t count = (size_t)d0 * (size_t)(d1 ? d1 : 1);
    float *data = malloc(count * sizeof *data);
    char *copy = malloc(strlen(name) + 1);
    if (!data || !copy) {
        free(data);
        free(copy);
        b->failed = 1;
        return;
    }
    strcpy(copy, name);
    /* uniform in [-s, s] has variance s^2 / 3 */
    float scale = d1 ? sqrtf(3.0f / (float)d1) : 0.2f;
    for (size_t i = 0; i < count; i++)
        data[i] = (gain ? 1.0f : 0.0f) + next_value(&b->seed, scale);
    el_tensor *t = &b->tensors[b->n];
    memset(t, 0, sizeof *t);
    t->name = copy;
    t->dtype = EL_DTYPE_F32;
    t->ndim = d1 ? 2 : 1;
    t->shape[0] = d0;
    t->shape[1] = d1;
    t->data = data;
    t->nbytes = count * sizeof *data;
    b->buffers[b->n++] = data;
}

static void add_linear(struct builder *b, const char *prefix, const char *name, int64_t in,
                       int64_t out)
{
    char key[160];
    snprintf(key, sizeof key, "%s%s.weight", prefix, name);
    add(b, key, out, in, 0);
    snprintf(key, sizeof key, "%s%s.bias", prefix, name);
    add(b, key, out, 0, 0);
}

static void add_norm(struct builder *b, const char *prefix, const char *name, int64_t n)
{
    char key[160];
    snprintf(key, sizeof key, "%s%s.weight", prefix, name);
    add(b, key, n, 0, 1);
    snprintf(key, sizeof key, "%s%s.bias", prefix, name);
    add(b, key, n, 0, 0);
}

static int num_labels(int head)
{
    switch (head) {
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION:
        return 3;
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION:
        return TINY_NUM_LABELS;
    default:
        return 2;
    }
}

static void add_tensors(struct builder *b, int head)
{
    const char *p = head == ELECTRA_HEAD_NONE ? "" : "electra.";
    char key[160];
    snprintf(key, sizeof key, "%sembeddings.word_embeddings.weight", p);
    add(b, key, V, E, 0);
    snprintf(key, sizeof key, "%sembeddings.position_embeddings.weight", p);
    add(b, key, P, E, 0);
    snprintf(key, sizeof key, "%sembeddings.token_type_embeddings.weight", p);
    add(b, key, T, E, 0);
    add_norm(b, p, "embeddings.LayerNorm", E);
    add_linear(b, p, "embeddings_project", E, H);
    for (int l = 0; l < LAYERS; l++) {
        char lp[64];
        snprintf(lp, sizeof lp, "%sencoder.layer.%d.", p, l);
        add_linear(b, lp, "attention.self.query", H, H);
        add_linear(b, lp, "attention.self.key", H, H);
        add_linear(b, lp, "attention.self.value", H, H);
        add_linear(b, lp, "attention.output.dense", H, H);
        add_norm(b, lp, "attention.output.LayerNorm", H);
        add_linear(b, lp, "intermediate.dense", H, I);
        add_linear(b, lp, "output.dense", I, H);
        add_norm(b, lp, "output.LayerNorm", H);
    }
    switch (head) {
    case ELECTRA_HEAD_MASKED_LM:
        add_linear(b, "", "generator_predictions.dense", H, E);
        add_norm(b, "", "generator_predictions.LayerNorm", E);
        add(b, "generator_lm_head.bias", V, 0, 0);
        break;
    case ELECTRA_HEAD_PRETRAINING:
        add_linear(b, "", "discriminator_predictions.dense", H, H);
        add_linear(b, "", "discriminator_predictions.dense_prediction", H, 1);
        break;
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION:
        add_linear(b, "", "classifier.dense", H, H);
        add_linear(b, "", "classifier.out_proj", H, num_labels(head));
        break;
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION:
        add_linear(b, "", "classifier", H, num_labels(head));
        break;
    case ELECTRA_HEAD_QUESTION_ANSWERING:
        add_linear(b, "", "qa_outputs", H, 2);
        break;
    default:
        break;
    }
}

static int write_text(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "tiny_model: cannot write %s\n", path);
        return -1;
    }
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_config(const char *dir, int head)
{
    static const char *const architectures[] = {
        "ElectraModel", "ElectraForMaskedLM", "ElectraForPreTraining",
        "ElectraForSequenceClassification", "ElectraForTokenClassification",
        "ElectraForQuestionAnswering"};
    static const char *const tags = "\"id2label\": {\"0\": \"O\", \"1\": \"B-PER\", \"2\": "
                                    "\"I-PER\", \"3\": \"B-LOC\", \"4\": \"I-LOC\"},\n";
    static const char *const classes =
        "\"id2label\": {\"0\": \"negative\", \"1\": \"neutral\", \"2\": \"positive\"},\n";
    char text[2048];
    snprintf(text, sizeof text,
             "{\n\"architectures\": [\"%s\"],\n\"model_type\": \"electra\",\n"
             "\"vocab_size\": %d,\n\"embedding_size\": %d,\n\"hidden_size\": %d,\n"
             "\"num_hidden_layers\": %d,\n\"num_attention_heads\": 2,\n"
             "\"intermediate_size\": %d,\n\"max_position_embeddings\": %d,\n"
             "\"type_vocab_size\": %d,\n%s\"hidden_act\": \"gelu\",\n"
             "\"layer_norm_eps\": 1e-12\n}\n",
             architectures[head], V, E, H, LAYERS, I, P, T,
             head == ELECTRA_HEAD_TOKEN_CLASSIFICATION      ? tags
             : head == ELECTRA_HEAD_SEQUENCE_CLASSIFICATION ? classes
                                                            : "");
    return write_text(dir, "config.json", text);
}

int tiny_model_write(const char *dir, int head)
{
    if (head < ELECTRA_HEAD_NONE || head > ELECTRA_HEAD_QUESTION_ANSWERING)
        return -1;
    struct builder b = {.seed = 0x5eed0000u + (uint64_t)head};
    add_tensors(&b, head);
    int rc = b.failed ? -1 : 0;
    if (rc == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        electra_status s = el_safetensors_write(path, b.tensors, b.n);
        if (s != ELECTRA_OK) {
            fprintf(stderr, "tiny_model: %s\n", electra_last_error());
            rc = -1;
        }
    }
    for (size_t i = 0; i < b.n; i++) {
        free(b.tensors[i].name);
        free(b.buffers[i]);
    }
    if (rc == 0)
        rc = write_config(dir, head);
    if (rc == 0)
        rc = write_text(dir, "vocab.txt", tiny_vocab_txt);
    return rc;
}
