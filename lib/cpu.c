/* cpu.c - cpuid/xgetbv feature detection and the kernel-family choice. */
#include "cpu.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#define EL_CPU_X86 1
#endif

#if defined(EL_CPU_X86) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

static el_cpu_features features;
static el_cpu_path best_path;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

#ifdef EL_CPU_X86
/* XCR0: which register states the OS saves on a context switch. A CPU
 * may support AVX-512 while the OS does not enable it. */
static unsigned long long read_xcr0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static void detect_x86(el_cpu_features *f)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    int fma = (c >> 12) & 1;
    int osxsave = (c >> 27) & 1;
    if (!osxsave || __get_cpuid_max(0, NULL) < 7)
        return;
    unsigned long long xcr0 = read_xcr0();
    int os_ymm = (xcr0 & 0x6) == 0x6;            /* SSE + AVX state */
    int os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */
    int os_amx = (xcr0 & 0x60000) == 0x60000;    /* XTILECFG + XTILEDATA */

    __cpuid_count(7, 0, a, b, c, d);
    unsigned leaf7_max = a;
    int avx2 = (b >> 5) & 1;
    int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1;
    int avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    int vnni = (c >> 11) & 1;
    int amx_bf16 = (d >> 22) & 1, amx_tile = (d >> 24) & 1, amx_int8 = (d >> 25) & 1;
    int avx512_bf16 = 0;
    if (leaf7_max >= 1) {
        __cpuid_count(7, 1, a, b, c, d);
        avx512_bf16 = (a >> 5) & 1;
    }

    f->avx2_fma = os_ymm && avx2 && fma;
    f->avx512 = os_zmm && fma && avx512f && avx512dq && avx512bw && avx512vl;
    f->avx512_bf16 = f->avx512 && avx512_bf16;
    f->avx512_vnni = f->avx512 && vnni;
    f->amx_bf16 = os_amx && amx_tile && amx_bf16;
    f->amx_int8 = os_amx && amx_tile && amx_int8;
}
#endif

/* ELECTRA_CPU caps the path; an unknown value leaves it alone. */
static el_cpu_path cap_from_environment(el_cpu_path path)
{
    const char *want = getenv("ELECTRA_CPU");
    if (!want)
        return path;
    el_cpu_path cap = path;
    if (strcmp(want, "reference") == 0)
        cap = EL_CPU_REFERENCE;
    else if (strcmp(want, "avx2") == 0)
        cap = EL_CPU_AVX2;
    else if (strcmp(want, "avx512") == 0)
        cap = EL_CPU_AVX512;
    else if (strcmp(want, "amx") == 0)
        cap = EL_CPU_AMX;
    return cap < path ? cap : path;
}

static void detect(void)
{
#ifdef EL_CPU_X86
    detect_x86(&features);
#endif
    el_cpu_path path = EL_CPU_REFERENCE;
    if (features.avx2_fma)
        path = EL_CPU_AVX2;
    if (features.avx512)
        path = EL_CPU_AVX512;
    if (features.avx512_bf16 && features.amx_bf16)
        path = EL_CPU_AMX;
    best_path = cap_from_environment(path);
}

const el_cpu_features *el_cpu_features_get(void)
{
    pthread_once(&detect_once, detect);
    return &features;
}

el_cpu_path el_cpu_best_path(void)
{
    pthread_once(&detect_once, detect);
    return best_path;
}

const char *el_cpu_path_name(el_cpu_path path)
{
    switch (path) {
    case EL_CPU_AVX2:
        return "avx2";
    case EL_CPU_AVX512:
        return "avx512";
    case EL_CPU_AMX:
        return "amx";
    default:
        return "reference";
    }
}

static int amx_granted;
static pthread_once_t amx_once = PTHREAD_ONCE_INIT;

static void request_amx(void)
{
#if defined(EL_CPU_X86) && defined(__linux__) && defined(SYS_arch_prctl)
    const int arch_req_xcomp_perm = 0x1023; /* <asm/prctl.h>, Linux 5.16+ */
    const int xfeature_xtiledata = 18;
    const el_cpu_features *f = el_cpu_features_get();
    if ((f->amx_bf16 || f->amx_int8) &&
        syscall(SYS_arch_prctl, arch_req_xcomp_perm, xfeature_xtiledata) == 0)
        amx_granted = 1;
#endif
}

int el_cpu_request_amx(void)
{
    pthread_once(&amx_once, request_amx);
    return amx_granted;
}
