/* fuzz_torch_bin.c - pytorch_model.bin, zip (torch >= 1.6) or legacy. */
#include "fuzz.h"
#include "tensor_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[4096];
    if (!path[0])
        fuzz_scratch_path(path, "pytorch_model.bin");
    if (fuzz_write_file(path, data, size) != 0)
        fuzz_fail(__FILE__, __LINE__, "cannot write the input");
    el_tensor_set *set = NULL;
    if (el_tensor_set_create(&set) != ELECTRA_OK)
        return 0;
    if (el_load_torch_bin(set, path) == ELECTRA_OK)
        fuzz_touch_tensors(set);
    el_tensor_set_free(set);
    return 0;
}
