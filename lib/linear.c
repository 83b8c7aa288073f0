/* linear.c - nn.Linear with fused epilogues: the CBLAS reference, the
 * choice and packing of a fast kernel, and the scalar activations. */
#include <config.h>

#include "linear.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"
#include "cpu.h"
#include "error.h"
#include "gemm.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int num_threads);
#endif

/* What el_linear.packed points to. */
typedef struct packed_weights {
    const el_gemm_kernel *kernel;
    void *data;
    int in_arena; /* data belongs to an el_linear_arena */
} packed_weights;

/* Huge pages are 2 MiB on x86-64; the arena's space starts at such a
 * boundary so that all of it can be backed by them. */
#define HUGE_PAGE ((size_t)2 << 20)
#define PACK_ALIGN 64

/* The reference path splits y into blocks this size, fixed so that
 * results do not depend on the thread count. The product goes straight
 * into y, except when y holds the residual: then it goes through a stack
 * buffer, TMP_ROWS rows at a time. */
#define REF_ROWS 128
#define REF_COLS 256
#define TMP_ROWS 32

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

/* Our pool does the threading; OpenBLAS's own threads would compete with
 * it for the same cores. (The setting is process-wide.) */
static void blas_single_threaded(void)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    openblas_set_num_threads(1);
#endif
}

/* The fastest kernel for this CPU that computes at least as exactly as
 * asked; NULL for the CBLAS reference. */
static const el_gemm_kernel *fast_kernel(int precision, size_t in, size_t out)
{
#ifdef EL_GEMM_X86
    const el_cpu_path path = el_cpu_best_path();
    if (precision == ELECTRA_PRECISION_BF16 && path >= EL_CPU_AMX &&
        el_gemm_amx_bf16.packed_bytes(in, out) && el_cpu_request_amx())
        return &el_gemm_amx_bf16;
    if (precision == ELECTRA_PRECISION_BF16 && path >= EL_CPU_AVX512 &&
        el_cpu_features_get()->avx512_bf16 && el_gemm_avx512_bf16.packed_bytes(in, out))
        return &el_gemm_avx512_bf16;
    if (precision == ELECTRA_PRECISION_INT8 && path >= EL_CPU_AVX512 &&
        el_cpu_features_get()->avx512_vnni && el_gemm_avx512_int8.packed_bytes(in, out))
        return &el_gemm_avx512_int8;
    if (path >= EL_CPU_AVX512)
        return &el_gemm_avx512;
    if (path >= EL_CPU_AVX2)
        return &el_gemm_avx2;
#else
    (void)precision, (void)in, (void)out;
#endif
    return NULL;
}

electra_status el_linear_arena_reserve(el_linear_arena *a, size_t bytes)
{
    if (bytes > SIZE_MAX - HUGE_PAGE)
        return el_fail(ELECTRA_ERR_NOMEM, "linear: %zu bytes of packed weights", bytes);
    unsigned char *block = el_malloc_aligned(bytes + HUGE_PAGE);
    if (!block)
        return el_nomem("reserving memory for packed weights");
    const uintptr_t start = ((uintptr_t)block + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    unsigned char *first = (unsigned char *)start;
    *a = (el_linear_arena){block, first, first, first + bytes};
    return ELECTRA_OK;
}

void el_linear_arena_filled(el_linear_arena *a)
{
#ifdef MADV_HUGEPAGE
    const size_t used = a->block ? (size_t)(a->next - a->start) : 0;
    /* Advice only: where it is refused, small pages do the same job. */
    if (used >= HUGE_PAGE)
        (void)madvise(a->start, used & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#else
    (void)a;
#endif
}

void el_linear_arena_free(el_linear_arena *a)
{
    if (!a)
        return;
    el_free_aligned(a->block);
    *a = (el_linear_arena){NULL, NULL, NULL, NULL};
}

size_t el_linear_packed_bound(size_t in, size_t out)
{
    /* Panels of up to 64 columns, k steps of up to 32, 4 bytes an
     * element, and the alignment of the next piece. */
    const size_t rows = out + 63, cols = in + 31;
    if (out > SIZE_MAX - 63 || in > SIZE_MAX - 31 || (cols && rows > SIZE_MAX / 4 / cols) ||
        rows * cols * 4 > SIZE_MAX - PACK_ALIGN)
        return 0;
    return rows * cols * 4 + PACK_ALIGN;
}

/* `bytes` of the arena, or NULL when it has no room. */
static void *arena_take(el_linear_arena *a, size_t bytes)
{
    if (!a || !a->block || bytes > (size_t)(a->end - a->next))
        return NULL;
    void *p = a->next;
    const size_t step = (bytes + PACK_ALIGN - 1) & ~(size_t)(PACK_ALIGN - 1);
    a->next += step < (size_t)(a->end - a->next) ? step : (size_t)(a->end - a->next);
    return p;
}

electra_status el_linear_init(el_linear *l, const float *weight, const float *bias, size_t in,
                              size_t out, int kernels)
{
    return el_linear_init_arena(l, weight, bias, in, out, kernels, ELECTRA_PRECISION_F32, NULL);
}

electra_status el_linear_init_precision(el_linear *l, const float *weight, const float *bias,
                                        size_t in, size_t out, int kernels, int precision)
{
    return el_linear_init_arena(l, weight, bias, in, out, kernels, precision, NULL);
}

electra_status el_linear_init_arena(el_linear *l, const float *weight, const float *bias,
                                    size_t in, size_t out, int kernels, int precision,
                                    el_linear_arena *arena)
{
    if (!l)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "linear: no struct to initialise");
    if (kernels != ELECTRA_KERNELS_AUTO && kernels != ELECTRA_KERNELS_REFERENCE)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "linear: unknown kernels value %d",
                       kernels);
    if (precision != ELECTRA_PRECISION_F32 && precision != ELECTRA_PRECISION_BF16 &&
        precision != ELECTRA_PRECISION_INT8)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "linear: unknown precision %d",
                       precision);
    if (in && out > SIZE_MAX / sizeof(float) / in)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "linear: %zu x %zu weight is too large",
                       out, in);
    if (in > INT_MAX || out > INT_MAX)
        return el_fail(ELECTRA_ERR_UNSUPPORTED,
                       "linear: %zu x %zu weight exceeds the int sizes of CBLAS", out, in);
    if (!weight && in && out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "linear: no weight for %zu x %zu", out,
                       in);
    pthread_once(&blas_once, blas_single_threaded);

    packed_weights *packed = NULL;
    const el_gemm_kernel *kernel =
        kernels == ELECTRA_KERNELS_AUTO ? fast_kernel(precision, in, out) : NULL;
    if (kernel) {
        const size_t bytes = kernel->packed_bytes(in, out);
        if (!bytes && in && out)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "linear: %zu x %zu weight is too large to pack", out, in);
        packed = el_malloc(sizeof *packed);
        /* never empty, so that kernels never offset a NULL pointer */
        void *data = packed ? arena_take(arena, bytes ? bytes : 64) : NULL;
        const int in_arena = data != NULL;
        if (!data)
            data = el_malloc_aligned(bytes ? bytes : 64);
        if (!packed || !data) {
            el_free(packed);
            if (!in_arena)
                el_free_aligned(data);
            return el_nomem("packing linear weights");
        }
        kernel->pack(weight, in, out, data);
        *packed = (packed_weights){kernel, data, in_arena};
    }
    *l = (el_linear){.weight = weight,
                     .bias = bias,
                     .in = in,
                     .out = out,
                     .kernels = kernels,
                     .packed = packed};
    return ELECTRA_OK;
}

void el_linear_release(el_linear *l)
{
    if (!l || !l->packed)
        return;
    packed_weights *packed = l->packed;
    if (!packed->in_arena)
        el_free_aligned(packed->data);
    el_free(packed);
    l->packed = NULL;
}

int el_linear_is_packed(const el_linear *l)
{
    return l->packed != NULL;
}

const char *el_linear_kernel_name(const el_linear *l)
{
    const packed_weights *packed = l->packed;
    return packed ? packed->kernel->name : "reference";
}

typedef struct reference_job {
    const el_linear *l;
    const float *x;
    size_t m;
    float *y;
    el_activation act;
    const float *residual;
    size_t col_blocks;
} reference_job;

/* y[r0.., c0..] (rows x cols) = act(x W^T + b) (+ residual). */
static void reference_rows(const reference_job *job, size_t r0, size_t rows, size_t c0,
                           size_t cols, float *dst, size_t ld)
{
    const el_linear *l = job->l;
    /* One row at a time: a BLAS GEMM may compute a row differently by its
     * place in the product (OpenBLAS's edge kernels do), which would make
     * a row's bits depend on the rows around it. */
    for (size_t r = 0; r < rows; r++) {
        if (l->in)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)cols, (int)l->in, 1.0f,
                        l->weight + c0 * l->in, (int)l->in, job->x + (r0 + r) * l->in, 1, 0.0f,
                        dst + r * ld, 1);
        else
            for (size_t c = 0; c < cols; c++)
                dst[r * ld + c] = 0.0f;
    }
    for (size_t r = 0; r < rows; r++) {
        float *t = dst + r * ld;
        if (l->bias)
            for (size_t c = 0; c < cols; c++)
                t[c] += l->bias[c0 + c];
        el_activation_apply(job->act, t, cols);
        float *y = job->y + (r0 + r) * l->out + c0;
        if (job->residual) {
            const float *res = job->residual + (r0 + r) * l->out + c0;
            for (size_t c = 0; c < cols; c++)
                y[c] = t[c] + res[c];
        } else if (t != y) {
            memcpy(y, t, cols * sizeof *y);
        }
    }
}

static void reference_block(void *arg, size_t block)
{
    const reference_job *job = arg;
    const size_t out = job->l->out;
    const size_t r0 = block / job->col_blocks * REF_ROWS;
    const size_t c0 = block % job->col_blocks * REF_COLS;
    const size_t rows = job->m - r0 < REF_ROWS ? job->m - r0 : REF_ROWS;
    const size_t cols = out - c0 < REF_COLS ? out - c0 : REF_COLS;
    if (job->residual != job->y) {
        reference_rows(job, r0, rows, c0, cols, job->y + r0 * out + c0, out);
        return;
    }
    float tmp[TMP_ROWS * REF_COLS];
    for (size_t r = 0; r < rows; r += TMP_ROWS)
        reference_rows(job, r0 + r, rows - r < TMP_ROWS ? rows - r : TMP_ROWS, c0, cols, tmp,
                       cols);
}

void el_linear_forward(const el_linear *l, const float *x, size_t m, float *y,
                       el_activation act, const float *residual, el_threadpool *pool)
{
    if (m == 0 || l->out == 0)
        return;
    if (l->packed) {
        const packed_weights *packed = l->packed;
        const el_gemm_args args = {.x = x,
                                   .packed = packed->data,
                                   .bias = l->bias,
                                   .residual = residual,
                                   .y = y,
                                   .m = m,
                                   .k = l->in,
                                   .n = l->out,
                                   .act = act};
        packed->kernel->forward(&args, pool);
        return;
    }
    reference_job job = {l, x, m, y, act, residual, (l->out + REF_COLS - 1) / REF_COLS};
    el_parallel_for(pool, (m + REF_ROWS - 1) / REF_ROWS * job.col_blocks, reference_block,
                    &job);
}

static float sigmoidf(float v)
{
    return 1.0f / (1.0f + expf(-v));
}

/* The formulas of PyTorch / Hugging Face, in float as they compute them. */
void el_activation_apply(el_activation act, float *x, size_t n)
{
    switch (act) {
    case EL_ACT_GELU:
        for (size_t i = 0; i < n; i++)
            x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * (float)M_SQRT1_2));
        break;
    case EL_ACT_GELU_TANH: /* torch gelu(approximate="tanh"), HF gelu_new */
        for (size_t i = 0; i < n; i++) {
            const float v = x[i];
            x[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
        }
        break;
    case EL_ACT_GELU_FAST:
        for (size_t i = 0; i < n; i++) {
            const float v = x[i];
            x[i] = 0.5f * v * (1.0f + tanhf(v * 0.7978845608f * (1.0f + 0.044715f * v * v)));
        }
        break;
    case EL_ACT_QUICK_GELU:
        for (size_t i = 0; i < n; i++)
            x[i] = x[i] * sigmoidf(1.702f * x[i]);
        break;
    case EL_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            x[i] = x[i] < 0.0f ? 0.0f : x[i]; /* NaN passes, as in torch.relu */
        break;
    case EL_ACT_SILU:
        for (size_t i = 0; i < n; i++)
            x[i] = x[i] * sigmoidf(x[i]);
        break;
    case EL_ACT_NONE:
    default:
        break;
    }
}
