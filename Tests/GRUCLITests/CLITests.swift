import Foundation
import Testing

/// The `gru` executable end to end: output, exit status and error lines.
@Suite struct CLITests {
    @Test func helpListsTheCommands() throws {
        let r = try gru("--help")
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: gru <subcommand>"))
        #expect(r.stdout.contains("demo"))
        #expect(r.stdout.contains("gradcheck"))
        let demo = try gru("demo", "binary-addition", "--help")
        #expect(demo.status == 0)
        for option in ["--bits", "--hidden-size", "--steps", "--learning-rate", "--report-every", "--held-out-pairs", "--convention", "--seed"] {
            #expect(demo.stdout.contains(option), "missing \(option)")
        }
    }

    @Test func trainHelpNamesTheContractsOptions() throws {
        let r = try gru("train", "--help")
        #expect(r.status == 0)
        for option in ["--init", "--data", "--csv", "--loss", "--optimizer", "--lr", "--momentum", "--weight-decay", "--clip-norm",
                       "--batch-size", "--epochs", "--no-shuffle", "--save", "--resume", "--patience", "--validation-split", "--seed",
                       "--schedule", "--warmup-epochs", "--progress", "--metrics", "--plot", "--checkpoint"] {
            #expect(r.stdout.contains(option), "gru train --help lacks \(option)")
        }
        for command in ["train", "evaluate", "predict"] { #expect(try gru("--help").stdout.contains(command)) }
    }

    @Test func gradcheckPassesAndPrintsEveryTensor() throws {
        let r = try gru("gradcheck", "--input-size", "3", "--hidden-size", "4", "--output-size", "2", "--steps", "6", "--batch", "2")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        for name in ["gru.weight_ih", "gru.weight_hh", "gru.bias_ih", "gru.bias_hh", "head.weight", "head.bias", "input", "initial state"] {
            #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix(name) && $0.hasSuffix("PASS") }, "no PASS line for \(name)")
        }
        #expect(r.stdout.contains("PASS: all 8 tensors"))
    }

    @Test func gradcheckFailsWithStatusOne() throws {
        // Finite differences cannot reach 1e-13 relative: every tensor must fail, and the exit status say so.
        let r = try gru("gradcheck", "--input-size", "2", "--hidden-size", "3", "--output-size", "2", "--steps", "3",
                        "--tolerance", "1e-13", "--no-bias")
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAIL"))
    }

    @Test func demoPrintsProgressAndHeldOutAccuracy() throws {
        let r = try gru("demo", "binary-addition", "--steps", "600", "--report-every", "200", "--held-out-pairs", "20", "--seed", "3")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("step ") }.count == 3)
        let last = try #require(lines.last)
        #expect(last.wholeMatch(of: /held-out accuracy: \d{1,3}\.\d% \(\d+ of 20 fresh pairs added exactly\)/) != nil, "\(last)")
        // The same seed prints the same run.
        #expect(try gru("demo", "binary-addition", "--steps", "600", "--report-every", "200", "--held-out-pairs", "20", "--seed", "3").stdout == r.stdout)
    }

    @Test(arguments: [
        (["gradcheck", "--steps", "0"], Int32(64), "error: --steps must be at least 1 (got 0) (see 'gru gradcheck --help')"),
        (["gradcheck", "--epsilon=-1"], 64, "error: --epsilon must be a finite number > 0 (got -1.0) (see 'gru gradcheck --help')"),
        (["demo", "binary-addition", "--bits", "1"], 1, "error: bits: expected 2 to 62, got 1"),
        (["demo", "binary-addition", "--learning-rate", "0"], 1, "error: learning rate: expected a finite number > 0, got 0.0"),
        (["demo", "binary-addition", "--convention", "keras"], 64,
         "error: The value 'keras' is invalid for '--convention <name>'. Please provide one of 'seed', 'pytorch' or 'onnx'. (see 'gru demo binary-addition --help')"),
    ])
    func badInputIsOneLineAndNonZero(arguments: [String], status: Int32, line: String) throws {
        let process = try gru(arguments: arguments)
        #expect(process.status == status)
        #expect(process.stderr == line + "\n")
        #expect(process.stdout.isEmpty)
    }
}
