/* testutil.c - fixture lookup and file helpers for the Check suites. */
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu.h"
#include "electra.h"

const char *fixtures_dir(void)
{
    static char dir[4096];
    static int state; /* 0 unknown, 1 present, -1 absent */
    if (state == 0) {
        const char *env = getenv("ELECTRA_FIXTURES");
        const char *top = getenv("top_srcdir");
        if (env && *env)
            snprintf(dir, sizeof dir, "%s", env);
        else
            snprintf(dir, sizeof dir, "%s/../shared/fixtures", top ? top : ".");
        char probe[4200];
        snprintf(probe, sizeof probe, "%s/README.md", dir);
        struct stat st;
        state = stat(probe, &st) == 0 ? 1 : -1;
        if (state < 0)
            fprintf(stderr,
                    "\n*** SKIPPED: fixtures not found at %s (set ELECTRA_FIXTURES); "
                    "conformance tests did not run ***\n\n",
                    dir);
    }
    if (state < 0) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0)
            ck_abort_msg("fixtures missing in CI: %s", dir);
        return NULL;
    }
    return dir;
}

const char *fixture_path(const char *rel)
{
    static char path[8192];
    const char *dir = fixtures_dir();
    if (!dir)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return path;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long n = ftell(f);
    rewind(f);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

const char *make_temp_dir(const char *tag)
{
    static char path[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/electra-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(path))
        ck_abort_msg("mkdtemp %s failed", path);
    return path;
}

/* The kernel a linear at `precision` with `in` inputs should run on this
 * CPU: for BF16 AMX up to 1024 inputs, AVX512_BF16 up to 3072; for INT8
 * AVX512_VNNI up to 3072; float32 beyond. */
const char *expected_linear_kernel(int precision, size_t in)
{
    const el_cpu_path path = el_cpu_best_path();
    const el_cpu_features *f = el_cpu_features_get();
    if (precision == ELECTRA_PRECISION_BF16 && path >= EL_CPU_AMX && in <= 1024 &&
        el_cpu_request_amx())
        return "amx-bf16";
    if (precision == ELECTRA_PRECISION_BF16 && path >= EL_CPU_AVX512 && f->avx512_bf16 &&
        in <= 3072)
        return "avx512-bf16";
    if (precision == ELECTRA_PRECISION_INT8 && path >= EL_CPU_AVX512 && f->avx512_vnni &&
        in <= 3072)
        return "avx512-int8";
    return path >= EL_CPU_AVX512 ? "avx512" : path == EL_CPU_AVX2 ? "avx2" : "reference";
}
