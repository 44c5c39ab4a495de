/// A value holding named trainable tensors: a layer's parameters, their gradients, or an
/// optimizer's per-parameter state, all of the same type.
///
/// Conformers list their tensors once, by key path; everything that treats parameters as a
/// whole (optimizers, zeroing, counting, saving) loops over ``parameterPaths``.
public protocol ParameterSet: Sendable {
    associatedtype Scalar: GRUScalar
    /// Every trainable tensor with its name, in a fixed order.
    var parameterPaths: [ParameterPath<Self>] { get }
}

/// A named key path to one tensor of a ``ParameterSet``.
public struct ParameterPath<Root: ParameterSet> {
    /// The tensor's name, as it is saved and reported (for example `weight_ih`).
    public let name: String
    /// Where the tensor lives in the set.
    public let keyPath: WritableKeyPath<Root, Tensor<Root.Scalar>>

    public init(_ name: String, _ keyPath: WritableKeyPath<Root, Tensor<Root.Scalar>>) {
        self.name = name
        self.keyPath = keyPath
    }

    /// The same tensor reached through an enclosing set, with the name prefixed.
    public func nested<Outer: ParameterSet>(
        in outer: WritableKeyPath<Outer, Root>, prefix: String
    ) -> ParameterPath<Outer> where Outer.Scalar == Root.Scalar {
        ParameterPath<Outer>(prefix + name, outer.appending(path: keyPath))
    }
}

extension ParameterSet {
    /// A set of the same shapes with every element zero: a fresh gradient or optimizer state.
    public func zeroed() -> Self {
        var copy = self
        for path in parameterPaths {
            let shape = self[keyPath: path.keyPath].shape
            copy[keyPath: path.keyPath] = Tensor(uncheckedZeros: shape)
        }
        return copy
    }

    /// The total number of scalars over all tensors.
    public var parameterCount: Int {
        parameterPaths.reduce(0) { $0 + self[keyPath: $1.keyPath].count }
    }

    /// Every tensor with its name, in ``parameterPaths`` order.
    public var namedTensors: [(name: String, tensor: Tensor<Scalar>)] {
        parameterPaths.map { ($0.name, self[keyPath: $0.keyPath]) }
    }

    /// Adds `scale · other` to every tensor (other must have the same structure).
    public mutating func add(_ other: Self, scaledBy scale: Scalar) {
        for path in parameterPaths {
            let source = other[keyPath: path.keyPath].scalars
            self[keyPath: path.keyPath].scalars.withUnsafeMutableBufferPointer { p in
                precondition(p.count == source.count, "add(_:scaledBy:): \(path.name) has another size")
                for i in p.indices { p[i] += scale * source[i] }
            }
        }
    }
}
