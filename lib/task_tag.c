/* task_tag.c - electra_tag, as transformers' token-classification
 * pipeline: per-token softmax over the labels, then the aggregation
 * strategy (entity_groups.c). */
#include <string.h>

#include "alloc.h"
#include "entity_groups.h"
#include "options.h"
#include "task.h"

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static electra_status tag(electra_context *ctx, const char *text, const electra_options *options,
                          electra_result *r)
{
    const electra_tokenizer *tok;
    electra_status s = el_task_tokenizer(ctx, &tok);
    if (s)
        return s;
    const electra_encoding *e = ctx->encoding;
    size_t n = electra_encoding_length(e, 0), L = (size_t)ctx->model->cfg.num_labels;
    const int32_t *ids = electra_encoding_ids(e, 0);
    const int32_t *special = electra_encoding_special_tokens_mask(e, 0);
    const size_t *off = electra_encoding_offsets(e, 0);
    int32_t unk = electra_tokenizer_special_id(tok, ELECTRA_TOKEN_UNK);
    float *scores = el_malloc_array(n * L, sizeof *scores);
    el_tag_token *t = el_calloc(n, sizeof *t);
    if (!scores || !t) {
        el_free(scores);
        el_free(t);
        return el_nomem("tagging");
    }
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (special[i])
            continue;
        float *sc = scores + i * L;
        memcpy(sc, ctx->logits + i * L, L * sizeof *sc);
        el_softmax(sc, L);
        size_t start = off[2 * i], end = off[2 * i + 1];
        const char *piece = electra_tokenizer_id_to_token(tok, ids[i]);
        /* [UNK] shows the text it stands for and always starts a word; a
         * piece whose text differs in length from its span continues one
         * (the pipeline's rule for WordPiece: "##ing" vs "ing"). */
        int is_unk = ids[i] == unk;
        el_tag_token *k = &t[nt++];
        k->scores = sc;
        k->word = is_unk ? NULL : piece;
        k->start = start;
        k->end = end;
        k->index = i;
        k->is_subword = !is_unk && utf8_chars(piece, strlen(piece)) !=
                                       utf8_chars(text + start, end - start);
    }
    /* [UNK] words point into copies of their spans. */
    for (size_t i = 0; !s && i < nt; i++)
        if (!t[i].word && !(t[i].word = el_strndup(text + t[i].start, t[i].end - t[i].start)))
            s = el_nomem("tagging");
    if (!s)
        s = el_aggregate_entities(t, nt, ctx->model->cfg.labels, L,
                                  (int)el_opt_int(options, ELECTRA_OPT_AGGREGATION), r);
    for (size_t i = 0; i < nt; i++)
        if (ids[t[i].index] == unk)
            el_free((char *)t[i].word);
    el_free(t);
    el_free(scores);
    return s;
}

ELECTRA_API electra_status electra_tag(electra_context *context, const char *text,
                                       size_t text_length, const electra_options *options,
                                       electra_result **out)
{
    electra_status s = el_task_begin(context, ELECTRA_HEAD_TOKEN_CLASSIFICATION, "tag", text,
                                     text_length, out);
    if (s)
        return s;
    electra_result *r = NULL;
    if (!(s = el_result_create(&r)) &&
        !(s = el_task_encode(context, text, text_length, NULL, 0, options)) &&
        !(s = el_task_forward_trunk(context))) {
        el_forward_head(context);
        s = tag(context, text, options, r);
    }
    return el_task_end(context, s, r, out);
}
