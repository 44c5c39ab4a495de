/// A random model, batch and target for checking gradients, fully determined by its seed.
public struct GradientCheckProblem: Sendable {
    /// The sizes and settings of a problem.
    public struct Configuration: Sendable, Hashable {
        /// I, H, O: the input, state and output widths.
        public var inputSize = 10, hiddenSize = 20, outputSize = 5
        /// T and N: steps and sequences.
        public var steps = 100, batch = 1
        public var convention = GRUConvention.seedTexts
        public var bias = true
        /// L and the direction(s) of the stack.
        public var layers = 1
        public var direction = GRUDirection.forward
        /// Inputs (N, T, I) instead of (T, N, I).
        public var batchFirst = false
        /// Draw a random length in 1...T for every sequence but the first (which keeps T).
        public var variableLengths = false
        /// Dropout between layers; the check uses one fixed mask (seeded), so the loss is a
        /// deterministic function of the weights.
        public var dropout = 0.0
        /// f and g per direction (or one pair for all), and the ONNX clip.
        public var activations: [GRUActivations] = [.standard]
        public var clip: Double?
        public var readout = Readout.everyStep
        public var loss = Loss.softmaxCrossEntropy
        /// For cross-entropy: class indices (`false`) or per-class probabilities (`true`).
        public var probabilityTargets = false
        public var reduction = Reduction.mean
        public var seed: UInt64 = 1

        /// The first seed text's setting: I 10, H 20, O 5, T 100, softmax cross-entropy,
        /// reset before the matmul, z takes the new state.
        public init() {}
    }

    public let configuration: Configuration
    public let model: GRUModel<Double>
    /// (T, N, I) or (N, T, I), uniform in [−1, 1).
    public let input: Tensor<Double>
    /// (L·D, N, H), uniform in [−0.5, 0.5): a non-zero state, so its gradient is exercised.
    public let initialState: Tensor<Double>
    /// The sequence lengths, or `nil`.
    public let lengths: [Int]?
    public let target: LossTarget<Double>

    /// Draws the weights (PyTorch's initialisation), the batch and the target from `seed`.
    public init(_ c: Configuration) throws {
        for (name, value) in [("input size", c.inputSize), ("hidden size", c.hiddenSize), ("output size", c.outputSize),
                              ("steps", c.steps), ("batch", c.batch)] where value < 1 {
            throw GRUKitError.invalidSize(option: name, value: value, expected: "≥ 1")
        }
        var g = SeededGenerator(seed: c.seed)
        configuration = c
        var gru = GRUConfiguration(
            inputSize: c.inputSize, hiddenSize: c.hiddenSize, layerCount: c.layers, direction: c.direction, bias: c.bias)
        (gru.convention, gru.batchFirst, gru.dropout, gru.activations, gru.clip) = (c.convention, c.batchFirst, c.dropout, c.activations, c.clip)
        model = try GRUModel(configuration: gru, outputSize: c.outputSize, readout: c.readout, using: &g)
        input = try .uniform(shape: c.batchFirst ? [c.batch, c.steps, c.inputSize] : [c.steps, c.batch, c.inputSize], in: -1...1, using: &g)
        initialState = try .uniform(shape: [c.layers * c.direction.count, c.batch, c.hiddenSize], in: -0.5...0.5, using: &g)
        lengths = c.variableLengths ? (0..<c.batch).map { $0 == 0 ? c.steps : 1 + g.index(below: c.steps) } : nil
        let rows = c.readout == .everyStep ? c.steps * c.batch : c.batch
        let lead = c.batchFirst ? [c.batch, c.steps] : [c.steps, c.batch]
        let shape = c.readout == .everyStep ? lead + [c.outputSize] : [c.batch, c.outputSize]
        switch c.loss {
        case .softmaxCrossEntropy where !c.probabilityTargets:
            target = .classes((0..<rows).map { _ in g.index(below: c.outputSize) })
        case .softmaxCrossEntropy:
            var p = try Tensor<Double>.uniform(shape: shape, in: 0...1, using: &g)
            for r in 0..<rows {
                let row = (r * c.outputSize)..<((r + 1) * c.outputSize)
                let total = p.scalars[row].reduce(0, +)
                for e in row { p.scalars[e] /= total }
            }
            target = .values(p)
        case .binaryCrossEntropy:
            target = .values(Tensor(unchecked: shape, scalars: (0..<(rows * c.outputSize)).map { _ in Double(g.index(below: 2)) }))
        case .meanSquaredError:
            target = .values(try .uniform(shape: shape, in: -1...1, using: &g))
        }
    }

    /// Runs the check on this problem.
    public func check(with checker: GradientCheck = GradientCheck()) throws -> (loss: Double, entries: [GradientCheck.Entry]) {
        try checker.run(
            model: model, input: input, initialState: initialState, lengths: lengths, target: target,
            loss: configuration.loss, reduction: configuration.reduction,
            dropoutSeed: configuration.dropout > 0 ? configuration.seed &+ 1 : nil)
    }
}
