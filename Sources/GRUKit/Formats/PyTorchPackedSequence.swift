extension GRU {
    /// What PyTorch returns for
    /// `pad_packed_sequence(gru(pack_padded_sequence(x, lengths, enforce_sorted=False), h0))`.
    ///
    /// This is ``callAsFunction(_:initialState:lengths:)`` with PyTorch's two extra rules:
    /// every length must be at least 1 (PyTorch cannot pack an empty sequence), and the padded
    /// output has max(lengths) steps, not T.
    ///
    /// - Parameters:
    ///   - input: (T, N, I), or (N, T, I) with `batchFirst`.
    ///   - initialState: (L·D, N, H), or `nil`.
    ///   - lengths: N lengths in 1...T.
    /// - Returns: `output` (T′, N, D·H) or (N, T′, D·H) with T′ = max(lengths), zero past each
    ///   length, and `finalState` (L·D, N, H).
    public func packedSequence(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>?, lengths: [Int]
    ) throws -> (output: Tensor<Scalar>, finalState: Tensor<Scalar>) {
        let steps = input.rank == 3 ? input.shape[configuration.batchFirst ? 1 : 0] : 0
        if let bad = lengths.firstIndex(where: { !(1...max(steps, 1)).contains($0) }) {
            throw GRUKitError.invalidValue(
                option: "lengths[\(bad)]", value: "\(lengths[bad])",
                expected: "a length in 1...\(steps), the input's T (PyTorch cannot pack an empty sequence)")
        }
        let (output, last) = try self(input, initialState: initialState, lengths: lengths)
        let longest = lengths.max() ?? steps
        guard longest < steps else { return (output, last) }
        // Keep the first `longest` steps.
        let trimmed = configuration.batchFirst
            ? output.swappingFirstTwoAxes().prefixSteps(longest).swappingFirstTwoAxes()
            : output.prefixSteps(longest)
        return (trimmed, last)
    }
}

extension Tensor {
    /// The first `count` entries of the first axis.
    func prefixSteps(_ count: Int) -> Tensor {
        let size = self.count / shape[0]
        return Tensor(unchecked: [count] + shape.dropFirst(), scalars: Array(scalars[..<(count * size)]))
    }
}
