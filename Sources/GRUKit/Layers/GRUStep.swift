/// The arithmetic of one GRU step for a batch, forward and backward side by side.
///
/// A `GRUStep` is a set of offsets into the sequence-wide arrays of ``GRULayer``: where this
/// step's input projection `gi` (N, 3H), gates and slopes (N, 3H) and candidate recurrent term
/// (N, H) live. The layer makes one per step.
struct GRUStep<Scalar: GRUScalar> {
    let convention: GRUConvention
    /// N, the rows of the batch.
    let batch: Int
    /// H.
    let hidden: Int
    /// Offset of this step's rows in `gi` and its gradient, (N, 3H).
    let gi: Int
    /// Offset of this step's rows in the gates and slopes, (N, 3H).
    let gates: Int
    /// Offset of this step's rows in the candidate recurrent term, (N, H).
    let candidateRecurrent: Int

    /// Advances `state` (N, H) by one step.
    ///
    ///     r = σ(gi_r + W_hr h + b_hr),  z = σ(gi_z + W_hz h + b_hz)
    ///     c = W_hn h + b_hn  (reset after)   or   u = r ⊙ h,  c = W_hn u + b_hn  (reset before)
    ///     n = tanh(gi_n + r ⊙ c)  (reset after)   or   n = tanh(gi_n + c)  (reset before)
    ///     h' = n + z ⊙ (h − n)  (z keeps the old state)   or   h' = h + z ⊙ (n − h)  (z takes the new)
    ///
    /// Writes r, z, n to `gates`, their activation derivatives to `slopes`, and c (reset after)
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
                    let a = gi[self.gi + b * h3 + c] + gh[b * h3 + c] + (bias?[c] ?? 0)
                    let s = Scalar.sigmoid(a)
                    gates[self.gates + b * h3 + c] = s
                    slopes[self.gates + b * h3 + c] = s * (1 - s)
                }
                let r = gates[self.gates + b * h3 + j]
                candidateRecurrent[self.candidateRecurrent + b * h + j] =
                    resetAfter ? gh[b * h3 + 2 * h + j] + (bias?[2 * h + j] ?? 0) : r * state[b * h + j]
            }
        }
        if !resetAfter {
            // gh[:, 2H..<3H] = u W_hnᵀ + b_hn, with u = r ⊙ h.
            Kernels.gemm(.none, .transposed, m: n, n: h, k: h, candidateRecurrent, self.candidateRecurrent, lda: h,
                         p.weightHH.scalars, 2 * h * h, ldb: h, into: &gh, 2 * h, ldc: h3, accumulate: false)
        }
        for b in 0..<n {
            for j in 0..<h {
                let g = self.gates + b * h3
                let (r, z) = (gates[g + j], gates[g + h + j])
                let recurrent = resetAfter
                    ? r * candidateRecurrent[self.candidateRecurrent + b * h + j]
                    : gh[b * h3 + 2 * h + j] + (bias?[2 * h + j] ?? 0)
                let candidate = Scalar.tanh(gi[self.gi + b * h3 + 2 * h + j] + recurrent)
                gates[g + 2 * h + j] = candidate
                slopes[g + 2 * h + j] = 1 - candidate * candidate
                let old = state[b * h + j]
                state[b * h + j] = convention.update == .zKeepsOldState
                    ? candidate + z * (old - candidate)
                    : old + z * (candidate - old)
            }
        }
    }

    /// Takes ∂L/∂h' (`dState`, N × H) back through one step.
    ///
    /// Writes this step's gate-sum gradients to `dGi` (input side) and `dGh` (recurrent side)
    /// and ∂L/∂h (the state entering the step) to `dPrevious`. `du` (N, H) is scratch.
    /// The equations are on ``GRULayer/backward(_:outputGradient:finalStateGradient:)``.
    func backward(
        parameters p: GRUParameters<Scalar>, trace: GRULayerTrace<Scalar>, dState: [Scalar],
        dGi: inout [Scalar], dGh: inout [Scalar], dPrevious: inout [Scalar], du: inout [Scalar]
    ) {
        let (n, h, h3) = (batch, hidden, 3 * hidden)
        let resetAfter = convention.reset == .afterMatmul
        let keepsOld = convention.update == .zKeepsOldState
        for b in 0..<n {
            for j in 0..<h {
                let g = self.gates + b * h3
                let (r, z, candidate) = (trace.gates[g + j], trace.gates[g + h + j], trace.gates[g + 2 * h + j])
                let old = trace.previousStates[self.candidateRecurrent + b * h + j]
                let dOut = dState[b * h + j]
                let dCandidate = keepsOld ? dOut * (1 - z) : dOut * z
                let dUpdate = keepsOld ? dOut * (old - candidate) : dOut * (candidate - old)
                dPrevious[b * h + j] = keepsOld ? dOut * z : dOut * (1 - z)
                let daN = dCandidate * trace.slopes[g + 2 * h + j]
                let daZ = dUpdate * trace.slopes[g + h + j]
                let row = b * h3
                dGi[self.gi + row + h + j] = daZ
                dGh[self.gates + row + h + j] = daZ
                dGi[self.gi + row + 2 * h + j] = daN
                if resetAfter {
                    let c = trace.candidateRecurrent[self.candidateRecurrent + b * h + j]
                    let daR = daN * c * trace.slopes[g + j]
                    dGi[self.gi + row + j] = daR
                    dGh[self.gates + row + j] = daR
                    dGh[self.gates + row + 2 * h + j] = daN * r
                } else {
                    dGh[self.gates + row + 2 * h + j] = daN
                }
            }
        }
        if !resetAfter {
            // ∂u = ∂a_n W_hn, then ∂r = ∂u ⊙ h and ∂h += ∂u ⊙ r.
            Kernels.gemm(.none, .none, m: n, n: h, k: h, dGh, self.gates + 2 * h, lda: h3,
                         p.weightHH.scalars, 2 * h * h, ldb: h, into: &du, 0, ldc: h, accumulate: false)
            for b in 0..<n {
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
