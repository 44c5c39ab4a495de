/// A strict, non-recursive reader of JSON (RFC 8259) over UTF-8 bytes, driven by its caller.
///
/// The safetensors header parser walks the header with it value by value, so each schema
/// error is reported where it is found and nothing unexpected is ever built in memory. It
/// rejects what serde_json (the reference reader) rejects: comments, trailing commas,
/// single quotes, unescaped control characters in strings, lone surrogate escapes, leading
/// zeros and non-JSON whitespace. Every byte access is bounds-checked, so it never traps on
/// any input; errors are ``SafeTensorsError/invalidJSON(file:byteOffset:problem:)``.
///
/// The bytes must already be valid UTF-8 (see ``firstInvalidUTF8Offset(in:)``).
struct StrictJSONScanner {
    /// The kind of the next value, from its first byte.
    enum Kind { case object, array, string, number, bool, null }

    /// A number token: its text (shortened for messages) and its value when it is a
    /// non-negative integer without fraction or exponent that fits in `Int`.
    struct Number {
        var text: String
        var nonNegativeInteger: Int?
        /// A plain integer too large for `Int` (as opposed to a negative or fractional number).
        var isTooLarge: Bool
    }

    private let bytes: [UInt8]
    private let file: String
    private var position = 0

    init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    // MARK: Structure

    /// The kind of the next value, after whitespace; throws at the end or on a stray byte.
    mutating func peekKind() throws -> Kind {
        skipWhitespace()
        guard let byte = peek() else { throw failure("unexpected end of the header, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: throw failure("unexpected \(Self.show(byte)), expected a value")
        }
    }

    /// Consumes the `{` that opens an object.
    mutating func beginObject() throws { try expect("{") }

    /// Consumes the separator and key of the next member and the `:` after it, or the closing
    /// `}` (returning `nil`). `isFirst` tells whether this is the object's first member.
    mutating func nextKey(isFirst: Bool) throws -> String? {
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return nil
        }
        if !isFirst {
            try expect(",", or: "}")
            skipWhitespace()
        }
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
        let key = try readString()
        try expect(":")
        return key
    }

    /// Consumes the `[` that opens an array.
    mutating func beginArray() throws { try expect("[") }

    /// Consumes the separator before the next element (returning `true`) or the closing `]`.
    mutating func hasNextElement(isFirst: Bool) throws -> Bool {
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return false
        }
        if !isFirst { try expect(",", or: "]") }
        return true
    }

    /// Throws unless only whitespace remains.
    mutating func expectEnd() throws {
        skipWhitespace()
        if let byte = peek() { throw failure("unexpected \(Self.show(byte)) after the end of the header object") }
    }

    // MARK: Values

    /// Reads a string value, decoding escapes.
    mutating func readString() throws -> String {
        skipWhitespace()
        let start = position
        try expect("\"")
        var utf8: [UInt8] = []
        while let byte = peek() {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try readEscape(into: &utf8)
            case 0..<0x20:
                throw failure("control character \(Self.show(byte)) in a string must be escaped", at: position - 1)
            default:
                utf8.append(byte)  // continuation bytes are ≥ 0x80, so never mistaken for `"` or `\`
            }
        }
        throw failure("unterminated string", at: start)
    }

    /// Reads a number token following the JSON grammar `-? int frac? exp?`.
    mutating func readNumber() throws -> Number {
        skipWhitespace()
        let start = position
        let negative = consume("-")
        var value: Int? = 0
        guard let first = peek(), Self.isDigit(first) else { throw failure("expected a digit") }
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = peek(), Self.isDigit(next) { throw failure("a number must not have leading zeros", at: start) }
        } else {
            while let byte = peek(), Self.isDigit(byte) {
                position += 1
                if let v = value {
                    let (times10, o1) = v.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                    value = o1 || o2 ? nil : sum
                }
            }
        }
        let isPlainInteger = !negative && peek() != UInt8(ascii: ".") && peek() != UInt8(ascii: "e")
            && peek() != UInt8(ascii: "E")
        if consume(".") { try readDigits(after: "'.'") }
        if consume("e") || consume("E") {
            _ = consume("+") || consume("-")
            try readDigits(after: "the exponent")
        }
        let token = bytes[start..<position]
        let text = String(decoding: token.prefix(40), as: UTF8.self) + (token.count > 40 ? "…" : "")
        return Number(
            text: text, nonNegativeInteger: isPlainInteger ? value : nil,
            isTooLarge: isPlainInteger && value == nil)
    }

    /// Describes the next value for an error message (`an array`, `the string "x"`, …),
    /// reading it when it is a scalar so that malformed JSON is still reported as such.
    mutating func describeValue() throws -> String {
        switch try peekKind() {
        case .object: return "an object"
        case .array: return "an array"
        case .string:
            let string = try readString()
            return "the string " + (string.count > 40 ? String(string.prefix(40)) + "…" : string).debugDescription
        case .number: return "the number \(try readNumber().text)"
        case .bool: return try readLiteral("true") ?? readLiteral("false") ?? "a boolean"
        case .null: return try readLiteral("null") ?? "null"
        }
    }

    // MARK: Bytes

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    /// Consumes `ascii` if it comes next (no whitespace skipped).
    private mutating func consume(_ ascii: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: ascii) else { return false }
        position += 1
        return true
    }

    /// Skips whitespace, then consumes `ascii` or throws naming what was expected.
    private mutating func expect(_ ascii: Unicode.Scalar, or alternative: Unicode.Scalar? = nil) throws {
        skipWhitespace()
        guard !consume(ascii) else { return }
        let wanted = "'\(ascii)'" + (alternative.map { " or '\($0)'" } ?? "")
        guard let byte = peek() else { throw failure("unexpected end of the header, expected \(wanted)") }
        throw failure("unexpected \(Self.show(byte)), expected \(wanted)")
    }

    /// Reads one or more digits, or throws.
    private mutating func readDigits(after what: String) throws {
        guard let byte = peek(), Self.isDigit(byte) else { throw failure("expected a digit after \(what)") }
        while let byte = peek(), Self.isDigit(byte) { position += 1 }
    }

    /// Reads `literal` if it comes next, else returns `nil`; throws if it starts but breaks off.
    private mutating func readLiteral(_ literal: String) throws -> String? {
        guard peek() == literal.utf8.first else { return nil }
        for expected in literal.utf8 {
            guard peek() == expected else { throw failure("invalid literal, expected \(literal)") }
            position += 1
        }
        return literal
    }

    /// Decodes the escape after a backslash (already consumed) and appends its UTF-8.
    private mutating func readEscape(into utf8: inout [UInt8]) throws {
        guard let byte = peek() else { throw failure("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte); return
        case UInt8(ascii: "b"): utf8.append(0x08); return
        case UInt8(ascii: "f"): utf8.append(0x0C); return
        case UInt8(ascii: "n"): utf8.append(0x0A); return
        case UInt8(ascii: "r"): utf8.append(0x0D); return
        case UInt8(ascii: "t"): utf8.append(0x09); return
        case UInt8(ascii: "u"): break
        default: throw failure("invalid escape: \(Self.show(byte)) after a backslash", at: position - 2)
        }
        let start = position - 2
        var code = UInt32(try readHex4())
        if (0xD800..<0xDC00).contains(code) {  // a high surrogate must be followed by a low one
            guard consume("\\"), consume("u") else { throw failure("lone surrogate in \\u escape", at: start) }
            let low = UInt32(try readHex4())
            guard (0xDC00..<0xE000).contains(low) else { throw failure("lone surrogate in \\u escape", at: start) }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw failure("lone surrogate in \\u escape", at: start) }
        UTF8.encode(scalar) { utf8.append($0) }
    }

    /// Reads the four hex digits of a `\u` escape.
    private mutating func readHex4() throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let digit = Self.hexValue(byte) else {
                throw failure("expected four hex digits after \\u")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private func failure(_ problem: String, at offset: Int? = nil) -> SafeTensorsError {
        .invalidJSON(file: file, byteOffset: offset ?? position, problem: problem)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A byte for a message: `'x'` when printable ASCII, else `byte 0x1F`.
    private static func show(_ byte: UInt8) -> String {
        guard !(0x21..<0x7F).contains(byte) else { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}

/// The offset of the first byte that is not part of valid UTF-8, or `nil` if all are valid.
///
/// Overlong forms, surrogates and code points past U+10FFFF are invalid, as in Rust's
/// `str::from_utf8`, which the reference reader uses.
func firstInvalidUTF8Offset(in bytes: [UInt8]) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded): offset += encoded.count
        case .emptyInput: return nil
        case .error: return offset
        }
    }
}
