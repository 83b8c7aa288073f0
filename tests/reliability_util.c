/* reliability_util.c - failure-injecting allocator and fingerprints. */
#include "reliability_util.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long live_blocks, calls, fail_at = -1;
static atomic_int fired;

/* Counts this allocation; returns 1 when it is the one to fail. */
static int next_fails(void)
{
    long n = atomic_fetch_add(&calls, 1);
    if (n == atomic_load(&fail_at)) {
        atomic_store(&fired, 1);
        return 1;
    }
    return 0;
}

static void *chaos_malloc(size_t size, void *user)
{
    (void)user;
    if (next_fails())
        return NULL;
    void *p = malloc(size);
    if (p)
        atomic_fetch_add(&live_blocks, 1);
    return p;
}

static void *chaos_realloc(void *old, size_t size, void *user)
{
    (void)user;
    if (next_fails())
        return NULL;
    void *p = realloc(old, size);
    if (p && !old)
        atomic_fetch_add(&live_blocks, 1);
    return p;
}

static void chaos_free(void *p, void *user)
{
    (void)user;
    if (p)
        atomic_fetch_sub(&live_blocks, 1);
    free(p);
}

void chaos_install(void)
{
    electra_set_allocator(chaos_malloc, chaos_realloc, chaos_free, NULL);
    chaos_arm(-1);
}

void chaos_remove(void)
{
    electra_set_allocator(NULL, NULL, NULL, NULL);
}

void chaos_arm(long n)
{
    atomic_store(&fail_at, n);
    atomic_store(&calls, 0);
    atomic_store(&fired, 0);
}

int chaos_fired(void)
{
    return atomic_load(&fired);
}

long chaos_live(void)
{
    return atomic_load(&live_blocks);
}

long chaos_calls(void)
{
    return atomic_load(&calls);
}

uint64_t fingerprint_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static uint64_t fp_string(uint64_t h, const char *s)
{
    if (!s)
        return fingerprint_bytes(h, "\xff", 1);
    return fingerprint_bytes(h, s, strlen(s) + 1);
}

#define FP_VALUE(h, v)                                                         \
    do {                                                                       \
        __typeof__(v) value_ = (v);                                            \
        h = fingerprint_bytes(h, &value_, sizeof value_);                      \
    } while (0)

uint64_t fingerprint_result(const electra_result *r)
{
    uint64_t h = 1469598103934665603ull;
    size_t n = electra_result_count(r);
    FP_VALUE(h, n);
    for (size_t i = 0; i < n; i++) {
        FP_VALUE(h, electra_result_group(r, i));
        h = fp_string(h, electra_result_label(r, i));
        h = fp_string(h, electra_result_text(r, i));
        FP_VALUE(h, electra_result_id(r, i));
        FP_VALUE(h, electra_result_start(r, i));
        FP_VALUE(h, electra_result_end(r, i));
        FP_VALUE(h, electra_result_score(r, i));
        FP_VALUE(h, electra_result_logit(r, i));
        FP_VALUE(h, electra_result_flag(r, i));
    }
    return h;
}

uint64_t fingerprint_encoding(const electra_encoding *e)
{
    uint64_t h = 1469598103934665603ull;
    size_t rows = electra_encoding_rows(e);
    FP_VALUE(h, rows);
    for (size_t r = 0; r < rows; r++) {
        size_t n = electra_encoding_length(e, r);
        FP_VALUE(h, n);
        FP_VALUE(h, electra_encoding_source(e, r));
        h = fingerprint_bytes(h, electra_encoding_ids(e, r), n * sizeof(int32_t));
        h = fingerprint_bytes(h, electra_encoding_type_ids(e, r), n * sizeof(int32_t));
        h = fingerprint_bytes(h, electra_encoding_attention_mask(e, r), n * sizeof(int32_t));
        h = fingerprint_bytes(h, electra_encoding_special_tokens_mask(e, r), n * sizeof(int32_t));
        h = fingerprint_bytes(h, electra_encoding_sequence_ids(e, r), n * sizeof(int32_t));
        h = fingerprint_bytes(h, electra_encoding_offsets(e, r), 2 * n * sizeof(size_t));
    }
    return h;
}

uint64_t fingerprint_outputs(const electra_context *ctx)
{
    uint64_t h = 1469598103934665603ull;
    for (int which = ELECTRA_OUTPUT_LAST_HIDDEN_STATE; which <= ELECTRA_OUTPUT_END_LOGITS;
         which++) {
        size_t shape[4], ndim = 0, count = 1;
        if (electra_output_shape(ctx, which, shape, &ndim) != ELECTRA_OK)
            continue;
        for (size_t d = 0; d < ndim; d++)
            count *= shape[d];
        float *buf = malloc((count ? count : 1) * sizeof *buf);
        if (!buf || electra_output_copy(ctx, which, buf, count) != ELECTRA_OK) {
            free(buf);
            return 0;
        }
        FP_VALUE(h, which);
        h = fingerprint_bytes(h, shape, ndim * sizeof shape[0]);
        h = fingerprint_bytes(h, buf, count * sizeof *buf);
        free(buf);
    }
    return h;
}
