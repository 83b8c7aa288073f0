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
    electra_status s = el_pretrain_read_model(dir, "generator", &gen);
    if (!s)
        s = el_pretrain_read_model(dir, "discriminator", &disc);
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

/* What el_pretrain_configs gives for sizes, against the configs read
 * back: anything else is not a pair this library pre-trained. */
static electra_status check_derivable(const char *dir, const el_config *disc, const el_config *gen,
                                      const el_pretrain_options *sizes)
{
    el_pretrain_options o = *sizes;
    o.seq_len = (size_t)o.max_positions; /* a run's option, not a size: any valid one */
    el_config want[2];
    electra_status s =
        el_pretrain_configs(&o, disc->vocab_size, disc->pad_token_id, &want[0], &want[1]);
    if (s)
        return el_fail_context(s, "%s", dir);
    const el_config *got[2] = {disc, gen};
    static const char *const names[2] = {"discriminator", "generator"};
    for (int i = 0; !s && i < 2; i++) {
        const el_config *c = got[i], *w = &want[i];
        if (c->hidden_size != w->hidden_size || c->num_layers != w->num_layers ||
            c->num_heads != w->num_heads || c->intermediate_size != w->intermediate_size ||
            c->hidden_act != w->hidden_act)
            s = el_fail(ELECTRA_ERR_CONFIG,
                        "%s/%s: hidden %d, %d layers, %d heads, FFN %d, %s: electra pretrain "
                        "gives hidden %d, %d layers, %d heads, FFN %d, %s",
                        dir, names[i], c->hidden_size, c->num_layers, c->num_heads,
                        c->intermediate_size, c->hidden_act_name, w->hidden_size, w->num_layers,
                        w->num_heads, w->intermediate_size, w->hidden_act_name);
    }
    el_config_free(&want[0]);
    el_config_free(&want[1]);
    return s;
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
    el_pretrain_options sizes = *o;
    sizes.embedding_size = disc->embedding_size;
    sizes.disc_hidden = disc->hidden_size;
    sizes.disc_layers = disc->num_layers;
    sizes.disc_heads = disc->num_heads;
    sizes.max_positions = disc->max_positions;
    sizes.tie_generator = tied;
    /* lround(f H) in el_pretrain_configs gives back the generator's sizes */
    sizes.gen_fraction = (double)gen->hidden_size / disc->hidden_size;
    sizes.gen_layer_fraction = (double)gen->num_layers / disc->num_layers;
    s = check_derivable(dir, disc, gen, &sizes);
    if (!s)
        *o = sizes;
    return s;
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
