/// ONNX's `TensorProto`: an initializer, a constant, or a backend test's `input_0.pb`.
///
/// The message as stored, before its data is checked; ``tensor()`` turns it into an
/// ``ONNXTensor``. Fields read (number in `onnx.proto`): `dims` (1), `data_type` (2),
/// `segment` (3), `float_data` (4), `int32_data` (5), `int64_data` (7), `name` (8),
/// `raw_data` (9), `double_data` (10), `external_data` (13), `data_location` (14). Others are
/// skipped.
public struct ONNXTensorProto: Sendable, Equatable {
    /// The tensor's name; empty for an unnamed constant.
    public var name = ""
    /// The extent of each axis, as stored (checked by ``tensor()``).
    public var dims: [Int64] = []
    /// `TensorProto.DataType`: 1 FLOAT, 6 INT32, 7 INT64, 11 DOUBLE, ….
    public var dataType: Int32 = 0
    /// The elements as little-endian bytes, or `nil` when the typed fields hold them.
    public var rawData: [UInt8]?
    /// `float_data`: FLOAT elements.
    public var floatData: [Float] = []
    /// `int32_data`: INT32 elements (and the smaller types, which GRUKit does not read).
    public var int32Data: [Int32] = []
    /// `int64_data`: INT64 elements.
    public var int64Data: [Int64] = []
    /// `double_data`: DOUBLE elements.
    public var doubleData: [Double] = []
    /// `data_location`: 0 in this file, 1 in an external file.
    public var dataLocation: Int32 = 0
    /// `external_data`: where an external tensor's bytes are (`location`, `offset`, `length`).
    public var externalData: [(key: String, value: String)] = []
    /// Whether the message has a `segment` (a piece of a tensor split over messages).
    public var hasSegment = false

    /// An empty message.
    public init() {}

    /// Equal fields.
    public static func == (a: ONNXTensorProto, b: ONNXTensorProto) -> Bool {
        a.name == b.name && a.dims == b.dims && a.dataType == b.dataType && a.rawData == b.rawData
            && a.floatData == b.floatData && a.int32Data == b.int32Data && a.int64Data == b.int64Data
            && a.doubleData == b.doubleData && a.dataLocation == b.dataLocation && a.hasSegment == b.hasSegment
            && a.externalData.map(\.key) == b.externalData.map(\.key) && a.externalData.map(\.value) == b.externalData.map(\.value)
    }

    /// Reads the message's fields.
    init(from reader: inout ProtobufReader) throws {
        while let field = try reader.nextField() {
            switch field.number {
            case 1: try reader.int64s(field, "dims", into: &dims)
            case 2: dataType = try reader.int32(field, "data_type")
            case 3: hasSegment = true; try reader.skip(field)
            case 4: try reader.floats(field, "float_data", into: &floatData)
            case 5: try reader.int32s(field, "int32_data", into: &int32Data)
            case 7: try reader.int64s(field, "int64_data", into: &int64Data)
            case 8: name = try reader.string(field, "name")
            case 9: rawData = try reader.bytes(field, "raw_data")
            case 10: try reader.doubles(field, "double_data", into: &doubleData)
            case 13:
                var entry = try reader.message(field, "external_data[\(externalData.count)]")
                externalData.append(try Self.stringPair(&entry))
            case 14: dataLocation = try reader.int32(field, "data_location")
            default: try reader.skip(field)
            }
        }
    }

    /// A `StringStringEntryProto`: `key` (1) and `value` (2).
    static func stringPair(_ reader: inout ProtobufReader) throws -> (key: String, value: String) {
        var pair = (key: "", value: "")
        while let field = try reader.nextField() {
            switch field.number {
            case 1: pair.key = try reader.string(field, "key")
            case 2: pair.value = try reader.string(field, "value")
            default: try reader.skip(field)
            }
        }
        return pair
    }

    /// Reads a lone `TensorProto`, such as a backend test's `input_0.pb`.
    ///
    /// - Parameters:
    ///   - bytes: the serialized message; any bytes at all are safe.
    ///   - file: how errors name the bytes.
    public init(bytes: [UInt8], file: String) throws {
        var reader = ProtobufReader(bytes: bytes, file: file, message: "TensorProto")
        try self.init(from: &reader)
    }

    /// The message's bytes.
    public func serialized() -> [UInt8] {
        var writer = ProtobufWriter()
        encode(to: &writer)
        return writer.bytes
    }

    /// Writes the fields: dims, data_type, name, then raw_data or the typed field that holds the data.
    func encode(to writer: inout ProtobufWriter) {
        writer.packedInt64s(1, dims)
        writer.int64(2, Int64(dataType))
        writer.packedFloats(4, floatData)
        writer.packedInt64s(5, int32Data.map(Int64.init))
        writer.packedInt64s(7, int64Data)
        if !name.isEmpty { writer.string(8, name) }
        if let rawData { writer.bytes(9, rawData) }
        writer.packedDoubles(10, doubleData)
        if dataLocation != 0 { writer.int64(14, Int64(dataLocation)) }
        for (key, value) in externalData {
            writer.message(13) { entry in
                entry.string(1, key)
                entry.string(2, value)
            }
        }
    }

    /// A message holding `tensor` in `raw_data`, as PyTorch's exporter and `numpy_helper` write it.
    public init(_ tensor: ONNXTensor, name: String) {
        self.name = name
        dims = tensor.shape.map(Int64.init)
        dataType = tensor.dataType.rawValue
        switch tensor.elements {
        case let .float(v): rawData = LittleEndianBytes.bytes(of: v.map(\.bitPattern))
        case let .double(v): rawData = LittleEndianBytes.bytes(of: v.map(\.bitPattern))
        case let .int32(v): rawData = LittleEndianBytes.bytes(of: v)
        case let .int64(v): rawData = LittleEndianBytes.bytes(of: v)
        }
    }

    /// The tensor this message holds, after checking that its data is in the file, of a
    /// supported type and as many elements as its dimensions say.
    ///
    /// - Parameter file: how errors name the file.
    /// - Throws: ``ONNXError/invalidTensor(file:tensor:problem:)``.
    public func tensor(file: String) throws -> ONNXTensor {
        func fail(_ problem: String) -> ONNXError { .invalidTensor(file: file, tensor: name, problem: problem) }
        if dataLocation == 1 || !externalData.isEmpty {
            let location = externalData.first { $0.key == "location" }.map { " (location \($0.value.debugDescription))" } ?? ""
            throw fail("its data is stored outside the model file\(location); GRUKit reads only self-contained models "
                + "(save them with onnx.save_model(model, path, save_as_external_data=False))")
        }
        guard dataLocation == 0 else { throw fail("data_location is \(dataLocation), expected 0 (DEFAULT) or 1 (EXTERNAL)") }
        guard !hasSegment else { throw fail("it is split into segments, which GRUKit does not read") }
        guard let type = ONNXDataType(rawValue: dataType) else {
            throw fail("data type \(ONNXDataType.name(of: dataType)) is not supported; supported: \(ONNXDataType.supportedNames)")
        }
        var shape: [Int] = []
        for d in dims {
            guard d >= 0, let extent = Int(exactly: d) else { throw fail("dims \(dims) has a negative extent") }
            shape.append(extent)
        }
        let count: Int
        do { count = try Tensor<Float>.elementCount(of: shape, name: name) } catch { throw fail("dims \(dims) hold more elements than fit in memory") }
        let typedCounts = [floatData.count, int32Data.count, int64Data.count, doubleData.count]
        let typedField = ["float_data", "int32_data", "int64_data", "double_data"]
        let typedIndex: Int = switch type { case .float: 0; case .int32: 1; case .int64: 2; case .double: 3 }
        if let other = typedCounts.indices.first(where: { $0 != typedIndex && typedCounts[$0] > 0 }) {
            throw fail("a \(type.name) tensor with \(typedField[other]); its elements belong in \(typedField[typedIndex]) or raw_data")
        }
        if let raw = rawData {
            guard typedCounts[typedIndex] == 0 else { throw fail("has both raw_data and \(typedField[typedIndex]); expected one") }
            guard count <= raw.count / type.byteCount, raw.count == count * type.byteCount else {
                throw fail("dims \(dims) of \(type.name) hold \(count) elements of \(type.byteCount) bytes, raw_data holds \(raw.count) bytes")
            }
            let elements: ONNXTensor.Elements = raw.withUnsafeBytes { bytes in
                switch type {
                case .float: .float(LittleEndianBytes.read(bytes, count: count, as: UInt32.self) { Float(bitPattern: $1) })
                case .double: .double(LittleEndianBytes.read(bytes, count: count, as: UInt64.self) { Double(bitPattern: $1) })
                case .int32: .int32(LittleEndianBytes.read(bytes, count: count, as: Int32.self) { $1 })
                case .int64: .int64(LittleEndianBytes.read(bytes, count: count, as: Int64.self) { $1 })
                }
            }
            return ONNXTensor(unchecked: shape, elements)
        }
        guard typedCounts[typedIndex] == count else {
            throw fail("dims \(dims) hold \(count) elements, \(typedField[typedIndex]) has \(typedCounts[typedIndex])")
        }
        switch type {
        case .float: return ONNXTensor(unchecked: shape, .float(floatData))
        case .double: return ONNXTensor(unchecked: shape, .double(doubleData))
        case .int32: return ONNXTensor(unchecked: shape, .int32(int32Data))
        case .int64: return ONNXTensor(unchecked: shape, .int64(int64Data))
        }
    }
}
