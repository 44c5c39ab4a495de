import Foundation

/// How the next character is drawn from the model's logits.
///
/// With logits a over the vocabulary, temperature τ and the k most likely characters K
/// (ties broken towards the lower index), the distribution is
///
///     p_c = exp((a_c − max a) / τ) / Σ_{c' ∈ K} exp((a_c' − max a) / τ)   for c ∈ K, 0 elsewhere
///
/// τ = 1 is the model's own softmax; τ < 1 sharpens it, τ > 1 flattens it; τ = 0 is its limit,
/// always the most likely character (greedy decoding, ties to the lower index).
public struct SamplingOptions: Hashable, Sendable {
    /// τ ≥ 0; 0 means greedy.
    public var temperature: Double
    /// k ≥ 1: sample among the k most likely characters only; `nil` for all of them.
    public var topK: Int?

    public init(temperature: Double = 1, topK: Int? = nil) {
        self.temperature = temperature
        self.topK = topK
    }

    /// Greedy decoding: always the most likely character.
    public static let greedy = SamplingOptions(temperature: 0)

    /// Throws unless τ is finite and ≥ 0 and k is in `1 ... vocabularySize`.
    public func validate(vocabularySize: Int) throws {
        guard temperature.isFinite, temperature >= 0 else {
            throw GRUKitError.invalidValue(option: "temperature", value: "\(temperature)", expected: "a finite number ≥ 0 (0 is greedy)")
        }
        if let topK, !(1...max(vocabularySize, 1)).contains(topK) {
            throw GRUKitError.invalidSize(
                option: "top-k", value: topK, expected: "1 to \(vocabularySize), the size of the model's vocabulary")
        }
    }
}

/// Drawing a class from logits with a temperature and a top-k cut.
public enum CharacterSampling {
    /// The distribution ``draw(from:options:using:)`` samples from (see ``SamplingOptions``).
    ///
    /// - Parameters:
    ///   - logits: one per class, finite.
    ///   - options: τ and k (k larger than the class count means all classes).
    /// - Returns: one probability per class, summing to 1.
    public static func distribution<Scalar: GRUScalar>(_ logits: [Scalar], options: SamplingOptions) -> [Double] {
        precondition(!logits.isEmpty, "sampling needs at least one logit")
        let a = logits.map { Double($0) }
        // Ranked by logit, ties to the lower index.
        func before(_ i: Int, _ j: Int) -> Bool { a[i] > a[j] || (a[i] == a[j] && i < j) }
        var candidates = Array(a.indices)
        if let k = options.topK, k < a.count {
            candidates = Array(candidates.sorted(by: before).prefix(max(k, 1)))
        }
        var p = [Double](repeating: 0, count: a.count)
        if options.temperature == 0 {
            p[candidates.min(by: before)!] = 1
            return p
        }
        let top = candidates.map { a[$0] }.max()!
        var total = 0.0
        for c in candidates {
            p[c] = Foundation.exp((a[c] - top) / options.temperature)  // ≤ 1, and 1 at the top
            total += p[c]
        }
        for c in candidates { p[c] /= total }
        return p
    }

    /// One class drawn from the logits: the inverse of the cumulative distribution at a uniform
    /// number from `generator` (one draw per call, so a seed fixes every choice).
    public static func draw<Scalar: GRUScalar>(
        from logits: [Scalar], options: SamplingOptions, using generator: inout SeededGenerator
    ) -> Int {
        let p = distribution(logits, options: options)
        let u = generator.nextUnit()
        var cumulative = 0.0
        var last = 0
        for (c, pc) in p.enumerated() where pc > 0 {
            cumulative += pc
            last = c
            if u < cumulative { return c }
        }
        return last  // u beyond the rounded total
    }
}
