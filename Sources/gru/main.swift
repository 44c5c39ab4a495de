import Foundation
import GRUCLI
import GRUKit

// Training and inference make and free arrays of megabytes every step: keep their pages in the
// heap rather than mapping them afresh (HeapTuning). GRUKIT_GLIBC_DEFAULTS set, to any value,
// leaves glibc's defaults (scripts/bench_frameworks.py --glibc-defaults).
if ProcessInfo.processInfo.environment["GRUKIT_GLIBC_DEFAULTS"] == nil {
    HeapTuning.keepLargeArraysInHeap()
}
exit(GRUCommand.run())
