import Foundation
import GRUKit
import Testing

/// Files written by the Python `safetensors` package load element for element as Python
/// computed them (`scripts/make_safetensors_fixtures.py`, `expected.json`).
@Suite struct SafeTensorsPythonFixtureTests {
    static let files = ["torch_dtypes.safetensors", "numpy_unsigned.safetensors", "python_writer.safetensors"]

    static func open(_ file: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: safeTensorsFixtures.appendingPathComponent(file))
    }

    static func path(_ file: String) -> String {
        safeTensorsFixtures.appendingPathComponent(file).path
    }

    @Test(arguments: files) func namesMetadataAndShapesMatchPython(file: String) throws {
        let expected = try #require(try SafeTensorsExpectation.load()[file])
        let st = try Self.open(file)
        #expect(st.metadata == expected.metadata)
        #expect(st.names == expected.tensors.keys.sorted())
        for (name, entry) in expected.tensors {
            let info = try #require(st.info(name))
            #expect(info.dtype.rawValue == entry.dtype, "\(name)")
            #expect(info.shape == entry.shape, "\(name)")
        }
        #expect(st.info("absent") == nil)
    }

    @Test(arguments: files) func everyElementMatchesPython(file: String) throws {
        let expected = try #require(try SafeTensorsExpectation.load()[file])
        let st = try Self.open(file)
        var checked = 0
        for (name, entry) in expected.tensors.sorted(by: { $0.key < $1.key }) {
            let dtype = try #require(st.info(name)?.dtype)
            if dtype.isFloatingPoint {
                let want = entry.values.map { Double($0) }
                #expect(!want.contains(nil), "\(name): unparsable expectation")
                let doubles = try st.tensor(name, as: Double.self)
                #expect(doubles.shape == entry.shape)
                let wrong = zip(doubles.scalars, want).enumerated().filter { !sameFloatValue($1.0, $1.1 ?? 0) }
                #expect(wrong.isEmpty, "\(name) as Double: \(wrong.count) of \(want.count) differ, first \(wrong.first.map { "\($0)" } ?? "")")
                if dtype != .f64 {  // F32, F16, BF16 values are all exactly Floats
                    let floats = try st.tensor(name, as: Float.self)
                    let wrongFloats = zip(floats.scalars, want).filter { !sameFloatValue($0, Float($1 ?? 0)) }
                    #expect(wrongFloats.isEmpty, "\(name) as Float: \(wrongFloats.count) differ")
                }
            } else if dtype.isInteger {
                let want = entry.values.map { Int($0) }
                if let tooLarge = want.firstIndex(of: nil) {  // only U64 has values past Int.max
                    expectSafeTensorsError(.notRepresentable(
                        file: Self.path(file), key: name, index: [tooLarge], value: entry.values[tooLarge], target: "Int"),
                        mentions: [name]) { _ = try st.integers(name) }
                } else {
                    let got = try st.integers(name)
                    #expect(got.shape == entry.shape && got.values == want.map { $0 ?? 0 }, "\(name)")
                }
            } else {
                expectSafeTensorsError(.cannotConvert(file: Self.path(file), key: name, dtype: dtype, target: "Float")) {
                    _ = try st.tensor(name, as: Float.self)
                }
            }
            checked += entry.values.count
        }
        #expect(checked > 0)
    }

    @Test func integerDTypesReadAsFloatsOnlyWhenExact() throws {
        let st = try Self.open("torch_dtypes.safetensors")
        let path = Self.path("torch_dtypes.safetensors")
        #expect(try st.tensor("i32", as: Double.self).scalars == [0, -1, 2_147_483_647, -2_147_483_648, 16_777_217])
        expectSafeTensorsError(.notRepresentable(file: path, key: "i32", index: [2], value: "2147483647", target: "Float"),
                               mentions: [path, "\"i32\"", "[2]"]) { _ = try st.tensor("i32", as: Float.self) }
        expectSafeTensorsError(.notRepresentable(
            file: path, key: "i64", index: [0, 2], value: "9223372036854775807", target: "Double")) {
            _ = try st.tensor("i64", as: Double.self)
        }
        #expect(try st.tensor("scalar_i64", as: Float.self) == Tensor(shape: [], scalars: [-42]))
        #expect(try st.tensor("u8", as: Float.self).scalars == [0, 255, 7])
        #expect(try st.tensor("empty_i64", as: Double.self).shape == [2, 0])
        let unsigned = try Self.open("numpy_unsigned.safetensors")
        expectSafeTensorsError(.notRepresentable(
            file: Self.path("numpy_unsigned.safetensors"), key: "u64", index: [2], value: "18446744073709551615",
            target: "Double")) { _ = try unsigned.tensor("u64", as: Double.self) }
        #expect(try unsigned.tensor("u32", as: Double.self).scalars == [0, 4_294_967_295, 16_777_217, 5])
    }

    @Test func f64ReadAsFloatRoundsButRejectsFiniteOverflow() throws {
        let st = try Self.open("python_writer.safetensors")
        #expect(try st.tensor("bias", as: Float.self).scalars == [0.1, -0.2])  // rounded to nearest
        let dtypes = try Self.open("torch_dtypes.safetensors")
        expectSafeTensorsError(.notRepresentable(
            file: Self.path("torch_dtypes.safetensors"), key: "f64", index: [0, 3], value: "1.7976931348623157e+308",
            target: "Float")) { _ = try dtypes.tensor("f64", as: Float.self) }
    }

    @Test func floatAndBoolTensorsAreNotIntegers() throws {
        let st = try Self.open("torch_dtypes.safetensors")
        let path = Self.path("torch_dtypes.safetensors")
        expectSafeTensorsError(.cannotConvert(file: path, key: "f32", dtype: .f32, target: "Int"),
                               mentions: [path, "\"f32\"", "tensor(_:as:)"]) { _ = try st.integers("f32") }
        expectSafeTensorsError(.cannotConvert(file: path, key: "bool", dtype: .bool, target: "Int")) {
            _ = try st.integers("bool")
        }
        expectSafeTensorsError(.cannotConvert(file: path, key: "bool", dtype: .bool, target: "Double"),
                               mentions: ["BOOL"]) { _ = try st.tensor("bool", as: Double.self) }
    }

    /// Reading what Python wrote and writing it back gives Python's bytes exactly: same order,
    /// same JSON, same padding.
    @Test func pythonFileRoundTripsByteForByte() throws {
        let url = safeTensorsFixtures.appendingPathComponent("python_writer.safetensors")
        let st = try SafeTensorsFile(contentsOf: url)
        var writer = SafeTensorsWriter(metadata: st.metadata)
        for name in st.names {
            switch st.info(name)?.dtype {
            case .f32?: try writer.add(name, st.tensor(name, as: Float.self))
            case .f64?: try writer.add(name, st.tensor(name, as: Double.self))
            default:
                let ints = try st.integers(name)
                try writer.addIntegers(name, shape: ints.shape, values: ints.values)
            }
        }
        let python = try Data(contentsOf: url)
        let ours = writer.serialized()
        #expect(ours == python, "ours:\n\(String(decoding: ours.prefix(400), as: UTF8.self))\npython:\n\(String(decoding: python.prefix(400), as: UTF8.self))")
    }
}
