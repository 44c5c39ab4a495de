/// A training step that met a NaN or an infinity: where it was, and in what.
///
/// The ``Trainer`` checks every step: the data (as the model reports it), the loss, then every
/// gradient (before clipping, which
/// could hide a NaN), then after the update every weight and every optimizer buffer (Adam's
/// squared gradients can overflow while the gradients are finite). A step that fails is undone
/// — the weights and the optimizer's state are what they were before it — and then either
/// stops the run or, with ``TrainingConfiguration/skipNonFinite``, is skipped.
public struct NonFiniteStep: Hashable, Sendable, CustomStringConvertible {
    /// What held the non-finite value.
    public enum Value: Hashable, Sendable {
        /// The batch's data, as the model found it (its message, such as `input: element
        /// [1, 0, 0] is nan; …`, counts rows within the batch).
        case data(String)
        /// The batch's loss, with its value.
        case loss(Double)
        /// The gradient of the named parameter (such as `gru.weight_hh_l0`).
        case gradient(String)
        /// The named parameter after the update.
        case weight(String)
        /// The named optimizer buffer after the update (such as `optimizer.exp_avg_sq.head.weight`).
        case optimizerState(String)
    }

    /// The epoch (from 1), the batch within it (from 1) and the epoch's number of batches.
    public let epoch: Int, batch: Int, batches: Int
    /// The optimizer step it would have been (from 1).
    public let step: Int
    /// The indices of the batch's samples.
    public let samples: [Int]
    /// What was not finite.
    public let value: Value

    /// Where the step is, and what was not finite.
    public init(epoch: Int, batch: Int, batches: Int, step: Int, samples: [Int], value: Value) {
        (self.epoch, self.batch, self.batches, self.step, self.samples, self.value) = (epoch, batch, batches, step, samples, value)
    }

    /// `batch 3 of 5, step 8, samples 4, 9, 1` (at most eight samples listed).
    public var position: String {
        let shown = samples.prefix(8).map(String.init).joined(separator: ", ") + (samples.count > 8 ? ", …" : "")
        return "batch \(batch) of \(batches), step \(step), sample\(samples.count == 1 ? "" : "s") \(shown)"
    }

    /// `the loss is inf`, `the gradient of head.weight is not finite`, ….
    public var problem: String {
        switch value {
        case .data(let problem): "the batch's data is not finite (\(problem))"
        case .loss(let v): "the loss is \(v)"
        case .gradient(let name): "the gradient of \(name) is not finite"
        case .weight(let name), .optimizerState(let name): "the update made \(name) not finite"
        }
    }

    /// `epoch 2, batch 3 of 5, step 8, samples 4, 9, 1: the loss is inf`.
    public var description: String { "epoch \(epoch), \(position): \(problem)" }
}

extension ParameterSet {
    /// The index (in ``tensors`` order) of the first tensor holding a NaN or an infinity.
    func firstNonFiniteTensor() -> Int? {
        var found: Int?, index = 0
        visitTensors { t in
            if found == nil, t.scalars.contains(where: { !$0.isFinite }) { found = index }
            index += 1
        }
        return found
    }

    /// The name of the first tensor holding a NaN or an infinity, or `nil` when all are finite.
    func firstNonFiniteName() -> String? {
        firstNonFiniteTensor().map { namedTensors[$0].name }
    }
}

extension Optimizer {
    /// The name of the first buffer holding a NaN or an infinity (as ``stateTensors(prefix:)``
    /// names it), or `nil`.
    func firstNonFiniteBuffer() -> String? {
        for (k, set) in buffers.enumerated() {
            if let i = set.firstNonFiniteTensor() { return "optimizer." + bufferNames[k] + "." + set.namedTensors[i].name }
        }
        return nil
    }
}
