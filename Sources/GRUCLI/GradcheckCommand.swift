import ArgumentParser
import GRUKit

/// `gru gradcheck`: BPTT's gradients against central finite differences, tensor by tensor.
struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Check every BPTT gradient against central finite differences in Double.",
        discussion: """
            Defaults to the first seed text's setting: input 10, hidden 20, output 5, 100 steps, \
            softmax cross-entropy at every step, reset before the matmul, z takes the new state. \
            Prints the largest relative error of every tensor's gradient (each weight and bias, \
            the input and the initial state) and PASS or FAIL; exits with status 1 on any FAIL.
            """)

    @Option(help: "I, the input width.") var inputSize = 10
    @Option(help: "H, the state width.") var hiddenSize = 20
    @Option(help: "O, the output width.") var outputSize = 5
    @Option(help: "T, the sequence length.") var steps = 100
    @Option(help: "N, the number of sequences.") var batch = 1
    @OptionGroup var gru: ConventionOptions
    @Option(help: "The loss: cross-entropy (softmax), bce (sigmoid) or mse.") var loss: Loss = .softmaxCrossEntropy
    @Flag(help: "For cross-entropy, use per-class probability targets instead of class indices.")
    var probabilityTargets = false
    @Option(help: "How losses combine: mean or sum.") var reduction: Reduction = .mean
    @Option(help: "Where the head reads: every-step or last-step.") var readout: Readout = .everyStep
    @Option(help: "The seed of the weights, input and target.") var seed: UInt64 = 1
    @Option(help: "The finite-difference step ε.") var epsilon = 1e-3
    @Option(help: "The largest relative error that passes.") var tolerance = 1e-5

    func validate() throws {
        for (name, value) in [("--input-size", inputSize), ("--hidden-size", hiddenSize), ("--output-size", outputSize),
                              ("--steps", steps), ("--batch", batch)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard epsilon.isFinite, epsilon > 0 else { throw ValidationError("--epsilon must be a finite number > 0 (got \(epsilon))") }
        guard tolerance.isFinite, tolerance > 0 else { throw ValidationError("--tolerance must be a finite number > 0 (got \(tolerance))") }
    }

    func run() throws {
        var c = GradientCheckProblem.Configuration()
        (c.inputSize, c.hiddenSize, c.outputSize, c.steps, c.batch) = (inputSize, hiddenSize, outputSize, steps, batch)
        (c.convention, c.bias, c.readout, c.loss) = (gru.resolved, !gru.noBias, readout, loss)
        (c.probabilityTargets, c.reduction, c.seed) = (probabilityTargets, reduction, seed)
        let problem = try GradientCheckProblem(c)
        let (value, entries) = try problem.check(with: GradientCheck(step: epsilon, tolerance: tolerance))
        print("gradcheck: I \(inputSize), H \(hiddenSize), O \(outputSize), T \(steps), N \(batch); \(gru.resolved); \(gru.noBias ? "no bias" : "bias")")
        print("loss \(loss.rawValue) (\(reduction.rawValue)) at \(readout.rawValue) = \(value); ε \(epsilon), tolerance \(tolerance), seed \(seed)")
        print(pad("tensor", 16) + pad("elements", 10, right: true) + pad("max rel error", 15, right: true)
              + pad("max abs error", 15, right: true) + "  result")
        for e in entries {
            print(pad(e.name, 16) + pad("\(e.count)", 10, right: true)
                  + pad(scientific(e.maxRelativeError), 15, right: true)
                  + pad(scientific(e.maxAbsoluteError), 15, right: true) + "  " + (e.passed ? "PASS" : "FAIL"))
        }
        let failed = entries.filter { !$0.passed }.count
        if failed > 0 {
            print("FAIL: \(failed) of \(entries.count) tensors")
            throw ExitCode.failure
        }
        print("PASS: all \(entries.count) tensors")
    }
}
