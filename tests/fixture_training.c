/* fixture_training.c - reading the training oracles. */
#include "fixture_training.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "electra.h"
#include "fixture_model.h"
#include "testutil.h"

/* A flat list of ints from a JSON array of numbers or of arrays. */
static int32_t *read_ints(const cJSON *v, size_t expect)
{
    if (!cJSON_IsArray(v))
        return NULL;
    int32_t *out = malloc(expect * sizeof *out);
    size_t n = 0;
    const cJSON *row, *x;
    cJSON_ArrayForEach(row, v)
    {
        if (cJSON_IsArray(row)) {
            cJSON_ArrayForEach(x, row)
            {
                if (n < expect)
                    out[n] = (int32_t)x->valuedouble;
                n++;
            }
        } else {
            if (n < expect)
                out[n] = (int32_t)row->valuedouble;
            n++;
        }
    }
    if (n != expect) {
        free(out);
        return NULL;
    }
    return out;
}

static float *read_floats(const char *dir, const char *rel, size_t count)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/training/%s", dir, rel);
    size_t len;
    float *data = (float *)read_file(path, &len);
    if (data && len != count * sizeof(float)) {
        free(data);
        return NULL;
    }
    return data;
}

static double number(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

int fixture_training_load(const char *model_dir, fixture_training *out)
{
    memset(out, 0, sizeof *out);
    fixture_inputs in;
    if (fixture_inputs_load(model_dir, &in))
        return -1;
    out->batch = in.batch;
    out->seq = in.seq;
    out->ids = in.ids;
    out->mask = in.mask;
    out->types = in.types;
    /* the arrays are ours now; the rest (texts) goes */
    in.ids = in.mask = in.types = NULL;
    cJSON *inputs = fixture_read_json(model_dir, "expected/inputs.json");
    cJSON *man = fixture_read_json(model_dir, "training/manifest.json");
    int rc = -1;
    if (!inputs || !man)
        goto done;
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(inputs, "labels");
    if (cJSON_IsArray(labels)) {
        int per_token = cJSON_IsArray(cJSON_GetArrayItem(labels, 0));
        out->labels = read_ints(labels, per_token ? in.batch * in.seq : in.batch);
        if (!out->labels)
            goto done;
    } else {
        out->start_positions =
            read_ints(cJSON_GetObjectItemCaseSensitive(inputs, "start_positions"), in.batch);
        out->end_positions =
            read_ints(cJSON_GetObjectItemCaseSensitive(inputs, "end_positions"), in.batch);
        if (!out->start_positions || !out->end_positions)
            goto done;
    }
    out->loss = number(man, "loss");
    out->loss_after_step = number(man, "loss_after_step");
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(man, "optimizer");
    out->lr = number(opt, "lr");
    out->eps = number(opt, "eps");
    out->weight_decay = number(opt, "weight_decay");
    const cJSON *betas = cJSON_GetObjectItemCaseSensitive(opt, "betas");
    out->beta1 = cJSON_GetArrayItem(betas, 0)->valuedouble;
    out->beta2 = cJSON_GetArrayItem(betas, 1)->valuedouble;
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(man, "files");
    const cJSON *zero = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(man, "zero_gradient_params"), "params");
    out->n_params = (size_t)cJSON_GetArraySize(files);
    out->params = calloc(out->n_params, sizeof *out->params);
    size_t i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, files)
    {
        fixture_param *p = &out->params[i++];
        snprintf(p->name, sizeof p->name, "%s",
                 cJSON_GetObjectItemCaseSensitive(f, "param")->valuestring);
        const cJSON *d;
        p->count = 1;
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(f, "shape"))
        {
            p->shape[p->ndim++] = (size_t)d->valuedouble;
            p->count *= (size_t)d->valuedouble;
        }
        p->grad = read_floats(model_dir,
                              cJSON_GetObjectItemCaseSensitive(f, "grad_file")->valuestring,
                              p->count);
        p->after = read_floats(
            model_dir, cJSON_GetObjectItemCaseSensitive(f, "after_step_file")->valuestring,
            p->count);
        if (!p->grad || !p->after)
            goto done;
        p->zero_gradient = zero && cJSON_GetObjectItemCaseSensitive(zero, p->name) != NULL;
    }
    rc = 0;
done:
    fixture_inputs_free(&in);
    cJSON_Delete(inputs);
    cJSON_Delete(man);
    if (rc)
        fixture_training_free(out);
    return rc;
}

void fixture_training_free(fixture_training *f)
{
    free(f->ids);
    free(f->mask);
    free(f->types);
    free(f->labels);
    free(f->start_positions);
    free(f->end_positions);
    for (size_t i = 0; i < f->n_params; i++) {
        free(f->params[i].grad);
        free(f->params[i].after);
    }
    free(f->params);
    memset(f, 0, sizeof *f);
}

/* A trainer over a fixture model with the oracle's optimizer: one group
 * decaying everything, no clipping, no schedule, no dropout. */
el_trainer *oracle_trainer(const char *dir, const fixture_training *f)
{
    electra_model *model = NULL;
    electra_status s = electra_model_load(dir, NULL, &model);
    ck_assert_msg(s == ELECTRA_OK, "loading %s: %s", dir, electra_last_error());
    el_param_store *store;
    ck_assert_int_eq(el_param_store_from_model(model, &store), ELECTRA_OK);
    electra_model_free(model);
    el_train_options o;
    el_train_options_default(&o);
    o.lr = f->lr;
    o.beta1 = f->beta1;
    o.beta2 = f->beta2;
    o.eps = f->eps;
    o.weight_decay = f->weight_decay;
    o.decay_all = 1;
    o.max_grad_norm = 0;
    o.dropout = (el_train_dropout){0, 0, 0};
    el_trainer *t;
    ck_assert_int_eq(el_trainer_create(store, &o, &t), ELECTRA_OK);
    return t;
}

el_train_batch oracle_batch(const fixture_training *f)
{
    return (el_train_batch){.batch = f->batch, .seq = f->seq, .input_ids = f->ids,
                            .attention_mask = f->mask, .token_type_ids = f->types,
                            .labels = f->labels, .start_positions = f->start_positions,
                            .end_positions = f->end_positions};
}

