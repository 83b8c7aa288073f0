/* tensor_set.h - named tensors read from weight files.
 *
 * The loaders (safetensors, sharded safetensors, PyTorch .bin in zip and
 * legacy form) append tensors to a set; the model reads them by name. A set
 * owns the file mappings and any buffers its tensors point into, so tensor
 * data lives exactly as long as the set. */
#ifndef EL_TENSOR_SET_H
#define EL_TENSOR_SET_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"

typedef enum el_dtype {
    EL_DTYPE_F32,
    EL_DTYPE_F16,
    EL_DTYPE_BF16,
    EL_DTYPE_F64,
    EL_DTYPE_I64,
    EL_DTYPE_I32,
    EL_DTYPE_I16,
    EL_DTYPE_I8,
    EL_DTYPE_U8,
    EL_DTYPE_BOOL
} el_dtype;

#define EL_MAX_DIMS 8

typedef struct el_tensor {
    char *name;
    el_dtype dtype;
    int ndim;
    int64_t shape[EL_MAX_DIMS];
    /* Contiguous row-major little-endian elements (nbytes = product of
     * shape * element size). May point into a read-only file mapping and
     * need not be aligned. */
    const void *data;
    size_t nbytes;
} el_tensor;

typedef struct el_tensor_set el_tensor_set;

electra_status el_tensor_set_create(el_tensor_set **out);
void el_tensor_set_free(el_tensor_set *set);

size_t el_tensor_set_count(const el_tensor_set *set);
const el_tensor *el_tensor_set_at(const el_tensor_set *set, size_t index);
/* NULL when absent. */
const el_tensor *el_tensor_set_find(const el_tensor_set *set, const char *name);

/* Element size of a dtype in bytes; its safetensors name ("F32"...). */
size_t el_dtype_size(el_dtype dtype);
const char *el_dtype_name(el_dtype dtype);
/* Number of elements; -1 when a dimension is negative or the product
 * overflows int64. */
int64_t el_tensor_numel(const el_tensor *t);

/* Append a tensor (the set copies the name; data must live as long as the
 * set: point into a mapping or buffer the set holds). A name already in
 * the set is an ELECTRA_ERR_FORMAT error naming it. */
electra_status el_tensor_set_add(el_tensor_set *set, const char *name, el_dtype dtype,
                                 int ndim, const int64_t *shape, const void *data,
                                 size_t nbytes);
/* Keep a buffer (from el_malloc) alive with the set; freed with it. On
 * failure the buffer is freed. */
electra_status el_tensor_set_keep_buffer(el_tensor_set *set, void *buffer);
/* Keep a file mapping alive with the set (munmap'ed with it). */
electra_status el_tensor_set_keep_mapping(el_tensor_set *set, void *addr, size_t length);

/* Float32 view of a tensor of any float dtype: the data in place when it
 * is F32 and 4-byte aligned, else a converted copy owned by the set
 * (F16 subnormals decoded exactly, BF16 widened bit for bit). */
electra_status el_tensor_as_f32(el_tensor_set *set, const el_tensor *t, const float **out);

/* The caller will not read [data, data + bytes) again (it has made its
 * own copy): the whole pages of it that lie in one of the set's file
 * mappings leave the process's memory; touched again, they read back from
 * the file. Data in buffers is left alone. */
void el_tensor_set_drop_pages(el_tensor_set *set, const void *data, size_t bytes);

/* Human name of what was loaded ("safetensors", "pytorch zip", ...). */
void el_tensor_set_set_format(el_tensor_set *set, const char *format);
const char *el_tensor_set_format(const el_tensor_set *set);

/* Loaders: append every tensor of a file to the set. Errors name the file
 * and the offending tensor or byte offset. */
electra_status el_load_safetensors(el_tensor_set *set, const char *path);
/* model.safetensors.index.json: loads every shard its weight_map names
 * (plain file names in the index's directory) and checks that each key
 * is in the set. Format: "sharded safetensors". */
electra_status el_load_safetensors_index(el_tensor_set *set, const char *index_path);
/* pytorch_model.bin, zip (torch >= 1.6) or legacy format, detected from
 * the first bytes. The pickle is interpreted by a safe subset (pickle.h):
 * never executed; anything beyond a state dict is
 * ELECTRA_ERR_UNSAFE_PICKLE. Tensors sharing a storage (a tied head)
 * share data; contiguous views point into the mapping, strided ones are
 * copied (all copies together at most the file's size), broadcast views
 * are refused. Format: "pytorch zip" or "pytorch legacy". */
electra_status el_load_torch_bin(el_tensor_set *set, const char *path);

#endif
