import GRUKit
import Testing

/// The embedding layer's and the whole character model's gradients against fourth-order
/// central finite differences in Double, for every parameter tensor.
@Suite struct CharacterModelGradientTests {
    /// y = W[x]; L = Σ c ⊙ tanh(y) (non-linear, so the check depends on W): ∂L/∂y = c ⊙ (1 − tanh² y).
    @Test func embeddingBackwardMatchesFiniteDifferences() throws {
        var g = SeededGenerator(seed: 11)
        let embedding = try Embedding<Double>(count: 6, size: 4, using: &g)
        let indices = [2, 0, 2, 5, 3, 2, 0]  // repeats accumulate; index 1 and 4 unused: zero rows
        let c = try Tensor<Double>.uniform(shape: [indices.count, 4], in: -1...1, using: &g)
        func loss(_ e: Embedding<Double>) throws -> Double {
            let y = try e(indices)
            return zip(y.scalars, c.scalars).reduce(0) { $0 + $1.1 * Double.tanh($1.0) }
        }
        let y = try embedding(indices)
        let dy = Tensor(unchecked: y.shape, scalars: zip(y.scalars, c.scalars).map { $1 * (1 - Double.tanh($0) * Double.tanh($0)) })
        let analytic = try embedding.backward(indices: indices, outputGradient: dy)
        let checker = GradientCheck()
        let numeric = try checker.numericGradient(of: embedding.parameters.weight) { w in
            try loss(Embedding(parameters: EmbeddingParameters(weight: w)))
        }
        let entry = checker.compare("embedding.weight", analytic.weight, numeric, loss: try loss(embedding))
        #expect(entry.passed, "embedding.weight: max relative error \(entry.maxRelativeError)")
        for unused in [1, 4] { #expect((0..<4).allSatisfy { analytic.weight[unused, $0] == 0 }) }
        print("embedding gradient check: max relative error \(entry.maxRelativeError)")
    }

    @Test func embeddingForwardCopiesRowsAndRejectsBadIndices() throws {
        let w = try Tensor<Float>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        let e = Embedding(parameters: try EmbeddingParameters(weight: w))
        #expect(try e([2, 0, 2], shape: [1, 3]) == Tensor(shape: [1, 3, 2], scalars: [5, 6, 1, 2, 5, 6]))
        #expect(throws: GRUKitError.invalidClassIndex(tensor: "embedding indices", position: 1, value: 3, classes: 3)) {
            try e([0, 3])
        }
        #expect(throws: GRUKitError.invalidClassIndex(tensor: "embedding indices", position: 0, value: -1, classes: 3)) {
            try e.backward(indices: [-1], outputGradient: Tensor(zeros: [1, 2]))
        }
    }

    struct Setting: Sendable, CustomTestStringConvertible {
        let input: CharacterModelInput
        let layers: Int
        let dropout: Double
        let convention: GRUConvention
        var testDescription: String { "\(input.name), \(layers) layer(s), dropout \(dropout), \(convention)" }
    }

    @Test(arguments: [
        Setting(input: .embedding(size: 3), layers: 1, dropout: 0, convention: .pytorch),
        Setting(input: .oneHot, layers: 1, dropout: 0, convention: .pytorch),
        Setting(input: .embedding(size: 4), layers: 2, dropout: 0.3, convention: .seedTexts),
    ])
    func wholeModelMatchesFiniteDifferences(setting: Setting) throws {
        var architecture = CharacterModelConfiguration(input: setting.input, hiddenSize: 5, layerCount: setting.layers)
        architecture.dropout = setting.dropout
        architecture.convention = setting.convention
        var g = SeededGenerator(seed: 5)
        let vocabulary = try CharacterVocabulary(characters: ["a", "b", "c", "d", "e", "f"])
        let model = try CharacterLanguageModel<Double>(vocabulary: vocabulary, architecture: architecture, using: &g)
        let (n, t) = (2, 5)
        let batch = try CharacterBatch(
            inputs: (0..<(n * t)).map { _ in g.index(below: 6) }, targets: (0..<(n * t)).map { _ in g.index(below: 6) },
            sampleCount: n, steps: t)
        let seed: UInt64? = setting.dropout > 0 ? 9 : nil

        let checker = GradientCheck()
        let (value, _, analytic) = try model.gradients(batch, dropoutSeed: seed)
        var names: [String] = []
        for path in model.parameters.parameterPaths {
            let numeric = try checker.numericGradient(of: model.parameters[keyPath: path.keyPath]) { perturbed in
                var m = model
                m.parameters[keyPath: path.keyPath] = perturbed
                return try m.loss(batch, dropoutSeed: seed)
            }
            let entry = checker.compare(path.name, analytic[keyPath: path.keyPath], numeric, loss: value)
            #expect(entry.passed, "\(setting.testDescription): \(path.name) max relative error \(entry.maxRelativeError)")
            names.append(path.name)
        }
        let expected = (setting.input == .oneHot ? [] : ["embedding.weight"])
            + (0..<setting.layers).flatMap { k in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map { "gru.\($0)_l\(k)" } }
            + ["head.weight", "head.bias"]
        #expect(names == expected)
    }
}
