import Foundation
import GRUKit
import Testing

/// `gru onnx run` and `gru onnx test` end to end, on the ONNX fixtures of GRUKitTests
/// (scripts/make_onnx_model_fixtures.py): ONNX's node tests, ONNX Runtime cases, PyTorch exports.
@Suite struct ONNXCommandTests {
    static let onnx = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GRUKitTests/Fixtures/onnx")

    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("gru-onnx-\(UUID().uuidString)-\(name)")
    }

    /// The six node tests pass at ONNX's tolerances; every line names a case and its difference.
    @Test func testPassesTheNodeTests() throws {
        let r = try gru("onnx", "test", Self.onnx.appendingPathComponent("node").path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("PASS  test_gru_") && $0.contains("max |difference| ") }.count == 6)
        #expect(lines.last == "PASS: 6 of 6 cases passed (rtol 0.001, atol 1e-07)")
    }

    /// Several directories at once: single cases and folders of cases.
    @Test func testTakesCasesAndFolders() throws {
        let r = try gru("onnx", "test", Self.onnx.appendingPathComponent("runtime").path,
                        Self.onnx.appendingPathComponent("pytorch/dynamo_gru2_bidirectional_every_step_h0").path, "--atol", "1e-5", "--rtol", "0")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("PASS: 10 of 10 cases passed (rtol 0.0, atol 1e-05)\n"))
    }

    /// A case whose expected output disagrees fails, with status 1, and the others still run.
    @Test func testFailsOnAWrongOutput() throws {
        let folder = temporaryFile("cases")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = Self.onnx.appendingPathComponent("node/test_gru_defaults")
        let bad = folder.appendingPathComponent("test_gru_wrong")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: good, to: bad)
        try FileManager.default.copyItem(at: good, to: folder.appendingPathComponent("test_gru_right"))
        // Replace the expected Y_h (the only output of test_gru_defaults) with zeros.
        let url = bad.appendingPathComponent("test_data_set_0/output_0.pb")
        let proto = try ONNXTensorProto(bytes: [UInt8](try Data(contentsOf: url)), file: url.path)
        let expected = try proto.tensor(file: url.path)
        let zeros = ONNXTensorProto(try ONNXTensor(shape: expected.shape, elements: .float([Float](repeating: 0, count: expected.count))), name: proto.name)
        try Data(zeros.serialized()).write(to: url)
        let r = try gru("onnx", "test", folder.path)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("PASS  test_gru_right test_data_set_0") })
        #expect(lines.contains { $0.hasPrefix("FAIL  test_gru_wrong test_data_set_0") && $0.contains("Y_h: ") })
        #expect(lines.last == "FAIL: 1 of 2 cases passed (rtol 0.001, atol 1e-07)")
    }

    /// `gru onnx run` on PyTorch's exports equals ONNX Runtime's outputs, name by name.
    @Test(arguments: ["torchscript_gru2_bidirectional_every_step_h0", "dynamo_gru2_bidirectional_batch_first_last_step",
                      "torchscript_gru1_softmax_sigmoid"])
    func runMatchesONNXRuntime(_ name: String) throws {
        let dir = Self.onnx.appendingPathComponent("pytorch/\(name)")
        let out = temporaryFile("y.safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try gru("onnx", "run", dir.appendingPathComponent("model.onnx").path,
                        "--input", dir.appendingPathComponent("inputs.safetensors").path, "--output", out.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let ours = try SafeTensorsFile(contentsOf: out)
        let theirs = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("outputs.safetensors"))
        #expect(ours.names == theirs.names)
        for key in theirs.names {
            let a: Tensor<Float> = try ours.tensor(key), b: Tensor<Float> = try theirs.tensor(key)
            #expect(a.shape == b.shape, "\(key)")
            if a.shape == b.shape { #expect(a.maxAbsDifference(from: b) <= 1e-5, "\(key): \(a.maxAbsDifference(from: b))") }
        }
    }

    /// Bad input: one `error:` line naming the file and what was expected; nothing written.
    @Test func runErrorsAreOneLine() throws {
        let dir = Self.onnx.appendingPathComponent("pytorch/torchscript_gru2_bidirectional_every_step_h0")
        let model = dir.appendingPathComponent("model.onnx").path
        let out = temporaryFile("never.safetensors")
        // Inputs of another model: x has the wrong time layout and h0 is missing.
        let other = Self.onnx.appendingPathComponent("pytorch/torchscript_gru1_softmax_sigmoid/inputs.safetensors").path
        let missing = try gru("onnx", "run", model, "--input", other, "--output", out.path)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: \(model): graph input \"h0\" was not given; given: \"x\"\n")
        // The model file given as input, and a safetensors file given as the model.
        let notSafetensors = try gru("onnx", "run", model, "--input", model, "--output", out.path)
        #expect(notSafetensors.status == 1 && notSafetensors.stderr.hasPrefix("error: \(model): "))
        let notONNX = try gru("onnx", "run", other, "--input", other, "--output", out.path)
        #expect(notONNX.status == 1)
        #expect(notONNX.stderr.hasPrefix("error: \(other): malformed protobuf in ModelProto at byte "), "\(notONNX.stderr)")
        let absent = try gru("onnx", "run", "/nonexistent/m.onnx", "--input", other, "--output", out.path)
        #expect(absent.stderr.hasPrefix("error: /nonexistent/m.onnx: cannot read the file: "))
        for r in [missing, notSafetensors, notONNX, absent] { #expect(r.stderr.split(separator: "\n").count == 1) }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func usageErrors() throws {
        let none = try gru("onnx", "test")
        #expect(none.status == 64)
        let tolerance = try gru("onnx", "test", "x", "--rtol=-1")
        #expect(tolerance.status == 64)
        #expect(tolerance.stderr == "error: --rtol must be a finite number ≥ 0 (got -1.0) (see 'gru onnx test --help')\n")
        let notADirectory = try gru("onnx", "test", "/nonexistent")
        #expect(notADirectory.status == 1)
        #expect(notADirectory.stderr.hasPrefix("error: /nonexistent: cannot read the file: not a directory"))
        let help = try gru("onnx", "--help")
        #expect(help.status == 0 && help.stdout.contains("run") && help.stdout.contains("test"))
    }
}
