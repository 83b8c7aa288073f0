/* testutil.h - helpers shared by the Check suites. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>

/* The fixtures directory ($ELECTRA_FIXTURES, default ../shared/fixtures
 * next to the source tree); NULL when absent. The first call that finds
 * them absent prints a loud SKIPPED notice; under CI=true absence is a
 * test failure instead (the conformance suites must run in CI). */
const char *fixtures_dir(void);
/* fixtures_dir()/rel in a static buffer, or NULL when fixtures are absent. */
const char *fixture_path(const char *rel);
/* Read a whole file (NUL-terminated); NULL on error. Free with free(). */
char *read_file(const char *path, size_t *len);
/* A fresh empty directory under $TMPDIR (static buffer). */
const char *make_temp_dir(const char *tag);

/* The kernel (el_linear_kernel_name) a linear at `precision`
 * (electra_precision) with `in` inputs should run on this CPU: for BF16
 * AMX up to 1024 inputs, AVX512_BF16 up to 3072; for INT8 AVX512_VNNI up
 * to 3072; the float32 kernel otherwise. */
const char *expected_linear_kernel(int precision, size_t in);

/* Skip the rest of a test when the fixtures are missing. */
#define REQUIRE_FIXTURES()                                                     \
    do {                                                                       \
        if (!fixtures_dir())                                                   \
            return;                                                            \
    } while (0)

#endif
