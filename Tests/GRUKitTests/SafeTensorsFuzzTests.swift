import Foundation
import GRUKit
import Testing

/// Seeded random inputs: parsing and reading never trap (a trap would end the test run),
/// every error names the file, and whatever parses reads back consistently.
@Suite struct SafeTensorsFuzzTests {
    static let name = "fuzz.safetensors"

    /// Parses `bytes`; on success reads every tensor every way and returns `nil`, else returns
    /// the name of the error's case.
    @discardableResult
    static func exercise(_ bytes: Data) -> String? {
        let st: SafeTensorsFile
        do {
            st = try SafeTensorsFile(data: bytes, name: name)
        } catch let error as SafeTensorsError {
            #expect(error.description.hasPrefix(name + ": "), "\(error)")
            return Mirror(reflecting: error).children.first?.label ?? "\(error)"
        } catch {
            Issue.record("unexpected error type: \(error)")
            return "\(error)"
        }
        for tensorName in st.names {
            guard let info = st.info(tensorName) else {
                Issue.record("\(tensorName) is listed but has no info")
                continue
            }
            #expect(info.dataOffsets.upperBound <= bytes.count)
            let count = info.shape.reduce(1, *)
            if let floats = try? st.tensor(tensorName, as: Float.self) { #expect(floats.count == count && floats.shape == info.shape) }
            if let doubles = try? st.tensor(tensorName, as: Double.self) { #expect(doubles.count == count) }
            if let ints = try? st.integers(tensorName) { #expect(ints.values.count == count) }
        }
        return nil
    }

    /// A valid file with several dtypes, a scalar, an empty tensor and metadata.
    static func validFile() throws -> Data {
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "k": "v"])
        try writer.add("w", Tensor<Float>(shape: [2, 3], scalars: [1, -2, 0.5, .nan, .infinity, -0.0]))
        try writer.add("b", Tensor<Double>(shape: [3], scalars: [0.1, -0.2, 1e-300]))
        try writer.add("s", Tensor<Float>(shape: [], scalars: [7]))
        try writer.add("e", Tensor<Float>(zeros: [0, 4]))
        try writer.addIntegers("n", shape: [2], values: [3, -4])
        return writer.serialized()
    }

    @Test func randomBytesNeverTrap() {
        var g = SeededGenerator(seed: 1)
        for _ in 0..<3000 {
            let count = g.index(below: 80)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            if count >= 8 && g.index(below: 2) == 0 {  // a plausible length, so the JSON gets parsed
                let n = UInt64(g.index(below: count - 7))
                for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
            }
            Self.exercise(Data(bytes))
        }
    }

    /// Random headers from a grammar that mostly follows the schema but picks wrong kinds,
    /// lying sizes, duplicates and stray fields: they reach every schema check.
    @Test func randomSchemaHeadersNeverTrap() {
        var g = SeededGenerator(seed: 2)
        func pick<T>(_ options: [T]) -> T { options[g.index(below: options.count)] }
        func integer() -> String { pick(["0", "1", "2", "3", "4", "8", "12", "16", "-1", "1.5", "1e3", "9223372036854775807",
                                         "18446744073709551616", "4294967296"]) }
        func scalar() -> String { pick([integer(), "\"F32\"", "\"x\"", "null", "true", "[]", "{}", "\"\\ud800\""]) }
        func integers(_ count: Int) -> String { "[" + (0..<count).map { _ in integer() }.joined(separator: ",") + "]" }
        func entry() -> String {
            var fields = ["\"dtype\":" + pick(["\"F32\"", "\"F64\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"I32\"", "\"U8\"",
                                              "\"F4\"", "\"BOOL\"", "\"F128\"", scalar()]),
                          "\"shape\":" + (g.index(below: 6) == 0 ? scalar() : integers(g.index(below: 4))),
                          "\"data_offsets\":" + (g.index(below: 6) == 0 ? scalar() : integers(g.index(below: 8) == 0 ? 3 : 2))]
            if g.index(below: 8) == 0 { fields.append("\"extra\":1") }
            if g.index(below: 8) == 0 { fields.removeLast() }
            if g.index(below: 8) == 0 { fields.append(fields[0]) }
            return g.index(below: 12) == 0 ? scalar() : "{" + fields.shuffled(using: &g).joined(separator: ",") + "}"
        }
        var reached: Set<String> = []
        for _ in 0..<3000 {
            var members: [String] = []
            for _ in 0..<g.index(below: 4) {
                let key = pick(["w", "v", "u", "__metadata__"])
                let value = key == "__metadata__"
                    ? pick(["{\"a\":\"b\"}", "{\"a\":1}", "null", "[]", "{\"a\":\"b\",\"a\":\"c\"}"]) : entry()
                members.append("\"\(key)\":\(value)")
            }
            var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
            if g.index(below: 10) == 0, !header.isEmpty { header[g.index(below: header.count)] = UInt8(truncatingIfNeeded: g.next()) }
            let data = [UInt8](repeating: 0, count: pick([0, 4, 8, 12, 16]))
            reached.insert(Self.exercise(rawSafeTensors(bytes: header, data: data)) ?? "parsed")
        }
        #expect(reached.count >= 15, "the grammar reached only \(reached.sorted())")
    }

    /// Mutations of valid files: flipped bits, overwritten, inserted and deleted bytes,
    /// truncation, a rewritten length field. Some still parse and must read consistently.
    @Test func mutatedValidFilesNeverTrap() throws {
        let originals = [try Self.validFile(),
                         try Data(contentsOf: safeTensorsFixtures.appendingPathComponent("torch_dtypes.safetensors"))]
        for original in originals { #expect(Self.exercise(original) == nil) }
        var g = SeededGenerator(seed: 3)
        var parsed = 0
        for iteration in 0..<4000 {
            var bytes = [UInt8](originals[iteration % originals.count])
            for _ in 0...g.index(below: 3) {
                let position = g.index(below: bytes.count)
                switch g.index(below: 7) {
                case 0: bytes[position] ^= 1 << UInt8(g.index(below: 8))
                case 1: bytes[position] = UInt8(truncatingIfNeeded: g.next())
                case 2: bytes.insert(UInt8(truncatingIfNeeded: g.next()), at: position)
                case 3: if bytes.count > 1 { bytes.remove(at: position) }
                case 4: bytes.removeLast(g.index(below: min(bytes.count, 16)))
                case 5: bytes[g.index(below: 8)] = UInt8(truncatingIfNeeded: g.next())  // the length field
                default:  // a digit in the header changed into another digit: offsets and shapes lie
                    let digits = bytes.indices.filter { (48...57).contains(bytes[$0]) }
                    if !digits.isEmpty { bytes[digits[g.index(below: digits.count)]] = UInt8(48 + g.index(below: 10)) }
                }
            }
            if Self.exercise(Data(bytes)) == nil { parsed += 1 }
        }
        #expect(parsed > 50, "only \(parsed) mutated files parsed; the loop should reach the reading code")
    }
}
