/* train_model.c - the trunk's passes: embeddings, the encoder layers and
 * their gradients, and the workspace that keeps the activations.
 *
 * Forward, per layer (x the layer input, T tokens of width H):
 *   qkv = x Wqkv^T + b; ctx = attention(qkv)
 *   h1  = LayerNorm(dropout(ctx Wo^T + b) + x)
 *   act = act_fn(pre), pre = h1 Wi^T + b
 *   out = LayerNorm(dropout(act W2^T + b) + h1)
 * as transformers' ElectraLayer (post-LN BERT) computes it. */
#include "train_model.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "train_attention.h"
#include "train_ops.h"
#include "train_rng.h"

/* Dropout sites of a pass: 0 embeddings, then three per layer, then the
 * head's (see train_heads.c). */
#define SITE_EMBEDDINGS 0
#define SITE_LAYER(l, k) (1 + 3 * (uint64_t)(l) + (k))

uint64_t el_train_model_key(const el_train_model *tm, uint64_t site)
{
    return el_dropout_key(tm->seed, tm->pass, site);
}

electra_status el_train_model_create(el_param_store *store, el_threadpool *pool,
                                     const el_train_dropout *dropout, uint64_t seed,
                                     el_train_model **out)
{
    const double p[3] = {dropout->hidden, dropout->attention, dropout->classifier};
    for (int i = 0; i < 3; i++)
        if (!(p[i] >= 0 && p[i] < 1))
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "dropout probability %g is not in [0, 1)",
                           p[i]);
    el_train_model *tm = el_calloc(1, sizeof *tm);
    if (!tm)
        return el_nomem("creating a training model");
    tm->acts = el_calloc((size_t)store->cfg.num_layers, sizeof *tm->acts);
    electra_status s = tm->acts ? el_train_gemm_create(pool, 0, &tm->gemm)
                                : el_nomem("creating a training model");
    if (s) {
        el_free(tm->acts);
        el_free(tm);
        return s;
    }
    tm->store = store;
    tm->pool = pool;
    tm->dropout = *dropout;
    tm->seed = seed;
    *out = tm;
    return ELECTRA_OK;
}

void el_train_model_free(el_train_model *tm)
{
    if (!tm)
        return;
    el_free_aligned(tm->arena);
    el_free_aligned(tm->logits);
    el_train_gemm_free(tm->gemm);
    el_free(tm->acts);
    el_free(tm);
}

/* The workspace is carved in two walks over the same list of pieces:
 * one counting, one handing out pointers. */
struct carver {
    float *base;  /* NULL while counting */
    size_t used;  /* floats */
    int overflow;
};

static float *take(struct carver *cv, double floats)
{
    /* Pieces start 64-byte aligned; sizes are checked in double so a
     * huge batch fails cleanly instead of wrapping. */
    size_t n = 0;
    if (floats > (double)(SIZE_MAX / 8))
        cv->overflow = 1;
    else
        n = ((size_t)floats + 15) & ~(size_t)15;
    float *p = cv->base ? cv->base + cv->used : NULL;
    if ((double)cv->used + (double)n > (double)(SIZE_MAX / 8))
        cv->overflow = 1;
    else
        cv->used += n;
    return p;
}

static void carve(el_train_model *tm, struct carver *cv, size_t T, size_t S, size_t B)
{
    const el_config *c = &tm->store->cfg;
    double t = (double)T, E = c->embedding_size, H = c->hidden_size, I = c->intermediate_size;
    double heads = c->num_heads, wide = H > E ? H : E;
    int threads = el_threadpool_size(tm->pool);
    tm->ids = (int32_t *)take(cv, t);
    tm->mask = (int32_t *)take(cv, t);
    tm->types = (int32_t *)take(cv, t);
    tm->row_labels = (int32_t *)take(cv, 2 * t);
    tm->sel = (int32_t *)take(cv, t);
    tm->sel_begin = (size_t *)take(cv, 2 * ((double)B + 1)); /* size_t: two floats */
    tm->sel_x = take(cv, t * H);
    tm->emb_xhat = take(cv, t * E);
    tm->emb_rstd = take(cv, t);
    tm->emb_out = take(cv, t * E);
    tm->x0 = tm->store->w.has_projection ? take(cv, t * H) : tm->emb_out;
    for (int l = 0; l < c->num_layers; l++) {
        el_layer_acts *a = &tm->acts[l];
        a->qkv = take(cv, 3 * t * H);
        a->probs = take(cv, (double)B * heads * (double)S * (double)S);
        a->ctx = take(cv, t * H);
        a->xhat1 = take(cv, t * H);
        a->rstd1 = take(cv, t);
        a->h1 = take(cv, t * H);
        a->pre = take(cv, t * I);
        a->act = take(cv, t * I);
        a->xhat2 = take(cv, t * H);
        a->rstd2 = take(cv, t);
        a->out = take(cv, t * H);
    }
    tm->dy = take(cv, t * H);
    tm->ds = take(cv, t * H);
    tm->dtmp = take(cv, t * H);
    tm->dinter = take(cv, t * I);
    tm->dqkv = take(cv, 3 * t * H);
    tm->dctx = take(cv, t * H);
    tm->demb = tm->store->w.has_projection ? take(cv, t * E) : NULL;
    tm->attn_scratch = take(cv, (double)el_train_attention_scratch_floats(S, threads));
    tm->head_in = take(cv, t * H);
    tm->head_pre = take(cv, t * wide);
    tm->head_act = take(cv, t * wide);
    tm->head_xhat = take(cv, t * E);
    tm->head_rstd = take(cv, t);
    tm->head_out = take(cv, t * E);
    tm->dhead = take(cv, t * wide);
    tm->targets = take(cv, t * (c->num_labels > 1 ? c->num_labels : 1));
}

static electra_status reserve(el_train_model *tm, size_t batch, size_t seq, size_t logit_floats)
{
    size_t T = batch * seq;
    if (!tm->arena || T > tm->cap_tokens || seq > tm->cap_seq || batch > tm->cap_batch) {
        size_t cT = T > tm->cap_tokens ? T : tm->cap_tokens;
        size_t cS = seq > tm->cap_seq ? seq : tm->cap_seq;
        size_t cB = batch > tm->cap_batch ? batch : tm->cap_batch;
        struct carver cv = {0};
        carve(tm, &cv, cT, cS, cB);
        void *arena = cv.overflow ? NULL : el_malloc_aligned(cv.used * sizeof(float));
        if (!arena) {
            carve(tm, &(struct carver){.base = tm->arena}, tm->cap_tokens, tm->cap_seq,
                  tm->cap_batch);
            return el_fail(ELECTRA_ERR_NOMEM,
                           "out of memory reserving training activations for %zu x %zu tokens",
                           batch, seq);
        }
        el_free_aligned(tm->arena);
        tm->arena = arena;
        tm->cap_tokens = cT;
        tm->cap_seq = cS;
        tm->cap_batch = cB;
        carve(tm, &(struct carver){.base = arena}, cT, cS, cB);
    }
    if (logit_floats > tm->cap_logits) {
        if (logit_floats > SIZE_MAX / 2 / sizeof(float))
            return el_fail(ELECTRA_ERR_NOMEM, "%zu logits cannot be addressed", logit_floats);
        float *l = el_malloc_aligned(2 * logit_floats * sizeof(float));
        if (!l)
            return el_fail(ELECTRA_ERR_NOMEM, "out of memory reserving %zu logits",
                           logit_floats);
        el_free_aligned(tm->logits);
        tm->logits = l;
        tm->dlogits = l + logit_floats;
        tm->cap_logits = logit_floats;
    }
    return ELECTRA_OK;
}

electra_status el_train_model_check(const el_train_model *tm, const el_train_batch *b)
{
    const el_config *c = &tm->store->cfg;
    if (!b || !b->input_ids)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "training batch has no input_ids");
    if (b->batch == 0 || b->seq == 0)
        return el_fail(ELECTRA_ERR_SHAPE, "batch (%zu) and seq (%zu) must be at least 1",
                       b->batch, b->seq);
    if (b->seq > (size_t)c->max_positions)
        return el_fail(ELECTRA_ERR_TOO_LONG,
                       "sequence of %zu tokens is longer than the model's %d positions", b->seq,
                       c->max_positions);
    if (b->batch > SIZE_MAX / b->seq)
        return el_fail(ELECTRA_ERR_SHAPE, "batch %zu x seq %zu overflows", b->batch, b->seq);
    for (size_t t = 0; t < b->batch * b->seq; t++) {
        if (b->input_ids[t] < 0 || b->input_ids[t] >= c->vocab_size)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "input_ids[%zu][%zu] = %d is outside the vocabulary [0, %d)",
                           t / b->seq, t % b->seq, b->input_ids[t], c->vocab_size);
        if (b->token_type_ids &&
            (b->token_type_ids[t] < 0 || b->token_type_ids[t] >= c->type_vocab_size))
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "token_type_ids[%zu][%zu] = %d is outside [0, %d)", t / b->seq,
                           t % b->seq, b->token_type_ids[t], c->type_vocab_size);
        if (b->attention_mask && b->attention_mask[t] != 0 && b->attention_mask[t] != 1)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "attention_mask[%zu][%zu] = %d is not 0 or 1", t / b->seq,
                           t % b->seq, b->attention_mask[t]);
    }
    return el_train_head_check(tm, b);
}

static float drop_p(const el_train_model *tm, double p)
{
    return tm->training ? (float)p : 0.0f;
}

/* LayerNorm(word[id] + type[tt] + position[p]), dropout, projection. */
static void embed_forward(el_train_model *tm)
{
    const el_param_store *s = tm->store;
    const el_train_weights *w = &s->w;
    size_t E = (size_t)s->cfg.embedding_size, S = tm->seq, T = tm->tokens;
    for (size_t t = 0; t < T; t++) {
        const float *wr = w->word + (size_t)tm->ids[t] * E;
        const float *ty = w->type + (size_t)tm->types[t] * E;
        const float *pos = w->pos + (t % S) * E;
        float *o = tm->emb_out + t * E;
        for (size_t i = 0; i < E; i++)
            o[i] = wr[i] + ty[i] + pos[i];
    }
    el_train_layer_norm_forward(tm->emb_out, T, E, w->emb_ln.gain, w->emb_ln.bias,
                                (float)s->cfg.layer_norm_eps, tm->emb_xhat, tm->emb_rstd,
                                tm->emb_out, tm->pool);
    el_dropout_apply(tm->emb_out, T * E, drop_p(tm, tm->dropout.hidden),
                     el_train_model_key(tm, SITE_EMBEDDINGS), 0);
    if (w->has_projection)
        el_train_linear_forward(tm->emb_out, T, E, w->projection.out, w->projection.w,
                                w->projection.b, tm->x0, tm->gemm);
}

/* Whether layer l computes only the head's rows. */
static int partial_layer(const el_train_model *tm, int l)
{
    return tm->subset && l == tm->store->cfg.num_layers - 1;
}

/* The attention inputs of layer l: queries, keys and values side by side
 * in a->qkv (T x 3H), or for the partial last layer keys and values in
 * a->qkv (T x 2H) followed by the selected queries (n_sel x H). */
static el_attention_args attention_args(const el_train_model *tm, int l)
{
    const el_config *c = &tm->store->cfg;
    const el_layer_acts *a = &tm->acts[l];
    size_t H = (size_t)c->hidden_size, heads = (size_t)c->num_heads;
    el_attention_args args = {.batch = tm->batch, .seq = tm->seq, .heads = heads,
                              .head_dim = H / heads, .mask = tm->mask,
                              .dropout = drop_p(tm, tm->dropout.attention),
                              .key = el_train_model_key(tm, SITE_LAYER(l, 0))};
    if (partial_layer(tm, l)) {
        args.q_begin = tm->sel_begin;
        args.q = a->qkv + 2 * tm->tokens * H;
        args.q_stride = H;
        args.k = a->qkv;
        args.v = a->qkv + H;
        args.kv_stride = 2 * H;
    } else {
        args.q = a->qkv;
        args.q_stride = 3 * H;
        args.k = a->qkv + H;
        args.v = a->qkv + 2 * H;
        args.kv_stride = 3 * H;
    }
    return args;
}

/* Everything after the attention, on R rows with residual input xres:
 * h1 = LN(dropout(ctx Wo^T + b) + xres), out = LN(dropout(act(h1 Wi^T +
 * b) W2^T + b) + h1). */
static void post_attention_forward(el_train_model *tm, int l, const float *xres, size_t R)
{
    const el_config *c = &tm->store->cfg;
    const el_train_layer *L = &tm->store->w.layers[l];
    el_layer_acts *a = &tm->acts[l];
    size_t H = (size_t)c->hidden_size, I = (size_t)c->intermediate_size;
    float eps = (float)c->layer_norm_eps, hp = drop_p(tm, tm->dropout.hidden);
    el_train_linear_forward(a->ctx, R, H, H, L->attn_out.w, L->attn_out.b, a->h1, tm->gemm);
    el_dropout_apply(a->h1, R * H, hp, el_train_model_key(tm, SITE_LAYER(l, 1)), 0);
    el_train_add(a->h1, xres, R * H, tm->pool);
    el_train_layer_norm_forward(a->h1, R, H, L->attn_ln.gain, L->attn_ln.bias, eps, a->xhat1,
                                a->rstd1, a->h1, tm->pool);
    el_train_linear_forward(a->h1, R, H, I, L->intermediate.w, L->intermediate.b, a->pre, tm->gemm);
    el_train_activation_forward(c->hidden_act, a->pre, a->act, R * I, tm->pool);
    el_train_linear_forward(a->act, R, I, H, L->output.w, L->output.b, a->out, tm->gemm);
    el_dropout_apply(a->out, R * H, hp, el_train_model_key(tm, SITE_LAYER(l, 2)), 0);
    el_train_add(a->out, a->h1, R * H, tm->pool);
    el_train_layer_norm_forward(a->out, R, H, L->out_ln.gain, L->out_ln.bias, eps, a->xhat2,
                                a->rstd2, a->out, tm->pool);
}

static void layer_forward(el_train_model *tm, int l, const float *x)
{
    const el_train_layer *L = &tm->store->w.layers[l];
    el_layer_acts *a = &tm->acts[l];
    size_t T = tm->tokens, H = (size_t)tm->store->cfg.hidden_size;
    el_attention_args args = attention_args(tm, l);
    const float *xres = x;
    size_t R = T;
    if (partial_layer(tm, l)) {
        /* Keys and values of every position (the stacked weight's last
         * 2H rows), queries of the selected rows only. */
        R = tm->n_sel;
        el_train_linear_forward(x, T, H, 2 * H, L->qkv.w + H * H, L->qkv.b + H, a->qkv, tm->gemm);
        for (size_t r = 0; r < R; r++)
            memcpy(tm->sel_x + r * H, x + (size_t)tm->sel[r] * H, H * sizeof(float));
        el_train_linear_forward(tm->sel_x, R, H, H, L->qkv.w, L->qkv.b, a->qkv + 2 * T * H,
                                tm->gemm);
        xres = tm->sel_x;
    } else {
        el_train_linear_forward(x, T, H, 3 * H, L->qkv.w, L->qkv.b, a->qkv, tm->gemm);
    }
    el_train_attention_forward(&args, a->probs, a->ctx, H, tm->attn_scratch, tm->pool);
    post_attention_forward(tm, l, xres, R);
}

static const float *hidden_state(const el_train_model *tm)
{
    int n = tm->store->cfg.num_layers;
    return n ? tm->acts[n - 1].out : tm->x0;
}

electra_status el_train_model_forward(el_train_model *tm, const el_train_batch *b, int training,
                                      double *loss)
{
    electra_status s = el_train_model_check(tm, b);
    if (s || (s = reserve(tm, b->batch, b->seq, el_train_head_logit_floats(tm, b))))
        return s;
    tm->batch = b->batch;
    tm->seq = b->seq;
    tm->tokens = b->batch * b->seq;
    tm->training = training;
    tm->pass++;
    size_t T = tm->tokens;
    memcpy(tm->ids, b->input_ids, T * sizeof *tm->ids);
    for (size_t t = 0; t < T; t++) {
        tm->mask[t] = b->attention_mask ? b->attention_mask[t] : 1;
        tm->types[t] = b->token_type_ids ? b->token_type_ids[t] : 0;
    }
    el_train_head_select(tm, b);
    embed_forward(tm);
    const float *x = tm->x0;
    for (int l = 0; l < tm->store->cfg.num_layers; l++) {
        layer_forward(tm, l, x);
        x = tm->acts[l].out;
    }
    double value = el_train_head_forward(tm, b, x);
    if (loss)
        *loss = value;
    return ELECTRA_OK;
}

/* From dy = d(loss)/d(out) on R rows: dctx = d/d(ctx), and the residual
 * part of d/d(xres) in dtmp. */
static void post_attention_backward(el_train_model *tm, int l, size_t R)
{
    const el_config *c = &tm->store->cfg;
    const el_train_layer *L = &tm->store->w.layers[l];
    const el_layer_acts *a = &tm->acts[l];
    size_t H = (size_t)c->hidden_size, I = (size_t)c->intermediate_size;
    float hp = drop_p(tm, tm->dropout.hidden);
    el_threadpool *pool = tm->pool;
    /* out = LN(dropout(o) + h1): ds = d(sum); the dropout's input
     * gradient goes to dtmp, the residual's stays in ds (as dh1). */
    el_train_layer_norm_backward(tm->dy, a->xhat2, a->rstd2, R, H, L->out_ln.gain,
                                 L->out_ln.dgain, L->out_ln.dbias, tm->ds, pool);
    const float *d_o = tm->ds;
    if (hp > 0) {
        memcpy(tm->dtmp, tm->ds, R * H * sizeof(float));
        el_dropout_apply(tm->dtmp, R * H, hp, el_train_model_key(tm, SITE_LAYER(l, 2)), 0);
        d_o = tm->dtmp;
    }
    el_train_linear_backward(d_o, a->act, R, I, H, L->output.w, L->output.dw, L->output.db,
                             tm->dinter, 0, tm->gemm);
    el_train_activation_backward(c->hidden_act, a->pre, tm->dinter, tm->dinter, R * I, pool);
    el_train_linear_backward(tm->dinter, a->h1, R, H, I, L->intermediate.w, L->intermediate.dw,
                             L->intermediate.db, tm->ds, 1, tm->gemm);
    /* h1 = LN(dropout(a) + xres). */
    el_train_layer_norm_backward(tm->ds, a->xhat1, a->rstd1, R, H, L->attn_ln.gain,
                                 L->attn_ln.dgain, L->attn_ln.dbias, tm->dtmp, pool);
    const float *d_a = tm->dtmp;
    if (hp > 0) {
        memcpy(tm->ds, tm->dtmp, R * H * sizeof(float));
        el_dropout_apply(tm->ds, R * H, hp, el_train_model_key(tm, SITE_LAYER(l, 1)), 0);
        d_a = tm->ds;
    }
    el_train_linear_backward(d_a, a->ctx, R, H, H, L->attn_out.w, L->attn_out.dw,
                             L->attn_out.db, tm->dctx, 0, tm->gemm);
}

/* tm->dy holds d(loss)/d(out of layer l) (compact for the partial last
 * layer); leaves d/d(x), for every position, there. */
static void layer_backward(el_train_model *tm, int l, const float *x)
{
    const el_train_layer *L = &tm->store->w.layers[l];
    const el_layer_acts *a = &tm->acts[l];
    size_t T = tm->tokens, H = (size_t)tm->store->cfg.hidden_size;
    el_threadpool *pool = tm->pool;
    el_attention_args args = attention_args(tm, l);
    if (partial_layer(tm, l)) {
        size_t R = tm->n_sel;
        float *dkv = tm->dqkv, *dq = tm->dqkv + 2 * T * H;
        post_attention_backward(tm, l, R);
        el_train_attention_backward(&args, a->probs, tm->dctx, H, dq, H, dkv, dkv + H, 2 * H,
                                    tm->attn_scratch, pool);
        /* d/d(x) = dK Wk + dV Wv at every position, plus at the selected
         * rows the residual part (dtmp) and dQ Wq. */
        el_train_linear_backward(dq, tm->sel_x, R, H, H, L->qkv.w, L->qkv.dw, L->qkv.db,
                                 tm->dtmp, 1, tm->gemm);
        el_train_linear_backward(dkv, x, T, H, 2 * H, L->qkv.w + H * H, L->qkv.dw + H * H,
                                 L->qkv.db + H, tm->dy, 0, tm->gemm);
        for (size_t r = 0; r < R; r++)
            el_train_add(tm->dy + (size_t)tm->sel[r] * H, tm->dtmp + r * H, H, NULL);
        return;
    }
    post_attention_backward(tm, l, T);
    el_train_attention_backward(&args, a->probs, tm->dctx, H, tm->dqkv, 3 * H, tm->dqkv + H,
                                tm->dqkv + 2 * H, 3 * H, tm->attn_scratch, pool);
    /* dx = residual part (in dtmp) + the query/key/value part; the two
     * buffers then trade places so dy holds it without a copy. */
    el_train_linear_backward(tm->dqkv, x, T, H, 3 * H, L->qkv.w, L->qkv.dw, L->qkv.db, tm->dtmp,
                             1, tm->gemm);
    float *swap = tm->dy;
    tm->dy = tm->dtmp;
    tm->dtmp = swap;
}

static void embed_backward(el_train_model *tm)
{
    el_param_store *s = tm->store;
    el_train_weights *w = &s->w;
    size_t E = (size_t)s->cfg.embedding_size, S = tm->seq, T = tm->tokens;
    /* Without a projection the embeddings' gradient is dy itself. */
    float *demb = w->has_projection ? tm->demb : tm->dy;
    if (w->has_projection)
        el_train_linear_backward(tm->dy, tm->emb_out, T, E, w->projection.out, w->projection.w,
                                 w->projection.dw, w->projection.db, demb, 0, tm->gemm);
    el_dropout_apply(demb, T * E, drop_p(tm, tm->dropout.hidden),
                     el_train_model_key(tm, SITE_EMBEDDINGS), 0);
    el_train_layer_norm_backward(demb, tm->emb_xhat, tm->emb_rstd, T, E, w->emb_ln.gain,
                                 w->emb_ln.dgain, w->emb_ln.dbias, demb, tm->pool);
    /* nn.Embedding(padding_idx): lookups of the padding id give its row
     * no gradient. */
    int32_t pad = s->cfg.pad_token_id;
    for (size_t t = 0; t < T; t++) {
        const float *d = demb + t * E;
        float *dw = tm->ids[t] == pad ? NULL : w->dword + (size_t)tm->ids[t] * E;
        float *dt = w->dtype + (size_t)tm->types[t] * E;
        float *dp = w->dpos + (t % S) * E;
        for (size_t i = 0; i < E; i++) {
            dt[i] += d[i];
            dp[i] += d[i];
        }
        if (dw)
            for (size_t i = 0; i < E; i++)
                dw[i] += d[i];
    }
}

void el_train_model_backward(el_train_model *tm)
{
    const float *hidden = hidden_state(tm);
    el_train_head_backward(tm, hidden);
    for (int l = tm->store->cfg.num_layers - 1; l >= 0; l--)
        layer_backward(tm, l, l ? tm->acts[l - 1].out : tm->x0);
    embed_backward(tm);
}
