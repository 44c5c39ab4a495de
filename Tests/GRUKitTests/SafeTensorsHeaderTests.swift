import Foundation
import GRUKit
import Testing

/// Malformed header entries, sizes, offsets and metadata: each gets its own error naming the
/// file and the tensor; and asking for a tensor that is not there lists the ones that are.
@Suite struct SafeTensorsHeaderTests {
    let file = "test.safetensors"

    /// Parses `{entries}` followed by `dataSize` zero bytes.
    func parse(_ entries: String, dataSize: Int = 8) throws -> SafeTensorsFile {
        try parseSafeTensors(rawSafeTensors("{\(entries)}", data: Array(repeating: 0, count: dataSize)))
    }

    func expect(_ error: SafeTensorsError, _ entries: String, dataSize: Int = 8, mentions: [String] = [],
                sourceLocation: SourceLocation = #_sourceLocation) {
        expectSafeTensorsError(error, mentions: [file] + mentions, sourceLocation: sourceLocation) {
            _ = try parse(entries, dataSize: dataSize)
        }
    }

    @Test func entryNotAnObject() {
        expect(.entryNotObject(file: file, key: "w", found: "an array"), "\"w\":[1]", mentions: ["\"w\""])
        expect(.entryNotObject(file: file, key: "w", found: "the string \"F32\""), "\"w\":\"F32\"", mentions: ["\"w\""])
    }

    @Test func missingFields() {
        expect(.missingField(file: file, key: "w", field: "dtype"), "\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}",
               mentions: ["\"w\"", "\"dtype\""])
        expect(.missingField(file: file, key: "w", field: "shape"), "\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}",
               mentions: ["\"w\"", "\"shape\""])
        expect(.missingField(file: file, key: "w", field: "data_offsets"), "\"w\":{\"dtype\":\"F32\",\"shape\":[2]}",
               mentions: ["\"w\"", "\"data_offsets\""])
        expect(.missingField(file: file, key: "w", field: "dtype"), "\"w\":{}")
    }

    @Test func unexpectedField() {
        expect(.unexpectedField(file: file, key: "w", field: "offsets"),
               "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"offsets\":[0,8]}", mentions: ["\"w\"", "\"offsets\""])
    }

    @Test func unknownOrIllTypedDType() {
        for name in ["F128", "f32", "float32", ""] {
            expect(.unknownDType(file: file, key: "w", dtype: name), safeTensorsEntry("w", name, shape: [2], offsets: (0, 8)),
                   mentions: ["\"w\"", "\"\(name)\"", "BF16"])
        }
        expect(.invalidField(file: file, key: "w", field: "dtype", expected: "a string such as \"F32\"", found: "the number 32"),
               "\"w\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}", mentions: ["\"w\"", "dtype"])
    }

    @Test func shapeWithNegativeOrNonIntegerEntries() {
        let expected = "an array of non-negative integers"
        let cases = [("[2,-1]", "the number -1"), ("[1.5]", "the number 1.5"), ("[1e2]", "the number 1e2"),
                     ("[2.0]", "the number 2.0"), ("[-0]", "the number -0"), ("[\"2\"]", "the string \"2\""),
                     ("[null]", "null"), ("[[2]]", "an array"), ("2", "the number 2"), ("{}", "an object"),
                     ("[9223372036854775808]", "the number 9223372036854775808, larger than 9223372036854775807")]
        for (shape, found) in cases {
            expect(.invalidField(file: file, key: "w", field: "shape", expected: expected, found: found),
                   "\"w\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,8]}", mentions: ["\"w\"", "shape"])
        }
    }

    @Test func shapeWhoseSizeOverflows() throws {
        let cases: [(String, [Int])] = [("F32", [1 << 32, 1 << 32]), ("F32", [1 << 62, 2]), ("F32", [1 << 60]),
                                        ("F64", [1 << 62, 1 << 62, 0]), ("U8", [Int.max, 2])]
        for (dtype, shape) in cases {
            expect(.tooManyElements(file: file, key: "w", dtype: SafeTensorsDType(rawValue: dtype)!, shape: shape),
                   safeTensorsEntry("w", dtype, shape: shape, offsets: (0, 8)), mentions: ["\"w\"", "more elements"])
        }
        // An empty axis first keeps the product at zero, as in the reference implementation.
        #expect(try parse(safeTensorsEntry("w", "F32", shape: [0, 1 << 62, 1 << 62], offsets: (0, 0)), dataSize: 0)
            .tensor("w", as: Float.self).shape == [0, 1 << 62, 1 << 62])
    }

    @Test func offsetsOfTheWrongForm() {
        let expected = "[begin, end], two non-negative integers"
        let cases = [("[0]", "an array of 1 integer"), ("[]", "an array of 0 integers"), ("[0,4,8]", "an array of more than 2 integers"),
                     ("[0,-8]", "the number -8"), ("{\"begin\":0}", "an object"),
                     ("[0,18446744073709551616]", "the number 18446744073709551616, larger than 9223372036854775807")]
        for (offsets, found) in cases {
            expect(.invalidField(file: file, key: "w", field: "data_offsets", expected: expected, found: found),
                   "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":\(offsets)}", mentions: ["\"w\"", "data_offsets"])
        }
    }

    @Test func offsetsReversedOrOutOfRange() {
        expect(.offsetsReversed(file: file, key: "w", begin: 8, end: 0), safeTensorsEntry("w", shape: [2], offsets: (8, 0)),
               mentions: ["\"w\"", "[8, 0]"])
        expect(.offsetsOutOfRange(file: file, key: "w", end: 16, dataSize: 8), safeTensorsEntry("w", shape: [4], offsets: (8, 16)),
               mentions: ["\"w\"", "16", "8 bytes"])
        expect(.offsetsOutOfRange(file: file, key: "w", end: Int.max, dataSize: 8),
               safeTensorsEntry("w", "U8", shape: [Int.max], offsets: (0, Int.max)))
    }

    @Test func byteCountNotMatchingTheShape() {
        expect(.byteCountMismatch(file: file, key: "w", dtype: .f32, shape: [3], byteCount: 8),
               safeTensorsEntry("w", shape: [3], offsets: (0, 8)), mentions: ["\"w\"", "needs 12 bytes", "span 8"])
        expect(.byteCountMismatch(file: file, key: "w", dtype: .f64, shape: [], byteCount: 4),
               safeTensorsEntry("w", "F64", shape: [], offsets: (4, 8)), mentions: ["needs 8 bytes"])
        expect(.byteCountMismatch(file: file, key: "w", dtype: .f4, shape: [3], byteCount: 2),
               safeTensorsEntry("w", "F4", shape: [3], offsets: (0, 2)), dataSize: 2, mentions: ["12 bits, not a whole number"])
    }

    @Test func overlappingOffsets() {
        let a = safeTensorsEntry("a", shape: [2], offsets: (0, 8))
        expect(.offsetsOverlap(file: file, key: "b", begin: 4, end: 12, other: "a"),
               a + "," + safeTensorsEntry("b", shape: [2], offsets: (4, 12)), dataSize: 12, mentions: ["\"a\"", "\"b\""])
        expect(.offsetsOverlap(file: file, key: "b", begin: 0, end: 8, other: "a"),
               safeTensorsEntry("b", shape: [2], offsets: (0, 8)) + "," + a, mentions: ["\"a\"", "\"b\""])
        expect(.offsetsOverlap(file: file, key: "e", begin: 4, end: 4, other: "a"),
               a + "," + safeTensorsEntry("e", shape: [0], offsets: (4, 4)))
    }

    @Test func bytesCoveredByNoTensor() {
        expect(.uncoveredBytes(file: file, range: 4..<8, before: "b"),
               safeTensorsEntry("a", shape: [1], offsets: (0, 4)) + "," + safeTensorsEntry("b", shape: [1], offsets: (8, 12)),
               dataSize: 12, mentions: ["4..<8", "\"b\""])
        expect(.uncoveredBytes(file: file, range: 0..<4, before: "a"), safeTensorsEntry("a", shape: [1], offsets: (4, 8)))
        expect(.uncoveredBytes(file: file, range: 4..<8, before: nil), safeTensorsEntry("a", shape: [1], offsets: (0, 4)),
               mentions: ["trailing"])
        expect(.uncoveredBytes(file: file, range: 0..<3, before: nil), "", dataSize: 3)
    }

    /// Empty tensors may sit at any offset, even between or beside others.
    @Test func emptyTensorsAndScalarsAreLegal() throws {
        let st = try parse([safeTensorsEntry("e0", shape: [0], offsets: (0, 0)), safeTensorsEntry("s", shape: [], offsets: (0, 4)),
                            safeTensorsEntry("e1", "I64", shape: [3, 0], offsets: (4, 4)), safeTensorsEntry("v", shape: [1], offsets: (4, 8)),
                            safeTensorsEntry("e2", "BF16", shape: [0, 2], offsets: (8, 8))].joined(separator: ","))
        #expect(st.names == ["e0", "e1", "e2", "s", "v"])
        #expect(try st.tensor("s", as: Double.self) == Tensor(shape: [], scalars: [0]))
        #expect(try st.integers("e1").shape == [3, 0] && st.integers("e1").values.isEmpty)
        #expect(try st.tensor("e2", as: Float.self).shape == [0, 2])
    }

    @Test func duplicateKeys() {
        let w = safeTensorsEntry("w", shape: [2], offsets: (0, 8))
        expect(.duplicateKey(file: file, key: "w", field: nil), w + "," + w, mentions: ["\"w\"", "twice"])
        expect(.duplicateKey(file: file, key: "w", field: "shape"),
               "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"shape\":[2],\"data_offsets\":[0,8]}", mentions: ["\"w\"", "\"shape\""])
        expect(.duplicateKey(file: file, key: "__metadata__", field: nil), "\"__metadata__\":{},\"__metadata__\":{}," + w)
        expect(.duplicateKey(file: file, key: "__metadata__", field: "k"), "\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}," + w,
               mentions: ["metadata key \"k\""])
    }

    @Test func metadataWithNonStringValues() {
        let w = safeTensorsEntry("w", shape: [2], offsets: (0, 8))
        for (value, found) in [("1", "the number 1"), ("true", "true"), ("null", "null"), ("[\"a\"]", "an array"), ("{}", "an object")] {
            expect(.invalidMetadata(file: file, key: "k", found: found), "\"__metadata__\":{\"k\":\(value)}," + w,
                   mentions: ["\"k\"", found])
        }
        expect(.invalidMetadata(file: file, key: nil, found: "an array"), "\"__metadata__\":[]," + w, mentions: ["__metadata__"])
        expect(.invalidMetadata(file: file, key: nil, found: "the string \"x\""), "\"__metadata__\":\"x\"," + w)
    }

    @Test func missingTensorListsTheAvailableNames() throws {
        let st = try parse(safeTensorsEntry("b", shape: [1], offsets: (0, 4)) + "," + safeTensorsEntry("a", shape: [1], offsets: (4, 8)))
        expectSafeTensorsError(.tensorNotFound(file: file, key: "c", available: ["a", "b"]),
                               mentions: [file, "\"c\"", "\"a\", \"b\""]) { _ = try st.tensor("c", as: Float.self) }
        expectSafeTensorsError(.tensorNotFound(file: file, key: "c", available: ["a", "b"])) { _ = try st.integers("c") }
        let many = try parse((0..<12).map { safeTensorsEntry("t\($0)", shape: [0], offsets: (0, 0)) }.joined(separator: ","), dataSize: 0)
        expectSafeTensorsError(.tensorNotFound(file: file, key: "x", available: many.names), mentions: ["and 2 more"]) {
            _ = try many.tensor("x", as: Float.self)
        }
        let none = try parse("", dataSize: 0)
        expectSafeTensorsError(.tensorNotFound(file: file, key: "x", available: []), mentions: ["no tensors"]) {
            _ = try none.integers("x")
        }
    }

    /// Exotic dtypes are recognised and size-checked, so the file opens, but not converted.
    @Test func recognisedButUnconvertibleDTypes() throws {
        let st = try parse([safeTensorsEntry("c", "C64", shape: [1], offsets: (0, 8)),
                            safeTensorsEntry("f4", "F4", shape: [2, 3], offsets: (8, 11)),
                            safeTensorsEntry("f8", "F8_E4M3", shape: [1], offsets: (11, 12))].joined(separator: ","), dataSize: 12)
        for (name, dtype) in [("c", SafeTensorsDType.c64), ("f4", .f4), ("f8", .f8E4M3)] {
            #expect(st.info(name)?.dtype == dtype)
            expectSafeTensorsError(.cannotConvert(file: file, key: name, dtype: dtype, target: "Float")) {
                _ = try st.tensor(name, as: Float.self)
            }
        }
    }
}
