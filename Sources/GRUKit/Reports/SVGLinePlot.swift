import Foundation

/// A line chart written as a self-contained SVG file: axes with round-number ticks, a legend,
/// one polyline per series. Used for loss curves and forecasts.
public struct SVGLinePlot: Sendable {
    /// One line of the chart.
    public struct Series: Sendable {
        /// The legend's text.
        public var name: String
        /// The points, in drawing order; non-finite points break the line.
        public var points: [(x: Double, y: Double)]
        /// A CSS colour.
        public var color: String
        /// Whether the line is dashed.
        public var dashed: Bool

        /// A line of `points` in `color`, dashed or solid.
        public init(name: String, points: [(x: Double, y: Double)], color: String, dashed: Bool = false) {
            (self.name, self.points, self.color, self.dashed) = (name, points, color, dashed)
        }
    }

    /// The heading above the chart.
    public var title: String
    /// The x axis's label.
    public var xLabel: String
    /// The y axis's label.
    public var yLabel: String
    /// A logarithmic y axis (loss curves); points ≤ 0 are left out.
    public var logarithmicY = false
    /// The lines, drawn in order, listed in the legend.
    public var series: [Series] = []

    /// A chart with the given labels and lines.
    public init(title: String, xLabel: String, yLabel: String, logarithmicY: Bool = false, series: [Series] = []) {
        (self.title, self.xLabel, self.yLabel, self.logarithmicY, self.series) = (title, xLabel, yLabel, logarithmicY, series)
    }

    /// The SVG document.
    public func svg(width: Int = 760, height: Int = 420) -> String {
        let (left, right, top, bottom) = (70.0, 20.0, 40.0, 50.0)
        let (w, h) = (Double(width) - left - right, Double(height) - top - bottom)
        let transformY: (Double) -> Double = logarithmicY ? { log10($0) } : { $0 }
        let usable = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logarithmicY || $0.y > 0) }
        var (x0, x1) = (usable.map(\.x).min() ?? 0, usable.map(\.x).max() ?? 1)
        var (y0, y1) = (usable.map { transformY($0.y) }.min() ?? 0, usable.map { transformY($0.y) }.max() ?? 1)
        if x1 <= x0 { (x0, x1) = (x0 - 0.5, x1 + 0.5) }
        if y1 <= y0 { (y0, y1) = (y0 - 0.5, y1 + 0.5) }
        let pad = (y1 - y0) * 0.05
        (y0, y1) = (y0 - pad, y1 + pad)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * w }
        func py(_ y: Double) -> Double { top + h - (transformY(y) - y0) / (y1 - y0) * h }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left + w / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        // Grid and ticks.
        for x in Self.ticks(x0, x1) {
            out += "<line x1=\"\(f(px(x)))\" y1=\"\(f(top))\" x2=\"\(f(px(x)))\" y2=\"\(f(top + h))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(f(px(x)))\" y=\"\(f(top + h + 16))\" text-anchor=\"middle\">\(Self.label(x))</text>\n"
        }
        let yTicks = logarithmicY ? Self.logarithmicTicks(y0, y1) : Self.ticks(y0, y1)
        for y in yTicks {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(y)))\" x2=\"\(f(left + w))\" y2=\"\(f(py(y)))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(Self.label(y))</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"none\" stroke=\"#444\"/>\n"
        out += "<text x=\"\(f(left + w / 2))\" y=\"\(height - 12)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(f(top + h / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        // Lines, broken at unusable points.
        for s in series {
            var segments: [[String]] = [[]]
            for p in s.points {
                if p.x.isFinite && p.y.isFinite && (!logarithmicY || p.y > 0) {
                    segments[segments.count - 1].append("\(f(px(p.x))),\(f(py(p.y)))")
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            for segment in segments where !segment.isEmpty {
                let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
                if segment.count == 1 {
                    let xy = segment[0].split(separator: ",")
                    out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(s.color)\"/>\n"
                } else {
                    out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.6\"\(dash) points=\"\(segment.joined(separator: " "))\"/>\n"
                }
            }
        }
        // Legend, top right, on a white box.
        let boxHeight = 8 + Double(series.count) * 18
        out += "<rect x=\"\(f(left + w - 178))\" y=\"\(f(top + 4))\" width=\"172\" height=\"\(f(boxHeight))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n"
        for (i, s) in series.enumerated() {
            let y = top + 16 + Double(i) * 18, x = left + w - 170
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 24))\" y2=\"\(f(y - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>"
            out += "<text x=\"\(f(x + 30))\" y=\"\(f(y))\">\(escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Round-number ticks covering [a, b]: steps of 1, 2 or 5 times a power of ten.
    static func ticks(_ a: Double, _ b: Double) -> [Double] {
        let raw = (b - a) / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [Double] = []
        var t = (a / step).rounded(.up) * step
        while t <= b + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    /// Ticks for a logarithmic axis spanning log10 values [a, b]: 1, 2 and 5 times powers of
    /// ten, or round values in between when the span is under a decade.
    static func logarithmicTicks(_ a: Double, _ b: Double) -> [Double] {
        var ticks: [Double] = []
        for k in Int(floor(a))...Int(ceil(b)) {
            for m in [1.0, 2, 5] where (a...b).contains(log10(m) + Double(k)) { ticks.append(m * pow(10, Double(k))) }
        }
        if ticks.count > 8 { ticks = ticks.filter { log10($0).rounded() == log10($0) } }
        if ticks.count < 3 { ticks = Self.ticks(pow(10, a), pow(10, b)).filter { $0 > 0 } }
        return ticks
    }

    /// A tick's text: short, without trailing zeros.
    static func label(_ v: Double) -> String {
        if v != 0 && (abs(v) >= 1e5 || abs(v) < 1e-3) { return String(format: "%.0e", v) }
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension SVGLinePlot {
    /// The loss curve of a run: training and (when measured) validation loss per epoch, on a
    /// logarithmic axis.
    public static func lossCurve(_ history: [EpochRecord], title: String = "Loss") -> SVGLinePlot {
        var plot = SVGLinePlot(title: title, xLabel: "epoch", yLabel: "loss (log scale)", logarithmicY: true)
        plot.series.append(Series(name: "training", points: history.map { (Double($0.epoch), $0.trainingLoss) }, color: "#1f77b4"))
        if history.contains(where: { $0.validationLoss != nil }) {
            plot.series.append(Series(name: "validation", points: history.map { (Double($0.epoch), $0.validationLoss ?? .nan) }, color: "#d62728"))
        }
        return plot
    }
}

extension EpochRecord {
    /// The record as one line of JSON (keys sorted), for a JSON-lines metrics log.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Writes text files atomically (a temporary file, flushed, renamed over the old one).
public enum TextFile {
    /// Replaces the file at `url` with `text` (UTF-8).
    ///
    /// - Throws: ``SafeTensorsError/cannotWrite(file:reason:)`` naming the path.
    public static func write(_ text: String, to url: URL) throws {
        try AtomicFileWriter.replaceFile(at: url, with: [Array(text.utf8)])
    }
}
