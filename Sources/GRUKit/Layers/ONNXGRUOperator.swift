/// The ONNX `GRU` operator (opsets 7 to 22), computed by GRUKit's engine.
///
/// ONNX stores a GRU per direction in gate order z, r, h:
///
///     W  [D, 3H, I]    W_z, W_r, W_h          R  [D, 3H, H]    R_z, R_r, R_h
///     B  [D, 6H]       Wb_z, Wb_r, Wb_h, Rb_z, Rb_r, Rb_h      (absent: zero)
///     X  [T, N, I]  (layout 0)  or  [N, T, I]  (layout 1)
///     Y  [T, D, N, H]           or  [N, T, D, H]
///     Y_h [D, N, H]             or  [N, D, H]
///
/// The operator converts the weights to GRUKit's canonical layout (gates r, z, n) and runs a
/// one-layer ``GRU`` whose convention has the reset after the matmul when
/// `linear_before_reset` is 1 and before it otherwise, and z keeping the old state (ONNX's
/// `Ht = (1 − zt) ⊙ ht + zt ⊙ Ht−1`).
public struct ONNXGRUOperator: Sendable, Equatable {
    /// `hidden_size`; when `nil`, H is read from R.
    public var hiddenSize: Int?
    /// `direction`: forward, reverse or bidirectional.
    public var direction = GRUDirection.forward
    /// `linear_before_reset`: `true` for PyTorch's placement of the reset gate.
    public var linearBeforeReset = false
    /// `activations`: f and g names per direction (`nil`: Sigmoid, Tanh).
    public var activations: [String]?
    /// `activation_alpha` and `activation_beta`, consumed in order by the activations that take them.
    public var activationAlpha: [Double] = []
    public var activationBeta: [Double] = []
    /// `clip`, or `nil`.
    public var clip: Double?
    /// `layout`: 0 (time-major) or 1 (batch-first).
    public var layout = 0

    public init() {}

    /// The activation pairs, one per direction, parsed from ``activations`` and the alpha and
    /// beta lists as ONNX Runtime reads them: each activation that takes an α (or β) consumes
    /// the next value, or uses its default when the list is exhausted (LeakyRelu α 0.01,
    /// HardSigmoid α 0.2 β 0.5, Elu α 1, ThresholdedRelu α 1 as the ONNX operator defines it,
    /// otherwise 0).
    public func activationPairs() throws -> [GRUActivations] {
        guard let names = activations else { return [.standard] }
        let d = direction.count
        guard names.count == 2 || names.count == 2 * d else {
            throw GRUKitError.invalidSize(option: "GRU attribute activations", value: names.count, expected: "2 or \(2 * d) names")
        }
        var alphas = activationAlpha[...], betas = activationBeta[...]
        func next(_ list: inout ArraySlice<Double>, _ fallback: Double) -> Double { list.popFirst() ?? fallback }
        var parsed: [Activation] = []
        for name in names {
            switch name.lowercased() {
            case "sigmoid": parsed.append(.sigmoid)
            case "tanh": parsed.append(.tanh)
            case "relu": parsed.append(.relu)
            case "softsign": parsed.append(.softsign)
            case "softplus": parsed.append(.softplus)
            case "leakyrelu": parsed.append(.leakyRelu(alpha: next(&alphas, 0.01)))
            case "thresholdedrelu": parsed.append(.thresholdedRelu(alpha: next(&alphas, 1)))
            case "elu": parsed.append(.elu(alpha: next(&alphas, 1)))
            case "hardsigmoid":
                let alpha = next(&alphas, 0.2)
                parsed.append(.hardSigmoid(alpha: alpha, beta: next(&betas, 0.5)))
            case "scaledtanh":
                let alpha = next(&alphas, 0)
                parsed.append(.scaledTanh(alpha: alpha, beta: next(&betas, 0)))
            case "affine":
                let alpha = next(&alphas, 0)
                parsed.append(.affine(alpha: alpha, beta: next(&betas, 0)))
            default:
                throw GRUKitError.invalidValue(
                    option: "GRU attribute activations", value: name,
                    expected: "one of Sigmoid, Tanh, Relu, HardSigmoid, LeakyRelu, ThresholdedRelu, ScaledTanh, Affine, Elu, Softsign, Softplus")
            }
        }
        return stride(from: 0, to: parsed.count, by: 2).map { GRUActivations(gate: parsed[$0], candidate: parsed[$0 + 1]) }
    }

    /// The one-layer GRU this operator computes with weights W, R and optional B.
    ///
    /// - Parameters:
    ///   - w: W, [D, 3H, I], gates z, r, h.
    ///   - r: R, [D, 3H, H], gates z, r, h.
    ///   - b: B, [D, 6H] (`[Wb, Rb]`, gates z, r, h), or `nil` for no biases.
    public func gru<Scalar>(w: Tensor<Scalar>, r: Tensor<Scalar>, b: Tensor<Scalar>?) throws -> GRU<Scalar> {
        let d = direction.count
        guard r.rank == 3, r.shape[0] == d, r.shape[1] == 3 * r.shape[2], r.shape[2] >= 1 else {
            throw GRUKitError.shapeMismatch(tensor: "R", expected: "[D, 3H, H] with D = \(d)", actual: r.shape)
        }
        let h = r.shape[2]
        if let hiddenSize, hiddenSize != h {
            throw GRUKitError.invalidSize(option: "GRU attribute hidden_size", value: hiddenSize, expected: "\(h), as R's shape says")
        }
        guard w.rank == 3, w.shape[0] == d, w.shape[1] == 3 * h, w.shape[2] >= 1 else {
            throw GRUKitError.shapeMismatch(tensor: "W", expected: "[D, 3H, I] with D = \(d), H = \(h)", actual: w.shape)
        }
        try b?.requireShape([d, 6 * h], name: "B", meaning: "[D, 6H]")
        guard layout == 0 || layout == 1 else {
            throw GRUKitError.invalidValue(option: "GRU attribute layout", value: "\(layout)", expected: "0 or 1")
        }
        var configuration = GRUConfiguration(inputSize: w.shape[2], hiddenSize: h, direction: direction, bias: b != nil)
        configuration.convention = GRUConvention(reset: linearBeforeReset ? .afterMatmul : .beforeMatmul, update: .zKeepsOldState)
        configuration.activations = try activationPairs()
        configuration.clip = clip
        configuration.batchFirst = layout == 1
        let layers = try (0..<d).map { k in
            try GRUParameters(
                weightIH: Self.canonicalOrder(w.slice(at: k), gate: h * w.shape[2]),
                weightHH: Self.canonicalOrder(r.slice(at: k), gate: h * h),
                biasIH: b.map { Self.canonicalOrder(Tensor(unchecked: [3 * h], scalars: Array($0.slice(at: k).scalars[..<(3 * h)])), gate: h) },
                biasHH: b.map { Self.canonicalOrder(Tensor(unchecked: [3 * h], scalars: Array($0.slice(at: k).scalars[(3 * h)...])), gate: h) })
        }
        return try GRU(configuration, parameters: GRUStackParameters(layers: layers, directionCount: d))
    }

    /// Runs the operator.
    ///
    /// - Parameters:
    ///   - x: X, [T, N, I] (layout 0) or [N, T, I] (layout 1).
    ///   - w: W, [D, 3H, I].
    ///   - r: R, [D, 3H, H].
    ///   - b: B, [D, 6H], or `nil`.
    ///   - sequenceLengths: `sequence_lens`, N lengths, or `nil`.
    ///   - initialH: `initial_h`, [D, N, H] (layout 0) or [N, D, H] (layout 1), or `nil`.
    /// - Returns: Y and Y_h in the layout's shapes. For a sequence of length 0, Y_h is zero, as
    ///   ONNX Runtime gives it (the engine itself would return the initial state).
    public func callAsFunction<Scalar>(
        x: Tensor<Scalar>, w: Tensor<Scalar>, r: Tensor<Scalar>, b: Tensor<Scalar>? = nil,
        sequenceLengths: [Int]? = nil, initialH: Tensor<Scalar>? = nil
    ) throws -> (y: Tensor<Scalar>, yH: Tensor<Scalar>) {
        let gru: GRU<Scalar> = try gru(w: w, r: r, b: b)
        let (d, h) = (direction.count, gru.configuration.hiddenSize)
        if let initialH, initialH.rank != 3 {
            throw GRUKitError.shapeMismatch(tensor: "initial_h", expected: layout == 0 ? "[D, N, H]" : "[N, D, H]", actual: initialH.shape)
        }
        var (output, last) = try gru(x, initialState: layout == 1 ? initialH?.swappingFirstTwoAxes() : initialH, lengths: sequenceLengths)
        for (n, length) in (sequenceLengths ?? []).enumerated() where length == 0 {
            for k in 0..<d { for j in 0..<h { last[k, n, j] = 0 } }
        }
        // output: (T, N, D·H) or (N, T, D·H)
        let (a, c) = (output.shape[0], output.shape[1])
        let y: Tensor<Scalar>
        if layout == 1 {
            y = Tensor(unchecked: [a, c, d, h], scalars: output.scalars)
        } else {  // (T, N, D, H) → (T, D, N, H)
            var scalars = [Scalar](repeating: 0, count: output.count)
            for t in 0..<a { for n in 0..<c { for k in 0..<d { for j in 0..<h {
                scalars[((t * d + k) * c + n) * h + j] = output.scalars[((t * c + n) * d + k) * h + j]
            } } } }
            y = Tensor(unchecked: [a, d, c, h], scalars: scalars)
        }
        return (y, layout == 1 ? last.swappingFirstTwoAxes() : last)
    }

    /// Gate blocks z, r, h reordered to r, z, n; `gate` is one block's element count.
    static func canonicalOrder<Scalar>(_ t: Tensor<Scalar>, gate: Int) -> Tensor<Scalar> {
        let s = t.scalars
        return Tensor(unchecked: t.shape, scalars: Array(s[gate..<(2 * gate)] + s[..<gate] + s[(2 * gate)...]))
    }
}
