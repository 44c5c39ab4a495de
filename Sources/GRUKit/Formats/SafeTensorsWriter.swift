#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Collects tensors and writes them as a safetensors file that the Python `safetensors`
/// package (and ``SafeTensorsFile``) reads.
///
/// The layout matches safetensors 0.8 byte for byte: tensors ordered by dtype (`I64`, `F64`,
/// `F32`) then name, compact JSON with `__metadata__` first (keys sorted; omitted when empty),
/// the header padded with spaces so the data starts at a multiple of 8 bytes.
///
/// ```swift
/// var writer = SafeTensorsWriter(metadata: ["format": "pt"])
/// try writer.add("weight_ih_l0", weights)               // Tensor<Float> → F32
/// try writer.addIntegers("lengths", shape: [3], values: [5, 2, 7])
/// try writer.write(to: url)                              // atomic
/// ```
public struct SafeTensorsWriter: Sendable {
    /// String metadata, stored as the header's `__metadata__`.
    public var metadata: [String: String]

    private var tensors: [String: Pending] = [:]

    /// A tensor already converted to its little-endian bytes.
    private struct Pending: Sendable {
        let dtype: SafeTensorsDType
        let shape: [Int]
        let bytes: [UInt8]
    }

    /// Creates an empty writer.
    ///
    /// - Parameter metadata: string metadata for the header's `__metadata__`.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// The names of the tensors added so far, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// Adds a floating-point tensor.
    ///
    /// - Parameters:
    ///   - name: the tensor's name in the file; any string but `__metadata__`, used once.
    ///   - tensor: the tensor, of any shape (a scalar has shape `[]`).
    ///   - dtype: `.f32` or `.f64`; `nil` (the default) stores `Float` as `F32` and `Double`
    ///     as `F64`. `Double` to `F32` rounds to nearest.
    /// - Throws: ``SafeTensorsError/cannotAdd(key:problem:)`` for a used or reserved name,
    ///   another dtype, or a finite `Double` beyond `Float`'s range when writing `F32`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public mutating func add<S: GRUScalar>(
        _ name: String, _ tensor: Tensor<S>, as dtype: SafeTensorsDType? = nil
    ) throws {
        try checkName(name)
        let bytes: [UInt8]
        let stored = dtype ?? (S.self == Double.self ? .f64 : .f32)
        switch stored {
        case .f32:
            let floats = tensor.scalars.map { Float($0) }
            if let i = floats.indices.first(where: { !floats[$0].isFinite && tensor.scalars[$0].isFinite }) {
                throw SafeTensorsError.cannotAdd(
                    key: name, problem: "element \(i) (row-major) is \(tensor.scalars[i]), beyond the range of F32")
            }
            bytes = LittleEndianBytes.bytes(of: floats.map(\.bitPattern))
        case .f64:
            bytes = LittleEndianBytes.bytes(of: tensor.scalars.map { Double($0).bitPattern })
        default:
            throw SafeTensorsError.cannotAdd(
                key: name, problem: "GRUKit writes floating-point tensors as F32 or F64, not \(stored.rawValue)")
        }
        tensors[name] = Pending(dtype: stored, shape: tensor.shape, bytes: bytes)
    }

    /// Adds an integer tensor, stored as `I64`, such as sequence lengths or class indices.
    ///
    /// - Parameters:
    ///   - name: the tensor's name in the file; any string but `__metadata__`, used once.
    ///   - shape: the extent of each axis, each ≥ 0; `[]` for a scalar.
    ///   - values: the row-major elements; as many as `shape` holds.
    /// - Throws: ``SafeTensorsError/cannotAdd(key:problem:)`` for a used or reserved name or
    ///   a shape that does not match `values`.
    public mutating func addIntegers(_ name: String, shape: [Int], values: [Int]) throws {
        try checkName(name)
        let count: Int
        do {
            count = try Tensor<Double>.elementCount(of: shape, name: name)
        } catch GRUKitError.invalidShape(_, _, let problem) {
            throw SafeTensorsError.cannotAdd(key: name, problem: "shape \(shape) \(problem)")
        }
        guard count == values.count else {
            throw SafeTensorsError.cannotAdd(
                key: name, problem: "shape \(shape) holds \(count) elements but \(values.count) values were given")
        }
        tensors[name] = Pending(dtype: .i64, shape: shape, bytes: LittleEndianBytes.bytes(of: values.map { Int64($0) }))
    }

    /// The bytes of the file: what ``write(to:)`` writes.
    public func serialized() -> Data {
        var data = Data()
        for chunk in chunks() { data.append(contentsOf: chunk) }
        return data
    }

    /// Writes the file atomically: to a temporary file in the same directory, flushed to disk,
    /// then renamed over `url`. A failure or a killed process leaves any previous file intact.
    ///
    /// - Parameter url: a file URL; errors name its path.
    /// - Throws: ``SafeTensorsError/cannotWrite(file:reason:)``.
    public func write(to url: URL) throws {
        try AtomicFileWriter.replaceFile(at: url, with: chunks())
    }

    // MARK: Layout

    private func checkName(_ name: String) throws {
        guard name != "__metadata__" else {
            throw SafeTensorsError.cannotAdd(key: name, problem: "the name __metadata__ is reserved for metadata")
        }
        guard tensors[name] == nil else {
            throw SafeTensorsError.cannotAdd(key: name, problem: "a tensor of that name was already added")
        }
    }

    /// The file as consecutive pieces: length and header, then each tensor's bytes.
    private func chunks() -> [[UInt8]] {
        let order = SafeTensorsDType.allCases
        let sorted = tensors.sorted { a, b in
            let (rankA, rankB) = (order.firstIndex(of: a.value.dtype) ?? 0, order.firstIndex(of: b.value.dtype) ?? 0)
            return rankA != rankB ? rankA > rankB : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)  // as Rust sorts
        }
        var members: [String] = []
        if !metadata.isEmpty {
            let strings = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            members.append("\"__metadata__\":{" + strings.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, tensor) in sorted {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            members.append(
                "\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}")
            offset += tensor.bytes.count
        }
        let json = "{" + members.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        return [LittleEndianBytes.bytes(of: [UInt64(header.count)]) + header] + sorted.map(\.value.bytes)
    }
}

/// A JSON string literal, escaped as serde_json does: `"` and `\`, control characters as
/// `\n`-style or `\u00XX` escapes, everything else (including non-ASCII) as UTF-8.
private func jsonString(_ string: String) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{00}"..."\u{1F}":
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
