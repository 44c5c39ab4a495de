// glibc's allocator settings for the large arrays a GRU makes and frees every step (see
// HeapTuning.swift).
#include "CGRUKernels.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc (CGRUKernels.h includes only compiler headers)

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int gru_keep_large_arrays_in_heap(void) {
#if defined(__GLIBC__)
    // mallopt returns 1 on success. 32 MiB is the largest mmap threshold glibc's dynamic
    // adjustment would reach by itself (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit).
    const int mapped = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    const int trimmed = mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    return mapped == 1 && trimmed == 1;
#else
    return 0;
#endif
}
