import Dispatch
@testable import GRUKit
import Testing

/// The packed-B GEMM: bit-identical to the unpacked GEMM of the same implementation (which
/// ``KernelGEMMTests`` checks against the reference) for every small shape, whole or split into
/// column ranges, and split across threads.
@Suite struct KernelPackedGEMMTests {
    @Test(arguments: FastKernels.available, [Transpose.none, .transposed])
    func matchesUnpackedBitForBit(kernels: FastKernels, transB: Transpose) {
        for problem in exhaustiveGEMMProblems {
            let (m, n, k) = (problem.m, problem.n, problem.k)
            let (a, lda) = problem.storedA(.none, offset: 1, extra: 2)
            let (b, ldb) = problem.storedB(transB, offset: 3, extra: 1)
            let packed = PackedMatrix(transB, rows: k, columns: n, b, 3, ld: ldb)
            let ldc = n + 2
            // Splits: whole, at an odd column, at a panel boundary, and a middle range only.
            let splits: [[Range<Int>]] = [[0..<n], [0..<(n / 3), (n / 3)..<n], [0..<min(16, n), min(16, n)..<n]]
            for accumulate in [false, true] {
                var expected = problem.storedC(offset: 5, ldc: ldc, accumulate: accumulate)
                kernels.gemm(.none, transB, m: m, n: n, k: k, a, 1, lda: lda, b, 3, ldb: ldb,
                             into: &expected, 5, ldc: ldc, accumulate: accumulate)
                for ranges in splits {
                    var c = problem.storedC(offset: 5, ldc: ldc, accumulate: accumulate)
                    for columns in ranges.reversed() {
                        kernels.gemm(m: m, a, 1, lda: lda, packed, columns: columns, into: &c, 5, ldc: ldc, accumulate: accumulate)
                    }
                    #expect(c.map(\.bitPattern) == expected.map(\.bitPattern),
                            "\(kernels.name) \(transB) m \(m) n \(n) k \(k) β \(accumulate ? 1 : 0) columns \(ranges)")
                }
                let middle = (n / 4)..<(n - n / 5)
                var c = problem.storedC(offset: 5, ldc: ldc, accumulate: accumulate)
                kernels.gemm(m: m, a, 1, lda: lda, packed, columns: middle, into: &c, 5, ldc: ldc, accumulate: accumulate)
                let failures = problem.check(c, offset: 5, ldc: ldc, accumulate: accumulate, columns: middle)
                #expect(failures.isEmpty, "\(kernels.name) \(transB) m \(m) n \(n) k \(k) columns \(middle): \(failures)")
            }
        }
    }

    /// A packed B made by one implementation works in the other (one layout for all).
    @Test func packingIsSharedByImplementations() {
        let problem = GEMMProblem(m: 13, n: 37, k: 300, seed: 3)
        let packed = PackedMatrix(.none, rows: 300, columns: 37, problem.opB, 0, ld: 37)
        for kernels in FastKernels.available {
            var c = problem.storedC(offset: 0, ldc: 37, accumulate: true)
            kernels.gemm(m: 13, problem.opA, 0, lda: 300, packed, into: &c, 0, ldc: 37, accumulate: true)
            #expect(problem.check(c, offset: 0, ldc: 37, accumulate: true).isEmpty, "\(kernels.name)")
        }
    }

    /// Two threads computing halves of C's columns give exactly the one-thread result, at the
    /// recurrent shape h (N, H) · W_hhᵀ with H = 96, N = 10.
    @Test(arguments: FastKernels.available)
    func columnHalvesOnTwoThreads(kernels: FastKernels) {
        let (m, n, k) = (10, 288, 96)
        let problem = GEMMProblem(m: m, n: n, k: k, seed: 5)
        let packed = PackedMatrix(.none, rows: k, columns: n, problem.opB, 0, ld: n)
        var single = [Float](repeating: 0, count: m * n)
        kernels.gemm(m: m, problem.opA, 0, lda: k, packed, into: &single, 0, ldc: n, accumulate: false)
        for split in [n / 2, 144 + 5] {
            var split2 = [Float](repeating: .nan, count: m * n)
            problem.opA.withUnsafeBufferPointer { a in
                split2.withUnsafeMutableBufferPointer { c in
                    nonisolated(unsafe) let (a, c) = (a.baseAddress!, c.baseAddress!)
                    DispatchQueue.concurrentPerform(iterations: 2) { half in
                        kernels._gemm(m: m, a, lda: k, packed, columns: half == 0 ? 0..<split : split..<n,
                                      c, ldc: n, accumulate: false)
                    }
                }
            }
            #expect(split2.map(\.bitPattern) == single.map(\.bitPattern), "split at \(split)")
        }
    }
}
