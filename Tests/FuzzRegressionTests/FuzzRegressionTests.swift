import Foundation
import GRUFuzzTargets
import Testing

/// Every input the fuzzers start from (Fuzz/corpus/) and every input that once crashed one
/// (Fuzz/regressions/) goes through its target again: a crash or trap fails the suite.
@Suite struct FuzzRegressionTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static let targets: [(name: String, run: @Sendable (Data) -> Void)] = [
        ("safetensors", FuzzTargets.safetensors),
        ("onnx", FuzzTargets.onnx),
        ("csv", FuzzTargets.csv),
        ("text", FuzzTargets.text),
        ("checkpoint", FuzzTargets.checkpoint),
    ]

    @Test(arguments: targets.indices)
    func savedInputsRunCleanly(target: Int) throws {
        let (name, run) = Self.targets[target]
        var count = 0
        for kind in ["corpus", "regressions"] {
            let folder = Self.fuzzFolder.appendingPathComponent(kind).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.path) else { continue }
            let files = try FuzzReplay.files(at: folder).filter { !$0.lastPathComponent.hasPrefix(".") }
            for file in files { run(try Data(contentsOf: file)) }
            count += files.count
        }
        #expect(count > 0, "no saved inputs for the \(name) fuzz target")
    }

    /// Every fuzz executable in Fuzz/ has its entry here, so its saved inputs are replayed.
    @Test func everyFuzzerIsReplayed() throws {
        let fuzzers = try FileManager.default.contentsOfDirectory(atPath: Self.fuzzFolder.path)
            .filter { $0.hasSuffix("-fuzzer") }.map { String($0.dropLast("-fuzzer".count)) }.sorted()
        #expect(fuzzers == Self.targets.map(\.name).sorted())
    }
}
