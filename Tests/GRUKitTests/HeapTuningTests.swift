#if canImport(Glibc)
import Glibc
#endif
import GRUKit
import Testing

/// HeapTuning's settings take on glibc, and a large array freed and made again then reuses its
/// pages instead of faulting in fresh ones.
@Suite struct HeapTuningTests {
    #if canImport(Glibc)
    /// Minor page faults of the calling thread so far (RUSAGE_THREAD: other tests' threads do not count).
    private func minorFaults() -> Int {
        var usage = rusage()
        #expect(getrusage(__rusage_who_t(1), &usage) == 0)  // 1 = RUSAGE_THREAD
        return usage.ru_minflt
    }

    /// Faults while making, filling and freeing a 16 MiB array.
    private func faultsOfOneArray() -> Int {
        let before = minorFaults()
        var array = [Float](repeating: 0, count: 4 << 20)
        for k in stride(from: 0, to: array.count, by: 1024) { array[k] = Float(k) }
        let after = minorFaults()
        #expect(array[1024] == 1024)
        return after - before
    }

    /// Whether a sanitizer's allocator serves malloc here (scripts/sanitize.sh): it is not glibc's,
    /// ignores the settings and maps memory its own way (ThreadSanitizer's mallopt even returns 1).
    static var sanitizerAllocator: Bool {
        let symbols: [String] = ["__asan_init", "__tsan_init"]
        return symbols.contains { name in dlsym(nil, name) != nil }
    }

    @Test(.disabled(if: sanitizerAllocator, "a sanitizer's allocator, not glibc's, serves malloc"))
    func settingsTakeAndFreedPagesAreReused() {
        #expect(HeapTuning.keepLargeArraysInHeap())
        _ = faultsOfOneArray()  // the heap grows to hold it once
        let again = faultsOfOneArray()
        // 16 MiB is 4096 pages; a fresh mapping would fault in every one of them.
        #expect(again < 512, "the second 16 MiB array faulted \(again) pages in")
    }
    #endif
}
