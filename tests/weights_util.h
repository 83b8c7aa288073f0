/* weights_util.h - helpers shared by the weight-loader suites. */
#ifndef WEIGHTS_UTIL_H
#define WEIGHTS_UTIL_H

#include <stddef.h>

#include "tensor_set.h"

typedef electra_status (*tensor_loader)(el_tensor_set *set, const char *path);

/* A new set holding what loader read from path; fails the test (naming
 * the error) unless it loads. */
el_tensor_set *load_or_fail(tensor_loader loader, const char *path);
/* Status of loading path into a fresh set (freed again). */
electra_status load_status(tensor_loader loader, const char *path);
/* b holds exactly a's tensors (same dtype, shape and bytes) plus, when
 * extra is not NULL, the one tensor named extra. */
void assert_same_tensors(const el_tensor_set *a, const el_tensor_set *b, const char *extra);
/* Write len bytes to dir/name; returns the path (static buffer). */
const char *write_temp(const char *dir, const char *name, const void *data, size_t len);
/* Sum of every byte of every tensor: reads all data, so that ASan sees
 * any tensor pointing outside its file. */
unsigned long touch_all(const el_tensor_set *set);
/* Load path with the 1st, 2nd, ... allocation failing in turn until the
 * load succeeds: each failure must be ELECTRA_ERR_NOMEM (leaks show under
 * ASan). Returns how many allocations the load makes. */
int assert_clean_alloc_failures(tensor_loader loader, const char *path);
/* tests/data/weights/<name> (static buffer). */
const char *test_data(const char *name);

#endif
