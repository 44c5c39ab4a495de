import GRUKit
import Testing

/// The initialisation schemes' ranges and structure (their draws come from GRUKit's own
/// generator, so the references are the schemes' definitions, not PyTorch's numbers).
@Suite struct InitializationTests {
    @Test func pytorchDefaultIsUniformInOneOverRootH() throws {
        var g = SeededGenerator(seed: 4)
        let p = try GRUParameters<Double>.initialized(.pytorch, inputSize: 3, hiddenSize: 16, using: &g)
        let bound = 1 / 16.0.squareRoot()
        for t in p.tensors { #expect(t.scalars.allSatisfy { abs($0) <= bound }) }
        // Spread over the whole range, not a corner of it.
        #expect(p.weightHH.scalars.max()! > 0.9 * bound && p.weightHH.scalars.min()! < -0.9 * bound)
    }

    @Test func xavierOrthogonalIsGlorotOrthogonalAndZeroBias() throws {
        var g = SeededGenerator(seed: 5)
        let (i, h) = (7, 6)
        let p = try GRUParameters<Double>.initialized(.xavierOrthogonal, inputSize: i, hiddenSize: h, using: &g)
        let limit = (6.0 / Double(i + 3 * h)).squareRoot()
        #expect(p.weightIH.scalars.allSatisfy { abs($0) <= limit })
        #expect(p.weightIH.scalars.max()! > 0.8 * limit)
        #expect(p.biasIH!.scalars.allSatisfy { $0 == 0 } && p.biasHH!.scalars.allSatisfy { $0 == 0 })
        // Each gate's (H, H) block of W_hh is orthogonal: Q Qᵀ = I.
        for gate in 0..<3 {
            for r in 0..<h {
                for s in 0..<h {
                    var dot = 0.0
                    for c in 0..<h { dot += p.weightHH[gate * h + r, c] * p.weightHH[gate * h + s, c] }
                    #expect(abs(dot - (r == s ? 1 : 0)) < 1e-12, "gate \(gate) rows \(r), \(s): \(dot)")
                }
            }
        }
        // The same seed draws the same weights.
        var again = SeededGenerator(seed: 5)
        #expect(try GRUParameters<Double>.initialized(.xavierOrthogonal, inputSize: i, hiddenSize: h, using: &again) == p)
    }
}
