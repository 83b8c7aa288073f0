/* vocab_coverage.c - how well a vocabulary covers a text: words, pieces
 * and [UNK]s, counted by tokenizing the text line by line. */
#include <string.h>

#include "error.h"
#include "tokenize.h"
#include "utf8.h"
#include "vocab_build.h"

electra_status el_vocab_coverage_add(const electra_tokenizer *tokenizer, const char *text,
                                     size_t n, const char *what, struct el_vocab_coverage *c)
{
    el_tokenize_scratch scratch = {0};
    el_token_list tokens = {0};
    int32_t unk = tokenizer->special_ids[ELECTRA_TOKEN_UNK];
    struct el_vocab_coverage sum = *c;
    electra_status st = ELECTRA_OK;
    size_t line = 1;
    /* Line by line: the token list stays small and errors name a line. */
    for (size_t p = 0; p < n && st == ELECTRA_OK; line++) {
        const char *nl = memchr(text + p, '\n', n - p);
        size_t e = nl ? (size_t)(nl - text) : n;
        size_t bad = el_utf8_check(text + p, e - p);
        if (bad < e - p) {
            st = el_fail(ELECTRA_ERR_INVALID_UTF8, "%s: line %zu: invalid UTF-8 at byte %zu", what,
                         line, p + bad);
            break;
        }
        st = el_tokenize(tokenizer, text + p, e - p, true, &scratch, &tokens);
        if (st == ELECTRA_OK && tokens.count) {
            sum.words += (uint64_t)tokens.items[tokens.count - 1].word + 1;
            sum.pieces += tokens.count;
            for (size_t i = 0; i < tokens.count; i++)
                sum.unknown += tokens.items[i].id == unk;
        }
        p = e + 1;
    }
    el_token_list_free(&tokens);
    el_tokenize_scratch_free(&scratch);
    if (st == ELECTRA_OK)
        *c = sum;
    return st;
}
