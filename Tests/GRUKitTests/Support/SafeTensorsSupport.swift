import Foundation
import GRUKit
import Testing

/// The folder of committed safetensors fixtures, written by
/// `scripts/make_safetensors_fixtures.py`.
let safeTensorsFixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures").appendingPathComponent("safetensors")

/// What Python says a fixture file holds (`expected.json`).
struct SafeTensorsExpectation: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        /// Every element: floats as Python's `repr` of the float64 value, integers as digits.
        let values: [String]
    }

    let metadata: [String: String]
    let tensors: [String: Entry]

    /// The expectations for every fixture file, by file name.
    static func load() throws -> [String: SafeTensorsExpectation] {
        let data = try Data(contentsOf: safeTensorsFixtures.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode([String: SafeTensorsExpectation].self, from: data)
    }
}

/// The bytes of a safetensors file built by hand: the little-endian length of `header`
/// (or `length` when given, to lie about it), the header, then `data`.
func rawSafeTensors(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> Data {
    rawSafeTensors(bytes: Array(header.utf8), data: data, length: length)
}

/// The bytes of a safetensors file whose header is given as bytes, valid UTF-8 or not.
func rawSafeTensors(bytes header: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> Data {
    let n = length ?? UInt64(header.count)
    return Data((0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) } + header + data)
}

/// A header entry for tensor `name`, as JSON text.
func safeTensorsEntry(_ name: String, _ dtype: String = "F32", shape: [Int], offsets: (Int, Int)) -> String {
    "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(offsets.0),\(offsets.1)]}"
}

/// Whether two floats are the same value: equal with the same sign (so 0 ≠ −0), or both NaN.
func sameFloatValue<S: BinaryFloatingPoint>(_ a: S, _ b: S) -> Bool {
    (a.isNaN && b.isNaN) || (a == b && a.sign == b.sign)
}

/// Expects `body` to throw exactly `expected`, whose message names every string in `mentions`
/// (typically the file name and the key).
func expectSafeTensorsError(
    _ expected: SafeTensorsError, mentions: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(expected), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as SafeTensorsError {
        #expect(error == expected, sourceLocation: sourceLocation)
        for text in mentions {
            #expect(error.description.contains(text), "\(error) should mention \(text)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Parses in-memory bytes named `test.safetensors`, as the malformed-file tests do.
@discardableResult
func parseSafeTensors(_ data: Data) throws -> SafeTensorsFile {
    try SafeTensorsFile(data: data, name: "test.safetensors")
}
