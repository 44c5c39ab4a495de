import Foundation
import GRUKit
import Testing

/// The SVG charts: round ticks, escaped text, skipped points, logarithmic loss curves.
@Suite struct TrainingReportTests {
    @Test func plotsEverySeriesWithRoundTicksAndEscapedText() {
        var plot = SVGLinePlot(title: "loss <&> \"curve\"", xLabel: "step", yLabel: "value")
        plot.series.append(.init(name: "a", color: "#111111", points: [(0, 4.4), (50, 2.5), (100, .nan), (150, 1.9)]))
        plot.series.append(.init(name: "b", color: "#222222", points: [(0, 4.48), (150, 4.48)], dashed: true))
        let svg = plot.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("loss &lt;&amp;&gt; &quot;curve&quot;"))
        let polylines = svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }
        #expect(polylines.count == 2)
        #expect(polylines[0].split(separator: " ").filter { $0.contains(",") }.count == 3, "the NaN point is skipped")
        #expect(polylines[1].contains("stroke-dasharray"))
        // Steps of 1, 2 or 5 times a power of ten: y 0 to 5 by 1 (from zero), x 0 to 150 by 50.
        for label in [">0<", ">1<", ">5<", ">50<", ">150<"] { #expect(svg.contains(label), "no tick \(label)") }
    }

    @Test func lossCurvesAreLogarithmic() throws {
        // Over three decades: ticks at the powers of ten; under one: round values inside it.
        let history = (1...4).map { EpochRecord(epoch: $0, step: $0, trainingLoss: pow(10, -Double($0)), validationLoss: $0 == 2 ? nil : 0.5, learningRate: 0.1, seconds: 0) }
        let svg = SVGLinePlot.lossCurve(history).svg()
        for label in [">0.001<", ">0.01<", ">0.1<"] { #expect(svg.contains(label), "no tick \(label)") }
        #expect(svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }.count == 2)
        let narrow = (1...3).map { EpochRecord(epoch: $0, step: $0, trainingLoss: [0.26, 0.15, 0.12][$0 - 1], validationLoss: nil, learningRate: 0.1, seconds: 0) }
        let ticks = SVGLinePlot.lossCurve(narrow).svg().split(separator: "\n").filter { $0.contains("text-anchor=\"end\"") }
        #expect(ticks.count >= 3 && ticks.contains { $0.contains(">0.15<") } && ticks.contains { $0.contains(">0.2<") }, "\(ticks)")
        #expect(try EpochRecord(epoch: 1, step: 3, trainingLoss: 0.5, validationLoss: nil, learningRate: 0.01, seconds: 1.5).jsonLine()
                == #"{"epoch":1,"learning_rate":0.01,"seconds":1.5,"skipped_steps":0,"step":3,"train_loss":0.5}"#)
    }
}
