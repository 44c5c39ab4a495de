import Foundation

/// One test case in ONNX's backend-test layout: a directory holding `model.onnx` and data
/// sets `test_data_set_0/`, `test_data_set_1/`, … of `input_<k>.pb` and `output_<k>.pb`
/// (each a `TensorProto`), as `onnx.backend.test` and ONNX Runtime's test runner read them.
///
/// Inputs are matched to the graph's inputs by the tensor's name, or by position when it has
/// none; outputs by position. An output passes when every element satisfies
/// `|actual − expected| ≤ atol + rtol · |expected|` (numpy's `assert_allclose`, NaN equal to
/// NaN); integer outputs must be equal.
public struct ONNXBackendTestCase: Sendable {
    /// The case's directory.
    public let directory: URL
    /// The directory's name, such as `test_gru_defaults`.
    public var name: String { directory.lastPathComponent }

    /// The result of one data set.
    public struct Result: Sendable {
        /// The data set's directory name, such as `test_data_set_0`.
        public let dataSet: String
        /// The largest |actual − expected| over every output element (0 when nothing was compared).
        public let maxDifference: Double
        /// What went wrong, or `nil` when the data set passed.
        public let failure: String?

        /// Whether every output matched.
        public var passed: Bool { failure == nil }
    }

    /// The case in `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The cases at `url`: the directory itself when it holds `model.onnx`, otherwise its
    /// subdirectories that do, sorted by name.
    ///
    /// - Throws: ``ONNXError/cannotRead(file:reason:)`` when `url` is not a directory or
    ///   holds no case.
    public static func cases(at url: URL) throws -> [ONNXBackendTestCase] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ONNXError.cannotRead(file: url.path, reason: "not a directory; give a backend-test case directory (model.onnx and test_data_set_*) or a folder of them")
        }
        if manager.fileExists(atPath: url.appendingPathComponent("model.onnx").path) { return [ONNXBackendTestCase(directory: url)] }
        let children = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
        let cases = children.sorted().map { url.appendingPathComponent($0) }
            .filter { manager.fileExists(atPath: $0.appendingPathComponent("model.onnx").path) }
        guard !cases.isEmpty else {
            throw ONNXError.cannotRead(file: url.path, reason: "holds no model.onnx, and no subdirectory holds one")
        }
        return cases.map(ONNXBackendTestCase.init(directory:))
    }

    /// Runs every data set.
    ///
    /// - Parameters:
    ///   - rtol: relative tolerance (ONNX's backend tests use 1e-3).
    ///   - atol: absolute tolerance (ONNX's backend tests use 1e-7).
    /// - Returns: one result per data set.
    /// - Throws: ``ONNXError`` when the model cannot be read or prepared, or there are no data sets.
    public func run(rtol: Double = 1e-3, atol: Double = 1e-7) throws -> [Result] {
        let runner = try ONNXGraphRunner(model: ONNXModelProto(contentsOf: directory.appendingPathComponent("model.onnx")))
        let children = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let sets = children.filter { $0.hasPrefix("test_data_set_") }.sorted { Self.index($0) < Self.index($1) }
        guard !sets.isEmpty else { throw ONNXError.cannotRead(file: directory.path, reason: "holds no test_data_set_* directory") }
        return sets.map { set in
            do {
                return try runDataSet(directory.appendingPathComponent(set), runner: runner, rtol: rtol, atol: atol)
            } catch {
                return Result(dataSet: set, maxDifference: 0, failure: "\(error)")
            }
        }
    }

    /// The number at the end of `test_data_set_<n>` or `input_<n>.pb`, for numeric order.
    private static func index(_ name: String) -> Int {
        Int(name.split(separator: "_").last.map { $0.split(separator: ".")[0] } ?? "") ?? .max
    }

    /// The tensors `prefix_0.pb`, `prefix_1.pb`, … of a data set, in order.
    private func tensors(_ prefix: String, in folder: URL) throws -> [(file: String, proto: ONNXTensorProto)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasPrefix(prefix + "_") && $0.hasSuffix(".pb") }.sorted { Self.index($0) < Self.index($1) }
        return try names.map { name in
            let url = folder.appendingPathComponent(name)
            return (url.path, try ONNXTensorProto(bytes: readFile(url), file: url.path))
        }
    }

    private func runDataSet(_ folder: URL, runner: ONNXGraphRunner, rtol: Double, atol: Double) throws -> Result {
        var given: [String: ONNXTensor] = [:]
        let inputs = try tensors("input", in: folder)
        for (k, (file, proto)) in inputs.enumerated() {
            let named = runner.model.graph.inputs.contains { $0.name == proto.name }
            guard named || k < runner.inputs.count else {
                throw ONNXError.invalidInput(file: file, input: proto.name, expected: "one of \(runner.inputs.count) graph inputs", found: "input \(k)")
            }
            given[named ? proto.name : runner.inputs[k].name] = try proto.tensor(file: file)
        }
        let outputs = try runner.run(given)
        let expected = try tensors("output", in: folder)
        guard expected.count == runner.outputNames.count else {
            return Result(dataSet: folder.lastPathComponent, maxDifference: 0,
                          failure: "\(expected.count) expected outputs for \(runner.outputNames.count) graph outputs")
        }
        var worst = 0.0
        var failures: [String] = []
        for ((file, proto), name) in zip(expected, runner.outputNames) {
            let e = try proto.tensor(file: file), a = outputs[name]!
            guard a.dataType == e.dataType, a.shape == e.shape else {
                failures.append("\(name): got \(a.typeDescription), expected \(e.typeDescription)")
                continue
            }
            let (difference, mismatches) = Self.compare(a, e, rtol: rtol, atol: atol)
            worst = max(worst, difference)
            if mismatches > 0 { failures.append("\(name): \(mismatches) of \(e.count) elements differ by more than atol + rtol·|expected|") }
        }
        return Result(dataSet: folder.lastPathComponent, maxDifference: worst,
                      failure: failures.isEmpty ? nil : failures.joined(separator: "; "))
    }

    /// The largest difference and the number of elements outside the tolerance.
    static func compare(_ a: ONNXTensor, _ e: ONNXTensor, rtol: Double, atol: Double) -> (Double, Int) {
        func floats(_ x: [Double], _ y: [Double]) -> (Double, Int) {
            var worst = 0.0, bad = 0
            for (p, q) in zip(x, y) {
                if p.isNaN && q.isNaN { continue }
                if p == q { continue }  // equal infinities
                let d = abs(p - q)
                worst = d > worst || d.isNaN ? (d.isNaN ? .infinity : d) : worst
                if !(d <= atol + rtol * abs(q)) { bad += 1 }
            }
            return (worst, bad)
        }
        switch (a.elements, e.elements) {
        case let (.float(x), .float(y)): return floats(x.map(Double.init), y.map(Double.init))
        case let (.double(x), .double(y)): return floats(x, y)
        default:
            let x = a.integers ?? [], y = e.integers ?? []
            let worst = zip(x, y).map { Double($0) - Double($1) }.map(abs).max() ?? 0
            return (worst, zip(x, y).filter { $0 != $1 }.count)
        }
    }
}
