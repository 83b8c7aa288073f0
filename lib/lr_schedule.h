/* lr_schedule.h - learning-rate schedules for fine-tuning. */
#ifndef EL_LR_SCHEDULE_H
#define EL_LR_SCHEDULE_H

/* The factor transformers' get_linear_schedule_with_warmup gives update
 * number step (0 for the first): step / warmup during warm-up, then a
 * linear decay to 0 at total; total <= 0 means no decay (constant after
 * warm-up). */
double el_lr_warmup_linear(long step, long warmup, long total);

/* google-research/electra's layer-wise decay (_get_layer_lrs): a tensor
 * at depth d (0 embeddings, 1 + i encoder layer i, num_layers + 2 the
 * head) gets lr * decay^(num_layers + 2 - d). decay 1 switches it off. */
double el_lr_layer_scale(int depth, int num_layers, double decay);

#endif
