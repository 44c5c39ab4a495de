// Kernel timings at the GRU's GEMM shapes, single thread:
//
//     swift run -c release --scratch-path .build-k KernelBench [--quick] [--no-naive] [filter]
//
// For each shape: the naive Swift GEMM GRUKit has today, each fast implementation this CPU runs
// (portable C, AVX2 + FMA) through the Swift wrapper, and the packed-B GEMM where B is a weight
// matrix reused every time step (packing excluded: it happens once per sequence). Then the
// activations in ns per element against the scalar Swift ones. Times are medians.
// `GRUKIT_KERNELS=portable` makes the packed column use the portable kernels. The framework bar
// is `OPENBLAS_NUM_THREADS=1 python3 scripts/bench_numpy_sgemm.py` (same shapes).
import GRUKit

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let runNaive = !arguments.contains("--no-naive")
let filter = arguments.first { !$0.hasPrefix("--") }
let implementations = KernelBenchmarkHooks.implementations

/// `value` with `decimals` digits after the point, right-aligned in `width` characters.
func fixed(_ value: Double, _ decimals: Int, width: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
        if decimals == 0 { text = String(text[..<dot]) }
    }
    return pad(text, width, right: true)
}

/// `text` padded with spaces to `width` (on the left when `right`).
func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
}

/// Median seconds per call of `body`, over samples of at least `minSample` seconds each.
func measure(budget: Double = quick ? 0.15 : 0.6, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    body()  // warm up: caches, page faults, first-use dispatch
    let once = clock.measure(body)
    let single = Double(once.components.attoseconds) * 1e-18 + Double(once.components.seconds)
    let perSample = max(1, Int(0.02 / max(single, 1e-9)))  // ~20 ms samples
    let samples = max(3, min(25, Int(budget / max(single * Double(perSample), 1e-9))))
    var times: [Double] = []
    for _ in 0..<samples {
        let d = clock.measure { for _ in 0..<perSample { body() } }
        times.append((Double(d.components.attoseconds) * 1e-18 + Double(d.components.seconds)) / Double(perSample))
    }
    return times.sorted()[times.count / 2]
}

struct Shape {
    let name: String
    let transA: Bool, transB: Bool
    let m: Int, n: Int, k: Int
    /// B is a weight matrix reused every time step: also time the packed GEMM.
    let packed: Bool
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// The GEMMs of one GRU layer direction: T steps, batch N, input I, hidden H.
func shapes(_ config: String, i: Int, h: Int, t: Int, n: Int) -> [Shape] {
    let (h3, rows) = (3 * h, t * n)
    return [
        Shape(name: "\(config) input proj X·W_ihᵀ", transA: false, transB: true, m: rows, n: h3, k: i, packed: false),
        Shape(name: "\(config) step h·W_hhᵀ", transA: false, transB: true, m: n, n: h3, k: h, packed: true),
        Shape(name: "\(config) step back dG·W_hh", transA: false, transB: false, m: n, n: h, k: h3, packed: true),
        Shape(name: "\(config) dW_hh = dGᵀ·H", transA: true, transB: false, m: h3, n: h, k: rows, packed: false),
        Shape(name: "\(config) dW_ih = dGᵀ·X", transA: true, transB: false, m: h3, n: i, k: rows, packed: false),
        Shape(name: "\(config) dX = dG·W_ih", transA: false, transB: false, m: rows, n: i, k: h3, packed: false),
    ]
}

var all = shapes("B", i: 64, h: 256, t: 100, n: 64)
    + shapes("C", i: 128, h: 512, t: 50, n: 32)
    + shapes("D", i: 32, h: 128, t: 1000, n: 1)
// E: layer 0 is B's shapes; layer 1 reads both directions, I = 2H = 512.
all += shapes("E1", i: 512, h: 256, t: 100, n: 64).filter { $0.name.contains("W_ih") || $0.name.contains("dX") }
if let filter { all = all.filter { $0.name.contains(filter) } }

func randomArray(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1) } }

func cell(_ seconds: Double?, _ flops: Double) -> String {
    guard let seconds else { return String(repeating: " ", count: 18) + "—" }
    let time = seconds < 1e-3 ? fixed(seconds * 1e6, 1, width: 7) + " µs" : fixed(seconds * 1e3, 2, width: 7) + " ms"
    return time + fixed(flops / seconds * 1e-9, 1, width: 7) + " GF"
}

print("CGRUKernels: active \(KernelBenchmarkHooks.active); timing \(implementations.joined(separator: ", ")); single thread")
var header = pad("shape", 28) + "   m     n     k  " + pad("naive Swift", 19)
for name in implementations { header += " | " + pad(name, 17) }
header += " | packed (\(KernelBenchmarkHooks.active))"
print(header)

for shape in all {
    let lda = shape.transA ? shape.m : shape.k, ldb = shape.transB ? shape.k : shape.n
    let a = randomArray(shape.m * shape.k), b = randomArray(shape.k * shape.n)
    var c = [Float](repeating: 0, count: shape.m * shape.n)
    var line = pad(shape.name, 28)
        + pad("\(shape.m)", 5, right: true) + pad("\(shape.n)", 6, right: true) + pad("\(shape.k)", 6, right: true) + "  "
    var naive: Double?
    if runNaive {
        naive = measure(budget: quick ? 0.1 : 0.3) {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        KernelBenchmarkHooks.naiveGEMM(
                            transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                            a.baseAddress!, lda: lda, b.baseAddress!, ldb: ldb, c.baseAddress!, ldc: shape.n,
                            accumulate: false)
                    }
                }
            }
        }
    }
    line += cell(naive, shape.flops)
    for name in implementations {
        let t = measure {
            KernelBenchmarkHooks.fastGEMM(
                name, transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                a, lda: lda, b, ldb: ldb, into: &c, ldc: shape.n, accumulate: false)
        }
        line += " | " + cell(t, shape.flops)
    }
    if shape.packed {
        let packed = KernelBenchmarkHooks.Packed(transB: shape.transB, k: shape.k, n: shape.n, b, ldb: ldb)
        let t = measure {
            KernelBenchmarkHooks.packedGEMM(KernelBenchmarkHooks.active, m: shape.m, a, lda: lda, packed,
                                            into: &c, ldc: shape.n, accumulate: false)
        }
        line += " | " + cell(t, shape.flops)
    }
    print(line)
}

// Activations over a (N, 3H) = (64, 768) gate block, inputs in [-8, 8].
let count = 64 * 768
let input = (0..<count).map { _ in Float.random(in: -8...8) }
func perElement(_ body: (inout [Float]) -> Void) -> String {
    var x = input
    let t = measure {
        x.withUnsafeMutableBufferPointer { _ in }  // keep `x` unique so in-place calls never copy
        body(&x)
    }
    return fixed(t / Double(count) * 1e9, 3, width: 6) + " ns/element"
}
print("\nactivations over \(count) floats")
print("sigmoid  scalar Swift (GRUScalar.sigmoid): \(perElement { KernelBenchmarkHooks.scalarSigmoid(&$0) })")
for name in implementations {
    print("sigmoid  \(pad(name, 31)): \(perElement { KernelBenchmarkHooks.sigmoid(name, &$0) })")
}
print("tanh     scalar Swift (Float.tanh)       : \(perElement { KernelBenchmarkHooks.scalarTanh(&$0) })")
for name in implementations {
    print("tanh     \(pad(name, 31)): \(perElement { KernelBenchmarkHooks.tanh(name, &$0) })")
}
