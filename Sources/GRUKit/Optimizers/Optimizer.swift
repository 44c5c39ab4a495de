import Foundation

/// Which optimizer, and its settings: the arguments of PyTorch's `torch.optim` classes.
public struct OptimizerConfiguration: Codable, Hashable, Sendable {
    /// The update rule.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// `torch.optim.SGD`: momentum, dampening, Nesterov, L2 weight decay.
        case sgd
        /// `torch.optim.Adam`: L2 weight decay added to the gradient, bias correction, AMSGrad.
        case adam
        /// `torch.optim.AdamW`: weight decay decoupled from the gradient.
        case adamw
        /// `torch.optim.RMSprop`: smoothing α, centred, momentum, L2 weight decay.
        case rmsprop
    }

    public var kind: Kind
    /// η (the schedule scales it).
    public var learningRate: Double
    /// SGD and RMSprop momentum, ≥ 0.
    public var momentum = 0.0
    /// SGD dampening, in [0, 1].
    public var dampening = 0.0
    /// SGD Nesterov momentum (needs momentum > 0 and dampening 0, as PyTorch requires).
    public var nesterov = false
    /// L2 penalty (SGD, Adam, RMSprop) or decoupled decay (AdamW), ≥ 0.
    public var weightDecay = 0.0
    /// Adam's β₁ and β₂, in [0, 1).
    public var beta1 = 0.9, beta2 = 0.999
    /// The denominator's ε, > 0 (Adam 1e-8, RMSprop 1e-8).
    public var epsilon = 1e-8
    /// Adam's AMSGrad variant.
    public var amsgrad = false
    /// RMSprop's smoothing constant α, in [0, 1).
    public var alpha = 0.99
    /// RMSprop's centred variant.
    public var centered = false

    /// PyTorch's defaults for `kind` (AdamW's weight decay default is 0.01, as in PyTorch).
    public init(kind: Kind, learningRate: Double) {
        self.kind = kind
        self.learningRate = learningRate
        if kind == .adamw { weightDecay = 0.01 }
    }

    /// Throws unless every setting is in range, naming the option.
    public func validate() throws {
        func bad(_ option: String, _ value: Double, _ expected: String) -> GRUKitError {
            .invalidValue(option: option, value: "\(value)", expected: expected)
        }
        guard learningRate.isFinite, learningRate > 0 else { throw bad("learning rate", learningRate, "a finite number > 0") }
        guard momentum.isFinite, momentum >= 0 else { throw bad("momentum", momentum, "a finite number ≥ 0") }
        guard (0...1).contains(dampening) else { throw bad("dampening", dampening, "a number in [0, 1]") }
        guard weightDecay.isFinite, weightDecay >= 0 else { throw bad("weight decay", weightDecay, "a finite number ≥ 0") }
        guard (0..<1).contains(beta1) else { throw bad("beta1", beta1, "a number in [0, 1)") }
        guard (0..<1).contains(beta2) else { throw bad("beta2", beta2, "a number in [0, 1)") }
        guard epsilon.isFinite, epsilon > 0 else { throw bad("epsilon", epsilon, "a finite number > 0") }
        guard (0..<1).contains(alpha) else { throw bad("alpha", alpha, "a number in [0, 1)") }
        if nesterov, !(momentum > 0 && dampening == 0) {
            throw GRUKitError.incompatible("nesterov: needs momentum > 0 and dampening 0 (got momentum \(momentum), dampening \(dampening))")
        }
    }
}

/// An optimizer over a ``ParameterSet``, with PyTorch's update rules.
///
/// Its state (the step count and per-parameter buffers, each of the parameters' own type) can
/// be listed as named tensors and restored exactly, so a checkpointed run resumes bit for bit.
///
/// With g the gradient and θ a parameter, per step (t counts from 1):
///
///     SGD       g ← g + λθ;  b ← g (t = 1) or μb + (1 − τ)g;  g ← g + μb (Nesterov) or b;  θ ← θ − ηg
///     Adam      g ← g + λθ;  m ← m + (1 − β₁)(g − m);  v ← β₂v + (1 − β₂)g²  (AMSGrad: v̂ = max(v̂, v))
///               θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
///     AdamW     θ ← θ(1 − ηλ), then Adam without the λθ term
///     RMSprop   g ← g + λθ;  s ← αs + (1 − α)g²;  (centred: a ← a + (1 − α)(g − a), s̃ = s − a²)
///               d = √s̃ + ε;  b ← μb + g/d, θ ← θ − ηb (momentum)  or  θ ← θ − ηg/d
public struct Optimizer<P: ParameterSet>: Sendable {
    /// The rule and its settings.
    public let configuration: OptimizerConfiguration
    /// η for the next step; a schedule may change it between steps.
    public var learningRate: Double
    /// How many steps have been taken.
    public internal(set) var stepCount = 0
    /// The per-parameter buffers of the rule (see ``bufferNames``), each shaped like the
    /// parameters; empty before the first step.
    var buffers: [P] = []

    /// - Throws: ``GRUKitError`` naming an option out of range.
    public init(_ configuration: OptimizerConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        learningRate = configuration.learningRate
    }

    /// The names of the rule's buffers, as PyTorch's optimizer state names them.
    public var bufferNames: [String] {
        let c = configuration
        switch c.kind {
        case .sgd: return c.momentum != 0 ? ["momentum_buffer"] : []
        case .adam, .adamw: return ["exp_avg", "exp_avg_sq"] + (c.amsgrad ? ["max_exp_avg_sq"] : [])
        case .rmsprop: return ["square_avg"] + (c.centered ? ["grad_avg"] : []) + (c.momentum > 0 ? ["momentum_buffer"] : [])
        }
    }

    /// Takes one step: updates `parameters` in place from `gradients` (of the same structure).
    public mutating func update(_ parameters: inout P, along gradients: P) {
        let first = buffers.isEmpty
        if first { buffers = bufferNames.map { _ in parameters.zeroed() } }
        stepCount += 1
        let rule = Rule<P.Scalar>(configuration, learningRate: learningRate, step: stepCount, first: first)
        let grads = gradients.tensors
        var state = buffers.map(\.tensors)
        buffers = []
        var i = 0
        parameters.updateTensors { theta in
            // Take this tensor's buffers out so they are uniquely referenced, update, put back.
            var local = state.indices.map { k in
                let scalars = state[k][i].scalars
                state[k][i].scalars = []
                return scalars
            }
            theta.scalars.withUnsafeMutableBufferPointer { p in
                grads[i].scalars.withUnsafeBufferPointer { g in rule.apply(p, g, &local) }
            }
            for k in state.indices { state[k][i].scalars = local[k] }
            i += 1
        }
        buffers = state.map { tensors in
            var set = gradients
            set.replaceTensors(with: tensors)
            return set
        }
    }
}

/// One step's update rule with its constants, applied tensor by tensor.
private struct Rule<S: GRUScalar> {
    let c: OptimizerConfiguration
    let lr: S, wd: S, first: Bool
    let stepSize: S, correction2: S
    /// AdamW's decay factor 1 − ηλ, computed in Double as PyTorch computes it in Python.
    let decay: S

    init(_ c: OptimizerConfiguration, learningRate: Double, step: Int, first: Bool) {
        self.c = c
        lr = S(learningRate)
        wd = S(c.weightDecay)
        self.first = first
        stepSize = S(learningRate / (1 - Foundation.pow(c.beta1, Double(step))))
        correction2 = S((1 - Foundation.pow(c.beta2, Double(step))).squareRoot())
        decay = S(1 - learningRate * c.weightDecay)
    }

    /// `torch.lerp(start, end, weight)` as ATen computes it: from the nearer end.
    @inline(__always)
    private func lerp(_ start: S, _ end: S, _ weight: S) -> S {
        weight < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight)
    }

    /// Updates θ (`p`) from g with the rule's buffers `b` (in ``Optimizer/bufferNames`` order).
    // Specialised: the training loop reaches this through generic parameter sets, and an
    // unspecialised element loop costs more than the rest of a large model's step.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func apply(_ p: UnsafeMutableBufferPointer<S>, _ g: UnsafeBufferPointer<S>, _ b: inout [[S]]) {
        switch c.kind {
        case .sgd:
            let mu = S(c.momentum), damp = 1 - S(c.dampening)
            for i in p.indices {
                var d = g[i] + wd * p[i]
                if c.momentum != 0 {
                    b[0][i] = first ? d : mu * b[0][i] + damp * d
                    d = c.nesterov ? d + mu * b[0][i] : b[0][i]
                }
                p[i] -= lr * d
            }
        case .adam, .adamw:
            let b1 = S(c.beta1), b2 = S(c.beta2), eps = S(c.epsilon), decoupled = c.kind == .adamw
            for i in p.indices {
                if decoupled { p[i] *= decay }
                let d = decoupled ? g[i] : g[i] + wd * p[i]
                b[0][i] = lerp(b[0][i], d, 1 - b1)
                b[1][i] = b2 * b[1][i] + (1 - b2) * d * d
                var second = b[1][i]
                if c.amsgrad {
                    b[2][i] = max(b[2][i], b[1][i])
                    second = b[2][i]
                }
                p[i] -= stepSize * (b[0][i] / (second.squareRoot() / correction2 + eps))
            }
        case .rmsprop:
            let a = S(c.alpha), eps = S(c.epsilon), mu = S(c.momentum)
            let average = c.centered ? 1 : 0, momentum = c.centered ? 2 : 1
            for i in p.indices {
                let d = g[i] + wd * p[i]
                b[0][i] = a * b[0][i] + (1 - a) * d * d
                var centred = b[0][i]
                if c.centered {
                    b[average][i] = lerp(b[average][i], d, 1 - a)
                    centred -= b[average][i] * b[average][i]
                }
                let denominator = centred.squareRoot() + eps
                if c.momentum > 0 {
                    b[momentum][i] = mu * b[momentum][i] + d / denominator
                    p[i] -= lr * b[momentum][i]
                } else {
                    p[i] -= lr * (d / denominator)
                }
            }
        }
    }
}
