/* train_state.c - saving and restoring a trainer's optimizer state.
 *
 * The file is a safetensors file (so any safetensors reader can inspect
 * it) holding:
 *   "step"               I64 [1]  optimizer updates done (the schedule's
 *                                 position and AdamW's bias-correction t)
 *   "dropout_seed"       I64 [1]  the dropout seed (bits of the uint64)
 *   "dropout_pass"       I64 [1]  forward passes done (dropout stream)
 *   "exp_avg.<key>"      F32      AdamW's first moment of parameter <key>
 *   "exp_avg_sq.<key>"   F32      its second moment
 * with <key> the Hugging Face state-dict name and the parameter's shape.
 * Loading requires exactly these tensors for the trainer's model (same
 * names, dtypes and shapes) and changes nothing unless all are valid.
 * The parameters themselves are saved as a model directory
 * (el_trainer_save_pretrained); hyperparameters come from the options. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "safetensors_write.h"
#include "tensor_set.h"
#include "trainer.h"

static const char *const scalar_names[] = {"step", "dropout_seed", "dropout_pass"};
#define N_SCALARS 3

electra_status el_trainer_save_state(el_trainer *t, const char *path)
{
    if (!t || !path)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_trainer_save_state: NULL argument");
    const el_param_store *s = el_trainer_params(t);
    const el_train_model *tm = el_trainer_model(t);
    size_t count = N_SCALARS + 2 * s->n_params;
    el_tensor *tensors = el_calloc(count, sizeof *tensors);
    char *names = el_malloc_array(2 * s->n_params, 128);
    if (!tensors || !names) {
        el_free(tensors);
        el_free(names);
        return el_nomem("saving optimizer state");
    }
    int64_t scalars[N_SCALARS] = {el_trainer_step_count(t), (int64_t)tm->seed,
                                  (int64_t)tm->pass};
    for (size_t i = 0; i < N_SCALARS; i++)
        tensors[i] = (el_tensor){.name = (char *)scalar_names[i], .dtype = EL_DTYPE_I64,
                                 .ndim = 1, .shape = {1}, .data = &scalars[i],
                                 .nbytes = sizeof scalars[i]};
    for (size_t i = 0; i < s->n_params; i++) {
        const el_param *p = &s->params[i];
        for (int k = 0; k < 2; k++) {
            char *name = names + (2 * i + (size_t)k) * 128;
            snprintf(name, 128, "%s.%s", k ? "exp_avg_sq" : "exp_avg", p->name);
            el_tensor *e = &tensors[N_SCALARS + 2 * i + (size_t)k];
            *e = (el_tensor){.name = name, .dtype = EL_DTYPE_F32, .ndim = p->ndim,
                             .shape = {(int64_t)p->shape[0], (int64_t)p->shape[1]},
                             .data = (k ? s->v : s->m) + p->offset,
                             .nbytes = p->count * sizeof(float)};
        }
    }
    electra_status st = el_safetensors_write(path, tensors, count);
    el_free(tensors);
    el_free(names);
    if (st)
        return el_trainer_fail(t, el_fail_context(st, "saving optimizer state"));
    return ELECTRA_OK;
}

/* The tensor `name` of set, checked to be dtype with the given shape. */
static electra_status find(const el_tensor_set *set, const char *name, el_dtype dtype, int ndim,
                           const size_t *shape, const el_tensor **out)
{
    const el_tensor *t = el_tensor_set_find(set, name);
    if (!t)
        return el_fail(ELECTRA_ERR_MISSING_TENSOR, "optimizer state lacks tensor %s", name);
    int ok = t->dtype == dtype && t->ndim == ndim;
    for (int d = 0; ok && d < ndim; d++)
        ok = t->shape[d] == (int64_t)shape[d];
    if (!ok)
        return el_fail(ELECTRA_ERR_SHAPE,
                       "optimizer state tensor %s is not %s of the model's shape", name,
                       el_dtype_name(dtype));
    *out = t;
    return ELECTRA_OK;
}

static electra_status load_from(el_trainer *t, const el_tensor_set *set)
{
    el_param_store *s = el_trainer_params(t);
    const el_tensor **moments = el_calloc(2 * s->n_params, sizeof *moments);
    if (!moments)
        return el_nomem("loading optimizer state");
    const el_tensor *scalars[N_SCALARS];
    size_t one = 1;
    electra_status st = ELECTRA_OK;
    for (size_t i = 0; !st && i < N_SCALARS; i++)
        st = find(set, scalar_names[i], EL_DTYPE_I64, 1, &one, &scalars[i]);
    for (size_t i = 0; !st && i < s->n_params; i++) {
        const el_param *p = &s->params[i];
        for (int k = 0; !st && k < 2; k++) {
            char name[160];
            snprintf(name, sizeof name, "%s.%s", k ? "exp_avg_sq" : "exp_avg", p->name);
            st = find(set, name, EL_DTYPE_F32, p->ndim, p->shape, &moments[2 * i + (size_t)k]);
        }
    }
    if (!st && el_tensor_set_count(set) != N_SCALARS + 2 * s->n_params) {
        /* Everything the model needs is there, so something else is too. */
        for (size_t i = 0; i < el_tensor_set_count(set); i++) {
            const el_tensor *e = el_tensor_set_at(set, i);
            int known = 0;
            for (size_t j = 0; j < N_SCALARS; j++)
                known |= scalars[j] == e;
            for (size_t j = 0; j < 2 * s->n_params; j++)
                known |= moments[j] == e;
            if (!known) {
                st = el_fail(ELECTRA_ERR_UNEXPECTED_TENSOR,
                             "optimizer state has tensor %s, which this model does not have",
                             e->name);
                break;
            }
        }
    }
    int64_t v[N_SCALARS];
    for (size_t i = 0; !st && i < N_SCALARS; i++)
        memcpy(&v[i], scalars[i]->data, sizeof v[i]);
    if (!st && v[0] < 0)
        st = el_fail(ELECTRA_ERR_FORMAT, "optimizer state has a negative step %lld",
                     (long long)v[0]);
    if (!st) {
        for (size_t i = 0; i < s->n_params; i++) {
            const el_param *p = &s->params[i];
            memcpy(s->m + p->offset, moments[2 * i]->data, p->count * sizeof(float));
            memcpy(s->v + p->offset, moments[2 * i + 1]->data, p->count * sizeof(float));
        }
        el_trainer_restore_counters(t, (long)v[0], (uint64_t)v[1], (uint64_t)v[2]);
    }
    el_free(moments);
    return st;
}

electra_status el_trainer_load_state(el_trainer *t, const char *path)
{
    if (!t || !path)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_trainer_load_state: NULL argument");
    el_tensor_set *set = NULL;
    electra_status st = el_tensor_set_create(&set);
    if (!st && !(st = el_load_safetensors(set, path)))
        st = load_from(t, set);
    el_tensor_set_free(set);
    if (st)
        return el_trainer_fail(t, el_fail_context(st, "loading optimizer state %s", path));
    return ELECTRA_OK;
}
