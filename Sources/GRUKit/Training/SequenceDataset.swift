/// What a dataset's examples should produce.
public enum DatasetTarget: Sendable, Equatable {
    /// Values of shape (N, O) — one vector per sequence — or (N, T, O) — one per step.
    case values(Tensor<Float>)
    /// Class indices of shape (N) or (N, T), for cross-entropy.
    case classes(shape: [Int], indices: [Int])

    /// The target's shape.
    public var shape: [Int] {
        switch self {
        case .values(let y): y.shape
        case .classes(let shape, _): shape
        }
    }
}

/// Sequences and their targets held in memory, batch-first: the safetensors dataset of
/// `gru train --data` and the windows of a CSV time series.
///
///     input     (N, T, I)
///     target    (N, O) or (N, T, O) values, or (N) or (N, T) class indices
///     lengths   optional, N lengths in 1...T (steps past a length are padding)
///
/// A batch gathers the requested samples in order; with lengths it is trimmed to the
/// longest sequence it holds.
public struct SequenceDataset: TrainingData, Equatable {
    /// (N, T, I).
    public let input: Tensor<Float>
    /// What each sample should produce.
    public let target: DatasetTarget
    /// N lengths in 1...T, or `nil` when every sequence has all T steps.
    public let lengths: [Int]?

    /// Checks that the shapes agree, naming the tensor that does not.
    ///
    /// - Throws: ``GRUKitError/shapeMismatch(tensor:expected:actual:)`` or
    ///   ``GRUKitError/invalidValue(option:value:expected:)`` for a length out of range,
    ///   ``GRUKitError/nonFinite(tensor:index:value:)`` for NaN or infinite data.
    public init(input: Tensor<Float>, target: DatasetTarget, lengths: [Int]? = nil) throws {
        guard input.rank == 3, input.shape[0] >= 1, input.shape[1] >= 1, input.shape[2] >= 1 else {
            throw GRUKitError.shapeMismatch(tensor: "input", expected: "(N, T, I) with N, T, I ≥ 1", actual: input.shape)
        }
        let (n, t) = (input.shape[0], input.shape[1])
        try input.requireFinite(name: "input")
        switch target {
        case .values(let y):
            guard (y.rank == 2 || y.rank == 3), y.shape[0] == n, y.rank == 2 || y.shape[1] == t, y.shape.last! >= 1 else {
                throw GRUKitError.shapeMismatch(tensor: "target", expected: "(N, O) or (N, T, O) with N = \(n), T = \(t)", actual: y.shape)
            }
            try y.requireFinite(name: "target")
        case .classes(let shape, let indices):
            guard shape == [n] || shape == [n, t], indices.count == shape.reduce(1, *) else {
                throw GRUKitError.shapeMismatch(tensor: "target", expected: "class indices (N) or (N, T) with N = \(n), T = \(t)", actual: shape)
            }
            if let bad = indices.firstIndex(where: { $0 < 0 }) {
                throw GRUKitError.invalidClassIndex(tensor: "target", position: bad, value: indices[bad], classes: indices.max()! + 1)
            }
        }
        if let lengths {
            guard lengths.count == n else {
                throw GRUKitError.shapeMismatch(tensor: "lengths", expected: "(N) with N = \(n)", actual: [lengths.count])
            }
            if let bad = lengths.firstIndex(where: { !(1...t).contains($0) }) {
                throw GRUKitError.invalidValue(option: "lengths[\(bad)]", value: "\(lengths[bad])", expected: "a length in 1...\(t) (T)")
            }
        }
        self.input = input
        self.target = target
        self.lengths = lengths
    }

    /// N.
    public var sampleCount: Int { input.shape[0] }
    /// T, the padded length.
    public var steps: Int { input.shape[1] }
    /// I.
    public var inputSize: Int { input.shape[2] }
    /// Whether the target has one entry per step (the head reads every step).
    public var targetsEveryStep: Bool {
        switch target {
        case .values(let y): y.rank == 3
        case .classes(let shape, _): shape.count == 2
        }
    }
    /// O: the target's width, or the number of classes (the largest index + 1).
    public var outputSize: Int {
        switch target {
        case .values(let y): y.shape.last!
        case .classes(_, let indices): (indices.max() ?? 0) + 1
        }
    }

    /// The samples at `indices` as one batch, trimmed to its longest sequence when there are lengths.
    public func batch(_ indices: [Int]) throws -> SequenceBatch {
        let (t, i) = (steps, inputSize)
        let lengths = self.lengths.map { all in indices.map { all[$0] } }
        let kept = lengths?.max() ?? t  // trim the padding no sequence of this batch uses
        var x = [Float]()
        x.reserveCapacity(indices.count * kept * i)
        for n in indices { x += input.scalars[(n * t * i)..<((n * t + kept) * i)] }
        let target: LossTarget<Float>
        switch self.target {
        case .values(let y):
            let perSample = y.count / sampleCount
            let width = y.shape.last!
            let used = y.rank == 3 ? kept * width : perSample
            target = .values(Tensor(unchecked: [indices.count] + (y.rank == 3 ? [kept, width] : [width]),
                                    scalars: indices.flatMap { y.scalars[($0 * perSample)..<($0 * perSample + used)] }))
        case .classes(let shape, let all):
            target = .classes(shape.count == 2 ? indices.flatMap { all[($0 * t)..<($0 * t + kept)] } : indices.map { all[$0] })
        }
        return SequenceBatch(input: Tensor(unchecked: [indices.count, kept, i], scalars: x),
                             lengths: lengths.flatMap { $0.allSatisfy { $0 == kept } ? nil : $0 }, target: target)
    }

    /// The samples at `indices`, in that order, as a dataset.
    public func subset(_ indices: [Int]) throws -> SequenceDataset {
        let (t, i) = (steps, inputSize)
        let x = indices.flatMap { input.scalars[($0 * t * i)..<(($0 + 1) * t * i)] }
        let target: DatasetTarget
        switch self.target {
        case .values(let y):
            let per = y.count / sampleCount
            target = .values(Tensor(unchecked: [indices.count] + y.shape.dropFirst(), scalars: indices.flatMap { y.scalars[($0 * per)..<(($0 + 1) * per)] }))
        case .classes(let shape, let all):
            let per = shape.count == 2 ? t : 1
            target = .classes(shape: [indices.count] + shape.dropFirst(), indices: indices.flatMap { all[($0 * per)..<(($0 + 1) * per)] })
        }
        return try SequenceDataset(input: Tensor(unchecked: [indices.count, t, i], scalars: x), target: target,
                                   lengths: lengths.map { l in indices.map { l[$0] } })
    }
}

/// How a training/validation split picks its validation samples.
public enum ValidationSplit: String, Codable, Hashable, Sendable, CaseIterable {
    /// A seeded random choice (for independent sequences).
    case random
    /// The last samples (for windows of one time series, where a random split would let
    /// overlapping windows leak the validation data into training).
    case last
}

extension TrainingData {
    /// Sample indices split into training and validation sets.
    ///
    /// - Parameters:
    ///   - fraction: the share of samples for validation, in [0, 1); at least one sample is
    ///     kept for training, and a fraction > 0 validates on at least one.
    ///   - method: random (seeded) or the last samples.
    ///   - seed: the seed of a random split.
    /// - Returns: the indices of each part, each in increasing order.
    public func splitIndices(validationFraction fraction: Double, method: ValidationSplit, seed: UInt64) throws -> (training: [Int], validation: [Int]) {
        guard fraction.isFinite, (0..<1).contains(fraction) else {
            throw GRUKitError.invalidValue(option: "validation fraction", value: "\(fraction)", expected: "a number in [0, 1)")
        }
        let n = sampleCount
        guard fraction > 0 else { return (Array(0..<n), []) }
        let count = max(1, Int((fraction * Double(n)).rounded()))
        guard count < n else {
            throw GRUKitError.invalidValue(option: "validation fraction", value: "\(fraction)",
                                           expected: "a share that leaves training samples (\(n) samples, \(count) for validation)")
        }
        var order = Array(0..<n)
        if method == .random {
            var generator = SeededGenerator(seed: seed)
            order = generator.permutation(n)
        }
        let validation = Set(order.suffix(count))
        return ((0..<n).filter { !validation.contains($0) }, (0..<n).filter { validation.contains($0) })
    }
}
