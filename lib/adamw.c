/* adamw.c - the AdamW update loop and the norm helpers. */
#include "adamw.h"

#include <math.h>

void el_adamw_update(float *p, const float *g, float *m, float *v, size_t n,
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
    }
}

double el_sum_squares(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

void el_scale(float *x, size_t n, float s)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
}
