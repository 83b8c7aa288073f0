/* cmd_info.c - `electra info`: what a model directory holds. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "model_args.h"

static const struct {
    const char *name;
    int key;
} int_facts[] = {
    {"vocab_size", ELECTRA_INFO_VOCAB_SIZE},
    {"embedding_size", ELECTRA_INFO_EMBEDDING_SIZE},
    {"hidden_size", ELECTRA_INFO_HIDDEN_SIZE},
    {"num_hidden_layers", ELECTRA_INFO_NUM_LAYERS},
    {"num_attention_heads", ELECTRA_INFO_NUM_HEADS},
    {"intermediate_size", ELECTRA_INFO_INTERMEDIATE_SIZE},
    {"max_position_embeddings", ELECTRA_INFO_MAX_POSITIONS},
    {"type_vocab_size", ELECTRA_INFO_TYPE_VOCAB_SIZE},
    {"num_labels", ELECTRA_INFO_NUM_LABELS},
    {"parameters", ELECTRA_INFO_NUM_PARAMETERS},
};

static const struct {
    const char *name;
    int key;
} string_facts[] = {
    {"architecture", ELECTRA_INFO_ARCHITECTURE},
    {"hidden_act", ELECTRA_INFO_HIDDEN_ACT},
    {"weight_format", ELECTRA_INFO_WEIGHT_FORMAT},
    {"weight_dtype", ELECTRA_INFO_WEIGHT_DTYPE},
    {"problem_type", ELECTRA_INFO_PROBLEM_TYPE},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int has_labels(const electra_model *m)
{
    int head = (int)electra_model_info(m, ELECTRA_INFO_HEAD);
    return head == ELECTRA_HEAD_SEQUENCE_CLASSIFICATION ||
           head == ELECTRA_HEAD_TOKEN_CLASSIFICATION;
}

static int print_json(const electra_model *m)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < N_OF(string_facts); i++)
        cJSON_AddStringToObject(o, string_facts[i].name,
                                electra_model_info_string(m, string_facts[i].key));
    for (size_t i = 0; i < N_OF(int_facts); i++)
        cJSON_AddNumberToObject(o, int_facts[i].name,
                                (double)electra_model_info(m, int_facts[i].key));
    const electra_tokenizer *tok = electra_model_tokenizer(m);
    if (tok)
        cJSON_AddNumberToObject(o, "tokenizer_vocab_size",
                                (double)electra_tokenizer_vocab_size(tok));
    if (has_labels(m)) {
        cJSON *labels = cJSON_AddArrayToObject(o, "labels");
        for (size_t i = 0; electra_model_label(m, i); i++)
            cJSON_AddItemToArray(labels, cJSON_CreateString(electra_model_label(m, i)));
    }
    return cli_print_json(o);
}

static void print_human(const electra_model *m)
{
    for (size_t i = 0; i < N_OF(string_facts); i++) {
        const char *v = electra_model_info_string(m, string_facts[i].key);
        if (v && *v)
            printf("%-24s %s\n", string_facts[i].name, v);
    }
    for (size_t i = 0; i < N_OF(int_facts); i++)
        printf("%-24s %lld\n", int_facts[i].name,
               (long long)electra_model_info(m, int_facts[i].key));
    const electra_tokenizer *tok = electra_model_tokenizer(m);
    printf("%-24s %s\n", "tokenizer", tok ? "yes" : "none in the directory");
    if (has_labels(m)) {
        printf("%-24s", "labels");
        for (size_t i = 0; electra_model_label(m, i); i++)
            printf(" %s", electra_model_label(m, i));
        putchar('\n');
    }
}

static int run(int argc, char **argv)
{
    struct model_args a;
    int rc = model_args_init(&a, "info");
    if (rc)
        return rc;
    for (int i = 1; i < argc && !rc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: electra info --model DIR [--json]\n\n"
                   "Architecture, sizes, parameter count and weight format of a model.\n\n%s",
                   model_args_usage);
            model_args_free(&a);
            return CLI_OK;
        }
        int r = model_args_parse(&a, "info", argc, argv, &i);
        if (r < 0)
            rc = -r;
        else if (r == 0)
            rc = cli_error("info", CLI_USAGE, "unknown argument '%s'", argv[i]);
    }
    electra_model *m = NULL;
    if (!rc)
        rc = model_args_open(&a, "info", &m, NULL);
    if (!rc) {
        if (a.json)
            rc = print_json(m);
        else
            print_human(m);
    }
    electra_model_free(m);
    model_args_free(&a);
    return rc;
}

const struct cli_command cli_cmd_info = {"info", "describe a model directory", run};
