import GRUKit
import Testing

/// A last-step head with lengths reads each sequence's last valid step: the logits, loss and
/// gradients of a padded batch equal those of each sequence run alone, for every direction,
/// depth and layout, and BPTT through that readout matches finite differences.
@Suite struct GRUModelReadoutTests {
    static let shapes: [(layers: Int, direction: GRUDirection)] = [(1, .forward), (1, .reverse), (1, .bidirectional), (2, .bidirectional)]

    func model(_ shape: Int, batchFirst: Bool) throws -> GRUModel<Double> {
        var c = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: Self.shapes[shape].layers, direction: Self.shapes[shape].direction)
        c.batchFirst = batchFirst
        var g = SeededGenerator(seed: UInt64(7 + shape))
        return try GRUModel(configuration: c, outputSize: 2, readout: .lastStep, using: &g)
    }

    /// Sequence `n` of a padded batch, cut to its own length: (len, 1, I) or (1, len, I).
    func alone(_ x: Tensor<Double>, _ n: Int, length: Int, batchFirst: Bool) throws -> Tensor<Double> {
        let (t, batch, i) = batchFirst ? (x.shape[1], x.shape[0], x.shape[2]) : (x.shape[0], x.shape[1], x.shape[2])
        var scalars: [Double] = []
        for step in 0..<length {
            let row = batchFirst ? n * t + step : step * batch + n
            scalars += x.scalars[(row * i)..<((row + 1) * i)]
        }
        return try Tensor(shape: batchFirst ? [1, length, i] : [length, 1, i], scalars: scalars)
    }

    @Test(arguments: 0..<shapes.count, [false, true])
    func paddedBatchEqualsEachSequenceAlone(shape: Int, batchFirst: Bool) throws {
        let m = try model(shape, batchFirst: batchFirst)
        let lengths = [5, 2, 4, 1, 3]
        let (t, n) = (5, lengths.count)
        var g = SeededGenerator(seed: 40)
        let x = try Tensor<Double>.uniform(shape: batchFirst ? [n, t, 3] : [t, n, 3], in: -1...1, using: &g)
        let h0 = try Tensor<Double>.uniform(shape: [m.configuration.layerCount * m.configuration.directionCount, n, 4], in: -0.5...0.5, using: &g)
        let y = try Tensor<Double>.uniform(shape: [n, 2], in: -1...1, using: &g)
        let (loss, logits, gradients) = try m.gradients(x, initialState: h0, lengths: lengths, target: .values(y), loss: .meanSquaredError)
        #expect(try m.logits(x, initialState: h0, lengths: lengths) == logits)
        #expect(try m.loss(x, initialState: h0, lengths: lengths, target: .values(y), loss: .meanSquaredError) == loss)

        var expectedLoss = 0.0
        var expected = m.parameters.zeroed()
        for (k, length) in lengths.enumerated() {
            let xk = try alone(x, k, length: length, batchFirst: batchFirst)
            var hScalars: [Double] = []
            for layer in 0..<h0.shape[0] { hScalars += h0.scalars[((layer * n + k) * 4)..<((layer * n + k + 1) * 4)] }
            let hk = try Tensor(shape: [h0.shape[0], 1, 4], scalars: hScalars)
            let yk = try Tensor(shape: [1, 2], scalars: Array(y.scalars[(2 * k)..<(2 * k + 2)]))
            let (l, lk, gk) = try m.gradients(xk, initialState: hk, target: .values(yk), loss: .meanSquaredError)
            for o in 0..<2 { #expect(abs(logits.scalars[2 * k + o] - lk.scalars[o]) < 1e-12, "\(Self.shapes[shape]) sequence \(k): logits") }
            expectedLoss += l / Double(n)
            expected.add(gk.parameters, scaledBy: 1 / Double(n))
            // The input gradient is the sequence's own, and zero on the padding.
            let dx = gradients.input!, i = 3
            for step in 0..<t {
                let row = batchFirst ? k * t + step : step * n + k
                let got: [Double] = Array(dx.scalars[(row * i)..<((row + 1) * i)])
                let want: [Double] = step < length ? gk.input!.scalars[(step * i)..<((step + 1) * i)].map { $0 / Double(n) } : [0, 0, 0]
                for (a, b) in zip(got, want) { #expect(abs(a - b) < 1e-12, "\(Self.shapes[shape]) sequence \(k) step \(step): ∂input") }
            }
            // Step T − 1 of a short sequence is padding, whose output is zero: reading it would give the head's bias.
            if length < t {
                #expect(Array(logits.scalars[(2 * k)..<(2 * k + 2)]) != m.parameters.head.bias!.scalars, "sequence \(k) reads a valid step")
            }
        }
        #expect(abs(loss - expectedLoss) < 1e-12)
        for (a, b) in zip(gradients.parameters.namedTensors, expected.namedTensors) {
            expectClose(a.tensor, b.tensor, tolerance: 1e-12, "\(Self.shapes[shape]) batchFirst \(batchFirst): \(a.name)")
        }
    }

    /// An empty sequence's last step is no step: its states are zeros, so its logits are the
    /// head's bias, and it contributes no gradient to the GRU.
    @Test func anEmptySequenceReadsZeros() throws {
        let m = try model(2, batchFirst: true)
        var g = SeededGenerator(seed: 41)
        let x = try Tensor<Double>.uniform(shape: [2, 3, 3], in: -1...1, using: &g)
        let logits = try m.logits(x, lengths: [3, 0])
        #expect(Array(logits.scalars[2...]) == m.parameters.head.bias!.scalars)
        let y = try Tensor<Double>(shape: [2, 2], scalars: [0.1, 0.2, 0.3, 0.4])
        let both = try m.gradients(x, lengths: [3, 0], target: .values(y), loss: .meanSquaredError)
        #expect(both.gradients.input!.scalars[9...].allSatisfy { $0 == 0 })
    }

    /// Finite differences through the per-sequence readout, with a length-1 sequence in a
    /// bidirectional stack (whose reverse output there has seen one step).
    @Test(arguments: [false, true])
    func bpttThroughTheReadoutMatchesFiniteDifferences(batchFirst: Bool) throws {
        var c = GradientCheckProblem.Configuration()
        (c.inputSize, c.hiddenSize, c.outputSize, c.steps, c.batch) = (2, 3, 2, 5, 4)
        (c.layers, c.direction, c.batchFirst, c.variableLengths, c.readout, c.seed) = (2, .bidirectional, batchFirst, true, .lastStep, 12)
        let problem = try GradientCheckProblem(c)
        #expect(problem.lengths.map { $0.contains { $0 < 5 } } == true, "some sequences are shorter than T")
        let (_, entries) = try problem.check()
        #expect(entries.count == 2 * 2 * 4 + 4)
        for e in entries { #expect(e.passed, "batchFirst \(batchFirst): \(e.name) relative error \(e.maxRelativeError)") }
    }
}
