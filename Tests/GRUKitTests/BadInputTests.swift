import GRUKit
import Testing

/// Bad input gets a typed error that names the tensor or option and what was expected.
@Suite struct BadInputTests {
    let layer: GRULayer<Float>

    init() throws {
        var g = SeededGenerator(seed: 1)
        layer = try GRULayer(inputSize: 3, hiddenSize: 5, using: &g)
    }

    @Test func inputShapes() throws {
        #expect(throws: GRUKitError.shapeMismatch(tensor: "input", expected: "(T, N, I) with I = 3", actual: [2, 4])) {
            try layer(try Tensor(zeros: [2, 4]))
        }
        #expect(throws: GRUKitError.shapeMismatch(tensor: "input", expected: "(T, N, I) with I = 3", actual: [2, 1, 5])) {
            try layer(try Tensor(zeros: [2, 1, 5]))
        }
        #expect(throws: GRUKitError.invalidSize(option: "input: sequence length T", value: 0, expected: "≥ 1")) {
            try layer(try Tensor(zeros: [0, 1, 3]))
        }
        #expect(throws: GRUKitError.invalidSize(option: "input: batch size N", value: 0, expected: "≥ 1")) {
            try layer(try Tensor(zeros: [2, 0, 3]))
        }
    }

    @Test func initialStateShape() throws {
        let x = try Tensor<Float>(zeros: [2, 4, 3])
        #expect(throws: GRUKitError.shapeMismatch(tensor: "initial state", expected: "(N, H) = [4, 5]", actual: [4, 3])) {
            try layer(x, initialState: try Tensor(zeros: [4, 3]))
        }
        #expect(throws: GRUKitError.shapeMismatch(tensor: "initial state", expected: "(N, H) = [4, 5]", actual: [1, 4, 5])) {
            try layer.forward(x, initialState: try Tensor(zeros: [1, 4, 5]))
        }
    }

    @Test func nonFiniteValues() throws {
        var x = try Tensor<Float>(zeros: [2, 4, 3])
        x[1, 2, 0] = .nan
        #expect(throws: GRUKitError.nonFinite(tensor: "input", index: [1, 2, 0], value: "nan")) { try layer(x) }
        var h0 = try Tensor<Float>(zeros: [4, 5])
        h0[3, 4] = -.infinity
        #expect(throws: GRUKitError.nonFinite(tensor: "initial state", index: [3, 4], value: "-inf")) {
            try layer(try Tensor(zeros: [2, 4, 3]), initialState: h0)
        }
        var w = layer.parameters.weightIH
        w[0, 0] = .infinity
        #expect(throws: GRUKitError.nonFinite(tensor: "weight_ih", index: [0, 0], value: "inf")) {
            try GRUParameters(weightIH: w, weightHH: layer.parameters.weightHH, biasIH: nil, biasHH: nil)
        }
    }

    @Test func sizesAndOptions() throws {
        var g = SeededGenerator(seed: 1)
        #expect(throws: GRUKitError.invalidSize(option: "hidden size", value: 0, expected: "≥ 1")) {
            try GRULayer<Float>(inputSize: 3, hiddenSize: 0, using: &g)
        }
        #expect(throws: GRUKitError.invalidSize(option: "input size", value: -2, expected: "≥ 1")) {
            try GRUModel<Float>(inputSize: -2, hiddenSize: 4, outputSize: 1, using: &g)
        }
        #expect(throws: GRUKitError.invalidValue(option: "learning rate", value: "0.0", expected: "a finite number > 0")) {
            try Optimizer<GRUParameters<Float>>(OptimizerConfiguration(kind: .sgd, learningRate: 0))
        }
        #expect(throws: GRUKitError.invalidValue(option: "learning rate", value: "nan", expected: "a finite number > 0")) {
            try Optimizer<GRUParameters<Double>>(OptimizerConfiguration(kind: .adam, learningRate: .nan))
        }
        var c = BinaryAddition.Configuration()
        c.bits = 1
        #expect(throws: GRUKitError.invalidSize(option: "bits", value: 1, expected: "2 to 62")) { try BinaryAddition(c) }
        c.bits = 3
        #expect(throws: GRUKitError.self) { try BinaryAddition(c) }  // only 16 pairs of 2-bit operands exist
    }

    @Test func parameterShapesAgree() throws {
        let p = layer.parameters
        #expect(throws: GRUKitError.shapeMismatch(
            tensor: "weight_ih", expected: "(3H, I) with H = 5 (from weight_hh) and I ≥ 1", actual: [12, 3])) {
            try GRUParameters(weightIH: try Tensor(zeros: [12, 3]), weightHH: p.weightHH, biasIH: nil, biasHH: nil)
        }
        #expect(throws: GRUKitError.shapeMismatch(tensor: "bias_hh", expected: "(3H) = [15]", actual: [5])) {
            try GRUParameters(weightIH: p.weightIH, weightHH: p.weightHH, biasIH: p.biasIH, biasHH: try Tensor(zeros: [5]))
        }
        #expect(throws: GRUKitError.incompatible("bias_ih and bias_hh: give both or neither (got only bias_ih)")) {
            try GRUParameters(weightIH: p.weightIH, weightHH: p.weightHH, biasIH: p.biasIH, biasHH: nil)
        }
        let head = try LinearParameters<Float>(weight: try Tensor(zeros: [2, 4]), bias: nil)
        #expect(throws: GRUKitError.shapeMismatch(tensor: "head.weight", expected: "(O, D·H) with D·H = 5", actual: [2, 4])) {
            try GRUModel(parameters: GRUModelParameters(gru: GRUStackParameters(layers: [p], directionCount: 1), head: head),
                         configuration: GRUConfiguration(inputSize: 3, hiddenSize: 5), readout: .everyStep)
        }
    }

    @Test func backwardChecksItsArguments() throws {
        let trace = try layer.forward(try Tensor(zeros: [2, 4, 3]))
        #expect(throws: GRUKitError.shapeMismatch(tensor: "output gradient", expected: "(T, N, H) = [2, 4, 5]", actual: [2, 4, 3])) {
            try layer.backward(trace, outputGradient: try Tensor(zeros: [2, 4, 3]), finalStateGradient: nil)
        }
        var g = SeededGenerator(seed: 2)
        let other = try GRULayer<Float>(inputSize: 2, hiddenSize: 5, using: &g)
        #expect(throws: GRUKitError.self) { try other.backward(trace, outputGradient: nil, finalStateGradient: nil) }
    }

    @Test func messagesNameWhatWasExpected() {
        #expect(GRUKitError.shapeMismatch(tensor: "input", expected: "(T, N, I) with I = 3", actual: [2, 4]).description
                == "input: expected shape (T, N, I) with I = 3, got [2, 4]")
        #expect(GRUKitError.nonFinite(tensor: "input", index: [1, 2, 0], value: "nan").description
                == "input: element [1, 2, 0] is nan; every element must be finite")
    }
}
