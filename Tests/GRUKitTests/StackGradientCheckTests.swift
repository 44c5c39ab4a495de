import GRUKit
import Testing

/// Finite-difference checks for every path the stack adds: directions, depth, layout, lengths,
/// clip, every ONNX activation and dropout (with one fixed mask).
@Suite struct StackGradientCheckTests {
    func problem(_ edit: (inout GradientCheckProblem.Configuration) -> Void) -> GradientCheckProblem.Configuration {
        var c = GradientCheckProblem.Configuration()
        (c.inputSize, c.hiddenSize, c.outputSize, c.steps, c.batch) = (2, 3, 2, 4, 3)
        (c.convention, c.loss) = (.pytorch, .meanSquaredError)
        edit(&c)
        return c
    }

    func expectPasses(_ c: GradientCheckProblem.Configuration, step: Double = 1e-3, _ what: String) throws {
        let (_, entries) = try GradientCheckProblem(c).check(with: GradientCheck(step: step))
        #expect(entries.count == c.layers * c.direction.count * (c.bias ? 4 : 2) + 4)
        for e in entries { #expect(e.passed, "\(what): \(e.name) relative error \(e.maxRelativeError)") }
    }

    static let shapes: [(layers: Int, direction: GRUDirection)] = [
        (1, .reverse), (1, .bidirectional), (2, .forward), (2, .bidirectional), (3, .bidirectional),
    ]

    /// PyTorch's and the seed texts' conventions differ in both reset placement and polarity.
    @Test(arguments: 0..<shapes.count, [GRUConvention.pytorch, .seedTexts])
    func directionsAndDepth(shape: Int, convention: GRUConvention) throws {
        let (layers, direction) = Self.shapes[shape]
        for (batchFirst, variable) in [(false, false), (true, false), (false, true), (true, true)] {
            for readout in Readout.allCases {
                let c = problem {
                    ($0.layers, $0.direction, $0.convention) = (layers, direction, convention)
                    ($0.batchFirst, $0.variableLengths, $0.readout) = (batchFirst, variable, readout)
                    $0.seed = UInt64(shape * 10 + (batchFirst ? 1 : 0) + (variable ? 2 : 0))
                }
                try expectPasses(c, "\(layers)×\(direction) \(convention) batchFirst \(batchFirst) lengths \(variable) \(readout)")
            }
        }
    }

    /// Dropout between layers with one fixed mask: the loss is then a smooth function of the weights.
    @Test(arguments: [GRUDirection.forward, .bidirectional])
    func dropoutWithAFixedMask(direction: GRUDirection) throws {
        let c = problem { ($0.layers, $0.direction, $0.dropout, $0.variableLengths) = (3, direction, 0.4, true) }
        try expectPasses(c, "dropout 0.4, \(direction)")
        // The mask is really applied: the loss differs from the loss without dropout.
        let p = try GradientCheckProblem(c)
        let with = try p.model.loss(p.input, initialState: p.initialState, lengths: p.lengths, target: p.target, loss: c.loss, dropoutSeed: 5)
        let without = try p.model.loss(p.input, initialState: p.initialState, lengths: p.lengths, target: p.target, loss: c.loss)
        #expect(abs(with - without) > 1e-6)
    }

    static let activations: [Activation] = [
        .sigmoid, .tanh, .relu, .hardSigmoid(alpha: 0.3, beta: 0.4), .leakyRelu(alpha: 0.1), .thresholdedRelu(alpha: 0.2),
        .scaledTanh(alpha: 1.5, beta: 0.7), .affine(alpha: 0.8, beta: 0.1), .elu(alpha: 0.9), .softsign, .softplus,
    ]

    /// Every activation as f (gates) and as g (candidate). Kinked ones use a small ε so the
    /// stencil does not straddle a kink.
    @Test(arguments: activations)
    func everyActivation(activation: Activation) throws {
        for asGate in [true, false] {
            let pair = asGate ? GRUActivations(gate: activation, candidate: .tanh) : GRUActivations(gate: .sigmoid, candidate: activation)
            for convention in [GRUConvention.pytorch, .onnxDefault] {
                let c = problem { ($0.activations, $0.convention, $0.direction) = ([pair, .standard], convention, .bidirectional) }
                try expectPasses(c, step: 1e-5, "\(activation) as \(asGate ? "f" : "g"), \(convention)")
            }
        }
    }

    /// ONNX clip: arguments beyond ±clip are clamped and pass no gradient.
    @Test(arguments: GRUConvention.allCases)
    func clip(convention: GRUConvention) throws {
        let c = problem { ($0.clip, $0.convention, $0.variableLengths) = (0.6, convention, true) }
        try expectPasses(c, step: 1e-5, "clip 0.6 \(convention)")
        // Some arguments really are clamped at 0.6: the output differs from the unclipped one.
        let p = try GradientCheckProblem(c)
        var unclipped = p.model
        unclipped.configuration.clip = nil
        #expect(try p.model.logits(p.input).maxAbsDifference(from: unclipped.logits(p.input)) > 1e-3)
    }
}
