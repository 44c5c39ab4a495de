@testable import GRUKit
import Testing

/// The fused GRU step (input and recurrent products and the gate arithmetic in one kernel)
/// against a naive step in `Double`, on every implementation, over exhaustive small shapes:
/// rows either side of the 6-row register tile, units either side of the 16-unit group, single
/// rows over four or more groups, k either side of the 256-row k block; both update polarities, with and without biases, rows past
/// their length; and bit-identical results when the unit groups are split across calls or the
/// input side is precomputed for many steps at once.
@Suite struct KernelFusedStepTests {
    struct Case: CustomStringConvertible {
        let n: Int, i: Int, h: Int
        let keepsOld: Bool, bias: Bool, lengths: Bool
        var description: String { "N\(n) I\(i) H\(h)\(keepsOld ? "" : " takes-new")\(bias ? "" : " no-bias")\(lengths ? " lengths" : "")" }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        var k = 0
        for n in [1, 2, 3, 5, 7, 16, 17] {
            for h in [1, 2, 3, 5, 7, 16, 17, 33] {
                for i in [1, 2, 17] {
                    cases.append(Case(n: n, i: i, h: h, keepsOld: k % 2 == 0, bias: k % 3 != 0, lengths: k % 4 == 1))
                    k += 1
                }
            }
        }
        // Single rows (a GEMV, or the last row of 7 = 6 + 1 and 9 = 8 + 1) over four or more
        // groups, which take the gate arithmetic four groups at a time, with partial groups after.
        for n in [1, 7, 9] {
            for h in [64, 65, 100, 144] {
                cases.append(Case(n: n, i: 3, h: h, keepsOld: k % 2 == 0, bias: k % 3 != 0, lengths: k % 4 == 1))
                k += 1
            }
        }
        // More than one k block (k > 256) on the input side and on the recurrent side.
        cases.append(Case(n: 7, i: 300, h: 17, keepsOld: true, bias: true, lengths: false))
        cases.append(Case(n: 3, i: 5, h: 260, keepsOld: false, bias: true, lengths: true))
        return cases
    }()

    /// The naive step in Double: (next, output, gates, candidate) and a per-element error bound
    /// for Float arithmetic on the same inputs.
    static func reference(
        _ c: Case, wih: [Float], whh: [Float], bih: [Float]?, bhh: [Float]?, x: [Float], h: [Float], valid: [Bool]
    ) -> (next: [Double], gates: [Double], candidate: [Double], bound: [Double]) {
        let (n, i, hs) = (c.n, c.i, c.h)
        var next = [Double](repeating: 0, count: n * hs), gates = [Double](repeating: 0, count: 3 * n * hs)
        var candidate = next, bound = next
        let u = 0x1p-24
        for b in 0..<n {
            for j in 0..<hs {
                // Pre-activations a_q = x·W_iq + b_iq (+ h·W_hq + b_hq) and their magnitudes.
                var gi = [Double](repeating: 0, count: 3), gh = gi, mag = gi
                for q in 0..<3 {
                    for p in 0..<i {
                        let t = Double(x[b * i + p]) * Double(wih[(q * hs + j) * i + p])
                        gi[q] += t
                        mag[q] += abs(t)
                    }
                    for p in 0..<hs {
                        let t = Double(h[b * hs + p]) * Double(whh[(q * hs + j) * hs + p])
                        gh[q] += t
                        mag[q] += abs(t)
                    }
                    gi[q] += Double(bih?[q * hs + j] ?? 0)
                    gh[q] += Double(bhh?[q * hs + j] ?? 0)
                    mag[q] += abs(Double(bih?[q * hs + j] ?? 0)) + abs(Double(bhh?[q * hs + j] ?? 0))
                }
                let sigmoid = { (a: Double) -> Double in 1 / (1 + Double.exp(-a)) }
                let r = sigmoid(gi[0] + gh[0]), z = sigmoid(gi[1] + gh[1])
                let nn = Double.tanh(gi[2] + r * gh[2])
                let old = Double(h[b * hs + j])
                let out: Double = c.keepsOld ? (1 - z) * nn + z * old : (1 - z) * old + z * nn
                next[b * hs + j] = valid[b] ? out : old
                gates[b * 3 * hs + j] = r
                gates[b * 3 * hs + hs + j] = z
                gates[b * 3 * hs + 2 * hs + j] = nn
                candidate[b * hs + j] = gh[2]
                // Each product sum is within (k + 3) u Σ|terms| of exact; σ and tanh add a few ulps
                // and have slopes ≤ 1; r multiplies the candidate.
                let magnitude: Double = mag[0] + mag[1] + 2 * mag[2]
                bound[b * hs + j] = Double(i + hs + 4) * u * magnitude + 16 * u
            }
        }
        return (next, gates, candidate, bound)
    }

    @Test(arguments: FastKernels.available)
    func matchesNaiveStep(kernels: FastKernels) {
        var worst = 0.0
        for (k, c) in Self.cases.enumerated() {
            var g = SeededGenerator(seed: UInt64(k + 1))
            let wih = randomFloats(3 * c.h * c.i, &g), whh = randomFloats(3 * c.h * c.h, &g)
            let bih = c.bias ? randomFloats(3 * c.h, &g) : nil, bhh = c.bias ? randomFloats(3 * c.h, &g) : nil
            let x = randomFloats(c.n * c.i, &g), h = randomFloats(c.n * c.h, &g)
            let lengths = c.lengths ? (0..<c.n).map { $0 % 2 } : nil  // time 0: odd rows valid
            let valid = (0..<c.n).map { row in lengths.map { 0 < $0[row] } ?? true }
            let weights = FusedStepWeights(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh, inputSize: c.i, hiddenSize: c.h)
            let garbage = Float.nan
            var result = FusedStepResult(
                next: .init(repeating: garbage, count: c.n * c.h), output: .init(repeating: garbage, count: c.n * c.h),
                gates: .init(repeating: garbage, count: 3 * c.n * c.h), candidate: .init(repeating: garbage, count: c.n * c.h),
                previous: .init(repeating: garbage, count: c.n * c.h))
            kernels.fusedStep(weights, batch: c.n, x: x, h: h, keepsOld: c.keepsOld, lengths: lengths, time: 0, into: &result)
            let expected = Self.reference(c, wih: wih, whh: whh, bih: bih, bhh: bhh, x: x, h: h, valid: valid)
            var failures: [String] = []
            for e in 0..<(c.n * c.h) {
                let b = e / c.h
                let d = abs(Double(result.next[e]) - expected.next[e])
                worst = max(worst, d / expected.bound[e])
                if !(d <= expected.bound[e]) { failures.append("next[\(e)] \(result.next[e]) vs \(expected.next[e])") }
                if result.output[e] != (valid[b] ? result.next[e] : 0) { failures.append("output[\(e)] \(result.output[e])") }
                if result.previous[e] != h[e] { failures.append("previous[\(e)]") }
                if !(abs(Double(result.candidate[e]) - expected.candidate[e]) <= expected.bound[e]) { failures.append("candidate[\(e)]") }
                for q in 0..<3 {
                    let at = b * 3 * c.h + q * c.h + e % c.h
                    if !(abs(Double(result.gates[at]) - expected.gates[at]) <= expected.bound[e]) {
                        failures.append("gate \(q) [\(e)] \(result.gates[at]) vs \(expected.gates[at])")
                    }
                }
            }
            #expect(failures.isEmpty, "\(kernels.name) \(c): \(failures.prefix(4))")

            // Groups split over calls, in reverse order: the same bits.
            let split = weights.groupCount / 2
            var parts = FusedStepResult(
                next: .init(repeating: garbage, count: c.n * c.h), output: .init(repeating: garbage, count: c.n * c.h),
                gates: .init(repeating: garbage, count: 3 * c.n * c.h), candidate: .init(repeating: garbage, count: c.n * c.h),
                previous: .init(repeating: garbage, count: c.n * c.h))
            for groups in [split..<weights.groupCount, 0..<split] {
                kernels.fusedStep(weights, batch: c.n, x: x, h: h, keepsOld: c.keepsOld, lengths: lengths, time: 0,
                                  groups: groups, into: &parts)
            }
            #expect(parts.next.map(\.bitPattern) == result.next.map(\.bitPattern), "\(kernels.name) \(c): split groups")
            #expect(parts.gates.map(\.bitPattern) == result.gates.map(\.bitPattern), "\(kernels.name) \(c): split groups")

            // The input side precomputed (as a layer does for all steps at once): the same bits.
            var precomputed = parts
            kernels.fusedStep(weights, batch: c.n, x: x, h: h, keepsOld: c.keepsOld, lengths: lengths, time: 0,
                              inputProjection: weights.inputProjection(x, rows: c.n, on: kernels), into: &precomputed)
            #expect(precomputed == result || precomputed.next.map(\.bitPattern) == result.next.map(\.bitPattern)
                    && precomputed.gates.map(\.bitPattern) == result.gates.map(\.bitPattern),
                    "\(kernels.name) \(c): precomputed input side")
        }
        print("fused step \(kernels.name): \(Self.cases.count) cases, worst error \(worst) of its bound")
    }

    /// A layer of one row and one group (N = 1, H = 16) runs its whole sequence in one loop
    /// (`gru_steps_row`): the bits of the step called once per time step, for both update
    /// polarities, both directions, sequence lengths from 0 to T, with and without biases, the
    /// input side precomputed or computed by the loop and the step themselves (inputs of 1 to
    /// 3 features, one as wide as the group, and one wider than a k block of the products).
    @Test(arguments: FastKernels.available)
    func oneRowSequenceIsTheStepsBitForBit(kernels: FastKernels) {
        var k = 0
        for t in [1, 2, 3, 5, 17] {
            for keepsOld in [true, false] {
                for reverse in [false, true] {
                    for length in Set([nil, 0, 1, t / 2, t - 1, t]) {
                        k += 1
                        var g = SeededGenerator(seed: UInt64(k))
                        let i = [1, 2, 3, 16, 300][k % 5], bias = k % 3 != 0
                        let weights = FusedStepWeights(
                            weightIH: randomFloats(48 * i, &g), weightHH: randomFloats(48 * 16, &g),
                            biasIH: bias ? randomFloats(48, &g) : nil, biasHH: bias ? randomFloats(48, &g) : nil,
                            inputSize: i, hiddenSize: 16)
                        let x = randomFloats(t * i, &g)
                        let gi = weights.inputProjection(x, rows: t, on: kernels)
                        let h0 = randomFloats(16, &g)
                        let what = "\(kernels.name) T\(t) I\(i)\(keepsOld ? "" : " takes-new")\(reverse ? " reverse" : "") length \(length.map(String.init) ?? "-")"
                        let steps = kernels.rowSequence(weights, x: x, gi: gi, steps: t, h0: h0, keepsOld: keepsOld, length: length,
                                                        reverse: reverse, stepwise: true)
                        for (precomputed, stepwise) in [(true, false), (false, false), (false, true)] {
                            let run = kernels.rowSequence(weights, x: x, gi: precomputed ? gi : nil, steps: t, h0: h0, keepsOld: keepsOld,
                                                          length: length, reverse: reverse, stepwise: stepwise)
                            let how = "\(what), \(stepwise ? "steps" : "loop") \(precomputed ? "on gi" : "on x")"
                            #expect(run.final.map(\.bitPattern) == steps.final.map(\.bitPattern), "\(how): final state")
                            #expect(run.outputs.map(\.bitPattern) == steps.outputs.map(\.bitPattern), "\(how): outputs")
                        }
                        // Not a vacuous agreement: the steps moved the state, and steps past the
                        // length output zeros and keep it.
                        #expect(!steps.outputs.contains { $0.isNaN }, "\(what): every output written")
                        if length == 0 { #expect(steps.final == h0 && steps.outputs.allSatisfy { $0 == 0 }, "\(what): empty sequence") }
                        if length == nil { #expect(steps.final != h0, "\(what): the state moved") }
                    }
                }
            }
        }
    }
}
