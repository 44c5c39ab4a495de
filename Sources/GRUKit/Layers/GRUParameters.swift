import RealModule

/// The weights and biases of one GRU layer in one direction, in GRUKit's canonical layout.
///
/// The layout is PyTorch's: the three gates are stacked in the order r (reset), z (update),
/// n (candidate), so rows `0..<H` belong to r, `H..<2H` to z and `2H..<3H` to n.
///
///     weightIH  (3H, I)   W_ir, W_iz, W_in      applied to the input x
///     weightHH  (3H, H)   W_hr, W_hz, W_hn      applied to the state h
///     biasIH    (3H)      b_ir, b_iz, b_in      optional, with biasHH
///     biasHH    (3H)      b_hr, b_hz, b_hn
///
/// Other layouts (the seed texts' per-gate W/U/b, ONNX's z-r-h order, Keras's transposed
/// kernels) convert into this one at the edges.
public struct GRUParameters<Scalar: GRUScalar>: ParameterSet, Equatable {
    /// Input-to-hidden weights, (3H, I), gates r, z, n.
    public var weightIH: Tensor<Scalar>
    /// Hidden-to-hidden weights, (3H, H), gates r, z, n.
    public var weightHH: Tensor<Scalar>
    /// Input-side biases, (3H), or `nil` for a layer without biases.
    public var biasIH: Tensor<Scalar>?
    /// Hidden-side biases, (3H), or `nil` for a layer without biases.
    public var biasHH: Tensor<Scalar>?

    /// Creates parameters from tensors, checking that their shapes agree.
    ///
    /// - Parameters:
    ///   - weightIH: (3H, I).
    ///   - weightHH: (3H, H).
    ///   - biasIH: (3H), or `nil` (then `biasHH` must be `nil` too).
    ///   - biasHH: (3H), or `nil` (then `biasIH` must be `nil` too).
    /// - Throws: ``GRUKitError`` naming the tensor whose shape is wrong or whose values are not finite.
    public init(
        weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>,
        biasIH: Tensor<Scalar>?, biasHH: Tensor<Scalar>?
    ) throws {
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.biasIH = biasIH
        self.biasHH = biasHH
        try checkShapes()
        for path in parameterPaths {
            try self[keyPath: path.keyPath].requireFinite(name: path.name)
        }
    }

    /// Throws unless the tensors' shapes agree with each other (they are public and mutable).
    func checkShapes() throws {
        guard weightHH.rank == 2, weightHH.shape[0] == 3 * weightHH.shape[1], weightHH.shape[1] > 0 else {
            throw GRUKitError.shapeMismatch(tensor: "weight_hh", expected: "(3H, H) with H ≥ 1", actual: weightHH.shape)
        }
        let h = weightHH.shape[1]
        guard weightIH.rank == 2, weightIH.shape[0] == 3 * h, weightIH.shape[1] > 0 else {
            throw GRUKitError.shapeMismatch(
                tensor: "weight_ih", expected: "(3H, I) with H = \(h) (from weight_hh) and I ≥ 1", actual: weightIH.shape)
        }
        guard (biasIH == nil) == (biasHH == nil) else {
            throw GRUKitError.incompatible("bias_ih and bias_hh: give both or neither (got only \(biasIH == nil ? "bias_hh" : "bias_ih"))")
        }
        try biasIH?.requireShape([3 * h], name: "bias_ih", meaning: "(3H)")
        try biasHH?.requireShape([3 * h], name: "bias_hh", meaning: "(3H)")
    }

    /// PyTorch's default initialisation: every weight and bias uniform in (−1/√H, 1/√H).
    ///
    /// - Parameters:
    ///   - inputSize: I ≥ 1.
    ///   - hiddenSize: H ≥ 1.
    ///   - bias: whether the layer has biases.
    ///   - generator: the seeded source of randomness.
    public static func pytorchDefault(
        inputSize: Int, hiddenSize: Int, bias: Bool = true, using generator: inout SeededGenerator
    ) throws -> GRUParameters {
        guard inputSize >= 1 else { throw GRUKitError.invalidSize(option: "input size", value: inputSize, expected: "≥ 1") }
        guard hiddenSize >= 1 else { throw GRUKitError.invalidSize(option: "hidden size", value: hiddenSize, expected: "≥ 1") }
        let bound = 1 / Scalar(hiddenSize).squareRoot()
        let range = -bound...bound
        let h3 = 3 * hiddenSize
        let wih = try Tensor<Scalar>.uniform(shape: [h3, inputSize], in: range, using: &generator, name: "weight_ih")
        let whh = try Tensor<Scalar>.uniform(shape: [h3, hiddenSize], in: range, using: &generator, name: "weight_hh")
        let bih = bias ? try Tensor<Scalar>.uniform(shape: [h3], in: range, using: &generator, name: "bias_ih") : nil
        let bhh = bias ? try Tensor<Scalar>.uniform(shape: [h3], in: range, using: &generator, name: "bias_hh") : nil
        return try GRUParameters(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
    }

    /// I, the width of the input.
    public var inputSize: Int { weightIH.shape[1] }
    /// H, the width of the state.
    public var hiddenSize: Int { weightHH.shape[1] }
    /// Whether the layer has biases.
    public var hasBias: Bool { biasIH != nil }

    public mutating func updateTensors(_ body: (inout Tensor<Scalar>) throws -> Void) rethrows {
        try body(&weightIH)
        try body(&weightHH)
        if biasIH != nil { try body(&biasIH!) }
        if biasHH != nil { try body(&biasHH!) }
    }

    public func visitTensors(_ body: (Tensor<Scalar>) throws -> Void) rethrows {
        try body(weightIH)
        try body(weightHH)
        if let biasIH { try body(biasIH) }
        if let biasHH { try body(biasHH) }
    }

    public var parameterPaths: [ParameterPath<GRUParameters>] {
        var paths = [ParameterPath("weight_ih", \GRUParameters.weightIH), ParameterPath("weight_hh", \.weightHH)]
        if hasBias {
            paths.append(ParameterPath("bias_ih", \.biasIH!))
            paths.append(ParameterPath("bias_hh", \.biasHH!))
        }
        return paths
    }

    /// The same model under the other update polarity: the z rows of every weight and bias
    /// negated, since σ(−a) = 1 − σ(a) turns `(1 − z) ⊙ n + z ⊙ h` into `z ⊙ n + (1 − z) ⊙ h`.
    ///
    /// A layer with these parameters and the opposite ``GRUConvention/update`` computes exactly
    /// what this one computes.
    public func flippingUpdatePolarity() -> GRUParameters {
        var flipped = self
        let h = hiddenSize
        for path in parameterPaths {
            let columns = flipped[keyPath: path.keyPath].rank == 2 ? flipped[keyPath: path.keyPath].shape[1] : 1
            for i in (h * columns)..<(2 * h * columns) {
                flipped[keyPath: path.keyPath].scalars[i].negate()
            }
        }
        return flipped
    }
}

/// The seed texts' form of a GRU layer: one input matrix, one recurrent matrix and one bias
/// per gate.
///
///     z = σ(W_z x + U_z h + b_z)
///     r = σ(W_r x + U_r h + b_r)
///     h̃ = tanh(W x + U (r ⊙ h) + b)
///     h' = (1 − z) ⊙ h + z ⊙ h̃
///
/// That is ``GRUConvention/seedTexts``. ``GRUParameters/init(seedForm:)`` converts it to the
/// canonical layout.
public struct SeedGRUWeights<Scalar: GRUScalar>: Sendable {
    /// W_z, W_r, W: (H, I) each.
    public var wZ, wR, w: Tensor<Scalar>
    /// U_z, U_r, U: (H, H) each.
    public var uZ, uR, u: Tensor<Scalar>
    /// b_z, b_r, b: (H) each.
    public var bZ, bR, b: Tensor<Scalar>

    public init(
        wZ: Tensor<Scalar>, wR: Tensor<Scalar>, w: Tensor<Scalar>,
        uZ: Tensor<Scalar>, uR: Tensor<Scalar>, u: Tensor<Scalar>,
        bZ: Tensor<Scalar>, bR: Tensor<Scalar>, b: Tensor<Scalar>
    ) {
        (self.wZ, self.wR, self.w, self.uZ, self.uR, self.u, self.bZ, self.bR, self.b) = (wZ, wR, w, uZ, uR, u, bZ, bR, b)
    }
}

extension GRUParameters {
    /// Converts the seed texts' per-gate weights into the canonical layout.
    ///
    /// The gates are stacked r, z, n: `weightIH = [W_r; W_z; W]`, `weightHH = [U_r; U_z; U]`,
    /// `biasIH = [b_r; b_z; b]` and `biasHH = 0`. Use the result with
    /// ``GRUConvention/seedTexts`` to compute what the seed code computes.
    ///
    /// - Throws: ``GRUKitError/shapeMismatch(tensor:expected:actual:)`` naming the first
    ///   tensor whose shape disagrees with W_z's and U_z's.
    public init(seedForm s: SeedGRUWeights<Scalar>) throws {
        guard s.uZ.rank == 2, s.uZ.shape[0] == s.uZ.shape[1], s.uZ.shape[0] > 0 else {
            throw GRUKitError.shapeMismatch(tensor: "U_z", expected: "(H, H) with H ≥ 1", actual: s.uZ.shape)
        }
        let h = s.uZ.shape[0]
        guard s.wZ.rank == 2, s.wZ.shape[0] == h, s.wZ.shape[1] > 0 else {
            throw GRUKitError.shapeMismatch(tensor: "W_z", expected: "(H, I) with H = \(h) and I ≥ 1", actual: s.wZ.shape)
        }
        let i = s.wZ.shape[1]
        for (name, t) in [("W_r", s.wR), ("W", s.w)] { try t.requireShape([h, i], name: name, meaning: "(H, I)") }
        for (name, t) in [("U_r", s.uR), ("U", s.u)] { try t.requireShape([h, h], name: name, meaning: "(H, H)") }
        for (name, t) in [("b_z", s.bZ), ("b_r", s.bR), ("b", s.b)] { try t.requireShape([h], name: name, meaning: "(H)") }
        try self.init(
            weightIH: Tensor(unchecked: [3 * h, i], scalars: s.wR.scalars + s.wZ.scalars + s.w.scalars),
            weightHH: Tensor(unchecked: [3 * h, h], scalars: s.uR.scalars + s.uZ.scalars + s.u.scalars),
            biasIH: Tensor(unchecked: [3 * h], scalars: s.bR.scalars + s.bZ.scalars + s.b.scalars),
            biasHH: Tensor(uncheckedZeros: [3 * h]))
    }
}
