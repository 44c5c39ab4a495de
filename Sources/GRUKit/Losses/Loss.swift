/// The losses of the output layer, each computed from logits (the head's raw outputs).
///
/// With logits `a` and targets `y`, over the rows of a (…, C) tensor:
///
/// - ``binaryCrossEntropy``: `σ(a)` is the probability of 1. Per element,
///   `ℓ = max(a, 0) − a y + log(1 + e^(−|a|))`, which equals `−y log σ(a) − (1 − y) log(1 − σ(a))`
///   without overflow for any `a`; `∂ℓ/∂a = σ(a) − y`. (PyTorch's `BCEWithLogitsLoss`.)
/// - ``softmaxCrossEntropy``: `p = softmax(a)` over the last axis. Per row, with a class index
///   `k`: `ℓ = log Σ_c e^(a_c) − a_k`; with probabilities `y`: `ℓ = Σ_c y_c (log Σ e^a − a_c)`;
///   `∂ℓ/∂a = p Σ_c y_c − y`. (PyTorch's `CrossEntropyLoss`.)
/// - ``meanSquaredError``: per element `ℓ = (a − y)²`, `∂ℓ/∂a = 2 (a − y)`. (PyTorch's `MSELoss`.)
public enum Loss: String, CaseIterable, Sendable {
    case binaryCrossEntropy = "bce"
    case softmaxCrossEntropy = "cross-entropy"
    case meanSquaredError = "mse"
}

/// How per-element (or per-row) losses combine into one number.
public enum Reduction: String, CaseIterable, Sendable {
    /// The average: over elements for BCE and MSE, over rows for cross-entropy (PyTorch's default).
    case mean
    /// The sum (the seed texts' choice).
    case sum
}

/// What a loss compares the logits with.
public enum LossTarget<Scalar: GRUScalar>: Sendable, Equatable {
    /// A tensor of the logits' shape: 0/1 labels or probabilities (BCE), per-class
    /// probabilities (cross-entropy), or values (MSE).
    case values(Tensor<Scalar>)
    /// One class index per row of the logits (cross-entropy only).
    case classes([Int])
}

extension Loss {
    /// The loss and its gradient with respect to the logits.
    ///
    /// - Parameters:
    ///   - logits: (…, C).
    ///   - target: see ``LossTarget``.
    ///   - reduction: mean (PyTorch's default) or sum.
    /// - Returns: the reduced loss and ∂loss/∂logits, of the logits' shape.
    public func evaluate<Scalar>(
        logits: Tensor<Scalar>, target: LossTarget<Scalar>, reduction: Reduction = .mean
    ) throws -> (value: Scalar, gradient: Tensor<Scalar>) {
        guard logits.rank >= 1, logits.count > 0 else {
            throw GRUKitError.shapeMismatch(tensor: "logits", expected: "(…, C) with at least one element", actual: logits.shape)
        }
        let classes = logits.shape.last!
        let rows = logits.count / classes
        let a = logits.scalars
        var total: Scalar = 0
        var gradient: [Scalar]
        switch (self, target) {
        case (.binaryCrossEntropy, .values(let y)), (.meanSquaredError, .values(let y)):
            try y.requireShape(logits.shape, name: "target", meaning: "the logits' shape")
            let count = Scalar(a.count)
            gradient = [Scalar](unsafeUninitializedCapacity: a.count) { _, initialized in initialized = a.count }
            total = elementwise(a, y.scalars, into: &gradient, divideBy: reduction == .mean ? count : nil)
            // A non-finite target makes its element's term, so the total, non-finite: only then
            // is it worth a pass to find (and name) the element.
            if !total.isFinite { try y.requireFinite(name: "target") }
            if reduction == .mean { total /= count }
        case (.softmaxCrossEntropy, _):
            gradient = [Scalar](repeating: 0, count: a.count)
            if case .values(let y) = target {
                try y.requireShape(logits.shape, name: "target", meaning: "the logits' shape")
                try y.requireFinite(name: "target")
            }
            if case .classes(let k) = target {
                guard k.count == rows else {
                    throw GRUKitError.shapeMismatch(tensor: "target classes", expected: "one index per logits row = [\(rows)]", actual: [k.count])
                }
                if let bad = k.firstIndex(where: { $0 < 0 || $0 >= classes }) {
                    throw GRUKitError.invalidClassIndex(tensor: "target classes", position: bad, value: k[bad], classes: classes)
                }
            }
            for row in 0..<rows {
                let base = row * classes
                let m = a[base..<(base + classes)].max()!
                var sum: Scalar = 0
                for c in 0..<classes { sum += Scalar.exp(a[base + c] - m) }
                let logSumExp = m + Scalar.log(sum)
                switch target {
                case .classes(let k):
                    total += logSumExp - a[base + k[row]]
                    for c in 0..<classes { gradient[base + c] = Scalar.exp(a[base + c] - m) / sum }
                    gradient[base + k[row]] -= 1
                case .values(let y):
                    var mass: Scalar = 0
                    for c in 0..<classes {
                        let yc = y.scalars[base + c]
                        total += yc * (logSumExp - a[base + c])
                        mass += yc
                    }
                    for c in 0..<classes {
                        gradient[base + c] = Scalar.exp(a[base + c] - m) / sum * mass - y.scalars[base + c]
                    }
                }
            }
            if reduction == .mean { scale(&total, &gradient, by: Scalar(rows)) }
        case (_, .classes):
            throw GRUKitError.incompatible("loss \(rawValue): needs target values of the logits' shape, not class indices")
        }
        return (total, Tensor(unchecked: logits.shape, scalars: gradient))
    }

    /// The per-element losses of BCE or MSE summed, and their gradients written to `gradient`
    /// (each divided by `divisor` when one is given), in one pass over raw buffers.
    private func elementwise<Scalar: GRUScalar>(
        _ logits: [Scalar], _ target: [Scalar], into gradient: inout [Scalar], divideBy divisor: Scalar?
    ) -> Scalar {
        precondition(logits.count == target.count && gradient.count == logits.count)
        var total: Scalar = 0
        let bce = self == .binaryCrossEntropy
        logits.withUnsafeBufferPointer { a in
            target.withUnsafeBufferPointer { y in
                gradient.withUnsafeMutableBufferPointer { g in
                    if bce {
                        for e in 0..<a.count {
                            let (ae, ye) = (a[e], y[e])
                            total += max(ae, 0) - ae * ye + Scalar.log(onePlus: Scalar.exp(-abs(ae)))
                            var ge = Scalar.sigmoid(ae) - ye
                            if let divisor { ge /= divisor }
                            g[e] = ge
                        }
                    } else {
                        total = squaredErrors(a, y, into: g, divideBy: divisor)
                    }
                }
            }
        }
        return total
    }

    /// Σ (a − y)² and g = 2 (a − y) (/ divisor), by blocks of 64 elements: the gradients in a
    /// loop of their own (which vectorises, division included), the sum in 8 interleaved
    /// partial sums combined pairwise at the end (one dependency chain per element would bound
    /// the loop by the adder's latency: milliseconds for a training batch's 1.6 M outputs).
    private func squaredErrors<Scalar: GRUScalar>(
        _ a: UnsafeBufferPointer<Scalar>, _ y: UnsafeBufferPointer<Scalar>, into g: UnsafeMutableBufferPointer<Scalar>,
        divideBy divisor: Scalar?
    ) -> Scalar {
        var s: (Scalar, Scalar, Scalar, Scalar, Scalar, Scalar, Scalar, Scalar) = (0, 0, 0, 0, 0, 0, 0, 0)
        let n = a.count
        var start = 0
        while start < n {
            let end = min(start + 64, n)
            if let q = divisor {
                for e in start..<end { g[e] = 2 * (a[e] - y[e]) / q }
            } else {
                for e in start..<end { g[e] = 2 * (a[e] - y[e]) }
            }
            var e = start
            func term(_ e: Int) -> Scalar { let d = a[e] - y[e]; return d * d }
            while e + 8 <= end {
                s.0 += term(e); s.1 += term(e + 1); s.2 += term(e + 2); s.3 += term(e + 3)
                s.4 += term(e + 4); s.5 += term(e + 5); s.6 += term(e + 6); s.7 += term(e + 7)
                e += 8
            }
            while e < end { s.0 += term(e); e += 1 }
            start = end
        }
        return ((s.0 + s.1) + (s.2 + s.3)) + ((s.4 + s.5) + (s.6 + s.7))
    }

    private func scale<Scalar: GRUScalar>(_ total: inout Scalar, _ gradient: inout [Scalar], by count: Scalar) {
        total /= count
        for e in gradient.indices { gradient[e] /= count }
    }
}
