/// An element-wise activation function, as the ONNX recurrent operators name them.
///
/// Each case computes its value and its derivative at the same argument; where a function
/// has a kink, the derivative takes the right-hand side's value except where noted.
///
/// | case | f(a) | f′(a) |
/// |---|---|---|
/// | sigmoid | 1 / (1 + e^(−a)) | f (1 − f) |
/// | tanh | tanh a | 1 − f² |
/// | relu | max(0, a) | 1 if a > 0, else 0 |
/// | hardSigmoid(α, β) | max(0, min(1, α a + β)) | α inside (0, 1), else 0 |
/// | leakyRelu(α) | a if a ≥ 0, else α a | 1 if a ≥ 0, else α |
/// | thresholdedRelu(α) | a if a > α, else 0 | 1 if a > α, else 0 |
/// | scaledTanh(α, β) | α tanh(β a) | α β (1 − tanh²(β a)) |
/// | affine(α, β) | α a + β | α |
/// | elu(α) | a if a ≥ 0, else α (e^a − 1) | 1 if a ≥ 0, else α e^a |
/// | softsign | a / (1 + \|a\|) | 1 / (1 + \|a\|)² |
/// | softplus | log(1 + e^a) | σ(a) |
public enum Activation: Hashable, Sendable {
    case sigmoid
    case tanh
    case relu
    case hardSigmoid(alpha: Double = 0.2, beta: Double = 0.5)
    case leakyRelu(alpha: Double = 0.01)
    case thresholdedRelu(alpha: Double = 1)
    case scaledTanh(alpha: Double, beta: Double)
    case affine(alpha: Double, beta: Double)
    case elu(alpha: Double = 1)
    case softsign
    case softplus

    /// f(a) and f′(a).
    @inline(__always)
    func callAsFunction<S: GRUScalar>(_ a: S) -> (value: S, slope: S) {
        switch self {
        case .sigmoid:
            let y = S.sigmoid(a)
            return (y, y * (1 - y))
        case .tanh:
            let y = S.tanh(a)
            return (y, 1 - y * y)
        case .relu:
            return a > 0 ? (a, 1) : (0, 0)
        case let .hardSigmoid(alpha, beta):
            let y = S(alpha) * a + S(beta)
            if y <= 0 { return (0, 0) }
            if y >= 1 { return (1, 0) }
            return (y, S(alpha))
        case let .leakyRelu(alpha):
            return a >= 0 ? (a, 1) : (S(alpha) * a, S(alpha))
        case let .thresholdedRelu(alpha):
            return a > S(alpha) ? (a, 1) : (0, 0)
        case let .scaledTanh(alpha, beta):
            let t = S.tanh(S(beta) * a)
            return (S(alpha) * t, S(alpha) * S(beta) * (1 - t * t))
        case let .affine(alpha, beta):
            return (S(alpha) * a + S(beta), S(alpha))
        case let .elu(alpha):
            if a >= 0 { return (a, 1) }
            let e = S.exp(a)
            return (S(alpha) * (e - 1), S(alpha) * e)
        case .softsign:
            let d = 1 + abs(a)
            return (a / d, 1 / (d * d))
        case .softplus:
            // log(1 + e^a) = max(a, 0) + log(1 + e^(−|a|)), without overflow.
            return (max(a, 0) + S.log(onePlus: S.exp(-abs(a))), S.sigmoid(a))
        }
    }
}

/// The two activations of a GRU: f for the reset and update gates, g for the candidate state.
public struct GRUActivations: Hashable, Sendable {
    /// f, applied to r and z; sigmoid in every standard GRU.
    public var gate: Activation
    /// g, applied to the candidate n; tanh in every standard GRU.
    public var candidate: Activation

    public init(gate: Activation = .sigmoid, candidate: Activation = .tanh) {
        self.gate = gate
        self.candidate = candidate
    }

    /// σ for the gates, tanh for the candidate.
    public static let standard = GRUActivations()

    /// Whether these are σ and tanh, for which kernels can take a faster path.
    var isStandard: Bool { self == .standard }
}
