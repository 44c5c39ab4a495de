/// Plain stochastic gradient descent, the seed texts' update: `θ ← θ − η ∂L/∂θ`.
public struct SGD<Scalar: GRUScalar>: Sendable {
    /// η, the step size.
    public let learningRate: Scalar

    /// - Parameter learningRate: η, finite and > 0.
    public init(learningRate: Scalar) throws {
        guard learningRate.isFinite, learningRate > 0 else {
            throw GRUKitError.invalidValue(option: "learning rate", value: "\(learningRate)", expected: "a finite number > 0")
        }
        self.learningRate = learningRate
    }

    /// Moves every parameter against its gradient.
    ///
    /// - Parameters:
    ///   - parameters: updated in place.
    ///   - gradients: ∂L/∂parameters, of the same structure.
    public func update<P: ParameterSet>(_ parameters: inout P, along gradients: P) where P.Scalar == Scalar {
        parameters.add(gradients, scaledBy: -learningRate)
    }
}
