/// The arithmetic of one GRU step for a batch, forward and backward side by side.
///
/// A `GRUStep` is a set of offsets into the sequence-wide arrays of ``GRULayer``: where this
/// step's input projection `gi` (N, 3H) lives (by time step), and where its gates and slopes
/// (N, 3H), candidate recurrent term and previous state (N, H) live (by processing step).
/// The layer makes one per step.
struct GRUStep<Scalar: GRUScalar> {
    let convention: GRUConvention
    let activations: GRUActivations
    let clip: Scalar?
    /// N, the rows of the batch.
    let batch: Int
    /// H.
    let hidden: Int
    /// The time step t, and the sequence lengths (a row is valid while t < its length).
    let time: Int
    let lengths: [Int]?
    /// Offset of this step's rows in `gi` and its gradient, (N, 3H): by time step.
    let gi: Int
    /// Offset of this step's rows in the gates and slopes, (N, 3H): by processing step.
    let gates: Int
    /// Offset of this step's rows in the candidate recurrent term and previous states, (N, H).
    let candidateRecurrent: Int

    init(layer: GRULayer<Scalar>, batch: Int, time: Int, lengths: [Int]?, step: Int) {
        let h = layer.hiddenSize
        convention = layer.convention
        activations = layer.activations
        clip = layer.clip.map { Scalar($0) }
        self.batch = batch
        hidden = h
        self.time = time
        self.lengths = lengths
        gi = time * batch * 3 * h
        gates = step * batch * 3 * h
        candidateRecurrent = step * batch * h
    }

    /// Whether row `b` is within its sequence at this step.
    @inline(__always)
    func isValid(_ b: Int) -> Bool {
        lengths.map { time < $0[b] } ?? true
    }

    /// f or g at `a` after clipping: the value and the slope (zero where clipped).
    @inline(__always)
    private func activate(_ f: Activation, _ a: Scalar) -> (Scalar, Scalar) {
        guard let clip else { return f(a) }
        if a > clip { return (f(clip).value, 0) }
        if a < -clip { return (f(-clip).value, 0) }
        return f(a)
    }

    /// Advances `state` (N, H) by one step; rows past their sequence's length keep their state.
    ///
    ///     r = f(gi_r + W_hr h + b_hr),  z = f(gi_z + W_hz h + b_hz)
    ///     c = W_hn h + b_hn  (reset after)   or   u = r ⊙ h,  c = W_hn u + b_hn  (reset before)
    ///     n = g(gi_n + r ⊙ c)  (reset after)   or   n = g(gi_n + c)  (reset before)
    ///     h' = n + z ⊙ (h − n)  (z keeps the old state)   or   h' = h + z ⊙ (n − h)  (z takes the new)
    ///
    /// Writes r, z, n to `gates`, the activations' derivatives to `slopes`, and c (reset after)
    /// or u (reset before) to `candidateRecurrent`. `gh` (N, 3H) is scratch for the
    /// recurrent matmul.
    func forward(
        parameters p: GRUParameters<Scalar>, gi: [Scalar], gh: inout [Scalar], state: inout [Scalar],
        gates: inout [Scalar], slopes: inout [Scalar], candidateRecurrent: inout [Scalar]
    ) {
        let (n, h, h3) = (batch, hidden, 3 * hidden)
        let resetAfter = convention.reset == .afterMatmul
        let bias = p.biasHH?.scalars
        // gh[:, 0..<2H or 3H] = h W_hhᵀ: the rows whose input is h itself.
        Kernels.gemm(.none, .transposed, m: n, n: resetAfter ? h3 : 2 * h, k: h, state, 0, lda: h,
                     p.weightHH.scalars, 0, ldb: h, into: &gh, 0, ldc: h3, accumulate: false)
        for b in 0..<n {
            for j in 0..<h {
                for gate in 0..<2 {  // r, then z
                    let c = gate * h + j
                    let (value, slope) = activate(activations.gate, gi[self.gi + b * h3 + c] + gh[b * h3 + c] + (bias?[c] ?? 0))
                    gates[self.gates + b * h3 + c] = value
                    slopes[self.gates + b * h3 + c] = slope
                }
                let r = gates[self.gates + b * h3 + j]
                candidateRecurrent[self.candidateRecurrent + b * h + j] =
                    resetAfter ? gh[b * h3 + 2 * h + j] + (bias?[2 * h + j] ?? 0) : r * state[b * h + j]
            }
        }
        if !resetAfter {
            // gh[:, 2H..<3H] = u W_hnᵀ, with u = r ⊙ h.
            Kernels.gemm(.none, .transposed, m: n, n: h, k: h, candidateRecurrent, self.candidateRecurrent, lda: h,
                         p.weightHH.scalars, 2 * h * h, ldb: h, into: &gh, 2 * h, ldc: h3, accumulate: false)
        }
        let keepsOld = convention.update == .zKeepsOldState
        for b in 0..<n {
            let valid = isValid(b)
            for j in 0..<h {
                let g = self.gates + b * h3
                let (r, z) = (gates[g + j], gates[g + h + j])
                let recurrent = resetAfter
                    ? r * candidateRecurrent[self.candidateRecurrent + b * h + j]
                    : gh[b * h3 + 2 * h + j] + (bias?[2 * h + j] ?? 0)
                let (candidate, slope) = activate(activations.candidate, gi[self.gi + b * h3 + 2 * h + j] + recurrent)
                gates[g + 2 * h + j] = candidate
                slopes[g + 2 * h + j] = slope
                guard valid else { continue }
                let old = state[b * h + j]
                state[b * h + j] = keepsOld ? candidate + z * (old - candidate) : old + z * (candidate - old)
            }
        }
    }

    /// Takes ∂L/∂h' (`dState`, N × H) back through one step.
    ///
    /// Writes this step's gate-sum gradients to `dGi` (input side) and `dGh` (recurrent side)
    /// and ∂L/∂h (the state entering the step) to `dPrevious`. `du` (N, H) is scratch. Rows past
    /// their sequence's length get zero gate gradients and pass `dState` through.
    /// The equations are on ``GRULayer/backward(_:outputGradient:finalStateGradient:inputGradient:)``.
    func backward(
        parameters p: GRUParameters<Scalar>, trace: GRULayerTrace<Scalar>, dState: [Scalar],
        dGi: inout [Scalar], dGh: inout [Scalar], dPrevious: inout [Scalar], du: inout [Scalar]
    ) {
        let (n, h, h3) = (batch, hidden, 3 * hidden)
        let resetAfter = convention.reset == .afterMatmul
        let keepsOld = convention.update == .zKeepsOldState
        for b in 0..<n {
            let row = b * h3
            guard isValid(b) else {
                for c in 0..<h3 {
                    dGi[self.gi + row + c] = 0
                    dGh[self.gates + row + c] = 0
                }
                for j in 0..<h { dPrevious[b * h + j] = dState[b * h + j] }
                continue
            }
            for j in 0..<h {
                let g = self.gates + row
                let (r, z, candidate) = (trace.gates[g + j], trace.gates[g + h + j], trace.gates[g + 2 * h + j])
                let old = trace.previousStates[self.candidateRecurrent + b * h + j]
                let dOut = dState[b * h + j]
                let dCandidate = keepsOld ? dOut * (1 - z) : dOut * z
                let dUpdate = keepsOld ? dOut * (old - candidate) : dOut * (candidate - old)
                dPrevious[b * h + j] = keepsOld ? dOut * z : dOut * (1 - z)
                let daN = dCandidate * trace.slopes[g + 2 * h + j]
                let daZ = dUpdate * trace.slopes[g + h + j]
                dGi[self.gi + row + h + j] = daZ
                dGh[g + h + j] = daZ
                dGi[self.gi + row + 2 * h + j] = daN
                if resetAfter {
                    let c = trace.candidateRecurrent[self.candidateRecurrent + b * h + j]
                    let daR = daN * c * trace.slopes[g + j]
                    dGi[self.gi + row + j] = daR
                    dGh[g + j] = daR
                    dGh[g + 2 * h + j] = daN * r
                } else {
                    dGh[g + 2 * h + j] = daN
                }
            }
        }
        if !resetAfter {
            // ∂u = ∂a_n W_hn, then ∂r = ∂u ⊙ h and ∂h += ∂u ⊙ r (∂u is zero on rows past their length).
            Kernels.gemm(.none, .none, m: n, n: h, k: h, dGh, self.gates + 2 * h, lda: h3,
                         p.weightHH.scalars, 2 * h * h, ldb: h, into: &du, 0, ldc: h, accumulate: false)
            for b in 0..<n where isValid(b) {
                for j in 0..<h {
                    let g = self.gates + b * h3
                    let old = trace.previousStates[self.candidateRecurrent + b * h + j]
                    let daR = du[b * h + j] * old * trace.slopes[g + j]
                    dGi[self.gi + b * h3 + j] = daR
                    dGh[g + j] = daR
                    dPrevious[b * h + j] += du[b * h + j] * trace.gates[g + j]
                }
            }
        }
        // ∂h += [∂a_r ∂a_z (∂a_n ⊙ r)] W_hh  (reset before: the r and z rows only).
        Kernels.gemm(.none, .none, m: n, n: h, k: resetAfter ? h3 : 2 * h, dGh, self.gates, lda: h3,
                     p.weightHH.scalars, 0, ldb: h, into: &dPrevious, 0, ldc: h, accumulate: true)
    }
}
