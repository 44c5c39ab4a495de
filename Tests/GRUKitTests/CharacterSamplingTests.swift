import Foundation
import GRUKit
import Testing

/// Drawing the next character: temperature, top-k, seeds, and the distribution itself.
@Suite struct CharacterSamplingTests {
    let logits: [Float] = [0.3, -1.2, 2.0, 0.9, 2.0, -0.4, 1.1, -2.5]

    /// softmax(a / τ), computed here independently of the library.
    func softmax(_ a: [Float], temperature: Double = 1) -> [Double] {
        let m = Double(a.max()!)
        let e = a.map { Foundation.exp((Double($0) - m) / temperature) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// Pearson's χ² of observed counts against expected probabilities (cells with p = 0 must be empty).
    func chiSquare(_ counts: [Int], _ p: [Double], draws: Int) -> Double {
        var x2 = 0.0
        for (c, pc) in zip(counts, p) where pc > 0 {
            let expected = pc * Double(draws)
            x2 += (Double(c) - expected) * (Double(c) - expected) / expected
        }
        return x2
    }

    func counts(_ options: SamplingOptions, draws: Int, seed: UInt64) -> [Int] {
        var g = SeededGenerator(seed: seed)
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<draws { counts[CharacterSampling.draw(from: logits, options: options, using: &g)] += 1 }
        return counts
    }

    @Test func temperatureOneMatchesTheSoftmax() {
        let draws = 40_000
        let observed = counts(SamplingOptions(temperature: 1), draws: draws, seed: 3)
        // 7 degrees of freedom: P(χ² > 24.3) = 0.001.
        let x2 = chiSquare(observed, softmax(logits), draws: draws)
        #expect(x2 < 24.3, "χ² = \(x2) over \(observed)")
        print("sampling at temperature 1: χ² = \(x2) (7 degrees of freedom, 0.001 critical value 24.3)")
    }

    @Test func temperatureScalesTheLogits() {
        let draws = 40_000
        for t in [0.5, 2.0] {
            let x2 = chiSquare(counts(SamplingOptions(temperature: t), draws: draws, seed: 4), softmax(logits, temperature: t), draws: draws)
            #expect(x2 < 24.3, "temperature \(t): χ² = \(x2)")
        }
    }

    @Test func temperatureZeroAndItsLimitAreArgmax() {
        // τ = 0: the two largest logits tie (indices 2 and 4) and the lower index wins.
        #expect(counts(.greedy, draws: 200, seed: 5)[2] == 200)
        // τ → 0: all the mass goes to the largest logit (a tie would split it, as softmax does).
        var unique = logits
        unique[4] = 1.9  // 0.1 below: at τ = 1e-3 its weight is e^(−100)
        for t in [1e-6, 1e-3] {
            var g = SeededGenerator(seed: 5)
            #expect((0..<200).allSatisfy { _ in CharacterSampling.draw(from: unique, options: SamplingOptions(temperature: t), using: &g) == 2 },
                    "temperature \(t)")
        }
        var g = SeededGenerator(seed: 1)
        #expect(CharacterSampling.draw(from: [0.1, 3, -1] as [Float], options: .greedy, using: &g) == 1)
        #expect(CharacterSampling.draw(from: [0.1, 3, 3.001] as [Float], options: SamplingOptions(temperature: 1e-6), using: &g) == 2)
    }

    @Test func topKNeverLeavesTheKMostLikely() {
        let draws = 20_000
        // Ranked: 2 and 4 (tied, 2.0), 6 (1.1), 3 (0.9), 0, 5, 1, 7.
        for (k, allowed) in [(1, [2]), (2, [2, 4]), (3, [2, 4, 6]), (4, [2, 4, 6, 3])] {
            let observed = counts(SamplingOptions(temperature: 1.5, topK: k), draws: draws, seed: UInt64(k))
            for c in observed.indices where !allowed.contains(c) { #expect(observed[c] == 0, "top-\(k) drew \(c)") }
            // Within the k, the softmax renormalised.
            var p = softmax(logits, temperature: 1.5)
            for c in p.indices where !allowed.contains(c) { p[c] = 0 }
            let total = p.reduce(0, +)
            p = p.map { $0 / total }
            let x2 = chiSquare(observed, p, draws: draws)
            #expect(x2 < 16.3, "top-\(k): χ² = \(x2)")  // ≤ 3 degrees of freedom: P(χ² > 16.3) = 0.001
        }
        #expect(counts(SamplingOptions(temperature: 1, topK: 8), draws: 1, seed: 1).reduce(0, +) == 1)
    }

    @Test func theSameSeedGivesTheSameDraws() {
        let a = (0..<3).map { _ in counts(SamplingOptions(temperature: 0.8, topK: 5), draws: 500, seed: 42) }
        #expect(a[0] == a[1] && a[1] == a[2])
        #expect(counts(SamplingOptions(temperature: 0.8), draws: 500, seed: 43) != counts(SamplingOptions(temperature: 0.8), draws: 500, seed: 42))
    }

    @Test func optionsOutOfRangeAreNamed() {
        #expect(throws: GRUKitError.invalidValue(option: "temperature", value: "-0.5", expected: "a finite number ≥ 0 (0 is greedy)")) {
            try SamplingOptions(temperature: -0.5).validate(vocabularySize: 8)
        }
        #expect(throws: GRUKitError.invalidValue(option: "temperature", value: "nan", expected: "a finite number ≥ 0 (0 is greedy)")) {
            try SamplingOptions(temperature: .nan).validate(vocabularySize: 8)
        }
        for k in [0, 9] {
            #expect(throws: GRUKitError.invalidSize(option: "top-k", value: k, expected: "1 to 8, the size of the model's vocabulary")) {
                try SamplingOptions(topK: k).validate(vocabularySize: 8)
            }
        }
    }
}
