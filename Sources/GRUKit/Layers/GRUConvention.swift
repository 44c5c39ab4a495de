/// Which of the GRU's published variants a layer computes.
///
/// Every variant shares the gates (σ = logistic sigmoid, ⊙ = element-wise product)
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)        reset gate
///     z = σ(W_iz x + b_iz + W_hz h + b_hz)        update gate
///
/// and differs in two places:
///
/// - ``reset``: where the reset gate meets the recurrent matmul of the candidate state n.
///   ``ResetPlacement/afterMatmul``: `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`;
///   ``ResetPlacement/beforeMatmul``: `n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)`.
///   The two are different models; neither converts into the other.
/// - ``update``: which state the update gate keeps.
///   ``UpdatePolarity/zKeepsOldState``: `h' = (1 − z) ⊙ n + z ⊙ h`;
///   ``UpdatePolarity/zTakesNewState``: `h' = (1 − z) ⊙ h + z ⊙ n`.
///   These are the same model with the update gate's weights and biases negated
///   (σ(−a) = 1 − σ(a)); see ``GRUParameters/flippingUpdatePolarity()``.
public struct GRUConvention: Hashable, Sendable {
    /// Where the reset gate is applied in the candidate state.
    public enum ResetPlacement: String, CaseIterable, Sendable {
        /// `r ⊙ (W_hn h + b_hn)`: PyTorch, cuDNN, Keras `reset_after=True`, ONNX `linear_before_reset=1`.
        case afterMatmul = "after"
        /// `W_hn (r ⊙ h) + b_hn`: Cho et al. 2014, Keras `reset_after=False`, ONNX's default, the seed texts.
        case beforeMatmul = "before"
    }

    /// Which state the update gate z weights.
    public enum UpdatePolarity: String, CaseIterable, Sendable {
        /// `h' = (1 − z) ⊙ n + z ⊙ h`: PyTorch, ONNX, Keras, Cho et al. 2014.
        case zKeepsOldState = "keeps-old"
        /// `h' = (1 − z) ⊙ h + z ⊙ n`: the seed texts, Chung et al. 2014, MPSGraph `flipZ = NO`.
        case zTakesNewState = "takes-new"
    }

    /// Where the reset gate is applied.
    public var reset: ResetPlacement
    /// Which state z keeps.
    public var update: UpdatePolarity

    public init(reset: ResetPlacement, update: UpdatePolarity) {
        self.reset = reset
        self.update = update
    }

    /// PyTorch `nn.GRU`, cuDNN, Keras `reset_after=True`, ONNX with `linear_before_reset=1`.
    public static let pytorch = GRUConvention(reset: .afterMatmul, update: .zKeepsOldState)
    /// The ONNX `GRU` operator's default (`linear_before_reset=0`), Keras `reset_after=False`,
    /// Cho et al. 2014.
    public static let onnxDefault = GRUConvention(reset: .beforeMatmul, update: .zKeepsOldState)
    /// The two seed texts: reset before the matmul, z takes the new state.
    public static let seedTexts = GRUConvention(reset: .beforeMatmul, update: .zTakesNewState)

    /// All four combinations of reset placement and update polarity.
    public static let allCases: [GRUConvention] = ResetPlacement.allCases.flatMap { reset in
        UpdatePolarity.allCases.map { GRUConvention(reset: reset, update: $0) }
    }
}

extension GRUConvention: CustomStringConvertible {
    public var description: String { "reset \(reset.rawValue) matmul, z \(update.rawValue)" }
}
