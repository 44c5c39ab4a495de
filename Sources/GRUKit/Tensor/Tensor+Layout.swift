/// Rearrangements the GRU stack needs: time-major ↔ batch-first, and splitting or joining
/// the feature axis of bidirectional outputs.
extension Tensor {
    /// A rank-3 tensor with its first two axes swapped: (A, B, C) → (B, A, C).
    public func swappingFirstTwoAxes() -> Tensor {
        precondition(rank == 3, "swappingFirstTwoAxes needs a rank-3 tensor, got shape \(shape)")
        let (a, b, c) = (shape[0], shape[1], shape[2])
        let result = [Scalar](unsafeUninitializedCapacity: count) { out, initialized in
            scalars.withUnsafeBufferPointer { x in
                for i in 0..<a where c > 0 {
                    for j in 0..<b {
                        let from = (i * b + j) * c, to = (j * a + i) * c
                        (out.baseAddress! + to).initialize(from: x.baseAddress! + from, count: c)
                    }
                }
            }
            initialized = count
        }
        return Tensor(unchecked: [b, a, c], scalars: result)
    }

    /// Columns `range` of the last axis: (…, C) → (…, range.count).
    public func slicingLastAxis(_ range: Range<Int>) -> Tensor {
        let c = shape.last!
        precondition(range.lowerBound >= 0 && range.upperBound <= c, "slice \(range) out of 0..<\(c)")
        let (rows, w) = (c == 0 ? 0 : count / c, range.count)
        let result = [Scalar](unsafeUninitializedCapacity: rows * w) { out, initialized in
            scalars.withUnsafeBufferPointer { x in
                for r in 0..<rows where w > 0 {
                    (out.baseAddress! + r * w).initialize(from: x.baseAddress! + r * c + range.lowerBound, count: w)
                }
            }
            initialized = rows * w
        }
        return Tensor(unchecked: Array(shape.dropLast()) + [range.count], scalars: result)
    }

    /// Tensors of equal leading shape joined along the last axis.
    public static func concatenatingLastAxis(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty)
        if parts.count == 1 { return parts[0] }
        let lead = Array(parts[0].shape.dropLast())
        let widths = parts.map { $0.shape.last! }
        precondition(parts.allSatisfy { Array($0.shape.dropLast()) == lead }, "concatenatingLastAxis: leading shapes differ")
        let (rows, total) = (lead.reduce(1, *), widths.reduce(0, +))
        var result = [Scalar](unsafeUninitializedCapacity: rows * total) { _, initialized in initialized = rows * total }
        result.withUnsafeMutableBufferPointer { out in
            var column = 0
            for (part, w) in zip(parts, widths) {
                part.scalars.withUnsafeBufferPointer { copyRows(rows, width: w, from: $0.baseAddress, into: out.baseAddress!, column: column, total: total) }
                column += w
            }
        }
        return Tensor(unchecked: lead + [widths.reduce(0, +)], scalars: result)
    }

    /// ``concatenatingLastAxis(_:)`` of `parts` tensors of `shape` stored one after the other in
    /// `stacked` (a layer's directions' outputs): (P, …, W) → (…, P·W).
    package static func concatenatingLastAxis(stacked: [Scalar], parts: Int, shape: [Int]) -> Tensor {
        let w = shape.last!, rows = shape.dropLast().reduce(1, *), total = parts * w
        precondition(stacked.count == parts * rows * w, "concatenatingLastAxis: \(stacked.count) scalars for \(parts) × \(shape)")
        if parts == 1 { return Tensor(unchecked: shape, scalars: stacked) }
        let lead = Array(shape.dropLast())
        var result = [Scalar](unsafeUninitializedCapacity: rows * total) { _, initialized in initialized = rows * total }
        result.withUnsafeMutableBufferPointer { out in
            stacked.withUnsafeBufferPointer { x in
                for part in 0..<parts {
                    copyRows(rows, width: w, from: x.baseAddress.map { $0 + part * rows * w }, into: out.baseAddress!, column: part * w, total: total)
                }
            }
        }
        return Tensor(unchecked: lead + [total], scalars: result)
    }

    /// Copies `rows` rows of `width` scalars (`width` apart from `source`) into columns
    /// `column ..< column + width` of `out`, rows `total` apart.
    private static func copyRows(
        _ rows: Int, width: Int, from source: UnsafePointer<Scalar>?, into out: UnsafeMutablePointer<Scalar>, column: Int, total: Int
    ) {
        guard width > 0, let source else { return }
        for r in 0..<rows { (out + r * total + column).update(from: source + r * width, count: width) }
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
