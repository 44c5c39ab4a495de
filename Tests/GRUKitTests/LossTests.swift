import GRUKit
import Testing

/// The losses against values derived by hand.
@Suite struct LossTests {
    func t(_ shape: [Int], _ values: [Double]) throws -> Tensor<Double> { try Tensor(shape: shape, scalars: values) }

    @Test func binaryCrossEntropyIsStableAndExact() throws {
        // ℓ(0, 1) = log 2; ℓ(100, 0) = 100 + log(1 + e^−100); ℓ(−100, 1) = the same; ℓ(3, 1) = log(1 + e^−3).
        let logits = try t([4], [0, 100, -100, 3])
        let target = try t([4], [1, 0, 1, 1])
        let (sum, gradient) = try Loss.binaryCrossEntropy.evaluate(logits: logits, target: .values(target), reduction: .sum)
        let expected = Double.log(2) + 2 * (100 + Double.log(onePlus: Double.exp(-100))) + Double.log(onePlus: Double.exp(-3))
        expectClose(sum, expected, tolerance: 1e-12, "BCE sum")
        // ∂ℓ/∂a = σ(a) − y.
        let sigma3 = 1 / (1 + Double.exp(-3))
        expectClose(gradient, try t([4], [-0.5, 1, -1, sigma3 - 1]), tolerance: 1e-15, "BCE gradient")
        let (mean, meanGradient) = try Loss.binaryCrossEntropy.evaluate(logits: logits, target: .values(target))
        expectClose(mean, expected / 4, tolerance: 1e-12, "BCE mean")
        expectClose(meanGradient.scalars[0], -0.125, tolerance: 1e-15, "BCE mean gradient")
    }

    @Test func softmaxCrossEntropyWithClassesAndProbabilities() throws {
        // Equal logits: ℓ = log 3, ∂ = (⅓, −⅔, ⅓). Huge logits must not overflow.
        let logits = try t([2, 3], [0, 0, 0, 1000, 0, 1000])
        let (value, gradient) = try Loss.softmaxCrossEntropy.evaluate(logits: logits, target: .classes([1, 0]), reduction: .sum)
        expectClose(value, Double.log(3) + Double.log(2), tolerance: 1e-12, "CE")
        expectClose(gradient, try t([2, 3], [1.0 / 3, -2.0 / 3, 1.0 / 3, -0.5, 0, 0.5]), tolerance: 1e-15, "CE gradient")
        // Probability targets: ℓ = Σ_c y_c (log Σ e^a − a_c); with one-hot y it equals the class form.
        let oneHot = try t([2, 3], [0, 1, 0, 1, 0, 0])
        let (p, pg) = try Loss.softmaxCrossEntropy.evaluate(logits: logits, target: .values(oneHot), reduction: .sum)
        expectClose(p, value, tolerance: 1e-12, "CE probabilities")
        expectClose(pg, gradient, tolerance: 1e-15, "CE probabilities gradient")
        // Mean over rows, as PyTorch.
        let (mean, _) = try Loss.softmaxCrossEntropy.evaluate(logits: logits, target: .classes([1, 0]))
        expectClose(mean, value / 2, tolerance: 1e-12, "CE mean")
    }

    @Test func meanSquaredError() throws {
        let (value, gradient) = try Loss.meanSquaredError.evaluate(
            logits: try t([2, 2], [1, 2, 3, 4]), target: .values(try t([2, 2], [0, 2, 5, 4])))
        expectClose(value, (1 + 0 + 4 + 0) / 4.0, tolerance: 1e-15, "MSE")
        expectClose(gradient, try t([2, 2], [0.5, 0, -1, 0]), tolerance: 1e-15, "MSE gradient")
    }

    /// Many Float elements (not a multiple of the 64-element blocks or the 8 partial sums):
    /// the sum within Float rounding of the Double one, each gradient 2 (a − y) / count exactly.
    @Test(arguments: [Reduction.mean, .sum]) func meanSquaredErrorOfManyFloats(reduction: Reduction) throws {
        var g = SeededGenerator(seed: 8)
        let n = 100_003
        let a = try Tensor<Float>.uniform(shape: [n], in: -1...1, using: &g), y = try Tensor<Float>.uniform(shape: [n], in: 0...1, using: &g)
        let (value, gradient) = try Loss.meanSquaredError.evaluate(logits: a, target: .values(y), reduction: reduction)
        let exact = zip(a.scalars, y.scalars).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        let want = reduction == .mean ? exact / Double(n) : exact
        #expect(abs(Double(value) - want) <= 1e-6 * want, "\(value) against \(want)")
        for e in [0, 1, 63, 64, 99_999, n - 1] {
            let d = 2 * (a.scalars[e] - y.scalars[e])
            #expect(gradient.scalars[e] == (reduction == .mean ? d / Float(n) : d), "element \(e)")
        }
    }

    @Test func badTargetsAreNamed() throws {
        let logits = try t([2, 3], [0, 0, 0, 0, 0, 0])
        #expect(throws: GRUKitError.invalidClassIndex(tensor: "target classes", position: 1, value: 3, classes: 3)) {
            try Loss.softmaxCrossEntropy.evaluate(logits: logits, target: .classes([0, 3]))
        }
        #expect(throws: GRUKitError.shapeMismatch(tensor: "target classes", expected: "one index per logits row = [2]", actual: [3])) {
            try Loss.softmaxCrossEntropy.evaluate(logits: logits, target: .classes([0, 1, 2]))
        }
        #expect(throws: GRUKitError.shapeMismatch(tensor: "target", expected: "the logits' shape = [2, 3]", actual: [3, 2])) {
            try Loss.meanSquaredError.evaluate(logits: logits, target: .values(try t([3, 2], [0, 0, 0, 0, 0, 0])))
        }
        #expect(throws: GRUKitError.self) {
            try Loss.binaryCrossEntropy.evaluate(logits: logits, target: .classes([0, 1]))
        }
        let nan = try t([2, 3], [0, 0, .nan, 0, 0, 0])
        #expect(throws: GRUKitError.nonFinite(tensor: "target", index: [0, 2], value: "nan")) {
            try Loss.meanSquaredError.evaluate(logits: logits, target: .values(nan))
        }
    }
}
