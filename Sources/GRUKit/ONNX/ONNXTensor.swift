/// The element types of ONNX tensors that GRUKit reads and computes with: the values of
/// `TensorProto.DataType` for float32, float64, int32 and int64.
public enum ONNXDataType: Int32, CaseIterable, Sendable {
    /// `FLOAT`: 32-bit floating point.
    case float = 1
    /// `INT32`.
    case int32 = 6
    /// `INT64`.
    case int64 = 7
    /// `DOUBLE`: 64-bit floating point.
    case double = 11

    /// ONNX's name for the type, such as `FLOAT`.
    public var name: String { Self.name(of: rawValue) }

    /// Whether elements are `Float` or `Double`.
    public var isFloatingPoint: Bool { self == .float || self == .double }

    /// The size of one element in `raw_data`, in bytes.
    var byteCount: Int { self == .float || self == .int32 ? 4 : 8 }

    /// ONNX's name for any `TensorProto.DataType` code, for messages.
    public static func name(of code: Int32) -> String {
        let names = [
            "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL", "FLOAT16",
            "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ",
            "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1", "FLOAT8E8M0", "UINT2", "INT2",
        ]
        return names.indices.contains(Int(code)) ? names[Int(code)] : "unknown data type \(code)"
    }

    /// The supported names, for messages.
    static let supportedNames = allCases.map(\.name).joined(separator: ", ")
}

/// A tensor as an ONNX graph holds it: a shape and row-major elements of one of the
/// ``ONNXDataType``s. Graph inputs and outputs, initializers and every intermediate value of
/// ``ONNXGraphRunner`` are `ONNXTensor`s; ``floatingPoint(as:)`` and ``init(_:)`` convert to and
/// from GRUKit's ``Tensor``.
public struct ONNXTensor: Sendable, Equatable {
    /// The row-major elements, by type.
    public enum Elements: Sendable, Equatable {
        /// `FLOAT` elements.
        case float([Float])
        /// `DOUBLE` elements.
        case double([Double])
        /// `INT32` elements.
        case int32([Int32])
        /// `INT64` elements.
        case int64([Int64])

        /// The number of elements.
        public var count: Int {
            switch self {
            case let .float(v): v.count
            case let .double(v): v.count
            case let .int32(v): v.count
            case let .int64(v): v.count
            }
        }

        /// The element type.
        public var dataType: ONNXDataType {
            switch self {
            case .float: .float
            case .double: .double
            case .int32: .int32
            case .int64: .int64
            }
        }

        /// The elements at `indices`, in that order (each index must be in range).
        func picking(_ indices: [Int]) -> Elements {
            func pick<T>(_ v: [T]) -> [T] {
                v.withUnsafeBufferPointer { source in
                    [T](unsafeUninitializedCapacity: indices.count) { out, initialized in
                        for (k, i) in indices.enumerated() { (out.baseAddress! + k).initialize(to: source[i]) }
                        initialized = indices.count
                    }
                }
            }
            switch self {
            case let .float(v): return .float(pick(v))
            case let .double(v): return .double(pick(v))
            case let .int32(v): return .int32(pick(v))
            case let .int64(v): return .int64(pick(v))
            }
        }

        /// All the parts' elements, one after another, or `nil` when their types differ.
        static func joining(_ parts: [Elements]) -> Elements? {
            guard let first = parts.first, parts.allSatisfy({ $0.dataType == first.dataType }) else { return nil }
            switch first {
            case .float: return .float(parts.flatMap { (e: Elements) -> [Float] in if case let .float(v) = e { return v }; return [] })
            case .double: return .double(parts.flatMap { (e: Elements) -> [Double] in if case let .double(v) = e { return v }; return [] })
            case .int32: return .int32(parts.flatMap { (e: Elements) -> [Int32] in if case let .int32(v) = e { return v }; return [] })
            case .int64: return .int64(parts.flatMap { (e: Elements) -> [Int64] in if case let .int64(v) = e { return v }; return [] })
            }
        }
    }

    /// The extent of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The elements; as many as `shape` holds.
    public let elements: Elements

    /// Creates a tensor, checking that `elements` has as many elements as `shape` holds.
    ///
    /// - Throws: ``GRUKitError/invalidShape(tensor:shape:problem:)``.
    public init(shape: [Int], elements: Elements, name: String = "tensor") throws {
        let count = try Tensor<Float>.elementCount(of: shape, name: name)
        guard count == elements.count else {
            throw GRUKitError.invalidShape(tensor: name, shape: shape, problem: "holds \(count) elements but \(elements.count) were given")
        }
        self.init(unchecked: shape, elements)
    }

    /// A tensor whose shape and elements the library computed itself.
    init(unchecked shape: [Int], _ elements: Elements) {
        assert(shape.reduce(1, *) == elements.count)
        self.shape = shape
        self.elements = elements
    }

    /// A `FLOAT` (from `Float`) or `DOUBLE` (from `Double`) tensor with `tensor`'s shape and elements.
    public init<S: GRUScalar>(_ tensor: Tensor<S>) {
        if let floats = tensor.scalars as? [Float] {
            self.init(unchecked: tensor.shape, .float(floats))
        } else {
            self.init(unchecked: tensor.shape, .double(tensor.scalars.map { Double($0) }))
        }
    }

    /// An `INT64` tensor.
    public init(shape: [Int], int64s: [Int64]) throws {
        try self.init(shape: shape, elements: .int64(int64s))
    }

    /// The element type.
    public var dataType: ONNXDataType { elements.dataType }
    /// The number of elements.
    public var count: Int { elements.count }
    /// The number of axes.
    public var rank: Int { shape.count }

    /// A floating-point tensor's elements as a ``Tensor`` of `S` (converted from `FLOAT` or
    /// `DOUBLE`), or `nil` for an integer tensor.
    public func floatingPoint<S: GRUScalar>(as _: S.Type = S.self) -> Tensor<S>? {
        switch elements {
        case let .float(v): Tensor(unchecked: shape, scalars: v as? [S] ?? v.map { S($0) })
        case let .double(v): Tensor(unchecked: shape, scalars: v as? [S] ?? v.map { S($0) })
        case .int32, .int64: nil
        }
    }

    /// An integer tensor's elements as `Int`s, or `nil` for a floating-point tensor.
    public var integers: [Int]? {
        switch elements {
        case let .int32(v): v.map { Int($0) }
        case let .int64(v): v.map { Int($0) }
        case .float, .double: nil
        }
    }

    /// The same elements with another shape of the same count.
    func reshaped(_ newShape: [Int]) -> ONNXTensor {
        ONNXTensor(unchecked: newShape, elements)
    }

    /// `"FLOAT [2, 3]"`, for messages.
    public var typeDescription: String { "\(dataType.name) \(shape)" }
}
