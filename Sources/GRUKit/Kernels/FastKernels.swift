import CGRUKernels

/// One implementation of the single-precision kernels in the C target `CGRUKernels`.
///
/// ``active`` is the one GRUKit uses: AVX2 + FMA on an x86-64 CPU (and OS) that has them, else
/// the portable C kernels. Setting `GRUKIT_KERNELS=portable` in the environment forces the
/// portable one for the whole process. Tests and benchmarks pick one from ``available``.
///
/// Like ``Kernels``, every entry point checks its index ranges against the arrays once per call,
/// then hands raw pointers to C. The arithmetic, for the GEMMs: each element of C is one
/// multiply-add chain over p = 0 ..< k in order (fused on AVX2), started from C (`accumulate`)
/// or 0, so results do not depend on blocking, packing or which columns a call computes.
///
/// Wiring into a GRU layer (H hidden, W_hh (3H, H)), packing once per sequence:
///
///     let forwardWeights = PackedMatrix(.transposed, rows: H, columns: 3 * H, wHH, 0, ld: H)  // W_hhᵀ
///     let backwardWeights = PackedMatrix(.none, rows: 3 * H, columns: H, wHH, 0, ld: H)       // W_hh
///     // each step: gh[:, 0..<3H] = h · W_hhᵀ (reset after), or columns 0..<2H (reset before)
///     fast.gemm(m: N, state, 0, lda: H, forwardWeights, columns: 0..<3 * H, into: &gh, 0, ldc: 3 * H, accumulate: false)
///     // reset before: gh[:, 2H..<3H] = u · W_hnᵀ is the same packing, columns 2H..<3H, A = u
///     // backward: dPrevious += dGh (N, 3H) · W_hh (k = 3H; for reset before, pack rows 0..<2H
///     // and 2H..<3H of W_hh separately: a packing covers all of its k rows)
///
/// Two threads can each compute half of `columns` (``_gemm(m:_:lda:_:columns:_:ldc:accumulate:)``)
/// and get the one-thread result bit for bit.
struct FastKernels: @unchecked Sendable {  // `table` points at an immutable static C table.
    let table: UnsafePointer<gru_kernel_table>

    /// The implementation in use, fixed on first use.
    static let active = FastKernels(table: gru_kernels_table(gru_kernels_isa())!)
    /// The portable C kernels (4-wide vectors, no FMA); runs on every CPU.
    static let portable = FastKernels(table: gru_kernels_table(Int32(GRU_ISA_PORTABLE.rawValue))!)
    /// The AVX2 + FMA kernels, or `nil` where this CPU cannot run them.
    static let avx2FMA = gru_kernels_table(Int32(GRU_ISA_AVX2_FMA.rawValue)).map(FastKernels.init)
    /// The AVX-512 GEMMs (with the AVX2 activations), or `nil` where this CPU cannot run them.
    static let avx512 = gru_kernels_table(Int32(GRU_ISA_AVX512.rawValue)).map(FastKernels.init)
    /// Every implementation this CPU can run, portable first, the best last.
    static var available: [FastKernels] { [portable] + [avx2FMA, avx512].compactMap { $0 } }

    /// "portable" or "avx2+fma".
    var name: String { String(cString: table.pointee.name) }

    /// C (+)= op(A) · op(B), row-major, with the arguments of ``Kernels/gemm(_:_:m:n:k:_:_:lda:_:_:ldb:into:_:ldc:accumulate:)``.
    ///
    /// - Parameters:
    ///   - m, n, k: op(A) is (m, k), op(B) is (k, n), C is (m, n).
    ///   - a, b: the arrays holding A and B from `aOffset`/`bOffset`, rows `lda`/`ldb` apart.
    ///     A is stored (m, k) when `transA == .none`, else (k, m); likewise B.
    ///   - c: holds C from `cOffset`, rows `ldc` apart; columns past `n` are not touched.
    ///   - accumulate: add to C (β = 1) instead of overwriting it (β = 0, C is never read).
    func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        _ a: [Float], _ aOffset: Int, lda: Int,
        _ b: [Float], _ bOffset: Int, ldb: Int,
        into c: inout [Float], _ cOffset: Int, ldc: Int, accumulate: Bool
    ) {
        guard m > 0, n > 0 else { return }
        let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
        let (bRows, bCols) = transB == .none ? (k, n) : (n, k)
        Kernels.checkRange(a.count, aOffset, aRows, aCols, lda, "A")
        Kernels.checkRange(b.count, bOffset, bRows, bCols, ldb, "B")
        Kernels.checkRange(c.count, cOffset, m, n, ldc, "C")
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    _gemm(transA, transB, m: m, n: n, k: k, a.baseAddress! + aOffset, lda: lda,
                          b.baseAddress! + bOffset, ldb: ldb, c.baseAddress! + cOffset, ldc: ldc,
                          accumulate: accumulate)
                }
            }
        }
    }

    /// C[:, columns] (+)= A · B[:, columns] with B packed once in `b` (weights reused every step).
    ///
    /// - Parameters:
    ///   - a: holds A (m, b.rows) from `aOffset`, rows `lda` apart.
    ///   - b: op(B), (b.rows, b.columns), packed.
    ///   - columns: the columns of C (and of op(B)) to compute; all by default. Disjoint ranges
    ///     may run on different threads at once and give exactly the single-call result.
    ///   - c: C's column 0 is at `cOffset`, rows `ldc` apart; only `columns` are read or written.
    func gemm(
        m: Int, _ a: [Float], _ aOffset: Int, lda: Int, _ b: PackedMatrix, columns: Range<Int>? = nil,
        into c: inout [Float], _ cOffset: Int, ldc: Int, accumulate: Bool
    ) {
        let columns = columns ?? 0..<b.columns
        precondition(columns.lowerBound >= 0 && columns.upperBound <= b.columns, "columns out of range")
        guard m > 0, !columns.isEmpty else { return }
        Kernels.checkRange(a.count, aOffset, m, b.rows, lda, "A")
        precondition(columns.upperBound <= ldc, "kernel operand out of range")
        Kernels.checkRange(c.count, cOffset + columns.lowerBound, m, columns.count, ldc, "C")
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                _gemm(m: m, a.baseAddress! + aOffset, lda: lda, b, columns: columns,
                      c.baseAddress! + cOffset, ldc: ldc, accumulate: accumulate)
            }
        }
    }

    /// y[i] = σ(x[i]) = 1 / (1 + e^(−x[i])) for i in 0 ..< count, within 3e-7 (a few ulps).
    func sigmoid(_ x: [Float], _ xOffset: Int, into y: inout [Float], _ yOffset: Int, count: Int) {
        elementwise(table.pointee.sigmoid, x, xOffset, into: &y, yOffset, count: count)
    }

    /// x[i] = σ(x[i]) for i in offset ..< offset + count.
    func sigmoid(_ x: inout [Float], _ offset: Int, count: Int) {
        elementwise(table.pointee.sigmoid, &x, offset, count: count)
    }

    /// y[i] = tanh(x[i]) for i in 0 ..< count, within 3e-7 (a few ulps).
    func tanh(_ x: [Float], _ xOffset: Int, into y: inout [Float], _ yOffset: Int, count: Int) {
        elementwise(table.pointee.tanh, x, xOffset, into: &y, yOffset, count: count)
    }

    /// x[i] = tanh(x[i]) for i in offset ..< offset + count.
    func tanh(_ x: inout [Float], _ offset: Int, count: Int) {
        elementwise(table.pointee.tanh, &x, offset, count: count)
    }

    private typealias Elementwise = @convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void

    private func elementwise(_ f: Elementwise?, _ x: [Float], _ xOffset: Int, into y: inout [Float], _ yOffset: Int, count: Int) {
        guard count > 0 else { return }
        Kernels.checkRange(x.count, xOffset, 1, count, count, "x")
        Kernels.checkRange(y.count, yOffset, 1, count, count, "y")
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in f!(x.baseAddress! + xOffset, y.baseAddress! + yOffset, count) }
        }
    }

    private func elementwise(_ f: Elementwise?, _ x: inout [Float], _ offset: Int, count: Int) {
        guard count > 0 else { return }
        Kernels.checkRange(x.count, offset, 1, count, count, "x")
        x.withUnsafeMutableBufferPointer { x in f!(x.baseAddress! + offset, x.baseAddress! + offset, count) }
    }
}

// MARK: - Raw pointers (unchecked)

extension FastKernels {
    /// ``gemm(_:_:m:n:k:_:_:lda:_:_:ldb:into:_:ldc:accumulate:)`` on pointers, unchecked.
    func _gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        table.pointee.sgemm(transA == .none ? 0 : 1, transB == .none ? 0 : 1, m, n, k,
                            a, lda, b, ldb, accumulate ? 1 : 0, c, ldc)
    }

    /// The packed ``gemm(m:_:_:lda:_:columns:into:_:ldc:accumulate:)`` on pointers, unchecked;
    /// `c` points at column 0 of C.
    func _gemm(
        m: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: PackedMatrix, columns: Range<Int>,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        table.pointee.sgemm_packed_cols(m, b.columns, b.rows, a, lda, b.storage,
                                        columns.lowerBound, columns.upperBound,
                                        accumulate ? 1 : 0, c, ldc)
    }
}

/// The right operand op(B) (rows × columns) of a GEMM, packed into the layout the
/// ``FastKernels`` micro-kernels read: pack a weight matrix once per sequence and reuse it every
/// time step. Immutable once made, so threads may share it. The layout is the same for every
/// implementation.
final class PackedMatrix: @unchecked Sendable {  // `storage` is written only in `init`.
    /// k: the rows of op(B).
    let rows: Int
    /// n: the columns of op(B).
    let columns: Int
    fileprivate let storage: UnsafeMutablePointer<Float>?

    /// Packs op(B): B stored (rows, columns) from `offset` with rows `ld` apart when
    /// `transpose == .none`, else B stored (columns, rows) — e.g. W_hh (3H, H) with
    /// `.transposed` gives W_hhᵀ (H, 3H), the operand of `h · W_hhᵀ`.
    init(_ transpose: Transpose, rows: Int, columns: Int, _ b: [Float], _ offset: Int, ld: Int) {
        precondition(rows >= 0 && columns >= 0, "negative size")
        let (bRows, bCols) = transpose == .none ? (rows, columns) : (columns, rows)
        Kernels.checkRange(b.count, offset, bRows, bCols, ld, "B")
        self.rows = rows
        self.columns = columns
        let bytes = gru_sgemm_packed_size(columns, rows)
        guard bytes > 0 else {
            storage = nil
            return
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        storage = raw.bindMemory(to: Float.self, capacity: bytes / MemoryLayout<Float>.stride)
        b.withUnsafeBufferPointer { b in
            gru_sgemm_pack_b(transpose == .none ? 0 : 1, columns, rows, b.baseAddress! + offset, ld, storage)
        }
    }

    deinit {
        storage?.deallocate()
    }
}
