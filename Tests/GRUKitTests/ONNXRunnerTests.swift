import Foundation
import GRUKit
import Testing

/// The graph runner on ONNX's six GRU node tests (ONNX's own outputs), GRU nodes run by ONNX
/// Runtime, and GRU + Linear models exported by PyTorch's two exporters (ONNX Runtime's
/// outputs, checked against PyTorch by the script): scripts/make_onnx_model_fixtures.py.
@Suite struct ONNXRunnerTests {
    static let folder = fixturesFolder.appendingPathComponent("onnx")

    func runAll(_ group: String, rtol: Double, atol: Double) throws -> [String] {
        let cases = try ONNXBackendTestCase.cases(at: Self.folder.appendingPathComponent(group))
        var worst = WorstDifference<Double>()
        for c in cases {
            let results = try c.run(rtol: rtol, atol: atol)
            #expect(results.count == 1, "\(c.name)")
            for r in results {
                #expect(r.passed, "\(c.name) \(r.dataSet): \(r.failure ?? "")")
                worst.record(r.maxDifference, c.name)
            }
        }
        print(worst.summary("\(group) (\(cases.count) cases)"))
        return cases.map(\.name)
    }

    /// ONNX's six GRU node tests with ONNX's own tolerances (rtol 1e-3, atol 1e-7).
    @Test func onnxNodeTestsPass() throws {
        let names = try runAll("node", rtol: 1e-3, atol: 1e-7)
        #expect(names == ["test_gru_batchwise", "test_gru_bidirectional", "test_gru_defaults", "test_gru_reverse",
                          "test_gru_seq_length", "test_gru_with_initial_bias"])
    }

    /// linear_before_reset=1, initial_h, sequence_lens (a zero length too), clip, activations,
    /// typed-field initializers: equal to ONNX Runtime within 1e-5.
    @Test func onnxRuntimeCasesMatch() throws {
        let names = try runAll("runtime", rtol: 0, atol: 1e-5)
        #expect(names.count == 9)
    }

    /// 2-layer bidirectional GRU + Linear from torch.onnx.export (TorchScript and dynamo), and a
    /// 1-layer GRU with Relu, Tanh, Softmax, Sigmoid, Mul and Sub around its head: equal to ONNX
    /// Runtime within 1e-5 on a batch of other T and N than the export's.
    @Test func pytorchExportsMatch() throws {
        let names = try runAll("pytorch", rtol: 0, atol: 1e-5)
        #expect(names.filter { $0.hasPrefix("torchscript_") }.count == 3)
        #expect(names.filter { $0.hasPrefix("dynamo_") }.count == 3)
    }

    /// The library API directly: inputs from safetensors, outputs by name.
    @Test func runFromSafeTensors() throws {
        let dir = Self.folder.appendingPathComponent("pytorch/torchscript_gru2_bidirectional_every_step_h0")
        let runner = try ONNXGraphRunner(model: ONNXModelProto(contentsOf: dir.appendingPathComponent("model.onnx")))
        #expect(runner.inputs.map(\.name) == ["x", "h0"])
        #expect(runner.outputNames == ["logits", "h_n"])
        let outputs = try runner.run(runner.inputs(from: SafeTensorsFile(contentsOf: dir.appendingPathComponent("inputs.safetensors"))))
        let expected = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("outputs.safetensors"))
        for name in ["logits", "h_n"] {
            let ours = try #require(outputs[name]?.floatingPoint(as: Float.self))
            expectClose(ours, try expected.tensor(name, as: Float.self), tolerance: 1e-5, name)
        }
    }

    /// Before IR 4 (and with PyTorch's keep_initializers_as_inputs=True) initializers are also
    /// graph inputs: they need not be given, and a given one replaces the initializer.
    @Test func initializersListedAsInputsAreDefaults() throws {
        var model = oneNodeModel("Add", [floats([2], [1, 2]), floats([2], [10, 20])])
        model.graph.inputs = [ONNXValueInfoProto(name: "in1", type: .tensor(elementType: 1, shape: [.value(2)]))]
        let runner = try ONNXGraphRunner(model: model)
        #expect(runner.inputs.isEmpty)
        #expect(try runner.run([:])["out0"] == floats([2], [11, 22]))
        #expect(try runner.run(["in1": floats([2], [5, 5])])["out0"] == floats([2], [6, 7]))
    }
}
