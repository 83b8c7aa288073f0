/* pretrain_sizes.c - the model options of an earlier pre-training run,
 * read back from the two models it wrote (dir/discriminator and
 * dir/generator), so that continued pre-training takes them from there
 * instead of asking for them again. */
#include <config.h>

#include <string.h>

#include "alloc.h"
#include "config.h"
#include "error.h"
#include "mapped_file.h"
#include "pretrain.h"
#include "tensor_set.h"
#include "train_params.h"

static electra_status load_config(const char *dir, const char *name, el_config *c)
{
    char *sub = el_path_join(dir, name);
    electra_status s = sub ? el_config_load(sub, c) : el_nomem("reading a config");
    el_free(sub);
    return s;
}

static electra_status load_weights(const char *dir, const char *name, el_tensor_set **set)
{
    char *sub = el_path_join(dir, name);
    char *path = sub ? el_path_join(sub, "model.safetensors") : NULL;
    electra_status s = path ? el_tensor_set_create(set) : el_nomem("reading weights");
    if (!s)
        s = el_load_safetensors(*set, path);
    el_free(path);
    el_free(sub);
    return s;
}

static int same_tensor(const el_tensor *a, const el_tensor *b)
{
    return b && a->dtype == b->dtype && a->ndim == b->ndim &&
           !memcmp(a->shape, b->shape, sizeof a->shape[0] * (size_t)a->ndim) &&
           a->nbytes == b->nbytes && !memcmp(a->data, b->data, a->nbytes);
}

/* A tied generator is the discriminator's encoder, saved in both files;
 * an untied one of the same sizes is trained apart and never equal. */
static electra_status encoders_equal(const char *dir, int *equal)
{
    el_tensor_set *gen = NULL, *disc = NULL;
    electra_status s = load_weights(dir, "generator", &gen);
    if (!s)
        s = load_weights(dir, "discriminator", &disc);
    static const char prefix[] = "electra.encoder.";
    size_t compared = 0;
    *equal = !s;
    for (size_t i = 0; !s && *equal && i < el_tensor_set_count(disc); i++) {
        const el_tensor *t = el_tensor_set_at(disc, i);
        if (strncmp(t->name, prefix, sizeof prefix - 1))
            continue;
        *equal = same_tensor(t, el_tensor_set_find(gen, t->name));
        compared++;
    }
    *equal = *equal && compared > 0;
    el_tensor_set_free(gen);
    el_tensor_set_free(disc);
    return s;
}

/* The sizes el_pretrain_configs would give, checked against a config
 * read back: anything else is not a pair this library pre-trained. */
static electra_status check_rules(const char *dir, const el_config *c, const char *name, int heads)
{
    if (c->num_heads != heads || c->intermediate_size != 4 * c->hidden_size ||
        c->hidden_act != EL_ACT_GELU)
        return el_fail(ELECTRA_ERR_CONFIG,
                       "%s/%s: %d heads, FFN %d, %s: not sizes electra pretrain gives (heads %d, "
                       "FFN 4 x hidden %d, gelu)",
                       dir, name, c->num_heads, c->intermediate_size, c->hidden_act_name, heads,
                       c->hidden_size);
    return ELECTRA_OK;
}

static electra_status sizes_of(const char *dir, const el_config *disc, const el_config *gen,
                               el_pretrain_options *o)
{
    electra_status s = el_pretraining_pair_check(disc, gen);
    if (s)
        return el_fail_context(s, "%s", dir);
    int tied = 0;
    if (gen->hidden_size == disc->hidden_size && gen->num_layers == disc->num_layers &&
        gen->num_heads == disc->num_heads) {
        s = encoders_equal(dir, &tied);
        if (s)
            return s;
    }
    const int gH = gen->hidden_size;
    s = check_rules(dir, disc, "discriminator", disc->num_heads);
    if (!s)
        s = check_rules(dir, gen, "generator", tied ? disc->num_heads : (gH / 64 > 1 ? gH / 64 : 1));
    if (s)
        return s;
    o->embedding_size = disc->embedding_size;
    o->disc_hidden = disc->hidden_size;
    o->disc_layers = disc->num_layers;
    o->disc_heads = disc->num_heads;
    o->max_positions = disc->max_positions;
    o->tie_generator = tied;
    /* lround(f H) in el_pretrain_configs gives back gH exactly */
    o->gen_fraction = (double)gH / disc->hidden_size;
    o->gen_layer_fraction = (double)gen->num_layers / disc->num_layers;
    return ELECTRA_OK;
}

electra_status el_pretrain_sizes_of(const char *dir, el_pretrain_options *o)
{
    if (!dir || !o)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrain_sizes_of: NULL argument");
    el_config disc, gen;
    memset(&disc, 0, sizeof disc);
    memset(&gen, 0, sizeof gen);
    electra_status s = load_config(dir, "discriminator", &disc);
    if (!s)
        s = load_config(dir, "generator", &gen);
    if (!s)
        s = sizes_of(dir, &disc, &gen, o);
    el_config_free(&disc);
    el_config_free(&gen);
    return s;
}
