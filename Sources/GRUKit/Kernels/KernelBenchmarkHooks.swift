/// Entry points for the `KernelBench` executable, which sits outside the module: the naive
/// reference GEMM and the fast kernels, with Bool transposes instead of the internal
/// ``Transpose``. Not for use by the library itself.
package enum KernelBenchmarkHooks {
    /// The implementations this CPU can run, by name ("portable", "avx2+fma").
    package static var implementations: [String] { FastKernels.available.map(\.name) }

    /// The one GRUKit uses.
    package static var active: String { FastKernels.active.name }

    /// ``_Naive/gemm(_:_:m:n:k:_:lda:_:ldb:_:ldc:accumulate:)`` for `Float`.
    package static func naiveGEMM(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        _Naive.gemm(transA ? .transposed : .none, transB ? .transposed : .none, m: m, n: n, k: k,
                    a, lda: lda, b, ldb: ldb, c, ldc: ldc, accumulate: accumulate)
    }

    /// ``FastKernels/gemm(_:_:m:n:k:_:_:lda:_:_:ldb:into:_:ldc:accumulate:)`` of `implementation`.
    package static func fastGEMM(
        _ implementation: String, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        _ a: [Float], lda: Int, _ b: [Float], ldb: Int, into c: inout [Float], ldc: Int, accumulate: Bool
    ) {
        kernels(implementation).gemm(
            transA ? .transposed : .none, transB ? .transposed : .none, m: m, n: n, k: k,
            a, 0, lda: lda, b, 0, ldb: ldb, into: &c, 0, ldc: ldc, accumulate: accumulate)
    }

    /// A ``PackedMatrix`` of op(B), held opaquely.
    package struct Packed: @unchecked Sendable {
        fileprivate let matrix: PackedMatrix
        package init(transB: Bool, k: Int, n: Int, _ b: [Float], ldb: Int) {
            matrix = PackedMatrix(transB ? .transposed : .none, rows: k, columns: n, b, 0, ld: ldb)
        }
    }

    /// The packed ``FastKernels/gemm(m:_:_:lda:_:columns:into:_:ldc:accumulate:)``.
    package static func packedGEMM(
        _ implementation: String, m: Int, _ a: [Float], lda: Int, _ b: Packed,
        into c: inout [Float], ldc: Int, accumulate: Bool
    ) {
        kernels(implementation).gemm(m: m, a, 0, lda: lda, b.matrix, into: &c, 0, ldc: ldc, accumulate: accumulate)
    }

    /// ``FastKernels/sigmoid(_:_:count:)`` in place.
    package static func sigmoid(_ implementation: String, _ x: inout [Float]) {
        kernels(implementation).sigmoid(&x, 0, count: x.count)
    }

    /// ``FastKernels/tanh(_:_:count:)`` in place.
    package static func tanh(_ implementation: String, _ x: inout [Float]) {
        kernels(implementation).tanh(&x, 0, count: x.count)
    }

    /// The scalar reference activations GRUKit's layers use today, for a baseline.
    package static func scalarSigmoid(_ x: inout [Float]) {
        for i in x.indices { x[i] = Float.sigmoid(x[i]) }
    }

    /// `Float.tanh` (swift-numerics) element by element, for a baseline.
    package static func scalarTanh(_ x: inout [Float]) {
        for i in x.indices { x[i] = Float.tanh(x[i]) }
    }

    private static func kernels(_ name: String) -> FastKernels {
        guard let k = FastKernels.available.first(where: { $0.name == name }) else {
            preconditionFailure("no kernels named \(name) on this CPU")
        }
        return k
    }
}
