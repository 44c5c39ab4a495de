#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Progress within an epoch, reported after every step.
public struct StepProgress: Sendable {
    /// The epoch (from 1) and the run's total.
    public let epoch: Int, epochs: Int
    /// The step within the epoch (from 1) and the epoch's number of steps.
    public let batch: Int, batches: Int
    /// Optimizer steps taken in all.
    public let step: Int
    /// This step's loss, and the epoch's running mean so far.
    public let loss: Double, meanLoss: Double
    /// Samples trained on in this epoch so far, and the seconds it has taken.
    public let samples: Int, seconds: Double
    /// For a step skipped because it met a NaN or an infinity, where and what (its ``loss``
    /// is then NaN and no update was made); `nil` for a step taken.
    public let skipped: NonFiniteStep?
}

/// The training loop: minibatches, the optimizer with its schedule and clipping, validation,
/// early stopping — for any ``TrainableModel``.
///
/// Each epoch e (from 0): the learning rate is `schedule.rate(epoch: e, base: η)`; the samples
/// are put in a new order drawn from the run's random stream (or kept in order); each batch of
/// B consecutive samples of that order gives one step:
///
///     dropout seed ← next draw of the stream
///     loss, g ← model.lossAndGradients(batch)          (mean-reduced, as PyTorch)
///     g ← clip_grad_value_(g), then clip_grad_norm_(g)  when configured
///     θ ← optimizer.step(θ, g)
///
/// then the validation loss is measured and early stopping consulted. The state after each
/// epoch (``state``, ``optimizer``, ``model``'s parameters) is all a checkpoint needs: resuming
/// from it gives bit-identical weights to a run that was never stopped.
///
/// A step whose loss or gradients, or whose updated weights or optimizer state, hold a NaN or
/// an infinity is undone (``NonFiniteStep``) and stops the run with
/// ``TrainingError/nonFinite(_:)`` — or, with ``TrainingConfiguration/skipNonFinite``, is
/// skipped: no update, no optimizer step, counted in ``EpochRecord/skippedSteps``; an epoch
/// that skips every step stops the run (``TrainingError/everyStepSkipped(epoch:steps:first:)``).
/// A non-finite validation loss stops it too. So the trainer never holds non-finite weights,
/// and an epoch that fails ends before ``train(on:validation:progress:epochEnd:)`` would
/// checkpoint it.
public struct Trainer<Model: TrainableModel>: Sendable {
    /// The model being trained.
    public var model: Model
    /// The optimizer and its state.
    public var optimizer: Optimizer<Model.Parameters>
    /// The run's settings.
    public let configuration: TrainingConfiguration
    /// Where the run is.
    public var state: TrainingState

    /// A new run from the model's current parameters.
    ///
    /// - Throws: ``GRUKitError`` naming an option out of range.
    public init(model: Model, configuration: TrainingConfiguration) throws {
        try configuration.validate()
        self.model = model
        self.configuration = configuration
        optimizer = try Optimizer(configuration.optimizer)
        state = TrainingState(seed: configuration.seed)
    }

    /// Whether the run is over: all epochs done, or stopped early.
    public var isFinished: Bool { state.stoppedEarly || state.epoch >= configuration.epochs }

    /// Trains epoch after epoch until ``isFinished``.
    ///
    /// - Parameters:
    ///   - data: the training samples.
    ///   - validation: samples to measure the loss on after each epoch (and to stop early by).
    ///   - progress: called after every step.
    ///   - epochEnd: called after every epoch with the trainer as it is then (to checkpoint it).
    public mutating func train<Data: TrainingData<Model.Batch>>(
        on data: Data, validation: Data? = nil,
        progress: (StepProgress) -> Void = { _ in }, epochEnd: (Trainer, EpochRecord) throws -> Void = { _, _ in }
    ) throws {
        while !isFinished {
            let record = try trainEpoch(on: data, validation: validation, progress: progress)
            try epochEnd(self, record)
        }
    }

    /// Trains one epoch and measures the validation loss.
    ///
    /// - Throws: ``TrainingError`` when a step or the validation loss is not finite; the
    ///   trainer is then mid-epoch (its weights finite, from before the failing step): resume
    ///   from the last checkpoint rather than from it.
    public mutating func trainEpoch<Data: TrainingData<Model.Batch>>(
        on data: Data, validation: Data? = nil, progress: (StepProgress) -> Void = { _ in }
    ) throws -> EpochRecord {
        guard data.sampleCount >= 1 else {
            throw GRUKitError.invalidSize(option: "training samples", value: data.sampleCount, expected: "≥ 1")
        }
        let c = configuration
        let start = Date()
        var generator = try SeededGenerator(state: state.generator)
        let order = c.shuffle ? generator.permutation(data.sampleCount) : Array(0..<data.sampleCount)
        let rate = c.schedule.rate(epoch: state.epoch, base: c.optimizer.learningRate)
        optimizer.learningRate = rate
        let batches = (data.sampleCount + c.batchSize - 1) / c.batchSize
        var total = 0.0, samples = 0
        var skipped: [NonFiniteStep] = []
        for b in 0..<batches {
            let indices = Array(order[(b * c.batchSize)..<min((b + 1) * c.batchSize, order.count)])
            let batch = try data.batch(indices)
            let dropoutSeed = generator.next()
            let (loss, problem) = try step(on: batch, dropoutSeed: dropoutSeed)
            if let problem {
                let at = NonFiniteStep(epoch: state.epoch + 1, batch: b + 1, batches: batches, step: state.step + 1, samples: indices, value: problem)
                guard c.skipNonFinite else { throw TrainingError.nonFinite(at) }
                skipped.append(at)
                progress(StepProgress(epoch: state.epoch + 1, epochs: c.epochs, batch: b + 1, batches: batches, step: state.step,
                                      loss: .nan, meanLoss: samples > 0 ? total / Double(samples) : .nan, samples: samples,
                                      seconds: Date().timeIntervalSince(start), skipped: at))
                continue
            }
            state.step += 1
            total += Double(loss) * Double(indices.count)
            samples += indices.count
            progress(StepProgress(epoch: state.epoch + 1, epochs: c.epochs, batch: b + 1, batches: batches, step: state.step,
                                  loss: Double(loss), meanLoss: total / Double(samples), samples: samples,
                                  seconds: Date().timeIntervalSince(start), skipped: nil))
        }
        if skipped.count == batches {
            throw TrainingError.everyStepSkipped(epoch: state.epoch + 1, steps: batches, first: skipped[0])
        }
        var validationLoss: Double?
        if let validation, validation.sampleCount > 0 {
            let loss = try evaluate(on: validation)
            guard loss.isFinite else { throw TrainingError.nonFiniteValidationLoss(epoch: state.epoch + 1, value: loss) }
            validationLoss = loss
        }
        state.generator = generator.state
        state.epoch += 1
        state.skippedSteps += skipped.count
        if let loss = validationLoss {
            if let best = state.bestValidationLoss, !(loss < best - c.minimumImprovement) {
                state.epochsWithoutImprovement += 1
                if let patience = c.patience, state.epochsWithoutImprovement >= patience { state.stoppedEarly = true }
            } else {
                (state.bestValidationLoss, state.bestEpoch, state.epochsWithoutImprovement) = (loss, state.epoch, 0)
            }
        }
        var record = EpochRecord(epoch: state.epoch, step: state.step, trainingLoss: total / Double(samples),
                                 validationLoss: validationLoss, learningRate: rate, seconds: Date().timeIntervalSince(start))
        record.skippedSteps = skipped.count
        state.history.append(record)
        return record
    }

    /// One optimizer step on `batch`: its loss, and the value that was not finite, if any —
    /// in which case the weights and the optimizer's state are left as they were.
    private mutating func step(on batch: Model.Batch, dropoutSeed: UInt64) throws -> (loss: Float, problem: NonFiniteStep.Value?) {
        let c = configuration
        var loss: Float, gradients: Model.Parameters
        do {
            (loss, gradients) = try model.lossAndGradients(on: batch, dropoutSeed: dropoutSeed)
        } catch let error as GRUKitError {
            guard case .nonFinite = error else { throw error }
            return (.nan, .data("\(error)"))
        }
        guard loss.isFinite else { return (loss, .loss(Double(loss))) }
        // Before clipping: clamping by value could turn a NaN into a number.
        if let name = gradients.firstNonFiniteName() { return (loss, .gradient(name)) }
        if let limit = c.clipValue { GradientClipping.clipValue(&gradients, limit: limit) }
        if let limit = c.clipNorm { GradientClipping.clipNorm(&gradients, maxNorm: limit) }
        let before = (model.parameters, optimizer)
        optimizer.update(&model.parameters, along: gradients)
        let problem: NonFiniteStep.Value? = model.parameters.firstNonFiniteName().map { .weight($0) }
            ?? optimizer.firstNonFiniteBuffer().map { .optimizerState($0) }
        if problem != nil { (model.parameters, optimizer) = before }
        return (loss, problem)
    }

    /// The mean loss over `data` (batches of ``TrainingConfiguration/batchSize`` in order,
    /// weighted by their sizes), without dropout.
    public func evaluate<Data: TrainingData<Model.Batch>>(on data: Data) throws -> Double {
        try Self.evaluate(model, on: data, batchSize: configuration.batchSize)
    }

    /// The mean loss of `model` over `data`, in batches of `batchSize` in order, weighted by
    /// their sizes.
    public static func evaluate<Data: TrainingData<Model.Batch>>(_ model: Model, on data: Data, batchSize: Int) throws -> Double {
        guard batchSize >= 1 else { throw GRUKitError.invalidSize(option: "batch size", value: batchSize, expected: "≥ 1") }
        var total = 0.0
        for start in stride(from: 0, to: data.sampleCount, by: batchSize) {
            let indices = Array(start..<min(start + batchSize, data.sampleCount))
            total += Double(try model.loss(on: data.batch(indices))) * Double(indices.count)
        }
        return data.sampleCount > 0 ? total / Double(data.sampleCount) : .nan
    }
}

/// What stops a training run once it has started.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A step met a NaN or an infinity (a learning rate too high, often, or bad data); the
    /// trainer's weights and optimizer are those from before the step.
    case nonFinite(NonFiniteStep)
    /// Every step of an epoch met a NaN or an infinity and was skipped.
    case everyStepSkipped(epoch: Int, steps: Int, first: NonFiniteStep)
    /// The loss on the validation samples after an epoch was NaN or infinite (the weights
    /// are finite: the validation data, or outputs that overflow).
    case nonFiniteValidationLoss(epoch: Int, value: Double)
    /// A checkpoint cannot be resumed: missing or inconsistent contents, or other settings.
    case cannotResume(file: String, problem: String)

    /// The message for a user.
    public var description: String {
        switch self {
        case let .nonFinite(at):
            return "training diverged at \(at)"
        case let .everyStepSkipped(epoch, steps, first):
            return "all \(steps) step(s) of epoch \(epoch) met a NaN or an infinity and were skipped (the first at \(first.position): \(first.problem))"
        case let .nonFiniteValidationLoss(epoch, value):
            return "the validation loss after epoch \(epoch) is \(value) while the weights are finite: the validation data, or outputs that overflow"
        case let .cannotResume(file, problem):
            return "\(file): cannot resume: \(problem)"
        }
    }
}
