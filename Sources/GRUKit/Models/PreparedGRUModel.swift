/// A GRU model frozen for inference: its stack a ``PreparedGRU``, its head's weight laid out
/// once for the fast GEMM. The logits are those of the model it was made from, bit for bit
/// (the GEMM's result does not depend on how its operand is laid out).
///
///     let frozen = try model.prepared()
///     let logits = try frozen.logits(input)
public struct PreparedGRUModel<Scalar: GRUScalar>: Sendable {
    /// The model, as it was prepared.
    public let model: GRUModel<Scalar>
    private let gru: PreparedGRU<Scalar>
    /// Wᵀ (D·H, O) packed, when `Scalar` is Float.
    private let packedHead: PackedMatrix?

    /// Checks every shape of `model`'s weights, then lays them out.
    public init(_ model: GRUModel<Scalar>) throws {
        // The checks of GRUModel's init again: its parameters are mutable.
        let head = model.parameters.head
        try head.checkShapes()
        var checked = try GRUModel(parameters: model.parameters, configuration: model.configuration, readout: model.readout)
        checked.threads = model.threads
        checked.engine = model.engine
        self.model = checked
        gru = try checked.gru.prepared()
        packedHead = Scalar.self == Float.self
            ? PackedMatrix(.transposed, rows: head.weight.shape[1], columns: head.weight.shape[0],
                           unsafeBitCast(head.weight.scalars, to: [Float].self), 0, ld: head.weight.shape[1])
            : nil
    }

    /// The head's outputs, as ``GRUModel/logits(_:initialState:lengths:)`` gives them:
    /// (T, N, O) for ``Readout/everyStep``, (N, O) for ``Readout/lastStep``.
    ///
    /// - Parameters:
    ///   - input: (T, N, I), or (N, T, I) with `batchFirst`.
    ///   - initialState: (L·D, N, H) or `nil` for zeros.
    ///   - lengths: per-sequence lengths, or `nil`.
    public func logits(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil
    ) throws -> Tensor<Scalar> {
        let (output, _) = try gru(input, initialState: initialState, lengths: lengths)
        let states = try model.readoutStates(output, lengths: lengths)
        guard let packedHead else { return try model.head(states) }
        // Scalar is Float here: Linear's product, y = x Wᵀ + b, with Wᵀ packed.
        let x = unsafeBitCast(states.scalars, to: [Float].self)
        let (k, o) = (packedHead.rows, packedHead.columns)
        let rows = x.count / k
        var y = [Float](unsafeUninitializedCapacity: rows * o) { _, count in count = rows * o }  // all written
        FastKernels.active.gemm(m: rows, x, 0, lda: k, packedHead, into: &y, 0, ldc: o, accumulate: false)
        if let b = model.parameters.head.bias?.scalars {
            let b = unsafeBitCast(b, to: [Float].self)
            for r in 0..<rows { for j in 0..<o { y[r * o + j] += b[j] } }
        }
        var shape = states.shape
        shape[shape.count - 1] = o
        return Tensor(unchecked: shape, scalars: unsafeBitCast(y, to: [Scalar].self))
    }
}

extension GRUModel {
    /// This model with its weights laid out once for repeated inference; see
    /// ``PreparedGRUModel``.
    public func prepared() throws -> PreparedGRUModel<Scalar> {
        try PreparedGRUModel(self)
    }
}
