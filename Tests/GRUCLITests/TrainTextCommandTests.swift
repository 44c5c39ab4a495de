import Foundation
import GRUKit
import Testing

/// `gru train --text`: a character language model through the general training loop, with
/// everything `gru train` gives (checkpoints, resume, logs, early stopping), and `gru evaluate
/// --text`; `gru predict` and the sequence paths turn a character model away.
@Suite struct TrainTextCommandTests {
    /// A folder holding `song.txt`, a text with some structure to learn (8 distinct characters).
    func withText(_ body: (URL, String) throws -> Void) throws {
        let folder = try temporaryFolder("text")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("song.txt").path
        try Data(String(repeating: "la la land\nda da dum\n", count: 24).utf8).write(to: URL(fileURLWithPath: path))
        try body(folder, path)
    }

    func options(_ text: String, save: URL, epochs: Int) -> [String] {
        ["train", "--text", text, "--hidden-size", "12", "--embedding-size", "5", "--layers", "2", "--dropout", "0.2",
         "--sequence-length", "10", "--batch-size", "6", "--validation-split", "0.2", "--optimizer", "adamw", "--lr", "0.01",
         "--schedule", "cosine", "--cosine-epochs", "10", "--clip-norm", "1", "--seed", "4", "--epochs", "\(epochs)",
         "--save", save.path, "--progress", "none"]
    }

    /// Stopped after 2 epochs and resumed to 5, a run ends with the same bits as 5 straight —
    /// with shuffling, dropout, AdamW, a schedule and clipping; the model keeps its vocabulary.
    @Test func resumeIsBitIdentical() throws {
        try withText { folder, text in
            let straight = folder.appendingPathComponent("straight.safetensors")
            let a = try gru(arguments: options(text, save: straight, epochs: 5))
            #expect(a.status == 0, "\(a.stderr)")
            #expect(a.stdout.contains("data: \(text): 504 characters, 8 distinct (uniform baseline ln 8 = 2.079 nats per character); "
                                      + "40 windows of 10 characters for training, 10 for validation"), "\(a.stdout)")
            let split = folder.appendingPathComponent("split.safetensors")
            #expect(try gru(arguments: options(text, save: split, epochs: 2)).status == 0)
            let checkpoint = folder.appendingPathComponent("split.checkpoint.safetensors")
            let c = try gru(arguments: options(text, save: split, epochs: 5) + ["--resume", checkpoint.path])
            #expect(c.status == 0, "\(c.stderr)")
            #expect(c.stdout.contains("resuming \(checkpoint.path) after epoch 2"))
            #expect(c.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count == 3)
            #expect(try tensors(split) == tensors(straight))
            let lines = try String(contentsOf: folder.appendingPathComponent("split.metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 5)
            // The model file and the checkpoint are character model files with the text's vocabulary.
            let model = try CharacterLanguageModel<Float>(contentsOf: split)
            #expect(model.vocabulary == (try TextCorpus(contentsOf: URL(fileURLWithPath: text)).vocabulary))
            #expect(model.configuration.layerCount == 2 && model.input == .embedding(size: 5))
            let metadata = try #require(try GRUModelMetadata(of: SafeTensorsFile(contentsOf: split)))
            #expect(metadata.kind == "character-language-model" && metadata.loss == .softmaxCrossEntropy)
            #expect(metadata.data?.source == "text" && metadata.data?.window == 10)
            #expect(try CharacterLanguageModel<Float>(contentsOf: checkpoint).parameters == model.parameters)
            // Other settings cannot resume it.
            let other = try gru(arguments: options(text, save: split, epochs: 5).map { $0 == "0.01" ? "0.02" : $0 } + ["--resume", checkpoint.path])
            #expect(other.status == 1 && other.stderr.contains("cannot resume"), "\(other.stderr)")
        }
    }

    /// The loss curve carries ln V; gru evaluate --text --last K measures the held-out windows
    /// as training did; generate reads the model; predict and the sequence paths refuse it.
    @Test func evaluatesGeneratesAndIsTurnedAwayElsewhere() throws {
        try withText { folder, text in
            let save = folder.appendingPathComponent("m.safetensors")
            let r = try gru("train", "--text", text, "--hidden-size", "16", "--embedding-size", "4", "--sequence-length", "10",
                            "--batch-size", "5", "--epochs", "6", "--lr", "0.02", "--validation-split", "0.2", "--save", save.path)
            #expect(r.status == 0, "\(r.stderr)")
            let svg = try String(contentsOf: folder.appendingPathComponent("m.loss.svg"), encoding: .utf8)
            #expect(svg.contains("uniform: ln 8 = 2.08") && svg.contains("nats per character") && svg.contains("validation"))
            let metrics = try String(contentsOf: folder.appendingPathComponent("m.metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            let last = try #require(try JSONSerialization.jsonObject(with: Data(metrics.last!.utf8)) as? [String: Any])
            let validation = try #require(last["validation_loss"] as? Double)
            #expect(validation < 0.8 * Foundation.log(8.0), "it learns: \(validation)")

            let e = try gru("evaluate", "--model", save.path, "--text", text, "--last", "10", "--json")
            #expect(e.status == 0, "\(e.stderr)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Double])
            #expect(result["windows"] == 10 && result["characters"] == 100)
            #expect(abs(result["loss"]! - validation) < 1e-6, "\(result) vs \(validation)")
            #expect(abs(result["bits_per_character"]! - validation / Foundation.log(2.0)) < 1e-6)
            #expect(abs(result["uniform_loss"]! - Foundation.log(8.0)) < 1e-12)
            #expect((0...1).contains(result["accuracy"]!))
            let lines = try gru("evaluate", "--model", save.path, "--text", text)
            #expect(lines.status == 0 && lines.stdout.contains("50 window(s) of 10 characters, 500 characters predicted"), "\(lines.stdout)")
            #expect(lines.stdout.contains("nats per character") && lines.stdout.contains("uniform baseline ln 8 = 2.0794"))

            let g = try gru("generate", "--model", save.path, "--prompt", "la ", "--length", "12", "--seed", "2")
            #expect(g.status == 0 && g.stdout.hasPrefix("la ") && g.stdout.unicodeScalars.count == 3 + 12 + 1, "\(g.stderr)")

            let p = try gru("predict", "--model", save.path, "--data", text, "--output", folder.appendingPathComponent("p.safetensors").path)
            #expect(p.status == 1)
            #expect(p.stderr == "error: \(save.path) is a character language model, which gru predict does not run: generate text with "
                    + "gru generate --model \(save.path) (or measure its loss with gru evaluate --model \(save.path) --text FILE)\n")
            let d = folder.appendingPathComponent("d.safetensors")
            try writeDataset(d, n: 4, t: 3, i: 2, o: 1)
            let wrongData = try gru("evaluate", "--model", save.path, "--data", d.path)
            #expect(wrongData.status == 1 && wrongData.stderr == "error: \(save.path) is a character language model: evaluate it on a text with --text FILE\n")
            let sequenceModel = folder.appendingPathComponent("seq.safetensors")
            #expect(try gru("train", "--data", d.path, "--epochs", "1", "--save", sequenceModel.path, "--progress", "none").status == 0)
            let wrongModel = try gru("evaluate", "--model", sequenceModel.path, "--text", text)
            #expect(wrongModel.status == 1 && wrongModel.stderr.contains("\(sequenceModel.path): __metadata__.grukit.model: kind is absent"), "\(wrongModel.stderr)")
            let initText = try gru("train", "--text", text, "--init", sequenceModel.path, "--save", folder.appendingPathComponent("x.safetensors").path)
            #expect(initText.status == 1 && initText.stderr.contains("not \"character-language-model\""), "\(initText.stderr)")
        }
    }

    /// --init continues a character model on another text read with the model's vocabulary;
    /// a character outside it is named with its file and position.
    @Test func initReadsTheTextWithTheModelsVocabulary() throws {
        try withText { folder, text in
            let first = folder.appendingPathComponent("first.safetensors")
            #expect(try gru("train", "--text", text, "--hidden-size", "8", "--sequence-length", "10", "--epochs", "1", "--save", first.path,
                            "--progress", "none").status == 0)
            let subset = folder.appendingPathComponent("subset.txt")
            try Data(String(repeating: "la la la\n", count: 10).utf8).write(to: subset)
            let more = try gru("train", "--text", subset.path, "--init", first.path, "--epochs", "2", "--save",
                               folder.appendingPathComponent("more.safetensors").path, "--progress", "none")
            #expect(more.status == 0, "\(more.stderr)")
            #expect(more.stdout.contains("90 characters, 4 distinct, 8 in the model's vocabulary (uniform baseline ln 8"), "\(more.stdout)")
            #expect(more.stdout.contains("8 windows of 10 characters"), "the window length recorded in the model file")
            let other = folder.appendingPathComponent("other.txt")
            try Data("la la\nzap\n".utf8).write(to: other)
            let bad = try gru("train", "--text", other.path, "--init", first.path, "--save", folder.appendingPathComponent("bad.safetensors").path)
            #expect(bad.status == 1)
            #expect(bad.stderr == "error: \(other.path): the character 'z' (U+007A) at position 6 is not in the model's vocabulary of 8 characters\n")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad.safetensors").path))
        }
    }

    /// Early stopping works on the text's validation windows.
    @Test func earlyStoppingStopsOnTheValidationLoss() throws {
        try withText { folder, text in
            let r = try gru("train", "--text", text, "--hidden-size", "8", "--sequence-length", "10", "--epochs", "100", "--validation-split", "0.2",
                            "--optimizer", "sgd", "--lr", "40", "--clip-norm", "1", "--patience", "2", "--save", folder.appendingPathComponent("m.safetensors").path)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("stopping early: no better validation loss for 2 epoch(s)"), "\(r.stdout)")
            #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count < 100)
        }
    }
}
