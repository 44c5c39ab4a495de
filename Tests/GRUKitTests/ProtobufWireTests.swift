@testable import GRUKit
import Testing

/// GRUKit's protobuf wire format: the encodings of the protobuf documentation's own examples,
/// round trips, every wire type skipped, and each malformed input as its own typed error.
@Suite struct ProtobufWireTests {
    func reader(_ bytes: [UInt8]) -> ProtobufReader {
        ProtobufReader(bytes: bytes, file: "test.pb", message: "Test")
    }

    func expectProblem(_ problem: ProtobufProblem, offset: Int? = nil, path: String = "Test", _ body: () throws -> Void,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected \(problem), nothing was thrown", sourceLocation: sourceLocation)
        } catch let ONNXError.malformed(file, p, o, found) {
            #expect(file == "test.pb", sourceLocation: sourceLocation)
            #expect(found == problem, sourceLocation: sourceLocation)
            #expect(p == path, sourceLocation: sourceLocation)
            if let offset { #expect(o == offset, sourceLocation: sourceLocation) }
        } catch {
            Issue.record("expected \(problem), got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// https://protobuf.dev/programming-guides/encoding/: field 1 = 150 is `08 96 01`; field 2 =
    /// "testing" is `12 07 74 65 73 74 69 6e 67`; int32 −2 is ten bytes `fe ff … ff 01`.
    @Test func documentationExamples() throws {
        var w = ProtobufWriter()
        w.int64(1, 150)
        #expect(w.bytes == [0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.string(2, "testing")
        #expect(w.bytes == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67])
        w = ProtobufWriter()
        w.int64(1, -2)
        #expect(w.bytes == [0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        // Packed repeated int32 [3, 270, 86942] under field 4: `22 06 03 8e 02 9e a7 05`.
        w = ProtobufWriter()
        w.packedInt64s(4, [3, 270, 86942])
        #expect(w.bytes == [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05])
        var r = reader(w.bytes)
        let field = try #require(try r.nextField())
        #expect(field.number == 4 && field.wireType == .lengthDelimited)
        var values: [Int32] = []
        try r.int32s(field, "f", into: &values)
        #expect(values == [3, 270, 86942])
    }

    @Test func varintsRoundTrip() throws {
        let values: [Int64] = [0, 1, 127, 128, 255, 300, 16_383, 16_384, 1 << 31, 1 << 32, .max, -1, -2, .min, -150]
        for value in values {
            var w = ProtobufWriter()
            w.int64(3, value)
            var r = reader(w.bytes)
            let field = try #require(try r.nextField())
            #expect(field.number == 3)
            #expect(try r.int64(field, "v") == value)
            #expect(r.isAtEnd)
        }
    }

    @Test func fixedWidthAndStringsRoundTrip() throws {
        var w = ProtobufWriter()
        w.float(1, -1.5)
        w.packedFloats(2, [0.25, .infinity, -0])
        w.packedDoubles(3, [1e300, -2])
        w.string(4, "σ(x) ⊙ h")
        w.bytes(5, [0, 255, 7])
        w.message(6) { $0.int64(1, 42) }
        var r = reader(w.bytes)
        #expect(try r.float(#require(try r.nextField()), "f") == -1.5)
        var floats: [Float] = []
        try r.floats(#require(try r.nextField()), "floats", into: &floats)
        #expect(floats == [0.25, .infinity, -0])
        var doubles: [Double] = []
        try r.doubles(#require(try r.nextField()), "doubles", into: &doubles)
        #expect(doubles == [1e300, -2])
        #expect(try r.string(#require(try r.nextField()), "s") == "σ(x) ⊙ h")
        #expect(try r.bytes(#require(try r.nextField()), "b") == [0, 255, 7])
        var inner = try r.message(#require(try r.nextField()), "m")
        #expect(inner.path == "Test.m")
        #expect(try inner.int64(#require(try inner.nextField()), "i") == 42)
        #expect(inner.isAtEnd && r.isAtEnd)
    }

    /// Repeated numbers arrive packed or one field each (parsers must accept both); mixed too.
    @Test func repeatedNumbersPackedOrNot() throws {
        var w = ProtobufWriter()
        w.int64(1, 5)
        w.packedInt64s(1, [6, -7])
        w.int64(1, 8)
        w.float(2, 1)
        w.packedFloats(2, [2, 3])
        var r = reader(w.bytes)
        var ints: [Int64] = [], floats: [Float] = []
        while let field = try r.nextField() {
            if field.number == 1 { try r.int64s(field, "ints", into: &ints) } else { try r.floats(field, "floats", into: &floats) }
        }
        #expect(ints == [5, 6, -7, 8])
        #expect(floats == [1, 2, 3])
    }

    /// Unknown fields of every wire type, groups nested in groups included, are skipped.
    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        let bytes: [UInt8] = [
            0x48, 0x96, 0x01,                          // field 9 varint
            0x51, 1, 2, 3, 4, 5, 6, 7, 8,              // field 10 fixed64
            0x5a, 0x02, 0xAA, 0xBB,                    // field 11 length-delimited
            0x63, 0x68, 0x01, 0x73, 0x74, 0x64,        // field 12 group { field 13 varint; group 14 { } }
            0x7d, 1, 2, 3, 4,                          // field 15 fixed32
            0x08, 0x2a,                                // field 1 varint 42: the one we read
        ]
        var r = reader(bytes)
        var found: Int64?
        while let field = try r.nextField() {
            if field.number == 1 { found = try r.int64(field, "x") } else { try r.skip(field) }
        }
        #expect(found == 42)
    }

    /// Non-minimal varints of up to 10 bytes are read as protobuf reads them.
    @Test func nonMinimalVarintsAreAccepted() throws {
        var r = reader([0x80, 0x80, 0x00])
        #expect(try r.readVarint() == 0)
        r = reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        #expect(try r.readVarint() == .max)
        r = reader([0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])
        #expect(try r.readVarint() == 1)
    }

    @Test func badVarints() {
        // 11 bytes and more: too long.
        for length in [11, 12, 20] {
            let bytes = [UInt8](repeating: 0x80, count: length - 1) + [0x01]
            expectProblem(.varintTooLong, offset: 0) { var r = reader(bytes); _ = try r.readVarint() }
        }
        // A 10th byte above 1 holds bits past 64.
        for last: UInt8 in [0x02, 0x7f] {
            expectProblem(.varintOverflow, offset: 0) { var r = reader([UInt8](repeating: 0xff, count: 9) + [last]); _ = try r.readVarint() }
        }
        // Ending inside a varint, at any point.
        for length in 1...9 {
            expectProblem(.truncated(inside: "a varint"), offset: 0) { var r = reader([UInt8](repeating: 0x80, count: length)); _ = try r.readVarint() }
        }
        // A tag that is a bad varint.
        expectProblem(.varintTooLong, offset: 0) { var r = reader([UInt8](repeating: 0xff, count: 11)); _ = try r.nextField() }
    }

    @Test func badTags() {
        expectProblem(.invalidFieldNumber(0), offset: 0) { var r = reader([0x00, 0x01]); _ = try r.nextField() }
        expectProblem(.invalidFieldNumber(1 << 29), offset: 0) { var r = reader([0x80, 0x80, 0x80, 0x80, 0x10]); _ = try r.nextField() }
        for wire: UInt8 in [6, 7] {
            expectProblem(.invalidWireType(Int(wire)), offset: 2) { var r = reader([0x08, 0x01, 0x08 | wire]); while try r.nextField() != nil { _ = try r.readVarint() } }
        }
        expectProblem(.unmatchedEndGroup(3), offset: 0) { var r = reader([0x1c]); try r.skip(#require(try r.nextField())) }
        // A group closed with another field's end tag, or never closed.
        expectProblem(.unmatchedEndGroup(4), offset: 1, path: "Test.group 3") { var r = reader([0x1b, 0x24]); try r.skip(#require(try r.nextField())) }
        expectProblem(.truncated(inside: "group 3"), offset: 0) { var r = reader([0x1b, 0x08, 0x01]); try r.skip(#require(try r.nextField())) }
    }

    @Test func wrongWireTypesForKnownFields() {
        // A varint field sent as length-delimited, a string as a varint, a float as 64-bit.
        expectProblem(.wrongWireType(field: "x (field 1)", expected: "varint (0)", found: "length-delimited (2)"), offset: 0) {
            var r = reader([0x0a, 0x00]); _ = try r.int64(#require(try r.nextField()), "x")
        }
        expectProblem(.wrongWireType(field: "name (field 2)", expected: "length-delimited (2)", found: "varint (0)"), offset: 0) {
            var r = reader([0x10, 0x00]); _ = try r.string(#require(try r.nextField()), "name")
        }
        expectProblem(.wrongWireType(field: "f (field 2)", expected: "32-bit (5)", found: "64-bit (1)"), offset: 0) {
            var r = reader([0x11, 0, 0, 0, 0, 0, 0, 0, 0]); _ = try r.float(#require(try r.nextField()), "f")
        }
        expectProblem(.wrongWireType(field: "floats (field 2)", expected: "32-bit (5) or length-delimited (2) (packed)", found: "varint (0)"), offset: 0) {
            var r = reader([0x10, 0x00]); var v: [Float] = []; try r.floats(#require(try r.nextField()), "floats", into: &v)
        }
    }

    @Test func lengthsPastTheEndAllocateNothing() {
        // Lengths one past the end, and absurd ones (2^62, 2^64 − 1): refused before any allocation.
        for (length, encoded) in [(UInt64(3), [UInt8]([0x03])), (1 << 62, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]),
                                  (.max, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])] {
            let bytes = [0x12] + encoded + [0x61, 0x62]
            expectProblem(.lengthPastEnd(length: length, remaining: 2), offset: 1) {
                var r = reader(bytes); _ = try r.bytes(#require(try r.nextField()), "b")
            }
            expectProblem(.lengthPastEnd(length: length, remaining: 2), offset: 1) {
                var r = reader(bytes); try r.skip(#require(try r.nextField()))
            }
            expectProblem(.lengthPastEnd(length: length, remaining: 2), offset: 1) {
                var r = reader(bytes); var v: [Int64] = []; try r.int64s(#require(try r.nextField()), "ints", into: &v)
            }
        }
        // A sub-message's length counts against the enclosing message, not the whole buffer.
        expectProblem(.lengthPastEnd(length: 3, remaining: 0), offset: 3, path: "Test.m") {
            var r = reader([0x0a, 0x02, 0x12, 0x03, 0x61, 0x62, 0x63])
            var m = try r.message(#require(try r.nextField()), "m")
            _ = try m.string(#require(try m.nextField()), "s")
        }
        for count in 1...7 {
            expectProblem(.truncated(inside: "a 64-bit value"), offset: 1) { var r = reader([0x09] + [UInt8](repeating: 0, count: count)); try r.skip(#require(try r.nextField())) }
        }
        expectProblem(.packedLength(field: "floats", length: 6, elementSize: 4), offset: 2) {
            var r = reader([0x0a, 0x06, 0, 0, 0, 0, 0, 0]); var v: [Float] = []; try r.floats(#require(try r.nextField()), "floats", into: &v)
        }
    }

    @Test func nestingIsLimited() throws {
        // Groups 40 deep: refused at the limit, not by exhausting the stack.
        let depth = 40
        let bytes = [UInt8](repeating: 0x0b, count: depth) + [UInt8](repeating: 0x0c, count: depth)
        do {
            var r = reader(bytes)
            try r.skip(#require(try r.nextField()))
            Issue.record("nesting \(depth) deep was accepted")
        } catch let ONNXError.malformed(_, _, _, problem) {
            #expect(problem == .tooDeep(limit: ProtobufReader.maximumDepth))
        }
        // As deep as allowed is fine.
        let fine = [UInt8](repeating: 0x0b, count: ProtobufReader.maximumDepth) + [UInt8](repeating: 0x0c, count: ProtobufReader.maximumDepth)
        var r = reader(fine)
        try r.skip(#require(try r.nextField()))
        #expect(r.isAtEnd)
    }

    @Test func stringsMustBeUTF8AndInt32sInRange() {
        expectProblem(.invalidUTF8(field: "name"), offset: 2) { var r = reader([0x0a, 0x02, 0xc0, 0xaf]); _ = try r.string(#require(try r.nextField()), "name") }
        var w = ProtobufWriter()
        w.int64(1, 1 << 40)
        let bytes = w.bytes
        expectProblem(.outOfRange(field: "data_type", value: "\(1 << 40)", expected: "an int32"), offset: 1) {
            var r = reader(bytes); _ = try r.int32(#require(try r.nextField()), "data_type")
        }
    }
}
