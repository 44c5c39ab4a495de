/// A ``GRUModel`` with a loss: the model `gru train` fits to sequences with targets, as a
/// ``TrainableModel``.
///
///     input (N, T, I) → GRU (batch-first) → (N, T, D·H) → head → (N, T, O)  every step
///                                                              → (N, O)     last step
///
/// The loss is the model's ``Loss`` with PyTorch's mean reduction over the batch. With lengths,
/// only valid steps count: the last-step readout reads each sequence's last valid step
/// (`out[n, length_n − 1]`, zeros for an empty sequence), and an every-step loss averages over
/// the valid steps alone. Without lengths this is exactly `head(out)` / `head(out[:, -1, :])`
/// followed by `mse_loss`, `binary_cross_entropy_with_logits` or `cross_entropy`.
public struct SupervisedGRU: TrainableModel {
    /// The GRU stack and head; its configuration must be batch-first.
    public var model: GRUModel<Float>
    /// What the head's outputs are compared with the targets by.
    public var loss: Loss

    /// - Throws: ``GRUKitError/incompatible(_:)`` unless the model is batch-first.
    public init(model: GRUModel<Float>, loss: Loss) throws {
        guard model.configuration.batchFirst else {
            throw GRUKitError.incompatible("SupervisedGRU: the model must be batch-first (inputs (N, T, I))")
        }
        self.model = model
        self.loss = loss
    }

    /// The GRU's and the head's weights, named `gru.…` and `head.…`.
    public var parameters: GRUModelParameters<Float> {
        get { model.parameters }
        set { model.parameters = newValue }
    }

    /// The head's outputs for a batch: (N, T, O) every step or (N, O) at each last valid step
    /// (``GRUModel/logits(_:initialState:lengths:)``).
    public func predictions(_ input: Tensor<Float>, lengths: [Int]? = nil) throws -> Tensor<Float> {
        try model.logits(input, lengths: lengths)
    }

    /// The batch's mean loss (over valid steps) and its gradient for every weight, by BPTT.
    public func lossAndGradients(on batch: SequenceBatch, dropoutSeed: UInt64?) throws -> (loss: Float, gradients: GRUModelParameters<Float>) {
        let gru = model.gru
        let trace = try gru.forward(batch.input, lengths: batch.lengths, dropoutSeed: dropoutSeed)
        let states = try model.readoutStates(trace.output, lengths: batch.lengths)
        let logits = try model.head(states)
        let (value, dLogits) = try evaluate(logits, batch)
        let (dHead, dStates) = try model.head.backward(input: states, outputGradient: dLogits)
        let dOutput = model.readout == .everyStep ? dStates : model.placeAtLastStep(dStates, outputShape: trace.output.shape, lengths: batch.lengths)
        // The batch is data: no gradient for it.
        let dGRU = try gru.backward(trace, outputGradient: dOutput, finalStateGradient: nil, inputGradient: false)
        return (value, GRUModelParameters(gru: dGRU.parameters, head: dHead))
    }

    /// The batch's mean loss without dropout.
    public func loss(on batch: SequenceBatch) throws -> Float {
        try evaluate(predictions(batch.input, lengths: batch.lengths), batch).value
    }

    /// The loss and ∂loss/∂logits, counting only valid steps of an every-step readout.
    func evaluate(_ logits: Tensor<Float>, _ batch: SequenceBatch) throws -> (value: Float, gradient: Tensor<Float>) {
        guard model.readout == .everyStep, let lengths = batch.lengths, lengths.contains(where: { $0 < batch.steps }) else {
            return try loss.evaluate(logits: logits, target: batch.target)
        }
        // Gather the valid (n, t) rows of the logits and the target, take the loss over them,
        // and put the gradient back at those rows (zero elsewhere).
        let (n, t, o) = (logits.shape[0], logits.shape[1], logits.shape[2])
        let rows = (0..<n).flatMap { b in (0..<min(lengths[b], t)).map { b * t + $0 } }
        guard !rows.isEmpty else { return (0, Tensor(uncheckedZeros: logits.shape)) }
        func gather(_ x: [Float], width: Int) -> [Float] { rows.flatMap { x[($0 * width)..<(($0 + 1) * width)] } }
        let validLogits = Tensor(unchecked: [rows.count, o], scalars: gather(logits.scalars, width: o))
        let validTarget: LossTarget<Float>
        switch batch.target {
        case .values(let y):
            try y.requireShape(logits.shape, name: "target", meaning: "(N, T, O), the logits' shape")
            validTarget = .values(Tensor(unchecked: [rows.count, o], scalars: gather(y.scalars, width: o)))
        case .classes(let k):
            guard k.count == n * t else {
                throw GRUKitError.shapeMismatch(tensor: "target classes", expected: "one per step = [\(n * t)]", actual: [k.count])
            }
            validTarget = .classes(rows.map { k[$0] })
        }
        let (value, dValid) = try loss.evaluate(logits: validLogits, target: validTarget)
        var gradient = Tensor<Float>(uncheckedZeros: logits.shape)
        for (r, row) in rows.enumerated() {
            gradient.scalars.replaceSubrange((row * o)..<((row + 1) * o), with: dValid.scalars[(r * o)..<((r + 1) * o)])
        }
        return (value, gradient)
    }
}
