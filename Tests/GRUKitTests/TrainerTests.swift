import Foundation
import GRUKit
import Testing

/// The training loop's own promises: padding and lengths mean what running each sequence alone
/// means, a resumed run is bit-identical to an uninterrupted one, early stopping and splits.
@Suite struct TrainerTests {
    func model(readout: Readout, layers: Int = 1, direction: GRUDirection = .forward, dropout: Double = 0, seed: UInt64 = 1) throws -> SupervisedGRU {
        var c = GRUConfiguration(inputSize: 2, hiddenSize: 4, layerCount: layers, direction: direction)
        c.batchFirst = true
        c.dropout = dropout
        var g = SeededGenerator(seed: seed)
        return try SupervisedGRU(model: GRUModel(configuration: c, outputSize: 3, readout: readout, using: &g), loss: .meanSquaredError)
    }

    func data(everyStep: Bool, n: Int = 5, t: Int = 6, lengths: [Int]? = nil, seed: UInt64 = 2) throws -> SequenceDataset {
        var g = SeededGenerator(seed: seed)
        let x = try Tensor<Float>.uniform(shape: [n, t, 2], in: -1...1, using: &g)
        let y = try Tensor<Float>.uniform(shape: everyStep ? [n, t, 3] : [n, 3], in: -1...1, using: &g)
        return try SequenceDataset(input: x, target: .values(y), lengths: lengths)
    }

    /// A padded batch's loss and gradients equal the valid-step-weighted mean of each sequence
    /// trained alone without padding (every step), or the plain mean (last step), with the
    /// reverse direction starting at each sequence's end.
    @Test(arguments: [Readout.everyStep, .lastStep])
    func paddingEqualsEachSequenceAlone(readout: Readout) throws {
        let lengths = [6, 2, 4, 1, 5]
        let padded = try data(everyStep: readout == .everyStep, lengths: lengths)
        let m = try model(readout: readout, layers: 2, direction: .bidirectional)
        let (loss, gradients) = try m.lossAndGradients(on: padded.batch(Array(0..<5)), dropoutSeed: nil)
        var expectedLoss = 0.0
        var expected = m.parameters.zeroed()
        let weights = readout == .everyStep ? lengths.map { Double($0) / Double(lengths.reduce(0, +)) } : lengths.map { _ in 0.2 }
        for (n, length) in lengths.enumerated() {
            var single = try padded.batch([n])  // trimmed to its own length, so no lengths at all
            #expect(single.lengths == nil && single.steps == length)
            single.lengths = nil
            let (l, g) = try m.lossAndGradients(on: single, dropoutSeed: nil)
            expectedLoss += Double(l) * weights[n]
            expected.add(g, scaledBy: Float(weights[n]))
        }
        #expect(abs(Double(loss) - expectedLoss) < 1e-6, "\(loss) vs \(expectedLoss)")
        for (a, b) in zip(gradients.namedTensors, expected.namedTensors) { expectClose(a.tensor, b.tensor, tolerance: 2e-6, "\(readout) \(a.name)") }
        #expect(abs(Double(try m.loss(on: padded.batch(Array(0..<5)))) - expectedLoss) < 1e-6)
    }

    /// Stopping after two epochs, checkpointing, and resuming in a fresh trainer gives the same
    /// bits as four epochs straight — with shuffling, dropout, Adam, a schedule and clipping.
    @Test func resumeIsBitIdentical() throws {
        var o = OptimizerConfiguration(kind: .adamw, learningRate: 0.01)
        o.amsgrad = true
        var c = TrainingConfiguration(optimizer: o)
        (c.batchSize, c.epochs, c.seed, c.clipNorm, c.schedule) = (2, 4, 9, 0.5, .warmup(epochs: 1, startFactor: 0.5, then: .cosine(epochs: 3, minimum: 0)))
        let train = try data(everyStep: false, n: 7), validation = try data(everyStep: false, n: 3, seed: 5)
        let start = try model(readout: .lastStep, layers: 2, dropout: 0.3)
        var straight = try Trainer(model: start, configuration: c)
        try straight.train(on: train, validation: validation)

        var first = c
        first.epochs = 2
        var interrupted = try Trainer(model: start, configuration: first)
        try interrupted.train(on: train, validation: validation)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grukit-ckpt-\(UUID().uuidString).safetensors")
        defer {
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.removeItem(at: TrainingCheckpoint.jsonURL(for: url))
        }
        try TrainingCheckpoint.write(interrupted, to: url)
        var resumed = try Trainer(model: model(readout: .lastStep, layers: 2, dropout: 0.3, seed: 77), configuration: c)
        try TrainingCheckpoint.restore(&resumed, from: SafeTensorsFile(contentsOf: url))
        #expect(resumed.state.epoch == 2)
        try resumed.train(on: train, validation: validation)
        #expect(resumed.model.parameters == straight.model.parameters)
        #expect(resumed.state.history.map(\.trainingLoss) == straight.state.history.map(\.trainingLoss))
        #expect(resumed.state.step == straight.state.step && resumed.state.step == 16)
        // The JSON record beside it says the same.
        let json = try JSONDecoder().decode(CheckpointRecord.self, from: Data(contentsOf: TrainingCheckpoint.jsonURL(for: url)))
        #expect(json.state == interrupted.state && json.configuration == first)

        // Another seed or optimizer setting cannot resume this checkpoint.
        var other = c
        other.seed = 10
        var wrong = try Trainer(model: start, configuration: other)
        #expect(throws: TrainingError.self) { try TrainingCheckpoint.restore(&wrong, from: SafeTensorsFile(contentsOf: url)) }
    }

    @Test func earlyStoppingWaitsForPatience() throws {
        var c = TrainingConfiguration(optimizer: OptimizerConfiguration(kind: .sgd, learningRate: 5))  // too high: validation worsens
        (c.batchSize, c.epochs, c.patience, c.clipNorm) = (5, 50, 2, 100)
        var trainer = try Trainer(model: model(readout: .lastStep), configuration: c)
        try trainer.train(on: data(everyStep: false), validation: data(everyStep: false, seed: 8))
        #expect(trainer.state.stoppedEarly)
        let history = trainer.state.history
        #expect(history.count < 50)
        // It stopped after exactly `patience` epochs without a new best.
        let best = history.compactMap(\.validationLoss).min()!
        #expect(trainer.state.bestValidationLoss == best)
        #expect(history.count - trainer.state.bestEpoch! == 2)
    }

    @Test func splitsAreSeededAndDisjoint() throws {
        let d = try data(everyStep: false, n: 10)
        let a = try d.splitIndices(validationFraction: 0.3, method: .random, seed: 4)
        #expect(a.validation.count == 3 && Set(a.training).union(a.validation) == Set(0..<10) && Set(a.training).isDisjoint(with: a.validation))
        #expect(try d.splitIndices(validationFraction: 0.3, method: .random, seed: 4) == a)
        #expect(try d.splitIndices(validationFraction: 0.3, method: .last, seed: 4) == (Array(0..<7), [7, 8, 9]))
        #expect(throws: GRUKitError.self) { try d.splitIndices(validationFraction: 1, method: .last, seed: 0) }
        var g = SeededGenerator(seed: 3)
        let p = g.permutation(10)
        #expect(p.sorted() == Array(0..<10) && p != Array(0..<10))
    }
}
