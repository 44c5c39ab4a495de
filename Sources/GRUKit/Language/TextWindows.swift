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

/// A text cut into windows of T characters, each with its next-character targets: the
/// ``TrainingData`` of a character language model.
///
/// Window w covers characters `w·T ..< w·T + T` and its targets are characters
/// `w·T + 1 ... w·T + T`: consecutive windows do not overlap (every character is an input
/// once per epoch, and no two windows predict the same character) and there are
/// ⌊(C − 1) / T⌋ of them for C characters. Characters after the last full window are not
/// used. A part of the windows (``windows(_:)``, ``split(validationFraction:)``) keeps the
/// text and serves only its windows, as samples `0 ..< count`.
public struct TextWindows: TrainingData {
    /// The classes of the text's characters.
    public let classes: [Int]
    /// T, the characters per window.
    public let length: Int
    /// How errors name the text.
    public let name: String
    /// The windows served, among all ⌊(C − 1) / T⌋ windows of the text.
    public let range: Range<Int>

    /// Every window of a text.
    ///
    /// - Parameters:
    ///   - classes: the text as class indices (``TextCorpus/classes``, or the text encoded with
    ///     a model's vocabulary).
    ///   - length: T ≥ 1.
    ///   - name: how an error names the text.
    /// - Throws: ``GRUKitError/invalidSize(option:value:expected:)`` for T < 1, or
    ///   ``TextError/tooShort(file:characters:needed:purpose:)`` when not one window fits.
    public init(classes: [Int], length: Int, name: String) throws {
        guard length >= 1 else { throw GRUKitError.invalidSize(option: "sequence length", value: length, expected: "≥ 1") }
        guard classes.count >= length + 1 else {
            throw TextError.tooShort(
                file: name, characters: classes.count, needed: length + 1,
                purpose: "a window of \(length) characters and its next character")
        }
        self.init(classes: classes, length: length, name: name, range: 0..<((classes.count - 1) / length))
    }

    /// Every window of a corpus, with the corpus's own vocabulary.
    public init(corpus: TextCorpus, length: Int) throws {
        try self.init(classes: corpus.classes, length: length, name: corpus.name)
    }

    private init(classes: [Int], length: Int, name: String, range: Range<Int>) {
        (self.classes, self.length, self.name, self.range) = (classes, length, name, range)
    }

    /// N, the number of windows served.
    public var count: Int { range.count }
    /// N, the number of windows served (``TrainingData``).
    public var sampleCount: Int { count }
    /// The characters predicted by the windows served, N·T.
    public var characterCount: Int { count * length }

    /// The windows at `indices` (each in `0 ..< count`), in that order, as one batch.
    ///
    /// - Throws: ``GRUKitError/invalidValue(option:value:expected:)`` for an index out of range.
    public func batch(_ indices: [Int]) throws -> CharacterBatch {
        var inputs: [Int] = [], targets: [Int] = []
        inputs.reserveCapacity(indices.count * length)
        targets.reserveCapacity(indices.count * length)
        for i in indices {
            guard (0..<count).contains(i) else {
                throw GRUKitError.invalidValue(option: "window", value: "\(i)", expected: "an index in 0..<\(count)")
            }
            let start = (range.lowerBound + i) * length
            inputs.append(contentsOf: classes[start..<(start + length)])
            targets.append(contentsOf: classes[(start + 1)...(start + length)])
        }
        return try CharacterBatch(inputs: inputs, targets: targets, sampleCount: indices.count, steps: length)
    }

    /// The windows `part` of these (indices in `0 ... count`), over the same text.
    public func windows(_ part: Range<Int>) -> TextWindows {
        let lower = range.lowerBound + min(max(part.lowerBound, 0), count)
        let upper = range.lowerBound + min(max(part.upperBound, 0), count)
        return TextWindows(classes: classes, length: length, name: name, range: lower..<max(lower, upper))
    }

    /// The last windows held out for validation, the rest for training — as a time series is
    /// split (``ValidationSplit/last``): max(1, round(fraction · N)) windows, and at least one
    /// left to train on.
    ///
    /// - Parameter fraction: the share of windows to validate on, in [0, 1); 0 holds out none.
    /// - Returns: the training windows, and the validation windows or `nil` for fraction 0.
    /// - Throws: ``GRUKitError/invalidValue(option:value:expected:)`` for a fraction out of
    ///   range; ``TextError/tooShort(file:characters:needed:purpose:)`` naming how many
    ///   characters a split needs when the text has too few windows for it.
    public func split(validationFraction fraction: Double) throws -> (training: TextWindows, validation: TextWindows?) {
        guard fraction.isFinite, (0..<1).contains(fraction) else {
            throw GRUKitError.invalidValue(option: "validation fraction", value: "\(fraction)", expected: "a number in [0, 1)")
        }
        guard fraction > 0 else { return (self, nil) }
        func held(_ n: Int) -> Int { max(1, Int((fraction * Double(n)).rounded())) }
        guard held(count) < count else {
            var needed = 2
            while held(needed) >= needed { needed += 1 }
            throw TextError.tooShort(
                file: name, characters: classes.count, needed: needed * length + 1,
                purpose: "a split into \(needed - held(needed)) window(s) of \(length) characters to train on and \(held(needed)) "
                    + "to validate on (validation fraction \(fraction))")
        }
        let k = held(count)
        return (windows(0..<(count - k)), windows((count - k)..<count))
    }
}
