import Foundation

/// A small, complete training loop for a ``CharacterLanguageModel``: seeded shuffled batches
/// of windows, an optimizer with PyTorch's update rules, gradient clipping by global norm,
/// and the loss on held-out text at regular intervals.
///
/// The text is split once: the last `validationFraction` of its characters are held out
/// (never trained on) and the rest is cut into windows (``TextWindows``). Each epoch visits
/// every training window once, in an order drawn from the seed. Every `evaluateEvery` steps
/// (and after the last) it records the mean training loss since the previous record and the
/// mean loss over all held-out windows; a record at step 0 gives the untrained model's.
public struct CharacterModelTraining: Sendable {
    /// The loop's settings.
    public struct Configuration: Hashable, Sendable {
        /// T, the characters per window (the length backpropagation runs through).
        public var sequenceLength = 100
        /// N, the windows per batch.
        public var batchSize = 32
        /// How many optimizer steps (batches).
        public var steps = 1_000
        /// The update rule; Adam at 2e-3 by default.
        public var optimizer = OptimizerConfiguration(kind: .adam, learningRate: 2e-3)
        /// The largest global L2 norm of the gradients (`clip_grad_norm_`), or `nil` for none.
        public var clipNorm: Double? = 5
        /// Record the losses every this many steps.
        public var evaluateEvery = 100
        /// The share of the text, at its end, held out to measure the loss on, in [0, 1).
        public var validationFraction = 0.1
        /// The seed of the window order and the dropout masks.
        public var seed: UInt64 = 1

        public init() {}

        /// Throws unless every setting is in range, naming the option.
        public func validate() throws {
            for (option, value) in [("sequence length", sequenceLength), ("batch size", batchSize), ("evaluate every", evaluateEvery)] where value < 1 {
                throw GRUKitError.invalidSize(option: option, value: value, expected: "≥ 1")
            }
            guard steps >= 0 else { throw GRUKitError.invalidSize(option: "steps", value: steps, expected: "≥ 0") }
            try optimizer.validate()
            if let clipNorm, !(clipNorm.isFinite && clipNorm > 0) {
                throw GRUKitError.invalidValue(option: "clip norm", value: "\(clipNorm)", expected: "a finite number > 0")
            }
            guard validationFraction.isFinite, (0..<1).contains(validationFraction) else {
                throw GRUKitError.invalidValue(option: "validation fraction", value: "\(validationFraction)", expected: "a number in [0, 1)")
            }
        }
    }

    /// The losses at one point of training.
    public struct Record: Hashable, Sendable {
        /// Optimizer steps taken.
        public let step: Int
        /// Epochs of training text seen: the windows trained on so far over the windows of an epoch.
        public let epoch: Double
        /// The mean training loss (nats per character) over the steps since the previous
        /// record, with each step's dropout; `nil` at step 0.
        public let trainingLoss: Double?
        /// The mean loss over every held-out window, without dropout; `nil` without held-out text.
        public let validationLoss: Double?
        /// Seconds since training started.
        public let seconds: Double

        public init(step: Int, epoch: Double, trainingLoss: Double?, validationLoss: Double?, seconds: Double) {
            (self.step, self.epoch, self.trainingLoss, self.validationLoss, self.seconds) = (step, epoch, trainingLoss, validationLoss, seconds)
        }
    }

    public let configuration: Configuration
    /// The windows trained on.
    public let training: TextWindows
    /// The held-out windows, or `nil` when `validationFraction` is 0.
    public let validation: TextWindows?

    /// Splits the corpus and cuts it into windows.
    ///
    /// - Throws: ``GRUKitError`` for a setting out of range;
    ///   ``TextError/tooShort(file:characters:needed:purpose:)`` when the training or the
    ///   held-out part cannot hold one window.
    public init(corpus: TextCorpus, configuration: Configuration) throws {
        try configuration.validate()
        self.configuration = configuration
        let t = configuration.sequenceLength
        let held = Self.heldOutCount(corpus.count, configuration.validationFraction)
        let split = corpus.count - held
        var needed = t + 1
        if configuration.validationFraction > 0 {
            // The shortest text whose training and held-out parts both hold a window and its next character.
            needed = max(2 * (t + 1), Int((Double(t + 1) / configuration.validationFraction).rounded(.up)))
            while Self.heldOutCount(needed, configuration.validationFraction) < t + 1
                || needed - Self.heldOutCount(needed, configuration.validationFraction) < t + 1 { needed += 1 }
        }
        guard split >= t + 1, held == 0 || held >= t + 1 else {
            let parts = configuration.validationFraction > 0
                ? "windows of \(t) characters and their next characters, for training and for the held-out part (validation fraction \(configuration.validationFraction)),"
                : "a window of \(t) characters and its next character"
            throw TextError.tooShort(file: corpus.name, characters: corpus.count, needed: needed, purpose: parts)
        }
        training = try TextWindows(classes: Array(corpus.classes[..<split]), length: t, name: corpus.name)
        validation = held == 0 ? nil : try TextWindows(classes: Array(corpus.classes[split...]), length: t, name: corpus.name)
    }

    /// The number of characters held out of `count` for a validation fraction.
    static func heldOutCount(_ count: Int, _ fraction: Double) -> Int { Int(Double(count) * fraction) }

    /// Trains `model` in place.
    ///
    /// - Parameters:
    ///   - model: the model, whose vocabulary must be the corpus's.
    ///   - progress: called with every record as it is made.
    /// - Returns: every record, from step 0.
    /// - Throws: ``CharacterTrainingError`` when the loss or the gradients stop being finite.
    @discardableResult
    public func run(
        _ model: inout CharacterLanguageModel<Float>, progress: (Record) -> Void = { _ in }
    ) throws -> [Record] {
        let c = configuration
        let start = ContinuousClock.now
        func seconds() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var generator = SeededGenerator(seed: c.seed)
        var optimizer = try Optimizer<CharacterModelParameters<Float>>(c.optimizer)
        var records: [Record] = []
        var windowsSeen = 0
        func record(_ step: Int, _ trainingLoss: Double?) throws {
            let r = Record(
                step: step, epoch: Double(windowsSeen) / Double(training.count),
                trainingLoss: trainingLoss, validationLoss: try validationLoss(of: model), seconds: seconds())
            records.append(r)
            progress(r)
        }
        try record(0, nil)
        var queue: [CharacterBatch] = []
        var sum = 0.0, weight = 0.0
        for step in stride(from: 1, through: c.steps, by: 1) {
            if queue.isEmpty { queue = try training.shuffledBatches(batchSize: c.batchSize, using: &generator).reversed() }
            let batch = queue.removeLast()
            let dropoutSeed = model.configuration.dropout > 0 ? generator.next() : nil
            var (loss, gradients) = try model.lossAndGradients(on: batch, dropoutSeed: dropoutSeed)
            guard loss.isFinite else { throw CharacterTrainingError.nonFiniteLoss(step: step, value: Double(loss)) }
            if let clip = c.clipNorm {
                let norm = GradientClipping.clipNorm(&gradients, maxNorm: clip)
                guard norm.isFinite else { throw CharacterTrainingError.nonFiniteGradient(step: step, norm: norm) }
            }
            optimizer.update(&model.parameters, along: gradients)
            let targets = Double(batch.targets.count)
            sum += Double(loss) * targets
            weight += targets
            windowsSeen += batch.sampleCount
            if step % c.evaluateEvery == 0 || step == c.steps {
                try record(step, sum / weight)
                (sum, weight) = (0, 0)
            }
        }
        return records
    }

    /// The mean loss per held-out character, without dropout, or `nil` without held-out text.
    public func validationLoss(of model: CharacterLanguageModel<Float>) throws -> Double? {
        guard let validation else { return nil }
        var sum = 0.0, count = 0.0
        for batch in try validation.orderedBatches(batchSize: configuration.batchSize) {
            let targets = Double(batch.targets.count)
            sum += Double(try model.loss(on: batch)) * targets
            count += targets
        }
        return sum / count
    }

    /// The records as CSV: `step,epoch,seconds,train_loss,validation_loss` (empty fields for
    /// missing losses).
    public static func csv(_ records: [Record]) -> String {
        var lines = ["step,epoch,seconds,train_loss,validation_loss"]
        for r in records {
            let fields = [String(r.step), String(format: "%.4f", r.epoch), String(format: "%.2f", r.seconds),
                          r.trainingLoss.map { String(format: "%.5f", $0) } ?? "",
                          r.validationLoss.map { String(format: "%.5f", $0) } ?? ""]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes ``csv(_:)`` atomically.
    public static func writeCSV(_ records: [Record], to url: URL) throws {
        try AtomicFileWriter.replaceFile(at: url, with: [Array(csv(records).utf8)])
    }
}

/// Training stopped because the numbers stopped being finite.
public enum CharacterTrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A batch's loss was NaN or infinite.
    case nonFiniteLoss(step: Int, value: Double)
    /// The gradients' global norm was NaN or infinite.
    case nonFiniteGradient(step: Int, norm: Double)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, value):
            return "training diverged at step \(step): the loss is \(value); try a lower learning rate"
        case let .nonFiniteGradient(step, norm):
            return "training diverged at step \(step): the gradients' norm is \(norm); try a lower learning rate"
        }
    }
}
