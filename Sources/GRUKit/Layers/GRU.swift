/// A stack of GRU layers in one or two directions: what `torch.nn.GRU` and the ONNX `GRU`
/// operator compute, with its backward pass.
///
/// Layer k, direction d is a ``GRULayer`` over layer k − 1's output (the input for k = 0);
/// a bidirectional layer's output concatenates [forward, backward] on the feature axis.
/// Between layers, in training only, dropout zeroes each output with probability p and scales
/// the rest by 1/(1 − p). Shapes are on ``GRUConfiguration``.
public struct GRU<Scalar: GRUScalar>: Sendable {
    /// Sizes, layout and semantics.
    public let configuration: GRUConfiguration
    /// The weights of every layer and direction.
    public var parameters: GRUStackParameters<Scalar>
    /// Threads for the fast kernels, or `nil` for the caller's thread alone.
    public var threads: ComputeThreads?
    /// Which implementation runs; tests use the reference to check the fast kernels.
    package var engine = GRUEngine.automatic

    /// Creates a stack with PyTorch's default initialisation: every weight and bias uniform in
    /// (−1/√H, 1/√H), layer by layer, forward before reverse.
    public init(_ configuration: GRUConfiguration, using generator: inout SeededGenerator) throws {
        try configuration.validate()
        var layers: [GRUParameters<Scalar>] = []
        for k in 0..<configuration.layerCount {
            for _ in 0..<configuration.directionCount {
                layers.append(try .pytorchDefault(
                    inputSize: configuration.layerInputSize(k), hiddenSize: configuration.hiddenSize,
                    bias: configuration.bias, using: &generator))
            }
        }
        self.configuration = configuration
        parameters = GRUStackParameters(layers: layers, directionCount: configuration.directionCount)
    }

    /// Creates a stack from existing weights, checking every shape against the configuration.
    public init(_ configuration: GRUConfiguration, parameters: GRUStackParameters<Scalar>) throws {
        try configuration.validate()
        let (l, d, h) = (configuration.layerCount, configuration.directionCount, configuration.hiddenSize)
        guard parameters.layers.count == l * d, parameters.directionCount == d else {
            throw GRUKitError.incompatible(
                "GRU weights: \(parameters.layers.count) layer-directions for \(l) layer(s) × \(d) direction(s)")
        }
        for (i, p) in parameters.layers.enumerated() {
            let name = parameters.suffix(i)
            guard p.weightHH.rank == 2 else {  // (before its sizes are read)
                throw GRUKitError.shapeMismatch(tensor: "weight_hh_\(name)", expected: "(3H, H) = [\(3 * h), \(h)]", actual: p.weightHH.shape)
            }
            guard p.weightIH.rank == 2, p.hiddenSize == h, p.inputSize == configuration.layerInputSize(i / d) else {
                throw GRUKitError.shapeMismatch(
                    tensor: "weight_ih_\(name)", expected: "(3H, I) = [\(3 * h), \(configuration.layerInputSize(i / d))]",
                    actual: p.weightIH.shape)
            }
            guard p.hasBias == configuration.bias else {
                throw GRUKitError.incompatible("bias_ih_\(name): the configuration says bias \(configuration.bias)")
            }
            try p.checkShapes()  // the rest: 3H rows, the biases' shapes
        }
        self.configuration = configuration
        self.parameters = parameters
    }

    /// A stack whose parameters were checked elsewhere; each layer checks its own shapes when run.
    init(unchecked configuration: GRUConfiguration, parameters: GRUStackParameters<Scalar>) {
        self.configuration = configuration
        self.parameters = parameters
    }

    /// Layer k, direction d, as a ``GRULayer`` (a view of ``parameters``).
    public func layer(_ k: Int, direction d: Int = 0) -> GRULayer<Scalar> {
        let c = configuration
        var layer = GRULayer(
            parameters: parameters.layers[k * c.directionCount + d], convention: c.convention,
            reverse: c.direction.isReverse(d), activations: c.activations(forDirection: d), clip: c.clip)
        layer.threads = threads
        layer.engine = engine
        return layer
    }

    /// Runs the stack (no dropout).
    ///
    /// - Parameters:
    ///   - input: (T, N, I), or (N, T, I) with `batchFirst`.
    ///   - initialState: (L·D, N, H), or `nil` for zeros.
    ///   - lengths: N sequence lengths in 0...T (packed-sequence semantics), or `nil`.
    /// - Returns: `output` (T, N, D·H) or (N, T, D·H), zero past each length, and
    ///   `finalState` (L·D, N, H), each sequence's state after its last valid step.
    public func callAsFunction(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil
    ) throws -> (output: Tensor<Scalar>, finalState: Tensor<Scalar>) {
        let trace = try run(input, initialState: initialState, lengths: lengths, dropoutSeed: nil, keepTraces: false)
        return (trace.output, trace.finalState)
    }

    /// Runs the stack and keeps what ``backward(_:outputGradient:finalStateGradient:inputGradient:)`` needs.
    ///
    /// - Parameters:
    ///   - input: (T, N, I), or (N, T, I) with `batchFirst`.
    ///   - initialState: (L·D, N, H), or `nil` for zeros.
    ///   - lengths: N sequence lengths in 0...T, or `nil`.
    ///   - dropoutSeed: in training, the seed of this call's dropout masks (the same seed gives
    ///     the same masks); `nil` runs without dropout, as in evaluation.
    public func forward(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil, dropoutSeed: UInt64? = nil
    ) throws -> GRUTrace<Scalar> {
        try run(input, initialState: initialState, lengths: lengths, dropoutSeed: dropoutSeed, keepTraces: true)
    }

    /// The forward pass; without `keepTraces` (inference) the layers keep nothing for backward.
    private func run(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>?, lengths: [Int]?, dropoutSeed: UInt64?, keepTraces: Bool
    ) throws -> GRUTrace<Scalar> {
        let c = configuration
        let (l, d) = (c.layerCount, c.directionCount)
        guard parameters.layers.count == l * d else {
            throw GRUKitError.incompatible("GRU weights: \(parameters.layers.count) layer-directions for \(l) layer(s) × \(d) direction(s)")
        }
        var layerInput = try c.timeMajorInput(input)
        try c.checkInitialState(initialState, batch: layerInput.shape[1])
        var traces: [GRULayerTrace<Scalar>] = []
        var masks: [Tensor<Scalar>] = []
        var generator = dropoutSeed.map { SeededGenerator(seed: $0) }
        for k in 0..<l {
            // The directions side by side (on two threads, when there are).
            let layerTraces = try GRULayer.forwardDirections(
                (0..<d).map { layer(k, direction: $0) }, layerInput,
                initialStates: (0..<d).map { initialState?.slice(at: k * d + $0) }, lengths: lengths, keepTrace: keepTraces)
            traces += layerTraces
            layerInput = .concatenatingLastAxis(layerTraces.map(\.output))
            if k < l - 1, c.dropout > 0, generator != nil {
                let mask = dropoutMask(shape: layerInput.shape, using: &generator!)
                for e in layerInput.scalars.indices { layerInput.scalars[e] *= mask.scalars[e] }
                masks.append(mask)
            }
        }
        return GRUTrace(
            output: c.batchFirst ? layerInput.swappingFirstTwoAxes() : layerInput,
            finalState: .stacking(traces.map(\.finalState)),
            layers: traces, dropoutMasks: masks)
    }

    /// A mask of 0 with probability p and 1/(1 − p) otherwise.
    private func dropoutMask(shape: [Int], using generator: inout SeededGenerator) -> Tensor<Scalar> {
        let p = configuration.dropout
        let keep = Scalar(1 / (1 - p))
        var mask = Tensor<Scalar>(uncheckedZeros: shape)
        for e in mask.scalars.indices where generator.nextUnit() >= p { mask.scalars[e] = keep }
        return mask
    }

    /// Backpropagation through the stack: each layer's directions in turn, top layer first,
    /// each through time (``GRULayer/backward(_:outputGradient:finalStateGradient:inputGradient:)``), the
    /// directions' input gradients summed and passed, through the dropout mask, to the layer
    /// below.
    ///
    /// - Parameters:
    ///   - trace: from ``forward(_:initialState:lengths:dropoutSeed:)`` on this stack.
    ///   - outputGradient: ∂L/∂output in the output's layout, or `nil`.
    ///   - finalStateGradient: ∂L/∂(final state), (L·D, N, H), or `nil`.
    ///   - inputGradient: whether to compute ∂L/∂input; `false` when the input is data (as
    ///     PyTorch does for an input that does not require a gradient): the first layer then
    ///     skips its product by W_ih (T·N · 3H · I multiply-adds per direction), the layers
    ///     above still pass theirs down.
    /// - Returns: the gradients of every weight, the input (in its layout; `nil` without
    ///   `inputGradient`) and the initial state.
    public func backward(
        _ trace: GRUTrace<Scalar>, outputGradient: Tensor<Scalar>?, finalStateGradient: Tensor<Scalar>?,
        inputGradient: Bool = true
    ) throws -> GRUGradients<Scalar> {
        let c = configuration
        let (l, d, h) = (c.layerCount, c.directionCount, c.hiddenSize)
        guard trace.layers.count == l * d else {
            throw GRUKitError.incompatible("backward: the trace does not come from forward on a stack of this shape")
        }
        let (t, n) = (trace.layers[0].output.shape[0], trace.layers[0].output.shape[1])
        try outputGradient?.requireShape(
            c.batchFirst ? [n, t, d * h] : [t, n, d * h], name: "output gradient", meaning: c.batchFirst ? "(N, T, D·H)" : "(T, N, D·H)")
        try finalStateGradient?.requireShape([l * d, n, h], name: "final state gradient", meaning: "(L·D, N, H)")
        var dOutput = outputGradient.map { c.batchFirst ? $0.swappingFirstTwoAxes() : $0 }
        var gradients = parameters.layers
        var dInitial = [Tensor<Scalar>](repeating: Tensor(uncheckedZeros: [n, h]), count: l * d)
        var dInput: Tensor<Scalar>?
        for k in (0..<l).reversed() {
            let outputGradients: [Tensor<Scalar>?] = (0..<d).map { direction in
                guard let o = dOutput else { return nil }
                return d == 1 ? o : o.slicingLastAxis((direction * h)..<((direction + 1) * h))
            }
            let layerGradients = try GRULayer.backwardDirections(
                (0..<d).map { layer(k, direction: $0) }, Array(trace.layers[(k * d)..<((k + 1) * d)]),
                outputGradients: outputGradients, finalStateGradients: (0..<d).map { finalStateGradient?.slice(at: k * d + $0) },
                inputGradient: k > 0 || inputGradient)
            dInput = layerGradients[0].input
            for (direction, g) in layerGradients.enumerated() {
                gradients[k * d + direction] = g.parameters
                dInitial[k * d + direction] = g.initialState
                if direction > 0, let x = g.input { add(x.scalars, to: &dInput!.scalars) }
            }
            if k > 0, k - 1 < trace.dropoutMasks.count {
                let mask = trace.dropoutMasks[k - 1]
                for e in dInput!.scalars.indices { dInput!.scalars[e] *= mask.scalars[e] }
            }
            dOutput = dInput
        }
        return GRUGradients(
            parameters: GRUStackParameters(layers: gradients, directionCount: d),
            input: c.batchFirst ? dInput?.swappingFirstTwoAxes() : dInput,
            initialState: .stacking(dInitial))
    }
}

/// y[e] += x[e] over raw buffers (the directions' input gradients of a bidirectional layer).
private func add<Scalar: GRUScalar>(_ x: [Scalar], to y: inout [Scalar]) {
    precondition(x.count == y.count)
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            for e in 0..<y.count { y[e] += x[e] }
        }
    }
}

/// What a GRU stack's forward pass keeps for its backward pass.
public struct GRUTrace<Scalar: GRUScalar>: Sendable {
    /// The stack's output, in the input's layout.
    public let output: Tensor<Scalar>
    /// (L·D, N, H).
    public let finalState: Tensor<Scalar>
    /// One trace per layer and direction, index k·D + d.
    let layers: [GRULayerTrace<Scalar>]
    /// The dropout mask applied to each layer's output but the last (empty without dropout).
    let dropoutMasks: [Tensor<Scalar>]
}

/// The gradients of a loss with respect to a GRU stack's weights, input and initial state.
public struct GRUGradients<Scalar: GRUScalar>: Sendable {
    /// ∂L/∂(every weight and bias).
    public var parameters: GRUStackParameters<Scalar>
    /// ∂L/∂input, in the input's layout; `nil` when the backward pass was asked for none.
    public var input: Tensor<Scalar>?
    /// ∂L/∂(initial state), (L·D, N, H).
    public var initialState: Tensor<Scalar>
}
