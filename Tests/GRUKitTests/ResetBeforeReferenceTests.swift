import GRUKit
import Testing

/// Reset before the matmul, which PyTorch cannot express, against ONNX's reference runtime
/// (onnx.reference, `linear_before_reset=0`), for both update polarities.
@Suite struct ResetBeforeReferenceTests {
    struct Case: Decodable {
        let name: String
        let update: String
        let bias: Bool
        let tensors: [String: FixtureTensor]
    }

    struct File: Decodable { let cases: [Case] }

    @Test(arguments: [false, true])
    func matchesONNXReference(double: Bool) throws {
        if double { try check(Double.self, tolerance: 1e-12) } else { try check(Float.self, tolerance: 1e-5) }
    }

    func check<S: GRUScalar>(_: S.Type, tolerance: S) throws {
        let file = try loadFixture("onnx_reset_before.json", as: File.self)
        #expect(file.cases.count == 16)
        var worst = WorstDifference<S>()
        for c in file.cases {
            let t = c.tensors
            let convention = GRUConvention(reset: .beforeMatmul, update: try #require(.init(rawValue: c.update)))
            let layer = GRULayer<S>(parameters: try gruParameters(t, bias: c.bias), convention: convention)
            let h0: Tensor<S>? = t["h0"] == nil ? nil : try tensor(t, "h0")
            let (output, last) = try layer(try tensor(t, "input"), initialState: h0)
            worst.record(expectClose(output, try tensor(t, "output"), tolerance: tolerance, "\(c.name): Y"), "\(c.name): Y")
            worst.record(expectClose(last, try tensor(t, "h_n"), tolerance: tolerance, "\(c.name): Y_h"), "\(c.name): Y_h")
        }
        print(worst.summary("onnx.reference (reset before) in \(S.self)"))
    }
}
