import Foundation
import GRUKit
import Testing

/// CSV tables and sliding windows against hand-worked values.
@Suite struct TimeSeriesTests {
    @Test func csvFieldsQuotesAndLines() throws {
        let table = try CSVTable(text: "date, \"a,b\" ,c\r\n\n2001,\"1.5\",\"say \"\"hi\"\"\"\n 2002 , -2e1 ,x\n", file: "t.csv")
        #expect(table.header == ["date", "a,b", "c"])
        #expect(table.rows == [["2001", "1.5", "say \"hi\""], ["2002", "-2e1", "x"]])
        #expect(table.lines == [3, 4])
        #expect(try table.numbers(columns: ["a,b", "date"]) == [[1.5, 2001], [-20, 2002]])
        #expect(throws: DatasetError.csv(file: "t.csv", line: 3, problem: "column 'c': 'say \"hi\"' is not a finite number")) {
            try table.numbers(columns: ["c"])
        }
        #expect(throws: DatasetError.csv(file: "t.csv", line: nil, problem: "no column 'z' (the columns are date, a,b, c)")) {
            try table.numbers(columns: ["z"])
        }
        #expect(throws: DatasetError.csv(file: "u.csv", line: 2, problem: "a quoted field is not closed")) {
            try CSVTable(text: "a\n\"open\n", file: "u.csv")
        }
        #expect(throws: DatasetError.csv(file: "u.csv", line: 1, problem: "the header names column 'a' twice")) {
            try CSVTable(text: "a,b,a\n", file: "u.csv")
        }
        #expect(throws: DatasetError.self) { try CSVTable(text: "a\nnan\n", file: "u.csv").numbers(columns: ["a"]) }
    }

    /// Rows 0…5 of x = 1…6 and y = 10·x; window 2, horizon 2: window k reads x[k], x[k+1] and
    /// predicts y[k+3]. Three windows; training on the first two uses x rows 0…2 and y rows 3, 4.
    @Test func windowsTargetsAndTrainingStatistics() throws {
        var text = "x,y\n"
        for v in 1...6 { text += "\(v),\(10 * v)\n" }
        let spec = TimeSeriesSpecification(featureColumns: ["x"], targetColumns: ["y"], window: 2, horizon: 2)
        let w = try TimeSeriesWindows(table: CSVTable(text: text, file: "s.csv"), specification: spec)
        #expect(w.windowCount == 3 && w.inputWindowCount == 5)
        #expect((0..<3).map(w.targetRow(ofWindow:)) == [3, 4, 5])
        let (input, target) = w.statistics(trainingWindows: 2)
        #expect(input.mean == [2] && abs(input.std[0] - (2.0 / 3).squareRoot()) < 1e-15)  // x rows 1, 2, 3
        #expect(target.mean == [45] && target.std == [5])  // y rows 40, 50
        let d = try w.dataset(windows: 0..<3, input: input, target: target)
        #expect(d.input.shape == [3, 2, 1] && d.target.shape == [3, 2 - 1])
        let s = (2.0 / 3).squareRoot()
        let expectedX = [1, 2, 2, 3, 3, 4].map { Float((Double($0) - 2) / s) }
        #expect(d.input.scalars == expectedX)
        #expect(d.target == .values(try Tensor(shape: [3, 1], scalars: [-1, 1, 3])))
        #expect(throws: DatasetError.csv(file: "s.csv", line: nil, problem: "too few rows: 6 data row(s), but a window of 5 row(s) with horizon 2 needs at least 7")) {
            try TimeSeriesWindows(table: CSVTable(text: text, file: "s.csv"), specification: TimeSeriesSpecification(featureColumns: ["x"], targetColumns: ["y"], window: 5, horizon: 2))
        }
        // A constant column normalises to zeros, not NaN.
        #expect(Normalization(columnsOf: [[3], [3]]).std == [1])
    }
}
