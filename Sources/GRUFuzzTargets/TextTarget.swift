import Foundation
import GRUKit

extension FuzzTargets {
    /// The text reader as `gru demo char-lm` uses it: strict UTF-8 decoding, the vocabulary
    /// (and its round trip through a model file's list of strings), the training and held-out
    /// windows and one epoch's shuffled batches, and a prompt encoded against the vocabulary.
    public static func text(_ data: Data) {
        guard let corpus = try? TextCorpus(bytes: data, name: "fuzz.txt") else { return }
        let vocabulary = corpus.vocabulary
        let restored = try? CharacterVocabulary(strings: vocabulary.strings)
        precondition(restored == vocabulary, "the vocabulary does not survive its model-file strings")
        precondition(vocabulary.decode(corpus.classes).unicodeScalars.elementsEqual(corpus.characters), "decode(classes) is not the text")
        var configuration = CharacterModelTraining.Configuration()
        (configuration.sequenceLength, configuration.batchSize, configuration.validationFraction) = (1 + data.count % 7, 3, 0.25)
        if let training = try? CharacterModelTraining(corpus: corpus, configuration: configuration) {
            var generator = SeededGenerator(seed: UInt64(data.count))
            _ = try? training.training.shuffledBatches(batchSize: configuration.batchSize, using: &generator)
            _ = try? training.validation?.orderedBatches(batchSize: configuration.batchSize)
        }
        _ = try? vocabulary.encode("\n".unicodeScalars, source: "--prompt")
        _ = try? vocabulary.encode(corpus.characters.prefix(8), source: "--prompt")
    }
}
