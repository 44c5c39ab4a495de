/// The Protocol Buffers wire format, read from bytes: the only protobuf code ONNX needs.
///
/// A message is a sequence of fields, each a tag (a varint: field number << 3 | wire type)
/// followed by its value: a varint (wire type 0), 8 little-endian bytes (1), a varint length
/// and that many bytes (2: strings, bytes, sub-messages, packed repeated numbers), a group
/// (3 … 4, obsolete) or 4 little-endian bytes (5).
///
/// Every read is checked against the bytes left in the enclosing message before anything is
/// allocated, so a lying length or count costs nothing; nesting (sub-messages and groups) is
/// limited to ``maximumDepth``. Errors are ``ONNXError/malformed(file:path:offset:problem:)``
/// naming the field path (such as `ModelProto.graph.node[2].attribute[0]`) and the byte offset.
struct ProtobufReader {
    /// How a field's value is encoded.
    enum WireType: Int, Sendable, CustomStringConvertible {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5

        var description: String {
            switch self {
            case .varint: "varint (0)"
            case .fixed64: "64-bit (1)"
            case .lengthDelimited: "length-delimited (2)"
            case .startGroup: "start-group (3)"
            case .endGroup: "end-group (4)"
            case .fixed32: "32-bit (5)"
            }
        }
    }

    /// A field's tag: its number, wire type and where the tag starts.
    struct Field {
        let number: Int
        let wireType: WireType
        let offset: Int
    }

    /// The deepest nesting of sub-messages and groups accepted.
    static let maximumDepth = 32

    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int
    private let depth: Int
    /// The message's path, such as `ModelProto.graph`, for errors.
    let path: String
    /// How errors name the bytes' file.
    let file: String

    /// A reader over all of `bytes`, a message of type `message` (its name starts every path).
    init(bytes: [UInt8], file: String, message: String) {
        self.init(bytes: bytes, range: 0..<bytes.count, depth: 0, path: message, file: file)
    }

    private init(bytes: [UInt8], range: Range<Int>, depth: Int, path: String, file: String) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
        self.depth = depth
        self.path = path
        self.file = file
    }

    /// Whether every field of the message has been read.
    var isAtEnd: Bool { position >= end }

    /// The bytes left in this message.
    var remaining: Int { end - position }

    // MARK: Tags and raw values

    /// Reads the next field's tag, or returns `nil` at the end of the message.
    mutating func nextField() throws -> Field? {
        guard !isAtEnd else { return nil }
        let offset = position
        let tag = try readVarint()
        let number = tag >> 3
        guard number >= 1, number <= 0x1FFF_FFFF else { throw error(at: offset, .invalidFieldNumber(number)) }
        guard let wireType = WireType(rawValue: Int(tag & 7)) else {
            throw error(at: offset, .invalidWireType(Int(tag & 7)))
        }
        return Field(number: Int(number), wireType: wireType, offset: offset)
    }

    /// Reads a base-128 varint: at most 10 bytes, at most 64 bits.
    mutating func readVarint() throws -> UInt64 {
        let start = position
        var value: UInt64 = 0
        for i in 0..<10 {
            guard position < end else { throw error(at: start, .truncated(inside: "a varint")) }
            let byte = bytes[position]
            position += 1
            if i == 9, byte > 1 {
                throw error(at: start, byte & 0x80 != 0 ? .varintTooLong : .varintOverflow)
            }
            value |= UInt64(byte & 0x7F) << (7 * UInt64(i))
            if byte & 0x80 == 0 { return value }
        }
        throw error(at: start, .varintTooLong)
    }

    /// Reads `count` little-endian bytes as an integer.
    private mutating func readFixed(_ count: Int) throws -> UInt64 {
        guard remaining >= count else { throw error(at: position, .truncated(inside: "a \(count * 8)-bit value")) }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += count
        return value
    }

    /// Reads a length and returns the range of that many following bytes.
    private mutating func readLength() throws -> Range<Int> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw error(at: start, .lengthPastEnd(length: length, remaining: remaining))
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// Skips a field this reader does not use (unknown fields are ignored, as protobuf does).
    mutating func skip(_ field: Field) throws {
        switch field.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed(8)
        case .fixed32: _ = try readFixed(4)
        case .lengthDelimited: _ = try readLength()
        case .endGroup: throw error(at: field.offset, .unmatchedEndGroup(field.number))
        case .startGroup:
            var group = try child(range: position..<end, name: "group \(field.number)")
            while true {
                guard let inner = try group.nextField() else {
                    throw error(at: field.offset, .truncated(inside: "group \(field.number)"))
                }
                if inner.wireType == .endGroup {
                    guard inner.number == field.number else { throw group.error(at: inner.offset, .unmatchedEndGroup(inner.number)) }
                    break
                }
                try group.skip(inner)
            }
            position = group.position
        }
    }

    // MARK: Typed values, checked against the field's wire type

    /// A varint field (`int64`, `int32`, `uint64`, enums, `bool`) as a two's-complement `Int64`.
    mutating func int64(_ field: Field, _ name: String) throws -> Int64 {
        try expect(field, .varint, name)
        return Int64(bitPattern: try readVarint())
    }

    /// A varint field declared `int32` (or an enum): protobuf sign-extends negatives to 64 bits.
    mutating func int32(_ field: Field, _ name: String) throws -> Int32 {
        let start = position
        let value = try int64(field, name)
        guard let narrow = Int32(exactly: value) else {
            throw error(at: start, .outOfRange(field: name, value: "\(value)", expected: "an int32"))
        }
        return narrow
    }

    /// A `float` field (32-bit).
    mutating func float(_ field: Field, _ name: String) throws -> Float {
        try expect(field, .fixed32, name)
        return Float(bitPattern: UInt32(try readFixed(4)))
    }

    /// A `string` field: length-delimited UTF-8.
    mutating func string(_ field: Field, _ name: String) throws -> String {
        try expect(field, .lengthDelimited, name)
        let range = try readLength()
        guard let string = String(validating: bytes[range], as: UTF8.self) else {
            throw error(at: range.lowerBound, .invalidUTF8(field: name))
        }
        return string
    }

    /// A `bytes` field.
    mutating func bytes(_ field: Field, _ name: String) throws -> [UInt8] {
        try expect(field, .lengthDelimited, name)
        return Array(bytes[try readLength()])
    }

    /// A sub-message field: a reader over its bytes, one level deeper, with `name` on its path.
    mutating func message(_ field: Field, _ name: String) throws -> ProtobufReader {
        try expect(field, .lengthDelimited, name)
        return try child(range: try readLength(), name: name)
    }

    /// One element, or a packed run, of a repeated varint field, appended to `values`.
    mutating func int64s(_ field: Field, _ name: String, into values: inout [Int64]) throws {
        if field.wireType == .varint { return values.append(Int64(bitPattern: try readVarint())) }
        try expect(field, .lengthDelimited, name, alternative: .varint)
        var packed = try child(range: try readLength(), name: name)
        values.reserveCapacity(values.count + packed.remaining / 10)  // ≥ 1 byte per element
        while !packed.isAtEnd { values.append(Int64(bitPattern: try packed.readVarint())) }
    }

    /// One element, or a packed run, of a repeated `int32` field, appended to `values`.
    mutating func int32s(_ field: Field, _ name: String, into values: inout [Int32]) throws {
        let start = position
        var wide: [Int64] = []
        try int64s(field, name, into: &wide)
        for value in wide {
            guard let narrow = Int32(exactly: value) else {
                throw error(at: start, .outOfRange(field: name, value: "\(value)", expected: "an int32"))
            }
            values.append(narrow)
        }
    }

    /// One element, or a packed run, of a repeated `float` field, appended to `values`.
    mutating func floats(_ field: Field, _ name: String, into values: inout [Float]) throws {
        try fixedWidth(field, name, .fixed32, into: &values) { Float(bitPattern: UInt32(littleEndianBytes: $0, at: $1)) }
    }

    /// One element, or a packed run, of a repeated `double` field, appended to `values`.
    mutating func doubles(_ field: Field, _ name: String, into values: inout [Double]) throws {
        try fixedWidth(field, name, .fixed64, into: &values) { Double(bitPattern: UInt64(littleEndianBytes: $0, at: $1)) }
    }

    /// One element of wire type `wireType` (fixed32: 4 bytes, fixed64: 8), or a packed run of
    /// them, appended to `values`; `element(bytes, offset)` decodes the one at `offset`.
    private mutating func fixedWidth<Element>(
        _ field: Field, _ name: String, _ wireType: WireType, into values: inout [Element], _ element: ([UInt8], Int) -> Element
    ) throws {
        let size = wireType == .fixed32 ? 4 : 8
        if field.wireType == wireType {
            let start = position
            _ = try readFixed(size)
            return values.append(element(bytes, start))
        }
        try expect(field, .lengthDelimited, name, alternative: wireType)
        let range = try readLength()
        guard range.count % size == 0 else { throw error(at: range.lowerBound, .packedLength(field: name, length: range.count, elementSize: size)) }
        values.reserveCapacity(values.count + range.count / size)
        for i in stride(from: range.lowerBound, to: range.upperBound, by: size) {
            values.append(element(bytes, i))
        }
    }

    // MARK: Helpers

    /// A reader for `range` (within this message), one level deeper.
    private func child(range: Range<Int>, name: String) throws -> ProtobufReader {
        guard depth < Self.maximumDepth else { throw error(at: range.lowerBound, .tooDeep(limit: Self.maximumDepth)) }
        return ProtobufReader(bytes: bytes, range: range, depth: depth + 1, path: path + "." + name, file: file)
    }

    private func expect(_ field: Field, _ wireType: WireType, _ name: String, alternative: WireType? = nil) throws {
        guard field.wireType != wireType else { return }
        let expected = alternative.map { "\($0) or \(wireType) (packed)" } ?? "\(wireType)"
        throw error(at: field.offset, .wrongWireType(field: "\(name) (field \(field.number))", expected: expected, found: "\(field.wireType)"))
    }

    /// The error for `problem` at byte `offset` of this message's file.
    func error(at offset: Int, _ problem: ProtobufProblem) -> ONNXError {
        .malformed(file: file, path: path, offset: offset, problem: problem)
    }
}

extension FixedWidthInteger {
    /// The little-endian value in `bytes[offset ..< offset + size]` (the caller checked the range).
    init(littleEndianBytes bytes: [UInt8], at offset: Int) {
        var value: Self = 0
        for i in 0..<(Self.bitWidth / 8) { value |= Self(bytes[offset + i]) << (8 * i) }
        self = value
    }
}
