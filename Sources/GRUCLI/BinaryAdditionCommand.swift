import ArgumentParser
import Foundation
import GRUKit

/// `gru demo binary-addition`: a GRU learns to add binary numbers bit by bit.
struct BinaryAdditionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binary-addition",
        abstract: "Teach a GRU to add two binary numbers, one bit of each per step.",
        discussion: """
            The second seed text's experiment: operands fed least-significant bit first, \
            one sigmoid output per step (that bit of the sum), plain SGD on one pair per step. \
            Every --report-every steps it prints the step, the error, the predicted and the true sum; \
            at the end, the share of fresh pairs it adds exactly.
            """)

    @Option(help: "The width of the sum in bits (the sequence length).") var bits = 16
    @Option(help: "H, the GRU's state width.") var hiddenSize = 16
    @Option(help: "How many SGD steps, one pair each.") var steps = 10_000
    @Option(help: "The SGD learning rate.") var learningRate = 0.1
    @Option(help: "Print progress every this many steps.") var reportEvery = 500
    @Option(help: "How many fresh pairs to test on at the end.") var heldOutPairs = 1_000
    @OptionGroup var gru: ConventionOptions
    @Option(help: "The seed of the weights and of every pair drawn.") var seed: UInt64 = 1

    func validate() throws {
        if gru.noBias { throw ValidationError("--no-bias is not supported by this demo") }
    }

    func run() throws {
        var c = BinaryAddition.Configuration()
        (c.bits, c.hiddenSize, c.steps, c.learningRate) = (bits, hiddenSize, steps, learningRate)
        (c.reportEvery, c.heldOutPairs, c.convention, c.seed) = (reportEvery, heldOutPairs, gru.resolved, seed)
        let experiment = try BinaryAddition(c)
        print("binary addition: \(bits)-bit sums, hidden \(hiddenSize), \(steps) SGD steps at learning rate \(learningRate), \(gru.resolved), seed \(seed)")
        let width = bits
        let result = try experiment.run { p in
            let mark = p.predicted == p.truth ? "ok" : "  "
            print("step \(pad("\(p.step)", 6, right: true))  error \(String(format: "%7.4f", p.error))  "
                  + "predicted \(binary(p.predicted, width)) = \(pad("\(p.predicted)", 6, right: true))  "
                  + "true \(binary(p.truth, width)) = \(pad("\(p.truth)", 6, right: true))  \(mark)")
        }
        print(String(format: "held-out accuracy: %.1f%% (%d of %d fresh pairs added exactly)",
                     100 * result.accuracy, result.correct, result.total))
    }

    /// `value` in binary, most significant bit first, `width` digits.
    private func binary(_ value: Int, _ width: Int) -> String {
        String((0..<width).reversed().map { (value >> $0) & 1 == 1 ? "1" : "0" })
    }
}
