import Foundation

/// `text` padded with spaces to `width` columns, on the left when `right` is set.
func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
}

/// A number in short scientific notation, such as `3.1e-09`.
func scientific(_ x: Double) -> String {
    String(format: "%.1e", x)
}

/// An error a command reports as it is, with the files it concerns already named.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
