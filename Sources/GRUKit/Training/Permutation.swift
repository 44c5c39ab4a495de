extension SeededGenerator {
    /// A uniformly random order of `0..<count`, by Fisher–Yates with ``index(below:)``.
    ///
    /// Written out rather than `Array.shuffle(using:)`, whose algorithm the standard library
    /// does not promise, so the same seed gives the same order on every Swift version.
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        guard count > 1 else { return order }
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, index(below: i + 1))
        }
        return order
    }
}
