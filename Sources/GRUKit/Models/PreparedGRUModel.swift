/// A GRU model frozen for inference: its stack a ``PreparedGRU``, its head's weight laid out
/// once for the fast GEMM. The logits are those of the model it was made from, bit for bit.
///
///     let frozen = try model.prepared()
///     let logits = try frozen.logits(input)
public struct PreparedGRUModel<Scalar: GRUScalar>: Sendable {
    /// The model, as it was prepared.
    public let model: GRUModel<Scalar>
    private let gru: PreparedGRU<Scalar>
    /// The head's Wᵀ packed, when `Scalar` is Float.
    private let packedHead: PackedMatrix?

    /// Checks every shape of `model`'s weights (its parameters are mutable), then lays them out.
    public init(_ model: GRUModel<Scalar>) throws {
        var checked = try GRUModel(parameters: model.parameters, configuration: model.configuration, readout: model.readout)
        checked.threads = model.threads
        checked.engine = model.engine
        self.model = checked
        gru = try checked.gru.prepared()
        packedHead = checked.head.packedWeight()
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
        let (output, _) = try gru.run(input, initialState: initialState, lengths: lengths, keepFinalState: false)
        return try model.head(model.readoutStates(output, lengths: lengths), packedWeight: packedHead)
    }
}

extension GRUModel {
    /// This model with its weights laid out once for repeated inference; see
    /// ``PreparedGRUModel``.
    public func prepared() throws -> PreparedGRUModel<Scalar> {
        try PreparedGRUModel(self)
    }
}
