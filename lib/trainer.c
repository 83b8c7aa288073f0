/* trainer.c - the training step: gradients, clipping, schedule, AdamW. */
#include "trainer.h"

#include <math.h>
#include <string.h>

#include "adamw.h"
#include "alloc.h"
#include "lr_schedule.h"
#include "train_ops.h"
#include "threadpool.h"


/* Parameters are updated in pieces of at most this many floats, each
 * within one tensor, spread over the pool. */
#define PIECE 65536

struct piece {
    size_t param, begin, count;
};

struct el_trainer {
    el_train_options opt;
    el_param_store *store;
    el_threadpool *pool;
    el_train_model *model;
    long steps;
    int grads_zero; /* the gradient buffer is known to be all zeros */
    struct piece *pieces;
    size_t n_pieces;
    double *partial_norms; /* one per PIECE floats of the gradient */
    size_t n_norm_pieces;
    double *lr_scale, *decay; /* per tensor */
    char error[EL_ERRMSG_SIZE];
};

void el_train_options_default(el_train_options *o)
{
    *o = (el_train_options){
        .threads = 1,
        .lr = 1e-4,
        .beta1 = 0.9,
        .beta2 = 0.999,
        .eps = 1e-6,
        .weight_decay = 0.01,
        .decay_all = 0,
        .max_grad_norm = 1.0,
        .layer_decay = 1.0,
        .dropout = {0.1, 0.1, 0.1},
        .initializer_range = 0.02,
        .seed = 0,
    };
}

static electra_status check_options(const el_train_options *o)
{
    if (o->threads < 1 || o->threads > 1024)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "threads %d is not in [1, 1024]",
                       o->threads);
    if (!(o->lr >= 0) || !isfinite(o->lr))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "learning rate %g is not >= 0", o->lr);
    if (!(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "betas (%g, %g) are not in [0, 1)",
                       o->beta1, o->beta2);
    if (!(o->eps >= 0) || !(o->weight_decay >= 0) || !isfinite(o->weight_decay))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "eps %g and weight decay %g must be >= 0",
                       o->eps, o->weight_decay);
    if (!(o->layer_decay > 0 && o->layer_decay <= 1))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "layer decay %g is not in (0, 1]",
                       o->layer_decay);
    if (o->warmup_steps < 0 || o->total_steps < 0 ||
        (o->total_steps > 0 && o->total_steps <= o->warmup_steps))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "warm-up %ld and total %ld steps: need 0 <= warm-up < total (or total 0)",
                       o->warmup_steps, o->total_steps);
    return ELECTRA_OK;
}

static electra_status plan_updates(el_trainer *t)
{
    const el_param_store *s = t->store;
    size_t n = 0;
    for (size_t i = 0; i < s->n_params; i++)
        n += (s->params[i].count + PIECE - 1) / PIECE;
    t->n_norm_pieces = (s->total + PIECE - 1) / PIECE;
    t->pieces = el_malloc_array(n ? n : 1, sizeof *t->pieces);
    t->partial_norms = el_malloc_array(t->n_norm_pieces ? t->n_norm_pieces : 1, sizeof(double));
    t->lr_scale = el_malloc_array(s->n_params, sizeof *t->lr_scale);
    t->decay = el_malloc_array(s->n_params, sizeof *t->decay);
    if (!t->pieces || !t->partial_norms || !t->lr_scale || !t->decay)
        return el_nomem("creating a trainer");
    for (size_t i = 0; i < s->n_params; i++) {
        const el_param *p = &s->params[i];
        t->lr_scale[i] = el_lr_layer_scale(p->depth, s->cfg.num_layers, t->opt.layer_decay);
        t->decay[i] = t->opt.decay_all || !el_param_is_decay_exempt(p) ? t->opt.weight_decay
                                                                       : 0.0;
        for (size_t b = 0; b < p->count; b += PIECE)
            t->pieces[t->n_pieces++] =
                (struct piece){i, b, p->count - b < PIECE ? p->count - b : PIECE};
    }
    return ELECTRA_OK;
}

electra_status el_trainer_create(el_param_store *store, const el_train_options *o,
                                 el_trainer **out)
{
    electra_status s;
    if (!store || !o || !out) {
        el_param_store_free(store);
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_trainer_create: NULL argument");
    }
    if ((s = check_options(o))) {
        el_param_store_free(store);
        return s;
    }
    el_trainer *t = el_calloc(1, sizeof *t);
    if (!t) {
        el_param_store_free(store);
        return el_nomem("creating a trainer");
    }
    t->opt = *o;
    t->store = store;
    if ((s = el_threadpool_create(o->threads, &t->pool)) ||
        (s = el_train_model_create(store, t->pool, &o->dropout, o->seed, &t->model)) ||
        (s = plan_updates(t))) {
        el_trainer_free(t);
        return s;
    }
    *out = t;
    return ELECTRA_OK;
}

void el_trainer_free(el_trainer *t)
{
    if (!t)
        return;
    el_train_model_free(t->model);
    el_threadpool_free(t->pool);
    el_param_store_free(t->store);
    el_free(t->pieces);
    el_free(t->partial_norms);
    el_free(t->lr_scale);
    el_free(t->decay);
    el_free(t);
}

const char *el_trainer_last_error(const el_trainer *t)
{
    return t ? t->error : "trainer is NULL";
}

el_param_store *el_trainer_params(el_trainer *t)
{
    return t->store;
}

const el_train_options *el_trainer_options(const el_trainer *t)
{
    return &t->opt;
}

el_train_model *el_trainer_model(el_trainer *t)
{
    return t->model;
}

long el_trainer_step_count(const el_trainer *t)
{
    return t->steps;
}

electra_status el_trainer_fail(el_trainer *t, electra_status s)
{
    el_error_capture(t->error);
    return s;
}

void el_trainer_restore_counters(el_trainer *t, long steps, uint64_t dropout_seed,
                                 uint64_t dropout_pass)
{
    t->steps = steps;
    t->model->seed = dropout_seed;
    t->model->pass = dropout_pass;
}

static void use_threads(const el_trainer *t)
{
    el_train_blas_threads(t->opt.threads);
}

void el_trainer_zero_grad(el_trainer *t)
{
    /* An update leaves the gradients zero already (AdamW consumes them). */
    if (!t->grads_zero)
        memset(t->store->grad, 0, t->store->total * sizeof(float));
    t->grads_zero = 1;
}

void el_trainer_mark_gradients(el_trainer *t)
{
    t->grads_zero = 0;
}

electra_status el_trainer_accumulate(el_trainer *t, const el_train_batch *b, int training,
                                     double *loss)
{
    use_threads(t);
    double value;
    electra_status s = el_train_model_forward(t->model, b, training, &value);
    if (s)
        return el_trainer_fail(t, s);
    t->grads_zero = 0;
    el_train_model_backward(t->model);
    if (loss)
        *loss = value;
    return ELECTRA_OK;
}

electra_status el_trainer_evaluate(el_trainer *t, const el_train_batch *b, double *loss)
{
    use_threads(t);
    electra_status s = el_train_model_forward(t->model, b, 0, loss);
    return s ? el_trainer_fail(t, s) : ELECTRA_OK;
}

struct update_job {
    el_trainer *t;
    double lr;
    const struct piece *pieces;
};

static void update_piece(void *arg, size_t i)
{
    const struct update_job *j = arg;
    el_param_store *s = j->t->store;
    const struct piece *pc = &j->pieces[i];
    size_t off = s->params[pc->param].offset + pc->begin;
    el_adamw_hparams h = {
        .lr = j->lr * j->t->lr_scale[pc->param],
        .weight_decay = j->t->decay[pc->param],
        .beta1 = j->t->opt.beta1,
        .beta2 = j->t->opt.beta2,
        .eps = j->t->opt.eps,
        .step = j->t->steps + 1,
    };
    el_adamw_update(s->value + off, s->grad + off, s->m + off, s->v + off, pc->count, &h);
}

struct norm_job {
    float *g;
    size_t n;
    double *partial;
};

static void norm_piece(void *arg, size_t i)
{
    const struct norm_job *j = arg;
    size_t b = i * PIECE;
    j->partial[i] = el_sum_squares(j->g + b, j->n - b < PIECE ? j->n - b : PIECE);
}

static void scale_piece(void *arg, size_t i)
{
    const struct norm_job *j = arg;
    size_t b = i * PIECE;
    el_scale(j->g + b, j->n - b < PIECE ? j->n - b : PIECE, (float)j->partial[0]);
}

/* torch.nn.utils.clip_grad_norm_: scale by max / (norm + 1e-6) when that
 * is below 1. Returns the norm before clipping. */
static double clip_gradients(el_trainer *t)
{
    el_param_store *s = t->store;
    size_t n = t->n_norm_pieces;
    /* Partial sums added in a fixed order: the norm does not depend on
     * the thread count. */
    struct norm_job j = {s->grad, s->total, t->partial_norms};
    el_parallel_for(t->pool, n, norm_piece, &j);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += t->partial_norms[i];
    double norm = sqrt(sum);
    if (t->opt.max_grad_norm > 0) {
        double coef = t->opt.max_grad_norm / (norm + 1e-6);
        if (coef < 1.0) {
            struct norm_job scale = {s->grad, s->total, &coef};
            el_parallel_for(t->pool, n, scale_piece, &scale);
        }
    }
    return norm;
}

electra_status el_trainer_apply(el_trainer *t, double *grad_norm, double *lr)
{
    use_threads(t);
    double norm = clip_gradients(t);
    double rate = t->opt.lr * el_lr_warmup_linear(t->steps, t->opt.warmup_steps,
                                                  t->opt.total_steps);
    struct update_job j = {t, rate, t->pieces};
    el_parallel_for(t->pool, t->n_pieces, update_piece, &j);
    t->grads_zero = 1;
    t->steps++;
    if (grad_norm)
        *grad_norm = norm;
    if (lr)
        *lr = rate;
    return ELECTRA_OK;
}

electra_status el_trainer_step(el_trainer *t, const el_train_batch *b, double *loss)
{
    el_trainer_zero_grad(t);
    electra_status s = el_trainer_accumulate(t, b, 1, loss);
    return s ? s : el_trainer_apply(t, NULL, NULL);
}
