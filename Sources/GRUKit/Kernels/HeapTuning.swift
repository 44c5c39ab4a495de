import CGRUKernels

/// How the C library's allocator treats the large arrays GRUKit makes and frees every step.
///
/// A forward pass returns its output, and a backward pass its gradients, in fresh arrays of
/// megabytes (B's training step: about 16 MB of them). With glibc's defaults, an allocation above the
/// mmap threshold (128 KiB, raised only as such arrays are freed) is a fresh mapping from the
/// kernel, and freed memory at the top of the heap goes back to it, so every step pays page
/// faults and zeroing for those pages again — about 6 % of B's training step on one thread
/// (`gru bench` side by side), mostly system time. ``keepLargeArraysInHeap()`` has the allocator keep and reuse them.
///
/// The `gru` tool calls it at start-up (with `GRUKIT_GLIBC_DEFAULTS` set in its environment, to any
/// value, it leaves glibc's defaults); `scripts/bench_frameworks.py --frameworks-same-heap` gives PyTorch and
/// ONNX Runtime the same settings through glibc's `MALLOC_MMAP_THRESHOLD_` and
/// `MALLOC_TRIM_THRESHOLD_` variables.
public enum HeapTuning {
    /// Serves allocations up to 32 MiB from the heap rather than fresh mappings, and keeps up
    /// to 256 MiB of freed memory for reuse instead of returning it to the kernel (glibc's
    /// `mallopt` with `M_MMAP_THRESHOLD` and `M_TRIM_THRESHOLD`).
    ///
    /// It sets the allocator for the whole process: call it once, early (an application's
    /// start-up), if the process runs GRUs over large batches. The peak resident memory stays
    /// the same; freed memory is kept resident for reuse (up to 256 MiB) rather than released.
    ///
    /// - Returns: whether the settings took (`false` where the C library is not glibc).
    @discardableResult
    public static func keepLargeArraysInHeap() -> Bool {
        gru_keep_large_arrays_in_heap() == 1
    }
}
