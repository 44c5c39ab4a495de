/// The characters a character language model reads and predicts, each with its class index.
///
/// A character is one Unicode scalar (a code point), not a grapheme cluster: scalars are what
/// a UTF-8 file is made of, what Python's `list(text)` gives, and they do not depend on the
/// Unicode version's segmentation rules, so a saved vocabulary means the same on every system.
/// A grapheme such as "é" written as `e` + U+0301 is two characters here.
///
/// The order is fixed: sorted by code point, as Python's `sorted(set(text))` sorts them.
/// Characters are compared by code point, never by `String` equality (which would merge
/// canonically equivalent characters such as U+212B ANGSTROM SIGN and U+00C5 Å).
public struct CharacterVocabulary: Hashable, Sendable {
    /// The characters; the class index of `characters[i]` is `i`.
    public let characters: [Unicode.Scalar]
    private let indices: [UInt32: Int]

    /// The vocabulary of a text: its distinct characters sorted by code point.
    public init<S: Sequence>(of text: S) where S.Element == Unicode.Scalar {
        let distinct = Set(text.lazy.map(\.value))
        self.init(unchecked: distinct.sorted().map { Unicode.Scalar($0)! })
    }

    /// A vocabulary with the given characters in the given order (as a model file stores it).
    ///
    /// - Throws: ``GRUKitError/invalidValue(option:value:expected:)`` when the list is empty or
    ///   holds a character twice.
    public init(characters: [Unicode.Scalar]) throws {
        guard !characters.isEmpty else {
            throw GRUKitError.invalidValue(option: "vocabulary", value: "[]", expected: "at least one character")
        }
        var seen = Set<UInt32>()
        for (i, c) in characters.enumerated() where !seen.insert(c.value).inserted {
            throw GRUKitError.invalidValue(
                option: "vocabulary", value: "\(TextError.quoted(c)) at index \(i)", expected: "each character once")
        }
        self.init(unchecked: characters)
    }

    private init(unchecked characters: [Unicode.Scalar]) {
        self.characters = characters
        var indices: [UInt32: Int] = [:]
        for (i, c) in characters.enumerated() { indices[c.value] = i }
        self.indices = indices
    }

    /// V, the number of characters.
    public var count: Int { characters.count }

    /// The class index of `character`, or `nil` when it is not in the vocabulary.
    public func index(of character: Unicode.Scalar) -> Int? { indices[character.value] }

    /// The class indices of a text's characters.
    ///
    /// - Parameters:
    ///   - text: the characters.
    ///   - source: how an error names the text, such as a file name or `--prompt`.
    /// - Throws: ``TextError/unknownCharacter(source:character:position:vocabularySize:)``
    ///   naming the first character outside the vocabulary.
    public func encode<S: Sequence>(_ text: S, source: String) throws -> [Int] where S.Element == Unicode.Scalar {
        var result: [Int] = []
        for (position, c) in text.enumerated() {
            guard let i = indices[c.value] else {
                throw TextError.unknownCharacter(source: source, character: c, position: position, vocabularySize: count)
            }
            result.append(i)
        }
        return result
    }

    /// The text of a list of class indices (each in `0 ..< count`).
    public func decode(_ classes: [Int]) -> String {
        var scalars = String.UnicodeScalarView()
        for i in classes { scalars.append(characters[i]) }
        return String(scalars)
    }

    /// The characters as a model file's metadata lists them: one string per character.
    public var strings: [String] { characters.map { String($0) } }

    /// A vocabulary from a model file's list of strings, each exactly one Unicode scalar.
    ///
    /// - Throws: ``GRUKitError/invalidValue(option:value:expected:)`` naming the first entry
    ///   that is not one character, or a repeated one.
    public init(strings: [String]) throws {
        var characters: [Unicode.Scalar] = []
        for (i, s) in strings.enumerated() {
            let scalars = Array(s.unicodeScalars)
            guard scalars.count == 1 else {
                throw GRUKitError.invalidValue(
                    option: "vocabulary", value: "entry \(i) \(s.debugDescription) of \(scalars.count) scalars",
                    expected: "each entry one Unicode scalar")
            }
            characters.append(scalars[0])
        }
        try self.init(characters: characters)
    }
}
