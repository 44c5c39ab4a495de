/// A minibatch of sequences with their targets, batch-first, as a ``SupervisedGRU`` trains on.
///
///     input     (N, T, I)
///     lengths   N lengths in 0...T, or nil when every sequence fills all T steps
///     target    values (N, O) or (N, T, O), or class indices: N (one per sequence) or N·T
public struct SequenceBatch: TrainingBatch, Equatable {
    /// (N, T, I).
    public var input: Tensor<Float>
    /// Each sequence's length, or `nil` for all T.
    public var lengths: [Int]?
    /// What the model should output: values (N, O) / (N, T, O), or N or N·T class indices.
    public var target: LossTarget<Float>

    /// - Parameters:
    ///   - input: (N, T, I).
    ///   - lengths: N lengths in 0...T, or `nil`.
    ///   - target: values of shape (N, O) or (N, T, O), or N or N·T class indices.
    public init(input: Tensor<Float>, lengths: [Int]? = nil, target: LossTarget<Float>) {
        self.input = input
        self.lengths = lengths
        self.target = target
    }

    /// N.
    public var sampleCount: Int { input.rank == 3 ? input.shape[0] : 0 }
    /// T, the padded length.
    public var steps: Int { input.rank == 3 ? input.shape[1] : 0 }
}

/// Where the examples of a training run come from: the training loop asks for batches by
/// sample index, so any source (sequences in memory, windows of a time series, a text corpus)
/// can serve it.
public protocol TrainingData<Batch>: Sendable {
    /// What one step trains on.
    associatedtype Batch: TrainingBatch
    /// N, the number of examples.
    var sampleCount: Int { get }
    /// The examples at `indices` (each in `0..<sampleCount`), in that order, as one batch.
    func batch(_ indices: [Int]) throws -> Batch
}
