import Foundation
import GRUKit
import Testing

/// Files our writer produces for `scripts/check_safetensors_interop.py`, which loads them with
/// the Python `safetensors` package and checks every value. The script spells out the same
/// values independently: change both together.
@Suite struct SafeTensorsInteropTests {
    /// Where to write the files; the writing test runs only when this is set.
    static let directory = ProcessInfo.processInfo.environment["GRUKIT_INTEROP_DIR"]

    static let specials: [Double] = [0, -0.0, 1, -1.5, 0.1, 1e-45, .infinity, -.infinity, .nan, 3.4028234663852886e38]

    /// Each file's name and the writer holding its tensors.
    static func files() throws -> [(name: String, writer: SafeTensorsWriter)] {
        var floats = SafeTensorsWriter(metadata: ["format": "pt", "note": "GRUKit ✓ \"quoted\"\nline\ttab\\ end"])
        try floats.add("scalar", Tensor<Float>(shape: [], scalars: [3.25]))
        try floats.add("empty", Tensor<Float>(zeros: [0, 3]))
        try floats.add("block", Tensor<Float>(zeros: [3, 0, 2]))
        try floats.add("specials", Tensor<Float>(shape: [10], scalars: specials.map { Float($0) }))
        try floats.add("ramp", Tensor<Float>(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) / 8 - 1.5 }))

        var doubles = SafeTensorsWriter(metadata: ["format": "np"])
        try doubles.add("specials", Tensor<Double>(shape: [12], scalars: specials + [.leastNonzeroMagnitude, .greatestFiniteMagnitude]))
        try doubles.add("ramp", Tensor<Double>(shape: [4, 5], scalars: (0..<20).map { Double($0) * 0.1 }))
        try doubles.add("rounded", Tensor<Double>(shape: [3], scalars: [0.1, 1.0 / 3, -2.0 / 3]), as: .f32)

        var integers = SafeTensorsWriter()
        try integers.addIntegers("extremes", shape: [5], values: [Int.min, Int.max, 0, -1, 1 << 53 + 1])
        try integers.addIntegers("lengths", shape: [2, 3], values: [5, 1, 7, 0, 3, 2])
        try integers.addIntegers("scalar", shape: [], values: [-42])
        try integers.addIntegers("empty", shape: [0], values: [])

        var names = SafeTensorsWriter()
        for (i, name) in ["quote\"d", "tab\tname", "ünïcödé ✓", "a.b/c:d", "", "back\\slash", "ctl\u{1}"].enumerated() {
            try names.add(name, Tensor<Float>(shape: [1], scalars: [Float(i)]))
        }

        var mixed = SafeTensorsWriter(metadata: ["k": "v"])
        try mixed.add("w", Tensor<Float>(shape: [3], scalars: [1, 2, 3]))
        try mixed.add("b", Tensor<Double>(shape: [1], scalars: [0.5]))
        try mixed.addIntegers("n", shape: [2], values: [7, -7])

        return [("floats.safetensors", floats), ("doubles.safetensors", doubles), ("integers.safetensors", integers),
                ("names.safetensors", names), ("mixed.safetensors", mixed), ("empty.safetensors", SafeTensorsWriter())]
    }

    @Test(.enabled(if: directory != nil, "set GRUKIT_INTEROP_DIR to write files for scripts/check_safetensors_interop.py"))
    func writeFilesForPython() throws {
        let folder = URL(fileURLWithPath: try #require(Self.directory))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, writer) in try Self.files() {
            try writer.write(to: folder.appendingPathComponent(name))
        }
    }

    /// The same files read back with our reader, so a broken writer fails here too.
    @Test func interopFilesReadBack() throws {
        for (name, writer) in try Self.files() {
            let st = try SafeTensorsFile(data: writer.serialized(), name: name)
            #expect(st.names == writer.names && st.metadata == writer.metadata, "\(name)")
        }
        let names = try SafeTensorsFile(data: Self.files()[3].writer.serialized())
        #expect(try names.tensor("ünïcödé ✓", as: Float.self).scalars == [2])
        #expect(try names.tensor("ctl\u{1}", as: Float.self).scalars == [6])
    }
}
