import Foundation
import GRUKit
import Testing

/// Numeric blow-ups: a NaN or an infinity in a step's loss, gradients, updated weights or
/// optimizer state stops the run naming the epoch, batch and step — or, when asked, skips the
/// step, leaving the weights and the optimizer exactly as if the batch had not been there —
/// and never reaches a checkpoint.
@Suite struct TrainerNonFiniteTests {
    func model(seed: UInt64 = 1) throws -> SupervisedGRU {
        var c = GRUConfiguration(inputSize: 2, hiddenSize: 4)
        c.batchFirst = true
        var g = SeededGenerator(seed: seed)
        return try SupervisedGRU(model: GRUModel(configuration: c, outputSize: 1, readout: .lastStep, using: &g), loss: .meanSquaredError)
    }

    /// N sequences of 3 steps; the targets of `poisoned` samples are 1e30, whose squared error overflows.
    func data(n: Int, poisoned: Set<Int> = [], seed: UInt64 = 2) throws -> SequenceDataset {
        var g = SeededGenerator(seed: seed)
        let x = try Tensor<Float>.uniform(shape: [n, 3, 2], in: -1...1, using: &g)
        var y = try Tensor<Float>.uniform(shape: [n, 1], in: -1...1, using: &g)
        for k in poisoned { y.scalars[k] = 1e30 }
        return try SequenceDataset(input: x, target: .values(y))
    }

    func configuration(_ kind: OptimizerConfiguration.Kind = .adam, lr: Double = 0.01, epochs: Int = 3, batch: Int = 2) -> TrainingConfiguration {
        var c = TrainingConfiguration(optimizer: OptimizerConfiguration(kind: kind, learningRate: lr))
        (c.batchSize, c.epochs, c.shuffle) = (batch, epochs, false)
        return c
    }

    func allFinite<P: ParameterSet>(_ p: P) -> Bool { p.tensors.allSatisfy { $0.scalars.allSatisfy(\.isFinite) } }

    /// A learning rate of 1e25 makes the first step's weights huge and the second step's loss
    /// overflow: the run stops there, and the trainer keeps the weights from before it.
    @Test func aHugeLearningRateStopsAtTheStepThatOverflows() throws {
        var trainer = try Trainer(model: model(), configuration: configuration(.sgd, lr: 1e25, batch: 5))
        do {
            try trainer.train(on: data(n: 10))
            Issue.record("training should have stopped")
        } catch let TrainingError.nonFinite(at) {
            #expect(at.epoch == 1 && at.batch == 2 && at.batches == 2 && at.step == 2 && at.samples == [5, 6, 7, 8, 9])
            guard case let .loss(value) = at.value else { Issue.record("\(at)"); return }
            #expect(!value.isFinite)
            #expect("\(TrainingError.nonFinite(at))" == "training diverged at epoch 1, batch 2 of 2, step 2, samples 5, 6, 7, 8, 9: the loss is \(value)")
        }
        #expect(allFinite(trainer.model.parameters) && trainer.optimizer.stepCount == 1 && trainer.state.step == 1)
        #expect(trainer.state.epoch == 0 && trainer.state.history.isEmpty, "the failed epoch is not recorded")
    }

    /// A NaN in one sample's input (data read from elsewhere, unchecked) is named by its batch.
    @Test func aPoisonedInputStopsNamingItsBatch() throws {
        struct Poisoned: TrainingData {
            let base: SequenceDataset, sample: Int
            var sampleCount: Int { base.sampleCount }
            func batch(_ indices: [Int]) throws -> SequenceBatch {
                var b = try base.batch(indices)
                if let k = indices.firstIndex(of: sample) { b.input.scalars[k * b.steps * 2] = .nan }
                return b
            }
        }
        var c = configuration()
        c.shuffle = true
        c.seed = 3
        var trainer = try Trainer(model: model(), configuration: c)
        #expect {
            try trainer.train(on: Poisoned(base: data(n: 8), sample: 6))
        } throws: { error in
            guard case let TrainingError.nonFinite(at) = error, case let .data(problem) = at.value else { return false }
            return problem.hasPrefix("input: element [") && problem.contains("is nan") && at.epoch == 1 && at.samples.contains(6) && at.samples.count == 2
        }
        #expect(allFinite(trainer.model.parameters))
        // Skipped, it is the only step of each epoch not taken.
        c.skipNonFinite = true
        var skipping = try Trainer(model: model(), configuration: c)
        try skipping.train(on: Poisoned(base: data(n: 8), sample: 6))
        #expect(skipping.state.history.map(\.skippedSteps) == [1, 1, 1] && skipping.state.step == 9)
        // Validation data whose loss overflows stops the run after the epoch, before anything records it.
        var validated = try Trainer(model: model(), configuration: configuration())
        #expect {
            try validated.train(on: data(n: 8), validation: data(n: 4, poisoned: [1], seed: 5))
        } throws: { error in
            guard case let TrainingError.nonFiniteValidationLoss(epoch, value) = error else { return false }
            return epoch == 1 && value == .infinity
        }
        #expect(validated.state.epoch == 0 && validated.state.history.isEmpty)
    }

    /// Skipping: each epoch skips the poisoned batch, and the run ends with the very weights,
    /// optimizer state and losses of a run on the data without that batch.
    @Test(arguments: [OptimizerConfiguration.Kind.adam, .sgd, .rmsprop])
    func aSkippedStepLeavesWeightsAndOptimizerUntouched(kind: OptimizerConfiguration.Kind) throws {
        var c = configuration(kind)
        if kind == .sgd { c.optimizer.momentum = 0.9 }
        c.skipNonFinite = true
        let poisoned = try data(n: 6, poisoned: [2])  // batch 2 of 3 holds samples 2 and 3
        var skipping = try Trainer(model: model(), configuration: c)
        var reported: [NonFiniteStep] = []
        try skipping.train(on: poisoned) { p in if let s = p.skipped { reported.append(s) } }
        #expect(reported.map(\.batch) == [2, 2, 2] && reported.map(\.epoch) == [1, 2, 3] && reported.allSatisfy { $0.samples == [2, 3] })
        #expect(skipping.state.history.map(\.skippedSteps) == [1, 1, 1] && skipping.state.skippedSteps == 3)

        var without = try Trainer(model: model(), configuration: c)
        try without.train(on: poisoned.subset([0, 1, 4, 5]))
        #expect(skipping.model.parameters == without.model.parameters)
        #expect(skipping.optimizer.stepCount == 6 && without.optimizer.stepCount == 6 && skipping.state.step == 6)
        #expect(skipping.optimizer.stateTensors().map(\.tensor) == without.optimizer.stateTensors().map(\.tensor))
        #expect(skipping.state.history.map(\.trainingLoss) == without.state.history.map(\.trainingLoss))
    }

    /// An epoch whose every step is skipped stops the run.
    @Test func anEpochThatSkipsEveryStepStops() throws {
        var c = configuration()
        c.skipNonFinite = true
        var trainer = try Trainer(model: model(), configuration: c)
        let start = trainer.model.parameters
        #expect {
            try trainer.train(on: data(n: 4, poisoned: [0, 3]))
        } throws: { error in
            guard case let TrainingError.everyStepSkipped(epoch, steps, first) = error else { return false }
            return epoch == 1 && steps == 2 && first.batch == 1 && "\(error)".hasPrefix("all 2 step(s) of epoch 1 met a NaN or an infinity")
        }
        #expect(trainer.model.parameters == start && trainer.optimizer.stepCount == 0 && trainer.state.epoch == 0)
    }

    /// A model whose loss and gradient the test sets, to reach the checks a GRU reaches only
    /// by accident: a NaN gradient under a finite loss, and Adam's squared gradients
    /// overflowing while the weights stay finite.
    struct Scripted: TrainableModel {
        struct Picks: TrainingBatch { let sampleCount: Int }
        struct Samples: TrainingData {
            let sampleCount: Int
            func batch(_ indices: [Int]) throws -> Picks { Picks(sampleCount: indices.count) }
        }
        var parameters: LinearParameters<Float>
        let gradient: Float
        func lossAndGradients(on batch: Picks, dropoutSeed: UInt64?) throws -> (loss: Float, gradients: LinearParameters<Float>) {
            var g = parameters.zeroed()
            g.weight.scalars[0] = gradient
            return (1, g)
        }
        func loss(on batch: Picks) throws -> Float { 1 }
    }

    @Test func nonFiniteGradientsAndOptimizerStateAreCaught() throws {
        var g = SeededGenerator(seed: 4)
        let parameters = try Linear<Float>(inputSize: 2, outputSize: 1, using: &g).parameters
        var nan = try Trainer(model: Scripted(parameters: parameters, gradient: .nan), configuration: configuration(batch: 4))
        #expect(throws: TrainingError.nonFinite(NonFiniteStep(epoch: 1, batch: 1, batches: 1, step: 1, samples: [0, 1, 2, 3], value: .gradient("weight")))) {
            try nan.train(on: Scripted.Samples(sampleCount: 4))
        }
        // Clipping by value would clamp a NaN into a number: the check comes first.
        var clipped = configuration(batch: 4)
        clipped.clipValue = 1
        var clamped = try Trainer(model: Scripted(parameters: parameters, gradient: .nan), configuration: clipped)
        #expect(throws: TrainingError.self) { try clamped.train(on: Scripted.Samples(sampleCount: 4)) }
        // A gradient of 1e37: Adam's first moment is finite, its second overflows; the weight
        // moves by m / √v = 0 and stays finite, but the state would poison every later step.
        var huge = try Trainer(model: Scripted(parameters: parameters, gradient: 1e37), configuration: configuration(batch: 4))
        #expect(throws: TrainingError.nonFinite(NonFiniteStep(epoch: 1, batch: 1, batches: 1, step: 1, samples: [0, 1, 2, 3],
                                                              value: .optimizerState("optimizer.exp_avg_sq.weight")))) {
            try huge.train(on: Scripted.Samples(sampleCount: 4))
        }
        #expect(huge.model.parameters == parameters && huge.optimizer.stepCount == 0 && huge.optimizer.stateTensors().isEmpty)
    }

    /// The checkpoint writer refuses NaN and Inf, so an earlier checkpoint stays as it was.
    @Test func aCheckpointIsNeverWrittenWithNonFiniteValues() throws {
        var trainer = try Trainer(model: model(), configuration: configuration(epochs: 1))
        try trainer.train(on: data(n: 4))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grukit-nonfinite-\(UUID().uuidString).safetensors")
        defer {
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.removeItem(at: TrainingCheckpoint.jsonURL(for: url))
        }
        try TrainingCheckpoint.write(trainer, to: url)
        let good = try Data(contentsOf: url), goodJSON = try Data(contentsOf: TrainingCheckpoint.jsonURL(for: url))
        trainer.model.parameters.head.weight.scalars[1] = .infinity
        #expect(throws: GRUKitError.invalidWeights(
            file: url.path, key: "head.weight", problem: "element [0, 1] is inf: a checkpoint holds finite values only; the file was not written")) {
            try TrainingCheckpoint.write(trainer, to: url)
        }
        #expect(try Data(contentsOf: url) == good && Data(contentsOf: TrainingCheckpoint.jsonURL(for: url)) == goodJSON)
    }
}
