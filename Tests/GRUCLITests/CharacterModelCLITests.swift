import Foundation
import GRUKit
import Testing

/// `gru demo char-lm` and `gru generate` end to end: files written, text generated, and one
/// clear error line with a non-zero status for every bad input, before any training starts.
@Suite struct CharacterModelCLITests {
    /// A fresh directory holding `hello.txt` (a repetitive text), removed by `body`'s caller.
    func withFolder(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("grukit-cli-lm-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(String(repeating: "hello world\n", count: 30).utf8).write(to: folder.appendingPathComponent("hello.txt"))
        try body(folder)
    }

    let small = ["--epochs", "3", "--hidden-size", "16", "--embedding-size", "4", "--sequence-length", "12", "--batch-size", "4",
                 "--sample-length", "20", "--validation-split", "0.2", "--progress", "none"]

    /// The training losses of a metrics log, epoch by epoch.
    func losses(_ url: URL) throws -> [[String: Double]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return object.compactMapValues { $0 as? Double }.filter { $0.key.hasSuffix("loss") }
        }
    }

    @Test func demoTrainsWritesAndSamples() throws {
        try withFolder { folder in
            let out = folder.appendingPathComponent("run")
            let text = folder.appendingPathComponent("hello.txt").path
            let r = try gru(arguments: ["demo", "char-lm", "--text", text, "--output", out.path] + small)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.isEmpty)
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0].contains("360 characters, 9 distinct (uniform baseline ln 9 = 2.197 nats per character); "
                                      + "23 windows of 12 characters for training, 6 for validation"), "\(lines[0])")
            #expect(lines.filter { $0.hasPrefix("epoch ") }.count == 3)
            #expect(r.stdout.contains("--- sample at temperature 0.5, seed 1 ---"))
            #expect(r.stdout.contains("--- sample at temperature 1.0, seed 1 ---"))
            let metrics = try losses(out.appendingPathComponent("metrics.jsonl"))
            #expect(metrics.count == 3 && metrics.allSatisfy { $0["train_loss"] != nil && $0["validation_loss"] != nil })
            let svg = try String(contentsOf: out.appendingPathComponent("loss.svg"), encoding: .utf8)
            #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.contains("uniform: ln 9 = 2.20"))
            let model = try CharacterLanguageModel<Float>(contentsOf: out.appendingPathComponent("model.safetensors"))
            #expect(model.vocabulary.count == 9)
            for name in ["checkpoint.safetensors", "checkpoint.json", "model.best.safetensors"] {
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
            }
            // The same seed runs the same training and draws the same samples.
            let again = try gru(arguments: ["demo", "char-lm", "--text", text, "--output", out.path] + small)
            #expect(try losses(out.appendingPathComponent("metrics.jsonl")) == metrics)
            #expect(again.stdout.split(separator: "---").last == r.stdout.split(separator: "---").last)
            // The demo is gru train --text with its settings: the same model, bit for bit.
            let trained = folder.appendingPathComponent("trained.safetensors")
            let t = try gru("train", "--text", text, "--save", trained.path, "--embedding-size", "4", "--hidden-size", "16",
                            "--sequence-length", "12", "--batch-size", "4", "--epochs", "3", "--lr", "0.002", "--clip-norm", "5",
                            "--validation-split", "0.2", "--seed", "1", "--progress", "none")
            #expect(t.status == 0, "\(t.stderr)")
            #expect(try tensors(trained) == tensors(out.appendingPathComponent("model.safetensors")))
            // --resume continues the run in --output.
            let more = try gru(arguments: ["demo", "char-lm", "--text", text, "--output", out.path, "--resume"] + small.map { $0 == "3" ? "5" : $0 })
            #expect(more.status == 0, "\(more.stderr)")
            #expect(more.stdout.contains("resuming") && more.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count == 2)
            #expect(try losses(out.appendingPathComponent("metrics.jsonl")).prefix(3) == metrics[...])
        }
    }

    @Test func generateContinuesThePrompt() throws {
        try withFolder { folder in
            let out = folder.appendingPathComponent("run")
            _ = try gru(arguments: ["demo", "char-lm", "--text", folder.appendingPathComponent("hello.txt").path, "--output", out.path] + small)
            let model = out.appendingPathComponent("model.safetensors").path
            let r = try gru("generate", "--model", model, "--prompt", "hel", "--length", "10", "--temperature", "0.7", "--top-k", "3", "--seed", "4")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.hasPrefix("hel") && r.stdout.hasSuffix("\n"))
            #expect(r.stdout.unicodeScalars.count == 3 + 10 + 1)
            #expect(try gru("generate", "--model", model, "--prompt", "hel", "--length", "10", "--temperature", "0.7", "--top-k", "3", "--seed", "4").stdout == r.stdout)
            let noPrompt = try gru("generate", "--model", model, "--length", "5")  // starts after a newline
            #expect(noPrompt.status == 0 && noPrompt.stdout.unicodeScalars.count == 6)

            for (arguments, status, line) in [
                (["--prompt", "hé"], Int32(1), "error: --prompt: the character 'é' (U+00E9) at position 1 is not in the model's vocabulary of 9 characters"),
                (["--top-k", "50"], 1, "error: --top-k must be at most 9, the size of \(model)'s vocabulary (got 50)"),
                (["--top-k", "0"], 64, "error: --top-k must be at least 1 (got 0) (see 'gru generate --help')"),
                (["--temperature=-1"], 64, "error: --temperature must be a finite number ≥ 0 (got -1.0) (see 'gru generate --help')"),
                (["--length", "0"], 64, "error: --length must be at least 1 (got 0) (see 'gru generate --help')"),
                (["--prompt", ""], 64, "error: --prompt must hold at least one character (see 'gru generate --help')"),
            ] as [([String], Int32, String)] {
                let bad = try gru(arguments: ["generate", "--model", model] + arguments)
                #expect(bad.status == status, "\(arguments)")
                #expect(bad.stderr == line + "\n")
                #expect(bad.stdout.isEmpty)
            }
            var g = SeededGenerator(seed: 1)
            let plain = folder.appendingPathComponent("plain.safetensors")
            try GRUModel<Float>(inputSize: 2, hiddenSize: 3, outputSize: 1, using: &g).save(to: plain)
            let wrongKind = try gru("generate", "--model", plain.path)
            #expect(wrongKind.status == 1)
            #expect(wrongKind.stderr == "error: \(plain.path): __metadata__.grukit.model: kind is absent (a GRU with a head), not \"character-language-model\"\n")
        }
    }

    @Test func badTextIsRejectedBeforeTraining() throws {
        try withFolder { folder in
            func run(_ name: String, _ bytes: [UInt8], _ extra: [String] = []) throws -> (CLIResult, String) {
                let path = folder.appendingPathComponent(name).path
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return (try gru(arguments: ["demo", "char-lm", "--text", path, "--output", folder.appendingPathComponent("run").path] + extra), path)
            }
            let (empty, emptyPath) = try run("empty.txt", [])
            #expect(empty.status == 1 && empty.stdout.isEmpty)
            #expect(empty.stderr == "error: \(emptyPath): the file is empty; a character model needs text to learn from\n")
            let (latin1, latin1Path) = try run("latin1.txt", Array("ab\ncaf".utf8) + [0xE9, 0x0A])
            #expect(latin1.status == 1 && latin1.stdout.isEmpty)
            #expect(latin1.stderr == "error: \(latin1Path): not UTF-8: the bytes E9 at byte offset 6 (line 2) are not a valid UTF-8 sequence\n")
            let (short, shortPath) = try run("short.txt", Array("hello\n".utf8), ["--validation-split", "0"])
            #expect(short.status == 1 && short.stdout.isEmpty)
            #expect(short.stderr == "error: \(shortPath): 6 characters are too few: a window of 100 characters and its next character needs at least 101\n")
            let (missing, _) = (try gru("demo", "char-lm", "--text", folder.appendingPathComponent("nothing.txt").path), "")
            #expect(missing.status == 1 && missing.stderr.contains("nothing.txt: cannot read: No such file or directory"))
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path), "no output before the input is good")
        }
    }

    @Test(arguments: [
        (["--sequence-length", "0"], "error: --sequence-length must be at least 1 character, got 0 (see 'gru demo char-lm --help')"),
        (["--lr", "0"], "error: --lr: expected a finite number > 0, got 0.0 (see 'gru demo char-lm --help')"),
        (["--dropout", "1"], "error: --dropout must be in [0, 1), got 1.0 (see 'gru demo char-lm --help')"),
        (["--validation-split=-0.1"], "error: --validation-split must be in [0, 1), got -0.1 (see 'gru demo char-lm --help')"),
        (["--epochs", "0"], "error: --epochs must be at least 1, got 0 (see 'gru demo char-lm --help')"),
        (["--embedding-size", "0"], "error: --embedding-size must be at least 1, got 0 (see 'gru demo char-lm --help')"),
        (["--temperatures", "0.5,hot"], "error: --temperatures: 'hot' is not a temperature (a finite number ≥ 0) (see 'gru demo char-lm --help')"),
        (["--top-k", "0"], "error: --top-k must be at least 1 (got 0) (see 'gru demo char-lm --help')"),
        (["--sample-length", "0"], "error: --sample-length must be at least 1 (got 0) (see 'gru demo char-lm --help')"),
    ])
    func optionsOutOfRangeAreUsageErrors(arguments: [String], line: String) throws {
        let r = try gru(arguments: ["demo", "char-lm", "--text", "whatever.txt"] + arguments)
        #expect(r.status == 64)
        #expect(r.stderr == line + "\n")
        #expect(r.stdout.isEmpty)
    }

    @Test func topKBeyondTheTextsCharactersIsNamed() throws {
        try withFolder { folder in
            let path = folder.appendingPathComponent("hello.txt").path
            let r = try gru("demo", "char-lm", "--text", path, "--top-k", "10")
            #expect(r.status == 1 && r.stdout.isEmpty)
            #expect(r.stderr == "error: --top-k must be at most 9, the number of distinct characters in \(path) (got 10)\n")
        }
    }
}

extension CharacterModelCLITests {
    @Test func helpListsTheOptions() throws {
        let top = try gru("--help")
        #expect(top.stdout.contains("generate"))
        let demo = try gru("demo", "--help")
        #expect(demo.stdout.contains("char-lm"))
        let generate = try gru("generate", "--help")
        #expect(generate.status == 0)
        for option in ["--model", "--prompt", "--length", "--temperature", "--top-k", "--seed"] {
            #expect(generate.stdout.contains(option), "missing \(option)")
        }
        let charLM = try gru("demo", "char-lm", "--help")
        for option in ["--text", "--output", "--embedding-size", "--one-hot", "--hidden-size", "--layers", "--sequence-length",
                       "--batch-size", "--epochs", "--lr", "--clip-norm", "--validation-split", "--temperatures", "--seed", "--resume"] {
            #expect(charLM.stdout.contains(option), "missing \(option)")
        }
    }
}
