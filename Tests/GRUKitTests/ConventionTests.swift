import GRUKit
import Testing

/// The conventions of GRU-CONVENTIONS.md, and regressions for bugs other libraries shipped.
@Suite struct ConventionTests {
    func randomParameters(inputSize: Int = 3, hiddenSize: Int = 5, bias: Bool = true, seed: UInt64) throws -> GRUParameters<Double> {
        var g = SeededGenerator(seed: seed)
        var p = try GRUParameters<Double>.pytorchDefault(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, using: &g)
        // Larger than the default range, so every gate is far from ½ and mistakes show.
        for path in p.parameterPaths { p[keyPath: path.keyPath].scalars = p[keyPath: path.keyPath].scalars.map { 2 * $0 } }
        return p
    }

    func randomInput(steps: Int, batch: Int, size: Int, seed: UInt64) throws -> Tensor<Double> {
        var g = SeededGenerator(seed: seed)
        return try .uniform(shape: [steps, batch, size], in: -1...1, using: &g)
    }

    /// σ(−a) = 1 − σ(a): the two polarities are one model with the z rows negated.
    @Test(arguments: GRUConvention.ResetPlacement.allCases)
    func polaritiesAreTheSameModelWithZNegated(reset: GRUConvention.ResetPlacement) throws {
        let p = try randomParameters(seed: 1)
        let x = try randomInput(steps: 6, batch: 3, size: 3, seed: 2)
        let keeps = GRULayer(parameters: p, convention: GRUConvention(reset: reset, update: .zKeepsOldState))
        let takes = GRULayer(parameters: p.flippingUpdatePolarity(), convention: GRUConvention(reset: reset, update: .zTakesNewState))
        let (a, aLast) = try keeps(x)
        let (b, bLast) = try takes(x)
        expectClose(a, b, tolerance: 1e-14, "output")
        expectClose(aLast, bLast, tolerance: 1e-14, "final state")
        // And flipping twice is the identity.
        #expect(p.flippingUpdatePolarity().flippingUpdatePolarity() == p)
    }

    /// Reset before and after the matmul are different models (with a non-trivial reset gate).
    @Test func resetPlacementsDiffer() throws {
        let p = try randomParameters(seed: 3)
        let x = try randomInput(steps: 4, batch: 2, size: 3, seed: 4)
        let (after, _) = try GRULayer(parameters: p, convention: .pytorch)(x)
        let (before, _) = try GRULayer(parameters: p, convention: .onnxDefault)(x)
        #expect(after.maxAbsDifference(from: before) > 1e-3)
    }

    /// The seed texts' per-gate form, converted, computes the seed equations (transcribed
    /// here independently, one scalar at a time).
    @Test func seedFormConvertsToTheCanonicalLayout() throws {
        let (i, h, steps) = (3, 4, 5)
        var g = SeededGenerator(seed: 9)
        func u(_ shape: [Int]) throws -> Tensor<Double> { try .uniform(shape: shape, in: -1...1, using: &g) }
        let s = SeedGRUWeights(
            wZ: try u([h, i]), wR: try u([h, i]), w: try u([h, i]),
            uZ: try u([h, h]), uR: try u([h, h]), u: try u([h, h]),
            bZ: try u([h]), bR: try u([h]), b: try u([h]))
        let x = try u([steps, 1, i])
        let layer = GRULayer(parameters: try GRUParameters(seedForm: s), convention: .seedTexts)
        let (output, _) = try layer(x)

        func sigmoid(_ a: Double) -> Double { 1 / (1 + Double.exp(-a)) }
        var state = [Double](repeating: 0, count: h)
        for t in 0..<steps {
            func affine(_ w: Tensor<Double>, _ uu: Tensor<Double>, _ b: Tensor<Double>, _ v: [Double], _ k: Int) -> Double {
                var a = b[k]
                for j in 0..<i { a += w[k, j] * x[t, 0, j] }
                for j in 0..<h { a += uu[k, j] * v[j] }
                return a
            }
            let z = (0..<h).map { sigmoid(affine(s.wZ, s.uZ, s.bZ, state, $0)) }
            let r = (0..<h).map { sigmoid(affine(s.wR, s.uR, s.bR, state, $0)) }
            let reset = (0..<h).map { r[$0] * state[$0] }
            let candidate = (0..<h).map { Double.tanh(affine(s.w, s.u, s.b, reset, $0)) }
            state = (0..<h).map { (1 - z[$0]) * state[$0] + z[$0] * candidate[$0] }
            for k in 0..<h { expectClose(output[t, 0, k], state[k], tolerance: 1e-14, "h[\(t)][\(k)]") }
        }
    }

    /// Regression: one library dropped r ⊙ b_hn at t = 0 when h0 was absent. An absent initial
    /// state must equal an explicit zero state, outputs and gradients alike.
    @Test(arguments: GRUConvention.allCases)
    func absentInitialStateEqualsZeroState(convention: GRUConvention) throws {
        var g = SeededGenerator(seed: 5)
        let model = try GRUModel<Double>(inputSize: 3, hiddenSize: 5, outputSize: 2, convention: convention, using: &g)
        let x = try randomInput(steps: 3, batch: 2, size: 3, seed: 6)
        let target = LossTarget<Double>.values(try .uniform(shape: [3, 2, 2], in: -1...1, using: &g))
        let zero = try Tensor<Double>(zeros: [1, 2, 5])
        let absent = try model.gradients(x, initialState: nil, target: target, loss: .meanSquaredError)
        let explicit = try model.gradients(x, initialState: zero, target: target, loss: .meanSquaredError)
        #expect(absent.logits == explicit.logits)
        #expect(absent.gradients.parameters == explicit.gradients.parameters)
        #expect(absent.gradients.initialState == explicit.gradients.initialState)
        // With biases the first step must see b_hn: the output differs from a bias-free model's.
        var noHiddenBias = model
        noHiddenBias.parameters.gru.layers[0].biasHH!.scalars = [Double](repeating: 0, count: 15)
        #expect(try model.logits(x).maxAbsDifference(from: noHiddenBias.logits(x)) > 1e-6)
    }

    /// Regression: two Swift libraries built the recurrent weight as (3H, I). It is (3H, H),
    /// and a layer with I ≠ H must run.
    @Test func recurrentWeightIsHiddenByHidden() throws {
        var g = SeededGenerator(seed: 7)
        let p = try GRUParameters<Float>.pytorchDefault(inputSize: 3, hiddenSize: 5, using: &g)
        #expect(p.weightIH.shape == [15, 3])
        #expect(p.weightHH.shape == [15, 5])
        let wrong = try Tensor<Float>(zeros: [15, 3])
        #expect(throws: GRUKitError.shapeMismatch(tensor: "weight_hh", expected: "(3H, H) with H ≥ 1", actual: [15, 3])) {
            try GRUParameters(weightIH: p.weightIH, weightHH: wrong, biasIH: nil, biasHH: nil)
        }
        let (out, last) = try GRULayer(parameters: p)(try Tensor(zeros: [2, 4, 3]))
        #expect(out.shape == [2, 4, 5])
        #expect(last.shape == [4, 5])
    }

    /// The output's last step is the final state, and Float and Double agree.
    @Test(arguments: GRUConvention.allCases)
    func floatAgreesWithDouble(convention: GRUConvention) throws {
        let p = try randomParameters(bias: false, seed: 11)
        let x = try randomInput(steps: 8, batch: 3, size: 3, seed: 12)
        let (d, dLast) = try GRULayer(parameters: p, convention: convention)(x)
        let pf = try GRUParameters<Float>(
            weightIH: p.weightIH.converted(), weightHH: p.weightHH.converted(), biasIH: nil, biasHH: nil)
        let (f, _) = try GRULayer(parameters: pf, convention: convention)(x.converted())
        expectClose(f.converted(to: Double.self), d, tolerance: 1e-5, "Float vs Double")
        #expect(Array(d.scalars.suffix(15)) == dLast.scalars)
    }
}
