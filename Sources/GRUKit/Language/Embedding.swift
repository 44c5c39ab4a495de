/// The table of an embedding layer: one row of E numbers per index.
///
///     weight  (V, E)    row v is the vector of index v
public struct EmbeddingParameters<Scalar: GRUScalar>: ParameterSet, Equatable {
    /// (V, E).
    public var weight: Tensor<Scalar>

    /// Creates parameters from a (V, E) table, checking its shape and values.
    public init(weight: Tensor<Scalar>) throws {
        guard weight.rank == 2, weight.shape[0] >= 1, weight.shape[1] >= 1 else {
            throw GRUKitError.shapeMismatch(tensor: "embedding.weight", expected: "(V, E) with V, E ≥ 1", actual: weight.shape)
        }
        try weight.requireFinite(name: "embedding.weight")
        self.weight = weight
    }

    /// V, the number of indices.
    public var count: Int { weight.shape[0] }
    /// E, the width of each vector.
    public var size: Int { weight.shape[1] }

    public mutating func updateTensors(_ body: (inout Tensor<Scalar>) throws -> Void) rethrows {
        try body(&weight)
    }

    public func visitTensors(_ body: (Tensor<Scalar>) throws -> Void) rethrows {
        try body(weight)
    }

    public var parameterPaths: [ParameterPath<EmbeddingParameters>] {
        [ParameterPath("weight", \EmbeddingParameters.weight)]
    }
}

/// A lookup table, `y = W[x]`: what `torch.nn.Embedding` computes.
///
/// Forward copies row `x_r` of W for every index; backward adds each output row's gradient
/// into the row it came from, so an index used k times receives the sum of k gradients:
///
///     y[r, :] = W[x_r, :]                 ∂L/∂W[v, :] = Σ_{r : x_r = v} ∂L/∂y[r, :]
public struct Embedding<Scalar: GRUScalar>: Sendable {
    /// The (V, E) table.
    public var parameters: EmbeddingParameters<Scalar>

    public init(parameters: EmbeddingParameters<Scalar>) {
        self.parameters = parameters
    }

    /// Creates a table with PyTorch's default initialisation: every element standard normal.
    ///
    /// - Parameters:
    ///   - count: V ≥ 1, the number of indices.
    ///   - size: E ≥ 1, the width of each vector.
    ///   - generator: the seeded source of the weights.
    public init(count: Int, size: Int, using generator: inout SeededGenerator) throws {
        guard count >= 1 else { throw GRUKitError.invalidSize(option: "embedding count", value: count, expected: "≥ 1") }
        guard size >= 1 else { throw GRUKitError.invalidSize(option: "embedding size", value: size, expected: "≥ 1") }
        let scalars = (0..<(count * size)).map { _ in Scalar(generator.normal()) }
        self.init(parameters: try EmbeddingParameters(weight: Tensor(unchecked: [count, size], scalars: scalars)))
    }

    /// V.
    public var count: Int { parameters.count }
    /// E.
    public var size: Int { parameters.size }

    /// The rows of the given indices.
    ///
    /// - Parameters:
    ///   - indices: each in `0 ..< V`, row-major over `shape`.
    ///   - shape: the indices' shape (…), whose product is `indices.count`; `nil` for one axis.
    /// - Returns: (…, E).
    public func callAsFunction(_ indices: [Int], shape: [Int]? = nil) throws -> Tensor<Scalar> {
        let shape = shape ?? [indices.count]
        try check(indices, shape: shape)
        let e = size
        var y = [Scalar](repeating: 0, count: indices.count * e)
        parameters.weight.scalars.withUnsafeBufferPointer { w in
            y.withUnsafeMutableBufferPointer { out in
                for (r, v) in indices.enumerated() {
                    for j in 0..<e { out[r * e + j] = w[v * e + j] }
                }
            }
        }
        return Tensor(unchecked: shape + [e], scalars: y)
    }

    /// The gradient of the table: each row of `outputGradient` added into its index's row.
    ///
    /// - Parameters:
    ///   - indices: the forward pass's indices.
    ///   - outputGradient: ∂L/∂y, (…, E) with one row per index.
    /// - Returns: ∂L/∂W, (V, E).
    public func backward(indices: [Int], outputGradient: Tensor<Scalar>) throws -> EmbeddingParameters<Scalar> {
        let e = size
        guard outputGradient.rank >= 1, outputGradient.shape.last == e, outputGradient.count == indices.count * e else {
            throw GRUKitError.shapeMismatch(
                tensor: "embedding output gradient", expected: "(…, E) with E = \(e) and one row per index (\(indices.count))",
                actual: outputGradient.shape)
        }
        try check(indices, shape: [indices.count])
        var gradient = parameters.zeroed()
        gradient.weight.scalars.withUnsafeMutableBufferPointer { dw in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                for (r, v) in indices.enumerated() {
                    for j in 0..<e { dw[v * e + j] += dy[r * e + j] }
                }
            }
        }
        return gradient
    }

    private func check(_ indices: [Int], shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == indices.count else {
            throw GRUKitError.invalidShape(tensor: "embedding indices", shape: shape, problem: "does not hold the \(indices.count) indices given")
        }
        if let bad = indices.firstIndex(where: { $0 < 0 || $0 >= count }) {
            throw GRUKitError.invalidClassIndex(tensor: "embedding indices", position: bad, value: indices[bad], classes: count)
        }
    }
}
