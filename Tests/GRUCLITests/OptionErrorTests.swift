import Foundation
import GRUKit
import Testing

/// Every option of `gru train`, `evaluate`, `predict` and `generate` with a bad value: one
/// `error:` line that names the option (or the file), a non-zero status, nothing on standard
/// output and nothing written. (`TrainBadInputTests` covers the data; these, the rest.)
@Suite struct OptionErrorTests {
    struct Case: CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let mentions: [String]
        var description: String { arguments.joined(separator: " ") }
    }

    /// Runs each case; nothing may appear on standard output or in `folder` beyond `keep`.
    func expectOneLine(_ cases: [Case], folder: URL, keep: Set<String>) throws {
        for c in cases {
            let r = try gru(arguments: c.arguments)
            #expect(r.status == c.status, "\(c): status \(r.status), \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(c): \(r.stderr)")
            for text in c.mentions { #expect(r.stderr.contains(text), "\(c): '\(r.stderr)' should mention \(text)") }
            #expect(r.stdout.isEmpty, "\(c): \(r.stdout)")
            let written = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)).subtracting(keep)
            #expect(written.isEmpty, "\(c): wrote \(written)")
        }
    }

    @Test func trainOptions() throws {
        let folder = try temporaryFolder("options-train")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("d.safetensors")
        try writeDataset(data, n: 8, t: 3, i: 2, o: 1)
        let text = folder.appendingPathComponent("t.txt")
        try Data(String(repeating: "abc abd\n", count: 30).utf8).write(to: text)
        let save = folder.appendingPathComponent("m.safetensors").path
        let d = ["train", "--data", data.path, "--save", save], t = ["train", "--text", text.path, "--save", save]
        let usage: [([String], [String])] = [
            (["--layers", "0"], ["--layers"]), (["--threads", "0"], ["--threads"]), (["--min-delta=-1"], ["--min-delta"]),
            (["--clip-value", "0"], ["--clip-value"]), (["--beta2", "1"], ["--beta2"]), (["--eps", "0"], ["--eps"]),
            (["--alpha", "1.5"], ["--alpha"]), (["--dampening=-1"], ["--dampening"]), (["--weight-decay=-1"], ["--weight-decay"]),
            (["--schedule", "step", "--gamma", "0"], ["--gamma"]), (["--schedule", "cosine", "--min-lr=-1"], ["--min-lr"]),
            (["--schedule", "cosine", "--cosine-epochs", "0"], ["--cosine-epochs"]), (["--warmup-epochs=-1"], ["--warmup-epochs"]),
            (["--warmup-epochs", "2", "--warmup-start-factor", "0"], ["--warmup-start-factor"]), (["--progress", "loud"], ["--progress", "loud"]),
            (["--init-scheme", "zeros"], ["--init-scheme", "zeros"]), (["--seed=-1"], ["--seed"]), (["--loss", "hinge"], ["--loss", "hinge"]),
            (["--epochs", "many"], ["--epochs", "many"]), (["--one-hot"], ["--one-hot", "--text"]),
        ]
        var cases = usage.map { Case(arguments: d + $0.0, status: 64, mentions: $0.1) }
        cases += [
            Case(arguments: t + ["--layers", "0"], status: 64, mentions: ["--layers"]),
            Case(arguments: t + ["--epochs", "0"], status: 64, mentions: ["--epochs"]),
            Case(arguments: t + ["--dropout=-0.5"], status: 64, mentions: ["--dropout"]),
            Case(arguments: t + ["--validation-split", "1"], status: 64, mentions: ["--validation-split"]),
            Case(arguments: t + ["--patience", "2"], status: 64, mentions: ["--patience", "--validation-split"]),
            Case(arguments: t + ["--sequence-length", "many"], status: 64, mentions: ["--sequence-length", "many"]),
            Case(arguments: t + ["--validation-data", folder.appendingPathComponent("none.txt").path], status: 1, mentions: ["none.txt", "cannot read"]),
            // Where the run would write: checked before training, not at the first checkpoint.
            Case(arguments: ["train", "--data", data.path, "--save", folder.appendingPathComponent("no/m.safetensors").path], status: 1,
                 mentions: ["--save", "no/m.safetensors", "does not exist"]),
            Case(arguments: d + ["--checkpoint", folder.appendingPathComponent("no/c.safetensors").path], status: 1, mentions: ["--checkpoint", "does not exist"]),
            Case(arguments: t + ["--metrics", folder.appendingPathComponent("no/m.jsonl").path], status: 1, mentions: ["--metrics", "does not exist"]),
            Case(arguments: t + ["--plot", folder.appendingPathComponent("no/p.svg").path], status: 1, mentions: ["--plot", "does not exist"]),
        ]
        try expectOneLine(cases, folder: folder, keep: ["d.safetensors", "t.txt"])
    }

    @Test func evaluatePredictAndGenerateOptions() throws {
        let folder = try temporaryFolder("options-use")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("d.safetensors")
        try writeDataset(data, n: 8, t: 3, i: 2, o: 1)
        let text = folder.appendingPathComponent("t.txt")
        try Data(String(repeating: "abc abd\n", count: 30).utf8).write(to: text)
        let sequences = folder.appendingPathComponent("seq.safetensors"), characters = folder.appendingPathComponent("lm.safetensors")
        #expect(try gru("train", "--data", data.path, "--epochs", "1", "--save", sequences.path, "--progress", "none").status == 0)
        #expect(try gru("train", "--text", text.path, "--sequence-length", "8", "--hidden-size", "8", "--epochs", "1", "--save", characters.path,
                        "--progress", "none").status == 0)
        let keep = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        let out = folder.appendingPathComponent("out.safetensors").path
        let missing = folder.appendingPathComponent("missing.safetensors").path
        let e = ["evaluate", "--model", characters.path, "--text", text.path]
        let p = ["predict", "--model", sequences.path, "--data", data.path, "--output", out]
        let g = ["generate", "--model", characters.path]
        let cases: [Case] = [
            Case(arguments: e + ["--batch-size", "0"], status: 64, mentions: ["--batch-size"]),
            Case(arguments: e + ["--last", "0"], status: 64, mentions: ["--last"]),
            Case(arguments: e + ["--sequence-length", "0"], status: 64, mentions: ["--sequence-length"]),
            Case(arguments: e + ["--loss", "mse"], status: 64, mentions: ["--loss mse", "cross-entropy"]),
            Case(arguments: e + ["--data", data.path], status: 64, mentions: ["--data and --text"]),
            Case(arguments: ["evaluate", "--model", characters.path], status: 64, mentions: ["--data", "--csv", "--text"]),
            Case(arguments: ["evaluate", "--model", missing, "--text", text.path], status: 1, mentions: ["missing.safetensors"]),
            Case(arguments: ["evaluate", "--model", characters.path, "--text", folder.appendingPathComponent("none.txt").path], status: 1,
                 mentions: ["none.txt", "cannot read"]),
            Case(arguments: ["evaluate", "--model", characters.path, "--data", data.path], status: 1, mentions: [characters.path, "--text"]),
            Case(arguments: ["evaluate", "--model", sequences.path, "--text", text.path], status: 1, mentions: [sequences.path, "character-language-model"]),
            Case(arguments: p + ["--batch-size", "0"], status: 64, mentions: ["--batch-size"]),
            Case(arguments: p + ["--last", "0"], status: 64, mentions: ["--last"]),
            Case(arguments: p + ["--plot", "x.svg"], status: 64, mentions: ["--plot", "--csv"]),
            Case(arguments: p + ["--text", text.path], status: 64, mentions: ["--text"]),
            Case(arguments: ["predict", "--model", characters.path, "--data", data.path, "--output", out], status: 1, mentions: ["gru generate"]),
            Case(arguments: ["predict", "--model", missing, "--data", data.path, "--output", out], status: 1, mentions: ["missing.safetensors"]),
            Case(arguments: g + ["--length", "0"], status: 64, mentions: ["--length"]),
            Case(arguments: g + ["--temperature", "hot"], status: 64, mentions: ["--temperature", "hot"]),
            Case(arguments: g + ["--temperature=-1"], status: 64, mentions: ["--temperature"]),
            Case(arguments: g + ["--top-k", "0"], status: 64, mentions: ["--top-k"]),
            Case(arguments: g + ["--top-k", "7"], status: 1, mentions: ["--top-k", "at most 6"]),
            Case(arguments: g + ["--seed=-3"], status: 64, mentions: ["--seed"]),
            Case(arguments: g + ["--prompt", "xyz"], status: 1, mentions: ["--prompt", "'x'"]),
            Case(arguments: ["generate", "--model", missing], status: 1, mentions: ["missing.safetensors"]),
            Case(arguments: ["generate", "--model", sequences.path], status: 1, mentions: [sequences.path, "character-language-model"]),
        ]
        try expectOneLine(cases, folder: folder, keep: keep)
    }

    @Test func helpReadsForEveryCommand() throws {
        let expected: [String: [String]] = [
            "train": ["--text", "--sequence-length", "--embedding-size", "--one-hot", "--skip-nonfinite", "--validation-split", "--resume"],
            "evaluate": ["--model", "--data", "--csv", "--text", "--sequence-length", "--last", "--json", "nats and bits"],
            "predict": ["--model", "--data", "--csv", "--output", "gru generate"],
            "generate": ["--model", "--prompt", "--length", "--temperature", "--top-k", "--seed", "gru train --text"],
        ]
        for (command, words) in expected {
            let r = try gru(command, "--help")
            #expect(r.status == 0 && r.stderr.isEmpty)
            let prose = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")  // phrases across wrapped lines
            for word in words { #expect(prose.contains(word), "gru \(command) --help lacks \(word)") }
            // Help lines fit an 80-column terminal.
            #expect(r.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 || $0.hasPrefix("USAGE:") }, "gru \(command) --help")
        }
        #expect(!(try gru("predict", "--help")).stdout.contains("--text"), "predict takes no text")
    }
}
