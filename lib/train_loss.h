/* train_loss.h - the losses transformers' ELECTRA heads compute, each
 * returning its value and writing d(loss)/d(logits).
 *
 * Every function returns the mean the torch loss returns and writes
 * weight * d(mean)/d(logits) into dlogits at each entry of logits it
 * reads (zeros for ignored rows), so losses over disjoint entries of one
 * array (question answering's start and end halves) combine. When
 * nothing is counted (every label ignored) the loss is 0 with a zero
 * gradient, where torch would give NaN. Sums run in double. */
#ifndef EL_TRAIN_LOSS_H
#define EL_TRAIN_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* CrossEntropyLoss(ignore_index) over rows of class scores: row r's class
 * c is logits[r * row_stride + c * class_stride]. Rows whose label is
 * ignore_index are left out of the mean. Labels must be in [0, classes)
 * or ignore_index (the caller checks). */
double el_cross_entropy(const float *logits, size_t rows, size_t classes, size_t row_stride,
                        size_t class_stride, const int32_t *labels, int32_t ignore_index,
                        float weight, float *dlogits, size_t *counted);

/* BCEWithLogitsLoss: mean over the n elements whose mask is nonzero
 * (mask NULL: all) of max(z, 0) - z y + log(1 + exp(-|z|)). */
double el_bce_with_logits(const float *logits, const float *targets, const int32_t *mask,
                          size_t n, float weight, float *dlogits, size_t *counted);

/* MSELoss: mean of (z - y)^2 over n elements. */
double el_mse(const float *pred, const float *targets, size_t n, float weight, float *dpred);

#endif
