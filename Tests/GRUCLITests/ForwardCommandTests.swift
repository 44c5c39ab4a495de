import Foundation
import GRUKit
import Testing

/// `gru forward` against what torch.nn.GRU returned for the same weights and batch
/// (scripts/make_forward_fixtures.py).
@Suite struct ForwardCommandTests {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/forward")

    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("gru-forward-\(UUID().uuidString)-\(name)")
    }

    func expectMatches(output: URL, expected: String) throws {
        let ours = try SafeTensorsFile(contentsOf: output)
        let theirs = try SafeTensorsFile(contentsOf: fixtures.appendingPathComponent(expected))
        #expect(ours.names == ["h_n", "output"])
        for name in ["output", "h_n"] {
            let a: Tensor<Float> = try ours.tensor(name), b: Tensor<Float> = try theirs.tensor(name)
            #expect(a.shape == b.shape, "\(name) shape")
            if a.shape == b.shape { #expect(a.maxAbsDifference(from: b) <= 1e-5, "\(name): \(a.maxAbsDifference(from: b))") }
        }
    }

    /// A GRU inside a module (prefix detected), batch-first, h0 and lengths shorter than T.
    @Test func moduleWithLengthsMatchesPyTorch() throws {
        let out = temporaryFile("module.safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try gru("forward", "--weights", fixtures.appendingPathComponent("module_weights.safetensors").path,
                        "--input", fixtures.appendingPathComponent("module_input.safetensors").path,
                        "--output", out.path, "--batch-first")
        #expect(r.status == 0, "\(r.stderr)")
        try expectMatches(output: out, expected: "module_expected.safetensors")
    }

    @Test func bareGRUMatchesPyTorch() throws {
        let out = temporaryFile("bare.safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try gru("forward", "--weights", fixtures.appendingPathComponent("bare_weights.safetensors").path,
                        "--input", fixtures.appendingPathComponent("bare_input.safetensors").path, "--output", out.path)
        #expect(r.status == 0, "\(r.stderr)")
        try expectMatches(output: out, expected: "bare_expected.safetensors")
    }

    @Test func badInputIsOneClearLine() throws {
        let out = temporaryFile("never.safetensors")
        let weights = fixtures.appendingPathComponent("module_weights.safetensors").path
        // Time-major input given to batch-first weights of input size 3: the input file is named.
        let bare = fixtures.appendingPathComponent("bare_input.safetensors").path
        let wrong = try gru("forward", "--weights", weights, "--input", bare, "--output", out.path)
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "error: \(bare) with \(weights): input: expected shape (T, N, I) with I = 3, got [5, 2, 4]\n")
        // Weights given as input: the missing tensor and the file are named.
        let missing = try gru("forward", "--weights", weights, "--input", weights, "--output", out.path)
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: \(weights): "))
        #expect(missing.stderr.contains("input"))
        #expect(missing.stderr.split(separator: "\n").count == 1)
        // A file that does not exist.
        let absent = try gru("forward", "--weights", "/nonexistent/w.safetensors", "--input", bare, "--output", out.path)
        #expect(absent.status == 1)
        #expect(absent.stderr.hasPrefix("error: /nonexistent/w.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
