import CGRUKernels
@testable import GRUKit
import Testing

/// The fast GEMMs against the naive reference (in `Double`) over every small shape, both
/// layouts of each operand, β = 0 and 1, tight and padded arrays; then GRU-sized shapes.
@Suite struct KernelGEMMTests {
    static let transposes: [(Transpose, Transpose)] = [(.none, .none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed)]

    @Test(arguments: FastKernels.available, [KernelLayout.tight, .padded])
    func exhaustiveSmallShapes(kernels: FastKernels, layout: KernelLayout) {
        var cases = 0
        for problem in exhaustiveGEMMProblems {
            for (ta, tb) in Self.transposes {
                let (a, lda) = problem.storedA(ta, offset: layout.aOffset, extra: layout.aExtra)
                let (b, ldb) = problem.storedB(tb, offset: layout.bOffset, extra: layout.bExtra)
                let ldc = problem.n + layout.cExtra
                for accumulate in [false, true] {
                    var c = problem.storedC(offset: layout.cOffset, ldc: ldc, accumulate: accumulate)
                    kernels.gemm(ta, tb, m: problem.m, n: problem.n, k: problem.k, a, layout.aOffset, lda: lda,
                                 b, layout.bOffset, ldb: ldb, into: &c, layout.cOffset, ldc: ldc, accumulate: accumulate)
                    let failures = problem.check(c, offset: layout.cOffset, ldc: ldc, accumulate: accumulate)
                    #expect(failures.isEmpty, "\(kernels.name) \(ta)·\(tb) m \(problem.m) n \(problem.n) k \(problem.k) β \(accumulate ? 1 : 0): \(failures)")
                    cases += 1
                }
            }
        }
        #expect(cases == 12 * 12 * 12 * 4 * 2)
    }

    /// Wide C (n > 128): transposed A is then packed rather than read in place, and several
    /// 256-column blocks are used. Every row edge, both layouts of B, β = 0 and 1.
    @Test(arguments: FastKernels.available)
    func wideProductsPackTransposedA(kernels: FastKernels) {
        for m in kernelTestSizes {
            for (n, k) in [(161, 7), (300, 33), (529, 2)] {
                let problem = GEMMProblem(m: m, n: n, k: k, seed: UInt64(m * 1000 + n + k))
                for tb in [Transpose.none, .transposed] {
                    let (a, lda) = problem.storedA(.transposed, offset: 2, extra: 1)
                    let (b, ldb) = problem.storedB(tb, offset: 0, extra: 3)
                    for accumulate in [false, true] {
                        var c = problem.storedC(offset: 1, ldc: n + 4, accumulate: accumulate)
                        kernels.gemm(.transposed, tb, m: m, n: n, k: k, a, 2, lda: lda, b, 0, ldb: ldb,
                                     into: &c, 1, ldc: n + 4, accumulate: accumulate)
                        let failures = problem.check(c, offset: 1, ldc: n + 4, accumulate: accumulate)
                        #expect(failures.isEmpty, "\(kernels.name) m \(m) n \(n) k \(k) \(tb) β \(accumulate ? 1 : 0): \(failures)")
                    }
                }
            }
        }
    }

    /// Small products (a few thousand multiply-adds) are computed without packing; their bits
    /// are those of the blocked path: the same rows as part of a product thousands of rows tall.
    @Test(arguments: FastKernels.available)
    func smallProductsHaveTheBlockedBits(kernels: FastKernels) {
        var g = SeededGenerator(seed: 12)
        for (m, n, k) in [(1, 1, 16), (16, 1, 16), (5, 3, 7), (3, 17, 2), (16, 48, 2), (7, 16, 16), (2, 33, 30), (11, 5, 9)] {
            let tall = m + 2100  // m·n·k above the small-product bound
            let a = randomFloats(tall * k, &g), b = randomFloats(k * n, &g), c0 = randomFloats(tall * n, &g)
            for (ta, tb) in Self.transposes {
                // op(A)'s first m rows: stored (m, k) from the tall (tall, k), or columns of (k, tall).
                let small = ta == .none ? Array(a[0..<(m * k)]) : (0..<k).flatMap { p in a[(p * tall)..<(p * tall + m)] }
                let (lda, ldaSmall) = ta == .none ? (k, k) : (tall, m)
                let ldb = tb == .none ? n : k
                for accumulate in [false, true] {
                    var whole = c0
                    kernels.gemm(ta, tb, m: tall, n: n, k: k, a, 0, lda: lda, b, 0, ldb: ldb, into: &whole, 0, ldc: n,
                                 accumulate: accumulate)
                    var part = Array(c0[0..<(m * n)])
                    kernels.gemm(ta, tb, m: m, n: n, k: k, small, 0, lda: ldaSmall, b, 0, ldb: ldb, into: &part, 0, ldc: n,
                                 accumulate: accumulate)
                    #expect(part.map(\.bitPattern) == whole[0..<(m * n)].map(\.bitPattern),
                            "\(kernels.name) \(ta)·\(tb) m \(m) n \(n) k \(k) β \(accumulate ? 1 : 0)")
                    guard ta == .none else { continue }
                    // And with op(B) packed once (the weights of a step), all columns.
                    var packedPart = Array(c0[0..<(m * n)])
                    kernels.gemm(m: m, small, 0, lda: k, PackedMatrix(tb, rows: k, columns: n, b, 0, ld: ldb),
                                 into: &packedPart, 0, ldc: n, accumulate: accumulate)
                    #expect(packedPart.map(\.bitPattern) == whole[0..<(m * n)].map(\.bitPattern),
                            "\(kernels.name) packed ·\(tb) m \(m) n \(n) k \(k) β \(accumulate ? 1 : 0)")
                }
            }
        }
    }

    /// C is (m, n) inside a wider matrix (ldc = 3H, n = 2H as in the GRU's gh[:, 0..<2H]),
    /// operands start at offsets, β = 1: other columns are untouched.
    @Test(arguments: FastKernels.available)
    func columnSliceOfAWiderMatrix(kernels: FastKernels) {
        let problem = GEMMProblem(m: 9, n: 34, k: 20, seed: 7)
        let (a, lda) = problem.storedA(.none, offset: 4, extra: 0)
        let (b, ldb) = problem.storedB(.transposed, offset: 20 * 3, extra: 0)  // rows of a taller W
        let ldc = 51
        var c = problem.storedC(offset: 17, ldc: ldc, accumulate: true)
        kernels.gemm(.none, .transposed, m: 9, n: 34, k: 20, a, 4, lda: lda, b, 60, ldb: ldb,
                     into: &c, 17, ldc: ldc, accumulate: true)
        #expect(problem.check(c, offset: 17, ldc: ldc, accumulate: true).isEmpty)
    }

    /// k = 0: β = 0 zeroes C, β = 1 leaves it; n = 0 or m = 0 touch nothing.
    @Test(arguments: FastKernels.available)
    func emptyDimensions(kernels: FastKernels) {
        var c: [Float] = [.nan, .nan, 1, .nan, .nan, 2]
        kernels.gemm(.none, .none, m: 2, n: 2, k: 0, [], 0, lda: 0, [], 0, ldb: 2, into: &c, 0, ldc: 3, accumulate: false)
        #expect(c[0] == 0 && c[1] == 0 && c[2] == 1 && c[3] == 0 && c[4] == 0 && c[5] == 2)
        var d: [Float] = [5, 6]
        kernels.gemm(.none, .none, m: 1, n: 2, k: 0, [], 0, lda: 0, [], 0, ldb: 2, into: &d, 0, ldc: 2, accumulate: true)
        #expect(d == [5, 6])
        kernels.gemm(.none, .none, m: 0, n: 2, k: 3, [], 0, lda: 3, [1, 2, 3, 4, 5, 6], 0, ldb: 2, into: &d, 0, ldc: 2, accumulate: false)
        kernels.gemm(.none, .none, m: 1, n: 0, k: 3, [1, 2, 3], 0, lda: 3, [], 0, ldb: 0, into: &d, 0, ldc: 2, accumulate: false)
        #expect(d == [5, 6])
    }

    /// Shapes the GRU calls (several k blocks, many panels, edge rows and columns), checked on
    /// a sample of elements against the exact product; same call twice is bit-identical.
    @Test(arguments: FastKernels.available)
    func gruSizedShapes(kernels: FastKernels) {
        let shapes: [(Transpose, Transpose, Int, Int, Int)] = [
            (.none, .transposed, 64, 768, 256),   // h · W_hhᵀ, H = 256, N = 64
            (.none, .transposed, 1, 384, 128),    // N = 1: a GEMV
            (.none, .none, 32, 512, 1536),        // dG · W_hh, H = 512
            (.transposed, .none, 384, 128, 1000), // dW_hh = dGᵀ · H_prev, H = 128, T·N = 1000
            (.none, .none, 1000, 32, 384),        // dX = dG · W_ih
            (.transposed, .transposed, 70, 45, 530),
        ]
        var g = SeededGenerator(seed: 11)
        for (ta, tb, m, n, k) in shapes {
            let (a, b) = (randomFloats(m * k, &g), randomFloats(k * n, &g))
            let (lda, ldb) = (ta == .none ? k : m, tb == .none ? n : k)
            var c = [Float](repeating: .nan, count: m * n)
            kernels.gemm(ta, tb, m: m, n: n, k: k, a, 0, lda: lda, b, 0, ldb: ldb, into: &c, 0, ldc: n, accumulate: false)
            var again = [Float](repeating: 0, count: m * n)
            kernels.gemm(ta, tb, m: m, n: n, k: k, a, 0, lda: lda, b, 0, ldb: ldb, into: &again, 0, ldc: n, accumulate: false)
            #expect(c.map(\.bitPattern) == again.map(\.bitPattern), "deterministic")
            var worst = 0.0
            for _ in 0..<200 {
                let (i, j) = (g.index(below: m), g.index(below: n))
                var exact = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Double(ta == .none ? a[i * lda + p] : a[p * lda + i])
                    let y = Double(tb == .none ? b[p * ldb + j] : b[j * ldb + p])
                    exact += x * y
                    magnitude += abs(x * y)
                }
                worst = max(worst, abs(Double(c[i * n + j]) - exact) / (Double(k + 2) * floatRoundoff * magnitude))
            }
            #expect(worst <= 1, "\(kernels.name) \(ta)·\(tb) \(m)×\(n)×\(k): error / bound = \(worst)")
        }
    }

    /// GRUKIT_KERNELS=portable selects the portable kernels, =avx2 the AVX2 ones; anything else
    /// the best available.
    @Test func implementationsAndSelection() {
        #expect(FastKernels.available.first?.name == "portable")
        #expect(gru_kernels_isa_for("portable") == Int32(GRU_ISA_PORTABLE.rawValue))
        let best = FastKernels.avx512 != nil ? GRU_ISA_AVX512 : FastKernels.avx2FMA != nil ? GRU_ISA_AVX2_FMA : GRU_ISA_PORTABLE
        #expect(gru_kernels_isa_for(nil) == Int32(best.rawValue))
        #expect(gru_kernels_isa_for("auto") == Int32(best.rawValue))
        if FastKernels.avx2FMA != nil { #expect(gru_kernels_isa_for("avx2") == Int32(GRU_ISA_AVX2_FMA.rawValue)) }
    }
}
