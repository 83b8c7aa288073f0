/* make_bench_model.c - write an ELECTRA-small-shaped model directory with
 * random weights (the released electra-small discriminator or generator
 * config), for benchmarks: only speed is measured, so any weights do.
 *
 * usage: make_bench_model OUTDIR disc|gen [SEED] */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "safetensors_write.h"
#include "tensor_set.h"

/* electra-small: vocab 30522, E 128, H 256, 12 layers, 4 heads, FFN 1024,
 * 512 positions. The released generator is as wide as the discriminator
 * (generator_hidden_size 1.0) and the benchmarks follow it. */
enum { V = 30522, E = 128, H = 256, LAYERS = 12, HEADS = 4, FFN = 1024, POS = 512 };

static uint64_t rng_state;

static double uniform01(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return ((rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static float normal(float std)
{
    return (float)(std * sqrt(-2 * log(uniform01())) * cos(6.283185307179586 * uniform01()));
}

struct writer {
    el_tensor *t;
    size_t n, cap;
};

/* fill: 'n' normal(0, 0.02), 'z' zeros, 'o' ones. */
static void add(struct writer *w, const char *name, int64_t d0, int64_t d1, char fill)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->t = realloc(w->t, w->cap * sizeof *w->t);
    }
    size_t count = (size_t)d0 * (size_t)(d1 ? d1 : 1);
    float *data = malloc(count * sizeof *data);
    for (size_t i = 0; i < count; i++)
        data[i] = fill == 'n' ? normal(0.02f) : fill == 'o' ? 1.0f : 0.0f;
    el_tensor *t = &w->t[w->n++];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->dtype = EL_DTYPE_F32;
    t->ndim = d1 ? 2 : 1;
    t->shape[0] = d0;
    t->shape[1] = d1;
    t->data = data;
    t->nbytes = count * sizeof *data;
}

static void add_linear(struct writer *w, const char *name, int64_t in, int64_t out)
{
    char key[256];
    snprintf(key, sizeof key, "%s.weight", name);
    add(w, key, out, in, 'n');
    snprintf(key, sizeof key, "%s.bias", name);
    add(w, key, out, 0, 'z');
}

static void add_norm(struct writer *w, const char *name, int64_t n)
{
    char key[256];
    snprintf(key, sizeof key, "%s.weight", name);
    add(w, key, n, 0, 'o');
    snprintf(key, sizeof key, "%s.bias", name);
    add(w, key, n, 0, 'z');
}

static int write_config(const char *dir, int gen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "{\n  \"architectures\": [\"%s\"],\n  \"attention_probs_dropout_prob\": 0.1,\n"
            "  \"embedding_size\": %d,\n  \"hidden_act\": \"gelu\",\n"
            "  \"hidden_dropout_prob\": 0.1,\n  \"hidden_size\": %d,\n"
            "  \"initializer_range\": 0.02,\n  \"intermediate_size\": %d,\n"
            "  \"layer_norm_eps\": 1e-12,\n  \"max_position_embeddings\": %d,\n"
            "  \"model_type\": \"electra\",\n  \"num_attention_heads\": %d,\n"
            "  \"num_hidden_layers\": %d,\n  \"pad_token_id\": 0,\n"
            "  \"position_embedding_type\": \"absolute\",\n  \"type_vocab_size\": 2,\n"
            "  \"vocab_size\": %d\n}\n",
            gen ? "ElectraForMaskedLM" : "ElectraForPreTraining", E, H, FFN, POS, HEADS, LAYERS, V);
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[2], "disc") && strcmp(argv[2], "gen"))) {
        fprintf(stderr, "usage: %s OUTDIR disc|gen [SEED]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int gen = strcmp(argv[2], "gen") == 0;
    rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) : 12345;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    struct writer w = {0};
    add(&w, "electra.embeddings.word_embeddings.weight", V, E, 'n');
    add(&w, "electra.embeddings.position_embeddings.weight", POS, E, 'n');
    add(&w, "electra.embeddings.token_type_embeddings.weight", 2, E, 'n');
    add_norm(&w, "electra.embeddings.LayerNorm", E);
    add_linear(&w, "electra.embeddings_project", E, H);
    for (int i = 0; i < LAYERS; i++) {
        char p[128];
#define L(s, in, out) (snprintf(p, sizeof p, "electra.encoder.layer.%d." s, i), add_linear(&w, p, in, out))
        L("attention.self.query", H, H);
        L("attention.self.key", H, H);
        L("attention.self.value", H, H);
        L("attention.output.dense", H, H);
        L("intermediate.dense", H, FFN);
        L("output.dense", FFN, H);
#undef L
        snprintf(p, sizeof p, "electra.encoder.layer.%d.attention.output.LayerNorm", i);
        add_norm(&w, p, H);
        snprintf(p, sizeof p, "electra.encoder.layer.%d.output.LayerNorm", i);
        add_norm(&w, p, H);
    }
    if (gen) {
        add_linear(&w, "generator_predictions.dense", H, E);
        add_norm(&w, "generator_predictions.LayerNorm", E);
        add(&w, "generator_lm_head.bias", V, 0, 'z');
    } else {
        add_linear(&w, "discriminator_predictions.dense", H, H);
        add_linear(&w, "discriminator_predictions.dense_prediction", H, 1);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    int rc = 0;
    if (el_safetensors_write(path, w.t, w.n) != ELECTRA_OK || write_config(dir, gen) != 0) {
        fprintf(stderr, "%s: cannot write the model\n", dir);
        rc = 1;
    }
    for (size_t i = 0; i < w.n; i++) {
        free(w.t[i].name);
        free((void *)w.t[i].data);
    }
    free(w.t);
    return rc;
}
