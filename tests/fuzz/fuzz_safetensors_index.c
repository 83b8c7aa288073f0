/* fuzz_safetensors_index.c - model.safetensors.index.json, in a directory
 * holding two small shards (a.safetensors: tensors x and y;
 * b.safetensors: tensor z). */
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "safetensors_write.h"
#include "tensor_set.h"

static void write_shard(const char *dir, const char *name, const char *const *tensors,
                        size_t n)
{
    static const float values[6] = {1, 2, 3, 4, 5, 6};
    el_tensor t[2] = {{0}};
    for (size_t i = 0; i < n; i++) {
        t[i].name = (char *)tensors[i];
        t[i].dtype = EL_DTYPE_F32;
        t[i].ndim = 2;
        t[i].shape[0] = 2;
        t[i].shape[1] = 3;
        t[i].data = values;
        t[i].nbytes = sizeof values;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (el_safetensors_write(path, t, n) != ELECTRA_OK)
        fuzz_fail(__FILE__, __LINE__, "cannot write a shard");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[4096], index[4200];
    if (!dir[0]) {
        fuzz_scratch_path(dir, "shards");
        mkdir(dir, 0700);
        static const char *const a[] = {"x", "y"}, *const b[] = {"z"};
        write_shard(dir, "a.safetensors", a, 2);
        write_shard(dir, "b.safetensors", b, 1);
        snprintf(index, sizeof index, "%s/model.safetensors.index.json", dir);
    }
    if (fuzz_write_file(index, data, size) != 0)
        fuzz_fail(__FILE__, __LINE__, "cannot write the input");
    el_tensor_set *set = NULL;
    if (el_tensor_set_create(&set) != ELECTRA_OK)
        return 0;
    if (el_load_safetensors_index(set, index) == ELECTRA_OK)
        fuzz_touch_tensors(set);
    el_tensor_set_free(set);
    return 0;
}
