import Foundation

/// How the learning rate changes over epochs, as a pure function of the epoch index (so a
/// resumed run needs no scheduler state). Each matches a PyTorch scheduler stepped once per
/// epoch, from the base rate η₀.
public enum LearningRateSchedule: Hashable, Sendable, Codable {
    /// η₀ throughout.
    case constant
    /// `StepLR(step_size, gamma)`: η₀ · γ^⌊e / stepSize⌋.
    case step(every: Int, gamma: Double)
    /// `CosineAnnealingLR(T_max, eta_min)`: η_min + (η₀ − η_min)(1 + cos(π e / T_max)) / 2.
    /// As in PyTorch, past T_max the rate follows the cosine back up (period 2·T_max).
    case cosine(epochs: Int, minimum: Double)
    /// `LinearLR(start_factor, total_iters)` as a warm-up: η₀ (f + (1 − f) min(e, n) / n),
    /// followed by another schedule counted from the end of the warm-up (`SequentialLR`).
    indirect case warmup(epochs: Int, startFactor: Double, then: LearningRateSchedule)

    /// The learning rate for epoch `epoch` (from 0) with base rate `base`.
    public func rate(epoch: Int, base: Double) -> Double {
        switch self {
        case .constant:
            return base
        case let .step(every, gamma):
            return base * Foundation.pow(gamma, Double(epoch / every))
        case let .cosine(epochs, minimum):
            return minimum + (base - minimum) * (1 + Foundation.cos(Double.pi * Double(epoch) / Double(epochs))) / 2
        case let .warmup(epochs, startFactor, then):
            if epoch < epochs {
                return base * (startFactor + (1 - startFactor) * Double(epoch) / Double(epochs))
            }
            return then.rate(epoch: epoch - epochs, base: base)
        }
    }

    /// Throws unless every setting is in range.
    public func validate() throws {
        switch self {
        case .constant:
            return
        case let .step(every, gamma):
            guard every >= 1 else { throw GRUKitError.invalidSize(option: "step schedule: every", value: every, expected: "≥ 1 epoch") }
            guard gamma.isFinite, gamma > 0 else { throw GRUKitError.invalidValue(option: "step schedule: gamma", value: "\(gamma)", expected: "a finite number > 0") }
        case let .cosine(epochs, minimum):
            guard epochs >= 1 else { throw GRUKitError.invalidSize(option: "cosine schedule: epochs", value: epochs, expected: "≥ 1") }
            guard minimum.isFinite, minimum >= 0 else { throw GRUKitError.invalidValue(option: "cosine schedule: minimum", value: "\(minimum)", expected: "a finite number ≥ 0") }
        case let .warmup(epochs, startFactor, then):
            guard epochs >= 1 else { throw GRUKitError.invalidSize(option: "warm-up: epochs", value: epochs, expected: "≥ 1") }
            guard startFactor > 0, startFactor <= 1 else { throw GRUKitError.invalidValue(option: "warm-up: start factor", value: "\(startFactor)", expected: "a number in (0, 1]") }
            try then.validate()
        }
    }
}
