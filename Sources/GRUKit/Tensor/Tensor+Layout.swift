/// Rearrangements the GRU stack needs: time-major ↔ batch-first, and splitting or joining
/// the feature axis of bidirectional outputs.
extension Tensor {
    /// A rank-3 tensor with its first two axes swapped: (A, B, C) → (B, A, C).
    public func swappingFirstTwoAxes() -> Tensor {
        precondition(rank == 3, "swappingFirstTwoAxes needs a rank-3 tensor, got shape \(shape)")
        let (a, b, c) = (shape[0], shape[1], shape[2])
        var result = [Scalar](repeating: 0, count: count)
        for i in 0..<a {
            for j in 0..<b {
                let from = (i * b + j) * c, to = (j * a + i) * c
                for k in 0..<c { result[to + k] = scalars[from + k] }
            }
        }
        return Tensor(unchecked: [b, a, c], scalars: result)
    }

    /// Columns `range` of the last axis: (…, C) → (…, range.count).
    public func slicingLastAxis(_ range: Range<Int>) -> Tensor {
        let c = shape.last!
        precondition(range.lowerBound >= 0 && range.upperBound <= c, "slice \(range) out of 0..<\(c)")
        let rows = c == 0 ? 0 : count / c
        var result = [Scalar]()
        result.reserveCapacity(rows * range.count)
        for r in 0..<rows { result.append(contentsOf: scalars[(r * c + range.lowerBound)..<(r * c + range.upperBound)]) }
        return Tensor(unchecked: Array(shape.dropLast()) + [range.count], scalars: result)
    }

    /// Tensors of equal leading shape joined along the last axis.
    public static func concatenatingLastAxis(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty)
        if parts.count == 1 { return parts[0] }
        let lead = Array(parts[0].shape.dropLast())
        let widths = parts.map { $0.shape.last! }
        precondition(parts.allSatisfy { Array($0.shape.dropLast()) == lead }, "concatenatingLastAxis: leading shapes differ")
        let rows = lead.reduce(1, *)
        var result = [Scalar]()
        result.reserveCapacity(rows * widths.reduce(0, +))
        for r in 0..<rows {
            for (part, w) in zip(parts, widths) { result.append(contentsOf: part.scalars[(r * w)..<((r + 1) * w)]) }
        }
        return Tensor(unchecked: lead + [widths.reduce(0, +)], scalars: result)
    }

    /// Element `index` of the first axis: (A, …) → (…).
    public func slice(at index: Int) -> Tensor {
        precondition(rank >= 1 && (0..<shape[0]).contains(index), "slice(at: \(index)) out of range for shape \(shape)")
        let size = count / shape[0]
        return Tensor(unchecked: Array(shape.dropFirst()), scalars: Array(scalars[(index * size)..<((index + 1) * size)]))
    }

    /// Tensors of equal shape stacked along a new first axis: A × (…) → (A, …).
    public static func stacking(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.shape == parts[0].shape }, "stacking: shapes differ")
        return Tensor(unchecked: [parts.count] + parts[0].shape, scalars: parts.flatMap(\.scalars))
    }
}
