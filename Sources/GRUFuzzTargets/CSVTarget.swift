import Foundation
import GRUKit

extension FuzzTargets {
    /// The CSV reader as `gru train --csv` uses it: the table, then sliding windows over its
    /// columns (the first columns as features, the last as the target, a window and horizon
    /// taken from the input's length), their normalisation statistics and datasets, and the
    /// forecast inputs past the data's end.
    public static func csv(_ data: Data) {
        guard let table = try? CSVTable(data: data, file: "fuzz.csv"), let last = table.header.last else { return }
        let window = 1 + data.count % 4, horizon = data.count % 3
        let features = Array(table.header.prefix(max(1, table.header.count - 1)))
        let specification = TimeSeriesSpecification(featureColumns: features, targetColumns: [last], window: window, horizon: horizon)
        if let windows = try? TimeSeriesWindows(table: table, specification: specification) {
            let all = windows.windowCount
            let training = max(1, all - all / 5)
            let (input, target) = windows.statistics(trainingWindows: training)
            _ = try? windows.dataset(windows: 0..<training, input: input, target: target)
            _ = try? windows.dataset(windows: training..<all, input: input, target: target)
        }
        if let inputs = try? TimeSeriesWindows(table: table, specification: specification, requireTargets: false) {
            let identity = Normalization(mean: features.map { _ in 0 }, std: features.map { _ in 1 })
            _ = try? inputs.inputs(windows: 0..<inputs.inputWindowCount, normalization: identity)
        }
    }
}
