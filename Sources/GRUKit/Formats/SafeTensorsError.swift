/// Everything that can go wrong when reading or writing a safetensors file.
///
/// Every case names the file (its path, or the name given to
/// ``SafeTensorsFile/init(data:name:)``) and, where one is involved, the tensor `key`, so its
/// ``description`` can be shown to a user as it is. Reading never traps and never allocates
/// more than the file holds, whatever its bytes say.
public enum SafeTensorsError: Error, Equatable, Sendable {
    // MARK: Files

    /// The file could not be opened or read; `reason` is the system's.
    case cannotRead(file: String, reason: String)
    /// The file could not be written; any previous file at that path is unchanged.
    case cannotWrite(file: String, reason: String)

    // MARK: Framing: the 8-byte length and the header bytes

    /// The file is shorter than the 8-byte header length (`byteCount` may be 0: empty file).
    case tooShort(file: String, byteCount: Int)
    /// The header length field exceeds ``SafeTensorsFile/maximumHeaderLength``.
    case headerTooLarge(file: String, headerLength: UInt64)
    /// The header length field says more bytes than follow it in the file.
    case headerPastEnd(file: String, headerLength: UInt64, fileSize: Int)
    /// The header bytes are not UTF-8; `byteOffset` counts from the start of the header.
    case headerNotUTF8(file: String, byteOffset: Int)
    /// The header is not JSON; `byteOffset` counts from the start of the header.
    case invalidJSON(file: String, byteOffset: Int, problem: String)
    /// The header is JSON but not an object.
    case headerNotObject(file: String, found: String)

    // MARK: Header entries

    /// A key appears twice: a tensor name (`field == nil`), a field of one tensor's entry, or
    /// a metadata key (`key == "__metadata__"`, `field` is the metadata key).
    case duplicateKey(file: String, key: String, field: String?)
    /// A tensor's entry is not a JSON object.
    case entryNotObject(file: String, key: String, found: String)
    /// A tensor's entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(file: String, key: String, field: String)
    /// A tensor's entry has a field other than `dtype`, `shape` and `data_offsets`.
    case unexpectedField(file: String, key: String, field: String)
    /// A field holds the wrong kind of value, such as a negative or fractional extent.
    case invalidField(file: String, key: String, field: String, expected: String, found: String)
    /// The dtype is none of ``SafeTensorsDType``.
    case unknownDType(file: String, key: String, dtype: String)
    /// `__metadata__` is not an object (`key == nil`) or its value for `key` is not a string.
    case invalidMetadata(file: String, key: String?, found: String)

    // MARK: Sizes and offsets

    /// The shape's element count, or its size in bits, overflows `Int`.
    case tooManyElements(file: String, key: String, dtype: SafeTensorsDType, shape: [Int])
    /// The `data_offsets` span `byteCount` bytes, which is not what the shape and dtype need.
    case byteCountMismatch(file: String, key: String, dtype: SafeTensorsDType, shape: [Int], byteCount: Int)
    /// The `data_offsets` end before they begin.
    case offsetsReversed(file: String, key: String, begin: Int, end: Int)
    /// The `data_offsets` end past the data buffer, which holds `dataSize` bytes.
    case offsetsOutOfRange(file: String, key: String, end: Int, dataSize: Int)
    /// The bytes `begin ..< end` of tensor `key` are also claimed by tensor `other`.
    case offsetsOverlap(file: String, key: String, begin: Int, end: Int, other: String)
    /// Bytes of the data buffer belong to no tensor: a gap before tensor `before`, or trailing
    /// bytes after the last tensor (`before == nil`). Offsets count from the data buffer.
    case uncoveredBytes(file: String, range: Range<Int>, before: String?)

    // MARK: Reading and writing tensors

    /// No tensor has this name; `available` holds the file's names, sorted.
    case tensorNotFound(file: String, key: String, available: [String])
    /// The tensor's dtype cannot be read as `target` (such as `"Float"` or `"Int"`).
    case cannotConvert(file: String, key: String, dtype: SafeTensorsDType, target: String)
    /// The element at `index` (one integer per axis) has `value`, which `target` cannot hold.
    case notRepresentable(file: String, key: String, index: [Int], value: String, target: String)
    /// ``SafeTensorsWriter`` refused a tensor before any file was involved.
    case cannotAdd(key: String, problem: String)
}

extension SafeTensorsError: CustomStringConvertible {
    /// A message for a user: the file, the tensor where one is involved, and the problem.
    public var description: String {
        switch self {
        case let .cannotRead(file, reason):
            return FileMessage.cannotRead(file, reason)
        case let .cannotWrite(file, reason):
            return FileMessage.cannotWrite(file, reason)
        case let .tooShort(file, byteCount):
            let size = byteCount == 0 ? "is empty" : "holds only \(byteCount) byte\(byteCount == 1 ? "" : "s")"
            return "\(file): the file \(size); a safetensors file starts with an 8-byte header length"
        case let .headerTooLarge(file, headerLength):
            return "\(file): the header length field says \(headerLength) bytes, more than the limit of "
                + "\(SafeTensorsFile.maximumHeaderLength); the file is corrupt or not a safetensors file"
        case let .headerPastEnd(file, headerLength, fileSize):
            return "\(file): the header length field says \(headerLength) bytes but only \(fileSize > 8 ? fileSize - 8 : 0) "
                + "follow it; the file is truncated or not a safetensors file"
        case let .headerNotUTF8(file, byteOffset):
            return "\(file): the header is not valid UTF-8 (at byte \(byteOffset) of the header)"
        case let .invalidJSON(file, byteOffset, problem):
            return "\(file): the header is not valid JSON: \(problem) at byte \(byteOffset) of the header"
        case let .headerNotObject(file, found):
            return "\(file): the header must be a JSON object mapping tensor names to entries, found \(found)"
        case let .duplicateKey(file, key, field):
            let subject: String
            switch (key, field) {
            case (_, nil): subject = key == "__metadata__" ? "__metadata__" : "tensor \(quoted(key))"
            case ("__metadata__", let field?): subject = "metadata key \(quoted(field))"
            case (_, let field?): subject = "tensor \(quoted(key)): field \(quoted(field))"
            }
            return "\(file): \(subject) appears twice in the header"
        case let .entryNotObject(file, key, found):
            return "\(file): tensor \(quoted(key)): the entry must be an object with dtype, shape and "
                + "data_offsets, found \(found)"
        case let .missingField(file, key, field):
            return "\(file): tensor \(quoted(key)): the entry has no \(quoted(field)) field"
        case let .unexpectedField(file, key, field):
            return "\(file): tensor \(quoted(key)): unexpected field \(quoted(field)); an entry holds only "
                + "dtype, shape and data_offsets"
        case let .invalidField(file, key, field, expected, found):
            return "\(file): tensor \(quoted(key)): \(field) must be \(expected), found \(found)"
        case let .unknownDType(file, key, dtype):
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(file): tensor \(quoted(key)): unknown dtype \(quoted(dtype)); known dtypes are \(known)"
        case let .invalidMetadata(file, key?, found):
            return "\(file): __metadata__ value for \(quoted(key)) must be a string, found \(found)"
        case let .invalidMetadata(file, nil, found):
            return "\(file): __metadata__ must be an object of string values, found \(found)"
        case let .tooManyElements(file, key, dtype, shape):
            return "\(file): tensor \(quoted(key)): shape \(shape) of \(dtype.rawValue) has more elements or bits "
                + "than fit in Int"
        case let .byteCountMismatch(file, key, dtype, shape, byteCount):
            return "\(file): tensor \(quoted(key)): shape \(shape) of \(dtype.rawValue) needs "
                + "\(Self.requiredSize(dtype, shape)) but its data_offsets span \(byteCount) bytes"
        case let .offsetsReversed(file, key, begin, end):
            return "\(file): tensor \(quoted(key)): data_offsets [\(begin), \(end)] end before they begin"
        case let .offsetsOutOfRange(file, key, end, dataSize):
            return "\(file): tensor \(quoted(key)): data_offsets end at byte \(end) but the data buffer holds "
                + "only \(dataSize) bytes; the file is truncated or the header is wrong"
        case let .offsetsOverlap(file, key, begin, end, other):
            return "\(file): tensor \(quoted(key)): data_offsets [\(begin), \(end)] overlap those of tensor \(quoted(other))"
        case let .uncoveredBytes(file, range, before):
            let place = before.map { "a gap before tensor \(quoted($0))" } ?? "trailing bytes after the last tensor"
            return "\(file): data bytes \(range.lowerBound)..<\(range.upperBound) belong to no tensor (\(place)); "
                + "the tensors must cover the data buffer exactly"
        case let .tensorNotFound(file, key, available):
            return "\(file): no tensor named \(quoted(key)); \(Self.listing(available))"
        case let .cannotConvert(file, key, dtype, target):
            let hint = dtype.isInteger ? "; read it with integers(_:)"
                : dtype.isFloatingPoint ? "; read it with tensor(_:as:)" : ""
            return "\(file): tensor \(quoted(key)): cannot read dtype \(dtype.rawValue) as \(target)\(hint)"
        case let .notRepresentable(file, key, index, value, target):
            return "\(file): tensor \(quoted(key)): element \(index) is \(value), which \(target) cannot hold exactly"
        case let .cannotAdd(key, problem):
            return "cannot add tensor \(quoted(key)) to a safetensors file: \(problem)"
        }
    }

    /// `"needs 24 bytes"`-style size of a tensor, computed without trapping.
    private static func requiredSize(_ dtype: SafeTensorsDType, _ shape: [Int]) -> String {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product >= 0 else { return "more bytes than fit in Int" }
            count = product
        }
        guard let bits = dtype.bitCount(of: count) else { return "more bytes than fit in Int" }
        return bits % 8 == 0 ? "\(bits / 8) bytes" : "\(bits) bits, not a whole number of bytes,"
    }

    /// The names a file holds, abbreviated after the first ten.
    private static func listing(_ names: [String]) -> String {
        guard !names.isEmpty else { return "the file holds no tensors" }
        let shown = names.prefix(10).map(quoted).joined(separator: ", ")
        return "the file holds \(shown)" + (names.count > 10 ? " and \(names.count - 10) more" : "")
    }
}

/// A string in double quotes with control characters escaped, for error messages.
private func quoted(_ string: String) -> String {
    string.debugDescription
}
