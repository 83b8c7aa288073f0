/* train_loss.c - cross-entropy, binary cross-entropy with logits, MSE. */
/* The build's config.h (ELECTRA_FAST_KERNELS), not lib/config.h. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "train_loss.h"

#include <math.h>

#include "train_math.h"

EL_VECTOR_CLONES static float row_max(const float *z, size_t n, size_t stride)
{
    float mx = -INFINITY;
    for (size_t c = 0; c < n; c++)
        mx = z[c * stride] > mx ? z[c * stride] : mx;
    return mx;
}

/* dz = exp(z - mx); returns the sum, in eight double lanes added in a
 * fixed order (vectorisable, and the same on every CPU). */
EL_VECTOR_CLONES static double exp_shifted(const float *z, float *dz, size_t n, size_t stride,
                                           float mx)
{
    for (size_t c = 0; c < n; c++)
        dz[c * stride] = el_expf(z[c * stride] - mx);
    double lane[8] = {0};
    size_t c = 0;
    for (; c + 8 <= n; c += 8)
        for (int k = 0; k < 8; k++)
            lane[k] += dz[(c + (size_t)k) * stride];
    for (; c < n; c++)
        lane[0] += dz[c * stride];
    return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

EL_VECTOR_CLONES static void scale_row(float *x, size_t n, size_t stride, float f)
{
    for (size_t c = 0; c < n; c++)
        x[c * stride] *= f;
}

double el_cross_entropy(const float *logits, size_t rows, size_t classes, size_t row_stride,
                        size_t class_stride, const int32_t *labels, int32_t ignore_index,
                        float weight, float *dlogits, size_t *counted)
{
    size_t n = 0;
    for (size_t r = 0; r < rows; r++)
        n += labels[r] != ignore_index;
    if (counted)
        *counted = n;
    double total = 0;
    float scale = n ? (float)((double)weight / (double)n) : 0.0f;
    for (size_t r = 0; r < rows; r++) {
        const float *z = logits + r * row_stride;
        float *dz = dlogits + r * row_stride;
        if (labels[r] == ignore_index) {
            for (size_t c = 0; c < classes; c++)
                dz[c * class_stride] = 0.0f;
            continue;
        }
        /* Softmax around the maximum: exp(z - max) goes into dz first,
         * then becomes the gradient scale * (p - onehot). */
        float mx = class_stride == 1 ? el_max(z, classes) : row_max(z, classes, class_stride);
        double sum = exp_shifted(z, dz, classes, class_stride, mx);
        total += (double)mx + log(sum) - z[(size_t)labels[r] * class_stride];
        scale_row(dz, classes, class_stride, (float)(scale / sum));
        dz[(size_t)labels[r] * class_stride] -= scale;
    }
    return n ? total / (double)n : 0.0;
}

double el_bce_with_logits(const float *logits, const float *targets, const int32_t *mask,
                          size_t n, float weight, float *dlogits, size_t *counted)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += !mask || mask[i];
    if (counted)
        *counted = count;
    double total = 0, scale = count ? (double)weight / (double)count : 0.0;
    for (size_t i = 0; i < n; i++) {
        if (mask && !mask[i]) {
            dlogits[i] = 0.0f;
            continue;
        }
        double z = logits[i], y = targets[i];
        total += (z > 0 ? z : 0) - z * y + log1p(exp(-fabs(z)));
        double sig = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
        dlogits[i] = (float)(scale * (sig - y));
    }
    return count ? total / (double)count : 0.0;
}

double el_mse(const float *pred, const float *targets, size_t n, float weight, float *dpred)
{
    double total = 0, scale = n ? 2.0 * weight / (double)n : 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)pred[i] - targets[i];
        total += d * d;
        dpred[i] = (float)(scale * d);
    }
    return n ? total / (double)n : 0.0;
}
