import GRUKit
import Testing

/// `inputGradient: false` (the input is data): no ∂input, and every other gradient the same bits
/// as with it, on the fast kernels (one layer alone, stacked and bidirectional layers side by
/// side, one and two threads) and on the reference engine; the model and the trainer's path too.
@Suite struct InputGradientTests {
    struct Case: CustomStringConvertible {
        let layers: Int, direction: GRUDirection, convention: GRUConvention, lengths: Bool, threads: Int
        var description: String { "L\(layers) \(direction) \(convention)\(lengths ? " lengths" : "") threads \(threads)" }
    }

    static let cases: [Case] = GRUConvention.allCases.flatMap { convention in
        [(1, GRUDirection.forward, false, 1), (1, .bidirectional, true, 2), (2, .forward, true, 1), (2, .bidirectional, false, 2),
         (3, .bidirectional, true, 1)].map { Case(layers: $0.0, direction: $0.1, convention: convention, lengths: $0.2, threads: $0.3) }
    }

    @Test(arguments: cases) func sameGradientsWithoutTheInputs(c: Case) throws {
        for reference in [false, true] {
            var g = SeededGenerator(seed: 3)
            var config = GRUConfiguration(inputSize: 5, hiddenSize: 20, layerCount: c.layers, direction: c.direction)
            config.convention = c.convention
            config.dropout = c.layers > 1 ? 0.25 : 0
            var gru = try GRU<Float>(config, using: &g)
            if c.threads > 1 { gru.threads = try ComputeThreads(c.threads) }
            if reference { gru.engine = .reference }
            let d = c.direction == .bidirectional ? 2 : 1
            let x = try Tensor<Float>.uniform(shape: [7, 3, 5], in: -1...1, using: &g)
            let dy = try Tensor<Float>.uniform(shape: [7, 3, d * 20], in: -1...1, using: &g)
            let dhN = try Tensor<Float>.uniform(shape: [c.layers * d, 3, 20], in: -1...1, using: &g)
            let lengths = c.lengths ? [7, 2, 5] : nil
            let trace = try gru.forward(x, lengths: lengths, dropoutSeed: 9)
            let with = try gru.backward(trace, outputGradient: dy, finalStateGradient: dhN)
            let without = try gru.backward(trace, outputGradient: dy, finalStateGradient: dhN, inputGradient: false)
            let name = "\(c)\(reference ? " reference" : "")"
            #expect(without.input == nil, "\(name): ∂input")
            #expect(with.input?.shape == [7, 3, 5] && with.input!.scalars.contains { $0 != 0 }, "\(name): ∂input with it")
            #expect(without.parameters == with.parameters, "\(name): weight gradients")
            #expect(without.initialState == with.initialState, "\(name): ∂h0")
        }
    }

    /// A single fast layer, called directly.
    @Test func layerAlone() throws {
        var g = SeededGenerator(seed: 4)
        let p = try GRUParameters<Float>.pytorchDefault(inputSize: 3, hiddenSize: 17, bias: true, using: &g)
        let layer = GRULayer(parameters: p, convention: .pytorch)
        let x = try Tensor<Float>.uniform(shape: [4, 2, 3], in: -1...1, using: &g)
        let dy = try Tensor<Float>.uniform(shape: [4, 2, 17], in: -1...1, using: &g)
        let trace = try layer.forward(x)
        let with = try layer.backward(trace, outputGradient: dy, finalStateGradient: nil)
        let without = try layer.backward(trace, outputGradient: dy, finalStateGradient: nil, inputGradient: false)
        #expect(without.input == nil && with.input != nil)
        #expect(without.parameters == with.parameters && without.initialState == with.initialState)
    }

    /// The model's gradients without ∂input: the same loss, logits and parameter gradients.
    @Test(arguments: [Readout.everyStep, .lastStep]) func model(readout: Readout) throws {
        var g = SeededGenerator(seed: 5)
        let config = GRUConfiguration(inputSize: 2, hiddenSize: 16, layerCount: 2, direction: .bidirectional)
        let model = try GRUModel<Float>(configuration: config, outputSize: 3, readout: readout, using: &g)
        let x = try Tensor<Float>.uniform(shape: [6, 4, 2], in: -1...1, using: &g)
        let y = try Tensor<Float>.uniform(shape: readout == .everyStep ? [6, 4, 3] : [4, 3], in: 0...1, using: &g)
        let with = try model.gradients(x, lengths: [6, 1, 3, 6], target: .values(y), loss: .meanSquaredError)
        let without = try model.gradients(x, lengths: [6, 1, 3, 6], target: .values(y), loss: .meanSquaredError, inputGradient: false)
        #expect(without.loss == with.loss && without.logits == with.logits)
        #expect(without.gradients.parameters == with.gradients.parameters)
        #expect(without.gradients.input == nil && with.gradients.input != nil)
    }
}
