/// Which way a GRU runs over time.
public enum GRUDirection: String, CaseIterable, Sendable {
    /// From the first step to the last.
    case forward
    /// From the last step to the first (ONNX `direction="reverse"`).
    case reverse
    /// Both, outputs concatenated [forward, backward] on the feature axis.
    case bidirectional

    /// D, the number of directions: 1 or 2.
    public var count: Int { self == .bidirectional ? 2 : 1 }

    /// Whether direction `d` (0 or 1) of a stack running this way is the reverse one.
    func isReverse(_ d: Int) -> Bool { self == .reverse || d == 1 }
}

/// Everything about a GRU stack that is not a trainable weight: sizes, layout and semantics.
///
/// The defaults are `torch.nn.GRU`'s. Shapes, with L = ``layerCount`` and D = ``direction``'s count:
///
///     input           (T, N, I), or (N, T, I) with batchFirst
///     initial state   (L·D, N, H)         batchFirst does not apply, as in PyTorch
///     output          (T, N, D·H), or (N, T, D·H) with batchFirst
///     final state     (L·D, N, H)         entry k·D + d is layer k, direction d
public struct GRUConfiguration: Hashable, Sendable {
    /// I, the width of the input.
    public var inputSize: Int
    /// H, the width of each direction's state.
    public var hiddenSize: Int
    /// L, the number of stacked layers; layer k > 0 reads layer k − 1's output (D·H wide).
    public var layerCount = 1
    /// Forward, reverse or both.
    public var direction = GRUDirection.forward
    /// Whether every layer has biases.
    public var bias = true
    /// Whether inputs and outputs are (N, T, ·) instead of (T, N, ·).
    public var batchFirst = false
    /// The probability of zeroing each output of every layer but the last, in training only.
    public var dropout = 0.0
    /// Where the reset gate applies and which state z keeps.
    public var convention = GRUConvention.pytorch
    /// f and g: one pair for every direction, or one pair per direction (ONNX `activations`).
    public var activations: [GRUActivations] = [.standard]
    /// Clamp every activation's argument to ±clip (ONNX `clip`), or `nil`.
    public var clip: Double?

    /// A configuration with PyTorch's defaults for everything but the sizes.
    public init(inputSize: Int, hiddenSize: Int, layerCount: Int = 1, direction: GRUDirection = .forward, bias: Bool = true) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.direction = direction
        self.bias = bias
    }

    /// D.
    public var directionCount: Int { direction.count }

    /// The input width of layer k: I for the first, D·H above.
    public func layerInputSize(_ k: Int) -> Int { k == 0 ? inputSize : directionCount * hiddenSize }

    /// The activations of direction d.
    func activations(forDirection d: Int) -> GRUActivations { activations[min(d, activations.count - 1)] }

    /// The stack's input in time-major layout (T, N, I), checked: rank 3 and I wide.
    func timeMajorInput<S: GRUScalar>(_ input: Tensor<S>) throws -> Tensor<S> {
        guard input.rank == 3, input.shape[2] == inputSize else {
            throw GRUKitError.shapeMismatch(
                tensor: "input", expected: batchFirst ? "(N, T, I) with I = \(inputSize)" : "(T, N, I) with I = \(inputSize)",
                actual: input.shape)
        }
        return batchFirst ? input.swappingFirstTwoAxes() : input
    }

    /// Throws unless the stack's initial state, if any, is (L·D, N, H) and finite (checked
    /// whole, so an error names the index in the caller's tensor).
    func checkInitialState<S: GRUScalar>(_ h0: Tensor<S>?, batch n: Int) throws {
        guard let h0 else { return }
        try h0.requireShape([layerCount * directionCount, n, hiddenSize], name: "initial state", meaning: "(L·D, N, H)")
        try h0.requireFinite(name: "initial state")
    }

    /// Throws unless every setting is in range.
    public func validate() throws {
        guard inputSize >= 1 else { throw GRUKitError.invalidSize(option: "input size", value: inputSize, expected: "≥ 1") }
        guard hiddenSize >= 1 else { throw GRUKitError.invalidSize(option: "hidden size", value: hiddenSize, expected: "≥ 1") }
        guard layerCount >= 1 else { throw GRUKitError.invalidSize(option: "layer count", value: layerCount, expected: "≥ 1") }
        guard dropout.isFinite, (0..<1).contains(dropout) else {
            throw GRUKitError.invalidValue(option: "dropout", value: "\(dropout)", expected: "a probability in [0, 1)")
        }
        guard activations.count == 1 || activations.count == directionCount else {
            throw GRUKitError.invalidSize(
                option: "activations", value: activations.count, expected: "1 pair, or one per direction (\(directionCount))")
        }
        if let clip, !(clip.isFinite && clip > 0) {
            throw GRUKitError.invalidValue(option: "clip", value: "\(clip)", expected: "a finite number > 0")
        }
    }
}

/// The weights of every layer and direction of a GRU stack, named as PyTorch names them.
///
/// `layers[k·D + d]` holds layer k, direction d: `weight_ih_l{k}` (3H, I_k),
/// `weight_hh_l{k}` (3H, H), `bias_ih_l{k}` and `bias_hh_l{k}` (3H), with the suffix
/// `_reverse` on the backward direction of a bidirectional stack.
public struct GRUStackParameters<Scalar: GRUScalar>: ParameterSet, Equatable {
    /// One entry per layer and direction, index k·D + d.
    public var layers: [GRUParameters<Scalar>]
    /// D, 1 or 2.
    public let directionCount: Int

    public init(layers: [GRUParameters<Scalar>], directionCount: Int) {
        self.layers = layers
        self.directionCount = directionCount
    }

    /// PyTorch's name suffix for layer k, direction d: `l0`, `l0_reverse`, ….
    public func suffix(_ index: Int) -> String {
        "l\(index / directionCount)" + (index % directionCount == 1 ? "_reverse" : "")
    }

    public mutating func updateTensors(_ body: (inout Tensor<Scalar>) throws -> Void) rethrows {
        for i in layers.indices { try layers[i].updateTensors(body) }
    }

    public func visitTensors(_ body: (Tensor<Scalar>) throws -> Void) rethrows {
        for layer in layers { try layer.visitTensors(body) }
    }

    public var parameterPaths: [ParameterPath<GRUStackParameters>] {
        layers.indices.flatMap { i in
            layers[i].parameterPaths.map { path in
                path.nested(in: \GRUStackParameters.layers[i], prefix: "").renamed("\(path.name)_\(suffix(i))")
            }
        }
    }
}

extension ParameterPath {
    /// The same path under another name.
    func renamed(_ name: String) -> ParameterPath { ParameterPath(name, keyPath) }
}
