import GRUKit
import Testing

/// The character language model against PyTorch (nn.Embedding or F.one_hot, nn.GRU with
/// batch_first, nn.Linear, F.cross_entropy), tensor by tensor.
///
/// The fixture (scripts/make_charlm_fixtures.py) holds float32-representable weights and what
/// PyTorch computed from them in float64: the logits, the loss and every weight's gradient.
/// Float (the fast kernels) must match within 1e-5, Double within 1e-12.
@Suite struct CharacterModelParityTests {
    struct Case: Decodable {
        let name: String
        let vocabulary_size: Int
        let embedding_size: Int?
        let hidden_size: Int
        let layers: Int
        let batch: Int
        let steps: Int
        let inputs: [Int]
        let targets: [Int]
        let loss: Double
        let tensors: [String: FixtureTensor]
    }

    struct File: Decodable { let cases: [Case] }

    @Test func floatMatchesPyTorch() throws {
        try check(Float.self, tolerance: 1e-5)
    }

    @Test func doubleMatchesPyTorch() throws {
        try check(Double.self, tolerance: 1e-12)
    }

    /// A vocabulary of `count` distinct characters.
    static func vocabulary(_ count: Int) throws -> CharacterVocabulary {
        try CharacterVocabulary(characters: (0..<count).map { Unicode.Scalar(UInt8(97 + $0)) })
    }

    func check<S: GRUScalar>(_: S.Type, tolerance: S) throws {
        let file = try loadFixture("pytorch_charlm.json", as: File.self)
        #expect(file.cases.count == 5)
        var worst = WorstDifference<S>()
        func close(_ a: Tensor<S>, _ b: Tensor<S>, _ what: String) {
            worst.record(expectClose(a, b, tolerance: tolerance, what), what)
        }
        for c in file.cases {
            let t = c.tensors
            var architecture = CharacterModelConfiguration(
                input: c.embedding_size.map { .embedding(size: $0) } ?? .oneHot, hiddenSize: c.hidden_size, layerCount: c.layers)
            architecture.convention = .pytorch
            let configuration = try architecture.gruConfiguration(vocabularySize: c.vocabulary_size)
            let layers = try (0..<c.layers).map { k in try gruParameters(t, prefix: "gru.", suffix: "_l\(k)", bias: true) as GRUParameters<S> }
            let parameters = CharacterModelParameters<S>(
                embedding: c.embedding_size == nil ? nil : try EmbeddingParameters(weight: tensor(t, "embedding.weight")),
                gru: GRUStackParameters(layers: layers, directionCount: 1),
                head: try LinearParameters(weight: tensor(t, "head.weight"), bias: tensor(t, "head.bias")))
            let model = try CharacterLanguageModel(
                parameters: parameters, vocabulary: Self.vocabulary(c.vocabulary_size), configuration: configuration)
            let batch = try CharacterBatch(inputs: c.inputs, targets: c.targets, sampleCount: c.batch, steps: c.steps)

            let (value, logits, gradients) = try model.gradients(batch)
            close(logits, try tensor(t, "logits"), "\(c.name): logits")
            close(try model.logits(c.inputs, batch: c.batch, steps: c.steps), try tensor(t, "logits"), "\(c.name): logits (inference)")
            close(Tensor(unchecked: [], scalars: [value]), Tensor(unchecked: [], scalars: [S(c.loss)]), "\(c.name): loss")
            let names = gradients.parameterPaths.map(\.name)
            #expect(names == model.parameters.parameterPaths.map(\.name))
            #expect(names.count == 4 * c.layers + 2 + (c.embedding_size == nil ? 0 : 1))
            for path in gradients.parameterPaths {
                close(gradients[keyPath: path.keyPath], try tensor(t, "grad." + path.name), "\(c.name): ∂\(path.name)")
            }
        }
        print(worst.summary("character model vs PyTorch in \(S.self)"))
    }
}
