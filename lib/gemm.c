/* gemm.c - what the matrix kernels share: the float panel packing, the
 * split of a product into tasks, and the blocked loops that run a float
 * micro-kernel over them. */
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
                                size_t max_task_tiles, double min_task_flops, int threads,
                                int rows_first)
{
    el_gemm_plan p = {.tiles = ceil_div(m, mr), .panels = ceil_div(n, nr)};
    const size_t panel_bytes = max_size(k, 1) * panel_bytes_per_k;
    p.col_groups = ceil_div(p.panels, max_size(panel_budget / panel_bytes, 1));
    p.row_groups = ceil_div(p.tiles, max_task_tiles);

    const double flops = 2.0 * (double)m * (double)n * (double)max_size(k, 1);
    size_t want = threads > 1 ? TASKS_PER_THREAD * (size_t)threads : 1;
    if ((double)want * min_task_flops > flops)
        want = max_size((size_t)(flops / min_task_flops), 1);
    const int column_pass = rows_first ? 1 : 0;
    for (int pass = 0; pass < 2 && p.col_groups * p.row_groups < want; pass++) {
        if (pass == column_pass)
            p.col_groups =
                max_size(p.col_groups, min_size(p.panels, ceil_div(want, p.row_groups)));
        else
            p.row_groups =
                max_size(p.row_groups, min_size(p.tiles, ceil_div(want, p.col_groups)));
    }
    return p;
}

el_gemm_task el_gemm_task_of(const el_gemm_plan *p, size_t task)
{
    const size_t rg = task % p->row_groups, cg = task / p->row_groups;
    return (el_gemm_task){el_gemm_part_start(rg, p->tiles, p->row_groups),
                          el_gemm_part_start(rg + 1, p->tiles, p->row_groups),
                          el_gemm_part_start(cg, p->panels, p->col_groups),
                          el_gemm_part_start(cg + 1, p->panels, p->col_groups)};
}

/* The float kernels' blocking. When k <= KC_MAX a task runs its row
 * tiles outside and its panels inside, so one tile's rows of x (12 x 384
 * floats: 18 KiB) stay in L1 across the panels. For larger k (the FFN
 * output, k = 1024) the order flips: panels outside, k cut into blocks of
 * <= KC, row tiles inside, so one KC x 32 slice of weights (32 KiB) stays
 * in L1 across the rows, while partial sums wait in a stack buffer (not in
 * y, which may alias the residual). Every element of y is still one
 * multiply-add chain over k in order (the blocks only park it in memory),
 * then bias, activation, residual: its bits depend on nothing but the
 * shape, so not on the split into tasks or the thread count. */
#define KC 256
#define KC_MAX 384
/* Bytes of packed weights one task keeps in L2 (of 2 MiB, shared with
 * the rows of x and y). */
#define L2_PANEL_BUDGET (512 * 1024)
/* The least work worth a task: about 6 us. */
#define MIN_TASK_FLOPS 1e6
/* Row tiles per task in the k-blocked order: bounds the partial sums on
 * the stack and the rows of x that must stay in L2 (12 KiB per 12-row tile
 * per 256 of k). */
#define MAX_TASK_TILES 16

typedef struct float_task {
    const el_gemm_float_kernel *fk;
    const el_gemm_args *g;
    el_gemm_plan plan;
    size_t kc; /* k block; >= k: unblocked */
} float_task;

static void run_float_task(void *arg, size_t task)
{
    const float_task *ft = arg;
    const el_gemm_float_kernel *fk = ft->fk;
    const el_gemm_args *g = ft->g;
    const el_gemm_plan *p = &ft->plan;
    const size_t k = g->k, nr = fk->nr;
    const float *panels = g->packed;
    const el_gemm_task tk = el_gemm_task_of(p, task);
    const size_t t0 = tk.t0, t1 = tk.t1, p0 = tk.p0, p1 = tk.p1;
    float acc[EL_GEMM_MAX_MR * EL_GEMM_MAX_NR] __attribute__((aligned(64)));

    /* The first row tile of a task streams its weights from L3 or memory;
     * it prefetches the slice that follows the one it reads, when that
     * lies in the task (which ends here). */
    const float *end = panels + p1 * k * nr;
    if (ft->kc >= k) {
        for (size_t t = t0; t < t1; t++) {
            const size_t r0 = el_gemm_part_start(t, g->m, p->tiles);
            const size_t rows = el_gemm_part_start(t + 1, g->m, p->tiles) - r0;
            const float *a = g->x + r0 * k;
            for (size_t q = p0; q < p1; q++) {
                const float *b = panels + q * k * nr;
                const int prefetch = t == t0 && b + 2 * k * nr <= end;
                fk->tiles[rows](k, a, k, b, NULL, acc, prefetch ? b + k * nr : NULL);
                fk->epilogue(g, acc, r0, rows, q * nr);
            }
        }
        return;
    }

    float partial[MAX_TASK_TILES * EL_GEMM_MAX_MR * EL_GEMM_MAX_NR] __attribute__((aligned(64)));
    for (size_t q = p0; q < p1; q++) {
        const float *panel = panels + q * k * nr;
        for (size_t k0 = 0; k0 < k; k0 += ft->kc) {
            const size_t kc = k - k0 < ft->kc ? k - k0 : ft->kc;
            const int last = k0 + kc == k;
            const float *b = panel + k0 * nr;
            for (size_t t = t0; t < t1; t++) {
                const size_t r0 = el_gemm_part_start(t, g->m, p->tiles);
                const size_t rows = el_gemm_part_start(t + 1, g->m, p->tiles) - r0;
                float *part = partial + (t - t0) * fk->mr * nr;
                const int prefetch = t == t0 && b + 2 * kc * nr <= end;
                fk->tiles[rows](kc, g->x + r0 * k + k0, k, b, k0 ? part : NULL,
                                last ? acc : part, prefetch ? b + kc * nr : NULL);
                if (last)
                    fk->epilogue(g, acc, r0, rows, q * nr);
            }
        }
    }
}

void el_gemm_float_forward(const el_gemm_float_kernel *fk, const el_gemm_args *g,
                           el_threadpool *pool)
{
    if (g->m == 0 || g->n == 0)
        return;
    float_task ft = {.fk = fk, .g = g};
    /* The k blocks fix the rounding, so they depend on k alone. */
    const size_t blocks = g->k <= KC_MAX ? 1 : ceil_div(g->k, KC);
    ft.kc = ceil_div(g->k, blocks);
    ft.plan = el_gemm_plan_tasks(g->m, g->n, g->k, fk->mr, fk->nr, fk->nr * sizeof(float),
                                 L2_PANEL_BUDGET, blocks > 1 ? MAX_TASK_TILES : g->m,
                                 MIN_TASK_FLOPS, el_threadpool_size(pool), 0);
    el_parallel_for(pool, ft.plan.row_groups * ft.plan.col_groups, run_float_task, &ft);
}

typedef struct converted_task {
    const el_gemm_converted_kernel *ck;
    const el_gemm_args *g;
    el_gemm_plan plan;
} converted_task;

static void run_converted_task(void *arg, size_t task)
{
    const converted_task *ct = arg;
    const el_gemm_converted_kernel *ck = ct->ck;
    const el_gemm_args *g = ct->g;
    const size_t bytes = ck->panel_bytes(g->k);
    const unsigned char *panels = g->packed;
    const el_gemm_task tk = el_gemm_task_of(&ct->plan, task);
    unsigned char rows_buf[EL_GEMM_CONVERTED_BYTES] __attribute__((aligned(64)));
    float acc[EL_GEMM_MAX_MR * EL_GEMM_MAX_NR] __attribute__((aligned(64)));

    for (size_t t = tk.t0; t < tk.t1; t++) {
        const size_t r0 = el_gemm_part_start(t, g->m, ct->plan.tiles);
        const size_t rows = el_gemm_part_start(t + 1, g->m, ct->plan.tiles) - r0;
        ck->convert(g->x + r0 * g->k, rows, g->k, rows_buf);
        for (size_t q = tk.p0; q < tk.p1; q++) {
            const unsigned char *panel = panels + q * bytes;
            /* the first row tile streams the weights: it prefetches the
             * next panel of the task */
            const int prefetch = t == tk.t0 && q + 1 < tk.p1;
            ck->tiles[rows](g->k, rows_buf, panel, acc, prefetch ? panel + bytes : NULL);
            ck->epilogue(g, acc, r0, rows, q * EL_GEMM_MAX_NR);
        }
    }
}

void el_gemm_converted_forward(const el_gemm_converted_kernel *ck, const el_gemm_args *g,
                               el_threadpool *pool)
{
    if (g->m == 0 || g->n == 0)
        return;
    converted_task ct = {.ck = ck, .g = g};
    /* planned in steps of k, which is what the panels hold */
    const size_t steps = ceil_div(g->k, ck->k_per_step);
    ct.plan = el_gemm_plan_tasks(g->m, g->n, steps, EL_GEMM_MAX_MR, EL_GEMM_MAX_NR,
                                 ck->panel_bytes(g->k) / max_size(steps, 1), L2_PANEL_BUDGET,
                                 g->m, ck->min_task_flops, el_threadpool_size(pool), 1);
    el_parallel_for(pool, ct.plan.row_groups * ct.plan.col_groups, run_converted_task, &ct);
}
