@testable import GRUKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The vectorised sigmoid and tanh against `Double` references over the whole float range.
@Suite struct KernelActivationTests {
    /// ±0, subnormals, the smallest normal, the tanh branch point, where sigmoid rounds to 1 and
    /// where e^x underflows, overflow, ±inf; a point in every 2¹⁶-th bit pattern (every binade,
    /// both signs); and a dense grid over [−20, 20].
    static let inputs: [Float] = {
        var x: [Float] = [0, Float.leastNonzeroMagnitude, 0x1p-133, Float.leastNormalMagnitude, 1e-20, 1e-10, 1e-4, 0.1,
                          Float(0.625).nextDown, 0.625, Float(0.625).nextUp, 1, 2, 5, 8.5, 9.1, 15, 16.7, 17, 20, 30,
                          50, 87, 87.4, 88.8, 89, 100, 103.9, 104, 104.1, 110, 1e10, Float.greatestFiniteMagnitude,
                          .infinity]
        x += x.map { -$0 }
        var bits: UInt32 = 12345
        while true {
            let value = Float(bitPattern: bits)
            if !value.isNaN { x.append(value) }
            let (next, overflow) = bits.addingReportingOverflow(65537)
            if overflow { break }
            bits = next
        }
        for i in -20_000...20_000 { x.append(Float(i) * 1e-3) }
        return x
    }()

    static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

    /// Absolute error and error in units of the float spacing at the exact value (for results
    /// of at least the smallest normal float), over ``inputs``.
    static func errors(_ f: (inout [Float]) -> Void, _ reference: (Double) -> Double) -> (absolute: Double, ulps: Double, worstInput: Float) {
        var y = inputs
        f(&y)
        var (absolute, ulps, worst) = (0.0, 0.0, Float(0))
        for (x, y) in zip(inputs, y) {
            let exact = reference(Double(x))
            let error = abs(Double(y) - exact)
            absolute = max(absolute, error)
            let rounded = Float(exact)
            if abs(rounded) >= Float.leastNormalMagnitude {
                let u = error / Double(rounded.ulp)
                if u > ulps { (ulps, worst) = (u, x) }
            }
            if error.isNaN { absolute = .nan }
        }
        return (absolute, ulps, worst)
    }

    @Test(arguments: FastKernels.available)
    func sigmoidAccuracy(kernels: FastKernels) {
        let e = Self.errors({ kernels.sigmoid(&$0, 0, count: $0.count) }, Self.sigmoid)
        print("\(kernels.name) sigmoid: max abs error \(e.absolute), max \(e.ulps) ulp (at x = \(e.worstInput))")
        #expect(e.absolute <= 3e-7)
        #expect(e.ulps <= 4)
    }

    @Test(arguments: FastKernels.available)
    func tanhAccuracy(kernels: FastKernels) {
        let e = Self.errors({ kernels.tanh(&$0, 0, count: $0.count) }, { tanh($0) })
        print("\(kernels.name) tanh: max abs error \(e.absolute), max \(e.ulps) ulp (at x = \(e.worstInput))")
        #expect(e.absolute <= 3e-7)
        #expect(e.ulps <= 4)
    }

    @Test(arguments: FastKernels.available)
    func specialValues(kernels: FastKernels) {
        let x: [Float] = [0, -0.0, .infinity, -.infinity, .nan, -.nan, 1e-30, -1e-30, 200, -200]
        var s = [Float](repeating: 7, count: x.count), t = s
        kernels.sigmoid(x, 0, into: &s, 0, count: x.count)
        kernels.tanh(x, 0, into: &t, 0, count: x.count)
        #expect(s[0] == 0.5 && s[1] == 0.5 && s[2] == 1 && s[3] == 0 && s[4].isNaN && s[5].isNaN)
        #expect(s[6] == 0.5 && s[7] == 0.5 && s[8] == 1 && s[9] == 0)
        #expect(t[0] == 0 && t[0].sign == .plus && t[1] == 0 && t[1].sign == .minus)
        #expect(t[2] == 1 && t[3] == -1 && t[4].isNaN && t[5].isNaN)
        #expect(t[6] == 1e-30 && t[7] == -1e-30 && t[8] == 1 && t[9] == -1)
    }

    /// Every element gets the same result whatever its position and the count (the tail of a
    /// count that is not a multiple of the vector width goes through the same code), and only
    /// `count` elements from the offset are written.
    @Test(arguments: FastKernels.available)
    func tailsAndOffsets(kernels: FastKernels) {
        var g = SeededGenerator(seed: 9)
        let x = (0..<40).map { _ in g.uniform(Float(-6), Float(6)) }
        var one = [Float](repeating: 0, count: 1), alone = [Float](), alone2 = [Float]()
        for v in x {
            kernels.sigmoid([v], 0, into: &one, 0, count: 1)
            alone.append(one[0])
            kernels.tanh([v], 0, into: &one, 0, count: 1)
            alone2.append(one[0])
        }
        for count in 0...19 {
            for offset in [0, 3] {
                var s = [Float](repeating: 9, count: 45), t = s
                kernels.sigmoid(x, offset, into: &s, 2, count: count)
                kernels.tanh(x, offset, into: &t, 2, count: count)
                for i in 0..<45 {
                    let inside = i >= 2 && i < 2 + count
                    #expect(s[i] == (inside ? alone[i - 2 + offset] : 9), "sigmoid count \(count) offset \(offset) at \(i)")
                    #expect(t[i] == (inside ? alone2[i - 2 + offset] : 9), "tanh count \(count) offset \(offset) at \(i)")
                }
            }
        }
    }
}
