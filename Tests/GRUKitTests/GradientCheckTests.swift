import GRUKit
import Testing

/// BPTT against fourth-order central finite differences in Double, on random weights with
/// input size ≠ hidden size: every parameter, the input and the initial state.
@Suite struct GradientCheckTests {
    static let variants: [(GRUConvention, Bool)] = GRUConvention.allCases.flatMap { c in [(c, true), (c, false)] }
    static let shapes = [(1, 1), (1, 3), (2, 1), (2, 3), (7, 1), (7, 3)]  // (T, N)
    static let heads: [(Loss, Bool, Readout)] = [
        (.binaryCrossEntropy, false, .everyStep), (.binaryCrossEntropy, false, .lastStep),
        (.softmaxCrossEntropy, false, .everyStep), (.softmaxCrossEntropy, false, .lastStep),
        (.softmaxCrossEntropy, true, .everyStep), (.softmaxCrossEntropy, true, .lastStep),
        (.meanSquaredError, false, .everyStep), (.meanSquaredError, false, .lastStep),
    ]

    /// Every convention × bias × (T, N) × loss × head placement.
    @Test(arguments: 0..<variants.count)
    func bpttMatchesFiniteDifferences(variant: Int) throws {
        let (convention, bias) = Self.variants[variant]
        var checked = 0
        for (steps, batch) in Self.shapes {
            for (loss, probabilities, readout) in Self.heads {
                var c = GradientCheckProblem.Configuration()
                (c.inputSize, c.hiddenSize, c.outputSize, c.steps, c.batch) = (3, 4, 3, steps, batch)
                (c.convention, c.bias, c.loss, c.probabilityTargets, c.readout) = (convention, bias, loss, probabilities, readout)
                c.seed = UInt64(100 * variant + 10 * steps + batch)
                let (_, entries) = try GradientCheckProblem(c).check()
                #expect(entries.count == (bias ? 8 : 6))
                for e in entries {
                    #expect(e.passed, "\(convention), bias \(bias), T \(steps), N \(batch), \(loss) at \(readout): \(e.name) relative error \(e.maxRelativeError)")
                }
                checked += 1
            }
        }
        #expect(checked == Self.shapes.count * Self.heads.count)
    }

    /// Sum reduction (the seed texts') as well as mean.
    @Test(arguments: GRUConvention.allCases)
    func sumReduction(convention: GRUConvention) throws {
        var c = GradientCheckProblem.Configuration()
        (c.inputSize, c.hiddenSize, c.outputSize, c.steps, c.batch, c.convention, c.reduction) = (2, 5, 2, 4, 2, convention, .sum)
        let (_, entries) = try GradientCheckProblem(c).check()
        for e in entries { #expect(e.passed, "\(e.name): \(e.maxRelativeError)") }
    }

    /// The checker itself must fail on a wrong gradient: the gradient of another convention.
    @Test func checkerRejectsTheWrongGradient() throws {
        var c = GradientCheckProblem.Configuration()
        (c.inputSize, c.hiddenSize, c.outputSize, c.steps, c.batch) = (3, 4, 3, 5, 2)
        let problem = try GradientCheckProblem(c)
        var other = problem.model
        other.configuration.convention.reset = .afterMatmul
        let wrong = try other.gradients(problem.input, initialState: problem.initialState, target: problem.target, loss: c.loss)
        let checker = GradientCheck()
        let numeric = try checker.numericGradient(of: problem.model.parameters.gru.layers[0].weightHH) { w in
            var m = problem.model
            m.parameters.gru.layers[0].weightHH = w
            return try m.loss(problem.input, initialState: problem.initialState, target: problem.target, loss: c.loss)
        }
        let entry = checker.compare("weight_hh", wrong.gradients.parameters.gru.layers[0].weightHH, numeric, loss: 1)
        #expect(!entry.passed)
        #expect(entry.maxRelativeError > 1e-2)
    }
}
