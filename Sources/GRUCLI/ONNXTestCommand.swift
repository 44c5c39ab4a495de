import ArgumentParser
import Foundation
import GRUKit

/// `gru onnx test`: run ONNX backend-test directories.
struct ONNXTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run ONNX backend-test cases and compare with their expected outputs.",
        discussion: """
            Each DIR is a case (model.onnx and test_data_set_*/ with input_<k>.pb and output_<k>.pb, as \
            onnx.backend.test writes them) or a folder of cases. An output passes when every element is within \
            atol + rtol·|expected| of the expected one. Prints PASS or FAIL per case and data set with the largest \
            difference, then a summary; exits with status 1 if any case fails.
            """)

    @Argument(help: ArgumentHelp("Case directories, or folders of them.", valueName: "dir")) var directories: [String]
    @Option(help: "Relative tolerance (ONNX's backend tests use 1e-3).") var rtol = 1e-3
    @Option(help: "Absolute tolerance (ONNX's backend tests use 1e-7).") var atol = 1e-7

    func validate() throws {
        if directories.isEmpty { throw ValidationError("give at least one backend-test directory") }
        for (name, value) in [("--rtol", rtol), ("--atol", atol)] where !(value.isFinite && value >= 0) {
            throw ValidationError("\(name) must be a finite number ≥ 0 (got \(value))")
        }
    }

    func run() throws {
        let cases = try directories.flatMap { try ONNXBackendTestCase.cases(at: URL(fileURLWithPath: $0)) }
        var (passed, failed) = (0, 0)
        for c in cases {
            let results: [ONNXBackendTestCase.Result]
            do {
                results = try c.run(rtol: rtol, atol: atol)
            } catch {
                print("FAIL  \(c.name): \(error)")
                failed += 1
                continue
            }
            for r in results {
                let line = "\(r.passed ? "PASS" : "FAIL")  \(c.name) \(r.dataSet)  max |difference| \(scientific(r.maxDifference))"
                print(r.failure.map { "\(line): \($0)" } ?? line)
            }
            if results.allSatisfy(\.passed) { passed += 1 } else { failed += 1 }
        }
        print("\(failed == 0 ? "PASS" : "FAIL"): \(passed) of \(cases.count) cases passed (rtol \(rtol), atol \(atol))")
        if failed > 0 { throw ExitCode.failure }
    }
}
