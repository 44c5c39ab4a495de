import Foundation

/// A UTF-8 text for a character language model: its characters, its vocabulary and the
/// class index of every character.
///
/// The text is decoded strictly: any byte sequence that is not UTF-8 (a stray continuation
/// byte, a truncated sequence, an overlong form, a surrogate, a code point above U+10FFFF) is
/// an error naming the file, the byte offset and the line. Nothing is normalised: line endings,
/// a byte-order mark and control characters are characters like any other.
public struct TextCorpus: Sendable {
    /// How errors name the text: its path, or a name the caller chose.
    public let name: String
    /// The characters (Unicode scalars), in order.
    public let characters: [Unicode.Scalar]
    /// The distinct characters, sorted by code point.
    public let vocabulary: CharacterVocabulary
    /// The class index of every character: `classes[i] = vocabulary.index(of: characters[i])`.
    public let classes: [Int]

    /// Reads and decodes a UTF-8 text file.
    ///
    /// - Throws: ``TextError/unreadable(file:reason:)``, ``TextError/empty(file:)`` or
    ///   ``TextError/notUTF8(file:byteOffset:line:bytes:)``, naming the file's path.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw TextError.unreadable(file: url.path, reason: systemReason(for: error))
        }
        try self.init(bytes: data, name: url.path)
    }

    /// Decodes UTF-8 bytes.
    ///
    /// - Parameters:
    ///   - bytes: the text's bytes.
    ///   - name: how errors name the text.
    public init<Bytes: Collection>(bytes: Bytes, name: String) throws where Bytes.Element == UInt8 {
        try self.init(characters: Self.decodeUTF8(bytes, name: name), name: name)
    }

    /// A corpus of a Swift string's Unicode scalars.
    public init(text: String, name: String = "<text>") throws {
        try self.init(characters: Array(text.unicodeScalars), name: name)
    }

    private init(characters: [Unicode.Scalar], name: String) throws {
        guard !characters.isEmpty else { throw TextError.empty(file: name) }
        self.name = name
        self.characters = characters
        vocabulary = CharacterVocabulary(of: characters)
        let vocabulary = vocabulary
        classes = characters.map { vocabulary.index(of: $0)! }
    }

    /// The number of characters.
    public var count: Int { characters.count }

    /// Strict UTF-8 decoding with the standard library's parser, which follows the Unicode
    /// standard's table of well-formed byte sequences (Table 3-7), tracking the byte offset.
    static func decodeUTF8<Bytes: Collection>(_ bytes: Bytes, name: String) throws -> [Unicode.Scalar]
    where Bytes.Element == UInt8 {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0, line = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar == "\n" { line += 1 }
                scalars.append(scalar)
                offset += encoded.count
            case .error(let length):
                let start = bytes.index(bytes.startIndex, offsetBy: offset)
                let bad = Array(bytes[start...].prefix(max(length, 1)))
                throw TextError.notUTF8(file: name, byteOffset: offset, line: line, bytes: bad)
            case .emptyInput:
                return scalars
            }
        }
    }
}
