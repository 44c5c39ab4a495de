import Foundation

extension SVGLinePlot {
    /// The loss curve of a run: training and (when measured) validation loss per epoch, on a
    /// logarithmic axis.
    public static func lossCurve(_ history: [EpochRecord], title: String = "Loss per epoch") -> SVGLinePlot {
        var plot = SVGLinePlot(title: title, xLabel: "epoch", yLabel: "loss (log scale)")
        plot.logarithmicY = true
        plot.series.append(Series(name: "training", color: "#1f77b4", points: history.map { (Double($0.epoch), $0.trainingLoss) }))
        if history.contains(where: { $0.validationLoss != nil }) {
            plot.series.append(Series(name: "validation", color: "#d62728",
                                      points: history.map { (Double($0.epoch), $0.validationLoss ?? .nan) }))
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
