import Foundation

/// The character model's loss curve, drawn with the shared ``SVGLinePlot``.
extension CharacterModelTraining {
    /// The loss curve of a run: training and held-out loss against steps, with the uniform
    /// baseline ln V (the loss of a model that knows nothing but the vocabulary) dashed.
    public static func lossCurve(_ records: [Record], vocabularySize: Int, title: String) -> SVGLinePlot {
        var plot = SVGLinePlot(title: title, xLabel: "optimizer step", yLabel: "cross-entropy (nats per character)")
        let steps = records.map { Double($0.step) }
        plot.series.append(.init(
            name: "training (mean over each interval)", color: "#1f77b4",
            points: records.compactMap { r in r.trainingLoss.map { (Double(r.step), $0) } }))
        plot.series.append(.init(
            name: "held-out text", color: "#d62728",
            points: records.compactMap { r in r.validationLoss.map { (Double(r.step), $0) } }))
        let uniform = Foundation.log(Double(vocabularySize))
        plot.series.append(.init(
            name: String(format: "uniform: ln %d = %.2f", vocabularySize, uniform), color: "#7f7f7f",
            points: [(steps.min() ?? 0, uniform), (steps.max() ?? 1, uniform)], dashed: true))
        return plot
    }
}
