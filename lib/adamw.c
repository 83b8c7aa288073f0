/* adamw.c - the AdamW update loop and the norm helpers. */
/* The build's config.h (ELECTRA_FAST_KERNELS), not lib/config.h. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "adamw.h"

#include "train_math.h"

#include <math.h>

EL_VECTOR_CLONES void el_adamw_update(float *p, float *g, float *m, float *v, size_t n,
                     const el_adamw_hparams *h)
{
    /* The scalars are computed in double as torch's Python code does,
     * then rounded once to float like torch's scalar arguments. */
    float decay = (float)(1.0 - h->lr * h->weight_decay);
    float b1 = (float)h->beta1, b2 = (float)h->beta2;
    float one_b1 = (float)(1.0 - h->beta1), one_b2 = (float)(1.0 - h->beta2);
    double bc1 = 1.0 - pow(h->beta1, (double)h->step);
    double bc2 = 1.0 - pow(h->beta2, (double)h->step);
    float neg_step_size = (float)(-h->lr / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    float eps = (float)h->eps;
    for (size_t i = 0; i < n; i++) {
        float pi = p[i] * decay;
        float mi = m[i] * b1 + g[i] * one_b1;
        float vi = v[i] * b2 + one_b2 * g[i] * g[i];
        float denom = sqrtf(vi) / bc2_sqrt + eps;
        p[i] = pi + neg_step_size * mi / denom; /* addcdiv's (value t1) / t2 */
        m[i] = mi;
        v[i] = vi;
        g[i] = 0.0f;
    }
}

/* Eight partial sums, added in a fixed order at the end: vectorisable
 * without reassociation, and the same result on every CPU. */
EL_VECTOR_CLONES double el_sum_squares(const float *x, size_t n)
{
    double lane[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            lane[k] += (double)x[i + (size_t)k] * x[i + (size_t)k];
    for (; i < n; i++)
        lane[0] += (double)x[i] * x[i];
    return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

EL_VECTOR_CLONES void el_scale(float *x, size_t n, float s)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
}
