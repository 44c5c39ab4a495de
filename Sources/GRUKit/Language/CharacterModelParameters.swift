/// How a character language model turns a character into the GRU's input.
public enum CharacterModelInput: Hashable, Sendable {
    /// A one-hot vector of width V: the GRU's input size is the vocabulary's size (what
    /// `F.one_hot(x, V).float()` feeds a `torch.nn.GRU`).
    case oneHot
    /// A learned vector of width E from an ``Embedding`` table (V, E) (`torch.nn.Embedding`).
    case embedding(size: Int)

    /// How a model file names it: `"one-hot"` or `"embedding"`.
    public var name: String {
        switch self {
        case .oneHot: "one-hot"
        case .embedding: "embedding"
        }
    }
}

/// The architecture of a ``CharacterLanguageModel`` besides its vocabulary.
public struct CharacterModelConfiguration: Hashable, Sendable {
    /// One-hot or embedding input.
    public var input = CharacterModelInput.embedding(size: 32)
    /// H, the width of every GRU layer's state.
    public var hiddenSize = 128
    /// L, the number of stacked GRU layers (all forward: a language model must not see the
    /// characters it predicts, so a reverse or bidirectional stack is not offered).
    public var layerCount = 1
    /// The probability of zeroing each output of every GRU layer but the last, in training only.
    public var dropout = 0.0
    /// The GRU variant.
    public var convention = GRUConvention.pytorch

    public init(input: CharacterModelInput = .embedding(size: 32), hiddenSize: Int = 128, layerCount: Int = 1) {
        self.input = input
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
    }

    /// The GRU stack for a vocabulary of `vocabularySize` characters: forward, batch-first,
    /// with biases; input size E, or V for one-hot input.
    ///
    /// - Throws: ``GRUKitError`` naming the setting out of range.
    public func gruConfiguration(vocabularySize: Int) throws -> GRUConfiguration {
        var inputSize = vocabularySize
        if case .embedding(let size) = input {
            guard size >= 1 else { throw GRUKitError.invalidSize(option: "embedding size", value: size, expected: "≥ 1") }
            inputSize = size
        }
        var c = GRUConfiguration(inputSize: inputSize, hiddenSize: hiddenSize, layerCount: layerCount)
        c.batchFirst = true
        c.dropout = dropout
        c.convention = convention
        try c.validate()
        return c
    }
}

/// The parameters of a ``CharacterLanguageModel``, named as PyTorch names a module with an
/// `embedding`, a `gru` and a `head`:
///
///     embedding.weight      (V, E)        only with embedding input
///     gru.weight_ih_l0      (3H, E or V)  and the rest of the GRU stack's tensors
///     head.weight           (V, H)
///     head.bias             (V)
public struct CharacterModelParameters<Scalar: GRUScalar>: ParameterSet, Equatable {
    /// The embedding table, or `nil` for one-hot input.
    public var embedding: EmbeddingParameters<Scalar>?
    /// The GRU stack's weights and biases.
    public var gru: GRUStackParameters<Scalar>
    /// The head over the vocabulary.
    public var head: LinearParameters<Scalar>

    public init(embedding: EmbeddingParameters<Scalar>?, gru: GRUStackParameters<Scalar>, head: LinearParameters<Scalar>) {
        self.embedding = embedding
        self.gru = gru
        self.head = head
    }

    public mutating func updateTensors(_ body: (inout Tensor<Scalar>) throws -> Void) rethrows {
        if embedding != nil { try embedding!.updateTensors(body) }
        try gru.updateTensors(body)
        try head.updateTensors(body)
    }

    public func visitTensors(_ body: (Tensor<Scalar>) throws -> Void) rethrows {
        try embedding?.visitTensors(body)
        try gru.visitTensors(body)
        try head.visitTensors(body)
    }

    public var parameterPaths: [ParameterPath<CharacterModelParameters>] {
        var paths: [ParameterPath<CharacterModelParameters>] = []
        if let embedding {
            paths += embedding.parameterPaths.map { $0.nested(in: \CharacterModelParameters.embedding!, prefix: "embedding.") }
        }
        return paths
            + gru.parameterPaths.map { $0.nested(in: \CharacterModelParameters.gru, prefix: "gru.") }
            + head.parameterPaths.map { $0.nested(in: \CharacterModelParameters.head, prefix: "head.") }
    }
}
