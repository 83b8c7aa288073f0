/* gemm.h - what linear.c hands the hand-written matrix kernels, and what
 * the kernels share.
 *
 * A kernel packs the weights at load time into the layout its inner loop
 * reads, and computes y = act(x W^T + b) (+ residual) over a thread pool.
 * The float kernels use panels of `nr` output columns: panel p holds, for
 * each k in 0..in-1, the nr weights W[p*nr + j][k] (j = 0..nr-1)
 * contiguously, zero past `out`, so a micro-kernel reads one aligned run
 * of nr floats per k. */
#ifndef EL_GEMM_H
#define EL_GEMM_H

#include <stddef.h>

#include "linear.h"
#include "threadpool.h"

typedef struct el_gemm_args {
    const float *x;        /* (m, k) */
    const void *packed;    /* W, as the kernel packed it */
    const float *bias;     /* (n) or NULL */
    const float *residual; /* (m, n) or NULL; may be y */
    float *y;              /* (m, n) */
    size_t m, k, n;
    el_activation act;
} el_gemm_args;

typedef struct el_gemm_kernel {
    const char *name;
    /* Bytes of the packed form of an (n, k) weight; 0 when that does not
     * fit in size_t or the kernel cannot take the shape. */
    size_t (*packed_bytes)(size_t k, size_t n);
    void (*pack)(const float *w, size_t k, size_t n, void *dst);
    void (*forward)(const el_gemm_args *args, el_threadpool *pool);
} el_gemm_kernel;

/* The float panel layout above. */
size_t el_gemm_panels_bytes(size_t k, size_t n, size_t nr);
void el_gemm_pack_panels(const float *w, size_t k, size_t n, size_t nr, float *panels);

/* How a product is cut into tasks for the pool: row tiles of at most mr
 * rows (sizes differ by at most one, so none is much thinner than mr),
 * column panels of nr, and tasks of row_groups x col_groups. */
typedef struct el_gemm_plan {
    size_t tiles, panels;
    size_t row_groups, col_groups;
} el_gemm_plan;

/* Tasks no bigger than panel_budget bytes of packed weights (and
 * max_task_tiles row tiles), and, with several threads, enough of them
 * that dynamic claiming evens the threads out, unless that makes them
 * smaller than min_task_flops (the work worth a task to this kernel).
 * The split goes across n first (each thread streams its own part of the
 * weights), or across m first with rows_first (for kernels whose tasks
 * convert their rows of x: another column group converts them again). */
el_gemm_plan el_gemm_plan_tasks(size_t m, size_t n, size_t k, size_t mr, size_t nr,
                                size_t panel_bytes_per_k, size_t panel_budget,
                                size_t max_task_tiles, double min_task_flops, int threads,
                                int rows_first);

/* The row tiles [t0, t1) and column panels [p0, p1) of task `task` of a
 * plan. Row groups vary fastest: tasks claimed one after another share a
 * block of weights. */
typedef struct el_gemm_task {
    size_t t0, t1, p0, p1;
} el_gemm_task;
el_gemm_task el_gemm_task_of(const el_gemm_plan *p, size_t task);

/* The float kernels: a register-blocked micro-kernel over the panel
 * layout computes tiles of up to mr rows x nr columns,
 *   c_out[rows][nr] = (c_in ? c_in : 0) + a[rows][0..kc) * b[0..kc)[nr]
 * (rows of a lda apart, of c nr apart, c 64-byte aligned), and, when
 * `next` is not NULL, prefetches the kc x nr weights there into L2 at the
 * pace it reads b. The epilogue then writes
 *   y[row0 .., col0 .. col0+nr) = act(acc + b) (+ residual), masked at n.
 * el_gemm_float_forward runs them over the pool (see gemm.c). */
#define EL_GEMM_MAX_MR 12
#define EL_GEMM_MAX_NR 32

typedef void (*el_gemm_tile_fn)(size_t kc, const float *a, size_t lda, const float *b,
                                const float *c_in, float *c_out, const float *next);

typedef struct el_gemm_float_kernel {
    size_t mr, nr;
    el_gemm_tile_fn tiles[EL_GEMM_MAX_MR + 1]; /* by rows, 1..mr */
    void (*epilogue)(const el_gemm_args *g, const float *acc, size_t row0, size_t rows,
                     size_t col0);
} el_gemm_float_kernel;

void el_gemm_float_forward(const el_gemm_float_kernel *fk, const el_gemm_args *g,
                           el_threadpool *pool);

/* The kernels that read x converted (bfloat16 pairs, 8-bit fours): a task
 * converts the rows of x of one row tile (EL_GEMM_MAX_MR rows at most)
 * into a stack buffer of EL_GEMM_CONVERTED_BYTES, once, then runs the
 * micro-kernel over its panels of EL_GEMM_MAX_NR columns:
 *   convert(x, rows, k, buf): `rows` rows of x (k apart) into the buffer;
 *   tiles[rows](k, buf, panel, acc, next): acc[rows][EL_GEMM_MAX_NR] (64-
 *     byte aligned) = those rows times one panel, in float32, prefetching
 *     the panel at `next` into L2 when it is not NULL;
 * then the epilogue as for the float kernels. Panel q starts at byte
 * q * panel_bytes(k) of the packed weights; in <= EL_GEMM_CONVERTED_K_MAX. */
#define EL_GEMM_CONVERTED_K_MAX 3072
#define EL_GEMM_CONVERTED_BYTES (EL_GEMM_MAX_MR * EL_GEMM_CONVERTED_K_MAX * 2 + 128)

typedef void (*el_gemm_converted_tile_fn)(size_t k, const void *rows,
                                          const unsigned char *panel, float *acc,
                                          const unsigned char *next);

typedef struct el_gemm_converted_kernel {
    size_t (*panel_bytes)(size_t k);
    size_t k_per_step; /* k that one step of a panel covers (2, 4) */
    double min_task_flops; /* the least work worth a task, in steps */
    void (*convert)(const float *x, size_t rows, size_t k, void *dst);
    el_gemm_converted_tile_fn tiles[EL_GEMM_MAX_MR + 1]; /* by rows, 1..mr */
    void (*epilogue)(const el_gemm_args *g, const float *acc, size_t row0, size_t rows,
                     size_t col0);
} el_gemm_converted_kernel;

void el_gemm_converted_forward(const el_gemm_converted_kernel *ck, const el_gemm_args *g,
                               el_threadpool *pool);

/* Part p of `count` items split into `parts`: it starts here. */
static inline size_t el_gemm_part_start(size_t p, size_t count, size_t parts)
{
    return p * count / parts;
}

/* The kernels are compiled (with per-function target options, so the
 * rest of the library stays portable) unless configure was given
 * --disable-fast-kernels; linear.c picks one at run time. */
#if defined(ELECTRA_FAST_KERNELS) && defined(__x86_64__) && defined(__GNUC__)
#define EL_GEMM_X86 1
extern const el_gemm_kernel el_gemm_avx512;
extern const el_gemm_kernel el_gemm_avx2;
extern const el_gemm_kernel el_gemm_amx_bf16;
extern const el_gemm_kernel el_gemm_avx512_bf16;
extern const el_gemm_kernel el_gemm_avx512_int8;

/* The micro-kernels' row-count specialisations: tile_R(kc, a, lda, b,
 * c_in, c_out, next) calls the file's inline tile() with R rows and the
 * prefetch of the next panel compiled in or out, so each is a fully
 * unrolled function. */
#define EL_GEMM_TILE(rows)                                                              \
    static void tile_##rows(size_t kc, const float *a, size_t lda, const float *b,      \
                            const float *c_in, float *c_out, const float *next)         \
    {                                                                                   \
        if (next)                                                                       \
            tile(rows, 1, kc, a, lda, b, c_in, c_out, next);                            \
        else                                                                            \
            tile(rows, 0, kc, a, lda, b, c_in, c_out, NULL);                            \
    }

/* A file's TILE(rows) instantiated for rows 1..12 (the AVX-512 kernels'
 * row tiles), and the table of the tile_1 .. tile_12 they define, by rows. */
#define EL_GEMM_FOR_12_ROWS(TILE)                                                            \
    TILE(1) TILE(2) TILE(3) TILE(4) TILE(5) TILE(6) TILE(7) TILE(8) TILE(9) TILE(10)        \
    TILE(11) TILE(12)
#define EL_GEMM_12_ROW_TILES                                                                 \
    {NULL,   tile_1, tile_2, tile_3,  tile_4,  tile_5, tile_6,                              \
     tile_7, tile_8, tile_9, tile_10, tile_11, tile_12}

/* Width of the float panels and of the accumulator rows below. */
#define EL_GEMM_AVX512_NR 32
/* The AVX-512 float micro-kernels (12 x 32 tiles), also used by the
 * attention kernel for Q K^T. */
extern const el_gemm_float_kernel el_gemm_avx512_float;
/* y[row0 .. row0+rows, col0 .. col0+32) = act(acc + b) (+ residual),
 * masked at n; acc holds `rows` rows of 32 floats, 64-byte aligned.
 * Compiled for AVX-512 (gemm_avx512.c). */
void el_gemm_epilogue_avx512(const el_gemm_args *g, const float *acc, size_t row0,
                             size_t rows, size_t col0);
#endif

#endif
