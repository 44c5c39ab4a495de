import Foundation
import GRUKit

extension FuzzTargets {
    /// The text reader as `gru train --text` uses it: strict UTF-8 decoding, the vocabulary
    /// (and its round trip through a model file's list of strings), the training and held-out
    /// windows and one epoch's shuffled batches, and a prompt encoded against the vocabulary.
    public static func text(_ data: Data) {
        guard let corpus = try? TextCorpus(bytes: data, name: "fuzz.txt") else { return }
        let vocabulary = corpus.vocabulary
        let restored = try? CharacterVocabulary(strings: vocabulary.strings)
        precondition(restored == vocabulary, "the vocabulary does not survive its model-file strings")
        precondition(vocabulary.decode(corpus.classes).unicodeScalars.elementsEqual(corpus.characters), "decode(classes) is not the text")
        if let windows = try? TextWindows(corpus: corpus, length: 1 + data.count % 7),
           let (training, validation) = try? windows.split(validationFraction: 0.25) {
            var generator = SeededGenerator(seed: UInt64(data.count))
            let order = Array(0..<training.count).shuffled(using: &generator)
            for start in stride(from: 0, to: order.count, by: 3) {
                _ = try? training.batch(Array(order[start..<min(start + 3, order.count)]))
            }
            if let validation { _ = try? validation.batch(Array(0..<validation.count)) }
        }
        _ = try? vocabulary.encode("\n".unicodeScalars, source: "--prompt")
        _ = try? vocabulary.encode(corpus.characters.prefix(8), source: "--prompt")
    }
}
