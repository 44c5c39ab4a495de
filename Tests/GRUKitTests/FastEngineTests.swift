import GRUKit
import Testing

/// The C sequence kernels against the reference Swift engine (in Double), over exhaustive small
/// shapes, every convention, bias, direction and lengths; inference bit-identical to the
/// training forward; and bit-identical results on one and two threads. Run also with
/// GRUKIT_KERNELS=portable for the portable kernels (.ci/run does).
@Suite struct FastEngineTests {
    struct Case: CustomStringConvertible {
        let t: Int, n: Int, i: Int, h: Int
        let convention: GRUConvention
        let bias: Bool, reverse: Bool, lengths: Bool
        var description: String {
            "T\(t) N\(n) I\(i) H\(h) \(convention)\(bias ? "" : " no-bias")\(reverse ? " reverse" : "")\(lengths ? " lengths" : "")"
        }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        var k = 0
        for h in [1, 2, 3, 5, 16, 17, 33, 65] {
            for n in [1, 2, 5] {
                for t in [1, 2, 5] {
                    for convention in GRUConvention.allCases {
                        cases.append(Case(t: t, n: n, i: [1, 3][k % 2], h: h, convention: convention,
                                          bias: k % 2 == 0, reverse: (k / 2) % 2 == 1, lengths: (k / 4) % 2 == 1 && n > 1))
                        k += 1
                    }
                }
            }
        }
        // The pattern above runs no reset-after layer of one row and one group in reverse (the
        // binary-addition model's shape, which inference runs in one loop).
        for update in GRUConvention.UpdatePolarity.allCases {
            cases.append(Case(t: 5, n: 1, i: 3, h: 16, convention: GRUConvention(reset: .afterMatmul, update: update),
                              bias: true, reverse: true, lengths: false))
        }
        return cases
    }()

    /// A reference layer in Double and the same weights in Float on the fast kernels.
    func layers(_ c: Case, seed: UInt64) throws -> (GRULayer<Double>, GRULayer<Float>) {
        var g = SeededGenerator(seed: seed)
        let p = try GRUParameters<Double>.pytorchDefault(inputSize: c.i, hiddenSize: c.h, bias: c.bias, using: &g)
        var reference = GRULayer(parameters: p, convention: c.convention, reverse: c.reverse)
        reference.engine = .reference
        let pf = try GRUParameters<Float>(
            weightIH: p.weightIH.converted(), weightHH: p.weightHH.converted(),
            biasIH: p.biasIH?.converted(), biasHH: p.biasHH?.converted())
        let fast = GRULayer(parameters: pf, convention: c.convention, reverse: c.reverse)
        return (reference, fast)
    }

    /// Relative to the tensor's largest element (at least 1): Float against Double.
    func difference(_ a: Tensor<Float>, _ b: Tensor<Double>) -> Double {
        let scale = max(b.scalars.map { abs($0) }.max() ?? 0, 1)
        return a.converted(to: Double.self).maxAbsDifference(from: b) / scale
    }

    @Test func fastKernelsMatchTheReference() throws {
        var worst = 0.0, place = ""
        for (k, c) in Self.cases.enumerated() {
            let (reference, fast) = try layers(c, seed: UInt64(k))
            #expect(fast.parameters.weightIH.count > 0)
            var g = SeededGenerator(seed: UInt64(1000 + k))
            let x = try Tensor<Double>.uniform(shape: [c.t, c.n, c.i], in: -1...1, using: &g)
            let h0 = try Tensor<Double>.uniform(shape: [c.n, c.h], in: -0.5...0.5, using: &g)
            let lengths = c.lengths ? (0..<c.n).map { $0 == 0 ? c.t : 1 + g.index(below: c.t) } : nil
            let dy = try Tensor<Double>.uniform(shape: [c.t, c.n, c.h], in: -1...1, using: &g)
            let dhN = try Tensor<Double>.uniform(shape: [c.n, c.h], in: -1...1, using: &g)

            let rTrace = try reference.forward(x, initialState: h0, lengths: lengths)
            let rGrad = try reference.backward(rTrace, outputGradient: dy, finalStateGradient: dhN)
            let fTrace = try fast.forward(x.converted(), initialState: h0.converted(), lengths: lengths)
            let fGrad = try fast.backward(fTrace, outputGradient: dy.converted(), finalStateGradient: dhN.converted())
            // Inference keeps no trace and may take other kernels (one row of one group: one
            // loop over the sequence); the same bits as the training forward.
            let inferred = try fast(x.converted(), initialState: h0.converted(), lengths: lengths)
            #expect(inferred.output.scalars.map(\.bitPattern) == fTrace.output.scalars.map(\.bitPattern), "\(c): inference output")
            #expect(inferred.finalState.scalars.map(\.bitPattern) == fTrace.finalState.scalars.map(\.bitPattern),
                    "\(c): inference final state")
            let pairs: [(String, Tensor<Float>, Tensor<Double>)] = [
                ("output", fTrace.output, rTrace.output), ("final state", fTrace.finalState, rTrace.finalState),
                ("∂input", fGrad.input!, rGrad.input!), ("∂h0", fGrad.initialState, rGrad.initialState),
            ] + zip(fGrad.parameters.namedTensors, rGrad.parameters.namedTensors).map { ("∂" + $0.name, $0.tensor, $1.tensor) }
            for (name, a, b) in pairs {
                let d = difference(a, b)
                #expect(d <= 2e-6, "\(c): \(name) differs by \(d)")
                if d > worst { (worst, place) = (d, "\(c): \(name)") }
            }
        }
        print("fast kernels vs reference: \(Self.cases.count) cases, max relative difference \(worst) (\(place))")
    }

    /// The same result bit for bit on one and two threads, including sizes the split cuts unevenly.
    @Test(arguments: GRUConvention.allCases)
    func threadCountDoesNotChangeResults(convention: GRUConvention) throws {
        let two = try ComputeThreads(2)
        // Each is big enough for the fused step to split its unit groups over the two threads (the
        // last two unevenly), the reset-before forward its units (all but (128, 1, 9)), and the
        // backward its units, even for the one row of (128, 1, 9).
        for (h, n, t) in [(64, 8, 5), (40, 16, 3), (128, 1, 9), (80, 16, 4), (144, 12, 3)] {
            for lengths in [false, true] {
                let c = Case(t: t, n: n, i: 7, h: h, convention: convention, bias: true, reverse: lengths, lengths: lengths)
                var (_, layer) = try layers(c, seed: UInt64(h))
                var g = SeededGenerator(seed: 7)
                let x = try Tensor<Float>.uniform(shape: [t, n, 7], in: -1...1, using: &g)
                let dy = try Tensor<Float>.uniform(shape: [t, n, h], in: -1...1, using: &g)
                let l = lengths ? (0..<n).map { 1 + ($0 * 7) % t } : nil
                let one = try layer.backward(layer.forward(x, lengths: l), outputGradient: dy, finalStateGradient: nil)
                let oneOutput = try layer(x, lengths: l).output
                layer.threads = two
                let trace = try layer.forward(x, lengths: l)
                let both = try layer.backward(trace, outputGradient: dy, finalStateGradient: nil)
                #expect(trace.output == oneOutput, "\(c): output")
                #expect(both.parameters == one.parameters, "\(c): weight gradients")
                #expect(both.input == one.input, "\(c): ∂input")
                #expect(both.initialState == one.initialState, "\(c): ∂h0")
            }
        }
    }

    /// A bidirectional stack runs its directions side by side on two threads: the same bits as
    /// on one, forward and backward, in every convention.
    @Test(arguments: GRUConvention.allCases)
    func directionsSideBySideMatchOneThread(convention: GRUConvention) throws {
        var g = SeededGenerator(seed: 11)
        var config = GRUConfiguration(inputSize: 5, hiddenSize: 24, layerCount: 2, direction: .bidirectional)
        config.convention = convention
        var gru = try GRU<Float>(config, using: &g)
        let x = try Tensor<Float>.uniform(shape: [6, 3, 5], in: -1...1, using: &g)
        let dy = try Tensor<Float>.uniform(shape: [6, 3, 48], in: -1...1, using: &g)
        let lengths = [6, 2, 4]
        let oneTrace = try gru.forward(x, lengths: lengths)
        let one = try gru.backward(oneTrace, outputGradient: dy, finalStateGradient: nil)
        gru.threads = try ComputeThreads(2)
        let bothTrace = try gru.forward(x, lengths: lengths)
        let both = try gru.backward(bothTrace, outputGradient: dy, finalStateGradient: nil)
        #expect(bothTrace.output == oneTrace.output && bothTrace.finalState == oneTrace.finalState, "\(convention): forward")
        #expect(both.parameters == one.parameters && both.input == one.input && both.initialState == one.initialState,
                "\(convention): gradients")
        // And the same as the reference engine, within Float rounding.
        var reference = gru
        reference.engine = .reference
        let r = try reference.forward(x, lengths: lengths)
        #expect(r.output.maxAbsDifference(from: bothTrace.output) <= 1e-5, "\(convention): reference")
    }

    /// A trace from one engine cannot be taken back through the other.
    @Test func tracesStayWithTheirEngine() throws {
        let c = Case(t: 2, n: 1, i: 3, h: 4, convention: .pytorch, bias: true, reverse: false, lengths: false)
        var (_, fast) = try layers(c, seed: 1)
        let trace = try fast.forward(Tensor(zeros: [2, 1, 3]))
        fast.activations = GRUActivations(gate: .hardSigmoid(), candidate: .tanh)
        #expect(throws: GRUKitError.self) { try fast.backward(trace, outputGradient: nil, finalStateGradient: nil) }
    }
}

