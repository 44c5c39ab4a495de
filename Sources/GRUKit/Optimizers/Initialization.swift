/// How to draw a GRU's initial weights.
public enum Initialization: String, Hashable, Sendable, Codable, CaseIterable {
    /// PyTorch's: every weight and bias uniform in (−1/√H, 1/√H).
    case pytorch
    /// Keras's: W_ih Glorot (Xavier) uniform over the whole (3H, I) matrix — limit
    /// √(6 / (I + 3H)), as Keras draws its (I, 3H) kernel —, each gate's (H, H) block of W_hh
    /// orthogonal (QR of a Gaussian matrix, signs fixed so the draw is unique), biases zero.
    case xavierOrthogonal = "xavier-orthogonal"
}

extension GRUParameters {
    /// Weights drawn by `scheme` from `generator`.
    public static func initialized(
        _ scheme: Initialization, inputSize: Int, hiddenSize: Int, bias: Bool = true, using generator: inout SeededGenerator
    ) throws -> GRUParameters {
        switch scheme {
        case .pytorch:
            return try pytorchDefault(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
        case .xavierOrthogonal:
            guard inputSize >= 1 else { throw GRUKitError.invalidSize(option: "input size", value: inputSize, expected: "≥ 1") }
            guard hiddenSize >= 1 else { throw GRUKitError.invalidSize(option: "hidden size", value: hiddenSize, expected: "≥ 1") }
            let h = hiddenSize, h3 = 3 * hiddenSize
            let limit = Scalar((6 / Double(inputSize + h3)).squareRoot())
            let wih = try Tensor<Scalar>.uniform(shape: [h3, inputSize], in: -limit...limit, using: &generator, name: "weight_ih")
            var whh = [Scalar]()
            for _ in 0..<3 { whh += orthogonal(h, using: &generator).map { Scalar($0) } }
            return try GRUParameters(
                weightIH: wih, weightHH: Tensor(unchecked: [h3, h], scalars: whh),
                biasIH: bias ? Tensor(uncheckedZeros: [h3]) : nil, biasHH: bias ? Tensor(uncheckedZeros: [h3]) : nil)
        }
    }
}

/// An n × n orthogonal matrix, row-major, drawn as `torch.nn.init.orthogonal_` draws one: the
/// orthogonal factor of a matrix of standard normal samples (see ``orthogonalFactor(of:n:)``).
func orthogonal(_ n: Int, using generator: inout SeededGenerator) -> [Double] {
    orthogonalFactor(of: (0..<(n * n)).map { _ in generator.normal() }, n: n)
}

/// Q of the QR decomposition of the row-major n × n matrix `a`, by Householder reflections in
/// Double, with each column's sign set so that R has a positive diagonal — what
/// `torch.nn.init.orthogonal_` does (`q *= diag(r).sign()`), and what makes a draw from a
/// Gaussian matrix uniform over orthogonal matrices.
package func orthogonalFactor(of matrix: [Double], n: Int) -> [Double] {
    var a = matrix  // column j: a[i * n + j]
    var q = [Double](repeating: 0, count: n * n)
    for i in 0..<n { q[i * n + i] = 1 }
    var signs = [Double](repeating: 1, count: n)
    for k in 0..<n {
        var norm = 0.0
        for i in k..<n { norm += a[i * n + k] * a[i * n + k] }
        norm = norm.squareRoot()
        guard norm > 0 else { continue }
        let alpha = a[k * n + k] > 0 ? -norm : norm
        var v = [Double](repeating: 0, count: n)
        for i in k..<n { v[i] = a[i * n + k] }
        v[k] -= alpha
        let vv = v[k...].reduce(0) { $0 + $1 * $1 }
        guard vv > 0 else { signs[k] = alpha < 0 ? -1 : 1; continue }
        // A ← (I − 2vvᵀ/vᵀv) A, and Q ← Q (I − 2vvᵀ/vᵀv).
        for j in 0..<n {
            var dot = 0.0
            for i in k..<n { dot += v[i] * a[i * n + j] }
            let f = 2 * dot / vv
            for i in k..<n { a[i * n + j] -= f * v[i] }
        }
        for i in 0..<n {
            var dot = 0.0
            for l in k..<n { dot += q[i * n + l] * v[l] }
            let f = 2 * dot / vv
            for l in k..<n { q[i * n + l] -= f * v[l] }
        }
        signs[k] = a[k * n + k] < 0 ? -1 : 1
    }
    for i in 0..<n { for j in 0..<n { q[i * n + j] *= signs[j] } }
    return q
}
