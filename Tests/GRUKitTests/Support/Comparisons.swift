import GRUKit
import Testing

/// Expects two tensors of the same shape to agree within `tolerance` (max absolute
/// difference), reporting the difference and where it came from; returns the difference.
@discardableResult
func expectClose<S: GRUScalar>(
    _ actual: Tensor<S>, _ expected: Tensor<S>, tolerance: S, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) -> S {
    guard actual.shape == expected.shape else {
        Issue.record("\(what): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return .infinity
    }
    let difference = actual.maxAbsDifference(from: expected)
    #expect(difference <= tolerance, "\(what): max |difference| \(difference) > \(tolerance)", sourceLocation: sourceLocation)
    return difference
}

/// The largest difference seen over many comparisons, and where, for a test's summary line.
struct WorstDifference<S: GRUScalar> {
    private(set) var value: S = 0
    private(set) var place = "nothing compared"
    private(set) var comparisons = 0

    mutating func record(_ difference: S, _ what: String) {
        comparisons += 1
        if !(difference <= value) { (value, place) = (difference, what) }
    }

    func summary(_ title: String) -> String {
        "\(title): \(comparisons) tensors compared, max |difference| \(value) (\(place))"
    }
}

/// The same check for plain numbers.
func expectClose<S: GRUScalar>(
    _ actual: S, _ expected: S, tolerance: S, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(abs(actual - expected) <= tolerance, "\(what): \(actual) vs \(expected)", sourceLocation: sourceLocation)
}
