/// The validated header of a safetensors file: each tensor's dtype, shape and bytes, and the
/// metadata.
///
/// Layout: an 8-byte little-endian length N, N bytes of UTF-8 JSON, then the data buffer.
/// Validation follows the reference implementation (safetensors 0.8) and is stricter where
/// it is lax:
/// - N ≤ ``SafeTensorsFile/maximumHeaderLength`` and N ≤ the bytes that follow, checked before
///   anything is allocated; the header bytes are then copied (at most N bytes);
/// - the JSON is strict (see ``StrictJSONScanner``), an object whose keys are tensor names
///   plus an optional `__metadata__` (an object of strings, or `null`);
/// - stricter than the reference: duplicate keys and fields other than `dtype`, `shape`,
///   `data_offsets` are errors (the reference keeps the last duplicate and ignores extras);
/// - every size is computed with overflow checks; `end − begin` must equal the shape's bytes;
/// - sorted by offset, the tensors must tile the data buffer exactly: no overlap, no gap, no
///   trailing bytes (as in the reference).
struct SafeTensorsHeader {
    /// The tensors by name.
    var tensors: [String: SafeTensorsFile.TensorInfo] = [:]
    /// The `__metadata__` strings.
    var metadata: [String: String] = [:]
    /// Where the data buffer starts, counted from the start of the file: 8 + N.
    var dataStart = 0

    /// Reads and validates the framing, header and offsets of a whole file.
    ///
    /// - Parameters:
    ///   - fileBytes: every byte of the file.
    ///   - file: the file's name for errors.
    init(fileBytes: UnsafeRawBufferPointer, file: String) throws {
        guard fileBytes.count >= 8 else { throw SafeTensorsError.tooShort(file: file, byteCount: fileBytes.count) }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(fileBytes[i]) }  // little-endian
        guard length <= UInt64(SafeTensorsFile.maximumHeaderLength) else {
            throw SafeTensorsError.headerTooLarge(file: file, headerLength: length)
        }
        let headerLength = Int(length)  // ≤ 100_000_000, so it fits
        guard headerLength <= fileBytes.count - 8 else {
            throw SafeTensorsError.headerPastEnd(file: file, headerLength: length, fileSize: fileBytes.count)
        }
        let header = [UInt8](fileBytes[8..<(8 + headerLength)])
        if let offset = firstInvalidUTF8Offset(in: header) {
            throw SafeTensorsError.headerNotUTF8(file: file, byteOffset: offset)
        }
        dataStart = 8 + headerLength
        var parser = Parser(
            scanner: StrictJSONScanner(header, file: file), file: file, dataSize: fileBytes.count - dataStart)
        try parser.parseHeader(into: &self)
        try Self.checkCoverage(of: tensors, dataSize: parser.dataSize, file: file)
    }

    /// Throws unless the tensors, sorted by offset, tile `0 ..< dataSize` exactly.
    private static func checkCoverage(
        of tensors: [String: SafeTensorsFile.TensorInfo], dataSize: Int, file: String
    ) throws {
        let sorted = tensors.sorted {
            ($0.value.dataOffsets.lowerBound, $0.value.dataOffsets.upperBound, $0.key)
                < ($1.value.dataOffsets.lowerBound, $1.value.dataOffsets.upperBound, $1.key)
        }
        var covered = 0, coveredBy = ""
        for (key, info) in sorted {
            let range = info.dataOffsets
            if range.lowerBound < covered {
                throw SafeTensorsError.offsetsOverlap(
                    file: file, key: key, begin: range.lowerBound, end: range.upperBound, other: coveredBy)
            }
            if range.lowerBound > covered {
                throw SafeTensorsError.uncoveredBytes(file: file, range: covered..<range.lowerBound, before: key)
            }
            if range.upperBound > covered { (covered, coveredBy) = (range.upperBound, key) }
        }
        if covered < dataSize {
            throw SafeTensorsError.uncoveredBytes(file: file, range: covered..<dataSize, before: nil)
        }
    }
}

/// Walks the header JSON with the schema in mind, so each error names its tensor and field.
private struct Parser {
    var scanner: StrictJSONScanner
    let file: String
    /// The size of the data buffer that follows the header.
    let dataSize: Int

    /// Parses the top-level object into `header.tensors` and `header.metadata`.
    mutating func parseHeader(into header: inout SafeTensorsHeader) throws {
        guard try scanner.peekKind() == .object else {
            throw SafeTensorsError.headerNotObject(file: file, found: try scanner.describeValue())
        }
        try scanner.beginObject()
        var sawMetadata = false
        while let key = try scanner.nextKey(isFirst: header.tensors.isEmpty && !sawMetadata) {
            if key == "__metadata__" {
                guard !sawMetadata else { throw SafeTensorsError.duplicateKey(file: file, key: key, field: nil) }
                sawMetadata = true
                header.metadata = try parseMetadata()
            } else {
                guard header.tensors[key] == nil else {
                    throw SafeTensorsError.duplicateKey(file: file, key: key, field: nil)
                }
                header.tensors[key] = try parseEntry(key)
            }
        }
        try scanner.expectEnd()
    }

    /// Parses `__metadata__`: an object of strings, or `null` for none.
    private mutating func parseMetadata() throws -> [String: String] {
        switch try scanner.peekKind() {
        case .null:
            _ = try scanner.describeValue()  // reads and checks the literal
            return [:]
        case .object:
            break
        default:
            throw SafeTensorsError.invalidMetadata(file: file, key: nil, found: try scanner.describeValue())
        }
        try scanner.beginObject()
        var metadata: [String: String] = [:]
        var isFirst = true
        while let key = try scanner.nextKey(isFirst: isFirst) {
            isFirst = false
            guard try scanner.peekKind() == .string else {
                throw SafeTensorsError.invalidMetadata(file: file, key: key, found: try scanner.describeValue())
            }
            let value = try scanner.readString()
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw SafeTensorsError.duplicateKey(file: file, key: "__metadata__", field: key)
            }
        }
        return metadata
    }

    /// Parses one tensor's entry and checks it on its own: dtype, sizes, offsets in range.
    private mutating func parseEntry(_ key: String) throws -> SafeTensorsFile.TensorInfo {
        guard try scanner.peekKind() == .object else {
            throw SafeTensorsError.entryNotObject(file: file, key: key, found: try scanner.describeValue())
        }
        try scanner.beginObject()
        var dtype: SafeTensorsDType?, shape: [Int]?, offsets: [Int]?
        var isFirst = true
        while let field = try scanner.nextKey(isFirst: isFirst) {
            isFirst = false
            func duplicate() -> SafeTensorsError { .duplicateKey(file: file, key: key, field: field) }
            switch field {
            case "dtype":
                guard dtype == nil else { throw duplicate() }
                dtype = try parseDType(key)
            case "shape":
                guard shape == nil else { throw duplicate() }
                shape = try parseIntegers(key, field, expected: Self.shapeExpected)
            case "data_offsets":
                guard offsets == nil else { throw duplicate() }
                offsets = try parseIntegers(key, field, expected: Self.offsetsExpected, limit: 2)
            default:
                throw SafeTensorsError.unexpectedField(file: file, key: key, field: field)
            }
        }
        guard let dtype else { throw SafeTensorsError.missingField(file: file, key: key, field: "dtype") }
        guard let shape else { throw SafeTensorsError.missingField(file: file, key: key, field: "shape") }
        guard let offsets else { throw SafeTensorsError.missingField(file: file, key: key, field: "data_offsets") }
        guard offsets.count == 2 else {
            throw SafeTensorsError.invalidField(
                file: file, key: key, field: "data_offsets", expected: Self.offsetsExpected,
                found: "an array of \(offsets.count) integer\(offsets.count == 1 ? "" : "s")")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw SafeTensorsError.offsetsReversed(file: file, key: key, begin: begin, end: end) }
        guard end <= dataSize else {
            throw SafeTensorsError.offsetsOutOfRange(file: file, key: key, end: end, dataSize: dataSize)
        }
        var count = 1
        for extent in shape {  // extents are ≥ 0; multiply left to right, as the reference does
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw SafeTensorsError.tooManyElements(file: file, key: key, dtype: dtype, shape: shape) }
            count = product
        }
        guard let bits = dtype.bitCount(of: count) else {
            throw SafeTensorsError.tooManyElements(file: file, key: key, dtype: dtype, shape: shape)
        }
        guard bits % 8 == 0, bits / 8 == end - begin else {
            throw SafeTensorsError.byteCountMismatch(file: file, key: key, dtype: dtype, shape: shape, byteCount: end - begin)
        }
        return SafeTensorsFile.TensorInfo(dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    private static let shapeExpected = "an array of non-negative integers"
    private static let offsetsExpected = "[begin, end], two non-negative integers"

    /// Parses `dtype`: a string naming one of ``SafeTensorsDType``.
    private mutating func parseDType(_ key: String) throws -> SafeTensorsDType {
        guard try scanner.peekKind() == .string else {
            throw SafeTensorsError.invalidField(
                file: file, key: key, field: "dtype", expected: "a string such as \"F32\"",
                found: try scanner.describeValue())
        }
        let name = try scanner.readString()
        guard let dtype = SafeTensorsDType(rawValue: name) else {
            throw SafeTensorsError.unknownDType(file: file, key: key, dtype: name)
        }
        return dtype
    }

    /// Parses an array of non-negative integers that fit in `Int`, reading at most `limit`.
    private mutating func parseIntegers(
        _ key: String, _ field: String, expected: String, limit: Int = .max
    ) throws -> [Int] {
        func invalid(_ found: String) -> SafeTensorsError {
            .invalidField(file: file, key: key, field: field, expected: expected, found: found)
        }
        guard try scanner.peekKind() == .array else { throw invalid(try scanner.describeValue()) }
        try scanner.beginArray()
        var values: [Int] = []
        while try scanner.hasNextElement(isFirst: values.isEmpty) {
            guard values.count < limit else { throw invalid("an array of more than \(limit) integers") }
            guard try scanner.peekKind() == .number else { throw invalid(try scanner.describeValue()) }
            let number = try scanner.readNumber()
            guard let value = number.nonNegativeInteger else {
                throw invalid("the number \(number.text)" + (number.isTooLarge ? ", larger than \(Int.max)" : ""))
            }
            values.append(value)
        }
        return values
    }
}
