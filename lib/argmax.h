/* argmax.h - the index of a row's largest score, the first on ties (as
 * torch.argmax and numpy.argmax pick): class, tag and token predictions. */
#ifndef EL_ARGMAX_H
#define EL_ARGMAX_H

#include <stddef.h>

static inline size_t el_argmax(const float *x, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

#endif
