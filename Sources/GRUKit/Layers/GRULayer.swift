/// One GRU layer running in one direction over a batch of sequences, with its backward pass.
///
/// Shapes: T steps, N sequences, I input features, H state features.
///
///     input          (T, N, I)
///     initial state  (N, H)       absent means zeros
///     output         (T, N, H)    the state after every step
///     final state    (N, H)       the state after the last step
///
/// Per step, with the input projection `gi = W_ih x + b_ih` computed for all steps at once
/// and split by gate into `gi_r, gi_z, gi_n` (see ``GRUConvention`` for the variants):
///
///     r  = σ(gi_r + W_hr h + b_hr)
///     z  = σ(gi_z + W_hz h + b_hz)
///     n  = tanh(gi_n + r ⊙ (W_hn h + b_hn))        reset after the matmul
///     n  = tanh(gi_n + W_hn (r ⊙ h) + b_hn)        reset before the matmul
///     h' = (1 − z) ⊙ n + z ⊙ h                     z keeps the old state
///     h' = (1 − z) ⊙ h + z ⊙ n                     z takes the new state
///
/// ONNX's generalisations are here too: other activations than σ and tanh (``activations``),
/// clipping of every activation's argument to ±``clip``, the reverse direction (``reverse``:
/// steps run from t = T − 1 down to 0) and per-sequence lengths (a sequence of length ℓ runs
/// only steps t < ℓ — in reverse, from ℓ − 1 down — its outputs past ℓ are zero and its final
/// state is the state after its last valid step).
///
/// ``forward(_:initialState:lengths:)`` keeps a ``GRULayerTrace`` of exactly what
/// ``backward(_:outputGradient:finalStateGradient:inputGradient:)`` needs for backpropagation through time.
public struct GRULayer<Scalar: GRUScalar>: Sendable {
    /// The weights and biases, gates r, z, n.
    public var parameters: GRUParameters<Scalar>
    /// Which GRU variant the layer computes.
    public var convention: GRUConvention
    /// Whether the layer runs from the last step to the first.
    public var reverse: Bool
    /// f for the gates and g for the candidate; σ and tanh unless ONNX says otherwise.
    public var activations: GRUActivations
    /// If set, every activation's argument is clamped to [−clip, clip] first (ONNX `clip`);
    /// no gradient flows through a clamped argument.
    public var clip: Double?
    /// Threads for the fast kernels, or `nil` for the caller's thread alone.
    public var threads: ComputeThreads?
    /// Which implementation runs; tests use the reference to check the fast kernels.
    package var engine = GRUEngine.automatic

    /// I, the width of the input.
    public var inputSize: Int { parameters.inputSize }
    /// H, the width of the state.
    public var hiddenSize: Int { parameters.hiddenSize }

    /// Creates a layer from existing parameters.
    ///
    /// - Parameters:
    ///   - parameters: the weights and biases.
    ///   - convention: the GRU variant; PyTorch's by default.
    ///   - reverse: run from the last step to the first.
    ///   - activations: f and g; σ and tanh by default.
    ///   - clip: clamp activation arguments to ±clip (> 0), or `nil`.
    public init(
        parameters: GRUParameters<Scalar>, convention: GRUConvention = .pytorch, reverse: Bool = false,
        activations: GRUActivations = .standard, clip: Double? = nil
    ) {
        self.parameters = parameters
        self.convention = convention
        self.reverse = reverse
        self.activations = activations
        self.clip = clip
    }

    /// Creates a layer with PyTorch's default initialisation, uniform in (−1/√H, 1/√H).
    ///
    /// - Parameters:
    ///   - inputSize: I ≥ 1.
    ///   - hiddenSize: H ≥ 1.
    ///   - convention: the GRU variant; PyTorch's by default.
    ///   - bias: whether the layer has biases.
    ///   - generator: the seeded source of the initial weights.
    public init(
        inputSize: Int, hiddenSize: Int, convention: GRUConvention = .pytorch, bias: Bool = true,
        using generator: inout SeededGenerator
    ) throws {
        let parameters = try GRUParameters<Scalar>.pytorchDefault(
            inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
        self.init(parameters: parameters, convention: convention)
    }

    /// Runs the layer over a batch of sequences.
    ///
    /// - Parameters:
    ///   - input: (T, N, I), with T ≥ 1 and N ≥ 1.
    ///   - initialState: (N, H), or `nil` for zeros.
    ///   - lengths: N sequence lengths in 0...T, or `nil` when every sequence has T steps.
    /// - Returns: `output` (T, N, H), the state after every step (zero past a sequence's
    ///   length), and `finalState` (N, H), each sequence's state after its last valid step.
    public func callAsFunction(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil
    ) throws -> (output: Tensor<Scalar>, finalState: Tensor<Scalar>) {
        let trace = try run(input, initialState: initialState, lengths: lengths, keepTrace: false)
        return (trace.output, trace.finalState)
    }

    /// Runs the layer and keeps what ``backward(_:outputGradient:finalStateGradient:inputGradient:)`` needs.
    ///
    /// The arguments and results are those of ``callAsFunction(_:initialState:lengths:)``.
    public func forward(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil
    ) throws -> GRULayerTrace<Scalar> {
        try run(input, initialState: initialState, lengths: lengths, keepTrace: true)
    }
}

/// What a GRU layer's forward pass keeps for its backward pass.
///
/// Everything indexed by step is stored (T, N, ·): the rows of one step are contiguous, so the
/// weight gradients are single matrix products over all steps. The reference engine stores by
/// processing step (in reverse, step s is time step T − 1 − s), the fast kernels by time step.
public struct GRULayerTrace<Scalar: GRUScalar>: Sendable {
    /// (T, N, H): the state after every step.
    public internal(set) var output: Tensor<Scalar>
    /// (N, H): the state after the last step.
    public internal(set) var finalState: Tensor<Scalar>

    /// (T, N, I) the input, for ∂W_ih.
    var input: Tensor<Scalar>
    /// The sequence lengths, or `nil` for all T.
    var lengths: [Int]?
    /// (T, N, H) the state entering each step, for ∂W_hh and the update gate's gradient.
    var previousStates: [Scalar]
    /// (T, N, 3H) the gate values r, z, n.
    var gates: [Scalar]
    /// (T, N, 3H) the activations' derivatives at r, z, n (σ' = r(1 − r), tanh' = 1 − n²),
    /// zero where ``GRULayer/clip`` clamped the argument.
    var slopes: [Scalar]
    /// (T, N, H) reset after: `W_hn h + b_hn`, the factor r multiplies; reset before: `r ⊙ h`,
    /// the input of W_hn.
    var candidateRecurrent: [Scalar]
    /// Whether the fast kernels made the trace (they keep no slopes: σ′ and tanh′ follow from
    /// the gates).
    var fast = false
    /// The fast kernels' trace (previous states, gates, candidate), in memory that
    /// ``ComputeThreads`` reuses once the trace is dropped; the three arrays above are then empty.
    var storage: FastTraceStorage?
}

/// The gradients of a loss with respect to everything a GRU layer's output depends on.
public struct GRULayerGradients<Scalar: GRUScalar>: Sendable {
    /// ∂L/∂(weights and biases), in the layout of ``GRUParameters``.
    public var parameters: GRUParameters<Scalar>
    /// ∂L/∂input, (T, N, I); `nil` when the backward pass was asked for none (`inputGradient:
    /// false`, as for an input that is data).
    public var input: Tensor<Scalar>?
    /// ∂L/∂(initial state), (N, H); for an absent initial state, the gradient at zero.
    public var initialState: Tensor<Scalar>
}

// MARK: - Forward

extension GRULayer {
    /// Checks the input and initial state, then runs the recurrence.
    func run(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>?, lengths: [Int]?, keepTrace: Bool
    ) throws -> GRULayerTrace<Scalar> {
        let (t, n) = try checkInput(input, initialState: initialState, lengths: lengths)
        if usesFastKernels, let layer = self as? GRULayer<Float> {
            let trace = layer.fastRun(
                input as! Tensor<Float>, initialState: initialState as! Tensor<Float>?, lengths: lengths, keepTrace: keepTrace)
            return trace as! GRULayerTrace<Scalar>
        }
        let h = hiddenSize, h3 = 3 * hiddenSize
        let p = parameters
        let steps = keepTrace ? t : 1  // without a trace, one step's worth of scratch is reused

        // gi (T·N, 3H) = X W_ihᵀ + b_ih for every step at once.
        var gi = [Scalar](repeating: 0, count: t * n * h3)
        Kernels.gemm(.none, .transposed, m: t * n, n: h3, k: inputSize, input.scalars, 0, lda: inputSize,
                     p.weightIH.scalars, 0, ldb: inputSize, into: &gi, 0, ldc: h3, accumulate: false)
        if let b = p.biasIH?.scalars {
            for row in 0..<(t * n) { for j in 0..<h3 { gi[row * h3 + j] += b[j] } }
        }

        var state = initialState?.scalars ?? [Scalar](repeating: 0, count: n * h)
        var previousStates = [Scalar](repeating: 0, count: keepTrace ? t * n * h : 0)
        var gates = [Scalar](repeating: 0, count: steps * n * h3)
        var slopes = [Scalar](repeating: 0, count: steps * n * h3)
        var candidateRecurrent = [Scalar](repeating: 0, count: steps * n * h)
        var gh = [Scalar](repeating: 0, count: n * h3)  // recurrent matmul results, (N, 3H)
        var output = [Scalar](repeating: 0, count: t * n * h)

        for step in 0..<t {
            let k = keepTrace ? step : 0
            if keepTrace {
                previousStates.replaceSubrange((step * n * h)..<((step + 1) * n * h), with: state)
            }
            let time = reverse ? t - 1 - step : step
            let cell = GRUStep(layer: self, batch: n, time: time, lengths: lengths, step: k)
            cell.forward(
                parameters: p, gi: gi, gh: &gh, state: &state,
                gates: &gates, slopes: &slopes, candidateRecurrent: &candidateRecurrent)
            for b in 0..<n where cell.isValid(b) {
                output.replaceSubrange(((time * n + b) * h)..<((time * n + b + 1) * h), with: state[(b * h)..<((b + 1) * h)])
            }
        }
        return GRULayerTrace(
            output: Tensor(unchecked: [t, n, h], scalars: output),
            finalState: Tensor(unchecked: [n, h], scalars: state),
            input: input, lengths: lengths, previousStates: previousStates, gates: gates, slopes: slopes,
            candidateRecurrent: candidateRecurrent, fast: false)
    }

    /// Validates the input, initial state and lengths; returns (T, N). `inputChecked`: the
    /// input's values were already checked (finite) for another direction.
    func checkInput(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>?, lengths: [Int]?, inputChecked: Bool = false
    ) throws -> (Int, Int) {
        try parameters.checkShapes()
        guard input.rank == 3, input.shape[2] == inputSize else {
            throw GRUKitError.shapeMismatch(tensor: "input", expected: "(T, N, I) with I = \(inputSize)", actual: input.shape)
        }
        let (t, n) = try Self.checkSequence(
            input, initialState: initialState, hiddenSize: hiddenSize, lengths: lengths, inputChecked: inputChecked)
        if let clip, !(clip.isFinite && clip > 0) {
            throw GRUKitError.invalidValue(option: "clip", value: "\(clip)", expected: "a finite number > 0")
        }
        return (t, n)
    }

    /// The checks of a batch of sequences beyond the input's rank and width: T ≥ 1, N ≥ 1,
    /// finite values, an initial state (N, H), lengths in 0...T. Returns (T, N).
    static func checkSequence(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>?, hiddenSize: Int, lengths: [Int]?, inputChecked: Bool = false
    ) throws -> (Int, Int) {
        let (t, n) = (input.shape[0], input.shape[1])
        guard t >= 1 else { throw GRUKitError.invalidSize(option: "input: sequence length T", value: t, expected: "≥ 1") }
        guard n >= 1 else { throw GRUKitError.invalidSize(option: "input: batch size N", value: n, expected: "≥ 1") }
        if !inputChecked { try input.requireFinite(name: "input") }
        if let h0 = initialState {
            try h0.requireShape([n, hiddenSize], name: "initial state", meaning: "(N, H)")
            try h0.requireFinite(name: "initial state")
        }
        if let lengths {
            guard lengths.count == n else {
                throw GRUKitError.shapeMismatch(tensor: "lengths", expected: "(N) = [\(n)]", actual: [lengths.count])
            }
            if let bad = lengths.firstIndex(where: { !(0...t).contains($0) }) {
                throw GRUKitError.invalidValue(
                    option: "lengths[\(bad)]", value: "\(lengths[bad])", expected: "a length in 0...\(t) (the input's T)")
            }
        }
        return (t, n)
    }
}

// MARK: - Backward

extension GRULayer {
    /// Backpropagation through time.
    ///
    /// Walks the steps of `trace` in reverse processing order. At each step the gradient reaching
    /// the new state is `∂L/∂h' = outputGradient[t] + (gradient flowing back from the next
    /// step)`; from it, with σ' and tanh' (or f′ and g′) read from the trace (a_g is the
    /// argument of gate g's activation):
    ///
    ///     z keeps the old state:  ∂n = ∂h' ⊙ (1 − z),  ∂z = ∂h' ⊙ (h − n),  ∂h ← ∂h' ⊙ z
    ///     z takes the new state:  ∂n = ∂h' ⊙ z,        ∂z = ∂h' ⊙ (n − h),  ∂h ← ∂h' ⊙ (1 − z)
    ///     ∂a_n = ∂n ⊙ (1 − n²),   ∂a_z = ∂z ⊙ z(1 − z)
    ///     reset after:   ∂r = ∂a_n ⊙ (W_hn h + b_hn);  the recurrent n-row gradient is ∂a_n ⊙ r
    ///     reset before:  ∂u = W_hnᵀ ∂a_n (u = r ⊙ h);  ∂r = ∂u ⊙ h,  ∂h += ∂u ⊙ r
    ///     ∂a_r = ∂r ⊙ r(1 − r)
    ///     ∂h  += W_hhᵀ [∂a_r; ∂a_z; ∂(recurrent n-row)]
    ///
    /// After the loop, the weight gradients are sums over all steps, each one matrix product:
    /// `∂W_ih = Σ_t ∂a_t x_tᵀ`, `∂W_hh = Σ_t ∂a^h_t h_{t−1}ᵀ` (the n rows use `r ⊙ h_{t−1}` when
    /// the reset is before the matmul), and the biases sum the same rows. Steps past a
    /// sequence's length pass its state gradient through unchanged and contribute nothing.
    ///
    /// - Parameters:
    ///   - trace: from ``forward(_:initialState:lengths:)`` on this layer.
    ///   - outputGradient: ∂L/∂output, (T, N, H), or `nil` when the loss ignores the outputs.
    ///   - finalStateGradient: ∂L/∂(final state), (N, H), or `nil` when the loss ignores it.
    ///   - inputGradient: whether to compute ∂L/∂input (one product of T·N · 3H · I
    ///     multiply-adds); `false` when the input is data, as PyTorch skips it for an input that
    ///     does not require a gradient.
    public func backward(
        _ trace: GRULayerTrace<Scalar>, outputGradient: Tensor<Scalar>?, finalStateGradient: Tensor<Scalar>?,
        inputGradient: Bool = true
    ) throws -> GRULayerGradients<Scalar> {
        try checkBackward(trace, outputGradient: outputGradient, finalStateGradient: finalStateGradient)
        let (t, n, h) = (trace.output.shape[0], trace.output.shape[1], hiddenSize)
        let h3 = 3 * h, i = inputSize
        if trace.fast, let layer = self as? GRULayer<Float> {
            return layer.fastBackward(
                trace as! GRULayerTrace<Float>, outputGradient: outputGradient as! Tensor<Float>?,
                finalStateGradient: finalStateGradient as! Tensor<Float>?, inputGradient: inputGradient) as! GRULayerGradients<Scalar>
        }
        let p = parameters

        var dh = finalStateGradient?.scalars ?? [Scalar](repeating: 0, count: n * h)
        var dGi = [Scalar](repeating: 0, count: t * n * h3)  // ∂ of the input-side gate sums
        var dGh = [Scalar](repeating: 0, count: t * n * h3)  // ∂ of the recurrent-side gate sums
        var dPrevious = [Scalar](repeating: 0, count: n * h)
        var du = [Scalar](repeating: 0, count: n * h)

        for step in (0..<t).reversed() {
            let time = reverse ? t - 1 - step : step
            let cell = GRUStep(layer: self, batch: n, time: time, lengths: trace.lengths, step: step)
            if let dy = outputGradient?.scalars {
                for b in 0..<n where cell.isValid(b) {
                    for j in 0..<h { dh[b * h + j] += dy[(time * n + b) * h + j] }
                }
            }
            cell.backward(
                parameters: p, trace: trace, dState: dh, dGi: &dGi, dGh: &dGh,
                dPrevious: &dPrevious, du: &du)
            swap(&dh, &dPrevious)
        }

        // Weight and input gradients: one product each over all T·N rows.
        let rows = t * n
        var dInput: Tensor<Scalar>?
        if inputGradient {
            var d = [Scalar](repeating: 0, count: rows * i)
            Kernels.gemm(.none, .none, m: rows, n: i, k: h3, dGi, 0, lda: h3, p.weightIH.scalars, 0, ldb: i,
                         into: &d, 0, ldc: i, accumulate: false)
            dInput = Tensor(unchecked: [t, n, i], scalars: d)
        }
        var dWih = [Scalar](repeating: 0, count: h3 * i)
        Kernels.gemm(.transposed, .none, m: h3, n: i, k: rows, dGi, 0, lda: h3, trace.input.scalars, 0, ldb: i,
                     into: &dWih, 0, ldc: i, accumulate: false)
        var dWhh = [Scalar](repeating: 0, count: h3 * h)
        switch convention.reset {
        case .afterMatmul:
            Kernels.gemm(.transposed, .none, m: h3, n: h, k: rows, dGh, 0, lda: h3, trace.previousStates, 0, ldb: h,
                         into: &dWhh, 0, ldc: h, accumulate: false)
        case .beforeMatmul:
            Kernels.gemm(.transposed, .none, m: 2 * h, n: h, k: rows, dGh, 0, lda: h3, trace.previousStates, 0, ldb: h,
                         into: &dWhh, 0, ldc: h, accumulate: false)
            Kernels.gemm(.transposed, .none, m: h, n: h, k: rows, dGh, 2 * h, lda: h3, trace.candidateRecurrent, 0, ldb: h,
                         into: &dWhh, 2 * h * h, ldc: h, accumulate: false)
        }
        var gradients = p.zeroed()
        gradients.weightIH.scalars = dWih
        gradients.weightHH.scalars = dWhh
        if p.hasBias {
            Kernels.columnSums(rows: rows, columns: h3, dGi, 0, ld: h3, into: &gradients.biasIH!.scalars, 0, accumulate: false)
            Kernels.columnSums(rows: rows, columns: h3, dGh, 0, ld: h3, into: &gradients.biasHH!.scalars, 0, accumulate: false)
        }
        return GRULayerGradients(
            parameters: gradients, input: dInput, initialState: Tensor(unchecked: [n, h], scalars: dh))
    }

    /// Checks that `trace` comes from this layer (and engine) and the gradients' shapes.
    func checkBackward(_ trace: GRULayerTrace<Scalar>, outputGradient: Tensor<Scalar>?, finalStateGradient: Tensor<Scalar>?) throws {
        let (t, n, h) = (trace.output.shape[0], trace.output.shape[1], hiddenSize)
        let kept = trace.storage.map { $0.capacity >= FastTraceStorage.floats(rows: t * n, hidden: h) } ?? (trace.gates.count == t * n * 3 * h)
        guard trace.input.shape == [t, n, inputSize], kept, trace.finalState.shape == [n, h] else {
            throw GRUKitError.incompatible("backward: the trace does not come from forward(_:initialState:) on a layer of this shape")
        }
        try outputGradient?.requireShape([t, n, h], name: "output gradient", meaning: "(T, N, H)")
        try finalStateGradient?.requireShape([n, h], name: "final state gradient", meaning: "(N, H)")
        if trace.fast && !(usesFastKernels && Scalar.self == Float.self) {
            throw GRUKitError.incompatible("backward: the trace comes from the fast kernels but this layer runs on the reference engine")
        }
    }
}
