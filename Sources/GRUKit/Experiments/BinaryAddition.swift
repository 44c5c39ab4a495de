/// The second seed text's experiment: a GRU learns to add two binary numbers bit by bit.
///
/// Two `bits`-bit operands a and b below 2^(bits − 1) (so that a + b fits in `bits` bits) are
/// fed least-significant bit first, one bit of each per step: the input at step t is
/// `(a_t, b_t)` (I = 2) and the target is bit t of a + b. A linear head reads every step's
/// state and a sigmoid gives the probability that the sum's bit is 1. To add, the network must
/// carry: the state has to remember whether the previous column overflowed.
///
/// Training is plain SGD on one pair per step, on the sum over steps of the binary
/// cross-entropy. At the end the model adds `heldOutPairs` pairs it never trained on;
/// a pair counts only if every bit of the sum is right.
public struct BinaryAddition: Sendable {
    /// The experiment's settings; the defaults are the seed text's.
    public struct Configuration: Sendable, Hashable {
        /// The width of the sum in bits, the sequence length T.
        public var bits = 16
        /// H, the GRU's state width.
        public var hiddenSize = 16
        /// How many SGD steps (one pair each).
        public var steps = 10_000
        /// η.
        public var learningRate = 0.1
        /// How often to report progress, in steps.
        public var reportEvery = 500
        /// How many fresh pairs to test on at the end.
        public var heldOutPairs = 1_000
        /// The GRU variant; the seed text's by default.
        public var convention = GRUConvention.seedTexts
        /// The seed of the weights and of every pair drawn.
        public var seed: UInt64 = 1

        public init() {}

        /// Throws unless every setting is in range.
        public func validate() throws {
            guard (2...62).contains(bits) else { throw GRUKitError.invalidSize(option: "bits", value: bits, expected: "2 to 62") }
            guard hiddenSize >= 1 else { throw GRUKitError.invalidSize(option: "hidden size", value: hiddenSize, expected: "≥ 1") }
            guard steps >= 0 else { throw GRUKitError.invalidSize(option: "steps", value: steps, expected: "≥ 0") }
            guard reportEvery >= 1 else { throw GRUKitError.invalidSize(option: "report every", value: reportEvery, expected: "≥ 1") }
            guard heldOutPairs >= 1 else { throw GRUKitError.invalidSize(option: "held-out pairs", value: heldOutPairs, expected: "≥ 1") }
            guard learningRate.isFinite, learningRate > 0 else {
                throw GRUKitError.invalidValue(option: "learning rate", value: "\(learningRate)", expected: "a finite number > 0")
            }
            // Distinct held-out pairs must exist besides the training pairs.
            let operands = 1 << (bits - 1)
            guard bits > 31 || operands * operands > steps + heldOutPairs else {
                throw GRUKitError.invalidSize(
                    option: "held-out pairs", value: heldOutPairs,
                    expected: "fewer than the \(operands * operands) possible pairs minus the \(steps) training pairs")
            }
        }
    }

    /// One progress report, every ``Configuration/reportEvery`` steps.
    public struct Progress: Sendable {
        /// The number of SGD steps taken so far.
        public let step: Int
        /// The pair trained on at this step.
        public let a: Int, b: Int
        /// The model's sum (read before this step's update) and the true sum.
        public let predicted: Int, truth: Int
        /// The seed text's error: Σ_t |target_t − σ(logit_t)| over the sum's bits.
        public let error: Double
        /// The loss of this step (summed binary cross-entropy).
        public let loss: Double
    }

    /// What the experiment ends with.
    public struct Result: Sendable {
        /// How many held-out pairs the model added exactly.
        public let correct: Int
        /// How many held-out pairs were tried.
        public let total: Int
        /// The trained model.
        public let model: GRUModel<Float>
        /// `correct / total`.
        public var accuracy: Double { Double(correct) / Double(total) }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    /// Trains, reporting progress, then tests on fresh pairs.
    public func run(progress: (Progress) -> Void = { _ in }) throws -> Result {
        let c = configuration
        var generator = SeededGenerator(seed: c.seed)
        var model = try GRUModel<Float>(
            inputSize: 2, hiddenSize: c.hiddenSize, outputSize: 1, convention: c.convention,
            readout: .everyStep, using: &generator)
        var sgd = try Optimizer<GRUModelParameters<Float>>(OptimizerConfiguration(kind: .sgd, learningRate: c.learningRate))
        let operandBound = 1 << (c.bits - 1)
        var seen = Set<[Int]>()

        for step in 1...max(c.steps, 1) where c.steps > 0 {
            let (a, b) = (generator.index(below: operandBound), generator.index(below: operandBound))
            seen.insert([a, b])
            let (input, target) = encode(a, b)
            let (loss, logits, gradients) = try model.gradients(
                input, target: .values(target), loss: .binaryCrossEntropy, reduction: .sum, inputGradient: false)
            sgd.update(&model.parameters, along: gradients.parameters)
            if step % c.reportEvery == 0 {
                var error = 0.0
                for (logit, bit) in zip(logits.scalars, target.scalars) {
                    error += Double(abs(bit - Float.sigmoid(logit)))
                }
                progress(Progress(
                    step: step, a: a, b: b, predicted: decode(logits), truth: a + b,
                    error: error, loss: Double(loss)))
            }
        }

        var correct = 0
        var tested = 0
        let frozen = try model.prepared()  // the weights stay fixed from here on
        while tested < c.heldOutPairs {
            let pair = [generator.index(below: operandBound), generator.index(below: operandBound)]
            guard !seen.contains(pair) else { continue }
            seen.insert(pair)
            tested += 1
            let (input, _) = encode(pair[0], pair[1])
            if try decode(frozen.logits(input)) == pair[0] + pair[1] { correct += 1 }
        }
        return Result(correct: correct, total: tested, model: model)
    }

    /// The input (T, 1, 2) and target (T, 1, 1) of one pair, least-significant bit first.
    public func encode(_ a: Int, _ b: Int) -> (input: Tensor<Float>, target: Tensor<Float>) {
        let t = configuration.bits
        var x = [Float](), y = [Float]()
        for bit in 0..<t {
            x.append(Float((a >> bit) & 1))
            x.append(Float((b >> bit) & 1))
            y.append(Float(((a + b) >> bit) & 1))
        }
        return (Tensor(unchecked: [t, 1, 2], scalars: x), Tensor(unchecked: [t, 1, 1], scalars: y))
    }

    /// The number whose bit t is set where step t's logit is positive (probability > ½).
    public func decode(_ logits: Tensor<Float>) -> Int {
        var sum = 0
        for (bit, logit) in logits.scalars.enumerated() where logit > 0 { sum |= 1 << bit }
        return sum
    }
}
