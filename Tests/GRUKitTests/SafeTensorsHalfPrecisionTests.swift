import Foundation
import GRUKit
import Testing

/// Every one of the 65,536 `F16` and `BF16` bit patterns converts exactly: checked against the
/// value computed from the bit fields in `Double` arithmetic and, for `F16`, against Swift's
/// own `Float16` where the platform has it.
@Suite struct SafeTensorsHalfPrecisionTests {
    /// The value of a 16-bit float from its fields: `exponentBits` exponent bits, the rest
    /// mantissa, bias 2^(exponentBits−1) − 1.
    static func reference(_ bits: UInt16, exponentBits: Int) -> Double {
        let mantissaBits = 15 - exponentBits
        let sign: Double = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int(bits >> mantissaBits) & ((1 << exponentBits) - 1)
        let mantissa = Double(Int(bits) & ((1 << mantissaBits) - 1))
        let bias = (1 << (exponentBits - 1)) - 1
        let scale = Double(sign: .plus, exponent: -mantissaBits, significand: 1)  // 2^−mantissaBits
        switch exponent {
        case 0: return sign * mantissa * scale * Double(sign: .plus, exponent: 1 - bias, significand: 1)
        case (1 << exponentBits) - 1: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa * scale) * Double(sign: .plus, exponent: exponent - bias, significand: 1)
        }
    }

    /// A file holding all 65,536 patterns, in order, as one tensor of `dtype`.
    static func allPatterns(_ dtype: String) throws -> SafeTensorsFile {
        let data = (0...UInt16.max).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }  // little-endian
        let header = "{" + safeTensorsEntry("h", dtype, shape: [256, 256], offsets: (0, data.count)) + "}"
        return try parseSafeTensors(rawSafeTensors(header, data: data))
    }

    @Test(arguments: [("F16", 5), ("BF16", 8)])
    func everyBitPatternConvertsExactly(dtype: String, exponentBits: Int) throws {
        let st = try Self.allPatterns(dtype)
        let floats = try st.tensor("h", as: Float.self)
        let doubles = try st.tensor("h", as: Double.self)
        #expect(floats.shape == [256, 256])
        var wrong: [String] = []
        for bits in 0...UInt16.max {
            let want = Self.reference(bits, exponentBits: exponentBits)
            let (f, d) = (floats.scalars[Int(bits)], doubles.scalars[Int(bits)])
            if !sameFloatValue(Double(f), want) || !sameFloatValue(d, want) { wrong.append("0x\(String(bits, radix: 16)): \(f) vs \(want)") }
        }
        #expect(wrong.isEmpty, "\(wrong.count) patterns differ, first \(wrong.prefix(5))")
        #expect(floats.scalars.filter(\.isNaN).count == (exponentBits == 5 ? 2046 : 254))
        #expect(floats.scalars.filter(\.isSubnormal).count == (exponentBits == 5 ? 0 : 254))  // F16 subnormals are Float normals
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    @Test func f16AgreesWithSwiftFloat16() throws {
        let floats = try Self.allPatterns("F16").tensor("h", as: Float.self)
        let wrong = (0...UInt16.max).filter { !sameFloatValue(floats.scalars[Int($0)], Float(Float16(bitPattern: $0))) }
        #expect(wrong.isEmpty, "\(wrong.count) patterns differ from Float16, first \(wrong.prefix(5))")
    }
    #endif
}
