/// The Protocol Buffers wire format, written: the counterpart of ``ProtobufReader`` for the
/// fields ONNX models use. Fields are written in the order they are given; a field is written
/// whenever its method is called (callers leave out default values, as protobuf does).
struct ProtobufWriter {
    /// The message's bytes so far.
    private(set) var bytes: [UInt8] = []

    /// Writes a base-128 varint.
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func tag(_ number: Int, _ wireType: ProtobufReader.WireType) {
        varint(UInt64(number) << 3 | UInt64(wireType.rawValue))
    }

    private mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
        for i in 0..<(T.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }

    /// An `int64`, `int32` or enum field; negatives take 10 bytes, as protobuf writes them.
    mutating func int64(_ number: Int, _ value: Int64) {
        tag(number, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// A `float` field.
    mutating func float(_ number: Int, _ value: Float) {
        tag(number, .fixed32)
        littleEndian(value.bitPattern)
    }

    /// A `bytes` field.
    mutating func bytes(_ number: Int, _ value: [UInt8]) {
        tag(number, .lengthDelimited)
        varint(UInt64(value.count))
        bytes += value
    }

    /// A `string` field, UTF-8.
    mutating func string(_ number: Int, _ value: String) {
        bytes(number, Array(value.utf8))
    }

    /// A sub-message field whose fields `body` writes.
    mutating func message(_ number: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(number, inner.bytes)
    }

    /// A packed repeated varint field (nothing when `values` is empty).
    mutating func packedInt64s(_ number: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for value in values { inner.varint(UInt64(bitPattern: value)) }
        bytes(number, inner.bytes)
    }

    /// A packed repeated `float` field (nothing when `values` is empty).
    mutating func packedFloats(_ number: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for value in values { inner.littleEndian(value.bitPattern) }
        bytes(number, inner.bytes)
    }

    /// A packed repeated `double` field (nothing when `values` is empty).
    mutating func packedDoubles(_ number: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for value in values { inner.littleEndian(value.bitPattern) }
        bytes(number, inner.bytes)
    }

    /// The raw bytes of an already-encoded field or run of fields.
    mutating func raw(_ encoded: [UInt8]) {
        bytes += encoded
    }
}
