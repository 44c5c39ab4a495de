/// A GRU model frozen for inference: its stack a ``PreparedGRU``, its head's weight laid out
/// once for the fast GEMM. The logits are those of the model it was made from, bit for bit.
///
///     let frozen = try model.prepared()
///     let logits = try frozen.logits(input)
public struct PreparedGRUModel<Scalar: GRUScalar>: Sendable {
    /// The model, as it was prepared.
    public var model: GRUModel<Scalar> { storage.model }
    /// Everything in one reference, so that a copy of the prepared model (a call may make
    /// one) retains one object, not each of the model's tensors.
    private let storage: Storage

    /// Checks every shape of `model`'s weights (its parameters are mutable), then lays them out.
    public init(_ model: GRUModel<Scalar>) throws {
        var checked = try GRUModel(parameters: model.parameters, configuration: model.configuration, readout: model.readout)
        checked.threads = model.threads
        checked.engine = model.engine
        storage = try Storage(checked)
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
        let storage = storage
        if let packedHead = storage.packedHead, let logits = try storage.gru.withFastOutput(input, initialState: initialState, lengths: lengths, {
            states, t, n in storage.headLogits(states, steps: t, batch: n, lengths: lengths, packedHead: packedHead)
        }) {
            return logits
        }
        let (output, _) = try storage.gru.run(input, initialState: initialState, lengths: lengths, keepFinalState: false)
        return try storage.head(storage.model.readoutStates(output, lengths: lengths), packedWeight: storage.packedHead)
    }

    private final class Storage: Sendable {
        let model: GRUModel<Scalar>
        let gru: PreparedGRU<Scalar>
        let head: Linear<Scalar>
        /// The head's Wᵀ packed, when `Scalar` is Float.
        let packedHead: PackedMatrix?

        init(_ model: GRUModel<Scalar>) throws {
            self.model = model
            gru = try model.gru.prepared()
            head = model.head
            packedHead = head.packedWeight()
        }

        /// The head over the fast stack's time-major output (T, N, W), read where the stack
        /// wrote it: every row, or each sequence's last valid one (zeros for a length of 0), as
        /// ``GRUModel/readoutStates(_:lengths:)`` picks them. The head works row by row, so
        /// these are the bits of the general path.
        func headLogits(
            _ states: UnsafeBufferPointer<Float>, steps t: Int, batch n: Int, lengths: [Int]?, packedHead: PackedMatrix
        ) -> Tensor<Scalar> {
            let o = head.outputSize
            switch model.readout {
            case .everyStep:
                let y = head.output(rows: t * n, states.baseAddress!, packedWeight: packedHead)
                let logits = Tensor(unchecked: [t, n, o], scalars: unsafeBitCast(y, to: [Scalar].self))
                return model.configuration.batchFirst ? logits.swappingFirstTwoAxes() : logits
            case .lastStep:
                let w = states.count / (t * n)
                let y = withUnsafeTemporaryAllocation(of: Float.self, capacity: n * w) { last in
                    for b in 0..<n {
                        if let step = GRUModel<Scalar>.lastStep(b, steps: t, lengths: lengths) {
                            (last.baseAddress! + b * w).initialize(from: states.baseAddress! + (step * n + b) * w, count: w)
                        } else {
                            (last.baseAddress! + b * w).initialize(repeating: 0, count: w)
                        }
                    }
                    return head.output(rows: n, last.baseAddress!, packedWeight: packedHead)
                }
                return Tensor(unchecked: [n, o], scalars: unsafeBitCast(y, to: [Scalar].self))
            }
        }
    }
}

extension GRUModel {
    /// This model with its weights laid out once for repeated inference; see
    /// ``PreparedGRUModel``.
    public func prepared() throws -> PreparedGRUModel<Scalar> {
        try PreparedGRUModel(self)
    }
}
