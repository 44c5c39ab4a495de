#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed and validated safetensors file, from which tensors are read by name.
///
/// The format, as written by the Python `safetensors` package: an 8-byte little-endian header
/// length N, N bytes of UTF-8 JSON mapping each tensor name to
/// `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}` (byte offsets into the
/// data buffer) plus an optional `"__metadata__"` object of strings, then the data buffer of
/// raw little-endian, row-major elements.
///
/// Opening a file validates the whole header (see ``SafeTensorsError`` for every check) but
/// converts no tensor; ``tensor(_:as:)`` and ``integers(_:)`` convert one tensor each.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: url)
/// let weights: Tensor<Float> = try file.tensor("weight_ih_l0")  // (3H, I)
/// let lengths = try file.integers("lengths").values              // (N)
/// ```
public struct SafeTensorsFile: Sendable {
    /// The largest header length accepted, in bytes (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    /// Where one tensor is and what it holds, as the header declares it.
    public struct TensorInfo: Equatable, Sendable {
        /// The element type.
        public let dtype: SafeTensorsDType
        /// The extent of each axis; `[]` for a scalar.
        public let shape: [Int]
        /// The tensor's bytes within the data buffer, which starts after the header.
        public let dataOffsets: Range<Int>
    }

    /// The `__metadata__` strings; empty when the file has none.
    public let metadata: [String: String]
    /// The names of the tensors, sorted.
    public let names: [String]

    private let tensors: [String: TensorInfo]
    /// Every byte of the file, memory-mapped when read from disk.
    private let bytes: Data
    /// Where the data buffer starts in `bytes`.
    private let dataStart: Int
    /// How errors name the file: its path, or the name given with the bytes.
    public let file: String

    /// Opens and validates a safetensors file.
    ///
    /// The file is memory-mapped, not copied: only the header and the tensors you convert are
    /// read. It must not be truncated by another process while this value is alive.
    ///
    /// - Parameter url: a file URL; errors name its path.
    /// - Throws: ``SafeTensorsError``.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafeTensorsError.cannotRead(file: url.path, reason: systemReason(for: error))
        }
        try self.init(data: data, name: url.path)
    }

    /// Parses and validates the bytes of a safetensors file held in memory.
    ///
    /// - Parameters:
    ///   - data: every byte of the file. Any bytes at all are safe: bad ones throw.
    ///   - name: how errors name these bytes, such as the file they came from.
    /// - Throws: ``SafeTensorsError``.
    public init(data: Data, name: String = "<data>") throws {
        let header = try data.withUnsafeBytes { try SafeTensorsHeader(fileBytes: $0, file: name) }
        metadata = header.metadata
        tensors = header.tensors
        names = header.tensors.keys.sorted()
        bytes = data
        dataStart = header.dataStart
        file = name
    }

    /// The dtype, shape and offsets of the tensor called `name`, or `nil` if there is none.
    public func info(_ name: String) -> TensorInfo? {
        tensors[name]
    }

    /// Reads a tensor as floating point.
    ///
    /// `F64`, `F32`, `F16` and `BF16` convert exactly, except `F64` read as `Float`, which
    /// rounds to nearest. Integer dtypes convert when every element is exactly representable.
    ///
    /// - Parameters:
    ///   - name: the tensor's name in the file.
    ///   - type: the scalar type to convert to.
    /// - Returns: a tensor with the file's shape.
    /// - Throws: ``SafeTensorsError/tensorNotFound(file:key:available:)``,
    ///   ``SafeTensorsError/cannotConvert(file:key:dtype:target:)`` for `BOOL`, `C64` and the
    ///   8-, 6- and 4-bit floats, or ``SafeTensorsError/notRepresentable(file:key:index:value:target:)``
    ///   for an integer that `S` cannot hold exactly or a finite `F64` beyond `Float`'s range.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func tensor<S: GRUScalar>(_ name: String, as type: S.Type = S.self) throws -> Tensor<S> {
        let info = try lookUp(name)
        let target = "\(S.self)"
        func unrepresentable(_ index: Int, _ value: some CustomStringConvertible) -> SafeTensorsError {
            .notRepresentable(file: file, key: name, index: info.index(ofElement: index), value: "\(value)", target: target)
        }
        let scalars: [S] = try withElementBytes(of: info) { raw, count in
            switch info.dtype {
            case .f64:
                return try LittleEndianBytes.read(raw, count: count, as: UInt64.self) { i, bits in
                    let double = Double(bitPattern: bits)
                    let scalar = S(double)
                    guard scalar.isFinite || !double.isFinite else { throw unrepresentable(i, double) }
                    return scalar
                }
            case .f32:
                return LittleEndianBytes.read(raw, count: count, as: UInt32.self) { S(Float(bitPattern: $1)) }
            case .f16:
                return LittleEndianBytes.read(raw, count: count, as: UInt16.self) { S(HalfPrecision.float(fromF16: $1)) }
            case .bf16:
                return LittleEndianBytes.read(raw, count: count, as: UInt16.self) { S(HalfPrecision.float(fromBF16: $1)) }
            default:
                guard info.dtype.isInteger else {
                    throw SafeTensorsError.cannotConvert(file: file, key: name, dtype: info.dtype, target: target)
                }
                func exact(_ i: Int, _ value: some BinaryInteger) throws -> S {
                    guard let scalar = S(exactly: value) else { throw unrepresentable(i, value) }
                    return scalar
                }
                return try readIntegers(raw, count: count, of: info, key: name, signed: exact, unsigned: exact)
            }
        }
        return Tensor(unchecked: info.shape, scalars: scalars)
    }

    /// Reads an integer tensor, such as sequence lengths or class indices.
    ///
    /// - Parameter name: the tensor's name in the file; its dtype must be `I8` … `I64` or
    ///   `U8` … `U64`.
    /// - Returns: the shape and the row-major values.
    /// - Throws: ``SafeTensorsError/tensorNotFound(file:key:available:)``,
    ///   ``SafeTensorsError/cannotConvert(file:key:dtype:target:)`` for any other dtype, or
    ///   ``SafeTensorsError/notRepresentable(file:key:index:value:target:)`` for a `U64`
    ///   value above `Int.max`.
    public func integers(_ name: String) throws -> (shape: [Int], values: [Int]) {
        let info = try lookUp(name)
        guard info.dtype.isInteger else {
            throw SafeTensorsError.cannotConvert(file: file, key: name, dtype: info.dtype, target: "Int")
        }
        let values: [Int] = try withElementBytes(of: info) { raw, count in
            func exact(_ i: Int, _ value: some BinaryInteger) throws -> Int {
                guard let int = Int(exactly: value) else {
                    throw SafeTensorsError.notRepresentable(
                        file: file, key: name, index: info.index(ofElement: i), value: "\(value)", target: "Int")
                }
                return int
            }
            return try readIntegers(raw, count: count, of: info, key: name, signed: exact, unsigned: exact)
        }
        return (info.shape, values)
    }

    // MARK: Helpers

    private func lookUp(_ name: String) throws -> TensorInfo {
        guard let info = tensors[name] else {
            throw SafeTensorsError.tensorNotFound(file: file, key: name, available: names)
        }
        return info
    }

    /// Calls `body` with the tensor's bytes and element count. The offsets were validated
    /// against the file when it was opened, so the range is in bounds.
    private func withElementBytes<R>(
        of info: TensorInfo, _ body: (UnsafeRawBufferPointer, Int) throws -> R
    ) throws -> R {
        let count = info.shape.reduce(1, *)  // validated: no overflow
        return try bytes.withUnsafeBytes { raw in
            let range = (dataStart + info.dataOffsets.lowerBound)..<(dataStart + info.dataOffsets.upperBound)
            return try body(UnsafeRawBufferPointer(rebasing: raw[range]), count)
        }
    }

    /// Reads an integer dtype's elements, each widened to `Int64` (`signed`) or, for the
    /// unsigned dtypes, `UInt64` (`unsigned`); the closures receive the flat index too.
    private func readIntegers<Element>(
        _ raw: UnsafeRawBufferPointer, count: Int, of info: TensorInfo, key: String,
        signed: (Int, Int64) throws -> Element, unsigned: (Int, UInt64) throws -> Element
    ) throws -> [Element] {
        switch info.dtype {
        case .i8: return try LittleEndianBytes.read(raw, count: count, as: Int8.self) { try signed($0, Int64($1)) }
        case .i16: return try LittleEndianBytes.read(raw, count: count, as: Int16.self) { try signed($0, Int64($1)) }
        case .i32: return try LittleEndianBytes.read(raw, count: count, as: Int32.self) { try signed($0, Int64($1)) }
        case .i64: return try LittleEndianBytes.read(raw, count: count, as: Int64.self, convert: signed)
        case .u8: return try LittleEndianBytes.read(raw, count: count, as: UInt8.self) { try unsigned($0, UInt64($1)) }
        case .u16: return try LittleEndianBytes.read(raw, count: count, as: UInt16.self) { try unsigned($0, UInt64($1)) }
        case .u32: return try LittleEndianBytes.read(raw, count: count, as: UInt32.self) { try unsigned($0, UInt64($1)) }
        case .u64: return try LittleEndianBytes.read(raw, count: count, as: UInt64.self, convert: unsigned)
        default: throw SafeTensorsError.cannotConvert(file: file, key: key, dtype: info.dtype, target: "an integer")
        }
    }
}

extension SafeTensorsFile.TensorInfo {
    /// The multi-dimensional index (one integer per axis) of the element at a row-major offset.
    func index(ofElement offset: Int) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count)
        var rest = offset
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }
}
