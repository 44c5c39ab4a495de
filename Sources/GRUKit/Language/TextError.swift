/// What can be wrong with a text given to a character language model, or with characters
/// given to its vocabulary.
///
/// Each case names the file (or the option, such as `--prompt`) and what was expected, so its
/// ``description`` can be shown to a user as it is.
public enum TextError: Error, Equatable, Sendable {
    /// The file cannot be read.
    case unreadable(file: String, reason: String)
    /// The file holds no characters.
    case empty(file: String)
    /// The bytes at `byteOffset` (0-based; on line `line`, 1-based) are not UTF-8.
    case notUTF8(file: String, byteOffset: Int, line: Int, bytes: [UInt8])
    /// The text has `characters` characters where `needed` are needed, for `purpose`.
    case tooShort(file: String, characters: Int, needed: Int, purpose: String)
    /// A character that is not in a model's vocabulary, at `position` (0-based, in characters).
    case unknownCharacter(source: String, character: Unicode.Scalar, position: Int, vocabularySize: Int)
}

extension TextError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .empty(file):
            return "\(file): the file is empty; a character model needs text to learn from"
        case let .notUTF8(file, offset, line, bytes):
            let hex = bytes.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
            return "\(file): not UTF-8: the bytes \(hex.joined(separator: " ")) at byte offset \(offset) (line \(line)) "
                + "are not a valid UTF-8 sequence"
        case let .tooShort(file, characters, needed, purpose):
            return "\(file): \(characters) characters are too few: \(purpose) needs at least \(needed)"
        case let .unknownCharacter(source, character, position, size):
            return "\(source): the character \(TextError.quoted(character)) at position \(position) "
                + "is not in the model's vocabulary of \(size) characters"
        }
    }

    /// A character as it should be shown in a message: quoted, escaped when it is a control
    /// character, with its code point: `'é' (U+00E9)`, `'\n' (U+000A)`.
    static func quoted(_ c: Unicode.Scalar) -> String {
        let hex = String(c.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let shown = c.properties.generalCategory == .control || c.properties.generalCategory == .format
            ? c.escaped(asASCII: true) : String(c)
        return "'\(shown)' (\(code))"
    }
}
