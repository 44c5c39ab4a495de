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
