import GRUKit
import Testing

/// The ONNX GRU operator's semantics in GRUKit's engine, against ONNX's own six node tests and
/// ONNX Runtime (scripts/make_onnx_fixtures.py).
@Suite struct ONNXOperatorTests {
    struct Case: Decodable {
        let name: String
        let source: String
        let rtol: Double
        let atol: Double
        let attributes: [String: Attribute]
        let inputs: [String: FixtureTensor]
        let outputs: [String: FixtureTensor]
    }

    enum Attribute: Decodable {
        case number(Double), text(String), numbers([Double]), texts([String])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Double.self) { self = .number(v) }
            else if let v = try? c.decode(String.self) { self = .text(v) }
            else if let v = try? c.decode([Double].self) { self = .numbers(v) }
            else { self = .texts(try c.decode([String].self)) }
        }
    }

    struct File: Decodable { let cases: [Case] }

    func makeOperator(_ attributes: [String: Attribute]) throws -> ONNXGRUOperator {
        var op = ONNXGRUOperator()
        for (name, value) in attributes {
            switch (name, value) {
            case ("hidden_size", .number(let v)): op.hiddenSize = Int(v)
            case ("direction", .text(let v)): op.direction = try #require(GRUDirection(rawValue: v))
            case ("linear_before_reset", .number(let v)): op.linearBeforeReset = v != 0
            case ("layout", .number(let v)): op.layout = Int(v)
            case ("clip", .number(let v)): op.clip = v
            case ("activations", .texts(let v)): op.activations = v
            case ("activation_alpha", .numbers(let v)): op.activationAlpha = v
            case ("activation_beta", .numbers(let v)): op.activationBeta = v
            default: Issue.record("unexpected attribute \(name)")
            }
        }
        return op
    }

    @Test func everyCaseMatches() throws {
        let file = try loadFixture("onnx_gru.json", as: File.self)
        #expect(file.cases.filter { $0.source == "onnx node test" }.map(\.name).sorted() == [
            "test_gru_batchwise", "test_gru_bidirectional", "test_gru_defaults", "test_gru_reverse",
            "test_gru_seq_length", "test_gru_with_initial_bias",
        ])
        var worst = WorstDifference<Float>()
        for c in file.cases {
            let op = try makeOperator(c.attributes)
            let i = c.inputs
            let (y, yH) = try op(
                x: tensor(i, "X", Float.self), w: tensor(i, "W"), r: tensor(i, "R"), b: i["B"] == nil ? nil : tensor(i, "B"),
                sequenceLengths: i["sequence_lens"]?.data.map { Int($0) },
                initialH: i["initial_h"] == nil ? nil : tensor(i, "initial_h"))
            // Each source's own tolerance: |Δ| ≤ atol + rtol·|expected|, as numpy.testing does.
            for (name, actual) in [("Y", y), ("Y_h", yH)] {
                guard let expected: Tensor<Float> = c.outputs[name] == nil ? nil : try tensor(c.outputs, name) else { continue }
                #expect(actual.shape == expected.shape, "\(c.name): \(name) shape")
                guard actual.shape == expected.shape else { continue }
                for (a, e) in zip(actual.scalars, expected.scalars) {
                    let bound = Float(c.atol + c.rtol * Double(abs(e)))
                    #expect(abs(a - e) <= bound, "\(c.name): \(name) \(a) vs \(e)")
                }
                worst.record(actual.maxAbsDifference(from: expected), "\(c.name): \(name)")
            }
        }
        print(worst.summary("ONNX GRU operator (\(file.cases.count) cases)"))
    }

    @Test func badAttributesAreNamed() throws {
        var op = ONNXGRUOperator()
        op.activations = ["Sigmoid", "Swish"]
        #expect(throws: GRUKitError.self) { try op.activationPairs() }
        op.activations = ["Sigmoid"]
        #expect(throws: GRUKitError.invalidSize(option: "GRU attribute activations", value: 1, expected: "2 or 2 names")) {
            try op.activationPairs()
        }
        op = ONNXGRUOperator()
        op.hiddenSize = 4
        let w = try Tensor<Float>(zeros: [1, 9, 2]), r = try Tensor<Float>(zeros: [1, 9, 3])
        #expect(throws: GRUKitError.invalidSize(option: "GRU attribute hidden_size", value: 4, expected: "3, as R's shape says")) {
            try op(x: Tensor(zeros: [2, 1, 2]), w: w, r: r)
        }
        op.hiddenSize = nil
        #expect(throws: GRUKitError.shapeMismatch(tensor: "B", expected: "[D, 6H] = [1, 18]", actual: [1, 9])) {
            try op(x: Tensor(zeros: [2, 1, 2]), w: w, r: r, b: Tensor(zeros: [1, 9]))
        }
    }
}
