/* fuzz_zip.c - the ZIP container of torch.save archives. */
#include <string.h>

#include "fuzz.h"
#include "zip_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    el_zip *zip = NULL;
    if (el_zip_open(data, size, "archive.zip", &zip) != ELECTRA_OK)
        return 0;
    volatile unsigned sum = 0;
    for (size_t i = 0; i < el_zip_count(zip); i++) {
        const el_zip_entry *e = el_zip_at(zip, i);
        FUZZ_CHECK(el_zip_find(zip, e->name) == e);
        const unsigned char *bytes;
        if (el_zip_data(zip, e, &bytes) == ELECTRA_OK) {
            FUZZ_CHECK(e->size <= size);
            FUZZ_CHECK(e->size == 0 || (bytes >= data && bytes + e->size <= data + size));
            for (uint64_t k = 0; k < e->size; k++)
                sum += bytes[k];
        }
    }
    el_zip_close(zip);
    return 0;
}
