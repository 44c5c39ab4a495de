/// The workloads `gru bench` times, the same ones `scripts/bench_frameworks.py` runs in PyTorch
/// and ONNX Runtime.
public struct BenchmarkConfiguration: Sendable, Hashable {
    /// A1, A64, B, C, D or E.
    public let name: String
    public let inputSize: Int, hiddenSize: Int, steps: Int, batch: Int, layers: Int
    public let bidirectional: Bool
    /// Whether a Linear(H → 1) + sigmoid head reads every step (the binary-addition model).
    public let head: Bool

    /// The six configurations of the performance issue.
    public static let standard: [BenchmarkConfiguration] = [
        .init(name: "A1", inputSize: 2, hiddenSize: 16, steps: 16, batch: 1, layers: 1, bidirectional: false, head: true),
        .init(name: "A64", inputSize: 2, hiddenSize: 16, steps: 16, batch: 64, layers: 1, bidirectional: false, head: true),
        .init(name: "B", inputSize: 64, hiddenSize: 256, steps: 100, batch: 64, layers: 1, bidirectional: false, head: false),
        .init(name: "C", inputSize: 128, hiddenSize: 512, steps: 50, batch: 32, layers: 1, bidirectional: false, head: false),
        .init(name: "D", inputSize: 32, hiddenSize: 128, steps: 1000, batch: 1, layers: 1, bidirectional: false, head: false),
        .init(name: "E", inputSize: 64, hiddenSize: 256, steps: 100, batch: 64, layers: 2, bidirectional: true, head: false),
    ]

    /// The GRU's floating-point operations for one forward pass:
    /// 2 · 3H · (I_l + H) per step, sample, direction and layer (I_l = I, then D·H), plus the
    /// head's 2H per step and sample. A training step counts 3× that (forward, and a backward
    /// of twice the forward's products) less the first layer's product for ∂input, which
    /// neither GRUKit nor PyTorch computes for an input that is data.
    public func flops(training: Bool) -> Double {
        let d = bidirectional ? 2 : 1
        var perStep = 0.0
        for l in 0..<layers {
            let input = l == 0 ? inputSize : d * hiddenSize
            perStep += Double(d) * 2 * 3 * Double(hiddenSize) * Double(input + hiddenSize)
        }
        if head { perStep += 2 * Double(d * hiddenSize) }
        let forward = perStep * Double(steps * batch)
        let inputGradient = Double(d) * 2 * 3 * Double(hiddenSize) * Double(inputSize) * Double(steps * batch)
        return training ? 3 * forward - inputGradient : forward
    }
}

/// What a benchmark iteration does.
public enum BenchmarkMode: String, CaseIterable, Sendable {
    /// Forward over the sequence (and the head, for A), on the prepared stack or model
    /// (``PreparedGRU``, ``PreparedGRUModel``: the weights laid out once, as an ONNX Runtime
    /// session has them).
    case infer
    /// Forward, BPTT and an SGD step: BCE on the head's outputs for A, MSE on every step's
    /// output for the others. The input is data: no gradient for it, as in PyTorch.
    case train
}

/// One configuration and mode, set up once (model, batch, target) and run many times.
public struct BenchmarkWorkload: Sendable {
    public let configuration: BenchmarkConfiguration
    public let mode: BenchmarkMode
    private var model: GRUModel<Float>?
    private var gru: GRU<Float>
    private let input: Tensor<Float>
    private let target: Tensor<Float>
    private var modelSGD: Optimizer<GRUModelParameters<Float>>
    private var gruSGD: Optimizer<GRUStackParameters<Float>>
    /// For inference: the model or stack with its weights laid out once, as an ONNX Runtime
    /// session has them.
    private var preparedModel: PreparedGRUModel<Float>?
    private var preparedGRU: PreparedGRU<Float>?

    /// Draws the weights (PyTorch's initialisation), a batch and a target from `seed`.
    ///
    /// - Parameter threads: the threads to compute on, or `nil` for the caller's alone.
    public init(_ c: BenchmarkConfiguration, mode: BenchmarkMode, threads: ComputeThreads? = nil, seed: UInt64 = 1) throws {
        configuration = c
        self.mode = mode
        var g = SeededGenerator(seed: seed)
        let gruConfiguration = GRUConfiguration(
            inputSize: c.inputSize, hiddenSize: c.hiddenSize, layerCount: c.layers,
            direction: c.bidirectional ? .bidirectional : .forward)
        if c.head {
            model = try GRUModel(configuration: gruConfiguration, outputSize: 1, readout: .everyStep, using: &g)
            model!.threads = threads
            gru = model!.gru
        } else {
            gru = try GRU(gruConfiguration, using: &g)
            gru.threads = threads
        }
        input = try .uniform(shape: [c.steps, c.batch, c.inputSize], in: -1...1, using: &g)
        let width = c.head ? 1 : (c.bidirectional ? 2 : 1) * c.hiddenSize
        var t = try Tensor<Float>.uniform(shape: [c.steps, c.batch, width], in: 0...1, using: &g)
        if c.head { t.scalars = t.scalars.map { $0.rounded() } }
        target = t
        modelSGD = try Optimizer(OptimizerConfiguration(kind: .sgd, learningRate: 0.01))
        gruSGD = try Optimizer(OptimizerConfiguration(kind: .sgd, learningRate: 0.01))
        if mode == .infer {
            preparedModel = try model?.prepared()
            preparedGRU = model == nil ? try gru.prepared() : nil
        }
    }

    /// One iteration; returns the loss (training) or a checksum of the output (inference), so
    /// the work cannot be optimised away.
    @discardableResult
    public mutating func run() throws -> Float {
        if mode == .infer { return try infer() }
        switch model {
        case var model?:
            let (loss, _, gradients) = try model.gradients(input, target: .values(target), loss: .binaryCrossEntropy, inputGradient: false)
            modelSGD.update(&model.parameters, along: gradients.parameters)
            self.model = model
            return loss
        case nil:
            let trace = try gru.forward(input)
            let (loss, dOutput) = try Loss.meanSquaredError.evaluate(logits: trace.output, target: .values(target))
            let gradients = try gru.backward(trace, outputGradient: dOutput, finalStateGradient: nil, inputGradient: false)
            gruSGD.update(&gru.parameters, along: gradients.parameters)
            return loss
        }
    }

    /// An inference iteration, on `self` borrowed: the timed call copies none of the
    /// workload's tensors (a copy retains each of them, a sizeable part of A1's 2.5 µs).
    private func infer() throws -> Float {
        if let preparedModel { return try preparedModel.logits(input).scalars[0] }
        return try preparedGRU!(input).output.scalars[0]
    }
}
