/// A character-level language model: each character of a window predicts the next.
///
///     characters (N, T) → embedding (N, T, E) or one-hot (N, T, V)
///                       → GRU stack, forward, batch-first → (N, T, H)
///                       → head → logits (N, T, V)
///                       → softmax cross-entropy against the next characters, mean over N·T
///
/// What PyTorch computes with `nn.Embedding(V, E)` (or `F.one_hot`), `nn.GRU(E, H, L,
/// batch_first=True)`, `nn.Linear(H, V)` and `F.cross_entropy(logits.reshape(-1, V),
/// targets.reshape(-1))`. Every window starts from a zero state. To generate text, the model
/// runs one character at a time with a carried state (``generate(prompt:length:sampling:seed:)``).
public struct CharacterLanguageModel<Scalar: GRUScalar>: Sendable {
    /// All trainable tensors.
    public var parameters: CharacterModelParameters<Scalar>
    /// The characters it reads and predicts.
    public let vocabulary: CharacterVocabulary
    /// The GRU stack's sizes and semantics (forward, batch-first).
    public let configuration: GRUConfiguration
    /// Threads for the fast kernels, or `nil` for the caller's thread alone.
    public var threads: ComputeThreads?
    /// Which implementation runs; tests use the reference to check the fast kernels.
    package var engine = GRUEngine.automatic

    /// A new model with PyTorch's default initialisation, drawn in module order: the embedding
    /// (standard normal), the GRU (uniform in ±1/√H), the head (uniform in ±1/√H).
    ///
    /// - Parameters:
    ///   - vocabulary: the characters (V = its count).
    ///   - architecture: input, sizes, layers, dropout and convention.
    ///   - generator: the seeded source of the weights.
    public init(
        vocabulary: CharacterVocabulary, architecture: CharacterModelConfiguration, using generator: inout SeededGenerator
    ) throws {
        let configuration = try architecture.gruConfiguration(vocabularySize: vocabulary.count)
        var embedding: EmbeddingParameters<Scalar>?
        if case .embedding(let size) = architecture.input {
            embedding = try Embedding<Scalar>(count: vocabulary.count, size: size, using: &generator).parameters
        }
        let gru = try GRU<Scalar>(configuration, using: &generator)
        let head = try Linear<Scalar>(inputSize: configuration.hiddenSize, outputSize: vocabulary.count, using: &generator)
        try self.init(
            parameters: CharacterModelParameters(embedding: embedding, gru: gru.parameters, head: head.parameters),
            vocabulary: vocabulary, configuration: configuration)
    }

    /// A model from existing parameters, checked against each other, the configuration and the
    /// vocabulary.
    ///
    /// - Throws: ``GRUKitError`` naming the tensor whose shape does not fit.
    public init(parameters: CharacterModelParameters<Scalar>, vocabulary: CharacterVocabulary, configuration: GRUConfiguration) throws {
        guard configuration.direction == .forward else {
            throw GRUKitError.incompatible(
                "a character language model runs its GRU forward only (a \(configuration.direction.rawValue) GRU would see the characters it predicts)")
        }
        _ = try GRU(configuration, parameters: parameters.gru)
        let v = vocabulary.count
        if let embedding = parameters.embedding {
            try embedding.weight.requireShape([v, configuration.inputSize], name: "embedding.weight", meaning: "(V, E)")
        } else if configuration.inputSize != v {
            throw GRUKitError.shapeMismatch(
                tensor: "gru.weight_ih_l0", expected: "(3H, V) with V = \(v) for one-hot input",
                actual: parameters.gru.layers[0].weightIH.shape)
        }
        try parameters.head.weight.requireShape([v, configuration.hiddenSize], name: "head.weight", meaning: "(V, H)")
        try parameters.head.bias?.requireShape([v], name: "head.bias", meaning: "(V)")
        var configuration = configuration
        configuration.batchFirst = true
        self.parameters = parameters
        self.vocabulary = vocabulary
        self.configuration = configuration
    }

    /// How characters enter the GRU.
    public var input: CharacterModelInput {
        parameters.embedding.map { .embedding(size: $0.size) } ?? .oneHot
    }

    /// The GRU stack (a view of ``parameters``).
    public var gru: GRU<Scalar> {
        var gru = GRU(unchecked: configuration, parameters: parameters.gru)
        gru.threads = threads
        gru.engine = engine
        return gru
    }

    /// The head over the vocabulary (a view of ``parameters``).
    public var head: Linear<Scalar> { Linear(parameters: parameters.head) }

    /// The GRU's input for a batch of characters: (N, T, E) embedding rows or (N, T, V) one-hot.
    ///
    /// - Parameters:
    ///   - classes: (N, T) row-major, each in `0 ..< V`.
    ///   - batch: N.
    ///   - steps: T.
    public func gruInput(_ classes: [Int], batch: Int, steps: Int) throws -> Tensor<Scalar> {
        if let embedding = parameters.embedding {
            return try Embedding(parameters: embedding)(classes, shape: [batch, steps])
        }
        let v = vocabulary.count
        guard batch >= 0, steps >= 0, batch * steps == classes.count else {
            throw GRUKitError.invalidShape(tensor: "characters", shape: [batch, steps], problem: "does not hold the \(classes.count) classes given")
        }
        if let bad = classes.firstIndex(where: { $0 < 0 || $0 >= v }) {
            throw GRUKitError.invalidClassIndex(tensor: "characters", position: bad, value: classes[bad], classes: v)
        }
        var x = Tensor<Scalar>(uncheckedZeros: [batch, steps, v])
        for (r, c) in classes.enumerated() { x.scalars[r * v + c] = 1 }
        return x
    }

    /// The logits of the next character after every character of every window.
    ///
    /// - Parameters:
    ///   - classes: (N, T) row-major.
    ///   - batch: N.
    ///   - steps: T.
    /// - Returns: (N, T, V).
    public func logits(_ classes: [Int], batch: Int, steps: Int) throws -> Tensor<Scalar> {
        let (output, _) = try gru(gruInput(classes, batch: batch, steps: steps))
        return try head(output)
    }

    /// A batch's mean cross-entropy, without gradients.
    ///
    /// - Parameters:
    ///   - batch: the windows and their next characters.
    ///   - dropoutSeed: the seed of the dropout masks, or `nil` for none (as in evaluation).
    public func loss(_ batch: CharacterBatch, dropoutSeed: UInt64? = nil) throws -> Scalar {
        let x = try gruInput(batch.inputs, batch: batch.sampleCount, steps: batch.steps)
        let trace = try gru.forward(x, dropoutSeed: dropoutSeed)
        return try Loss.softmaxCrossEntropy.evaluate(logits: head(trace.output), target: .classes(batch.targets)).value
    }

    /// A batch's mean cross-entropy and its gradient with respect to every parameter: through
    /// the head, back through time in the GRU stack, into the embedding rows.
    ///
    /// - Parameters:
    ///   - batch: the windows and their next characters.
    ///   - dropoutSeed: the seed of this step's dropout masks, or `nil` for none.
    /// - Returns: the loss, the logits (N, T, V) and ∂loss/∂(every parameter).
    public func gradients(
        _ batch: CharacterBatch, dropoutSeed: UInt64? = nil
    ) throws -> (loss: Scalar, logits: Tensor<Scalar>, gradients: CharacterModelParameters<Scalar>) {
        let gru = self.gru
        let x = try gruInput(batch.inputs, batch: batch.sampleCount, steps: batch.steps)
        let trace = try gru.forward(x, dropoutSeed: dropoutSeed)
        let logits = try head(trace.output)
        let (value, dLogits) = try Loss.softmaxCrossEntropy.evaluate(logits: logits, target: .classes(batch.targets))
        let (dHead, dOutput) = try head.backward(input: trace.output, outputGradient: dLogits)
        // One-hot inputs are data; embedded ones pass their gradient on to the embedding rows.
        let dGRU = try gru.backward(trace, outputGradient: dOutput, finalStateGradient: nil, inputGradient: parameters.embedding != nil)
        let dEmbedding = try parameters.embedding.map {
            try Embedding(parameters: $0).backward(indices: batch.inputs, outputGradient: dGRU.input!)
        }
        return (value, logits, CharacterModelParameters(embedding: dEmbedding, gru: dGRU.parameters, head: dHead))
    }
}

/// The interface the general training loop trains through.
extension CharacterLanguageModel: TrainableModel where Scalar == Float {
    public func lossAndGradients(on batch: CharacterBatch, dropoutSeed: UInt64?) throws -> (loss: Float, gradients: CharacterModelParameters<Float>) {
        let (value, _, gradients) = try gradients(batch, dropoutSeed: dropoutSeed)
        return (value, gradients)
    }

    public func loss(on batch: CharacterBatch) throws -> Float {
        try loss(batch, dropoutSeed: nil)
    }
}
