import GRUKit
import Testing

/// Properties of the stack that hold whatever the weights: variable lengths behave like separate
/// runs, streaming like the sequence API, batch-first like time-major.
@Suite struct StackSemanticsTests {
    func stack(layers: Int, direction: GRUDirection, convention: GRUConvention = .pytorch, seed: UInt64) throws -> GRU<Double> {
        var c = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: layers, direction: direction)
        c.convention = convention
        var g = SeededGenerator(seed: seed)
        return try GRU(c, using: &g)
    }

    func uniform(_ shape: [Int], seed: UInt64) throws -> Tensor<Double> {
        var g = SeededGenerator(seed: seed)
        return try .uniform(shape: shape, in: -1...1, using: &g)
    }

    /// Regression: bidirectional + variable lengths must equal running each sequence alone —
    /// the reverse direction starts at its own last step, outputs past the length are zero,
    /// and the final state is the state after the last valid step.
    @Test(arguments: [GRUDirection.forward, .reverse, .bidirectional], GRUConvention.allCases)
    func lengthsEqualSeparateRuns(direction: GRUDirection, convention: GRUConvention) throws {
        let gru = try stack(layers: 2, direction: direction, convention: convention, seed: 1)
        let lengths = [6, 2, 4, 1]
        let x = try uniform([6, 4, 3], seed: 2)
        let h0 = try uniform([2 * direction.count, 4, 4], seed: 3)
        let (output, last) = try gru(x, initialState: h0, lengths: lengths)
        let width = direction.count * 4
        for (b, length) in lengths.enumerated() {
            var alone = [Double]()
            for t in 0..<length { alone += (0..<3).map { x[t, b, $0] } }
            let h0Alone = Tensor(unchecked: [h0.shape[0], 1, 4], scalars: (0..<h0.shape[0]).flatMap { i in (0..<4).map { h0[i, b, $0] } })
            let (o, l) = try gru(Tensor(unchecked: [length, 1, 3], scalars: alone), initialState: h0Alone)
            for t in 0..<6 {
                for j in 0..<width {
                    let expected = t < length ? o[t, 0, j] : 0
                    #expect(abs(output[t, b, j] - expected) <= 1e-14, "sequence \(b) t \(t) j \(j)")
                }
            }
            for i in 0..<h0.shape[0] {
                for j in 0..<4 { #expect(abs(last[i, b, j] - l[i, 0, j]) <= 1e-14, "h_n[\(i)] sequence \(b)") }
            }
        }
    }

    /// Gradients flow the same way: the batch's gradients are the sums of the separate runs'.
    @Test func lengthsGradientsEqualSeparateRuns() throws {
        let gru = try stack(layers: 2, direction: .bidirectional, seed: 4)
        let lengths = [3, 5, 1]
        let x = try uniform([5, 3, 3], seed: 5)
        let dOut = try uniform([5, 3, 8], seed: 6)
        let dLast = try uniform([4, 3, 4], seed: 7)
        let batch = try gru.backward(gru.forward(x, lengths: lengths), outputGradient: dOut, finalStateGradient: dLast)
        var summed = gru.parameters.zeroed()
        for (b, length) in lengths.enumerated() {
            func rows(_ t: Tensor<Double>, _ steps: Int, _ w: Int) -> Tensor<Double> {
                Tensor(unchecked: [steps, 1, w], scalars: (0..<steps).flatMap { s in (0..<w).map { t[s, b, $0] } })
            }
            let alone = try gru.backward(
                gru.forward(rows(x, length, 3)), outputGradient: rows(dOut, length, 8),
                finalStateGradient: Tensor(unchecked: [4, 1, 4], scalars: (0..<4).flatMap { i in (0..<4).map { dLast[i, b, $0] } }))
            summed.add(alone.parameters, scaledBy: 1)
            for t in 0..<5 {
                for j in 0..<3 {
                    let expected = t < length ? alone.input![t, 0, j] : 0
                    #expect(abs(batch.input![t, b, j] - expected) <= 1e-13, "∂x sequence \(b) t \(t)")
                }
            }
        }
        for path in summed.parameterPaths {
            #expect(batch.parameters[keyPath: path.keyPath].maxAbsDifference(from: summed[keyPath: path.keyPath]) <= 1e-12, "\(path.name)")
        }
    }

    /// Streaming one step at a time equals the sequence API.
    @Test(arguments: GRUConvention.allCases)
    func streamingEqualsSequence(convention: GRUConvention) throws {
        let gru = try stack(layers: 3, direction: .forward, convention: convention, seed: 8)
        let x = try uniform([7, 2, 3], seed: 9)
        let h0 = try uniform([3, 2, 4], seed: 10)
        let (output, last) = try gru(x, initialState: h0)
        var stream = try GRUStream(gru, batchSize: 2, initialState: h0)
        for t in 0..<7 {
            let y = try stream.step(x.slice(at: t))
            #expect(y.maxAbsDifference(from: output.slice(at: t)) <= 1e-14, "step \(t)")
        }
        #expect(stream.state.maxAbsDifference(from: last) <= 1e-14)
        #expect(stream.stepCount == 7)
        try stream.reset()
        #expect(stream.state == (try Tensor(zeros: [3, 2, 4])))
        #expect(throws: GRUKitError.self) { try GRUStream(try stack(layers: 1, direction: .bidirectional, seed: 1)) }
        #expect(throws: GRUKitError.shapeMismatch(tensor: "input", expected: "(N, I) = [2, 3]", actual: [1, 3])) {
            try stream.step(Tensor(zeros: [1, 3]))
        }
    }

    /// batch-first is the same computation with the first two axes swapped.
    @Test func batchFirstIsATranspose() throws {
        let timeMajor = try stack(layers: 2, direction: .bidirectional, seed: 11)
        var c = timeMajor.configuration
        c.batchFirst = true
        let batchFirst = try GRU(c, parameters: timeMajor.parameters)
        let x = try uniform([5, 3, 3], seed: 12)
        let (a, aLast) = try timeMajor(x, lengths: [5, 3, 4])
        let (b, bLast) = try batchFirst(x.swappingFirstTwoAxes(), lengths: [5, 3, 4])
        #expect(b.swappingFirstTwoAxes() == a)
        #expect(bLast == aLast)
    }

    /// Dropout is seeded: the same seed gives the same result, another seed another, and no
    /// seed (evaluation) none at all.
    @Test func dropoutIsSeededAndOnlyInTraining() throws {
        var c = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 3)
        c.dropout = 0.5
        var g = SeededGenerator(seed: 13)
        let gru = try GRU<Double>(c, using: &g)
        let x = try uniform([4, 2, 3], seed: 14)
        let a = try gru.forward(x, dropoutSeed: 1).output
        #expect(try gru.forward(x, dropoutSeed: 1).output == a)
        #expect(try gru.forward(x, dropoutSeed: 2).output != a)
        var noDropout = c
        noDropout.dropout = 0
        #expect(try gru.forward(x).output == GRU(noDropout, parameters: gru.parameters)(x).output)
    }
}
