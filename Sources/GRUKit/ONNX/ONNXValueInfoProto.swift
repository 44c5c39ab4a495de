/// ONNX's `ValueInfoProto`: a graph input's or output's name and type.
///
/// Only tensor types are read (`TypeProto.tensor_type`: `elem_type` and `shape`); a sequence,
/// map, optional or sparse type is recorded as ``ValueType/other(_:)``.
public struct ONNXValueInfoProto: Sendable, Equatable {
    /// One axis of a tensor type's shape.
    public enum Dimension: Sendable, Equatable {
        /// A fixed extent (`dim_value`).
        case value(Int64)
        /// A symbolic extent (`dim_param`), such as `"N"`.
        case parameter(String)
        /// Neither is set.
        case unknown
    }

    /// The type of a value.
    public enum ValueType: Sendable, Equatable {
        /// A tensor of `TensorProto.DataType` `elementType`, with a shape when the model gives one.
        case tensor(elementType: Int32, shape: [Dimension]?)
        /// A type GRUKit does not run: `"sequence"`, `"map"`, `"optional"` or `"sparse tensor"`.
        case other(String)
    }

    /// The value's name.
    public var name = ""
    /// Its type, or `nil` when the model gives none.
    public var type: ValueType?

    /// A named value of `type`.
    public init(name: String, type: ValueType?) {
        self.name = name
        self.type = type
    }

    init(from reader: inout ProtobufReader) throws {
        while let field = try reader.nextField() {
            switch field.number {
            case 1: name = try reader.string(field, "name")
            case 2:
                var t = try reader.message(field, "type")
                type = try Self.readType(&t)
            default: try reader.skip(field)
            }
        }
    }

    /// `TypeProto`: `tensor_type` (1), `sequence_type` (4), `map_type` (5), `sparse_tensor_type` (8),
    /// `optional_type` (9).
    private static func readType(_ reader: inout ProtobufReader) throws -> ValueType? {
        var type: ValueType?
        while let field = try reader.nextField() {
            switch field.number {
            case 1:
                var tensor = try reader.message(field, "tensor_type")
                var elementType: Int32 = 0
                var shape: [Dimension]?
                while let f = try tensor.nextField() {
                    switch f.number {
                    case 1: elementType = try tensor.int32(f, "elem_type")
                    case 2:
                        var s = try tensor.message(f, "shape")
                        var dims: [Dimension] = []
                        while let d = try s.nextField() {
                            guard d.number == 1 else { try s.skip(d); continue }
                            var dim = try s.message(d, "dim[\(dims.count)]")
                            var value = Dimension.unknown
                            while let g = try dim.nextField() {
                                switch g.number {
                                case 1: value = .value(try dim.int64(g, "dim_value"))
                                case 2: value = .parameter(try dim.string(g, "dim_param"))
                                default: try dim.skip(g)
                                }
                            }
                            dims.append(value)
                        }
                        shape = dims
                    default: try tensor.skip(f)
                    }
                }
                type = .tensor(elementType: elementType, shape: shape)
            case 4: try reader.skip(field); type = .other("sequence")
            case 5: try reader.skip(field); type = .other("map")
            case 8: try reader.skip(field); type = .other("sparse tensor")
            case 9: try reader.skip(field); type = .other("optional")
            default: try reader.skip(field)
            }
        }
        return type
    }

    func encode(to writer: inout ProtobufWriter) {
        writer.string(1, name)
        guard case let .tensor(elementType, shape)? = type else { return }
        writer.message(2) { typeProto in
            typeProto.message(1) { tensor in
                tensor.int64(1, Int64(elementType))
                guard let shape else { return }
                tensor.message(2) { s in
                    for dim in shape {
                        s.message(1) { d in
                            switch dim {
                            case let .value(v): d.int64(1, v)
                            case let .parameter(p): d.string(2, p)
                            case .unknown: break
                            }
                        }
                    }
                }
            }
        }
    }

    /// `"FLOAT [T, N, 3]"`, for messages.
    public var typeDescription: String {
        switch type {
        case let .tensor(elementType, shape)?:
            let dims = shape.map { dims in
                "[" + dims.map { d -> String in
                    switch d {
                    case let .value(v): "\(v)"
                    case let .parameter(p): p
                    case .unknown: "?"
                    }
                }.joined(separator: ", ") + "]"
            }
            return ONNXDataType.name(of: elementType) + (dims.map { " " + $0 } ?? "")
        case let .other(kind)?: return kind
        case nil: return "no type"
        }
    }
}
