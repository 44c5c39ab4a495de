/// Compares backpropagation's gradients with central finite differences, in `Double`.
///
/// For every element θ of every parameter tensor, of the input and of the initial state,
/// the numerical derivative is the fourth-order central difference
///
///     (−L(θ + 2ε) + 8 L(θ + ε) − 8 L(θ − ε) + L(θ − 2ε)) / 12ε
///
/// whose truncation error is O(ε⁴) and rounding error about `1e-16 · |L| / ε`. (The
/// second-order `(L(θ + ε) − L(θ − ε)) / 2ε` cannot reach below ~1e-10 absolute error in
/// `Double` on a loss of order 1, which swamps small gradients.) Each tensor's report gives
/// the largest element-wise relative error
///
///     |analytic − numeric| / max(|analytic|, |numeric|, floor)
///     floor = max(floorFraction · max |numeric|,  10⁶ · noise)
///     noise = 10 · ulp(1) · max(|L|, 1) / ε
///
/// The floor keeps elements whose gradient cancels to nearly zero, or has vanished over a
/// long sequence, from turning the difference's rounding noise into large relative errors:
/// below it, the comparison is in effect absolute (noise-level differences give relative
/// errors near 1e-6). It scales with the loss (mean or sum) and does not depend on the
/// tolerance, so a tighter tolerance is always a stricter check.
public struct GradientCheck: Sendable {
    /// One tensor's comparison.
    public struct Entry: Sendable {
        /// The tensor's name: a parameter name, `input` or `initial state`.
        public let name: String
        /// How many elements were compared.
        public let count: Int
        /// The largest element-wise relative error.
        public let maxRelativeError: Double
        /// The largest element-wise absolute error.
        public let maxAbsoluteError: Double
        /// Whether `maxRelativeError ≤ tolerance`.
        public let passed: Bool
    }

    /// ε, the finite-difference step.
    public var step: Double = 1e-3
    /// The relative error above which a tensor fails.
    public var tolerance: Double = 1e-5
    /// The smallest denominator of a relative error, as a fraction of the tensor's largest gradient.
    public var floorFraction: Double = 1e-3

    public init(step: Double = 1e-3, tolerance: Double = 1e-5, floorFraction: Double = 1e-3) {
        self.step = step
        self.tolerance = tolerance
        self.floorFraction = floorFraction
    }

    /// Checks every gradient of a model's loss on one batch.
    ///
    /// - Parameters:
    ///   - model: the model, in `Double`.
    ///   - input: (T, N, I), or (N, T, I) for a batch-first model.
    ///   - initialState: (L·D, N, H); a zero state is checked like any other.
    ///   - lengths: per-sequence lengths, or `nil`.
    ///   - target: what the loss compares the logits with.
    ///   - loss: which loss.
    ///   - reduction: mean or sum.
    ///   - dropoutSeed: the seed of one fixed set of dropout masks, used for every evaluation.
    /// - Returns: the loss and one entry per parameter tensor, then `input`, then `initial state`.
    public func run(
        model: GRUModel<Double>, input: Tensor<Double>, initialState: Tensor<Double>, lengths: [Int]? = nil,
        target: LossTarget<Double>, loss: Loss, reduction: Reduction = .mean, dropoutSeed: UInt64? = nil
    ) throws -> (loss: Double, entries: [Entry]) {
        let (value, _, analytic) = try model.gradients(
            input, initialState: initialState, lengths: lengths, target: target, loss: loss, reduction: reduction,
            dropoutSeed: dropoutSeed)
        func lossAt(_ m: GRUModel<Double>, _ x: Tensor<Double>, _ h0: Tensor<Double>) throws -> Double {
            try m.loss(x, initialState: h0, lengths: lengths, target: target, loss: loss, reduction: reduction,
                       dropoutSeed: dropoutSeed)
        }
        var entries: [Entry] = []
        for path in model.parameters.parameterPaths {
            let numeric = try numericGradient(of: model.parameters[keyPath: path.keyPath]) { perturbed in
                var m = model
                m.parameters[keyPath: path.keyPath] = perturbed
                return try lossAt(m, input, initialState)
            }
            entries.append(compare(path.name, analytic.parameters[keyPath: path.keyPath], numeric, loss: value))
        }
        let dInput = try numericGradient(of: input) { try lossAt(model, $0, initialState) }
        entries.append(compare("input", analytic.input!, dInput, loss: value))
        let dState = try numericGradient(of: initialState) { try lossAt(model, input, $0) }
        entries.append(compare("initial state", analytic.initialState, dState, loss: value))
        return (value, entries)
    }

    /// The central-difference gradient of `f` at `x`, element by element.
    public func numericGradient(of x: Tensor<Double>, _ f: (Tensor<Double>) throws -> Double) rethrows -> Tensor<Double> {
        var gradient = x
        var probe = x
        for i in x.scalars.indices {
            let original = x.scalars[i]
            var at = [Double](repeating: 0, count: 4)
            for (k, offset) in [2.0, 1, -1, -2].enumerated() {
                probe.scalars[i] = original + offset * step
                at[k] = try f(probe)
            }
            probe.scalars[i] = original
            gradient.scalars[i] = (-at[0] + 8 * at[1] - 8 * at[2] + at[3]) / (12 * step)
        }
        return gradient
    }

    /// The report entry comparing one analytic gradient with its numeric estimate.
    ///
    /// - Parameters:
    ///   - name: the tensor's name in the report.
    ///   - analytic: the gradient from backpropagation.
    ///   - numeric: the finite-difference estimate, of the same shape.
    ///   - loss: the loss at the unperturbed point, which sets the rounding noise.
    public func compare(_ name: String, _ analytic: Tensor<Double>, _ numeric: Tensor<Double>, loss: Double) -> Entry {
        var worstRelative = 0.0, worstAbsolute = 0.0
        let noise = 10 * Double.ulpOfOne * max(abs(loss), 1) / step
        let floor = max(floorFraction * numeric.scalars.reduce(0) { max($0, abs($1)) }, 1e6 * noise)
        for (a, n) in zip(analytic.scalars, numeric.scalars) {
            let difference = abs(a - n)
            let scale = max(abs(a), abs(n), floor)
            let relative = difference == 0 ? 0 : difference / scale
            if !(relative <= worstRelative) { worstRelative = relative }  // NaN counts as worst
            if !(difference <= worstAbsolute) { worstAbsolute = difference }
        }
        return Entry(
            name: name, count: analytic.count, maxRelativeError: worstRelative,
            maxAbsoluteError: worstAbsolute, passed: worstRelative <= tolerance)
    }
}
