/* lr_schedule.c - warm-up + linear decay and layer-wise decay factors. */
#include "lr_schedule.h"

#include <math.h>

double el_lr_warmup_linear(long step, long warmup, long total)
{
    if (step < warmup)
        return (double)step / (double)warmup;
    if (total <= 0)
        return 1.0;
    if (step >= total)
        return 0.0;
    return (double)(total - step) / (double)(total - warmup);
}

double el_lr_layer_scale(int depth, int num_layers, double decay)
{
    return pow(decay, (double)(num_layers + 2 - depth));
}
