/// Little-endian element I/O on raw bytes: the only pointer code of the safetensors reader and
/// writer. Values are converted from and to little-endian explicitly, so files are the same
/// on every host.
enum LittleEndianBytes {
    /// Reads `count` little-endian `Stored` values from the start of `bytes`, converting each.
    ///
    /// - Parameters:
    ///   - bytes: at least `count × MemoryLayout<Stored>.size` bytes, at any alignment.
    ///   - convert: receives each element's flat index and value; may throw to stop.
    static func read<Stored: FixedWidthInteger, Element>(
        _ bytes: UnsafeRawBufferPointer, count: Int, as _: Stored.Type,
        convert: (Int, Stored) throws -> Element
    ) rethrows -> [Element] {
        let size = MemoryLayout<Stored>.size
        assert(count >= 0 && bytes.count >= count * size)
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for i in 0..<count {
            let stored = Stored(littleEndian: bytes.loadUnaligned(fromByteOffset: i * size, as: Stored.self))
            elements.append(try convert(i, stored))
        }
        return elements
    }

    /// The little-endian bytes of `values`, one after another.
    static func bytes<Stored: FixedWidthInteger>(of values: [Stored]) -> [UInt8] {
        let size = MemoryLayout<Stored>.size
        var bytes = [UInt8](repeating: 0, count: values.count * size)
        bytes.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: value.littleEndian, toByteOffset: i * size, as: Stored.self)
            }
        }
        return bytes
    }
}

/// Exact conversions of the 16-bit float formats to `Float`.
///
/// Every `F16` and `BF16` value is exactly a `Float`: signed zeros, subnormals, infinities and
/// NaN (its payload kept in the high mantissa bits) included.
enum HalfPrecision {
    /// The IEEE 754 binary16 value with these bits: 1 sign, 5 exponent (bias 15), 10 mantissa.
    static func float(fromF16 bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        switch exponent {
        case 0:  // zero or subnormal: mantissa × 2⁻²⁴, exact in Float
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:  // infinity (mantissa 0) or NaN
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:  // normal: rebias the exponent from 15 to 127
            return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | mantissa << 13)
        }
    }

    /// The bfloat16 value with these bits: the high half of a binary32 `Float`.
    static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
