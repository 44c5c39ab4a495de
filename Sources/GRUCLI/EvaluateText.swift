import Foundation
import GRUKit

extension EvaluateCommand {
    /// `gru evaluate --text`: a character model's loss per character over a text's windows
    /// (cut as in training, each from a zero state), against the uniform baseline ln V, and the
    /// share of characters its most likely guess gets right.
    func evaluateText(_ path: String) throws {
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model))
        let lm = try CharacterLanguageModel<Float>(file: file)
        let recorded = try GRUModelMetadata(of: file)?.data?.window
        let length = text.sequenceLength ?? recorded ?? 100
        let corpus = try TextCorpus(contentsOf: URL(fileURLWithPath: path))
        let v = lm.vocabulary.count
        let classes = lm.vocabulary == corpus.vocabulary ? corpus.classes : try lm.vocabulary.encode(corpus.characters, source: path)
        var windows = try TextWindows(classes: classes, length: length, name: path)
        if let last, last < windows.count { windows = windows.windows((windows.count - last)..<windows.count) }

        var total = 0.0, correct = 0
        for start in stride(from: 0, to: windows.count, by: batchSize) {
            let batch = try windows.batch(Array(start..<min(start + batchSize, windows.count)))
            let logits = try lm.logits(batch.inputs, batch: batch.sampleCount, steps: batch.steps)
            total += Double(try Loss.softmaxCrossEntropy.evaluate(logits: logits, target: .classes(batch.targets)).value) * Double(batch.targets.count)
            for (r, target) in batch.targets.enumerated() {
                let row = logits.scalars[(r * v)..<((r + 1) * v)]
                if row.firstIndex(of: row.max()!)! - r * v == target { correct += 1 }
            }
        }
        let characters = windows.characterCount
        let loss = total / Double(characters), uniform = Foundation.log(Double(v))
        let results: [(String, Double)] = [
            ("windows", Double(windows.count)), ("characters", Double(characters)), ("loss", loss),
            ("bits_per_character", loss / Foundation.log(2.0)), ("uniform_loss", uniform), ("accuracy", Double(correct) / Double(characters)),
        ]
        if json {
            print("{" + results.map { "\"\($0.0)\":\($0.1.isFinite ? "\($0.1)" : "null")" }.joined(separator: ",") + "}")
            return
        }
        print("\(path): \(windows.count) window(s) of \(length) characters, \(characters) characters predicted")
        print("  loss: \(String(format: "%.4f", loss)) nats per character (\(String(format: "%.4f", loss / Foundation.log(2.0))) bits)"
              + "; uniform baseline ln \(v) = \(String(format: "%.4f", uniform))")
        print("  accuracy: \(String(format: "%.4f", Double(correct) / Double(characters))) (the most likely next character is the right one)")
    }
}
