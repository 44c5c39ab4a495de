import RealModule

/// The floating-point types GRUKit computes in: `Float` for speed, `Double` for checking.
///
/// Every layer, loss and optimizer is written once, generic over this protocol. `Real` (from
/// swift-numerics) supplies `exp`, `log`, `tanh` and friends for both types.
public protocol GRUScalar: Real, BinaryFloatingPoint, Sendable, Codable
where RawSignificand: FixedWidthInteger {}

extension Float: GRUScalar {}
extension Double: GRUScalar {}

extension GRUScalar {
    /// The logistic sigmoid σ(a) = 1 / (1 + e^(−a)), evaluated without overflow for any `a`.
    @inlinable
    static func sigmoid(_ a: Self) -> Self {
        if a >= 0 {
            return 1 / (1 + exp(-a))
        }
        let e = exp(a)
        return e / (1 + e)
    }
}
