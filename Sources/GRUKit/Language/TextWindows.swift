/// A batch of character windows for a character language model: N windows of T characters
/// and, for each character, the class of the character that follows it.
///
///     inputs   (N, T)   class indices, row-major: window n, step t at n·T + t
///     targets  (N, T)   targets[n·T + t] is the character after inputs[n·T + t]
public struct CharacterBatch: TrainingBatch, Equatable {
    /// The input characters' classes, (N, T) row-major.
    public let inputs: [Int]
    /// The next characters' classes, (N, T) row-major.
    public let targets: [Int]
    /// N, the number of windows.
    public let sampleCount: Int
    /// T, the characters per window.
    public let steps: Int

    /// Creates a batch, checking that both lists hold N·T classes.
    ///
    /// - Throws: ``GRUKitError/invalidSize(option:value:expected:)`` or
    ///   ``GRUKitError/shapeMismatch(tensor:expected:actual:)``.
    public init(inputs: [Int], targets: [Int], sampleCount: Int, steps: Int) throws {
        guard sampleCount >= 1 else { throw GRUKitError.invalidSize(option: "batch size", value: sampleCount, expected: "≥ 1") }
        guard steps >= 1 else { throw GRUKitError.invalidSize(option: "sequence length", value: steps, expected: "≥ 1") }
        guard inputs.count == sampleCount * steps else {
            throw GRUKitError.shapeMismatch(tensor: "inputs", expected: "(N, T) = [\(sampleCount), \(steps)]", actual: [inputs.count])
        }
        guard targets.count == inputs.count else {
            throw GRUKitError.shapeMismatch(tensor: "targets", expected: "(N, T) = [\(sampleCount), \(steps)]", actual: [targets.count])
        }
        self.inputs = inputs
        self.targets = targets
        self.sampleCount = sampleCount
        self.steps = steps
    }
}

/// A text cut into windows of T characters, each with its next-character targets, served in
/// batches.
///
/// Window w covers characters `w·T ..< w·T + T` and its targets are characters
/// `w·T + 1 ... w·T + T`: consecutive windows do not overlap (every character is an input
/// once per epoch) and there are ⌊(C − 1) / T⌋ of them for C characters. Characters after the
/// last full window are not used.
public struct TextWindows: Sendable {
    /// The classes of the text's characters.
    public let classes: [Int]
    /// T, the characters per window.
    public let length: Int

    /// - Parameters:
    ///   - classes: the text as class indices (``TextCorpus/classes`` or a part of it).
    ///   - length: T ≥ 1.
    ///   - name: how an error names the text.
    /// - Throws: ``GRUKitError/invalidSize(option:value:expected:)`` for T < 1, or
    ///   ``TextError/tooShort(file:characters:needed:purpose:)`` when not one window fits.
    public init(classes: [Int], length: Int, name: String) throws {
        guard length >= 1 else { throw GRUKitError.invalidSize(option: "sequence length", value: length, expected: "≥ 1") }
        guard classes.count >= length + 1 else {
            throw TextError.tooShort(
                file: name, characters: classes.count, needed: length + 1,
                purpose: "a window of \(length) characters with the next character as its last target")
        }
        self.classes = classes
        self.length = length
    }

    /// The number of windows, ⌊(C − 1) / T⌋.
    public var count: Int { (classes.count - 1) / length }

    /// The batch of the given windows, in the given order.
    public func batch(_ windows: [Int]) throws -> CharacterBatch {
        var inputs: [Int] = [], targets: [Int] = []
        inputs.reserveCapacity(windows.count * length)
        targets.reserveCapacity(windows.count * length)
        for w in windows {
            precondition((0..<count).contains(w), "window \(w) out of 0..<\(count)")
            let start = w * length
            inputs.append(contentsOf: classes[start..<(start + length)])
            targets.append(contentsOf: classes[(start + 1)...(start + length)])
        }
        return try CharacterBatch(inputs: inputs, targets: targets, sampleCount: windows.count, steps: length)
    }

    /// One epoch's batches: every window once, in an order shuffled by `generator`
    /// (Fisher–Yates), cut into batches of `batchSize` (the last may be smaller).
    public func shuffledBatches(batchSize: Int, using generator: inout SeededGenerator) throws -> [CharacterBatch] {
        var order = Array(0..<count)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, generator.index(below: i + 1))
        }
        return try batches(order, batchSize: batchSize)
    }

    /// Every window once, in order, in batches of `batchSize` (for evaluation).
    public func orderedBatches(batchSize: Int) throws -> [CharacterBatch] {
        try batches(Array(0..<count), batchSize: batchSize)
    }

    private func batches(_ order: [Int], batchSize: Int) throws -> [CharacterBatch] {
        guard batchSize >= 1 else { throw GRUKitError.invalidSize(option: "batch size", value: batchSize, expected: "≥ 1") }
        return try stride(from: 0, to: order.count, by: batchSize).map { start in
            try batch(Array(order[start..<min(start + batchSize, order.count)]))
        }
    }
}
