@testable import GRUKit
import Testing

extension FastKernels: CustomTestStringConvertible {
    public var testDescription: String { name }
}

/// The sizes every kernel test loops over: empty, tiny, odd, and one either side of the
/// register tile (6 rows, 8-lane vectors, 16-column panels) and of two panels.
let kernelTestSizes = [0, 1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33]

/// Unit roundoff of `Float`, 2⁻²⁴.
let floatRoundoff = 0x1p-24

/// `count` floats uniform in [−1, 1) on a 2⁻²³ grid (cheap enough for debug builds).
func randomFloats(_ count: Int, _ g: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float(Int32(truncatingIfNeeded: g.next() >> 40) - (1 << 23)) * 0x1p-23 }
}

/// One GEMM problem: op(A) (m, k), op(B) (k, n) and a starting C (m, n), all row-major and
/// tightly packed, with the exact product from the naive reference kernel run in `Double`.
///
/// Any sum of k products computed in `Float` (fused or not, in any order along a chain that
/// starts from C or 0) is within (k + 2)·u·(|C| + Σ|a·b|) of the exact value, u = 2⁻²⁴: that
/// is the tolerance ``check`` applies, element by element.
struct GEMMProblem: Sendable {
    let m: Int, n: Int, k: Int
    let opA: [Float], opB: [Float], c0: [Float]
    /// Σ_p a·b and Σ_p |a·b| in `Double` (exact: float products and their sums fit).
    let product: [Double], magnitude: [Double]

    init(m: Int, n: Int, k: Int, seed: UInt64) {
        self.m = m
        self.n = n
        self.k = k
        var g = SeededGenerator(seed: seed)
        opA = randomFloats(m * k, &g)
        opB = randomFloats(k * n, &g)
        c0 = randomFloats(m * n, &g)
        let a = opA.map(Double.init), b = opB.map(Double.init)
        var product = [Double](repeating: 0, count: m * n), magnitude = product
        Kernels.gemm(.none, .none, m: m, n: n, k: k, a, 0, lda: k, b, 0, ldb: n,
                     into: &product, 0, ldc: n, accumulate: false)
        Kernels.gemm(.none, .none, m: m, n: n, k: k, a.map(abs), 0, lda: k, b.map(abs), 0, ldb: n,
                     into: &magnitude, 0, ldc: n, accumulate: false)
        self.product = product
        self.magnitude = magnitude
    }

    /// op(A) stored as A ((m, k), or (k, m) when transposed) from `offset`, rows `extra`
    /// elements longer than needed, with `offset` and trailing garbage of NaN.
    func storedA(_ t: Transpose, offset: Int, extra: Int) -> (array: [Float], ld: Int) {
        store(opA, rows: m, cols: k, t, offset: offset, extra: extra)
    }

    /// op(B) stored as B ((k, n), or (n, k) when transposed), like ``storedA``.
    func storedB(_ t: Transpose, offset: Int, extra: Int) -> (array: [Float], ld: Int) {
        store(opB, rows: k, cols: n, t, offset: offset, extra: extra)
    }

    private func store(_ x: [Float], rows: Int, cols: Int, _ t: Transpose, offset: Int, extra: Int) -> ([Float], Int) {
        let (r, c) = t == .none ? (rows, cols) : (cols, rows)
        let ld = c + extra
        var out = [Float](repeating: .nan, count: offset + r * ld + 1)
        for i in 0..<rows {
            for j in 0..<cols {
                out[offset + (t == .none ? i * ld + j : j * ld + i)] = x[i * cols + j]
            }
        }
        return (out, ld)
    }

    /// An array holding C from `offset` with rows `ldc` apart: c0 if `accumulate`, else NaN
    /// (which β = 0 must not read); every other element holds a sentinel.
    func storedC(offset: Int, ldc: Int, accumulate: Bool) -> [Float] {
        var out = [Float](repeating: Self.sentinel, count: offset + max(0, m - 1) * ldc + n + 3)
        for i in 0..<m {
            for j in 0..<n { out[offset + i * ldc + j] = accumulate ? c0[i * n + j] : .nan }
        }
        return out
    }

    static let sentinel: Float = -12345.5

    /// Failures of C (at `offset`, rows `ldc` apart) against the exact result, restricted to
    /// `columns`; elements outside them (and outside C) must still hold the sentinel or, within
    /// C, their starting value.
    func check(_ c: [Float], offset: Int, ldc: Int, accumulate: Bool, columns: Range<Int>? = nil) -> [String] {
        let columns = columns ?? 0..<n
        var failures: [String] = []
        for index in c.indices {
            let local = index - offset
            let (i, j) = local >= 0 && ldc > 0 ? (local / ldc, local % ldc) : (-1, -1)
            let inC = i >= 0 && i < m && j < n
            if inC && columns.contains(j) {
                let start = accumulate ? Double(c0[i * n + j]) : 0
                let exact = start + product[i * n + j]
                let bound = Double(k + 2) * floatRoundoff * (abs(start) + magnitude[i * n + j]) + 1e-30
                let error = abs(Double(c[index]) - exact)
                if !(error <= bound) {
                    failures.append("C[\(i), \(j)] = \(c[index]), exact \(exact), error \(error) > \(bound)")
                }
            } else {
                let expected = inC ? (accumulate ? c0[i * n + j] : .nan) : Self.sentinel
                if c[index].bitPattern != expected.bitPattern {
                    failures.append("element \(index) outside the written range changed to \(c[index])")
                }
            }
            if failures.count >= 3 { break }
        }
        return failures
    }
}

/// Every (m, n, k) over ``kernelTestSizes``, with its reference product, made once and shared.
let exhaustiveGEMMProblems: [GEMMProblem] = {
    var problems: [GEMMProblem] = []
    for m in kernelTestSizes {
        for n in kernelTestSizes {
            for k in kernelTestSizes {
                problems.append(GEMMProblem(m: m, n: n, k: k, seed: UInt64(m * 10_000 + n * 100 + k)))
            }
        }
    }
    return problems
}()

/// Array layouts a problem is stored in: tight, and with offsets and padded rows.
struct KernelLayout: Sendable, CustomTestStringConvertible {
    let aOffset: Int, aExtra: Int, bOffset: Int, bExtra: Int, cOffset: Int, cExtra: Int
    static let tight = KernelLayout(aOffset: 0, aExtra: 0, bOffset: 0, bExtra: 0, cOffset: 0, cExtra: 0)
    static let padded = KernelLayout(aOffset: 3, aExtra: 5, bOffset: 1, bExtra: 2, cOffset: 2, cExtra: 3)
    var testDescription: String { self.aOffset == 0 && self.cExtra == 0 ? "tight" : "offsets, ld > width" }
}
