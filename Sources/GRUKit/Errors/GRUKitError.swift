/// Everything that can go wrong when GRUKit is given bad input.
///
/// Each case names the tensor, option or file involved and what was expected, so that its
/// ``description`` can be shown to a user as it is. The library throws these and never traps
/// on user input.
public enum GRUKitError: Error, Equatable, Sendable {
    /// A tensor has a shape other than the one required.
    case shapeMismatch(tensor: String, expected: String, actual: [Int])
    /// A shape is impossible in itself: a negative extent, too many elements, or an element
    /// count that disagrees with the data.
    case invalidShape(tensor: String, shape: [Int], problem: String)
    /// A size or count option is out of range.
    case invalidSize(option: String, value: Int, expected: String)
    /// A numeric option is out of range.
    case invalidValue(option: String, value: String, expected: String)
    /// A tensor holds NaN or an infinity where finite numbers are required.
    case nonFinite(tensor: String, index: [Int], value: String)
    /// A class-index target is outside `0 ..< classes`.
    case invalidClassIndex(tensor: String, position: Int, value: Int, classes: Int)
    /// Two settings cannot be used together.
    case incompatible(String)
    /// A weights file does not hold what the model needs: a missing, unexpected or
    /// inconsistent tensor.
    case invalidWeights(file: String, key: String?, problem: String)
}

extension GRUKitError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .shapeMismatch(tensor, expected, actual):
            return "\(tensor): expected shape \(expected), got \(actual)"
        case let .invalidShape(tensor, shape, problem):
            return "\(tensor): shape \(shape) \(problem)"
        case let .invalidSize(option, value, expected):
            return "\(option): expected \(expected), got \(value)"
        case let .invalidValue(option, value, expected):
            return "\(option): expected \(expected), got \(value)"
        case let .nonFinite(tensor, index, value):
            return "\(tensor): element \(index) is \(value); every element must be finite"
        case let .invalidClassIndex(tensor, position, value, classes):
            return "\(tensor): class index \(value) at position \(position) is outside 0..<\(classes)"
        case let .incompatible(message):
            return message
        case let .invalidWeights(file, key, problem):
            return "\(file): " + (key.map { "\($0): " } ?? "") + problem
        }
    }
}

/// The words the file readers and writers use when the system will not read or write a file,
/// so that every format says it the same way.
enum FileMessage {
    /// `FILE: cannot read the file: REASON`.
    static func cannotRead(_ file: String, _ reason: String) -> String {
        "\(file): cannot read the file: \(reason)"
    }

    /// `FILE: cannot write the file: REASON; any previous file there is unchanged` (the writes are atomic).
    static func cannotWrite(_ file: String, _ reason: String) -> String {
        "\(file): cannot write the file: \(reason); any previous file there is unchanged"
    }
}
