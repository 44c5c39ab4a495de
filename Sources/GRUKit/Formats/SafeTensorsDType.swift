/// The element types a safetensors header can name, spelled as in the header.
///
/// GRUKit recognises every dtype of the reference implementation (safetensors 0.8), so that a
/// file holding some exotic tensor still opens and its other tensors can be read. Converting
/// a tensor supports only some of them:
/// - ``SafeTensorsFile/tensor(_:as:)`` reads `F64`, `F32`, `F16`, `BF16` and every integer type;
/// - ``SafeTensorsFile/integers(_:)`` reads `I8` … `I64` and `U8` … `U64`;
/// - ``SafeTensorsWriter`` writes `F64`, `F32` and `I64`.
///
/// The others (`BOOL`, `C64`, the 8-, 6- and 4-bit floats) are recognised, size-checked and
/// reported clearly when asked for.
///
/// The cases are declared in the reference's order of increasing alignment, which
/// ``SafeTensorsWriter`` follows (descending) to lay tensors out as the reference does.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    /// Booleans, one byte each (0 or 1).
    case bool = "BOOL"
    /// 4-bit floats (E2M1), two per byte.
    case f4 = "F4"
    /// 6-bit floats with 2 exponent and 3 mantissa bits.
    case f6E2M3 = "F6_E2M3"
    /// 6-bit floats with 3 exponent and 2 mantissa bits.
    case f6E3M2 = "F6_E3M2"
    /// Unsigned 8-bit integers.
    case u8 = "U8"
    /// Signed 8-bit integers.
    case i8 = "I8"
    /// 8-bit floats with 5 exponent and 2 mantissa bits.
    case f8E5M2 = "F8_E5M2"
    /// 8-bit floats with 4 exponent and 3 mantissa bits.
    case f8E4M3 = "F8_E4M3"
    /// 8-bit exponent-only scales (E8M0).
    case f8E8M0 = "F8_E8M0"
    /// 8-bit floats E4M3, finite, no negative zero.
    case f8E4M3FNUZ = "F8_E4M3FNUZ"
    /// 8-bit floats E5M2, finite, no negative zero.
    case f8E5M2FNUZ = "F8_E5M2FNUZ"
    /// Signed 16-bit integers.
    case i16 = "I16"
    /// Unsigned 16-bit integers.
    case u16 = "U16"
    /// IEEE 754 half precision (binary16).
    case f16 = "F16"
    /// bfloat16: the high 16 bits of a binary32 float.
    case bf16 = "BF16"
    /// Signed 32-bit integers.
    case i32 = "I32"
    /// Unsigned 32-bit integers.
    case u32 = "U32"
    /// IEEE 754 single precision (binary32), `Float`.
    case f32 = "F32"
    /// Complex numbers of two binary32 floats (real, imaginary).
    case c64 = "C64"
    /// IEEE 754 double precision (binary64), `Double`.
    case f64 = "F64"
    /// Signed 64-bit integers.
    case i64 = "I64"
    /// Unsigned 64-bit integers.
    case u64 = "U64"

    /// The number of bits one element occupies in the data buffer.
    public var bitWidth: Int {
        switch self {
        case .f4: return 4
        case .f6E2M3, .f6E3M2: return 6
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0, .f8E4M3FNUZ, .f8E5M2FNUZ: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Whether ``SafeTensorsFile/tensor(_:as:)`` converts this dtype to floating point exactly
    /// (or, for `F64` read as `Float`, by rounding).
    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: return true
        default: return false
        }
    }

    /// Whether ``SafeTensorsFile/integers(_:)`` reads this dtype.
    public var isInteger: Bool {
        switch self {
        case .i8, .i16, .i32, .i64, .u8, .u16, .u32, .u64: return true
        default: return false
        }
    }

    /// The number of bits `elementCount` elements occupy, or `nil` when that overflows `Int`.
    func bitCount(of elementCount: Int) -> Int? {
        let (bits, overflow) = elementCount.multipliedReportingOverflow(by: bitWidth)
        return overflow ? nil : bits
    }
}
