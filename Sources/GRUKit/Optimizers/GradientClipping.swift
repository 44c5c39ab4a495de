/// Gradient clipping as PyTorch's `torch.nn.utils` does it.
public enum GradientClipping {
    /// Scales all gradients together so their global L2 norm is at most `maxNorm`:
    /// `clip_grad_norm_(parameters, max_norm)` with norm type 2.
    ///
    /// The total norm is the L2 norm of every tensor's L2 norm; each gradient is multiplied by
    /// `min(1, maxNorm / (total + 1e-6))`.
    ///
    /// - Returns: the total norm before clipping. When it is not finite, the gradients are left
    ///   as they are and the caller decides (PyTorch would multiply them by NaN).
    @discardableResult
    public static func clipNorm<P: ParameterSet>(_ gradients: inout P, maxNorm: Double) -> Double {
        var squares = 0.0
        gradients.visitTensors { tensor in
            let norm = squaredSum(tensor.scalars).squareRoot()
            squares += norm * norm
        }
        let total = squares.squareRoot()
        guard total.isFinite else { return total }
        let coefficient = P.Scalar(min(1, maxNorm / (total + 1e-6)))
        gradients.updateTensors { scale(&$0.scalars, by: coefficient) }
        return total
    }

    /// Clamps every gradient element to [−limit, limit]: `clip_grad_value_(parameters, limit)`.
    public static func clipValue<P: ParameterSet>(_ gradients: inout P, limit: Double) {
        let l = P.Scalar(limit)
        gradients.updateTensors { clamp(&$0.scalars, to: l) }
    }

    // The element loops, specialised (the callers are generic over parameter sets).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func squaredSum<S: GRUScalar>(_ x: [S]) -> Double {
        var sum = 0.0
        for v in x { sum += Double(v) * Double(v) }
        return sum
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func scale<S: GRUScalar>(_ x: inout [S], by c: S) {
        x.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= c } }
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func clamp<S: GRUScalar>(_ x: inout [S], to l: S) {
        x.withUnsafeMutableBufferPointer { p in for i in p.indices where !p[i].isNaN { p[i] = min(max(p[i], -l), l) } }
    }
}
