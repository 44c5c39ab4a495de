/// An optimizer's state as named tensors, so a checkpoint can store it in a safetensors file
/// and a resumed run continue bit for bit.
extension Optimizer {
    /// The buffers as `(prefix + buffer + "." + parameter name, tensor)`, for example
    /// `optimizer.exp_avg.gru.weight_ih_l0`; empty before the first step.
    public func stateTensors(prefix: String = "optimizer.") -> [(name: String, tensor: Tensor<P.Scalar>)] {
        zip(bufferNames, buffers).flatMap { name, set in
            set.namedTensors.map { (prefix + name + "." + $0.name, $0.tensor) }
        }
    }

    /// Restores the state written by ``stateTensors(prefix:)``.
    ///
    /// - Parameters:
    ///   - stepCount: the steps taken when the state was saved.
    ///   - tensors: looks a tensor up by its full name; `nil` when missing.
    ///   - template: a parameter set of the right structure (the model's parameters).
    /// - Throws: ``GRUKitError/invalidWeights(file:key:problem:)`` naming a missing or misshapen
    ///   buffer (with `file` as given).
    public mutating func restore(
        stepCount: Int, like template: P, file: String, prefix: String = "optimizer.",
        tensors: (String) throws -> Tensor<P.Scalar>?
    ) throws {
        guard stepCount >= 0 else {
            throw GRUKitError.invalidWeights(file: file, key: nil, problem: "optimizer step count \(stepCount) is negative")
        }
        self.stepCount = stepCount
        guard stepCount > 0 else { buffers = []; return }
        buffers = try bufferNames.map { buffer in
            var set = template
            var list: [Tensor<P.Scalar>] = []
            for (name, expected) in template.namedTensors {
                let key = prefix + buffer + "." + name
                guard let tensor = try tensors(key) else {
                    throw GRUKitError.invalidWeights(file: file, key: key, problem: "missing: the \(configuration.kind.rawValue) optimizer's state needs it")
                }
                guard tensor.shape == expected.shape else {
                    throw GRUKitError.invalidWeights(file: file, key: key, problem: "expected shape \(expected.shape), got \(tensor.shape)")
                }
                list.append(tensor)
            }
            set.replaceTensors(with: list)
            return set
        }
    }
}
