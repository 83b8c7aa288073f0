/* cmd_tokenize.c - `electra tokenize`: text to word pieces and ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_line.h"

static const char *const cmd = "tokenize";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: electra tokenize (--vocab FILE | --model DIR) [--pair TEXT] [--json] TEXT\n"
            "       electra tokenize (--vocab FILE | --model DIR) --jsonl < LINES\n"
            "\n"
            "Tokenize as BERT's WordPiece tokenizer (transformers' BertTokenizer) does,\n"
            "adding [CLS] and [SEP].\n"
            "\n"
            "  --vocab FILE  a vocab.txt or a tokenizer.json\n"
            "  --model DIR   a model directory (tokenizer.json, else vocab.txt, with\n"
            "                tokenizer_config.json)\n"
            "  --pair TEXT   a second segment (token type 1)\n"
            "  --json        print one JSON object: ids, tokens (with [CLS]/[SEP]),\n"
            "                token_type_ids, attention_mask, special_tokens_mask,\n"
            "                sequence_ids, offsets (byte [begin, end) into the text or pair)\n"
            "  --jsonl       read JSON lines {\"text\": ..., \"pair\": ... (optional)} from\n"
            "                stdin and write one line each: {\"ids\", \"tokens\" (the word\n"
            "                pieces of text then pair, no [CLS]/[SEP]), \"token_type_ids\",\n"
            "                \"offsets\" ([0, 0] for [CLS]/[SEP])}; a bad line gets\n"
            "                {\"error\": ...} and the rest go on\n"
            "\n"
            "Exit status: 0 ok, 1 the tokenizer or the text could not be used, 2 usage.\n");
}

static cJSON *int_array(const int32_t *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static cJSON *offset_array(const size_t *off, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)off[2 * i]));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)off[2 * i + 1]));
        cJSON_AddItemToArray(a, pair);
    }
    return a;
}

/* Tokens of row 0; with_specials = 0 leaves out the inserted [CLS]/[SEP]. */
static cJSON *token_array(const electra_tokenizer *t, const electra_encoding *e, int with_specials)
{
    const int32_t *ids = electra_encoding_ids(e, 0);
    const int32_t *seq = electra_encoding_sequence_ids(e, 0);
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < electra_encoding_length(e, 0); i++)
        if (with_specials || seq[i] >= 0)
            cJSON_AddItemToArray(a, cJSON_CreateString(electra_tokenizer_id_to_token(t, ids[i])));
    return a;
}

static cJSON *encoding_json(const electra_tokenizer *t, const electra_encoding *e, int full)
{
    size_t n = electra_encoding_length(e, 0);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "ids", int_array(electra_encoding_ids(e, 0), n));
    cJSON_AddItemToObject(o, "tokens", token_array(t, e, full));
    cJSON_AddItemToObject(o, "token_type_ids", int_array(electra_encoding_type_ids(e, 0), n));
    if (full) {
        cJSON_AddItemToObject(o, "attention_mask",
                              int_array(electra_encoding_attention_mask(e, 0), n));
        cJSON_AddItemToObject(o, "special_tokens_mask",
                              int_array(electra_encoding_special_tokens_mask(e, 0), n));
        const int32_t *seq = electra_encoding_sequence_ids(e, 0);
        cJSON *s = cJSON_CreateArray();
        for (size_t i = 0; s && i < n; i++)
            cJSON_AddItemToArray(s, seq[i] < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(seq[i]));
        cJSON_AddItemToObject(o, "sequence_ids", s);
    }
    cJSON_AddItemToObject(o, "offsets", offset_array(electra_encoding_offsets(e, 0), n));
    return o;
}

static int print_error_line(const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", message);
    return cli_print_json(o);
}

static int run_jsonl(const electra_tokenizer *t, electra_encoding *e)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = CLI_OK;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)got;
        if (len && line[len - 1] == '\n')
            len--;
        const char *err = NULL;
        cJSON *root = json_line_parse(line, len, &err);
        size_t text_len = 0, pair_len = 0;
        const char *text = root ? json_line_string(root, "text", &text_len) : NULL;
        const char *pair = root ? json_line_string(root, "pair", &pair_len) : NULL;
        const cJSON *pair_item = root ? cJSON_GetObjectItemCaseSensitive(root, "pair") : NULL;
        if (root && !text)
            err = "the line needs a string \"text\"";
        else if (pair_item && !pair && !cJSON_IsNull(pair_item))
            err = "\"pair\" must be a string or null";
        if (err) {
            print_error_line(err);
        } else {
            electra_status st = electra_tokenizer_encode(t, text, text_len, pair, pair_len, NULL, e);
            if (st != ELECTRA_OK)
                print_error_line(electra_encoding_last_error(e));
            else if (cli_print_json(encoding_json(t, e, 0)) != CLI_OK)
                rc = CLI_FAIL;
        }
        cJSON_Delete(root);
    }
    free(line);
    if (ferror(stdin))
        return cli_error(cmd, CLI_FAIL, "reading standard input failed");
    return rc;
}

static void print_tokens(const electra_tokenizer *t, const electra_encoding *e, const char *text,
                         const char *pair)
{
    const int32_t *ids = electra_encoding_ids(e, 0);
    const int32_t *seq = electra_encoding_sequence_ids(e, 0);
    const size_t *off = electra_encoding_offsets(e, 0);
    for (size_t i = 0; i < electra_encoding_length(e, 0); i++) {
        printf("%4zu  %-16s %6d", i, electra_tokenizer_id_to_token(t, ids[i]), (int)ids[i]);
        if (seq[i] >= 0) {
            const char *src = seq[i] == 0 ? text : pair;
            int span = (int)(off[2 * i + 1] - off[2 * i]);
            printf("  %s %zu..%zu \"%.*s\"", seq[i] == 0 ? "text" : "pair", off[2 * i],
                   off[2 * i + 1], span, src + off[2 * i]);
        }
        putchar('\n');
    }
}

static int run(int argc, char **argv)
{
    const char *vocab = NULL, *model = NULL, *pair = NULL, *text = NULL;
    int json = 0, jsonl = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--jsonl") == 0) {
            jsonl = 1;
        } else if (strcmp(a, "--vocab") == 0 || strcmp(a, "--model") == 0 ||
                   strcmp(a, "--pair") == 0) {
            if (i + 1 >= argc)
                return cli_error(cmd, CLI_USAGE, "%s needs a value", a);
            const char **dst = a[2] == 'v' ? &vocab : a[2] == 'm' ? &model : &pair;
            *dst = argv[++i];
        } else if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            return cli_error(cmd, CLI_USAGE, "unknown option %s (see --help)", a);
        } else if (!text) {
            text = a;
        } else {
            return cli_error(cmd, CLI_USAGE, "one TEXT only (quote it)");
        }
    }
    if (!vocab == !model)
        return cli_error(cmd, CLI_USAGE, "give one of --vocab FILE or --model DIR (see --help)");
    if (jsonl && (text || pair || json))
        return cli_error(cmd, CLI_USAGE, "--jsonl reads its texts from stdin: no TEXT, --pair "
                                         "or --json with it");
    if (!jsonl && !text)
        return cli_error(cmd, CLI_USAGE, "no TEXT given (see --help)");

    electra_tokenizer *t = NULL;
    electra_status st = electra_tokenizer_load(vocab ? vocab : model, NULL, &t);
    if (st != ELECTRA_OK)
        return cli_status_error(cmd, st, NULL);
    electra_encoding *e = NULL;
    if ((st = electra_encoding_create(&e)) != ELECTRA_OK) {
        electra_tokenizer_free(t);
        return cli_status_error(cmd, st, NULL);
    }
    int rc;
    if (jsonl) {
        rc = run_jsonl(t, e);
    } else {
        st = electra_tokenizer_encode(t, text, strlen(text), pair, pair ? strlen(pair) : 0, NULL, e);
        if (st != ELECTRA_OK)
            rc = cli_status_error(cmd, st, electra_encoding_last_error(e));
        else if (json)
            rc = cli_print_json(encoding_json(t, e, 1));
        else {
            print_tokens(t, e, text, pair);
            rc = CLI_OK;
        }
    }
    electra_encoding_free(e);
    electra_tokenizer_free(t);
    return rc;
}

const struct cli_command cli_cmd_tokenize = {"tokenize", "text to word pieces and ids", run};
