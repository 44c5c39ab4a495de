import GRUKit
import Testing

/// GRUKit against torch.nn.GRU + torch.nn.Linear + a loss, tensor by tensor.
///
/// The fixtures (scripts/make_core_fixtures.py) hold float32-representable weights, inputs and
/// targets and what PyTorch computed from them in float64: outputs, last state, logits, loss
/// and every gradient. Float must match within 1e-5, Double within 1e-12.
@Suite struct PyTorchParityTests {
    struct Case: Decodable {
        let name: String
        let bias: Bool
        let readout: String
        let loss: String
        let reduction: String
        let loss_value: Double
        let target_classes: [Int]?
        let tensors: [String: FixtureTensor]
    }

    struct File: Decodable { let cases: [Case] }

    @Test func floatMatchesPyTorch() throws {
        try check(Float.self, tolerance: 1e-5)
    }

    @Test func doubleMatchesPyTorch() throws {
        try check(Double.self, tolerance: 1e-12)
    }

    func check<S: GRUScalar>(_: S.Type, tolerance: S) throws {
        let file = try loadFixture("pytorch_core.json", as: File.self)
        #expect(file.cases.count == 37)
        var worst = WorstDifference<S>()
        func close(_ a: Tensor<S>, _ b: Tensor<S>, _ what: String) {
            worst.record(expectClose(a, b, tolerance: tolerance, what), what)
        }
        for c in file.cases {
            let t = c.tensors
            let parameters = GRUModelParameters<S>(
                gru: GRUStackParameters(layers: [try gruParameters(t, prefix: "gru.", suffix: "_l0", bias: c.bias)], directionCount: 1),
                head: try LinearParameters(weight: tensor(t, "head.weight"), bias: tensor(t, "head.bias")))
            let sizes = parameters.gru.layers[0]
            let model = try GRUModel(
                parameters: parameters,
                configuration: GRUConfiguration(inputSize: sizes.inputSize, hiddenSize: sizes.hiddenSize, bias: c.bias),
                readout: try #require(Readout(rawValue: c.readout)))
            let input: Tensor<S> = try tensor(t, "input")
            let h0: Tensor<S>? = t["h0"] == nil ? nil : try tensor(t, "h0")
            let target: LossTarget<S> = if let classes = c.target_classes { .classes(classes) } else { .values(try tensor(t, "target")) }
            let loss = try #require(Loss(rawValue: c.loss))
            let reduction = try #require(Reduction(rawValue: c.reduction))

            let (output, last) = try model.gru(input, initialState: h0.map { .stacking([$0]) })
            close(output, try tensor(t, "output"), "\(c.name): output")
            close(last.slice(at: 0), try tensor(t, "h_n"), "\(c.name): h_n")
            let (value, logits, gradients) = try model.gradients(
                input, initialState: h0.map { .stacking([$0]) }, target: target, loss: loss, reduction: reduction)
            close(logits, try tensor(t, "logits"), "\(c.name): logits")
            close(Tensor(unchecked: [], scalars: [value]), Tensor(unchecked: [], scalars: [S(c.loss_value)]), "\(c.name): loss")
            for path in gradients.parameters.parameterPaths {
                close(gradients.parameters[keyPath: path.keyPath], try tensor(t, "grad." + path.name), "\(c.name): ∂\(path.name)")
            }
            #expect(gradients.parameters.parameterPaths.count == (c.bias ? 6 : 4))
            close(gradients.input!, try tensor(t, "grad.input"), "\(c.name): ∂input")
            close(gradients.initialState.slice(at: 0), try tensor(t, "grad.h0"), "\(c.name): ∂h0")
        }
        print(worst.summary("PyTorch parity in \(S.self)"))
    }
}
