/* safetensors_write.h - writing tensors as a model.safetensors file. */
#ifndef EL_SAFETENSORS_WRITE_H
#define EL_SAFETENSORS_WRITE_H

#include <stddef.h>

#include "tensor_set.h"

/* Write count tensors (name, dtype, shape, data, nbytes) to path, sorted by
 * name as transformers writes them, with __metadata__ {"format": "pt"} and
 * the header padded so data starts 8-byte aligned. The file appears
 * atomically (written beside it, then renamed). */
electra_status el_safetensors_write(const char *path, const el_tensor *tensors, size_t count);

#endif
