/* model_info.c - what a loaded model can tell about itself. */
#include "model.h"
#include "tensor_set.h"

ELECTRA_API int64_t electra_model_info(const electra_model *model, int key)
{
    if (!model)
        return -1;
    const el_config *c = &model->cfg;
    switch (key) {
    case ELECTRA_INFO_HEAD: return c->head;
    case ELECTRA_INFO_VOCAB_SIZE: return c->vocab_size;
    case ELECTRA_INFO_EMBEDDING_SIZE: return c->embedding_size;
    case ELECTRA_INFO_HIDDEN_SIZE: return c->hidden_size;
    case ELECTRA_INFO_NUM_LAYERS: return c->num_layers;
    case ELECTRA_INFO_NUM_HEADS: return c->num_heads;
    case ELECTRA_INFO_INTERMEDIATE_SIZE: return c->intermediate_size;
    case ELECTRA_INFO_MAX_POSITIONS: return c->max_positions;
    case ELECTRA_INFO_TYPE_VOCAB_SIZE: return c->type_vocab_size;
    case ELECTRA_INFO_NUM_LABELS: return c->num_labels;
    case ELECTRA_INFO_NUM_PARAMETERS: return model->num_parameters;
    default: return -1;
    }
}

ELECTRA_API const char *electra_model_info_string(const electra_model *model, int key)
{
    if (!model)
        return NULL;
    switch (key) {
    case ELECTRA_INFO_ARCHITECTURE: return el_head_architecture(model->cfg.head);
    case ELECTRA_INFO_HIDDEN_ACT: return model->cfg.hidden_act_name;
    case ELECTRA_INFO_WEIGHT_FORMAT: return el_tensor_set_format(model->weights);
    case ELECTRA_INFO_WEIGHT_DTYPE: return model->weight_dtype;
    case ELECTRA_INFO_PROBLEM_TYPE: return model->cfg.problem_type;
    default: return NULL;
    }
}

ELECTRA_API const char *electra_model_label(const electra_model *model, size_t index)
{
    if (!model || index >= (size_t)model->cfg.num_labels)
        return NULL;
    return model->cfg.labels[index];
}

ELECTRA_API const electra_tokenizer *electra_model_tokenizer(const electra_model *model)
{
    return model ? model->tokenizer : NULL;
}
