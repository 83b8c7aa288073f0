/* config.h - an ELECTRA config.json, with transformers' defaults. */
#ifndef EL_CONFIG_H
#define EL_CONFIG_H

#include <stddef.h>

#include "electra.h"
#include "linear.h"

/* Bounds that keep a hostile config from asking for absurd memory before
 * any tensor is read; real ELECTRA models are far below them. */
#define EL_MAX_LAYERS 256
#define EL_MAX_WIDTH 65536
#define EL_MAX_VOCAB 4000000
#define EL_MAX_POSITIONS 1048576
#define EL_MAX_LABELS 100000

typedef struct el_config {
    char architecture[64]; /* architectures[0], "" if absent */
    int head;              /* electra_head */
    int vocab_size;
    int embedding_size;
    int hidden_size;
    int num_layers;
    int num_heads;
    int intermediate_size;
    int max_positions;
    int type_vocab_size;
    int pad_token_id;
    double layer_norm_eps;
    char hidden_act_name[32];
    el_activation hidden_act;
    int num_labels;
    char **labels;          /* num_labels names (id2label, else LABEL_i) */
    char problem_type[48];  /* "" when absent */
} el_config;

/* Parse config.json text. Unknown fields are ignored, missing ones take
 * ElectraConfig's defaults; a field of the wrong type or an impossible
 * value is ELECTRA_ERR_CONFIG naming it. The head comes from
 * architectures[0] (ELECTRA_HEAD_NONE when absent: the loader may then
 * infer it from the weights). */
electra_status el_config_parse(const char *json, size_t length, el_config *out);
/* Read and parse dir/config.json. */
electra_status el_config_load(const char *dir, el_config *out);
void el_config_free(el_config *cfg);

/* "gelu" -> EL_ACT_GELU ...; -1 when unknown. */
int el_activation_from_name(const char *name);
/* Architecture name -> electra_head; -1 when not an ELECTRA head we run. */
int el_head_from_architecture(const char *name);
const char *el_head_architecture(int head);

#endif
