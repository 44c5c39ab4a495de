import RealModule
/// A seeded, portable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in GRUKit takes one of these, so the same seed gives the same numbers
/// on every machine and Swift version (unlike `SystemRandomNumberGenerator`, and unlike
/// `Float.random(in:using:)`, whose algorithm the standard library does not promise).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        words = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The generator's position: its four state words. ``init(state:)`` continues from it, so
    /// a checkpoint can store a training run's random stream and resume it exactly.
    public var state: [UInt64] { [words.0, words.1, words.2, words.3] }

    /// A generator at a position saved from ``state``.
    ///
    /// - Throws: ``GRUKitError/invalidValue(option:value:expected:)`` unless `state` is four
    ///   words, not all zero (xoshiro's one forbidden state).
    public init(state words: [UInt64]) throws {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw GRUKitError.invalidValue(option: "generator state", value: "\(words)", expected: "four 64-bit words, not all zero")
        }
        self.words = (words[0], words[1], words[2], words[3])
    }

    public mutating func next() -> UInt64 {
        let result = rotate(words.1 &* 5, 7) &* 9
        let t = words.1 << 17
        words.2 ^= words.0
        words.3 ^= words.1
        words.1 ^= words.2
        words.0 ^= words.3
        words.2 ^= t
        words.3 = rotate(words.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform value in `[lower, upper)`, computed in `Double` and then rounded to `Scalar`.
    public mutating func uniform<Scalar: GRUScalar>(_ lower: Scalar, _ upper: Scalar) -> Scalar {
        let l = Double(lower), u = Double(upper)
        return Scalar(l + (u - l) * nextUnit())
    }

    /// A uniform integer in `0 ..< bound` without modulo bias.
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next(upperBound: UInt64(bound)))
    }

    /// A standard normal sample (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = 1 - nextUnit()  // (0, 1]
        let u2 = nextUnit()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }
}

extension Tensor {
    /// A tensor of independent uniform samples in `[lower, upper)`.
    public static func uniform(
        shape: [Int], in range: ClosedRange<Scalar>, using generator: inout SeededGenerator,
        name: String = "tensor"
    ) throws -> Tensor {
        let count = try elementCount(of: shape, name: name)
        var scalars = [Scalar]()
        scalars.reserveCapacity(count)
        for _ in 0..<count { scalars.append(generator.uniform(range.lowerBound, range.upperBound)) }
        return Tensor(unchecked: shape, scalars: scalars)
    }
}
