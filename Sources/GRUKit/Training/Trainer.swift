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
        for b in 0..<batches {
            let indices = Array(order[(b * c.batchSize)..<min((b + 1) * c.batchSize, order.count)])
            let batch = try data.batch(indices)
            let dropoutSeed = generator.next()
            var (loss, gradients) = try model.lossAndGradients(on: batch, dropoutSeed: dropoutSeed)
            guard loss.isFinite else {
                throw TrainingError.nonFiniteLoss(epoch: state.epoch + 1, step: state.step + 1, value: "\(loss)")
            }
            if let limit = c.clipValue { GradientClipping.clipValue(&gradients, limit: limit) }
            if let limit = c.clipNorm {
                let norm = GradientClipping.clipNorm(&gradients, maxNorm: limit)
                guard norm.isFinite else {
                    throw TrainingError.nonFiniteGradient(epoch: state.epoch + 1, step: state.step + 1)
                }
            }
            optimizer.update(&model.parameters, along: gradients)
            state.step += 1
            total += Double(loss) * Double(indices.count)
            samples += indices.count
            progress(StepProgress(epoch: state.epoch + 1, epochs: c.epochs, batch: b + 1, batches: batches, step: state.step,
                                  loss: Double(loss), meanLoss: total / Double(samples), samples: samples,
                                  seconds: Date().timeIntervalSince(start)))
        }
        state.generator = generator.state
        state.epoch += 1
        var validationLoss: Double?
        if let validation, validation.sampleCount > 0 {
            let loss = try evaluate(on: validation)
            validationLoss = loss
            if let best = state.bestValidationLoss, !(loss < best - c.minimumImprovement) {
                state.epochsWithoutImprovement += 1
                if let patience = c.patience, state.epochsWithoutImprovement >= patience { state.stoppedEarly = true }
            } else {
                (state.bestValidationLoss, state.bestEpoch, state.epochsWithoutImprovement) = (loss, state.epoch, 0)
            }
        }
        let record = EpochRecord(epoch: state.epoch, step: state.step, trainingLoss: total / Double(samples),
                                 validationLoss: validationLoss, learningRate: rate, seconds: Date().timeIntervalSince(start))
        state.history.append(record)
        return record
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
    /// The loss of a batch was NaN or infinite (a learning rate too high, often).
    case nonFiniteLoss(epoch: Int, step: Int, value: String)
    /// The gradients' norm was NaN or infinite.
    case nonFiniteGradient(epoch: Int, step: Int)
    /// A checkpoint cannot be resumed: missing or inconsistent contents, or other settings.
    case cannotResume(file: String, problem: String)

    /// The message for a user.
    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, step, value):
            return "training diverged: the loss is \(value) at epoch \(epoch), step \(step) (try a lower learning rate or --clip-norm)"
        case let .nonFiniteGradient(epoch, step):
            return "training diverged: the gradient norm is not finite at epoch \(epoch), step \(step) (try a lower learning rate)"
        case let .cannotResume(file, problem):
            return "\(file): cannot resume: \(problem)"
        }
    }
}
