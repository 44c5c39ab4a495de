/// Index arithmetic for the runner's operators: row-major strides, strided walks and numpy
/// broadcasting. Layout operators (Transpose, Slice, Expand, broadcasting in Add, …) compute
/// the source index of every output element here, then pick the elements once.
enum ONNXIndexing {
    /// Row-major strides of `shape`, in elements.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in shape.indices.reversed() {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// The offsets `base + Σ index[axis] · strides[axis]` of every index of `shape`, in row-major order.
    static func offsets(shape: [Int], strides: [Int], base: Int = 0) -> [Int] {
        let count = shape.reduce(1, *)
        guard count > 0 else { return [] }
        guard let inner = shape.last else { return [base] }
        let innerStride = strides[shape.count - 1]
        var result = [Int]()
        result.reserveCapacity(count)
        // An odometer over the outer axes; the innermost axis is one run per row.
        var index = [Int](repeating: 0, count: shape.count - 1)
        var offset = base
        for _ in 0..<(count / inner) {
            for j in 0..<inner { result.append(offset + j * innerStride) }
            var axis = shape.count - 2
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// numpy's multidirectional broadcast of two shapes, or `nil` when they are incompatible.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a, pb = [Int](repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else { return nil }
            out.append(x == 1 ? y : x)
        }
        return out
    }

    /// For each element of `out` (a broadcast of `shape`), the flat index of the element of a
    /// `shape` tensor it reads.
    static func broadcastSources(of shape: [Int], to out: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: out.count - shape.count) + shape
        let s = strides(padded)
        return offsets(shape: out, strides: padded.indices.map { padded[$0] == 1 ? 0 : s[$0] })
    }

    /// The element count of `shape`, or `nil` when it overflows.
    static func count(_ shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            if overflow || extent < 0 { return nil }
            count = product
        }
        return count
    }
}
