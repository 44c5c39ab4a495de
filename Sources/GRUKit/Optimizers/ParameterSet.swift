/// A value holding named trainable tensors: a layer's parameters, their gradients, or an
/// optimizer's per-parameter state, all of the same type.
///
/// Conformers list their tensors twice, in the same order: by name and key path
/// (``parameterPaths``, for saving, loading and reports) and by direct access
/// (``updateTensors(_:)`` and ``visitTensors(_:)``, for the hot loops of training: key paths
/// into generic types are resolved by the runtime each time they are built, which costs more
/// than a small model's whole training step).
public protocol ParameterSet: Sendable {
    associatedtype Scalar: GRUScalar
    /// Every trainable tensor with its name, in a fixed order.
    var parameterPaths: [ParameterPath<Self>] { get }
    /// Calls `body` on every tensor, in ``parameterPaths`` order, in place.
    mutating func updateTensors(_ body: (inout Tensor<Scalar>) throws -> Void) rethrows
    /// Calls `body` on every tensor, in ``parameterPaths`` order.
    func visitTensors(_ body: (Tensor<Scalar>) throws -> Void) rethrows
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
        copy.updateTensors { $0 = Tensor(uncheckedZeros: $0.shape) }
        return copy
    }

    /// The total number of scalars over all tensors.
    public var parameterCount: Int {
        var count = 0
        visitTensors { count += $0.count }
        return count
    }

    /// The tensors in ``parameterPaths`` order (sharing storage with `self`).
    public var tensors: [Tensor<Scalar>] {
        var list: [Tensor<Scalar>] = []
        visitTensors { list.append($0) }
        return list
    }

    /// Replaces every tensor, in ``parameterPaths`` order, with the next of `list` (which must
    /// hold as many tensors, of the same shapes).
    public mutating func replaceTensors(with list: [Tensor<Scalar>]) {
        var i = 0
        updateTensors { tensor in
            precondition(i < list.count && list[i].shape == tensor.shape, "replaceTensors: the list does not match the set")
            tensor = list[i]
            i += 1
        }
        precondition(i == list.count, "replaceTensors: the list does not match the set")
    }

    /// Calls `body` on every tensor of `self`, in place, with the tensor at the same position
    /// in each of `others` (sets of the same structure).
    public mutating func updateTensors(
        alongside others: [Self], _ body: (inout Tensor<Scalar>, [Tensor<Scalar>]) throws -> Void
    ) rethrows {
        let lists = others.map(\.tensors)
        var i = 0
        try updateTensors { tensor in
            try body(&tensor, lists.map { $0[i] })
            i += 1
        }
    }

    /// Every tensor with its name, in ``parameterPaths`` order.
    public var namedTensors: [(name: String, tensor: Tensor<Scalar>)] {
        parameterPaths.map { ($0.name, self[keyPath: $0.keyPath]) }
    }

    /// Adds `scale · other` to every tensor (other must have the same structure).
    public mutating func add(_ other: Self, scaledBy scale: Scalar) {
        updateTensors(alongside: [other]) { tensor, others in
            let source = others[0].scalars
            tensor.scalars.withUnsafeMutableBufferPointer { p in
                source.withUnsafeBufferPointer { q in
                    precondition(p.count == q.count, "add(_:scaledBy:): a tensor has another size")
                    for i in p.indices { p[i] += scale * q[i] }
                }
            }
        }
    }
}
