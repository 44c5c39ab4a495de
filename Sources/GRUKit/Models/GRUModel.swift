/// Which of the GRU's outputs the linear head reads.
public enum Readout: String, CaseIterable, Sendable {
    /// The head reads every step: logits (T, N, O).
    case everyStep = "every-step"
    /// The head reads the last step's output only (PyTorch's `out[-1]`): logits (N, O).
    case lastStep = "last-step"
}

/// The parameters of a ``GRUModel``: the GRU's, then the head's.
public struct GRUModelParameters<Scalar: GRUScalar>: ParameterSet, Equatable {
    /// The GRU layer's weights and biases.
    public var gru: GRUParameters<Scalar>
    /// The linear head's weight and bias.
    public var head: LinearParameters<Scalar>

    public init(gru: GRUParameters<Scalar>, head: LinearParameters<Scalar>) {
        self.gru = gru
        self.head = head
    }

    /// Named as PyTorch names a module with a `gru` and a `head`: `gru.weight_ih`, `head.bias`, ….
    public var parameterPaths: [ParameterPath<GRUModelParameters>] {
        gru.parameterPaths.map { $0.nested(in: \GRUModelParameters.gru, prefix: "gru.") }
            + head.parameterPaths.map { $0.nested(in: \GRUModelParameters.head, prefix: "head.") }
    }
}

/// A GRU layer followed by a linear head and a loss: the seed texts' network.
///
///     input (T, N, I) → GRU → states (T, N, H) → head → logits (T, N, O) or (N, O) → loss
public struct GRUModel<Scalar: GRUScalar>: Sendable {
    /// All trainable tensors.
    public var parameters: GRUModelParameters<Scalar>
    /// The GRU variant.
    public var convention: GRUConvention
    /// Whether the head reads every step or the last.
    public var readout: Readout

    /// Creates a model from parameters, checking that the head's input is the GRU's width.
    public init(parameters: GRUModelParameters<Scalar>, convention: GRUConvention, readout: Readout) throws {
        guard parameters.head.inputSize == parameters.gru.hiddenSize else {
            throw GRUKitError.shapeMismatch(
                tensor: "head.weight", expected: "(O, H) with H = \(parameters.gru.hiddenSize)",
                actual: parameters.head.weight.shape)
        }
        self.parameters = parameters
        self.convention = convention
        self.readout = readout
    }

    /// Creates a model with PyTorch's default initialisation.
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
        let gru = try GRUParameters<Scalar>.pytorchDefault(
            inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
        let head = try Linear<Scalar>(inputSize: hiddenSize, outputSize: outputSize, using: &generator)
        try self.init(parameters: GRUModelParameters(gru: gru, head: head.parameters), convention: convention, readout: readout)
    }

    /// The GRU layer (a view of ``parameters``).
    public var gru: GRULayer<Scalar> { GRULayer(parameters: parameters.gru, convention: convention) }
    /// The linear head (a view of ``parameters``).
    public var head: Linear<Scalar> { Linear(parameters: parameters.head) }

    /// The head's outputs: (T, N, O) for ``Readout/everyStep``, (N, O) for ``Readout/lastStep``.
    ///
    /// - Parameters:
    ///   - input: (T, N, I).
    ///   - initialState: (N, H) or `nil` for zeros.
    public func logits(_ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil) throws -> Tensor<Scalar> {
        let (output, _) = try gru(input, initialState: initialState)
        return try head(readoutStates(output))
    }

    /// The loss of one batch.
    public func loss(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, target: LossTarget<Scalar>,
        loss: Loss, reduction: Reduction = .mean
    ) throws -> Scalar {
        try loss.evaluate(logits: logits(input, initialState: initialState), target: target, reduction: reduction).value
    }

    /// The loss of one batch and its gradient with respect to every parameter, the input and
    /// the initial state.
    ///
    /// - Parameters:
    ///   - input: (T, N, I).
    ///   - initialState: (N, H) or `nil` for zeros.
    ///   - target: for the logits (T, N, O) or (N, O); see ``LossTarget``.
    ///   - loss: which loss.
    ///   - reduction: mean or sum.
    public func gradients(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, target: LossTarget<Scalar>,
        loss: Loss, reduction: Reduction = .mean
    ) throws -> (loss: Scalar, logits: Tensor<Scalar>, gradients: GRUModelGradients<Scalar>) {
        let gru = self.gru
        let trace = try gru.forward(input, initialState: initialState)
        let states = try readoutStates(trace.output)
        let logits = try head(states)
        let (value, dLogits) = try loss.evaluate(logits: logits, target: target, reduction: reduction)
        let (dHead, dStates) = try head.backward(input: states, outputGradient: dLogits)
        let dOutput: Tensor<Scalar>
        switch readout {
        case .everyStep:
            dOutput = dStates
        case .lastStep:
            var d = Tensor<Scalar>(uncheckedZeros: trace.output.shape)
            d.scalars.replaceSubrange((d.count - dStates.count)..., with: dStates.scalars)
            dOutput = d
        }
        let dGRU = try gru.backward(trace, outputGradient: dOutput, finalStateGradient: nil)
        let gradients = GRUModelGradients(
            parameters: GRUModelParameters(gru: dGRU.parameters, head: dHead),
            input: dGRU.input, initialState: dGRU.initialState)
        return (value, logits, gradients)
    }

    /// The states the head reads: all of `output` (T, N, H), or its last step (N, H).
    func readoutStates(_ output: Tensor<Scalar>) throws -> Tensor<Scalar> {
        switch readout {
        case .everyStep:
            return output
        case .lastStep:
            let (n, h) = (output.shape[1], output.shape[2])
            return Tensor(unchecked: [n, h], scalars: Array(output.scalars[(output.count - n * h)...]))
        }
    }
}

/// The gradients of a ``GRUModel``'s loss.
public struct GRUModelGradients<Scalar: GRUScalar>: Sendable {
    /// ∂L/∂(every parameter).
    public var parameters: GRUModelParameters<Scalar>
    /// ∂L/∂input, (T, N, I).
    public var input: Tensor<Scalar>
    /// ∂L/∂(initial state), (N, H).
    public var initialState: Tensor<Scalar>
}
