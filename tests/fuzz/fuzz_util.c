/* fuzz_util.c - scratch files and input helpers for the fuzz targets. */
#define _XOPEN_SOURCE 700
#include "fuzz.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "electra.h"
#include "tensor_set.h"
#include "tiny_model.h"

static char scratch[1024];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_scratch(void)
{
    if (scratch[0])
        nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_scratch_dir(void)
{
    if (!scratch[0]) {
        struct stat st;
        const char *tmp = getenv("TMPDIR");
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
                           : tmp && *tmp                                       ? tmp
                                                                               : "/tmp";
        snprintf(scratch, sizeof scratch, "%s/electra-fuzz-XXXXXX", base);
        if (!mkdtemp(scratch)) {
            perror(scratch);
            abort();
        }
        atexit(remove_scratch);
    }
    return scratch;
}

char *fuzz_scratch_path(char *buf, const char *name)
{
    snprintf(buf, 4096, "%s/%s", fuzz_scratch_dir(), name);
    return buf;
}

int fuzz_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok ? 0 : -1;
}

const char *fuzz_tiny_model_dir(int head)
{
    static char dirs[8][4096];
    if (head < 0 || head >= 8)
        abort();
    if (!dirs[head][0]) {
        char name[32];
        snprintf(name, sizeof name, "tiny-%d", head);
        fuzz_scratch_path(dirs[head], name);
        if (mkdir(dirs[head], 0700) != 0 || tiny_model_write(dirs[head], head) != 0) {
            fprintf(stderr, "cannot build the tiny model in %s\n", dirs[head]);
            abort();
        }
    }
    return dirs[head];
}

uint8_t fuzz_byte(fuzz_input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

size_t fuzz_piece(fuzz_input *in, const char **piece)
{
    const uint8_t *end = memchr(in->p, 0xFF, in->n);
    size_t len = end ? (size_t)(end - in->p) : in->n;
    *piece = (const char *)in->p;
    in->p += len;
    in->n -= len;
    if (end) {
        in->p++;
        in->n--;
    }
    return len;
}

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

void fuzz_check_encoding(const electra_tokenizer *tok, const electra_encoding *enc,
                         const size_t *text_lens, const size_t *pair_lens, size_t count)
{
    size_t vocab = electra_tokenizer_vocab_size(tok);
    for (size_t r = 0; r < electra_encoding_rows(enc); r++) {
        size_t src = electra_encoding_source(enc, r);
        FUZZ_CHECK(src < count);
        size_t text_len = text_lens[src], pair_len = pair_lens ? pair_lens[src] : 0;
        size_t n = electra_encoding_length(enc, r);
        const int32_t *ids = electra_encoding_ids(enc, r);
        const int32_t *seq = electra_encoding_sequence_ids(enc, r);
        const size_t *off = electra_encoding_offsets(enc, r);
        const int32_t *mask = electra_encoding_attention_mask(enc, r);
        const int32_t *types = electra_encoding_type_ids(enc, r);
        const int32_t *special = electra_encoding_special_tokens_mask(enc, r);
        FUZZ_CHECK(n == 0 || (ids && seq && off && mask && types && special));
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(ids[i] >= 0 && (size_t)ids[i] < vocab);
            FUZZ_CHECK(seq[i] >= -1 && seq[i] <= 1);
            FUZZ_CHECK(mask[i] == 0 || mask[i] == 1);
            size_t limit = seq[i] == 1 ? pair_len : text_len;
            FUZZ_CHECK(off[2 * i] <= off[2 * i + 1] && off[2 * i + 1] <= limit);
        }
    }
}

void fuzz_decode_ids(const electra_tokenizer *tok, const int32_t *ids, size_t n)
{
    for (int flags = 0; flags < 4; flags++) {
        size_t need = 0;
        char small[8];
        electra_status s =
            electra_tokenizer_decode(tok, ids, n, flags & 1, flags >> 1, small, sizeof small, &need);
        if (s == ELECTRA_ERR_BUFFER_TOO_SMALL) {
            FUZZ_CHECK(need >= sizeof small);
            char *buf = malloc(need + 1);
            size_t got = 0;
            FUZZ_CHECK(buf != NULL);
            s = electra_tokenizer_decode(tok, ids, n, flags & 1, flags >> 1, buf, need + 1,
                                         &got);
            FUZZ_CHECK(s == ELECTRA_OK && got == need && strlen(buf) <= got);
            free(buf);
        }
    }
}

void fuzz_exercise_tokenizer(const electra_tokenizer *tok, const char *text, size_t len)
{
    electra_encoding *enc = NULL;
    if (electra_encoding_create(&enc) != ELECTRA_OK)
        return;
    static const char sample[] = "Hello [MASK] world, the quick brown fox's caf\xc3\xa9 \xe4\xb8\xad!";
    const char *texts[2] = {sample, text};
    size_t lens[2] = {sizeof sample - 1, len};
    for (int i = 0; i < 2; i++) {
        if (electra_tokenizer_encode(tok, texts[i], lens[i], NULL, 0, NULL, enc) == ELECTRA_OK) {
            fuzz_check_encoding(tok, enc, &lens[i], NULL, 1);
            if (electra_encoding_rows(enc))
                fuzz_decode_ids(tok, electra_encoding_ids(enc, 0), electra_encoding_length(enc, 0));
        }
    }
    if (electra_tokenizer_encode(tok, sample, sizeof sample - 1, text, len, NULL, enc) ==
        ELECTRA_OK)
        fuzz_check_encoding(tok, enc, &lens[0], &len, 1);
    electra_encoding_free(enc);
    size_t vocab = electra_tokenizer_vocab_size(tok);
    for (int32_t id = -1; id < 300 && (size_t)id <= vocab; id++) {
        const char *t = electra_tokenizer_id_to_token(tok, id);
        if (t)
            FUZZ_CHECK(electra_tokenizer_token_to_id(tok, t, strlen(t)) >= 0);
    }
    for (int w = -1; w <= 5; w++) {
        int32_t id = electra_tokenizer_special_id(tok, w);
        FUZZ_CHECK(id == -1 || (id >= 0 && (size_t)id < vocab));
    }
    electra_tokenizer_token_to_id(tok, text, len);
}

void fuzz_touch_tensors(el_tensor_set *set)
{
    volatile unsigned sum = 0;
    for (size_t i = 0; i < el_tensor_set_count(set); i++) {
        const el_tensor *t = el_tensor_set_at(set, i);
        const unsigned char *p = t->data;
        for (size_t k = 0; k < t->nbytes; k++)
            sum += p[k];
        int64_t numel = el_tensor_numel(t);
        FUZZ_CHECK(numel >= 0 && (uint64_t)numel * el_dtype_size(t->dtype) == t->nbytes);
        const float *f;
        if ((t->dtype == EL_DTYPE_F32 || t->dtype == EL_DTYPE_F16 || t->dtype == EL_DTYPE_BF16) &&
            el_tensor_as_f32(set, t, &f) == ELECTRA_OK)
            for (int64_t k = 0; k < numel; k++)
                sum += f[k] != 0.0f;
    }
}
