import Foundation

/// A small line chart written as a self-contained SVG file: axes with round-numbered ticks,
/// one polyline per series, a legend between the title and the plot. Loss curves (on a
/// logarithmic axis if asked) and forecasts; no dependencies.
///
///     var plot = SVGLinePlot(title: "Loss", xLabel: "epoch", yLabel: "loss")
///     plot.series.append(.init(name: "validation", color: "#d62728", points: [(1, 0.9), (2, 0.5)]))
///     try plot.write(to: url)
public struct SVGLinePlot: Sendable {
    /// One line of the chart.
    public struct Series: Sendable {
        /// The legend's label.
        public var name: String
        /// An SVG colour, such as `#1f77b4`.
        public var color: String
        /// (x, y) points, drawn in order; non-finite points (and, on a logarithmic axis,
        /// points ≤ 0) are skipped.
        public var points: [(x: Double, y: Double)]
        /// Whether the line is dashed (for a reference level or a baseline).
        public var dashed: Bool

        /// A line of `points` in `color`, dashed or solid.
        public init(name: String, color: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.color = color
            self.points = points
            self.dashed = dashed
        }
    }

    /// The heading above the chart.
    public var title: String
    /// The x axis's label.
    public var xLabel: String
    /// The y axis's label.
    public var yLabel: String
    /// The lines, drawn in order, listed in the legend.
    public var series: [Series] = []
    /// The picture's size in pixels.
    public var width = 720.0, height = 420.0
    /// Whether the y axis starts at 0 (otherwise at the smallest value, rounded down); ignored
    /// on a logarithmic axis.
    public var yFromZero = true
    /// A logarithmic y axis, for losses that fall by orders of magnitude.
    public var logarithmicY = false

    /// A chart with the given labels and no lines yet.
    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The SVG document.
    public func svg() -> String {
        let log = logarithmicY
        func usable(_ p: (x: Double, y: Double)) -> Bool { p.x.isFinite && p.y.isFinite && (!log || p.y > 0) }
        func ty(_ y: Double) -> Double { log ? Foundation.log10(y) : y }
        let points = series.flatMap(\.points).filter(usable)
        let (x0, x1) = Self.span(points.map(\.x), fromZero: false)
        var (y0, y1) = Self.span(points.map { ty($0.y) }, fromZero: yFromZero && !log)
        if log { (y0, y1) = (y0 - 0.04 * (y1 - y0), y1 + 0.04 * (y1 - y0)) }  // no line on the frame's edge
        let xTicks = Self.ticks(x0, x1)
        let yTicks = log ? Self.logarithmicTicks(y0, y1) : Self.ticks(y0, y1)
        let (left, right, top, bottom) = (70.0, width - 20, 62.0, height - 50)
        let lo = (x: xTicks.first ?? x0, y: log ? min(y0, ty(yTicks.first ?? 1)) : yTicks.first ?? y0)
        let hi = (x: xTicks.last ?? x1, y: log ? max(y1, ty(yTicks.last ?? 1)) : yTicks.last ?? y1)
        func px(_ x: Double) -> Double { left + (x - lo.x) / (hi.x - lo.x) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (ty(y) - lo.y) / (hi.y - lo.y) * (bottom - top) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="22" text-anchor="middle" font-size="15">\(Self.escape(title))</text>

            """
        for t in xTicks {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(bottom))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        for t in yTicks {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(right))\" y2=\"\(f(py(t)))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(18 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        for line in series {
            let drawn = line.points.filter(usable).map { "\(f(px($0.x))),\(f(py($0.y)))" }
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            if !drawn.isEmpty {
                s += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash) points=\"\(drawn.joined(separator: " "))\"/>\n"
            }
        }
        // The legend: one row between the title and the plot, entries side by side.
        var x = left
        for line in series {
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            s += "<line x1=\"\(f(x))\" y1=\"44\" x2=\"\(f(x + 24))\" y2=\"44\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash)/>\n"
            s += "<text x=\"\(f(x + 30))\" y=\"48\">\(Self.escape(line.name))</text>\n"
            x += 30 + 7 * Double(line.name.count) + 24  // about 7 pixels per character at 12 px
        }
        return s + "</svg>\n"
    }

    /// Writes ``svg()`` atomically.
    public func write(to url: URL) throws {
        try AtomicFileWriter.replaceFile(at: url, with: [Array(svg().utf8)])
    }

    /// The smallest and largest value (0 first when `fromZero`), never an empty interval.
    static func span(_ values: [Double], fromZero: Bool) -> (Double, Double) {
        guard var lo = values.min(), var hi = values.max() else { return (0, 1) }
        if fromZero { lo = min(lo, 0) }
        if hi - lo < 1e-12 * max(abs(hi), 1) { (lo, hi) = (lo - 0.5, hi + 0.5) }
        return (lo, hi)
    }

    /// Round-numbered ticks (steps of 1, 2 or 5 times a power of ten, at most six intervals)
    /// covering `lo ... hi`.
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        let raw = (hi - lo) / 6
        let power = Foundation.pow(10, (Foundation.log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// Ticks for a logarithmic axis spanning log10 values `lo ... hi`: 1, 2 and 5 times powers
    /// of ten inside it (powers of ten alone over many decades), or round values in between
    /// when it spans less than that.
    static func logarithmicTicks(_ lo: Double, _ hi: Double) -> [Double] {
        var ticks: [Double] = []
        for k in Int(lo.rounded(.down))...Int(hi.rounded(.up)) {
            for m in [1.0, 2, 5] where (lo...hi).contains(Foundation.log10(m) + Double(k)) { ticks.append(m * Foundation.pow(10, Double(k))) }
        }
        if ticks.count > 8 { ticks = ticks.filter { Foundation.log10($0).rounded() == Foundation.log10($0) } }
        if ticks.count < 3 {
            let (a, b) = (Foundation.pow(10, lo), Foundation.pow(10, hi))
            ticks = Self.ticks(a, b).filter { $0 >= a && $0 <= b }
        }
        return ticks
    }

    /// A tick's label without trailing zeros: `0`, `2.5`, `1000`.
    static func label(_ v: Double) -> String {
        var text = String(format: "%.6g", abs(v) < 1e-12 ? 0 : v)
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
