import Foundation
import GRUKit
import Testing

/// The loss curve's SVG: round ticks, escaped text, one polyline per series with points.
@Suite struct SVGLinePlotTests {
    @Test func plotsEverySeriesWithRoundTicks() {
        var plot = SVGLinePlot(title: "loss <&> \"curve\"", xLabel: "step", yLabel: "nats")
        plot.series.append(.init(name: "a", color: "#111111", points: [(0, 4.4), (50, 2.5), (100, .nan), (150, 1.9)]))
        plot.series.append(.init(name: "b", color: "#222222", points: [(0, 4.48), (150, 4.48)], dashed: true))
        let svg = plot.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("loss &lt;&amp;&gt; &quot;curve&quot;"))
        let polylines = svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }
        #expect(polylines.count == 2)
        #expect(polylines[0].split(separator: " ").filter { $0.contains(",") }.count == 3, "the NaN point is skipped")
        #expect(polylines[1].contains("stroke-dasharray"))
        // At most six intervals of 1, 2 or 5 times a power of ten: y 0 to 5 by 1, x 0 to 150 by 50.
        for label in [">0<", ">1<", ">5<", ">50<", ">150<"] { #expect(svg.contains(label), "no tick \(label)") }
    }

    @Test func lossCurveDrawsTheUniformBaseline() {
        let history = (1...3).map { epoch in
            EpochRecord(epoch: epoch, step: epoch * 10, trainingLoss: 2.0 / Double(epoch), validationLoss: 3.0 - Double(epoch),
                        learningRate: 0.01, seconds: 0)
        }
        let svg = SVGLinePlot.lossCurve(history, title: "t", baseline: .uniform(classes: 88)).svg()
        #expect(svg.contains("uniform: ln 88 = 4.48"))
        let polylines = svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }
        #expect(polylines.count == 3)
        #expect(polylines[2].contains("stroke-dasharray"), "the baseline is dashed")
        #expect(SVGLinePlot.Baseline.uniform(classes: 88).value == Foundation.log(88.0))
        #expect(SVGLinePlot.lossCurve(history).svg().split(separator: "\n").filter { $0.hasPrefix("<polyline") }.count == 2)
    }
}
