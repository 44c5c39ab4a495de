import Foundation
import GRUKit
import Testing

/// Our writer, then our reader: identical tensors, metadata and names; and the layout rules
/// the Python package relies on.
@Suite struct SafeTensorsRoundTripTests {
    static let shapes: [[Int]] = [[], [0], [1], [2], [3], [5], [2, 3], [3, 0, 2], [1, 1, 1], [2, 3, 4], [7, 1], [1, 5, 3]]

    /// Values that stress the conversion: signed zeros, subnormals, extremes, inf, NaN.
    static func values<S: GRUScalar>(_ count: Int, _: S.Type) -> [S] {
        let specials: [S] = [0, -0.0, 1, -1.5, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                             .infinity, -.infinity, .nan, S(0.1), -S(1) / 3]
        var g = SeededGenerator(seed: UInt64(count))
        return (0..<count).map { $0 < specials.count ? specials[$0] : g.uniform(-100, 100) }
    }

    static func roundTrip<S: GRUScalar>(_: S.Type) throws {
        var writer = SafeTensorsWriter(metadata: ["model": "GRU", "empty": "", "unicode ✓": "tab\tquote\"nl\n\u{1}"])
        var expected: [String: Tensor<S>] = [:]
        for (i, shape) in shapes.enumerated() {
            let count = shape.reduce(1, *)
            let tensor = try Tensor(shape: shape, scalars: values(count, S.self), name: "t\(i)")
            expected["tensor \(i) \(shape)"] = tensor
            try writer.add("tensor \(i) \(shape)", tensor)
        }
        let st = try SafeTensorsFile(data: writer.serialized(), name: "roundtrip")
        #expect(st.metadata == writer.metadata)
        #expect(st.names == expected.keys.sorted())
        for (name, tensor) in expected {
            let back = try st.tensor(name, as: S.self)
            #expect(back.shape == tensor.shape, "\(name)")
            #expect(zip(back.scalars, tensor.scalars).allSatisfy { sameFloatValue($0, $1) }, "\(name)")
            #expect(st.info(name)?.dtype == (S.self == Float.self ? .f32 : .f64))
        }
    }

    @Test func floatTensorsRoundTripExactly() throws { try Self.roundTrip(Float.self) }

    @Test func doubleTensorsRoundTripExactly() throws { try Self.roundTrip(Double.self) }

    @Test func integersRoundTripAsI64() throws {
        var writer = SafeTensorsWriter()
        for (i, shape) in Self.shapes.enumerated() {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { [Int.min, Int.max, 0, -1, 1 << 53 + 1][$0 % 5] &+ $0 }
            try writer.addIntegers("ints\(i)", shape: shape, values: values)
        }
        let st = try SafeTensorsFile(data: writer.serialized())
        for (i, shape) in Self.shapes.enumerated() {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { [Int.min, Int.max, 0, -1, 1 << 53 + 1][$0 % 5] &+ $0 }
            let back = try st.integers("ints\(i)")
            #expect(back.shape == shape && back.values == values)
            #expect(st.info("ints\(i)")?.dtype == .i64)
        }
    }

    /// A `Data` slice (whose indices do not start at 0) parses from its own first byte.
    @Test func dataSlicesParseFromTheirOwnStart() throws {
        var writer = SafeTensorsWriter()
        try writer.add("x", Tensor<Float>(shape: [2], scalars: [1, 2]))
        let slice = (Data([0xAA, 0xBB, 0xCC]) + writer.serialized() + Data([0xDD])).dropFirst(3).dropLast()
        #expect(slice.startIndex == 3)
        #expect(try SafeTensorsFile(data: slice).tensor("x", as: Float.self).scalars == [1, 2])
    }

    @Test func explicitDTypesConvert() throws {
        var writer = SafeTensorsWriter()
        let doubles = try Tensor<Double>(shape: [3], scalars: [0.1, -1e-300, 3])
        try writer.add("as f32", doubles, as: .f32)
        try writer.add("as f64", Tensor<Float>(shape: [2], scalars: [0.1, -2]), as: .f64)
        let st = try SafeTensorsFile(data: writer.serialized())
        #expect(st.info("as f32")?.dtype == .f32)
        #expect(try st.tensor("as f32", as: Double.self).scalars == [Double(Float(0.1)), Double(Float(-1e-300)), 3])
        #expect(try st.tensor("as f64", as: Double.self).scalars == [Double(Float(0.1)), -2])
    }

    @Test func writerRefusesBadTensorsByName() throws {
        var writer = SafeTensorsWriter()
        try writer.add("w", Tensor<Float>(zeros: [2]))
        let cases: [(SafeTensorsError, (inout SafeTensorsWriter) throws -> Void)] = [
            (.cannotAdd(key: "w", problem: "a tensor of that name was already added"),
             { try $0.addIntegers("w", shape: [1], values: [1]) }),
            (.cannotAdd(key: "__metadata__", problem: "the name __metadata__ is reserved for metadata"),
             { try $0.add("__metadata__", Tensor<Float>(zeros: [1])) }),
            (.cannotAdd(key: "h", problem: "GRUKit writes floating-point tensors as F32 or F64, not F16"),
             { try $0.add("h", Tensor<Float>(zeros: [1]), as: .f16) }),
            (.cannotAdd(key: "big", problem: "element 1 (row-major) is 1e+300, beyond the range of F32"),
             { try $0.add("big", Tensor<Double>(shape: [2], scalars: [1, 1e300]), as: .f32) }),
            (.cannotAdd(key: "n", problem: "shape [2, 2] holds 4 elements but 3 values were given"),
             { try $0.addIntegers("n", shape: [2, 2], values: [1, 2, 3]) }),
            (.cannotAdd(key: "neg", problem: "shape [-1] has a negative extent"),
             { try $0.addIntegers("neg", shape: [-1], values: []) }),
            (.cannotAdd(key: "huge", problem: "shape [4611686018427387904, 4] has more elements than fit in memory"),
             { try $0.addIntegers("huge", shape: [1 << 62, 4], values: []) }),
        ]
        for (expected, body) in cases {
            expectSafeTensorsError(expected, mentions: [expected.description.contains("__metadata__") ? "__metadata__" : "\""]) {
                try body(&writer)
            }
        }
        #expect(writer.names == ["w"])  // nothing half-added
    }

    /// The header is padded with spaces so the data starts at a multiple of 8, tensors are
    /// ordered I64, F64, F32 then by name, and the offsets tile the buffer.
    @Test func layoutMatchesTheReferenceWriter() throws {
        for nameLength in 1...9 {
            var writer = SafeTensorsWriter()
            try writer.add(String(repeating: "x", count: nameLength), Tensor<Float>(shape: [1], scalars: [1]))
            try writer.add("b", Tensor<Double>(shape: [1], scalars: [2]))
            try writer.addIntegers("c", shape: [], values: [3])
            try writer.add("a", Tensor<Float>(shape: [2], scalars: [4, 5]))
            let bytes = [UInt8](writer.serialized())
            let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
            #expect(n % 8 == 0 && bytes.count == 8 + n + 8 + 8 + 4 + 8)
            let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
            let padding = header.reversed().prefix { $0 == " " }.count
            #expect(padding < 8 && header.dropLast(padding).hasSuffix("}"), "\(header)")
            let order = ["\"c\"", "\"b\"", "\"a\"", "\"\(String(repeating: "x", count: nameLength))\""]
                .map { header.range(of: $0 + ":")?.lowerBound }
            #expect(order.allSatisfy { $0 != nil } && order == order.sorted { $0! < $1! }, "\(header)")
            #expect(!header.contains("__metadata__"))
        }
    }
}
