/* gemm.c - what the matrix kernels share: the float panel packing and the
 * split of a product into tasks. */
#include <config.h>

#include "gemm.h"

#include <stdint.h>

size_t el_gemm_panels_bytes(size_t k, size_t n, size_t nr)
{
    const size_t panels = n / nr + (n % nr != 0);
    if (k && panels > SIZE_MAX / sizeof(float) / nr / k)
        return 0;
    return panels * nr * k * sizeof(float);
}

void el_gemm_pack_panels(const float *w, size_t k, size_t n, size_t nr, float *panels)
{
    const size_t n_panels = n / nr + (n % nr != 0);
    for (size_t p = 0; p < n_panels; p++) {
        float *dst = panels + p * k * nr;
        for (size_t j = 0; j < nr; j++) {
            const size_t row = p * nr + j;
            for (size_t i = 0; i < k; i++)
                dst[i * nr + j] = row < n ? w[row * k + i] : 0.0f;
        }
    }
}

/* Tasks wanted per thread. */
#define TASKS_PER_THREAD 8

static size_t ceil_div(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

el_gemm_plan el_gemm_plan_tasks(size_t m, size_t n, size_t k, size_t mr, size_t nr,
                                size_t panel_bytes_per_k, size_t panel_budget,
                                size_t max_task_tiles, double min_task_flops, int threads)
{
    el_gemm_plan p = {.tiles = ceil_div(m, mr), .panels = ceil_div(n, nr)};
    const size_t panel_bytes = max_size(k, 1) * panel_bytes_per_k;
    p.col_groups = ceil_div(p.panels, max_size(panel_budget / panel_bytes, 1));
    p.row_groups = ceil_div(p.tiles, max_task_tiles);

    /* Split across n first: the weights are the big operand, and each
     * thread should stream its own part of them. */
    const double flops = 2.0 * (double)m * (double)n * (double)max_size(k, 1);
    size_t want = threads > 1 ? TASKS_PER_THREAD * (size_t)threads : 1;
    if ((double)want * min_task_flops > flops)
        want = max_size((size_t)(flops / min_task_flops), 1);
    if (p.col_groups * p.row_groups < want)
        p.col_groups = max_size(p.col_groups, min_size(p.panels, ceil_div(want, p.row_groups)));
    if (p.col_groups * p.row_groups < want)
        p.row_groups = max_size(p.row_groups, min_size(p.tiles, ceil_div(want, p.col_groups)));
    return p;
}
