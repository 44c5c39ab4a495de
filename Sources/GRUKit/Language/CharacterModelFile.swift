import Foundation

/// Character models in GRUKit model files: the tensors named as a PyTorch module with an
/// `embedding` (when it has one), a `gru` and a `head` names them, and in the `grukit.model`
/// metadata the kind, the vocabulary and the input:
///
///     embedding.weight (V, E)   gru.weight_ih_l0 (3H, E or V) …   head.weight (V, H)   head.bias (V)
///     {"batch_first": true, "convention": {…}, "input": "embedding", "kind": "character-language-model",
///      "readout": "every-step", "vocabulary": ["\n", " ", "!", …]}
extension CharacterLanguageModel: GRUModelFileContents {
    /// The `kind` a model file records for a character language model.
    public static var kind: String { "character-language-model" }

    /// The model's ``GRUModelMetadata``: convention, every-step readout, batch-first, kind,
    /// vocabulary and input.
    public var metadata: GRUModelMetadata {
        var m = GRUModelMetadata(convention: configuration.convention, readout: .everyStep, batchFirst: true)
        m.kind = Self.kind
        m.vocabulary = vocabulary.strings
        m.input = input.name
        return m
    }

    /// Loads a model file at `url`.
    public init(contentsOf url: URL) throws {
        try self.init(file: SafeTensorsFile(contentsOf: url))
    }

    /// Loads a character model from an open model file.
    ///
    /// - Throws: ``GRUKitError/invalidWeights(file:key:problem:)`` naming the file and the
    ///   missing, misshapen or inconsistent tensor or metadata entry.
    public init(file: SafeTensorsFile) throws {
        let entry = "__metadata__.\(GRUModelMetadata.key)"
        func fail(_ key: String?, _ problem: String) -> GRUKitError { .invalidWeights(file: file.file, key: key, problem: problem) }
        guard let metadata = try GRUModelMetadata(of: file) else {
            throw fail(entry, "missing: a character model file records its kind, vocabulary and input there")
        }
        guard metadata.kind == Self.kind else {
            throw fail(entry, "kind is \(metadata.kind.map { "\"\($0)\"" } ?? "absent (a GRU with a head)"), not \"\(Self.kind)\"")
        }
        guard let strings = metadata.vocabulary else { throw fail(entry + ".vocabulary", "missing: the list of the model's characters") }
        let vocabulary: CharacterVocabulary
        do { vocabulary = try CharacterVocabulary(strings: strings) } catch { throw fail(entry + ".vocabulary", "\(error)") }
        let embedded: Bool
        switch metadata.input {
        case "embedding": embedded = true
        case "one-hot": embedded = false
        default: throw fail(entry + ".input", "expected \"embedding\" or \"one-hot\", got \(metadata.input.map { "\"\($0)\"" } ?? "nothing")")
        }
        guard metadata.readout == .everyStep else { throw fail(entry + ".readout", "a character model reads every step, not \(metadata.readout.rawValue)") }

        let loaded = try GRU<Scalar>(pytorch: file, prefix: "gru.", batchFirst: true)
        var configuration = loaded.configuration
        configuration.convention = metadata.convention
        let gru = loaded.parameters
        let v = vocabulary.count
        var embedding: EmbeddingParameters<Scalar>?
        if embedded {
            guard file.info("embedding.weight") != nil else { throw fail("embedding.weight", "missing: the input is \"embedding\"") }
            let weight: Tensor<Scalar> = try file.tensor("embedding.weight")
            guard weight.shape == [v, configuration.inputSize] else {
                throw fail("embedding.weight", "expected shape (V, E) = [\(v), \(configuration.inputSize)] for \(v) characters and the GRU's input size, got \(weight.shape)")
            }
            do { embedding = try EmbeddingParameters(weight: weight) } catch { throw fail("embedding.weight", "\(error)") }
        } else if file.info("embedding.weight") != nil {
            throw fail("embedding.weight", "unexpected: the input is \"one-hot\"")
        }
        guard file.info("head.weight") != nil else { throw fail("head.weight", "missing: the head over the vocabulary, (V, H)") }
        let weight: Tensor<Scalar> = try file.tensor("head.weight")
        guard weight.shape == [v, configuration.directionCount * configuration.hiddenSize] else {
            throw fail("head.weight", "expected shape (V, H) = [\(v), \(configuration.hiddenSize)] for \(v) characters, got \(weight.shape)")
        }
        let bias: Tensor<Scalar>? = file.info("head.bias") == nil ? nil : try file.tensor("head.bias")
        let head: LinearParameters<Scalar>
        do { head = try LinearParameters(weight: weight, bias: bias) } catch { throw fail("head", "\(error)") }
        do {
            try self.init(
                parameters: CharacterModelParameters(embedding: embedding, gru: gru, head: head),
                vocabulary: vocabulary, configuration: configuration)
        } catch let error as GRUKitError {
            throw fail(nil, "\(error)")
        }
    }
}
