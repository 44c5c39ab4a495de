import Foundation
import GRUKit
import Testing

/// `gru export --onnx` end to end: model files (the fixtures ONNX Runtime checked, written
/// by scripts/check_onnx_export.py), a plain PyTorch state_dict run back through
/// `gru onnx run` against PyTorch's h_n, and bad input.
@Suite struct ExportCommandTests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let export = tests.appendingPathComponent("GRUKitTests/Fixtures/onnx/export")
    static let forward = tests.appendingPathComponent("GRUCLITests/Fixtures/forward")

    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("gru-export-\(UUID().uuidString)-\(name)")
    }

    /// The exported bytes are those onnx.checker accepted and ONNX Runtime ran.
    @Test(arguments: ["after_keeps-old_l2_bi_last-step", "before_takes-new_l1_bi_every-step_batch_first", "after_takes-new_l2_uni_every-step"])
    func exportsTheFileONNXRuntimeChecked(_ name: String) throws {
        let dir = Self.export.appendingPathComponent(name)
        let inputs = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("inputs.safetensors"))
        let out = temporaryFile("model.onnx")
        defer { try? FileManager.default.removeItem(at: out) }
        var arguments = ["export", "--onnx", out.path, "--model", dir.appendingPathComponent("model.safetensors").path]
        if inputs.info("h0") != nil { arguments.append("--initial-state") }
        if inputs.info("lengths") != nil { arguments.append("--lengths") }
        let r = try gru(arguments: arguments)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("wrote \(out.path): GRU "))
        #expect(try Data(contentsOf: out) == Data(contentsOf: dir.appendingPathComponent("exported.onnx")))
    }

    /// A plain state_dict (gru + head, 2 layers, bidirectional, batch-first) with h0 and lengths:
    /// through `gru onnx run`, h_n equals what torch.nn.GRU returned (scripts/make_forward_fixtures.py).
    @Test func plainStateDictRunsAsPyTorchDoes() throws {
        let out = temporaryFile("module.onnx"), y = temporaryFile("y.safetensors")
        defer { for u in [out, y] { try? FileManager.default.removeItem(at: u) } }
        let r = try gru("export", "--onnx", out.path, "--model", Self.forward.appendingPathComponent("module_weights.safetensors").path,
                        "--convention", "pytorch", "--batch-first", "--initial-state", "--lengths")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("GRU 2 layers bidirectional, input 3, hidden 5, reset after matmul, z keeps-old (linear_before_reset=1)"))
        let run = try gru("onnx", "run", out.path, "--input", Self.forward.appendingPathComponent("module_input.safetensors").path, "--output", y.path)
        #expect(run.status == 0, "\(run.stderr)")
        let ours = try SafeTensorsFile(contentsOf: y)
        #expect(ours.names == ["h_n", "logits"])
        let expected: Tensor<Float> = try SafeTensorsFile(contentsOf: Self.forward.appendingPathComponent("module_expected.safetensors")).tensor("h_n")
        let state: Tensor<Float> = try ours.tensor("h_n")
        #expect(state.shape == expected.shape)
        if state.shape == expected.shape { #expect(state.maxAbsDifference(from: expected) <= 1e-5) }
        #expect(try ours.tensor("logits", as: Float.self).shape == [3, 6, 2])  // (N, T, O)
    }

    @Test func badInputIsOneLine() throws {
        let out = temporaryFile("never.onnx")
        let model = Self.export.appendingPathComponent("before_keeps-old_l1_uni_every-step/model.safetensors").path
        // Options that contradict the file's metadata.
        let conflict = try gru("export", "--onnx", out.path, "--model", model, "--convention", "pytorch", "--readout", "last-step")
        #expect(conflict.status == 1)
        #expect(conflict.stderr == "error: \(model): the file's grukit.model metadata says convention reset before matmul, z keeps-old, "
            + "readout every-step; --convention, --reset, --update, --readout and --batch-first apply only to plain state_dicts\n")
        // Options that agree are fine.
        let agree = try gru("export", "--onnx", out.path, "--model", model, "--convention", "onnx")
        #expect(agree.status == 0, "\(agree.stderr)")
        try? FileManager.default.removeItem(at: out)
        // A bare torch.nn.GRU state_dict is not a module with a gru and a head.
        let bare = Self.forward.appendingPathComponent("bare_weights.safetensors").path
        let notModule = try gru("export", "--onnx", out.path, "--model", bare)
        #expect(notModule.status == 1)
        #expect(notModule.stderr.hasPrefix("error: \(bare): gru.weight_ih_l0: missing"))
        // The same GRU under gru., without a head.
        let headless = temporaryFile("headless.safetensors")
        defer { try? FileManager.default.removeItem(at: headless) }
        var gruOnly = SafeTensorsWriter()
        let bareFile = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: bare))
        for name in bareFile.names { try gruOnly.add("gru." + name, bareFile.tensor(name, as: Float.self)) }
        try gruOnly.write(to: headless)
        let noHead = try gru("export", "--onnx", out.path, "--model", headless.path)
        #expect(noHead.status == 1)
        #expect(noHead.stderr.hasPrefix("error: \(headless.path): head.weight: missing"))
        // A character model's embedding cannot be exported yet: refused, not silently dropped.
        let withEmbedding = temporaryFile("embedding.safetensors")
        defer { try? FileManager.default.removeItem(at: withEmbedding) }
        var writer = SafeTensorsWriter()
        let source = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model))
        for name in source.names { try writer.add(name, source.tensor(name, as: Float.self)) }
        try writer.add("embedding.weight", Tensor<Float>(zeros: [5, 3]))
        try writer.write(to: withEmbedding)
        let embedding = try gru("export", "--onnx", out.path, "--model", withEmbedding.path)
        #expect(embedding.status == 1)
        #expect(embedding.stderr.hasPrefix("error: \(withEmbedding.path): holds embedding.weight; exporting a model with an embedding is not supported yet"))
        // An unwritable destination.
        let unwritable = try gru("export", "--onnx", "/nonexistent/dir/m.onnx", "--model", model)
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.hasPrefix("error: /nonexistent/dir/m.onnx: cannot write the file: "))
        let usage = try gru("export", "--model", model)
        #expect(usage.status == 64)
        for r in [conflict, notModule, noHead, embedding, unwritable, usage] { #expect(r.stderr.split(separator: "\n").count == 1) }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
