/* adamw.h - torch.optim.AdamW's update (torch 1.13, single-tensor path)
 * and the gradient-norm helpers of clip_grad_norm_. */
#ifndef EL_ADAMW_H
#define EL_ADAMW_H

#include <stddef.h>

typedef struct el_adamw_hparams {
    double lr, weight_decay;
    double beta1, beta2, eps;
    long step; /* 1 for the first update */
} el_adamw_hparams;

/* One update of n parameters, in torch's order of float operations:
 *   p *= 1 - lr wd
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * (decoupled weight decay; eps added after the bias correction). The
 * gradient is zeroed as it is consumed (zero_grad in the same pass). */
void el_adamw_update(float *p, float *g, float *m, float *v, size_t n,
                     const el_adamw_hparams *h);

/* Sum of squares of n floats, accumulated in double. */
double el_sum_squares(const float *x, size_t n);
/* x *= s. */
void el_scale(float *x, size_t n, float s);

#endif
