/* gemm.h - what linear.c hands the hand-written matrix kernels.
 *
 * Weights are packed at load time into panels of `nr` output columns:
 * panel p holds, for each k in 0..in-1, the nr weights W[p*nr + j][k]
 * (j = 0..nr-1) contiguously, zero past `out`. A micro-kernel then reads
 * one aligned run of nr floats per k. */
#ifndef EL_GEMM_H
#define EL_GEMM_H

#include <stddef.h>

#include "linear.h"
#include "threadpool.h"

typedef struct el_gemm_args {
    const float *x;        /* (m, k) */
    const float *panels;   /* packed W */
    const float *bias;     /* (n) or NULL */
    const float *residual; /* (m, n) or NULL; may be y */
    float *y;              /* (m, n) */
    size_t m, k, n;
    el_activation act;
} el_gemm_args;

typedef struct el_gemm_kernel {
    const char *name;
    size_t nr; /* panel width the packed weights use */
    void (*forward)(const el_gemm_args *args, el_threadpool *pool);
} el_gemm_kernel;

/* The x86-64 kernels are compiled (with per-function target options, so
 * the rest of the library stays portable) unless configure was given
 * --disable-fast-kernels; el_cpu_best_path() decides at run time. */
#if defined(ELECTRA_FAST_KERNELS) && defined(__x86_64__) && defined(__GNUC__)
#define EL_GEMM_X86 1
extern const el_gemm_kernel el_gemm_avx512;
#endif

#endif
