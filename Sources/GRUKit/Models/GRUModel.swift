/// Which of the GRU's outputs the linear head reads.
public enum Readout: String, CaseIterable, Sendable {
    /// The head reads every step: logits (T, N, O).
    case everyStep = "every-step"
    /// The head reads the last step's output only (PyTorch's `out[-1]`): logits (N, O). With
    /// per-sequence lengths, each sequence's last valid step, `out[len − 1]` (zeros for an
    /// empty sequence).
    case lastStep = "last-step"
}

/// The parameters of a ``GRUModel``: the GRU's, then the head's.
public struct GRUModelParameters<Scalar: GRUScalar>: ParameterSet, Equatable {
    /// The GRU stack's weights and biases.
    public var gru: GRUStackParameters<Scalar>
    /// The linear head's weight and bias.
    public var head: LinearParameters<Scalar>

    public init(gru: GRUStackParameters<Scalar>, head: LinearParameters<Scalar>) {
        self.gru = gru
        self.head = head
    }

    public mutating func updateTensors(_ body: (inout Tensor<Scalar>) throws -> Void) rethrows {
        try gru.updateTensors(body)
        try head.updateTensors(body)
    }

    public func visitTensors(_ body: (Tensor<Scalar>) throws -> Void) rethrows {
        try gru.visitTensors(body)
        try head.visitTensors(body)
    }

    /// Named as PyTorch names a module with a `gru` and a `head`: `gru.weight_ih_l0`, `head.bias`, ….
    public var parameterPaths: [ParameterPath<GRUModelParameters>] {
        gru.parameterPaths.map { $0.nested(in: \GRUModelParameters.gru, prefix: "gru.") }
            + head.parameterPaths.map { $0.nested(in: \GRUModelParameters.head, prefix: "head.") }
    }
}

/// A GRU stack followed by a linear head and a loss: the seed texts' network, grown up.
///
///     input (T, N, I) → GRU → outputs (T, N, D·H) → head → logits (T, N, O) or (N, O) → loss
///
/// With `batchFirst`, the input is (N, T, I) and every-step logits (N, T, O).
public struct GRUModel<Scalar: GRUScalar>: Sendable {
    /// All trainable tensors.
    public var parameters: GRUModelParameters<Scalar>
    /// The GRU stack's sizes, layout and semantics.
    public var configuration: GRUConfiguration
    /// Whether the head reads every step or the last.
    public var readout: Readout
    /// Threads for the fast kernels, or `nil` for the caller's thread alone.
    public var threads: ComputeThreads?
    /// Which implementation runs; tests use the reference to check the fast kernels.
    package var engine = GRUEngine.automatic

    /// Creates a model from parameters, checking them against the configuration and that the
    /// head reads the GRU's output width (D·H).
    public init(parameters: GRUModelParameters<Scalar>, configuration: GRUConfiguration, readout: Readout) throws {
        _ = try GRU(configuration, parameters: parameters.gru)
        try parameters.head.checkShapes()
        let width = configuration.directionCount * configuration.hiddenSize
        guard parameters.head.inputSize == width else {
            throw GRUKitError.shapeMismatch(
                tensor: "head.weight", expected: "(O, D·H) with D·H = \(width)", actual: parameters.head.weight.shape)
        }
        self.parameters = parameters
        self.configuration = configuration
        self.readout = readout
    }

    /// Creates a model with PyTorch's default initialisation: the GRU's weights first, then
    /// the head's.
    public init(
        configuration: GRUConfiguration, outputSize: Int, readout: Readout = .everyStep,
        using generator: inout SeededGenerator
    ) throws {
        let gru = try GRU<Scalar>(configuration, using: &generator)
        let head = try Linear<Scalar>(
            inputSize: configuration.directionCount * configuration.hiddenSize, outputSize: outputSize, using: &generator)
        try self.init(parameters: GRUModelParameters(gru: gru.parameters, head: head.parameters),
                      configuration: configuration, readout: readout)
    }

    /// Creates a one-layer, one-direction model with PyTorch's default initialisation.
    ///
    /// - Parameters:
    ///   - inputSize: I ≥ 1.
    ///   - hiddenSize: H ≥ 1.
    ///   - outputSize: O ≥ 1.
    ///   - convention: the GRU variant.
    ///   - bias: whether the GRU has biases (the head always has one).
    ///   - readout: every step or the last.
    ///   - generator: the seeded source of the initial weights.
    public init(
        inputSize: Int, hiddenSize: Int, outputSize: Int, convention: GRUConvention = .pytorch,
        bias: Bool = true, readout: Readout = .everyStep, using generator: inout SeededGenerator
    ) throws {
        var configuration = GRUConfiguration(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias)
        configuration.convention = convention
        try self.init(configuration: configuration, outputSize: outputSize, readout: readout, using: &generator)
    }

    /// The GRU stack (a view of ``parameters``; its forward pass checks every shape).
    public var gru: GRU<Scalar> {
        var gru = GRU(unchecked: configuration, parameters: parameters.gru)
        gru.threads = threads
        gru.engine = engine
        return gru
    }
    /// The linear head (a view of ``parameters``).
    public var head: Linear<Scalar> { Linear(parameters: parameters.head) }

    /// The head's outputs: (T, N, O) for ``Readout/everyStep``, (N, O) for ``Readout/lastStep``.
    ///
    /// - Parameters:
    ///   - input: (T, N, I), or (N, T, I) with `batchFirst`.
    ///   - initialState: (L·D, N, H) or `nil` for zeros.
    ///   - lengths: per-sequence lengths, or `nil`.
    public func logits(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil
    ) throws -> Tensor<Scalar> {
        let (output, _) = try gru(input, initialState: initialState, lengths: lengths)
        return try head(readoutStates(output, lengths: lengths))
    }

    /// The loss of one batch.
    public func loss(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil,
        target: LossTarget<Scalar>, loss: Loss, reduction: Reduction = .mean, dropoutSeed: UInt64? = nil
    ) throws -> Scalar {
        let trace = try gru.forward(input, initialState: initialState, lengths: lengths, dropoutSeed: dropoutSeed)
        return try loss.evaluate(logits: head(readoutStates(trace.output, lengths: lengths)), target: target, reduction: reduction).value
    }

    /// The loss of one batch and its gradient with respect to every parameter, the input and
    /// the initial state.
    ///
    /// - Parameters:
    ///   - input: (T, N, I), or (N, T, I) with `batchFirst`.
    ///   - initialState: (L·D, N, H) or `nil` for zeros.
    ///   - lengths: per-sequence lengths, or `nil`.
    ///   - target: for the logits (T, N, O) or (N, O); see ``LossTarget``.
    ///   - loss: which loss.
    ///   - reduction: mean or sum.
    ///   - dropoutSeed: the seed of this step's dropout masks, or `nil` for no dropout.
    ///   - inputGradient: whether to compute ∂L/∂input; `false` when the input is data
    ///     (training), which spares the first layer a product (``GRU/backward(_:outputGradient:finalStateGradient:inputGradient:)``).
    public func gradients(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil,
        target: LossTarget<Scalar>, loss: Loss, reduction: Reduction = .mean, dropoutSeed: UInt64? = nil,
        inputGradient: Bool = true
    ) throws -> (loss: Scalar, logits: Tensor<Scalar>, gradients: GRUModelGradients<Scalar>) {
        let gru = self.gru
        let trace = try gru.forward(input, initialState: initialState, lengths: lengths, dropoutSeed: dropoutSeed)
        let states = try readoutStates(trace.output, lengths: lengths)
        let logits = try head(states)
        let (value, dLogits) = try loss.evaluate(logits: logits, target: target, reduction: reduction)
        let (dHead, dStates) = try head.backward(input: states, outputGradient: dLogits)
        let dOutput: Tensor<Scalar>
        switch readout {
        case .everyStep:
            dOutput = dStates
        case .lastStep:
            dOutput = placeAtLastStep(dStates, outputShape: trace.output.shape, lengths: lengths)
        }
        let dGRU = try gru.backward(trace, outputGradient: dOutput, finalStateGradient: nil, inputGradient: inputGradient)
        let gradients = GRUModelGradients(
            parameters: GRUModelParameters(gru: dGRU.parameters, head: dHead),
            input: dGRU.input, initialState: dGRU.initialState)
        return (value, logits, gradients)
    }

    /// The states the head reads: all of `output`, or each sequence's last valid step
    /// (N, D·H) — step T − 1, or `lengths[n] − 1` (zeros for a length of 0). For a
    /// bidirectional layer that is the output at that position: the forward state after the
    /// sequence's steps beside the backward direction's output there.
    func readoutStates(_ output: Tensor<Scalar>, lengths: [Int]?) throws -> Tensor<Scalar> {
        guard readout == .lastStep else { return output }
        let width = output.shape[2]
        let (n, t) = configuration.batchFirst ? (output.shape[0], output.shape[1]) : (output.shape[1], output.shape[0])
        var last = [Scalar](repeating: 0, count: n * width)
        for b in 0..<n {
            guard let row = lastRow(b, batch: n, steps: t, lengths: lengths) else { continue }
            last.replaceSubrange((b * width)..<((b + 1) * width), with: output.scalars[(row * width)..<((row + 1) * width)])
        }
        return Tensor(unchecked: [n, width], scalars: last)
    }

    /// A zero gradient of the output's shape with `dLast` (N, D·H) at each sequence's last
    /// valid step (nothing for a length of 0).
    func placeAtLastStep(_ dLast: Tensor<Scalar>, outputShape: [Int], lengths: [Int]?) -> Tensor<Scalar> {
        var d = Tensor<Scalar>(uncheckedZeros: outputShape)
        let width = outputShape[2]
        let (n, t) = configuration.batchFirst ? (outputShape[0], outputShape[1]) : (outputShape[1], outputShape[0])
        for b in 0..<n {
            guard let row = lastRow(b, batch: n, steps: t, lengths: lengths) else { continue }
            d.scalars.replaceSubrange((row * width)..<((row + 1) * width), with: dLast.scalars[(b * width)..<((b + 1) * width)])
        }
        return d
    }

    /// The row of the output (as rows of D·H) that holds sequence `b`'s last valid step, or
    /// `nil` for an empty sequence.
    private func lastRow(_ b: Int, batch n: Int, steps t: Int, lengths: [Int]?) -> Int? {
        guard let step = Self.lastStep(b, steps: t, lengths: lengths) else { return nil }
        return configuration.batchFirst ? b * t + step : step * n + b
    }

    /// Sequence `b`'s last valid step, T − 1 or `lengths[b] − 1`, or `nil` for an empty one.
    static func lastStep(_ b: Int, steps t: Int, lengths: [Int]?) -> Int? {
        let step = min(lengths?[b] ?? t, t) - 1
        return step >= 0 ? step : nil
    }
}

/// The gradients of a ``GRUModel``'s loss.
public struct GRUModelGradients<Scalar: GRUScalar>: Sendable {
    /// ∂L/∂(every parameter).
    public var parameters: GRUModelParameters<Scalar>
    /// ∂L/∂input, in the input's layout; `nil` when ``GRUModel/gradients(_:initialState:lengths:target:loss:reduction:dropoutSeed:inputGradient:)``
    /// was asked for none.
    public var input: Tensor<Scalar>?
    /// ∂L/∂(initial state), (L·D, N, H).
    public var initialState: Tensor<Scalar>
}
