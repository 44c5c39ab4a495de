import Foundation
import GRUKit
import Testing

/// The character model learns: on a short repetitive text the loss falls far below the
/// uniform baseline ln V, and greedy generation continues the pattern.
@Suite struct CharacterModelLearningTests {
    @Test func learnsARepetitiveText() throws {
        let corpus = try TextCorpus(text: String(repeating: "hello world\n", count: 40), name: "hello.txt")
        let v = corpus.vocabulary.count
        #expect(v == 9)
        var c = CharacterModelTraining.Configuration()
        (c.sequenceLength, c.batchSize, c.steps, c.evaluateEvery) = (20, 8, 150, 50)
        c.optimizer = OptimizerConfiguration(kind: .adam, learningRate: 0.01)
        c.validationFraction = 0.2
        c.seed = 3
        let training = try CharacterModelTraining(corpus: corpus, configuration: c)
        var g = SeededGenerator(seed: 3)
        var model = try CharacterLanguageModel<Float>(
            vocabulary: corpus.vocabulary, architecture: CharacterModelConfiguration(input: .embedding(size: 8), hiddenSize: 32), using: &g)
        let records = try training.run(&model)

        let uniform = Foundation.log(Double(v))
        #expect(records.map(\.step) == [0, 50, 100, 150])
        let first = try #require(records.first?.validationLoss), last = try #require(records.last)
        #expect(abs(first - uniform) < 0.3 * uniform, "an untrained model is near ln V: \(first) vs \(uniform)")
        let trained = try #require(last.trainingLoss), held = try #require(last.validationLoss)
        #expect(trained < 0.15 * uniform, "training loss \(trained) vs ln V = \(uniform)")
        #expect(held < 0.15 * uniform, "held-out loss \(held) vs ln V = \(uniform)")
        let text = try model.generate(prompt: "hello w", length: 29, sampling: .greedy, seed: 1)
        #expect(text == "orld\nhello world\nhello world\n")
        print("learning test: loss \(String(format: "%.3f", first)) → train \(String(format: "%.4f", trained)), held-out \(String(format: "%.4f", held)) (ln V = \(String(format: "%.3f", uniform))) in \(String(format: "%.1f", last.seconds)) s")

        // The same seeds train the same model.
        var g2 = SeededGenerator(seed: 3)
        var again = try CharacterLanguageModel<Float>(
            vocabulary: corpus.vocabulary, architecture: CharacterModelConfiguration(input: .embedding(size: 8), hiddenSize: 32), using: &g2)
        let repeated = try training.run(&again)
        #expect(repeated.map(\.validationLoss) == records.map(\.validationLoss))
        #expect(again.parameters == model.parameters)
    }
}
