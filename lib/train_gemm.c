/* train_gemm.c - training's matrix products on the fast float kernels,
 * with CBLAS as the fallback. */
/* The build's config.h (ELECTRA_FAST_KERNELS), not lib/config.h. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "train_gemm.h"

#include <cblas.h>
#include <string.h>

#ifdef EL_GEMM_X86
#include <immintrin.h>
#endif

#include "alloc.h"
#include "cpu.h"
#include "error.h"

/* The best float kernel for this CPU (ELECTRA_CPU caps it), as
 * el_linear_init picks for inference. */
static const el_gemm_kernel *float_kernel(void)
{
#ifdef EL_GEMM_X86
    el_cpu_path path = el_cpu_best_path();
    if (path >= EL_CPU_AVX512)
        return &el_gemm_avx512;
    if (path >= EL_CPU_AVX2)
        return &el_gemm_avx2;
#endif
    return NULL;
}

electra_status el_train_gemm_create(el_threadpool *pool, int reference, el_train_gemm **out)
{
    el_train_gemm *g = el_calloc(1, sizeof *g);
    if (!g)
        return el_nomem("creating a training matrix context");
    g->pool = pool;
    g->kernel = reference ? NULL : float_kernel();
    /* A float kernel packs a 1 x 1 weight as one panel of nr floats. */
    if (g->kernel)
        g->nr = g->kernel->packed_bytes(1, 1) / sizeof(float);
    *out = g;
    return ELECTRA_OK;
}

void el_train_gemm_free(el_train_gemm *g)
{
    if (!g)
        return;
    el_free_aligned(g->packed);
    el_free_aligned(g->transposed);
    el_free(g);
}

const char *el_train_gemm_name(const el_train_gemm *g)
{
    return g && g->kernel ? g->kernel->name : "cblas";
}

/* Grow an aligned buffer to `bytes`; 0 on success (contents lost). */
static int reserve(void **buf, size_t *have, size_t bytes)
{
    if (bytes <= *have)
        return 0;
    void *p = el_malloc_aligned(bytes);
    if (!p)
        return -1;
    el_free_aligned(*buf);
    *buf = p;
    *have = bytes;
    return 0;
}

/* Whether the kernel can run a product whose packed operand is (n, k). */
static int kernel_ready(el_train_gemm *g, size_t k, size_t n)
{
    if (!g || !g->kernel || !k || !n)
        return 0;
    size_t bytes = g->kernel->packed_bytes(k, n);
    return bytes && !reserve(&g->packed, &g->packed_bytes, bytes);
}

/* Panels (gemm.h's layout) of the (n, k) matrix whose transpose is src,
 * row-major (k, n): each panel row is a run of src's row, so this is a
 * copy. */
static void pack_transposed(const float *src, size_t k, size_t n, size_t nr, float *panels)
{
    size_t n_panels = n / nr + (n % nr != 0);
    for (size_t p = 0; p < n_panels; p++) {
        float *dst = panels + p * k * nr;
        size_t c0 = p * nr, w = n - c0 < nr ? n - c0 : nr;
        for (size_t i = 0; i < k; i++) {
            const float *from = src + i * n + c0;
            float *to = dst + i * nr;
            for (size_t j = 0; j < w; j++)
                to[j] = from[j];
            for (size_t j = w; j < nr; j++)
                to[j] = 0.0f;
        }
    }
}

#ifdef EL_GEMM_X86
/* Rows and columns of the blocks a transpose works through. */
#define TILE 32

/* dst[c, r] = src[r, c] for rows [r0, r1) and columns [c0, c1) of src
 * (rows x cols) into dst (cols x rows). */
static void transpose_block(const float *src, size_t rows, size_t cols, size_t r0, size_t r1,
                            size_t c0, size_t c1, float *dst)
{
    for (size_t r = r0; r < r1; r++)
        for (size_t c = c0; c < c1; c++)
            dst[c * rows + r] = src[r * cols + c];
}

/* dst = src^T, 8 x 8 blocks in registers (the usual unpack / shuffle /
 * lane permute: 24 shuffles per 64 floats instead of 64 scattered
 * stores), TILE x TILE tiles at a time so that the cache lines read and
 * written are used whole while they are in L1. Every fast kernel's CPU
 * has AVX2. */
__attribute__((target("avx2"))) static void transpose(const float *src, size_t rows,
                                                     size_t cols, float *dst)
{
    size_t r8 = rows & ~(size_t)7, c8 = cols & ~(size_t)7;
    for (size_t rt = 0; rt < r8; rt += TILE)
        for (size_t ct = 0; ct < c8; ct += TILE) {
            size_t r_end = rt + TILE < r8 ? rt + TILE : r8, c_end = ct + TILE < c8 ? ct + TILE : c8;
            for (size_t r = rt; r < r_end; r += 8)
                for (size_t c = ct; c < c_end; c += 8) {
                    __m256 a[8], t[8];
                    for (int i = 0; i < 8; i++)
                        a[i] = _mm256_loadu_ps(src + (r + (size_t)i) * cols + c);
                    for (int i = 0; i < 8; i += 2) {
                        t[i] = _mm256_unpacklo_ps(a[i], a[i + 1]);
                        t[i + 1] = _mm256_unpackhi_ps(a[i], a[i + 1]);
                    }
                    for (int i = 0; i < 8; i += 4) {
                        a[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
                        a[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
                        a[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
                        a[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
                    }
                    for (int i = 0; i < 4; i++) {
                        t[i] = _mm256_permute2f128_ps(a[i], a[i + 4], 0x20);
                        t[i + 4] = _mm256_permute2f128_ps(a[i], a[i + 4], 0x31);
                    }
                    for (int i = 0; i < 8; i++)
                        _mm256_storeu_ps(dst + (c + (size_t)i) * rows + r, t[i]);
                }
        }
    transpose_block(src, rows, cols, 0, r8, c8, cols, dst);
    transpose_block(src, rows, cols, r8, rows, 0, cols, dst);
}
#endif

static void run(el_train_gemm *g, const float *x, size_t m, size_t k, size_t n, const float *b,
                const float *residual, float *y)
{
    el_gemm_args a = {.x = x, .packed = g->packed, .bias = b, .residual = residual, .y = y,
                      .m = m, .k = k, .n = n, .act = EL_ACT_NONE};
    g->kernel->forward(&a, g->pool);
}

void el_train_gemm_forward(el_train_gemm *g, const float *x, size_t m, size_t k,
                           const float *w, size_t n, const float *b, float *y)
{
    if (kernel_ready(g, k, n)) {
        g->kernel->pack(w, k, n, g->packed);
        run(g, x, m, k, n, b, NULL, y);
        return;
    }
    /* y = b broadcast, then y += x W^T: the bias joins each dot product at
     * the end, as torch's addmm does. */
    float beta = 0.0f;
    if (b) {
        for (size_t r = 0; r < m; r++)
            memcpy(y + r * n, b, n * sizeof *y);
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, x,
                (int)k, w, (int)k, beta, y, (int)n);
}

void el_train_gemm_input_grad(el_train_gemm *g, const float *dy, size_t m, size_t k,
                              const float *w, size_t n, float *dx, int accumulate)
{
    if (kernel_ready(g, k, n)) {
        pack_transposed(w, k, n, g->nr, g->packed);
        run(g, dy, m, k, n, NULL, accumulate ? dx : NULL, dx);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, dy,
                (int)k, w, (int)n, accumulate ? 1.0f : 0.0f, dx, (int)n);
}

void el_train_gemm_weight_grad(el_train_gemm *g, const float *dy, size_t m, size_t k,
                               const float *x, size_t n, float *dw)
{
    if (m == 0)
        return;
#ifdef EL_GEMM_X86
    if (kernel_ready(g, m, n) && k <= SIZE_MAX / sizeof(float) / m &&
        !reserve((void **)&g->transposed, &g->transposed_bytes, k * m * sizeof(float))) {
        transpose(dy, m, k, g->transposed);
        pack_transposed(x, m, n, g->nr, g->packed);
        run(g, g->transposed, k, m, n, NULL, dw, dw);
        return;
    }
#endif
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)n, (int)m, 1.0f, dy,
                (int)k, x, (int)n, 1.0f, dw, (int)n);
}
