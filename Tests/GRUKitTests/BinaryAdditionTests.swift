import GRUKit
import Testing

/// The seed experiment must learn: exact sums on fresh pairs with the default settings.
@Suite struct BinaryAdditionTests {
    @Test(arguments: 1...5)
    func learnsToAddWithTheDefaults(seed: UInt64) throws {
        var c = BinaryAddition.Configuration()
        c.seed = seed
        let result = try BinaryAddition(c).run()
        #expect(result.total == 1_000)
        #expect(result.correct == 1_000, "seed \(seed): held-out accuracy \(100 * result.accuracy)%")
    }
}
