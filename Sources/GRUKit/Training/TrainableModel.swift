/// A batch of training examples: the trainer only needs to know how many it holds.
public protocol TrainingBatch: Sendable {
    /// N, the number of examples (sequences) in the batch.
    var sampleCount: Int { get }
}

/// A model a training loop can fit: its parameters, and a loss on a batch with the gradient of
/// that loss for every parameter.
///
/// The training loop owns everything else — the optimizer (which updates ``parameters`` from
/// the gradients), clipping, schedules, checkpoints — so any model with a loss can be trained
/// by the same loop: a ``GRUModel`` with a loss, a character language model, ….
public protocol TrainableModel: Sendable {
    /// The trainable tensors (also the type of their gradients and of the optimizer's state).
    associatedtype Parameters: ParameterSet where Parameters.Scalar == Float
    /// What one step trains on.
    associatedtype Batch: TrainingBatch

    /// The trainable tensors.
    var parameters: Parameters { get set }

    /// The batch's loss (reduced as the model defines, PyTorch's mean by default) and its
    /// gradient with respect to every parameter.
    ///
    /// - Parameters:
    ///   - batch: the examples.
    ///   - dropoutSeed: the seed of this step's dropout masks, or `nil` for no dropout.
    func lossAndGradients(on batch: Batch, dropoutSeed: UInt64?) throws -> (loss: Float, gradients: Parameters)

    /// The batch's loss without gradients or dropout, as in evaluation.
    func loss(on batch: Batch) throws -> Float
}
