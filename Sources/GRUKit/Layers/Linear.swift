/// The weight and bias of a fully connected layer.
///
///     weight  (O, I)
///     bias    (O)      optional
public struct LinearParameters<Scalar: GRUScalar>: ParameterSet, Equatable {
    /// (O, I).
    public var weight: Tensor<Scalar>
    /// (O), or `nil` for a layer without bias.
    public var bias: Tensor<Scalar>?

    /// Creates parameters from tensors, checking their shapes and values.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>?) throws {
        self.weight = weight
        self.bias = bias
        try checkShapes()
        for path in parameterPaths { try self[keyPath: path.keyPath].requireFinite(name: path.name) }
    }

    /// Throws unless the weight is (O, I) and the bias (O).
    func checkShapes() throws {
        guard weight.rank == 2, weight.shape[0] > 0, weight.shape[1] > 0 else {
            throw GRUKitError.shapeMismatch(tensor: "weight", expected: "(O, I) with O, I ≥ 1", actual: weight.shape)
        }
        try bias?.requireShape([weight.shape[0]], name: "bias", meaning: "(O)")
    }

    /// O, the number of outputs.
    public var outputSize: Int { weight.shape[0] }
    /// I, the number of inputs.
    public var inputSize: Int { weight.shape[1] }

    public mutating func updateTensors(_ body: (inout Tensor<Scalar>) throws -> Void) rethrows {
        try body(&weight)
        if bias != nil { try body(&bias!) }
    }

    public func visitTensors(_ body: (Tensor<Scalar>) throws -> Void) rethrows {
        try body(weight)
        if let bias { try body(bias) }
    }

    public var parameterPaths: [ParameterPath<LinearParameters>] {
        var paths = [ParameterPath("weight", \LinearParameters.weight)]
        if bias != nil { paths.append(ParameterPath("bias", \.bias!)) }
        return paths
    }
}

/// A fully connected layer, `y = W x + b`, applied to the last axis of its input.
public struct Linear<Scalar: GRUScalar>: Sendable {
    /// The weight (O, I) and bias (O).
    public var parameters: LinearParameters<Scalar>

    public init(parameters: LinearParameters<Scalar>) {
        self.parameters = parameters
    }

    /// Creates a layer with PyTorch's default initialisation: weight and bias uniform in
    /// (−1/√I, 1/√I).
    public init(inputSize: Int, outputSize: Int, bias: Bool = true, using generator: inout SeededGenerator) throws {
        guard inputSize >= 1 else { throw GRUKitError.invalidSize(option: "linear input size", value: inputSize, expected: "≥ 1") }
        guard outputSize >= 1 else { throw GRUKitError.invalidSize(option: "linear output size", value: outputSize, expected: "≥ 1") }
        let bound = 1 / Scalar(inputSize).squareRoot()
        let weight = try Tensor<Scalar>.uniform(shape: [outputSize, inputSize], in: -bound...bound, using: &generator)
        let b = bias ? try Tensor<Scalar>.uniform(shape: [outputSize], in: -bound...bound, using: &generator) : nil
        self.init(parameters: try LinearParameters(weight: weight, bias: b))
    }

    /// I.
    public var inputSize: Int { parameters.inputSize }
    /// O.
    public var outputSize: Int { parameters.outputSize }

    /// `y = x Wᵀ + b` over the last axis.
    ///
    /// - Parameter input: (…, I), any number of leading axes.
    /// - Returns: (…, O).
    public func callAsFunction(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try callAsFunction(input, packedWeight: nil)
    }

    /// Wᵀ packed once for the fast GEMM (``callAsFunction(_:packedWeight:)``), or `nil` where
    /// `Scalar` is not Float.
    func packedWeight() -> PackedMatrix? {
        guard Scalar.self == Float.self else { return nil }
        return PackedMatrix(.transposed, rows: inputSize, columns: outputSize,
                            unsafeBitCast(parameters.weight.scalars, to: [Float].self), 0, ld: inputSize)
    }

    /// `y = x Wᵀ + b` with Wᵀ from ``packedWeight()`` (of this very weight) when given: the same
    /// bits (the GEMM's result does not depend on how its operand is laid out).
    func callAsFunction(_ input: Tensor<Scalar>, packedWeight: PackedMatrix?) throws -> Tensor<Scalar> {
        // A packed weight was made from parameters already checked (a small model's call is
        // mostly such bookkeeping).
        let rows = try checkedRows(input, name: "linear input", parametersChecked: packedWeight != nil)
        let (i, o) = (inputSize, outputSize)
        var y: [Scalar]
        if let packedWeight {  // Scalar is Float: packedWeight() made it
            let floats = unsafeBitCast(input.scalars, to: [Float].self).withUnsafeBufferPointer { x in
                output(rows: rows, x.baseAddress!, packedWeight: packedWeight)
            }
            y = unsafeBitCast(floats, to: [Scalar].self)
        } else {
            y = [Scalar](repeating: 0, count: rows * o)
            Kernels.gemm(.none, .transposed, m: rows, n: o, k: i, input.scalars, 0, lda: i,
                         parameters.weight.scalars, 0, ldb: i, into: &y, 0, ldc: o, accumulate: false)
            if let b = parameters.bias?.scalars {
                y.withUnsafeMutableBufferPointer { y in
                    for r in 0..<rows { for j in 0..<o { y[r * o + j] += b[j] } }
                }
            }
        }
        var shape = input.shape
        shape[shape.count - 1] = o
        return Tensor(unchecked: shape, scalars: y)
    }

    /// `y = x Wᵀ + b` for `rows` rows of I Floats at `x` (unchecked), with Wᵀ from
    /// ``packedWeight()``: the (rows, O) result, row after row. A prepared model's head reads
    /// its stack's output where the stack wrote it.
    func output(rows: Int, _ x: UnsafePointer<Float>, packedWeight: PackedMatrix) -> [Float] {
        let o = outputSize
        var y = [Float](unsafeUninitializedCapacity: rows * o) { _, count in count = rows * o }
        y.withUnsafeMutableBufferPointer { y in
            FastKernels.active._gemm(m: rows, x, lda: inputSize, packedWeight, columns: 0..<o, y.baseAddress!, ldc: o, accumulate: false)
            if let b = parameters.bias {
                unsafeBitCast(b.scalars, to: [Float].self).withUnsafeBufferPointer { b in
                    for r in 0..<rows { for j in 0..<o { y[r * o + j] += b[j] } }
                }
            }
        }
        return y
    }

    /// The gradients of `y = x Wᵀ + b`: `∂W = ∂yᵀ x`, `∂b = Σ_rows ∂y`, `∂x = ∂y W`.
    ///
    /// - Parameters:
    ///   - input: the (…, I) input of the forward pass.
    ///   - outputGradient: ∂L/∂y, (…, O).
    /// - Returns: the parameter gradients and ∂L/∂x, (…, I).
    public func backward(
        input: Tensor<Scalar>, outputGradient: Tensor<Scalar>
    ) throws -> (parameters: LinearParameters<Scalar>, input: Tensor<Scalar>) {
        let rows = try checkedRows(input, name: "linear input")
        try outputGradient.requireShape(Array(input.shape.dropLast()) + [outputSize], name: "linear output gradient", meaning: "(…, O)")
        let (i, o) = (inputSize, outputSize)
        var gradients = parameters.zeroed()
        Kernels.gemm(.transposed, .none, m: o, n: i, k: rows, outputGradient.scalars, 0, lda: o, input.scalars, 0, ldb: i,
                     into: &gradients.weight.scalars, 0, ldc: i, accumulate: false)
        if gradients.bias != nil {
            Kernels.columnSums(rows: rows, columns: o, outputGradient.scalars, 0, ld: o,
                               into: &gradients.bias!.scalars, 0, accumulate: false)
        }
        var dx = [Scalar](repeating: 0, count: rows * i)
        Kernels.gemm(.none, .none, m: rows, n: i, k: o, outputGradient.scalars, 0, lda: o, parameters.weight.scalars, 0, ldb: i,
                     into: &dx, 0, ldc: i, accumulate: false)
        return (gradients, Tensor(unchecked: input.shape, scalars: dx))
    }

    private func checkedRows(_ input: Tensor<Scalar>, name: String, parametersChecked: Bool = false) throws -> Int {
        if !parametersChecked { try parameters.checkShapes() }
        guard input.rank >= 1, input.shape.last == inputSize else {
            throw GRUKitError.shapeMismatch(tensor: name, expected: "(…, I) with I = \(inputSize)", actual: input.shape)
        }
        return input.count / inputSize
    }
}
