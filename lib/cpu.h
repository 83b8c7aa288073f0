/* cpu.h - which x86-64 vector extensions this CPU and OS let us use,
 * detected once, and the kernel family the library runs on them.
 *
 * The environment variable ELECTRA_CPU=reference|avx2|avx512|amx caps the
 * choice (for testing the portable path on a fast CPU, or comparing
 * kernels); it never selects instructions the CPU lacks. */
#ifndef EL_CPU_H
#define EL_CPU_H

typedef struct el_cpu_features {
    int avx2_fma;    /* AVX2 + FMA3, with the OS saving ymm state */
    int avx512;      /* AVX-512 F, BW, DQ and VL, with the OS saving zmm state */
    int avx512_bf16; /* vdpbf16ps / vcvtne2ps2bf16 */
    int avx512_vnni;
    int amx_bf16;    /* AMX tiles (BF16); usable only after el_cpu_request_amx() */
    int amx_int8;
} el_cpu_features;

/* Kernel families, from slowest to fastest. */
typedef enum el_cpu_path {
    EL_CPU_REFERENCE = 0, /* portable C + CBLAS */
    EL_CPU_AVX2 = 1,
    EL_CPU_AVX512 = 2,
    EL_CPU_AMX = 3 /* AVX-512 + AVX512_BF16 + AMX-BF16 (for bfloat16 products) */
} el_cpu_path;

/* What the CPU offers (all zero off x86-64). Thread-safe; cached. */
const el_cpu_features *el_cpu_features_get(void);
/* The best kernel family for this CPU, capped by ELECTRA_CPU. */
el_cpu_path el_cpu_best_path(void);
/* "reference", "avx2", "avx512", "amx". */
const char *el_cpu_path_name(el_cpu_path path);
/* Ask Linux for permission to use AMX tile data (arch_prctl
 * ARCH_REQ_XCOMP_PERM); 1 when AMX can be used. Done once per process,
 * only by kernels that use AMX, because the permission enlarges every
 * signal frame of the process. */
int el_cpu_request_amx(void);

#endif
