import Foundation

extension SVGLinePlot {
    /// A reference level drawn across a loss curve, dashed: the loss of a model that knows
    /// nothing but the data's distribution, say.
    public struct Baseline: Hashable, Sendable {
        /// The legend's label.
        public var name: String
        /// The loss it stands for.
        public var value: Double

        /// A baseline at `value`, labelled `name`.
        public init(name: String, value: Double) {
            self.name = name
            self.value = value
        }

        /// The loss of a model that gives each of `classes` classes the same probability,
        /// ln V, labelled `uniform: ln V = …`.
        public static func uniform(classes: Int) -> Baseline {
            let value = Foundation.log(Double(classes))
            return Baseline(name: String(format: "uniform: ln %d = %.2f", classes, value), value: value)
        }
    }

    /// The loss curve of a run: training and (when measured) validation loss per epoch, on a
    /// logarithmic axis, with an optional dashed baseline across it.
    ///
    /// - Parameters:
    ///   - history: the run's epochs.
    ///   - title: the heading.
    ///   - yLabel: the y axis's label.
    ///   - baseline: a reference level, or `nil`.
    public static func lossCurve(
        _ history: [EpochRecord], title: String = "Loss per epoch", yLabel: String = "loss (log scale)", baseline: Baseline? = nil
    ) -> SVGLinePlot {
        var plot = SVGLinePlot(title: title, xLabel: "epoch", yLabel: yLabel)
        plot.logarithmicY = true
        plot.series.append(Series(name: "training", color: "#1f77b4", points: history.map { (Double($0.epoch), $0.trainingLoss) }))
        if history.contains(where: { $0.validationLoss != nil }) {
            plot.series.append(Series(name: "validation", color: "#d62728",
                                      points: history.map { (Double($0.epoch), $0.validationLoss ?? .nan) }))
        }
        if let baseline {
            let epochs = history.map { Double($0.epoch) }
            plot.series.append(Series(name: baseline.name, color: "#7f7f7f",
                                      points: [(epochs.min() ?? 0, baseline.value), (epochs.max() ?? 1, baseline.value)], dashed: true))
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
