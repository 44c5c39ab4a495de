/// A dense, row-major array of scalars with a shape.
///
/// `Tensor` is a value type: copies share storage until one is written (copy-on-write through
/// `Array`). The last axis varies fastest, so a tensor of shape (T, N, I) stores step `t`,
/// sample `n`, feature `i` at `(t * N + n) * I + i`.
///
/// Public initializers check what they are given and throw ``GRUKitError`` with the tensor's
/// name; subscripts trap on an out-of-range index, as `Array` does.
public struct Tensor<Scalar: GRUScalar>: Sendable, Equatable {
    /// The extent of each axis.
    public let shape: [Int]
    /// The elements in row-major order; `scalars.count` is the product of `shape`.
    public var scalars: [Scalar]

    /// Creates a tensor from its shape and row-major elements.
    ///
    /// - Parameters:
    ///   - shape: the extent of each axis; each must be ≥ 0.
    ///   - scalars: the elements; their count must equal the product of `shape`.
    ///   - name: how errors refer to this tensor.
    /// - Throws: ``GRUKitError/invalidShape(tensor:shape:problem:)`` or
    ///   ``GRUKitError/shapeMismatch(tensor:expected:actual:)``.
    public init(shape: [Int], scalars: [Scalar], name: String = "tensor") throws {
        let count = try Self.elementCount(of: shape, name: name)
        guard count == scalars.count else {
            throw GRUKitError.invalidShape(
                tensor: name, shape: shape,
                problem: "holds \(count) elements but \(scalars.count) were given")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Scalar, name: String = "tensor") throws {
        let count = try Self.elementCount(of: shape, name: name)
        self.init(unchecked: shape, scalars: Array(repeating: value, count: count))
    }

    /// Creates a tensor of the given shape filled with zeros.
    public init(zeros shape: [Int], name: String = "tensor") throws {
        try self.init(shape: shape, repeating: 0, name: name)
    }

    /// Creates a tensor without checking; for shapes the library computed itself.
    package init(unchecked shape: [Int], scalars: [Scalar]) {
        assert(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == scalars.count)
        self.shape = shape
        self.scalars = scalars
    }

    /// A zero tensor of a shape the library computed itself.
    package init(uncheckedZeros shape: [Int]) {
        self.init(unchecked: shape, scalars: Array(repeating: 0, count: shape.reduce(1, *)))
    }

    /// The number of elements, the product of ``shape``.
    public var count: Int { scalars.count }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The element at a multi-dimensional index (one integer per axis).
    public subscript(_ index: Int...) -> Scalar {
        get { scalars[offset(of: index)] }
        set { scalars[offset(of: index)] = newValue }
    }

    /// The same elements with another shape of the same element count.
    public func reshaped(_ newShape: [Int], name: String = "tensor") throws -> Tensor {
        try Tensor(shape: newShape, scalars: scalars, name: name)
    }

    /// This tensor converted element by element to another scalar type.
    public func converted<Other: GRUScalar>(to _: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(unchecked: shape, scalars: scalars.map { Other($0) })
    }

    /// The largest absolute element-wise difference from another tensor of the same shape.
    public func maxAbsDifference(from other: Tensor) -> Scalar {
        precondition(shape == other.shape, "maxAbsDifference: shapes \(shape) and \(other.shape) differ")
        var worst: Scalar = 0
        for i in scalars.indices {
            let d = abs(scalars[i] - other.scalars[i])
            if !(d <= worst) { worst = d }  // also propagates NaN
        }
        return worst
    }

    /// The row-major offset of a multi-dimensional index; traps when it is out of range.
    func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) has the wrong rank for shape \(shape)")
        var offset = 0
        for (i, extent) in zip(index, shape) {
            precondition(i >= 0 && i < extent, "index \(index) is out of range for shape \(shape)")
            offset = offset * extent + i
        }
        return offset
    }

    /// The product of a shape's extents, checked for negative extents and overflow.
    static func elementCount(of shape: [Int], name: String) throws -> Int {
        var count = 1
        for extent in shape {
            guard extent >= 0 else {
                throw GRUKitError.invalidShape(tensor: name, shape: shape, problem: "has a negative extent")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw GRUKitError.invalidShape(tensor: name, shape: shape, problem: "has more elements than fit in memory")
            }
            count = product
        }
        return count
    }
}

extension Tensor {
    /// Throws unless the tensor has exactly the expected shape.
    ///
    /// - Parameters:
    ///   - expected: the required shape.
    ///   - name: the tensor's name for the error.
    ///   - meaning: the shape in symbols, such as `"(T, N, I)"`, for the error.
    package func requireShape(_ expected: [Int], name: String, meaning: String) throws {
        guard shape == expected else {
            throw GRUKitError.shapeMismatch(
                tensor: name, expected: "\(meaning) = \(expected)", actual: shape)
        }
    }

    /// Throws if any element is NaN or infinite, naming the first such element.
    package func requireFinite(name: String) throws {
        guard !allFinite(scalars) else { return }
        guard let i = scalars.firstIndex(where: { !$0.isFinite }) else { return }
        var index = [Int](repeating: 0, count: shape.count)
        var rest = i
        for axis in shape.indices.reversed() {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        throw GRUKitError.nonFinite(tensor: name, index: index, value: "\(scalars[i])")
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

/// Whether every element is finite, in one pass without branches: x − x is 0 for a finite x
/// and NaN for an infinite or NaN one, and a sum with a NaN in it is NaN. Eight independent
/// sums, so the pass is not one long chain of dependent additions.
private func allFinite<Scalar: GRUScalar>(_ values: [Scalar]) -> Bool {
    values.withUnsafeBufferPointer { x in
        var (s0, s1, s2, s3, s4, s5, s6, s7) = (Scalar(0), Scalar(0), Scalar(0), Scalar(0), Scalar(0), Scalar(0), Scalar(0), Scalar(0))
        var e = 0
        while e + 8 <= x.count {
            s0 += x[e] - x[e]
            s1 += x[e + 1] - x[e + 1]
            s2 += x[e + 2] - x[e + 2]
            s3 += x[e + 3] - x[e + 3]
            s4 += x[e + 4] - x[e + 4]
            s5 += x[e + 5] - x[e + 5]
            s6 += x[e + 6] - x[e + 6]
            s7 += x[e + 7] - x[e + 7]
            e += 8
        }
        var tail: Scalar = 0
        while e < x.count {
            tail += x[e] - x[e]
            e += 1
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + tail == 0
    }
}
