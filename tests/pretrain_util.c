/* pretrain_util.c - test vocabulary, corpus and options for the
 * pre-training suites. */
#include "pretrain_util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

const char *test_vocab_text(size_t *len)
{
    static char text[4096];
    static size_t n;
    if (!n) {
        static const char *const specials[] = {"[UNK]", "[CLS]", "[SEP]", "[MASK]"};
        n += (size_t)snprintf(text + n, sizeof text - n, "[PAD]\n");
        for (int i = 0; i < 99; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, "[unused%d]\n", i);
        for (int i = 0; i < 4; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s\n", specials[i]);
        for (int i = 0; i < TEST_WORDS; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, "w%d\n", i);
    }
    *len = n;
    return text;
}

electra_tokenizer *test_tokenizer(void)
{
    size_t len;
    const char *text = test_vocab_text(&len);
    struct el_tokenizer_settings s;
    el_tokenizer_settings_init(&s);
    electra_tokenizer *t = NULL;
    ck_assert_int_eq(el_tokenizer_from_vocab_text(text, len, "test vocabulary", &s, NULL, &t),
                     ELECTRA_OK);
    el_tokenizer_settings_free(&s);
    ck_assert_uint_eq(electra_tokenizer_vocab_size(t), TEST_VOCAB);
    return t;
}

const char *test_vocab_file(const char *dir)
{
    static char path[4200];
    size_t len;
    const char *text = test_vocab_text(&len);
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

char *test_corpus(size_t docs, size_t lines)
{
    size_t cap = docs * lines * 48 + 16, n = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    unsigned x = 7;
    for (size_t d = 0; d < docs; d++) {
        for (size_t l = 0; l < lines; l++) {
            /* Lines of 6-12 times one word (w0 .. w47): a masked word is
             * its neighbours', a replaced one stands out. */
            x = x * 1103515245u + 12345u;
            size_t words = 6 + (x >> 16) % 7, k = (x >> 8) % 48;
            for (size_t w = 0; w < words; w++)
                n += (size_t)snprintf(text + n, cap - n, "%sw%zu", w ? " " : "", k);
            text[n++] = '\n';
        }
        text[n++] = '\n';
    }
    text[n] = '\0';
    return text;
}

void test_pretrain_options(el_pretrain_options *o)
{
    el_pretrain_options_default(o);
    o->embedding_size = 16;
    o->disc_hidden = 32;
    o->disc_layers = 2;
    o->disc_heads = 2;
    o->gen_fraction = 0.5;
    o->max_positions = 32;
    o->batch = 4;
    o->seq_len = 16;
    o->train.lr = 1e-3;
    o->train.warmup_steps = 2;
    o->train.total_steps = 40;
    o->train.seed = 11;
}

el_pretrain_data *test_pretrain_data(const electra_tokenizer *tok, const el_pretrain_options *o)
{
    el_pretrain_data *d;
    ck_assert_int_eq(el_pretrain_data_create(o->seq_len, 101, 102, o->train.seed, &d),
                     ELECTRA_OK);
    char *text = test_corpus(8, 40);
    ck_assert_int_eq(el_pretrain_data_add_text(d, tok, text, strlen(text), "test corpus"),
                     ELECTRA_OK);
    free(text);
    ck_assert_uint_gt(d->n_examples, 20);
    return d;
}
