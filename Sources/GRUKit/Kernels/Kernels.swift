/// Whether a kernel reads a matrix as stored or transposed.
enum Transpose: Sendable {
    case none, transposed
}

/// The kernels every layer is built from, over arrays with offsets and leading dimensions.
///
/// Each entry point checks its index ranges against the arrays (cheap, once per call), then
/// hands raw pointers to the fast C kernels (``FastKernels``) for `Float` and to ``_Naive``,
/// the reference, for other types.
enum Kernels {
    /// C (+)= op(A) · op(B), row-major.
    ///
    /// - Parameters:
    ///   - m, n, k: op(A) is (m, k), op(B) is (k, n), C is (m, n).
    ///   - a, b: the arrays holding A and B from `aOffset`/`bOffset`, rows `lda`/`ldb` apart.
    ///     A is stored (m, k) when `transA == .none`, else (k, m); likewise B.
    ///   - c: holds C from `cOffset`, rows `ldc` apart.
    ///   - accumulate: add to C (β = 1) instead of overwriting it (β = 0).
    static func gemm<S: GRUScalar>(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        _ a: [S], _ aOffset: Int, lda: Int,
        _ b: [S], _ bOffset: Int, ldb: Int,
        into c: inout [S], _ cOffset: Int, ldc: Int, accumulate: Bool
    ) {
        guard m > 0, n > 0 else { return }
        if S.self == Float.self {
            // The same type at run time: reinterpret, moving C out so it stays uniquely referenced.
            var taken: [S] = []
            swap(&taken, &c)
            var floats = unsafeBitCast(taken, to: [Float].self)
            taken = []
            FastKernels.active.gemm(
                transA, transB, m: m, n: n, k: k, unsafeBitCast(a, to: [Float].self), aOffset, lda: lda,
                unsafeBitCast(b, to: [Float].self), bOffset, ldb: ldb, into: &floats, cOffset, ldc: ldc, accumulate: accumulate)
            c = unsafeBitCast(floats, to: [S].self)
            return
        }
        let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
        let (bRows, bCols) = transB == .none ? (k, n) : (n, k)
        checkRange(a.count, aOffset, aRows, aCols, lda, "A")
        checkRange(b.count, bOffset, bRows, bCols, ldb, "B")
        checkRange(c.count, cOffset, m, n, ldc, "C")
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    _Naive.gemm(
                        transA, transB, m: m, n: n, k: k,
                        a.baseAddress! + aOffset, lda: lda, b.baseAddress! + bOffset, ldb: ldb,
                        c.baseAddress! + cOffset, ldc: ldc, accumulate: accumulate)
                }
            }
        }
    }

    /// sums[j] (+)= Σ_i x[i, j] over `rows` rows of `columns` columns, rows `ld` apart.
    static func columnSums<S: GRUScalar>(
        rows: Int, columns: Int, _ x: [S], _ offset: Int, ld: Int,
        into sums: inout [S], _ sumsOffset: Int, accumulate: Bool
    ) {
        checkRange(x.count, offset, rows, columns, ld, "X")
        checkRange(sums.count, sumsOffset, 1, columns, columns, "sums")
        if !accumulate {
            for j in 0..<columns { sums[sumsOffset + j] = 0 }
        }
        guard rows > 0 else { return }
        x.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { s in
                _Naive.columnSums(rows: rows, columns: columns, x.baseAddress! + offset, ld: ld, s.baseAddress! + sumsOffset)
            }
        }
    }

    /// Traps unless a (rows, cols) matrix with leading dimension `ld` at `offset` fits in `count`.
    @inline(__always)
    static func checkRange(_ count: Int, _ offset: Int, _ rows: Int, _ cols: Int, _ ld: Int, _ what: StaticString) {
        guard rows > 0, cols > 0 else { return }
        precondition(
            offset >= 0 && cols <= ld && offset + (rows - 1) * ld + cols <= count,
            "kernel operand out of range")
    }
}

/// Plain-loop kernels: the reference every fast kernel is tested against, and the fallback.
enum _Naive {
    static func gemm<S: GRUScalar>(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int,
        _ c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
    ) {
        for i in 0..<m {
            let ci = c + i * ldc
            if !accumulate {
                for j in 0..<n { ci[j] = 0 }
            }
            for p in 0..<k {
                let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                if transB == .none {
                    let bp = b + p * ldb
                    for j in 0..<n { ci[j] += aip * bp[j] }
                } else {
                    for j in 0..<n { ci[j] += aip * b[j * ldb + p] }
                }
            }
        }
    }

    static func columnSums<S: GRUScalar>(
        rows: Int, columns: Int, _ x: UnsafePointer<S>, ld: Int, _ sums: UnsafeMutablePointer<S>
    ) {
        for i in 0..<rows {
            let xi = x + i * ld
            for j in 0..<columns { sums[j] += xi[j] }
        }
    }
}
