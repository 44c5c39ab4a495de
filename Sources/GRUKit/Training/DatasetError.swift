#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a dataset cannot be trained on, with the file and where in it.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A CSV file's problem, at a line (from 1) when there is one.
    case csv(file: String, line: Int?, problem: String)
    /// A text file's problem.
    case text(file: String, problem: String)
    /// A safetensors dataset's problem, naming the tensor.
    case tensors(file: String, key: String?, problem: String)

    /// The message for a user, with the file and where in it.
    public var description: String {
        switch self {
        case let .csv(file, line, problem): return "\(file)" + (line.map { ", line \($0)" } ?? "") + ": " + problem
        case let .text(file, problem): return "\(file): \(problem)"
        case let .tensors(file, key, problem): return "\(file): " + (key.map { "\($0): " } ?? "") + problem
        }
    }
}

extension SequenceDataset {
    /// Reads a safetensors dataset: `input` (N, T, I); `target` (N, O) or (N, T, O) floats, or
    /// integer class indices (N) or (N, T); optional `lengths` (N) integers in 1...T.
    ///
    /// - Throws: ``DatasetError/tensors(file:key:problem:)`` naming the file, the tensor and
    ///   what was expected.
    public init(file: SafeTensorsFile) throws {
        func fail(_ key: String?, _ problem: String) -> DatasetError { .tensors(file: file.file, key: key, problem: problem) }
        for key in ["input", "target"] where file.info(key) == nil {
            throw fail(key, "missing: a dataset holds input (N, T, I) and target (N, O) or (N, T, O) (keys: \(file.names.joined(separator: ", ")))")
        }
        let input: Tensor<Float>
        do { input = try file.tensor("input") } catch { throw fail("input", "\(error)") }
        guard input.rank == 3, input.shape.allSatisfy({ $0 >= 1 }) else {
            throw fail("input", "expected shape (N, T, I) with N, T, I ≥ 1, got \(input.shape)")
        }
        let (n, t) = (input.shape[0], input.shape[1])
        let info = file.info("target")!
        let target: DatasetTarget
        if info.dtype.isInteger {
            let classes = try file.integers("target")
            guard classes.shape == [n] || classes.shape == [n, t] else {
                throw fail("target", "class indices must have shape (N) or (N, T) = [\(n)] or [\(n), \(t)] to match input \(input.shape), got \(classes.shape)")
            }
            if let bad = classes.values.firstIndex(where: { $0 < 0 }) {
                throw fail("target", "class index \(classes.values[bad]) at position \(bad) is negative")
            }
            target = .classes(shape: classes.shape, indices: classes.values)
        } else {
            let y: Tensor<Float>
            do { y = try file.tensor("target") } catch { throw fail("target", "\(error)") }
            guard (y.rank == 2 && y.shape[0] == n) || (y.rank == 3 && y.shape[0] == n && y.shape[1] == t), y.shape.last! >= 1 else {
                throw fail("target", "expected shape (N, O) or (N, T, O) with N = \(n) and T = \(t) from input \(input.shape), got \(y.shape)")
            }
            target = .values(y)
        }
        var lengths: [Int]?
        if file.info("lengths") != nil {
            let l = try file.integers("lengths")
            guard l.shape == [n] else { throw fail("lengths", "expected shape (N) = [\(n)], got \(l.shape)") }
            if let bad = l.values.firstIndex(where: { !(1...t).contains($0) }) {
                throw fail("lengths", "length \(l.values[bad]) at position \(bad) is outside 1...\(t) (T)")
            }
            lengths = l.values
        }
        do {
            try self.init(input: input, target: target, lengths: lengths)
        } catch let error as GRUKitError {
            throw fail(nil, "\(error)")
        }
    }

    /// Reads a safetensors dataset at `url`; see ``init(file:)``.
    public init(contentsOf url: URL) throws {
        try self.init(file: SafeTensorsFile(contentsOf: url))
    }
}
