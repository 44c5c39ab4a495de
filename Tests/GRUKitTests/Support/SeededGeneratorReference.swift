/// Reference outputs of xoshiro256** seeded by SplitMix64, computed by a Python transcription
/// of the published algorithms (https://prng.di.unimi.it), not by GRUKit.
enum SeededGeneratorReference {
    /// The first three outputs for seed 0.
    static let seed0: [UInt64] = [11091344671253066420, 13793997310169335082, 1900383378846508768]
}
