/* task.c - plumbing shared by the task modules. */
#include "task.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "config.h"
#include "options.h"

electra_status el_task_begin(electra_context *ctx, int head, const char *task, const char *text,
                             size_t text_len, electra_result **out)
{
    if (!ctx)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "%s: context is NULL", task);
    if (!out || (!text && text_len))
        return el_context_fail(ctx, el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "%s: %s is NULL", task,
                                            out ? "text" : "out"));
    if (ctx->model->cfg.head != head)
        return el_context_fail(ctx, el_fail(ELECTRA_ERR_WRONG_HEAD,
                                            "%s needs an %s model; this one is %s", task,
                                            el_head_architecture(head),
                                            el_head_architecture(ctx->model->cfg.head)));
    return ELECTRA_OK;
}

electra_status el_task_tokenizer(electra_context *ctx, const electra_tokenizer **tok)
{
    if (!ctx->model->tokenizer)
        return el_fail(ELECTRA_ERR_IO, "the model directory has no tokenizer (vocab.txt or "
                                       "tokenizer.json)");
    *tok = ctx->model->tokenizer;
    return ELECTRA_OK;
}

static electra_status prepare_encoder(electra_context *ctx)
{
    electra_status s = ELECTRA_OK;
    if (!ctx->encoding)
        s = electra_encoding_create(&ctx->encoding);
    if (!s && !ctx->encode_options)
        s = electra_options_create(&ctx->encode_options);
    return s;
}

static electra_status encode_with(electra_context *ctx, const char *text, size_t text_len,
                                  const char *pair, size_t pair_len)
{
    const electra_tokenizer *tok = NULL;
    electra_status s = el_task_tokenizer(ctx, &tok);
    if (s)
        return s;
    s = electra_tokenizer_encode(tok, text ? text : "", text_len, pair, pair_len,
                                 ctx->encode_options, ctx->encoding);
    if (s)
        el_fail(s, "%s", electra_encoding_last_error(ctx->encoding));
    return s;
}

electra_status el_task_encode(electra_context *ctx, const char *text, size_t text_len,
                              const char *pair, size_t pair_len, const electra_options *opts)
{
    electra_status s = prepare_encoder(ctx);
    if (s)
        return s;
    size_t positions = (size_t)ctx->model->cfg.max_positions;
    int64_t truncation = el_opt_int(opts, ELECTRA_OPT_TRUNCATION);
    int64_t max_length = el_opt_int(opts, ELECTRA_OPT_MAX_LENGTH);
    if (!max_length || (size_t)max_length > positions)
        max_length = (int64_t)positions;
    electra_options *eo = ctx->encode_options;
    electra_options_set_int(eo, ELECTRA_OPT_TRUNCATION, truncation);
    electra_options_set_int(eo, ELECTRA_OPT_MAX_LENGTH, truncation ? max_length : 0);
    electra_options_set_int(eo, ELECTRA_OPT_RETURN_OVERFLOW, 0);
    electra_options_set_int(eo, ELECTRA_OPT_STRIDE, 0);
    s = encode_with(ctx, text, text_len, pair, pair_len);
    if (s)
        return s;
    size_t n = electra_encoding_length(ctx->encoding, 0);
    if (n > positions)
        return el_fail(ELECTRA_ERR_TOO_LONG,
                       "the text is %zu tokens and the model takes at most %zu: shorten it or "
                       "set ELECTRA_OPT_TRUNCATION",
                       n, positions);
    return ELECTRA_OK;
}

electra_status el_task_encode_windows(electra_context *ctx, const char *question, size_t q_len,
                                      const char *text, size_t text_len, size_t max_length,
                                      size_t stride)
{
    electra_status s = prepare_encoder(ctx);
    if (s)
        return s;
    electra_options *eo = ctx->encode_options;
    electra_options_set_int(eo, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_ONLY_SECOND);
    electra_options_set_int(eo, ELECTRA_OPT_MAX_LENGTH, (int64_t)max_length);
    electra_options_set_int(eo, ELECTRA_OPT_RETURN_OVERFLOW, 1);
    electra_options_set_int(eo, ELECTRA_OPT_STRIDE, (int64_t)stride);
    electra_options_set_int(eo, ELECTRA_OPT_PADDING, ELECTRA_PADDING_LONGEST);
    s = encode_with(ctx, question, q_len, text ? text : "", text_len);
    electra_options_set_int(eo, ELECTRA_OPT_PADDING, ELECTRA_PADDING_NONE);
    return s;
}

electra_status el_task_forward_rows(electra_context *ctx, size_t first, size_t batch)
{
    const electra_encoding *e = ctx->encoding;
    size_t seq = electra_encoding_length(e, 0);
    size_t rows, cols;
    el_head_output_shape(ctx->model, batch, seq, &rows, &cols);
    electra_status s = el_context_reserve(ctx, batch, seq, rows * cols);
    if (s)
        return s;
    for (size_t r = 0; r < batch; r++) {
        size_t src = first + r;
        memcpy(ctx->ids + r * seq, electra_encoding_ids(e, src), seq * sizeof(int32_t));
        memcpy(ctx->mask + r * seq, electra_encoding_attention_mask(e, src),
               seq * sizeof(int32_t));
        memcpy(ctx->types + r * seq, electra_encoding_type_ids(e, src), seq * sizeof(int32_t));
    }
    return el_forward_trunk(ctx, batch, seq, ctx->ids, ctx->mask, ctx->types);
}

electra_status el_task_forward_trunk(electra_context *ctx)
{
    return el_task_forward_rows(ctx, 0, electra_encoding_rows(ctx->encoding));
}

void el_softmax(float *x, size_t n)
{
    float mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (x[i] > mx)
            mx = x[i];
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    float inv = (float)(1.0 / sum);
    for (size_t i = 0; i < n; i++)
        x[i] *= inv;
}

double el_sigmoid(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

char *el_join_word_pieces(const char *const *pieces, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(pieces[i]) + 1;
    char *out = el_malloc(len + 1), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *t = pieces[i];
        if (i && strncmp(t, "##", 2) == 0)
            t += 2; /* " ##" disappears, joining the piece to the last */
        else if (i)
            *p++ = ' ';
        size_t l = strlen(t);
        memcpy(p, t, l);
        p += l;
    }
    *p = '\0';
    /* strip(): the pieces carry no leading or trailing blanks of their own
     * except through the vocabulary; trim ASCII whitespace like Python. */
    char *start = out;
    while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
        start++;
    while (p > start && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r'))
        *--p = '\0';
    if (start != out)
        memmove(out, start, (size_t)(p - start) + 1);
    return out;
}

electra_status el_task_end(electra_context *ctx, electra_status s, electra_result *r,
                           electra_result **out)
{
    if (s) {
        electra_result_free(r);
        return el_context_fail(ctx, s);
    }
    *out = r;
    return ELECTRA_OK;
}
