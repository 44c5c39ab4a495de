/// ONNX's `AttributeProto`: one named attribute of a node.
///
/// Fields read: `name` (1), `f` (2), `i` (3), `s` (4), `t` (5), `floats` (7), `ints` (8),
/// `strings` (9), `type` (20), `ref_attr_name` (21). Graph, sparse-tensor and type-proto
/// values are skipped (only their presence is recorded): no operator GRUKit runs takes them.
public struct ONNXAttributeProto: Sendable, Equatable {
    /// `AttributeProto.AttributeType`.
    public enum Kind: Int32, Sendable {
        case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5, floats = 6, ints = 7, strings = 8
        case tensors = 9, graphs = 10, sparseTensor = 11, sparseTensors = 12, typeProto = 13, typeProtos = 14

        /// ONNX's name, such as `INTS`.
        public var name: String {
            ["UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS", "INTS", "STRINGS", "TENSORS", "GRAPHS",
             "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"][Int(rawValue)]
        }
    }

    /// The attribute's name.
    public var name = ""
    /// The declared type (`type`, 20), as stored.
    public var type: Int32 = 0
    /// `f`.
    public var float: Float?
    /// `i`.
    public var int: Int64?
    /// `s`: bytes, usually UTF-8.
    public var string: [UInt8]?
    /// `t`.
    public var tensor: ONNXTensorProto?
    /// `floats`.
    public var floats: [Float] = []
    /// `ints`.
    public var ints: [Int64] = []
    /// `strings`.
    public var strings: [[UInt8]] = []
    /// `ref_attr_name`: set only inside functions.
    public var referenceName: String?
    /// Whether the attribute carries a value GRUKit skips (graphs, sparse tensors, type protos, tensors).
    public var hasSkippedValue = false

    /// An attribute with no value yet; see ``int(_:_:)`` and the other builders.
    public init(name: String = "") {
        self.name = name
    }

    init(from reader: inout ProtobufReader) throws {
        while let field = try reader.nextField() {
            switch field.number {
            case 1: name = try reader.string(field, "name")
            case 2: float = try reader.float(field, "f")
            case 3: int = try reader.int64(field, "i")
            case 4: string = try reader.bytes(field, "s")
            case 5:
                var t = try reader.message(field, "t")
                tensor = try ONNXTensorProto(from: &t)
            case 7: try reader.floats(field, "floats", into: &floats)
            case 8: try reader.int64s(field, "ints", into: &ints)
            case 9: strings.append(try reader.bytes(field, "strings"))
            case 20: type = try reader.int32(field, "type")
            case 21: referenceName = try reader.string(field, "ref_attr_name")
            case 6, 10, 11, 14, 15, 22, 23:
                hasSkippedValue = true
                try reader.skip(field)
            default: try reader.skip(field)
            }
        }
    }

    func encode(to writer: inout ProtobufWriter) {
        writer.string(1, name)
        if let float { writer.float(2, float) }
        if let int { writer.int64(3, int) }
        if let string { writer.bytes(4, string) }
        if let tensor { writer.message(5) { tensor.encode(to: &$0) } }
        writer.packedFloats(7, floats)
        writer.packedInt64s(8, ints)
        for s in strings { writer.bytes(9, s) }
        writer.int64(20, Int64(type))
    }

    /// The kind the attribute holds: its declared `type`, or, for a model that leaves it
    /// undefined, the kind of the one value field that is set.
    public var kind: Kind? {
        if type != 0 { return Kind(rawValue: type) }
        let present: [(Bool, Kind)] = [
            (float != nil, .float), (int != nil, .int), (string != nil, .string), (tensor != nil, .tensor),
            (!floats.isEmpty, .floats), (!ints.isEmpty, .ints), (!strings.isEmpty, .strings),
        ]
        let set = present.filter(\.0)
        return set.count == 1 ? set[0].1 : nil
    }

    // MARK: Building attributes (for the exporter)

    /// An `INT` attribute.
    public static func int(_ name: String, _ value: Int64) -> ONNXAttributeProto {
        var a = ONNXAttributeProto(name: name)
        (a.type, a.int) = (Kind.int.rawValue, value)
        return a
    }

    /// A `FLOAT` attribute.
    public static func float(_ name: String, _ value: Float) -> ONNXAttributeProto {
        var a = ONNXAttributeProto(name: name)
        (a.type, a.float) = (Kind.float.rawValue, value)
        return a
    }

    /// A `STRING` attribute.
    public static func string(_ name: String, _ value: String) -> ONNXAttributeProto {
        var a = ONNXAttributeProto(name: name)
        (a.type, a.string) = (Kind.string.rawValue, Array(value.utf8))
        return a
    }

    /// An `INTS` attribute.
    public static func ints(_ name: String, _ values: [Int64]) -> ONNXAttributeProto {
        var a = ONNXAttributeProto(name: name)
        (a.type, a.ints) = (Kind.ints.rawValue, values)
        return a
    }

    /// A `FLOATS` attribute.
    public static func floats(_ name: String, _ values: [Float]) -> ONNXAttributeProto {
        var a = ONNXAttributeProto(name: name)
        (a.type, a.floats) = (Kind.floats.rawValue, values)
        return a
    }

    /// A `STRINGS` attribute.
    public static func strings(_ name: String, _ values: [String]) -> ONNXAttributeProto {
        var a = ONNXAttributeProto(name: name)
        (a.type, a.strings) = (Kind.strings.rawValue, values.map { Array($0.utf8) })
        return a
    }

    /// A `TENSOR` attribute.
    public static func tensor(_ name: String, _ value: ONNXTensorProto) -> ONNXAttributeProto {
        var a = ONNXAttributeProto(name: name)
        (a.type, a.tensor) = (Kind.tensor.rawValue, value)
        return a
    }
}
