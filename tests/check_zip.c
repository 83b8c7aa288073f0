/* check_zip.c - the read-only ZIP reader, on torch's archives, crafted
 * zip64 / data-descriptor files and damaged copies. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "testutil.h"
#include "weights_util.h"
#include "zip_reader.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *b = (unsigned char *)read_file(path, len);
    ck_assert_msg(b != NULL, "cannot read %s", path);
    return b;
}

static const unsigned char *entry_data(const el_zip *zip, const char *name, uint64_t *size)
{
    const el_zip_entry *e = el_zip_find(zip, name);
    ck_assert_msg(e != NULL, "no entry %s", name);
    const unsigned char *d = NULL;
    ck_assert_msg(el_zip_data(zip, e, &d) == ELECTRA_OK, "%s", electra_last_error());
    *size = e->size;
    return d;
}

START_TEST(torch_archive_entries_are_aligned_in_place)
{
    REQUIRE_FIXTURES();
    size_t len;
    unsigned char *b = slurp(fixture_path("models/tiny-classifier/pytorch_model.bin"), &len);
    el_zip *zip = NULL;
    ck_assert_int_eq(el_zip_open(b, len, "classifier", &zip), ELECTRA_OK);
    ck_assert_uint_eq(el_zip_count(zip), 45); /* data.pkl, 43 storages, version */
    ck_assert_str_eq(el_zip_at(zip, 0)->name, "pytorch_model/data.pkl");
    ck_assert_ptr_null(el_zip_at(zip, 45));
    ck_assert_ptr_null(el_zip_find(zip, "pytorch_model/data/43"));
    ck_assert_ptr_null(el_zip_find(zip, "data.pkl"));
    uint64_t size;
    const unsigned char *pkl = entry_data(zip, "pytorch_model/data.pkl", &size);
    ck_assert_uint_eq(size, 4847);
    ck_assert_int_eq(pkl[0], 0x80);
    ck_assert_int_eq(pkl[size - 1], '.');
    const unsigned char *v = entry_data(zip, "pytorch_model/version", &size);
    ck_assert_uint_eq(size, 2);
    ck_assert_int_eq(v[0], '3');
    for (size_t i = 0; i < el_zip_count(zip); i++) {
        const el_zip_entry *e = el_zip_at(zip, i);
        const unsigned char *d = NULL;
        ck_assert_int_eq(el_zip_data(zip, e, &d), ELECTRA_OK);
        /* data points into the buffer; torch aligns records to 64 bytes */
        ck_assert(d >= b && d + e->size <= b + len);
        ck_assert_uint_eq((size_t)(d - b) % 64, 0);
    }
    /* word embeddings: 30522 x 8 floats */
    ck_assert_uint_eq(el_zip_find(zip, "pytorch_model/data/0")->size, 30522 * 8 * 4);
    el_zip_close(zip);
    el_zip_close(NULL);
    free(b);
}
END_TEST

START_TEST(zip64_descriptors_and_plain_archives_read_alike)
{
    static const float want[4] = {1, 2, 3, 4};
    static const char *const files[] = {"zip64.bin", "no_descriptor.bin"};
    for (int f = 0; f < 2; f++) {
        size_t len;
        unsigned char *b = slurp(test_data(files[f]), &len);
        el_zip *zip = NULL;
        ck_assert_msg(el_zip_open(b, len, files[f], &zip) == ELECTRA_OK, "%s",
                      electra_last_error());
        ck_assert_uint_eq(el_zip_count(zip), 3);
        uint64_t size;
        const unsigned char *d = entry_data(zip, "archive/data/0", &size);
        ck_assert_uint_eq(size, 16);
        ck_assert_mem_eq(d, want, 16);
        d = entry_data(zip, "archive/version", &size);
        ck_assert_mem_eq(d, "3\n", 2);
        el_zip_close(zip);
        free(b);
    }
    size_t len;
    unsigned char *b = slurp(test_data("plain.zip"), &len);
    el_zip *zip = NULL;
    ck_assert_int_eq(el_zip_open(b, len, "plain", &zip), ELECTRA_OK);
    uint64_t size;
    ck_assert_mem_eq(entry_data(zip, "a.txt", &size), "hello", 5);
    ck_assert_mem_eq(entry_data(zip, "dir/b.bin", &size), "\0\1\2", 3);
    el_zip_close(zip);
    free(b);
}
END_TEST

START_TEST(every_truncation_and_byte_change_is_safe)
{
    static const char *const files[] = {"zip64.bin", "no_descriptor.bin", "plain.zip"};
    static const unsigned char values[] = {0x00, 0x01, 0x7f, 0xff};
    for (int f = 0; f < 3; f++) {
        size_t len;
        unsigned char *b = slurp(test_data(files[f]), &len);
        for (size_t cut = 0; cut < len; cut++) {
            /* a fresh allocation of exactly cut bytes: ASan sees any read
             * past the end */
            unsigned char *part = malloc(cut ? cut : 1);
            memcpy(part, b, cut);
            el_zip *zip = NULL;
            ck_assert_int_eq(el_zip_open(part, cut, files[f], &zip), ELECTRA_ERR_FORMAT);
            free(part);
        }
        for (size_t at = 0; at < len; at++)
            for (size_t v = 0; v < sizeof values; v++) {
                unsigned char *copy = malloc(len);
                memcpy(copy, b, len);
                copy[at] = values[v];
                el_zip *zip = NULL;
                if (el_zip_open(copy, len, files[f], &zip) == ELECTRA_OK) {
                    for (size_t i = 0; i < el_zip_count(zip); i++) {
                        const el_zip_entry *e = el_zip_at(zip, i);
                        const unsigned char *d = NULL;
                        unsigned sum = 0;
                        if (el_zip_data(zip, e, &d) == ELECTRA_OK)
                            for (uint64_t k = 0; k < e->size; k++)
                                sum += d[k];
                        (void)sum;
                    }
                    el_zip_close(zip);
                }
                free(copy);
            }
        free(b);
    }
}
END_TEST

/* plain.zip: local a.txt at 0 (40 bytes), local dir/b.bin at 40 (42),
 * central a.txt at 82 (51), central dir/b.bin at 133 (55), EOCD at 188. */
#define CENTRAL_A 82
#define LOCAL_A 0

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

/* Open plain.zip damaged by patch, read a.txt, expect status + message. */
static void expect_damage(void (*patch)(unsigned char *b), electra_status want,
                          const char *message)
{
    size_t len;
    unsigned char *b = slurp(test_data("plain.zip"), &len);
    ck_assert_uint_eq(len, 210);
    patch(b);
    el_zip *zip = NULL;
    electra_status s = el_zip_open(b, len, "plain.zip", &zip);
    if (s == ELECTRA_OK) {
        const unsigned char *d = NULL;
        s = el_zip_data(zip, el_zip_find(zip, "a.txt"), &d);
        el_zip_close(zip);
    }
    ck_assert_msg(s == want && strstr(electra_last_error(), message),
                  "status %d, message \"%s\"; expected %d \"%s\"", s, electra_last_error(), want,
                  message);
    free(b);
}

static void long_name(unsigned char *b)
{
    put16(b + CENTRAL_A + 28, 200);
}
static void nul_name(unsigned char *b)
{
    b[CENTRAL_A + 46] = 0;
}
static void saturated_size(unsigned char *b)
{
    put32(b + CENTRAL_A + 20, 0xffffffffu);
}
static void bad_extra(unsigned char *b)
{
    put16(b + CENTRAL_A + 30, 4); /* the extra is the next entry's "PK\1\2" */
}
static void far_local(unsigned char *b)
{
    put32(b + CENTRAL_A + 42, 5000);
}
static void shifted_local(unsigned char *b)
{
    put32(b + CENTRAL_A + 42, 1);
}
static void local_size(unsigned char *b)
{
    put32(b + LOCAL_A + 18, 4);
}
static void size_mismatch(unsigned char *b)
{
    put32(b + CENTRAL_A + 24, 6);
}
static void local_method(unsigned char *b)
{
    put16(b + LOCAL_A + 8, 8);
}

START_TEST(damaged_archives_say_what_is_wrong)
{
    expect_damage(long_name, ELECTRA_ERR_FORMAT,
                  "central directory entry 0 runs past the end of the directory");
    expect_damage(nul_name, ELECTRA_ERR_FORMAT, "central directory entry 0 has a NUL in its name");
    expect_damage(saturated_size, ELECTRA_ERR_FORMAT, "zip entry a.txt needs a zip64 extra field");
    expect_damage(bad_extra, ELECTRA_ERR_FORMAT, "extra field of zip entry a.txt runs past its end");
    expect_damage(far_local, ELECTRA_ERR_FORMAT,
                  "local header of zip entry a.txt (offset 5000) is past the end of the file");
    expect_damage(shifted_local, ELECTRA_ERR_FORMAT, "no local header for zip entry a.txt at offset 1");
    expect_damage(local_size, ELECTRA_ERR_FORMAT,
                  "local header of zip entry a.txt gives 4 bytes, the central directory 5");
    expect_damage(size_mismatch, ELECTRA_ERR_FORMAT,
                  "stored zip entry a.txt has 5 stored bytes but a size of 6");
    expect_damage(local_method, ELECTRA_ERR_FORMAT,
                  "local header of zip entry a.txt does not match the central directory");
    el_zip *zip = NULL;
    ck_assert_int_eq(el_zip_open((const unsigned char *)"PK\5\6", 4, "tiny", &zip),
                     ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "tiny: 4 bytes is too short for a zip"));
    ck_assert_ptr_null(zip);
}
END_TEST

Suite *make_zip_reader_suite(void)
{
    Suite *s = suite_create("zip_reader");
    TCase *tc = tcase_create("archives");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, torch_archive_entries_are_aligned_in_place);
    tcase_add_test(tc, zip64_descriptors_and_plain_archives_read_alike);
    tcase_add_test(tc, every_truncation_and_byte_change_is_safe);
    tcase_add_test(tc, damaged_archives_say_what_is_wrong);
    suite_add_tcase(s, tc);
    return s;
}
