import Foundation
import GRUKit
import Testing

/// The character model learns through the general training loop: on a short repetitive text
/// the loss falls far below the uniform baseline ln V, and greedy generation continues the
/// pattern.
@Suite struct CharacterModelLearningTests {
    func freshModel(_ corpus: TextCorpus) throws -> CharacterLanguageModel<Float> {
        var g = SeededGenerator(seed: 3)
        return try CharacterLanguageModel<Float>(
            vocabulary: corpus.vocabulary, architecture: CharacterModelConfiguration(input: .embedding(size: 8), hiddenSize: 32), using: &g)
    }

    @Test func learnsARepetitiveText() throws {
        let corpus = try TextCorpus(text: String(repeating: "hello world\n", count: 40), name: "hello.txt")
        let v = corpus.vocabulary.count
        #expect(v == 9)
        let (training, held) = try TextWindows(corpus: corpus, length: 20).split(validationFraction: 0.2)
        let validation = try #require(held)
        #expect(training.count == 18 && validation.count == 5)  // 23 windows of 20 characters
        var c = TrainingConfiguration(optimizer: OptimizerConfiguration(kind: .adam, learningRate: 0.01))
        (c.batchSize, c.epochs, c.seed) = (8, 50, 3)  // 3 steps an epoch, 150 in all
        let model = try freshModel(corpus)
        let uniform = Foundation.log(Double(v))
        let untrained = try Trainer.evaluate(model, on: validation, batchSize: 8)
        #expect(abs(untrained - uniform) < 0.3 * uniform, "an untrained model is near ln V: \(untrained) vs \(uniform)")

        let start = Date()
        var trainer = try Trainer(model: model, configuration: c)
        try trainer.train(on: training, validation: validation)
        #expect(trainer.state.step == 150 && trainer.state.history.count == 50)
        let last = try #require(trainer.state.history.last)
        let heldOut = try #require(last.validationLoss)
        #expect(last.trainingLoss < 0.15 * uniform, "training loss \(last.trainingLoss) vs ln V = \(uniform)")
        #expect(heldOut < 0.15 * uniform, "held-out loss \(heldOut) vs ln V = \(uniform)")
        // The validation loss is the mean per character, whatever the batches.
        #expect(abs(try Trainer.evaluate(trainer.model, on: validation, batchSize: 3) - heldOut) < 1e-6)
        let text = try trainer.model.generate(prompt: "hello w", length: 29, sampling: .greedy, seed: 1)
        #expect(text == "orld\nhello world\nhello world\n")
        print("learning test: loss \(String(format: "%.3f", untrained)) → train \(String(format: "%.4f", last.trainingLoss)), "
              + "held-out \(String(format: "%.4f", heldOut)) (ln V = \(String(format: "%.3f", uniform))) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")

        // The same seeds train the same model.
        var again = try Trainer(model: freshModel(corpus), configuration: c)
        try again.train(on: training, validation: validation)
        #expect(again.state.history.map(\.validationLoss) == trainer.state.history.map(\.validationLoss))
        #expect(again.model.parameters == trainer.model.parameters)
    }
}
