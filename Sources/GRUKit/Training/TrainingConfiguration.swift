/// How a training run goes: the optimizer, its schedule and clipping, batches, epochs, early
/// stopping and the seed of every random choice the loop makes.
public struct TrainingConfiguration: Codable, Hashable, Sendable {
    /// The optimizer and its settings (PyTorch's arguments and defaults).
    public var optimizer: OptimizerConfiguration
    /// The learning rate per epoch, from the optimizer's rate.
    public var schedule = LearningRateSchedule.constant
    /// `clip_grad_norm_(parameters, clipNorm)` before each step, or `nil`.
    public var clipNorm: Double?
    /// `clip_grad_value_(parameters, clipValue)` before each step (before norm clipping), or `nil`.
    public var clipValue: Double?
    /// B, samples per step (the last batch of an epoch may be smaller).
    public var batchSize = 32
    /// How many epochs to train (a resumed run continues up to this many in all).
    public var epochs = 10
    /// Whether each epoch visits the samples in a new seeded random order; otherwise batches
    /// are consecutive slices of B samples in order.
    public var shuffle = true
    /// Stop when the validation loss has not improved by more than ``minimumImprovement`` for
    /// this many epochs in a row, or `nil` to never stop early.
    public var patience: Int?
    /// How much lower than the best so far a validation loss must be to count as better.
    public var minimumImprovement = 0.0
    /// The seed of the epoch orders and the dropout masks.
    public var seed: UInt64 = 0
    /// Whether a step that meets a NaN or an infinity (in its loss, its gradients, or the
    /// weights or optimizer state after it) is skipped — undone and counted — rather than
    /// stopping the run. An epoch that skips every step stops it anyway.
    public var skipNonFinite = false

    /// A configuration with the given optimizer and the defaults above.
    public init(optimizer: OptimizerConfiguration) {
        self.optimizer = optimizer
    }

    enum CodingKeys: String, CodingKey {
        case optimizer, schedule, clipNorm, clipValue, batchSize, epochs, shuffle, patience, minimumImprovement, seed, skipNonFinite
    }

    /// Reads a configuration; `skipNonFinite`, which older checkpoints lack, defaults to `false`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        optimizer = try c.decode(OptimizerConfiguration.self, forKey: .optimizer)
        schedule = try c.decode(LearningRateSchedule.self, forKey: .schedule)
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm)
        clipValue = try c.decodeIfPresent(Double.self, forKey: .clipValue)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        epochs = try c.decode(Int.self, forKey: .epochs)
        shuffle = try c.decode(Bool.self, forKey: .shuffle)
        patience = try c.decodeIfPresent(Int.self, forKey: .patience)
        minimumImprovement = try c.decode(Double.self, forKey: .minimumImprovement)
        seed = try c.decode(UInt64.self, forKey: .seed)
        skipNonFinite = try c.decodeIfPresent(Bool.self, forKey: .skipNonFinite) ?? false
    }

    /// Throws unless every setting is in range, naming the option.
    public func validate() throws {
        try optimizer.validate()
        try schedule.validate()
        guard batchSize >= 1 else { throw GRUKitError.invalidSize(option: "batch size", value: batchSize, expected: "≥ 1") }
        guard epochs >= 1 else { throw GRUKitError.invalidSize(option: "epochs", value: epochs, expected: "≥ 1") }
        if let clipNorm, !(clipNorm.isFinite && clipNorm > 0) {
            throw GRUKitError.invalidValue(option: "clip norm", value: "\(clipNorm)", expected: "a finite number > 0")
        }
        if let clipValue, !(clipValue.isFinite && clipValue > 0) {
            throw GRUKitError.invalidValue(option: "clip value", value: "\(clipValue)", expected: "a finite number > 0")
        }
        if let patience, patience < 1 {
            throw GRUKitError.invalidSize(option: "patience", value: patience, expected: "≥ 1 epoch")
        }
        guard minimumImprovement.isFinite, minimumImprovement >= 0 else {
            throw GRUKitError.invalidValue(option: "minimum improvement", value: "\(minimumImprovement)", expected: "a finite number ≥ 0")
        }
    }
}

/// What one epoch did, as the metrics log and the loss curve record it.
public struct EpochRecord: Codable, Hashable, Sendable {
    /// The epoch's number, from 1.
    public var epoch: Int
    /// Optimizer steps taken by the end of this epoch, in all.
    public var step: Int
    /// The mean training loss over the epoch's batches, weighted by their sizes.
    public var trainingLoss: Double
    /// The loss on the validation samples after the epoch, or `nil` without validation.
    public var validationLoss: Double?
    /// The learning rate used during the epoch.
    public var learningRate: Double
    /// Wall-clock seconds the epoch took (training and validation).
    public var seconds: Double
    /// Steps skipped because they met a NaN or an infinity (``TrainingConfiguration/skipNonFinite``).
    public var skippedSteps = 0

    /// A record of the given values.
    public init(epoch: Int, step: Int, trainingLoss: Double, validationLoss: Double?, learningRate: Double, seconds: Double) {
        (self.epoch, self.step, self.trainingLoss, self.validationLoss) = (epoch, step, trainingLoss, validationLoss)
        (self.learningRate, self.seconds) = (learningRate, seconds)
    }

    enum CodingKeys: String, CodingKey {
        case epoch, step, seconds
        case trainingLoss = "train_loss"
        case validationLoss = "validation_loss"
        case learningRate = "learning_rate"
        case skippedSteps = "skipped_steps"
    }

    /// Reads a record; `skipped_steps`, which older logs lack, defaults to 0.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        (epoch, step, seconds) = (try c.decode(Int.self, forKey: .epoch), try c.decode(Int.self, forKey: .step), try c.decode(Double.self, forKey: .seconds))
        trainingLoss = try c.decode(Double.self, forKey: .trainingLoss)
        validationLoss = try c.decodeIfPresent(Double.self, forKey: .validationLoss)
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        skippedSteps = try c.decodeIfPresent(Int.self, forKey: .skippedSteps) ?? 0
    }
}

/// Where a training run is: everything beyond the weights and the optimizer's buffers that a
/// resumed run needs to continue exactly as an uninterrupted one.
public struct TrainingState: Codable, Hashable, Sendable {
    /// Epochs completed.
    public var epoch = 0
    /// Optimizer steps taken.
    public var step = 0
    /// The position of the random stream that orders each epoch and seeds each step's dropout.
    public var generator: [UInt64]
    /// The lowest validation loss so far.
    public var bestValidationLoss: Double?
    /// The epoch (from 1) that reached ``bestValidationLoss``.
    public var bestEpoch: Int?
    /// Epochs in a row without an improvement on ``bestValidationLoss``.
    public var epochsWithoutImprovement = 0
    /// Whether early stopping ended the run.
    public var stoppedEarly = false
    /// Steps skipped in all because they met a NaN or an infinity.
    public var skippedSteps = 0
    /// One record per completed epoch.
    public var history: [EpochRecord] = []

    /// The state before the first epoch of a run seeded with `seed`.
    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed).state
    }

    enum CodingKeys: String, CodingKey {
        case epoch, step, generator, history
        case bestValidationLoss = "best_validation_loss"
        case bestEpoch = "best_epoch"
        case epochsWithoutImprovement = "epochs_without_improvement"
        case stoppedEarly = "stopped_early"
        case skippedSteps = "skipped_steps"
    }

    /// Reads a state written by ``encode(to:)``.
    // The generator's words are written as hexadecimal strings: JSON tools that read numbers
    // as doubles would round 64-bit words.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        step = try c.decode(Int.self, forKey: .step)
        let words = try c.decode([String].self, forKey: .generator)
        generator = try words.map { word in
            guard let value = UInt64(word, radix: 16) else {
                throw DecodingError.dataCorruptedError(forKey: .generator, in: c, debugDescription: "'\(word)' is not a 64-bit hexadecimal word")
            }
            return value
        }
        bestValidationLoss = try c.decodeIfPresent(Double.self, forKey: .bestValidationLoss)
        bestEpoch = try c.decodeIfPresent(Int.self, forKey: .bestEpoch)
        epochsWithoutImprovement = try c.decode(Int.self, forKey: .epochsWithoutImprovement)
        stoppedEarly = try c.decode(Bool.self, forKey: .stoppedEarly)
        skippedSteps = try c.decodeIfPresent(Int.self, forKey: .skippedSteps) ?? 0
        history = try c.decode([EpochRecord].self, forKey: .history)
    }

    /// Writes the state, the generator's words as hexadecimal strings.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(step, forKey: .step)
        try c.encode(generator.map { String($0, radix: 16) }, forKey: .generator)
        try c.encodeIfPresent(bestValidationLoss, forKey: .bestValidationLoss)
        try c.encodeIfPresent(bestEpoch, forKey: .bestEpoch)
        try c.encode(epochsWithoutImprovement, forKey: .epochsWithoutImprovement)
        try c.encode(stoppedEarly, forKey: .stoppedEarly)
        try c.encode(skippedSteps, forKey: .skippedSteps)
        try c.encode(history, forKey: .history)
    }
}
